/*
 * cmd-agenda.c — kaigi agenda: a delegate's agenda from an iCalendar feed.
 *
 * The feed (URL, webcal:// link or file) is parsed with libical; events
 * are grouped by day in the reader's zone (--tz, else the local zone), so
 * a session early in the morning in Tokyo lands on the previous day in
 * Berlin. Cancelled sessions stay, marked, as calendar apps show them.
 */
#include <stdlib.h>
#include <string.h>

#include "kaigi.h"

static const char *const cmd_agenda_valued[] = {
	"feed", "tz", "from", "days", "lang", NULL
};

/* Parse --from/--days into [*lo, *hi) (0 = open) in zone. */
static int
cmd_agenda_window(struct args *a, icaltimezone *zone, struct feed *f,
    time_t *lo, time_t *hi)
{
	const char		*from = args_get(a, "from");
	struct icaltimetype	 t;
	char			*cause = NULL;
	long			 days;
	int			 y, m, d;

	*lo = *hi = 0;
	if (args_int(a, "days", 0, 1, 3660, &days, &cause) != 0) {
		warnx_kaigi("%s", cause);
		free(cause);
		return -1;
	}
	if (from != NULL && strcmp(from, "today") == 0) {
		t = time_in_zone(time(NULL), zone);
		y = t.year, m = t.month, d = t.day;
	} else if (from != NULL && time_parse_date(from, &y, &m, &d) != 0) {
		warnx_kaigi("--from: expected YYYY-MM-DD, got '%s'", from);
		return -1;
	} else if (from == NULL && f->n > 0) {
		t = time_in_zone(f->events[0].start, zone);
		y = t.year, m = t.month, d = t.day;
	} else if (from == NULL)
		return 0;
	if (from != NULL)
		*lo = time_day_start(y, m, d, zone);
	if (days > 0) {
		t = icaltime_null_time();
		t.year = y, t.month = m, t.day = d + (int)days, t.is_date = 1;
		t = icaltime_normalize(t);
		*hi = time_day_start(t.year, t.month, t.day, zone);
	}
	return 0;
}

/* The title as shown: marked when cancelled or tentative. */
static char *
cmd_agenda_title(struct feed_event *ev)
{
	if (strcmp(ev->status, "CANCELLED") == 0)
		return xasprintf("[cancelled] %s", ev->summary);
	if (strcmp(ev->status, "TENTATIVE") == 0)
		return xasprintf("%s (tentative)", ev->summary);
	return xstrdup(ev->summary);
}

/* Print the events grouped by day, one table so columns align. */
static void
cmd_agenda_print(struct feed *f, icaltimezone *zone, const char *zname,
    time_t lo, time_t hi)
{
	struct table	*t = table_new(4, NULL, NULL, NULL, NULL);
	char		*day, *last = NULL, *range, *title, *h1, *h2;
	size_t		 i, shown = 0;

	out_line(stdout, "Times in %s", zname);
	for (i = 0; i < f->n; i++) {
		if (f->events[i].no_time || (lo != 0 && f->events[i].end <= lo) ||
		    (hi != 0 && f->events[i].start >= hi))
			continue;
		day = time_day_long(f->events[i].start, zone);
		if (last == NULL || strcmp(day, last) != 0) {
			table_add_heading(t, "");
			table_add_heading(t, day);
		}
		free(last);
		last = day;
		h1 = time_hm(f->events[i].start, zone);
		h2 = time_hm(f->events[i].end, zone);
		range = f->events[i].all_day ? xstrdup("all day") :
		    xasprintf("%s–%s", h1, h2);
		title = cmd_agenda_title(&f->events[i]);
		table_add(t, "", range, title, f->events[i].location);
		free(h1), free(h2), free(range), free(title);
		shown++;
	}
	table_print(t, stdout);
	table_free(t);
	free(last);
	if (shown == 0) {
		out_blank(stdout);
		out_line(stdout, "Nothing scheduled.");
	}
}

/* Set key of o to t as RFC 3339 in zone. */
static void
cmd_agenda_set_time(json_t *o, const char *key, time_t t, icaltimezone *zone)
{
	char	*s = time_rfc3339(t, zone);

	json_object_set_new(o, key, json_string(s));
	free(s);
}

/* Print the events as JSON, times in the reader's zone. */
static void
cmd_agenda_json(struct feed *f, icaltimezone *zone, const char *zname,
    time_t lo, time_t hi)
{
	json_t	*out = json_object(), *list = json_array(), *e;
	size_t	 i;

	for (i = 0; i < f->n; i++) {
		struct feed_event *ev = &f->events[i];

		if (ev->no_time || (lo != 0 && ev->end <= lo) ||
		    (hi != 0 && ev->start >= hi))
			continue;
		e = json_object();
		json_object_set_new(e, "uid", json_string(ev->uid));
		json_object_set_new(e, "summary", json_string(ev->summary));
		json_object_set_new(e, "location", json_string(ev->location));
		json_object_set_new(e, "status", json_string(ev->status));
		json_object_set_new(e, "categories", json_string(
		    ev->categories ? ev->categories : ""));
		json_object_set_new(e, "sequence", json_integer(ev->sequence));
		if (ev->floating)
			json_object_set_new(e, "floating", json_true());
		cmd_agenda_set_time(e, "start", ev->start, zone);
		cmd_agenda_set_time(e, "end", ev->end, zone);
		json_array_append_new(list, e);
	}
	json_object_set_new(out, "timezone", json_string(zname));
	json_object_set_new(out, "events", list);
	api_print_json(out);
	json_decref(out);
}

/* The agenda of the feed at src. */
static int
cmd_agenda_show(struct client *c, struct args *a, const char *src)
{
	struct http_response	 r;
	struct feed		 f;
	const char		*zname;
	icaltimezone		*zone;
	char			*cause = NULL;
	time_t			 lo, hi;
	int			 rc;

	zname = args_get(a, "tz") ? args_get(a, "tz") : time_local_zone_name();
	if ((zone = time_zone(zname)) == NULL) {
		warnx_kaigi("unknown time zone '%s' (expected an IANA name "
		    "such as Europe/Berlin)", zname);
		return EXIT_USAGE;
	}
	if ((rc = feed_fetch(c, src, NULL, &r)) != EXIT_OK) {
		http_response_free(&r);
		return rc;
	}
	if (feed_parse(r.body, &f, &cause) != 0) {
		warnx_kaigi("%s: %s", src, cause);
		free(cause);
		http_response_free(&r);
		return feed_is_url(src) ? EXIT_SERVER : EXIT_USAGE;
	}
	feed_localize(&f, zone, src);
	if (cmd_agenda_window(a, zone, &f, &lo, &hi) != 0)
		rc = EXIT_USAGE;
	else if (c->json)
		cmd_agenda_json(&f, zone, zname, lo, hi);
	else
		cmd_agenda_print(&f, zone, zname, lo, hi);
	feed_free(&f);
	http_response_free(&r);
	return rc;
}

/* kaigi agenda --feed URL|FILE [--tz ZONE] [--from DATE] [--days N]
 * [--lang TAG]. */
static int
cmd_agenda_run(struct client *c, struct args *a)
{
	const char	*src = args_get(a, "feed");
	char		*url;
	int		 rc;

	if (src == NULL && (src = getenv("KAIGI_FEED")) == NULL)
		return cmd_usage_error(&cmd_agenda_entry,
		    "--feed URL|FILE is required (or KAIGI_FEED)");
	if ((url = feed_lang_url(src, args_get(a, "lang"))) == NULL)
		return cmd_usage_error(&cmd_agenda_entry,
		    "--lang needs a feed URL and a language tag such as ja");
	rc = cmd_agenda_show(c, a, url);
	free(url);
	return rc;
}

const struct cmd_entry cmd_agenda_entry = {
	.name = "agenda",
	.usage = "--feed URL|FILE [--tz ZONE] [--from YYYY-MM-DD|today] "
	    "[--days N] [--lang TAG]",
	.summary = "print a feed's agenda by day in your time zone",
	.valued = cmd_agenda_valued,
	.min_args = 0,
	.max_args = 0,
	.offline = 1,
	.exec = cmd_agenda_run,
};
