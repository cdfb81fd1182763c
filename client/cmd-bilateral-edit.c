/*
 * cmd-bilateral-edit.c — kaigi bilateral edit ID: change a bilateral
 * request while it is requested or accepted (its window, duration,
 * priority, level, topics, ref, the language pairs it needs
 * (--interpretation ja-en,en-fr; "" for none) or whether it is
 * confidential: --confidential, --not-confidential). --window START/END sets both ends at
 * once; an empty --earliest or --latest ("") returns that end to the
 * conference's default. Times without an offset are in the conference's
 * zone. The version read is sent as If-Match: a change made meanwhile is
 * 412, not overwritten.
 */
#include <stdlib.h>
#include <string.h>

#include "kaigi.h"

static const char *const bilateral_edit_valued[] = {
	"window", "earliest", "latest", "duration", "priority", "level",
	"topics", "ref", "interpretation", NULL
};
static const char *const bilateral_edit_flags[] = {
	"confidential", "not-confidential", NULL
};

/* One end of the window into body (null when ""); EXIT_*. */
static int
bilateral_edit_time(struct client *c, json_t *body, const char *field,
    const char *v)
{
	icaltimezone	*zone;
	time_t		 t;
	char		*s;
	int		 rc;

	if (*v == '\0') {
		json_object_set_new(body, field, json_null());
		return EXIT_OK;
	}
	if ((rc = api_conference_zone(c, &zone)) != EXIT_OK)
		return rc;
	if (time_parse_input(v, zone, &t) != 0) {
		warnx_kaigi("'%s' is not a time (YYYY-MM-DD HH:MM, or RFC 3339)",
		    v);
		return EXIT_USAGE;
	}
	json_object_set_new(body, field, json_string(s = time_rfc3339(t, zone)));
	free(s);
	return EXIT_OK;
}

/* --window START/END, --earliest, --latest into body; EXIT_*. */
static int
bilateral_edit_window(struct client *c, struct args *a, json_t *body)
{
	const char	*w = args_get(a, "window"), *slash;
	char		*start;
	int		 rc = EXIT_OK;

	if (w != NULL) {
		if ((slash = strchr(w, '/')) == NULL) {
			warnx_kaigi("--window: give START/END, e.g. "
			    "'2023-04-29 09:00/2023-04-29 18:00'");
			return EXIT_USAGE;
		}
		start = xstrndup(w, (size_t)(slash - w));
		rc = bilateral_edit_time(c, body, "earliest", start);
		free(start);
		if (rc == EXIT_OK)
			rc = bilateral_edit_time(c, body, "latest", slash + 1);
		return rc;
	}
	if (args_has(a, "earliest"))
		rc = bilateral_edit_time(c, body, "earliest",
		    args_get(a, "earliest"));
	if (rc == EXIT_OK && args_has(a, "latest"))
		rc = bilateral_edit_time(c, body, "latest",
		    args_get(a, "latest"));
	return rc;
}

/* The numbers and texts into body; EXIT_*. */
static int
bilateral_edit_fields(struct args *a, json_t *body)
{
	static const char *const text[] = { "level", "topics", "ref", NULL };
	long	 n;
	char	*cause = NULL;
	int	 i;

	if (args_int(a, "duration", 0, 5, 480, &n, &cause) != 0 ||
	    (args_has(a, "duration") && (json_object_set_new(body,
	    "duration_minutes", json_integer(n)), 0)) ||
	    args_int(a, "priority", 0, 1, 5, &n, &cause) != 0) {
		warnx_kaigi("%s", cause);
		free(cause);
		return EXIT_USAGE;
	}
	if (args_has(a, "priority"))
		json_object_set_new(body, "priority", json_integer(n));
	if (args_has(a, "confidential") || args_has(a, "not-confidential"))
		json_object_set_new(body, "confidential",
		    json_boolean(args_has(a, "confidential")));
	for (i = 0; text[i] != NULL; i++)
		if (args_has(a, text[i]))
			json_object_set_new(body, text[i],
			    json_string(args_get(a, text[i])));
	return EXIT_OK;
}

/* kaigi bilateral edit ID [--window START/END] [--duration MIN] ... */
static int
cmd_bilateral_edit_run(struct client *c, struct args *a)
{
	json_t		*body = json_object(), *b, *res;
	long long	 id;
	char		*path;
	int		 rc;

	if (api_parse_id(args_pos(a, 0), &id) != 0)
		rc = EXIT_USAGE;
	else if ((rc = bilateral_edit_fields(a, body)) == EXIT_OK &&
	    (rc = bilateral_edit_window(c, a, body)) == EXIT_OK &&
	    (rc = interp_options(c, a, body)) == EXIT_OK &&
	    json_object_size(body) == 0)
		rc = cmd_usage_error(&cmd_bilateral_edit_entry,
		    "give at least one option to change");
	if (rc != EXIT_OK) {
		json_decref(body);
		return rc;
	}
	path = xasprintf("/api/v1/bilaterals/%lld", id);
	if ((rc = api_get(c, path, &b)) == EXIT_OK) {
		rc = api_call_if_match(c, "PATCH", path, body,
		    api_str(b, "version"), &res);
		json_decref(b);
		if (rc == EXIT_OK)
			bilateral_output(c, res);
		json_decref(res);
	}
	free(path);
	json_decref(body);
	return rc;
}

const struct cmd_entry cmd_bilateral_edit_entry = {
	.name = "bilateral edit",
	.usage = "ID [--window START/END] [--earliest TIME] [--latest TIME] "
	    "[--duration MIN] [--priority 1-5] [--level head|deputy] "
	    "[--topics TEXT] [--ref TEXT] [--confidential|--not-confidential] "
	    "[--interpretation ja-en,...] (\"\": none)",
	.summary = "change a bilateral request that is not scheduled yet",
	.valued = bilateral_edit_valued,
	.flags = bilateral_edit_flags,
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_bilateral_edit_run,
};
