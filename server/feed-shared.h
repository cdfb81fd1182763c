/*
 * feed-shared.h — the part of a conference's personal feeds that every
 * feed token of it sees (its public and conference sessions), rendered
 * once per worker and kept per conference, so that a personal feed reads
 * and renders only its own few sessions (sql/830, feed.c).
 *
 * A body is kept with the snapshot it was read under. It is never trusted
 * on LISTEN's word: each personal feed's query asks whether its own
 * snapshot shows the conference as that one did (kaigi_feed_shared_fresh,
 * given feed_shared_snapshots()), and feed.c assembles the feed only on
 * yes, else reads the body again. So there is nothing to invalidate; a
 * body that stopped matching is replaced on its next use. At most
 * FEED_SHARED_MAX conferences are kept, the least recently used going.
 * Event loop thread only.
 */
#ifndef KAIGI_FEED_SHARED_H
#define KAIGI_FEED_SHARED_H

#include <stddef.h>

#include "feed-frag.h"

#define FEED_SHARED_MAX		8

/* Conference cid's body if its snapshot is snapshot, else NULL. */
struct feed_body *feed_shared_get(long long cid, const char *snapshot);
/* Keep body (its reference taken) as conference cid's, read under snapshot. */
void	feed_shared_put(long long cid, const char *snapshot,
	    struct feed_body *body);
/*
 * The snapshots of the bodies kept, as the JSON object that
 * kaigi_feed_shared_fresh takes ({"<cid>": "<snapshot>"}); caller frees.
 */
char	*feed_shared_snapshots(void);
/* The snapshot of cid's body in such an object, or NULL; caller frees. */
char	*feed_shared_snapshot_in(const char *snapshots, long long cid);
/*
 * One read of a conference's body at a time: while one is in flight,
 * feeds that need it wait (feed_shared_wait), and when it lands
 * (feed_shared_landed, kept or not) each is woken once, to read its own
 * rows again against what is kept then.
 */
typedef void feed_shared_wake_fn(void *arg);
int	feed_shared_loading(long long cid);
void	feed_shared_load_start(long long cid);
void	feed_shared_wait(long long cid, feed_shared_wake_fn *, void *arg);
void	feed_shared_landed(long long cid);
/* Bodies and bytes kept, for /metrics. */
void	feed_shared_stats(size_t *bodies, size_t *bytes);
/* Drop every body (worker exit). */
void	feed_shared_clear(void);

#endif
