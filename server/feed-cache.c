/*
 * feed-cache.c — rendered feeds in memory: a chained hash table of entries
 * plus a doubly linked LRU list, bounded in entries and bytes, with
 * reference counts so that replies never see freed bytes. See feed-cache.h.
 */
#include <sys/mman.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "feed-cache.h"
#include "util.h"

#define FEED_CACHE_BUCKETS	1024	/* power of two */

static struct feed_entry	*feed_buckets[FEED_CACHE_BUCKETS];
static struct feed_entry	*feed_lru_head, *feed_lru_tail;
static size_t			 feed_entries, feed_bytes;
static unsigned long		 feed_generation;

/*
 * Revocations shared by the worker processes of one kaigid: a counter in a
 * MAP_SHARED page made before main() (so before worker.c forks). A worker
 * that sees it move drops its whole cache, so a revoked token is 404 from
 * every worker at once, without waiting for the NOTIFY (which still covers
 * other kaigid processes and every other change).
 */
static uint64_t			 feed_local_shared;
static uint64_t			*feed_shared = &feed_local_shared;
static uint64_t			 feed_shared_seen;

/* Map the shared counter at start-up (falls back to a private one). */
static void __attribute__((constructor))
feed_cache_map_shared(void)
{
	void	*p = mmap(NULL, sizeof *feed_shared, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p != MAP_FAILED)
		feed_shared = p;
}

/* Drop everything if another worker revoked something since we looked. */
static void
feed_cache_sync_shared(void)
{
	uint64_t	now = __atomic_load_n(feed_shared, __ATOMIC_ACQUIRE);

	if (now != feed_shared_seen) {
		feed_shared_seen = now;
		feed_cache_clear();
	}
}

/* A feed token was revoked: every worker drops its cache before its next answer. */
void
feed_cache_revoked(void)
{
	__atomic_add_fetch(feed_shared, 1, __ATOMIC_RELEASE);
	feed_cache_sync_shared();
}

/* FNV-1a hash of a key, reduced to a bucket. */
static size_t
feed_cache_bucket(const char *key)
{
	uint64_t	h = 1469598103934665603ULL;

	for (; *key != '\0'; key++) {
		h ^= (unsigned char)*key;
		h *= 1099511628211ULL;
	}
	return (size_t)(h & (FEED_CACHE_BUCKETS - 1));
}

/* Free an entry's memory. */
static void
feed_cache_free(struct feed_entry *e)
{
	free(e->key);
	free(e->data);
	free(e->snapshot);
	free(e);
}

/* Drop one reference. */
void
feed_cache_release(struct feed_entry *e)
{
	if (e == NULL)
		return;
	if (--e->refs == 0)
		feed_cache_free(e);
}

/* Unlink an entry from the LRU list. */
static void
feed_lru_unlink(struct feed_entry *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		feed_lru_head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		feed_lru_tail = e->prev;
	e->prev = e->next = NULL;
}

/* Put an entry at the front of the LRU list. */
static void
feed_lru_push(struct feed_entry *e)
{
	e->prev = NULL;
	e->next = feed_lru_head;
	if (feed_lru_head != NULL)
		feed_lru_head->prev = e;
	feed_lru_head = e;
	if (feed_lru_tail == NULL)
		feed_lru_tail = e;
}

/* Take an entry out of the cache (hash chain, LRU) and drop the cache's reference. */
static void
feed_cache_remove(struct feed_entry *e)
{
	struct feed_entry	**pp = &feed_buckets[feed_cache_bucket(e->key)];

	while (*pp != NULL && *pp != e)
		pp = &(*pp)->hnext;
	if (*pp == e)
		*pp = e->hnext;
	e->hnext = NULL;
	feed_lru_unlink(e);
	e->cached = 0;
	feed_entries--;
	feed_bytes -= e->len;
	feed_cache_release(e);
}

/* Look a key up; a hit gains a reference and moves to the front. */
struct feed_entry *
feed_cache_get(const char *key)
{
	struct feed_entry	*e;

	feed_cache_sync_shared();
	for (e = feed_buckets[feed_cache_bucket(key)]; e != NULL; e = e->hnext) {
		if (strcmp(e->key, key) == 0) {
			feed_lru_unlink(e);
			feed_lru_push(e);
			e->refs++;
			return e;
		}
	}
	return NULL;
}

/* Evict from the tail until one more entry of len bytes fits. */
static void
feed_cache_make_room(size_t len)
{
	while (feed_lru_tail != NULL && (feed_entries + 1 > FEED_CACHE_MAX_ENTRIES ||
	    feed_bytes + len > FEED_CACHE_MAX_BYTES))
		feed_cache_remove(feed_lru_tail);
}

/* Store a rendered feed (unless stale); returns it with a reference for the caller. */
struct feed_entry *
feed_cache_store(const char *key, long long conference_id, const char *data,
    size_t len, const char *etag, time_t last_modified, unsigned long generation)
{
	struct feed_entry	*e = xcalloc(1, sizeof *e), *old;
	struct tm		 tm;
	size_t			 b;

	e->key = xstrdup(key);
	e->data = xmalloc(len + 1);
	memcpy(e->data, data, len);
	e->data[len] = '\0';
	e->len = len;
	snprintf(e->etag, sizeof e->etag, "%s", etag);
	e->last_modified = last_modified;
	gmtime_r(&last_modified, &tm);
	strftime(e->last_modified_http, sizeof e->last_modified_http,
	    "%a, %d %b %Y %H:%M:%S GMT", &tm);
	e->conference_id = conference_id;
	e->refs = 1;
	feed_cache_sync_shared();
	if (generation != feed_generation || len > FEED_CACHE_MAX_BYTES)
		return e;
	if ((old = feed_cache_get(key)) != NULL) {
		feed_cache_remove(old);
		feed_cache_release(old);
	}
	feed_cache_make_room(len);
	b = feed_cache_bucket(key);
	e->hnext = feed_buckets[b];
	feed_buckets[b] = e;
	feed_lru_push(e);
	e->cached = 1;
	e->refs++;
	feed_entries++;
	feed_bytes += len;
	return e;
}

/* The generation a miss must quote when storing. */
unsigned long
feed_cache_generation(void)
{
	feed_cache_sync_shared();
	return feed_generation;
}

/* Drop the entries of one conference. */
void
feed_cache_invalidate(long long conference_id)
{
	struct feed_entry	*e, *next;

	feed_generation++;
	for (e = feed_lru_head; e != NULL; e = next) {
		next = e->next;
		if (e->conference_id == conference_id)
			feed_cache_remove(e);
	}
}

/* Drop every entry. */
void
feed_cache_clear(void)
{
	feed_generation++;
	while (feed_lru_head != NULL)
		feed_cache_remove(feed_lru_head);
}

/* How much the cache holds. */
void
feed_cache_stats(size_t *entries, size_t *bytes)
{
	*entries = feed_entries;
	*bytes = feed_bytes;
}
