/*
 * decode-session.c — pure decoders for the session API (see
 * decode-session.h): request bodies, list filters, If-Match.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode-attendance.h"
#include "decode-interp.h"
#include "decode-lang.h"
#include "decode-session.h"
#include "util.h"
#include "valid.h"

#define SESSION_MAX_SECONDS	(24 * 3600)
#define SESSION_REF_MAX		100		/* as decode-setup.c */
#define SESSION_ATTENDANCE_MAX	1000000

static const char *const session_kinds[] = {
	"plenary", "bilateral", "side_event", "working_meal", "press", "other",
	NULL
};
static const char *const session_statuses[] = {
	"tentative", "confirmed", NULL
};
static const char *const session_visibilities[] = {
	"public", "conference", "restricted", "confidential", NULL
};
static const char *const session_fields[] = {
	"kind", "title", "description", "room_id", "start", "end", "status",
	"visibility", "attendees", "delegations", "ref", "expected_attendance",
	"titles", "descriptions", "capacity", "interpretation", "interpreters",
	NULL
};

/* UTC RFC 3339 text of t. */
static json_t *
session_utc(time_t t)
{
	struct tm	tm;
	char		buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

/* Copy a string member into out when valid. */
static void
session_copy_string(json_t *out, const char *field, const char *value)
{
	if (value != NULL)
		json_object_set_new(out, field, json_string(value));
}

/* start/end: each an instant; together end after start, at most 24 h. */
static void
session_decode_times(const json_t *body, int required, json_t *out,
    json_t *errors)
{
	time_t	st = 0, en = 0;
	int	hs, he;

	hs = valid_time(body, "start", required, &st, errors);
	he = valid_time(body, "end", required, &en, errors);
	if (hs == 1)
		json_object_set_new(out, "start", session_utc(st));
	if (he == 1)
		json_object_set_new(out, "end", session_utc(en));
	if (hs == 1 && he == 1) {
		if (en <= st)
			valid_error(errors, "end", "must be after start");
		else if (en - st > SESSION_MAX_SECONDS)
			valid_error(errors, "end", "a session lasts at most 24 hours");
	}
}

/* room_id: an id, or (PATCH) null to remove the room. */
static void
session_decode_room(const json_t *body, int mode, json_t *out, json_t *errors)
{
	json_t		*v = json_object_get(body, "room_id");
	long long	 id;

	if (v != NULL && json_is_null(v)) {
		if (mode == SESSION_DECODE_PATCH)
			json_object_set_new(out, "room_id", json_null());
		return;
	}
	if (valid_int(body, "room_id", VALID_OPTIONAL, 1, 1LL << 53, &id,
	    errors) == 1)
		json_object_set_new(out, "room_id", json_integer(id));
}

/* attendees (participant ids or attendance objects) and delegations (codes). */
static void
session_decode_members(const json_t *body, json_t *out, json_t *errors)
{
	const json_t	*d = NULL;

	attendance_decode(body, out, errors);
	if (valid_string_array(body, "delegations", VALID_OPTIONAL, 100, 32, &d,
	    errors) == 1)
		json_object_set_new(out, "delegations", json_deep_copy(d));
	else if (json_is_null(json_object_get(body, "delegations")))
		json_object_set_new(out, "delegations", json_array());
}

/* ref (a non-empty text), expected_attendance and capacity (counts); in a
 * PATCH null clears each. */
static void
session_decode_extra(const json_t *body, int mode, json_t *out,
    json_t *errors)
{
	const char	*ref;
	long long	 n;

	if (mode == SESSION_DECODE_PATCH &&
	    json_is_null(json_object_get(body, "ref")))
		json_object_set_new(out, "ref", json_null());
	else if (valid_string(body, "ref", VALID_OPTIONAL, SESSION_REF_MAX, &ref,
	    errors) == 1) {
		if (*ref == '\0')
			valid_error(errors, "ref", "must be a non-empty text");
		else
			json_object_set_new(out, "ref", json_string(ref));
	}
	if (mode == SESSION_DECODE_PATCH &&
	    json_is_null(json_object_get(body, "expected_attendance")))
		json_object_set_new(out, "expected_attendance", json_null());
	else if (valid_int(body, "expected_attendance", VALID_OPTIONAL, 0,
	    SESSION_ATTENDANCE_MAX, &n, errors) == 1)
		json_object_set_new(out, "expected_attendance", json_integer(n));
	/* Seats for registration (sql/180_registrations.sql); null: the room's. */
	if (mode == SESSION_DECODE_PATCH &&
	    json_is_null(json_object_get(body, "capacity")))
		json_object_set_new(out, "capacity", json_null());
	else if (valid_int(body, "capacity", VALID_OPTIONAL, 0,
	    SESSION_ATTENDANCE_MAX, &n, errors) == 1)
		json_object_set_new(out, "capacity", json_integer(n));
}

/* Decode a POST or PATCH body. */
json_t *
session_decode(const json_t *body, int mode, json_t *errors)
{
	int		 req = mode == SESSION_DECODE_CREATE ?
			    VALID_REQUIRED : VALID_OPTIONAL;
	const char	*kind = NULL, *title = NULL, *descr = NULL;
	const char	*status = NULL, *vis = NULL;
	size_t		 before = json_array_size(errors);
	json_t		*out;

	if (valid_object(body, errors) != 0)
		return NULL;
	out = json_object();
	valid_known(body, session_fields, errors);
	valid_enum(body, "kind", req, session_kinds, &kind, errors);
	if (valid_string(body, "title", req, 500, &title, errors) == 1 &&
	    *title == '\0')
		valid_error(errors, "title", "must be a non-empty text");
	valid_string(body, "description", VALID_OPTIONAL, 20000, &descr, errors);
	decode_lang_texts(body, "titles", 500, 1, out, errors);
	decode_lang_texts(body, "descriptions", 20000, 0, out, errors);
	if (json_is_string(json_object_get(body, "status")) && strcmp("cancelled",
	    json_string_value(json_object_get(body, "status"))) == 0)
		valid_error(errors, "status",
		    "cancel with POST /api/v1/sessions/{id}/cancel");
	else
		valid_enum(body, "status", VALID_OPTIONAL, session_statuses,
		    &status, errors);
	valid_enum(body, "visibility", VALID_OPTIONAL, session_visibilities,
	    &vis, errors);
	session_decode_room(body, mode, out, errors);
	session_decode_times(body, req, out, errors);
	session_decode_members(body, out, errors);
	session_decode_extra(body, mode, out, errors);
	decode_interp_session(body, mode == SESSION_DECODE_PATCH, out, errors);
	session_copy_string(out, "kind", kind);
	session_copy_string(out, "title", title);
	session_copy_string(out, "description", descr);
	session_copy_string(out, "status", status);
	session_copy_string(out, "visibility", vis);
	if (json_array_size(errors) == before && json_object_size(out) == 0)
		valid_error(errors, "", "nothing to change");
	if (json_array_size(errors) != before) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/* One RFC 3339 query value into filter as UTC text; -1 if malformed. */
static int
session_filter_time(json_t *filter, const char *name, const char *value)
{
	time_t	 t;
	char	 buf[64];
	size_t	 n;

	if (value == NULL)
		return 0;
	/* An unencoded "+09:00" arrives as " 09:00": take it as meant. */
	if ((n = strlen(value)) >= sizeof buf)
		return -1;
	memcpy(buf, value, n + 1);
	if (n > 6 && buf[n - 6] == ' ')
		buf[n - 6] = '+';
	if (valid_parse_rfc3339(buf, &t) != 0)
		return -1;
	json_object_set_new(filter, name, session_utc(t));
	return 0;
}

/* Is s one of the NULL-terminated names? */
static int
session_in(const char *s, const char *const *names)
{
	for (; *names != NULL; names++)
		if (strcmp(s, *names) == 0)
			return 1;
	return 0;
}

/* Decode the list filters. */
json_t *
session_decode_filter(const char *from, const char *to, const char *kind,
    const char *room_id, const char *delegation, const char **why)
{
	json_t		*f = json_object();
	long long	 id;

	*why = NULL;
	if (session_filter_time(f, "from", from) != 0)
		*why = "from must be an RFC 3339 time with offset";
	else if (session_filter_time(f, "to", to) != 0)
		*why = "to must be an RFC 3339 time with offset";
	else if (kind != NULL && !session_in(kind, session_kinds))
		*why = "kind must be plenary, bilateral, side_event, working_meal, press or other";
	else if (room_id != NULL && parse_id(room_id, &id) != 0)
		*why = "room_id must be a room id";
	else if (delegation != NULL && (*delegation == '\0' ||
	    strlen(delegation) > 32))
		*why = "delegation must be a delegation code";
	if (*why != NULL) {
		json_decref(f);
		return NULL;
	}
	if (kind != NULL)
		json_object_set_new(f, "kind", json_string(kind));
	if (room_id != NULL)
		json_object_set_new(f, "room_id", json_integer(id));
	if (delegation != NULL)
		json_object_set_new(f, "delegation", json_string(delegation));
	return f;
}

/* Parse If-Match. */
int
session_if_match(const char *h, long long *version)
{
	char		 buf[32];
	size_t		 n;

	*version = 0;
	if (h == NULL)
		return 0;
	while (*h == ' ' || *h == '\t')
		h++;
	if (strcmp(h, "*") == 0)
		return 0;
	if (strncmp(h, "W/", 2) == 0)
		h += 2;
	n = strlen(h);
	while (n > 0 && (h[n - 1] == ' ' || h[n - 1] == '\t'))
		n--;
	if (n >= 2 && h[0] == '"' && h[n - 1] == '"') {
		h++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof buf)
		return -1;
	memcpy(buf, h, n);
	buf[n] = '\0';
	if (parse_id(buf, version) != 0 || *version > 2147483647LL)
		return -1;
	return 0;
}
