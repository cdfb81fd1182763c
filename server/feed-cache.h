/*
 * feed-cache.h — rendered iCalendar feeds kept in memory, per worker.
 *
 * A key (the feed's scope: "public:<slug>", "token:<sha256 hex>",
 * "room:<slug>:<id>:<viewer>") maps to the rendered bytes, their strong
 * ETag, the Last-Modified instant and the conference the feed belongs to.
 * The database announces changes per conference (NOTIFY kaigi_changes), and
 * feed_cache_changed() makes that conference's entries ask the database
 * before they are served again: a NOTIFY may arrive after a feed was
 * already rendered with its change, and that feed is kept. After a lost
 * LISTEN connection feed_cache_clear() drops everything;
 * feed_cache_invalidate() drops one conference's entries (a revoked token).
 *
 * Bounded in bytes (the `feed_cache_mb` setting, feed_cache_set_limit()):
 * an entry costs its feed's bytes plus its key and bookkeeping
 * (feed_cache_cost), and storing one evicts the least recently used entries
 * until it fits; a feed larger than the whole bound is answered but not
 * kept. The hash table grows with the entries, so there is no bound on
 * their number. Entries are reference counted, so a reply may keep using
 * the bytes of an entry that has since been dropped (feed_cache_store/
 * feed_cache_release); those bytes still count against the bound until the
 * last reply lets go, and the cache keeps less meanwhile (it keeps nothing
 * new while replies alone hold the whole bound).
 *
 * A miss is rendered from a query that started before the answer is stored;
 * if an invalidation of any conference happened in between, the result may
 * be stale and must not be stored: take feed_cache_generation() before the
 * query and pass it to feed_cache_store(), which then refuses.
 *
 * Each entry also keeps what feed.c needs to tell whether it may serve it
 * without asking the database: the snapshot it was read under and the
 * LISTEN epoch then (feed.c explains).
 *
 * Not thread-safe: one cache per worker process, used on its loop only.
 */
#ifndef KAIGI_FEED_CACHE_H
#define KAIGI_FEED_CACHE_H

#include <stddef.h>
#include <time.h>

#define FEED_CACHE_DEFAULT_BYTES	((size_t)256 * 1024 * 1024)

struct feed_part;
struct feed_parts;
struct feed_body;

struct feed_entry {
	char		*key;
	char		*data;		/* the feed, or its own parts' bytes */
	size_t		 len;		/* the feed's bytes */
	struct feed_part *parts;	/* NULL, or the feed by reference */
	size_t		 nparts;	/*   (feed-frag.h): data and body */
	struct feed_body *body;
	size_t		 cost;		/* bytes counted against the bound */
	char		 etag[36];
	time_t		 last_modified;
	char		 last_modified_http[40];	/* as an HTTP date */
	long long	 conference_id;
	/* Set by the caller after feed_cache_store (feed.c): */
	char		*snapshot;	/* pg_snapshot the feed was read under */
	unsigned long	 listen_epoch;	/* notify_epoch() then; 0: LISTEN was down */
	unsigned long	 writes;	/* feed_cache_writes() when it was read */
	int		 refs;		/* the cache's own + replies in flight */
	int		 cached;	/* still in the cache */
	struct feed_entry *hnext;	/* hash chain */
	struct feed_entry *prev, *next;	/* LRU list, most recent first */
};

/*
 * Look key up; on a hit the entry is moved to the front and returned with
 * one more reference (release it with feed_cache_release). NULL on a miss.
 */
struct feed_entry *feed_cache_get(const char *key);
/*
 * Store a rendered feed under key unless an invalidation happened since
 * generation; returns a new entry with one reference for the caller in any
 * case (release it when done). data (len bytes and a NUL, from malloc) is
 * taken: the entry frees it.
 */
struct feed_entry *feed_cache_store(const char *key, long long conference_id,
	    char *data, size_t len, const char *etag, time_t last_modified,
	    unsigned long generation);
/*
 * As feed_cache_store, for a feed assembled by reference (feed-frag.h;
 * its contents are taken): it counts its own bytes, not the body's, which
 * its conference's feeds share.
 */
struct feed_entry *feed_cache_store_parts(const char *key,
	    long long conference_id, struct feed_parts *p, time_t last_modified,
	    unsigned long generation);
/* Drop one reference; frees the entry when it is no longer cached or used. */
void	feed_cache_release(struct feed_entry *);
/* Current invalidation generation (see above). */
unsigned long feed_cache_generation(void);
/*
 * This worker answered a write with 2xx: its NOTIFY may not have come back
 * yet, so a feed read before it is no longer served without asking the
 * database (read your own writes), and no load begun before it is stored
 * or joined.
 */
void	feed_cache_write_seen(void);
unsigned long feed_cache_writes(void);
/* Drop every entry of a conference. */
void	feed_cache_invalidate(long long conference_id);
/*
 * A conference's change was announced: its entries stay, but each is
 * served again only once the database says it is still fresh (feed.c).
 */
void	feed_cache_changed(long long conference_id);
/* Drop everything. */
void	feed_cache_clear(void);
/*
 * A feed token was revoked: every worker process of this kaigid drops its
 * cache before its next answer (a counter in memory shared across fork).
 */
void	feed_cache_revoked(void);
/* What the cache holds and has evicted. */
struct feed_cache_stats {
	size_t		 entries;
	size_t		 bytes;		/* sum of the cached entries' costs */
	size_t		 held;		/* of entries only replies still use */
	size_t		 limit;		/* the bound in bytes */
	unsigned long	 evictions;	/* entries dropped to make room */
};
void	feed_cache_stats(struct feed_cache_stats *);
/* Set the bound in bytes (0: keep nothing); evicts at once down to it. */
void	feed_cache_set_limit(size_t bytes);
/* What an entry of len bytes under key counts against the bound. */
size_t	feed_cache_cost(const char *key, size_t len);

#endif
