/*
 * api-release.c — schedule releases (issue 18): in a conference whose
 * publish setting is "release", the secretariat publishes the current
 * sessions as release n; feeds, the page's session list and the printed
 * programme then show the last release to everyone who may not write the
 * conference (sql/130_releases.sql decides all of it).
 *
 *   POST /api/v1/conferences/{slug}/releases {name?, comment?}  secretariat
 *   GET  /api/v1/conferences/{slug}/releases                    {items, next}
 *   GET  /api/v1/conferences/{slug}/releases/{n}/changes
 *        [?delegation=CODE | ?participant=ID]
 *
 * The change list is what that audience sees added, moved, re-roomed,
 * cancelled or retitled since release n - 1; whose audience the caller may
 * ask for is kaigi_programme_reader's rule (the secretariat anyone's, a
 * liaison its own delegation's, anyone else the public's; else 404).
 */
#include <stdio.h>
#include <string.h>

#include <event2/http.h>

#include "api.h"
#include "route.h"
#include "util.h"
#include "valid.h"

#define RELEASE_TEXT_MAX	2000
#define RELEASE_QUERY_MAX	200

static void release_create(struct req *);
static void release_list(struct req *);
static void release_changes(struct req *);

const struct route route_release_create = {
	.method = EVHTTP_REQ_POST, .path = "/api/v1/conferences/{slug}/releases",
	.role = ROLE_SECRETARIAT, .handle = release_create,
};
const struct route route_release_list = {
	.method = EVHTTP_REQ_GET, .path = "/api/v1/conferences/{slug}/releases",
	.handle = release_list,
};
const struct route route_release_changes = {
	.method = EVHTTP_REQ_GET,
	.path = "/api/v1/conferences/{slug}/releases/{n}/changes",
	.handle = release_changes,
};

static const char RELEASE_CREATE_SQL[] =
    "SELECT kaigi_release_create($1::jsonb, $2::jsonb, $3)::text";
static const char RELEASE_LIST_SQL[] =
    "SELECT l->'items', l->>'next'"
    "  FROM kaigi_release_list($1, $2::int, $3::bigint) AS l";
static const char RELEASE_CHANGES_SQL[] =
    "SELECT kaigi_release_changes($1::jsonb, $2, $3::int, $4, $5)::text";

/* {name?, comment?}: texts of at most RELEASE_TEXT_MAX bytes. */
static json_t *
release_decode(const json_t *b, json_t *errors)
{
	static const char *const known[] = { "name", "comment", NULL };
	const char	*name = NULL, *comment = NULL;
	size_t		 n = json_array_size(errors);
	json_t		*out;

	if (valid_object(b, errors) != 0)
		return NULL;
	valid_known(b, known, errors);
	valid_string(b, "name", VALID_OPTIONAL, RELEASE_TEXT_MAX, &name, errors);
	valid_string(b, "comment", VALID_OPTIONAL, RELEASE_TEXT_MAX, &comment,
	    errors);
	if (json_array_size(errors) > n)
		return NULL;
	out = json_object();
	if (name != NULL)
		json_object_set_new(out, "name", json_string(name));
	if (comment != NULL)
		json_object_set_new(out, "comment", json_string(comment));
	return out;
}

/* POST /api/v1/conferences/{slug}/releases */
static void
release_create(struct req *r)
{
	const char	*rest[1] = { req_param(r, "slug") };

	api_write(r, release_decode, RELEASE_CREATE_SQL, api_reply_row_201,
	    1, rest);
}

/* GET /api/v1/conferences/{slug}/releases */
static void
release_list(struct req *r)
{
	char		 limit[16], cursor[API_CURSOR_LEN];
	const char	*params[3] = { req_param(r, "slug"), limit, cursor };

	if (api_page(r, limit, cursor) != 0)
		return;
	db_query(RELEASE_LIST_SQL, 3, params, api_reply_page, r);
}

/* GET /api/v1/conferences/{slug}/releases/{n}/changes */
static void
release_changes(struct req *r)
{
	const char	*d = req_query(r, "delegation"), *p = req_query(r, "participant");
	const char	*rest[4];
	char		 n[24], participant[24];
	long long	 id;

	if (parse_id(req_param(r, "n"), &id) != 0 || id > 1000000000) {
		http_reply_problem(r, 404, "no such release", NULL);
		return;
	}
	api_id_text(id, n);
	if (d != NULL && p != NULL) {
		http_reply_problem(r, 400, "give delegation or participant, not both", NULL);
		return;
	}
	if (d != NULL && strlen(d) > RELEASE_QUERY_MAX) {
		http_reply_problem(r, 400, "delegation is at most 200 characters", NULL);
		return;
	}
	if (p != NULL) {
		if (parse_id(p, &id) != 0) {
			http_reply_problem(r, 404, "no such participant", NULL);
			return;
		}
		api_id_text(id, participant);
	}
	rest[0] = req_param(r, "slug");
	rest[1] = n;
	rest[2] = d;
	rest[3] = p != NULL ? participant : NULL;
	api_call(r, RELEASE_CHANGES_SQL, api_reply_row_200, NULL, 4, rest);
}
