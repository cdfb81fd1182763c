/*
 * cmd-sync.c — kaigi sync: keep a local copy of a feed and say what changed.
 *
 * The copy is a vdir (as khal and vdirsyncer read it): one .ics file per
 * UID, each a VCALENDAR holding the event and the VTIMEZONEs it uses. The
 * file name is the UID when that is a safe file name, else the SHA-256 of
 * the UID. Beside the files, .kaigi-sync.json remembers the feed's URL,
 * its ETag and what each event looked like, so the next run asks with
 * If-None-Match (a 304 prints "not modified" and touches nothing) and can
 * report what changed: added, moved (old → new time), re-roomed,
 * retitled, cancelled, restored, removed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "kaigi.h"

#define SYNC_STATE	".kaigi-sync.json"

static const char *const cmd_sync_valued[] = {
	"feed", "dir", "tz", "lang", NULL
};

/* What a sync run works with. */
struct sync_run {
	const char	*dir;
	icaltimezone	*zone;
	json_t		*old;		/* previous state's "events" */
	json_t		*events;	/* new state's "events" */
	json_t		*changes;	/* array of change objects */
};

/* The vdir file name for a UID; caller frees. */
static char *
sync_file_name(const char *uid)
{
	const char	*p;
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 len, i;
	char		*hex;

	for (p = uid; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("._@+-", *p) != NULL))
			break;
	}
	if (*p == '\0' && *uid != '\0' && *uid != '.' && strlen(uid) <= 200)
		return xasprintf("%s.ics", uid);
	EVP_Digest(uid, strlen(uid), md, &len, EVP_sha256(), NULL);
	hex = xmalloc(len * 2 + 5);
	for (i = 0; i < len; i++)
		snprintf(hex + i * 2, 3, "%02x", md[i]);
	memcpy(hex + len * 2, ".ics", 5);
	return hex;
}

/* Read a whole small file; NULL if absent. */
static char *
sync_read(const char *dir, const char *name)
{
	char	*path = xasprintf("%s/%s", dir, name), *buf = NULL;
	FILE	*f = fopen(path, "r");
	long	 size;

	free(path);
	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		buf = xmalloc((size_t)size + 1);
		if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
			free(buf);
			buf = NULL;
		} else
			buf[size] = '\0';
	}
	fclose(f);
	return buf;
}

/* Write a file atomically (temporary file, then rename); -1 on error. */
static int
sync_write(const char *dir, const char *name, const char *text)
{
	char	*tmp = xasprintf("%s/.%s.%ld.tmp", dir, name, (long)getpid());
	char	*path = xasprintf("%s/%s", dir, name);
	FILE	*f = fopen(tmp, "w");
	int	 rc = -1;

	if (f != NULL) {
		if (fputs(text, f) != EOF && fflush(f) == 0 &&
		    fsync(fileno(f)) == 0)
			rc = 0;
		if (fclose(f) != 0)
			rc = -1;
		if (rc == 0 && rename(tmp, path) != 0)
			rc = -1;
		if (rc != 0)
			unlink(tmp);
	}
	if (rc != 0)
		warnx_kaigi("%s: %s", path, strerror(errno));
	free(tmp);
	free(path);
	return rc;
}

/* Load the previous state, or an empty one. */
static json_t *
sync_load_state(const char *dir)
{
	char	*text = sync_read(dir, SYNC_STATE);
	json_t	*st = text ? json_loads(text, 0, NULL) : NULL;

	if (text != NULL && !json_is_object(st))
		warnx_kaigi("%s/%s: unreadable, starting afresh", dir,
		    SYNC_STATE);
	free(text);
	if (!json_is_object(st)) {
		json_decref(st);
		st = json_object();
	}
	if (!json_is_object(json_object_get(st, "events")))
		json_object_set_new(st, "events", json_object());
	return st;
}

/* Record one change. */
static json_t *
sync_change(struct sync_run *s, const char *kind, const char *uid,
    json_t *old, json_t *now)
{
	json_t	*c = json_object();

	json_object_set_new(c, "change", json_string(kind));
	json_object_set_new(c, "uid", json_string(uid));
	json_object_set(c, "summary", json_object_get(now ? now : old,
	    "summary"));
	if (now != NULL)
		json_object_set(c, "now", now);
	if (old != NULL)
		json_object_set(c, "was", old);
	json_array_append_new(s->changes, c);
	return c;
}

/* Compare an event's old and new state and record what changed. */
static void
sync_compare(struct sync_run *s, const char *uid, json_t *old, json_t *now)
{
	int	was_cancelled, is_cancelled;

	if (old == NULL) {
		sync_change(s, "added", uid, NULL, now);
		return;
	}
	was_cancelled = strcmp(api_str(old, "status"), "CANCELLED") == 0;
	is_cancelled = strcmp(api_str(now, "status"), "CANCELLED") == 0;
	if (!was_cancelled && is_cancelled) {
		sync_change(s, "cancelled", uid, old, now);
		return;
	}
	if (was_cancelled && !is_cancelled)
		sync_change(s, "restored", uid, old, now);
	if (api_int(old, "start") != api_int(now, "start") ||
	    api_int(old, "end") != api_int(now, "end"))
		sync_change(s, "moved", uid, old, now);
	if (strcmp(api_str(old, "location"), api_str(now, "location")) != 0)
		sync_change(s, "re-roomed", uid, old, now);
	if (strcmp(api_str(old, "summary"), api_str(now, "summary")) != 0)
		sync_change(s, "retitled", uid, old, now);
}

/* Store one event's file and state entry; -1 on a write error. */
static int
sync_event(struct sync_run *s, struct feed *f, struct feed_event *ev)
{
	char	*name = sync_file_name(ev->uid);
	char	*text = feed_event_calendar(f, ev), *prev;
	json_t	*now = json_object();
	int	 rc = 0;

	prev = sync_read(s->dir, name);
	if (prev == NULL || strcmp(prev, text) != 0)
		rc = sync_write(s->dir, name, text);
	json_object_set_new(now, "file", json_string(name));
	json_object_set_new(now, "summary", json_string(ev->summary));
	json_object_set_new(now, "location", json_string(ev->location));
	json_object_set_new(now, "status", json_string(ev->status));
	json_object_set_new(now, "sequence", json_integer(ev->sequence));
	json_object_set_new(now, "start", json_integer((json_int_t)ev->start));
	json_object_set_new(now, "end", json_integer((json_int_t)ev->end));
	sync_compare(s, ev->uid, json_object_get(s->old, ev->uid), now);
	json_object_set_new(s->events, ev->uid, now);
	free(prev);
	free(text);
	free(name);
	return rc;
}

/* Remove the files of events no longer in the feed. */
static void
sync_removed(struct sync_run *s)
{
	const char	*uid;
	json_t		*old;
	char		*path;

	json_object_foreach(s->old, uid, old) {
		if (json_object_get(s->events, uid) != NULL)
			continue;
		path = xasprintf("%s/%s", s->dir, api_str(old, "file"));
		if (*api_str(old, "file") != '\0' && strchr(api_str(old,
		    "file"), '/') == NULL && unlink(path) != 0 &&
		    errno != ENOENT)
			warnx_kaigi("%s: %s", path, strerror(errno));
		free(path);
		sync_change(s, "removed", uid, old, NULL);
	}
}

/* A state entry's time range in the reader's zone; caller frees. */
static char *
sync_range(struct sync_run *s, json_t *e)
{
	return time_range((time_t)api_int(e, "start"),
	    (time_t)api_int(e, "end"), s->zone);
}

/* Print one change as a line. */
static void
sync_print_change(struct sync_run *s, json_t *c)
{
	const char	*kind = api_str(c, "change");
	json_t		*was = json_object_get(c, "was");
	json_t		*now = json_object_get(c, "now");
	char		*r1 = NULL, *r2 = NULL;

	if (now != NULL)
		r2 = sync_range(s, now);
	if (was != NULL)
		r1 = sync_range(s, was);
	if (strcmp(kind, "moved") == 0)
		out_line(stdout, "%-10s %s: %s → %s", kind,
		    api_str(c, "summary"), r1, r2);
	else if (strcmp(kind, "re-roomed") == 0)
		out_line(stdout, "%-10s %s: %s → %s", kind,
		    api_str(c, "summary"), api_str(was, "location"),
		    api_str(now, "location"));
	else if (strcmp(kind, "retitled") == 0)
		out_line(stdout, "%-10s %s → %s", kind,
		    api_str(was, "summary"), api_str(now, "summary"));
	else
		out_line(stdout, "%-10s %s  %s%s%s%s", kind, now ? r2 : r1,
		    api_str(c, "summary"),
		    *api_str(now ? now : was, "location") ? "  (" : "",
		    api_str(now ? now : was, "location"),
		    *api_str(now ? now : was, "location") ? ")" : "");
	free(r1);
	free(r2);
}

/* Print the run's outcome, as lines or JSON. */
static void
sync_report(struct client *c, struct sync_run *s, int status, json_t *st)
{
	json_t	*out, *ch;
	size_t	 i;

	if (c->json) {
		out = json_object();
		json_object_set_new(out, "status", json_integer(status));
		json_object_set(out, "etag", json_object_get(st, "etag"));
		json_object_set_new(out, "events", json_integer(
		    (json_int_t)json_object_size(s->events ? s->events :
		    s->old)));
		json_object_set(out, "changes", s->changes);
		api_print_json(out);
		json_decref(out);
		return;
	}
	if (status == 304) {
		out_line(stdout, "not modified");
		return;
	}
	json_array_foreach(s->changes, i, ch)
		sync_print_change(s, ch);
	if (json_array_size(s->changes) == 0)
		out_line(stdout, "no changes");
}

/* Make the directory if it does not exist; -1 if it cannot be used. */
static int
sync_make_dir(const char *dir)
{
	struct stat	sb;

	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		warnx_kaigi("%s: %s", dir, strerror(errno));
		return -1;
	}
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		warnx_kaigi("%s: not a directory", dir);
		return -1;
	}
	return 0;
}

/* Apply a fetched 200 feed to the vdir; exit code. */
static int
sync_apply(struct sync_run *s, const char *src, struct http_response *r,
    json_t *st)
{
	struct feed	 f;
	char		*cause = NULL, *text;
	size_t		 i;
	int		 rc = EXIT_OK;

	if (feed_parse(r->body, &f, &cause) != 0) {
		warnx_kaigi("%s: %s", src, cause);
		free(cause);
		return feed_is_url(src) ? EXIT_SERVER : EXIT_USAGE;
	}
	feed_localize(&f, s->zone, src);
	s->events = json_object();
	for (i = 0; i < f.n; i++)
		if (sync_event(s, &f, &f.events[i]) != 0)
			rc = EXIT_USAGE;
	feed_free(&f);
	sync_removed(s);
	json_object_set_new(st, "url", json_string(src));
	json_object_set_new(st, "etag", r->etag ? json_string(r->etag) :
	    json_null());
	json_object_set(st, "events", s->events);
	text = json_dumps(st, JSON_INDENT(1) | JSON_SORT_KEYS);
	if (rc == EXIT_OK && sync_write(s->dir, SYNC_STATE, text) != 0)
		rc = EXIT_USAGE;
	free(text);
	return rc;
}

/* Sync the vdir of a from the feed at src. */
static int
cmd_sync_feed(struct client *c, struct args *a, const char *src)
{
	struct sync_run		 s;
	struct http_response	 r;
	const char		*etag = NULL, *zname;
	json_t			*st;
	int			 rc;

	memset(&s, 0, sizeof s);
	s.dir = args_get(a, "dir");
	zname = args_get(a, "tz") ? args_get(a, "tz") : time_local_zone_name();
	if ((s.zone = time_zone(zname)) == NULL) {
		warnx_kaigi("unknown time zone '%s' (expected an IANA name "
		    "such as Europe/Berlin)", zname);
		return EXIT_USAGE;
	}
	if (sync_make_dir(s.dir) != 0)
		return EXIT_USAGE;
	st = sync_load_state(s.dir);
	s.old = json_object_get(st, "events");
	if (strcmp(api_str(st, "url"), src) == 0 && *api_str(st, "etag"))
		etag = api_str(st, "etag");
	s.changes = json_array();
	if ((rc = feed_fetch(c, src, etag, &r)) == EXIT_OK) {
		json_incref(s.old);
		if (r.status != 304)
			rc = sync_apply(&s, src, &r, st);
		if (rc == EXIT_OK)
			sync_report(c, &s, r.status, st);
		json_decref(s.old);
	}
	http_response_free(&r);
	json_decref(s.events);
	json_decref(s.changes);
	json_decref(st);
	return rc;
}

/* kaigi sync --feed URL --dir DIR [--tz ZONE] [--lang TAG]: with --lang
 * the URL (and so the state's) carries ?lang=. */
static int
cmd_sync_run(struct client *c, struct args *a)
{
	const char	*src = args_get(a, "feed");
	char		*url;
	int		 rc;

	if (src == NULL || args_get(a, "dir") == NULL)
		return cmd_usage_error(&cmd_sync_entry,
		    "--feed and --dir are required");
	if ((url = feed_lang_url(src, args_get(a, "lang"))) == NULL)
		return cmd_usage_error(&cmd_sync_entry,
		    "--lang needs a feed URL and a language tag such as ja");
	rc = cmd_sync_feed(c, a, url);
	free(url);
	return rc;
}

const struct cmd_entry cmd_sync_entry = {
	.name = "sync",
	.usage = "--feed URL|FILE --dir DIR [--tz ZONE] [--lang TAG]",
	.summary = "keep a vdir copy of a feed and print what changed",
	.valued = cmd_sync_valued,
	.min_args = 0,
	.max_args = 0,
	.offline = 1,
	.exec = cmd_sync_run,
};
