/*
 * solver-tabu.c — the grid search that sg_solve_pair (solver-grid.c) runs
 * on both threads: tabu search over Kempe chains, for one-cell meetings.
 *
 * On the grid the problem is a list edge-colouring of the request graph
 * (cells are colours, at most nrooms edges per colour) minimising the
 * gaps in every person's row. The meetings in two cells s and t form
 * paths and even cycles (each person has at most one meeting per cell);
 * exchanging s and t along one such component (a Kempe chain) keeps
 * every person clash-free, so the search only ever visits person-feasible
 * states. Room excess is allowed but penalised with a weight that rises
 * while it persists. Cost = ST_KB per break + ST_KI per idle cell inside
 * a person's day, over all people, + weight * room excess.
 *
 * Each step takes a person with breaks, evaluates every chain that moves
 * one of their meetings to another allowed cell, and makes the best one
 * that is not tabu (a member going back to a cell it left recently),
 * unless it beats the best state (aspiration); a crowded cell is repaired
 * the same way. The best room-feasible state is kept: spread of breaks
 * between people <= ST_SPREAD first, then fewest breaks, then cost.
 * Deterministic for a seed and an iteration budget; the clock only ever
 * cuts a run short. Meetings longer than one cell, or a start that is not
 * clash-free, go to the annealing of solver-grid.c instead.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "solver-grid.h"
#include "../util.h"

#ifndef ST_KB
#define ST_KB		16	/* cost units per break */
#endif
#ifndef ST_KI
#define ST_KI		1	/* cost units per idle cell inside a day */
#endif
#ifndef ST_WR
#define ST_WR		8	/* starting weight of one room excess */
#endif
#ifndef ST_TEN
#define ST_TEN		3	/* tabu tenure: ST_TEN + random(ST_TEN) steps */
#endif
#ifndef ST_DIV
#define ST_DIV		32	/* grid budget units per tabu step */
#endif
#ifndef ST_SPREAD
#define ST_SPREAD	2	/* largest fair spread of breaks */
#endif
#ifndef ST_MAXCH
#define ST_MAXCH	128	/* longest chain tried */
#endif

struct st {
	struct sg_problem *pb;
	int		 np, nq, H, R;
	int		*at;	/* np x H: a person's meeting in a cell, or -1 */
	uint64_t	*bits;	/* np x W: a person's occupied cells */
	uint64_t	*allow;	/* nq x W: allowed cells (none if fixed) */
	int		*rc;	/* meetings per cell (that take a room) */
	int		*pc;	/* cost units per person (see st_dcost) */
	int		*tb;	/* breaks per person */
	int		*dc, *db;	/* np x days: cost units, breaks of a day */
	int		*cur;	/* current starts */
	int		*pq, *pqo;	/* CSR: placed meetings of each person */
	long		*tabu;	/* nq x H: step until which q may not enter */
	int		*bad, *badpos, nbad;	/* people with breaks */
	int		*seen;	/* per person: stamp of the last chain */
	int		*mseen;	/* per meeting: stamp of the last chain */
	long		 stamp;
	long		 C, TB, X, it;	/* cost units, breaks, room excess */
	long		 wr;	/* weight of a room excess */
	struct sg_days	 dd;
	uint64_t	 rng;
};

/* A chain: members, where they go, and what it changes. */
struct st_chain {
	int	 m[ST_MAXCH], n, s, t;
	long	 dc, du, db, dx;	/* weighted, unweighted, breaks, rooms */
};

/* Uniform integer in [0, n). */
static int
st_randn(struct st *g, int n)
{
	return (int)(sg_rng_next(&g->rng) % (uint64_t)n);
}

/* Cost units of a row on day d (breaks and idle cells); breaks in *b. */
static int
st_dcost(const struct st *g, const uint64_t *row, int d, int *b)
{
	int	 idle;

	*b = sg_day_breaks(&g->dd, row, d, &idle);
	return ST_KB * *b + ST_KI * idle;
}

/* Person a's row. */
static uint64_t *
st_row(const struct st *g, int a)
{
	return g->bits + (size_t)a * g->dd.W;
}

/* Keep p in the set of people with breaks iff they have one. */
static void
st_mark(struct st *g, int p)
{
	int	 i;

	if (g->tb[p] > 0 && g->badpos[p] < 0) {
		g->badpos[p] = g->nbad;
		g->bad[g->nbad++] = p;
	} else if (g->tb[p] == 0 && (i = g->badpos[p]) >= 0) {
		g->bad[i] = g->bad[--g->nbad];
		g->badpos[g->bad[i]] = i;
		g->badpos[p] = -1;
	}
}

/* Recompute person a's cost and breaks on day d into the totals. */
static void
st_refresh(struct st *g, int a, int d)
{
	size_t	 k = (size_t)a * g->dd.n + d;
	int	 v, b;

	if (d < 0)
		return;
	v = st_dcost(g, st_row(g, a), d, &b);
	g->C += v - g->dc[k];
	g->pc[a] += v - g->dc[k];
	g->dc[k] = v;
	g->TB += b - g->db[k];
	g->tb[a] += b - g->db[k];
	g->db[k] = b;
	st_mark(g, a);
}

/* Add (delta 1) or remove (delta -1) q at cell s (no refresh). */
static void
st_occ(struct st *g, int q, int s, int delta)
{
	const struct sg_req	*r = &g->pb->rq[q];
	int			 i, a;

	if (r->noroom)
		;
	else if (delta > 0)
		g->X += g->rc[s]++ >= g->R;
	else
		g->X -= --g->rc[s] >= g->R;
	for (i = 0; i < r->npeople; i++) {
		a = r->people[i];
		g->at[(size_t)a * g->H + s] = delta > 0 ? q : -1;
		if (delta > 0)
			SG_SET(st_row(g, a), s);
		else
			SG_CLR(st_row(g, a), s);
	}
}

/* Grow the Kempe chain of q between its cell and t; 0 if it cannot move. */
static int
st_grow(struct st *g, int q, int t, struct st_chain *c)
{
	const struct sg_req	*r;
	int			 i, j, a, y, x;

	c->n = 1;
	c->m[0] = q;
	c->s = g->cur[q];
	c->t = t;
	g->mseen[q] = (int)++g->stamp;
	for (i = 0; i < c->n; i++) {
		r = &g->pb->rq[c->m[i]];
		x = g->cur[c->m[i]] == c->s ? c->t : c->s;
		if (!SG_BIT(g->allow + (size_t)c->m[i] * g->dd.W, x))
			return 0;
		for (j = 0; j < r->npeople; j++) {
			a = r->people[j];
			y = g->at[(size_t)a * g->H + x];
			if (y < 0 || g->mseen[y] == g->stamp)
				continue;
			if (c->n == ST_MAXCH)
				return 0;
			g->mseen[y] = (int)g->stamp;
			c->m[c->n++] = y;
		}
	}
	return 1;
}

/*
 * Cost and breaks change of person a's row when cells s and t swap: only
 * the days of s and t change (the row is swapped and put back).
 */
static void
st_swap_delta(struct st *g, int a, int s, int t, int *dv, int *dbr)
{
	uint64_t	*row = st_row(g, a);
	size_t		 k = (size_t)a * g->dd.n;
	int		 ds = g->pb->dayof[s], dt = g->pb->dayof[t], b;

	*dv = *dbr = 0;
	if (SG_BIT(row, s) == SG_BIT(row, t))
		return;
	SG_FLIP(row, s);
	SG_FLIP(row, t);
	if (ds >= 0) {
		*dv += st_dcost(g, row, ds, &b) - g->dc[k + ds];
		*dbr += b - g->db[k + ds];
	}
	if (dt >= 0 && dt != ds) {
		*dv += st_dcost(g, row, dt, &b) - g->dc[k + dt];
		*dbr += b - g->db[k + dt];
	}
	SG_FLIP(row, s);
	SG_FLIP(row, t);
}

/* Cost change of chain c (people's rows swap cells s and t). */
static void
st_eval(struct st *g, struct st_chain *c)
{
	const struct sg_req	*r;
	int			 i, j, a, ns = 0, rs, rt, v, b;

	c->dc = c->du = c->db = 0;
	g->stamp++;
	for (i = 0; i < c->n; i++) {
		r = &g->pb->rq[c->m[i]];
		ns += g->cur[c->m[i]] == c->s;
		for (j = 0; j < r->npeople; j++) {
			a = r->people[j];
			if (g->seen[a] == g->stamp)
				continue;
			g->seen[a] = (int)g->stamp;
			st_swap_delta(g, a, c->s, c->t, &v, &b);
			c->du += v;
			c->dc += v;
			c->db += b;
		}
	}
	rs = g->rc[c->s] - ns + (c->n - ns);
	rt = g->rc[c->t] + ns - (c->n - ns);
	c->dx = (rs > g->R ? rs - g->R : 0) + (rt > g->R ? rt - g->R : 0) -
	    (g->rc[c->s] > g->R ? g->rc[c->s] - g->R : 0) -
	    (g->rc[c->t] > g->R ? g->rc[c->t] - g->R : 0);
	c->dc += g->wr * c->dx;
}

/* Apply chain c; the members may not come back for a while. */
static void
st_apply(struct st *g, const struct st_chain *c)
{
	const struct sg_req	*r;
	int			 i, j, q, to[ST_MAXCH];

	for (i = 0; i < c->n; i++) {
		q = c->m[i];
		to[i] = g->cur[q] == c->s ? c->t : c->s;
		g->tabu[(size_t)q * g->H + g->cur[q]] = g->it + ST_TEN +
		    st_randn(g, ST_TEN);
		st_occ(g, q, g->cur[q], -1);
	}
	for (i = 0; i < c->n; i++) {
		g->cur[c->m[i]] = to[i];
		st_occ(g, c->m[i], to[i], 1);
	}
	for (i = 0; i < c->n; i++) {
		r = &g->pb->rq[c->m[i]];
		for (j = 0; j < r->npeople; j++) {
			st_refresh(g, r->people[j], g->pb->dayof[c->s]);
			if (g->pb->dayof[c->t] != g->pb->dayof[c->s])
				st_refresh(g, r->people[j], g->pb->dayof[c->t]);
		}
	}
}

/* Best so far: breaks and cost of the best room-feasible state. */
struct st_best {
	long	 b, c;
	int	 f;	/* spread of breaks over ST_SPREAD */
};

/* Is chain c tabu (a member would enter a cell it left lately)? */
static int
st_tabu(const struct st *g, const struct st_chain *c)
{
	int	 i, q, x;

	for (i = 0; i < c->n; i++) {
		q = c->m[i];
		x = g->cur[q] == c->s ? c->t : c->s;
		if (g->tabu[(size_t)q * g->H + x] > g->it)
			return 1;
	}
	return 0;
}

/* Would chain c give a state better than the best? */
static int
st_aspire(const struct st *g, const struct st_chain *c,
    const struct st_best *best)
{
	if (g->X + c->dx != 0)
		return 0;
	return g->TB + c->db < best->b ||
	    (g->TB + c->db == best->b && g->C + c->du <
	    best->c);
}

/* Offer every chain moving q (a meeting of p, or p < 0) into *b. */
static void
st_scan(struct st *g, int q, int p, struct st_chain *b, int *ties,
    const struct st_best *best)
{
	const struct sg_req	*r = &g->pb->rq[q];
	struct st_chain		 c;
	int			 i, t;

	for (i = 0; i < r->nstarts; i++) {
		t = r->starts[i];
		if (t == g->cur[q] || (p >= 0 && t < g->cur[q] &&
		    g->at[(size_t)p * g->H + t] >= 0) || !st_grow(g, q, t, &c))
			continue;
		st_eval(g, &c);
		if (*ties > 0 && c.dc > b->dc)
			continue;
		if (st_tabu(g, &c) && !st_aspire(g, &c, best))
			continue;
		if (*ties > 0 && c.dc == b->dc && st_randn(g, ++*ties) != 0)
			continue;
		if (*ties == 0 || c.dc < b->dc)
			*ties = 1;
		b->m[0] = c.m[0];
		b->t = c.t;
		b->dc = c.dc;
	}
}

/* The k-th cell holding more meetings than rooms. */
static int
st_crowded(const struct st *g, int k)
{
	int	 c;

	for (c = 0; c < g->H; c++)
		if (g->rc[c] > g->R && k-- == 0)
			return c;
	return -1;
}

/*
 * One step on a person with breaks or a crowded cell: the best allowed
 * chain moving one of its meetings; 0 if there is nothing to repair.
 */
static int
st_step(struct st *g, const struct st_best *best)
{
	struct st_chain	 b;
	int		 k, c, j, q, p, ties = 0, ncrowd = 0;

	b.dc = 0;
	for (c = 0; g->X > 0 && c < g->H; c++)
		ncrowd += g->rc[c] > g->R;
	if (g->nbad + ncrowd == 0)
		return 0;
	k = st_randn(g, g->nbad + ncrowd);
	if (k < g->nbad) {
		p = g->bad[k];
		for (j = g->pqo[p]; j < g->pqo[p + 1]; j++)
			if (g->pb->rq[q = g->pq[j]].movable)
				st_scan(g, q, p, &b, &ties, best);
	} else {
		c = st_crowded(g, k - g->nbad);
		for (q = 0; q < g->nq; q++)
			if (g->cur[q] == c && g->pb->rq[q].movable)
				st_scan(g, q, -1, &b, &ties, best);
	}
	if (ties > 0 && st_grow(g, b.m[0], b.t, &b))
		st_apply(g, &b);
	return 1;
}

/* Build the state from pb->slot (which must be clash-free). */
static void
st_init(struct st *g, struct sg_problem *pb)
{
	size_t	 i, nc = (size_t)pb->np * pb->H;
	int	 q, p, d;

	memset(g, 0, sizeof *g);
	g->pb = pb;
	g->np = pb->np;
	g->nq = pb->nq;
	g->H = pb->H;
	g->R = pb->nrooms;
	g->wr = ST_WR;
	g->rng = pb->seed ^ 0x746162752d736561ULL;
	sg_days_init(pb, &g->dd);
	g->at = xcalloc(nc + 1, sizeof *g->at);
	for (i = 0; i < nc; i++)
		g->at[i] = -1;
	g->tabu = xcalloc((size_t)pb->nq * pb->H + 1, sizeof *g->tabu);
	g->bits = xcalloc((size_t)pb->np * g->dd.W + 1, sizeof *g->bits);
	g->dc = xcalloc((size_t)pb->np * g->dd.n + 1, sizeof *g->dc);
	g->db = xcalloc((size_t)pb->np * g->dd.n + 1, sizeof *g->db);
	g->pc = xcalloc((size_t)pb->np + 1, sizeof *g->pc);
	g->tb = xcalloc((size_t)pb->np + 1, sizeof *g->tb);
	g->seen = xcalloc((size_t)pb->np + 1, sizeof *g->seen);
	g->mseen = xcalloc((size_t)pb->nq + 1, sizeof *g->mseen);
	g->bad = xcalloc((size_t)pb->np + 1, sizeof *g->bad);
	g->badpos = xcalloc((size_t)pb->np + 1, sizeof *g->badpos);
	for (p = 0; p < pb->np; p++)
		g->badpos[p] = -1;
	g->rc = xcalloc((size_t)pb->H + 1, sizeof *g->rc);
	g->cur = xcalloc((size_t)pb->nq + 1, sizeof *g->cur);
	g->allow = xcalloc((size_t)pb->nq * g->dd.W + 1, sizeof *g->allow);
	for (q = 0; q < pb->nq; q++)
		for (i = 0; pb->rq[q].movable &&
		    i < (size_t)pb->rq[q].nstarts; i++)
			SG_SET(g->allow + (size_t)q * g->dd.W,
			    pb->rq[q].starts[i]);
	for (q = 0; q < pb->nq; q++)
		if ((g->cur[q] = pb->slot[q]) >= 0)
			st_occ(g, q, g->cur[q], 1);
	for (p = 0; p < pb->np; p++)
		for (d = 0; d < g->dd.n; d++)
			st_refresh(g, p, d);
	sg_person_index(pb, &g->pqo, &g->pq);
}

/* Free the state. */
static void
st_free(struct st *g)
{
	free(g->at);
	free(g->tabu);
	free(g->bits);
	free(g->dc);
	free(g->db);
	sg_days_free(&g->dd);
	free(g->pc);
	free(g->tb);
	free(g->seen);
	free(g->mseen);
	free(g->bad);
	free(g->badpos);
	free(g->rc);
	free(g->cur);
	free(g->allow);
	free(g->pqo);
	free(g->pq);
}

/* Can this search take the problem? (one-cell meetings, clash-free) */
int
st_applies(const struct sg_problem *pb)
{
	unsigned char	*o;
	int		 q, i, ok = pb->H > 0;
	size_t		 k;

	if (!ok)
		return 0;
	o = xcalloc((size_t)pb->np * pb->H + 1, 1);
	for (q = 0; q < pb->nq && ok; q++) {
		if (pb->slot[q] < 0)
			continue;
		if (pb->rq[q].d != 1)
			ok = 0;
		for (i = 0; ok && i < pb->rq[q].npeople; i++) {
			k = (size_t)pb->rq[q].people[i] * pb->H + pb->slot[q];
			ok = o[k]++ == 0;
		}
	}
	free(o);
	return ok;
}

/* Adapt the room weight: up while rooms overflow, back down without. */
static void
st_weight(struct st *g)
{
	if (g->X > 0 && g->wr < 64 * ST_KB)
		g->wr++;
	else if (g->X == 0 && g->wr > ST_WR)
		g->wr--;
}

/* Is anyone's breaks more than ST_SPREAD above someone else's? */
static int
st_unfair(const struct st *g)
{
	int	 p, mn = INT_MAX, mx = 0;

	for (p = 0; p < g->np; p++) {
		if (g->pqo[p + 1] == g->pqo[p])
			continue;
		mn = g->tb[p] < mn ? g->tb[p] : mn;
		mx = g->tb[p] > mx ? g->tb[p] : mx;
	}
	return mx - mn > ST_SPREAD;
}

/* Is the state room-feasible and better than *best (fair first, then
 * fewer breaks, then lower cost)? If so it becomes the best. */
static int
st_better(const struct st *g, struct st_best *best)
{
	int	 f;

	if (g->X != 0 || (g->TB > best->b && !best->f))
		return 0;
	f = st_unfair(g);
	if (f > best->f || (f == best->f && (g->TB > best->b ||
	    (g->TB == best->b && g->C >= best->c))))
		return 0;
	best->b = g->TB;
	best->c = g->C;
	best->f = f;
	memcpy(g->pb->slot, g->cur, (size_t)g->nq * sizeof *g->cur);
	return 1;
}

/* Tabu search (see the top of the file); slot ends as the best state. */
long
st_solve(struct sg_problem *pb)
{
	struct st	 g;
	struct st_best	 best;
	long		 total = pb->iters / ST_DIV + 1;

	if (!st_applies(pb))
		return sg_solve(pb);
	st_init(&g, pb);
	best.b = best.c = LONG_MAX;
	best.f = 1;
	st_better(&g, &best);
	for (g.it = 0; g.it < total && best.b > 0; g.it++) {
		if ((g.it & 31) == 0 && sg_now_ms() > pb->deadline) {
			pb->hit = 1;
			break;
		}
		if ((g.it & 255) == 0)
			st_weight(&g);
		if (!st_step(&g, &best))
			break;
		st_better(&g, &best);
	}
	pb->done = g.it * ST_DIV;
	st_free(&g);
	return best.b;
}
