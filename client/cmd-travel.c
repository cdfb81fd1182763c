/*
 * cmd-travel.c — kaigi travel set FROM TO MINUTES and kaigi travel list:
 * the minutes it takes to go from one venue to another (both directions
 * unless the other is set apart). Venues are named by id or name. set sends
 * the matrix version it read as If-Match, so a change made meanwhile is
 * 412, not overwritten.
 */
#include <stdlib.h>
#include <string.h>

#include "kaigi.h"

/* The id of the venue word names; EXIT_* (message printed). */
static int
travel_venue(struct client *c, const char *word, long long *id)
{
	json_t	*row;
	int	 rc;

	if ((rc = setup_find(c, &setup_venue_kind, word, &row)) != EXIT_OK)
		return rc;
	*id = api_int(row, "id");
	json_decref(row);
	return EXIT_OK;
}

/* MINUTES: 0 to 1440; -1 otherwise. */
static int
travel_minutes(const char *s, long long *minutes)
{
	char	*end;

	*minutes = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || *minutes < 0 || *minutes > 1440)
		return -1;
	return 0;
}

/* The matrix as FROM TO MINUTES rows (venue names), or its JSON. */
static int
travel_print(struct client *c, json_t *matrix)
{
	struct table	*t;
	json_t		*v;
	size_t		 i;
	char		*from, *to, *min;

	if (c->json) {
		api_print_json(matrix);
		return EXIT_OK;
	}
	t = table_new(3, "FROM", "TO", "MINUTES");
	json_array_foreach(api_items(matrix), i, v) {
		from = xasprintf("%lld", api_int(v, "from_venue_id"));
		to = xasprintf("%lld", api_int(v, "to_venue_id"));
		min = xasprintf("%lld", api_int(v, "minutes"));
		table_add(t, from, to, min);
		free(from), free(to), free(min);
	}
	table_print(t, stdout);
	table_free(t);
	return EXIT_OK;
}

/* kaigi travel set FROM TO MINUTES */
static int
cmd_travel_set_run(struct client *c, struct args *a)
{
	long long	 from, to, minutes;
	json_t		*matrix, *body, *res;
	char		*path, *version;
	int		 rc;

	if (travel_minutes(args_pos(a, 2), &minutes) != 0)
		return cmd_usage_error(&cmd_travel_set_entry,
		    "MINUTES must be a whole number from 0 to 1440");
	if ((rc = travel_venue(c, args_pos(a, 0), &from)) != EXIT_OK ||
	    (rc = travel_venue(c, args_pos(a, 1), &to)) != EXIT_OK)
		return rc;
	if ((rc = api_conference_path(c, "/travel-times", &path)) != EXIT_OK)
		return rc;
	if ((rc = api_get(c, path, &matrix)) == EXIT_OK) {
		version = xstrdup(api_str(matrix, "version"));
		json_decref(matrix);
		body = json_pack("[{s:I, s:I, s:I}]", "from_venue_id",
		    (json_int_t)from, "to_venue_id", (json_int_t)to, "minutes",
		    (json_int_t)minutes);
		rc = api_call_if_match(c, "PATCH", path, body,
		    *version ? version : NULL, &res);
		json_decref(body);
		free(version);
		if (rc == EXIT_OK)
			travel_print(c, res);
		json_decref(res);
	}
	free(path);
	return rc;
}

/* kaigi travel list */
static int
cmd_travel_list_run(struct client *c, struct args *a)
{
	json_t	*matrix;
	char	*path;
	int	 rc;

	(void)a;
	if ((rc = api_conference_path(c, "/travel-times", &path)) != EXIT_OK)
		return rc;
	rc = api_get(c, path, &matrix);
	free(path);
	if (rc != EXIT_OK)
		return rc;
	travel_print(c, matrix);
	json_decref(matrix);
	return EXIT_OK;
}

const struct cmd_entry cmd_travel_set_entry = {
	.name = "travel set",
	.usage = "FROM TO MINUTES",
	.summary = "set the travel time between two venues (id or name), "
	    "both ways",
	.min_args = 3,
	.max_args = 3,
	.exec = cmd_travel_set_run,
};

const struct cmd_entry cmd_travel_list_entry = {
	.name = "travel list",
	.usage = "",
	.summary = "list the travel times between venues (venue ids)",
	.max_args = 0,
	.exec = cmd_travel_list_run,
};
