-- 340_feed_validator.sql — a feed's conditional GET answered without
-- rendering it (issue 21, item 2: revalidation with no render when nothing
-- in the feed's scope changed).
--
-- Each rendering already reports its feed key and strong ETag to the feed
-- clock (061). It now also reports the conference, the snapshot its rows
-- were read under and the renderer's mark (server/feed-validator.c: the
-- ETag of a fixed sample calendar, so other code or other settings never
-- match). kaigi_feed_validator(key, mark) gives the ETag and Last-Modified
-- back only while no change of that conference has committed since the
-- snapshot (061's kaigi_feed_fresh, the same rule that revalidates a
-- cached feed after LISTEN was lost) and only for the same mark. The
-- (etag, snapshot) pair is always written together by one rendering, so
-- a late writer of older bytes leaves an older snapshot: stale, never a
-- false 304.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

ALTER TABLE feed_clock ADD COLUMN conference_id bigint,
    ADD COLUMN snapshot pg_snapshot,
    ADD COLUMN render text;

-- 061's clock, and the rendering's validator stored with the ETag.
CREATE FUNCTION kaigi_feed_clock(p_feed text, p_etag text, p_changed bigint,
    p_conference_id bigint, p_snapshot pg_snapshot, p_render text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	lm	bigint := kaigi_feed_clock(p_feed, p_etag, p_changed);
BEGIN
	-- The row is locked by the upsert above and holds p_etag now.
	UPDATE feed_clock SET conference_id = p_conference_id,
	    snapshot = p_snapshot, render = p_render
	WHERE feed = p_feed;
	RETURN lm;
END $$;

-- The ETag and Last-Modified of feed p_feed as last rendered, if nothing
-- it shows can have changed since and it was rendered with mark p_render;
-- no row otherwise.
CREATE FUNCTION kaigi_feed_validator(p_feed text, p_render text)
RETURNS TABLE (etag text, last_modified bigint) LANGUAGE sql STABLE AS $$
	SELECT f.etag, f.last_modified FROM feed_clock f
	WHERE f.feed = p_feed AND f.render = p_render
	    AND kaigi_feed_fresh(f.conference_id, f.snapshot)
$$;
