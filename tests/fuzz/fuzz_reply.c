/*
 * fuzz_reply.c — libFuzzer target for the reply path (server/reply.c): what
 * kaigid writes back, not only what it reads. Arbitrary bytes become a
 * problem's detail and title, a 422's field and message (as they are, even
 * when they are not UTF-8), a body whose unknown keys each get their 422
 * (as valid_known() reports them), jansson's parse error for a body it
 * refuses, and a parsed body written back as JSON.
 *
 * Each answer must be built: the status asked for (never the 500 fallback,
 * which only running out of memory may cause), a document jansson reads
 * back with that status and a well-formed detail within its bound, and a
 * parsed body written back equal to itself. Anything else traps.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "reply.h"
#include "util.h"
#include "valid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const known[] = { "title", "start", "end", NULL };

/* The document must say status and carry a sound detail of at most max bytes. */
static void
check_document(int status, int sent, const char *text, size_t max)
{
	json_t		*doc = json_loads(text, JSON_ALLOW_NUL, NULL);
	const char	*d;

	if (sent != status || doc == NULL ||
	    json_integer_value(json_object_get(doc, "status")) != status)
		__builtin_trap();
	d = json_string_value(json_object_get(doc, "detail"));
	if (d == NULL || strlen(d) > max || !utf8_valid(d, strlen(d)))
		__builtin_trap();
	json_decref(doc);
}

/* A problem with the bytes as detail and title; status from the first byte. */
static void
fuzz_problem(const char *s, int status)
{
	char	*text;
	int	 sent = reply_problem(status, s, s, NULL, &text);

	check_document(status, sent, text, REPLY_DETAIL_MAX);
	free(text);
}

/* A 422 whose one error has the bytes (maybe not UTF-8) as field and message. */
static void
fuzz_invalid_raw(const char *s, size_t len)
{
	json_t	*errors = json_array(), *e = json_object(), *extra;
	char	*detail, *text;
	int	 sent;

	json_object_set_new(e, "field", json_stringn_nocheck(s, len));
	json_object_set_new(e, "message", json_stringn_nocheck(s, len));
	json_array_append_new(errors, e);
	detail = reply_invalid_detail(errors);
	if (strlen(detail) > REPLY_INVALID_MAX || !utf8_valid(detail, strlen(detail)))
		__builtin_trap();
	extra = json_pack("{s:o}", "errors", errors);
	sent = reply_problem(422, "Unprocessable Content", detail, extra, &text);
	check_document(422, sent, text, REPLY_INVALID_MAX);
	free(detail);
	free(text);
}

/* A parsed body: written back equal; its unknown keys answered with a 422. */
static void
fuzz_body(const json_t *body)
{
	json_t	*errors = json_array(), *back;
	char	*out = reply_json_text(body), *detail, *text;
	int	 sent;

	if (out == NULL || (back = json_loads(out, 0, NULL)) == NULL ||
	    !json_equal(back, body))
		__builtin_trap();
	json_decref(back);
	free(out);
	if (valid_object(body, errors) == 0)
		valid_known(body, known, errors);
	detail = reply_invalid_detail(errors);
	sent = reply_problem(422, "Unprocessable Content", detail,
	    json_pack("{s:o}", "errors", errors), &text);
	check_document(422, sent, text, REPLY_INVALID_MAX);
	free(detail);
	free(text);
}

/* A body jansson refuses: the 400 quoting its reason. */
static void
fuzz_parse_error(const json_error_t *err)
{
	char	*detail = reply_parse_detail(err), *text;
	int	 sent = reply_problem(400, "Bad Request", detail, NULL, &text);

	check_document(400, sent, text, REPLY_DETAIL_MAX);
	free(detail);
	free(text);
}

/* One input, through every way of answering. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int statuses[] = { 400, 401, 403, 404, 405, 409, 412,
	    413, 415, 422, 500, 503 };
	char		*s = malloc(size + 1);
	json_error_t	 err;
	json_t		*body;

	memcpy(s, data, size);
	s[size] = '\0';
	fuzz_problem(s, statuses[(size > 0 ? data[0] : 0) % 12]);
	fuzz_invalid_raw(s, size);
	body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &err);
	if (body != NULL)
		fuzz_body(body);
	else
		fuzz_parse_error(&err);
	json_decref(body);
	free(s);
	return 0;
}
