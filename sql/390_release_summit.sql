-- 390_release_summit.sql — releases carry the summit data (issue 17 ×
-- issue 18): interpretation (a session's pairs and its interpreters) and
-- representation (an attendance's mode, represented_by and remote link).
--
-- 130's snapshot held the session columns and the attendance and party
-- links only. A release-mode reader therefore got, compared with live mode
-- for the same data (tests/integration/47-release-summit.t):
--   - programme.pdf: no "represented by X", no "(remote)", no
--     interpretation line (130/190's kaigi_release_programme_item);
--   - an interpreter's own feed and programme: none of the sessions they
--     interpret (130's kaigi_release_visible had no interpreter rule, 260's
--     kaigi_session_visible has);
--   - feeds: the represented lines, remote links (CONFERENCE) and
--     interpretation line of the draft, not of the release (380's
--     kaigi_feed_attendances reads the sessions tables): a draft change of
--     them was published at once, changing the feed's bytes and ETag.
--
-- Now release_sessions.interpretation, release_attendees.mode,
-- .represented_by, .link and release_interpreters are copied by
-- kaigi_release_copy, and every release reader takes them from the
-- release: kaigi_release_visible (an interpreter sees the sessions they
-- interpret, to their participant feed, as 260's rule), the feeds'
-- attendance lines (kaigi_feed_attendances(conference, actor): the last
-- release's for a reader in release mode, 380's for the others; kaigid
-- passes the room feed's caller, server/feed.c), the programme's items and
-- the session JSON (the page's data and GET /sessions/{id}: attendees with
-- their attendance, interpretation and interpreters, as the draft's JSON
-- has them; it had none).
-- Names are the participants' (as release_attendees' always were). Releases
-- made before this migration get the draft's data of now (what their feeds
-- showed until now).
--
-- Replaced: 130's kaigi_release_visible, 210's kaigi_release_copy, 190's
-- kaigi_release_programme_item; 380's kaigi_feed_attendances(bigint)
-- renamed kaigi_feed_attendances_draft and wrapped; 210's
-- kaigi_release_session_json renamed *_without_summit and wrapped.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

ALTER TABLE release_sessions
    ADD COLUMN interpretation text[] NOT NULL DEFAULT '{}';
ALTER TABLE release_attendees
    ADD COLUMN mode text NOT NULL DEFAULT 'in_person',
    ADD COLUMN represented_by bigint,	-- no FK: a release outlives its people
    ADD COLUMN link text;

CREATE TABLE release_interpreters (
	release_id	bigint NOT NULL REFERENCES releases ON DELETE CASCADE,
	session_id	bigint NOT NULL,
	participant_id	bigint NOT NULL,
	pair		text NOT NULL,
	auto		boolean NOT NULL,
	PRIMARY KEY (release_id, session_id, participant_id)
);

-- Releases made before: the draft's data of now.
UPDATE release_sessions rs SET interpretation = s.interpretation
FROM sessions s WHERE s.id = rs.session_id;
UPDATE release_attendees ra SET mode = a.mode,
    represented_by = a.represented_by, link = a.link
FROM session_attendees a
WHERE a.session_id = ra.session_id AND a.participant_id = ra.participant_id;
INSERT INTO release_interpreters (release_id, session_id, participant_id, pair,
    auto)
SELECT rs.release_id, i.session_id, i.participant_id, i.pair, i.auto
FROM release_sessions rs JOIN session_interpreters i ON i.session_id = rs.session_id;

-- 210's copy, plus interpretation, the attendances' modes and the
-- interpreters.
CREATE OR REPLACE FUNCTION kaigi_release_copy(p_cid bigint, p_rid bigint)
RETURNS void LANGUAGE sql AS $$
	INSERT INTO release_sessions (release_id, session_id, conference_id,
	    kind, title, description, room_id, room, venue, starts_at, ends_at,
	    status, visibility, sequence, created_at, updated_at, titles,
	    descriptions, interpretation)
	SELECT p_rid, s.id, s.conference_id, s.kind, s.title, s.description,
	    s.room_id, r.name, v.name, s.starts_at, s.ends_at, s.status,
	    s.visibility, s.sequence, s.created_at, s.updated_at, s.titles,
	    s.descriptions, s.interpretation
	FROM sessions s
	LEFT JOIN rooms r ON r.id = s.room_id
	LEFT JOIN venues v ON v.id = r.venue_id
	WHERE s.conference_id = p_cid;
	INSERT INTO release_attendees (release_id, session_id, participant_id,
	    delegation_id, mode, represented_by, link)
	SELECT p_rid, a.session_id, a.participant_id, p.delegation_id, a.mode,
	    a.represented_by, a.link
	FROM session_attendees a
	JOIN sessions s ON s.id = a.session_id
	JOIN participants p ON p.id = a.participant_id
	WHERE s.conference_id = p_cid;
	INSERT INTO release_delegations (release_id, session_id, delegation_id)
	SELECT p_rid, d.session_id, d.delegation_id
	FROM session_delegations d JOIN sessions s ON s.id = d.session_id
	WHERE s.conference_id = p_cid;
	INSERT INTO release_interpreters (release_id, session_id, participant_id,
	    pair, auto)
	SELECT p_rid, i.session_id, i.participant_id, i.pair, i.auto
	FROM session_interpreters i JOIN sessions s ON s.id = i.session_id
	WHERE s.conference_id = p_cid;
$$;

-- Does p_actor see the release's session rs? 130's rule, plus 260's: an
-- interpreter of it sees it (their participant feed; not their
-- delegation, which is no party to what they interpret).
CREATE OR REPLACE FUNCTION kaigi_release_visible(rs release_sessions, p_actor jsonb)
RETURNS boolean LANGUAGE sql STABLE AS $$
	SELECT CASE
	    WHEN p_actor->>'role' = 'admin' THEN true
	    WHEN rs.visibility = 'public' THEN true
	    WHEN (p_actor->>'conference_id')::bigint IS DISTINCT FROM rs.conference_id
		THEN false
	    WHEN rs.visibility = 'conference' THEN true
	    WHEN p_actor->>'role' = 'secretariat' THEN true
	    ELSE EXISTS (SELECT 1 FROM release_delegations d
		WHERE d.release_id = rs.release_id AND d.session_id = rs.session_id
		    AND d.delegation_id = (p_actor->>'delegation_id')::bigint)
		OR EXISTS (SELECT 1 FROM release_attendees a
		    WHERE a.release_id = rs.release_id AND a.session_id = rs.session_id
			AND (a.delegation_id = (p_actor->>'delegation_id')::bigint
			    OR a.participant_id = (p_actor->>'participant_id')::bigint))
		OR EXISTS (SELECT 1 FROM release_interpreters i
		    WHERE i.release_id = rs.release_id AND i.session_id = rs.session_id
			AND i.participant_id = (p_actor->>'participant_id')::bigint)
	    END
$$;

-- 310's kaigi_interp_note of a release's row: "Interpretation: ja↔en (A,
-- B)", its pairs each with the release's interpreters by name; NULL when
-- it needs none. Only for readers who may see the session.
CREATE FUNCTION kaigi_release_interp_note(rs release_sessions) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT 'Interpretation: ' || string_agg(replace(x.pr, '-', '↔')
	    || coalesce(' (' || (SELECT string_agg(p.name, ', ' ORDER BY p.name, p.id)
		FROM release_interpreters i JOIN participants p ON p.id = i.participant_id
		WHERE i.release_id = rs.release_id AND i.session_id = rs.session_id
		    AND i.pair = x.pr) || ')', ''),
	    '; ' ORDER BY x.n)
	FROM unnest(rs.interpretation) WITH ORDINALITY AS x (pr, n)
$$;

-- 380's kaigi_feed_attendances of release p_rid (none for NULL): session
-- by session, its represented lines then its interpretation line
-- (att_note) and its remote links (att_links).
CREATE FUNCTION kaigi_release_feed_attendances(p_rid bigint)
RETURNS TABLE (session_id bigint, att_note text, att_links text)
LANGUAGE sql STABLE AS $$
	SELECT rs.session_id, nullif(concat_ws(E'\n', r.note,
		CASE WHEN cardinality(rs.interpretation) > 0
		    THEN kaigi_release_interp_note(rs) END), ''), l.links
	FROM release_sessions rs
	LEFT JOIN (SELECT a.session_id, string_agg(p.name || ' represented by '
		|| rp.name, E'\n' ORDER BY p.id) AS note
	    FROM release_attendees a JOIN participants p ON p.id = a.participant_id
	    JOIN participants rp ON rp.id = a.represented_by
	    WHERE a.release_id = p_rid AND a.mode = 'represented'
	    GROUP BY a.session_id) r ON r.session_id = rs.session_id
	LEFT JOIN (SELECT a.session_id, string_agg(DISTINCT a.link, E'\n') AS links
	    FROM release_attendees a
	    WHERE a.release_id = p_rid AND a.link IS NOT NULL
	    GROUP BY a.session_id) l ON l.session_id = rs.session_id
	WHERE rs.release_id = p_rid AND (r.note IS NOT NULL
	    OR l.links IS NOT NULL OR cardinality(rs.interpretation) > 0)
$$;

ALTER FUNCTION kaigi_feed_attendances(bigint)
    RENAME TO kaigi_feed_attendances_draft;

-- A feed's attendance lines for reader p_actor (NULL: a feed token's or
-- the public, never a writer): in release mode (kaigi_release_mode) the
-- last release's, else the draft's (380). kaigid joins them to the rows
-- the reader may see, which come from the same side (kaigi_feed_rows).
CREATE FUNCTION kaigi_feed_attendances(p_cid bigint, p_actor jsonb)
RETURNS TABLE (session_id bigint, att_note text, att_links text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	c	conferences;
BEGIN
	SELECT * INTO c FROM conferences WHERE id = p_cid;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	IF kaigi_release_mode(c, coalesce(p_actor, '{"role": "none"}')) THEN
		RETURN QUERY SELECT * FROM kaigi_release_feed_attendances(
		    (kaigi_release_last(c.id)).id);
	ELSE
		RETURN QUERY SELECT * FROM kaigi_feed_attendances_draft(p_cid);
	END IF;
END $$;

-- 380's kaigi_feed_attendances(conference), for the public and the token
-- feeds: their readers never write.
CREATE FUNCTION kaigi_feed_attendances(p_cid bigint)
RETURNS TABLE (session_id bigint, att_note text, att_links text)
LANGUAGE sql STABLE AS $$
	SELECT * FROM kaigi_feed_attendances(p_cid, NULL::jsonb)
$$;

-- 190's programme item of a release's row, as 240 and 310 made the
-- draft's: attendees with mode and represented_by (a name), and
-- "interpretation" (the line, or absent).
CREATE OR REPLACE FUNCTION kaigi_release_programme_item(rs release_sessions, tz text,
    p_did bigint)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('id', rs.session_id, 'kind', rs.kind,
	    'title', rs.title, 'status', rs.status, 'visibility', rs.visibility,
	    'start', kaigi_programme_clock(rs.starts_at, tz,
		(rs.starts_at AT TIME ZONE tz)::date),
	    'end', kaigi_programme_clock(rs.ends_at, tz,
		(rs.starts_at AT TIME ZONE tz)::date),
	    'room', rs.room, 'venue', rs.venue,
	    'attendees', coalesce((SELECT jsonb_agg(jsonb_build_object(
		'name', p.name, 'role', p.role, 'mode', a.mode)
		|| CASE WHEN rp.id IS NULL THEN '{}'::jsonb
		    ELSE jsonb_build_object('represented_by', rp.name) END
		ORDER BY array_position(ARRAY['head', 'deputy', 'member', 'staff'],
		    p.role), p.name, p.id)
		FROM release_attendees a JOIN participants p ON p.id = a.participant_id
		LEFT JOIN participants rp ON rp.id = a.represented_by
		WHERE a.release_id = rs.release_id AND a.session_id = rs.session_id
		    AND a.delegation_id = p_did), '[]'::jsonb),
	    'delegations', coalesce((SELECT jsonb_agg(d.code ORDER BY kaigi_delegation_rank(d.id), d.code)
		FROM release_delegations sd JOIN delegations d ON d.id = sd.delegation_id
		WHERE sd.release_id = rs.release_id AND sd.session_id = rs.session_id),
		'[]'::jsonb))
	    || CASE WHEN n.note IS NULL THEN '{}'::jsonb
		ELSE jsonb_build_object('interpretation', n.note) END
	FROM (SELECT kaigi_release_interp_note(rs) AS note) n
$$;

-- An attendee in a release's session JSON: 240's kaigi_attendance_json
-- (mode, represented_by {id, name}, link) of a release's row, with the
-- delegation of release time (as 130's).
CREATE FUNCTION kaigi_release_attendance_json(a release_attendees) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('id', p.id, 'name', p.name, 'role', p.role,
	    'delegation', d.code, 'mode', a.mode)
	    || CASE WHEN a.represented_by IS NULL THEN '{}'::jsonb
		ELSE jsonb_build_object('represented_by', a.represented_by,
		    'represented_by_name', (SELECT r.name FROM participants r
			WHERE r.id = a.represented_by)) END
	    || CASE WHEN a.link IS NULL THEN '{}'::jsonb
		ELSE jsonb_build_object('link', a.link) END
	FROM participants p JOIN delegations d ON d.id = a.delegation_id
	WHERE p.id = a.participant_id
$$;

ALTER FUNCTION kaigi_release_session_json(release_sessions, conferences)
    RENAME TO kaigi_release_session_json_without_summit;

-- 210's session JSON of a release's row, attendees with their attendance,
-- and 260's interpretation and interpreters ({id, name, pair, auto}), all
-- of the release. Given only to a caller who may see the row.
CREATE FUNCTION kaigi_release_session_json(rs release_sessions, c conferences)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT kaigi_release_session_json_without_summit(rs, c)
	    || jsonb_build_object(
		'attendees', coalesce((SELECT jsonb_agg(
		    kaigi_release_attendance_json(a) ORDER BY a.participant_id)
		    FROM release_attendees a JOIN participants p ON p.id = a.participant_id
		    WHERE a.release_id = rs.release_id
			AND a.session_id = rs.session_id), '[]'::jsonb),
		'interpretation', to_jsonb(rs.interpretation),
		'interpreters', coalesce((SELECT jsonb_agg(jsonb_build_object(
		    'id', p.id, 'name', p.name, 'pair', i.pair, 'auto', i.auto)
		    ORDER BY i.pair, p.name, p.id)
		    FROM release_interpreters i JOIN participants p ON p.id = i.participant_id
		    WHERE i.release_id = rs.release_id
			AND i.session_id = rs.session_id), '[]'::jsonb))
$$;
