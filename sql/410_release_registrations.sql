-- 410_release_registrations.sql — a confirmed registration counts in
-- release mode too (issue 17 item 6 × issue 18).
--
-- 180 wrapped kaigi_session_visible (live mode) with a clause: a confirmed
-- registration lets the registrant's participant feed, and the
-- registrant's delegation (its feed, its liaison), see the session; 370's
-- kaigi_sessions_seen has the same clause. 130's kaigi_release_visible,
-- the rule every release-mode reader goes through (390 restated it with
-- the interpreters), never had it. So once the conference published by
-- release, a registrant lost a restricted side event they hold a seat for
-- from their feed, their programme.pdf and their delegation's feed,
-- programme, session list and GET /sessions/{id}, and a waiting one
-- promoted after a cancellation never got it (not even after the next
-- release). tests/integration/47-release-registrations.t showed it.
--
-- The decision: a registration is the person's own fact, not schedule
-- content. It is made and cancelled by the secretariat or the liaison at
-- any time, answered at once ("confirmed", or "waiting" with a position),
-- and the seat is the person's from then on; the release is what the
-- secretariat publishes of the schedule (times, rooms, titles, parties).
-- So in release mode a registration acts at once, as in live mode: the
-- rule reads the registrations table as it is now, not a copy taken at
-- release time. A confirmation or a promotion shows the session to the
-- registrant (and their delegation) at once, and a cancellation takes it
-- away at once (a copy would have kept a cancelled person seeing it until
-- the next release). What they see of the session is the last release's
-- row only (title, time, room, SEQUENCE, parties): the clause is applied
-- to the release's rows, so a session the last release does not hold
-- shows to nobody, and a draft retitle or move is not published by a
-- registration. Nobody else gains anything: the clause is 180's exactly
-- (confirmed only; the registrant by participant id, their delegation by
-- delegation id; the registration of the release row's conference), so
-- while the draft's parties and attendees are the release's, the release's
-- rule equals live mode's for every actor (47-release-registrations.t
-- checks every actor and session).
--
-- Every release reader takes it from kaigi_release_visible: the feeds'
-- rows (130's kaigi_release_feed_rows), the session list and GET
-- /sessions/{id}, the programme, the release change lists, the mail's
-- events and release batches. Feeds stay honest: a registration's write
-- touches its session (180), which logs a feed change (061), so cached
-- feeds are rendered again, and the new bytes get a new ETag and a later
-- Last-Modified (061's clock), though the release's instant is unchanged.
--
-- Replaced: kaigi_release_visible (390's, restated with the clause).
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- Does p_actor see the release's session rs? 390's rule (130's, plus the
-- interpreter's own feed), plus 180's: the participant, or the delegation
-- of the participant, of a confirmed registration for it now.
CREATE OR REPLACE FUNCTION kaigi_release_visible(rs release_sessions, p_actor jsonb)
RETURNS boolean LANGUAGE sql STABLE AS $$
	SELECT CASE
	    WHEN p_actor->>'role' = 'admin' THEN true
	    WHEN rs.visibility = 'public' THEN true
	    WHEN (p_actor->>'conference_id')::bigint IS DISTINCT FROM rs.conference_id
		THEN false
	    WHEN rs.visibility = 'conference' THEN true
	    WHEN p_actor->>'role' = 'secretariat' THEN true
	    ELSE EXISTS (SELECT 1 FROM release_delegations d
		WHERE d.release_id = rs.release_id AND d.session_id = rs.session_id
		    AND d.delegation_id = (p_actor->>'delegation_id')::bigint)
		OR EXISTS (SELECT 1 FROM release_attendees a
		    WHERE a.release_id = rs.release_id AND a.session_id = rs.session_id
			AND (a.delegation_id = (p_actor->>'delegation_id')::bigint
			    OR a.participant_id = (p_actor->>'participant_id')::bigint))
		OR EXISTS (SELECT 1 FROM release_interpreters i
		    WHERE i.release_id = rs.release_id AND i.session_id = rs.session_id
			AND i.participant_id = (p_actor->>'participant_id')::bigint)
		OR EXISTS (SELECT 1 FROM registrations g
		    JOIN participants p ON p.id = g.participant_id
		    WHERE g.session_id = rs.session_id AND g.status = 'confirmed'
			AND g.conference_id = rs.conference_id
			AND (p.id = (p_actor->>'participant_id')::bigint
			    OR p.delegation_id = (p_actor->>'delegation_id')::bigint))
	    END
$$;
