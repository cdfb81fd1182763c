/*
 * db.h — a pool of non-blocking libpq connections driven by the event loop.
 *
 * Nothing here ever blocks the loop (start-up migration, in migrate.c, is the
 * one exception). A request that needs the database is queued (FIFO) until a
 * connection is free. A wait is not a failure while the pool keeps freeing
 * connections: a burst larger than the pool is queued and served. The
 * callback gets DB_UNAVAILABLE when no connection is up for wait_ms (the
 * database is down), and DB_BUSY when the database is up but the queue
 * already holds queue_max requests, or no connection came free for wait_ms
 * (all held by slow statements or locks). The caller answers 503 with
 * Retry-After either way, saying which. Lost connections are re-opened with
 * a short backoff, and all at once as soon as one of them is back.
 *
 * Statements always use $n parameters, text format in and out.
 */
#ifndef KAIGI_DB_H
#define KAIGI_DB_H

#include <stdint.h>

#include <event2/event.h>
#include <libpq-fe.h>

enum db_status {
	DB_OK,		/* res is a PGRES_TUPLES_OK or PGRES_COMMAND_OK result */
	DB_ERROR,	/* the statement failed: res carries SQLSTATE and message */
	DB_UNAVAILABLE,	/* no connection up in time, or it was lost: res is NULL */
	DB_BUSY,	/* up, but queue full or none freed in time: res is NULL */
};

/*
 * Result callback. res belongs to the pool and is valid only during the call
 * (PQclear follows). arg is the caller's pointer, passed through untouched.
 */
typedef void db_cb(enum db_status, PGresult *res, void *arg);

struct db_options {
	const char	*conninfo;	/* libpq URL or key=value string */
	int		 pool_size;	/* connections kept open (default 8) */
	int		 wait_ms;	/* queue wait with no connection up/freed */
	int		 statement_timeout_ms; /* 0 = none */
	int		 queue_max;	/* requests waiting at most (default 256) */
};

void	db_init(struct event_base *, const struct db_options *);
void	db_shutdown(void);	/* close every connection; callbacks of queued work get DB_UNAVAILABLE */
/* Change wait_ms and queue_max of a running pool (SIGHUP); <= 0 keeps one. */
void	db_set_limits(int wait_ms, int queue_max);

/* One statement on any free connection. */
void	db_query(const char *sql, int nparams, const char *const *params,
	    db_cb *cb, void *arg);

/*
 * A transaction on one checked-out connection. db_txn_begin sends BEGIN and
 * calls cb with a handle (or NULL when the database is unavailable). Queries
 * run in order on that connection. db_txn_end sends COMMIT (commit = 1) or
 * ROLLBACK and returns the connection to the pool; its cb may be NULL.
 * A connection lost mid-transaction delivers DB_UNAVAILABLE to the pending
 * query callback; db_txn_end must still be called to release the handle.
 */
struct db_txn;
typedef void db_txn_cb(struct db_txn *, void *arg);
void	db_txn_begin(db_txn_cb *cb, void *arg);
void	db_txn_query(struct db_txn *, const char *sql, int nparams,
	    const char *const *params, db_cb *cb, void *arg);
void	db_txn_end(struct db_txn *, int commit, db_cb *cb, void *arg);

/*
 * Whose work it is. Work queued while an owner is set is that owner's: a
 * request's serial, set by conn.c while its handler runs, and inherited by
 * what a callback queues (the owner of the work it answers). 0 is nobody's:
 * work shared by several requests (a feed load others wait for, the cursor
 * key, the replicas' LSN polls) is queued with db_own(0) around it.
 * db_own returns the owner it replaces.
 * db_abandon(owner): the owner is gone (its client hung up); its work
 * still waiting for a connection in any pool never runs, and each callback
 * gets DB_UNAVAILABLE from the loop (counted apart, as abandoned). Work
 * already running, and statements of a transaction, go on. Returns how
 * many were dropped.
 */
uint64_t db_own(uint64_t owner);
int	db_abandon(uint64_t owner);

/* 1 when at least one pooled connection is up. */
int	db_ready(void);

struct db_stats {
	int		connections_up;
	int		connections_busy;
	int		connections_down;	/* waiting out a backoff */
	int		queue_length;
	unsigned long	queries;
	unsigned long	errors;
	unsigned long	unavailable;
	unsigned long	busy;
	unsigned long	abandoned;	/* queued work of a gone owner, dropped */
};
void	db_get_stats(struct db_stats *);

/*
 * More pools than the primary (replica.c: one per streaming standby). A
 * pool of its own behaves as the primary's does above, for single
 * statements; name is what the log calls it (kept, not copied).
 * db_pool_free calls every pending callback with DB_UNAVAILABLE.
 */
struct db_pool;
struct db_pool *db_pool_new(struct event_base *, const struct db_options *,
	    const char *name);
void	db_pool_free(struct db_pool *);
void	db_pool_query(struct db_pool *, const char *sql, int nparams,
	    const char *const *params, db_cb *cb, void *arg);
int	db_pool_ready(struct db_pool *);
void	db_pool_stats(struct db_pool *, struct db_stats *);
void	db_pool_set_limits(struct db_pool *, int wait_ms, int queue_max);

/* SQLSTATE of a failed result, or "" */
const char *db_sqlstate(const PGresult *);
/* In a db_cb: keep res past the callback; the caller PQclears it. */
PGresult	*db_keep(PGresult *);
/* PQclear a kept result given as a void * (a release callback; any thread). */
void		 db_kept_free(void *);

#endif
