/*
 * setup.c — the engine behind kaigi venue|room|delegation|participant
 * add|edit|rm|list: one description per kind of row (struct setup_kind, in
 * cmd-venue.c, cmd-room.c, cmd-delegation.c, cmd-participant.c) says its
 * paths, options and columns; these four functions do the rest.
 *
 * A row is named by its id or by what people use (a venue or room by
 * name, a delegation by code, a participant by e-mail, ref or name, any
 * case); a name that fits several rows is an error listing them. edit and
 * rm send the version they read as If-Match, so a row changed meanwhile
 * answers 412 rather than being overwritten. An empty value ("") clears an
 * optional text (e-mail, time zone, ref).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kaigi.h"

/* Does s consist of digits only (an id)? */
static int
setup_is_id(const char *s)
{
	return *s != '\0' && strspn(s, "0123456789") == strlen(s);
}

/* The JSON value of one option, or NULL (message printed) when bad. */
static json_t *
setup_value(struct client *c, const struct setup_field *f, const char *v)
{
	long long	 n;
	char		*end;
	json_t		*row;

	switch (f->type) {
	case SETUP_INT_CLEARABLE:
		if (*v == '\0')
			return json_null();
		/* FALLTHROUGH */
	case SETUP_INT:
		n = strtoll(v, &end, 10);
		if (*v == '\0' || *end != '\0') {
			warnx_kaigi("--%s: '%s' is not a number", f->option, v);
			return NULL;
		}
		return json_integer(n);
	case SETUP_BOOL:
		if (strcmp(v, "yes") == 0 || strcmp(v, "no") == 0)
			return json_boolean(*v == 'y');
		warnx_kaigi("--%s: say yes or no, not '%s'", f->option, v);
		return NULL;
	case SETUP_CLEARABLE:
		return *v == '\0' ? json_null() : json_string(v);
	case SETUP_PAIRS:
		return interp_pairs_json(v);
	case SETUP_VENUE:
		if (setup_find(c, &setup_venue_kind, v, &row) != EXIT_OK)
			return NULL;
		n = api_int(row, "id");
		json_decref(row);
		return json_integer(n);
	default:
		return json_string(v);
	}
}

/* The body from the options given; NULL after a message. *n counts them. */
static json_t *
setup_body(struct client *c, struct args *a, const struct setup_kind *k,
    int add, int *n)
{
	const struct setup_field	*f;
	json_t				*body = json_object(), *v;

	*n = 0;
	for (f = k->fields; f->option != NULL; f++) {
		if (!args_has(a, f->option)) {
			if (add && f->required) {
				warnx_kaigi("%s add: --%s is required", k->name,
				    f->option);
				json_decref(body);
				return NULL;
			}
			continue;
		}
		if ((v = setup_value(c, f, args_get(a, f->option))) == NULL) {
			json_decref(body);
			return NULL;
		}
		json_object_set_new(body, f->field, v);
		(*n)++;
	}
	return body;
}

/* Does row match word by one of the kind's keys (any case)? */
static int
setup_matches(const struct setup_kind *k, json_t *row, const char *word)
{
	const char *const	*key;

	for (key = k->keys; *key != NULL; key++) {
		if (strcasecmp(api_str(row, *key), word) == 0)
			return 1;
	}
	return 0;
}

/* "12  Annex" for a candidate list. */
static void
setup_print_candidate(const struct setup_kind *k, json_t *row)
{
	const char *const	*key;
	char			*line, *longer;

	line = xstrdup(api_str(row, "id"));
	for (key = k->keys; *key != NULL; key++)
		if (*api_str(row, *key) != '\0') {
			longer = xasprintf("%s  %s", line, api_str(row, *key));
			free(line);
			line = longer;
		}
	out_line(stderr, "  %s", line);
	free(line);
}

/* Fetch every row of the kind in the current conference. */
static int
setup_all(struct client *c, const struct setup_kind *k, json_t **list)
{
	char	*suffix;
	int	 rc;

	suffix = xasprintf("%s?limit=1000", k->list_suffix);
	rc = api_conference_all(c, suffix, list);
	free(suffix);
	return rc;
}

/* Pick the one row of list that word names; EXIT_USAGE with the candidates. */
static int
setup_pick(const struct setup_kind *k, json_t *list, const char *word,
    json_t **row)
{
	json_t	*v, *hits = json_array();
	size_t	 i;

	json_array_foreach(api_items(list), i, v)
		if (setup_matches(k, v, word))
			json_array_append(hits, v);
	if (json_array_size(hits) == 1)
		*row = json_incref(json_array_get(hits, 0));
	else if (json_array_size(hits) == 0)
		warnx_kaigi("no %s '%s' in this conference", k->name, word);
	else {
		warnx_kaigi("'%s' names %zu %ss; use one of these ids:", word,
		    json_array_size(hits), k->name);
		json_array_foreach(hits, i, v)
			setup_print_candidate(k, v);
	}
	i = json_array_size(hits);
	json_decref(hits);
	return i == 1 ? EXIT_OK : EXIT_USAGE;
}

/* The row word names (an id, or a key); *row is new. */
int
setup_find(struct client *c, const struct setup_kind *k, const char *word,
    json_t **row)
{
	json_t	*list;
	char	*path;
	int	 rc;

	*row = NULL;
	if (setup_is_id(word)) {
		path = xasprintf("%s%s", k->item_prefix, word);
		rc = api_get(c, path, row);
		free(path);
		return rc;
	}
	if ((rc = setup_all(c, k, &list)) != EXIT_OK)
		return rc;
	rc = setup_pick(k, list, word, row);
	json_decref(list);
	return rc;
}

/* Print a row as "field: value" lines, or its JSON. */
static void
setup_print_row(struct client *c, const struct setup_kind *k, json_t *row)
{
	const struct setup_column	*col;
	struct table			*t;
	char				*label, *value;

	if (c->json) {
		api_print_json(row);
		return;
	}
	t = table_new(2, NULL, NULL);
	table_add(t, "id:", api_str(row, "id"));
	for (col = k->columns; col->heading != NULL; col++) {
		label = xasprintf("%s:", col->field);
		table_add(t, label, api_str(row, col->field));
		free(label);
	}
	for (col = k->details; col != NULL && col->heading != NULL; col++) {
		label = xasprintf("%s:", col->field);
		value = json_is_array(json_object_get(row, col->field)) ?
		    interp_pairs_text(row, col->field) :
		    xstrdup(api_str(row, col->field));
		table_add(t, label, value);
		free(label);
		free(value);
	}
	table_add(t, "version:", api_str(row, "version"));
	table_print(t, stdout);
	table_free(t);
}

/* kaigi KIND add --option VALUE ... */
int
setup_add(struct client *c, struct args *a, const struct setup_kind *k)
{
	json_t	*body, *res;
	char	*path;
	int	 rc, n;

	if ((body = setup_body(c, a, k, 1, &n)) == NULL)
		return EXIT_USAGE;
	if ((rc = api_conference_path(c, k->list_suffix, &path)) == EXIT_OK) {
		rc = api_call(c, "POST", path, body, &res);
		free(path);
	}
	json_decref(body);
	if (rc != EXIT_OK)
		return rc;
	setup_print_row(c, k, res);
	json_decref(res);
	return EXIT_OK;
}

/* kaigi KIND edit WHICH --option VALUE ... */
int
setup_edit(struct client *c, struct args *a, const struct setup_kind *k)
{
	json_t	*body, *row, *res;
	char	*path;
	int	 rc, n;

	if ((body = setup_body(c, a, k, 0, &n)) == NULL)
		return EXIT_USAGE;
	if (n == 0) {
		json_decref(body);
		warnx_kaigi("%s edit: give at least one option to change",
		    k->name);
		return EXIT_USAGE;
	}
	if ((rc = setup_find(c, k, args_pos(a, 0), &row)) == EXIT_OK) {
		path = xasprintf("%s%s", k->item_prefix, api_str(row, "id"));
		rc = api_call_if_match(c, "PATCH", path, body,
		    api_str(row, "version"), &res);
		free(path);
		json_decref(row);
	}
	json_decref(body);
	if (rc != EXIT_OK)
		return rc;
	setup_print_row(c, k, res);
	json_decref(res);
	return EXIT_OK;
}

/* kaigi KIND rm WHICH */
int
setup_rm(struct client *c, struct args *a, const struct setup_kind *k)
{
	json_t	*row, *res;
	char	*path, *label;
	int	 rc;

	if ((rc = setup_find(c, k, args_pos(a, 0), &row)) != EXIT_OK)
		return rc;
	path = xasprintf("%s%s", k->item_prefix, api_str(row, "id"));
	label = xasprintf("%s %s (%s)", k->name, api_str(row, "id"),
	    api_str(row, k->columns[0].field));
	rc = api_call_if_match(c, "DELETE", path, NULL,
	    api_str(row, "version"), &res);
	free(path);
	json_decref(row);
	json_decref(res);
	if (rc == EXIT_OK) {
		if (c->json) {
			res = json_pack("{s:s, s:b}", "deleted", label, "ok", 1);
			api_print_json(res);
			json_decref(res);
		} else
			out_line(stdout, "deleted %s", label);
	}
	free(label);
	return rc;
}

/* The list's query (?limit and the kind's filter); NULL after a message. */
static char *
setup_list_suffix(struct client *c, struct args *a, const struct setup_kind *k)
{
	const struct setup_field	*f = k->filter;
	json_t				*v;
	char				*e, *s;

	if (f == NULL || !args_has(a, f->option))
		return xasprintf("%s?limit=1000", k->list_suffix);
	if ((v = setup_value(c, f, args_get(a, f->option))) == NULL)
		return NULL;
	if (json_is_integer(v))
		e = xasprintf("%lld", (long long)json_integer_value(v));
	else
		e = api_escape(json_string_value(v));
	s = xasprintf("%s?limit=1000&%s=%s", k->list_suffix, f->field, e);
	free(e);
	json_decref(v);
	return s;
}

/* kaigi KIND list */
int
setup_list(struct client *c, struct args *a, const struct setup_kind *k)
{
	const struct setup_column	*col;
	struct table			*t;
	json_t				*list, *v;
	char				*suffix;
	size_t				 i;
	int				 rc, n = 0;

	if ((suffix = setup_list_suffix(c, a, k)) == NULL)
		return EXIT_USAGE;
	rc = api_conference_all(c, suffix, &list);
	free(suffix);
	if (rc != EXIT_OK)
		return rc;
	if (c->json) {
		api_print_json(list);
		json_decref(list);
		return EXIT_OK;
	}
	for (col = k->columns; col->heading != NULL; col++)
		n++;
	t = table_new(1 + n, "ID", k->columns[0].heading,
	    n > 1 ? k->columns[1].heading : NULL,
	    n > 2 ? k->columns[2].heading : NULL,
	    n > 3 ? k->columns[3].heading : NULL,
	    n > 4 ? k->columns[4].heading : NULL);
	json_array_foreach(api_items(list), i, v)
		table_add(t, api_str(v, "id"), api_str(v, k->columns[0].field),
		    n > 1 ? api_str(v, k->columns[1].field) : NULL,
		    n > 2 ? api_str(v, k->columns[2].field) : NULL,
		    n > 3 ? api_str(v, k->columns[3].field) : NULL,
		    n > 4 ? api_str(v, k->columns[4].field) : NULL);
	table_print(t, stdout);
	table_free(t);
	json_decref(list);
	return EXIT_OK;
}
