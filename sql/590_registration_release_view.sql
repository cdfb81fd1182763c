-- 590_registration_release_view.sql — the registration calls see a
-- session as the caller's other reads do, also in release mode (issue 18's
-- releases × issue 17 item 6; non-negotiable 5: a session a caller may not
-- see does not exist for it).
--
-- In release mode a caller that may not write (a liaison) is shown the last
-- release: its session list, GET /sessions/{id}, feeds and programme (130).
-- But 180's kaigi_registration_session asked the draft's rule
-- (kaigi_session_visible), so a liaison could register for, and list the
-- registrations of, a public side event that exists only in the draft:
-- 201 where GET /sessions/{id} said 404, and the answer's 409s (cancelled,
-- no registrations) told the draft's state. 510's registrations export
-- listed such a session too, under its draft title.
-- tests/integration/47-release-registration-draft.t showed both.
--
-- Now kaigi_session_seen(actor, id) gives the session's title as the
-- caller sees it (the last release's row under kaigi_release_visible in
-- release mode for a caller that may not write, else the draft's under
-- kaigi_session_visible), or no row; the registration calls and the
-- export ask it. The secretariat still sees the draft and registers there.
--
-- Replaced here: kaigi_registration_session (180),
-- kaigi_export_registrations (510).
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

CREATE FUNCTION kaigi_session_seen(p_actor jsonb, p_sid bigint)
RETURNS TABLE (title text) LANGUAGE plpgsql STABLE AS $$
DECLARE
	c	conferences;
BEGIN
	SELECT cf.* INTO c FROM sessions s JOIN conferences cf
	    ON cf.id = s.conference_id WHERE s.id = p_sid;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	IF kaigi_release_mode(c, p_actor) THEN
		RETURN QUERY SELECT rs.title FROM release_sessions rs
		WHERE rs.release_id = (kaigi_release_last(c.id)).id
		    AND rs.session_id = p_sid AND kaigi_release_visible(rs, p_actor);
		RETURN;
	END IF;
	RETURN QUERY SELECT s.title FROM sessions s
	WHERE s.id = p_sid AND kaigi_session_visible(p_sid, p_actor);
END $$;

-- 180's, asking kaigi_session_seen.
CREATE OR REPLACE FUNCTION kaigi_registration_session(p_actor jsonb,
    p_sid bigint, p_lock boolean) RETURNS sessions
LANGUAGE plpgsql AS $$
DECLARE
	s	sessions;
BEGIN
	IF p_lock THEN
		SELECT * INTO s FROM sessions WHERE id = p_sid FOR NO KEY UPDATE;
	ELSE
		SELECT * INTO s FROM sessions WHERE id = p_sid;
	END IF;
	IF s.id IS NULL OR NOT EXISTS (SELECT 1 FROM kaigi_session_seen(p_actor,
	    p_sid)) THEN
		PERFORM kaigi_session_raise('KG404', 'no such session');
	END IF;
	IF NOT kaigi_core_is_secretariat(p_actor, s.conference_id)
	    AND NOT (p_actor->>'role' = 'liaison'
		AND (p_actor->>'conference_id')::bigint = s.conference_id) THEN
		PERFORM kaigi_session_raise('KG403', 'only the secretariat and '
		    'the liaisons of this conference deal with its registrations');
	END IF;
	RETURN s;
END $$;

-- 510's, asking kaigi_session_seen: only sessions the caller sees, under
-- the title it sees.
CREATE OR REPLACE FUNCTION kaigi_export_registrations(p_actor jsonb,
    c conferences)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(jsonb_build_object(
	    'session', coalesce(s.ref, t.title),
	    'participant', kaigi_export_person(p, p_actor), 'status', g.status,
	    'position', CASE WHEN g.status = 'waiting' THEN (SELECT count(*)
		FROM registrations w WHERE w.session_id = g.session_id
		    AND w.status = 'waiting' AND w.id <= g.id) END)
	    ORDER BY s.starts_at, s.id, g.id), '[]')
	FROM registrations g JOIN sessions s ON s.id = g.session_id
	JOIN participants p ON p.id = g.participant_id
	CROSS JOIN LATERAL kaigi_session_seen(p_actor, s.id) t
	WHERE g.conference_id = c.id
	    AND (kaigi_core_is_secretariat(p_actor, c.id)
		OR p.delegation_id = (p_actor->>'delegation_id')::bigint)
$$;
