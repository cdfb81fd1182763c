/*
 * cmd-seating.c — kaigi seating SESSION_ID: the protocol order of a
 * session's delegations (GET /api/v1/sessions/{id}/seating): who sits
 * where round the table (the head first, then alternately on its right
 * and its left, one seat further each pair) and the order of speaking.
 * The server decides; this prints it (or its JSON with --json).
 */
#include <stdio.h>
#include <stdlib.h>

#include "kaigi.h"

/* The places as a table, then the speaking order on one line. */
static void
seating_output(json_t *s)
{
	struct table	*t = table_new(4, "SEAT", "SIDE", "DISTANCE", "DELEGATION");
	json_t		*places = json_object_get(s, "places");
	json_t		*speaking = json_object_get(s, "speaking"), *v;
	size_t		 i;
	char		*line = xstrdup(""), *next;

	json_array_foreach(places, i, v)
		table_add(t, api_str(v, "seat"), api_str(v, "side"),
		    api_str(v, "distance"), api_str(v, "code"));
	out_line(stdout, "Seating of session %s (%s), round the table from "
	    "the head:", api_str(s, "session_id"), api_str(s, "kind"));
	table_print(t, stdout);
	table_free(t);
	json_array_foreach(speaking, i, v) {
		next = xasprintf("%s%s%s", line, i ? ", " : "",
		    json_is_string(v) ? json_string_value(v) : "");
		free(line);
		line = next;
	}
	out_line(stdout, "Speaking order: %s", *line ? line : "(no delegations)");
	free(line);
}

/* kaigi seating SESSION_ID */
static int
cmd_seating_run(struct client *c, struct args *a)
{
	long long	 id;
	json_t		*s;
	char		*path;
	int		 rc;

	if (api_parse_id(args_pos(a, 0), &id) != 0)
		return EXIT_USAGE;
	path = xasprintf("/api/v1/sessions/%lld/seating", id);
	rc = api_get(c, path, &s);
	free(path);
	if (rc != EXIT_OK)
		return rc;
	if (c->json)
		api_print_json(s);
	else
		seating_output(s);
	json_decref(s);
	return EXIT_OK;
}

const struct cmd_entry cmd_seating_entry = {
	.name = "seating",
	.usage = "SESSION_ID",
	.summary = "a session's seating round the table and speaking order "
	    "(protocol order: chair first, then by precedence)",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_seating_run,
};
