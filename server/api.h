/*
 * api.h — small helpers shared by the api-*.c handlers.
 */
#ifndef KAIGI_API_H
#define KAIGI_API_H

#include "http.h"

#include "cursor.h"

/* A list's position as text (the last id seen, or "<start µs>:<id>"). */
#define API_CURSOR_LEN	(CURSOR_POSITION_MAX + 1)

/*
 * ?limit= (1..1000, default 100) and ?cursor= (opaque, sealed by this
 * server for this list and caller: cursor.h). Writes the limit and the
 * position the cursor stands for ("0" without one: the first page) as text
 * for use as $n parameters. Answers 400 itself and returns -1 when either
 * is malformed or the cursor is not one this server handed out for this
 * list and caller; also returns -1 when r waits for the cursor key (its
 * handler then runs again): the caller just returns.
 */
int	api_page(struct req *, char limit[16], char cursor[API_CURSOR_LEN]);
/*
 * db_cb of a list statement returning (items JSON array, position of the
 * last item or NULL when there is no next page): {"items", "next"} with
 * the sealed cursor. arg is the struct req.
 */
void	api_reply_page(enum db_status, PGresult *, void *);

/* 422 with the errors array (stolen). */
void	api_reply_invalid(struct req *, json_t *errors);
/* Queue, first in transaction txn, a statement timeout of ms for the
 * rest of it (0: none); its answer is not looked at (the next one tells). */
struct db_txn;
void	api_txn_timeout(struct db_txn *, int ms);

/*
 * The common callback tail: a failed statement becomes its problem answer;
 * a result without rows, or whose first column is NULL, is 404; otherwise
 * the first column of the first row is JSON text sent with status.
 */
void	api_reply_row(struct req *, enum db_status, PGresult *, int status);

/* db_cb that does api_reply_row(r, ..., 200). arg is the struct req. */
void	api_reply_row_200(enum db_status, PGresult *, void *);
/* db_cb that does api_reply_row(r, ..., 201). */
void	api_reply_row_201(enum db_status, PGresult *, void *);

/* Serialise JSON compactly; caller frees. */
char	*api_json_text(const json_t *);

/* The caller (req_actor) as compact JSON text for a $n parameter; caller frees. */
char	*api_actor_text(const struct req *);

/* The {id} capture as text; answers 404 "no such <what>" and returns -1 if it is no id. */
int	api_id_param(struct req *, const char *what, char buf[24]);

/* Decimal text of an id, for $n parameters. */
void	api_id_text(long long, char buf[24]);

/*
 * Added for the core resources (api-conference.c and friends).
 *
 * The reply callbacks below expect the JSON text in column 0 and the
 * resource's version in column 1, and answer with ETag: "<version>".
 */
void	api_reply_row_etag_200(enum db_status, PGresult *, void *);
void	api_reply_row_etag_201(enum db_status, PGresult *, void *);

/*
 * If-Match as a version for SQL: NULL when absent or "*", the digits of
 * "<n>" or W/"<n>", else "-1" (matches no version, so 412).
 */
const char *api_if_match(const struct req *, char buf[24]);

/*
 * Run sql with $1 = the caller (req_actor), then $2 = input (JSON text;
 * stolen) when input is not NULL, then the n texts of rest (may be NULL).
 */
void	api_call(struct req *, const char *sql, db_cb *cb, json_t *input,
	    int n, const char *const *rest);

/* A pure body decoder: normalised input, or NULL with errors appended. */
typedef json_t *api_decoder(const json_t *body, json_t *errors);

/*
 * Decode r->body; 422 with every field error, or api_call(r, sql, cb,
 * input, n, rest) with the decoded input as $2.
 */
void	api_write(struct req *, api_decoder *, const char *sql, db_cb *cb,
	    int n, const char *const *rest);

/*
 * Added for editing and deleting (issue 15). {id} captures that are no id
 * answer 404 "no such <what>" before any database work.
 */
/* db_cb: 204 No Content when the statement succeeded, else its problem. */
void	api_reply_204(enum db_status, PGresult *, void *);
/* GET by {id}: sql takes $1 = id and answers (JSON text, version). */
void	api_get_by_id(struct req *, const char *what, const char *sql);
/*
 * PATCH by {id}: decode the body (422), then sql with $1 actor, $2 input,
 * $3 id, $4 the If-Match version (NULL: none); answers 200 with ETag.
 */
void	api_patch_by_id(struct req *, const char *what, api_decoder *,
	    const char *sql);
/* DELETE by {id}: sql with $1 actor, $2 id, $3 If-Match version; 204. */
void	api_delete_by_id(struct req *, const char *what, const char *sql);

/* A solver job that could not run (503) or failed (500): answered, -1; else 0
 * (api-bilateral.c; also the move with repair, api-session-move.c). */
struct scheduler_job;
int	api_solver_failed(struct req *, struct scheduler_job *);

/* POST /participants/{id}/unavailability with "repair" (api-session-move.c). */
void	unavailability_repair(struct req *);

#endif
