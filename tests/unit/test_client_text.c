/*
 * test_client_text.c — unit tests of client/text.c: text_clean keeps
 * every printable character (any script) and removes what a terminal
 * would act on (C0, DEL, C1), turns line breaks and tabs into spaces and
 * bytes that are not UTF-8 (overlong forms, surrogates, sequences cut
 * short, also at the very end of the string) into U+FFFD; and
 * text_print_json escapes DEL and C1 while the JSON still holds the data.
 */
#include <stdlib.h>
#include <string.h>

#include "kaigi.h"
#include "tap.h"

/* text_clean of a heap copy of s compared with want. */
static int
clean_is(const char *s, const char *want)
{
	char	*copy = strdup(s), *got = text_clean(copy);
	int	 same = strcmp(got, want) == 0;

	if (!same)
		printf("#   '%s' cleaned to '%s', expected '%s'\n", s, got, want);
	free(got);
	free(copy);
	return same;
}

/* What text_clean keeps and removes. */
static void
test_clean(void)
{
	ok(clean_is("Japan – Canada 日本 🇯🇵 é", "Japan – Canada 日本 🇯🇵 é"),
	    "printable text of any script is kept as it is");
	ok(clean_is("\x1b]0;pwned\x07Title\x1b[2J", "]0;pwnedTitle[2J"),
	    "ESC and BEL are removed, the text around them stays");
	ok(clean_is("a\x7f" "b\xc2\x9b" "31mc\xc2\x85" "d", "ab31mcd"),
	    "DEL and C1 controls (CSI, NEL) are removed");
	ok(clean_is("one\ntwo\r\nthree\tfour", "one two  three four"),
	    "line breaks and tabs become spaces");
	ok(clean_is("x\x01\x08\x0b\x0c\x1f" "y", "xy"), "other C0 controls go");
	ok(clean_is("bad\x9b" "byte", "bad\xef\xbf\xbd" "byte"),
	    "a lone C1 byte (CSI on 8-bit terminals) becomes U+FFFD");
	ok(clean_is("\xc0\xaf\xe0\x80\xaf", "\xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"), "overlong forms are bad bytes");
	ok(clean_is("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"),
	    "a surrogate is three bad bytes");
	ok(clean_is("end\xe2\x80", "end\xef\xbf\xbd\xef\xbf\xbd"),
	    "a sequence cut short at the end of the string");
	ok(clean_is("\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd"), "past U+10FFFF is bad bytes");
	ok(clean_is("", ""), "the empty string");
}

/* text_print_json escapes DEL and C1; the data reads back the same. */
static void
test_json(void)
{
	json_t	*j = json_pack("{s:s}", "t", "a\x7f" "b\xc2\x9b" "c\x1b" "d日");
	json_t	*back;
	FILE	*f = tmpfile();
	char	 buf[256];
	size_t	 n;

	text_print_json(f, j, JSON_COMPACT);
	rewind(f);
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	ok(strcmp(buf, "{\"t\":\"a\\u007fb\\u009bc\\u001Bd日\"}\n") == 0,
	    "DEL, C1 and C0 escaped; other characters kept (%s)", buf);
	back = json_loads(buf, 0, NULL);
	ok(back != NULL && json_equal(back, j), "the same data reads back");
	json_decref(back);
	json_decref(j);
}

int
main(void)
{
	test_clean();
	test_json();
	return tap_done();
}
