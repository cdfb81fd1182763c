-- 800_transition_plans_per_call.sql — the statement triggers over a
-- transition table look their rows up by key and plan their joins for
-- the rows at hand, at each call (issue 17's and issue 21's auto-scheduler
-- through the API).
--
-- PL/pgSQL plans a statement that names none of its variables once per
-- connection and keeps that plan. For a join over a transition table the
-- plan is then made for the rows of the connection's first call: setting
-- a conference up through the API inserts sessions and their attendees
-- one at a time, and the pooled connection kept plans made for one row
-- when the first schedule inserted thousands. 730 met this in its link
-- (planned at each call since); the others kept it. On the planted 2,000
-- with interpreters (scripts/bench/solver --via-api -I 20 -t 3000, PROFILE=1)
-- the first schedule's kaigi_attendees_inserted took 788 ms and
-- kaigi_session_delegations_inserted 423 ms, against 120 ms and under
-- 80 ms for the same rows on fresh connections; the answer took 3.4–3.8 s
-- against the 3 s of the issue's benchmark.
--
-- And the guards of 570 and 760 asked NOT EXISTS of a join by conference
-- (with an OR, in the attendees'). The parties' check, planned for one
-- row, read the conference's sessions by its index once per party; and a
-- first version of this file, which only planned them per call, made the
-- attendees' check a hashed subplan of every session of the conference
-- paired with every participant (845,460 rows for 3,986 attendances,
-- 676 ms of the trigger's 808).
--
-- Now the guards look each row's session, person and delegation up by
-- key (LEFT JOIN): a row is refused when its person or delegation is not
-- of its session's conference, or its representative not of its person's
-- delegation, a missing row included (IS NOT TRUE), which is what NOT
-- EXISTS asked. And the statements that join a transition table run by
-- EXECUTE, so each call plans them for its own rows (about a millisecond
-- a call). Same rows and errors: 570's and 760's kaigi_attendees_inserted,
-- 760's kaigi_session_delegations_inserted and 580's kaigi_outbox_invited
-- (also 600's trigger on session_interpreters). 760's
-- kaigi_feed_log_inserted joins nothing and stays as it is.
-- tests/integration/58-transition-plans.t counts the rows each statement
-- reads, through auto_explain, after a connection's one-row insert;
-- 58-attendees-set.t and 58-parties-set.t still hold the set paths to the
-- row paths' rows and errors.
--
-- Replaced here: kaigi_attendees_inserted (760), kaigi_session_delegations_inserted
-- (760), kaigi_outbox_invited (580).
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

CREATE OR REPLACE FUNCTION kaigi_attendees_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	a	session_attendees;
BEGIN
	EXECUTE $q$SELECT n.* FROM new_attendees n
	    LEFT JOIN sessions s ON s.id = n.session_id
	    LEFT JOIN participants p ON p.id = n.participant_id
	    LEFT JOIN participants r ON r.id = n.represented_by
	    WHERE (p.conference_id = s.conference_id) IS NOT TRUE
		OR (n.represented_by IS NOT NULL
		    AND (r.delegation_id = p.delegation_id) IS NOT TRUE)
	    LIMIT 1$q$ INTO a;
	IF a.session_id IS NOT NULL THEN
		PERFORM kaigi_attendance_guard(a);	-- raises its error
	END IF;
	EXECUTE $q$INSERT INTO busy (conference_id, participant_id, session_id, during)
	    SELECT s.conference_id, kaigi_attendance_person(n.mode,
		n.participant_id, n.represented_by), s.id,
		tstzrange(s.starts_at, s.ends_at
		    + make_interval(mins => c.changeover_minutes), '[)')
	    FROM new_attendees n JOIN sessions s ON s.id = n.session_id
		JOIN conferences c ON c.id = s.conference_id
	    WHERE s.status <> 'cancelled'
	    ON CONFLICT ON CONSTRAINT busy_session_participant_key DO NOTHING$q$;
	PERFORM kaigi_session_touch(x.session_id)
	FROM (SELECT DISTINCT session_id FROM new_attendees) x;
	RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION kaigi_session_delegations_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	v_sid	bigint;
	v_did	bigint;
BEGIN
	EXECUTE $q$SELECT n.session_id, n.delegation_id FROM new_parties n
	    LEFT JOIN sessions s ON s.id = n.session_id
	    LEFT JOIN delegations d ON d.id = n.delegation_id
	    WHERE (d.conference_id = s.conference_id) IS NOT TRUE
	    LIMIT 1$q$ INTO v_sid, v_did;
	IF v_sid IS NOT NULL THEN
		RAISE EXCEPTION 'delegation % is not of the conference of session %',
		    v_did, v_sid
		    USING ERRCODE = 'foreign_key_violation',
		    CONSTRAINT = 'session_delegations_conference_fkey';
	END IF;
	PERFORM kaigi_session_touch(x.session_id)
	FROM (SELECT DISTINCT session_id FROM new_parties) x;
	RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION kaigi_outbox_invited() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE $q$INSERT INTO outbox (conference_id, participant_id, session_id,
	    change, was_start, was_end, was_room, was_title)
	    SELECT s.conference_id, p.id, s.id, 'invited', s.starts_at, s.ends_at,
		r.name, s.title
	    FROM (SELECT DISTINCT session_id, participant_id FROM new_people) n
	    JOIN sessions s ON s.id = n.session_id
	    JOIN participants p ON p.id = n.participant_id
	    LEFT JOIN rooms r ON r.id = s.room_id
	    WHERE s.status <> 'cancelled' AND p.email IS NOT NULL AND p.notify
	    ORDER BY s.id, p.id$q$;
	RETURN NULL;
END $$;
