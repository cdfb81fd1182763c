/*
 * conn.c — bookkeeping of client connections, since libevent 2.1's evhttp
 * neither counts them nor says which request a closing connection carried.
 *
 * A connection is known from its first request on: one tracker per
 * evhttp_connection, found again by address in a search tree (tsearch),
 * with the connection's close callback set once. The tracker points at the
 * request in progress, so that a client who hangs up while its request
 * waits on the database is noticed (r->ev = NULL) and the late answer is
 * dropped. Connections that never send a request are not counted; evhttp
 * drops them at the idle timeout.
 */
#include <search.h>
#include <stdint.h>
#include <stdlib.h>

#include <event2/bufferevent.h>

#include "conn.h"
#include "http.h"
#include "slowclient.h"
#include "util.h"

struct conn {
	struct evhttp_connection	*evcon;	/* the key */
	struct req			*req;	/* in progress, or NULL */
};

static void	*conn_tree;
static int	 conn_open;

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
	struct conn	*c = arg;
	struct req	*r = c->req;

	(void)evcon;
	tdelete(c, &conn_tree, conn_cmp);
	conn_open--;
	free(c);
	if (r != NULL) {
		r->conn = NULL;
		r->ev = NULL;
		if (r->on_close != NULL)
			r->on_close(r, r->on_close_arg);
	}
}

/* Bind r to its connection, counting new connections against limit. */
int
conn_attach(struct evhttp_connection *evcon, struct req *r, int limit)
{
	struct conn	 key = { evcon, NULL }, *c, **found;

	found = tfind(&key, &conn_tree, conn_cmp);
	if (found != NULL)
		c = *found;
	else {
		if (limit > 0 && conn_open >= limit)
			return -1;
		c = xcalloc(1, sizeof *c);
		c->evcon = evcon;
		if (tsearch(c, &conn_tree, conn_cmp) == NULL)
			fatal("tsearch: out of memory");
		conn_open++;
		evhttp_connection_set_closecb(evcon, conn_closed, c);
		slowclient_served(bufferevent_getfd(
		    evhttp_connection_get_bufferevent(evcon)));
	}
	c->req = r;
	r->conn = c;
	return 0;
}

/* r is answered: its connection carries no request now. */
void
conn_detach(struct req *r)
{
	if (r->conn != NULL) {
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
