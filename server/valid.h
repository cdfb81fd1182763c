/*
 * valid.h — pure validation of decoded JSON request bodies.
 *
 * Each helper reads one member of a JSON object, checks it, stores it, and on
 * a problem appends {"field", "message"} to an errors array instead of
 * stopping, so a 422 names every bad field at once. Nothing here does I/O;
 * the decoders built from these are unit-tested and fuzzed directly.
 */
#ifndef KAIGI_VALID_H
#define KAIGI_VALID_H

#include <jansson.h>
#include <time.h>

#define VALID_REQUIRED	1
#define VALID_OPTIONAL	0

/* Append an error for field. */
void	valid_error(json_t *errors, const char *field, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* The body must be a JSON object; -1 (with an error) otherwise. */
int	valid_object(const json_t *body, json_t *errors);

/* Reject members not in the NULL-terminated list of known names. */
void	valid_known(const json_t *body, const char *const *known, json_t *errors);

/*
 * Each returns 1 when the member is present and valid (stored in *out),
 * 0 when absent and optional (out untouched), -1 when invalid or missing
 * but required (error appended). Strings are borrowed from the JSON value.
 */
int	valid_string(const json_t *o, const char *field, int required,
	    size_t maxlen, const char **out, json_t *errors);
int	valid_int(const json_t *o, const char *field, int required,
	    long long min, long long max, long long *out, json_t *errors);
int	valid_bool(const json_t *o, const char *field, int required,
	    int *out, json_t *errors);
int	valid_enum(const json_t *o, const char *field, int required,
	    const char *const *choices, const char **out, json_t *errors);
/* RFC 3339 with offset ("2023-04-29T10:00:00+09:00" or "...Z"); *out is UTC epoch seconds. */
int	valid_time(const json_t *o, const char *field, int required,
	    time_t *out, json_t *errors);
/* Calendar date "YYYY-MM-DD". */
int	valid_date(const json_t *o, const char *field, int required,
	    const char **out, json_t *errors);
/* Time of day "HH:MM". */
int	valid_clock(const json_t *o, const char *field, int required,
	    const char **out, json_t *errors);
/* IANA zone name known to this system's zoneinfo. */
int	valid_timezone(const json_t *o, const char *field, int required,
	    const char **out, json_t *errors);
/* Array of positive ids. *out is the borrowed array. */
int	valid_id_array(const json_t *o, const char *field, int required,
	    size_t maxlen, const json_t **out, json_t *errors);
/* Array of short strings (e.g. delegation codes). */
int	valid_string_array(const json_t *o, const char *field, int required,
	    size_t maxitems, size_t maxlen, const json_t **out, json_t *errors);

/* Parse RFC 3339 text; 0 and *out on success, -1 otherwise. Pure. */
int	valid_parse_rfc3339(const char *, time_t *out);
/* Is this a known IANA zone name (no path tricks)? Pure but reads zoneinfo. */
int	valid_zone_exists(const char *);

#endif
