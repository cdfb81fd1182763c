-- 780_registration_release_state.sql — the registration calls answer from
-- the session's state as the caller sees it (issue 17 item 6 × issue 18's
-- releases; non-negotiable 5).
--
-- 590 made them find a session as the caller's other reads do: in release
-- mode a liaison finds it in the last release or not at all. But the
-- session they then worked on was the draft's row, so 180's refusals told
-- the draft: a side event cancelled in the draft, not yet released, still
-- confirmed in the liaison's GET /sessions/{id}, feed and programme,
-- answered their registration with 409 "the session is cancelled".
-- tests/integration/47-release-registration-state.t showed it.
--
-- Now kaigi_session_seen gives the session's kind and status beside its
-- title, as the caller sees them, and kaigi_registration_session hands the
-- registration calls the draft's row with those two taken from it. So
-- 180's checks (takes registrations, cancelled) judge what the caller
-- sees: the liaison registers for the released event (as 410 decided, a
-- registration acts at once), and the release that publishes the
-- cancellation is what makes them refused. The seats stay the draft's
-- (capacity, room): a seat is a real place, counted by 180's constraint
-- trigger on the draft. The secretariat sees the draft, as before.
--
-- Replaced here: kaigi_session_seen (590; its callers read title by name),
-- kaigi_registration_session (590).
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

DROP FUNCTION kaigi_session_seen(jsonb, bigint);

CREATE FUNCTION kaigi_session_seen(p_actor jsonb, p_sid bigint)
RETURNS TABLE (title text, kind text, status text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	c	conferences;
BEGIN
	SELECT cf.* INTO c FROM sessions s JOIN conferences cf
	    ON cf.id = s.conference_id WHERE s.id = p_sid;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	IF kaigi_release_mode(c, p_actor) THEN
		RETURN QUERY SELECT rs.title, rs.kind, rs.status
		FROM release_sessions rs
		WHERE rs.release_id = (kaigi_release_last(c.id)).id
		    AND rs.session_id = p_sid AND kaigi_release_visible(rs, p_actor);
		RETURN;
	END IF;
	RETURN QUERY SELECT s.title, s.kind, s.status FROM sessions s
	WHERE s.id = p_sid AND kaigi_session_visible(p_sid, p_actor);
END $$;

-- 590's: the draft's row, locked when asked, with the kind and status the
-- caller sees.
CREATE OR REPLACE FUNCTION kaigi_registration_session(p_actor jsonb,
    p_sid bigint, p_lock boolean) RETURNS sessions
LANGUAGE plpgsql AS $$
DECLARE
	s	sessions;
	seen	record;
BEGIN
	IF p_lock THEN
		SELECT * INTO s FROM sessions WHERE id = p_sid FOR NO KEY UPDATE;
	ELSE
		SELECT * INTO s FROM sessions WHERE id = p_sid;
	END IF;
	SELECT * INTO seen FROM kaigi_session_seen(p_actor, p_sid);
	IF s.id IS NULL OR NOT FOUND THEN
		PERFORM kaigi_session_raise('KG404', 'no such session');
	END IF;
	IF NOT kaigi_core_is_secretariat(p_actor, s.conference_id)
	    AND NOT (p_actor->>'role' = 'liaison'
		AND (p_actor->>'conference_id')::bigint = s.conference_id) THEN
		PERFORM kaigi_session_raise('KG403', 'only the secretariat and '
		    'the liaisons of this conference deal with its registrations');
	END IF;
	s.kind := seen.kind;
	s.status := seen.status;
	RETURN s;
END $$;
