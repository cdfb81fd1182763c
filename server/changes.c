/*
 * changes.c — GET /api/v1/conferences/{slug}/changes: Server-Sent Events of
 * session changes, one event per row of session_changes:
 *
 *	id: <session_changes.id>
 *	event: created | moved | updated | cancelled | deleted | released
 *	data: {"id", "change", "session_id", "at", "session": {...} | null}
 *
 * A stream starts after the latest change, or after Last-Event-ID (header,
 * or ?last_event_id=) when the client resumes. It looks for new rows
 * (kaigi_changes_since in sql/030_feeds.sql, which applies the visibility
 * rule for the caller: anonymous sees public sessions only) when hooks.c
 * says the database announced a change of its conference, right after it
 * starts, and at every keep-alive (a ": keep-alive" comment every
 * CHANGES_KEEPALIVE_MS, or KAIGI_SSE_KEEPALIVE_MS from the environment), so
 * a lost notification delays an event but never loses it. Rows the caller
 * may not see are skipped without a trace.
 *
 * One poll at a time per stream; a wake-up during a poll polls again after.
 * A stream ends when the client goes away (conn.c notices a hang-up at once
 * and calls changes_on_close), or when the worker drains. A client that
 * hangs up before its stream starts gets none, so nothing is left counted
 * toward CHANGES_MAX_STREAMS (changes_stream_count, /metrics).
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/http.h>

#include "changes.h"
#include "http.h"
#include "log.h"
#include "route.h"
#include "util.h"

#define CHANGES_KEEPALIVE_MS	15000
#define CHANGES_BATCH		200
#define CHANGES_MAX_STREAMS	1000
#define CHANGES_HEAD_SQL	"SELECT * FROM kaigi_changes_head($1)"
#define CHANGES_SINCE_SQL \
    "SELECT id, change, visible, event FROM kaigi_changes_since($1::bigint, " \
    "$2::bigint, $3::jsonb, $4::int)"

struct stream {
	TAILQ_ENTRY(stream)	 entry;
	struct req		*r;		/* NULL once ended */
	long long		 conference_id;
	long long		 last_id;	/* last change looked at */
	char			*actor;		/* JSON for the SQL */
	int			 polling;	/* a query is in flight */
	int			 again;		/* woken during the poll */
};
TAILQ_HEAD(streams, stream);

static struct streams		 changes_streams = TAILQ_HEAD_INITIALIZER(changes_streams);
static int			 changes_count;
static struct event		*changes_timer;

static void changes_open(struct req *);
static void changes_poll(struct stream *);

const struct route route_changes = {
	.method = EVHTTP_REQ_GET, .path = "/api/v1/conferences/{slug}/changes",
	.role = ROLE_NONE, .handle = changes_open,
};

/* Free a stream that is off the list and has no query in flight. */
static void
changes_free(struct stream *st)
{
	free(st->actor);
	free(st);
}

/* End a stream's answer and take it off the list (freed now or after its poll). */
static void
changes_end(struct stream *st)
{
	if (st->r == NULL)
		return;
	TAILQ_REMOVE(&changes_streams, st, entry);
	changes_count--;
	http_stream_end(st->r);
	st->r = NULL;
	if (!st->polling)
		changes_free(st);
}

/*
 * http.c: the client went away. libevent has already detached the request
 * from the dead connection, so ending it here is safe (it just frees it).
 */
static void
changes_on_close(struct req *r, void *arg)
{
	(void)r;
	changes_end(arg);
}

/* Write the rows of a poll; returns how many rows were looked at. */
static int
changes_write_rows(struct stream *st, const PGresult *res)
{
	int	 i, n = PQntuples(res);
	char	*ev;

	for (i = 0; i < n; i++) {
		parse_id(PQgetvalue(res, i, 0), &st->last_id);
		if (PQgetvalue(res, i, 2)[0] != 't')
			continue;
		ev = xasprintf("id: %lld\nevent: %s\ndata: %s\n\n", st->last_id,
		    PQgetvalue(res, i, 1), PQgetvalue(res, i, 3));
		http_stream_write(st->r, ev, strlen(ev));
		free(ev);
	}
	return n;
}

/* A poll answered: send what is new, poll again if asked or not done. */
static void
changes_polled(enum db_status st_db, PGresult *res, void *arg)
{
	struct stream	*st = arg;
	int		 n = 0;

	st->polling = 0;
	if (st->r == NULL) {		/* ended meanwhile */
		changes_free(st);
		return;
	}
	if (st_db == DB_OK)
		n = changes_write_rows(st, res);
	else
		log_warn("changes: poll failed; next keep-alive tries again");
	if (st->again || n == CHANGES_BATCH) {
		st->again = 0;
		changes_poll(st);
	}
}

/* Look for rows after st->last_id (or note to look again after this poll). */
static void
changes_poll(struct stream *st)
{
	const char	*params[4];
	char		 conf[24], after[24], limit[16];

	if (st->polling) {
		st->again = 1;
		return;
	}
	snprintf(conf, sizeof conf, "%lld", st->conference_id);
	snprintf(after, sizeof after, "%lld", st->last_id);
	snprintf(limit, sizeof limit, "%d", CHANGES_BATCH);
	params[0] = conf;
	params[1] = after;
	params[2] = st->actor;
	params[3] = limit;
	st->polling = 1;
	db_query(CHANGES_SINCE_SQL, 4, params, changes_polled, st);
}

/* Last-Event-ID (header or ?last_event_id=): 1 and *id if given and valid, 0 if absent, -1 if malformed. */
static int
changes_resume_id(struct req *r, long long *id)
{
	const char	*v = req_header(r, "Last-Event-ID");

	if (v == NULL)
		v = req_query(r, "last_event_id");
	if (v == NULL || *v == '\0')
		return 0;
	if (strcmp(v, "0") == 0) {
		*id = 0;
		return 1;
	}
	return parse_id(v, id) == 0 ? 1 : -1;
}

/* The conference is known: start the stream. */
static void
changes_started(enum db_status st_db, PGresult *res, void *arg)
{
	struct req	*r = arg;
	struct stream	*st;
	long long	 resume;
	json_t		*a;

	if (st_db != DB_OK) {
		http_reply_db_error(r, st_db, res);
		return;
	}
	if (r->ev == NULL) {	/* hung up meanwhile: no stream for nobody */
		http_reply_problem(r, 499, "the client closed the connection", NULL);
		return;
	}
	if (PQntuples(res) != 1) {
		http_reply_problem(r, 404, "no such conference", NULL);
		return;
	}
	st = xcalloc(1, sizeof *st);
	st->r = r;
	parse_id(PQgetvalue(res, 0, 0), &st->conference_id);
	st->last_id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	if (changes_resume_id(r, &resume) == 1)
		st->last_id = resume;
	a = req_actor(r);
	st->actor = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	TAILQ_INSERT_TAIL(&changes_streams, st, entry);
	changes_count++;
	http_add_header(r, "Cache-Control", "no-cache");
	http_add_header(r, "X-Accel-Buffering", "no");
	http_stream_start(r, "text/event-stream; charset=utf-8", changes_on_close, st);
	http_stream_write(r, "retry: 2000\n\n", 13);
	changes_poll(st);
}

/* GET /api/v1/conferences/{slug}/changes */
static void
changes_open(struct req *r)
{
	const char	*slug = req_param(r, "slug");
	long long	 id;

	if (changes_resume_id(r, &id) < 0) {
		http_reply_problem(r, 400, "Last-Event-ID is not an event id of this stream", NULL);
		return;
	}
	if (changes_count >= CHANGES_MAX_STREAMS) {
		http_reply_busy(r, "too many change streams are open");
		return;
	}
	db_query(CHANGES_HEAD_SQL, 1, &slug, changes_started, r);
}

/* Keep-alive tick: a comment on every stream, and a poll. */
static void
changes_tick(evutil_socket_t fd, short what, void *arg)
{
	struct stream	*st, *next;

	(void)fd;
	(void)what;
	(void)arg;
	for (st = TAILQ_FIRST(&changes_streams); st != NULL; st = next) {
		next = TAILQ_NEXT(st, entry);
		if (http_stream_write(st->r, ": keep-alive\n\n", 14) != 0)
			changes_end(st);	/* gone (conn.c ends those itself) */
		else
			changes_poll(st);
	}
}

/* Start the keep-alive timer. */
void
changes_start(struct event_base *base)
{
	const char	*env = getenv("KAIGI_SSE_KEEPALIVE_MS");
	long		 ms = env != NULL ? strtol(env, NULL, 10) : 0;
	struct timeval	 tv;

	if (ms <= 0)
		ms = CHANGES_KEEPALIVE_MS;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	changes_timer = event_new(base, -1, EV_PERSIST, changes_tick, NULL);
	event_add(changes_timer, &tv);
}

/* The database announced a change of a conference. */
void
changes_wake(long long conference_id)
{
	struct stream	*st;

	TAILQ_FOREACH(st, &changes_streams, entry) {
		if (st->conference_id == conference_id)
			changes_poll(st);
	}
}

/* Streams open now (they count toward CHANGES_MAX_STREAMS). */
int
changes_stream_count(void)
{
	return changes_count;
}

/* Anything may have changed (LISTEN reconnected). */
void
changes_wake_all(void)
{
	struct stream	*st;

	TAILQ_FOREACH(st, &changes_streams, entry)
		changes_poll(st);
}

/* End every stream (draining or stopping). */
void
changes_close_all(void)
{
	while (!TAILQ_EMPTY(&changes_streams))
		changes_end(TAILQ_FIRST(&changes_streams));
}

/* Stop the timer. */
void
changes_stop(void)
{
	if (changes_timer != NULL) {
		event_free(changes_timer);
		changes_timer = NULL;
	}
}
