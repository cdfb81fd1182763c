/*
 * test_decode_interp.c — interpretation fields (issue 17, item 2):
 * interp_pair_ok, decode_interp_pairs, decode_interp_session and the
 * set-up decoders with booths, language_pairs and interpretation_rules.
 */
#include <stdlib.h>
#include <string.h>

#include "decode-core.h"
#include "decode-interp.h"
#include "tap.h"

/* Pairs. */
static void
test_pairs(void)
{
	static const char *const good[] = { "ja-en", "en-ja", "fil-en", "en-fr",
	    NULL };
	static const char *const bad[] = { "", "ja", "jaen", "ja-ja", "JA-en",
	    "ja-", "-en", "ja-en-fr", "j-en", "jpnx-en", "ja_en", "ja- en", NULL };
	int	i;

	for (i = 0; good[i] != NULL; i++)
		ok(interp_pair_ok(good[i]), "pair: %s", good[i]);
	for (i = 0; bad[i] != NULL; i++)
		ok(!interp_pair_ok(bad[i]), "not a pair: \"%s\"", bad[i]);
}

/* Errors of decoding text with the session fields (patch or not). */
static size_t
session(const char *text, int patch, json_t **out)
{
	json_t	*body = json_loads(text, 0, NULL), *errs = json_array();
	size_t	 n;

	*out = json_object();
	decode_interp_session(body, patch, *out, errs);
	n = json_array_size(errs);
	json_decref(errs);
	json_decref(body);
	return n;
}

static void
test_session(void)
{
	json_t	*o;

	ok(session("{\"interpretation\":[\"ja-en\",\"fr-en\"],\"interpreters\":[3]}",
	    0, &o) == 0 && json_array_size(json_object_get(o, "interpretation")) == 2
	    && json_array_size(json_object_get(o, "interpreters")) == 1,
	    "interpretation and interpreters");
	json_decref(o);
	ok(session("{\"interpretation\":[\"ja-en\",\"en-ja\"]}", 0, &o) == 1,
	    "a pair and its reverse: refused");
	json_decref(o);
	ok(session("{\"interpretation\":\"ja-en\"}", 0, &o) == 1,
	    "not an array: refused");
	json_decref(o);
	ok(session("{\"interpretation\":null,\"interpreters\":null}", 1, &o) == 0
	    && json_array_size(json_object_get(o, "interpretation")) == 0
	    && json_is_array(json_object_get(o, "interpreters")),
	    "PATCH null: none");
	json_decref(o);
	ok(session("{\"interpretation\":null}", 0, &o) == 0 &&
	    json_object_get(o, "interpretation") == NULL, "POST null: as absent");
	json_decref(o);
	ok(session("{\"interpreters\":[0]}", 0, &o) == 1, "interpreter 0: refused");
	json_decref(o);
}

/* Errors of decoding text with fn. */
static size_t
setup(const char *text, json_t *(*fn)(const json_t *, json_t *), json_t **out)
{
	json_t	*body = json_loads(text, 0, NULL), *errs = json_array();
	size_t	 n;

	*out = fn(body, errs);
	n = json_array_size(errs);
	json_decref(errs);
	json_decref(body);
	return n;
}

static json_t *
conference_patch(const json_t *b, json_t *errors)
{
	return decode_conference_interp(b, DECODE_PATCH, errors);
}

static void
test_setup(void)
{
	json_t	*o;

	ok(setup("{\"booths\":2}", decode_room_patch_interp, &o) == 0 &&
	    json_integer_value(json_object_get(o, "booths")) == 2, "PATCH booths");
	json_decref(o);
	ok(setup("{\"booths\":51}", decode_room_patch_interp, &o) == 1 &&
	    o == NULL, "51 booths: refused");
	ok(setup("{\"venue_id\":1,\"name\":\"A\",\"capacity\":3,\"booths\":1}",
	    decode_room_interp, &o) == 0 && json_object_get(o, "booths") &&
	    json_object_get(o, "name"), "POST room with booths");
	json_decref(o);
	ok(setup("{\"booths\":1}", decode_room_interp, &o) >= 3 && o == NULL,
	    "POST room with booths only: the required fields named");
	ok(setup("{\"delegation\":\"JP\",\"name\":\"I\",\"role\":\"interpreter\","
	    "\"language_pairs\":[\"ja-en\"]}", decode_participant_interp, &o) == 0
	    && json_object_get(o, "language_pairs"), "an interpreter");
	json_decref(o);
	ok(setup("{\"language_pairs\":[\"x\"]}", decode_participant_patch_interp,
	    &o) == 1, "a bad pair: refused");
	ok(setup("{\"interpretation_rules\":{\"daily_minutes\":300,\"per_pair\":null}}",
	    conference_patch, &o) == 0 && json_integer_value(json_object_get(
	    json_object_get(o, "interpretation_rules"), "daily_minutes")) == 300,
	    "rules");
	json_decref(o);
	ok(setup("{\"interpretation_rules\":{\"daily_minutes\":0,\"x\":1}}",
	    conference_patch, &o) == 2, "rules: 0 minutes and an unknown member");
	ok(setup("{\"interpretation\":[\"ja-en\"]}", decode_bilateral_patch_interp,
	    &o) == 0, "a request's interpretation");
	json_decref(o);
}

int
main(void)
{
	test_pairs();
	test_session();
	test_setup();
	return tap_done();
}
