/*
 * test_decode_attendance.c — the attendees decoder: plain ids as before,
 * attendance objects (mode, represented_by, link) and their refusals.
 */
#include <stdlib.h>
#include <string.h>

#include "decode-attendance.h"
#include "tap.h"

/* Decode text's attendees; out and the errors' fields (comma-separated). */
static int
decode(const char *text, json_t **out, char *fields, size_t len)
{
	json_t	*body = json_loads(text, 0, NULL), *errs = json_array();
	size_t	 i;
	int	 rc;

	*out = json_object();
	rc = attendance_decode(body, *out, errs);
	fields[0] = '\0';
	for (i = 0; i < json_array_size(errs); i++)
		snprintf(fields + strlen(fields), len - strlen(fields), "%s%s",
		    i ? "," : "", json_string_value(json_object_get(
		    json_array_get(errs, i), "field")));
	json_decref(body);
	json_decref(errs);
	return rc;
}

/* One body refused with exactly these fields. */
static void
bad(const char *text, const char *want)
{
	json_t	*out;
	char	 f[256];

	ok(decode(text, &out, f, sizeof f) == -1, "refused: %s", text);
	is_str(f, want, "errors name %s", want);
	json_decref(out);
}

/* Plain ids, objects, null. */
static void
test_good(void)
{
	json_t	*out, *a;
	char	 f[256], *dump;

	ok(decode("{\"attendees\":[3,1]}", &out, f, sizeof f) == 0 && *f == '\0',
	    "plain ids");
	ok(json_array_size(json_object_get(out, "attendees")) == 2 &&
	    json_object_get(out, "attendance") == NULL, "ids kept, no attendance");
	json_decref(out);
	ok(decode("{\"attendees\":[3,{\"participant_id\":4,\"mode\":\"represented\","
	    "\"represented_by\":5},{\"id\":6,\"mode\":\"remote\",\"link\":"
	    "\"https://meet.example/x?a=1\"},{\"id\":7}]}", &out, f, sizeof f) == 0,
	    "objects beside an id");
	is_str(f, "", "no errors");
	dump = json_dumps(json_object_get(out, "attendees"), JSON_COMPACT);
	is_str(dump ? dump : "", "[3,4,6,7]", "ids in order");
	free(dump);
	a = json_object_get(out, "attendance");
	ok(json_array_size(a) == 3, "three attendance objects");
	ok(json_integer_value(json_object_get(json_array_get(a, 0), "represented_by")) == 5,
	    "represented_by kept");
	is_str(json_string_value(json_object_get(json_array_get(a, 1), "link")),
	    "https://meet.example/x?a=1", "link kept");
	is_str(json_string_value(json_object_get(json_array_get(a, 2), "mode")),
	    "in_person", "mode defaults to in_person");
	json_decref(out);
	ok(decode("{\"attendees\":null}", &out, f, sizeof f) == 0 &&
	    json_array_size(json_object_get(out, "attendees")) == 0, "null: none");
	json_decref(out);
	ok(decode("{}", &out, f, sizeof f) == 0 &&
	    json_object_get(out, "attendees") == NULL, "absent: left out");
	json_decref(out);
}

/* Refusals. */
static void
test_bad(void)
{
	bad("{\"attendees\":5}", "attendees");
	bad("{\"attendees\":[0]}", "attendees");
	bad("{\"attendees\":[\"3\"]}", "attendees");
	bad("{\"attendees\":[{}]}", "attendees");
	bad("{\"attendees\":[{\"id\":1,\"participant_id\":2}]}", "attendees");
	bad("{\"attendees\":[{\"id\":1,\"mode\":\"absent\"}]}", "mode");
	bad("{\"attendees\":[{\"id\":1,\"mode\":\"represented\"}]}", "represented_by");
	bad("{\"attendees\":[{\"id\":1,\"represented_by\":2}]}", "represented_by");
	bad("{\"attendees\":[{\"id\":1,\"mode\":\"represented\",\"represented_by\":-2}]}",
	    "represented_by");
	bad("{\"attendees\":[{\"id\":1,\"link\":\"https://x.example\"}]}", "link");
	bad("{\"attendees\":[{\"id\":1,\"mode\":\"remote\",\"link\":\"http://x.example\"}]}",
	    "link");
	bad("{\"attendees\":[{\"id\":1,\"mode\":\"remote\",\"link\":\"https://\"}]}", "link");
	bad("{\"attendees\":[{\"id\":1,\"mode\":\"remote\",\"link\":\"https://a b\"}]}", "link");
	bad("{\"attendees\":[{\"id\":1,\"mode\":\"remote\",\"link\":5}]}", "link");
	bad("{\"attendees\":[{\"id\":1,\"seat\":2}]}", "seat");
	ok(attendance_link_ok("https://meet.example.org/j/123"), "a link");
	ok(!attendance_link_ok("https:///x"), "no host: refused");
	ok(!attendance_link_ok("https://a\x7f"), "DEL: refused");
}

int
main(void)
{
	test_good();
	test_bad();
	return tap_done();
}
