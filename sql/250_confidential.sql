-- 250_confidential.sql — confidential meetings (issue 17, item 5).
--
-- visibility 'confidential' is 'restricted' for who sees the session:
-- kaigi_session_visible (020) and kaigi_release_visible (130) already give
-- every visibility but public and conference to the secretariat and the
-- parties only, so their rule is unchanged. What changes is what a
-- non-party sees of it where restricted shows a trace:
--   room feeds     a busy block: SUMMARY "Busy", CLASS:CONFIDENTIAL, and a
--                  UID that names no session ("busy-<hash>@host", a keyed
--                  hash of the id); kaigi_feed_busy() below, asked by
--                  server/feed.c per row. Parties' feeds carry
--                  CLASS:CONFIDENTIAL on the full event.
--   409 conflicts  "title": "Busy" and no "session_id"
--                  (kaigi_session_conflicts_json replaced; 020's).
-- Everywhere else (lists, public feed, exports, programme, change stream,
-- mail) a non-party sees nothing, as of a restricted session. Webhooks and
-- the audit log are the secretariat's and keep everything.
--
-- Bilateral requests: bilateral_requests.confidential (false unless
-- given on create or PATCH), shown as "confidential"; the session placed
-- for a confidential request is confidential (kaigi_bilateral_place).
-- Replaced here: kaigi_bilateral_json, _create, _merge, _patch (140's),
-- kaigi_bilateral_place (040's), kaigi_session_conflicts_json (020's).

ALTER TABLE sessions DROP CONSTRAINT sessions_visibility_check,
    ADD CONSTRAINT sessions_visibility_check
	CHECK (visibility IN ('public', 'conference', 'restricted', 'confidential'));

ALTER TABLE bilateral_requests
    ADD COLUMN confidential boolean NOT NULL DEFAULT false;

-- The key of the busy blocks' UIDs (as 060's cursor key).
INSERT INTO kaigi_secrets (name, secret)
SELECT 'busy', decode(replace(gen_random_uuid()::text || gen_random_uuid()::text
    || gen_random_uuid()::text, '-', ''), 'hex');

CREATE INDEX release_sessions_confidential_idx ON release_sessions (session_id)
    WHERE visibility = 'confidential';

-- ---------------------------------------------------------------------------
-- Feeds
-- ---------------------------------------------------------------------------

-- Is the session p_sid, as the feed of p_actor (NULL: a feed token's or
-- the public: never a writer) shows it, confidential? In release mode the
-- last release's row says so (a draft edit keeps the feed's bytes).
CREATE FUNCTION kaigi_feed_confidential(p_cid bigint, p_sid bigint, p_actor jsonb)
RETURNS boolean LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN kaigi_release_mode(c, coalesce(p_actor, '{"role": "none"}'))
	    THEN EXISTS (SELECT 1 FROM release_sessions rs
		WHERE rs.session_id = p_sid AND rs.visibility = 'confidential'
		    AND rs.release_id = (kaigi_release_last(c.id)).id)
	    ELSE EXISTS (SELECT 1 FROM sessions s
		WHERE s.id = p_sid AND s.visibility = 'confidential') END
	FROM conferences c WHERE c.id = p_cid
$$;

-- What a feed row of session p_sid shows of its confidentiality: NULL not
-- confidential; '' confidential and seen (CLASS:CONFIDENTIAL); else, for a
-- reserved row, the busy block's UID (no session id in it).
CREATE FUNCTION kaigi_feed_busy(p_cid bigint, p_sid bigint, p_reserved boolean,
    p_actor jsonb)
RETURNS text LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN p_sid IS NULL
		OR NOT kaigi_feed_confidential(p_cid, p_sid, p_actor) THEN NULL
	    WHEN NOT p_reserved THEN ''
	    ELSE 'busy-' || left(encode(sha256(k.secret
		|| convert_to(p_cid || ':' || p_sid, 'UTF8')), 'hex'), 32) END
	FROM kaigi_secrets k WHERE k.name = 'busy'
$$;

-- ---------------------------------------------------------------------------
-- 409 conflicts
-- ---------------------------------------------------------------------------

-- As in 020_sessions.sql; a confidential session the actor may not see is
-- "Busy", without its session_id.
CREATE OR REPLACE FUNCTION kaigi_session_conflicts_json(p_actor jsonb, p_conference_id bigint,
    p_room_id bigint, p_starts timestamptz, p_ends timestamptz,
    p_participant_ids bigint[], p_exclude bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
	    'session_id', CASE WHEN NOT k.busy THEN k.session_id END,
	    'title', CASE
		WHEN k.busy THEN 'Busy'
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
	FROM (SELECT k.*, coalesce(s.visibility = 'confidential'
		AND NOT kaigi_session_visible(k.session_id, p_actor), false) AS busy
	    FROM kaigi_session_conflicts(p_conference_id, p_room_id, p_starts, p_ends,
		p_participant_ids, p_exclude) k
	    LEFT JOIN sessions s ON s.id = k.session_id) k
	JOIN conferences c ON c.id = p_conference_id
	LEFT JOIN participants p ON p.id = k.participant_id);
END $$;

-- ---------------------------------------------------------------------------
-- Bilateral requests
-- ---------------------------------------------------------------------------

-- The API's bilateral request object (140's), now with confidential.
CREATE OR REPLACE FUNCTION kaigi_bilateral_json(p_id bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT jsonb_build_object('id', b.id, 'conference', c.slug,
	    'requester', rq.code, 'requester_id', rq.id, 'requester_name', rq.name,
	    'counterpart', cp.code, 'counterpart_id', cp.id, 'counterpart_name', cp.name,
	    'duration_minutes', b.duration_minutes,
	    'earliest', kaigi_ts(w.earliest, c.timezone),
	    'latest', kaigi_ts(w.latest, c.timezone),
	    'priority', b.priority, 'level', b.level, 'topics', b.topics,
	    'status', b.status, 'session_id', b.session_id,
	    'start', kaigi_ts(s.starts_at, c.timezone),
	    'end', kaigi_ts(s.ends_at, c.timezone), 'room_id', s.room_id,
	    'fixed_start', kaigi_ts(b.fixed_start, c.timezone),
	    'after', to_jsonb(b.after_ids), 'confidential', b.confidential,
	    'version', b.version,
	    'created_at', kaigi_ts(b.created_at, c.timezone),
	    'updated_at', kaigi_ts(b.updated_at, c.timezone))
	FROM bilateral_requests b JOIN conferences c ON c.id = b.conference_id
	JOIN delegations rq ON rq.id = b.requester_delegation_id
	JOIN delegations cp ON cp.id = b.counterpart_delegation_id
	LEFT JOIN sessions s ON s.id = b.session_id
	CROSS JOIN LATERAL kaigi_bilateral_window(b) w
	WHERE b.id = p_id);
END $$;

-- POST /conferences/{slug}/bilaterals (140's), now with confidential.
CREATE OR REPLACE FUNCTION kaigi_bilateral_create(p_actor jsonb, p_slug text, p_input jsonb)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	c	bigint;
	v_rq	bigint;
	v_cp	bigint;
	v_e	jsonb;
	b	bilateral_requests;
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
	v_e := kaigi_delegation_errors_hint(c, kaigi_bilateral_check(c, p_input, v_rq, v_cp));
	IF jsonb_array_length(v_e) > 0 THEN
		PERFORM kaigi_session_raise('KG422', 'the request has invalid fields',
		    jsonb_build_object('errors', v_e));
	END IF;
	PERFORM kaigi_setup_taken('bilateral request', 'ref', p_input->>'ref',
	    (SELECT x.id FROM bilateral_requests x WHERE x.conference_id = c
	    AND x.ref = p_input->>'ref'));
	INSERT INTO bilateral_requests (conference_id, requester_delegation_id,
	    counterpart_delegation_id, duration_minutes, earliest, latest,
	    priority, level, topics, ref, fixed_start, after_ids, confidential)
	VALUES (c, v_rq, v_cp, (p_input->>'duration_minutes')::int,
	    (p_input->>'earliest')::timestamptz, (p_input->>'latest')::timestamptz,
	    coalesce((p_input->>'priority')::int, 3), coalesce(p_input->>'level', 'head'),
	    coalesce(p_input->>'topics', ''), p_input->>'ref',
	    (p_input->>'fixed_start')::timestamptz, kaigi_bilateral_ids(p_input->'after'),
	    coalesce((p_input->>'confidential')::boolean, false))
	RETURNING * INTO b;
	PERFORM kaigi_bilateral_order_check(b);
	v_after := kaigi_setup_bilateral_json(b.id);
	PERFORM kaigi_bilateral_audit(p_actor, c, 'create', b.id, NULL, v_after);
	RETURN v_after;
END $$;

-- The request b with the members of a PATCH applied (140's), now with
-- confidential.
CREATE OR REPLACE FUNCTION kaigi_bilateral_merge(b bilateral_requests, p_in jsonb)
RETURNS bilateral_requests LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	b.duration_minutes := coalesce((p_in->>'duration_minutes')::int, b.duration_minutes);
	IF p_in ? 'earliest' THEN b.earliest := (p_in->>'earliest')::timestamptz; END IF;
	IF p_in ? 'latest' THEN b.latest := (p_in->>'latest')::timestamptz; END IF;
	b.priority := coalesce((p_in->>'priority')::int, b.priority);
	b.level := coalesce(p_in->>'level', b.level);
	b.topics := coalesce(p_in->>'topics', b.topics);
	IF p_in ? 'ref' THEN b.ref := p_in->>'ref'; END IF;
	IF p_in ? 'fixed_start' THEN
		b.fixed_start := (p_in->>'fixed_start')::timestamptz;
	END IF;
	IF p_in ? 'after' THEN b.after_ids := kaigi_bilateral_ids(p_in->'after'); END IF;
	b.confidential := coalesce((p_in->>'confidential')::boolean, b.confidential);
	RETURN b;
END $$;

-- PATCH /bilaterals/{id} (140's), now with confidential.
CREATE OR REPLACE FUNCTION kaigi_bilateral_patch(p_actor jsonb, p_id text, p_in jsonb,
    p_if_match text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
	b	bilateral_requests := kaigi_bilateral_for_write(p_actor, p_id::bigint);
	n	bilateral_requests := kaigi_bilateral_merge(b, p_in);
	e	jsonb;
	before	jsonb;
	after	jsonb;
BEGIN
	IF NOT kaigi_session_may_write(b.conference_id, p_actor) THEN
		RAISE EXCEPTION USING ERRCODE = 'KG403',
		    MESSAGE = 'only the secretariat may change a bilateral request (a party may withdraw it and ask again)';
	END IF;
	PERFORM kaigi_core_check_version(p_if_match, b.version);
	IF b.status NOT IN ('requested', 'accepted') THEN
		RAISE EXCEPTION USING ERRCODE = 'KG409',
		    MESSAGE = format('the request is %s; only a requested or accepted one can be changed%s',
			b.status, CASE WHEN b.status = 'scheduled'
			THEN ' (move or cancel its session instead)' ELSE '' END),
		    DETAIL = json_build_object('status', b.status,
			'session_id', b.session_id)::text;
	END IF;
	IF n IS NOT DISTINCT FROM b THEN
		RETURN kaigi_setup_bilateral_json(b.id);
	END IF;
	e := kaigi_bilateral_check(b.conference_id, jsonb_build_object(
	    'earliest', n.earliest, 'latest', n.latest,
	    'duration_minutes', n.duration_minutes),
	    b.requester_delegation_id, b.counterpart_delegation_id);
	IF jsonb_array_length(e) > 0 OR n.latest <= n.earliest THEN
		RAISE EXCEPTION USING ERRCODE = 'KG422', MESSAGE = 'the request has invalid fields',
		    DETAIL = jsonb_build_object('errors', CASE WHEN jsonb_array_length(e) > 0
			THEN e ELSE jsonb_build_array(kaigi_session_err('latest',
			    'must be after earliest')) END)::text;
	END IF;
	PERFORM kaigi_bilateral_taken(n);
	PERFORM kaigi_bilateral_order_check(n);
	before := kaigi_setup_bilateral_json(b.id);
	UPDATE bilateral_requests SET duration_minutes = n.duration_minutes,
	    earliest = n.earliest, latest = n.latest, priority = n.priority,
	    level = n.level, topics = n.topics, ref = n.ref,
	    fixed_start = n.fixed_start, after_ids = n.after_ids,
	    confidential = n.confidential
	WHERE id = b.id;
	after := kaigi_setup_bilateral_json(b.id);
	PERFORM kaigi_bilateral_audit(p_actor, b.conference_id, 'update', b.id,
	    before, after);
	RETURN after;
END $$;

-- Place locked request b (040's): its session is confidential when the
-- request is, else restricted.
CREATE OR REPLACE FUNCTION kaigi_bilateral_place(p_actor jsonb, b bilateral_requests,
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
		    p_room, p_start, v_end, 'confirmed',
		    CASE WHEN b.confidential THEN 'confidential' ELSE 'restricted' END)
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
