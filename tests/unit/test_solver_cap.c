/*
 * test_solver_cap.c — unit tests of the solver's per-person day cap
 * (solver_person.day_cap, an interpreter's minutes a day): small problems
 * where ignoring the cap would place more or place differently, on the
 * annealing (a problem that would otherwise take the grid search), the
 * repair search and the slots, then random problems checked by a cap and
 * clash checker written here; and the problem JSON's "day_cap_minutes"
 * as scheduler.c reads it.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "scheduler.h"
#include "solver/solver.h"
#include "tap.h"

#define H(h, m)	((h) * 60 + (m))	/* minutes from the epoch (day 0) */
#define D	1440			/* one day in minutes */
#define MAXP	12
#define MAXQ	40

/* A small problem with fixed-size storage: two days 08:00-20:00. */
struct cp {
	struct solver_problem	 pb;
	struct solver_interval	 days[2];
	struct solver_person	 people[MAXP];
	int			 caps[MAXP][2];
	struct solver_room	 rooms[4];
	struct solver_request	 reqs[MAXQ];
	int			 att[MAXQ][3];
};

/* np people without caps, nr rooms of capacity 4, ndays days. */
static void
cp_init(struct cp *t, int np, int nr, int ndays)
{
	int	 i;

	memset(t, 0, sizeof *t);
	for (i = 0; i < 2; i++) {
		t->days[i].start = i * D + H(8, 0);
		t->days[i].end = i * D + H(20, 0);
	}
	for (i = 0; i < nr; i++) {
		t->rooms[i].id = 100 + i;
		t->rooms[i].capacity = 4;
	}
	t->pb.days = t->days;
	t->pb.ndays = ndays;
	t->pb.people = t->people;
	t->pb.npeople = np;
	t->pb.rooms = t->rooms;
	t->pb.nrooms = nr;
	t->pb.requests = t->reqs;
}

/* Person p may have c0 minutes of meetings on day 0 and c1 on day 1. */
static void
cp_cap(struct cp *t, int p, int c0, int c1)
{
	t->caps[p][0] = c0;
	t->caps[p][1] = c1;
	t->people[p].day_cap = t->caps[p];
}

/* A request between a and b with interpreter i (or -1); its index. */
static int
cp_req(struct cp *t, int a, int b, int i, int dur, int lo, int hi, int prio)
{
	int			 q = t->pb.nrequests++;
	struct solver_request	*r = &t->reqs[q];

	t->att[q][0] = a;
	t->att[q][1] = b;
	t->att[q][2] = i;
	r->id = q + 1;
	r->people = t->att[q];
	r->npeople = i >= 0 ? 3 : 2;
	r->duration = dur;
	r->earliest = lo;
	r->latest = hi;
	r->priority = prio;
	r->fixed_start = r->fixed_room = -1;
	r->current_start = r->current_room = -1;
	return q;
}

/* Minutes person p has in placed meetings on day d of an answer. */
static int
chk_load(const struct cp *t, const struct solver_answer *a, int p, int d)
{
	const struct solver_request	*r;
	int				 q, i, n = 0;

	for (q = 0; q < t->pb.nrequests; q++) {
		r = &t->reqs[q];
		if (a->placements[q].start < 0 || a->placements[q].start / D != d)
			continue;
		for (i = 0; i < r->npeople; i++)
			n += r->people[i] == p ? r->duration : 0;
	}
	return n;
}

/*
 * Independent check: every placed meeting inside its window and a day,
 * no person (with the changeover) or room in two meetings at once, and
 * nobody over a cap. 0 if clean, else the number of faults.
 */
static int
chk_answer(const struct cp *t, const struct solver_answer *a)
{
	const struct solver_placement	*x, *y;
	int				 q, o, i, j, d, p, bad = 0, gap;

	gap = t->pb.changeover;
	for (q = 0; q < t->pb.nrequests; q++) {
		if ((x = &a->placements[q])->start < 0)
			continue;
		d = x->start / D;
		bad += x->start < t->reqs[q].earliest || x->end > t->reqs[q].latest ||
		    d >= t->pb.ndays || x->start < t->days[d].start ||
		    x->end > t->days[d].end;
		for (o = 0; o < q; o++) {
			if ((y = &a->placements[o])->start < 0 ||
			    x->start >= y->end + gap || y->start >= x->end + gap)
				continue;
			bad += x->room == y->room && x->start < y->end &&
			    y->start < x->end;	/* rooms need no changeover */
			for (i = 0; i < t->reqs[q].npeople; i++)
				for (j = 0; j < t->reqs[o].npeople; j++)
					bad += t->reqs[q].people[i] == t->reqs[o].people[j];
		}
	}
	for (p = 0; p < t->pb.npeople; p++)
		for (d = 0; d < t->pb.ndays && t->people[p].day_cap != NULL; d++)
			bad += t->caps[p][d] >= 0 &&
			    chk_load(t, a, p, d) > t->caps[p][d];
	return bad;
}

/* Solve with a generous limit and a fixed seed. */
static int
cp_solve(struct cp *t, struct solver_answer *a)
{
	struct solver_options	 opt = { 10000, 42, 20000 };

	return solver_solve(&t->pb, &opt, a);
}

/*
 * One day, no changeover, rooms alike (the grid search's kind of
 * problem): an interpreter capped at 90 minutes in three meetings of 60,
 * 60 and 30 minutes (priorities 5, 3, 1). Without the cap all three fit;
 * with it the best is 60 + 30 (priorities 5 + 1).
 */
static void
test_cap_leaves_out(void)
{
	struct cp		 t;
	struct solver_answer	 a;

	cp_init(&t, 7, 2, 1);
	cp_cap(&t, 0, 90, -1);
	cp_req(&t, 1, 2, 0, 60, H(8, 0), H(20, 0), 5);
	cp_req(&t, 3, 4, 0, 60, H(8, 0), H(20, 0), 3);
	cp_req(&t, 5, 6, 0, 30, H(8, 0), H(20, 0), 1);
	ok(cp_solve(&t, &a) == 0 && chk_answer(&t, &a) == 0,
	    "cap: a clean answer");
	ok(chk_load(&t, &a, 0, 0) <= 90, "cap: the interpreter has %d of 90 "
	    "minutes", chk_load(&t, &a, 0, 0));
	ok(a.stats.placed == 2 && a.placements[0].start >= 0 &&
	    a.placements[2].start >= 0 && a.placements[1].start < 0,
	    "cap: the 60 (5) and 30 (1) placed, the other 60 (3) left out");
	ok(a.placements[1].reason == SOLVER_CONFLICT,
	    "cap: the one left out lost to the others");
	ok(!a.stats.grid, "cap: the annealing ran, not the grid search");
	solver_answer_free(&a);
}

/* Two days, a cap of 60 on day 0 and none on day 1: three meetings of 60
 * minutes fit, at most one on day 0. */
static void
test_cap_per_day(void)
{
	struct cp		 t;
	struct solver_answer	 a;
	int			 q, first = 0;

	cp_init(&t, 7, 1, 2);
	t.pb.changeover = 10;
	cp_cap(&t, 0, 60, -1);
	for (q = 0; q < 3; q++)
		cp_req(&t, 1 + 2 * q, 2 + 2 * q, 0, 60, H(8, 0), D + H(20, 0), 3);
	ok(cp_solve(&t, &a) == 0 && chk_answer(&t, &a) == 0,
	    "per day: a clean answer");
	for (q = 0; q < 3; q++)
		first += a.placements[q].start >= 0 && a.placements[q].start < D;
	ok(a.stats.placed == 3 && first <= 1,
	    "per day: all three placed, %d on the capped day", first);
	solver_answer_free(&a);
}

/* A cap below a meeting's length leaves it no time that day; 0 leaves
 * nothing. */
static void
test_cap_too_small(void)
{
	struct cp		 t;
	struct solver_answer	 a;

	cp_init(&t, 5, 1, 1);
	cp_cap(&t, 0, 45, -1);
	cp_cap(&t, 3, 0, -1);
	cp_req(&t, 1, 2, 0, 60, H(8, 0), H(20, 0), 3);
	cp_req(&t, 3, 4, -1, 15, H(8, 0), H(20, 0), 3);
	ok(cp_solve(&t, &a) == 0 && a.stats.placed == 0 &&
	    a.placements[0].reason == SOLVER_NO_COMMON_TIME &&
	    a.placements[1].reason == SOLVER_NO_COMMON_TIME,
	    "too small: nothing placed, no time (%d placed)", a.stats.placed);
	solver_answer_free(&a);
}

/* The slots keep the cap: a fixed meeting of 60 minutes uses a cap of 90
 * on day 0, so a request of 45 minutes gets slots on day 1 only. */
static void
test_cap_slots(void)
{
	struct cp		 t;
	struct solver_slot	 s[32];
	int			 n, i, day0 = 0;

	cp_init(&t, 5, 2, 2);
	cp_cap(&t, 0, 90, 90);
	cp_req(&t, 1, 2, 0, 45, H(8, 0), D + H(20, 0), 3);
	cp_req(&t, 3, 4, 0, 60, H(8, 0), H(20, 0), 3);
	t.reqs[1].fixed_start = H(9, 0);
	n = solver_slots(&t.pb, 0, s, 32);
	for (i = 0; i < n; i++)
		day0 += s[i].start < D;
	ok(n > 0 && day0 == 0, "slots: %d slots, %d on the full day", n, day0);
}

/* A repair (move_penalty): two meetings at home on day 0 would put the
 * interpreter at 120 of 60 minutes; one stays, the other moves to day 1. */
static void
test_cap_repair(void)
{
	struct cp		 t;
	struct solver_answer	 a;
	int			 q, home = 0;

	cp_init(&t, 5, 2, 2);
	t.pb.move_penalty = 1000;
	cp_cap(&t, 0, 60, 60);
	for (q = 0; q < 2; q++) {
		cp_req(&t, 1 + 2 * q, 2 + 2 * q, 0, 60, H(8, 0), D + H(20, 0), 3);
		t.reqs[q].current_start = H(9 + 2 * q, 0);
		t.reqs[q].current_room = q;
	}
	ok(cp_solve(&t, &a) == 0 && chk_answer(&t, &a) == 0,
	    "repair: a clean answer");
	for (q = 0; q < 2; q++)
		home += a.placements[q].start == t.reqs[q].current_start;
	ok(a.stats.placed == 2 && home == 1,
	    "repair: both placed, %d at home (one)", home);
	solver_answer_free(&a);
}

/* Uniform in [0, n). */
static int
rnd(unsigned *s, int n)
{
	*s = *s * 1103515245u + 12345u;
	return (int)((*s >> 8) % (unsigned)n);
}

/* Random problems: 8 delegates, 2 interpreters with small caps, 30
 * requests, half of them interpreted; the checker finds no fault. */
static void
test_cap_random(void)
{
	struct cp		 t;
	struct solver_answer	 a;
	unsigned		 n, seed;
	int			 q, b, bad = 0, placed = 0;

	for (n = 1; n <= 20; n++) {
		seed = n;
		cp_init(&t, 10, 3, 2);
		t.pb.changeover = 5 * (int)(n % 3);
		cp_cap(&t, 8, 60 + 15 * rnd(&seed, 8), 60 + 15 * rnd(&seed, 8));
		cp_cap(&t, 9, 60 + 15 * rnd(&seed, 8), -1);
		for (q = 0; q < 30; q++) {
			b = rnd(&seed, 7);
			cp_req(&t, b, b + 1 + rnd(&seed, 7 - b), rnd(&seed, 2) ?
			    8 + rnd(&seed, 2) : -1, 15 * (2 + rnd(&seed, 3)),
			    H(8, 0), D + H(20, 0), 1 + rnd(&seed, 5));
		}
		if (cp_solve(&t, &a) != 0)
			bad++;
		else if (chk_answer(&t, &a) != 0) {
			bad++;
			printf("# random: problem %u: %d faults\n", n,
			    chk_answer(&t, &a));
		}
		placed += a.stats.placed;
		solver_answer_free(&a);
	}
	ok(bad == 0, "random: 20 problems with caps, %d faulty (%d placed)",
	    bad, placed);
}

/* "day_cap_minutes": a number for every day, an array per day (null: none
 * that day), absent or null: none; a negative number is 0. */
static void
test_cap_parse(void)
{
	struct scheduler_problem	 p;
	const char			*why = NULL;
	json_t				*root = json_loads(
	    "{\"origin\": 0, \"days\": [[480, 1200], [1920, 2640]], \"venues\": [],"
	    " \"travel\": [], \"rooms\": [], \"requests\": [], \"people\": ["
	    "{\"id\": 1, \"busy\": [], \"day_cap_minutes\": 300},"
	    "{\"id\": 2, \"busy\": [], \"day_cap_minutes\": [120, null]},"
	    "{\"id\": 3, \"busy\": []},"
	    "{\"id\": 4, \"busy\": [], \"day_cap_minutes\": null},"
	    "{\"id\": 5, \"busy\": [], \"day_cap_minutes\": [-5]}]}", 0, NULL);
	const int			*c;

	ok(scheduler_problem_parse(root, &p, &why) == 0 && p.pb.npeople == 5,
	    "parse: a problem with day caps");
	c = p.people[0].day_cap;
	ok(c != NULL && c[0] == 300 && c[1] == 300, "parse: a number, every day");
	c = p.people[1].day_cap;
	ok(c != NULL && c[0] == 120 && c[1] == -1, "parse: an array, null none");
	ok(p.people[2].day_cap == NULL && p.people[3].day_cap == NULL,
	    "parse: absent or null, no cap");
	c = p.people[4].day_cap;
	ok(c != NULL && c[0] == 0 && c[1] == -1,
	    "parse: negative is 0, a short array none for the rest");
	scheduler_problem_free(&p);
	json_decref(root);
}

int
main(void)
{
	test_cap_parse();
	test_cap_leaves_out();
	test_cap_per_day();
	test_cap_too_small();
	test_cap_slots();
	test_cap_repair();
	test_cap_random();
	return tap_done();
}
