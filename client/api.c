/*
 * api.c — JSON requests to kaigid's /api/v1 and what their errors mean.
 *
 * api_call sends one request with the bearer token and turns the answer
 * into either parsed JSON or an exit code, having printed the problem
 * document (RFC 9457): its title and detail, each field error, and for a
 * 409 each conflicting session ("conflict: room 'Bilateral Room 1' with
 * session 12 'Japan–Canada' 10:00–10:30").
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/http.h>

#include "kaigi.h"

/* The most pages api_get_all follows: a million items at limit=1000. */
#define API_MAX_PAGES	1000

/* The exit code for an HTTP status. */
int
api_status_exit(int status)
{
	if (status >= 200 && status <= 299)
		return EXIT_OK;
	if (status == 409)
		return EXIT_CONFLICT;
	if (status >= 400 && status <= 499)
		return EXIT_CLIENT;
	return EXIT_SERVER;
}

/* Print JSON indented, for --json. */
void
api_print_json(json_t *j)
{
	text_print_json(stdout, j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
}

/* The array of a list answer: the value itself or its "items". */
json_t *
api_items(json_t *j)
{
	if (json_is_array(j))
		return j;
	if (json_is_object(j) && json_is_array(json_object_get(j, "items")))
		return json_object_get(j, "items");
	return NULL;
}

/* A string member, "" if absent or not a string (numbers are printed). */
const char *
api_str(json_t *o, const char *key)
{
	static char	 buf[8][64];
	static int	 next;
	json_t		*v = json_object_get(o, key);

	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v) || json_is_real(v) || json_is_boolean(v)) {
		next = (next + 1) % 8;
		if (json_is_integer(v))
			snprintf(buf[next], sizeof buf[next], "%lld",
			    (long long)json_integer_value(v));
		else if (json_is_real(v))
			snprintf(buf[next], sizeof buf[next], "%g",
			    json_real_value(v));
		else
			snprintf(buf[next], sizeof buf[next], "%s",
			    json_is_true(v) ? "true" : "false");
		return buf[next];
	}
	return "";
}

/* An integer member, 0 if absent. */
long long
api_int(json_t *o, const char *key)
{
	json_t	*v = json_object_get(o, key);

	if (json_is_integer(v))
		return (long long)json_integer_value(v);
	if (json_is_string(v))
		return strtoll(json_string_value(v), NULL, 10);
	return 0;
}

/* Percent-encode a string for a path segment or query value; caller frees. */
char *
api_escape(const char *s)
{
	char	*e = evhttp_uriencode(s, -1, 0);

	if (e == NULL)
		fatalx("out of memory");
	return e;
}

/* A participant's name by id (quietly NULL if it cannot be had). */
static char *
api_participant_name(struct client *c, long long id)
{
	struct client	 quiet = *c;
	json_t		*list, *v;
	size_t		 i;
	char		*path, *name = NULL;

	if (c->conference == NULL || id == 0)
		return NULL;
	quiet.json = 0;
	quiet.quiet = 1;
	if (api_conference_path(&quiet, "/participants?limit=1000", &path) !=
	    EXIT_OK)
		return NULL;
	if (api_get_all(&quiet, path, &list) == EXIT_OK) {
		json_array_foreach(api_items(list), i, v)
			if (api_int(v, "id") == id && name == NULL)
				name = xstrdup(api_str(v, "name"));
		json_decref(list);
	}
	free(path);
	return name;
}

/* Print one conflict of a 409 in words. */
static void
api_print_conflict(struct client *c, json_t *k)
{
	const char	*res = api_str(k, "resource");
	char		*what, *name = NULL, *from, *to;

	if (strcmp(res, "room") == 0) {
		if (*api_str(k, "room") != '\0')
			name = xstrdup(api_str(k, "room"));
		else if (api_int(k, "room_id") != 0)
			name = api_room_name(c, api_int(k, "room_id"));
		what = name ? xasprintf("room '%s'", name) :
		    xasprintf("room %s", api_str(k, "room_id"));
	} else if (strcmp(res, "participant") == 0 ||
	    strcmp(res, "unavailability") == 0) {
		name = *api_str(k, "participant") ?
		    xstrdup(api_str(k, "participant")) :
		    api_participant_name(c, api_int(k, "participant_id"));
		if (name == NULL)
			name = xstrdup("");
		what = xasprintf("%s%s %s%s%s",
		    *res == 'u' ? "unavailability of " : "", "participant",
		    *name ? "'" : "", *name ? name : api_str(k, "participant_id"),
		    *name ? "'" : "");
	} else
		what = xstrdup(*res ? res : "resource");
	from = time_hm_of_rfc3339(api_str(k, "start"));
	to = time_hm_of_rfc3339(api_str(k, "end"));
	if (json_object_get(k, "session_id") != NULL)
		out_line(stderr, "conflict: %s with session %s '%s' %s–%s",
		    what, api_str(k, "session_id"), api_str(k, "title"), from,
		    to);
	else
		out_line(stderr, "conflict: %s %s–%s", what, from, to);
	free(what);
	free(name);
	free(from);
	free(to);
}

/* Print field-level validation errors ("errors": object or array). */
static void
api_print_field_errors(json_t *errors)
{
	const char	*key;
	json_t		*v;
	size_t		 i;

	if (json_is_object(errors)) {
		json_object_foreach(errors, key, v)
			out_line(stderr, "  %s: %s", key, json_is_string(v) ?
			    json_string_value(v) : "invalid");
	} else if (json_is_array(errors)) {
		json_array_foreach(errors, i, v) {
			if (json_is_string(v))
				out_line(stderr, "  %s", json_string_value(v));
			else
				out_line(stderr, "  %s%s%s",
				    api_str(v, "field"),
				    *api_str(v, "field") ? ": " : "",
				    *api_str(v, "message") ?
				    api_str(v, "message") : api_str(v, "detail"));
		}
	}
}

/* What still refers to a row a DELETE was refused for ("references"). */
static void
api_print_references(json_t *refs)
{
	const char	*kind;
	json_t		*list, *v;
	size_t		 i;

	json_object_foreach(refs, kind, list) {
		json_array_foreach(list, i, v)
			out_line(stderr, "  %s %s %s%s%s", kind,
			    api_str(v, "id"), *api_str(v, "title") ?
			    api_str(v, "title") : api_str(v, "name"),
			    *api_str(v, "start") ? " " : "", api_str(v, "start"));
	}
}

/* Does the detail already say the only field error ("end: must be ...")? */
static int
api_detail_repeats_errors(const char *detail, json_t *errors)
{
	json_t	*e;

	if (!json_is_array(errors) || json_array_size(errors) != 1)
		return 0;
	e = json_array_get(errors, 0);
	return json_is_object(e) && *api_str(e, "message") != '\0' &&
	    strstr(detail, api_str(e, "message")) != NULL;
}

/* Print a non-2xx answer; returns its exit code. */
int
api_problem(struct client *c, struct http_response *r)
{
	json_t		*p, *v;
	size_t		 i;
	const char	*title, *detail;

	p = json_loads(r->body ? r->body : "", 0, NULL);
	if (c->json && p != NULL)
		api_print_json(p);
	title = p ? api_str(p, "title") : "";
	detail = p ? api_str(p, "detail") : "";
	if (*title == '\0')
		title = r->status == 409 ? "Conflict" : "request failed";
	out_line(stderr, "kaigi: %s (HTTP %d)%s%s", title, r->status,
	    *detail ? ": " : "", detail);
	if (r->status == 401)
		out_line(stderr, "kaigi: check the token (--token, KAIGI_TOKEN "
		    "or token= in the configuration file)");
	if (p != NULL) {
		if (!api_detail_repeats_errors(detail, json_object_get(p,
		    "errors")))
			api_print_field_errors(json_object_get(p, "errors"));
		json_array_foreach(json_object_get(p, "conflicts"), i, v)
			api_print_conflict(c, v);
		api_print_references(json_object_get(p, "references"));
		json_decref(p);
	}
	return api_status_exit(r->status);
}

/* Send one JSON request to path; EXIT_OK with *out (may be NULL) or a code. */
int
api_call(struct client *c, const char *method, const char *path, json_t *body,
    json_t **out)
{
	return api_call_if_match(c, method, path, body, NULL, out);
}

/* api_call with an If-Match header (a version number) unless NULL. */
int
api_call_if_match(struct client *c, const char *method, const char *path,
    json_t *body, const char *version, json_t **out)
{
	struct http_response	 r;
	struct http_header	 hdrs[4];
	char			*url, *auth = NULL, *text = NULL, *etag = NULL;
	int			 rc;

	*out = NULL;
	if (c->url == NULL) {
		warnx_kaigi("no server URL: use --url, KAIGI_URL or url= in "
		    "~/.config/kaigi/config");
		return EXIT_USAGE;
	}
	url = xasprintf("%s%s", c->url, path);
	if (c->token != NULL)
		auth = xasprintf("Bearer %s", c->token);
	hdrs[0] = (struct http_header){ "Accept", "application/json" };
	hdrs[1] = (struct http_header){ "Authorization", auth };
	if (version != NULL)
		etag = xasprintf("\"%s\"", version);
	hdrs[2] = (struct http_header){ "If-Match", etag };
	hdrs[3] = (struct http_header){ NULL, NULL };
	if (body != NULL)
		text = json_dumps(body, JSON_COMPACT);
	c->status = 0;
	if (http_request(method, url, hdrs, text, c->timeout, &r) != 0) {
		if (!c->quiet)
			warnx_kaigi("%s", r.error);
		rc = EXIT_SERVER;
	} else if ((c->status = r.status) < 200 || r.status > 299)
		rc = c->quiet ? api_status_exit(r.status) : api_problem(c, &r);
	else if (r.len == 0)
		rc = EXIT_OK;
	else if ((*out = json_loads(r.body, 0, NULL)) == NULL) {
		warnx_kaigi("%s: answer is not JSON (HTTP %d)", url, r.status);
		rc = EXIT_SERVER;
	} else
		rc = EXIT_OK;
	http_response_free(&r);
	free(text);
	free(auth);
	free(etag);
	free(url);
	return rc;
}

/* GET path as JSON. */
int
api_get(struct client *c, const char *path, json_t **out)
{
	return api_call(c, "GET", path, NULL, out);
}

/* The conference of the token (GET /api/v1/me), quietly, if it has one. */
static void
api_me_conference(struct client *c)
{
	struct client	 quiet = *c;
	json_t		*me;

	quiet.json = 0;
	quiet.quiet = 1;
	if (c->token == NULL || api_get(&quiet, "/api/v1/me", &me) != EXIT_OK)
		return;
	if (json_is_string(json_object_get(me, "conference")))
		c->conference = xstrdup(api_str(me, "conference"));
	json_decref(me);
}

/* The conference slug: given, the token's, or the only one on the server. */
int
api_conference(struct client *c, const char **slug)
{
	json_t	*list, *items, *v;
	size_t	 i;
	int	 rc;

	if (c->conference == NULL)
		api_me_conference(c);
	if (c->conference != NULL) {
		*slug = c->conference;
		return EXIT_OK;
	}
	if ((rc = api_get(c, "/api/v1/conferences", &list)) != EXIT_OK)
		return rc;
	items = api_items(list);
	if (items != NULL && json_array_size(items) == 1)
		c->conference = xstrdup(api_str(json_array_get(items, 0),
		    "slug"));
	else if (items == NULL || json_array_size(items) == 0)
		warnx_kaigi("the server has no conferences");
	else {
		warnx_kaigi("several conferences; choose one with --conference "
		    "or KAIGI_CONFERENCE:");
		json_array_foreach(items, i, v)
			out_line(stderr, "  %s", api_str(v, "slug"));
	}
	json_decref(list);
	*slug = c->conference;
	return c->conference != NULL ? EXIT_OK : EXIT_USAGE;
}

/* The conference's time zone (fetched once). */
int
api_conference_zone(struct client *c, icaltimezone **zone)
{
	const char	*slug;
	char		*path, *e;
	int		 rc;

	if (c->conference_obj == NULL) {
		if ((rc = api_conference(c, &slug)) != EXIT_OK)
			return rc;
		e = api_escape(slug);
		path = xasprintf("/api/v1/conferences/%s", e);
		rc = api_get(c, path, &c->conference_obj);
		free(path);
		free(e);
		if (rc != EXIT_OK)
			return rc;
	}
	*zone = time_zone(api_str(c->conference_obj, "timezone"));
	if (*zone == NULL) {
		warnx_kaigi("unknown conference time zone '%s'",
		    api_str(c->conference_obj, "timezone"));
		return EXIT_SERVER;
	}
	return EXIT_OK;
}

/* Fetch the conference's rooms once. */
static int
api_rooms(struct client *c)
{
	const char	*slug;
	char		*path, *e;
	int		 rc;

	if (c->rooms_obj != NULL)
		return EXIT_OK;
	if ((rc = api_conference(c, &slug)) != EXIT_OK)
		return rc;
	e = api_escape(slug);
	path = xasprintf("/api/v1/conferences/%s/rooms?limit=1000", e);
	rc = api_get(c, path, &c->rooms_obj);
	free(path);
	free(e);
	return rc;
}

/* A room given by id or by name (case-insensitive) to its id. */
int
api_resolve_room(struct client *c, const char *room, long long *id)
{
	json_t	*v;
	size_t	 i;
	int	 rc;
	char	*end;

	*id = strtoll(room, &end, 10);
	if (*room != '\0' && *end == '\0' && *id > 0)
		return EXIT_OK;
	if ((rc = api_rooms(c)) != EXIT_OK)
		return rc;
	json_array_foreach(api_items(c->rooms_obj), i, v) {
		if (strcasecmp(api_str(v, "name"), room) == 0) {
			*id = api_int(v, "id");
			return EXIT_OK;
		}
	}
	warnx_kaigi("no room named '%s'; rooms are:", room);
	json_array_foreach(api_items(c->rooms_obj), i, v)
		out_line(stderr, "  %s  %s", api_str(v, "id"),
		    api_str(v, "name"));
	return EXIT_USAGE;
}

/* The name of room id, or NULL; caller frees. */
char *
api_room_name(struct client *c, long long id)
{
	json_t	*v;
	size_t	 i;

	if (api_rooms(c) != EXIT_OK)
		return NULL;
	json_array_foreach(api_items(c->rooms_obj), i, v) {
		if (api_int(v, "id") == id)
			return xstrdup(api_str(v, "name"));
	}
	return NULL;
}

/*
 * The cursor of a list page's "next" into *cursor: 0 and NULL at the end
 * of the list (null or absent), 0 and the cursor, or -1 if it is neither
 * (a message was printed).
 */
static int
api_next_cursor(json_t *page, const char *path, const char **cursor)
{
	json_t	*next = json_object_get(page, "next");

	*cursor = NULL;
	if (next == NULL || json_is_null(next))
		return 0;
	if ((!json_is_string(next) && !json_is_integer(next)) ||
	    *api_str(page, "next") == '\0') {
		warnx_kaigi("%s: the answer's \"next\" is not a cursor", path);
		return -1;
	}
	*cursor = api_str(page, "next");
	return 0;
}

/*
 * GET a list, following "next" cursors; *out is an {"items": [...]}
 * holding every item (so --json prints one document). A server that
 * sends a cursor it sent before, or more than API_MAX_PAGES pages, would
 * keep kaigi asking forever: both are errors (EXIT_SERVER).
 */
int
api_get_all(struct client *c, const char *path, json_t **out)
{
	json_t		*page, *all = json_array(), *seen = json_object();
	const char	*cursor;
	char		*url = xstrdup(path), *e;
	int		 rc, pages = 0;

	*out = NULL;
	while ((rc = api_get(c, url, &page)) == EXIT_OK) {
		json_array_extend(all, api_items(page) ? api_items(page) :
		    page);
		if (api_next_cursor(page, path, &cursor) != 0)
			rc = EXIT_SERVER;
		else if (cursor != NULL && json_object_get(seen, cursor)) {
			warnx_kaigi("%s: the server sent the cursor '%s' twice;"
			    " stopping (the list would never end)", path, cursor);
			rc = EXIT_SERVER;
		} else if (cursor != NULL && ++pages >= API_MAX_PAGES) {
			warnx_kaigi("%s: more than %d pages; stopping", path,
			    API_MAX_PAGES);
			rc = EXIT_SERVER;
		}
		if (rc != EXIT_OK || cursor == NULL) {
			json_decref(page);
			break;
		}
		json_object_set_new(seen, cursor, json_true());
		free(url);
		e = api_escape(cursor);
		url = xasprintf("%s%scursor=%s", path,
		    strchr(path, '?') ? "&" : "?", e);
		free(e);
		json_decref(page);
	}
	free(url);
	json_decref(seen);
	if (rc != EXIT_OK) {
		json_decref(all);
		return rc;
	}
	*out = json_pack("{s:o, s:n}", "items", all, "next");
	return EXIT_OK;
}

/* "/api/v1/conferences/{slug}{suffix}" for the current conference. */
int
api_conference_path(struct client *c, const char *suffix, char **path)
{
	const char	*slug;
	char		*e;
	int		 rc;

	*path = NULL;
	if ((rc = api_conference(c, &slug)) != EXIT_OK)
		return rc;
	e = api_escape(slug);
	*path = xasprintf("/api/v1/conferences/%s%s", e, suffix);
	free(e);
	return EXIT_OK;
}

/* Every item of a list of the current conference (api_get_all of suffix). */
int
api_conference_all(struct client *c, const char *suffix, json_t **list)
{
	char	*path;
	int	 rc;

	*list = NULL;
	if ((rc = api_conference_path(c, suffix, &path)) != EXIT_OK)
		return rc;
	rc = api_get_all(c, path, list);
	free(path);
	return rc;
}

/* Parse a positional id; prints a message and returns -1 if not one. */
int
api_parse_id(const char *s, long long *id)
{
	char	*end;

	*id = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || *id <= 0) {
		warnx_kaigi("'%s' is not an id (a positive number)", s);
		return -1;
	}
	return 0;
}

/*
 * DELETE /api/v1/<collection>/ID, ID the first argument, and say so:
 * "<verb> <what> ID", or {id, <verb>: true} with --json (the server's
 * answer when it sent one). kaigi token revoke, feed-token revoke,
 * webhook rm.
 */
int
api_delete_id(struct client *c, struct args *a, const char *collection,
    const char *what, const char *verb)
{
	long long	 id;
	json_t		*res;
	char		*path;
	int		 rc;

	if (api_parse_id(args_pos(a, 0), &id) != 0)
		return EXIT_USAGE;
	path = xasprintf("/api/v1/%s/%lld", collection, id);
	rc = api_call(c, "DELETE", path, NULL, &res);
	free(path);
	if (rc != EXIT_OK)
		return rc;
	if (c->json && res == NULL)
		res = json_pack("{s:I,s:b}", "id", (json_int_t)id, verb, 1);
	if (c->json)
		api_print_json(res);
	else
		out_line(stdout, "%s %s %lld", verb, what, id);
	json_decref(res);
	return EXIT_OK;
}
