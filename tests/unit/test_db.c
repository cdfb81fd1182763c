/*
 * test_db.c — the connection pool (server/db.c) against a real PostgreSQL.
 *
 * Needs KAIGI_TEST_DATABASE_URL (a migrated, empty database); fails without
 * it. Prints TAP. Each section starts its own pool with db_init on its own
 * event_base and ends with db_shutdown. A plain blocking libpq connection is
 * used only by the test itself, to kill the pool's backends from outside.
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
#include "util.h"

static const char *const SQL_CREATE =
    "CREATE TABLE IF NOT EXISTS test_db_txn (token text NOT NULL, n int)";
static const char *const SQL_INSERT =
    "INSERT INTO test_db_txn (token, n) VALUES ($1, $2::int)";
static const char *const SQL_COUNT =
    "SELECT count(*) FROM test_db_txn WHERE token = $1";
static const char *const SQL_CLEAN = "DELETE FROM test_db_txn WHERE token = $1";
/* Leave the database as found: drop the table unless another run uses it. */
static const char *const SQL_DROP =
    "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM test_db_txn) THEN"
    " DROP TABLE test_db_txn; END IF; END $$";
static const char *const SQL_KILL =
    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))"
    " FROM pg_stat_activity"
    " WHERE application_name = $1";

static struct event_base *base;
static const char	*url;

/* Result of one statement, as seen by its callback. */
struct capture {
	int		 done;
	enum db_status	 status;
	char		 sqlstate[6];
	char		 value[128];	/* first cell of first row */
	int		 ntuples;
	uint64_t	 at;		/* ms when the callback ran */
	int		 order;		/* completion rank */
};

static int	completed;	/* completion counter for ranks */

/* Milliseconds on the monotonic clock. */
static uint64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* Timer callback that does nothing (it only wakes the loop). */
static void
wake_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what; (void)arg;
}

/* Run the loop until *flag is set or ms have passed; return *flag. */
static int
run_until(int *flag, int ms)
{
	uint64_t	 end = now_ms() + (uint64_t)ms, now;
	struct event	*t = evtimer_new(base, wake_cb, NULL);
	struct timeval	 tv;

	while (!*flag && (now = now_ms()) < end) {
		tv.tv_sec = (end - now) / 1000;
		tv.tv_usec = ((end - now) % 1000) * 1000;
		evtimer_add(t, &tv);
		event_base_loop(base, EVLOOP_ONCE);
	}
	event_free(t);
	return (*flag);
}

/* Run the loop for ms. */
static void
run_for(int ms)
{
	int	never = 0;

	run_until(&never, ms);
}

/* Record a statement's outcome. */
static void
capture_cb(enum db_status status, PGresult *res, void *arg)
{
	struct capture	*c = arg;

	c->status = status;
	c->at = now_ms();
	c->order = completed++;
	snprintf(c->sqlstate, sizeof c->sqlstate, "%s", db_sqlstate(res));
	if (status == DB_OK && res != NULL) {
		c->ntuples = PQntuples(res);
		if (c->ntuples > 0 && PQnfields(res) > 0)
			snprintf(c->value, sizeof c->value, "%s",
			    PQgetvalue(res, 0, 0));
	}
	c->done = 1;
}

/* Run one statement and wait (up to 10 s) for its callback. */
static struct capture
query(const char *sql, int n, const char *const *params)
{
	struct capture	c;

	memset(&c, 0, sizeof c);
	db_query(sql, n, params, capture_cb, &c);
	run_until(&c.done, 10000);
	return (c);
}

/* A transaction handle as delivered by db_txn_begin. */
struct txn_capture {
	int		 done;
	struct db_txn	*txn;
	uint64_t	 at;
};

/* Record the transaction handle. */
static void
txn_cb(struct db_txn *txn, void *arg)
{
	struct txn_capture	*t = arg;

	t->txn = txn;
	t->at = now_ms();
	t->done = 1;
}

/* Begin a transaction and wait for the handle. */
static struct db_txn *
begin(void)
{
	struct txn_capture	t;

	memset(&t, 0, sizeof t);
	db_txn_begin(txn_cb, &t);
	run_until(&t.done, 10000);
	return (t.txn);
}

/* Run a statement in txn and wait for it. */
static struct capture
txn_query(struct db_txn *txn, const char *sql, int n, const char *const *params)
{
	struct capture	c;

	memset(&c, 0, sizeof c);
	db_txn_query(txn, sql, n, params, capture_cb, &c);
	run_until(&c.done, 10000);
	return (c);
}

/* End txn and wait for the COMMIT/ROLLBACK result. */
static struct capture
txn_end(struct db_txn *txn, int commit)
{
	struct capture	c;

	memset(&c, 0, sizeof c);
	db_txn_end(txn, commit, capture_cb, &c);
	run_until(&c.done, 10000);
	return (c);
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

/* Start a pool and wait until it is ready. */
static void
pool_start(const char *conninfo, int size, int wait_ms, int stmt_ms)
{
	struct db_options	o = { conninfo, size, wait_ms, stmt_ms };
	struct db_stats		s;
	uint64_t		end = now_ms() + 5000;

	db_init(base, &o);
	do {
		run_for(10);
		db_get_stats(&s);
	} while (s.connections_up < size && now_ms() < end);
	ok(s.connections_up == size, "pool of %d up (%d up)", size,
	    s.connections_up);
}

/* Kill the backends named appname from a separate blocking connection. */
static int
kill_backends(const char *appname)
{
	const char	*params[] = { appname };
	PGconn		*pg = PQconnectdb(url);
	PGresult	*res;
	int		 n = -1;

	res = PQexecParams(pg, SQL_KILL, 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		n = atoi(PQgetvalue(res, 0, 0));
	else
		fprintf(stderr, "# kill: %s", PQerrorMessage(pg));
	PQclear(res);
	PQfinish(pg);
	return (n);
}

/* Simple queries, parameters, NULLs, errors and SQLSTATEs, statement_timeout. */
static void
test_basic(void)
{
	const char	*p1[] = { "41" }, *pnull[] = { NULL };
	struct capture	 c;
	struct db_stats	 s;

	c = query("SELECT $1::int + 1 AS n UNION ALL SELECT 0", 1, p1);
	ok(c.status == DB_OK && c.ntuples == 2 && strcmp(c.value, "42") == 0,
	    "simple query returns rows (%d rows, first %s)", c.ntuples,
	    c.value);
	c = query("SELECT $1::text IS NULL", 1, pnull);
	ok(c.status == DB_OK && strcmp(c.value, "t") == 0,
	    "NULL parameter arrives as SQL NULL");
	c = query("SELECT 1/0", 0, NULL);
	ok(c.status == DB_ERROR && strcmp(c.sqlstate, "22012") == 0,
	    "division by zero gives DB_ERROR and SQLSTATE 22012 (%s)",
	    c.sqlstate);
	c = query("SELECT * FROM no_such_table_here", 0, NULL);
	ok(c.status == DB_ERROR && strcmp(c.sqlstate, "42P01") == 0,
	    "missing table gives SQLSTATE 42P01 (%s)", c.sqlstate);
	c = query("SELECT 1", 0, NULL);
	ok(c.status == DB_OK && strcmp(c.sqlstate, "") == 0,
	    "the connection is usable after an error; sqlstate of OK is \"\"");
	c = query("SHOW statement_timeout", 0, NULL);
	ok(c.status == DB_OK && strcmp(c.value, "10s") == 0,
	    "statement_timeout set at connection setup (%s)", c.value);
	db_get_stats(&s);
	ok(s.queries == 6 && s.errors == 2 && s.unavailable == 0,
	    "stats count queries %lu, errors %lu", s.queries, s.errors);
}

/* More queries than connections: all complete, started oldest first. */
static void
test_fifo_concurrent(void)
{
	struct capture	 c[9];
	struct db_stats	 s;
	char		 num[9][12];
	const char	*p[1];
	int		 i, j, all = 1, inorder = 1;

	memset(c, 0, sizeof c);
	completed = 0;
	for (i = 0; i < 9; i++) {
		snprintf(num[i], sizeof num[i], "%d", i);
		p[0] = num[i];
		db_query("SELECT $1::int, pg_sleep(0.1)", 1, p, capture_cb,
		    &c[i]);
	}
	db_get_stats(&s);
	ok(s.queue_length == 6 && s.connections_busy == 3,
	    "9 queries on 3 connections: 3 busy (%d), 6 queued (%d)",
	    s.connections_busy, s.queue_length);
	run_until(&c[8].done, 5000);
	run_for(50);
	for (i = 0; i < 9; i++) {
		all = all && c[i].done && c[i].status == DB_OK &&
		    atoi(c[i].value) == i;
		/* Two batches apart, so scheduling noise on a loaded machine
		 * cannot reorder them; strict FIFO is tested on one connection. */
		for (j = i + 6; j < 9; j++)
			inorder = inorder && c[i].order < c[j].order;
	}
	ok(all, "all 9 queries completed with their own result");
	ok(inorder, "queued queries ran in FIFO order (each batch after the"
	    " one before)");
}

/* A 10 ms timer fires on time while a 0.5 s query runs. */
static void
test_loop_not_blocked(void)
{
	struct capture	 c, t;
	struct event	*ev;
	struct timeval	 tv = { 0, 10000 };
	uint64_t	 start;

	memset(&c, 0, sizeof c);
	memset(&t, 0, sizeof t);
	start = now_ms();
	db_query("SELECT pg_sleep(0.5)", 0, NULL, capture_cb, &c);
	ev = evtimer_new(base, wake_cb, NULL);
	evtimer_add(ev, &tv);
	while (evtimer_pending(ev, NULL) && now_ms() - start < 1000)
		event_base_loop(base, EVLOOP_ONCE);
	t.at = now_ms();
	event_free(ev);
	/* Blocked, it would fire after the 500 ms query: 200 ms leaves room
	 * for a loaded machine without hiding a block. */
	ok(t.at - start >= 10 && t.at - start <= 200,
	    "10 ms timer fired after %d ms while pg_sleep(0.5) runs",
	    (int)(t.at - start));
	ok(!c.done, "the query was still running then");
	run_until(&c.done, 5000);
	ok(c.status == DB_OK && c.at - start >= 500,
	    "the slow query completed after %d ms", (int)(c.at - start));
}

/* A rolled-back transaction leaves nothing; a committed one persists. */
static void
test_txn(const char *token)
{
	const char	*p[2] = { token, "1" };
	struct db_txn	*txn;
	struct capture	 c;

	c = query(SQL_CREATE, 0, NULL);
	ok(c.status == DB_OK, "test table created");
	txn = begin();
	ok(txn != NULL, "db_txn_begin hands out a transaction");
	c = txn_query(txn, SQL_INSERT, 2, p);
	ok(c.status == DB_OK, "insert inside the transaction");
	c = txn_query(txn, SQL_COUNT, 1, p);
	ok(strcmp(c.value, "1") == 0, "the transaction sees its own row");
	c = txn_end(txn, 0);
	ok(c.status == DB_OK, "ROLLBACK ok");
	c = query(SQL_COUNT, 1, p);
	ok(c.status == DB_OK && strcmp(c.value, "0") == 0,
	    "rolled back: nothing left (%s rows)", c.value);
	txn = begin();
	c = txn_query(txn, SQL_INSERT, 2, p);
	c = txn_end(txn, 1);
	ok(c.status == DB_OK, "COMMIT ok");
	c = query(SQL_COUNT, 1, p);
	ok(c.status == DB_OK && strcmp(c.value, "1") == 0,
	    "committed: the row persists (%s rows)", c.value);
}

/* Statements queued on a txn without waiting run in order; errors abort. */
static void
test_txn_pipelined(const char *token)
{
	const char	*p1[2] = { token, "2" }, *p2[1] = { token };
	struct capture	 a, b, e, end;
	struct db_txn	*txn = begin();

	memset(&a, 0, sizeof a); memset(&b, 0, sizeof b);
	memset(&e, 0, sizeof e); memset(&end, 0, sizeof end);
	db_txn_query(txn, SQL_INSERT, 2, p1, capture_cb, &a);
	db_txn_query(txn, SQL_COUNT, 1, p2, capture_cb, &b);
	db_txn_query(txn, "SELECT 1/0", 0, NULL, capture_cb, &e);
	db_txn_end(txn, 1, capture_cb, &end);
	run_until(&end.done, 5000);
	ok(a.status == DB_OK && b.status == DB_OK &&
	    strcmp(b.value, "2") == 0 && a.order < b.order &&
	    b.order < e.order && e.order < end.order,
	    "queued txn statements ran in order (count %s)", b.value);
	ok(e.status == DB_ERROR && strcmp(e.sqlstate, "22012") == 0,
	    "error inside the transaction reported");
	ok(end.status == DB_ERROR,
	    "COMMIT of an aborted transaction reports DB_ERROR");
	a = query(SQL_COUNT, 1, p2);
	ok(strcmp(a.value, "1") == 0, "nothing of it persisted (%s rows)",
	    a.value);
	a = query("SELECT 2", 0, NULL);
	ok(a.status == DB_OK, "connections are clean afterwards");
	query(SQL_CLEAN, 1, p2);
	a = query(SQL_DROP, 0, NULL);
	ok(a.status == DB_OK, "test table cleaned up");
}

/* A callback that queues the next query, five times. */
static void
chain_cb(enum db_status status, PGresult *res, void *arg)
{
	int	*left = arg;

	(void)res;
	if (status != DB_OK)
		return;
	if (--*left > 0)
		db_query("SELECT 1", 0, NULL, chain_cb, arg);
}

/* Callbacks may queue more work. */
static void
test_reentrant(void)
{
	int	left = 5;
	uint64_t end = now_ms() + 3000;

	db_query("SELECT 1", 0, NULL, chain_cb, &left);
	while (left > 0 && now_ms() < end)
		run_for(10);
	ok(left == 0, "a callback can queue the next query (%d left)", left);
}

/* All connections checked out: a query waits wait_ms, then fails. */
static void
test_exhausted(void)
{
	struct db_txn	*t[3];
	struct capture	 c;
	uint64_t	 start;
	int		 i;

	for (i = 0; i < 3; i++)
		t[i] = begin();
	ok(t[0] && t[1] && t[2], "three transactions hold the pool");
	start = now_ms();
	c = query("SELECT 1", 0, NULL);
	ok(c.status == DB_UNAVAILABLE && c.at - start >= 290 &&
	    c.at - start < 600, "pool exhausted: DB_UNAVAILABLE after %d ms"
	    " (wait 300)", (int)(c.at - start));
	memset(&c, 0, sizeof c);
	db_query("SELECT 3", 0, NULL, capture_cb, &c);
	for (i = 0; i < 3; i++)
		db_txn_end(t[i], 0, NULL, NULL);
	run_until(&c.done, 2000);
	ok(c.status == DB_OK && strcmp(c.value, "3") == 0,
	    "released connections take queued work");
}

/* One connection: completion order is exactly submission order. */
static void
test_fifo_strict(void)
{
	struct capture	 c[20];
	char		 num[20][12];
	const char	*p[1];
	int		 i, inorder = 1;

	memset(c, 0, sizeof c);
	completed = 0;
	for (i = 0; i < 20; i++) {
		snprintf(num[i], sizeof num[i], "%d", i);
		p[0] = num[i];
		db_query("SELECT $1::int", 1, p, capture_cb, &c[i]);
	}
	run_until(&c[19].done, 5000);
	for (i = 0; i < 20; i++)
		inorder = inorder && c[i].done && c[i].order == i &&
		    atoi(c[i].value) == i;
	ok(inorder, "20 queries on one connection completed in FIFO order");
}

/* Nothing listens: work fails after wait_ms, not before, not much later. */
static void
test_closed_port(void)
{
	struct db_options	 o = {
	    "postgresql://postgres@127.0.0.1:1/postgres",
	    2, 300, 0 };
	struct txn_capture	 t;
	struct capture		 c;
	struct db_stats		 s;
	uint64_t		 start;

	db_init(base, &o);
	run_for(50);
	ok(!db_ready(), "pool on a closed port is not ready");
	start = now_ms();
	memset(&t, 0, sizeof t);
	db_txn_begin(txn_cb, &t);
	c = query("SELECT 1", 0, NULL);
	ok(c.status == DB_UNAVAILABLE && c.at - start >= 295 &&
	    c.at - start <= 450, "DB_UNAVAILABLE after %d ms (wait_ms 300)",
	    (int)(c.at - start));
	run_until(&t.done, 1000);
	ok(t.done && t.txn == NULL && t.at - start >= 295 &&
	    t.at - start <= 450, "db_txn_begin gets NULL after %d ms",
	    (int)(t.at - start));
	db_get_stats(&s);
	ok(s.unavailable == 2 && s.connections_up == 0 && s.queue_length == 0,
	    "stats: %lu unavailable, %d up", s.unavailable, s.connections_up);
	db_shutdown();
}

/* Wait up to ms for a query to succeed again; return the ms it took. */
static int
wait_recovery(int ms)
{
	uint64_t	start = now_ms();
	struct capture	c;

	do {
		c = query("SELECT 1", 0, NULL);
		if (c.status == DB_OK)
			return ((int)(now_ms() - start));
		run_for(50);
	} while (now_ms() - start < (uint64_t)ms);
	return (-1);
}

/* pg_terminate_backend under in-flight work: it fails, the pool recovers. */
static void
test_killed(const char *appname)
{
	struct capture	 q, tq, end;
	struct db_txn	*txn = begin();
	int		 n, ms;
	uint64_t	 start;

	memset(&q, 0, sizeof q); memset(&tq, 0, sizeof tq);
	memset(&end, 0, sizeof end);
	db_query("SELECT pg_sleep(10)", 0, NULL, capture_cb, &q);
	db_txn_query(txn, "SELECT pg_sleep(10)", 0, NULL, capture_cb, &tq);
	run_for(200);
	start = now_ms();
	n = kill_backends(appname);
	ok(n == 2, "terminated the pool's 2 backends (%d)", n);
	run_until(&q.done, 3000);
	run_until(&tq.done, 1000);
	ok(q.status == DB_UNAVAILABLE && q.at - start < 1000,
	    "in-flight query got DB_UNAVAILABLE after %d ms",
	    (int)(q.at - start));
	ok(tq.status == DB_UNAVAILABLE,
	    "in-flight transaction statement got DB_UNAVAILABLE");
	db_txn_end(txn, 1, capture_cb, &end);
	ok(!end.done, "db_txn_end on a lost transaction does not call back"
	    " from inside the call");
	run_until(&end.done, 1000);
	ok(end.status == DB_UNAVAILABLE, "and then reports DB_UNAVAILABLE");
	ms = wait_recovery(5000);
	ok(ms >= 0 && ms < 3000, "pool recovered by itself (%d ms)", ms);
	run_for(500);
	n = kill_backends(appname);
	ok(n >= 2, "killed both idle connections (%d)", n);
	ms = wait_recovery(5000);
	ok(ms >= 0, "recovered after idle connections were killed (%d ms)",
	    ms);
	q = query("SELECT pg_terminate_backend(pg_backend_pid())", 0, NULL);
	ok(q.status == DB_UNAVAILABLE,
	    "a statement that kills its own backend gets DB_UNAVAILABLE");
}

/* Counts DB_UNAVAILABLE callbacks; ends an open transaction if given one. */
struct shutdown_probe {
	int		 unavailable;
	int		 other;
	struct db_txn	*txn;
};

/* Callback for work cut off by db_shutdown. */
static void
shutdown_cb(enum db_status status, PGresult *res, void *arg)
{
	struct shutdown_probe	*p = arg;

	(void)res;
	if (status == DB_UNAVAILABLE)
		p->unavailable++;
	else
		p->other++;
	if (p->txn != NULL) {
		db_txn_end(p->txn, 0, shutdown_cb, p);
		p->txn = NULL;
	}
}

/* db_shutdown fails in-flight and queued work, then refuses new work. */
static void
test_shutdown(void)
{
	struct shutdown_probe	 p = { 0, 0, NULL };
	int			 i;

	p.txn = begin();
	db_query("SELECT pg_sleep(5)", 0, NULL, shutdown_cb, &p);
	db_query("SELECT pg_sleep(5)", 0, NULL, shutdown_cb, &p);
	db_txn_query(p.txn, "SELECT pg_sleep(5)", 0, NULL, shutdown_cb, &p);
	for (i = 0; i < 10; i++)
		db_query("SELECT 1", 0, NULL, shutdown_cb, &p);
	run_for(100);
	db_shutdown();
	ok(p.unavailable == 14 && p.other == 0,
	    "db_shutdown: in-flight, queued and txn work got DB_UNAVAILABLE"
	    " (%d, %d other)", p.unavailable, p.other);
	db_query("SELECT 1", 0, NULL, shutdown_cb, &p);
	ok(p.unavailable == 15, "after shutdown db_query fails at once");
}

/* Run every section. */
int
main(void)
{
	char	*app, *conninfo, *token;

	setvbuf(stdout, NULL, _IOLBF, 0);
	log_set_level_name(getenv("KAIGI_TEST_LOG") ? getenv("KAIGI_TEST_LOG") :
	    "error");
	if ((url = getenv("KAIGI_TEST_DATABASE_URL")) == NULL || *url == '\0') {
		printf("1..1\nnot ok 1 - KAIGI_TEST_DATABASE_URL is not set\n");
		return (1);
	}
	base = event_base_new();
	app = xasprintf("kaigi_test_db_%d", (int)getpid());
	token = xasprintf("t%d-%llu", (int)getpid(),
	    (unsigned long long)now_ms());
	conninfo = url_with_appname(app);

	pool_start(conninfo, 3, 300, 10000);
	test_basic();
	test_fifo_concurrent();
	test_loop_not_blocked();
	test_txn(token);
	test_txn_pipelined(token);
	test_reentrant();
	test_exhausted();
	test_shutdown();

	pool_start(conninfo, 1, 2000, 0);
	test_fifo_strict();
	db_shutdown();

	test_closed_port();

	free(conninfo);
	free(app);
	app = xasprintf("kaigi_test_db_kill_%d", (int)getpid());
	conninfo = url_with_appname(app);
	pool_start(conninfo, 2, 2000, 0);
	test_killed(app);
	db_shutdown();

	free(conninfo);
	free(token);
	free(app);
	event_base_free(base);
	return (tap_done());
}
