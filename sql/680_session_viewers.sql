-- 680_session_viewers.sql — who sees a session in their own participant
-- feed, as a set, for the mail of a session made restricted (640), which
-- asked the rule once per person concerned.
--
-- 640's 'hidden' rows called kaigi_session_visible (0.3 ms) and, in release
-- mode, kaigi_release_visible for every participant concerned by the
-- session: for a public session with many party delegations (a plenary of
-- every delegation: 100,000 participants at COP size) about 30 s in the
-- PATCH, three times the statement timeout. Now the rows are written from
-- the set of the session's viewers, built from the same clauses once.
-- tests/integration/22-session-viewers.t holds both sets equal to the
-- rules for every participant and every session of the demo (with a
-- confidential session, a non-party's registration, interpreters, and a
-- release): a clause added to a rule alone fails it.
--
-- Replaced: 640's kaigi_outbox_hidden_live and _release (same
-- signatures).
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

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

-- 640's, with the viewers as a set.
CREATE OR REPLACE FUNCTION kaigi_outbox_hidden_live(o sessions, n sessions)
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

-- 640's, with both sets.
CREATE OR REPLACE FUNCTION kaigi_outbox_hidden_release(n sessions)
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
