-- 520_interp_repair_alts.sql — the repair problems offer other interpreter
-- teams too (issue 17, item 2; 500 did it for the auto-scheduler's).
--
-- 470's kaigi_bilateral_problem_of gives each request needing pairs one
-- team: its session's interpreters, or its round-robin team. So the slots
-- of a scheduled interpreted bilateral offered no time when its own team
-- was busy or at its cap, though another team of its pairs was free, and
-- a move's or an unavailability's repair could not place it there. Now
-- such a request also gets up to 7 "alts" (500's kaigi_interp_team_alts:
-- the round-robin teams of the next ranks, its own team left out), every
-- member of them among the problem's people with their busy time (the
-- sessions left out of the problem not counted) and daily caps, as 470
-- adds its team's. The solver places a request with one of them when its
-- own team cannot (server/solver/solver-alt.c), and the slots offer their
-- times; when such a placement is written, the session keeps the
-- interpreters that are free then and picks the others among the free
-- ones (260's kaigi_interp_check_assigned), which the solver has just
-- shown there are.
--
-- Wraps (renamed, not copied): 470's kaigi_bilateral_problem_of (now
-- kaigi_bilateral_problem_of_without_alts).
-- tests/integration/49-interpretation-repair.t.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- People p_ids not in problem v (of conference c), with their busy time
-- (sessions p_skip left out, the moved session p_extra in) and, for
-- interpreters, "day_cap_minutes" (470's kaigi_interp_day_caps).
CREATE FUNCTION kaigi_interp_repair_more(c conferences, v jsonb, p_ids bigint[],
    p_skip bigint[], p_extra jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	lo	timestamptz;
	hi	timestamptz;
BEGIN
	IF cardinality(p_ids) = 0 THEN
		RETURN '[]';
	END IF;
	SELECT k.first_start - interval '1 day', k.last_end + interval '1 day'
	INTO lo, hi FROM kaigi_bilateral_bounds(c.id) k;
	RETURN (SELECT coalesce(jsonb_agg(CASE WHEN p.role = 'interpreter'
	    THEN t.e || jsonb_build_object('day_cap_minutes',
		kaigi_interp_day_caps(c, p.id, p_skip, p_extra)) ELSE t.e END ORDER BY t.n), '[]')
	    FROM jsonb_array_elements(kaigi_bilateral_problem_people(c.id,
		(v->>'origin')::bigint, lo, hi, p_ids, p_skip, p_extra))
		WITH ORDINALITY AS t (e, n)
	    LEFT JOIN participants p ON p.id = (t.e->>'id')::bigint);
END $$;

ALTER FUNCTION kaigi_bilateral_problem_of(conferences, bilateral_requests[], bigint[], jsonb)
    RENAME TO kaigi_bilateral_problem_of_without_alts;

-- 470's problem of placing requests reqs of conference c again (sessions
-- p_skip left out, p_extra added), each team request with its other teams.
CREATE FUNCTION kaigi_bilateral_problem_of(c conferences, reqs bilateral_requests[],
    p_skip bigint[], p_extra jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v	jsonb := kaigi_bilateral_problem_of_without_alts(c, reqs, p_skip, p_extra);
	ids	bigint[] := ARRAY(SELECT r.id FROM unnest(reqs) r
		    WHERE cardinality(r.interpretation) > 0);
	teams	jsonb;
	alts	jsonb;
	extra	bigint[];
	people	jsonb;
	idx	jsonb;
BEGIN
	IF cardinality(ids) = 0 OR NOT kaigi_interp_choice(c.id) THEN
		RETURN v;
	END IF;
	SELECT coalesce(jsonb_object_agg(t.request_id::text, to_jsonb(t.team)), '{}')
	INTO teams FROM kaigi_interp_repair_teams(c.id, reqs) t;
	SELECT coalesce(jsonb_object_agg(a.request_id::text, a.teams), '{}') INTO alts
	FROM (SELECT t.request_id, jsonb_agg(to_jsonb(t.team) ORDER BY t.alt) AS teams
	    FROM kaigi_interp_team_alts(c.id, ids, 7) t
	    WHERE teams ? t.request_id::text
		AND to_jsonb(t.team) <> teams->(t.request_id::text)
	    GROUP BY 1) a;
	IF alts = '{}' THEN
		RETURN v;
	END IF;
	extra := ARRAY(SELECT DISTINCT x::bigint FROM jsonb_each(alts) t,
	    jsonb_array_elements(t.value) m, jsonb_array_elements_text(m) x
	    EXCEPT SELECT (p->>'id')::bigint FROM jsonb_array_elements(v->'people') p
	    ORDER BY 1);
	people := v->'people' || kaigi_interp_repair_more(c, v, extra, p_skip, p_extra);
	SELECT coalesce(jsonb_object_agg(o->>'id', n - 1), '{}') INTO idx
	FROM jsonb_array_elements(people) WITH ORDINALITY AS p (o, n);
	RETURN v || jsonb_build_object('people', people,
	    'requests', (SELECT jsonb_agg(CASE WHEN alts ? (t.e->>'id')
		THEN kaigi_problem_request_alts(t.e, teams->(t.e->>'id'),
		    alts->(t.e->>'id'), idx)
		ELSE t.e END ORDER BY t.n)
		FROM jsonb_array_elements(v->'requests') WITH ORDINALITY AS t (e, n)));
END $$;
