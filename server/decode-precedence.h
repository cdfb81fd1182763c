/*
 * decode-precedence.h — decoders of protocol order (issue 17, item 4): a
 * delegation's `precedence` and `role`, a conference's `precedence_rule`.
 * Pure. Whether the rule's language is one of the conference's is the
 * database's rule (sql/190_protocol_order.sql).
 */
#ifndef KAIGI_DECODE_PRECEDENCE_H
#define KAIGI_DECODE_PRECEDENCE_H

#include <jansson.h>

#define PRECEDENCE_MIN	1
#define PRECEDENCE_MAX	9999

/* Optional `precedence` (1-9999, or null to clear) and `role` ("chair",
 * "host", or null to clear); copied into out when valid. */
void	decode_precedence_fields(const json_t *body, json_t *out,
	    json_t *errors);
/* Optional `precedence_rule`: null (the default) or an object with
 * optional `order` ("alphabetical", "code") and `lang` (a language tag);
 * copied into out when valid. create: refused (set by PATCH). */
void	decode_precedence_rule(const json_t *body, int create, json_t *out,
	    json_t *errors);

#endif
