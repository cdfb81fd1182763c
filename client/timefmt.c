/*
 * timefmt.c — instants, time zones and how times are written.
 *
 * Instants are time_t (UTC). Zones are libical's, from the system's zone
 * database, so the same rules as the feeds' VTIMEZONEs apply. The API
 * speaks RFC 3339 with an offset; users may type a local time without an
 * offset ("2023-04-29T10:00" or "2023-04-29 10:00"), read in the
 * conference's zone. Names of days and months are English, not the
 * locale's, so output is the same everywhere.
 *
 * Every conversion goes through the UTC instant: the offset written next
 * to a time is the zone's offset at that instant (never one looked up
 * from the wall clock, which is ambiguous for the hour repeated when
 * clocks go back), and a wall-clock time is turned into an instant by
 * time_from_local, which says when the zone shows it twice or never.
 * Parsers read each field with its exact number of digits and stop at the
 * first byte that does not fit, never past the end of the string.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kaigi.h"

static const char *const time_wday_short[] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};
static const char *const time_wday_long[] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
	"Saturday"
};
static const char *const time_month_long[] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"
};

/* A zone by IANA name (UTC included), or NULL if unknown. */
icaltimezone *
time_zone(const char *name)
{
	if (name == NULL || *name == '\0')
		return NULL;
	if (strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0 ||
	    strcmp(name, "Z") == 0 || strcmp(name, "GMT") == 0)
		return icaltimezone_get_utc_timezone();
	return icaltimezone_get_builtin_timezone(name);
}

/* The name of a zone, for messages ("Europe/Berlin"). */
const char *
time_zone_name(icaltimezone *zone)
{
	const char	*s = icaltimezone_get_location(zone);

	if (s == NULL || *s == '\0')
		s = icaltimezone_get_tzid(zone);
	return s != NULL && *s != '\0' ? s : "UTC";
}

/*
 * The reader's zone name: $TZ, /etc/timezone, /etc/localtime, else UTC
 * (with a warning if /etc/localtime is there but does not name a zone).
 */
const char *
time_local_zone_name(void)
{
	static char	 buf[256];
	const char	*tz = getenv("TZ"), *p;
	FILE		*f;
	ssize_t		 n;

	if (tz != NULL && *tz == ':')
		tz++;
	if (tz != NULL && *tz != '\0') {
		p = strstr(tz, "zoneinfo/");
		return p ? p + 9 : tz;
	}
	if ((f = fopen("/etc/timezone", "r")) != NULL) {
		if (fgets(buf, sizeof buf, f) != NULL) {
			buf[strcspn(buf, " \t\r\n")] = '\0';
			fclose(f);
			if (*buf != '\0')
				return buf;
		} else
			fclose(f);
	}
	n = readlink("/etc/localtime", buf, sizeof buf - 1);
	if (n > 0) {
		buf[n] = '\0';
		if ((p = strstr(buf, "zoneinfo/")) != NULL)
			return p + 9;
	}
	/* No /etc/localtime means UTC to the C library too; a copy we
	 * cannot name is not UTC for sure. */
	if (access("/etc/localtime", F_OK) == 0)
		warnx_kaigi("cannot tell the local time zone (/etc/localtime is "
		    "not a link into zoneinfo): using UTC; give --tz or set TZ");
	return "UTC";
}

/* n decimal digits at s into *v; -1 unless all n are digits (stops at NUL). */
static int
time_digits(const char *s, int n, int *v)
{
	int	i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/* "YYYY-MM-DD" at s (chars after it not looked at); -1 if not a date. */
static int
time_date_prefix(const char *s, int *y, int *m, int *d)
{
	if (time_digits(s, 4, y) != 0 || s[4] != '-' ||
	    time_digits(s + 5, 2, m) != 0 || s[7] != '-' ||
	    time_digits(s + 8, 2, d) != 0)
		return -1;
	if (*m < 1 || *m > 12 || *d < 1 || *d > icaltime_days_in_month(*m, *y))
		return -1;
	return 0;
}

/* Parse "YYYY-MM-DD"; -1 if it is not a valid date. */
int
time_parse_date(const char *s, int *y, int *m, int *d)
{
	if (time_date_prefix(s, y, m, d) != 0 || s[10] != '\0')
		return -1;
	return 0;
}

/*
 * Parse "YYYY-MM-DD[T ]HH:MM[:SS[.fraction]]" into t; returns the chars
 * used or -1. Each field has its exact number of digits, and no byte is
 * read past the first that does not fit ("10:00:5" is refused at its end).
 */
static int
time_parse_local(const char *s, struct icaltimetype *t)
{
	int	n = 16, y, mo, d, h, mi, sec = 0;

	if (time_date_prefix(s, &y, &mo, &d) != 0 ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    time_digits(s + 11, 2, &h) != 0 || s[13] != ':' ||
	    time_digits(s + 14, 2, &mi) != 0 || h > 23 || mi > 59)
		return -1;
	if (s[n] == ':') {
		if (time_digits(s + 17, 2, &sec) != 0 || sec > 60)
			return -1;
		n = 19;
		if (s[n] == '.') {
			for (n++; s[n] >= '0' && s[n] <= '9'; n++)
				;
			if (n == 20)
				return -1;
		}
	}
	*t = icaltime_null_time();
	t->year = y;
	t->month = mo;
	t->day = d;
	t->hour = h;
	t->minute = mi;
	t->second = sec;
	return n;
}

/* Parse RFC 3339 with "Z" or an offset; -1 if malformed. */
int
time_parse_rfc3339(const char *s, time_t *out)
{
	struct icaltimetype	 t;
	int			 n, oh, om;

	if (s == NULL || (n = time_parse_local(s, &t)) < 0)
		return -1;
	*out = icaltime_as_timet(t);		/* the fields as if UTC */
	if ((s[n] == 'Z' || s[n] == 'z') && s[n + 1] == '\0')
		return 0;
	if ((s[n] != '+' && s[n] != '-') || time_digits(s + n + 1, 2, &oh) ||
	    s[n + 3] != ':' || time_digits(s + n + 4, 2, &om) ||
	    s[n + 6] != '\0' || oh > 23 || om > 59)
		return -1;
	*out -= (s[n] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
	return 0;
}

/* The UTC offset (seconds east) of zone at instant t. */
static int
time_offset_at(time_t t, icaltimezone *zone)
{
	struct icaltimetype	u;
	int			dst;

	u = icaltime_from_timet_with_zone(t, 0,
	    icaltimezone_get_utc_timezone());
	return icaltimezone_get_utc_offset_of_utc_time(zone, &u, &dst);
}

/*
 * The instant of wall-clock time lt in zone. A time the zone shows twice
 * (the autumn's repeated hour) is its first occurrence, and a time it
 * skips (the spring's gap) is read with the offset before the gap, as
 * RFC 5545 (3.3.5) says; *how is TIME_EXACT, TIME_REPEATED or TIME_SKIPPED.
 * The offsets a day before and after are the only candidates: zones
 * change at most once in a day.
 */
time_t
time_from_local(struct icaltimetype lt, icaltimezone *zone, int *how)
{
	time_t	local, first, second;
	int	before, after;

	lt.zone = NULL;
	lt.is_date = 0;
	local = icaltime_as_timet(lt);		/* the fields as if UTC */
	before = time_offset_at(local - 86400, zone);
	after = time_offset_at(local + 86400, zone);
	first = local - before;
	second = local - after;
	*how = TIME_EXACT;
	if (time_offset_at(first, zone) == before) {
		if (before != after && time_offset_at(second, zone) == after)
			*how = TIME_REPEATED;	/* first is the earlier */
		return first;
	}
	if (time_offset_at(second, zone) == after)
		return second;
	*how = TIME_SKIPPED;
	return first;
}

/*
 * Parse a user's time: RFC 3339, or local time in zone. A local time
 * that zone shows twice or never is taken as time_from_local says, with
 * a warning naming the instant chosen.
 */
int
time_parse_input(const char *s, icaltimezone *zone, time_t *out)
{
	struct icaltimetype	 t;
	char			*w;
	int			 n, how;

	if (time_parse_rfc3339(s, out) == 0)
		return 0;
	if ((n = time_parse_local(s, &t)) < 0 || s[n] != '\0' || zone == NULL)
		return -1;
	*out = time_from_local(t, zone, &how);
	if (how == TIME_EXACT)
		return 0;
	w = time_rfc3339(*out, zone);
	warnx_kaigi("%s %s in %s; taken as %s%s", s, how == TIME_REPEATED ?
	    "happens twice" : "does not exist", time_zone_name(zone),
	    w, how == TIME_REPEATED ? " (the first; give an offset for the "
	    "other)" : " (the offset before the clocks changed)");
	free(w);
	return 0;
}

/* Midnight starting day y-m-d in zone (or its first minute, if skipped). */
time_t
time_day_start(int y, int m, int d, icaltimezone *zone)
{
	struct icaltimetype	t = icaltime_null_time();
	int			how;

	t.year = y;
	t.month = m;
	t.day = d;
	t.is_date = 1;
	t = icaltime_normalize(t);
	return time_from_local(t, zone, &how);
}

/* The wall-clock time of t in zone: t shifted by the offset at t. */
struct icaltimetype
time_in_zone(time_t t, icaltimezone *zone)
{
	return icaltime_from_timet_with_zone(t + time_offset_at(t, zone), 0,
	    NULL);
}

/* RFC 3339 with zone's offset at instant t; caller frees. */
char *
time_rfc3339(time_t t, icaltimezone *zone)
{
	int			 off = time_offset_at(t, zone), a;
	struct icaltimetype	 lt;

	lt = icaltime_from_timet_with_zone(t + off, 0, NULL);
	a = off < 0 ? -off : off;
	return xasprintf("%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", lt.year,
	    lt.month, lt.day, lt.hour, lt.minute, lt.second,
	    off < 0 ? '-' : '+', a / 3600, (a % 3600) / 60);
}

/* "10:00"; caller frees. */
char *
time_hm(time_t t, icaltimezone *zone)
{
	struct icaltimetype	lt = time_in_zone(t, zone);

	return xasprintf("%02d:%02d", lt.hour, lt.minute);
}

/* "Sat 2023-04-29"; caller frees. */
char *
time_day(time_t t, icaltimezone *zone)
{
	struct icaltimetype	lt = time_in_zone(t, zone);

	return xasprintf("%s %04d-%02d-%02d",
	    time_wday_short[icaltime_day_of_week(lt) - 1], lt.year, lt.month,
	    lt.day);
}

/* "Saturday 29 April 2023"; caller frees. */
char *
time_day_long(time_t t, icaltimezone *zone)
{
	struct icaltimetype	lt = time_in_zone(t, zone);

	return xasprintf("%s %d %s %04d",
	    time_wday_long[icaltime_day_of_week(lt) - 1], lt.day,
	    time_month_long[lt.month - 1], lt.year);
}

/* "Sat 2023-04-29 10:00–10:30" (end's day shown if different). */
char *
time_range(time_t start, time_t end, icaltimezone *zone)
{
	char	*d1 = time_day(start, zone), *d2 = time_day(end, zone);
	char	*h1 = time_hm(start, zone), *h2 = time_hm(end, zone), *s;

	if (strcmp(d1, d2) == 0 || end <= start)
		s = xasprintf("%s %s–%s", d1, h1, h2);
	else
		s = xasprintf("%s %s – %s %s", d1, h1, d2, h2);
	free(d1);
	free(d2);
	free(h1);
	free(h2);
	return s;
}

/* "10:00" from an RFC 3339 string, as written (its own offset). */
char *
time_hm_of_rfc3339(const char *s)
{
	struct icaltimetype	t;

	if (s == NULL || time_parse_local(s, &t) < 0)
		return xstrdup(s ? s : "");
	return xasprintf("%02d:%02d", t.hour, t.minute);
}

/* "Sat 2023-04-29" from an RFC 3339 string, as written. */
char *
time_day_of_rfc3339(const char *s)
{
	struct icaltimetype	t = icaltime_null_time();
	int			y, m, d;

	if (s == NULL || time_date_prefix(s, &y, &m, &d) != 0)
		return xstrdup(s ? s : "");
	t.year = y;
	t.month = m;
	t.day = d;
	t.is_date = 1;
	return xasprintf("%s %04d-%02d-%02d",
	    time_wday_short[icaltime_day_of_week(t) - 1], y, m, d);
}
