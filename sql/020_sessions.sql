-- 020_sessions.sql — the session API's SQL: who may see a session, the JSON
-- shape of a session, and the write functions behind POST/PATCH/cancel, each
-- doing the whole write atomically (permission, checks that need data,
-- locks, insert/update, attendees, delegations, audit) in one statement.
--
-- Errors are raised as SQLSTATE KGnnn (kaigid answers status nnn) with a
-- MESSAGE sentence and a DETAIL that is a JSON object merged into the
-- problem document ({"errors": [...]} for 422, {"conflicts": [...]} for 409).
--
-- Actors are the JSON kaigid builds from the caller (req_actor()):
--   {"role": "admin"|"secretariat"|"liaison"|"none", "token_id",
--    "conference_id", "delegation_id"}
-- plus, for feeds, optionally "participant_id" (a participant's feed).
--
-- Locking: a write locks the room row (FOR NO KEY UPDATE) and then the
-- attendees' participant rows (FOR UPDATE, in id order) before it looks for
-- clashes, so two writers touching one room or one person are serialised
-- and the travel-time rule (which no constraint expresses) is race-free.
-- The exclusion constraints stay the last word: 23P01 is caught and turned
-- into the same 409.

-- Clash lookups ask busy for "participant_id = ANY (attendees)", which the
-- GiST exclusion index cannot answer (no array search in GiST): without this
-- every booking read the whole busy table.
CREATE INDEX busy_participant_id_idx ON busy (participant_id);

-- ---------------------------------------------------------------------------
-- Visibility: THE rule, reused by lists, feeds, bilaterals.
-- ---------------------------------------------------------------------------

-- May actor see session p_session_id? public: everyone; conference: any
-- token of its conference; restricted: admin, the secretariat of its
-- conference, liaisons/feeds of a party delegation (listed in
-- session_delegations or the delegation of an attendee), and a participant
-- feed of an attendee. Unknown session: false.
CREATE FUNCTION kaigi_session_visible(p_session_id bigint, p_actor jsonb)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT coalesce((
		SELECT CASE
		    WHEN p_actor->>'role' = 'admin' THEN true
		    WHEN s.visibility = 'public' THEN true
		    WHEN (p_actor->>'conference_id')::bigint IS DISTINCT FROM s.conference_id
			THEN false
		    WHEN s.visibility = 'conference' THEN true
		    WHEN p_actor->>'role' = 'secretariat' THEN true
		    ELSE EXISTS (SELECT 1 FROM session_delegations sd
			WHERE sd.session_id = s.id
			    AND sd.delegation_id = (p_actor->>'delegation_id')::bigint)
			OR EXISTS (SELECT 1 FROM session_attendees a
			    JOIN participants p ON p.id = a.participant_id
			    WHERE a.session_id = s.id
				AND (p.delegation_id = (p_actor->>'delegation_id')::bigint
				    OR p.id = (p_actor->>'participant_id')::bigint))
		    END
		FROM sessions s WHERE s.id = p_session_id), false)
$$;

-- The ids of the sessions of conference p_conference_id that actor may see
-- (the same rule, as a set, for lists and feeds).
CREATE FUNCTION kaigi_sessions_visible(p_conference_id bigint, p_actor jsonb)
RETURNS SETOF bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT s.id FROM sessions s
	WHERE s.conference_id = p_conference_id
	    AND kaigi_session_visible(s.id, p_actor)
$$;

-- May actor change sessions of conference p_conference_id?
CREATE FUNCTION kaigi_session_may_write(p_conference_id bigint, p_actor jsonb)
RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
	SELECT p_actor->>'role' = 'admin' OR (p_actor->>'role' = 'secretariat'
	    AND (p_actor->>'conference_id')::bigint = p_conference_id)
$$;

-- ---------------------------------------------------------------------------
-- JSON shape
-- ---------------------------------------------------------------------------

-- RFC 3339 text of ts in zone tz (as kaigi_ts; PL/pgSQL so that the
-- session API's hot path does not re-plan a SQL function on every call).
CREATE FUNCTION kaigi_session_ts(ts timestamptz, tz text) RETURNS text
LANGUAGE plpgsql STABLE STRICT AS $$
DECLARE
	s	int := extract(epoch FROM (ts AT TIME ZONE tz) - (ts AT TIME ZONE 'UTC'))::int;
BEGIN
	RETURN to_char(ts AT TIME ZONE tz, 'YYYY-MM-DD"T"HH24:MI:SS')
	    || CASE WHEN s < 0 THEN '-' ELSE '+' END
	    || lpad((abs(s) / 3600)::text, 2, '0') || ':'
	    || lpad((abs(s) % 3600 / 60)::text, 2, '0');
END $$;

-- The API's session object (instants in the conference's zone).
CREATE FUNCTION kaigi_session_json(p_session_id bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT jsonb_build_object(
	    'id', s.id, 'conference', c.slug, 'kind', s.kind, 'title', s.title,
	    'description', s.description, 'room_id', s.room_id, 'room', r.name,
	    'venue_id', r.venue_id, 'venue', v.name,
	    'start', kaigi_session_ts(s.starts_at, c.timezone),
	    'end', kaigi_session_ts(s.ends_at, c.timezone),
	    'duration_minutes', (extract(epoch FROM s.ends_at - s.starts_at) / 60)::int,
	    'status', s.status, 'visibility', s.visibility,
	    'sequence', s.sequence, 'version', s.version,
	    'attendees', coalesce((SELECT jsonb_agg(jsonb_build_object('id', p.id,
		'name', p.name, 'role', p.role, 'delegation', d.code) ORDER BY p.id)
		FROM session_attendees a JOIN participants p ON p.id = a.participant_id
		JOIN delegations d ON d.id = p.delegation_id
		WHERE a.session_id = s.id), '[]'::jsonb),
	    'delegations', coalesce((SELECT jsonb_agg(d.code ORDER BY d.code)
		FROM session_delegations sd JOIN delegations d ON d.id = sd.delegation_id
		WHERE sd.session_id = s.id), '[]'::jsonb),
	    'created_at', kaigi_session_ts(s.created_at, c.timezone),
	    'updated_at', kaigi_session_ts(s.updated_at, c.timezone))
	FROM sessions s JOIN conferences c ON c.id = s.conference_id
	LEFT JOIN rooms r ON r.id = s.room_id
	LEFT JOIN venues v ON v.id = r.venue_id
	WHERE s.id = p_session_id);
END $$;

-- ---------------------------------------------------------------------------
-- Errors
-- ---------------------------------------------------------------------------

-- Raise KGnnn with a message and a JSON detail object.
CREATE FUNCTION kaigi_session_raise(p_code text, p_message text,
    p_detail jsonb DEFAULT '{}') RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION USING ERRCODE = p_code, MESSAGE = p_message,
	    DETAIL = p_detail::text;
END $$;

-- One {"field","message"} entry.
CREATE FUNCTION kaigi_session_err(p_field text, p_message text) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
	SELECT jsonb_build_object('field', p_field, 'message', p_message)
$$;

-- The clashes of a planned session as the API's "conflicts" array; titles
-- of sessions the actor may not see become "Reserved", unavailability
-- reasons are shown only to the secretariat/admin and the person's liaison.
CREATE FUNCTION kaigi_session_conflicts_json(p_actor jsonb, p_conference_id bigint,
    p_room_id bigint, p_starts timestamptz, p_ends timestamptz,
    p_participant_ids bigint[], p_exclude bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
	    'session_id', k.session_id,
	    'title', CASE
		WHEN k.session_id IS NOT NULL THEN CASE
		    WHEN kaigi_session_visible(k.session_id, p_actor) THEN k.title
		    ELSE 'Reserved' END
		WHEN kaigi_session_may_write(p_conference_id, p_actor)
		    OR p.delegation_id = (p_actor->>'delegation_id')::bigint THEN k.title
		ELSE 'Unavailable' END,
	    'start', kaigi_session_ts(k.starts_at, c.timezone),
	    'end', kaigi_session_ts(k.ends_at, c.timezone),
	    'resource', k.resource, 'reason', k.reason,
	    'room_id', CASE WHEN k.resource = 'room' THEN k.room_id END,
	    'participant_id', k.participant_id,
	    'unavailability_id', k.unavailability_id))), '[]'::jsonb)
	FROM kaigi_session_conflicts(p_conference_id, p_room_id, p_starts, p_ends,
	    p_participant_ids, p_exclude) k
	JOIN conferences c ON c.id = p_conference_id
	LEFT JOIN participants p ON p.id = k.participant_id);
END $$;

-- ---------------------------------------------------------------------------
-- Checks shared by create and update
-- ---------------------------------------------------------------------------

-- Field errors for a planned session that need the data: room of this
-- conference and big enough, attendees and delegations of this conference,
-- times within the conference dates, at most 24 hours.
CREATE FUNCTION kaigi_session_check(p_conference_id bigint, p_room_id bigint,
    p_starts timestamptz, p_ends timestamptz, p_attendees bigint[],
    p_codes text[]) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	c	conferences;
	e	jsonb := '[]';
	cap	int;
	bad	text;
BEGIN
	SELECT * INTO c FROM conferences WHERE id = p_conference_id;
	IF p_ends <= p_starts THEN
		e := e || kaigi_session_err('end', 'must be after start');
	ELSIF p_ends - p_starts > interval '24 hours' THEN
		e := e || kaigi_session_err('end', 'a session lasts at most 24 hours');
	END IF;
	IF (p_starts AT TIME ZONE c.timezone)::date NOT BETWEEN c.start_date AND c.end_date THEN
		e := e || kaigi_session_err('start', format(
		    'must be within the conference dates (%s to %s, %s)',
		    c.start_date, c.end_date, c.timezone));
	ELSIF p_ends > ((c.end_date + 1)::timestamp AT TIME ZONE c.timezone) THEN
		e := e || kaigi_session_err('end', format(
		    'must be within the conference dates (%s to %s, %s)',
		    c.start_date, c.end_date, c.timezone));
	END IF;
	IF p_room_id IS NOT NULL THEN
		SELECT capacity INTO cap FROM rooms
		WHERE id = p_room_id AND conference_id = p_conference_id;
		IF NOT FOUND THEN
			e := e || kaigi_session_err('room_id', format(
			    'no room %s in this conference', p_room_id));
		ELSIF cap < cardinality(p_attendees) THEN
			e := e || kaigi_session_err('attendees', format(
			    'the room holds %s people; %s attendees were given',
			    cap, cardinality(p_attendees)));
		END IF;
	END IF;
	SELECT string_agg(x::text, ', ' ORDER BY x) INTO bad
	FROM unnest(p_attendees) x WHERE NOT EXISTS (SELECT 1 FROM participants
	    WHERE id = x AND conference_id = p_conference_id);
	IF bad IS NOT NULL THEN
		e := e || kaigi_session_err('attendees',
		    'no such participant in this conference: ' || bad);
	END IF;
	SELECT string_agg(x, ', ' ORDER BY x) INTO bad
	FROM unnest(p_codes) x WHERE NOT EXISTS (SELECT 1 FROM delegations
	    WHERE code = x AND conference_id = p_conference_id);
	IF bad IS NOT NULL THEN
		e := e || kaigi_session_err('delegations',
		    'no such delegation in this conference: ' || bad);
	END IF;
	RETURN e;
END $$;

-- Could a planned session clash with anything? A cheap superset of every
-- rule, by index: a session in the room over the time, or a busy row of an
-- attendee within [start - longest travel, end + changeover + longest
-- travel). Only when this says yes is the exact list computed.
CREATE FUNCTION kaigi_session_may_clash(p_conference_id bigint,
    p_room_id bigint, p_starts timestamptz, p_ends timestamptz,
    p_attendees bigint[], p_exclude bigint) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
DECLARE
	pad	interval;
	trip	interval;
	win	tstzrange;
	p	bigint;
BEGIN
	IF p_room_id IS NOT NULL AND EXISTS (SELECT 1 FROM sessions
	    WHERE room_id = p_room_id AND status <> 'cancelled'
		AND during && tstzrange(p_starts, p_ends, '[)')
		AND id IS DISTINCT FROM p_exclude) THEN
		RETURN true;
	END IF;
	SELECT make_interval(mins => changeover_minutes) INTO pad
	FROM conferences WHERE id = p_conference_id;
	SELECT make_interval(mins => coalesce(max(minutes), 0)) INTO trip
	FROM travel_times WHERE conference_id = p_conference_id;
	win := tstzrange(p_starts - trip, p_ends + pad + trip, '[)');
	FOREACH p IN ARRAY p_attendees LOOP
		IF EXISTS (SELECT 1 FROM busy WHERE participant_id = p
		    AND during && win
		    AND (session_id IS NULL OR session_id IS DISTINCT FROM p_exclude)) THEN
			RETURN true;
		END IF;
	END LOOP;
	RETURN false;
END $$;

-- Lock what a planned session depends on (room, then people by id) and
-- raise 409 listing every clash, if any. Cancelled sessions clash with
-- nothing.
CREATE FUNCTION kaigi_session_lock_and_check(p_actor jsonb, p_conference_id bigint,
    p_room_id bigint, p_starts timestamptz, p_ends timestamptz,
    p_attendees bigint[], p_status text, p_exclude bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	k	jsonb;
BEGIN
	PERFORM 1 FROM rooms WHERE id = p_room_id FOR NO KEY UPDATE;
	PERFORM 1 FROM participants WHERE id = ANY (p_attendees)
	ORDER BY id FOR UPDATE;
	IF p_status = 'cancelled' OR NOT kaigi_session_may_clash(p_conference_id,
	    p_room_id, p_starts, p_ends, p_attendees, p_exclude) THEN
		RETURN;
	END IF;
	k := kaigi_session_conflicts_json(p_actor, p_conference_id, p_room_id,
	    p_starts, p_ends, p_attendees, p_exclude);
	IF jsonb_array_length(k) > 0 THEN
		PERFORM kaigi_session_raise('KG409', format(
		    'the session would double-book: %s clash(es) with the room, '
		    'the attendees, their unavailability, changeover or travel time',
		    jsonb_array_length(k)), jsonb_build_object('conflicts', k));
	END IF;
END $$;

-- After a 23P01 that slipped past the check: 409 with the clashes now seen.
CREATE FUNCTION kaigi_session_raise_overlap(p_actor jsonb, p_conference_id bigint,
    p_room_id bigint, p_starts timestamptz, p_ends timestamptz,
    p_attendees bigint[], p_exclude bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM kaigi_session_raise('KG409',
	    'the session would double-book a room or a person',
	    jsonb_build_object('conflicts', kaigi_session_conflicts_json(p_actor,
		p_conference_id, p_room_id, p_starts, p_ends, p_attendees, p_exclude)));
END $$;

-- Ids of the participants listed in input->'attendees' (sorted, unique).
CREATE FUNCTION kaigi_session_ids(p_list jsonb) RETURNS bigint[]
LANGUAGE sql IMMUTABLE AS $$
	SELECT coalesce(array_agg(DISTINCT x::bigint ORDER BY x::bigint), '{}')
	FROM jsonb_array_elements_text(coalesce(p_list, '[]')) x
$$;

-- Codes listed in input->'delegations' (unique).
CREATE FUNCTION kaigi_session_codes(p_list jsonb) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
	SELECT coalesce(array_agg(DISTINCT x ORDER BY x), '{}')
	FROM jsonb_array_elements_text(coalesce(p_list, '[]')) x
$$;

-- Make the session's attendees and party delegations exactly these.
CREATE FUNCTION kaigi_session_set_members(p_session_id bigint,
    p_conference_id bigint, p_attendees bigint[], p_codes text[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM session_attendees WHERE session_id = p_session_id
	    AND participant_id <> ALL (p_attendees);
	INSERT INTO session_attendees (session_id, participant_id)
	SELECT p_session_id, x FROM unnest(p_attendees) x
	ON CONFLICT DO NOTHING;
	DELETE FROM session_delegations sd WHERE sd.session_id = p_session_id
	    AND sd.delegation_id NOT IN (SELECT id FROM delegations
		WHERE conference_id = p_conference_id AND code = ANY (p_codes));
	INSERT INTO session_delegations (session_id, delegation_id)
	SELECT p_session_id, d.id FROM delegations d
	WHERE d.conference_id = p_conference_id AND d.code = ANY (p_codes)
	ON CONFLICT DO NOTHING;
END $$;

-- One audit row for a session write.
CREATE FUNCTION kaigi_session_audit(p_actor jsonb, p_conference_id bigint,
    p_action text, p_session_id bigint, p_before jsonb, p_after jsonb)
RETURNS void
LANGUAGE sql AS $$
	INSERT INTO audit_log (conference_id, token_id, role, action, entity,
	    entity_id, before, after)
	VALUES (p_conference_id, (p_actor->>'token_id')::bigint, p_actor->>'role',
	    p_action, 'session', p_session_id, p_before, p_after)
$$;

-- ---------------------------------------------------------------------------
-- Writes
-- ---------------------------------------------------------------------------

-- The conference of slug for a writer: 404 unknown, 403 not its secretariat.
CREATE FUNCTION kaigi_session_conference(p_actor jsonb, p_slug text)
RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
	c	bigint;
BEGIN
	SELECT id INTO c FROM conferences WHERE slug = p_slug;
	IF NOT FOUND THEN
		PERFORM kaigi_session_raise('KG404', 'no such conference');
	END IF;
	IF NOT kaigi_session_may_write(c, p_actor) THEN
		PERFORM kaigi_session_raise('KG403',
		    'only the secretariat of this conference may change its sessions');
	END IF;
	RETURN c;
END $$;

-- POST /conferences/{slug}/sessions: input is the decoded body (kind,
-- title, description?, room_id?, start, end, status?, visibility?,
-- attendees?, delegations?). Returns the session JSON.
CREATE FUNCTION kaigi_session_create(p_actor jsonb, p_slug text, p_input jsonb)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	c	bigint := kaigi_session_conference(p_actor, p_slug);
	v_room	bigint := (p_input->>'room_id')::bigint;
	v_st	timestamptz := (p_input->>'start')::timestamptz;
	v_en	timestamptz := (p_input->>'end')::timestamptz;
	v_who	bigint[] := kaigi_session_ids(p_input->'attendees');
	v_codes	text[] := kaigi_session_codes(p_input->'delegations');
	v_status	text := coalesce(p_input->>'status', 'confirmed');
	v_e	jsonb;
	v_sid	bigint;
	v_after	jsonb;
BEGIN
	v_e := kaigi_session_check(c, v_room, v_st, v_en, v_who, v_codes);
	IF jsonb_array_length(v_e) > 0 THEN
		PERFORM kaigi_session_raise('KG422', 'the request has invalid fields',
		    jsonb_build_object('errors', v_e));
	END IF;
	PERFORM kaigi_session_lock_and_check(p_actor, c, v_room, v_st, v_en, v_who, v_status, NULL);
	BEGIN
		INSERT INTO sessions (conference_id, kind, title, description,
		    room_id, starts_at, ends_at, status, visibility)
		VALUES (c, p_input->>'kind', p_input->>'title',
		    coalesce(p_input->>'description', ''), v_room, v_st, v_en, v_status,
		    p_input->>'visibility')
		RETURNING id INTO v_sid;
		PERFORM kaigi_session_set_members(v_sid, c, v_who, v_codes);
	EXCEPTION WHEN exclusion_violation THEN
		PERFORM kaigi_session_raise_overlap(p_actor, c, v_room, v_st, v_en, v_who, NULL);
	END;
	v_after := kaigi_session_json(v_sid);
	PERFORM kaigi_session_audit(p_actor, c, 'create', v_sid, NULL, v_after);
	RETURN v_after;
END $$;

-- The session row to change, locked: 404 unknown or invisible, 403 not the
-- secretariat, 412 when p_if_match (a version) is stale.
CREATE FUNCTION kaigi_session_for_write(p_actor jsonb, p_id bigint,
    p_if_match int) RETURNS sessions
LANGUAGE plpgsql AS $$
DECLARE
	s	sessions;
BEGIN
	SELECT * INTO s FROM sessions WHERE id = p_id FOR UPDATE;
	IF NOT FOUND OR NOT kaigi_session_visible(p_id, p_actor) THEN
		PERFORM kaigi_session_raise('KG404', 'no such session');
	END IF;
	IF NOT kaigi_session_may_write(s.conference_id, p_actor) THEN
		PERFORM kaigi_session_raise('KG403',
		    'only the secretariat of this conference may change its sessions');
	END IF;
	IF p_if_match IS NOT NULL AND p_if_match <> s.version THEN
		PERFORM kaigi_session_raise('KG412', format(
		    'the session is at version %s, not %s; fetch it again',
		    s.version, p_if_match), jsonb_build_object('version', s.version));
	END IF;
	RETURN s;
END $$;

-- PATCH /sessions/{id}: input holds only the members to change (room_id
-- null removes the v_room). Returns the session JSON.
CREATE FUNCTION kaigi_session_update(p_actor jsonb, p_id bigint,
    p_if_match int, p_input jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	s	sessions := kaigi_session_for_write(p_actor, p_id, p_if_match);
	v_room	bigint := CASE WHEN p_input ? 'room_id'
		    THEN (p_input->>'room_id')::bigint ELSE s.room_id END;
	v_st	timestamptz := coalesce((p_input->>'start')::timestamptz, s.starts_at);
	v_en	timestamptz := coalesce((p_input->>'end')::timestamptz, s.ends_at);
	v_status	text := coalesce(p_input->>'status', s.status);
	v_who	bigint[];
	v_codes	text[];
	v_e	jsonb;
	v_before	jsonb := kaigi_session_json(p_id);
	v_after	jsonb;
BEGIN
	v_who := CASE WHEN p_input ? 'attendees' THEN kaigi_session_ids(p_input->'attendees')
	    ELSE (SELECT coalesce(array_agg(participant_id ORDER BY participant_id), '{}')
		FROM session_attendees WHERE session_id = p_id) END;
	v_codes := CASE WHEN p_input ? 'delegations' THEN kaigi_session_codes(p_input->'delegations')
	    ELSE (SELECT coalesce(array_agg(d.code), '{}') FROM session_delegations sd
		JOIN delegations d ON d.id = sd.delegation_id WHERE sd.session_id = p_id) END;
	v_e := kaigi_session_check(s.conference_id, v_room, v_st, v_en, v_who, v_codes);
	IF jsonb_array_length(v_e) > 0 THEN
		PERFORM kaigi_session_raise('KG422', 'the request has invalid fields',
		    jsonb_build_object('errors', v_e));
	END IF;
	PERFORM kaigi_session_lock_and_check(p_actor, s.conference_id, v_room, v_st, v_en,
	    v_who, v_status, p_id);
	BEGIN
		-- Drop leaving attendees first so that they cannot clash.
		DELETE FROM session_attendees WHERE session_id = p_id
		    AND participant_id <> ALL (v_who);
		UPDATE sessions SET kind = coalesce(p_input->>'kind', kind),
		    title = coalesce(p_input->>'title', title),
		    description = coalesce(p_input->>'description', description),
		    room_id = v_room, starts_at = v_st, ends_at = v_en, status = v_status,
		    visibility = coalesce(p_input->>'visibility', visibility)
		WHERE id = p_id;
		PERFORM kaigi_session_set_members(p_id, s.conference_id, v_who, v_codes);
	EXCEPTION WHEN exclusion_violation THEN
		PERFORM kaigi_session_raise_overlap(p_actor, s.conference_id, v_room,
		    v_st, v_en, v_who, p_id);
	END;
	v_after := kaigi_session_json(p_id);
	PERFORM kaigi_session_audit(p_actor, s.conference_id, 'update', p_id,
	    v_before, v_after);
	RETURN v_after;
END $$;

-- POST /sessions/{id}/cancel: status cancelled (frees room and people);
-- 409 when it already is. Returns the session JSON.
CREATE FUNCTION kaigi_session_cancel(p_actor jsonb, p_id bigint, p_if_match int)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	s	sessions := kaigi_session_for_write(p_actor, p_id, p_if_match);
	v_before	jsonb := kaigi_session_json(p_id);
	v_after	jsonb;
BEGIN
	IF s.status = 'cancelled' THEN
		PERFORM kaigi_session_raise('KG409', 'the session is already cancelled');
	END IF;
	UPDATE sessions SET status = 'cancelled' WHERE id = p_id;
	v_after := kaigi_session_json(p_id);
	PERFORM kaigi_session_audit(p_actor, s.conference_id, 'cancel', p_id,
	    v_before, v_after);
	RETURN v_after;
END $$;

-- ---------------------------------------------------------------------------
-- Reads
-- ---------------------------------------------------------------------------

-- GET /sessions/{id}: the JSON, or NULL (404) when unknown or invisible.
CREATE FUNCTION kaigi_session_get(p_actor jsonb, p_id bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT kaigi_session_json(p_id) WHERE kaigi_session_visible(p_id, p_actor)
$$;

-- GET /conferences/{slug}/sessions: {"items", "next"} or NULL (404) for an
-- unknown conference. Ordered by (start, id); the cursor is the id of the
-- last item of the previous page and the next page starts after that
-- session's (start, id). Filters (all optional, in p_filter): from (ends
-- after), to (starts before), kind, room_id, delegation (a code: sessions
-- it is a party of or one of its participants attends).
CREATE FUNCTION kaigi_sessions_list(p_actor jsonb, p_slug text, p_filter jsonb,
    p_limit int, p_cursor bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	WITH c AS (SELECT id FROM conferences WHERE slug = p_slug),
	cur AS (SELECT starts_at, id FROM sessions WHERE id = p_cursor),
	page AS (
		SELECT s.id, s.starts_at FROM sessions s, c
		WHERE s.conference_id = c.id
		    AND (p_cursor = 0 OR (s.starts_at, s.id) >
			(SELECT starts_at, id FROM cur))
		    AND (p_filter->>'from' IS NULL
			OR s.ends_at > (p_filter->>'from')::timestamptz)
		    AND (p_filter->>'to' IS NULL
			OR s.starts_at < (p_filter->>'to')::timestamptz)
		    AND (p_filter->>'kind' IS NULL OR s.kind = p_filter->>'kind')
		    AND (p_filter->>'room_id' IS NULL
			OR s.room_id = (p_filter->>'room_id')::bigint)
		    AND (p_filter->>'delegation' IS NULL OR EXISTS (
			SELECT 1 FROM delegations d WHERE d.conference_id = c.id
			    AND d.code = p_filter->>'delegation'
			    AND (EXISTS (SELECT 1 FROM session_delegations sd
				WHERE sd.session_id = s.id AND sd.delegation_id = d.id)
			    OR EXISTS (SELECT 1 FROM session_attendees a
				JOIN participants p ON p.id = a.participant_id
				WHERE a.session_id = s.id AND p.delegation_id = d.id))))
		    AND kaigi_session_visible(s.id, p_actor)
		ORDER BY s.starts_at, s.id
		LIMIT p_limit + 1
	),
	numbered AS (SELECT id, row_number() OVER (ORDER BY starts_at, id) AS n
	    FROM page)
	SELECT jsonb_build_object(
	    'items', coalesce((SELECT jsonb_agg(kaigi_session_json(id) ORDER BY n)
		FROM numbered WHERE n <= p_limit), '[]'::jsonb),
	    'next', (SELECT to_jsonb(id::text) FROM numbered WHERE n = p_limit
		AND EXISTS (SELECT 1 FROM numbered WHERE n > p_limit)))
	FROM c
$$;

-- ---------------------------------------------------------------------------
-- The secretariat's safety net: every rule checked against stored data
-- ---------------------------------------------------------------------------

-- Every broken rule among the non-cancelled sessions of conference c:
-- room overlap, person overlap (changeover included), a session during an
-- attendee's unavailability, too little travel time between venues,
-- a room smaller than the attendance, a session outside the conference
-- dates or longer than 24 hours.
CREATE FUNCTION kaigi_conference_conflicts_of(p_conference_id bigint)
RETURNS TABLE (rule text, session_id bigint, other_session_id bigint,
    room_id bigint, participant_id bigint, unavailability_id bigint, detail text)
LANGUAGE sql STABLE AS $$
	WITH c AS (SELECT * FROM conferences WHERE id = p_conference_id),
	s AS (SELECT x.*, r.venue_id, r.capacity
	    FROM sessions x LEFT JOIN rooms r ON r.id = x.room_id
	    WHERE x.conference_id = p_conference_id AND x.status <> 'cancelled'),
	att AS (SELECT s.*, a.participant_id FROM s
	    JOIN session_attendees a ON a.session_id = s.id)
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
	    AND kaigi_busy_range(p_conference_id, a.starts_at, a.ends_at) && b.during
	UNION ALL
	SELECT 'unavailability', a.id, NULL, NULL, a.participant_id, u.id,
	    'a session during an attendee''s unavailability: ' || u.reason
	FROM att a JOIN unavailability u ON u.participant_id = a.participant_id
	    AND u.during && kaigi_busy_range(p_conference_id, a.starts_at, a.ends_at)
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

-- GET /conferences/{slug}/conflicts: {"items": [...]} for its secretariat.
CREATE FUNCTION kaigi_conference_conflicts(p_actor jsonb, p_slug text)
RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	c	conferences;
BEGIN
	SELECT * INTO c FROM conferences WHERE slug = p_slug;
	IF NOT FOUND THEN
		PERFORM kaigi_session_raise('KG404', 'no such conference');
	END IF;
	IF NOT kaigi_session_may_write(c.id, p_actor) THEN
		PERFORM kaigi_session_raise('KG403',
		    'only the secretariat of this conference may check it');
	END IF;
	RETURN jsonb_build_object('items', coalesce((SELECT jsonb_agg(
	    jsonb_strip_nulls(jsonb_build_object('rule', k.rule,
		'session_id', k.session_id, 'other_session_id', k.other_session_id,
		'room_id', k.room_id, 'participant_id', k.participant_id,
		'unavailability_id', k.unavailability_id, 'detail', k.detail))
	    ORDER BY k.session_id, k.rule, k.other_session_id, k.participant_id)
	    FROM kaigi_conference_conflicts_of(c.id) k), '[]'::jsonb));
END $$;

-- ---------------------------------------------------------------------------
-- One visibility rule: 010_api_core's helper asks kaigi_session_visible().
-- ---------------------------------------------------------------------------

-- May the actor see session p_sid? (kept for 010's callers; the rule itself
-- lives only in kaigi_session_visible above.)
CREATE OR REPLACE FUNCTION kaigi_core_may_see_session(p_actor jsonb, p_sid bigint)
RETURNS boolean LANGUAGE sql STABLE AS $$
	SELECT kaigi_session_visible(p_sid, p_actor)
$$;
