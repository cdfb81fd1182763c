-- 430_interp_teams_set.sql — the interpreter teams of the solver's problem
-- in one set-based query instead of one scan of every request per request
-- (issue 17, item 2; issue 20).
--
-- 260's kaigi_interp_preferred(r) ranks request r among the conference's
-- requests needing each of its pairs by counting those with a smaller id:
-- a scan of every request, with kaigi_interp_knows on each, per request
-- and per pair. The problem (260's, now kaigi_bilateral_problem_without_caps)
-- called it twice per request, so building the problem of the planted
-- benchmark with interpreters (scripts/bench/solver --via-api -I 20: 2,000
-- requests, 600 needing a pair) read about 8 million request rows, and
-- then looked each team member up in the list of people by a scan of that
-- list per request. Now:
--
-- - kaigi_interp_teams(conference, request ids): every team at once, the
--   ranks by row_number() over the pair, each pair's interpreters once,
--   the rules read once; the same teams as before (round-robin by rank,
--   as many as the pair needs or there are; tests/integration/
--   49-interp-teams-set.t checks them against its own computation);
-- - kaigi_interp_preferred(r) is that for one request (the session
--   trigger's pick prefers the team);
-- - the problem reads the teams once and finds people by an id -> index
--   object.
--
-- Replaces (CREATE OR REPLACE, same signatures): 260's
-- kaigi_interp_preferred and kaigi_bilateral_problem (renamed by 330 to
-- kaigi_bilateral_problem_without_caps, which 330's wraps).
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- The team of each request of conference p_cid whose id is in p_ids and
-- that needs pairs some interpreter of the conference knows: for each
-- pair, the pair's interpreters by id taken round-robin from the request's
-- rank among the conference's requests needing the pair (by id, any
-- status), as many as kaigi_interp_needed gives (or there are); the team
-- is the distinct ids of all its pairs, sorted. Requests without a team
-- are left out.
CREATE FUNCTION kaigi_interp_teams(p_cid bigint, p_ids bigint[])
RETURNS TABLE (request_id bigint, team bigint[]) LANGUAGE sql STABLE AS $$
	WITH rules AS (SELECT kaigi_interp_rules(p_cid) AS j),
	need AS (
		SELECT b.id, b.duration_minutes AS minutes, kaigi_interp_key(x) AS key,
		    row_number() OVER (PARTITION BY kaigi_interp_key(x) ORDER BY b.id) - 1 AS k
		FROM bilateral_requests b, unnest(b.interpretation) x
		WHERE b.conference_id = p_cid),
	pool AS (
		SELECT kaigi_interp_key(x) AS key, array_agg(DISTINCT p.id ORDER BY p.id) AS ids
		FROM participants p, unnest(p.language_pairs) x
		WHERE p.conference_id = p_cid AND p.role = 'interpreter'
		GROUP BY 1),
	sized AS (
		SELECT n.id, n.k, o.ids, least(CASE WHEN n.minutes > (r.j->>'long_minutes')::int
		    THEN (r.j->>'per_pair_long')::int ELSE (r.j->>'per_pair')::int END,
		    cardinality(o.ids)) AS m
		FROM need n JOIN pool o USING (key) CROSS JOIN rules r
		WHERE n.id = ANY (p_ids))
	SELECT z.id, array_agg(DISTINCT z.member ORDER BY z.member)
	FROM (SELECT s.id, s.ids[1 + ((s.k * s.m + j) % cardinality(s.ids))] AS member
	    FROM sized s, generate_series(0, s.m - 1) j) z
	GROUP BY z.id
$$;

-- The team request r would have (kaigi_interp_teams), '{}' for none.
CREATE OR REPLACE FUNCTION kaigi_interp_preferred(r bilateral_requests) RETURNS bigint[]
LANGUAGE sql STABLE AS $$
	SELECT coalesce((SELECT t.team FROM kaigi_interp_teams(r.conference_id, ARRAY[r.id]) t),
	    '{}')
$$;

-- The solver's problem (140's), interpreters and booths scarce: a request
-- needing pairs has its team among its people, so that no plan
-- double-books them; when a request needs pairs, rooms with fewer booths
-- than the most any needs are left out. (260's, the teams set-based.)
CREATE OR REPLACE FUNCTION kaigi_bilateral_problem_without_caps(p_actor jsonb,
    p_slug text, p_id bigint)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
	v	jsonb := kaigi_bilateral_problem_without_interpreters(p_actor, p_slug, p_id);
	c	bigint := (v->>'conference_id')::bigint;
	ids	bigint[];
	most	int;
	teams	jsonb;
	extra	bigint[];
	lo	timestamptz;
	hi	timestamptz;
	people	jsonb;
	idx	jsonb;
BEGIN
	ids := ARRAY(SELECT (e->>'id')::bigint FROM jsonb_array_elements(v->'requests') e);
	SELECT max(cardinality(b.interpretation)) INTO most
	FROM bilateral_requests b WHERE b.id = ANY (ids);
	IF coalesce(most, 0) = 0 THEN
		RETURN v;
	END IF;
	SELECT coalesce(jsonb_object_agg(t.request_id::text, to_jsonb(t.team)), '{}')
	INTO teams FROM kaigi_interp_teams(c, ids) t;
	extra := ARRAY(SELECT x::bigint FROM jsonb_each(teams) t,
	    jsonb_array_elements_text(t.value) x
	    EXCEPT SELECT (p->>'id')::bigint FROM jsonb_array_elements(v->'people') p
	    ORDER BY 1);
	SELECT k.first_start - interval '1 day', k.last_end + interval '1 day'
	INTO lo, hi FROM kaigi_bilateral_bounds(c) k;
	people := v->'people' || kaigi_bilateral_problem_people(c,
	    (v->>'origin')::bigint, lo, hi, extra);
	SELECT coalesce(jsonb_object_agg(o->>'id', n - 1), '{}') INTO idx
	FROM jsonb_array_elements(people) WITH ORDINALITY AS p (o, n);
	RETURN v || jsonb_build_object('people', people,
	    'rooms', coalesce((SELECT jsonb_agg(r ORDER BY n)
		FROM jsonb_array_elements(v->'rooms') WITH ORDINALITY AS t (r, n)
		JOIN rooms x ON x.id = (r->>'id')::bigint WHERE x.booths >= most), '[]'),
	    'requests', (SELECT jsonb_agg(e || jsonb_build_object('people',
		(SELECT jsonb_agg(DISTINCT i) FROM (
		    SELECT jsonb_array_elements(e->'people') AS i
		    UNION ALL
		    SELECT idx->x FROM jsonb_array_elements_text(teams->(e->>'id')) x) y))
		ORDER BY t.n)
		FROM jsonb_array_elements(v->'requests') WITH ORDINALITY AS t (e, n)));
END $$;
