-- 770_outbox_unshown.sql — a session hidden again before its "Back in your
-- programme" was sent sends nothing (issue 18: one message per batch for
-- every participant "whose view changed").
--
-- Live mode. 640 sends a member of a party delegation who attends nothing
-- a CANCEL when their session is made restricted; made public again, 700
-- queues a 'shown' row (a REQUEST) for them. Made restricted once more
-- within the quiet time, 640 added a 'hidden' row beside the unsent
-- 'shown' one, and the batch sent them a second CANCEL of a meeting their
-- calendar had already cancelled: their view had not changed.
-- tests/integration/49-mail-visibility.t showed it.
--
-- Now, as 700 does the other way round: in live mode, a participant who
-- loses the session while an unsent 'shown' row of it waits for them gets
-- that row deleted and no 'hidden' row. Their calendar is as their feed
-- is: without the session (the CANCEL before the 'shown' row was sent, or
-- is still pending and goes out as before). Release mode is unchanged:
-- the release compares what the participant saw in the last release with
-- what the next one shows them, and drops both kinds when nothing changed
-- (610, 700).
--
-- Replaced here: 640's kaigi_outbox_hidden_live.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

CREATE OR REPLACE FUNCTION kaigi_outbox_hidden_live(o sessions, n sessions)
RETURNS void LANGUAGE sql AS $$
	WITH seen AS MATERIALIZED (SELECT DISTINCT x AS id
	    FROM kaigi_session_viewers(n.id) x),
	lost AS MATERIALIZED (SELECT c.participant_id
	    FROM kaigi_outbox_concerned(n.id) c
	    WHERE c.participant_id NOT IN (SELECT id FROM seen)),
	unshown AS (DELETE FROM outbox x USING lost l
	    WHERE x.participant_id = l.participant_id AND x.session_id = n.id
		AND x.batch_id IS NULL AND x.change = 'shown'
	    RETURNING x.participant_id)
	INSERT INTO outbox (conference_id, participant_id, session_id, change,
	    was_start, was_end, was_room, was_title, was_kind, was_venue,
	    was_sequence)
	SELECT n.conference_id, c.participant_id, n.id, 'hidden',
	    coalesce(w.was_start, o.starts_at), coalesce(w.was_end, o.ends_at),
	    CASE WHEN w.id IS NULL THEN r.name ELSE w.was_room END,
	    coalesce(w.was_title, o.title), o.kind,
	    CASE WHEN w.id IS NULL OR w.was_room IS NOT DISTINCT FROM r.name
		THEN v.name END, n.sequence
	FROM lost c
	LEFT JOIN rooms r ON r.id = o.room_id
	LEFT JOIN venues v ON v.id = r.venue_id
	LEFT JOIN LATERAL (SELECT x.id, x.was_start, x.was_end, x.was_room,
		x.was_title FROM outbox x
	    WHERE x.participant_id = c.participant_id AND x.session_id = n.id
		AND x.batch_id IS NULL
	    ORDER BY x.id LIMIT 1) w ON true
	WHERE c.participant_id NOT IN (SELECT participant_id FROM unshown)
	ORDER BY c.participant_id
$$;
