-- 125_unavailability_repair.sql — a participant's unavailability added with
-- repair (POST /participants/{id}/unavailability {start, end, reason?,
-- repair: true, dry_run?}; the secretariat's): every scheduled bilateral of
-- that participant it would clash with is re-placed by the solver, nothing
-- else moves, and the unavailability is stored, all in one statement. The
-- seed's case: a minister who cannot come on the morning of day 2.
--
-- The same three steps as a move with repair (120_move_repair.sql): one
-- read (kaigi_unavailability_repair_problem: the unavailability as busy
-- time of its participant, the bumped bilaterals as the requests, every
-- other meeting fixed), the solver off the loop, one write
-- (kaigi_unavailability_repair: re-checks, moves the bilaterals, inserts
-- the unavailability, with the exclusion constraints deferred to its end).

-- The unavailability as a move target: {room_id: null, start, end,
-- people: [participant], reason}.
CREATE FUNCTION kaigi_unav_target(p participants, p_in jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('participant_id', p.id, 'room_id', NULL,
	    'start', p_in->'start', 'end', p_in->'end', 'people', jsonb_build_array(p.id),
	    'reason', coalesce(p_in->>'reason', ''))
$$;

-- What it would clash with: {bumped: the participant's scheduled
-- bilaterals in the way (id order), blocking: anything else in the way
-- (as the 409 of a plain create names it)}.
CREATE FUNCTION kaigi_unav_clashes(p_actor jsonb, p participants, t jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	rng	tstzrange := tstzrange((t->>'start')::timestamptz, (t->>'end')::timestamptz, '[)');
	tz	text := (SELECT timezone FROM conferences WHERE id = p.conference_id);
	v_bumped	jsonb;
	v_block	jsonb;
BEGIN
	SELECT coalesce(jsonb_agg(jsonb_build_object('bilateral_id', br.id,
	    'version', br.version, 'session_id', x.id, 'session_version', x.version)
	    ORDER BY br.id), '[]')
	INTO v_bumped
	FROM busy b JOIN sessions x ON x.id = b.session_id
	JOIN bilateral_requests br ON br.session_id = x.id AND br.status = 'scheduled'
	WHERE b.participant_id = p.id AND b.during && rng;
	SELECT coalesce(jsonb_agg(k), '[]') INTO v_block
	FROM jsonb_array_elements(kaigi_core_busy_conflicts(p_actor, p.id, rng, tz)::jsonb) k
	WHERE k->>'session_id' IS NULL
	    OR NOT EXISTS (SELECT 1 FROM bilateral_requests br
		WHERE br.session_id = (k->>'session_id')::bigint AND br.status = 'scheduled');
	RETURN jsonb_build_object('bumped', v_bumped, 'blocking', v_block);
END $$;

-- The participant, for a repair: the secretariat's only (KG403), 404 as
-- a plain create.
CREATE FUNCTION kaigi_unav_participant(p_actor jsonb, p_pid text) RETURNS participants
LANGUAGE plpgsql AS $$
DECLARE
	p	participants := kaigi_core_managed_participant(p_actor, p_pid::bigint, true);
BEGIN
	PERFORM kaigi_core_need_secretariat(p_actor, p.conference_id);
	RETURN p;
END $$;

-- 409 naming what a repair cannot move.
CREATE FUNCTION kaigi_unav_blocked(k jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	IF jsonb_array_length(k->'blocking') > 0 THEN
		PERFORM kaigi_session_raise('KG409', format(
		    'the participant is busy with %s thing(s) a repair does not move '
		    '(only scheduled bilaterals are re-placed)',
		    jsonb_array_length(k->'blocking')),
		    jsonb_build_object('conflicts', k->'blocking'));
	END IF;
END $$;

-- Step one: the solver's problem of re-placing the bumped bilaterals, with
-- the unavailability as busy time, and under "move" what the write
-- re-checks. p_if_match is not used (a new row has no version).
CREATE FUNCTION kaigi_unavailability_repair_problem(p_actor jsonb, p_pid bigint,
    p_if_match int, p_in jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	p	participants := kaigi_unav_participant(p_actor, p_pid::text);
	t	jsonb := kaigi_unav_target(p, p_in);
	k	jsonb := kaigi_unav_clashes(p_actor, p, t);
	c	conferences;
	reqs	bilateral_requests[];
BEGIN
	PERFORM kaigi_unav_blocked(k);
	SELECT * INTO c FROM conferences WHERE id = p.conference_id;
	reqs := ARRAY(SELECT b FROM bilateral_requests b WHERE b.id IN (SELECT
	    (e->>'bilateral_id')::bigint FROM jsonb_array_elements(k->'bumped') e)
	    ORDER BY b.id);
	RETURN kaigi_bilateral_problem_of(c, reqs, ARRAY(SELECT (e->>'session_id')::bigint
	    FROM jsonb_array_elements(k->'bumped') e), t)
	    || jsonb_build_object('move', t || jsonb_build_object('bumped', k->'bumped'));
END $$;

-- 409 unless the plan was made from the data still there and, for a
-- write, placed every bumped bilateral.
CREATE FUNCTION kaigi_unav_recheck(p_plan jsonb, k jsonb, p_dry_run boolean)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	u	jsonb := coalesce(p_plan->'unplaced', '[]');
BEGIN
	IF p_plan->'move'->'bumped' IS DISTINCT FROM k->'bumped' THEN
		PERFORM kaigi_session_raise('KG409',
		    'a bilateral in the way changed while the plan was made; ask again',
		    jsonb_build_object('changed', true));
	END IF;
	IF jsonb_array_length(u) > 0 AND NOT p_dry_run THEN
		PERFORM kaigi_session_raise('KG409', format(
		    'bilateral request %s could not be re-placed (%s); nothing was stored',
		    (SELECT string_agg(e->>'bilateral_id', ', ') FROM jsonb_array_elements(u) e),
		    u->0->>'reason'), jsonb_build_object('unplaced', u));
	END IF;
END $$;

-- Move the plan's bilaterals (rooms and people locked first, the
-- exclusion constraints deferred); their session ids.
CREATE FUNCTION kaigi_unav_apply(p_actor jsonb, p participants, p_plan jsonb)
RETURNS bigint[]
LANGUAGE plpgsql AS $$
DECLARE
	e	jsonb;
	v_ids	bigint[] := '{}';
BEGIN
	SET CONSTRAINTS sessions_room_no_overlap, busy_no_overlap DEFERRED;
	PERFORM 1 FROM rooms WHERE id IN (SELECT (x->>'room_id')::bigint
	    FROM jsonb_array_elements(p_plan->'placed') x) ORDER BY id FOR NO KEY UPDATE;
	PERFORM 1 FROM participants WHERE id IN (SELECT a.participant_id
	    FROM session_attendees a WHERE a.session_id IN (SELECT (x->>'session_id')::bigint
		FROM jsonb_array_elements(p_plan->'move'->'bumped') x) UNION ALL SELECT p.id)
	ORDER BY id FOR UPDATE;
	FOR e IN SELECT x FROM jsonb_array_elements(p_plan->'placed') x LOOP
		v_ids := v_ids || (SELECT session_id FROM bilateral_requests
		    WHERE id = (e->>'bilateral_id')::bigint);
		PERFORM kaigi_move_one(p_actor, v_ids[cardinality(v_ids)],
		    (e->>'room_id')::bigint, to_timestamp((e->>'start')::double precision), NULL);
	END LOOP;
	RETURN v_ids;
END $$;

-- Step three: re-check, then (unless p_dry_run) move the bumped bilaterals
-- and store the unavailability, in this one statement. Returns {dry_run,
-- repair, unavailability, replaced, unplaced, stats}.
CREATE FUNCTION kaigi_unavailability_repair(p_actor jsonb, p_pid bigint,
    p_if_match int, p_in jsonb, p_plan jsonb, p_dry_run boolean) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	p	participants;
	t	jsonb;
	k	jsonb;
	tz	text;
	v_ids	bigint[];
	v_out	jsonb;
BEGIN
	PERFORM kaigi_move_lock_requests(p_plan, 0);
	p := kaigi_unav_participant(p_actor, p_pid::text);
	t := kaigi_unav_target(p, p_in);
	k := kaigi_unav_clashes(p_actor, p, t);
	PERFORM kaigi_unav_blocked(k);
	PERFORM kaigi_unav_recheck(p_plan, k, p_dry_run);
	SELECT timezone INTO tz FROM conferences WHERE id = p.conference_id;
	v_out := jsonb_build_object('dry_run', p_dry_run, 'repair', true,
	    'replaced', kaigi_move_replaced(p_plan, tz),
	    'unplaced', coalesce(p_plan->'unplaced', '[]'),
	    'stats', coalesce(p_plan->'stats', '{}'));
	IF p_dry_run THEN
		RETURN v_out || jsonb_build_object('unavailability', jsonb_build_object(
		    'participant_id', p.id, 'start', kaigi_ts((t->>'start')::timestamptz, tz),
		    'end', kaigi_ts((t->>'end')::timestamptz, tz), 'reason', t->>'reason'));
	END IF;
	PERFORM kaigi_bilateral_context(p_actor);
	v_ids := kaigi_unav_apply(p_actor, p, p_plan);
	v_out := v_out || jsonb_build_object('unavailability',
	    kaigi_unavailability_create(p_actor, p.id::text, p_in)::jsonb);
	PERFORM kaigi_move_final_check(p_actor, v_ids);
	RETURN v_out;
END $$;
