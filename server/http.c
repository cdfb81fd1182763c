/*
 * http.c — the HTTP front door: evhttp set-up, the per-request context,
 * body and token checks, and every way of answering (JSON, bytes, RFC 9457
 * problem documents, 503 with Retry-After).
 *
 * Lifetime: http_dispatch() creates a struct req for each request and either
 * answers at once (404, 405, 413, 415, 400, 401) or hands it to the route's
 * handler, which answers exactly once, maybe from a database callback later.
 * If the client hangs up first, conn.c notices, closes the connection and
 * sets r->ev = NULL, so the late answer is dropped (and logged as such).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sys/queue.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>

#include "auth.h"
#include "config.h"
#include "conn.h"
#include "feed-cache.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "reply.h"
#include "route.h"
#include "slowclient.h"
#include "util.h"

#define HTTP_MAX_SINGLE_WRITE	(1024 * 1024)

static unsigned long	http_inflight;
static struct evhttp_bound_socket *http_bound;

/* Requests accepted but not yet answered (for draining on SIGTERM). */
unsigned long
http_inflight_count(void)
{
	return http_inflight;
}

/* Title of a problem document, and reason phrase, for a status. */
const char *
http_status_title(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return status < 400 ? "OK" : "Error";
	}
}

/* Name of a role as the API spells it. */
const char *
role_name(enum role role)
{
	switch (role) {
	case ROLE_ADMIN: return "admin";
	case ROLE_SECRETARIAT: return "secretariat";
	case ROLE_LIAISON: return "liaison";
	default: return "none";
	}
}

/* Release a request context after its answer. */
static void
req_free(struct req *r)
{
	int	i;

	if (r->state_free != NULL && r->state != NULL)
		r->state_free(r->state);
	for (i = 0; i < r->nparams; i++) {
		free(r->param_name[i]);
		free(r->param[i]);
	}
	evhttp_clear_headers(&r->query);
	json_decref(r->body);
	free(r->path);
	free(r);
	http_inflight--;
}

/* Path for the access log, without secrets: feed tokens are cut out. */
static void
http_log_path(const struct req *r, char *buf, size_t len)
{
	const char	*p = r->path != NULL ? r->path : "-";

	if (strncmp(p, "/feeds/", 7) == 0)
		p = "/feeds/…";
	snprintf(buf, len, "%s", p);
}

/* Method name for the access log. */
static const char *
http_method_name(int method)
{
	switch (method) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_HEAD: return "HEAD";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_OPTIONS: return "OPTIONS";
	case EVHTTP_REQ_TRACE: return "TRACE";
	case EVHTTP_REQ_CONNECT: return "CONNECT";
	case EVHTTP_REQ_PATCH: return "PATCH";
	default: return "?";
	}
}

/*
 * The Date header, formatted (by libevent's own RFC 1123 formatter) once
 * a second: evhttp would otherwise format it for every answer, a tenth of
 * the cost of a 304.
 */
static const char *
http_date_now(void)
{
	static char	 date[32];
	static time_t	 made = -1;
	time_t		 now = time(NULL);
	struct tm	 tm;

	if (now != made && gmtime_r(&now, &tm) != NULL) {
		evutil_date_rfc1123(date, sizeof date, &tm);
		made = now;
	}
	return date;
}

/*
 * A HEAD answer carries the Content-Length its GET would have (RFC 9110,
 * 9.3.2 and 8.6): evhttp leaves it out, as it drops the body, so a client
 * could not learn a feed's or an export's size without fetching it.
 */
static void
http_head_length(struct req *r, int status, size_t bytes)
{
	char	len[32];

	if (r->method != EVHTTP_REQ_HEAD || status < 200 || status == 204 ||
	    status == 304)
		return;
	snprintf(len, sizeof len, "%zu", bytes);
	http_add_header(r, "Content-Length", len);
}

/* Send the answer (if the client is still there), log it, free r. */
static void
http_send(struct req *r, int status, struct evbuffer *buf)
{
	struct timeval	now;
	char		path[256];
	size_t		bytes = buf != NULL ? evbuffer_get_length(buf) : 0;
	long long	us;

	conn_detach(r);
	if (r->ev != NULL) {
		http_add_header(r, "Date", http_date_now());
		http_head_length(r, status, bytes);
		evhttp_send_reply(r->ev, status, http_status_title(status), buf);
	}
	gettimeofday(&now, NULL);
	us = (now.tv_sec - r->started.tv_sec) * 1000000LL +
	    (now.tv_usec - r->started.tv_usec);
	if (log_wants(LOG_INFO)) {
		http_log_path(r, path, sizeof path);
		log_info("access %s %s %d %zu %lldus%s",
		    http_method_name(r->method), path, status, bytes, us,
		    r->ev == NULL ? " (client gone)" : "");
	}
	metrics_request(status, us);
	/* Read your own writes: before this worker reads its next request. */
	if (status >= 200 && status < 300 && r->method != EVHTTP_REQ_GET &&
	    r->method != EVHTTP_REQ_HEAD)
		feed_cache_write_seen();
	if (buf != NULL)
		evbuffer_free(buf);
	req_free(r);
}

/* Start a streaming answer: 200, content type, no length, no timeout. */
void
http_stream_start(struct req *r, const char *content_type,
    void (*on_close)(struct req *, void *), void *arg)
{
	r->on_close = on_close;
	r->on_close_arg = arg;
	r->stream_ev = r->ev;
	if (r->ev == NULL)
		return;
	http_add_header(r, "Content-Type", content_type);
	evhttp_connection_set_timeout(evhttp_request_get_connection(r->ev), -1);
	evhttp_send_reply_start(r->ev, 200, http_status_title(200));
}

/* Send one piece of a streaming answer; -1 if the client is gone. */
int
http_stream_write(struct req *r, const void *data, size_t len)
{
	struct evbuffer	*buf;

	if (r->ev == NULL)
		return -1;
	if ((buf = evbuffer_new()) == NULL)
		fatal("evbuffer_new");
	evbuffer_add(buf, data, len);
	evhttp_send_reply_chunk(r->ev, buf);
	evbuffer_free(buf);
	r->streamed += len;
	return 0;
}

/* End a streaming answer, log it, free r. */
void
http_stream_end(struct req *r)
{
	struct timeval	now;
	char		path[256];
	long long	us;

	conn_detach(r);
	if (r->stream_ev != NULL)		/* NULL once the client is gone */
		evhttp_send_reply_end(r->stream_ev);
	gettimeofday(&now, NULL);
	us = (now.tv_sec - r->started.tv_sec) * 1000000LL +
	    (now.tv_usec - r->started.tv_usec);
	http_log_path(r, path, sizeof path);
	log_info("access %s %s 200 %zu %lldus (stream%s)",
	    http_method_name(r->method), path, r->streamed, us,
	    r->ev == NULL ? ", client gone" : "");
	metrics_request(200, us);
	req_free(r);
}

/* Add a response header (no-op once the client is gone). */
void
http_add_header(struct req *r, const char *name, const char *value)
{
	if (r->ev != NULL)
		evhttp_add_header(evhttp_request_get_output_headers(r->ev),
		    name, value);
}

/* Answer with bytes of a given type. */
void
http_reply_bytes(struct req *r, int status, const char *content_type,
    const void *data, size_t len)
{
	struct evbuffer	*buf = NULL;

	if (content_type != NULL)
		http_add_header(r, "Content-Type", content_type);
	if (data != NULL && len > 0) {
		if ((buf = evbuffer_new()) == NULL)
			fatal("evbuffer_new");
		evbuffer_add(buf, data, len);
	}
	http_send(r, status, buf);
}

/* Answer with bytes that stay valid until done(arg) is called (no copy). */
void
http_reply_ref(struct req *r, int status, const char *content_type,
    const void *data, size_t len, void (*done)(const void *, size_t, void *),
    void *arg)
{
	struct evbuffer	*buf = evbuffer_new();

	if (buf == NULL)
		fatal("evbuffer_new");
	if (content_type != NULL)
		http_add_header(r, "Content-Type", content_type);
	if (evbuffer_add_reference(buf, data, len, done, arg) != 0)
		fatal("evbuffer_add_reference");
	http_send(r, status, buf);
}

/*
 * Answer with pieces, each by reference or from a file segment (http.h).
 * The buffer is marked as drained to a socket, which is what lets libevent
 * keep a segment's pieces for sendfile; evhttp only moves its chains on to
 * the connection's output (or drops them, for HEAD).
 */
void
http_reply_pieces(struct req *r, int status, const char *content_type,
    const struct http_piece *p, size_t n, struct evbuffer_file_segment *file,
    void (*done)(const void *, size_t, void *), void *arg)
{
	struct evbuffer	*buf = evbuffer_new();
	size_t		 i;
	int		 rc;

	if (buf == NULL)
		fatal("evbuffer_new");
	if (file != NULL)
		evbuffer_set_flags(buf, EVBUFFER_FLAG_DRAINS_TO_FD);
	if (content_type != NULL)
		http_add_header(r, "Content-Type", content_type);
	for (i = 0; i < n; i++) {
		if (p[i].file_off >= 0)
			rc = evbuffer_add_file_segment(buf, file,
			    (ev_off_t)p[i].file_off, (ev_off_t)p[i].len);
		else
			rc = evbuffer_add_reference(buf, p[i].data, p[i].len,
			    done, arg);
		if (rc != 0)
			fatal("evbuffer: cannot add a piece of an answer");
	}
	http_send(r, status, buf);
}

/* Answer with JSON text already serialised. */
void
http_reply_json_text(struct req *r, int status, const char *text, size_t len)
{
	http_reply_bytes(r, status, "application/json; charset=utf-8", text, len);
}

/* 500 for an answer that could not be built: logged, never an exit. */
static void
http_reply_unbuilt(struct req *r, int status)
{
	char	path[256];

	http_log_path(r, path, sizeof path);
	log_error("%s %s: the %d answer could not be built; answering 500",
	    http_method_name(r->method), path, status);
	http_reply_problem(r, 500, "the answer could not be built", NULL);
}

/* Answer with a JSON value (stolen); NULL is no body (204, 304) or a 500. */
void
http_reply_json(struct req *r, int status, json_t *body)
{
	char	*text;

	if (body == NULL) {
		if (status == 204 || status == 304)
			http_send(r, status, NULL);
		else
			http_reply_unbuilt(r, status);
		return;
	}
	text = reply_json_text(body);
	json_decref(body);
	if (text == NULL) {
		http_reply_unbuilt(r, status);
		return;
	}
	http_reply_json_text(r, status, text, strlen(text));
	free(text);
}

/*
 * RFC 9457 problem document, with extra fields merged in. Any detail will
 * do (reply.c mends and cuts it); a document that cannot be built at all
 * goes out as a 500.
 */
void
http_reply_problem(struct req *r, int status, const char *detail,
    json_t *extra)
{
	char	*text;

	status = reply_problem(status, http_status_title(status), detail,
	    extra, &text);
	http_reply_bytes(r, status, "application/problem+json", text,
	    strlen(text));
	free(text);
}

/* 503 with Retry-After and a reason. */
void
http_reply_retry(struct req *r, const char *detail)
{
	char	secs[16];

	snprintf(secs, sizeof secs, "%d", cfg->retry_after);
	http_add_header(r, "Retry-After", secs);
	http_reply_problem(r, 503, detail, NULL);
}

/* 503 with Retry-After: the database is not there right now. */
void
http_reply_unavailable(struct req *r)
{
	http_reply_retry(r,
	    "the database is unavailable; retry shortly");
}

/* 503 with Retry-After: the server (and database) is up, but busy: why. */
void
http_reply_busy(struct req *r, const char *why)
{
	char	detail[192];

	snprintf(detail, sizeof detail, "the server is busy (%s); retry shortly",
	    why);
	http_reply_retry(r, detail);
}

/* Why a SQLSTATE means "busy, retry shortly", or NULL. */
static const char *
http_busy_state(const char *state)
{
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)
		return "a concurrent change got in the way";
	if (strcmp(state, "57014") == 0)
		return "the database took too long";
	return NULL;
}

/* Does a SQLSTATE mean the database went away (connection, shutdown)? */
static int
http_gone_state(const char *state)
{
	return strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 ||
	    strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0;
}

/* Status for a SQLSTATE raised by our own SQL functions ("KG409" -> 409). */
static int
http_kaigi_status(const char *state)
{
	if (strncmp(state, "KG", 2) == 0 && strlen(state) == 5) {
		int s = atoi(state + 2);
		if (s >= 400 && s < 500)
			return s;
	}
	return 0;
}

/* Turn a failed statement into the right answer. */
void
http_reply_db_error(struct req *r, enum db_status st, const PGresult *res)
{
	const char	*state, *msg, *det;
	json_t		*extra = NULL;
	int		 status;

	if (st == DB_BUSY) {
		http_reply_busy(r, HTTP_BUSY_POOL);
		return;
	}
	if (st == DB_UNAVAILABLE || res == NULL) {
		http_reply_unavailable(r);
		return;
	}
	state = db_sqlstate(res);
	msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	det = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	if ((status = http_kaigi_status(state)) != 0) {
		if (det != NULL)
			extra = json_loads(det, 0, NULL);
		if (extra != NULL && !json_is_object(extra)) {
			json_decref(extra);
			extra = NULL;
		}
		http_reply_problem(r, status, msg, extra);
	} else if (strcmp(state, "23P01") == 0)
		http_reply_problem(r, 409, "the change would double-book a room or a person", NULL);
	else if (strcmp(state, "23505") == 0)
		http_reply_problem(r, 409, "that already exists", NULL);
	else if (strncmp(state, "23", 2) == 0 || strncmp(state, "22", 2) == 0)
		http_reply_problem(r, 422, "the values break a rule of the data", NULL);
	else if (http_busy_state(state) != NULL)
		http_reply_busy(r, http_busy_state(state));
	else if (http_gone_state(state))
		http_reply_unavailable(r);
	else {
		log_error("database error %s: %s", state, msg ? msg : "?");
		http_reply_problem(r, 500, "internal error", NULL);
	}
}

/* Path capture by name. */
const char *
req_param(const struct req *r, const char *name)
{
	int	i;

	for (i = 0; i < r->nparams; i++) {
		if (strcmp(r->param_name[i], name) == 0)
			return r->param[i];
	}
	return NULL;
}

/* Query argument by name. */
const char *
req_query(const struct req *r, const char *name)
{
	return evhttp_find_header(&r->query, name);
}

/* Request header by name. */
const char *
req_header(const struct req *r, const char *name)
{
	if (r->ev == NULL)
		return NULL;
	return evhttp_find_header(evhttp_request_get_input_headers(r->ev), name);
}

/* The caller as a JSON object, for SQL functions that audit. */
json_t *
req_actor(const struct req *r)
{
	json_t	*a = json_pack("{s:s}", "role", role_name(r->who.role));

	json_object_set_new(a, "token_id", r->who.token_id > 0 ?
	    json_integer(r->who.token_id) : json_null());
	json_object_set_new(a, "conference_id", r->who.conference_id > 0 ?
	    json_integer(r->who.conference_id) : json_null());
	json_object_set_new(a, "delegation_id", r->who.delegation_id > 0 ?
	    json_integer(r->who.delegation_id) : json_null());
	return a;
}

/* Is the content type JSON (any parameters allowed)? */
static int
http_is_json_type(const char *ct)
{
	size_t	n = strlen("application/json");

	if (ct == NULL)
		return 0;
	while (*ct == ' ')
		ct++;
	return strncasecmp(ct, "application/json", n) == 0 &&
	    (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* Parse the JSON body; answers 413/415/400 itself and returns -1 then. */
static int
http_read_body(struct req *r)
{
	struct evbuffer	*in = evhttp_request_get_input_buffer(r->ev);
	size_t		 len = evbuffer_get_length(in);
	json_error_t	 err;
	char		 detail[256], *why;

	if (len == 0)
		return 0;
	if (len > cfg->max_body) {
		snprintf(detail, sizeof detail,
		    "the body is %zu bytes; the limit is %zu", len, cfg->max_body);
		http_reply_problem(r, 413, detail, NULL);
		return -1;
	}
	if (!http_is_json_type(req_header(r, "Content-Type"))) {
		http_reply_problem(r, 415, "send the body as application/json", NULL);
		return -1;
	}
	r->body = json_loadb((const char *)evbuffer_pullup(in, -1), len,
	    JSON_REJECT_DUPLICATES, &err);
	if (r->body == NULL) {
		why = reply_parse_detail(&err);
		http_reply_problem(r, 400, why, NULL);
		free(why);
		return -1;
	}
	return 0;
}

/* -1 when a decoded query name or value is not UTF-8 (it would reach SQL). */
static int
http_query_utf8(const struct evkeyvalq *q)
{
	const struct evkeyval	*kv;

	TAILQ_FOREACH(kv, q, next) {
		if (!utf8_valid(kv->key, strlen(kv->key)) ||
		    !utf8_valid(kv->value, strlen(kv->value)))
			return -1;
	}
	return 0;
}

/*
 * Build the request context: method, decoded path, query. -1 on a bad URI,
 * -2 when the connection is one more than max_connections allows.
 */
static int
http_req_init(struct req *r, struct evhttp_request *ev)
{
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(ev);
	const char		*path = uri ? evhttp_uri_get_path(uri) : NULL;
	const char		*q = uri ? evhttp_uri_get_query(uri) : NULL;
	static uint64_t		 serial;	/* this worker's last request's */

	r->ev = ev;
	r->serial = ++serial;
	r->method = evhttp_request_get_command(ev);
	gettimeofday(&r->started, NULL);
	TAILQ_INIT(&r->query);
	r->path = xstrdup(path != NULL && *path != '\0' ? path : "/");
	if (conn_attach(evhttp_request_get_connection(ev), r,
	    cfg->max_connections) != 0)
		return -2;
	/*
	 * libevent writes at most 16 KiB per loop turn by default; a 150 KB
	 * feed would take ten turns. Let a reply go out in one.
	 */
	bufferevent_set_max_single_write(evhttp_connection_get_bufferevent(
	    evhttp_request_get_connection(ev)), HTTP_MAX_SINGLE_WRITE);
	/* A %00 would cut the decoded value short, unseen: refuse it. */
	if (q != NULL && (strstr(q, "%00") != NULL ||
	    evhttp_parse_query_str(q, &r->query) != 0))
		return -1;
	return http_query_utf8(&r->query);
}

/* Answer 404 or 405 (with Allow) for a path no route serves. */
static void
http_no_route(struct req *r, int path_matched, const char *allowed)
{
	if (path_matched) {
		http_add_header(r, "Allow", allowed);
		http_reply_problem(r, 405, "that method is not allowed here", NULL);
	} else
		http_reply_problem(r, 404, "no such resource", NULL);
}

/* evhttp's entry point for every request. */
static void
http_dispatch(struct evhttp_request *ev, void *arg)
{
	struct req		*r = xcalloc(1, sizeof *r);
	const struct route	*route;
	char			 allowed[128] = "";
	int			 path_matched = 0;

	(void)arg;
	http_inflight++;
	switch (http_req_init(r, ev)) {
	case 0:
		break;
	case -2:
		http_add_header(r, "Connection", "close");
		http_reply_retry(r, "too many connections; retry shortly");
		return;
	default:
		http_reply_problem(r, 400, "malformed query string", NULL);
		return;
	}
	route = route_match(r->method, r->path, r, allowed, sizeof allowed,
	    &path_matched);
	if (route == NULL) {
		http_no_route(r, path_matched, allowed);
		return;
	}
	r->route = route;
	if (!route->raw_body && (r->method == EVHTTP_REQ_POST ||
	    r->method == EVHTTP_REQ_PUT || r->method == EVHTTP_REQ_PATCH)) {
		if (http_read_body(r) != 0)
			return;
	}
	conn_handle(r, auth_then_handle);
}

/*
 * libevent's own body limit: a backstop above max_body (and above
 * max_import_body, which only the import route reads; see api-import.c).
 */
static ev_ssize_t
http_hard_body_limit(void)
{
	size_t	n = cfg->max_body * 4;

	if (cfg->max_import_body > n)
		n = cfg->max_import_body;
	return (ev_ssize_t)n + 65536;
}

/* Create the evhttp server on an already-listening socket. */
struct evhttp *
http_start(struct event_base *base, evutil_socket_t fd)
{
	struct evhttp	*http = evhttp_new(base);
	ev_ssize_t	 hard_body;

	if (http == NULL)
		fatal("evhttp_new");
	/*
	 * libevent 2.1 answers an over-long body with its own HTML page and
	 * offers no hook to change that, so its limit is a generous backstop
	 * and http_read_body() gives the problem+json 413 below it.
	 */
	hard_body = http_hard_body_limit();
	evhttp_set_max_body_size(http, hard_body);
	evhttp_set_max_headers_size(http, (ev_ssize_t)cfg->max_headers);
	evhttp_set_timeout(http, cfg->timeout);
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_gencb(http, http_dispatch, NULL);
	slowclient_start(base, fd, cfg->timeout);
	if ((http_bound = evhttp_accept_socket_with_handle(http, fd)) == NULL)
		fatal("evhttp_accept_socket: %s", strerror(errno));
	return http;
}

/* Apply the settings that SIGHUP may change. */
void
http_reconfigure(struct evhttp *http)
{
	evhttp_set_max_body_size(http, http_hard_body_limit());
	evhttp_set_max_headers_size(http, (ev_ssize_t)cfg->max_headers);
	evhttp_set_timeout(http, cfg->timeout);
	slowclient_set_timeout(cfg->timeout);
}

/* Stop accepting new connections (draining on SIGTERM). */
void
http_stop_accepting(struct evhttp *http)
{
	if (http_bound != NULL) {
		evhttp_del_accept_socket(http, http_bound);
		http_bound = NULL;
	}
}
