/*
 * auth.c — API tokens: "Authorization: Bearer <token>" to a principal.
 *
 * Tokens are stored only as SHA-256 hashes (api_tokens.token_hash); the raw
 * token is hashed here and looked up by hash, so the secret itself never
 * reaches the database or the logs. A malformed, unknown or revoked token is
 * 401 on every route, public ones included: a caller who sends credentials
 * learns that they are wrong rather than silently seeing less.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "log.h"
#include "route.h"
#include "util.h"

static const char AUTH_LOOKUP_SQL[] =
    "SELECT id, role, coalesce(conference_id, 0), coalesce(delegation_id, 0)"
    "  FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL";

#define AUTH_TOKEN_BYTES	32	/* 256 bits from getrandom(2) */

/* A new raw token and its hash. */
char *
auth_token_new(char hash[65])
{
	char	*token = random_token(AUTH_TOKEN_BYTES);

	sha256_hex(token, hash);
	return token;
}

/* Token charset (base64url) and length check. */
int
auth_token_wellformed(const char *t)
{
	size_t	n = strlen(t);

	if (n < 16 || n > 128)
		return 0;
	return strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_") == n;
}

/* Secretariat of that conference, or admin. */
int
auth_is_secretariat(const struct principal *p, long long conference_id)
{
	if (p->role == ROLE_ADMIN)
		return 1;
	return p->role == ROLE_SECRETARIAT && p->conference_id == conference_id;
}

/* 401 with the challenge header. */
static void
auth_reply_401(struct req *r, const char *detail)
{
	http_add_header(r, "WWW-Authenticate", "Bearer realm=\"kaigi\"");
	http_reply_problem(r, 401, detail, NULL);
}

/* 403 naming the role the route needs and the caller's. */
static void
auth_reply_403(struct req *r)
{
	const char	*need = role_name(r->route->role);
	char		 detail[160];

	snprintf(detail, sizeof detail, "this needs %s %s token%s; yours is %s %s token",
	    r->route->role == ROLE_ADMIN ? "an" : "a", need,
	    r->route->role == ROLE_ADMIN ? "" : " (or an admin's)",
	    r->who.role == ROLE_ADMIN ? "an" : "a", role_name(r->who.role));
	http_reply_problem(r, 403, detail, json_pack("{s:s, s:s}",
	    "required_role", need, "role", role_name(r->who.role)));
}

/* The role check of the route, then the handler. */
static void
auth_handle(struct req *r)
{
	if (r->route->role > ROLE_NONE) {
		if (r->who.role == ROLE_NONE) {
			auth_reply_401(r, "this needs an API token");
			return;
		}
		if (r->who.role < r->route->role) {
			auth_reply_403(r);
			return;
		}
	}
	r->route->handle(r);
}

/* Map a role name from the database. */
static enum role
auth_role_from_name(const char *s)
{
	if (strcmp(s, "admin") == 0)
		return ROLE_ADMIN;
	if (strcmp(s, "secretariat") == 0)
		return ROLE_SECRETARIAT;
	if (strcmp(s, "liaison") == 0)
		return ROLE_LIAISON;
	return ROLE_NONE;
}

/* Token lookup answered. */
static void
auth_looked_up(enum db_status st, PGresult *res, void *arg)
{
	struct req	*r = arg;

	if (st != DB_OK) {
		http_reply_db_error(r, st, res);
		return;
	}
	if (PQntuples(res) != 1) {
		auth_reply_401(r, "the API token is unknown or revoked");
		return;
	}
	parse_id(PQgetvalue(res, 0, 0), &r->who.token_id);
	r->who.role = auth_role_from_name(PQgetvalue(res, 0, 1));
	r->who.conference_id = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
	r->who.delegation_id = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
	auth_handle(r);
}

/* Entry from the router. */
void
auth_then_handle(struct req *r)
{
	const char	*h = req_header(r, "Authorization");
	const char	*params[1];
	char		 hash[65];

	if (h == NULL) {
		auth_handle(r);
		return;
	}
	if (strncasecmp(h, "Bearer ", 7) != 0 ||
	    !auth_token_wellformed(h + 7)) {
		auth_reply_401(r, "the Authorization header must be 'Bearer <token>'");
		return;
	}
	sha256_hex(h + 7, hash);
	params[0] = hash;
	db_query(AUTH_LOOKUP_SQL, 1, params, auth_looked_up, r);
}
