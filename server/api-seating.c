/*
 * api-seating.c — GET /api/v1/sessions/{id}/seating (issue 17, item 4):
 * the protocol order of a session's delegations round the table and to
 * speak, for whoever may see the session (404 otherwise). One call of
 * kaigi_session_seating (sql/190_protocol_order.sql), which takes the
 * delegations from what GET /sessions/{id} shows the caller; the
 * convention is written there and in docs/API.md.
 */
#include <event2/http.h>

#include "api.h"
#include "route.h"

static void	session_seating(struct req *);

const struct route route_session_seating = {
	.method = EVHTTP_REQ_GET, .path = "/api/v1/sessions/{id}/seating",
	.handle = session_seating,
};

static const char SESSION_SEATING_SQL[] =
    "SELECT kaigi_session_seating($1::jsonb, $2::bigint)::text";

/* GET /api/v1/sessions/{id}/seating */
static void
session_seating(struct req *r)
{
	char		 id[24];
	const char	*rest[1] = { id };

	if (api_id_param(r, "session", id) != 0)
		return;
	api_call(r, SESSION_SEATING_SQL, api_reply_row_200, NULL, 1, rest);
}
