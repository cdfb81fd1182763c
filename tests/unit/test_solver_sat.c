/*
 * test_solver_sat.c — unit tests of the SAT step of the grid solver
 * (server/solver-sat.c): tiny grids with a known best number of breaks,
 * rooms that bind, a forced gap, a fixed meeting, two days, a planted
 * zero-break problem scrambled first, the same with the crowd counts,
 * and determinism.
 */
#include <stdlib.h>
#include <string.h>

#include "solver/solver-grid.h"
#include "tap.h"

#define NC	4	/* cells, one day */

static const int all[NC] = { 0, 1, 2, 3 };
static const int only0[1] = { 0 }, only1[1] = { 1 }, only2[1] = { 2 };
static const int ab[2] = { 0, 1 }, ac[2] = { 0, 2 }, de[2] = { 3, 4 };
static const int dayof[NC] = { 0, 0, 0, 0 };

/* A (person 0) meets B and C anywhere; D and E meet in cell 1 only. */
static const struct sg_req gaprq[3] = {
	{ ab, 2, all, NC, 1, 1, 0 }, { ac, 2, all, NC, 1, 1, 0 },
	{ de, 2, only1, 1, 1, 1, 0 },
};

/* A problem over the requests rq (nq of them) with rooms per cell. */
static void
tsat_init(struct sg_problem *pb, const struct sg_req *rq, int nq, int rooms,
    int *slot)
{
	memset(pb, 0, sizeof *pb);
	pb->nq = nq;
	pb->np = 5;
	pb->H = NC;
	pb->nrooms = rooms;
	pb->dayof = dayof;
	pb->rq = rq;
	pb->slot = slot;
	pb->seed = 42;
	pb->iters = 200000;
	pb->deadline = sg_now_ms() + 10000;
}

/* Is slot clash-free (people, rooms) and at allowed starts? */
static int
tsat_clean(const struct sg_problem *pb)
{
	int	 q, r, i, j, n, ok = 1, allowed;

	for (q = 0; q < pb->nq; q++) {
		for (allowed = 0, i = 0; i < pb->rq[q].nstarts; i++)
			allowed |= pb->rq[q].starts[i] == pb->slot[q];
		ok &= allowed;
		for (n = 0, r = 0; r < pb->nq; r++)
			n += pb->slot[r] == pb->slot[q];
		ok &= n <= pb->nrooms;
		for (r = q + 1; r < pb->nq; r++)
			for (i = 0; i < 2; i++)
				for (j = 0; j < 2; j++)
					ok &= pb->slot[q] != pb->slot[r] ||
					    pb->rq[q].people[i] !=
					    pb->rq[r].people[j];
	}
	return ok;
}

/* The gap of person 0 (A) closes; rooms that bind are respected. */
static void
tsat_gap(void)
{
	struct sg_problem	 pb;
	int			 slot[3] = { 0, 2, 1 };

	tsat_init(&pb, gaprq, 2, 2, slot);
	ok(ss_improve(&pb, 1) == 0, "sat: a one-cell gap is closed");
	ok(tsat_clean(&pb) && abs(slot[0] - slot[1]) == 1,
	    "sat: the answer is clean and back to back (%d, %d)", slot[0],
	    slot[1]);
	slot[0] = 0; slot[1] = 2; slot[2] = 1;
	tsat_init(&pb, gaprq, 3, 1, slot);
	ok(ss_improve(&pb, 1) == 0, "sat: with one room the gap still closes");
	ok(tsat_clean(&pb) && slot[0] != 1 && slot[1] != 1 && slot[2] == 1,
	    "sat: one meeting per cell (%d, %d, %d)", slot[0], slot[1],
	    slot[2]);
}

/* A gap the allowed starts force stays; a fixed meeting stays put. */
static void
tsat_forced(void)
{
	struct sg_req		 rq[2] = {
		{ ab, 2, only0, 1, 1, 1, 0 }, { ac, 2, only2, 1, 1, 1, 0 },
	};
	struct sg_req		 fx[2] = {
		{ ab, 2, all, NC, 1, 0, 0 }, { ac, 2, all, NC, 1, 1, 0 },
	};
	struct sg_problem	 pb;
	int			 slot[2] = { 0, 2 };

	tsat_init(&pb, rq, 2, 2, slot);
	ok(ss_improve(&pb, 1) == 1 && slot[0] == 0 && slot[1] == 2,
	    "sat: a forced gap is kept, the state unchanged");
	slot[0] = 3; slot[1] = 0;
	fx[0].movable = 0;
	tsat_init(&pb, fx, 2, 2, slot);
	ok(ss_improve(&pb, 1) == 0 && slot[0] == 3 && slot[1] == 2,
	    "sat: the fixed meeting stays, the other comes next to it (%d)",
	    slot[1]);
}

/* Days of three cells and one: a gap inside a day is a break, a meeting
 * on each day is none. */
static void
tsat_days(void)
{
	static const int	 d2[NC] = { 0, 0, 0, 1 };
	struct sg_req		 rq[2] = {
		{ ab, 2, all, NC, 1, 1, 0 }, { ac, 2, all, NC, 1, 1, 0 },
	};
	struct sg_problem	 pb;
	int			 slot[2] = { 0, 2 }, apart;

	tsat_init(&pb, rq, 2, 2, slot);
	pb.dayof = d2;
	ok(ss_improve(&pb, 1) == 0 && tsat_clean(&pb),
	    "sat: two days, the break inside the first is closed");
	apart = d2[slot[0]] != d2[slot[1]];
	ok(apart || abs(slot[0] - slot[1]) == 1,
	    "sat: back to back or on two days (%d, %d)", slot[0], slot[1]);
}

#define PN	8	/* people of the planted problem */
#define PC	7	/* its cells */

/*
 * Planted: people 0-3 are busy in all 7 cells, 4 and 5 in cells 0-2, 6
 * and 7 in cells 3-6; each cell pairs its busy people at random (three
 * meetings, three rooms: every cell full), so zero breaks exist. The
 * start moves whole cells (c -> 2c mod 7), which leaves 4 and 5 with
 * gaps; SAT must get back to zero breaks with the rooms still full.
 */
static void
tsat_planted(int from)
{
	static int		 people[PC * PN], cells[PC], dayp[PC];
	struct sg_req		 rq[PC * 3];
	struct sg_problem	 pb;
	int			 slot[PC * 3], who[6], c, i, j, x, q = 0;
	uint64_t		 rng = 7;
	long			 r;

	for (c = 0; c < PC; c++) {
		cells[c] = c;
		dayp[c] = 0;
		for (i = 0; i < 6; i++)
			who[i] = i < 4 ? i : (c < 3 ? i : i + 2);
		for (i = 5; i > 0; i--) {
			j = (int)(sg_rng_next(&rng) % (uint64_t)(i + 1));
			x = who[i]; who[i] = who[j]; who[j] = x;
		}
		for (i = 0; i < 6; i += 2, q++) {
			people[2 * q] = who[i];
			people[2 * q + 1] = who[i + 1];
			rq[q] = (struct sg_req){ &people[2 * q], 2, cells, PC,
			    1, 1, 0 };
			slot[q] = 2 * c % PC;
		}
	}
	tsat_init(&pb, rq, q, 3, slot);
	pb.np = PN;
	pb.H = PC;
	pb.dayof = dayp;
	pb.satfrom = from;
	ok(tsat_clean(&pb), "sat: the scrambled start is clash-free");
	r = ss_improve(&pb, 4);
	ok(r == 0 && tsat_clean(&pb), "sat: a planted zero-break problem "
	    "is solved from a scrambled start (%ld, try %d first)", r, from);
}

/*
 * The crowd counts (odd tries; satfrom 1 starts there, 3 from the hint):
 * a gap closes with one room, and in the planted problem, where every
 * cell holds exactly as many busy people as the rooms allow, the count
 * must not cut the answer (one too few and it would be refuted).
 */
static void
tsat_crowd(void)
{
	struct sg_problem	 pb;
	int			 slot[3], from;

	for (from = 1; from <= 3; from += 2) {
		slot[0] = 0; slot[1] = 2; slot[2] = 1;
		tsat_init(&pb, gaprq, 3, 1, slot);
		pb.satfrom = from;
		ok(ss_improve(&pb, 1) == 0 && tsat_clean(&pb) &&
		    abs(slot[0] - slot[1]) == 1 && slot[2] == 1,
		    "sat crowd (try %d): one room, the gap closes (%d, %d, %d)",
		    from, slot[0], slot[1], slot[2]);
	}
	tsat_planted(1);
}

/* Same problem, seed and budget: same answer. */
static void
tsat_determinism(void)
{
	struct sg_req		 rq[3] = {
		{ ab, 2, all, NC, 1, 1, 0 }, { ac, 2, all, NC, 1, 1, 0 },
		{ de, 2, all, NC, 1, 1, 0 },
	};
	struct sg_problem	 pb;
	int			 a[3] = { 0, 3, 1 }, b[3] = { 0, 3, 1 };
	long			 ra, rb;

	tsat_init(&pb, rq, 3, 2, a);
	ra = ss_improve(&pb, 1);
	tsat_init(&pb, rq, 3, 2, b);
	rb = ss_improve(&pb, 1);
	ok(ra == 0 && ra == rb && memcmp(a, b, sizeof a) == 0,
	    "sat: same seed and budget, same answer");
	ok(ss_improve(&pb, 0) == 0, "sat: nothing to do at zero breaks");
}

int
main(void)
{
	tsat_gap();
	tsat_forced();
	tsat_days();
	tsat_planted(0);
	tsat_crowd();
	tsat_determinism();
	return tap_done();
}
