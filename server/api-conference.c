/*
 * api-conference.c — conferences: create (admin), list and read (anyone),
 * change (the conference's secretariat, honouring If-Match).
 *
 * Bodies are decoded by decode_conference (decode-core.c); the work,
 * permission checks and audit rows are done by the kaigi_conference_*
 * functions of sql/010_api_core.sql in one statement each.
 *
 * Archiving (issue 15, sql/070_setup.sql): POST .../archive and
 * .../unarchive (secretariat, If-Match honoured) take a conference out of
 * GET /conferences and the web page's picker and put it back; its data,
 * GET /conferences/{slug} and its feeds stay. GET /conferences?archived=true
 * lists the archived ones.
 */
#include <string.h>

#include <event2/http.h>

#include "api.h"
#include "decode-core.h"
#include "decode-interp.h"
#include "route.h"
#include "util.h"

static void conference_create(struct req *);
static void conference_list(struct req *);
static void conference_get(struct req *);
static void conference_patch(struct req *);
static void conference_archive(struct req *);
static void conference_unarchive(struct req *);

const struct route route_conference_create = {
	.method = EVHTTP_REQ_POST, .path = "/api/v1/conferences",
	.role = ROLE_ADMIN, .handle = conference_create,
};
const struct route route_conference_list = {
	.method = EVHTTP_REQ_GET, .path = "/api/v1/conferences",
	.handle = conference_list,
};
const struct route route_conference_get = {
	.method = EVHTTP_REQ_GET, .path = "/api/v1/conferences/{slug}",
	.handle = conference_get,
};
const struct route route_conference_patch = {
	.method = EVHTTP_REQ_PATCH, .path = "/api/v1/conferences/{slug}",
	.role = ROLE_SECRETARIAT, .handle = conference_patch,
};

const struct route route_conference_archive = {
	.method = EVHTTP_REQ_POST, .path = "/api/v1/conferences/{slug}/archive",
	.role = ROLE_SECRETARIAT, .handle = conference_archive,
};
const struct route route_conference_unarchive = {
	.method = EVHTTP_REQ_POST, .path = "/api/v1/conferences/{slug}/unarchive",
	.role = ROLE_SECRETARIAT, .handle = conference_unarchive,
};

static const char CONFERENCE_CREATE_SQL[] =
    "SELECT j::text, j->>'version'"
    "  FROM kaigi_conference_create($1::jsonb, $2::jsonb) AS j";
static const char CONFERENCE_LIST_SQL[] =
    "SELECT l->'items', l->>'next'"
    "  FROM kaigi_conference_list($1::int, $2::bigint, $3::boolean) AS l";
static const char CONFERENCE_GET_SQL[] =
    "SELECT j::text, j->>'version' FROM kaigi_conference_get($1) AS j";
static const char CONFERENCE_PATCH_SQL[] =
    "SELECT j::text, j->>'version'"
    "  FROM kaigi_conference_patch_shift($1::jsonb, $3, $2::jsonb, $4, $5) AS j";
static const char CONFERENCE_ARCHIVE_SQL[] =
    "SELECT j::text, j->>'version'"
    "  FROM kaigi_conference_archive($1::jsonb, $2, $3::boolean, $4) AS j";

/* decode_conference for a new conference. */
static json_t *
conference_decode_create(const json_t *body, json_t *errors)
{
	return decode_conference_interp(body, DECODE_CREATE, errors);
}

/* decode_conference for a change. */
static json_t *
conference_decode_patch(const json_t *body, json_t *errors)
{
	return decode_conference_interp(body, DECODE_PATCH, errors);
}

/* POST /api/v1/conferences */
static void
conference_create(struct req *r)
{
	api_write(r, conference_decode_create, CONFERENCE_CREATE_SQL,
	    api_reply_row_etag_201, 0, NULL);
}

/* GET /api/v1/conferences[?archived=true|false] */
static void
conference_list(struct req *r)
{
	char		 limit[16], cursor[API_CURSOR_LEN];
	const char	*archived = req_query(r, "archived");
	const char	*params[3] = { limit, cursor, "false" };

	if (api_page(r, limit, cursor) != 0)
		return;
	if (archived != NULL && strcmp(archived, "true") != 0 &&
	    strcmp(archived, "false") != 0) {
		http_reply_problem(r, 400, "archived must be true or false", NULL);
		return;
	}
	if (archived != NULL)
		params[2] = archived;
	db_query(CONFERENCE_LIST_SQL, 3, params, api_reply_page, r);
}

/* GET /api/v1/conferences/{slug} */
static void
conference_get(struct req *r)
{
	const char	*params[1] = { req_param(r, "slug") };

	db_query(CONFERENCE_GET_SQL, 1, params, api_reply_row_etag_200, r);
}

/*
 * PATCH /api/v1/conferences/{slug}[?shift=keep_wall_clock|keep_instants]:
 * shift says what a new timezone does to the sessions (sql/110); without
 * it a new timezone while sessions exist is 409.
 */
static void
conference_patch(struct req *r)
{
	char		 version[24];
	const char	*rest[3], *shift = req_query(r, "shift");

	if (shift != NULL && strcmp(shift, "keep_wall_clock") != 0 &&
	    strcmp(shift, "keep_instants") != 0) {
		http_reply_problem(r, 400,
		    "shift must be keep_wall_clock or keep_instants",
		    json_pack("{s:[s,s]}", "choices", "keep_wall_clock",
		    "keep_instants"));
		return;
	}
	rest[0] = req_param(r, "slug");
	rest[1] = api_if_match(r, version);
	rest[2] = shift;
	api_write(r, conference_decode_patch, CONFERENCE_PATCH_SQL,
	    api_reply_row_etag_200, 3, rest);
}

/* Archive (1) or bring back (0) the {slug} conference. */
static void
conference_set_archived(struct req *r, int archive)
{
	char		 version[24];
	const char	*rest[3] = { req_param(r, "slug"),
	    archive ? "true" : "false", api_if_match(r, version) };

	if (r->body != NULL && !(json_is_object(r->body) &&
	    json_object_size(r->body) == 0)) {
		http_reply_problem(r, 422, "archive and unarchive take no fields",
		    json_pack("{s:[{s:s, s:s}]}", "errors", "field", "",
		    "message", "must be empty"));
		return;
	}
	api_call(r, CONFERENCE_ARCHIVE_SQL, api_reply_row_etag_200, NULL, 3,
	    rest);
}

/* POST /api/v1/conferences/{slug}/archive */
static void
conference_archive(struct req *r)
{
	conference_set_archived(r, 1);
}

/* POST /api/v1/conferences/{slug}/unarchive */
static void
conference_unarchive(struct req *r)
{
	conference_set_archived(r, 0);
}
