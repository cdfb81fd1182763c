-- 992_session_visible_by_key.sql — whether one actor sees one session is
-- answered by key lookups, not by reading the session's attendees and
-- registrations (issue 18: change mail at conference size; the rule is
-- asked once per row by the triggers of attendance and registrations).
--
-- 020's rule looked for an attendee of the session who is the actor's
-- participant OR of the actor's delegation, and 180's did the same over
-- confirmed registrations: one condition over two columns, so each call
-- read every attendee (registrant) of the session with its participant.
-- A call cost 2-3 ms at 1,500 attendees, and the triggers that ask it per
-- row made bulk changes quadratic: half of 1,500 attendees taken out in
-- one statement, 2.6 s and 3,969,750 plan rows; 1,500 registrations
-- confirmed at once, 6.1 s and 9,052,498.
--
-- The same rule, each OR written as its own EXISTS: the actor's own
-- attendance (registration) is one probe of the primary key (the unique
-- key) on (session, participant); the delegation's takes its members
-- first (participants_delegation_id_idx) and probes that key with each
-- (a LATERAL subquery with LIMIT: the planner cannot turn it round to
-- read the session's attendees, as it did with a join or an array under
-- a new installation's statistics). The
-- clauses are the same, so the answers are: an attendee row always has
-- its participant (the foreign key), so "p.id = actor's participant" is
-- "a.participant_id = actor's participant". 22-session-viewers.t,
-- 22-release-visible-set.t and 76-access-matrix.t hold the rule's answers;
-- 22-session-visible-by-key.t counts the plan rows of single calls (and
-- checks their answers) for six kinds of actor.
--
-- Replaced (CREATE OR REPLACE, same signatures and attributes): 020's
-- rule (renamed kaigi_session_visible_without_registrations by 180) and
-- 180's (renamed kaigi_session_visible_without_interpreters by 260).
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

CREATE OR REPLACE FUNCTION kaigi_session_visible_without_registrations(
    p_session_id bigint, p_actor jsonb)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT coalesce((
		SELECT CASE
		    WHEN p_actor->>'role' = 'admin' THEN true
		    WHEN s.visibility = 'public' THEN true
		    WHEN (p_actor->>'conference_id')::bigint IS DISTINCT FROM s.conference_id
			THEN false
		    WHEN s.visibility = 'conference' THEN true
		    WHEN p_actor->>'role' = 'secretariat' THEN true
		    ELSE EXISTS (SELECT 1 FROM session_delegations sd
			WHERE sd.session_id = s.id
			    AND sd.delegation_id = (p_actor->>'delegation_id')::bigint)
			OR EXISTS (SELECT 1 FROM session_attendees a
			    WHERE a.session_id = s.id
				AND a.participant_id = (p_actor->>'participant_id')::bigint)
			OR EXISTS (SELECT 1 FROM participants p
			    CROSS JOIN LATERAL (SELECT 1 FROM session_attendees a
				WHERE a.session_id = s.id
				    AND a.participant_id = p.id LIMIT 1) a
			    WHERE p.delegation_id = (p_actor->>'delegation_id')::bigint)
		    END
		FROM sessions s WHERE s.id = p_session_id), false)
$$;

CREATE OR REPLACE FUNCTION kaigi_session_visible_without_interpreters(
    p_session_id bigint, p_actor jsonb)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT kaigi_session_visible_without_registrations(p_session_id, p_actor)
	    OR ((p_actor ? 'participant_id' OR p_actor ? 'delegation_id')
		AND (EXISTS (SELECT 1 FROM registrations g
		    WHERE g.session_id = p_session_id AND g.status = 'confirmed'
			AND g.conference_id = (p_actor->>'conference_id')::bigint
			AND g.participant_id = (p_actor->>'participant_id')::bigint)
		OR EXISTS (SELECT 1 FROM participants p
		    CROSS JOIN LATERAL (SELECT 1 FROM registrations g
			WHERE g.session_id = p_session_id
			    AND g.participant_id = p.id AND g.status = 'confirmed'
			    AND g.conference_id = (p_actor->>'conference_id')::bigint
			LIMIT 1) g
		    WHERE p.delegation_id = (p_actor->>'delegation_id')::bigint)))
$$;
