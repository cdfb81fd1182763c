/*
 * ical.c — render a calendar feed with libical: plain structs in, bytes out.
 *
 * No I/O, no database and no clock: every timestamp written comes from the
 * input, so the same input always gives the same bytes. libical builds every
 * property, escapes all text and folds the lines; this file only chooses
 * what goes in. See ical.h for the properties and their meaning.
 *
 * Debian's libical reads zones from the system tz database and names them
 * "/freeassociation.sourceforge.net/<IANA>"; the VTIMEZONE is cloned and its
 * TZID replaced by the plain IANA name, which DTSTART/DTEND then refer to.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>
#include <openssl/evp.h>

#include "ical.h"
#include "util.h"

/* 1 if the zone name is one libical only knows under an "Etc/" alias. */
static int
ical_zone_is_utc_alias(const char *zone)
{
	return strcmp(zone, "UTC") == 0 || strcmp(zone, "GMT") == 0;
}

/* libical's zone for an IANA name, with a VTIMEZONE component; or NULL. */
static icaltimezone *
ical_zone_find(const char *zone)
{
	icaltimezone	*z;
	char		*alias;

	/* libical opens /usr/share/zoneinfo/<zone>: keep names to IANA's shape. */
	if (zone == NULL || *zone == '\0' || *zone == '/' ||
	    strstr(zone, "..") != NULL || strlen(zone) > 64 ||
	    zone[strspn(zone, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789/_+-")] != '\0')
		return NULL;
	if (ical_zone_is_utc_alias(zone)) {
		/* libical answers its component-less UTC zone for these. */
		alias = xasprintf("Etc/%s", zone);
		z = icaltimezone_get_builtin_timezone(alias);
		free(alias);
	} else
		z = icaltimezone_get_builtin_timezone(zone);
	if (z == NULL || icaltimezone_get_component(z) == NULL)
		return NULL;
	return z;
}

/* 1 if libical knows the IANA zone (built-in/system tz data), else 0. */
int
ical_zone_valid(const char *zone)
{
	return ical_zone_find(zone) != NULL;
}

/*
 * Copy of s fit for a TEXT value: CRLF and lone CR become LF (which libical
 * escapes as \n), other control characters except TAB are dropped; RFC 5545
 * allows no raw controls in TEXT. NULL becomes "". Caller frees.
 */
static char *
ical_text(const char *s)
{
	char	*out, *o;

	if (s == NULL)
		return xstrdup("");
	out = o = xmalloc(strlen(s) + 1);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\r') {
			*o++ = '\n';
			if (s[1] == '\n')
				s++;
		} else if (c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7f))
			*o++ = (char)c;
	}
	*o = '\0';
	return out;
}

/* A UTC DATE-TIME (written with a trailing Z). */
static struct icaltimetype
ical_utc(time_t t)
{
	return icaltime_from_timet_with_zone(t, 0, icaltimezone_get_utc_timezone());
}

/* Set a DATE-TIME property to the wall-clock time of t in z, ;TZID=tzid. */
static void
ical_set_zoned(icalproperty *p, time_t t, icaltimezone *z, const char *tzid)
{
	struct icaltimetype	 tt;

	tt = icaltime_from_timet_with_zone(t, 0, z);
	tt.zone = NULL;		/* written as local time; the TZID names the zone */
	icalproperty_set_value(p, icalvalue_new_datetime(tt));
	icalproperty_add_parameter(p, icalparameter_new_tzid(tzid));
}

/* An X- property with a TEXT value. */
static icalproperty *
ical_xprop(const char *name, const char *value)
{
	icalproperty	*p = icalproperty_new_x(value);

	icalproperty_set_x_name(p, name);
	return p;
}

/*
 * The zone's VTIMEZONE, cloned, cut by libical to the observances from
 * 1970 (or the first event, if earlier) on, with TZID set to the plain IANA
 * name. The cut drops local mean time offsets in seconds (+091859) that
 * some clients mishandle, and depends on no clock.
 */
static icalcomponent *
ical_vtimezone(icaltimezone *z, const char *tzid, time_t first)
{
	icalcomponent	*vtz;
	icalproperty	*p;

	vtz = icalcomponent_new_clone(icaltimezone_get_component(z));
	icaltimezone_truncate_vtimezone(vtz, ical_utc(first < 0 ? first : 0),
	    icaltime_null_time(), 0);
	p = icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY);
	if (p != NULL)
		icalproperty_set_tzid(p, tzid);
	else
		icalcomponent_add_property(vtz, icalproperty_new_tzid(tzid));
	return vtz;
}

/* The VCALENDAR with its own properties and no events yet. */
static icalcomponent *
ical_calendar(const struct ical_cal *cal, const char *refresh,
    icalproperty_method method)
{
	icalcomponent		*vcal;
	icalproperty		*p;
	struct icaldurationtype	 d = icaldurationtype_from_string(refresh);
	char			*name = ical_text(cal->name);

	vcal = icalcomponent_new_vcalendar();
	icalcomponent_add_property(vcal, icalproperty_new_prodid(
	    cal->prodid != NULL ? cal->prodid : ICAL_DEFAULT_PRODID));
	icalcomponent_add_property(vcal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(vcal, icalproperty_new_calscale("GREGORIAN"));
	icalcomponent_add_property(vcal,
	    icalproperty_new_method(method));
	icalcomponent_add_property(vcal, icalproperty_new_name(name));
	icalcomponent_add_property(vcal, ical_xprop("X-WR-CALNAME", name));
	icalcomponent_add_property(vcal, ical_xprop("X-WR-TIMEZONE", cal->zone));
	p = icalproperty_new_refreshinterval(d);
	icalproperty_add_parameter(p, icalparameter_new_value(ICAL_VALUE_DURATION));
	icalcomponent_add_property(vcal, p);
	icalcomponent_add_property(vcal, ical_xprop("X-PUBLISHED-TTL", refresh));
	free(name);
	return vcal;
}

/* LOCATION text: "room, venue", either alone, or NULL if neither. */
static char *
ical_location(const struct ical_event *e)
{
	int	room = e->room != NULL && *e->room != '\0';
	int	venue = e->venue != NULL && *e->venue != '\0';
	char	*raw, *out;

	if (room && venue)
		raw = xasprintf("%s, %s", e->room, e->venue);
	else if (room || venue)
		raw = xstrdup(room ? e->room : e->venue);
	else
		return NULL;
	out = ical_text(raw);
	free(raw);
	return out;
}

/*
 * Add the TEXT property made by fn from a cleaned copy of s, unless that is
 * empty: libical's parser refuses a property with nothing after the colon.
 */
static void
ical_add_text_lang(icalcomponent *c, icalproperty *(*fn)(const char *),
    const char *s, const char *lang)
{
	char		*t = ical_text(s);
	icalproperty	*p;

	if (*t != '\0') {
		p = fn(t);
		if (lang != NULL)
			icalproperty_add_parameter(p, icalparameter_new_language(lang));
		icalcomponent_add_property(c, p);
	}
	free(t);
}

/* DESCRIPTION: the text, then the note (who is represented), if any. */
static void
ical_add_description(icalcomponent *ve, const struct ical_event *e)
{
	char	*both;

	if (e->note == NULL || *e->note == '\0') {
		ical_add_text_lang(ve, icalproperty_new_description, e->description,
		    e->description_lang);
		return;
	}
	both = xasprintf("%s%s%s", e->description ? e->description : "",
	    e->description && *e->description ? "\n\n" : "", e->note);
	ical_add_text_lang(ve, icalproperty_new_description, both,
	    e->description_lang);
	free(both);
}

/* RFC 7986 CONFERENCE;VALUE=URI: of each https link (one a line). */
static void
ical_add_conferences(icalcomponent *ve, const char *links)
{
	char		*copy, *line, *save = NULL;
	icalproperty	*p;

	if (links == NULL)
		return;
	copy = xstrdup(links);
	for (line = strtok_r(copy, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "https://", 8) != 0 || strpbrk(line, " \t\r") != NULL)
			continue;
		p = icalproperty_new_conference(line);
		icalproperty_add_parameter(p, icalparameter_new_value(ICAL_VALUE_URI));
		icalcomponent_add_property(ve, p);
	}
	free(copy);
}

/* SUMMARY, LOCATION, DESCRIPTION and CATEGORIES of a visible event. */
static void
ical_event_detail(icalcomponent *ve, const struct ical_event *e)
{
	char		*loc, *title = ical_text(e->title), *kind = ical_text(e->kind);
	icalproperty	*p;

	/* An empty SUMMARY is refused by parsers: fall back to the kind. */
	p = icalproperty_new_summary(
	    *title != '\0' ? title : *kind != '\0' ? kind : "Session");
	if (e->title_lang != NULL)
		icalproperty_add_parameter(p, icalparameter_new_language(e->title_lang));
	icalcomponent_add_property(ve, p);
	free(title);
	if ((loc = ical_location(e)) != NULL) {
		if (*loc != '\0')
			icalcomponent_add_property(ve, icalproperty_new_location(loc));
		free(loc);
	}
	ical_add_description(ve, e);
	ical_add_conferences(ve, e->links);
	if (*kind != '\0')
		icalcomponent_add_property(ve, icalproperty_new_categories(kind));
	free(kind);
}

/* STATUS value for an event status. */
static enum icalproperty_status
ical_status_of(enum ical_status s)
{
	switch (s) {
	case ICAL_EVENT_CONFIRMED:
		return ICAL_STATUS_CONFIRMED;
	case ICAL_EVENT_CANCELLED:
		return ICAL_STATUS_CANCELLED;
	case ICAL_EVENT_TENTATIVE:
	default:
		return ICAL_STATUS_TENTATIVE;
	}
}

/* Is e a confidential session's busy block (reserved, with its own UID)? */
static int
ical_busy(const struct ical_event *e)
{
	return e->reserved && e->confidential && e->busy_uid != NULL &&
	    *e->busy_uid != '\0';
}

/* One VEVENT. */
static icalcomponent *
ical_event(const struct ical_cal *cal, const struct ical_event *e,
    icaltimezone *z)
{
	icalcomponent	*ve = icalcomponent_new_vevent();
	icalproperty	*p;
	char		*uid;

	if (ical_busy(e))
		uid = xasprintf("%s@%s", e->busy_uid, cal->host);
	else
		uid = xasprintf("session-%lld@%s", e->id, cal->host);
	icalcomponent_add_property(ve, icalproperty_new_uid(uid));
	free(uid);
	icalcomponent_add_property(ve, icalproperty_new_dtstamp(ical_utc(e->updated)));
	p = icalproperty_new(ICAL_DTSTART_PROPERTY);
	ical_set_zoned(p, e->start, z, cal->zone);
	icalcomponent_add_property(ve, p);
	p = icalproperty_new(ICAL_DTEND_PROPERTY);
	ical_set_zoned(p, e->end, z, cal->zone);
	icalcomponent_add_property(ve, p);
	if (ical_busy(e))
		icalcomponent_add_property(ve, icalproperty_new_summary("Busy"));
	else if (e->reserved)
		icalcomponent_add_property(ve, icalproperty_new_summary("Reserved"));
	else
		ical_event_detail(ve, e);
	if (e->confidential)
		icalcomponent_add_property(ve,
		    icalproperty_new_class(ICAL_CLASS_CONFIDENTIAL));
	icalcomponent_add_property(ve,
	    icalproperty_new_status(ical_status_of(e->status)));
	icalcomponent_add_property(ve, icalproperty_new_sequence(e->sequence));
	icalcomponent_add_property(ve, icalproperty_new_created(ical_utc(e->created)));
	icalcomponent_add_property(ve,
	    icalproperty_new_lastmodified(ical_utc(e->updated)));
	icalcomponent_add_property(ve, icalproperty_new_transp(ICAL_TRANSP_OPAQUE));
	return ve;
}

/* qsort order of events: start time, then id. */
static int
ical_event_cmp(const void *a, const void *b)
{
	const struct ical_event	*x = *(const struct ical_event * const *)a;
	const struct ical_event	*y = *(const struct ical_event * const *)b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return 0;
}

/* Sort events as a feed writes them: by start, then id. */
void
ical_event_order(const struct ical_event **order, size_t n)
{
	qsort(order, n, sizeof *order, ical_event_cmp);
}

/* Check the arguments of ical_render; NULL if fine, else the reason. */
static const char *
ical_check(const struct ical_cal *cal, const char *refresh)
{
	struct icaldurationtype	 d;

	if (cal->name == NULL || cal->host == NULL || cal->zone == NULL ||
	    *cal->name == '\0' || *cal->host == '\0')
		return "calendar name, host and zone are required";
	d = icaldurationtype_from_string(refresh);
	if (icaldurationtype_is_bad_duration(d) ||
	    icaldurationtype_is_null_duration(d))
		return "refresh interval is not an ISO 8601 duration";
	return NULL;
}

/*
 * libical 3.0 folds a content line together with its CRLF, so a line that
 * ends just at the 75th octet is folded between the CR and the LF: "x\r"
 * "\r\n " "\n". Unfolding gives the right text, but the raw lines have a
 * bare CR and a bare LF that line-based readers trip over. Take such folds
 * out again (TEXT values hold no CR of their own: ical_text() made them LF,
 * which libical escapes). Returns the new length.
 */
static size_t
ical_fix_folds(char *s, size_t len)
{
	size_t	i, o = 0;

	for (i = 0; i < len; i++) {
		if (i > 0 && s[i - 1] == '\r' && i + 3 < len && s[i] == '\r' &&
		    s[i + 1] == '\n' && s[i + 2] == ' ' && s[i + 3] == '\n')
			i += 3;		/* drop "\r\n ": CR and LF meet again */
		s[o++] = s[i];
	}
	s[o] = '\0';
	return o;
}

/* iMIP: the ATTENDEE property of the participant (a mailto: address). */
static icalproperty *
ical_imip_attendee_prop(const char *attendee)
{
	icalproperty	*p;
	char		*uri = xasprintf("mailto:%s", attendee);

	p = icalproperty_new_attendee(uri);
	icalproperty_add_parameter(p, icalparameter_new_role(ICAL_ROLE_REQPARTICIPANT));
	icalproperty_add_parameter(p, icalparameter_new_rsvp(ICAL_RSVP_FALSE));
	free(uri);
	return p;
}

/* iMIP: ORGANIZER of one event (a mailto: address). */
static void
ical_imip_organizer(icalcomponent *ve, const char *organizer)
{
	char	*uri = xasprintf("mailto:%s", organizer);

	icalcomponent_add_property(ve, icalproperty_new_organizer(uri));
	free(uri);
}

/* iMIP: ORGANIZER and ATTENDEE of one event. */
static void
ical_imip_people(icalcomponent *ve, const struct ical_imip *im)
{
	ical_imip_organizer(ve, im->organizer);
	icalcomponent_add_property(ve, ical_imip_attendee_prop(im->attendee));
}

/* The refresh interval and zone of cal, once its arguments are checked;
 * NULL with *cause if they are not fine. */
static icaltimezone *
ical_prepare(const struct ical_cal *cal, const char **refresh, char **cause)
{
	const char	*bad;
	icaltimezone	*z;

	*refresh = cal->refresh != NULL ? cal->refresh : ICAL_DEFAULT_REFRESH;
	if ((bad = ical_check(cal, *refresh)) != NULL) {
		*cause = xstrdup(bad);
		return NULL;
	}
	if ((z = ical_zone_find(cal->zone)) == NULL)
		*cause = xasprintf("unknown time zone: %s", cal->zone);
	return z;
}

/* Render cal and its n events into out; 0, or -1 with *cause. */
static int
ical_build(const struct ical_cal *cal, const struct ical_event *ev,
    size_t n, const struct ical_imip *im, struct ical_feed *out, char **cause)
{
	icalcomponent		 *ve;
	const char		 *refresh;
	const struct ical_event	**order;
	icaltimezone		 *z;
	icalcomponent		 *vcal;
	size_t			  i;

	memset(out, 0, sizeof *out);
	if ((z = ical_prepare(cal, &refresh, cause)) == NULL)
		return -1;
	order = xcalloc(n, sizeof *order);
	for (i = 0; i < n; i++)
		order[i] = &ev[i];
	ical_event_order(order, n);
	vcal = ical_calendar(cal, refresh, im == NULL ? ICAL_METHOD_PUBLISH :
	    im->cancel ? ICAL_METHOD_CANCEL : ICAL_METHOD_REQUEST);
	icalcomponent_add_component(vcal,
	    ical_vtimezone(z, cal->zone, n > 0 ? order[0]->start : 0));
	for (i = 0; i < n; i++) {
		ve = ical_event(cal, order[i], z);
		if (im != NULL)
			ical_imip_people(ve, im);
		icalcomponent_add_component(vcal, ve);
		if (order[i]->updated > out->last_modified)
			out->last_modified = order[i]->updated;
	}
	free(order);
	out->data = icalcomponent_as_ical_string_r(vcal);
	icalcomponent_free(vcal);
	out->len = ical_fix_folds(out->data, strlen(out->data));
	ical_etag(out->data, out->len, out->etag);
	return 0;
}

/* Render a feed: METHOD:PUBLISH. */
int
ical_render(const struct ical_cal *cal, const struct ical_event *ev,
    size_t n, struct ical_feed *out, char **cause)
{
	return ical_build(cal, ev, n, NULL, out, cause);
}

/* Render an iMIP object (RFC 6047): METHOD:REQUEST or CANCEL. */
int
ical_render_imip(const struct ical_cal *cal, const struct ical_event *ev,
    size_t n, const struct ical_imip *im, struct ical_feed *out, char **cause)
{
	return ical_build(cal, ev, n, im, out, cause);
}

/*
 * libical's text of comp, or else of prop (either freed), folds fixed,
 * with the closing line `end` cut off when it ends so (NULL: nothing cut).
 */
static char *
ical_text_of(icalcomponent *comp, icalproperty *prop, const char *end)
{
	char	*s;
	size_t	 len, elen = end != NULL ? strlen(end) : 0;

	if (comp != NULL) {
		s = icalcomponent_as_ical_string_r(comp);
		icalcomponent_free(comp);
	} else {
		s = icalproperty_as_ical_string_r(prop);
		icalproperty_free(prop);
	}
	len = ical_fix_folds(s, strlen(s));
	if (elen > 0 && len >= elen && strcmp(s + len - elen, end) == 0)
		s[len - elen] = '\0';
	return s;
}

/* A calendar's head with method m (see ical.h); 0, or -1 with *cause. */
static int
ical_head(const struct ical_cal *cal, icalproperty_method m, time_t first,
    char **out, char **cause)
{
	const char	*refresh;
	icaltimezone	*z;
	icalcomponent	*vcal;

	*out = NULL;
	if ((z = ical_prepare(cal, &refresh, cause)) == NULL)
		return -1;
	vcal = ical_calendar(cal, refresh, m);
	icalcomponent_add_component(vcal, ical_vtimezone(z, cal->zone, first));
	*out = ical_text_of(vcal, NULL, "END:VCALENDAR\r\n");
	return 0;
}

/* iMIP in pieces: the head (see ical.h); 0, or -1 with *cause. */
int
ical_imip_head(const struct ical_cal *cal, int cancel, time_t first,
    char **out, char **cause)
{
	return ical_head(cal, cancel ? ICAL_METHOD_CANCEL : ICAL_METHOD_REQUEST,
	    first, out, cause);
}

/* A feed in pieces: the head (see ical.h); 0, or -1 with *cause. */
int
ical_feed_head(const struct ical_cal *cal, time_t first, char **out,
    char **cause)
{
	return ical_head(cal, ICAL_METHOD_PUBLISH, first, out, cause);
}

/* A feed in pieces: one whole VEVENT (see ical.h); 0, or -1 with *cause. */
int
ical_feed_event(const struct ical_cal *cal, const struct ical_event *e,
    char **out, char **cause)
{
	const char	*refresh;
	icaltimezone	*z;

	*out = NULL;
	if ((z = ical_prepare(cal, &refresh, cause)) == NULL)
		return -1;
	*out = ical_text_of(ical_event(cal, e, z), NULL, NULL);
	return 0;
}

/* iMIP in pieces: one event up to its ORGANIZER (see ical.h). */
int
ical_imip_event(const struct ical_cal *cal, const struct ical_event *e,
    const char *organizer, char **out, char **cause)
{
	const char	*refresh;
	icaltimezone	*z;
	icalcomponent	*ve;

	*out = NULL;
	if ((z = ical_prepare(cal, &refresh, cause)) == NULL)
		return -1;
	ve = ical_event(cal, e, z);
	ical_imip_organizer(ve, organizer);
	*out = ical_text_of(ve, NULL, "END:VEVENT\r\n");
	return 0;
}

/* iMIP in pieces: the participant's ATTENDEE line (see ical.h). */
char *
ical_imip_attendee(const char *attendee)
{
	return ical_text_of(NULL, ical_imip_attendee_prop(attendee), NULL);
}

/* Free the text of a rendered feed. */
void
ical_feed_free(struct ical_feed *f)
{
	free(f->data);	/* libical 3.0 allocates with malloc */
	memset(f, 0, sizeof *f);
}

/* Strong ETag: the first 128 bits of the SHA-256 of the bytes, quoted. */
void
ical_etag(const char *data, size_t len, char out[ICAL_ETAG_LEN])
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0, i;

	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1)
		fatal("sha256 failed");
	out[0] = '"';
	for (i = 0; i < 16; i++)
		snprintf(out + 1 + 2 * i, 3, "%02x", md[i]);
	out[33] = '"';
	out[34] = '\0';
}

/* Free libical's global time zone cache. */
void
ical_shutdown(void)
{
	icaltimezone_free_builtin_timezones();
}
