-- 560_epoch_inlined.sql — kaigi_epoch is inlined into the queries that
-- call it (issue 21: a cold personal feed at COP size).
--
-- 030's body, floor(extract(epoch FROM ts)), calls extract on a
-- timestamptz, which PostgreSQL marks STABLE (other fields of it depend on
-- the TimeZone setting). The planner inlines an SQL function only when its
-- body is no more volatile than the function says, so this IMMUTABLE one
-- was called for real: four times per feed row, 18,000 calls and 18.7 of
-- the 60 ms of kaigi_feed_rows for a COP delegate's feed of 4,500
-- sessions (track_functions). The same number from an interval, whose
-- parts are immutable: the instant less the epoch. Equal for every
-- instant (checked over 20,000 of the COP bench's and the edges: before
-- 1970, fractions, leap days, year 9999). tests/integration/30-feed-calls.t
-- counts no call of it in a feed.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

CREATE OR REPLACE FUNCTION kaigi_epoch(ts timestamptz) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
	SELECT floor(extract(epoch FROM ts - timestamptz 'epoch'))::bigint
$$;
