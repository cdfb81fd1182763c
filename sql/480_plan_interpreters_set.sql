-- 480_plan_interpreters_set.sql — writing an auto-schedule's plan gives
-- its sessions their planned interpreter teams as a set (issue 17, item 2:
-- the benchmark with interpreters within 3 s through the API).
--
-- Linking a plan's request to its session (290's step 6) fired 260's
-- trigger kaigi_bilateral_interpretation once per request that needs
-- pairs: an UPDATE of the session's pairs, whose trigger
-- kaigi_sessions_interpretation then checked the booths and picked the
-- interpreters one by one (kaigi_interp_pick). For the planted benchmark
-- with interpreters (scripts/bench/solver --via-api -I 20: 600 of 2,000
-- requests) that was 0.6–1.0 s of a 2.0–2.4 s write; the same write with
-- that trigger off took 1.4 s, as without interpreters.
--
-- Now kaigi_bilateral_place_plan_uncached (290's body) holds both
-- triggers back while it links (transaction-local setting
-- kaigi.plan_interp), then kaigi_bilateral_plan_interpreters gives the
-- pairs and interpreters:
--
-- - a session whose pick is certain — for each of its pairs, exactly as
--   many of its request's planned team know the pair as the meeting
--   needs, none of them for two pairs — gets its pairs in one UPDATE of
--   all such sessions and those interpreters in one INSERT: the rows the
--   pick gives (the team comes first, and the team is all it takes). The
--   pick's conditions are then checked for all of them at once: the
--   room's booths, no interpreter over the daily cap (KGP00 otherwise),
--   and no interpreter double-booked (the busy table's exclusion
--   constraint, as for attendees). Any refusal rolls the set's work back
--   and the plan is written one by one as before (290), which picks
--   others or says why not;
-- - any other session (a team short of a pair, or with a choice to make)
--   gets its pairs in one UPDATE with the triggers on, strict, after the
--   certain ones: picked one by one as before, seeing their interpreters.
--
-- The rows written are those of the per-row path
-- (tests/integration/58-plan-write.t holds them equal, interpreters
-- included); tests/integration/49-interp-teams-set.t counts the picks.
--
-- Replaces (CREATE OR REPLACE, same signatures): 260's trigger functions
-- kaigi_bilateral_interpretation and kaigi_sessions_interpretation (a
-- guard added at the top), and 440's kaigi_bilateral_place_plan_uncached
-- (290's body, with the step above before the audit rows, which are now
-- kaigi_bilateral_plan_audit's).
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- Are the interpretation triggers held back by a plan being written?
CREATE FUNCTION kaigi_plan_interp_held() RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT coalesce(current_setting('kaigi.plan_interp', true), '') = 'on'
$$;

-- 260's: a bilateral request linked to a session (or its pairs changed
-- while linked) gives the session its pairs; not while a plan is written.
CREATE OR REPLACE FUNCTION kaigi_bilateral_interpretation() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF kaigi_plan_interp_held() THEN
		RETURN NULL;	-- kaigi_bilateral_plan_interpreters
	END IF;
	PERFORM set_config('kaigi.interp_strict', 'on', true);
	UPDATE sessions SET interpretation = NEW.interpretation
	WHERE id = NEW.session_id AND interpretation IS DISTINCT FROM NEW.interpretation;
	PERFORM set_config('kaigi.interp_strict', '', true);
	RETURN NULL;
END $$;

-- 260's (see there): fit the session's interpretation; not while a plan
-- gives its sessions their planned teams.
CREATE OR REPLACE FUNCTION kaigi_sessions_interpretation() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	s	sessions := NEW;
	k	text := CASE WHEN TG_OP = 'INSERT' THEN 'new' ELSE s.id::text END;
	v_strict	boolean := TG_OP = 'INSERT' OR kaigi_interp_input(k) IS NOT NULL
		    OR coalesce(current_setting('kaigi.interp_strict', true), '') = 'on';
BEGIN
	IF kaigi_plan_interp_held() THEN
		RETURN NULL;	-- kaigi_bilateral_plan_interpreters
	END IF;
	PERFORM kaigi_interp_given(s, k);
	DELETE FROM session_interpreters i WHERE i.session_id = s.id
	    AND NOT (i.pair = ANY (s.interpretation));
	IF s.status = 'cancelled' OR cardinality(s.interpretation) = 0 THEN
		RETURN NULL;
	END IF;
	IF v_strict THEN
		PERFORM kaigi_interp_check_booths(s);
	END IF;
	PERFORM kaigi_interp_check_assigned(s, v_strict);
	PERFORM kaigi_interp_pick(s, v_strict);
	RETURN NULL;
END $$;

-- The interpreters of the plan's sessions whose pick is certain (see the
-- top of this file): session, interpreter, pair. p_teams: {request id:
-- [interpreter ids]} (440's kaigi.plan_teams); p_pairs: {session id:
-- [pairs]} for the sessions that need pairs.
CREATE FUNCTION kaigi_bilateral_plan_certain(p_conference_id bigint,
    p_rows kaigi_plan_row[], p_teams jsonb, p_pairs jsonb)
RETURNS TABLE (session_id bigint, participant_id bigint, pair text)
LANGUAGE sql STABLE AS $$
	WITH x AS (
		SELECT r.session_id,
		    ARRAY(SELECT jsonb_array_elements_text(p_pairs->(r.session_id::text)))
			AS interpretation,
		    kaigi_interp_needed(p_conference_id,
			(extract(epoch FROM r.ends_at - r.starts_at) / 60)::int) AS need,
		    ARRAY(SELECT t::bigint FROM jsonb_array_elements_text(
			p_teams->(r.bilateral_id::text)) t) AS team
		FROM unnest(p_rows) r WHERE p_pairs ? r.session_id::text),
	m AS (
		SELECT x.session_id, x.interpretation, x.need, pr, p.id
		FROM x CROSS JOIN LATERAL unnest(x.interpretation) pr
		JOIN participants p ON p.id = ANY (x.team) AND p.role = 'interpreter'
		    AND kaigi_interp_knows(p.language_pairs, pr)),
	per_pair AS (
		SELECT m.session_id, m.interpretation, m.need, m.pr, count(*) AS n
		FROM m GROUP BY 1, 2, 3, 4),
	certain AS (	-- every pair (each once) has exactly as many as it needs
		SELECT p.session_id FROM per_pair p
		GROUP BY p.session_id, p.interpretation
		HAVING count(*) = cardinality(p.interpretation)
		    AND count(*) = (SELECT count(DISTINCT y) FROM unnest(p.interpretation) y)
		    AND bool_and(p.n = p.need)),
	disjoint AS (	-- and none of them is there for two pairs
		SELECT m.session_id FROM m JOIN certain USING (session_id)
		GROUP BY m.session_id HAVING count(*) = count(DISTINCT m.id))
	SELECT m.session_id, m.id, m.pr FROM m JOIN disjoint USING (session_id)
$$;

-- KGP00 unless every session of p_sids has booths for its pairs and no
-- interpreter of theirs passes the daily cap on their days.
CREATE FUNCTION kaigi_bilateral_plan_interp_check(p_conference_id bigint, p_sids bigint[])
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	c	conferences;
	cap	int := (kaigi_interp_rules(p_conference_id)->>'daily_minutes')::int;
BEGIN
	SELECT * INTO c FROM conferences WHERE id = p_conference_id;
	IF EXISTS (SELECT 1 FROM sessions s JOIN rooms r ON r.id = s.room_id
	    WHERE s.id = ANY (p_sids) AND r.booths < cardinality(s.interpretation)) THEN
		PERFORM kaigi_bilateral_plan_refuse('a room has too few booths');
	END IF;
	IF EXISTS (SELECT 1 FROM session_interpreters i JOIN sessions x ON x.id = i.session_id
	    WHERE x.status <> 'cancelled' AND i.participant_id IN (SELECT j.participant_id
		FROM session_interpreters j WHERE j.session_id = ANY (p_sids))
	    GROUP BY i.participant_id, (x.starts_at AT TIME ZONE c.timezone)::date
	    HAVING sum(extract(epoch FROM x.ends_at - x.starts_at) / 60) > cap) THEN
		PERFORM kaigi_bilateral_plan_refuse('an interpreter would pass the daily cap');
	END IF;
END $$;

-- The plan's sessions get their requests' pairs and interpreters: the
-- certain ones as a set, then the others one by one (strict).
CREATE FUNCTION kaigi_bilateral_plan_interpreters(p_conference_id bigint,
    p_rows kaigi_plan_row[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	v_teams	jsonb := coalesce(nullif(current_setting('kaigi.plan_teams', true), ''), '{}')::jsonb;
	v_pairs	jsonb;
	v_sid	bigint[];
	v_pid	bigint[];
	v_pair	text[];
	v_sure	bigint[];
BEGIN
	SELECT coalesce(jsonb_object_agg(r.session_id::text, to_jsonb(b.interpretation)), '{}')
	INTO v_pairs FROM unnest(p_rows) r JOIN bilateral_requests b ON b.id = r.bilateral_id
	WHERE cardinality(b.interpretation) > 0;
	SELECT coalesce(array_agg(c.session_id), '{}'), coalesce(array_agg(c.participant_id), '{}'),
	    coalesce(array_agg(c.pair), '{}')
	INTO v_sid, v_pid, v_pair
	FROM kaigi_bilateral_plan_certain(p_conference_id, p_rows, v_teams, v_pairs) c;
	v_sure := ARRAY(SELECT DISTINCT x FROM unnest(v_sid) x);
	PERFORM kaigi_bilateral_plan_pairs(v_pairs, v_sure);
	INSERT INTO session_interpreters (session_id, participant_id, pair)
	SELECT * FROM unnest(v_sid, v_pid, v_pair) ORDER BY 1, 2;
	PERFORM kaigi_bilateral_plan_interp_check(p_conference_id, v_sure);
	PERFORM set_config('kaigi.plan_interp', '', true);
	PERFORM set_config('kaigi.interp_strict', 'on', true);
	PERFORM kaigi_bilateral_plan_pairs(v_pairs, ARRAY(SELECT k::bigint
	    FROM jsonb_object_keys(v_pairs) k WHERE k::bigint <> ALL (v_sure)));
	PERFORM set_config('kaigi.interp_strict', '', true);
END $$;

-- Sessions p_sids get their pairs from p_pairs ({session id: [pairs]}).
CREATE FUNCTION kaigi_bilateral_plan_pairs(p_pairs jsonb, p_sids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	UPDATE sessions s SET interpretation = ARRAY(SELECT jsonb_array_elements_text(
	    p_pairs->(s.id::text)))
	WHERE s.id = ANY (p_sids);
END $$;

-- The plan's audit rows: per placement, in plan order, the session's
-- creation then the request's scheduling (290's step 7).
CREATE FUNCTION kaigi_bilateral_plan_audit(p_actor jsonb, p_conference_id bigint,
    p_rows kaigi_plan_row[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM kaigi_session_audit(p_actor, p_conference_id, 'create', r.session_id,
		NULL, kaigi_session_json(r.session_id)),
	    kaigi_bilateral_audit(p_actor, p_conference_id, 'schedule', r.bilateral_id,
		jsonb_build_object('status', r.status), kaigi_bilateral_json(r.bilateral_id))
	FROM unnest(p_rows) r ORDER BY r.ord;
END $$;

-- 290's kaigi_bilateral_place_plan (440's _uncached): write the plan's
-- rows as a set, the interpretation triggers held back while the requests
-- are linked and the interpreters given by kaigi_bilateral_plan_interpreters
-- before the audit rows (which carry them: kaigi_bilateral_plan_audit).
CREATE OR REPLACE FUNCTION kaigi_bilateral_place_plan_uncached(p_actor jsonb,
    p_conference_id bigint, p_rows kaigi_plan_row[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	v_bad	bigint;
BEGIN
	PERFORM kaigi_bilateral_plan_sessions(p_conference_id, p_rows);
	PERFORM set_config('kaigi.plan_interp', 'on', true);
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
	PERFORM kaigi_bilateral_plan_interpreters(p_conference_id, p_rows);
	PERFORM kaigi_bilateral_plan_audit(p_actor, p_conference_id, p_rows);
END $$;
