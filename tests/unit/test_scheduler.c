/*
 * test_scheduler.c — scheduler.c: the problem JSON (as kaigi_bilateral_problem
 * builds it) becomes the right solver structs; bad problems are refused; a
 * job run without a loop answers inline; a job run on a worker thread comes
 * back on the loop through the hand-back pipe; shutdown waits for a running
 * job and fails it; the plan and slot JSON name rooms by id and times in unix seconds.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

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

/* Callback: count. */
static void
count_cb(struct scheduler_job *job, void *arg)
{
	(void)job;
	(void)arg;
	done_calls++;
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

/* Run the tests. */
int
main(void)
{
	test_parse();
	test_cells();
	test_inline();
	test_thread();
	return tap_done();
}
