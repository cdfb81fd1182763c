-- 110_warnings_tz.sql — the rest of issue 15: warnings that do not block,
-- a time-zone change that says what happens to the sessions, ref on
-- sessions and bilateral requests through the API, If-Match on the
-- travel-time matrix.
--
-- - sessions.expected_attendance (optional): above the room's capacity it
--   is stored; create/PATCH answers carry "warnings" ([{type, detail, ...}])
--   and GET /conflicts lists them under "warnings" (its "items" still hold
--   only rules broken, expected: none). Import and export carry the column.
-- - PATCH /conferences/{slug} changing "timezone" while sessions exist is
--   KG409 naming the two choices, unless shift is keep_wall_clock (sessions,
--   bilateral windows and unavailability keep their wall-clock times in the
--   new zone: all three are written by people in the conference's local
--   time; a session that moves gets a new SEQUENCE; a wall time the new
--   zone skips or repeats is KG409 naming the rows, and nothing changes) or
--   keep_instants (only the zone changes).
-- - ref (unique within a conference, KG409 with existing_id) on session
--   create/PATCH and bilateral request create.
-- - travel_matrix_versions: the matrix's version, raised by every change
--   of travel_times; the matrix JSON carries it, PATCH/DELETE honour
--   If-Match (KG412).
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

ALTER TABLE sessions ADD COLUMN expected_attendance int
    CONSTRAINT sessions_expected_attendance_check CHECK (expected_attendance >= 0);

-- ---------------------------------------------------------------------------
-- Sessions: ref, expected_attendance, warnings
-- ---------------------------------------------------------------------------

-- The API's session object (020's, plus ref and expected_attendance).
CREATE OR REPLACE FUNCTION kaigi_session_json(p_session_id bigint) RETURNS jsonb
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
	    'attendees', coalesce((SELECT jsonb_agg(jsonb_build_object('id', p.id,
		'name', p.name, 'role', p.role, 'delegation', d.code) ORDER BY p.id)
		FROM session_attendees a JOIN participants p ON p.id = a.participant_id
		JOIN delegations d ON d.id = p.delegation_id
		WHERE a.session_id = s.id), '[]'::jsonb),
	    'delegations', coalesce((SELECT jsonb_agg(d.code ORDER BY d.code)
		FROM session_delegations sd JOIN delegations d ON d.id = sd.delegation_id
		WHERE sd.session_id = s.id), '[]'::jsonb),
	    'created_at', kaigi_session_ts(s.created_at, c.timezone),
	    'updated_at', kaigi_session_ts(s.updated_at, c.timezone))
	FROM sessions s JOIN conferences c ON c.id = s.conference_id
	LEFT JOIN rooms r ON r.id = s.room_id
	LEFT JOIN venues v ON v.id = r.venue_id
	WHERE s.id = p_session_id);
END $$;

-- The warnings of session p_sid (stored, not blocking): more people
-- expected than its room seats.
CREATE FUNCTION kaigi_session_warnings(p_sid bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(jsonb_build_object('type', 'over_capacity',
	    'detail', format('%s expected, room ''%s'' seats %s',
		s.expected_attendance, r.name, r.capacity),
	    'expected_attendance', s.expected_attendance,
	    'capacity', r.capacity, 'room_id', r.id)), '[]')
	FROM sessions s JOIN rooms r ON r.id = s.room_id
	WHERE s.id = p_sid AND s.expected_attendance > r.capacity
$$;

-- KG409 when another session of conference p_cid has ref p_ref.
CREATE FUNCTION kaigi_session_taken(p_cid bigint, p_ref text, p_sid bigint)
RETURNS void LANGUAGE sql AS $$
	SELECT kaigi_setup_taken('session', 'ref', p_ref, (SELECT x.id
	    FROM sessions x WHERE x.conference_id = p_cid AND x.ref = p_ref
	    AND x.id IS DISTINCT FROM p_sid))
$$;

-- POST /conferences/{slug}/sessions (020's, plus ref and
-- expected_attendance); the answer carries "warnings".
CREATE OR REPLACE FUNCTION kaigi_session_create(p_actor jsonb, p_slug text, p_input jsonb)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	c	bigint := kaigi_session_conference(p_actor, p_slug);
	v_room	bigint := (p_input->>'room_id')::bigint;
	v_st	timestamptz := (p_input->>'start')::timestamptz;
	v_en	timestamptz := (p_input->>'end')::timestamptz;
	v_who	bigint[] := kaigi_session_ids(p_input->'attendees');
	v_codes	text[] := kaigi_session_codes(p_input->'delegations');
	v_status	text := coalesce(p_input->>'status', 'confirmed');
	v_e	jsonb;
	v_sid	bigint;
	v_after	jsonb;
BEGIN
	v_e := kaigi_session_check_hinted(c, v_room, v_st, v_en, v_who, v_codes);
	IF jsonb_array_length(v_e) > 0 THEN
		PERFORM kaigi_session_raise('KG422', 'the request has invalid fields',
		    jsonb_build_object('errors', v_e));
	END IF;
	PERFORM kaigi_session_taken(c, p_input->>'ref', NULL);
	PERFORM kaigi_session_lock_and_check(p_actor, c, v_room, v_st, v_en, v_who, v_status, NULL);
	BEGIN
		INSERT INTO sessions (conference_id, kind, title, description,
		    room_id, starts_at, ends_at, status, visibility, ref,
		    expected_attendance)
		VALUES (c, p_input->>'kind', p_input->>'title',
		    coalesce(p_input->>'description', ''), v_room, v_st, v_en, v_status,
		    p_input->>'visibility', p_input->>'ref',
		    (p_input->>'expected_attendance')::int)
		RETURNING id INTO v_sid;
		PERFORM kaigi_session_set_members(v_sid, c, v_who, v_codes);
	EXCEPTION WHEN exclusion_violation THEN
		PERFORM kaigi_session_raise_overlap(p_actor, c, v_room, v_st, v_en, v_who, NULL);
	WHEN unique_violation THEN
		PERFORM kaigi_session_taken(c, p_input->>'ref', NULL);
		PERFORM kaigi_setup_unique_failed('sessions_conference_ref_key');
	END;
	v_after := kaigi_session_json(v_sid);
	PERFORM kaigi_session_audit(p_actor, c, 'create', v_sid, NULL, v_after);
	RETURN v_after || jsonb_build_object('warnings', kaigi_session_warnings(v_sid));
END $$;

-- The attendees and delegation codes a PATCH leaves session p_id with.
CREATE FUNCTION kaigi_session_members_after(p_id bigint, p_input jsonb,
    OUT who bigint[], OUT codes text[])
LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN p_input ? 'attendees' THEN kaigi_session_ids(p_input->'attendees')
	    ELSE (SELECT coalesce(array_agg(participant_id ORDER BY participant_id), '{}')
		FROM session_attendees WHERE session_id = p_id) END,
	    CASE WHEN p_input ? 'delegations' THEN kaigi_session_codes(p_input->'delegations')
	    ELSE (SELECT coalesce(array_agg(d.code), '{}') FROM session_delegations sd
		JOIN delegations d ON d.id = sd.delegation_id WHERE sd.session_id = p_id) END
$$;

-- PATCH /sessions/{id} (020's, plus ref and expected_attendance, null
-- clearing either); the answer carries "warnings".
CREATE OR REPLACE FUNCTION kaigi_session_update(p_actor jsonb, p_id bigint,
    p_if_match int, p_input jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	s	sessions := kaigi_session_for_write(p_actor, p_id, p_if_match);
	v_room	bigint := CASE WHEN p_input ? 'room_id'
		    THEN (p_input->>'room_id')::bigint ELSE s.room_id END;
	v_st	timestamptz := coalesce((p_input->>'start')::timestamptz, s.starts_at);
	v_en	timestamptz := coalesce((p_input->>'end')::timestamptz, s.ends_at);
	v_status	text := coalesce(p_input->>'status', s.status);
	v_ref	text := CASE WHEN p_input ? 'ref' THEN p_input->>'ref' ELSE s.ref END;
	m	record := kaigi_session_members_after(p_id, p_input);
	v_e	jsonb;
	v_before	jsonb := kaigi_session_json(p_id);
	v_after	jsonb;
BEGIN
	v_e := kaigi_session_check_hinted(s.conference_id, v_room, v_st, v_en, m.who, m.codes);
	IF jsonb_array_length(v_e) > 0 THEN
		PERFORM kaigi_session_raise('KG422', 'the request has invalid fields',
		    jsonb_build_object('errors', v_e));
	END IF;
	PERFORM kaigi_session_taken(s.conference_id, v_ref, p_id);
	PERFORM kaigi_session_lock_and_check(p_actor, s.conference_id, v_room, v_st, v_en,
	    m.who, v_status, p_id);
	BEGIN
		-- Drop leaving attendees first so that they cannot clash.
		DELETE FROM session_attendees WHERE session_id = p_id
		    AND participant_id <> ALL (m.who);
		UPDATE sessions SET kind = coalesce(p_input->>'kind', kind),
		    title = coalesce(p_input->>'title', title),
		    description = coalesce(p_input->>'description', description),
		    room_id = v_room, starts_at = v_st, ends_at = v_en, status = v_status,
		    visibility = coalesce(p_input->>'visibility', visibility),
		    ref = v_ref,
		    expected_attendance = CASE WHEN p_input ? 'expected_attendance'
			THEN (p_input->>'expected_attendance')::int
			ELSE expected_attendance END
		WHERE id = p_id;
		PERFORM kaigi_session_set_members(p_id, s.conference_id, m.who, m.codes);
	EXCEPTION WHEN exclusion_violation THEN
		PERFORM kaigi_session_raise_overlap(p_actor, s.conference_id, v_room,
		    v_st, v_en, m.who, p_id);
	WHEN unique_violation THEN
		PERFORM kaigi_session_taken(s.conference_id, v_ref, p_id);
		PERFORM kaigi_setup_unique_failed('sessions_conference_ref_key');
	END;
	v_after := kaigi_session_json(p_id);
	PERFORM kaigi_session_audit(p_actor, s.conference_id, 'update', p_id,
	    v_before, v_after);
	RETURN v_after || jsonb_build_object('warnings', kaigi_session_warnings(p_id));
END $$;

-- GET /conferences/{slug}/conflicts: 020's "items" (rules broken) and
-- "warnings" (stored, not blocking: over_capacity), each by session.
CREATE OR REPLACE FUNCTION kaigi_conference_conflicts(p_actor jsonb, p_slug text)
RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	c	conferences;
BEGIN
	SELECT * INTO c FROM conferences WHERE slug = p_slug;
	IF NOT FOUND THEN
		PERFORM kaigi_session_raise('KG404', 'no such conference');
	END IF;
	IF NOT kaigi_session_may_write(c.id, p_actor) THEN
		PERFORM kaigi_session_raise('KG403',
		    'only the secretariat of this conference may check it');
	END IF;
	RETURN jsonb_build_object('items', coalesce((SELECT jsonb_agg(
	    jsonb_strip_nulls(jsonb_build_object('rule', k.rule,
		'session_id', k.session_id, 'other_session_id', k.other_session_id,
		'room_id', k.room_id, 'participant_id', k.participant_id,
		'unavailability_id', k.unavailability_id, 'detail', k.detail))
	    ORDER BY k.session_id, k.rule, k.other_session_id, k.participant_id)
	    FROM kaigi_conference_conflicts_of(c.id) k), '[]'::jsonb),
	    'warnings', coalesce((SELECT jsonb_agg(w || jsonb_build_object(
		'rule', w->>'type', 'severity', 'warning', 'session_id', s.id,
		'title', s.title) ORDER BY s.starts_at, s.id)
	    FROM sessions s CROSS JOIN LATERAL
		jsonb_array_elements(kaigi_session_warnings(s.id)) w
	    WHERE s.conference_id = c.id AND s.status <> 'cancelled'
		AND s.expected_attendance IS NOT NULL), '[]'::jsonb));
END $$;

-- Import: a session row's members that differ from session s (080's,
-- plus expected_attendance).
CREATE OR REPLACE FUNCTION kaigi_import_session_change(s sessions, body jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_object_agg(k, body->k), '{}') FROM jsonb_object_keys(body) k
	WHERE CASE k
	    WHEN 'kind' THEN body->>k IS DISTINCT FROM s.kind
	    WHEN 'title' THEN body->>k IS DISTINCT FROM s.title
	    WHEN 'description' THEN body->>k IS DISTINCT FROM s.description
	    WHEN 'room_id' THEN (body->>k)::bigint IS DISTINCT FROM s.room_id
	    WHEN 'start' THEN (body->>k)::timestamptz IS DISTINCT FROM s.starts_at
	    WHEN 'end' THEN (body->>k)::timestamptz IS DISTINCT FROM s.ends_at
	    WHEN 'status' THEN body->>k IS DISTINCT FROM s.status
	    WHEN 'visibility' THEN body->>k IS DISTINCT FROM s.visibility
	    WHEN 'expected_attendance' THEN (body->>k)::int IS DISTINCT FROM
		s.expected_attendance
	    WHEN 'attendees' THEN kaigi_session_ids(body->k) IS DISTINCT FROM
		(SELECT coalesce(array_agg(a.participant_id ORDER BY a.participant_id), '{}')
		FROM session_attendees a WHERE a.session_id = s.id)
	    WHEN 'delegations' THEN kaigi_session_codes(body->k) IS DISTINCT FROM
		(SELECT coalesce(array_agg(d.code ORDER BY d.code), '{}')
		FROM session_delegations sd JOIN delegations d ON d.id = sd.delegation_id
		WHERE sd.session_id = s.id)
	    ELSE false END
$$;

-- Export: the sessions the actor may see, by start (080's, plus
-- expected_attendance).
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
	    'delegations', (SELECT string_agg(d.code, ';' ORDER BY d.code)
		FROM session_delegations sd JOIN delegations d ON d.id = sd.delegation_id
		WHERE sd.session_id = s.id),
	    'expected_attendance', s.expected_attendance)
	    ORDER BY s.starts_at, s.id), '[]')
	FROM sessions s LEFT JOIN rooms r ON r.id = s.room_id
	LEFT JOIN venues v ON v.id = r.venue_id
	WHERE s.conference_id = c.id AND kaigi_session_visible(s.id, p_actor)
$$;

-- ---------------------------------------------------------------------------
-- Changing a conference's time zone
-- ---------------------------------------------------------------------------

-- The instant that shows, in zone p_new, the wall-clock time t shows in
-- p_old; problem says why there is none (skipped or repeated in p_new).
CREATE FUNCTION kaigi_wall_clock_in(t timestamptz, p_old text, p_new text,
    OUT at timestamptz, OUT problem text)
LANGUAGE sql STABLE AS $$
	SELECT x.at, x.problem FROM kaigi_import_instant(
	    to_char(t AT TIME ZONE p_old, 'YYYY-MM-DD"T"HH24:MI:SS'), p_new) x
$$;

-- Every wall-clock time of conference c that zone p_new skips or repeats:
-- [{entity, id, field, message}], sessions first.
CREATE FUNCTION kaigi_conference_wall_problems(c conferences, p_new text)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(jsonb_build_object('entity', x.entity,
	    'id', x.id, 'field', x.field, 'session_id', x.sid,
	    'message', format('%s %s%s: %s', x.entity, x.id, x.label, w.problem))
	    ORDER BY x.entity DESC, x.id, x.field), '[]')
	FROM (SELECT 'session' AS entity, s.id, s.id AS sid,
		' (' || s.title || ')' AS label, v.field, v.t
	    FROM sessions s, LATERAL (VALUES ('start', s.starts_at),
		('end', s.ends_at)) v(field, t) WHERE s.conference_id = c.id
	    UNION ALL
	    SELECT 'bilateral request', b.id, NULL, '', v.field, v.t
	    FROM bilateral_requests b, LATERAL (VALUES ('earliest', b.earliest),
		('latest', b.latest)) v(field, t)
	    WHERE b.conference_id = c.id AND v.t IS NOT NULL
	    UNION ALL
	    SELECT 'unavailability', u.id, NULL, '', v.field, v.t
	    FROM unavailability u JOIN participants p ON p.id = u.participant_id,
		LATERAL (VALUES ('start', lower(u.during)), ('end', upper(u.during))) v(field, t)
	    WHERE p.conference_id = c.id) x,
	LATERAL kaigi_wall_clock_in(x.t, c.timezone, p_new) w
	WHERE w.problem IS NOT NULL
$$;

-- Move conference c's sessions, bilateral windows and unavailability so
-- that their wall-clock times in p_new are those they had in c's zone
-- (each change audited; a session that moves gets a new sequence by its
-- trigger). KG409 naming every time p_new skips or repeats, or when the
-- moved rows would clash; nothing is changed then.
CREATE FUNCTION kaigi_conference_keep_wall_clock(p_actor jsonb, c conferences,
    p_new text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	bad	jsonb := kaigi_conference_wall_problems(c, p_new);
BEGIN
	IF jsonb_array_length(bad) > 0 THEN
		RAISE EXCEPTION USING ERRCODE = 'KG409',
		    MESSAGE = format('keep_wall_clock: %s wall-clock time(s) do not exist '
			'or are ambiguous in %s, e.g. %s; move them first or use '
			'shift=keep_instants', jsonb_array_length(bad), p_new,
			bad->0->>'message'),
		    DETAIL = jsonb_build_object('choices', jsonb_build_array(
			'keep_wall_clock', 'keep_instants'),
			'sessions', coalesce((SELECT jsonb_agg(DISTINCT e->'session_id')
			    FROM jsonb_array_elements(bad) e WHERE e->>'session_id' IS NOT NULL),
			    '[]'),
			'errors', (SELECT jsonb_agg(jsonb_build_object('field', 'timezone',
			    'message', e->>'message')) FROM jsonb_array_elements(bad) e))::text;
	END IF;
	SET CONSTRAINTS sessions_room_no_overlap, busy_no_overlap DEFERRED;
	PERFORM kaigi_conference_shift_rows(p_actor, c, p_new);
	BEGIN
		SET CONSTRAINTS sessions_room_no_overlap, busy_no_overlap IMMEDIATE;
	EXCEPTION WHEN exclusion_violation THEN
		RAISE EXCEPTION USING ERRCODE = 'KG409',
		    MESSAGE = format('keeping the wall-clock times in %s would double-book '
			'a room or a person (the clocks change on other days there); '
			'use shift=keep_instants or move sessions first', p_new),
		    DETAIL = jsonb_build_object('choices', jsonb_build_array(
			'keep_wall_clock', 'keep_instants'))::text;
	END;
END $$;

-- The writes of kaigi_conference_keep_wall_clock (checked there), audited.
CREATE FUNCTION kaigi_conference_shift_rows(p_actor jsonb, c conferences,
    p_new text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	WITH old AS (SELECT s.id, s.starts_at, s.ends_at FROM sessions s
	    WHERE s.conference_id = c.id),
	moved AS (UPDATE sessions s
	    SET starts_at = (kaigi_wall_clock_in(old.starts_at, c.timezone, p_new)).at,
		ends_at = (kaigi_wall_clock_in(old.ends_at, c.timezone, p_new)).at
	    FROM old WHERE s.id = old.id
		AND ((kaigi_wall_clock_in(old.starts_at, c.timezone, p_new)).at,
		    (kaigi_wall_clock_in(old.ends_at, c.timezone, p_new)).at)
		    IS DISTINCT FROM (old.starts_at, old.ends_at)
	    RETURNING s.id, old.starts_at AS os, old.ends_at AS oe, s.starts_at, s.ends_at)
	INSERT INTO audit_log (conference_id, token_id, role, action, entity,
	    entity_id, before, after)
	SELECT c.id, (p_actor->>'token_id')::bigint, p_actor->>'role', 'update',
	    'session', m.id, jsonb_build_object('start', m.os, 'end', m.oe),
	    jsonb_build_object('start', m.starts_at, 'end', m.ends_at,
		'shift', 'keep_wall_clock', 'timezone', p_new)
	FROM moved m;
	WITH old AS (SELECT b.id, b.earliest, b.latest FROM bilateral_requests b
	    WHERE b.conference_id = c.id AND (b.earliest IS NOT NULL OR b.latest IS NOT NULL)),
	moved AS (UPDATE bilateral_requests b
	    SET earliest = (kaigi_wall_clock_in(old.earliest, c.timezone, p_new)).at,
		latest = (kaigi_wall_clock_in(old.latest, c.timezone, p_new)).at
	    FROM old WHERE b.id = old.id
	    RETURNING b.id, old.earliest AS oe, old.latest AS ol, b.earliest, b.latest)
	INSERT INTO audit_log (conference_id, token_id, role, action, entity,
	    entity_id, before, after)
	SELECT c.id, (p_actor->>'token_id')::bigint, p_actor->>'role', 'update',
	    'bilateral_request', m.id, jsonb_build_object('earliest', m.oe, 'latest', m.ol),
	    jsonb_build_object('earliest', m.earliest, 'latest', m.latest,
		'shift', 'keep_wall_clock', 'timezone', p_new)
	FROM moved m WHERE (m.oe, m.ol) IS DISTINCT FROM (m.earliest, m.latest);
	WITH old AS (SELECT u.id, u.during FROM unavailability u
	    JOIN participants p ON p.id = u.participant_id WHERE p.conference_id = c.id),
	moved AS (UPDATE unavailability u
	    SET during = tstzrange((kaigi_wall_clock_in(lower(old.during), c.timezone, p_new)).at,
		(kaigi_wall_clock_in(upper(old.during), c.timezone, p_new)).at, '[)')
	    FROM old WHERE u.id = old.id
	    RETURNING u.id, old.during AS od, u.during)
	INSERT INTO audit_log (conference_id, token_id, role, action, entity,
	    entity_id, before, after)
	SELECT c.id, (p_actor->>'token_id')::bigint, p_actor->>'role', 'update',
	    'unavailability', m.id, jsonb_build_object('during', m.od),
	    jsonb_build_object('during', m.during, 'shift', 'keep_wall_clock',
		'timezone', p_new)
	FROM moved m WHERE m.od IS DISTINCT FROM m.during;
END $$;

-- PATCH /conferences/{slug}?shift=: 010's kaigi_conference_patch, but a new
-- timezone while the conference has sessions needs p_shift
-- (keep_wall_clock or keep_instants; kaigid has refused any other value):
-- KG409 naming both without it. All in this one statement.
CREATE FUNCTION kaigi_conference_patch_shift(p_actor jsonb, p_slug text,
    p_in jsonb, p_if_match text, p_shift text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	c	conferences := kaigi_core_conference(p_slug, true);
	n	bigint;
BEGIN
	PERFORM kaigi_core_need_secretariat(p_actor, c.id);
	PERFORM kaigi_core_check_version(p_if_match, c.version);
	IF p_in->>'timezone' IS NULL OR p_in->>'timezone' = c.timezone
	    OR NOT kaigi_valid_timezone(p_in->>'timezone') THEN
		RETURN kaigi_conference_patch(p_actor, p_slug, p_in, p_if_match);
	END IF;
	SELECT count(*) INTO n FROM sessions WHERE conference_id = c.id;
	IF n > 0 AND p_shift IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'KG409',
		    MESSAGE = format('the conference has %s session(s): say what happens '
			'to them with ?shift=keep_wall_clock (same local times in %s, '
			'new instants) or ?shift=keep_instants (same instants, new local '
			'times)', n, p_in->>'timezone'),
		    DETAIL = jsonb_build_object('choices', jsonb_build_array(
			'keep_wall_clock', 'keep_instants'), 'sessions', n,
			'errors', jsonb_build_array(jsonb_build_object('field', 'timezone',
			    'message', 'needs ?shift=keep_wall_clock or ?shift=keep_instants')))::text;
	END IF;
	IF p_shift = 'keep_wall_clock' THEN
		PERFORM kaigi_conference_keep_wall_clock(p_actor, c, p_in->>'timezone');
	END IF;
	RETURN kaigi_conference_patch(p_actor, p_slug, p_in, p_if_match);
END $$;

-- ---------------------------------------------------------------------------
-- Bilateral requests: ref on create
-- ---------------------------------------------------------------------------

-- POST /conferences/{slug}/bilaterals (040's, plus ref: KG409 with the
-- existing id when another request of the conference has it).
CREATE OR REPLACE FUNCTION kaigi_bilateral_create(p_actor jsonb, p_slug text, p_input jsonb)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	c	bigint;
	v_rq	bigint;
	v_cp	bigint;
	v_e	jsonb;
	v_id	bigint;
	v_after	jsonb;
BEGIN
	SELECT id INTO c FROM conferences WHERE slug = p_slug;
	IF NOT FOUND OR (p_actor->>'role' IN ('secretariat', 'liaison')
	    AND (p_actor->>'conference_id')::bigint IS DISTINCT FROM c) THEN
		PERFORM kaigi_session_raise('KG404', 'no such conference');
	END IF;
	v_rq := kaigi_bilateral_delegation(c, p_input->'requester');
	v_cp := kaigi_bilateral_delegation(c, p_input->'counterpart');
	IF NOT kaigi_session_may_write(c, p_actor) AND (p_actor->>'role' <> 'liaison'
	    OR (p_actor->>'delegation_id')::bigint IS DISTINCT FROM v_rq) THEN
		PERFORM kaigi_session_raise('KG403',
		    'a liaison requests bilaterals for its own delegation only');
	END IF;
	v_e := kaigi_delegation_errors_hint(c, kaigi_bilateral_check(c, p_input, v_rq, v_cp));
	IF jsonb_array_length(v_e) > 0 THEN
		PERFORM kaigi_session_raise('KG422', 'the request has invalid fields',
		    jsonb_build_object('errors', v_e));
	END IF;
	PERFORM kaigi_setup_taken('bilateral request', 'ref', p_input->>'ref',
	    (SELECT x.id FROM bilateral_requests x WHERE x.conference_id = c
	    AND x.ref = p_input->>'ref'));
	INSERT INTO bilateral_requests (conference_id, requester_delegation_id,
	    counterpart_delegation_id, duration_minutes, earliest, latest,
	    priority, level, topics, ref)
	VALUES (c, v_rq, v_cp, (p_input->>'duration_minutes')::int,
	    (p_input->>'earliest')::timestamptz, (p_input->>'latest')::timestamptz,
	    coalesce((p_input->>'priority')::int, 3), coalesce(p_input->>'level', 'head'),
	    coalesce(p_input->>'topics', ''), p_input->>'ref')
	RETURNING id INTO v_id;
	v_after := kaigi_setup_bilateral_json(v_id);
	PERFORM kaigi_bilateral_audit(p_actor, c, 'create', v_id, NULL, v_after);
	RETURN v_after;
END $$;

-- ---------------------------------------------------------------------------
-- The travel-time matrix's version (If-Match on PATCH and DELETE)
-- ---------------------------------------------------------------------------

CREATE TABLE travel_matrix_versions (
	conference_id	bigint PRIMARY KEY REFERENCES conferences ON DELETE CASCADE,
	version		int NOT NULL DEFAULT 1
);

-- travel_times AFTER INSERT/UPDATE/DELETE: the matrix's version goes up.
CREATE FUNCTION kaigi_travel_matrix_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	cid	bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.conference_id
		    ELSE NEW.conference_id END;
BEGIN
	INSERT INTO travel_matrix_versions AS m (conference_id, version)
	VALUES (cid, 2)
	ON CONFLICT (conference_id) DO UPDATE SET version = m.version + 1;
	RETURN NULL;
END $$;
CREATE TRIGGER travel_times_matrix_version AFTER INSERT OR UPDATE OR DELETE
    ON travel_times FOR EACH ROW EXECUTE FUNCTION kaigi_travel_matrix_bump();

-- The version of conference p_cid's matrix (1 before any change).
CREATE FUNCTION kaigi_travel_matrix_version(p_cid bigint)
RETURNS int LANGUAGE sql STABLE AS $$
	SELECT coalesce((SELECT version FROM travel_matrix_versions
	    WHERE conference_id = p_cid), 1)
$$;

-- The travel-time matrix of a conference as a list (010's, plus version).
CREATE OR REPLACE FUNCTION kaigi_travel_times_json(p_cid bigint)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object('items', coalesce(json_agg(json_build_object(
	    'from_venue_id', t.from_venue_id, 'to_venue_id', t.to_venue_id,
	    'minutes', t.minutes) ORDER BY t.from_venue_id, t.to_venue_id),
	    '[]'::json), 'next', NULL,
	    'version', kaigi_travel_matrix_version(p_cid))
	FROM travel_times t WHERE t.conference_id = p_cid
$$;

-- PATCH /conferences/{slug}/travel-times with If-Match (KG412 when the
-- matrix's version is not p_if_match), then 070's.
CREATE FUNCTION kaigi_travel_times_patch(p_actor jsonb, p_slug text, p_in jsonb,
    p_if_match text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	c	conferences := kaigi_core_conference(p_slug, true);
BEGIN
	PERFORM kaigi_core_need_secretariat(p_actor, c.id);
	PERFORM kaigi_core_check_version(p_if_match, kaigi_travel_matrix_version(c.id));
	RETURN kaigi_travel_times_patch(p_actor, p_slug, p_in);
END $$;

-- DELETE /conferences/{slug}/travel-times/{from}/{to} with If-Match.
CREATE FUNCTION kaigi_travel_time_delete(p_actor jsonb, p_slug text,
    p_from text, p_to text, p_if_match text)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
	c	conferences := kaigi_core_conference(p_slug, true);
BEGIN
	PERFORM kaigi_core_need_secretariat(p_actor, c.id);
	IF NOT EXISTS (SELECT 1 FROM travel_times WHERE conference_id = c.id
	    AND (from_venue_id, to_venue_id) IN ((p_from::bigint, p_to::bigint),
		(p_to::bigint, p_from::bigint))) THEN
		RAISE EXCEPTION USING ERRCODE = 'KG404', MESSAGE = 'no such travel time';
	END IF;
	PERFORM kaigi_core_check_version(p_if_match, kaigi_travel_matrix_version(c.id));
	RETURN kaigi_travel_time_delete(p_actor, p_slug, p_from, p_to);
END $$;

-- ---------------------------------------------------------------------------
-- Unknown delegation codes name the valid ones (the first 20, then "…")
-- ---------------------------------------------------------------------------

-- "; the codes are A, B, … (N in all)" for conference p_cid, or " (it has
-- none yet)".
CREATE FUNCTION kaigi_delegation_codes_hint(p_cid bigint)
RETURNS text LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN count(*) = 0 THEN ' (it has none yet)'
	    ELSE '; the codes are ' || array_to_string((array_agg(code ORDER BY code))[1:20], ', ')
		|| CASE WHEN count(*) > 20 THEN format(', … (%s in all)', count(*)) ELSE '' END
	    END
	FROM delegations WHERE conference_id = p_cid
$$;

-- errors (a KG422 list) with every "no such delegation" message given
-- conference p_cid's codes.
CREATE FUNCTION kaigi_delegation_errors_hint(p_cid bigint, p_errors jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(CASE WHEN e->>'message' LIKE 'no such delegation%'
	    THEN e || jsonb_build_object('message', (e->>'message')
		|| kaigi_delegation_codes_hint(p_cid))
	    ELSE e END ORDER BY n), '[]')
	FROM jsonb_array_elements(p_errors) WITH ORDINALITY x(e, n)
$$;

-- KG422 for an unknown delegation (070's, the list capped).
CREATE OR REPLACE FUNCTION kaigi_setup_no_delegation(p_cid bigint, p_field text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	PERFORM kaigi_core_invalid(p_field, 'no such delegation in this conference'
	    || kaigi_delegation_codes_hint(p_cid));
END $$;

-- Field errors of a planned session (020's), unknown codes hinted.
CREATE FUNCTION kaigi_session_check_hinted(p_conference_id bigint, p_room_id bigint,
    p_starts timestamptz, p_ends timestamptz, p_attendees bigint[],
    p_codes text[]) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT kaigi_delegation_errors_hint(p_conference_id, kaigi_session_check(
	    p_conference_id, p_room_id, p_starts, p_ends, p_attendees, p_codes))
$$;

-- POST /conferences/{slug}/feed-tokens (030's), an unknown delegation hinted.
CREATE OR REPLACE FUNCTION kaigi_feed_token_create(p_actor jsonb, p_slug text,
    p_delegation text, p_participant_id bigint, p_label text, p_token_hash text)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	c	conferences;
	d_id	bigint;
	p_deleg	bigint;
	t	feed_tokens;
BEGIN
	SELECT * INTO c FROM conferences WHERE slug = p_slug;
	IF NOT FOUND THEN
		PERFORM kaigi_session_raise('KG404', 'no such conference');
	END IF;
	IF p_delegation IS NOT NULL THEN
		SELECT id INTO d_id FROM delegations WHERE conference_id = c.id
		    AND (code = p_delegation OR (p_delegation ~ '^[0-9]{1,18}$'
			AND id = p_delegation::bigint));
		IF d_id IS NULL THEN
			PERFORM kaigi_session_raise('KG422', 'no such delegation',
			    jsonb_build_object('errors', jsonb_build_array(
				kaigi_session_err('delegation', 'no such delegation in this conference'
				    || kaigi_delegation_codes_hint(c.id)))));
		END IF;
		p_deleg := d_id;
	ELSE
		SELECT delegation_id INTO p_deleg FROM participants
		WHERE conference_id = c.id AND id = p_participant_id;
		IF p_deleg IS NULL THEN
			PERFORM kaigi_session_raise('KG422', 'no such participant',
			    jsonb_build_object('errors', jsonb_build_array(
				kaigi_session_err('participant_id', 'no such participant in this conference'))));
		END IF;
	END IF;
	IF NOT (kaigi_session_may_write(c.id, p_actor)
	    OR (p_actor->>'role' = 'liaison'
		AND (p_actor->>'conference_id')::bigint = c.id
		AND (p_actor->>'delegation_id')::bigint = p_deleg)) THEN
		PERFORM kaigi_session_raise('KG403',
		    'only the secretariat or the delegation''s liaison may issue this feed');
	END IF;
	INSERT INTO feed_tokens (conference_id, delegation_id, participant_id,
	    token_hash, label, created_by_token_id)
	VALUES (c.id, d_id, CASE WHEN d_id IS NULL THEN p_participant_id END,
	    p_token_hash, coalesce(p_label, ''), (p_actor->>'token_id')::bigint)
	RETURNING * INTO t;
	INSERT INTO audit_log (conference_id, token_id, role, action, entity,
	    entity_id, after)
	VALUES (c.id, (p_actor->>'token_id')::bigint, p_actor->>'role', 'create',
	    'feed_token', t.id, jsonb_build_object('delegation_id', t.delegation_id,
		'participant_id', t.participant_id, 'label', t.label));
	RETURN jsonb_build_object('id', t.id, 'conference', c.slug,
	    'delegation', (SELECT code FROM delegations WHERE id = t.delegation_id),
	    'participant_id', t.participant_id, 'label', t.label,
	    'created_at', kaigi_ts(t.created_at, c.timezone));
END $$;
