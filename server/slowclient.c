/*
 * slowclient.c — drops client connections whose first request has not
 * arrived in full within `timeout` seconds ("slowloris" clients that send a
 * byte now and then).
 *
 * evhttp's own timeout measures silence only, so a client trickling one
 * byte a second is never dropped by it, and libevent 2.1 offers no hook at
 * accept time. So once a second this sweeps the worker's own descriptors:
 * every TCP socket accepted on our listening port is remembered, by its
 * kernel socket cookie (SO_COOKIE: unique for the life of the system, so a
 * reused descriptor number is never mistaken for an old connection), when
 * first seen. A connection that has had a request dispatched
 * (slowclient_served, from the router) is left alone; one still without a
 * request after the deadline is shut down, and evhttp then closes it as a
 * client that went away.
 *
 * Times are CLOCK_MONOTONIC seconds with their fractions. Whole seconds
 * (time(NULL)) let two sweeps that straddle two second boundaries, as a
 * late timer does on a busy machine, see "2 s" between instants 1.002 s
 * apart, and a client was dropped after one second of a two-second
 * timeout. A connection is now never dropped before `timeout` has passed
 * since it was first seen, and at most one sweep (about a second) later.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>

#include <dirent.h>
#include <search.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "slowclient.h"
#include "util.h"

#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif

struct slowclient {
	uint64_t	cookie;		/* the key */
	double		first_seen;	/* monotonic seconds */
	int		served;		/* a request was dispatched on it */
	unsigned	sweep;		/* last sweep that saw it */
};

static void		*slow_tree;
static struct event	*slow_timer;
static int		 slow_port = -1, slow_timeout;
static unsigned		 slow_sweep_no;

/* Now, in monotonic seconds. */
static double
slow_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Order by cookie. */
static int
slow_cmp(const void *a, const void *b)
{
	uint64_t	x = ((const struct slowclient *)a)->cookie;
	uint64_t	y = ((const struct slowclient *)b)->cookie;

	return x < y ? -1 : x > y;
}

/* The entry of a cookie, created (first seen now) when new. */
static struct slowclient *
slow_entry(uint64_t cookie, double now)
{
	struct slowclient	key = { cookie, 0, 0, 0 }, *e, **found;

	if ((found = tfind(&key, &slow_tree, slow_cmp)) != NULL)
		return *found;
	e = xcalloc(1, sizeof *e);
	e->cookie = cookie;
	e->first_seen = now;
	if (tsearch(e, &slow_tree, slow_cmp) == NULL)
		fatal("tsearch: out of memory");
	return e;
}

/* The cookie of an accepted TCP socket on our port, or 0 for anything else. */
static uint64_t
slow_client_cookie(int fd)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof ss;
	struct stat		st;
	uint64_t		cookie = 0;
	int			listening = 1, port;

	if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode))
		return 0;
	len = sizeof listening;
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || listening)
		return 0;
	len = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return 0;
	if (ss.ss_family == AF_INET)
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	else if (ss.ss_family == AF_INET6)
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	else
		return 0;
	len = sizeof cookie;
	if (port != slow_port || getsockopt(fd, SOL_SOCKET, SO_COOKIE, &cookie, &len) != 0)
		return 0;
	return cookie;
}

/* A request was dispatched on this client socket: it is not slow. */
void
slowclient_served(int fd)
{
	uint64_t	cookie = slow_client_cookie(fd);

	if (cookie != 0)
		slow_entry(cookie, slow_now())->served = 1;
}

/* Look at one descriptor during a sweep. */
static void
slow_check(int fd, double now)
{
	uint64_t		 cookie = slow_client_cookie(fd);
	struct slowclient	*e;

	if (cookie == 0)
		return;
	e = slow_entry(cookie, now);
	e->sweep = slow_sweep_no;
	if (!e->served && now - e->first_seen >= slow_timeout) {
		log_info("dropping a client whose request did not arrive within %d s",
		    slow_timeout);
		shutdown(fd, SHUT_RDWR);
		e->served = 1;	/* once is enough */
	}
}

struct slow_stale {
	struct slowclient	**items;
	size_t			  n, cap;
};

/* twalk_r visitor: collect entries the last sweep did not see. */
static void
slow_collect(const void *node, VISIT which, void *arg)
{
	struct slowclient	*e = *(struct slowclient *const *)node;
	struct slow_stale	*st = arg;

	if ((which != postorder && which != leaf) || e->sweep == slow_sweep_no)
		return;
	if (st->n == st->cap) {
		st->cap = st->cap ? st->cap * 2 : 16;
		st->items = xrealloc(st->items, st->cap * sizeof *st->items);
	}
	st->items[st->n++] = e;
}

/* Forget entries whose socket is gone (not seen in this sweep). */
static void
slow_forget(void)
{
	struct slow_stale	st = { NULL, 0, 0 };
	size_t			i;

	twalk_r(slow_tree, slow_collect, &st);
	for (i = 0; i < st.n; i++) {
		tdelete(st.items[i], &slow_tree, slow_cmp);
		free(st.items[i]);
	}
	free(st.items);
}

/* Look at every descriptor of the worker, at monotonic instant now. */
void
slowclient_sweep(double now)
{
	DIR		*d = opendir("/proc/self/fd");
	struct dirent	*de;
	int		 dfd;

	if (d == NULL)
		return;
	slow_sweep_no++;
	dfd = dirfd(d);
	while ((de = readdir(d)) != NULL) {
		int fd = atoi(de->d_name);
		if (de->d_name[0] >= '0' && de->d_name[0] <= '9' && fd != dfd)
			slow_check(fd, now);
	}
	closedir(d);
	slow_forget();
}

/* Once a second. */
static void
slow_tick(evutil_socket_t unused, short what, void *arg)
{
	(void)unused;
	(void)what;
	(void)arg;
	slowclient_sweep(slow_now());
}

/* Start sweeping for the clients of listening socket fd. */
void
slowclient_start(struct event_base *base, int listen_fd, int timeout)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof ss;
	struct timeval		tick = { 1, 0 };

	if (getsockname(listen_fd, (struct sockaddr *)&ss, &len) != 0)
		return;
	slow_port = ss.ss_family == AF_INET6 ?
	    ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) :
	    ntohs(((struct sockaddr_in *)&ss)->sin_port);
	slow_timeout = timeout;
	slow_timer = event_new(base, -1, EV_PERSIST, slow_tick, NULL);
	event_add(slow_timer, &tick);
}

/* The deadline follows the `timeout` setting (SIGHUP). */
void
slowclient_set_timeout(int timeout)
{
	slow_timeout = timeout;
}

/* Stop sweeping and forget everything. */
void
slowclient_stop(void)
{
	if (slow_timer != NULL) {
		event_free(slow_timer);
		slow_timer = NULL;
	}
	slow_sweep_no++;
	slow_forget();
}
