/*
 * replica.c — feed reads from streaming standbys (replica_url), never older
 * than what this worker already knows of.
 *
 * A worker knows of a change when the change's NOTIFY has dropped cached
 * feeds, when it acknowledged a write of its own, or when LISTEN came back
 * after a loss: each of these moves the feed cache's generation
 * (feed_cache_generation). A read on a standby must see every change the
 * worker knew of when the read began, else it could answer, and put back
 * into the cache, what was just dropped. So:
 *
 * - When the generation has moved since the primary was last asked, the
 *   read first asks the primary for its WAL insert position
 *   (pg_current_wal_insert_lsn: past the commit record of every change
 *   already heard of, since NOTIFY and our own answers come after commit).
 *   That is need_lsn. Reads that arrive meanwhile share the question.
 * - A standby may take the read once its replay position
 *   (pg_last_wal_replay_lsn) is at or past need_lsn. Each standby's last
 *   known position is kept; when it is behind, the standby is asked again
 *   every REPLICA_POLL_MS.
 * - A read that no standby can take within replica_wait_ms goes to the
 *   primary (counted: replica_fallbacks_total), as does every read while
 *   LISTEN is down (a change could then go unheard), and every read a
 *   standby fails (down, busy, or a recovery conflict cancelled it).
 *
 * Positions only grow, so once a standby is known to be past need_lsn no
 * question is asked until the next change. Writes, and reads that are not
 * feeds, stay on the primary (db_query).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "db.h"
#include "feed-cache.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "replica.h"
#include "util.h"

#define REPLICA_MAX		8
#define REPLICA_POLL_MS		5
#define REPLICA_PRIMARY_LSN_SQL	"SELECT pg_current_wal_insert_lsn()::text"
#define REPLICA_REPLAY_LSN_SQL	"SELECT pg_last_wal_replay_lsn()::text"

/* One standby: its pool and how far it is known to have replayed. */
struct replica {
	struct db_pool	*pool;
	char		 name[24];	/* "replica 1" in the log */
	uint64_t	 replayed;
	int		 asking;	/* a replay question is in flight */
	int		 not_standby;	/* said so once in the log */
};

/* A read waiting for need_lsn or for a standby to reach it. */
struct replica_read {
	char			*sql;
	int			 nparams;
	char			**params;
	db_cb			*cb;
	void			*arg;
	uint64_t		 deadline;	/* ms, monotonic */
	unsigned long		 gen;		/* feed cache generation then */
	struct replica		*on;		/* the standby running it */
	struct replica_read	*next;
};

static struct {
	struct replica		 r[REPLICA_MAX];
	int			 n;
	int			 next;		/* round robin */
	int			 wait_ms;
	uint64_t		 need_lsn;
	unsigned long		 asked_gen;	/* generation need_lsn covers */
	int			 known;		/* need_lsn covers asked_gen */
	int			 asking;	/* primary question in flight */
	unsigned long		 asking_gen;
	struct replica_read	*waiting;	/* in arrival order */
	int			 stopping;	/* shutting down: the primary reads */
	struct event		*timer;
} rp;

static void	replica_drain(void);

static uint64_t
replica_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* "16/B374D848" as a number; 0 for NULL or nonsense. */
static uint64_t
replica_lsn(const char *text)
{
	unsigned int	hi, lo;

	if (text == NULL || sscanf(text, "%X/%X", &hi, &lo) != 2)
		return (0);
	return (((uint64_t)hi << 32) | lo);
}

/* Poll timer: a standby may have caught up, a read may have waited enough. */
static void
replica_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what; (void)arg;
	replica_drain();
}

/* Open a pool per URL of the space-separated list. */
void
replica_init(struct event_base *base, const struct db_options *primary,
    const char *urls, int wait_ms)
{
	struct db_options	 o = *primary;
	char			*copy = xstrdup(urls != NULL ? urls : "");
	char			*url, *save = NULL;

	memset(&rp, 0, sizeof rp);
	rp.wait_ms = wait_ms;
	for (url = strtok_r(copy, " \t", &save); url != NULL;
	    url = strtok_r(NULL, " \t", &save)) {
		if (rp.n == REPLICA_MAX) {
			log_warn("replica: only %d standbys are used", REPLICA_MAX);
			break;
		}
		snprintf(rp.r[rp.n].name, sizeof rp.r[rp.n].name,
		    "replica %d", rp.n + 1);
		o.conninfo = url;
		rp.r[rp.n].pool = db_pool_new(base, &o, rp.r[rp.n].name);
		rp.n++;
	}
	free(copy);
	if (rp.n > 0) {
		rp.timer = evtimer_new(base, replica_timer_cb, NULL);
		log_info("replica: feeds are read from %d standby%s", rp.n,
		    rp.n == 1 ? "" : "s");
	}
}

/* Free a read (its callback has been called or handed on). */
static void
replica_read_free(struct replica_read *q)
{
	int	i;

	for (i = 0; i < q->nparams; i++)
		free(q->params[i]);
	free(q->params);
	free(q->sql);
	free(q);
}

/* Run q on the primary. */
static void
replica_primary(struct replica_read *q)
{
	db_query(q->sql, q->nparams, (const char *const *)q->params, q->cb,
	    q->arg);
	replica_read_free(q);
}

/* A standby answered q: pass it on, or read the primary if it failed. */
static void
replica_answered(enum db_status st, PGresult *res, void *arg)
{
	struct replica_read	*q = arg;
	const char		*state = db_sqlstate(res);

	if (st == DB_OK || (st == DB_ERROR && strncmp(state, "40", 2) != 0 &&
	    strcmp(state, "25006") != 0 && strncmp(state, "57", 2) != 0)) {
		q->cb(st, res, q->arg);
		replica_read_free(q);
		return;
	}
	log_info("%s: a read failed (%s), the primary answers", q->on->name,
	    st == DB_ERROR ? state : st == DB_BUSY ? "busy" : "unavailable");
	metrics_count("replica_fallbacks_total", 1);
	replica_primary(q);
}

/* A standby up and known past need_lsn, round robin; NULL if none. */
static struct replica *
replica_current(void)
{
	struct replica	*r;
	int		 i;

	for (i = 0; i < rp.n; i++) {
		r = &rp.r[(rp.next + i) % rp.n];
		if (db_pool_ready(r->pool) && r->replayed >= rp.need_lsn) {
			rp.next = (int)(r - rp.r + 1) % rp.n;
			return (r);
		}
	}
	return (NULL);
}

/* The primary's WAL insert position came (or not). */
static void
replica_primary_lsn(enum db_status st, PGresult *res, void *arg)
{
	uint64_t	lsn;

	(void)arg;
	rp.asking = 0;
	if (st == DB_OK && PQntuples(res) == 1 &&
	    (lsn = replica_lsn(PQgetvalue(res, 0, 0))) != 0) {
		if (lsn > rp.need_lsn)
			rp.need_lsn = lsn;
		rp.asked_gen = rp.asking_gen;
		rp.known = 1;
	}
	replica_drain();
}

/* A standby's replay position came (or not). */
static void
replica_replay_lsn(enum db_status st, PGresult *res, void *arg)
{
	struct replica	*r = arg;
	const char	*v;

	r->asking = 0;
	if (st == DB_OK && PQntuples(res) == 1) {
		v = PQgetisnull(res, 0, 0) ? NULL : PQgetvalue(res, 0, 0);
		if (v == NULL && !r->not_standby) {
			log_warn("%s is not a standby (not in recovery): "
			    "feeds are not read from it", r->name);
			r->not_standby = 1;
		}
		if (replica_lsn(v) > r->replayed)
			r->replayed = replica_lsn(v);
	}
	replica_drain();
}

/* Does need_lsn cover every change known when q arrived? */
static int
replica_known(const struct replica_read *q)
{
	return rp.known && rp.asked_gen >= q->gen;
}

/* Ask what is missing: the primary's position, or the standbys'. */
static void
replica_ask_lsns(void)
{
	struct replica_read	*q;
	int			 i;

	for (q = rp.waiting; q != NULL && replica_known(q); q = q->next)
		;
	if (q != NULL) {
		if (!rp.asking) {
			rp.asking = 1;
			rp.asking_gen = feed_cache_generation();
			db_query(REPLICA_PRIMARY_LSN_SQL, 0, NULL,
			    replica_primary_lsn, NULL);
		}
		return;
	}
	for (i = 0; i < rp.n; i++) {
		if (rp.r[i].asking || rp.r[i].replayed >= rp.need_lsn ||
		    !db_pool_ready(rp.r[i].pool))
			continue;
		rp.r[i].asking = 1;
		db_pool_query(rp.r[i].pool, REPLICA_REPLAY_LSN_SQL, 0, NULL,
		    replica_replay_lsn, &rp.r[i]);
	}
}

/* The LSN polls serve every waiting read: nobody's work (db_own). */
static void
replica_ask(void)
{
	uint64_t	was = db_own(0);

	replica_ask_lsns();
	db_own(was);
}

/* Start what can start, fall back what waited too long, ask for the rest. */
static void
replica_drain(void)
{
	struct replica_read	*q, **qp;
	struct replica		*r;
	uint64_t		 now = replica_now_ms();
	struct timeval		 tv = { 0, REPLICA_POLL_MS * 1000 };

	for (qp = &rp.waiting; (q = *qp) != NULL; ) {
		r = replica_known(q) && !rp.stopping ? replica_current() : NULL;
		if (r == NULL && now < q->deadline && notify_ready() &&
		    !rp.stopping) {
			qp = &q->next;
			continue;
		}
		*qp = q->next;
		if (r == NULL) {
			metrics_count("replica_fallbacks_total", 1);
			replica_primary(q);
			continue;
		}
		metrics_count("replica_reads_total", 1);
		q->on = r;
		db_pool_query(r->pool, q->sql, q->nparams,
		    (const char *const *)q->params, replica_answered, q);
	}
	if (rp.waiting == NULL || rp.stopping) {
		event_del(rp.timer);
		return;
	}
	replica_ask();
	if (!evtimer_pending(rp.timer, NULL))
		evtimer_add(rp.timer, &tv);
}

/* A feed read: on a standby that has every change known here, else the primary. */
void
replica_query(const char *sql, int nparams, const char *const *params,
    db_cb *cb, void *arg)
{
	struct replica_read	*q, **tail;
	int			 i;

	if (rp.n == 0 || !notify_ready()) {
		db_query(sql, nparams, params, cb, arg);
		return;
	}
	q = xcalloc(1, sizeof *q);
	q->sql = xstrdup(sql);
	q->nparams = nparams;
	q->params = xcalloc(nparams > 0 ? nparams : 1, sizeof *q->params);
	for (i = 0; i < nparams; i++)
		q->params[i] = params[i] != NULL ? xstrdup(params[i]) : NULL;
	q->cb = cb;
	q->arg = arg;
	q->deadline = replica_now_ms() + (uint64_t)rp.wait_ms;
	q->gen = feed_cache_generation();
	for (tail = &rp.waiting; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = q;
	replica_drain();
}

/* Close the standbys' pools; waiting reads get DB_UNAVAILABLE. */
void
replica_shutdown(void)
{
	struct replica_read	*q;
	int			 i;

	rp.stopping = 1;
	while ((q = rp.waiting) != NULL) {
		rp.waiting = q->next;
		q->cb(DB_UNAVAILABLE, NULL, q->arg);
		replica_read_free(q);
	}
	for (i = 0; i < rp.n; i++)
		db_pool_free(rp.r[i].pool);
	if (rp.timer != NULL)
		event_free(rp.timer);
	memset(&rp, 0, sizeof rp);
}

/* New pool limits (SIGHUP), as the primary's. */
void
replica_set_limits(int wait_ms, int queue_max)
{
	int	i;

	for (i = 0; i < rp.n; i++)
		db_pool_set_limits(rp.r[i].pool, wait_ms, queue_max);
}

/* How many standbys, and how many are up (for /readyz and tests). */
void
replica_stats(int *configured, int *up)
{
	int	i;

	*configured = rp.n;
	*up = 0;
	for (i = 0; i < rp.n; i++)
		*up += db_pool_ready(rp.r[i].pool);
}
