-- 460_interp_pick_team_first.sql — a session's interpreters picked from its
-- planned team before anyone else is looked at, and nothing checked on a
-- session that has none yet (issue 17, item 2: the benchmark with
-- interpreters within 3 s through the API).
--
-- 440's kaigi_interp_pick_one ranked every interpreter of the conference who
-- knows the pair (busy? minutes that day?) to take the first of the team:
-- of the 600 interpreted sessions of the planted benchmark's plan, each
-- looked at the dozen interpreters of its pair, 0.3 s in all. The team's
-- members come first in that order anyway, so they are looked at alone
-- first, and the others only when none of the team can take the pair: the
-- same interpreter picked. 260's kaigi_interp_check_assigned (drop the
-- picked who are busy or over the cap; when strict, refuse the given who
-- are) ran its three queries on every new plan session, which has no
-- interpreter yet: it returns at once when the session has none.
--
-- Replaces: 440's kaigi_interp_pick_one and 260's kaigi_interp_day_minutes
-- (now PL/pgSQL) (CREATE OR REPLACE); 260's
-- kaigi_interp_check_assigned (renamed kaigi_interp_check_assigned_present
-- and wrapped).
-- tests/integration/49-interp-teams-set.t counts the interpreters looked at.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- The interpreter kaigi_interp_pick gives session s for pair pr next (NULL
-- for none): of the conference, knowing the pair, not yet on the session,
-- free then and under the cap that day; team first, then fewest minutes
-- that day, then id. Locked.
CREATE OR REPLACE FUNCTION kaigi_interp_pick_one(s sessions, pr text, cap int, team bigint[])
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	v_id	bigint;
BEGIN
	IF cardinality(team) > 0 THEN
		v_id := kaigi_interp_pick_among(s, pr, cap, team);
	END IF;
	IF v_id IS NULL THEN
		v_id := kaigi_interp_pick_among(s, pr, cap, NULL);
	END IF;
	IF v_id IS NOT NULL THEN
		PERFORM 1 FROM participants WHERE id = v_id FOR UPDATE;
	END IF;
	RETURN v_id;
END $$;

-- Of the interpreters p_among (NULL: all of the conference), the one who
-- knows pair pr, is not yet on session s, is free then and under the cap
-- that day, with the fewest minutes that day, then the lowest id; NULL for
-- none.
CREATE FUNCTION kaigi_interp_pick_among(s sessions, pr text, cap int, p_among bigint[])
RETURNS bigint LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT q.id FROM (
		SELECT p.id, kaigi_interp_day_minutes(s, p.id) AS m
		FROM participants p
		WHERE p.conference_id = s.conference_id
		    AND (p_among IS NULL OR p.id = ANY (p_among))
		    AND p.role = 'interpreter'
		    AND kaigi_interp_knows(p.language_pairs, pr)
		    AND NOT EXISTS (SELECT 1 FROM session_interpreters x
			WHERE x.session_id = s.id AND x.participant_id = p.id)
		    AND NOT kaigi_interp_busy(s, p.id)
		OFFSET 0) q	-- the minutes once per interpreter
	WHERE q.m <= cap
	ORDER BY q.m, q.id
	LIMIT 1);
END $$;

-- 260's, as PL/pgSQL: a LANGUAGE sql function that reads tables is not
-- inlined, and is planned again in each statement that calls it (here
-- one statement per pick, which now calls it for one or two
-- interpreters); PL/pgSQL keeps its plan per connection.
CREATE OR REPLACE FUNCTION kaigi_interp_day_minutes(s sessions, p_pid bigint) RETURNS int
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT (extract(epoch FROM s.ends_at - s.starts_at) / 60)::int
	    + coalesce((SELECT sum(extract(epoch FROM x.ends_at - x.starts_at) / 60)
		FROM session_interpreters i JOIN sessions x ON x.id = i.session_id
		WHERE i.participant_id = p_pid AND x.id <> s.id
		    AND x.status <> 'cancelled'
		    AND (x.starts_at AT TIME ZONE c.timezone)::date
			= (s.starts_at AT TIME ZONE c.timezone)::date), 0)::int
	FROM conferences c WHERE c.id = s.conference_id);
END $$;

ALTER FUNCTION kaigi_interp_check_assigned(sessions, boolean)
    RENAME TO kaigi_interp_check_assigned_present;

-- 260's kaigi_interp_check_assigned (now _present) for a session that has
-- interpreters; nothing to drop or refuse for one that has none.
CREATE FUNCTION kaigi_interp_check_assigned(s sessions, p_strict boolean)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM session_interpreters WHERE session_id = s.id) THEN
		PERFORM kaigi_interp_check_assigned_present(s, p_strict);
	END IF;
END $$;
