/*
 * test_notify.c — LISTEN/NOTIFY (server/notify.c) against a real PostgreSQL.
 *
 * Needs KAIGI_TEST_DATABASE_URL; fails without it. Prints TAP. Notifications
 * are sent, and the listener's backend is killed, from a plain blocking libpq
 * connection owned by the test.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <libpq-fe.h>

#include "db.h"
#include "log.h"
#include "tap.h"
#include "notify.h"
#include "util.h"

static const char *const SQL_NOTIFY = "SELECT pg_notify($1, $2)";
static const char *const SQL_KILL =
    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))"
    " FROM pg_stat_activity WHERE application_name = $1";

static struct event_base *base;
static const char	*url;

/* What the callbacks saw. */
static struct {
	int	count;
	char	channel[64];
	char	payload[128];
	int	others;		/* notifications on another channel */
	int	reconnects;
} seen;

/* Milliseconds on the monotonic clock. */
static uint64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* Timer callback that only wakes the loop. */
static void
wake_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what; (void)arg;
}

/* Run the loop until *value >= want or ms pass; return 1 if reached. */
static int
run_until(const int *value, int want, int ms)
{
	uint64_t	 end = now_ms() + (uint64_t)ms, now;
	struct event	*t = evtimer_new(base, wake_cb, NULL);
	struct timeval	 tv;

	while (*value < want && (now = now_ms()) < end) {
		tv.tv_sec = (end - now) / 1000;
		tv.tv_usec = ((end - now) % 1000) * 1000;
		evtimer_add(t, &tv);
		event_base_loop(base, EVLOOP_ONCE);
	}
	event_free(t);
	return (*value >= want);
}

/* Run the loop until notify_ready() or ms pass. */
static int
run_until_ready(int ms)
{
	uint64_t	end = now_ms() + (uint64_t)ms;
	int		never = 0;

	while (!notify_ready() && now_ms() < end)
		run_until(&never, 1, 10);
	return (notify_ready());
}

/* on_notify: remember the last notification on our channel. */
static void
on_notify(const char *channel, const char *payload, void *arg)
{
	(void)arg;
	if (strcmp(channel, "kaigi_changes") != 0) {
		seen.others++;
		return;
	}
	seen.count++;
	snprintf(seen.channel, sizeof seen.channel, "%s", channel);
	snprintf(seen.payload, sizeof seen.payload, "%s", payload);
}

/* on_reconnect: count them. */
static void
on_reconnect(void *arg)
{
	(void)arg;
	seen.reconnects++;
}

/* Run one statement with two parameters on a fresh blocking connection. */
static int
exec_blocking(const char *sql, int n, const char *const *params)
{
	PGconn		*pg = PQconnectdb(url);
	PGresult	*res;
	int		 r = -1;

	res = PQexecParams(pg, sql, n, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		r = atoi(PQgetvalue(res, 0, 0));
	else
		fprintf(stderr, "# %s", PQerrorMessage(pg));
	PQclear(res);
	PQfinish(pg);
	return (r);
}

/* NOTIFY channel with payload from another connection. */
static void
send_notify(const char *channel, const char *payload)
{
	const char	*p[2] = { channel, payload };

	exec_blocking(SQL_NOTIFY, 2, p);
}

/* url with application_name set (URL or key=value form). */
static char *
url_with_appname(const char *name)
{
	if (strstr(url, "://") != NULL)
		return (xasprintf("%s%sapplication_name=%s", url,
		    strchr(url, '?') != NULL ? "&" : "?", name));
	return (xasprintf("%s application_name=%s", url, name));
}

/* First connection, notifications in, other channels ignored. */
static void
test_listen(const char *conninfo)
{
	notify_start(base, conninfo, "kaigi_changes", on_notify, on_reconnect,
	    NULL);
	ok(run_until_ready(5000), "listener connected and LISTENing");
	ok(seen.reconnects == 0, "no on_reconnect for the first connection");
	send_notify("kaigi_changes", "conference 42");
	ok(run_until(&seen.count, 1, 3000) &&
	    strcmp(seen.channel, "kaigi_changes") == 0 &&
	    strcmp(seen.payload, "conference 42") == 0,
	    "NOTIFY from another connection reaches on_notify (%s: %s)",
	    seen.channel, seen.payload);
	send_notify("some_other_channel", "x");
	send_notify("kaigi_changes", "second");
	ok(run_until(&seen.count, 2, 3000) &&
	    strcmp(seen.payload, "second") == 0 && seen.others == 0,
	    "only our channel is delivered (%s, %d others)", seen.payload,
	    seen.others);
}

/* Kill the listener's backend: it reconnects, says so, and hears again. */
static void
test_reconnect(const char *appname)
{
	const char	*p[1] = { appname };
	int		 n, i, up;

	for (i = 1; i <= 2; i++) {
		n = exec_blocking(SQL_KILL, 1, p);
		ok(n >= 1, "kill %d: terminated the listener's backend (%d)",
		    i, n);
		up = run_until(&seen.reconnects, i, 5000);
		ok(up && seen.reconnects == i, "kill %d: on_reconnect fired"
		    " once (%d in all)", i, seen.reconnects);
		ok(notify_ready(), "kill %d: listening again", i);
		send_notify("kaigi_changes", i == 1 ? "after 1" : "after 2");
		ok(run_until(&seen.count, 2 + i, 3000) &&
		    strcmp(seen.payload, i == 1 ? "after 1" : "after 2") == 0,
		    "kill %d: later notifications still arrive (%s)", i,
		    seen.payload);
	}
}

/* url naming the database postgres instead (both URL and key=value). */
static char *
other_database(void)
{
	if (strstr(url, "://") != NULL)
		return (xasprintf("%s%sdbname=postgres", url,
		    strchr(url, '?') != NULL ? "&" : "?"));
	return (xasprintf("%s dbname=postgres", url));
}

/* The query pool, which sends the probes, on conninfo. */
static void
pool_on(const char *conninfo)
{
	struct db_options	o = { .conninfo = conninfo, .pool_size = 1,
	    .wait_ms = 3000, .queue_max = 16 };

	db_init(base, &o);
}

/*
 * LISTEN succeeds but hears nothing (as through PgBouncer in transaction
 * mode): here the probes go to another database, whose NOTIFY the
 * listener's database never sees. Never ready; once the pool reaches the
 * listener's database again, it is.
 */
static void
test_deaf(const char *conninfo, const char *other)
{
	db_shutdown();
	pool_on(other);
	notify_start(base, conninfo, "kaigi_changes", on_notify, on_reconnect,
	    NULL);
	ok(!run_until_ready(7000), "LISTEN that hears no probe: not ready"
	    " after 7 s");
	db_shutdown();
	pool_on(url);
	ok(run_until_ready(10000), "probes heard again: ready");
	notify_stop();
}

/* Nothing listens on the port: not ready, and stop is clean. */
static void
test_closed_port(void)
{
	notify_start(base, "postgresql://postgres@127.0.0.1:1/postgres",
	    "kaigi_changes", on_notify, on_reconnect, NULL);
	ok(!run_until_ready(400), "closed port: not ready");
	notify_stop();
	ok(!notify_ready(), "stopped");
}

/* Run every section. */
int
main(void)
{
	char	*app, *conninfo, *other;

	setvbuf(stdout, NULL, _IOLBF, 0);
	log_set_level_name(getenv("KAIGI_TEST_LOG") ? getenv("KAIGI_TEST_LOG") :
	    "error");
	if ((url = getenv("KAIGI_TEST_DATABASE_URL")) == NULL || *url == '\0') {
		printf("1..1\nnot ok 1 - KAIGI_TEST_DATABASE_URL is not set\n");
		return (1);
	}
	base = event_base_new();
	app = xasprintf("kaigi_test_notify_%d", (int)getpid());
	conninfo = url_with_appname(app);
	pool_on(url);
	test_listen(conninfo);
	test_reconnect(app);
	notify_stop();
	ok(!notify_ready(), "notify_stop: not ready any more");
	other = other_database();
	test_deaf(conninfo, other);
	free(other);
	test_closed_port();
	db_shutdown();
	free(conninfo);
	free(app);
	event_base_free(base);
	return (tap_done());
}
