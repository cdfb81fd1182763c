/*
 * cmd-conference-edit.c — kaigi conference create SLUG and kaigi conference
 * edit [SLUG]: a new conference (admin), or a change to one (its
 * secretariat; If-Match with the version read, so a change made meanwhile
 * is 412, not overwritten). A new --timezone while the conference has
 * sessions needs --shift keep_wall_clock (same local times, new instants)
 * or --shift keep_instants (same instants, new local times); the server
 * answers 409 naming both otherwise.
 */
#include <stdlib.h>
#include <string.h>

#include "kaigi.h"

/* option → JSON member; changeover is a number, the rest text. */
static const struct {
	const char	*option;
	const char	*field;
} conference_fields[] = {
	{ "title", "title" },
	{ "timezone", "timezone" },
	{ "from", "start_date" },
	{ "to", "end_date" },
	{ "location", "location" },
	{ "changeover", "changeover_minutes" },
	{ "day-start", "day_start" },
	{ "day-end", "day_end" },
	{ NULL, NULL }
};

static const char *const conference_valued[] = {
	"title", "timezone", "from", "to", "location", "changeover",
	"day-start", "day-end", "shift", NULL
};

/* The body from the options; NULL after a message. *n counts them. */
static json_t *
conference_body(struct args *a, int *n)
{
	json_t	*body = json_object();
	long	 minutes;
	char	*cause = NULL;
	int	 i;

	*n = 0;
	for (i = 0; conference_fields[i].option != NULL; i++) {
		const char *o = conference_fields[i].option;

		if (!args_has(a, o))
			continue;
		(*n)++;
		if (strcmp(o, "changeover") != 0) {
			json_object_set_new(body, conference_fields[i].field,
			    json_string(args_get(a, o)));
			continue;
		}
		if (args_int(a, o, 0, 0, 240, &minutes, &cause) != 0) {
			warnx_kaigi("%s", cause);
			free(cause);
			json_decref(body);
			return NULL;
		}
		json_object_set_new(body, "changeover_minutes",
		    json_integer(minutes));
	}
	return body;
}

/* A conference as "field: value" lines, or its JSON. */
static void
conference_print(struct client *c, json_t *conf)
{
	static const char *const shown[] = { "slug", "title", "timezone",
	    "start_date", "end_date", "location", "changeover_minutes",
	    "day_start", "day_end", "version", NULL };
	struct table	*t;
	char		*label;
	int		 i;

	if (c->json) {
		api_print_json(conf);
		return;
	}
	t = table_new(2, NULL, NULL);
	for (i = 0; shown[i] != NULL; i++) {
		label = xasprintf("%s:", shown[i]);
		table_add(t, label, api_str(conf, shown[i]));
		free(label);
	}
	table_print(t, stdout);
	table_free(t);
}

/* kaigi conference create SLUG --title T --timezone TZ --from D --to D */
static int
cmd_conference_create_run(struct client *c, struct args *a)
{
	json_t	*body, *res;
	int	 n, rc;

	if (!args_has(a, "title") || !args_has(a, "timezone") ||
	    !args_has(a, "from") || !args_has(a, "to"))
		return cmd_usage_error(&cmd_conference_create_entry,
		    "--title, --timezone, --from and --to are required");
	if (args_has(a, "shift"))
		return cmd_usage_error(&cmd_conference_create_entry,
		    "--shift is for conference edit");
	if ((body = conference_body(a, &n)) == NULL)
		return EXIT_USAGE;
	json_object_set_new(body, "slug", json_string(args_pos(a, 0)));
	rc = api_call(c, "POST", "/api/v1/conferences", body, &res);
	json_decref(body);
	if (rc != EXIT_OK)
		return rc;
	conference_print(c, res);
	json_decref(res);
	return EXIT_OK;
}

/* The --shift value as a query suffix ("" without); NULL when bad. */
static char *
conference_shift(struct args *a)
{
	const char	*s = args_get(a, "shift");

	if (s == NULL)
		return xstrdup("");
	if (strcmp(s, "keep_wall_clock") != 0 &&
	    strcmp(s, "keep_instants") != 0) {
		warnx_kaigi("--shift: '%s' is neither keep_wall_clock nor "
		    "keep_instants", s);
		return NULL;
	}
	return xasprintf("?shift=%s", s);
}

/* kaigi conference edit [SLUG] --option VALUE ... [--shift HOW] */
static int
cmd_conference_edit_run(struct client *c, struct args *a)
{
	json_t	*body, *conf, *res = NULL;
	char	*path = NULL, *shift, *url;
	int	 n, rc;

	if ((shift = conference_shift(a)) == NULL)
		return EXIT_USAGE;
	if ((body = conference_body(a, &n)) == NULL || n == 0) {
		free(shift);
		json_decref(body);
		return body == NULL ? EXIT_USAGE : cmd_usage_error(
		    &cmd_conference_edit_entry, "give at least one option to "
		    "change");
	}
	if (args_npos(a) == 1) {
		free(c->conference);
		c->conference = xstrdup(args_pos(a, 0));
	}
	if ((rc = api_conference_path(c, "", &path)) == EXIT_OK &&
	    (rc = api_get(c, path, &conf)) == EXIT_OK) {
		url = xasprintf("%s%s", path, shift);
		rc = api_call_if_match(c, "PATCH", url, body,
		    api_str(conf, "version"), &res);
		free(url);
		json_decref(conf);
		if (rc == EXIT_OK)
			conference_print(c, res);
		json_decref(res);
	}
	free(path);
	free(shift);
	json_decref(body);
	return rc;
}

const struct cmd_entry cmd_conference_create_entry = {
	.name = "conference create",
	.usage = "SLUG --title TEXT --timezone ZONE --from DATE --to DATE "
	    "[--location TEXT] [--changeover MIN] [--day-start HH:MM] "
	    "[--day-end HH:MM]",
	.summary = "create a conference (admin)",
	.valued = conference_valued,
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_conference_create_run,
};

const struct cmd_entry cmd_conference_edit_entry = {
	.name = "conference edit",
	.usage = "[SLUG] [--title TEXT] [--timezone ZONE [--shift "
	    "keep_wall_clock|keep_instants]] [--from DATE] [--to DATE] "
	    "[--location TEXT] [--changeover MIN] [--day-start HH:MM] "
	    "[--day-end HH:MM]",
	.summary = "change a conference (a new zone with sessions needs "
	    "--shift)",
	.valued = conference_valued,
	.max_args = 1,
	.exec = cmd_conference_edit_run,
};
