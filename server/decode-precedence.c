/*
 * decode-precedence.c — decoders of a delegation's place in the protocol
 * order and of a conference's rule for it (issue 17, item 4); see
 * decode-precedence.h.
 */
#include <string.h>

#include "decode-lang.h"
#include "decode-precedence.h"
#include "valid.h"

static const char *const precedence_roles[] = { "chair", "host", NULL };
static const char *const precedence_orders[] = { "alphabetical", "code",
    NULL };

/* Optional precedence and role; null clears either. */
void
decode_precedence_fields(const json_t *b, json_t *out, json_t *errors)
{
	long long	 v;
	const char	*s;

	if (json_is_null(json_object_get(b, "precedence")))
		json_object_set_new(out, "precedence", json_null());
	else if (valid_int(b, "precedence", VALID_OPTIONAL, PRECEDENCE_MIN,
	    PRECEDENCE_MAX, &v, errors) == 1)
		json_object_set_new(out, "precedence", json_integer(v));
	if (json_is_null(json_object_get(b, "role")))
		json_object_set_new(out, "role", json_null());
	else if (valid_enum(b, "role", VALID_OPTIONAL, precedence_roles, &s,
	    errors) == 1)
		json_object_set_new(out, "role", json_string(s));
}

/* The members of a rule object: order and lang, nothing else; errors
 * name them "precedence_rule.order" and "precedence_rule.lang". */
static void
decode_precedence_rule_members(const json_t *rule, json_t *out, json_t *errors)
{
	const char	*key;
	const json_t	*v;
	size_t		 i;

	json_object_foreach((json_t *)rule, key, v) {
		if (strcmp(key, "order") != 0 && strcmp(key, "lang") != 0)
			valid_error(errors, "precedence_rule",
			    "has no member %.40s (it has order and lang)", key);
	}
	if ((v = json_object_get(rule, "order")) != NULL) {
		for (i = 0; precedence_orders[i] != NULL; i++)
			if (json_is_string(v) && strcmp(json_string_value(v),
			    precedence_orders[i]) == 0)
				break;
		if (precedence_orders[i] == NULL)
			valid_error(errors, "precedence_rule.order",
			    "must be one of: alphabetical, code");
		else
			json_object_set_new(out, "order",
			    json_string(precedence_orders[i]));
	}
	if ((v = json_object_get(rule, "lang")) != NULL) {
		if (!json_is_string(v) || !lang_tag_ok(json_string_value(v)))
			valid_error(errors, "precedence_rule.lang",
			    "must be a language tag such as en or ja");
		else
			json_object_set_new(out, "lang", json_copy((json_t *)v));
	}
}

/* Optional precedence_rule; null resets it to the default. */
void
decode_precedence_rule(const json_t *b, int create, json_t *out,
    json_t *errors)
{
	const json_t	*rule = json_object_get(b, "precedence_rule");
	json_t		*r;

	if (rule == NULL)
		return;
	if (create) {
		valid_error(errors, "precedence_rule",
		    "is set by PATCH once the conference exists");
		return;
	}
	if (json_is_null(rule)) {
		json_object_set_new(out, "precedence_rule", json_null());
		return;
	}
	if (!json_is_object(rule)) {
		valid_error(errors, "precedence_rule",
		    "must be an object {order, lang} or null");
		return;
	}
	r = json_object();
	decode_precedence_rule_members(rule, r, errors);
	json_object_set_new(out, "precedence_rule", r);
}
