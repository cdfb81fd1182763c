/*
 * fuzz_setup.c — libFuzzer target for the set-up decoders of
 * server/decode-setup.c: arbitrary bytes through jansson (as the router
 * parses bodies), then every decoder; each must either return a value or
 * name at least one bad field, never both, never crash.
 */
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "decode-setup.h"
#include "fuzz-decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_t *(*const decoders[])(const json_t *, json_t *) = {
	decode_token, decode_venue_patch, decode_room_patch,
	decode_delegation_patch, decode_unavailability_patch,
	decode_bilateral_patch, decode_room_with_ref,
	decode_delegation_with_ref, decode_participant_with_ref,
	decode_participant_patch_with_ref,
};

/* One input through every decoder. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t	*body;
	size_t	 i;

	body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES |
	    JSON_DECODE_ANY, NULL);
	if (body == NULL)
		return 0;
	for (i = 0; i < sizeof decoders / sizeof decoders[0]; i++)
		fuzz_decode(decoders[i], body);
	json_decref(body);
	return 0;
}
