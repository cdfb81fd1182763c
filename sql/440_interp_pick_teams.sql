-- 440_interp_pick_teams.sql — writing an auto-schedule's plan asks for the
-- interpreter teams once, not once per placed session and pair (issue 17,
-- item 2: the benchmark with interpreters within 3 s through the API).
--
-- When a plan is written (290's kaigi_bilateral_place_plan), linking each
-- request to its session gives the session its pairs (260's trigger), and
-- the session trigger's kaigi_interp_pick prefers the request's planned
-- team: kaigi_interp_preferred(r), which ranks r among all the
-- conference's requests (430's kaigi_interp_teams for one request: a scan
-- of every request), and pick asked for it inside its loop over the pairs.
-- For the planted benchmark with interpreters (scripts/bench/solver
-- --via-api -I 20: 600 of 2,000 requests need a pair) that was 1.2 s of a
-- 3.6 s write (PROFILE=1 of that script). Now:
--
-- - kaigi_bilateral_place_plan computes the teams of all the plan's
--   requests in one kaigi_interp_teams and keeps them for its own
--   statements in the transaction-local setting kaigi.plan_teams
--   ({request id: [interpreter ids]}), cleared before it returns (and
--   undone with it when it fails: 290's kaigi_bilateral_apply runs it in a
--   sub-transaction);
-- - kaigi_interp_preferred(r) reads a request's team from that setting
--   when it is set, else computes it as before (the same team: a team
--   depends on the conference's requests and interpreters, which writing a
--   plan does not change);
-- - kaigi_interp_pick asks for the team once per call, and only when a
--   pair lacks interpreters.
--
-- Replaces: 290's kaigi_bilateral_place_plan (renamed
-- kaigi_bilateral_place_plan_uncached and wrapped), 430's
-- kaigi_interp_preferred and 260's kaigi_interp_pick (CREATE OR REPLACE,
-- same signatures). tests/integration/49-interp-teams-set.t counts the
-- request rows a plan's write reads.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- The team request r would have (kaigi_interp_teams), '{}' for none; from
-- the plan being written when there is one (kaigi.plan_teams).
CREATE OR REPLACE FUNCTION kaigi_interp_preferred(r bilateral_requests) RETURNS bigint[]
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_cache	text := current_setting('kaigi.plan_teams', true);
BEGIN
	IF coalesce(v_cache, '') <> '' THEN
		RETURN coalesce(ARRAY(SELECT x::bigint
		    FROM jsonb_array_elements_text(v_cache::jsonb->(r.id::text)) x), '{}');
	END IF;
	RETURN coalesce((SELECT t.team
	    FROM kaigi_interp_teams(r.conference_id, ARRAY[r.id]) t), '{}');
END $$;

ALTER FUNCTION kaigi_bilateral_place_plan(jsonb, bigint, kaigi_plan_row[])
    RENAME TO kaigi_bilateral_place_plan_uncached;

-- 290's, with the teams of the plan's requests asked for once.
CREATE FUNCTION kaigi_bilateral_place_plan(p_actor jsonb, p_conference_id bigint,
    p_rows kaigi_plan_row[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM set_config('kaigi.plan_teams', coalesce((
	    SELECT jsonb_object_agg(t.request_id::text, to_jsonb(t.team))
	    FROM kaigi_interp_teams(p_conference_id,
		ARRAY(SELECT r.bilateral_id FROM unnest(p_rows) r)) t), '{}')::text, true);
	PERFORM kaigi_bilateral_place_plan_uncached(p_actor, p_conference_id, p_rows);
	PERFORM set_config('kaigi.plan_teams', '', true);
END $$;

-- 260's: pick free qualified interpreters under the cap for each pair of
-- session s that has fewer than it needs, a bilateral's planned team first
-- (kaigi_interp_preferred, asked once), then fewest minutes that day; when
-- strict, KG409 naming the first pair left short.
CREATE OR REPLACE FUNCTION kaigi_interp_pick(s sessions, p_strict boolean) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	cap	int := (kaigi_interp_rules(s.conference_id)->>'daily_minutes')::int;
	need	int := kaigi_interp_needed(s.conference_id,
		    (extract(epoch FROM s.ends_at - s.starts_at) / 60)::int);
	pr	text;
	have	int;
	v_id	bigint;
	team	bigint[];
BEGIN
	FOREACH pr IN ARRAY s.interpretation LOOP
		SELECT count(*) INTO have FROM session_interpreters
		WHERE session_id = s.id AND pair = pr;
		IF have < need AND team IS NULL THEN
			team := coalesce((SELECT kaigi_interp_preferred(b)
			    FROM bilateral_requests b WHERE b.session_id = s.id LIMIT 1), '{}');
		END IF;
		WHILE have < need LOOP
			v_id := kaigi_interp_pick_one(s, pr, cap, team);
			IF v_id IS NULL AND NOT p_strict THEN
				EXIT;	-- shown by /conflicts
			ELSIF v_id IS NULL THEN
				PERFORM kaigi_session_raise('KG409', format(
				    'not enough free interpreters for %s: the session '
				    'needs %s, %s could be assigned', pr, need, have),
				    jsonb_build_object('pair', pr, 'needed', need,
					'assigned', have, 'missing', jsonb_build_array(pr)));
			END IF;
			INSERT INTO session_interpreters (session_id, participant_id, pair)
			VALUES (s.id, v_id, pr);
			have := have + 1;
		END LOOP;
	END LOOP;
END $$;

-- The interpreter kaigi_interp_pick gives session s for pair pr next (NULL
-- for none): of the conference, knowing the pair, not yet on the session,
-- free then and under the cap that day; team first, then fewest minutes
-- that day, then id. Locked.
CREATE FUNCTION kaigi_interp_pick_one(s sessions, pr text, cap int, team bigint[])
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	v_id	bigint;
BEGIN
	SELECT q.id INTO v_id FROM (
		SELECT p.id, kaigi_interp_day_minutes(s, p.id) AS m
		FROM participants p
		WHERE p.conference_id = s.conference_id
		    AND p.role = 'interpreter'
		    AND kaigi_interp_knows(p.language_pairs, pr)
		    AND NOT EXISTS (SELECT 1 FROM session_interpreters x
			WHERE x.session_id = s.id AND x.participant_id = p.id)
		    AND NOT kaigi_interp_busy(s, p.id)
		OFFSET 0) q	-- the minutes once per interpreter
	WHERE q.m <= cap
	ORDER BY q.id = ANY (team) DESC, q.m, q.id
	LIMIT 1;
	IF v_id IS NOT NULL THEN
		PERFORM 1 FROM participants WHERE id = v_id FOR UPDATE;
	END IF;
	RETURN v_id;
END $$;
