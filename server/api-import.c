/*
 * api-import.c — POST /api/v1/conferences/{slug}/import?kind=K[&dry_run=]
 * (secretariat): a spreadsheet of venues, rooms, travel times,
 * delegations, participants, unavailability, sessions or bilateral
 * requests, as text/csv or a JSON array of the same objects.
 *
 * The body is read here, not by http.c: an import may be larger than
 * max_body (up to max_import_body) and is not always JSON. The file is
 * read and every row checked by server/import/ (no I/O); then one call of
 * kaigi_import (sql/080_import.sql), in a transaction of its own with the
 * longer import_timeout_ms, resolves the references and writes all rows,
 * or none; the answer goes out once that has committed. Every bad row is
 * named: when some rows already failed here, the others still go through
 * kaigi_import as a dry run, so one 422 lists the errors of both.
 *
 * ?preview=true (a dry run) adds the CSV file as read, {"columns": [...],
 * "rows": [{"row", "cells"}]}, as "table" to the answer, 200 or 422: the
 * workbench shows it with the bad cells marked, to be fixed and sent again
 * (files of up to IMPORT_PREVIEW_MAX rows).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "api.h"
#include "config.h"
#include "import/import.h"
#include "log.h"
#include "offload.h"
#include "route.h"
#include "util.h"

static void import_handle(struct req *);

const struct route route_import = {
	.method = EVHTTP_REQ_POST, .path = "/api/v1/conferences/{slug}/import",
	.role = ROLE_SECRETARIAT, .raw_body = 1, .handle = import_handle,
};

#define IMPORT_PREVIEW_MAX	5000	/* rows of a previewed file */

static const char IMPORT_SQL[] =
    "SELECT kaigi_import($1::jsonb, $2, $3, $4::jsonb, $5::boolean)::text";

/* Is the content type ct (any case, parameters after ';') type? */
static int
import_type_is(const char *ct, const char *type)
{
	size_t	n = strlen(type);

	while (ct != NULL && *ct == ' ')
		ct++;
	return ct != NULL && strncasecmp(ct, type, n) == 0 &&
	    (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* A charset other than UTF-8 named in the content type, or NULL. */
static const char *
import_bad_charset(const char *ct)
{
	const char	*cs = ct != NULL ? strcasestr(ct, "charset=") : NULL;

	if (cs == NULL)
		return NULL;
	cs += strlen("charset=");
	if (*cs == '"')
		cs++;
	if (strncasecmp(cs, "utf-8", 5) == 0 || strncasecmp(cs, "utf8", 4) == 0)
		return NULL;
	return cs;
}

/* ?name (dry_run, preview): absent, true/false or 1/0; -1 otherwise. */
static int
import_flag(const struct req *r, const char *name)
{
	const char	*v = req_query(r, name);

	if (v == NULL || strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
		return 0;
	if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0 || *v == '\0')
		return 1;
	return -1;
}

/* qsort: errors by row, the file's own (row 0, 1) first. */
static int
import_by_row(const void *a, const void *b)
{
	json_int_t	x = json_integer_value(json_object_get(*(json_t *const *)a, "row"));
	json_int_t	y = json_integer_value(json_object_get(*(json_t *const *)b, "row"));

	return x < y ? -1 : x > y;
}

/* errors sorted by row (a new array; errors is released). */
static json_t *
import_sorted(json_t *errors)
{
	size_t	  i, n = json_array_size(errors);
	json_t	**v = xcalloc(n + 1, sizeof *v), *out = json_array();

	for (i = 0; i < n; i++)
		v[i] = json_array_get(errors, i);
	qsort(v, n, sizeof *v, import_by_row);
	for (i = 0; i < n; i++)
		json_array_append(out, v[i]);
	free(v);
	json_decref(errors);
	return out;
}

/* The file as read, for ?preview: records [{row, cells}], header first. */
static json_t *
import_table(const json_t *records)
{
	json_t	*rows = json_array(), *rec;
	size_t	 i;

	json_array_foreach(records, i, rec)
		if (i > 0)
			json_array_append(rows, rec);
	return json_pack("{s:O?,s:o}", "columns", json_object_get(
	    json_array_get(records, 0), "cells"), "rows", rows);
}

/* 422 naming every bad row (errors stolen), sorted by row; table (stolen,
 * may be NULL) goes with it for a preview. */
static void
import_reply_errors(struct req *r, json_t *errors, json_t *table)
{
	json_t	*rows = json_object(), *e;
	size_t	 i;
	char	 detail[128], key[24];

	errors = import_sorted(errors);
	json_array_foreach(errors, i, e) {
		snprintf(key, sizeof key, "%lld",
		    (long long)json_integer_value(json_object_get(e, "row")));
		json_object_set_new(rows, key, json_true());
	}
	snprintf(detail, sizeof detail, "%zu row(s) have errors; nothing was "
	    "stored", json_object_size(rows));
	json_decref(rows);
	http_reply_problem(r, 422, detail, json_pack("{s:o,s:o?}", "errors",
	    errors, "table", table));
}

/* The rows the SQL found bad, from a failed kaigi_import (KG422), or NULL. */
static json_t *
import_sql_errors(enum db_status st, const PGresult *res)
{
	const char	*det;
	json_t		*d, *errors;

	if (st != DB_ERROR || strcmp(db_sqlstate(res), "KG422") != 0 ||
	    (det = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL)) == NULL ||
	    (d = json_loads(det, 0, NULL)) == NULL)
		return NULL;
	errors = json_incref(json_object_get(d, "errors"));
	json_decref(d);
	if (!json_is_array(errors)) {
		json_decref(errors);
		return NULL;
	}
	return errors;
}

/* An import under way: what the callbacks need, owned by r->state. */
struct import_call {
	json_t		*errors;	/* the rows found bad here */
	json_t		*table;		/* the file as read, for ?preview */
	char		*params[5];	/* actor, slug, kind, rows, dry_run */
	char		*answer;	/* kaigi_import's, sent once committed */
	struct db_txn	*txn;
};

/* r->state_free. */
static void
import_call_free(void *arg)
{
	struct import_call	*ic = arg;
	int			 i;

	json_decref(ic->errors);
	json_decref(ic->table);
	for (i = 0; i < 5; i++)
		free(ic->params[i]);
	free(ic->answer);
	free(ic);
}

/* db_cb of the COMMIT: now the import is stored, say so. */
static void
import_committed(enum db_status st, PGresult *res, void *arg)
{
	struct req		*r = arg;
	struct import_call	*ic = r->state;
	json_t			*answer;

	if (st != DB_OK)
		http_reply_db_error(r, st, res);
	else if (ic->table != NULL &&
	    (answer = json_loads(ic->answer, 0, NULL)) != NULL) {
		json_object_set(answer, "table", ic->table);
		http_reply_json(r, 200, answer);	/* steals answer */
	} else
		http_reply_json_text(r, 200, ic->answer, strlen(ic->answer));
}

/*
 * db_cb of kaigi_import. With rows found bad here, the call was a dry
 * run of the others, and its errors join theirs. A success is answered
 * once committed; anything else at once, and the transaction rolled back.
 */
static void
import_done(enum db_status st, PGresult *res, void *arg)
{
	struct req		*r = arg;
	struct import_call	*ic = r->state;
	struct db_txn		*txn = ic->txn;
	json_t			*theirs;

	if (json_array_size(ic->errors) == 0 && st == DB_OK &&
	    PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)) {
		ic->answer = xstrdup(PQgetvalue(res, 0, 0));
		db_txn_end(txn, 1, import_committed, r);
		return;
	}
	theirs = import_sql_errors(st, res);	/* NULL unless KG422 */
	if (json_array_size(ic->errors) == 0 && (ic->table == NULL ||
	    theirs == NULL))
		api_reply_row(r, st, res, 200);
	else if (st == DB_OK || theirs != NULL) {
		if (theirs != NULL)
			json_array_extend(ic->errors, theirs);
		import_reply_errors(r, json_incref(ic->errors),
		    json_incref(ic->table));
	} else
		http_reply_db_error(r, st, res);
	json_decref(theirs);
	db_txn_end(txn, 0, NULL, NULL);
}

/*
 * db_txn_cb: a connection of our own: the import's statement timeout
 * (import_timeout_ms; a large file takes longer than an ordinary
 * request), then kaigi_import.
 */
static void
import_begun(struct db_txn *txn, void *arg)
{
	struct req		*r = arg;
	struct import_call	*ic = r->state;

	if (txn == NULL) {
		http_reply_unavailable(r);
		return;
	}
	ic->txn = txn;
	api_txn_timeout(txn, cfg->import_timeout_ms);
	db_txn_query(txn, IMPORT_SQL, 5, (const char *const *)ic->params,
	    import_done, r);
}

/*
 * The file's reading and checking, on an offload thread (offload.h): a
 * COP's 100,000 participants are 8 MB of CSV and seconds of parsing and
 * checking, which the event loop must not do. The thread touches only
 * this: the file (moved out of the request), the kind and what it finds.
 */
struct import_read {
	struct req			*r;
	const struct import_kind	*k;
	struct evbuffer			*file;
	int				 json;		/* else CSV */
	int				 preview;
	int				 dry;
	/* found */
	json_t				*errors;	/* bad rows */
	json_t				*table;		/* ?preview: as read */
	char				*rows;		/* checked rows as JSON */
	char				 bad[200];	/* malformed JSON: why */
};

/* Free a read (after its answer, or with its import). */
static void
import_read_free(struct import_read *ir)
{
	if (ir->file != NULL)
		evbuffer_free(ir->file);
	json_decref(ir->errors);
	json_decref(ir->table);
	free(ir->rows);
	free(ir);
}

/* offload_work: the checked rows of the file, by its type. */
static void
import_read_file(void *arg)
{
	struct import_read	*ir = arg;
	size_t			 len = evbuffer_get_length(ir->file);
	const char		*data = (const char *)evbuffer_pullup(ir->file, -1);
	json_t			*parsed, *rows = NULL;
	json_error_t		 jerr;

	ir->errors = json_array();
	if (ir->json) {
		if ((parsed = json_loadb(data, len, JSON_REJECT_DUPLICATES,
		    &jerr)) == NULL)
			snprintf(ir->bad, sizeof ir->bad, "malformed JSON at line "
			    "%d, column %d: %s", jerr.line, jerr.column, jerr.text);
		else
			rows = import_rows_json(ir->k, parsed, ir->errors);
	} else if ((parsed = import_csv_read(data, len, ir->errors)) != NULL) {
		rows = import_rows_csv(ir->k, parsed, ir->errors);
		if (ir->preview && json_array_size(parsed) <= IMPORT_PREVIEW_MAX + 1)
			ir->table = import_table(parsed);
	}
	json_decref(parsed);
	if (rows != NULL)
		ir->rows = json_dumps(rows, JSON_COMPACT);
	json_decref(rows);
	evbuffer_free(ir->file);
	ir->file = NULL;
}

/* offload_done, on the loop: answer what the file is, or import its rows. */
static void
import_file_read(int failed, void *arg)
{
	struct import_read	*ir = arg;
	struct req		*r = ir->r;
	struct import_call	*ic;

	if (failed || ir->bad[0] != '\0' || ir->rows == NULL) {
		if (failed)
			http_reply_problem(r, 503, "the server is stopping", NULL);
		else if (ir->bad[0] != '\0')
			http_reply_problem(r, 400, ir->bad, NULL);
		else
			import_reply_errors(r, json_incref(ir->errors),
			    json_incref(ir->table));
		import_read_free(ir);
		return;
	}
	ic = xcalloc(1, sizeof *ic);
	ic->errors = json_incref(ir->errors);
	ic->table = json_incref(ir->table);
	ic->params[0] = api_actor_text(r);
	ic->params[1] = xstrdup(req_param(r, "slug"));
	ic->params[2] = xstrdup(req_query(r, "kind"));
	ic->params[3] = ir->rows;
	ir->rows = NULL;
	ic->params[4] = xstrdup(ir->dry || ir->preview ||
	    json_array_size(ir->errors) > 0 ? "true" : "false");
	import_read_free(ir);
	r->state = ic;
	r->state_free = import_call_free;
	db_txn_begin(import_begun, r);
}

/* 415 unless the body is CSV or JSON in UTF-8; 413 beyond max_import_body. */
static int
import_check_body(struct req *r, size_t len)
{
	const char	*ct = req_header(r, "Content-Type");
	char		 detail[160];

	if (len > cfg->max_import_body) {
		snprintf(detail, sizeof detail, "the file is %zu bytes; the limit "
		    "is %zu (max_import_body)", len, cfg->max_import_body);
		http_reply_problem(r, 413, detail, NULL);
		return -1;
	}
	if (!import_type_is(ct, "text/csv") && !import_type_is(ct,
	    "application/csv") && !import_type_is(ct, "application/json")) {
		http_reply_problem(r, 415, "send the file as text/csv, or a JSON "
		    "array of objects as application/json", NULL);
		return -1;
	}
	if (import_bad_charset(ct) != NULL) {
		http_reply_problem(r, 415, "send the file as UTF-8 (charset=utf-8)",
		    NULL);
		return -1;
	}
	if (len == 0) {
		http_reply_problem(r, 422, "the body is empty: send the file", NULL);
		return -1;
	}
	return 0;
}

/* POST /api/v1/conferences/{slug}/import?kind=K[&dry_run=true][&preview=true] */
static void
import_handle(struct req *r)
{
	struct evbuffer			*in;
	const struct import_kind	*k = import_kind_find(req_query(r, "kind"));
	struct import_read		*ir;
	char				 detail[200];
	int				 dry = import_flag(r, "dry_run");
	int				 preview = import_flag(r, "preview");

	if (k == NULL || dry < 0 || preview < 0) {
		snprintf(detail, sizeof detail, k == NULL ? "kind must be one of: "
		    "%s" : "dry_run and preview must be true or false",
		    import_kind_names());
		http_reply_problem(r, 400, detail, NULL);
		return;
	}
	if (r->ev == NULL) {	/* gone while its token was checked */
		http_reply_problem(r, 400, "the client went away", NULL);
		return;
	}
	in = evhttp_request_get_input_buffer(r->ev);
	if (import_check_body(r, evbuffer_get_length(in)) != 0)
		return;
	ir = xcalloc(1, sizeof *ir);
	ir->r = r;
	ir->k = k;
	ir->json = import_type_is(req_header(r, "Content-Type"),
	    "application/json");
	ir->preview = preview;
	ir->dry = dry;
	if ((ir->file = evbuffer_new()) == NULL)
		fatal("evbuffer_new");
	evbuffer_add_buffer(ir->file, in);	/* moved, not copied */
	if (offload_run(import_read_file, import_file_read, ir) != 0) {
		http_reply_retry(r, "too many files are being read; retry "
		    "shortly");
		import_read_free(ir);
	}
}
