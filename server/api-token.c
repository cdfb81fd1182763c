/*
 * api-token.c — API tokens issued and revoked through the API.
 *
 * POST /api/v1/conferences/{slug}/tokens {role, delegation?, label?}: the
 * conference's secretariat issues liaison tokens, an admin secretariat
 * tokens (kaigi_token_may_issue in sql/070_setup.sql says who; 403 names
 * the role needed). The token is made as `kaigid token create` makes it
 * (auth_token_new: 256 random bits, only the SHA-256 stored) and shown
 * once in the 201 answer {id, token, role, conference, delegation, ...}.
 * GET lists the conference's tokens without secrets; DELETE
 * /api/v1/tokens/{id} revokes (204), effective on the next request since
 * every request looks its token up. `kaigid token create` stays for the
 * first admin. Neither the token nor its hash is ever logged.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "api.h"
#include "auth.h"
#include "decode-setup.h"
#include "route.h"
#include "util.h"

static void token_create(struct req *);
static void token_list(struct req *);
static void token_revoke(struct req *);

const struct route route_token_create = {
	.method = EVHTTP_REQ_POST, .path = "/api/v1/conferences/{slug}/tokens",
	.role = ROLE_SECRETARIAT, .handle = token_create,
};
const struct route route_token_list = {
	.method = EVHTTP_REQ_GET, .path = "/api/v1/conferences/{slug}/tokens",
	.role = ROLE_SECRETARIAT, .handle = token_list,
};
const struct route route_token_revoke = {
	.method = EVHTTP_REQ_DELETE, .path = "/api/v1/tokens/{id}",
	.role = ROLE_SECRETARIAT, .handle = token_revoke,
};

static const char TOKEN_CREATE_SQL[] =
    "SELECT kaigi_token_create($1::jsonb, $3, $2::jsonb, $4)::text";
static const char TOKEN_LIST_SQL[] =
    "SELECT l->'items', l->>'next'"
    "  FROM kaigi_token_list($1::jsonb, $2, $3::int, $4::bigint) AS l";
static const char TOKEN_REVOKE_SQL[] =
    "SELECT kaigi_token_revoke($1::jsonb, $2)";

/* Free the raw token kept in r->state, wiping it first. */
static void
token_state_free(void *p)
{
	char	*t = p;

	explicit_bzero(t, strlen(t));
	free(t);
}

/* Stored: the row's JSON with the raw token added, 201. */
static void
token_created(enum db_status st, PGresult *res, void *arg)
{
	struct req	*r = arg;
	json_t		*o;

	if (st != DB_OK || PQntuples(res) != 1) {
		http_reply_db_error(r, st, res);
		return;
	}
	o = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
	if (o == NULL) {
		http_reply_problem(r, 500, "internal error", NULL);
		return;
	}
	json_object_set_new(o, "token", json_string(r->state));
	http_reply_json(r, 201, o);
}

/* POST /api/v1/conferences/{slug}/tokens */
static void
token_create(struct req *r)
{
	const char	*rest[2];
	char		 hash[65];
	json_t		*errors = json_array(), *input;

	input = decode_token(r->body, errors);
	if (input == NULL) {
		api_reply_invalid(r, errors);
		return;
	}
	json_decref(errors);
	r->state = auth_token_new(hash);
	r->state_free = token_state_free;
	rest[0] = req_param(r, "slug");
	rest[1] = hash;
	api_call(r, TOKEN_CREATE_SQL, token_created, input, 2, rest);
	explicit_bzero(hash, sizeof hash);
}

/* GET /api/v1/conferences/{slug}/tokens */
static void
token_list(struct req *r)
{
	char		 limit[16], cursor[API_CURSOR_LEN];
	const char	*rest[3] = { req_param(r, "slug"), limit, cursor };

	if (api_page(r, limit, cursor) != 0)
		return;
	api_call(r, TOKEN_LIST_SQL, api_reply_page, NULL, 3, rest);
}

/* Revoked (204) or its problem. */
static void
token_revoked(enum db_status st, PGresult *res, void *arg)
{
	struct req	*r = arg;

	if (st != DB_OK || PQntuples(res) != 1) {
		http_reply_db_error(r, st, res);
		return;
	}
	http_reply_json(r, 204, NULL);
}

/* DELETE /api/v1/tokens/{id} */
static void
token_revoke(struct req *r)
{
	char		 id[24];
	const char	*rest[1] = { id };

	if (api_id_param(r, "token", id) != 0)
		return;
	api_call(r, TOKEN_REVOKE_SQL, token_revoked, NULL, 1, rest);
}
