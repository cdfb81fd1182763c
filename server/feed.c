/*
 * feed.c — the iCalendar feeds: public, per token (delegation or
 * participant) and per room.
 *
 * A request names a scope; the scope is the cache key. A hit answers from
 * feed-cache.c (the bytes, or 304); a miss runs ONE query (a kaigi_feed_*
 * function of sql/030_feeds.sql, which applies the visibility rule), renders
 * the rows with libical (feed_frag_render; never hand-written iCalendar), asks
 * the feed's clock for its Last-Modified (below), stores the result and
 * answers. No row means no such feed: 404, also for a malformed, unknown or
 * revoked token (never an empty calendar).
 *
 * A cached feed is served as is only while the LISTEN connection that
 * announces changed conferences (hooks.c, notify.c) has been in force
 * without a break since the feed was read (same notify_epoch), and no
 * change of its conference was announced since. Otherwise (a change
 * announced, which may be one the feed already shows; LISTEN down or
 * reconnecting, or the feed read while it was) one cheap
 * query first asks whether anything of the conference changed since the
 * snapshot the feed was read under (kaigi_feed_fresh in
 * sql/061_feed_clock.sql); if so the feed is read again, so a revoked
 * token is 404 at once.
 *
 * A personal feed (a token's, without ?lang=) is read in two parts
 * (sql/830, feed-shared.h): the sessions its own keys add, and the public
 * and conference programme that every token of its conference sees, kept
 * rendered per worker and read again only when the own rows' snapshot
 * shows the conference otherwise than the kept part's did. Both parts
 * come from one state of the conference, or the feed is read whole.
 *
 * A conditional GET of a feed no longer cached here is answered 304 from
 * its memo (feed-memo.h: the validators of the last rendering here,
 * trusted on the same terms), else from the validator stored with the
 * rendering (sql/340), and only else read and rendered. A rendering takes
 * the events it shares with other feeds from feed-frag.c.
 *
 * Last-Modified is the feed's own clock (kaigi_feed_clock): the same bytes
 * keep their instant, new bytes get one at least a second later, in every
 * worker and across restarts; so If-Modified-Since never gets a 304 for
 * bytes the client has not seen.
 *
 * Paths: the public and room feeds answer both as shared/API.md writes them
 * (/conferences/{slug}/calendar.ics, /conferences/{slug}/rooms/{id}/
 * calendar.ics, like /feeds/{token}.ics) and under /api/v1; both forms run
 * the same handler with the same cache key, so the bytes and the ETag are
 * the same.
 *
 * HTTP: Content-Type text/calendar; charset=utf-8, a strong ETag (hash of the
 * bytes), Last-Modified (the feed's clock, above), Cache-Control no-cache
 * (private for token feeds), and 304 for If-None-Match (a list of tags or
 * *, compared as RFC 9110 says: weakly) or, without If-None-Match,
 * If-Modified-Since. HEAD is served by these GET
 * routes; evhttp sends no body then.
 *
 * The token is never logged (http.c writes /feeds/… in the access log) and
 * is kept in memory only as its SHA-256 in the cache key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/http.h>

#include "api.h"
#include "auth.h"
#include "config.h"
#include "decode-lang.h"
#include "feed-cache.h"
#include "feed-file.h"
#include "feed-frag.h"
#include "feed-shared.h"
#include "feed-memo.h"
#include "feed-flight.h"
#include "feed-validator.h"
#include "http.h"
#include "ical.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "replica.h"
#include "route.h"
#include "util.h"

/* Each feed query also says which snapshot it read (revalidation). */
/*
 * Each row also says whether its session is confidential (sql/250: NULL
 * no, '' yes, else the UID of a busy block); actor NULL: not a writer.
 * The conference's confidential sessions are read once per feed (an
 * uncorrelated subquery: an InitPlan; sql/550), not asked per row.
 * Every feed query ends with the attendance's columns (sql/240), joined
 * once per feed from kaigi_feed_attendances (sql/380; for the reader,
 * sql/390: a release-mode reader gets the last release's) to the rows
 * their reader may see: the feed's rows are read once (x, in their
 * order), then spread into columns (f).
 */
/* The feed's conference, from its rows. */
#define FEED_CONF	"(SELECT min((x.row).conference_id) FROM x)"
#define FEED_BUSY(actor)	" CASE WHEN f.id IS NULL OR NOT f.id = ANY" \
    " ((SELECT coalesce(kaigi_feed_confidential_ids(" FEED_CONF ", " actor \
    "), '{}'))::bigint[])" \
    " THEN NULL WHEN NOT f.reserved THEN ''" \
    " ELSE kaigi_feed_busy_uid(f.conference_id, f.id) END"
#define FEED_ATT_COLS	", a.att_note, a.att_links"
#define FEED_WITH(src)	"WITH x AS MATERIALIZED (SELECT f AS row," \
    " row_number() OVER () AS n FROM " src " AS f) "
#define FEED_FROM	" FROM x CROSS JOIN LATERAL (SELECT (x.row).*) AS f"
#define FEED_ATT_JOIN(actor)	" LEFT JOIN kaigi_feed_attendances(" FEED_CONF \
    ", " actor ") AS a" \
    " ON a.session_id = f.id AND NOT coalesce(f.reserved, false) ORDER BY x.n"
#define FEED_PUBLIC_SQL	FEED_WITH("kaigi_feed_public($1)") \
    "SELECT f.*, pg_current_snapshot()::text," FEED_BUSY("NULL") \
    FEED_ATT_COLS FEED_FROM FEED_ATT_JOIN("NULL")
#define FEED_TOKEN_SQL	FEED_WITH("kaigi_feed_token($1)") \
    "SELECT f.*, pg_current_snapshot()::text," FEED_BUSY("NULL") \
    FEED_ATT_COLS FEED_FROM FEED_ATT_JOIN("NULL")
#define FEED_ROOM_SQL	FEED_WITH("kaigi_feed_room($1, $2::bigint, $3::jsonb)") \
    "SELECT f.*, pg_current_snapshot()::text," FEED_BUSY("$3::jsonb") \
    FEED_ATT_COLS FEED_FROM FEED_ATT_JOIN("$3::jsonb")
/* With ?lang=: the same rows, title and description in that language. */
#define FEED_LANG_COLS(actor)	"f.conference_id, f.name, f.timezone," \
    " f.changed, f.id, f.kind, l.title, l.description, f.room, f.venue," \
    " f.starts_at, f.ends_at, f.status, f.sequence, f.created_at," \
    " f.updated_at, f.reserved, pg_current_snapshot()::text," \
    FEED_BUSY(actor) ", l.title_lang, l.description_lang, l.lang_ok," \
    " l.languages" FEED_ATT_COLS
/*
 * The texts of all the feed's sessions read once (kaigi_feed_texts), then
 * each row's choice (kaigi_feed_lang_pick, inlined: its arguments are
 * columns, no subquery): sql/670.
 */
#define FEED_LANG_FROM(actor, lang)	FEED_FROM \
    " CROSS JOIN (SELECT languages FROM conferences WHERE id = " FEED_CONF \
    ") AS cl LEFT JOIN kaigi_feed_texts(" FEED_CONF ", " actor "," \
    " ARRAY(SELECT (x.row).id FROM x)) AS t ON t.session_id = f.id" \
    " CROSS JOIN LATERAL kaigi_feed_lang_pick(x.row, " lang ", cl.languages," \
    " t.titles, t.descriptions) AS l"
#define FEED_PUBLIC_LANG_SQL	FEED_WITH("kaigi_feed_public($1)") \
    "SELECT " FEED_LANG_COLS("NULL") \
    FEED_LANG_FROM("'{\"role\": \"none\"}'::jsonb", "$2") FEED_ATT_JOIN("NULL")
#define FEED_TOKEN_LANG_SQL	FEED_WITH("kaigi_feed_token($1)") \
    "SELECT " FEED_LANG_COLS("NULL") \
    FEED_LANG_FROM("'{\"role\": \"none\"}'::jsonb", "$2") FEED_ATT_JOIN("NULL")
#define FEED_ROOM_LANG_SQL	FEED_WITH("kaigi_feed_room($1, $2::bigint, $3::jsonb)") \
    "SELECT " FEED_LANG_COLS("$3::jsonb") FEED_LANG_FROM("$3::jsonb", "$4") \
    FEED_ATT_JOIN("$3::jsonb")	/* the caller may see the draft */
/*
 * A personal feed in two reads (sql/830, feed-shared.h): the token's own
 * rows, and (unless kept here) the part every token of its conference
 * sees. Each also says whether its snapshot shows the conference as the
 * other read's did ($2: kaigi_feed_shared_fresh, asked once: a subquery,
 * where a plain call ran per row, 0.6 s for 4,500), before the attendance.
 */
#define FEED_PARTS_COLS	"SELECT f.*, pg_current_snapshot()::text," \
    FEED_BUSY("NULL") ", (SELECT kaigi_feed_shared_fresh(" FEED_CONF \
    ", $2::jsonb))" FEED_ATT_COLS FEED_FROM
/*
 * The own rows' attendance lines are those of their sessions only, and
 * their clock (changed) is NULL: the shared part's is the same (sql/840).
 */
#define FEED_TOKEN_OWN_SQL	FEED_WITH("kaigi_feed_token_own($1)") \
    FEED_PARTS_COLS " LEFT JOIN kaigi_feed_attendances_of(" FEED_CONF "," \
    " ARRAY(SELECT (x.row).id FROM x WHERE (x.row).id IS NOT NULL)) AS a" \
    " ON a.session_id = f.id AND NOT coalesce(f.reserved, false) ORDER BY x.n"
#define FEED_SHARED_SQL	FEED_WITH("kaigi_feed_shared($1::bigint)") \
    FEED_PARTS_COLS FEED_ATT_JOIN("NULL")
#define FEED_FRESH_SQL	"SELECT kaigi_feed_fresh($1::bigint, $2::pg_snapshot)"
#define FEED_CLOCK_SQL	"SELECT kaigi_feed_clock($1, $2, $3::bigint," \
    " $4::bigint, $5::pg_snapshot, $6)"
#define FEED_VALIDATOR_SQL	"SELECT v.etag, v.last_modified, f.conference_id" \
    " FROM kaigi_feed_validator($1, $2) v JOIN feed_clock f ON f.feed = $1"
#define FEED_TYPE	"text/calendar; charset=utf-8"

/* Columns of a kaigi_feed_row, in order. */
enum feed_col {
	FC_CONFERENCE, FC_NAME, FC_ZONE, FC_CHANGED, FC_ID, FC_KIND, FC_TITLE,
	FC_DESCRIPTION, FC_ROOM, FC_VENUE, FC_START, FC_END, FC_STATUS,
	FC_SEQUENCE, FC_CREATED, FC_UPDATED, FC_RESERVED, FC_SNAPSHOT, FC_BUSY,
	FC_COUNT,
	/* then, with ?lang=, kaigi_feed_lang's */
	FC_TITLE_LANG = FC_COUNT, FC_DESCRIPTION_LANG, FC_LANG_OK, FC_LANGUAGES,
	FC_LANG_COUNT,
	/* or, in the two reads of a personal feed, kaigi_feed_shared_fresh's */
	FC_SHARED = FC_COUNT
};
/* The attendance's two columns (note, links) end every row: their count. */
#define FC_ATT_COUNT	2

/* A feed request that needs the database: revalidation, load, clock. */
struct feed_job {
	struct req		*r;
	char			*key;
	int			 private;
	const char		*sql;		/* the feed's query and its */
	int			 nparams;	/*   parameters (copied) */
	char			*params[4];
	char			*lang;		/* ?lang=, or NULL */
	struct feed_entry	*cached;	/* being revalidated, or NULL */
	unsigned long		 generation;	/* of the cache, at the load */
	unsigned long		 epoch;		/* notify_epoch() at the query */
	unsigned long		 writes;	/* feed_cache_writes() then */
	struct timeval		 started;
	struct ical_feed	 f;		/* rendered, waiting for the clock */
	struct feed_parts	 parts;		/*   or assembled (then f.data NULL) */
	int			 rendered;
	long long		 conference_id;
	char			*snapshot;	/* the load's */
	struct feed_flight	*flight;	/* the load it leads, or NULL */
	int			 shared;	/* read in two parts (sql/830) */
	PGresult		*own;		/* its own rows, meanwhile */
	long long		 shared_cid;	/* the body it reads, or 0 */
	int			 again;		/* own rows read again */
};

/* How a load's outcome answers a request (the leader's, then each waiter's). */
typedef void feed_answer_fn(struct req *, struct feed_job *lead,
    struct feed_entry *, enum db_status, const PGresult *);

static void feed_public(struct req *);
static void feed_token(struct req *);
static void feed_room(struct req *);

const struct route route_feed_public = {
	.method = EVHTTP_REQ_GET,
	.path = "/api/v1/conferences/{slug}/calendar.ics",
	.role = ROLE_NONE, .handle = feed_public,
};
const struct route route_feed_token = {
	.method = EVHTTP_REQ_GET, .path = "/feeds/{token}.ics",
	.role = ROLE_NONE, .handle = feed_token,
};
const struct route route_feed_room = {
	.method = EVHTTP_REQ_GET,
	.path = "/api/v1/conferences/{slug}/rooms/{id}/calendar.ics",
	.role = ROLE_NONE, .handle = feed_room,
};
/* The contract's own paths (shared/API.md): no /api/v1, same handlers. */
const struct route route_feed_public_short = {
	.method = EVHTTP_REQ_GET, .path = "/conferences/{slug}/calendar.ics",
	.role = ROLE_NONE, .handle = feed_public,
};
const struct route route_feed_room_short = {
	.method = EVHTTP_REQ_GET,
	.path = "/conferences/{slug}/rooms/{id}/calendar.ics",
	.role = ROLE_NONE, .handle = feed_room,
};

/* libevent is done with an entry's bytes. */
static void
feed_sent(const void *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	feed_cache_release(arg);
}

/*
 * 200 with a feed assembled by reference: each part, not copied; a long
 * run of a large shared part from its memory file, by sendfile
 * (feed-file.h).
 */
static void
feed_reply_parts(struct req *r, struct feed_entry *e)
{
	struct evbuffer_file_segment	*file = feed_body_file(e->body);
	struct http_piece		*p = xcalloc(e->nparts, sizeof *p);
	const struct feed_part		*fp;
	size_t				 i, by_file = 0;

	for (i = 0; i < e->nparts; i++) {
		fp = &e->parts[i];
		p[i].len = fp->len;
		p[i].file_off = -1;
		if (fp->shared && file != NULL && fp->len >= FEED_FILE_MIN_RUN) {
			p[i].file_off = (long long)fp->off;
			by_file += fp->len;
			continue;
		}
		p[i].data = (fp->shared ? e->body->text : e->data) + fp->off;
		e->refs++;	/* one per part by reference, until it is sent */
	}
	if (by_file > 0)	/* once per answer: a counter is found by name */
		metrics_count("feed_sendfile_bytes_total", by_file);
	http_reply_pieces(r, 200, FEED_TYPE, p, e->nparts, file, feed_sent, e);
	free(p);
}

/* Answer from an entry: 200 with its bytes (not copied), or 304. */
static void
feed_reply(struct req *r, struct feed_entry *e, int private)
{
	http_add_header(r, "ETag", e->etag);
	http_add_header(r, "Cache-Control",
	    private ? "private, no-cache" : "no-cache");
	/* A 304 repeats only ETag and Cache-Control (RFC 9110, 15.4.5). */
	if (feed_validators_match(r, e->etag, e->last_modified)) {
		metrics_count("feed_not_modified_total", 1);
		http_reply_bytes(r, 304, NULL, NULL, 0);
		return;
	}
	http_add_header(r, "Last-Modified", e->last_modified_http);
	if (e->parts != NULL) {
		feed_reply_parts(r, e);
		return;
	}
	e->refs++;		/* until libevent has sent the bytes */
	http_reply_ref(r, 200, FEED_TYPE, e->data, e->len, feed_sent, e);
}

/* The host for UIDs: public_url's host, else "kaigi"; caller frees. */
static char *
feed_uid_host(void)
{
	struct evhttp_uri	*u;
	const char		*h;
	char			*out = NULL;

	if (cfg->public_url != NULL && *cfg->public_url != '\0' &&
	    (u = evhttp_uri_parse(cfg->public_url)) != NULL) {
		if ((h = evhttp_uri_get_host(u)) != NULL && *h != '\0')
			out = xstrdup(h);
		evhttp_uri_free(u);
	}
	return out != NULL ? out : xstrdup("kaigi");
}

/* A text column, or NULL when it is SQL NULL. */
static const char *
feed_col(const PGresult *res, int row, enum feed_col c)
{
	return PQgetisnull(res, row, c) ? NULL : PQgetvalue(res, row, c);
}

/* Status column to the renderer's enum. */
static enum ical_status
feed_status(const char *s)
{
	if (s != NULL && strcmp(s, "cancelled") == 0)
		return ICAL_EVENT_CANCELLED;
	if (s != NULL && strcmp(s, "tentative") == 0)
		return ICAL_EVENT_TENTATIVE;
	return ICAL_EVENT_CONFIRMED;
}

/* Fill the events from the rows that carry a session; returns how many. */
static size_t
feed_events(const PGresult *res, struct ical_event *ev)
{
	int	i, rows = PQntuples(res);
	size_t	n = 0;

	for (i = 0; i < rows; i++) {
		struct ical_event *e = &ev[n];

		if (PQgetisnull(res, i, FC_ID))
			continue;
		memset(e, 0, sizeof *e);
		e->id = strtoll(PQgetvalue(res, i, FC_ID), NULL, 10);
		e->kind = feed_col(res, i, FC_KIND);
		e->title = feed_col(res, i, FC_TITLE);
		e->description = feed_col(res, i, FC_DESCRIPTION);
		e->room = feed_col(res, i, FC_ROOM);
		e->venue = feed_col(res, i, FC_VENUE);
		e->start = (time_t)strtoll(PQgetvalue(res, i, FC_START), NULL, 10);
		e->end = (time_t)strtoll(PQgetvalue(res, i, FC_END), NULL, 10);
		e->status = feed_status(feed_col(res, i, FC_STATUS));
		e->sequence = atoi(PQgetvalue(res, i, FC_SEQUENCE));
		e->created = (time_t)strtoll(PQgetvalue(res, i, FC_CREATED), NULL, 10);
		e->updated = (time_t)strtoll(PQgetvalue(res, i, FC_UPDATED), NULL, 10);
		e->reserved = PQgetvalue(res, i, FC_RESERVED)[0] == 't';
		if (!PQgetisnull(res, i, FC_BUSY)) {
			e->confidential = 1;
			e->busy_uid = feed_col(res, i, FC_BUSY);
		}
		e->note = feed_col(res, i, (enum feed_col)(PQnfields(res) - FC_ATT_COUNT));
		e->links = feed_col(res, i, (enum feed_col)(PQnfields(res) - 1));
		if (PQnfields(res) == FC_LANG_COUNT + FC_ATT_COUNT) {
			e->title_lang = feed_col(res, i, FC_TITLE_LANG);
			e->description_lang = feed_col(res, i, FC_DESCRIPTION_LANG);
		}
		n++;
	}
	return n;
}

/* The calendar of a feed's rows; *host (its UIDs' host) is the caller's. */
static void
feed_cal(const PGresult *res, struct ical_cal *cal, char **host)
{
	*host = feed_uid_host();
	memset(cal, 0, sizeof *cal);
	cal->name = PQgetvalue(res, 0, FC_NAME);
	cal->zone = PQgetvalue(res, 0, FC_ZONE);
	cal->host = *host;
	cal->refresh = cfg->feed_ttl;
}

/*
 * Render the rows of a feed into j->f, or with shared (a body, when res
 * are a personal feed's own rows) into j->parts, whose ETag and
 * Last-Modified j->f then holds; -1 (logged) on failure.
 */
static int
feed_render(struct feed_job *j, const PGresult *res,
    struct feed_body *shared, size_t *nevents)
{
	struct ical_cal		 cal;
	struct ical_event	*ev;
	char			*host, *cause = NULL;
	int			 rc;

	feed_cal(res, &cal, &host);
	ev = xcalloc((size_t)PQntuples(res), sizeof *ev);
	*nevents = feed_events(res, ev);
	if (shared == NULL)
		rc = feed_frag_render(&cal, ev, *nevents, &j->f, &cause);
	else if ((rc = feed_frag_render_with(&cal, shared, ev, *nevents,
	    &j->parts, &cause)) == 0) {
		memset(&j->f, 0, sizeof j->f);
		memcpy(j->f.etag, j->parts.etag, sizeof j->f.etag);
		j->f.last_modified = j->parts.last_modified;
		j->f.len = j->parts.len;
	}
	if (rc != 0) {
		log_error("feed: cannot render: %s", cause);
		free(cause);
	}
	free(ev);
	free(host);
	return rc;
}

/* A job for a request of key, with a copy of the feed's query parameters. */
static struct feed_job *
feed_job_new(struct req *r, const char *key, int private, const char *sql,
    int nparams, const char *const *params, const char *lang)
{
	struct feed_job	*j = xcalloc(1, sizeof *j);
	int		 i;

	j->r = r;
	j->key = xstrdup(key);
	j->private = private;
	j->sql = sql;
	j->nparams = nparams;
	j->lang = lang != NULL ? xstrdup(lang) : NULL;
	for (i = 0; i < nparams && i < 4; i++)
		j->params[i] = xstrdup(params[i]);
	return j;
}

/* Free a job (its request has been answered). */
static void
feed_job_free(struct feed_job *j)
{
	int	i;

	for (i = 0; i < j->nparams && i < 4; i++)
		free(j->params[i]);
	free(j->lang);
	if (j->rendered)
		ical_feed_free(&j->f);
	feed_parts_free(&j->parts);
	feed_cache_release(j->cached);
	feed_flight_end(j->flight);
	if (j->own != NULL)
		PQclear(j->own);
	free(j->snapshot);
	free(j->key);
	free(j);
}

/* Milliseconds since tv. */
static double
feed_ms_since(const struct timeval *tv)
{
	struct timeval	now;

	gettimeofday(&now, NULL);
	return (double)(now.tv_sec - tv->tv_sec) * 1e3 +
	    (double)(now.tv_usec - tv->tv_usec) / 1e3;
}

/* Answers of a load's outcomes (feed_answer_fn). The feed: */
static void
feed_answer_feed(struct req *r, struct feed_job *lead, struct feed_entry *e,
    enum db_status st, const PGresult *res)
{
	(void)st;
	(void)res;
	feed_reply(r, e, lead->private);
}

/* The database failed (a query, or the clock's answer). */
static void
feed_answer_db(struct req *r, struct feed_job *lead, struct feed_entry *e,
    enum db_status st, const PGresult *res)
{
	(void)lead;
	(void)e;
	http_reply_db_error(r, st == DB_OK ? DB_UNAVAILABLE : st, res);
}

/* The rows could not be rendered. */
static void
feed_answer_unrendered(struct req *r, struct feed_job *lead,
    struct feed_entry *e, enum db_status st, const PGresult *res)
{
	(void)lead;
	(void)e;
	(void)st;
	(void)res;
	http_reply_problem(r, 500, "the feed cannot be rendered", NULL);
}

/*
 * The load of j is done: answer its request, then every request that
 * waited for it (feed-flight.h), the same way; free them all.
 */
static void
feed_land(struct feed_job *j, feed_answer_fn *answer, struct feed_entry *e,
    enum db_status st, const PGresult *res)
{
	struct feed_job	*w;

	answer(j->r, j, e, st, res);
	while (j->flight != NULL && (w = feed_flight_take(j->flight)) != NULL) {
		answer(w->r, j, e, st, res);
		feed_job_free(w);
	}
	feed_job_free(j);
}

/* The clock answered: store the rendered feed with its Last-Modified, answer. */
static void
feed_clocked(enum db_status st, PGresult *res, void *arg)
{
	struct feed_job		*j = arg;
	struct feed_entry	*e;
	long long		 lm;

	if (st != DB_OK || PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
		feed_land(j, feed_answer_db, NULL, st, res);
		return;
	}
	lm = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	if (j->parts.n > 0)
		e = feed_cache_store_parts(j->key, j->conference_id, &j->parts,
		    (time_t)lm, j->generation);
	else
		e = feed_cache_store(j->key, j->conference_id, j->f.data,
		    j->f.len, j->f.etag, (time_t)lm, j->generation);
	j->f.data = NULL;	/* the entry's now */
	e->snapshot = xstrdup(j->snapshot);
	e->listen_epoch = j->epoch;
	e->writes = j->writes;
	feed_memo_put(j->key, j->conference_id, e->etag, e->last_modified,
	    j->epoch, j->writes, j->generation);
	feed_land(j, feed_answer_feed, e, st, res);
	feed_cache_release(e);
}

/* The renderer's mark as configured now (feed-validator.h), or NULL. */
static const char *
feed_mark(void)
{
	char		*host = feed_uid_host();
	const char	*mark = feed_render_mark(host, cfg->feed_ttl);

	free(host);
	return mark;
}

/*
 * Rendered: ask the feed's clock for the Last-Modified of these bytes, and
 * keep them as the feed's validator (conference, snapshot, mark).
 */
static void
feed_clock(struct feed_job *j, const PGresult *res,
    const struct feed_body *shared)
{
	const char	*params[6];
	char		 changed[24], conf[24];
	long long	 c = shared != NULL ? shared->changed :
	    strtoll(PQgetvalue(res, 0, FC_CHANGED), NULL, 10);

	if ((long long)j->f.last_modified > c)
		c = (long long)j->f.last_modified;
	j->conference_id = strtoll(PQgetvalue(res, 0, FC_CONFERENCE), NULL, 10);
	j->snapshot = xstrdup(PQgetvalue(res, 0, FC_SNAPSHOT));
	snprintf(changed, sizeof changed, "%lld", c);
	snprintf(conf, sizeof conf, "%lld", j->conference_id);
	params[0] = j->key;
	params[1] = j->f.etag;
	params[2] = changed;
	params[3] = conf;
	params[4] = j->snapshot;
	params[5] = feed_mark();
	db_query(FEED_CLOCK_SQL, 6, params, feed_clocked, j);
}

/* 400: lang is not one of the conference's languages (langs, ", "). */
static void
feed_bad_lang(struct req *r, const char *langs)
{
	json_t	*choices = json_array();
	char	*copy = xstrdup(langs), *p, *save = NULL, *detail;

	for (p = strtok_r(copy, ", ", &save); p != NULL;
	    p = strtok_r(NULL, ", ", &save))
		json_array_append_new(choices, json_string(p));
	free(copy);
	detail = xasprintf("lang must be one of the conference's languages: %s",
	    langs);
	http_reply_problem(r, 400, detail, json_pack("{s:o}", "choices", choices));
	free(detail);
}

/* The ETag of a feed in a language also says which (never another's). */
static void
feed_lang_etag(struct feed_job *j)
{
	char	*buf;

	if (j->lang == NULL)
		return;
	buf = xasprintf("%s\nlang=%s", j->f.data, j->lang);
	ical_etag(buf, strlen(buf), j->f.etag);
	free(buf);
}

/* The columns of j's query. */
static int
feed_fields(const struct feed_job *j)
{
	if (j->shared)
		return FC_COUNT + 1 + FC_ATT_COUNT;
	return (j->lang != NULL ? FC_LANG_COUNT : FC_COUNT) + FC_ATT_COUNT;
}

/*
 * A load's answer when its rows are no feed: the database's error, 404, or
 * 400 for a ?lang= the conference lacks (feed_answer_fn).
 */
static void
feed_answer_unloadable(struct req *r, struct feed_job *lead,
    struct feed_entry *e, enum db_status st, const PGresult *res)
{
	(void)e;
	if (st != DB_OK)
		http_reply_db_error(r, st, res);
	else if (PQntuples(res) == 0 || PQnfields(res) != feed_fields(lead))
		http_reply_problem(r, 404, "no such feed", NULL);
	else if (lead->lang != NULL && PQgetvalue(res, 0, FC_LANG_OK)[0] != 't')
		feed_bad_lang(r, PQgetvalue(res, 0, FC_LANGUAGES));
}

/* Are these rows a feed to render (else feed_answer_unloadable says why)? */
static int
feed_loadable(const struct feed_job *j, enum db_status st, const PGresult *res)
{
	return st == DB_OK && PQntuples(res) > 0 &&
	    PQnfields(res) == feed_fields(j) &&
	    (j->lang == NULL || PQgetvalue(res, 0, FC_LANG_OK)[0] == 't');
}

static void	feed_loaded(enum db_status, PGresult *, void *);

/*
 * Send j's query (j->sql, j->params) to a replica or the primary; its
 * answer goes to feed_loaded. Others may wait for it: not this request's
 * alone (db_own).
 */
static void
feed_read(struct feed_job *j)
{
	uint64_t	was = db_own(0);

	replica_query(j->sql, j->nparams, (const char *const *)j->params,
	    feed_loaded, j);
	db_own(was);
}

/* Render j's rows (after shared's events, if not NULL); on to the clock. */
static void
feed_rendered(struct feed_job *j, const PGresult *res,
    struct feed_body *shared)
{
	struct timeval	t0;
	size_t		n;

	gettimeofday(&t0, NULL);
	if (feed_render(j, res, shared, &n) != 0) {
		feed_land(j, feed_answer_unrendered, NULL, DB_OK, res);
		return;
	}
	j->rendered = 1;
	feed_lang_etag(j);
	log_debug("feed: cold render of %zu sessions, %zu bytes: "
	    "query %.2f ms, render %.2f ms%s", n + (shared != NULL ?
	    shared->n : 0), j->f.len, feed_ms_since(&j->started),
	    feed_ms_since(&t0), shared != NULL ? " (with a shared part)" : "");
	feed_clock(j, res, shared);
}

/* Read j's feed in one query, as every feed but the personal ones is. */
static void
feed_load_whole(struct feed_job *j)
{
	free(j->params[1]);
	j->params[1] = NULL;
	j->nparams = 1;
	j->shared = 0;
	j->sql = FEED_TOKEN_SQL;
	feed_read(j);
}

/* A body of the rows of a feed's shared part; NULL (logged) on failure. */
static struct feed_body *
feed_body_of(const PGresult *res)
{
	struct ical_cal		 cal;
	struct ical_event	*ev;
	char			*host, *cause = NULL;
	struct feed_body	*body;
	size_t			 n;

	feed_cal(res, &cal, &host);
	ev = xcalloc((size_t)PQntuples(res), sizeof *ev);
	n = feed_events(res, ev);
	if ((body = feed_frag_body(&cal, ev, n, &cause)) == NULL) {
		log_error("feed: cannot render: %s", cause);
		free(cause);
	} else
		body->changed = strtoll(PQgetvalue(res, 0, FC_CHANGED), NULL,
		    10);
	free(ev);
	free(host);
	return body;
}

/*
 * The shared part answered: keep it, and assemble the feed if its
 * snapshot showed the conference as the own rows' did; else something
 * changed between the two reads, and the feed is read whole.
 */
static void
feed_shared_loaded(enum db_status st, PGresult *res, void *arg)
{
	struct feed_job		*j = arg;
	struct feed_body	*body = NULL;
	const char		*snap;
	long long		 cid;

	if (st != DB_OK || PQntuples(res) == 0 ||
	    PQnfields(res) != FC_COUNT + 1 + FC_ATT_COUNT ||
	    (body = feed_body_of(res)) == NULL) {
		feed_shared_landed(j->shared_cid);
		feed_load_whole(j);
		return;
	}
	cid = strtoll(PQgetvalue(res, 0, FC_CONFERENCE), NULL, 10);
	snap = PQgetvalue(res, 0, FC_SNAPSHOT);
	feed_shared_put(cid, snap, body);
	feed_shared_landed(j->shared_cid);
	if (PQgetvalue(res, 0, FC_SHARED)[0] != 't') {
		metrics_count("feed_shared_retries_total", 1);
		feed_load_whole(j);
		return;
	}
	feed_rendered(j, j->own, feed_shared_get(cid, snap));
}

/* The body j waited for has landed: read its own rows again. */
static void
feed_own_again(void *arg)
{
	struct feed_job	*j = arg;

	j->again = 1;
	free(j->params[1]);
	j->params[1] = feed_shared_snapshots();
	feed_read(j);
}

/*
 * A personal feed's own rows answered: assemble it with its conference's
 * shared part if the one kept here is what the rows' snapshot shows, else
 * read that part first (the primary's: never older than the own rows).
 */
static void
feed_own_loaded(struct feed_job *j, const PGresult *res)
{
	struct feed_body	*b = NULL;
	const char		*params[2];
	long long		 cid;
	char			 conf[24], *sent, *snaps;
	uint64_t		 was;

	cid = strtoll(PQgetvalue(res, 0, FC_CONFERENCE), NULL, 10);
	sent = feed_shared_snapshot_in(j->params[1], cid);
	if (PQgetvalue(res, 0, FC_SHARED)[0] == 't')
		b = feed_shared_get(cid, sent);
	free(sent);
	if (b != NULL) {
		metrics_count("feed_shared_hits_total", 1);
		feed_rendered(j, res, b);
		return;
	}
	if (feed_shared_loading(cid)) {	/* one read at a time */
		metrics_count("feed_shared_waits_total", 1);
		feed_shared_wait(cid, feed_own_again, j);
		return;
	}
	metrics_count("feed_shared_loads_total", 1);
	if ((j->own = PQcopyResult(res, PG_COPYRES_ATTRS |
	    PG_COPYRES_TUPLES)) == NULL) {
		feed_load_whole(j);
		return;
	}
	snprintf(conf, sizeof conf, "%lld", cid);
	snaps = xasprintf("{\"%lld\": \"%s\"}", cid,
	    PQgetvalue(res, 0, FC_SNAPSHOT));
	params[0] = conf;
	params[1] = snaps;
	j->shared_cid = cid;
	feed_shared_load_start(cid);
	was = db_own(0);
	db_query(FEED_SHARED_SQL, 2, params, feed_shared_loaded, j);
	db_own(was);
	free(snaps);
}

/* The feed's query answered: 404, or render and go on to the clock. */
static void
feed_loaded(enum db_status st, PGresult *res, void *arg)
{
	struct feed_job		*j = arg;

	if (j->own == NULL && !j->again)	/* its first read */
		metrics_count("feed_cache_misses_total", 1);
	if (!feed_loadable(j, st, res)) {
		feed_land(j, feed_answer_unloadable, NULL, st, res);
		return;
	}
	if (j->shared)
		feed_own_loaded(j, res);
	else
		feed_rendered(j, res, NULL);
}

/*
 * Read the feed from the database, or wait for the load of it already in
 * flight in this generation (feed-flight.h).
 */
static void
feed_load(struct feed_job *j)
{
	struct feed_flight	*f;

	j->generation = feed_cache_generation();
	if ((f = feed_flight_find(j->key, j->generation)) != NULL) {
		metrics_count("feed_cache_coalesced_total", 1);
		feed_flight_wait(f, j);
		return;
	}
	j->flight = feed_flight_start(j->key, j->generation);
	j->epoch = notify_epoch();
	j->writes = feed_cache_writes();
	gettimeofday(&j->started, NULL);
	if (j->shared) {	/* the bodies kept now, each with its snapshot */
		free(j->params[1]);
		j->params[1] = feed_shared_snapshots();
	}
	feed_read(j);
}

/* The revalidation answered: the cached feed, or read it again. */
static void
feed_checked(enum db_status st, PGresult *res, void *arg)
{
	struct feed_job	*j = arg;

	if (st != DB_OK || PQntuples(res) != 1) {
		http_reply_db_error(j->r, st == DB_OK ? DB_UNAVAILABLE : st, res);
		feed_job_free(j);
		return;
	}
	if (PQgetvalue(res, 0, 0)[0] == 't') {
		metrics_count("feed_cache_hits_total", 1);
		/*
		 * LISTEN in force since before this check, and no change
		 * announced meanwhile (the generation): trusted again.
		 */
		if (j->epoch != 0 && j->epoch == notify_epoch() &&
		    j->generation == feed_cache_generation())
			j->cached->listen_epoch = j->epoch;
		j->cached->writes = j->writes;	/* the check saw them */
		feed_reply(j->r, j->cached, j->private);
		feed_job_free(j);
		return;
	}
	metrics_count("feed_cache_stale_total", 1);
	/*
	 * Drop the conference's feeds, unless another check's answer did
	 * already: after a change, each feed asked for at once finds itself
	 * stale, and each drop would refuse the loads begun since.
	 */
	if (j->cached->cached)
		feed_cache_invalidate(j->cached->conference_id);
	feed_cache_release(j->cached);
	j->cached = NULL;
	feed_load(j);
}

/* Ask whether anything changed since the cached feed was read. */
static void
feed_revalidate(struct feed_job *j)
{
	const char	*params[2];
	char		 conf[24];

	metrics_count("feed_cache_revalidations_total", 1);
	snprintf(conf, sizeof conf, "%lld", j->cached->conference_id);
	params[0] = conf;
	params[1] = j->cached->snapshot;
	j->generation = feed_cache_generation();
	j->epoch = notify_epoch();
	j->writes = feed_cache_writes();
	db_query(FEED_FRESH_SQL, 2, params, feed_checked, j);
}

/* 304 for a conditional GET whose validators match etag. */
static void
feed_not_modified(struct feed_job *j, const char *etag)
{
	metrics_count("feed_not_modified_total", 1);
	http_add_header(j->r, "ETag", etag);
	http_add_header(j->r, "Cache-Control",
	    j->private ? "private, no-cache" : "no-cache");
	http_reply_bytes(j->r, 304, NULL, NULL, 0);
	feed_job_free(j);
}

/*
 * The stored validator answered: 304 when it is current and the client
 * holds those bytes; else read and render (a DB error is answered). A
 * current one is kept as the feed's memo, so that the next conditional GET
 * here is answered from memory, on the memo's terms (feed-memo.h).
 */
static void
feed_validated(enum db_status st, PGresult *res, void *arg)
{
	struct feed_job	*j = arg;
	time_t		 lm;

	if (st != DB_OK) {
		http_reply_db_error(j->r, st, res);
		feed_job_free(j);
		return;
	}
	if (PQntuples(res) != 1) {
		feed_load(j);
		return;
	}
	lm = (time_t)strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	if (!PQgetisnull(res, 0, 2))
		feed_memo_put(j->key, strtoll(PQgetvalue(res, 0, 2), NULL, 10),
		    PQgetvalue(res, 0, 0), lm, j->epoch, j->writes,
		    j->generation);
	if (feed_validators_match(j->r, PQgetvalue(res, 0, 0), lm)) {
		metrics_count("feed_cache_validated_total", 1);
		feed_not_modified(j, PQgetvalue(res, 0, 0));
		return;
	}
	feed_load(j);
}

/* May a memo answer without asking the database (as feed_trusted)? */
static int
feed_memo_trusted(const struct feed_memo *m)
{
	return m->listen_epoch != 0 && m->listen_epoch == notify_epoch() &&
	    m->writes == feed_cache_writes();
}

/*
 * A conditional GET of a feed not cached here: its memo (feed-memo.h)
 * when trusted and matching, else ask its stored validator.
 */
static void
feed_validate(struct feed_job *j)
{
	const struct feed_memo	*m = feed_memo_get(j->key);
	const char		*params[2];

	if (m != NULL && feed_memo_trusted(m) &&
	    feed_validators_match(j->r, m->etag, m->last_modified)) {
		metrics_count("feed_memo_hits_total", 1);
		feed_not_modified(j, m->etag);
		return;
	}
	params[0] = j->key;
	params[1] = feed_mark();
	if (params[1] == NULL) {
		feed_load(j);
		return;
	}
	/* what the answer's memo must outlast, as feed_load's (feed-memo.h) */
	j->generation = feed_cache_generation();
	j->epoch = notify_epoch();
	j->writes = feed_cache_writes();
	db_query(FEED_VALIDATOR_SQL, 2, params, feed_validated, j);
}

/* May a cached feed be served without asking the database? */
static int
feed_trusted(const struct feed_entry *e)
{
	return e->listen_epoch != 0 && e->listen_epoch == notify_epoch() &&
	    e->writes == feed_cache_writes();
}

/* Serve key from the cache (revalidated unless trusted), or read and render. */
static void
feed_serve(struct req *r, const char *key, int private, const char *sql,
    int nparams, const char *const *params, const char *lang, int shared)
{
	struct feed_entry	*e = feed_cache_get(key);
	struct feed_job		*j;

	if (e != NULL && feed_trusted(e)) {
		metrics_count("feed_cache_hits_total", 1);
		feed_reply(r, e, private);
		feed_cache_release(e);
		return;
	}
	j = feed_job_new(r, key, private, sql, nparams, params, lang);
	j->shared = shared;
	if (e != NULL && e->snapshot != NULL) {
		j->cached = e;
		feed_revalidate(j);
		return;
	}
	feed_cache_release(e);
	if (feed_conditional(r))
		feed_validate(j);
	else
		feed_load(j);
}

/*
 * ?lang=: NULL when absent, else the tag; a malformed one becomes "!",
 * which no conference lists, so that the answer is the 400 naming the
 * conference's languages (or 404 when there is no such feed).
 */
static const char *
feed_lang(struct req *r)
{
	const char	*l = req_query(r, "lang");

	if (l == NULL)
		return NULL;
	return lang_tag_ok(l) ? l : "!";
}

/* The cache key of a feed: base, plus the language if one was asked. */
static char *
feed_key(const char *base, const char *lang)
{
	return lang != NULL ? xasprintf("%s|lang=%s", base, lang) :
	    xstrdup(base);
}

/* GET [/api/v1]/conferences/{slug}/calendar.ics[?lang=] */
static void
feed_public(struct req *r)
{
	const char	*lang = feed_lang(r);
	const char	*params[2] = { req_param(r, "slug"), lang };
	char		*base = xasprintf("public:%s", params[0]);
	char		*key = feed_key(base, lang);

	feed_serve(r, key, 0, lang != NULL ? FEED_PUBLIC_LANG_SQL :
	    FEED_PUBLIC_SQL, lang != NULL ? 2 : 1, params, lang, 0);
	free(key);
	free(base);
}

/* GET /feeds/{token}.ics */
static void
feed_token(struct req *r)
{
	const char	*token = req_param(r, "token"), *lang = feed_lang(r);
	const char	*params[2];
	char		 base[6 + 65], *key;

	if (token == NULL || !auth_token_wellformed(token)) {
		http_reply_problem(r, 404, "no such feed", NULL);
		return;
	}
	memcpy(base, "token:", 6);
	sha256_hex(token, base + 6);
	params[0] = base + 6;
	params[1] = lang;
	key = feed_key(base, lang);
	if (lang == NULL && cfg->feed_fragment_mb > 0) {
		params[1] = "{}";	/* feed_load writes the bodies kept */
		feed_serve(r, key, 1, FEED_TOKEN_OWN_SQL, 2, params, NULL, 1);
	} else
		feed_serve(r, key, 1, lang != NULL ? FEED_TOKEN_LANG_SQL :
		    FEED_TOKEN_SQL, lang != NULL ? 2 : 1, params, lang, 0);
	free(key);
}

/* Who looks at a room feed, as part of its cache key. */
static char *
feed_viewer(const struct principal *p)
{
	switch (p->role) {
	case ROLE_ADMIN:
		return xstrdup("admin");
	case ROLE_SECRETARIAT:
		return xasprintf("s%lld", p->conference_id);
	case ROLE_LIAISON:
		return xasprintf("l%lld", p->delegation_id);
	default:
		return xstrdup("anon");
	}
}

/* GET [/api/v1]/conferences/{slug}/rooms/{id}/calendar.ics */
static void
feed_room(struct req *r)
{
	const char	*params[4], *lang = feed_lang(r);
	char		 id[24], *viewer, *key, *base, *actor;

	if (api_id_param(r, "feed", id) != 0)
		return;
	actor = api_actor_text(r);
	viewer = feed_viewer(&r->who);
	base = xasprintf("room:%s:%s:%s", req_param(r, "slug"), id, viewer);
	key = feed_key(base, lang);
	params[0] = req_param(r, "slug");
	params[1] = id;
	params[2] = actor;
	params[3] = lang;
	feed_serve(r, key, r->who.role != ROLE_NONE, lang != NULL ?
	    FEED_ROOM_LANG_SQL : FEED_ROOM_SQL, lang != NULL ? 4 : 3, params,
	    lang, 0);
	free(key);
	free(base);
	free(viewer);
	free(actor);
}
