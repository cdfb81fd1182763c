-- 280_conflicts_travel.sql — the double-booking check's travel branch
-- looks only at the attendees' busy times that can be within travel of
-- the new session (issue 20: the write of an auto-schedule).
--
-- kaigi_session_conflicts (sql/001_schema.sql) found travel clashes by
-- joining every session of the conference with its room and computing the
-- travel time to the new session's venue for each, before keeping those of
-- the attendees: on the planted benchmark through the API (2,000
-- bilaterals, plenaries, three venues) each check scanned all sessions
-- (about 6 ms), and placing the plan's 2,000 requests called it 1,249
-- times (most of the write's time, with track_functions = all). A travel
-- clash needs the other session to lie within the conference's longest
-- travel time of the new one, and a busy row covers its session, so
-- "b.during && me.wide" (the new session widened by that time) keeps the
-- same answers and lets busy's (participant_id, during) index lead.
-- Replaces kaigi_session_conflicts; same signature and results.

CREATE OR REPLACE FUNCTION kaigi_session_conflicts(p_conference_id bigint, p_room_id bigint,
    p_starts timestamptz, p_ends timestamptz, p_participant_ids bigint[],
    p_exclude_session_id bigint DEFAULT NULL)
RETURNS TABLE (resource text, reason text, session_id bigint, title text,
    starts_at timestamptz, ends_at timestamptz, room_id bigint,
    participant_id bigint, unavailability_id bigint)
LANGUAGE sql STABLE AS $$
	WITH me AS (
		SELECT tstzrange(p_starts, p_ends, '[)') AS bare,
		    kaigi_busy_range(p_conference_id, p_starts, p_ends) AS padded,
		    (SELECT venue_id FROM rooms WHERE id = p_room_id) AS venue_id,
		    (SELECT tstzrange(p_starts - make_interval(mins => coalesce(max(t.minutes), 0)),
			p_ends + make_interval(mins => coalesce(max(t.minutes), 0)), '[)')
		     FROM travel_times t WHERE t.conference_id = p_conference_id) AS wide
	)
	SELECT 'room', 'overlap', s.id, s.title, s.starts_at, s.ends_at, s.room_id,
	    NULL::bigint, NULL::bigint
	FROM sessions s, me
	WHERE p_room_id IS NOT NULL AND s.room_id = p_room_id
	    AND s.status <> 'cancelled' AND s.during && me.bare
	    AND s.id IS DISTINCT FROM p_exclude_session_id
	UNION ALL
	SELECT 'participant',
	    CASE WHEN s.during && me.bare THEN 'overlap' ELSE 'changeover' END,
	    s.id, s.title, s.starts_at, s.ends_at, s.room_id, b.participant_id, NULL
	FROM busy b JOIN sessions s ON s.id = b.session_id, me
	WHERE b.participant_id = ANY (p_participant_ids) AND b.during && me.padded
	    AND s.id IS DISTINCT FROM p_exclude_session_id
	UNION ALL
	SELECT 'unavailability', 'overlap', NULL, u.reason, lower(u.during),
	    upper(u.during), NULL, b.participant_id, u.id
	FROM busy b JOIN unavailability u ON u.id = b.unavailability_id, me
	WHERE b.participant_id = ANY (p_participant_ids) AND b.during && me.padded
	UNION ALL
	SELECT 'participant', 'travel', s.id, s.title, s.starts_at, s.ends_at,
	    s.room_id, b.participant_id, NULL
	FROM busy b JOIN sessions s ON s.id = b.session_id
	    JOIN rooms r ON r.id = s.room_id, me
	WHERE b.participant_id = ANY (p_participant_ids)
	    AND me.venue_id IS NOT NULL AND r.venue_id <> me.venue_id
	    AND b.during && me.wide
	    AND s.id IS DISTINCT FROM p_exclude_session_id
	    AND NOT (b.during && me.padded)
	    AND tstzrange(s.starts_at, s.ends_at + make_interval(mins => coalesce(
		(SELECT t.minutes FROM travel_times t WHERE t.from_venue_id = r.venue_id
		    AND t.to_venue_id = me.venue_id),
		(SELECT t.minutes FROM travel_times t WHERE t.from_venue_id = me.venue_id
		    AND t.to_venue_id = r.venue_id), 0)), '[)')
	    && tstzrange(p_starts, p_ends + make_interval(mins => coalesce(
		(SELECT t.minutes FROM travel_times t WHERE t.from_venue_id = me.venue_id
		    AND t.to_venue_id = r.venue_id),
		(SELECT t.minutes FROM travel_times t WHERE t.from_venue_id = r.venue_id
		    AND t.to_venue_id = me.venue_id), 0)), '[)')
	ORDER BY 5, 1, 8
$$;
