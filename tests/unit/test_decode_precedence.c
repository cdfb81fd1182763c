/*
 * test_decode_precedence.c — the protocol-order decoders of
 * server/decode-precedence.c, through the delegation and conference
 * decoders that use them: precedence 1-9999 or null, role chair|host or
 * null, precedence_rule {order, lang} or null (PATCH only); every bad
 * field named.
 */
#include <stdlib.h>
#include <string.h>

#include "decode-core.h"
#include "decode-setup.h"
#include "decode-run.h"
#include "tap.h"

/* decode_conference as PATCH. */
static json_t *
conference_patch(const json_t *b, json_t *errors)
{
	return decode_conference(b, 0, errors);
}

/* decode_conference as create. */
static json_t *
conference_create(const json_t *b, json_t *errors)
{
	return decode_conference(b, 1, errors);
}

/* precedence and role on a delegation's PATCH and create. */
static void
test_fields(void)
{
	is_str(decode_run(decode_delegation_patch, "{\"precedence\":1,\"role\":\"chair\"}"),
	    "{\"precedence\":1,\"role\":\"chair\"}", "precedence and role");
	is_str(decode_run(decode_delegation_patch, "{\"precedence\":null,\"role\":null}"),
	    "{\"precedence\":null,\"role\":null}", "null clears both");
	is_str(decode_run(decode_delegation_patch, "{\"precedence\":9999,\"role\":\"host\"}"),
	    "{\"precedence\":9999,\"role\":\"host\"}", "the largest precedence, host");
	is_str(decode_run(decode_delegation_patch, "{\"precedence\":0}"), "precedence", "0");
	is_str(decode_run(decode_delegation_patch, "{\"precedence\":10000}"), "precedence", "10000");
	is_str(decode_run(decode_delegation_patch, "{\"precedence\":\"1\"}"), "precedence", "text");
	is_str(decode_run(decode_delegation_patch, "{\"precedence\":1.5}"), "precedence", "a fraction");
	is_str(decode_run(decode_delegation_patch, "{\"role\":\"king\"}"), "role", "an unknown role");
	is_str(decode_run(decode_delegation_patch, "{\"role\":\"Chair\"}"), "role", "roles are lowercase");
	is_str(decode_run(decode_delegation_with_ref,
	    "{\"code\":\"KR\",\"name\":\"Korea\",\"kind\":\"invited\",\"precedence\":3,\"role\":\"host\"}"),
	    "{\"code\":\"KR\",\"kind\":\"invited\",\"name\":\"Korea\",\"precedence\":3,\"role\":\"host\"}",
	    "create with precedence and role");
	is_str(decode_run(decode_delegation_with_ref,
	    "{\"code\":\"KR\",\"name\":\"Korea\",\"kind\":\"invited\",\"precedence\":-1,\"role\":[]}"),
	    "precedence,role", "create: both bad, both named");
}

/* precedence_rule on a conference. */
static void
test_rule(void)
{
	is_str(decode_run(conference_patch, "{\"precedence_rule\":{\"order\":\"code\",\"lang\":\"ja\"}}"),
	    "{\"precedence_rule\":{\"lang\":\"ja\",\"order\":\"code\"}}", "a rule");
	is_str(decode_run(conference_patch, "{\"precedence_rule\":{}}"),
	    "{\"precedence_rule\":{}}", "an empty rule (the defaults)");
	is_str(decode_run(conference_patch, "{\"precedence_rule\":null}"),
	    "{\"precedence_rule\":null}", "null resets it");
	is_str(decode_run(conference_patch, "{\"precedence_rule\":{\"order\":\"size\"}}"),
	    "precedence_rule.order", "an unknown order");
	is_str(decode_run(conference_patch, "{\"precedence_rule\":{\"order\":1}}"),
	    "precedence_rule.order", "order not text");
	is_str(decode_run(conference_patch, "{\"precedence_rule\":{\"lang\":\"EN\"}}"),
	    "precedence_rule.lang", "not a language tag");
	is_str(decode_run(conference_patch, "{\"precedence_rule\":{\"by\":1}}"),
	    "precedence_rule", "an unknown member");
	is_str(decode_run(conference_patch, "{\"precedence_rule\":\"alphabetical\"}"),
	    "precedence_rule", "not an object");
	is_str(decode_run(conference_create, "{\"slug\":\"x\",\"title\":\"X\",\"timezone\":\"UTC\","
	    "\"start_date\":\"2024-01-01\",\"end_date\":\"2024-01-02\","
	    "\"precedence_rule\":{\"order\":\"code\"}}"),
	    "precedence_rule", "not on create");
}

int
main(void)
{
	test_fields();
	test_rule();
	return tap_done();
}
