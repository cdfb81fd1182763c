/*
 * api-venue.c — venues, rooms and the travel-time matrix of a conference:
 * created by its secretariat, read by anyone.
 *
 * Bodies are decoded by decode-core.c; each request is one call of a
 * kaigi_venue_* / kaigi_room_* / kaigi_travel_times_* function of
 * sql/010_api_core.sql, which checks the caller, writes, audits and answers.
 *
 * Editing (issue 15, sql/070_setup.sql, bodies by decode-setup.c): GET,
 * PATCH (If-Match) and DELETE /venues/{id} and /rooms/{id}; PATCH
 * .../travel-times sets some pairs and keeps the rest; DELETE
 * .../travel-times/{from}/{to} removes both directions. A venue with rooms
 * or travel times, or a room any session uses, is not deleted: 409 with
 * "references". Names are unique (any case) per conference for venues and
 * per venue for rooms: 409 with "existing_id".
 */
#include <event2/http.h>

#include "api.h"
#include "decode-core.h"
#include "decode-interp.h"
#include "decode-setup.h"
#include "route.h"
#include "util.h"

static void venue_create(struct req *);
static void venue_list(struct req *);
static void room_create(struct req *);
static void room_list(struct req *);
static void travel_put(struct req *);
static void travel_get(struct req *);
static void venue_get(struct req *);
static void venue_patch(struct req *);
static void venue_delete(struct req *);
static void room_get(struct req *);
static void room_patch(struct req *);
static void room_delete(struct req *);
static void travel_patch(struct req *);
static void travel_delete(struct req *);

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

const struct route route_venue_get = {
	.method = EVHTTP_REQ_GET, .path = "/api/v1/venues/{id}",
	.handle = venue_get,
};
const struct route route_venue_patch = {
	.method = EVHTTP_REQ_PATCH, .path = "/api/v1/venues/{id}",
	.role = ROLE_SECRETARIAT, .handle = venue_patch,
};
const struct route route_venue_delete = {
	.method = EVHTTP_REQ_DELETE, .path = "/api/v1/venues/{id}",
	.role = ROLE_SECRETARIAT, .handle = venue_delete,
};
const struct route route_room_get = {
	.method = EVHTTP_REQ_GET, .path = "/api/v1/rooms/{id}",
	.handle = room_get,
};
const struct route route_room_patch = {
	.method = EVHTTP_REQ_PATCH, .path = "/api/v1/rooms/{id}",
	.role = ROLE_SECRETARIAT, .handle = room_patch,
};
const struct route route_room_delete = {
	.method = EVHTTP_REQ_DELETE, .path = "/api/v1/rooms/{id}",
	.role = ROLE_SECRETARIAT, .handle = room_delete,
};
const struct route route_travel_patch = {
	.method = EVHTTP_REQ_PATCH, .path = "/api/v1/conferences/{slug}/travel-times",
	.role = ROLE_SECRETARIAT, .handle = travel_patch,
};
const struct route route_travel_delete = {
	.method = EVHTTP_REQ_DELETE,
	.path = "/api/v1/conferences/{slug}/travel-times/{from}/{to}",
	.role = ROLE_SECRETARIAT, .handle = travel_delete,
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
    "SELECT j::text, j->>'version'"
    "  FROM kaigi_travel_times_put($1::jsonb, $3, $2::jsonb) AS j";
static const char TRAVEL_GET_SQL[] =
    "SELECT j::text, j->>'version' FROM kaigi_travel_times_get($1) AS j";
static const char VENUE_GET_SQL[] =
    "SELECT j::text, j->>'version' FROM kaigi_venue_get($1) AS j";
static const char VENUE_PATCH_SQL[] =
    "SELECT j::text, j->>'version'"
    "  FROM kaigi_venue_patch($1::jsonb, $3, $2::jsonb, $4) AS j";
static const char VENUE_DELETE_SQL[] =
    "SELECT kaigi_venue_delete($1::jsonb, $2, $3)";
static const char ROOM_GET_SQL[] =
    "SELECT j::text, j->>'version' FROM kaigi_room_get($1) AS j";
static const char ROOM_PATCH_SQL[] =
    "SELECT j::text, j->>'version'"
    "  FROM kaigi_room_patch($1::jsonb, $3, $2::jsonb, $4) AS j";
static const char ROOM_DELETE_SQL[] =
    "SELECT kaigi_room_delete($1::jsonb, $2, $3)";
static const char TRAVEL_PATCH_SQL[] =
    "SELECT j::text, j->>'version'"
    "  FROM kaigi_travel_times_patch($1::jsonb, $3, $2::jsonb, $4) AS j";
static const char TRAVEL_DELETE_SQL[] =
    "SELECT kaigi_travel_time_delete($1::jsonb, $2, $3, $4, $5)";

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

	api_write(r, decode_room_interp, ROOM_CREATE_SQL,
	    api_reply_row_etag_201, 1, rest);
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

	api_write(r, decode_travel_times, TRAVEL_PUT_SQL,
	    api_reply_row_etag_200, 1, rest);
}

/* GET /api/v1/conferences/{slug}/travel-times */
static void
travel_get(struct req *r)
{
	const char	*params[1] = { req_param(r, "slug") };

	db_query(TRAVEL_GET_SQL, 1, params, api_reply_row_etag_200, r);
}

/* GET /api/v1/venues/{id} */
static void
venue_get(struct req *r)
{
	api_get_by_id(r, "venue", VENUE_GET_SQL);
}

/* PATCH /api/v1/venues/{id} */
static void
venue_patch(struct req *r)
{
	api_patch_by_id(r, "venue", decode_venue_patch, VENUE_PATCH_SQL);
}

/* DELETE /api/v1/venues/{id} */
static void
venue_delete(struct req *r)
{
	api_delete_by_id(r, "venue", VENUE_DELETE_SQL);
}

/* GET /api/v1/rooms/{id} */
static void
room_get(struct req *r)
{
	api_get_by_id(r, "room", ROOM_GET_SQL);
}

/* PATCH /api/v1/rooms/{id} */
static void
room_patch(struct req *r)
{
	api_patch_by_id(r, "room", decode_room_patch_interp, ROOM_PATCH_SQL);
}

/* DELETE /api/v1/rooms/{id} */
static void
room_delete(struct req *r)
{
	api_delete_by_id(r, "room", ROOM_DELETE_SQL);
}

/* PATCH /api/v1/conferences/{slug}/travel-times */
static void
travel_patch(struct req *r)
{
	char		 version[24];
	const char	*rest[2] = { req_param(r, "slug"),
	    api_if_match(r, version) };

	api_write(r, decode_travel_times, TRAVEL_PATCH_SQL,
	    api_reply_row_etag_200, 2, rest);
}

/* DELETE /api/v1/conferences/{slug}/travel-times/{from}/{to} */
static void
travel_delete(struct req *r)
{
	char		 version[24];
	const char	*rest[4] = { req_param(r, "slug"), req_param(r, "from"),
	    req_param(r, "to"), api_if_match(r, version) };
	long long	 id;

	if (parse_id(rest[1], &id) != 0 || parse_id(rest[2], &id) != 0) {
		http_reply_problem(r, 404, "no such travel time", NULL);
		return;
	}
	api_call(r, TRAVEL_DELETE_SQL, api_reply_204, NULL, 4, rest);
}
