/*
 * solver-grid.c — break minimisation on a uniform grid (see solver-grid.h).
 *
 * Method: simulated annealing over start cells where clashes are allowed
 * but penalised (a person in two meetings at once, more meetings in a cell
 * than rooms). Cost = breaks + W * clashes. Moves: relocate one meeting
 * (to a random start or next to a meeting of one of its people) and swap
 * the starts of two meetings sharing a person (that person's timeline is
 * unchanged, only the two partners' change). Breaks of a person are
 * recomputed from their occupancy row, day by day. The best
 * clash-free state is kept; the annealing runs in rounds, each starting
 * again from the best state. Deterministic for a seed and a budget.
 */
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "solver-grid.h"
#include "../util.h"

#ifndef SG_W
#define SG_W		1	/* starting weight of a clash, in breaks */
#endif
#ifndef SG_ROUNDS
#define SG_ROUNDS	4	/* annealing rounds, each from the best */
#endif
#ifndef SG_K
#define SG_K		16	/* cost units per break */
#endif
#ifndef SG_IW
#define SG_IW		1	/* cost units per idle cell */
#endif
#ifndef SG_PM
#define SG_PM		50	/* one move in SG_PM re-seats a person */
#endif
#ifndef SG_KE
#define SG_KE		4	/* one in SG_KE of the others is a Kempe chain */
#endif
#ifndef SG_FOCUS
#define SG_FOCUS	4	/* tries to pick a meeting of someone with breaks */
#endif
#ifndef SG_T0
#define SG_T0		0.5	/* temperatures, in breaks */
#endif
#ifndef SG_T1
#define SG_T1		0.05
#endif

struct sg {
	struct sg_problem *pb;
	unsigned char	*cnt;	/* np x H */
	int		*rc;	/* meetings per cell */
	int		*pb_;	/* breaks per person */
	int		*pi;	/* idle cells inside a person's days */
	int		*cur;	/* current starts */
	int		*pq, *pqo;	/* CSR: meetings of each person */
	int		*mov;	/* movable meetings */
	int		 nmov;
	long		 B, I, V;
	long		 w;	/* current weight of a clash */
	uint64_t	*bits;	/* np x W: a person's occupied cells */
	struct sg_days	 dd;
	uint64_t	 rng;
	int		 aff[8], naff, old[8], oldi[8];
};

/* splitmix64 step on a state: the one generator of the whole solver. */
uint64_t
sg_rng_next(uint64_t *state)
{
	uint64_t	 z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Next random number of this search. */
static uint64_t
sg_rand(struct sg *g)
{
	return sg_rng_next(&g->rng);
}

/* Uniform integer in [0, n). */
static int
sg_randn(struct sg *g, int n)
{
	return (int)(sg_rand(g) % (uint64_t)n);
}

/* Milliseconds on a monotonic clock. */
double
sg_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* The bits of a word inside cells [lo, hi) (the word holds cells w * 64..). */
static uint64_t
sg_word_mask(int w, int lo, int hi)
{
	uint64_t	 m = ~0ULL;

	if (w == lo >> 6)
		m &= ~0ULL << (lo & 63);
	if (w == (hi - 1) >> 6 && (hi & 63) != 0)
		m &= ~0ULL >> (64 - (hi & 63));
	return m;
}

/* Breaks of a row on day d (runs - 1); idle cells inside the day in *idle. */
int
sg_day_breaks(const struct sg_days *dd, const uint64_t *row, int d, int *idle)
{
	uint64_t	 x, carry = 0;
	int		 w, lo = dd->lo[d], hi = dd->hi[d], runs = 0, busy = 0;
	int		 first = -1, last = -1;

	*idle = 0;
	for (w = lo >> 6; lo < hi && w <= (hi - 1) >> 6; w++) {
		x = row[w] & sg_word_mask(w, lo, hi);
		runs += __builtin_popcountll(x & ~((x << 1) | carry));
		carry = x >> 63;
		if (x == 0)
			continue;
		busy += __builtin_popcountll(x);
		if (first < 0)
			first = w * 64 + __builtin_ctzll(x);
		last = w * 64 + 63 - __builtin_clzll(x);
	}
	if (runs == 0)
		return 0;
	*idle = last - first + 1 - busy;
	return runs - 1;
}

/* Breaks of person p from their occupancy bits; idle cells between in *idle. */
static int
sg_breaks(const struct sg *g, int p, int *idle)
{
	const uint64_t	*row = g->bits + (size_t)p * g->dd.W;
	int		 d, b = 0, i;

	*idle = 0;
	for (d = 0; d < g->dd.n; d++) {
		b += sg_day_breaks(&g->dd, row, d, &i);
		*idle += i;
	}
	return b;
}

/* Add (delta 1) or remove (delta -1) meeting q at start s; updates V. */
static void
sg_occ(struct sg *g, int q, int s, int delta)
{
	const struct sg_req	*r = &g->pb->rq[q];
	unsigned char		*o;
	uint64_t		*row;
	int			 i, c;

	for (c = s; c < s + r->d && !r->noroom; c++) {
		if (delta > 0)
			g->V += g->rc[c]++ >= g->pb->nrooms;
		else
			g->V -= --g->rc[c] >= g->pb->nrooms;
	}
	for (i = 0; i < r->npeople; i++) {
		o = g->cnt + (size_t)r->people[i] * g->pb->H;
		row = g->bits + (size_t)r->people[i] * g->dd.W;
		for (c = s; c < s + r->d; c++) {
			if (delta > 0)
				g->V += o[c]++ >= 1;
			else
				g->V -= --o[c] >= 1;
			if (o[c])
				SG_SET(row, c);
			else
				SG_CLR(row, c);
		}
	}
}

/* Note the people of q as affected (remembering their breaks). */
static void
sg_affect(struct sg *g, int q)
{
	const struct sg_req	*r = &g->pb->rq[q];
	int			 i, j, p;

	for (i = 0; i < r->npeople; i++) {
		p = r->people[i];
		for (j = 0; j < g->naff; j++)
			if (g->aff[j] == p)
				break;
		if (j < g->naff || g->naff == 8)
			continue;
		g->old[g->naff] = g->pb_[p];
		g->oldi[g->naff] = g->pi[p];
		g->aff[g->naff++] = p;
	}
}

/* Recompute the breaks of the affected people; updates B. */
static void
sg_rebreak(struct sg *g)
{
	int	 i, p;

	for (i = 0; i < g->naff; i++) {
		p = g->aff[i];
		g->B -= g->pb_[p];
		g->I -= g->pi[p];
		g->pb_[p] = sg_breaks(g, p, &g->pi[p]);
		g->B += g->pb_[p];
		g->I += g->pi[p];
	}
}

/* Move q to start s (occupancy and current start only). */
static void
sg_shift(struct sg *g, int q, int s)
{
	sg_occ(g, q, g->cur[q], -1);
	g->cur[q] = s;
	sg_occ(g, q, s, 1);
}

/* Put the remembered breaks back after an undone move. */
static void
sg_unbreak(struct sg *g)
{
	int	 i;

	for (i = 0; i < g->naff; i++) {
		g->B += g->old[i] - g->pb_[g->aff[i]];
		g->pb_[g->aff[i]] = g->old[i];
		g->I += g->oldi[i] - g->pi[g->aff[i]];
		g->pi[g->aff[i]] = g->oldi[i];
	}
}

/*
 * Is s in the ascending list starts[0..n)? Binary search written out
 * rather than bsearch(3): it sits in both searches' inner loops, where a
 * comparison through a function pointer costs measurable iterations.
 */
int
sg_has_start(const int *starts, int n, int s)
{
	int	 lo = 0, hi = n - 1, mid;

	while (lo <= hi) {
		mid = (lo + hi) / 2;
		if (starts[mid] == s)
			return 1;
		if (starts[mid] < s)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return 0;
}

/* Is s one of r's allowed starts? */
static int
sg_allowed(const struct sg_req *r, int s)
{
	return sg_has_start(r->starts, r->nstarts, s);
}

/* A target start for q: random, or next to a meeting of one of its people. */
static int
sg_target(struct sg *g, int q)
{
	const struct sg_req	*r = &g->pb->rq[q];
	int			 p, n, o, s;

	if (sg_randn(g, 4) == 0)
		return r->starts[sg_randn(g, r->nstarts)];
	p = r->people[sg_randn(g, r->npeople)];
	n = g->pqo[p + 1] - g->pqo[p];
	o = g->pq[g->pqo[p] + sg_randn(g, n)];
	if (o == q || g->cur[o] < 0)
		return -1;
	s = sg_randn(g, 2) ? g->cur[o] + g->pb->rq[o].d : g->cur[o] - r->d;
	return sg_allowed(r, s) ? s : -1;
}

/* A movable meeting sharing a person with q, other than q, or -1. */
static int
sg_partner(struct sg *g, int q)
{
	const struct sg_req	*r = &g->pb->rq[q];
	int			 p, n, o;

	p = r->people[sg_randn(g, r->npeople)];
	n = g->pqo[p + 1] - g->pqo[p];
	o = g->pq[g->pqo[p] + sg_randn(g, n)];
	if (o == q || !g->pb->rq[o].movable || g->cur[o] == g->cur[q] ||
	    !sg_allowed(&g->pb->rq[o], g->cur[q]) ||
	    !sg_allowed(r, g->cur[o]))
		return -1;
	return o;
}

/* Cost in 1/SG_K breaks: breaks, clashes, then idle cells. */
static long
sg_cost(const struct sg *g)
{
	return SG_K * (g->B + g->w * g->V) + SG_IW * g->I;
}

/* A movable meeting: often one of a person with breaks, else any. */
static int
sg_pick(struct sg *g)
{
	int	 i, p, n, q;

	for (i = 0; i < SG_FOCUS; i++) {
		p = sg_randn(g, g->pb->np);
		if (g->pb_[p] == 0 || (n = g->pqo[p + 1] - g->pqo[p]) == 0)
			continue;
		q = g->pq[g->pqo[p] + sg_randn(g, n)];
		if (g->pb->rq[q].movable)
			return q;
	}
	return g->mov[sg_randn(g, g->nmov)];
}

/* One move at temperature T; returns 1 if it was applied. */
static int
sg_step(struct sg *g, double T)
{
	int	 q = sg_pick(g), o = -1, s, os;
	long	 before = sg_cost(g), delta;

	if (sg_randn(g, 2) == 0) {
		if ((o = sg_partner(g, q)) < 0)
			return 0;
		s = g->cur[o];
	} else if ((s = sg_target(g, q)) < 0 || s == g->cur[q])
		return 0;
	os = g->cur[q];
	g->naff = 0;
	sg_affect(g, q);
	if (o >= 0)
		sg_affect(g, o);
	sg_shift(g, q, s);
	if (o >= 0)
		sg_shift(g, o, os);
	sg_rebreak(g);
	delta = sg_cost(g) - before;
	if (delta <= 0 || (T > 0 && (double)(sg_rand(g) >> 11) *
	    (1.0 / 9007199254740992.0) < exp(-(double)delta / (T * SG_K))))
		return 1;
	if (o >= 0)
		sg_shift(g, o, s);
	sg_shift(g, q, os);
	sg_unbreak(g);
	return 0;
}

/* Min-cost perfect assignment of an n x n matrix (Hungarian): row -> col. */
void
sg_hungarian(const long *a, int n, int *col)
{
	long	 u[SG_MAXK + 1], v[SG_MAXK + 1], minv[SG_MAXK + 1], delta, cur;
	int	 p[SG_MAXK + 1], way[SG_MAXK + 1], used[SG_MAXK + 1];
	int	 i, j, i0, j0, j1;

	memset(u, 0, sizeof u);
	memset(v, 0, sizeof v);
	memset(p, 0, sizeof p);
	memset(way, 0, sizeof way);
	for (i = 1; i <= n; i++) {
		p[0] = i;
		j0 = 0;
		for (j = 0; j <= n; j++) {
			minv[j] = LONG_MAX / 4;
			used[j] = 0;
		}
		do {
			used[j0] = 1;
			i0 = p[j0];
			delta = LONG_MAX / 4;
			j1 = 0;
			for (j = 1; j <= n; j++) {
				if (used[j])
					continue;
				cur = a[(i0 - 1) * n + j - 1] - u[i0] - v[j];
				if (cur < minv[j]) {
					minv[j] = cur;
					way[j] = j0;
				}
				if (minv[j] < delta) {
					delta = minv[j];
					j1 = j;
				}
			}
			for (j = 0; j <= n; j++) {
				if (used[j]) {
					u[p[j]] += delta;
					v[j] -= delta;
				} else
					minv[j] -= delta;
			}
			j0 = j1;
		} while (p[j0] != 0);
		do {
			j1 = way[j0];
			p[j0] = p[j1];
			j0 = j1;
		} while (j0 != 0);
	}
	for (j = 1; j <= n; j++)
		col[p[j] - 1] = j - 1;
}

/* Breaks and idle cells of everyone from scratch. */
static void
sg_rescore(struct sg *g)
{
	int	 p;

	g->B = g->I = 0;
	for (p = 0; p < g->pb->np; p++) {
		g->pb_[p] = sg_breaks(g, p, &g->pi[p]);
		g->B += g->pb_[p];
		g->I += g->pi[p];
	}
}

#define SG_INF		1000000000000L

/* Recompute person u's breaks and idle cells into the totals (idempotent). */
static void
sg_refresh(struct sg *g, int u)
{
	g->B -= g->pb_[u];
	g->I -= g->pi[u];
	g->pb_[u] = sg_breaks(g, u, &g->pi[u]);
	g->B += g->pb_[u];
	g->I += g->pi[u];
}

/* Refresh everyone in the meetings m[0..k). */
static void
sg_refresh_all(struct sg *g, const int *m, int k)
{
	const struct sg_req	*r;
	int			 i, j;

	for (i = 0; i < k; i++) {
		r = &g->pb->rq[m[i]];
		for (j = 0; j < r->npeople; j++)
			sg_refresh(g, r->people[j]);
	}
}

/* Cost for the others of meeting q (without p) if it sat at s. */
static long
sg_seat_cost(struct sg *g, int q, int p, int s)
{
	const struct sg_req	*r = &g->pb->rq[q];
	long			 c, v0 = g->V;
	int			 j, b, idle;

	if (!sg_allowed(r, s))
		return SG_INF;
	sg_occ(g, q, s, 1);
	c = SG_K * g->w * (g->V - v0);
	for (j = 0; j < r->npeople; j++) {
		if (r->people[j] == p)
			continue;
		b = sg_breaks(g, r->people[j], &idle);
		c += SG_K * b + SG_IW * idle;
	}
	sg_occ(g, q, s, -1);
	return c;
}

/* Person p's meetings, all movable and of one duration, into m; count. */
static int
sg_person_meetings(struct sg *g, int p, int *m)
{
	int	 j, k = 0, q;

	for (j = g->pqo[p]; j < g->pqo[p + 1]; j++) {
		q = g->pq[j];
		if (!g->pb->rq[q].movable || k == SG_MAXK ||
		    g->pb->rq[q].d != g->pb->rq[g->pq[g->pqo[p]]].d)
			return 0;
		m[k++] = q;
	}
	return k;
}

/* A window start for npos meetings of p currently spanning [lo, hi]. */
static int
sg_window(struct sg *g, int lo, int hi, int npos, int d)
{
	int	 a = lo - d, b = hi - (npos - 2) * d, s0;

	if (b < a)
		b = a;
	s0 = a + sg_randn(g, b - a + 1);
	if (s0 < 0 || s0 + npos * d > g->pb->H ||
	    g->pb->dayof[s0] < 0 ||
	    g->pb->dayof[s0] != g->pb->dayof[s0 + npos * d - 1])
		return -1;
	return s0;
}

/* Put p's meetings m at the assigned seats (or back at os). */
static void
sg_seat(struct sg *g, const int *m, int k, const int *to)
{
	int	 i;

	for (i = 0; i < k; i++)
		sg_occ(g, m[i], g->cur[m[i]], -1);
	for (i = 0; i < k; i++) {
		g->cur[m[i]] = to[i];
		sg_occ(g, m[i], to[i], 1);
	}
	sg_refresh_all(g, m, k);
}

/*
 * Re-seat all meetings of one person as one block (maybe with a hole) in a
 * window near where they are, matched to positions by least cost for
 * their partners (Hungarian), accepted by the annealing rule.
 */
static void
sg_move_person(struct sg *g, double T)
{
	long	 a[SG_MAXK * SG_MAXK], before = sg_cost(g), delta;
	int	 m[SG_MAXK], os[SG_MAXK], to[SG_MAXK], col[SG_MAXK];
	int	 q = g->mov[sg_randn(g, g->nmov)], p, k, i, t, d, s0, npos;
	int	 lo = INT_MAX, hi = -1;

	p = g->pb->rq[q].people[sg_randn(g, g->pb->rq[q].npeople)];
	if (g->pb_[p] == 0 && sg_randn(g, 4) != 0)
		return;
	if ((k = sg_person_meetings(g, p, m)) < 2)
		return;
	npos = k + sg_randn(g, 2);
	d = g->pb->rq[m[0]].d;
	for (i = 0; i < k; i++) {
		os[i] = g->cur[m[i]];
		lo = os[i] < lo ? os[i] : lo;
		hi = os[i] > hi ? os[i] : hi;
	}
	if (npos > SG_MAXK || (s0 = sg_window(g, lo, hi, npos, d)) < 0)
		return;
	for (i = 0; i < k; i++)
		sg_occ(g, m[i], os[i], -1);
	for (i = 0; i < npos; i++)
		for (t = 0; t < npos; t++)
			a[i * npos + t] = i < k ?
			    sg_seat_cost(g, m[i], p, s0 + t * d) : 0;
	for (i = 0; i < k; i++)
		sg_occ(g, m[i], os[i], 1);
	sg_hungarian(a, npos, col);
	for (i = 0; i < k; i++) {
		if (a[i * npos + col[i]] >= SG_INF)
			return;
		to[i] = s0 + col[i] * d;
	}
	sg_seat(g, m, k, to);
	delta = sg_cost(g) - before;
	if (delta > 0 && (T <= 0 || (double)(sg_rand(g) >> 11) *
	    (1.0 / 9007199254740992.0) >= exp(-(double)delta / (T * SG_K))))
		sg_seat(g, m, k, os);
}

#define SG_MAXCHAIN	64

static int	 sg_partner_any(struct sg *, int);

/* Is y among the first n of ch? */
static int
sg_in(const int *ch, int n, int y)
{
	int	 i;

	for (i = 0; i < n; i++)
		if (ch[i] == y)
			return 1;
	return 0;
}

/*
 * The Kempe chain of q moving to t: everything that must exchange between
 * q's start and t so that no person clashes more than now. Fills ch and
 * to; returns the size, or 0 if some member cannot move.
 */
static int
sg_chain(struct sg *g, int q, int t, int *ch, int *to)
{
	const struct sg_req	*r;
	int			 n = 1, i, j, k, u, y, f = g->cur[q];

	ch[0] = q;
	to[0] = t;
	for (i = 0; i < n; i++) {
		r = &g->pb->rq[ch[i]];
		if (!sg_allowed(r, to[i]) || r->d != 1)
			return 0;
		for (j = 0; j < r->npeople; j++) {
			u = r->people[j];
			for (k = g->pqo[u]; k < g->pqo[u + 1]; k++) {
				y = g->pq[k];
				if (g->cur[y] != to[i] || sg_in(ch, n, y))
					continue;
				if (!g->pb->rq[y].movable || n == SG_MAXCHAIN)
					return 0;
				ch[n] = y;
				to[n++] = to[i] == t ? f : t;
			}
		}
	}
	return n;
}

/* Kempe move of a meeting to another start, accepted by annealing. */
static void
sg_move_kempe(struct sg *g, double T)
{
	int	 ch[SG_MAXCHAIN], to[SG_MAXCHAIN], from[SG_MAXCHAIN];
	int	 q = sg_pick(g), o, t, n, i;
	long	 before = sg_cost(g), delta;

	if ((o = sg_partner_any(g, q)) >= 0 && sg_randn(g, 2))
		t = g->cur[o];
	else
		t = g->pb->rq[q].starts[sg_randn(g, g->pb->rq[q].nstarts)];
	if (t == g->cur[q] || (n = sg_chain(g, q, t, ch, to)) == 0)
		return;
	for (i = 0; i < n; i++)
		from[i] = g->cur[ch[i]];
	for (i = 0; i < n; i++)
		sg_occ(g, ch[i], from[i], -1);
	for (i = 0; i < n; i++) {
		g->cur[ch[i]] = to[i];
		sg_occ(g, ch[i], to[i], 1);
	}
	sg_refresh_all(g, ch, n);
	delta = sg_cost(g) - before;
	if (delta <= 0 || (T > 0 && (double)(sg_rand(g) >> 11) *
	    (1.0 / 9007199254740992.0) < exp(-(double)delta / (T * SG_K))))
		return;
	sg_seat(g, ch, n, from);
}

/* A meeting sharing a person with q (any, placed), or -1. */
static int
sg_partner_any(struct sg *g, int q)
{
	const struct sg_req	*r = &g->pb->rq[q];
	int			 p, n, o;

	p = r->people[sg_randn(g, r->npeople)];
	n = g->pqo[p + 1] - g->pqo[p];
	o = g->pq[g->pqo[p] + sg_randn(g, n)];
	return o == q ? -1 : o;
}

/* The days of a grid as runs of cells (all three searches). */
void
sg_days_init(const struct sg_problem *pb, struct sg_days *dd)
{
	int	 c, d;

	memset(dd, 0, sizeof *dd);
	dd->W = SG_WORDS(pb->H);
	for (c = 0; c < pb->H; c++)
		if (pb->dayof[c] >= dd->n)
			dd->n = pb->dayof[c] + 1;
	dd->lo = xcalloc((size_t)dd->n + 1, sizeof *dd->lo);
	dd->hi = xcalloc((size_t)dd->n + 1, sizeof *dd->hi);
	for (c = pb->H - 1; c >= 0; c--)
		if ((d = pb->dayof[c]) >= 0)
			dd->lo[d] = c;
	for (c = 0; c < pb->H; c++)
		if ((d = pb->dayof[c]) >= 0)
			dd->hi[d] = c + 1;
}

/* Free what sg_days_init allocated. */
void
sg_days_free(struct sg_days *dd)
{
	free(dd->lo);
	free(dd->hi);
	memset(dd, 0, sizeof *dd);
}

/*
 * The person -> placed meetings index (both searches): person p's
 * meetings are (*pq)[(*pqo)[p + 1] .. (*pqo)[p + 2]) once built.
 */
void
sg_person_index(const struct sg_problem *pb, int **pqo, int **pq)
{
	int	 q, i, p;

	*pqo = xcalloc((size_t)pb->np + 2, sizeof **pqo);
	for (q = 0; q < pb->nq; q++)
		for (i = 0; pb->slot[q] >= 0 && i < pb->rq[q].npeople; i++)
			(*pqo)[pb->rq[q].people[i] + 2]++;
	for (p = 0; p < pb->np; p++)
		(*pqo)[p + 2] += (*pqo)[p + 1];
	*pq = xcalloc((size_t)(*pqo)[pb->np + 1] + 1, sizeof **pq);
	for (q = 0; q < pb->nq; q++)
		for (i = 0; pb->slot[q] >= 0 && i < pb->rq[q].npeople; i++)
			(*pq)[(*pqo)[pb->rq[q].people[i] + 1]++] = q;
}

/* Build occupancy, breaks and the person -> meetings index. */
static void
sg_init(struct sg *g, struct sg_problem *pb)
{
	int	 q;

	memset(g, 0, sizeof *g);
	g->pb = pb;
	g->rng = pb->seed ^ 0x677269642d736561ULL;
	g->cnt = xcalloc((size_t)pb->np * pb->H + 1, 1);
	sg_days_init(pb, &g->dd);
	g->bits = xcalloc((size_t)pb->np * g->dd.W + 1, sizeof *g->bits);
	g->rc = xcalloc((size_t)pb->H + 1, sizeof *g->rc);
	g->pb_ = xcalloc((size_t)pb->np + 1, sizeof *g->pb_);
	g->pi = xcalloc((size_t)pb->np + 1, sizeof *g->pi);
	g->cur = xcalloc((size_t)pb->nq + 1, sizeof *g->cur);
	g->mov = xcalloc((size_t)pb->nq + 1, sizeof *g->mov);
	for (q = 0; q < pb->nq; q++) {
		g->cur[q] = pb->slot[q];
		if (pb->slot[q] < 0)
			continue;
		sg_occ(g, q, pb->slot[q], 1);
		if (pb->rq[q].movable)
			g->mov[g->nmov++] = q;
	}
	sg_person_index(pb, &g->pqo, &g->pq);
	sg_rescore(g);
}

/* Free the search state. */
static void
sg_free(struct sg *g)
{
	free(g->cnt);
	free(g->bits);
	sg_days_free(&g->dd);
	free(g->rc);
	free(g->pb_);
	free(g->pi);
	free(g->cur);
	free(g->mov);
	free(g->pqo);
	free(g->pq);
}

/* Reset the state to the starts in s. */
static void
sg_reset(struct sg *g, const int *s)
{
	int	 q;

	for (q = 0; q < g->pb->nq; q++)
		if (g->pb->rq[q].movable && g->cur[q] != s[q])
			sg_shift(g, q, s[q]);
	sg_rescore(g);
}

/*
 * If the budget would overrun the clock at the speed seen so far, shrink
 * it so that the rounds still cool down; with time to spare it is never
 * touched and the run is deterministic.
 */
static void
sg_rebudget(struct sg_problem *pb, long *total, long it, double t0)
{
	double	 now = sg_now_ms(), rate = (now - t0) / (double)it;
	double	 left = pb->deadline - now;
	long	 fit;

	if (rate <= 0 || (double)(*total - it) * rate <= left * 0.95)
		return;
	fit = it + (long)(left * 0.9 / rate);
	if (fit < *total) {
		*total = fit;
		pb->hit = 1;
	}
}

/* One move of some kind at temperature T; 1 if the state may have changed. */
static int
sg_iterate(struct sg *g, double T)
{
	if (sg_randn(g, SG_PM) == 0)
		sg_move_person(g, T);
	else if (sg_randn(g, SG_KE) == 0)
		sg_move_kempe(g, T);
	else
		return sg_step(g, T);
	return 1;
}

/* Adapt the clash weight: up while clashes persist, back down without. */
static void
sg_weight(struct sg *g)
{
	if (g->V > 0 && g->w < 64)
		g->w++;
	else if (g->V == 0 && g->w > SG_W)
		g->w--;
}

/* Search (see the top of the file). */
long
sg_solve(struct sg_problem *pb)
{
	struct sg	 g;
	double		 T = SG_T0, t0 = sg_now_ms();
	long		 it, total = pb->iters, per, best;
	int		 round = 0, r;

	sg_init(&g, pb);
	best = g.B;
	g.w = SG_W;
	for (it = 0; it < total && g.nmov > 0 && best > 0; it++) {
		if ((it & 255) == 0) {
			if (it > 0 && (it & 8191) == 0)
				sg_rebudget(pb, &total, it, t0);
			per = total / SG_ROUNDS + 1;
			if ((r = (int)(it / per)) != round) {
				round = r;
				sg_reset(&g, pb->slot);
				g.w = SG_W;
			}
			T = SG_T0 * pow(SG_T1 / SG_T0,
			    (double)(it - round * per) / (double)per);
			if ((it & 4095) == 0)
				sg_weight(&g);
		}
		if (!sg_iterate(&g, T) || g.V != 0 || g.B >= best)
			continue;
		best = g.B;
		memcpy(pb->slot, g.cur, (size_t)pb->nq * sizeof *g.cur);
	}
	pb->done = it;
	sg_free(&g);
	return best;
}

/* One search of a pair and its result. */
struct sg_job {
	struct sg_problem	*pb;
	long			 best;
};

/*
 * THE CALL SITE of the searches: the first thread runs the tabu search of
 * solver-tabu.c (Kempe chains; it falls back to sg_solve above when the
 * meetings are not all one cell long or the start is not clash-free),
 * the second a short tabu search and then SAT (solver-sat.c). Measured on
 * the B2B originals: 18 of 20 at the published optimum against 15 with
 * the tabu search on both threads, which beat annealing + tabu and
 * annealing twice. Build with -DSG_SECOND=st_solve (or SG_FIRST=sg_solve)
 * to compare.
 */
#ifndef SG_FIRST
#define SG_FIRST	st_solve	/* the search on the calling thread */
#endif
#ifndef SG_SECOND
#define SG_SECOND	ss_solve	/* the search on the second thread */
#endif

/* Thread body: run one search. */
static void *
sg_thread(void *arg)
{
	struct sg_job	*job = arg;

	job->best = SG_SECOND(job->pb);
	return NULL;
}

/*
 * Two searches (SG_FIRST, SG_SECOND above) with different seeds, the
 * second on its own thread (the machine has a second core); pb keeps the
 * better (the first on a tie), so the result is still deterministic.
 * Without a thread, just one.
 */
long
sg_solve_pair(struct sg_problem *pb)
{
	struct sg_problem	 two = *pb;
	struct sg_job		 job;
	pthread_t		 th;
	long			 best;
	int			 started;

	two.slot = xcalloc((size_t)pb->nq + 1, sizeof *two.slot);
	memcpy(two.slot, pb->slot, (size_t)pb->nq * sizeof *two.slot);
	two.seed = pb->seed ^ 0x7365636f6e642d31ULL;
	job.pb = &two;
	job.best = LONG_MAX;
	started = pthread_create(&th, NULL, sg_thread, &job) == 0;
	best = SG_FIRST(pb);
	if (started) {
		pthread_join(th, NULL);
		if (job.best < best) {
			best = job.best;
			memcpy(pb->slot, two.slot, (size_t)pb->nq *
			    sizeof *two.slot);
		}
		pb->done += two.done;
		pb->hit |= two.hit;
	}
	free(two.slot);
	return best;
}
