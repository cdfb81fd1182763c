-- 840_feed_own_lean.sql — a personal feed's own read (830's
-- kaigi_feed_token_own) does only the token's own work (issue 21: at 100
-- times Takasaki and at COP size the GET over all tokens is a stream of
-- these reads, and PostgreSQL's CPU for them is what limits it).
--
-- Each own read still did three things for the whole conference:
-- - its sessions joined to the own set by a hash of all of them: the set
--   comes from a PL/pgSQL function, estimated at 1,000 rows, and the
--   plan of an SQL function is generic, so a token with 38 sessions of
--   its own read the conference's 12,000 by a sequential scan (10 of its
--   14 ms; auto_explain). Each is now looked up by key inside an OFFSET
--   0 fence (790's and 810's pattern);
-- - the attendance lines of all its sessions (kaigi_feed_attendances,
--   1.4-3.5 ms at COP size), joined to a few rows or none: now
--   kaigi_feed_attendances_of reads those of the read's own sessions
--   only, nothing when there are none;
-- - the conference's clock (kaigi_feed_changed, 0.7 ms), which the shared
--   part read in the same state of the conference already has (830's
--   kaigi_feed_shared_fresh is what makes them one state): the own rows
--   now give NULL, and kaigid takes the shared part's.
-- tests/integration/44-feed-shared.t holds the feeds equal to the whole
-- ones, attendance lines on own sessions (a remote attendee's link on a
-- restricted meeting) included.
--
-- Replaces (CREATE OR REPLACE, same signatures): 830's kaigi_feed_rows_own
-- and kaigi_release_feed_rows_own.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- 830's, its sessions by key, without the clock (changed NULL: the
-- shared part's).
CREATE OR REPLACE FUNCTION kaigi_feed_rows_own(c conferences, p_name text,
    p_actor jsonb)
RETURNS SETOF kaigi_feed_row
LANGUAGE sql STABLE AS $$
	WITH own AS MATERIALIZED (SELECT DISTINCT x
	    FROM kaigi_sessions_seen_own(c.id, p_actor) x)
	SELECT c.id, p_name, c.timezone, NULL::bigint,
	    s.id, s.kind, s.title, s.description, r.name, v.name,
	    kaigi_epoch(s.starts_at), kaigi_epoch(s.ends_at), s.status, s.sequence,
	    kaigi_epoch(s.created_at), kaigi_epoch(s.updated_at), s.reserved
	FROM (SELECT 1) one
	LEFT JOIN LATERAL (
		SELECT s.* FROM own CROSS JOIN LATERAL (SELECT s.*,
		    false AS reserved FROM sessions s WHERE s.id = own.x
		    OFFSET 0) s
		WHERE s.conference_id = c.id
		    AND s.visibility NOT IN ('public', 'conference')
	) s ON true
	LEFT JOIN rooms r ON r.id = s.room_id
	LEFT JOIN venues v ON v.id = r.venue_id
$$;

-- 830's, its sessions by key, without the clock.
CREATE OR REPLACE FUNCTION kaigi_release_feed_rows_own(c conferences,
    p_name text, p_actor jsonb, p_rid bigint)
RETURNS SETOF kaigi_feed_row
LANGUAGE sql STABLE AS $$
	WITH own AS MATERIALIZED (SELECT DISTINCT x
	    FROM kaigi_release_sessions_seen_own(p_rid, p_actor) x)
	SELECT c.id, p_name, c.timezone, NULL::bigint,
	    s.session_id, s.kind, s.title, s.description, s.room, s.venue,
	    kaigi_epoch(s.starts_at), kaigi_epoch(s.ends_at), s.status, s.sequence,
	    kaigi_epoch(s.created_at), kaigi_epoch(s.updated_at), s.reserved
	FROM (SELECT 1) one
	LEFT JOIN LATERAL (
		SELECT rs.* FROM own CROSS JOIN LATERAL (SELECT rs.*,
		    false AS reserved FROM release_sessions rs
		    WHERE rs.release_id = p_rid AND rs.session_id = own.x
		    OFFSET 0) rs
		WHERE rs.visibility NOT IN ('public', 'conference')
	) s ON true
$$;

-- 820's attendance lines of the draft, of sessions p_ids only.
CREATE FUNCTION kaigi_feed_attendances_draft_of(p_cid bigint, p_ids bigint[])
RETURNS TABLE (session_id bigint, att_note text, att_links text)
LANGUAGE sql STABLE AS $$
	WITH r AS MATERIALIZED (SELECT a.session_id, string_agg(p.name
		|| ' represented by ' || rp.name, E'\n' ORDER BY p.id) AS note
	    FROM session_attendees a JOIN participants p ON p.id = a.participant_id
	    JOIN participants rp ON rp.id = a.represented_by
	    WHERE a.session_id = ANY (p_ids) AND a.mode = 'represented'
		AND a.represented_by IS NOT NULL
	    GROUP BY a.session_id),
	l AS MATERIALIZED (SELECT a.session_id, string_agg(DISTINCT a.link, E'\n') AS links
	    FROM session_attendees a
	    WHERE a.session_id = ANY (p_ids) AND a.link IS NOT NULL
	    GROUP BY a.session_id)
	SELECT s.id, nullif(concat_ws(E'\n', r.note,
		CASE WHEN cardinality(s.interpretation) > 0
		    THEN kaigi_interp_note(s.id) END), ''), l.links
	FROM sessions s
	LEFT JOIN r ON r.session_id = s.id
	LEFT JOIN l ON l.session_id = s.id
	WHERE s.id = ANY (p_ids) AND s.conference_id = p_cid
	    AND (r.note IS NOT NULL OR l.links IS NOT NULL
		OR cardinality(s.interpretation) > 0)
$$;

-- The attendance lines of a feed token's or the public's reader (390's
-- kaigi_feed_attendances(p_cid, NULL)), of sessions p_ids only; none for
-- none.
CREATE FUNCTION kaigi_feed_attendances_of(p_cid bigint, p_ids bigint[])
RETURNS TABLE (session_id bigint, att_note text, att_links text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	c	conferences;
BEGIN
	IF coalesce(cardinality(p_ids), 0) = 0 THEN
		RETURN;
	END IF;
	SELECT * INTO c FROM conferences WHERE id = p_cid;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	IF kaigi_release_mode(c, '{"role": "none"}') THEN
		RETURN QUERY SELECT a.* FROM kaigi_release_feed_attendances(
		    (kaigi_release_last(c.id)).id) a
		    WHERE a.session_id = ANY (p_ids);
	ELSE
		RETURN QUERY SELECT * FROM kaigi_feed_attendances_draft_of(p_cid,
		    p_ids);
	END IF;
END $$;
