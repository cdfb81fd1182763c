/*
 * test_decode_lang.c — language tags and per-language texts (issue 17):
 * lang_tag_ok, decode_languages, decode_lang_texts.
 */
#include <stdlib.h>
#include <string.h>

#include "decode-lang.h"
#include "tap.h"

/* Tags. */
static void
test_tags(void)
{
	static const char *const good[] = { "en", "ja", "fil", "zh-Hant",
	    "pt-BR", "en-GB-oxendict", "sr-Latn-RS", NULL };
	static const char *const bad[] = { "", "e", "EN", "Ja", "ja_JP", "ja-",
	    "-ja", "ja--JP", "abcd", "en-abcdefghi", "en GB", "ja;", "日本",
	    "en-GB-", "xx-xxxxxxxx-xxxxxxxx-xxxxxxxx-xxxxxx", NULL };
	int	i;

	for (i = 0; good[i] != NULL; i++)
		ok(lang_tag_ok(good[i]), "tag: %s", good[i]);
	for (i = 0; bad[i] != NULL; i++)
		ok(!lang_tag_ok(bad[i]), "not a tag: \"%s\"", bad[i]);
}

/* Decode one body with fn's field; how many errors, and out's member. */
static size_t
run(const char *text, int languages, json_t **member)
{
	json_t	*body = json_loads(text, 0, NULL), *out = json_object();
	json_t	*errs = json_array();
	size_t	 n;

	if (languages)
		decode_languages(body, out, errs);
	else
		decode_lang_texts(body, "titles", 10, 1, out, errs);
	n = json_array_size(errs);
	*member = json_incref(json_object_get(out, languages ? "languages" : "titles"));
	json_decref(body);
	json_decref(out);
	json_decref(errs);
	return n;
}

/* languages and titles. */
static void
test_bodies(void)
{
	static const char *const bad_langs[] = { "{\"languages\":[]}",
	    "{\"languages\":\"en\"}", "{\"languages\":[\"en\",\"en\"]}",
	    "{\"languages\":[\"EN\"]}", "{\"languages\":[1]}",
	    "{\"languages\":null}", NULL };
	static const char *const bad_titles[] = { "{\"titles\":[]}",
	    "{\"titles\":\"ja\"}", "{\"titles\":{\"ja\":1}}",
	    "{\"titles\":{\"ja\":\"\"}}", "{\"titles\":{\"ja_JP\":\"x\"}}",
	    "{\"titles\":{\"ja\":\"12345678901\"}}", NULL };
	json_t	*m;
	int	 i;

	ok(run("{\"languages\":[\"en\",\"ja\"]}", 1, &m) == 0 &&
	    json_array_size(m) == 2, "languages en, ja");
	json_decref(m);
	ok(run("{}", 1, &m) == 0 && m == NULL, "languages absent: nothing");
	for (i = 0; bad_langs[i] != NULL; i++) {
		ok(run(bad_langs[i], 1, &m) == 1 && m == NULL, "refused: %s",
		    bad_langs[i]);
		json_decref(m);
	}
	ok(run("{\"titles\":{\"ja\":\"日本\"}}", 0, &m) == 0 &&
	    json_is_object(m), "titles ja");
	json_decref(m);
	ok(run("{\"titles\":null}", 0, &m) == 0 && json_is_null(m),
	    "titles null: cleared");
	json_decref(m);
	for (i = 0; bad_titles[i] != NULL; i++) {
		ok(run(bad_titles[i], 0, &m) == 1 && m == NULL, "refused: %s",
		    bad_titles[i]);
		json_decref(m);
	}
}

int
main(void)
{
	test_tags();
	test_bodies();
	return tap_done();
}
