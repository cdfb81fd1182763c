-- 740_problem_rooms_text.sql — a problem's rooms carry their busy time as
-- one string each, not as arrays of numbers (issue 21, item 3: "slots for
-- one request in under 50 ms").
--
-- The slowest slots requests at COP size (windows of 11.5 days, 300 rooms,
-- 19,000 sessions) spent most of their time in the problem's SQL, and most
-- of that in the rooms' busy lists: 38,000 numbers, each a node of the
-- problem's jsonb, built as json text and parsed again, then copied by
-- every layer that adds to the problem (470's interpreters, the slots'
-- "current") and written out as text. A room's busy time is now one
-- string, "start end,start end,..." in minutes from the origin ("" when
-- free): one jsonb node a room. The intervals, their order and the
-- selection are 620's; the people's busy lists (which carry a venue) stay
-- arrays. server/scheduler.c reads both forms (tests/unit/test_scheduler.c).
-- Timed by psql on a planted COP (scripts/bench/solver --via-api -n 20000
-- -R 300 -D 12), the problem of a placed request with an 11.5-day window:
-- 157-191 ms before, 66-68 ms after (median of 9, same session, twice in
-- alternation).
--
-- Replaces (CREATE OR REPLACE, same signatures): 620's two forms of
-- kaigi_bilateral_problem_rooms. tests/integration/58-slots-problem.t holds
-- the rooms' busy time equal to the sessions in each room over the span.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- 040's rooms usable for bilaterals with their busy time in [lo, hi).
CREATE OR REPLACE FUNCTION kaigi_bilateral_problem_rooms(p_conference_id bigint, o bigint,
    lo timestamptz, hi timestamptz) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT kaigi_bilateral_problem_rooms(p_conference_id, o, lo, hi,
	    '{}'::bigint[], NULL)
$$;

-- 120's: as above, sessions p_skip left out and p_extra {room_id, start,
-- end} added.
CREATE OR REPLACE FUNCTION kaigi_bilateral_problem_rooms(p_conference_id bigint, o bigint,
    lo timestamptz, hi timestamptz, p_skip bigint[], p_extra jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	WITH s AS (SELECT x.room_id, x.starts_at AS st, x.ends_at AS en
	    FROM sessions x
	    WHERE x.conference_id = p_conference_id AND x.status <> 'cancelled'
		AND x.during && tstzrange(lo, hi) AND x.id <> ALL (p_skip)
		AND x.room_id IS NOT NULL
	    UNION ALL
	    SELECT (p_extra->>'room_id')::bigint, (p_extra->>'start')::timestamptz,
		(p_extra->>'end')::timestamptz
	    WHERE p_extra IS NOT NULL),
	x AS MATERIALIZED (SELECT s.room_id, string_agg(
		kaigi_bilateral_minute(o, greatest(s.st, lo)) || ' ' ||
		kaigi_bilateral_minute(o, least(s.en, hi), true), ','
		ORDER BY s.st, s.en) AS busy
	    FROM s GROUP BY s.room_id)
	SELECT coalesce(jsonb_agg(jsonb_build_object('id', r.id, 'name', r.name,
	    'venue', v.i, 'capacity', r.capacity,
	    'busy', coalesce(x.busy, '')) ORDER BY r.id), '[]')
	FROM rooms r JOIN kaigi_bilateral_venues(p_conference_id) v ON v.id = r.venue_id
	LEFT JOIN x ON x.room_id = r.id
	WHERE r.conference_id = p_conference_id
	    AND (r.kind = 'bilateral' OR r.usable_for_bilaterals)
$$;
