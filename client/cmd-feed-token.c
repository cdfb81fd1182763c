/*
 * cmd-feed-token.c — kaigi feed-token create|revoke: personal feed links.
 */
#include <stdlib.h>

#include "kaigi.h"

static const char *const cmd_feed_token_create_valued[] = {
	"delegation", "participant", NULL
};

/* kaigi feed-token create (--delegation CODE | --participant ID). */
static int
cmd_feed_token_create_run(struct client *c, struct args *a)
{
	struct table	*t;
	long long	 pid;
	json_t		*body, *res;
	char		*path;
	int		 rc;

	if (args_has(a, "delegation") == args_has(a, "participant"))
		return cmd_usage_error(&cmd_feed_token_create_entry,
		    "give --delegation or --participant");
	if (args_has(a, "participant")) {
		if (api_parse_id(args_get(a, "participant"), &pid) != 0)
			return EXIT_USAGE;
		body = json_pack("{s:I}", "participant_id", (json_int_t)pid);
	} else
		body = json_pack("{s:s}", "delegation",
		    args_get(a, "delegation"));
	if ((rc = api_conference_path(c, "/feed-tokens", &path)) == EXIT_OK) {
		rc = api_call(c, "POST", path, body, &res);
		free(path);
	}
	json_decref(body);
	if (rc != EXIT_OK)
		return rc;
	if (c->json)
		api_print_json(res);
	else {
		t = table_new(2, NULL, NULL);
		table_add(t, "id:", api_str(res, "id"));
		table_add(t, "token:", api_str(res, "token"));
		table_add(t, "url:", api_str(res, "url"));
		table_add(t, "webcal_url:", api_str(res, "webcal_url"));
		table_print(t, stdout);
		table_free(t);
		out_line(stdout, "(the token is shown only once)");
	}
	json_decref(res);
	return EXIT_OK;
}

/* kaigi feed-token revoke ID. */
static int
cmd_feed_token_revoke_run(struct client *c, struct args *a)
{
	return api_delete_id(c, a, "feed-tokens", "feed token", "revoked");
}

const struct cmd_entry cmd_feed_token_create_entry = {
	.name = "feed-token create",
	.usage = "--delegation CODE | --participant ID",
	.summary = "issue a personal feed link (token shown once)",
	.valued = cmd_feed_token_create_valued,
	.max_args = 0,
	.exec = cmd_feed_token_create_run,
};

const struct cmd_entry cmd_feed_token_revoke_entry = {
	.name = "feed-token revoke",
	.usage = "ID",
	.summary = "revoke a feed link (its feed answers 404 from then on)",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_feed_token_revoke_run,
};
