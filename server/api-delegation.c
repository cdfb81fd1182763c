/*
 * api-delegation.c — delegations (secretariat creates, anyone reads),
 * participants (secretariat creates; secretariat lists all, a liaison its
 * own delegation's) and participants' unavailability (secretariat or the
 * participant's own liaison; a block that overlaps something the person is
 * already busy with is 409 with "conflicts").
 *
 * Bodies are decoded by decode-core.c; each request is one call of a
 * kaigi_delegation_* / kaigi_participant_* / kaigi_unavailability_* function
 * of sql/010_api_core.sql.
 */
#include <event2/http.h>

#include "api.h"
#include "decode-core.h"
#include "route.h"
#include "util.h"

static void delegation_create(struct req *);
static void delegation_list(struct req *);
static void participant_create(struct req *);
static void participant_list(struct req *);
static void unavailability_create(struct req *);
static void unavailability_list(struct req *);

const struct route route_delegation_create = {
	.method = EVHTTP_REQ_POST, .path = "/api/v1/conferences/{slug}/delegations",
	.role = ROLE_SECRETARIAT, .handle = delegation_create,
};
const struct route route_delegation_list = {
	.method = EVHTTP_REQ_GET, .path = "/api/v1/conferences/{slug}/delegations",
	.handle = delegation_list,
};
const struct route route_participant_create = {
	.method = EVHTTP_REQ_POST, .path = "/api/v1/conferences/{slug}/participants",
	.role = ROLE_SECRETARIAT, .handle = participant_create,
};
const struct route route_participant_list = {
	.method = EVHTTP_REQ_GET, .path = "/api/v1/conferences/{slug}/participants",
	.role = ROLE_LIAISON, .handle = participant_list,
};
const struct route route_unavailability_create = {
	.method = EVHTTP_REQ_POST, .path = "/api/v1/participants/{id}/unavailability",
	.role = ROLE_LIAISON, .handle = unavailability_create,
};
const struct route route_unavailability_list = {
	.method = EVHTTP_REQ_GET, .path = "/api/v1/participants/{id}/unavailability",
	.role = ROLE_LIAISON, .handle = unavailability_list,
};

static const char DELEGATION_CREATE_SQL[] =
    "SELECT j::text, j->>'version'"
    "  FROM kaigi_delegation_create($1::jsonb, $3, $2::jsonb) AS j";
static const char DELEGATION_LIST_SQL[] =
    "SELECT kaigi_delegation_list($1, $2::int, $3::bigint)::text";
static const char PARTICIPANT_CREATE_SQL[] =
    "SELECT j::text, j->>'version'"
    "  FROM kaigi_participant_create($1::jsonb, $3, $2::jsonb) AS j";
static const char PARTICIPANT_LIST_SQL[] =
    "SELECT kaigi_participant_list($1::jsonb, $2, $3::int, $4::bigint, $5)::text";
static const char UNAVAILABILITY_CREATE_SQL[] =
    "SELECT j::text, j->>'version'"
    "  FROM kaigi_unavailability_create($1::jsonb, $3, $2::jsonb) AS j";
static const char UNAVAILABILITY_LIST_SQL[] =
    "SELECT kaigi_unavailability_list($1::jsonb, $2, $3::int, $4::bigint)::text";

/* POST /api/v1/conferences/{slug}/delegations */
static void
delegation_create(struct req *r)
{
	const char	*rest[1] = { req_param(r, "slug") };

	api_write(r, decode_delegation, DELEGATION_CREATE_SQL,
	    api_reply_row_etag_201, 1, rest);
}

/* GET /api/v1/conferences/{slug}/delegations */
static void
delegation_list(struct req *r)
{
	char		 limit[16], cursor[24];
	const char	*params[3] = { req_param(r, "slug"), limit, cursor };

	if (api_page(r, limit, cursor) != 0)
		return;
	db_query(DELEGATION_LIST_SQL, 3, params, api_reply_row_200, r);
}

/* POST /api/v1/conferences/{slug}/participants */
static void
participant_create(struct req *r)
{
	const char	*rest[1] = { req_param(r, "slug") };

	api_write(r, decode_participant, PARTICIPANT_CREATE_SQL,
	    api_reply_row_etag_201, 1, rest);
}

/* GET /api/v1/conferences/{slug}/participants[?delegation=code] */
static void
participant_list(struct req *r)
{
	char		 limit[16], cursor[24];
	const char	*rest[4] = { req_param(r, "slug"), limit, cursor,
	    req_query(r, "delegation") };

	if (api_page(r, limit, cursor) != 0)
		return;
	api_call(r, PARTICIPANT_LIST_SQL, api_reply_row_200, NULL, 4, rest);
}

/* The {id} capture as a participant id; answers 404 itself when it is not one. */
static int
participant_id(struct req *r)
{
	long long	id;

	if (parse_id(req_param(r, "id"), &id) != 0) {
		http_reply_problem(r, 404, "no such participant", NULL);
		return -1;
	}
	return 0;
}

/* POST /api/v1/participants/{id}/unavailability */
static void
unavailability_create(struct req *r)
{
	const char	*rest[1] = { req_param(r, "id") };

	if (participant_id(r) != 0)
		return;
	api_write(r, decode_unavailability, UNAVAILABILITY_CREATE_SQL,
	    api_reply_row_etag_201, 1, rest);
}

/* GET /api/v1/participants/{id}/unavailability */
static void
unavailability_list(struct req *r)
{
	char		 limit[16], cursor[24];
	const char	*rest[3] = { req_param(r, "id"), limit, cursor };

	if (participant_id(r) != 0 || api_page(r, limit, cursor) != 0)
		return;
	api_call(r, UNAVAILABILITY_LIST_SQL, api_reply_row_200, NULL, 3, rest);
}
