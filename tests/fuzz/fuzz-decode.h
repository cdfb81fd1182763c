/*
 * fuzz-decode.h — what every decoder fuzz target checks of a decoder
 * (header-only): on any body, it gives a result or names errors, never
 * both and never neither.
 */
#ifndef KAIGI_FUZZ_DECODE_H
#define KAIGI_FUZZ_DECODE_H

#include <stdlib.h>

#include <jansson.h>

/* Run decoder fn on body; abort when its result and errors disagree. */
static inline void
fuzz_decode(json_t *(*fn)(const json_t *, json_t *), const json_t *body)
{
	json_t	*errors = json_array(), *out = fn(body, errors);

	if ((out == NULL) == (json_array_size(errors) == 0))
		abort();
	json_decref(out);
	json_decref(errors);
}

#endif
