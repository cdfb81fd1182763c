-- 330_interp_cap_solver.sql — the auto-scheduler and the slots keep the
-- interpreters' daily cap (issue 17, item 2).
--
-- 260's problem put a request's planned interpreter team among its
-- people, so no plan double-books them, but the solver did not know the
-- conference's interpretation_rules.daily_minutes: a plan that gave one
-- interpreter more than the cap in a day was refused whole (409) when
-- written. Now every interpreter in the problem carries
-- "day_cap_minutes": one entry per day of the problem's "days" (the
-- conference's local dates), the minutes they may still interpret that
-- day, i.e. the cap less what they already interpret then (sessions not
-- cancelled in session_interpreters, counted by their local start date as
-- 260's kaigi_interp_day_minutes counts them). The solver (server/solver.c)
-- keeps the sum of the durations of a person's placed meetings of a day
-- within it. The team stays 260's round-robin team.
--
-- Wraps (renamed, not copied): 260's kaigi_bilateral_problem (now
-- kaigi_bilateral_problem_without_caps).
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- Minutes interpreter p_pid may still interpret on each day of conference
-- c, one entry a day from start_date to end_date (never below 0).
CREATE FUNCTION kaigi_interp_day_caps(c conferences, p_pid bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_agg(greatest(0, (kaigi_interp_rules(c.id)->>'daily_minutes')::int
	    - coalesce((SELECT sum(extract(epoch FROM x.ends_at - x.starts_at) / 60)
		FROM session_interpreters i JOIN sessions x ON x.id = i.session_id
		WHERE i.participant_id = p_pid AND x.status <> 'cancelled'
		    AND (x.starts_at AT TIME ZONE c.timezone)::date = d::date), 0)::int)
	    ORDER BY d)
	FROM generate_series(c.start_date, c.end_date, interval '1 day') d
$$;

ALTER FUNCTION kaigi_bilateral_problem(jsonb, text, bigint)
    RENAME TO kaigi_bilateral_problem_without_caps;

-- The solver's problem (260's), each interpreter among its people with
-- "day_cap_minutes" (kaigi_interp_day_caps).
CREATE FUNCTION kaigi_bilateral_problem(p_actor jsonb, p_slug text, p_id bigint)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
	v	jsonb := kaigi_bilateral_problem_without_caps(p_actor, p_slug, p_id);
	c	conferences;
BEGIN
	SELECT * INTO c FROM conferences WHERE id = (v->>'conference_id')::bigint;
	IF NOT FOUND OR NOT EXISTS (SELECT 1 FROM jsonb_array_elements(v->'people') e
	    JOIN participants p ON p.id = (e->>'id')::bigint
	    WHERE p.role = 'interpreter') THEN
		RETURN v;
	END IF;
	RETURN v || jsonb_build_object('people', (SELECT jsonb_agg(CASE
	    WHEN p.role = 'interpreter' THEN t.e || jsonb_build_object('day_cap_minutes',
		kaigi_interp_day_caps(c, p.id)) ELSE t.e END ORDER BY t.n)
	    FROM jsonb_array_elements(v->'people') WITH ORDINALITY AS t (e, n)
	    LEFT JOIN participants p ON p.id = (t.e->>'id')::bigint));
END $$;
