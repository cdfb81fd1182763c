-- 450_plan_people_set.sql — the people of a plan's or a problem's requests
-- found as a set (issue 17, item 2: the benchmark with interpreters within
-- 3 s through the API; issue 20: the planted one).
--
-- kaigi_bilateral_people(b) (140's: the heads of both parties, or their
-- deputies for a deputy-level request where a party has any) was called
-- once per request by the plan's rows (290's kaigi_bilateral_plan_rows) and
-- twice per request by the solver's problem (140's kaigi_bilateral_problem,
-- now kaigi_bilateral_problem_without_interpreters): 6,000 calls and 0.54 s
-- of the planted benchmark's 2,000 requests (scripts/bench/solver
-- --via-api PROFILE=1). kaigi_bilateral_people_of(requests) gives the same
-- arrays for all of them in one query: each party's heads and deputies
-- gathered once.
--
-- Replaces (CREATE OR REPLACE, same signatures): 140's body of
-- kaigi_bilateral_problem_without_interpreters (split into helpers) and
-- 290's kaigi_bilateral_plan_rows.
-- tests/integration/58-plan-people-set.t holds kaigi_bilateral_people_of
-- equal to kaigi_bilateral_people and counts the calls.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- kaigi_bilateral_people(r) for each request r of p_reqs.
CREATE FUNCTION kaigi_bilateral_people_of(p_reqs bilateral_requests[])
RETURNS TABLE (request_id bigint, who bigint[])
LANGUAGE sql STABLE AS $$
	WITH g AS (SELECT p.delegation_id,
		coalesce(array_agg(p.id) FILTER (WHERE p.role = 'head'), '{}') AS heads,
		array_agg(p.id) FILTER (WHERE p.role = 'deputy') AS deputies
	    FROM participants p
	    WHERE p.role IN ('head', 'deputy') AND p.delegation_id IN (SELECT x
		FROM unnest(p_reqs) r,
		unnest(ARRAY[r.requester_delegation_id, r.counterpart_delegation_id]) x)
	    GROUP BY p.delegation_id)
	SELECT r.id, ARRAY(SELECT DISTINCT x FROM unnest(
	    CASE WHEN r.level = 'deputy' AND a.deputies IS NOT NULL
		THEN a.deputies ELSE a.heads END
	    || CASE WHEN r.level = 'deputy' AND b.deputies IS NOT NULL
		THEN b.deputies ELSE b.heads END) x WHERE x IS NOT NULL ORDER BY x)
	FROM unnest(p_reqs) r
	LEFT JOIN g a ON a.delegation_id = r.requester_delegation_id
	LEFT JOIN g b ON b.delegation_id = r.counterpart_delegation_id
$$;

-- 140's kaigi_bilateral_problem, the requests' people asked for once.
CREATE OR REPLACE FUNCTION kaigi_bilateral_problem_without_interpreters(p_actor jsonb,
    p_slug text, p_id bigint)
RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	reqs	bilateral_requests[];
	c	conferences;
	o	bigint;
	lo	timestamptz;
	hi	timestamptz;
	pp	jsonb;
	who	bigint[];
BEGIN
	reqs := ARRAY(SELECT r FROM kaigi_bilateral_problem_requests(p_actor, p_slug, p_id) r);
	SELECT * INTO c FROM conferences WHERE CASE WHEN p_id IS NOT NULL
	    THEN id = reqs[1].conference_id ELSE slug = p_slug END;
	o := extract(epoch FROM c.start_date::timestamp AT TIME ZONE c.timezone)::bigint;
	SELECT k.first_start - interval '1 day', k.last_end + interval '1 day'
	INTO lo, hi FROM kaigi_bilateral_bounds(c.id) k;
	SELECT coalesce(jsonb_object_agg(x.request_id::text, to_jsonb(x.who)), '{}')
	INTO pp FROM kaigi_bilateral_people_of(reqs) x;
	who := ARRAY(SELECT DISTINCT i::bigint FROM jsonb_each(pp) e,
	    jsonb_array_elements_text(e.value) i ORDER BY 1);
	RETURN jsonb_build_object('conference_id', c.id, 'origin', o, 'slot', 5,
	    'changeover', c.changeover_minutes,
	    'days', kaigi_bilateral_problem_days(c, o),
	    'venues', coalesce((SELECT jsonb_agg(id ORDER BY i)
		FROM kaigi_bilateral_venues(c.id)), '[]'),
	    'travel', kaigi_bilateral_problem_travel(c.id),
	    'rooms', kaigi_bilateral_problem_rooms(c.id, o, lo, hi),
	    'people', kaigi_bilateral_problem_people(c.id, o, lo, hi, who),
	    'requests', kaigi_bilateral_problem_request_rows(reqs, o, who, pp));
END $$;

-- The problem's "days": each day's first and last minute.
CREATE FUNCTION kaigi_bilateral_problem_days(c conferences, o bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_agg(jsonb_build_array(
	    kaigi_bilateral_minute(o, (d::date + c.day_start) AT TIME ZONE c.timezone, true),
	    kaigi_bilateral_minute(o, (d::date + c.day_end) AT TIME ZONE c.timezone))
	    ORDER BY d) FROM generate_series(c.start_date, c.end_date, interval '1 day') d
$$;

-- The problem's "travel": minutes between each two venues, in their order.
CREATE FUNCTION kaigi_bilateral_problem_travel(p_cid bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(coalesce(
	    (SELECT t.minutes FROM travel_times t WHERE t.from_venue_id = a.id
		AND t.to_venue_id = b.id),
	    (SELECT t.minutes FROM travel_times t WHERE t.from_venue_id = b.id
		AND t.to_venue_id = a.id), 0) ORDER BY a.i, b.i), '[]')
	FROM kaigi_bilateral_venues(p_cid) a, kaigi_bilateral_venues(p_cid) b
$$;

-- The problem's "requests": each with its people as indices into who
-- (pp: {request id: [participant ids]}).
CREATE FUNCTION kaigi_bilateral_problem_request_rows(reqs bilateral_requests[],
    o bigint, who bigint[], pp jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	WITH ix AS (SELECT coalesce(jsonb_object_agg(x.id::text, x.n - 1), '{}') AS m
	    FROM unnest(who) WITH ORDINALITY AS x (id, n))
	SELECT coalesce(jsonb_agg(jsonb_build_object('id', r.id,
	    'version', r.version,
	    'people', (SELECT coalesce(jsonb_agg(ix.m->i ORDER BY (ix.m->>i)::int), '[]')
		FROM jsonb_array_elements_text(pp->(r.id::text)) i),
	    'parties', jsonb_build_array(r.requester_delegation_id,
		r.counterpart_delegation_id),
	    'duration', r.duration_minutes,
	    'earliest', kaigi_bilateral_minute(o, w.earliest, true),
	    'latest', kaigi_bilateral_minute(o, w.latest),
	    'priority', r.priority) ORDER BY r.id), '[]')
	FROM ix, unnest(reqs) r CROSS JOIN LATERAL kaigi_bilateral_window(r) w
$$;

-- 290's: the plan's placements [{bilateral_id, version, start, room_id}]
-- as rows, each request locked (id order); KG409 for the first one, in
-- plan order, that is not of the conference, not accepted, placed, or of
-- another version than the plan's. The people asked for once, kept by
-- request id (a join with the function's rows was planned as a nested
-- loop over 2,000 x 2,000 rows).
CREATE OR REPLACE FUNCTION kaigi_bilateral_plan_rows(p_conference_id bigint, p_placed jsonb)
RETURNS kaigi_plan_row[]
LANGUAGE plpgsql AS $$
DECLARE
	v_bad	jsonb;
	v_who	jsonb;
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
	SELECT coalesce(jsonb_object_agg(w.request_id::text, to_jsonb(w.who)), '{}')
	INTO v_who FROM kaigi_bilateral_people_of(ARRAY(SELECT b FROM bilateral_requests b
	    WHERE b.id IN (SELECT (e->>'bilateral_id')::bigint
		FROM jsonb_array_elements(p_placed) e))) w;
	RETURN ARRAY(SELECT ROW(x.n, b.id, b.version, b.status,
	    nextval(pg_get_serial_sequence('sessions', 'id')), (x.e->>'room_id')::bigint,
	    t.st, t.st + make_interval(mins => b.duration_minutes),
	    ARRAY(SELECT i::bigint FROM jsonb_array_elements_text(v_who->(b.id::text)) i),
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
