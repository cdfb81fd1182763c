-- 850_export_visible_set.sql — the sessions' export asks the visibility
-- rule once as a set, not once per session (issue 21: a COP's export).
--
-- GET /conferences/{slug}/export/sessions.csv (and export.xlsx) read the
-- sessions three times, for the sheet (240's kaigi_export_sessions), its
-- interpretation columns (310's kaigi_export_interpretation) and its
-- capacity (510's kaigi_export_capacity), each filtering with
-- kaigi_session_visible(s.id, actor) on every session of the conference.
-- On the COP bench's conference after its schedule (19,000 sessions, the
-- secretariat) kaigi_export(..., 'sessions') took 46.7 s, and export.xlsx
-- (kaigi_export_all) 52.9 s: a 503 at the 10 s statement timeout. Now
-- each keeps the sessions in kaigi_sessions_seen(conference, actor) (370:
-- the same rule, held equal by 22-visible-set.t), as 630 did for the
-- session list. Same rows, same order.
-- tests/integration/18-export-visible-set.t: every actor's export equals
-- the rule session by session, and no call of kaigi_session_visible.
--
-- Replaces (CREATE OR REPLACE, same signatures): 240's body of
-- kaigi_export_sessions, 310's kaigi_export_interpretation (its sessions
-- branch; the others restated unchanged) and 510's kaigi_export_capacity.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- 240's, the visible sessions as a set.
CREATE OR REPLACE FUNCTION kaigi_export_sessions(p_actor jsonb, c conferences)
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
		WHERE a.session_id = s.id AND a.mode = 'remote'))
	    ORDER BY s.starts_at, s.id), '[]')
	FROM sessions s LEFT JOIN rooms r ON r.id = s.room_id
	LEFT JOIN venues v ON v.id = r.venue_id
	WHERE s.conference_id = c.id
	    AND s.id IN (SELECT kaigi_sessions_seen(c.id, p_actor))
$$;

-- 310's, its sessions branch the same way.
CREATE OR REPLACE FUNCTION kaigi_export_interpretation(p_actor jsonb, c conferences,
    p_kind text)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT CASE p_kind
	WHEN 'rooms' THEN (SELECT coalesce(jsonb_agg(jsonb_build_object(
	    '_key', r.name, 'booths', r.booths) ORDER BY r.id), '[]')
	    FROM rooms r WHERE r.conference_id = c.id)
	WHEN 'participants' THEN (SELECT coalesce(jsonb_agg(jsonb_build_object(
	    '_key', p.name, 'language_pairs',
	    nullif(array_to_string(p.language_pairs, ';'), '')) ORDER BY p.id), '[]')
	    FROM kaigi_export_people(p_actor, c.id) p)
	WHEN 'sessions' THEN (SELECT coalesce(jsonb_agg(jsonb_build_object(
	    '_key', s.title, 'interpretation',
	    nullif(array_to_string(s.interpretation, ';'), ''),
	    'interpreters', (SELECT string_agg(kaigi_export_person(p, p_actor), ';'
		ORDER BY p.id) FROM session_interpreters i
		JOIN participants p ON p.id = i.participant_id
		WHERE i.session_id = s.id AND NOT i.auto))
	    ORDER BY s.starts_at, s.id), '[]')
	    FROM sessions s
	    WHERE s.conference_id = c.id
		AND s.id IN (SELECT kaigi_sessions_seen(c.id, p_actor)))
	WHEN 'bilaterals' THEN (SELECT coalesce(jsonb_agg(jsonb_build_object(
	    '_key', cp.code, 'interpretation',
	    nullif(array_to_string(b.interpretation, ';'), '')) ORDER BY b.id), '[]')
	    FROM bilateral_requests b
	    JOIN delegations cp ON cp.id = b.counterpart_delegation_id
	    WHERE b.conference_id = c.id AND kaigi_bilateral_visible(b, p_actor))
	END
$$;

-- 510's, the same way.
CREATE OR REPLACE FUNCTION kaigi_export_capacity(p_actor jsonb, c conferences)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(jsonb_build_object('_key', s.title,
	    'capacity', s.registration_capacity) ORDER BY s.starts_at, s.id), '[]')
	FROM sessions s
	WHERE s.conference_id = c.id
	    AND s.id IN (SELECT kaigi_sessions_seen(c.id, p_actor))
$$;
