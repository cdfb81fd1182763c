/*
 * fuzz_valid.c — libFuzzer target for request-body decoding: arbitrary bytes
 * through jansson (as the router parses bodies) and then every validator of
 * valid.c, as a decoder would call them, plus the RFC 3339 parser directly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "valid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const kinds[] = { "plenary", "bilateral", "side_event", NULL };
static const char *const known[] = { "title", "start", "end", "kind", NULL };

/* Run every validator over one decoded object. */
static void
fuzz_fields(const json_t *o, json_t *errors)
{
	const char	*s;
	const json_t	*a;
	long long	 n;
	time_t		 t;
	int		 b;

	valid_known(o, known, errors);
	valid_string(o, "title", VALID_REQUIRED, 200, &s, errors);
	valid_int(o, "capacity", VALID_OPTIONAL, 1, 100000, &n, errors);
	valid_bool(o, "flag", VALID_OPTIONAL, &b, errors);
	valid_enum(o, "kind", VALID_OPTIONAL, kinds, &s, errors);
	valid_time(o, "start", VALID_OPTIONAL, &t, errors);
	valid_date(o, "start_date", VALID_OPTIONAL, &s, errors);
	valid_clock(o, "day_start", VALID_OPTIONAL, &s, errors);
	valid_timezone(o, "timezone", VALID_OPTIONAL, &s, errors);
	valid_id_array(o, "attendees", VALID_OPTIONAL, 500, &a, errors);
	valid_string_array(o, "delegations", VALID_OPTIONAL, 100, 16, &a, errors);
}

/* One input: as a body, and as a time string. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t	*body, *errors = json_array();
	char	*text = malloc(size + 1);
	time_t	 t;

	memcpy(text, data, size);
	text[size] = '\0';
	valid_parse_rfc3339(text, &t);
	valid_zone_exists(text);
	body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (body != NULL && valid_object(body, errors) == 0)
		fuzz_fields(body, errors);
	json_decref(body);
	json_decref(errors);
	free(text);
	return 0;
}
