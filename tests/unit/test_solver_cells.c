/*
 * test_solver_cells.c — unit tests of the solver's kept cell tables
 * (server/solver/solver-cells.c): a table put back is handed to the next
 * request as large with its bytes set again, a larger request gets a new
 * one, small tables are never kept, the kept bytes stay under the bound;
 * and the slots of a request whose rooms' table is kept (160 rooms over 12
 * days: 2.1 MiB) are the same on the first call and the next ones.
 */
#include <stdlib.h>
#include <string.h>

#include "solver/solver.h"
#include "solver/solver-cells.h"
#include "tap.h"

#define MIB	((size_t)1 << 20)
#define D	1440
#define NDAYS	12
#define NROOMS	160

/* Every byte of p[0..n) is b. */
static int
all_bytes(const unsigned char *p, size_t n, unsigned char b)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (p[i] != b)
			return 0;
	return 1;
}

static void
test_reuse(void)
{
	struct solver_cells_stats	 a, b;
	unsigned char			*p, *q, *r;

	solver_cells_stats(&a);
	p = solver_cells_get(3 * MIB, 0xff);
	ok(all_bytes(p, 3 * MIB, 0xff), "a new table: every byte set");
	memset(p, 0x5a, 3 * MIB);
	solver_cells_put(p);
	solver_cells_stats(&b);
	ok(b.kept_bytes == a.kept_bytes + 4 * MIB,
	    "put back: kept, rounded to huge pages (%zu bytes kept)", b.kept_bytes);
	q = solver_cells_get(3 * MIB - 7, 0);
	ok(q == p, "the next request as large gets the kept table");
	ok(all_bytes(q, 3 * MIB - 7, 0), "its bytes set again (none of the last solve's left)");
	r = solver_cells_get(5 * MIB, 0xff);
	ok(r != q, "a larger request while it is lent: a new table");
	solver_cells_put(q);
	q = solver_cells_get(5 * MIB, 0);
	ok(q != p, "a kept table too small is not handed out");
	solver_cells_stats(&b);
	ok(b.reused == a.reused + 1 && b.allocated == a.allocated + 3,
	    "one reuse, three tables made (%lu, %lu)", b.reused - a.reused,
	    b.allocated - a.allocated);
	solver_cells_put(q);
	solver_cells_put(r);
}

static void
test_bounds(void)
{
	struct solver_cells_stats	 a, b;
	unsigned char			*big[5], *small;
	int				 i;

	solver_cells_stats(&a);
	small = solver_cells_get(100, 7);
	ok(all_bytes(small, 100, 7), "a small table: every byte set");
	solver_cells_put(small);
	solver_cells_stats(&b);
	ok(b.kept_bytes == a.kept_bytes && b.allocated == a.allocated,
	    "a small table is neither counted nor kept");
	for (i = 0; i < 5; i++)
		big[i] = solver_cells_get(8 * MIB, 0);
	for (i = 0; i < 5; i++)
		solver_cells_put(big[i]);
	solver_cells_stats(&b);
	ok(b.kept_bytes <= SOLVER_CELLS_KEEP_BYTES,
	    "five 8 MiB tables put back: %zu MiB kept, at most %zu",
	    b.kept_bytes / MIB, SOLVER_CELLS_KEEP_BYTES / MIB);
	ok(b.freed > a.freed, "the rest given back (%lu)", b.freed - a.freed);
	big[0] = solver_cells_get(40 * MIB, 0);
	solver_cells_put(big[0]);
	solver_cells_stats(&a);
	ok(a.kept_bytes == b.kept_bytes,
	    "a table larger than the bound is given back, not kept");
}

/* 160 rooms over 12 days, mostly busy; two people; one request. */
static struct solver_problem *
cells_problem(void)
{
	static struct solver_interval	 days[NDAYS], busy[NROOMS][NDAYS];
	static struct solver_room	 rooms[NROOMS];
	static struct solver_person	 people[2];
	static struct solver_request	 req;
	static struct solver_problem	 pb;
	static int			 att[2] = { 0, 1 };
	int				 d, k;

	for (d = 0; d < NDAYS; d++) {
		days[d].start = d * D + 8 * 60;
		days[d].end = d * D + 20 * 60;
		for (k = 0; k < NROOMS; k++) {
			/* each room free for an hour a day, at its own time */
			busy[k][d].start = d * D + 8 * 60 + (k + d) % 11 * 60 + 60;
			busy[k][d].end = d * D + 20 * 60;
		}
	}
	for (k = 0; k < NROOMS; k++) {
		rooms[k].id = k + 1;
		rooms[k].capacity = 4;
		rooms[k].busy = busy[k];
		rooms[k].nbusy = NDAYS;
	}
	req.id = 1;
	req.people = att;
	req.npeople = 2;
	req.duration = 30;
	req.earliest = 0;
	req.latest = NDAYS * D;
	req.priority = 3;
	req.fixed_start = req.fixed_room = -1;
	req.current_start = req.current_room = -1;
	pb.days = days;
	pb.ndays = NDAYS;
	pb.people = people;
	pb.npeople = 2;
	pb.rooms = rooms;
	pb.nrooms = NROOMS;
	pb.requests = &req;
	pb.nrequests = 1;
	pb.slot_minutes = 5;
	return &pb;
}

static void
test_slots_kept(void)
{
	struct solver_problem		*pb = cells_problem();
	struct solver_slot		 first[64], again[64];
	struct solver_cells_stats	 a, b;
	int				 n, m, i, same = 1;

	solver_cells_stats(&a);
	n = solver_slots(pb, 0, first, 64);
	ok(n == 64, "slots on 160 rooms: %d", n);
	for (i = 0; i < 3; i++) {
		memset(again, 0, sizeof again);
		m = solver_slots(pb, 0, again, 64);
		same = same && m == n &&
		    memcmp(first, again, (size_t)n * sizeof *first) == 0;
	}
	ok(same, "the same slots on three more calls");
	solver_cells_stats(&b);
	ok(b.reused >= a.reused + 3,
	    "the later calls reused the rooms' table (%lu reuses)",
	    b.reused - a.reused);
}

int
main(void)
{
	test_reuse();
	test_bounds();
	test_slots_kept();
	return tap_done();
}
