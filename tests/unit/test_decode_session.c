/*
 * test_decode_session.c — the pure session decoders: bodies (create and
 * patch), list filters, If-Match.
 */
#include <stdlib.h>
#include <string.h>

#include "decode-session.h"
#include "tap.h"

/* Decode text; return the output (or NULL) and leave the errors in *errs. */
static json_t *
decode(const char *text, int mode, json_t **errs)
{
	json_t	*body = json_loads(text, JSON_DECODE_ANY, NULL), *out;

	*errs = json_array();
	out = session_decode(body, mode, *errs);
	json_decref(body);
	return out;
}

/* The fields named by errors, comma-separated (static buffer). */
static const char *
fields(const json_t *errs)
{
	static char	buf[256];
	size_t		i;

	buf[0] = '\0';
	for (i = 0; i < json_array_size(errs); i++) {
		if (i > 0)
			strcat(buf, ",");
		strcat(buf, json_string_value(json_object_get(
		    json_array_get(errs, i), "field")));
	}
	return buf;
}

/* One body that must fail with exactly these fields. */
static void
bad(const char *text, int mode, const char *want)
{
	json_t	*errs, *out = decode(text, mode, &errs);

	ok(out == NULL, "refused: %s", text);
	is_str(fields(errs), want, "errors name %s", want);
	json_decref(out);
	json_decref(errs);
}

/* Bodies. */
static void
test_bodies(void)
{
	json_t	*errs, *out;

	out = decode("{\"kind\":\"plenary\",\"title\":\"T\",\"room_id\":3,"
	    "\"start\":\"2023-04-29T10:00:00+09:00\",\"end\":\"2023-04-29T11:00:00+09:00\","
	    "\"attendees\":[1,2],\"delegations\":[\"JP\"],\"visibility\":\"conference\"}",
	    SESSION_DECODE_CREATE, &errs);
	ok(out != NULL && json_array_size(errs) == 0, "valid create body");
	is_str(json_string_value(json_object_get(out, "start")), "2023-04-29T01:00:00Z",
	    "start normalised to UTC");
	is_str(json_string_value(json_object_get(out, "end")), "2023-04-29T02:00:00Z",
	    "end normalised to UTC");
	ok(json_integer_value(json_object_get(out, "room_id")) == 3, "room_id kept");
	ok(json_array_size(json_object_get(out, "attendees")) == 2, "attendees kept");
	json_decref(out);
	json_decref(errs);

	bad("{\"kind\":\"party\",\"title\":\"T\",\"start\":\"2023-04-29T10:00:00Z\","
	    "\"end\":\"2023-04-29T11:00:00Z\"}", SESSION_DECODE_CREATE, "kind");
	bad("{\"kind\":\"other\",\"title\":\"T\",\"start\":\"2023-04-29T10:00:00Z\","
	    "\"end\":\"2023-04-29T09:00:00Z\"}", SESSION_DECODE_CREATE, "end");
	bad("{\"kind\":\"other\",\"title\":\"T\",\"start\":\"2023-04-29T10:00:00Z\","
	    "\"end\":\"2023-04-30T10:00:01Z\"}", SESSION_DECODE_CREATE, "end");
	bad("{}", SESSION_DECODE_CREATE, "kind,title,start,end");
	bad("[]", SESSION_DECODE_CREATE, "");
	bad("{\"x\":1,\"title\":\"\"}", SESSION_DECODE_PATCH, "x,title");
	bad("{}", SESSION_DECODE_PATCH, "");
	bad("{\"status\":\"cancelled\"}", SESSION_DECODE_PATCH, "status");
	bad("{\"attendees\":[0]}", SESSION_DECODE_PATCH, "attendees");
	bad("{\"room_id\":\"3\"}", SESSION_DECODE_PATCH, "room_id");
	bad("{\"start\":\"2023-04-29 10:00\"}", SESSION_DECODE_PATCH, "start");

	out = decode("{\"room_id\":null}", SESSION_DECODE_PATCH, &errs);
	ok(out != NULL && json_is_null(json_object_get(out, "room_id")),
	    "patch room_id null removes the room");
	json_decref(out);
	json_decref(errs);
	out = decode("{\"title\":\"New\"}", SESSION_DECODE_PATCH, &errs);
	ok(out != NULL && json_object_size(out) == 1, "patch carries only what changes");
	json_decref(out);
	json_decref(errs);
}

/* Filters and If-Match. */
static void
test_filters(void)
{
	const char	*why;
	json_t		*f;
	long long	 v;

	f = session_decode_filter("2023-04-29T00:00:00 09:00", NULL, "plenary", "7",
	    "JP", &why);
	ok(f != NULL, "valid filters");
	is_str(json_string_value(json_object_get(f, "from")), "2023-04-28T15:00:00Z",
	    "an unencoded + in from is taken as meant");
	ok(json_integer_value(json_object_get(f, "room_id")) == 7, "room_id filter");
	json_decref(f);
	ok(session_decode_filter("yesterday", NULL, NULL, NULL, NULL, &why) == NULL &&
	    why != NULL, "bad from refused");
	ok(session_decode_filter(NULL, NULL, "party", NULL, NULL, &why) == NULL,
	    "bad kind refused");
	ok(session_decode_filter(NULL, NULL, NULL, "-1", NULL, &why) == NULL,
	    "bad room_id refused");
	ok(session_decode_filter(NULL, NULL, NULL, NULL, "", &why) == NULL,
	    "empty delegation refused");

	ok(session_if_match(NULL, &v) == 0 && v == 0, "no If-Match");
	ok(session_if_match("*", &v) == 0 && v == 0, "If-Match *");
	ok(session_if_match("\"12\"", &v) == 0 && v == 12, "If-Match \"12\"");
	ok(session_if_match("W/\"3\"", &v) == 0 && v == 3, "weak If-Match");
	ok(session_if_match("4", &v) == 0 && v == 4, "bare If-Match");
	ok(session_if_match("\"abc\"", &v) == -1, "If-Match naming no version");
	ok(session_if_match("\"\"", &v) == -1, "empty If-Match");
}

int
main(void)
{
	test_bodies();
	test_filters();
	return tap_done();
}
