/*
 * cmd-import.c — kaigi import FILE --kind K [--dry-run]: a spreadsheet of
 * venues, rooms, travel times, delegations, participants, unavailability,
 * sessions or bilateral requests, saved as CSV (or a JSON array of the
 * same objects), sent to POST /api/v1/conferences/{slug}/import.
 *
 * The server stores every row or none. What it refuses is printed the way
 * compilers print errors, one line per bad cell, "FILE:ROW: COLUMN:
 * MESSAGE" (ROW as the spreadsheet numbers its rows), so an editor can
 * jump to each. A large file sent to a terminal shows a progress bar on
 * stderr while it uploads. --dry-run reports what would change.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kaigi.h"

/* Files above this size get a progress bar on a terminal. */
#define IMPORT_BAR_BYTES	(256 * 1024)
#define IMPORT_BAR_WIDTH	30

static const char *const cmd_import_valued[] = { "kind", NULL };
static const char *const cmd_import_flags[] = { "dry-run", NULL };

/* Where the progress bar is. */
struct import_bar {
	const char	*file;
	int		 shown;		/* percent last drawn, -1 before */
};

/* The whole of path ("-": standard input); NULL after a message. */
static char *
import_read(const char *path, size_t *len)
{
	FILE	*f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char	*buf = NULL;
	size_t	 cap = 0, n;

	if (f == NULL) {
		warnx_kaigi("%s: %s", path, strerror(errno));
		return NULL;
	}
	*len = 0;
	do {
		if (*len == cap)
			buf = xrealloc(buf, cap = cap ? cap * 2 : 65536);
		n = fread(buf + *len, 1, cap - *len, f);
		*len += n;
	} while (n > 0);
	if (ferror(f)) {
		warnx_kaigi("%s: %s", path, strerror(errno));
		free(buf);
		buf = NULL;
	}
	if (f != stdin)
		fclose(f);
	return buf;
}

/* Is it JSON (the first character after a BOM and blanks '[' or '{')? */
static int
import_is_json(const char *data, size_t len)
{
	size_t	i = len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;

	while (i < len && strchr(" \t\r\n", data[i]) != NULL)
		i++;
	return i < len && (data[i] == '[' || data[i] == '{');
}

/* http_body progress: the bar, redrawn when the percentage moves. */
static void
import_progress(size_t sent, size_t total, void *arg)
{
	struct import_bar	*b = arg;
	char			 bar[IMPORT_BAR_WIDTH + 1];
	int			 pct = total ? (int)(sent * 100 / total) : 100;
	int			 fill = pct * IMPORT_BAR_WIDTH / 100;

	if (pct == b->shown)
		return;
	b->shown = pct;
	memset(bar, '#', (size_t)fill);
	memset(bar + fill, '.', (size_t)(IMPORT_BAR_WIDTH - fill));
	bar[IMPORT_BAR_WIDTH] = '\0';
	if (sent < total)
		out_status(stderr, "%s [%s] %3d%% %.1f of %.1f MB", b->file, bar,
		    pct, sent / 1e6, total / 1e6);
	else
		out_status(stderr, "%s [%s] sent; the server checks every row",
		    b->file, bar);
}

/* "2-5, 9, 12-40": the row numbers of a JSON array; caller frees. */
static char *
import_ranges(json_t *rows)
{
	char		*s = xstrdup(""), *t;
	size_t		 i, n = json_array_size(rows);
	json_int_t	 lo, hi;

	i = 0;
	while (i < n) {
		lo = hi = json_integer_value(json_array_get(rows, i));
		while (++i < n && json_integer_value(json_array_get(rows, i)) ==
		    hi + 1)
			hi++;
		t = lo == hi ? xasprintf("%s%s%lld", s, *s ? ", " : "",
		    (long long)lo) : xasprintf("%s%s%lld-%lld", s, *s ? ", " : "",
		    (long long)lo, (long long)hi);
		free(s);
		s = t;
	}
	return s;
}

/* Every bad cell of a 422 as "FILE:ROW: COLUMN: MESSAGE"; the exit code. */
static int
import_print_errors(struct client *c, const char *file,
    struct http_response *r)
{
	json_t		*p = json_loads(r->body ? r->body : "", 0, NULL), *e;
	json_t		*errors = json_object_get(p, "errors");
	json_int_t	 row;
	size_t		 i;

	if (r->status != 422 || !json_is_array(errors)) {
		json_decref(p);
		return api_problem(c, r);
	}
	if (c->json)
		api_print_json(p);
	json_array_foreach(errors, i, e) {
		row = json_integer_value(json_object_get(e, "row"));
		if (*api_str(e, "column") != '\0')
			out_line(stderr, "%s:%lld: %s: %s", file, (long long)row,
			    api_str(e, "column"), api_str(e, "message"));
		else
			out_line(stderr, "%s:%lld: %s", file, (long long)row,
			    api_str(e, "message"));
	}
	out_line(stderr, "kaigi: %s", api_str(p, "detail"));
	json_decref(p);
	return EXIT_CLIENT;
}

/* One line of the summary: "created  3  (rows 2-4)". */
static void
import_summary_line(json_t *res, const char *what)
{
	json_t	*rows = json_object_get(res, what);
	char	*ranges = import_ranges(rows);

	out_line(stdout, "%-10s %6zu%s%s%s", what, json_array_size(rows),
	    *ranges == '\0' ? "" : json_array_size(rows) == 1 ? "  (row " :
	    "  (rows ", ranges, *ranges ? ")" : "");
	free(ranges);
}

/* What the import did (or, --dry-run, would do). */
static void
import_summary(struct client *c, const char *file, json_t *res)
{
	if (c->json) {
		api_print_json(res);
		return;
	}
	out_line(stdout, "%s: %s row%s of %s%s", file, api_str(res, "rows"),
	    strcmp(api_str(res, "rows"), "1") == 0 ? "" : "s",
	    api_str(res, "kind"), json_is_true(json_object_get(res, "dry_run")) ?
	    " (dry run: nothing was stored)" : "");
	import_summary_line(res, "created");
	import_summary_line(res, "updated");
	import_summary_line(res, "unchanged");
}

/* POST the file; the answer in *r (0), or a message and -1. */
static int
import_send(struct client *c, const char *path, struct http_body *body,
    int json, struct http_response *r)
{
	struct http_header	 hdrs[4];
	char			*url = xasprintf("%s%s", c->url, path);
	char			*auth = c->token ? xasprintf("Bearer %s", c->token) : NULL;
	int			 rc;

	hdrs[0] = (struct http_header){ "Accept", "application/json" };
	hdrs[1] = (struct http_header){ "Authorization", auth };
	hdrs[2] = (struct http_header){ "Content-Type", json ?
	    "application/json; charset=utf-8" : "text/csv; charset=utf-8" };
	hdrs[3] = (struct http_header){ NULL, NULL };
	rc = http_upload("POST", url, hdrs, body, c->timeout, r);
	if (rc != 0)
		warnx_kaigi("%s", r->error);
	free(auth);
	free(url);
	return rc;
}

/* The import's path: .../import?kind=K[&dry_run=true]; NULL after a message. */
static char *
import_path(struct client *c, struct args *a, int *rc)
{
	char	*kind = api_escape(args_get(a, "kind")), *suffix, *path;

	suffix = xasprintf("/import?kind=%s%s", kind, args_has(a, "dry-run") ?
	    "&dry_run=true" : "");
	*rc = api_conference_path(c, suffix, &path);
	free(suffix);
	free(kind);
	return *rc == EXIT_OK ? path : NULL;
}

/* kaigi import FILE --kind K [--dry-run] */
static int
cmd_import_run(struct client *c, struct args *a)
{
	const char		*file = args_pos(a, 0);
	struct import_bar	 bar = { file, -1 };
	struct http_body	 body = { NULL, 0, NULL, &bar };
	struct http_response	 r;
	json_t			*res;
	char			*data, *path;
	int			 rc;

	if (!args_has(a, "kind"))
		return cmd_usage_error(&cmd_import_entry, "give --kind (venues, "
		    "rooms, travel-times, delegations, participants, "
		    "unavailability, sessions, bilaterals or registrations)");
	if (c->url == NULL) {
		warnx_kaigi("no server URL: use --url, KAIGI_URL or url= in "
		    "~/.config/kaigi/config");
		return EXIT_USAGE;
	}
	if ((data = import_read(file, &body.len)) == NULL)
		return EXIT_USAGE;
	body.data = data;
	if (body.len > IMPORT_BAR_BYTES && isatty(STDERR_FILENO))
		body.progress = import_progress;
	if ((path = import_path(c, a, &rc)) == NULL) {
		free(data);
		return rc;
	}
	rc = import_send(c, path, &body, import_is_json(data, body.len), &r);
	if (bar.shown >= 0)
		out_status_end(stderr);
	if (rc != 0)
		rc = EXIT_SERVER;
	else if (r.status != 200)
		rc = import_print_errors(c, file, &r);
	else if ((res = json_loads(r.body, 0, NULL)) == NULL) {
		warnx_kaigi("%s: the answer is not JSON", path);
		rc = EXIT_SERVER;
	} else {
		import_summary(c, file, res);
		json_decref(res);
	}
	http_response_free(&r);
	free(path);
	free(data);
	return rc;
}

const struct cmd_entry cmd_import_entry = {
	.name = "import",
	.usage = "FILE --kind KIND [--dry-run]",
	.summary = "import a spreadsheet (CSV or JSON) of one kind; all rows or none",
	.valued = cmd_import_valued,
	.flags = cmd_import_flags,
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_import_run,
};
