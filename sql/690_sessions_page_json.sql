-- 690_sessions_page_json.sql — the draft's session list builds its page's
-- objects in one grouped query (540's kaigi_session_json_of), not one
-- kaigi_session_json per session (issue 21: lists at COP size; 680 did
-- the release's).
--
-- 630 left each page's 1,000 objects built one at a time: 21 per-session
-- queries and function calls each (attendees with their attendance,
-- delegations in protocol order, interpreters, capacity). 540's grouped
-- builder gives the same object (tests/integration/58-plan-audit-set.t
-- holds it equal to kaigi_session_json over every session of the demo).
-- tests/integration/36-sessions-page-set.t: the pages' items equal
-- kaigi_session_json's, and no page calls it.
--
-- Replaces (CREATE OR REPLACE, same signature): 630's
-- kaigi_sessions_page_draft.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

CREATE OR REPLACE FUNCTION kaigi_sessions_page_draft(p_actor jsonb, p_slug text,
    p_filter jsonb, p_limit int, p_after text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	WITH c AS (SELECT id FROM conferences WHERE slug = p_slug),
	seen AS MATERIALIZED (
		SELECT DISTINCT x AS id
		FROM c, kaigi_sessions_seen(c.id, p_actor) x
	),
	prev AS (
		SELECT timestamptz 'epoch' + split_part(p_after, ':', 1)::bigint
			* interval '1 microsecond' AS starts_at,
		    split_part(p_after, ':', 2)::bigint AS id
		WHERE p_after <> '0'
	),
	page AS (
		SELECT s.id, s.starts_at FROM sessions s, c
		WHERE s.conference_id = c.id
		    AND s.id IN (SELECT id FROM seen)
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
		ORDER BY s.starts_at, s.id
		LIMIT p_limit + 1
	),
	numbered AS (SELECT id, starts_at,
	    row_number() OVER (ORDER BY starts_at, id) AS n FROM page),
	items AS (SELECT x.session_id, x.j FROM kaigi_session_json_of(
	    ARRAY(SELECT id FROM numbered WHERE n <= p_limit)) x)
	SELECT jsonb_build_object(
	    'items', coalesce((SELECT jsonb_agg(i.j ORDER BY n.n)
		FROM numbered n JOIN items i ON i.session_id = n.id
		WHERE n.n <= p_limit), '[]'::jsonb),
	    'next', (SELECT to_jsonb(kaigi_session_position(starts_at, id))
		FROM numbered WHERE n = p_limit
		AND EXISTS (SELECT 1 FROM numbered WHERE n > p_limit)))
	FROM c
$$;
