/*
 * cmd-conference.c — kaigi conferences: the conferences the server holds.
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

	(void)a;
	if ((rc = api_get_all(c, "/api/v1/conferences?limit=1000", &list)) !=
	    EXIT_OK)
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

const struct cmd_entry cmd_conferences_entry = {
	.name = "conferences",
	.usage = "",
	.summary = "list the conferences",
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_conferences_run,
};
