-- 080_import.sql — spreadsheets in and out (issue 15):
-- POST /conferences/{slug}/import?kind=K[&dry_run=true] and
-- GET /conferences/{slug}/export/{kind}.csv, .../export.xlsx.
--
-- kaigid reads the file (server/import/: libcsv, the column checks of each
-- kind) and calls kaigi_import once with the checked rows, so an import is
-- one statement, one transaction: every row is stored or none is. Here the
-- rows' references are resolved by the keys people use (a delegation's
-- code, a venue's name, a room's name within its venue, a participant's
-- ref, e-mail or name) and each row is upserted by its natural key (ref,
-- else code, e-mail, name (+ venue), requester + counterpart, or title +
-- start). Rows go through the same functions as the API's POST and PATCH
-- (kaigi_venue_create/_patch, kaigi_session_create/_update, ...), one
-- sub-transaction per row, so the rules, the 409s and the audit rows are
-- the API's; a row that fails becomes {row, column, message} and the next
-- row is still tried, so one 422 names every bad row. Participants, which
-- come by the ten thousand, are written set-based (kaigi_import_people)
-- with the checks of kaigi_participant_create and the same audit rows.
--
-- A dry run does all of it, then undoes it (a sub-transaction rolled
-- back), so it reports exactly what the import would do.
--
-- Times without an offset are wall-clock times of the conference's zone: a
-- time the clocks skip or show twice is a row error, never a guess.
--
-- kaigi_export answers the rows of one kind as the import reads them back
-- (same columns, references by natural key), only what the caller may
-- list: what the kind's list route shows it.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- ---------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------

-- One {row, column, message} error.
CREATE FUNCTION kaigi_import_err(p_row int, p_column text, p_message text)
RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
	SELECT jsonb_build_object('row', p_row, 'column', p_column,
	    'message', p_message)
$$;

-- KG422 for one row: errors [{field, message}] (the columns named).
CREATE FUNCTION kaigi_import_fail(p_errors jsonb)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION USING ERRCODE = 'KG422', MESSAGE = 'the row is invalid',
	    DETAIL = jsonb_build_object('errors', p_errors)::text;
END $$;

-- The instant of an import's time: "…Z" text is UTC; text without an
-- offset is a wall-clock time in zone p_tz, which must occur exactly once
-- there (problem says why not). The wall time is read with the offsets in
-- force a day before and a day after; each reading that shows that wall
-- time again is an instant it names.
CREATE FUNCTION kaigi_import_instant(p_text text, p_tz text,
    OUT at timestamptz, OUT problem text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	w	timestamp;
	guess	timestamptz;
	found	timestamptz[];
BEGIN
	IF p_text IS NULL THEN
		RETURN;
	END IF;
	IF right(p_text, 1) = 'Z' THEN
		at := p_text::timestamptz;
		RETURN;
	END IF;
	w := p_text::timestamp;
	guess := w AT TIME ZONE p_tz;
	SELECT array_agg(DISTINCT x.t ORDER BY x.t) INTO found
	FROM (SELECT (w - ((d AT TIME ZONE p_tz) - (d AT TIME ZONE 'UTC')))
		AT TIME ZONE 'UTC' AS t
	    FROM unnest(ARRAY[guess - interval '1 day', guess + interval '1 day']) d) x
	WHERE x.t AT TIME ZONE p_tz = w;
	IF found IS NULL THEN
		problem := format('%s does not exist in %s (the clocks go forward '
		    'then): give a time that does, or its offset', p_text, p_tz);
	ELSIF cardinality(found) > 1 THEN
		problem := format('%s happens twice in %s (the clocks go back '
		    'then): add the offset, %s for the first or %s for the second',
		    p_text, p_tz, right(kaigi_ts(found[1], p_tz), 6),
		    right(kaigi_ts(found[2], p_tz), 6));
	ELSE
		at := found[1];
	END IF;
END $$;

-- The instants of a row's time columns, in zone p_tz; KG422 naming every
-- time that does not exist or is ambiguous.
CREATE FUNCTION kaigi_import_times(r jsonb, p_columns text[], p_tz text)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
	col	text;
	x	record;
	out	jsonb := '{}';
	bad	jsonb := '[]';
BEGIN
	FOREACH col IN ARRAY p_columns LOOP
		IF r ? col THEN
			SELECT * INTO x FROM kaigi_import_instant(r->>col, p_tz);
			IF x.problem IS NOT NULL THEN
				bad := bad || kaigi_session_err(col, x.problem);
			END IF;
			out := out || jsonb_build_object(col, x.at);
		END IF;
	END LOOP;
	IF jsonb_array_length(bad) > 0 THEN
		PERFORM kaigi_import_fail(bad);
	END IF;
	RETURN out;
END $$;

-- 'updated' when a PATCH function moved the version on, else 'unchanged'.
CREATE FUNCTION kaigi_import_outcome(p_before int, p_after jsonb)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN (p_after->>'version')::int = p_before THEN 'unchanged'
	    ELSE 'updated' END
$$;

-- "A, B, C" (or "none yet").
CREATE FUNCTION kaigi_import_list(p_names text[])
RETURNS text LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN cardinality(p_names) > 0
	    THEN array_to_string(p_names[1:30], ', ')
		|| CASE WHEN cardinality(p_names) > 30 THEN ', …' ELSE '' END
	    ELSE 'none yet' END
$$;

-- JSON text, or NULL when it is not JSON (a constraint's DETAIL, say).
CREATE FUNCTION kaigi_import_json(p_text text)
RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	RETURN p_text::jsonb;
EXCEPTION WHEN others THEN
	RETURN NULL;
END $$;

-- The errors of a row whose write raised (SQLSTATE p_state): the fields
-- of a 422's or 409's "errors" as columns (p_columns maps API field names
-- to the import's), a 409's clashes in one message, or the message alone.
CREATE FUNCTION kaigi_import_caught(p_row int, p_state text, p_msg text,
    p_detail text, p_columns jsonb)
RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	d	jsonb := kaigi_import_json(p_detail);
BEGIN
	IF jsonb_typeof(d->'errors') = 'array' AND jsonb_array_length(d->'errors') > 0 THEN
		RETURN (SELECT jsonb_agg(kaigi_import_err(p_row,
		    coalesce(p_columns->>(e->>'field'), e->>'field'),
		    CASE WHEN p_state = 'KG409' AND d ? 'existing_id'
			THEN p_msg ELSE e->>'message' END))
		    FROM jsonb_array_elements(d->'errors') e);
	END IF;
	IF jsonb_typeof(d->'conflicts') = 'array' THEN
		RETURN jsonb_build_array(kaigi_import_err(p_row, 'start', p_msg
		    || ': ' || (SELECT string_agg(format('%s %s (%s–%s)',
			k->>'resource', coalesce(k->>'title', ''),
			substr(k->>'start', 1, 16), substr(k->>'end', 12, 5)), '; ')
			FROM jsonb_array_elements(d->'conflicts') k)));
	END IF;
	IF jsonb_typeof(d->'references') = 'object' THEN
		RETURN jsonb_build_array(kaigi_import_err(p_row, NULL, p_msg));
	END IF;
	RETURN jsonb_build_array(kaigi_import_err(p_row, NULL, CASE
	    WHEN p_state LIKE '23%' OR p_state LIKE '22%'
	    THEN 'breaks a rule of the data: ' || p_msg ELSE p_msg END));
END $$;

-- ---------------------------------------------------------------------------
-- Finding rows by the keys people use
-- ---------------------------------------------------------------------------

-- The venue of conference p_cid called p_name (any case); KG422 naming
-- column p_column and listing the venues when there is none.
CREATE FUNCTION kaigi_import_venue_id(p_cid bigint, p_name text, p_column text)
RETURNS bigint LANGUAGE plpgsql STABLE AS $$
DECLARE
	v	bigint;
BEGIN
	SELECT id INTO v FROM venues WHERE conference_id = p_cid
	    AND lower(name) = lower(p_name);
	IF v IS NULL THEN
		PERFORM kaigi_core_invalid(p_column, format(
		    'no venue called %s; the venues are: %s', p_name,
		    kaigi_import_list(ARRAY(SELECT name FROM venues
			WHERE conference_id = p_cid ORDER BY id))));
	END IF;
	RETURN v;
END $$;

-- The room called p_room (in venue p_venue when given, which a room name
-- used in two venues needs): NULL for no room; KG422 when there is none
-- or several.
CREATE FUNCTION kaigi_import_room_id(p_cid bigint, p_venue text, p_room text)
RETURNS bigint LANGUAGE plpgsql STABLE AS $$
DECLARE
	ids	bigint[];
	vid	bigint;
BEGIN
	IF p_room IS NULL THEN
		IF p_venue IS NOT NULL THEN
			PERFORM kaigi_core_invalid('room', 'a venue without a room: name the room too');
		END IF;
		RETURN NULL;
	END IF;
	IF p_venue IS NOT NULL THEN
		vid := kaigi_import_venue_id(p_cid, p_venue, 'venue');
	END IF;
	SELECT array_agg(id ORDER BY id) INTO ids FROM rooms WHERE conference_id = p_cid
	    AND lower(name) = lower(p_room) AND (vid IS NULL OR venue_id = vid);
	IF ids IS NULL THEN
		PERFORM kaigi_core_invalid('room', format('no room called %s%s; the rooms are: %s',
		    p_room, coalesce(' in ' || p_venue, ''), kaigi_import_list(ARRAY(
			SELECT r.name FROM rooms r WHERE r.conference_id = p_cid
			AND (vid IS NULL OR r.venue_id = vid) ORDER BY r.id))));
	ELSIF cardinality(ids) > 1 THEN
		PERFORM kaigi_core_invalid('room', format('%s venues have a room '
		    'called %s: name the venue too', cardinality(ids), p_room));
	END IF;
	RETURN ids[1];
END $$;

-- The participants named by p_keys (each a ref, else an e-mail, else a
-- name, any case for the last two): (key, id) in the order given, id NULL
-- when the key names nobody or several (matches says how many).
CREATE FUNCTION kaigi_import_people(p_cid bigint, p_keys text[])
RETURNS TABLE (key text, id bigint, matches bigint)
LANGUAGE sql STABLE AS $$
	SELECT k.key, CASE WHEN m.n = 1 THEN m.id END, m.n
	FROM unnest(p_keys) WITH ORDINALITY AS k (key, i)
	CROSS JOIN LATERAL (
	    SELECT min(y.id) AS id, count(*) AS n FROM (
		SELECT x.id, x.how, min(x.how) OVER () AS best FROM (
		    SELECT p.id, 1 AS how FROM participants p
		    WHERE p.conference_id = p_cid AND p.ref = k.key
		    UNION ALL
		    SELECT p.id, 2 FROM participants p
		    WHERE p.conference_id = p_cid AND lower(p.email) = lower(k.key)
		    UNION ALL
		    SELECT p.id, 3 FROM participants p
		    WHERE p.conference_id = p_cid AND lower(p.name) = lower(k.key)) x) y
	    WHERE y.how = y.best) m
	ORDER BY k.i
$$;

-- Participants are named by their name too (imports, the client).
CREATE INDEX participants_conference_name_idx ON participants
    (conference_id, lower(name));

-- The ids of the participants named by p_keys; KG422 on column p_column
-- naming every key that names nobody or several people.
CREATE FUNCTION kaigi_import_people_ids(p_cid bigint, p_keys text[],
    p_column text)
RETURNS bigint[] LANGUAGE plpgsql STABLE AS $$
DECLARE
	none	text;
	many	text;
	ids	bigint[];
BEGIN
	SELECT string_agg(key, ', ') FILTER (WHERE matches = 0),
	    string_agg(key, ', ') FILTER (WHERE matches > 1),
	    array_agg(id) FILTER (WHERE id IS NOT NULL)
	INTO none, many, ids
	FROM kaigi_import_people(p_cid, p_keys);
	IF none IS NOT NULL OR many IS NOT NULL THEN
		PERFORM kaigi_core_invalid(p_column, concat_ws('; ',
		    'no participant has this ref, e-mail or name: ' || none,
		    'several participants have this name (give their ref or e-mail): ' || many));
	END IF;
	RETURN coalesce(ids, '{}');
END $$;

-- ---------------------------------------------------------------------------
-- One row of each kind: find it by its natural key, then the API's create
-- or PATCH function. Each returns (how: created|updated|unchanged, the
-- id it wrote or found).
-- ---------------------------------------------------------------------------

-- venues: {name, address?}, known by name (any case).
CREATE FUNCTION kaigi_import_venue(p_actor jsonb, c conferences, r jsonb,
    OUT how text, OUT id bigint)
LANGUAGE plpgsql AS $$
DECLARE
	v	venues;
	body	jsonb := r - 'row';
BEGIN
	SELECT * INTO v FROM venues x WHERE x.conference_id = c.id
	    AND lower(x.name) = lower(r->>'name');
	IF v.id IS NULL THEN
		id := (kaigi_venue_create(p_actor, c.slug, body)->>'id')::bigint;
		how := 'created';
	ELSE
		id := v.id;
		how := kaigi_import_outcome(v.version,
		    kaigi_venue_patch(p_actor, v.id::text, body, NULL)::jsonb);
	END IF;
END $$;

-- KG422 when the row found by another key has a ref other than the row's.
CREATE FUNCTION kaigi_import_other_ref(p_what text, p_stored text, r jsonb)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF p_stored IS NOT NULL AND r->>'ref' IS NOT NULL
	    AND p_stored <> r->>'ref' THEN
		PERFORM kaigi_core_invalid('ref', format('%s has ref %s, not %s '
		    '(refs are changed by PATCH)', p_what, p_stored, r->>'ref'));
	END IF;
END $$;

-- rooms: {ref?, venue, name, capacity, kind?, usable_for_bilaterals?},
-- known by ref, else by name within the venue.
CREATE FUNCTION kaigi_import_room(p_actor jsonb, c conferences, r jsonb,
    OUT how text, OUT id bigint)
LANGUAGE plpgsql AS $$
DECLARE
	vid	bigint := kaigi_import_venue_id(c.id, r->>'venue', 'venue');
	x	rooms;
	body	jsonb := r - 'row' - 'venue' || jsonb_build_object('venue_id', vid);
BEGIN
	IF r->>'ref' IS NOT NULL THEN
		SELECT * INTO x FROM rooms y WHERE y.conference_id = c.id
		    AND y.ref = r->>'ref';
	END IF;
	IF x.id IS NULL THEN
		SELECT * INTO x FROM rooms y WHERE y.venue_id = vid
		    AND lower(y.name) = lower(r->>'name');
		PERFORM kaigi_import_other_ref(format('room %s', x.name), x.ref, r);
	END IF;
	IF x.id IS NULL THEN
		id := (kaigi_room_create(p_actor, c.slug, body)->>'id')::bigint;
		how := 'created';
	ELSE
		id := x.id;
		how := kaigi_import_outcome(x.version,
		    kaigi_room_patch(p_actor, x.id::text, body, NULL)::jsonb);
	END IF;
END $$;

-- delegations: {ref?, code, name, kind}, known by ref, else by code.
CREATE FUNCTION kaigi_import_delegation(p_actor jsonb, c conferences, r jsonb,
    OUT how text, OUT id bigint)
LANGUAGE plpgsql AS $$
DECLARE
	d	delegations;
	body	jsonb := r - 'row';
BEGIN
	IF r->>'ref' IS NOT NULL THEN
		SELECT * INTO d FROM delegations y WHERE y.conference_id = c.id
		    AND y.ref = r->>'ref';
	END IF;
	IF d.id IS NULL THEN
		SELECT * INTO d FROM delegations y WHERE y.conference_id = c.id
		    AND y.code = r->>'code';
		PERFORM kaigi_import_other_ref(format('delegation %s', d.code), d.ref, r);
	END IF;
	IF d.id IS NULL THEN
		id := (kaigi_delegation_create(p_actor, c.slug, body)->>'id')::bigint;
		how := 'created';
	ELSE
		id := d.id;
		how := kaigi_import_outcome(d.version,
		    kaigi_delegation_patch(p_actor, d.id::text, body, NULL)::jsonb);
	END IF;
END $$;

-- unavailability: {participant, start, end, reason?}, known by the
-- participant and the exact time; a changed reason is a PATCH.
CREATE FUNCTION kaigi_import_unavailability(p_actor jsonb, c conferences,
    r jsonb, OUT how text, OUT id bigint)
LANGUAGE plpgsql AS $$
DECLARE
	pid	bigint := (kaigi_import_people_ids(c.id, ARRAY[r->>'participant'],
		    'participant'))[1];
	t	jsonb := kaigi_import_times(r, ARRAY['start', 'end'], c.timezone);
	lo	timestamptz := (t->>'start')::timestamptz;
	hi	timestamptz := (t->>'end')::timestamptz;
	u	unavailability;
BEGIN
	IF hi <= lo THEN
		PERFORM kaigi_core_invalid('end', 'must be after start');
	ELSIF hi - lo > interval '366 days' THEN
		PERFORM kaigi_core_invalid('end', 'must be at most 366 days after start');
	END IF;
	SELECT * INTO u FROM unavailability y WHERE y.participant_id = pid
	    AND y.during = tstzrange(lo, hi, '[)');
	IF u.id IS NULL THEN
		id := (kaigi_unavailability_create(p_actor, pid::text,
		    jsonb_build_object('start', lo, 'end', hi,
			'reason', coalesce(r->>'reason', '')))->>'id')::bigint;
		how := 'created';
	ELSE
		id := u.id;
		how := kaigi_import_outcome(u.version, kaigi_unavailability_patch(
		    p_actor, pid::text, u.id::text, r - 'row' - 'participant'
			- 'start' - 'end', NULL)::jsonb);
	END IF;
END $$;

-- The body of a session row for kaigi_session_create/_update: room_id,
-- instants and attendee ids resolved; only the members the row has.
CREATE FUNCTION kaigi_import_session_body(c conferences, r jsonb)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
	body	jsonb := r - 'row' - 'ref' - 'venue' - 'room' - 'start' - 'end'
		    - 'attendees';
	e	jsonb := '[]';
	det	text;
BEGIN
	BEGIN
		body := body || kaigi_import_times(r, ARRAY['start', 'end'], c.timezone);
	EXCEPTION WHEN SQLSTATE 'KG422' THEN
		GET STACKED DIAGNOSTICS det = PG_EXCEPTION_DETAIL;
		e := e || (det::jsonb->'errors');
	END;
	BEGIN
		IF r ? 'room' THEN
			body := body || jsonb_build_object('room_id',
			    kaigi_import_room_id(c.id, r->>'venue', r->>'room'));
		END IF;
	EXCEPTION WHEN SQLSTATE 'KG422' THEN
		GET STACKED DIAGNOSTICS det = PG_EXCEPTION_DETAIL;
		e := e || (det::jsonb->'errors');
	END;
	BEGIN
		IF r ? 'attendees' THEN
			body := body || jsonb_build_object('attendees',
			    to_jsonb(kaigi_import_people_ids(c.id, ARRAY(
				SELECT jsonb_array_elements_text(r->'attendees')),
				'attendees')));
		END IF;
	EXCEPTION WHEN SQLSTATE 'KG422' THEN
		GET STACKED DIAGNOSTICS det = PG_EXCEPTION_DETAIL;
		e := e || (det::jsonb->'errors');
	END;
	IF jsonb_array_length(e) > 0 THEN
		PERFORM kaigi_import_fail(e);
	END IF;
	IF NOT body ? 'visibility' OR body->'visibility' = 'null' THEN
		body := body - 'visibility';
	END IF;
	RETURN body;
END $$;

-- The members of body (a session row's) that differ from session s.
CREATE FUNCTION kaigi_import_session_change(s sessions, body jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_object_agg(k, body->k), '{}') FROM jsonb_object_keys(body) k
	WHERE CASE k
	    WHEN 'kind' THEN body->>k IS DISTINCT FROM s.kind
	    WHEN 'title' THEN body->>k IS DISTINCT FROM s.title
	    WHEN 'description' THEN body->>k IS DISTINCT FROM s.description
	    WHEN 'room_id' THEN (body->>k)::bigint IS DISTINCT FROM s.room_id
	    WHEN 'start' THEN (body->>k)::timestamptz IS DISTINCT FROM s.starts_at
	    WHEN 'end' THEN (body->>k)::timestamptz IS DISTINCT FROM s.ends_at
	    WHEN 'status' THEN body->>k IS DISTINCT FROM s.status
	    WHEN 'visibility' THEN body->>k IS DISTINCT FROM s.visibility
	    WHEN 'attendees' THEN kaigi_session_ids(body->k) IS DISTINCT FROM
		(SELECT coalesce(array_agg(a.participant_id ORDER BY a.participant_id), '{}')
		FROM session_attendees a WHERE a.session_id = s.id)
	    WHEN 'delegations' THEN kaigi_session_codes(body->k) IS DISTINCT FROM
		(SELECT coalesce(array_agg(d.code ORDER BY d.code), '{}')
		FROM session_delegations sd JOIN delegations d ON d.id = sd.delegation_id
		WHERE sd.session_id = s.id)
	    ELSE false END
$$;

-- Give session p_sid the row's ref (when the row has one and it differs),
-- audited; KG409 with the existing id when another session has it.
CREATE FUNCTION kaigi_import_session_ref(p_actor jsonb, p_sid bigint, r jsonb)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
	s	sessions;
BEGIN
	SELECT * INTO s FROM sessions WHERE id = p_sid;
	IF NOT r ? 'ref' OR s.ref IS NOT DISTINCT FROM r->>'ref' THEN
		RETURN false;
	END IF;
	PERFORM kaigi_setup_taken('session', 'ref', r->>'ref', (SELECT x.id
	    FROM sessions x WHERE x.conference_id = s.conference_id
	    AND x.ref = r->>'ref' AND x.id <> s.id));
	UPDATE sessions SET ref = r->>'ref' WHERE id = s.id;
	PERFORM kaigi_session_audit(p_actor, s.conference_id, 'update', s.id,
	    jsonb_build_object('ref', s.ref), jsonb_build_object('ref', r->>'ref'));
	RETURN true;
END $$;

-- The session a row names: by ref, else by title and start (KG422 when
-- several have them); NULL when none does.
CREATE FUNCTION kaigi_import_session_find(c conferences, r jsonb, body jsonb)
RETURNS sessions LANGUAGE plpgsql STABLE AS $$
DECLARE
	s	sessions;
	ids	bigint[];
BEGIN
	IF r->>'ref' IS NOT NULL THEN
		SELECT * INTO s FROM sessions y WHERE y.conference_id = c.id
		    AND y.ref = r->>'ref';
		IF s.id IS NOT NULL THEN
			RETURN s;
		END IF;
	END IF;
	SELECT array_agg(y.id ORDER BY y.id) INTO ids FROM sessions y
	WHERE y.conference_id = c.id AND y.title = r->>'title'
	    AND y.starts_at = (body->>'start')::timestamptz;
	IF cardinality(ids) > 1 THEN
		PERFORM kaigi_core_invalid('title', format('%s sessions have this '
		    'title and start: give them refs', cardinality(ids)));
	END IF;
	SELECT * INTO s FROM sessions WHERE id = ids[1];
	PERFORM kaigi_import_other_ref(format('session %s', s.id), s.ref, r);
	RETURN s;
END $$;

-- sessions: {ref?, kind, title, description?, venue?, room?, start, end,
-- status?, visibility?, attendees?, delegations?}, known by ref, else by
-- title and start. Through kaigi_session_create, _update (a move raises
-- the sequence) and _cancel.
CREATE FUNCTION kaigi_import_session(p_actor jsonb, c conferences, r jsonb,
    OUT how text, OUT id bigint)
LANGUAGE plpgsql AS $$
DECLARE
	body	jsonb := kaigi_import_session_body(c, r);
	s	sessions := kaigi_import_session_find(c, r, body);
	change	jsonb;
BEGIN
	IF s.id IS NULL THEN
		id := (kaigi_session_create(p_actor, c.slug, body)->>'id')::bigint;
		PERFORM kaigi_import_session_ref(p_actor, id, r);
		how := 'created';
		RETURN;
	END IF;
	id := s.id;
	change := kaigi_import_session_change(s, body);
	how := CASE WHEN change <> '{}' THEN 'updated' ELSE 'unchanged' END;
	IF change->>'status' = 'cancelled' THEN
		PERFORM kaigi_session_cancel(p_actor, s.id, NULL);
		change := change - 'status';
	END IF;
	IF change <> '{}' THEN
		PERFORM kaigi_session_update(p_actor, s.id, NULL, change);
	END IF;
	IF kaigi_import_session_ref(p_actor, s.id, r) THEN
		how := 'updated';
	END IF;
END $$;

-- The request a bilateral row names: by ref, else by its two parties
-- (KG422 when several requests join them and none is open); NULL if none.
CREATE FUNCTION kaigi_import_bilateral_find(c conferences, r jsonb)
RETURNS bilateral_requests LANGUAGE plpgsql STABLE AS $$
DECLARE
	b	bilateral_requests;
	ids	bigint[];
BEGIN
	IF r->>'ref' IS NOT NULL THEN
		SELECT * INTO b FROM bilateral_requests y WHERE y.conference_id = c.id
		    AND y.ref = r->>'ref';
		IF b.id IS NOT NULL THEN
			RETURN b;
		END IF;
	END IF;
	SELECT array_agg(y.id ORDER BY y.status IN ('declined', 'withdrawn',
	    'cancelled'), y.id) INTO ids
	FROM bilateral_requests y
	JOIN delegations rq ON rq.id = y.requester_delegation_id
	JOIN delegations cp ON cp.id = y.counterpart_delegation_id
	WHERE y.conference_id = c.id AND rq.code = r->>'requester'
	    AND cp.code = r->>'counterpart' AND (r->>'ref' IS NULL OR y.ref IS NULL);
	IF cardinality(ids) > 1 AND (SELECT count(*) FROM bilateral_requests y
	    WHERE y.id = ANY (ids) AND y.status NOT IN ('declined', 'withdrawn',
		'cancelled')) <> 1 THEN
		PERFORM kaigi_core_invalid('counterpart', format('%s requests from %s '
		    'to %s: give them refs', cardinality(ids), r->>'requester',
		    r->>'counterpart'));
	END IF;
	SELECT * INTO b FROM bilateral_requests WHERE id = ids[1];
	RETURN b;
END $$;

-- Place accepted request p_id at p_start in room p_room: on the bilateral
-- session already there for its two parties (sessions imported first), or
-- on a new one (POST /bilaterals/{id}/schedule).
CREATE FUNCTION kaigi_import_bilateral_place(p_actor jsonb, p_id bigint,
    p_start timestamptz, p_room bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	b	bilateral_requests;
	sid	bigint;
BEGIN
	SELECT * INTO b FROM bilateral_requests WHERE id = p_id;
	IF p_start IS NULL THEN
		PERFORM kaigi_core_invalid('start',
		    'a scheduled request needs the start (and room) of its meeting');
	END IF;
	SELECT s.id INTO sid FROM sessions s
	WHERE s.conference_id = b.conference_id AND s.kind = 'bilateral'
	    AND s.starts_at = p_start AND s.room_id IS NOT DISTINCT FROM p_room
	    AND ARRAY(SELECT sd.delegation_id FROM session_delegations sd
		WHERE sd.session_id = s.id ORDER BY 1) = ARRAY(SELECT unnest(ARRAY[
		b.requester_delegation_id, b.counterpart_delegation_id]) ORDER BY 1)
	    AND NOT EXISTS (SELECT 1 FROM bilateral_requests o WHERE o.session_id = s.id)
	ORDER BY s.status = 'cancelled', s.id LIMIT 1;
	IF sid IS NULL THEN
		PERFORM kaigi_bilateral_schedule(p_actor, p_id, p_start, p_room);
		RETURN;
	END IF;
	UPDATE bilateral_requests SET status = 'scheduled', session_id = sid
	WHERE id = p_id;
	PERFORM kaigi_bilateral_audit(p_actor, b.conference_id, 'schedule', p_id,
	    jsonb_build_object('status', b.status), kaigi_bilateral_json(p_id));
END $$;

-- Move request p_id from its status to p_to by the workflow's steps (the
-- API's accept, decline, withdraw and schedule); KG422 on "status" when
-- no step leads there.
CREATE FUNCTION kaigi_import_bilateral_status(p_actor jsonb, p_id bigint,
    p_to text, p_start timestamptz, p_room bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	st	text := (SELECT status FROM bilateral_requests WHERE id = p_id);
BEGIN
	IF st = 'requested' AND p_to IN ('accepted', 'scheduled', 'cancelled') THEN
		PERFORM kaigi_bilateral_transition(p_actor, p_id, 'accept');
		st := 'accepted';
	END IF;
	IF st = 'accepted' AND p_to IN ('scheduled', 'cancelled') THEN
		PERFORM kaigi_import_bilateral_place(p_actor, p_id, p_start, p_room);
		st := 'scheduled';
	END IF;
	IF (st = 'requested' AND p_to = 'declined') THEN
		PERFORM kaigi_bilateral_transition(p_actor, p_id, 'decline');
	ELSIF (st IN ('requested', 'accepted') AND p_to = 'withdrawn')
	    OR (st = 'scheduled' AND p_to = 'cancelled') THEN
		PERFORM kaigi_bilateral_transition(p_actor, p_id, 'withdraw');
	ELSIF st <> p_to THEN
		PERFORM kaigi_core_invalid('status', format('a %s request cannot '
		    'become %s', st, p_to));
	END IF;
END $$;

-- KG422 when a scheduled request's meeting is not where the row says.
CREATE FUNCTION kaigi_import_bilateral_where(b bilateral_requests,
    p_start timestamptz, p_room bigint, r jsonb)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	s	sessions;
BEGIN
	SELECT * INTO s FROM sessions WHERE id = b.session_id;
	IF s.id IS NOT NULL AND ((r ? 'start' AND p_start IS DISTINCT FROM s.starts_at)
	    OR (r ? 'room' AND p_room IS DISTINCT FROM s.room_id)) THEN
		PERFORM kaigi_core_invalid('start', format('the request is %s in '
		    'session %s: move that session instead', b.status, s.id));
	END IF;
END $$;

-- bilaterals: {ref?, requester, counterpart, duration_minutes, earliest?,
-- latest?, priority?, level?, topics?, status?, start?, venue?, room?},
-- known by ref, else by the two parties. Through kaigi_bilateral_create,
-- _patch and the workflow (accept, decline, withdraw, schedule).
CREATE FUNCTION kaigi_import_bilateral(p_actor jsonb, c conferences, r jsonb,
    OUT how text, OUT id bigint)
LANGUAGE plpgsql AS $$
DECLARE
	t	jsonb := kaigi_import_times(r, ARRAY['earliest', 'latest', 'start'],
		    c.timezone);
	rid	bigint := kaigi_import_room_id(c.id, r->>'venue', r->>'room');
	body	jsonb := r - 'row' - 'requester' - 'counterpart' - 'status'
		    - 'start' - 'venue' - 'room' || (t - 'start');
	b	bilateral_requests := kaigi_import_bilateral_find(c, r);
	v	int;
BEGIN
	IF b.id IS NULL THEN
		id := (kaigi_bilateral_create(p_actor, c.slug, body || jsonb_build_object(
		    'requester', r->'requester', 'counterpart', r->'counterpart'))->>'id')::bigint;
		IF r->>'ref' IS NOT NULL THEN
			PERFORM kaigi_bilateral_patch(p_actor, id::text,
			    jsonb_build_object('ref', r->'ref'), NULL);
		END IF;
		PERFORM kaigi_import_bilateral_status(p_actor, id,
		    coalesce(r->>'status', 'requested'), (t->>'start')::timestamptz, rid);
		how := 'created';
		RETURN;
	END IF;
	id := b.id;
	v := b.version;
	IF kaigi_bilateral_merge(b, body) IS DISTINCT FROM b THEN
		PERFORM kaigi_bilateral_patch(p_actor, b.id::text, body, NULL);
	END IF;
	IF r->>'status' IS NOT NULL AND r->>'status' <> b.status THEN
		PERFORM kaigi_import_bilateral_status(p_actor, b.id, r->>'status',
		    (t->>'start')::timestamptz, rid);
	ELSE
		PERFORM kaigi_import_bilateral_where(b, (t->>'start')::timestamptz, rid, r);
	END IF;
	how := CASE WHEN (SELECT version FROM bilateral_requests WHERE bilateral_requests.id = b.id) = v
	    THEN 'unchanged' ELSE 'updated' END;
END $$;

-- ---------------------------------------------------------------------------
-- Kinds written as a whole: travel times (one PATCH) and participants
-- (set-based). Each returns {created, updated, unchanged, errors}.
-- ---------------------------------------------------------------------------

-- travel-times: {from_venue, to_venue, minutes}, known by the pair; a pair
-- given one way only holds both ways (as PUT does). Written by one
-- kaigi_travel_times_patch (one audit row).
CREATE FUNCTION kaigi_import_travel(p_actor jsonb, c conferences, p_rows jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
	e	jsonb;
	res	jsonb;
	pairs	jsonb;
	names	text := kaigi_import_list(ARRAY(SELECT name FROM venues
		    WHERE conference_id = c.id ORDER BY id));
BEGIN
	CREATE TEMP TABLE import_travel ON COMMIT DROP AS
	SELECT (r->>'row')::int AS row, r->>'from_venue' AS fname,
	    r->>'to_venue' AS tname, (r->>'minutes')::int AS minutes,
	    kaigi_import_venue_of(c.id, r->>'from_venue') AS f,
	    kaigi_import_venue_of(c.id, r->>'to_venue') AS t
	FROM jsonb_array_elements(p_rows) r;
	SELECT coalesce(jsonb_agg(x.e ORDER BY (x.e->>'row')::int), '[]') INTO e FROM (
	    SELECT kaigi_import_err(row, 'from_venue', format('no venue called %s; '
		'the venues are: %s', fname, names)) FROM import_travel WHERE f IS NULL
	    UNION ALL
	    SELECT kaigi_import_err(row, 'to_venue', format('no venue called %s; '
		'the venues are: %s', tname, names)) FROM import_travel WHERE t IS NULL
	    UNION ALL
	    SELECT kaigi_import_err(row, 'to_venue', 'must differ from from_venue')
	    FROM import_travel WHERE f = t
	    UNION ALL
	    SELECT kaigi_import_err(a.row, 'to_venue', format('the same pair as row %s',
		min(b.row))) FROM import_travel a JOIN import_travel b
		ON (b.f, b.t) = (a.f, a.t) AND b.row < a.row GROUP BY a.row) x (e);
	IF jsonb_array_length(e) > 0 THEN
		DROP TABLE import_travel;
		RETURN jsonb_build_object('errors', e);
	END IF;
	WITH given AS (SELECT * FROM import_travel),
	pair AS (SELECT row, f, t, minutes FROM given
	    UNION ALL SELECT g.row, g.t, g.f, g.minutes FROM given g WHERE NOT EXISTS (
		SELECT 1 FROM given h WHERE h.f = g.t AND h.t = g.f)),
	judged AS (SELECT p.*, x.minutes AS stored FROM pair p
	    LEFT JOIN travel_times x ON x.from_venue_id = p.f AND x.to_venue_id = p.t),
	per_row AS (SELECT g.row, bool_or(j.f = g.f AND j.t = g.t AND j.stored IS NULL) AS new,
	    bool_or(j.stored IS DISTINCT FROM j.minutes) AS changed
	    FROM given g JOIN judged j ON j.row = g.row GROUP BY g.row)
	SELECT jsonb_build_object(
	    'created', coalesce(jsonb_agg(row ORDER BY row) FILTER (WHERE new), '[]'),
	    'updated', coalesce(jsonb_agg(row ORDER BY row) FILTER (WHERE changed AND NOT new), '[]'),
	    'unchanged', coalesce(jsonb_agg(row ORDER BY row) FILTER (WHERE NOT changed), '[]'),
	    'errors', '[]'::jsonb),
	    (SELECT jsonb_agg(jsonb_build_object('from_venue_id', j.f, 'to_venue_id', j.t,
		'minutes', j.minutes)) FROM judged j WHERE j.stored IS DISTINCT FROM j.minutes)
	INTO res, pairs FROM per_row;
	IF pairs IS NOT NULL THEN
		PERFORM kaigi_travel_times_patch(p_actor, c.slug, pairs);
	END IF;
	DROP TABLE import_travel;
	RETURN res;
END $$;

-- The venue of conference p_cid called p_name (any case), or NULL.
CREATE FUNCTION kaigi_import_venue_of(p_cid bigint, p_name text)
RETURNS bigint LANGUAGE sql STABLE AS $$
	SELECT id FROM venues WHERE conference_id = p_cid AND lower(name) = lower(p_name)
$$;

-- participants, step 1: the rows in a temporary table, with their
-- delegation and the participant each names: by ref, else e-mail (any
-- case), else the one participant of the delegation with that name and
-- neither ref nor e-mail (which the row may then give).
CREATE FUNCTION kaigi_import_people_load(c conferences, p_rows jsonb)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	CREATE TEMP TABLE import_people ON COMMIT DROP AS
	SELECT (r->>'row')::int AS row, r ? 'ref' AS has_ref, r->>'ref' AS ref,
	    r->>'delegation' AS code, r->>'name' AS name, r ? 'title' AS has_title,
	    r->>'title' AS title, r->>'role' AS role, r ? 'email' AS has_email,
	    r->>'email' AS email, r ? 'timezone' AS has_timezone,
	    r->>'timezone' AS timezone, NULL::bigint AS did, NULL::bigint AS id
	FROM jsonb_array_elements(p_rows) r;
	UPDATE import_people i SET did = d.id FROM delegations d
	WHERE d.conference_id = c.id AND d.code = i.code;
	UPDATE import_people i SET id = p.id FROM participants p
	WHERE p.conference_id = c.id AND i.ref IS NOT NULL AND p.ref = i.ref;
	UPDATE import_people i SET id = p.id FROM participants p
	WHERE i.id IS NULL AND i.email IS NOT NULL AND p.conference_id = c.id
	    AND lower(p.email) = lower(i.email);
	UPDATE import_people i SET id = p.id FROM participants p
	WHERE i.id IS NULL AND p.conference_id = c.id AND p.delegation_id = i.did
	    AND lower(p.name) = lower(i.name) AND p.email IS NULL AND p.ref IS NULL
	    AND NOT EXISTS (SELECT 1 FROM participants q WHERE q.conference_id = c.id
		AND q.delegation_id = i.did AND lower(q.name) = lower(i.name)
		AND q.email IS NULL AND q.ref IS NULL AND q.id <> p.id);
	ANALYZE import_people;
END $$;

-- participants, step 2: what kaigi_participant_create and _patch would
-- refuse, and rows that name one participant twice.
CREATE FUNCTION kaigi_import_people_errors(c conferences)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT coalesce(jsonb_agg(e ORDER BY (e->>'row')::int), '[]') FROM (
	    SELECT DISTINCT ON ((x.e->>'row')::int, x.e->>'column') x.e FROM (
		SELECT kaigi_import_err(row, 'delegation', format('no delegation %s '
		    'in this conference; the codes are %s', code, kaigi_import_list(
			ARRAY(SELECT d.code FROM delegations d
			    WHERE d.conference_id = c.id ORDER BY d.code))))
		FROM import_people WHERE did IS NULL
		UNION ALL
		SELECT kaigi_import_err(i.row, 'delegation', format('participant %s '
		    'is in delegation %s: a participant does not change delegation '
		    '(remove and add them)', p.id, d.code))
		FROM import_people i JOIN participants p ON p.id = i.id
		JOIN delegations d ON d.id = p.delegation_id WHERE p.delegation_id <> i.did
		UNION ALL
		SELECT kaigi_import_err(i.row, CASE WHEN i.ref IS NOT NULL THEN 'ref'
		    WHEN i.email IS NOT NULL THEN 'email' ELSE 'name' END,
		    format('the same participant as row %s', i.first))
		FROM (SELECT *, min(row) OVER (PARTITION BY coalesce(id::text,
		    'ref:' || ref)) AS first FROM import_people
		    WHERE id IS NOT NULL OR ref IS NOT NULL) i WHERE i.row > i.first
		UNION ALL
		SELECT kaigi_import_err(i.row, 'email', format('the same e-mail as '
		    'row %s', i.first))
		FROM (SELECT *, min(row) OVER (PARTITION BY lower(email)) AS first
		    FROM import_people WHERE email IS NOT NULL) i WHERE i.row > i.first
		UNION ALL
		SELECT kaigi_import_err(i.row, 'email', format('is already that of '
		    'participant %s (%s)', p.id, p.name))
		FROM import_people i JOIN participants p ON p.conference_id = c.id
		    AND lower(p.email) = lower(i.email) AND p.id IS DISTINCT FROM i.id
		UNION ALL
		SELECT kaigi_import_err(i.row, 'ref', format('is already that of '
		    'participant %s (%s)', p.id, p.name))
		FROM import_people i JOIN participants p ON p.conference_id = c.id
		    AND p.ref = i.ref AND p.id IS DISTINCT FROM i.id
		UNION ALL
		SELECT kaigi_import_err(i.row, 'name', format('the same name as row %s '
		    'in delegation %s: give people who share a name a ref or an e-mail',
		    i.first, i.code))
		FROM (SELECT *, min(row) OVER (PARTITION BY did, lower(name)) AS first
		    FROM import_people WHERE ref IS NULL AND email IS NULL) i
		WHERE i.row > i.first
		UNION ALL
		SELECT kaigi_import_err(i.row, 'name', format('%s participants of %s are '
		    'called %s: give the row a ref or an e-mail', count(*), i.code, i.name))
		FROM import_people i JOIN participants p ON p.delegation_id = i.did
		    AND lower(p.name) = lower(i.name)
		WHERE i.id IS NULL AND i.ref IS NULL AND i.email IS NULL
		GROUP BY i.row, i.code, i.name HAVING count(*) > 1
		UNION ALL
		SELECT kaigi_import_err(row, 'timezone',
		    'is not a time zone the database knows')
		FROM import_people WHERE timezone IS NOT NULL
		    AND NOT kaigi_valid_timezone(timezone)) x (e)
	    ORDER BY (x.e->>'row')::int, x.e->>'column') y (e));
END $$;

-- participants, step 3: the changed rows updated and the new ones
-- inserted, each with the audit row kaigi_participant_patch or _create
-- writes; a column the file lacks keeps its stored value. The row numbers
-- of the updated ones.
CREATE FUNCTION kaigi_import_people_apply(p_actor jsonb, c conferences)
RETURNS int[] LANGUAGE plpgsql AS $$
DECLARE
	upd	int[];
BEGIN
	WITH n AS (SELECT i.row, p AS old, i.name, CASE WHEN i.has_title
		THEN coalesce(i.title, '') ELSE p.title END AS title, i.role,
		CASE WHEN i.has_email THEN i.email ELSE p.email END AS email,
		CASE WHEN i.has_timezone THEN i.timezone ELSE p.timezone END AS timezone,
		CASE WHEN i.has_ref THEN i.ref ELSE p.ref END AS ref
	    FROM import_people i JOIN participants p ON p.id = i.id),
	u AS (UPDATE participants p SET name = n.name, title = n.title,
		role = n.role, email = n.email, timezone = n.timezone, ref = n.ref
	    FROM n WHERE p.id = (n.old).id AND (n.name, n.title, n.role, n.email,
		n.timezone, n.ref) IS DISTINCT FROM ((n.old).name, (n.old).title,
		(n.old).role, (n.old).email, (n.old).timezone, (n.old).ref)
	    RETURNING n.row, n.old, p AS new),
	a AS (INSERT INTO audit_log (conference_id, token_id, role, action,
		entity, entity_id, before, after)
	    SELECT c.id, (p_actor->>'token_id')::bigint, p_actor->>'role', 'update',
		'participant', (u.new).id, kaigi_participant_json(u.old, c.slug)::jsonb,
		kaigi_participant_json(u.new, c.slug)::jsonb FROM u)
	SELECT coalesce(array_agg(u.row ORDER BY u.row), '{}') INTO upd FROM u;
	WITH ins AS (INSERT INTO participants AS p (conference_id, delegation_id,
		name, title, role, email, timezone, ref)
	    SELECT c.id, did, name, coalesce(title, ''), role, email, timezone, ref
	    FROM import_people WHERE id IS NULL ORDER BY row
	    RETURNING p AS new)
	INSERT INTO audit_log (conference_id, token_id, role, action, entity,
	    entity_id, before, after)
	SELECT c.id, (p_actor->>'token_id')::bigint, p_actor->>'role', 'create',
	    'participant', (ins.new).id, NULL,
	    kaigi_participant_json(ins.new, c.slug)::jsonb FROM ins;
	RETURN upd;
END $$;

-- participants: {ref?, delegation, name, title?, role, email?, timezone?},
-- known by ref, else e-mail, else name within the delegation (for people
-- with neither). Set-based: 20,000 rows in one statement each.
CREATE FUNCTION kaigi_import_participants(p_actor jsonb, c conferences,
    p_rows jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
	e	jsonb;
	upd	int[];
	cn	text;
BEGIN
	PERFORM kaigi_import_people_load(c, p_rows);
	e := kaigi_import_people_errors(c);
	IF jsonb_array_length(e) = 0 THEN
		BEGIN
			upd := kaigi_import_people_apply(p_actor, c);
		EXCEPTION WHEN unique_violation THEN
			GET STACKED DIAGNOSTICS cn = CONSTRAINT_NAME;
			PERFORM kaigi_setup_unique_failed(cn);
		WHEN check_violation THEN
			GET STACKED DIAGNOSTICS cn = CONSTRAINT_NAME;
			PERFORM kaigi_core_check_failed(cn);
		END;
	END IF;
	SELECT jsonb_build_object('errors', e,
	    'created', coalesce(jsonb_agg(i.row ORDER BY i.row) FILTER (WHERE i.id IS NULL), '[]'),
	    'updated', coalesce(jsonb_agg(i.row ORDER BY i.row) FILTER (WHERE u.r IS NOT NULL), '[]'),
	    'unchanged', coalesce(jsonb_agg(i.row ORDER BY i.row)
		FILTER (WHERE i.id IS NOT NULL AND u.r IS NULL), '[]'))
	INTO e FROM import_people i LEFT JOIN unnest(upd) u (r) ON u.r = i.row;
	DROP TABLE import_people;
	RETURN e;
END $$;

-- ---------------------------------------------------------------------------
-- The import
-- ---------------------------------------------------------------------------

-- Rows of the file that name the same thing as an earlier row (by the
-- kind's natural key as written): an error each, and left out.
CREATE FUNCTION kaigi_import_repeats(p_kind text, p_rows jsonb)
RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
	SELECT coalesce(jsonb_agg(kaigi_import_err(k.row, k.col, format(
	    'the same %s as row %s', rtrim(replace(p_kind, 'unavailability',
		'unavailability block'), 's'), k.first)) ORDER BY k.row), '[]')
	FROM (SELECT x.row, x.col, min(x.row) OVER (PARTITION BY x.key) AS first
	    FROM (SELECT (r->>'row')::int AS row,
		CASE WHEN r->>'ref' IS NOT NULL THEN 'ref' ELSE CASE p_kind
		    WHEN 'delegations' THEN 'code' WHEN 'unavailability' THEN 'start'
		    WHEN 'bilaterals' THEN 'counterpart' ELSE 'name' END END AS col,
		CASE WHEN r->>'ref' IS NOT NULL THEN jsonb_build_array('ref', r->>'ref')
		ELSE CASE p_kind
		    WHEN 'venues' THEN jsonb_build_array(lower(r->>'name'))
		    WHEN 'rooms' THEN jsonb_build_array(lower(r->>'venue'), lower(r->>'name'))
		    WHEN 'delegations' THEN jsonb_build_array(r->>'code')
		    WHEN 'unavailability' THEN jsonb_build_array(lower(r->>'participant'),
			r->>'start', r->>'end')
		    WHEN 'sessions' THEN jsonb_build_array(r->>'title', r->>'start')
		    WHEN 'bilaterals' THEN jsonb_build_array(r->>'requester',
			r->>'counterpart')
		    END END AS key
	    FROM jsonb_array_elements(p_rows) r) x) k
	WHERE k.row > k.first
$$;

-- One row of a kind written row by row.
CREATE FUNCTION kaigi_import_row(p_actor jsonb, c conferences, p_kind text,
    r jsonb, OUT how text, OUT id bigint)
LANGUAGE plpgsql AS $$
BEGIN
	CASE p_kind
	WHEN 'venues' THEN
		SELECT * INTO how, id FROM kaigi_import_venue(p_actor, c, r);
	WHEN 'rooms' THEN
		SELECT * INTO how, id FROM kaigi_import_room(p_actor, c, r);
	WHEN 'delegations' THEN
		SELECT * INTO how, id FROM kaigi_import_delegation(p_actor, c, r);
	WHEN 'unavailability' THEN
		SELECT * INTO how, id FROM kaigi_import_unavailability(p_actor, c, r);
	WHEN 'sessions' THEN
		SELECT * INTO how, id FROM kaigi_import_session(p_actor, c, r);
	WHEN 'bilaterals' THEN
		SELECT * INTO how, id FROM kaigi_import_bilateral(p_actor, c, r);
	END CASE;
END $$;

-- The kinds written row by row: each row in its own sub-transaction, so
-- that a bad one is named and the next still tried.
CREATE FUNCTION kaigi_import_each(p_actor jsonb, c conferences, p_kind text,
    p_rows jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
	columns	constant jsonb := '{"venue_id": "venue", "room_id": "room",
	    "participant_id": "participant", "from_venue_id": "from_venue",
	    "to_venue_id": "to_venue"}';
	rep	jsonb := kaigi_import_repeats(p_kind, p_rows);
	done	int[] := ARRAY(SELECT (e->>'row')::int FROM jsonb_array_elements(rep) e);
	errs	jsonb[] := ARRAY(SELECT e FROM jsonb_array_elements(rep) e);
	r	jsonb;
	x	record;
	st	text;
	msg	text;
	det	text;
	created	int[] := '{}';
	updated	int[] := '{}';
	same	int[] := '{}';
BEGIN
	FOR r IN SELECT e FROM jsonb_array_elements(p_rows) e
	    WHERE NOT (e->>'row')::int = ANY (done) LOOP
		BEGIN
			SELECT * INTO x FROM kaigi_import_row(p_actor, c, p_kind, r);
			CASE x.how
			WHEN 'created' THEN created := created || (r->>'row')::int;
			WHEN 'updated' THEN updated := updated || (r->>'row')::int;
			ELSE same := same || (r->>'row')::int;
			END CASE;
		EXCEPTION WHEN OTHERS THEN
			GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE,
			    msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
			IF st NOT LIKE 'KG4%' AND st NOT LIKE '22%' AND st NOT LIKE '23%' THEN
				RAISE;
			END IF;
			errs := errs || ARRAY(SELECT jsonb_array_elements(kaigi_import_caught(
			    (r->>'row')::int, st, msg, det, columns)));
		END;
	END LOOP;
	RETURN jsonb_build_object('created', to_jsonb(created), 'updated',
	    to_jsonb(updated), 'unchanged', to_jsonb(same), 'errors',
	    (SELECT coalesce(jsonb_agg(e ORDER BY (e->>'row')::int), '[]')
		FROM unnest(errs) e));
END $$;

-- The rows of one kind, written: {created, updated, unchanged, errors}.
CREATE FUNCTION kaigi_import_run(p_actor jsonb, c conferences, p_kind text,
    p_rows jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
	CASE p_kind
	WHEN 'participants' THEN
		RETURN kaigi_import_participants(p_actor, c, p_rows);
	WHEN 'travel-times' THEN
		RETURN kaigi_import_travel(p_actor, c, p_rows);
	WHEN 'venues', 'rooms', 'delegations', 'unavailability', 'sessions',
	    'bilaterals' THEN
		RETURN kaigi_import_each(p_actor, c, p_kind, p_rows);
	ELSE
		PERFORM kaigi_core_invalid('kind', 'no such kind of import');
	END CASE;
	RETURN NULL;
END $$;

-- POST /conferences/{slug}/import?kind=K[&dry_run=true] (secretariat):
-- p_rows as server/import/rows.c checked them ([{row, column: value}]).
-- KG422 with every row's errors and nothing stored, or
-- {kind, dry_run, rows, created, updated, unchanged} (row numbers). One
-- import of a conference at a time. A dry run is undone before it
-- returns; a real one writes an "import" audit row beside the rows' own.
CREATE FUNCTION kaigi_import(p_actor jsonb, p_slug text, p_kind text,
    p_rows jsonb, p_dry_run boolean)
RETURNS jsonb LANGUAGE plpgsql
-- The set-based statements over 20,000 rows look costly enough to the
-- planner that JIT compiles them, which took longer than running them.
SET jit = off AS $$
DECLARE
	c	conferences := kaigi_core_conference(p_slug);
	res	jsonb;
	det	text;
	n	int;
BEGIN
	PERFORM kaigi_core_need_secretariat(p_actor, c.id);
	PERFORM pg_advisory_xact_lock(hashtextextended('kaigi_import ' || c.id, 0));
	BEGIN
		res := kaigi_import_run(p_actor, c, p_kind, p_rows);
		n := (SELECT count(DISTINCT e->>'row') FROM jsonb_array_elements(res->'errors') e);
		IF n > 0 THEN
			RAISE EXCEPTION USING ERRCODE = 'KG422',
			    MESSAGE = format('%s row(s) have errors; nothing was stored', n),
			    DETAIL = jsonb_build_object('errors', res->'errors')::text;
		END IF;
		IF p_dry_run THEN
			RAISE EXCEPTION USING ERRCODE = 'KGDRY', MESSAGE = 'dry run',
			    DETAIL = res::text;
		END IF;
	EXCEPTION WHEN SQLSTATE 'KGDRY' THEN
		GET STACKED DIAGNOSTICS det = PG_EXCEPTION_DETAIL;
		res := det::jsonb;
	END;
	res := jsonb_build_object('kind', p_kind, 'dry_run', p_dry_run,
	    'rows', jsonb_array_length(p_rows)) || (res - 'errors');
	IF NOT p_dry_run THEN
		PERFORM kaigi_core_audit(p_actor, c.id, 'import', p_kind, NULL, NULL,
		    jsonb_build_object('rows', res->'rows',
			'created', jsonb_array_length(res->'created'),
			'updated', jsonb_array_length(res->'updated'),
			'unchanged', jsonb_array_length(res->'unchanged')));
	END IF;
	RETURN res;
END $$;

-- ---------------------------------------------------------------------------
-- Export: the rows as the import reads them back
-- ---------------------------------------------------------------------------

-- KG401/KG403 unless the actor may export p_kind of conference c, as the
-- kind's list route allows: participants and unavailability only the
-- secretariat and the conference's liaisons (who see their delegation's);
-- the other kinds anyone (sessions and bilaterals filtered as listed).
CREATE FUNCTION kaigi_export_may(p_actor jsonb, c conferences, p_kind text)
RETURNS void LANGUAGE plpgsql STABLE AS $$
BEGIN
	IF p_kind NOT IN ('participants', 'unavailability')
	    OR kaigi_core_is_secretariat(p_actor, c.id) THEN
		RETURN;
	END IF;
	IF p_actor->>'role' = 'none' THEN
		RAISE EXCEPTION USING ERRCODE = 'KG401',
		    MESSAGE = format('%s are exported with a token (secretariat or liaison)',
			p_kind);
	END IF;
	IF p_actor->>'role' <> 'liaison'
	    OR (p_actor->>'conference_id')::bigint IS DISTINCT FROM c.id THEN
		RAISE EXCEPTION USING ERRCODE = 'KG403',
		    MESSAGE = format('only the secretariat and the liaisons of this '
			'conference may export %s', p_kind);
	END IF;
END $$;

-- How an export names participant p: ref, else e-mail, else name; only
-- the name to whom may not list p (its e-mail is not theirs to see).
CREATE FUNCTION kaigi_export_person(p participants, p_actor jsonb)
RETURNS text LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN kaigi_core_is_secretariat(p_actor, p.conference_id)
	    OR kaigi_core_is_liaison_of(p_actor, p.delegation_id)
	    THEN coalesce(p.ref, p.email, p.name) ELSE p.name END
$$;

-- The participants the actor may list (all for the secretariat).
CREATE FUNCTION kaigi_export_people(p_actor jsonb, p_cid bigint)
RETURNS SETOF participants LANGUAGE sql STABLE AS $$
	SELECT p.* FROM participants p WHERE p.conference_id = p_cid
	    AND (kaigi_core_is_secretariat(p_actor, p_cid)
		OR kaigi_core_is_liaison_of(p_actor, p.delegation_id))
$$;

-- Venues, rooms, travel times and delegations: public, in id order.
CREATE FUNCTION kaigi_export_setup(c conferences, p_kind text)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(x.o ORDER BY x.k1, x.k2), '[]') FROM (
	    SELECT jsonb_build_object('name', v.name, 'address', v.address) AS o,
		v.id AS k1, 0::bigint AS k2
	    FROM venues v WHERE p_kind = 'venues' AND v.conference_id = c.id
	    UNION ALL
	    SELECT jsonb_build_object('ref', r.ref, 'venue', v.name, 'name', r.name,
		'capacity', r.capacity, 'kind', r.kind,
		'usable_for_bilaterals', r.usable_for_bilaterals), r.id, 0
	    FROM rooms r JOIN venues v ON v.id = r.venue_id
	    WHERE p_kind = 'rooms' AND r.conference_id = c.id
	    UNION ALL
	    SELECT jsonb_build_object('from_venue', f.name, 'to_venue', t.name,
		'minutes', x.minutes), x.from_venue_id, x.to_venue_id
	    FROM travel_times x JOIN venues f ON f.id = x.from_venue_id
	    JOIN venues t ON t.id = x.to_venue_id
	    WHERE p_kind = 'travel-times' AND x.conference_id = c.id
	    UNION ALL
	    SELECT jsonb_build_object('ref', d.ref, 'code', d.code, 'name', d.name,
		'kind', d.kind), d.id, 0
	    FROM delegations d WHERE p_kind = 'delegations' AND d.conference_id = c.id) x
$$;

-- Participants and their unavailability, as far as the actor may list them.
CREATE FUNCTION kaigi_export_persons(p_actor jsonb, c conferences, p_kind text)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(x.o ORDER BY x.k1, x.k2, x.k3), '[]') FROM (
	    SELECT jsonb_build_object('ref', p.ref, 'delegation', d.code,
		'name', p.name, 'title', p.title, 'role', p.role, 'email', p.email,
		'timezone', p.timezone) AS o, p.id AS k1, NULL::timestamptz AS k2,
		0::bigint AS k3
	    FROM kaigi_export_people(p_actor, c.id) p
	    JOIN delegations d ON d.id = p.delegation_id
	    WHERE p_kind = 'participants'
	    UNION ALL
	    SELECT jsonb_build_object('participant', kaigi_export_person(p, p_actor),
		'start', kaigi_ts(lower(u.during), c.timezone),
		'end', kaigi_ts(upper(u.during), c.timezone), 'reason', u.reason),
		p.id, lower(u.during), u.id
	    FROM kaigi_export_people(p_actor, c.id) p
	    JOIN unavailability u ON u.participant_id = p.id
	    WHERE p_kind = 'unavailability') x
$$;

-- The sessions the actor may see, by start.
CREATE FUNCTION kaigi_export_sessions(p_actor jsonb, c conferences)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(jsonb_build_object('ref', s.ref, 'kind', s.kind,
	    'title', s.title, 'description', s.description, 'venue', v.name,
	    'room', r.name, 'start', kaigi_ts(s.starts_at, c.timezone),
	    'end', kaigi_ts(s.ends_at, c.timezone), 'status', s.status,
	    'visibility', s.visibility,
	    'attendees', (SELECT string_agg(kaigi_export_person(p, p_actor), ';'
		ORDER BY p.id) FROM session_attendees a
		JOIN participants p ON p.id = a.participant_id
		WHERE a.session_id = s.id),
	    'delegations', (SELECT string_agg(d.code, ';' ORDER BY d.code)
		FROM session_delegations sd JOIN delegations d ON d.id = sd.delegation_id
		WHERE sd.session_id = s.id))
	    ORDER BY s.starts_at, s.id), '[]')
	FROM sessions s LEFT JOIN rooms r ON r.id = s.room_id
	LEFT JOIN venues v ON v.id = r.venue_id
	WHERE s.conference_id = c.id AND kaigi_session_visible(s.id, p_actor)
$$;

-- The bilateral requests the actor may see (the secretariat all, a
-- liaison its delegation's), in id order; a scheduled one with where.
CREATE FUNCTION kaigi_export_bilaterals(p_actor jsonb, c conferences)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(jsonb_build_object('ref', b.ref,
	    'requester', rq.code, 'counterpart', cp.code,
	    'duration_minutes', b.duration_minutes,
	    'earliest', kaigi_ts(b.earliest, c.timezone),
	    'latest', kaigi_ts(b.latest, c.timezone), 'priority', b.priority,
	    'level', b.level, 'topics', b.topics, 'status', b.status,
	    'start', kaigi_ts(s.starts_at, c.timezone), 'venue', v.name,
	    'room', r.name) ORDER BY b.id), '[]')
	FROM bilateral_requests b
	JOIN delegations rq ON rq.id = b.requester_delegation_id
	JOIN delegations cp ON cp.id = b.counterpart_delegation_id
	LEFT JOIN sessions s ON s.id = b.session_id
	LEFT JOIN rooms r ON r.id = s.room_id
	LEFT JOIN venues v ON v.id = r.venue_id
	WHERE b.conference_id = c.id AND kaigi_bilateral_visible(b, p_actor)
$$;

-- GET /conferences/{slug}/export/{kind}.csv: the rows of one kind as
-- objects {column: value} (kaigid writes them in its columns' order).
CREATE FUNCTION kaigi_export(p_actor jsonb, p_slug text, p_kind text)
RETURNS jsonb LANGUAGE plpgsql STABLE SET jit = off AS $$
DECLARE
	c	conferences := kaigi_core_conference(p_slug);
BEGIN
	PERFORM kaigi_export_may(p_actor, c, p_kind);
	RETURN CASE
	    WHEN p_kind IN ('venues', 'rooms', 'travel-times', 'delegations')
		THEN kaigi_export_setup(c, p_kind)
	    WHEN p_kind IN ('participants', 'unavailability')
		THEN kaigi_export_persons(p_actor, c, p_kind)
	    WHEN p_kind = 'sessions' THEN kaigi_export_sessions(p_actor, c)
	    WHEN p_kind = 'bilaterals' THEN kaigi_export_bilaterals(p_actor, c)
	    END;
END $$;

-- GET /conferences/{slug}/export.xlsx: {kind: rows} for every kind the
-- actor may export (the others are left out); KG404 for no conference.
CREATE FUNCTION kaigi_export_all(p_actor jsonb, p_slug text)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
	out	jsonb := '{}';
	k	text;
BEGIN
	PERFORM kaigi_core_conference(p_slug);
	FOREACH k IN ARRAY ARRAY['venues', 'rooms', 'travel-times', 'delegations',
	    'participants', 'unavailability', 'sessions', 'bilaterals'] LOOP
		BEGIN
			out := out || jsonb_build_object(k, kaigi_export(p_actor, p_slug, k));
		EXCEPTION WHEN SQLSTATE 'KG401' OR SQLSTATE 'KG403' THEN
			NULL;	-- not the actor's to list
		END;
	END LOOP;
	RETURN out;
END $$;
