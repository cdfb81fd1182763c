/*
 * reply.h — the text of kaigid's answers, built so that no input can make
 * building it fail: RFC 9457 problem documents, the one-line detail of a
 * 422, and JSON bodies. Pure (jansson and util.c only); http.c sends what
 * these return.
 */
#ifndef KAIGI_REPLY_H
#define KAIGI_REPLY_H

#include <jansson.h>

#define REPLY_DETAIL_MAX	1024	/* bytes of a problem's detail, at most */
#define REPLY_INVALID_MAX	320	/* bytes of a 422's "field: message" */

/*
 * s as text jansson always takes: well-formed UTF-8 (each byte that begins
 * no character becomes U+FFFD) of at most max bytes (max >= 4), cut on a
 * character boundary and ended with "…" when cut. Caller frees.
 */
char	*reply_text(const char *s, size_t max);

/*
 * The problem document for status (title, detail; extra's members merged
 * in, stolen, may be NULL) as JSON text in *text (caller frees; never NULL).
 * Returns the status to send: status, or 500 with a fixed document when
 * even the document without extra could not be built (out of memory).
 */
int	 reply_problem(int status, const char *title, const char *detail,
	    json_t *extra, char **text);

/* The detail of a 422: "field: message" when errors holds one, else a summary. Caller frees. */
char	*reply_invalid_detail(const json_t *errors);

/* The detail of a 400 for a body jansson could not parse (where, and jansson's reason). Caller frees. */
char	*reply_parse_detail(const json_error_t *);

/* Compact, ASCII-only JSON text of body; NULL when it cannot be built (caller answers 500). */
char	*reply_json_text(const json_t *body);

#endif
