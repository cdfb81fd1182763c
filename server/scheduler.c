/*
 * scheduler.c — loads a placement problem for the solver from the JSON the
 * database builds (kaigi_bilateral_problem(), sql/040_bilaterals.sql), runs
 * the solver on a worker thread, and hands the finished job back to the
 * event loop.
 *
 * Threading: one thread per running job, and at most solver_jobs of them
 * (default: the cores this process may use); up to solver_queue more jobs
 * wait in a FIFO for a free one, and a job beyond that is refused at once
 * (job->failed = SCHEDULER_BUSY: the handler answers 503). The thread
 * touches only its job, never libevent, the pool or the request. When it is
 * done it writes the job's pointer into a pipe whose read end the loop
 * watches (a write of one pointer is atomic); the loop joins the thread,
 * starts the next waiting job and calls the callback. A thread is joined
 * before the next one starts, so the process never has more than
 * solver_jobs solver threads. Only the loop touches the lists and counts,
 * so no locking (and no evthread_use_pthreads) is needed.
 * scheduler_shutdown() joins whatever still runs (each job is bounded by
 * its time limit) and fails it and every waiting job.
 */
#include <sys/queue.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "config.h"
#include "log.h"
#include "metrics.h"
#include "scheduler.h"
#include "solver/solver.h"
#include "util.h"

TAILQ_HEAD(scheduler_jobs, scheduler_job);

#define SCHEDULER_MARGIN_SHARE	2	/* the margin: at most half the budget */
#define SCHEDULER_FLOOR_SHARE	10	/* the solver: at least a tenth of it */

/* The hand-back channel of this process's loop, and its jobs. */
static struct {
	struct event_base	*base;
	struct event		*ev;
	int			 fd[2];
	struct scheduler_jobs	 running;
	struct scheduler_jobs	 waiting;
	int			 nrunning;
	int			 nwaiting;
} sched = { NULL, NULL, { -1, -1 }, TAILQ_HEAD_INITIALIZER(sched.running),
    TAILQ_HEAD_INITIALIZER(sched.waiting), 0, 0 };

/* Integer member of an object (0 when absent). */
static long long
sched_int(const json_t *o, const char *name)
{
	return json_integer_value(json_object_get(o, name));
}

/* Integer element of an array (0 when absent). */
static long long
sched_at(const json_t *a, size_t i)
{
	return json_integer_value(json_array_get(a, i));
}

/*
 * Intervals in a "busy" value: an array of [s, e, venue?], or a string
 * "s e,s e,..." (a room's, sql/740: no venue; "" for none).
 */
static size_t
sched_busy_size(const json_t *busy)
{
	const char	*t = json_string_value(busy);
	size_t		 n;

	if (t == NULL)
		return json_array_size(busy);
	if (*t == '\0')
		return 0;
	for (n = 1; *t != '\0'; t++)
		n += *t == ',';
	return n;
}

/* Total busy intervals of an array of objects with "busy". */
static size_t
sched_count_busy(const json_t *list)
{
	size_t	 i, n = 0;

	for (i = 0; i < json_array_size(list); i++)
		n += sched_busy_size(json_object_get(json_array_get(list, i),
		    "busy"));
	return n;
}

/*
 * Copy the intervals of a busy string "s e,s e,..." into b (at most max);
 * returns how many, stopping at the first that is not two integers.
 */
static int
sched_busy_text(const char *t, struct solver_interval *b, size_t max)
{
	char	*end;
	long	 start, stop;
	size_t	 i;

	for (i = 0; i < max && *t != '\0'; i++) {
		start = strtol(t, &end, 10);
		if (end == t || *end != ' ')
			break;
		t = end + 1;
		stop = strtol(t, &end, 10);
		if (end == t || (*end != ',' && *end != '\0'))
			break;
		t = *end == ',' ? end + 1 : end;
		b[i].start = (int)start;
		b[i].end = (int)stop;
		b[i].venue = SOLVER_NO_VENUE;
	}
	return (int)i;
}

/* Copy busy [s, e, venue?] pairs (or a busy string) into *next; returns
 * how many. */
static int
sched_busy(const json_t *busy, struct solver_interval **next, int nvenues)
{
	struct solver_interval	*b = *next;
	const json_t		*x;
	size_t			 i;

	if (json_is_string(busy)) {
		i = (size_t)sched_busy_text(json_string_value(busy), b,
		    sched_busy_size(busy));
		*next = b + i;
		return (int)i;
	}
	for (i = 0; i < json_array_size(busy); i++) {
		x = json_array_get(busy, i);
		b[i].start = (int)sched_at(x, 0);
		b[i].end = (int)sched_at(x, 1);
		b[i].venue = json_array_size(x) > 2 ? (int)sched_at(x, 2) :
		    SOLVER_NO_VENUE;
		if (b[i].venue < 0 || b[i].venue >= nvenues)
			b[i].venue = SOLVER_NO_VENUE;
	}
	*next = b + i;
	return (int)i;
}

/* Days, venues and travel. */
static int
sched_parse_time(const json_t *root, struct scheduler_problem *p)
{
	const json_t	*days = json_object_get(root, "days");
	const json_t	*travel = json_object_get(root, "travel");
	size_t		 i, nv = json_array_size(json_object_get(root, "venues"));

	if (json_array_size(days) < 1 || json_array_size(travel) != nv * nv)
		return -1;
	p->days = xcalloc(json_array_size(days), sizeof *p->days);
	for (i = 0; i < json_array_size(days); i++) {
		p->days[i].start = (int)sched_at(json_array_get(days, i), 0);
		p->days[i].end = (int)sched_at(json_array_get(days, i), 1);
		p->days[i].venue = SOLVER_NO_VENUE;
	}
	p->travel = xcalloc(nv * nv + 1, sizeof *p->travel);
	for (i = 0; i < nv * nv; i++)
		p->travel[i] = (int)sched_at(travel, i);
	p->pb.days = p->days;
	p->pb.ndays = (int)json_array_size(days);
	p->pb.travel = nv > 0 ? p->travel : NULL;
	p->pb.nvenues = (int)nv;
	return 0;
}

/* A person's "day_cap_minutes": a number (every day) or an array (one
 * entry a day window, null for none); absent or null: no cap. The caps in
 * next (ndays of them, -1 none, a negative number 0), or NULL. */
static const int *
sched_day_cap(const json_t *cap, int *next, int ndays)
{
	const json_t	*x;
	long long	 v;
	int		 i;

	if (!json_is_integer(cap) && !json_is_array(cap))
		return NULL;
	for (i = 0; i < ndays; i++) {
		x = json_is_array(cap) ? json_array_get(cap, (size_t)i) : cap;
		v = json_integer_value(x);
		next[i] = !json_is_integer(x) ? -1 : v < 0 ? 0 :
		    v > INT_MAX ? INT_MAX : (int)v;
	}
	return next;
}

/* Rooms and people with their busy intervals. */
static void
sched_parse_busy(const json_t *root, struct scheduler_problem *p)
{
	const json_t		*rooms = json_object_get(root, "rooms");
	const json_t		*people = json_object_get(root, "people");
	const json_t		*x;
	struct solver_interval	*next;
	size_t			 i;

	p->busy = xcalloc(sched_count_busy(rooms) + sched_count_busy(people) + 1,
	    sizeof *p->busy);
	next = p->busy;
	p->rooms = xcalloc(json_array_size(rooms) + 1, sizeof *p->rooms);
	for (i = 0; i < json_array_size(rooms); i++) {
		x = json_array_get(rooms, i);
		p->rooms[i].id = sched_int(x, "id");
		p->rooms[i].venue = (int)sched_int(x, "venue");
		p->rooms[i].capacity = (int)sched_int(x, "capacity");
		p->rooms[i].busy = next;
		p->rooms[i].nbusy = sched_busy(json_object_get(x, "busy"), &next,
		    p->pb.nvenues);
	}
	p->people = xcalloc(json_array_size(people) + 1, sizeof *p->people);
	p->caps = xcalloc(json_array_size(people) * (size_t)p->pb.ndays + 1,
	    sizeof *p->caps);
	for (i = 0; i < json_array_size(people); i++) {
		x = json_array_get(people, i);
		p->people[i].busy = next;
		p->people[i].nbusy = sched_busy(json_object_get(x, "busy"), &next,
		    p->pb.nvenues);
		p->people[i].day_cap = sched_day_cap(json_object_get(x,
		    "day_cap_minutes"), p->caps + i * (size_t)p->pb.ndays,
		    p->pb.ndays);
	}
	p->pb.rooms = p->rooms;
	p->pb.nrooms = (int)json_array_size(rooms);
	p->pb.people = p->people;
	p->pb.npeople = (int)json_array_size(people);
}

/* A repair's request "current": {start (minutes), room_id}, where it is
 * now; -1 when absent or in a room the problem does not have. */
static void
sched_parse_current(const json_t *cur, const struct scheduler_problem *p,
    struct solver_request *q)
{
	long long	 room = sched_int(cur, "room_id");
	int		 k;

	q->current_start = q->current_room = -1;
	if (!json_is_object(cur) ||
	    !json_is_integer(json_object_get(cur, "start")))
		return;
	for (k = 0; k < p->pb.nrooms; k++)
		if (p->rooms[k].id == room)
			break;
	if (k == p->pb.nrooms)
		return;
	q->current_start = (int)sched_int(cur, "start");
	q->current_room = k;
}

/* Each request's "after" (indices into "requests"); -1 if one is out of
 * range or names the request itself. */
static int
sched_parse_after(const json_t *reqs, struct scheduler_problem *p)
{
	const json_t	*a;
	size_t		 i, j, n = 0, nq = json_array_size(reqs);
	int		*next;

	for (i = 0; i < nq; i++)
		n += json_array_size(json_object_get(json_array_get(reqs, i), "after"));
	p->afters = next = xcalloc(n + 1, sizeof *p->afters);
	for (i = 0; i < nq; i++) {
		a = json_object_get(json_array_get(reqs, i), "after");
		p->requests[i].after = next;
		p->requests[i].nafter = (int)json_array_size(a);
		for (j = 0; j < json_array_size(a); j++) {
			*next = (int)sched_at(a, j);
			if (*next < 0 || (size_t)*next >= nq || (size_t)*next == i)
				return -1;
			next++;
		}
	}
	return 0;
}

/* Storage for the alts of requests reqs: *alts and *who. */
static void
sched_alloc_alts(const json_t *reqs, struct scheduler_problem *p)
{
	const json_t	*alts;
	size_t		 i, j, na = 0, nw = 0;

	for (i = 0; i < json_array_size(reqs); i++) {
		alts = json_object_get(json_array_get(reqs, i), "alts");
		na += json_array_size(alts);
		for (j = 0; j < json_array_size(alts); j++)
			nw += json_array_size(json_object_get(
			    json_array_get(alts, j), "people"));
	}
	p->alts = xcalloc(na + 1, sizeof *p->alts);
	p->alt_who = xcalloc(nw + 1, sizeof *p->alt_who);
}

/* Request x's alts [{people, interpreters}] into q from the storage at
 * *alt and *who; -1 if one names a person out of range. */
static int
sched_parse_alts(const json_t *x, struct scheduler_problem *p,
    struct solver_request *q, struct solver_alt **alt, int **who)
{
	const json_t	*alts = json_object_get(x, "alts"), *ppl, *e;
	size_t		 i, j;

	q->alts = *alt;
	q->nalts = (int)json_array_size(alts);
	for (i = 0; i < json_array_size(alts); i++, (*alt)++) {
		ppl = json_object_get(json_array_get(alts, i), "people");
		(*alt)->people = *who;
		(*alt)->npeople = (int)json_array_size(ppl);
		json_array_foreach(ppl, j, e) {
			if (!json_is_integer(e) || json_integer_value(e) < 0 ||
			    json_integer_value(e) >= p->pb.npeople)
				return -1;
			*(*who)++ = (int)json_integer_value(e);
		}
	}
	return 0;
}

/* Requests; -1 if one names a person or a request out of range. */
static int
sched_parse_requests(const json_t *root, struct scheduler_problem *p)
{
	const json_t		*reqs = json_object_get(root, "requests");
	const json_t		*x, *who;
	struct solver_request	*q;
	struct solver_alt	*alt;
	size_t			 i, j, n = 0;
	int			*next, *awho;

	for (i = 0; i < json_array_size(reqs); i++)
		n += json_array_size(json_object_get(json_array_get(reqs, i), "people"));
	p->who = next = xcalloc(n + 1, sizeof *p->who);
	sched_alloc_alts(reqs, p);
	alt = p->alts;
	awho = p->alt_who;
	p->reqs = json_incref((json_t *)reqs);
	p->requests = xcalloc(json_array_size(reqs) + 1, sizeof *p->requests);
	p->versions = xcalloc(json_array_size(reqs) + 1, sizeof *p->versions);
	for (i = 0; i < json_array_size(reqs); i++) {
		x = json_array_get(reqs, i);
		q = &p->requests[i];
		q->id = sched_int(x, "id");
		p->versions[i] = (int)sched_int(x, "version");
		who = json_object_get(x, "people");
		q->people = next;
		q->npeople = (int)json_array_size(who);
		for (j = 0; j < json_array_size(who); j++) {
			*next = (int)sched_at(who, j);
			if (*next < 0 || *next >= p->pb.npeople)
				return -1;
			next++;
		}
		q->parties[0] = sched_at(json_object_get(x, "parties"), 0);
		q->parties[1] = sched_at(json_object_get(x, "parties"), 1);
		q->duration = (int)sched_int(x, "duration");
		q->earliest = (int)sched_int(x, "earliest");
		q->latest = (int)sched_int(x, "latest");
		q->priority = (int)sched_int(x, "priority");
		q->fixed_start = q->fixed_room = -1;
		if (json_is_integer(json_object_get(x, "fixed_start")))
			q->fixed_start = (int)sched_int(x, "fixed_start");
		sched_parse_current(json_object_get(x, "current"), p, q);
		if (sched_parse_alts(x, p, q, &alt, &awho) != 0)
			return -1;
	}
	if (sched_parse_after(reqs, p) != 0)
		return -1;
	p->pb.requests = p->requests;
	p->pb.nrequests = (int)json_array_size(reqs);
	return 0;
}

/* Parse the problem JSON into solver structs. */
int
scheduler_problem_parse(const json_t *root, struct scheduler_problem *p,
    const char **why)
{
	memset(p, 0, sizeof *p);
	if (!json_is_object(root)) {
		*why = "the problem is not a JSON object";
		return -1;
	}
	p->conference_id = sched_int(root, "conference_id");
	p->origin = sched_int(root, "origin");
	p->pb.changeover = (int)sched_int(root, "changeover");
	p->pb.move_penalty = (int)sched_int(root, "move_penalty");
	if (sched_parse_time(root, p) != 0) {
		*why = "the problem has no days or a bad travel matrix";
		return -1;
	}
	sched_parse_busy(root, p);
	if (sched_parse_requests(root, p) != 0) {
		*why = "a request names an unknown person or request";
		return -1;
	}
	/* Cells from the problem (the gcd of its times), not the JSON's
	 * "slot"; a slots job offers every SOLVER_MIN_CELL minutes instead. */
	p->pb.slot_minutes = solver_cell_minutes(&p->pb);
	return 0;
}

/* Free a parsed problem. */
void
scheduler_problem_free(struct scheduler_problem *p)
{
	free(p->versions);
	free(p->days);
	free(p->people);
	free(p->rooms);
	free(p->requests);
	free(p->travel);
	free(p->busy);
	free(p->who);
	free(p->afters);
	free(p->caps);
	free(p->alts);
	free(p->alt_who);
	json_decref(p->reqs);
	memset(p, 0, sizeof *p);
}

/* Let the job's text go (its owner). */
static void
sched_release_text(struct scheduler_job *job)
{
	if (job->text_release != NULL)
		job->text_release(job->text_owner);
	job->text = NULL;
	job->text_owner = NULL;
	job->text_release = NULL;
}

/* A new job with the default options. */
struct scheduler_job *
scheduler_job_new(enum scheduler_kind kind)
{
	struct scheduler_job	*job = xcalloc(1, sizeof *job);

	job->kind = kind;
	job->options.seed = SCHEDULER_SEED;
	job->options.time_limit_ms = SCHEDULER_TIME_LIMIT_MS;
	job->slot_max = 10;
	return job;
}

/* Free a job. */
void
scheduler_job_free(struct scheduler_job *job)
{
	if (job == NULL)
		return;
	solver_answer_free(&job->answer);
	free(job->slots);
	scheduler_problem_free(&job->problem);
	json_decref(job->plan_fields);
	json_decref(job->plan_from_value);
	free(job->plan_text);
	sched_release_text(job);
	free(job);
}

/* An upper bound of a request's slots: one per minute of the days. */
static int
sched_slot_bound(const struct solver_problem *pb)
{
	int	 i, n = 1;

	for (i = 0; i < pb->ndays; i++)
		if (pb->days[i].end > pb->days[i].start)
			n += pb->days[i].end - pb->days[i].start + 1;
	return n;
}

/* qsort: the earlier slot first (then the lower room index). */
static int
sched_slot_earlier(const void *a, const void *b)
{
	const struct solver_slot	*x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return (x->room > y->room) - (x->room < y->room);
}

/*
 * Slots of request 0: the solver's best slot_max, or (chronological) every
 * slot, earliest first, cut to slot_max, so that the order says nothing of
 * the solver's costs (which come from other people's schedules).
 */
static void
sched_slots(struct scheduler_job *job)
{
	const struct solver_problem	*pb = &job->problem.pb;
	int				 max = job->slot_max;

	if (job->chronological && pb->nrequests > 0)
		max = sched_slot_bound(pb);
	job->slots = xcalloc((size_t)max + 1, sizeof *job->slots);
	job->nslots = 0;
	job->rc = pb->nrequests < 1 ? -1 : solver_slots(pb, 0, job->slots, max);
	if (job->rc <= 0)
		return;
	job->nslots = job->rc;
	if (job->chronological) {
		qsort(job->slots, (size_t)job->nslots, sizeof *job->slots,
		    sched_slot_earlier);
		if (job->nslots > job->slot_max)
			job->nslots = job->slot_max;
	}
}

/* Milliseconds on the monotonic clock. */
double
scheduler_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* A job with a budget (scheduler.h): its margin for the requests it has,
 * and the solver's limit: what remains of the budget now, at least the
 * floor. */
static void
sched_limit(struct scheduler_job *job)
{
	const struct scheduler_budget	*b = &job->budget;
	double				 left;
	int				 m, least;

	if (b->arrived_ms <= 0)
		return;
	m = b->base_ms + (int)(b->per_request_ms * job->problem.pb.nrequests);
	job->margin_ms = m < b->limit_ms / SCHEDULER_MARGIN_SHARE ? m :
	    b->limit_ms / SCHEDULER_MARGIN_SHARE;
	least = b->limit_ms / SCHEDULER_FLOOR_SHARE > 0 ?
	    b->limit_ms / SCHEDULER_FLOOR_SHARE : 1;
	left = b->arrived_ms + b->limit_ms - job->margin_ms - scheduler_now_ms();
	job->options.time_limit_ms = left > least ? (int)left : least;
}

/* The problem from the job's text: 0, or -1 with job->why (thread). */
static int
sched_read(struct scheduler_job *job)
{
	json_t		*root = json_loads(job->text, 0, NULL);
	const json_t	*cur;
	int		 rc;

	sched_release_text(job);
	if (root == NULL) {
		job->why = "the problem is not JSON";
		return -1;
	}
	job->chronological = !json_is_true(json_object_get(root, "secretariat"));
	if ((cur = json_object_get(root, "current")) != NULL) {
		job->cur_start = sched_int(cur, "start");
		job->cur_room = sched_int(cur, "room_id");
		job->slot_max++;
	}
	if (job->plan_from != NULL)
		job->plan_from_value = json_incref(json_object_get(root,
		    job->plan_from));
	rc = scheduler_problem_parse(root, &job->problem, &job->why);
	json_decref(root);
	return rc;
}

/* A SOLVE's plan as text, with plan_fields and its budget's figures. */
static char *
sched_plan_text(const struct scheduler_job *job)
{
	json_t	*plan = scheduler_plan_json(job);
	json_t	*stats = json_object_get(plan, "stats");
	char	*text;

	if (job->plan_fields != NULL)
		json_object_update(plan, job->plan_fields);
	if (job->plan_from_value != NULL)
		json_object_set(plan, job->plan_from, job->plan_from_value);
	if (job->budget.arrived_ms > 0) {
		json_object_set_new(stats, "read_ms", json_integer((json_int_t)(
		    job->loaded_ms - job->budget.arrived_ms +
		    job->parsed_ms - job->started_ms)));
		json_object_set_new(stats, "queued_ms", json_integer(
		    (json_int_t)(job->started_ms - job->loaded_ms)));
		json_object_set_new(stats, "solver_limit_ms",
		    json_integer(job->options.time_limit_ms));
		json_object_set_new(stats, "write_margin_ms",
		    json_integer(job->margin_ms));
	}
	if ((text = json_dumps(plan, JSON_COMPACT)) == NULL)
		fatal("json_dumps: out of memory");
	json_decref(plan);
	return text;
}

/* The work itself (on the worker thread, or inline). */
static void
sched_work(struct scheduler_job *job)
{
	struct solver_problem	*pb = &job->problem.pb;

	job->started_ms = scheduler_now_ms();
	if (job->text != NULL && sched_read(job) != 0) {
		job->failed = SCHEDULER_BAD_PROBLEM;
		return;
	}
	job->parsed_ms = scheduler_now_ms();
	sched_limit(job);

	if (job->kind == SCHEDULER_SLOTS) {
		/* Starts for people to choose from: every 5 minutes, not cells. */
		pb->slot_minutes = SOLVER_MIN_CELL;
		sched_slots(job);
		return;
	}
	job->rc = pb->nrequests < 1 ? 0 :
	    solver_solve(pb, &job->options, &job->answer);
	if (!job->from_text)
		return;
	if (job->rc >= 0)
		job->plan_text = sched_plan_text(job);
	/* The plan has its teams: free the requests' JSON here, not on the
	 * loop (as many objects as the problem had). */
	json_decref(job->problem.reqs);
	job->problem.reqs = NULL;
	json_decref(job->plan_from_value);
	job->plan_from_value = NULL;
}

/* Worker thread: solve, then tell the loop. */
static void *
sched_thread(void *arg)
{
	struct scheduler_job	*job = arg;
	ssize_t			 n;

	sched_work(job);
	do
		n = write(sched.fd[1], &job, sizeof job);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof job)
		log_error("scheduler: cannot hand a job back: %s", strerror(errno));
	return NULL;
}

/* The cores this process may run on (its affinity), at least 1. */
static int
sched_cores(void)
{
	cpu_set_t	set;
	long		n;

	if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

/* solver_jobs, or the cores when it is 0 (the default). */
int
scheduler_jobs_limit(void)
{
	if (cfg != NULL && cfg->solver_jobs > 0)
		return cfg->solver_jobs;
	return sched_cores();
}

/* solver_queue. */
int
scheduler_queue_limit(void)
{
	return cfg != NULL ? cfg->solver_queue : SCHEDULER_QUEUE_DEFAULT;
}

/* Jobs running and waiting now. */
void
scheduler_counts(int *running, int *waiting)
{
	*running = sched.nrunning;
	*waiting = sched.nwaiting;
}

/* Call back a job that does not run. */
static void
sched_fail(struct scheduler_job *job, enum scheduler_failure why)
{
	job->failed = why;
	job->cb(job, job->arg);
}

/* Start a job's thread; a job whose thread cannot start fails. */
static void
sched_start(struct scheduler_job *job)
{
	int	 rc;

	TAILQ_INSERT_TAIL(&sched.running, job, entry);
	sched.nrunning++;
	if ((rc = pthread_create(&job->thread, NULL, sched_thread, job)) != 0) {
		log_error("scheduler: pthread_create: %s", strerror(rc));
		TAILQ_REMOVE(&sched.running, job, entry);
		sched.nrunning--;
		sched_fail(job, SCHEDULER_NOT_RUN);
		return;
	}
	pthread_setname_np(job->thread, "kaigi-solver");	/* for ps, top, tests */
	metrics_count("solver_jobs_started_total", 1);
}

/* Start waiting jobs while there is room. */
static void
sched_next(void)
{
	struct scheduler_job	*job;

	while (sched.nrunning < scheduler_jobs_limit() &&
	    (job = TAILQ_FIRST(&sched.waiting)) != NULL) {
		TAILQ_REMOVE(&sched.waiting, job, entry);
		sched.nwaiting--;
		sched_start(job);
	}
}

/* Loop: jobs are done; join their threads, start waiting ones, call back. */
static void
sched_done(evutil_socket_t fd, short what, void *arg)
{
	struct scheduler_job	*jobs[64];
	ssize_t			 n;
	size_t			 i;

	(void)what;
	(void)arg;
	while ((n = read(fd, jobs, sizeof jobs)) > 0) {
		for (i = 0; i < (size_t)n / sizeof jobs[0]; i++) {
			pthread_join(jobs[i]->thread, NULL);
			TAILQ_REMOVE(&sched.running, jobs[i], entry);
			sched.nrunning--;
			metrics_count("solver_jobs_finished_total", 1);
			sched_next();
			jobs[i]->cb(jobs[i], jobs[i]->arg);
		}
	}
}

/* Run a job off the loop (or wait, or refuse); cb on the loop when done. */
void
scheduler_run(struct scheduler_job *job, scheduler_cb *cb, void *arg)
{
	job->cb = cb;
	job->arg = arg;
	job->failed = SCHEDULER_RAN;
	if (sched.ev == NULL) {		/* no loop (tools, tests): inline */
		sched_work(job);
		cb(job, arg);
		return;
	}
	if (sched.nrunning < scheduler_jobs_limit()) {
		metrics_count("solver_jobs_accepted_total", 1);
		sched_start(job);
	} else if (sched.nwaiting < scheduler_queue_limit()) {
		metrics_count("solver_jobs_accepted_total", 1);
		TAILQ_INSERT_TAIL(&sched.waiting, job, entry);
		sched.nwaiting++;
	} else {
		metrics_count("solver_jobs_refused_total", 1);
		sched_fail(job, SCHEDULER_BUSY);
	}
}

/* Run a job whose problem is still text; the thread parses it. */
void
scheduler_run_text(struct scheduler_job *job, const char *text, void *owner,
    scheduler_release_fn *release, scheduler_cb *cb, void *arg)
{
	sched_release_text(job);
	job->text = text;
	job->text_owner = owner;
	job->text_release = release;
	job->from_text = 1;
	job->loaded_ms = scheduler_now_ms();
	scheduler_run(job, cb, arg);
}

/* Start the hand-back pipe on the loop. */
void
scheduler_init(struct event_base *base)
{
	if (pipe2(sched.fd, O_CLOEXEC) != 0)
		fatal("scheduler: pipe: %s", strerror(errno));
	if (fcntl(sched.fd[0], F_SETFL, O_NONBLOCK) != 0)
		fatal("scheduler: fcntl: %s", strerror(errno));
	sched.base = base;
	sched.ev = event_new(base, sched.fd[0], EV_READ | EV_PERSIST,
	    sched_done, NULL);
	event_add(sched.ev, NULL);
}

/* Wait for running jobs, fail them and the waiting ones, close the channel. */
void
scheduler_shutdown(void)
{
	struct scheduler_job	*job;

	if (sched.ev == NULL)
		return;
	while ((job = TAILQ_FIRST(&sched.running)) != NULL) {
		pthread_join(job->thread, NULL);
		TAILQ_REMOVE(&sched.running, job, entry);
		sched.nrunning--;
		sched_fail(job, SCHEDULER_NOT_RUN);
	}
	while ((job = TAILQ_FIRST(&sched.waiting)) != NULL) {
		TAILQ_REMOVE(&sched.waiting, job, entry);
		sched.nwaiting--;
		sched_fail(job, SCHEDULER_NOT_RUN);
	}
	event_free(sched.ev);
	sched.ev = NULL;
	close(sched.fd[0]);
	close(sched.fd[1]);
	sched.fd[0] = sched.fd[1] = -1;
}

/* Unix seconds of a solver minute. */
static json_t *
sched_time(const struct scheduler_job *job, int minute)
{
	return json_integer(job->problem.origin + (long long)minute * 60);
}

/* Why a request was not placed, for people. */
static const char *
sched_reason(const struct solver_request *q, enum solver_reason r)
{
	if (q->npeople == 0)
		return "nobody of the requested level in either delegation";
	return solver_reason_string(r);
}

/* The solver's stats as JSON. */
static json_t *
sched_stats(const struct solver_stats *s)
{
	return json_pack("{s:i, s:i, s:I, s:I, s:i, s:i, s:i, s:I, s:f, s:b, s:s}",
	    "requested", s->requested, "placed", s->placed,
	    "priority_sum", (json_int_t)s->priority_sum,
	    "priority_total", (json_int_t)s->priority_total,
	    "breaks", s->breaks, "break_spread", s->break_spread,
	    "room_changes", s->room_changes,
	    "iterations", (json_int_t)s->iterations,
	    "elapsed_ms", s->elapsed_ms, "time_limit_hit", s->time_limit_hit,
	    "search", s->grid ? "grid" : "annealing");
}

/* The interpreters of the team request i took in placement pl: its
 * own team's or its alt's ("interpreters" of the problem), or NULL. */
static json_t *
sched_team(const struct scheduler_problem *p, int i,
    const struct solver_placement *pl)
{
	const json_t	*x = json_array_get(p->reqs, (size_t)i), *ids;

	if (pl->alt >= 0)
		x = json_array_get(json_object_get(x, "alts"), (size_t)pl->alt);
	ids = json_object_get(x, "interpreters");
	return json_is_array(ids) ? json_deep_copy(ids) : NULL;
}

/* A placement of the plan: {bilateral_id, version, start, room_id,
 * interpreters?}. */
static json_t *
sched_placed(const struct scheduler_job *job, int i)
{
	const struct scheduler_problem	*p = &job->problem;
	const struct solver_placement	*pl = &job->answer.placements[i];
	json_t				*o, *team;

	o = json_pack("{s:I, s:i, s:o, s:I}",
	    "bilateral_id", (json_int_t)p->requests[i].id,
	    "version", p->versions[i], "start", sched_time(job, pl->start),
	    "room_id", (json_int_t)p->rooms[pl->room].id);
	if ((team = sched_team(p, i, pl)) != NULL)
		json_object_set_new(o, "interpreters", team);
	return o;
}

/* The plan of a solved job. */
json_t *
scheduler_plan_json(const struct scheduler_job *job)
{
	const struct scheduler_problem	*p = &job->problem;
	const struct solver_placement	*pl;
	json_t				*placed = json_array(), *unplaced = json_array();
	int				 i;

	for (i = 0; i < job->answer.nplacements && i < p->pb.nrequests; i++) {
		pl = &job->answer.placements[i];
		if (pl->reason == SOLVER_PLACED && pl->room >= 0)
			json_array_append_new(placed, sched_placed(job, i));
		else
			json_array_append_new(unplaced, json_pack("{s:I, s:s}",
			    "bilateral_id", (json_int_t)p->requests[i].id,
			    "reason", sched_reason(&p->requests[i], pl->reason)));
	}
	return json_pack("{s:o, s:o, s:o}", "placed", placed, "unplaced", unplaced,
	    "stats", sched_stats(&job->answer.stats));
}

/* The slots of a SLOTS job. */
json_t *
scheduler_slots_json(const struct scheduler_job *job)
{
	json_t	*a = json_array();
	int	 i;

	for (i = 0; i < job->nslots; i++)
		json_array_append_new(a, json_pack("{s:o, s:I, s:i, s:i}",
		    "start", sched_time(job, job->slots[i].start),
		    "room_id", (json_int_t)job->problem.rooms[job->slots[i].room].id,
		    "new_breaks", job->slots[i].new_breaks,
		    "room_changes", job->slots[i].room_changes));
	return a;
}
