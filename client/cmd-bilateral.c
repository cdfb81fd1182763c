/*
 * cmd-bilateral.c — kaigi bilateral request|list|accept|decline|withdraw|
 * slots|schedule: bilateral meeting requests between delegations.
 */
#include <stdlib.h>
#include <string.h>

#include "kaigi.h"

static const char *const cmd_bilateral_request_valued[] = {
	"requester", "counterpart", "duration", "earliest", "latest",
	"priority", "level", "topics", "fixed-start", "after", "interpretation",
	NULL
};
static const char *const cmd_bilateral_request_flags[] = {
	"confidential", NULL
};
static const char *const cmd_bilateral_list_valued[] = { "status", NULL };
static const char *const cmd_bilateral_slots_valued[] = { "limit", NULL };
static const char *const cmd_bilateral_schedule_valued[] = {
	"start", "room", NULL
};

/* A delegation as shown: its code (value may be a code or an object). */
static const char *
bilateral_party(json_t *b, const char *key)
{
	json_t	*v = json_object_get(b, key);

	if (json_is_object(v))
		return *api_str(v, "code") ? api_str(v, "code") :
		    api_str(v, "name");
	return api_str(b, key);
}

/* "Sat 2023-04-29 11:40–12:10" of a scheduled request, else "". */
static char *
bilateral_when(json_t *b)
{
	char	*day, *h1, *h2, *s;

	if (*api_str(b, "start") == '\0')
		return xstrdup("");
	day = time_day_of_rfc3339(api_str(b, "start"));
	h1 = time_hm_of_rfc3339(api_str(b, "start"));
	h2 = time_hm_of_rfc3339(api_str(b, "end"));
	s = xasprintf("%s %s–%s", day, h1, h2);
	free(day), free(h1), free(h2);
	return s;
}

/* Print bilateral requests as a table. */
static void
bilateral_print_table(json_t *list)
{
	struct table	*t;
	json_t		*v;
	size_t		 i;
	char		*when;

	t = table_new(9, "ID", "REQUESTER", "COUNTERPART", "MINUTES", "PRIO",
	    "LEVEL", "STATUS", "SESSION", "WHEN");
	json_array_foreach(api_items(list), i, v) {
		when = bilateral_when(v);
		table_add(t, api_str(v, "id"), bilateral_party(v, "requester"),
		    bilateral_party(v, "counterpart"),
		    api_str(v, "duration_minutes"), api_str(v, "priority"),
		    api_str(v, "level"), api_str(v, "status"),
		    api_str(v, "session_id"), when);
		free(when);
	}
	table_print(t, stdout);
	table_free(t);
}

/* Print one answer: JSON, a one-row table, or a session. */
void
bilateral_output(struct client *c, json_t *v)
{
	json_t	*wrap;

	if (c->json)
		api_print_json(v);
	else if (json_object_get(v, "counterpart") != NULL) {
		wrap = json_pack("[O]", v);
		bilateral_print_table(wrap);
		json_decref(wrap);
	} else
		session_print_one(c, v);
}

/* --earliest, --latest, --fixed-start as RFC 3339 in the conference's
 * zone; exit code. */
static int
bilateral_request_times(struct client *c, struct args *a, json_t *body)
{
	static const char *const opts[][2] = { { "earliest", "earliest" },
	    { "latest", "latest" }, { "fixed-start", "fixed_start" } };
	icaltimezone	*zone;
	const char	*v;
	char		*s;
	time_t		 t;
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof opts / sizeof opts[0]; i++) {
		if ((v = args_get(a, opts[i][0])) == NULL)
			continue;
		if ((rc = api_conference_zone(c, &zone)) != EXIT_OK)
			return rc;
		if (time_parse_input(v, zone, &t) != 0)
			return cmd_usage_error(&cmd_bilateral_request_entry,
			    "bad --earliest/--latest/--fixed-start time");
		json_object_set_new(body, opts[i][1], json_string(s =
		    time_rfc3339(t, zone)));
		free(s);
	}
	return EXIT_OK;
}

/* --after ID,ID,...: "after" as an array of ids; exit code. */
static int
bilateral_request_after(struct args *a, json_t *body)
{
	const char	*v = args_get(a, "after"), *p;
	json_t		*ids;
	char		*end;
	long long	 id;

	if (v == NULL)
		return EXIT_OK;
	ids = json_array();
	for (p = v; ; p = end + 1) {
		id = strtoll(p, &end, 10);
		if (end == p || id <= 0 || (*end != ',' && *end != '\0')) {
			json_decref(ids);
			return cmd_usage_error(&cmd_bilateral_request_entry,
			    "--after takes request ids separated by commas");
		}
		json_array_append_new(ids, json_integer(id));
		if (*end == '\0')
			break;
	}
	json_object_set_new(body, "after", ids);
	return EXIT_OK;
}

/* Build the body of bilateral request; exit code. */
static int
bilateral_request_body(struct client *c, struct args *a, json_t *body)
{
	long		 n;
	char		*cause = NULL;
	int		 rc;

	if (!args_has(a, "requester") || !args_has(a, "counterpart") ||
	    !args_has(a, "duration"))
		return cmd_usage_error(&cmd_bilateral_request_entry,
		    "--requester, --counterpart and --duration are required");
	json_object_set_new(body, "requester",
	    json_string(args_get(a, "requester")));
	json_object_set_new(body, "counterpart",
	    json_string(args_get(a, "counterpart")));
	if (args_int(a, "duration", 0, 1, 24 * 60, &n, &cause) != 0 ||
	    (json_object_set_new(body, "duration_minutes", json_integer(n)),
	    args_int(a, "priority", 3, 1, 5, &n, &cause)) != 0) {
		rc = cmd_usage_error(&cmd_bilateral_request_entry, cause);
		free(cause);
		return rc;
	}
	if (args_has(a, "priority"))
		json_object_set_new(body, "priority", json_integer(n));
	if (args_has(a, "level"))
		json_object_set_new(body, "level", json_string(args_get(a,
		    "level")));
	if (args_has(a, "topics"))
		json_object_set_new(body, "topics", json_string(args_get(a,
		    "topics")));
	if (args_has(a, "confidential"))
		json_object_set_new(body, "confidential", json_true());
	if ((rc = bilateral_request_after(a, body)) != EXIT_OK ||
	    (rc = interp_options(c, a, body)) != EXIT_OK)
		return rc;
	return bilateral_request_times(c, a, body);
}

/* kaigi bilateral request --requester CODE --counterpart CODE ... */
static int
cmd_bilateral_request_run(struct client *c, struct args *a)
{
	json_t	*body = json_object(), *b;
	char	*path;
	int	 rc;

	if ((rc = bilateral_request_body(c, a, body)) == EXIT_OK &&
	    (rc = api_conference_path(c, "/bilaterals", &path)) == EXIT_OK) {
		rc = api_call(c, "POST", path, body, &b);
		free(path);
		if (rc == EXIT_OK) {
			bilateral_output(c, b);
			json_decref(b);
		}
	}
	json_decref(body);
	return rc;
}

/* kaigi bilateral list [--status S]. */
static int
cmd_bilateral_list_run(struct client *c, struct args *a)
{
	json_t	*list;
	char	*path, *url, *e;
	int	 rc;

	if ((rc = api_conference_path(c, "/bilaterals?limit=1000", &path)) !=
	    EXIT_OK)
		return rc;
	e = api_escape(args_has(a, "status") ? args_get(a, "status") : "");
	url = args_has(a, "status") ? xasprintf("%s&status=%s", path, e) :
	    xstrdup(path);
	rc = api_get_all(c, url, &list);
	free(e), free(url), free(path);
	if (rc != EXIT_OK)
		return rc;
	if (c->json)
		api_print_json(list);
	else
		bilateral_print_table(list);
	json_decref(list);
	return EXIT_OK;
}

/* POST /bilaterals/{id}/{action} with body and print the answer. */
static int
bilateral_post(struct client *c, struct args *a, const char *action,
    json_t *body)
{
	long long	 id;
	json_t		*b;
	char		*path;
	int		 rc;

	if (api_parse_id(args_pos(a, 0), &id) != 0)
		return EXIT_USAGE;
	path = xasprintf("/api/v1/bilaterals/%lld/%s", id, action);
	rc = api_call(c, "POST", path, body, &b);
	free(path);
	if (rc != EXIT_OK)
		return rc;
	if (b != NULL)
		bilateral_output(c, b);
	else
		out_line(stdout, "bilateral %lld: %s", id, action);
	json_decref(b);
	return EXIT_OK;
}

/* kaigi bilateral accept ID. */
static int
cmd_bilateral_accept_run(struct client *c, struct args *a)
{
	return bilateral_post(c, a, "accept", NULL);
}

/* kaigi bilateral decline ID. */
static int
cmd_bilateral_decline_run(struct client *c, struct args *a)
{
	return bilateral_post(c, a, "decline", NULL);
}

/* kaigi bilateral withdraw ID. */
static int
cmd_bilateral_withdraw_run(struct client *c, struct args *a)
{
	return bilateral_post(c, a, "withdraw", NULL);
}

/* kaigi bilateral slots ID [--limit N]. */
static int
cmd_bilateral_slots_run(struct client *c, struct args *a)
{
	struct table	*t;
	long long	 id;
	long		 limit;
	json_t		*list, *v;
	size_t		 i;
	char		*path, *cause = NULL, *day, *h1, *h2, *room;
	int		 rc;

	if (api_parse_id(args_pos(a, 0), &id) != 0)
		return EXIT_USAGE;
	if (args_int(a, "limit", 10, 1, 1000, &limit, &cause) != 0) {
		rc = cmd_usage_error(&cmd_bilateral_slots_entry, cause);
		free(cause);
		return rc;
	}
	path = xasprintf("/api/v1/bilaterals/%lld/slots?limit=%ld", id, limit);
	rc = api_get(c, path, &list);
	free(path);
	if (rc != EXIT_OK || c->json) {
		if (rc == EXIT_OK)
			api_print_json(list);
		json_decref(list);
		return rc;
	}
	t = table_new(4, "DAY", "START", "END", "ROOM");
	json_array_foreach(api_items(list), i, v) {
		day = time_day_of_rfc3339(api_str(v, "start"));
		h1 = time_hm_of_rfc3339(api_str(v, "start"));
		h2 = time_hm_of_rfc3339(api_str(v, "end"));
		room = *api_str(v, "room") ? xstrdup(api_str(v, "room")) :
		    api_room_name(c, api_int(v, "room_id"));
		table_add(t, day, h1, h2, room ? room : api_str(v, "room_id"));
		free(day), free(h1), free(h2), free(room);
	}
	table_print(t, stdout);
	table_free(t);
	json_decref(list);
	return EXIT_OK;
}

/* kaigi bilateral schedule ID [--start TIME --room R]. */
static int
cmd_bilateral_schedule_run(struct client *c, struct args *a)
{
	icaltimezone	*zone;
	json_t		*body = json_object();
	long long	 room;
	time_t		 t;
	char		*s;
	int		 rc = EXIT_OK;

	if (args_has(a, "start") != args_has(a, "room"))
		rc = cmd_usage_error(&cmd_bilateral_schedule_entry,
		    "give both --start and --room, or neither (best slot)");
	else if (args_has(a, "start") &&
	    (rc = api_conference_zone(c, &zone)) == EXIT_OK &&
	    (rc = api_resolve_room(c, args_get(a, "room"), &room)) ==
	    EXIT_OK) {
		if (time_parse_input(args_get(a, "start"), zone, &t) != 0)
			rc = cmd_usage_error(&cmd_bilateral_schedule_entry,
			    "bad --start time");
		else {
			json_object_set_new(body, "start", json_string(
			    s = time_rfc3339(t, zone)));
			json_object_set_new(body, "room_id", json_integer(room));
			free(s);
		}
	}
	if (rc == EXIT_OK)
		rc = bilateral_post(c, a, "schedule", body);
	json_decref(body);
	return rc;
}

const struct cmd_entry cmd_bilateral_request_entry = {
	.name = "bilateral request",
	.usage = "--requester CODE --counterpart CODE --duration MIN "
	    "[--earliest TIME] [--latest TIME] [--priority 1-5] "
	    "[--level head|deputy] [--topics TEXT] [--fixed-start TIME] "
	    "[--after ID,ID] [--confidential] [--interpretation ja-en,...]",
	.summary = "request a bilateral meeting",
	.valued = cmd_bilateral_request_valued,
	.flags = cmd_bilateral_request_flags,
	.max_args = 0,
	.exec = cmd_bilateral_request_run,
};

const struct cmd_entry cmd_bilateral_list_entry = {
	.name = "bilateral list",
	.usage = "[--status STATUS]",
	.summary = "list bilateral requests",
	.valued = cmd_bilateral_list_valued,
	.max_args = 0,
	.exec = cmd_bilateral_list_run,
};

const struct cmd_entry cmd_bilateral_accept_entry = {
	.name = "bilateral accept",
	.usage = "ID",
	.summary = "accept a bilateral request (counterpart)",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_bilateral_accept_run,
};

const struct cmd_entry cmd_bilateral_decline_entry = {
	.name = "bilateral decline",
	.usage = "ID",
	.summary = "decline a bilateral request (counterpart)",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_bilateral_decline_run,
};

const struct cmd_entry cmd_bilateral_withdraw_entry = {
	.name = "bilateral withdraw",
	.usage = "ID",
	.summary = "withdraw a bilateral request (requester)",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_bilateral_withdraw_run,
};

const struct cmd_entry cmd_bilateral_slots_entry = {
	.name = "bilateral slots",
	.usage = "ID [--limit N]",
	.summary = "list feasible slots for a bilateral, best first",
	.valued = cmd_bilateral_slots_valued,
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_bilateral_slots_run,
};

const struct cmd_entry cmd_bilateral_schedule_entry = {
	.name = "bilateral schedule",
	.usage = "ID [--start TIME --room ID|NAME]",
	.summary = "schedule a bilateral (default: the best slot)",
	.valued = cmd_bilateral_schedule_valued,
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_bilateral_schedule_run,
};
