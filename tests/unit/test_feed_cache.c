/*
 * test_feed_cache.c — the feed cache on its own: hits and misses, dropping a
 * conference's entries, the stale-store guard, references that outlive an
 * entry's removal (run under ASan to catch a use after free), the shared
 * revocation counter, and the bound in bytes (least recently used first).
 */
#include <stdio.h>
#include <string.h>

#include "feed-cache.h"
#include "tap.h"
#include "util.h"

/* Store key for conference conf with data, now. */
static struct feed_entry *
put(const char *key, long long conf, const char *data)
{
	return feed_cache_store(key, conf, xstrdup(data), strlen(data), "\"e\"",
	    100, feed_cache_generation());
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
	struct feed_entry		*e;
	struct feed_cache_stats		 st;

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
	feed_cache_stats(&st);
	ok(st.entries == 1 && st.bytes == feed_cache_cost("public:a", 2),
	    "one entry of 2 bytes held (%zu counted)", st.bytes);
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
	e = feed_cache_store("public:x", 7, xstrdup("old"), 3, "\"o\"", 1, gen);
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

/* Bytes, entries and evictions now. */
static struct feed_cache_stats
stats(void)
{
	struct feed_cache_stats	st;

	feed_cache_stats(&st);
	return st;
}

/* The byte bound evicts the least recently used, and never is exceeded. */
static void
test_bound(void)
{
	char			key[32], data[1000];
	size_t			cost = feed_cache_cost("k00", sizeof data - 1);
	unsigned long		ev;
	int			i, over = 0;

	memset(data, 'x', sizeof data - 1);
	data[sizeof data - 1] = '\0';
	feed_cache_clear();
	ev = stats().evictions;
	feed_cache_set_limit(10 * cost);	/* ten entries of 999 bytes */
	for (i = 0; i < 40; i++) {
		if (i == 10)
			ok(has("k00"), "k00 used again when the cache is full");
		snprintf(key, sizeof key, "k%02d", i);
		feed_cache_release(put(key, 1, data));
		over += stats().bytes > 10 * cost;
		if (i == 10)
			ok(has("k00") && !has("k01") && has("k02"),
			    "storing one more evicted k01, not k00");
	}
	ok(over == 0 && stats().bytes == 10 * cost && stats().entries == 10,
	    "never more bytes than the bound (%zu of %zu)", stats().bytes, 10 * cost);
	ok(stats().evictions - ev == 30, "30 evictions counted (%lu)", stats().evictions - ev);
	ok(!has("k00") && !has("k29") && has("k30") && has("k39"),
	    "the least recently used went first");
}

/* A recently used entry outlives older ones; a big entry displaces several. */
static void
test_lru_bytes(void)
{
	size_t	unit = feed_cache_cost("a", 1);
	char	big[5000];
	size_t	n = 2 * unit - feed_cache_cost("big", 0);

	feed_cache_clear();
	feed_cache_set_limit(4 * unit);
	feed_cache_release(put("a", 1, "a"));
	feed_cache_release(put("b", 1, "b"));
	feed_cache_release(put("c", 1, "c"));
	feed_cache_release(put("d", 1, "d"));
	ok(stats().entries == 4 && stats().bytes == 4 * unit, "four entries fill the bound");
	ok(has("a"), "a read again, so b is now the least recently used");
	feed_cache_release(put("e", 1, "e"));
	ok(!has("b") && stats().entries == 4, "storing e evicted b only");
	memset(big, 'B', n);
	big[n] = '\0';
	feed_cache_release(put("big", 1, big));
	ok(stats().entries == 3 && stats().bytes == 4 * unit,
	    "an entry worth two evicted two (%zu entries)", stats().entries);
	ok(has("a") && has("e") && has("big") && !has("c") && !has("d"),
	    "the two least recently used (c, d)");
	memset(big, 'H', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	feed_cache_release(put("huge", 1, big));
	ok(!has("huge") && stats().entries == 3,
	    "a feed larger than the bound is not kept, and evicts nothing");
	ok(has("a"), "a read last");
	feed_cache_set_limit(unit);
	ok(stats().entries == 1 && has("a"),
	    "lowering the bound evicts at once down to it, the most recent kept");
	feed_cache_set_limit(0);
	ok(stats().entries == 0 && stats().bytes == 0, "a bound of 0 keeps nothing");
	feed_cache_release(put("z", 1, "z"));
	ok(!has("z"), "and stores nothing");
}

/*
 * Entries that replies still use after the cache dropped them count
 * against the bound until the last reply lets go: the cache keeps less
 * meanwhile, and nothing new while they alone fill it.
 */
static void
test_held(void)
{
	size_t			 unit = feed_cache_cost("a", 1);
	struct feed_entry	*a, *b, *c;

	feed_cache_clear();
	feed_cache_set_limit(3 * unit);
	a = put("a", 1, "a");			/* a reply in flight keeps a */
	feed_cache_release(put("b", 1, "b"));
	feed_cache_clear();
	ok(stats().entries == 0 && stats().held == unit,
	    "cleared: a still held by its reply (%zu bytes)", stats().held);
	feed_cache_release(put("c", 1, "c"));
	feed_cache_release(put("d", 1, "d"));
	feed_cache_release(put("e", 1, "e"));
	ok(stats().entries == 2 && !has("c") && has("d") && has("e"),
	    "two of three fit beside it (%zu entries)", stats().entries);
	feed_cache_release(a);
	ok(stats().held == 0, "its reply done: nothing held");
	feed_cache_release(put("f", 1, "f"));
	ok(stats().entries == 3, "three fit again");
	b = feed_cache_get("d");
	c = feed_cache_get("e");
	a = feed_cache_get("f");
	feed_cache_clear();
	feed_cache_release(put("g", 1, "g"));
	ok(stats().entries == 0 && !has("g") && stats().held == 3 * unit,
	    "replies hold the whole bound: g is served, not kept");
	feed_cache_release(a);
	feed_cache_release(b);
	feed_cache_release(c);
	ok(stats().held == 0 && stats().bytes == 0, "all let go");
}

/* Many small entries: the table grows and every one is still found. */
static void
test_many(void)
{
	char	key[32];
	int	i, found = 0;

	feed_cache_clear();
	feed_cache_set_limit(FEED_CACHE_DEFAULT_BYTES);
	for (i = 0; i < 20000; i++) {
		snprintf(key, sizeof key, "token:%d", i);
		feed_cache_release(put(key, i % 3, "x"));
	}
	for (i = 0; i < 20000; i++) {
		snprintf(key, sizeof key, "token:%d", i);
		found += has(key);
	}
	ok(found == 20000, "20,000 entries under the default bound, all found (%d)", found);
	feed_cache_invalidate(1);
	ok(stats().entries == 20000 - 6667 && !has("token:1") && has("token:3"),
	    "invalidate drops one conference's third");
	feed_cache_clear();
	ok(stats().entries == 0 && stats().bytes == 0, "empty after clear");
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
	test_lru_bytes();
	test_held();
	test_many();
	return tap_done();
}
