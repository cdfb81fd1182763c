/*
 * solver-tabu.c — a second grid search for solver-grid.c: a weighted
 * penalty tabu search (breakout style) over start cells of one-cell
 * meetings.
 *
 * The problem on the grid is a list edge-colouring of the request graph
 * (cells are colours, at most nrooms edges per colour) minimising the
 * gaps in every person's row. The search walks through states that may
 * be infeasible: a person may sit in two meetings of one cell and a cell
 * may hold more meetings than rooms. Every such excess, and every break
 * of a person, is a violation with its own weight (a person's breaks,
 * a person's cell, a cell's rooms). Each step picks one violation at
 * random (a person with breaks or a clash, or a crowded cell) and makes
 * the best non-tabu move among those that touch it: relocate one of its
 * meetings to another allowed cell, or swap the cells of two meetings of
 * that person (so only the partners' rows change). When no move lowers
 * the weighted cost, the weights of that violation grow (the search is
 * pushed out of the local minimum). The best clash-free state with the
 * fewest breaks is kept. Deterministic for a seed and an iteration
 * budget (the clock only ever cuts a run short).
 */
#include <limits.h>
#ifdef ST_DEBUG
#include <stdio.h>
#endif
#include <stdlib.h>
#include <string.h>

#include "solver-grid.h"
#include "util.h"

#ifndef ST_WC
#define ST_WC		2	/* starting weight of a clash */
#endif
#ifndef ST_TEN
#define ST_TEN		7	/* tabu tenure: ST_TEN + random(ST_TEN) steps */
#endif
#ifndef ST_DIV
#define ST_DIV		32	/* grid budget units per tabu step */
#endif
#ifndef ST_KB
#define ST_KB		2	/* units per break */
#endif
#ifndef ST_KI
#define ST_KI		1	/* units per idle cell inside a day's span */
#endif
#ifndef ST_DECAY
#define ST_DECAY	20000	/* steps between halvings of the weights */
#endif

struct st {
	struct sg_problem *pb;
	int		 np, nq, H, R;
	unsigned char	*cnt;	/* np x H: meetings of a person in a cell */
	uint64_t	*bits;	/* per person: occupied cells */
	int		*rc;	/* meetings per cell */
	int		*br;	/* break units per person (see st_brk) */
	int		*tb;	/* true breaks per person */
	int		*ncl;	/* clash excess per person */
	int		*cur;	/* current starts */
	int		*pq, *pqo;	/* CSR: placed meetings of each person */
	int		*wb, *wc, *wr;	/* weights: breaks, clashes, rooms */
	long		*tabu;	/* nq x H: step until which q may not enter */
	int		*bad, *badpos, nbad;	/* people with violations */
	long		 B, TB, V, it;
	uint64_t	 day[64], first;
	int		 ndays;
	uint64_t	 rng;
};

/* A candidate move: q to t, or (o >= 0) q and o exchange cells. */
struct st_move {
	int	 q, t, o;
	long	 dw, dv, db;
	int	 ties;
};

/* Uniform integer in [0, n). */
static int
st_randn(struct st *g, int n)
{
	return (int)(sg_rng_next(&g->rng) % (uint64_t)n);
}

/* Breaks of an occupancy mask (runs per day minus one per busy day),
 * times ST_KB, plus the idle cells inside each day's span. */
static int
st_brk(const struct st *g, uint64_t m)
{
	uint64_t	 starts, dm;
	int		 d, b, idle = 0;

	if (m == 0)
		return 0;
	starts = m & ~((m << 1) & ~g->first);
	b = __builtin_popcountll(starts);
	for (d = 0; d < g->ndays; d++) {
		if ((dm = m & g->day[d]) == 0)
			continue;
		b--;
		idle += 64 - __builtin_clzll(dm) - __builtin_ctzll(dm) -
		    __builtin_popcountll(dm);
	}
	return ST_KB * b + ST_KI * idle;
}

/* True breaks of an occupancy mask. */
static int
st_breaks(const struct st *g, uint64_t m)
{
	uint64_t	 starts;
	int		 d, b;

	if (m == 0)
		return 0;
	starts = m & ~((m << 1) & ~g->first);
	b = __builtin_popcountll(starts);
	for (d = 0; d < g->ndays; d++)
		b -= (m & g->day[d]) != 0;
	return b;
}

/* Keep p in the set of people with violations iff it has one. */
static void
st_mark(struct st *g, int p)
{
	int	 isbad = g->br[p] > 0 || g->ncl[p] > 0, i;

	if (isbad && g->badpos[p] < 0) {
		g->badpos[p] = g->nbad;
		g->bad[g->nbad++] = p;
	} else if (!isbad && (i = g->badpos[p]) >= 0) {
		g->bad[i] = g->bad[--g->nbad];
		g->badpos[g->bad[i]] = i;
		g->badpos[p] = -1;
	}
}

/* Add (delta 1) or remove (delta -1) q at cell s; breaks refreshed. */
static void
st_occ(struct st *g, int q, int s, int delta)
{
	const struct sg_req	*r = &g->pb->rq[q];
	unsigned char		*o;
	int			 i, a, nb;

	if (delta > 0)
		g->V += g->rc[s]++ >= g->R;
	else
		g->V -= --g->rc[s] >= g->R;
	for (i = 0; i < r->npeople; i++) {
		a = r->people[i];
		o = g->cnt + (size_t)a * g->H;
		if (delta > 0) {
			g->ncl[a] += o[s]++ >= 1;
			g->V += o[s] >= 2;
		} else {
			g->ncl[a] -= --o[s] >= 1;
			g->V -= o[s] >= 1;
		}
		if (o[s])
			g->bits[a] |= 1ULL << s;
		else
			g->bits[a] &= ~(1ULL << s);
		nb = st_brk(g, g->bits[a]);
		g->B += nb - g->br[a];
		g->br[a] = nb;
		nb = st_breaks(g, g->bits[a]);
		g->TB += nb - g->tb[a];
		g->tb[a] = nb;
		st_mark(g, a);
	}
}

/* Move q to cell t. */
static void
st_shift(struct st *g, int q, int t)
{
	st_occ(g, q, g->cur[q], -1);
	g->cur[q] = t;
	st_occ(g, q, t, 1);
}

/* Weighted change for person a if one of their meetings goes s -> t. */
static long
st_pdelta(const struct st *g, int a, int s, int t, long *dv, long *db)
{
	const unsigned char	*o = g->cnt + (size_t)a * g->H;
	const int		*w = g->wc + (size_t)a * g->H;
	uint64_t		 m = g->bits[a];
	long			 dw = 0;
	int			 d;

	if (o[s] >= 2) {
		dw -= w[s];
		(*dv)--;
	} else
		m &= ~(1ULL << s);
	if (o[t] >= 1) {
		dw += w[t];
		(*dv)++;
	}
	m |= 1ULL << t;
	d = st_brk(g, m) - g->br[a];
	*db += d;
	return dw + (long)g->wb[a] * d;
}

/* Weighted change if q moves to t. */
static long
st_reloc(const struct st *g, int q, int t, long *dv, long *db)
{
	const struct sg_req	*r = &g->pb->rq[q];
	int			 s = g->cur[q], i;
	long			 dw = 0;

	*dv = *db = 0;
	for (i = 0; i < r->npeople; i++)
		dw += st_pdelta(g, r->people[i], s, t, dv, db);
	if (g->rc[s] > g->R) {
		dw -= g->wr[s];
		(*dv)--;
	}
	if (g->rc[t] >= g->R) {
		dw += g->wr[t];
		(*dv)++;
	}
	return dw;
}

/* Is person a one of r's? */
static int
st_has(const struct sg_req *r, int a)
{
	int	 i;

	for (i = 0; i < r->npeople; i++)
		if (r->people[i] == a)
			return 1;
	return 0;
}

/* Weighted change if q and o exchange cells (people of both unchanged). */
static long
st_swap(const struct st *g, int q, int o, long *dv, long *db)
{
	const struct sg_req	*r = &g->pb->rq[q], *u = &g->pb->rq[o];
	int			 s = g->cur[q], t = g->cur[o], i;
	long			 dw = 0;

	*dv = *db = 0;
	for (i = 0; i < r->npeople; i++)
		if (!st_has(u, r->people[i]))
			dw += st_pdelta(g, r->people[i], s, t, dv, db);
	for (i = 0; i < u->npeople; i++)
		if (!st_has(r, u->people[i]))
			dw += st_pdelta(g, u->people[i], t, s, dv, db);
	return dw;
}

/* Is s one of r's allowed starts? (binary search) */
static int
st_allowed(const struct sg_req *r, int s)
{
	int	 lo = 0, hi = r->nstarts - 1, mid;

	while (lo <= hi) {
		mid = (lo + hi) / 2;
		if (r->starts[mid] == s)
			return 1;
		if (r->starts[mid] < s)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return 0;
}

/* Offer a candidate to the best-so-far (ties broken at random). */
static void
st_offer(struct st *g, struct st_move *b, const struct st_move *c,
    int tabu, long best)
{
	if (tabu && !(g->V + c->dv == 0 && g->B + c->db < best))
		return;
	if (b->q >= 0 && c->dw > b->dw)
		return;
	if (b->q >= 0 && c->dw == b->dw) {
		if (st_randn(g, ++b->ties) != 0)
			return;
	} else
		b->ties = 1;
	b->q = c->q;
	b->t = c->t;
	b->o = c->o;
	b->dw = c->dw;
	b->dv = c->dv;
	b->db = c->db;
}

/* Offer every relocation of q. */
static void
st_relocs(struct st *g, int q, struct st_move *b, long best)
{
	const struct sg_req	*r = &g->pb->rq[q];
	struct st_move		 c;
	int			 i;

	c.q = q;
	c.o = -1;
	for (i = 0; i < r->nstarts; i++) {
		c.t = r->starts[i];
		if (c.t == g->cur[q])
			continue;
		c.dw = st_reloc(g, q, c.t, &c.dv, &c.db);
		st_offer(g, b, &c, g->tabu[(size_t)q * g->H + c.t] > g->it,
		    best);
	}
}

/* Offer every swap of q with another meeting of person p. */
static void
st_swaps(struct st *g, int p, int q, struct st_move *b, long best)
{
	struct st_move	 c;
	int		 j, o;

	c.q = q;
	for (j = g->pqo[p]; j < g->pqo[p + 1]; j++) {
		o = g->pq[j];
		if (o <= q || !g->pb->rq[o].movable || g->cur[o] == g->cur[q] ||
		    !st_allowed(&g->pb->rq[q], g->cur[o]) ||
		    !st_allowed(&g->pb->rq[o], g->cur[q]))
			continue;
		c.o = o;
		c.t = g->cur[o];
		c.dw = st_swap(g, q, o, &c.dv, &c.db);
		st_offer(g, b, &c,
		    g->tabu[(size_t)q * g->H + c.t] > g->it ||
		    g->tabu[(size_t)o * g->H + g->cur[q]] > g->it, best);
	}
}

/* Raise the weights of person p's violations. */
static void
st_bump_person(struct st *g, int p)
{
	const unsigned char	*o = g->cnt + (size_t)p * g->H;
	int			 c;

	if (g->br[p] > 0)
		g->wb[p]++;
	if (g->ncl[p] == 0)
		return;
	for (c = 0; c < g->H; c++)
		if (o[c] >= 2)
			g->wc[(size_t)p * g->H + c]++;
}

/* Halve every weight (keeping at least the starting ones). */
static void
st_decay(struct st *g)
{
	size_t	 i;

	for (i = 0; i < (size_t)g->np; i++)
		g->wb[i] = g->wb[i] / 2 > 1 ? g->wb[i] / 2 : 1;
	for (i = 0; i < (size_t)g->np * g->H; i++)
		g->wc[i] = g->wc[i] / 2 > ST_WC ? g->wc[i] / 2 : ST_WC;
	for (i = 0; i < (size_t)g->H; i++)
		g->wr[i] = g->wr[i] / 2 > ST_WC ? g->wr[i] / 2 : ST_WC;
}

/* Best move touching person p's violations. */
static void
st_moves_person(struct st *g, int p, struct st_move *b, long best)
{
	int	 j, q;

	for (j = g->pqo[p]; j < g->pqo[p + 1]; j++) {
		q = g->pq[j];
		if (!g->pb->rq[q].movable)
			continue;
		st_relocs(g, q, b, best);
		st_swaps(g, p, q, b, best);
	}
}

/* Best move out of crowded cell c. */
static void
st_moves_cell(struct st *g, int c, struct st_move *b, long best)
{
	int	 q;

	for (q = 0; q < g->nq; q++)
		if (g->cur[q] == c && g->pb->rq[q].movable)
			st_relocs(g, q, b, best);
}

/* The k-th crowded cell. */
static int
st_crowded(const struct st *g, int k)
{
	int	 c;

	for (c = 0; c < g->H; c++)
		if (g->rc[c] > g->R && k-- == 0)
			return c;
	return -1;
}

/* One step: pick a violation, make the best move on it; 0 if none. */
static int
st_step(struct st *g, long best)
{
	struct st_move	 b;
	int		 ncrowd = 0, c, k, s;

	for (c = 0; c < g->H; c++)
		ncrowd += g->rc[c] > g->R;
	if (g->nbad + ncrowd == 0)
		return 0;
	b.q = -1;
	b.ties = 0;
	k = st_randn(g, g->nbad + ncrowd);
	if (k < g->nbad)
		st_moves_person(g, g->bad[k], &b, best);
	else
		st_moves_cell(g, c = st_crowded(g, k - g->nbad), &b, best);
	if (b.q < 0 || b.dw >= 0) {
		if (k < g->nbad)
			st_bump_person(g, g->bad[k]);
		else
			g->wr[c]++;
	}
	if (b.q < 0)
		return 1;
	s = g->cur[b.q];
	g->tabu[(size_t)b.q * g->H + s] = g->it + ST_TEN + st_randn(g, ST_TEN);
	if (b.o >= 0) {
		g->tabu[(size_t)b.o * g->H + b.t] = g->tabu[(size_t)b.q *
		    g->H + s];
		st_shift(g, b.o, s);
	}
	st_shift(g, b.q, b.t);
	return 1;
}

/* Masks of the days' cells and of each day's first cell. */
static void
st_days(struct st *g)
{
	int	 c, d;

	for (c = 0; c < g->H; c++) {
		if ((d = g->pb->dayof[c]) < 0 || d >= 64)
			continue;
		if (d >= g->ndays)
			g->ndays = d + 1;
		if (g->day[d] == 0)
			g->first |= 1ULL << c;
		g->day[d] |= 1ULL << c;
	}
}

/* The person -> placed meetings index. */
static void
st_index(struct st *g)
{
	const struct sg_problem	*pb = g->pb;
	int			 q, i, p;

	g->pqo = xcalloc((size_t)g->np + 2, sizeof *g->pqo);
	for (q = 0; q < g->nq; q++)
		for (i = 0; pb->slot[q] >= 0 && i < pb->rq[q].npeople; i++)
			g->pqo[pb->rq[q].people[i] + 2]++;
	for (p = 0; p < g->np; p++)
		g->pqo[p + 2] += g->pqo[p + 1];
	g->pq = xcalloc((size_t)g->pqo[g->np + 1] + 1, sizeof *g->pq);
	for (q = 0; q < g->nq; q++)
		for (i = 0; pb->slot[q] >= 0 && i < pb->rq[q].npeople; i++)
			g->pq[g->pqo[pb->rq[q].people[i] + 1]++] = q;
}

/* Build the state from pb->slot. */
static void
st_init(struct st *g, struct sg_problem *pb)
{
	size_t	 i, nc = (size_t)pb->np * pb->H;
	int	 q;

	memset(g, 0, sizeof *g);
	g->pb = pb;
	g->np = pb->np;
	g->nq = pb->nq;
	g->H = pb->H;
	g->R = pb->nrooms;
	g->rng = pb->seed ^ 0x746162752d736561ULL;
	st_days(g);
	g->cnt = xcalloc(nc + 1, 1);
	g->wc = xcalloc(nc + 1, sizeof *g->wc);
	for (i = 0; i < nc; i++)
		g->wc[i] = ST_WC;
	g->tabu = xcalloc((size_t)pb->nq * pb->H + 1, sizeof *g->tabu);
	g->bits = xcalloc((size_t)pb->np + 1, sizeof *g->bits);
	g->br = xcalloc((size_t)pb->np + 1, sizeof *g->br);
	g->tb = xcalloc((size_t)pb->np + 1, sizeof *g->tb);
	g->ncl = xcalloc((size_t)pb->np + 1, sizeof *g->ncl);
	g->wb = xcalloc((size_t)pb->np + 1, sizeof *g->wb);
	g->bad = xcalloc((size_t)pb->np + 1, sizeof *g->bad);
	g->badpos = xcalloc((size_t)pb->np + 1, sizeof *g->badpos);
	for (i = 0; i < (size_t)pb->np; i++) {
		g->wb[i] = 1;
		g->badpos[i] = -1;
	}
	g->rc = xcalloc((size_t)pb->H + 1, sizeof *g->rc);
	g->wr = xcalloc((size_t)pb->H + 1, sizeof *g->wr);
	for (i = 0; i < (size_t)pb->H; i++)
		g->wr[i] = ST_WC;
	g->cur = xcalloc((size_t)pb->nq + 1, sizeof *g->cur);
	for (q = 0; q < pb->nq; q++)
		if ((g->cur[q] = pb->slot[q]) >= 0)
			st_occ(g, q, g->cur[q], 1);
	st_index(g);
}

/* Free the state. */
static void
st_free(struct st *g)
{
	free(g->cnt);
	free(g->wc);
	free(g->tabu);
	free(g->bits);
	free(g->br);
	free(g->tb);
	free(g->ncl);
	free(g->wb);
	free(g->bad);
	free(g->badpos);
	free(g->rc);
	free(g->wr);
	free(g->cur);
	free(g->pqo);
	free(g->pq);
}

/* Can this search take the problem? (one-cell meetings, H <= 64) */
int
st_applies(const struct sg_problem *pb)
{
	int	 q;

	if (pb->H > 64 || pb->H <= 0)
		return 0;
	for (q = 0; q < pb->nq; q++)
		if (pb->slot[q] >= 0 && pb->rq[q].d != 1)
			return 0;
	return 1;
}

/* Tabu search (see the top of the file); slot ends as the best state. */
long
st_solve(struct sg_problem *pb)
{
	struct st	 g;
	long		 total = pb->iters / ST_DIV + 1, best, bestu;

	if (!st_applies(pb))
		return sg_solve(pb);
	st_init(&g, pb);
	best = g.V == 0 ? g.TB : LONG_MAX;
	bestu = g.V == 0 ? g.B : LONG_MAX;
#ifdef ST_DEBUG
	fprintf(stderr, "st start B %ld V %ld budget %ld\n", g.TB, g.V, total);
#endif
	for (g.it = 0; g.it < total && best > 0; g.it++) {
		if ((g.it & 255) == 0 && sg_now_ms() > pb->deadline) {
			pb->hit = 1;
			break;
		}
		if (g.it > 0 && g.it % ST_DECAY == 0)
			st_decay(&g);
		if (!st_step(&g, bestu))
			break;
#ifdef ST_DEBUG
		if (g.it % 2000 == 0)
			fprintf(stderr, "st %ld B %ld V %ld bad %d best %ld "
			    "%.0f ms\n", g.it, g.TB, g.V, g.nbad, best,
			    sg_now_ms());
#endif
		if (g.V != 0 || g.TB > best || (g.TB == best && g.B >= bestu))
			continue;
		best = g.TB;
		bestu = g.B;
		memcpy(pb->slot, g.cur, (size_t)pb->nq * sizeof *g.cur);
	}
	pb->done = g.it * ST_DIV;
	st_free(&g);
	return best;
}
