/*
 * test_ical.c — TAP tests of the feed renderer (server/ical.c).
 *
 * Renders a fixed set of sessions (confirmed, tentative, cancelled, one full
 * of commas, semicolons, newlines and Japanese, one with a long description
 * that must be folded, one reserved) and checks the bytes as text and after
 * parsing them back with libical's own parser.
 *
 *   test_ical [DIR]      also write DIR/tokyo.ics, DIR/new_york.ics and
 *                        DIR/zone-*.ics (or set KAIGI_ICAL_OUT_DIR) for
 *                        the tests/ical/ parser drivers
 *
 * The expected UTC times of these samples are repeated in
 * tests/integration/40-ical-parsers.t; change both together.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libical/ical.h>

#include "ical.h"
#include "util.h"

static int	tap_n, tap_failed;

/* Print one TAP result (printf-style description); returns cond. */
static int __attribute__((format(printf, 2, 3)))
ok(int cond, const char *fmt, ...)
{
	va_list	ap;

	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return cond;
}

/* UTC epoch seconds of a UTC wall-clock time. */
static time_t
utc(int y, int mo, int d, int h, int mi)
{
	struct tm	tm = { 0 };

	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	return timegm(&tm);
}

#define SAMPLE_N 6
#define SECRET_TITLE "Japan-Canada bilateral (secret)"
#define SECRET_DESC "Agenda: nuclear submarines"
/*
 * No backslash in the title: python3-icalendar 4.0.3 unescapes "\\\\n" as a
 * backslash and a newline, and the parser drivers compare SUMMARY. The
 * backslash is tested in DESCRIPTION, which only libical reads back here.
 */
#define TRICKY_TITLE "日本・カナダ会談; trade, security \"quoted\" 🇯🇵"
#define TRICKY_DESC "Line one,\r\nline two; 会議室は3階です。\nLast\\line"
/* What TRICKY_DESC reads back as: CRLF normalised to LF. */
#define TRICKY_DESC_BACK "Line one,\nline two; 会議室は3階です。\nLast\\line"

static char	long_desc[2048];

/* The Tokyo sample: 2026-05-11, Asia/Tokyo is UTC+9 all year. */
static void
sample_tokyo(struct ical_event ev[SAMPLE_N])
{
	time_t	c = utc(2026, 4, 1, 0, 0);
	int	i;

	strcpy(long_desc, "");
	for (i = 0; i < 12; i++)
		strcat(long_desc, "A long description that libical must fold: "
		    "長い説明文を七十五オクテットで折り返す。");
	memset(ev, 0, sizeof(struct ical_event) * SAMPLE_N);
	/* Out of order on purpose: the renderer sorts by (start, id). */
	ev[0] = (struct ical_event){ 4, "side_event", "Cancelled reception",
	    "Called off", "Garden", "ICC Kyoto", utc(2026, 5, 11, 9, 0),
	    utc(2026, 5, 11, 11, 0), ICAL_EVENT_CANCELLED, 2, c,
	    utc(2026, 4, 20, 3, 4), 0, NULL, NULL, 0, NULL, NULL, NULL };
	ev[1] = (struct ical_event){ 1, "plenary", "Opening plenary",
	    "Welcome by the host", "Main Hall", "ICC Kyoto",
	    utc(2026, 5, 11, 1, 0), utc(2026, 5, 11, 2, 30),
	    ICAL_EVENT_CONFIRMED, 0, c, utc(2026, 4, 2, 8, 0), 0, NULL, NULL, 0, NULL, NULL, NULL };
	ev[2] = (struct ical_event){ 2, "bilateral", TRICKY_TITLE, TRICKY_DESC,
	    "Room 3; east, wing", "ICC Kyoto", utc(2026, 5, 11, 3, 0),
	    utc(2026, 5, 11, 3, 45), ICAL_EVENT_CONFIRMED, 1, c,
	    utc(2026, 4, 3, 0, 0), 0, NULL, NULL, 0, NULL, NULL, NULL };
	ev[3] = (struct ical_event){ 3, "working_meal", "Working lunch",
	    long_desc, "Room 5", NULL, utc(2026, 5, 11, 3, 0),
	    utc(2026, 5, 11, 4, 0), ICAL_EVENT_TENTATIVE, 0, c,
	    utc(2026, 4, 4, 0, 0), 0, NULL, NULL, 0, NULL, NULL, NULL };
	ev[4] = (struct ical_event){ 5, "bilateral", SECRET_TITLE, SECRET_DESC,
	    "Room 7", "ICC Kyoto", utc(2026, 5, 12, 0, 30),
	    utc(2026, 5, 12, 1, 0), ICAL_EVENT_CONFIRMED, 3, c,
	    utc(2026, 4, 5, 0, 0), 1, NULL, NULL, 0, NULL, NULL, NULL };
	/* Crosses midnight in Tokyo: 23:30-00:30 local. */
	ev[5] = (struct ical_event){ 6, "press", "Late press briefing", NULL,
	    "Press room", "ICC Kyoto", utc(2026, 5, 12, 14, 30),
	    utc(2026, 5, 12, 15, 30), ICAL_EVENT_CONFIRMED, 0, c,
	    utc(2026, 4, 6, 0, 0), 0, NULL, NULL, 0, NULL, NULL, NULL };
}

static const struct ical_cal tokyo = {
	"G7 Kyoto 2026, public; programme", "Asia/Tokyo", "kaigi.example",
	NULL, NULL
};

/* The New York sample: either side of both DST changes of 2026. */
static void
sample_new_york(struct ical_event ev[3])
{
	time_t	c = utc(2026, 1, 1, 0, 0);

	memset(ev, 0, sizeof(struct ical_event) * 3);
	/* 10:00 EST = 15:00Z */
	ev[0] = (struct ical_event){ 11, "plenary", "Winter plenary", "EST",
	    "Hall A", "UN HQ", utc(2026, 1, 15, 15, 0), utc(2026, 1, 15, 16, 0),
	    ICAL_EVENT_CONFIRMED, 0, c, c, 0, NULL, NULL, 0, NULL, NULL, NULL };
	/* 03:00 EDT, the first hour after the 2026-03-08 change = 07:00Z */
	ev[1] = (struct ical_event){ 12, "other", "Spring forward", "EDT",
	    "Hall A", "UN HQ", utc(2026, 3, 8, 7, 0), utc(2026, 3, 8, 8, 0),
	    ICAL_EVENT_TENTATIVE, 0, c, c, 0, NULL, NULL, 0, NULL, NULL, NULL };
	/* 10:00 EDT = 14:00Z; ends 02:30 EST after the 2026-11-01 change
	 * (01:00-02:00 that night is ambiguous in local time: avoided) */
	ev[2] = (struct ical_event){ 13, "side_event", "Long night", "EDT->EST",
	    "Hall B", "UN HQ", utc(2026, 10, 31, 14, 0), utc(2026, 11, 1, 7, 30),
	    ICAL_EVENT_CONFIRMED, 1, c, c, 0, NULL, NULL, 0, NULL, NULL, NULL };
}

static const struct ical_cal new_york = {
	"UNGA side meetings", "America/New_York", "kaigi.example", "PT1H",
	"-//kaigi//test//EN"
};

/* Count non-overlapping occurrences of needle in hay. */
static int
count(const char *hay, const char *needle)
{
	int	n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* 1 if every line ends in CRLF and there is no bare CR or LF. */
static int
crlf_only(const char *s, size_t len)
{
	size_t	i;

	if (len < 2 || s[len - 2] != '\r' || s[len - 1] != '\n')
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			return 0;
		if (s[i] == '\r' && (i + 1 == len || s[i + 1] != '\n'))
			return 0;
	}
	return 1;
}

/* Longest line in octets, CRLF excluded. */
static size_t
longest_line(const char *s)
{
	size_t		 max = 0;
	const char	*eol;

	for (; *s != '\0'; s = eol + 2) {
		if ((eol = strstr(s, "\r\n")) == NULL)
			eol = s + strlen(s);
		if ((size_t)(eol - s) > max)
			max = (size_t)(eol - s);
		if (*eol == '\0')
			break;
	}
	return max;
}

/* 1 if no fold splits a UTF-8 sequence (no continuation byte after CRLF SP). */
static int
folds_keep_utf8(const char *s)
{
	while ((s = strstr(s, "\r\n ")) != NULL) {
		if (((unsigned char)s[3] & 0xc0) == 0x80)
			return 0;
		s += 3;
	}
	return 1;
}

/* The VEVENT with UID session-<id>@kaigi.example, or NULL. */
static icalcomponent *
find_event(icalcomponent *vcal, long long id)
{
	icalcomponent	*c;
	char		 uid[64];

	snprintf(uid, sizeof uid, "session-%lld@kaigi.example", id);
	for (c = icalcomponent_get_first_component(vcal, ICAL_VEVENT_COMPONENT);
	    c != NULL;
	    c = icalcomponent_get_next_component(vcal, ICAL_VEVENT_COMPONENT)) {
		if (strcmp(icalcomponent_get_uid(c), uid) == 0)
			return c;
	}
	return NULL;
}

/* 1 if DTSTART/DTEND, read through the feed's VTIMEZONE, equal e's. */
static int
times_match(icalcomponent *ve, const struct ical_event *e, const char *zone)
{
	struct icaltimetype	 s = icalcomponent_get_dtstart(ve);
	struct icaltimetype	 en = icalcomponent_get_dtend(ve);

	if (s.zone == NULL || en.zone == NULL)
		return 0;
	/* The feed's own VTIMEZONE, not libical's prefixed built-in one. */
	if (strcmp(icaltimezone_get_tzid((icaltimezone *)s.zone), zone) != 0 ||
	    strcmp(icaltimezone_get_tzid((icaltimezone *)en.zone), zone) != 0)
		return 0;
	return icaltime_as_timet_with_zone(s, s.zone) == e->start &&
	    icaltime_as_timet_with_zone(en, en.zone) == e->end;
}

/* Calendar-level properties and the shape of the text. */
static void
test_text(const struct ical_feed *f)
{
	const char	*d = f->data;

	ok(f->len == strlen(d) && f->len > 0, "len matches the text");
	ok(crlf_only(d, f->len), "every line ends in CRLF, no bare CR or LF");
	ok(longest_line(d) <= 75, "no line longer than 75 octets");
	ok(folds_keep_utf8(d), "folding never splits a UTF-8 character");
	ok(strncmp(d, "BEGIN:VCALENDAR\r\n", 17) == 0 &&
	    strstr(d, "END:VCALENDAR\r\n") == d + f->len - 15,
	    "one VCALENDAR around everything");
	ok(count(d, "\r\nPRODID:-//kaigi//kaigid 1.0//EN\r\n") == 1,
	    "default PRODID");
	ok(count(d, "\r\nVERSION:2.0\r\n") == 1, "VERSION:2.0");
	ok(count(d, "\r\nCALSCALE:GREGORIAN\r\n") == 1, "CALSCALE:GREGORIAN");
	ok(count(d, "\r\nMETHOD:PUBLISH\r\n") == 1, "METHOD:PUBLISH");
	ok(count(d, "\r\nNAME:G7 Kyoto 2026\\, public\\; programme\r\n") == 1,
	    "NAME, escaped by libical");
	/* libical escapes newlines in X- values, not commas or semicolons. */
	ok(count(d, "\r\nX-WR-CALNAME:G7 Kyoto 2026, public; programme\r\n")
	    == 1, "X-WR-CALNAME, as libical writes X- properties");
	ok(count(d, "\r\nX-WR-TIMEZONE:Asia/Tokyo\r\n") == 1, "X-WR-TIMEZONE");
	ok(count(d, "\r\nREFRESH-INTERVAL;VALUE=DURATION:PT15M\r\n") == 1,
	    "REFRESH-INTERVAL;VALUE=DURATION:PT15M (default)");
	ok(count(d, "\r\nX-PUBLISHED-TTL:PT15M\r\n") == 1, "X-PUBLISHED-TTL");
	ok(count(d, "BEGIN:VTIMEZONE\r\n") == 1 &&
	    count(d, "\r\nTZID:Asia/Tokyo\r\n") == 1, "one VTIMEZONE, TZID:Asia/Tokyo");
	ok(strstr(d, "freeassociation") == NULL && strstr(d, "TZID=JST") == NULL,
	    "no libical TZID prefix, no abbreviation as TZID");
	ok(count(d, "BEGIN:VEVENT\r\n") == SAMPLE_N &&
	    count(d, "\r\nTRANSP:OPAQUE\r\n") == SAMPLE_N, "six VEVENTs, all OPAQUE");
	ok(count(d, "\r\nDTSTART;TZID=Asia/Tokyo:") == SAMPLE_N &&
	    count(d, "\r\nDTEND;TZID=Asia/Tokyo:") == SAMPLE_N &&
	    count(d, ";TZID=") == 2 * SAMPLE_N, "DTSTART/DTEND all carry TZID=Asia/Tokyo");
	ok(strstr(d, "\r\nDTSTART;TZID=Asia/Tokyo:20260511T100000\r\n"
	    "DTEND;TZID=Asia/Tokyo:20260511T113000\r\n") != NULL,
	    "10:00 Tokyo is written as local time 100000 (01:00Z)");
	ok(strstr(d, "DTSTART;TZID=Asia/Tokyo:20260512T233000\r\n"
	    "DTEND;TZID=Asia/Tokyo:20260513T003000\r\n") != NULL,
	    "an event across local midnight");
	ok(strstr(d, "UID:session-1@kaigi.example\r\nDTSTAMP:20260402T080000Z\r\n")
	    != NULL && count(d, "LAST-MODIFIED:20260402T080000Z\r\n") == 1 &&
	    count(d, "CREATED:20260401T000000Z\r\n") == SAMPLE_N,
	    "DTSTAMP and LAST-MODIFIED = updated, CREATED = created");
	ok(count(d, "\r\nCATEGORIES:plenary\r\n") == 1 &&
	    count(d, "\r\nCATEGORIES:bilateral\r\n") == 1, "CATEGORIES is the kind as is");
	ok(count(d, "\r\nLOCATION:Room 3\\; east\\, wing\\, ICC Kyoto\r\n") == 1 &&
	    count(d, "\r\nLOCATION:Room 5\r\n") == 1, "LOCATION room, venue");
	ok(count(d, "\r\nDESCRIPTION:") == SAMPLE_N - 2 &&
	    strstr(d, "DESCRIPTION:\r\n") == NULL,
	    "DESCRIPTION omitted when empty (libical refuses an empty one)");
	ok(strstr(d, "\r\n ") != NULL, "long lines are folded");
}

/* Position of a UID in the text (for order checks). */
static const char *
uid_at(const char *d, int id)
{
	char	buf[64];

	snprintf(buf, sizeof buf, "UID:session-%d@kaigi.example\r\n", id);
	return strstr(d, buf);
}

/* Order of events, cancelled and reserved events in the text. */
static void
test_text_events(const struct ical_feed *f)
{
	const char	*d = f->data, *p4, *p5, *e5;
	int		 i, sorted = 1;

	for (i = 1; i < SAMPLE_N; i++)
		if (uid_at(d, i) == NULL || uid_at(d, i + 1) == NULL ||
		    uid_at(d, i) > uid_at(d, i + 1))
			sorted = 0;
	ok(sorted, "events sorted by start, then id, whatever the input order");
	p4 = uid_at(d, 4);
	ok(p4 != NULL && strstr(p4, "STATUS:CANCELLED\r\nSEQUENCE:2\r\n") ==
	    strstr(p4, "STATUS:"), "the cancelled event: STATUS:CANCELLED, SEQUENCE:2");
	ok(count(d, "STATUS:CONFIRMED\r\n") == 4 &&
	    count(d, "STATUS:TENTATIVE\r\n") == 1, "other statuses");
	p5 = uid_at(d, 5);
	e5 = p5 != NULL ? strstr(p5, "END:VEVENT") : NULL;
	ok(p5 != NULL && e5 != NULL &&
	    strstr(p5, "SUMMARY:Reserved\r\n") != NULL &&
	    strstr(p5, "SUMMARY:Reserved\r\n") < e5, "reserved: SUMMARY:Reserved");
	ok(e5 != NULL && (strstr(p5, "DESCRIPTION") == NULL ||
	    strstr(p5, "DESCRIPTION") > e5) && (strstr(p5, "LOCATION") == NULL ||
	    strstr(p5, "LOCATION") > e5) && (strstr(p5, "CATEGORIES") == NULL ||
	    strstr(p5, "CATEGORIES") > e5),
	    "reserved: no DESCRIPTION, LOCATION or CATEGORIES");
	ok(strstr(d, "secret") == NULL && strstr(d, "nuclear") == NULL &&
	    strstr(d, "Room 7") == NULL, "reserved: title, text and room never appear");
	ok(f->last_modified == utc(2026, 4, 20, 3, 4), "last_modified = max(updated)");
	ok(f->etag[0] == '"' && f->etag[33] == '"' && strlen(f->etag) == 34 &&
	    strspn(f->etag + 1, "0123456789abcdef") == 32, "strong ETag, 32 hex");
}

/* 1 if ve has none of the properties a reserved event must not carry. */
static int
no_detail(icalcomponent *ve)
{
	return icalcomponent_count_properties(ve, ICAL_DESCRIPTION_PROPERTY) == 0 &&
	    icalcomponent_count_properties(ve, ICAL_LOCATION_PROPERTY) == 0 &&
	    icalcomponent_count_properties(ve, ICAL_CATEGORIES_PROPERTY) == 0;
}

/* 1 if ve has every property the contract lists for a visible event. */
static int
has_all(icalcomponent *ve)
{
	static const icalproperty_kind need[] = {
		ICAL_UID_PROPERTY, ICAL_DTSTART_PROPERTY, ICAL_DTEND_PROPERTY,
		ICAL_SUMMARY_PROPERTY, ICAL_STATUS_PROPERTY,
		ICAL_SEQUENCE_PROPERTY, ICAL_LASTMODIFIED_PROPERTY,
		ICAL_CREATED_PROPERTY, ICAL_DTSTAMP_PROPERTY, ICAL_TRANSP_PROPERTY,
	};
	size_t	i;

	for (i = 0; i < sizeof need / sizeof need[0]; i++)
		if (icalcomponent_count_properties(ve, need[i]) != 1)
			return 0;
	return 1;
}

/* Parse the feed back with libical and check what it reads. */
static void
test_parsed(const struct ical_feed *f, const struct ical_event *ev)
{
	icalcomponent	*vcal, *ve;
	int		 i, times = 1, all = 1;
	const char	*s;

	vcal = icalparser_parse_string(f->data);
	if (!ok(vcal != NULL && icalcomponent_isa(vcal) == ICAL_VCALENDAR_COMPONENT,
	    "libical parses it back as one VCALENDAR"))
		return;
	ok(icalcomponent_count_errors(vcal) == 0, "no X-LIC-ERROR anywhere");
	ok(icalcomponent_count_components(vcal, ICAL_VEVENT_COMPONENT) == SAMPLE_N &&
	    icalcomponent_count_components(vcal, ICAL_VTIMEZONE_COMPONENT) == 1,
	    "six VEVENTs, one VTIMEZONE");
	for (i = 0; i < SAMPLE_N; i++) {
		ve = find_event(vcal, ev[i].id);
		if (ve == NULL || !times_match(ve, &ev[i], "Asia/Tokyo"))
			times = 0;
		if (ve == NULL || !has_all(ve) || (!ev[i].reserved && (
		    icalcomponent_count_properties(ve, ICAL_LOCATION_PROPERTY) != 1 ||
		    icalcomponent_count_properties(ve, ICAL_DESCRIPTION_PROPERTY) !=
		    (ev[i].description != NULL) ||
		    icalcomponent_count_properties(ve, ICAL_CATEGORIES_PROPERTY) != 1)))
			all = 0;
	}
	ok(times, "every DTSTART/DTEND, read through the feed's VTIMEZONE, "
	    "is the input instant");
	ok(all, "every event has every required property");
	ve = find_event(vcal, 2);
	s = ve != NULL ? icalcomponent_get_summary(ve) : NULL;
	ok(s != NULL && strcmp(s, TRICKY_TITLE) == 0,
	    "SUMMARY with ; , \" Japanese and emoji reads back unchanged");
	s = ve != NULL ? icalcomponent_get_description(ve) : NULL;
	ok(s != NULL && strcmp(s, TRICKY_DESC_BACK) == 0,
	    "DESCRIPTION with newlines reads back (CRLF as LF)");
	ve = find_event(vcal, 3);
	s = ve != NULL ? icalcomponent_get_description(ve) : NULL;
	ok(s != NULL && strcmp(s, long_desc) == 0 && strlen(s) > 1000,
	    "folded long DESCRIPTION reads back whole");
	ve = find_event(vcal, 5);
	s = ve != NULL ? icalcomponent_get_summary(ve) : NULL;
	ok(s != NULL && strcmp(s, "Reserved") == 0 && no_detail(ve),
	    "parsed reserved event: Reserved, no detail");
	ve = find_event(vcal, 4);
	ok(ve != NULL && icalcomponent_get_status(ve) == ICAL_STATUS_CANCELLED,
	    "parsed cancelled event: STATUS CANCELLED");
	icalcomponent_free(vcal);
}

/* Render or die (the tests that follow need the bytes). */
static void
render(const struct ical_cal *cal, const struct ical_event *ev, size_t n,
    struct ical_feed *f)
{
	char	*cause = NULL;

	if (ical_render(cal, ev, n, f, &cause) != 0) {
		printf("Bail out! render failed: %s\n", cause);
		exit(1);
	}
}

/* Same input, same bytes; any change, another ETag. */
static void
test_determinism(const struct ical_feed *f, struct ical_event *ev)
{
	struct ical_feed	 g, h;
	struct ical_event	 rev[SAMPLE_N];
	int			 i;

	render(&tokyo, ev, SAMPLE_N, &g);
	ok(g.len == f->len && memcmp(g.data, f->data, f->len) == 0 &&
	    strcmp(g.etag, f->etag) == 0, "a second render is byte-identical");
	ical_feed_free(&g);
	for (i = 0; i < SAMPLE_N; i++)
		rev[i] = ev[SAMPLE_N - 1 - i];
	render(&tokyo, rev, SAMPLE_N, &g);
	ok(g.len == f->len && memcmp(g.data, f->data, f->len) == 0,
	    "input order does not change the bytes");
	ical_feed_free(&g);
	rev[0].start += 1800;
	rev[0].end += 1800;
	rev[0].sequence++;
	rev[0].updated += 60;
	render(&tokyo, rev, SAMPLE_N, &g);
	ok(strcmp(g.etag, f->etag) != 0 && count(g.data, "SEQUENCE:1\r\n") == 2,
	    "a moved session changes the ETag");
	rev[0].start -= 1800;
	rev[0].end -= 1800;
	render(&tokyo, rev, SAMPLE_N, &h);
	ok(strcmp(g.etag, h.etag) != 0, "moving it back changes it again");
	ical_feed_free(&g);
	ical_feed_free(&h);
	setenv("TZ", "Pacific/Chatham", 1);
	tzset();
	render(&tokyo, ev, SAMPLE_N, &g);
	ok(g.len == f->len && memcmp(g.data, f->data, f->len) == 0,
	    "the process's TZ does not change the bytes");
	ical_feed_free(&g);
	unsetenv("TZ");
	tzset();
	ical_etag("abc", 3, g.etag);
	/* SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a3... */
	ok(strcmp(g.etag, "\"ba7816bf8f01cfea414140de5dae2223\"") == 0,
	    "ical_etag is the SHA-256 prefix");
}

/* Unknown zones are refused; UTC works under its own name. */
static void
test_zones(void)
{
	struct ical_cal		 cal = tokyo;
	struct ical_feed	 f;
	char			*cause = NULL;

	cal.zone = "Mars/Olympus_Mons";
	ok(ical_render(&cal, NULL, 0, &f, &cause) == -1 && cause != NULL &&
	    strstr(cause, "Mars/Olympus_Mons") != NULL, "unknown zone: -1 and a cause");
	free(cause);
	cause = NULL;
	cal.zone = "JST";
	ok(ical_render(&cal, NULL, 0, &f, &cause) == -1 && !ical_zone_valid("JST"),
	    "an abbreviation is not a zone");
	free(cause);
	cause = NULL;
	cal.zone = "Asia/Tokyo";
	cal.refresh = "fifteen minutes";
	ok(ical_render(&cal, NULL, 0, &f, &cause) == -1, "bad refresh interval refused");
	free(cause);
	cal.refresh = NULL;
	cal.zone = "UTC";
	render(&cal, NULL, 0, &f);
	ok(count(f.data, "\r\nTZID:UTC\r\n") == 1 &&
	    strstr(f.data, "freeassociation") == NULL &&
	    count(f.data, "BEGIN:VEVENT") == 0 && f.last_modified == 0,
	    "UTC: VTIMEZONE TZID:UTC; empty calendar renders");
	ical_feed_free(&f);
	cal.name = "";
	ok(ical_render(&cal, NULL, 0, &f, &cause) == -1, "empty calendar name refused");
	free(cause);
	cal.name = tokyo.name;
	ok(ical_zone_valid("Europe/Rome") && ical_zone_valid("America/New_York") &&
	    !ical_zone_valid("") && !ical_zone_valid(NULL) &&
	    !ical_zone_valid("../../../etc/passwd") &&
	    !ical_zone_valid("/usr/share/zoneinfo/Asia/Tokyo") &&
	    !ical_zone_valid("Asia/Tokyo\n") && ical_zone_valid("Etc/GMT+9") &&
	    ical_zone_valid("America/Port-au-Prince"), "ical_zone_valid");
}

/* Empty or control-only titles and text still give a feed libical accepts. */
static void
test_edges(void)
{
	struct ical_event	 ev[2];
	struct ical_feed	 f;
	icalcomponent		*vcal;

	memset(ev, 0, sizeof ev);
	ev[0] = (struct ical_event){ 21, "press", "\x01\x02", "\x7f", "", "",
	    1000, 2000, ICAL_EVENT_CONFIRMED, 0, 0, 0, 0, NULL, NULL, 0, NULL, NULL, NULL };
	ev[1] = (struct ical_event){ 22, NULL, NULL, NULL, NULL, "Venue only",
	    3000, 4000, ICAL_EVENT_TENTATIVE, 0, 0, 0, 0, NULL, NULL, 0, NULL, NULL, NULL };
	render(&tokyo, ev, 2, &f);
	vcal = icalparser_parse_string(f.data);
	ok(vcal != NULL && icalcomponent_count_errors(vcal) == 0,
	    "empty and control-only strings: libical parses it without error");
	ok(strstr(f.data, "SUMMARY:press\r\n") != NULL &&
	    strstr(f.data, "SUMMARY:Session\r\n") != NULL,
	    "an empty title falls back to the kind, else \"Session\"");
	ok(count(f.data, "\r\nLOCATION:") == 1 &&
	    strstr(f.data, "LOCATION:Venue only\r\n") != NULL &&
	    count(f.data, "DESCRIPTION:") == 0 && count(f.data, "CATEGORIES:") == 1,
	    "absent room/venue/description/kind are left out");
	ok(strchr(f.data, '\x01') == NULL && strchr(f.data, '\x7f') == NULL,
	    "control characters are dropped");
	if (vcal != NULL)
		icalcomponent_free(vcal);
	ical_feed_free(&f);
}

/* A confidential event: CLASS:CONFIDENTIAL; reserved too, a busy block
 * named by its busy_uid, no session id, no detail. */
static void
test_busy(void)
{
	struct ical_event	 ev[3];
	struct ical_feed	 f;
	icalcomponent		*vcal;

	memset(ev, 0, sizeof ev);
	ev[0] = (struct ical_event){ 31, "bilateral", SECRET_TITLE, SECRET_DESC,
	    "Room 7", "ICC Kyoto", 1000, 2000, ICAL_EVENT_CONFIRMED, 2, 0, 0,
	    1, NULL, NULL, 1, "busy-00112233445566778899aabbccddeeff", NULL, NULL };
	ev[1] = (struct ical_event){ 32, "bilateral", "Seen whole", NULL,
	    "Room 8", NULL, 3000, 4000, ICAL_EVENT_CONFIRMED, 0, 0, 0,
	    0, NULL, NULL, 1, "", NULL, NULL };
	ev[2] = (struct ical_event){ 33, "bilateral", "Restricted", NULL,
	    "Room 9", NULL, 5000, 6000, ICAL_EVENT_CONFIRMED, 0, 0, 0,
	    1, NULL, NULL, 0, NULL, NULL, NULL };
	render(&tokyo, ev, 3, &f);
	vcal = icalparser_parse_string(f.data);
	ok(vcal != NULL && icalcomponent_count_errors(vcal) == 0,
	    "busy blocks: libical parses the feed without error");
	ok(strstr(f.data, "UID:busy-00112233445566778899aabbccddeeff@kaigi.example\r\n")
	    != NULL && strstr(f.data, "session-31@") == NULL &&
	    strstr(f.data, "SUMMARY:Busy\r\n") != NULL &&
	    strstr(f.data, "Japan") == NULL && strstr(f.data, "Room 7") == NULL,
	    "confidential and reserved: UID busy-…, SUMMARY:Busy, no title, text or room");
	ok(count(f.data, "CLASS:CONFIDENTIAL\r\n") == 2 &&
	    strstr(f.data, "UID:session-32@") != NULL &&
	    strstr(f.data, "SUMMARY:Seen whole\r\n") != NULL,
	    "confidential and seen: whole, CLASS:CONFIDENTIAL on both");
	ok(strstr(f.data, "UID:session-33@") != NULL &&
	    strstr(f.data, "SUMMARY:Reserved\r\n") != NULL,
	    "restricted and reserved: still Reserved, by its session UID");
	if (vcal != NULL)
		icalcomponent_free(vcal);
	ical_feed_free(&f);
}

/* Attendance: the note after DESCRIPTION's text, CONFERENCE per link. */
static void
test_attendance(void)
{
	struct ical_event	 ev[1];
	struct ical_feed	 f;
	icalcomponent		*vcal;

	memset(ev, 0, sizeof ev);
	ev[0] = (struct ical_event){ 41, "plenary", "Plenary", "Agenda", "Hall",
	    NULL, 1000, 2000, ICAL_EVENT_CONFIRMED, 0, 0, 0, 0, NULL, NULL, 0, NULL,
	    "A represented by B", "https://meet.example/1\nhttp://no.example/\n"
	    "https://meet.example/2" };
	render(&tokyo, ev, 1, &f);
	vcal = icalparser_parse_string(f.data);
	ok(vcal != NULL && icalcomponent_count_errors(vcal) == 0,
	    "attendance: libical parses it without error");
	ok(strstr(f.data, "DESCRIPTION:Agenda\\n\\nA represented by B\r\n") != NULL,
	    "the note follows the description");
	ok(count(f.data, "CONFERENCE;VALUE=URI:https://meet.example/") == 2 &&
	    strstr(f.data, "no.example") == NULL,
	    "one CONFERENCE;VALUE=URI per https link, others left out");
	if (vcal != NULL)
		icalcomponent_free(vcal);
	ical_feed_free(&f);
}

/* A zone with daylight saving time: the VTIMEZONE must carry the rules. */
static void
test_new_york(struct ical_feed *f)
{
	struct ical_event	 ev[3];
	icalcomponent		*vcal;
	int			 i, times = 1;

	sample_new_york(ev);
	render(&new_york, ev, 3, f);
	ok(strstr(f->data, "DTSTART;TZID=America/New_York:20260115T100000\r\n") &&
	    strstr(f->data, "DTSTART;TZID=America/New_York:20260308T030000\r\n") &&
	    strstr(f->data, "DTSTART;TZID=America/New_York:20261031T100000\r\n") &&
	    strstr(f->data, "DTEND;TZID=America/New_York:20261101T023000\r\n"),
	    "New York: local wall-clock times either side of DST");
	ok(count(f->data, "\r\nTZID:America/New_York\r\n") == 1 &&
	    count(f->data, "BEGIN:DAYLIGHT") >= 1 &&
	    count(f->data, "\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n") == 1 &&
	    count(f->data, "\r\nX-PUBLISHED-TTL:PT1H\r\n") == 1 &&
	    count(f->data, "\r\nPRODID:-//kaigi//test//EN\r\n") == 1,
	    "New York: VTIMEZONE with DAYLIGHT, given refresh and PRODID");
	vcal = icalparser_parse_string(f->data);
	for (i = 0; i < 3; i++)
		if (vcal == NULL || find_event(vcal, ev[i].id) == NULL ||
		    !times_match(find_event(vcal, ev[i].id), &ev[i],
		    "America/New_York"))
			times = 0;
	ok(times && icalcomponent_count_errors(vcal) == 0,
	    "New York: parsed times through the VTIMEZONE equal the input");
	if (vcal != NULL)
		icalcomponent_free(vcal);
}

/*
 * Render 300 sessions a few times; print the time as a diagnostic only.
 * long_every: every how many sessions one has the 1.2 kB description.
 */
static void
test_speed(int long_every, const char *label)
{
	struct ical_event	*ev = xcalloc(300, sizeof *ev);
	struct ical_feed	 f;
	struct timespec		 t0, t1;
	double			 ms;
	int			 i, rounds = 20;

	for (i = 0; i < 300; i++) {
		ev[i] = (struct ical_event){ i + 1, "bilateral",
		    "Bilateral meeting between two delegations",
		    i % long_every ? "Agenda: tariffs, steel; export controls" :
		    long_desc, "Room 12", "Kyoto International Conference Center",
		    utc(2026, 5, 11, 0, 0) + 1800 * i,
		    utc(2026, 5, 11, 0, 45) + 1800 * i, ICAL_EVENT_CONFIRMED,
		    i % 4, utc(2026, 4, 1, 0, 0), utc(2026, 4, 2, 0, 0), i % 10 == 0, NULL, NULL, 0, NULL, NULL, NULL };
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < rounds; i++) {
		render(&tokyo, ev, 300, &f);
		if (i + 1 < rounds)
			ical_feed_free(&f);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = ((t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6) /
	    rounds;
	printf("# 300 sessions, %s: %zu bytes, %.2f ms per render (target < 5 ms)\n",
	    label, f.len, ms);
	ok(count(f.data, "BEGIN:VEVENT") == 300 && longest_line(f.data) <= 75,
	    "300 sessions render, %s (time above is a diagnostic)", label);
	ical_feed_free(&f);
	free(ev);
}

/* Write a feed to dir/name for the tests/ical/ parser drivers. */
static void
write_feed(const char *dir, const char *name, const struct ical_feed *f)
{
	char	*path = xasprintf("%s/%s", dir, name);
	FILE	*fp = fopen(path, "wb");

	if (fp == NULL || fwrite(f->data, 1, f->len, fp) != f->len ||
	    fclose(fp) != 0) {
		printf("Bail out! cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
	printf("# wrote %s\n", path);
	free(path);
}

/*
 * For the parser drivers: one feed per zone with awkward rules, each with
 * two sessions at 01:00Z (northern and southern summer). File names are
 * zone-<Area>_<City>.ics.
 */
static void
write_zone_feeds(const char *dir)
{
	static const char	*zones[] = { "Europe/Rome", "Europe/Dublin",
	    "Australia/Lord_Howe", "America/Sao_Paulo", "America/St_Johns",
	    "Asia/Kolkata", "Africa/Casablanca", "Pacific/Chatham", "UTC" };
	struct ical_event	 ev[2];
	struct ical_cal		 cal = tokyo;
	struct ical_feed	 f;
	char			*name, *p;
	size_t			 i;

	memset(ev, 0, sizeof ev);
	ev[0] = (struct ical_event){ 31, "plenary", "July", NULL, "Hall", NULL,
	    utc(2026, 7, 1, 1, 0), utc(2026, 7, 1, 2, 0), ICAL_EVENT_CONFIRMED,
	    0, 0, 0, 0, NULL, NULL, 0, NULL, NULL, NULL };
	ev[1] = (struct ical_event){ 32, "plenary", "January", NULL, "Hall", NULL,
	    utc(2027, 1, 5, 1, 0), utc(2027, 1, 5, 2, 0), ICAL_EVENT_CONFIRMED,
	    0, 0, 0, 0, NULL, NULL, 0, NULL, NULL, NULL };
	for (i = 0; i < sizeof zones / sizeof zones[0]; i++) {
		cal.zone = zones[i];
		render(&cal, ev, 2, &f);
		name = xasprintf("zone-%s.ics", zones[i]);
		for (p = name; *p != '\0'; p++)
			if (*p == '/')
				*p = '_';
		write_feed(dir, name, &f);
		free(name);
		ical_feed_free(&f);
	}
}

int
main(int argc, char **argv)
{
	struct ical_event	 ev[SAMPLE_N];
	struct ical_feed	 f, ny;
	const char		*dir = argc > 1 ? argv[1] : getenv("KAIGI_ICAL_OUT_DIR");

	sample_tokyo(ev);
	render(&tokyo, ev, SAMPLE_N, &f);
	test_text(&f);
	test_text_events(&f);
	test_parsed(&f, ev);
	test_determinism(&f, ev);
	test_zones();
	test_edges();
	test_busy();
	test_attendance();
	test_new_york(&ny);
	test_speed(1000, "short descriptions");
	test_speed(3, "a third with 1.2 kB descriptions");
	if (dir != NULL && *dir != '\0') {
		write_feed(dir, "tokyo.ics", &f);
		write_feed(dir, "new_york.ics", &ny);
		write_zone_feeds(dir);
	}
	ical_feed_free(&f);
	ical_feed_free(&ny);
	ical_shutdown();
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}
