-- 061_feed_clock.sql — what keeps feed validators honest: a per-feed clock
-- for Last-Modified, and a log of the transactions that changed what feeds
-- show, to revalidate cached feeds while kaigid cannot LISTEN.
--
-- Last-Modified. A feed's Last-Modified is not the time of the latest
-- change (whole seconds: two changes within one second would give two
-- different feeds one Last-Modified, and a client that sends only
-- If-Modified-Since would get a false 304). It is the feed's own clock:
-- kaigid reports each rendering (feed key, strong ETag, latest change);
-- the same ETag keeps its instant, a new one gets at least the previous
-- instant + 1 s. So Last-Modified never repeats for different bytes and
-- never goes back (cancellations and deletions included), in every worker
-- and across restarts, since the clock is here. After a burst of changes
-- it may run a few seconds ahead of the wall clock.
--
-- Revalidation. Every transaction that changes what a feed of a
-- conference shows leaves one row (conference, transaction id) in
-- feed_changes, written by the triggers below on the tables that NOTIFY
-- kaigi_changes. A feed rendered under snapshot S is still good if no
-- such row of its conference is invisible to S: one index range scan.

CREATE TABLE feed_clock (
	feed		text PRIMARY KEY,	-- kaigid's cache key: public:<slug>, token:<sha256>, room:...
	etag		text NOT NULL,
	last_modified	bigint NOT NULL		-- epoch seconds
);

-- The Last-Modified (epoch seconds) of feed p_feed rendered with p_etag,
-- whose latest change is p_changed: the clock of that ETag if it is the
-- feed's current one, else max(p_changed, the clock + 1), stored.
CREATE FUNCTION kaigi_feed_clock(p_feed text, p_etag text, p_changed bigint)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	lm	bigint;
BEGIN
	INSERT INTO feed_clock AS f (feed, etag, last_modified)
	VALUES (p_feed, p_etag, p_changed)
	ON CONFLICT (feed) DO UPDATE SET etag = EXCLUDED.etag,
	    last_modified = greatest(EXCLUDED.last_modified, f.last_modified + 1)
	    WHERE f.etag <> EXCLUDED.etag
	RETURNING last_modified INTO lm;
	IF lm IS NULL THEN	-- same ETag: the row is locked, and as it was
		SELECT last_modified INTO lm FROM feed_clock WHERE feed = p_feed;
	END IF;
	RETURN lm;
END $$;

CREATE TABLE feed_changes (
	conference_id	bigint NOT NULL,	-- no FK: a deleted conference's rows stay
	xact		xid8 NOT NULL,
	PRIMARY KEY (conference_id, xact)
);

-- AFTER row trigger: this transaction changed what the feeds of a
-- conference show (conferences: its id; else conference_id, old and new).
CREATE FUNCTION kaigi_feed_log() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	r	record;
	c	bigint[];
BEGIN
	IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
	IF TG_TABLE_NAME = 'conferences' THEN
		c := ARRAY[r.id];
	ELSE
		c := ARRAY[r.conference_id];
		IF TG_OP = 'UPDATE' AND OLD.conference_id IS DISTINCT FROM NEW.conference_id THEN
			c := c || OLD.conference_id;
		END IF;
	END IF;
	INSERT INTO feed_changes (conference_id, xact)
	SELECT x, pg_current_xact_id() FROM unnest(c) x WHERE x IS NOT NULL
	ON CONFLICT DO NOTHING;
	RETURN NULL;
END $$;

-- The tables whose changes feeds show (session attendees and parties touch
-- their session, so sessions covers them).
CREATE TRIGGER conferences_feed_log AFTER INSERT OR UPDATE OR DELETE ON conferences
    FOR EACH ROW EXECUTE FUNCTION kaigi_feed_log();
CREATE TRIGGER venues_feed_log AFTER INSERT OR UPDATE OR DELETE ON venues
    FOR EACH ROW EXECUTE FUNCTION kaigi_feed_log();
CREATE TRIGGER rooms_feed_log AFTER INSERT OR UPDATE OR DELETE ON rooms
    FOR EACH ROW EXECUTE FUNCTION kaigi_feed_log();
CREATE TRIGGER delegations_feed_log AFTER INSERT OR UPDATE OR DELETE ON delegations
    FOR EACH ROW EXECUTE FUNCTION kaigi_feed_log();
CREATE TRIGGER participants_feed_log AFTER INSERT OR UPDATE OR DELETE ON participants
    FOR EACH ROW EXECUTE FUNCTION kaigi_feed_log();
CREATE TRIGGER feed_tokens_feed_log AFTER INSERT OR UPDATE OR DELETE ON feed_tokens
    FOR EACH ROW EXECUTE FUNCTION kaigi_feed_log();
CREATE TRIGGER sessions_feed_log AFTER INSERT OR UPDATE OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION kaigi_feed_log();

-- Is a feed of conference p_conference_id rendered under snapshot
-- p_snapshot still what the database holds (no committed change since)?
CREATE FUNCTION kaigi_feed_fresh(p_conference_id bigint, p_snapshot pg_snapshot)
RETURNS boolean LANGUAGE sql STABLE AS $$
	SELECT NOT EXISTS (SELECT 1 FROM feed_changes
	    WHERE conference_id = p_conference_id
		AND xact >= pg_snapshot_xmin(p_snapshot)
		AND NOT pg_visible_in_snapshot(xact, p_snapshot))
$$;
