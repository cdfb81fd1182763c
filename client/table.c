/*
 * table.c — aligned text tables for human output.
 *
 * Columns are padded to the widest cell measured in terminal columns
 * (UTF-8 aware: an en dash is one column, a kanji two), two spaces apart;
 * the last column is not padded, so lines carry no trailing blanks.
 * Cells are stored cleaned of control characters (text.c): they hold
 * titles and names from servers and feeds.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "kaigi.h"

struct table {
	int	  ncols;
	int	  noheader;	/* headings were NULL: print rows only */
	size_t	  nrows;	/* including the header row */
	char	**cells;	/* nrows * ncols */
	int	 *spans;	/* per row: a heading line across the table */
};

/* Terminal width of one code point (wide East Asian = 2, combining = 0). */
static int
utf8_cp_width(unsigned long cp)
{
	if (cp >= 0x300 && cp <= 0x36f)
		return 0;
	if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
	    (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
	    (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
	    (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x20000 && cp <= 0x3fffd))
		return 2;
	return 1;
}

/* Terminal columns taken by a UTF-8 string (bad bytes count one each). */
size_t
utf8_width(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	unsigned long		 cp;
	size_t			 w = 0;
	int			 extra, i;

	while (*p != '\0') {
		if (*p < 0x80) {
			w++;
			p++;
			continue;
		}
		extra = (*p & 0xe0) == 0xc0 ? 1 : (*p & 0xf0) == 0xe0 ? 2 :
		    (*p & 0xf8) == 0xf0 ? 3 : 0;
		cp = *p & (0x3f >> extra);
		for (i = 1; i <= extra; i++) {
			if ((p[i] & 0xc0) != 0x80)
				break;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if (extra == 0 || i <= extra) {
			w++;
			p++;
			continue;
		}
		w += utf8_cp_width(cp);
		p += extra + 1;
	}
	return w;
}

/* Append one row of ncols strings from ap. */
static void
table_add_va(struct table *t, va_list ap)
{
	const char	*s;
	int		 i;

	t->cells = xreallocarray(t->cells, (t->nrows + 1) * (size_t)t->ncols,
	    sizeof *t->cells);
	t->spans = xreallocarray(t->spans, t->nrows + 1, sizeof *t->spans);
	t->spans[t->nrows] = 0;
	for (i = 0; i < t->ncols; i++) {
		s = va_arg(ap, const char *);
		t->cells[t->nrows * (size_t)t->ncols + (size_t)i] =
		    text_clean(s ? s : "");
	}
	t->nrows++;
}

/* A new table with ncols columns, given their headings (NULLs: none). */
struct table *
table_new(int ncols, ...)
{
	struct table	*t = xcalloc(1, sizeof *t);
	va_list		 ap;

	t->ncols = ncols;
	va_start(ap, ncols);
	table_add_va(t, ap);
	va_end(ap);
	t->noheader = *t->cells[0] == '\0';
	return t;
}

/* Add a row of ncols strings (copied, cleaned). */
void
table_add(struct table *t, ...)
{
	va_list	ap;

	va_start(ap, t);
	table_add_va(t, ap);
	va_end(ap);
}

/* Add a line of text across the table (a day's heading): not aligned. */
void
table_add_heading(struct table *t, const char *text)
{
	int	c;

	t->cells = xreallocarray(t->cells, (t->nrows + 1) * (size_t)t->ncols,
	    sizeof *t->cells);
	t->spans = xreallocarray(t->spans, t->nrows + 1, sizeof *t->spans);
	t->spans[t->nrows] = 1;
	for (c = 0; c < t->ncols; c++)
		t->cells[t->nrows * (size_t)t->ncols + (size_t)c] =
		    text_clean(c == 0 ? text : "");
	t->nrows++;
}

/* Print the table, headings first. */
void
table_print(struct table *t, FILE *f)
{
	size_t	*width = xcalloc((size_t)t->ncols, sizeof *width), r, w;
	int	 c;
	char	*cell;

	for (r = t->noheader ? 1 : 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols && !t->spans[r]; c++) {
			w = utf8_width(t->cells[r * (size_t)t->ncols + (size_t)c]);
			if (w > width[c])
				width[c] = w;
		}
	for (r = t->noheader ? 1 : 0; r < t->nrows; r++) {
		if (t->spans[r]) {
			fprintf(f, "%s\n", t->cells[r * (size_t)t->ncols]);
			continue;
		}
		for (c = 0; c < t->ncols; c++) {
			cell = t->cells[r * (size_t)t->ncols + (size_t)c];
			fputs(cell, f);
			if (c == t->ncols - 1)
				break;
			for (w = utf8_width(cell); w < width[c] + 2; w++)
				fputc(' ', f);
		}
		fputc('\n', f);
	}
	free(width);
}

/* Free a table. */
void
table_free(struct table *t)
{
	size_t	i;

	for (i = 0; i < t->nrows * (size_t)t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->spans);
	free(t);
}
