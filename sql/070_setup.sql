-- 070_setup.sql — setting a meeting up and keeping it (issue 15): who the
-- caller is (GET /me), API tokens issued and revoked through the API.
--
-- Same conventions as 010_api_core.sql: each request is one call of a
-- plpgsql function taking the actor JSON ({token_id, role, conference_id,
-- delegation_id}); it checks, writes, audits (kaigi_core_audit) and answers
-- JSON. Errors are SQLSTATE KGnnn (HTTP nnn) with a JSON DETAIL merged into
-- the problem document.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- ---------------------------------------------------------------------------
-- GET /me
-- ---------------------------------------------------------------------------

-- The caller's token: {role, conference, delegation, participant_id} (slug,
-- code; null when the token has none), plus ids, label and dates.
CREATE FUNCTION kaigi_me(p_actor jsonb)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object('role', p_actor->>'role',
	    'conference', c.slug, 'delegation', d.code,
	    'participant_id', (p_actor->>'participant_id')::bigint,
	    'conference_id', c.id, 'delegation_id', d.id,
	    'delegation_name', d.name, 'timezone', c.timezone,
	    'token_id', t.id, 'label', t.label,
	    'created_at', kaigi_ts(t.created_at, coalesce(c.timezone, 'UTC')))
	FROM (SELECT 1) one
	LEFT JOIN api_tokens t ON t.id = (p_actor->>'token_id')::bigint
	LEFT JOIN conferences c ON c.id = (p_actor->>'conference_id')::bigint
	LEFT JOIN delegations d ON d.id = (p_actor->>'delegation_id')::bigint
$$;

-- ---------------------------------------------------------------------------
-- API tokens (the raw token never reaches the database: only its SHA-256)
-- ---------------------------------------------------------------------------

-- Which token issued it (no foreign key: a self-reference would make
-- pg_dump --data-only warn, and token rows are never deleted by the API).
ALTER TABLE api_tokens ADD COLUMN created_by_token_id bigint;

-- The JSON of a token, never its hash.
CREATE FUNCTION kaigi_token_json(t api_tokens)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', t.id, 'role', t.role,
	    'conference', c.slug, 'delegation', d.code, 'label', t.label,
	    'created_at', kaigi_ts(t.created_at, coalesce(c.timezone, 'UTC')),
	    'revoked_at', kaigi_ts(t.revoked_at, coalesce(c.timezone, 'UTC')),
	    'created_by_token_id', t.created_by_token_id)
	FROM (SELECT 1) one
	LEFT JOIN conferences c ON c.id = t.conference_id
	LEFT JOIN delegations d ON d.id = t.delegation_id
$$;

-- KG422 for an unknown delegation, listing the conference's codes.
CREATE FUNCTION kaigi_setup_no_delegation(p_cid bigint, p_field text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	codes	text;
BEGIN
	SELECT string_agg(code, ', ' ORDER BY code) INTO codes
	FROM delegations WHERE conference_id = p_cid;
	PERFORM kaigi_core_invalid(p_field, 'no such delegation in this conference'
	    || coalesce('; the codes are ' || codes, ' (it has none yet)'));
END $$;

-- Who may issue a token of role p_role: the conference's secretariat (or
-- an admin) a liaison's, only an admin a secretariat's. KG403 names the
-- role needed.
CREATE FUNCTION kaigi_token_may_issue(p_actor jsonb, p_cid bigint, p_role text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF p_role = 'secretariat' AND p_actor->>'role' IS DISTINCT FROM 'admin' THEN
		RAISE EXCEPTION USING ERRCODE = 'KG403',
		    MESSAGE = 'only an admin may issue secretariat tokens';
	END IF;
	IF NOT kaigi_core_is_secretariat(p_actor, p_cid) THEN
		RAISE EXCEPTION USING ERRCODE = 'KG403',
		    MESSAGE = 'only the secretariat of this conference (or an admin) may issue liaison tokens';
	END IF;
END $$;

-- POST /conferences/{slug}/tokens {role, delegation?, label?}, the token
-- stored as p_hash. Returns the token's JSON (kaigid adds the raw token).
CREATE FUNCTION kaigi_token_create(p_actor jsonb, p_slug text, p_in jsonb,
    p_hash text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	c	conferences;
	d	delegations;
	t	api_tokens;
	j	json;
BEGIN
	c := kaigi_core_conference(p_slug);
	PERFORM kaigi_token_may_issue(p_actor, c.id, p_in->>'role');
	IF p_in->>'role' = 'liaison' THEN
		d := kaigi_core_delegation_ref(c.id, p_in->'delegation');
		IF d.id IS NULL THEN
			PERFORM kaigi_setup_no_delegation(c.id, 'delegation');
		END IF;
	END IF;
	INSERT INTO api_tokens (role, conference_id, delegation_id, token_hash,
	    label, created_by_token_id)
	VALUES (p_in->>'role', c.id, d.id, p_hash, coalesce(p_in->>'label', ''),
	    (p_actor->>'token_id')::bigint)
	RETURNING * INTO t;
	j := kaigi_token_json(t);
	PERFORM kaigi_core_audit(p_actor, c.id, 'create', 'api_token', t.id,
	    NULL, j::jsonb);
	RETURN j;
END $$;

-- GET /conferences/{slug}/tokens (secretariat): the conference's tokens,
-- revoked ones too (revoked_at set), oldest first; never a hash.
CREATE FUNCTION kaigi_token_list(p_actor jsonb, p_slug text, p_limit int,
    p_cursor bigint)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
	c	conferences;
BEGIN
	c := kaigi_core_conference(p_slug);
	PERFORM kaigi_core_need_secretariat(p_actor, c.id);
	RETURN (SELECT kaigi_core_page(
	    array_agg(kaigi_token_json(s.t) ORDER BY (s.t).id),
	    array_agg((s.t).id ORDER BY (s.t).id), p_limit)
	FROM (SELECT t FROM api_tokens t WHERE t.conference_id = c.id
	    AND t.id > p_cursor ORDER BY t.id LIMIT p_limit + 1) s);
END $$;

-- DELETE /tokens/{id}: an admin revokes any token; a secretariat its
-- conference's liaison tokens and its own token (KG403 for the other
-- secretariat tokens, which it can list). Unknown or another conference's:
-- KG404. Revoking twice keeps the first revoked_at.
CREATE FUNCTION kaigi_token_revoke(p_actor jsonb, p_id text)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
	t	api_tokens;
BEGIN
	SELECT * INTO t FROM api_tokens WHERE id = p_id::bigint FOR UPDATE;
	IF NOT FOUND OR NOT (p_actor->>'role' = 'admin'
	    OR kaigi_core_is_secretariat(p_actor, t.conference_id)) THEN
		RAISE EXCEPTION USING ERRCODE = 'KG404', MESSAGE = 'no such token';
	END IF;
	IF t.role <> 'liaison' AND p_actor->>'role' <> 'admin'
	    AND t.id IS DISTINCT FROM (p_actor->>'token_id')::bigint THEN
		RAISE EXCEPTION USING ERRCODE = 'KG403',
		    MESSAGE = 'only an admin may revoke another secretariat token';
	END IF;
	IF t.revoked_at IS NULL THEN
		UPDATE api_tokens SET revoked_at = now() WHERE id = t.id
		RETURNING * INTO t;
		PERFORM kaigi_core_audit(p_actor, t.conference_id, 'revoke',
		    'api_token', t.id, NULL, kaigi_token_json(t)::jsonb);
	END IF;
	RETURN true;
END $$;

-- ---------------------------------------------------------------------------
-- Uniqueness users expect, and "ref" (the secretariat's own key)
-- ---------------------------------------------------------------------------

-- Existing duplicates would make the indexes below fail half-way: say which.
DO $check$
DECLARE
	dups	text;
BEGIN
	SELECT string_agg(x, '; ') INTO dups FROM (
	    SELECT format('venue name %L in conference %s', min(name), conference_id) AS x
	    FROM venues GROUP BY conference_id, lower(name) HAVING count(*) > 1
	    UNION ALL
	    SELECT format('room name %L in venue %s', min(name), venue_id)
	    FROM rooms GROUP BY venue_id, lower(name) HAVING count(*) > 1
	    UNION ALL
	    SELECT format('e-mail %L in conference %s', min(email), conference_id)
	    FROM participants WHERE email IS NOT NULL
	    GROUP BY conference_id, lower(email) HAVING count(*) > 1) d;
	IF dups IS NOT NULL THEN
		RAISE EXCEPTION 'rename or remove these duplicates before migrating: %', dups;
	END IF;
END $check$;

CREATE UNIQUE INDEX venues_conference_name_key ON venues (conference_id, lower(name));
CREATE UNIQUE INDEX rooms_venue_name_key ON rooms (venue_id, lower(name));
CREATE UNIQUE INDEX participants_conference_email_key ON participants
    (conference_id, lower(email)) WHERE email IS NOT NULL;

ALTER TABLE delegations ADD COLUMN ref text CONSTRAINT delegations_ref_check CHECK (ref <> '');
ALTER TABLE participants ADD COLUMN ref text CONSTRAINT participants_ref_check CHECK (ref <> '');
ALTER TABLE rooms ADD COLUMN ref text CONSTRAINT rooms_ref_check CHECK (ref <> '');
ALTER TABLE sessions ADD COLUMN ref text CONSTRAINT sessions_ref_check CHECK (ref <> '');
ALTER TABLE bilateral_requests ADD COLUMN ref text
    CONSTRAINT bilateral_requests_ref_check CHECK (ref <> '');
CREATE UNIQUE INDEX delegations_conference_ref_key ON delegations (conference_id, ref);
CREATE UNIQUE INDEX participants_conference_ref_key ON participants (conference_id, ref);
CREATE UNIQUE INDEX rooms_conference_ref_key ON rooms (conference_id, ref);
CREATE UNIQUE INDEX sessions_conference_ref_key ON sessions (conference_id, ref);
CREATE UNIQUE INDEX bilateral_requests_conference_ref_key ON bilateral_requests
    (conference_id, ref);

-- KG409: p_field's value is already that of p_entity p_id (when p_id is set).
CREATE FUNCTION kaigi_setup_taken(p_entity text, p_field text, p_value text,
    p_id bigint)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF p_id IS NOT NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'KG409',
		    MESSAGE = format('%s %s already has %s %s', p_entity, p_id,
			replace(p_field, '_', ' '), p_value),
		    DETAIL = json_build_object('existing_id', p_id, 'errors',
			json_build_array(json_build_object('field', p_field,
			    'message', format('is already that of %s %s', p_entity, p_id))))::text;
	END IF;
END $$;

-- KG409 when another venue of the conference has v's name (any case).
CREATE FUNCTION kaigi_venue_taken(v venues)
RETURNS void LANGUAGE sql AS $$
	SELECT kaigi_setup_taken('venue', 'name', v.name, (SELECT x.id FROM venues x
	    WHERE x.conference_id = v.conference_id AND lower(x.name) = lower(v.name)
	    AND x.id IS DISTINCT FROM v.id))
$$;

-- KG409 when another room of r's venue has its name, or of the conference its ref.
CREATE FUNCTION kaigi_room_taken(r rooms)
RETURNS void LANGUAGE sql AS $$
	SELECT kaigi_setup_taken('room', 'name', r.name, (SELECT x.id FROM rooms x
	    WHERE x.venue_id = r.venue_id AND lower(x.name) = lower(r.name)
	    AND x.id IS DISTINCT FROM r.id));
	SELECT kaigi_setup_taken('room', 'ref', r.ref, (SELECT x.id FROM rooms x
	    WHERE x.conference_id = r.conference_id AND x.ref = r.ref
	    AND x.id IS DISTINCT FROM r.id))
$$;

-- KG409 when another delegation of the conference has d's code or ref.
CREATE FUNCTION kaigi_delegation_taken(d delegations)
RETURNS void LANGUAGE sql AS $$
	SELECT kaigi_setup_taken('delegation', 'code', d.code, (SELECT x.id
	    FROM delegations x WHERE x.conference_id = d.conference_id
	    AND x.code = d.code AND x.id IS DISTINCT FROM d.id));
	SELECT kaigi_setup_taken('delegation', 'ref', d.ref, (SELECT x.id
	    FROM delegations x WHERE x.conference_id = d.conference_id
	    AND x.ref = d.ref AND x.id IS DISTINCT FROM d.id))
$$;

-- KG409 when another participant of the conference has p's e-mail (any
-- case) or ref.
CREATE FUNCTION kaigi_participant_taken(p participants)
RETURNS void LANGUAGE sql AS $$
	SELECT kaigi_setup_taken('participant', 'email', p.email, (SELECT x.id
	    FROM participants x WHERE x.conference_id = p.conference_id
	    AND lower(x.email) = lower(p.email) AND x.id IS DISTINCT FROM p.id));
	SELECT kaigi_setup_taken('participant', 'ref', p.ref, (SELECT x.id
	    FROM participants x WHERE x.conference_id = p.conference_id
	    AND x.ref = p.ref AND x.id IS DISTINCT FROM p.id))
$$;

-- A unique index refused a write that kaigi_*_taken let through: another
-- transaction committed the same key meanwhile. The handlers ask
-- kaigi_*_taken again (a new statement sees that row, so the 409 names
-- it); this is the 409 for what is still unnamed.
CREATE FUNCTION kaigi_setup_unique_failed(p_constraint text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION USING ERRCODE = 'KG409',
	    MESSAGE = 'another request stored the same key just now; read and retry',
	    DETAIL = json_build_object('constraint', p_constraint)::text;
END $$;

-- The JSON shapes, now with ref.
CREATE OR REPLACE FUNCTION kaigi_room_json(r rooms, p_slug text)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', r.id, 'conference', p_slug,
	    'venue_id', r.venue_id,
	    'venue', (SELECT v.name FROM venues v WHERE v.id = r.venue_id),
	    'name', r.name, 'capacity', r.capacity, 'kind', r.kind,
	    'usable_for_bilaterals', r.usable_for_bilaterals, 'ref', r.ref,
	    'version', r.version)
$$;

CREATE OR REPLACE FUNCTION kaigi_delegation_json(d delegations, p_slug text)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', d.id, 'conference', p_slug, 'code', d.code,
	    'name', d.name, 'kind', d.kind, 'ref', d.ref, 'version', d.version)
$$;

CREATE OR REPLACE FUNCTION kaigi_participant_json(p participants, p_slug text)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', p.id, 'conference', p_slug,
	    'delegation', (SELECT d.code FROM delegations d WHERE d.id = p.delegation_id),
	    'delegation_id', p.delegation_id, 'name', p.name, 'title', p.title,
	    'role', p.role, 'email', p.email, 'timezone', p.timezone, 'ref', p.ref,
	    'version', p.version)
$$;

-- POST /conferences/{slug}/venues (secretariat): 409 for a name taken.
CREATE OR REPLACE FUNCTION kaigi_venue_create(p_actor jsonb, p_slug text, p_in jsonb)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	c	conferences;
	v	venues;
	j	json;
	cn	text;
BEGIN
	c := kaigi_core_conference(p_slug);
	PERFORM kaigi_core_need_secretariat(p_actor, c.id);
	v.conference_id := c.id;
	v.name := p_in->>'name';
	PERFORM kaigi_venue_taken(v);
	BEGIN
		INSERT INTO venues (conference_id, name, address)
		VALUES (c.id, p_in->>'name', coalesce(p_in->>'address', ''))
		RETURNING * INTO v;
	EXCEPTION WHEN unique_violation THEN
		GET STACKED DIAGNOSTICS cn = CONSTRAINT_NAME;
		PERFORM kaigi_venue_taken(v);	-- now committed: name it
		PERFORM kaigi_setup_unique_failed(cn);
	END;
	j := kaigi_venue_json(v, c.slug);
	PERFORM kaigi_core_audit(p_actor, c.id, 'create', 'venue', v.id, NULL, j::jsonb);
	RETURN j;
END $$;

-- POST /conferences/{slug}/rooms (secretariat): 409 for a name taken in
-- the venue or a ref taken in the conference.
CREATE OR REPLACE FUNCTION kaigi_room_create(p_actor jsonb, p_slug text, p_in jsonb)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	c	conferences;
	r	rooms;
	j	json;
	cn	text;
BEGIN
	c := kaigi_core_conference(p_slug);
	PERFORM kaigi_core_need_secretariat(p_actor, c.id);
	IF NOT EXISTS (SELECT 1 FROM venues WHERE id = (p_in->>'venue_id')::bigint
	    AND conference_id = c.id) THEN
		PERFORM kaigi_core_invalid('venue_id', 'no such venue in this conference');
	END IF;
	r.conference_id := c.id;
	r.venue_id := (p_in->>'venue_id')::bigint;
	r.name := p_in->>'name';
	r.ref := p_in->>'ref';
	PERFORM kaigi_room_taken(r);
	BEGIN
		INSERT INTO rooms (conference_id, venue_id, name, capacity, kind,
		    usable_for_bilaterals, ref)
		VALUES (c.id, r.venue_id, r.name, (p_in->>'capacity')::int,
		    coalesce(p_in->>'kind', 'other'),
		    coalesce((p_in->>'usable_for_bilaterals')::boolean,
			p_in->>'kind' = 'bilateral', false), r.ref)
		RETURNING * INTO r;
	EXCEPTION WHEN unique_violation THEN
		GET STACKED DIAGNOSTICS cn = CONSTRAINT_NAME;
		PERFORM kaigi_room_taken(r);	-- now committed: name it
		PERFORM kaigi_setup_unique_failed(cn);
	END;
	j := kaigi_room_json(r, c.slug);
	PERFORM kaigi_core_audit(p_actor, c.id, 'create', 'room', r.id, NULL, j::jsonb);
	RETURN j;
END $$;

-- POST /conferences/{slug}/delegations (secretariat): 409 with the
-- existing id for a code or ref taken.
CREATE OR REPLACE FUNCTION kaigi_delegation_create(p_actor jsonb, p_slug text, p_in jsonb)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	c	conferences;
	d	delegations;
	j	json;
	cn	text;
BEGIN
	c := kaigi_core_conference(p_slug);
	PERFORM kaigi_core_need_secretariat(p_actor, c.id);
	d.conference_id := c.id;
	d.code := p_in->>'code';
	d.ref := p_in->>'ref';
	PERFORM kaigi_delegation_taken(d);
	BEGIN
		INSERT INTO delegations (conference_id, code, name, kind, ref)
		VALUES (c.id, d.code, p_in->>'name', coalesce(p_in->>'kind', 'member'),
		    d.ref)
		RETURNING * INTO d;
	EXCEPTION WHEN unique_violation THEN
		GET STACKED DIAGNOSTICS cn = CONSTRAINT_NAME;
		PERFORM kaigi_delegation_taken(d);	-- now committed: name it
		PERFORM kaigi_setup_unique_failed(cn);
	WHEN check_violation THEN
		GET STACKED DIAGNOSTICS cn = CONSTRAINT_NAME;
		PERFORM kaigi_core_check_failed(cn);
	END;
	j := kaigi_delegation_json(d, c.slug);
	PERFORM kaigi_core_audit(p_actor, c.id, 'create', 'delegation', d.id,
	    NULL, j::jsonb);
	RETURN j;
END $$;

-- POST /conferences/{slug}/participants (secretariat): 409 with the
-- existing id for an e-mail (any case) or ref taken.
CREATE OR REPLACE FUNCTION kaigi_participant_create(p_actor jsonb, p_slug text, p_in jsonb)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	c	conferences;
	d	delegations;
	p	participants;
	j	json;
	cn	text;
BEGIN
	c := kaigi_core_conference(p_slug);
	PERFORM kaigi_core_need_secretariat(p_actor, c.id);
	d := kaigi_core_delegation_ref(c.id, p_in->'delegation');
	IF d.id IS NULL THEN
		PERFORM kaigi_setup_no_delegation(c.id, 'delegation');
	END IF;
	p.conference_id := c.id;
	p.email := p_in->>'email';
	p.ref := p_in->>'ref';
	PERFORM kaigi_participant_taken(p);
	BEGIN
		INSERT INTO participants (conference_id, delegation_id, name, title,
		    role, email, timezone, ref)
		VALUES (c.id, d.id, p_in->>'name', coalesce(p_in->>'title', ''),
		    p_in->>'role', p.email, p_in->>'timezone', p.ref)
		RETURNING * INTO p;
	EXCEPTION WHEN unique_violation THEN
		GET STACKED DIAGNOSTICS cn = CONSTRAINT_NAME;
		PERFORM kaigi_participant_taken(p);	-- now committed: name it
		PERFORM kaigi_setup_unique_failed(cn);
	WHEN check_violation THEN
		GET STACKED DIAGNOSTICS cn = CONSTRAINT_NAME;
		PERFORM kaigi_core_check_failed(cn);
	END;
	j := kaigi_participant_json(p, c.slug);
	PERFORM kaigi_core_audit(p_actor, c.id, 'create', 'participant', p.id,
	    NULL, j::jsonb);
	RETURN j;
END $$;

-- ---------------------------------------------------------------------------
-- Editing and deleting (PATCH with If-Match; DELETE refused while referenced)
-- ---------------------------------------------------------------------------

-- KG409 naming what still refers to p_what: p_refs is an object of arrays
-- (empty ones ignored); p_hidden counts references the caller may not see
-- (they refuse the delete too, but are never described).
CREATE FUNCTION kaigi_setup_refuse_delete(p_what text, p_refs jsonb,
    p_hidden bigint DEFAULT 0)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	refs	jsonb;
	said	text;
BEGIN
	SELECT jsonb_object_agg(key, value), string_agg(format('%s %s',
	    jsonb_array_length(value), replace(key, '_', ' ')), ', ' ORDER BY key)
	INTO refs, said
	FROM jsonb_each(p_refs) WHERE jsonb_array_length(value) > 0;
	IF refs IS NULL AND coalesce(p_hidden, 0) = 0 THEN
		RETURN;
	END IF;
	RAISE EXCEPTION USING ERRCODE = 'KG409',
	    MESSAGE = format('%s is still referenced%s; change or remove those first',
		p_what, coalesce(' by ' || said, '')),
	    DETAIL = json_build_object('references', coalesce(refs, '{}'))::text;
END $$;

-- The sessions among p_ids the actor may see, as references, by start.
CREATE FUNCTION kaigi_setup_session_refs(p_actor jsonb, p_ids bigint[])
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(jsonb_build_object('id', s.id, 'title', s.title,
	    'start', kaigi_ts(s.starts_at, c.timezone),
	    'end', kaigi_ts(s.ends_at, c.timezone), 'status', s.status)
	    ORDER BY s.starts_at, s.id), '[]')
	FROM sessions s JOIN conferences c ON c.id = s.conference_id
	WHERE s.id = ANY (p_ids) AND kaigi_session_visible(s.id, p_actor)
$$;

-- How many of p_ids the actor may not see.
CREATE FUNCTION kaigi_setup_hidden(p_actor jsonb, p_ids bigint[])
RETURNS bigint LANGUAGE sql STABLE AS $$
	SELECT count(*) FROM unnest(p_ids) i WHERE NOT kaigi_session_visible(i, p_actor)
$$;

-- The slug of conference p_cid.
CREATE FUNCTION kaigi_setup_slug(p_cid bigint)
RETURNS text LANGUAGE sql STABLE AS $$
	SELECT slug FROM conferences WHERE id = p_cid
$$;

-- ---- venues

-- Venue p_id, optionally locked: KG404 unknown, KG403 unless the actor is
-- its conference's secretariat (venues are public, so no secret).
CREATE FUNCTION kaigi_setup_venue(p_actor jsonb, p_id text)
RETURNS venues LANGUAGE plpgsql AS $$
DECLARE
	v	venues;
BEGIN
	SELECT * INTO v FROM venues WHERE id = p_id::bigint FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION USING ERRCODE = 'KG404', MESSAGE = 'no such venue';
	END IF;
	PERFORM kaigi_core_need_secretariat(p_actor, v.conference_id);
	RETURN v;
END $$;

-- GET /venues/{id} (anyone).
CREATE FUNCTION kaigi_venue_get(p_id text)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT kaigi_venue_json(v, kaigi_setup_slug(v.conference_id))
	FROM venues v WHERE v.id = p_id::bigint
$$;

-- PATCH /venues/{id} {name?, address?} (secretariat), If-Match.
CREATE FUNCTION kaigi_venue_patch(p_actor jsonb, p_id text, p_in jsonb,
    p_if_match text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	v	venues := kaigi_setup_venue(p_actor, p_id);
	n	venues := v;
	slug	text := kaigi_setup_slug(v.conference_id);
	j	json;
	cn	text;
BEGIN
	PERFORM kaigi_core_check_version(p_if_match, v.version);
	n.name := coalesce(p_in->>'name', v.name);
	n.address := coalesce(p_in->>'address', v.address);
	IF n IS NOT DISTINCT FROM v THEN
		RETURN kaigi_venue_json(v, slug);
	END IF;
	PERFORM kaigi_venue_taken(n);
	BEGIN
		UPDATE venues SET name = n.name, address = n.address
		WHERE id = v.id RETURNING * INTO n;
	EXCEPTION WHEN unique_violation THEN
		GET STACKED DIAGNOSTICS cn = CONSTRAINT_NAME;
		PERFORM kaigi_venue_taken(n);	-- now committed: name it
		PERFORM kaigi_setup_unique_failed(cn);
	END;
	j := kaigi_venue_json(n, slug);
	PERFORM kaigi_core_audit(p_actor, v.conference_id, 'update', 'venue', v.id,
	    kaigi_venue_json(v, slug)::jsonb, j::jsonb);
	RETURN j;
END $$;

-- DELETE /venues/{id} (secretariat), If-Match: KG409 while rooms or
-- travel times refer to it.
CREATE FUNCTION kaigi_venue_delete(p_actor jsonb, p_id text, p_if_match text)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
	v	venues := kaigi_setup_venue(p_actor, p_id);
BEGIN
	PERFORM kaigi_core_check_version(p_if_match, v.version);
	PERFORM kaigi_setup_refuse_delete(format('venue %s (%s)', v.id, v.name),
	    jsonb_build_object('rooms', (SELECT coalesce(jsonb_agg(jsonb_build_object(
		'id', r.id, 'name', r.name) ORDER BY r.id), '[]')
		FROM rooms r WHERE r.venue_id = v.id),
	    'travel_times', (SELECT coalesce(jsonb_agg(jsonb_build_object(
		'from_venue_id', t.from_venue_id, 'to_venue_id', t.to_venue_id,
		'minutes', t.minutes) ORDER BY t.from_venue_id, t.to_venue_id), '[]')
		FROM travel_times t WHERE v.id IN (t.from_venue_id, t.to_venue_id))));
	DELETE FROM venues WHERE id = v.id;
	PERFORM kaigi_core_audit(p_actor, v.conference_id, 'delete', 'venue', v.id,
	    kaigi_venue_json(v, kaigi_setup_slug(v.conference_id))::jsonb, NULL);
	RETURN true;
END $$;

-- ---- rooms

-- Room p_id, locked: KG404 unknown, KG403 unless the actor is its
-- conference's secretariat.
CREATE FUNCTION kaigi_setup_room(p_actor jsonb, p_id text)
RETURNS rooms LANGUAGE plpgsql AS $$
DECLARE
	r	rooms;
BEGIN
	SELECT * INTO r FROM rooms WHERE id = p_id::bigint FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION USING ERRCODE = 'KG404', MESSAGE = 'no such room';
	END IF;
	PERFORM kaigi_core_need_secretariat(p_actor, r.conference_id);
	RETURN r;
END $$;

-- GET /rooms/{id} (anyone).
CREATE FUNCTION kaigi_room_get(p_id text)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT kaigi_room_json(r, kaigi_setup_slug(r.conference_id))
	FROM rooms r WHERE r.id = p_id::bigint
$$;

-- The room r with the members of a PATCH applied (not stored).
CREATE FUNCTION kaigi_room_merge(r rooms, p_in jsonb)
RETURNS rooms LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	r.venue_id := coalesce((p_in->>'venue_id')::bigint, r.venue_id);
	r.name := coalesce(p_in->>'name', r.name);
	r.capacity := coalesce((p_in->>'capacity')::int, r.capacity);
	r.kind := coalesce(p_in->>'kind', r.kind);
	r.usable_for_bilaterals := coalesce((p_in->>'usable_for_bilaterals')::boolean,
	    r.usable_for_bilaterals);
	IF p_in ? 'ref' THEN
		r.ref := p_in->>'ref';
	END IF;
	RETURN r;
END $$;

-- A room moving to venue n.venue_id: 422 unless it is the conference's;
-- 409 while sessions (not cancelled) use the room, since their travel
-- times would change under them.
CREATE FUNCTION kaigi_room_check_move(p_actor jsonb, r rooms, n rooms)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	ids	bigint[];
BEGIN
	IF n.venue_id = r.venue_id THEN
		RETURN;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM venues WHERE id = n.venue_id
	    AND conference_id = r.conference_id) THEN
		PERFORM kaigi_core_invalid('venue_id', 'no such venue in this conference');
	END IF;
	SELECT array_agg(id) INTO ids FROM sessions
	WHERE room_id = r.id AND status <> 'cancelled';
	IF ids IS NOT NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'KG409',
		    MESSAGE = format('room %s has %s session(s); move them before moving the room to another venue',
			r.id, cardinality(ids)),
		    DETAIL = json_build_object('references', json_build_object(
			'sessions', kaigi_setup_session_refs(p_actor, ids)))::text;
	END IF;
END $$;

-- PATCH /rooms/{id} (secretariat), If-Match.
CREATE FUNCTION kaigi_room_patch(p_actor jsonb, p_id text, p_in jsonb,
    p_if_match text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	r	rooms := kaigi_setup_room(p_actor, p_id);
	n	rooms := kaigi_room_merge(r, p_in);
	slug	text := kaigi_setup_slug(r.conference_id);
	j	json;
	cn	text;
BEGIN
	PERFORM kaigi_core_check_version(p_if_match, r.version);
	IF n IS NOT DISTINCT FROM r THEN
		RETURN kaigi_room_json(r, slug);
	END IF;
	PERFORM kaigi_room_check_move(p_actor, r, n);
	PERFORM kaigi_room_taken(n);
	BEGIN
		UPDATE rooms SET venue_id = n.venue_id, name = n.name,
		    capacity = n.capacity, kind = n.kind,
		    usable_for_bilaterals = n.usable_for_bilaterals, ref = n.ref
		WHERE id = r.id RETURNING * INTO n;
	EXCEPTION WHEN unique_violation THEN
		GET STACKED DIAGNOSTICS cn = CONSTRAINT_NAME;
		PERFORM kaigi_room_taken(n);	-- now committed: name it
		PERFORM kaigi_setup_unique_failed(cn);
	END;
	j := kaigi_room_json(n, slug);
	PERFORM kaigi_core_audit(p_actor, r.conference_id, 'update', 'room', r.id,
	    kaigi_room_json(r, slug)::jsonb, j::jsonb);
	RETURN j;
END $$;

-- DELETE /rooms/{id} (secretariat), If-Match: KG409 while any session
-- (cancelled ones too: feeds still show where they were) is in it.
CREATE FUNCTION kaigi_room_delete(p_actor jsonb, p_id text, p_if_match text)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
	r	rooms := kaigi_setup_room(p_actor, p_id);
	ids	bigint[];
BEGIN
	PERFORM kaigi_core_check_version(p_if_match, r.version);
	SELECT coalesce(array_agg(id), '{}') INTO ids FROM sessions WHERE room_id = r.id;
	PERFORM kaigi_setup_refuse_delete(format('room %s (%s)', r.id, r.name),
	    jsonb_build_object('sessions', kaigi_setup_session_refs(p_actor, ids)),
	    kaigi_setup_hidden(p_actor, ids));
	DELETE FROM rooms WHERE id = r.id;
	PERFORM kaigi_core_audit(p_actor, r.conference_id, 'delete', 'room', r.id,
	    kaigi_room_json(r, kaigi_setup_slug(r.conference_id))::jsonb, NULL);
	RETURN true;
END $$;

-- ---- travel times

-- PATCH /conferences/{slug}/travel-times (secretariat): set the pairs of
-- p_in (decoded like PUT: reverse pairs added), keep the others.
CREATE FUNCTION kaigi_travel_times_patch(p_actor jsonb, p_slug text, p_in jsonb)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	c	conferences := kaigi_core_conference(p_slug, true);
	before	json;
	j	json;
	bad	bigint;
BEGIN
	PERFORM kaigi_core_need_secretariat(p_actor, c.id);
	SELECT x.id INTO bad FROM (
	    SELECT (e->>'from_venue_id')::bigint AS id FROM jsonb_array_elements(p_in) e
	    UNION SELECT (e->>'to_venue_id')::bigint FROM jsonb_array_elements(p_in) e) x
	WHERE NOT EXISTS (SELECT 1 FROM venues v WHERE v.id = x.id
	    AND v.conference_id = c.id)
	ORDER BY x.id LIMIT 1;
	IF bad IS NOT NULL THEN
		PERFORM kaigi_core_invalid('venue_id',
		    format('no venue %s in this conference', bad));
	END IF;
	before := kaigi_travel_times_json(c.id);
	INSERT INTO travel_times (conference_id, from_venue_id, to_venue_id, minutes)
	SELECT c.id, (e->>'from_venue_id')::bigint, (e->>'to_venue_id')::bigint,
	    (e->>'minutes')::int
	FROM jsonb_array_elements(p_in) e
	ON CONFLICT (from_venue_id, to_venue_id) DO UPDATE SET minutes = EXCLUDED.minutes
	WHERE travel_times.minutes IS DISTINCT FROM EXCLUDED.minutes;
	j := kaigi_travel_times_json(c.id);
	IF j::jsonb IS DISTINCT FROM before::jsonb THEN
		PERFORM kaigi_core_audit(p_actor, c.id, 'update', 'travel_times', NULL,
		    before::jsonb, j::jsonb);
	END IF;
	RETURN j;
END $$;

-- DELETE /conferences/{slug}/travel-times/{from}/{to} (secretariat): both
-- directions; KG404 when neither is set.
CREATE FUNCTION kaigi_travel_time_delete(p_actor jsonb, p_slug text,
    p_from text, p_to text)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
	c	conferences := kaigi_core_conference(p_slug, true);
	before	json;
BEGIN
	PERFORM kaigi_core_need_secretariat(p_actor, c.id);
	before := kaigi_travel_times_json(c.id);
	DELETE FROM travel_times WHERE conference_id = c.id
	    AND (from_venue_id, to_venue_id) IN ((p_from::bigint, p_to::bigint),
		(p_to::bigint, p_from::bigint));
	IF NOT FOUND THEN
		RAISE EXCEPTION USING ERRCODE = 'KG404', MESSAGE = 'no such travel time';
	END IF;
	PERFORM kaigi_core_audit(p_actor, c.id, 'delete', 'travel_times', NULL,
	    before::jsonb, kaigi_travel_times_json(c.id)::jsonb);
	RETURN true;
END $$;

-- ---- delegations

-- Delegation p_id, locked: KG404 unknown, KG403 unless the actor is its
-- conference's secretariat (delegations are public).
CREATE FUNCTION kaigi_setup_delegation(p_actor jsonb, p_id text)
RETURNS delegations LANGUAGE plpgsql AS $$
DECLARE
	d	delegations;
BEGIN
	SELECT * INTO d FROM delegations WHERE id = p_id::bigint FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION USING ERRCODE = 'KG404', MESSAGE = 'no such delegation';
	END IF;
	PERFORM kaigi_core_need_secretariat(p_actor, d.conference_id);
	RETURN d;
END $$;

-- GET /delegations/{id} (anyone).
CREATE FUNCTION kaigi_delegation_get(p_id text)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT kaigi_delegation_json(d, kaigi_setup_slug(d.conference_id))
	FROM delegations d WHERE d.id = p_id::bigint
$$;

-- PATCH /delegations/{id} {code?, name?, kind?, ref?} (secretariat), If-Match.
CREATE FUNCTION kaigi_delegation_patch(p_actor jsonb, p_id text, p_in jsonb,
    p_if_match text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	d	delegations := kaigi_setup_delegation(p_actor, p_id);
	n	delegations := d;
	slug	text := kaigi_setup_slug(d.conference_id);
	j	json;
	cn	text;
BEGIN
	PERFORM kaigi_core_check_version(p_if_match, d.version);
	n.code := coalesce(p_in->>'code', d.code);
	n.name := coalesce(p_in->>'name', d.name);
	n.kind := coalesce(p_in->>'kind', d.kind);
	IF p_in ? 'ref' THEN
		n.ref := p_in->>'ref';
	END IF;
	IF n IS NOT DISTINCT FROM d THEN
		RETURN kaigi_delegation_json(d, slug);
	END IF;
	PERFORM kaigi_delegation_taken(n);
	BEGIN
		UPDATE delegations SET code = n.code, name = n.name, kind = n.kind,
		    ref = n.ref
		WHERE id = d.id RETURNING * INTO n;
	EXCEPTION WHEN unique_violation THEN
		GET STACKED DIAGNOSTICS cn = CONSTRAINT_NAME;
		PERFORM kaigi_delegation_taken(n);	-- now committed: name it
		PERFORM kaigi_setup_unique_failed(cn);
	WHEN check_violation THEN
		GET STACKED DIAGNOSTICS cn = CONSTRAINT_NAME;
		PERFORM kaigi_core_check_failed(cn);
	END;
	j := kaigi_delegation_json(n, slug);
	PERFORM kaigi_core_audit(p_actor, d.conference_id, 'update', 'delegation',
	    d.id, kaigi_delegation_json(d, slug)::jsonb, j::jsonb);
	RETURN j;
END $$;

-- What refers to delegation d, for a refused delete: participants,
-- bilateral requests (either side), sessions listing it, live tokens.
CREATE FUNCTION kaigi_delegation_refs(p_actor jsonb, d delegations)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object(
	    'participants', (SELECT coalesce(jsonb_agg(jsonb_build_object('id', p.id,
		'name', p.name) ORDER BY p.id), '[]') FROM participants p
		WHERE p.delegation_id = d.id),
	    'bilateral_requests', (SELECT coalesce(jsonb_agg(jsonb_build_object(
		'id', b.id, 'status', b.status) ORDER BY b.id), '[]')
		FROM bilateral_requests b
		WHERE d.id IN (b.requester_delegation_id, b.counterpart_delegation_id)),
	    'sessions', kaigi_setup_session_refs(p_actor, ARRAY(SELECT sd.session_id
		FROM session_delegations sd WHERE sd.delegation_id = d.id)),
	    'api_tokens', (SELECT coalesce(jsonb_agg(jsonb_build_object('id', t.id,
		'label', t.label) ORDER BY t.id), '[]') FROM api_tokens t
		WHERE t.delegation_id = d.id AND t.revoked_at IS NULL),
	    'feed_tokens', (SELECT coalesce(jsonb_agg(jsonb_build_object('id', f.id,
		'label', f.label) ORDER BY f.id), '[]') FROM feed_tokens f
		WHERE f.delegation_id = d.id AND f.revoked_at IS NULL))
$$;

-- DELETE /delegations/{id} (secretariat), If-Match: KG409 while anything
-- refers to it (revoked tokens go with it).
CREATE FUNCTION kaigi_delegation_delete(p_actor jsonb, p_id text, p_if_match text)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
	d	delegations := kaigi_setup_delegation(p_actor, p_id);
BEGIN
	PERFORM kaigi_core_check_version(p_if_match, d.version);
	PERFORM kaigi_setup_refuse_delete(format('delegation %s (%s)', d.id, d.code),
	    kaigi_delegation_refs(p_actor, d), kaigi_setup_hidden(p_actor,
		ARRAY(SELECT sd.session_id FROM session_delegations sd
		    WHERE sd.delegation_id = d.id)));
	DELETE FROM delegations WHERE id = d.id;
	PERFORM kaigi_core_audit(p_actor, d.conference_id, 'delete', 'delegation',
	    d.id, kaigi_delegation_json(d, kaigi_setup_slug(d.conference_id))::jsonb,
	    NULL);
	RETURN true;
END $$;

-- ---- participants

-- PATCH /participants/{id} (secretariat, or the liaison of its
-- delegation), If-Match. Members present in p_in replace the stored ones;
-- "email", "timezone" and "ref" may be null to clear them. 409 with the
-- existing id for an e-mail or ref taken.
CREATE OR REPLACE FUNCTION kaigi_participant_patch(p_actor jsonb, p_id text,
    p_in jsonb, p_if_match text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	p	participants := kaigi_core_managed_participant(p_actor, p_id::bigint, true);
	n	participants := p;
	slug	text := kaigi_setup_slug(p.conference_id);
	j	json;
	cn	text;
BEGIN
	PERFORM kaigi_core_check_version(p_if_match, p.version);
	n.name := coalesce(p_in->>'name', p.name);
	n.title := coalesce(p_in->>'title', p.title);
	n.role := coalesce(p_in->>'role', p.role);
	IF p_in ? 'email' THEN n.email := p_in->>'email'; END IF;
	IF p_in ? 'timezone' THEN n.timezone := p_in->>'timezone'; END IF;
	IF p_in ? 'ref' THEN n.ref := p_in->>'ref'; END IF;
	IF n IS NOT DISTINCT FROM p THEN
		RETURN kaigi_participant_json(p, slug);
	END IF;
	PERFORM kaigi_participant_taken(n);
	BEGIN
		UPDATE participants SET name = n.name, title = n.title,
		    role = n.role, email = n.email, timezone = n.timezone, ref = n.ref
		WHERE id = p.id RETURNING * INTO n;
	EXCEPTION WHEN unique_violation THEN
		GET STACKED DIAGNOSTICS cn = CONSTRAINT_NAME;
		PERFORM kaigi_participant_taken(n);	-- now committed: name it
		PERFORM kaigi_setup_unique_failed(cn);
	WHEN check_violation THEN
		GET STACKED DIAGNOSTICS cn = CONSTRAINT_NAME;
		PERFORM kaigi_core_check_failed(cn);
	END;
	j := kaigi_participant_json(n, slug);
	PERFORM kaigi_core_audit(p_actor, p.conference_id, 'update', 'participant',
	    p.id, kaigi_participant_json(p, slug)::jsonb, j::jsonb);
	RETURN j;
END $$;

-- DELETE /participants/{id} (secretariat, own liaison), If-Match: KG409
-- while they attend a session or have a live feed token. Their
-- unavailability goes with them (in the audit row's "before").
CREATE FUNCTION kaigi_participant_delete(p_actor jsonb, p_id text, p_if_match text)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
	p	participants := kaigi_core_managed_participant(p_actor, p_id::bigint, true);
	ids	bigint[];
	tz	text;
	before	jsonb;
BEGIN
	PERFORM kaigi_core_check_version(p_if_match, p.version);
	SELECT coalesce(array_agg(session_id), '{}') INTO ids
	FROM session_attendees WHERE participant_id = p.id;
	PERFORM kaigi_setup_refuse_delete(format('participant %s (%s)', p.id, p.name),
	    jsonb_build_object('sessions', kaigi_setup_session_refs(p_actor, ids),
		'feed_tokens', (SELECT coalesce(jsonb_agg(jsonb_build_object(
		    'id', f.id, 'label', f.label) ORDER BY f.id), '[]')
		    FROM feed_tokens f WHERE f.participant_id = p.id
		    AND f.revoked_at IS NULL)),
	    kaigi_setup_hidden(p_actor, ids));
	SELECT timezone INTO tz FROM conferences WHERE id = p.conference_id;
	before := kaigi_participant_json(p, kaigi_setup_slug(p.conference_id))::jsonb
	    || jsonb_build_object('unavailability', (SELECT coalesce(jsonb_agg(
		kaigi_unavailability_json(u, tz) ORDER BY u.id), '[]')
		FROM unavailability u WHERE u.participant_id = p.id));
	DELETE FROM participants WHERE id = p.id;
	PERFORM kaigi_core_audit(p_actor, p.conference_id, 'delete', 'participant',
	    p.id, before, NULL);
	RETURN true;
END $$;

-- ---- unavailability

-- PATCH /participants/{id}/unavailability/{uid} {start?, end?, reason?}
-- (secretariat, own liaison), If-Match: 409 with "conflicts" when the new
-- time overlaps something the person is busy with.
CREATE FUNCTION kaigi_unavailability_patch(p_actor jsonb, p_pid text, p_uid text,
    p_in jsonb, p_if_match text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	p	participants := kaigi_core_managed_participant(p_actor, p_pid::bigint, true);
	u	unavailability;
	n	unavailability;
	lo	timestamptz;
	hi	timestamptz;
	tz	text;
	j	json;
BEGIN
	SELECT * INTO u FROM unavailability WHERE id = p_uid::bigint
	    AND participant_id = p.id FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION USING ERRCODE = 'KG404', MESSAGE = 'no such unavailability';
	END IF;
	PERFORM kaigi_core_check_version(p_if_match, u.version);
	SELECT timezone INTO tz FROM conferences WHERE id = p.conference_id;
	lo := coalesce((p_in->>'start')::timestamptz, lower(u.during));
	hi := coalesce((p_in->>'end')::timestamptz, upper(u.during));
	IF hi <= lo THEN
		PERFORM kaigi_core_invalid(CASE WHEN p_in ? 'end' THEN 'end'
		    ELSE 'start' END, 'the block would end before it starts');
	END IF;
	n := u;
	n.during := tstzrange(lo, hi, '[)');
	n.reason := coalesce(p_in->>'reason', u.reason);
	IF n IS NOT DISTINCT FROM u THEN
		RETURN kaigi_unavailability_json(u, tz);
	END IF;
	PERFORM kaigi_unavailability_store(p_actor, p.id, n, tz);
	SELECT * INTO n FROM unavailability WHERE id = u.id;
	j := kaigi_unavailability_json(n, tz);
	PERFORM kaigi_core_audit(p_actor, p.conference_id, 'update', 'unavailability',
	    u.id, kaigi_unavailability_json(u, tz)::jsonb, j::jsonb);
	RETURN j;
END $$;

-- Write n (an unavailability block of participant p_pid): 409 with the
-- clashes (not the block itself) when the person is busy then.
CREATE FUNCTION kaigi_unavailability_store(p_actor jsonb, p_pid bigint,
    n unavailability, p_tz text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	UPDATE unavailability SET during = n.during, reason = n.reason
	WHERE id = n.id;
EXCEPTION WHEN exclusion_violation THEN
	RAISE EXCEPTION USING ERRCODE = 'KG409',
	    MESSAGE = 'the participant is already busy during that time',
	    DETAIL = json_build_object('conflicts', (SELECT coalesce(json_agg(e), '[]')
		FROM json_array_elements(kaigi_core_busy_conflicts(p_actor, p_pid,
		    n.during, p_tz)) e
		WHERE (e->>'unavailability_id')::bigint IS DISTINCT FROM n.id))::text;
END $$;

-- ---- bilateral requests

-- The request's JSON with ref (kaigi_bilateral_json's shape plus ref).
CREATE FUNCTION kaigi_setup_bilateral_json(p_id bigint)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT kaigi_bilateral_json(b.id) || jsonb_build_object('ref', b.ref)
	FROM bilateral_requests b WHERE b.id = p_id
$$;

-- The request b with the members of a PATCH applied (not stored); a null
-- earliest/latest returns to the conference's default.
CREATE FUNCTION kaigi_bilateral_merge(b bilateral_requests, p_in jsonb)
RETURNS bilateral_requests LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	b.duration_minutes := coalesce((p_in->>'duration_minutes')::int, b.duration_minutes);
	IF p_in ? 'earliest' THEN b.earliest := (p_in->>'earliest')::timestamptz; END IF;
	IF p_in ? 'latest' THEN b.latest := (p_in->>'latest')::timestamptz; END IF;
	b.priority := coalesce((p_in->>'priority')::int, b.priority);
	b.level := coalesce(p_in->>'level', b.level);
	b.topics := coalesce(p_in->>'topics', b.topics);
	IF p_in ? 'ref' THEN b.ref := p_in->>'ref'; END IF;
	RETURN b;
END $$;

-- KG409 when another request of the conference has n's ref.
CREATE FUNCTION kaigi_bilateral_taken(n bilateral_requests)
RETURNS void LANGUAGE sql AS $$
	SELECT kaigi_setup_taken('bilateral request', 'ref', n.ref, (SELECT x.id
	    FROM bilateral_requests x WHERE x.conference_id = n.conference_id
	    AND x.ref = n.ref AND x.id IS DISTINCT FROM n.id))
$$;

-- PATCH /bilaterals/{id} {duration_minutes?, earliest?, latest?, priority?,
-- level?, topics?, ref?} (secretariat), If-Match, while the request is
-- requested or accepted (409 otherwise: a scheduled one is moved through
-- its session). The window must still hold the meeting (422).
CREATE FUNCTION kaigi_bilateral_patch(p_actor jsonb, p_id text, p_in jsonb,
    p_if_match text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
	b	bilateral_requests := kaigi_bilateral_for_write(p_actor, p_id::bigint);
	n	bilateral_requests := kaigi_bilateral_merge(b, p_in);
	e	jsonb;
	before	jsonb;
	after	jsonb;
BEGIN
	IF NOT kaigi_session_may_write(b.conference_id, p_actor) THEN
		RAISE EXCEPTION USING ERRCODE = 'KG403',
		    MESSAGE = 'only the secretariat may change a bilateral request (a party may withdraw it and ask again)';
	END IF;
	PERFORM kaigi_core_check_version(p_if_match, b.version);
	IF b.status NOT IN ('requested', 'accepted') THEN
		RAISE EXCEPTION USING ERRCODE = 'KG409',
		    MESSAGE = format('the request is %s; only a requested or accepted one can be changed%s',
			b.status, CASE WHEN b.status = 'scheduled'
			THEN ' (move or cancel its session instead)' ELSE '' END),
		    DETAIL = json_build_object('status', b.status,
			'session_id', b.session_id)::text;
	END IF;
	IF n IS NOT DISTINCT FROM b THEN
		RETURN kaigi_setup_bilateral_json(b.id);
	END IF;
	e := kaigi_bilateral_check(b.conference_id, jsonb_build_object(
	    'earliest', n.earliest, 'latest', n.latest,
	    'duration_minutes', n.duration_minutes),
	    b.requester_delegation_id, b.counterpart_delegation_id);
	IF jsonb_array_length(e) > 0 OR n.latest <= n.earliest THEN
		RAISE EXCEPTION USING ERRCODE = 'KG422', MESSAGE = 'the request has invalid fields',
		    DETAIL = jsonb_build_object('errors', CASE WHEN jsonb_array_length(e) > 0
			THEN e ELSE jsonb_build_array(kaigi_session_err('latest',
			    'must be after earliest')) END)::text;
	END IF;
	PERFORM kaigi_bilateral_taken(n);
	before := kaigi_setup_bilateral_json(b.id);
	UPDATE bilateral_requests SET duration_minutes = n.duration_minutes,
	    earliest = n.earliest, latest = n.latest, priority = n.priority,
	    level = n.level, topics = n.topics, ref = n.ref
	WHERE id = b.id;
	after := kaigi_setup_bilateral_json(b.id);
	PERFORM kaigi_bilateral_audit(p_actor, b.conference_id, 'update', b.id,
	    before, after);
	RETURN after;
END $$;

-- ---------------------------------------------------------------------------
-- Archiving a conference: out of the public list, data and feeds kept
-- ---------------------------------------------------------------------------

ALTER TABLE conferences ADD COLUMN archived_at timestamptz;

-- The JSON of a conference, now with archived / archived_at.
CREATE OR REPLACE FUNCTION kaigi_conference_json(c conferences)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', c.id, 'slug', c.slug, 'title', c.title,
	    'timezone', c.timezone, 'time_zone', c.timezone,
	    'start_date', c.start_date::text, 'end_date', c.end_date::text,
	    'location', c.location, 'changeover_minutes', c.changeover_minutes,
	    'day_start', to_char(c.day_start, 'HH24:MI'),
	    'day_end', to_char(c.day_end, 'HH24:MI'),
	    'archived', c.archived_at IS NOT NULL,
	    'archived_at', kaigi_ts(c.archived_at, c.timezone),
	    'version', c.version,
	    'created_at', kaigi_ts(c.created_at, c.timezone),
	    'updated_at', kaigi_ts(c.updated_at, c.timezone))
$$;

-- GET /conferences[?archived=true]: the live conferences, or the archived ones.
CREATE FUNCTION kaigi_conference_list(p_limit int, p_cursor bigint,
    p_archived boolean)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT kaigi_core_page(array_agg(kaigi_conference_json(s.c) ORDER BY (s.c).id),
	    array_agg((s.c).id ORDER BY (s.c).id), p_limit)
	FROM (SELECT c FROM conferences c WHERE c.id > p_cursor
	    AND (c.archived_at IS NOT NULL) = p_archived
	    ORDER BY c.id LIMIT p_limit + 1) s
$$;

-- The public list (010's two-argument form): live conferences only.
CREATE OR REPLACE FUNCTION kaigi_conference_list(p_limit int, p_cursor bigint)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT kaigi_conference_list(p_limit, p_cursor, false)
$$;

-- POST /conferences/{slug}/archive and /unarchive (secretariat), If-Match.
-- Archiving an archived conference (or the reverse) changes nothing.
CREATE FUNCTION kaigi_conference_archive(p_actor jsonb, p_slug text,
    p_archive boolean, p_if_match text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	c	conferences := kaigi_core_conference(p_slug, true);
	n	conferences;
	j	json;
BEGIN
	PERFORM kaigi_core_need_secretariat(p_actor, c.id);
	PERFORM kaigi_core_check_version(p_if_match, c.version);
	IF (c.archived_at IS NOT NULL) = p_archive THEN
		RETURN kaigi_conference_json(c);
	END IF;
	UPDATE conferences SET archived_at = CASE WHEN p_archive THEN now() END
	WHERE id = c.id RETURNING * INTO n;
	j := kaigi_conference_json(n);
	PERFORM kaigi_core_audit(p_actor, c.id, CASE WHEN p_archive THEN 'archive'
	    ELSE 'unarchive' END, 'conference', c.id,
	    kaigi_conference_json(c)::jsonb, j::jsonb);
	RETURN j;
END $$;
