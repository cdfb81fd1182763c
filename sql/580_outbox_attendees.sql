-- 580_outbox_attendees.sql — change mail for the people put into a session
-- or taken out of it (issue 18: "for every participant with an e-mail
-- whose view changed, one message per batch ... METHOD:REQUEST for new and
-- changed events, METHOD:CANCEL for cancelled ones").
--
-- The outbox had rows for a change of a session (100, 350, 420) and for a
-- registration (420), not for attendance. So a bilateral the auto-scheduler
-- placed, a session created with its attendees, or a minister added to a
-- meeting sent nobody anything: the first mail a head of delegation got
-- about a new bilateral was "Moved", and only if it moved.
-- tests/integration/49-mail-invitations.t showed it.
--
-- Decisions, as 420's for registrations:
--
--  1. An attendee added to a session that is not cancelled (with the
--     session, or later) gets a METHOD:REQUEST of it in the next batch
--     under "Invitation": one outbox row (change 'invited') per attendee
--     with an e-mail and notify on, written once per INSERT statement from
--     its transition table. An attendee sees the session in their
--     participant feed by the visibility rule (020), so no visibility call
--     is needed. Also for a public or conference session: the REQUEST
--     equals the feed's event (same UID and SEQUENCE). Members of party
--     delegations who do not attend are not invited (their feeds show a
--     public session to everyone, a restricted one not at all); they hear
--     of changes as before.
--  2. An attendee taken out while the session thereby leaves their view
--     (restricted or confidential, and no registration or interpretation
--     of theirs keeps it) gets a METHOD:CANCEL built from what they saw
--     (change 'uninvited', the snapshot columns of 420's decision 3), under
--     "No longer attending". Still in their view: nothing. What they saw
--     is the session before any change not yet mailed to them (the first
--     pending row's was_* columns: a retitle in the same transaction as
--     their removal, which their feed never showed, is never in it), else
--     the session as it is.
--  3. Release mode: 'invited' rows are schedule rows, sent by the release
--     that shows the session (dropped as 'changed' ones are when the
--     participant sees it the same in both releases, or before the first
--     release). An attendee taken out is still in the last release, so no
--     'uninvited' row is written; the release that drops them says nothing
--     to them (as before this file).
--
-- The sender reads the snapshot rows of 'uninvited' as 420's 'removed'
-- (kaigi_outbox_mail_events), and mail.c names the verbs.
--
-- Replaced here: kaigi_outbox_mail_events and kaigi_release_close_mail
-- (420). New: outbox.change 'invited' and 'uninvited', triggers
-- session_attendees_outbox_insert and session_attendees_outbox_delete.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

ALTER TABLE outbox DROP CONSTRAINT outbox_change_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_change_check
    CHECK (change IN ('changed', 'cancelled', 'confirmed', 'removed',
	'invited', 'uninvited'));

-- session_attendees AFTER INSERT (per statement): decision 1. Any table of
-- (session_id, participant_id) rows, named new_people by its trigger.
CREATE FUNCTION kaigi_outbox_invited() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO outbox (conference_id, participant_id, session_id, change,
	    was_start, was_end, was_room, was_title)
	SELECT s.conference_id, p.id, s.id, 'invited', s.starts_at, s.ends_at,
	    r.name, s.title
	FROM (SELECT DISTINCT session_id, participant_id FROM new_people) n
	JOIN sessions s ON s.id = n.session_id
	JOIN participants p ON p.id = n.participant_id
	LEFT JOIN rooms r ON r.id = s.room_id
	WHERE s.status <> 'cancelled' AND p.email IS NOT NULL AND p.notify
	ORDER BY s.id, p.id;
	RETURN NULL;
END $$;

CREATE TRIGGER session_attendees_outbox_insert AFTER INSERT ON session_attendees
    REFERENCING NEW TABLE AS new_people
    FOR EACH STATEMENT EXECUTE FUNCTION kaigi_outbox_invited();

-- session_attendees AFTER DELETE: decision 2 (420's decision 3 for an
-- attendance).
CREATE FUNCTION kaigi_outbox_uninvited() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	v	record;
	w	record;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM participants p WHERE p.id = OLD.participant_id
	    AND p.email IS NOT NULL AND p.notify) THEN
		RETURN NULL;
	END IF;
	IF EXISTS (SELECT 1 FROM kaigi_outbox_view(OLD.session_id,
	    OLD.participant_id)) THEN
		RETURN NULL;	-- still in their view: their feed is unchanged
	END IF;
	SELECT * INTO v FROM kaigi_outbox_view(OLD.session_id,
	    OLD.participant_id, true);
	IF v.title IS NULL THEN
		RETURN NULL;	-- the session itself is gone
	END IF;
	SELECT o.was_start, o.was_end, o.was_room, o.was_title INTO w
	FROM outbox o WHERE o.participant_id = OLD.participant_id
	    AND o.session_id = OLD.session_id AND o.batch_id IS NULL
	ORDER BY o.id LIMIT 1;
	IF FOUND THEN	-- what they saw before the changes not yet mailed
		v.venue := CASE WHEN w.was_room IS NOT DISTINCT FROM v.room
		    THEN v.venue END;
		v.starts_at := w.was_start;
		v.ends_at := w.was_end;
		v.room := w.was_room;
		v.title := w.was_title;
	END IF;
	INSERT INTO outbox (conference_id, participant_id, session_id, change,
	    was_start, was_end, was_room, was_title, was_kind, was_venue,
	    was_sequence)
	SELECT s.conference_id, OLD.participant_id, OLD.session_id, 'uninvited',
	    v.starts_at, v.ends_at, v.room, v.title, v.kind, v.venue, v.sequence
	FROM sessions s WHERE s.id = OLD.session_id AND s.status <> 'cancelled';
	RETURN NULL;
END $$;

CREATE TRIGGER session_attendees_outbox_delete AFTER DELETE ON session_attendees
    FOR EACH ROW EXECUTE FUNCTION kaigi_outbox_uninvited();

-- 420's, with 'invited' among the schedule rows a release may drop
-- (decision 3).
CREATE OR REPLACE FUNCTION kaigi_release_close_mail(p_cid bigint, r releases)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	prev	bigint := (SELECT id FROM releases WHERE conference_id = p_cid
	    AND n = r.n - 1);
BEGIN
	DELETE FROM outbox o WHERE o.conference_id = p_cid AND o.batch_id IS NULL
	    AND o.change IN ('changed', 'cancelled', 'invited')
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

-- 420's, reading an 'uninvited' row as a 'removed' one: its snapshot when
-- the session left the participant's view, 'changed' when it is shown.
CREATE OR REPLACE FUNCTION kaigi_outbox_mail_events(p_batch_ids bigint[])
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
		    o.change
		FROM m JOIN outbox o ON o.batch_id = m.bid
		    AND o.change IN ('removed', 'uninvited')
		WHERE NOT EXISTS (SELECT 1 FROM f WHERE f.bid = m.bid
		    AND f.id = o.session_id)
		ORDER BY o.batch_id, o.session_id, o.id DESC
	), e AS (
		SELECT f.*, CASE WHEN f.change IN ('removed', 'uninvited') THEN 'changed'
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

