/*
 * feed.c — reading an iCalendar feed: fetch it (URL or file) and parse it
 * with libical into a list of events with UTC instants.
 *
 * DTSTART/DTEND carry a TZID whose VTIMEZONE is in the same calendar;
 * libical resolves it, so the instants are right whatever zone the feed
 * was written in. feed_event_calendar rebuilds one event as a calendar
 * of its own (with the VTIMEZONEs it needs), as a vdir stores it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kaigi.h"

/* A text property of comp, or NULL. */
static char *
feed_prop_text(icalcomponent *comp, icalproperty_kind kind)
{
	icalproperty	*p = icalcomponent_get_first_property(comp, kind);
	const char	*v;

	if (p == NULL || (v = icalproperty_get_value_as_string(p)) == NULL)
		return NULL;
	if (kind == ICAL_STATUS_PROPERTY)
		return xstrdup(icalproperty_status_to_string(
		    icalproperty_get_status(p)));
	if (kind == ICAL_SUMMARY_PROPERTY)
		return xstrdup(icalproperty_get_summary(p));
	if (kind == ICAL_LOCATION_PROPERTY)
		return xstrdup(icalproperty_get_location(p));
	return xstrdup(v);
}

/* The UTC instant of a DTSTART/DTEND value. */
static time_t
feed_instant(icalcomponent *comp, struct icaltimetype t,
    icalproperty_kind kind)
{
	icalproperty	*p;
	icalparameter	*tzid;
	icaltimezone	*zone = (icaltimezone *)t.zone;

	if (icaltime_is_utc(t))
		return icaltime_as_timet(t);
	if (zone == NULL && (p = icalcomponent_get_first_property(comp,
	    kind)) != NULL && (tzid = icalproperty_get_first_parameter(p,
	    ICAL_TZID_PARAMETER)) != NULL)
		zone = time_zone(icalparameter_get_tzid(tzid));
	if (zone == NULL)
		zone = icaltimezone_get_utc_timezone();
	return icaltime_as_timet_with_zone(t, zone);
}

/* Fill ev from a VEVENT. */
static void
feed_read_event(icalcomponent *comp, struct feed_event *ev)
{
	struct icaltimetype	 s = icalcomponent_get_dtstart(comp);
	struct icaltimetype	 e = icalcomponent_get_dtend(comp);
	icalproperty		*p;

	memset(ev, 0, sizeof *ev);
	ev->comp = comp;
	ev->uid = feed_prop_text(comp, ICAL_UID_PROPERTY);
	ev->summary = feed_prop_text(comp, ICAL_SUMMARY_PROPERTY);
	ev->location = feed_prop_text(comp, ICAL_LOCATION_PROPERTY);
	ev->status = feed_prop_text(comp, ICAL_STATUS_PROPERTY);
	ev->categories = feed_prop_text(comp, ICAL_CATEGORIES_PROPERTY);
	if ((p = icalcomponent_get_first_property(comp,
	    ICAL_SEQUENCE_PROPERTY)) != NULL)
		ev->sequence = icalproperty_get_sequence(p);
	ev->no_time = icaltime_is_null_time(s);
	ev->all_day = s.is_date;
	ev->start = feed_instant(comp, s, ICAL_DTSTART_PROPERTY);
	ev->end = icaltime_is_null_time(e) ? ev->start :
	    feed_instant(comp, e, ICAL_DTEND_PROPERTY);
	if (ev->uid == NULL)
		ev->uid = xstrdup("");
	if (ev->summary == NULL)
		ev->summary = xstrdup("");
	if (ev->location == NULL)
		ev->location = xstrdup("");
	if (ev->status == NULL)
		ev->status = xstrdup("");
}

/* Order events by start, then UID. */
static int
feed_event_cmp(const void *a, const void *b)
{
	const struct feed_event	*x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return strcmp(x->uid, y->uid);
}

/* Parse an iCalendar text; -1 with *cause if it is not a VCALENDAR. */
int
feed_parse(const char *text, struct feed *f, char **cause)
{
	icalcomponent	*c;

	memset(f, 0, sizeof *f);
	icalerror_set_errors_are_fatal(0);
	f->cal = icalparser_parse_string(text);
	if (f->cal == NULL ||
	    icalcomponent_isa(f->cal) != ICAL_VCALENDAR_COMPONENT) {
		*cause = xstrdup("not an iCalendar feed (no VCALENDAR)");
		if (f->cal != NULL)
			icalcomponent_free(f->cal);
		f->cal = NULL;
		return -1;
	}
	for (c = icalcomponent_get_first_component(f->cal,
	    ICAL_VEVENT_COMPONENT); c != NULL;
	    c = icalcomponent_get_next_component(f->cal,
	    ICAL_VEVENT_COMPONENT)) {
		f->events = xreallocarray(f->events, f->n + 1,
		    sizeof *f->events);
		feed_read_event(c, &f->events[f->n++]);
	}
	qsort(f->events, f->n, sizeof *f->events, feed_event_cmp);
	return 0;
}

/*
 * All-day events (DTSTART;VALUE=DATE) are days, not instants: place them at
 * midnight of their dates in the reader's zone, then sort again.
 */
void
feed_localize_dates(struct feed *f, icaltimezone *zone)
{
	struct icaltimetype	 s, e;
	size_t			 i;

	for (i = 0; i < f->n; i++) {
		if (!f->events[i].all_day)
			continue;
		s = icalcomponent_get_dtstart(f->events[i].comp);
		e = icalcomponent_get_dtend(f->events[i].comp);
		f->events[i].start = time_day_start(s.year, s.month, s.day, zone);
		f->events[i].end = icaltime_is_null_time(e) ?
		    time_day_start(s.year, s.month, s.day + 1, zone) :
		    time_day_start(e.year, e.month, e.day, zone);
	}
	qsort(f->events, f->n, sizeof *f->events, feed_event_cmp);
}

/* Free a parsed feed. */
void
feed_free(struct feed *f)
{
	size_t	i;

	for (i = 0; i < f->n; i++) {
		free(f->events[i].uid);
		free(f->events[i].summary);
		free(f->events[i].location);
		free(f->events[i].status);
		free(f->events[i].categories);
	}
	free(f->events);
	if (f->cal != NULL)
		icalcomponent_free(f->cal);
	memset(f, 0, sizeof *f);
}

/* Add to out the feed's VTIMEZONE with this TZID, once. */
static void
feed_add_timezone(struct feed *f, icalcomponent *out, const char *tzid)
{
	icalcomponent	*tz;
	icalproperty	*p;

	for (tz = icalcomponent_get_first_component(out,
	    ICAL_VTIMEZONE_COMPONENT); tz != NULL;
	    tz = icalcomponent_get_next_component(out,
	    ICAL_VTIMEZONE_COMPONENT)) {
		p = icalcomponent_get_first_property(tz, ICAL_TZID_PROPERTY);
		if (p != NULL && strcmp(icalproperty_get_tzid(p), tzid) == 0)
			return;
	}
	for (tz = icalcomponent_get_first_component(f->cal,
	    ICAL_VTIMEZONE_COMPONENT); tz != NULL;
	    tz = icalcomponent_get_next_component(f->cal,
	    ICAL_VTIMEZONE_COMPONENT)) {
		p = icalcomponent_get_first_property(tz, ICAL_TZID_PROPERTY);
		if (p != NULL && strcmp(icalproperty_get_tzid(p), tzid) == 0) {
			icalcomponent_add_component(out,
			    icalcomponent_new_clone(tz));
			return;
		}
	}
}

/* One event as a calendar of its own, with its VTIMEZONEs; caller frees. */
char *
feed_event_calendar(struct feed *f, struct feed_event *ev)
{
	icalcomponent	*out;
	icalproperty	*p;
	icalparameter	*tzid;
	char		*text;

	out = icalcomponent_vanew(ICAL_VCALENDAR_COMPONENT,
	    icalproperty_new_version("2.0"),
	    icalproperty_new_prodid("-//kaigi//kaigi sync " KAIGI_VERSION
	    "//EN"), (void *)0);
	for (p = icalcomponent_get_first_property(ev->comp,
	    ICAL_ANY_PROPERTY); p != NULL;
	    p = icalcomponent_get_next_property(ev->comp, ICAL_ANY_PROPERTY)) {
		tzid = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
		if (tzid != NULL)
			feed_add_timezone(f, out, icalparameter_get_tzid(tzid));
	}
	icalcomponent_add_component(out, icalcomponent_new_clone(ev->comp));
	text = icalcomponent_as_ical_string_r(out);
	icalcomponent_free(out);
	return text;
}

/* Does src look like a URL rather than a file name? */
int
feed_is_url(const char *src)
{
	return strstr(src, "://") != NULL;
}

/* Read a local file (or "-" for stdin) into r as if it were a 200. */
static int
feed_read_file(const char *path, struct http_response *r)
{
	FILE	*f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	size_t	 n, cap = 65536;

	if (f == NULL) {
		warnx_kaigi("%s: %s", path, strerror(errno));
		return EXIT_USAGE;
	}
	r->body = xmalloc(cap);
	while ((n = fread(r->body + r->len, 1, cap - r->len - 1, f)) > 0) {
		r->len += n;
		if (cap - r->len < 2)
			r->body = xrealloc(r->body, cap *= 2);
	}
	r->body[r->len] = '\0';
	if (ferror(f)) {
		warnx_kaigi("%s: read error", path);
		if (f != stdin)
			fclose(f);
		return EXIT_USAGE;
	}
	if (f != stdin)
		fclose(f);
	r->status = 200;
	return EXIT_OK;
}

/* GET a feed URL (following up to 5 redirects), conditional on etag. */
static int
feed_get(struct client *c, const char *src, const char *etag,
    struct http_response *r)
{
	struct http_header	 hdrs[3];
	char			*url, *cause = NULL, *next;
	int			 hops;

	if ((url = http_normalize_url(src, c->insecure_webcal, &cause)) ==
	    NULL) {
		warnx_kaigi("%s", cause);
		free(cause);
		return EXIT_USAGE;
	}
	hdrs[0] = (struct http_header){ "Accept", "text/calendar" };
	hdrs[1] = (struct http_header){ "If-None-Match", etag };
	hdrs[2] = (struct http_header){ NULL, NULL };
	for (hops = 0;; hops++) {
		if (http_request("GET", url, hdrs, NULL, c->timeout, r) != 0) {
			warnx_kaigi("%s", r->error);
			free(url);
			return EXIT_SERVER;
		}
		if (r->status < 300 || r->status > 308 || r->status == 304 ||
		    r->location == NULL || hops == 5)
			break;
		next = http_normalize_url(r->location, c->insecure_webcal,
		    &cause);
		if (next == NULL)
			break;
		free(url);
		url = next;
		http_response_free(r);
	}
	free(cause);
	if (r->status != 200 && r->status != 304) {
		warnx_kaigi("%s: HTTP %d%s", url, r->status, r->status == 404 ?
		    " (unknown or revoked feed)" : "");
		free(url);
		return api_status_exit(r->status);
	}
	free(url);
	return EXIT_OK;
}

/* Fetch a feed from a URL or file into r; EXIT_OK or an exit code. */
int
feed_fetch(struct client *c, const char *src, const char *etag,
    struct http_response *r)
{
	memset(r, 0, sizeof *r);
	if (feed_is_url(src))
		return feed_get(c, src, etag, r);
	return feed_read_file(src, r);
}
