/*
 * fuzz_import.c — libFuzzer target for the spreadsheet reader of
 * server/import/: arbitrary bytes as a CSV file (csv.c) and, when they
 * parse, as a JSON body, through the rows of every kind (rows.c). Each
 * read gives records or names at least one error, each kind's rows come
 * with row numbers, and nothing crashes or leaks.
 */
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "import/import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const kinds[] = {
	"venues", "rooms", "travel-times", "delegations", "participants",
	"unavailability", "sessions", "bilaterals",
};

/* Rows of one kind from records (CSV) or a JSON body; checked, freed. */
static void
fuzz_rows(const char *kind, const json_t *in, int csv)
{
	const struct import_kind	*k = import_kind_find(kind);
	json_t				*errors = json_array(), *rows, *row;
	size_t				 i;

	rows = csv ? import_rows_csv(k, in, errors) : import_rows_json(k, in,
	    errors);
	if (rows == NULL && json_array_size(errors) == 0)
		abort();
	json_array_foreach(rows, i, row) {
		if (!json_is_integer(json_object_get(row, "row")))
			abort();
	}
	json_decref(rows);
	json_decref(errors);
}

/* One input as CSV and as JSON, through every kind. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t	*errors = json_array(), *records, *body;
	size_t	 i;

	records = import_csv_read((const char *)data, size, errors);
	if ((records == NULL) == (json_array_size(errors) == 0))
		abort();
	body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		if (records != NULL)
			fuzz_rows(kinds[i], records, 1);
		if (body != NULL)
			fuzz_rows(kinds[i], body, 0);
	}
	json_decref(body);
	json_decref(records);
	json_decref(errors);
	return 0;
}
