/*
 * interp.c — interpretation in the client (issue 17): the language pairs
 * of --pairs and --interpretation ("ja-en,en-fr", commas or semicolons),
 * the repeatable --interpreter of session create and edit (a participant
 * by id, e-mail, ref or name, as --attendee), and the line a session shows
 * ("ja-en: Interpreter A1, Interpreter A2 (picked)"). The server checks
 * the pairs themselves (422 naming the field and the form ja-en); the
 * client only splits them, so there is one rule and one message.
 */
#include <stdlib.h>
#include <string.h>

#include "kaigi.h"

/* The pairs of v as a JSON array (trimmed, empty items left out; "" is
 * none, which clears a list). */
json_t *
interp_pairs_json(const char *v)
{
	json_t		*out = json_array();
	const char	*p = v, *end;
	size_t		 n;

	while (*p != '\0') {
		p += strspn(p, " \t,;");
		n = strcspn(p, ",;");
		for (end = p + n; end > p && (end[-1] == ' ' || end[-1] == '\t');
		    end--)
			;
		if (end > p)
			json_array_append_new(out, json_stringn(p,
			    (size_t)(end - p)));
		p += n;
	}
	return out;
}

/*
 * --interpretation PAIRS and --interpreter P... into body (as
 * "interpretation" and "interpreters": ids); exit code (a participant
 * nobody or several are is an error listing them).
 */
int
interp_options(struct client *c, struct args *a, json_t *body)
{
	json_t		*ids;
	long long	 id;
	size_t		 i;
	int		 rc;

	if (args_has(a, "interpretation"))
		json_object_set_new(body, "interpretation",
		    interp_pairs_json(args_get(a, "interpretation")));
	if (!args_has(a, "interpreter"))
		return EXIT_OK;
	ids = json_array();
	for (i = 0; i < args_count(a, "interpreter"); i++) {
		if ((rc = attend_person(c, args_value(a, "interpreter", i),
		    &id)) != EXIT_OK) {
			json_decref(ids);
			return rc;
		}
		json_array_append_new(ids, json_integer(id));
	}
	json_object_set_new(body, "interpreters", ids);
	return EXIT_OK;
}

/* "a, b" of the strings of arr, or of each object's member key. */
static char *
interp_join(json_t *arr, const char *key, const char *pair)
{
	json_t	*v;
	char	*s = xstrdup(""), *t;
	size_t	 i;

	json_array_foreach(arr, i, v) {
		if (pair != NULL && strcmp(api_str(v, "pair"), pair) != 0)
			continue;
		t = xasprintf("%s%s%s%s", s, *s ? ", " : "",
		    key ? api_str(v, key) : json_string_value(v) ?: "",
		    key && json_is_true(json_object_get(v, "auto")) ?
		    " (picked)" : "");
		free(s);
		s = t;
	}
	return s;
}

/*
 * A session's interpretation as one line, "ja-en: A, B (picked); en-fr:
 * none yet", or NULL when it needs none.
 */
char *
interp_session_text(json_t *s)
{
	json_t	*pairs = json_object_get(s, "interpretation"), *p;
	char	*line = NULL, *who, *t;
	size_t	 i;

	json_array_foreach(pairs, i, p) {
		who = interp_join(json_object_get(s, "interpreters"), "name",
		    json_string_value(p) ?: "");
		t = xasprintf("%s%s%s: %s", line ? line : "", line ? "; " : "",
		    json_string_value(p) ?: "", *who ? who : "none yet");
		free(who);
		free(line);
		line = t;
	}
	return line;
}

/* "ja-en, en-fr" of a row's language_pairs (or interpretation), or "". */
char *
interp_pairs_text(json_t *row, const char *field)
{
	return interp_join(json_object_get(row, field), NULL, NULL);
}
