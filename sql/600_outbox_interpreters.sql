-- 600_outbox_interpreters.sql — change mail reaches interpreters (issue 18
-- × issue 17 item 2: "every participant with an e-mail whose view changed").
--
-- An interpreter's participant feed shows the sessions they interpret
-- (260), but the outbox trigger's candidates were attendees, members of
-- party delegations and registrants (100, 350, 420): a session moved,
-- retitled or cancelled mailed nobody who interpreted it, and an
-- interpreter picked for a session, or dropped from it when a move made
-- them busy, heard nothing. tests/integration/49-mail-interpreters.t
-- showed it.
--
--  1. A change of a session that matters (time, room, status, title)
--     leaves a 'changed' or 'cancelled' row for each of its interpreters
--     (e-mail, notify on), written by sessions_0_outbox_interpreters,
--     which fires before 260's sessions_a_interpretation re-picks them (the
--     names order the triggers), so the row of an interpreter a move then
--     drops holds what they saw: 580's 'uninvited' snapshot takes it.
--     Interpreters see their sessions by 260's clause: no visibility call.
--     420's trigger, which fires after the re-pick, leaves out the
--     session's interpreters then (each has 1's row, or 2's), so an
--     interpreter who is also a member of a party delegation is not
--     written twice.
--  2. An interpreter put on a session (picked or given, with the session
--     or later) is invited as an attendee is (580's decision 1: one
--     'invited' row per INSERT statement, kaigi_outbox_invited).
--  3. An interpreter taken off a session that thereby leaves their view
--     gets 580's CANCEL of what they saw (kaigi_outbox_uninvited).
--
-- Replaced here: kaigi_outbox_session (420).
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- sessions AFTER UPDATE of what a mail reports: decision 1.
CREATE FUNCTION kaigi_outbox_interpreters() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO outbox (conference_id, participant_id, session_id, change,
	    was_start, was_end, was_room, was_title)
	SELECT NEW.conference_id, p.id, NEW.id,
	    CASE WHEN NEW.status = 'cancelled' THEN 'cancelled' ELSE 'changed' END,
	    OLD.starts_at, OLD.ends_at,
	    (SELECT r.name FROM rooms r WHERE r.id = OLD.room_id), OLD.title
	FROM participants p
	WHERE p.id IN (SELECT i.participant_id FROM session_interpreters i
		WHERE i.session_id = NEW.id)
	    AND p.email IS NOT NULL AND p.notify
	ORDER BY p.id;
	RETURN NULL;
END $$;

CREATE TRIGGER sessions_0_outbox_interpreters AFTER UPDATE ON sessions
    FOR EACH ROW
    WHEN ((OLD.starts_at, OLD.ends_at, OLD.room_id, OLD.status, OLD.title)
	IS DISTINCT FROM (NEW.starts_at, NEW.ends_at, NEW.room_id, NEW.status,
	    NEW.title))
    EXECUTE FUNCTION kaigi_outbox_interpreters();

CREATE TRIGGER session_interpreters_outbox_insert AFTER INSERT
    ON session_interpreters REFERENCING NEW TABLE AS new_people
    FOR EACH STATEMENT EXECUTE FUNCTION kaigi_outbox_invited();

CREATE TRIGGER session_interpreters_outbox_delete AFTER DELETE
    ON session_interpreters
    FOR EACH ROW EXECUTE FUNCTION kaigi_outbox_uninvited();

-- 420's, leaving out the session's interpreters (decision 1).
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
	    AND (v_everyone OR kaigi_session_visible(NEW.id,
		jsonb_build_object('role', 'feed', 'conference_id',
		    NEW.conference_id, 'participant_id', p.id)));
	RETURN NULL;
END $$;
