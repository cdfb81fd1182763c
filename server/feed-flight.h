/*
 * feed-flight.h — one load per feed at a time: concurrent misses of the
 * same feed in a worker wait for the load already running instead of each
 * querying and rendering it again.
 *
 * After a change every reader of a popular feed misses at once (a plenary
 * moved: the public feed, read by everybody). Without this each of them
 * ran the feed's query (up to the pool's size at once, the rest queued),
 * so the feed's p99 grew with the readers. A flight is keyed by the cache
 * key and the cache generation it started in: a request that arrives after
 * an invalidation never joins a load that began before it, so it is never
 * answered with older bytes than a load of its own would give.
 *
 * The registry is per worker (one event loop, no locks). Its size is the
 * number of distinct feeds being loaded at once, bounded by the database
 * queue; a lookup walks it.
 */
#ifndef KAIGI_FEED_FLIGHT_H
#define KAIGI_FEED_FLIGHT_H

struct feed_flight;

/* The flight of key that started in this generation, or NULL. */
struct feed_flight *feed_flight_find(const char *key, unsigned long generation);
/* Register a new flight of key (its leader loads the feed). */
struct feed_flight *feed_flight_start(const char *key, unsigned long generation);
/* Queue a waiter (answered, in arrival order, when the flight lands). */
void	feed_flight_wait(struct feed_flight *, void *waiter);
/* The next waiter to answer, or NULL once all have been taken. */
void	*feed_flight_take(struct feed_flight *);
/* Unregister and free a flight whose waiters have all been taken. */
void	feed_flight_end(struct feed_flight *);
/* Flights registered now (tests, metrics). */
unsigned long feed_flight_count(void);

#endif
