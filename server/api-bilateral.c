/*
 * api-bilateral.c — the bilateral routes: requests and their workflow
 * (create, list, read, accept, decline, withdraw), feasible slots for one
 * request, placing one request, and auto-placing every accepted request of
 * a conference.
 *
 * Bodies are decoded and checked here, in pure C, before any database work
 * (422 with "errors"). Each read or write is then one statement, a function
 * of sql/040_bilaterals.sql that checks who may do it, locks, checks the
 * transition, writes and audits. Slots and plans take three steps: one read
 * of the whole problem (kaigi_bilateral_problem), the solver on a worker
 * thread (scheduler.c), and one statement that re-checks and writes (or
 * just formats, for slots and dry runs). A plan whose write finds the data
 * changed (409), or a best slot taken meanwhile by someone else, is looked
 * for again once from fresh data.
 *
 * Slots are the secretariat's at any time and the parties' once the
 * counterpart has accepted (409 before: a liaison cannot map another
 * head's diary with requests nobody accepted). The parties get them
 * earliest first and without new_breaks/room_changes: the secretariat's
 * ranking and figures come from third parties' schedules.
 *
 * The solver runs at most solver_jobs jobs at once (scheduler.c); beyond
 * its queue a request gets 503 with Retry-After.
 */
#include <sys/time.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "config.h"
#include "decode-interp.h"
#include "http.h"
#include "log.h"
#include "route.h"
#include "scheduler.h"
#include "util.h"
#include "valid.h"

#define BIL_CREATE_SQL \
    "SELECT kaigi_bilateral_create(kaigi_as($1::jsonb), $2, $3::jsonb)::text"
#define BIL_LIST_SQL \
    "SELECT l->'items', l->>'next' FROM kaigi_bilaterals_list($1::jsonb, $2, $3," \
    " $4::int, $5::bigint) AS l"
#define BIL_GET_SQL \
    "SELECT kaigi_bilateral_get($1::jsonb, $2::bigint)::text"
#define BIL_TRANSITION_SQL \
    "SELECT kaigi_bilateral_transition($1::jsonb, $2::bigint, $3)::text"
#define BIL_PROBLEM_SQL \
    "SELECT kaigi_bilateral_problem_for(kaigi_as($1::jsonb), $2, $3::bigint)::text"
#define BIL_SLOTS_PROBLEM_SQL \
    "SELECT kaigi_bilateral_slots_problem($1::jsonb, $2::bigint)::text"
#define BIL_SLOTS_SQL \
    "SELECT kaigi_bilateral_slots_for($1::jsonb, $2::bigint, $3::jsonb)::text"
#define BIL_SCHEDULE_SQL \
    "SELECT kaigi_bilateral_schedule($1::jsonb, $2::bigint," \
    " to_timestamp($3::double precision), $4::bigint)::text"
#define BIL_PLAN_SQL \
    "SELECT kaigi_bilateral_plan($1::jsonb, $2, $3::jsonb, $4::boolean)::text"

#define BIL_SLOTS_DEFAULT	10
#define BIL_SLOTS_MAX		100
#define BIL_TIME_LIMIT_MAX	60000
#define BIL_AFTER_MAX		100	/* requests one may come after */
/* The margin a schedule keeps for writing its plan: a base (the hand-back,
 * the JSON, the answer, a solver stopping a little late) plus the write's
 * measured milliseconds per placed request times the requests, with
 * headroom (BIL_WRITE_MS_DEFAULT until this process has measured one),
 * at most half the limit. The default is what the set write (sql/290,
 * 570) measures on a quiet 2-core machine: 0.5-0.6 ms a placement from
 * 2,000 requests to COP size (it was 1.5, from the per-row write). */
#define BIL_MARGIN_BASE_MS	150
#define BIL_WRITE_MS_DEFAULT	0.75
#define BIL_WRITE_HEADROOM	1.5
#define BIL_WRITE_WEIGHT	(1.0 / 3)

static const char *const bil_statuses[] = { "requested", "accepted",
    "declined", "withdrawn", "scheduled", "cancelled", NULL };
static const char *const bil_levels[] = { "head", "deputy", NULL };

/* What a multi-step request (slots, schedule, plan) carries along. */
struct bil_state {
	char			*actor;
	char			 id[24];	/* request id, or "" */
	const char		*slug;		/* conference, or NULL */
	enum scheduler_kind	 kind;
	int			 slot_max;
	int			 time_limit_ms;
	int			 dry_run;
	int			 retried;
	int			 best;		/* schedule {}: the best slot */
	int			 slots;		/* GET slots (scheduled too) */
	long long		 cur_start;	/* a scheduled one's place, */
	long long		 cur_room;	/* never offered (0: none) */
	scheduler_cb		*solved;
	struct scheduler_job	*job;
	/* SOLVE: time_limit_ms counts from arrival (monotonic ms). */
	double			 arrived_ms;
	double			 write_from_ms;
	int			 nplaced;
	/* SOLVE: the plan's write, in a transaction of its own. */
	char			*plan_text;
	char			*answer;
	struct db_txn		*txn;
};

static void bil_create(struct req *);
static void bil_list(struct req *);
static void bil_get(struct req *);
static void bil_accept(struct req *);
static void bil_decline(struct req *);
static void bil_withdraw(struct req *);
static void bil_slots(struct req *);
static void bil_schedule(struct req *);
static void bil_plan(struct req *);

const struct route route_bilateral_create = {
	.method = EVHTTP_REQ_POST, .path = "/api/v1/conferences/{slug}/bilaterals",
	.role = ROLE_LIAISON, .handle = bil_create,
};
const struct route route_bilateral_list = {
	.method = EVHTTP_REQ_GET, .path = "/api/v1/conferences/{slug}/bilaterals",
	.role = ROLE_LIAISON, .handle = bil_list,
};
const struct route route_bilateral_get = {
	.method = EVHTTP_REQ_GET, .path = "/api/v1/bilaterals/{id}",
	.role = ROLE_LIAISON, .handle = bil_get,
};
const struct route route_bilateral_accept = {
	.method = EVHTTP_REQ_POST, .path = "/api/v1/bilaterals/{id}/accept",
	.role = ROLE_LIAISON, .handle = bil_accept,
};
const struct route route_bilateral_decline = {
	.method = EVHTTP_REQ_POST, .path = "/api/v1/bilaterals/{id}/decline",
	.role = ROLE_LIAISON, .handle = bil_decline,
};
const struct route route_bilateral_withdraw = {
	.method = EVHTTP_REQ_POST, .path = "/api/v1/bilaterals/{id}/withdraw",
	.role = ROLE_LIAISON, .handle = bil_withdraw,
};
const struct route route_bilateral_slots = {
	.method = EVHTTP_REQ_GET, .path = "/api/v1/bilaterals/{id}/slots",
	.role = ROLE_LIAISON, .handle = bil_slots,
};
const struct route route_bilateral_schedule = {
	.method = EVHTTP_REQ_POST, .path = "/api/v1/bilaterals/{id}/schedule",
	.role = ROLE_SECRETARIAT, .handle = bil_schedule,
};
const struct route route_conference_schedule = {
	.method = EVHTTP_REQ_POST, .path = "/api/v1/conferences/{slug}/schedule",
	.role = ROLE_SECRETARIAT, .handle = bil_plan,
};

/* A party: a delegation code (string) or id (positive integer). */
static int
bil_party(const json_t *o, const char *field, json_t *errors)
{
	const json_t	*v = json_object_get(o, field);
	const char	*s;

	if (v == NULL) {
		valid_error(errors, field, "is required");
		return -1;
	}
	if (json_is_integer(v) && json_integer_value(v) > 0)
		return 1;
	if (json_is_string(v)) {
		s = json_string_value(v);
		if (*s != '\0' && strlen(s) <= 32)
			return 1;
	}
	valid_error(errors, field, "must be a delegation code or id");
	return -1;
}

/* Checks across fields: different parties, a window that fits. */
static void
bil_check_create(const json_t *in, long long dur, int ne, time_t lo, int nl,
    time_t hi, json_t *errors)
{
	const json_t	*a = json_object_get(in, "requester");
	const json_t	*b = json_object_get(in, "counterpart");

	if (a != NULL && b != NULL && json_equal((json_t *)a, (json_t *)b))
		valid_error(errors, "counterpart", "must differ from the requester");
	if (ne == 1 && nl == 1 && dur > 0 && hi - lo < dur * 60)
		valid_error(errors, "latest",
		    "the window from earliest to latest is shorter than the meeting");
}

/* interpretation: the language pairs the meeting needs (decode-interp.c). */
static void
bil_interpretation(const json_t *body, json_t *errors)
{
	json_t	*scratch = json_object();

	decode_interp_pairs(body, "interpretation", 0, scratch, errors);
	json_decref(scratch);
}

/* Decode a create body into the JSON the SQL takes; NULL with errors. */
static json_t *
bil_decode_create(const json_t *body, json_t *errors)
{
	static const char *const known[] = { "requester", "counterpart",
	    "duration_minutes", "earliest", "latest", "priority", "level",
	    "topics", "ref", "fixed_start", "after", "confidential",
	    "interpretation", NULL };
	const json_t	*after;
	const char	*s;
	long long	 dur = 0, v;
	time_t		 lo = 0, hi = 0, fixed;
	int		 ne, nl, secret;

	if (valid_object(body, errors) != 0)
		return NULL;
	valid_known(body, known, errors);
	bil_party(body, "requester", errors);
	bil_party(body, "counterpart", errors);
	valid_int(body, "duration_minutes", VALID_REQUIRED, 5, 480, &dur, errors);
	ne = valid_time(body, "earliest", VALID_OPTIONAL, &lo, errors);
	nl = valid_time(body, "latest", VALID_OPTIONAL, &hi, errors);
	valid_int(body, "priority", VALID_OPTIONAL, 1, 5, &v, errors);
	valid_enum(body, "level", VALID_OPTIONAL, bil_levels, &s, errors);
	valid_string(body, "topics", VALID_OPTIONAL, 4000, &s, errors);
	if (valid_string(body, "ref", VALID_OPTIONAL, 100, &s, errors) == 1 &&
	    *s == '\0')
		valid_error(errors, "ref", "must be a non-empty text");
	valid_time(body, "fixed_start", VALID_OPTIONAL, &fixed, errors);
	valid_id_array(body, "after", VALID_OPTIONAL, BIL_AFTER_MAX, &after, errors);
	valid_bool(body, "confidential", VALID_OPTIONAL, &secret, errors);
	bil_interpretation(body, errors);
	bil_check_create(body, dur, ne, lo, nl, hi, errors);
	if (json_array_size(errors) > 0)
		return NULL;
	return json_deep_copy(body);
}

/* POST /api/v1/conferences/{slug}/bilaterals */
static void
bil_create(struct req *r)
{
	const char	*params[3];
	json_t		*errors = json_array(), *in;
	char		*actor, *input;

	in = bil_decode_create(r->body != NULL ? r->body : json_null(), errors);
	if (in == NULL) {
		api_reply_invalid(r, errors);
		return;
	}
	json_decref(errors);
	input = api_json_text(in);
	json_decref(in);
	actor = api_actor_text(r);
	params[0] = actor;
	params[1] = req_param(r, "slug");
	params[2] = input;
	db_query(BIL_CREATE_SQL, 3, params, api_reply_row_201, r);
	free(actor);
	free(input);
}

/* GET /api/v1/conferences/{slug}/bilaterals?status=&limit=&cursor= */
static void
bil_list(struct req *r)
{
	const char	*params[5], *status = req_query(r, "status");
	char		 limit[16], cursor[API_CURSOR_LEN], *actor;
	int		 i;

	if (api_page(r, limit, cursor) != 0)
		return;
	if (status != NULL) {
		for (i = 0; bil_statuses[i] != NULL; i++)
			if (strcmp(status, bil_statuses[i]) == 0)
				break;
		if (bil_statuses[i] == NULL) {
			http_reply_problem(r, 400, "status must be one of requested, "
			    "accepted, declined, withdrawn, scheduled, cancelled", NULL);
			return;
		}
	}
	actor = api_actor_text(r);
	params[0] = actor;
	params[1] = req_param(r, "slug");
	params[2] = status;
	params[3] = limit;
	params[4] = cursor;
	db_query(BIL_LIST_SQL, 5, params, api_reply_page, r);
	free(actor);
}

/* GET /api/v1/bilaterals/{id} */
static void
bil_get(struct req *r)
{
	const char	*params[2];
	char		 id[24], *actor;

	if (api_id_param(r, "bilateral request", id) != 0)
		return;
	actor = api_actor_text(r);
	params[0] = actor;
	params[1] = id;
	db_query(BIL_GET_SQL, 2, params, api_reply_row_200, r);
	free(actor);
}

/* POST /api/v1/bilaterals/{id}/<action> (body empty or {}). */
static void
bil_transition(struct req *r, const char *action)
{
	const char	*params[3];
	char		 id[24], *actor;
	json_t		*errors;

	if (api_id_param(r, "bilateral request", id) != 0)
		return;
	if (r->body != NULL && (!json_is_object(r->body) ||
	    json_object_size(r->body) != 0)) {
		errors = json_array();
		valid_error(errors, "", "%s takes no fields", action);
		api_reply_invalid(r, errors);
		return;
	}
	actor = api_actor_text(r);
	params[0] = actor;
	params[1] = id;
	params[2] = action;
	db_query(BIL_TRANSITION_SQL, 3, params, api_reply_row_200, r);
	free(actor);
}

/* POST /api/v1/bilaterals/{id}/accept */
static void
bil_accept(struct req *r)
{
	bil_transition(r, "accept");
}

/* POST /api/v1/bilaterals/{id}/decline */
static void
bil_decline(struct req *r)
{
	bil_transition(r, "decline");
}

/* POST /api/v1/bilaterals/{id}/withdraw */
static void
bil_withdraw(struct req *r)
{
	bil_transition(r, "withdraw");
}

/* Free a request's bilateral state. */
static void
bil_state_free(void *arg)
{
	struct bil_state	*st = arg;

	scheduler_job_free(st->job);
	free(st->actor);
	free(st->plan_text);
	free(st->answer);
	free(st);
}

/* Attach a new state to the request. */
static struct bil_state *
bil_state_new(struct req *r, enum scheduler_kind kind, scheduler_cb *solved)
{
	struct bil_state	*st = xcalloc(1, sizeof *st);

	st->actor = api_actor_text(r);
	st->kind = kind;
	st->solved = solved;
	st->slot_max = BIL_SLOTS_DEFAULT;
	st->time_limit_ms = SCHEDULER_TIME_LIMIT_MS;
	r->state = st;
	r->state_free = bil_state_free;
	return st;
}

/* Milliseconds per placed request recent plan writes took here. */
static double	bil_write_ms = BIL_WRITE_MS_DEFAULT;

/* A plan of n placed requests written in ms: a moving average (a third
 * of the new one), so that one write stalled by a busy machine does not
 * take the next schedules' time. */
static void
bil_write_measured(int n, double ms)
{
	if (n > 0)
		bil_write_ms = bil_write_ms * (1 - BIL_WRITE_WEIGHT) +
		    ms / n * BIL_WRITE_WEIGHT;
}

/* The schedule's budget: time_limit_ms from arrival, less a margin for
 * the write that grows with the requests (scheduler.h). */
static void
bil_budget(struct bil_state *st)
{
	st->job->budget.arrived_ms = st->arrived_ms;
	st->job->budget.limit_ms = st->time_limit_ms;
	st->job->budget.base_ms = BIL_MARGIN_BASE_MS;
	st->job->budget.per_request_ms = bil_write_ms * BIL_WRITE_HEADROOM;
}

/*
 * db_cb: the problem is read; the solver's thread parses it (megabytes at
 * COP size: never on the loop) and solves.
 */
static void
bil_problem_loaded(enum db_status status, PGresult *res, void *arg)
{
	struct req		*r = arg;
	struct bil_state	*st = r->state;

	if (status != DB_OK || PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
		api_reply_row(r, status, res, 200);
		return;
	}
	scheduler_job_free(st->job);
	st->job = scheduler_job_new(st->kind);
	st->job->slot_max = st->slot_max;
	st->job->options.time_limit_ms = st->time_limit_ms;
	if (st->kind == SCHEDULER_SOLVE) {
		st->job->plan_fields = json_pack("{s:b}", "replanned",
		    st->retried);
		if (st->arrived_ms > 0)
			bil_budget(st);
	}
	/* the result itself, not a copy: the thread clears it */
	scheduler_run_text(st->job, PQgetvalue(res, 0, 0), db_keep(res),
	    db_kept_free, st->solved, r);
}

/* Read the problem (of one request, or of the conference). */
static void
bil_load(struct req *r)
{
	struct bil_state	*st = r->state;
	const char		*params[3];

	params[0] = st->actor;
	params[1] = st->slug;
	params[2] = st->id[0] != '\0' ? st->id : NULL;
	if (st->slots) {
		params[1] = st->id;
		db_query(BIL_SLOTS_PROBLEM_SQL, 2, params, bil_problem_loaded, r);
	} else
		db_query(BIL_PROBLEM_SQL, 3, params, bil_problem_loaded, r);
}

/* A job that could not run or failed: answer and return -1 (api.h). */
int
api_solver_failed(struct req *r, struct scheduler_job *job)
{
	char	*detail;
	int	 running, waiting;

	if (job->failed == SCHEDULER_BUSY) {
		scheduler_counts(&running, &waiting);
		detail = xasprintf("the solver is busy: %d job(s) running and %d"
		    " waiting, the most this server takes; retry shortly",
		    running, waiting);
		http_reply_retry(r, detail);
		free(detail);
		return -1;
	}
	if (job->failed == SCHEDULER_BAD_PROBLEM) {
		log_error("solver: %s", job->why);
		http_reply_problem(r, 500, job->why, NULL);
		return -1;
	}
	if (job->failed != SCHEDULER_RAN) {
		http_reply_retry(r, "the solver could not start (the server "
		    "is shutting down or out of threads); retry shortly");
		return -1;
	}
	if (job->rc < 0) {
		http_reply_problem(r, 500, "the solver refused the problem", NULL);
		return -1;
	}
	return 0;
}

/* The slots but a scheduled request's own place, at most slot_max. */
static json_t *
bil_without_current(const struct bil_state *st, json_t *items)
{
	json_t	*out = json_array(), *x;
	size_t	 i;

	json_array_foreach(items, i, x) {
		if (json_array_size(out) >= (size_t)st->slot_max)
			break;
		if (st->cur_room != 0 && json_integer_value(json_object_get(x,
		    "start")) == st->cur_start && json_integer_value(
		    json_object_get(x, "room_id")) == st->cur_room)
			continue;
		json_array_append(out, x);
	}
	json_decref(items);
	return out;
}

/* Solved: the slots, formatted by the database. */
static void
bil_slots_solved(struct scheduler_job *job, void *arg)
{
	struct req		*r = arg;
	struct bil_state	*st = r->state;
	const char		*params[3];
	json_t			*items;
	char			*text;

	if (api_solver_failed(r, job) != 0)
		return;
	st->cur_start = job->cur_start;
	st->cur_room = job->cur_room;
	items = bil_without_current(st, scheduler_slots_json(job));
	text = api_json_text(items);
	json_decref(items);
	params[0] = st->actor;
	params[1] = st->id;
	params[2] = text;
	db_query(BIL_SLOTS_SQL, 3, params, api_reply_row_200, r);
	free(text);
}

/* GET /api/v1/bilaterals/{id}/slots?limit= (1..100, default 10) */
static void
bil_slots(struct req *r)
{
	struct bil_state	*st;
	const char		*l = req_query(r, "limit");
	char			 id[24];
	long long		 n = BIL_SLOTS_DEFAULT;

	if (api_id_param(r, "bilateral request", id) != 0)
		return;
	if (l != NULL && (parse_id(l, &n) != 0 || n > BIL_SLOTS_MAX)) {
		http_reply_problem(r, 400, "limit must be a whole number from 1 to 100",
		    NULL);
		return;
	}
	st = bil_state_new(r, SCHEDULER_SLOTS, bil_slots_solved);
	snprintf(st->id, sizeof st->id, "%s", id);
	st->slot_max = (int)n;
	st->slots = 1;
	bil_load(r);
}

/* db_cb: placed; the best slot taken meanwhile is looked for again once. */
static void
bil_place_done(enum db_status status, PGresult *res, void *arg)
{
	struct req		*r = arg;
	struct bil_state	*st = r->state;

	if (status == DB_ERROR && strcmp(db_sqlstate(res), "KG409") == 0 &&
	    st->best && !st->retried) {
		log_info("bilateral %s: best slot taken meanwhile, looking again",
		    st->id);
		st->retried = 1;
		bil_load(r);
		return;
	}
	api_reply_row(r, status, res, 201);
}

/* Place request st->id at unix time start in room. */
static void
bil_place(struct req *r, long long start, long long room)
{
	struct bil_state	*st = r->state;
	const char		*params[4];
	char			 s[24], k[24];

	api_id_text(start, s);
	api_id_text(room, k);
	params[0] = st->actor;
	params[1] = st->id;
	params[2] = s;
	params[3] = k;
	db_query(BIL_SCHEDULE_SQL, 4, params, bil_place_done, r);
}

/* Solved: place at the best slot, if there is one. */
static void
bil_best_solved(struct scheduler_job *job, void *arg)
{
	struct req	*r = arg;

	if (api_solver_failed(r, job) != 0)
		return;
	if (job->nslots < 1) {
		http_reply_problem(r, 409, "no feasible slot: the attendees have no "
		    "common free time with a free room in the window", NULL);
		return;
	}
	bil_place(r, job->problem.origin + (long long)job->slots[0].start * 60,
	    job->problem.rooms[job->slots[0].room].id);
}

/* Decode a schedule body: 1 with start and room, 0 for {}, -1 (errors). */
static int
bil_decode_schedule(const json_t *body, time_t *start, long long *room,
    json_t *errors)
{
	static const char *const known[] = { "start", "room_id", NULL };
	int	 ns, nr;

	if (body == NULL)
		return 0;
	if (valid_object(body, errors) != 0)
		return -1;
	valid_known(body, known, errors);
	ns = valid_time(body, "start", VALID_OPTIONAL, start, errors);
	nr = valid_int(body, "room_id", VALID_OPTIONAL, 1, INT64_MAX, room, errors);
	if (ns == 0 && nr == 1)
		valid_error(errors, "start", "is required with room_id");
	if (ns == 1 && nr == 0)
		valid_error(errors, "room_id", "is required with start");
	if (json_array_size(errors) > 0)
		return -1;
	return ns == 1;
}

/* POST /api/v1/bilaterals/{id}/schedule: {start, room_id} or {} (best). */
static void
bil_schedule(struct req *r)
{
	struct bil_state	*st;
	json_t			*errors;
	char			 id[24];
	time_t			 start = 0;
	long long		 room = 0;
	int			 given;

	if (api_id_param(r, "bilateral request", id) != 0)
		return;
	errors = json_array();
	if ((given = bil_decode_schedule(r->body, &start, &room, errors)) < 0) {
		api_reply_invalid(r, errors);
		return;
	}
	json_decref(errors);
	st = bil_state_new(r, SCHEDULER_SLOTS, bil_best_solved);
	snprintf(st->id, sizeof st->id, "%s", id);
	st->slot_max = 1;
	st->best = !given;
	if (given)
		bil_place(r, (long long)start, room);
	else
		bil_load(r);
}

/* db_cb of the COMMIT: the plan is stored, answer with it. */
static void
bil_plan_committed(enum db_status status, PGresult *res, void *arg)
{
	struct req		*r = arg;
	struct bil_state	*st = r->state;

	if (status != DB_OK) {
		http_reply_db_error(r, status, res);
		return;
	}
	if (!st->dry_run)
		bil_write_measured(st->nplaced, scheduler_now_ms() -
		    st->write_from_ms);
	http_reply_json_text(r, 200, st->answer, strlen(st->answer));
}

/* db_cb: the plan written (or formatted), committed before the answer;
 * a 409 re-plans once. */
static void
bil_plan_done(enum db_status status, PGresult *res, void *arg)
{
	struct req		*r = arg;
	struct bil_state	*st = r->state;
	struct db_txn		*txn = st->txn;

	st->txn = NULL;
	if (status == DB_OK && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)) {
		st->answer = xstrdup(PQgetvalue(res, 0, 0));
		db_txn_end(txn, 1, bil_plan_committed, r);
		return;
	}
	db_txn_end(txn, 0, NULL, NULL);
	if (status == DB_ERROR && strcmp(db_sqlstate(res), "KG409") == 0 &&
	    !st->dry_run && !st->retried) {
		log_info("schedule %s: the data changed under the plan, planning again",
		    st->slug);
		st->retried = 1;
		bil_load(r);
		return;
	}
	api_reply_row(r, status, res, 200);
}

/*
 * The statement timeout of a plan's write: never shorter than the
 * schedule's own time limit. The margin kept for the write is a
 * prediction; a write that outgrows it answers late, never with a 503
 * after the solver's work (statement_timeout_ms 0, none, stays none).
 */
static int
bil_write_timeout_ms(const struct bil_state *st)
{
	if (cfg->statement_timeout_ms <= 0)
		return 0;
	return st->time_limit_ms > cfg->statement_timeout_ms ?
	    st->time_limit_ms : cfg->statement_timeout_ms;
}

/* db_txn_cb: a connection of our own; its timeout, then the plan. */
static void
bil_plan_begun(struct db_txn *txn, void *arg)
{
	struct req		*r = arg;
	struct bil_state	*st = r->state;
	const char		*params[4];

	if (txn == NULL) {
		http_reply_unavailable(r);
		return;
	}
	st->txn = txn;
	api_txn_timeout(txn, bil_write_timeout_ms(st));
	params[0] = st->actor;
	params[1] = st->slug;
	params[2] = st->plan_text;
	params[3] = st->dry_run ? "true" : "false";
	db_txn_query(txn, BIL_PLAN_SQL, 4, params, bil_plan_done, r);
}

/* Solved: write the plan in one statement (or only format it); the
 * solver's thread has made its text. */
static void
bil_plan_solved(struct scheduler_job *job, void *arg)
{
	struct req		*r = arg;
	struct bil_state	*st = r->state;

	if (api_solver_failed(r, job) != 0)
		return;
	st->write_from_ms = scheduler_now_ms();
	st->nplaced = job->answer.stats.placed;
	free(st->plan_text);
	free(st->answer);
	st->answer = NULL;
	st->plan_text = job->plan_text;
	job->plan_text = NULL;
	db_txn_begin(bil_plan_begun, r);
}

/* Milliseconds since a wall-clock time (the request's arrival). */
static double
bil_since_ms(const struct timeval *t)
{
	struct timeval	 now;
	double		 ms;

	gettimeofday(&now, NULL);
	ms = (now.tv_sec - t->tv_sec) * 1000.0 + (now.tv_usec - t->tv_usec) / 1000.0;
	return ms > 0 ? ms : 0;
}

/* POST /api/v1/conferences/{slug}/schedule {dry_run?, time_limit_ms?} */
static void
bil_plan(struct req *r)
{
	static const char *const known[] = { "dry_run", "time_limit_ms", NULL };
	struct bil_state	*st;
	json_t			*errors = json_array();
	long long		 limit = SCHEDULER_TIME_LIMIT_MS;
	int			 dry = 0;

	if (r->body != NULL && valid_object(r->body, errors) == 0) {
		valid_known(r->body, known, errors);
		valid_bool(r->body, "dry_run", VALID_OPTIONAL, &dry, errors);
		valid_int(r->body, "time_limit_ms", VALID_OPTIONAL, 1,
		    BIL_TIME_LIMIT_MAX, &limit, errors);
	}
	if (json_array_size(errors) > 0) {
		api_reply_invalid(r, errors);
		return;
	}
	json_decref(errors);
	st = bil_state_new(r, SCHEDULER_SOLVE, bil_plan_solved);
	st->slug = req_param(r, "slug");
	st->dry_run = dry;
	st->time_limit_ms = (int)limit;
	st->arrived_ms = scheduler_now_ms() - bil_since_ms(&r->started);
	bil_load(r);
}
