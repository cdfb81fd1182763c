/*
 * cmd-registration.c — kaigi registration add|list|rm: seats at a side
 * event (the secretariat's, and a liaison's for its own delegation).
 * Beyond the session's seats a registration waits, with its position;
 * removing a confirmed one promotes the first waiting one (the server
 * does it, in the same transaction). PERSON is an id, an e-mail, a ref or
 * a name (any case); a name several people share is an error listing
 * them (setup.c).
 */
#include <stdlib.h>
#include <string.h>

#include "kaigi.h"

static const char *const cmd_registration_list_valued[] = { "status", NULL };

/* "confirmed", or "waiting (position N)", of a registration. */
static char *
cmd_registration_state(json_t *g)
{
	if (json_object_get(g, "position") != NULL)
		return xasprintf("%s (position %s)", api_str(g, "status"),
		    api_str(g, "position"));
	return xstrdup(api_str(g, "status"));
}

/* kaigi registration add SESSION PERSON. */
static int
cmd_registration_add_run(struct client *c, struct args *a)
{
	json_t		*row, *body, *res;
	long long	 sid;
	char		*path, *state;
	int		 rc;

	if (api_parse_id(args_pos(a, 0), &sid) != 0)
		return EXIT_USAGE;
	if ((rc = setup_find(c, &setup_participant_kind, args_pos(a, 1),
	    &row)) != EXIT_OK)
		return rc;
	body = json_pack("{s:I}", "participant_id", (json_int_t)api_int(row,
	    "id"));
	json_decref(row);
	path = xasprintf("/api/v1/sessions/%lld/registrations", sid);
	rc = api_call(c, "POST", path, body, &res);
	free(path);
	json_decref(body);
	if (rc != EXIT_OK)
		return rc;
	if (c->json)
		api_print_json(res);
	else {
		state = cmd_registration_state(res);
		out_line(stdout, "registration %s: %s (%s) %s", api_str(res, "id"),
		    api_str(res, "participant"), api_str(res, "delegation"),
		    state);
		free(state);
	}
	json_decref(res);
	return EXIT_OK;
}

/* kaigi registration list SESSION [--status confirmed|waiting]. */
static int
cmd_registration_list_run(struct client *c, struct args *a)
{
	struct table	*t;
	long long	 sid;
	json_t		*res, *v;
	char		*path, *st;
	size_t		 i;
	int		 rc;

	if (api_parse_id(args_pos(a, 0), &sid) != 0)
		return EXIT_USAGE;
	st = args_has(a, "status") ? api_escape(args_get(a, "status")) : NULL;
	path = xasprintf("/api/v1/sessions/%lld/registrations%s%s", sid,
	    st ? "?status=" : "", st ? st : "");
	free(st);
	rc = api_get_all(c, path, &res);
	free(path);
	if (rc != EXIT_OK)
		return rc;
	if (c->json) {
		api_print_json(res);
		json_decref(res);
		return EXIT_OK;
	}
	t = table_new(6, "ID", "PARTICIPANT", "DELEGATION", "STATUS",
	    "POSITION", "REGISTERED");
	json_array_foreach(api_items(res), i, v)
		table_add(t, api_str(v, "id"), api_str(v, "participant"),
		    api_str(v, "delegation"), api_str(v, "status"),
		    api_str(v, "position"), api_str(v, "created_at"));
	table_print(t, stdout);
	table_free(t);
	json_decref(res);
	return EXIT_OK;
}

/* kaigi registration rm ID. */
static int
cmd_registration_rm_run(struct client *c, struct args *a)
{
	return api_delete_id(c, a, "registrations", "registration",
	    "cancelled");
}

const struct cmd_entry cmd_registration_add_entry = {
	.name = "registration add",
	.usage = "SESSION PERSON",
	.summary = "register a participant for a side event (confirmed while "
	    "seats are free, else waiting with a position)",
	.min_args = 2,
	.max_args = 2,
	.exec = cmd_registration_add_run,
};

const struct cmd_entry cmd_registration_list_entry = {
	.name = "registration list",
	.usage = "SESSION [--status confirmed|waiting]",
	.summary = "a session's registrations you may see, in registration "
	    "order",
	.valued = cmd_registration_list_valued,
	.max_args = 1,
	.min_args = 1,
	.exec = cmd_registration_list_run,
};

const struct cmd_entry cmd_registration_rm_entry = {
	.name = "registration rm",
	.usage = "ID",
	.summary = "cancel a registration (a freed seat goes to the first "
	    "waiting one)",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_registration_rm_run,
};
