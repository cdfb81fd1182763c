/*
 * api-audit.c — GET /api/v1/conferences/{slug}/audit: the audit log of a
 * conference, oldest first, for its secretariat (and admins), with
 * ?entity= and ?entity_id= filters and the usual ?limit=/?cursor= paging.
 * The rows are written by the SQL functions of every write (kaigi_core_audit
 * in sql/010_api_core.sql); this only reads them.
 */
#include <event2/http.h>

#include "api.h"
#include "route.h"
#include "util.h"

static void audit_list(struct req *);

const struct route route_audit_list = {
	.method = EVHTTP_REQ_GET, .path = "/api/v1/conferences/{slug}/audit",
	.role = ROLE_SECRETARIAT, .handle = audit_list,
};

static const char AUDIT_LIST_SQL[] =
    "SELECT l->'items', l->>'next' FROM kaigi_audit_list($1::jsonb, $2,"
    "    $3::int, $4::bigint, $5, $6::bigint) AS l";

/* GET /api/v1/conferences/{slug}/audit */
static void
audit_list(struct req *r)
{
	char		 limit[16], cursor[API_CURSOR_LEN];
	const char	*entity_id = req_query(r, "entity_id");
	const char	*rest[5] = { req_param(r, "slug"), limit, cursor,
	    req_query(r, "entity"), entity_id };
	long long	 id;

	if (api_page(r, limit, cursor) != 0)
		return;
	if (entity_id != NULL && parse_id(entity_id, &id) != 0) {
		http_reply_problem(r, 400, "entity_id must be a positive id", NULL);
		return;
	}
	api_call(r, AUDIT_LIST_SQL, api_reply_page, NULL, 5, rest);
}
