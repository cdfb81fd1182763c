-- 380_feed_attendance_set.sql — a feed's attendance lines read once per
-- feed as a set instead of once per row (issue 21: the feed query made
-- set-based; a cold personal feed).
--
-- Every feed query joined kaigi_feed_attendance(f) to each of its rows:
-- 240's "X represented by Y" lines and remote links, wrapped by 310 with
-- the interpretation line. Two SQL functions deep, neither inlinable: 0.31
-- ms a row, 140 of the 145 ms of a cold personal feed of 450 events
-- (scripts/bench/cop --scale 0.1, auto_explain). kaigi_feed_attendances
-- gives the same lines for every session of a conference that has any, in
-- one statement; kaigid joins it once per feed, to the rows their reader
-- may see (server/feed.c). tests/integration/44-attendance-set.t holds it
-- equal to kaigi_feed_attendance for every row of every feed.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- Session by session, of conference p_cid, the sessions with anything to
-- say: att_note, 240's represented lines then 310's interpretation line;
-- att_links, 240's remote links. For the rows a reader may see only (the
-- caller's join): a reserved row shows none of it.
CREATE FUNCTION kaigi_feed_attendances(p_cid bigint)
RETURNS TABLE (session_id bigint, att_note text, att_links text)
LANGUAGE sql STABLE AS $$
	SELECT s.id, nullif(concat_ws(E'\n', r.note,
		CASE WHEN cardinality(s.interpretation) > 0
		    THEN kaigi_interp_note(s.id) END), ''), l.links
	FROM sessions s
	LEFT JOIN (SELECT a.session_id, string_agg(p.name || ' represented by '
		|| rp.name, E'\n' ORDER BY p.id) AS note
	    FROM session_attendees a JOIN participants p ON p.id = a.participant_id
	    JOIN participants rp ON rp.id = a.represented_by
	    JOIN sessions x ON x.id = a.session_id
	    WHERE x.conference_id = p_cid AND a.mode = 'represented'
	    GROUP BY a.session_id) r ON r.session_id = s.id
	LEFT JOIN (SELECT a.session_id, string_agg(DISTINCT a.link, E'\n') AS links
	    FROM session_attendees a JOIN sessions x ON x.id = a.session_id
	    WHERE x.conference_id = p_cid AND a.link IS NOT NULL
	    GROUP BY a.session_id) l ON l.session_id = s.id
	WHERE s.conference_id = p_cid AND (r.note IS NOT NULL
	    OR l.links IS NOT NULL OR cardinality(s.interpretation) > 0)
$$;
