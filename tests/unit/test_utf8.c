/*
 * test_utf8.c — the UTF-8 helpers of util.c.
 *
 * utf8_valid(): what may reach SQL from a path or a query string.
 * Well-formed UTF-8 passes; NUL, stray continuation bytes, overlongs,
 * surrogates, truncated sequences and code points beyond U+10FFFF do not.
 *
 * utf8_cut() and utf8_mend(): what lets a problem document quote any text
 * (issue 14: a 422 naming a long key of "é" was cut at 320 bytes inside a
 * character and kaigid exited). Every cut of strings of 2-, 3- and 4-byte
 * characters, at every byte, stays well-formed; mending turns any bytes
 * into well-formed UTF-8 and leaves well-formed text as it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static int	n, failed;

/* One TAP line. */
static void
check(int cond, const char *what)
{
	n++;
	if (!cond)
		failed++;
	printf("%sok %d - %s\n", cond ? "" : "not ", n, what);
}

/* utf8_valid over a byte string of explicit length. */
static int
v(const char *s, size_t len)
{
	return utf8_valid(s, len);
}

/* A string of count characters c (clen bytes each) after pad ASCII bytes. */
static char *
repeat(const char *c, size_t clen, size_t pad, size_t count)
{
	char	*s = malloc(pad + count * clen + 1);
	size_t	 i;

	memset(s, 'a', pad);
	for (i = 0; i < count; i++)
		memcpy(s + pad + i * clen, c, clen);
	s[pad + count * clen] = '\0';
	return s;
}

/* Every cut of every padding of 2-, 3- and 4-byte text is well-formed and tight. */
static void
check_cuts(void)
{
	static const char *const chars[] = { "\xc3\xa9", "\xe4\xbc\x9a",
	    "\xf0\x9f\x98\x80" };
	size_t	 w, pad, max, len, cut, bad = 0, loose = 0;
	char	*s;

	for (w = 0; w < 3; w++) {
		for (pad = 0; pad < 4; pad++) {
			s = repeat(chars[w], w + 2, pad, 120);
			len = strlen(s);
			for (max = 0; max <= len + 1; max++) {
				cut = utf8_cut(s, len, max);
				if (cut > max || cut > len || !utf8_valid(s, cut))
					bad++;
				if (max < len && cut + (w + 2) <= max)
					loose++;	/* cut more than one character */
			}
			free(s);
		}
	}
	check(bad == 0, "every cut of 2-, 3- and 4-byte text is well-formed and within max");
	check(loose == 0, "no cut drops more than the character it would split");
	check(utf8_cut("abc", 3, 10) == 3, "a cut beyond the end keeps it all");
}

/* utf8_mend: any bytes in, well-formed UTF-8 out. */
static void
check_mend(void)
{
	char		*m, bytes[64];
	size_t		 i, k, bad = 0;
	unsigned int	 seed = 1;

	m = utf8_mend("a\xff" "b\xe4\xbc", 5);
	check(strcmp(m, "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd") == 0,
	    "0xff and a truncated sequence become U+FFFD each byte");
	free(m);
	m = utf8_mend("a\0b", 3);
	check(strcmp(m, "a\xef\xbf\xbd" "b") == 0, "NUL becomes U+FFFD");
	free(m);
	m = utf8_mend("\xe4\xbc\x9a\xf0\x9f\x98\x80", 7);
	check(strcmp(m, "\xe4\xbc\x9a\xf0\x9f\x98\x80") == 0,
	    "well-formed text is left as it is");
	free(m);
	for (i = 0; i < 20000; i++) {
		for (k = 0; k < sizeof bytes; k++) {
			seed = seed * 1103515245u + 12345u;
			bytes[k] = (char)(seed >> 16);
		}
		m = utf8_mend(bytes, sizeof bytes);
		if (!utf8_valid(m, strlen(m)))
			bad++;
		free(m);
	}
	check(bad == 0, "20,000 random byte strings all mend to well-formed UTF-8");
}

int
main(void)
{
	printf("1..21\n");
	check(v("", 0), "empty is valid");
	check(v("g7-digital-2023", 15), "ASCII is valid");
	check(v("\xe4\xbc\x9a\xe8\xad\xb0", 6), "会議 is valid");
	check(v("\xf0\x9f\x98\x80", 4), "a 4-byte emoji is valid");
	check(v("\xf4\x8f\xbf\xbf", 4), "U+10FFFF is valid");
	check(!v("a\0b", 3), "NUL is refused");
	check(!v("\xff\xfe", 2), "0xff 0xfe is refused");
	check(!v("\x80", 1), "a lone continuation byte is refused");
	check(!v("\xc0\xaf", 2), "overlong '/' is refused");
	check(!v("\xe0\x80\xaf", 3), "3-byte overlong is refused");
	check(!v("\xed\xa0\x80", 3), "a UTF-16 surrogate is refused");
	check(!v("\xf4\x90\x80\x80", 4), "beyond U+10FFFF is refused");
	check(!v("\xe4\xbc", 2), "a truncated sequence is refused");
	check(!v("\xe4\x3c\x9a", 3), "a bad continuation byte is refused");
	check_cuts();
	check_mend();
	return failed != 0;
}
