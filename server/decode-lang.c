/*
 * decode-lang.c — decoders of language tags and per-language texts
 * (issue 17, item 1); see decode-lang.h. Whether a tag is one of the
 * conference's languages is the database's rule (sql/150_languages.sql).
 */
#include <ctype.h>
#include <string.h>

#include "decode-lang.h"
#include "valid.h"

#define LANG_MAX_LANGUAGES	20

/* Is s a language tag (see decode-lang.h)? */
int
lang_tag_ok(const char *s)
{
	size_t	n = strlen(s), i = 0, run;

	if (n == 0 || n > LANG_TAG_MAX)
		return 0;
	while (i < n && islower((unsigned char)s[i]))
		i++;
	if (i < 2 || i > 3)
		return 0;
	while (i < n) {
		if (s[i++] != '-')
			return 0;
		for (run = 0; i < n && isalnum((unsigned char)s[i]); i++)
			run++;
		if (run < 1 || run > 8)
			return 0;
	}
	return 1;
}

/* Optional `languages`: 1-20 distinct language tags. */
void
decode_languages(const json_t *body, json_t *out, json_t *errors)
{
	const json_t	*a = json_object_get(body, "languages"), *v, *w;
	size_t		 i, k;

	if (a == NULL)
		return;
	if (!json_is_array(a) || json_array_size(a) < 1 ||
	    json_array_size(a) > LANG_MAX_LANGUAGES) {
		valid_error(errors, "languages",
		    "must be an array of 1 to 20 language tags, the default first, e.g. [\"en\", \"ja\"]");
		return;
	}
	json_array_foreach(a, i, v) {
		if (!json_is_string(v) || !lang_tag_ok(json_string_value(v))) {
			valid_error(errors, "languages",
			    "item %zu is not a language tag such as \"en\" or \"ja\"", i);
			return;
		}
		for (k = 0; k < i; k++) {
			w = json_array_get(a, k);
			if (strcmp(json_string_value(w), json_string_value(v)) == 0) {
				valid_error(errors, "languages",
				    "\"%s\" is listed twice", json_string_value(v));
				return;
			}
		}
	}
	json_object_set(out, "languages", (json_t *)a);
}

/* Optional per-language texts: {"ja": "…"}; null clears them. */
void
decode_lang_texts(const json_t *body, const char *field, size_t maxlen,
    int nonempty, json_t *out, json_t *errors)
{
	const json_t	*o = json_object_get(body, field), *v;
	const char	*k;

	if (o == NULL)
		return;
	if (json_is_null(o)) {
		json_object_set_new(out, field, json_null());
		return;
	}
	if (!json_is_object(o) || json_object_size(o) > LANG_MAX_LANGUAGES) {
		valid_error(errors, field,
		    "must be an object of language tag to text, e.g. {\"ja\": \"…\"}");
		return;
	}
	json_object_foreach((json_t *)o, k, v) {
		if (!lang_tag_ok(k)) {
			valid_error(errors, field, "\"%.40s\" is not a language tag such as \"ja\"", k);
			return;
		}
		if (!json_is_string(v) || strlen(json_string_value(v)) > maxlen ||
		    (nonempty && *json_string_value(v) == '\0')) {
			valid_error(errors, field, "%s must be a%s text of at most %zu bytes",
			    k, nonempty ? " non-empty" : "", maxlen);
			return;
		}
	}
	json_object_set(out, field, (json_t *)o);
}
