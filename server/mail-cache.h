/*
 * mail-cache.h — text rendered once and reused by the change mails of one
 * claim (server/outbox.c): a session's summary lines and VEVENT, a
 * calendar's head. Entries are found by their whole key (the bytes of
 * everything the text is made from, never an id alone), so two people who
 * see a session differently never share its text. Not thread-safe: one
 * cache per sender thread and claim.
 */
#ifndef KAIGI_MAIL_CACHE_H
#define KAIGI_MAIL_CACHE_H

#include <stddef.h>

#define MAIL_CACHE_TEXTS	3
/* A session's entry (mail.c): its text and HTML summary lines, its VEVENT. */
#define MAIL_PIECE_TEXT		0
#define MAIL_PIECE_HTML		1
#define MAIL_PIECE_VEVENT	2

/* An entry: up to MAIL_CACHE_TEXTS texts (NULL until set), owned by it. */
struct mail_piece {
	char	*text[MAIL_CACHE_TEXTS];
};

struct mail_cache;

struct mail_cache	*mail_cache_new(void);
void			 mail_cache_free(struct mail_cache *);
/*
 * The entry under key[0..len), made empty if there is none yet (*made set
 * to 1, else 0); the key is copied. The pointer stays valid until the cache
 * is freed.
 */
struct mail_piece	*mail_cache_get(struct mail_cache *, const char *key,
			    size_t len, int *made);

#endif
