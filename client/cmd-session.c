/*
 * cmd-session.c — kaigi sessions and kaigi session show|create|move|cancel.
 * session move --repair|--dry-run asks POST /sessions/{id}/move, which
 * re-places the bilaterals the move bumps, and prints its plan.
 *
 * Times typed without an offset are read in the conference's zone; the
 * API answers in that zone too, so tables print its wall-clock times as
 * they come.
 */
#include <stdlib.h>
#include <string.h>

#include "kaigi.h"

static const char *const cmd_sessions_valued[] = {
	"day", "room", "kind", "delegation", "from", "to", NULL
};
static const char *const cmd_session_create_valued[] = {
	"kind", "title", "room", "start", "end", "duration", "status",
	"visibility", "description", "attendee", "delegation", "represented",
	"remote", "interpretation", "interpreter", NULL
};
static const char *const cmd_session_move_valued[] = {
	"start", "end", "duration", "room", "if-match", "expect", NULL
};
static const char *const cmd_session_move_flags[] = { "repair", "dry-run", NULL };

/* One list item as text: "Name (JP)" (an attendee: then "represented
 * by X" or "remote LINK" when so), a code, or a number. */
static char *
session_item(json_t *v)
{
	if (json_is_object(v) && *api_str(v, "name") != '\0' &&
	    *api_str(v, "delegation") != '\0')
		return xasprintf("%s (%s)%s%s", api_str(v, "name"),
		    api_str(v, "delegation"),
		    *api_str(v, "represented_by_name") ? " represented by " :
		    strcmp(api_str(v, "mode"), "remote") == 0 ? " remote " : "",
		    *api_str(v, "represented_by_name") ?
		    api_str(v, "represented_by_name") : api_str(v, "link"));
	if (json_is_object(v))
		return xstrdup(*api_str(v, "code") ? api_str(v, "code") :
		    *api_str(v, "name") ? api_str(v, "name") :
		    api_str(v, "id"));
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_integer(v))
		return xasprintf("%lld", (long long)json_integer_value(v));
	return xstrdup("?");
}

/* "a, b, c" from an array of strings, numbers or objects. */
static char *
session_join(json_t *arr)
{
	json_t	*v;
	size_t	 i;
	char	*s = xstrdup(""), *n, *item;

	json_array_foreach(arr, i, v) {
		item = session_item(v);
		n = xasprintf("%s%s%s", s, i ? ", " : "", item);
		free(item);
		free(s);
		s = n;
	}
	return s;
}

/* Print sessions as a table (times as the API gives them). */
void
session_print_table(struct client *c, json_t *list)
{
	struct table	*t;
	json_t		*v;
	size_t		 i;
	char		*day, *h1, *h2, *range;

	(void)c;
	t = table_new(7, "ID", "DAY", "TIME", "ROOM", "KIND", "STATUS",
	    "TITLE");
	json_array_foreach(api_items(list), i, v) {
		day = time_day_of_rfc3339(api_str(v, "start"));
		h1 = time_hm_of_rfc3339(api_str(v, "start"));
		h2 = time_hm_of_rfc3339(api_str(v, "end"));
		range = xasprintf("%s–%s", h1, h2);
		table_add(t, api_str(v, "id"), day, range, api_str(v, "room"),
		    api_str(v, "kind"), api_str(v, "status"),
		    api_str(v, "title"));
		free(day), free(h1), free(h2), free(range);
	}
	table_print(t, stdout);
	table_free(t);
}

/* Print one session as "field: value" lines. */
void
session_print_one(struct client *c, json_t *s)
{
	struct table	*t = table_new(2, NULL, NULL);
	char		*day = time_day_of_rfc3339(api_str(s, "start"));
	char		*h1 = time_hm_of_rfc3339(api_str(s, "start"));
	char		*h2 = time_hm_of_rfc3339(api_str(s, "end"));
	char		*when = xasprintf("%s %s–%s", day, h1, h2);
	char		*dels = session_join(json_object_get(s, "delegations"));
	char		*att = session_join(json_object_get(s, "attendees"));
	char		*room = xasprintf("%s%s%s", api_str(s, "room"),
	    *api_str(s, "venue") ? ", " : "", api_str(s, "venue"));
	char		*interp = interp_session_text(s);

	(void)c;
	table_add(t, "id:", api_str(s, "id"));
	table_add(t, "title:", api_str(s, "title"));
	table_add(t, "kind:", api_str(s, "kind"));
	table_add(t, "status:", api_str(s, "status"));
	table_add(t, "visibility:", api_str(s, "visibility"));
	table_add(t, "when:", when);
	table_add(t, "room:", room);
	table_add(t, "delegations:", dels);
	table_add(t, "attendees:", att);
	if (interp != NULL)
		table_add(t, "interpretation:", interp);
	table_add(t, "sequence:", api_str(s, "sequence"));
	table_add(t, "version:", api_str(s, "version"));
	if (*api_str(s, "description") != '\0')
		table_add(t, "description:", api_str(s, "description"));
	table_print(t, stdout);
	table_free(t);
	free(day), free(h1), free(h2), free(when), free(dels), free(att);
	free(room), free(interp);
}

/* Print a session answer as JSON or as fields. */
static void
session_output(struct client *c, json_t *s)
{
	if (c->json)
		api_print_json(s);
	else
		session_print_one(c, s);
}

/* Append "&key=value" (escaped) to *q. */
static void
session_query_add(char **q, const char *key, const char *value)
{
	char	*e = api_escape(value), *n;

	n = xasprintf("%s&%s=%s", *q, key, e);
	free(*q);
	free(e);
	*q = n;
}

/* Turn --day/--from/--to into from= and to= in the conference's zone. */
static int
session_query_times(struct client *c, struct args *a, char **q)
{
	icaltimezone	*zone;
	const char	*day = args_get(a, "day");
	time_t		 t0, t1;
	int		 y, m, d, rc;
	char		*s;

	if (day == NULL && !args_has(a, "from") && !args_has(a, "to"))
		return EXIT_OK;
	if ((rc = api_conference_zone(c, &zone)) != EXIT_OK)
		return rc;
	if (day != NULL) {
		if (time_parse_date(day, &y, &m, &d) != 0) {
			warnx_kaigi("--day: expected YYYY-MM-DD, got '%s'", day);
			return EXIT_USAGE;
		}
		t0 = time_day_start(y, m, d, zone);
		t1 = time_day_start(y, m, d + 1, zone);
	} else {
		t0 = t1 = 0;
		if (args_has(a, "from") && time_parse_input(args_get(a,
		    "from"), zone, &t0) != 0)
			return cmd_usage_error(&cmd_sessions_entry, "bad --from");
		if (args_has(a, "to") && time_parse_input(args_get(a, "to"),
		    zone, &t1) != 0)
			return cmd_usage_error(&cmd_sessions_entry, "bad --to");
	}
	if (t0 != 0) {
		session_query_add(q, "from", s = time_rfc3339(t0, zone));
		free(s);
	}
	if (t1 != 0) {
		session_query_add(q, "to", s = time_rfc3339(t1, zone));
		free(s);
	}
	return EXIT_OK;
}

/* The query string of kaigi sessions' filters into *q; exit code. */
static int
session_list_query(struct client *c, struct args *a, char **q)
{
	long long	 room_id;
	char		*room;
	int		 rc;

	if ((rc = session_query_times(c, a, q)) != EXIT_OK)
		return rc;
	if (args_has(a, "room")) {
		if ((rc = api_resolve_room(c, args_get(a, "room"), &room_id)) !=
		    EXIT_OK)
			return rc;
		room = xasprintf("%lld", room_id);
		session_query_add(q, "room_id", room);
		free(room);
	}
	if (args_has(a, "kind"))
		session_query_add(q, "kind", args_get(a, "kind"));
	if (args_has(a, "delegation"))
		session_query_add(q, "delegation", args_get(a, "delegation"));
	return EXIT_OK;
}

/* kaigi sessions [--day DATE] [--room R] [--kind K] [--delegation CODE]. */
static int
cmd_sessions_run(struct client *c, struct args *a)
{
	json_t	*list;
	char	*q = xstrdup("?limit=1000"), *path = NULL, *url;
	int	 rc;

	if ((rc = session_list_query(c, a, &q)) == EXIT_OK)
		rc = api_conference_path(c, "/sessions", &path);
	if (rc != EXIT_OK) {
		free(q);
		return rc;
	}
	url = xasprintf("%s%s", path, q);
	rc = api_get_all(c, url, &list);
	free(url);
	free(path);
	free(q);
	if (rc != EXIT_OK)
		return rc;
	if (c->json)
		api_print_json(list);
	else
		session_print_table(c, list);
	json_decref(list);
	return EXIT_OK;
}

/* kaigi session show ID. */
static int
cmd_session_show_run(struct client *c, struct args *a)
{
	long long	 id;
	json_t		*s;
	char		*path;
	int		 rc;

	if (api_parse_id(args_pos(a, 0), &id) != 0)
		return EXIT_USAGE;
	path = xasprintf("/api/v1/sessions/%lld", id);
	rc = api_get(c, path, &s);
	free(path);
	if (rc == EXIT_OK) {
		session_output(c, s);
		json_decref(s);
	}
	return rc;
}

/* Set key of body to time value read in zone (also in *t); -1 if bad. */
static int
session_set_time(json_t *body, const char *key, const char *value,
    icaltimezone *zone, time_t *t)
{
	char	*s;

	if (time_parse_input(value, zone, t) != 0) {
		warnx_kaigi("--%s: expected YYYY-MM-DDTHH:MM (conference time)"
		    " or RFC 3339, got '%s'", key, value);
		return -1;
	}
	s = time_rfc3339(*t, zone);
	json_object_set_new(body, key, json_string(s));
	free(s);
	return 0;
}

/* Set "end" from --end, or from the start plus --duration minutes. */
static int
session_set_end(struct args *a, json_t *body, icaltimezone *zone, time_t start)
{
	long	 minutes;
	char	*cause = NULL, *s;
	time_t	 end;

	if (args_has(a, "end"))
		return session_set_time(body, "end", args_get(a, "end"), zone,
		    &end);
	if (args_int(a, "duration", 0, 1, 24 * 60, &minutes, &cause) != 0) {
		warnx_kaigi("%s", cause);
		free(cause);
		return -1;
	}
	if (minutes == 0)
		return 0;
	s = time_rfc3339(start + minutes * 60, zone);
	json_object_set_new(body, "end", json_string(s));
	free(s);
	return 0;
}

/* Add --room as room_id to body; exit code. */
static int
session_set_room(struct client *c, struct args *a, json_t *body)
{
	long long	id;
	int		rc;

	if (!args_has(a, "room"))
		return EXIT_OK;
	if ((rc = api_resolve_room(c, args_get(a, "room"), &id)) == EXIT_OK)
		json_object_set_new(body, "room_id", json_integer(id));
	return rc;
}

/* Add the repeatable --attendee (--represented, --remote: see
 * cmd-session-attend.c) and --delegation options to body; exit code. */
static int
session_set_lists(struct client *c, struct args *a, json_t *body)
{
	json_t	*att = json_array(), *del = json_array();
	size_t	 i;
	int	 rc;

	if ((rc = session_attendance_options(c, a, att)) != EXIT_OK) {
		json_decref(att);
		json_decref(del);
		return rc;
	}
	for (i = 0; i < args_count(a, "delegation"); i++)
		json_array_append_new(del, json_string(args_value(a,
		    "delegation", i)));
	if (json_array_size(att) > 0)
		json_object_set(body, "attendees", att);
	if (json_array_size(del) > 0)
		json_object_set(body, "delegations", del);
	json_decref(att);
	json_decref(del);
	return EXIT_OK;
}

/* Build the body of session create; exit code. */
static int
session_create_body(struct client *c, struct args *a, json_t *body)
{
	static const char *const strings[] = {
		"kind", "title", "status", "visibility", "description", NULL
	};
	const char *const	*k;
	icaltimezone		*zone;
	time_t			 start;
	int			 rc;

	if (!args_has(a, "kind") || !args_has(a, "title") ||
	    !args_has(a, "start") ||
	    (!args_has(a, "end") && !args_has(a, "duration")))
		return cmd_usage_error(&cmd_session_create_entry, "--kind, "
		    "--title, --start and --end or --duration are required");
	for (k = strings; *k != NULL; k++)
		if (args_has(a, *k))
			json_object_set_new(body, *k, json_string(args_get(a,
			    *k)));
	if ((rc = api_conference_zone(c, &zone)) != EXIT_OK)
		return rc;
	if (session_set_time(body, "start", args_get(a, "start"), zone,
	    &start) != 0 || session_set_end(a, body, zone, start) != 0)
		return EXIT_USAGE;
	if ((rc = session_set_lists(c, a, body)) != EXIT_OK ||
	    (rc = interp_options(c, a, body)) != EXIT_OK)
		return rc;
	return session_set_room(c, a, body);
}

/* kaigi session create --kind K --title T --start T (--end T|--duration M). */
static int
cmd_session_create_run(struct client *c, struct args *a)
{
	json_t	*body = json_object(), *s;
	char	*path;
	int	 rc;

	if ((rc = session_create_body(c, a, body)) == EXIT_OK &&
	    (rc = api_conference_path(c, "/sessions", &path)) == EXIT_OK) {
		rc = api_call(c, "POST", path, body, &s);
		free(path);
		if (rc == EXIT_OK) {
			session_output(c, s);
			json_decref(s);
		}
	}
	json_decref(body);
	return rc;
}

/*
 * Build the PATCH body of session move from cur, the session as read
 * (keeping its duration when only --start is given); exit code.
 */
static int
session_move_body(struct client *c, struct args *a, json_t *cur,
    json_t *body)
{
	icaltimezone	*zone;
	time_t		 start, s0, e0;
	char		*s;
	int		 rc;

	if ((rc = session_set_room(c, a, body)) != EXIT_OK ||
	    !args_has(a, "start"))
		return rc;
	if ((rc = api_conference_zone(c, &zone)) != EXIT_OK)
		return rc;
	if (session_set_time(body, "start", args_get(a, "start"), zone,
	    &start) != 0)
		return EXIT_USAGE;
	if (args_has(a, "end") || args_has(a, "duration"))
		return session_set_end(a, body, zone, start) ? EXIT_USAGE : 0;
	if (time_parse_rfc3339(api_str(cur, "start"), &s0) != 0 ||
	    time_parse_rfc3339(api_str(cur, "end"), &e0) != 0) {
		warnx_kaigi("the session's times are not RFC 3339; give --end "
		    "or --duration");
		return EXIT_SERVER;
	}
	s = time_rfc3339(start + (e0 - s0), zone);
	json_object_set_new(body, "end", json_string(s));
	free(s);
	return EXIT_OK;
}

/*
 * The version to send in If-Match: --if-match, else the version of the
 * session as read, so that a change made meanwhile by someone else is a
 * 412, not silently overwritten; NULL (said) if the session has none.
 */
static const char *
session_move_version(struct args *a, json_t *cur)
{
	if (args_has(a, "if-match"))
		return args_get(a, "if-match");
	if (*api_str(cur, "version") != '\0')
		return api_str(cur, "version");
	warnx_kaigi("the session as read has no version; nothing moved");
	return NULL;
}

/* PATCH path with body if version still matches; print the answer. */
static int
session_move_send(struct client *c, const char *path, json_t *body,
    const char *version, long long id)
{
	json_t	*s;
	int	 rc;

	rc = api_call_if_match(c, "PATCH", path, body, version, &s);
	if (rc == EXIT_OK) {
		session_output(c, s);
		json_decref(s);
	} else if (c->status == 412)
		warnx_kaigi("session %lld changed since kaigi read it (version "
		    "%s); nothing moved: see kaigi session show %lld, then move "
		    "it again", id, version, id);
	return rc;
}

/* "DAY HH:MM–HH:MM ROOM" of a {start, end, room} place (free it). */
static char *
session_place_text(json_t *p)
{
	char	*day = time_day_of_rfc3339(api_str(p, "start"));
	char	*h1 = time_hm_of_rfc3339(api_str(p, "start"));
	char	*h2 = time_hm_of_rfc3339(api_str(p, "end"));
	char	*out = xasprintf("%s %s–%s %s", day, h1, h2, api_str(p, "room"));

	free(day), free(h1), free(h2);
	return out;
}

/* Print the plan of a move with repair (or its dry run). */
static void
session_plan_print(json_t *res)
{
	json_t		*m = json_object_get(res, "moved"), *v, *re, *un;
	struct table	*t;
	char		*day, *h1, *h2, *from, *to;
	size_t		 i;
	int		 dry = json_is_true(json_object_get(res, "dry_run"));

	re = json_object_get(res, "replaced");
	un = json_object_get(res, "unplaced");
	day = time_day_of_rfc3339(api_str(m, "start"));
	h1 = time_hm_of_rfc3339(api_str(m, "start"));
	h2 = time_hm_of_rfc3339(api_str(m, "end"));
	out_line(stdout, "%s session %s '%s' to %s %s–%s; %s %zu bilateral(s)",
	    dry ? "Would move" : "Moved", api_str(m, "id"), api_str(m, "title"),
	    day, h1, h2, dry ? "would re-place" : "re-placed", json_array_size(re));
	free(day), free(h1), free(h2);
	t = table_new(5, "BILATERAL", "SESSION", "WHY", "FROM", "TO");
	json_array_foreach(re, i, v) {
		from = session_place_text(json_object_get(v, "from"));
		to = session_place_text(json_object_get(v, "to"));
		table_add(t, api_str(v, "bilateral_id"), api_str(v, "session_id"),
		    json_is_false(json_object_get(v, "bumped")) ?
		    "also moves, to make room" : "bumped", from, to);
		free(from), free(to);
	}
	if (json_array_size(re) > 0)
		table_print(t, stdout);
	table_free(t);
	if (dry && *api_str(res, "plan_id") != '\0' && json_array_size(un) == 0)
		out_line(stdout, "To carry out exactly this plan: add --repair "
		    "--expect %s (a 409 if anything changed meanwhile)",
		    api_str(res, "plan_id"));
	if (json_array_size(un) == 0)
		return;
	out_line(stdout, "Could not re-place %zu (nothing is moved):",
	    json_array_size(un));
	t = table_new(2, "BILATERAL", "REASON");
	json_array_foreach(un, i, v)
		table_add(t, api_str(v, "bilateral_id"), api_str(v, "reason"));
	table_print(t, stdout);
	table_free(t);
}

/* POST .../move {start, end, room_id?, repair, dry_run}; print the plan. */
static int
session_move_repair(struct client *c, struct args *a, long long id,
    json_t *cur, json_t *body, const char *version)
{
	json_t	*res;
	char	*path;
	int	 rc;

	if (json_object_get(body, "start") == NULL) {
		json_object_set(body, "start", json_object_get(cur, "start"));
		json_object_set(body, "end", json_object_get(cur, "end"));
	}
	json_object_set_new(body, "repair", json_boolean(args_has(a, "repair")));
	json_object_set_new(body, "dry_run", json_boolean(args_has(a, "dry-run")));
	if (args_has(a, "expect"))
		json_object_set_new(body, "expect", json_string(args_get(a, "expect")));
	path = xasprintf("/api/v1/sessions/%lld/move", id);
	rc = api_call_if_match(c, "POST", path, body, version, &res);
	free(path);
	if (rc != EXIT_OK)
		return rc;
	if (c->json)
		api_print_json(res);
	else
		session_plan_print(res);
	json_decref(res);
	return EXIT_OK;
}

/* kaigi session move ID [--start T [--end T|--duration M]] [--room R]
 * [--repair] [--dry-run]. */
static int
cmd_session_move_run(struct client *c, struct args *a)
{
	long long	 id;
	json_t		*body = NULL, *cur = NULL;
	const char	*version;
	char		*path;
	int		 rc;

	if (api_parse_id(args_pos(a, 0), &id) != 0)
		return EXIT_USAGE;
	if (!args_has(a, "start") && !args_has(a, "room"))
		return cmd_usage_error(&cmd_session_move_entry,
		    "give --start and/or --room");
	path = xasprintf("/api/v1/sessions/%lld", id);
	if ((rc = api_get(c, path, &cur)) == EXIT_OK) {
		body = json_object();
		if ((version = session_move_version(a, cur)) == NULL)
			rc = EXIT_SERVER;
		else if ((rc = session_move_body(c, a, cur, body)) != EXIT_OK)
			;
		else if (args_has(a, "repair") || args_has(a, "dry-run"))
			rc = session_move_repair(c, a, id, cur, body, version);
		else
			rc = session_move_send(c, path, body, version, id);
	}
	json_decref(body);
	json_decref(cur);
	free(path);
	return rc;
}

/* kaigi session cancel ID. */
static int
cmd_session_cancel_run(struct client *c, struct args *a)
{
	long long	 id;
	json_t		*s;
	char		*path;
	int		 rc;

	if (api_parse_id(args_pos(a, 0), &id) != 0)
		return EXIT_USAGE;
	path = xasprintf("/api/v1/sessions/%lld/cancel", id);
	rc = api_call(c, "POST", path, NULL, &s);
	free(path);
	if (rc != EXIT_OK)
		return rc;
	if (c->json)
		api_print_json(s);
	else
		out_line(stdout, "cancelled session %lld%s%s%s", id,
		    s ? " '" : "", s ? api_str(s, "title") : "", s ? "'" : "");
	json_decref(s);
	return EXIT_OK;
}

const struct cmd_entry cmd_sessions_entry = {
	.name = "sessions",
	.usage = "[--day YYYY-MM-DD] [--room ID|NAME] [--kind KIND] "
	    "[--delegation CODE] [--from TIME] [--to TIME]",
	.summary = "list the conference's sessions",
	.valued = cmd_sessions_valued,
	.max_args = 0,
	.exec = cmd_sessions_run,
};

const struct cmd_entry cmd_session_show_entry = {
	.name = "session show",
	.usage = "ID",
	.summary = "show one session",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_session_show_run,
};

const struct cmd_entry cmd_session_create_entry = {
	.name = "session create",
	.usage = "--kind KIND --title TITLE --start TIME (--end TIME | "
	    "--duration MIN) [--room ID|NAME] [--status S] [--visibility V] "
	    "[--description TEXT] [--attendee P]... [--represented P=REP]... "
	    "[--remote P=LINK]... [--delegation CODE]... "
	    "[--interpretation ja-en,...] [--interpreter P]... (P, REP: "
	    "participant id, e-mail or name; interpreters are picked for the "
	    "pairs when not given)",
	.summary = "create a session (TIME in the conference's zone)",
	.valued = cmd_session_create_valued,
	.max_args = 0,
	.exec = cmd_session_create_run,
};

const struct cmd_entry cmd_session_move_entry = {
	.name = "session move",
	.usage = "ID [--start TIME [--end TIME | --duration MIN]] "
	    "[--room ID|NAME] [--if-match VERSION] [--repair [--expect PLAN]] "
	    "[--dry-run]",
	.summary = "move a session (--repair: re-place the bilaterals it bumps, "
	    "moving as few others as it must; --expect: only the dry run's plan)",
	.valued = cmd_session_move_valued,
	.flags = cmd_session_move_flags,
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_session_move_run,
};

const struct cmd_entry cmd_session_cancel_entry = {
	.name = "session cancel",
	.usage = "ID",
	.summary = "cancel a session (it stays in feeds as cancelled)",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_session_cancel_run,
};
