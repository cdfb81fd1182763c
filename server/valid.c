/*
 * valid.c — field checks for request bodies; see valid.h.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "valid.h"

/* Append {"field","message"}. */
void
valid_error(json_t *errors, const char *field, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[256];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	json_array_append_new(errors, json_pack("{s:s, s:s}", "field", field,
	    "message", msg));
}

/* The body must be an object. */
int
valid_object(const json_t *body, json_t *errors)
{
	if (json_is_object(body))
		return 0;
	valid_error(errors, "", "the body must be a JSON object");
	return -1;
}

/* Unknown members are errors: a typo must not be silently ignored. */
void
valid_known(const json_t *body, const char *const *known, json_t *errors)
{
	const char	*key;
	json_t		*v;
	size_t		 i;

	json_object_foreach((json_t *)body, key, v) {
		for (i = 0; known[i] != NULL; i++)
			if (strcmp(known[i], key) == 0)
				break;
		if (known[i] == NULL)
			valid_error(errors, key, "unknown field");
	}
}

/* Common start: absent or null → 0 (optional) or -1 (required). */
static int
valid_member(const json_t *o, const char *field, int required, json_t **v,
    json_t *errors)
{
	*v = json_object_get(o, field);
	if (*v != NULL && !json_is_null(*v))
		return 1;
	if (required) {
		valid_error(errors, field, "is required");
		return -1;
	}
	return 0;
}

/* Non-empty UTF-8 string of at most maxlen bytes, no control characters but tab/newline. */
int
valid_string(const json_t *o, const char *field, int required, size_t maxlen,
    const char **out, json_t *errors)
{
	json_t		*v;
	const char	*s;
	size_t		 i, n;
	int		 rc;

	if ((rc = valid_member(o, field, required, &v, errors)) <= 0)
		return rc;
	if (!json_is_string(v)) {
		valid_error(errors, field, "must be a string");
		return -1;
	}
	s = json_string_value(v);
	n = json_string_length(v);
	if (n != strlen(s) || n > maxlen || (required && n == 0)) {
		valid_error(errors, field, n > maxlen ?
		    "is longer than %zu bytes" : "must be a non-empty text", maxlen);
		return -1;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') {
			valid_error(errors, field, "contains control characters");
			return -1;
		}
	}
	*out = s;
	return 1;
}

/* Integer in [min, max]. */
int
valid_int(const json_t *o, const char *field, int required, long long min,
    long long max, long long *out, json_t *errors)
{
	json_t		*v;
	long long	 n;
	int		 rc;

	if ((rc = valid_member(o, field, required, &v, errors)) <= 0)
		return rc;
	if (!json_is_integer(v)) {
		valid_error(errors, field, "must be an integer");
		return -1;
	}
	n = (long long)json_integer_value(v);
	if (n < min || n > max) {
		valid_error(errors, field, "must be between %lld and %lld", min, max);
		return -1;
	}
	*out = n;
	return 1;
}

/* true or false. */
int
valid_bool(const json_t *o, const char *field, int required, int *out,
    json_t *errors)
{
	json_t	*v;
	int	 rc;

	if ((rc = valid_member(o, field, required, &v, errors)) <= 0)
		return rc;
	if (!json_is_boolean(v)) {
		valid_error(errors, field, "must be true or false");
		return -1;
	}
	*out = json_is_true(v);
	return 1;
}

/* One of a NULL-terminated list of names. */
int
valid_enum(const json_t *o, const char *field, int required,
    const char *const *choices, const char **out, json_t *errors)
{
	const char	*s;
	char		 list[256] = "";
	size_t		 i;
	int		 rc;

	if ((rc = valid_string(o, field, required, 64, &s, errors)) <= 0)
		return rc;
	for (i = 0; choices[i] != NULL; i++) {
		if (strcmp(choices[i], s) == 0) {
			*out = s;
			return 1;
		}
		snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
		    i ? ", " : "", choices[i]);
	}
	valid_error(errors, field, "must be one of: %s", list);
	return -1;
}

/* Read exactly n digits. */
static int
valid_digits(const char **p, int n, int *out)
{
	int	v = 0;

	while (n-- > 0) {
		if (!isdigit((unsigned char)**p))
			return -1;
		v = v * 10 + (*(*p)++ - '0');
	}
	*out = v;
	return 0;
}

/* Days in a month of a year. */
static int
valid_mdays(int y, int m)
{
	static const int	days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

/* Parse "YYYY-MM-DD" at *p. */
static int
valid_parse_date(const char **p, struct tm *tm)
{
	int	y, m, d;

	if (valid_digits(p, 4, &y) || *(*p)++ != '-' || valid_digits(p, 2, &m) ||
	    *(*p)++ != '-' || valid_digits(p, 2, &d))
		return -1;
	if (y < 1970 || y > 2200 || m < 1 || m > 12 || d < 1 || d > valid_mdays(y, m))
		return -1;
	tm->tm_year = y - 1900;
	tm->tm_mon = m - 1;
	tm->tm_mday = d;
	return 0;
}

/* Parse the "+09:00", "-05:30" or "Z" offset into seconds east of UTC. */
static int
valid_parse_offset(const char *p, long *off)
{
	int	h, m, sign;

	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		*off = 0;
		return 0;
	}
	if (*p != '+' && *p != '-')
		return -1;
	sign = *p++ == '-' ? -1 : 1;
	if (valid_digits(&p, 2, &h) || *p++ != ':' || valid_digits(&p, 2, &m) ||
	    *p != '\0' || h > 23 || m > 59)
		return -1;
	*off = sign * (h * 3600L + m * 60L);
	return 0;
}

/* RFC 3339 date-time with a mandatory offset, whole or fractional seconds. */
int
valid_parse_rfc3339(const char *s, time_t *out)
{
	struct tm	tm;
	const char	*p = s;
	int		h, mi, sec;
	long		off;

	memset(&tm, 0, sizeof tm);
	if (valid_parse_date(&p, &tm) || (*p != 'T' && *p != 't'))
		return -1;
	p++;
	if (valid_digits(&p, 2, &h) || *p++ != ':' || valid_digits(&p, 2, &mi) ||
	    *p++ != ':' || valid_digits(&p, 2, &sec) || h > 23 || mi > 59 || sec > 59)
		return -1;
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++)
			;
	}
	if (valid_parse_offset(p, &off) != 0)
		return -1;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*out = timegm(&tm) - off;
	return 0;
}

/* RFC 3339 instant with offset. */
int
valid_time(const json_t *o, const char *field, int required, time_t *out,
    json_t *errors)
{
	const char	*s;
	int		 rc;

	if ((rc = valid_string(o, field, required, 64, &s, errors)) <= 0)
		return rc;
	if (valid_parse_rfc3339(s, out) != 0) {
		valid_error(errors, field,
		    "must be an RFC 3339 time with offset, e.g. 2023-04-29T10:00:00+09:00");
		return -1;
	}
	return 1;
}

/* YYYY-MM-DD. */
int
valid_date(const json_t *o, const char *field, int required, const char **out,
    json_t *errors)
{
	const char	*s, *p;
	struct tm	 tm;
	int		 rc;

	if ((rc = valid_string(o, field, required, 16, &s, errors)) <= 0)
		return rc;
	p = s;
	if (valid_parse_date(&p, &tm) != 0 || *p != '\0') {
		valid_error(errors, field, "must be a date YYYY-MM-DD");
		return -1;
	}
	*out = s;
	return 1;
}

/* HH:MM (00:00..23:59; "24:00" allowed as an end of day). */
int
valid_clock(const json_t *o, const char *field, int required, const char **out,
    json_t *errors)
{
	const char	*s, *p;
	int		 h, m, rc;

	if ((rc = valid_string(o, field, required, 8, &s, errors)) <= 0)
		return rc;
	p = s;
	if (valid_digits(&p, 2, &h) || *p++ != ':' || valid_digits(&p, 2, &m) ||
	    *p != '\0' || m > 59 || h > 24 || (h == 24 && m != 0)) {
		valid_error(errors, field, "must be a time of day HH:MM");
		return -1;
	}
	*out = s;
	return 1;
}

/* A zone name that exists under /usr/share/zoneinfo, without path tricks. */
int
valid_zone_exists(const char *z)
{
	struct stat	st;
	char		path[256];
	size_t		i, n = strlen(z);

	if (n == 0 || n > 64 || z[0] == '/' || strstr(z, "..") != NULL)
		return 0;
	for (i = 0; i < n; i++) {
		if (!isalnum((unsigned char)z[i]) && strchr("/_-+", z[i]) == NULL)
			return 0;
	}
	if (strncmp(z, "posix/", 6) == 0 || strncmp(z, "right/", 6) == 0)
		return 0;
	if (strcmp(z, "localtime") == 0 || strcmp(z, "posixrules") == 0 ||
	    strcmp(z, "Factory") == 0 || strchr(z, '.') != NULL)
		return 0;
	snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", z);
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* IANA time zone. */
int
valid_timezone(const json_t *o, const char *field, int required,
    const char **out, json_t *errors)
{
	const char	*s;
	int		 rc;

	if ((rc = valid_string(o, field, required, 64, &s, errors)) <= 0)
		return rc;
	if (!valid_zone_exists(s)) {
		valid_error(errors, field, "'%s' is not a known IANA time zone", s);
		return -1;
	}
	*out = s;
	return 1;
}

/* Array of positive integer ids. */
int
valid_id_array(const json_t *o, const char *field, int required, size_t maxlen,
    const json_t **out, json_t *errors)
{
	json_t	*v, *item;
	size_t	 i;
	int	 rc;

	if ((rc = valid_member(o, field, required, &v, errors)) <= 0)
		return rc;
	if (!json_is_array(v) || json_array_size(v) > maxlen) {
		valid_error(errors, field, "must be an array of at most %zu ids", maxlen);
		return -1;
	}
	json_array_foreach(v, i, item) {
		if (!json_is_integer(item) || json_integer_value(item) <= 0) {
			valid_error(errors, field, "item %zu is not a positive id", i);
			return -1;
		}
	}
	*out = v;
	return 1;
}

/* Array of non-empty strings. */
int
valid_string_array(const json_t *o, const char *field, int required,
    size_t maxitems, size_t maxlen, const json_t **out, json_t *errors)
{
	json_t	*v, *item;
	size_t	 i, n;
	int	 rc;

	if ((rc = valid_member(o, field, required, &v, errors)) <= 0)
		return rc;
	if (!json_is_array(v) || json_array_size(v) > maxitems) {
		valid_error(errors, field, "must be an array of at most %zu texts", maxitems);
		return -1;
	}
	json_array_foreach(v, i, item) {
		n = json_is_string(item) ? json_string_length(item) : 0;
		if (n == 0 || n > maxlen || n != strlen(json_string_value(item))) {
			valid_error(errors, field, "item %zu is not a text of 1..%zu bytes", i, maxlen);
			return -1;
		}
	}
	*out = v;
	return 1;
}
