/*
 * test_cursor.c — cursor_seal() and cursor_open() (cursor.c): a sealed
 * position opens under the same key and context, and under nothing else;
 * every byte of a cursor counts; positions are checked both ways.
 */
#include <stdio.h>
#include <string.h>

#include "cursor.h"

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

static const unsigned char key[32] = "0123456789abcdef0123456789abcdef";
static const unsigned char key2[32] = "0123456789abcdef0123456789abcdeF";

/* Open text under key and the context ctx; 0 and *pos, or -1. */
static int
op(const unsigned char *k, const char *ctx, const char *text,
    char pos[CURSOR_POSITION_MAX + 1])
{
	return cursor_open(k, 32, ctx, strlen(ctx), text, pos);
}

/* Does every single-digit change of text fail to open? */
static int
every_digit_counts(const char *text)
{
	char	copy[CURSOR_TEXT_MAX], pos[CURSOR_POSITION_MAX + 1];
	size_t	i;

	for (i = 0; text[i] != '\0'; i++) {
		snprintf(copy, sizeof copy, "%s", text);
		copy[i] = copy[i] == '0' ? '1' : '0';
		if (op(key, "list", copy, pos) == 0)
			return 0;
	}
	return 1;
}

int
main(void)
{
	char	text[CURSOR_TEXT_MAX], pos[CURSOR_POSITION_MAX + 1];
	char	longpos[CURSOR_POSITION_MAX + 2];

	printf("1..15\n");
	check(cursor_seal(key, 32, "list", 4, "1682730000000000:17", text) == 0,
	    "a session position seals");
	check(strspn(text, "0123456789abcdef") == strlen(text) &&
	    strlen(text) == 2 * (1 + CURSOR_MAC_LEN + 19), "as lowercase hex of the expected length");
	check(op(key, "list", text, pos) == 0 && strcmp(pos, "1682730000000000:17") == 0,
	    "it opens to the same position");
	check(op(key, "lisT", text, pos) != 0, "not under another context");
	check(op(key2, "list", text, pos) != 0, "not under another key");
	check(every_digit_counts(text), "not with any one digit changed");
	text[strlen(text) - 2] = '\0';
	check(op(key, "list", text, pos) != 0, "not cut short");
	check(op(key, "list", "", pos) != 0 && op(key, "list", "5", pos) != 0,
	    "not empty, not a bare id");
	check(cursor_seal(key, 32, "list", 4, "42", text) == 0 &&
	    op(key, "list", text, pos) == 0 && strcmp(pos, "42") == 0, "an id position");
	check(cursor_seal(key, 32, "list", 4, "-1000:3", text) == 0,
	    "a negative start (before 1970) seals");
	check(cursor_seal(key, 32, "list", 4, "", text) != 0, "an empty position does not");
	check(cursor_seal(key, 32, "list", 4, "1 OR 1=1", text) != 0,
	    "a position with other bytes does not");
	memset(longpos, '7', sizeof longpos - 1);
	longpos[sizeof longpos - 1] = '\0';
	check(cursor_seal(key, 32, "list", 4, longpos, text) != 0,
	    "a position of 65 bytes does not");
	longpos[CURSOR_POSITION_MAX] = '\0';
	check(cursor_seal(key, 32, "list", 4, longpos, text) == 0 &&
	    op(key, "list", text, pos) == 0 && strcmp(pos, longpos) == 0,
	    "one of 64 bytes does, and opens");
	check(cursor_seal(key, 32, "a\0b", 3, "9", text) == 0 &&
	    cursor_open(key, 32, "a\0c", 3, text, pos) != 0,
	    "contexts differ past a NUL");
	return failed != 0;
}
