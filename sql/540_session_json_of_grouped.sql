-- 540_session_json_of_grouped.sql — the JSON of a plan's sessions with
-- their attendees, delegations and interpreters gathered once per list,
-- not once per session (issue 17: the interpreter benchmark through the
-- API within 3 s).
--
-- 490's kaigi_session_json_of built each session's attendees with a call
-- of kaigi_session_json_attendees (a query per session) and its
-- delegations and interpreters with a correlated subquery each. Timed in
-- the write of scripts/bench/solver --via-api -I 20 (2,000 placements):
-- the write took 1.6 s of the 3 s, over the 1.5 s margin the schedule
-- keeps for it, and the attendees' calls alone 0.19 s. Now each of the
-- three lists is one grouped query over all the ids, joined to the
-- sessions. The object is the same (tests/integration/58-plan-audit-set.t
-- holds it equal to kaigi_session_json's over every session of the demo;
-- 58-plan-write.t the plan's audit rows to the per-row path's).
--
-- Replaces (CREATE OR REPLACE, same signature): 490's kaigi_session_json_of.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

CREATE OR REPLACE FUNCTION kaigi_session_json_of(p_ids bigint[])
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
	    FROM session_attendees a JOIN participants p ON p.id = a.participant_id
	    JOIN delegations d ON d.id = p.delegation_id
	    LEFT JOIN participants rp ON rp.id = a.represented_by
	    WHERE a.session_id = ANY (p_ids)
	    GROUP BY a.session_id),
	del AS (
	    SELECT sd.session_id, jsonb_agg(d.code ORDER BY k.rank, d.code) AS j
	    FROM session_delegations sd JOIN delegations d ON d.id = sd.delegation_id
	    LEFT JOIN delegation_ranks k ON k.delegation_id = d.id
	    WHERE sd.session_id = ANY (p_ids)
	    GROUP BY sd.session_id),
	itp AS (
	    SELECT i.session_id, jsonb_agg(jsonb_build_object('id', p.id,
		'name', p.name, 'pair', i.pair, 'auto', i.auto)
		ORDER BY i.pair, p.name, p.id) AS j
	    FROM session_interpreters i JOIN participants p ON p.id = i.participant_id
	    WHERE i.session_id = ANY (p_ids)
	    GROUP BY i.session_id)
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
	    'attendees', coalesce(att.j, '[]'::jsonb),
	    'delegations', coalesce(del.j, '[]'::jsonb),
	    'created_at', kaigi_session_ts(s.created_at, c.timezone),
	    'updated_at', kaigi_session_ts(s.updated_at, c.timezone))
	    || jsonb_build_object('capacity', s.registration_capacity,
		'interpretation', to_jsonb(s.interpretation),
		'interpreters', coalesce(itp.j, '[]'::jsonb))
	FROM sessions s JOIN conferences c ON c.id = s.conference_id
	LEFT JOIN rooms r ON r.id = s.room_id
	LEFT JOIN venues v ON v.id = r.venue_id
	LEFT JOIN att ON att.session_id = s.id
	LEFT JOIN del ON del.session_id = s.id
	LEFT JOIN itp ON itp.session_id = s.id
	WHERE s.id = ANY (p_ids)
$$;
