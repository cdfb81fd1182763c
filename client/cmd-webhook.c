/*
 * cmd-webhook.c — kaigi webhook add|list|rm|deliveries: the conference's
 * webhooks (secretariat), which POST each session change, signed, to
 * another system.
 */
#include <stdlib.h>
#include <string.h>

#include "kaigi.h"

static const char *const cmd_webhook_add_valued[] = {
	"secret", "events", NULL
};

/* "a,b,c" as a JSON array of its non-empty parts. */
static json_t *
cmd_webhook_events(const char *s)
{
	json_t	*a = json_array();
	char	*copy = xstrdup(s), *p, *save = NULL;

	for (p = strtok_r(copy, ",", &save); p != NULL;
	    p = strtok_r(NULL, ",", &save))
		json_array_append_new(a, json_string(p));
	free(copy);
	return a;
}

/* The events of a hook as "a,b,c" (caller frees). */
static char *
cmd_webhook_events_text(json_t *h)
{
	json_t	*e;
	size_t	 i;
	char	*out = xstrdup(""), *n;

	json_array_foreach(json_object_get(h, "events"), i, e) {
		n = xasprintf("%s%s%s", out, i > 0 ? "," : "",
		    json_is_string(e) ? json_string_value(e) : "");
		free(out);
		out = n;
	}
	return out;
}

/* kaigi webhook add URL --secret S [--events a,b]. */
static int
cmd_webhook_add_run(struct client *c, struct args *a)
{
	json_t	*body, *res;
	char	*path, *ev;
	int	 rc;

	if (!args_has(a, "secret"))
		return cmd_usage_error(&cmd_webhook_add_entry, "give --secret");
	body = json_pack("{s:s,s:s}", "url", args_pos(a, 0), "secret",
	    args_get(a, "secret"));
	if (args_has(a, "events"))
		json_object_set_new(body, "events",
		    cmd_webhook_events(args_get(a, "events")));
	if ((rc = api_conference_path(c, "/webhooks", &path)) == EXIT_OK) {
		rc = api_call(c, "POST", path, body, &res);
		free(path);
	}
	json_decref(body);
	if (rc != EXIT_OK)
		return rc;
	if (c->json)
		api_print_json(res);
	else {
		ev = cmd_webhook_events_text(res);
		out_line(stdout, "webhook %s: %s (%s)", api_str(res, "id"),
		    api_str(res, "url"), ev);
		free(ev);
	}
	json_decref(res);
	return EXIT_OK;
}

/* kaigi webhook list. */
static int
cmd_webhook_list_run(struct client *c, struct args *a)
{
	struct table	*t;
	json_t		*res, *v;
	char		*path, *ev;
	size_t		 i;
	int		 rc;

	(void)a;
	if ((rc = api_conference_path(c, "/webhooks", &path)) != EXIT_OK)
		return rc;
	rc = api_call(c, "GET", path, NULL, &res);
	free(path);
	if (rc != EXIT_OK)
		return rc;
	if (c->json) {
		api_print_json(res);
		json_decref(res);
		return EXIT_OK;
	}
	t = table_new(4, "ID", "URL", "EVENTS", "CREATED");
	json_array_foreach(api_items(res), i, v) {
		ev = cmd_webhook_events_text(v);
		table_add(t, api_str(v, "id"), api_str(v, "url"), ev,
		    api_str(v, "created_at"));
		free(ev);
	}
	table_print(t, stdout);
	table_free(t);
	json_decref(res);
	return EXIT_OK;
}

/* kaigi webhook rm ID. */
static int
cmd_webhook_rm_run(struct client *c, struct args *a)
{
	return api_delete_id(c, a, "webhooks", "webhook", "deleted");
}

/* kaigi webhook deliveries ID. */
static int
cmd_webhook_deliveries_run(struct client *c, struct args *a)
{
	struct table	*t;
	long long	 id;
	json_t		*res, *v;
	char		*path;
	size_t		 i;
	int		 rc;

	if (api_parse_id(args_pos(a, 0), &id) != 0)
		return EXIT_USAGE;
	path = xasprintf("/api/v1/webhooks/%lld/deliveries", id);
	rc = api_call(c, "GET", path, NULL, &res);
	free(path);
	if (rc != EXIT_OK)
		return rc;
	if (c->json) {
		api_print_json(res);
		json_decref(res);
		return EXIT_OK;
	}
	t = table_new(8, "ID", "EVENT", "SESSION", "STATUS", "ATTEMPTS",
	    "CODE", "LAST ATTEMPT", "ERROR");
	json_array_foreach(api_items(res), i, v)
		table_add(t, api_str(v, "id"), api_str(v, "event"),
		    api_str(v, "session_id"), api_str(v, "status"),
		    api_str(v, "attempts"), api_str(v, "response_code"),
		    api_str(v, "last_attempt_at"), api_str(v, "last_error"));
	table_print(t, stdout);
	table_free(t);
	json_decref(res);
	return EXIT_OK;
}

const struct cmd_entry cmd_webhook_add_entry = {
	.name = "webhook add",
	.usage = "URL --secret S [--events KIND,...]",
	.summary = "POST each session change, signed with S, to URL "
	    "(kinds: session.created,moved,updated,cancelled,deleted; "
	    "bilateral.changed)",
	.valued = cmd_webhook_add_valued,
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_webhook_add_run,
};

const struct cmd_entry cmd_webhook_list_entry = {
	.name = "webhook list",
	.usage = "",
	.summary = "list the conference's webhooks (never their secrets)",
	.max_args = 0,
	.exec = cmd_webhook_list_run,
};

const struct cmd_entry cmd_webhook_rm_entry = {
	.name = "webhook rm",
	.usage = "ID",
	.summary = "delete a webhook (nothing more is sent to it)",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_webhook_rm_run,
};

const struct cmd_entry cmd_webhook_deliveries_entry = {
	.name = "webhook deliveries",
	.usage = "ID",
	.summary = "a webhook's delivery log: status, attempts, answer, error",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_webhook_deliveries_run,
};
