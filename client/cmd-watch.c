/*
 * cmd-watch.c — kaigi watch: follow the conference's change stream.
 *
 * GET /api/v1/conferences/{slug}/changes answers with Server-Sent Events;
 * each event's data is JSON about a session that changed. Lines are
 * assembled into events as the bytes arrive (an event ends at a blank
 * line), and each is printed at once. When the stream ends the client
 * reconnects after a pause with Last-Event-ID, so nothing is missed that
 * the server still remembers. --count N stops after N events. Each
 * time the stream is open, "connected" is said on stderr. Event text is
 * printed through out_line (and --json through text_print_json), never
 * raw: it comes from the server.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kaigi.h"

static const char *const cmd_watch_valued[] = { "count", NULL };

/* The state of one stream being read. */
struct watch_state {
	struct client	*client;
	const char	*url;		/* of the stream */
	char		*line;		/* partial line */
	char		*event;		/* "event:" of the current event */
	char		*data;		/* "data:" lines joined by \n */
	char		*last_id;	/* last "id:" seen */
	long		 seen;
	long		 count;		/* stop after this many, 0 = never */
};

/* Print one change of session s (d is the whole event) as a line. */
static void
watch_print_change(struct watch_state *w, json_t *d, json_t *s)
{
	char	*day, *h1, *h2;

	day = time_day_of_rfc3339(api_str(s, "start"));
	h1 = time_hm_of_rfc3339(api_str(s, "start"));
	h2 = time_hm_of_rfc3339(api_str(s, "end"));
	out_line(stdout, "%-9s session %s '%s' %s %s–%s %s %s",
	    *api_str(d, "op") ? api_str(d, "op") : *api_str(d, "change") ?
	    api_str(d, "change") : w->event ? w->event : "change",
	    *api_str(s, "id") ? api_str(s, "id") : api_str(d, "session_id"),
	    api_str(s, "title"), day, h1, h2, api_str(s, "room"),
	    api_str(s, "status"));
	free(day), free(h1), free(h2);
}

/* Print one event's data as a line (JSON lines with --json). */
static void
watch_print(struct watch_state *w)
{
	json_t	*d = json_loads(w->data, 0, NULL);

	if (w->client->json && d != NULL)
		text_print_json(stdout, d, JSON_COMPACT);
	else if (!json_is_object(d))
		out_line(stdout, "%s: %s", w->event ? w->event : "message",
		    w->data);
	else
		watch_print_change(w, d, json_is_object(json_object_get(d,
		    "session")) ? json_object_get(d, "session") : d);
	fflush(stdout);
	json_decref(d);
}

/* Handle one complete line of the stream; non-zero to stop. */
static int
watch_line(struct watch_state *w, const char *line)
{
	const char	*v = strchr(line, ':');
	char		*n;
	size_t		 klen = v ? (size_t)(v - line) : strlen(line);

	if (*line == '\0') {
		if (w->data != NULL) {
			watch_print(w);
			w->seen++;
		}
		free(w->data), free(w->event);
		w->data = w->event = NULL;
		return w->count > 0 && w->seen >= w->count;
	}
	if (klen == 0)
		return 0;			/* a comment (keep-alive) */
	v = v ? v + 1 + (v[1] == ' ') : "";
	if (klen == 4 && strncmp(line, "data", 4) == 0) {
		n = w->data ? xasprintf("%s\n%s", w->data, v) : xstrdup(v);
		free(w->data);
		w->data = n;
	} else if (klen == 5 && strncmp(line, "event", 5) == 0) {
		free(w->event);
		w->event = xstrdup(v);
	} else if (klen == 2 && strncmp(line, "id", 2) == 0) {
		free(w->last_id);
		w->last_id = xstrdup(v);
	}
	return 0;
}

/*
 * Chunk callback: split bytes into lines; non-zero to stop. No data means
 * the stream's 2xx headers arrived: from then on every change is sent, so
 * "connected" is said (on stderr) for people and scripts waiting on it.
 */
static int
watch_chunk(const char *data, size_t len, void *arg)
{
	struct watch_state	*w = arg;
	char			*buf, *p, *nl;
	int			 stop = 0;

	if (data == NULL) {
		warnx_kaigi("connected to %s; waiting for changes", w->url);
		return 0;
	}
	buf = xasprintf("%s%.*s", w->line ? w->line : "", (int)len, data);
	free(w->line);
	w->line = NULL;
	for (p = buf; !stop && (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		*nl = '\0';
		if (nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		stop = watch_line(w, p);
	}
	if (!stop && *p != '\0')
		w->line = xstrdup(p);
	free(buf);
	return stop;
}

/* Read the stream until it ends; 0 to reconnect, else an exit code + 1. */
static int
watch_once(struct watch_state *w, const char *url, int first)
{
	struct http_response	 r;
	struct http_header	 hdrs[4];
	char			*auth = NULL;
	int			 rc = 0;

	if (w->client->token != NULL)
		auth = xasprintf("Bearer %s", w->client->token);
	hdrs[0] = (struct http_header){ "Accept", "text/event-stream" };
	hdrs[1] = (struct http_header){ "Authorization", auth };
	hdrs[2] = (struct http_header){ "Last-Event-ID", w->last_id };
	hdrs[3] = (struct http_header){ NULL, NULL };
	if (http_stream(url, hdrs, w->client->timeout, watch_chunk, w,
	    &r) != 0) {
		if (first || w->seen == 0)
			warnx_kaigi("%s", r.error);
		if (first)
			rc = EXIT_SERVER + 1;
	} else if (r.status < 200 || r.status > 299)
		rc = api_problem(w->client, &r) + 1;
	else if (w->count > 0 && w->seen >= w->count)
		rc = EXIT_OK + 1;
	http_response_free(&r);
	free(auth);
	return rc;
}

/* kaigi watch [--count N]. */
static int
cmd_watch_run(struct client *c, struct args *a)
{
	struct watch_state	 w;
	char			*path, *url, *cause = NULL;
	int			 rc, first;

	memset(&w, 0, sizeof w);
	w.client = c;
	if (args_int(a, "count", 0, 1, 1000000, &w.count, &cause) != 0) {
		rc = cmd_usage_error(&cmd_watch_entry, cause);
		free(cause);
		return rc;
	}
	if (c->url == NULL)
		return api_get(c, "", NULL);	/* prints the hint */
	if ((rc = api_conference_path(c, "/changes", &path)) != EXIT_OK)
		return rc;
	url = xasprintf("%s%s", c->url, path);
	w.url = url;
	for (first = 1; (rc = watch_once(&w, url, first)) == 0; first = 0)
		sleep(2);
	free(url), free(path);
	free(w.line), free(w.event), free(w.data), free(w.last_id);
	return rc - 1;
}

const struct cmd_entry cmd_watch_entry = {
	.name = "watch",
	.usage = "[--count N]",
	.summary = "follow the change stream and print each change",
	.valued = cmd_watch_valued,
	.max_args = 0,
	.exec = cmd_watch_run,
};
