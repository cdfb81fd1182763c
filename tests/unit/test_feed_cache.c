/*
 * test_feed_cache.c — the feed cache on its own: hits and misses, dropping a
 * conference's entries, the stale-store guard, references that outlive an
 * entry's removal (run under ASan to catch a use after free), the shared
 * revocation counter, and the bound on entries.
 */
#include <stdio.h>
#include <string.h>

#include "feed-cache.h"
#include "tap.h"

/* Store key for conference conf with data, now. */
static struct feed_entry *
put(const char *key, long long conf, const char *data)
{
	return feed_cache_store(key, conf, data, strlen(data), "\"e\"", 100,
	    feed_cache_generation());
}

/* Is key cached (without keeping a reference)? */
static int
has(const char *key)
{
	struct feed_entry	*e = feed_cache_get(key);

	feed_cache_release(e);
	return e != NULL;
}

/* Hit, miss, bytes and metadata. */
static void
test_basic(void)
{
	struct feed_entry	*e;
	size_t			 n, bytes;

	feed_cache_release(put("public:a", 1, "AAAA"));
	e = feed_cache_get("public:a");
	ok(e != NULL && e->len == 4 && memcmp(e->data, "AAAA", 4) == 0,
	    "a stored feed is found with its bytes");
	ok(e != NULL && e->conference_id == 1 && e->last_modified == 100 &&
	    strcmp(e->etag, "\"e\"") == 0, "with its conference, Last-Modified and ETag");
	feed_cache_release(e);
	ok(feed_cache_get("public:b") == NULL, "another key misses");
	feed_cache_release(put("public:a", 1, "BB"));
	e = feed_cache_get("public:a");
	ok(e != NULL && e->len == 2, "storing a key again replaces it");
	feed_cache_release(e);
	feed_cache_stats(&n, &bytes);
	ok(n == 1 && bytes == 2, "one entry of 2 bytes held");
}

/* Invalidation by conference, clear, and references that outlive removal. */
static void
test_invalidate(void)
{
	struct feed_entry	*held;

	feed_cache_clear();
	feed_cache_release(put("token:1", 1, "one"));
	feed_cache_release(put("token:2", 2, "two"));
	feed_cache_release(put("room:1", 1, "room"));
	held = feed_cache_get("token:1");
	feed_cache_invalidate(1);
	ok(!has("token:1") && !has("room:1") && has("token:2"),
	    "invalidate(1) drops conference 1's feeds only");
	ok(held != NULL && memcmp(held->data, "one", 3) == 0 && !held->cached,
	    "a reply's reference keeps the bytes after the drop");
	feed_cache_release(held);
	feed_cache_clear();
	ok(!has("token:2"), "clear drops everything");
}

/* A miss that raced an invalidation is answered but not kept. */
static void
test_stale(void)
{
	unsigned long		 gen = feed_cache_generation();
	struct feed_entry	*e;

	feed_cache_invalidate(7);
	e = feed_cache_store("public:x", 7, "old", 3, "\"o\"", 1, gen);
	ok(e != NULL && e->len == 3 && !e->cached, "a stale render is still answered");
	feed_cache_release(e);
	ok(!has("public:x"), "but not cached");
}

/* The revocation counter drops the cache. */
static void
test_revoked(void)
{
	feed_cache_release(put("token:r", 3, "r"));
	feed_cache_revoked();
	ok(!has("token:r"), "a revocation drops cached feeds");
}

/* The bound on entries evicts the least recently used. */
static void
test_bound(void)
{
	char	key[32];
	int	i;
	size_t	n, bytes;

	feed_cache_clear();
	for (i = 0; i < FEED_CACHE_MAX_ENTRIES + 10; i++) {
		if (i == FEED_CACHE_MAX_ENTRIES)
			ok(has("k0"), "k0 used again when the cache is full");
		snprintf(key, sizeof key, "k%d", i);
		feed_cache_release(put(key, 1, "x"));
	}
	feed_cache_stats(&n, &bytes);
	ok(n == FEED_CACHE_MAX_ENTRIES, "never more than the bound (%zu)", n);
	ok(has("k0") && !has("k1") && !has("k10") && has("k11"),
	    "the least recently used went first");
	feed_cache_clear();
	feed_cache_stats(&n, &bytes);
	ok(n == 0 && bytes == 0, "empty after clear");
}

/* Run the tests. */
int
main(void)
{
	test_basic();
	test_invalidate();
	test_stale();
	test_revoked();
	test_bound();
	return tap_done();
}
