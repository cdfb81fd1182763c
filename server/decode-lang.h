/*
 * decode-lang.h — language tags (issue 17): the conference's `languages`,
 * a session's `titles`/`descriptions` per language, and `?lang=`. Pure.
 */
#ifndef KAIGI_DECODE_LANG_H
#define KAIGI_DECODE_LANG_H

#include <jansson.h>

#define LANG_TAG_MAX	35	/* BCP 47's recommended limit */

/* Is s a language tag: 2-3 lowercase letters, then "-" subtags of 1-8
 * letters or digits ("en", "ja", "zh-Hant", "pt-BR"), at most 35 bytes? */
int	lang_tag_ok(const char *s);
/* Optional `languages`: 1-20 distinct tags; copied into out when valid. */
void	decode_languages(const json_t *body, json_t *out, json_t *errors);
/* Optional `field` ("titles", "descriptions"): an object of tag → text of
 * at most maxlen bytes (non-empty when nonempty is set); null clears it
 * (PATCH). Copied into out when valid. */
void	decode_lang_texts(const json_t *body, const char *field, size_t maxlen,
	    int nonempty, json_t *out, json_t *errors);

#endif
