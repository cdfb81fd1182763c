-- 490_plan_audit_set.sql — an auto-schedule's audit rows written as a set
-- (issues 17 and 20: the benchmarks through the API within 3 s).
--
-- 290's plan write ended with one call of kaigi_session_audit and one of
-- kaigi_bilateral_audit per placement, each row's session JSON built by
-- kaigi_session_json: three nested PL/pgSQL functions (260's, 180's, 240's)
-- with a query each, and one more call per attendee, delegation rank and
-- interpreter list. Timed inside the write of the planted benchmark with
-- interpreters (scripts/bench/solver --via-api -I 20, 2,000 placements):
-- 0.6 of its 1.4 s. Now kaigi_session_json_of(ids) builds the JSON of all
-- the plan's sessions in one query (the same object as kaigi_session_json:
-- tests/integration/58-plan-write.t holds the set path's audit rows equal
-- to the per-row path's, and 58-plan-audit-set.t holds the two functions
-- equal over every session of the demo), and all the audit rows go in
-- with one INSERT, in the same order (per placement, the session's then
-- the request's).
--
-- Replaces (CREATE OR REPLACE, same signature): 480's
-- kaigi_bilateral_plan_audit.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- A session's attendees as kaigi_session_json gives them (400's
-- kaigi_attendance_json each, by participant id), '[]' for none.
CREATE FUNCTION kaigi_session_json_attendees(p_sid bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(jsonb_build_object('id', p.id, 'name', p.name,
	    'role', p.role, 'delegation', d.code, 'mode', a.mode)
	    || CASE WHEN a.represented_by IS NULL THEN '{}'::jsonb
		ELSE jsonb_build_object('represented_by', a.represented_by,
		    'represented_by_name', rp.name) END
	    || CASE WHEN a.link IS NULL THEN '{}'::jsonb
		ELSE jsonb_build_object('link', a.link) END
	    ORDER BY a.participant_id), '[]'::jsonb)
	FROM session_attendees a JOIN participants p ON p.id = a.participant_id
	JOIN delegations d ON d.id = p.delegation_id
	LEFT JOIN participants rp ON rp.id = a.represented_by
	WHERE a.session_id = p_sid
$$;

-- kaigi_session_json(id) for each id of p_ids: 240's object (attendees as
-- 400's kaigi_attendance_json, delegations in protocol order), 180's
-- capacity, 260's interpretation and interpreters (400's order).
CREATE FUNCTION kaigi_session_json_of(p_ids bigint[])
RETURNS TABLE (session_id bigint, j jsonb) LANGUAGE sql STABLE AS $$
	SELECT s.id, jsonb_build_object(
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
	    'attendees', kaigi_session_json_attendees(s.id),
	    'delegations', coalesce((SELECT jsonb_agg(d.code ORDER BY k.rank, d.code)
		FROM session_delegations sd JOIN delegations d ON d.id = sd.delegation_id
		LEFT JOIN delegation_ranks k ON k.delegation_id = d.id
		WHERE sd.session_id = s.id), '[]'::jsonb),
	    'created_at', kaigi_session_ts(s.created_at, c.timezone),
	    'updated_at', kaigi_session_ts(s.updated_at, c.timezone))
	    || jsonb_build_object('capacity', s.registration_capacity,
		'interpretation', to_jsonb(s.interpretation),
		'interpreters', coalesce((SELECT jsonb_agg(jsonb_build_object('id', p.id,
		    'name', p.name, 'pair', i.pair, 'auto', i.auto)
		    ORDER BY i.pair, p.name, p.id)
		    FROM session_interpreters i JOIN participants p ON p.id = i.participant_id
		    WHERE i.session_id = s.id), '[]'))
	FROM sessions s JOIN conferences c ON c.id = s.conference_id
	LEFT JOIN rooms r ON r.id = s.room_id
	LEFT JOIN venues v ON v.id = r.venue_id
	WHERE s.id = ANY (p_ids)
$$;

-- 480's: the plan's audit rows, per placement, in plan order, the
-- session's creation then the request's scheduling (290's rows, 140's
-- columns), as one INSERT.
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
		jsonb_build_object('status', r.status), kaigi_bilateral_json(r.bilateral_id)
	    FROM unnest(p_rows) r) x
	ORDER BY x.ord, x.k;
END $$;
