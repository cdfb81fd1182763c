-- 510_registration_sheets.sql — side-event registration without JSON
-- (issue 17, item 6): spreadsheets carry a session's seats and the
-- registrations.
--
-- - sessions: a "capacity" column (the API's session capacity: the seats a
--   side event's registrations may take; empty: the room's). The import
--   gives it to kaigi_session_create, or PATCHes it when it differs; the
--   export writes it.
-- - registrations, a new kind: {session, participant, status?, position?}.
--   The session by its ref, else by its title (any case; KG422 on the
--   column when none or several sessions have it); the participant by
--   ref, e-mail or name, as the other sheets name people. The import is
--   the secretariat's, as every import: each row not yet registered goes
--   through kaigi_registration_create in the file's order, so the seats
--   go to the first rows and the others wait in that order; a row already
--   registered is unchanged. status and position are what the export
--   shows; the import reads them back without writing them (the seats
--   decide). Every refusal of the API (a session that takes no
--   registrations, a cancelled one, someone who attends it) is the row's
--   error, and then nothing is stored. The export is the secretariat's
--   (every registration) and each liaison's (its delegation's), of the
--   sessions the caller may see, by session then registration order.
--
-- Wraps (renamed, not copied): 310's kaigi_import_session_body and
-- kaigi_import_session_change (now …_without_capacity), 080's
-- kaigi_import_repeats, kaigi_import_row and kaigi_import_run (now
-- …_without_registrations), 310's kaigi_export and 080's
-- kaigi_export_all (now …_without_registrations).
-- tests/integration/36-import-registrations.t.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- ---------------------------------------------------------------------------
-- sessions: capacity
-- ---------------------------------------------------------------------------

ALTER FUNCTION kaigi_import_session_body(conferences, jsonb)
    RENAME TO kaigi_import_session_body_without_capacity;

-- 310's body of a session row, plus its capacity when the cell has one.
CREATE FUNCTION kaigi_import_session_body(c conferences, r jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT kaigi_import_session_body_without_capacity(c, r - 'capacity')
	    || CASE WHEN r ? 'capacity' THEN jsonb_build_object('capacity', r->'capacity')
		ELSE '{}' END
$$;

ALTER FUNCTION kaigi_import_session_change(sessions, jsonb)
    RENAME TO kaigi_import_session_change_without_capacity;

-- 310's changes of a session row, plus its capacity when it differs.
CREATE FUNCTION kaigi_import_session_change(s sessions, body jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT kaigi_import_session_change_without_capacity(s, body - 'capacity')
	    || CASE WHEN body ? 'capacity' AND s.registration_capacity
		IS DISTINCT FROM (body->>'capacity')::int
		THEN jsonb_build_object('capacity', body->'capacity') ELSE '{}' END
$$;

-- ---------------------------------------------------------------------------
-- registrations: import
-- ---------------------------------------------------------------------------

-- The session of conference c a registrations row names (p_name): the one
-- with that ref, else the one with that title (any case); KG422 on the
-- session column when there is none or several.
CREATE FUNCTION kaigi_import_registration_session(c conferences, p_name text)
RETURNS bigint LANGUAGE plpgsql STABLE AS $$
DECLARE
	ids	bigint[];
BEGIN
	ids := ARRAY(SELECT s.id FROM sessions s
	    WHERE s.conference_id = c.id AND s.ref = p_name);
	IF cardinality(ids) = 0 THEN
		ids := ARRAY(SELECT s.id FROM sessions s
		    WHERE s.conference_id = c.id AND lower(s.title) = lower(p_name)
		    ORDER BY s.id);
	END IF;
	IF cardinality(ids) = 1 THEN
		RETURN ids[1];
	END IF;
	PERFORM kaigi_core_invalid('session', CASE WHEN cardinality(ids) = 0
	    THEN 'no session has this ref or title: ' || p_name
	    ELSE format('%s sessions are titled %s; give the ref of one',
		cardinality(ids), p_name) END);
	RETURN NULL;
END $$;

-- registrations: {session, participant, status?, position?}, known by the
-- two; a new one through kaigi_registration_create (confirmed while seats
-- are free, else waiting), an existing one unchanged, one an earlier row
-- of the same import made (its transaction's now()) an error.
CREATE FUNCTION kaigi_import_registration(p_actor jsonb, c conferences, r jsonb,
    OUT how text, OUT id bigint)
LANGUAGE plpgsql AS $$
DECLARE
	sid	bigint := kaigi_import_registration_session(c, r->>'session');
	pid	bigint := (kaigi_import_people_ids(c.id, ARRAY[r->>'participant'],
		    'participant'))[1];
	g	registrations;
BEGIN
	SELECT * INTO g FROM registrations x
	WHERE x.session_id = sid AND x.participant_id = pid;
	IF g.id IS NOT NULL AND g.created_at = now() THEN
		PERFORM kaigi_core_invalid('participant', 'the same registration as '
		    'an earlier row of this file (the session named otherwise)');
	ELSIF g.id IS NOT NULL THEN
		how := 'unchanged';
		id := g.id;
		RETURN;
	END IF;
	id := (kaigi_registration_create(p_actor, sid,
	    jsonb_build_object('participant_id', pid))->>'id')::bigint;
	how := 'created';
END $$;

ALTER FUNCTION kaigi_import_repeats(text, jsonb)
    RENAME TO kaigi_import_repeats_without_registrations;

-- 080's, and for registrations the rows naming the same session and
-- participant as an earlier row (as written, any case).
CREATE FUNCTION kaigi_import_repeats(p_kind text, p_rows jsonb)
RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN p_kind <> 'registrations'
	THEN kaigi_import_repeats_without_registrations(p_kind, p_rows)
	ELSE (SELECT coalesce(jsonb_agg(kaigi_import_err(k.row, 'participant',
	    format('the same registration as row %s', k.first)) ORDER BY k.row), '[]')
	    FROM (SELECT (r->>'row')::int AS row, min((r->>'row')::int) OVER (
		PARTITION BY lower(r->>'session'), lower(r->>'participant')) AS first
		FROM jsonb_array_elements(p_rows) r) k
	    WHERE k.row > k.first) END
$$;

ALTER FUNCTION kaigi_import_row(jsonb, conferences, text, jsonb)
    RENAME TO kaigi_import_row_without_registrations;

-- 080's one row, registrations too.
CREATE FUNCTION kaigi_import_row(p_actor jsonb, c conferences, p_kind text,
    r jsonb, OUT how text, OUT id bigint)
LANGUAGE plpgsql AS $$
BEGIN
	IF p_kind = 'registrations' THEN
		SELECT * INTO how, id FROM kaigi_import_registration(p_actor, c, r);
	ELSE
		SELECT * INTO how, id FROM kaigi_import_row_without_registrations(
		    p_actor, c, p_kind, r);
	END IF;
END $$;

ALTER FUNCTION kaigi_import_run(jsonb, conferences, text, jsonb)
    RENAME TO kaigi_import_run_without_registrations;

-- 080's rows of one kind, registrations row by row.
CREATE FUNCTION kaigi_import_run(p_actor jsonb, c conferences, p_kind text,
    p_rows jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
	IF p_kind = 'registrations' THEN
		RETURN kaigi_import_each(p_actor, c, p_kind, p_rows);
	END IF;
	RETURN kaigi_import_run_without_registrations(p_actor, c, p_kind, p_rows);
END $$;

-- ---------------------------------------------------------------------------
-- Export
-- ---------------------------------------------------------------------------

-- KG401/KG403 unless the actor may export registrations of conference c:
-- the secretariat and the conference's liaisons (their delegation's).
CREATE FUNCTION kaigi_export_may_registrations(p_actor jsonb, c conferences)
RETURNS void LANGUAGE plpgsql STABLE AS $$
BEGIN
	IF kaigi_core_is_secretariat(p_actor, c.id) THEN
		RETURN;
	END IF;
	IF p_actor->>'role' = 'none' THEN
		RAISE EXCEPTION USING ERRCODE = 'KG401', MESSAGE =
		    'registrations are exported with a token (secretariat or liaison)';
	END IF;
	IF p_actor->>'role' <> 'liaison'
	    OR (p_actor->>'conference_id')::bigint IS DISTINCT FROM c.id THEN
		RAISE EXCEPTION USING ERRCODE = 'KG403', MESSAGE = 'only the '
		    'secretariat and the liaisons of this conference may export registrations';
	END IF;
END $$;

-- The registrations the actor may list, of the sessions it may see: the
-- secretariat's every one, a liaison's its delegation's; by the session's
-- start, then registration order.
CREATE FUNCTION kaigi_export_registrations(p_actor jsonb, c conferences)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(jsonb_build_object(
	    'session', coalesce(s.ref, s.title),
	    'participant', kaigi_export_person(p, p_actor), 'status', g.status,
	    'position', CASE WHEN g.status = 'waiting' THEN (SELECT count(*)
		FROM registrations w WHERE w.session_id = g.session_id
		    AND w.status = 'waiting' AND w.id <= g.id) END)
	    ORDER BY s.starts_at, s.id, g.id), '[]')
	FROM registrations g JOIN sessions s ON s.id = g.session_id
	JOIN participants p ON p.id = g.participant_id
	WHERE g.conference_id = c.id
	    AND (kaigi_core_is_secretariat(p_actor, c.id)
		OR p.delegation_id = (p_actor->>'delegation_id')::bigint)
	    AND kaigi_session_visible(s.id, p_actor)
$$;

-- The capacity of each exported session, in kaigi_export's order with
-- "_key" (310's kaigi_export_zip).
CREATE FUNCTION kaigi_export_capacity(p_actor jsonb, c conferences)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(jsonb_build_object('_key', s.title,
	    'capacity', s.registration_capacity) ORDER BY s.starts_at, s.id), '[]')
	FROM sessions s
	WHERE s.conference_id = c.id AND kaigi_session_visible(s.id, p_actor)
$$;

ALTER FUNCTION kaigi_export(jsonb, text, text)
    RENAME TO kaigi_export_without_registrations;

-- GET /conferences/{slug}/export/{kind}.csv (310's), with the sessions'
-- capacity and the registrations.
CREATE FUNCTION kaigi_export(p_actor jsonb, p_slug text, p_kind text)
RETURNS jsonb LANGUAGE plpgsql STABLE SET jit = off AS $$
DECLARE
	c	conferences := kaigi_core_conference(p_slug);
BEGIN
	IF p_kind = 'registrations' THEN
		PERFORM kaigi_export_may_registrations(p_actor, c);
		RETURN kaigi_export_registrations(p_actor, c);
	ELSIF p_kind = 'sessions' THEN
		RETURN kaigi_export_zip(kaigi_export_without_registrations(p_actor,
		    p_slug, p_kind), kaigi_export_capacity(p_actor, c), 'title');
	END IF;
	RETURN kaigi_export_without_registrations(p_actor, p_slug, p_kind);
END $$;

ALTER FUNCTION kaigi_export_all(jsonb, text)
    RENAME TO kaigi_export_all_without_registrations;

-- GET /conferences/{slug}/export.xlsx (080's), with the registrations
-- when the actor may export them.
CREATE FUNCTION kaigi_export_all(p_actor jsonb, p_slug text)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
	out	jsonb := kaigi_export_all_without_registrations(p_actor, p_slug);
BEGIN
	BEGIN
		out := out || jsonb_build_object('registrations',
		    kaigi_export(p_actor, p_slug, 'registrations'));
	EXCEPTION WHEN SQLSTATE 'KG401' OR SQLSTATE 'KG403' THEN
		NULL;	-- not the actor's to list
	END;
	RETURN out;
END $$;
