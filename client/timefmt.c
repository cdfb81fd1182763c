/*
 * timefmt.c — instants, time zones and how times are written.
 *
 * Instants are time_t (UTC). Zones are libical's, from the system's zone
 * database, so the same rules as the feeds' VTIMEZONEs apply. The API
 * speaks RFC 3339 with an offset; users may type a local time without an
 * offset ("2023-04-29T10:00" or "2023-04-29 10:00"), read in the
 * conference's zone. Names of days and months are English, not the
 * locale's, so output is the same everywhere.
 */
#include <ctype.h>
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

/* The reader's zone name: $TZ, /etc/timezone, /etc/localtime, else UTC. */
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
	return "UTC";
}

/* Parse "YYYY-MM-DD"; -1 if it is not a valid date. */
int
time_parse_date(const char *s, int *y, int *m, int *d)
{
	int	n = 0;

	if (sscanf(s, "%4d-%2d-%2d%n", y, m, d, &n) != 3 || s[n] != '\0' ||
	    *m < 1 || *m > 12 || *d < 1 ||
	    *d > icaltime_days_in_month(*m, *y))
		return -1;
	return 0;
}

/* Parse "YYYY-MM-DD[T ]HH:MM[:SS]" into t; returns chars used or -1. */
static int
time_parse_local(const char *s, struct icaltimetype *t)
{
	int	n = 0, y, mo, d, h, mi, sec = 0;

	if (sscanf(s, "%4d-%2d-%2d%*1[T ]%2d:%2d%n", &y, &mo, &d, &h, &mi,
	    &n) != 5 || n == 0)
		return -1;
	if (s[n] == ':' && isdigit((unsigned char)s[n + 1])) {
		sec = atoi(s + n + 1);
		n += 3;
		if (s[n] == '.')
			for (n++; isdigit((unsigned char)s[n]); n++)
				;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > icaltime_days_in_month(mo, y) ||
	    h > 23 || mi > 59 || sec > 60)
		return -1;
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
	int			 n, oh, om, sign;

	if (s == NULL || (n = time_parse_local(s, &t)) < 0)
		return -1;
	t.zone = icaltimezone_get_utc_timezone();
	*out = icaltime_as_timet(t);
	if ((s[n] == 'Z' || s[n] == 'z') && s[n + 1] == '\0')
		return 0;
	if ((s[n] != '+' && s[n] != '-') ||
	    sscanf(s + n + 1, "%2d:%2d", &oh, &om) != 2 ||
	    strlen(s + n) != 6 || oh > 23 || om > 59)
		return -1;
	sign = s[n] == '+' ? 1 : -1;
	*out -= sign * (oh * 3600 + om * 60);
	return 0;
}

/* Parse a user's time: RFC 3339, or local time in zone. */
int
time_parse_input(const char *s, icaltimezone *zone, time_t *out)
{
	struct icaltimetype	t;
	int			n;

	if (time_parse_rfc3339(s, out) == 0)
		return 0;
	if ((n = time_parse_local(s, &t)) < 0 || s[n] != '\0' || zone == NULL)
		return -1;
	*out = icaltime_as_timet_with_zone(t, zone);
	return 0;
}

/* Midnight starting day y-m-d in zone. */
time_t
time_day_start(int y, int m, int d, icaltimezone *zone)
{
	struct icaltimetype	t = icaltime_null_time();

	t.year = y;
	t.month = m;
	t.day = d;
	t.is_date = 1;
	t = icaltime_normalize(t);
	t.is_date = 0;
	return icaltime_as_timet_with_zone(t, zone);
}

/* The wall-clock time of t in zone. */
struct icaltimetype
time_in_zone(time_t t, icaltimezone *zone)
{
	return icaltime_from_timet_with_zone(t, 0, zone);
}

/* RFC 3339 with zone's offset at t; caller frees. */
char *
time_rfc3339(time_t t, icaltimezone *zone)
{
	struct icaltimetype	 lt = time_in_zone(t, zone);
	int			 dst, off, a;

	off = icaltimezone_get_utc_offset(zone, &lt, &dst);
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
	if (s == NULL || strlen(s) < 16 || s[10] != 'T')
		return xstrdup(s ? s : "");
	return xstrndup(s + 11, 5);
}

/* "Sat 2023-04-29" from an RFC 3339 string, as written. */
char *
time_day_of_rfc3339(const char *s)
{
	struct icaltimetype	t = icaltime_null_time();
	int			y, m, d;

	if (s == NULL || sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3)
		return xstrdup(s ? s : "");
	t.year = y;
	t.month = m;
	t.day = d;
	t.is_date = 1;
	return xasprintf("%s %04d-%02d-%02d",
	    time_wday_short[icaltime_day_of_week(t) - 1], y, m, d);
}
