/*
 * test_client_time.c — unit tests of the client's client/timefmt.c: how
 * times typed by users and sent by servers are read (strictly, and never
 * past the end of the string), and how instants are written in a zone
 * across daylight-saving changes: the offset belongs to the instant, the
 * autumn's repeated hour round-trips, a local time in it is its first
 * occurrence and one in the spring's gap is read with the offset before
 * the gap (RFC 5545, 3.3.5).
 *
 * Every string is parsed from a heap copy of exactly its length, so that
 * the sanitizer build reports a read past its end.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kaigi.h"
#include "tap.h"

/* 2023-10-29T00:30:00Z and friends, without the C library's zones. */
#define UTC(y, mo, d, h, mi)	utc_instant(y, mo, d, h, mi)

static time_t
utc_instant(int y, int mo, int d, int h, int mi)
{
	struct icaltimetype	t = icaltime_null_time();

	t.year = y, t.month = mo, t.day = d, t.hour = h, t.minute = mi;
	return icaltime_as_timet(t);
}

/* time_parse_input on a heap copy of s; 0 or -1. */
static int
parse_input(const char *s, icaltimezone *zone, time_t *out)
{
	char	*copy = strdup(s);
	int	 rc = time_parse_input(copy, zone, out);

	free(copy);
	return rc;
}

/* time_parse_rfc3339 on a heap copy of s; 0 or -1. */
static int
parse_rfc3339(const char *s, time_t *out)
{
	char	*copy = strdup(s);
	int	 rc = time_parse_rfc3339(copy, out);

	free(copy);
	return rc;
}

/* parse_input with what it says on stderr captured into buf. */
static int
parse_input_said(const char *s, icaltimezone *zone, time_t *out, char *buf,
    size_t size)
{
	FILE	*f = tmpfile();
	int	 saved = dup(2), rc;
	size_t	 n;

	fflush(stderr);
	dup2(fileno(f), 2);
	rc = parse_input(s, zone, out);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
	return rc;
}

/* Malformed times are refused, whatever follows them in memory. */
static void
test_malformed(void)
{
	static const char *const bad[] = {
		"2023-04-29T10:00:5", "2023-04-29T10:00:", "2023-04-29T10:0",
		"2023-04-29T1:00", "2023-04-29T10", "2023-04-29T", "2023-04-29",
		"2023-4-29T10:00", "2023-04-9T10:00", " 2023-04-29T10:00",
		"+2023-04-29T10:00", "2023-04-29T10:00:00.", "2023-04-29X10:00",
		"2023-04-29T10:00:5Z", "2023-04-29T10:00:00+9:00",
		"2023-04-29T10:00:00+09:0", "2023-04-29T10:00:00+0900",
		"2023-04-29T10:00:00Zjunk", "2023-04-29T24:00", "2023-04-29T10:60",
		"2023-02-29T10:00", "2023-13-01T10:00", "2023-00-10T10:00",
		"2023-04-29T10:00 ", "", "2", "2023-04-29T10:00:0x",
		NULL
	};
	const char *const	*s;
	icaltimezone		*tokyo = time_zone("Asia/Tokyo");
	time_t			 t;
	int			 refused = 0, n = 0, y, m, d;
	char			*copy;

	for (s = bad; *s != NULL; s++, n++) {
		if (parse_input(*s, tokyo, &t) == 0 || parse_rfc3339(*s, &t) == 0)
			printf("# accepted: '%s'\n", *s);
		else
			refused++;
	}
	ok(refused == n, "malformed: all %d refused (%d)", n, refused);
	for (s = (const char *const[]){ "2023-4-29", "2023-04-29x", "2023-02-29",
	    "2023-04-2", "20230429", NULL }, n = 0, refused = 0; *s != NULL;
	    s++, n++) {
		copy = strdup(*s);
		refused += time_parse_date(copy, &y, &m, &d) != 0;
		free(copy);
	}
	ok(refused == n, "malformed dates: all %d refused (%d)", n, refused);
}

/* Well-formed times in each accepted shape. */
static void
test_wellformed(void)
{
	icaltimezone	*tokyo = time_zone("Asia/Tokyo");
	time_t		 t, want = UTC(2023, 4, 29, 1, 0);
	int		 y, m, d;

	ok(parse_input("2023-04-29T10:00", tokyo, &t) == 0 && t == want,
	    "local time read in the zone");
	ok(parse_input("2023-04-29 10:00", tokyo, &t) == 0 && t == want,
	    "a space for the T");
	ok(parse_input("2023-04-29T10:00:30", tokyo, &t) == 0 && t == want + 30,
	    "with seconds");
	ok(parse_rfc3339("2023-04-29T10:00:00.250+09:00", &t) == 0 && t == want,
	    "RFC 3339 with a fraction and an offset");
	ok(parse_rfc3339("2023-04-29t01:00:00z", &t) == 0 && t == want,
	    "RFC 3339 in lower case");
	ok(parse_rfc3339("2023-04-28T20:30:00-04:30", &t) == 0 && t == want,
	    "a negative offset with minutes");
	ok(parse_input("2023-04-29T10:00", NULL, &t) != 0,
	    "a local time without a zone is refused");
	ok(time_parse_date("2024-02-29", &y, &m, &d) == 0 && y == 2024 &&
	    m == 2 && d == 29, "a leap day");
}

/* The RFC 3339 text of t in zone; checks it, returns whether it matched. */
static int
rfc3339_is(time_t t, icaltimezone *zone, const char *want)
{
	char	*got = time_rfc3339(t, zone);
	int	 same = strcmp(got, want) == 0;

	if (!same)
		printf("#   got '%s', expected '%s'\n", got, want);
	free(got);
	return same;
}

/* Every quarter hour around a change: written, read back, same instant. */
static int
round_trip(const char *name, time_t from)
{
	icaltimezone	*zone = time_zone(name);
	time_t		 t, back;
	char		*s, *hm, *want;
	int		 bad = 0;
	struct icaltimetype lt;

	for (t = from; t < from + 8 * 3600; t += 900) {
		s = time_rfc3339(t, zone);
		if (parse_rfc3339(s, &back) != 0 || back != t) {
			printf("#   %s: %lld written '%s', read back %lld\n", name,
			    (long long)t, s, (long long)back);
			bad++;
		}
		lt = time_in_zone(t, zone);
		hm = time_hm(t, zone);
		want = strndup(s + 11, 5);
		if (strcmp(hm, want) != 0 || lt.hour != atoi(want)) {
			printf("#   %s: '%s' but time_hm '%s'\n", name, s, hm);
			bad++;
		}
		free(s), free(hm), free(want);
	}
	return bad;
}

/* Daylight saving: the offset is the instant's, both ways round. */
static void
test_dst(void)
{
	icaltimezone	*berlin = time_zone("Europe/Berlin");
	icaltimezone	*havana = time_zone("America/Havana");
	time_t		 t;
	char		 said[512];

	ok(rfc3339_is(UTC(2023, 10, 29, 0, 30), berlin,
	    "2023-10-29T02:30:00+02:00"), "autumn: the first 02:30 is +02:00");
	ok(rfc3339_is(UTC(2023, 10, 29, 1, 30), berlin,
	    "2023-10-29T02:30:00+01:00"), "autumn: the second 02:30 is +01:00");
	ok(rfc3339_is(UTC(2023, 10, 29, 0, 59), berlin,
	    "2023-10-29T02:59:00+02:00") && rfc3339_is(UTC(2023, 10, 29, 1, 0),
	    berlin, "2023-10-29T02:00:00+01:00"),
	    "autumn: the change itself, one minute apart");
	ok(rfc3339_is(UTC(2023, 3, 26, 0, 59), berlin,
	    "2023-03-26T01:59:00+01:00") && rfc3339_is(UTC(2023, 3, 26, 1, 0),
	    berlin, "2023-03-26T03:00:00+02:00"), "spring: 01:59 then 03:00");
	ok(round_trip("Europe/Berlin", UTC(2023, 10, 28, 22, 0)) == 0 &&
	    round_trip("Europe/Berlin", UTC(2023, 3, 25, 22, 0)) == 0,
	    "Europe/Berlin: every quarter hour round-trips across both changes");
	ok(round_trip("America/New_York", UTC(2023, 11, 5, 3, 0)) == 0 &&
	    round_trip("America/New_York", UTC(2023, 3, 12, 4, 0)) == 0,
	    "America/New_York: the same");
	ok(round_trip("Australia/Lord_Howe", UTC(2023, 4, 1, 12, 0)) == 0 &&
	    round_trip("Australia/Lord_Howe", UTC(2023, 9, 30, 12, 0)) == 0,
	    "Australia/Lord_Howe (a half-hour change): the same");
	ok(round_trip("Europe/Dublin", UTC(2023, 10, 28, 22, 0)) == 0 &&
	    round_trip("Europe/Dublin", UTC(2023, 3, 25, 22, 0)) == 0,
	    "Europe/Dublin (summer time is its standard time): the same");
	ok(round_trip("Europe/Moscow", UTC(2014, 10, 25, 18, 0)) == 0,
	    "Europe/Moscow 2014 (an hour repeated without DST): the same");
	ok(rfc3339_is(UTC(2014, 10, 25, 21, 30), time_zone("Europe/Moscow"),
	    "2014-10-26T01:30:00+04:00") && rfc3339_is(UTC(2014, 10, 25, 22, 30),
	    time_zone("Europe/Moscow"), "2014-10-26T01:30:00+03:00"),
	    "Europe/Moscow 2014: both 01:30s with their own offsets");
	ok(parse_input_said("2023-10-29T02:30", berlin, &t, said, sizeof said)
	    == 0 && t == UTC(2023, 10, 29, 0, 30),
	    "a local time in the repeated hour is its first occurrence");
	ok(strstr(said, "2023-10-29T02:30 happens twice in Europe/Berlin; "
	    "taken as 2023-10-29T02:30:00+02:00 (the first") != NULL,
	    "... and kaigi says which it took (%.*s)", (int)strcspn(said, "\n"),
	    said);
	ok(parse_input("2023-10-29T02:30+01:00", berlin, &t) == 0 &&
	    t == UTC(2023, 10, 29, 1, 30) && rfc3339_is(t, berlin,
	    "2023-10-29T02:30:00+01:00"),
	    "the second occurrence, given with its offset, round-trips");
	ok(parse_input_said("2023-03-26T02:30", berlin, &t, said, sizeof said)
	    == 0 && t == UTC(2023, 3, 26, 1, 30),
	    "a local time in the spring's gap: the offset before the gap");
	ok(strstr(said, "2023-03-26T02:30 does not exist in Europe/Berlin; "
	    "taken as 2023-03-26T03:30:00+02:00") != NULL,
	    "... and kaigi says so (%.*s)", (int)strcspn(said, "\n"), said);
	ok(parse_input_said("2023-10-29T03:30", berlin, &t, said, sizeof said)
	    == 0 && t == UTC(2023, 10, 29, 2, 30) && *said == '\0',
	    "an hour later, a plain local time: no warning");
	ok(time_day_start(2023, 10, 29, berlin) == UTC(2023, 10, 28, 22, 0) &&
	    time_day_start(2023, 10, 30, berlin) == UTC(2023, 10, 29, 23, 0),
	    "a 25-hour day in Berlin");
	ok(time_day_start(2023, 3, 12, havana) == UTC(2023, 3, 12, 5, 0),
	    "Havana skips midnight: the day starts at 01:00 (05:00Z)");
}

int
main(void)
{
	test_malformed();
	test_wellformed();
	test_dst();
	return tap_done();
}
