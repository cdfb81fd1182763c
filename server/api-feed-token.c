/*
 * api-feed-token.c — issuing and revoking feed tokens.
 *
 * POST /api/v1/conferences/{slug}/feed-tokens {delegation} | {participant_id}
 * (optional label) makes a 256-bit random token (util.h random_token), stores
 * only its SHA-256 (kaigi_feed_token_create in sql/030_feeds.sql checks who
 * may) and answers 201 {id, token, url, webcal_url, ...}: the one time the
 * token is shown. DELETE /api/v1/feed-tokens/{id} revokes (204); the UPDATE
 * makes the database NOTIFY every kaigid, which drop the conference's cached
 * feeds, so the feed answers 404 everywhere from then on. Before answering,
 * this worker drops its own copies and tells the other workers of this
 * kaigid through shared memory (feed_cache_revoked), so that none of them
 * can answer from a stale copy even before the NOTIFY reaches it.
 *
 * Neither the token nor its hash is ever logged.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "config.h"
#include "feed-cache.h"
#include "http.h"
#include "route.h"
#include "util.h"
#include "valid.h"

#define FEED_TOKEN_BYTES	32
#define FEED_TOKEN_CREATE_SQL \
    "SELECT kaigi_feed_token_create($1::jsonb, $2, $3, $4::bigint, $5, $6)::text"
#define FEED_TOKEN_REVOKE_SQL \
    "SELECT kaigi_feed_token_revoke($1::jsonb, $2::bigint)"

static void feed_token_create(struct req *);
static void feed_token_revoke(struct req *);

const struct route route_feed_token_create = {
	.method = EVHTTP_REQ_POST,
	.path = "/api/v1/conferences/{slug}/feed-tokens",
	.role = ROLE_LIAISON, .handle = feed_token_create,
};
const struct route route_feed_token_revoke = {
	.method = EVHTTP_REQ_DELETE, .path = "/api/v1/feed-tokens/{id}",
	.role = ROLE_LIAISON, .handle = feed_token_revoke,
};

/* What POST asked for. */
struct feed_token_body {
	char		*delegation;		/* code or id as text, or NULL */
	long long	 participant_id;	/* 0 if absent */
	const char	*label;
};

/*
 * Decode the POST body: exactly one of delegation (code or id) and
 * participant_id, optional label. Returns an errors array (empty if fine).
 */
static json_t *
feed_token_decode(const json_t *body, struct feed_token_body *b)
{
	static const char *const known[] = { "delegation", "participant_id",
	    "label", NULL };
	json_t		*errors = json_array(), *d;
	const char	*code = NULL;
	long long	 id;

	memset(b, 0, sizeof *b);
	if (valid_object(body, errors) != 0)
		return errors;
	valid_known(body, known, errors);
	d = json_object_get(body, "delegation");
	if (json_is_integer(d)) {
		if (valid_int(body, "delegation", VALID_OPTIONAL, 1, INT64_MAX,
		    &id, errors) == 1)
			b->delegation = xasprintf("%lld", id);
	} else if (valid_string(body, "delegation", VALID_OPTIONAL, 32, &code,
	    errors) == 1)
		b->delegation = xstrdup(code);
	valid_int(body, "participant_id", VALID_OPTIONAL, 1, INT64_MAX,
	    &b->participant_id, errors);
	valid_string(body, "label", VALID_OPTIONAL, 200, &b->label, errors);
	if (json_array_size(errors) == 0 &&
	    (b->delegation == NULL) == (b->participant_id == 0))
		valid_error(errors, b->delegation ? "participant_id" : "delegation",
		    "give either delegation or participant_id");
	return errors;
}

/* Base URL for links: public_url, else http://<Host header>. Caller frees. */
static char *
feed_token_base(struct req *r)
{
	const char	*host = req_header(r, "Host");
	size_t		 n;

	if (cfg->public_url != NULL && *cfg->public_url != '\0') {
		n = strlen(cfg->public_url);
		while (n > 0 && cfg->public_url[n - 1] == '/')
			n--;
		return xstrndup(cfg->public_url, n);
	}
	return xasprintf("http://%s", host != NULL ? host : "127.0.0.1");
}

/* Add token, url and webcal_url to the created row and answer 201. */
static void
feed_token_created(enum db_status st, PGresult *res, void *arg)
{
	struct req	*r = arg;
	char		*token = r->state, *base, *url, *webcal;
	const char	*rest;
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
	base = feed_token_base(r);
	url = xasprintf("%s/feeds/%s.ics", base, token);
	rest = strstr(url, "://");
	webcal = xasprintf("webcal%s", rest != NULL ? rest : "://");
	json_object_set_new(o, "token", json_string(token));
	json_object_set_new(o, "url", json_string(url));
	json_object_set_new(o, "webcal_url", json_string(webcal));
	free(webcal);
	free(url);
	free(base);
	http_reply_json(r, 201, o);
}

/* Free the raw token kept in r->state, wiping it first. */
static void
feed_token_state_free(void *p)
{
	char	*t = p;

	explicit_bzero(t, strlen(t));
	free(t);
}

/* POST /api/v1/conferences/{slug}/feed-tokens */
static void
feed_token_create(struct req *r)
{
	struct feed_token_body	 b;
	json_t			*errors = feed_token_decode(r->body, &b), *a;
	const char		*params[6];
	char			 hash[65], pid[24], *actor, *token;

	if (json_array_size(errors) > 0) {
		free(b.delegation);
		api_reply_invalid(r, errors);
		return;
	}
	json_decref(errors);
	token = random_token(FEED_TOKEN_BYTES);
	sha256_hex(token, hash);
	r->state = token;
	r->state_free = feed_token_state_free;
	a = req_actor(r);
	actor = api_json_text(a);
	json_decref(a);
	api_id_text(b.participant_id, pid);
	params[0] = actor;
	params[1] = req_param(r, "slug");
	params[2] = b.delegation;
	params[3] = b.participant_id > 0 ? pid : NULL;
	params[4] = b.label;
	params[5] = hash;
	db_query(FEED_TOKEN_CREATE_SQL, 6, params, feed_token_created, r);
	free(actor);
	free(b.delegation);
}

/* Revoked: drop this worker's feeds of the conference now, answer 204. */
static void
feed_token_revoked(enum db_status st, PGresult *res, void *arg)
{
	struct req	*r = arg;
	long long	 conf;

	if (st != DB_OK || PQntuples(res) != 1) {
		http_reply_db_error(r, st, res);
		return;
	}
	if (parse_id(PQgetvalue(res, 0, 0), &conf) == 0)
		feed_cache_invalidate(conf);
	feed_cache_revoked();
	http_reply_json(r, 204, NULL);
}

/* DELETE /api/v1/feed-tokens/{id} */
static void
feed_token_revoke(struct req *r)
{
	const char	*params[2];
	char		 id[24], *actor;

	if (api_id_param(r, "feed token", id) != 0)
		return;
	actor = api_actor_text(r);
	params[0] = actor;
	params[1] = id;
	db_query(FEED_TOKEN_REVOKE_SQL, 2, params, feed_token_revoked, r);
	free(actor);
}
