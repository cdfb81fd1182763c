/*
 * decode-core.c — pure decoders of the core resources' request bodies; see
 * decode-core.h. Built from the valid.h helpers so that one 422 names every
 * bad field; what comes out is the normalised input of a SQL function.
 */
#include <ctype.h>
#include <stdlib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "decode-core.h"
#include "decode-lang.h"
#include "decode-precedence.h"
#include "util.h"
#include "valid.h"

#define DECODE_NAME_MAX		200
#define DECODE_TEXT_MAX		2000
#define DECODE_TRAVEL_MAX	1000
#define DECODE_UNAVAIL_MAX_DAYS	366

static const char *const decode_room_kinds[] = {
	"plenary", "bilateral", "side_event", "other", NULL
};
static const char *const decode_delegation_kinds[] = {
	"member", "invited", "organization", "guest", NULL
};
static const char *const decode_roles[] = {
	"head", "deputy", "member", "staff", "interpreter", NULL
};

/* Conference slug: lowercase letters, digits and dashes, 1..63. */
int
decode_slug_ok(const char *s)
{
	size_t	n = strlen(s);

	if (n < 1 || n > 63 || !(islower((unsigned char)s[0]) ||
	    isdigit((unsigned char)s[0])))
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/* Delegation code: letters, digits, "_.-", 1..32, starting alphanumeric. */
int
decode_code_ok(const char *s)
{
	size_t	n = strlen(s);

	if (n < 1 || n > 32 || !isalnum((unsigned char)s[0]))
		return 0;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_.-") == n;
}

/* local@domain.tld, no spaces or control characters, one @. */
int
decode_email_ok(const char *s)
{
	const char	*at = strchr(s, '@'), *p;

	if (at == NULL || at == s || strchr(at + 1, '@') != NULL ||
	    strlen(s) > 254)
		return 0;
	for (p = s; *p != '\0'; p++) {
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return 0;
	}
	p = strchr(at + 1, '.');
	return p != NULL && p != at + 1 && p[1] != '\0';
}

/* Copy a string member into out when present. */
static void
decode_put_string(json_t *out, const char *field, const char *s)
{
	if (s != NULL)
		json_object_set_new(out, field, json_string(s));
}

/* Hand back out, or NULL when errors has grown since n. */
static json_t *
decode_result(json_t *out, const json_t *errors, size_t n)
{
	if (json_array_size(errors) > n) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/* The start of a decoder: an object with only known members. */
static int
decode_begin(const json_t *body, const char *const *known, json_t *errors)
{
	if (valid_object(body, errors) != 0)
		return -1;
	valid_known(body, known, errors);
	return 0;
}

/* Conference: the dated and clock fields, checked in order. */
static void
decode_conference_times(const json_t *b, int create, json_t *out,
    json_t *errors)
{
	const char	*sd = NULL, *ed = NULL, *ds = NULL, *de = NULL;
	int		 sok, eok, dsok, deok;

	sok = valid_date(b, "start_date", create, &sd, errors);
	eok = valid_date(b, "end_date", create, &ed, errors);
	if (sok == 1 && eok == 1 && strcmp(ed, sd) < 0)
		valid_error(errors, "end_date", "is before start_date");
	dsok = valid_clock(b, "day_start", VALID_OPTIONAL, &ds, errors);
	deok = valid_clock(b, "day_end", VALID_OPTIONAL, &de, errors);
	if (create && dsok == 0)
		ds = "08:00", dsok = 1;
	if (create && deok == 0)
		de = "20:00", deok = 1;
	if (dsok == 1 && deok == 1 && strcmp(de, ds) <= 0)
		valid_error(errors, "day_end", "must be after day_start");
	decode_put_string(out, "start_date", sd);
	decode_put_string(out, "end_date", ed);
	decode_put_string(out, "day_start", ds);
	decode_put_string(out, "day_end", de);
}

/* POST /conferences (create) or PATCH /conferences/{slug}. */
json_t *
decode_conference(const json_t *b, int create, json_t *errors)
{
	static const char *const known[] = { "slug", "title", "timezone",
	    "start_date", "end_date", "location", "changeover_minutes",
	    "day_start", "day_end", "publish", "languages", "precedence_rule",
	    NULL };
	static const char *const publish[] = { "live", "release", NULL };
	const char	*slug = NULL, *title = NULL, *tz = NULL, *loc = NULL;
	const char	*pub = NULL;
	long long	 change = 10;
	size_t		 n = json_array_size(errors);
	json_t		*out;
	int		 rc;

	if (decode_begin(b, known, errors) != 0)
		return NULL;
	out = json_object();
	if (valid_string(b, "slug", create, 63, &slug, errors) == 1) {
		if (!create)
			valid_error(errors, "slug", "cannot be changed");
		else if (!decode_slug_ok(slug))
			valid_error(errors, "slug",
			    "must be 1-63 lowercase letters, digits or dashes, not starting with a dash");
	}
	if (valid_string(b, "title", create, DECODE_NAME_MAX, &title, errors) == 1 &&
	    *title == '\0')
		valid_error(errors, "title", "must be a non-empty text");
	valid_timezone(b, "timezone", create, &tz, errors);
	valid_string(b, "location", VALID_OPTIONAL, DECODE_NAME_MAX, &loc, errors);
	rc = valid_int(b, "changeover_minutes", VALID_OPTIONAL, 0, 240, &change,
	    errors);
	decode_conference_times(b, create, out, errors);
	if (valid_enum(b, "publish", VALID_OPTIONAL, publish, &pub, errors) == 1 &&
	    create)
		valid_error(errors, "publish", "is set by PATCH once the conference exists");
	decode_put_string(out, "publish", pub);
	decode_languages(b, out, errors);
	decode_precedence_rule(b, create, out, errors);
	decode_put_string(out, "slug", slug);
	decode_put_string(out, "title", title);
	decode_put_string(out, "timezone", tz);
	decode_put_string(out, "location", loc);
	if (create || rc == 1)
		json_object_set_new(out, "changeover_minutes", json_integer(change));
	return decode_result(out, errors, n);
}

/* POST /conferences/{slug}/venues */
json_t *
decode_venue(const json_t *b, json_t *errors)
{
	static const char *const known[] = { "name", "address", NULL };
	const char	*name = NULL, *addr = NULL;
	size_t		 n = json_array_size(errors);
	json_t		*out;

	if (decode_begin(b, known, errors) != 0)
		return NULL;
	out = json_object();
	valid_string(b, "name", VALID_REQUIRED, DECODE_NAME_MAX, &name, errors);
	valid_string(b, "address", VALID_OPTIONAL, DECODE_TEXT_MAX, &addr, errors);
	decode_put_string(out, "name", name);
	decode_put_string(out, "address", addr);
	return decode_result(out, errors, n);
}

/* POST /conferences/{slug}/rooms; kind defaults to "other". */
json_t *
decode_room(const json_t *b, json_t *errors)
{
	static const char *const known[] = { "venue_id", "name", "capacity",
	    "kind", "usable_for_bilaterals", NULL };
	const char	*name = NULL, *kind = "other";
	long long	 venue = 0, cap = 0;
	size_t		 n = json_array_size(errors);
	json_t		*out;
	int		 usable = 0, urc;

	if (decode_begin(b, known, errors) != 0)
		return NULL;
	out = json_object();
	valid_int(b, "venue_id", VALID_REQUIRED, 1, INT64_MAX, &venue, errors);
	valid_string(b, "name", VALID_REQUIRED, DECODE_NAME_MAX, &name, errors);
	valid_int(b, "capacity", VALID_REQUIRED, 1, 100000, &cap, errors);
	valid_enum(b, "kind", VALID_OPTIONAL, decode_room_kinds, &kind, errors);
	urc = valid_bool(b, "usable_for_bilaterals", VALID_OPTIONAL, &usable,
	    errors);
	if (urc == 0)
		usable = strcmp(kind, "bilateral") == 0;
	json_object_set_new(out, "venue_id", json_integer(venue));
	decode_put_string(out, "name", name);
	json_object_set_new(out, "capacity", json_integer(cap));
	decode_put_string(out, "kind", kind);
	json_object_set_new(out, "usable_for_bilaterals", json_boolean(usable));
	return decode_result(out, errors, n);
}

/* Index of the pair (from, to) in the decoded array, or -1. */
static int
decode_travel_find(const json_t *arr, json_int_t from, json_int_t to)
{
	size_t	 i;
	json_t	*e;

	json_array_foreach(arr, i, e) {
		if (json_integer_value(json_object_get(e, "from_venue_id")) == from &&
		    json_integer_value(json_object_get(e, "to_venue_id")) == to)
			return (int)i;
	}
	return -1;
}

/* One travel-time entry at index i; appended to out when valid. */
static void
decode_travel_one(const json_t *e, size_t i, json_t *out, json_t *errors)
{
	static const char *const known[] = { "from_venue_id", "to_venue_id",
	    "minutes", NULL };
	long long	 from = 0, to = 0, min = 0;
	size_t		 n = json_array_size(errors), k;
	json_t		*item;
	char		 field[64], *name;

	if (!json_is_object(e)) {
		snprintf(field, sizeof field, "[%zu]", i);
		valid_error(errors, field, "must be an object {from_venue_id, to_venue_id, minutes}");
		return;
	}
	decode_begin(e, known, errors);
	valid_int(e, "from_venue_id", VALID_REQUIRED, 1, INT64_MAX, &from, errors);
	valid_int(e, "to_venue_id", VALID_REQUIRED, 1, INT64_MAX, &to, errors);
	valid_int(e, "minutes", VALID_REQUIRED, 0, 1440, &min, errors);
	if (json_array_size(errors) == n && from == to)
		valid_error(errors, "to_venue_id", "must differ from from_venue_id");
	if (json_array_size(errors) == n && decode_travel_find(out, from, to) >= 0)
		valid_error(errors, "to_venue_id", "pair %lld -> %lld is given twice", from, to);
	for (k = n; k < json_array_size(errors); k++) {
		/* The whole key: a fixed buffer would cut it inside a character. */
		item = json_array_get(errors, k);
		name = xasprintf("[%zu].%s", i,
		    json_string_value(json_object_get(item, "field")));
		json_object_set_new(item, "field", json_string(name));
		free(name);
	}
	if (json_array_size(errors) == n)
		json_array_append_new(out, json_pack("{s:I, s:I, s:I}",
		    "from_venue_id", (json_int_t)from, "to_venue_id", (json_int_t)to,
		    "minutes", (json_int_t)min));
}

/* PUT /conferences/{slug}/travel-times: symmetric unless both given. */
json_t *
decode_travel_times(const json_t *b, json_t *errors)
{
	const json_t	*arr = b;
	size_t		 n = json_array_size(errors), i, given;
	json_t		*out, *e;

	if (json_is_object(b) && json_object_size(b) == 1 &&
	    json_is_array(json_object_get(b, "items")))
		arr = json_object_get(b, "items");
	if (!json_is_array(arr) || json_array_size(arr) > DECODE_TRAVEL_MAX) {
		valid_error(errors, "", "the body must be an array of at most %d "
		    "{from_venue_id, to_venue_id, minutes}", DECODE_TRAVEL_MAX);
		return NULL;
	}
	out = json_array();
	json_array_foreach(arr, i, e)
		decode_travel_one(e, i, out, errors);
	given = json_array_size(out);
	for (i = 0; i < given; i++) {
		e = json_array_get(out, i);
		if (decode_travel_find(out,
		    json_integer_value(json_object_get(e, "to_venue_id")),
		    json_integer_value(json_object_get(e, "from_venue_id"))) < 0)
			json_array_append_new(out, json_pack("{s:O, s:O, s:O}",
			    "from_venue_id", json_object_get(e, "to_venue_id"),
			    "to_venue_id", json_object_get(e, "from_venue_id"),
			    "minutes", json_object_get(e, "minutes")));
	}
	return decode_result(out, errors, n);
}

/* POST /conferences/{slug}/delegations */
json_t *
decode_delegation(const json_t *b, json_t *errors)
{
	static const char *const known[] = { "code", "name", "kind",
	    "precedence", "role", NULL };
	const char	*code = NULL, *name = NULL, *kind = NULL;
	size_t		 n = json_array_size(errors);
	json_t		*out;

	if (decode_begin(b, known, errors) != 0)
		return NULL;
	out = json_object();
	if (valid_string(b, "code", VALID_REQUIRED, 32, &code, errors) == 1 &&
	    !decode_code_ok(code))
		valid_error(errors, "code",
		    "must be 1-32 letters, digits, '_', '.' or '-', starting with a letter or digit");
	valid_string(b, "name", VALID_REQUIRED, DECODE_NAME_MAX, &name, errors);
	valid_enum(b, "kind", VALID_REQUIRED, decode_delegation_kinds, &kind, errors);
	decode_put_string(out, "code", code);
	decode_put_string(out, "name", name);
	decode_put_string(out, "kind", kind);
	decode_precedence_fields(b, out, errors);
	return decode_result(out, errors, n);
}

/* "delegation": a code (string) or an id (positive integer). */
static void
decode_delegation_ref(const json_t *b, json_t *out, json_t *errors)
{
	json_t	*v = json_object_get(b, "delegation");

	if (v == NULL || json_is_null(v))
		valid_error(errors, "delegation", "is required");
	else if (json_is_integer(v) && json_integer_value(v) > 0)
		json_object_set(out, "delegation", v);
	else if (json_is_string(v) && decode_code_ok(json_string_value(v)) &&
	    strlen(json_string_value(v)) == json_string_length(v))
		json_object_set(out, "delegation", v);
	else
		valid_error(errors, "delegation", "must be a delegation code or id");
}

/* POST /conferences/{slug}/participants */
json_t *
decode_participant(const json_t *b, json_t *errors)
{
	static const char *const known[] = { "delegation", "name", "title",
	    "role", "email", "timezone", NULL };
	const char	*name = NULL, *title = NULL, *role = NULL, *email = NULL;
	const char	*tz = NULL;
	size_t		 n = json_array_size(errors);
	json_t		*out;

	if (decode_begin(b, known, errors) != 0)
		return NULL;
	out = json_object();
	decode_delegation_ref(b, out, errors);
	valid_string(b, "name", VALID_REQUIRED, DECODE_NAME_MAX, &name, errors);
	valid_string(b, "title", VALID_OPTIONAL, DECODE_NAME_MAX, &title, errors);
	valid_enum(b, "role", VALID_REQUIRED, decode_roles, &role, errors);
	if (valid_string(b, "email", VALID_OPTIONAL, 254, &email, errors) == 1 &&
	    !decode_email_ok(email))
		valid_error(errors, "email", "is not an e-mail address");
	valid_timezone(b, "timezone", VALID_OPTIONAL, &tz, errors);
	decode_put_string(out, "name", name);
	decode_put_string(out, "title", title);
	decode_put_string(out, "role", role);
	decode_put_string(out, "email", email);
	decode_put_string(out, "timezone", tz);
	return decode_result(out, errors, n);
}

/* An optional text that JSON null clears: copied, or null when cleared. */
static void
decode_clearable(const json_t *b, const char *field, json_t *out)
{
	json_t	*v = json_object_get(b, field);

	if (v != NULL && json_is_null(v))
		json_object_set_new(out, field, json_null());
}

/* PATCH /participants/{id}: name, title, role, email, timezone. */
json_t *
decode_participant_patch(const json_t *b, json_t *errors)
{
	static const char *const known[] = { "delegation", "name", "title",
	    "role", "email", "timezone", NULL };
	const char	*name = NULL, *title = NULL, *role = NULL, *email = NULL;
	const char	*tz = NULL;
	size_t		 n = json_array_size(errors);
	json_t		*out;

	if (decode_begin(b, known, errors) != 0)
		return NULL;
	out = json_object();
	if (json_object_get(b, "delegation") != NULL)
		valid_error(errors, "delegation", "cannot be changed");
	if (valid_string(b, "name", VALID_OPTIONAL, DECODE_NAME_MAX, &name,
	    errors) == 1 && *name == '\0')
		valid_error(errors, "name", "must be a non-empty text");
	valid_string(b, "title", VALID_OPTIONAL, DECODE_NAME_MAX, &title, errors);
	valid_enum(b, "role", VALID_OPTIONAL, decode_roles, &role, errors);
	if (valid_string(b, "email", VALID_OPTIONAL, 254, &email, errors) == 1 &&
	    !decode_email_ok(email))
		valid_error(errors, "email", "is not an e-mail address");
	valid_timezone(b, "timezone", VALID_OPTIONAL, &tz, errors);
	decode_put_string(out, "name", name);
	decode_put_string(out, "title", title);
	decode_put_string(out, "role", role);
	decode_put_string(out, "email", email);
	decode_put_string(out, "timezone", tz);
	decode_clearable(b, "email", out);
	decode_clearable(b, "timezone", out);
	return decode_result(out, errors, n);
}

/* UTC RFC 3339 text of an instant. */
static void
decode_put_time(json_t *out, const char *field, time_t t)
{
	struct tm	tm;
	char		buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(out, field, json_string(buf));
}

/* POST /participants/{id}/unavailability */
json_t *
decode_unavailability(const json_t *b, json_t *errors)
{
	static const char *const known[] = { "start", "end", "reason", NULL };
	const char	*reason = NULL;
	time_t		 start = 0, end = 0;
	size_t		 n = json_array_size(errors);
	json_t		*out;
	int		 s, e;

	if (decode_begin(b, known, errors) != 0)
		return NULL;
	out = json_object();
	s = valid_time(b, "start", VALID_REQUIRED, &start, errors);
	e = valid_time(b, "end", VALID_REQUIRED, &end, errors);
	if (s == 1 && e == 1 && end <= start)
		valid_error(errors, "end", "must be after start");
	else if (s == 1 && e == 1 && end - start > DECODE_UNAVAIL_MAX_DAYS * 86400L)
		valid_error(errors, "end", "must be at most %d days after start",
		    DECODE_UNAVAIL_MAX_DAYS);
	valid_string(b, "reason", VALID_OPTIONAL, DECODE_TEXT_MAX, &reason, errors);
	decode_put_time(out, "start", start);
	decode_put_time(out, "end", end);
	decode_put_string(out, "reason", reason);
	return decode_result(out, errors, n);
}
