-- 120_move_repair.sql — moving a session and re-placing the bilaterals it
-- bumps (POST /sessions/{id}/move {start, end, room_id?, repair?,
-- dry_run?}), and slots for a scheduled bilateral (its own booking left
-- out, so it can be moved to its best other slot).
--
-- A repair takes three steps, as the auto-scheduler does: one read
-- (kaigi_session_move_problem: the session at its new place, the bumped
-- bilaterals as the solver's requests, every other session fixed as busy
-- time), the solver off the loop, one write (kaigi_session_move: re-checks
-- that nothing changed since the read, then moves everything in one
-- statement, with the exclusion constraints deferred to its end, as a
-- bumped bilateral may take the moved session's old place).

-- ---------------------------------------------------------------------------
-- The solver's problem with sessions left out (p_skip) and one planned
-- session added (p_extra {room_id, start, end, people})
-- ---------------------------------------------------------------------------

-- The sessions the problem sees: stored ones but p_skip, plus p_extra.
CREATE FUNCTION kaigi_move_sessions(p_conference_id bigint, lo timestamptz,
    hi timestamptz, p_skip bigint[], p_extra jsonb)
RETURNS TABLE (room_id bigint, st timestamptz, en timestamptz, people bigint[])
LANGUAGE sql STABLE AS $$
	SELECT s.room_id, s.starts_at, s.ends_at, ARRAY(SELECT a.participant_id
	    FROM session_attendees a WHERE a.session_id = s.id)
	FROM sessions s
	WHERE s.conference_id = p_conference_id AND s.status <> 'cancelled'
	    AND s.during && tstzrange(lo, hi) AND s.id <> ALL (p_skip)
	UNION ALL
	SELECT (p_extra->>'room_id')::bigint, (p_extra->>'start')::timestamptz,
	    (p_extra->>'end')::timestamptz, ARRAY(SELECT x::bigint
		FROM jsonb_array_elements_text(p_extra->'people') x)
	WHERE p_extra IS NOT NULL
$$;

-- Rooms usable for bilaterals with their busy time (as
-- kaigi_bilateral_problem_rooms, over kaigi_move_sessions).
CREATE FUNCTION kaigi_bilateral_problem_rooms(p_conference_id bigint, o bigint,
    lo timestamptz, hi timestamptz, p_skip bigint[], p_extra jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	WITH s AS (SELECT * FROM kaigi_move_sessions(p_conference_id, lo, hi,
	    p_skip, p_extra))
	SELECT coalesce(jsonb_agg(jsonb_build_object('id', r.id, 'name', r.name,
	    'venue', v.i, 'capacity', r.capacity,
	    'busy', coalesce((SELECT jsonb_agg(jsonb_build_array(
		kaigi_bilateral_minute(o, greatest(s.st, lo)),
		kaigi_bilateral_minute(o, least(s.en, hi), true)))
		FROM s WHERE s.room_id = r.id), '[]')) ORDER BY r.id), '[]')
	FROM rooms r JOIN kaigi_bilateral_venues(p_conference_id) v ON v.id = r.venue_id
	WHERE r.conference_id = p_conference_id
	    AND (r.kind = 'bilateral' OR r.usable_for_bilaterals)
$$;

-- People with their busy time (as kaigi_bilateral_problem_people, over
-- kaigi_move_sessions).
CREATE FUNCTION kaigi_bilateral_problem_people(p_conference_id bigint, o bigint,
    lo timestamptz, hi timestamptz, p_ids bigint[], p_skip bigint[], p_extra jsonb)
RETURNS jsonb
LANGUAGE sql STABLE AS $$
	WITH v AS (SELECT * FROM kaigi_bilateral_venues(p_conference_id)),
	busy AS (
		SELECT x AS pid, s.st, s.en, coalesce(v.i, -1) AS vi
		FROM kaigi_move_sessions(p_conference_id, lo, hi, p_skip, p_extra) s
		CROSS JOIN LATERAL unnest(s.people) x
		LEFT JOIN rooms r ON r.id = s.room_id LEFT JOIN v ON v.id = r.venue_id
		WHERE x = ANY (p_ids)
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

-- The problem of placing requests reqs of conference c (the JSON of
-- kaigi_bilateral_problem), sessions p_skip left out and p_extra added.
CREATE FUNCTION kaigi_bilateral_problem_of(c conferences, reqs bilateral_requests[],
    p_skip bigint[], p_extra jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	o	bigint := extract(epoch FROM c.start_date::timestamp AT TIME ZONE c.timezone)::bigint;
	lo	timestamptz;
	hi	timestamptz;
	who	bigint[];
BEGIN
	SELECT k.first_start - interval '1 day', k.last_end + interval '1 day'
	INTO lo, hi FROM kaigi_bilateral_bounds(c.id) k;
	who := ARRAY(SELECT DISTINCT x FROM unnest(reqs) r,
	    unnest(kaigi_bilateral_people(r)) x ORDER BY x);
	RETURN jsonb_build_object('conference_id', c.id, 'origin', o, 'slot', 5,
	    'changeover', c.changeover_minutes,
	    'days', (SELECT jsonb_agg(jsonb_build_array(
		kaigi_bilateral_minute(o, (d::date + c.day_start) AT TIME ZONE c.timezone, true),
		kaigi_bilateral_minute(o, (d::date + c.day_end) AT TIME ZONE c.timezone))
		ORDER BY d) FROM generate_series(c.start_date, c.end_date, interval '1 day') d),
	    'venues', coalesce((SELECT jsonb_agg(id ORDER BY i)
		FROM kaigi_bilateral_venues(c.id)), '[]'),
	    'travel', coalesce((SELECT jsonb_agg(coalesce(
		(SELECT t.minutes FROM travel_times t WHERE t.from_venue_id = a.id
		    AND t.to_venue_id = b.id),
		(SELECT t.minutes FROM travel_times t WHERE t.from_venue_id = b.id
		    AND t.to_venue_id = a.id), 0) ORDER BY a.i, b.i)
		FROM kaigi_bilateral_venues(c.id) a, kaigi_bilateral_venues(c.id) b), '[]'),
	    'rooms', kaigi_bilateral_problem_rooms(c.id, o, lo, hi, p_skip, p_extra),
	    'people', kaigi_bilateral_problem_people(c.id, o, lo, hi, who, p_skip, p_extra),
	    'requests', coalesce((SELECT jsonb_agg(jsonb_build_object('id', r.id,
		'version', r.version,
		'people', (SELECT coalesce(jsonb_agg(n - 1 ORDER BY n), '[]')
		    FROM unnest(who) WITH ORDINALITY AS x (id, n)
		    WHERE x.id = ANY (kaigi_bilateral_people(r))),
		'parties', jsonb_build_array(r.requester_delegation_id,
		    r.counterpart_delegation_id),
		'duration', r.duration_minutes,
		'earliest', kaigi_bilateral_minute(o, w.earliest, true),
		'latest', kaigi_bilateral_minute(o, w.latest),
		'priority', r.priority) ORDER BY r.id)
		FROM unnest(reqs) r CROSS JOIN LATERAL kaigi_bilateral_window(r) w), '[]'));
END $$;

-- ---------------------------------------------------------------------------
-- Slots for a scheduled bilateral
-- ---------------------------------------------------------------------------

-- GET /bilaterals/{id}/slots: as kaigi_bilateral_problem_for, and for a
-- scheduled request (the secretariat's and the parties') without its own
-- session, with "current" {start (unix seconds), room_id} so that its
-- present place is not offered as an alternative.
CREATE FUNCTION kaigi_bilateral_slots_problem(p_actor jsonb, p_id bigint)
RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	b	bilateral_requests;
	c	conferences;
	s	sessions;
BEGIN
	SELECT * INTO b FROM bilateral_requests WHERE id = p_id;
	IF NOT FOUND OR b.status <> 'scheduled' OR NOT kaigi_bilateral_visible(b, p_actor) THEN
		RETURN kaigi_bilateral_problem_for(p_actor, NULL, p_id);
	END IF;
	SELECT * INTO c FROM conferences WHERE id = b.conference_id;
	SELECT * INTO s FROM sessions WHERE id = b.session_id;
	RETURN kaigi_bilateral_problem_of(c, ARRAY[b], ARRAY[b.session_id], NULL)
	    || jsonb_build_object('secretariat', kaigi_session_may_write(c.id, p_actor),
		'current', jsonb_build_object('start', extract(epoch FROM s.starts_at)::bigint,
		    'room_id', s.room_id, 'session_id', s.id));
END $$;

-- ---------------------------------------------------------------------------
-- Moving a session: the problem
-- ---------------------------------------------------------------------------

-- The session's planned place: {room_id, start, end, people} from input
-- (start, end, room_id? as decoded) over session s.
CREATE FUNCTION kaigi_move_target(s sessions, p_input jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('session_id', s.id, 'version', s.version,
	    'room_id', CASE WHEN p_input ? 'room_id' THEN p_input->'room_id'
		ELSE to_jsonb(s.room_id) END,
	    'start', p_input->'start', 'end', p_input->'end',
	    'people', (SELECT coalesce(jsonb_agg(participant_id ORDER BY participant_id), '[]')
		FROM session_attendees WHERE session_id = s.id))
$$;

-- What the session at target t would clash with: {bumped: [{bilateral_id,
-- version, session_id, session_version}] (live bilaterals' sessions, which
-- a repair may move), blocking: the API's conflicts that no repair moves}.
CREATE FUNCTION kaigi_move_clashes(p_actor jsonb, s sessions, t jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_who	bigint[] := ARRAY(SELECT x::bigint FROM jsonb_array_elements_text(t->'people') x);
	v_room	bigint := (t->>'room_id')::bigint;
	v_st	timestamptz := (t->>'start')::timestamptz;
	v_en	timestamptz := (t->>'end')::timestamptz;
	v_bumped	jsonb;
	v_block	jsonb;
BEGIN
	SELECT coalesce(jsonb_agg(DISTINCT jsonb_build_object('bilateral_id', b.id,
	    'version', b.version, 'session_id', x.id, 'session_version', x.version)), '[]')
	INTO v_bumped
	FROM kaigi_session_conflicts(s.conference_id, v_room, v_st, v_en, v_who, s.id) k
	JOIN sessions x ON x.id = k.session_id
	JOIN bilateral_requests b ON b.session_id = x.id AND b.status = 'scheduled';
	SELECT coalesce(jsonb_agg(k), '[]') INTO v_block
	FROM jsonb_array_elements(kaigi_session_conflicts_json(p_actor, s.conference_id,
	    v_room, v_st, v_en, v_who, s.id)) k
	WHERE k->'session_id' IS NULL OR NOT EXISTS (SELECT 1 FROM bilateral_requests b
	    WHERE b.session_id = (k->>'session_id')::bigint AND b.status = 'scheduled');
	RETURN jsonb_build_object('bumped', v_bumped, 'blocking', v_block);
END $$;

-- 422 for a target the session may not take (as PATCH would say).
CREATE FUNCTION kaigi_move_check(s sessions, t jsonb) RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_e	jsonb;
BEGIN
	v_e := kaigi_session_check(s.conference_id, (t->>'room_id')::bigint,
	    (t->>'start')::timestamptz, (t->>'end')::timestamptz,
	    ARRAY(SELECT x::bigint FROM jsonb_array_elements_text(t->'people') x),
	    '{}'::text[]);
	IF jsonb_array_length(v_e) > 0 THEN
		PERFORM kaigi_session_raise('KG422', 'the request has invalid fields',
		    jsonb_build_object('errors', v_e));
	END IF;
	IF s.status = 'cancelled' THEN
		PERFORM kaigi_session_raise('KG409',
		    'a cancelled session is not moved with repair; un-cancel it first');
	END IF;
END $$;

-- 409 naming what a repair cannot move (sessions that are not scheduled
-- bilaterals, unavailability).
CREATE FUNCTION kaigi_move_blocked(k jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	IF jsonb_array_length(k->'blocking') > 0 THEN
		PERFORM kaigi_session_raise('KG409', format(
		    'the session would clash with %s thing(s) a repair does not move '
		    '(only scheduled bilaterals are re-placed)',
		    jsonb_array_length(k->'blocking')),
		    jsonb_build_object('conflicts', k->'blocking'));
	END IF;
END $$;

-- POST /sessions/{id}/move with repair, step one: the solver's problem of
-- re-placing every bilateral the move bumps, with the session at its new
-- place and its old place free, and under "move" what the write re-checks
-- (the target with the session's version, the bumped requests). 404/403/412
-- as PATCH; 422 bad target; 409 when something other than a scheduled
-- bilateral is in the way.
CREATE FUNCTION kaigi_session_move_problem(p_actor jsonb, p_id bigint,
    p_if_match int, p_input jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	s	sessions := kaigi_session_for_write(p_actor, p_id, p_if_match);
	t	jsonb := kaigi_move_target(s, p_input);
	k	jsonb;
	c	conferences;
	reqs	bilateral_requests[];
BEGIN
	PERFORM kaigi_move_check(s, t);
	k := kaigi_move_clashes(p_actor, s, t);
	PERFORM kaigi_move_blocked(k);
	SELECT * INTO c FROM conferences WHERE id = s.conference_id;
	reqs := ARRAY(SELECT b FROM bilateral_requests b WHERE b.id IN (SELECT
	    (e->>'bilateral_id')::bigint FROM jsonb_array_elements(k->'bumped') e)
	    ORDER BY b.id);
	RETURN kaigi_bilateral_problem_of(c, reqs, ARRAY(SELECT (e->>'session_id')::bigint
	    FROM jsonb_array_elements(k->'bumped') e) || s.id, t)
	    || jsonb_build_object('move', t || jsonb_build_object('bumped', k->'bumped'));
END $$;

-- ---------------------------------------------------------------------------
-- Moving a session: the write (or the dry run's answer)
-- ---------------------------------------------------------------------------

-- {start, end, room_id, room} of a place, in zone tz.
CREATE FUNCTION kaigi_move_place(p_room bigint, p_st timestamptz,
    p_en timestamptz, tz text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('start', kaigi_ts(p_st, tz), 'end', kaigi_ts(p_en, tz),
	    'room_id', p_room, 'room', (SELECT name FROM rooms WHERE id = p_room))
$$;

-- The plan's re-placements as the API shows them, read before they are
-- written: [{bilateral_id, session_id, title, from, to}].
CREATE FUNCTION kaigi_move_replaced(p_plan jsonb, tz text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(jsonb_build_object('bilateral_id', b.id,
	    'session_id', x.id, 'title', x.title,
	    'from', kaigi_move_place(x.room_id, x.starts_at, x.ends_at, tz),
	    'to', kaigi_move_place((e->>'room_id')::bigint, t.st,
		t.st + (x.ends_at - x.starts_at), tz)) ORDER BY t.st, b.id), '[]')
	FROM jsonb_array_elements(p_plan->'placed') e
	CROSS JOIN LATERAL (SELECT to_timestamp((e->>'start')::double precision) AS st) t
	JOIN bilateral_requests b ON b.id = (e->>'bilateral_id')::bigint
	JOIN sessions x ON x.id = b.session_id
$$;

-- 409 unless the data the plan was made from is still there: the
-- session's version, the same bumped requests and sessions (versions
-- included); and, for a write, unless every bumped bilateral found a place.
CREATE FUNCTION kaigi_move_recheck(p_plan jsonb, s sessions, k jsonb,
    p_dry_run boolean) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	u	jsonb := coalesce(p_plan->'unplaced', '[]');
BEGIN
	IF (p_plan->'move'->>'version')::int <> s.version
	    OR p_plan->'move'->'bumped' <> k->'bumped' THEN
		PERFORM kaigi_session_raise('KG409',
		    'the session or a bilateral it bumps changed while the plan was made; '
		    'ask again', jsonb_build_object('changed', true));
	END IF;
	IF jsonb_array_length(u) > 0 AND NOT p_dry_run THEN
		PERFORM kaigi_session_raise('KG409', format(
		    'bilateral request %s could not be re-placed (%s); nothing was moved',
		    (SELECT string_agg(e->>'bilateral_id', ', ') FROM jsonb_array_elements(u) e),
		    u->0->>'reason'), jsonb_build_object('unplaced', u));
	END IF;
END $$;

-- Lock the requests the move touches (id order, before any session, room
-- or person: the rule of kaigi_bilateral_lock_of).
CREATE FUNCTION kaigi_move_lock_requests(p_plan jsonb, p_id bigint) RETURNS void
LANGUAGE sql AS $$
	SELECT 1 FROM bilateral_requests WHERE id IN (
	    SELECT (e->>'bilateral_id')::bigint
	    FROM jsonb_array_elements(coalesce(p_plan->'move'->'bumped', '[]')) e
	    UNION ALL SELECT bilateral_id FROM bilateral_sessions WHERE session_id = p_id)
	ORDER BY id FOR UPDATE
$$;

-- Move session p_id to room/start/end (its length kept when p_en is NULL)
-- and audit it.
CREATE FUNCTION kaigi_move_one(p_actor jsonb, p_id bigint, p_room bigint,
    p_st timestamptz, p_en timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	v_before	jsonb := kaigi_session_json(p_id);
	c	bigint;
BEGIN
	UPDATE sessions SET room_id = p_room, starts_at = p_st,
	    ends_at = coalesce(p_en, p_st + (ends_at - starts_at))
	WHERE id = p_id RETURNING conference_id INTO c;
	PERFORM kaigi_session_audit(p_actor, c, 'update', p_id, v_before,
	    kaigi_session_json(p_id));
END $$;

-- 409 when a moved session clashes with anything once everything moved.
CREATE FUNCTION kaigi_move_final_check(p_actor jsonb, p_ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	x	sessions;
	k	jsonb;
BEGIN
	BEGIN
		SET CONSTRAINTS sessions_room_no_overlap, busy_no_overlap IMMEDIATE;
	EXCEPTION WHEN exclusion_violation THEN
		PERFORM kaigi_session_raise('KG409',
		    'the move would double-book a room or a person; nothing was moved');
	END;
	FOR x IN SELECT * FROM sessions WHERE id = ANY (p_ids) ORDER BY id LOOP
		k := kaigi_session_conflicts_json(p_actor, x.conference_id, x.room_id,
		    x.starts_at, x.ends_at, ARRAY(SELECT participant_id
			FROM session_attendees WHERE session_id = x.id), x.id);
		IF jsonb_array_length(k) > 0 THEN
			PERFORM kaigi_session_raise('KG409', format(
			    'session %s would clash after the move; nothing was moved', x.id),
			    jsonb_build_object('conflicts', k, 'changed', true));
		END IF;
	END LOOP;
END $$;

-- Write the plan: the bumped sessions to their new places, then the
-- session to its target, with the exclusion constraints deferred to the
-- end (a bumped bilateral may take the session's old place), rooms and
-- people locked first. Returns the moved sessions' ids.
CREATE FUNCTION kaigi_move_apply(p_actor jsonb, s sessions, t jsonb, p_plan jsonb)
RETURNS bigint[]
LANGUAGE plpgsql AS $$
DECLARE
	e	jsonb;
	v_ids	bigint[] := ARRAY[s.id];
BEGIN
	SET CONSTRAINTS sessions_room_no_overlap, busy_no_overlap DEFERRED;
	PERFORM 1 FROM rooms WHERE id IN (SELECT (x->>'room_id')::bigint
	    FROM jsonb_array_elements(p_plan->'placed') x
	    UNION ALL SELECT (t->>'room_id')::bigint) ORDER BY id FOR NO KEY UPDATE;
	PERFORM 1 FROM participants WHERE id IN (SELECT a.participant_id
	    FROM session_attendees a WHERE a.session_id = s.id OR a.session_id IN (
		SELECT (x->>'session_id')::bigint FROM jsonb_array_elements(p_plan->'move'->'bumped') x))
	ORDER BY id FOR UPDATE;
	FOR e IN SELECT x FROM jsonb_array_elements(p_plan->'placed') x LOOP
		v_ids := v_ids || (SELECT session_id FROM bilateral_requests
		    WHERE id = (e->>'bilateral_id')::bigint);
		PERFORM kaigi_move_one(p_actor, v_ids[cardinality(v_ids)],
		    (e->>'room_id')::bigint, to_timestamp((e->>'start')::double precision), NULL);
	END LOOP;
	PERFORM kaigi_move_one(p_actor, s.id, (t->>'room_id')::bigint,
	    (t->>'start')::timestamptz, (t->>'end')::timestamptz);
	PERFORM kaigi_move_final_check(p_actor, v_ids);
	RETURN v_ids;
END $$;

-- The session as it would be at target t (a dry run's "moved").
CREATE FUNCTION kaigi_move_preview(s sessions, t jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT kaigi_session_json(s.id) || jsonb_build_object(
	    'start', kaigi_ts((t->>'start')::timestamptz, c.timezone),
	    'end', kaigi_ts((t->>'end')::timestamptz, c.timezone),
	    'room_id', t->'room_id',
	    'room', (SELECT name FROM rooms WHERE id = (t->>'room_id')::bigint))
	FROM conferences c WHERE c.id = s.conference_id
$$;

-- Without repair: PATCH's move (409 on any clash), or its dry run.
CREATE FUNCTION kaigi_session_move_plain(p_actor jsonb, p_id bigint,
    p_if_match int, p_input jsonb, p_dry_run boolean) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	s	sessions;
	t	jsonb;
	k	jsonb;
BEGIN
	IF NOT p_dry_run THEN
		RETURN jsonb_build_object('dry_run', false, 'repair', false,
		    'moved', kaigi_session_patch(p_actor, p_id, p_if_match, p_input),
		    'replaced', '[]'::jsonb, 'unplaced', '[]'::jsonb);
	END IF;
	s := kaigi_session_for_write(p_actor, p_id, p_if_match);
	t := kaigi_move_target(s, p_input);
	PERFORM kaigi_move_check(s, t);
	k := kaigi_session_conflicts_json(p_actor, s.conference_id, (t->>'room_id')::bigint,
	    (t->>'start')::timestamptz, (t->>'end')::timestamptz,
	    ARRAY(SELECT x::bigint FROM jsonb_array_elements_text(t->'people') x), s.id);
	IF jsonb_array_length(k) > 0 THEN
		PERFORM kaigi_session_raise('KG409', format(
		    'the session would double-book: %s clash(es); with repair the '
		    'bilaterals among them are re-placed', jsonb_array_length(k)),
		    jsonb_build_object('conflicts', k));
	END IF;
	RETURN jsonb_build_object('dry_run', true, 'repair', false,
	    'moved', kaigi_move_preview(s, t), 'replaced', '[]'::jsonb,
	    'unplaced', '[]'::jsonb);
END $$;

-- POST /sessions/{id}/move, the write: without a plan (p_plan NULL: no
-- repair) as PATCH; with the solver's plan ({placed, unplaced, stats} and
-- the problem's "move"), re-checked (409 if anything changed or a bumped
-- bilateral found no place), then (unless p_dry_run) everything moved in
-- this one statement. Returns {dry_run, repair, moved, replaced, unplaced,
-- stats}.
CREATE FUNCTION kaigi_session_move(p_actor jsonb, p_id bigint, p_if_match int,
    p_input jsonb, p_plan jsonb, p_dry_run boolean) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	s	sessions;
	t	jsonb;
	k	jsonb;
	tz	text;
	v_out	jsonb;
BEGIN
	IF p_plan IS NULL THEN
		RETURN kaigi_session_move_plain(p_actor, p_id, p_if_match, p_input, p_dry_run);
	END IF;
	PERFORM kaigi_move_lock_requests(p_plan, p_id);
	s := kaigi_session_for_write(p_actor, p_id, p_if_match);
	t := kaigi_move_target(s, p_input);
	PERFORM kaigi_move_check(s, t);
	k := kaigi_move_clashes(p_actor, s, t);
	PERFORM kaigi_move_blocked(k);
	PERFORM kaigi_move_recheck(p_plan, s, k, p_dry_run);
	SELECT timezone INTO tz FROM conferences WHERE id = s.conference_id;
	v_out := jsonb_build_object('dry_run', p_dry_run, 'repair', true,
	    'replaced', kaigi_move_replaced(p_plan, tz),
	    'unplaced', coalesce(p_plan->'unplaced', '[]'),
	    'stats', coalesce(p_plan->'stats', '{}'));
	IF p_dry_run THEN
		RETURN v_out || jsonb_build_object('moved', kaigi_move_preview(s, t));
	END IF;
	PERFORM kaigi_bilateral_context(p_actor);
	PERFORM kaigi_move_apply(p_actor, s, t, p_plan);
	RETURN v_out || jsonb_build_object('moved', kaigi_session_json(p_id));
END $$;
