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
 *
 * Beyond API.md's table, in the same style: GET /participants/{id}
 * (secretariat, own liaison), PATCH /participants/{id} (with If-Match) and
 * DELETE /participants/{id}/unavailability/{uid} (secretariat, own liaison)
 * → 204.
 *
 * Editing (issue 15, sql/070_setup.sql, bodies by decode-setup.c): GET,
 * PATCH and DELETE /delegations/{id} (secretariat); DELETE
 * /participants/{id} and PATCH /participants/{id}/unavailability/{uid}
 * (secretariat, own liaison), all with If-Match. A delegation or
 * participant something still refers to is not deleted: 409 with
 * "references". Codes, e-mails (any case) and refs are unique within a
 * conference: 409 with "existing_id".
 */
#include <event2/http.h>

#include "api.h"
#include "decode-core.h"
#include "decode-interp.h"
#include "decode-setup.h"
#include "route.h"
#include "util.h"

static void delegation_create(struct req *);
static void delegation_list(struct req *);
static void participant_create(struct req *);
static void participant_list(struct req *);
static void unavailability_create(struct req *);
static void unavailability_list(struct req *);
static void participant_get(struct req *);
static void participant_patch(struct req *);
static void unavailability_delete(struct req *);
static void delegation_get(struct req *);
static void delegation_patch(struct req *);
static void delegation_delete(struct req *);
static void participant_delete(struct req *);
static void unavailability_patch(struct req *);

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

const struct route route_participant_get = {
	.method = EVHTTP_REQ_GET, .path = "/api/v1/participants/{id}",
	.role = ROLE_LIAISON, .handle = participant_get,
};
const struct route route_participant_patch = {
	.method = EVHTTP_REQ_PATCH, .path = "/api/v1/participants/{id}",
	.role = ROLE_LIAISON, .handle = participant_patch,
};
const struct route route_unavailability_delete = {
	.method = EVHTTP_REQ_DELETE,
	.path = "/api/v1/participants/{id}/unavailability/{uid}",
	.role = ROLE_LIAISON, .handle = unavailability_delete,
};

const struct route route_delegation_get = {
	.method = EVHTTP_REQ_GET, .path = "/api/v1/delegations/{id}",
	.handle = delegation_get,
};
const struct route route_delegation_patch = {
	.method = EVHTTP_REQ_PATCH, .path = "/api/v1/delegations/{id}",
	.role = ROLE_SECRETARIAT, .handle = delegation_patch,
};
const struct route route_delegation_delete = {
	.method = EVHTTP_REQ_DELETE, .path = "/api/v1/delegations/{id}",
	.role = ROLE_SECRETARIAT, .handle = delegation_delete,
};
const struct route route_participant_delete = {
	.method = EVHTTP_REQ_DELETE, .path = "/api/v1/participants/{id}",
	.role = ROLE_LIAISON, .handle = participant_delete,
};
const struct route route_unavailability_patch = {
	.method = EVHTTP_REQ_PATCH,
	.path = "/api/v1/participants/{id}/unavailability/{uid}",
	.role = ROLE_LIAISON, .handle = unavailability_patch,
};

static const char DELEGATION_CREATE_SQL[] =
    "SELECT j::text, j->>'version'"
    "  FROM kaigi_delegation_create($1::jsonb, $3, $2::jsonb) AS j";
static const char DELEGATION_LIST_SQL[] =
    "SELECT l->'items', l->>'next' FROM kaigi_delegation_page($1, $2::int, $3) AS l";
static const char PARTICIPANT_CREATE_SQL[] =
    "SELECT j::text, j->>'version'"
    "  FROM kaigi_participant_create($1::jsonb, $3, $2::jsonb) AS j";
static const char PARTICIPANT_LIST_SQL[] =
    "SELECT l->'items', l->>'next'"
    " FROM kaigi_participant_list($1::jsonb, $2, $3::int, $4::bigint, $5) AS l";
static const char UNAVAILABILITY_CREATE_SQL[] =
    "SELECT j::text, j->>'version'"
    "  FROM kaigi_unavailability_create($1::jsonb, $3, $2::jsonb) AS j";
static const char UNAVAILABILITY_LIST_SQL[] =
    "SELECT l->'items', l->>'next'"
    " FROM kaigi_unavailability_list($1::jsonb, $2, $3::int, $4::bigint) AS l";

static const char PARTICIPANT_GET_SQL[] =
    "SELECT j::text, j->>'version' FROM kaigi_participant_get($1::jsonb, $2) AS j";
static const char PARTICIPANT_PATCH_SQL[] =
    "SELECT j::text, j->>'version'"
    "  FROM kaigi_participant_patch($1::jsonb, $3, $2::jsonb, $4) AS j";
static const char UNAVAILABILITY_DELETE_SQL[] =
    "SELECT kaigi_unavailability_delete($1::jsonb, $2, $3)";
static const char DELEGATION_GET_SQL[] =
    "SELECT j::text, j->>'version' FROM kaigi_delegation_get($1) AS j";
static const char DELEGATION_PATCH_SQL[] =
    "SELECT j::text, j->>'version'"
    "  FROM kaigi_delegation_patch($1::jsonb, $3, $2::jsonb, $4) AS j";
static const char DELEGATION_DELETE_SQL[] =
    "SELECT kaigi_delegation_delete($1::jsonb, $2, $3)";
static const char PARTICIPANT_DELETE_SQL[] =
    "SELECT kaigi_participant_delete($1::jsonb, $2, $3)";
static const char UNAVAILABILITY_PATCH_SQL[] =
    "SELECT j::text, j->>'version'"
    "  FROM kaigi_unavailability_patch($1::jsonb, $3, $4, $2::jsonb, $5) AS j";

/* POST /api/v1/conferences/{slug}/delegations */
static void
delegation_create(struct req *r)
{
	const char	*rest[1] = { req_param(r, "slug") };

	api_write(r, decode_delegation_with_ref, DELEGATION_CREATE_SQL,
	    api_reply_row_etag_201, 1, rest);
}

/* GET /api/v1/conferences/{slug}/delegations, in protocol order (the
 * cursor a position "rank:id", sql/190_protocol_order.sql) */
static void
delegation_list(struct req *r)
{
	char		 limit[16], cursor[API_CURSOR_LEN];
	const char	*params[3] = { req_param(r, "slug"), limit, cursor };

	if (api_page(r, limit, cursor) != 0)
		return;
	db_query(DELEGATION_LIST_SQL, 3, params, api_reply_page, r);
}

/* POST /api/v1/conferences/{slug}/participants */
static void
participant_create(struct req *r)
{
	const char	*rest[1] = { req_param(r, "slug") };

	api_write(r, decode_participant_interp, PARTICIPANT_CREATE_SQL,
	    api_reply_row_etag_201, 1, rest);
}

/* GET /api/v1/conferences/{slug}/participants[?delegation=code] */
static void
participant_list(struct req *r)
{
	char		 limit[16], cursor[API_CURSOR_LEN];
	const char	*rest[4] = { req_param(r, "slug"), limit, cursor,
	    req_query(r, "delegation") };

	if (api_page(r, limit, cursor) != 0)
		return;
	api_call(r, PARTICIPANT_LIST_SQL, api_reply_page, NULL, 4, rest);
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

/* POST /api/v1/participants/{id}/unavailability; with "repair" the
 * secretariat's repair (the bilaterals in the way re-placed first) */
static void
unavailability_create(struct req *r)
{
	const char	*rest[1] = { req_param(r, "id") };
	json_t		*repair = json_object_get(r->body, "repair");

	if (participant_id(r) != 0)
		return;
	if (json_is_object(r->body) && !json_is_false(repair) && (repair != NULL ||
	    json_object_get(r->body, "dry_run") != NULL)) {
		unavailability_repair(r);	/* api-session-move.c */
		return;
	}
	if (json_is_false(repair))
		json_object_del(r->body, "repair");
	api_write(r, decode_unavailability, UNAVAILABILITY_CREATE_SQL,
	    api_reply_row_etag_201, 1, rest);
}

/* GET /api/v1/participants/{id}/unavailability */
static void
unavailability_list(struct req *r)
{
	char		 limit[16], cursor[API_CURSOR_LEN];
	const char	*rest[3] = { req_param(r, "id"), limit, cursor };

	if (participant_id(r) != 0 || api_page(r, limit, cursor) != 0)
		return;
	api_call(r, UNAVAILABILITY_LIST_SQL, api_reply_page, NULL, 3, rest);
}

/* GET /api/v1/participants/{id} */
static void
participant_get(struct req *r)
{
	const char	*rest[1] = { req_param(r, "id") };

	if (participant_id(r) != 0)
		return;
	api_call(r, PARTICIPANT_GET_SQL, api_reply_row_etag_200, NULL, 1, rest);
}

/* PATCH /api/v1/participants/{id} */
static void
participant_patch(struct req *r)
{
	char		 version[24];
	const char	*rest[2];

	if (participant_id(r) != 0)
		return;
	rest[0] = req_param(r, "id");
	rest[1] = api_if_match(r, version);
	api_write(r, decode_participant_patch_interp, PARTICIPANT_PATCH_SQL,
	    api_reply_row_etag_200, 2, rest);
}

/* DELETE /api/v1/participants/{id}/unavailability/{uid} */
static void
unavailability_delete(struct req *r)
{
	const char	*rest[2] = { req_param(r, "id"), req_param(r, "uid") };
	long long	 uid;

	if (participant_id(r) != 0)
		return;
	if (parse_id(rest[1], &uid) != 0) {
		http_reply_problem(r, 404, "no such unavailability", NULL);
		return;
	}
	api_call(r, UNAVAILABILITY_DELETE_SQL, api_reply_204, NULL, 2, rest);
}

/* GET /api/v1/delegations/{id} */
static void
delegation_get(struct req *r)
{
	api_get_by_id(r, "delegation", DELEGATION_GET_SQL);
}

/* PATCH /api/v1/delegations/{id} */
static void
delegation_patch(struct req *r)
{
	api_patch_by_id(r, "delegation", decode_delegation_patch,
	    DELEGATION_PATCH_SQL);
}

/* DELETE /api/v1/delegations/{id} */
static void
delegation_delete(struct req *r)
{
	api_delete_by_id(r, "delegation", DELEGATION_DELETE_SQL);
}

/* DELETE /api/v1/participants/{id} */
static void
participant_delete(struct req *r)
{
	api_delete_by_id(r, "participant", PARTICIPANT_DELETE_SQL);
}

/* PATCH /api/v1/participants/{id}/unavailability/{uid} */
static void
unavailability_patch(struct req *r)
{
	char		 version[24];
	const char	*rest[3] = { req_param(r, "id"), req_param(r, "uid"),
	    NULL };
	long long	 uid;

	if (participant_id(r) != 0)
		return;
	if (parse_id(rest[1], &uid) != 0) {
		http_reply_problem(r, 404, "no such unavailability", NULL);
		return;
	}
	rest[2] = api_if_match(r, version);
	api_write(r, decode_unavailability_patch, UNAVAILABILITY_PATCH_SQL,
	    api_reply_row_etag_200, 3, rest);
}
