/*
 * util.c — allocation that never fails, id parsing, hashing, random tokens
 * and UTF-8: checking it, cutting it on a character boundary, and mending
 * bytes that are not UTF-8 so that jansson can always take a text.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/evp.h>

#include "util.h"
#include "log.h"

/* Allocate or die. */
void *
xmalloc(size_t size)
{
	void	*p = malloc(size ? size : 1);

	if (p == NULL)
		fatal("out of memory");
	return p;
}

/* Allocate zeroed memory or die. */
void *
xcalloc(size_t n, size_t size)
{
	void	*p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		fatal("out of memory");
	return p;
}

/* Resize or die. */
void *
xrealloc(void *old, size_t size)
{
	void	*p = realloc(old, size ? size : 1);

	if (p == NULL)
		fatal("out of memory");
	return p;
}

/* Duplicate a string or die. */
char *
xstrdup(const char *s)
{
	char	*p = strdup(s);

	if (p == NULL)
		fatal("out of memory");
	return p;
}

/* Duplicate at most n bytes of a string or die. */
char *
xstrndup(const char *s, size_t n)
{
	char	*p = strndup(s, n);

	if (p == NULL)
		fatal("out of memory");
	return p;
}

/* Format into a new string or die. */
char *
xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		fatal("out of memory");
	va_end(ap);
	return s;
}

/* Log and exit: for conditions the process cannot go on from. */
void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	log_error("fatal: %s", msg ? msg : fmt);
	exit(1);
}

/* Strict decimal id: digits only, no sign, no overflow, greater than zero. */
int
parse_id(const char *s, long long *out)
{
	char		*end;
	long long	 v;

	if (s == NULL || *s < '0' || *s > '9' || strlen(s) > 18)
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v <= 0)
		return -1;
	*out = v;
	return 0;
}

/* SHA-256 from libcrypto, fetched once (EVP_sha256() fetches per call). */
static EVP_MD *
sha256_md(void)
{
	static EVP_MD	*sha256;

	if (sha256 == NULL)
		sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	return sha256;
}

/*
 * What the request-time helpers here (and ical.c's and web.c's ETags) need
 * from the system, tried once before serving: SHA-256 from libcrypto and
 * getrandom(2). Once these worked, their fatal() calls can only be reached
 * when memory runs out. -1 with *cause (static text) if one is missing.
 */
int
util_check_start(const char **cause)
{
	unsigned char	 b[16], md[EVP_MAX_MD_SIZE];
	unsigned int	 len = 0;

	if (sha256_md() == NULL ||
	    EVP_Digest("kaigi", 5, md, &len, EVP_sha256(), NULL) != 1) {
		*cause = "SHA-256 is not available from libcrypto";
		return -1;
	}
	if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) {
		*cause = "getrandom(2) does not work";
		return -1;
	}
	return 0;
}

/* FNV-1a, 64 bits. */
uint64_t
fnv1a(const void *p, size_t len)
{
	const unsigned char	*b = p;
	uint64_t		 h = 14695981039346656037ULL;
	size_t			 i;

	for (i = 0; i < len; i++)
		h = (h ^ b[i]) * 1099511628211ULL;
	return h;
}

/* SHA-256 of s as lowercase hex: the only form in which secrets are stored. */
void
sha256_hex(const char *s, char out[65])
{
	static const char	 hex[] = "0123456789abcdef";
	static __thread EVP_MD_CTX *ctx;	/* one per thread, reused */
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 len = 0, i;

	/* util_check_start() fetched SHA-256: what fails now is memory. */
	if (sha256_md() == NULL)
		fatal("sha256 unavailable");
	if (ctx == NULL && (ctx = EVP_MD_CTX_new()) == NULL)
		fatal("EVP_MD_CTX_new: out of memory");
	if (EVP_DigestInit_ex2(ctx, sha256_md(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, s, strlen(s)) != 1 ||
	    EVP_DigestFinal_ex(ctx, md, &len) != 1)
		fatal("sha256 failed");
	for (i = 0; i < len && i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[64] = '\0';
}

/* Unguessable token: nbytes from getrandom(2), base64url without padding. */
char *
random_token(size_t nbytes)
{
	static const char	 b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char		*raw = xmalloc(nbytes);
	char			*out = xmalloc(nbytes * 4 / 3 + 4);
	size_t			 i, o = 0, got = 0;
	unsigned int		 acc = 0;
	int			 bits = 0;

	/* util_check_start() drew bytes: only EINTR may happen now. */
	while (got < nbytes) {
		ssize_t n = getrandom(raw + got, nbytes - got, 0);
		if (n < 0 && errno != EINTR)
			fatal("getrandom: %s", strerror(errno));
		if (n > 0)
			got += (size_t)n;
	}
	for (i = 0; i < nbytes; i++) {
		acc = (acc << 8) | raw[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[o++] = b64[(acc >> bits) & 63];
		}
	}
	if (bits > 0)
		out[o++] = b64[(acc << (6 - bits)) & 63];
	out[o] = '\0';
	free(raw);
	return out;
}

/* Length of the UTF-8 sequence led by c (0: not a lead byte), and its bounds. */
static int
utf8_lead(unsigned char c, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (c >= 0x01 && c <= 0x7f)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef) {
		if (c == 0xe0)
			*lo = 0xa0;
		else if (c == 0xed)
			*hi = 0x9f;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (c == 0xf0)
			*lo = 0x90;
		else if (c == 0xf4)
			*hi = 0x8f;
		return 4;
	}
	return 0;
}

/* Length of the well-formed sequence at s[0..len), or 0 if none starts there. */
static size_t
utf8_seq(const unsigned char *p, size_t len)
{
	unsigned char	lo, hi;
	int		n, k;

	if ((n = utf8_lead(p[0], &lo, &hi)) == 0 || (size_t)n > len)
		return 0;
	for (k = 1; k < n; k++) {
		if (p[k] < (k == 1 ? lo : 0x80) || p[k] > (k == 1 ? hi : 0xbf))
			return 0;
	}
	return (size_t)n;
}

/*
 * The largest n <= max (and <= len) such that s[0..n) does not end inside a
 * character: a cut there keeps well-formed UTF-8 well-formed.
 */
size_t
utf8_cut(const char *s, size_t len, size_t max)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n = len < max ? len : max, lead = n;

	if (n == len)
		return n;
	/* Back over continuation bytes (at most 3) to the lead of p[n]. */
	while (lead > 0 && n - lead < 3 && (p[lead] & 0xc0) == 0x80)
		lead--;
	if ((p[lead] & 0xc0) == 0x80)
		return n;		/* not UTF-8 here: any cut is as good */
	return lead;
}

/*
 * A copy of s[0..len) that is well-formed UTF-8 without NUL: every byte
 * that does not begin a well-formed character (NUL included) becomes
 * U+FFFD. Caller frees.
 */
char *
utf8_mend(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	char			*out = xmalloc(len * 3 + 1);
	size_t			 i = 0, o = 0, n;

	while (i < len) {
		if ((n = utf8_seq(p + i, len - i)) == 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(out + o, s + i, n);
		o += n;
		i += n;
	}
	out[o] = '\0';
	return out;
}

/* Well-formed UTF-8 with no NUL byte. */
int
utf8_valid(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, n;

	while (i < len) {
		if ((n = utf8_seq(p + i, len - i)) == 0)
			return 0;
		i += n;
	}
	return 1;
}
