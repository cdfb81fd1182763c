-- 470_interp_repair_problem.sql — the repair problems treat interpreters
-- and booths as scarce, as the auto-scheduler's does (issue 17, item 2:
-- "the auto-scheduler and the slots treat interpreters and booths as
-- scarce resources").
--
-- 120's kaigi_bilateral_problem_of builds the problem of placing some
-- requests again: the slots of a scheduled bilateral (GET
-- /bilaterals/{id}/slots), a move's repair and its cascade (120, 170) and
-- an unavailability's repair (125). 260, 330 and 430 gave the
-- auto-scheduler's problem the interpreter teams, the rooms' booths and
-- the interpreters' daily caps, but not this one: the slots of a
-- scheduled interpreted bilateral offered times when its interpreters
-- were busy elsewhere or at their cap, and rooms without a booth, and a
-- repair could move it there (its interpreters then dropped, the pair
-- left short). Now, for the requests of the problem that need pairs:
--
-- - the team is the interpreters its session has (those a move keeps when
--   they are free then: 260's kaigi_interp_check_assigned), or, for one
--   without, its round-robin team (430's kaigi_interp_teams); the team's
--   members are among the request's people, with their busy time (the
--   sessions left out of the problem not counted);
-- - rooms with fewer booths than the most any of them needs are left out
--   (as 260's);
-- - each interpreter among the people carries "day_cap_minutes" (as 330's),
--   the minutes of the sessions left out of the problem not counted
--   against it and those of the session moved (p_extra) counted on its
--   new day.
--
-- Wraps (renamed, not copied): 120's kaigi_bilateral_problem_of (now
-- kaigi_bilateral_problem_of_without_interpreters).
-- tests/integration/49-interpretation-repair.t.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- The team of each request of reqs that needs pairs: its session's
-- interpreters, or its round-robin team when the session has none (or it
-- has no session). Requests without a team are left out.
CREATE FUNCTION kaigi_interp_repair_teams(p_cid bigint, reqs bilateral_requests[])
RETURNS TABLE (request_id bigint, team bigint[]) LANGUAGE sql STABLE AS $$
	SELECT r.id, CASE WHEN cardinality(cur.ids) > 0 THEN cur.ids ELSE t.team END
	FROM unnest(reqs) r
	CROSS JOIN LATERAL (SELECT ARRAY(SELECT DISTINCT i.participant_id
	    FROM session_interpreters i WHERE i.session_id = r.session_id
	    ORDER BY 1) AS ids) cur
	LEFT JOIN kaigi_interp_teams(p_cid, ARRAY(SELECT x.id FROM unnest(reqs) x
	    WHERE cardinality(x.interpretation) > 0)) t ON t.request_id = r.id
	WHERE cardinality(r.interpretation) > 0
	    AND (cardinality(cur.ids) > 0 OR t.team IS NOT NULL)
$$;

-- Minutes interpreter p_pid may still interpret on each day of conference
-- c (as 330's kaigi_interp_day_caps), sessions p_skip not counted and the
-- moved session p_extra ({start, end, people}) counted when they are in it.
CREATE FUNCTION kaigi_interp_day_caps(c conferences, p_pid bigint, p_skip bigint[],
    p_extra jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	WITH s AS (
		SELECT x.starts_at AS st, x.ends_at AS en
		FROM session_interpreters i JOIN sessions x ON x.id = i.session_id
		WHERE i.participant_id = p_pid AND x.status <> 'cancelled'
		    AND x.id <> ALL (p_skip)
		UNION ALL
		SELECT (p_extra->>'start')::timestamptz, (p_extra->>'end')::timestamptz
		WHERE p_extra IS NOT NULL AND coalesce(p_extra->'people', '[]') @> to_jsonb(p_pid))
	SELECT jsonb_agg(greatest(0, (kaigi_interp_rules(c.id)->>'daily_minutes')::int
	    - coalesce((SELECT sum(extract(epoch FROM s.en - s.st) / 60) FROM s
		WHERE (s.st AT TIME ZONE c.timezone)::date = d::date), 0)::int)
	    ORDER BY d)
	FROM generate_series(c.start_date, c.end_date, interval '1 day') d
$$;

ALTER FUNCTION kaigi_bilateral_problem_of(conferences, bilateral_requests[], bigint[], jsonb)
    RENAME TO kaigi_bilateral_problem_of_without_interpreters;

-- 120's problem of placing requests reqs of conference c again (sessions
-- p_skip left out, p_extra added), with the teams, booths and caps above.
CREATE FUNCTION kaigi_bilateral_problem_of(c conferences, reqs bilateral_requests[],
    p_skip bigint[], p_extra jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v	jsonb := kaigi_bilateral_problem_of_without_interpreters(c, reqs, p_skip, p_extra);
	most	int := (SELECT max(cardinality(r.interpretation)) FROM unnest(reqs) r);
	teams	jsonb;
	extra	bigint[];
	people	jsonb;
	idx	jsonb;
BEGIN
	IF coalesce(most, 0) = 0 THEN
		RETURN v;
	END IF;
	SELECT coalesce(jsonb_object_agg(t.request_id::text, to_jsonb(t.team)), '{}')
	INTO teams FROM kaigi_interp_repair_teams(c.id, reqs) t;
	extra := ARRAY(SELECT x::bigint FROM jsonb_each(teams) t,
	    jsonb_array_elements_text(t.value) x
	    EXCEPT SELECT (p->>'id')::bigint FROM jsonb_array_elements(v->'people') p
	    ORDER BY 1);
	people := kaigi_interp_repair_people(c, v, extra, p_skip, p_extra);
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

-- Problem v's people and the team members p_extra_ids not among them (with
-- their busy time, sessions p_skip left out), each interpreter with
-- "day_cap_minutes".
CREATE FUNCTION kaigi_interp_repair_people(c conferences, v jsonb, p_extra_ids bigint[],
    p_skip bigint[], p_extra jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	lo	timestamptz;
	hi	timestamptz;
	people	jsonb;
BEGIN
	SELECT k.first_start - interval '1 day', k.last_end + interval '1 day'
	INTO lo, hi FROM kaigi_bilateral_bounds(c.id) k;
	people := v->'people' || kaigi_bilateral_problem_people(c.id,
	    (v->>'origin')::bigint, lo, hi, p_extra_ids, p_skip, p_extra);
	RETURN (SELECT jsonb_agg(CASE WHEN p.role = 'interpreter'
	    THEN t.e || jsonb_build_object('day_cap_minutes',
		kaigi_interp_day_caps(c, p.id, p_skip, p_extra)) ELSE t.e END ORDER BY t.n)
	    FROM jsonb_array_elements(people) WITH ORDINALITY AS t (e, n)
	    LEFT JOIN participants p ON p.id = (t.e->>'id')::bigint);
END $$;
