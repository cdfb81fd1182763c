/*
 * fuzz_interp.c — libFuzzer target for the interpretation decoders of
 * server/decode-interp.c: arbitrary bytes through jansson (as the router
 * parses bodies), then every decoder; each must either return a value or
 * name at least one bad field, never both, never crash. The session
 * fields' decoder must leave only valid pairs and ids in its output.
 */
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "decode-interp.h"
#include "fuzz-decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_t *(*const decoders[])(const json_t *, json_t *) = {
	decode_room_interp, decode_room_patch_interp,
	decode_participant_interp, decode_participant_patch_interp,
	decode_bilateral_patch_interp, decode_interp_row,
};

/* The session fields: output pairs are valid whenever nothing was named. */
static void
fuzz_session(const json_t *body, int patch)
{
	json_t		*errors = json_array(), *out = json_object(), *v;
	size_t		 i;

	if (json_is_object(body))
		decode_interp_session(body, patch, out, errors);
	if (json_array_size(errors) == 0)
		json_array_foreach(json_object_get(out, "interpretation"), i, v)
			if (!json_is_string(v) || !interp_pair_ok(json_string_value(v)))
				abort();
	json_decref(out);
	json_decref(errors);
}

/* One input through every decoder. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t	*body, *errors, *out;
	size_t	 i;
	int	 create;

	body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES |
	    JSON_DECODE_ANY, NULL);
	if (body == NULL)
		return 0;
	for (i = 0; i < sizeof decoders / sizeof decoders[0]; i++)
		fuzz_decode(decoders[i], body);
	for (create = 0; create <= 1; create++) {
		errors = json_array();
		out = decode_conference_interp(body, create, errors);
		if ((out == NULL) == (json_array_size(errors) == 0))
			abort();
		json_decref(out);
		json_decref(errors);
		fuzz_session(body, create);
	}
	json_decref(body);
	return 0;
}
