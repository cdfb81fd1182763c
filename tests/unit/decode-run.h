/*
 * decode-run.h — the harness shared by the decoder unit tests (header-only):
 * j() parses a test's JSON text, decode_run() runs a decoder on body text
 * and returns what it named or what it produced, as one string to compare.
 */
#ifndef KAIGI_DECODE_RUN_H
#define KAIGI_DECODE_RUN_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parse JSON text for a test (aborts on a typo in the test itself). */
static inline json_t *
j(const char *text)
{
	json_error_t	 e;
	json_t		*v = json_loads(text, JSON_DECODE_ANY, &e);

	if (v == NULL) {
		printf("Bail out! bad test JSON %s: %s\n", text, e.text);
		exit(255);
	}
	return v;
}

/* The fields named by an errors array, comma-separated, in order. */
static inline const char *
errors_fields(const json_t *errors)
{
	static char	 buf[1024];
	size_t		 i;
	json_t		*e;

	buf[0] = '\0';
	json_array_foreach(errors, i, e)
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s",
		    i ? "," : "", json_string_value(json_object_get(e, "field")));
	return buf;
}

/*
 * Run a decoder on body text: the fields it names, comma-separated, or
 * the compact output when it accepts the body.
 */
static inline const char *
decode_run(json_t *(*fn)(const json_t *, json_t *), const char *text)
{
	static char	 buf[1024];
	json_t		*b = j(text), *errors = json_array(), *out;
	char		*s;

	buf[0] = '\0';
	out = fn(b, errors);
	if ((out == NULL) == (json_array_size(errors) == 0))
		snprintf(buf, sizeof buf, "(result and errors disagree)");
	else if (out != NULL) {
		s = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
		snprintf(buf, sizeof buf, "%s", s);
		free(s);
	} else
		snprintf(buf, sizeof buf, "%s", errors_fields(errors));
	json_decref(out);
	json_decref(errors);
	json_decref(b);
	return buf;
}

#endif
