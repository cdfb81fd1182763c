-- 991_outbox_session_viewers.sql — a change of a restricted or
-- confidential session writes its mail rows for the people concerned who
-- see it, asked as one set (640's kaigi_session_viewers), not by the rule
-- once per person (issue 18: change mail at conference size).
--
-- 600's kaigi_outbox_session (sessions AFTER UPDATE of what a mail
-- reports) kept, among the participants concerned, those whose feed shows
-- the session: everyone for a public or conference session, else
-- kaigi_session_visible called per participant. Each call looks through
-- the session's attendees, so a restricted session of 1,500 listed
-- attendees moved (or given a room) took 3.4 s and 5.6 million plan rows,
-- growing with the square of its attendees (20,000: past the statement
-- timeout). kaigi_session_viewers gives the same people as a set
-- (tests/integration/22-session-viewers.t holds them equal for every
-- session and participant), hashed once per change.
-- tests/integration/48-mail-restricted-plan.t changes such a session: no
-- call of the rule, its plan rows bounded, the attendees' rows only.
--
-- Replaced (CREATE OR REPLACE, same signature): 600's kaigi_outbox_session.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

CREATE OR REPLACE FUNCTION kaigi_outbox_session() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	v_everyone boolean := NEW.visibility IN ('public', 'conference');
BEGIN
	INSERT INTO outbox (conference_id, participant_id, session_id, change,
	    was_start, was_end, was_room, was_title)
	SELECT NEW.conference_id, p.id, NEW.id,
	    CASE WHEN NEW.status = 'cancelled' THEN 'cancelled' ELSE 'changed' END,
	    OLD.starts_at, OLD.ends_at,
	    (SELECT r.name FROM rooms r WHERE r.id = OLD.room_id), OLD.title
	FROM participants p
	WHERE p.conference_id = NEW.conference_id
	    AND p.email IS NOT NULL AND p.notify
	    AND (p.id IN (SELECT a.participant_id FROM session_attendees a
		    WHERE a.session_id = NEW.id)
		OR p.delegation_id IN (SELECT sd.delegation_id
		    FROM session_delegations sd WHERE sd.session_id = NEW.id)
		OR p.id IN (SELECT g.participant_id FROM registrations g
		    WHERE g.session_id = NEW.id AND g.status = 'confirmed'))
	    AND p.id NOT IN (SELECT i.participant_id FROM session_interpreters i
		WHERE i.session_id = NEW.id)
	    AND (v_everyone OR p.id IN (SELECT x
		FROM kaigi_session_viewers(NEW.id) x));
	RETURN NULL;
END $$;

-- kaigi_session_viewers joins a session's attendees and interpreters to
-- participants; with a new installation's statistics (a few rows expected)
-- the planner compared every attendee with every participant of the
-- conference (1,124,250 comparisons for 1,500 attendees). Its joins are
-- hashed instead: each side read once.
ALTER FUNCTION kaigi_session_viewers(bigint) SET enable_nestloop = off;
