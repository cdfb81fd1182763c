/*
 * feed.c — reading an iCalendar feed: fetch it (URL or file) and parse it
 * with libical into a list of events with UTC instants.
 *
 * DTSTART/DTEND carry a TZID whose VTIMEZONE is in the same calendar;
 * libical resolves it, so the instants are right whatever zone the feed
 * was written in (a TZID without a VTIMEZONE is looked up as an IANA
 * name). A time without a zone — floating, as RFC 5545 allows, or with a
 * TZID that is neither — is never taken as UTC: feed_localize reads it as
 * a wall-clock time in the reader's zone and says so. feed_event_calendar rebuilds one event as a calendar
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

/*
 * The zone of a DTSTART/DTEND value t: UTC, the feed's VTIMEZONE, or the
 * IANA zone its TZID names. NULL when there is none: a floating time (no
 * TZID, *tzid NULL) or a TZID nobody knows (*tzid is it).
 */
static icaltimezone *
feed_zone(icalcomponent *comp, struct icaltimetype t, icalproperty_kind kind,
    const char **tzid)
{
	icalproperty	*p;
	icalparameter	*param;

	*tzid = NULL;
	if (icaltime_is_utc(t))
		return icaltimezone_get_utc_timezone();
	if (t.zone != NULL)
		return (icaltimezone *)t.zone;
	if ((p = icalcomponent_get_first_property(comp, kind)) == NULL ||
	    (param = icalproperty_get_first_parameter(p,
	    ICAL_TZID_PARAMETER)) == NULL)
		return NULL;
	*tzid = icalparameter_get_tzid(param);
	return time_zone(*tzid);
}

/*
 * The instant of a DTSTART/DTEND value read in its own zone, or else in
 * reader (which may be NULL until feed_localize knows it); *floating is
 * set when it had no zone of its own.
 */
static time_t
feed_instant(icalcomponent *comp, struct icaltimetype t,
    icalproperty_kind kind, icaltimezone *reader, int *floating)
{
	icaltimezone	*zone;
	const char	*tzid;
	int		 how;

	if ((zone = feed_zone(comp, t, kind, &tzid)) == NULL) {
		*floating = 1;
		zone = reader ? reader : icaltimezone_get_utc_timezone();
	}
	return time_from_local(t, zone, &how);
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
	if (ev->uid == NULL)
		ev->uid = xstrdup("");
	if (ev->summary == NULL)
		ev->summary = xstrdup("");
	if (ev->location == NULL)
		ev->location = xstrdup("");
	if (ev->status == NULL)
		ev->status = xstrdup("");
	ev->no_time = icaltime_is_null_time(s);
	ev->all_day = s.is_date;
	if (ev->no_time || ev->all_day)
		return;		/* feed_localize places the days */
	ev->start = feed_instant(comp, s, ICAL_DTSTART_PROPERTY, NULL,
	    &ev->floating);
	ev->end = icaltime_is_null_time(e) ? ev->start :
	    feed_instant(comp, e, ICAL_DTEND_PROPERTY, NULL, &ev->floating);
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

/* Place an all-day event (DTSTART;VALUE=DATE) at midnights in zone. */
static void
feed_place_days(struct feed_event *ev, icaltimezone *zone)
{
	struct icaltimetype	s = icalcomponent_get_dtstart(ev->comp);
	struct icaltimetype	e = icalcomponent_get_dtend(ev->comp);

	ev->start = time_day_start(s.year, s.month, s.day, zone);
	ev->end = icaltime_is_null_time(e) ?
	    time_day_start(s.year, s.month, s.day + 1, zone) :
	    time_day_start(e.year, e.month, e.day, zone);
}

/* Place a floating event's times (those without a zone) in zone. */
static void
feed_place_floating(struct feed_event *ev, icaltimezone *zone)
{
	struct icaltimetype	s = icalcomponent_get_dtstart(ev->comp);
	struct icaltimetype	e = icalcomponent_get_dtend(ev->comp);

	ev->start = feed_instant(ev->comp, s, ICAL_DTSTART_PROPERTY, zone,
	    &ev->floating);
	ev->end = icaltime_is_null_time(e) ? ev->start :
	    feed_instant(ev->comp, e, ICAL_DTEND_PROPERTY, zone,
	    &ev->floating);
}

/*
 * Say which events were read in the reader's zone for want of their own:
 * one line for floating times, one per unknown TZID, with counts.
 */
static void
feed_warn_floating(struct feed *f, const char *src, const char *zname)
{
	json_t		*tzids = json_object(), *v;
	const char	*tzid, *key;
	size_t		 i, floating = 0;

	for (i = 0; i < f->n; i++) {
		if (!f->events[i].floating)
			continue;
		if (feed_zone(f->events[i].comp, icalcomponent_get_dtstart(
		    f->events[i].comp), ICAL_DTSTART_PROPERTY, &tzid) == NULL &&
		    tzid != NULL) {
			v = json_object_get(tzids, tzid);
			json_object_set_new(tzids, tzid, json_integer(
			    json_integer_value(v) + 1));
		} else
			floating++;
	}
	if (floating > 0)
		warnx_kaigi("%s: %zu event(s) have a floating time (no time "
		    "zone): read as %s times", src, floating, zname);
	json_object_foreach(tzids, key, v)
		warnx_kaigi("%s: unknown time zone '%s' (no VTIMEZONE in the "
		    "feed, not an IANA name) in %lld event(s): read as %s times,"
		    " which may be wrong", src, key,
		    (long long)json_integer_value(v), zname);
	json_decref(tzids);
}

/*
 * Place what depends on the reader's zone, then sort again: all-day
 * events (days, not instants) start at midnight of their dates, and times
 * without a zone of their own (floating, or an unknown TZID) are read as
 * wall-clock times in zone, which is said on stderr (src names the feed).
 */
void
feed_localize(struct feed *f, icaltimezone *zone, const char *src)
{
	size_t	i;

	for (i = 0; i < f->n; i++) {
		if (f->events[i].all_day)
			feed_place_days(&f->events[i], zone);
		else if (f->events[i].floating && !f->events[i].no_time)
			feed_place_floating(&f->events[i], zone);
	}
	feed_warn_floating(f, src, time_zone_name(zone));
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

/*
 * The feed URL src with ?lang=lang (or &lang=) added, to be freed; src
 * itself (copied) when lang is NULL; NULL when src is no URL or lang no
 * language tag (letters, digits and hyphens, at most 35).
 */
char *
feed_lang_url(const char *src, const char *lang)
{
	size_t	n;

	if (lang == NULL)
		return xstrdup(src);
	n = strlen(lang);
	if (!feed_is_url(src) || n == 0 || n > 35 ||
	    strspn(lang, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != n)
		return NULL;
	return xasprintf("%s%clang=%s", src, strchr(src, '?') ? '&' : '?',
	    lang);
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

/* Say why a feed URL did not answer 200/304, with its problem's detail
 * (a 400 for ?lang= names the conference's languages). */
static void
feed_http_error(const char *url, const struct http_response *r)
{
	json_t		*j = r->body != NULL ? json_loads(r->body, 0, NULL) : NULL;
	const char	*d = json_string_value(json_object_get(j, "detail"));

	warnx_kaigi("%s: HTTP %d%s%s%s", url, r->status, r->status == 404 ?
	    " (unknown or revoked feed)" : "", d != NULL ? ": " : "",
	    d != NULL ? d : "");
	json_decref(j);
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
		feed_http_error(url, r);
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
