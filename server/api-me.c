/*
 * api-me.c — GET /api/v1/me: who the caller's API token is.
 *
 * {role, conference, delegation, participant_id} (slug and code; null
 * when the token has none), with ids, the conference's time zone and the
 * token's label: what a client needs to pick the conference by itself
 * (kaigi does, so a conference-scoped token needs no --conference). Built
 * by kaigi_me in sql/070_setup.sql from the token auth.c resolved.
 */
#include <event2/http.h>

#include "api.h"
#include "route.h"
#include "util.h"

static void me_get(struct req *);

const struct route route_me = {
	.method = EVHTTP_REQ_GET, .path = "/api/v1/me",
	.role = ROLE_LIAISON, .handle = me_get,
};

static const char ME_SQL[] = "SELECT kaigi_me($1::jsonb)::text";

/* GET /api/v1/me */
static void
me_get(struct req *r)
{
	api_call(r, ME_SQL, api_reply_row_200, NULL, 0, NULL);
}
