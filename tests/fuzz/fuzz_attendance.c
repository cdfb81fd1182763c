/*
 * fuzz_attendance.c — libFuzzer target for the attendees decoder
 * (decode-attendance.c): arbitrary bytes through jansson as the router
 * parses bodies, then attendance_decode on the object, or on {"attendees":
 * value} for any other value; the link check directly on the bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "decode-attendance.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t	*v, *body, *out, *errors;
	char	*s;

	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	(void)attendance_link_ok(s);
	free(s);
	v = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if (v == NULL)
		return 0;
	if (json_is_object(v))
		body = json_incref(v);
	else
		body = json_pack("{s:O}", "attendees", v);
	out = json_object();
	errors = json_array();
	attendance_decode(body, out, errors);
	json_decref(errors);
	json_decref(out);
	json_decref(body);
	json_decref(v);
	return 0;
}
