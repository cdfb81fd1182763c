-- 680_release_json_grouped.sql — the JSON of a page of a release's
-- sessions with their attendees, delegations and interpreters gathered
-- once per page, not once per session (issue 21: lists at COP size; 540
-- did this for the draft's plan).
--
-- The release-mode session list (130's kaigi_release_sessions_page) asked
-- kaigi_release_visible of every row of the release and built each
-- session's object with kaigi_release_session_json: 210's object (its
-- attendees built and then thrown away by 390's wrapper, its delegations
-- ordered by a call of kaigi_delegation_rank each) joined by 390's
-- attendees (a call of kaigi_release_attendance_json per attendee) and
-- interpreters. On the planted COP a liaison's 296 sessions, plenaries
-- with 200 attendees among them, took 630-815 ms; with the visibility as
-- 650's set, 233 ms. kaigi_release_sessions_json
-- builds the same objects for a set of sessions with one grouped query per
-- list. tests/integration/36-release-json-grouped.t holds it equal to
-- kaigi_release_session_json for every row of two releases of the demo
-- (with attendance modes, a representative, a link and interpreters), and
-- the page's items to it; the page calls neither per-row builder.
--
-- Replaced: 130's kaigi_release_sessions_page: the sessions of 650's set,
-- fetched by the release's primary key, their items from
-- kaigi_release_sessions_json.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- kaigi_release_session_json(rs, c) for release p_rid's rows of sessions
-- p_ids: (session_id, object).
CREATE FUNCTION kaigi_release_sessions_json(c conferences, p_rid bigint,
    p_ids bigint[])
RETURNS TABLE (session_id bigint, j jsonb) LANGUAGE sql STABLE AS $$
	WITH att AS (
	    SELECT a.session_id, jsonb_agg(jsonb_build_object('id', p.id,
		'name', p.name, 'role', p.role, 'delegation', d.code, 'mode', a.mode)
		|| CASE WHEN a.represented_by IS NULL THEN '{}'::jsonb
		    ELSE jsonb_build_object('represented_by', a.represented_by,
			'represented_by_name', rp.name) END
		|| CASE WHEN a.link IS NULL THEN '{}'::jsonb
		    ELSE jsonb_build_object('link', a.link) END
		ORDER BY a.participant_id) AS j
	    FROM release_attendees a JOIN participants p ON p.id = a.participant_id
	    JOIN delegations d ON d.id = a.delegation_id
	    LEFT JOIN participants rp ON rp.id = a.represented_by
	    WHERE a.release_id = p_rid AND a.session_id = ANY (p_ids)
	    GROUP BY a.session_id),
	del AS (
	    SELECT sd.session_id, jsonb_agg(d.code ORDER BY k.rank, d.code) AS j
	    FROM release_delegations sd JOIN delegations d ON d.id = sd.delegation_id
	    LEFT JOIN delegation_ranks k ON k.delegation_id = d.id
	    WHERE sd.release_id = p_rid AND sd.session_id = ANY (p_ids)
	    GROUP BY sd.session_id),
	itp AS (
	    SELECT i.session_id, jsonb_agg(jsonb_build_object('id', p.id,
		'name', p.name, 'pair', i.pair, 'auto', i.auto)
		ORDER BY i.pair, p.name, p.id) AS j
	    FROM release_interpreters i JOIN participants p ON p.id = i.participant_id
	    WHERE i.release_id = p_rid AND i.session_id = ANY (p_ids)
	    GROUP BY i.session_id)
	SELECT rs.session_id, jsonb_build_object(
	    'id', rs.session_id, 'conference', c.slug, 'kind', rs.kind,
	    'title', rs.title, 'description', rs.description,
	    'room_id', rs.room_id, 'room', rs.room, 'venue_id', r.venue_id,
	    'venue', rs.venue,
	    'start', kaigi_session_ts(rs.starts_at, c.timezone),
	    'end', kaigi_session_ts(rs.ends_at, c.timezone),
	    'duration_minutes', (extract(epoch FROM rs.ends_at - rs.starts_at) / 60)::int,
	    'status', rs.status, 'visibility', rs.visibility,
	    'sequence', rs.sequence, 'version', NULL,
	    'titles', rs.titles, 'descriptions', rs.descriptions,
	    'attendees', coalesce(att.j, '[]'::jsonb),
	    'delegations', coalesce(del.j, '[]'::jsonb),
	    'created_at', kaigi_session_ts(rs.created_at, c.timezone),
	    'updated_at', kaigi_session_ts(rs.updated_at, c.timezone),
	    'interpretation', to_jsonb(rs.interpretation),
	    'interpreters', coalesce(itp.j, '[]'::jsonb))
	FROM release_sessions rs
	LEFT JOIN rooms r ON r.id = rs.room_id
	LEFT JOIN att ON att.session_id = rs.session_id
	LEFT JOIN del ON del.session_id = rs.session_id
	LEFT JOIN itp ON itp.session_id = rs.session_id
	WHERE rs.release_id = p_rid AND rs.session_id = ANY (p_ids)
$$;

-- 130's, read from 650's set, asked once per page: its rows are fetched by
-- the release's primary key (a semi join of the release's rows against
-- the set, planned with a release just written and not yet analysed, ran
-- 5.6 million comparisons: 0.39 s for a liaison's 296 sessions); the
-- items built once for the page.
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
		SELECT rs, rs.session_id AS id, rs.starts_at
		FROM seen JOIN release_sessions rs
		    ON rs.release_id = (SELECT id FROM rid)
			AND rs.session_id = seen.id
		WHERE (NOT EXISTS (SELECT 1 FROM prev) OR (rs.starts_at, rs.session_id)
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
		ORDER BY rs.starts_at, rs.session_id
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
