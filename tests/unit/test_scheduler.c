/*
 * test_scheduler.c — scheduler.c: the problem JSON (as kaigi_bilateral_problem
 * builds it) becomes the right solver structs; bad problems are refused; a
 * job run without a loop answers inline; a job run on a worker thread comes
 * back on the loop through the hand-back pipe; shutdown waits for a running
 * job and fails it; the plan and slot JSON name rooms by id and times in unix seconds.
 * solver_jobs and solver_queue: the limits (0 = the cores), a job beyond
 * the running limit waits and starts once one is done, one beyond the queue
 * is refused at once (SCHEDULER_BUSY), shutdown fails waiting jobs too; a
 * party's slots are the earliest ones in time order. A problem handed over
 * as text is parsed by the job (scheduler_run_text).
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "config.h"
#include "scheduler.h"
#include "tap.h"

/*
 * Two venues 15 minutes apart, one day 08:00-20:00 (minutes 480-1200 from
 * the origin), two bilateral rooms (one small, busy 10:00-11:00), three
 * people (person 0 busy 08:00-09:00 at venue 1, and unavailable 12:00-13:00),
 * two requests of 30 minutes. The origin is 2023-04-28 00:00 +09:00.
 */
static const char *problem_json =
    "{\"conference_id\": 7, \"origin\": 1682607600, \"slot\": 5,"
    " \"changeover\": 10, \"days\": [[480, 1200]], \"venues\": [1, 2],"
    " \"travel\": [0, 15, 15, 0],"
    " \"rooms\": [{\"id\": 21, \"venue\": 0, \"capacity\": 16, \"busy\": [[600, 660]]},"
    "  {\"id\": 22, \"venue\": 0, \"capacity\": 1, \"busy\": []}],"
    " \"people\": [{\"id\": 100, \"busy\": [[480, 540, 1], [720, 780, -1]]},"
    "  {\"id\": 101, \"busy\": []}, {\"id\": 102, \"busy\": []}],"
    " \"requests\": [{\"id\": 5, \"version\": 3, \"people\": [0, 1], \"parties\": [1, 2],"
    "  \"duration\": 30, \"earliest\": 480, \"latest\": 1200, \"priority\": 5},"
    "  {\"id\": 6, \"version\": 1, \"people\": [0, 2], \"parties\": [1, 3],"
    "  \"duration\": 30, \"earliest\": 480, \"latest\": 600, \"priority\": 2}]}";

static int	 done_calls;

/* Parse the JSON above into p. */
static int
parse(const char *text, struct scheduler_problem *p, const char **why)
{
	json_t	*root = json_loads(text, 0, NULL);
	int	 rc = scheduler_problem_parse(root, p, why);

	json_decref(root);
	return rc;
}

/*
 * The cells come from the problem, not from the JSON's "slot": with no
 * changeover, 15-minute meetings and everything on the quarter hour, 15;
 * with the changeover and travel of problem_json, 5.
 */
static void
test_cells(void)
{
	struct scheduler_problem	 p;
	const char			*why = NULL;
	const char			*quarter =
	    "{\"conference_id\": 7, \"origin\": 1682607600, \"slot\": 5,"
	    " \"changeover\": 0, \"days\": [[540, 840]], \"venues\": [1],"
	    " \"travel\": [0], \"rooms\": [{\"id\": 21, \"venue\": 0,"
	    " \"capacity\": 2, \"busy\": []}],"
	    " \"people\": [{\"id\": 100, \"busy\": [[600, 615, -1], [-1000, -7, -1]]},"
	    "  {\"id\": 101, \"busy\": []}],"
	    " \"requests\": [{\"id\": 5, \"version\": 1, \"people\": [0, 1],"
	    "  \"parties\": [1, 2], \"duration\": 15, \"earliest\": 540,"
	    "  \"latest\": 705, \"priority\": 1}]}";

	ok(parse(quarter, &p, &why) == 0 && p.pb.slot_minutes == 15,
	    "cells: 15 minutes from the problem, not the JSON's 5 (%d)",
	    p.pb.slot_minutes);
	scheduler_problem_free(&p);
	ok(parse(problem_json, &p, &why) == 0 && p.pb.slot_minutes == 5,
	    "cells: changeover 10 and travel 15 give 5");
	scheduler_problem_free(&p);
}

/* The structs mirror the JSON. */
static void
test_parse(void)
{
	struct scheduler_problem	 p;
	const char			*why = NULL;

	ok(parse(problem_json, &p, &why) == 0, "problem parses");
	ok(p.conference_id == 7 && p.origin == 1682607600 &&
	    p.pb.slot_minutes == 5 && p.pb.changeover == 10, "header fields");
	ok(p.pb.ndays == 1 && p.days[0].start == 480 && p.days[0].end == 1200,
	    "one day, 08:00-20:00");
	ok(p.pb.nvenues == 2 && p.pb.travel != NULL && p.pb.travel[1] == 15,
	    "travel matrix");
	ok(p.pb.nrooms == 2 && p.rooms[0].id == 21 && p.rooms[0].nbusy == 1 &&
	    p.rooms[0].busy[0].start == 600 && p.rooms[1].capacity == 1,
	    "rooms with ids, capacity and busy time");
	ok(p.pb.npeople == 3 && p.people[0].nbusy == 2 &&
	    p.people[0].busy[0].venue == 1 &&
	    p.people[0].busy[1].venue == SOLVER_NO_VENUE && p.people[1].nbusy == 0,
	    "people with busy time, venue index or none");
	ok(p.pb.nrequests == 2 && p.requests[0].id == 5 && p.versions[0] == 3 &&
	    p.requests[0].npeople == 2 && p.requests[0].people[1] == 1 &&
	    p.requests[1].people[1] == 2 && p.requests[1].latest == 600 &&
	    p.requests[0].fixed_start == -1 && p.requests[0].fixed_room == -1,
	    "requests with people, window, version, nothing fixed");
	scheduler_problem_free(&p);
	ok(parse("{\"days\": []}", &p, &why) == -1 && why != NULL,
	    "no days: refused (%s)", why);
	scheduler_problem_free(&p);
	ok(parse("{\"days\": [[0, 10]], \"venues\": [1], \"travel\": [],"
	    " \"requests\": []}", &p, &why) == -1, "bad travel matrix: refused");
	scheduler_problem_free(&p);
	ok(parse("{\"days\": [[0, 10]], \"people\": [{\"busy\": []}],"
	    " \"requests\": [{\"people\": [3]}]}", &p, &why) == -1,
	    "a request naming an unknown person: refused");
	scheduler_problem_free(&p);
	ok(parse("[1]", &p, &why) == -1, "not an object: refused");
}

/*
 * Rooms' busy time as the database writes it since sql/740, a string
 * "s e,s e,...": the same intervals as the arrays, "" none, and parsing
 * stops at the first interval that is not two integers.
 */
static void
test_busy_text(void)
{
	struct scheduler_problem	 p;
	const char			*why = NULL;
	char				 text[1024];
	const char			*head =
	    "{\"conference_id\": 7, \"origin\": 0, \"changeover\": 0,"
	    " \"days\": [[480, 1200]], \"venues\": [1], \"travel\": [0],"
	    " \"people\": [{\"id\": 100, \"busy\": [[480, 540]]}],"
	    " \"requests\": [], \"rooms\": [";

	snprintf(text, sizeof text, "%s{\"id\": 21, \"venue\": 0, \"capacity\": 2,"
	    " \"busy\": \"600 660,-30 15,700 720\"}, {\"id\": 22, \"venue\": 0,"
	    " \"capacity\": 2, \"busy\": \"\"}]}", head);
	ok(parse(text, &p, &why) == 0 && p.pb.nrooms == 2 &&
	    p.rooms[0].nbusy == 3 && p.rooms[0].busy[0].start == 600 &&
	    p.rooms[0].busy[0].end == 660 && p.rooms[0].busy[1].start == -30 &&
	    p.rooms[0].busy[1].end == 15 && p.rooms[0].busy[2].end == 720 &&
	    p.rooms[0].busy[2].venue == SOLVER_NO_VENUE && p.rooms[1].nbusy == 0,
	    "busy strings: three intervals (a negative start among them), and none");
	ok(p.people[0].nbusy == 1 && p.people[0].busy[0].end == 540 &&
	    p.people[0].busy == p.rooms[1].busy + p.rooms[1].nbusy,
	    "the people's arrays after the rooms' strings, in one block");
	scheduler_problem_free(&p);
	snprintf(text, sizeof text, "%s{\"id\": 21, \"venue\": 0, \"capacity\": 2,"
	    " \"busy\": \"600 660,700x,800 900\"}]}", head);
	ok(parse(text, &p, &why) == 0 && p.rooms[0].nbusy == 1 &&
	    p.rooms[0].busy[0].end == 660,
	    "a malformed interval ends the list (%d read)", p.rooms[0].nbusy);
	scheduler_problem_free(&p);
}

/* Callback: count. */
static void
count_cb(struct scheduler_job *job, void *arg)
{
	(void)job;
	(void)arg;
	done_calls++;
}

/*
 * fixed_start and after (indices into "requests") reach the solver; an
 * "after" out of range is refused, and a fixed start outside the window
 * leaves the request unplaced with a reason.
 */
static void
test_fixed_after(void)
{
	struct scheduler_problem	 p;
	struct scheduler_job		*job;
	const char			*why = NULL;
	const char			*two =
	    "{\"conference_id\": 7, \"origin\": 0, \"changeover\": 0,"
	    " \"days\": [[540, 840]], \"venues\": [1], \"travel\": [0],"
	    " \"rooms\": [{\"id\": 21, \"venue\": 0, \"capacity\": 4, \"busy\": []}],"
	    " \"people\": [{\"id\": 100, \"busy\": []}, {\"id\": 101, \"busy\": []}],"
	    " \"requests\": [{\"id\": 5, \"version\": 1, \"people\": [0, 1],"
	    "  \"parties\": [1, 2], \"duration\": 30, \"earliest\": 540,"
	    "  \"latest\": 840, \"priority\": 1, \"after\": [1]},"
	    " {\"id\": 6, \"version\": 1, \"people\": [0, 1],"
	    "  \"parties\": [1, 2], \"duration\": 30, \"earliest\": 540,"
	    "  \"latest\": 840, \"priority\": 1, \"fixed_start\": 600}]}";
	json_t				*root, *plan, *x;
	size_t				 i;
	long long			 s5 = -1, s6 = -1;

	ok(parse(two, &p, &why) == 0 && p.requests[1].fixed_start == 600 &&
	    p.requests[0].fixed_start == -1 && p.requests[0].nafter == 1 &&
	    p.requests[0].after[0] == 1 && p.requests[1].nafter == 0,
	    "fixed_start and after parsed");
	scheduler_problem_free(&p);
	job = scheduler_job_new(SCHEDULER_SOLVE);
	root = json_loads(two, 0, NULL);
	ok(scheduler_problem_parse(root, &job->problem, &why) == 0, "parses for a job");
	json_decref(root);
	scheduler_run(job, count_cb, NULL);
	plan = scheduler_plan_json(job);
	json_array_foreach(json_object_get(plan, "placed"), i, x) {
		if (json_integer_value(json_object_get(x, "bilateral_id")) == 5)
			s5 = json_integer_value(json_object_get(x, "start"));
		else
			s6 = json_integer_value(json_object_get(x, "start"));
	}
	ok(s6 == 600 * 60 && s5 >= 630 * 60,
	    "solved: 6 at its fixed start, 5 after its end (%lld, %lld)", s6, s5);
	json_decref(plan);
	scheduler_job_free(job);
	ok(parse("{\"days\": [[0, 10]], \"people\": [{\"busy\": []}],"
	    " \"requests\": [{\"people\": [0], \"after\": [4]}]}", &p, &why) == -1,
	    "an after naming no request of the problem: refused");
	scheduler_problem_free(&p);
}

/*
 * A problem handed over as text is parsed by the job (on its thread; here
 * inline): a SOLVE's plan comes back as text with plan_fields and the
 * budget's figures, and the problem's plan_from key as it was (a
 * repair's "move"); a SLOTS job reads "secretariat" and "current" (one
 * slot more, its place kept to be left out); text that is not a problem
 * fails the job with SCHEDULER_BAD_PROBLEM and a reason, never a crash.
 */
static void
test_text(void)
{
	struct scheduler_job	*job = scheduler_job_new(SCHEDULER_SOLVE);
	json_t			*plan, *st;
	char			*with;

	job->plan_fields = json_pack("{s:b}", "replanned", 1);
	job->budget.arrived_ms = scheduler_now_ms() - 5;
	job->budget.limit_ms = 2000;
	job->budget.base_ms = 150;
	job->budget.per_request_ms = 1;
	with = strdup(problem_json);
	scheduler_run_text(job, with, with, free, count_cb, NULL);
	plan = job->plan_text != NULL ? json_loads(job->plan_text, 0, NULL) : NULL;
	st = json_object_get(plan, "stats");
	ok(!job->failed && json_is_true(json_object_get(plan, "replanned")) &&
	    json_array_size(json_object_get(plan, "placed")) == 2,
	    "from text: the plan as text, both placed, with plan_fields");
	ok(json_integer_value(json_object_get(st, "write_margin_ms")) == 152 &&
	    json_integer_value(json_object_get(st, "read_ms")) >= 5 &&
	    json_integer_value(json_object_get(st, "solver_limit_ms")) <= 2000 - 152 - 5,
	    "the budget: a margin of 150 + 1 per request, the read counted");
	json_decref(plan);
	scheduler_job_free(job);

	with = malloc(strlen(problem_json) + 64);
	sprintf(with, "{\"move\": {\"others\": [{\"bilateral_id\": 7}]}, %s",
	    problem_json + 1);
	job = scheduler_job_new(SCHEDULER_SOLVE);
	job->plan_from = "move";
	scheduler_run_text(job, with, with, free, count_cb, NULL);
	plan = job->plan_text != NULL ? json_loads(job->plan_text, 0, NULL) : NULL;
	st = json_object_get(json_object_get(plan, "move"), "others");
	ok(!job->failed && json_array_size(st) == 1 && json_integer_value(
	    json_object_get(json_array_get(st, 0), "bilateral_id")) == 7 &&
	    job->plan_from_value == NULL,
	    "plan_from: the problem's \"move\" in the plan as it was");
	json_decref(plan);
	scheduler_job_free(job);

	with = malloc(strlen(problem_json) + 64);
	sprintf(with, "{\"secretariat\": true, \"current\": {\"start\": 540,"
	    " \"room_id\": 21}, %s", problem_json + 1);
	job = scheduler_job_new(SCHEDULER_SLOTS);
	job->slot_max = 3;
	scheduler_run_text(job, with, with, free, count_cb, NULL);
	ok(!job->failed && job->slot_max == 4 && job->cur_start == 540 &&
	    job->cur_room == 21 && !job->chronological && job->nslots == 4,
	    "slots from text: current read, one slot more, the secretariat's order");
	scheduler_job_free(job);

	job = scheduler_job_new(SCHEDULER_SOLVE);
	done_calls = 0;
	with = strdup("{\"days\": ");
	scheduler_run_text(job, with, with, free, count_cb, NULL);
	ok(done_calls == 1 && job->failed == SCHEDULER_BAD_PROBLEM &&
	    job->why != NULL && job->plan_text == NULL,
	    "text that is not JSON: SCHEDULER_BAD_PROBLEM, called back once");
	scheduler_job_free(job);
	job = scheduler_job_new(SCHEDULER_SOLVE);
	with = strdup("[1, 2]");
	scheduler_run_text(job, with, with, free, count_cb, NULL);
	ok(job->failed == SCHEDULER_BAD_PROBLEM && job->why != NULL &&
	    strstr(job->why, "object") != NULL, "JSON but not a problem: refused (%s)",
	    job->why);
	scheduler_job_free(job);
}

/* Without a loop, a job runs inline; check its plan. */
static void
test_inline(void)
{
	struct scheduler_job	*job = scheduler_job_new(SCHEDULER_SOLVE);
	const char		*why;
	json_t			*plan, *placed, *a;

	parse(problem_json, &job->problem, &why);
	done_calls = 0;
	scheduler_run(job, count_cb, NULL);
	ok(done_calls == 1 && !job->failed && job->rc == 0, "inline solve calls back once");
	plan = scheduler_plan_json(job);
	placed = json_object_get(plan, "placed");
	ok(json_array_size(placed) == 2 &&
	    json_array_size(json_object_get(plan, "unplaced")) == 0,
	    "both requests placed");
	a = json_array_get(placed, 1);
	ok(json_integer_value(json_object_get(a, "bilateral_id")) == 6 &&
	    json_integer_value(json_object_get(a, "version")) == 1 &&
	    json_integer_value(json_object_get(a, "room_id")) == 21,
	    "placements by request id and version, in the room that fits (21)");
	ok(json_integer_value(json_object_get(a, "start")) >= 1682607600 + 555 * 60 &&
	    json_integer_value(json_object_get(a, "start")) <= 1682607600 + 570 * 60,
	    "start in unix seconds: after the busy 08:00-09:00 plus 15 min travel, within the window");
	ok(json_integer_value(json_object_get(json_object_get(plan, "stats"),
	    "placed")) == 2, "stats say 2 placed");
	json_decref(plan);
	scheduler_job_free(job);
}

/* Loop callback: stop the loop. */
static void
stop_cb(struct scheduler_job *job, void *arg)
{
	(void)job;
	done_calls++;
	event_base_loopbreak(arg);
}

/* On a loop: the job runs on a thread and comes back on the loop. */
static void
test_thread(void)
{
	struct event_base	*base = event_base_new();
	struct scheduler_job	*job = scheduler_job_new(SCHEDULER_SLOTS);
	const char		*why;
	json_t			*slots;

	scheduler_init(base);
	parse(problem_json, &job->problem, &why);
	job->slot_max = 3;
	done_calls = 0;
	scheduler_run(job, stop_cb, base);
	ok(done_calls == 0, "on a loop, scheduler_run returns before the job is done");
	event_base_dispatch(base);
	ok(done_calls == 1 && !job->failed && job->nslots == 3,
	    "the job came back on the loop with 3 slots");
	slots = scheduler_slots_json(job);
	ok(json_array_size(slots) == 3 && json_integer_value(json_object_get(
	    json_array_get(slots, 0), "room_id")) > 0 &&
	    json_object_get(json_array_get(slots, 0), "new_breaks") != NULL,
	    "slots JSON: room ids and costs");
	json_decref(slots);
	scheduler_job_free(job);
	job = scheduler_job_new(SCHEDULER_SOLVE);
	parse(problem_json, &job->problem, &why);
	done_calls = 0;
	scheduler_run(job, count_cb, NULL);
	scheduler_shutdown();
	ok(done_calls == 1 && job->failed, "shutdown waits for a running job and fails it");
	scheduler_job_free(job);
	event_base_free(base);
}

/* The limits: solver_jobs (0 = the cores this process may use), solver_queue. */
static void
test_limits(struct config *c)
{
	cpu_set_t	set;
	int		cores = 1;

	if (sched_getaffinity(0, sizeof set, &set) == 0)
		cores = CPU_COUNT(&set);
	cfg = NULL;
	ok(scheduler_jobs_limit() == cores && scheduler_queue_limit() ==
	    SCHEDULER_QUEUE_DEFAULT, "no config: as many jobs as cores (%d), the default queue", cores);
	cfg = c;
	ok(c->solver_jobs == 0 && c->solver_queue == 32 && scheduler_jobs_limit() == cores,
	    "defaults: solver_jobs 0 (= %d cores), solver_queue 32", cores);
	c->solver_jobs = 3;
	c->solver_queue = 5;
	ok(scheduler_jobs_limit() == 3 && scheduler_queue_limit() == 5, "set: 3 jobs, 5 waiting");
}

static int	 order[4], norder;
static int	 seen_running[4], seen_waiting[4];

/* Loop callback: note the order and the counts, stop after the second. */
static void
queue_cb(struct scheduler_job *job, void *arg)
{
	struct event_base	*base = arg;
	int			 i = norder++;

	order[i] = (int)job->problem.conference_id;
	scheduler_counts(&seen_running[i], &seen_waiting[i]);
	if (norder == 2)
		event_base_loopbreak(base);
}

/* A new SOLVE job of the test problem, tagged by its conference id. */
static struct scheduler_job *
tagged_job(int tag)
{
	struct scheduler_job	*job = scheduler_job_new(SCHEDULER_SOLVE);
	const char		*why;

	parse(problem_json, &job->problem, &why);
	job->problem.conference_id = tag;
	return job;
}

/* solver_jobs 1, solver_queue 1: one runs, one waits, the third is refused. */
static void
test_queue(struct config *c)
{
	struct event_base	*base = event_base_new();
	struct scheduler_job	*job[3];
	int			 i, running, waiting;

	c->solver_jobs = 1;
	c->solver_queue = 1;
	scheduler_init(base);
	norder = 0;
	for (i = 0; i < 3; i++) {
		job[i] = tagged_job(i + 1);
		scheduler_run(job[i], queue_cb, base);
	}
	scheduler_counts(&running, &waiting);
	ok(running == 1 && waiting == 1, "solver_jobs 1, solver_queue 1: one runs, one waits");
	ok(norder == 1 && order[0] == 3 && job[2]->failed == SCHEDULER_BUSY,
	    "the third is refused at once (SCHEDULER_BUSY)");
	norder = 0;
	event_base_dispatch(base);
	ok(norder == 2 && order[0] == 1 && order[1] == 2, "the first, then the waiting one");
	ok(job[0]->failed == SCHEDULER_RAN && job[1]->failed == SCHEDULER_RAN &&
	    job[0]->rc == 0 && job[1]->rc == 0, "both ran and solved");
	ok(seen_running[0] == 1 && seen_waiting[0] == 0,
	    "the waiting job started once the first was done (1 running, 0 waiting)");
	ok(seen_running[1] == 0 && seen_waiting[1] == 0, "then nothing runs or waits");
	for (i = 0; i < 3; i++)
		scheduler_job_free(job[i]);
	for (i = 0; i < 2; i++)
		scheduler_run(job[i] = tagged_job(i + 1), count_cb, NULL);
	done_calls = 0;
	scheduler_shutdown();
	ok(done_calls == 2 && job[0]->failed == SCHEDULER_NOT_RUN &&
	    job[1]->failed == SCHEDULER_NOT_RUN, "shutdown fails the running and the waiting job");
	for (i = 0; i < 2; i++)
		scheduler_job_free(job[i]);
	event_base_free(base);
}

/* Slots of request 0 (inline): n best, or (chronological) n earliest. */
static struct scheduler_job *
slots_job(int n, int chronological)
{
	struct scheduler_job	*job = scheduler_job_new(SCHEDULER_SLOTS);
	const char		*why;

	parse(problem_json, &job->problem, &why);
	job->slot_max = n;
	job->chronological = chronological;
	scheduler_run(job, count_cb, NULL);
	return job;
}

/* A party's slots: the earliest feasible ones, in time order. */
static void
test_chronological(void)
{
	struct scheduler_job	*all = slots_job(1000, 0), *early = slots_job(4, 1);
	int			 i, sorted = 1, before = 0;

	for (i = 1; i < early->nslots; i++)
		if (early->slots[i].start <= early->slots[i - 1].start)
			sorted = 0;
	for (i = 0; i < all->nslots; i++)	/* one slot per start */
		before += all->slots[i].start <= early->slots[early->nslots - 1].start;
	ok(early->nslots == 4 && sorted && before == 4 && all->nslots > 4,
	    "chronological: 4 of %d slots, the earliest, in time order", all->nslots);
	scheduler_job_free(all);
	scheduler_job_free(early);
}

/*
 * A person busier than the problem is large: one request of two people,
 * person 0 in 24 meetings of 20 minutes a day with breaks between them.
 * The solver's break moves once listed that person's breaks in a scratch
 * array sized by requests + people (4 here): a heap overflow (ASan).
 */
static void
test_busy_person(void)
{
	struct scheduler_job	*job = scheduler_job_new(SCHEDULER_SOLVE);
	const char		*why;
	json_t			*root, *busy = json_array();
	char			*text;
	int			 d, i, placed = 0;

	for (d = 0; d < 3; d++)
		for (i = 0; i < 8; i++)
			json_array_append_new(busy, json_pack("[i, i, i]",
			    d * 1440 + 480 + i * 80, d * 1440 + 500 + i * 80, 0));
	root = json_pack("{s:i, s:I, s:i, s:i, s:[[i,i],[i,i],[i,i]], s:[i], s:[i],"
	    " s:[{s:i, s:i, s:i, s:[]}], s:[{s:i, s:o}, {s:i, s:[]}],"
	    " s:[{s:i, s:i, s:[i,i], s:[i,i], s:i, s:i, s:i, s:i}]}",
	    "conference_id", 9, "origin", (json_int_t)1682607600, "slot", 5,
	    "changeover", 10, "days", 480, 1200, 1920, 2640, 3360, 4080,
	    "venues", 1, "travel", 0,
	    "rooms", "id", 31, "venue", 0, "capacity", 8, "busy",
	    "people", "id", 200, "busy", busy, "id", 201, "busy",
	    "requests", "id", 8, "version", 1, "people", 0, 1, "parties", 1, 2,
	    "duration", 30, "earliest", 480, "latest", 4080, "priority", 3);
	text = json_dumps(root, 0);
	json_decref(root);
	ok(parse(text, &job->problem, &why) == 0, "a busy person's problem parses");
	free(text);
	job->options.time_limit_ms = 300;
	scheduler_run(job, count_cb, NULL);
	for (i = 0; i < job->answer.nplacements; i++)
		placed += job->answer.placements[i].reason == SOLVER_PLACED;
	ok(job->rc == 0 && placed == 1,
	    "one request, a person with 24 meetings: solved, placed (and no overflow under ASan)");
	scheduler_job_free(job);
}

/* Run the tests. */
int
main(void)
{
	static struct config	c;

	config_defaults(&c);
	test_parse();
	test_busy_text();
	test_cells();
	test_fixed_after();
	test_inline();
	test_text();
	test_thread();
	test_limits(&c);
	test_queue(&c);
	test_chronological();
	test_busy_person();
	cfg = NULL;
	config_free(&c);
	return tap_done();
}
