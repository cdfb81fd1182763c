/*
 * api-export.c — GET /api/v1/conferences/{slug}/export/{kind}.csv and
 * GET /api/v1/conferences/{slug}/export.xlsx: a conference's set-up and
 * programme as the import reads them back (same columns, references by
 * natural key), for anyone, each seeing what the kind's list shows it.
 *
 * kaigi_export (sql/080_import.sql) answers the rows of a kind as JSON
 * objects and decides who may have them (401/403 as the list route would);
 * they are written here in the columns of server/import/rows.c, as CSV or
 * as one .xlsx sheet per kind the caller may export, on an offload thread.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "api.h"
#include "config.h"
#include "import/import.h"
#include "log.h"
#include "offload.h"
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

/*
 * An export being written, on an offload thread (offload.h): at COP size
 * the rows are megabytes of JSON and the workbook a file written and read
 * back, which the event loop must not do. The thread touches only this.
 */
struct export_job {
	struct req	*r;
	PGresult	*res;		/* kaigi_export's answer, kept */
	char		*kind;		/* a CSV's kind; NULL: the workbook */
	char		*dir;		/* the workbook's temporary directory */
	/* made */
	int		 unreadable;	/* the answer is not JSON */
	char		*bytes;
	size_t		 len;
	char		*cause;		/* why there are no bytes */
};

/* The read of an export, in a transaction of its own: its statement may
 * take import_timeout_ms, as an import's (a COP's workbook takes longer
 * than an ordinary request's statement_timeout_ms). */
struct export_read {
	char		*params[3];	/* actor, slug, kind (NULL: all) */
	struct db_txn	*txn;
};

/* r->state_free. */
static void
export_read_free(void *arg)
{
	struct export_read	*er = arg;
	int			 i;

	for (i = 0; i < 3; i++)
		free(er->params[i]);
	free(er);
}

/* Free an export (after its answer has been sent or dropped). */
static void
export_job_free(struct export_job *job)
{
	PQclear(job->res);
	free(job->kind);
	free(job->dir);
	free(job->bytes);
	free(job->cause);
	free(job);
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

/* offload_work: the CSV of a kind, or the workbook of every kind given. */
static void
export_write(void *arg)
{
	struct export_job	*job = arg;
	json_t			*all, *sheets;
	const char		*kind;
	size_t			 i;

	all = json_loads(PQgetvalue(job->res, 0, 0), 0, NULL);
	PQclear(job->res);
	job->res = NULL;
	if ((job->unreadable = all == NULL))
		return;
	if (job->kind != NULL) {
		sheets = export_sheet(job->kind, all);
		job->bytes = export_csv(sheets, &job->len);
	} else {
		sheets = json_array();
		for (i = 0; (kind = import_kind_name(i)) != NULL; i++)
			if (json_object_get(all, kind) != NULL)
				json_array_append_new(sheets, export_sheet(kind,
				    json_object_get(all, kind)));
		job->bytes = export_xlsx(sheets, job->dir, &job->len,
		    &job->cause);
	}
	json_decref(sheets);
	json_decref(all);
}

/* libevent has sent (or dropped) the file: free it with its job. */
static void
export_sent(const void *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	export_job_free(arg);
}

/* offload_done, on the loop: the file, or why there is none. */
static void
export_written(int failed, void *arg)
{
	struct export_job	*job = arg;
	struct req		*r = job->r;
	char			*name;

	if (failed || job->unreadable || job->bytes == NULL) {
		if (failed)
			http_reply_problem(r, 503, "the server is stopping", NULL);
		else if (job->unreadable)
			http_reply_problem(r, 404, "no such conference", NULL);
		else {
			log_error("export: %s", job->cause != NULL ? job->cause :
			    "out of memory");
			http_reply_problem(r, 500, "the file could not be written",
			    NULL);
		}
		export_job_free(job);
		return;
	}
	name = job->kind != NULL ? xasprintf("%s.csv", job->kind) :
	    xstrdup("export.xlsx");
	export_filename(r, name);
	free(name);
	http_reply_ref(r, 200, job->kind != NULL ? "text/csv; charset=utf-8" :
	    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	    job->bytes, job->len, export_sent, job);
}

/* db_cb of kaigi_export(_all): end the read, write the file off the loop. */
static void
export_done(enum db_status st, PGresult *res, void *arg)
{
	struct req		*r = arg;
	struct export_read	*er = r->state;
	struct export_job	*job;
	const char		*dir = getenv("TMPDIR");

	db_txn_end(er->txn, 0, NULL, NULL);	/* it only read */
	er->txn = NULL;
	if (st != DB_OK) {
		http_reply_db_error(r, st, res);
		return;
	}
	if (PQntuples(res) < 1 || PQgetisnull(res, 0, 0)) {
		http_reply_problem(r, 404, "no such conference", NULL);
		return;
	}
	job = xcalloc(1, sizeof *job);
	job->r = r;
	job->res = db_keep(res);	/* not copied: the thread reads it */
	if (req_param(r, "kind") != NULL)
		job->kind = xstrdup(req_param(r, "kind"));
	job->dir = xstrdup(dir != NULL && *dir != '\0' ? dir : "/tmp");
	if (offload_run(export_write, export_written, job) != 0) {
		http_reply_retry(r, "too many files are being written; retry "
		    "shortly");
		export_job_free(job);
	}
}

/* db_txn_cb: a connection of our own; the longer timeout, then the read. */
static void
export_begun(struct db_txn *txn, void *arg)
{
	struct req		*r = arg;
	struct export_read	*er = r->state;

	if (txn == NULL) {
		http_reply_unavailable(r);
		return;
	}
	er->txn = txn;
	api_txn_timeout(txn, cfg->import_timeout_ms);
	db_txn_query(txn, er->params[2] != NULL ? EXPORT_SQL : EXPORT_ALL_SQL,
	    er->params[2] != NULL ? 3 : 2, (const char *const *)er->params,
	    export_done, r);
}

/* Read kind's rows (NULL: every kind's) for the actor, then write them. */
static void
export_start(struct req *r, const char *kind)
{
	struct export_read	*er = xcalloc(1, sizeof *er);

	er->params[0] = api_actor_text(r);
	er->params[1] = xstrdup(req_param(r, "slug"));
	er->params[2] = kind != NULL ? xstrdup(kind) : NULL;
	r->state = er;
	r->state_free = export_read_free;
	db_txn_begin(export_begun, r);
}

/* GET /api/v1/conferences/{slug}/export/{kind}.csv */
static void
export_csv_handle(struct req *r)
{
	char	*why;

	if (import_kind_find(req_param(r, "kind")) == NULL) {
		why = xasprintf("no such export; the kinds are %s",
		    import_kind_names());
		http_reply_problem(r, 404, why, NULL);
		free(why);
		return;
	}
	export_start(r, req_param(r, "kind"));
}

/* GET /api/v1/conferences/{slug}/export.xlsx */
static void
export_xlsx_handle(struct req *r)
{
	export_start(r, NULL);
}
