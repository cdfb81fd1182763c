/*
 * test_valid.c — the request-body checks of server/valid.c and the decoders
 * of the core resources (server/decode-core.c): accepted values, every
 * rejected one naming its field, defaults, normalised output, and the
 * symmetric completion of travel times.
 */
#include <stdlib.h>

#include "decode-core.h"
#include "decode-run.h"
#include "tap.h"
#include "valid.h"

/* Run a decoder on body text; return the fields it names ("<none>" when none). */
static const char *
decode_fields(json_t *(*fn)(const json_t *, json_t *), const char *text)
{
	json_t	*b = j(text), *errors = json_array(), *out;
	const char *f;

	out = fn(b, errors);
	f = json_array_size(errors) == 0 ? "<none>" : errors_fields(errors);
	if ((out == NULL) != (json_array_size(errors) > 0))
		f = "(result and errors disagree)";
	json_decref(out);
	json_decref(errors);
	json_decref(b);
	return f;
}

/* valid_string, valid_int, valid_bool, valid_enum, valid_known, valid_object */
static void
test_scalars(void)
{
	static const char *const kinds[] = { "a", "b", NULL };
	static const char *const known[] = { "s", NULL };
	json_t		*o = j("{\"s\":\"hi\",\"e\":\"\",\"n\":5,\"b\":true,\"c\":\"a\\u0001\",\"x\":null}");
	json_t		*errors = json_array(), *arr = j("[[]]");
	const char	*s = NULL;
	long long	 n = 0;
	int		 b = 0;

	ok(valid_string(o, "s", VALID_REQUIRED, 10, &s, errors) == 1 && strcmp(s, "hi") == 0, "string read");
	ok(valid_string(o, "s", VALID_REQUIRED, 1, &s, errors) == -1, "string too long");
	ok(valid_string(o, "e", VALID_REQUIRED, 10, &s, errors) == -1, "empty required string refused");
	ok(valid_string(o, "e", VALID_OPTIONAL, 10, &s, errors) == 1, "empty optional string accepted");
	ok(valid_string(o, "c", VALID_REQUIRED, 10, &s, errors) == -1, "control character refused");
	ok(valid_string(o, "n", VALID_REQUIRED, 10, &s, errors) == -1, "number is not a string");
	ok(valid_string(o, "x", VALID_OPTIONAL, 10, &s, errors) == 0, "null optional is absent");
	ok(valid_string(o, "x", VALID_REQUIRED, 10, &s, errors) == -1, "null required is missing");
	ok(valid_int(o, "n", VALID_REQUIRED, 1, 5, &n, errors) == 1 && n == 5, "int at the bound");
	ok(valid_int(o, "n", VALID_REQUIRED, 6, 9, &n, errors) == -1, "int below min");
	ok(valid_int(o, "s", VALID_REQUIRED, 0, 9, &n, errors) == -1, "string is not an int");
	ok(valid_int(o, "zz", VALID_OPTIONAL, 0, 9, &n, errors) == 0, "absent optional int");
	ok(valid_bool(o, "b", VALID_REQUIRED, &b, errors) == 1 && b == 1, "bool read");
	ok(valid_bool(o, "n", VALID_REQUIRED, &b, errors) == -1, "number is not a bool");
	ok(valid_enum(o, "c", VALID_REQUIRED, kinds, &s, errors) == -1, "enum with control char refused");
	ok(valid_enum(o, "s", VALID_REQUIRED, kinds, &s, errors) == -1, "enum value not in the list");
	json_object_set_new(o, "k", json_string("b"));
	ok(valid_enum(o, "k", VALID_REQUIRED, kinds, &s, errors) == 1 && strcmp(s, "b") == 0, "enum read");
	json_array_clear(errors);
	valid_known(o, known, errors);
	ok(json_array_size(errors) == json_object_size(o) - 1, "valid_known names every unknown member");
	json_array_clear(errors);
	ok(valid_object(json_array_get(arr, 0), errors) == -1 && json_array_size(errors) == 1,
	    "an array is not an object");
	json_decref(arr);
	json_decref(errors);
	json_decref(o);
}

/* valid_parse_rfc3339, valid_date, valid_clock, valid_zone_exists */
static void
test_times(void)
{
	time_t	t = 0;

	ok(valid_parse_rfc3339("2023-04-29T10:00:00+09:00", &t) == 0 && t == 1682730000,
	    "RFC 3339 with +09:00");
	ok(valid_parse_rfc3339("2023-04-29T01:00:00Z", &t) == 0 && t == 1682730000, "with Z");
	ok(valid_parse_rfc3339("2023-04-29T01:00:00.250Z", &t) == 0 && t == 1682730000,
	    "fractional seconds");
	ok(valid_parse_rfc3339("2023-04-28T20:30:00-04:30", &t) == 0 && t == 1682730000,
	    "negative offset with minutes");
	ok(valid_parse_rfc3339("2024-02-29T00:00:00Z", &t) == 0, "leap day");
	ok(valid_parse_rfc3339("2023-02-29T00:00:00Z", &t) == -1, "no leap day in 2023");
	ok(valid_parse_rfc3339("2023-04-29T10:00:00", &t) == -1, "no offset refused");
	ok(valid_parse_rfc3339("2023-04-29 10:00:00Z", &t) == -1, "space instead of T refused");
	ok(valid_parse_rfc3339("2023-04-29T24:00:00Z", &t) == -1, "hour 24 refused");
	ok(valid_parse_rfc3339("2023-04-29T10:00:00+09:00x", &t) == -1, "trailing text refused");
	ok(valid_parse_rfc3339("", &t) == -1, "empty refused");
	ok(valid_zone_exists("Asia/Tokyo"), "Asia/Tokyo is a zone");
	ok(valid_zone_exists("America/Argentina/Buenos_Aires"), "three-part zone");
	ok(valid_zone_exists("UTC"), "UTC is a zone");
	ok(!valid_zone_exists("Mars/Olympus"), "no Mars/Olympus");
	ok(!valid_zone_exists("../../etc/passwd"), "no path tricks");
	ok(!valid_zone_exists("/etc/localtime"), "no absolute paths");
	ok(!valid_zone_exists("posix/Asia/Tokyo"), "no posix/ tree");
	ok(!valid_zone_exists("zone.tab"), "no data files");
	ok(!valid_zone_exists(""), "empty is no zone");
	ok(!valid_zone_exists("Asia"), "a zoneinfo directory is no zone");
	ok(!valid_zone_exists("localtime") && !valid_zone_exists("posixrules") &&
	    !valid_zone_exists("Factory"), "localtime, posixrules, Factory are no zones");
}

/* valid_date, valid_clock, valid_timezone, valid_time through JSON */
static void
test_time_fields(void)
{
	json_t		*o = j("{\"d\":\"2023-04-29\",\"bd\":\"2023-13-01\",\"c\":\"24:00\","
			    "\"bc\":\"24:01\",\"c2\":\"7:00\",\"z\":\"Europe/Rome\",\"bz\":\"JST\","
			    "\"t\":\"2023-04-29T10:00:00+09:00\",\"bt\":\"2023-04-29\"}");
	json_t		*errors = json_array();
	const char	*s;
	time_t		 t;

	ok(valid_date(o, "d", VALID_REQUIRED, &s, errors) == 1, "date read");
	ok(valid_date(o, "bd", VALID_REQUIRED, &s, errors) == -1, "month 13 refused");
	ok(valid_clock(o, "c", VALID_REQUIRED, &s, errors) == 1, "24:00 is an end of day");
	ok(valid_clock(o, "bc", VALID_REQUIRED, &s, errors) == -1, "24:01 refused");
	ok(valid_clock(o, "c2", VALID_REQUIRED, &s, errors) == -1, "H:MM refused");
	ok(valid_timezone(o, "z", VALID_REQUIRED, &s, errors) == 1, "Europe/Rome accepted");
	ok(valid_timezone(o, "bz", VALID_REQUIRED, &s, errors) == -1, "abbreviation JST refused");
	ok(valid_time(o, "t", VALID_REQUIRED, &t, errors) == 1 && t == 1682730000, "time read");
	ok(valid_time(o, "bt", VALID_REQUIRED, &t, errors) == -1, "a date is not a time");
	is_str(errors_fields(errors), "bd,bc,c2,bz,bt", "each failure named its field");
	json_decref(errors);
	json_decref(o);
}

/* valid_id_array, valid_string_array */
static void
test_arrays(void)
{
	json_t		*o = j("{\"ids\":[1,2,3],\"bad\":[1,0],\"neg\":[-1],\"s\":[\"JP\",\"CA\"],"
			    "\"bs\":[\"JP\",\"\"],\"num\":5}");
	json_t		*errors = json_array();
	const json_t	*a;

	ok(valid_id_array(o, "ids", VALID_REQUIRED, 10, &a, errors) == 1 && json_array_size(a) == 3,
	    "id array read");
	ok(valid_id_array(o, "ids", VALID_REQUIRED, 2, &a, errors) == -1, "id array too long");
	ok(valid_id_array(o, "bad", VALID_REQUIRED, 10, &a, errors) == -1, "id 0 refused");
	ok(valid_id_array(o, "neg", VALID_REQUIRED, 10, &a, errors) == -1, "negative id refused");
	ok(valid_id_array(o, "num", VALID_REQUIRED, 10, &a, errors) == -1, "a number is not an array");
	ok(valid_string_array(o, "s", VALID_REQUIRED, 5, 8, &a, errors) == 1, "string array read");
	ok(valid_string_array(o, "bs", VALID_REQUIRED, 5, 8, &a, errors) == -1, "empty item refused");
	ok(valid_string_array(o, "none", VALID_OPTIONAL, 5, 8, &a, errors) == 0, "absent optional");
	json_decref(errors);
	json_decref(o);
}

/* decode_slug_ok, decode_code_ok, decode_email_ok */
static void
test_names(void)
{
	ok(decode_slug_ok("g7-digital-2023"), "slug with dashes");
	ok(!decode_slug_ok("-x") && !decode_slug_ok("") && !decode_slug_ok("G7"), "bad slugs");
	ok(!decode_slug_ok("a b") && !decode_slug_ok("a_b"), "no spaces or underscores in slugs");
	ok(decode_code_ok("JP") && decode_code_ok("OECD") && decode_code_ok("x.y-z_1"), "codes");
	ok(!decode_code_ok("") && !decode_code_ok("-JP") && !decode_code_ok("J P"), "bad codes");
	ok(!decode_code_ok("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456"), "33-byte code refused");
	ok(decode_email_ok("kono@digital.go.jp"), "e-mail address");
	ok(!decode_email_ok("kono") && !decode_email_ok("@x.jp") && !decode_email_ok("a@b"),
	    "not addresses");
	ok(!decode_email_ok("a@@b.jp") && !decode_email_ok("a b@c.jp") && !decode_email_ok("a@.jp"),
	    "more non-addresses");
}

/* decode_conference (create) with the create flag. */
static json_t *
conf_create(const json_t *b, json_t *errors)
{
	return decode_conference(b, DECODE_CREATE, errors);
}

/* decode_conference (patch). */
static json_t *
conf_patch(const json_t *b, json_t *errors)
{
	return decode_conference(b, DECODE_PATCH, errors);
}

/* decode_conference: defaults, every error, patch rules. */
static void
test_conference(void)
{
	json_t	*b = j("{\"slug\":\"x\",\"title\":\"X\",\"timezone\":\"Asia/Tokyo\","
		    "\"start_date\":\"2025-01-01\",\"end_date\":\"2025-01-01\"}");
	json_t	*errors = json_array(), *out = decode_conference(b, DECODE_CREATE, errors);

	ok(out != NULL && json_array_size(errors) == 0, "minimal conference decodes");
	ok(json_integer_value(json_object_get(out, "changeover_minutes")) == 10, "changeover default 10");
	is_str(json_string_value(json_object_get(out, "day_start")), "08:00", "day_start default");
	is_str(json_string_value(json_object_get(out, "day_end")), "20:00", "day_end default");
	json_decref(out);
	json_decref(errors);
	json_decref(b);
	is_str(decode_fields(conf_create, "{}"), "slug,title,timezone,start_date,end_date",
	    "every required field named");
	is_str(decode_fields(conf_create, "{\"slug\":\"A\",\"title\":\"t\",\"timezone\":\"Asia/Tokio\","
	    "\"start_date\":\"2025-01-02\",\"end_date\":\"2025-01-01\",\"day_start\":\"20:00\","
	    "\"changeover_minutes\":300,\"x\":1}"),
	    "x,slug,timezone,changeover_minutes,end_date,day_end", "every bad field named");
	is_str(decode_fields(conf_create, "[]"), "", "an array is not a conference");
	is_str(decode_fields(conf_patch, "{}"), "<none>", "empty PATCH is valid");
	is_str(decode_fields(conf_patch, "{\"slug\":\"y\"}"), "slug", "PATCH cannot change the slug");
	is_str(decode_fields(conf_patch, "{\"title\":\"\"}"), "title", "PATCH cannot empty the title");
	is_str(decode_fields(conf_patch, "{\"day_end\":\"07:00\"}"), "<none>",
	    "PATCH of one clock is left to the database");
	is_str(decode_fields(conf_patch, "{\"start_date\":\"2025-01-03\",\"end_date\":\"2025-01-02\"}"),
	    "end_date", "PATCH with both dates out of order");
}

/* decode_venue, decode_room, decode_delegation */
static void
test_venue_room_delegation(void)
{
	json_t	*errors = json_array(), *b = j("{\"venue_id\":3,\"name\":\"A\",\"capacity\":4,"
		    "\"kind\":\"bilateral\"}"), *out = decode_room(b, errors);

	ok(out != NULL && json_is_true(json_object_get(out, "usable_for_bilaterals")),
	    "a bilateral room is usable for bilaterals by default");
	json_decref(out);
	json_decref(b);
	b = j("{\"venue_id\":3,\"name\":\"A\",\"capacity\":4}");
	out = decode_room(b, errors);
	ok(out != NULL && json_is_false(json_object_get(out, "usable_for_bilaterals")) &&
	    strcmp(json_string_value(json_object_get(out, "kind")), "other") == 0,
	    "kind defaults to other, not usable for bilaterals");
	json_decref(out);
	json_decref(b);
	json_decref(errors);
	is_str(decode_fields(decode_venue, "{\"name\":\"Hall\"}"), "<none>", "venue decodes");
	is_str(decode_fields(decode_venue, "{\"address\":1}"), "name,address", "venue errors");
	is_str(decode_fields(decode_room, "{\"venue_id\":0,\"capacity\":0,\"kind\":\"hall\","
	    "\"usable_for_bilaterals\":1}"), "venue_id,name,capacity,kind,usable_for_bilaterals",
	    "room errors");
	is_str(decode_fields(decode_delegation, "{\"code\":\"JP\",\"name\":\"Japan\",\"kind\":\"member\"}"),
	    "<none>", "delegation decodes");
	is_str(decode_fields(decode_delegation, "{\"code\":\"J P\",\"kind\":\"state\"}"),
	    "code,name,kind", "delegation errors");
}

/* decode_participant, decode_unavailability */
static void
test_participant_unavailability(void)
{
	json_t	*errors = json_array(), *b, *out;

	is_str(decode_fields(decode_participant, "{\"delegation\":\"JP\",\"name\":\"N\",\"role\":\"head\"}"),
	    "<none>", "participant by code");
	is_str(decode_fields(decode_participant, "{\"delegation\":7,\"name\":\"N\",\"role\":\"staff\","
	    "\"email\":\"a@b.jp\",\"timezone\":\"Asia/Tokyo\",\"title\":\"T\"}"), "<none>", "participant by id");
	is_str(decode_fields(decode_participant, "{\"delegation\":-1,\"role\":\"boss\","
	    "\"email\":\"nope\",\"timezone\":\"Nowhere\"}"), "delegation,name,role,email,timezone",
	    "participant errors");
	is_str(decode_fields(decode_participant, "{\"name\":\"N\",\"role\":\"head\"}"), "delegation",
	    "delegation required");
	is_str(decode_fields(decode_participant_patch, "{}"), "<none>", "empty participant PATCH");
	is_str(decode_fields(decode_participant_patch, "{\"delegation\":\"JP\",\"name\":\"\","
	    "\"role\":\"x\",\"email\":\"y\",\"timezone\":\"z\"}"),
	    "delegation,name,role,email,timezone", "participant PATCH errors");
	b = j("{\"email\":null,\"timezone\":null}");
	out = decode_participant_patch(b, errors);
	ok(out != NULL && json_is_null(json_object_get(out, "email")) &&
	    json_is_null(json_object_get(out, "timezone")), "null clears email and timezone");
	json_decref(out);
	json_decref(b);
	b = j("{\"start\":\"2023-04-29T10:00:00+09:00\",\"end\":\"2023-04-29T11:30:00+09:00\"}");
	out = decode_unavailability(b, errors);
	is_str(json_string_value(json_object_get(out, "start")), "2023-04-29T01:00:00Z",
	    "start normalised to UTC");
	is_str(json_string_value(json_object_get(out, "end")), "2023-04-29T02:30:00Z",
	    "end normalised to UTC");
	json_decref(out);
	json_decref(b);
	json_decref(errors);
	is_str(decode_fields(decode_unavailability, "{}"), "start,end", "start and end required");
	is_str(decode_fields(decode_unavailability, "{\"start\":\"2023-04-29T10:00:00Z\","
	    "\"end\":\"2023-04-29T10:00:00Z\"}"), "end", "end equal to start refused");
	is_str(decode_fields(decode_unavailability, "{\"start\":\"2023-04-29T10:00:00Z\","
	    "\"end\":\"2023-04-29T19:00:00+09:00\"}"), "end", "end before start (offsets count)");
	is_str(decode_fields(decode_unavailability, "{\"start\":\"2023-04-29T10:00:00Z\","
	    "\"end\":\"2025-04-29T10:00:00Z\"}"), "end", "a block over a year refused");
	is_str(decode_fields(decode_unavailability, "{\"start\":\"x\",\"end\":\"y\",\"reason\":[]}"),
	    "start,end,reason", "unavailability errors");
}

/* The travel-time entry (from, to) of a decoded array, or -1. */
static long long
minutes(const json_t *a, long long from, long long to)
{
	size_t	 i;
	json_t	*e;

	json_array_foreach(a, i, e) {
		if (json_integer_value(json_object_get(e, "from_venue_id")) == from &&
		    json_integer_value(json_object_get(e, "to_venue_id")) == to)
			return json_integer_value(json_object_get(e, "minutes"));
	}
	return -1;
}

/* decode_travel_times: symmetric completion, errors with indexes. */
static void
test_travel_times(void)
{
	json_t	*errors = json_array(), *b = j("[{\"from_venue_id\":1,\"to_venue_id\":2,\"minutes\":15},"
		    "{\"from_venue_id\":1,\"to_venue_id\":3,\"minutes\":5},"
		    "{\"from_venue_id\":3,\"to_venue_id\":1,\"minutes\":8}]");
	json_t	*out = decode_travel_times(b, errors);

	ok(out != NULL && json_array_size(out) == 4, "three given, one mirrored: four");
	ok(minutes(out, 2, 1) == 15, "2->1 mirrors 1->2");
	ok(minutes(out, 1, 3) == 5 && minutes(out, 3, 1) == 8, "both directions given are kept");
	json_decref(out);
	json_decref(b);
	b = j("{\"items\":[{\"from_venue_id\":4,\"to_venue_id\":5,\"minutes\":0}]}");
	out = decode_travel_times(b, errors);
	ok(out != NULL && minutes(out, 5, 4) == 0, "{items: [...]} accepted too");
	json_decref(out);
	json_decref(b);
	json_decref(errors);
	is_str(decode_fields(decode_travel_times, "[]"), "<none>", "empty matrix");
	is_str(decode_fields(decode_travel_times, "{\"a\":1}"), "", "an object is not a matrix");
	is_str(decode_fields(decode_travel_times, "[{\"from_venue_id\":1,\"to_venue_id\":1,\"minutes\":1},"
	    "{\"from_venue_id\":1,\"to_venue_id\":2,\"minutes\":-1},7,"
	    "{\"from_venue_id\":1,\"to_venue_id\":2,\"minutes\":1,\"x\":0}]"),
	    "[0].to_venue_id,[1].minutes,[2],[3].x", "errors carry the item index");
	is_str(decode_fields(decode_travel_times, "[{\"from_venue_id\":1,\"to_venue_id\":2,\"minutes\":1},"
	    "{\"from_venue_id\":1,\"to_venue_id\":2,\"minutes\":2}]"), "[1].to_venue_id",
	    "a pair given twice");
}

int
main(void)
{
	test_scalars();
	test_times();
	test_time_fields();
	test_arrays();
	test_names();
	test_conference();
	test_venue_room_delegation();
	test_participant_unavailability();
	test_travel_times();
	return tap_done();
}
