-- 060_cursors.sql — what list cursors need: the key that seals them, and the
-- session list paged by position.
--
-- A list's "next" is a cursor kaigid seals (server/cursor.c): the position
-- of the last item the caller saw, with an HMAC over it and over the list
-- and the caller. The key is made here, once, at migrate time, so that
-- every worker and every restart shares it; it never leaves the database
-- but to kaigid.

CREATE TABLE kaigi_secrets (
	name	text PRIMARY KEY,
	secret	bytea NOT NULL CHECK (length(secret) BETWEEN 32 AND 64)
);

-- 48 bytes from three random (version 4) UUIDs: 366 bits from
-- pg_strong_random, without an extension.
INSERT INTO kaigi_secrets (name, secret)
SELECT 'cursor', decode(replace(gen_random_uuid()::text || gen_random_uuid()::text
    || gen_random_uuid()::text, '-', ''), 'hex');

-- The position of a session in the list order (start, id):
-- "<start in microseconds since the epoch>:<id>".
CREATE FUNCTION kaigi_session_position(p_starts_at timestamptz, p_id bigint)
RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$
	SELECT (extract(epoch FROM p_starts_at) * 1000000)::bigint || ':' || p_id
$$;

-- GET /conferences/{slug}/sessions: {"items", "next"} or NULL (404) for an
-- unknown conference. Ordered by (start, id). p_after is '0' for the first
-- page, else the position (kaigi_session_position) of the last item of the
-- previous page, which the page starts after; next is the position of this
-- page's last item when there is more. The position carries the start the
-- caller saw, so the page never looks a session up by id: a cursor cannot
-- tell whether a session the caller may not see exists, or when it starts
-- (kaigid only takes positions it sealed itself, server/cursor.c). Filters
-- as kaigi_sessions_list (020): from, to, kind, room_id, delegation.
CREATE FUNCTION kaigi_sessions_page(p_actor jsonb, p_slug text, p_filter jsonb,
    p_limit int, p_after text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	WITH c AS (SELECT id FROM conferences WHERE slug = p_slug),
	prev AS (
		SELECT timestamptz 'epoch' + split_part(p_after, ':', 1)::bigint
			* interval '1 microsecond' AS starts_at,
		    split_part(p_after, ':', 2)::bigint AS id
		WHERE p_after <> '0'
	),
	page AS (
		SELECT s.id, s.starts_at FROM sessions s, c
		WHERE s.conference_id = c.id
		    AND (NOT EXISTS (SELECT 1 FROM prev) OR (s.starts_at, s.id) >
			(SELECT starts_at, id FROM prev))
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
	numbered AS (SELECT id, starts_at,
	    row_number() OVER (ORDER BY starts_at, id) AS n FROM page)
	SELECT jsonb_build_object(
	    'items', coalesce((SELECT jsonb_agg(kaigi_session_json(id) ORDER BY n)
		FROM numbered WHERE n <= p_limit), '[]'::jsonb),
	    'next', (SELECT to_jsonb(kaigi_session_position(starts_at, id))
		FROM numbered WHERE n = p_limit
		AND EXISTS (SELECT 1 FROM numbered WHERE n > p_limit)))
	FROM c
$$;
