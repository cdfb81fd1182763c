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
-- Replaces (CREATE OR REPLACE, same signature): 240's kaigi_move_target.
-- tests/integration/49-interpretation-repair.t.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- 120's planned place of a moved session: people by session_busy_people,
-- less its auto-picked interpreters busy at the new time.
CREATE OR REPLACE FUNCTION kaigi_move_target(s sessions, p_input jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('session_id', s.id, 'version', s.version,
	    'room_id', CASE WHEN p_input ? 'room_id' THEN p_input->'room_id'
		ELSE to_jsonb(s.room_id) END,
	    'start', p_input->'start', 'end', p_input->'end',
	    'people', (SELECT coalesce(jsonb_agg(b.participant_id ORDER BY b.participant_id), '[]')
		FROM session_busy_people b
		WHERE b.session_id = s.id AND NOT EXISTS (
		    SELECT 1 FROM session_interpreters i
		    JOIN busy x ON x.participant_id = i.participant_id
			AND x.session_id IS DISTINCT FROM s.id
			AND x.during && kaigi_busy_range(s.conference_id,
			    (p_input->>'start')::timestamptz, (p_input->>'end')::timestamptz)
		    WHERE i.session_id = s.id AND i.auto
			AND i.participant_id = b.participant_id
			AND NOT EXISTS (SELECT 1 FROM session_attendees a
			    WHERE a.session_id = s.id AND a.participant_id = b.participant_id))))
$$;
