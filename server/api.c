/*
 * api.c — helpers shared by the api-*.c handlers: paging (with cursor.c's
 * sealed cursors), the common
 * "one JSON row or 404" answer, and 422 for field errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "cursor.h"
#include "db.h"
#include "log.h"
#include "reply.h"
#include "util.h"

/*
 * Parse ?limit and ?cursor: the limit, and the position the cursor was
 * sealed with for this list and caller (cursor.c), "0" without one.
 */
int
api_page(struct req *r, char limit[16], char cursor[API_CURSOR_LEN])
{
	const char	*l = req_query(r, "limit");
	long long	 v;

	if (!cursor_key_ready(r))
		return -1;	/* runs again once the key is there */
	snprintf(limit, 16, "100");
	if (l != NULL) {
		if (parse_id(l, &v) != 0 || v > 1000) {
			http_reply_problem(r, 400, "limit must be a whole number from 1 to 1000", NULL);
			return -1;
		}
		snprintf(limit, 16, "%d", (int)v);
	}
	if (cursor_from_req(r, cursor) < 0) {
		http_reply_problem(r, 400, "cursor is not one this server handed out "
		    "for this list", NULL);
		return -1;
	}
	return 0;
}

/*
 * db_cb of a list: column 0 the items (a JSON array), column 1 the position
 * of the last one when there is a next page. Answers {"items", "next"}
 * with next the sealed cursor of that position, or null.
 */
void
api_reply_page(enum db_status st, PGresult *res, void *arg)
{
	struct req	*r = arg;
	char		 cursor[CURSOR_TEXT_MAX], *text;
	const char	*items;

	if (st != DB_OK) {
		http_reply_db_error(r, st, res);
		return;
	}
	if (PQntuples(res) < 1 || PQnfields(res) < 2 || PQgetisnull(res, 0, 0)) {
		http_reply_problem(r, 404, "no such resource", NULL);
		return;
	}
	items = PQgetvalue(res, 0, 0);
	if (PQgetisnull(res, 0, 1))
		text = xasprintf("{\"items\":%s,\"next\":null}", items);
	else if (cursor_for_req(r, PQgetvalue(res, 0, 1), cursor) == 0)
		text = xasprintf("{\"items\":%s,\"next\":\"%s\"}", items, cursor);
	else {
		log_error("list: position %.64s cannot be sealed", PQgetvalue(res, 0, 1));
		http_reply_problem(r, 500, "internal error", NULL);
		return;
	}
	http_reply_json_text(r, 200, text, strlen(text));
	free(text);
}

/* 422 naming each bad field (the detail is built by reply.c: any key will do). */
void
api_reply_invalid(struct req *r, json_t *errors)
{
	char	*detail = reply_invalid_detail(errors);
	json_t	*extra = json_object();

	json_object_set_new(extra, "errors", errors);
	http_reply_problem(r, 422, detail, extra);
	free(detail);
}

/* One JSON row, or the right problem. */
void
api_reply_row(struct req *r, enum db_status st, PGresult *res, int status)
{
	if (st != DB_OK) {
		http_reply_db_error(r, st, res);
		return;
	}
	if (PQntuples(res) < 1 || PQnfields(res) < 1 || PQgetisnull(res, 0, 0)) {
		http_reply_problem(r, 404, "no such resource", NULL);
		return;
	}
	http_reply_json_text(r, status, PQgetvalue(res, 0, 0),
	    (size_t)PQgetlength(res, 0, 0));
}

/* db_cb: one JSON row with 200. */
void
api_reply_row_200(enum db_status st, PGresult *res, void *arg)
{
	api_reply_row(arg, st, res, 200);
}

/* db_cb: one JSON row with 201. */
void
api_reply_row_201(enum db_status st, PGresult *res, void *arg)
{
	api_reply_row(arg, st, res, 201);
}

/*
 * Compact JSON text. Every string in a json_t was checked by jansson when
 * it was made (parsed bodies, json_pack, json_string), so json_dumps fails
 * only when memory runs out, which is fatal everywhere (util.h).
 */
char *
api_json_text(const json_t *v)
{
	char	*s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

	if (s == NULL)
		fatal("json_dumps: out of memory");
	return s;
}

/* db_cb of a statement whose answer does not matter. */
static void
api_ignore(enum db_status st, PGresult *res, void *arg)
{
	(void)st;
	(void)res;
	(void)arg;
}

/* A statement timeout of ms for the rest of transaction txn. */
void
api_txn_timeout(struct db_txn *txn, int ms)
{
	char		 text[16];
	const char	*params[1] = { text };

	snprintf(text, sizeof text, "%d", ms);
	db_txn_query(txn, "SELECT set_config('statement_timeout', $1, true)",
	    1, params, api_ignore, NULL);
}

/* Id as decimal text. */
void
api_id_text(long long id, char buf[24])
{
	snprintf(buf, 24, "%lld", id);
}

/* ---- Added for the core resources: ETag replies, If-Match, api_call. ---- */

/* One JSON row (column 0) with an ETag from its version (column 1). */
static void
api_reply_row_etag(struct req *r, enum db_status st, PGresult *res, int status)
{
	char	etag[32];

	if (st == DB_OK && PQntuples(res) >= 1 && PQnfields(res) >= 2 &&
	    !PQgetisnull(res, 0, 0) && !PQgetisnull(res, 0, 1)) {
		snprintf(etag, sizeof etag, "\"%s\"", PQgetvalue(res, 0, 1));
		http_add_header(r, "ETag", etag);
	}
	api_reply_row(r, st, res, status);
}

/* db_cb: one JSON row with ETag, 200. */
void
api_reply_row_etag_200(enum db_status st, PGresult *res, void *arg)
{
	api_reply_row_etag(arg, st, res, 200);
}

/* db_cb: one JSON row with ETag, 201. */
void
api_reply_row_etag_201(enum db_status st, PGresult *res, void *arg)
{
	api_reply_row_etag(arg, st, res, 201);
}

/* The version an If-Match header asks for. */
const char *
api_if_match(const struct req *r, char buf[24])
{
	const char	*h = req_header(r, "If-Match");
	size_t		 n;

	if (h == NULL)
		return NULL;
	while (*h == ' ')
		h++;
	if (strcmp(h, "*") == 0)
		return NULL;
	if (strncmp(h, "W/", 2) == 0)
		h += 2;
	n = strlen(h);
	while (n > 0 && h[n - 1] == ' ')
		n--;
	if (n >= 3 && n <= 12 && h[0] == '"' && h[n - 1] == '"' &&
	    strspn(h + 1, "0123456789") == n - 2) {
		memcpy(buf, h + 1, n - 2);
		buf[n - 2] = '\0';
		return buf;
	}
	snprintf(buf, 24, "-1");
	return buf;
}

/* Actor, input and the rest as $1, $2... of one statement. */
void
api_call(struct req *r, const char *sql, db_cb *cb, json_t *input, int n,
    const char *const *rest)
{
	const char	*params[8];
	json_t		*actor = req_actor(r);
	char		*a, *in = NULL;
	int		 i, np = 0;

	if (n > 6) {
		log_error("api_call: %d parameters, at most 6", n);
		json_decref(input);
		http_reply_problem(r, 500, "internal error", NULL);
		return;
	}
	a = api_json_text(actor);
	json_decref(actor);
	params[np++] = a;
	if (input != NULL) {
		in = api_json_text(input);
		json_decref(input);
		params[np++] = in;
	}
	for (i = 0; i < n; i++)
		params[np++] = rest[i];
	db_query(sql, np, params, cb, r);
	free(a);
	free(in);
}

/* Decode, then 422 or the write statement. */
void
api_write(struct req *r, api_decoder *decode, const char *sql, db_cb *cb,
    int n, const char *const *rest)
{
	json_t	*errors = json_array(), *input;

	input = decode(r->body, errors);
	if (input == NULL) {
		api_reply_invalid(r, errors);
		return;
	}
	json_decref(errors);
	api_call(r, sql, cb, input, n, rest);
}

/* The caller as compact JSON text for a $n parameter; caller frees. */
char *
api_actor_text(const struct req *r)
{
	json_t	*a = req_actor(r);
	char	*s = api_json_text(a);

	json_decref(a);
	return s;
}

/*
 * The {id} capture as decimal text. Answers 404 "no such <what>" and
 * returns -1 when it is not an id: a malformed id names nothing.
 */
int
api_id_param(struct req *r, const char *what, char buf[24])
{
	long long	id;
	char		detail[64];

	if (parse_id(req_param(r, "id"), &id) != 0) {
		snprintf(detail, sizeof detail, "no such %s", what);
		http_reply_problem(r, 404, detail, NULL);
		return -1;
	}
	api_id_text(id, buf);
	return 0;
}

/* ---- Added for editing and deleting (issue 15): by id, with If-Match. ---- */

/* db_cb: 204 when the statement succeeded, else its problem. */
void
api_reply_204(enum db_status st, PGresult *res, void *arg)
{
	struct req	*r = arg;

	if (st != DB_OK) {
		http_reply_db_error(r, st, res);
		return;
	}
	http_reply_json(r, 204, NULL);
}

/* GET one row by {id}: $1 = id; 404 "no such <what>" when absent. */
void
api_get_by_id(struct req *r, const char *what, const char *sql)
{
	char		 id[24];
	const char	*params[1] = { id };

	if (api_id_param(r, what, id) != 0)
		return;
	db_query(sql, 1, params, api_reply_row_etag_200, r);
}

/* PATCH by {id}: $1 actor, $2 decoded body, $3 id, $4 If-Match version. */
void
api_patch_by_id(struct req *r, const char *what, api_decoder *decode,
    const char *sql)
{
	char		 id[24], version[24];
	const char	*rest[2] = { id, NULL };

	if (api_id_param(r, what, id) != 0)
		return;
	rest[1] = api_if_match(r, version);
	api_write(r, decode, sql, api_reply_row_etag_200, 2, rest);
}

/* DELETE by {id}: $1 actor, $2 id, $3 If-Match version; 204. */
void
api_delete_by_id(struct req *r, const char *what, const char *sql)
{
	char		 id[24], version[24];
	const char	*rest[2] = { id, NULL };

	if (api_id_param(r, what, id) != 0)
		return;
	rest[1] = api_if_match(r, version);
	api_call(r, sql, api_reply_204, NULL, 2, rest);
}
