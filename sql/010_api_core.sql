-- 010_api_core.sql — the SQL side of the core API: conferences, venues,
-- rooms, travel times, delegations, participants, unavailability and the
-- audit log (server/api-conference.c, api-venue.c, api-delegation.c,
-- api-audit.c).
--
-- Each write is one call of a plpgsql function that does the whole thing in
-- the statement's transaction: permission check against the actor (a JSON
-- object {token_id, role, conference_id, delegation_id} from req_actor()),
-- the change, its audit_log row (before/after), and the answer as JSON built
-- here. Reads are functions too, so every resource has one JSON shape.
-- Errors are raised with SQLSTATE KGnnn (HTTP status nnn); for KG409/KG422
-- the DETAIL is a JSON object merged into the problem document.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- ---------------------------------------------------------------------------
-- Helpers (prefix kaigi_core_)
-- ---------------------------------------------------------------------------

-- Is the actor an admin or the secretariat of conference p_cid?
CREATE FUNCTION kaigi_core_is_secretariat(p_actor jsonb, p_cid bigint)
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
	SELECT coalesce(p_actor->>'role' = 'admin' OR (p_actor->>'role' = 'secretariat'
	    AND (p_actor->>'conference_id')::bigint = p_cid), false)
$$;

-- Is the actor the liaison of delegation p_did?
CREATE FUNCTION kaigi_core_is_liaison_of(p_actor jsonb, p_did bigint)
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
	SELECT coalesce(p_actor->>'role' = 'liaison'
	    AND (p_actor->>'delegation_id')::bigint = p_did, false)
$$;

-- Raise KG403 unless the actor is the secretariat of p_cid (or admin).
CREATE FUNCTION kaigi_core_need_secretariat(p_actor jsonb, p_cid bigint)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF NOT kaigi_core_is_secretariat(p_actor, p_cid) THEN
		RAISE EXCEPTION USING ERRCODE = 'KG403',
		    MESSAGE = 'only the secretariat of this conference may do this';
	END IF;
END $$;

-- The conference of a slug (KG404 when unknown), optionally locked.
CREATE FUNCTION kaigi_core_conference(p_slug text, p_lock boolean DEFAULT false)
RETURNS conferences LANGUAGE plpgsql AS $$
DECLARE
	c	conferences;
BEGIN
	IF p_lock THEN
		SELECT * INTO c FROM conferences WHERE slug = p_slug FOR UPDATE;
	ELSE
		SELECT * INTO c FROM conferences WHERE slug = p_slug;
	END IF;
	IF NOT FOUND THEN
		RAISE EXCEPTION USING ERRCODE = 'KG404', MESSAGE = 'no such conference';
	END IF;
	RETURN c;
END $$;

-- KG412 when an If-Match version (text, NULL = none) differs from p_version.
CREATE FUNCTION kaigi_core_check_version(p_if_match text, p_version int)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF p_if_match IS NOT NULL AND p_if_match IS DISTINCT FROM p_version::text THEN
		RAISE EXCEPTION USING ERRCODE = 'KG412',
		    MESSAGE = format('the resource has changed: its version is now %s', p_version),
		    DETAIL = json_build_object('version', p_version)::text;
	END IF;
END $$;

-- KG422 naming one field.
CREATE FUNCTION kaigi_core_invalid(p_field text, p_message text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION USING ERRCODE = 'KG422',
	    MESSAGE = p_field || ': ' || p_message,
	    DETAIL = json_build_object('errors', json_build_array(json_build_object(
		'field', p_field, 'message', p_message)))::text;
END $$;

-- A CHECK the C decoders let through (the server's zoneinfo and
-- PostgreSQL's may disagree on a zone name, say) as KG422 naming the field.
CREATE FUNCTION kaigi_core_check_failed(p_constraint text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	PERFORM kaigi_core_invalid(CASE
	    WHEN p_constraint LIKE '%timezone%' THEN 'timezone'
	    WHEN p_constraint = 'conferences_slug_check' THEN 'slug'
	    WHEN p_constraint = 'conferences_dates_check' THEN 'end_date'
	    WHEN p_constraint = 'conferences_day_check' THEN 'day_end'
	    WHEN p_constraint = 'delegations_code_check' THEN 'code'
	    ELSE coalesce(p_constraint, '') END,
	    CASE WHEN p_constraint LIKE '%timezone%'
	    THEN 'is not a time zone the database knows'
	    ELSE 'breaks a rule of the data' END);
END $$;

-- Write one audit_log row for the actor.
CREATE FUNCTION kaigi_core_audit(p_actor jsonb, p_cid bigint, p_action text,
    p_entity text, p_entity_id bigint, p_before jsonb, p_after jsonb)
RETURNS void LANGUAGE sql AS $$
	INSERT INTO audit_log (conference_id, token_id, role, action, entity,
	    entity_id, before, after)
	VALUES (p_cid, (p_actor->>'token_id')::bigint, p_actor->>'role', p_action,
	    p_entity, p_entity_id, p_before, p_after)
$$;

-- A list page from up to limit+1 items fetched in id order:
-- {"items": the first p_limit, "next": the last id shown, as text, or null}.
CREATE FUNCTION kaigi_core_page(p_items json[], p_ids bigint[], p_limit int)
RETURNS json LANGUAGE sql IMMUTABLE AS $$
	SELECT json_build_object(
	    'items', coalesce(array_to_json(p_items[1:p_limit]), '[]'::json),
	    'next', CASE WHEN coalesce(cardinality(p_items), 0) > p_limit
		THEN p_ids[p_limit]::text END)
$$;

-- May the actor see session p_sid (same rules as the session API)?
CREATE FUNCTION kaigi_core_may_see_session(p_actor jsonb, p_sid bigint)
RETURNS boolean LANGUAGE sql STABLE AS $$
	SELECT EXISTS (SELECT 1 FROM sessions s WHERE s.id = p_sid AND (
	    s.visibility = 'public'
	    OR kaigi_core_is_secretariat(p_actor, s.conference_id)
	    OR (s.visibility = 'conference'
		AND (p_actor->>'conference_id')::bigint = s.conference_id)
	    OR (p_actor->>'role' = 'liaison' AND (
		EXISTS (SELECT 1 FROM session_delegations sd WHERE sd.session_id = s.id
		    AND sd.delegation_id = (p_actor->>'delegation_id')::bigint)
		OR EXISTS (SELECT 1 FROM session_attendees a JOIN participants p
		    ON p.id = a.participant_id WHERE a.session_id = s.id
		    AND p.delegation_id = (p_actor->>'delegation_id')::bigint)))))
$$;

-- ---------------------------------------------------------------------------
-- Conferences
-- ---------------------------------------------------------------------------

-- The JSON of a conference.
CREATE FUNCTION kaigi_conference_json(c conferences)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', c.id, 'slug', c.slug, 'title', c.title,
	    'timezone', c.timezone, 'time_zone', c.timezone,
	    'start_date', c.start_date::text, 'end_date', c.end_date::text,
	    'location', c.location, 'changeover_minutes', c.changeover_minutes,
	    'day_start', to_char(c.day_start, 'HH24:MI'),
	    'day_end', to_char(c.day_end, 'HH24:MI'),
	    'version', c.version,
	    'created_at', kaigi_ts(c.created_at, c.timezone),
	    'updated_at', kaigi_ts(c.updated_at, c.timezone))
$$;

-- POST /conferences (admin).
CREATE FUNCTION kaigi_conference_create(p_actor jsonb, p_in jsonb)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	c	conferences;
	j	json;
	cn	text;
BEGIN
	IF p_actor->>'role' IS DISTINCT FROM 'admin' THEN
		RAISE EXCEPTION USING ERRCODE = 'KG403',
		    MESSAGE = 'only an admin may create a conference';
	END IF;
	BEGIN
		INSERT INTO conferences (slug, title, timezone, start_date,
		    end_date, location, changeover_minutes, day_start, day_end)
		VALUES (p_in->>'slug', p_in->>'title', p_in->>'timezone',
		    (p_in->>'start_date')::date, (p_in->>'end_date')::date,
		    coalesce(p_in->>'location', ''),
		    coalesce((p_in->>'changeover_minutes')::int, 10),
		    coalesce((p_in->>'day_start')::time, '08:00'),
		    coalesce((p_in->>'day_end')::time, '20:00'))
		RETURNING * INTO c;
	EXCEPTION WHEN unique_violation THEN
		RAISE EXCEPTION USING ERRCODE = 'KG409',
		    MESSAGE = 'a conference with that slug already exists',
		    DETAIL = '{"errors":[{"field":"slug","message":"is already taken"}]}';
	WHEN check_violation THEN
		GET STACKED DIAGNOSTICS cn = CONSTRAINT_NAME;
		PERFORM kaigi_core_check_failed(cn);
	END;
	j := kaigi_conference_json(c);
	PERFORM kaigi_core_audit(p_actor, c.id, 'create', 'conference', c.id,
	    NULL, j::jsonb);
	RETURN j;
END $$;

-- GET /conferences
CREATE FUNCTION kaigi_conference_list(p_limit int, p_cursor bigint)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT kaigi_core_page(array_agg(kaigi_conference_json(s.c) ORDER BY (s.c).id),
	    array_agg((s.c).id ORDER BY (s.c).id), p_limit)
	FROM (SELECT c FROM conferences c WHERE c.id > p_cursor
	    ORDER BY c.id LIMIT p_limit + 1) s
$$;

-- GET /conferences/{slug}
CREATE FUNCTION kaigi_conference_get(p_slug text)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT kaigi_conference_json(c) FROM conferences c WHERE c.slug = p_slug
$$;

-- The conference c with the members of a PATCH applied (not stored).
CREATE FUNCTION kaigi_conference_merge(c conferences, p_in jsonb)
RETURNS conferences LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	c.title := coalesce(p_in->>'title', c.title);
	c.timezone := coalesce(p_in->>'timezone', c.timezone);
	c.start_date := coalesce((p_in->>'start_date')::date, c.start_date);
	c.end_date := coalesce((p_in->>'end_date')::date, c.end_date);
	c.location := coalesce(p_in->>'location', c.location);
	c.changeover_minutes := coalesce((p_in->>'changeover_minutes')::int,
	    c.changeover_minutes);
	c.day_start := coalesce((p_in->>'day_start')::time, c.day_start);
	c.day_end := coalesce((p_in->>'day_end')::time, c.day_end);
	RETURN c;
END $$;

-- KG409 when new dates or zone would leave a non-cancelled session of the
-- conference outside its days (the rule the session API applies).
CREATE FUNCTION kaigi_conference_check_dates(n conferences)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	bad	json;
BEGIN
	SELECT json_agg(json_build_object('session_id', s.id, 'title', s.title,
	    'start', kaigi_ts(s.starts_at, n.timezone),
	    'end', kaigi_ts(s.ends_at, n.timezone)) ORDER BY s.starts_at)
	INTO bad
	FROM sessions s
	WHERE s.conference_id = n.id AND s.status <> 'cancelled'
	    AND ((s.starts_at AT TIME ZONE n.timezone)::date
		NOT BETWEEN n.start_date AND n.end_date
		OR s.ends_at > ((n.end_date + 1)::timestamp AT TIME ZONE n.timezone));
	IF bad IS NOT NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'KG409',
		    MESSAGE = format('%s session(s) would fall outside the conference''s days',
			json_array_length(bad)),
		    DETAIL = json_build_object('sessions', bad, 'errors',
			json_build_array(json_build_object('field', 'start_date',
			    'message', 'sessions would fall outside the days'),
			json_build_object('field', 'end_date',
			    'message', 'sessions would fall outside the days')))::text;
	END IF;
END $$;

-- PATCH /conferences/{slug} (secretariat), honouring If-Match.
CREATE FUNCTION kaigi_conference_patch(p_actor jsonb, p_slug text, p_in jsonb,
    p_if_match text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	c	conferences;
	n	conferences;
	j	json;
	cn	text;
BEGIN
	c := kaigi_core_conference(p_slug, true);
	PERFORM kaigi_core_need_secretariat(p_actor, c.id);
	PERFORM kaigi_core_check_version(p_if_match, c.version);
	n := kaigi_conference_merge(c, p_in);
	IF n.end_date < n.start_date THEN
		PERFORM kaigi_core_invalid(CASE WHEN p_in ? 'end_date'
		    THEN 'end_date' ELSE 'start_date' END,
		    'the conference would end before it starts');
	END IF;
	IF n.day_end <= n.day_start THEN
		PERFORM kaigi_core_invalid(CASE WHEN p_in ? 'day_end'
		    THEN 'day_end' ELSE 'day_start' END,
		    'day_end must be after day_start');
	END IF;
	IF n IS NOT DISTINCT FROM c THEN
		RETURN kaigi_conference_json(c);
	END IF;
	IF n.timezone <> c.timezone AND NOT kaigi_valid_timezone(n.timezone) THEN
		PERFORM kaigi_core_invalid('timezone', 'is not a time zone the database knows');
	END IF;
	PERFORM kaigi_conference_check_dates(n);
	BEGIN
		UPDATE conferences SET title = n.title, timezone = n.timezone,
		    start_date = n.start_date, end_date = n.end_date,
		    location = n.location, changeover_minutes = n.changeover_minutes,
		    day_start = n.day_start, day_end = n.day_end
		WHERE id = c.id RETURNING * INTO n;
	EXCEPTION WHEN exclusion_violation THEN
		RAISE EXCEPTION USING ERRCODE = 'KG409',
		    MESSAGE = 'with that changeover some participant''s sessions would be too close',
		    DETAIL = '{"errors":[{"field":"changeover_minutes","message":"would double-book a participant"}]}';
	WHEN check_violation THEN
		GET STACKED DIAGNOSTICS cn = CONSTRAINT_NAME;
		PERFORM kaigi_core_check_failed(cn);
	END;
	j := kaigi_conference_json(n);
	PERFORM kaigi_core_audit(p_actor, c.id, 'update', 'conference', c.id,
	    kaigi_conference_json(c)::jsonb, j::jsonb);
	RETURN j;
END $$;

-- ---------------------------------------------------------------------------
-- Venues, rooms, travel times
-- ---------------------------------------------------------------------------

-- The JSON of a venue.
CREATE FUNCTION kaigi_venue_json(v venues, p_slug text)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', v.id, 'conference', p_slug, 'name', v.name,
	    'address', v.address, 'version', v.version)
$$;

-- POST /conferences/{slug}/venues (secretariat).
CREATE FUNCTION kaigi_venue_create(p_actor jsonb, p_slug text, p_in jsonb)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	c	conferences;
	v	venues;
	j	json;
BEGIN
	c := kaigi_core_conference(p_slug);
	PERFORM kaigi_core_need_secretariat(p_actor, c.id);
	INSERT INTO venues (conference_id, name, address)
	VALUES (c.id, p_in->>'name', coalesce(p_in->>'address', ''))
	RETURNING * INTO v;
	j := kaigi_venue_json(v, c.slug);
	PERFORM kaigi_core_audit(p_actor, c.id, 'create', 'venue', v.id, NULL, j::jsonb);
	RETURN j;
END $$;

-- GET /conferences/{slug}/venues
CREATE FUNCTION kaigi_venue_list(p_slug text, p_limit int, p_cursor bigint)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
	c	conferences;
BEGIN
	SELECT * INTO c FROM conferences WHERE slug = p_slug;
	IF NOT FOUND THEN
		RAISE EXCEPTION USING ERRCODE = 'KG404', MESSAGE = 'no such conference';
	END IF;
	RETURN (SELECT kaigi_core_page(
	    array_agg(kaigi_venue_json(s.v, c.slug) ORDER BY (s.v).id),
	    array_agg((s.v).id ORDER BY (s.v).id), p_limit)
	FROM (SELECT v FROM venues v WHERE v.conference_id = c.id
	    AND v.id > p_cursor ORDER BY v.id LIMIT p_limit + 1) s);
END $$;

-- The JSON of a room.
CREATE FUNCTION kaigi_room_json(r rooms, p_slug text)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', r.id, 'conference', p_slug,
	    'venue_id', r.venue_id,
	    'venue', (SELECT v.name FROM venues v WHERE v.id = r.venue_id),
	    'name', r.name, 'capacity', r.capacity, 'kind', r.kind,
	    'usable_for_bilaterals', r.usable_for_bilaterals, 'version', r.version)
$$;

-- POST /conferences/{slug}/rooms (secretariat).
CREATE FUNCTION kaigi_room_create(p_actor jsonb, p_slug text, p_in jsonb)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	c	conferences;
	r	rooms;
	j	json;
BEGIN
	c := kaigi_core_conference(p_slug);
	PERFORM kaigi_core_need_secretariat(p_actor, c.id);
	IF NOT EXISTS (SELECT 1 FROM venues WHERE conference_id = c.id
	    AND id = (p_in->>'venue_id')::bigint) THEN
		PERFORM kaigi_core_invalid('venue_id', 'no such venue in this conference');
	END IF;
	INSERT INTO rooms (conference_id, venue_id, name, capacity, kind,
	    usable_for_bilaterals)
	VALUES (c.id, (p_in->>'venue_id')::bigint, p_in->>'name',
	    (p_in->>'capacity')::int, coalesce(p_in->>'kind', 'other'),
	    coalesce((p_in->>'usable_for_bilaterals')::boolean,
		p_in->>'kind' = 'bilateral', false))
	RETURNING * INTO r;
	j := kaigi_room_json(r, c.slug);
	PERFORM kaigi_core_audit(p_actor, c.id, 'create', 'room', r.id, NULL, j::jsonb);
	RETURN j;
END $$;

-- GET /conferences/{slug}/rooms[?venue_id=]
CREATE FUNCTION kaigi_room_list(p_slug text, p_limit int, p_cursor bigint,
    p_venue_id bigint)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
	c	conferences;
BEGIN
	SELECT * INTO c FROM conferences WHERE slug = p_slug;
	IF NOT FOUND THEN
		RAISE EXCEPTION USING ERRCODE = 'KG404', MESSAGE = 'no such conference';
	END IF;
	RETURN (SELECT kaigi_core_page(
	    array_agg(kaigi_room_json(s.r, c.slug) ORDER BY (s.r).id),
	    array_agg((s.r).id ORDER BY (s.r).id), p_limit)
	FROM (SELECT r FROM rooms r WHERE r.conference_id = c.id
	    AND r.id > p_cursor AND (p_venue_id IS NULL OR r.venue_id = p_venue_id)
	    ORDER BY r.id LIMIT p_limit + 1) s);
END $$;

-- The travel-time matrix of a conference as a list (never paged).
CREATE FUNCTION kaigi_travel_times_json(p_cid bigint)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object('items', coalesce(json_agg(json_build_object(
	    'from_venue_id', t.from_venue_id, 'to_venue_id', t.to_venue_id,
	    'minutes', t.minutes) ORDER BY t.from_venue_id, t.to_venue_id),
	    '[]'::json), 'next', NULL)
	FROM travel_times t WHERE t.conference_id = p_cid
$$;

-- GET /conferences/{slug}/travel-times
CREATE FUNCTION kaigi_travel_times_get(p_slug text)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT kaigi_travel_times_json(c.id) FROM conferences c WHERE c.slug = p_slug
$$;

-- PUT /conferences/{slug}/travel-times (secretariat): replace the matrix
-- with p_in, an array of {from_venue_id, to_venue_id, minutes} in which the
-- server (decode_travel_times) has already added the missing reverse pairs.
CREATE FUNCTION kaigi_travel_times_put(p_actor jsonb, p_slug text, p_in jsonb)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	c	conferences;
	bad	bigint;
	before	json;
	j	json;
BEGIN
	c := kaigi_core_conference(p_slug, true);
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
	DELETE FROM travel_times WHERE conference_id = c.id;
	INSERT INTO travel_times (conference_id, from_venue_id, to_venue_id, minutes)
	SELECT c.id, (e->>'from_venue_id')::bigint, (e->>'to_venue_id')::bigint,
	    (e->>'minutes')::int
	FROM jsonb_array_elements(p_in) e;
	j := kaigi_travel_times_json(c.id);
	PERFORM kaigi_core_audit(p_actor, c.id, 'replace', 'travel_times', NULL,
	    before::jsonb, j::jsonb);
	RETURN j;
END $$;

-- ---------------------------------------------------------------------------
-- Delegations, participants, unavailability
-- ---------------------------------------------------------------------------

-- The JSON of a delegation.
CREATE FUNCTION kaigi_delegation_json(d delegations, p_slug text)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', d.id, 'conference', p_slug, 'code', d.code,
	    'name', d.name, 'kind', d.kind, 'version', d.version)
$$;

-- POST /conferences/{slug}/delegations (secretariat).
CREATE FUNCTION kaigi_delegation_create(p_actor jsonb, p_slug text, p_in jsonb)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	c	conferences;
	d	delegations;
	j	json;
	cn	text;
BEGIN
	c := kaigi_core_conference(p_slug);
	PERFORM kaigi_core_need_secretariat(p_actor, c.id);
	BEGIN
		INSERT INTO delegations (conference_id, code, name, kind)
		VALUES (c.id, p_in->>'code', p_in->>'name',
		    coalesce(p_in->>'kind', 'member'))
		RETURNING * INTO d;
	EXCEPTION WHEN unique_violation THEN
		RAISE EXCEPTION USING ERRCODE = 'KG409',
		    MESSAGE = format('delegation %s already exists in this conference',
			p_in->>'code'),
		    DETAIL = '{"errors":[{"field":"code","message":"is already taken"}]}';
	WHEN check_violation THEN
		GET STACKED DIAGNOSTICS cn = CONSTRAINT_NAME;
		PERFORM kaigi_core_check_failed(cn);
	END;
	j := kaigi_delegation_json(d, c.slug);
	PERFORM kaigi_core_audit(p_actor, c.id, 'create', 'delegation', d.id,
	    NULL, j::jsonb);
	RETURN j;
END $$;

-- GET /conferences/{slug}/delegations
CREATE FUNCTION kaigi_delegation_list(p_slug text, p_limit int, p_cursor bigint)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
	c	conferences;
BEGIN
	SELECT * INTO c FROM conferences WHERE slug = p_slug;
	IF NOT FOUND THEN
		RAISE EXCEPTION USING ERRCODE = 'KG404', MESSAGE = 'no such conference';
	END IF;
	RETURN (SELECT kaigi_core_page(
	    array_agg(kaigi_delegation_json(s.d, c.slug) ORDER BY (s.d).id),
	    array_agg((s.d).id ORDER BY (s.d).id), p_limit)
	FROM (SELECT d FROM delegations d WHERE d.conference_id = c.id
	    AND d.id > p_cursor ORDER BY d.id LIMIT p_limit + 1) s);
END $$;

-- The delegation a request names, by code (string) or id (number), or NULL.
CREATE FUNCTION kaigi_core_delegation_ref(p_cid bigint, p_ref jsonb)
RETURNS delegations LANGUAGE sql STABLE AS $$
	SELECT d FROM delegations d WHERE d.conference_id = p_cid AND
	    CASE jsonb_typeof(p_ref)
	    WHEN 'number' THEN d.id = (p_ref #>> '{}')::numeric
	    WHEN 'string' THEN d.code = p_ref #>> '{}'
	    ELSE false END
$$;

-- The JSON of a participant.
CREATE FUNCTION kaigi_participant_json(p participants, p_slug text)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', p.id, 'conference', p_slug,
	    'delegation', (SELECT d.code FROM delegations d WHERE d.id = p.delegation_id),
	    'delegation_id', p.delegation_id, 'name', p.name, 'title', p.title,
	    'role', p.role, 'email', p.email, 'timezone', p.timezone,
	    'version', p.version)
$$;

-- POST /conferences/{slug}/participants (secretariat).
CREATE FUNCTION kaigi_participant_create(p_actor jsonb, p_slug text, p_in jsonb)
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
		PERFORM kaigi_core_invalid('delegation',
		    'no such delegation in this conference');
	END IF;
	BEGIN
		INSERT INTO participants (conference_id, delegation_id, name, title,
		    role, email, timezone)
		VALUES (c.id, d.id, p_in->>'name', coalesce(p_in->>'title', ''),
		    p_in->>'role', p_in->>'email', p_in->>'timezone')
		RETURNING * INTO p;
	EXCEPTION WHEN check_violation THEN
		GET STACKED DIAGNOSTICS cn = CONSTRAINT_NAME;
		PERFORM kaigi_core_check_failed(cn);
	END;
	j := kaigi_participant_json(p, c.slug);
	PERFORM kaigi_core_audit(p_actor, c.id, 'create', 'participant', p.id,
	    NULL, j::jsonb);
	RETURN j;
END $$;

-- GET /conferences/{slug}/participants[?delegation=code]: the secretariat
-- sees all, a liaison of the conference its own delegation's only.
CREATE FUNCTION kaigi_participant_list(p_actor jsonb, p_slug text, p_limit int,
    p_cursor bigint, p_delegation text)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
	c	conferences;
	own	bigint;
BEGIN
	SELECT * INTO c FROM conferences WHERE slug = p_slug;
	IF NOT FOUND THEN
		RAISE EXCEPTION USING ERRCODE = 'KG404', MESSAGE = 'no such conference';
	END IF;
	IF NOT kaigi_core_is_secretariat(p_actor, c.id) THEN
		IF p_actor->>'role' IS DISTINCT FROM 'liaison'
		    OR (p_actor->>'conference_id')::bigint IS DISTINCT FROM c.id THEN
			RAISE EXCEPTION USING ERRCODE = 'KG403',
			    MESSAGE = 'only the secretariat and the liaisons of this conference may list participants';
		END IF;
		own := (p_actor->>'delegation_id')::bigint;
	END IF;
	RETURN (SELECT kaigi_core_page(
	    array_agg(kaigi_participant_json(s.p, c.slug) ORDER BY (s.p).id),
	    array_agg((s.p).id ORDER BY (s.p).id), p_limit)
	FROM (SELECT p FROM participants p WHERE p.conference_id = c.id
	    AND p.id > p_cursor AND (own IS NULL OR p.delegation_id = own)
	    AND (p_delegation IS NULL OR p.delegation_id = (SELECT d.id
		FROM delegations d WHERE d.conference_id = c.id AND d.code = p_delegation))
	    ORDER BY p.id LIMIT p_limit + 1) s);
END $$;

-- The participant p_id if the actor may manage it (secretariat of its
-- conference, admin, liaison of its delegation); KG404 otherwise.
CREATE FUNCTION kaigi_core_managed_participant(p_actor jsonb, p_id bigint,
    p_lock boolean)
RETURNS participants LANGUAGE plpgsql AS $$
DECLARE
	p	participants;
BEGIN
	IF p_lock THEN
		SELECT * INTO p FROM participants WHERE id = p_id FOR UPDATE;
	ELSE
		SELECT * INTO p FROM participants WHERE id = p_id;
	END IF;
	IF NOT FOUND OR NOT (kaigi_core_is_secretariat(p_actor, p.conference_id)
	    OR kaigi_core_is_liaison_of(p_actor, p.delegation_id)) THEN
		RAISE EXCEPTION USING ERRCODE = 'KG404', MESSAGE = 'no such participant';
	END IF;
	RETURN p;
END $$;

-- The JSON of an unavailability block, instants in zone p_tz.
CREATE FUNCTION kaigi_unavailability_json(u unavailability, p_tz text)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', u.id, 'participant_id', u.participant_id,
	    'start', kaigi_ts(lower(u.during), p_tz),
	    'end', kaigi_ts(upper(u.during), p_tz),
	    'reason', u.reason, 'version', u.version)
$$;

-- What participant p_pid is already busy with during p_during, for a 409:
-- sessions the actor may see are named, others only shown as busy.
CREATE FUNCTION kaigi_core_busy_conflicts(p_actor jsonb, p_pid bigint,
    p_during tstzrange, p_tz text)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT coalesce(json_agg(x.j ORDER BY x.at, x.k), '[]'::json) FROM (
	    SELECT coalesce(s.starts_at, lower(u.during)) AS at, b.id AS k,
		CASE WHEN s.id IS NULL THEN json_build_object('session_id', NULL,
		    'title', u.reason, 'start', kaigi_ts(lower(u.during), p_tz),
		    'end', kaigi_ts(upper(u.during), p_tz),
		    'resource', 'unavailability', 'participant_id', p_pid,
		    'unavailability_id', u.id)
		WHEN kaigi_core_may_see_session(p_actor, s.id) THEN json_build_object(
		    'session_id', s.id, 'title', s.title,
		    'start', kaigi_ts(s.starts_at, p_tz), 'end', kaigi_ts(s.ends_at, p_tz),
		    'resource', 'participant', 'participant_id', p_pid,
		    'room_id', s.room_id)
		ELSE json_build_object('session_id', NULL,
		    'start', kaigi_ts(s.starts_at, p_tz), 'end', kaigi_ts(s.ends_at, p_tz),
		    'resource', 'participant', 'participant_id', p_pid) END AS j
	    FROM busy b LEFT JOIN sessions s ON s.id = b.session_id
		LEFT JOIN unavailability u ON u.id = b.unavailability_id
	    WHERE b.participant_id = p_pid AND b.during && p_during) x
$$;

-- POST /participants/{id}/unavailability (secretariat, own liaison).
CREATE FUNCTION kaigi_unavailability_create(p_actor jsonb, p_pid text, p_in jsonb)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	p	participants;
	u	unavailability;
	tz	text;
	rng	tstzrange;
	j	json;
BEGIN
	p := kaigi_core_managed_participant(p_actor, p_pid::bigint, true);
	SELECT timezone INTO tz FROM conferences WHERE id = p.conference_id;
	rng := tstzrange((p_in->>'start')::timestamptz, (p_in->>'end')::timestamptz, '[)');
	BEGIN
		INSERT INTO unavailability (participant_id, during, reason)
		VALUES (p.id, rng, coalesce(p_in->>'reason', ''))
		RETURNING * INTO u;
	EXCEPTION WHEN exclusion_violation THEN
		RAISE EXCEPTION USING ERRCODE = 'KG409',
		    MESSAGE = 'the participant is already busy during that time',
		    DETAIL = json_build_object('conflicts', kaigi_core_busy_conflicts(
			p_actor, p.id, rng, tz))::text;
	END;
	j := kaigi_unavailability_json(u, tz);
	PERFORM kaigi_core_audit(p_actor, p.conference_id, 'create',
	    'unavailability', u.id, NULL, j::jsonb);
	RETURN j;
END $$;

-- GET /participants/{id}/unavailability (secretariat, own liaison).
CREATE FUNCTION kaigi_unavailability_list(p_actor jsonb, p_pid text, p_limit int,
    p_cursor bigint)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	p	participants;
	tz	text;
BEGIN
	p := kaigi_core_managed_participant(p_actor, p_pid::bigint, false);
	SELECT timezone INTO tz FROM conferences WHERE id = p.conference_id;
	RETURN (SELECT kaigi_core_page(
	    array_agg(kaigi_unavailability_json(s.u, tz) ORDER BY (s.u).id),
	    array_agg((s.u).id ORDER BY (s.u).id), p_limit)
	FROM (SELECT u FROM unavailability u WHERE u.participant_id = p.id
	    AND u.id > p_cursor ORDER BY u.id LIMIT p_limit + 1) s);
END $$;

-- ---------------------------------------------------------------------------
-- Audit log
-- ---------------------------------------------------------------------------

-- The JSON of an audit_log row.
CREATE FUNCTION kaigi_audit_json(a audit_log, p_tz text)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', a.id, 'at', kaigi_ts(a.at, p_tz),
	    'token_id', a.token_id, 'role', a.role, 'action', a.action,
	    'entity', a.entity, 'entity_id', a.entity_id,
	    'before', a.before, 'after', a.after)
$$;

-- GET /conferences/{slug}/audit[?entity=&entity_id=] (secretariat), oldest first.
CREATE FUNCTION kaigi_audit_list(p_actor jsonb, p_slug text, p_limit int,
    p_cursor bigint, p_entity text, p_entity_id bigint)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
	c	conferences;
BEGIN
	SELECT * INTO c FROM conferences WHERE slug = p_slug;
	IF NOT FOUND THEN
		RAISE EXCEPTION USING ERRCODE = 'KG404', MESSAGE = 'no such conference';
	END IF;
	PERFORM kaigi_core_need_secretariat(p_actor, c.id);
	RETURN (SELECT kaigi_core_page(
	    array_agg(kaigi_audit_json(s.a, c.timezone) ORDER BY (s.a).id),
	    array_agg((s.a).id ORDER BY (s.a).id), p_limit)
	FROM (SELECT a FROM audit_log a WHERE a.conference_id = c.id
	    AND a.id > p_cursor
	    AND (p_entity IS NULL OR a.entity = p_entity)
	    AND (p_entity_id IS NULL OR a.entity_id = p_entity_id)
	    ORDER BY a.id LIMIT p_limit + 1) s);
END $$;

-- ---------------------------------------------------------------------------
-- Beyond the table of API.md, in the same style: one participant (GET,
-- PATCH) and removing an unavailability block (DELETE).
-- ---------------------------------------------------------------------------

-- GET /participants/{id} (secretariat, own liaison; 404 for anyone else).
CREATE FUNCTION kaigi_participant_get(p_actor jsonb, p_id text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	p	participants;
BEGIN
	p := kaigi_core_managed_participant(p_actor, p_id::bigint, false);
	RETURN kaigi_participant_json(p,
	    (SELECT slug FROM conferences WHERE id = p.conference_id));
END $$;

-- PATCH /participants/{id} (secretariat), honouring If-Match. Members
-- present in p_in replace the stored ones; "email"/"timezone" may be null
-- (json null) to clear them.
CREATE FUNCTION kaigi_participant_patch(p_actor jsonb, p_id text, p_in jsonb,
    p_if_match text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	p	participants;
	n	participants;
	slug	text;
	j	json;
	cn	text;
BEGIN
	p := kaigi_core_managed_participant(p_actor, p_id::bigint, true);
	PERFORM kaigi_core_need_secretariat(p_actor, p.conference_id);
	PERFORM kaigi_core_check_version(p_if_match, p.version);
	SELECT c.slug INTO slug FROM conferences c WHERE c.id = p.conference_id;
	n := p;
	n.name := coalesce(p_in->>'name', p.name);
	n.title := coalesce(p_in->>'title', p.title);
	n.role := coalesce(p_in->>'role', p.role);
	IF p_in ? 'email' THEN n.email := p_in->>'email'; END IF;
	IF p_in ? 'timezone' THEN n.timezone := p_in->>'timezone'; END IF;
	IF n IS NOT DISTINCT FROM p THEN
		RETURN kaigi_participant_json(p, slug);
	END IF;
	BEGIN
		UPDATE participants SET name = n.name, title = n.title,
		    role = n.role, email = n.email, timezone = n.timezone
		WHERE id = p.id RETURNING * INTO n;
	EXCEPTION WHEN check_violation THEN
		GET STACKED DIAGNOSTICS cn = CONSTRAINT_NAME;
		PERFORM kaigi_core_check_failed(cn);
	END;
	j := kaigi_participant_json(n, slug);
	PERFORM kaigi_core_audit(p_actor, p.conference_id, 'update', 'participant',
	    p.id, kaigi_participant_json(p, slug)::jsonb, j::jsonb);
	RETURN j;
END $$;

-- DELETE /participants/{id}/unavailability/{uid} (secretariat, own
-- liaison): true when removed; KG404 when either is unknown or hidden.
CREATE FUNCTION kaigi_unavailability_delete(p_actor jsonb, p_pid text, p_uid text)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
	p	participants;
	u	unavailability;
	tz	text;
BEGIN
	p := kaigi_core_managed_participant(p_actor, p_pid::bigint, true);
	DELETE FROM unavailability WHERE id = p_uid::bigint AND participant_id = p.id
	RETURNING * INTO u;
	IF NOT FOUND THEN
		RAISE EXCEPTION USING ERRCODE = 'KG404',
		    MESSAGE = 'no such unavailability';
	END IF;
	SELECT timezone INTO tz FROM conferences WHERE id = p.conference_id;
	PERFORM kaigi_core_audit(p_actor, p.conference_id, 'delete',
	    'unavailability', u.id, kaigi_unavailability_json(u, tz)::jsonb, NULL);
	RETURN true;
END $$;
