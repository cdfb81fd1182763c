/*
 * rows.c — the columns of each kind of import and the check of every row
 * (see import.h).
 *
 * A kind is a table of columns: name, type, whether it is required, its
 * limits and what an empty cell means. A cell is converted from text (CSV)
 * or taken as JSON, then checked with the valid.h helpers the API's
 * decoders use; where the API has a decoder for the same object (venues,
 * delegations, participants), the row goes through it too, so an import
 * refuses exactly what POST would; the interpretation pairs of sessions
 * and bilaterals go through the API's check of pairs (decode-interp.c). References stay as people write them
 * (a delegation's code, a venue's or room's name, a participant's ref,
 * e-mail or name): sql/080_import.sql resolves them. Times may lack an
 * offset; they are then wall-clock times of the conference's zone, which
 * only the database knows, so they go on as "YYYY-MM-DDTHH:MM:SS".
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../decode-core.h"
#include "../decode-interp.h"
#include "../decode-setup.h"
#include "../util.h"
#include "../valid.h"
#include "import.h"

enum import_type {
	IMPORT_TEXT,
	IMPORT_INT,
	IMPORT_BOOL,
	IMPORT_TIME,		/* RFC 3339, the offset optional */
	IMPORT_LIST,		/* ";"-separated texts (a JSON array of texts) */
};

struct import_column {
	const char		*name;
	enum import_type	 type;
	int			 required;
	long long		 max;		/* text: bytes; int: largest; list: items */
	long long		 min;		/* int: smallest */
	const char *const	*choices;	/* text: the allowed values */
	const char		*empty;		/* an empty cell: this text, else null */
};

struct import_kind {
	const char			*name;
	const struct import_column	*columns;
	/* The API's decoder of the same object, or NULL. */
	json_t				*(*decode)(const json_t *, json_t *);
};

#define NAME_MAX_BYTES	200
#define TEXT_MAX_BYTES	2000
#define REF_MAX_BYTES	100
#define LIST_MAX_ITEMS	1000

static const char *const room_kinds[] = {
	"plenary", "bilateral", "side_event", "other", NULL
};
static const char *const delegation_kinds[] = {
	"member", "invited", "organization", "guest", NULL
};
static const char *const delegation_roles[] = { "chair", "host", NULL };
static const char *const roles[] = {
	"head", "deputy", "member", "staff", "interpreter", NULL
};
static const char *const session_kinds[] = {
	"plenary", "bilateral", "side_event", "working_meal", "press", "other",
	NULL
};
static const char *const session_statuses[] = {
	"tentative", "confirmed", "cancelled", NULL
};
static const char *const visibilities[] = {
	"public", "conference", "restricted", "confidential", NULL
};
static const char *const levels[] = { "head", "deputy", NULL };
static const char *const registration_statuses[] = {
	"confirmed", "waiting", NULL
};
static const char *const bilateral_statuses[] = {
	"requested", "accepted", "declined", "withdrawn", "scheduled",
	"cancelled", NULL
};

#define TEXT(n, req, max, empty) { n, IMPORT_TEXT, req, max, 0, NULL, empty }
#define CHOICE(n, req, list, empty) { n, IMPORT_TEXT, req, 64, 0, list, empty }
#define INT(n, req, lo, hi) { n, IMPORT_INT, req, hi, lo, NULL, NULL }
#define COUNT(n, hi, empty) { n, IMPORT_INT, 0, hi, 0, NULL, empty }
#define BOOL(n) { n, IMPORT_BOOL, 0, 0, 0, NULL, NULL }
#define TIME(n, req) { n, IMPORT_TIME, req, 0, 0, NULL, NULL }
#define LIST(n) { n, IMPORT_LIST, 0, LIST_MAX_ITEMS, 0, NULL, NULL }
#define END { NULL, IMPORT_TEXT, 0, 0, 0, NULL, NULL }

/* Limits as decode-core.c and decode-session.c have them. */
static const struct import_column venue_columns[] = {
	TEXT("name", 1, NAME_MAX_BYTES, NULL),
	TEXT("address", 0, TEXT_MAX_BYTES, ""),
	END
};
static const struct import_column room_columns[] = {
	TEXT("ref", 0, REF_MAX_BYTES, NULL),
	TEXT("venue", 1, NAME_MAX_BYTES, NULL),
	TEXT("name", 1, NAME_MAX_BYTES, NULL),
	INT("capacity", 1, 1, 100000),
	CHOICE("kind", 0, room_kinds, "other"),
	BOOL("usable_for_bilaterals"),
	COUNT("booths", INTERP_BOOTHS_MAX, "0"),	/* sql/260_interpretation.sql */
	END
};
static const struct import_column travel_columns[] = {
	TEXT("from_venue", 1, NAME_MAX_BYTES, NULL),
	TEXT("to_venue", 1, NAME_MAX_BYTES, NULL),
	INT("minutes", 1, 0, 1440),
	END
};
static const struct import_column delegation_columns[] = {
	TEXT("ref", 0, REF_MAX_BYTES, NULL),
	TEXT("code", 1, 32, NULL),
	TEXT("name", 1, NAME_MAX_BYTES, NULL),
	CHOICE("kind", 1, delegation_kinds, NULL),
	INT("precedence", 0, 1, 9999),
	CHOICE("role", 0, delegation_roles, NULL),
	END
};
static const struct import_column participant_columns[] = {
	TEXT("ref", 0, REF_MAX_BYTES, NULL),
	TEXT("delegation", 1, 32, NULL),
	TEXT("name", 1, NAME_MAX_BYTES, NULL),
	TEXT("title", 0, NAME_MAX_BYTES, ""),
	CHOICE("role", 1, roles, NULL),
	TEXT("email", 0, 254, NULL),
	TEXT("timezone", 0, 64, NULL),
	LIST("language_pairs"),	/* ja-en;en-fr (an interpreter's) */
	END
};
static const struct import_column unavailability_columns[] = {
	TEXT("participant", 1, 254, NULL),
	TIME("start", 1),
	TIME("end", 1),
	TEXT("reason", 0, TEXT_MAX_BYTES, ""),
	END
};
static const struct import_column session_columns[] = {
	TEXT("ref", 0, REF_MAX_BYTES, NULL),
	CHOICE("kind", 1, session_kinds, NULL),
	TEXT("title", 1, 500, NULL),
	TEXT("description", 0, 20000, ""),
	TEXT("venue", 0, NAME_MAX_BYTES, NULL),
	TEXT("room", 0, NAME_MAX_BYTES, NULL),
	TIME("start", 1),
	TIME("end", 1),
	CHOICE("status", 0, session_statuses, "confirmed"),
	CHOICE("visibility", 0, visibilities, NULL),
	LIST("attendees"),
	LIST("delegations"),
	INT("expected_attendance", 0, 0, 1000000),
	LIST("interpretation"),	/* ja-en;... (sql/310_interpretation_sheets.sql) */
	LIST("interpreters"),	/* the given ones, named as attendees are */
	LIST("represented"),	/* P=REP;... (sql/240_representation.sql) */
	LIST("remote"),		/* P=https://LINK or P;... */
	INT("capacity", 0, 0, 1000000),	/* seats (sql/510_registration_sheets.sql) */
	END
};
static const struct import_column bilateral_columns[] = {
	TEXT("ref", 0, REF_MAX_BYTES, NULL),
	TEXT("requester", 1, 32, NULL),
	TEXT("counterpart", 1, 32, NULL),
	INT("duration_minutes", 1, 5, 480),
	TIME("earliest", 0),
	TIME("latest", 0),
	INT("priority", 0, 1, 5),
	CHOICE("level", 0, levels, "head"),
	TEXT("topics", 0, 4000, ""),
	CHOICE("status", 0, bilateral_statuses, "requested"),
	TIME("start", 0),
	TEXT("venue", 0, NAME_MAX_BYTES, NULL),
	TEXT("room", 0, NAME_MAX_BYTES, NULL),
	LIST("interpretation"),
	END
};

/* status and position are the export's: read back, not written (the
 * seats and the order of the rows decide; sql/510_registration_sheets.sql). */
static const struct import_column registration_columns[] = {
	TEXT("session", 1, 500, NULL),		/* its ref, else its title */
	TEXT("participant", 1, 254, NULL),
	CHOICE("status", 0, registration_statuses, NULL),
	COUNT("position", 1000000, NULL),
	END
};

/* In the order a meeting is set up (each may refer to the ones before). */
static const struct import_kind import_kinds[] = {
	{ "venues", venue_columns, decode_venue },
	{ "rooms", room_columns, NULL },
	{ "travel-times", travel_columns, NULL },
	{ "delegations", delegation_columns, decode_delegation_with_ref },
	{ "participants", participant_columns, decode_participant_interp },
	{ "unavailability", unavailability_columns, NULL },
	{ "sessions", session_columns, decode_interp_row },
	{ "bilaterals", bilateral_columns, decode_interp_row },
	{ "registrations", registration_columns, NULL },
	{ NULL, NULL, NULL }
};

/* The kind called name, or NULL. */
const struct import_kind *
import_kind_find(const char *name)
{
	const struct import_kind	*k;

	for (k = import_kinds; name != NULL && k->name != NULL; k++) {
		if (strcmp(k->name, name) == 0)
			return k;
	}
	return NULL;
}

/* The kinds, in the order a meeting is set up: "venues, rooms, ...", from
 * the table (built once, on the loop thread). */
const char *
import_kind_names(void)
{
	static char	 names[256];
	size_t		 i, n = 0;

	for (i = 0; names[0] == '\0' && import_kinds[i].name != NULL; i++)
		n += (size_t)snprintf(names + n, sizeof names - n, "%s%s",
		    i > 0 ? ", " : "", import_kinds[i].name);
	return names;
}

/* The name of kind i of the table, or NULL past the last. */
const char *
import_kind_name(size_t i)
{
	return i < sizeof import_kinds / sizeof import_kinds[0] ?
	    import_kinds[i].name : NULL;
}

/* The column names of a kind. */
json_t *
import_kind_columns(const struct import_kind *k)
{
	const struct import_column	*c;
	json_t				*names = json_array();

	for (c = k->columns; c->name != NULL; c++)
		json_array_append_new(names, json_string(c->name));
	return names;
}

/* The column called name, or NULL. */
static const struct import_column *
rows_column(const struct import_kind *k, const char *name)
{
	const struct import_column	*c;

	for (c = k->columns; c->name != NULL; c++) {
		if (strcmp(c->name, name) == 0)
			return c;
	}
	return NULL;
}

/* "name, address": the columns of a kind, for messages. */
static char *
rows_column_list(const struct import_kind *k)
{
	const struct import_column	*c;
	char				*s = xstrdup(""), *t;

	for (c = k->columns; c->name != NULL; c++) {
		t = xasprintf("%s%s%s", s, *s ? ", " : "", c->name);
		free(s);
		s = t;
	}
	return s;
}

/* Has errors an entry for (row, column) already? (A row's come last.) */
static int
rows_named(const json_t *errors, long row, const char *column)
{
	const json_t	*e;
	size_t		 i = json_array_size(errors);

	while (column != NULL && i-- > 0) {
		e = json_array_get(errors, i);
		if (json_integer_value(json_object_get(e, "row")) != row)
			return 0;
		if (strcmp(column, json_string_value(json_object_get(e,
		    "column")) ?: "") == 0)
			return 1;
	}
	return 0;
}

/*
 * Move valid.h errors ({field, message}) into errors as {row, column,
 * message}, one per cell: a cell already named keeps its first error.
 */
static void
rows_take_errors(json_t *errors, long row, json_t *scratch)
{
	const char	*field;
	size_t		 i;
	json_t		*e;

	json_array_foreach(scratch, i, e) {
		field = json_string_value(json_object_get(e, "field"));
		if (!rows_named(errors, row, field))
			import_error(errors, row, field, "%s", json_string_value(
			    json_object_get(e, "message")));
	}
	json_array_clear(scratch);
}

/* s without the spaces and tabs around it; caller frees. */
static char *
rows_trim(const char *s)
{
	size_t	n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	return xstrndup(s, n);
}

/* A whole number written as text ("12", "-3", "12.0" as a sheet may). */
static int
rows_parse_int(const char *s, long long *out)
{
	const char	*p = s + (*s == '-' || *s == '+');
	size_t		 digits = strspn(p, "0123456789");

	if (digits == 0 || digits > 15)
		return -1;
	if (p[digits] == '.' && strspn(p + digits + 1, "0") ==
	    strlen(p + digits + 1))
		;	/* a fraction of zeros */
	else if (p[digits] != '\0')
		return -1;
	*out = strtoll(s, NULL, 10);
	return 0;
}

/* yes/no, true/false, 1/0, in any case. */
static int
rows_parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "yes", "true", "1", "y", NULL };
	static const char *const no[] = { "no", "false", "0", "n", NULL };
	int	i;

	for (i = 0; yes[i] != NULL; i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return *out = 1, 0;
	}
	for (i = 0; no[i] != NULL; i++) {
		if (strcasecmp(s, no[i]) == 0)
			return *out = 0, 0;
	}
	return -1;
}

/* n digits at *p into *v, advancing; -1 if they are not there. */
static int
rows_digits(const char **p, int n, int *v)
{
	int	i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return 0;
}

/* An offset "Z", "+09:00" or "+0900" at p (seconds east), -1 if none. */
static int
rows_offset(const char *p, long *off)
{
	int	h, m, sign;

	if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
		return *off = 0, 0;
	if (*p != '+' && *p != '-')
		return -1;
	sign = *p++ == '-' ? -1 : 1;
	if (rows_digits(&p, 2, &h) != 0)
		return -1;
	if (*p == ':')
		p++;
	if (rows_digits(&p, 2, &m) != 0 || *p != '\0' || h > 23 || m > 59)
		return -1;
	*off = sign * (h * 3600L + m * 60L);
	return 0;
}

/*
 * "YYYY-MM-DD[T ]HH:MM[:SS[.fff]][offset]": with an offset, the UTC
 * instant "…Z"; without, the wall-clock "YYYY-MM-DDTHH:MM:SS" for the
 * database to place in the conference's zone. NULL when not a time.
 */
static json_t *
rows_parse_time(const char *s)
{
	struct tm	 tm, back;
	const char	*p = s;
	char		 buf[32];
	int		 y, mo, d, h, mi, sec = 0;
	long		 off = 0;
	time_t		 t;

	if (rows_digits(&p, 4, &y) || *p++ != '-' || rows_digits(&p, 2, &mo) ||
	    *p++ != '-' || rows_digits(&p, 2, &d) || (*p != 'T' && *p != 't' &&
	    *p != ' ') || (p++, rows_digits(&p, 2, &h)) || *p++ != ':' ||
	    rows_digits(&p, 2, &mi))
		return NULL;
	if (*p == ':' && (p++, rows_digits(&p, 2, &sec)) != 0)
		return NULL;
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++)
			;
	}
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d;
	tm.tm_hour = h, tm.tm_min = mi, tm.tm_sec = sec;
	t = timegm(&tm);
	if (h > 23 || mi > 59 || sec > 59 || gmtime_r(&t, &back) == NULL ||
	    back.tm_mday != d || back.tm_mon != mo - 1)
		return NULL;
	if (*p == '\0') {
		strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &back);
		return json_string(buf);
	}
	if (rows_offset(p, &off) != 0)
		return NULL;
	t -= off;
	gmtime_r(&t, &back);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &back);
	return json_string(buf);
}

/* A ";"-separated list (or a JSON array of texts): trimmed, no empties. */
static json_t *
rows_parse_list(const json_t *v)
{
	json_t		*out = json_array(), *e;
	const char	*s, *semi;
	char		*item, *t;
	size_t		 i;

	if (json_is_array(v)) {
		json_array_foreach(v, i, e) {
			if (!json_is_string(e)) {
				json_decref(out);
				return NULL;
			}
			t = rows_trim(json_string_value(e));
			if (*t != '\0')
				json_array_append_new(out, json_string(t));
			free(t);
		}
		return out;
	}
	for (s = json_string_value(v); s != NULL; s = semi ? semi + 1 : NULL) {
		semi = strchr(s, ';');
		item = semi ? xstrndup(s, (size_t)(semi - s)) : xstrdup(s);
		t = rows_trim(item);
		if (*t != '\0')
			json_array_append_new(out, json_string(t));
		free(t);
		free(item);
	}
	return out;
}

/* A cell as the column's JSON type, or NULL (*why says what it must be). */
static json_t *
rows_convert(const struct import_column *c, const json_t *v, const char **why)
{
	const char	*s = json_string_value(v);
	long long	 n;
	int		 b;

	switch (c->type) {
	case IMPORT_INT:
		*why = "must be a whole number";
		if (json_is_integer(v))
			return json_incref((json_t *)v);
		return s != NULL && rows_parse_int(s, &n) == 0 ?
		    json_integer(n) : NULL;
	case IMPORT_BOOL:
		*why = "must be yes or no (true or false)";
		if (json_is_boolean(v))
			return json_incref((json_t *)v);
		return s != NULL && rows_parse_bool(s, &b) == 0 ?
		    json_boolean(b) : NULL;
	case IMPORT_TIME:
		*why = "must be a date and time such as 2023-04-29T10:00 "
		    "(the conference's zone) or 2023-04-29T10:00:00+09:00";
		return s != NULL ? rows_parse_time(s) : NULL;
	case IMPORT_LIST:
		*why = "must be a list of names separated by ';'";
		return s != NULL || json_is_array(v) ? rows_parse_list(v) : NULL;
	default:
		*why = "must be a text";
		return s != NULL ? json_string(s) : NULL;
	}
}

/* Is the cell empty (absent, null, or only spaces)? */
static int
rows_is_empty(const json_t *v)
{
	const char	*s = json_string_value(v);

	if (v == NULL || json_is_null(v))
		return 1;
	if (s == NULL)
		return 0;
	return strspn(s, " \t\r\n") == strlen(s);
}

/* What an empty cell of c stands for (NULL when it may not be empty). */
static json_t *
rows_empty_value(const struct import_column *c)
{
	if (c->required)
		return NULL;
	if (c->type == IMPORT_LIST)
		return json_array();
	if (c->type == IMPORT_INT && c->empty != NULL)
		return json_integer(strtoll(c->empty, NULL, 10));
	return c->empty != NULL ? json_string(c->empty) : json_null();
}

/* Check one typed cell with the valid.h helper of its type. */
static void
rows_validate(const struct import_column *c, const json_t *obj,
    json_t *scratch)
{
	const char	*s;
	const json_t	*arr;
	long long	 n;
	int		 b;

	switch (c->type) {
	case IMPORT_INT:
		valid_int(obj, c->name, 1, c->min, c->max, &n, scratch);
		break;
	case IMPORT_BOOL:
		valid_bool(obj, c->name, 1, &b, scratch);
		break;
	case IMPORT_LIST:
		valid_string_array(obj, c->name, 1, (size_t)c->max, 254, &arr,
		    scratch);
		break;
	case IMPORT_TIME:
		break;
	default:
		if (c->choices != NULL)
			valid_enum(obj, c->name, 1, c->choices, &s, scratch);
		else
			valid_string(obj, c->name, 1, (size_t)c->max, &s,
			    scratch);
	}
}

/* One cell into row (checked); -1 with its error appended. */
static int
rows_cell(const struct import_column *c, const json_t *v, long rowno,
    json_t *row, json_t *errors)
{
	json_t		*typed, *scratch;
	const char	*why = NULL;
	char		*trimmed = NULL;
	int		 rc = 0;

	if (rows_is_empty(v)) {
		if ((typed = rows_empty_value(c)) == NULL) {
			import_error(errors, rowno, c->name, "is required");
			return -1;
		}
		json_object_set_new(row, c->name, typed);
		return 0;
	}
	if (json_is_string(v))
		v = json_string(trimmed = rows_trim(json_string_value(v)));
	else
		json_incref((json_t *)v);
	free(trimmed);
	if ((typed = rows_convert(c, v, &why)) == NULL) {
		import_error(errors, rowno, c->name, "%s", why);
		json_decref((json_t *)v);
		return -1;
	}
	json_decref((json_t *)v);
	json_object_set_new(row, c->name, typed);
	scratch = json_array();
	rows_validate(c, row, scratch);
	if (json_array_size(scratch) > 0)
		rc = -1;
	rows_take_errors(errors, rowno, scratch);
	json_decref(scratch);
	return rc;
}

/*
 * The API's decoder on the row's good cells (empty or bad ones left out:
 * a bad cell is named once, by its own check).
 */
static void
rows_decode(const struct import_kind *k, long rowno, const json_t *row,
    json_t *errors)
{
	json_t		*body = json_object(), *scratch = json_array(), *v;
	const char	*key;

	json_object_foreach((json_t *)row, key, v) {
		if (!json_is_null(v))
			json_object_set(body, key, v);
	}
	json_decref(k->decode(body, scratch));
	rows_take_errors(errors, rowno, scratch);
	json_decref(scratch);
	json_decref(body);
}

/* A default that depends on another cell: a bilateral room is usable. */
static void
rows_defaults(const struct import_kind *k, json_t *row)
{
	const char	*kind = json_string_value(json_object_get(row, "kind"));

	if (strcmp(k->name, "rooms") == 0 &&
	    json_is_null(json_object_get(row, "usable_for_bilaterals")))
		json_object_set_new(row, "usable_for_bilaterals", json_boolean(
		    kind != NULL && strcmp(kind, "bilateral") == 0));
}

/* One row: its cells, then the API's decoder; the checked row or NULL. */
static json_t *
rows_check(const struct import_kind *k, long rowno, const json_t *raw,
    json_t *errors)
{
	const struct import_column	*c;
	json_t				*row = json_object(), *v;
	size_t				 n = json_array_size(errors);

	for (c = k->columns; c->name != NULL; c++) {
		if ((v = json_object_get(raw, c->name)) != NULL)
			rows_cell(c, v, rowno, row, errors);
		else if (c->required)
			import_error(errors, rowno, c->name, "is required");
	}
	if (k->decode != NULL)
		rows_decode(k, rowno, row, errors);
	if (json_array_size(errors) > n) {
		json_decref(row);
		return NULL;
	}
	rows_defaults(k, row);
	json_object_set_new(row, "row", json_integer(rowno));
	return row;
}

/* A header cell as a column name: trimmed, lower case, '_' for spaces. */
static char *
rows_header_name(const json_t *cell)
{
	char	*s, *p;

	s = rows_trim(json_is_string(cell) ? json_string_value(cell) : "");
	for (p = s; *p != '\0'; p++)
		*p = *p == ' ' ? '_' : (char)tolower((unsigned char)*p);
	return s;
}

/* Is column c among map[0..i) (the header cells read so far)? */
static int
rows_mapped(const struct import_column **map, size_t i,
    const struct import_column *c)
{
	while (i-- > 0) {
		if (map[i] == c)
			return 1;
	}
	return 0;
}

/* The column of each header cell (NULL: unnamed, ignored); NULL on errors. */
static const struct import_column **
rows_header(const struct import_kind *k, const json_t *rec, json_t *errors)
{
	const json_t			*cells = json_object_get(rec, "cells");
	const struct import_column	**map, *c = NULL;
	long				 rowno = (long)json_integer_value(
					    json_object_get(rec, "row"));
	size_t				 i, n = json_array_size(errors);
	char				*name, *all = rows_column_list(k);

	map = xcalloc(json_array_size(cells) + 1, sizeof *map);
	for (i = 0; i < json_array_size(cells); i++) {
		name = rows_header_name(json_array_get(cells, i));
		if (*name != '\0' && (c = rows_column(k, name)) == NULL)
			import_error(errors, rowno, name, "no such column; the "
			    "columns of %s are: %s", k->name, all);
		else if (*name != '\0' && rows_mapped(map, i, c))
			import_error(errors, rowno, name, "the column is there twice");
		else if (*name != '\0')
			map[i] = c;
		free(name);
	}
	for (c = k->columns; c->name != NULL; c++) {
		if (c->required && !rows_mapped(map, i, c))
			import_error(errors, rowno, c->name, "the column is "
			    "missing (the columns of %s are: %s)", k->name, all);
	}
	free(all);
	if (json_array_size(errors) > n) {
		free(map);
		return NULL;
	}
	return map;
}

/* The cells of one record as {column: cell}; extra cells are an error. */
static json_t *
rows_record(const struct import_column **map, size_t ncols, const json_t *rec,
    json_t *errors)
{
	const json_t	*cells = json_object_get(rec, "cells"), *v;
	long		 rowno = (long)json_integer_value(json_object_get(rec, "row"));
	json_t		*raw = json_object();
	size_t		 i;

	json_array_foreach(cells, i, v) {
		if (i >= ncols) {
			if (!rows_is_empty(v)) {
				import_error(errors, rowno, NULL, "more cells (%zu) "
				    "than the header has columns (%zu)",
				    json_array_size(cells), ncols);
				json_decref(raw);
				return NULL;
			}
		} else if (map[i] != NULL)
			json_object_set(raw, map[i]->name, (json_t *)v);
	}
	for (; i < ncols; i++) {
		if (map[i] != NULL)
			json_object_set_new(raw, map[i]->name, json_null());
	}
	return raw;
}

/* The checked rows of CSV records (see import.h). */
json_t *
import_rows_csv(const struct import_kind *k, const json_t *records,
    json_t *errors)
{
	const struct import_column	**map;
	const json_t			*rec;
	json_t				*rows, *raw, *row;
	size_t				 i, ncols;

	if ((map = rows_header(k, json_array_get(records, 0), errors)) == NULL)
		return NULL;
	ncols = json_array_size(json_object_get(json_array_get(records, 0),
	    "cells"));
	rows = json_array();
	json_array_foreach(records, i, rec) {
		if (i == 0 || (raw = rows_record(map, ncols, rec, errors)) == NULL)
			continue;
		row = rows_check(k, (long)json_integer_value(json_object_get(rec,
		    "row")), raw, errors);
		if (row != NULL)
			json_array_append_new(rows, row);
		json_decref(raw);
	}
	free(map);
	return rows;
}

/* Name every member of a JSON row that is no column; -1 if any. */
static int
rows_json_known(const struct import_kind *k, long rowno, const json_t *obj,
    json_t *errors)
{
	const char	*key;
	json_t		*v;
	char		*all;
	int		 rc = 0;

	json_object_foreach((json_t *)obj, key, v) {
		if (rows_column(k, key) != NULL)
			continue;
		all = rows_column_list(k);
		import_error(errors, rowno, key, "no such column; the columns "
		    "of %s are: %s", k->name, all);
		free(all);
		rc = -1;
	}
	return rc;
}

/* The checked rows of a JSON array of objects (see import.h). */
json_t *
import_rows_json(const struct import_kind *k, const json_t *array,
    json_t *errors)
{
	const json_t	*obj;
	json_t		*rows, *row;
	size_t		 i;

	if (json_is_object(array) && json_is_array(json_object_get(array,
	    "items")))
		array = json_object_get(array, "items");
	if (!json_is_array(array)) {
		import_error(errors, 0, NULL, "the body must be a JSON array of "
		    "objects (or CSV sent as text/csv)");
		return NULL;
	}
	rows = json_array();
	json_array_foreach(array, i, obj) {
		if (!json_is_object(obj)) {
			import_error(errors, (long)i + 1, NULL, "must be an object");
			continue;
		}
		if (rows_json_known(k, (long)i + 1, obj, errors) != 0)
			continue;
		if ((row = rows_check(k, (long)i + 1, obj, errors)) != NULL)
			json_array_append_new(rows, row);
	}
	return rows;
}
