-- 920_export_sessions_bilaterals_set.sql — the sessions' and the bilateral
-- requests' exports built as one query each, as 910 did for participants.
--
-- 310 added the interpretation columns to 080's (and 240's) rows by
-- building a second list of the same sessions, and of the same requests,
-- and zipping the two by position (kaigi_export_zip, each row's key
-- checked against the other's); 510 zipped the sessions a second time for
-- their capacity. So the sessions' sheet was read three times and zipped
-- twice (1.4 s at COP size, 5,000 sessions), the requests' twice and
-- zipped once. kaigi_export_sessions_rows and kaigi_export_bilaterals_rows
-- build each row whole: 850's columns (the visible sessions as a set) with
-- interpretation, interpreters and capacity; 080's with interpretation.
-- Same objects, same order, same actors.
-- tests/integration/18-export-rows-set.t compares them with 510's paths
-- for every actor and counts the zip's calls.
--
-- Replaces (CREATE OR REPLACE, same signature): 910's kaigi_export. New:
-- kaigi_export_sessions_rows, kaigi_export_bilaterals_rows.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- 850's kaigi_export_sessions with 310's interpretation and interpreters
-- and 510's capacity, by start.
CREATE FUNCTION kaigi_export_sessions_rows(p_actor jsonb, c conferences)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(jsonb_build_object('ref', s.ref, 'kind', s.kind,
	    'title', s.title, 'description', s.description, 'venue', v.name,
	    'room', r.name, 'start', kaigi_ts(s.starts_at, c.timezone),
	    'end', kaigi_ts(s.ends_at, c.timezone), 'status', s.status,
	    'visibility', s.visibility,
	    'attendees', (SELECT string_agg(kaigi_export_person(p, p_actor), ';'
		ORDER BY p.id) FROM session_attendees a
		JOIN participants p ON p.id = a.participant_id
		WHERE a.session_id = s.id),
	    'delegations', (SELECT string_agg(d.code, ';' ORDER BY kaigi_delegation_rank(d.id), d.code)
		FROM session_delegations sd JOIN delegations d ON d.id = sd.delegation_id
		WHERE sd.session_id = s.id),
	    'expected_attendance', s.expected_attendance,
	    'represented', (SELECT string_agg(kaigi_export_person(p, p_actor) || '='
		|| kaigi_export_person(rp, p_actor), ';' ORDER BY p.id)
		FROM session_attendees a JOIN participants p ON p.id = a.participant_id
		JOIN participants rp ON rp.id = a.represented_by
		WHERE a.session_id = s.id),
	    'remote', (SELECT string_agg(kaigi_export_person(p, p_actor)
		|| coalesce('=' || a.link, ''), ';' ORDER BY p.id)
		FROM session_attendees a JOIN participants p ON p.id = a.participant_id
		WHERE a.session_id = s.id AND a.mode = 'remote'),
	    'interpretation', nullif(array_to_string(s.interpretation, ';'), ''),
	    'interpreters', (SELECT string_agg(kaigi_export_person(p, p_actor), ';'
		ORDER BY p.id) FROM session_interpreters i
		JOIN participants p ON p.id = i.participant_id
		WHERE i.session_id = s.id AND NOT i.auto),
	    'capacity', s.registration_capacity)
	    ORDER BY s.starts_at, s.id), '[]')
	FROM sessions s LEFT JOIN rooms r ON r.id = s.room_id
	LEFT JOIN venues v ON v.id = r.venue_id
	WHERE s.conference_id = c.id
	    AND s.id IN (SELECT kaigi_sessions_seen(c.id, p_actor))
$$;

-- 080's kaigi_export_bilaterals with 310's interpretation, by id.
CREATE FUNCTION kaigi_export_bilaterals_rows(p_actor jsonb, c conferences)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(jsonb_build_object('ref', b.ref,
	    'requester', rq.code, 'counterpart', cp.code,
	    'duration_minutes', b.duration_minutes,
	    'earliest', kaigi_ts(b.earliest, c.timezone),
	    'latest', kaigi_ts(b.latest, c.timezone), 'priority', b.priority,
	    'level', b.level, 'topics', b.topics, 'status', b.status,
	    'start', kaigi_ts(s.starts_at, c.timezone), 'venue', v.name,
	    'room', r.name,
	    'interpretation', nullif(array_to_string(b.interpretation, ';'), ''))
	    ORDER BY b.id), '[]')
	FROM bilateral_requests b
	JOIN delegations rq ON rq.id = b.requester_delegation_id
	JOIN delegations cp ON cp.id = b.counterpart_delegation_id
	LEFT JOIN sessions s ON s.id = b.session_id
	LEFT JOIN rooms r ON r.id = s.room_id
	LEFT JOIN venues v ON v.id = r.venue_id
	WHERE b.conference_id = c.id AND kaigi_bilateral_visible(b, p_actor)
$$;

-- GET /conferences/{slug}/export/{kind}.csv (910's), sessions and
-- bilateral requests in one query each.
CREATE OR REPLACE FUNCTION kaigi_export(p_actor jsonb, p_slug text, p_kind text)
RETURNS jsonb LANGUAGE plpgsql STABLE SET jit = off AS $$
DECLARE
	c	conferences := kaigi_core_conference(p_slug);
BEGIN
	IF p_kind = 'registrations' THEN
		PERFORM kaigi_export_may_registrations(p_actor, c);
		RETURN kaigi_export_registrations(p_actor, c);
	ELSIF p_kind = 'participants' THEN
		PERFORM kaigi_export_may(p_actor, c, p_kind);
		RETURN kaigi_export_participants(p_actor, c);
	ELSIF p_kind = 'sessions' THEN
		RETURN kaigi_export_sessions_rows(p_actor, c);
	ELSIF p_kind = 'bilaterals' THEN
		RETURN kaigi_export_bilaterals_rows(p_actor, c);
	END IF;
	RETURN kaigi_export_without_registrations(p_actor, p_slug, p_kind);
END $$;
