/*
 * plant.c — benchmark of server/solver/solver.c on a large generated conference
 * with a planted complete solution: 200 delegations (a head and a deputy
 * each), 2,000 bilateral requests, 30 bilateral rooms in three venues,
 * 5 days of 08:00-20:00, two plenaries a day for every head, personal
 * unavailability, busy rooms, changeover and travel between venues.
 * With -I N, also N interpreter teams (each one person of the solver's
 * problem, with a daily cap of -C minutes, default 360) and 30% of the
 * requests needing one: the planted solution gives each such request a
 * team free then and under its cap, and the solver must keep the team
 * (as kaigi's round-robin team) clash-free and under the cap.
 *
 * Requests are made by first placing each meeting where it fits (the
 * planted solution) and then widening its window, so 100% is achievable.
 * The answer is then checked by an independent checker that knows only the
 * generated data and the answer's start/room. -R and -D give it more rooms
 * (default 30) and days (default 5): -n 20000 -R 300 -D 12 is issue 21's
 * COP size (20,000 requests, 300 rooms, 12 days).
 *
 * Usage: plant [-s seed] [-t ms] [-i iterations] [-n requests] [-R rooms]
 *        [-D days] [-I teams [-C cap]]
 *        plant [-s seed] [-n requests] [-I teams [-C cap]] -d
 *                                                  (the instance as JSON)
 *        plant [-s seed] [-n requests] [-I teams [-C cap]] -a FILE
 *                                                  (check an answer)
 * -d prints the generated conference for scripts/bench/src/plant-api.py,
 * which plays it through the HTTP API; -a checks the answer it read back
 * (lines "REQUEST START ROOM": request and room indices from 0, start in
 * minutes from day 0's midnight; requests not listed are unplaced) with
 * the same independent checker, without running the solver. With -I the
 * answer's requests keep their planted team (through the API each team is
 * the only interpreter of a pair of its own, so kaigi's team is that one).
 * The checker also counts interpreter teams over the cap as violations.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "solver/solver.h"
#include "util.h"

#define NDEL	200
#define NPEOPLE	(2 * NDEL)
#define NROOMS	30		/* default; -R up to NROOMS_MAX */
#define NROOMS_MAX	300
#define NVEN	4		/* three bilateral venues + the plenary hall */
#define NDAYS	5		/* default; -D up to NDAYS_MAX */
#define NDAYS_MAX	12
#define CHANGE	10
#define DAY0	480		/* 08:00 */
#define DAY1	1200		/* 20:00 */
#define MAXTEAMS	64		/* interpreter teams (-I) */
#define NPMAX	(NPEOPLE + MAXTEAMS)
#define NATT	3		/* people of a request: two, and a team */

/* A growable interval list. */
struct ivl {
	struct solver_interval	*v;
	int			 n, cap;
};

/* The generated conference. */
struct gen {
	uint64_t		 rng;
	struct solver_interval	 days[NDAYS_MAX];
	struct ivl		 pbusy[NPMAX];	/* given to the solver */
	struct ivl		 rbusy[NROOMS_MAX];
	struct ivl		 plant_p[NPMAX];	/* busy + planted */
	struct ivl		 plant_r[NROOMS_MAX];
	struct solver_person	 people[NPMAX];
	int			 nteams;		/* people NPEOPLE.. */
	int			 cap;			/* minutes a day */
	int			 caps[MAXTEAMS][NDAYS_MAX];
	int			 tload[MAXTEAMS][NDAYS_MAX];	/* planted */
	int			 ninterp;		/* requests with a team */
	struct solver_room	 rooms[NROOMS_MAX];
	int			 nrooms, ndays;
	int			 travel[NVEN * NVEN];
	struct solver_request	*reqs;
	int			*att;
	int			*pstart, *proom;	/* planted answer */
	int			 nreq;
};

/* splitmix64. */
static uint64_t
gen_rand(struct gen *g)
{
	uint64_t	 z = (g->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. */
static int
gen_range(struct gen *g, int lo, int hi)
{
	return lo + (int)(gen_rand(g) % (uint64_t)(hi - lo + 1));
}

/* Append an interval. */
static void
ivl_add(struct ivl *l, int s, int e, int venue)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->v = xrealloc(l->v, (size_t)l->cap * sizeof *l->v);
	}
	l->v[l->n].start = s;
	l->v[l->n].end = e;
	l->v[l->n++].venue = venue;
}

/* Minutes needed between something at venue a and something at venue b. */
static int
gen_gap(const int *travel, int a, int b)
{
	int	 t;

	if (a < 0 || b < 0)
		return CHANGE;
	t = travel[a * NVEN + b];
	return t > CHANGE ? t : CHANGE;
}

/* Can [s,e) at venue be added to list l (people: with gaps; rooms: none)? */
static int
ivl_fits(const int *travel, const struct ivl *l, int s, int e, int venue,
    int gaps)
{
	const struct solver_interval	*it;
	int				 i;

	for (i = 0; i < l->n; i++) {
		it = &l->v[i];
		if (it->end + (gaps ? gen_gap(travel, it->venue, venue) : 0) <= s)
			continue;
		if (e + (gaps ? gen_gap(travel, venue, it->venue) : 0) <= it->start)
			continue;
		return 0;
	}
	return 1;
}

/* Days, venues, rooms, plenaries, unavailability, busy rooms. */
static void
gen_setup(struct gen *g)
{
	int	 d, a, b, p, k, s, n;

	for (d = 0; d < g->ndays; d++) {
		g->days[d].start = d * 1440 + DAY0;
		g->days[d].end = d * 1440 + DAY1;
	}
	for (a = 0; a < NVEN; a++)
		for (b = 0; b <= a; b++) {
			k = a == b ? 0 : (a == 3 || b == 3) ? gen_range(g, 20, 30) :
			    gen_range(g, 10, 25);
			g->travel[a * NVEN + b] = g->travel[b * NVEN + a] = k;
		}
	for (p = 0; p < NPEOPLE; p += 2)
		for (d = 0; d < g->ndays; d++) {
			ivl_add(&g->pbusy[p], d * 1440 + 540, d * 1440 + 630, 3);
			ivl_add(&g->pbusy[p], d * 1440 + 840, d * 1440 + 930, 3);
		}
	for (p = 0; p < NPEOPLE; p++) {
		if (gen_range(g, 0, 9) >= 3)
			continue;
		for (n = gen_range(g, 1, 2); n > 0; n--) {
			s = gen_range(g, 0, g->ndays - 1) * 1440 + DAY0 +
			    30 * gen_range(g, 0, 20);
			ivl_add(&g->pbusy[p], s, s + 60 * gen_range(g, 1, 3), -1);
		}
	}
	for (k = 0; k < g->nrooms; k++) {
		g->rooms[k].id = 1000 + k;
		g->rooms[k].venue = k % 3;
		g->rooms[k].capacity = (int[]){ 4, 6, 8, 12 }[gen_range(g, 0, 3)];
		if (gen_range(g, 0, 9) < 3) {
			s = gen_range(g, 0, g->ndays - 1) * 1440 + DAY0 +
			    60 * gen_range(g, 0, 8);
			ivl_add(&g->rbusy[k], s, s + 60 * gen_range(g, 2, 4), 0);
		}
	}
	for (p = 0; p < NPEOPLE; p++)
		for (n = 0; n < g->pbusy[p].n; n++)
			ivl_add(&g->plant_p[p], g->pbusy[p].v[n].start,
			    g->pbusy[p].v[n].end, g->pbusy[p].v[n].venue);
	for (k = 0; k < g->nrooms; k++)
		for (n = 0; n < g->rbusy[k].n; n++)
			ivl_add(&g->plant_r[k], g->rbusy[k].v[n].start,
			    g->rbusy[k].v[n].end, 0);
}

/* The request's window around its planted start. */
static void
gen_window(struct gen *g, struct solver_request *r, int s, int day)
{
	int	 lo = day * 1440 + DAY0, hi = day * 1440 + DAY1, kind;

	kind = gen_range(g, 0, 9);
	if (kind < 6) {
		r->earliest = s - 5 * gen_range(g, 0, 48);
		r->latest = s + r->duration + 5 * gen_range(g, 0, 48);
		if (r->earliest < lo)
			r->earliest = lo;
		if (r->latest > hi)
			r->latest = hi;
	} else if (kind < 9) {
		r->earliest = lo;
		r->latest = hi;
	} else {
		r->earliest = DAY0;
		r->latest = (g->ndays - 1) * 1440 + DAY1;
	}
}

/* A team free over [s, s + dur) at venue v and under its cap that day
 * (from a random one on), or -1. */
static int
gen_team(struct gen *g, int s, int dur, int v, int day)
{
	int	 j, t, first = gen_range(g, 0, g->nteams - 1);

	for (j = 0; j < g->nteams; j++) {
		t = (first + j) % g->nteams;
		if (g->tload[t][day] + dur <= g->cap &&
		    ivl_fits(g->travel, &g->plant_p[NPEOPLE + t], s, s + dur, v, 1))
			return t;
	}
	return -1;
}

/* Try to plant one more meeting; 1 if it became a request. With teams,
 * three requests in ten (by index) need one. */
static int
gen_plant_one(struct gen *g)
{
	struct solver_request	*r = &g->reqs[g->nreq];
	int			*att = &g->att[NATT * g->nreq];
	int			 a, b, dep, dur, day, s, k, v, t = -1;

	a = gen_range(g, 0, NDEL - 1);
	b = gen_range(g, 0, NDEL - 1);
	if (a == b)
		return 0;
	dep = gen_range(g, 0, 9) < 2;
	att[0] = 2 * a + dep;
	att[1] = 2 * b + dep;
	dur = gen_range(g, 0, 9) == 0 ? 60 : 30 + 15 * gen_range(g, 0, 1);
	day = gen_range(g, 0, g->ndays - 1);
	s = day * 1440 + DAY0 + 5 * gen_range(g, 0, (DAY1 - DAY0 - dur) / 5);
	k = gen_range(g, 0, g->nrooms - 1);
	v = g->rooms[k].venue;
	if (!ivl_fits(g->travel, &g->plant_p[att[0]], s, s + dur, v, 1) ||
	    !ivl_fits(g->travel, &g->plant_p[att[1]], s, s + dur, v, 1) ||
	    !ivl_fits(g->travel, &g->plant_r[k], s, s + dur, v, 0))
		return 0;
	if (g->nteams > 0 && g->nreq % 10 < 3 &&
	    (t = gen_team(g, s, dur, v, day)) < 0)
		return 0;
	if (t >= 0) {
		att[2] = NPEOPLE + t;
		ivl_add(&g->plant_p[att[2]], s, s + dur, v);
		g->tload[t][day] += dur;
		g->ninterp++;
	}
	ivl_add(&g->plant_p[att[0]], s, s + dur, v);
	ivl_add(&g->plant_p[att[1]], s, s + dur, v);
	ivl_add(&g->plant_r[k], s, s + dur, v);
	memset(r, 0, sizeof *r);
	r->id = g->nreq + 1;
	r->people = att;
	r->npeople = t >= 0 ? 3 : 2;
	r->parties[0] = a + 1;
	r->parties[1] = b + 1;
	r->duration = dur;
	r->priority = gen_range(g, 1, 5);
	r->capacity = 2 + gen_range(g, 0, 2);
	if (r->capacity > g->rooms[k].capacity)
		r->capacity = g->rooms[k].capacity;
	r->fixed_start = r->fixed_room = -1;
	gen_window(g, r, s, day);
	g->pstart[g->nreq] = s;
	g->proom[g->nreq++] = k;
	return 1;
}

/* Free what gen_make allocated. */
static void
gen_free(struct gen *g)
{
	int	 i;

	for (i = 0; i < NPMAX; i++) {
		free(g->pbusy[i].v);
		free(g->plant_p[i].v);
	}
	for (i = 0; i < g->nrooms; i++) {
		free(g->rbusy[i].v);
		free(g->plant_r[i].v);
	}
	free(g->reqs);
	free(g->att);
	free(g->pstart);
	free(g->proom);
}

/* Generate the whole conference (nrooms rooms, ndays days) with nreq
 * planted requests, nteams interpreter teams capped at cap minutes a day. */
static void
gen_make(struct gen *g, uint64_t seed, int nreq, int nteams, int cap,
    int nrooms, int ndays, struct solver_problem *pb)
{
	int	 p, k, d, tries = 0;

	memset(g, 0, sizeof *g);
	g->rng = seed;
	g->nrooms = nrooms;
	g->ndays = ndays;
	g->nteams = nteams;
	g->cap = cap;
	g->reqs = xcalloc((size_t)nreq, sizeof *g->reqs);
	g->att = xcalloc((size_t)nreq * NATT, sizeof *g->att);
	g->pstart = xcalloc((size_t)nreq, sizeof *g->pstart);
	g->proom = xcalloc((size_t)nreq, sizeof *g->proom);
	gen_setup(g);
	while (g->nreq < nreq && tries++ < 1000 * nreq)
		gen_plant_one(g);
	for (p = 0; p < NPEOPLE + nteams; p++) {
		g->people[p].busy = g->pbusy[p].v;
		g->people[p].nbusy = g->pbusy[p].n;
	}
	for (p = 0; p < nteams; p++) {
		for (d = 0; d < g->ndays; d++)
			g->caps[p][d] = cap;
		g->people[NPEOPLE + p].day_cap = g->caps[p];
	}
	for (k = 0; k < g->nrooms; k++) {
		g->rooms[k].busy = g->rbusy[k].v;
		g->rooms[k].nbusy = g->rbusy[k].n;
	}
	memset(pb, 0, sizeof *pb);
	pb->slot_minutes = 0;	/* cells from the problem, as through the API */
	pb->days = g->days;
	pb->ndays = g->ndays;
	pb->people = g->people;
	pb->npeople = NPEOPLE + nteams;
	pb->rooms = g->rooms;
	pb->nrooms = g->nrooms;
	pb->requests = g->reqs;
	pb->nrequests = g->nreq;
	pb->changeover = CHANGE;
	pb->travel = g->travel;
	pb->nvenues = NVEN;
}

/* What the independent check found. */
struct chk {
	int	 placed, violations, breaks, spread;
	int	 over_cap, max_load;	/* team-days over the cap, most minutes */
	long	 prio, prio_total;
	char	 first[160];
};

/* Record a violation. */
static void
chk_err(struct chk *c, const char *what, int q)
{
	if (c->violations++ == 0)
		snprintf(c->first, sizeof c->first, "%s (request %d)", what, q + 1);
}

/* Check one placed request's own constraints. */
static void
chk_request(const struct gen *g, int q, int s, int k, struct chk *c)
{
	const struct solver_request	*r = &g->reqs[q];
	int				 e = s + r->duration, d;

	if (k < 0 || k >= g->nrooms)
		return chk_err(c, "bad room", q);
	if (s % 5 != 0)
		chk_err(c, "off the 5-minute grid", q);
	if (s < r->earliest || e > r->latest)
		chk_err(c, "outside its window", q);
	d = s / 1440;
	if (s < g->days[d % g->ndays].start || e > g->days[d % g->ndays].end ||
	    d >= g->ndays)
		chk_err(c, "outside day hours", q);
	if (g->rooms[k].capacity < r->capacity)
		chk_err(c, "room too small", q);
}

/* qsort by start. */
static int
chk_cmp(const void *a, const void *b)
{
	const struct solver_interval *x = a, *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

/*
 * Breaks of everybody and their spread: consecutive sessions (not
 * unavailability) of one person on one day further apart than the needed
 * gap rounded up to the 5-minute grid.
 */
static void
chk_breaks(const struct gen *g, struct ivl *mine, struct chk *c)
{
	struct solver_interval	*v;
	int			 p, i, j, b, need, mn = -1, mx = 0;

	for (p = 0; p < NPEOPLE + g->nteams; p++) {
		v = mine[p].v;
		for (i = j = 0; i < mine[p].n; i++)
			if (v[i].venue >= 0)
				v[j++] = v[i];
		mine[p].n = j;
		qsort(v, (size_t)mine[p].n, sizeof *v, chk_cmp);
		for (b = 0, i = 1; i < mine[p].n; i++) {
			if (v[i].start / 1440 != v[i - 1].start / 1440)
				continue;
			need = gen_gap(g->travel, v[i - 1].venue, v[i].venue);
			need = (need + 4) / 5 * 5;
			if (v[i].start - v[i - 1].end > need)
				b++;
		}
		c->breaks += b;
		if (mn < 0 || b < mn)
			mn = b;
		if (b > mx)
			mx = b;
	}
	c->spread = mx - mn;
}

/* Each team's minutes a day in placed meetings against the cap. */
static void
chk_caps(const struct gen *g, const int *start, struct chk *c)
{
	int	 load[MAXTEAMS][NDAYS_MAX], q, i, t, d;

	memset(load, 0, sizeof load);
	for (q = 0; q < g->nreq; q++)
		for (i = 0; start[q] >= 0 && i < g->reqs[q].npeople; i++)
			if ((t = g->reqs[q].people[i] - NPEOPLE) >= 0 &&
			    start[q] / 1440 < g->ndays)
				load[t][start[q] / 1440] += g->reqs[q].duration;
	for (t = 0; t < g->nteams; t++)
		for (d = 0; d < g->ndays; d++) {
			if (load[t][d] > c->max_load)
				c->max_load = load[t][d];
			if (load[t][d] <= g->cap)
				continue;
			c->over_cap++;
			if (c->violations++ == 0)
				snprintf(c->first, sizeof c->first, "interpreter "
				    "team %d over the cap on day %d", t + 1, d + 1);
		}
}

/* Independent check of a full answer (start/room per request, -1 unplaced). */
static void
chk_answer(const struct gen *g, const int *start, const int *room,
    struct chk *c)
{
	struct ivl	 per[NPMAX], rm[NROOMS_MAX];
	int		 q, i, s, k, p;

	memset(c, 0, sizeof *c);
	memset(per, 0, sizeof per);
	memset(rm, 0, sizeof rm);
	for (p = 0; p < NPEOPLE + g->nteams; p++)
		for (i = 0; i < g->pbusy[p].n; i++)
			ivl_add(&per[p], g->pbusy[p].v[i].start,
			    g->pbusy[p].v[i].end, g->pbusy[p].v[i].venue);
	for (k = 0; k < g->nrooms; k++)
		for (i = 0; i < g->rbusy[k].n; i++)
			ivl_add(&rm[k], g->rbusy[k].v[i].start,
			    g->rbusy[k].v[i].end, 0);
	for (q = 0; q < g->nreq; q++) {
		c->prio_total += g->reqs[q].priority;
		if ((s = start[q]) < 0)
			continue;
		k = room[q];
		c->placed++;
		c->prio += g->reqs[q].priority;
		chk_request(g, q, s, k, c);
		if (k < 0 || k >= g->nrooms)
			continue;
		if (!ivl_fits(g->travel, &rm[k], s, s + g->reqs[q].duration, 0, 0))
			chk_err(c, "room double-booked", q);
		ivl_add(&rm[k], s, s + g->reqs[q].duration, 0);
		for (i = 0; i < g->reqs[q].npeople; i++) {
			p = g->reqs[q].people[i];
			if (!ivl_fits(g->travel, &per[p], s,
			    s + g->reqs[q].duration, g->rooms[k].venue, 1))
				chk_err(c, "person clash (with changeover/travel)", q);
			ivl_add(&per[p], s, s + g->reqs[q].duration,
			    g->rooms[k].venue);
		}
	}
	chk_breaks(g, per, c);
	chk_caps(g, start, c);
	for (p = 0; p < NPEOPLE + g->nteams; p++)
		free(per[p].v);
	for (k = 0; k < g->nrooms; k++)
		free(rm[k].v);
}

/* CPU seconds used by this process. */
static double
chk_cpu(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Print one result line. */
static void
chk_print(const char *what, const struct gen *g, const struct chk *c)
{
	printf("%-8s placed %d/%d (%.2f%%), priority %ld/%ld, breaks %d, "
	    "spread %d, violations %d%s%s\n", what, c->placed, g->nreq,
	    100.0 * c->placed / g->nreq, c->prio, c->prio_total, c->breaks,
	    c->spread, c->violations, c->violations ? ": " : "", c->first);
	if (g->nteams > 0)
		printf("%-8s interpreter teams: busiest day %d of %d minutes, "
		    "team-days over the cap %d\n", what, c->max_load, g->cap,
		    c->over_cap);
}

/* Did it pass: no violation, enough placed (99% with teams, else 99.5%). */
static int
chk_pass(const struct gen *g, const struct chk *c)
{
	int	 need = g->nteams > 0 ? 990 : 995;
	int	 ok = c->violations == 0 && c->placed * 1000 >= g->nreq * need;

	if (!ok)
		printf("FAIL\n");
	else if (g->nteams > 0)
		printf("PASS (>= 99%% placed, no clash, no team over the cap)\n");
	else
		printf("PASS (>= 99.5%% placed, no clash)\n");
	return ok;
}

/* Print a list of intervals as JSON: [[start, end, venue], ...]. */
static void
dump_ivl(const struct ivl *l)
{
	int	 i;

	printf("[");
	for (i = 0; i < l->n; i++)
		printf("%s[%d,%d,%d]", i ? "," : "", l->v[i].start, l->v[i].end,
		    l->v[i].venue);
	printf("]");
}

/* -d: the generated conference as one JSON object (minutes from day 0);
 * a request's last member is its interpreter team (-I), or -1. */
static void
dump_gen(const struct gen *g, uint64_t seed)
{
	int	 i;

	printf("{\"seed\":%llu,\"days\":%d,\"day_start\":%d,\"day_end\":%d,"
	    "\"changeover\":%d,\"venues\":%d,\"travel\":[",
	    (unsigned long long)seed, g->ndays, DAY0, DAY1, CHANGE, NVEN);
	for (i = 0; i < NVEN * NVEN; i++)
		printf("%s%d", i ? "," : "", g->travel[i]);
	printf("],\n\"rooms\":[");
	for (i = 0; i < g->nrooms; i++) {
		printf("%s{\"venue\":%d,\"capacity\":%d,\"busy\":", i ? "," : "",
		    g->rooms[i].venue, g->rooms[i].capacity);
		dump_ivl(&g->rbusy[i]);
		printf("}");
	}
	printf("],\n\"people\":[");
	for (i = 0; i < NPEOPLE; i++) {
		printf("%s\n{\"delegation\":%d,\"deputy\":%d,\"busy\":",
		    i ? "," : "", i / 2, i % 2);
		dump_ivl(&g->pbusy[i]);
		printf("}");
	}
	printf("],\n\"teams\":%d,\"cap\":%d,\"requests\":[", g->nteams, g->cap);
	for (i = 0; i < g->nreq; i++)
		printf("%s\n[%d,%d,%d,%d,%d,%d,%d,%d]", i ? "," : "",
		    g->reqs[i].people[0] / 2, g->reqs[i].people[1] / 2,
		    g->reqs[i].people[0] % 2, g->reqs[i].duration,
		    g->reqs[i].earliest, g->reqs[i].latest, g->reqs[i].priority,
		    g->reqs[i].npeople > 2 ? g->reqs[i].people[2] - NPEOPLE : -1);
	printf("]}\n");
}

/* -a FILE: check an answer read back through the API; 0 if it passes. */
static int
check_file(const struct gen *g, const char *path)
{
	struct chk	 c;
	FILE		*f = fopen(path, "r");
	int		*st, *rm, q, s, k, ok;

	if (f == NULL) {
		perror(path);
		return 2;
	}
	st = xcalloc((size_t)g->nreq + 1, sizeof *st);
	rm = xcalloc((size_t)g->nreq + 1, sizeof *rm);
	for (q = 0; q < g->nreq; q++)
		st[q] = rm[q] = -1;
	while (fscanf(f, "%d %d %d", &q, &s, &k) == 3)
		if (q >= 0 && q < g->nreq) {
			st[q] = s;
			rm[q] = k;
		}
	fclose(f);
	chk_answer(g, st, rm, &c);
	chk_print("api", g, &c);
	ok = chk_pass(g, &c);
	free(st);
	free(rm);
	return ok ? 0 : 1;
}

/* Run the solver on the generated problem, check and print; 0 if it passes. */
static int
solve_and_check(const struct gen *g, const struct solver_problem *pb,
    const struct solver_options *opt)
{
	struct solver_answer	 ans;
	struct chk		 c;
	double			 cpu;
	int			 ch, q, *st, *rm, reasons[8] = { 0 };

	cpu = chk_cpu();
	if (solver_solve(pb, opt, &ans) != 0) {
		printf("solver refused the input\n");
		return 1;
	}
	cpu = chk_cpu() - cpu;
	st = xcalloc((size_t)g->nreq, sizeof *st);
	rm = xcalloc((size_t)g->nreq, sizeof *rm);
	for (q = 0; q < g->nreq; q++) {
		st[q] = ans.placements[q].start;
		rm[q] = ans.placements[q].room;
		reasons[ans.placements[q].reason]++;
	}
	chk_answer(g, st, rm, &c);
	chk_print("solver", g, &c);
	printf("solver   %.3f s wall, %.3f s cpu, %ld iterations%s; its own "
	    "stats: placed %d, breaks %d, spread %d, room changes %d\n",
	    ans.stats.elapsed_ms / 1000.0, cpu, ans.stats.iterations, ans.stats.time_limit_hit ?
	    " (budget cut by the clock)" : "", ans.stats.placed,
	    ans.stats.breaks, ans.stats.break_spread, ans.stats.room_changes);
	for (q = 1; q < 6; q++)
		if (reasons[q])
			printf("unplaced: %d %s\n", reasons[q],
			    solver_reason_string((enum solver_reason)q));
	ch = chk_pass(g, &c);
	solver_answer_free(&ans);
	free(st);
	free(rm);
	return ch ? 0 : 1;
}

/* The usage line; 2. */
static int
usage(void)
{
	fprintf(stderr, "usage: plant [-s seed] [-t ms] [-i iterations] "
	    "[-n requests] [-R rooms (3..%d)] [-D days (1..%d)] "
	    "[-I teams (up to %d) [-C cap]] [-d | -a answer]\n",
	    NROOMS_MAX, NDAYS_MAX, MAXTEAMS);
	return 2;
}

int
main(int argc, char **argv)
{
	struct solver_options	 opt = { 2000, 1, 0 };
	struct solver_problem	 pb;
	struct gen		 g;
	struct chk		 c;
	int			 ch, n = 2000, dump = 0, teams = 0, cap = 360;
	int			 nrooms = NROOMS, ndays = NDAYS;
	const char		*answer = NULL;

	while ((ch = getopt(argc, argv, "s:t:i:n:da:I:C:R:D:")) != -1) {
		if (ch == 'd')
			dump = 1;
		else if (ch == 'a')
			answer = optarg;
		else if (ch == 's')
			opt.seed = strtoull(optarg, NULL, 10);
		else if (ch == 't')
			opt.time_limit_ms = atoi(optarg);
		else if (ch == 'i')
			opt.max_iterations = atol(optarg);
		else if (ch == 'n')
			n = atoi(optarg);
		else if (ch == 'I')
			teams = atoi(optarg);
		else if (ch == 'C')
			cap = atoi(optarg);
		else if (ch == 'R')
			nrooms = atoi(optarg);
		else if (ch == 'D')
			ndays = atoi(optarg);
		else
			return usage();
	}
	if (n < 1 || teams < 0 || teams > MAXTEAMS || cap < 1 || nrooms < 3 ||
	    nrooms > NROOMS_MAX || ndays < 1 || ndays > NDAYS_MAX)
		return usage();
	gen_make(&g, opt.seed, n, teams, cap, nrooms, ndays, &pb);
	if (dump) {
		dump_gen(&g, opt.seed);
		gen_free(&g);
		return 0;
	}
	printf("generated: %d delegations, %d people, %d requests, %d rooms "
	    "in 3 venues, %d days, seed %llu\n", NDEL, NPEOPLE, g.nreq, g.nrooms,
	    g.ndays, (unsigned long long)opt.seed);
	if (teams > 0)
		printf("interpreters: %d teams, %d requests need one (%.1f%%), "
		    "cap %d minutes a day\n", teams, g.ninterp,
		    100.0 * g.ninterp / g.nreq, cap);
	chk_answer(&g, g.pstart, g.proom, &c);
	chk_print("planted", &g, &c);
	if (answer != NULL) {
		ch = check_file(&g, answer);
		gen_free(&g);
		return ch;
	}
	ch = solve_and_check(&g, &pb, &opt);
	gen_free(&g);
	return ch;
}
