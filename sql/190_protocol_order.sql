-- 190_protocol_order.sql — protocol order (issue 17, item 4).
--
-- delegations.precedence: an explicit place in the order (1 first), or
-- NULL. delegations.role: 'chair', 'host' or NULL; at most one chair per
-- conference (409 naming it). conferences.precedence_rule: how delegations
-- without a precedence are ordered, {"order": "alphabetical"|"code",
-- "lang": tag}: by name (or code) as the language sorts it (PostgreSQL's
-- ICU collation "<lang>-x-icu", else the root "und-x-icu"); lang is one of
-- the conference's languages (KG422 naming them), its first by default, and
-- falls back to the first when the language is later dropped. Delegations
-- have one name (no names per language exist), so the language chooses the
-- collation only.
--
-- The protocol order of a conference:
--	explicit precedence ascending (NULLs after), then
--	role chair, then hosts, then the others, then
--	name (or code) in the rule's collation, then code, then id.
-- It is kept as a rank (1 first) in delegation_ranks, rewritten for the
-- whole conference by a deferred trigger at the COMMIT of a transaction
-- that changed a delegation or the rule (so every reader orders by a plain
-- join; one transaction at a time per conference, under an advisory lock
-- taken only at commit, after the transaction holds its row locks). The
-- table has no foreign keys: a stale row names a delegation no join finds.
--
-- Lists follow it: GET /conferences/{slug}/delegations (paged by rank),
-- sessions' "delegations" arrays (draft and release), the CSV/XLSX export
-- (delegations by rank, a session's delegations by rank) and the printed
-- programme. kaigi_session_seating answers GET /sessions/{id}/seating.
--
-- Replaces (CREATE OR REPLACE, bodies otherwise as before):
-- kaigi_delegation_json, kaigi_delegation_create, kaigi_delegation_patch
-- (070), kaigi_conference_json (150), kaigi_session_json (150),
-- kaigi_release_session_json, kaigi_release_programme_item (130),
-- kaigi_programme_item (086), kaigi_export_setup (080),
-- kaigi_export_sessions (110). Renames 130's kaigi_conference_patch to
-- kaigi_conference_patch_publish and puts a new kaigi_conference_patch
-- (the rule, then the rest) in front of it.

ALTER TABLE delegations
    ADD COLUMN precedence int
	CONSTRAINT delegations_precedence_check CHECK (precedence BETWEEN 1 AND 9999),
    ADD COLUMN role text
	CONSTRAINT delegations_role_check CHECK (role IN ('chair', 'host'));
CREATE UNIQUE INDEX delegations_one_chair_key ON delegations (conference_id)
    WHERE role = 'chair';
ALTER TABLE conferences ADD COLUMN precedence_rule jsonb NOT NULL
    DEFAULT '{"order": "alphabetical"}'
    CONSTRAINT conferences_precedence_rule_check
	CHECK (jsonb_typeof(precedence_rule) = 'object'
	    AND precedence_rule->>'order' IN ('alphabetical', 'code'));

CREATE TABLE delegation_ranks (
	delegation_id	bigint PRIMARY KEY,
	conference_id	bigint NOT NULL,
	rank		int NOT NULL
);
CREATE INDEX delegation_ranks_conference_idx ON delegation_ranks (conference_id, rank);

-- The language conference c's rule sorts names in.
CREATE FUNCTION kaigi_precedence_lang(c conferences) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN c.precedence_rule->>'lang' = ANY (c.languages)
	    THEN c.precedence_rule->>'lang' ELSE c.languages[1] END
$$;

-- The rule as the API shows it: {"order", "lang"} (lang resolved).
CREATE FUNCTION kaigi_precedence_rule_json(c conferences) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('order', c.precedence_rule->>'order',
	    'lang', kaigi_precedence_lang(c))
$$;

-- The collation that sorts language p_lang: "<lang>-x-icu", else
-- "<primary subtag>-x-icu", else "und-x-icu", else "default".
CREATE FUNCTION kaigi_precedence_collation(p_lang text) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT coalesce((SELECT collname FROM pg_collation
	    WHERE collname IN (p_lang || '-x-icu',
		split_part(p_lang, '-', 1) || '-x-icu', 'und-x-icu')
	    ORDER BY collname = p_lang || '-x-icu' DESC,
		collname = 'und-x-icu', collname LIMIT 1), 'default')
$$;

-- The ORDER BY of conference c's protocol order, over delegations d.
CREATE FUNCTION kaigi_precedence_order_sql(c conferences) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT format($o$d.precedence NULLS LAST,
	    CASE d.role WHEN 'chair' THEN 0 WHEN 'host' THEN 1 ELSE 2 END,
	    %s COLLATE %I, d.code COLLATE "C", d.id$o$,
	    CASE c.precedence_rule->>'order' WHEN 'code' THEN 'd.code'
		ELSE 'd.name' END,
	    kaigi_precedence_collation(kaigi_precedence_lang(c)))
$$;

-- Rewrite the ranks of conference p_cid.
CREATE FUNCTION kaigi_precedence_refresh(p_cid bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	c	conferences;
BEGIN
	PERFORM pg_advisory_xact_lock(190190, (p_cid % 2147483647)::int);
	DELETE FROM delegation_ranks WHERE conference_id = p_cid;
	SELECT * INTO c FROM conferences WHERE id = p_cid;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	EXECUTE format($q$
		INSERT INTO delegation_ranks (delegation_id, conference_id, rank)
		SELECT d.id, d.conference_id, row_number() OVER (ORDER BY %s)
		FROM delegations d WHERE d.conference_id = $1
		ON CONFLICT (delegation_id) DO UPDATE
		    SET conference_id = EXCLUDED.conference_id, rank = EXCLUDED.rank
	    $q$, kaigi_precedence_order_sql(c))
	USING p_cid;
END $$;

-- Delegation p_did's rank as this transaction sees the data now (the
-- answer of a write, before the COMMIT rewrites the ranks).
CREATE FUNCTION kaigi_precedence_rank_now(p_did bigint) RETURNS int
LANGUAGE plpgsql STABLE AS $$
DECLARE
	c	conferences;
	r	int;
BEGIN
	SELECT f.* INTO c FROM conferences f JOIN delegations d
	    ON d.conference_id = f.id WHERE d.id = p_did;
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;
	EXECUTE format($q$SELECT x.k FROM (SELECT d.id, row_number() OVER
	    (ORDER BY %s) AS k FROM delegations d WHERE d.conference_id = $1) x
	    WHERE x.id = $2$q$, kaigi_precedence_order_sql(c))
	INTO r USING c.id, p_did;
	RETURN r;
END $$;

-- The JSON of delegation d as a write answers it (its rank as of now).
CREATE FUNCTION kaigi_delegation_json_now(d delegations, p_slug text)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT (kaigi_delegation_json(d, p_slug)::jsonb || jsonb_build_object(
	    'protocol_rank', kaigi_precedence_rank_now(d.id)))::json
$$;

CREATE FUNCTION kaigi_precedence_delegation_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP <> 'INSERT' THEN
		PERFORM kaigi_precedence_refresh(OLD.conference_id);
	END IF;
	IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT'
	    OR NEW.conference_id <> OLD.conference_id) THEN
		PERFORM kaigi_precedence_refresh(NEW.conference_id);
	END IF;
	RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER delegations_precedence_after
    AFTER INSERT OR UPDATE OR DELETE ON delegations
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION kaigi_precedence_delegation_changed();

CREATE FUNCTION kaigi_precedence_conference_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.precedence_rule IS DISTINCT FROM OLD.precedence_rule
	    OR NEW.languages IS DISTINCT FROM OLD.languages THEN
		PERFORM kaigi_precedence_refresh(NEW.id);
	END IF;
	RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER conferences_precedence_after
    AFTER UPDATE ON conferences
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION kaigi_precedence_conference_changed();

SELECT kaigi_precedence_refresh(id) FROM conferences;

-- Delegation p_did's place in its conference's protocol order (1 first;
-- NULL before its first commit).
CREATE FUNCTION kaigi_delegation_rank(p_did bigint) RETURNS int
LANGUAGE sql STABLE AS $$
	SELECT rank FROM delegation_ranks WHERE delegation_id = p_did
$$;

-- ---------------------------------------------------------------------------
-- Delegations
-- ---------------------------------------------------------------------------

-- 070's JSON, plus precedence, role and protocol_rank.
CREATE OR REPLACE FUNCTION kaigi_delegation_json(d delegations, p_slug text)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', d.id, 'conference', p_slug, 'code', d.code,
	    'name', d.name, 'kind', d.kind, 'ref', d.ref,
	    'precedence', d.precedence, 'role', d.role,
	    'protocol_rank', kaigi_delegation_rank(d.id), 'version', d.version)
$$;

-- KG409 naming the conference's chair when d would be a second one.
CREATE FUNCTION kaigi_delegation_chair_taken(d delegations)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	x	delegations;
BEGIN
	IF d.role IS DISTINCT FROM 'chair' THEN
		RETURN;
	END IF;
	SELECT * INTO x FROM delegations y WHERE y.conference_id = d.conference_id
	    AND y.role = 'chair' AND y.id IS DISTINCT FROM d.id;
	IF FOUND THEN
		RAISE EXCEPTION USING ERRCODE = 'KG409',
		    MESSAGE = format('delegation %s (%s) already chairs the conference',
			x.code, x.id),
		    DETAIL = json_build_object('existing_id', x.id, 'errors',
			json_build_array(json_build_object('field', 'role',
			    'message', format('delegation %s is the chair', x.code))))::text;
	END IF;
END $$;

-- POST /conferences/{slug}/delegations (070's, plus precedence and role).
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
	d.role := p_in->>'role';
	PERFORM kaigi_delegation_taken(d);
	PERFORM kaigi_delegation_chair_taken(d);
	BEGIN
		INSERT INTO delegations (conference_id, code, name, kind, ref,
		    precedence, role)
		VALUES (c.id, d.code, p_in->>'name', coalesce(p_in->>'kind', 'member'),
		    d.ref, (p_in->>'precedence')::int, d.role)
		RETURNING * INTO d;
	EXCEPTION WHEN unique_violation THEN
		GET STACKED DIAGNOSTICS cn = CONSTRAINT_NAME;
		PERFORM kaigi_delegation_taken(d);	-- now committed: name it
		PERFORM kaigi_delegation_chair_taken(d);
		PERFORM kaigi_setup_unique_failed(cn);
	WHEN check_violation THEN
		GET STACKED DIAGNOSTICS cn = CONSTRAINT_NAME;
		PERFORM kaigi_precedence_check_failed(cn);
	END;
	j := kaigi_delegation_json_now(d, c.slug);
	PERFORM kaigi_core_audit(p_actor, c.id, 'create', 'delegation', d.id,
	    NULL, j::jsonb);
	RETURN j;
END $$;

-- A CHECK on precedence or role as KG422 naming the valid values, else
-- kaigi_core_check_failed.
CREATE FUNCTION kaigi_precedence_check_failed(p_constraint text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF p_constraint = 'delegations_precedence_check' THEN
		PERFORM kaigi_core_invalid('precedence',
		    'must be a whole number from 1 to 9999, or null');
	ELSIF p_constraint = 'delegations_role_check' THEN
		PERFORM kaigi_core_invalid('role', 'must be one of: chair, host (or null)');
	END IF;
	PERFORM kaigi_core_check_failed(p_constraint);
END $$;

-- The delegation d with p_in's changes (code, name, kind, ref, precedence,
-- role; null clears ref, precedence and role).
CREATE FUNCTION kaigi_delegation_merge(d delegations, p_in jsonb)
RETURNS delegations LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	d.code := coalesce(p_in->>'code', d.code);
	d.name := coalesce(p_in->>'name', d.name);
	d.kind := coalesce(p_in->>'kind', d.kind);
	IF p_in ? 'ref' THEN
		d.ref := p_in->>'ref';
	END IF;
	IF p_in ? 'precedence' THEN
		d.precedence := (p_in->>'precedence')::int;
	END IF;
	IF p_in ? 'role' THEN
		d.role := p_in->>'role';
	END IF;
	RETURN d;
END $$;

-- PATCH /delegations/{id} (070's, plus precedence and role).
CREATE OR REPLACE FUNCTION kaigi_delegation_patch(p_actor jsonb, p_id text, p_in jsonb,
    p_if_match text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	d	delegations := kaigi_setup_delegation(p_actor, p_id);
	n	delegations;
	slug	text := kaigi_setup_slug(d.conference_id);
	j	json;
	cn	text;
BEGIN
	PERFORM kaigi_core_check_version(p_if_match, d.version);
	n := kaigi_delegation_merge(d, p_in);
	IF n IS NOT DISTINCT FROM d THEN
		RETURN kaigi_delegation_json(d, slug);
	END IF;
	PERFORM kaigi_delegation_taken(n);
	PERFORM kaigi_delegation_chair_taken(n);
	BEGIN
		UPDATE delegations SET code = n.code, name = n.name, kind = n.kind,
		    ref = n.ref, precedence = n.precedence, role = n.role
		WHERE id = d.id RETURNING * INTO n;
	EXCEPTION WHEN unique_violation THEN
		GET STACKED DIAGNOSTICS cn = CONSTRAINT_NAME;
		PERFORM kaigi_delegation_taken(n);	-- now committed: name it
		PERFORM kaigi_delegation_chair_taken(n);
		PERFORM kaigi_setup_unique_failed(cn);
	WHEN check_violation THEN
		GET STACKED DIAGNOSTICS cn = CONSTRAINT_NAME;
		PERFORM kaigi_precedence_check_failed(cn);
	END;
	j := kaigi_delegation_json_now(n, slug);
	PERFORM kaigi_core_audit(p_actor, d.conference_id, 'update', 'delegation',
	    d.id, kaigi_delegation_json(d, slug)::jsonb, j::jsonb);
	RETURN j;
END $$;

-- GET /conferences/{slug}/delegations in protocol order: {"items",
-- "next"}. p_after is '0' for the first page, else the position
-- "<rank>:<id>" of the last item seen. The page goes on after that
-- delegation's place now (a reorder between pages moves the rest with
-- it); when it has been deleted, from its old rank on (the ones after
-- it moved up by one). Unranked rows (not yet committed) come last. A
-- position sealed before 190 ("<id>", the list was in id order) goes on
-- after that delegation's place now, or from the start when it is gone.
CREATE FUNCTION kaigi_delegation_page(p_slug text, p_limit int, p_after text)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
	c	conferences;
	t_rank	int := -1;
	t_id	bigint := -1;
BEGIN
	SELECT * INTO c FROM conferences WHERE slug = p_slug;
	IF NOT FOUND THEN
		RAISE EXCEPTION USING ERRCODE = 'KG404', MESSAGE = 'no such conference';
	END IF;
	IF p_after <> '0' AND strpos(p_after, ':') = 0 THEN
		p_after := '0:' || p_after;	-- sealed before 190
	END IF;
	IF p_after <> '0' THEN
		t_id := split_part(p_after, ':', 2)::bigint;
		t_rank := coalesce((SELECT coalesce(k.rank, 2147483647)
		    FROM delegations d LEFT JOIN delegation_ranks k
			ON k.delegation_id = d.id
		    WHERE d.id = t_id AND d.conference_id = c.id),
		    split_part(p_after, ':', 1)::int);
		IF NOT EXISTS (SELECT 1 FROM delegations WHERE id = t_id
		    AND conference_id = c.id) THEN
			t_id := -1;
		END IF;
	END IF;
	RETURN (WITH page AS (
		SELECT d, coalesce(k.rank, 2147483647) AS rank
		FROM delegations d LEFT JOIN delegation_ranks k ON k.delegation_id = d.id
		WHERE d.conference_id = c.id
		    AND (coalesce(k.rank, 2147483647), d.id) > (t_rank, t_id)
		ORDER BY 2, d.id LIMIT p_limit + 1)
	    SELECT json_build_object(
		'items', coalesce(json_agg(kaigi_delegation_json(p.d, c.slug)
		    ORDER BY p.rank, (p.d).id) FILTER (WHERE p.n <= p_limit), '[]'),
		'next', CASE WHEN count(*) > p_limit THEN
		    (array_agg(p.rank || ':' || (p.d).id ORDER BY p.rank, (p.d).id))[p_limit]
		    END)
	    FROM (SELECT page.*, row_number() OVER (ORDER BY rank, (d).id) AS n
		FROM page) p);
END $$;

-- ---------------------------------------------------------------------------
-- The conference's rule
-- ---------------------------------------------------------------------------

-- 150's conference JSON, plus precedence_rule.
CREATE OR REPLACE FUNCTION kaigi_conference_json(c conferences)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', c.id, 'slug', c.slug, 'title', c.title,
	    'timezone', c.timezone, 'time_zone', c.timezone,
	    'start_date', c.start_date::text, 'end_date', c.end_date::text,
	    'location', c.location, 'changeover_minutes', c.changeover_minutes,
	    'day_start', to_char(c.day_start, 'HH24:MI'),
	    'day_end', to_char(c.day_end, 'HH24:MI'),
	    'publish', c.publish,
	    'archived', c.archived_at IS NOT NULL,
	    'archived_at', kaigi_ts(c.archived_at, c.timezone),
	    'languages', to_json(c.languages),
	    'precedence_rule', kaigi_precedence_rule_json(c),
	    'version', c.version,
	    'created_at', kaigi_ts(c.created_at, c.timezone),
	    'updated_at', kaigi_ts(c.updated_at, c.timezone))
$$;

-- PATCH /conferences/{slug}: 130's (publish, then the fields), then
-- precedence_rule {order?, lang?} (null: the default), checked against the
-- languages the conference has after the rest: KG422 naming the valid
-- choices, and then nothing of the PATCH is stored (one statement).
ALTER FUNCTION kaigi_conference_patch(jsonb, text, jsonb, text)
    RENAME TO kaigi_conference_patch_publish;
CREATE FUNCTION kaigi_conference_patch(p_actor jsonb, p_slug text, p_in jsonb,
    p_if_match text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	j	json;
	c	conferences;
	n	conferences;
	r	jsonb := p_in->'precedence_rule';
BEGIN
	j := kaigi_conference_patch_publish(p_actor, p_slug,
	    p_in - 'precedence_rule', p_if_match);
	IF NOT p_in ? 'precedence_rule' THEN
		RETURN j;
	END IF;
	SELECT * INTO c FROM conferences WHERE slug = p_slug FOR UPDATE;
	IF jsonb_typeof(r) IS DISTINCT FROM 'object' THEN
		r := '{}';
	END IF;
	IF coalesce(r->>'order', 'alphabetical') NOT IN ('alphabetical', 'code') THEN
		PERFORM kaigi_core_invalid('precedence_rule.order',
		    'must be one of: alphabetical, code');
	END IF;
	IF r ? 'lang' AND NOT (r->>'lang' = ANY (c.languages)) THEN
		PERFORM kaigi_core_invalid('precedence_rule.lang', format(
		    'must be one of the conference''s languages: %s',
		    array_to_string(c.languages, ', ')));
	END IF;
	r := jsonb_strip_nulls(jsonb_build_object(
	    'order', coalesce(r->>'order', 'alphabetical'), 'lang', r->>'lang'));
	IF r = c.precedence_rule THEN
		RETURN kaigi_conference_json(c);
	END IF;
	UPDATE conferences SET precedence_rule = r WHERE id = c.id
	    RETURNING * INTO n;
	PERFORM kaigi_core_audit(p_actor, c.id, 'update', 'conference', c.id,
	    jsonb_build_object('precedence_rule', c.precedence_rule),
	    jsonb_build_object('precedence_rule', n.precedence_rule));
	RETURN kaigi_conference_json(n);
END $$;

-- ---------------------------------------------------------------------------
-- Lists in protocol order
-- ---------------------------------------------------------------------------

-- 086's, the parties' codes in protocol order.
CREATE OR REPLACE FUNCTION kaigi_programme_item(s sessions, tz text, p_did bigint)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('id', s.id, 'kind', s.kind, 'title', s.title,
	    'status', s.status, 'visibility', s.visibility,
	    'start', kaigi_programme_clock(s.starts_at, tz,
		(s.starts_at AT TIME ZONE tz)::date),
	    'end', kaigi_programme_clock(s.ends_at, tz,
		(s.starts_at AT TIME ZONE tz)::date),
	    'room', r.name, 'venue', v.name,
	    'attendees', coalesce((SELECT jsonb_agg(jsonb_build_object(
		'name', p.name, 'role', p.role) ORDER BY
		array_position(ARRAY['head', 'deputy', 'member', 'staff'], p.role),
		p.name, p.id)
		FROM session_attendees a JOIN participants p ON p.id = a.participant_id
		WHERE a.session_id = s.id AND p.delegation_id = p_did), '[]'::jsonb),
	    'delegations', coalesce((SELECT jsonb_agg(d.code ORDER BY kaigi_delegation_rank(d.id), d.code)
		FROM session_delegations sd JOIN delegations d ON d.id = sd.delegation_id
		WHERE sd.session_id = s.id), '[]'::jsonb))
	FROM (SELECT 1) one
	LEFT JOIN rooms r ON r.id = s.room_id
	LEFT JOIN venues v ON v.id = r.venue_id
$$;

-- 130's, the parties' codes in protocol order.
CREATE OR REPLACE FUNCTION kaigi_release_programme_item(rs release_sessions, tz text,
    p_did bigint)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('id', rs.session_id, 'kind', rs.kind,
	    'title', rs.title, 'status', rs.status, 'visibility', rs.visibility,
	    'start', kaigi_programme_clock(rs.starts_at, tz,
		(rs.starts_at AT TIME ZONE tz)::date),
	    'end', kaigi_programme_clock(rs.ends_at, tz,
		(rs.starts_at AT TIME ZONE tz)::date),
	    'room', rs.room, 'venue', rs.venue,
	    'attendees', coalesce((SELECT jsonb_agg(jsonb_build_object(
		'name', p.name, 'role', p.role) ORDER BY
		array_position(ARRAY['head', 'deputy', 'member', 'staff'], p.role),
		p.name, p.id)
		FROM release_attendees a JOIN participants p ON p.id = a.participant_id
		WHERE a.release_id = rs.release_id AND a.session_id = rs.session_id
		    AND a.delegation_id = p_did), '[]'::jsonb),
	    'delegations', coalesce((SELECT jsonb_agg(d.code ORDER BY kaigi_delegation_rank(d.id), d.code)
		FROM release_delegations sd JOIN delegations d ON d.id = sd.delegation_id
		WHERE sd.release_id = rs.release_id AND sd.session_id = rs.session_id),
		'[]'::jsonb))
$$;

-- 130's, delegations in protocol order.
CREATE OR REPLACE FUNCTION kaigi_release_session_json(rs release_sessions, c conferences)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object(
	    'id', rs.session_id, 'conference', c.slug, 'kind', rs.kind,
	    'title', rs.title, 'description', rs.description,
	    'room_id', rs.room_id, 'room', rs.room,
	    'venue_id', (SELECT venue_id FROM rooms WHERE id = rs.room_id),
	    'venue', rs.venue,
	    'start', kaigi_session_ts(rs.starts_at, c.timezone),
	    'end', kaigi_session_ts(rs.ends_at, c.timezone),
	    'duration_minutes', (extract(epoch FROM rs.ends_at - rs.starts_at) / 60)::int,
	    'status', rs.status, 'visibility', rs.visibility,
	    'sequence', rs.sequence, 'version', NULL,
	    'attendees', coalesce((SELECT jsonb_agg(jsonb_build_object('id', p.id,
		'name', p.name, 'role', p.role, 'delegation', d.code) ORDER BY p.id)
		FROM release_attendees a JOIN participants p ON p.id = a.participant_id
		JOIN delegations d ON d.id = a.delegation_id
		WHERE a.release_id = rs.release_id AND a.session_id = rs.session_id),
		'[]'::jsonb),
	    'delegations', coalesce((SELECT jsonb_agg(d.code ORDER BY kaigi_delegation_rank(d.id), d.code)
		FROM release_delegations sd JOIN delegations d ON d.id = sd.delegation_id
		WHERE sd.release_id = rs.release_id AND sd.session_id = rs.session_id),
		'[]'::jsonb),
	    'created_at', kaigi_session_ts(rs.created_at, c.timezone),
	    'updated_at', kaigi_session_ts(rs.updated_at, c.timezone))
$$;

-- 150's, delegations in protocol order (the body that 180's
-- kaigi_session_json wraps, adding capacity).
CREATE OR REPLACE FUNCTION kaigi_session_json_without_capacity(p_session_id bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT jsonb_build_object(
	    'id', s.id, 'conference', c.slug, 'kind', s.kind, 'title', s.title,
	    'description', s.description, 'room_id', s.room_id, 'room', r.name,
	    'venue_id', r.venue_id, 'venue', v.name,
	    'start', kaigi_session_ts(s.starts_at, c.timezone),
	    'end', kaigi_session_ts(s.ends_at, c.timezone),
	    'duration_minutes', (extract(epoch FROM s.ends_at - s.starts_at) / 60)::int,
	    'status', s.status, 'visibility', s.visibility,
	    'sequence', s.sequence, 'version', s.version,
	    'ref', s.ref, 'expected_attendance', s.expected_attendance,
	    'titles', s.titles, 'descriptions', s.descriptions,
	    'attendees', coalesce((SELECT jsonb_agg(jsonb_build_object('id', p.id,
		'name', p.name, 'role', p.role, 'delegation', d.code) ORDER BY p.id)
		FROM session_attendees a JOIN participants p ON p.id = a.participant_id
		JOIN delegations d ON d.id = p.delegation_id
		WHERE a.session_id = s.id), '[]'::jsonb),
	    'delegations', coalesce((SELECT jsonb_agg(d.code ORDER BY kaigi_delegation_rank(d.id), d.code)
		FROM session_delegations sd JOIN delegations d ON d.id = sd.delegation_id
		WHERE sd.session_id = s.id), '[]'::jsonb),
	    'created_at', kaigi_session_ts(s.created_at, c.timezone),
	    'updated_at', kaigi_session_ts(s.updated_at, c.timezone))
	FROM sessions s JOIN conferences c ON c.id = s.conference_id
	LEFT JOIN rooms r ON r.id = s.room_id
	LEFT JOIN venues v ON v.id = r.venue_id
	WHERE s.id = p_session_id);
END $$;

-- 110's, a session's delegations in protocol order.
CREATE OR REPLACE FUNCTION kaigi_export_sessions(p_actor jsonb, c conferences)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(jsonb_build_object('ref', s.ref, 'kind', s.kind,
	    'title', s.title, 'description', s.description, 'venue', v.name,
	    'room', r.name, 'start', kaigi_ts(s.starts_at, c.timezone),
	    'end', kaigi_ts(s.ends_at, c.timezone), 'status', s.status,
	    'visibility', s.visibility,
	    'attendees', (SELECT string_agg(kaigi_export_person(p, p_actor), ';'
		ORDER BY p.id) FROM session_attendees a
		JOIN participants p ON p.id = a.participant_id
		WHERE a.session_id = s.id),
	    'delegations', (SELECT string_agg(d.code, ';' ORDER BY kaigi_delegation_rank(d.id), d.code)
		FROM session_delegations sd JOIN delegations d ON d.id = sd.delegation_id
		WHERE sd.session_id = s.id),
	    'expected_attendance', s.expected_attendance)
	    ORDER BY s.starts_at, s.id), '[]')
	FROM sessions s LEFT JOIN rooms r ON r.id = s.room_id
	LEFT JOIN venues v ON v.id = r.venue_id
	WHERE s.conference_id = c.id AND kaigi_session_visible(s.id, p_actor)
$$;

-- 080's, delegations in protocol order with precedence and role.
CREATE OR REPLACE FUNCTION kaigi_export_setup(c conferences, p_kind text)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(x.o ORDER BY x.k1, x.k2), '[]') FROM (
	    SELECT jsonb_build_object('name', v.name, 'address', v.address) AS o,
		v.id AS k1, 0::bigint AS k2
	    FROM venues v WHERE p_kind = 'venues' AND v.conference_id = c.id
	    UNION ALL
	    SELECT jsonb_build_object('ref', r.ref, 'venue', v.name, 'name', r.name,
		'capacity', r.capacity, 'kind', r.kind,
		'usable_for_bilaterals', r.usable_for_bilaterals), r.id, 0
	    FROM rooms r JOIN venues v ON v.id = r.venue_id
	    WHERE p_kind = 'rooms' AND r.conference_id = c.id
	    UNION ALL
	    SELECT jsonb_build_object('from_venue', f.name, 'to_venue', t.name,
		'minutes', x.minutes), x.from_venue_id, x.to_venue_id
	    FROM travel_times x JOIN venues f ON f.id = x.from_venue_id
	    JOIN venues t ON t.id = x.to_venue_id
	    WHERE p_kind = 'travel-times' AND x.conference_id = c.id
	    UNION ALL
	    SELECT jsonb_build_object('ref', d.ref, 'code', d.code, 'name', d.name,
		'kind', d.kind, 'precedence', d.precedence, 'role', d.role),
		coalesce(kaigi_delegation_rank(d.id), 2147483647), d.id
	    FROM delegations d WHERE p_kind = 'delegations' AND d.conference_id = c.id) x
$$;

-- ---------------------------------------------------------------------------
-- Seating and speaking order
-- ---------------------------------------------------------------------------

-- GET /sessions/{id}/seating: NULL (404) when the caller may not see the
-- session. Its delegations are those the caller sees in GET /sessions/{id}
-- (the listed parties and the delegations of the attendees shown), so
-- nothing appears that the caller could not read there.
--
-- speaking: the chair (the delegation with role chair, when it takes part)
-- first, then the others in protocol order.
-- seating: the speaking order placed round the table: the first sits at
-- the head; then, alternating, the next sits on the head's right, the next
-- on its left, each pair one seat further from the head (2nd: right 1,
-- 3rd: left 1, 4th: right 2, 5th: left 2, ...). The array goes round the
-- table once, from the head along its right-hand side and back along its
-- left-hand side: [1st, 2nd, 4th, 6th, ..., 7th, 5th, 3rd].
-- places: [{code, seat (its index in seating, from 1), side ("head",
-- "right", "left"), distance (seats from the head; 0 for the head)}].
CREATE FUNCTION kaigi_session_seating(p_actor jsonb, p_id bigint)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
	s	jsonb := kaigi_session_get(p_actor, p_id);
	cid	bigint;
	speak	text[];
	n	int;
	rights	text[] := '{}';
	lefts	text[] := '{}';
	seat	text[];
	places	jsonb;
BEGIN
	IF s IS NULL THEN
		RETURN NULL;
	END IF;
	SELECT id INTO cid FROM conferences WHERE slug = s->>'conference';
	SELECT coalesce(array_agg(x.code ORDER BY d.role IS DISTINCT FROM 'chair',
	    kaigi_delegation_rank(d.id) NULLS LAST, x.code COLLATE "C"), '{}')
	INTO speak
	FROM (SELECT DISTINCT y.code FROM (
		SELECT jsonb_array_elements_text(s->'delegations') AS code
		UNION SELECT a->>'delegation' FROM jsonb_array_elements(s->'attendees') a
	    ) y WHERE y.code IS NOT NULL) x
	LEFT JOIN delegations d ON d.conference_id = cid AND d.code = x.code;
	n := cardinality(speak);
	FOR i IN 2..n LOOP
		IF i % 2 = 0 THEN
			rights := rights || speak[i];
		ELSE
			lefts := speak[i] || lefts;
		END IF;
	END LOOP;
	seat := CASE WHEN n = 0 THEN '{}'::text[] ELSE speak[1:1] || rights || lefts END;
	SELECT coalesce(jsonb_agg(jsonb_build_object('code', seat[k], 'seat', k,
	    'side', CASE WHEN k = 1 THEN 'head' WHEN k <= 1 + cardinality(rights)
		THEN 'right' ELSE 'left' END,
	    'distance', CASE WHEN k = 1 THEN 0 WHEN k <= 1 + cardinality(rights)
		THEN k - 1 ELSE n - k + 1 END) ORDER BY k), '[]')
	INTO places FROM generate_series(1, n) k;
	RETURN jsonb_build_object('session_id', (s->>'id')::bigint,
	    'kind', s->'kind', 'seating', to_jsonb(seat), 'speaking', to_jsonb(speak),
	    'places', places);
END $$;
