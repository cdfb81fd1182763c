-- 550_feed_confidential_once.sql — a feed asks which of its conference's
-- sessions are confidential once, not once per row (issue 21: a cold
-- personal feed under 20 ms at COP size).
--
-- Every feed query gave each row 250's kaigi_feed_busy, which asked
-- kaigi_feed_confidential for the row's session: the conference's
-- release mode for the reader (kaigi_release_mode), then the session (or
-- its released copy). 0.14 ms a row: 1.6 of the 5.1 ms of a demo
-- participant's 12-session feed, and 0.4 s for the 3,000 sessions a COP
-- delegate's feed carries. Now the feed query (server/feed.c) reads the
-- ids once, kaigi_feed_confidential_ids, with the same rule, and gives a
-- row what kaigi_feed_busy gave it: NULL when its session is not among
-- them, '' when the row is the session itself, else the busy block's UID
-- (kaigi_feed_busy_uid, 250's hash). tests/integration/30-feed-calls.t
-- counts the calls; the feed tests (22-confidential, 76-access-matrix,
-- 47-release-summit...) hold the rows as they were.
--
-- Adds; 250's kaigi_feed_busy and kaigi_feed_confidential stay (the
-- same rule, for one session).
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- The ids of conference p_cid's confidential sessions as the reader
-- p_actor sees them: the last release's, for a reader of a release-mode
-- conference's release; else the sessions'. '{}' for none.
CREATE FUNCTION kaigi_feed_confidential_ids(p_cid bigint, p_actor jsonb)
RETURNS bigint[] LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN kaigi_release_mode(c, coalesce(p_actor, '{"role": "none"}'))
	    THEN ARRAY(SELECT rs.session_id FROM release_sessions rs
		WHERE rs.release_id = (kaigi_release_last(c.id)).id
		    AND rs.visibility = 'confidential')
	    ELSE ARRAY(SELECT s.id FROM sessions s
		WHERE s.conference_id = c.id AND s.visibility = 'confidential') END
	FROM conferences c WHERE c.id = p_cid
$$;

-- 250's busy block UID of session p_sid of conference p_cid.
CREATE FUNCTION kaigi_feed_busy_uid(p_cid bigint, p_sid bigint)
RETURNS text LANGUAGE sql STABLE AS $$
	SELECT 'busy-' || left(encode(sha256(k.secret
	    || convert_to(p_cid || ':' || p_sid, 'UTF8')), 'hex'), 32)
	FROM kaigi_secrets k WHERE k.name = 'busy'
$$;

-- A conference's confidential sessions, without reading its others.
CREATE INDEX sessions_confidential_idx ON sessions (conference_id)
    WHERE visibility = 'confidential';
CREATE INDEX release_sessions_release_confidential_idx ON release_sessions (release_id)
    WHERE visibility = 'confidential';
