-- 996_sessions_pages_by_key.sql — the session list, draft and release,
-- reads each session the caller sees by its key (issue 21: lists at COP
-- size).
--
-- 630/690's page kept the sessions that are IN the caller's seen set (a
-- materialised CTE). With the page's filters, each an OR over the filter
-- document, the planner counted one session of the conference and joined
-- the set to it as a nested-loop semi join: for every session of the
-- conference a scan of the set. At COP size (5,000 sessions, all seen by
-- the secretariat) a page of 10 read 12.5 million set rows, 0.45 s through
-- kaigid, growing with the square of the programme (with the bilaterals of
-- a COP, 25,000 sessions, past the statement timeout). 680's release-mode
-- page joined its seen set to release_sessions the same way: a liaison's
-- page of 10 read the set 5,000 times, 0.78 s.
--
-- Each page now walks the seen set and looks each session (or release
-- row) up by its key inside a fence (OFFSET 0, as 790's), so no plan can
-- pair every session with the set: same filters, order, cursor and
-- objects.
-- tests/integration/36-sessions-page-plan.t counts the plan's rows.
--
-- Replaces (CREATE OR REPLACE, same signatures): 690's
-- kaigi_sessions_page_draft, 680's kaigi_release_sessions_page.
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
		SELECT s.id, s.starts_at FROM seen CROSS JOIN LATERAL (
		    SELECT s.id, s.starts_at FROM sessions s, c
		    WHERE s.id = seen.id AND s.conference_id = c.id
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
		    OFFSET 0) s	-- (each seen session by its key, never a scan per row)
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

CREATE OR REPLACE FUNCTION kaigi_release_sessions_page(p_actor jsonb, c conferences,
    p_filter jsonb, p_limit int, p_after text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	WITH rid AS MATERIALIZED (SELECT (kaigi_release_last(c.id)).id AS id),
	seen AS MATERIALIZED (SELECT DISTINCT x AS id
	    FROM rid, kaigi_release_sessions_seen(rid.id, p_actor) x),
	prev AS (
		SELECT timestamptz 'epoch' + split_part(p_after, ':', 1)::bigint
			* interval '1 microsecond' AS starts_at,
		    split_part(p_after, ':', 2)::bigint AS id
		WHERE p_after <> '0'
	),
	page AS (
		SELECT x.rs, x.id, x.starts_at FROM seen CROSS JOIN LATERAL (
		    SELECT rs, rs.session_id AS id, rs.starts_at
		    FROM release_sessions rs
		    WHERE rs.release_id = (SELECT id FROM rid)
			AND rs.session_id = seen.id
		    AND (NOT EXISTS (SELECT 1 FROM prev) OR (rs.starts_at, rs.session_id)
			> (SELECT starts_at, id FROM prev))
		    AND (p_filter->>'from' IS NULL
			OR rs.ends_at > (p_filter->>'from')::timestamptz)
		    AND (p_filter->>'to' IS NULL
			OR rs.starts_at < (p_filter->>'to')::timestamptz)
		    AND (p_filter->>'kind' IS NULL OR rs.kind = p_filter->>'kind')
		    AND (p_filter->>'room_id' IS NULL
			OR rs.room_id = (p_filter->>'room_id')::bigint)
		    AND (p_filter->>'delegation' IS NULL OR EXISTS (
			SELECT 1 FROM delegations d WHERE d.conference_id = c.id
			    AND d.code = p_filter->>'delegation'
			    AND (EXISTS (SELECT 1 FROM release_delegations sd
				WHERE sd.release_id = rs.release_id
				    AND sd.session_id = rs.session_id
				    AND sd.delegation_id = d.id)
			    OR EXISTS (SELECT 1 FROM release_attendees a
				WHERE a.release_id = rs.release_id
				    AND a.session_id = rs.session_id
				    AND a.delegation_id = d.id))))
		    OFFSET 0) x	-- (each seen session by its key, never a scan per row)
		ORDER BY x.starts_at, x.id
		LIMIT p_limit + 1
	),
	numbered AS (SELECT rs, id, starts_at,
	    row_number() OVER (ORDER BY starts_at, id) AS n FROM page),
	items AS (SELECT x.session_id, x.j FROM kaigi_release_sessions_json(c,
	    (SELECT id FROM rid), ARRAY(SELECT id FROM numbered
		WHERE n <= p_limit)) x)
	SELECT jsonb_build_object(
	    'items', coalesce((SELECT jsonb_agg(i.j ORDER BY n.n)
		FROM numbered n JOIN items i ON i.session_id = n.id
		WHERE n.n <= p_limit), '[]'::jsonb),
	    'next', (SELECT to_jsonb(kaigi_session_position(starts_at, id))
		FROM numbered WHERE n = p_limit
		AND EXISTS (SELECT 1 FROM numbered WHERE n > p_limit)))
$$;
