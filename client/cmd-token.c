/*
 * cmd-token.c — kaigi whoami and kaigi token create|list|revoke: the
 * caller's own token (GET /api/v1/me) and the API tokens of a conference.
 * The secretariat issues liaison tokens, an admin secretariat tokens; a
 * new token is printed once and never again (the server keeps its hash).
 */
#include <stdlib.h>

#include "kaigi.h"

static const char *const cmd_token_create_valued[] = {
	"role", "delegation", "label", NULL
};

/* kaigi whoami. */
static int
cmd_whoami_run(struct client *c, struct args *a)
{
	struct table	*t;
	json_t		*me;
	int		 rc;

	(void)a;
	if ((rc = api_get(c, "/api/v1/me", &me)) != EXIT_OK)
		return rc;
	if (c->json)
		api_print_json(me);
	else {
		t = table_new(2, NULL, NULL);
		table_add(t, "role:", api_str(me, "role"));
		table_add(t, "conference:", *api_str(me, "conference") ?
		    api_str(me, "conference") : "(all)");
		table_add(t, "delegation:", *api_str(me, "delegation") ?
		    api_str(me, "delegation") : "-");
		table_add(t, "token:", api_str(me, "token_id"));
		table_add(t, "label:", api_str(me, "label"));
		table_print(t, stdout);
		table_free(t);
	}
	json_decref(me);
	return EXIT_OK;
}

/* The body of token create, or NULL after a usage message. */
static json_t *
cmd_token_body(struct args *a)
{
	const char	*role = args_get(a, "role");
	json_t		*body;

	if (role == NULL) {
		cmd_usage_error(&cmd_token_create_entry, "give --role");
		return NULL;
	}
	body = json_pack("{s:s}", "role", role);
	if (args_has(a, "delegation"))
		json_object_set_new(body, "delegation",
		    json_string(args_get(a, "delegation")));
	if (args_has(a, "label"))
		json_object_set_new(body, "label",
		    json_string(args_get(a, "label")));
	return body;
}

/* kaigi token create --role ROLE [--delegation CODE] [--label TEXT]. */
static int
cmd_token_create_run(struct client *c, struct args *a)
{
	struct table	*t;
	json_t		*body, *res;
	char		*path;
	int		 rc;

	if ((body = cmd_token_body(a)) == NULL)
		return EXIT_USAGE;
	if ((rc = api_conference_path(c, "/tokens", &path)) == EXIT_OK) {
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
		table_add(t, "role:", api_str(res, "role"));
		table_add(t, "delegation:", *api_str(res, "delegation") ?
		    api_str(res, "delegation") : "-");
		table_add(t, "token:", api_str(res, "token"));
		table_print(t, stdout);
		table_free(t);
		out_line(stdout, "(the token is shown only once)");
	}
	json_decref(res);
	return EXIT_OK;
}

/* kaigi token list. */
static int
cmd_token_list_run(struct client *c, struct args *a)
{
	struct table	*t;
	json_t		*list, *v;
	size_t		 i;
	int		 rc;

	(void)a;
	if ((rc = api_conference_all(c, "/tokens?limit=1000", &list)) != EXIT_OK)
		return rc;
	if (c->json) {
		api_print_json(list);
		json_decref(list);
		return EXIT_OK;
	}
	t = table_new(6, "ID", "ROLE", "DELEGATION", "LABEL", "CREATED",
	    "REVOKED");
	json_array_foreach(api_items(list), i, v)
		table_add(t, api_str(v, "id"), api_str(v, "role"),
		    api_str(v, "delegation"), api_str(v, "label"),
		    api_str(v, "created_at"), api_str(v, "revoked_at"));
	table_print(t, stdout);
	table_free(t);
	json_decref(list);
	return EXIT_OK;
}

/* kaigi token revoke ID. */
static int
cmd_token_revoke_run(struct client *c, struct args *a)
{
	return api_delete_id(c, a, "tokens", "token", "revoked");
}

const struct cmd_entry cmd_whoami_entry = {
	.name = "whoami",
	.usage = "",
	.summary = "show the token's role, conference and delegation",
	.max_args = 0,
	.exec = cmd_whoami_run,
};

const struct cmd_entry cmd_token_create_entry = {
	.name = "token create",
	.usage = "--role liaison|secretariat [--delegation CODE] [--label TEXT]",
	.summary = "issue an API token (shown once): liaison by the "
	    "secretariat, secretariat by an admin",
	.valued = cmd_token_create_valued,
	.max_args = 0,
	.exec = cmd_token_create_run,
};

const struct cmd_entry cmd_token_list_entry = {
	.name = "token list",
	.usage = "",
	.summary = "list the conference's API tokens (never their secrets)",
	.max_args = 0,
	.exec = cmd_token_list_run,
};

const struct cmd_entry cmd_token_revoke_entry = {
	.name = "token revoke",
	.usage = "ID",
	.summary = "revoke an API token (refused from its next request on)",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_token_revoke_run,
};
