-- 820_feed_attendances_sparse.sql — a feed's attendance lines are found
-- from the few rows that have any, not by reading every session and every
-- attendee of the conference (issue 21: the feed query at COP size).
--
-- 380's kaigi_feed_attendances (390's kaigi_feed_attendances_draft), which
-- every feed query joins once, read the conference's 12,032 sessions and
-- all of session_attendees to find the sessions with a represented
-- attendee, a remote link or interpretation: 8.6 ms of a COP personal
-- feed's 42 ms query (scripts/bench/cop --scale 1 --copy-only, by psql,
-- median of 9, twice), for no row at all there. Each of the three kinds
-- is now read by a partial index, then only those sessions: 3.2-3.6 ms
-- (alternated with the old in one session, the same data). Same rows:
-- tests/integration/44-attendance-set.t holds them equal to the per-row
-- kaigi_feed_attendance for every reader of the demo (represented
-- minister, interpreters, remote links).
--
-- Not done here: 390's kaigi_release_feed_attendances, the same reading of
-- a release's rows in release mode.
--
-- Replaces (CREATE OR REPLACE, same signature): kaigi_feed_attendances_draft
-- (380's body, renamed by 390).
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

CREATE INDEX sessions_interpretation_idx ON sessions (conference_id)
    WHERE cardinality(interpretation) > 0;
CREATE INDEX session_attendees_link_idx ON session_attendees (session_id)
    WHERE link IS NOT NULL;

-- 380's: session by session, of conference p_cid, the sessions with
-- anything to say (att_note: represented lines, then the interpretation
-- line; att_links: remote links).
CREATE OR REPLACE FUNCTION kaigi_feed_attendances_draft(p_cid bigint)
RETURNS TABLE (session_id bigint, att_note text, att_links text)
LANGUAGE sql STABLE AS $$
	WITH r AS MATERIALIZED (SELECT a.session_id, string_agg(p.name
		|| ' represented by ' || rp.name, E'\n' ORDER BY p.id) AS note
	    FROM session_attendees a JOIN participants p ON p.id = a.participant_id
	    JOIN participants rp ON rp.id = a.represented_by
	    JOIN sessions x ON x.id = a.session_id
	    WHERE x.conference_id = p_cid AND a.mode = 'represented'
		AND a.represented_by IS NOT NULL
	    GROUP BY a.session_id),
	l AS MATERIALIZED (SELECT a.session_id, string_agg(DISTINCT a.link, E'\n') AS links
	    FROM session_attendees a JOIN sessions x ON x.id = a.session_id
	    WHERE x.conference_id = p_cid AND a.link IS NOT NULL
	    GROUP BY a.session_id),
	ids AS (SELECT r.session_id FROM r UNION SELECT l.session_id FROM l
	    UNION SELECT s.id FROM sessions s
	    WHERE s.conference_id = p_cid AND cardinality(s.interpretation) > 0)
	SELECT s.id, nullif(concat_ws(E'\n', r.note,
		CASE WHEN cardinality(s.interpretation) > 0
		    THEN kaigi_interp_note(s.id) END), ''), l.links
	FROM ids JOIN sessions s ON s.id = ids.session_id
	LEFT JOIN r ON r.session_id = s.id
	LEFT JOIN l ON l.session_id = s.id
$$;
