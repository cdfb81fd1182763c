/*
 * test_reply.c — the text of answers (server/reply.c): no detail, key or
 * extra member can make building a problem document fail.
 *
 * Issue 14: a 422 naming one unknown key of 150 "a" and 100 "é" was cut at
 * 320 bytes inside a character, json_pack refused the text and kaigid
 * exited. Here every key of 100 to 400 bytes made of 2-, 3- and 4-byte
 * characters (after 0-3 ASCII bytes, so that the cut falls on every byte of
 * a character) gives a well-formed 422 document whose detail is the key cut
 * on a character boundary; bytes that are not UTF-8 are mended; an extra
 * member jansson cannot write is dropped, the status kept.
 */
#include <stdlib.h>

#include "reply.h"
#include "tap.h"
#include "util.h"

/* pad ASCII bytes then characters c (clen bytes) up to exactly len bytes. */
static char *
key_of(const char *c, size_t clen, size_t len)
{
	char	*s = malloc(len + 1);
	size_t	 pad = len % clen, i;

	memset(s, 'a', pad);
	for (i = pad; i < len; i += clen)
		memcpy(s + i, c, clen);
	s[len] = '\0';
	return s;
}

/* The 422 for one unknown key, built as api_reply_invalid does; 1 if sound. */
static int
invalid_sound(const char *key)
{
	json_t	*errors = json_array(), *extra = json_object(), *doc;
	char	*detail, *text;
	int	 status, good;

	json_array_append_new(errors, json_pack("{s:s, s:s}", "field", key,
	    "message", "unknown field"));
	detail = reply_invalid_detail(errors);
	json_object_set_new(extra, "errors", errors);
	status = reply_problem(422, "Unprocessable Content", detail, extra, &text);
	doc = json_loads(text, 0, NULL);
	good = status == 422 && doc != NULL &&
	    json_integer_value(json_object_get(doc, "status")) == 422 &&
	    strlen(detail) <= REPLY_INVALID_MAX &&
	    utf8_valid(detail, strlen(detail)) &&
	    strcmp(json_string_value(json_object_get(doc, "detail")), detail) == 0 &&
	    json_array_size(json_object_get(doc, "errors")) == 1;
	json_decref(doc);
	free(detail);
	free(text);
	return good;
}

/* Issue 14's own request, and every length and width around it. */
static void
test_long_keys(void)
{
	static const char *const chars[] = { "\xc3\xa9", "\xe4\xbc\x9a",
	    "\xf0\x9f\x98\x80" };
	json_t	*errors = json_array();
	char	 key[351], *d;
	size_t	 w, len, bad = 0, i;

	memset(key, 'a', 150);
	for (i = 0; i < 100; i++)
		memcpy(key + 150 + 2 * i, "\xc3\xa9", 2);
	key[350] = '\0';
	ok(invalid_sound(key), "150 x 'a' + 100 x 'e-acute': a well-formed 422");
	json_array_append_new(errors, json_pack("{s:s, s:s}", "field", key,
	    "message", "unknown field"));
	d = reply_invalid_detail(errors);
	ok(strncmp(d, key, 150) == 0 && strcmp(d + strlen(d) - 3, "\xe2\x80\xa6") == 0,
	    "its detail starts with the key and ends with an ellipsis");
	free(d);
	json_decref(errors);
	for (w = 0; w < 3; w++) {
		for (len = 100; len <= 400; len++) {
			char *k = key_of(chars[w], w + 2, len);

			bad += !invalid_sound(k);
			free(k);
		}
	}
	ok(bad == 0, "keys of every length 100-400 of 2-, 3-, 4-byte characters: %zu bad", bad);
}

/* Details that are not UTF-8, or huge, still make a document. */
static void
test_bad_details(void)
{
	char	*text, *big;
	json_t	*doc;
	int	 status;

	status = reply_problem(400, "Bad Request", "near '\xff\xfe\xc3'", NULL, &text);
	doc = json_loads(text, 0, NULL);
	ok(status == 400 && doc != NULL, "a detail with 0xff 0xfe and a cut character: 400");
	is_str(json_string_value(json_object_get(doc, "detail")),
	    "near '\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd'", "each bad byte is U+FFFD");
	json_decref(doc);
	free(text);

	big = malloc(1000001);
	memset(big, 'x', 1000000);
	big[1000000] = '\0';
	status = reply_problem(413, "Content Too Large", big, NULL, &text);
	doc = json_loads(text, 0, NULL);
	ok(status == 413 && doc != NULL &&
	    strlen(json_string_value(json_object_get(doc, "detail"))) <= REPLY_DETAIL_MAX,
	    "a detail of 1 MB is cut to %d bytes", REPLY_DETAIL_MAX);
	json_decref(doc);
	free(text);
	free(big);

	status = reply_problem(404, NULL, NULL, NULL, &text);
	ok(status == 404 && strstr(text, "\"detail\":\"\"") != NULL, "no title, no detail: 404 all the same");
	free(text);
}

/* An extra member jansson cannot write is dropped; the status stays. */
static void
test_bad_extra(void)
{
	json_t	*extra = json_object(), *doc;
	char	*text;
	int	 status;

	json_object_set_new(extra, "errors", json_stringn_nocheck("\xff", 1));
	status = reply_problem(409, "Conflict", "that already exists", extra, &text);
	doc = json_loads(text, 0, NULL);
	ok(status == 409 && doc != NULL && json_object_get(doc, "errors") == NULL,
	    "an unwritable extra member is dropped, 409 kept");
	json_decref(doc);
	free(text);

	extra = json_pack("{s:s, s:i}", "detail", "not this one", "status", 200);
	status = reply_problem(409, "Conflict", "this one", extra, &text);
	doc = json_loads(text, 0, NULL);
	ok(doc != NULL && json_integer_value(json_object_get(doc, "status")) == 409 &&
	    strcmp(json_string_value(json_object_get(doc, "detail")), "this one") == 0,
	    "extra members never replace status or detail");
	json_decref(doc);
	free(text);

	doc = json_stringn_nocheck("\xc3", 1);
	ok(reply_json_text(doc) == NULL, "a JSON body jansson cannot write is NULL (a 500), not an exit");
	json_decref(doc);
	ok(reply_json_text(NULL) == NULL, "no body at all is NULL too");
}

/* The summary when there are several errors, or none. */
static void
test_summaries(void)
{
	json_t	*errors = json_pack("[{s:s, s:s}, {s:s, s:s}]", "field", "a",
	    "message", "x", "field", "b", "message", "y");
	char	*d = reply_invalid_detail(errors);

	is_str(d, "the request has invalid fields", "two errors: the summary");
	free(d);
	json_decref(errors);
	errors = json_pack("[{s:s, s:s}]", "field", "end", "message", "must be after start");
	d = reply_invalid_detail(errors);
	is_str(d, "end: must be after start", "one short error: field and message, uncut");
	free(d);
	json_decref(errors);
	d = reply_invalid_detail(NULL);
	is_str(d, "the request has invalid fields", "no errors array: the summary");
	free(d);
}

int
main(void)
{
	test_long_keys();
	test_bad_details();
	test_bad_extra();
	test_summaries();
	return tap_done();
}
