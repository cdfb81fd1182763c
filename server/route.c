/*
 * route.c — the route table and path matching.
 *
 * Every route of kaigid is listed here, in one array, as tmux lists its
 * commands in cmd.c. Each route is defined next to its handler in the
 * api-*.c file of its resource; this file only gathers them. The router is
 * the only code that looks at paths: handlers get their captures through
 * req_param().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "route.h"
#include "util.h"

extern const struct route route_healthz;
extern const struct route route_readyz;
extern const struct route route_metrics;
extern const struct route route_session_create;
extern const struct route route_session_list;
extern const struct route route_session_get;
extern const struct route route_session_patch;
extern const struct route route_session_cancel;
extern const struct route route_session_conflicts;
extern const struct route route_bilateral_create;
extern const struct route route_bilateral_list;
extern const struct route route_bilateral_get;
extern const struct route route_bilateral_accept;
extern const struct route route_bilateral_decline;
extern const struct route route_bilateral_withdraw;
extern const struct route route_bilateral_slots;
extern const struct route route_bilateral_schedule;
extern const struct route route_conference_schedule;
extern const struct route route_conference_create;
extern const struct route route_conference_list;
extern const struct route route_conference_get;
extern const struct route route_conference_patch;
extern const struct route route_venue_create;
extern const struct route route_venue_list;
extern const struct route route_room_create;
extern const struct route route_room_list;
extern const struct route route_travel_put;
extern const struct route route_travel_get;
extern const struct route route_delegation_create;
extern const struct route route_delegation_list;
extern const struct route route_participant_create;
extern const struct route route_participant_list;
extern const struct route route_unavailability_create;
extern const struct route route_unavailability_list;
extern const struct route route_unavailability_delete;
extern const struct route route_participant_get;
extern const struct route route_participant_patch;
extern const struct route route_audit_list;
extern const struct route route_web_index;
extern const struct route route_web_file;
extern const struct route route_feed_public;
extern const struct route route_feed_token;
extern const struct route route_feed_room;
extern const struct route route_feed_public_short;
extern const struct route route_feed_room_short;
extern const struct route route_feed_token_create;
extern const struct route route_feed_token_revoke;
extern const struct route route_changes;
/*
 * Set-up (issue 15): api-me.c, api-token.c, and editing in api-venue.c,
 * api-delegation.c, api-conference.c, api-bilateral-edit.c.
 */
extern const struct route route_me;
extern const struct route route_token_create;
extern const struct route route_token_list;
extern const struct route route_token_revoke;
extern const struct route route_venue_get;
extern const struct route route_venue_patch;
extern const struct route route_venue_delete;
extern const struct route route_room_get;
extern const struct route route_room_patch;
extern const struct route route_room_delete;
extern const struct route route_travel_patch;
extern const struct route route_travel_delete;
extern const struct route route_delegation_get;
extern const struct route route_delegation_patch;
extern const struct route route_delegation_delete;
extern const struct route route_participant_delete;
extern const struct route route_unavailability_patch;
extern const struct route route_bilateral_patch;
extern const struct route route_conference_archive;
extern const struct route route_conference_unarchive;
/* Spreadsheets in and out (issue 15): api-import.c, api-export.c. */
extern const struct route route_import;
extern const struct route route_export_csv;
extern const struct route route_export_xlsx;
/* The printed programme (issue 16): api-programme.c. */
extern const struct route route_programme_pdf;
extern const struct route route_qr;
/* Re-placing what a move bumps (issue 16): api-session-move.c. */
extern const struct route route_session_move;
/* Schedule releases (issue 18): api-release.c. */
extern const struct route route_release_create;
extern const struct route route_release_list;
extern const struct route route_release_changes;
/* Webhooks (issue 18 item 4): api-webhook.c. */
extern const struct route route_webhook_create;
extern const struct route route_webhook_list;
extern const struct route route_webhook_delete;
extern const struct route route_webhook_deliveries;
/* Protocol order (issue 17 item 4): api-seating.c. */
extern const struct route route_session_seating;
/* Side-event registration (issue 17 item 6): api-registration.c. */
extern const struct route route_registration_create;
extern const struct route route_registration_list;
extern const struct route route_registration_delete;

static const struct route *route_table[] = {
	&route_healthz,
	&route_readyz,
	&route_metrics,
	&route_session_create,
	&route_session_list,
	&route_session_get,
	&route_session_patch,
	&route_session_cancel,
	&route_session_conflicts,
	&route_bilateral_create,
	&route_bilateral_list,
	&route_bilateral_get,
	&route_bilateral_accept,
	&route_bilateral_decline,
	&route_bilateral_withdraw,
	&route_bilateral_slots,
	&route_bilateral_schedule,
	&route_conference_schedule,
	&route_conference_create,
	&route_conference_list,
	&route_conference_get,
	&route_conference_patch,
	&route_venue_create,
	&route_venue_list,
	&route_room_create,
	&route_room_list,
	&route_travel_put,
	&route_travel_get,
	&route_delegation_create,
	&route_delegation_list,
	&route_participant_create,
	&route_participant_list,
	&route_unavailability_create,
	&route_unavailability_list,
	&route_unavailability_delete,
	&route_participant_get,
	&route_participant_patch,
	&route_audit_list,
	&route_web_index,
	&route_web_file,
	&route_feed_public,
	&route_feed_token,
	&route_feed_room,
	&route_feed_public_short,
	&route_feed_room_short,
	&route_feed_token_create,
	&route_feed_token_revoke,
	&route_changes,
	/* Set-up (issue 15). */
	&route_me,
	&route_token_create,
	&route_token_list,
	&route_token_revoke,
	&route_venue_get,
	&route_venue_patch,
	&route_venue_delete,
	&route_room_get,
	&route_room_patch,
	&route_room_delete,
	&route_travel_patch,
	&route_travel_delete,
	&route_delegation_get,
	&route_delegation_patch,
	&route_delegation_delete,
	&route_participant_delete,
	&route_unavailability_patch,
	&route_bilateral_patch,
	&route_conference_archive,
	&route_conference_unarchive,
	/* Spreadsheets in and out (issue 15). */
	&route_import,
	&route_export_csv,
	&route_export_xlsx,
	/* The printed programme (issue 16). */
	&route_programme_pdf,
	&route_qr,
	&route_session_move,
	/* Schedule releases (issue 18). */
	&route_release_create,
	&route_release_list,
	&route_release_changes,
	/* Webhooks (issue 18 item 4). */
	&route_webhook_create,
	&route_webhook_list,
	&route_webhook_delete,
	&route_webhook_deliveries,
	/* Protocol order (issue 17 item 4). */
	&route_session_seating,
	/* Side-event registration (issue 17 item 6). */
	&route_registration_create,
	&route_registration_list,
	&route_registration_delete,
	NULL
};

/* Method name as the table prints it. */
static const char *
route_method_name(int method)
{
	switch (method) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_PATCH: return "PATCH";
	default: return "?";
	}
}

/*
 * Print the table (kaigid --routes), one route a line: method, path,
 * minimum role and "json" when the body is parsed as JSON, tab-separated.
 */
void
route_print(FILE *f)
{
	const struct route	**rp;
	int			  m;

	for (rp = route_table; *rp != NULL; rp++) {
		m = (*rp)->method;
		fprintf(f, "%s\t%s\t%s\t%s\n", route_method_name(m), (*rp)->path,
		    role_name((*rp)->role), !(*rp)->raw_body &&
		    (m == EVHTTP_REQ_POST || m == EVHTTP_REQ_PUT ||
		    m == EVHTTP_REQ_PATCH) ? "json" : "-");
	}
}

/* Append a method name to the Allow list. */
static void
route_allow(char *allowed, size_t len, int method)
{
	const char	*name;

	switch (method) {
	case EVHTTP_REQ_GET: name = "GET, HEAD"; break;
	case EVHTTP_REQ_POST: name = "POST"; break;
	case EVHTTP_REQ_PUT: name = "PUT"; break;
	case EVHTTP_REQ_DELETE: name = "DELETE"; break;
	case EVHTTP_REQ_PATCH: name = "PATCH"; break;
	default: return;
	}
	if (strstr(allowed, name) != NULL)
		return;
	if (*allowed != '\0')
		strncat(allowed, ", ", len - strlen(allowed) - 1);
	strncat(allowed, name, len - strlen(allowed) - 1);
}

/* Decode the captures into the request; -1 if one holds a NUL, bad UTF-8 or bad escape. */
static int
route_decode(struct req *r, int n, char **names, char **values)
{
	int	i, bad = 0;
	size_t	len;

	for (i = 0; i < n; i++) {
		r->param_name[i] = names[i];
		if (strchr(values[i], '%') == NULL) {
			/* Nothing to decode ('+' stays '+' in a path). */
			r->param[i] = values[i];
			len = strlen(values[i]);
		} else {
			r->param[i] = evhttp_uridecode(values[i], 0, &len);
			free(values[i]);
		}
		if (r->param[i] == NULL) {
			r->param[i] = xstrdup("");
			bad = 1;
		} else if (!utf8_valid(r->param[i], len))
			bad = 1;	/* NUL or not UTF-8: no such resource */
	}
	r->nparams = n;
	return bad ? -1 : 0;
}

/*
 * Find the route for a request. HEAD is served by GET routes. When the path
 * matches some route but not the method, *path_matched is set and allowed
 * lists the methods that would have matched.
 */
const struct route *
route_match(int method, const char *path, struct req *r, char *allowed,
    size_t allowedlen, int *path_matched)
{
	const struct route	**rp;
	char			 *names[REQ_MAX_PARAMS], *values[REQ_MAX_PARAMS];
	int			  n, want = method == EVHTTP_REQ_HEAD ? EVHTTP_REQ_GET : method;

	*path_matched = 0;
	for (rp = route_table; *rp != NULL; rp++) {
		/* Most routes differ from the path at its first character. */
		if ((*rp)->path[1] != '{' && (*rp)->path[1] != path[1])
			continue;
		if (!route_path_match((*rp)->path, path, &n, names, values,
		    REQ_MAX_PARAMS))
			continue;
		if ((*rp)->method != want) {
			*path_matched = 1;
			route_allow(allowed, allowedlen, (*rp)->method);
			route_free_captures(n, names, values);
			continue;
		}
		if (route_decode(r, n, names, values) != 0) {
			*path_matched = 0;	/* 404, not 405 */
			return NULL;
		}
		return *rp;
	}
	return NULL;
}
