/*
 * conn.h — the open client connections of this worker: which request each
 * is serving, and the connection limit (max_connections).
 */
#ifndef KAIGI_CONN_H
#define KAIGI_CONN_H

#include <event2/http.h>

struct req;

/*
 * Bind r to its connection. A connection seen for the first time is
 * counted; if that would exceed limit, nothing is bound and -1 is returned
 * (the caller answers 503 and closes). When the connection closes while r
 * is bound, r->ev and r->stream_ev are cleared (libevent's request is
 * freed) and r->on_close (if any) is called; the answer, when it comes, is
 * dropped.
 */
int	conn_attach(struct evhttp_connection *, struct req *, int limit);
/*
 * Call handle(r). If it returns without having answered r (the answer
 * waits on the database, or r streams), watch r's socket until it is
 * answered: a client that hangs up meanwhile is noticed at once and its
 * connection closed.
 */
void	conn_handle(struct req *, void (*handle)(struct req *));
/* r has been answered: its connection no longer points at it. */
void	conn_detach(struct req *);
/* Connections open now. */
int	conn_count(void);

#endif
