/*
 * api-session-move.c — POST /api/v1/sessions/{id}/move {start, end,
 * room_id?, repair?, dry_run?}: move a session, and with repair re-place
 * every scheduled bilateral the move would clash with.
 *
 * Without repair this is PATCH's move (409 on any clash), answered as a
 * plan with nothing re-placed. With repair it takes the auto-scheduler's
 * three steps (api-bilateral.c): one read of the problem
 * (kaigi_session_move_problem, sql/120_move_repair.sql: the session at its
 * new place, the bumped bilaterals as the requests, every other meeting
 * fixed where it is), the solver on a worker thread (scheduler.c; never
 * the loop, which neither parses the problem nor makes the plan's text:
 * both hold every other bilateral that may move), and one statement that re-checks that nothing changed and
 * moves everything at once (kaigi_session_move), or for a dry run only
 * formats the plan. A write that finds the data changed is planned again
 * once from fresh data. The problem holds every other bilateral that may
 * move too, at its current place with a penalty for leaving it
 * (sql/170_repair_cascade.sql): the solver moves as few as it can, and
 * when a bumped one finds no place even so the answer is a 409 naming it.
 * A dry run's answer has a "plan_id"; a commit that sends it back as
 * "expect" is a 409 unless the plan made now is that one.
 *
 * The same steps serve POST /participants/{id}/unavailability with
 * "repair": true (api-delegation.c hands such a body over): the
 * unavailability takes the session's place, the participant's scheduled
 * bilaterals in the way are re-placed and the unavailability stored in
 * one statement (sql/125_unavailability_repair.sql). Only the SQL differs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "decode-core.h"
#include "decode-session.h"
#include "http.h"
#include "log.h"
#include "route.h"
#include "scheduler.h"
#include "util.h"
#include "valid.h"

/* The problem's text, and its "move" when it has no request (nothing to
 * solve: the loop writes at once; the move is small then). */
#define MOVE_PROBLEM_COLS \
    "SELECT p::text, CASE WHEN jsonb_array_length(coalesce(p->'requests'," \
    " '[]')) = 0 THEN (p->'move')::text END FROM "
#define MOVE_PROBLEM_SQL MOVE_PROBLEM_COLS \
    "kaigi_session_move_problem($1::jsonb, $2::bigint, $3::int, $4::jsonb) p"
#define MOVE_SQL \
    "SELECT j::text, j->'moved'->>'version' FROM kaigi_session_move($1::jsonb," \
    " $2::bigint, $3::int, $4::jsonb, $5::jsonb, $6::boolean) j"

#define UNAV_PROBLEM_SQL MOVE_PROBLEM_COLS \
    "kaigi_unavailability_repair_problem($1::jsonb, $2::bigint, $3::int," \
    " $4::jsonb) p"
#define UNAV_SQL \
    "SELECT j::text, j->'unavailability'->>'version' FROM" \
    " kaigi_unavailability_repair($1::jsonb, $2::bigint, $3::int, $4::jsonb," \
    " $5::jsonb, $6::boolean) j"

/* What differs between a session's move and an unavailability's repair. */
struct move_ops {
	const char	*problem_sql;	/* (actor, id, if_match, input) */
	const char	*write_sql;	/* (..., plan, dry_run) → (json, version) */
	const char	*what;		/* for the log */
	int		 written;	/* the status of a write (not a dry run) */
};

static const struct move_ops move_session_ops = {
	MOVE_PROBLEM_SQL, MOVE_SQL, "session", 200,
};
static const struct move_ops move_unav_ops = {
	UNAV_PROBLEM_SQL, UNAV_SQL, "unavailability of participant", 201,
};

/* What a move carries from step to step. */
struct move_state {
	const struct move_ops	*ops;
	char			*actor;
	char			*input;		/* {start, end, room_id?}, decoded */
	char			 id[24];
	char			 version[24];
	const char		*if_match;	/* version or NULL */
	int			 repair;
	int			 dry_run;
	int			 retried;
	char			*expect;	/* the dry run's plan_id, or NULL */
	struct scheduler_job	*job;
};

static void session_move(struct req *);
static void move_load(struct req *);

const struct route route_session_move = {
	.method = EVHTTP_REQ_POST, .path = "/api/v1/sessions/{id}/move",
	.role = ROLE_SECRETARIAT, .handle = session_move,
};

/* Free a move's state. */
static void
move_state_free(void *arg)
{
	struct move_state	*st = arg;

	scheduler_job_free(st->job);
	free(st->expect);
	free(st->actor);
	free(st->input);
	free(st);
}

/* The target {start, end, room_id?} as PATCH decodes it; NULL (errors). */
static json_t *
move_target(const json_t *body, json_t *errors)
{
	json_t	*sub = json_object(), *out;
	time_t	 t;

	valid_time(body, "start", VALID_REQUIRED, &t, errors);
	valid_time(body, "end", VALID_REQUIRED, &t, errors);
	json_object_set(sub, "start", json_object_get(body, "start"));
	json_object_set(sub, "end", json_object_get(body, "end"));
	if (json_object_get(body, "room_id") != NULL) {
		if (!json_is_integer(json_object_get(body, "room_id")))
			valid_error(errors, "room_id", "must be a room id");
		json_object_set(sub, "room_id", json_object_get(body, "room_id"));
	}
	if (json_array_size(errors) > 0) {
		json_decref(sub);
		return NULL;
	}
	out = session_decode(sub, SESSION_DECODE_PATCH, errors);
	json_decref(sub);
	return out;
}

/* "expect": the plan_id of the dry run a commit carries out (a 409 if
 * the plan made now differs); a string, with repair only. */
static void
move_expect(const json_t *body, struct move_state *st, json_t *errors)
{
	const json_t	*e = json_object_get(body, "expect");

	if (e == NULL)
		return;
	if (!json_is_string(e) || json_string_length(e) == 0 ||
	    json_string_length(e) > 64)
		valid_error(errors, "expect", "must be the plan_id of a dry run");
	else if (!st->repair)
		valid_error(errors, "expect", "needs \"repair\": true");
	else
		st->expect = xstrdup(json_string_value(e));
}

/* Decode the body into st; -1 after answering 422. */
static int
move_decode(struct req *r, struct move_state *st)
{
	static const char *const known[] = { "start", "end", "room_id", "repair",
	    "dry_run", "expect", NULL };
	json_t	*errors = json_array(), *t = NULL;

	if (valid_object(r->body != NULL ? r->body : json_null(), errors) == 0) {
		valid_known(r->body, known, errors);
		valid_bool(r->body, "repair", VALID_OPTIONAL, &st->repair, errors);
		valid_bool(r->body, "dry_run", VALID_OPTIONAL, &st->dry_run, errors);
		move_expect(r->body, st, errors);
		t = move_target(r->body, errors);
	}
	if (t == NULL || json_array_size(errors) > 0) {
		json_decref(t);
		api_reply_invalid(r, errors);
		return -1;
	}
	json_decref(errors);
	st->input = api_json_text(t);
	json_decref(t);
	return 0;
}

/* Is a 409 of kaigi_session_move one of data changed since the plan? */
static int
move_changed(PGresult *res)
{
	const char	*d = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);

	return d != NULL && strstr(d, "\"changed\": true") != NULL;
}

/* db_cb: the move written (or formatted); a changed-data 409 re-plans once. */
static void
move_done(enum db_status status, PGresult *res, void *arg)
{
	struct req		*r = arg;
	struct move_state	*st = r->state;
	char			 etag[32];

	if (status == DB_ERROR && strcmp(db_sqlstate(res), "KG409") == 0 &&
	    move_changed(res) && st->repair && !st->dry_run && !st->retried) {
		log_info("repair of %s %s: the data changed under the plan, "
		    "planning again", st->ops->what, st->id);
		st->retried = 1;
		move_load(r);
		return;
	}
	if (status == DB_OK && PQntuples(res) == 1 && !PQgetisnull(res, 0, 1) &&
	    !st->dry_run) {
		snprintf(etag, sizeof etag, "\"%s\"", PQgetvalue(res, 0, 1));
		http_add_header(r, "ETag", etag);
	}
	api_reply_row(r, status, res, st->dry_run ? 200 : st->ops->written);
}

/* Write the move with the plan's text (NULL: no repair), or format it
 * for a dry run. */
static void
move_write(struct req *r, const char *plan)
{
	struct move_state	*st = r->state;
	const char		*params[6];

	params[0] = st->actor;
	params[1] = st->id;
	params[2] = st->if_match;
	params[3] = st->input;
	params[4] = plan;
	params[5] = st->dry_run ? "true" : "false";
	db_query(st->ops->write_sql, 6, params, move_done, r);
}

/* What the loop adds to a plan: whether it was made again, and the dry
 * run's plan_id that a commit expects. */
static json_t *
move_plan_fields(const struct move_state *st)
{
	json_t	*f = json_pack("{s:b}", "replanned", st->retried);

	if (st->expect != NULL)
		json_object_set_new(f, "expect", json_string(st->expect));
	return f;
}

/* Nothing to re-place: write the move at once with an empty plan. */
static void
move_unsolved(struct req *r, const char *move_text)
{
	json_t	*plan, *move = json_loads(move_text, 0, NULL);
	char	*text;

	if (move == NULL) {
		http_reply_problem(r, 500, "the move's problem is not JSON", NULL);
		return;
	}
	plan = json_pack("{s:[], s:[], s:{}, s:o}", "placed", "unplaced",
	    "stats", "move", move);
	json_object_update_new(plan, move_plan_fields(r->state));
	text = api_json_text(plan);
	json_decref(plan);
	move_write(r, text);
	free(text);
}

/* Solved: write (or format) the plan its thread made. */
static void
move_solved(struct scheduler_job *job, void *arg)
{
	struct req	*r = arg;

	if (api_solver_failed(r, job) != 0)
		return;
	move_write(r, job->plan_text);
}

/*
 * db_cb: the problem is read. Its thread parses it, solves and makes the
 * plan with the problem's "move" (megabytes when the conference has many
 * bilaterals that may move: never on the loop).
 */
static void
move_problem_loaded(enum db_status status, PGresult *res, void *arg)
{
	struct req		*r = arg;
	struct move_state	*st = r->state;

	if (status != DB_OK || PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
		api_reply_row(r, status, res, 200);
		return;
	}
	if (!PQgetisnull(res, 0, 1)) {
		move_unsolved(r, PQgetvalue(res, 0, 1));
		return;
	}
	scheduler_job_free(st->job);
	st->job = scheduler_job_new(SCHEDULER_SOLVE);
	st->job->plan_fields = move_plan_fields(st);
	st->job->plan_from = "move";
	/* the result itself, not a copy: the thread clears it */
	scheduler_run_text(st->job, PQgetvalue(res, 0, 0), db_keep(res),
	    db_kept_free, move_solved, r);
}

/* Read the repair's problem. */
static void
move_load(struct req *r)
{
	struct move_state	*st = r->state;
	const char		*params[4];

	params[0] = st->actor;
	params[1] = st->id;
	params[2] = st->if_match;
	params[3] = st->input;
	db_query(st->ops->problem_sql, 4, params, move_problem_loaded, r);
}

/* POST /api/v1/sessions/{id}/move {start, end, room_id?, repair?, dry_run?} */
static void
session_move(struct req *r)
{
	struct move_state	*st;
	char			 id[24];
	long long		 v;

	if (api_id_param(r, "session", id) != 0)
		return;
	if (session_if_match(req_header(r, "If-Match"), &v) != 0) {
		http_reply_problem(r, 412, "If-Match names no version of this session",
		    NULL);
		return;
	}
	st = xcalloc(1, sizeof *st);
	st->ops = &move_session_ops;
	r->state = st;
	r->state_free = move_state_free;
	if (move_decode(r, st) != 0)
		return;
	snprintf(st->id, sizeof st->id, "%s", id);
	api_id_text(v, st->version);
	st->if_match = v > 0 ? st->version : NULL;
	st->actor = api_actor_text(r);
	if (st->repair)
		move_load(r);
	else
		move_write(r, NULL);
}

/* The unavailability {start, end, reason?} of a repair's body; -1 after a 422. */
static int
unav_decode(struct req *r, struct move_state *st)
{
	json_t	*errors = json_array(), *sub, *t = NULL;

	if (valid_object(r->body, errors) == 0) {
		valid_bool(r->body, "repair", VALID_OPTIONAL, &st->repair, errors);
		valid_bool(r->body, "dry_run", VALID_OPTIONAL, &st->dry_run, errors);
		if (json_array_size(errors) == 0 && !st->repair)
			valid_error(errors, "dry_run", "needs \"repair\": true");
		move_expect(r->body, st, errors);
		sub = json_deep_copy(r->body);
		json_object_del(sub, "repair");
		json_object_del(sub, "dry_run");
		json_object_del(sub, "expect");
		t = decode_unavailability(sub, errors);
		json_decref(sub);
	}
	if (t == NULL || json_array_size(errors) > 0) {
		json_decref(t);
		api_reply_invalid(r, errors);
		return -1;
	}
	json_decref(errors);
	st->input = api_json_text(t);
	json_decref(t);
	return 0;
}

/* POST /api/v1/participants/{id}/unavailability {start, end, reason?,
 * repair: true, dry_run?}: the participant's bilaterals in the way
 * re-placed, then the unavailability stored. The caller checked the id. */
void
unavailability_repair(struct req *r)
{
	struct move_state	*st = xcalloc(1, sizeof *st);

	st->ops = &move_unav_ops;
	r->state = st;
	r->state_free = move_state_free;
	if (unav_decode(r, st) != 0)
		return;
	snprintf(st->id, sizeof st->id, "%s", req_param(r, "id"));
	st->if_match = NULL;
	st->actor = api_actor_text(r);
	move_load(r);
}
