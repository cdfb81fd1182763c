/*
 * feed-cache.c — rendered feeds in memory: a chained hash table of entries
 * plus a doubly linked LRU list, bounded in bytes (feed_cache_set_limit),
 * with reference counts so that replies never see freed bytes. The table
 * doubles when the entries outnumber its buckets, so a lookup stays short
 * however many small feeds fit in the bound. See feed-cache.h.
 *
 * Every entry alive counts against the bound: the cached ones (feed_bytes)
 * and those that only replies in flight still use (feed_held: dropped from
 * the cache, stale or too large to keep). At COP size a feed is 2.3 MB and
 * 64 slow clients hold 150 MB of feeds the cache had already dropped, so
 * the cache gives way to them instead of adding its whole bound on top.
 * A personal feed assembled by reference (feed-frag.h) counts only its own
 * bytes: the shared part is its conference's, kept once (feed-shared.c).
 */
#include <sys/mman.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "feed-cache.h"
#include "feed-frag.h"
#include "feed-memo.h"
#include "util.h"

#define FEED_CACHE_MIN_BUCKETS	1024	/* power of two */

static struct feed_entry	**feed_buckets;
static size_t			 feed_nbuckets;
static struct feed_entry	*feed_lru_head, *feed_lru_tail;
static size_t			 feed_entries, feed_bytes;
static size_t			 feed_held;	/* live entries not cached */
static size_t			 feed_limit = FEED_CACHE_DEFAULT_BYTES;
static unsigned long		 feed_evictions;
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

/* The chain a key belongs to (the table exists once anything was stored). */
static struct feed_entry **
feed_cache_chain(const char *key)
{
	return &feed_buckets[fnv1a(key, strlen(key)) & (feed_nbuckets - 1)];
}

/* Make the table, or double it when the entries outnumber the buckets. */
static void
feed_cache_grow(void)
{
	struct feed_entry	**old = feed_buckets, *e, **chain;
	size_t			  n = feed_nbuckets, i;

	if (old != NULL && feed_entries < n)
		return;
	feed_nbuckets = old == NULL ? FEED_CACHE_MIN_BUCKETS : n * 2;
	feed_buckets = xcalloc(feed_nbuckets, sizeof *feed_buckets);
	for (i = 0; i < n; i++) {
		while ((e = old[i]) != NULL) {
			old[i] = e->hnext;
			chain = feed_cache_chain(e->key);
			e->hnext = *chain;
			*chain = e;
		}
	}
	free(old);
}

/*
 * What an entry counts against the bound: the feed's bytes and the key,
 * plus the entry itself and the snapshot text feed.c attaches (a
 * pg_snapshot is short; 64 bytes are allowed for it).
 */
size_t
feed_cache_cost(const char *key, size_t len)
{
	return len + 1 + strlen(key) + 1 + sizeof(struct feed_entry) + 64;
}

/* Free an entry's memory (never a cached one). */
static void
feed_cache_free(struct feed_entry *e)
{
	feed_held -= e->cost;
	free(e->key);
	free(e->data);
	free(e->parts);
	feed_body_release(e->body);
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
	struct feed_entry	**pp = feed_cache_chain(e->key);

	while (*pp != NULL && *pp != e)
		pp = &(*pp)->hnext;
	if (*pp == e)
		*pp = e->hnext;
	e->hnext = NULL;
	feed_lru_unlink(e);
	e->cached = 0;
	feed_entries--;
	feed_bytes -= e->cost;
	feed_held += e->cost;
	feed_cache_release(e);
}

/* Look a key up; a hit gains a reference and moves to the front. */
struct feed_entry *
feed_cache_get(const char *key)
{
	struct feed_entry	*e;

	feed_cache_sync_shared();
	if (feed_buckets == NULL)
		return NULL;
	for (e = *feed_cache_chain(key); e != NULL; e = e->hnext) {
		if (strcmp(e->key, key) == 0) {
			feed_lru_unlink(e);
			feed_lru_push(e);
			e->refs++;
			return e;
		}
	}
	return NULL;
}

/*
 * Evict the least recently used until cost more bytes fit in the bound
 * beside the entries replies still hold; 1 if they fit.
 */
static int
feed_cache_make_room(size_t cost)
{
	while (feed_lru_tail != NULL &&
	    feed_bytes + feed_held + cost > feed_limit) {
		feed_cache_remove(feed_lru_tail);
		feed_evictions++;
	}
	return feed_bytes + feed_held + cost <= feed_limit;
}

/* Set the bound; evicts at once down to it. */
void
feed_cache_set_limit(size_t bytes)
{
	feed_limit = bytes;
	(void)feed_cache_make_room(0);
}

/* A new entry of key (data and len are the caller's to set). */
static struct feed_entry *
feed_cache_entry(const char *key, long long conference_id, const char *etag,
    time_t last_modified)
{
	struct feed_entry	*e = xcalloc(1, sizeof *e);
	struct tm		 tm;

	e->key = xstrdup(key);
	snprintf(e->etag, sizeof e->etag, "%s", etag);
	e->last_modified = last_modified;
	gmtime_r(&last_modified, &tm);
	strftime(e->last_modified_http, sizeof e->last_modified_http,
	    "%a, %d %b %Y %H:%M:%S GMT", &tm);
	e->conference_id = conference_id;
	e->refs = 1;
	return e;
}

/* Keep e unless stale; returns it with a reference for the caller. */
static struct feed_entry *
feed_cache_keep(struct feed_entry *e, unsigned long generation)
{
	struct feed_entry	*old, **chain;
	const char		*key = e->key;

	feed_held += e->cost;		/* until it is cached */
	feed_cache_sync_shared();
	if (generation != feed_generation)
		return e;
	if ((old = feed_cache_get(key)) != NULL) {
		feed_cache_remove(old);
		feed_cache_release(old);
	}
	if (e->cost > feed_limit)
		return e;		/* larger than the whole bound */
	feed_held -= e->cost;
	if (!feed_cache_make_room(e->cost)) {
		feed_held += e->cost;	/* replies hold the bound: serve only */
		return e;
	}
	feed_cache_grow();
	chain = feed_cache_chain(key);
	e->hnext = *chain;
	*chain = e;
	feed_lru_push(e);
	e->cached = 1;
	e->refs++;
	feed_entries++;
	feed_bytes += e->cost;
	return e;
}

/* Store a rendered feed, taking its bytes (unless stale); returns it with a reference for the caller. */
struct feed_entry *
feed_cache_store(const char *key, long long conference_id, char *data,
    size_t len, const char *etag, time_t last_modified, unsigned long generation)
{
	struct feed_entry	*e = feed_cache_entry(key, conference_id, etag,
	    last_modified);

	e->data = data;
	e->len = len;
	e->cost = feed_cache_cost(key, len);
	return feed_cache_keep(e, generation);
}

/* The same, of a feed assembled by reference (feed-cache.h). */
struct feed_entry *
feed_cache_store_parts(const char *key, long long conference_id,
    struct feed_parts *p, time_t last_modified, unsigned long generation)
{
	struct feed_entry	*e = feed_cache_entry(key, conference_id,
	    p->etag, last_modified);

	e->data = p->own;
	e->len = p->len;
	e->parts = p->part;
	e->nparts = p->n;
	e->body = p->body;
	e->cost = feed_cache_cost(key, p->ownlen + p->n * sizeof *p->part);
	memset(p, 0, sizeof *p);
	return feed_cache_keep(e, generation);
}

static unsigned long		 feed_writes;

void
feed_cache_write_seen(void)
{
	feed_writes++;
	feed_generation++;
}

unsigned long
feed_cache_writes(void)
{
	return feed_writes;
}

/* The generation a miss must quote when storing. */
unsigned long
feed_cache_generation(void)
{
	feed_cache_sync_shared();
	return feed_generation;
}

/*
 * One conference's entries: each dropped, or (distrust) each trusted one
 * kept but no longer trusted (feed_cache_changed says why).
 */
static void
feed_cache_conference(long long conference_id, int distrust)
{
	struct feed_entry	*e, *next;

	feed_generation++;
	feed_memo_invalidate(conference_id);
	for (e = feed_lru_head; e != NULL; e = next) {
		next = e->next;
		if (e->conference_id != conference_id)
			continue;
		if (distrust && e->listen_epoch != 0)
			e->listen_epoch = 0;
		else
			feed_cache_remove(e);
	}
}

/* Drop the entries of one conference. */
void
feed_cache_invalidate(long long conference_id)
{
	feed_cache_conference(conference_id, 0);
}

/*
 * A conference changed (its NOTIFY): its entries are no longer served
 * without asking the database. One rendered after the change (the NOTIFY
 * came late) is found fresh and kept; a stale one is read again. An entry
 * not trusted already (not asked for since an earlier change, or read with
 * LISTEN down) is dropped: it would most likely be stale, and a personal
 * feed's entry keeps an older shared part alive outside the bound
 * (feed-shared.h), so at most one such generation is kept.
 */
void
feed_cache_changed(long long conference_id)
{
	feed_cache_conference(conference_id, 1);
}

/* Drop every entry. */
void
feed_cache_clear(void)
{
	feed_generation++;
	feed_memo_clear();
	while (feed_lru_head != NULL)
		feed_cache_remove(feed_lru_head);
}

/* How much the cache holds, its bound, and how many entries it evicted. */
void
feed_cache_stats(struct feed_cache_stats *st)
{
	st->entries = feed_entries;
	st->bytes = feed_bytes;
	st->held = feed_held;
	st->limit = feed_limit;
	st->evictions = feed_evictions;
}
