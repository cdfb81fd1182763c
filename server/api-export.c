/*
 * api-export.c — GET /api/v1/conferences/{slug}/export/{kind}.csv and
 * GET /api/v1/conferences/{slug}/export.xlsx: a conference's set-up and
 * programme as the import reads them back (same columns, references by
 * natural key), for anyone, each seeing what the kind's list shows it.
 *
 * kaigi_export (sql/080_import.sql) answers the rows of a kind as JSON
 * objects and decides who may have them (401/403 as the list route would);
 * they are written here in the columns of server/import/rows.c, as CSV or
 * as one .xlsx sheet per kind the caller may export.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "api.h"
#include "import/import.h"
#include "log.h"
#include "route.h"
#include "util.h"

static void export_csv_handle(struct req *);
static void export_xlsx_handle(struct req *);

const struct route route_export_csv = {
	.method = EVHTTP_REQ_GET,
	.path = "/api/v1/conferences/{slug}/export/{kind}.csv",
	.handle = export_csv_handle,
};
const struct route route_export_xlsx = {
	.method = EVHTTP_REQ_GET, .path = "/api/v1/conferences/{slug}/export.xlsx",
	.handle = export_xlsx_handle,
};

static const char EXPORT_SQL[] =
    "SELECT kaigi_export($1::jsonb, $2, $3)::text";
static const char EXPORT_ALL_SQL[] =
    "SELECT kaigi_export_all($1::jsonb, $2)::text";

/* The first column of a successful row as JSON, or NULL after answering. */
static json_t *
export_result(struct req *r, enum db_status st, PGresult *res)
{
	json_t	*j;

	if (st != DB_OK) {
		http_reply_db_error(r, st, res);
		return NULL;
	}
	if (PQntuples(res) < 1 || PQgetisnull(res, 0, 0) ||
	    (j = json_loads(PQgetvalue(res, 0, 0), 0, NULL)) == NULL) {
		http_reply_problem(r, 404, "no such conference", NULL);
		return NULL;
	}
	return j;
}

/* A sheet {name, columns, rows} of kind from its row objects. */
static json_t *
export_sheet(const char *kind, const json_t *objects)
{
	json_t		*cols = import_kind_columns(import_kind_find(kind));
	json_t		*rows = json_array(), *row, *col;
	const json_t	*o;
	size_t		 i, j;

	json_array_foreach(objects, i, o) {
		row = json_array();
		json_array_foreach(cols, j, col) {
			json_t *v = json_object_get(o, json_string_value(col));
			json_array_append(row, v != NULL ? v : json_null());
		}
		json_array_append_new(rows, row);
	}
	return json_pack("{s:s, s:o, s:o}", "name", kind, "columns", cols,
	    "rows", rows);
}

/* "attachment; filename=..." for the download. */
static void
export_filename(struct req *r, const char *name)
{
	char	*v = xasprintf("attachment; filename=\"%s-%s\"",
		    req_param(r, "slug"), name);

	http_add_header(r, "Content-Disposition", v);
	free(v);
}

/* db_cb of kaigi_export: the CSV. */
static void
export_csv_done(enum db_status st, PGresult *res, void *arg)
{
	struct req	*r = arg;
	json_t		*objects, *sheet;
	char		*csv, *file;
	size_t		 len;

	if ((objects = export_result(r, st, res)) == NULL)
		return;
	sheet = export_sheet(req_param(r, "kind"), objects);
	csv = export_csv(sheet, &len);
	file = xasprintf("%s.csv", req_param(r, "kind"));
	export_filename(r, file);
	http_reply_bytes(r, 200, "text/csv; charset=utf-8", csv, len);
	free(file);
	free(csv);
	json_decref(sheet);
	json_decref(objects);
}

/* GET /api/v1/conferences/{slug}/export/{kind}.csv */
static void
export_csv_handle(struct req *r)
{
	const char	*params[3];
	char		*actor, *why;

	if (import_kind_find(req_param(r, "kind")) == NULL) {
		why = xasprintf("no such export; the kinds are %s",
		    import_kind_names());
		http_reply_problem(r, 404, why, NULL);
		free(why);
		return;
	}
	actor = api_actor_text(r);
	params[0] = actor;
	params[1] = req_param(r, "slug");
	params[2] = req_param(r, "kind");
	db_query(EXPORT_SQL, 3, params, export_csv_done, r);
	free(actor);
}

/* db_cb of kaigi_export_all: the workbook. */
static void
export_xlsx_done(enum db_status st, PGresult *res, void *arg)
{
	struct req	*r = arg;
	json_t		*all, *sheets;
	const char	*dir = getenv("TMPDIR"), *kind;
	char		*xlsx, *cause = NULL;
	size_t		 i, len = 0;

	if ((all = export_result(r, st, res)) == NULL)
		return;
	sheets = json_array();
	for (i = 0; (kind = import_kind_name(i)) != NULL; i++) {
		if (json_object_get(all, kind) != NULL)
			json_array_append_new(sheets, export_sheet(kind,
			    json_object_get(all, kind)));
	}
	xlsx = export_xlsx(sheets, dir != NULL && *dir != '\0' ? dir : "/tmp",
	    &len, &cause);
	if (xlsx == NULL) {
		log_error("export.xlsx: %s", cause);
		http_reply_problem(r, 500, "the workbook could not be written", NULL);
	} else {
		export_filename(r, "export.xlsx");
		http_reply_bytes(r, 200, "application/vnd.openxmlformats-"
		    "officedocument.spreadsheetml.sheet", xlsx, len);
	}
	free(cause);
	free(xlsx);
	json_decref(sheets);
	json_decref(all);
}

/* GET /api/v1/conferences/{slug}/export.xlsx */
static void
export_xlsx_handle(struct req *r)
{
	const char	*params[2];
	char		*actor = api_actor_text(r);

	params[0] = actor;
	params[1] = req_param(r, "slug");
	db_query(EXPORT_ALL_SQL, 2, params, export_xlsx_done, r);
	free(actor);
}
