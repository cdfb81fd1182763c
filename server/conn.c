/*
 * conn.c — bookkeeping of client connections, since libevent 2.1's evhttp
 * neither counts them nor says which request a closing connection carried.
 *
 * A connection is known from its first request on: one tracker per
 * evhttp_connection, found again by address in a search tree (tsearch),
 * with the connection's close callback set once. Connections that never
 * send a request are not counted; evhttp drops them at the idle timeout.
 *
 * Hang-ups. Once a request is read, evhttp stops reading its socket until
 * the answer is written, so by itself it would notice a client that hung
 * up only when the (late) answer fails. A request that its handler did not
 * answer at once (conn_handle: it waits on the database, or streams) has
 * its socket watched until it is answered (conn_detach), as nginx does for
 * a proxied request: readable with nothing to read (EOF) or an
 * error means the client is gone, and the connection is closed at once
 * (evhttp_connection_free), which counts it out and runs conn_closed. Bytes
 * to read mean a pipelined request: the watch stops (evhttp reads them after
 * the answer), and a hang-up behind them is found when the answer is sent.
 *
 * conn_closed tells the bound request (r->ev and r->stream_ev become NULL,
 * its database work still waiting for a connection is dropped, db_abandon,
 * then r->on_close) and settles who frees libevent's request: one evhttp
 * has detached from its connection is ours to free now; one still on the
 * connection is freed by evhttp_connection_free right after. Either way the
 * late answer is dropped by http.c, which frees the struct req.
 */
#include <sys/socket.h>

#include <errno.h>
#include <search.h>
#include <stdint.h>
#include <stdlib.h>

#include <event2/bufferevent.h>
#include <event2/event.h>

#include "conn.h"
#include "db.h"
#include "http.h"
#include "metrics.h"
#include "slowclient.h"
#include "util.h"

struct conn {
	struct evhttp_connection	*evcon;	/* the key */
	struct req			*req;	/* in progress, or NULL */
	struct event			*watch;	/* hang-up watch while req is bound */
};

static void		*conn_tree;
static int		 conn_open;
static struct req	*conn_handling;	/* in conn_handle, until answered */

/* Order trackers by connection address. */
static int
conn_cmp(const void *a, const void *b)
{
	uintptr_t	x = (uintptr_t)((const struct conn *)a)->evcon;
	uintptr_t	y = (uintptr_t)((const struct conn *)b)->evcon;

	return x < y ? -1 : x > y;
}

/* evhttp frees the connection: tell its request, forget the tracker. */
static void
conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct conn		*c = arg;
	struct req		*r = c->req;
	struct evhttp_request	*ev;

	(void)evcon;
	tdelete(c, &conn_tree, conn_cmp);
	conn_open--;
	event_free(c->watch);
	free(c);
	if (r == NULL)
		return;
	ev = r->stream_ev != NULL ? r->stream_ev : r->ev;
	if (ev != NULL && evhttp_request_get_connection(ev) == NULL)
		evhttp_request_free(ev);	/* detached by evhttp: ours */
	r->conn = NULL;
	r->ev = NULL;
	r->stream_ev = NULL;
	db_abandon(r->serial);	/* its queries not yet started */
	if (r->on_close != NULL)
		r->on_close(r, r->on_close_arg);
}

/*
 * The socket of a connection with a request in progress is readable: EOF
 * or an error is a hang-up (close it now); data is a pipelined request
 * (stop watching); nothing yet (EAGAIN) watches on.
 */
static void
conn_watch_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;
	char		 b;
	ssize_t		 n;

	(void)what;
	n = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n > 0)
		return;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
		event_add(c->watch, NULL);
		return;
	}
	metrics_count("http_clients_gone_total", 1);
	evhttp_connection_free(c->evcon);	/* runs conn_closed */
}

/* A new tracker for evcon, its close callback and its (idle) watch. */
static struct conn *
conn_new(struct evhttp_connection *evcon)
{
	struct bufferevent	*bev = evhttp_connection_get_bufferevent(evcon);
	struct conn		*c = xcalloc(1, sizeof *c);

	c->evcon = evcon;
	c->watch = event_new(bufferevent_get_base(bev), bufferevent_getfd(bev),
	    EV_READ, conn_watch_cb, c);
	if (c->watch == NULL)
		fatal("event_new: out of memory");
	if (tsearch(c, &conn_tree, conn_cmp) == NULL)
		fatal("tsearch: out of memory");
	conn_open++;
	evhttp_connection_set_closecb(evcon, conn_closed, c);
	slowclient_served(bufferevent_getfd(bev));
	return c;
}

/* Bind r to its connection, counting new connections against limit. */
int
conn_attach(struct evhttp_connection *evcon, struct req *r, int limit)
{
	struct conn	 key = { evcon, NULL, NULL }, *c, **found;

	found = tfind(&key, &conn_tree, conn_cmp);
	if (found != NULL)
		c = *found;
	else {
		if (limit > 0 && conn_open >= limit)
			return -1;
		c = conn_new(evcon);
	}
	c->req = r;
	r->conn = c;
	return 0;
}

/*
 * Run handle(r), the database work it queues owned by r (db_own); if that
 * did not answer r, watch for a hang-up meanwhile.
 */
void
conn_handle(struct req *r, void (*handle)(struct req *))
{
	uint64_t	was = db_own(r->serial);

	conn_handling = r;
	handle(r);
	db_own(was);
	if (conn_handling != NULL && conn_handling->conn != NULL)
		event_add(conn_handling->conn->watch, NULL);
	conn_handling = NULL;
}

/* r is answered: its connection carries no request now. */
void
conn_detach(struct req *r)
{
	if (r == conn_handling)
		conn_handling = NULL;
	if (r->conn != NULL) {
		event_del(r->conn->watch);
		r->conn->req = NULL;
		r->conn = NULL;
	}
}

/* Open connections. */
int
conn_count(void)
{
	return conn_open;
}
