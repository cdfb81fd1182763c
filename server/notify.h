/*
 * notify.h — LISTEN on one channel over a dedicated non-blocking connection.
 *
 * The feed cache uses it to hear about session changes (a trigger NOTIFYs
 * kaigi_changes with the conference in the payload). The connection is
 * re-opened with backoff when lost; since notifications may have been missed
 * meanwhile, on_reconnect is called after every successful re-LISTEN (not
 * after the first one) so the caller can drop whatever it cached.
 *
 * LISTEN counts as in force only once a probe NOTIFY sent through the query
 * pool (db.c; db_init first) has come back, and while later probes do: a
 * LISTEN through a pooler in transaction mode succeeds but hears nothing.
 */
#ifndef KAIGI_NOTIFY_H
#define KAIGI_NOTIFY_H

#include <event2/event.h>

/* One notification; channel and payload are valid only during the call. */
typedef void notify_cb(const char *channel, const char *payload, void *arg);
/* LISTEN is in force again after a lost connection. */
typedef void notify_reconnect_cb(void *arg);

/*
 * Start listening (connects in the background; see notify_ready). Either
 * callback may be NULL. Neither callback may call notify_stop().
 */
void	notify_start(struct event_base *, const char *conninfo,
	    const char *channel, notify_cb *, notify_reconnect_cb *, void *arg);
/* Close the connection and free everything; safe if never started. */
void	notify_stop(void);
/* 1 when LISTEN is in force: up, and the last probe came back. */
int	notify_ready(void);
/*
 * 0 while LISTEN is not in force; else a number that grows by one each
 * time LISTEN succeeds (after start or a loss). Something read from the
 * database while the epoch was e (> 0) hears of every later change as long
 * as the epoch is still e.
 */
unsigned long notify_epoch(void);

#endif
