/*
 * api-registration.c — side-event registration (issue 17 item 6), for the
 * conference's secretariat and the liaison of the registrant's delegation:
 *
 * POST   /api/v1/sessions/{id}/registrations {participant_id}  201
 * GET    /api/v1/sessions/{id}/registrations[?status=]        200 {items, next}
 * DELETE /api/v1/registrations/{id}                           204
 *
 * A registration is confirmed while the session has a free seat (its
 * capacity, else its room's) and waiting beyond, with its position; a
 * cancelled confirmed one promotes the first waiting ones in the same
 * transaction. The rules, the locking and who sees what are in
 * sql/180_registrations.sql; this file checks the body and the query.
 */
#include <string.h>

#include <event2/http.h>

#include "api.h"
#include "route.h"
#include "util.h"
#include "valid.h"

static void registration_create(struct req *);
static void registration_list(struct req *);
static void registration_delete(struct req *);

const struct route route_registration_create = {
	.method = EVHTTP_REQ_POST,
	.path = "/api/v1/sessions/{id}/registrations",
	.role = ROLE_LIAISON, .handle = registration_create,
};
const struct route route_registration_list = {
	.method = EVHTTP_REQ_GET,
	.path = "/api/v1/sessions/{id}/registrations",
	.role = ROLE_LIAISON, .handle = registration_list,
};
const struct route route_registration_delete = {
	.method = EVHTTP_REQ_DELETE, .path = "/api/v1/registrations/{id}",
	.role = ROLE_LIAISON, .handle = registration_delete,
};

static const char REGISTRATION_CREATE_SQL[] =
    "SELECT kaigi_registration_create($1::jsonb, $3::bigint, $2::jsonb)::text";
static const char REGISTRATION_LIST_SQL[] =
    "SELECT l->'items', l->>'next' FROM kaigi_registration_list($1::jsonb,"
    "    $2::bigint, $3::int, $4::bigint, $5) AS l";
static const char REGISTRATION_DELETE_SQL[] =
    "SELECT kaigi_registration_delete($1::jsonb, $2::bigint)";

/* The POST body: {participant_id}. */
static json_t *
registration_decode(const json_t *body, json_t *errors)
{
	static const char *const known[] = { "participant_id", NULL };
	long long	 id;

	if (valid_object(body, errors) != 0)
		return NULL;
	valid_known(body, known, errors);
	valid_int(body, "participant_id", VALID_REQUIRED, 1, (1LL << 53) - 1,
	    &id, errors);
	if (json_array_size(errors) > 0)
		return NULL;
	return json_pack("{s:I}", "participant_id", (json_int_t)id);
}

/* POST /api/v1/sessions/{id}/registrations */
static void
registration_create(struct req *r)
{
	char		 id[24];
	const char	*rest[1] = { id };

	if (api_id_param(r, "session", id) != 0)
		return;
	api_write(r, registration_decode, REGISTRATION_CREATE_SQL,
	    api_reply_row_201, 1, rest);
}

/* GET /api/v1/sessions/{id}/registrations[?status=confirmed|waiting] */
static void
registration_list(struct req *r)
{
	char		 id[24], limit[16], cursor[API_CURSOR_LEN];
	const char	*status = req_query(r, "status");
	const char	*rest[4] = { id, limit, cursor, status };

	if (api_id_param(r, "session", id) != 0)
		return;
	if (status != NULL && strcmp(status, "confirmed") != 0 &&
	    strcmp(status, "waiting") != 0) {
		http_reply_problem(r, 400, "status must be confirmed or waiting",
		    json_pack("{s:[s,s]}", "choices", "confirmed", "waiting"));
		return;
	}
	if (api_page(r, limit, cursor) != 0)
		return;
	api_call(r, REGISTRATION_LIST_SQL, api_reply_page, NULL, 4, rest);
}

/* DELETE /api/v1/registrations/{id} */
static void
registration_delete(struct req *r)
{
	char		 id[24];
	const char	*rest[1] = { id };

	if (api_id_param(r, "registration", id) != 0)
		return;
	api_call(r, REGISTRATION_DELETE_SQL, api_reply_204, NULL, 1, rest);
}
