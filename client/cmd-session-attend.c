/*
 * cmd-session-attend.c — how people attend a session, from the command
 * line: --attendee P (in person), --represented P=REP (P represented by
 * REP, of the same delegation), --remote P=LINK (P remote, joining by an
 * https link). P and REP are participant ids, e-mails, refs or names
 * (setup_find). session create takes them; kaigi session attend ID
 * changes an existing session's attendance (PATCH of its attendees with
 * If-Match; the attendees it does not name keep how they attend), and
 * --remove P drops an attendee.
 */
#include <stdlib.h>
#include <string.h>

#include "kaigi.h"

static const char *const cmd_session_attend_valued[] = {
	"attendee", "represented", "remote", "remove", NULL
};

/* The id of the participant word names; exit code. */
int
attend_person(struct client *c, const char *word, long long *id)
{
	json_t	*row;
	char	*end;
	int	 rc;

	*id = strtoll(word, &end, 10);
	if (*word != '\0' && *end == '\0' && *id > 0)
		return EXIT_OK;		/* an id, as --attendee always took */
	if ((rc = setup_find(c, &setup_participant_kind, word, &row)) != EXIT_OK)
		return rc;
	*id = api_int(row, "id");
	json_decref(row);
	return EXIT_OK;
}

/* The participant id of an attendees item (an id or an object). */
static long long
attend_item_id(json_t *v)
{
	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_object_get(v, "participant_id") != NULL)
		return api_int(v, "participant_id");
	return api_int(v, "id");
}

/* Drop participant id from list, then append item (NULL: nothing). */
static void
attend_put(json_t *list, long long id, json_t *item)
{
	size_t	i = json_array_size(list);

	while (i-- > 0)
		if (attend_item_id(json_array_get(list, i)) == id)
			json_array_remove(list, i);
	if (item != NULL)
		json_array_append_new(list, item);
}

/* One --represented P=REP or --remote P=LINK into list; exit code. */
static int
attend_pair(struct client *c, const char *opt, const char *value, json_t *list)
{
	const char	*eq = strchr(value, '=');
	char		*who;
	long long	 id, rep;
	int		 rc;

	if (eq == NULL || eq == value || eq[1] == '\0') {
		warnx_kaigi("--%s takes PARTICIPANT=%s", opt,
		    strcmp(opt, "remote") == 0 ? "LINK" : "REPRESENTATIVE");
		return EXIT_USAGE;
	}
	who = xstrndup(value, (size_t)(eq - value));
	rc = attend_person(c, who, &id);
	free(who);
	if (rc != EXIT_OK)
		return rc;
	if (strcmp(opt, "remote") == 0) {
		attend_put(list, id, json_pack("{s:I, s:s, s:s}", "participant_id",
		    (json_int_t)id, "mode", "remote", "link", eq + 1));
		return EXIT_OK;
	}
	if ((rc = attend_person(c, eq + 1, &rep)) != EXIT_OK)
		return rc;
	attend_put(list, id, json_pack("{s:I, s:s, s:I}", "participant_id",
	    (json_int_t)id, "mode", "represented", "represented_by",
	    (json_int_t)rep));
	return EXIT_OK;
}

/* Apply --attendee, --represented, --remote (and --remove) to list. */
int
session_attendance_options(struct client *c, struct args *a, json_t *list)
{
	static const char *const pairs[] = { "represented", "remote", NULL };
	const char *const	*p;
	long long		 id;
	size_t			 i;
	int			 rc;

	for (i = 0; i < args_count(a, "attendee"); i++) {
		if ((rc = attend_person(c, args_value(a, "attendee", i), &id)) != EXIT_OK)
			return rc;
		attend_put(list, id, json_pack("{s:I, s:s}", "participant_id",
		    (json_int_t)id, "mode", "in_person"));
	}
	for (p = pairs; *p != NULL; p++)
		for (i = 0; i < args_count(a, *p); i++)
			if ((rc = attend_pair(c, *p, args_value(a, *p, i), list)) != EXIT_OK)
				return rc;
	for (i = 0; i < args_count(a, "remove"); i++) {
		if ((rc = attend_person(c, args_value(a, "remove", i), &id)) != EXIT_OK)
			return rc;
		attend_put(list, id, NULL);
	}
	return EXIT_OK;
}

/* The current attendees of session s as plain ids (they keep their mode). */
static json_t *
attend_current(json_t *s)
{
	json_t	*list = json_array(), *v;
	size_t	 i;

	json_array_foreach(json_object_get(s, "attendees"), i, v)
		json_array_append_new(list, json_integer(attend_item_id(v)));
	return list;
}

/* kaigi session attend ID [--attendee P] [--represented P=R] [--remote P=L] [--remove P]. */
static int
cmd_session_attend_run(struct client *c, struct args *a)
{
	long long	 id;
	json_t		*cur = NULL, *list, *body, *s;
	char		*path, *version;
	int		 rc;

	if (api_parse_id(args_pos(a, 0), &id) != 0)
		return EXIT_USAGE;
	path = xasprintf("/api/v1/sessions/%lld", id);
	if ((rc = api_get(c, path, &cur)) != EXIT_OK) {
		free(path);
		return rc;
	}
	list = attend_current(cur);
	if ((rc = session_attendance_options(c, a, list)) == EXIT_OK) {
		body = json_pack("{s:o}", "attendees", json_incref(list));
		version = xasprintf("%s", api_str(cur, "version"));
		rc = api_call_if_match(c, "PATCH", path, body, version, &s);
		if (rc == EXIT_OK) {
			if (c->json)
				api_print_json(s);
			else
				session_print_one(c, s);
			json_decref(s);
		}
		free(version);
		json_decref(body);
	}
	json_decref(list);
	json_decref(cur);
	free(path);
	return rc;
}

const struct cmd_entry cmd_session_attend_entry = {
	.name = "session attend",
	.usage = "ID [--attendee P]... [--represented P=REPRESENTATIVE]... "
	    "[--remote P=LINK]... [--remove P]...",
	.summary = "change who attends a session and how (P: id, e-mail or name)",
	.valued = cmd_session_attend_valued,
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_session_attend_run,
};
