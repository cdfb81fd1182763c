/*
 * test_import.c — the pure half of spreadsheets (server/import/): reading
 * CSV (BOM, the delimiter detected, RFC 4180 quoting, rows numbered as a
 * sheet numbers them, refusals named by row), checking the rows of each
 * kind (types, required cells, what an empty cell means, the API's
 * decoders, times with and without an offset), and the CSV writer, whose
 * output the reader must give back cell for cell.
 */
#include <stdlib.h>
#include <string.h>

#include "import/import.h"
#include "tap.h"

/* Compact JSON text of v (static buffer), "NULL" for NULL. */
static const char *
text(const json_t *v)
{
	static char	 buf[4096];
	char		*s;

	if (v == NULL)
		return "NULL";
	s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	snprintf(buf, sizeof buf, "%s", s);
	free(s);
	return buf;
}

/* "row:column" of every error, comma-separated. */
static const char *
where(const json_t *errors)
{
	static char	 buf[1024];
	const json_t	*e;
	size_t		 i, n = 0;

	buf[0] = '\0';
	json_array_foreach(errors, i, e) {
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%lld:%s", i ? "," : "",
		    (long long)json_integer_value(json_object_get(e, "row")),
		    json_string_value(json_object_get(e, "column")) ?: "-");
	}
	return buf;
}

/* The checked rows of CSV text for kind; errors into *errors (kept). */
static json_t *
csv_rows(const char *kind, const char *csv, json_t **errors)
{
	json_t	*records, *rows = NULL;

	*errors = json_array();
	records = import_csv_read(csv, strlen(csv), *errors);
	if (records != NULL)
		rows = import_rows_csv(import_kind_find(kind), records, *errors);
	json_decref(records);
	return rows;
}

static void
test_reading(void)
{
	const char	*f = "\xef\xbb\xbfname;address\r\n\"A; B\";\"x \"\"y\"\"\"\r\n"
			    "\r\nC;\"two\nlines\"\r\n";
	json_t		*e = json_array(), *r;

	r = import_csv_read(f, strlen(f), e);
	is_str(text(r), "[{\"row\":1,\"cells\":[\"name\",\"address\"]},"
	    "{\"row\":2,\"cells\":[\"A; B\",\"x \\\"y\\\"\"]},"
	    "{\"row\":4,\"cells\":[\"C\",\"two\\nlines\"]}]",
	    "BOM skipped, ';' detected, quotes, a blank row 3 counted, CRLF once");
	json_decref(r);
	ok(import_csv_delimiter("a\tb\tc\n", 6) == '\t', "a tab-separated header");
	ok(import_csv_delimiter("\"a;b\",c\n", 8) == ',', "';' inside quotes does not count");
	r = import_csv_read("name\n\"open\n", 11, e);
	ok(r == NULL && strcmp(where(e), "2:-") == 0, "an unclosed quote: refused on row 2 (%s)", where(e));
	json_array_clear(e);
	r = import_csv_read("name\nok\n\xc3\x28\n", 12, e);
	ok(r == NULL && strcmp(where(e), "3:-") == 0, "not UTF-8: the line named (%s)", where(e));
	json_array_clear(e);
	r = import_csv_read("\n\n", 2, e);
	ok(r == NULL && json_array_size(e) == 1, "no header: refused");
	json_decref(e);
}

static void
test_rows(void)
{
	json_t	*e, *r;

	r = csv_rows("rooms", "Venue,Name,capacity,kind,usable for bilaterals\n"
	    "G Messe, Room A ,12.0,bilateral,\nG Messe,Room B,x,hall,maybe\n", &e);
	is_str(text(r), "[{\"venue\":\"G Messe\",\"name\":\"Room A\",\"capacity\":12,"
	    "\"kind\":\"bilateral\",\"usable_for_bilaterals\":true,\"row\":2}]",
	    "headers in any case with spaces; cells trimmed; 12.0 is 12; an empty "
	    "usable_for_bilaterals follows the kind");
	is_str(where(e), "3:capacity,3:kind,3:usable_for_bilaterals", "every bad cell of row 3 named");
	json_decref(r);
	json_decref(e);
	r = csv_rows("participants", "ref,delegation,name,role,email,timezone,title\n"
	    "P1,JP,Kono Taro,head,,,\nP2,J P,X,member,not-mail,Mars/Base,\n", &e);
	is_str(text(r), "[{\"ref\":\"P1\",\"delegation\":\"JP\",\"name\":\"Kono Taro\","
	    "\"title\":\"\",\"role\":\"head\",\"email\":null,\"timezone\":null,\"row\":2}]",
	    "empty cells: null for e-mail and zone, \"\" for a title");
	is_str(where(e), "3:delegation,3:email,3:timezone",
	    "the API's decoder refuses a bad code, e-mail and zone");
	json_decref(r);
	json_decref(e);
	r = csv_rows("venues", "name,colour\nA,red\n", &e);
	ok(r == NULL && strcmp(where(e), "1:colour") == 0, "an unknown column: the file is refused on row 1");
	json_decref(e);
	r = csv_rows("rooms", "name,capacity\nA,3\n", &e);
	ok(r == NULL && strcmp(where(e), "1:venue") == 0, "a required column missing: named");
	json_decref(e);
	r = csv_rows("venues", "name\nA,extra\n", &e);
	ok(r != NULL && json_array_size(r) == 0 && strcmp(where(e), "2:-") == 0,
	    "more cells than columns: the row refused");
	json_decref(r);
	json_decref(e);
}

static void
test_times_lists(void)
{
	json_t	*e, *r;

	r = csv_rows("sessions", "kind,title,start,end,attendees\n"
	    "plenary,A,2024-03-31 02:30,2024-03-31T03:00:00+02:00, Kono Taro ; ;k@example.org\n"
	    "plenary,B,2023-02-29T10:00,2023-04-29T25:00,\n", &e);
	is_str(text(json_array_get(r, 0)), "{\"kind\":\"plenary\",\"title\":\"A\","
	    "\"start\":\"2024-03-31T02:30:00\",\"end\":\"2024-03-31T01:00:00Z\","
	    "\"attendees\":[\"Kono Taro\",\"k@example.org\"],\"row\":2}",
	    "a wall time stays for the database; an offset gives UTC; lists split on ';'");
	is_str(where(e), "3:start,3:end", "29 February 2023 and 25:00 are no times");
	json_decref(r);
	json_decref(e);
	e = json_array();
	r = json_loads("[{\"kind\":\"press\",\"title\":\"T\",\"start\":\"2023-04-29T10:00\","
	    "\"end\":\"2023-04-29T11:00\",\"attendees\":[\"a\",\" b \"],\"delegations\":\"JP;CA\"},"
	    "{\"kind\":\"press\"}, 7]", 0, NULL);
	json_t *rows = import_rows_json(import_kind_find("sessions"), r, e);
	is_str(text(json_object_get(json_array_get(rows, 0), "delegations")), "[\"JP\",\"CA\"]",
	    "JSON rows: a list as an array or as ';' text");
	is_str(where(e), "2:title,2:start,2:end,3:-", "a JSON row missing cells; a row that is no object");
	json_decref(rows);
	json_decref(r);
	json_decref(e);
}

/* The interpretation columns (issue 17): booths, language_pairs, pairs. */
static void
test_interpretation(void)
{
	json_t	*e, *r;

	r = csv_rows("rooms", "venue,name,capacity,booths\n"
	    "V,A,10,\nV,B,10,3\nV,C,10,51\n", &e);
	is_str(text(json_array_get(r, 0)), "{\"venue\":\"V\",\"name\":\"A\","
	    "\"capacity\":10,\"booths\":0,\"row\":2}",
	    "rooms: an empty booths cell is 0 booths");
	is_str(text(json_object_get(json_array_get(r, 1), "booths")), "3", "rooms: 3 booths");
	is_str(where(e), "4:booths", "rooms: 51 booths is too many, named by row");
	json_decref(r);
	json_decref(e);
	r = csv_rows("participants", "delegation,name,role,language_pairs\n"
	    "JP,I1,interpreter,ja-en; en-fr\nJP,I2,interpreter,JA-EN\n"
	    "JP,I3,interpreter,ja-en;en-ja\nJP,I4,interpreter,\n", &e);
	is_str(text(json_object_get(json_array_get(r, 0), "language_pairs")),
	    "[\"ja-en\",\"en-fr\"]", "participants: pairs split on ';'");
	is_str(text(json_object_get(json_array_get(r, 1), "language_pairs")), "[]",
	    "participants: an empty cell is no pairs");
	is_str(where(e), "3:language_pairs,4:language_pairs",
	    "participants: a pair in capitals, a pair twice (reversed)");
	ok(strstr(text(e), "(JA-EN)") != NULL && strstr(text(e), "as ja-en") != NULL,
	    "... the message shows the value and the form: %s", text(e));
	json_decref(r);
	json_decref(e);
	r = csv_rows("sessions", "kind,title,start,end,interpretation,interpreters\n"
	    "bilateral,A,2023-04-29T10:00,2023-04-29T11:00,ja-en,I1;i2@example.org\n"
	    "bilateral,B,2023-04-29T10:00,2023-04-29T11:00,japanese,\n", &e);
	is_str(text(json_array_get(r, 0)), "{\"kind\":\"bilateral\",\"title\":\"A\","
	    "\"start\":\"2023-04-29T10:00:00\",\"end\":\"2023-04-29T11:00:00\","
	    "\"interpretation\":[\"ja-en\"],\"interpreters\":[\"I1\",\"i2@example.org\"],"
	    "\"row\":2}", "sessions: interpretation and interpreters as lists");
	is_str(where(e), "3:interpretation", "sessions: no pair, named by row and column");
	json_decref(r);
	json_decref(e);
	r = csv_rows("bilaterals", "requester,counterpart,duration_minutes,interpretation\n"
	    "JP,CA,30,ja-en\nJP,IT,30,ja-\n", &e);
	is_str(text(json_object_get(json_array_get(r, 0), "interpretation")), "[\"ja-en\"]",
	    "bilaterals: interpretation");
	is_str(where(e), "3:interpretation", "bilaterals: a bad pair named");
	json_decref(r);
	json_decref(e);
}

static void
test_writer(void)
{
	json_t	*t, *e = json_array(), *back;
	char	*csv;
	size_t	 len;

	t = json_loads("{\"columns\":[\"a\",\"b\",\"c\",\"d\"],\"rows\":[[\"x, y\",3,true,null],"
	    "[\" lead\",\"say \\\"hi\\\"\",\"two\\r\\nlines\",\"semi;colon\"]]}", 0, NULL);
	csv = export_csv(t, &len);
	is_str(csv, "a,b,c,d\r\n\"x, y\",3,true,\r\n\" lead\",\"say \"\"hi\"\"\","
	    "\"two\r\nlines\",\"semi;colon\"\r\n", "CRLF rows, quotes only where needed");
	back = import_csv_read(csv, len, e);
	is_str(text(json_object_get(json_array_get(back, 2), "cells")),
	    "[\" lead\",\"say \\\"hi\\\"\",\"two\\r\\nlines\",\"semi;colon\"]",
	    "the reader gives the written cells back");
	free(csv);
	json_decref(back);
	json_decref(t);
	json_decref(e);
}

int
main(void)
{
	test_reading();
	test_rows();
	test_times_lists();
	test_interpretation();
	test_writer();
	return tap_done();
}
