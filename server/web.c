/*
 * web.c — the secretariat's timetable: static files served by kaigid itself.
 *
 * GET / answers index.html; GET /web/{file} answers one file of the small
 * allow-list below, read from cfg->web_root (default "server/web"). Nothing
 * else under the web root is reachable: a name must be in the list, and a
 * name with "..", a slash or a leading dot is refused before the list is
 * even looked at. Every answer carries a strong ETag (SHA-256 of the bytes;
 * If-None-Match gives 304), "Cache-Control: no-cache" so that browsers
 * revalidate, and a Content-Security-Policy that allows only this origin:
 * the page loads no script, style or font from anywhere else and talks only
 * to the JSON API beside it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "config.h"
#include "http.h"
#include "log.h"
#include "route.h"
#include "util.h"

/* Largest file served; the timetable's files are a few tens of kilobytes. */
#define WEB_MAX_FILE	(1024 * 1024)

static const char web_csp[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

/* The files that may be served, and their types. */
static const struct web_file {
	const char	*name;
	const char	*type;
} web_files[] = {
	{ "index.html", "text/html; charset=utf-8" },
	{ "app.css", "text/css; charset=utf-8" },
	{ "app.js", "text/javascript; charset=utf-8" },
	{ "workbench.js", "text/javascript; charset=utf-8" },
	{ "import.js", "text/javascript; charset=utf-8" },
	{ "sessions.js", "text/javascript; charset=utf-8" },
	{ "since.js", "text/javascript; charset=utf-8" },
	{ "favicon.svg", "image/svg+xml" },
	{ NULL, NULL }
};

static void web_index(struct req *);
static void web_file(struct req *);

const struct route route_web_index = {
	.method = EVHTTP_REQ_GET, .path = "/", .handle = web_index,
};
const struct route route_web_file = {
	.method = EVHTTP_REQ_GET, .path = "/web/{file}", .handle = web_file,
};

/* The allow-list entry for a file name, or NULL if it may not be served. */
static const struct web_file *
web_lookup(const char *name)
{
	const struct web_file	*f;

	if (name == NULL || *name == '\0' || *name == '.' ||
	    strstr(name, "..") != NULL || strchr(name, '/') != NULL ||
	    strchr(name, '\\') != NULL)
		return NULL;
	for (f = web_files; f->name != NULL; f++) {
		if (strcmp(f->name, name) == 0)
			return f;
	}
	return NULL;
}

/* Read a whole regular file into a new buffer; -1 (errno set) on failure. */
static int
web_read(const char *path, char **data, size_t *len)
{
	FILE		*fp;
	struct stat	 st;
	size_t		 n;

	if ((fp = fopen(path, "rb")) == NULL)
		return -1;
	if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > WEB_MAX_FILE) {
		fclose(fp);
		errno = EINVAL;
		return -1;
	}
	*data = xmalloc((size_t)st.st_size + 1);
	n = fread(*data, 1, (size_t)st.st_size, fp);
	fclose(fp);
	if (n != (size_t)st.st_size) {
		free(*data);
		errno = EIO;
		return -1;
	}
	*len = n;
	return 0;
}

/* Strong ETag for some bytes: a quoted prefix of their SHA-256. */
static void
web_etag(const char *data, size_t len, char out[36])
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen = 0, i;

	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1)
		fatal("EVP_Digest");
	out[0] = '"';
	for (i = 0; i < 16 && i < mdlen; i++)
		snprintf(out + 1 + 2 * i, 3, "%02x", md[i]);
	out[1 + 2 * i] = '"';
	out[2 + 2 * i] = '\0';
}

/* Does an If-None-Match header name this ETag (or "*")? W/ compares equal too. */
static int
web_not_modified(const char *inm, const char *etag)
{
	if (inm == NULL)
		return 0;
	return strcmp(inm, "*") == 0 || strstr(inm, etag) != NULL;
}

/* Answer one allow-listed file from the web root. */
static void
web_serve(struct req *r, const struct web_file *f)
{
	char	*path, *data = NULL, etag[36], root[512];
	size_t	 len = 0;

	path = xasprintf("%s/%s",
	    config_data_dir(cfg->web_root, "web", root, sizeof root), f->name);
	if (web_read(path, &data, &len) != 0) {
		log_warn("web: %s: %s", path, strerror(errno));
		free(path);
		http_reply_problem(r, 404, "no such file", NULL);
		return;
	}
	free(path);
	web_etag(data, len, etag);
	http_add_header(r, "ETag", etag);
	http_add_header(r, "Cache-Control", "no-cache");
	http_add_header(r, "Content-Security-Policy", web_csp);
	http_add_header(r, "X-Content-Type-Options", "nosniff");
	http_add_header(r, "Referrer-Policy", "no-referrer");
	if (web_not_modified(req_header(r, "If-None-Match"), etag))
		http_reply_bytes(r, 304, NULL, NULL, 0);
	else
		http_reply_bytes(r, 200, f->type, data, len);
	free(data);
}

/* GET / : the timetable page. */
static void
web_index(struct req *r)
{
	web_serve(r, web_lookup("index.html"));
}

/* GET /web/{file} : one of the page's own files, nothing else. */
static void
web_file(struct req *r)
{
	const struct web_file	*f = web_lookup(req_param(r, "file"));

	if (f == NULL) {
		http_reply_problem(r, 404, "no such file", NULL);
		return;
	}
	web_serve(r, f);
}
