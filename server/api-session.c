/*
 * api-session.c — the session routes: create, list, read, change and cancel
 * sessions of a conference, and the conference's conflict check.
 *
 * Each handler decodes and validates what it was sent (decode-session.c,
 * pure) before touching the database, then runs ONE statement: a function
 * of sql/020_sessions.sql that does the whole read or write (permission,
 * checks that need data, locks, clashes, audit) and returns the JSON. Errors
 * come back as SQLSTATE KGnnn and are answered by http_reply_db_error().
 *
 * Visibility (who may see a restricted session) is decided only in SQL, by
 * kaigi_session_visible(): a session the caller may not see is a 404.
 *
 * A bilateral's session moves its request (sql/050_bilateral_states.sql):
 * cancelling it cancels the request, or with {"replace": true} puts it back
 * to accepted and unplaced; un-cancelling it (PATCH status) is a 409 unless
 * the request is accepted and unplaced. Both answers carry the request
 * under "bilateral".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "decode-session.h"
#include "http.h"
#include "route.h"
#include "util.h"
#include "valid.h"

#define SESSION_CREATE_SQL \
    "SELECT j::text, j->>'version', j->>'id'" \
    " FROM kaigi_session_create($1::jsonb, $2, $3::jsonb) j"
#define SESSION_UPDATE_SQL \
    "SELECT j::text, j->>'version' FROM kaigi_session_patch($1::jsonb, $2::bigint," \
    " $3::int, $4::jsonb) j"
#define SESSION_CANCEL_SQL \
    "SELECT j::text, j->>'version' FROM kaigi_session_cancel_with($1::jsonb," \
    " $2::bigint, $3::int, $4::boolean) j"
#define SESSION_GET_SQL \
    "SELECT j::text, j->>'version' FROM kaigi_session_get($1::jsonb, $2::bigint) j"
#define SESSION_LIST_SQL \
    "SELECT l->'items', l->>'next' FROM kaigi_sessions_page($1::jsonb, $2," \
    " $3::jsonb, $4::int, $5) AS l"
#define SESSION_CONFLICTS_SQL \
    "SELECT kaigi_conference_conflicts($1::jsonb, $2)::text"

static void session_create(struct req *);
static void session_list(struct req *);
static void session_get(struct req *);
static void session_patch(struct req *);
static void session_cancel(struct req *);
static void session_conflicts(struct req *);

const struct route route_session_create = {
	.method = EVHTTP_REQ_POST, .path = "/api/v1/conferences/{slug}/sessions",
	.role = ROLE_SECRETARIAT, .handle = session_create,
};
const struct route route_session_list = {
	.method = EVHTTP_REQ_GET, .path = "/api/v1/conferences/{slug}/sessions",
	.role = ROLE_NONE, .handle = session_list,
};
const struct route route_session_get = {
	.method = EVHTTP_REQ_GET, .path = "/api/v1/sessions/{id}",
	.role = ROLE_NONE, .handle = session_get,
};
const struct route route_session_patch = {
	.method = EVHTTP_REQ_PATCH, .path = "/api/v1/sessions/{id}",
	.role = ROLE_SECRETARIAT, .handle = session_patch,
};
const struct route route_session_cancel = {
	.method = EVHTTP_REQ_POST, .path = "/api/v1/sessions/{id}/cancel",
	.role = ROLE_SECRETARIAT, .handle = session_cancel,
};
const struct route route_session_conflicts = {
	.method = EVHTTP_REQ_GET, .path = "/api/v1/conferences/{slug}/conflicts",
	.role = ROLE_SECRETARIAT, .handle = session_conflicts,
};

/* Answer a session row (json, version[, id]) with status, ETag, Location. */
static void
session_reply(struct req *r, enum db_status st, PGresult *res, int status)
{
	char	etag[32], where[64];

	if (st == DB_OK && PQntuples(res) == 1 && PQnfields(res) >= 2 &&
	    !PQgetisnull(res, 0, 0)) {
		snprintf(etag, sizeof etag, "\"%s\"", PQgetvalue(res, 0, 1));
		http_add_header(r, "ETag", etag);
		if (PQnfields(res) >= 3) {
			snprintf(where, sizeof where, "/api/v1/sessions/%s",
			    PQgetvalue(res, 0, 2));
			http_add_header(r, "Location", where);
		}
	}
	api_reply_row(r, st, res, status);
}

/* db_cb: a session with 200. */
static void
session_reply_200(enum db_status st, PGresult *res, void *arg)
{
	session_reply(arg, st, res, 200);
}

/* db_cb: a created session with 201. */
static void
session_reply_201(enum db_status st, PGresult *res, void *arg)
{
	session_reply(arg, st, res, 201);
}

/* If-Match as a $n parameter (NULL: none); answers 412 when unusable. */
static int
session_version(struct req *r, char buf[24], const char **param)
{
	long long	v;

	if (session_if_match(req_header(r, "If-Match"), &v) != 0) {
		http_reply_problem(r, 412, "If-Match names no version of this session",
		    NULL);
		return -1;
	}
	api_id_text(v, buf);
	*param = v > 0 ? buf : NULL;
	return 0;
}

/* Decode a body; answers 422 and returns NULL when it is invalid. */
static char *
session_body(struct req *r, int mode)
{
	json_t	*errors = json_array(), *in;
	char	*text;

	in = session_decode(r->body != NULL ? r->body : json_null(), mode, errors);
	if (in == NULL) {
		api_reply_invalid(r, errors);
		return NULL;
	}
	json_decref(errors);
	text = api_json_text(in);
	json_decref(in);
	return text;
}

/* POST /api/v1/conferences/{slug}/sessions */
static void
session_create(struct req *r)
{
	const char	*params[3];
	char		*actor, *input;

	if ((input = session_body(r, SESSION_DECODE_CREATE)) == NULL)
		return;
	actor = api_actor_text(r);
	params[0] = actor;
	params[1] = req_param(r, "slug");
	params[2] = input;
	db_query(SESSION_CREATE_SQL, 3, params, session_reply_201, r);
	free(actor);
	free(input);
}

/* GET /api/v1/conferences/{slug}/sessions */
static void
session_list(struct req *r)
{
	const char	*params[5], *why;
	char		 limit[16], cursor[API_CURSOR_LEN], *actor, *filter;
	json_t		*f;

	if (api_page(r, limit, cursor) != 0)
		return;
	f = session_decode_filter(req_query(r, "from"), req_query(r, "to"),
	    req_query(r, "kind"), req_query(r, "room_id"),
	    req_query(r, "delegation"), &why);
	if (f == NULL) {
		http_reply_problem(r, 400, why, NULL);
		return;
	}
	filter = api_json_text(f);
	json_decref(f);
	actor = api_actor_text(r);
	params[0] = actor;
	params[1] = req_param(r, "slug");
	params[2] = filter;
	params[3] = limit;
	params[4] = cursor;
	db_query(SESSION_LIST_SQL, 5, params, api_reply_page, r);
	free(actor);
	free(filter);
}

/* GET /api/v1/sessions/{id} */
static void
session_get(struct req *r)
{
	const char	*params[2];
	char		 id[24], *actor;

	if (api_id_param(r, "session", id) != 0)
		return;
	actor = api_actor_text(r);
	params[0] = actor;
	params[1] = id;
	db_query(SESSION_GET_SQL, 2, params, session_reply_200, r);
	free(actor);
}

/* PATCH /api/v1/sessions/{id} */
static void
session_patch(struct req *r)
{
	const char	*params[4];
	char		 id[24], version[24], *actor, *input;

	if (api_id_param(r, "session", id) != 0 ||
	    session_version(r, version, &params[2]) != 0)
		return;
	if ((input = session_body(r, SESSION_DECODE_PATCH)) == NULL)
		return;
	actor = api_actor_text(r);
	params[0] = actor;
	params[1] = id;
	params[3] = input;
	db_query(SESSION_UPDATE_SQL, 4, params, session_reply_200, r);
	free(actor);
	free(input);
}

/* A cancel body: none, {}, or {"replace": bool}; -1 (422). */
static int
session_decode_cancel(struct req *r, int *replace)
{
	static const char *const known[] = { "replace", NULL };
	json_t	*errors = json_array();

	*replace = 0;
	if (r->body != NULL && valid_object(r->body, errors) == 0) {
		valid_known(r->body, known, errors);
		valid_bool(r->body, "replace", VALID_OPTIONAL, replace, errors);
	}
	if (json_array_size(errors) > 0) {
		api_reply_invalid(r, errors);
		return -1;
	}
	json_decref(errors);
	return 0;
}

/* POST /api/v1/sessions/{id}/cancel {replace?} */
static void
session_cancel(struct req *r)
{
	const char	*params[4];
	char		 id[24], version[24], *actor;
	int		 replace;

	if (api_id_param(r, "session", id) != 0 ||
	    session_version(r, version, &params[2]) != 0 ||
	    session_decode_cancel(r, &replace) != 0)
		return;
	actor = api_actor_text(r);
	params[0] = actor;
	params[1] = id;
	params[3] = replace ? "true" : "false";
	db_query(SESSION_CANCEL_SQL, 4, params, session_reply_200, r);
	free(actor);
}

/* GET /api/v1/conferences/{slug}/conflicts */
static void
session_conflicts(struct req *r)
{
	const char	*params[2];
	char		*actor = api_actor_text(r);

	params[0] = actor;
	params[1] = req_param(r, "slug");
	db_query(SESSION_CONFLICTS_SQL, 2, params, api_reply_row_200, r);
	free(actor);
}
