/*
 * db.c — a fixed pool of non-blocking libpq connections on the event loop.
 *
 * The pattern is PgBouncer's (libusual pgsocket.c): every connection owns one
 * struct event, re-armed on PQsocket() for read and/or write whenever libpq
 * says what it waits for. Nothing here ever blocks: connections are opened
 * with PQconnectStartParams + PQconnectPoll, queries are sent with
 * PQsendQueryParams + PQflush, and results are read with PQconsumeInput +
 * PQisBusy + PQgetResult only when readable.
 *
 * One connection (struct db_conn) moves through these states:
 *
 *	DOWN --retry timer--> CONNECTING --PQconnectPoll OK--> SETUP --> IDLE
 *	  ^                        |        (jit off, statement_timeout) |  ^
 *	  |                        | failed / timeout                    v  |
 *	  +---- backoff <----------+---- lost <---- any error ---- BUSY / TXN
 *
 * IDLE takes the head of the FIFO queue: a plain statement makes it BUSY
 * until the result is delivered; a BEGIN makes it TXN, checked out by one
 * struct db_txn until db_txn_end's COMMIT/ROLLBACK has run. A lost connection
 * (socket error, server gone, pg_terminate_backend) is closed, its in-flight
 * work and its transaction's pending statements get DB_UNAVAILABLE, and it is
 * re-opened after a backoff of 100 ms doubling to 1 s (with jitter). When one
 * connection is up again the database is back, so every connection still
 * waiting out its backoff is re-opened at once (and its backoff reset): the
 * whole pool returns within about a second of the database, not after each
 * connection's own (formerly up to 5 s) timer.
 *
 * Work waits in the FIFO queue. Waiting for a connection is not a failure as
 * long as the pool keeps freeing connections (freed_at, the last time one
 * became free): a burst larger than the pool waits its turn. Work that has
 * waited wait_ms fails only when no connection is up (DB_UNAVAILABLE: the
 * database is down, callers answer 503 instead of hanging) or when none has
 * come free for wait_ms either (DB_BUSY: every connection held by slow
 * statements or locks). One timer is armed on the head's deadline, pushed to
 * freed_at + wait_ms while the pool moves; deadlines are queue-ordered. The
 * queue holds at most queue_max items; more work gets DB_BUSY at once (or
 * DB_UNAVAILABLE if no connection is up), so a wait stays bounded.
 *
 * A pool is a struct db_pool. db_init makes the primary's, which db_query,
 * db_txn_begin and the rest use; db_pool_new makes more (replica.c: one per
 * standby), each with its own connections, queue, timers and counters.
 * Every connection, work item and transaction points at its pool.
 *
 * Callbacks are only ever called from the event loop, never from inside
 * db_query() and friends (failures found while queueing are delivered from a
 * deferred event), except after db_shutdown() has finished, when db_query()
 * and db_txn_begin() fail at once. A callback may queue more work; no
 * iterator is held across a callback.
 *
 * Rules for callers:
 * - sql and params are copied: they may be freed as soon as the call returns.
 * - res is valid only during the callback (PQclear follows); copy what you
 *   keep, or keep res itself with db_keep (then PQclear it yourself, on any
 *   thread: a result does not depend on its connection). DB_UNAVAILABLE
 *   and DB_BUSY always come with res == NULL; DB_ERROR normally with the server's result (db_sqlstate), but a COMMIT
 *   that the server turned into ROLLBACK (transaction already aborted) is
 *   DB_ERROR with SQLSTATE "".
 * - Every db_txn_begin that got a handle must end with db_txn_end, also
 *   after DB_UNAVAILABLE or DB_ERROR inside it; until then the connection is
 *   out of the pool. The handle must not be used after db_txn_end.
 * - Statements inside a transaction do not wait in the queue, so wait_ms does
 *   not bound them; statement_timeout does.
 * - db_shutdown() calls every pending callback with DB_UNAVAILABLE before it
 *   returns (callbacks may still call db_txn_end); it must not be called from
 *   a db callback. Transaction handles not ended by then are freed. Call it
 *   while whatever the callbacks' args point to (e.g. HTTP requests) still
 *   exists.
 * - Host names in conninfo are resolved by libpq's getaddrinfo inside
 *   PQconnectStartParams, which can block; use an address or a socket path.
 */

#include <sys/queue.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <libpq-fe.h>

#include "db.h"
#include "log.h"
#include "util.h"

#define DB_DEFAULT_POOL_SIZE	8
#define DB_DEFAULT_WAIT_MS	2000
#define DB_DEFAULT_QUEUE_MAX	256
#define DB_BACKOFF_MIN_MS	100
#define DB_BACKOFF_MAX_MS	1000
#define DB_CONNECT_TIMEOUT_MS	10000

/*
 * Sent first on every fresh connection: JIT off (compiling a costly plan
 * took 0.5-2.5 s on a 2-core machine, more than running it: GET /conflicts
 * at COP size, 3.6 s with JIT and 0.5 s without), and statement_timeout
 * when statement_timeout_ms > 0 ($1; else the server's default stays).
 */
static const char *const DB_SQL_SETUP =
    "SELECT set_config('jit', 'off', false), CASE WHEN $1::text::int > 0"
    " THEN set_config('statement_timeout', $1::text, false) END";
static const char *const DB_SQL_BEGIN = "BEGIN";
static const char *const DB_SQL_COMMIT = "COMMIT";
static const char *const DB_SQL_ROLLBACK = "ROLLBACK";

enum db_work_kind {
	DB_WORK_QUERY,		/* db_query */
	DB_WORK_BEGIN,		/* db_txn_begin */
	DB_WORK_TXN_QUERY,	/* db_txn_query */
	DB_WORK_END,		/* db_txn_end */
	DB_WORK_SETUP,		/* internal: DB_SQL_SETUP */
};

struct db_txn;
struct db_pool;

/* One statement waiting or running, with the callback to tell. */
struct db_work {
	TAILQ_ENTRY(db_work)	 entry;
	enum db_work_kind	 kind;
	char			*sql;
	int			 nparams;
	char			**params;
	db_cb			*cb;
	db_txn_cb		*txn_cb;
	void			*arg;
	struct db_pool		*pool;
	struct db_txn		*txn;		/* BEGIN and END */
	int			 commit;	/* END */
	uint64_t		 deadline;	/* ms, monotonic; queued work */
	enum db_status		 failure;	/* on the failed list: what to tell */
	uint64_t		 owner;		/* db_own's when queued; 0 nobody */
	int			 abandoned;	/* db_abandon took it off the queue */
};
TAILQ_HEAD(db_work_list, db_work);

enum db_conn_state {
	DB_CONN_DOWN,		/* closed, retry timer pending */
	DB_CONN_CONNECTING,	/* PQconnectPoll in progress */
	DB_CONN_SETUP,		/* running DB_SQL_SETUP */
	DB_CONN_IDLE,		/* in the pool, free */
	DB_CONN_BUSY,		/* running one pool statement */
	DB_CONN_TXN,		/* checked out by a transaction */
};

/* One pooled connection. */
struct db_conn {
	int			 id;
	struct db_pool		*pool;
	enum db_conn_state	 state;
	PGconn			*pg;
	struct event		*io;		/* re-armed on PQsocket() */
	struct event		*retry;		/* backoff timer */
	int			 backoff_ms;
	int			 quiet;		/* failure already logged */
	uint64_t		 connect_deadline;
	int			 flushing;	/* PQflush returned 1 */
	struct db_work		*work;		/* in flight, or NULL */
	PGresult		*result;	/* last result so far */
	struct db_txn		*txn;		/* owner in state TXN */
};

/* A transaction: the connection it holds and its statements in order. */
struct db_txn {
	TAILQ_ENTRY(db_txn)	 entry;
	struct db_pool		*pool;
	struct db_conn		*conn;		/* NULL once lost */
	struct db_work_list	 queue;
};

/* A pool: its connections, its queue, its counters. */
struct db_pool {
	const char		*name;		/* in the log: "db", "replica 1"... */
	struct event_base	*base;
	char			*conninfo;
	int			 pool_size;
	int			 wait_ms;
	int			 queue_max;
	int			 statement_timeout_ms;
	int			 stopping;
	struct db_conn		*conns;
	struct db_work_list	 queue;		/* waiting for a connection */
	int			 queue_length;
	struct event		*queue_timer;	/* head's deadline */
	uint64_t		 freed_at;	/* ms: a connection last came free */
	struct db_work_list	 failed;	/* to get w->failure */
	struct event		*fail_event;
	TAILQ_HEAD(, db_txn)	 txns;		/* live transactions */
	unsigned long		 queries;
	unsigned long		 errors;
	unsigned long		 unavailable;
	unsigned long		 busy;
	unsigned long		 abandoned;
	TAILQ_ENTRY(db_pool)	 entry;		/* in db_pools */
};

static struct db_pool	*db_primary;	/* db_init's: db_query and the rest */
static TAILQ_HEAD(, db_pool) db_pools = TAILQ_HEAD_INITIALIZER(db_pools);
static uint64_t		 db_owner;	/* stamped on new work (db_own) */

static void	db_conn_open(struct db_conn *);
static void	db_conn_lost(struct db_conn *, const char *);
static void	db_conn_next(struct db_conn *);
static void	db_conn_start(struct db_conn *, struct db_work *);
static void	db_conn_io_cb(evutil_socket_t, short, void *);
static void	db_dispatch(struct db_pool *);
static void	db_queue_arm(struct db_pool *);

/* Milliseconds on the monotonic clock. */
static uint64_t
db_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* Fill a timeval with ms milliseconds. */
static struct timeval *
db_tv(struct timeval *tv, uint64_t ms)
{
	tv->tv_sec = ms / 1000;
	tv->tv_usec = (ms % 1000) * 1000;
	return (tv);
}

/* A new work item, copying sql and parameters (the caller's may go away). */
static struct db_work *
db_work_new(enum db_work_kind kind, const char *sql, int nparams,
    const char *const *params)
{
	struct db_work	*w;
	int		 i;

	w = xcalloc(1, sizeof *w);
	w->kind = kind;
	w->owner = db_owner;
	w->sql = xstrdup(sql);
	if (nparams > 0 && params != NULL) {
		w->nparams = nparams;
		w->params = xcalloc(nparams, sizeof *w->params);
		for (i = 0; i < nparams; i++) {
			if (params[i] != NULL)
				w->params[i] = xstrdup(params[i]);
		}
	}
	return (w);
}

/* Free a work item. */
static void
db_work_free(struct db_work *w)
{
	int	i;

	for (i = 0; i < w->nparams; i++)
		free(w->params[i]);
	free(w->params);
	free(w->sql);
	free(w);
}

/* Free a transaction; statements still queued on it fail. */
static void
db_txn_free(struct db_txn *txn)
{
	struct db_pool	*p = txn->pool;
	struct db_work	*w;

	while ((w = TAILQ_FIRST(&txn->queue)) != NULL) {
		TAILQ_REMOVE(&txn->queue, w, entry);
		w->failure = DB_UNAVAILABLE;
		TAILQ_INSERT_TAIL(&p->failed, w, entry);
	}
	if (!p->stopping && !TAILQ_EMPTY(&p->failed))
		event_active(p->fail_event, 0, 0);
	TAILQ_REMOVE(&p->txns, txn, entry);
	free(txn);
}

/* The result a callback keeps (db_keep), not cleared after it. */
static PGresult	*db_kept;

/* In a db_cb: keep res past the callback; the caller PQclears it. */
PGresult *
db_keep(PGresult *res)
{
	db_kept = res;
	return res;
}

/* PQclear a kept result (a scheduler_release_fn, say). */
void
db_kept_free(void *res)
{
	PQclear(res);
}

/* Tell the owner of w how it ended and free w (and a finished txn). */
static void
db_work_deliver(struct db_work *w, enum db_status status, PGresult *res)
{
	db_cb		*cb = w->cb;
	db_txn_cb	*txn_cb = w->txn_cb;
	void		*arg = w->arg;
	struct db_txn	*txn = w->txn;
	struct db_pool	*p = w->pool;
	enum db_work_kind kind = w->kind;
	uint64_t	 owner = w->owner, was = db_owner;
	int		 abandoned = w->abandoned;

	db_work_free(w);
	if (kind == DB_WORK_SETUP)
		return;
	db_owner = owner;	/* what the callback queues is the same owner's */
	if (abandoned)
		p->abandoned++;
	else if (status == DB_UNAVAILABLE)
		p->unavailable++;
	else if (status == DB_BUSY)
		p->busy++;
	else {
		p->queries++;
		if (status == DB_ERROR)
			p->errors++;
	}
	if (kind == DB_WORK_BEGIN) {
		if (status != DB_OK) {
			db_txn_free(txn);
			txn = NULL;
		}
		txn_cb(txn, arg);
		db_owner = was;
		return;
	}
	if (kind == DB_WORK_END)
		db_txn_free(txn);
	if (cb != NULL)
		cb(status, res, arg);
	db_owner = was;
}

/* Queue w to get status from the loop (never from the caller's stack). */
static void
db_fail_later(struct db_work *w, enum db_status status)
{
	struct db_pool	*p = w->pool;

	w->failure = status;
	TAILQ_INSERT_TAIL(&p->failed, w, entry);
	if (!p->stopping)
		event_active(p->fail_event, 0, 0);
}

/* Deliver its failure to everything on the failed list. */
static void
db_fail_cb(evutil_socket_t fd, short what, void *arg)
{
	struct db_pool	*p = arg;
	struct db_work	*w;

	(void)fd; (void)what;
	while ((w = TAILQ_FIRST(&p->failed)) != NULL) {
		TAILQ_REMOVE(&p->failed, w, entry);
		db_work_deliver(w, w->failure, NULL);
	}
}

/* Why work cannot have a connection: the database is down, or the pool busy. */
static enum db_status
db_refusal(struct db_pool *p)
{
	return (db_pool_ready(p) ? DB_BUSY : DB_UNAVAILABLE);
}

/* Is the pool moving: a connection up, and one freed within wait_ms? */
static int
db_moving(struct db_pool *p, uint64_t now)
{
	return (db_pool_ready(p) && p->freed_at + (uint64_t)p->wait_ms > now);
}

/* Arm the queue timer on the head's deadline, later while the pool moves. */
static void
db_queue_arm(struct db_pool *p)
{
	struct db_work	*w = TAILQ_FIRST(&p->queue);
	struct timeval	 tv;
	uint64_t	 now, when;

	if (w == NULL) {
		event_del(p->queue_timer);
		return;
	}
	now = db_now_ms();
	when = w->deadline;
	if (db_moving(p, now) && p->freed_at + (uint64_t)p->wait_ms > when)
		when = p->freed_at + (uint64_t)p->wait_ms;
	evtimer_add(p->queue_timer, db_tv(&tv, when > now ? when - now : 0));
}

/*
 * Queue timer: fail the work that has waited wait_ms, unless the pool is
 * moving (then it is a wait, not a failure: everything keeps its place).
 */
static void
db_queue_expire_cb(evutil_socket_t fd, short what, void *arg)
{
	struct db_pool	*p = arg;
	struct db_work	*w;
	uint64_t	 now = db_now_ms();

	(void)fd; (void)what;
	while ((w = TAILQ_FIRST(&p->queue)) != NULL && w->deadline <= now &&
	    !db_moving(p, now)) {
		TAILQ_REMOVE(&p->queue, w, entry);
		p->queue_length--;
		log_debug("%s: no connection %s within %d ms", p->name,
		    db_pool_ready(p) ? "came free" : "up", p->wait_ms);
		db_work_deliver(w, db_refusal(p), NULL);
	}
	db_queue_arm(p);
}

/*
 * Put w at the end of the FIFO, with its deadline, and start what can start.
 * If more than queue_max are left waiting then, w is refused (counted after
 * the dispatch: a connection just freed takes the head first).
 */
static void
db_enqueue(struct db_work *w)
{
	struct db_pool	*p = w->pool;

	if (p->stopping) {
		db_fail_later(w, DB_UNAVAILABLE);
		return;
	}
	w->deadline = db_now_ms() + (uint64_t)p->wait_ms;
	TAILQ_INSERT_TAIL(&p->queue, w, entry);
	p->queue_length++;
	db_dispatch(p);
	if (p->queue_length > p->queue_max) {
		TAILQ_REMOVE(&p->queue, w, entry);
		p->queue_length--;
		log_debug("%s: queue full (%d waiting)", p->name,
		    p->queue_length);
		db_fail_later(w, db_refusal(p));
	}
	db_queue_arm(p);
}

/* A connection in state IDLE, or NULL. */
static struct db_conn *
db_conn_free_one(struct db_pool *p)
{
	int	i;

	for (i = 0; i < p->pool_size; i++) {
		if (p->conns[i].state == DB_CONN_IDLE &&
		    p->conns[i].work == NULL)
			return (&p->conns[i]);
	}
	return (NULL);
}

/* Hand queued work to free connections, oldest first. */
static void
db_dispatch(struct db_pool *p)
{
	struct db_conn	*c;
	struct db_work	*w;

	if (p->stopping)
		return;
	while ((w = TAILQ_FIRST(&p->queue)) != NULL &&
	    (c = db_conn_free_one(p)) != NULL) {
		TAILQ_REMOVE(&p->queue, w, entry);
		p->queue_length--;
		db_conn_start(c, w);
	}
}

/* Wait on the connection's socket for what (and at most timeout_ms, if >= 0). */
static void
db_conn_arm(struct db_conn *c, short what, int64_t timeout_ms)
{
	struct timeval	 tv;
	evutil_socket_t	 fd = PQsocket(c->pg);

	event_del(c->io);
	if (fd < 0) {
		db_conn_lost(c, "no socket");
		return;
	}
	event_assign(c->io, c->pool->base, fd, what, db_conn_io_cb, c);
	if (timeout_ms < 0)
		event_add(c->io, NULL);
	else
		event_add(c->io, db_tv(&tv, (uint64_t)timeout_ms));
}

/* Close the libpq side of a connection (no callbacks). */
static void
db_conn_close(struct db_conn *c)
{
	event_del(c->io);
	PQclear(c->result);
	c->result = NULL;
	if (c->pg != NULL)
		PQfinish(c->pg);
	c->pg = NULL;
	c->flushing = 0;
	c->state = DB_CONN_DOWN;
}

/* Move the work of a closed connection (and of its txn) to the failed list. */
static void
db_conn_orphan(struct db_conn *c)
{
	struct db_txn	*txn = c->txn;
	struct db_work	*w;

	if ((w = c->work) != NULL) {
		c->work = NULL;
		if (w->kind == DB_WORK_SETUP)
			db_work_free(w);
		else
			db_fail_later(w, DB_UNAVAILABLE);
	}
	if (txn == NULL)
		return;
	c->txn = NULL;
	txn->conn = NULL;
	while ((w = TAILQ_FIRST(&txn->queue)) != NULL) {
		TAILQ_REMOVE(&txn->queue, w, entry);
		db_fail_later(w, DB_UNAVAILABLE);
	}
}

/* The connection broke: fail its work, close it, retry after a backoff. */
static void
db_conn_lost(struct db_conn *c, const char *why)
{
	struct db_pool	*p = c->pool;
	struct timeval	 tv;
	const char	*msg = c->pg != NULL ? PQerrorMessage(c->pg) : "";
	int		 delay;

	if (!c->quiet)
		log_warn("%s: connection %d: %s: %.*s", p->name, c->id, why,
		    (int)strcspn(msg, "\n"), msg);
	c->quiet = 1;
	db_conn_close(c);
	db_conn_orphan(c);
	if (p->stopping)
		return;
	db_queue_arm(p);		/* the last one gone: the head's own deadline */
	delay = c->backoff_ms / 2 + (int)(random() % (c->backoff_ms / 2 + 1));
	c->backoff_ms *= 2;
	if (c->backoff_ms > DB_BACKOFF_MAX_MS)
		c->backoff_ms = DB_BACKOFF_MAX_MS;
	evtimer_add(c->retry, db_tv(&tv, (uint64_t)delay));
}

/* Backoff timer: try to connect again. */
static void
db_conn_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what;
	db_conn_open(arg);
}

/* libpq notices (and a server's FATAL on an idle connection) go to our log. */
static void
db_conn_notice(void *arg, const char *msg)
{
	struct db_conn	*c = arg;

	log_info("%s: connection %d: %.*s", c->pool->name, c->id, (int)strcspn(msg, "\n"),
	    msg);
}

/* Start a non-blocking connect. */
static void
db_conn_open(struct db_conn *c)
{
	static const char *const keys[] =
	    { "dbname", "fallback_application_name", NULL };
	const char	*values[] = { c->pool->conninfo, "kaigid", NULL };

	c->pg = PQconnectStartParams(keys, values, 1);
	if (c->pg == NULL)
		fatal("out of memory");
	if (PQstatus(c->pg) == CONNECTION_BAD) {
		db_conn_lost(c, "connect");
		return;
	}
	PQsetNoticeProcessor(c->pg, db_conn_notice, c);
	c->state = DB_CONN_CONNECTING;
	c->connect_deadline = db_now_ms() + DB_CONNECT_TIMEOUT_MS;
	db_conn_arm(c, EV_WRITE, DB_CONNECT_TIMEOUT_MS);
}

/* The database is back: re-open every connection waiting out a backoff now. */
static void
db_conn_wake_others(struct db_pool *p)
{
	struct db_conn	*o;
	int		 i;

	for (i = 0; i < p->pool_size; i++) {
		o = &p->conns[i];
		if (o->state != DB_CONN_DOWN || !evtimer_pending(o->retry, NULL))
			continue;
		event_del(o->retry);
		o->backoff_ms = DB_BACKOFF_MIN_MS;
		db_conn_open(o);
	}
}

/* The connection is usable: put it in the pool. */
static void
db_conn_up(struct db_conn *c)
{
	if (c->quiet)
		log_info("%s: connection %d up", c->pool->name, c->id);
	c->quiet = 0;
	c->backoff_ms = DB_BACKOFF_MIN_MS;
	c->state = DB_CONN_IDLE;
	db_conn_wake_others(c->pool);
	db_conn_next(c);
}

/* PQconnectPoll said OK: go non-blocking, then set the session up. */
static void
db_conn_connected(struct db_conn *c)
{
	struct db_work	*w;
	char		*ms;

	if (PQsetnonblocking(c->pg, 1) != 0) {
		db_conn_lost(c, "setnonblocking");
		return;
	}
	ms = xasprintf("%d", c->pool->statement_timeout_ms);
	w = db_work_new(DB_WORK_SETUP, DB_SQL_SETUP, 1,
	    (const char *const *)&ms);
	w->pool = c->pool;
	free(ms);
	c->state = DB_CONN_SETUP;
	db_conn_start(c, w);
}

/* Drive PQconnectPoll one step. */
static void
db_conn_poll(struct db_conn *c, short what)
{
	uint64_t	now = db_now_ms();
	int64_t		left;

	if ((what & EV_TIMEOUT) || now >= c->connect_deadline) {
		db_conn_lost(c, "connect timeout");
		return;
	}
	left = (int64_t)(c->connect_deadline - now);
	switch (PQconnectPoll(c->pg)) {
	case PGRES_POLLING_READING:
		db_conn_arm(c, EV_READ, left);
		break;
	case PGRES_POLLING_WRITING:
		db_conn_arm(c, EV_WRITE, left);
		break;
	case PGRES_POLLING_OK:
		db_conn_connected(c);
		break;
	default:
		db_conn_lost(c, "connect");
		break;
	}
}

/* Push out what libpq has buffered; wait for write too if not all went. */
static void
db_conn_flush(struct db_conn *c)
{
	switch (PQflush(c->pg)) {
	case 0:
		c->flushing = 0;
		db_conn_arm(c, EV_READ, -1);
		break;
	case 1:
		c->flushing = 1;
		db_conn_arm(c, EV_READ|EV_WRITE, -1);
		break;
	default:
		db_conn_lost(c, "send");
		break;
	}
}

/* Send w on an idle (or checked-out) connection. */
static void
db_conn_start(struct db_conn *c, struct db_work *w)
{
	c->work = w;
	if (w->kind == DB_WORK_QUERY)
		c->state = DB_CONN_BUSY;
	else if (w->kind == DB_WORK_BEGIN) {
		c->state = DB_CONN_TXN;
		c->txn = w->txn;
		w->txn->conn = c;
	}
	if (!PQsendQueryParams(c->pg, w->sql, w->nparams, NULL,
	    (const char *const *)w->params, NULL, NULL, 0)) {
		db_conn_lost(c, "send");
		return;
	}
	db_conn_flush(c);
}

/* Take the next step on a connection whose statement just finished. */
static void
db_conn_next(struct db_conn *c)
{
	struct db_work	*w;

	if (c->pg == NULL || c->work != NULL ||
	    (c->state != DB_CONN_IDLE && c->state != DB_CONN_TXN))
		return;
	if (c->state == DB_CONN_TXN &&
	    (w = TAILQ_FIRST(&c->txn->queue)) != NULL) {
		TAILQ_REMOVE(&c->txn->queue, w, entry);
		db_conn_start(c, w);
		return;
	}
	/* Stay readable so a server-side close is seen at once. */
	db_conn_arm(c, EV_READ, -1);
	if (c->state == DB_CONN_IDLE) {
		c->pool->freed_at = db_now_ms();
		db_dispatch(c->pool);
	}
}

/* A connection left inside a transaction by accident is not reusable. */
static int
db_conn_clean(struct db_conn *c)
{
	if (PQtransactionStatus(c->pg) == PQTRANS_IDLE)
		return (1);
	log_warn("%s: connection %d left inside a transaction, reopening",
	    c->pool->name, c->id);
	c->quiet = 1;
	db_conn_close(c);
	db_conn_open(c);
	return (0);
}

/* Map a result to DB_OK or DB_ERROR (a COMMIT that rolled back is an error). */
static enum db_status
db_result_status(const struct db_work *w, const PGresult *res)
{
	ExecStatusType	st = PQresultStatus(res);

	if (res == NULL || (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK))
		return (DB_ERROR);
	if (w->kind == DB_WORK_END && w->commit &&
	    strcmp(PQcmdStatus((PGresult *)res), "COMMIT") != 0)
		return (DB_ERROR);
	return (DB_OK);
}

/* Update the connection's state for the finished w, before telling anyone. */
static void
db_conn_settle(struct db_conn *c, struct db_work *w, enum db_status status)
{
	switch (w->kind) {
	case DB_WORK_SETUP:
		if (status != DB_OK)
			log_warn("db: setting the session up (jit, "
			    "statement_timeout) failed: %s",
			    PQerrorMessage(c->pg));
		db_conn_up(c);
		break;
	case DB_WORK_QUERY:
		c->state = DB_CONN_IDLE;
		db_conn_clean(c);
		break;
	case DB_WORK_BEGIN:
		if (status == DB_OK)
			break;
		/* FALLTHROUGH */
	case DB_WORK_END:
		c->txn->conn = NULL;
		c->txn = NULL;
		c->state = DB_CONN_IDLE;
		db_conn_clean(c);
		break;
	case DB_WORK_TXN_QUERY:
		break;
	}
}

/* All results of c's statement are in: settle the connection, tell the owner. */
static void
db_conn_done(struct db_conn *c)
{
	struct db_work	*w = c->work;
	PGresult	*res = c->result;
	enum db_status	 status;

	if (PQstatus(c->pg) == CONNECTION_BAD) {
		db_conn_lost(c, "lost");
		return;
	}
	c->work = NULL;
	c->result = NULL;
	status = db_result_status(w, res);
	if (status == DB_ERROR)
		log_debug("db: %s: %s", db_sqlstate(res),
		    res != NULL ? PQresultErrorMessage(res) : "no result");
	db_conn_settle(c, w, status);
	db_kept = NULL;
	db_work_deliver(w, status, res);
	if (db_kept != res)
		PQclear(res);
	db_kept = NULL;
	db_conn_next(c);
}

/* Read complete results; 1 when all came (PQgetResult gave NULL), -1 on COPY. */
static int
db_conn_collect(struct db_conn *c)
{
	PGresult	*res;
	ExecStatusType	 st;

	while (!PQisBusy(c->pg)) {
		if ((res = PQgetResult(c->pg)) == NULL)
			return (1);
		st = PQresultStatus(res);
		PQclear(c->result);
		c->result = res;
		if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT ||
		    st == PGRES_COPY_BOTH)
			return (-1);
	}
	return (0);
}

/* Readable with nothing in flight: notices, or the server going away. */
static void
db_conn_idle_read(struct db_conn *c)
{
	PGnotify	*n;

	if (!PQconsumeInput(c->pg) || PQstatus(c->pg) == CONNECTION_BAD) {
		db_conn_lost(c, "closed while idle");
		return;
	}
	while ((n = PQnotifies(c->pg)) != NULL)
		PQfreemem(n);
	db_conn_arm(c, EV_READ, -1);
}

/* Socket event on a connection in any state. */
static void
db_conn_io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct db_conn	*c = arg;
	int		 r;

	(void)fd;
	if (c->state == DB_CONN_CONNECTING) {
		db_conn_poll(c, what);
		return;
	}
	if (c->work == NULL) {
		db_conn_idle_read(c);
		return;
	}
	if ((what & EV_READ) && !PQconsumeInput(c->pg)) {
		db_conn_lost(c, "receive");
		return;
	}
	if (c->flushing) {
		if ((r = PQflush(c->pg)) < 0) {
			db_conn_lost(c, "send");
			return;
		}
		c->flushing = r;
	}
	switch (db_conn_collect(c)) {
	case 1:
		db_conn_done(c);
		break;
	case -1:
		db_conn_lost(c, "COPY is not supported");
		break;
	default:
		db_conn_arm(c, c->flushing ? EV_READ|EV_WRITE : EV_READ, -1);
		break;
	}
}

/* Create a pool and start connecting every connection. */
struct db_pool *
db_pool_new(struct event_base *base, const struct db_options *o,
    const char *name)
{
	struct db_pool	*p = xcalloc(1, sizeof *p);
	struct db_conn	*c;
	int		 i;

	TAILQ_INIT(&p->queue);
	TAILQ_INIT(&p->failed);
	TAILQ_INIT(&p->txns);
	p->name = name;
	p->base = base;
	p->conninfo = xstrdup(o->conninfo != NULL ? o->conninfo : "");
	p->pool_size = o->pool_size > 0 ? o->pool_size : DB_DEFAULT_POOL_SIZE;
	p->wait_ms = o->wait_ms > 0 ? o->wait_ms : DB_DEFAULT_WAIT_MS;
	p->queue_max = o->queue_max > 0 ? o->queue_max : DB_DEFAULT_QUEUE_MAX;
	p->statement_timeout_ms = o->statement_timeout_ms;
	p->freed_at = db_now_ms();
	p->queue_timer = evtimer_new(base, db_queue_expire_cb, p);
	p->fail_event = event_new(base, -1, 0, db_fail_cb, p);
	TAILQ_INSERT_TAIL(&db_pools, p, entry);
	p->conns = xcalloc(p->pool_size, sizeof *p->conns);
	for (i = 0; i < p->pool_size; i++) {
		c = &p->conns[i];
		c->id = i;
		c->pool = p;
		c->backoff_ms = DB_BACKOFF_MIN_MS;
		c->io = event_new(base, -1, 0, db_conn_io_cb, c);
		c->retry = evtimer_new(base, db_conn_retry_cb, c);
		db_conn_open(c);
	}
	return (p);
}

/* Close everything; queued and in-flight work gets DB_UNAVAILABLE. */
void
db_pool_free(struct db_pool *p)
{
	struct db_work	*w;
	int		 i;

	if (p == NULL)
		return;
	p->stopping = 1;
	for (i = 0; i < p->pool_size; i++) {
		event_del(p->conns[i].retry);
		db_conn_close(&p->conns[i]);
		db_conn_orphan(&p->conns[i]);
	}
	while ((w = TAILQ_FIRST(&p->queue)) != NULL) {
		TAILQ_REMOVE(&p->queue, w, entry);
		w->failure = DB_UNAVAILABLE;
		TAILQ_INSERT_TAIL(&p->failed, w, entry);
	}
	p->queue_length = 0;
	db_fail_cb(-1, 0, p);	/* callbacks may add more: drained too */
	while (!TAILQ_EMPTY(&p->txns))
		db_txn_free(TAILQ_FIRST(&p->txns));
	for (i = 0; i < p->pool_size; i++) {
		event_free(p->conns[i].io);
		event_free(p->conns[i].retry);
	}
	event_free(p->queue_timer);
	event_free(p->fail_event);
	TAILQ_REMOVE(&db_pools, p, entry);
	free(p->conns);
	free(p->conninfo);
	free(p);
}

/* The primary pool: db_query, db_txn_begin and the rest use it. */
void
db_init(struct event_base *base, const struct db_options *o)
{
	db_primary = db_pool_new(base, o, "db");
}

void
db_shutdown(void)
{
	struct db_pool	*p = db_primary;

	db_primary = NULL;	/* db_query from a callback now fails at once */
	db_pool_free(p);
}

/* New limits for a running pool (SIGHUP); queued work keeps its deadline. */
void
db_pool_set_limits(struct db_pool *p, int wait_ms, int queue_max)
{
	if (p == NULL)
		return;
	if (wait_ms > 0)
		p->wait_ms = wait_ms;
	if (queue_max > 0)
		p->queue_max = queue_max;
}

void
db_set_limits(int wait_ms, int queue_max)
{
	db_pool_set_limits(db_primary, wait_ms, queue_max);
}

/* Run one statement on the pool's next free connection. */
void
db_pool_query(struct db_pool *p, const char *sql, int nparams,
    const char *const *params, db_cb *cb, void *arg)
{
	struct db_work	*w;

	if (p == NULL) {
		cb(DB_UNAVAILABLE, NULL, arg);
		return;
	}
	w = db_work_new(DB_WORK_QUERY, sql, nparams, params);
	w->pool = p;
	w->cb = cb;
	w->arg = arg;
	db_enqueue(w);
}

void
db_query(const char *sql, int nparams, const char *const *params,
    db_cb *cb, void *arg)
{
	db_pool_query(db_primary, sql, nparams, params, cb, arg);
}

/* Queue a BEGIN on the primary; cb gets the transaction or NULL. */
void
db_txn_begin(db_txn_cb *cb, void *arg)
{
	struct db_pool	*p = db_primary;
	struct db_txn	*txn;
	struct db_work	*w;

	if (p == NULL) {
		cb(NULL, arg);
		return;
	}
	txn = xcalloc(1, sizeof *txn);
	txn->pool = p;
	TAILQ_INIT(&txn->queue);
	TAILQ_INSERT_TAIL(&p->txns, txn, entry);
	w = db_work_new(DB_WORK_BEGIN, DB_SQL_BEGIN, 0, NULL);
	w->pool = p;
	w->txn_cb = cb;
	w->arg = arg;
	w->txn = txn;
	db_enqueue(w);
}

/* Add w to the transaction's statements (or fail it if the txn is lost). */
static void
db_txn_push(struct db_txn *txn, struct db_work *w)
{
	w->pool = txn->pool;
	if (txn->conn == NULL) {
		db_fail_later(w, DB_UNAVAILABLE);
		return;
	}
	TAILQ_INSERT_TAIL(&txn->queue, w, entry);
	db_conn_next(txn->conn);
}
/* Run a statement inside the transaction, after those before it. */
void
db_txn_query(struct db_txn *txn, const char *sql, int nparams,
    const char *const *params, db_cb *cb, void *arg)
{
	struct db_work	*w;

	w = db_work_new(DB_WORK_TXN_QUERY, sql, nparams, params);
	w->cb = cb;
	w->arg = arg;
	db_txn_push(txn, w);
}

/* COMMIT or ROLLBACK, then give the connection back; frees txn. */
void
db_txn_end(struct db_txn *txn, int commit, db_cb *cb, void *arg)
{
	struct db_work	*w;

	w = db_work_new(DB_WORK_END, commit ? DB_SQL_COMMIT : DB_SQL_ROLLBACK,
	    0, NULL);
	w->cb = cb;
	w->arg = arg;
	w->txn = txn;
	w->commit = commit;
	db_txn_push(txn, w);
}

/* Is the connection usable for statements? */
static int
db_conn_is_up(const struct db_conn *c)
{
	return (c->state == DB_CONN_IDLE || c->state == DB_CONN_BUSY ||
	    c->state == DB_CONN_TXN);
}

/* 1 when at least one connection of the pool is up. */
int
db_pool_ready(struct db_pool *p)
{
	int	i;

	if (p == NULL)
		return (0);
	for (i = 0; i < p->pool_size; i++) {
		if (db_conn_is_up(&p->conns[i]))
			return (1);
	}
	return (0);
}

int
db_ready(void)
{
	return (db_pool_ready(db_primary));
}

/* Counters and gauges for /readyz and the logs. */
void
db_pool_stats(struct db_pool *p, struct db_stats *s)
{
	int	i;

	memset(s, 0, sizeof *s);
	if (p == NULL)
		return;
	for (i = 0; i < p->pool_size; i++) {
		if (db_conn_is_up(&p->conns[i]))
			s->connections_up++;
		if (p->conns[i].state == DB_CONN_BUSY ||
		    p->conns[i].state == DB_CONN_TXN)
			s->connections_busy++;
		if (p->conns[i].state == DB_CONN_DOWN)
			s->connections_down++;
	}
	s->queue_length = p->queue_length;
	s->queries = p->queries;
	s->errors = p->errors;
	s->unavailable = p->unavailable;
	s->busy = p->busy;
	s->abandoned = p->abandoned;
}

void
db_get_stats(struct db_stats *s)
{
	db_pool_stats(db_primary, s);
}

uint64_t
db_own(uint64_t owner)
{
	uint64_t	was = db_owner;

	db_owner = owner;
	return (was);
}

/* Take owner's work off p's queue; how many. */
static int
db_pool_abandon(struct db_pool *p, uint64_t owner)
{
	struct db_work	*w, *next;
	int		 n = 0;

	for (w = TAILQ_FIRST(&p->queue); w != NULL; w = next) {
		next = TAILQ_NEXT(w, entry);
		if (w->owner != owner)
			continue;
		TAILQ_REMOVE(&p->queue, w, entry);
		p->queue_length--;
		w->abandoned = 1;
		db_fail_later(w, DB_UNAVAILABLE);
		n++;
	}
	if (n > 0)
		db_queue_arm(p);
	return (n);
}

int
db_abandon(uint64_t owner)
{
	struct db_pool	*p;
	int		 n = 0;

	if (owner == 0)
		return (0);
	TAILQ_FOREACH(p, &db_pools, entry)
		n += db_pool_abandon(p, owner);
	return (n);
}

/* SQLSTATE of a failed result, or "". */
const char *
db_sqlstate(const PGresult *res)
{
	const char	*s;

	if (res == NULL)
		return ("");
	s = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	return (s != NULL ? s : "");
}
