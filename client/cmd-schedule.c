/*
 * cmd-schedule.c — kaigi schedule --auto (place accepted bilaterals) and
 * kaigi conflicts (rules broken by stored data; expected: none; then the
 * warnings, which do not fail: more people expected than a room seats).
 */
#include <stdlib.h>
#include <string.h>

#include "kaigi.h"

static const char *const cmd_schedule_valued[] = { "time-limit", NULL };
static const char *const cmd_schedule_flags[] = { "auto", "dry-run", NULL };

/* Print the placed and unplaced bilaterals of a schedule answer. */
static void
schedule_print(struct client *c, json_t *res, int dry_run)
{
	struct table	*t;
	json_t		*v;
	size_t		 i;
	char		*day, *h1, *h2, *room;

	out_line(stdout, "%s %zu bilateral(s):", dry_run ? "Would place" :
	    "Placed",
	    json_array_size(json_object_get(res, "placed")));
	t = table_new(5, "BILATERAL", "DAY", "START", "END", "ROOM");
	json_array_foreach(json_object_get(res, "placed"), i, v) {
		day = time_day_of_rfc3339(api_str(v, "start"));
		h1 = time_hm_of_rfc3339(api_str(v, "start"));
		h2 = time_hm_of_rfc3339(api_str(v, "end"));
		room = api_room_name(c, api_int(v, "room_id"));
		table_add(t, api_str(v, "bilateral_id"), day, h1, h2,
		    room ? room : api_str(v, "room_id"));
		free(day), free(h1), free(h2), free(room);
	}
	table_print(t, stdout);
	table_free(t);
	if (json_array_size(json_object_get(res, "unplaced")) == 0)
		return;
	out_blank(stdout);
	out_line(stdout, "Could not place %zu:",
	    json_array_size(json_object_get(res, "unplaced")));
	t = table_new(2, "BILATERAL", "REASON");
	json_array_foreach(json_object_get(res, "unplaced"), i, v)
		table_add(t, api_str(v, "bilateral_id"), api_str(v, "reason"));
	table_print(t, stdout);
	table_free(t);
}

/* kaigi schedule --auto [--dry-run] [--time-limit MS]. */
static int
cmd_schedule_run(struct client *c, struct args *a)
{
	json_t	*body, *res;
	char	*path, *cause = NULL;
	long	 ms;
	int	 rc;

	if (!args_has(a, "auto"))
		return cmd_usage_error(&cmd_schedule_entry,
		    "only --auto scheduling is offered (see also "
		    "kaigi bilateral schedule)");
	if (args_int(a, "time-limit", 0, 1, 600000, &ms, &cause) != 0) {
		rc = cmd_usage_error(&cmd_schedule_entry, cause);
		free(cause);
		return rc;
	}
	if ((rc = api_conference_path(c, "/schedule", &path)) != EXIT_OK)
		return rc;
	body = json_pack("{s:b}", "dry_run", args_has(a, "dry-run"));
	if (ms > 0)
		json_object_set_new(body, "time_limit_ms", json_integer(ms));
	rc = api_call(c, "POST", path, body, &res);
	free(path);
	json_decref(body);
	if (rc != EXIT_OK)
		return rc;
	if (c->json)
		api_print_json(res);
	else
		schedule_print(c, res, args_has(a, "dry-run"));
	json_decref(res);
	return EXIT_OK;
}

/* One conflict item in words: "room: sessions 3 and 5: detail". */
static void
conflicts_print_one(json_t *v)
{
	const char	*what = *api_str(v, "rule") ? api_str(v, "rule") :
	    *api_str(v, "resource") ? api_str(v, "resource") : "conflict";
	const char	*detail = *api_str(v, "detail") ? api_str(v, "detail") :
	    api_str(v, "message");

	if (json_object_get(v, "other_session_id") != NULL)
		out_line(stdout, "%s: sessions %s and %s: %s", what,
		    api_str(v, "session_id"), api_str(v, "other_session_id"),
		    detail);
	else if (json_object_get(v, "session_id") != NULL)
		out_line(stdout, "%s: session %s: %s", what,
		    api_str(v, "session_id"), detail);
	else
		out_line(stdout, "%s: %s", what, detail);
}

/* kaigi conflicts: exit 0 when there are none, 4 when there are. */
static int
cmd_conflicts_run(struct client *c, struct args *a)
{
	json_t	*res, *items, *v;
	char	*path;
	size_t	 i;
	int	 rc;

	(void)a;
	if ((rc = api_conference_path(c, "/conflicts", &path)) != EXIT_OK)
		return rc;
	rc = api_get(c, path, &res);
	free(path);
	if (rc != EXIT_OK)
		return rc;
	items = api_items(res);
	if (items == NULL)
		items = json_object_get(res, "conflicts");
	if (c->json)
		api_print_json(res);
	else if (json_array_size(items) == 0)
		out_line(stdout, "no conflicts");
	else
		json_array_foreach(items, i, v)
			conflicts_print_one(v);
	/* Warnings (e.g. more people expected than seats) do not fail. */
	json_array_foreach(c->json ? NULL : json_object_get(res, "warnings"),
	    i, v)
		out_line(stdout, "warning: %s: session %s (%s): %s",
		    api_str(v, "type"), api_str(v, "session_id"),
		    api_str(v, "title"), api_str(v, "detail"));
	rc = json_array_size(items) == 0 ? EXIT_OK : EXIT_CONFLICT;
	json_decref(res);
	return rc;
}

const struct cmd_entry cmd_schedule_entry = {
	.name = "schedule",
	.usage = "--auto [--dry-run] [--time-limit MS]",
	.summary = "place every accepted, unscheduled bilateral",
	.valued = cmd_schedule_valued,
	.flags = cmd_schedule_flags,
	.max_args = 0,
	.exec = cmd_schedule_run,
};

const struct cmd_entry cmd_conflicts_entry = {
	.name = "conflicts",
	.usage = "",
	.summary = "list rules broken by stored data (exit 4 if any)",
	.max_args = 0,
	.exec = cmd_conflicts_run,
};
