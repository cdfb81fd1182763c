-- 290_plan_write.sql — an auto-schedule's plan written as a set (issue 20:
-- the planted benchmark through the API, 2,000 placements, within 5 s).
--
-- 050's kaigi_bilateral_apply placed a plan's requests one by one with
-- kaigi_bilateral_place (250's): per placement 10–16 function calls, a
-- subtransaction and a double-booking check; 2,000 of them were most of a
-- 9.47 s answer. Now the whole plan is written in a few statements over all
-- its rows (kaigi_bilateral_place_plan):
--   1. its requests locked in id order (as 050), and 409 for the first one
--      that changed since the plan was read (as before);
--   2. each placement's rules (kaigi_bilateral_place_check: the room is of
--      the conference, for bilaterals, large enough; the request's window;
--      one day's hours; someone of the level attends);
--   3. the rooms locked, then the people, in id order (every writer locks
--      a room before people);
--   4. the sessions, their attendees and parties inserted: their row
--      triggers run for each as for one (busy rows, change log, feed log,
--      NOTIFY, version, SEQUENCE); the exclusion constraints (room, busy
--      person with changeover and unavailability) stay the final guard;
--   5. travel time, the one clash the constraints do not see, checked for
--      every new session's attendees against all their other sessions, the
--      other new ones included (kaigi_bilateral_plan_travel: 280's rule);
--   6. the requests marked scheduled, only where still as read (else 409),
--      which links their sessions (050's triggers) and gives them their
--      interpreters (260's trigger, strict);
--   7. the audit rows, in plan order, a session's then its request's, with
--      the same content as before.
-- Anything refused in 2, 4, 5 or 6 (KG422, KG409, an exclusion violation)
-- rolls the set's work back and the plan is placed one by one as before
-- (kaigi_bilateral_apply_by_row: 050's kaigi_bilateral_apply, renamed, not
-- copied), which refuses with the problem it always gave (which placement,
-- which clash) and stores nothing. So a refusal is today's, and the set
-- path never stores what the per-row one would refuse: steps 4 and 5 check
-- each session against a superset of what the per-row check saw (all the
-- other new sessions, not only the earlier ones).
-- Replaces: 050's kaigi_bilateral_apply (renamed kaigi_bilateral_apply_by_row
-- and wrapped).

-- A placement of a plan, ready to write.
CREATE TYPE kaigi_plan_row AS (
	ord		bigint,		-- its position in the plan
	bilateral_id	bigint,
	version		int,		-- the request's, as the plan read it
	status		text,		-- the request's before (accepted)
	session_id	bigint,		-- drawn from the sessions' identity
	room_id		bigint,
	starts_at	timestamptz,
	ends_at		timestamptz,
	who		bigint[],	-- kaigi_bilateral_people
	title		text,
	description	text,
	visibility	text
);

-- The plan's placements [{bilateral_id, version, start, room_id}] as rows,
-- each request locked (id order); KG409 for the first one, in plan order,
-- that is not of the conference, not accepted, placed, or of another
-- version than the plan's.
CREATE FUNCTION kaigi_bilateral_plan_rows(p_conference_id bigint, p_placed jsonb)
RETURNS kaigi_plan_row[]
LANGUAGE plpgsql AS $$
DECLARE
	v_bad	jsonb;
BEGIN
	PERFORM 1 FROM bilateral_requests WHERE id IN (SELECT (e->>'bilateral_id')::bigint
	    FROM jsonb_array_elements(p_placed) e) ORDER BY id FOR UPDATE;
	SELECT x.e->'bilateral_id' INTO v_bad
	FROM jsonb_array_elements(p_placed) WITH ORDINALITY x (e, n)
	LEFT JOIN bilateral_requests b ON b.id = (x.e->>'bilateral_id')::bigint
	    AND b.conference_id = p_conference_id
	WHERE b.id IS NULL OR b.status <> 'accepted' OR b.session_id IS NOT NULL
	    OR b.version <> (x.e->>'version')::int
	ORDER BY x.n LIMIT 1;
	IF FOUND THEN
		PERFORM kaigi_session_raise('KG409',
		    'a bilateral request changed while the plan was made',
		    jsonb_build_object('bilateral_id', v_bad));
	END IF;
	RETURN ARRAY(SELECT ROW(x.n, b.id, b.version, b.status,
	    nextval(pg_get_serial_sequence('sessions', 'id')), (x.e->>'room_id')::bigint,
	    t.st, t.st + make_interval(mins => b.duration_minutes), kaigi_bilateral_people(b),
	    rq.name || ' – ' || cp.name || ' bilateral',
	    CASE WHEN b.topics <> '' THEN 'Topics: ' || b.topics ELSE '' END,
	    CASE WHEN b.confidential THEN 'confidential' ELSE 'restricted' END)::kaigi_plan_row
	    FROM jsonb_array_elements(p_placed) WITH ORDINALITY x (e, n)
	    CROSS JOIN LATERAL (SELECT to_timestamp((x.e->>'start')::double precision) AS st) t
	    JOIN bilateral_requests b ON b.id = (x.e->>'bilateral_id')::bigint
	    JOIN delegations rq ON rq.id = b.requester_delegation_id
	    JOIN delegations cp ON cp.id = b.counterpart_delegation_id
	    ORDER BY x.n);
END $$;

-- Raise the set path's own refusal (KGP00: place the plan one by one).
CREATE FUNCTION kaigi_bilateral_plan_refuse(p_why text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'the plan cannot be written as a set: %', p_why
	    USING ERRCODE = 'KGP00';
END $$;

-- Is an attendee of a new session p_rows within travel time of another of
-- their sessions in another venue (280's travel rule of
-- kaigi_session_conflicts, for all the rows at once)? Room, overlap,
-- changeover and unavailability are the exclusion constraints' (the
-- sessions and busy rows are in by now). kaigi_session_conflicts itself,
-- called for each of 2,000 new sessions (inlined into one join, or one
-- call at a time), took 10 to 20 s on the planted benchmark.
CREATE FUNCTION kaigi_bilateral_plan_travel(p_conference_id bigint,
    p_rows kaigi_plan_row[]) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
DECLARE
	trip	interval := (SELECT make_interval(mins => coalesce(max(t.minutes), 0))
		    FROM travel_times t WHERE t.conference_id = p_conference_id);
BEGIN
	RETURN EXISTS (SELECT 1 FROM unnest(p_rows) r
	    JOIN rooms rn ON rn.id = r.room_id, unnest(r.who) w,
	    LATERAL (SELECT x.session_id FROM busy x WHERE x.participant_id = w
		AND x.during && tstzrange(r.starts_at - trip, r.ends_at + trip, '[)')
		OFFSET 0) b	-- (each person's by the index, not all the busy rows)
	    JOIN sessions s ON s.id = b.session_id JOIN rooms rs ON rs.id = s.room_id
	    CROSS JOIN LATERAL (SELECT coalesce(
		(SELECT t.minutes FROM travel_times t WHERE t.from_venue_id = rs.venue_id
		    AND t.to_venue_id = rn.venue_id),
		(SELECT t.minutes FROM travel_times t WHERE t.from_venue_id = rn.venue_id
		    AND t.to_venue_id = rs.venue_id), 0) AS there,
		coalesce(
		(SELECT t.minutes FROM travel_times t WHERE t.from_venue_id = rn.venue_id
		    AND t.to_venue_id = rs.venue_id),
		(SELECT t.minutes FROM travel_times t WHERE t.from_venue_id = rs.venue_id
		    AND t.to_venue_id = rn.venue_id), 0) AS back) m
	    WHERE trip > interval '0' AND s.id <> r.session_id AND rs.venue_id <> rn.venue_id
		AND tstzrange(s.starts_at, s.ends_at + make_interval(mins => m.there), '[)')
		    && tstzrange(r.starts_at, r.ends_at + make_interval(mins => m.back), '[)'));
END $$;

-- Steps 2 to 5 of the top of this file: check, lock, insert, check clashes.
CREATE FUNCTION kaigi_bilateral_plan_sessions(p_conference_id bigint,
    p_rows kaigi_plan_row[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM unnest(p_rows) r
	    JOIN bilateral_requests b ON b.id = r.bilateral_id
	    WHERE jsonb_array_length(kaigi_bilateral_place_check(b, r.starts_at,
		r.room_id, r.who)) > 0) THEN
		PERFORM kaigi_bilateral_plan_refuse('a placement breaks a rule');
	END IF;
	PERFORM 1 FROM rooms WHERE id IN (SELECT r.room_id FROM unnest(p_rows) r)
	ORDER BY id FOR NO KEY UPDATE;
	PERFORM 1 FROM participants WHERE id IN (SELECT unnest(r.who) FROM unnest(p_rows) r)
	ORDER BY id FOR UPDATE;
	INSERT INTO sessions (id, conference_id, kind, title, description, room_id,
	    starts_at, ends_at, status, visibility)
	OVERRIDING SYSTEM VALUE
	SELECT r.session_id, p_conference_id, 'bilateral', r.title, r.description,
	    r.room_id, r.starts_at, r.ends_at, 'confirmed', r.visibility
	FROM unnest(p_rows) r ORDER BY r.ord;
	INSERT INTO session_attendees (session_id, participant_id)
	SELECT r.session_id, w FROM unnest(p_rows) r, unnest(r.who) w ORDER BY r.ord, w;
	INSERT INTO session_delegations (session_id, delegation_id)
	SELECT r.session_id, d FROM unnest(p_rows) r
	    JOIN bilateral_requests b ON b.id = r.bilateral_id,
	    unnest(ARRAY[b.requester_delegation_id, b.counterpart_delegation_id]) d
	ORDER BY r.ord, d;
	IF kaigi_bilateral_plan_travel(p_conference_id, p_rows) THEN
		PERFORM kaigi_bilateral_plan_refuse('a placement would double-book');
	END IF;
END $$;

-- Write the plan's rows (locked and checked by kaigi_bilateral_plan_rows) as
-- a set: the steps 2 to 7 of the top of this file. KGP00 (or the KG409 of a
-- trigger, or 23P01) when the per-row path must decide; KGP09 when a
-- request changed meanwhile.
CREATE FUNCTION kaigi_bilateral_place_plan(p_actor jsonb, p_conference_id bigint,
    p_rows kaigi_plan_row[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	v_bad	bigint;
BEGIN
	PERFORM kaigi_bilateral_plan_sessions(p_conference_id, p_rows);
	UPDATE bilateral_requests b SET status = 'scheduled', session_id = r.session_id
	FROM (SELECT * FROM unnest(p_rows) ORDER BY ord) r
	WHERE b.id = r.bilateral_id AND b.version = r.version AND b.status = r.status
	    AND b.session_id IS NULL;
	SELECT r.bilateral_id INTO v_bad FROM unnest(p_rows) r
	    JOIN bilateral_requests b ON b.id = r.bilateral_id
	WHERE b.session_id IS DISTINCT FROM r.session_id ORDER BY r.ord LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'a bilateral request changed while the plan was made'
		    USING ERRCODE = 'KGP09', DETAIL = v_bad::text;
	END IF;
	PERFORM kaigi_session_audit(p_actor, p_conference_id, 'create', r.session_id,
		NULL, kaigi_session_json(r.session_id)),
	    kaigi_bilateral_audit(p_actor, p_conference_id, 'schedule', r.bilateral_id,
		jsonb_build_object('status', r.status), kaigi_bilateral_json(r.bilateral_id))
	FROM unnest(p_rows) r ORDER BY r.ord;
END $$;

ALTER FUNCTION kaigi_bilateral_apply(jsonb, bigint, jsonb)
    RENAME TO kaigi_bilateral_apply_by_row;

-- Place each item of the plan [{bilateral_id, version, start, room_id}]
-- (050's, now as a set; one by one when the set path refuses, for the
-- problem the per-row path gives): 409 when a request changed since it was
-- read (status or version), 422/409 as for one placement.
CREATE FUNCTION kaigi_bilateral_apply(p_actor jsonb, p_conference_id bigint,
    p_placed jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	v_rows	kaigi_plan_row[] := kaigi_bilateral_plan_rows(p_conference_id, p_placed);
	v_id	text;
BEGIN
	BEGIN
		PERFORM kaigi_bilateral_place_plan(p_actor, p_conference_id, v_rows);
		RETURN;
	EXCEPTION
		WHEN SQLSTATE 'KGP09' THEN
			GET STACKED DIAGNOSTICS v_id = PG_EXCEPTION_DETAIL;
			PERFORM kaigi_session_raise('KG409',
			    'a bilateral request changed while the plan was made',
			    jsonb_build_object('bilateral_id', v_id::bigint));
		WHEN SQLSTATE 'KGP00' OR SQLSTATE 'KG409' OR SQLSTATE 'KG422'
		    OR exclusion_violation THEN
			NULL;	-- the per-row path below says what and where
	END;
	PERFORM kaigi_bilateral_apply_by_row(p_actor, p_conference_id, p_placed);
END $$;
