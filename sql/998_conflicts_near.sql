-- 998_conflicts_near.sql — GET /conferences/{slug}/conflicts compares a
-- session only with the sessions of its person (or room) that start
-- shortly before it, not with every other one.
--
-- 870's rules joined the busy rows of one person with each other on the
-- person alone (and the sessions of one room on the room alone), then
-- filtered the pairs by time: a person's k sessions made k * k / 2 pairs.
-- On a planted COP after its schedule (43,160 busy rows, heads of
-- delegation in some 100 bilaterals each) the report read 4.7 million
-- pairs and took 1.3 s through the API to find nothing.
--
-- A session b can clash with an earlier one a (a starting before b, or
-- at the same time with a lower id) only if b starts before a's reach:
-- a's end plus the changeover (participant, changeover), plus the travel
-- from a's venue (travel), or a's end (room). The reach is at most a's
-- start plus the conference's "width": its longest live session plus
-- the greater of the changeover and its longest travel time. So with
-- time cut into buckets of one width, a lies in b's bucket or the one
-- before, and the pairs are joined on (person, bucket) and (room,
-- bucket) for those two buckets, then filtered by the same conditions as
-- before. The rows are the same; the pairs read grow with the sessions
-- in one width of a person's day.
-- tests/integration/21-conflicts-near.t counts the rows the report
-- reads for one person's 300 sessions, and checks every rule's pairs.
--
-- Replaces (CREATE OR REPLACE, same signature): 870's
-- kaigi_conference_conflicts_of_without_interpretation.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- 240's rules broken in a conference, each pair found among the near ones.
CREATE OR REPLACE FUNCTION kaigi_conference_conflicts_of_without_interpretation(p_conference_id bigint)
RETURNS TABLE (rule text, session_id bigint, other_session_id bigint,
    room_id bigint, participant_id bigint, unavailability_id bigint, detail text)
LANGUAGE sql STABLE AS $$
	WITH c AS (SELECT x.*, extract(epoch FROM
		coalesce((SELECT max(s.ends_at - s.starts_at) FROM sessions s
		    WHERE s.conference_id = x.id AND s.status <> 'cancelled'),
		    interval '1 minute')
		+ make_interval(mins => greatest(x.changeover_minutes,
		    (SELECT max(t.minutes) FROM travel_times t
		     WHERE t.conference_id = x.id))))::float8 AS width
	    FROM conferences x WHERE x.id = p_conference_id),
	s AS (SELECT x.id, x.room_id, x.starts_at, x.ends_at, x.during,
		r.venue_id, r.capacity,
		tstzrange(x.starts_at, x.ends_at + make_interval(mins => c.changeover_minutes),
		    '[)') AS padded,
		floor(extract(epoch FROM x.starts_at) / c.width)::bigint AS bucket
	    FROM c CROSS JOIN sessions x LEFT JOIN rooms r ON r.id = x.room_id
	    WHERE x.conference_id = p_conference_id AND x.status <> 'cancelled'),
	att AS (SELECT s.*, a.participant_id FROM s
	    JOIN session_busy_people a ON a.session_id = s.id),
	-- each session, and each busy row, twice: beside its own bucket and
	-- beside the one before, where the earlier ones that reach it start
	-- (materialised, so that the joins hash on the bucket too)
	near AS MATERIALIZED (SELECT s.*, s.bucket - k.k AS near FROM s
	    CROSS JOIN (VALUES (0), (1)) k (k) WHERE s.room_id IS NOT NULL),
	att_near AS MATERIALIZED (SELECT a.*, a.bucket - k.k AS near FROM att a
	    CROSS JOIN (VALUES (0), (1)) k (k)),
	-- a before b, both of one person, a in b's bucket or the one before
	pairs AS (SELECT a.id AS a_id, a.ends_at AS a_end, a.venue_id AS a_venue,
		a.padded AS a_padded, a.during AS a_during, b.id AS b_id,
		b.starts_at AS b_start, b.during AS b_during, b.venue_id AS b_venue,
		b.participant_id
	    FROM att_near b JOIN att a ON a.participant_id = b.participant_id
		AND a.bucket = b.near AND (a.starts_at, a.id) < (b.starts_at, b.id))
	SELECT 'room', least(a.id, b.id), greatest(a.id, b.id), a.room_id,
	    NULL::bigint, NULL::bigint, 'two sessions in one room at once'
	FROM near b JOIN s a ON a.room_id = b.room_id AND a.bucket = b.near
	    AND (a.starts_at, a.id) < (b.starts_at, b.id) AND a.during && b.during
	UNION ALL
	SELECT CASE WHEN p.a_during && p.b_during THEN 'participant' ELSE 'changeover' END,
	    p.a_id, p.b_id, NULL, p.participant_id, NULL,
	    CASE WHEN p.a_during && p.b_during THEN 'one person in two sessions at once'
	    ELSE format('less than the changeover of %s minutes between two sessions of one person',
		(SELECT changeover_minutes FROM c)) END
	FROM pairs p
	WHERE p.a_padded && p.b_during
	UNION ALL
	SELECT 'unavailability', a.id, NULL, NULL, a.participant_id, u.id,
	    'a session during an attendee''s unavailability: ' || u.reason
	FROM att a JOIN unavailability u ON u.participant_id = a.participant_id
	    AND u.during && a.padded
	UNION ALL
	SELECT 'travel', p.a_id, p.b_id, NULL, p.participant_id, NULL,
	    format('%s minutes between venues but only %s minutes between the sessions',
		t.minutes, extract(epoch FROM p.b_start - p.a_end)::int / 60)
	FROM pairs p
	JOIN travel_times t ON t.from_venue_id = p.a_venue AND t.to_venue_id = p.b_venue
	WHERE p.a_end <= p.b_start AND p.a_venue <> p.b_venue
	    AND p.b_start < p.a_end + make_interval(mins => t.minutes)
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
