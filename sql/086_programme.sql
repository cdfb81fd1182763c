-- 086_programme.sql — what the printed programme (GET
-- /conferences/{slug}/programme.pdf, server/api-programme.c) reads: ONE call
-- of kaigi_programme() returns the whole document as JSON, which kaigid lays
-- out with Cairo and Pango (server/pdf.c).
--
-- Whose programme it is (the reader) follows the caller:
--   anonymous, or a token of another conference   -> the public programme
--   secretariat (or admin), no parameter          -> every session
--   secretariat, ?delegation= / ?participant=     -> that delegation's or
--                                                    participant's pack
--   liaison, no parameter or its own delegation   -> its delegation's pack
--   liaison, ?participant= of its own delegation  -> that participant's pack
-- Anything else named by ?delegation= or ?participant= (unknown, of another
-- conference, or not the caller's to see) is KG404, as the API answers for
-- a resource the caller may not know.
--
-- Which sessions a reader sees is NOT decided here: the reader becomes the
-- actor the feeds use (030_feeds.sql: {"role": "feed", conference_id,
-- delegation_id | participant_id} for a delegation's or participant's
-- token feed, the caller's own actor for the secretariat, {"role": "none"}
-- for the public feed) and kaigi_sessions_visible() of 020_sessions.sql,
-- the one visibility rule, gives the set. Cancelled sessions are left out of
-- a printed programme. Times are wall-clock text in the requested zone
-- (?tz=, default the conference's; KG422 when it is no IANA zone), grouped
-- into days by their start in that zone.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- The reader of a programme of conference c as {kind, actor, delegation_id,
-- participant_id, label}; KG404 when p_delegation (a code) or
-- p_participant (an id, as text) names no one the caller may see.
CREATE FUNCTION kaigi_programme_reader(p_actor jsonb, c conferences,
    p_delegation text, p_participant text)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_secretariat	boolean := kaigi_core_is_secretariat(p_actor, c.id);
	v_liaison	bigint := CASE WHEN p_actor->>'role' = 'liaison'
	    AND (p_actor->>'conference_id')::bigint = c.id
	    THEN (p_actor->>'delegation_id')::bigint END;
	d		delegations;
	p		participants;
BEGIN
	IF p_participant IS NOT NULL THEN
		SELECT * INTO p FROM participants WHERE conference_id = c.id
		    AND id = p_participant::bigint
		    AND (v_secretariat OR delegation_id = v_liaison);
		IF NOT FOUND THEN
			RAISE EXCEPTION USING ERRCODE = 'KG404', MESSAGE = 'no such participant';
		END IF;
		SELECT * INTO d FROM delegations WHERE id = p.delegation_id;
		RETURN jsonb_build_object('kind', 'participant',
		    'actor', jsonb_build_object('role', 'feed', 'conference_id', c.id,
			'participant_id', p.id),
		    'delegation_id', d.id, 'delegation', d.code,
		    'delegation_name', d.name, 'participant', p.name,
		    'participant_title', p.title);
	END IF;
	IF p_delegation IS NOT NULL OR v_liaison IS NOT NULL THEN
		SELECT * INTO d FROM delegations WHERE conference_id = c.id
		    AND (p_delegation IS NULL OR code = p_delegation)
		    AND (v_secretariat OR id = v_liaison);
		IF NOT FOUND THEN
			RAISE EXCEPTION USING ERRCODE = 'KG404', MESSAGE = 'no such delegation';
		END IF;
		RETURN jsonb_build_object('kind', 'delegation',
		    'actor', jsonb_build_object('role', 'feed', 'conference_id', c.id,
			'delegation_id', d.id),
		    'delegation_id', d.id, 'delegation', d.code,
		    'delegation_name', d.name);
	END IF;
	IF v_secretariat THEN
		RETURN jsonb_build_object('kind', 'all', 'actor', p_actor);
	END IF;
	RETURN jsonb_build_object('kind', 'public', 'actor', '{"role": "none"}'::jsonb);
END $$;

-- "HH:MI" of ts in zone tz, with " (+1)" when it falls on a later day than
-- p_day.
CREATE FUNCTION kaigi_programme_clock(ts timestamptz, tz text, p_day date)
RETURNS text LANGUAGE sql STABLE STRICT AS $$
	SELECT to_char(ts AT TIME ZONE tz, 'HH24:MI')
	    || CASE WHEN (ts AT TIME ZONE tz)::date > p_day
		THEN format(' (+%s)', (ts AT TIME ZONE tz)::date - p_day) ELSE '' END
$$;

-- One session of a programme: times in tz, where, who of the reader's
-- delegation (p_did; none when NULL) attends, the parties' codes.
CREATE FUNCTION kaigi_programme_item(s sessions, tz text, p_did bigint)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('id', s.id, 'kind', s.kind, 'title', s.title,
	    'status', s.status, 'visibility', s.visibility,
	    'start', kaigi_programme_clock(s.starts_at, tz,
		(s.starts_at AT TIME ZONE tz)::date),
	    'end', kaigi_programme_clock(s.ends_at, tz,
		(s.starts_at AT TIME ZONE tz)::date),
	    'room', r.name, 'venue', v.name,
	    'attendees', coalesce((SELECT jsonb_agg(jsonb_build_object(
		'name', p.name, 'role', p.role) ORDER BY
		array_position(ARRAY['head', 'deputy', 'member', 'staff'], p.role),
		p.name, p.id)
		FROM session_attendees a JOIN participants p ON p.id = a.participant_id
		WHERE a.session_id = s.id AND p.delegation_id = p_did), '[]'::jsonb),
	    'delegations', coalesce((SELECT jsonb_agg(d.code ORDER BY d.code)
		FROM session_delegations sd JOIN delegations d ON d.id = sd.delegation_id
		WHERE sd.session_id = s.id), '[]'::jsonb))
	FROM (SELECT 1) one
	LEFT JOIN rooms r ON r.id = s.room_id
	LEFT JOIN venues v ON v.id = r.venue_id
$$;

-- The days of a programme: [{date, label, items: [...]}] of the sessions
-- of conference p_cid that p_reader_actor may see, not cancelled, in zone tz.
CREATE FUNCTION kaigi_programme_days(p_cid bigint, p_reader_actor jsonb,
    tz text, p_did bigint)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	WITH seen AS (
		SELECT s, (s.starts_at AT TIME ZONE tz)::date AS day
		FROM sessions s
		WHERE s.id IN (SELECT kaigi_sessions_visible(p_cid, p_reader_actor))
		    AND s.status <> 'cancelled'
	)
	SELECT coalesce(jsonb_agg(jsonb_build_object('date', day::text,
	    'label', to_char(day, 'FMDay FMDD FMMonth YYYY'), 'items', items)
	    ORDER BY day), '[]'::jsonb)
	FROM (SELECT day, jsonb_agg(kaigi_programme_item(s, tz, p_did)
		ORDER BY (s).starts_at, (s).ends_at, (s).id) AS items
	    FROM seen GROUP BY day) per_day
$$;

-- "28–30 April 2023", "30 April – 2 May 2023", "1 May 2023".
CREATE FUNCTION kaigi_programme_dates(a date, b date)
RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$
	SELECT CASE
	    WHEN a = b THEN to_char(a, 'FMDD FMMonth YYYY')
	    WHEN to_char(a, 'YYYY-MM') = to_char(b, 'YYYY-MM')
		THEN to_char(a, 'FMDD') || '–' || to_char(b, 'FMDD FMMonth YYYY')
	    WHEN extract(year FROM a) = extract(year FROM b)
		THEN to_char(a, 'FMDD FMMonth') || ' – ' || to_char(b, 'FMDD FMMonth YYYY')
	    ELSE to_char(a, 'FMDD FMMonth YYYY') || ' – ' || to_char(b, 'FMDD FMMonth YYYY')
	    END
$$;

-- GET /conferences/{slug}/programme.pdf: the whole programme as JSON,
-- {conference, slug, location, dates, timezone, utc_offset,
-- conference_timezone, reader: {kind, delegation?, delegation_name?,
-- participant?}, days, sessions, printed_at}. KG404 unknown conference,
-- delegation or participant; KG422 tz is no IANA zone.
CREATE FUNCTION kaigi_programme(p_actor jsonb, p_slug text, p_delegation text,
    p_participant text, p_tz text)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
	c	conferences := kaigi_core_conference(p_slug);
	tz	text := coalesce(p_tz, c.timezone);
	rd	jsonb;
	days	jsonb;
	first	timestamptz;
BEGIN
	IF NOT kaigi_valid_timezone(tz) THEN
		PERFORM kaigi_core_invalid('tz',
		    'must be an IANA time zone name, such as Asia/Tokyo or Europe/Paris');
	END IF;
	rd := kaigi_programme_reader(p_actor, c, p_delegation, p_participant);
	days := kaigi_programme_days(c.id, rd->'actor', tz,
	    (rd->>'delegation_id')::bigint);
	first := c.start_date::timestamp AT TIME ZONE c.timezone;
	RETURN jsonb_build_object('conference', c.title, 'slug', c.slug,
	    'location', c.location, 'start_date', c.start_date::text,
	    'end_date', c.end_date::text,
	    'dates', kaigi_programme_dates(c.start_date, c.end_date),
	    'timezone', tz, 'conference_timezone', c.timezone,
	    'utc_offset', 'UTC' || substr(kaigi_ts(first, tz), 20),
	    'reader', rd - 'actor' - 'delegation_id',
	    'days', days,
	    'sessions', (SELECT coalesce(sum(jsonb_array_length(d->'items')), 0)
		FROM jsonb_array_elements(days) d),
	    'printed_at', to_char(now() AT TIME ZONE tz, 'YYYY-MM-DD HH24:MI'));
END $$;
