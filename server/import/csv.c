/*
 * csv.c — reading a CSV file into records with libcsv (see import.h).
 *
 * What spreadsheets write: UTF-8 with or without a byte order mark, a
 * comma or (European Excel) a semicolon between cells, or a tab; cells
 * quoted RFC 4180 style, with line breaks and doubled quotes inside; CRLF
 * or LF line ends. The delimiter is the one the header line uses most
 * (outside quotes). A row is what a spreadsheet shows as a row: every line
 * break outside quotes ends one (CRLF once), so a blank line still counts
 * and row numbers match the sheet the user looks at.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "../util.h"
#include "import.h"

/* The parser's state between libcsv's callbacks. */
struct csv_state {
	json_t	*records;	/* [{"row", "cells"}] */
	json_t	*cells;		/* the row being read */
	long	 row;		/* its number */
	int	 after_cr;	/* the last row ended with a CR */
	int	 any;		/* it has a non-empty cell */
};

/* Append {row, column, message}. */
void
import_error(json_t *errors, long row, const char *column, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		fatal("vasprintf");
	va_end(ap);
	json_array_append_new(errors, json_pack("{s:I, s:o, s:s}",
	    "row", (json_int_t)row,
	    "column", column != NULL ? json_string(column) : json_null(),
	    "message", msg));
	free(msg);
}

/* Count c in the first line of data, outside quotes. */
static size_t
csv_count_in_header(const char *data, size_t len, char c)
{
	size_t	i, n = 0;
	int	quoted = 0;

	for (i = 0; i < len; i++) {
		if (data[i] == '"')
			quoted = !quoted;
		else if (!quoted && (data[i] == '\n' || data[i] == '\r'))
			break;
		else if (!quoted && data[i] == c)
			n++;
	}
	return n;
}

/* The delimiter the header line uses most: ',' unless ';' or tab win. */
int
import_csv_delimiter(const char *data, size_t len)
{
	size_t	comma = csv_count_in_header(data, len, ',');
	size_t	semi = csv_count_in_header(data, len, ';');
	size_t	tab = csv_count_in_header(data, len, '\t');

	if (semi > comma && semi >= tab)
		return ';';
	if (tab > comma && tab > semi)
		return '\t';
	return ',';
}

/* libcsv: one cell (NULL when empty and unquoted). */
static void
csv_on_cell(void *s, size_t len, void *arg)
{
	struct csv_state	*st = arg;

	if (st->cells == NULL)
		st->cells = json_array();
	if (s == NULL || len == 0) {
		json_array_append_new(st->cells, json_null());
		return;
	}
	json_array_append_new(st->cells, json_stringn(s, len));
	st->any = 1;
}

/*
 * libcsv: the end of a row, c being the CR or LF that ended it (-1 at the
 * end of the file). With CSV_REPALL_NL every line break comes here, so an
 * LF right after a CR adds nothing and a row without cells is a blank line.
 */
static void
csv_on_row(int c, void *arg)
{
	struct csv_state	*st = arg;
	int			 skip = c == '\n' && st->after_cr && st->cells == NULL;

	st->after_cr = c == '\r';
	if (skip)
		return;
	if (st->cells != NULL && st->any)
		json_array_append_new(st->records, json_pack("{s:I, s:O}",
		    "row", (json_int_t)st->row, "cells", st->cells));
	json_decref(st->cells);
	st->cells = NULL;
	st->any = 0;
	st->row++;
}

/* The first line that is not UTF-8 (or holds a NUL), or 0. */
static long
csv_bad_line(const char *data, size_t len)
{
	const char	*p = data, *end = data + len, *nl;
	long		 line = 1;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (!utf8_valid(p, (size_t)(nl - p)))
			return line;
		p = nl + 1;
		line++;
	}
	return 0;
}

/* Run libcsv over data into st; -1 with an error on malformed quoting. */
static int
csv_parse_all(const char *data, size_t len, struct csv_state *st,
    json_t *errors)
{
	struct csv_parser	p;
	int			rc = 0;

	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL |
	    CSV_EMPTY_IS_NULL) != 0)
		fatal("csv_init");
	csv_set_delim(&p, (unsigned char)import_csv_delimiter(data, len));
	if (csv_parse(&p, data, len, csv_on_cell, csv_on_row, st) != len ||
	    csv_fini(&p, csv_on_cell, csv_on_row, st) != 0) {
		import_error(errors, st->row, NULL, csv_error(&p) == CSV_EPARSE ?
		    "a quote out of place: a quoted cell ends with a quote "
		    "followed by the delimiter or the end of the line, and a "
		    "quote inside it is doubled" : "%s",
		    csv_strerror(csv_error(&p)));
		rc = -1;
	}
	csv_free(&p);
	json_decref(st->cells);
	st->cells = NULL;
	return rc;
}

/* Read CSV text into records (see import.h). */
json_t *
import_csv_read(const char *data, size_t len, json_t *errors)
{
	struct csv_state	 st = { NULL, NULL, 1, 0, 0 };
	long			 bad;

	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		data += 3;
		len -= 3;
	}
	if ((bad = csv_bad_line(data, len)) != 0) {
		import_error(errors, bad, NULL, "not UTF-8 text (save the "
		    "sheet as \"CSV UTF-8\")");
		return NULL;
	}
	st.records = json_array();
	if (csv_parse_all(data, len, &st, errors) != 0) {
		json_decref(st.records);
		return NULL;
	}
	if (json_array_size(st.records) == 0) {
		import_error(errors, 1, NULL, "the file is empty: the first row "
		    "must name the columns");
		json_decref(st.records);
		return NULL;
	}
	return st.records;
}
