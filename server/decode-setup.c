/*
 * decode-setup.c — pure decoders of the set-up bodies (tokens, the PATCH
 * bodies of venues, rooms, delegations, unavailability and bilateral
 * requests, and "ref" on create); see decode-setup.h. Built from valid.h
 * so that one 422 names every bad field.
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "decode-core.h"
#include "decode-precedence.h"
#include "decode-setup.h"
#include "valid.h"

#define SETUP_NAME_MAX		200
#define SETUP_TEXT_MAX		2000
#define SETUP_TOPICS_MAX	4000
#define SETUP_REF_MAX		100
#define SETUP_UNAVAIL_MAX_DAYS	366

static const char *const setup_room_kinds[] = {
	"plenary", "bilateral", "side_event", "other", NULL
};
static const char *const setup_delegation_kinds[] = {
	"member", "invited", "organization", "guest", NULL
};
static const char *const setup_levels[] = { "head", "deputy", NULL };
static const char *const setup_token_roles[] = {
	"secretariat", "liaison", NULL
};

/* An object with only known members; -1 when not an object. */
static int
setup_begin(const json_t *body, const char *const *known, json_t *errors)
{
	if (valid_object(body, errors) != 0)
		return -1;
	valid_known(body, known, errors);
	return 0;
}

/* out, or NULL (freed) when errors grew past n. */
static json_t *
setup_result(json_t *out, const json_t *errors, size_t n)
{
	if (json_array_size(errors) > n) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/* A non-empty text of at most max characters, when present. */
static void
setup_name(const json_t *b, const char *field, size_t max, json_t *out,
    json_t *errors)
{
	const char	*s;

	if (valid_string(b, field, VALID_OPTIONAL, max, &s, errors) != 1)
		return;
	if (*s == '\0')
		valid_error(errors, field, "must be a non-empty text");
	else
		json_object_set_new(out, field, json_string(s));
}

/* "ref": a non-empty text, or null (cleared; only when clearable). */
static void
setup_ref(const json_t *b, int clearable, json_t *out, json_t *errors)
{
	json_t	*v = json_object_get(b, "ref");

	if (v == NULL || (json_is_null(v) && !clearable))
		return;
	if (json_is_null(v)) {
		json_object_set_new(out, "ref", json_null());
		return;
	}
	setup_name(b, "ref", SETUP_REF_MAX, out, errors);
}

/* UTC RFC 3339 text of an instant. */
static void
setup_put_time(json_t *out, const char *field, time_t t)
{
	struct tm	tm;
	char		buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(out, field, json_string(buf));
}

/* An optional instant that null clears; 1 when one was given. */
static int
setup_time(const json_t *b, const char *field, time_t *t, json_t *out,
    json_t *errors)
{
	json_t	*v = json_object_get(b, field);

	if (v != NULL && json_is_null(v)) {
		json_object_set_new(out, field, json_null());
		return 0;
	}
	if (valid_time(b, field, VALID_OPTIONAL, t, errors) != 1)
		return 0;
	setup_put_time(out, field, *t);
	return 1;
}

/* An optional integer in [min, max], copied when valid. */
static void
setup_int(const json_t *b, const char *field, long long min, long long max,
    json_t *out, json_t *errors)
{
	long long	v;

	if (valid_int(b, field, VALID_OPTIONAL, min, max, &v, errors) == 1)
		json_object_set_new(out, field, json_integer(v));
}

/* An optional choice, copied when valid. */
static void
setup_enum(const json_t *b, const char *field, const char *const *choices,
    json_t *out, json_t *errors)
{
	const char	*s;

	if (valid_enum(b, field, VALID_OPTIONAL, choices, &s, errors) == 1)
		json_object_set_new(out, field, json_string(s));
}

/* "delegation" of a token: a code or a positive id. */
static void
setup_token_delegation(const json_t *b, const char *role, json_t *out,
    json_t *errors)
{
	json_t	*v = json_object_get(b, "delegation");

	if (v == NULL || json_is_null(v)) {
		if (role != NULL && strcmp(role, "liaison") == 0)
			valid_error(errors, "delegation", "is required for a liaison token");
		return;
	}
	if (role != NULL && strcmp(role, "secretariat") == 0)
		valid_error(errors, "delegation", "a secretariat token has no delegation");
	else if ((json_is_integer(v) && json_integer_value(v) > 0) ||
	    (json_is_string(v) && decode_code_ok(json_string_value(v)) &&
	    strlen(json_string_value(v)) == json_string_length(v)))
		json_object_set(out, "delegation", v);
	else
		valid_error(errors, "delegation", "must be a delegation code or id");
}

/* POST /conferences/{slug}/tokens */
json_t *
decode_token(const json_t *b, json_t *errors)
{
	static const char *const known[] = { "role", "delegation", "label", NULL };
	const char	*role = NULL, *label;
	size_t		 n = json_array_size(errors);
	json_t		*out, *v;

	if (setup_begin(b, known, errors) != 0)
		return NULL;
	out = json_object();
	v = json_object_get(b, "role");
	if (json_is_string(v) && strcmp(json_string_value(v), "admin") == 0)
		valid_error(errors, "role", "must be secretariat or liaison; "
		    "admin tokens are made with kaigid token create");
	else if (valid_enum(b, "role", VALID_REQUIRED, setup_token_roles,
	    &role, errors) == 1)
		json_object_set_new(out, "role", json_string(role));
	setup_token_delegation(b, role, out, errors);
	if (valid_string(b, "label", VALID_OPTIONAL, SETUP_NAME_MAX, &label,
	    errors) == 1)
		json_object_set_new(out, "label", json_string(label));
	return setup_result(out, errors, n);
}

/* PATCH /venues/{id} */
json_t *
decode_venue_patch(const json_t *b, json_t *errors)
{
	static const char *const known[] = { "name", "address", NULL };
	const char	*addr;
	size_t		 n = json_array_size(errors);
	json_t		*out;

	if (setup_begin(b, known, errors) != 0)
		return NULL;
	out = json_object();
	setup_name(b, "name", SETUP_NAME_MAX, out, errors);
	if (valid_string(b, "address", VALID_OPTIONAL, SETUP_TEXT_MAX, &addr,
	    errors) == 1)
		json_object_set_new(out, "address", json_string(addr));
	return setup_result(out, errors, n);
}

/* PATCH /rooms/{id} */
json_t *
decode_room_patch(const json_t *b, json_t *errors)
{
	static const char *const known[] = { "venue_id", "name", "capacity",
	    "kind", "usable_for_bilaterals", "ref", NULL };
	size_t		 n = json_array_size(errors);
	json_t		*out;
	int		 usable;

	if (setup_begin(b, known, errors) != 0)
		return NULL;
	out = json_object();
	setup_int(b, "venue_id", 1, INT64_MAX, out, errors);
	setup_name(b, "name", SETUP_NAME_MAX, out, errors);
	setup_int(b, "capacity", 1, 100000, out, errors);
	setup_enum(b, "kind", setup_room_kinds, out, errors);
	if (valid_bool(b, "usable_for_bilaterals", VALID_OPTIONAL, &usable,
	    errors) == 1)
		json_object_set_new(out, "usable_for_bilaterals",
		    json_boolean(usable));
	setup_ref(b, 1, out, errors);
	return setup_result(out, errors, n);
}

/* PATCH /delegations/{id} */
json_t *
decode_delegation_patch(const json_t *b, json_t *errors)
{
	static const char *const known[] = { "code", "name", "kind", "ref",
	    "precedence", "role", NULL };
	const char	*code;
	size_t		 n = json_array_size(errors);
	json_t		*out;

	if (setup_begin(b, known, errors) != 0)
		return NULL;
	out = json_object();
	if (valid_string(b, "code", VALID_OPTIONAL, 32, &code, errors) == 1) {
		if (!decode_code_ok(code))
			valid_error(errors, "code", "must be 1-32 letters, digits, "
			    "'_', '.' or '-', starting with a letter or digit");
		else
			json_object_set_new(out, "code", json_string(code));
	}
	setup_name(b, "name", SETUP_NAME_MAX, out, errors);
	setup_enum(b, "kind", setup_delegation_kinds, out, errors);
	setup_ref(b, 1, out, errors);
	decode_precedence_fields(b, out, errors);
	return setup_result(out, errors, n);
}

/* PATCH /participants/{id}/unavailability/{uid} */
json_t *
decode_unavailability_patch(const json_t *b, json_t *errors)
{
	static const char *const known[] = { "start", "end", "reason", NULL };
	const char	*reason;
	time_t		 start = 0, end = 0;
	size_t		 n = json_array_size(errors);
	json_t		*out;
	int		 s, e;

	if (setup_begin(b, known, errors) != 0)
		return NULL;
	out = json_object();
	s = valid_time(b, "start", VALID_OPTIONAL, &start, errors);
	e = valid_time(b, "end", VALID_OPTIONAL, &end, errors);
	if (s == 1 && e == 1 && end <= start)
		valid_error(errors, "end", "must be after start");
	else if (s == 1 && e == 1 &&
	    end - start > SETUP_UNAVAIL_MAX_DAYS * 86400L)
		valid_error(errors, "end", "must be at most %d days after start",
		    SETUP_UNAVAIL_MAX_DAYS);
	if (s == 1)
		setup_put_time(out, "start", start);
	if (e == 1)
		setup_put_time(out, "end", end);
	if (valid_string(b, "reason", VALID_OPTIONAL, SETUP_TEXT_MAX, &reason,
	    errors) == 1)
		json_object_set_new(out, "reason", json_string(reason));
	return setup_result(out, errors, n);
}

/* PATCH /bilaterals/{id} */
json_t *
decode_bilateral_patch(const json_t *b, json_t *errors)
{
	static const char *const known[] = { "duration_minutes", "earliest",
	    "latest", "priority", "level", "topics", "ref", "fixed_start",
	    "after", "confidential", NULL };
	const json_t	*after;
	const char	*topics;
	time_t		 lo = 0, hi = 0, fixed;
	size_t		 n = json_array_size(errors);
	json_t		*out;
	int		 ne, nl, secret;

	if (setup_begin(b, known, errors) != 0)
		return NULL;
	out = json_object();
	setup_int(b, "duration_minutes", 5, 480, out, errors);
	ne = setup_time(b, "earliest", &lo, out, errors);
	nl = setup_time(b, "latest", &hi, out, errors);
	if (ne == 1 && nl == 1 && hi <= lo)
		valid_error(errors, "latest", "must be after earliest");
	setup_int(b, "priority", 1, 5, out, errors);
	setup_enum(b, "level", setup_levels, out, errors);
	if (valid_string(b, "topics", VALID_OPTIONAL, SETUP_TOPICS_MAX, &topics,
	    errors) == 1)
		json_object_set_new(out, "topics", json_string(topics));
	setup_ref(b, 1, out, errors);
	setup_time(b, "fixed_start", &fixed, out, errors);
	if (valid_id_array(b, "after", VALID_OPTIONAL, 100, &after, errors) == 1)
		json_object_set(out, "after", (json_t *)after);
	if (valid_bool(b, "confidential", VALID_OPTIONAL, &secret, errors) == 1)
		json_object_set_new(out, "confidential", json_boolean(secret));
	return setup_result(out, errors, n);
}

/*
 * A create or change decoder of decode-core.c with "ref" as well: the body
 * without "ref" goes to base, "ref" is checked here; one errors array.
 */
static json_t *
setup_with_ref(const json_t *b, json_t *errors, int clearable,
    json_t *(*base)(const json_t *, json_t *))
{
	json_t	*rest, *out, *ref;
	size_t	 n = json_array_size(errors);

	if (!json_is_object(b))
		return base(b, errors);
	ref = json_object();
	rest = json_copy((json_t *)b);
	json_object_del(rest, "ref");
	out = base(rest, errors);
	json_decref(rest);
	setup_ref(b, clearable, ref, errors);
	if (out != NULL && json_array_size(errors) == n)
		json_object_update(out, ref);
	json_decref(ref);
	return setup_result(out, errors, n);
}

/* POST /conferences/{slug}/rooms with ref. */
json_t *
decode_room_with_ref(const json_t *b, json_t *errors)
{
	return setup_with_ref(b, errors, 0, decode_room);
}

/* POST /conferences/{slug}/delegations with ref. */
json_t *
decode_delegation_with_ref(const json_t *b, json_t *errors)
{
	return setup_with_ref(b, errors, 0, decode_delegation);
}

/* POST /conferences/{slug}/participants with ref. */
json_t *
decode_participant_with_ref(const json_t *b, json_t *errors)
{
	return setup_with_ref(b, errors, 0, decode_participant);
}

/* PATCH /participants/{id} with ref (null clears it). */
json_t *
decode_participant_patch_with_ref(const json_t *b, json_t *errors)
{
	return setup_with_ref(b, errors, 1, decode_participant_patch);
}
