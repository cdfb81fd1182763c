/*
 * api-venue.c — venues, rooms and the travel-time matrix of a conference:
 * created by its secretariat, read by anyone.
 *
 * Bodies are decoded by decode-core.c; each request is one call of a
 * kaigi_venue_* / kaigi_room_* / kaigi_travel_times_* function of
 * sql/010_api_core.sql, which checks the caller, writes, audits and answers.
 */
#include <event2/http.h>

#include "api.h"
#include "decode-core.h"
#include "route.h"
#include "util.h"

static void venue_create(struct req *);
static void venue_list(struct req *);
static void room_create(struct req *);
static void room_list(struct req *);
static void travel_put(struct req *);
static void travel_get(struct req *);

const struct route route_venue_create = {
	.method = EVHTTP_REQ_POST, .path = "/api/v1/conferences/{slug}/venues",
	.role = ROLE_SECRETARIAT, .handle = venue_create,
};
const struct route route_venue_list = {
	.method = EVHTTP_REQ_GET, .path = "/api/v1/conferences/{slug}/venues",
	.handle = venue_list,
};
const struct route route_room_create = {
	.method = EVHTTP_REQ_POST, .path = "/api/v1/conferences/{slug}/rooms",
	.role = ROLE_SECRETARIAT, .handle = room_create,
};
const struct route route_room_list = {
	.method = EVHTTP_REQ_GET, .path = "/api/v1/conferences/{slug}/rooms",
	.handle = room_list,
};
const struct route route_travel_put = {
	.method = EVHTTP_REQ_PUT, .path = "/api/v1/conferences/{slug}/travel-times",
	.role = ROLE_SECRETARIAT, .handle = travel_put,
};
const struct route route_travel_get = {
	.method = EVHTTP_REQ_GET, .path = "/api/v1/conferences/{slug}/travel-times",
	.handle = travel_get,
};

static const char VENUE_CREATE_SQL[] =
    "SELECT j::text, j->>'version'"
    "  FROM kaigi_venue_create($1::jsonb, $3, $2::jsonb) AS j";
static const char VENUE_LIST_SQL[] =
    "SELECT l->'items', l->>'next' FROM kaigi_venue_list($1, $2::int, $3::bigint) AS l";
static const char ROOM_CREATE_SQL[] =
    "SELECT j::text, j->>'version'"
    "  FROM kaigi_room_create($1::jsonb, $3, $2::jsonb) AS j";
static const char ROOM_LIST_SQL[] =
    "SELECT l->'items', l->>'next'"
    " FROM kaigi_room_list($1, $2::int, $3::bigint, $4::bigint) AS l";
static const char TRAVEL_PUT_SQL[] =
    "SELECT kaigi_travel_times_put($1::jsonb, $3, $2::jsonb)::text";
static const char TRAVEL_GET_SQL[] =
    "SELECT kaigi_travel_times_get($1)::text";

/* POST /api/v1/conferences/{slug}/venues */
static void
venue_create(struct req *r)
{
	const char	*rest[1] = { req_param(r, "slug") };

	api_write(r, decode_venue, VENUE_CREATE_SQL, api_reply_row_etag_201,
	    1, rest);
}

/* GET /api/v1/conferences/{slug}/venues */
static void
venue_list(struct req *r)
{
	char		 limit[16], cursor[API_CURSOR_LEN];
	const char	*params[3] = { req_param(r, "slug"), limit, cursor };

	if (api_page(r, limit, cursor) != 0)
		return;
	db_query(VENUE_LIST_SQL, 3, params, api_reply_page, r);
}

/* POST /api/v1/conferences/{slug}/rooms */
static void
room_create(struct req *r)
{
	const char	*rest[1] = { req_param(r, "slug") };

	api_write(r, decode_room, ROOM_CREATE_SQL, api_reply_row_etag_201,
	    1, rest);
}

/* GET /api/v1/conferences/{slug}/rooms[?venue_id=] */
static void
room_list(struct req *r)
{
	char		 limit[16], cursor[API_CURSOR_LEN];
	const char	*venue = req_query(r, "venue_id");
	const char	*params[4] = { req_param(r, "slug"), limit, cursor, NULL };
	long long	 id;

	if (api_page(r, limit, cursor) != 0)
		return;
	if (venue != NULL) {
		if (parse_id(venue, &id) != 0) {
			http_reply_problem(r, 400, "venue_id must be a positive id", NULL);
			return;
		}
		params[3] = venue;
	}
	db_query(ROOM_LIST_SQL, 4, params, api_reply_page, r);
}

/* PUT /api/v1/conferences/{slug}/travel-times */
static void
travel_put(struct req *r)
{
	const char	*rest[1] = { req_param(r, "slug") };

	api_write(r, decode_travel_times, TRAVEL_PUT_SQL, api_reply_row_200,
	    1, rest);
}

/* GET /api/v1/conferences/{slug}/travel-times */
static void
travel_get(struct req *r)
{
	const char	*params[1] = { req_param(r, "slug") };

	db_query(TRAVEL_GET_SQL, 1, params, api_reply_row_200, r);
}
