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
--  2. An interpreter put on a session (picked or given, with the session
--     or later) is invited as an attendee is (580's decision 1: one
--     'invited' row per INSERT statement, kaigi_outbox_invited).
--  3. An interpreter taken off a session that thereby leaves their view
--     gets 580's CANCEL of what they saw (kaigi_outbox_uninvited).
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
