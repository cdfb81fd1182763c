/*
 * test_feed_memo.c — feeds' validators kept past their bytes
 * (server/feed-memo.c): kept and found, refused when read before an
 * invalidation or while LISTEN was down, dropped with their conference's
 * feeds and by a clear of the feed cache, many without collisions, one
 * per slot. Prints TAP.
 */
#include <stdio.h>
#include <string.h>

#include "feed-cache.h"
#include "feed-memo.h"
#include "tap.h"

/* Keep key of conference conf with etag, read at the current generation. */
static void
put(const char *key, long long conf, const char *etag)
{
	feed_memo_put(key, conf, etag, 1000, 1, 0, feed_cache_generation());
}

/* The etag kept for key, or "". */
static const char *
etag(const char *key)
{
	const struct feed_memo	*m = feed_memo_get(key);

	return m != NULL ? m->etag : "";
}

/*
 * 2,000 feeds' memos, as many calendar apps polling feeds rendered by the
 * other worker: every one kept. A direct-mapped table lost some to
 * collisions, and two colliding feeds then asked the database at every
 * poll, each evicting the other (a COP-size revalidation run's p99 went
 * from 2 ms to 131-309 ms when that happened).
 */
static void
many(void)
{
	char	key[80];
	int	i, found = 0;

	for (i = 0; i < 2000; i++) {
		snprintf(key, sizeof key, "token:%064x", i * 2654435761u);
		put(key, 4, "\"m\"");
	}
	for (i = 0; i < 2000; i++) {
		snprintf(key, sizeof key, "token:%064x", i * 2654435761u);
		found += feed_memo_get(key) != NULL;
	}
	ok(found == 2000, "2,000 memos: every one kept and found (%d)", found);
	feed_cache_clear();
}

/* Run every section. */
int
main(void)
{
	unsigned long	gen;
	char		key[32];
	int		i, found = 0;

	ok(feed_memo_get("token:a") == NULL, "nothing kept at first");
	put("token:a", 1, "\"a1\"");
	put("token:b", 2, "\"b1\"");
	ok(strcmp(etag("token:a"), "\"a1\"") == 0 &&
	    strcmp(etag("token:b"), "\"b1\"") == 0 && feed_memo_count() == 2,
	    "kept and found by key");
	put("token:a", 1, "\"a2\"");
	ok(strcmp(etag("token:a"), "\"a2\"") == 0 && feed_memo_count() == 2,
	    "a newer rendering replaces it");
	gen = feed_cache_generation();
	feed_cache_invalidate(2);
	ok(feed_memo_get("token:b") == NULL && feed_memo_get("token:a") != NULL,
	    "a NOTIFY of conference 2 drops its memos, not the others'");
	feed_memo_put("token:b", 2, "\"b0\"", 1000, 1, 0, gen);
	ok(feed_memo_get("token:b") == NULL,
	    "a memo read before that invalidation is refused");
	feed_memo_put("token:c", 2, "\"c\"", 1000, 0, 0, feed_cache_generation());
	ok(feed_memo_get("token:c") == NULL,
	    "a memo read while LISTEN was down is refused");
	feed_cache_clear();
	ok(feed_memo_get("token:a") == NULL && feed_memo_count() == 0,
	    "clearing the feed cache (lost LISTEN, revoked token) drops all");
	many();
	for (i = 0; i < 3 * FEED_MEMO_SLOTS; i++) {
		snprintf(key, sizeof key, "token:%d", i);
		put(key, 3, "\"x\"");
	}
	for (i = 0; i < 3 * FEED_MEMO_SLOTS; i++) {
		snprintf(key, sizeof key, "token:%d", i);
		found += feed_memo_get(key) != NULL;
	}
	ok(feed_memo_count() <= FEED_MEMO_SLOTS && found ==
	    (int)feed_memo_count() && found > FEED_MEMO_SLOTS / 2,
	    "three times as many keys as slots: at most one memo a slot (%d)",
	    found);
	feed_cache_clear();
	return (tap_done());
}
