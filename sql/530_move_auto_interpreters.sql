-- 530_move_auto_interpreters.sql — a move with repair is not blocked by an
-- interpreter the move would replace anyway (issue 17, item 2).
--
-- 240's kaigi_move_target gave the moved session's people as
-- session_busy_people: its attendees and all its interpreters. An
-- interpreter the session's pick chose (auto), busy elsewhere at the new
-- time, is dropped and replaced by a free one when the session moves
-- (260's kaigi_interp_check_assigned), yet the move with repair refused
-- with 409 naming that interpreter's other session. Since 500 and 520 the
-- slots of a bilateral offer times with another team of interpreters, so
-- the move refused a slot the secretariat had just been offered. Now the
-- target's people leave out the auto-picked interpreters who are busy at
-- the new time (their other sessions and unavailability, with the
-- changeover); the given interpreters and every attendee still block, as
-- before, and the session's pick replaces the ones left out.
--
-- Wraps (renamed, not copied): 240's kaigi_move_target (now
-- kaigi_move_target_every_interpreter).
-- tests/integration/49-interpretation-repair.t.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

ALTER FUNCTION kaigi_move_target(sessions, jsonb)
    RENAME TO kaigi_move_target_every_interpreter;

-- 240's planned place of a moved session, its people less its
-- auto-picked interpreters busy at the new time.
CREATE FUNCTION kaigi_move_target(s sessions, p_input jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT t || jsonb_build_object('people', coalesce((SELECT jsonb_agg(x ORDER BY x)
	    FROM jsonb_array_elements(t->'people') x
	    WHERE NOT EXISTS (SELECT 1 FROM session_interpreters i
		JOIN busy b ON b.participant_id = i.participant_id
		    AND b.session_id IS DISTINCT FROM s.id
		    AND b.during && kaigi_busy_range(s.conference_id,
			(t->>'start')::timestamptz, (t->>'end')::timestamptz)
		WHERE i.session_id = s.id AND i.auto AND i.participant_id = x::bigint
		    AND NOT EXISTS (SELECT 1 FROM session_attendees a
			WHERE a.session_id = s.id AND a.participant_id = i.participant_id))),
	    '[]'))
	FROM (SELECT kaigi_move_target_every_interpreter(s, p_input) AS t) y
$$;
