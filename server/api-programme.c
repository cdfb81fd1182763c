/*
 * api-programme.c — GET /api/v1/conferences/{slug}/programme.pdf: the
 * printed programme, a welcome pack for a delegation or a participant.
 *
 * ?delegation=CODE or ?participant=ID (not both) choose whose programme
 * it is, ?tz= the zone its times are in (default the conference's), and
 * ?lang= one of the conference's languages (400 naming them otherwise):
 * session titles in that language where they have one, the default's
 * otherwise (kaigi_programme_lang, sql/150_languages.sql). Who may have which programme, and which
 * sessions it shows, is decided by kaigi_programme() of
 * sql/086_programme.sql with the one visibility rule the feeds and lists
 * use: anonymous callers get the public programme, a liaison its
 * delegation's, the secretariat everything or one delegation's or
 * participant's pack; anything else named is a 404.
 *
 * One statement reads the whole document as JSON; parsing it and laying
 * it out (pdf.c: a third of a millisecond of CPU per session or less, so
 * tens to hundreds of milliseconds for a large programme) run on a worker
 * thread (offload.c), so the event loop never waits for them; the PDF
 * comes back on the loop and is sent from its evbuffer without a copy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "api.h"
#include "decode-lang.h"
#include "config.h"
#include "log.h"
#include "offload.h"
#include "pdf.h"
#include "route.h"
#include "util.h"

#define PROGRAMME_SQL \
    "SELECT kaigi_programme_lang($1::jsonb, $2, $3, $4, $5, $6)::text"
#define PROGRAMME_MAX_QUERY	200	/* longest delegation code or tz */

static void programme_get(struct req *);

const struct route route_programme_pdf = {
	.method = EVHTTP_REQ_GET,
	.path = "/api/v1/conferences/{slug}/programme.pdf",
	.role = ROLE_NONE, .handle = programme_get,
};

/* A programme between the database and the answer. */
struct programme_job {
	struct req	*r;
	PGresult	*res;		/* the document's JSON, kept: the thread reads it */
	json_t		*doc;		/* parsed and laid out on the thread */
	struct evbuffer	*pdf;
	char		*cause;		/* why the layout failed */
	int		 rc;
	double		 wall_ms;	/* time the layout took */
	double		 cpu_ms;	/* CPU time it took */
};

/* Check the query; answers 400 or 404 itself and returns -1. */
static int
programme_query(struct req *r, char participant[24])
{
	const char	*d = req_query(r, "delegation"), *p = req_query(r, "participant");
	const char	*tz = req_query(r, "tz");
	long long	 id;

	participant[0] = '\0';
	if ((d != NULL && strlen(d) > PROGRAMME_MAX_QUERY) ||
	    (tz != NULL && strlen(tz) > PROGRAMME_MAX_QUERY)) {
		http_reply_problem(r, 400, "delegation and tz are at most 200 "
		    "characters", NULL);
		return -1;
	}
	if (d != NULL && p != NULL) {
		http_reply_problem(r, 400, "give delegation or participant, "
		    "not both", NULL);
		return -1;
	}
	if (p != NULL && parse_id(p, &id) != 0) {
		http_reply_problem(r, 404, "no such participant", NULL);
		return -1;
	}
	if (p != NULL)
		api_id_text(id, participant);
	return 0;
}

/* Free a job (the request is answered and freed by then). */
static void
programme_job_free(struct programme_job *job)
{
	PQclear(job->res);
	json_decref(job->doc);
	if (job->pdf != NULL)
		evbuffer_free(job->pdf);
	free(job->cause);
	free(job);
}

/* Milliseconds between two readings of a clock. */
static double
programme_ms(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e3 +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

/* On the worker thread: parse the document and lay it out. */
static void
programme_render(void *arg)
{
	struct programme_job	*job = arg;
	struct timespec		 w0, w1, c0, c1;

	clock_gettime(CLOCK_MONOTONIC, &w0);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
	job->doc = json_loads(PQgetvalue(job->res, 0, 0), 0, NULL);
	PQclear(job->res);
	job->res = NULL;
	if (job->doc == NULL) {
		job->cause = xstrdup("the database's document is not JSON");
		job->rc = -1;
	} else
		job->rc = pdf_programme(job->doc, job->pdf, &job->cause);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
	clock_gettime(CLOCK_MONOTONIC, &w1);
	job->wall_ms = programme_ms(&w0, &w1);
	job->cpu_ms = programme_ms(&c0, &c1);
}

/* libevent has sent (or dropped) the PDF: free it with its job. */
static void
programme_sent(const void *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	programme_job_free(arg);
}

/* Send the PDF from the job's evbuffer, without copying it. */
static void
programme_reply(struct programme_job *job)
{
	struct req	*r = job->r;
	size_t		 len = evbuffer_get_length(job->pdf);
	char		*disposition;

	disposition = xasprintf("inline; filename=\"%s-programme.pdf\"",
	    req_param(r, "slug"));
	http_add_header(r, "Content-Disposition", disposition);
	http_add_header(r, "Cache-Control", r->who.role != ROLE_NONE ?
	    "private, no-cache" : "no-cache");
	free(disposition);
	http_reply_ref(r, 200, "application/pdf", evbuffer_pullup(job->pdf, -1),
	    len, programme_sent, job);
}

/* Back on the loop: answer with the PDF or say why there is none. */
static void
programme_rendered(int failed, void *arg)
{
	struct programme_job	*job = arg;

	if (!failed && job->rc == 0) {
		log_debug("programme: %lld sessions, %zu bytes, laid out in "
		    "%.1f ms (%.1f ms of CPU)", (long long)json_integer_value(
		    json_object_get(job->doc, "sessions")),
		    evbuffer_get_length(job->pdf), job->wall_ms, job->cpu_ms);
		programme_reply(job);
		return;
	}
	if (failed)
		http_reply_problem(job->r, 503, "the server is stopping", NULL);
	else {
		log_error("programme: %s", job->cause);
		http_reply_problem(job->r, 500, "the programme cannot be laid out",
		    NULL);
	}
	programme_job_free(job);
}

/* The document is read: hand it to a worker thread. */
static void
programme_loaded(enum db_status st, PGresult *res, void *arg)
{
	struct req		*r = arg;
	struct programme_job	*job;

	if (st != DB_OK || PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
		api_reply_row(r, st, res, 200);	/* the problem, or 404 */
		return;
	}
	job = xcalloc(1, sizeof *job);
	job->r = r;
	job->res = db_keep(res);	/* not copied on the loop (3 MB at COP size) */
	if ((job->pdf = evbuffer_new()) == NULL)
		fatal("evbuffer_new");
	if (offload_run(programme_render, programme_rendered, job) != 0) {
		http_reply_retry(r, "too many programmes are being printed; "
		    "retry shortly");
		programme_job_free(job);
	}
}

/* GET /api/v1/conferences/{slug}/programme.pdf */
static void
programme_get(struct req *r)
{
	const char	*params[6];
	char		 participant[24], *actor;

	if (programme_query(r, participant) != 0)
		return;
	actor = api_actor_text(r);
	params[0] = actor;
	params[1] = req_param(r, "slug");
	params[2] = req_query(r, "delegation");
	params[3] = participant[0] != '\0' ? participant : NULL;
	params[4] = req_query(r, "tz");
	/* A malformed lang becomes "!", which no conference lists: the
	 * database's 400 then names the conference's languages. */
	params[5] = req_query(r, "lang");
	if (params[5] != NULL && !lang_tag_ok(params[5]))
		params[5] = "!";
	db_query(PROGRAMME_SQL, 6, params, programme_loaded, r);
	free(actor);
}
