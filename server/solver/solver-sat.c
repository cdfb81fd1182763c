/*
 * solver-sat.c — the exact half of the grid search: the one-cell grid
 * problem (see solver-grid.h) as a SAT formula for CaDiCaL, asked for a
 * clash-free placement with at most 0, 1, 2, ... breaks until one comes
 * in below what a short tabu search found, or the clock or the budget
 * runs out. sg_solve_pair (solver-grid.c) runs ss_solve on its second
 * thread beside the tabu search of the first.
 *
 * Variables: x(q,c) "meeting q is in cell c" for each allowed cell of a
 * movable meeting; o(p,c) "person p is busy in c" (o <-> OR of p's x in
 * c; fixed meetings are constants); e(p,c) "p was busy earlier that day";
 * b(p,c) "a break ends in c" (o(c) & !o(c-1) & e(c-2) -> b(c)), exactly
 * the checker's idle gaps between two meetings of one person on a day;
 * h(p) "p has a break". Constraints: one cell per meeting, at most one
 * meeting per person and cell, at most nrooms per cell, at most SS_SPREAD
 * breaks per person (so the spread stays fair), and at most t b's and t
 * h's for the target t.
 *
 * What makes it fast enough (measured on the B2B originals, where these
 * took a 14 s solve down to about 0.3 s):
 *  - each person is busy in exactly as many cells as they have meetings
 *    (a totalizer over their o);
 *  - on a one-day grid, a person without breaks (h(p) false) is busy in
 *    one block: an order variable s(p,c) "the block starts at or before
 *    c" with o(c) <-> s(c) & !s(c - k); two people who meet have
 *    overlapping blocks (binary clauses between their s), and the
 *    meetings' allowed cells bound where a block can start;
 *  - rooms are counted over a vertex cover of the meetings (each owner
 *    has at most one of its meetings in a cell), about a fifth of the
 *    literals of a count over meetings;
 *  - low targets first (see ss_improve), each a fresh formula with the
 *    target as units; CaDiCaL in its stable mode only, without
 *    chronological backtracking, elimination or probing;
 *  - where rooms bind (forum-14), a count of each cell's busy people
 *    (ss_crowd), on every other try since it slows other problems (not
 *    where people have busy cells that take no room: plenaries);
 *  - a target that runs long is tried again from another start.
 * The tabu search's state is the hint: on hinted tries every variable is
 * renamed so that its value in that state is "false", and CaDiCaL's
 * initial phase is false. A model is decoded and checked (placed,
 * clash-free, breaks recounted) before it is taken. Conflict limits from
 * pb->iters keep a run deterministic; the clock only cuts it short.
 */
#include <ccadical.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "solver-grid.h"
#include "../util.h"

#ifndef SS_SPREAD
#define SS_SPREAD	2	/* most breaks of one person */
#endif
#ifndef SS_WARM
#define SS_WARM		0.05	/* share of the time for the first tabu run */
#endif
#ifndef SS_DIV
#define SS_DIV		64	/* grid budget units per conflict */
#endif
#ifndef SS_HINT
#define SS_HINT		1	/* start CaDiCaL from the tabu search's state */
#endif
#ifndef SS_FIRST
#define SS_FIRST	2500	/* conflicts of a target's first try */
#endif
#ifndef SS_MAXVARS
#define SS_MAXVARS	60000	/* larger problems stay with the tabu search */
#endif

struct ss {
	const struct sg_problem *pb;
	CCaDiCaL	*s;
	int		 nv, vcap;
	unsigned char	*hint;	/* per variable: its value in the hint */
	int		 T;	/* a variable fixed true */
	int		*xo;	/* per meeting: var of its first cell, or 0 */
	int		*o;	/* np x H: busy literal (0 outside days) */
	int		*sv;	/* np x H: block-start order literal, or 0 */
	int		*h;	/* per person: "has a break" literal, or 0 */
	int		*pq, *pqo;	/* person -> placed meetings */
	int		*rc;	/* fixed meetings per cell */
	int		*bl, nbl;	/* break literals */
	int		*hl, nhl;	/* has-a-break literals */
	int		 oneday;	/* every cell of the grid is one day */
	int		 hinted;	/* rename so the hint is all false */
	int		 crowd;		/* count each cell's busy people too */
	int		 noroom;	/* some fixed busy cells take no room */
	int		 big;		/* most people of one meeting */
	double		 deadline;
};

/* A new variable whose value in the hint is h. */
static int
ss_var(struct ss *g, int h)
{
	if (g->nv + 1 >= g->vcap) {
		g->vcap = g->vcap * 2 + 1024;
		g->hint = xrealloc(g->hint, (size_t)g->vcap);
	}
	g->hint[++g->nv] = (unsigned char)(h != 0);
	return g->nv;
}

/* The hint's value of literal l. */
static int
ss_hval(const struct ss *g, int l)
{
	return l > 0 ? g->hint[l] : !g->hint[-l];
}

/* The solver's literal for l (renamed so the hint is all false). */
static int
ss_map(const struct ss *g, int l)
{
	int	 v = l > 0 ? l : -l;

	return g->hinted && g->hint[v] ? -l : l;
}

/* Add a clause of n literals; constants are folded (true drops it). */
static void
ss_clause(struct ss *g, const int *l, int n)
{
	int	 i;

	for (i = 0; i < n; i++)
		if (l[i] == g->T)
			return;
	for (i = 0; i < n; i++)
		if (l[i] != -g->T)
			ccadical_add(g->s, ss_map(g, l[i]));
	ccadical_add(g->s, 0);
}

/* Add the clause (a | b | c | d); a zero literal ends it early. */
static void
ss_cl4(struct ss *g, int a, int b, int c, int d)
{
	int	 l[4] = { a, b, c, d }, n = 0;

	while (n < 4 && l[n] != 0)
		n++;
	ss_clause(g, l, n);
}

/*
 * Sequential counter (Sinz) over n literals: registers r[j] "at least
 * j + 1 of the first i true", forced up; no literal may be true once k
 * before it are. So at most k of them.
 */
static void
ss_counter(struct ss *g, const int *x, int n, int k)
{
	int	*r = xcalloc((size_t)k + 1, sizeof *r), *nr, i, j, cnt = 0;

	for (j = 0; j < k; j++)
		r[j] = -g->T;
	nr = xcalloc((size_t)k + 1, sizeof *nr);
	for (i = 0; i < n; i++) {
		cnt += ss_hval(g, x[i]);
		ss_cl4(g, -x[i], -r[k - 1], 0, 0);
		if (i == n - 1)
			break;
		for (j = 0; j < k; j++) {
			nr[j] = ss_var(g, cnt >= j + 1);
			ss_cl4(g, -r[j], nr[j], 0, 0);
			ss_cl4(g, -x[i], j == 0 ? nr[0] : -r[j - 1],
			    j == 0 ? 0 : nr[j], 0);
		}
		memcpy(r, nr, (size_t)k * sizeof *r);
	}
	free(nr);
	free(r);
}

/* At most k of the n literals x (pairwise, or a sequential counter). */
static void
ss_atmost(struct ss *g, const int *x, int n, int k)
{
	int	 i;

	if (n <= k)
		return;
	if (k == 0) {
		for (i = 0; i < n; i++)
			ss_cl4(g, -x[i], 0, 0, 0);
		return;
	}
	if (k == 1 && n <= 6) {
		for (i = 0; i < n * n; i++)
			if (i / n < i % n)
				ss_cl4(g, -x[i / n], -x[i % n], 0, 0);
		return;
	}
	ss_counter(g, x, n, k);
}

/*
 * Totalizer over x[0..n): out[j] <-> "at least j + 1 true" for j < m
 * (m = min(n, trunc)); *cnt gets how many are true in the hint. Clauses
 * force out up; with both, also down. Returns out (allocated).
 */
static int *
ss_total(struct ss *g, const int *x, int n, int trunc, int both, int *cnt)
{
	int	*a, *b, *o, na, nb, ca, cb, m, i, j, k, l[3];

	if (n == 1) {
		o = xcalloc(2, sizeof *o);
		o[0] = x[0];
		*cnt = ss_hval(g, x[0]);
		return o;
	}
	a = ss_total(g, x, n / 2, trunc, both, &ca);
	b = ss_total(g, x + n / 2, n - n / 2, trunc, both, &cb);
	na = n / 2 < trunc ? n / 2 : trunc;
	nb = n - n / 2 < trunc ? n - n / 2 : trunc;
	m = n < trunc ? n : trunc;
	*cnt = ca + cb;
	o = xcalloc((size_t)m + 1, sizeof *o);
	for (i = 0; i < m; i++)
		o[i] = ss_var(g, *cnt >= i + 1);
	for (i = 0; i <= na; i++)
		for (j = 0; j <= nb; j++) {
			if (i + j >= 1 && i + j <= m) {
				k = 0;
				l[k++] = o[i + j - 1];
				if (i > 0)
					l[k++] = -a[i - 1];
				if (j > 0)
					l[k++] = -b[j - 1];
				ss_clause(g, l, k);
			}
			if (both && i + j < m) {
				k = 0;
				l[k++] = -o[i + j];
				if (i < na)
					l[k++] = a[i];
				if (j < nb)
					l[k++] = b[j];
				ss_clause(g, l, k);
			}
		}
	free(a);
	free(b);
	return o;
}

/* The variable of meeting q in cell c, or 0 when c is not allowed. */
static int
ss_x(const struct ss *g, int q, int c)
{
	const struct sg_req	*rq = &g->pb->rq[q];
	int			 i;

	if (g->xo[q] == 0)
		return 0;
	for (i = 0; i < rq->nstarts; i++)
		if (rq->starts[i] == c)
			return g->xo[q] + i;
	return 0;
}

/* Cell variables and exactly one cell per movable meeting (and g->big). */
static void
ss_meetings(struct ss *g)
{
	const struct sg_problem	*pb = g->pb;
	int			*l, q, i, n;

	for (q = 0; q < pb->nq; q++) {
		if (pb->slot[q] < 0)
			continue;
		if (pb->rq[q].npeople > g->big)
			g->big = pb->rq[q].npeople;
		if (!pb->rq[q].movable) {
			g->rc[pb->slot[q]] += !pb->rq[q].noroom;
			g->noroom |= pb->rq[q].noroom;
			continue;
		}
		n = pb->rq[q].nstarts;
		g->xo[q] = g->nv + 1;
		l = xcalloc((size_t)n + 1, sizeof *l);
		for (i = 0; i < n; i++)
			l[i] = ss_var(g, pb->rq[q].starts[i] == pb->slot[q]);
		ss_clause(g, l, n);
		ss_atmost(g, l, n, 1);
		free(l);
	}
}

/* A new variable o <-> OR of l[0..n) (l has room for one more). */
static int
ss_or(struct ss *g, int *l, int n)
{
	int	 o, j;

	for (o = 0, j = 0; j < n; j++)
		o |= ss_hval(g, l[j]);
	o = ss_var(g, o);
	for (j = 0; j < n; j++)
		ss_cl4(g, -l[j], o, 0, 0);
	l[n] = -o;
	ss_clause(g, l, n + 1);
	return o;
}

/* Busy literal of p in c: at most one meeting, o <-> OR of them. */
static int
ss_busy(struct ss *g, int p, int c, int *l)
{
	const struct sg_problem	*pb = g->pb;
	int			 j, q, n = 0, fixed = 0;

	for (j = g->pqo[p]; j < g->pqo[p + 1]; j++) {
		q = g->pq[j];
		if (g->xo[q] == 0)
			fixed |= pb->slot[q] == c;
		else if ((l[n] = ss_x(g, q, c)) != 0)
			n++;
	}
	if (fixed) {
		for (j = 0; j < n; j++)
			ss_cl4(g, -l[j], 0, 0, 0);
		return g->T;
	}
	if (n == 0)
		return -g->T;
	ss_atmost(g, l, n, 1);
	return ss_or(g, l, n);
}

/* Earlier and break literals of p (breaks appended to g->bl), and h(p). */
static void
ss_breakvars(struct ss *g, int p)
{
	const struct sg_problem	*pb = g->pb;
	int			 c, H = pb->H, e, pe = 0, ppe = 0, n, first;
	int			*o = g->o + (size_t)p * H;

	first = g->nbl;
	for (c = 0; c < H; c++) {
		if (pb->dayof[c] < 0)
			continue;
		if (c == 0 || pb->dayof[c - 1] != pb->dayof[c])
			pe = ppe = 0;
		e = ss_var(g, ss_hval(g, o[c]) || (pe && ss_hval(g, pe)));
		ss_cl4(g, -o[c], e, 0, 0);
		if (pe)
			ss_cl4(g, -pe, e, 0, 0);
		if (ppe && o[c - 1] != 0 && o[c] != -g->T) {
			n = ss_hval(g, o[c]) && !ss_hval(g, o[c - 1]) &&
			    ss_hval(g, ppe);
			g->bl[g->nbl++] = ss_var(g, n);
			ss_cl4(g, -o[c], o[c - 1], -ppe, g->bl[g->nbl - 1]);
		}
		ppe = pe;
		pe = e;
	}
	ss_atmost(g, g->bl + first, g->nbl - first, SS_SPREAD);
	if (g->nbl == first)
		return;
	for (e = 0, n = first; n < g->nbl; n++)
		e |= ss_hval(g, g->bl[n]);
	g->h[p] = ss_var(g, e);
	for (n = first; n < g->nbl; n++)
		ss_cl4(g, -g->bl[n], g->h[p], 0, 0);
	g->hl[g->nhl++] = g->h[p];
}

/* p is busy in exactly as many cells as p has meetings (a totalizer). */
static void
ss_count(struct ss *g, int p, int *l)
{
	const struct sg_problem	*pb = g->pb;
	int			 c, n = 0, need, cnt, *out;
	int			*o = g->o + (size_t)p * pb->H;

	need = g->pqo[p + 1] - g->pqo[p];
	for (c = 0; c < pb->H; c++) {
		if (o[c] == g->T)
			need--;
		else if (o[c] != 0 && o[c] != -g->T)
			l[n++] = o[c];
	}
	if (n == 0 || need < 0 || need > n)
		return;
	out = ss_total(g, l, n, n, 1, &cnt);
	if (need > 0)
		ss_cl4(g, out[need - 1], 0, 0, 0);
	if (need < n)
		ss_cl4(g, -out[need], 0, 0, 0);
	free(out);
}

/*
 * Bounds on p's block start from its meetings' allowed cells: the block
 * holds every meeting that can only be at or before c (n of them), so it
 * starts at or before c - n + 1; likewise after c. Unit propagation does
 * not count, so these are given.
 */
static void
ss_bounds(struct ss *g, int p, int k)
{
	const struct sg_problem	*pb = g->pb;
	const struct sg_req	*rq;
	int			 c, j, n, m, H = pb->H, h = g->h[p];
	int			*s = g->sv + (size_t)p * H;

	for (c = 0; c < H; c++) {
		for (n = m = 0, j = g->pqo[p]; j < g->pqo[p + 1]; j++) {
			rq = &pb->rq[g->pq[j]];
			if (!rq->movable || rq->nstarts == 0)
				continue;
			n += rq->starts[rq->nstarts - 1] <= c;
			m += rq->starts[0] >= c;
		}
		if (n > 0 && c - n + 1 >= 0 && c - n + 1 < H)
			ss_cl4(g, h, s[c - n + 1], 0, 0);
		if (m > 0 && c + m - k - 1 >= 0 && c + m - k - 1 < H)
			ss_cl4(g, h, -s[c + m - k - 1], 0, 0);
	}
}

/*
 * One-day grids: unless p has a break, p's k meetings fill one block.
 * s(c) "the block starts at or before c"; o(c) <-> s(c) & !s(c - k).
 */
static void
ss_block(struct ss *g, int p)
{
	const struct sg_problem	*pb = g->pb;
	int			 c, H = pb->H, k, h = g->h[p], first = -1, u, pv;
	int			*o = g->o + (size_t)p * H, *s = g->sv + (size_t)p * H;

	k = g->pqo[p + 1] - g->pqo[p];
	if (h == 0 || k < 2 || k > H)
		return;
	for (c = 0; c < H && first < 0; c++)
		if (o[c] != 0 && ss_hval(g, o[c]))
			first = c;
	for (c = 0; c < H; c++)
		s[c] = ss_var(g, first >= 0 && first <= c);
	for (c = 0; c + 1 < H; c++)
		ss_cl4(g, -s[c], s[c + 1], 0, 0);
	ss_cl4(g, h, s[H - k], 0, 0);
	for (c = 0; c < H; c++) {
		u = o[c] != 0 ? o[c] : -g->T;
		pv = c - k >= 0 ? s[c - k] : -g->T;
		ss_cl4(g, h, -u, s[c], 0);
		ss_cl4(g, h, -u, -pv, 0);
		ss_cl4(g, h, u, -s[c], pv);
	}
	ss_bounds(g, p, k);
}

/* People who meet have overlapping blocks: s_p <= s_r + k_r - 1. */
static void
ss_overlap(struct ss *g)
{
	const struct sg_problem	*pb = g->pb;
	const struct sg_req	*rq;
	int			 q, i, j, p, r, c, kr, H = pb->H;

	for (q = 0; q < pb->nq; q++) {
		rq = &pb->rq[q];
		for (i = 0; pb->slot[q] >= 0 && i < rq->npeople; i++)
			for (j = 0; j < rq->npeople; j++) {
				p = rq->people[i];
				r = rq->people[j];
				if (p == r || g->sv[(size_t)p * H] == 0 ||
				    g->sv[(size_t)r * H] == 0)
					continue;
				kr = g->pqo[r + 1] - g->pqo[r];
				for (c = 0; c + kr - 1 < H - 1; c++)
					ss_cl4(g, g->h[p], g->h[r],
					    -g->sv[(size_t)r * H + c],
					    g->sv[(size_t)p * H + c + kr - 1]);
			}
	}
}

/*
 * A vertex cover of the movable meetings, greedily (most uncovered
 * meetings first): own[q] = the person who counts q for the rooms.
 */
static void
ss_owners(const struct ss *g, int *own, int *ord)
{
	const struct sg_problem	*pb = g->pb;
	int			*cnt = xcalloc((size_t)pb->np + 1, sizeof *cnt);
	int			 q, i, p, best, left = 0, n = 0;

	for (q = 0; q < pb->nq; q++) {
		own[q] = -1;
		left += g->xo[q] != 0;
	}
	while (left > 0) {
		memset(cnt, 0, (size_t)pb->np * sizeof *cnt);
		for (q = 0; q < pb->nq; q++)
			for (i = 0; g->xo[q] && own[q] < 0 &&
			    i < pb->rq[q].npeople; i++)
				cnt[pb->rq[q].people[i]]++;
		for (best = 0, p = 1; p < pb->np; p++)
			if (cnt[p] > cnt[best])
				best = p;
		ord[n++] = best;
		for (q = 0; q < pb->nq; q++)
			for (i = 0; g->xo[q] && own[q] < 0 &&
			    i < pb->rq[q].npeople; i++)
				if (pb->rq[q].people[i] == best) {
					own[q] = best;
					left--;
				}
	}
	ord[n] = -1;
	free(cnt);
}

/* Rooms of cell c: at most nrooms (less the fixed) owners busy in it;
 * an owner's literal is its own meetings' x, or their OR (l: the owners'
 * literals, xs: scratch). */
static void
ss_room(struct ss *g, int c, const int *own, const int *ord, int *l,
    int *xs)
{
	const struct sg_problem	*pb = g->pb;
	int			 q, p, x, n = 0, m, cap, cnt, *out, k;

	cap = pb->nrooms - g->rc[c];
	if (cap < 0)
		cap = 0;
	for (k = 0; (p = ord[k]) >= 0; k++) {
		for (m = 0, q = 0; q < pb->nq; q++)
			if (own[q] == p && (x = ss_x(g, q, c)) != 0)
				xs[m++] = x;
		if (m == 0)
			continue;
		l[n++] = m == 1 ? xs[0] : ss_or(g, xs, m);
	}
	if (n <= cap)
		return;
	out = ss_total(g, l, n, cap + 1, 0, &cnt);
	ss_cl4(g, -out[cap], 0, 0, 0);
	free(out);
}

/*
 * The people busy in cell c, at most nrooms times the largest meeting:
 * implied by the rooms, but on the busy literals, so a count that the
 * people's blocks fill up propagates at once. Where rooms bind it finds
 * models far sooner (forum-14 at 2 breaks: often 0.1 to 0.2 s, against
 * 0.3 to 1.5 s without), but it slows refutations and the models of
 * forum-13crafc and ticf-13crafc down, so only odd tries have it.
 * Counted from the side with fewer outputs.
 */
static void
ss_crowd(struct ss *g, int c, int *l)
{
	const struct sg_problem	*pb = g->pb;
	int			 p, o, n = 0, busy = 0, cap, cnt, *out;

	for (p = 0; p < pb->np; p++) {
		o = g->o[(size_t)p * pb->H + c];
		if (o == g->T)
			busy++;
		else if (o != 0 && o != -g->T)
			l[n++] = o;
	}
	cap = pb->nrooms * g->big - busy;
	if (cap < 0)
		cap = 0;
	if (n <= cap)
		return;
	if (cap + 1 <= n - cap) {
		out = ss_total(g, l, n, cap + 1, 0, &cnt);
		ss_cl4(g, -out[cap], 0, 0, 0);
	} else {
		for (p = 0; p < n; p++)
			l[p] = -l[p];	/* at least n - cap people idle */
		out = ss_total(g, l, n, n - cap, 1, &cnt);
		ss_cl4(g, out[n - cap - 1], 0, 0, 0);
	}
	free(out);
}

/* Are the grid's day cells one day, in one run of cells? */
static int
ss_oneday(const struct sg_problem *pb)
{
	int	 c, day = -1, runs = 0;

	for (c = 0; c < pb->H; c++) {
		if (pb->dayof[c] < 0)
			continue;
		if (day >= 0 && pb->dayof[c] != day)
			return 0;
		runs += c == 0 || pb->dayof[c - 1] < 0;
		day = pb->dayof[c];
	}
	return runs == 1;
}

/* Build the whole formula (the hint is pb->slot). */
static void
ss_build(struct ss *g)
{
	const struct sg_problem	*pb = g->pb;
	size_t			 cells = (size_t)pb->np * pb->H + 1;
	int			*l, *own, *ord, p, c;

	g->T = ss_var(g, 1);
	ss_cl4(g, g->T, 0, 0, 0);
	g->xo = xcalloc((size_t)pb->nq + 1, sizeof *g->xo);
	g->rc = xcalloc((size_t)pb->H + 1, sizeof *g->rc);
	g->o = xcalloc(cells, sizeof *g->o);
	g->sv = xcalloc(cells, sizeof *g->sv);
	g->h = xcalloc((size_t)pb->np + 1, sizeof *g->h);
	g->bl = xcalloc(cells, sizeof *g->bl);
	g->hl = xcalloc((size_t)pb->np + 1, sizeof *g->hl);
	g->oneday = ss_oneday(pb);
	sg_person_index(pb, &g->pqo, &g->pq);
	ss_meetings(g);
	l = xcalloc((size_t)pb->nq * 2 + cells + 8, sizeof *l);
	own = xcalloc((size_t)pb->nq + 1, sizeof *own);
	ord = xcalloc((size_t)pb->np + 1, sizeof *ord);
	ss_owners(g, own, ord);
	for (p = 0; p < pb->np; p++) {
		for (c = 0; c < pb->H; c++)
			if (pb->dayof[c] >= 0)
				g->o[(size_t)p * pb->H + c] = ss_busy(g, p, c,
				    l);
		ss_count(g, p, l);
		ss_breakvars(g, p);
		if (g->oneday)
			ss_block(g, p);
	}
	if (g->oneday)
		ss_overlap(g);
	for (c = 0; c < pb->H; c++) {
		ss_room(g, c, own, ord, l, l + pb->nq + 1);
		if (g->crowd && !g->noroom)	/* busy cells without a room */
			ss_crowd(g, c, l);
	}
	free(own);
	free(ord);
	free(l);
}

/* Breaks of the placement slot (idle gaps between a person's meetings). */
static long
ss_breaks(const struct sg_problem *pb, const int *slot)
{
	unsigned char	*o = xcalloc((size_t)pb->np * pb->H + 1, 1), *row;
	long		 B = 0;
	int		 q, i, p, c, last;

	for (q = 0; q < pb->nq; q++)
		for (i = 0; slot[q] >= 0 && i < pb->rq[q].npeople; i++)
			o[(size_t)pb->rq[q].people[i] * pb->H + slot[q]] = 1;
	for (p = 0; p < pb->np; p++)
		for (row = o + (size_t)p * pb->H, last = -1, c = 0; c < pb->H;
		    c++) {
			if (!row[c])
				continue;
			if (last >= 0 && pb->dayof[last] == pb->dayof[c] &&
			    last != c - 1)
				B++;
			last = c;
		}
	free(o);
	return B;
}

/* Is slot a complete clash-free placement (people and rooms)? */
static int
ss_valid(const struct sg_problem *pb, const int *slot)
{
	unsigned char	*o = xcalloc((size_t)pb->np * pb->H + 1, 1);
	int		*rc = xcalloc((size_t)pb->H + 1, sizeof *rc);
	int		 q, i, ok = 1;

	for (q = 0; q < pb->nq && ok; q++) {
		if (slot[q] < 0)
			ok = pb->slot[q] < 0;
		else if (!pb->rq[q].noroom && ++rc[slot[q]] > pb->nrooms)
			ok = 0;
		else if (!pb->rq[q].movable && slot[q] != pb->slot[q])
			ok = 0;
		for (i = 0; ok && slot[q] >= 0 && i < pb->rq[q].npeople; i++)
			ok = o[(size_t)pb->rq[q].people[i] * pb->H +
			    slot[q]]++ == 0;
	}
	free(o);
	free(rc);
	return ok;
}

/* Read the model into slot (movable meetings; the rest as in pb). */
static void
ss_decode(const struct ss *g, int *slot)
{
	const struct sg_problem	*pb = g->pb;
	int			 q, i;

	memcpy(slot, pb->slot, (size_t)pb->nq * sizeof *slot);
	for (q = 0; q < pb->nq; q++) {
		if (g->xo[q] == 0)
			continue;
		slot[q] = -1;
		for (i = 0; i < pb->rq[q].nstarts; i++)
			if (ccadical_val(g->s, ss_map(g, g->xo[q] + i)) > 0)
				slot[q] = pb->rq[q].starts[i];
	}
}

/* Clock check for CaDiCaL: stop once the deadline has passed. */
static int
ss_stop(void *arg)
{
	const struct ss	*g = arg;

	return sg_now_ms() > g->deadline;
}

/* Variables the formula would have: the cells of the movable meetings. */
static long
ss_size(const struct sg_problem *pb)
{
	long	 n = 0;
	int	 q;

	for (q = 0; q < pb->nq; q++)
		if (pb->slot[q] >= 0 && pb->rq[q].movable)
			n += pb->rq[q].nstarts;
	return n;
}

/* Can SAT take this problem? (the tabu search's kind, not too large) */
static int
ss_applies(const struct sg_problem *pb)
{
	return st_applies(pb) && ss_size(pb) <= SS_MAXVARS;
}

/* Free the formula's state and the solver. */
static void
ss_close(struct ss *g)
{
	ccadical_release(g->s);
	free(g->hint);
	free(g->xo);
	free(g->rc);
	free(g->o);
	free(g->sv);
	free(g->h);
	free(g->bl);
	free(g->hl);
	free(g->pq);
	free(g->pqo);
}

/*
 * One try at target t: a fresh formula with at most t breaks (and people
 * with a break) as units, which CaDiCaL simplifies with, unlike
 * assumptions. Try k picks the formula, the start and the seed: odd
 * tries count the crowds (see ss_crowd), which some problems need and
 * others are slowed by; tries 0, 3, 4, 7, ... start from the hint's
 * phases, the others from CaDiCaL's own. CaDiCaL runs in its stable
 * mode only and without elimination and probing, which halved the time
 * to a model on forum-14. Returns CaDiCaL's answer; on a model, slot
 * holds it.
 */
static int
ss_try(struct sg_problem *pb, long t, int k, long conflicts, int *slot)
{
	struct ss	 g;
	int		 rs;

	memset(&g, 0, sizeof g);
	g.pb = pb;
	g.deadline = pb->deadline;
	g.hinted = SS_HINT && (k % 4 == 0 || k % 4 == 3);
	g.crowd = k % 2 == 1;
	g.s = ccadical_init();
	ccadical_set_option(g.s, "quiet", 1);
	if (g.hinted)
		ccadical_set_option(g.s, "phase", 0);
	ccadical_set_option(g.s, "chrono", 0);
	ccadical_set_option(g.s, "stabilizeonly", 1);
	ccadical_set_option(g.s, "elim", 0);
	ccadical_set_option(g.s, "probe", 0);
	ccadical_set_option(g.s, "seed", k);
	ccadical_set_terminate(g.s, &g, ss_stop);
	ss_build(&g);
	ss_atmost(&g, g.bl, g.nbl, (int)t);
	ss_atmost(&g, g.hl, g.nhl, (int)t);
	ccadical_limit(g.s, "conflicts", conflicts < INT_MAX ? (int)conflicts :
	    INT_MAX);
	rs = ccadical_solve(g.s);
	if (rs == 10)
		ss_decode(&g, slot);
	ss_close(&g);
	return rs;
}

/*
 * Ask for at most t breaks for t = 0, 1, ... below best (the breaks of
 * pb->slot, which must be a clash-free placement): the formula
 * propagates best when few people may have breaks, so low targets are
 * refuted or met fastest (on the B2B originals a refutation takes a few
 * milliseconds, a model at the optimum a few hundred, while a target one
 * or two above the optimum can take seconds). How long a target takes
 * depends much on where CaDiCaL starts and on the formula, so a target
 * is tried in pairs (without and with the crowd counts), each pair from
 * other starts with twice the conflicts (SS_FIRST, SS_FIRST, 2 SS_FIRST,
 * 2 SS_FIRST, ...) up to the budget; after that it is passed over. The
 * first model, decoded and checked, replaces pb->slot. Tests start at
 * try pb->satfrom (1: the crowd counts from the first).
 */
long
ss_improve(struct sg_problem *pb, long best)
{
	int	*slot, rs = 0, k;
	long	 t, B, lim, budget = pb->iters / SS_DIV + SS_FIRST;

	if (best <= 0 || !ss_applies(pb))
		return best;
	slot = xcalloc((size_t)pb->nq + 1, sizeof *slot);
	for (t = 0; t < best && rs != 10 && sg_now_ms() < pb->deadline; t++)
		for (k = pb->satfrom; (lim = (long)SS_FIRST << k / 2) <= budget &&
		    sg_now_ms() < pb->deadline; k++)
			if ((rs = ss_try(pb, t, k, lim, slot)) == 20 ||
			    rs == 10)
				break;	/* refuted, or met */
	if (rs == 10 && ss_valid(pb, slot) && (B = ss_breaks(pb, slot)) <
	    best) {
		best = B;
		memcpy(pb->slot, slot, (size_t)pb->nq * sizeof *slot);
	}
	free(slot);
	return best;
}

/*
 * The second thread's search: the tabu search for SS_WARM of the time
 * and of the budget, then SAT from its best state for fewer breaks (see
 * the top of the file). Same contract as st_solve.
 */
long
ss_solve(struct sg_problem *pb)
{
	double		 end = pb->deadline, now = sg_now_ms();
	long		 iters = pb->iters, done, best;

	if (!ss_applies(pb))
		return st_solve(pb);
	if (end > now)
		pb->deadline = now + (end - now) * SS_WARM;
	pb->iters = (long)((double)iters * SS_WARM);
	best = st_solve(pb);
	done = pb->done;
	pb->deadline = end;
	pb->iters = iters;
	best = ss_improve(pb, best);
	pb->done = done;
	pb->hit = sg_now_ms() >= end;	/* the warm-up's own clock is not it */
	return best;
}
