-- 860_repair_problem_set.sql — a repair's problem (a session moved, or an
-- unavailability added, with "repair": true) read as a set, not once per
-- request and per person.
--
-- Every other scheduled bilateral of the conference may move in a repair
-- (170), so the problem has as many requests as the conference has
-- scheduled bilaterals. With 4,950 of them the problem took 24 s to read,
-- past the 10 s statement timeout: the move was a 503 (now 1.5 s). Three
-- things were per request:
-- - 620's kaigi_bilateral_problem_of_without_interpreters gave each
--   request the indices of its people by asking kaigi_bilateral_people(r)
--   once per request and per person of the problem (504,899 calls,
--   20.4 s). It now finds them once, with 450's kaigi_bilateral_people_of
--   and kaigi_bilateral_problem_request_rows, as the auto-scheduler's
--   problem does;
-- - 170's kaigi_repair_request, once per request, searched the others'
--   array for it and scanned every request of the database for the
--   successors placed outside the problem (2.4 s). kaigi_repair_request_rows
--   does both as joins, for all the requests in one query;
-- - 170's kaigi_repair_others, which finds those others, compared each
--   one's attendees with kaigi_bilateral_people, once per bilateral
--   (0.4 s): now with kaigi_bilateral_people_of once.
-- Same problem, same order.
-- tests/integration/59-move-off-loop.t: the move's problem at that size,
-- its requests' people, and the repair through the API.
--
-- Replaces (CREATE OR REPLACE, same signatures): 620's
-- kaigi_bilateral_problem_of_without_interpreters and 170's
-- kaigi_repair_others and kaigi_repair_problem.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- 620's, the requests' people asked for once.
CREATE OR REPLACE FUNCTION kaigi_bilateral_problem_of_without_interpreters(c conferences,
    reqs bilateral_requests[], p_skip bigint[], p_extra jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	o	bigint := extract(epoch FROM c.start_date::timestamp AT TIME ZONE c.timezone)::bigint;
	lo	timestamptz;
	hi	timestamptz;
	pp	jsonb;
	who	bigint[];
BEGIN
	SELECT k.lo, k.hi INTO lo, hi FROM kaigi_bilateral_span(c.id, reqs) k;
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
	    'rooms', kaigi_bilateral_problem_rooms(c.id, o, lo, hi, p_skip, p_extra),
	    'people', kaigi_bilateral_problem_people(c.id, o, lo, hi, who, p_skip, p_extra),
	    'requests', kaigi_bilateral_problem_request_rows(reqs, o, who, pp));
END $$;

-- 170's kaigi_repair_request for every request of p_reqs (the problem's
-- "requests", in their order): "current" for the others, "fixed_start",
-- "after" (indices into ids), and the window bounded by the placed
-- sessions of predecessors and successors outside the problem.
CREATE FUNCTION kaigi_repair_request_rows(p_reqs jsonb, o bigint, ids bigint[],
    p_others bigint[]) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	WITH e AS (SELECT x.e, x.n, (x.e->>'id')::bigint AS id
	    FROM jsonb_array_elements(p_reqs) WITH ORDINALITY x (e, n)),
	oth AS (SELECT DISTINCT id FROM unnest(p_others) id),
	inside AS (SELECT DISTINCT id FROM unnest(ids) id),
	-- the first placed start of each request's successors outside
	nxt AS (SELECT a AS pred, min(s.starts_at) AS first_start
	    FROM bilateral_requests n
	    JOIN sessions s ON s.id = n.session_id AND s.status <> 'cancelled'
	    CROSS JOIN unnest(n.after_ids) a
	    WHERE cardinality(n.after_ids) > 0
		AND NOT EXISTS (SELECT 1 FROM inside i WHERE i.id = n.id)
	    GROUP BY a)
	SELECT coalesce(jsonb_agg(e.e
	    || CASE WHEN oth.id IS NOT NULL THEN jsonb_build_object('current',
		jsonb_build_object('start', kaigi_bilateral_minute(o, x.starts_at),
		    'room_id', x.room_id)) ELSE '{}'::jsonb END
	    || CASE WHEN b.fixed_start IS NULL THEN '{}'::jsonb ELSE jsonb_build_object(
		'fixed_start', kaigi_bilateral_minute(o, b.fixed_start)) END
	    || jsonb_build_object('after', coalesce((SELECT jsonb_agg(array_position(ids, a) - 1
		ORDER BY array_position(ids, a)) FROM unnest(b.after_ids) a
		WHERE a = ANY (ids)), '[]'),
		'earliest', greatest((e.e->>'earliest')::int, (SELECT max(
		    kaigi_bilateral_minute(o, s.ends_at, true)) FROM bilateral_requests p
		    JOIN sessions s ON s.id = p.session_id AND s.status <> 'cancelled'
		    WHERE cardinality(b.after_ids) > 0 AND p.id = ANY (b.after_ids)
			AND p.id <> ALL (ids))),
		'latest', least((e.e->>'latest')::int,
		    kaigi_bilateral_minute(o, nx.first_start)))
	    ORDER BY e.n), '[]')
	FROM e JOIN bilateral_requests b ON b.id = e.id
	LEFT JOIN sessions x ON x.id = b.session_id
	LEFT JOIN oth ON oth.id = b.id
	LEFT JOIN nxt nx ON nx.pred = b.id
$$;

-- 170's, the people of the candidates asked for once (it called
-- kaigi_bilateral_people per scheduled bilateral of the conference).
CREATE OR REPLACE FUNCTION kaigi_repair_others(p_bumped jsonb, p_skip bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	WITH c AS (SELECT c.* FROM conferences c JOIN sessions x ON x.conference_id = c.id
	    WHERE x.id = (p_bumped->0->>'session_id')::bigint),
	cand AS (SELECT b, x.id AS sid, x.version AS sv
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
		AND x.id <> p_skip
		AND x.id NOT IN (SELECT (e->>'session_id')::bigint
		    FROM jsonb_array_elements(p_bumped) e)),
	pp AS (SELECT * FROM kaigi_bilateral_people_of(ARRAY(SELECT b FROM cand))),
	att AS (SELECT a.session_id, array_agg(a.participant_id ORDER BY a.participant_id) AS who
	    FROM session_attendees a WHERE a.session_id IN (SELECT sid FROM cand)
	    GROUP BY a.session_id)
	SELECT coalesce(jsonb_agg(jsonb_build_object('bilateral_id', (k.b).id,
	    'version', (k.b).version, 'session_id', k.sid, 'session_version', k.sv)
	    ORDER BY (k.b).id), '[]')
	FROM cand k JOIN pp ON pp.request_id = (k.b).id
	LEFT JOIN att ON att.session_id = k.sid
	WHERE coalesce(att.who, '{}') = pp.who
$$;

-- 170's, its requests made by kaigi_repair_request_rows.
CREATE OR REPLACE FUNCTION kaigi_repair_problem(c conferences, t jsonb, k jsonb, p_skip bigint)
RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_others	jsonb := kaigi_repair_others(k->'bumped', coalesce(p_skip, 0));
	v	jsonb;
	ids	bigint[];
	oth	bigint[];
BEGIN
	v := kaigi_bilateral_problem_of(c, kaigi_repair_requests(k->'bumped' || v_others),
	    kaigi_repair_sessions(k->'bumped') || kaigi_repair_sessions(v_others)
		|| coalesce(p_skip, 0), t);
	ids := ARRAY(SELECT (e->>'id')::bigint FROM jsonb_array_elements(v->'requests') e);
	oth := ARRAY(SELECT (e->>'bilateral_id')::bigint FROM jsonb_array_elements(v_others) e);
	RETURN v || jsonb_build_object('move_penalty', 100000,
	    'requests', kaigi_repair_request_rows(v->'requests', (v->>'origin')::bigint,
		ids, oth),
	    'move', t || jsonb_build_object('bumped', k->'bumped', 'others', v_others));
END $$;
