/*
 * api-bilateral-edit.c — PATCH /api/v1/bilaterals/{id}: the secretariat
 * changes a bilateral request's window (earliest, latest; null returns to
 * the conference's default), duration_minutes, priority, level, topics or
 * ref while the request is requested or accepted, honouring If-Match. A
 * scheduled request answers 409 (its session is moved instead), as do
 * declined, withdrawn and cancelled ones; a window that cannot hold the
 * meeting is 422. Decoded by decode_bilateral_patch (decode-setup.c);
 * checked, written and audited by kaigi_bilateral_patch in
 * sql/070_setup.sql. The rest of the bilateral API is api-bilateral.c.
 */
#include <event2/http.h>

#include "api.h"
#include "decode-interp.h"
#include "decode-setup.h"
#include "route.h"

static void bilateral_patch(struct req *);

const struct route route_bilateral_patch = {
	.method = EVHTTP_REQ_PATCH, .path = "/api/v1/bilaterals/{id}",
	.role = ROLE_SECRETARIAT, .handle = bilateral_patch,
};

static const char BILATERAL_PATCH_SQL[] =
    "SELECT j::text, j->>'version'"
    "  FROM kaigi_bilateral_patch(kaigi_as($1::jsonb), $3, $2::jsonb, $4) AS j";

/* PATCH /api/v1/bilaterals/{id} */
static void
bilateral_patch(struct req *r)
{
	api_patch_by_id(r, "bilateral request", decode_bilateral_patch_interp,
	    BILATERAL_PATCH_SQL);
}
