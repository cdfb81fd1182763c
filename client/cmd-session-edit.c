/*
 * cmd-session-edit.c — kaigi session edit ID: change what a session is
 * rather than when or where (session move does that): its title,
 * description, visibility, the language pairs it needs
 * (--interpretation ja-en,en-fr; "" for none) and its given interpreters
 * (--interpreter P, repeatable: they replace the given ones; kaigi picks
 * the rest). The version read is sent as If-Match: a change made
 * meanwhile is 412, not overwritten. A pair nobody can interpret then, or
 * a room with too few booths, is the server's 409 (exit 4) naming it.
 */
#include <stdlib.h>

#include "kaigi.h"

static const char *const session_edit_valued[] = {
	"title", "description", "visibility", "interpretation", "interpreter",
	NULL
};

/* The PATCH body from the options; exit code. */
static int
session_edit_body(struct client *c, struct args *a, json_t *body)
{
	static const char *const text[] = { "title", "description",
	    "visibility", NULL };
	int	i;

	for (i = 0; text[i] != NULL; i++)
		if (args_has(a, text[i]))
			json_object_set_new(body, text[i],
			    json_string(args_get(a, text[i])));
	return interp_options(c, a, body);
}

/* kaigi session edit ID [--title T] ... [--interpretation PAIRS] */
static int
cmd_session_edit_run(struct client *c, struct args *a)
{
	json_t		*body = json_object(), *s = NULL, *res = NULL;
	long long	 id;
	char		*path;
	int		 rc;

	if (api_parse_id(args_pos(a, 0), &id) != 0)
		rc = EXIT_USAGE;
	else if ((rc = session_edit_body(c, a, body)) == EXIT_OK &&
	    json_object_size(body) == 0)
		rc = cmd_usage_error(&cmd_session_edit_entry,
		    "give at least one option to change");
	if (rc != EXIT_OK) {
		json_decref(body);
		return rc;
	}
	path = xasprintf("/api/v1/sessions/%lld", id);
	if ((rc = api_get(c, path, &s)) == EXIT_OK &&
	    (rc = api_call_if_match(c, "PATCH", path, body,
	    api_str(s, "version"), &res)) == EXIT_OK) {
		if (c->json)
			api_print_json(res);
		else
			session_print_one(c, res);
	}
	json_decref(s);
	json_decref(res);
	free(path);
	json_decref(body);
	return rc;
}

const struct cmd_entry cmd_session_edit_entry = {
	.name = "session edit",
	.usage = "ID [--title TEXT] [--description TEXT] [--visibility V] "
	    "[--interpretation ja-en,...] [--interpreter P]... (\"\": no "
	    "pairs; P: participant id, e-mail or name)",
	.summary = "change a session's title, description, visibility or "
	    "interpretation (session move changes its time and room)",
	.valued = session_edit_valued,
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_session_edit_run,
};
