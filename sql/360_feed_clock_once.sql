-- 360_feed_clock_once.sql — a feed's Last-Modified clock read once per
-- feed, and cheaply (issue 18: the feed p99 during a plenary's send;
-- issue 21: cold feeds).
--
-- 030's kaigi_feed_rows meant to evaluate kaigi_feed_changed once ("OFFSET
-- 0: evaluated once"), but the planner put that lateral subquery on the
-- inner side of the sessions' nested loop: EXPLAIN ANALYZE showed it run
-- once per session (loops=30). Each run took the maximum updated_at of
-- every participant of the conference by a scan (2.2 ms at 20,000), so
-- the public feed of 30 sessions took 65 ms to read on a quiet machine,
-- and 0.35 to 2 s while the cache refilled under load (scripts/bench/
-- mail-load). Now:
-- - the maxima are read from (conference_id, updated_at) indexes;
-- - kaigi_feed_rows (130's) asks kaigi_feed_changed once and gives its
--   answer as every row's changed; the draft's own per-row column is then
--   unused, and the planner drops an unused output of a subquery, so it
--   is no longer computed. In release mode the rows come from the
--   release and their clock is the release's (130), as before.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

CREATE INDEX participants_conference_updated_idx ON participants (conference_id, updated_at);
CREATE INDEX sessions_conference_updated_idx ON sessions (conference_id, updated_at);
CREATE INDEX session_changes_conference_at_idx ON session_changes (conference_id, at);
CREATE INDEX delegations_conference_updated_idx ON delegations (conference_id, updated_at);

ALTER FUNCTION kaigi_feed_rows(bigint, text, jsonb, bigint)
    RENAME TO kaigi_feed_rows_clock_per_row;

-- The rows of a feed (030's contract, 130's rule), the clock read once.
CREATE FUNCTION kaigi_feed_rows(p_conference_id bigint, p_name text,
    p_actor jsonb, p_room_id bigint)
RETURNS SETOF kaigi_feed_row
LANGUAGE plpgsql STABLE AS $$
DECLARE
	c		conferences;
	v_changed	bigint;
BEGIN
	SELECT * INTO c FROM conferences WHERE id = p_conference_id;
	IF NOT FOUND OR kaigi_release_mode(c, p_actor) THEN
		RETURN QUERY SELECT * FROM kaigi_feed_rows_clock_per_row(
		    p_conference_id, p_name, p_actor, p_room_id);
		RETURN;
	END IF;
	v_changed := kaigi_feed_changed(c.id);
	RETURN QUERY SELECT f.conference_id, f.name, f.timezone, v_changed,
	    f.id, f.kind, f.title, f.description, f.room, f.venue, f.starts_at,
	    f.ends_at, f.status, f.sequence, f.created_at, f.updated_at,
	    f.reserved
	FROM kaigi_feed_rows_draft(p_conference_id, p_name, p_actor,
	    p_room_id) f;
END $$;
