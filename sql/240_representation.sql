-- 240_representation.sql — representation and remote attendance (issue 17,
-- item 3).
--
-- session_attendees.mode: in_person (default), remote or represented;
-- represented_by: who stands in (a participant of the same delegation,
-- only with represented); link: a remote attendance's https URL (only with
-- remote). The person busy for an attendance is the representative when
-- represented, else the attendee (session_busy_people): a represented head
-- is free for that session, the representative is booked in the busy table
-- and its exclusion constraint (23P01, the API's 409 conflicts).
--
-- The session API takes "attendance" (decoded by kaigid from attendee
-- objects) beside "attendees"; a plain id keeps that attendee's mode.
-- Replaces: 001's kaigi_attendees_after, kaigi_busy_add_session; 150's
-- kaigi_session_json, kaigi_session_create, kaigi_session_update (their
-- bodies, which 180's wrappers of the same names call: *_without_capacity;
-- delegations in 190's protocol order here too); 040's
-- kaigi_bilateral_problem_people; 020's kaigi_conference_conflicts_of;
-- 120's kaigi_move_sessions,
-- kaigi_move_target; 086's kaigi_programme_item; 070's
-- kaigi_participant_delete (a representative is referred to).
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

ALTER TABLE session_attendees
    ADD COLUMN mode text NOT NULL DEFAULT 'in_person'
	CONSTRAINT session_attendees_mode_check
	CHECK (mode IN ('in_person', 'remote', 'represented')),
    ADD COLUMN represented_by bigint REFERENCES participants,
    ADD COLUMN link text,
    ADD CONSTRAINT session_attendees_represented_check
	CHECK ((mode = 'represented') = (represented_by IS NOT NULL)
	    AND represented_by IS DISTINCT FROM participant_id),
    ADD CONSTRAINT session_attendees_link_check
	CHECK (link IS NULL OR (mode = 'remote' AND length(link) <= 2000
	    AND link ~ '^https://[^[:space:][:cntrl:]]+$'));

-- The person an attendance makes busy.
CREATE FUNCTION kaigi_attendance_person(p_mode text, p_pid bigint, p_rep bigint)
RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN p_mode = 'represented' THEN p_rep ELSE p_pid END
$$;

CREATE INDEX session_attendees_person_idx ON session_attendees
    (kaigi_attendance_person(mode, participant_id, represented_by));
CREATE INDEX session_attendees_represented_by_idx ON session_attendees
    (represented_by) WHERE represented_by IS NOT NULL;

-- Who is busy for which session: the attendee, or its representative.
CREATE VIEW session_busy_people AS
	SELECT DISTINCT a.session_id,
	    kaigi_attendance_person(a.mode, a.participant_id, a.represented_by)
		AS participant_id
	FROM session_attendees a;

-- Add the busy rows of the people of a (non-cancelled) session (001's, by
-- session_busy_people).
CREATE OR REPLACE FUNCTION kaigi_busy_add_session(p_session_id bigint) RETURNS void
LANGUAGE sql AS $$
	INSERT INTO busy (conference_id, participant_id, session_id, during)
	SELECT s.conference_id, b.participant_id, s.id,
	    kaigi_busy_range(s.conference_id, s.starts_at, s.ends_at)
	FROM sessions s JOIN session_busy_people b ON b.session_id = s.id
	WHERE s.id = p_session_id AND s.status <> 'cancelled'
	ON CONFLICT ON CONSTRAINT busy_session_participant_key DO NOTHING
$$;

-- 23503/23514 unless the attendance's attendee (and representative, of the
-- same delegation) belong to the session's conference.
CREATE FUNCTION kaigi_attendance_guard(a session_attendees) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM sessions s JOIN participants p
	    ON p.conference_id = s.conference_id
	    WHERE s.id = a.session_id AND p.id = a.participant_id) THEN
		RAISE EXCEPTION 'participant % is not of the conference of session %',
		    a.participant_id, a.session_id
		    USING ERRCODE = 'foreign_key_violation',
		    CONSTRAINT = 'session_attendees_conference_fkey';
	END IF;
	IF a.represented_by IS NOT NULL AND NOT EXISTS (SELECT 1
	    FROM participants p JOIN participants r
	    ON r.delegation_id = p.delegation_id
	    WHERE p.id = a.participant_id AND r.id = a.represented_by) THEN
		RAISE EXCEPTION 'participant % is not of the delegation of participant %',
		    a.represented_by, a.participant_id
		    USING ERRCODE = 'check_violation',
		    CONSTRAINT = 'session_attendees_represented_by_check';
	END IF;
END $$;

-- session_attendees AFTER INSERT/UPDATE/DELETE (001's, by the busy person):
-- same conference and delegation, busy rows (one per person and session,
-- kept while any attendance of the session needs it), touch the session.
CREATE OR REPLACE FUNCTION kaigi_attendees_after() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	v_who	bigint;
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		v_who := kaigi_attendance_person(OLD.mode, OLD.participant_id,
		    OLD.represented_by);
		DELETE FROM busy b WHERE b.session_id = OLD.session_id
		    AND b.participant_id = v_who
		    AND NOT EXISTS (SELECT 1 FROM session_busy_people x
			WHERE x.session_id = OLD.session_id AND x.participant_id = v_who);
		PERFORM kaigi_session_touch(OLD.session_id);
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
		PERFORM kaigi_attendance_guard(NEW);
		INSERT INTO busy (conference_id, participant_id, session_id, during)
		SELECT s.conference_id, kaigi_attendance_person(NEW.mode,
		    NEW.participant_id, NEW.represented_by), s.id,
		    kaigi_busy_range(s.conference_id, s.starts_at, s.ends_at)
		FROM sessions s
		WHERE s.id = NEW.session_id AND s.status <> 'cancelled'
		ON CONFLICT ON CONSTRAINT busy_session_participant_key DO NOTHING;
		PERFORM kaigi_session_touch(NEW.session_id);
	END IF;
	RETURN NULL;
END $$;

-- ---------------------------------------------------------------------------
-- The session API
-- ---------------------------------------------------------------------------

-- The attendance a write leaves session p_sid with (NULL: a new one), as
-- [{participant_id, mode, represented_by, link}] by participant: the ids
-- of input->'attendees', each with its object of input->'attendance' if
-- given, else the mode it has (in_person for a new attendee); without
-- "attendees", the session's own.
CREATE FUNCTION kaigi_attendance_after(p_sid bigint, p_input jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(jsonb_build_object('participant_id', x.pid,
	    'mode', x.mode, 'represented_by', x.rep, 'link', x.link)
	    ORDER BY x.pid), '[]')
	FROM ((SELECT DISTINCT ON (g.pid) g.pid,
		CASE WHEN o.o IS NULL THEN coalesce(a.mode, 'in_person')
		    ELSE coalesce(o.o->>'mode', 'in_person') END AS mode,
		CASE WHEN o.o IS NULL THEN a.represented_by
		    ELSE (o.o->>'represented_by')::bigint END AS rep,
		CASE WHEN o.o IS NULL THEN a.link ELSE o.o->>'link' END AS link
	    FROM (SELECT DISTINCT x::bigint AS pid
		FROM jsonb_array_elements_text(p_input->'attendees') x) g
	    LEFT JOIN LATERAL (SELECT e AS o
		FROM jsonb_array_elements(coalesce(p_input->'attendance', '[]')) e
		WHERE (e->>'participant_id')::bigint = g.pid LIMIT 1) o ON true
	    LEFT JOIN session_attendees a ON a.session_id = p_sid
		AND a.participant_id = g.pid
	    WHERE p_input ? 'attendees'
	    ORDER BY g.pid)
	    UNION ALL
	    SELECT a.participant_id, a.mode, a.represented_by, a.link
	    FROM session_attendees a
	    WHERE a.session_id = p_sid AND NOT p_input ? 'attendees') x
$$;

-- The people an attendance list p_att makes busy (sorted, unique).
CREATE FUNCTION kaigi_attendance_people(p_att jsonb) RETURNS bigint[]
LANGUAGE sql IMMUTABLE AS $$
	SELECT coalesce(array_agg(DISTINCT x.who ORDER BY x.who), '{}')
	FROM (SELECT kaigi_attendance_person(e->>'mode',
	    (e->>'participant_id')::bigint, (e->>'represented_by')::bigint) AS who
	    FROM jsonb_array_elements(p_att) e) x
$$;

-- Field errors of attendance p_att in conference p_cid: a representative
-- who is no other participant of the attendee's delegation.
CREATE FUNCTION kaigi_attendance_check(p_cid bigint, p_att jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(kaigi_session_err('represented_by', format(
	    'attendee %s (%s) may only be represented by another participant of '
	    'delegation %s; %s is not one', p.id, p.name, d.code,
	    e->>'represented_by')) ORDER BY p.id), '[]')
	FROM jsonb_array_elements(p_att) e
	JOIN participants p ON p.id = (e->>'participant_id')::bigint
	    AND p.conference_id = p_cid
	JOIN delegations d ON d.id = p.delegation_id
	WHERE e->>'mode' = 'represented' AND NOT EXISTS (SELECT 1
	    FROM participants r WHERE r.id = (e->>'represented_by')::bigint
		AND r.delegation_id = p.delegation_id AND r.id <> p.id)
$$;

-- Make session p_sid's attendance p_att: leaving attendees dropped and
-- changed modes written first; with p_add, new attendees inserted too.
CREATE FUNCTION kaigi_attendance_apply(p_sid bigint, p_att jsonb, p_add boolean)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM session_attendees a WHERE a.session_id = p_sid
	    AND a.participant_id NOT IN (SELECT (e->>'participant_id')::bigint
		FROM jsonb_array_elements(p_att) e);
	UPDATE session_attendees a SET mode = e->>'mode',
	    represented_by = (e->>'represented_by')::bigint, link = e->>'link'
	FROM jsonb_array_elements(p_att) e
	WHERE a.session_id = p_sid
	    AND a.participant_id = (e->>'participant_id')::bigint
	    AND (a.mode, a.represented_by, a.link) IS DISTINCT FROM
		(e->>'mode', (e->>'represented_by')::bigint, e->>'link');
	IF p_add THEN
		INSERT INTO session_attendees (session_id, participant_id, mode,
		    represented_by, link)
		SELECT p_sid, (e->>'participant_id')::bigint, e->>'mode',
		    (e->>'represented_by')::bigint, e->>'link'
		FROM jsonb_array_elements(p_att) e
		ON CONFLICT DO NOTHING;
	END IF;
END $$;

-- An attendee in the session JSON: 150's, plus mode, represented_by
-- {id, name} and link (remote).
CREATE FUNCTION kaigi_attendance_json(a session_attendees) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('id', p.id, 'name', p.name, 'role', p.role,
	    'delegation', d.code, 'mode', a.mode)
	    || CASE WHEN a.represented_by IS NULL THEN '{}'::jsonb
		ELSE jsonb_build_object('represented_by', a.represented_by,
		    'represented_by_name', (SELECT r.name FROM participants r
			WHERE r.id = a.represented_by)) END
	    || CASE WHEN a.link IS NULL THEN '{}'::jsonb
		ELSE jsonb_build_object('link', a.link) END
	FROM participants p JOIN delegations d ON d.id = p.delegation_id
	WHERE p.id = a.participant_id
$$;

-- 150's session JSON, attendees with their attendance.
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
	    'attendees', coalesce((SELECT jsonb_agg(kaigi_attendance_json(a)
		ORDER BY a.participant_id)
		FROM session_attendees a WHERE a.session_id = s.id), '[]'::jsonb),
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

-- KG422 with errors e (when any).
CREATE FUNCTION kaigi_attendance_raise_422(e jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	IF jsonb_array_length(e) > 0 THEN
		PERFORM kaigi_session_raise('KG422', 'the request has invalid fields',
		    jsonb_build_object('errors', e));
	END IF;
END $$;

-- 150's create, with the attendance: checks and clashes by the people it
-- makes busy.
CREATE OR REPLACE FUNCTION kaigi_session_create_without_capacity(p_actor jsonb, p_slug text, p_input jsonb)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	c	bigint := kaigi_session_conference(p_actor, p_slug);
	v_room	bigint := (p_input->>'room_id')::bigint;
	v_st	timestamptz := (p_input->>'start')::timestamptz;
	v_en	timestamptz := (p_input->>'end')::timestamptz;
	v_who	bigint[] := kaigi_session_ids(p_input->'attendees');
	v_att	jsonb := kaigi_attendance_after(NULL, p_input);
	v_busy	bigint[] := kaigi_attendance_people(v_att);
	v_codes	text[] := kaigi_session_codes(p_input->'delegations');
	v_status	text := coalesce(p_input->>'status', 'confirmed');
	v_sid	bigint;
	v_after	jsonb;
BEGIN
	PERFORM kaigi_lang_check(c, p_input);
	PERFORM kaigi_attendance_raise_422(kaigi_session_check_hinted(c, v_room,
	    v_st, v_en, v_who, v_codes) || kaigi_attendance_check(c, v_att));
	PERFORM kaigi_session_taken(c, p_input->>'ref', NULL);
	PERFORM kaigi_session_lock_and_check(p_actor, c, v_room, v_st, v_en, v_busy,
	    v_status, NULL);
	BEGIN
		INSERT INTO sessions (conference_id, kind, title, description,
		    room_id, starts_at, ends_at, status, visibility, ref,
		    expected_attendance, titles, descriptions)
		VALUES (c, p_input->>'kind', p_input->>'title',
		    coalesce(p_input->>'description', ''), v_room, v_st, v_en, v_status,
		    p_input->>'visibility', p_input->>'ref',
		    (p_input->>'expected_attendance')::int,
		    kaigi_lang_texts(p_input, 'titles', NULL),
		    kaigi_lang_texts(p_input, 'descriptions', NULL))
		RETURNING id INTO v_sid;
		PERFORM kaigi_attendance_apply(v_sid, v_att, true);
		PERFORM kaigi_session_set_members(v_sid, c, v_who, v_codes);
	EXCEPTION WHEN exclusion_violation THEN
		PERFORM kaigi_session_raise_overlap(p_actor, c, v_room, v_st, v_en, v_busy, NULL);
	WHEN unique_violation THEN
		PERFORM kaigi_session_taken(c, p_input->>'ref', NULL);
		PERFORM kaigi_setup_unique_failed('sessions_conference_ref_key');
	END;
	v_after := kaigi_session_json(v_sid);
	PERFORM kaigi_session_audit(p_actor, c, 'create', v_sid, NULL, v_after);
	RETURN v_after || jsonb_build_object('warnings', kaigi_session_warnings(v_sid));
END $$;

-- The sessions UPDATE of a PATCH (150's statement).
CREATE FUNCTION kaigi_session_update_row(p_id bigint, p_input jsonb,
    v_room bigint, v_st timestamptz, v_en timestamptz, v_status text, v_ref text)
RETURNS void LANGUAGE sql AS $$
	UPDATE sessions SET kind = coalesce(p_input->>'kind', kind),
	    title = coalesce(p_input->>'title', title),
	    description = coalesce(p_input->>'description', description),
	    room_id = v_room, starts_at = v_st, ends_at = v_en, status = v_status,
	    visibility = coalesce(p_input->>'visibility', visibility),
	    ref = v_ref,
	    expected_attendance = CASE WHEN p_input ? 'expected_attendance'
		THEN (p_input->>'expected_attendance')::int
		ELSE expected_attendance END,
	    titles = kaigi_lang_texts(p_input, 'titles', titles),
	    descriptions = kaigi_lang_texts(p_input, 'descriptions', descriptions)
	WHERE id = p_id
$$;

-- 150's PATCH, with the attendance: checks and clashes by the people it
-- makes busy; leaving attendees and changed modes written before the move,
-- new attendees after it.
CREATE OR REPLACE FUNCTION kaigi_session_update_without_capacity(p_actor jsonb, p_id bigint,
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
	v_att	jsonb := kaigi_attendance_after(p_id, p_input);
	v_busy	bigint[] := kaigi_attendance_people(v_att);
	v_before	jsonb := kaigi_session_json(p_id);
	v_after	jsonb;
BEGIN
	PERFORM kaigi_lang_check(s.conference_id, p_input);
	PERFORM kaigi_attendance_raise_422(kaigi_session_check_hinted(s.conference_id,
	    v_room, v_st, v_en, m.who, m.codes)
	    || kaigi_attendance_check(s.conference_id, v_att));
	PERFORM kaigi_session_taken(s.conference_id, v_ref, p_id);
	PERFORM kaigi_session_lock_and_check(p_actor, s.conference_id, v_room, v_st, v_en,
	    v_busy, v_status, p_id);
	BEGIN
		PERFORM kaigi_attendance_apply(p_id, v_att, false);
		PERFORM kaigi_session_update_row(p_id, p_input, v_room, v_st, v_en,
		    v_status, v_ref);
		PERFORM kaigi_attendance_apply(p_id, v_att, true);
		PERFORM kaigi_session_set_members(p_id, s.conference_id, m.who, m.codes);
	EXCEPTION WHEN exclusion_violation THEN
		PERFORM kaigi_session_raise_overlap(p_actor, s.conference_id, v_room,
		    v_st, v_en, v_busy, p_id);
	WHEN unique_violation THEN
		PERFORM kaigi_session_taken(s.conference_id, v_ref, p_id);
		PERFORM kaigi_setup_unique_failed('sessions_conference_ref_key');
	END;
	v_after := kaigi_session_json(p_id);
	PERFORM kaigi_session_audit(p_actor, s.conference_id, 'update', p_id,
	    v_before, v_after);
	RETURN v_after || jsonb_build_object('warnings', kaigi_session_warnings(p_id));
END $$;

-- ---------------------------------------------------------------------------
-- The solver's problem: the people actually busy
-- ---------------------------------------------------------------------------

-- 040's people with their busy time, sessions by session_busy_people.
CREATE OR REPLACE FUNCTION kaigi_bilateral_problem_people(p_conference_id bigint,
    o bigint, lo timestamptz, hi timestamptz, p_ids bigint[]) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	WITH v AS (SELECT * FROM kaigi_bilateral_venues(p_conference_id)),
	busy AS (
		SELECT a.participant_id AS pid, s.starts_at AS st, s.ends_at AS en,
		    coalesce(v.i, -1) AS vi
		FROM session_busy_people a JOIN sessions s ON s.id = a.session_id
		LEFT JOIN rooms r ON r.id = s.room_id LEFT JOIN v ON v.id = r.venue_id
		WHERE a.participant_id = ANY (p_ids) AND s.status <> 'cancelled'
		    AND s.during && tstzrange(lo, hi)
		UNION ALL
		SELECT u.participant_id, lower(u.during), upper(u.during), -1
		FROM unavailability u
		WHERE u.participant_id = ANY (p_ids) AND u.during && tstzrange(lo, hi))
	SELECT coalesce(jsonb_agg(jsonb_build_object('id', x.id,
	    'busy', coalesce((SELECT jsonb_agg(jsonb_build_array(
		kaigi_bilateral_minute(o, greatest(b.st, lo)),
		kaigi_bilateral_minute(o, least(b.en, hi), true), b.vi))
		FROM busy b WHERE b.pid = x.id), '[]')) ORDER BY x.n), '[]')
	FROM unnest(p_ids) WITH ORDINALITY AS x (id, n)
$$;

-- 120's sessions of a repair's problem, people by session_busy_people.
CREATE OR REPLACE FUNCTION kaigi_move_sessions(p_conference_id bigint, lo timestamptz,
    hi timestamptz, p_skip bigint[], p_extra jsonb)
RETURNS TABLE (room_id bigint, st timestamptz, en timestamptz, people bigint[])
LANGUAGE sql STABLE AS $$
	SELECT s.room_id, s.starts_at, s.ends_at, ARRAY(SELECT a.participant_id
	    FROM session_busy_people a WHERE a.session_id = s.id)
	FROM sessions s
	WHERE s.conference_id = p_conference_id AND s.status <> 'cancelled'
	    AND s.during && tstzrange(lo, hi) AND s.id <> ALL (p_skip)
	UNION ALL
	SELECT (p_extra->>'room_id')::bigint, (p_extra->>'start')::timestamptz,
	    (p_extra->>'end')::timestamptz, ARRAY(SELECT x::bigint
		FROM jsonb_array_elements_text(p_extra->'people') x)
	WHERE p_extra IS NOT NULL
$$;

-- 120's planned place of a moved session, people by session_busy_people.
CREATE OR REPLACE FUNCTION kaigi_move_target(s sessions, p_input jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('session_id', s.id, 'version', s.version,
	    'room_id', CASE WHEN p_input ? 'room_id' THEN p_input->'room_id'
		ELSE to_jsonb(s.room_id) END,
	    'start', p_input->'start', 'end', p_input->'end',
	    'people', (SELECT coalesce(jsonb_agg(participant_id ORDER BY participant_id), '[]')
		FROM session_busy_people WHERE session_id = s.id))
$$;

-- 020's rules broken in a conference (GET /conflicts), people by
-- session_busy_people: a represented attendee's time is its
-- representative's (the capacity rule still counts every attendee).
CREATE OR REPLACE FUNCTION kaigi_conference_conflicts_of(p_conference_id bigint)
RETURNS TABLE (rule text, session_id bigint, other_session_id bigint,
    room_id bigint, participant_id bigint, unavailability_id bigint, detail text)
LANGUAGE sql STABLE AS $$
	WITH c AS (SELECT * FROM conferences WHERE id = p_conference_id),
	s AS (SELECT x.*, r.venue_id, r.capacity
	    FROM sessions x LEFT JOIN rooms r ON r.id = x.room_id
	    WHERE x.conference_id = p_conference_id AND x.status <> 'cancelled'),
	att AS (SELECT s.*, a.participant_id FROM s
	    JOIN session_busy_people a ON a.session_id = s.id)
	SELECT 'room', a.id, b.id, a.room_id, NULL::bigint, NULL::bigint,
	    'two sessions in one room at once'
	FROM s a JOIN s b ON a.room_id = b.room_id AND a.id < b.id
	    AND a.during && b.during
	UNION ALL
	SELECT CASE WHEN a.during && b.during THEN 'participant' ELSE 'changeover' END,
	    a.id, b.id, NULL, a.participant_id, NULL,
	    CASE WHEN a.during && b.during THEN 'one person in two sessions at once'
	    ELSE format('less than the changeover of %s minutes between two sessions of one person',
		(SELECT changeover_minutes FROM c)) END
	FROM att a JOIN att b ON a.participant_id = b.participant_id
	    AND (a.starts_at, a.id) < (b.starts_at, b.id)
	    AND kaigi_busy_range(p_conference_id, a.starts_at, a.ends_at) && b.during
	UNION ALL
	SELECT 'unavailability', a.id, NULL, NULL, a.participant_id, u.id,
	    'a session during an attendee''s unavailability: ' || u.reason
	FROM att a JOIN unavailability u ON u.participant_id = a.participant_id
	    AND u.during && kaigi_busy_range(p_conference_id, a.starts_at, a.ends_at)
	UNION ALL
	SELECT 'travel', a.id, b.id, NULL, a.participant_id, NULL,
	    format('%s minutes between venues but only %s minutes between the sessions',
		t.minutes, extract(epoch FROM b.starts_at - a.ends_at)::int / 60)
	FROM att a JOIN att b ON a.participant_id = b.participant_id AND a.id <> b.id
	    AND a.ends_at <= b.starts_at AND a.venue_id <> b.venue_id
	JOIN travel_times t ON t.from_venue_id = a.venue_id AND t.to_venue_id = b.venue_id
	WHERE b.starts_at < a.ends_at + make_interval(mins => t.minutes)
	UNION ALL
	SELECT 'capacity', s.id, NULL, s.room_id, NULL, NULL,
	    format('the room holds %s people; %s attend', s.capacity, n.n)
	FROM s JOIN LATERAL (SELECT count(*) AS n FROM session_attendees a
	    WHERE a.session_id = s.id) n ON n.n > s.capacity
	UNION ALL
	SELECT 'dates', s.id, NULL, NULL, NULL, NULL,
	    'outside the conference dates or longer than 24 hours'
	FROM s, c
	WHERE (s.starts_at AT TIME ZONE c.timezone)::date NOT BETWEEN c.start_date AND c.end_date
	    OR s.ends_at > ((c.end_date + 1)::timestamp AT TIME ZONE c.timezone)
	    OR s.ends_at - s.starts_at > interval '24 hours'
$$;

-- ---------------------------------------------------------------------------
-- Feeds and the programme
-- ---------------------------------------------------------------------------

-- What a feed row says of its session's attendance, for a row its reader
-- may see (NULLs for a reserved one, and for the calendar's own row):
-- att_note, "Name represented by Name" lines; att_links, the remote
-- attendances' links, one a line. Always one row (kaigid joins it).
CREATE FUNCTION kaigi_feed_attendance(f kaigi_feed_row,
    OUT att_note text, OUT att_links text)
LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN v.shown THEN (SELECT string_agg(p.name
		|| ' represented by ' || r.name, E'\n' ORDER BY p.id)
		FROM session_attendees a JOIN participants p ON p.id = a.participant_id
		JOIN participants r ON r.id = a.represented_by
		WHERE a.session_id = f.id AND a.mode = 'represented') END,
	    CASE WHEN v.shown THEN (SELECT string_agg(DISTINCT a.link, E'\n')
		FROM session_attendees a
		WHERE a.session_id = f.id AND a.link IS NOT NULL) END
	FROM (SELECT f.id IS NOT NULL AND NOT coalesce(f.reserved, false) AS shown) v
$$;

-- 086's programme item, attendees with mode and represented_by (a name).
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
		'name', p.name, 'role', p.role, 'mode', a.mode)
		|| CASE WHEN rp.id IS NULL THEN '{}'::jsonb
		    ELSE jsonb_build_object('represented_by', rp.name) END
		ORDER BY array_position(ARRAY['head', 'deputy', 'member', 'staff'],
		    p.role), p.name, p.id)
		FROM session_attendees a JOIN participants p ON p.id = a.participant_id
		LEFT JOIN participants rp ON rp.id = a.represented_by
		WHERE a.session_id = s.id AND p.delegation_id = p_did), '[]'::jsonb),
	    'delegations', coalesce((SELECT jsonb_agg(d.code ORDER BY kaigi_delegation_rank(d.id), d.code)
		FROM session_delegations sd JOIN delegations d ON d.id = sd.delegation_id
		WHERE sd.session_id = s.id), '[]'::jsonb))
	FROM (SELECT 1) one
	LEFT JOIN rooms r ON r.id = s.room_id
	LEFT JOIN venues v ON v.id = r.venue_id
$$;

-- 070's participant delete, also refused while the participant represents
-- someone (KG409 naming those sessions).
CREATE OR REPLACE FUNCTION kaigi_participant_delete(p_actor jsonb, p_id text, p_if_match text)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
	p	participants := kaigi_core_managed_participant(p_actor, p_id::bigint, true);
	ids	bigint[];
	tz	text;
	before	jsonb;
BEGIN
	PERFORM kaigi_core_check_version(p_if_match, p.version);
	SELECT coalesce(array_agg(DISTINCT session_id), '{}') INTO ids
	FROM session_attendees WHERE participant_id = p.id OR represented_by = p.id;
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

-- ---------------------------------------------------------------------------
-- Spreadsheets: the sessions sheet's "represented" (P=REP;...) and "remote"
-- (P=LINK;... or P) columns, people as the attendees column names them
-- ---------------------------------------------------------------------------

-- The attendance objects of a session row's represented and remote cells
-- (KG422 naming the column for an item it cannot read).
CREATE FUNCTION kaigi_import_attendance(c conferences, r jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	e	text;
	col	text;
	who	text;
	rest	text;
	out	jsonb := '[]';
BEGIN
	FOREACH col IN ARRAY ARRAY['represented', 'remote'] LOOP
		FOR e IN SELECT jsonb_array_elements_text(coalesce(r->col, '[]')) LOOP
			who := CASE WHEN strpos(e, '=') > 0
			    THEN split_part(e, '=', 1) ELSE e END;
			rest := CASE WHEN strpos(e, '=') > 0
			    THEN substr(e, strpos(e, '=') + 1) END;
			IF who = '' OR (col = 'represented' AND coalesce(rest, '') = '')
			    OR (col = 'remote' AND rest IS NOT NULL
				AND rest !~ '^https://[^/[:space:][:cntrl:]][^[:space:][:cntrl:]]*$') THEN
				PERFORM kaigi_core_invalid(col, format('%s: write %s', e,
				    CASE col WHEN 'represented' THEN 'PARTICIPANT=REPRESENTATIVE'
				    ELSE 'PARTICIPANT or PARTICIPANT=https://LINK' END));
			END IF;
			out := out || jsonb_build_object('participant_id',
			    (kaigi_import_people_ids(c.id, ARRAY[who], col))[1],
			    'mode', col, 'represented_by', CASE WHEN col = 'represented'
				THEN (kaigi_import_people_ids(c.id, ARRAY[rest], col))[1] END,
			    'link', CASE WHEN col = 'remote' THEN rest END);
		END LOOP;
	END LOOP;
	RETURN out;
END $$;

ALTER FUNCTION kaigi_import_session_body(conferences, jsonb)
    RENAME TO kaigi_import_session_body_plain;

-- 080's body of a session row, plus its attendance: the people the
-- represented and remote cells name join the attendees.
CREATE FUNCTION kaigi_import_session_body(c conferences, r jsonb)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
	body	jsonb := kaigi_import_session_body_plain(c, r - 'represented' - 'remote');
	att	jsonb := kaigi_import_attendance(c, r);
BEGIN
	IF jsonb_array_length(att) = 0 THEN
		RETURN body;
	END IF;
	RETURN body || jsonb_build_object('attendance', att, 'attendees',
	    (SELECT to_jsonb(array_agg(DISTINCT x ORDER BY x)) FROM (
		SELECT jsonb_array_elements_text(coalesce(body->'attendees', '[]'))::bigint
		UNION ALL
		SELECT (e->>'participant_id')::bigint FROM jsonb_array_elements(att) e)
		AS y (x)));
END $$;

ALTER FUNCTION kaigi_import_session_change(sessions, jsonb)
    RENAME TO kaigi_import_session_change_plain;

-- 110's changes of a session row, plus its attendance: when the attendees
-- or how they attend differ, both go to the PATCH.
CREATE FUNCTION kaigi_import_session_change(s sessions, body jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN body ? 'attendance' AND (x ? 'attendees' OR EXISTS (
		SELECT 1 FROM jsonb_array_elements(body->'attendance') e
		LEFT JOIN session_attendees a ON a.session_id = s.id
		    AND a.participant_id = (e->>'participant_id')::bigint
		WHERE (a.mode, a.represented_by, a.link) IS DISTINCT FROM
		    (e->>'mode', (e->>'represented_by')::bigint, e->>'link')))
	    THEN x || jsonb_build_object('attendees', body->'attendees',
		'attendance', body->'attendance')
	    ELSE x END
	FROM (SELECT kaigi_import_session_change_plain(s, body - 'attendance') AS x) y
$$;

-- 110's export of sessions, plus the represented and remote columns.
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
	    'expected_attendance', s.expected_attendance,
	    'represented', (SELECT string_agg(kaigi_export_person(p, p_actor) || '='
		|| kaigi_export_person(rp, p_actor), ';' ORDER BY p.id)
		FROM session_attendees a JOIN participants p ON p.id = a.participant_id
		JOIN participants rp ON rp.id = a.represented_by
		WHERE a.session_id = s.id),
	    'remote', (SELECT string_agg(kaigi_export_person(p, p_actor)
		|| coalesce('=' || a.link, ''), ';' ORDER BY p.id)
		FROM session_attendees a JOIN participants p ON p.id = a.participant_id
		WHERE a.session_id = s.id AND a.mode = 'remote'))
	    ORDER BY s.starts_at, s.id), '[]')
	FROM sessions s LEFT JOIN rooms r ON r.id = s.room_id
	LEFT JOIN venues v ON v.id = r.venue_id
	WHERE s.conference_id = c.id AND kaigi_session_visible(s.id, p_actor)
$$;
