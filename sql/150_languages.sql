-- 150_languages.sql — languages (issue 17, item 1).
--
-- conferences.languages: the conference's language tags, the first its
-- default (default {en}). sessions.titles / sessions.descriptions: the
-- session's title and description per other language ({"ja": "…"});
-- `title` and `description` stay the default language's text. A key that
-- is not one of the conference's languages is KG422 naming them; so is
-- dropping a language that some session still uses.
-- kaigi_feed_lang: a feed row's title and description in a language, with
-- the language each is in (the default's when the session has none).

ALTER TABLE conferences ADD COLUMN languages text[] NOT NULL DEFAULT '{en}'
    CONSTRAINT conferences_languages_check CHECK (cardinality(languages)
	BETWEEN 1 AND 20 AND array_position(languages, NULL) IS NULL);
ALTER TABLE sessions
    ADD COLUMN titles jsonb NOT NULL DEFAULT '{}'
	CONSTRAINT sessions_titles_check CHECK (jsonb_typeof(titles) = 'object'),
    ADD COLUMN descriptions jsonb NOT NULL DEFAULT '{}'
	CONSTRAINT sessions_descriptions_check
	    CHECK (jsonb_typeof(descriptions) = 'object');

-- 130's conference JSON (070's plus publish), plus languages.
CREATE OR REPLACE FUNCTION kaigi_conference_json(c conferences)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', c.id, 'slug', c.slug, 'title', c.title,
	    'timezone', c.timezone, 'time_zone', c.timezone,
	    'start_date', c.start_date::text, 'end_date', c.end_date::text,
	    'location', c.location, 'changeover_minutes', c.changeover_minutes,
	    'day_start', to_char(c.day_start, 'HH24:MI'),
	    'day_end', to_char(c.day_end, 'HH24:MI'),
	    'publish', c.publish,
	    'archived', c.archived_at IS NOT NULL,
	    'archived_at', kaigi_ts(c.archived_at, c.timezone),
	    'languages', to_json(c.languages),
	    'version', c.version,
	    'created_at', kaigi_ts(c.created_at, c.timezone),
	    'updated_at', kaigi_ts(c.updated_at, c.timezone))
$$;

-- The text array of a JSON array of strings, NULL when absent.
CREATE FUNCTION kaigi_lang_array(p jsonb) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN jsonb_typeof(p) = 'array' THEN ARRAY(
	    SELECT x FROM jsonb_array_elements_text(p) WITH ORDINALITY AS e(x, i)
	    ORDER BY i) END
$$;

-- 010's create, plus languages.
CREATE OR REPLACE FUNCTION kaigi_conference_create(p_actor jsonb, p_in jsonb)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	c	conferences;
	j	json;
	cn	text;
BEGIN
	IF p_actor->>'role' IS DISTINCT FROM 'admin' THEN
		RAISE EXCEPTION USING ERRCODE = 'KG403',
		    MESSAGE = 'only an admin may create a conference';
	END IF;
	BEGIN
		INSERT INTO conferences (slug, title, timezone, start_date,
		    end_date, location, changeover_minutes, day_start, day_end,
		    languages)
		VALUES (p_in->>'slug', p_in->>'title', p_in->>'timezone',
		    (p_in->>'start_date')::date, (p_in->>'end_date')::date,
		    coalesce(p_in->>'location', ''),
		    coalesce((p_in->>'changeover_minutes')::int, 10),
		    coalesce((p_in->>'day_start')::time, '08:00'),
		    coalesce((p_in->>'day_end')::time, '20:00'),
		    coalesce(kaigi_lang_array(p_in->'languages'), '{en}'))
		RETURNING * INTO c;
	EXCEPTION WHEN unique_violation THEN
		RAISE EXCEPTION USING ERRCODE = 'KG409',
		    MESSAGE = 'a conference with that slug already exists',
		    DETAIL = '{"errors":[{"field":"slug","message":"is already taken"}]}';
	WHEN check_violation THEN
		GET STACKED DIAGNOSTICS cn = CONSTRAINT_NAME;
		IF cn = 'conferences_languages_check' THEN
			PERFORM kaigi_core_invalid('languages', 'must list 1 to 20 language tags');
		END IF;
		PERFORM kaigi_core_check_failed(cn);
	END;
	j := kaigi_conference_json(c);
	PERFORM kaigi_core_audit(p_actor, c.id, 'create', 'conference', c.id,
	    NULL, j::jsonb);
	RETURN j;
END $$;

-- 010's merge, plus languages.
CREATE OR REPLACE FUNCTION kaigi_conference_merge(c conferences, p_in jsonb)
RETURNS conferences LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	c.title := coalesce(p_in->>'title', c.title);
	c.timezone := coalesce(p_in->>'timezone', c.timezone);
	c.start_date := coalesce((p_in->>'start_date')::date, c.start_date);
	c.end_date := coalesce((p_in->>'end_date')::date, c.end_date);
	c.location := coalesce(p_in->>'location', c.location);
	c.changeover_minutes := coalesce((p_in->>'changeover_minutes')::int,
	    c.changeover_minutes);
	c.day_start := coalesce((p_in->>'day_start')::time, c.day_start);
	c.day_end := coalesce((p_in->>'day_end')::time, c.day_end);
	c.languages := coalesce(kaigi_lang_array(p_in->'languages'), c.languages);
	RETURN c;
END $$;

-- The languages sessions of conference p_cid use that p_langs lacks
-- (titles/descriptions keys), sorted; empty when none.
CREATE FUNCTION kaigi_lang_unlisted(p_cid bigint, p_langs text[])
RETURNS text[] LANGUAGE sql STABLE AS $$
	SELECT coalesce(array_agg(DISTINCT k ORDER BY k), '{}')
	FROM sessions s, LATERAL (SELECT jsonb_object_keys(s.titles)
	    UNION SELECT jsonb_object_keys(s.descriptions)) AS x(k)
	WHERE s.conference_id = p_cid AND k <> ALL (p_langs)
$$;

-- KG422 when a PATCH's languages drop one that sessions still use.
CREATE FUNCTION kaigi_lang_check_drop(c conferences) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	gone	text[] := kaigi_lang_unlisted(c.id, c.languages);
BEGIN
	IF cardinality(gone) > 0 THEN
		PERFORM kaigi_core_invalid('languages', format(
		    'sessions still have titles or descriptions in %s',
		    array_to_string(gone, ', ')));
	END IF;
END $$;

-- 010's PATCH of the fields, plus languages (130 renamed it
-- kaigi_conference_patch_fields: kaigi_conference_patch sets publish first).
CREATE OR REPLACE FUNCTION kaigi_conference_patch_fields(p_actor jsonb, p_slug text,
    p_in jsonb, p_if_match text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	c	conferences;
	n	conferences;
	j	json;
	cn	text;
BEGIN
	c := kaigi_core_conference(p_slug, true);
	PERFORM kaigi_core_need_secretariat(p_actor, c.id);
	PERFORM kaigi_core_check_version(p_if_match, c.version);
	n := kaigi_conference_merge(c, p_in);
	IF n.end_date < n.start_date THEN
		PERFORM kaigi_core_invalid(CASE WHEN p_in ? 'end_date'
		    THEN 'end_date' ELSE 'start_date' END,
		    'the conference would end before it starts');
	END IF;
	IF n.day_end <= n.day_start THEN
		PERFORM kaigi_core_invalid(CASE WHEN p_in ? 'day_end'
		    THEN 'day_end' ELSE 'day_start' END,
		    'day_end must be after day_start');
	END IF;
	IF n IS NOT DISTINCT FROM c THEN
		RETURN kaigi_conference_json(c);
	END IF;
	IF n.timezone <> c.timezone AND NOT kaigi_valid_timezone(n.timezone) THEN
		PERFORM kaigi_core_invalid('timezone', 'is not a time zone the database knows');
	END IF;
	PERFORM kaigi_lang_check_drop(n);
	PERFORM kaigi_conference_check_dates(n);
	BEGIN
		UPDATE conferences SET title = n.title, timezone = n.timezone,
		    start_date = n.start_date, end_date = n.end_date,
		    location = n.location, changeover_minutes = n.changeover_minutes,
		    day_start = n.day_start, day_end = n.day_end,
		    languages = n.languages
		WHERE id = c.id RETURNING * INTO n;
	EXCEPTION WHEN exclusion_violation THEN
		RAISE EXCEPTION USING ERRCODE = 'KG409',
		    MESSAGE = 'with that changeover some participant''s sessions would be too close',
		    DETAIL = '{"errors":[{"field":"changeover_minutes","message":"would double-book a participant"}]}';
	WHEN check_violation THEN
		GET STACKED DIAGNOSTICS cn = CONSTRAINT_NAME;
		IF cn = 'conferences_languages_check' THEN
			PERFORM kaigi_core_invalid('languages', 'must list 1 to 20 language tags');
		END IF;
		PERFORM kaigi_core_check_failed(cn);
	END;
	j := kaigi_conference_json(n);
	PERFORM kaigi_core_audit(p_actor, c.id, 'update', 'conference', c.id,
	    kaigi_conference_json(c)::jsonb, j::jsonb);
	RETURN j;
END $$;

-- KG422 when the titles or descriptions of p_input name a language that
-- conference p_cid does not list; the message and detail name the valid ones.
CREATE FUNCTION kaigi_lang_check(p_cid bigint, p_input jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	langs	text[] := (SELECT languages FROM conferences WHERE id = p_cid);
	f	text;
	bad	text;
	e	jsonb := '[]';
BEGIN
	FOREACH f IN ARRAY ARRAY['titles', 'descriptions'] LOOP
		IF jsonb_typeof(p_input->f) <> 'object' THEN
			CONTINUE;
		END IF;
		SELECT string_agg(k, ', ' ORDER BY k) INTO bad
		FROM jsonb_object_keys(p_input->f) k WHERE k <> ALL (langs);
		IF bad IS NOT NULL THEN
			e := e || kaigi_session_err(f, format(
			    '%s: not a language of this conference (its languages: %s)',
			    bad, array_to_string(langs, ', ')));
		END IF;
	END LOOP;
	IF jsonb_array_length(e) > 0 THEN
		PERFORM kaigi_session_raise('KG422',
		    'titles and descriptions must be in the conference''s languages: '
		    || array_to_string(langs, ', '),
		    jsonb_build_object('errors', e, 'languages', to_jsonb(langs)));
	END IF;
END $$;

-- The object a PATCH leaves: the new one if given (null: none), else p_old.
CREATE FUNCTION kaigi_lang_texts(p_input jsonb, p_field text, p_old jsonb)
RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN NOT p_input ? p_field THEN coalesce(p_old, '{}')
	    WHEN jsonb_typeof(p_input->p_field) = 'object' THEN p_input->p_field
	    ELSE '{}' END
$$;

-- 110's session JSON, plus titles and descriptions.
CREATE OR REPLACE FUNCTION kaigi_session_json(p_session_id bigint) RETURNS jsonb
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
	    'ref', s.ref, 'expected_attendance', s.expected_attendance,
	    'titles', s.titles, 'descriptions', s.descriptions,
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


-- 110's create, plus titles and descriptions (checked against the languages).
CREATE OR REPLACE FUNCTION kaigi_session_create(p_actor jsonb, p_slug text, p_input jsonb)
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
	PERFORM kaigi_lang_check(c, p_input);
	v_e := kaigi_session_check_hinted(c, v_room, v_st, v_en, v_who, v_codes);
	IF jsonb_array_length(v_e) > 0 THEN
		PERFORM kaigi_session_raise('KG422', 'the request has invalid fields',
		    jsonb_build_object('errors', v_e));
	END IF;
	PERFORM kaigi_session_taken(c, p_input->>'ref', NULL);
	PERFORM kaigi_session_lock_and_check(p_actor, c, v_room, v_st, v_en, v_who, v_status, NULL);
	BEGIN
		INSERT INTO sessions (conference_id, kind, title, description,
		    room_id, starts_at, ends_at, status, visibility, ref,
		    expected_attendance, titles, descriptions)
		VALUES (c, p_input->>'kind', p_input->>'title',
		    coalesce(p_input->>'description', ''), v_room, v_st, v_en, v_status,
		    p_input->>'visibility', p_input->>'ref',
		    (p_input->>'expected_attendance')::int,
		    kaigi_lang_texts(p_input, 'titles', NULL),
		    kaigi_lang_texts(p_input, 'descriptions', NULL))
		RETURNING id INTO v_sid;
		PERFORM kaigi_session_set_members(v_sid, c, v_who, v_codes);
	EXCEPTION WHEN exclusion_violation THEN
		PERFORM kaigi_session_raise_overlap(p_actor, c, v_room, v_st, v_en, v_who, NULL);
	WHEN unique_violation THEN
		PERFORM kaigi_session_taken(c, p_input->>'ref', NULL);
		PERFORM kaigi_setup_unique_failed('sessions_conference_ref_key');
	END;
	v_after := kaigi_session_json(v_sid);
	PERFORM kaigi_session_audit(p_actor, c, 'create', v_sid, NULL, v_after);
	RETURN v_after || jsonb_build_object('warnings', kaigi_session_warnings(v_sid));
END $$;


-- 110's PATCH, plus titles and descriptions (each replaced whole).
CREATE OR REPLACE FUNCTION kaigi_session_update(p_actor jsonb, p_id bigint,
    p_if_match int, p_input jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	s	sessions := kaigi_session_for_write(p_actor, p_id, p_if_match);
	v_room	bigint := CASE WHEN p_input ? 'room_id'
		    THEN (p_input->>'room_id')::bigint ELSE s.room_id END;
	v_st	timestamptz := coalesce((p_input->>'start')::timestamptz, s.starts_at);
	v_en	timestamptz := coalesce((p_input->>'end')::timestamptz, s.ends_at);
	v_status	text := coalesce(p_input->>'status', s.status);
	v_ref	text := CASE WHEN p_input ? 'ref' THEN p_input->>'ref' ELSE s.ref END;
	m	record := kaigi_session_members_after(p_id, p_input);
	v_e	jsonb;
	v_before	jsonb := kaigi_session_json(p_id);
	v_after	jsonb;
BEGIN
	PERFORM kaigi_lang_check(s.conference_id, p_input);
	v_e := kaigi_session_check_hinted(s.conference_id, v_room, v_st, v_en, m.who, m.codes);
	IF jsonb_array_length(v_e) > 0 THEN
		PERFORM kaigi_session_raise('KG422', 'the request has invalid fields',
		    jsonb_build_object('errors', v_e));
	END IF;
	PERFORM kaigi_session_taken(s.conference_id, v_ref, p_id);
	PERFORM kaigi_session_lock_and_check(p_actor, s.conference_id, v_room, v_st, v_en,
	    m.who, v_status, p_id);
	BEGIN
		-- Drop leaving attendees first so that they cannot clash.
		DELETE FROM session_attendees WHERE session_id = p_id
		    AND participant_id <> ALL (m.who);
		UPDATE sessions SET kind = coalesce(p_input->>'kind', kind),
		    title = coalesce(p_input->>'title', title),
		    description = coalesce(p_input->>'description', description),
		    room_id = v_room, starts_at = v_st, ends_at = v_en, status = v_status,
		    visibility = coalesce(p_input->>'visibility', visibility),
		    ref = v_ref,
		    expected_attendance = CASE WHEN p_input ? 'expected_attendance'
			THEN (p_input->>'expected_attendance')::int
			ELSE expected_attendance END,
		    titles = kaigi_lang_texts(p_input, 'titles', titles),
		    descriptions = kaigi_lang_texts(p_input, 'descriptions', descriptions)
		WHERE id = p_id;
		PERFORM kaigi_session_set_members(p_id, s.conference_id, m.who, m.codes);
	EXCEPTION WHEN exclusion_violation THEN
		PERFORM kaigi_session_raise_overlap(p_actor, s.conference_id, v_room,
		    v_st, v_en, m.who, p_id);
	WHEN unique_violation THEN
		PERFORM kaigi_session_taken(s.conference_id, v_ref, p_id);
		PERFORM kaigi_setup_unique_failed('sessions_conference_ref_key');
	END;
	v_after := kaigi_session_json(p_id);
	PERFORM kaigi_session_audit(p_actor, s.conference_id, 'update', p_id,
	    v_before, v_after);
	RETURN v_after || jsonb_build_object('warnings', kaigi_session_warnings(p_id));
END $$;

-- GET /conferences/{slug}/conflicts: 020's "items" (rules broken) and

-- A feed row's title and description in language p_lang: the session's
-- own text in it if it has one (the default's otherwise), with the
-- language each is in (NULL for a reserved row, which shows neither);
-- lang_ok says whether p_lang is one of the conference's languages, and
-- languages lists them (for the 400 that names them).
CREATE FUNCTION kaigi_feed_lang(f kaigi_feed_row, p_lang text,
    OUT title text, OUT description text, OUT title_lang text,
    OUT description_lang text, OUT lang_ok boolean, OUT languages text)
LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN p_lang <> c.languages[1] AND s.titles ? p_lang
		THEN s.titles->>p_lang ELSE f.title END,
	    CASE WHEN p_lang <> c.languages[1] AND s.descriptions ? p_lang
		THEN s.descriptions->>p_lang ELSE f.description END,
	    CASE WHEN f.reserved OR f.id IS NULL THEN NULL
		WHEN p_lang <> c.languages[1] AND s.titles ? p_lang THEN p_lang
		ELSE c.languages[1] END,
	    CASE WHEN f.reserved OR f.id IS NULL THEN NULL
		WHEN p_lang <> c.languages[1] AND s.descriptions ? p_lang THEN p_lang
		ELSE c.languages[1] END,
	    p_lang = ANY (c.languages), array_to_string(c.languages, ', ')
	FROM conferences c LEFT JOIN sessions s ON s.id = f.id
	WHERE c.id = f.conference_id
$$;

-- GET /conferences/{slug}/programme.pdf?lang=: 086's document with each
-- session's title in language p_lang where it has one (the default's
-- otherwise) and `lang`; KG400 naming the conference's languages when it
-- lists no p_lang. Without p_lang, 086's document as it was.
CREATE FUNCTION kaigi_programme_lang(p_actor jsonb, p_slug text,
    p_delegation text, p_participant text, p_tz text, p_lang text)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
	c	conferences := kaigi_core_conference(p_slug);
	doc	jsonb := kaigi_programme(p_actor, p_slug, p_delegation,
		    p_participant, p_tz);
BEGIN
	IF p_lang IS NULL THEN
		RETURN doc;
	END IF;
	IF p_lang <> ALL (c.languages) THEN
		PERFORM kaigi_session_raise('KG400',
		    'lang must be one of the conference''s languages: '
		    || array_to_string(c.languages, ', '),
		    jsonb_build_object('choices', to_jsonb(c.languages)));
	END IF;
	RETURN jsonb_set(doc, '{days}', (SELECT coalesce(jsonb_agg(
	    jsonb_set(d, '{items}', (SELECT coalesce(jsonb_agg(
		CASE WHEN p_lang <> c.languages[1] AND s.titles ? p_lang
		    THEN jsonb_set(i, '{title}', s.titles->p_lang) ELSE i END
		ORDER BY o), '[]'::jsonb)
		FROM jsonb_array_elements(d->'items') WITH ORDINALITY AS x(i, o)
		LEFT JOIN sessions s ON s.id = (i->>'id')::bigint))
	    ORDER BY n), '[]'::jsonb)
	    FROM jsonb_array_elements(doc->'days') WITH ORDINALITY AS y(d, n)))
	    || jsonb_build_object('lang', p_lang);
END $$;
