/*
 * text.c — what the client prints of text that comes from elsewhere.
 *
 * Titles, details, room names, slugs and feed summaries come from a
 * server or from someone's calendar feed, and a terminal obeys control
 * characters: ESC and the C1 CSI start sequences that retitle the window,
 * clear or rewrite the screen, or, on some terminals, answer back. So
 * nothing received is ever written raw. Human output is printed only
 * through out_line, table_print (table.c) and warnx_kaigi (xmalloc.c),
 * which pass every line through text_clean: tabs and line breaks become
 * spaces, every other C0 control, DEL and C1 control is removed, and a
 * byte that is not UTF-8 becomes U+FFFD. --json output goes through
 * text_print_json: jansson escapes C0 controls, and DEL and C1 controls
 * are escaped here (\u007f, \u0080...), so the JSON still holds exactly
 * the server's data.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "kaigi.h"

/* The valid UTF-8 sequence at p: its length and code point, or 0. */
static int
text_utf8(const unsigned char *p, unsigned long *cp)
{
	unsigned long	min;
	int		n, i;

	if (*p < 0x80) {
		*cp = *p;
		return 1;
	}
	if (*p >= 0xc2 && *p <= 0xdf)
		n = 2, *cp = *p & 0x1f, min = 0x80;
	else if ((*p & 0xf0) == 0xe0)
		n = 3, *cp = *p & 0x0f, min = 0x800;
	else if (*p >= 0xf0 && *p <= 0xf4)
		n = 4, *cp = *p & 0x07, min = 0x10000;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)	/* also stops at the NUL */
			return 0;
		*cp = (*cp << 6) | (p[i] & 0x3f);
	}
	if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return n;
}

/* Is code point cp a control character (C0, DEL or C1)? */
static int
text_is_control(unsigned long cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

/* s made safe for a terminal (see the top of the file); caller frees. */
char *
text_clean(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	unsigned long		 cp;
	char			*out, *o;
	int			 n;

	/* U+FFFD takes 3 bytes where a bad byte took 1. */
	out = o = xmalloc(strlen(s) * 3 + 1);
	while (*p != '\0') {
		if ((n = text_utf8(p, &cp)) == 0) {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			p++;
			continue;
		}
		if (cp == '\t' || cp == '\n' || cp == '\r')
			*o++ = ' ';
		else if (!text_is_control(cp)) {
			memcpy(o, p, (size_t)n);
			o += n;
		}
		p += n;
	}
	*o = '\0';
	return out;
}

/* Print one line of human output to f: formatted, cleaned, then '\n'. */
void
out_line(FILE *f, const char *fmt, ...)
{
	va_list	 ap;
	char	*raw, *clean;

	va_start(ap, fmt);
	if (vasprintf(&raw, fmt, ap) < 0)
		fatalx("out of memory");
	va_end(ap);
	clean = text_clean(raw);
	fprintf(f, "%s\n", clean);
	free(clean);
	free(raw);
}

/*
 * Show a status (a progress bar) on the current terminal line of f, over
 * the one before: a carriage return, the cleaned text, erase to the end of
 * the line, no newline. out_status_end ends the line.
 */
void
out_status(FILE *f, const char *fmt, ...)
{
	va_list	 ap;
	char	*raw, *clean;

	va_start(ap, fmt);
	if (vasprintf(&raw, fmt, ap) < 0)
		fatalx("out of memory");
	va_end(ap);
	clean = text_clean(raw);
	fprintf(f, "\r%s\033[K", clean);
	fflush(f);
	free(clean);
	free(raw);
}

/* End a line of out_status. */
void
out_status_end(FILE *f)
{
	fputc('\n', f);
}

/* Print an empty line to f. */
void
out_blank(FILE *f)
{
	fputc('\n', f);
}

/*
 * Print j as JSON (json_dumps flags) and a newline to f, with DEL and C1
 * controls escaped. jansson writes only valid UTF-8, and outside strings
 * only ASCII, so each such character is inside a string, where an escape
 * means the same.
 */
void
text_print_json(FILE *f, json_t *j, size_t flags)
{
	char		*s = json_dumps(j, flags | JSON_ENCODE_ANY);
	unsigned char	*p;

	if (s == NULL)
		fatalx("out of memory");
	for (p = (unsigned char *)s; *p != '\0'; p++) {
		if (*p == 0x7f)
			fputs("\\u007f", f);
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			fprintf(f, "\\u%04x", *++p);
		else
			fputc(*p, f);
	}
	fputc('\n', f);
	free(s);
}
