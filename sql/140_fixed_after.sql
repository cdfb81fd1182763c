-- 140_fixed_after.sql — fixed starts and precedences of bilateral requests
-- (issue 20, item 3): "fixed_start" (the meeting must start then) and
-- "after" (request ids: it starts once each of them has ended, when both
-- are placed). Summits use this: "the trade ministers meet after the
-- plenary on supply chains".
--
-- Stored as bilateral_requests.fixed_start and .after_ids; shown in the
-- request's JSON; set on create and PATCH; given to the solver
-- (kaigi_bilateral_problem_for: "fixed_start" in minutes, "after" as
-- indices into "requests", and each request's earliest raised to the end
-- of its predecessors already placed); kept by POST /bilaterals/{id}/schedule
-- and by moving a placed request's session (PATCH /sessions/{id}).
--
-- Infeasible is 409 (KG409) with "cause" in the problem, on create and
-- PATCH, and again when a plan or slots are asked for (the data may have
-- changed since):
--   window          the fixed start does not fit the request's window
--   day_hours       nor one day's hours
--   unavailability  a required attendee is unavailable then
--   cancelled       a predecessor is declined, withdrawn or cancelled
--   precedence      a predecessor cannot end before this one must start
--   cycle           the precedences lead back to the request
-- An "after" naming no request of the conference, or the request itself,
-- is 422 on the field.

ALTER TABLE bilateral_requests ADD COLUMN fixed_start timestamptz,
    ADD COLUMN after_ids bigint[] NOT NULL DEFAULT '{}';

-- The API's bilateral request object, now with fixed_start and after (in
-- PL/pgSQL for speed: see the end of this file).
CREATE OR REPLACE FUNCTION kaigi_bilateral_json(p_id bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT jsonb_build_object('id', b.id, 'conference', c.slug,
	    'requester', rq.code, 'requester_id', rq.id, 'requester_name', rq.name,
	    'counterpart', cp.code, 'counterpart_id', cp.id, 'counterpart_name', cp.name,
	    'duration_minutes', b.duration_minutes,
	    'earliest', kaigi_ts(w.earliest, c.timezone),
	    'latest', kaigi_ts(w.latest, c.timezone),
	    'priority', b.priority, 'level', b.level, 'topics', b.topics,
	    'status', b.status, 'session_id', b.session_id,
	    'start', kaigi_ts(s.starts_at, c.timezone),
	    'end', kaigi_ts(s.ends_at, c.timezone), 'room_id', s.room_id,
	    'fixed_start', kaigi_ts(b.fixed_start, c.timezone),
	    'after', to_jsonb(b.after_ids),
	    'version', b.version,
	    'created_at', kaigi_ts(b.created_at, c.timezone),
	    'updated_at', kaigi_ts(b.updated_at, c.timezone))
	FROM bilateral_requests b JOIN conferences c ON c.id = b.conference_id
	JOIN delegations rq ON rq.id = b.requester_delegation_id
	JOIN delegations cp ON cp.id = b.counterpart_delegation_id
	LEFT JOIN sessions s ON s.id = b.session_id
	CROSS JOIN LATERAL kaigi_bilateral_window(b) w
	WHERE b.id = p_id);
END $$;

-- The ids of a JSON array, distinct and sorted ('{}' for none).
CREATE FUNCTION kaigi_bilateral_ids(p_ids jsonb) RETURNS bigint[]
LANGUAGE sql IMMUTABLE AS $$
	SELECT coalesce(array_agg(DISTINCT (e #>> '{}')::bigint ORDER BY (e #>> '{}')::bigint),
	    '{}') FROM jsonb_array_elements(coalesce(p_ids, '[]')) e
$$;

-- 409 with the cause.
CREATE FUNCTION kaigi_bilateral_order_raise(p_id bigint, p_cause text,
    p_message text, p_detail jsonb DEFAULT '{}') RETURNS void
LANGUAGE sql AS $$
	SELECT kaigi_session_raise('KG409', p_message, p_detail
	    || jsonb_build_object('cause', p_cause, 'bilateral_id', p_id))
$$;

-- The fixed start of b fits its window, one day's hours and its required
-- attendees' availability; 409 otherwise.
CREATE FUNCTION kaigi_bilateral_fixed_check(b bilateral_requests) RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
	c	conferences;
	w	record;
	v_end	timestamptz := b.fixed_start + make_interval(mins => b.duration_minutes);
	d	date;
	v_pid	bigint;
BEGIN
	SELECT * INTO c FROM conferences WHERE id = b.conference_id;
	SELECT * INTO w FROM kaigi_bilateral_window(b);
	d := (b.fixed_start AT TIME ZONE c.timezone)::date;
	IF b.fixed_start < w.earliest OR v_end > w.latest THEN
		PERFORM kaigi_bilateral_order_raise(b.id, 'window', format(
		    'the fixed start leaves the meeting outside the request''s window (%s to %s)',
		    kaigi_ts(w.earliest, c.timezone), kaigi_ts(w.latest, c.timezone)));
	ELSIF d NOT BETWEEN c.start_date AND c.end_date
	    OR b.fixed_start < (d + c.day_start) AT TIME ZONE c.timezone
	    OR v_end > (d + c.day_end) AT TIME ZONE c.timezone THEN
		PERFORM kaigi_bilateral_order_raise(b.id, 'day_hours', format(
		    'the fixed start leaves the meeting outside one day''s hours (%s to %s)',
		    c.day_start, c.day_end));
	END IF;
	SELECT u.participant_id INTO v_pid FROM unavailability u
	WHERE u.participant_id = ANY (kaigi_bilateral_people(b))
	    AND u.during && tstzrange(b.fixed_start, v_end) LIMIT 1;
	IF FOUND THEN
		PERFORM kaigi_bilateral_order_raise(b.id, 'unavailability',
		    'a required attendee is unavailable at the fixed start',
		    jsonb_build_object('participant_id', v_pid));
	END IF;
END $$;

-- The earliest p can end: its live session's end, else its fixed start's
-- meeting end, else its window's earliest plus its duration.
CREATE FUNCTION kaigi_bilateral_earliest_end(p bilateral_requests)
RETURNS timestamptz
LANGUAGE sql STABLE AS $$
	SELECT coalesce((SELECT s.ends_at FROM sessions s WHERE s.id = p.session_id
	    AND s.status <> 'cancelled'), coalesce(p.fixed_start, w.earliest)
	    + make_interval(mins => p.duration_minutes))
	FROM kaigi_bilateral_window(p) w
$$;

-- Each request b comes after exists in its conference (422), may precede
-- it (409 cancelled / precedence), and no chain leads back to b (409 cycle).
CREATE FUNCTION kaigi_bilateral_after_check(b bilateral_requests) RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
	p	bilateral_requests;
	v_aid	bigint;
	v_last	timestamptz;
	v_tz	text := (SELECT timezone FROM conferences WHERE id = b.conference_id);
BEGIN
	SELECT coalesce(b.fixed_start, w.latest - make_interval(mins => b.duration_minutes))
	INTO v_last FROM kaigi_bilateral_window(b) w;
	FOREACH v_aid IN ARRAY b.after_ids LOOP
		SELECT * INTO p FROM bilateral_requests
		WHERE id = v_aid AND conference_id = b.conference_id;
		IF NOT FOUND OR v_aid = b.id THEN
			PERFORM kaigi_session_raise('KG422', 'the request has invalid fields',
			    jsonb_build_object('errors', jsonb_build_array(kaigi_session_err('after',
			    format('%s is no other bilateral request of this conference', v_aid)))));
		END IF;
		IF p.status IN ('declined', 'withdrawn', 'cancelled') THEN
			PERFORM kaigi_bilateral_order_raise(b.id, 'cancelled', format(
			    'request %s cannot precede this one: it is %s', v_aid, p.status),
			    jsonb_build_object('after', v_aid));
		END IF;
		IF kaigi_bilateral_earliest_end(p) > v_last THEN
			PERFORM kaigi_bilateral_order_raise(b.id, 'precedence', format(
			    'request %s cannot precede this one: it ends at %s at the earliest, after this one''s latest start %s',
			    v_aid, kaigi_ts(kaigi_bilateral_earliest_end(p), v_tz), kaigi_ts(v_last, v_tz)),
			    jsonb_build_object('after', v_aid));
		END IF;
	END LOOP;
	IF b.id IS NOT NULL AND b.id IN (WITH RECURSIVE r (id) AS (
	    SELECT unnest(b.after_ids)
	    UNION SELECT unnest(x.after_ids) FROM bilateral_requests x JOIN r ON x.id = r.id)
	    SELECT id FROM r) THEN
		PERFORM kaigi_bilateral_order_raise(b.id, 'cycle',
		    'the precedences ("after") form a cycle back to this request');
	END IF;
END $$;

-- Both checks of b.
CREATE FUNCTION kaigi_bilateral_order_check(b bilateral_requests) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
	IF b.fixed_start IS NOT NULL THEN
		PERFORM kaigi_bilateral_fixed_check(b);
	END IF;
	IF cardinality(b.after_ids) > 0 THEN
		PERFORM kaigi_bilateral_after_check(b);
	END IF;
END $$;

-- POST /conferences/{slug}/bilaterals (with 110's ref and its delegation-code hint), now with fixed_start and after
-- (checked before the audit: a 409 writes nothing).
CREATE OR REPLACE FUNCTION kaigi_bilateral_create(p_actor jsonb, p_slug text, p_input jsonb)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	c	bigint;
	v_rq	bigint;
	v_cp	bigint;
	v_e	jsonb;
	b	bilateral_requests;
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
	    priority, level, topics, ref, fixed_start, after_ids)
	VALUES (c, v_rq, v_cp, (p_input->>'duration_minutes')::int,
	    (p_input->>'earliest')::timestamptz, (p_input->>'latest')::timestamptz,
	    coalesce((p_input->>'priority')::int, 3), coalesce(p_input->>'level', 'head'),
	    coalesce(p_input->>'topics', ''), p_input->>'ref',
	    (p_input->>'fixed_start')::timestamptz, kaigi_bilateral_ids(p_input->'after'))
	RETURNING * INTO b;
	PERFORM kaigi_bilateral_order_check(b);
	v_after := kaigi_setup_bilateral_json(b.id);
	PERFORM kaigi_bilateral_audit(p_actor, c, 'create', b.id, NULL, v_after);
	RETURN v_after;
END $$;

-- The request b with the members of a PATCH applied (not stored); a null
-- earliest/latest returns to the conference's default, a null fixed_start
-- frees the start, "after": [] drops the precedences.
CREATE OR REPLACE FUNCTION kaigi_bilateral_merge(b bilateral_requests, p_in jsonb)
RETURNS bilateral_requests LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	b.duration_minutes := coalesce((p_in->>'duration_minutes')::int, b.duration_minutes);
	IF p_in ? 'earliest' THEN b.earliest := (p_in->>'earliest')::timestamptz; END IF;
	IF p_in ? 'latest' THEN b.latest := (p_in->>'latest')::timestamptz; END IF;
	b.priority := coalesce((p_in->>'priority')::int, b.priority);
	b.level := coalesce(p_in->>'level', b.level);
	b.topics := coalesce(p_in->>'topics', b.topics);
	IF p_in ? 'ref' THEN b.ref := p_in->>'ref'; END IF;
	IF p_in ? 'fixed_start' THEN
		b.fixed_start := (p_in->>'fixed_start')::timestamptz;
	END IF;
	IF p_in ? 'after' THEN b.after_ids := kaigi_bilateral_ids(p_in->'after'); END IF;
	RETURN b;
END $$;

-- PATCH /bilaterals/{id}, as in 070_setup.sql, with fixed_start and after
-- (409 when infeasible, checked on the merged request).
CREATE OR REPLACE FUNCTION kaigi_bilateral_patch(p_actor jsonb, p_id text, p_in jsonb,
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
	PERFORM kaigi_bilateral_order_check(n);
	before := kaigi_setup_bilateral_json(b.id);
	UPDATE bilateral_requests SET duration_minutes = n.duration_minutes,
	    earliest = n.earliest, latest = n.latest, priority = n.priority,
	    level = n.level, topics = n.topics, ref = n.ref,
	    fixed_start = n.fixed_start, after_ids = n.after_ids
	WHERE id = b.id;
	after := kaigi_setup_bilateral_json(b.id);
	PERFORM kaigi_bilateral_audit(p_actor, b.conference_id, 'update', b.id,
	    before, after);
	RETURN after;
END $$;

-- The solver's requests with "fixed_start" (minutes from origin, or null)
-- and "after" (indices into "requests"; a predecessor outside the problem
-- is not placed by it: if it has a live session, "earliest" is raised to
-- that session's end instead). Every request with either is checked (409).
CREATE FUNCTION kaigi_bilateral_problem_order(v jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	o	bigint := (v->>'origin')::bigint;
	ids	bigint[] := ARRAY(SELECT (e->>'id')::bigint
		    FROM jsonb_array_elements(v->'requests') e);
	b	bilateral_requests;
	n	int := 0;
BEGIN
	FOR b IN SELECT * FROM bilateral_requests WHERE id = ANY (ids)
	    AND (fixed_start IS NOT NULL OR cardinality(after_ids) > 0) LOOP
		PERFORM kaigi_bilateral_order_check(b);
		n := n + 1;
	END LOOP;
	IF n = 0 THEN
		RETURN v;
	END IF;
	RETURN jsonb_set(v, '{requests}', (SELECT jsonb_agg(t.e || CASE
	    WHEN r.fixed_start IS NULL AND cardinality(r.after_ids) = 0 THEN '{}'::jsonb
	    ELSE jsonb_build_object('fixed_start', kaigi_bilateral_minute(o, r.fixed_start),
		'after', coalesce((SELECT jsonb_agg(array_position(ids, a) - 1
		    ORDER BY array_position(ids, a)) FROM unnest(r.after_ids) a
		    WHERE a = ANY (ids)), '[]'),
		'earliest', greatest((t.e->>'earliest')::int, (SELECT max(
		    kaigi_bilateral_minute(o, s.ends_at, true)) FROM bilateral_requests p
		    JOIN sessions s ON s.id = p.session_id AND s.status <> 'cancelled'
		    WHERE p.id = ANY (r.after_ids)))) END ORDER BY t.n)
	    FROM jsonb_array_elements(v->'requests') WITH ORDINALITY t (e, n)
	    JOIN bilateral_requests r ON r.id = (t.e->>'id')::bigint));
END $$;

-- The solver's problem with "secretariat" (050_bilateral_states.sql), now
-- with fixed starts and precedences.
CREATE OR REPLACE FUNCTION kaigi_bilateral_problem_for(p_actor jsonb, p_slug text, p_id bigint)
RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v	jsonb := kaigi_bilateral_problem_order(kaigi_bilateral_problem(p_actor, p_slug, p_id));
BEGIN
	RETURN v || jsonb_build_object('secretariat',
	    kaigi_session_may_write((v->>'conference_id')::bigint, p_actor));
END $$;

-- POST /bilaterals/{id}/schedule at p_start: as in 050_bilateral_states.sql;
-- a fixed request only at its fixed start, and never before a placed
-- predecessor ends or after a placed successor starts (409).
CREATE OR REPLACE FUNCTION kaigi_bilateral_schedule(p_actor jsonb, p_id bigint,
    p_start timestamptz, p_room bigint) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	b	bilateral_requests := kaigi_bilateral_for_write(p_actor, p_id);
	v_sid	bigint;
BEGIN
	IF NOT kaigi_session_may_write(b.conference_id, p_actor) THEN
		PERFORM kaigi_session_raise('KG403', 'only the secretariat places bilaterals');
	END IF;
	PERFORM kaigi_bilateral_next(b.status, 'schedule', b.id);
	PERFORM kaigi_bilateral_order_keep(b, p_start);
	v_sid := kaigi_bilateral_place(p_actor, b, p_start, p_room);
	RETURN kaigi_session_json(v_sid) || jsonb_build_object('bilateral',
	    kaigi_bilateral_json(p_id));
END $$;

-- 409 unless placing b at p_start (to p_end, default its duration later)
-- keeps its fixed start and precedences with the requests already placed.
CREATE FUNCTION kaigi_bilateral_order_keep(b bilateral_requests, p_start timestamptz,
    p_end timestamptz DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_end	timestamptz := coalesce(p_end, p_start + make_interval(mins => b.duration_minutes));
	v_id	bigint;
BEGIN
	IF b.fixed_start IS NOT NULL AND p_start <> b.fixed_start THEN
		PERFORM kaigi_bilateral_order_raise(b.id, 'fixed_start',
		    'the request is fixed to start at its fixed_start');
	END IF;
	SELECT p.id INTO v_id FROM bilateral_requests p JOIN sessions s ON s.id = p.session_id
	WHERE p.id = ANY (b.after_ids) AND s.status <> 'cancelled' AND s.ends_at > p_start
	LIMIT 1;
	IF FOUND THEN
		PERFORM kaigi_bilateral_order_raise(b.id, 'precedence', format(
		    'request %s, which this one comes after, ends later than this start', v_id),
		    jsonb_build_object('after', v_id));
	END IF;
	SELECT x.id INTO v_id FROM bilateral_requests x JOIN sessions s ON s.id = x.session_id
	WHERE x.conference_id = b.conference_id AND b.id = ANY (x.after_ids)
	    AND s.status <> 'cancelled' AND s.starts_at < v_end LIMIT 1;
	IF FOUND THEN
		PERFORM kaigi_bilateral_order_raise(b.id, 'precedence', format(
		    'request %s, which comes after this one, starts before this one would end', v_id),
		    jsonb_build_object('before', v_id));
	END IF;
END $$;

-- PATCH /sessions/{id} (050_bilateral_states.sql): moving a bilateral's
-- live session keeps its request's fixed start and precedences (409).
CREATE OR REPLACE FUNCTION kaigi_session_patch(p_actor jsonb, p_id bigint, p_if_match int,
    p_input jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	v_bid	bigint := kaigi_bilateral_lock_of(p_id);
	s	sessions := kaigi_session_for_write(p_actor, p_id, p_if_match);
	v_out	jsonb;
BEGIN
	IF v_bid IS NOT NULL AND s.status = 'cancelled'
	    AND coalesce(p_input->>'status', 'cancelled') <> 'cancelled' THEN
		PERFORM kaigi_bilateral_next(b.status, 'session_revive', b.id)
		FROM bilateral_requests b WHERE b.id = v_bid;
	END IF;
	IF v_bid IS NOT NULL AND (p_input ? 'start' OR p_input ? 'end')
	    AND coalesce(p_input->>'status', s.status) <> 'cancelled' THEN
		PERFORM kaigi_bilateral_order_keep(b,
		    coalesce((p_input->>'start')::timestamptz, s.starts_at),
		    coalesce((p_input->>'end')::timestamptz, s.ends_at))
		FROM bilateral_requests b WHERE b.id = v_bid;
	END IF;
	PERFORM kaigi_bilateral_context(p_actor);
	v_out := kaigi_session_update(p_actor, p_id, p_if_match, p_input);
	IF v_bid IS NOT NULL THEN
		v_out := v_out || jsonb_build_object('bilateral', kaigi_bilateral_json(v_bid));
	END IF;
	RETURN v_out;
END $$;

-- ---------------------------------------------------------------------------
-- Speed: the plan's read and write (issue 20: every original within 6 s
-- through the API)
-- ---------------------------------------------------------------------------
--
-- Measured with track_functions = all on forum-14 (302 meetings): the read
-- called kaigi_bilateral_people 23,556 times (once per person per request,
-- inside the "people" subquery), and the write spent most of its time in
-- small LANGUAGE sql functions with a FROM clause, which PostgreSQL cannot
-- inline and plans afresh on every call from PL/pgSQL (kaigi_ts 0.13 ms a
-- call, kaigi_bilateral_json 2 ms). The same functions in PL/pgSQL keep
-- their plans for the session; the read computes each request's people
-- once. Same signatures, same results.

CREATE OR REPLACE FUNCTION kaigi_ts(ts timestamptz, tz text) RETURNS text
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE AS $$
DECLARE
	s	int := extract(epoch FROM (ts AT TIME ZONE tz) - (ts AT TIME ZONE 'UTC'))::int;
BEGIN
	RETURN to_char(ts AT TIME ZONE tz, 'YYYY-MM-DD"T"HH24:MI:SS')
	    || CASE WHEN s < 0 THEN '-' ELSE '+' END
	    || lpad((abs(s) / 3600)::text, 2, '0') || ':'
	    || lpad((abs(s) % 3600 / 60)::text, 2, '0');
END $$;

CREATE OR REPLACE FUNCTION kaigi_bilateral_bounds(p_conference_id bigint,
    OUT first_start timestamptz, OUT last_end timestamptz)
LANGUAGE plpgsql STABLE AS $$
BEGIN
	SELECT (c.start_date + c.day_start) AT TIME ZONE c.timezone,
	    (c.end_date + c.day_end) AT TIME ZONE c.timezone
	INTO first_start, last_end FROM conferences c WHERE c.id = p_conference_id;
END $$;

CREATE OR REPLACE FUNCTION kaigi_bilateral_window(b bilateral_requests,
    OUT earliest timestamptz, OUT latest timestamptz)
LANGUAGE plpgsql STABLE AS $$
BEGIN
	IF b.earliest IS NOT NULL AND b.latest IS NOT NULL THEN
		earliest := b.earliest;
		latest := b.latest;
		RETURN;
	END IF;
	SELECT coalesce(b.earliest, k.first_start), coalesce(b.latest, k.last_end)
	INTO earliest, latest FROM kaigi_bilateral_bounds(b.conference_id) k;
END $$;

CREATE OR REPLACE FUNCTION kaigi_bilateral_people(b bilateral_requests) RETURNS bigint[]
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT coalesce(array_agg(p.id ORDER BY p.id), '{}')
	FROM participants p
	WHERE p.delegation_id IN (b.requester_delegation_id, b.counterpart_delegation_id)
	    AND p.role = CASE WHEN b.level = 'deputy' AND EXISTS (
		SELECT 1 FROM participants x WHERE x.delegation_id = p.delegation_id
		    AND x.role = 'deputy') THEN 'deputy' ELSE 'head' END);
END $$;

CREATE OR REPLACE FUNCTION kaigi_bilateral_audit(p_actor jsonb, p_conference_id bigint,
    p_action text, p_id bigint, p_before jsonb, p_after jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO audit_log (conference_id, token_id, role, action, entity,
	    entity_id, before, after)
	VALUES (p_conference_id, (p_actor->>'token_id')::bigint, p_actor->>'role',
	    p_action, 'bilateral_request', p_id, p_before, p_after);
END $$;

CREATE OR REPLACE FUNCTION kaigi_session_audit(p_actor jsonb, p_conference_id bigint,
    p_action text, p_session_id bigint, p_before jsonb, p_after jsonb)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO audit_log (conference_id, token_id, role, action, entity,
	    entity_id, before, after)
	VALUES (p_conference_id, (p_actor->>'token_id')::bigint, p_actor->>'role',
	    p_action, 'session', p_session_id, p_before, p_after);
END $$;

CREATE OR REPLACE FUNCTION kaigi_busy_range(p_conference_id bigint, p_starts timestamptz,
    p_ends timestamptz) RETURNS tstzrange
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT tstzrange(p_starts, p_ends + make_interval(mins => c.changeover_minutes), '[)')
	FROM conferences c WHERE c.id = p_conference_id);
END $$;

CREATE OR REPLACE FUNCTION kaigi_bilateral_delegation(p_conference_id bigint, p_ref jsonb)
RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT d.id FROM delegations d
	WHERE d.conference_id = p_conference_id AND CASE jsonb_typeof(p_ref)
	    WHEN 'number' THEN d.id = (p_ref #>> '{}')::bigint
	    WHEN 'string' THEN d.code = p_ref #>> '{}' ELSE false END);
END $$;

-- The solver's problem, as in 040_bilaterals.sql, with each request's
-- people computed once (OFFSET 0 keeps the planner from copying the call
-- into the per-person filter).
CREATE OR REPLACE FUNCTION kaigi_bilateral_problem(p_actor jsonb, p_slug text, p_id bigint)
RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	reqs	bilateral_requests[];
	c	conferences;
	o	bigint;
	lo	timestamptz;
	hi	timestamptz;
	who	bigint[];
BEGIN
	reqs := ARRAY(SELECT r FROM kaigi_bilateral_problem_requests(p_actor, p_slug, p_id) r);
	SELECT * INTO c FROM conferences WHERE CASE WHEN p_id IS NOT NULL
	    THEN id = reqs[1].conference_id ELSE slug = p_slug END;
	o := extract(epoch FROM c.start_date::timestamp AT TIME ZONE c.timezone)::bigint;
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
	    'rooms', kaigi_bilateral_problem_rooms(c.id, o, lo, hi),
	    'people', kaigi_bilateral_problem_people(c.id, o, lo, hi, who),
	    'requests', coalesce((SELECT jsonb_agg(jsonb_build_object('id', r.id,
		'version', r.version,
		'people', (SELECT coalesce(jsonb_agg(n - 1 ORDER BY n), '[]')
		    FROM unnest(who) WITH ORDINALITY AS x (id, n)
		    WHERE x.id = ANY (pp.ids)),
		'parties', jsonb_build_array(r.requester_delegation_id,
		    r.counterpart_delegation_id),
		'duration', r.duration_minutes,
		'earliest', kaigi_bilateral_minute(o, w.earliest, true),
		'latest', kaigi_bilateral_minute(o, w.latest),
		'priority', r.priority) ORDER BY r.id)
		FROM unnest(reqs) r CROSS JOIN LATERAL kaigi_bilateral_window(r) w
		CROSS JOIN LATERAL (SELECT kaigi_bilateral_people(r) AS ids OFFSET 0) pp), '[]'));
END $$;
