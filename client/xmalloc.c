/*
 * xmalloc.c — allocation that never fails, and the client's messages.
 *
 * As in tmux, running out of memory is fatal: callers never check for NULL.
 * Messages go to stderr prefixed with the program name (warnx_kaigi cleans
 * them of control characters, as text.c explains).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kaigi.h"

/* Allocate or die. */
void *
xmalloc(size_t size)
{
	void	*p = malloc(size ? size : 1);

	if (p == NULL)
		fatalx("out of memory");
	return p;
}

/* Allocate zeroed memory or die. */
void *
xcalloc(size_t n, size_t size)
{
	void	*p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		fatalx("out of memory");
	return p;
}

/* Resize or die. */
void *
xrealloc(void *old, size_t size)
{
	void	*p = realloc(old, size ? size : 1);

	if (p == NULL)
		fatalx("out of memory");
	return p;
}

/* Resize to n elements of size bytes, checking for overflow, or die. */
void *
xreallocarray(void *old, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		fatalx("out of memory");
	return xrealloc(old, n * size);
}

/* Duplicate a string or die. */
char *
xstrdup(const char *s)
{
	char	*p = strdup(s);

	if (p == NULL)
		fatalx("out of memory");
	return p;
}

/* Duplicate at most n bytes of a string or die. */
char *
xstrndup(const char *s, size_t n)
{
	char	*p = strndup(s, n);

	if (p == NULL)
		fatalx("out of memory");
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
		fatalx("out of memory");
	va_end(ap);
	return s;
}

/* Print "kaigi: message" to stderr and exit with the usage/local code. */
void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	fputs("kaigi: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_USAGE);
}

/*
 * Print "kaigi: message" to stderr and go on. Messages quote URLs, names
 * and answers from elsewhere, so the line is cleaned as out_line does.
 */
void
warnx_kaigi(const char *fmt, ...)
{
	va_list	 ap;
	char	*raw;

	va_start(ap, fmt);
	if (vasprintf(&raw, fmt, ap) < 0)
		fatalx("out of memory");
	va_end(ap);
	out_line(stderr, "kaigi: %s", raw);
	free(raw);
}
