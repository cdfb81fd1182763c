-- 630_sessions_page_set.sql — the session list pages ask the visibility
-- rule once per page as a set, not once per session (issue 21: lists at
-- COP size; 370 did this for feeds and the programme).
--
-- 060's kaigi_sessions_page (kaigi_sessions_page_draft since 130) filtered
-- with kaigi_session_visible(s.id, actor) on every session of the
-- conference from the cursor on, then sorted and cut the page: the rule
-- ran on all that is left of the conference for each page. At COP size
-- (scripts/bench/solver --via-api -n 20000 -R 300 -D 12: 19,231 sessions
-- after the schedule, auto_explain) a page of 1,000 took 4.4 s, nearly all
-- of it in those calls, and reading the whole list 20 pages, about 45 s.
-- Now the page keeps the sessions in kaigi_sessions_seen(conference,
-- actor) (370: the same rule, held equal by 22-visible-set.t), computed
-- once. Same filters, order and positions.
-- tests/integration/36-sessions-page-set.t: every actor's pages equal the
-- rule session by session, and no call of kaigi_session_visible.
--
-- Replaces (CREATE OR REPLACE, same signature): 060's body of
-- kaigi_sessions_page_draft. The release-mode page (130's
-- kaigi_release_sessions_page) is left as it is.
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
	    row_number() OVER (ORDER BY starts_at, id) AS n FROM page)
	SELECT jsonb_build_object(
	    'items', coalesce((SELECT jsonb_agg(kaigi_session_json(id) ORDER BY n)
		FROM numbered WHERE n <= p_limit), '[]'::jsonb),
	    'next', (SELECT to_jsonb(kaigi_session_position(starts_at, id))
		FROM numbered WHERE n = p_limit
		AND EXISTS (SELECT 1 FROM numbered WHERE n > p_limit)))
	FROM c
$$;
