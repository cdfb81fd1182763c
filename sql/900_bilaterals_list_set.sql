-- 900_bilaterals_list_set.sql — a page of GET /conferences/{slug}/bilaterals
-- builds its requests' objects in one query (750's kaigi_bilateral_json_of),
-- not with a kaigi_bilateral_json call per request.
--
-- 040's kaigi_bilaterals_list aggregated kaigi_bilateral_json(id) per
-- request of the page: a PL/pgSQL call and its query each. On the planted
-- COP the read-back of 20,000 requests (20 pages of 1,000) spent 19.6 s in
-- those calls while their plans were stale (890), and 0.6 s since: a call
-- per row is also a plan per connection to keep right. The page now joins
-- its ids to kaigi_bilateral_json_of once; the same objects, in the same
-- order, with the same cursor. tests/integration/58-bilaterals-list-set.t
-- compares every page with 040's for every actor and counts the calls.
--
-- Replaces (CREATE OR REPLACE, same signature): 040's kaigi_bilaterals_list.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

CREATE OR REPLACE FUNCTION kaigi_bilaterals_list(p_actor jsonb, p_slug text, p_status text,
    p_limit int, p_cursor bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	WITH c AS (SELECT id FROM conferences WHERE slug = p_slug),
	page AS MATERIALIZED (
		SELECT b.id, row_number() OVER (ORDER BY b.id) AS n
		FROM bilateral_requests b, c
		WHERE b.conference_id = c.id AND b.id > p_cursor
		    AND (p_status IS NULL OR b.status = p_status)
		    AND kaigi_bilateral_visible(b, p_actor)
		ORDER BY b.id LIMIT p_limit + 1
	)
	SELECT jsonb_build_object(
	    'items', coalesce((SELECT jsonb_agg(j.j ORDER BY p.n)
		FROM page p JOIN kaigi_bilateral_json_of(ARRAY(SELECT id FROM page
		    WHERE n <= p_limit)) j ON j.bilateral_id = p.id
		WHERE p.n <= p_limit), '[]'::jsonb),
	    'next', (SELECT to_jsonb(id::text) FROM page WHERE n = p_limit
		AND EXISTS (SELECT 1 FROM page WHERE n > p_limit)))
	FROM c
$$;
