/*
 * cmd-unavailable.c — kaigi unavailable add|rm|list PERSON: the times a
 * participant cannot attend anything (the scheduler and double-booking
 * checks keep them free). PERSON is an id, an e-mail, a ref or a name (any
 * case); a name several people share is an error listing them (setup.c).
 * Times without an offset are in the conference's zone.
 */
#include <stdlib.h>
#include <string.h>

#include "kaigi.h"

static const char *const unavailable_add_valued[] = {
	"from", "to", "reason", NULL
};

/* The path of PERSON's unavailability ("" + suffix); EXIT_*. */
static int
unavailable_path(struct client *c, const char *person, const char *suffix,
    char **path)
{
	json_t	*row;
	int	 rc;

	*path = NULL;
	if ((rc = setup_find(c, &setup_participant_kind, person, &row)) !=
	    EXIT_OK)
		return rc;
	*path = xasprintf("/api/v1/participants/%lld/unavailability%s",
	    api_int(row, "id"), suffix);
	json_decref(row);
	return EXIT_OK;
}

/* --from/--to into body as RFC 3339 in the conference's zone; EXIT_*. */
static int
unavailable_times(struct client *c, struct args *a, json_t *body)
{
	static const char *const opt[] = { "from", "to" };
	static const char *const field[] = { "start", "end" };
	icaltimezone	*zone;
	time_t		 t;
	char		*s;
	int		 i, rc;

	if ((rc = api_conference_zone(c, &zone)) != EXIT_OK)
		return rc;
	for (i = 0; i < 2; i++) {
		if (time_parse_input(args_get(a, opt[i]), zone, &t) != 0) {
			warnx_kaigi("--%s: '%s' is not a time (YYYY-MM-DD "
			    "HH:MM, or RFC 3339)", opt[i], args_get(a, opt[i]));
			return EXIT_USAGE;
		}
		json_object_set_new(body, field[i], json_string(s =
		    time_rfc3339(t, zone)));
		free(s);
	}
	return EXIT_OK;
}

/* Print unavailability rows (a list or one row), or the JSON. */
static void
unavailable_print(struct client *c, json_t *res)
{
	struct table	*t;
	json_t		*v, *one = NULL;
	size_t		 i;

	if (c->json) {
		api_print_json(res);
		return;
	}
	if (json_object_get(res, "items") == NULL) {
		one = json_pack("{s:[O]}", "items", res);
		res = one;
	}
	t = table_new(4, "ID", "FROM", "TO", "REASON");
	json_array_foreach(api_items(res), i, v)
		table_add(t, api_str(v, "id"), api_str(v, "start"),
		    api_str(v, "end"), api_str(v, "reason"));
	table_print(t, stdout);
	table_free(t);
	json_decref(one);
}

/* kaigi unavailable add PERSON --from TIME --to TIME [--reason TEXT] */
static int
cmd_unavailable_add_run(struct client *c, struct args *a)
{
	json_t	*body, *res;
	char	*path;
	int	 rc;

	if (!args_has(a, "from") || !args_has(a, "to"))
		return cmd_usage_error(&cmd_unavailable_add_entry,
		    "--from and --to are required");
	body = json_object();
	if (args_has(a, "reason"))
		json_object_set_new(body, "reason",
		    json_string(args_get(a, "reason")));
	if ((rc = unavailable_times(c, a, body)) == EXIT_OK &&
	    (rc = unavailable_path(c, args_pos(a, 0), "", &path)) == EXIT_OK) {
		rc = api_call(c, "POST", path, body, &res);
		free(path);
		if (rc == EXIT_OK)
			unavailable_print(c, res);
		json_decref(res);
	}
	json_decref(body);
	return rc;
}

/* kaigi unavailable rm PERSON ID (If-Match: the version listed) */
static int
cmd_unavailable_rm_run(struct client *c, struct args *a)
{
	json_t		*list, *v, *res;
	char		*path, *one;
	const char	*version = NULL;
	long long	 id;
	size_t		 i;
	int		 rc;

	if (api_parse_id(args_pos(a, 1), &id) != 0)
		return EXIT_USAGE;
	if ((rc = unavailable_path(c, args_pos(a, 0), "", &path)) != EXIT_OK)
		return rc;
	if ((rc = api_get(c, path, &list)) == EXIT_OK) {
		json_array_foreach(api_items(list), i, v)
			if (api_int(v, "id") == id)
				version = api_str(v, "version");
		one = xasprintf("%s/%lld", path, id);
		rc = api_call_if_match(c, "DELETE", one, NULL, version, &res);
		free(one);
		json_decref(res);
		json_decref(list);
	}
	free(path);
	if (rc == EXIT_OK)
		out_line(stdout, "deleted unavailability %lld of %s", id,
		    args_pos(a, 0));
	return rc;
}

/* kaigi unavailable list PERSON */
static int
cmd_unavailable_list_run(struct client *c, struct args *a)
{
	json_t	*list;
	char	*path;
	int	 rc;

	if ((rc = unavailable_path(c, args_pos(a, 0), "?limit=1000", &path)) !=
	    EXIT_OK)
		return rc;
	rc = api_get_all(c, path, &list);
	free(path);
	if (rc != EXIT_OK)
		return rc;
	unavailable_print(c, list);
	json_decref(list);
	return EXIT_OK;
}

const struct cmd_entry cmd_unavailable_add_entry = {
	.name = "unavailable add",
	.usage = "PERSON --from TIME --to TIME [--reason TEXT]",
	.summary = "mark a participant (id, e-mail, ref or name) unavailable",
	.valued = unavailable_add_valued,
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_unavailable_add_run,
};

const struct cmd_entry cmd_unavailable_rm_entry = {
	.name = "unavailable rm",
	.usage = "PERSON ID",
	.summary = "remove one of a participant's unavailable times",
	.min_args = 2,
	.max_args = 2,
	.exec = cmd_unavailable_rm_run,
};

const struct cmd_entry cmd_unavailable_list_entry = {
	.name = "unavailable list",
	.usage = "PERSON",
	.summary = "list a participant's unavailable times",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_unavailable_list_run,
};
