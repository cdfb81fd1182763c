-- 610_release_uninvited.sql — in release mode, an attendee or interpreter
-- taken out in the draft hears of it with the release that drops them
-- (issue 18: "for every participant with an e-mail whose view changed, one
-- message per batch ... in release mode, a batch per release").
--
-- 580 (decision 3) wrote no 'uninvited' row in release mode: at the moment
-- of the DELETE the last release still shows the person the session, so
-- 580's trigger saw it "still in their view" and returned. The release that
-- then dropped the session from their feed closed nothing for them, and the
-- invitation they had been mailed stayed in their calendar. 600 reuses
-- 580's trigger for interpreters, so a dropped interpreter was silent too.
-- tests/integration/49-mail-release-uninvited.t showed both.
--
-- Decisions:
--
--  1. Release mode, a person (e-mail, notify on) taken out of a session's
--     attendees or interpreters while the draft thereby stops showing it to
--     them (kaigi_session_visible, the live rule with its registration and
--     interpreter clauses) and the last release shows it to them, not
--     cancelled: an 'uninvited' row whose snapshot is the last release's
--     row, which is what their feed shows. Not the draft's: a retitle or a
--     move made in the draft beside their removal is never mailed to them.
--  2. The row is a schedule row: it waits for the next release (420's
--     closer leaves it), and that release drops it when it shows them the
--     session after all (re-added, or registered, before the release);
--     otherwise it goes out in the release's batch as 580's CANCEL ("No
--     longer attending").
--  3. Live mode is 580's trigger, unchanged; this one returns at once.
--
-- New: trigger function kaigi_outbox_uninvited_release and its triggers on
-- session_attendees and session_interpreters. Wrapped, not restated:
-- kaigi_release_close_mail (580's is renamed kaigi_release_close_mail_580
-- and called after the drop of decision 2).
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- session_attendees and session_interpreters AFTER DELETE: decision 1.
CREATE FUNCTION kaigi_outbox_uninvited_release() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	c	conferences;
	actor	jsonb;
	rs	release_sessions;
BEGIN
	SELECT cf.* INTO c FROM sessions s JOIN conferences cf
	    ON cf.id = s.conference_id WHERE s.id = OLD.session_id;
	IF NOT FOUND OR c.publish <> 'release' OR NOT EXISTS (SELECT 1
	    FROM participants p WHERE p.id = OLD.participant_id
		AND p.email IS NOT NULL AND p.notify) THEN
		RETURN NULL;
	END IF;
	actor := jsonb_build_object('role', 'feed', 'conference_id', c.id,
	    'participant_id', OLD.participant_id);
	IF kaigi_session_visible(OLD.session_id, actor) THEN
		RETURN NULL;	-- the draft still shows it to them
	END IF;
	SELECT x.* INTO rs FROM release_sessions x
	WHERE x.release_id = (kaigi_release_last(c.id)).id
	    AND x.session_id = OLD.session_id AND x.status <> 'cancelled'
	    AND kaigi_release_visible(x, actor);
	IF NOT FOUND THEN
		RETURN NULL;	-- their feed does not show it: nothing to take back
	END IF;
	INSERT INTO outbox (conference_id, participant_id, session_id, change,
	    was_start, was_end, was_room, was_title, was_kind, was_venue,
	    was_sequence)
	VALUES (c.id, OLD.participant_id, OLD.session_id, 'uninvited',
	    rs.starts_at, rs.ends_at, rs.room, rs.title, rs.kind, rs.venue,
	    rs.sequence);
	RETURN NULL;
END $$;

CREATE TRIGGER session_attendees_outbox_delete_release AFTER DELETE
    ON session_attendees
    FOR EACH ROW EXECUTE FUNCTION kaigi_outbox_uninvited_release();
CREATE TRIGGER session_interpreters_outbox_delete_release AFTER DELETE
    ON session_interpreters
    FOR EACH ROW EXECUTE FUNCTION kaigi_outbox_uninvited_release();

ALTER FUNCTION kaigi_release_close_mail(bigint, releases)
    RENAME TO kaigi_release_close_mail_580;

-- Release r of conference p_cid closes its pending mail: decision 2's drop,
-- then 580's.
CREATE FUNCTION kaigi_release_close_mail(p_cid bigint, r releases)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM outbox o WHERE o.conference_id = p_cid
	    AND o.batch_id IS NULL AND o.change = 'uninvited'
	    AND kaigi_release_seen(r.id, o.session_id, o.participant_id)
		IS NOT NULL;
	PERFORM kaigi_release_close_mail_580(p_cid, r);
END $$;
