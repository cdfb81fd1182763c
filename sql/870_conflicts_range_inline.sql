-- 870_conflicts_range_inline.sql — GET /conferences/{slug}/conflicts
-- pads a session with the changeover inline, not with a call per pair.
--
-- 240's rules (now kaigi_conference_conflicts_of_without_interpretation,
-- renamed by 260) compared every two sessions of one person, and each
-- session with the person's unavailability, through
-- kaigi_busy_range(conference, start, end): a PL/pgSQL function that reads
-- the conference's changeover, called once per pair. On the COP bench's
-- conference after its schedule (17,942 busy rows of sessions; heads of
-- delegation in some 70 bilaterals each) that was 369,379 calls: the
-- report took 5.2 s to find nothing. The changeover is now read once,
-- with the conference, and the range made in the query. Same rows, in
-- 2.5 s (0.5 s of it the query; the rest was JIT, which kaigid's
-- connections now turn off: server/db.c).
-- tests/integration/21-conflicts-set.t: every rule found with the
-- constraints deferred, and no call of kaigi_busy_range.
--
-- Replaces (CREATE OR REPLACE, same signature): 240's
-- kaigi_conference_conflicts_of, as renamed by 260.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- 240's rules broken in a conference, the changeover padding inline.
CREATE OR REPLACE FUNCTION kaigi_conference_conflicts_of_without_interpretation(p_conference_id bigint)
RETURNS TABLE (rule text, session_id bigint, other_session_id bigint,
    room_id bigint, participant_id bigint, unavailability_id bigint, detail text)
LANGUAGE sql STABLE AS $$
	WITH c AS (SELECT * FROM conferences WHERE id = p_conference_id),
	s AS (SELECT x.*, r.venue_id, r.capacity,
		tstzrange(x.starts_at, x.ends_at + make_interval(mins => c.changeover_minutes),
		    '[)') AS padded
	    FROM c CROSS JOIN sessions x LEFT JOIN rooms r ON r.id = x.room_id
	    WHERE x.conference_id = p_conference_id AND x.status <> 'cancelled'),
	att AS (SELECT s.*, a.participant_id FROM s
	    JOIN session_busy_people a ON a.session_id = s.id)
	SELECT 'room', a.id, b.id, a.room_id, NULL::bigint, NULL::bigint,
	    'two sessions in one room at once'
	FROM s a JOIN s b ON a.room_id = b.room_id AND a.id < b.id
	    AND a.during && b.during
	UNION ALL
	SELECT CASE WHEN a.during && b.during THEN 'participant' ELSE 'changeover' END,
	    a.id, b.id, NULL, a.participant_id, NULL,
	    CASE WHEN a.during && b.during THEN 'one person in two sessions at once'
	    ELSE format('less than the changeover of %s minutes between two sessions of one person',
		(SELECT changeover_minutes FROM c)) END
	FROM att a JOIN att b ON a.participant_id = b.participant_id
	    AND (a.starts_at, a.id) < (b.starts_at, b.id)
	    AND a.padded && b.during
	UNION ALL
	SELECT 'unavailability', a.id, NULL, NULL, a.participant_id, u.id,
	    'a session during an attendee''s unavailability: ' || u.reason
	FROM att a JOIN unavailability u ON u.participant_id = a.participant_id
	    AND u.during && a.padded
	UNION ALL
	SELECT 'travel', a.id, b.id, NULL, a.participant_id, NULL,
	    format('%s minutes between venues but only %s minutes between the sessions',
		t.minutes, extract(epoch FROM b.starts_at - a.ends_at)::int / 60)
	FROM att a JOIN att b ON a.participant_id = b.participant_id AND a.id <> b.id
	    AND a.ends_at <= b.starts_at AND a.venue_id <> b.venue_id
	JOIN travel_times t ON t.from_venue_id = a.venue_id AND t.to_venue_id = b.venue_id
	WHERE b.starts_at < a.ends_at + make_interval(mins => t.minutes)
	UNION ALL
	SELECT 'capacity', s.id, NULL, s.room_id, NULL, NULL,
	    format('the room holds %s people; %s attend', s.capacity, n.n)
	FROM s JOIN LATERAL (SELECT count(*) AS n FROM session_attendees a
	    WHERE a.session_id = s.id) n ON n.n > s.capacity
	UNION ALL
	SELECT 'dates', s.id, NULL, NULL, NULL, NULL,
	    'outside the conference dates or longer than 24 hours'
	FROM s, c
	WHERE (s.starts_at AT TIME ZONE c.timezone)::date NOT BETWEEN c.start_date AND c.end_date
	    OR s.ends_at > ((c.end_date + 1)::timestamp AT TIME ZONE c.timezone)
	    OR s.ends_at - s.starts_at > interval '24 hours'
$$;
