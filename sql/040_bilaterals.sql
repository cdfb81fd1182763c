-- 040_bilaterals.sql — the bilateral API's SQL: the request's JSON shape,
-- who may see and change a request, the workflow (create, accept, decline,
-- withdraw), the one read that loads a placement problem for the solver,
-- and the writes that place one request or a whole plan atomically.
--
-- Errors as in 020_sessions.sql: SQLSTATE KGnnn (kaigid answers nnn), a
-- MESSAGE sentence, a DETAIL that is a JSON object merged into the problem.
--
-- Workflow (409 for anything else):
--   requested --accept--> accepted --(schedule)--> scheduled
--   requested --decline--> declined
--   requested|accepted --withdraw--> withdrawn
--   scheduled --withdraw--> cancelled (its session is cancelled too)
--   scheduled --(its session cancelled by the secretariat)--> accepted,
--     session_id NULL: the request waits to be placed again (trigger below).
--
-- Time for the solver: integer minutes from an origin, the midnight that
-- starts the conference's first day in its zone (unix seconds in "origin").
-- Day windows are computed here with AT TIME ZONE, so DST is PostgreSQL's.

-- ---------------------------------------------------------------------------
-- Shape and rules
-- ---------------------------------------------------------------------------

-- Start of the first day's hours and end of the last day's, in the zone.
CREATE FUNCTION kaigi_bilateral_bounds(p_conference_id bigint,
    OUT first_start timestamptz, OUT last_end timestamptz)
LANGUAGE sql STABLE AS $$
	SELECT (c.start_date + c.day_start) AT TIME ZONE c.timezone,
	    (c.end_date + c.day_end) AT TIME ZONE c.timezone
	FROM conferences c WHERE c.id = p_conference_id
$$;

-- The request's effective window (defaults: the conference's day hours).
CREATE FUNCTION kaigi_bilateral_window(b bilateral_requests,
    OUT earliest timestamptz, OUT latest timestamptz)
LANGUAGE sql STABLE AS $$
	SELECT coalesce(b.earliest, k.first_start), coalesce(b.latest, k.last_end)
	FROM kaigi_bilateral_bounds(b.conference_id) k
$$;

-- The API's bilateral request object (instants in the conference's zone).
CREATE FUNCTION kaigi_bilateral_json(p_id bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('id', b.id, 'conference', c.slug,
	    'requester', rq.code, 'requester_id', rq.id, 'requester_name', rq.name,
	    'counterpart', cp.code, 'counterpart_id', cp.id, 'counterpart_name', cp.name,
	    'duration_minutes', b.duration_minutes,
	    'earliest', kaigi_ts(w.earliest, c.timezone),
	    'latest', kaigi_ts(w.latest, c.timezone),
	    'priority', b.priority, 'level', b.level, 'topics', b.topics,
	    'status', b.status, 'session_id', b.session_id,
	    'start', kaigi_ts(s.starts_at, c.timezone),
	    'end', kaigi_ts(s.ends_at, c.timezone), 'room_id', s.room_id,
	    'version', b.version,
	    'created_at', kaigi_ts(b.created_at, c.timezone),
	    'updated_at', kaigi_ts(b.updated_at, c.timezone))
	FROM bilateral_requests b JOIN conferences c ON c.id = b.conference_id
	JOIN delegations rq ON rq.id = b.requester_delegation_id
	JOIN delegations cp ON cp.id = b.counterpart_delegation_id
	LEFT JOIN sessions s ON s.id = b.session_id
	CROSS JOIN LATERAL kaigi_bilateral_window(b) w
	WHERE b.id = p_id
$$;

-- May actor see request b? admin, its conference's secretariat, a liaison
-- of either party.
CREATE FUNCTION kaigi_bilateral_visible(b bilateral_requests, p_actor jsonb)
RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT kaigi_session_may_write(b.conference_id, p_actor)
	    OR (p_actor->>'role' = 'liaison'
		AND (p_actor->>'conference_id')::bigint = b.conference_id
		AND (p_actor->>'delegation_id')::bigint IN
		    (b.requester_delegation_id, b.counterpart_delegation_id))
$$;

-- Who must attend: level head = every head of both delegations; deputy =
-- each delegation's deputies, or its heads when it has none. Sorted ids.
CREATE FUNCTION kaigi_bilateral_people(b bilateral_requests) RETURNS bigint[]
LANGUAGE sql STABLE AS $$
	SELECT coalesce(array_agg(p.id ORDER BY p.id), '{}')
	FROM participants p
	WHERE p.delegation_id IN (b.requester_delegation_id, b.counterpart_delegation_id)
	    AND p.role = CASE WHEN b.level = 'deputy' AND EXISTS (
		SELECT 1 FROM participants x WHERE x.delegation_id = p.delegation_id
		    AND x.role = 'deputy') THEN 'deputy' ELSE 'head' END
$$;

-- One audit row for a request write.
CREATE FUNCTION kaigi_bilateral_audit(p_actor jsonb, p_conference_id bigint,
    p_action text, p_id bigint, p_before jsonb, p_after jsonb) RETURNS void
LANGUAGE sql AS $$
	INSERT INTO audit_log (conference_id, token_id, role, action, entity,
	    entity_id, before, after)
	VALUES (p_conference_id, (p_actor->>'token_id')::bigint, p_actor->>'role',
	    p_action, 'bilateral_request', p_id, p_before, p_after)
$$;

-- A delegation of conference c named by code (JSON string) or id (number).
CREATE FUNCTION kaigi_bilateral_delegation(p_conference_id bigint, p_ref jsonb)
RETURNS bigint
LANGUAGE sql STABLE AS $$
	SELECT d.id FROM delegations d
	WHERE d.conference_id = p_conference_id AND CASE jsonb_typeof(p_ref)
	    WHEN 'number' THEN d.id = (p_ref #>> '{}')::bigint
	    WHEN 'string' THEN d.code = p_ref #>> '{}' ELSE false END
$$;

-- ---------------------------------------------------------------------------
-- Workflow
-- ---------------------------------------------------------------------------

-- Field errors of a new request that need the data; returns them.
CREATE FUNCTION kaigi_bilateral_check(p_conference_id bigint, p_input jsonb,
    p_rq bigint, p_cp bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	e	jsonb := '[]';
	k	record;
	v_lo	timestamptz;
	v_hi	timestamptz;
BEGIN
	IF p_rq IS NULL THEN
		e := e || kaigi_session_err('requester', 'no such delegation in this conference');
	END IF;
	IF p_cp IS NULL THEN
		e := e || kaigi_session_err('counterpart', 'no such delegation in this conference');
	END IF;
	IF p_rq = p_cp THEN
		e := e || kaigi_session_err('counterpart', 'must differ from the requester');
	END IF;
	SELECT * INTO k FROM kaigi_bilateral_bounds(p_conference_id);
	v_lo := greatest(coalesce((p_input->>'earliest')::timestamptz, k.first_start), k.first_start);
	v_hi := least(coalesce((p_input->>'latest')::timestamptz, k.last_end), k.last_end);
	IF v_hi - v_lo < make_interval(mins => (p_input->>'duration_minutes')::int) THEN
		e := e || kaigi_session_err('latest', format(
		    'the window (within the conference''s days, %s to %s) is shorter than the meeting',
		    k.first_start, k.last_end));
	END IF;
	RETURN e;
END $$;

-- POST /conferences/{slug}/bilaterals: a liaison for its own delegation or
-- the secretariat. input: the decoded body. Returns the request JSON.
CREATE FUNCTION kaigi_bilateral_create(p_actor jsonb, p_slug text, p_input jsonb)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	c	bigint;
	v_rq	bigint;
	v_cp	bigint;
	v_e	jsonb;
	v_id	bigint;
	v_after	jsonb;
BEGIN
	SELECT id INTO c FROM conferences WHERE slug = p_slug;
	IF NOT FOUND OR (p_actor->>'role' IN ('secretariat', 'liaison')
	    AND (p_actor->>'conference_id')::bigint IS DISTINCT FROM c) THEN
		PERFORM kaigi_session_raise('KG404', 'no such conference');
	END IF;
	v_rq := kaigi_bilateral_delegation(c, p_input->'requester');
	v_cp := kaigi_bilateral_delegation(c, p_input->'counterpart');
	IF NOT kaigi_session_may_write(c, p_actor) AND (p_actor->>'role' <> 'liaison'
	    OR (p_actor->>'delegation_id')::bigint IS DISTINCT FROM v_rq) THEN
		PERFORM kaigi_session_raise('KG403',
		    'a liaison requests bilaterals for its own delegation only');
	END IF;
	v_e := kaigi_bilateral_check(c, p_input, v_rq, v_cp);
	IF jsonb_array_length(v_e) > 0 THEN
		PERFORM kaigi_session_raise('KG422', 'the request has invalid fields',
		    jsonb_build_object('errors', v_e));
	END IF;
	INSERT INTO bilateral_requests (conference_id, requester_delegation_id,
	    counterpart_delegation_id, duration_minutes, earliest, latest,
	    priority, level, topics)
	VALUES (c, v_rq, v_cp, (p_input->>'duration_minutes')::int,
	    (p_input->>'earliest')::timestamptz, (p_input->>'latest')::timestamptz,
	    coalesce((p_input->>'priority')::int, 3), coalesce(p_input->>'level', 'head'),
	    coalesce(p_input->>'topics', ''))
	RETURNING id INTO v_id;
	v_after := kaigi_bilateral_json(v_id);
	PERFORM kaigi_bilateral_audit(p_actor, c, 'create', v_id, NULL, v_after);
	RETURN v_after;
END $$;

-- The request to act on, locked: 404 unknown or not the actor's business.
CREATE FUNCTION kaigi_bilateral_for_write(p_actor jsonb, p_id bigint)
RETURNS bilateral_requests
LANGUAGE plpgsql AS $$
DECLARE
	b	bilateral_requests;
BEGIN
	SELECT * INTO b FROM bilateral_requests WHERE id = p_id FOR UPDATE;
	IF NOT FOUND OR NOT kaigi_bilateral_visible(b, p_actor) THEN
		PERFORM kaigi_session_raise('KG404', 'no such bilateral request');
	END IF;
	RETURN b;
END $$;

-- POST /bilaterals/{id}/accept|decline|withdraw. accept and decline are the
-- counterpart's (or the secretariat's), withdraw the requester's (or the
-- secretariat's): 403 for the other party. 409 for an illegal transition.
CREATE FUNCTION kaigi_bilateral_transition(p_actor jsonb, p_id bigint, p_action text)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	b	bilateral_requests := kaigi_bilateral_for_write(p_actor, p_id);
	v_own	bigint := CASE WHEN p_action = 'withdraw'
		    THEN b.requester_delegation_id ELSE b.counterpart_delegation_id END;
	v_to	text;
	v_before	jsonb := kaigi_bilateral_json(p_id);
	v_after	jsonb;
BEGIN
	IF NOT kaigi_session_may_write(b.conference_id, p_actor)
	    AND (p_actor->>'delegation_id')::bigint IS DISTINCT FROM v_own THEN
		PERFORM kaigi_session_raise('KG403', format('only the %s or the secretariat may %s',
		    CASE WHEN p_action = 'withdraw' THEN 'requester' ELSE 'counterpart' END,
		    p_action));
	END IF;
	v_to := CASE
	    WHEN p_action = 'accept' AND b.status = 'requested' THEN 'accepted'
	    WHEN p_action = 'decline' AND b.status = 'requested' THEN 'declined'
	    WHEN p_action = 'withdraw' AND b.status IN ('requested', 'accepted') THEN 'withdrawn'
	    WHEN p_action = 'withdraw' AND b.status = 'scheduled' THEN 'cancelled' END;
	IF v_to IS NULL THEN
		PERFORM kaigi_session_raise('KG409', format('a %s request cannot be %s',
		    b.status, CASE p_action WHEN 'accept' THEN 'accepted'
		    WHEN 'decline' THEN 'declined' ELSE 'withdrawn' END),
		    jsonb_build_object('status', b.status));
	END IF;
	UPDATE bilateral_requests SET status = v_to WHERE id = p_id;
	IF v_to = 'cancelled' AND b.session_id IS NOT NULL THEN
		UPDATE sessions SET status = 'cancelled'
		WHERE id = b.session_id AND status <> 'cancelled';
	END IF;
	v_after := kaigi_bilateral_json(p_id);
	PERFORM kaigi_bilateral_audit(p_actor, b.conference_id, p_action, p_id,
	    v_before, v_after);
	RETURN v_after;
END $$;

-- GET /bilaterals/{id}: the JSON, or NULL (404).
CREATE FUNCTION kaigi_bilateral_get(p_actor jsonb, p_id bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT kaigi_bilateral_json(b.id) FROM bilateral_requests b
	WHERE b.id = p_id AND kaigi_bilateral_visible(b, p_actor)
$$;

-- GET /conferences/{slug}/bilaterals: {"items", "next"} by id; NULL (404)
-- for an unknown conference. A liaison sees its delegation's requests.
CREATE FUNCTION kaigi_bilaterals_list(p_actor jsonb, p_slug text, p_status text,
    p_limit int, p_cursor bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	WITH c AS (SELECT id FROM conferences WHERE slug = p_slug),
	page AS (
		SELECT b.id, row_number() OVER (ORDER BY b.id) AS n
		FROM bilateral_requests b, c
		WHERE b.conference_id = c.id AND b.id > p_cursor
		    AND (p_status IS NULL OR b.status = p_status)
		    AND kaigi_bilateral_visible(b, p_actor)
		ORDER BY b.id LIMIT p_limit + 1
	)
	SELECT jsonb_build_object(
	    'items', coalesce((SELECT jsonb_agg(kaigi_bilateral_json(id) ORDER BY n)
		FROM page WHERE n <= p_limit), '[]'::jsonb),
	    'next', (SELECT to_jsonb(id::text) FROM page WHERE n = p_limit
		AND EXISTS (SELECT 1 FROM page WHERE n > p_limit)))
	FROM c
$$;

-- A scheduled request whose session is cancelled (by the secretariat,
-- POST /sessions/{id}/cancel) goes back to accepted, without a session, so
-- that it can be placed again. (withdraw sets cancelled before it cancels
-- the session, so this leaves it alone.)
CREATE FUNCTION kaigi_bilateral_session_cancelled() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	UPDATE bilateral_requests SET status = 'accepted', session_id = NULL
	WHERE session_id = NEW.id AND status = 'scheduled';
	RETURN NULL;
END $$;

CREATE TRIGGER sessions_bilateral_cancelled AFTER UPDATE OF status ON sessions
    FOR EACH ROW WHEN (NEW.status = 'cancelled' AND OLD.status <> 'cancelled')
    EXECUTE FUNCTION kaigi_bilateral_session_cancelled();

-- ---------------------------------------------------------------------------
-- The solver's problem: one read
-- ---------------------------------------------------------------------------

-- Minutes from origin (unix seconds) to ts, rounded down (or up: p_up).
CREATE FUNCTION kaigi_bilateral_minute(p_origin bigint, p_ts timestamptz,
    p_up boolean DEFAULT false) RETURNS int
LANGUAGE sql IMMUTABLE AS $$
	SELECT (CASE WHEN p_up THEN ceil((extract(epoch FROM p_ts) - p_origin) / 60)
	    ELSE floor((extract(epoch FROM p_ts) - p_origin) / 60) END)::int
$$;

-- The requests to place: one (p_id, for slots: requested or accepted, 404
-- if the actor is not its business, 409 otherwise) or every accepted one of
-- the conference (p_id NULL, its secretariat only).
CREATE FUNCTION kaigi_bilateral_problem_requests(p_actor jsonb, p_slug text,
    p_id bigint) RETURNS SETOF bilateral_requests
LANGUAGE plpgsql STABLE AS $$
DECLARE
	b	bilateral_requests;
	c	bigint;
BEGIN
	IF p_id IS NOT NULL THEN
		SELECT * INTO b FROM bilateral_requests WHERE id = p_id;
		IF NOT FOUND OR NOT kaigi_bilateral_visible(b, p_actor) THEN
			PERFORM kaigi_session_raise('KG404', 'no such bilateral request');
		END IF;
		IF b.status NOT IN ('requested', 'accepted') THEN
			PERFORM kaigi_session_raise('KG409', format(
			    'a %s request cannot be placed', b.status),
			    jsonb_build_object('status', b.status));
		END IF;
		RETURN NEXT b;
		RETURN;
	END IF;
	c := kaigi_session_conference(p_actor, p_slug);
	RETURN QUERY SELECT * FROM bilateral_requests
	WHERE conference_id = c AND status = 'accepted' AND session_id IS NULL
	ORDER BY id;
END $$;

-- The conference's venues with their index in the travel matrix.
CREATE FUNCTION kaigi_bilateral_venues(p_conference_id bigint)
RETURNS TABLE (id bigint, i int)
LANGUAGE sql STABLE AS $$
	SELECT id, (row_number() OVER (ORDER BY id) - 1)::int FROM venues
	WHERE conference_id = p_conference_id
$$;

-- Rooms usable for bilaterals with their busy time in [lo, hi), minutes
-- from origin o.
CREATE FUNCTION kaigi_bilateral_problem_rooms(p_conference_id bigint, o bigint,
    lo timestamptz, hi timestamptz) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(jsonb_build_object('id', r.id, 'name', r.name,
	    'venue', v.i, 'capacity', r.capacity,
	    'busy', coalesce((SELECT jsonb_agg(jsonb_build_array(
		kaigi_bilateral_minute(o, greatest(s.starts_at, lo)),
		kaigi_bilateral_minute(o, least(s.ends_at, hi), true)))
		FROM sessions s WHERE s.room_id = r.id AND s.status <> 'cancelled'
		    AND s.during && tstzrange(lo, hi)), '[]')) ORDER BY r.id), '[]')
	FROM rooms r JOIN kaigi_bilateral_venues(p_conference_id) v ON v.id = r.venue_id
	WHERE r.conference_id = p_conference_id
	    AND (r.kind = 'bilateral' OR r.usable_for_bilaterals)
$$;

-- People p_ids (sorted: index = position) with their busy time in [lo, hi):
-- non-cancelled sessions [start, end, venue index or -1] and unavailability
-- [start, end, -1].
CREATE FUNCTION kaigi_bilateral_problem_people(p_conference_id bigint, o bigint,
    lo timestamptz, hi timestamptz, p_ids bigint[]) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	WITH v AS (SELECT * FROM kaigi_bilateral_venues(p_conference_id)),
	busy AS (
		SELECT a.participant_id AS pid, s.starts_at AS st, s.ends_at AS en,
		    coalesce(v.i, -1) AS vi
		FROM session_attendees a JOIN sessions s ON s.id = a.session_id
		LEFT JOIN rooms r ON r.id = s.room_id LEFT JOIN v ON v.id = r.venue_id
		WHERE a.participant_id = ANY (p_ids) AND s.status <> 'cancelled'
		    AND s.during && tstzrange(lo, hi)
		UNION ALL
		SELECT u.participant_id, lower(u.during), upper(u.during), -1
		FROM unavailability u
		WHERE u.participant_id = ANY (p_ids) AND u.during && tstzrange(lo, hi))
	SELECT coalesce(jsonb_agg(jsonb_build_object('id', x.id,
	    'busy', coalesce((SELECT jsonb_agg(jsonb_build_array(
		kaigi_bilateral_minute(o, greatest(b.st, lo)),
		kaigi_bilateral_minute(o, least(b.en, hi), true), b.vi))
		FROM busy b WHERE b.pid = x.id), '[]')) ORDER BY x.n), '[]')
	FROM unnest(p_ids) WITH ORDINALITY AS x (id, n)
$$;

-- Everything the solver needs, as JSON (see scheduler.c): origin, slot,
-- changeover, days, venues, travel (flat matrix), rooms usable for
-- bilaterals with their busy intervals, the required people with theirs,
-- requests (people as indices into "people").
CREATE FUNCTION kaigi_bilateral_problem(p_actor jsonb, p_slug text, p_id bigint)
RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	reqs	bilateral_requests[];
	c	conferences;
	o	bigint;
	lo	timestamptz;
	hi	timestamptz;
	who	bigint[];
BEGIN
	reqs := ARRAY(SELECT r FROM kaigi_bilateral_problem_requests(p_actor, p_slug, p_id) r);
	SELECT * INTO c FROM conferences WHERE CASE WHEN p_id IS NOT NULL
	    THEN id = reqs[1].conference_id ELSE slug = p_slug END;
	o := extract(epoch FROM c.start_date::timestamp AT TIME ZONE c.timezone)::bigint;
	SELECT k.first_start - interval '1 day', k.last_end + interval '1 day'
	INTO lo, hi FROM kaigi_bilateral_bounds(c.id) k;
	who := ARRAY(SELECT DISTINCT x FROM unnest(reqs) r,
	    unnest(kaigi_bilateral_people(r)) x ORDER BY x);
	RETURN jsonb_build_object('conference_id', c.id, 'origin', o, 'slot', 5,
	    'changeover', c.changeover_minutes,
	    'days', (SELECT jsonb_agg(jsonb_build_array(
		kaigi_bilateral_minute(o, (d::date + c.day_start) AT TIME ZONE c.timezone, true),
		kaigi_bilateral_minute(o, (d::date + c.day_end) AT TIME ZONE c.timezone))
		ORDER BY d) FROM generate_series(c.start_date, c.end_date, interval '1 day') d),
	    'venues', coalesce((SELECT jsonb_agg(id ORDER BY i)
		FROM kaigi_bilateral_venues(c.id)), '[]'),
	    'travel', coalesce((SELECT jsonb_agg(coalesce(
		(SELECT t.minutes FROM travel_times t WHERE t.from_venue_id = a.id
		    AND t.to_venue_id = b.id),
		(SELECT t.minutes FROM travel_times t WHERE t.from_venue_id = b.id
		    AND t.to_venue_id = a.id), 0) ORDER BY a.i, b.i)
		FROM kaigi_bilateral_venues(c.id) a, kaigi_bilateral_venues(c.id) b), '[]'),
	    'rooms', kaigi_bilateral_problem_rooms(c.id, o, lo, hi),
	    'people', kaigi_bilateral_problem_people(c.id, o, lo, hi, who),
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

-- ---------------------------------------------------------------------------
-- Placing: one request, or a plan; each re-checks everything
-- ---------------------------------------------------------------------------

-- Field errors of placing b at [p_start, +duration) in room p_room.
CREATE FUNCTION kaigi_bilateral_place_check(b bilateral_requests,
    p_start timestamptz, p_room bigint, p_people bigint[]) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	c	conferences;
	r	rooms;
	w	record;
	e	jsonb := '[]';
	v_end	timestamptz := p_start + make_interval(mins => b.duration_minutes);
	d	date;
BEGIN
	SELECT * INTO c FROM conferences WHERE id = b.conference_id;
	SELECT * INTO w FROM kaigi_bilateral_window(b);
	d := (p_start AT TIME ZONE c.timezone)::date;
	SELECT * INTO r FROM rooms WHERE id = p_room AND conference_id = c.id;
	IF NOT FOUND THEN
		e := e || kaigi_session_err('room_id', 'no such room in this conference');
	ELSIF r.kind <> 'bilateral' AND NOT r.usable_for_bilaterals THEN
		e := e || kaigi_session_err('room_id', 'the room is not for bilaterals');
	ELSIF r.capacity < cardinality(p_people) THEN
		e := e || kaigi_session_err('room_id', format(
		    'the room holds %s people; %s must attend', r.capacity, cardinality(p_people)));
	END IF;
	IF p_start < w.earliest OR v_end > w.latest THEN
		e := e || kaigi_session_err('start', format(
		    'the meeting must lie within the request''s window (%s to %s)',
		    kaigi_ts(w.earliest, c.timezone), kaigi_ts(w.latest, c.timezone)));
	ELSIF d NOT BETWEEN c.start_date AND c.end_date
	    OR p_start < (d + c.day_start) AT TIME ZONE c.timezone
	    OR v_end > (d + c.day_end) AT TIME ZONE c.timezone THEN
		e := e || kaigi_session_err('start', format(
		    'the meeting must lie within one day''s hours (%s to %s)',
		    c.day_start, c.day_end));
	END IF;
	IF cardinality(p_people) = 0 THEN
		e := e || kaigi_session_err('level',
		    'neither delegation has anyone of that level to attend');
	END IF;
	RETURN e;
END $$;

-- Place locked request b: check, create its restricted bilateral session
-- (parties: both delegations; attendees: the required people), mark it
-- scheduled. 422/409 as for sessions. Returns the session id.
CREATE FUNCTION kaigi_bilateral_place(p_actor jsonb, b bilateral_requests,
    p_start timestamptz, p_room bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	v_who	bigint[] := kaigi_bilateral_people(b);
	v_end	timestamptz := p_start + make_interval(mins => b.duration_minutes);
	v_codes	text[];
	v_title	text;
	v_e	jsonb := kaigi_bilateral_place_check(b, p_start, p_room, v_who);
	v_sid	bigint;
BEGIN
	IF jsonb_array_length(v_e) > 0 THEN
		PERFORM kaigi_session_raise('KG422', 'the bilateral cannot be placed there',
		    jsonb_build_object('errors', v_e, 'bilateral_id', b.id));
	END IF;
	SELECT array[rq.code, cp.code], rq.name || ' – ' || cp.name || ' bilateral'
	INTO v_codes, v_title FROM delegations rq, delegations cp
	WHERE rq.id = b.requester_delegation_id AND cp.id = b.counterpart_delegation_id;
	PERFORM kaigi_session_lock_and_check(p_actor, b.conference_id, p_room, p_start,
	    v_end, v_who, 'confirmed', NULL);
	BEGIN
		INSERT INTO sessions (conference_id, kind, title, description, room_id,
		    starts_at, ends_at, status, visibility)
		VALUES (b.conference_id, 'bilateral', v_title,
		    CASE WHEN b.topics <> '' THEN 'Topics: ' || b.topics ELSE '' END,
		    p_room, p_start, v_end, 'confirmed', 'restricted')
		RETURNING id INTO v_sid;
		PERFORM kaigi_session_set_members(v_sid, b.conference_id, v_who, v_codes);
	EXCEPTION WHEN exclusion_violation THEN
		PERFORM kaigi_session_raise_overlap(p_actor, b.conference_id, p_room,
		    p_start, v_end, v_who, NULL);
	END;
	UPDATE bilateral_requests SET status = 'scheduled', session_id = v_sid
	WHERE id = b.id;
	PERFORM kaigi_session_audit(p_actor, b.conference_id, 'create', v_sid, NULL,
	    kaigi_session_json(v_sid));
	PERFORM kaigi_bilateral_audit(p_actor, b.conference_id, 'schedule', b.id,
	    jsonb_build_object('status', b.status), kaigi_bilateral_json(b.id));
	RETURN v_sid;
END $$;

-- POST /bilaterals/{id}/schedule at p_start in p_room: the secretariat; the
-- request must be accepted (409 otherwise). Returns the session JSON with
-- the request under "bilateral".
CREATE FUNCTION kaigi_bilateral_schedule(p_actor jsonb, p_id bigint,
    p_start timestamptz, p_room bigint) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	b	bilateral_requests := kaigi_bilateral_for_write(p_actor, p_id);
	v_sid	bigint;
BEGIN
	IF NOT kaigi_session_may_write(b.conference_id, p_actor) THEN
		PERFORM kaigi_session_raise('KG403', 'only the secretariat places bilaterals');
	END IF;
	IF b.status <> 'accepted' THEN
		PERFORM kaigi_session_raise('KG409', format(
		    'a %s request cannot be scheduled (it must be accepted)', b.status),
		    jsonb_build_object('status', b.status));
	END IF;
	v_sid := kaigi_bilateral_place(p_actor, b, p_start, p_room);
	RETURN kaigi_session_json(v_sid) || jsonb_build_object('bilateral',
	    kaigi_bilateral_json(p_id));
END $$;

-- Slots as the API shows them, in the solver's order (best first): p_items
-- [{start (unix seconds), room_id, new_breaks, room_changes}].
CREATE FUNCTION kaigi_bilateral_slots_out(p_id bigint, p_items jsonb)
RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('items', coalesce(jsonb_agg(jsonb_build_object(
	    'start', kaigi_ts(t.st, c.timezone),
	    'end', kaigi_ts(t.st + make_interval(mins => b.duration_minutes), c.timezone),
	    'room_id', r.id, 'room', r.name, 'venue_id', r.venue_id,
	    'new_breaks', x.v->'new_breaks', 'room_changes', x.v->'room_changes')
	    ORDER BY t.n), '[]'))
	FROM bilateral_requests b JOIN conferences c ON c.id = b.conference_id,
	    jsonb_array_elements(p_items) WITH ORDINALITY AS x (v, n)
	    CROSS JOIN LATERAL (SELECT to_timestamp((x.v->>'start')::double precision) AS st,
		x.n) t
	    JOIN rooms r ON r.id = (x.v->>'room_id')::bigint
	WHERE b.id = p_id
$$;

-- Place each item of the plan [{bilateral_id, version, start, room_id}]:
-- 409 when a request changed since it was read (status or version).
CREATE FUNCTION kaigi_bilateral_apply(p_actor jsonb, p_conference_id bigint,
    p_placed jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	x	jsonb;
	b	bilateral_requests;
BEGIN
	FOR x IN SELECT * FROM jsonb_array_elements(p_placed) LOOP
		SELECT * INTO b FROM bilateral_requests
		WHERE id = (x->>'bilateral_id')::bigint AND conference_id = p_conference_id
		FOR UPDATE;
		IF NOT FOUND OR b.status <> 'accepted' OR b.session_id IS NOT NULL
		    OR b.version <> (x->>'version')::int THEN
			PERFORM kaigi_session_raise('KG409',
			    'a bilateral request changed while the plan was made',
			    jsonb_build_object('bilateral_id', x->'bilateral_id'));
		END IF;
		PERFORM kaigi_bilateral_place(p_actor, b,
		    to_timestamp((x->>'start')::double precision),
		    (x->>'room_id')::bigint);
	END LOOP;
END $$;

-- POST /conferences/{slug}/schedule with the solver's plan {placed:
-- [{bilateral_id, version, start, room_id}], unplaced: [{bilateral_id,
-- reason}], stats}: unless p_dry_run, every placement is written (all or
-- nothing: this is one statement). Returns {placed, unplaced, stats,
-- dry_run} with instants in the conference's zone.
CREATE FUNCTION kaigi_bilateral_plan(p_actor jsonb, p_slug text, p_plan jsonb,
    p_dry_run boolean) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	c	bigint := kaigi_session_conference(p_actor, p_slug);
	tz	text := (SELECT timezone FROM conferences WHERE id = c);
BEGIN
	IF NOT p_dry_run THEN
		PERFORM kaigi_bilateral_apply(p_actor, c, p_plan->'placed');
	END IF;
	RETURN jsonb_build_object('dry_run', p_dry_run,
	    'replanned', coalesce(p_plan->'replanned', 'false'),
	    'placed', coalesce((SELECT jsonb_agg(jsonb_build_object(
		'bilateral_id', b.id, 'start', kaigi_ts(t.st, tz),
		'end', kaigi_ts(t.st + make_interval(mins => b.duration_minutes), tz),
		'room_id', r.id, 'room', r.name,
		'session_id', CASE WHEN NOT p_dry_run THEN b.session_id END) ORDER BY t.st, b.id)
		FROM jsonb_array_elements(p_plan->'placed') x
		CROSS JOIN LATERAL (SELECT to_timestamp((x->>'start')::double precision) AS st) t
		JOIN bilateral_requests b ON b.id = (x->>'bilateral_id')::bigint
		JOIN rooms r ON r.id = (x->>'room_id')::bigint), '[]'),
	    'unplaced', coalesce(p_plan->'unplaced', '[]'),
	    'stats', coalesce(p_plan->'stats', '{}'));
END $$;
