/*
 * test_route.c — the router's path matching: literal segments, {captures},
 * suffixed captures ("{token}.ics"), and the paths that must not match.
 */
#include <stdlib.h>

#include "route.h"
#include "tap.h"

/* Match and return the capture count, or -1 for no match; frees captures. */
static int
try_match(const char *pattern, const char *path, const char *want_name,
    const char *want_value)
{
	char	*names[REQ_MAX_PARAMS], *values[REQ_MAX_PARAMS];
	int	 n, i, good = 1;

	if (!route_path_match(pattern, path, &n, names, values, REQ_MAX_PARAMS))
		return -1;
	if (want_name != NULL)
		good = n >= 1 && strcmp(names[0], want_name) == 0 &&
		    strcmp(values[0], want_value) == 0;
	for (i = 0; i < n; i++) {
		free(names[i]);
		free(values[i]);
	}
	return good ? n : -2;
}

int
main(void)
{
	ok(try_match("/healthz", "/healthz", NULL, NULL) == 0, "literal path matches");
	ok(try_match("/healthz", "/healthz/", NULL, NULL) == -1, "trailing slash does not match");
	ok(try_match("/healthz", "/health", NULL, NULL) == -1, "prefix does not match");
	ok(try_match("/", "/", NULL, NULL) == 0, "root matches root");
	ok(try_match("/api/v1/sessions/{id}", "/api/v1/sessions/42", "id", "42") == 1,
	    "one capture");
	ok(try_match("/api/v1/sessions/{id}/cancel", "/api/v1/sessions/42/cancel", "id", "42") == 1,
	    "capture in the middle");
	ok(try_match("/api/v1/sessions/{id}", "/api/v1/sessions/", NULL, NULL) == -1,
	    "empty capture does not match");
	ok(try_match("/api/v1/sessions/{id}", "/api/v1/sessions/42/x", NULL, NULL) == -1,
	    "extra segment does not match");
	ok(try_match("/api/v1/sessions/{id}", "/api/v1//sessions/42", NULL, NULL) == -1,
	    "double slash does not match");
	ok(try_match("/feeds/{token}.ics", "/feeds/abcDEF_-.ics", "token", "abcDEF_-") == 1,
	    "suffixed capture strips the suffix");
	ok(try_match("/feeds/{token}.ics", "/feeds/.ics", NULL, NULL) == -1,
	    "suffixed capture must not be empty");
	ok(try_match("/feeds/{token}.ics", "/feeds/abc.ical", NULL, NULL) == -1,
	    "wrong suffix does not match");
	ok(try_match("/api/v1/conferences/{slug}/rooms/{id}/calendar.ics",
	    "/api/v1/conferences/g7/rooms/3/calendar.ics", "slug", "g7") == 2,
	    "two captures and a literal file name");
	ok(try_match("/api/v1/conferences/{slug}", "/api/v1/conferences/..%2F..%2Fetc",
	    "slug", "..%2F..%2Fetc") == 1, "encoded traversal stays inside one capture");
	ok(try_match("/a/{x}", "", NULL, NULL) == -1, "empty path does not match");
	return tap_done();
}
