-- 750_bilateral_json_set.sql — a plan's audit rows build the requests'
-- JSON in one query, not with a call per request (issue 21: the schedule's
-- write at COP size).
--
-- 490's kaigi_bilateral_plan_audit wrote each placement's "schedule" audit
-- row with kaigi_bilateral_json(id) (250's object, 260's interpretation):
-- one PL/pgSQL call and its query per request. On the planted COP
-- (19,000 placements) track_functions gave 1.8-2.1 s to those calls, among
-- the 15 s of the write.
--
-- kaigi_bilateral_json_of(ids) gives the objects for a set of requests in
-- one query (250's columns and joins, the window by 140's
-- kaigi_bilateral_window, 260's interpretation), and the plan's audit uses
-- it. It is the one definition of the object: kaigi_bilateral_json(id) is
-- now kaigi_bilateral_json_of of that id (PL/pgSQL, as 400 keeps its
-- callers' plans), and 250's body (260's
-- kaigi_bilateral_json_without_interpretation) is dropped.
-- tests/integration/58-bilateral-json-set.t checks one object per request;
-- the API's tests hold its fields, and 58-plan-write.t still holds the set
-- path's audit rows equal to the per-row path's.
--
-- Replaces (CREATE OR REPLACE, same signatures): 490's
-- kaigi_bilateral_plan_audit, 260's kaigi_bilateral_json. New:
-- kaigi_bilateral_json_of. Dropped: kaigi_bilateral_json_without_interpretation.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- kaigi_bilateral_json of each request p_ids (those that exist).
CREATE FUNCTION kaigi_bilateral_json_of(p_ids bigint[])
RETURNS TABLE (bilateral_id bigint, j jsonb)
LANGUAGE sql STABLE AS $$
	SELECT b.id, jsonb_build_object('id', b.id, 'conference', c.slug,
	    'requester', rq.code, 'requester_id', rq.id, 'requester_name', rq.name,
	    'counterpart', cp.code, 'counterpart_id', cp.id, 'counterpart_name', cp.name,
	    'duration_minutes', b.duration_minutes,
	    'earliest', kaigi_ts(w.earliest, c.timezone),
	    'latest', kaigi_ts(w.latest, c.timezone),
	    'priority', b.priority, 'level', b.level, 'topics', b.topics,
	    'status', b.status, 'session_id', b.session_id,
	    'start', kaigi_ts(s.starts_at, c.timezone),
	    'end', kaigi_ts(s.ends_at, c.timezone), 'room_id', s.room_id,
	    'fixed_start', kaigi_ts(b.fixed_start, c.timezone),
	    'after', to_jsonb(b.after_ids), 'confidential', b.confidential,
	    'version', b.version,
	    'created_at', kaigi_ts(b.created_at, c.timezone),
	    'updated_at', kaigi_ts(b.updated_at, c.timezone),
	    'interpretation', to_jsonb(b.interpretation))
	FROM bilateral_requests b JOIN conferences c ON c.id = b.conference_id
	JOIN delegations rq ON rq.id = b.requester_delegation_id
	JOIN delegations cp ON cp.id = b.counterpart_delegation_id
	LEFT JOIN sessions s ON s.id = b.session_id
	CROSS JOIN LATERAL kaigi_bilateral_window(b) w
	WHERE b.id = ANY (p_ids)
$$;

-- 260's kaigi_bilateral_json: the API's object of request p_id (NULL when
-- there is none).
CREATE OR REPLACE FUNCTION kaigi_bilateral_json(p_id bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT x.j FROM kaigi_bilateral_json_of(ARRAY[p_id]) x);
END $$;

DROP FUNCTION kaigi_bilateral_json_without_interpretation(bigint);

-- 490's: the plan's audit rows, per placement, in plan order, the
-- session's creation then the request's scheduling, as one INSERT; the
-- requests' JSON from kaigi_bilateral_json_of.
CREATE OR REPLACE FUNCTION kaigi_bilateral_plan_audit(p_actor jsonb, p_conference_id bigint,
    p_rows kaigi_plan_row[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO audit_log (conference_id, token_id, role, action, entity,
	    entity_id, before, after)
	SELECT p_conference_id, (p_actor->>'token_id')::bigint, p_actor->>'role',
	    x.action, x.entity, x.id, x.before, x.after
	FROM (SELECT r.ord, 1 AS k, 'create' AS action, 'session' AS entity,
		r.session_id AS id, NULL::jsonb AS before, sj.j AS after
	    FROM unnest(p_rows) r
	    JOIN kaigi_session_json_of(ARRAY(SELECT x.session_id FROM unnest(p_rows) x)) sj
		ON sj.session_id = r.session_id
	    UNION ALL
	    SELECT r.ord, 2, 'schedule', 'bilateral_request', r.bilateral_id,
		jsonb_build_object('status', r.status), bj.j
	    FROM unnest(p_rows) r
	    JOIN kaigi_bilateral_json_of(ARRAY(SELECT x.bilateral_id FROM unnest(p_rows) x)) bj
		ON bj.bilateral_id = r.bilateral_id) x
	ORDER BY x.ord, x.k;
END $$;
