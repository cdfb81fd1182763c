/*
 * replica.h — feed reads from streaming standbys (replica_url), waiting until
 * a standby has replayed every change this worker knows of, at most
 * replica_wait_ms, else reading the primary (replica.c explains).
 */
#ifndef KAIGI_REPLICA_H
#define KAIGI_REPLICA_H

#include <event2/event.h>

#include "db.h"

/* One pool per URL of urls (space-separated; empty: none), as primary's. */
void	replica_init(struct event_base *, const struct db_options *primary,
	    const char *urls, int wait_ms);
/* A read-only statement, as db_query, on a standby when one is current. */
void	replica_query(const char *sql, int nparams, const char *const *params,
	    db_cb *cb, void *arg);
/* Close the pools; waiting reads get DB_UNAVAILABLE. Before db_shutdown. */
void	replica_shutdown(void);
/* db_wait_ms and db_queue_max of the standbys' pools (SIGHUP). */
void	replica_set_limits(int wait_ms, int queue_max);
/* Standbys configured, and up now. */
void	replica_stats(int *configured, int *up);

#endif
