/*
 * util.h — allocation that never returns NULL, and small string helpers
 * (ids, hashes, tokens, UTF-8).
 *
 * As in tmux, running out of memory is fatal: callers never check for NULL.
 */
#ifndef KAIGI_UTIL_H
#define KAIGI_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Parse a decimal 64-bit id (> 0); return 0 on success, -1 if not one. */
int	 parse_id(const char *, long long *);
/* FNV-1a (64 bits) of p[0..len): the in-memory tables' hash. */
uint64_t fnv1a(const void *p, size_t len);
/* Hex SHA-256 of a string into out (65 bytes incl. NUL). */
void	 sha256_hex(const char *, char out[65]);
/* 1 when s[0..len) is well-formed UTF-8 without NUL (RFC 3629: no overlongs, no surrogates). */
int	 utf8_valid(const char *s, size_t len);
/* The largest n <= max, n <= len, where s[0..n) does not end inside a character. */
size_t	 utf8_cut(const char *s, size_t len, size_t max);
/* Copy of s[0..len) with each byte that begins no well-formed character (and NUL) as U+FFFD; caller frees. */
char	*utf8_mend(const char *s, size_t len);
/* SHA-256 and getrandom(2) tried once before serving; -1 with *cause if one fails. */
int	 util_check_start(const char **cause);
/* n random bytes from the kernel as URL-safe base64 (no padding); caller frees. */
char	*random_token(size_t nbytes);

#endif
