/*
 * reply.c — the text of kaigid's answers, built so that no input can make
 * building it fail: RFC 9457 problem documents, the one-line detail of a
 * 422, and JSON bodies.
 *
 * Request data reaches answers: an unknown key names itself in a 422's
 * detail, jansson's error text quotes a malformed body. jansson refuses any
 * text that is not UTF-8, and a fixed-size buffer cut a long key inside a
 * character, which once made json_pack fail and kaigid exit. So every text
 * is mended (bytes that begin no character become U+FFFD) and cut on a
 * character boundary before jansson sees it; when a document still cannot
 * be built (only out of memory), the answer is a fixed 500 document and the
 * failure is logged. Nothing here exits. tests/unit/test_reply.c and
 * tests/fuzz/fuzz_reply.c call these functions directly.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "reply.h"
#include "util.h"

#define REPLY_ELLIPSIS	"\xe2\x80\xa6"	/* "…", 3 bytes */

static const char reply_500[] =
    "{\"type\":\"about:blank\",\"title\":\"Internal Server Error\","
    "\"status\":500,\"detail\":\"the answer could not be built\"}";

/* Mended UTF-8 of at most max bytes, cut on a character boundary with "…". */
char *
reply_text(const char *s, size_t max)
{
	char	*m = utf8_mend(s, strlen(s));
	size_t	 len = strlen(m), n;

	if (len <= max || max < sizeof REPLY_ELLIPSIS)
		return m;
	n = utf8_cut(m, len, max - (sizeof REPLY_ELLIPSIS - 1));
	memcpy(m + n, REPLY_ELLIPSIS, sizeof REPLY_ELLIPSIS);
	return m;
}

/* The document without extra members; NULL when out of memory. */
static json_t *
reply_problem_object(int status, const char *title, const char *detail)
{
	char	*t = reply_text(title != NULL ? title : "", REPLY_DETAIL_MAX);
	char	*d = reply_text(detail != NULL ? detail : "", REPLY_DETAIL_MAX);
	json_t	*p;

	p = json_pack("{s:s, s:s, s:i, s:s}", "type", "about:blank",
	    "title", t, "status", status, "detail", d);
	free(t);
	free(d);
	return p;
}

/* Problem document as text; the status to send (500 if it could not be built). */
int
reply_problem(int status, const char *title, const char *detail,
    json_t *extra, char **text)
{
	json_t	*p = reply_problem_object(status, title, detail);

	*text = NULL;
	if (p != NULL && extra != NULL) {
		json_t	*full = json_deep_copy(p);

		if (full != NULL && json_object_update_missing(full, extra) == 0)
			*text = reply_json_text(full);
		json_decref(full);
		if (*text == NULL)
			log_error("problem %d: its extra members could not be "
			    "written; sent without them", status);
	}
	json_decref(extra);
	if (p != NULL && *text == NULL)
		*text = reply_json_text(p);
	json_decref(p);
	if (*text != NULL)
		return status;
	log_error("problem %d could not be built; answering 500", status);
	*text = xstrdup(reply_500);
	return 500;
}

/* "field: message" of a 422 with one error, cut on a character boundary. */
char *
reply_invalid_detail(const json_t *errors)
{
	const json_t	*first = json_array_get(errors, 0);
	const char	*field, *msg;
	char		*s, *d;

	if (json_array_size(errors) != 1 || !json_is_object(first))
		return xstrdup("the request has invalid fields");
	field = json_string_value(json_object_get(first, "field"));
	msg = json_string_value(json_object_get(first, "message"));
	s = xasprintf("%s: %s", field != NULL ? field : "",
	    msg != NULL ? msg : "is invalid");
	d = reply_text(s, REPLY_INVALID_MAX);
	free(s);
	return d;
}

/* "malformed JSON at line L, column C: reason"; the reason may quote the body. */
char *
reply_parse_detail(const json_error_t *err)
{
	char	*s = xasprintf("malformed JSON at line %d, column %d: %s",
	    err->line, err->column, err->text);
	char	*d = reply_text(s, REPLY_DETAIL_MAX);

	free(s);
	return d;
}

/* Compact ASCII JSON text; NULL if jansson cannot write it. */
char *
reply_json_text(const json_t *body)
{
	if (body == NULL)
		return NULL;
	return json_dumps(body, JSON_COMPACT | JSON_ENSURE_ASCII);
}
