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
 * is bound, r->ev is cleared and r->on_close (if any) is called.
 */
int	conn_attach(struct evhttp_connection *, struct req *, int limit);
/* r has been answered: its connection no longer points at it. */
void	conn_detach(struct req *);
/* Connections open now. */
int	conn_count(void);

#endif
