-- 810_slots_problem_cost.sql — a request's problem reads its people's
-- sessions by key, and its rooms' busy time without numeric arithmetic or
-- sorting (issue 21, item 3: "slots for one request in under 50 ms").
--
-- On the planted COP (scripts/bench/solver --via-api -n 20000 -R 300 -D 12,
-- after its schedule: 19,194 sessions in 300 rooms), GET .../slots of a
-- placed request whose window spans the conference took 60-90 ms, 45-70 of
-- them in kaigi_bilateral_slots_problem. Timed by psql, median of 11:
--  * 620's kaigi_bilateral_problem_people (the form with p_skip and
--    p_extra, which every one-request problem and repair uses) joined the
--    two people's 221 busy rows to sessions through a hash of every session
--    of the conference: planned as a LANGUAGE sql function with its
--    parameters unknown, the range test was estimated to keep 188 of 19,194
--    sessions. 13-14 ms a call. Each busy row's session is now looked up by
--    its key inside a fence (OFFSET 0, as 790 does), whatever the estimate,
--    in PL/pgSQL so that the plan is kept: 3-5 ms;
--  * the rooms' busy time (38,000 minutes for 19,194 sessions) took 38 ms:
--    kaigi_bilateral_minute counted in numeric (extract's type since
--    PostgreSQL 14), and each room's string was sorted by start after the
--    rows had been sorted by room. Minutes are now counted in float8 where
--    that is exact (below), and the intervals are aggregated in no order,
--    which lets the rows be hashed by room: 26 ms, the same intervals (the
--    solver marks each one busy; their order never mattered, 620).
--
-- kaigi_bilateral_minute stays exact: a timestamptz is a whole number of
-- microseconds and p_ts - to_timestamp(p_origin) an exact interval; its
-- epoch in float8, for less than 2^31 s (68 years), is within 1.2e-7 s of
-- the truth and whole seconds exactly, so floor and ceil of the minutes
-- are those of the exact quotient. Farther instants take 620's numeric
-- formula. tests/integration/58-slots-problem.t compares the two on
-- instants a microsecond either side of a minute, near and far.
--
-- Replaces (CREATE OR REPLACE, same signatures): 620's
-- kaigi_bilateral_minute and seven-argument kaigi_bilateral_problem_people,
-- 740's six-argument kaigi_bilateral_problem_rooms (its four-argument form
-- calls it).
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

CREATE OR REPLACE FUNCTION kaigi_bilateral_minute(p_origin bigint, p_ts timestamptz,
    p_up boolean DEFAULT false) RETURNS int
LANGUAGE sql IMMUTABLE AS $$
	SELECT (CASE
	    WHEN abs(date_part('epoch', p_ts - to_timestamp(p_origin))) >= 2147483648
	    THEN CASE WHEN p_up
		THEN ceil((extract(epoch FROM p_ts - timestamptz 'epoch') - p_origin) / 60)
		ELSE floor((extract(epoch FROM p_ts - timestamptz 'epoch') - p_origin) / 60) END
	    WHEN p_up THEN ceil(date_part('epoch', p_ts - to_timestamp(p_origin)) / 60)
	    ELSE floor(date_part('epoch', p_ts - to_timestamp(p_origin)) / 60)
	    END)::int
$$;

-- 740's rooms usable for bilaterals with their busy time in [lo, hi),
-- sessions p_skip left out and p_extra {room_id, start, end} added; each
-- room's intervals in no particular order (the solver takes them as a set).
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
		kaigi_bilateral_minute(o, least(s.en, hi), true), ',') AS busy
	    FROM s GROUP BY s.room_id)
	SELECT coalesce(jsonb_agg(jsonb_build_object('id', r.id, 'name', r.name,
	    'venue', v.i, 'capacity', r.capacity,
	    'busy', coalesce(x.busy, '')) ORDER BY r.id), '[]')
	FROM rooms r JOIN kaigi_bilateral_venues(p_conference_id) v ON v.id = r.venue_id
	LEFT JOIN x ON x.room_id = r.id
	WHERE r.conference_id = p_conference_id
	    AND (r.kind = 'bilateral' OR r.usable_for_bilaterals)
$$;

-- 620's: people p_ids with their busy time in [lo, hi), sessions p_skip
-- left out and p_extra {room_id, start, end, people} added.
CREATE OR REPLACE FUNCTION kaigi_bilateral_problem_people(p_conference_id bigint, o bigint,
    lo timestamptz, hi timestamptz, p_ids bigint[], p_skip bigint[], p_extra jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (WITH v AS (SELECT * FROM kaigi_bilateral_venues(p_conference_id)),
	busy AS MATERIALIZED (
		SELECT a.participant_id AS pid, s.st, s.en, s.vi
		FROM session_busy_people a
		CROSS JOIN LATERAL (SELECT s.starts_at AS st, s.ends_at AS en,
		    coalesce(v.i, -1) AS vi
		    FROM sessions s LEFT JOIN rooms r ON r.id = s.room_id
		    LEFT JOIN v ON v.id = r.venue_id
		    WHERE s.id = a.session_id AND s.conference_id = p_conference_id
			AND s.status <> 'cancelled' AND s.during && tstzrange(lo, hi)
			AND s.id <> ALL (p_skip)
		    OFFSET 0) s	-- (by the session's key, never all sessions)
		WHERE a.participant_id = ANY (p_ids)
		UNION ALL
		SELECT x.value::bigint, (p_extra->>'start')::timestamptz,
		    (p_extra->>'end')::timestamptz, coalesce(v.i, -1)
		FROM jsonb_array_elements_text(CASE WHEN p_extra IS NULL THEN '[]'
		    ELSE p_extra->'people' END) x
		LEFT JOIN rooms r ON r.id = (p_extra->>'room_id')::bigint
		LEFT JOIN v ON v.id = r.venue_id
		WHERE x.value::bigint = ANY (p_ids)
		UNION ALL
		SELECT u.participant_id, lower(u.during), upper(u.during), -1
		FROM unavailability u
		WHERE u.participant_id = ANY (p_ids) AND u.during && tstzrange(lo, hi))
	SELECT coalesce(jsonb_agg(jsonb_build_object('id', x.id,
	    'busy', coalesce((SELECT jsonb_agg(jsonb_build_array(
		kaigi_bilateral_minute(o, greatest(b.st, lo)),
		kaigi_bilateral_minute(o, least(b.en, hi), true), b.vi)
		ORDER BY b.st, b.en, b.vi)
		FROM busy b WHERE b.pid = x.id), '[]')) ORDER BY x.n), '[]')
	FROM unnest(p_ids) WITH ORDINALITY AS x (id, n));
END $$;
