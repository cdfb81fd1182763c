/*
 * decode-interp.c — pure decoders of the interpretation fields (see
 * decode-interp.h). Each set-up decoder takes the new fields off the body,
 * hands the rest to the earlier decoder and merges both, one errors array.
 */
#include <string.h>

#include "decode-core.h"
#include "decode-interp.h"
#include "decode-setup.h"
#include "valid.h"

/* One language of a pair: 2-3 lowercase letters, length n. */
static int
interp_lang_ok(const char *s, size_t n)
{
	size_t	i;

	if (n < 2 || n > 3)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] < 'a' || s[i] > 'z')
			return 0;
	return 1;
}

int
interp_pair_ok(const char *s)
{
	const char	*dash = strchr(s, '-');
	size_t		 a, b;

	if (dash == NULL)
		return 0;
	a = (size_t)(dash - s);
	b = strlen(dash + 1);
	return interp_lang_ok(s, a) && interp_lang_ok(dash + 1, b) &&
	    !(a == b && memcmp(s, dash + 1, a) == 0);
}

/* Is pair x the same as pair y or its reverse (both valid)? */
static int
interp_same_pair(const char *x, const char *y)
{
	const char	*dx = strchr(x, '-'), *dy = strchr(y, '-');
	size_t		 ax = (size_t)(dx - x), ay = (size_t)(dy - y);

	if (strcmp(x, y) == 0)
		return 1;
	return ax == strlen(dy + 1) && ay == strlen(dx + 1) &&
	    memcmp(x, dy + 1, ax) == 0 && memcmp(y, dx + 1, ay) == 0;
}

void
decode_interp_pairs(const json_t *body, const char *field, int clearable,
    json_t *out, json_t *errors)
{
	const json_t	*arr = NULL;
	size_t		 i, j;
	const char	*p;

	if (clearable && json_is_null(json_object_get(body, field))) {
		json_object_set_new(out, field, json_array());
		return;
	}
	if (valid_string_array(body, field, VALID_OPTIONAL, INTERP_PAIRS_MAX, 7,
	    &arr, errors) != 1)
		return;
	for (i = 0; i < json_array_size(arr); i++) {
		p = json_string_value(json_array_get(arr, i));
		if (p == NULL || !interp_pair_ok(p)) {
			valid_error(errors, field, "item %zu (%s): write two "
			    "different languages in lower case, as ja-en", i,
			    p != NULL ? p : "not a text");
			return;
		}
		for (j = 0; j < i; j++)
			if (interp_same_pair(p,
			    json_string_value(json_array_get(arr, j)))) {
				valid_error(errors, field, "%s is listed twice", p);
				return;
			}
	}
	json_object_set_new(out, field, json_deep_copy(arr));
}

void
decode_interp_session(const json_t *body, int patch, json_t *out,
    json_t *errors)
{
	const json_t	*ids = NULL;

	decode_interp_pairs(body, "interpretation", patch, out, errors);
	if (patch && json_is_null(json_object_get(body, "interpreters")))
		json_object_set_new(out, "interpreters", json_array());
	else if (valid_id_array(body, "interpreters", VALID_OPTIONAL,
	    INTERP_GIVEN_MAX, &ids, errors) == 1)
		json_object_set_new(out, "interpreters", json_deep_copy(ids));
}

/* booths: 0 to 50. */
static void
interp_booths(const json_t *b, json_t *out, json_t *errors)
{
	long long	n;

	if (valid_int(b, "booths", VALID_OPTIONAL, 0, INTERP_BOOTHS_MAX, &n,
	    errors) == 1)
		json_object_set_new(out, "booths", json_integer(n));
}

/* language_pairs: pairs (null clears them). */
static void
interp_language_pairs(const json_t *b, json_t *out, json_t *errors)
{
	decode_interp_pairs(b, "language_pairs", 1, out, errors);
}

/* interpretation of a bilateral request (null clears it). */
static void
interp_interpretation(const json_t *b, json_t *out, json_t *errors)
{
	decode_interp_pairs(b, "interpretation", 1, out, errors);
}

/* interpretation_rules: {long_minutes, per_pair_long, per_pair,
 * daily_minutes}, each a count (null: its default); null: all defaults. */
static void
interp_rules(const json_t *b, json_t *out, json_t *errors)
{
	static const char *const known[] = { "long_minutes", "per_pair_long",
	    "per_pair", "daily_minutes", NULL };
	static const long long max[] = { 1440, 10, 10, 1440 };
	const json_t	*r = json_object_get(b, "interpretation_rules");
	json_t		*o, *sub, *e;
	long long	 n;
	size_t		 i, before = json_array_size(errors);

	if (r == NULL)
		return;
	if (json_is_null(r)) {
		json_object_set_new(out, "interpretation_rules", json_null());
		return;
	}
	if (!json_is_object(r)) {
		valid_error(errors, "interpretation_rules", "must be an object");
		return;
	}
	sub = json_array();
	valid_known(r, known, sub);
	o = json_object();
	for (i = 0; known[i] != NULL; i++)
		if (json_is_null(json_object_get(r, known[i])))
			json_object_set_new(o, known[i], json_null());
		else if (valid_int(r, known[i], VALID_OPTIONAL, i == 0 ? 0 : 1,
		    max[i], &n, sub) == 1)
			json_object_set_new(o, known[i], json_integer(n));
	for (i = 0; i < json_array_size(sub); i++) {
		e = json_array_get(sub, i);
		valid_error(errors, "interpretation_rules", "%s %s",
		    json_string_value(json_object_get(e, "field")),
		    json_string_value(json_object_get(e, "message")));
	}
	if (json_array_size(errors) == before)
		json_object_set_new(out, "interpretation_rules", o);
	else
		json_decref(o);
	json_decref(sub);
}

/*
 * base's decoding of b without the members fields, and extra's of them,
 * merged; NULL when either named a bad field.
 */
static json_t *
interp_with(const json_t *b, json_t *errors, const char *const *fields,
    json_t *(*base)(const json_t *, json_t *),
    void (*extra)(const json_t *, json_t *, json_t *))
{
	json_t	*rest, *out, *more;
	size_t	 n = json_array_size(errors), i;

	if (!json_is_object(b))
		return base(b, errors);
	rest = json_copy((json_t *)b);
	for (i = 0; fields[i] != NULL; i++)
		json_object_del(rest, fields[i]);
	more = json_object();
	extra(b, more, errors);
	out = base(rest, errors);
	json_decref(rest);
	if (out != NULL && json_array_size(errors) == n) {
		json_object_update(out, more);
		json_decref(more);
		return out;
	}
	json_decref(out);
	json_decref(more);
	if (json_array_size(errors) == n)
		valid_error(errors, "", "is invalid");
	return NULL;
}

static const char *const interp_booths_fields[] = { "booths", NULL };
static const char *const interp_pairs_fields[] = { "language_pairs", NULL };
static const char *const interp_request_fields[] = { "interpretation", NULL };

json_t *
decode_room_interp(const json_t *b, json_t *errors)
{
	return interp_with(b, errors, interp_booths_fields,
	    decode_room_with_ref, interp_booths);
}

json_t *
decode_room_patch_interp(const json_t *b, json_t *errors)
{
	return interp_with(b, errors, interp_booths_fields, decode_room_patch,
	    interp_booths);
}

json_t *
decode_participant_interp(const json_t *b, json_t *errors)
{
	return interp_with(b, errors, interp_pairs_fields,
	    decode_participant_with_ref, interp_language_pairs);
}

json_t *
decode_participant_patch_interp(const json_t *b, json_t *errors)
{
	return interp_with(b, errors, interp_pairs_fields,
	    decode_participant_patch_with_ref, interp_language_pairs);
}

json_t *
decode_bilateral_patch_interp(const json_t *b, json_t *errors)
{
	return interp_with(b, errors, interp_request_fields,
	    decode_bilateral_patch, interp_interpretation);
}

static json_t *
interp_conference_create(const json_t *b, json_t *errors)
{
	return decode_conference(b, DECODE_CREATE, errors);
}

static json_t *
interp_conference_patch(const json_t *b, json_t *errors)
{
	return decode_conference(b, DECODE_PATCH, errors);
}

json_t *
decode_conference_interp(const json_t *b, int create, json_t *errors)
{
	static const char *const fields[] = { "interpretation_rules", NULL };

	return interp_with(b, errors, fields, create ?
	    interp_conference_create : interp_conference_patch, interp_rules);
}

json_t *
decode_interp_row(const json_t *b, json_t *errors)
{
	json_t	*out = json_object();
	size_t	 n = json_array_size(errors);

	decode_interp_pairs(b, "interpretation", 0, out, errors);
	if (json_array_size(errors) == n)
		return out;
	json_decref(out);
	return NULL;
}
