/*
 * api-webhook.c — webhooks of a conference (issue 18 item 4), for its
 * secretariat (and admins):
 *
 * POST   /api/v1/conferences/{slug}/webhooks {url, secret, events?}  201
 * GET    /api/v1/conferences/{slug}/webhooks                         200 {items}
 * DELETE /api/v1/webhooks/{id}                                       204
 * GET    /api/v1/webhooks/{id}/deliveries[?limit=]                   200 {items}
 *
 * url must be an http or https URL with a host; secret is 1..500 bytes
 * and is never answered nor logged (sql/160_webhooks.sql stores it to sign
 * with); events, when given, a non-empty subset of the change kinds
 * (WEBHOOK_KINDS, as kaigi_webhook_kinds). The sender is webhook.c.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "api.h"
#include "route.h"
#include "util.h"
#include "valid.h"

static void webhook_create(struct req *);
static void webhook_list(struct req *);
static void webhook_delete(struct req *);
static void webhook_deliveries(struct req *);

const struct route route_webhook_create = {
	.method = EVHTTP_REQ_POST, .path = "/api/v1/conferences/{slug}/webhooks",
	.role = ROLE_SECRETARIAT, .handle = webhook_create,
};
const struct route route_webhook_list = {
	.method = EVHTTP_REQ_GET, .path = "/api/v1/conferences/{slug}/webhooks",
	.role = ROLE_SECRETARIAT, .handle = webhook_list,
};
const struct route route_webhook_delete = {
	.method = EVHTTP_REQ_DELETE, .path = "/api/v1/webhooks/{id}",
	.role = ROLE_SECRETARIAT, .handle = webhook_delete,
};
const struct route route_webhook_deliveries = {
	.method = EVHTTP_REQ_GET, .path = "/api/v1/webhooks/{id}/deliveries",
	.role = ROLE_SECRETARIAT, .handle = webhook_deliveries,
};

static const char *const WEBHOOK_KINDS[] = { "session.created",
    "session.moved", "session.updated", "session.cancelled",
    "session.deleted", "bilateral.changed", "release.created", NULL };
#define WEBHOOK_KINDS_TEXT "session.created, session.moved, " \
    "session.updated, session.cancelled, session.deleted, bilateral.changed, " \
    "release.created"

static const char WEBHOOK_CREATE_SQL[] =
    "SELECT kaigi_webhook_create($1::jsonb, $3, $2::jsonb)::text";
static const char WEBHOOK_LIST_SQL[] =
    "SELECT kaigi_webhook_list($1::jsonb, $2)::text";
static const char WEBHOOK_DELETE_SQL[] =
    "SELECT kaigi_webhook_delete($1::jsonb, $2::bigint)";
static const char WEBHOOK_DELIVERIES_SQL[] =
    "SELECT kaigi_webhook_deliveries($1::jsonb, $2::bigint, $3::int)::text";

/* An http(s) URL with a host; 0 or -1. */
static int
webhook_url_ok(const char *url)
{
	struct evhttp_uri	*u;
	const char		*s, *h;
	int			 ok = 0;

	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		return -1;
	if ((u = evhttp_uri_parse(url)) == NULL)
		return -1;
	s = evhttp_uri_get_scheme(u);
	h = evhttp_uri_get_host(u);
	ok = s != NULL && h != NULL && *h != '\0';
	evhttp_uri_free(u);
	return ok ? 0 : -1;
}

/* events: each one of WEBHOOK_KINDS, at least one. */
static void
webhook_events_check(const json_t *events, json_t *errors)
{
	const json_t	*e;
	size_t		 i, k;
	int		 known;

	if (json_array_size(events) == 0)
		valid_error(errors, "events", "must name at least one of "
		    WEBHOOK_KINDS_TEXT);
	json_array_foreach(events, i, e) {
		for (k = 0, known = 0; WEBHOOK_KINDS[k] != NULL; k++)
			known |= strcmp(json_string_value(e), WEBHOOK_KINDS[k]) == 0;
		if (!known) {
			valid_error(errors, "events", "unknown event kind \"%s\": "
			    "must be some of " WEBHOOK_KINDS_TEXT,
			    json_string_value(e));
			return;
		}
	}
}

/* The POST body: {url, secret, events?}. */
static json_t *
webhook_decode(const json_t *body, json_t *errors)
{
	static const char *const known[] = { "url", "secret", "events", NULL };
	const char	*url = NULL, *secret = NULL;
	const json_t	*events = NULL;

	if (valid_object(body, errors) != 0)
		return NULL;
	valid_known(body, known, errors);
	if (valid_string(body, "url", VALID_REQUIRED, 2000, &url, errors) == 1 &&
	    webhook_url_ok(url) != 0)
		valid_error(errors, "url", "must be an http:// or https:// URL "
		    "with a host");
	if (valid_string(body, "secret", VALID_REQUIRED, 500, &secret,
	    errors) == 1 && *secret == '\0')
		valid_error(errors, "secret", "must not be empty");
	if (valid_string_array(body, "events", VALID_OPTIONAL, 16, 64, &events,
	    errors) == 1)
		webhook_events_check(events, errors);
	if (json_array_size(errors) > 0)
		return NULL;
	return json_deep_copy(body);
}

/* POST /api/v1/conferences/{slug}/webhooks */
static void
webhook_create(struct req *r)
{
	const char	*rest[1] = { req_param(r, "slug") };

	api_write(r, webhook_decode, WEBHOOK_CREATE_SQL, api_reply_row_201,
	    1, rest);
}

/* GET /api/v1/conferences/{slug}/webhooks */
static void
webhook_list(struct req *r)
{
	const char	*rest[1] = { req_param(r, "slug") };

	api_call(r, WEBHOOK_LIST_SQL, api_reply_row_200, NULL, 1, rest);
}

/* DELETE /api/v1/webhooks/{id} */
static void
webhook_delete(struct req *r)
{
	char		 id[24];
	const char	*rest[1] = { id };

	if (api_id_param(r, "webhook", id) != 0)
		return;
	api_call(r, WEBHOOK_DELETE_SQL, api_reply_204, NULL, 1, rest);
}

/* GET /api/v1/webhooks/{id}/deliveries[?limit=1..1000, default 100] */
static void
webhook_deliveries(struct req *r)
{
	char		 id[24], limit[24];
	const char	*rest[2] = { id, limit }, *q = req_query(r, "limit");
	long long	 n = 100;

	if (api_id_param(r, "webhook", id) != 0)
		return;
	if (q != NULL && (parse_id(q, &n) != 0 || n > 1000)) {
		http_reply_problem(r, 400, "limit must be 1..1000", NULL);
		return;
	}
	api_id_text(n, limit);
	api_call(r, WEBHOOK_DELIVERIES_SQL, api_reply_row_200, NULL, 2, rest);
}
