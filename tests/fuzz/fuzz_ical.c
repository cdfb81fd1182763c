/*
 * fuzz_ical.c — libFuzzer target for iCalendar rendering (ical.c) of
 * arbitrary session text: titles, descriptions, rooms, venues, kinds and the
 * calendar name taken from the input (NUL-separated, made UTF-8 as
 * PostgreSQL's text always is), with times, status, sequence and the
 * reserved flag from its first bytes, in one of a few zones.
 *
 * Beyond "no crash, no leak, no undefined behaviour" it checks what every
 * feed promises: BEGIN/END:VCALENDAR, CRLF line ends only (no bare CR or
 * LF, whatever the text held), no line longer than 75 octets, the same
 * bytes and ETag when rendered twice, and a reserved event's text never in
 * the output.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "ical.h"
#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_FIELDS	5		/* per event: kind, title, description, room, venue */
#define FUZZ_MAX_EVENTS	4
#define FUZZ_HEAD	8		/* bytes read per event before its strings */

/* Zones without DST render fast; those with it (1 in 4 here) build long VTIMEZONEs. */
static const char *const fuzz_zones[] = {
	"Asia/Tokyo", "UTC", "Asia/Kathmandu", "Asia/Kolkata",
	"Asia/Tokyo", "UTC", "Asia/Jakarta", "Asia/Kathmandu",
	"Asia/Tokyo", "UTC", "Asia/Kolkata", "Asia/Jakarta",
	"Europe/London", "America/New_York", "Australia/Lord_Howe", "Pacific/Chatham",
};

/* Make s valid UTF-8 in place: if it is not, every byte >= 0x80 becomes '?'. */
static void
fuzz_utf8(char *s)
{
	char	*p;

	if (utf8_valid(s, strlen(s)))
		return;
	for (p = s; *p != '\0'; p++) {
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	}
}

/* Has s a character that survives cleaning (not a control but TAB)? */
static int
fuzz_printable(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s >= 0x20 && *s != 0x7f)
			return 1;
	}
	return 0;
}

/* The next NUL-terminated string of the input copy (empty at the end). */
static char *
fuzz_next(char **cur, char *end)
{
	char	*s = *cur;

	if (s >= end)
		return end;	/* points at the final NUL */
	*cur = s + strlen(s) + 1;
	fuzz_utf8(s);
	return s;
}

/* Say which line broke which promise, then abort. */
static void
fuzz_fail(const char *why, const char *line, const char *eol)
{
	fprintf(stderr, "fuzz_ical: %s: ", why);
	fwrite(line, 1, (size_t)(eol - line), stderr);
	fprintf(stderr, "\n");
	abort();
}

/* Check the promises of a rendered feed; abort() when one is broken. */
static void
fuzz_check(const struct ical_feed *f)
{
	const char	*p = f->data, *eol;

	if (strlen(f->data) != f->len ||
	    strncmp(f->data, "BEGIN:VCALENDAR\r\n", 17) != 0 ||
	    f->len < 15 || strcmp(f->data + f->len - 15, "END:VCALENDAR\r\n") != 0)
		abort();
	while (*p != '\0') {
		if ((eol = strstr(p, "\r\n")) == NULL)
			abort();	/* a line without CRLF */
		if (memchr(p, '\r', (size_t)(eol - p)) != NULL ||
		    memchr(p, '\n', (size_t)(eol - p)) != NULL)
			fuzz_fail("bare CR or LF inside a line", p, eol);
		if (eol - p > 75)
			fuzz_fail("line longer than 75 octets", p, eol);
		p = eol + 2;
	}
}

/*
 * A reserved event's text must not reach the feed: render again with every
 * reserved event's strings replaced; the bytes must not change.
 */
static void
fuzz_check_reserved(const struct ical_feed *f, const struct ical_cal *cal,
    const struct ical_event *ev, size_t n)
{
	struct ical_event	 other[FUZZ_MAX_EVENTS];
	struct ical_feed	 g;
	char			*cause = NULL;
	size_t			 i;
	int			 any = 0;

	memcpy(other, ev, n * sizeof *ev);
	for (i = 0; i < n; i++) {
		if (!other[i].reserved)
			continue;
		any = 1;
		other[i].kind = "other";
		other[i].title = "another title";
		other[i].description = "another description";
		other[i].room = "another room";
		other[i].venue = "another venue";
	}
	if (!any)
		return;
	if (ical_render(cal, other, n, &g, &cause) != 0)
		abort();
	if (g.len != f->len || memcmp(g.data, f->data, f->len) != 0)
		abort();	/* a reserved event's text is in the feed */
	ical_feed_free(&g);
}

/* Fill one event from its head bytes and its strings. */
static void
fuzz_event(struct ical_event *e, const uint8_t *h, long long id, char **cur,
    char *end)
{
	int32_t	start;

	memcpy(&start, h, sizeof start);
	e->id = id;
	e->start = (time_t)946684800 + (start & 0x3fffffff);	/* 2000 .. 2034 */
	e->end = e->start + 60 * (1 + h[4] % 240);
	e->status = (enum ical_status)(h[5] % 3);
	e->sequence = h[6];
	e->reserved = h[7] & 1;
	e->confidential = h[6] & 1;	/* with reserved: a busy block */
	e->busy_uid = e->confidential ? "busy-0123456789abcdef0123456789abcdef" : NULL;
	e->created = e->start - 86400 * (h[7] >> 1);
	e->updated = e->created + h[6];
	e->kind = fuzz_next(cur, end);
	e->title = fuzz_next(cur, end);
	e->description = fuzz_next(cur, end);
	e->room = fuzz_next(cur, end);
	e->venue = fuzz_next(cur, end);
}

/*
 * Load every zone into libical's cache before fuzzing: allocations that
 * outlive an input make libFuzzer run a leak check after it (slow), and the
 * zone cache is meant to live for the process.
 */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct ical_cal		 cal = { .name = "warm-up", .host = "kaigi.test" };
	struct ical_event	 ev[2] = {
		{ .id = 1, .title = "t", .start = 946684800, .end = 946688400 },
		{ .id = 2, .title = "t", .start = 2030000000, .end = 2030003600 },
	};
	struct ical_feed	 f;
	char			*cause = NULL;
	size_t			 i;

	(void)argc;
	(void)argv;
	for (i = 0; i < sizeof fuzz_zones / sizeof fuzz_zones[0]; i++) {
		cal.zone = fuzz_zones[i];
		if (ical_render(&cal, ev, 2, &f, &cause) != 0)
			abort();	/* both ends of the fuzzed years: zone coverage cached */
		ical_feed_free(&f);
	}
	icalmemory_free_ring();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ical_event	 ev[FUZZ_MAX_EVENTS];
	struct ical_cal		 cal;
	struct ical_feed	 f1, f2;
	char			*copy, *cur, *end, *cause = NULL;
	size_t			 n, i, head;

	if (size < 2)
		return 0;
	n = 1 + data[0] % FUZZ_MAX_EVENTS;
	head = 2 + n * FUZZ_HEAD;
	if (size < head)
		return 0;
	copy = xmalloc(size - head + 1);
	memcpy(copy, data + head, size - head);
	copy[size - head] = '\0';
	cur = copy;
	end = copy + (size - head);
	memset(&cal, 0, sizeof cal);
	memset(ev, 0, sizeof ev);
	cal.zone = fuzz_zones[data[1] % (sizeof fuzz_zones / sizeof fuzz_zones[0])];
	cal.host = "kaigi.test";
	cal.name = fuzz_next(&cur, end);
	for (i = 0; i < n; i++)
		fuzz_event(&ev[i], data + 2 + i * FUZZ_HEAD, (long long)i + 1, &cur, end);
	if (ical_render(&cal, ev, n, &f1, &cause) != 0) {
		/* Refused only for a name with nothing printable (it is required). */
		if (fuzz_printable(cal.name)) {
			fprintf(stderr, "render failed: %s\n", cause);
			abort();
		}
		free(cause);
		free(copy);
		return 0;
	}
	fuzz_check(&f1);
	fuzz_check_reserved(&f1, &cal, ev, n);
	if (data[0] & 0x80) {		/* 1 in 2: render again, same bytes? */
		if (ical_render(&cal, ev, n, &f2, &cause) != 0)
			abort();
		if (f1.len != f2.len || memcmp(f1.data, f2.data, f1.len) != 0 ||
		    strcmp(f1.etag, f2.etag) != 0)
			abort();	/* not deterministic */
		ical_feed_free(&f2);
	}
	ical_feed_free(&f1);
	free(copy);
	icalmemory_free_ring();	/* libical's temporary buffers: none outlive the input */
	return 0;
}
