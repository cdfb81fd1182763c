-- 310_interpretation_sheets.sql — interpretation in the spreadsheets
-- (issue 17's gaps; issue 15's import and export): the rooms sheet's
-- "booths", the participants sheet's "language_pairs" (an interpreter's,
-- "ja-en;en-fr"), the sessions sheet's "interpretation" and
-- "interpreters" (the given ones, named as attendees are: ref, e-mail or
-- name; the picked ones are picked again on import) and the bilaterals
-- sheet's "interpretation".
--
-- server/import/rows.c checks the cells (booths 0 to 50, an empty cell 0;
-- pairs as the API's decoder checks them). Rooms need nothing here: their
-- rows go through 260's kaigi_room_create and _patch, which take booths.
-- New sessions and requests take their pairs through 260's create
-- functions; the rest is composed here:
--
-- Wraps (renamed, not copied): 080's kaigi_import_participants (now
-- *_without_pairs: the pairs are written after its set-based rows, each
-- change audited as a PATCH is); 240's kaigi_import_session_body
-- (interpreters named → ids) and kaigi_import_session_change (changed
-- pairs and given interpreters go to the PATCH); 080's
-- kaigi_import_bilateral (a known request's changed pairs through 260's
-- PATCH, before its status moves); 080's kaigi_export (the new columns,
-- zipped onto the earlier rows in their order, checked by a key).
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- ---------------------------------------------------------------------------
-- Import: participants' language_pairs
-- ---------------------------------------------------------------------------

-- The participant an imported participants row names once the rows are
-- written: by ref, else by e-mail, else by name within its delegation
-- among those with neither (as kaigi_import_people_load found or made it).
CREATE FUNCTION kaigi_import_person_of(p_cid bigint, r jsonb)
RETURNS bigint LANGUAGE sql STABLE AS $$
	SELECT CASE
	    WHEN r->>'ref' IS NOT NULL THEN (SELECT p.id FROM participants p
		WHERE p.conference_id = p_cid AND p.ref = r->>'ref')
	    WHEN r->>'email' IS NOT NULL THEN (SELECT p.id FROM participants p
		WHERE p.conference_id = p_cid AND lower(p.email) = lower(r->>'email'))
	    ELSE (SELECT min(p.id) FROM participants p
		JOIN delegations d ON d.id = p.delegation_id
		WHERE p.conference_id = p_cid AND d.code = r->>'delegation'
		    AND lower(p.name) = lower(r->>'name')
		    AND p.ref IS NULL AND p.email IS NULL) END
$$;

-- Give the participants of the rows that have a language_pairs cell
-- those pairs, each change audited (before, after) as
-- kaigi_participant_patch audits it; the row numbers changed.
CREATE FUNCTION kaigi_import_pairs(p_actor jsonb, c conferences, p_rows jsonb)
RETURNS int[] LANGUAGE plpgsql AS $$
DECLARE
	upd	int[];
BEGIN
	WITH r AS (SELECT (x->>'row')::int AS row, kaigi_import_person_of(c.id, x) AS id,
		kaigi_interp_array(x->'language_pairs') AS pairs
	    FROM jsonb_array_elements(p_rows) x WHERE x ? 'language_pairs'),
	o AS (SELECT r.row, r.pairs, p AS old FROM r JOIN participants p ON p.id = r.id
	    WHERE p.language_pairs IS DISTINCT FROM r.pairs),
	u AS (UPDATE participants p SET language_pairs = o.pairs FROM o
	    WHERE p.id = (o.old).id RETURNING o.row, o.old, p AS new),
	a AS (INSERT INTO audit_log (conference_id, token_id, role, action,
		entity, entity_id, before, after)
	    SELECT c.id, (p_actor->>'token_id')::bigint, p_actor->>'role', 'update',
		'participant', (u.new).id, kaigi_participant_json(u.old, c.slug)::jsonb,
		kaigi_participant_json(u.new, c.slug)::jsonb FROM u)
	SELECT coalesce(array_agg(u.row ORDER BY u.row), '{}') INTO upd FROM u;
	RETURN upd;
END $$;

ALTER FUNCTION kaigi_import_participants(jsonb, conferences, jsonb)
    RENAME TO kaigi_import_participants_without_pairs;

-- participants (080's), with language_pairs: a row whose pairs changed
-- (and nothing else) is "updated"; a new one stays "created".
CREATE FUNCTION kaigi_import_participants(p_actor jsonb, c conferences,
    p_rows jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
	res	jsonb := kaigi_import_participants_without_pairs(p_actor, c, p_rows);
	upd	int[];
BEGIN
	IF jsonb_array_length(res->'errors') > 0 OR NOT EXISTS (SELECT 1
	    FROM jsonb_array_elements(p_rows) x WHERE x ? 'language_pairs') THEN
		RETURN res;
	END IF;
	upd := kaigi_import_pairs(p_actor, c, p_rows);
	RETURN res || jsonb_build_object(
	    'updated', (SELECT coalesce(jsonb_agg(x ORDER BY x), '[]') FROM (
		SELECT e::int FROM jsonb_array_elements_text(res->'updated') e
		UNION
		SELECT e::int FROM jsonb_array_elements_text(res->'unchanged') e
		WHERE e::int = ANY (upd)) y (x)),
	    'unchanged', (SELECT coalesce(jsonb_agg(e::int ORDER BY e::int), '[]')
		FROM jsonb_array_elements_text(res->'unchanged') e
		WHERE NOT e::int = ANY (upd)));
END $$;

-- ---------------------------------------------------------------------------
-- Import: sessions' interpretation and interpreters
-- ---------------------------------------------------------------------------

-- The ids of the people a session row's interpreters cell names (NULL
-- without the cell), or the errors naming those it cannot (so that a row
-- names every bad cell at once).
CREATE FUNCTION kaigi_import_interpreter_ids(c conferences, r jsonb,
    OUT ids jsonb, OUT errors jsonb)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	det	text;
BEGIN
	errors := '[]';
	IF NOT r ? 'interpreters' THEN
		RETURN;
	END IF;
	ids := to_jsonb(kaigi_import_people_ids(c.id, ARRAY(
	    SELECT jsonb_array_elements_text(r->'interpreters')), 'interpreters'));
EXCEPTION WHEN SQLSTATE 'KG422' THEN
	GET STACKED DIAGNOSTICS det = PG_EXCEPTION_DETAIL;
	errors := det::jsonb->'errors';
END $$;

ALTER FUNCTION kaigi_import_session_body(conferences, jsonb)
    RENAME TO kaigi_import_session_body_without_interpreters;

-- 240's body of a session row, plus its given interpreters by id (the
-- people the interpreters cell names; every bad cell of the row named).
CREATE FUNCTION kaigi_import_session_body(c conferences, r jsonb)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
	i	record;
	body	jsonb;
	det	text;
BEGIN
	SELECT * INTO i FROM kaigi_import_interpreter_ids(c, r);
	BEGIN
		body := kaigi_import_session_body_without_interpreters(c,
		    r - 'interpreters');
	EXCEPTION WHEN SQLSTATE 'KG422' THEN
		GET STACKED DIAGNOSTICS det = PG_EXCEPTION_DETAIL;
		PERFORM kaigi_import_fail((det::jsonb->'errors') || i.errors);
	END;
	IF jsonb_array_length(i.errors) > 0 THEN
		PERFORM kaigi_import_fail(i.errors);
	END IF;
	IF i.ids IS NOT NULL THEN
		body := body || jsonb_build_object('interpreters', i.ids);
	END IF;
	RETURN body;
END $$;

ALTER FUNCTION kaigi_import_session_change(sessions, jsonb)
    RENAME TO kaigi_import_session_change_without_interpretation;

-- 240's changes of a session row, plus its pairs and given interpreters
-- when they differ from session s's (picked ones are not "given").
CREATE FUNCTION kaigi_import_session_change(s sessions, body jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT kaigi_import_session_change_without_interpretation(s,
	    body - 'interpretation' - 'interpreters')
	    || CASE WHEN body ? 'interpretation' AND s.interpretation
		IS DISTINCT FROM kaigi_interp_array(body->'interpretation')
		THEN jsonb_build_object('interpretation', body->'interpretation')
		ELSE '{}' END
	    || CASE WHEN body ? 'interpreters' AND kaigi_session_ids(body->'interpreters')
		IS DISTINCT FROM (SELECT coalesce(array_agg(i.participant_id
		    ORDER BY i.participant_id), '{}') FROM session_interpreters i
		    WHERE i.session_id = s.id AND NOT i.auto)
		THEN jsonb_build_object('interpreters', body->'interpreters')
		ELSE '{}' END
$$;

-- ---------------------------------------------------------------------------
-- Import: bilateral requests' interpretation
-- ---------------------------------------------------------------------------

ALTER FUNCTION kaigi_import_bilateral(jsonb, conferences, jsonb)
    RENAME TO kaigi_import_bilateral_without_interpretation;

-- bilaterals (080's), with interpretation: a new request takes it through
-- kaigi_bilateral_create; a known one whose pairs differ gets them by
-- 260's PATCH (a requested or accepted one's; a scheduled one's session
-- is changed instead) before its status moves, and is "updated".
CREATE FUNCTION kaigi_import_bilateral(p_actor jsonb, c conferences, r jsonb,
    OUT how text, OUT id bigint)
LANGUAGE plpgsql AS $$
DECLARE
	b	bilateral_requests := kaigi_import_bilateral_find(c, r);
	pairs	boolean := b.id IS NOT NULL AND r ? 'interpretation'
		    AND b.interpretation IS DISTINCT FROM
			kaigi_interp_array(r->'interpretation');
BEGIN
	IF pairs AND b.status NOT IN ('requested', 'accepted') THEN
		PERFORM kaigi_core_invalid('interpretation', format('the request is %s: '
		    'change the interpretation of its session%s instead', b.status,
		    coalesce(' (' || b.session_id || ')', '')));
	END IF;
	IF pairs THEN
		PERFORM kaigi_bilateral_patch(p_actor, b.id::text,
		    jsonb_build_object('interpretation', r->'interpretation'), NULL);
	END IF;
	SELECT * INTO how, id FROM kaigi_import_bilateral_without_interpretation(
	    p_actor, c, CASE WHEN b.id IS NULL THEN r ELSE r - 'interpretation' END);
	IF pairs THEN
		how := 'updated';
	END IF;
END $$;

-- ---------------------------------------------------------------------------
-- Export: the new columns
-- ---------------------------------------------------------------------------

-- The new columns of kind p_kind, one object per row in the order of
-- kaigi_export's rows (same rows: the same lists, the same order), each
-- with "_key", the value of the earlier row's key column; NULL for the
-- kinds without new columns.
CREATE FUNCTION kaigi_export_interpretation(p_actor jsonb, c conferences,
    p_kind text)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT CASE p_kind
	WHEN 'rooms' THEN (SELECT coalesce(jsonb_agg(jsonb_build_object(
	    '_key', r.name, 'booths', r.booths) ORDER BY r.id), '[]')
	    FROM rooms r WHERE r.conference_id = c.id)
	WHEN 'participants' THEN (SELECT coalesce(jsonb_agg(jsonb_build_object(
	    '_key', p.name, 'language_pairs',
	    nullif(array_to_string(p.language_pairs, ';'), '')) ORDER BY p.id), '[]')
	    FROM kaigi_export_people(p_actor, c.id) p)
	WHEN 'sessions' THEN (SELECT coalesce(jsonb_agg(jsonb_build_object(
	    '_key', s.title, 'interpretation',
	    nullif(array_to_string(s.interpretation, ';'), ''),
	    'interpreters', (SELECT string_agg(kaigi_export_person(p, p_actor), ';'
		ORDER BY p.id) FROM session_interpreters i
		JOIN participants p ON p.id = i.participant_id
		WHERE i.session_id = s.id AND NOT i.auto))
	    ORDER BY s.starts_at, s.id), '[]')
	    FROM sessions s
	    WHERE s.conference_id = c.id AND kaigi_session_visible(s.id, p_actor))
	WHEN 'bilaterals' THEN (SELECT coalesce(jsonb_agg(jsonb_build_object(
	    '_key', cp.code, 'interpretation',
	    nullif(array_to_string(b.interpretation, ';'), '')) ORDER BY b.id), '[]')
	    FROM bilateral_requests b
	    JOIN delegations cp ON cp.id = b.counterpart_delegation_id
	    WHERE b.conference_id = c.id AND kaigi_bilateral_visible(b, p_actor))
	END
$$;

-- Each row of p_rows with the members of the same row of p_extra but
-- "_key", which must equal the row's p_key column (else the two lists are
-- not of the same rows: an internal error, never a wrong sheet).
CREATE FUNCTION kaigi_export_zip(p_rows jsonb, p_extra jsonb, p_key text)
RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	out	jsonb;
BEGIN
	IF jsonb_array_length(p_rows) <> jsonb_array_length(p_extra) THEN
		RAISE EXCEPTION 'export: % rows, % for the new columns',
		    jsonb_array_length(p_rows), jsonb_array_length(p_extra);
	END IF;
	SELECT jsonb_agg(CASE WHEN r->p_key IS NOT DISTINCT FROM x->'_key'
	    THEN r || (x - '_key') END ORDER BY n) INTO out
	FROM jsonb_array_elements(p_rows) WITH ORDINALITY AS a (r, n)
	JOIN jsonb_array_elements(p_extra) WITH ORDINALITY AS b (x, m) ON m = n;
	IF out @> '[null]' THEN
		RAISE EXCEPTION 'export: the new columns are not of the same rows';
	END IF;
	RETURN coalesce(out, '[]');
END $$;

ALTER FUNCTION kaigi_export(jsonb, text, text)
    RENAME TO kaigi_export_without_interpretation;

-- GET /conferences/{slug}/export/{kind}.csv (080's), with booths,
-- language_pairs, interpretation and interpreters.
CREATE FUNCTION kaigi_export(p_actor jsonb, p_slug text, p_kind text)
RETURNS jsonb LANGUAGE plpgsql STABLE SET jit = off AS $$
DECLARE
	v_rows	jsonb := kaigi_export_without_interpretation(p_actor, p_slug, p_kind);
	extra	jsonb := kaigi_export_interpretation(p_actor,
		    kaigi_core_conference(p_slug), p_kind);
BEGIN
	IF extra IS NULL THEN
		RETURN v_rows;
	END IF;
	RETURN kaigi_export_zip(v_rows, extra, CASE p_kind WHEN 'sessions' THEN 'title'
	    WHEN 'bilaterals' THEN 'counterpart' ELSE 'name' END);
END $$;

-- ---------------------------------------------------------------------------
-- Feeds and the printed programme name a session's interpreters
-- ---------------------------------------------------------------------------

-- "Interpretation: ja↔en (A, B); en↔fr (C)": session p_sid's pairs, each
-- with its interpreters by name (a pair without any: the pair alone);
-- NULL when it needs none. Only for readers who may see the session.
CREATE FUNCTION kaigi_interp_note(p_sid bigint) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT 'Interpretation: ' || string_agg(replace(x.pr, '-', '↔')
	    || coalesce(' (' || (SELECT string_agg(p.name, ', ' ORDER BY p.name, p.id)
		FROM session_interpreters i JOIN participants p ON p.id = i.participant_id
		WHERE i.session_id = s.id AND i.pair = x.pr) || ')', ''),
	    '; ' ORDER BY x.n)
	FROM sessions s CROSS JOIN unnest(s.interpretation) WITH ORDINALITY AS x (pr, n)
	WHERE s.id = p_sid
$$;

ALTER FUNCTION kaigi_feed_attendance(kaigi_feed_row)
    RENAME TO kaigi_feed_attendance_without_interpreters;

-- 240's attendance of a feed row, its note followed by the interpretation
-- line: for a row its reader may see (not a reserved one, which shows only
-- "busy", nor the calendar's own row). kaigid writes the note into the
-- DESCRIPTION, which every calendar app shows.
CREATE FUNCTION kaigi_feed_attendance(f kaigi_feed_row,
    OUT att_note text, OUT att_links text)
LANGUAGE sql STABLE AS $$
	SELECT nullif(concat_ws(E'\n', o.att_note, i.note), ''), o.att_links
	FROM kaigi_feed_attendance_without_interpreters(f) o
	CROSS JOIN (SELECT CASE WHEN f.id IS NOT NULL AND NOT coalesce(f.reserved, false)
	    THEN kaigi_interp_note(f.id) END AS note) i
$$;

ALTER FUNCTION kaigi_programme_item(sessions, text, bigint)
    RENAME TO kaigi_programme_item_without_interpreters;

-- 240's programme item, plus "interpretation" (the line above, or
-- absent): the programme lists only the sessions its reader may see.
CREATE FUNCTION kaigi_programme_item(s sessions, tz text, p_did bigint)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT kaigi_programme_item_without_interpreters(s, tz, p_did)
	    || CASE WHEN n.note IS NULL THEN '{}'::jsonb
		ELSE jsonb_build_object('interpretation', n.note) END
	FROM (SELECT kaigi_interp_note(s.id) AS note) n
$$;
