-- 370_visible_set.sql — which sessions an actor may see, asked once per
-- feed as a set instead of once per session (issue 21: "the feed query
-- made set-based: no per-row visibility function call").
--
-- kaigi_session_visible (020's rule, with 180's confirmed registrations and
-- 260's interpreters) is three SQL functions deep and none of them can be
-- inlined (each has subqueries): about 0.3 ms a call. A feed asked it for
-- every session that is not public: 6 ms for the demo's public feed, 0.6 s
-- for a personal feed at COP size. kaigi_sessions_seen gives the same
-- answer for a whole conference in one statement of index lookups, and
-- 030's kaigi_feed_rows_draft (its body replaced here: the rule cannot be
-- wrapped from outside) and kaigi_sessions_visible (the programme's) use
-- it. tests/integration/22-visible-set.t holds the two equal for every
-- kind of actor and every session: a new rule added to one alone fails it.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- The ids of the sessions of conference p_conference_id that p_actor may
-- see (an id may come twice), by kaigi_session_visible's rule: admin all;
-- public to everyone; to an actor of the conference its conference
-- sessions, and to its secretariat all; a party delegation's (listed, or
-- of an attendee) to its liaison and feed; an attendee's to its
-- participant feed; a confirmed registration's to the participant's and
-- its delegation's (180); an interpreter's to its participant feed (260).
-- PL/pgSQL so that only the lookups the actor's keys call for run, each
-- one index lookup on one value (a plan for all of them at once, with the
-- absent keys as NULLs, scanned the participants).
CREATE FUNCTION kaigi_sessions_seen(p_conference_id bigint, p_actor jsonb)
RETURNS SETOF bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_role	text := p_actor->>'role';
	v_cid	bigint := (p_actor->>'conference_id')::bigint;
	v_did	bigint := (p_actor->>'delegation_id')::bigint;
	v_pid	bigint := (p_actor->>'participant_id')::bigint;
	v_ours	boolean := coalesce(v_cid = p_conference_id, false);
BEGIN
	IF v_role = 'admin' OR (v_ours AND v_role = 'secretariat') THEN
		RETURN QUERY SELECT s.id FROM sessions s
		    WHERE s.conference_id = p_conference_id;
		RETURN;
	END IF;
	RETURN QUERY SELECT s.id FROM sessions s
	    WHERE s.conference_id = p_conference_id AND (s.visibility = 'public'
		OR (v_ours AND s.visibility = 'conference'));
	IF v_ours AND v_did IS NOT NULL THEN
		RETURN QUERY SELECT sd.session_id FROM session_delegations sd
		    JOIN sessions s ON s.id = sd.session_id
		    WHERE sd.delegation_id = v_did
			AND s.conference_id = p_conference_id;
		-- from the delegation's members, not from every attendance
		RETURN QUERY WITH m AS MATERIALIZED (SELECT p.id FROM participants p
			WHERE p.delegation_id = v_did)
		    SELECT a.session_id FROM m
		    JOIN session_attendees a ON a.participant_id = m.id
		    JOIN sessions s ON s.id = a.session_id
		    WHERE s.conference_id = p_conference_id;
	END IF;
	IF v_ours AND v_pid IS NOT NULL THEN
		RETURN QUERY SELECT a.session_id FROM session_attendees a
		    JOIN sessions s ON s.id = a.session_id
		    WHERE a.participant_id = v_pid
			AND s.conference_id = p_conference_id;
	END IF;
	IF v_did IS NOT NULL THEN
		RETURN QUERY SELECT g.session_id FROM registrations g
		    JOIN participants p ON p.id = g.participant_id
		    JOIN sessions s ON s.id = g.session_id
		    WHERE p.delegation_id = v_did AND g.status = 'confirmed'
			AND g.conference_id = v_cid
			AND s.conference_id = p_conference_id;
	END IF;
	IF v_pid IS NOT NULL THEN
		RETURN QUERY SELECT g.session_id FROM registrations g
		    JOIN sessions s ON s.id = g.session_id
		    WHERE g.participant_id = v_pid AND g.status = 'confirmed'
			AND g.conference_id = v_cid
			AND s.conference_id = p_conference_id;
	END IF;
	IF v_pid IS NOT NULL THEN
		RETURN QUERY SELECT i.session_id FROM session_interpreters i
		    JOIN participants p ON p.id = i.participant_id
		    JOIN sessions s ON s.id = i.session_id
		    WHERE i.participant_id = v_pid AND p.conference_id = v_cid
			AND s.conference_id = p_conference_id;
	END IF;
END $$;

-- 020's set, from the rule as a set (the programme lists it).
CREATE OR REPLACE FUNCTION kaigi_sessions_visible(p_conference_id bigint,
    p_actor jsonb)
RETURNS SETOF bigint
LANGUAGE sql STABLE AS $$
	SELECT DISTINCT x FROM kaigi_sessions_seen(p_conference_id, p_actor) x
$$;

-- 030's rows of a feed (renamed kaigi_feed_rows_draft by 130), the
-- sessions its actor may not see flagged by one look at the set: asked
-- once (the CTE; the planner copies the flag into the join's condition,
-- which asked it a second time) and of the parameter, not of c.id (which
-- asked it per row).
CREATE OR REPLACE FUNCTION kaigi_feed_rows_draft(p_conference_id bigint,
    p_name text, p_actor jsonb, p_room_id bigint)
RETURNS SETOF kaigi_feed_row
LANGUAGE sql STABLE AS $$
	WITH seen AS MATERIALIZED (SELECT x
	    FROM kaigi_sessions_seen(p_conference_id, p_actor) x)
	SELECT c.id, p_name, c.timezone, ch.changed,
	    s.id, s.kind, s.title, s.description, r.name, v.name,
	    kaigi_epoch(s.starts_at), kaigi_epoch(s.ends_at), s.status, s.sequence,
	    kaigi_epoch(s.created_at), kaigi_epoch(s.updated_at), s.reserved
	FROM conferences c
	CROSS JOIN LATERAL (SELECT kaigi_feed_changed(c.id) AS changed
	    OFFSET 0) ch	-- unused by 360's caller, and then not computed
	LEFT JOIN LATERAL (
		SELECT s.*, s.id NOT IN (SELECT x FROM seen) AS reserved
		FROM sessions s
		WHERE s.conference_id = c.id
		    AND (p_room_id IS NULL OR s.room_id = p_room_id)
	) s ON p_room_id IS NOT NULL OR NOT s.reserved
	LEFT JOIN rooms r ON r.id = s.room_id
	LEFT JOIN venues v ON v.id = r.venue_id
	WHERE c.id = p_conference_id
$$;
