/*
 * cmd-export.c — kaigi export KIND|xlsx [-o FILE]: a conference's venues,
 * rooms, travel-times, delegations, participants, unavailability,
 * sessions, bilaterals or registrations as CSV that kaigi import reads
 * back as it is, or all of them as one .xlsx workbook (a sheet per kind), from GET
 * /api/v1/conferences/{slug}/export/{kind}.csv and .../export.xlsx. Each
 * holds what the caller's token may list.
 *
 * The file is data, so it is written as it came, with write(2), to FILE
 * or to standard output when that is a file or a pipe. On a terminal a
 * CSV is shown through out_line (cleaned of control characters, as
 * everything received is) and a workbook is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kaigi.h"

static const char *const cmd_export_valued[] = { "output", NULL };

/* The CSV on a terminal, line by line, cleaned. */
static void
export_show(const char *data, size_t len)
{
	char	*copy = xstrndup(data, len), *line, *next;

	for (line = copy; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		out_line(stdout, "%s", line);
	}
	free(copy);
}

/* Put the file where it goes: FILE, standard output, or the terminal. */
static int
export_save(const char *out, const char *kind, struct http_response *r)
{
	int	fd, rc;

	if (out == NULL && isatty(STDOUT_FILENO)) {
		if (strcmp(kind, "xlsx") == 0) {
			warnx_kaigi("export xlsx: a workbook is not for a terminal; "
			    "use -o FILE or redirect the output");
			return EXIT_USAGE;
		}
		export_show(r->body, r->len);
		return EXIT_OK;
	}
	if (out == NULL)
		fd = STDOUT_FILENO;
	else if ((fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0) {
		warnx_kaigi("%s: %s", out, strerror(errno));
		return EXIT_USAGE;
	}
	rc = write_all(fd, r->body, r->len);
	if ((out != NULL && close(fd) != 0) || rc != 0) {
		warnx_kaigi("%s: %s", out ? out : "standard output", strerror(errno));
		return EXIT_USAGE;
	}
	if (out != NULL)
		out_line(stderr, "kaigi: %s: %zu bytes", out, r->len);
	return EXIT_OK;
}

/* GET the export of kind ("xlsx": the workbook) into *r; EXIT_OK or a code. */
static int
export_fetch(struct client *c, const char *kind, struct http_response *r)
{
	struct http_header	 hdrs[2];
	char			*k = api_escape(kind), *suffix, *path, *url, *auth;
	int			 rc;

	memset(r, 0, sizeof *r);
	suffix = strcmp(kind, "xlsx") == 0 ? xstrdup("/export.xlsx") :
	    xasprintf("/export/%s.csv", k);
	free(k);
	rc = api_conference_path(c, suffix, &path);
	free(suffix);
	if (rc != EXIT_OK)
		return rc;
	url = xasprintf("%s%s", c->url, path);
	auth = c->token ? xasprintf("Bearer %s", c->token) : NULL;
	hdrs[0] = (struct http_header){ "Authorization", auth };
	hdrs[1] = (struct http_header){ NULL, NULL };
	if (http_request("GET", url, hdrs, NULL, c->timeout, r) != 0) {
		warnx_kaigi("%s", r->error);
		rc = EXIT_SERVER;
	} else if (r->status != 200)
		rc = api_problem(c, r);
	free(auth);
	free(url);
	free(path);
	return rc;
}

/* kaigi export KIND|xlsx [-o FILE] */
static int
cmd_export_run(struct client *c, struct args *a)
{
	const char		*kind = args_pos(a, 0);
	const char		*out = args_get(a, "output");
	struct http_response	 r;
	int			 rc;

	if (c->url == NULL) {
		warnx_kaigi("no server URL: use --url, KAIGI_URL or url= in "
		    "~/.config/kaigi/config");
		return EXIT_USAGE;
	}
	if ((rc = export_fetch(c, kind, &r)) == EXIT_OK)
		rc = export_save(out, kind, &r);
	http_response_free(&r);
	return rc;
}

const struct cmd_entry cmd_export_entry = {
	.name = "export",
	.usage = "KIND|xlsx [-o FILE]",
	.summary = "export one kind as CSV (kaigi import reads it back), or all as .xlsx",
	.valued = cmd_export_valued,
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_export_run,
};
