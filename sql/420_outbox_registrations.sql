-- 420_outbox_registrations.sql — change mail reaches registrants (issue 17
-- item 6 × issue 18: "every participant with an e-mail whose view changed
-- gets one message per batch").
--
-- 180 made a confirmed registration show the session to the registrant's
-- participant feed (kaigi_session_visible), 410 did the same in release
-- mode; but the outbox trigger (100, 350) wrote rows for attendees and the
-- members of party delegations only. A side event someone holds a seat
-- for could be moved, retitled or cancelled, their feed showed it, and no
-- mail came. tests/integration/49-mail-registrations.t showed it.
--
-- Decisions (what the registrant hears, and why):
--
--  1. A change of a session that matters (time, room, status, title)
--     concerns its confirmed registrants as it concerns its attendees: one
--     outbox row each (e-mail, notify on), under 350's visibility rule
--     unchanged (public and conference sessions: nobody asked; restricted
--     and confidential: kaigi_session_visible per candidate, which a
--     confirmed registration satisfies by 180's clause). Waiting ones hold
--     no seat and are not concerned (their feed shows them a public event
--     as everyone's, a restricted one not at all).
--
--  2. A registration that becomes confirmed (at once on POST, or promoted
--     from the waiting list when a seat frees) gives the registrant a
--     METHOD:REQUEST of the session in the next batch: the seat is news
--     nobody else tells them (the liaison or secretariat acted, or someone
--     else cancelled), and for a restricted side event their feed has just
--     gained it. The row (change 'confirmed') snapshots the session as the
--     participant's feed shows it then; the message renders it as the feed
--     shows it at send time (UID, SEQUENCE, DTSTAMP the feed's), under
--     "Registration confirmed". Also for a public or conference session:
--     the REQUEST equals the feed's event (same UID and SEQUENCE), so a
--     calendar that has both keeps one. No row when the participant may
--     not see it (a release mode whose last release lacks the session).
--
--  3. A confirmed registration cancelled (DELETE) while the session stays
--     in the participant's view (public, conference, or they are a party
--     member, attendee, interpreter): nothing. Their feed does not change,
--     and a METHOD:CANCEL with STATUS:CANCELLED would contradict the
--     feed's event of the same UID and SEQUENCE. When the session leaves
--     their view (a restricted or confidential side event: the feed drops
--     the event), they get a METHOD:CANCEL (RFC 5546 3.2.5: the organizer
--     removes an attendee) under "Registration cancelled", so the
--     invitation of decision 2 does not linger in their calendar. It is
--     built only from what they last saw: the row (change 'removed')
--     snapshots the session as their feed showed it just before (kind,
--     title, time, room, venue, SEQUENCE; no description), and the message
--     uses that snapshot, never the session as it is by then, so a later
--     retitle or move they may not see is never mailed to them. If they see
--     the session again by send time (registered anew), the message carries
--     it as any other change (REQUEST, the feed's row).
--
--  4. Release mode. Schedule changes still go out per release, and release
--     batches (130's kaigi_release_close_mail) now count registrants: the
--     trigger writes their rows (1), and 410's kaigi_release_visible already
--     sees them when it compares the two releases. Registration rows (2, 3)
--     follow 410's decision that a registration is the person's own fact
--     and acts at once: their feeds gain or lose the session at once, so
--     the mail goes after notify_quiet_seconds as in live mode
--     (kaigi_outbox_close closes them for release-mode conferences too,
--     and only them), built from the last release's row; a release closing
--     the conference's pending mail never drops them as "unchanged between
--     releases" (the release did not change; the seat did).
--
-- The mail text needs to say which: the sender now reads
-- kaigi_outbox_mail_events (300's kaigi_outbox_events_of with the batch's
-- change per session, plus decision 3's snapshot rows), and mail.c names
-- the verb. 300's kaigi_outbox_events_of and 210's kaigi_outbox_events stay
-- as they were (no longer called by kaigid).
--
-- Replaced here: kaigi_outbox_session (350), kaigi_outbox_close (210),
-- kaigi_release_close_mail (130). New: outbox.change 'confirmed' and
-- 'removed', outbox.was_kind/was_venue/was_sequence (snapshots of decision
-- 3), kaigi_outbox_view, the trigger registrations_outbox,
-- kaigi_outbox_mail_events.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

ALTER TABLE outbox DROP CONSTRAINT outbox_change_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_change_check
    CHECK (change IN ('changed', 'cancelled', 'confirmed', 'removed'));
ALTER TABLE outbox
    ADD COLUMN was_kind text,
    ADD COLUMN was_venue text,
    ADD COLUMN was_sequence int;

-- sessions AFTER UPDATE of what a mail reports: one outbox row per
-- participant concerned (an attendee, a member of a party delegation, a
-- confirmed registrant) who may see the session (350's rule).
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
	    AND (v_everyone OR kaigi_session_visible(NEW.id,
		jsonb_build_object('role', 'feed', 'conference_id',
		    NEW.conference_id, 'participant_id', p.id)));
	RETURN NULL;
END $$;

-- Session p_sid as participant p_pid's feed shows it now (the draft in live
-- mode, the last release's row in release mode), or no row when it does
-- not show it. p_registered: the participant holds a confirmed registration
-- for it (180's and 410's clause: they see it), so visibility is not asked.
CREATE FUNCTION kaigi_outbox_view(p_sid bigint, p_pid bigint,
    p_registered boolean DEFAULT false)
RETURNS TABLE (kind text, title text, starts_at timestamptz,
    ends_at timestamptz, room text, venue text, sequence int)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	c	conferences;
	actor	jsonb;
BEGIN
	SELECT cf.* INTO c FROM sessions s JOIN conferences cf
	    ON cf.id = s.conference_id WHERE s.id = p_sid;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	actor := jsonb_build_object('role', 'feed', 'conference_id', c.id,
	    'participant_id', p_pid);
	IF NOT kaigi_release_mode(c, actor) THEN
		RETURN QUERY SELECT s.kind, s.title, s.starts_at, s.ends_at,
		    r.name, v.name, s.sequence
		FROM sessions s LEFT JOIN rooms r ON r.id = s.room_id
		LEFT JOIN venues v ON v.id = r.venue_id
		WHERE s.id = p_sid
		    AND (p_registered OR kaigi_session_visible(s.id, actor));
		RETURN;
	END IF;
	RETURN QUERY SELECT rs.kind, rs.title, rs.starts_at, rs.ends_at,
	    rs.room, rs.venue, rs.sequence
	FROM release_sessions rs
	WHERE rs.release_id = (kaigi_release_last(c.id)).id
	    AND rs.session_id = p_sid
	    AND (p_registered OR kaigi_release_visible(rs, actor));
END $$;

-- registrations AFTER INSERT/UPDATE/DELETE: a registration that became
-- confirmed leaves a 'confirmed' row (decision 2); a confirmed one deleted
-- while the session thereby leaves the participant's view leaves a
-- 'removed' row with what they saw until then (decision 3). Participants
-- with an e-mail and notify on only.
CREATE FUNCTION kaigi_outbox_registration() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	g	registrations := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
	v	record;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM participants p WHERE p.id = g.participant_id
	    AND p.email IS NOT NULL AND p.notify) THEN
		RETURN NULL;
	END IF;
	IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM kaigi_outbox_view(
	    g.session_id, g.participant_id)) THEN
		RETURN NULL;	-- still in their view: their feed is unchanged
	END IF;
	SELECT * INTO v FROM kaigi_outbox_view(g.session_id, g.participant_id,
	    TG_OP = 'DELETE');
	IF v.title IS NULL THEN
		RETURN NULL;	-- not in their view (release mode: not released)
	END IF;
	INSERT INTO outbox (conference_id, participant_id, session_id, change,
	    was_start, was_end, was_room, was_title, was_kind, was_venue,
	    was_sequence)
	VALUES (g.conference_id, g.participant_id, g.session_id,
	    CASE WHEN TG_OP = 'DELETE' THEN 'removed' ELSE 'confirmed' END,
	    v.starts_at, v.ends_at, v.room, v.title, v.kind, v.venue, v.sequence);
	RETURN NULL;
END $$;

CREATE TRIGGER registrations_outbox_insert AFTER INSERT ON registrations
    FOR EACH ROW WHEN (NEW.status = 'confirmed')
    EXECUTE FUNCTION kaigi_outbox_registration();
CREATE TRIGGER registrations_outbox_update AFTER UPDATE OF status
    ON registrations FOR EACH ROW
    WHEN (NEW.status = 'confirmed' AND OLD.status <> 'confirmed')
    EXECUTE FUNCTION kaigi_outbox_registration();
CREATE TRIGGER registrations_outbox_delete AFTER DELETE ON registrations
    FOR EACH ROW WHEN (OLD.status = 'confirmed')
    EXECUTE FUNCTION kaigi_outbox_registration();

-- ---------------------------------------------------------------------------
-- Closing batches: registration rows go out at once in release mode too
-- ---------------------------------------------------------------------------

-- 210's kaigi_outbox_close: every participant's pending rows quiet for
-- p_quiet seconds (since written or first seen) into a batch each; of a
-- release-mode conference only the registration rows (decision 4), its
-- schedule changes being left to its releases.
CREATE OR REPLACE FUNCTION kaigi_outbox_close(p_quiet int) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
	n	int;
BEGIN
	IF NOT pg_try_advisory_xact_lock(hashtext('kaigi_outbox_close')) THEN
		RETURN 0;
	END IF;
	UPDATE outbox SET seen_at = clock_timestamp()
	WHERE batch_id IS NULL AND seen_at IS NULL;
	WITH due AS (
		SELECT o.id, o.conference_id, o.participant_id,
		    greatest(o.created_at, o.seen_at) AS at
		FROM outbox o
		JOIN conferences c ON c.id = o.conference_id
		WHERE o.batch_id IS NULL AND (c.publish = 'live'
		    OR o.change IN ('confirmed', 'removed'))
	), ready AS (
		SELECT conference_id, participant_id FROM due
		GROUP BY conference_id, participant_id
		HAVING max(at) <= clock_timestamp() - make_interval(secs => p_quiet)
	), b AS (
		INSERT INTO outbox_batches (conference_id, participant_id)
		SELECT conference_id, participant_id FROM ready
		RETURNING id, participant_id
	)
	UPDATE outbox o SET batch_id = b.id FROM b, due
	WHERE due.participant_id = b.participant_id AND o.id = due.id;
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END $$;

-- 130's kaigi_release_close_mail: release r of conference p_cid closes its
-- pending mail; schedule rows whose session the participant sees the same
-- in both releases (or before the first release) are dropped, registration
-- rows never (decision 4); the rest become one batch per participant.
CREATE OR REPLACE FUNCTION kaigi_release_close_mail(p_cid bigint, r releases)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	prev	bigint := (SELECT id FROM releases WHERE conference_id = p_cid
	    AND n = r.n - 1);
BEGIN
	DELETE FROM outbox o WHERE o.conference_id = p_cid AND o.batch_id IS NULL
	    AND o.change IN ('changed', 'cancelled')
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

-- ---------------------------------------------------------------------------
-- The sender's events, with what happened
-- ---------------------------------------------------------------------------

-- 300's kaigi_outbox_events_of (same rows, rules and order), plus `change`:
-- the first outbox row's of the session in the batch ('removed' read as
-- 'changed' when the session is shown), and, for a session the batch's
-- participant no longer sees and whose registration was cancelled in the
-- batch (decision 3), the last such row's snapshot as a cancelled event
-- (change 'removed'; no description; its instants the row's).
CREATE FUNCTION kaigi_outbox_mail_events(p_batch_ids bigint[])
RETURNS TABLE (batch_id bigint, id bigint, kind text, title text,
    description text, room text, venue text, starts_at bigint, ends_at bigint,
    status text, sequence int, created_at bigint, updated_at bigint,
    was_start bigint, was_end bigint, was_room text, was_title text,
    change text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN QUERY WITH b AS (
		SELECT ob.id AS bid, i.ord, c AS conf,
		    jsonb_build_object('role', 'feed', 'conference_id', c.id,
			'participant_id', ob.participant_id) AS actor
		FROM unnest(p_batch_ids) WITH ORDINALITY AS i(id, ord)
		JOIN outbox_batches ob ON ob.id = i.id
		JOIN conferences c ON c.id = ob.conference_id
	), m AS (
		SELECT b.*, CASE WHEN kaigi_release_mode(b.conf, b.actor)
		    THEN coalesce((kaigi_release_last((b.conf).id)).id, 0) END AS rid
		FROM b
	), w AS (
		SELECT DISTINCT ON (o.batch_id, o.session_id) o.*
		FROM outbox o WHERE o.batch_id = ANY (p_batch_ids)
		ORDER BY o.batch_id, o.session_id, o.id
	), f AS (
		SELECT m.bid, m.ord, s.id, s.kind, s.title, s.description,
		    r.name AS room, v.name AS venue, s.starts_at, s.ends_at, s.status,
		    s.sequence, s.created_at, s.updated_at, w.was_start, w.was_end,
		    w.was_room, w.was_title, w.change
		FROM m JOIN w ON w.batch_id = m.bid
		JOIN sessions s ON s.id = w.session_id
		LEFT JOIN rooms r ON r.id = s.room_id
		LEFT JOIN venues v ON v.id = r.venue_id
		WHERE m.rid IS NULL AND s.conference_id = (m.conf).id
		    AND (s.visibility = 'public' OR kaigi_session_visible(s.id, m.actor))
		UNION ALL
		SELECT m.bid, m.ord, rs.session_id, rs.kind, rs.title, rs.description,
		    rs.room, rs.venue, rs.starts_at, rs.ends_at, rs.status,
		    rs.sequence, rs.created_at, rs.updated_at, w.was_start, w.was_end,
		    w.was_room, w.was_title, w.change
		FROM m JOIN w ON w.batch_id = m.bid
		JOIN release_sessions rs
		    ON rs.release_id = m.rid AND rs.session_id = w.session_id
		WHERE m.rid IS NOT NULL AND kaigi_release_visible(rs, m.actor)
	), gone AS (
		SELECT DISTINCT ON (o.batch_id, o.session_id) m.bid, m.ord,
		    o.session_id AS id, o.was_kind AS kind, o.was_title AS title,
		    NULL::text AS description, o.was_room AS room,
		    o.was_venue AS venue, o.was_start AS starts_at,
		    o.was_end AS ends_at, 'cancelled'::text AS status,
		    o.was_sequence AS sequence, o.created_at, o.created_at AS updated_at,
		    o.was_start, o.was_end, o.was_room, o.was_title,
		    'removed'::text AS change
		FROM m JOIN outbox o ON o.batch_id = m.bid AND o.change = 'removed'
		WHERE NOT EXISTS (SELECT 1 FROM f WHERE f.bid = m.bid
		    AND f.id = o.session_id)
		ORDER BY o.batch_id, o.session_id, o.id DESC
	), e AS (
		SELECT f.*, CASE WHEN f.change = 'removed' THEN 'changed'
		    ELSE f.change END AS verb FROM f
		UNION ALL
		SELECT gone.*, gone.change FROM gone
	)
	SELECT e.bid, e.id, e.kind, e.title, e.description, e.room, e.venue,
	    kaigi_epoch(e.starts_at), kaigi_epoch(e.ends_at), e.status, e.sequence,
	    kaigi_epoch(e.created_at), kaigi_epoch(e.updated_at),
	    kaigi_epoch(e.was_start), kaigi_epoch(e.was_end), e.was_room,
	    e.was_title, e.verb
	FROM e
	ORDER BY e.ord, kaigi_epoch(e.starts_at), e.id;
END $$;
