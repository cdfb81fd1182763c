/*
 * api-conference.c — conferences: create (admin), list and read (anyone),
 * change (the conference's secretariat, honouring If-Match).
 *
 * Bodies are decoded by decode_conference (decode-core.c); the work,
 * permission checks and audit rows are done by the kaigi_conference_*
 * functions of sql/010_api_core.sql in one statement each.
 */
#include <event2/http.h>

#include "api.h"
#include "decode-core.h"
#include "route.h"
#include "util.h"

static void conference_create(struct req *);
static void conference_list(struct req *);
static void conference_get(struct req *);
static void conference_patch(struct req *);

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

static const char CONFERENCE_CREATE_SQL[] =
    "SELECT j::text, j->>'version'"
    "  FROM kaigi_conference_create($1::jsonb, $2::jsonb) AS j";
static const char CONFERENCE_LIST_SQL[] =
    "SELECT l->'items', l->>'next' FROM kaigi_conference_list($1::int, $2::bigint) AS l";
static const char CONFERENCE_GET_SQL[] =
    "SELECT j::text, j->>'version' FROM kaigi_conference_get($1) AS j";
static const char CONFERENCE_PATCH_SQL[] =
    "SELECT j::text, j->>'version'"
    "  FROM kaigi_conference_patch($1::jsonb, $3, $2::jsonb, $4) AS j";

/* decode_conference for a new conference. */
static json_t *
conference_decode_create(const json_t *body, json_t *errors)
{
	return decode_conference(body, DECODE_CREATE, errors);
}

/* decode_conference for a change. */
static json_t *
conference_decode_patch(const json_t *body, json_t *errors)
{
	return decode_conference(body, DECODE_PATCH, errors);
}

/* POST /api/v1/conferences */
static void
conference_create(struct req *r)
{
	api_write(r, conference_decode_create, CONFERENCE_CREATE_SQL,
	    api_reply_row_etag_201, 0, NULL);
}

/* GET /api/v1/conferences */
static void
conference_list(struct req *r)
{
	char		 limit[16], cursor[API_CURSOR_LEN];
	const char	*params[2] = { limit, cursor };

	if (api_page(r, limit, cursor) != 0)
		return;
	db_query(CONFERENCE_LIST_SQL, 2, params, api_reply_page, r);
}

/* GET /api/v1/conferences/{slug} */
static void
conference_get(struct req *r)
{
	const char	*params[1] = { req_param(r, "slug") };

	db_query(CONFERENCE_GET_SQL, 1, params, api_reply_row_etag_200, r);
}

/* PATCH /api/v1/conferences/{slug} */
static void
conference_patch(struct req *r)
{
	char		 version[24];
	const char	*rest[2];

	rest[0] = req_param(r, "slug");
	rest[1] = api_if_match(r, version);
	api_write(r, conference_decode_patch, CONFERENCE_PATCH_SQL,
	    api_reply_row_etag_200, 2, rest);
}
