/*
 * cmd-programme.c — kaigi programme: the printed programme as a PDF file.
 *
 * GET /api/v1/conferences/{slug}/programme.pdf with ?delegation=,
 * ?participant=, ?tz= and ?lang= from the options; kaigid lays the PDF out
 * and decides what the token may see (anonymous: the public programme; a
 * liaison: its delegation's pack; the secretariat: everything, or one
 * delegation's or participant's pack). The answer must be a PDF; it is
 * written to a temporary file beside FILE and renamed over FILE, so FILE
 * is either the old one or the whole new one, never half of it. "-o -"
 * writes the PDF to standard output when that is not a terminal.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "kaigi.h"

static const char *const cmd_programme_valued[] = {
	"delegation", "participant", "tz", "lang", "output", NULL
};

/* Append "&name=value" (escaped) to *query when the option was given. */
static void
cmd_programme_param(struct args *a, const char *name, char **query)
{
	const char	*v = args_get(a, name);
	char		*e, *next;

	if (v == NULL)
		return;
	e = api_escape(v);
	next = xasprintf("%s%s%s=%s", *query, **query ? "&" : "?", name, e);
	free(*query);
	free(e);
	*query = next;
}

/* The request's URL with its query in *url; an exit code. */
static int
cmd_programme_url(struct client *c, struct args *a, char **url)
{
	char		*query = xstrdup(""), *path;
	long long	 id;
	int		 rc;

	*url = NULL;
	if (args_has(a, "participant") &&
	    api_parse_id(args_get(a, "participant"), &id) != 0) {
		free(query);
		return cmd_usage_error(&cmd_programme_entry,
		    "--participant takes a participant id");
	}
	if (c->url == NULL) {
		free(query);
		return api_get(c, "", NULL);	/* prints the hint */
	}
	cmd_programme_param(a, "delegation", &query);
	cmd_programme_param(a, "participant", &query);
	cmd_programme_param(a, "tz", &query);
	cmd_programme_param(a, "lang", &query);
	if ((rc = api_conference_path(c, "/programme.pdf", &path)) == EXIT_OK) {
		*url = xasprintf("%s%s%s", c->url, path, query);
		free(path);
	}
	free(query);
	return rc;
}

/* Write the PDF to file through a temporary file and a rename. */
static int
cmd_programme_save(const char *file, const char *data, size_t len)
{
	char	*tmp = xasprintf("%s.%ld.tmp", file, (long)getpid());
	int	 fd, rc = -1;

	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) >= 0) {
		if (write_all(fd, data, len) == 0 && fsync(fd) == 0)
			rc = 0;
		if (close(fd) != 0)
			rc = -1;
		if (rc == 0 && rename(tmp, file) != 0)
			rc = -1;
		if (rc != 0)
			unlink(tmp);
	}
	if (rc != 0)
		warnx_kaigi("%s: %s", file, strerror(errno));
	free(tmp);
	return rc;
}

/* Write the PDF where -o says; an exit code. */
static int
cmd_programme_output(struct client *c, const char *file,
    const struct http_response *r)
{
	json_t	*j;

	if (strcmp(file, "-") == 0) {
		if (write_all(STDOUT_FILENO, r->body, r->len) != 0) {
			warnx_kaigi("standard output: %s", strerror(errno));
			return EXIT_USAGE;
		}
		return EXIT_OK;
	}
	if (cmd_programme_save(file, r->body, r->len) != 0)
		return EXIT_USAGE;
	if (c->json) {
		j = json_pack("{s:s, s:I}", "file", file, "bytes",
		    (json_int_t)r->len);
		api_print_json(j);
		json_decref(j);
	} else
		out_line(stdout, "wrote %s (%zu bytes)", file, r->len);
	return EXIT_OK;
}

/* Is the answer a PDF (its type and its first bytes)? */
static int
cmd_programme_is_pdf(const struct http_response *r)
{
	return r->content_type != NULL &&
	    strncasecmp(r->content_type, "application/pdf", 15) == 0 &&
	    r->len >= 5 && memcmp(r->body, "%PDF-", 5) == 0;
}

/* GET the PDF; EXIT_OK with *r filled, or an exit code. */
static int
cmd_programme_fetch(struct client *c, const char *url, struct http_response *r)
{
	struct http_header	 hdrs[3];
	char			*auth = NULL;
	int			 rc = EXIT_OK;

	if (c->token != NULL)
		auth = xasprintf("Bearer %s", c->token);
	hdrs[0] = (struct http_header){ "Accept", "application/pdf" };
	hdrs[1] = (struct http_header){ "Authorization", auth };
	hdrs[2] = (struct http_header){ NULL, NULL };
	if (http_request("GET", url, hdrs, NULL, c->timeout, r) != 0) {
		warnx_kaigi("%s", r->error);
		rc = EXIT_SERVER;
	} else if (r->status != 200)
		rc = api_problem(c, r);
	else if (!cmd_programme_is_pdf(r)) {
		warnx_kaigi("the server's answer is not a PDF");
		rc = EXIT_SERVER;
	}
	free(auth);
	return rc;
}

/* kaigi programme. */
static int
cmd_programme_run(struct client *c, struct args *a)
{
	struct http_response	 r;
	const char		*file = args_get(a, "output");
	char			*url;
	int			 rc;

	if (file == NULL || *file == '\0')
		return cmd_usage_error(&cmd_programme_entry, "give -o FILE.pdf");
	if (strcmp(file, "-") == 0 && isatty(STDOUT_FILENO))
		return cmd_usage_error(&cmd_programme_entry,
		    "will not write a PDF to a terminal; give -o FILE.pdf");
	if (args_has(a, "delegation") && args_has(a, "participant"))
		return cmd_usage_error(&cmd_programme_entry,
		    "give --delegation or --participant, not both");
	if ((rc = cmd_programme_url(c, a, &url)) != EXIT_OK)
		return rc;
	rc = cmd_programme_fetch(c, url, &r);
	if (rc == EXIT_OK)
		rc = cmd_programme_output(c, file, &r);
	http_response_free(&r);
	free(url);
	return rc;
}

const struct cmd_entry cmd_programme_entry = {
	.name = "programme",
	.usage = "[--delegation CODE | --participant ID] [--tz ZONE] "
	    "[--lang TAG] -o FILE.pdf",
	.summary = "save the printed programme (a delegation's welcome pack) "
	    "as a PDF",
	.valued = cmd_programme_valued,
	.max_args = 0,
	.exec = cmd_programme_run,
};
