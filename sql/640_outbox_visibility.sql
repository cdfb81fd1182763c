-- 640_outbox_visibility.sql — change mail for the people a session is
-- hidden from by a change of its visibility (issue 18: "for every
-- participant with an e-mail whose view changed, one message per batch ...
-- METHOD:CANCEL"; DESIGN: "a session a caller may not see does not exist
-- for it: not in ... mails").
--
-- A participant's feed shows a public or conference session to everyone,
-- a restricted or confidential one only to its attendees, interpreters and
-- confirmed registrants (020, 180, 260). The members of a party delegation
-- who attend nothing get its change mails while it is public (100's
-- "participants concerned"), so their calendars hold it. 580, 600 and 610
-- write a CANCEL when a person is taken out of a session; nothing did when
-- the session was taken away from them by PATCH {"visibility":
-- "restricted"}: the outbox trigger (100) fires on time, room, status and
-- title only, and its rows go to those who see the session after the
-- change. The meeting stayed in their calendars, with the title they had
-- been sent. tests/integration/49-mail-visibility.t showed it, live and in
-- release mode.
--
-- Decisions:
--
--  1. sessions AFTER UPDATE when the visibility changes and the session is
--     not cancelled: every participant concerned (100's: an attendee, or a
--     member of a party delegation; 420's registrants and 600's
--     interpreters keep their view by the rule, so they are asked too),
--     with an e-mail and notify on, who saw the session before the change
--     and does not see it after it gets one outbox row, change 'hidden'.
--     Who sees it is asked as a set, once (kaigi_session_viewers, and
--     kaigi_release_viewers for the last release: the clauses of
--     kaigi_session_visible and kaigi_release_visible for a participant's
--     own feed; tests/integration/22-session-viewers.t holds them equal),
--     not once per person: for a plenary of every delegation at COP size
--     that would be 100,000 calls of 0.3 ms in the PATCH. "Before" is the
--     old visibility: public or conference is seen by all.
--  2. Its snapshot is what their feed showed, as 580's and 610's: live
--     mode, the session before the change (OLD), or the first pending
--     row's was_* columns when a change not yet mailed to them is pending;
--     release mode, the last release's row when it shows it to them, not
--     cancelled (else nothing: their feed does not show it), so a retitle
--     made with the change (the title they may no longer see) never
--     reaches them.
--  3. A 'hidden' row is an 'uninvited' one everywhere else: the sender
--     reads its snapshot as a cancelled event when the batch's participant
--     does not see the session, as 'changed' when they see it again; a
--     release drops it when it shows them the session after all (610's
--     decision 2). mail.c names it "No longer in your programme".
--  4. The other direction (made public again) invites nobody, as 580
--     decision 1 for members of party delegations: they hear of its next
--     change.
--
-- Replaced here: kaigi_outbox_mail_events (580's, with 'hidden' beside
-- 'uninvited') and kaigi_release_close_mail (610's, the same). New:
-- outbox.change 'hidden', trigger function kaigi_outbox_hidden and its
-- trigger sessions_outbox_hidden, kaigi_session_viewers and
-- kaigi_release_viewers.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

ALTER TABLE outbox DROP CONSTRAINT outbox_change_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_change_check
    CHECK (change IN ('changed', 'cancelled', 'confirmed', 'removed',
	'invited', 'uninvited', 'hidden'));

-- The participants concerned by session p_sid (decision 1) with an e-mail
-- and notify on.
CREATE FUNCTION kaigi_outbox_concerned(p_sid bigint)
RETURNS TABLE (participant_id bigint)
LANGUAGE sql STABLE AS $$
	SELECT p.id
	FROM sessions s JOIN participants p ON p.conference_id = s.conference_id
	WHERE s.id = p_sid AND p.email IS NOT NULL AND p.notify
	    AND (p.id IN (SELECT a.participant_id FROM session_attendees a
		    WHERE a.session_id = p_sid)
		OR p.delegation_id IN (SELECT sd.delegation_id
		    FROM session_delegations sd WHERE sd.session_id = p_sid)
		OR p.id IN (SELECT g.participant_id FROM registrations g
		    WHERE g.session_id = p_sid AND g.status = 'confirmed')
		OR p.id IN (SELECT i.participant_id FROM session_interpreters i
		    WHERE i.session_id = p_sid))
$$;

-- The participants whose participant feed (actor {role feed, conference,
-- participant}) shows session p_sid now, by 020's rule with 180's and
-- 260's clauses: everyone of its conference for a public or conference
-- session; else its attendees, its confirmed registrants and its
-- interpreters. An id may come twice.
CREATE FUNCTION kaigi_session_viewers(p_sid bigint) RETURNS SETOF bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
	s	sessions;
BEGIN
	SELECT * INTO s FROM sessions WHERE id = p_sid;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	IF s.visibility IN ('public', 'conference') THEN
		RETURN QUERY SELECT p.id FROM participants p
		    WHERE p.conference_id = s.conference_id;
		RETURN;
	END IF;
	RETURN QUERY SELECT a.participant_id FROM session_attendees a
	    JOIN participants p ON p.id = a.participant_id
	    WHERE a.session_id = p_sid AND p.conference_id = s.conference_id;
	RETURN QUERY SELECT g.participant_id FROM registrations g
	    WHERE g.session_id = p_sid AND g.status = 'confirmed'
		AND g.conference_id = s.conference_id;
	RETURN QUERY SELECT i.participant_id FROM session_interpreters i
	    JOIN participants p ON p.id = i.participant_id
	    WHERE i.session_id = p_sid AND p.conference_id = s.conference_id;
END $$;

-- The same for release p_rid's row of session p_sid, by 410's
-- kaigi_release_visible: the release's attendees and interpreters, the
-- confirmed registrants of now.
CREATE FUNCTION kaigi_release_viewers(p_rid bigint, p_sid bigint)
RETURNS SETOF bigint LANGUAGE plpgsql STABLE AS $$
DECLARE
	rs	release_sessions;
BEGIN
	SELECT * INTO rs FROM release_sessions
	    WHERE release_id = p_rid AND session_id = p_sid;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	IF rs.visibility IN ('public', 'conference') THEN
		RETURN QUERY SELECT p.id FROM participants p
		    WHERE p.conference_id = rs.conference_id;
		RETURN;
	END IF;
	RETURN QUERY SELECT a.participant_id FROM release_attendees a
	    WHERE a.release_id = p_rid AND a.session_id = p_sid;
	RETURN QUERY SELECT i.participant_id FROM release_interpreters i
	    WHERE i.release_id = p_rid AND i.session_id = p_sid;
	RETURN QUERY SELECT g.participant_id FROM registrations g
	    WHERE g.session_id = p_sid AND g.status = 'confirmed'
		AND g.conference_id = rs.conference_id;
END $$;

-- Live mode, decisions 1 and 2: the rows of the people who lost session
-- NEW from their view, with the session as OLD was, or the first pending
-- row's snapshot.
CREATE FUNCTION kaigi_outbox_hidden_live(o sessions, n sessions)
RETURNS void LANGUAGE sql AS $$
	WITH seen AS MATERIALIZED (SELECT DISTINCT x AS id
	    FROM kaigi_session_viewers(n.id) x)
	INSERT INTO outbox (conference_id, participant_id, session_id, change,
	    was_start, was_end, was_room, was_title, was_kind, was_venue,
	    was_sequence)
	SELECT n.conference_id, c.participant_id, n.id, 'hidden',
	    coalesce(w.was_start, o.starts_at), coalesce(w.was_end, o.ends_at),
	    CASE WHEN w.id IS NULL THEN r.name ELSE w.was_room END,
	    coalesce(w.was_title, o.title), o.kind,
	    CASE WHEN w.id IS NULL OR w.was_room IS NOT DISTINCT FROM r.name
		THEN v.name END, n.sequence
	FROM kaigi_outbox_concerned(n.id) c
	LEFT JOIN rooms r ON r.id = o.room_id
	LEFT JOIN venues v ON v.id = r.venue_id
	LEFT JOIN LATERAL (SELECT x.id, x.was_start, x.was_end, x.was_room,
		x.was_title FROM outbox x
	    WHERE x.participant_id = c.participant_id AND x.session_id = n.id
		AND x.batch_id IS NULL
	    ORDER BY x.id LIMIT 1) w ON true
	WHERE c.participant_id NOT IN (SELECT id FROM seen)
	ORDER BY c.participant_id
$$;

-- Release mode, decisions 1 and 2: the last release's row for those it
-- shows the session to.
CREATE FUNCTION kaigi_outbox_hidden_release(n sessions)
RETURNS void LANGUAGE sql AS $$
	WITH rid AS MATERIALIZED (
		SELECT (kaigi_release_last(n.conference_id)).id AS id),
	now_seen AS MATERIALIZED (SELECT DISTINCT x AS id
	    FROM kaigi_session_viewers(n.id) x),
	was_seen AS MATERIALIZED (SELECT DISTINCT x AS id
	    FROM rid, kaigi_release_viewers(rid.id, n.id) x)
	INSERT INTO outbox (conference_id, participant_id, session_id, change,
	    was_start, was_end, was_room, was_title, was_kind, was_venue,
	    was_sequence)
	SELECT n.conference_id, c.participant_id, n.id, 'hidden',
	    rs.starts_at, rs.ends_at, rs.room, rs.title, rs.kind, rs.venue,
	    rs.sequence
	FROM kaigi_outbox_concerned(n.id) c
	JOIN release_sessions rs ON rs.release_id = (SELECT id FROM rid)
		AND rs.session_id = n.id AND rs.status <> 'cancelled'
	WHERE c.participant_id NOT IN (SELECT id FROM now_seen)
	    AND c.participant_id IN (SELECT id FROM was_seen)
	ORDER BY c.participant_id
$$;

-- sessions AFTER UPDATE of visibility: decision 1. Seen by everyone before
-- (public, conference) or not: only then can anyone have lost it.
CREATE FUNCTION kaigi_outbox_hidden() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF OLD.visibility NOT IN ('public', 'conference') THEN
		RETURN NULL;	-- restricted <-> confidential: the same people see it
	END IF;
	IF (SELECT publish FROM conferences WHERE id = NEW.conference_id)
	    = 'release' THEN
		PERFORM kaigi_outbox_hidden_release(NEW);
	ELSE
		PERFORM kaigi_outbox_hidden_live(OLD, NEW);
	END IF;
	RETURN NULL;
END $$;

CREATE TRIGGER sessions_outbox_hidden AFTER UPDATE OF visibility ON sessions
    FOR EACH ROW
    WHEN (OLD.visibility IS DISTINCT FROM NEW.visibility
	AND NEW.status <> 'cancelled')
    EXECUTE FUNCTION kaigi_outbox_hidden();

-- 610's, dropping 'hidden' rows as 'uninvited' ones (decision 3).
CREATE OR REPLACE FUNCTION kaigi_release_close_mail(p_cid bigint, r releases)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM outbox o WHERE o.conference_id = p_cid
	    AND o.batch_id IS NULL AND o.change IN ('uninvited', 'hidden')
	    AND kaigi_release_seen(r.id, o.session_id, o.participant_id)
		IS NOT NULL;
	PERFORM kaigi_release_close_mail_580(p_cid, r);
END $$;

-- 580's, reading a 'hidden' row as an 'uninvited' one (decision 3).
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
		    AND o.change IN ('removed', 'uninvited', 'hidden')
		WHERE NOT EXISTS (SELECT 1 FROM f WHERE f.bid = m.bid
		    AND f.id = o.session_id)
		ORDER BY o.batch_id, o.session_id, o.id DESC
	), e AS (
		SELECT f.*, CASE WHEN f.change IN ('removed', 'uninvited', 'hidden') THEN 'changed'
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

