/*
 * test_solver_alt.c — unit tests of a request's alts (solver_request.alts,
 * other interpreter teams it may meet with; server/solver/solver-alt.c):
 * a request whose own team is never free is placed with a free alt and
 * the answer says which; two requests sharing one team at the only time
 * both get placed; a capped alt is passed over; a malformed alt is
 * skipped; the slots offer the alts' times; and the problem JSON's
 * "alts" as scheduler.c reads them, and the plan's "interpreters".
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "scheduler.h"
#include "solver/solver.h"
#include "tap.h"

#define H(h, m)	((h) * 60 + (m))	/* minutes from the epoch (day 0) */
#define MAXP	12
#define MAXQ	4

/* A small problem: one day 08:00-12:00, one room unless said. */
struct ap {
	struct solver_problem	 pb;
	struct solver_interval	 day;
	struct solver_person	 people[MAXP];
	struct solver_interval	 busy[MAXP];
	int			 caps[MAXP];
	struct solver_room	 rooms[2];
	struct solver_request	 reqs[MAXQ];
	int			 who[MAXQ][4];
	struct solver_alt	 alts[MAXQ][3];
	int			 alt_who[MAXQ][3][4];
};

static void
ap_init(struct ap *t, int np, int nr)
{
	int	 i;

	memset(t, 0, sizeof *t);
	t->day.start = H(8, 0);
	t->day.end = H(12, 0);
	for (i = 0; i < nr; i++) {
		t->rooms[i].id = 100 + i;
		t->rooms[i].capacity = 6;
	}
	t->pb.days = &t->day;
	t->pb.ndays = 1;
	t->pb.people = t->people;
	t->pb.npeople = np;
	t->pb.rooms = t->rooms;
	t->pb.nrooms = nr;
	t->pb.requests = t->reqs;
}

/* Person p is busy over [s, e). */
static void
ap_busy(struct ap *t, int p, int s, int e)
{
	t->busy[p].start = s;
	t->busy[p].end = e;
	t->busy[p].venue = -1;
	t->people[p].busy = &t->busy[p];
	t->people[p].nbusy = 1;
}

/* A request of a and b with interpreters i, j over [lo, hi); its index. */
static int
ap_req(struct ap *t, int a, int b, int i, int j, int dur, int lo, int hi)
{
	int			 q = t->pb.nrequests++;
	struct solver_request	*r = &t->reqs[q];

	t->who[q][0] = a;
	t->who[q][1] = b;
	t->who[q][2] = i;
	t->who[q][3] = j;
	r->id = q + 1;
	r->people = t->who[q];
	r->npeople = 4;
	r->duration = dur;
	r->earliest = lo;
	r->latest = hi;
	r->priority = 3;
	r->fixed_start = r->fixed_room = -1;
	r->current_start = r->current_room = -1;
	return q;
}

/* Request q may meet with interpreters i and j instead. */
static void
ap_alt(struct ap *t, int q, int i, int j)
{
	struct solver_request	*r = &t->reqs[q];
	int			 a = r->nalts++;

	t->alt_who[q][a][0] = t->who[q][0];
	t->alt_who[q][a][1] = t->who[q][1];
	t->alt_who[q][a][2] = i;
	t->alt_who[q][a][3] = j;
	t->alts[q][a].people = t->alt_who[q][a];
	t->alts[q][a].npeople = 4;
	r->alts = t->alts[q];
}

static int
ap_solve(struct ap *t, struct solver_answer *a)
{
	struct solver_options	 opt = { 5000, 7, 20000 };

	return solver_solve(&t->pb, &opt, a);
}

/* Interpreters 2, 3 busy all morning; 4, 5 free: placed with alt 0. */
static void
test_alt_when_own_busy(void)
{
	struct ap		 t;
	struct solver_answer	 a;

	ap_init(&t, 6, 1);
	ap_busy(&t, 2, H(8, 0), H(12, 0));
	ap_req(&t, 0, 1, 2, 3, 60, H(8, 0), H(12, 0));
	ok(ap_solve(&t, &a) == 0 && a.placements[0].start < 0 &&
	    a.placements[0].alt == -1, "no alts: left out (own team busy)");
	solver_answer_free(&a);
	ap_alt(&t, 0, 4, 5);
	ok(ap_solve(&t, &a) == 0 && a.placements[0].reason == SOLVER_PLACED &&
	    a.stats.placed == 1, "with an alt: placed (reason %d)",
	    a.placements[0].reason);
	ok(a.placements[0].alt == 0, "the answer says alt 0 (got %d)",
	    a.placements[0].alt);
	solver_answer_free(&a);
}

/* Two meetings of other delegations, both 08:00-09:00 only, one team
 * planned for both: one takes the other team. */
static void
test_alt_shared_team(void)
{
	struct ap		 t;
	struct solver_answer	 a;

	ap_init(&t, 8, 2);
	ap_req(&t, 0, 1, 4, 5, 60, H(8, 0), H(9, 0));
	ap_req(&t, 2, 3, 4, 5, 60, H(8, 0), H(9, 0));
	ap_alt(&t, 1, 6, 7);
	ok(ap_solve(&t, &a) == 0 && a.stats.placed == 2,
	    "one team for two at one time, an alt: both placed (%d)",
	    a.stats.placed);
	ok(a.placements[0].alt == -1 && a.placements[1].alt == 0 &&
	    a.placements[0].room != a.placements[1].room,
	    "the second took alt 0 in the other room");
	solver_answer_free(&a);
}

/*
 * A trade. Two meetings of other delegations, both 08:00-09:00 only, two
 * rooms, one team (4, 5) planned for both. The first (priority 5) may also
 * meet with team 6, 7; the second's only alt (8, 9) is busy all morning.
 * The search places the first with 4, 5 and leaves the second out, and
 * sv_alts finds it no free team: only moving the first to 6, 7 places both.
 */
static void
test_alt_trade(void)
{
	struct ap		 t;
	struct solver_answer	 a;

	ap_init(&t, 10, 2);
	ap_busy(&t, 8, H(8, 0), H(12, 0));
	ap_req(&t, 0, 1, 4, 5, 60, H(8, 0), H(9, 0));
	ap_req(&t, 2, 3, 4, 5, 60, H(8, 0), H(9, 0));
	t.reqs[0].priority = 5;
	ap_alt(&t, 0, 6, 7);
	ap_alt(&t, 1, 8, 9);
	ok(ap_solve(&t, &a) == 0 && a.stats.placed == 2,
	    "a placed meeting trades its team for the other one: both placed "
	    "(%d)", a.stats.placed);
	ok(a.placements[0].alt == 0 && a.placements[1].alt == -1 &&
	    a.placements[0].start == H(8, 0) && a.placements[1].start == H(8, 0),
	    "the first took alt 0, the second its own team, both at 08:00 "
	    "(alts %d, %d)", a.placements[0].alt, a.placements[1].alt);
	ok(a.placements[0].room != a.placements[1].room, "in two rooms");
	solver_answer_free(&a);
	t.pb.move_penalty = 1;
	ok(ap_solve(&t, &a) == 0 && a.stats.placed == 1 &&
	    a.placements[0].alt == -1, "a repair (move_penalty) trades "
	    "nothing: its write picks the interpreters itself (placed %d)",
	    a.stats.placed);
	ok(a.placements[1].reason == SOLVER_CONFLICT, "the one left out was "
	    "lost to the other (its own team is free but for it), not short of "
	    "common time (reason %s)",
	    solver_reason_string(a.placements[1].reason));
	solver_answer_free(&a);
}

/* Every team busy all morning: left out for want of common time, whatever
 * its alts (the reason is the problem's, not the placements'). */
static void
test_alt_reason_static(void)
{
	struct ap		 t;
	struct solver_answer	 a;

	ap_init(&t, 6, 1);
	ap_busy(&t, 2, H(8, 0), H(12, 0));
	ap_busy(&t, 4, H(8, 0), H(12, 0));
	ap_req(&t, 0, 1, 2, 3, 60, H(8, 0), H(12, 0));
	ap_alt(&t, 0, 4, 5);
	ok(ap_solve(&t, &a) == 0 && a.placements[0].start < 0 &&
	    a.placements[0].reason == SOLVER_NO_COMMON_TIME,
	    "own team and alt busy all morning: no common time (reason %s)",
	    solver_reason_string(a.placements[0].reason));
	solver_answer_free(&a);
}

/* The first alt is capped below the meeting, the second is free. */
static void
test_alt_cap_and_invalid(void)
{
	struct ap		 t;
	struct solver_answer	 a;
	static const int	 bad[4] = { 0, 1, 99, 4 };

	ap_init(&t, 8, 1);
	ap_busy(&t, 2, H(8, 0), H(12, 0));
	t.caps[4] = 30;
	t.people[4].day_cap = &t.caps[4];
	ap_req(&t, 0, 1, 2, 3, 60, H(8, 0), H(12, 0));
	ap_alt(&t, 0, 4, 5);
	ap_alt(&t, 0, 5, 4);
	ap_alt(&t, 0, 6, 7);
	t.alts[0][1].people = bad;	/* person 99 does not exist */
	ok(ap_solve(&t, &a) == 0 && a.placements[0].reason == SOLVER_PLACED &&
	    a.placements[0].alt == 2, "capped alt passed over, malformed "
	    "alt skipped, placed with alt 2 (got %d)", a.placements[0].alt);
	solver_answer_free(&a);
}

/* Own team busy 08:00-10:00, the alt 10:00-12:00: the slots are the
 * alt's own times and the others', each start once. */
static void
test_alt_slots(void)
{
	struct ap		 t;
	struct solver_slot	 out[32];
	int			 n, i, early = 0, late = 0;

	ap_init(&t, 6, 1);
	t.pb.slot_minutes = 60;
	ap_busy(&t, 2, H(8, 0), H(10, 0));
	ap_busy(&t, 4, H(10, 0), H(12, 0));
	ap_req(&t, 0, 1, 2, 3, 60, H(8, 0), H(12, 0));
	n = solver_slots(&t.pb, 0, out, 32);
	ok(n == 2, "slots of its own team: 10:00 and 11:00 (%d)", n);
	ap_alt(&t, 0, 4, 5);
	n = solver_slots(&t.pb, 0, out, 32);
	for (i = 0; i < n; i++) {
		early += out[i].start < H(10, 0);
		late += out[i].start >= H(10, 0);
	}
	ok(n == 4 && early == 2 && late == 2,
	    "with the alt: 08:00 to 11:00, each once (%d: %d early, %d late)",
	    n, early, late);
}

/* The problem JSON: "alts" read, out-of-range people refused, and the
 * plan's "interpreters" of the team each placement took. */
static void
test_alt_json(void)
{
	struct scheduler_problem	 p;
	const char			*why = NULL;
	json_t				*root;
	static const char		 ok_json[] =
	    "{\"conference_id\": 1, \"origin\": 0, \"changeover\": 0,"
	    " \"days\": [[480, 720]], \"rooms\": [{\"id\": 7, \"capacity\": 6,"
	    " \"venue\": 0, \"busy\": []}], \"people\": [{\"id\": 1, \"busy\": []},"
	    " {\"id\": 2, \"busy\": []}, {\"id\": 3, \"busy\": [[480, 720]]},"
	    " {\"id\": 4, \"busy\": []}], \"requests\": [{\"id\": 9, \"version\": 1,"
	    " \"people\": [0, 1, 2], \"parties\": [1, 2], \"duration\": 60,"
	    " \"earliest\": 480, \"latest\": 720, \"priority\": 3,"
	    " \"interpreters\": [3], \"alts\": [{\"people\": [0, 1, 3],"
	    " \"interpreters\": [4]}]}]}";

	root = json_loads(ok_json, 0, NULL);
	ok(root != NULL && scheduler_problem_parse(root, &p, &why) == 0 &&
	    p.requests[0].nalts == 1 && p.requests[0].alts[0].npeople == 3 &&
	    p.requests[0].alts[0].people[2] == 3, "alts read from the JSON");
	scheduler_problem_free(&p);
	json_array_set_new(json_object_get(json_array_get(json_object_get(
	    json_array_get(json_object_get(root, "requests"), 0), "alts"), 0),
	    "people"), 2, json_integer(4));
	ok(scheduler_problem_parse(root, &p, &why) != 0,
	    "an alt naming person 4 of 4 refused (%s)", why ? why : "");
	scheduler_problem_free(&p);
	json_decref(root);
}

int
main(void)
{
	test_alt_when_own_busy();
	test_alt_shared_team();
	test_alt_trade();
	test_alt_reason_static();
	test_alt_cap_and_invalid();
	test_alt_slots();
	test_alt_json();
	return tap_done();
}
