-- 170_repair_cascade.sql — a repair may move other bilaterals too (issue
-- 16, item 3: "changing as few other meetings as possible"). A move with
-- repair (120_move_repair.sql) and an unavailability with repair
-- (125_unavailability_repair.sql) used to re-place only the bilaterals
-- they bump, with every other meeting fixed; a bumped bilateral that found
-- no free place was a 409. Now every other scheduled bilateral that may
-- move is in the solver's problem too, at its current place ("current":
-- {start, room_id}), with a "move_penalty" far above any number of breaks:
-- the solver keeps it there unless moving it is what lets a bumped one in,
-- and then moves as few as it can (server/solver-repair.c).
--
-- May move: a scheduled request's session of kind bilateral, not
-- cancelled, without fixed_start, inside one conference day's hours and
-- its own window, in a room usable for bilaterals, attended by just the
-- request's people (what the solver places). Plenaries and other
-- sessions never move. Precedences ("after") between the requests of the
-- problem go to the solver; one with a request outside it bounds the
-- window ("earliest" after a placed predecessor's end, "latest" before a
-- placed successor's start).
--
-- The plan lists every bilateral that moves with "bumped" true or false
-- (false: it moves so that a bumped one fits); those that stay are left
-- out of "replaced" and are not written. The write re-checks the others as
-- it re-checks the bumped ones (versions of requests and sessions): a
-- change to any of them since the plan is a 409 ("changed"). A 409 for a
-- plan that leaves something unplaced names the bumped bilaterals only.
-- A dry run's answer carries "plan_id" (what the plan was made from and
-- what it moves); a commit that sends it back as "expect" is a 409 unless
-- the plan made for it is the same: nothing changed since the dry run.
--
-- Replaces (CREATE OR REPLACE, same signatures): kaigi_session_move_problem,
-- kaigi_move_replaced, kaigi_move_recheck, kaigi_move_lock_requests,
-- kaigi_move_apply, kaigi_session_move (120); kaigi_unavailability_repair_problem,
-- kaigi_unav_recheck, kaigi_unav_apply, kaigi_unavailability_repair (125).

-- ---------------------------------------------------------------------------
-- What may move besides the bumped bilaterals
-- ---------------------------------------------------------------------------

-- The other bilaterals a repair of bumped (the clashes' "bumped") may
-- move, session p_skip (the moved session) left out: [{bilateral_id,
-- version, session_id, session_version}] in id order; none when nothing
-- is bumped.
CREATE FUNCTION kaigi_repair_others(p_bumped jsonb, p_skip bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	WITH c AS (SELECT c.* FROM conferences c JOIN sessions x ON x.conference_id = c.id
	    WHERE x.id = (p_bumped->0->>'session_id')::bigint)
	SELECT coalesce(jsonb_agg(jsonb_build_object('bilateral_id', b.id,
	    'version', b.version, 'session_id', x.id, 'session_version', x.version)
	    ORDER BY b.id), '[]')
	FROM c JOIN bilateral_requests b ON b.conference_id = c.id
	JOIN sessions x ON x.id = b.session_id
	JOIN rooms r ON r.id = x.room_id
	CROSS JOIN LATERAL kaigi_bilateral_window(b) w
	CROSS JOIN LATERAL (SELECT (x.starts_at AT TIME ZONE c.timezone)::date AS d) dd
	WHERE b.status = 'scheduled' AND b.fixed_start IS NULL
	    AND x.kind = 'bilateral' AND x.status <> 'cancelled'
	    AND (r.kind = 'bilateral' OR r.usable_for_bilaterals)
	    AND dd.d BETWEEN c.start_date AND c.end_date
	    AND x.starts_at >= (dd.d + c.day_start) AT TIME ZONE c.timezone
	    AND x.ends_at <= (dd.d + c.day_end) AT TIME ZONE c.timezone
	    AND x.starts_at >= w.earliest AND x.ends_at <= w.latest
	    AND ARRAY(SELECT a.participant_id FROM session_attendees a
		WHERE a.session_id = x.id ORDER BY 1) = kaigi_bilateral_people(b)
	    AND x.id <> p_skip
	    AND x.id NOT IN (SELECT (e->>'session_id')::bigint
		FROM jsonb_array_elements(p_bumped) e)
$$;

-- The sessions of a list of {session_id, ...}.
CREATE FUNCTION kaigi_repair_sessions(p_list jsonb) RETURNS bigint[]
LANGUAGE sql IMMUTABLE AS $$
	SELECT coalesce(array_agg((e->>'session_id')::bigint), '{}')
	FROM jsonb_array_elements(coalesce(p_list, '[]')) e
$$;

-- The requests of a list of {bilateral_id, ...}, in id order.
CREATE FUNCTION kaigi_repair_requests(p_list jsonb) RETURNS bilateral_requests[]
LANGUAGE sql STABLE AS $$
	SELECT ARRAY(SELECT b FROM bilateral_requests b WHERE b.id IN (SELECT
	    (e->>'bilateral_id')::bigint FROM jsonb_array_elements(p_list) e)
	    ORDER BY b.id)
$$;

-- One request of the problem (e, built by kaigi_bilateral_problem_of)
-- with "current" for one that may move, "fixed_start", and "after"
-- (indices into ids) with the window bounded by placed sessions of
-- requests outside the problem.
CREATE FUNCTION kaigi_repair_request(e jsonb, o bigint, ids bigint[],
    p_others bigint[]) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT e || CASE WHEN b.id = ANY (p_others) THEN jsonb_build_object('current',
	    jsonb_build_object('start', kaigi_bilateral_minute(o, x.starts_at),
		'room_id', x.room_id)) ELSE '{}'::jsonb END
	    || CASE WHEN b.fixed_start IS NULL THEN '{}'::jsonb ELSE jsonb_build_object(
		'fixed_start', kaigi_bilateral_minute(o, b.fixed_start)) END
	    || jsonb_build_object('after', coalesce((SELECT jsonb_agg(array_position(ids, a) - 1
		ORDER BY array_position(ids, a)) FROM unnest(b.after_ids) a
		WHERE a = ANY (ids)), '[]'),
	    'earliest', greatest((e->>'earliest')::int, (SELECT max(
		kaigi_bilateral_minute(o, s.ends_at, true)) FROM bilateral_requests p
		JOIN sessions s ON s.id = p.session_id AND s.status <> 'cancelled'
		WHERE p.id = ANY (b.after_ids) AND p.id <> ALL (ids))),
	    'latest', least((e->>'latest')::int, (SELECT min(
		kaigi_bilateral_minute(o, s.starts_at)) FROM bilateral_requests n
		JOIN sessions s ON s.id = n.session_id AND s.status <> 'cancelled'
		WHERE b.id = ANY (n.after_ids) AND n.id <> ALL (ids))))
	FROM bilateral_requests b LEFT JOIN sessions x ON x.id = b.session_id
	WHERE b.id = (e->>'id')::bigint
$$;

-- The repair's problem: the bumped and the others as requests (their
-- sessions, and p_skip, left out of the busy time), p_extra (the moved
-- session's target, or the unavailability) added, the others at their
-- current places, a move penalty, and under "move" what the write
-- re-checks.
CREATE FUNCTION kaigi_repair_problem(c conferences, t jsonb, k jsonb, p_skip bigint)
RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_others	jsonb := kaigi_repair_others(k->'bumped', coalesce(p_skip, 0));
	v	jsonb;
	o	bigint;
	ids	bigint[];
	oth	bigint[];
BEGIN
	v := kaigi_bilateral_problem_of(c, kaigi_repair_requests(k->'bumped' || v_others),
	    kaigi_repair_sessions(k->'bumped') || kaigi_repair_sessions(v_others)
		|| coalesce(p_skip, 0), t);
	o := (v->>'origin')::bigint;
	ids := ARRAY(SELECT (e->>'id')::bigint FROM jsonb_array_elements(v->'requests') e);
	oth := ARRAY(SELECT (e->>'bilateral_id')::bigint FROM jsonb_array_elements(v_others) e);
	RETURN v || jsonb_build_object('move_penalty', 100000,
	    'requests', coalesce((SELECT jsonb_agg(kaigi_repair_request(e, o, ids, oth)
		ORDER BY n) FROM jsonb_array_elements(v->'requests') WITH ORDINALITY x (e, n)),
		'[]'),
	    'move', t || jsonb_build_object('bumped', k->'bumped', 'others', v_others));
END $$;

-- POST /sessions/{id}/move with repair, step one (as in 120), with the
-- other bilaterals that may move.
CREATE OR REPLACE FUNCTION kaigi_session_move_problem(p_actor jsonb, p_id bigint,
    p_if_match int, p_input jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	s	sessions := kaigi_session_for_write(p_actor, p_id, p_if_match);
	t	jsonb := kaigi_move_target(s, p_input);
	k	jsonb;
	c	conferences;
BEGIN
	PERFORM kaigi_move_check(s, t);
	k := kaigi_move_clashes(p_actor, s, t);
	PERFORM kaigi_move_blocked(k);
	SELECT * INTO c FROM conferences WHERE id = s.conference_id;
	RETURN kaigi_repair_problem(c, t, k, s.id);
END $$;

-- POST /participants/{id}/unavailability with repair, step one (as in
-- 125), with the other bilaterals that may move.
CREATE OR REPLACE FUNCTION kaigi_unavailability_repair_problem(p_actor jsonb,
    p_pid bigint, p_if_match int, p_in jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	p	participants := kaigi_unav_participant(p_actor, p_pid::text);
	t	jsonb := kaigi_unav_target(p, p_in);
	k	jsonb := kaigi_unav_clashes(p_actor, p, t);
	c	conferences;
BEGIN
	PERFORM kaigi_unav_blocked(k);
	SELECT * INTO c FROM conferences WHERE id = p.conference_id;
	RETURN kaigi_repair_problem(c, t, k, NULL);
END $$;

-- ---------------------------------------------------------------------------
-- The plan
-- ---------------------------------------------------------------------------

-- The plan's placements that move something: every bumped one, and each
-- other one placed elsewhere than it is (room or start), with "bumped".
CREATE FUNCTION kaigi_repair_placed(p_plan jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(e || jsonb_build_object('bumped', m.bumped)
	    ORDER BY n), '[]')
	FROM jsonb_array_elements(coalesce(p_plan->'placed', '[]')) WITH ORDINALITY y (e, n)
	JOIN bilateral_requests b ON b.id = (e->>'bilateral_id')::bigint
	JOIN sessions x ON x.id = b.session_id
	CROSS JOIN LATERAL (SELECT EXISTS (SELECT 1 FROM jsonb_array_elements(
	    coalesce(p_plan->'move'->'bumped', '[]')) z
	    WHERE (z->>'bilateral_id')::bigint = b.id) AS bumped) m
	WHERE m.bumped OR x.room_id IS DISTINCT FROM (e->>'room_id')::bigint
	    OR x.starts_at <> to_timestamp((e->>'start')::double precision)
$$;

-- The plan's unplaced bumped bilaterals; when only others are unplaced
-- (a bumped one fits only by unscheduling another meeting), every bumped
-- one, as that is what the repair could not do.
CREATE FUNCTION kaigi_repair_unplaced(p_plan jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	WITH u AS (SELECT e FROM jsonb_array_elements(coalesce(p_plan->'unplaced', '[]')) e),
	bumped AS (SELECT (z->>'bilateral_id')::bigint AS id
	    FROM jsonb_array_elements(coalesce(p_plan->'move'->'bumped', '[]')) z),
	mine AS (SELECT u.e FROM u JOIN bumped ON bumped.id = (u.e->>'bilateral_id')::bigint)
	SELECT CASE WHEN EXISTS (SELECT 1 FROM mine)
	    THEN (SELECT jsonb_agg(e ORDER BY (e->>'bilateral_id')::bigint) FROM mine)
	    WHEN EXISTS (SELECT 1 FROM u)
	    THEN (SELECT jsonb_agg(jsonb_build_object('bilateral_id', id, 'reason',
		'no place without unscheduling another meeting') ORDER BY id) FROM bumped)
	    ELSE '[]'::jsonb END
$$;

-- The plan's re-placements as the API shows them (as in 120), now only
-- those that move, each with "bumped" (false: moved to make room).
CREATE OR REPLACE FUNCTION kaigi_move_replaced(p_plan jsonb, tz text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(jsonb_build_object('bilateral_id', b.id,
	    'session_id', x.id, 'title', x.title, 'bumped', (e->'bumped')::boolean,
	    'from', kaigi_move_place(x.room_id, x.starts_at, x.ends_at, tz),
	    'to', kaigi_move_place((e->>'room_id')::bigint, t.st,
		t.st + (x.ends_at - x.starts_at), tz)) ORDER BY t.st, b.id), '[]')
	FROM jsonb_array_elements(kaigi_repair_placed(p_plan)) e
	CROSS JOIN LATERAL (SELECT to_timestamp((e->>'start')::double precision) AS st) t
	JOIN bilateral_requests b ON b.id = (e->>'bilateral_id')::bigint
	JOIN sessions x ON x.id = b.session_id
$$;

-- 409 unless the others of the plan are still those that may move, at
-- the versions the plan saw.
CREATE FUNCTION kaigi_repair_recheck_others(p_plan jsonb, k jsonb, p_skip bigint)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	IF coalesce(p_plan->'move'->'others', '[]') <> kaigi_repair_others(k->'bumped', p_skip) THEN
		PERFORM kaigi_session_raise('KG409',
		    'a bilateral the plan moves or keeps changed while the plan was made; '
		    'ask again', jsonb_build_object('changed', true));
	END IF;
END $$;

-- 409 for a plan that leaves a bumped bilateral without a place (a write).
CREATE FUNCTION kaigi_repair_refuse_unplaced(p_plan jsonb, p_dry_run boolean,
    p_what text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	u	jsonb := kaigi_repair_unplaced(p_plan);
BEGIN
	IF jsonb_array_length(u) > 0 AND NOT p_dry_run THEN
		PERFORM kaigi_session_raise('KG409', format(
		    'bilateral request %s could not be re-placed (%s), even moving other '
		    'bilaterals; nothing was %s',
		    (SELECT string_agg(e->>'bilateral_id', ', ') FROM jsonb_array_elements(u) e),
		    u->0->>'reason', p_what), jsonb_build_object('unplaced', u));
	END IF;
END $$;

-- As in 120, and the others re-checked too.
CREATE OR REPLACE FUNCTION kaigi_move_recheck(p_plan jsonb, s sessions, k jsonb,
    p_dry_run boolean) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	IF (p_plan->'move'->>'version')::int <> s.version
	    OR p_plan->'move'->'bumped' <> k->'bumped' THEN
		PERFORM kaigi_session_raise('KG409',
		    'the session or a bilateral it bumps changed while the plan was made; '
		    'ask again', jsonb_build_object('changed', true));
	END IF;
	PERFORM kaigi_repair_recheck_others(p_plan, k, s.id);
	PERFORM kaigi_repair_refuse_unplaced(p_plan, p_dry_run, 'moved');
END $$;

-- As in 125, and the others re-checked too.
CREATE OR REPLACE FUNCTION kaigi_unav_recheck(p_plan jsonb, k jsonb, p_dry_run boolean)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	IF p_plan->'move'->'bumped' IS DISTINCT FROM k->'bumped' THEN
		PERFORM kaigi_session_raise('KG409',
		    'a bilateral in the way changed while the plan was made; ask again',
		    jsonb_build_object('changed', true));
	END IF;
	PERFORM kaigi_repair_recheck_others(p_plan, k, 0);
	PERFORM kaigi_repair_refuse_unplaced(p_plan, p_dry_run, 'stored');
END $$;

-- ---------------------------------------------------------------------------
-- The write
-- ---------------------------------------------------------------------------

-- Lock the requests the move touches, the others included (id order,
-- before any session, room or person).
CREATE OR REPLACE FUNCTION kaigi_move_lock_requests(p_plan jsonb, p_id bigint)
RETURNS void
LANGUAGE sql AS $$
	SELECT 1 FROM bilateral_requests WHERE id IN (
	    SELECT (e->>'bilateral_id')::bigint
	    FROM jsonb_array_elements(coalesce(p_plan->'move'->'bumped', '[]')
		|| coalesce(p_plan->'move'->'others', '[]')) e
	    UNION ALL SELECT bilateral_id FROM bilateral_sessions WHERE session_id = p_id)
	ORDER BY id FOR UPDATE
$$;

-- Lock the rooms of placed (and p_room), then the people of the sessions
-- the plan may move and p_sid's and p_pid.
CREATE FUNCTION kaigi_repair_lock(p_plan jsonb, placed jsonb, p_room bigint,
    p_sid bigint, p_pid bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	SET CONSTRAINTS sessions_room_no_overlap, busy_no_overlap DEFERRED;
	PERFORM 1 FROM rooms WHERE id IN (SELECT (x->>'room_id')::bigint
	    FROM jsonb_array_elements(placed) x UNION ALL SELECT p_room)
	ORDER BY id FOR NO KEY UPDATE;
	PERFORM 1 FROM participants WHERE id IN (SELECT a.participant_id
	    FROM session_attendees a WHERE a.session_id = p_sid OR a.session_id = ANY (
		kaigi_repair_sessions(p_plan->'move'->'bumped')
		|| kaigi_repair_sessions(p_plan->'move'->'others'))
	    UNION ALL SELECT p_pid)
	ORDER BY id FOR UPDATE;
END $$;

-- Move the sessions of placed (kaigi_repair_placed) to their places and
-- audit each; their ids.
CREATE FUNCTION kaigi_repair_move_placed(p_actor jsonb, placed jsonb) RETURNS bigint[]
LANGUAGE plpgsql AS $$
DECLARE
	e	jsonb;
	v_ids	bigint[] := '{}';
BEGIN
	FOR e IN SELECT x FROM jsonb_array_elements(placed) x LOOP
		v_ids := v_ids || (SELECT session_id FROM bilateral_requests
		    WHERE id = (e->>'bilateral_id')::bigint);
		PERFORM kaigi_move_one(p_actor, v_ids[cardinality(v_ids)],
		    (e->>'room_id')::bigint, to_timestamp((e->>'start')::double precision), NULL);
	END LOOP;
	RETURN v_ids;
END $$;

-- Write the plan (as in 120): the bilaterals that move, then the session
-- to its target, constraints deferred to the final check.
CREATE OR REPLACE FUNCTION kaigi_move_apply(p_actor jsonb, s sessions, t jsonb,
    p_plan jsonb) RETURNS bigint[]
LANGUAGE plpgsql AS $$
DECLARE
	placed	jsonb := kaigi_repair_placed(p_plan);
	v_ids	bigint[];
BEGIN
	PERFORM kaigi_repair_lock(p_plan, placed, (t->>'room_id')::bigint, s.id, NULL);
	v_ids := ARRAY[s.id] || kaigi_repair_move_placed(p_actor, placed);
	PERFORM kaigi_move_one(p_actor, s.id, (t->>'room_id')::bigint,
	    (t->>'start')::timestamptz, (t->>'end')::timestamptz);
	PERFORM kaigi_move_final_check(p_actor, v_ids);
	RETURN v_ids;
END $$;

-- Move the plan's bilaterals for an unavailability (as in 125).
CREATE OR REPLACE FUNCTION kaigi_unav_apply(p_actor jsonb, p participants, p_plan jsonb)
RETURNS bigint[]
LANGUAGE plpgsql AS $$
DECLARE
	placed	jsonb := kaigi_repair_placed(p_plan);
BEGIN
	PERFORM kaigi_repair_lock(p_plan, placed, NULL, NULL, p.id);
	RETURN kaigi_repair_move_placed(p_actor, placed);
END $$;

-- ---------------------------------------------------------------------------
-- The dry run's plan_id, and a commit that expects it
-- ---------------------------------------------------------------------------

-- A plan's identity: what it was made from (the target, the bumped and
-- the others with their versions) and what it moves.
CREATE FUNCTION kaigi_repair_plan_id(p_plan jsonb) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT md5((p_plan->'move')::text || kaigi_repair_placed(p_plan)::text)
$$;

-- 409 for a commit whose "expect" (a dry run's plan_id) is not the plan
-- made now: something changed since the dry run.
CREATE FUNCTION kaigi_repair_expect(p_plan jsonb, p_dry_run boolean) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	IF NOT p_dry_run AND p_plan ? 'expect'
	    AND p_plan->>'expect' IS DISTINCT FROM kaigi_repair_plan_id(p_plan) THEN
		PERFORM kaigi_session_raise('KG409',
		    'something changed since the dry run: the plan is not the one shown; '
		    'nothing was written; ask for a new plan',
		    jsonb_build_object('plan_id', kaigi_repair_plan_id(p_plan)));
	END IF;
END $$;

-- The answer's fields of a plan: replaced, unplaced, stats, plan_id.
CREATE FUNCTION kaigi_repair_answer(p_plan jsonb, p_dry_run boolean, tz text)
RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('dry_run', p_dry_run, 'repair', true,
	    'replaced', kaigi_move_replaced(p_plan, tz),
	    'unplaced', kaigi_repair_unplaced(p_plan),
	    'stats', coalesce(p_plan->'stats', '{}'),
	    'plan_id', kaigi_repair_plan_id(p_plan))
$$;

-- POST /sessions/{id}/move, the write (as in 120), with the others
-- re-checked, "expect" honoured and the plan_id in the answer.
CREATE OR REPLACE FUNCTION kaigi_session_move(p_actor jsonb, p_id bigint, p_if_match int,
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
	PERFORM kaigi_repair_expect(p_plan, p_dry_run);
	SELECT timezone INTO tz FROM conferences WHERE id = s.conference_id;
	v_out := kaigi_repair_answer(p_plan, p_dry_run, tz);
	IF p_dry_run THEN
		RETURN v_out || jsonb_build_object('moved', kaigi_move_preview(s, t));
	END IF;
	PERFORM kaigi_bilateral_context(p_actor);
	PERFORM kaigi_move_apply(p_actor, s, t, p_plan);
	RETURN v_out || jsonb_build_object('moved', kaigi_session_json(p_id));
END $$;

-- POST /participants/{id}/unavailability with repair, the write (as in
-- 125), likewise.
CREATE OR REPLACE FUNCTION kaigi_unavailability_repair(p_actor jsonb, p_pid bigint,
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
	PERFORM kaigi_repair_expect(p_plan, p_dry_run);
	SELECT timezone INTO tz FROM conferences WHERE id = p.conference_id;
	v_out := kaigi_repair_answer(p_plan, p_dry_run, tz);
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
