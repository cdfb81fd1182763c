/*
 * test_utf8.c — utf8_valid() (util.c): what may reach SQL from a path or a
 * query string. Well-formed UTF-8 passes; NUL, stray continuation bytes,
 * overlongs, surrogates, truncated sequences and code points beyond U+10FFFF
 * do not.
 */
#include <stdio.h>
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

int
main(void)
{
	printf("1..14\n");
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
	return failed != 0;
}
