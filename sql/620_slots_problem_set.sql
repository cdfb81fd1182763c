-- 620_slots_problem_set.sql — the problem of one request (its slots) built
-- in milliseconds at COP size (issue 21, item 3: "slots for one request in
-- under 50 ms").
--
-- scripts/bench/solver --via-api -n 20000 -R 300 -D 12 (SLOTS, the planted
-- COP-sized conference: 300 rooms, 12 days, 19,390 sessions after the
-- schedule) timed GET /bilaterals/{id}/slots at a median of 99 ms for an
-- unplaced request and 259 ms for a placed one, nearly all of it in the
-- problem's SQL (110 and 254 ms by psql). Where it went:
--  * kaigi_bilateral_minute (040) is IMMUTABLE but calls extract on a
--    timestamptz, which is STABLE, so it was never inlined (as 560 found for
--    kaigi_epoch): two real calls per busy interval, 40,000 per problem.
--    Now the same number from an interval, as 560 does;
--  * 120's rooms and people of a problem with sessions left out or added
--    (kaigi_move_sessions) read every session of the conference with its
--    people array (a subquery per session), and the rooms scanned that set
--    once per room (300 times); the people filtered it down to two persons
--    afterwards. Now the rooms are one grouped pass over sessions and the
--    people start from session_busy_people for the persons asked
--    (participant indexes);
--  * every problem read the whole conference ([first day - 1 day, last day
--    + 1 day]) although its requests can only go inside their windows. Now
--    kaigi_bilateral_span gives the windows' hull widened by a day each
--    side (within those bounds): a person's breaks, room changes and travel
--    are counted within a day, changeover and travel are minutes, rooms
--    only clash, so nothing outside changes a placement inside, and
--    interpreters' day caps are computed apart (330, 470). The conference
--    schedule's requests span the conference, so its problem is the same.
-- The grouped rooms and the people's busy rows are MATERIALIZED CTEs:
-- right after a schedule wrote 19,000 sessions, before autovacuum had
-- analyzed them, the planner put the rooms' aggregate inside a nested loop
-- over the rooms and ran it once per room (0.8-1.0 s a slots call, seen by
-- auto_explain; 782 ms against 22 ms materialized with the statistics of
-- sessions, rooms and session_attendees cleared by hand).
-- Busy lists now come in start order; the solver does not depend on it.
-- tests/integration/58-slots-problem.t holds the new problems equal to the
-- old ones (busy lists as sets, the old read over the new span) and counts
-- the calls.
--
-- Replaces (CREATE OR REPLACE, same signatures): 040's
-- kaigi_bilateral_minute and kaigi_bilateral_problem_rooms; 120's
-- kaigi_bilateral_problem_rooms and kaigi_bilateral_problem_people (the
-- forms with p_skip and p_extra) and kaigi_bilateral_problem_of (now
-- kaigi_bilateral_problem_of_without_interpreters, 470); 450's
-- kaigi_bilateral_problem_without_interpreters.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

CREATE OR REPLACE FUNCTION kaigi_bilateral_minute(p_origin bigint, p_ts timestamptz,
    p_up boolean DEFAULT false) RETURNS int
LANGUAGE sql IMMUTABLE AS $$
	SELECT (CASE WHEN p_up
	    THEN ceil((extract(epoch FROM p_ts - timestamptz 'epoch') - p_origin) / 60)
	    ELSE floor((extract(epoch FROM p_ts - timestamptz 'epoch') - p_origin) / 60)
	    END)::int
$$;

-- The instants a problem of requests reqs reads: the hull of their windows
-- a day wider each side, within the conference's bounds a day wider (all of
-- those bounds when there is no request).
CREATE FUNCTION kaigi_bilateral_span(p_conference_id bigint,
    reqs bilateral_requests[], OUT lo timestamptz, OUT hi timestamptz)
LANGUAGE sql STABLE AS $$
	SELECT greatest(k.first_start, coalesce(min(w.earliest), k.first_start))
		- interval '1 day',
	    least(k.last_end, coalesce(max(w.latest), k.last_end)) + interval '1 day'
	FROM kaigi_bilateral_bounds(p_conference_id) k
	LEFT JOIN LATERAL unnest(reqs) r ON true
	LEFT JOIN LATERAL kaigi_bilateral_window(r) w ON r.id IS NOT NULL
	GROUP BY k.first_start, k.last_end
$$;

-- 040's rooms usable for bilaterals with their busy time in [lo, hi), the
-- sessions grouped by room once.
CREATE OR REPLACE FUNCTION kaigi_bilateral_problem_rooms(p_conference_id bigint, o bigint,
    lo timestamptz, hi timestamptz) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	WITH x AS MATERIALIZED (SELECT s.room_id, json_agg(json_build_array(
		kaigi_bilateral_minute(o, greatest(s.starts_at, lo)),
		kaigi_bilateral_minute(o, least(s.ends_at, hi), true))
		ORDER BY s.starts_at, s.ends_at) AS busy
	    FROM sessions s
	    WHERE s.conference_id = p_conference_id AND s.status <> 'cancelled'
		AND s.during && tstzrange(lo, hi) AND s.room_id IS NOT NULL
	    GROUP BY s.room_id)
	SELECT coalesce(json_agg(json_build_object('id', r.id, 'name', r.name,
	    'venue', v.i, 'capacity', r.capacity,
	    'busy', coalesce(x.busy, '[]')) ORDER BY r.id), '[]')::jsonb
	FROM rooms r JOIN kaigi_bilateral_venues(p_conference_id) v ON v.id = r.venue_id
	LEFT JOIN x ON x.room_id = r.id
	WHERE r.conference_id = p_conference_id
	    AND (r.kind = 'bilateral' OR r.usable_for_bilaterals)
$$;

-- 120's: as above, sessions p_skip left out and p_extra {room_id, start,
-- end} added, without the people kaigi_move_sessions would gather.
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
	x AS MATERIALIZED (SELECT s.room_id, json_agg(json_build_array(
		kaigi_bilateral_minute(o, greatest(s.st, lo)),
		kaigi_bilateral_minute(o, least(s.en, hi), true))
		ORDER BY s.st, s.en) AS busy
	    FROM s GROUP BY s.room_id)
	SELECT coalesce(json_agg(json_build_object('id', r.id, 'name', r.name,
	    'venue', v.i, 'capacity', r.capacity,
	    'busy', coalesce(x.busy, '[]')) ORDER BY r.id), '[]')::jsonb
	FROM rooms r JOIN kaigi_bilateral_venues(p_conference_id) v ON v.id = r.venue_id
	LEFT JOIN x ON x.room_id = r.id
	WHERE r.conference_id = p_conference_id
	    AND (r.kind = 'bilateral' OR r.usable_for_bilaterals)
$$;

-- 120's people p_ids with their busy time (240's: by session_busy_people),
-- sessions p_skip left out and p_extra {room_id, start, end, people}
-- added: the busy rows of those people only.
CREATE OR REPLACE FUNCTION kaigi_bilateral_problem_people(p_conference_id bigint, o bigint,
    lo timestamptz, hi timestamptz, p_ids bigint[], p_skip bigint[], p_extra jsonb)
RETURNS jsonb
LANGUAGE sql STABLE AS $$
	WITH v AS (SELECT * FROM kaigi_bilateral_venues(p_conference_id)),
	busy AS MATERIALIZED (
		SELECT a.participant_id AS pid, s.starts_at AS st, s.ends_at AS en,
		    coalesce(v.i, -1) AS vi
		FROM session_busy_people a JOIN sessions s ON s.id = a.session_id
		LEFT JOIN rooms r ON r.id = s.room_id LEFT JOIN v ON v.id = r.venue_id
		WHERE a.participant_id = ANY (p_ids)
		    AND s.conference_id = p_conference_id AND s.status <> 'cancelled'
		    AND s.during && tstzrange(lo, hi) AND s.id <> ALL (p_skip)
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
	FROM unnest(p_ids) WITH ORDINALITY AS x (id, n)
$$;

-- 120's problem of placing requests reqs of conference c again (sessions
-- p_skip left out, p_extra added), over kaigi_bilateral_span.
CREATE OR REPLACE FUNCTION kaigi_bilateral_problem_of_without_interpreters(c conferences,
    reqs bilateral_requests[], p_skip bigint[], p_extra jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	o	bigint := extract(epoch FROM c.start_date::timestamp AT TIME ZONE c.timezone)::bigint;
	lo	timestamptz;
	hi	timestamptz;
	who	bigint[];
BEGIN
	SELECT k.lo, k.hi INTO lo, hi FROM kaigi_bilateral_span(c.id, reqs) k;
	who := ARRAY(SELECT DISTINCT x FROM unnest(reqs) r,
	    unnest(kaigi_bilateral_people(r)) x ORDER BY x);
	RETURN jsonb_build_object('conference_id', c.id, 'origin', o, 'slot', 5,
	    'changeover', c.changeover_minutes,
	    'days', kaigi_bilateral_problem_days(c, o),
	    'venues', coalesce((SELECT jsonb_agg(id ORDER BY i)
		FROM kaigi_bilateral_venues(c.id)), '[]'),
	    'travel', kaigi_bilateral_problem_travel(c.id),
	    'rooms', kaigi_bilateral_problem_rooms(c.id, o, lo, hi, p_skip, p_extra),
	    'people', kaigi_bilateral_problem_people(c.id, o, lo, hi, who, p_skip, p_extra),
	    'requests', coalesce((SELECT jsonb_agg(jsonb_build_object('id', r.id,
		'version', r.version,
		'people', (SELECT coalesce(jsonb_agg(n - 1 ORDER BY n), '[]')
		    FROM unnest(who) WITH ORDINALITY AS x (id, n)
		    WHERE x.id = ANY (kaigi_bilateral_people(r))),
		'parties', jsonb_build_array(r.requester_delegation_id,
		    r.counterpart_delegation_id),
		'duration', r.duration_minutes,
		'earliest', kaigi_bilateral_minute(o, w.earliest, true),
		'latest', kaigi_bilateral_minute(o, w.latest),
		'priority', r.priority) ORDER BY r.id)
		FROM unnest(reqs) r CROSS JOIN LATERAL kaigi_bilateral_window(r) w), '[]'));
END $$;

-- 450's problem of the requests kaigi_bilateral_problem_requests gives
-- (one, or every accepted one of the conference), over kaigi_bilateral_span.
CREATE OR REPLACE FUNCTION kaigi_bilateral_problem_without_interpreters(p_actor jsonb,
    p_slug text, p_id bigint)
RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	reqs	bilateral_requests[];
	c	conferences;
	o	bigint;
	lo	timestamptz;
	hi	timestamptz;
	pp	jsonb;
	who	bigint[];
BEGIN
	reqs := ARRAY(SELECT r FROM kaigi_bilateral_problem_requests(p_actor, p_slug, p_id) r);
	SELECT * INTO c FROM conferences WHERE CASE WHEN p_id IS NOT NULL
	    THEN id = reqs[1].conference_id ELSE slug = p_slug END;
	o := extract(epoch FROM c.start_date::timestamp AT TIME ZONE c.timezone)::bigint;
	SELECT k.lo, k.hi INTO lo, hi FROM kaigi_bilateral_span(c.id, reqs) k;
	SELECT coalesce(jsonb_object_agg(x.request_id::text, to_jsonb(x.who)), '{}')
	INTO pp FROM kaigi_bilateral_people_of(reqs) x;
	who := ARRAY(SELECT DISTINCT i::bigint FROM jsonb_each(pp) e,
	    jsonb_array_elements_text(e.value) i ORDER BY 1);
	RETURN jsonb_build_object('conference_id', c.id, 'origin', o, 'slot', 5,
	    'changeover', c.changeover_minutes,
	    'days', kaigi_bilateral_problem_days(c, o),
	    'venues', coalesce((SELECT jsonb_agg(id ORDER BY i)
		FROM kaigi_bilateral_venues(c.id)), '[]'),
	    'travel', kaigi_bilateral_problem_travel(c.id),
	    'rooms', kaigi_bilateral_problem_rooms(c.id, o, lo, hi),
	    'people', kaigi_bilateral_problem_people(c.id, o, lo, hi, who),
	    'requests', kaigi_bilateral_problem_request_rows(reqs, o, who, pp));
END $$;
