/*
 * test_solver_repair.c — unit tests of the solver's move penalty (a
 * repair: requests with a current place, solver-repair.c): without a
 * penalty the current places change nothing; with one, a bumped meeting
 * is placed moving the fewest others, never one with a fixed start, and
 * the answers of random repairs pass an independent clash check.
 */
#include <stdlib.h>
#include <string.h>

#include "solver/solver.h"
#include "tap.h"

#define H(h, m)	((h) * 60 + (m))
#define MAXQ	40
#define NP	8

/* A problem with storage: one day 08:00-12:00 (or as set), one room. */
struct rp {
	struct solver_problem	 pb;
	struct solver_interval	 day;
	struct solver_person	 people[NP];
	struct solver_interval	 pbusy[NP][4];
	struct solver_room	 rooms[2];
	struct solver_request	 reqs[MAXQ];
	int			 att[MAXQ][2];
};

static void
rp_init(struct rp *t, int end_hour, int nrooms)
{
	int	 i;

	memset(t, 0, sizeof *t);
	t->day.start = H(8, 0);
	t->day.end = H(end_hour, 0);
	for (i = 0; i < NP; i++)
		t->people[i].busy = t->pbusy[i];
	for (i = 0; i < nrooms; i++) {
		t->rooms[i].id = 100 + i;
		t->rooms[i].capacity = 4;
	}
	t->pb.days = &t->day;
	t->pb.ndays = 1;
	t->pb.people = t->people;
	t->pb.npeople = NP;
	t->pb.rooms = t->rooms;
	t->pb.nrooms = nrooms;
	t->pb.requests = t->reqs;
}

/* A 60-minute meeting of a and b in [lo, hi), at cur (or -1) in room 0. */
static int
rp_req(struct rp *t, int a, int b, int lo, int hi, int cur)
{
	int			 q = t->pb.nrequests++;
	struct solver_request	*r = &t->reqs[q];

	t->att[q][0] = a;
	t->att[q][1] = b;
	r->id = q + 1;
	r->people = t->att[q];
	r->npeople = 2;
	r->duration = 60;
	r->earliest = lo;
	r->latest = hi;
	r->priority = 3;
	r->fixed_start = r->fixed_room = -1;
	r->current_start = cur;
	r->current_room = cur >= 0 ? 0 : -1;
	return q;
}

static void
rp_busy(struct rp *t, int p, int s, int e)
{
	struct solver_interval	*b = &t->pbusy[p][t->people[p].nbusy++];

	b->start = s;
	b->end = e;
	b->venue = 0;
}

static int
rp_solve(struct rp *t, struct solver_answer *a)
{
	struct solver_options	 opt = { 10000, 42, 20000 };

	return solver_solve(&t->pb, &opt, a);
}

/* Requests placed elsewhere than their current place. */
static int
rp_moved(const struct rp *t, const struct solver_answer *a)
{
	int	 q, n = 0;

	for (q = 0; q < t->pb.nrequests; q++)
		n += t->reqs[q].current_start >= 0 &&
		    (a->placements[q].start != t->reqs[q].current_start ||
		    a->placements[q].room != t->reqs[q].current_room);
	return n;
}

/* Clashes in an answer (room or person overlaps, busy times, windows). */
static int
rp_check(const struct rp *t, const struct solver_answer *a)
{
	const struct solver_placement *x, *y;
	int	 q, o, i, j, bad = 0;

	for (q = 0; q < t->pb.nrequests; q++) {
		x = &a->placements[q];
		if (x->reason != SOLVER_PLACED)
			continue;
		bad += x->start < t->reqs[q].earliest || x->end > t->reqs[q].latest;
		bad += x->start < t->day.start || x->end > t->day.end;
		for (i = 0; i < 2; i++)
			for (j = 0; j < t->people[t->att[q][i]].nbusy; j++)
				bad += x->start < t->pbusy[t->att[q][i]][j].end &&
				    t->pbusy[t->att[q][i]][j].start < x->end;
		for (o = 0; o < q; o++) {
			y = &a->placements[o];
			if (y->reason != SOLVER_PLACED || x->start >= y->end ||
			    y->start >= x->end)
				continue;
			bad += x->room == y->room;
			for (i = 0; i < 2; i++)
				for (j = 0; j < 2; j++)
					bad += t->att[q][i] == t->att[o][j];
		}
	}
	return bad;
}

/* Four slots, B bumped (person 0 busy 08-09), X and Y may not go to
 * 08:00, Z may: the repair moves Z alone; with Z fixed, B stays out. */
static void
test_fewest(void)
{
	struct rp		 t;
	struct solver_answer	 a;
	int			 b, z;

	rp_init(&t, 12, 1);
	t.pb.move_penalty = 100000;
	rp_busy(&t, 0, H(8, 0), H(9, 0));
	b = rp_req(&t, 0, 1, H(8, 0), H(12, 0), -1);
	rp_req(&t, 2, 3, H(9, 0), H(12, 0), H(9, 0));
	rp_req(&t, 4, 5, H(9, 0), H(12, 0), H(10, 0));
	z = rp_req(&t, 6, 7, H(8, 0), H(12, 0), H(11, 0));
	ok(rp_solve(&t, &a) == 0 && a.stats.placed == 4 && rp_check(&t, &a) == 0,
	    "fewest: everything placed, no clash");
	ok(rp_moved(&t, &a) == 1 && a.placements[z].start == H(8, 0) &&
	    a.placements[b].start == H(11, 0),
	    "fewest: one other meeting moves (Z to 08:00, B to its place)");
	solver_answer_free(&a);
	t.reqs[z].fixed_start = H(11, 0);
	ok(rp_solve(&t, &a) == 0 && a.placements[b].reason != SOLVER_PLACED &&
	    a.placements[z].start == H(11, 0) && rp_moved(&t, &a) == 0,
	    "fewest: Z fixed: B unplaced, nothing moved");
	solver_answer_free(&a);
}

/* A chain: B fits only where X is, X only where Y is, Y at the free slot. */
static void
test_chain(void)
{
	struct rp		 t;
	struct solver_answer	 a;
	int			 b, x, y;

	rp_init(&t, 11, 1);
	t.pb.move_penalty = 100000;
	rp_busy(&t, 0, H(8, 0), H(9, 0));
	rp_busy(&t, 1, H(10, 0), H(11, 0));
	b = rp_req(&t, 0, 1, H(8, 0), H(11, 0), -1);
	x = rp_req(&t, 2, 3, H(9, 0), H(11, 0), H(9, 0));
	y = rp_req(&t, 4, 5, H(8, 0), H(11, 0), H(10, 0));
	ok(rp_solve(&t, &a) == 0 && a.stats.placed == 3 && rp_check(&t, &a) == 0 &&
	    a.placements[b].start == H(9, 0) && a.placements[x].start == H(10, 0) &&
	    a.placements[y].start == H(8, 0) && rp_moved(&t, &a) == 2,
	    "chain: B to 09:00, X to 10:00, Y to 08:00");
	solver_answer_free(&a);
}

/* Random meetings on one day, two rooms, placed; the first answer becomes
 * their current places. */
static void
rp_random(struct rp *t, unsigned seed, struct solver_answer *first)
{
	int	 q, a;

	rp_init(t, 18, 2);
	srand(seed);
	for (q = 0; q < 16; q++) {
		a = rand() % NP;
		rp_req(t, a, (a + 1 + rand() % (NP - 1)) % NP, H(8, 0), H(18, 0), -1);
	}
	rp_solve(t, first);
}

/* Without a penalty, current places change nothing; with one and nothing
 * bumped, nothing moves; a person's new busy hour moves few meetings. */
static void
test_random(void)
{
	struct rp		 t;
	struct solver_answer	 a, b;
	int			 q, same = 1, seed, moved, clean = 1, few = 1;

	for (seed = 1; seed <= 12; seed++) {
		rp_random(&t, (unsigned)seed, &a);
		for (q = 0; q < t.pb.nrequests; q++) {
			t.reqs[q].current_start = a.placements[q].start;
			t.reqs[q].current_room = a.placements[q].room;
		}
		rp_solve(&t, &b);
		for (q = 0; q < t.pb.nrequests; q++)
			same &= a.placements[q].start == b.placements[q].start &&
			    a.placements[q].room == b.placements[q].room;
		solver_answer_free(&b);
		t.pb.move_penalty = 100000;
		rp_solve(&t, &b);
		clean &= rp_check(&t, &b) == 0 && rp_moved(&t, &b) == 0;
		solver_answer_free(&b);
		rp_busy(&t, t.att[0][0], a.placements[0].start, a.placements[0].end);
		t.reqs[0].current_start = t.reqs[0].current_room = -1;
		rp_solve(&t, &b);
		moved = rp_moved(&t, &b);
		clean &= rp_check(&t, &b) == 0;
		few &= b.stats.placed < a.stats.placed || moved <= 3;
		solver_answer_free(&b);
		solver_answer_free(&a);
	}
	ok(same, "random: without a penalty, current places change no answer");
	ok(clean, "random: repairs are clean, and nothing moves when nothing is bumped");
	ok(few, "random: one bumped meeting moves at most 3 others");
}

int
main(void)
{
	test_fewest();
	test_chain();
	test_random();
	return tap_done();
}
