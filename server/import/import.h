/*
 * import.h — spreadsheets in and out (issue 15): the pure half of
 * POST /conferences/{slug}/import and GET .../export/{kind}.csv|.xlsx.
 *
 * csv.c reads a CSV file (UTF-8 with or without a BOM, comma, semicolon or
 * tab delimited, RFC 4180 quoting, libcsv) into records; rows.c knows the
 * columns of each kind and turns records (or the objects of a JSON array)
 * into checked rows for the SQL function kaigi_import (sql/080_import.sql),
 * naming every bad cell; sheet.c writes what kaigi_export answers as CSV
 * (libcsv) or XLSX (libxlsxwriter). No network or database here: the unit
 * tests and the fuzz target call these directly.
 *
 * Errors are {row, column, message} objects appended to an array. Rows are
 * counted as a spreadsheet shows them: the header is row 1, the first data
 * row is row 2 (a JSON array's first object is row 1).
 */
#ifndef KAIGI_IMPORT_H
#define KAIGI_IMPORT_H

#include <stddef.h>

#include <jansson.h>

/* Append {row, column (null when 0), message} to errors. */
void	import_error(json_t *errors, long row, const char *column,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Read CSV text into records [{"row": n, "cells": [text or null...]}]
 * (the header first; empty cells are null; blank lines are counted but
 * left out), or NULL with errors appended (not UTF-8, a quote out of
 * place, no header).
 */
json_t	*import_csv_read(const char *data, size_t len, json_t *errors);
/* The delimiter of the header line: ',', ';' or '\t' (the most used). */
int	 import_csv_delimiter(const char *data, size_t len);

/* A kind of row ("venues", "participants"...), or NULL when unknown. */
struct import_kind;
const struct import_kind *import_kind_find(const char *name);
/* The kinds, in the order a meeting is set up: "venues, rooms, ...". */
const char	*import_kind_names(void);
/* The name of kind i (0, 1, ... in that order), or NULL past the last. */
const char	*import_kind_name(size_t i);
/* The kind's columns, as a new JSON array of names (the export's header). */
json_t		*import_kind_columns(const struct import_kind *);

/*
 * The checked rows of an import, [{"row": n, column: value...}], from CSV
 * records or from a JSON array of objects. A row holds only the columns
 * the file has; an empty cell there means "empty": a text's default or
 * null. Rows with a bad cell are left out and every bad cell is named in
 * errors; NULL only when the file itself is unusable (no rows array, an
 * unknown or missing column in the header).
 */
json_t	*import_rows_csv(const struct import_kind *, const json_t *records,
	    json_t *errors);
json_t	*import_rows_json(const struct import_kind *, const json_t *array,
	    json_t *errors);

/*
 * CSV text (comma, CRLF, quotes only where needed) of a table
 * {"columns": [names], "rows": [[value...]]}; values are texts, numbers,
 * booleans or null (empty). Caller frees; *len is its length.
 */
char	*export_csv(const json_t *table, size_t *len);
/*
 * An .xlsx workbook of sheets [{"name", "columns", "rows"}] (numbers as
 * numbers, the header bold and frozen), written in dir (a temporary file,
 * removed). Caller frees; NULL with *cause on failure.
 */
char	*export_xlsx(const json_t *sheets, const char *dir, size_t *len,
	    char **cause);

#endif
