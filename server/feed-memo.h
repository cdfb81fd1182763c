/*
 * feed-memo.h — the validators (ETag, Last-Modified) of feeds rendered
 * here, kept after their bytes have left the feed cache, and those the
 * database's stored validator (sql/340) confirmed to this worker, so that
 * a calendar app's conditional GET is answered 304 from memory.
 *
 * At COP size the feed cache holds a hundred 2.3 MB feeds per worker, and
 * 100,000 calendar apps poll theirs with If-None-Match: without this every
 * such poll asks the database for the stored validator (sql/340). A memo
 * is trusted on the feed cache's terms (feed.c): LISTEN in force since it
 * was taken and no write through this worker since; a NOTIFY of its
 * conference, a lost LISTEN or a revoked token drops it (feed_cache_changed,
 * feed_cache_invalidate and feed_cache_clear call in here). A memo
 * taken from a query that started before an invalidation is refused, as
 * the cache refuses such a feed (the generation).
 *
 * A set-associative table of FEED_MEMO_SLOTS in sets of FEED_MEMO_WAYS: a
 * key's memo goes in its set, where an older memo of another key makes
 * room when the set is full; a lost memo only means a database lookup.
 * (Direct-mapped, two feeds polled at once that shared a slot evicted each
 * other at every poll, each poll then asking the database.) Event loop
 * thread only.
 */
#ifndef KAIGI_FEED_MEMO_H
#define KAIGI_FEED_MEMO_H

#include <time.h>

#define FEED_MEMO_SLOTS		65536	/* about 10 MB when all are used */
#define FEED_MEMO_WAYS		4	/* slots a key may take */

struct feed_memo {
	char		*key;			/* NULL: slot empty */
	long long	 conference_id;
	char		 etag[36];
	time_t		 last_modified;
	unsigned long	 listen_epoch;		/* notify_epoch() at the read */
	unsigned long	 writes;		/* feed_cache_writes() then */
	unsigned long	 stamp;			/* order of the puts, in its set */
};

/*
 * Keep key's validators, read when the feed cache's generation was
 * generation (refused, as stale, if it has moved since).
 */
void	feed_memo_put(const char *key, long long conference_id,
	    const char *etag, time_t last_modified, unsigned long listen_epoch,
	    unsigned long writes, unsigned long generation);
/* key's memo, or NULL; valid until the next call here. */
const struct feed_memo *feed_memo_get(const char *key);
/* Drop the memos of a conference, or all. */
void	feed_memo_invalidate(long long conference_id);
void	feed_memo_clear(void);
/* Memos held now. */
size_t	feed_memo_count(void);

#endif
