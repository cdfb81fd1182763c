-- 880_programme_days_set.sql — the PDF programme's days built as one
-- query, not one function call (and its sub-queries) per session.
--
-- 086's kaigi_programme_days aggregated kaigi_programme_item(s, tz, did)
-- per session: 310's item called 240's (now ..._without_interpreters) and
-- kaigi_interp_note, each a SQL function that the planner cannot inline,
-- with sub-queries for the reader's attendees, the parties (each asking
-- kaigi_delegation_rank) and the interpreters. On the COP bench's
-- conference after its schedule (12,019 sessions the secretariat sees)
-- that was 10.9 s of SQL for GET /conferences/{slug}/programme.pdf,
-- against the 10 s statement timeout: a 503 as soon as the machine was
-- busy. Now the attendees and the parties are each one grouped pass over
-- the sessions seen, the ranks are asked once per delegation, and the
-- interpretation line only for sessions that have pairs. Same document.
-- tests/integration/88-programme-days-set.t: equal to 086's aggregate of
-- kaigi_programme_item for every kind of reader, and the call counts.
--
-- The release programme (release mode's readers) had the same shape:
-- 130's kaigi_release_programme_days, 390's kaigi_release_programme_item
-- per session and 410's visibility rule per session. It now takes 650's
-- kaigi_release_sessions_seen and the same grouped passes.
--
-- Replaces (CREATE OR REPLACE, same signatures): 086's kaigi_programme_days
-- and 130's kaigi_release_programme_days. kaigi_programme_item and
-- kaigi_release_programme_item stay (the same item, one session at a time).
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- 086's days of a programme: [{date, label, items: [...]}], each item
-- kaigi_programme_item's, built for all the sessions at once.
CREATE OR REPLACE FUNCTION kaigi_programme_days(p_cid bigint, p_reader_actor jsonb,
    tz text, p_did bigint)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	WITH seen AS (SELECT s.*, (s.starts_at AT TIME ZONE tz)::date AS day
	    FROM sessions s
	    WHERE s.id IN (SELECT kaigi_sessions_visible(p_cid, p_reader_actor))
		AND s.status <> 'cancelled'),
	att AS (SELECT a.session_id, jsonb_agg(jsonb_build_object(
		'name', p.name, 'role', p.role, 'mode', a.mode)
		|| CASE WHEN rp.id IS NULL THEN '{}'::jsonb
		    ELSE jsonb_build_object('represented_by', rp.name) END
		ORDER BY array_position(ARRAY['head', 'deputy', 'member', 'staff'],
		    p.role), p.name, p.id) AS who
	    FROM session_attendees a JOIN participants p ON p.id = a.participant_id
	    LEFT JOIN participants rp ON rp.id = a.represented_by
	    WHERE p.delegation_id = p_did AND a.session_id IN (SELECT id FROM seen)
	    GROUP BY a.session_id),
	sd AS (SELECT x.session_id, x.delegation_id FROM session_delegations x
	    WHERE x.session_id IN (SELECT id FROM seen)),
	rk AS MATERIALIZED (SELECT d.id, d.code, kaigi_delegation_rank(d.id) AS rank
	    FROM delegations d WHERE d.id IN (SELECT delegation_id FROM sd)),
	dels AS (SELECT sd.session_id, jsonb_agg(rk.code ORDER BY rk.rank, rk.code) AS codes
	    FROM sd JOIN rk ON rk.id = sd.delegation_id GROUP BY sd.session_id),
	items AS (SELECT x.day, x.starts_at, x.ends_at, x.id,
	    jsonb_build_object('id', x.id, 'kind', x.kind, 'title', x.title,
		'status', x.status, 'visibility', x.visibility,
		'start', kaigi_programme_clock(x.starts_at, tz, x.day),
		'end', kaigi_programme_clock(x.ends_at, tz, x.day),
		'room', r.name, 'venue', v.name,
		'attendees', coalesce(att.who, '[]'::jsonb),
		'delegations', coalesce(dels.codes, '[]'::jsonb))
	    || CASE WHEN cardinality(x.interpretation) > 0 THEN coalesce((SELECT
		jsonb_build_object('interpretation', t.note)
		FROM kaigi_interp_note(x.id) t (note) WHERE t.note IS NOT NULL),
		'{}'::jsonb) ELSE '{}'::jsonb END AS item
	    FROM seen x
	    LEFT JOIN rooms r ON r.id = x.room_id
	    LEFT JOIN venues v ON v.id = r.venue_id
	    LEFT JOIN att ON att.session_id = x.id
	    LEFT JOIN dels ON dels.session_id = x.id)
	SELECT coalesce(jsonb_agg(jsonb_build_object('date', day::text,
	    'label', to_char(day, 'FMDay FMDD FMMonth YYYY'), 'items', items)
	    ORDER BY day), '[]'::jsonb)
	FROM (SELECT day, jsonb_agg(item ORDER BY starts_at, ends_at, id) AS items
	    FROM items GROUP BY day) per_day
$$;

-- 130's days of release p_rid's programme (release mode's readers), the
-- same way: 390's kaigi_release_programme_item was per session too, and
-- so was 410's visibility rule (now 650's kaigi_release_sessions_seen).
CREATE OR REPLACE FUNCTION kaigi_release_programme_days(p_rid bigint, p_reader_actor jsonb,
    tz text, p_did bigint)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	WITH seen AS (SELECT rs, rs.session_id AS id, rs.starts_at, rs.ends_at,
		(rs.starts_at AT TIME ZONE tz)::date AS day
	    FROM release_sessions rs
	    WHERE rs.release_id = p_rid AND rs.status <> 'cancelled'
		AND rs.session_id IN (SELECT kaigi_release_sessions_seen(p_rid, p_reader_actor))),
	att AS (SELECT a.session_id, jsonb_agg(jsonb_build_object(
		'name', p.name, 'role', p.role, 'mode', a.mode)
		|| CASE WHEN rp.id IS NULL THEN '{}'::jsonb
		    ELSE jsonb_build_object('represented_by', rp.name) END
		ORDER BY array_position(ARRAY['head', 'deputy', 'member', 'staff'],
		    p.role), p.name, p.id) AS who
	    FROM release_attendees a JOIN participants p ON p.id = a.participant_id
	    LEFT JOIN participants rp ON rp.id = a.represented_by
	    WHERE a.release_id = p_rid AND a.delegation_id = p_did
		AND a.session_id IN (SELECT id FROM seen)
	    GROUP BY a.session_id),
	sd AS (SELECT x.session_id, x.delegation_id FROM release_delegations x
	    WHERE x.release_id = p_rid AND x.session_id IN (SELECT id FROM seen)),
	rk AS MATERIALIZED (SELECT d.id, d.code, kaigi_delegation_rank(d.id) AS rank
	    FROM delegations d WHERE d.id IN (SELECT delegation_id FROM sd)),
	dels AS (SELECT sd.session_id, jsonb_agg(rk.code ORDER BY rk.rank, rk.code) AS codes
	    FROM sd JOIN rk ON rk.id = sd.delegation_id GROUP BY sd.session_id),
	items AS (SELECT x.day, x.starts_at, x.ends_at, x.id,
	    jsonb_build_object('id', x.id, 'kind', (x.rs).kind, 'title', (x.rs).title,
		'status', (x.rs).status, 'visibility', (x.rs).visibility,
		'start', kaigi_programme_clock(x.starts_at, tz, x.day),
		'end', kaigi_programme_clock(x.ends_at, tz, x.day),
		'room', (x.rs).room, 'venue', (x.rs).venue,
		'attendees', coalesce(att.who, '[]'::jsonb),
		'delegations', coalesce(dels.codes, '[]'::jsonb))
	    || CASE WHEN cardinality((x.rs).interpretation) > 0 THEN coalesce((SELECT
		jsonb_build_object('interpretation', t.note)
		FROM kaigi_release_interp_note(x.rs) t (note) WHERE t.note IS NOT NULL),
		'{}'::jsonb) ELSE '{}'::jsonb END AS item
	    FROM seen x
	    LEFT JOIN att ON att.session_id = x.id
	    LEFT JOIN dels ON dels.session_id = x.id)
	SELECT coalesce(jsonb_agg(jsonb_build_object('date', day::text,
	    'label', to_char(day, 'FMDay FMDD FMMonth YYYY'), 'items', items)
	    ORDER BY day), '[]'::jsonb)
	FROM (SELECT day, jsonb_agg(item ORDER BY starts_at, ends_at, id) AS items
	    FROM items GROUP BY day) per_day
$$;
