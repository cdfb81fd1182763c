/*
 * cmd-release.c — kaigi release create|list|changes: schedule releases
 * (issue 18). In a conference whose publish setting is "release", feeds,
 * the public page and the printed programme show the last release; the
 * secretariat publishes the draft as a new release, and anyone may ask what
 * changed in release N for an audience (the public, a delegation, a
 * participant) since release N - 1.
 */
#include <stdlib.h>
#include <string.h>

#include "kaigi.h"

static const char *const cmd_release_create_valued[] = {
	"name", "comment", NULL
};
static const char *const cmd_release_changes_valued[] = {
	"delegation", "participant", NULL
};

/* kaigi release create [--name N] [--comment C]. */
static int
cmd_release_create_run(struct client *c, struct args *a)
{
	json_t	*body = json_object(), *res;
	char	*path;
	int	 rc;

	if (args_has(a, "name"))
		json_object_set_new(body, "name", json_string(args_get(a, "name")));
	if (args_has(a, "comment"))
		json_object_set_new(body, "comment",
		    json_string(args_get(a, "comment")));
	if ((rc = api_conference_path(c, "/releases", &path)) == EXIT_OK) {
		rc = api_call(c, "POST", path, body, &res);
		free(path);
	}
	json_decref(body);
	if (rc != EXIT_OK)
		return rc;
	if (c->json)
		api_print_json(res);
	else
		out_line(stdout, "release %lld%s%s: %lld sessions", api_int(res, "n"),
		    *api_str(res, "name") ? " " : "", api_str(res, "name"),
		    api_int(res, "sessions"));
	json_decref(res);
	return EXIT_OK;
}

/* kaigi release list. */
static int
cmd_release_list_run(struct client *c, struct args *a)
{
	struct table	*t;
	json_t		*list, *v;
	size_t		 i;
	int		 rc;

	(void)a;
	if ((rc = api_conference_all(c, "/releases?limit=1000", &list)) != EXIT_OK)
		return rc;
	if (c->json) {
		api_print_json(list);
		json_decref(list);
		return EXIT_OK;
	}
	t = table_new(5, "N", "NAME", "CREATED", "SESSIONS", "COMMENT");
	json_array_foreach(api_items(list), i, v)
		table_add(t, api_str(v, "n"), api_str(v, "name"),
		    api_str(v, "created_at"), api_str(v, "sessions"),
		    api_str(v, "comment"));
	table_print(t, stdout);
	table_free(t);
	json_decref(list);
	return EXIT_OK;
}

/* "START-END ROOM" of one side of a change, or "-". */
static char *
cmd_release_side(json_t *side)
{
	if (!json_is_object(side))
		return xstrdup("-");
	return xasprintf("%s-%s %s", api_str(side, "start"),
	    api_str(side, "end"), *api_str(side, "room") ?
	    api_str(side, "room") : "(no room)");
}

/* The path of release N's changes for the options' audience, or NULL. */
static char *
cmd_release_changes_path(struct client *c, struct args *a, int *rc)
{
	long long	 n, pid;
	char		*rel, *e = NULL, *path = NULL;

	if (api_parse_id(args_pos(a, 0), &n) != 0) {
		*rc = EXIT_USAGE;
		return NULL;
	}
	if (args_has(a, "delegation") && args_has(a, "participant")) {
		*rc = cmd_usage_error(&cmd_release_changes_entry,
		    "give --delegation or --participant, not both");
		return NULL;
	}
	if (args_has(a, "participant")) {
		if (api_parse_id(args_get(a, "participant"), &pid) != 0) {
			*rc = EXIT_USAGE;
			return NULL;
		}
		rel = xasprintf("/releases/%lld/changes?participant=%lld", n, pid);
	} else if (args_has(a, "delegation")) {
		e = api_escape(args_get(a, "delegation"));
		rel = xasprintf("/releases/%lld/changes?delegation=%s", n, e);
	} else
		rel = xasprintf("/releases/%lld/changes", n);
	*rc = api_conference_path(c, rel, &path);
	free(rel);
	free(e);
	return path;
}

/* kaigi release changes N [--delegation CODE | --participant ID]. */
static int
cmd_release_changes_run(struct client *c, struct args *a)
{
	struct table	*t;
	json_t		*res, *v;
	char		*path, *before, *after;
	size_t		 i;
	int		 rc;

	if ((path = cmd_release_changes_path(c, a, &rc)) == NULL)
		return rc;
	rc = api_get(c, path, &res);
	free(path);
	if (rc != EXIT_OK)
		return rc;
	if (c->json) {
		api_print_json(res);
		json_decref(res);
		return EXIT_OK;
	}
	t = table_new(5, "CHANGE", "SESSION", "TITLE", "BEFORE", "AFTER");
	json_array_foreach(json_object_get(res, "items"), i, v) {
		before = cmd_release_side(json_object_get(v, "before"));
		after = cmd_release_side(json_object_get(v, "after"));
		table_add(t, api_str(v, "change"), api_str(v, "session_id"),
		    api_str(v, "title"), before, after);
		free(before);
		free(after);
	}
	table_print(t, stdout);
	table_free(t);
	json_decref(res);
	return EXIT_OK;
}

const struct cmd_entry cmd_release_create_entry = {
	.name = "release create",
	.usage = "[--name NAME] [--comment TEXT]",
	.summary = "publish the draft as the next release (release mode)",
	.valued = cmd_release_create_valued,
	.max_args = 0,
	.exec = cmd_release_create_run,
};

const struct cmd_entry cmd_release_list_entry = {
	.name = "release list",
	.usage = "",
	.summary = "list the conference's releases",
	.max_args = 0,
	.exec = cmd_release_list_run,
};

const struct cmd_entry cmd_release_changes_entry = {
	.name = "release changes",
	.usage = "N [--delegation CODE | --participant ID]",
	.summary = "what release N added, moved, re-roomed, cancelled or "
	    "retitled for an audience",
	.valued = cmd_release_changes_valued,
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_release_changes_run,
};
