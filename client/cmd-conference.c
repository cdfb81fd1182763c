/*
 * cmd-conference.c — kaigi conferences: the conferences the server holds
 * (--archived: the archived ones); kaigi conference archive|unarchive
 * [SLUG]: take one out of the public list and the web page's picker, or
 * put it back (its data and feeds stay).
 */
#include <stdlib.h>

#include "kaigi.h"

/* kaigi conferences. */
static int
cmd_conferences_run(struct client *c, struct args *a)
{
	struct table	*t;
	json_t		*list, *v;
	size_t		 i;
	int		 rc;

	if ((rc = api_get_all(c, args_has(a, "archived") ?
	    "/api/v1/conferences?limit=1000&archived=true" :
	    "/api/v1/conferences?limit=1000", &list)) != EXIT_OK)
		return rc;
	if (c->json) {
		api_print_json(list);
		json_decref(list);
		return EXIT_OK;
	}
	t = table_new(5, "SLUG", "TITLE", "TIMEZONE", "FROM", "TO");
	json_array_foreach(api_items(list), i, v)
		table_add(t, api_str(v, "slug"), api_str(v, "title"),
		    api_str(v, "timezone"), api_str(v, "start_date"),
		    api_str(v, "end_date"));
	table_print(t, stdout);
	table_free(t);
	json_decref(list);
	return EXIT_OK;
}

static const char *const cmd_conferences_flags[] = { "archived", NULL };

const struct cmd_entry cmd_conferences_entry = {
	.name = "conferences",
	.usage = "[--archived]",
	.summary = "list the conferences (--archived: the archived ones)",
	.flags = cmd_conferences_flags,
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_conferences_run,
};

/* POST .../archive or .../unarchive of SLUG or the current conference. */
static int
cmd_conference_set_archived(struct client *c, struct args *a, int archive)
{
	json_t	*res;
	char	*path;
	int	 rc;

	if (args_npos(a) == 1) {
		free(c->conference);
		c->conference = xstrdup(args_pos(a, 0));
	}
	if ((rc = api_conference_path(c, archive ? "/archive" : "/unarchive",
	    &path)) != EXIT_OK)
		return rc;
	rc = api_call(c, "POST", path, NULL, &res);
	free(path);
	if (rc != EXIT_OK)
		return rc;
	if (c->json)
		api_print_json(res);
	else
		out_line(stdout, "%s %s", api_str(res, "slug"), json_is_true(
		    json_object_get(res, "archived")) ? "archived: out of the "
		    "public list, data and feeds kept" : "is back in the public "
		    "list");
	json_decref(res);
	return EXIT_OK;
}

/* kaigi conference archive [SLUG]. */
static int
cmd_conference_archive_run(struct client *c, struct args *a)
{
	return cmd_conference_set_archived(c, a, 1);
}

/* kaigi conference unarchive [SLUG]. */
static int
cmd_conference_unarchive_run(struct client *c, struct args *a)
{
	return cmd_conference_set_archived(c, a, 0);
}

const struct cmd_entry cmd_conference_archive_entry = {
	.name = "conference archive",
	.usage = "[SLUG]",
	.summary = "take a conference out of the public list (data and feeds "
	    "kept)",
	.max_args = 1,
	.exec = cmd_conference_archive_run,
};

const struct cmd_entry cmd_conference_unarchive_entry = {
	.name = "conference unarchive",
	.usage = "[SLUG]",
	.summary = "put an archived conference back in the public list",
	.max_args = 1,
	.exec = cmd_conference_unarchive_run,
};
