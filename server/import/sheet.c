/*
 * sheet.c — writing an export (see import.h): CSV with libcsv's quoting,
 * and an .xlsx workbook with libxlsxwriter, one sheet per kind.
 *
 * The CSV is what the import reads back unchanged: a header of the
 * kind's columns, a comma between cells, CRLF line ends (RFC 4180), a
 * cell quoted only when it holds a delimiter, a quote, a line break or
 * spaces at either end. libxlsxwriter 1.1 writes only to a file, so the
 * workbook goes through a temporary file that is removed at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <csv.h>
#include <xlsxwriter.h>

#include "../util.h"
#include "import.h"

/* The text of one value: a string as is, numbers and booleans spelled out. */
static char *
sheet_text(const json_t *v)
{
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_integer(v))
		return xasprintf("%lld", (long long)json_integer_value(v));
	if (json_is_real(v))
		return xasprintf("%.17g", json_real_value(v));
	if (json_is_boolean(v))
		return xstrdup(json_is_true(v) ? "true" : "false");
	return xstrdup("");
}

/* Must the cell be quoted to read back as it is? */
static int
sheet_needs_quotes(const char *s)
{
	size_t	n = strlen(s);

	return strpbrk(s, ",;\"\r\n\t") != NULL ||
	    (n > 0 && (s[0] == ' ' || s[n - 1] == ' '));
}

/* One CSV row of values to f. */
static void
sheet_csv_row(FILE *f, const json_t *values)
{
	const json_t	*v;
	size_t		 i;
	char		*s;

	json_array_foreach(values, i, v) {
		if (i > 0)
			fputc(',', f);
		s = sheet_text(v);
		if (sheet_needs_quotes(s))
			csv_fwrite(f, s, strlen(s));
		else
			fputs(s, f);
		free(s);
	}
	fputs("\r\n", f);
}

/* CSV text of {columns, rows}. */
char *
export_csv(const json_t *table, size_t *len)
{
	const json_t	*row;
	char		*buf = NULL;
	size_t		 i;
	FILE		*f;

	if ((f = open_memstream(&buf, len)) == NULL)
		fatal("open_memstream: %s", strerror(errno));
	sheet_csv_row(f, json_object_get(table, "columns"));
	json_array_foreach(json_object_get(table, "rows"), i, row)
		sheet_csv_row(f, row);
	if (fclose(f) != 0)
		fatal("export_csv: %s", strerror(errno));
	return buf;
}

/* One value into the cell (row, col): numbers as numbers. */
static lxw_error
sheet_cell(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const json_t *v,
    lxw_format *fmt)
{
	lxw_error	 rc;
	char		*s;

	if (json_is_integer(v) || json_is_real(v))
		return worksheet_write_number(ws, row, col, json_number_value(v),
		    fmt);
	if (json_is_boolean(v))
		return worksheet_write_boolean(ws, row, col, json_is_true(v), fmt);
	if (json_is_null(v) || v == NULL)
		return LXW_NO_ERROR;
	s = sheet_text(v);
	rc = worksheet_write_string(ws, row, col, s, fmt);
	free(s);
	return rc;
}

/* One sheet: the bold, frozen header and the rows. */
static lxw_error
sheet_xlsx_sheet(lxw_workbook *wb, const json_t *sheet, lxw_format *bold)
{
	const json_t	*cols = json_object_get(sheet, "columns"), *row, *v;
	lxw_worksheet	*ws;
	lxw_error	 rc = LXW_NO_ERROR;
	size_t		 i, j;

	ws = workbook_add_worksheet(wb, json_string_value(json_object_get(sheet,
	    "name")));
	if (ws == NULL)
		return LXW_ERROR_WORKSHEET_INDEX_OUT_OF_RANGE;
	worksheet_freeze_panes(ws, 1, 0);
	if (json_array_size(cols) > 0)
		worksheet_set_column(ws, 0, (lxw_col_t)(json_array_size(cols) - 1),
		    24, NULL);
	json_array_foreach(cols, j, v)
		if (rc == LXW_NO_ERROR)
			rc = sheet_cell(ws, 0, (lxw_col_t)j, v, bold);
	json_array_foreach(json_object_get(sheet, "rows"), i, row) {
		json_array_foreach(row, j, v) {
			if (rc == LXW_NO_ERROR)
				rc = sheet_cell(ws, (lxw_row_t)(i + 1),
				    (lxw_col_t)j, v, NULL);
		}
	}
	return rc;
}

/* The whole file at path into memory; NULL on error. */
static char *
sheet_slurp(const char *path, size_t *len)
{
	FILE	*f = fopen(path, "rb");
	char	*buf;
	long	 n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	buf = xmalloc((size_t)n + 1);
	*len = fread(buf, 1, (size_t)n, f);
	fclose(f);
	if (*len != (size_t)n) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Write the workbook to path; an error text or NULL. */
static const char *
sheet_xlsx_write(const char *path, const char *dir, const json_t *sheets)
{
	lxw_workbook_options	 opt = { LXW_FALSE, (char *)dir, LXW_FALSE };
	lxw_workbook		*wb = workbook_new_opt(path, &opt);
	lxw_format		*bold;
	const json_t		*sheet;
	lxw_error		 rc = LXW_NO_ERROR;
	size_t			 i;

	if (wb == NULL)
		return "cannot create the workbook";
	bold = workbook_add_format(wb);
	format_set_bold(bold);
	json_array_foreach(sheets, i, sheet) {
		if (rc == LXW_NO_ERROR)
			rc = sheet_xlsx_sheet(wb, sheet, bold);
	}
	if (rc != LXW_NO_ERROR) {
		workbook_close(wb);
		return lxw_strerror(rc);
	}
	rc = workbook_close(wb);
	return rc == LXW_NO_ERROR ? NULL : lxw_strerror(rc);
}

/* An .xlsx workbook of sheets (see import.h). */
char *
export_xlsx(const json_t *sheets, const char *dir, size_t *len, char **cause)
{
	char		*path = xasprintf("%s/kaigi-export-XXXXXX", dir), *buf = NULL;
	const char	*why;
	int		 fd;

	if ((fd = mkstemp(path)) < 0) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		free(path);
		return NULL;
	}
	close(fd);
	if ((why = sheet_xlsx_write(path, dir, sheets)) != NULL)
		*cause = xasprintf("xlsx: %s", why);
	else if ((buf = sheet_slurp(path, len)) == NULL)
		*cause = xasprintf("%s: cannot read back", path);
	unlink(path);
	free(path);
	return buf;
}
