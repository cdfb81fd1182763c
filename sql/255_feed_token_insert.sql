-- 255_feed_token_insert.sql — issuing a feed token no longer tells kaigid
-- that the conference's feeds changed.
--
-- 001's feed_tokens_notify and 061's feed_tokens_feed_log fired on INSERT
-- too, so every new token NOTIFYed kaigi_changes and logged a feed_changes
-- row: kaigid dropped every cached feed of the conference (hooks.c), and a
-- feed rendered before the token was stale on revalidation. A new token
-- changes no feed anyone can fetch (an unknown token is a 404, which is
-- never cached), so secretariats issuing tokens for a delegation emptied
-- the cache of everyone else's feeds, and 39-feed-cache-bound saw its hot
-- feed become a miss when a token's NOTIFY arrived late on a busy machine.
-- An UPDATE (revocation, a change of scope) or a DELETE still does both.

DROP TRIGGER feed_tokens_notify ON feed_tokens;
CREATE TRIGGER feed_tokens_notify AFTER UPDATE OR DELETE ON feed_tokens
    FOR EACH ROW EXECUTE FUNCTION kaigi_notify_conference();

DROP TRIGGER feed_tokens_feed_log ON feed_tokens;
CREATE TRIGGER feed_tokens_feed_log AFTER UPDATE OR DELETE ON feed_tokens
    FOR EACH ROW EXECUTE FUNCTION kaigi_feed_log();
