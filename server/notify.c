/*
 * notify.c — LISTEN on one channel over a dedicated non-blocking connection.
 *
 * Same pattern as db.c, reduced to one connection and one statement:
 *
 *	DOWN --retry timer--> CONNECTING --PQconnectPoll OK--> LISTENING
 *	  ^                        |                              | LISTEN ok
 *	  |                        | failed / timeout             v
 *	  +---- backoff <----------+--------- lost <--------- READY
 *
 * In READY the socket is watched for reading; each readable event runs
 * PQconsumeInput and hands every PQnotifies entry to on_notify. Any error
 * closes the connection and retries after 100 ms doubling to 1 s (with
 * jitter), reset when LISTEN succeeds again: a longer wait would leave the
 * feed caches deaf to changes that long after the database is back. Reaching
 * READY again after a loss calls on_reconnect, because notifications sent in
 * between are gone. Each time READY is reached starts a new epoch
 * (notify_epoch), so a cache can tell whether LISTEN has been in force
 * without a break since it rendered something.
 *
 * LISTEN succeeding does not prove that notifications arrive: through a
 * pooler in transaction mode (PgBouncer) LISTEN runs on a server connection
 * that goes straight back to the pool, and the pooler drops what that
 * connection later receives. So READY is reached only when a probe comes
 * back: after LISTEN, NOTIFY <channel>_probe is sent through the query pool
 * (db.c, another connection, so another session); the listener must hear it
 * within NOTIFY_PROBE_WAIT_MS of its commit, else the connection counts as
 * lost (logged, retried with backoff; meanwhile the feed caches keep
 * nothing). The probe is repeated every NOTIFY_HEARTBEAT_MS while READY,
 * which also finds a connection that died without a word (a half-open TCP
 * connection). A probe the pool could not send (busy, database down) proves
 * nothing either way: it is sent again later.
 *
 *	LISTENING --LISTEN ok--> VERIFYING --own probe heard--> READY
 *
 * Probes have a channel of their own, so nothing else listening on the
 * changes channel sees them; their payload names this listener (a random
 * word and the pid) and the probe's number, so other instances' probes and
 * late echoes of older ones are told apart.
 *
 * LISTEN takes no parameters, so the channels are quoted with
 * PQescapeIdentifier; it is the only statement built from a string here.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <libpq-fe.h>

#include "db.h"
#include "log.h"
#include "notify.h"
#include "util.h"

#define NOTIFY_BACKOFF_MIN_MS		100
#define NOTIFY_BACKOFF_MAX_MS		1000
#define NOTIFY_CONNECT_TIMEOUT_MS	10000
#define NOTIFY_PROBE_WAIT_MS		5000	/* echo after the probe's commit */
#define NOTIFY_PROBE_RETRY_MS		1000	/* the pool could not send one */
#define NOTIFY_HEARTBEAT_MS		30000

enum notify_state {
	NOTIFY_DOWN,		/* closed, retry timer pending */
	NOTIFY_CONNECTING,	/* PQconnectPoll in progress */
	NOTIFY_LISTENING,	/* LISTEN sent, waiting for its result */
	NOTIFY_VERIFYING,	/* LISTEN done, waiting for the first probe */
	NOTIFY_READY,		/* receiving notifications */
};

static struct {
	struct event_base	*base;
	char			*conninfo;
	char			*channel;
	char			*probe_channel;	/* <channel>_probe */
	char			 probe_self[48];	/* "<random>.<pid>" */
	char			 probe_want[80];	/* payload of the one in flight */
	unsigned long		 probe_seq;
	int			 probe_pending;	/* sent, echo not heard yet */
	struct event		*probe;		/* next probe, or the echo's deadline */
	notify_cb		*on_notify;
	notify_reconnect_cb	*on_reconnect;
	void			*arg;
	enum notify_state	 state;
	PGconn			*pg;
	struct event		*io;		/* re-armed on PQsocket() */
	struct event		*retry;
	int			 backoff_ms;
	int			 quiet;		/* failure already logged */
	int			 listened;	/* LISTEN succeeded before */
	unsigned long		 epoch;		/* times LISTEN succeeded */
	int			 flushing;
	uint64_t		 connect_deadline;
	PGresult		*result;
} nt;

static void	notify_io_cb(evutil_socket_t, short, void *);
static void	notify_lost(const char *);
static void	notify_probe_send(void);

/* Milliseconds on the monotonic clock. */
static uint64_t
notify_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* Wait on the socket for what, at most timeout_ms if >= 0. */
static void
notify_arm(short what, int64_t timeout_ms)
{
	struct timeval	 tv;
	evutil_socket_t	 fd = PQsocket(nt.pg);

	event_del(nt.io);
	if (fd < 0) {
		notify_lost("no socket");
		return;
	}
	event_assign(nt.io, nt.base, fd, what, notify_io_cb, NULL);
	if (timeout_ms < 0) {
		event_add(nt.io, NULL);
		return;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	event_add(nt.io, &tv);
}

/* Close the connection (no callbacks). */
static void
notify_close(void)
{
	event_del(nt.io);
	event_del(nt.probe);
	nt.probe_pending = 0;
	PQclear(nt.result);
	nt.result = NULL;
	if (nt.pg != NULL)
		PQfinish(nt.pg);
	nt.pg = NULL;
	nt.flushing = 0;
	nt.state = NOTIFY_DOWN;
}

/* The connection failed or broke: close it and retry after a backoff. */
static void
notify_lost(const char *why)
{
	const char	*msg = nt.pg != NULL ? PQerrorMessage(nt.pg) : "";
	struct timeval	 tv;
	int		 delay;

	if (!nt.quiet)
		log_warn("notify: %s: %.*s", why, (int)strcspn(msg, "\n"), msg);
	nt.quiet = 1;
	notify_close();
	delay = nt.backoff_ms / 2 + (int)(random() % (nt.backoff_ms / 2 + 1));
	nt.backoff_ms *= 2;
	if (nt.backoff_ms > NOTIFY_BACKOFF_MAX_MS)
		nt.backoff_ms = NOTIFY_BACKOFF_MAX_MS;
	tv.tv_sec = delay / 1000;
	tv.tv_usec = (delay % 1000) * 1000;
	evtimer_add(nt.retry, &tv);
}

/* libpq notices go to our log. */
static void
notify_notice(void *arg, const char *msg)
{
	(void)arg;
	log_info("notify: %.*s", (int)strcspn(msg, "\n"), msg);
}

/* Start a non-blocking connect. */
static void
notify_open(void)
{
	static const char *const keys[] =
	    { "dbname", "fallback_application_name", NULL };
	const char	*values[] = { nt.conninfo, "kaigid-notify", NULL };

	nt.pg = PQconnectStartParams(keys, values, 1);
	if (nt.pg == NULL)
		fatal("out of memory");
	if (PQstatus(nt.pg) == CONNECTION_BAD) {
		notify_lost("connect");
		return;
	}
	PQsetNoticeProcessor(nt.pg, notify_notice, NULL);
	nt.state = NOTIFY_CONNECTING;
	nt.connect_deadline = notify_now_ms() + NOTIFY_CONNECT_TIMEOUT_MS;
	notify_arm(EV_WRITE, NOTIFY_CONNECT_TIMEOUT_MS);
}

/* Backoff timer: connect again. */
static void
notify_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what; (void)arg;
	notify_open();
}

/* Push out buffered output; wait for write too while some is left. */
static void
notify_flush(void)
{
	int	r = PQflush(nt.pg);

	if (r < 0) {
		notify_lost("send");
		return;
	}
	nt.flushing = r;
	notify_arm(r ? EV_READ|EV_WRITE : EV_READ, -1);
}

/* "LISTEN <name>" with the name quoted, or NULL. */
static char *
notify_listen_sql(const char *name)
{
	char	*quoted, *sql;

	quoted = PQescapeIdentifier(nt.pg, name, strlen(name));
	if (quoted == NULL)
		return (NULL);
	sql = xasprintf("LISTEN %s", quoted);
	PQfreemem(quoted);
	return (sql);
}

/* Connected: go non-blocking and LISTEN on the channel and the probes'. */
static void
notify_send_listen(void)
{
	char	*a, *b, *sql;
	int	 sent;

	if (PQsetnonblocking(nt.pg, 1) != 0) {
		notify_lost("setnonblocking");
		return;
	}
	a = notify_listen_sql(nt.channel);
	b = notify_listen_sql(nt.probe_channel);
	if (a == NULL || b == NULL) {
		free(a);
		free(b);
		notify_lost("bad channel name");
		return;
	}
	sql = xasprintf("%s; %s", a, b);
	free(a);
	free(b);
	sent = PQsendQuery(nt.pg, sql);
	free(sql);
	if (!sent) {
		notify_lost("send");
		return;
	}
	nt.state = NOTIFY_LISTENING;
	notify_flush();
}

/* Drive PQconnectPoll one step. */
static void
notify_poll(short what)
{
	uint64_t	now = notify_now_ms();
	int64_t		left = (int64_t)(nt.connect_deadline - now);

	if ((what & EV_TIMEOUT) || left <= 0) {
		notify_lost("connect timeout");
		return;
	}
	switch (PQconnectPoll(nt.pg)) {
	case PGRES_POLLING_READING:
		notify_arm(EV_READ, left);
		break;
	case PGRES_POLLING_WRITING:
		notify_arm(EV_WRITE, left);
		break;
	case PGRES_POLLING_OK:
		notify_send_listen();
		break;
	default:
		notify_lost("connect");
		break;
	}
}

/* In force: a new epoch; on_reconnect if it was in force before. */
static void
notify_become_ready(void)
{
	nt.state = NOTIFY_READY;
	nt.epoch++;
	nt.backoff_ms = NOTIFY_BACKOFF_MIN_MS;
	if (nt.quiet)
		log_info("notify: listening on %s again", nt.channel);
	nt.quiet = 0;
	if (nt.listened && nt.on_reconnect != NULL)
		nt.on_reconnect(nt.arg);
	nt.listened = 1;
}

/* (Re)arm the probe timer to fire in ms. */
static void
notify_probe_arm(int ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(nt.probe, &tv);
}

/* A probe arrived: ours and the one awaited proves the connection hears. */
static void
notify_probe_heard(const char *payload)
{
	if (!nt.probe_pending || strcmp(payload, nt.probe_want) != 0)
		return;		/* another instance's, or a late echo */
	nt.probe_pending = 0;
	notify_probe_arm(NOTIFY_HEARTBEAT_MS);
	if (nt.state == NOTIFY_VERIFYING)
		notify_become_ready();
}

/* Hand every received notification to on_notify (probes to us). */
static void
notify_deliver(void)
{
	PGnotify	*n;

	while (nt.pg != NULL && (n = PQnotifies(nt.pg)) != NULL) {
		log_debug("notify: %s: %s", n->relname, n->extra);
		if (strcmp(n->relname, nt.probe_channel) == 0)
			notify_probe_heard(n->extra);
		else if (nt.on_notify != NULL)
			nt.on_notify(n->relname, n->extra, nt.arg);
		PQfreemem(n);
	}
}

/* The pool ran (or could not run) the probe's NOTIFY. */
static void
notify_probe_sent(enum db_status st, PGresult *res, void *arg)
{
	unsigned long	seq = (unsigned long)(uintptr_t)arg;

	(void)res;
	if (nt.base == NULL || !nt.probe_pending || seq != nt.probe_seq)
		return;		/* stopped, already heard, or superseded */
	if (st == DB_OK) {	/* committed: the echo is due now */
		notify_probe_arm(NOTIFY_PROBE_WAIT_MS);
		return;
	}
	nt.probe_pending = 0;	/* proves nothing: try again later */
	notify_probe_arm(nt.state == NOTIFY_READY ? NOTIFY_HEARTBEAT_MS :
	    NOTIFY_PROBE_RETRY_MS);
}

/* NOTIFY <channel>_probe, '<self> <seq>' through the query pool. */
static void
notify_probe_send(void)
{
	const char	*params[2];

	nt.probe_seq++;
	snprintf(nt.probe_want, sizeof nt.probe_want, "%s %lu", nt.probe_self,
	    nt.probe_seq);
	nt.probe_pending = 1;
	event_del(nt.probe);	/* armed again when the pool answers */
	params[0] = nt.probe_channel;
	params[1] = nt.probe_want;
	db_query("SELECT pg_notify($1, $2)", 2, params, notify_probe_sent,
	    (void *)(uintptr_t)nt.probe_seq);
}

/* Probe timer: send the next probe, or the awaited echo never came. */
static void
notify_probe_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what; (void)arg;
	if (nt.state != NOTIFY_VERIFYING && nt.state != NOTIFY_READY)
		return;
	if (!nt.probe_pending) {
		notify_probe_send();
		return;
	}
	/* The echo may be waiting unread behind a long turn of the loop. */
	if (PQconsumeInput(nt.pg))
		notify_deliver();
	if (!nt.probe_pending)
		return;
	notify_lost("LISTEN hears no NOTIFY (through a pooler in transaction"
	    " mode? listen_url must reach PostgreSQL itself)");
}

/* LISTEN's result is in: verify it with a probe, or lost if it failed. */
static void
notify_listen_done(void)
{
	ExecStatusType	st = PQresultStatus(nt.result);

	if (PQstatus(nt.pg) == CONNECTION_BAD || st != PGRES_COMMAND_OK) {
		notify_lost("LISTEN failed");
		return;
	}
	PQclear(nt.result);
	nt.result = NULL;
	nt.state = NOTIFY_VERIFYING;
	notify_arm(EV_READ, -1);
	notify_probe_send();
	notify_deliver();
}

/* While LISTEN runs: flush, read results until PQgetResult gives NULL. */
static void
notify_listening(void)
{
	PGresult	*res;

	if (nt.flushing && (nt.flushing = PQflush(nt.pg)) < 0) {
		notify_lost("send");
		return;
	}
	while (!PQisBusy(nt.pg)) {
		if ((res = PQgetResult(nt.pg)) == NULL) {
			notify_listen_done();
			return;
		}
		PQclear(nt.result);
		nt.result = res;
	}
	notify_arm(nt.flushing ? EV_READ|EV_WRITE : EV_READ, -1);
}

/* Socket event in any state. */
static void
notify_io_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)arg;
	if (nt.state == NOTIFY_CONNECTING) {
		notify_poll(what);
		return;
	}
	if ((what & EV_READ) && !PQconsumeInput(nt.pg)) {
		notify_lost("receive");
		return;
	}
	if (nt.state == NOTIFY_LISTENING) {
		notify_listening();
		return;
	}
	if (PQstatus(nt.pg) == CONNECTION_BAD) {
		notify_lost("lost");
		return;
	}
	notify_arm(EV_READ, -1);
	notify_deliver();
}

/* Start listening on channel; connects in the background. */
void
notify_start(struct event_base *base, const char *conninfo,
    const char *channel, notify_cb *on_notify,
    notify_reconnect_cb *on_reconnect, void *arg)
{
	notify_stop();
	nt.base = base;
	nt.conninfo = xstrdup(conninfo != NULL ? conninfo : "");
	nt.channel = xstrdup(channel);
	nt.probe_channel = xasprintf("%s_probe", channel);
	snprintf(nt.probe_self, sizeof nt.probe_self, "%08lx.%ld",
	    (unsigned long)random() ^ (unsigned long)notify_now_ms(),
	    (long)getpid());
	nt.on_notify = on_notify;
	nt.on_reconnect = on_reconnect;
	nt.arg = arg;
	nt.backoff_ms = NOTIFY_BACKOFF_MIN_MS;
	nt.io = event_new(base, -1, 0, notify_io_cb, NULL);
	nt.retry = evtimer_new(base, notify_retry_cb, NULL);
	nt.probe = evtimer_new(base, notify_probe_cb, NULL);
	notify_open();
}

/* Close the connection and free everything. */
void
notify_stop(void)
{
	if (nt.base == NULL)
		return;
	notify_close();
	event_free(nt.io);
	event_free(nt.retry);
	event_free(nt.probe);
	free(nt.conninfo);
	free(nt.channel);
	free(nt.probe_channel);
	memset(&nt, 0, sizeof nt);
}

/* 1 when LISTEN is in force. */
int
notify_ready(void)
{
	return (nt.state == NOTIFY_READY);
}

/* Which spell of LISTEN is in force: 0 none, else +1 at each (re)connect. */
unsigned long
notify_epoch(void)
{
	return nt.state == NOTIFY_READY ? nt.epoch : 0;
}
