-- 700_outbox_shown.sql — a session made public again puts it back into the
-- calendars that 640's CANCEL took it out of (issue 18: "for every
-- participant with an e-mail whose view changed, one message per batch ...
-- METHOD:REQUEST for new and changed events").
--
-- 640 sends "No longer in your programme" (a METHOD:CANCEL) to the members
-- of a party delegation who attend nothing when their session is made
-- restricted; their calendar app deletes the event. Made public again, the
-- session was back in their feed, but nothing was sent (640's decision 4):
-- the mail-fed calendar lacked a meeting the feed showed until its next
-- change, if any. tests/integration/49-mail-visibility.t showed it.
--
-- Decisions:
--
--  1. sessions AFTER UPDATE when the visibility goes from restricted or
--     confidential to public or conference and the session is not
--     cancelled. Everyone sees it now, so the people to tell are those
--     concerned (640's kaigi_outbox_concerned: e-mail and notify on) whose
--     last outbox row about the session is a CANCEL of it: 'hidden',
--     'uninvited' or 'removed'. Nobody else is invited (580's decision 1
--     still holds for those who never had it).
--  2. Live mode: that row already handed to the sender (batch_id set) gets
--     a new row, change 'shown' (a METHOD:REQUEST of the session as it is,
--     "Back in your programme"). A 'hidden' row still waiting for its quiet
--     time is deleted instead: its CANCEL was never sent, and the calendar
--     still holds the meeting. The other pending kinds stay: they report
--     more than the visibility (a removal, a registration cancelled), and
--     the batch reads them as 'changed' when the session is shown (580).
--  3. Release mode: a 'shown' row in every case; the release decides, as
--     for 'invited' rows: dropped when the participant sees the session the
--     same in the release before and the new one (kaigi_release_seen), sent
--     when the release shows it to them again.
--  4. The rows are found as a set, the last row per participant from the
--     new index outbox_session_idx: a COP plenary of every delegation made
--     public again asks no question per person.
--
-- Replaced here: kaigi_release_close_mail_580 (580's, renamed by 610: its
-- list of the schedule rows a release may drop gains 'shown'). New:
-- outbox.change 'shown', index outbox_session_idx, trigger function
-- kaigi_outbox_shown and its trigger sessions_outbox_shown. mail.c names
-- the verb.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

ALTER TABLE outbox DROP CONSTRAINT outbox_change_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_change_check
    CHECK (change IN ('changed', 'cancelled', 'confirmed', 'removed',
	'invited', 'uninvited', 'hidden', 'shown'));

CREATE INDEX outbox_session_idx ON outbox (session_id, participant_id, id);

-- The last outbox row of each participant concerned by session p_sid, when
-- it is a CANCEL of it (decision 1).
CREATE FUNCTION kaigi_outbox_cancelled_for(p_sid bigint)
RETURNS SETOF outbox LANGUAGE sql STABLE AS $$
	SELECT l.* FROM (SELECT DISTINCT ON (o.participant_id) o.*
	    FROM outbox o WHERE o.session_id = p_sid
	    ORDER BY o.participant_id, o.id DESC) l
	WHERE l.change IN ('hidden', 'uninvited', 'removed')
	    AND l.participant_id IN (SELECT participant_id
		FROM kaigi_outbox_concerned(p_sid))
$$;

-- sessions AFTER UPDATE of visibility, to public or conference: decisions
-- 2 and 3.
CREATE FUNCTION kaigi_outbox_shown() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	live	boolean := (SELECT publish FROM conferences
	    WHERE id = NEW.conference_id) <> 'release';
BEGIN
	WITH l AS MATERIALIZED (SELECT * FROM kaigi_outbox_cancelled_for(NEW.id)),
	d AS (DELETE FROM outbox o USING l
	    WHERE live AND o.id = l.id AND l.batch_id IS NULL
		AND l.change = 'hidden')
	INSERT INTO outbox (conference_id, participant_id, session_id, change,
	    was_start, was_end, was_room, was_title)
	SELECT NEW.conference_id, l.participant_id, NEW.id, 'shown',
	    NEW.starts_at, NEW.ends_at, r.name, NEW.title
	FROM l LEFT JOIN rooms r ON r.id = NEW.room_id
	WHERE NOT (live AND l.batch_id IS NULL AND l.change = 'hidden')
	ORDER BY l.participant_id;
	RETURN NULL;
END $$;

CREATE TRIGGER sessions_outbox_shown AFTER UPDATE OF visibility ON sessions
    FOR EACH ROW
    WHEN (OLD.visibility IN ('restricted', 'confidential')
	AND NEW.visibility IN ('public', 'conference')
	AND NEW.status <> 'cancelled')
    EXECUTE FUNCTION kaigi_outbox_shown();

-- 580's (renamed by 610), with 'shown' among the schedule rows a release
-- drops when the participant sees the session the same in both releases
-- (decision 3).
CREATE OR REPLACE FUNCTION kaigi_release_close_mail_580(p_cid bigint, r releases)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	prev	bigint := (SELECT id FROM releases WHERE conference_id = p_cid
	    AND n = r.n - 1);
BEGIN
	DELETE FROM outbox o WHERE o.conference_id = p_cid AND o.batch_id IS NULL
	    AND o.change IN ('changed', 'cancelled', 'invited', 'shown')
	    AND (prev IS NULL OR kaigi_release_seen(prev, o.session_id, o.participant_id)
		IS NOT DISTINCT FROM kaigi_release_seen(r.id, o.session_id,
		    o.participant_id));
	WITH b AS (
		INSERT INTO outbox_batches (conference_id, participant_id)
		SELECT DISTINCT p_cid, participant_id FROM outbox
		WHERE conference_id = p_cid AND batch_id IS NULL
		RETURNING id, participant_id
	)
	UPDATE outbox o SET batch_id = b.id FROM b
	WHERE o.participant_id = b.participant_id AND o.batch_id IS NULL;
END $$;
