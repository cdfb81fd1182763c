/*
 * db.h — a pool of non-blocking libpq connections driven by the event loop.
 *
 * Nothing here ever blocks the loop (start-up migration, in migrate.c, is the
 * one exception). A request that needs the database is queued (FIFO) until a
 * connection is free; if none becomes usable within db_wait_ms (database
 * down, pool exhausted) its callback gets DB_UNAVAILABLE and the caller
 * answers 503 with Retry-After. Lost connections are re-opened with backoff.
 *
 * Statements always use $n parameters, text format in and out.
 */
#ifndef KAIGI_DB_H
#define KAIGI_DB_H

#include <event2/event.h>
#include <libpq-fe.h>

enum db_status {
	DB_OK,		/* res is a PGRES_TUPLES_OK or PGRES_COMMAND_OK result */
	DB_ERROR,	/* the statement failed: res carries SQLSTATE and message */
	DB_UNAVAILABLE,	/* no connection in time, or it was lost: res is NULL */
};

/*
 * Result callback. res belongs to the pool and is valid only during the call
 * (PQclear follows). arg is the caller's pointer, passed through untouched.
 */
typedef void db_cb(enum db_status, PGresult *res, void *arg);

struct db_options {
	const char	*conninfo;	/* libpq URL or key=value string */
	int		 pool_size;	/* connections kept open (default 8) */
	int		 wait_ms;	/* max queue wait before DB_UNAVAILABLE */
	int		 statement_timeout_ms; /* 0 = none */
};

void	db_init(struct event_base *, const struct db_options *);
void	db_shutdown(void);	/* close every connection; callbacks of queued work get DB_UNAVAILABLE */

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

/* 1 when at least one pooled connection is up. */
int	db_ready(void);

struct db_stats {
	int		connections_up;
	int		connections_busy;
	int		queue_length;
	unsigned long	queries;
	unsigned long	errors;
	unsigned long	unavailable;
};
void	db_get_stats(struct db_stats *);

/* SQLSTATE of a failed result, or "" */
const char *db_sqlstate(const PGresult *);

#endif
