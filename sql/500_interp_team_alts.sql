-- 500_interp_team_alts.sql — the auto-scheduler and the slots choose among
-- the interpreters (issue 17, item 2: "places every request that can be
-- placed").
--
-- Until now the solver's problem gave a request needing pairs one team,
-- the round-robin team of 430's kaigi_interp_teams, among its people; a
-- request whose team was busy or over its daily cap whenever its
-- delegations could meet was left out ("lost to other requests"), even
-- when other interpreters of its pairs were free. Now:
--
-- - kaigi_interp_team_alts(conference, request ids, n) gives each request
--   up to n other teams: the round-robin teams of the next ranks (the
--   team of rank k + a for a = 1..n), each distinct from the request's
--   own team and from the ones before;
-- - the problem (kaigi_bilateral_problem_without_caps, which 330 wraps
--   with the caps of every interpreter in it) gives such a request
--   "interpreters" (its team's ids) and "alts": [{people, interpreters}],
--   the request's people with each other team instead of its own, and has
--   every member of those teams among its people (when no request has
--   another team, the problem stays as it was: nothing to choose; when no
--   pair has more interpreters than a meeting needs, kaigi_interp_choice,
--   that is known before any team is computed);
-- - the solver (server/solver/solver-alt.c) tries a request it left out
--   with each of its alts, and the slots offer the times of every alt;
--   the plan says which team each placement took ("interpreters");
-- - writing the plan (kaigi_bilateral_plan) prefers that team: the
--   transaction-local setting kaigi.plan_chosen ({request id: ids}, only
--   interpreters of the conference) is laid over 440's kaigi.plan_teams
--   and read first by kaigi_interp_preferred. The team is a preference:
--   the pick still checks every interpreter (pair, double booking, cap);
-- - the answer of POST /conferences/{slug}/schedule gives each placement
--   of a request that had a choice of team its "interpreters" (the plan's
--   in a dry run, the session's when written).
--
-- Wraps (renamed, not copied): 430's kaigi_bilateral_problem_without_caps
-- (now kaigi_bilateral_problem_without_alts), 040's kaigi_bilateral_plan
-- (now kaigi_bilateral_plan_unchosen). Replaces (CREATE OR REPLACE, same
-- signatures): 430's kaigi_interp_teams (its query moved, widened to the
-- other ranks, into kaigi_interp_team_shifts) and 440's
-- kaigi_bilateral_place_plan; wraps 440's kaigi_interp_preferred (now
-- kaigi_interp_preferred_unchosen).
-- tests/integration/49-interp-team-alts.t.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- The round-robin teams of ranks k .. k + p_n of each request of
-- conference p_cid whose id is in p_ids and that needs pairs some
-- interpreter knows (k its own rank: 430's kaigi_interp_teams, whose
-- query this is, for a = 0 .. p_n).
CREATE FUNCTION kaigi_interp_team_shifts(p_cid bigint, p_ids bigint[], p_n int)
RETURNS TABLE (request_id bigint, a int, team bigint[]) LANGUAGE sql STABLE AS $$
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
	SELECT z.id, z.a, array_agg(DISTINCT z.member ORDER BY z.member)
	FROM (SELECT s.id, a, s.ids[1 + (((s.k + a) * s.m + j) % cardinality(s.ids))]
		AS member
	    FROM sized s, generate_series(0, p_n) a, generate_series(0, s.m - 1) j) z
	GROUP BY z.id, z.a
$$;

-- 430's teams, as the shifts' first (the same query, a = 0 alone).
CREATE OR REPLACE FUNCTION kaigi_interp_teams(p_cid bigint, p_ids bigint[])
RETURNS TABLE (request_id bigint, team bigint[]) LANGUAGE sql STABLE AS $$
	SELECT t.request_id, t.team FROM kaigi_interp_team_shifts(p_cid, p_ids, 0) t
$$;

-- Up to p_n other teams of each request of conference p_cid whose id is
-- in p_ids and that has a team: the shifts 1 .. p_n, each distinct from
-- the request's own team and from the ones before; alt 0, 1, ... in that
-- order.
CREATE FUNCTION kaigi_interp_team_alts(p_cid bigint, p_ids bigint[], p_n int)
RETURNS TABLE (request_id bigint, alt int, team bigint[]) LANGUAGE sql STABLE AS $$
	WITH firsts AS (
		SELECT DISTINCT ON (t.request_id, t.team) t.request_id AS id, t.a, t.team
		FROM kaigi_interp_team_shifts(p_cid, p_ids, p_n) t
		ORDER BY t.request_id, t.team, t.a)
	SELECT f.id, (row_number() OVER (PARTITION BY f.id ORDER BY f.a) - 1)::int, f.team
	FROM firsts f
	WHERE f.a > 0 AND NOT EXISTS (SELECT 1 FROM firsts o
	    WHERE o.id = f.id AND o.a = 0 AND o.team = f.team)
$$;

-- Has some language pair of conference p_cid more interpreters than a
-- meeting needs (the fewer of per_pair and per_pair_long)? Else no request
-- can have another team, and the problem needs no more work.
CREATE FUNCTION kaigi_interp_choice(p_cid bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT EXISTS (SELECT 1 FROM participants p, unnest(p.language_pairs) x
	    WHERE p.conference_id = p_cid AND p.role = 'interpreter'
	    GROUP BY kaigi_interp_key(x)
	    HAVING count(DISTINCT p.id) > (SELECT least((r->>'per_pair')::int,
		(r->>'per_pair_long')::int) FROM kaigi_interp_rules(p_cid) r))
$$;

-- Request e of the problem with its team (ids, or NULL for none) and its
-- other teams ([[ids]]): "interpreters", and "alts" with e's people less
-- its team's, plus each other team's (idx: participant id -> index).
CREATE FUNCTION kaigi_problem_request_alts(e jsonb, p_team jsonb, p_alts jsonb,
    idx jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN p_team IS NULL THEN e
	ELSE e || jsonb_build_object('interpreters', p_team,
	    'alts', coalesce((SELECT jsonb_agg(jsonb_build_object(
		'people', (SELECT jsonb_agg(DISTINCT i) FROM (
		    SELECT i FROM jsonb_array_elements(e->'people') i
		    WHERE NOT EXISTS (SELECT 1 FROM jsonb_array_elements_text(p_team) x
			WHERE idx->x = i)
		    UNION ALL
		    SELECT idx->x FROM jsonb_array_elements_text(a.t) x WHERE idx ? x) y),
		'interpreters', a.t) ORDER BY a.n)
		FROM jsonb_array_elements(p_alts) WITH ORDINALITY AS a (t, n)), '[]'))
	END
$$;

ALTER FUNCTION kaigi_bilateral_problem_without_caps(jsonb, text, bigint)
    RENAME TO kaigi_bilateral_problem_without_alts;

-- The solver's problem (430's) with each team request's other teams
-- ("alts", up to 7) and every member of them among its people; as it was
-- when no request has another team.
CREATE FUNCTION kaigi_bilateral_problem_without_caps(p_actor jsonb, p_slug text,
    p_id bigint)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
	v	jsonb := kaigi_bilateral_problem_without_alts(p_actor, p_slug, p_id);
	c	bigint := (v->>'conference_id')::bigint;
	ids	bigint[];
	teams	jsonb;
	alts	jsonb;
	people	jsonb;
	idx	jsonb;
BEGIN
	IF NOT kaigi_interp_choice(c) THEN
		RETURN v;
	END IF;
	ids := ARRAY(SELECT (e->>'id')::bigint FROM jsonb_array_elements(v->'requests') e);
	SELECT coalesce(jsonb_object_agg(a.request_id::text, a.teams), '{}') INTO alts
	FROM (SELECT t.request_id, jsonb_agg(to_jsonb(t.team) ORDER BY t.alt) AS teams
	    FROM kaigi_interp_team_alts(c, ids, 7) t GROUP BY 1) a;
	IF alts = '{}' THEN
		RETURN v;
	END IF;
	SELECT coalesce(jsonb_object_agg(t.request_id::text, to_jsonb(t.team)), '{}')
	INTO teams FROM kaigi_interp_teams(c, ids) t;
	people := kaigi_problem_alt_people(c, v, alts);
	SELECT coalesce(jsonb_object_agg(o->>'id', n - 1), '{}') INTO idx
	FROM jsonb_array_elements(people) WITH ORDINALITY AS p (o, n);
	RETURN v || jsonb_build_object('people', people,
	    'requests', (SELECT jsonb_agg(CASE WHEN teams ? (t.e->>'id')
		THEN kaigi_problem_request_alts(t.e, teams->(t.e->>'id'),
		    coalesce(alts->(t.e->>'id'), '[]'), idx)
		ELSE t.e END ORDER BY t.n)
		FROM jsonb_array_elements(v->'requests') WITH ORDINALITY AS t (e, n)));
END $$;

-- The people of problem v, with the members of the other teams alts
-- ({request id: [[ids]]}) that it lacks (430's way: their busy times
-- from a day before the conference's first bilateral to a day after).
CREATE FUNCTION kaigi_problem_alt_people(c bigint, v jsonb, alts jsonb)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
	extra	bigint[];
	lo	timestamptz;
	hi	timestamptz;
BEGIN
	extra := ARRAY(SELECT DISTINCT x::bigint FROM jsonb_each(alts) t,
	    jsonb_array_elements(t.value) m, jsonb_array_elements_text(m) x
	    EXCEPT SELECT (p->>'id')::bigint FROM jsonb_array_elements(v->'people') p
	    ORDER BY 1);
	IF cardinality(extra) = 0 THEN
		RETURN v->'people';
	END IF;
	SELECT k.first_start - interval '1 day', k.last_end + interval '1 day'
	INTO lo, hi FROM kaigi_bilateral_bounds(c) k;
	RETURN v->'people' || kaigi_bilateral_problem_people(c,
	    (v->>'origin')::bigint, lo, hi, extra);
END $$;

ALTER FUNCTION kaigi_interp_preferred(bilateral_requests)
    RENAME TO kaigi_interp_preferred_unchosen;

-- The team request r would have: the plan's choice (kaigi.plan_chosen),
-- else 440's (the plan's teams, else kaigi_interp_teams').
CREATE FUNCTION kaigi_interp_preferred(r bilateral_requests) RETURNS bigint[]
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_chosen	text := current_setting('kaigi.plan_chosen', true);
BEGIN
	IF coalesce(v_chosen, '') <> '' AND v_chosen::jsonb ? r.id::text THEN
		RETURN ARRAY(SELECT x::bigint
		    FROM jsonb_array_elements_text(v_chosen::jsonb->(r.id::text)) x);
	END IF;
	RETURN kaigi_interp_preferred_unchosen(r);
END $$;

-- 440's, the plan's choices laid over the teams.
CREATE OR REPLACE FUNCTION kaigi_bilateral_place_plan(p_actor jsonb,
    p_conference_id bigint, p_rows kaigi_plan_row[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM set_config('kaigi.plan_teams', (coalesce((
	    SELECT jsonb_object_agg(t.request_id::text, to_jsonb(t.team))
	    FROM kaigi_interp_teams(p_conference_id,
		ARRAY(SELECT r.bilateral_id FROM unnest(p_rows) r)) t), '{}')
	    || coalesce(nullif(current_setting('kaigi.plan_chosen', true), ''),
		'{}')::jsonb)::text, true);
	PERFORM kaigi_bilateral_place_plan_uncached(p_actor, p_conference_id, p_rows);
	PERFORM set_config('kaigi.plan_teams', '', true);
END $$;

-- The teams plan p_plan chose ({request id: [ids]}), only interpreters of
-- conference p_cid.
CREATE FUNCTION kaigi_plan_chosen(p_cid bigint, p_plan jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_object_agg(x.e->>'bilateral_id', to_jsonb(ARRAY(
	    SELECT p.id FROM participants p
	    WHERE p.conference_id = p_cid AND p.role = 'interpreter'
		AND p.id IN (SELECT i::bigint FROM jsonb_array_elements_text(x.e->'interpreters') i)
	    ORDER BY p.id))), '{}')
	FROM jsonb_array_elements(p_plan->'placed') x (e)
	WHERE jsonb_typeof(x.e->'interpreters') = 'array'
$$;

ALTER FUNCTION kaigi_bilateral_plan(jsonb, text, jsonb, boolean)
    RENAME TO kaigi_bilateral_plan_unchosen;

-- 040's, writing each placement with the team the plan chose for it, and
-- each placement of the answer with its "interpreters" (the plan's in a
-- dry run, else the session's).
CREATE FUNCTION kaigi_bilateral_plan(p_actor jsonb, p_slug text, p_plan jsonb,
    p_dry_run boolean) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	c	bigint := kaigi_session_conference(p_actor, p_slug);
	v	jsonb;
	chosen	jsonb := kaigi_plan_chosen(c, p_plan);
BEGIN
	PERFORM set_config('kaigi.plan_chosen', chosen::text, true);
	v := kaigi_bilateral_plan_unchosen(p_actor, p_slug, p_plan, p_dry_run);
	PERFORM set_config('kaigi.plan_chosen', '', true);
	IF chosen = '{}' THEN
		RETURN v;
	END IF;
	RETURN v || jsonb_build_object('placed', (SELECT coalesce(jsonb_agg(CASE
	    WHEN NOT chosen ? (x.e->>'bilateral_id') THEN x.e
	    WHEN p_dry_run THEN x.e || jsonb_build_object('interpreters',
		chosen->(x.e->>'bilateral_id'))
	    ELSE x.e || jsonb_build_object('interpreters', to_jsonb(ARRAY(
		SELECT DISTINCT i.participant_id FROM session_interpreters i
		WHERE i.session_id = (x.e->>'session_id')::bigint ORDER BY 1)))
	    END ORDER BY x.n), '[]')
	    FROM jsonb_array_elements(v->'placed') WITH ORDINALITY AS x (e, n)));
END $$;
