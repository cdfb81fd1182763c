/*
 * solver-alt.c — the other sets of people a request may meet with
 * (solver_request.alts: other teams of interpreters for its language
 * pairs). The searches place each request with its own people; after them,
 * sv_alts tries every request left out with each of its alts in turn,
 * highest priority first, and places it with the first that fits around
 * everything placed. sv_trades then tries those still out once more,
 * moving placed requests to another of their teams (below). The solver's
 * answer says which alt each took.
 */
#include <stdlib.h>

#include "../util.h"
#include "solver-grid.h"
#include "solver-sv.h"


/* Can alt a of request q be used: people in range, none twice? */
int
sv_alt_ok(const struct sv *sv, int q, int a)
{
	const struct solver_request	*src = &sv->pb->requests[q];
	const struct solver_alt		*x;
	int				 i, j;

	if (src->alts == NULL || a < 0 || a >= src->nalts)
		return 0;
	x = &src->alts[a];
	if (x->people == NULL || x->npeople < 1 || x->npeople > sv->maxnp)
		return 0;
	for (i = 0; i < x->npeople; i++) {
		if (x->people[i] < 0 || x->people[i] >= sv->np)
			return 0;
		for (j = 0; j < i; j++)
			if (x->people[j] == x->people[i])
				return 0;
	}
	return 1;
}

/* Request q (unplaced) meets with alt a, or its own people for -1; its
 * static starts and rooms follow. */
void
sv_alt_use(struct sv *sv, int q, int a)
{
	sv_alt_set(sv, q, a);
	sv_req_starts(sv, q);
}

/* Request q meets with alt a, or its own people for -1; its static starts
 * are left as they were (the trades check each start they try). */
void
sv_alt_set(struct sv *sv, int q, int a)
{
	const struct solver_request	*src = &sv->pb->requests[q];
	struct sv_req			*r = &sv->rq[q];

	r->own.people = a < 0 ? src->people : src->alts[a].people;
	r->own.npeople = a < 0 ? src->npeople : src->alts[a].npeople;
	r->alt = a;
}

/* Place unplaced q with the first of its alts that fits; 1 if placed. */
static int
sv_alt_place(struct sv *sv, int q)
{
	int	 a, s, k = -1;

	for (a = 0; a < sv->pb->requests[q].nalts; a++) {
		if (!sv_alt_ok(sv, q, a))
			continue;
		sv_alt_use(sv, q, a);
		if (sv->rq[q].nstarts > 0 && (s = sv_best_start(sv, q, &k)) >= 0) {
			sv_place(sv, q, s, k);
			return 1;
		}
	}
	sv_alt_use(sv, q, -1);
	return 0;
}

/* Order of the requests tried: highest priority, then index. */
static int
sv_alt_cmp(const void *a, const void *b, void *arg)
{
	const struct sv	*sv = arg;
	int		 x = *(const int *)a, y = *(const int *)b;
	int		 px = sv->rq[x].src->priority, py = sv->rq[y].src->priority;

	if (px != py)
		return py - px;
	return x - y;
}

/* Place the requests left out that have alts, each with the first alt
 * that fits, highest priority first. */
void
sv_alts(struct sv *sv)
{
	int	*order = xcalloc((size_t)sv->nq + 1, sizeof *order);
	int	 q, n = 0;

	for (q = 0; q < sv->nq; q++)
		if (sv->ps[q] < 0 && sv->rq[q].reason != SOLVER_INVALID &&
		    sv->pb->requests[q].nalts > 0)
			order[n++] = q;
	qsort_r(order, (size_t)n, sizeof *order, sv_alt_cmp, sv);
	for (q = 0; q < n; q++)
		sv_alt_place(sv, order[q]);
	free(order);
}

/*
 * Trades. sv_alts only gives other teams to requests left out; a request
 * whose every team is held, at each time it could meet, by placed requests
 * that could have met with another team stayed out. sv_trades tries each
 * request left out (highest priority first), with each of its teams, at
 * each start of its window: the placed requests that share its people
 * near that start (at most SV_TRADE_MAX, every one with alts) are taken
 * out, it is placed if that start is then possible, and each of them is
 * put back at its own start with the first of its teams (its own, then its
 * alts) that fits. Nothing placed is lost, so a trade only adds a request;
 * one that does not work out is undone.
 */

#define SV_TRADE_MAX	4

/* The placed requests other than q with a meeting of one of q's people
 * within the widest gap of q at s, into out; -1 if more than SV_TRADE_MAX
 * or one of them has no alts. */
static int
sv_blockers(const struct sv *sv, int q, int s, int *out)
{
	const struct solver_request	*src = sv->rq[q].src;
	const struct sv_list		*l;
	int				 i, j, k, p, n = 0, e = s + sv->rq[q].d;

	for (i = 0; i < src->npeople; i++) {
		l = &sv->mtg[src->people[i]];
		for (j = 0; j < l->n && l->v[j].s < e + sv->G; j++) {
			p = l->v[j].req;
			if (p < 0 || p == q || l->v[j].e + sv->G <= s)
				continue;
			for (k = 0; k < n && out[k] != p; k++)
				;
			if (k < n)
				continue;
			if (n == SV_TRADE_MAX || sv->pb->requests[p].nalts == 0)
				return -1;
			out[n++] = p;
		}
	}
	return n;
}

/* Place unplaced p at start s in its best room there; 1 if it fits. */
static int
sv_trade_place(struct sv *sv, int p, int s)
{
	int	 k, db = 0, drc = 0;

	if (!sv_start_ok(sv, p, s) || (k = sv_best_at(sv, p, s, &db, &drc)) < 0)
		return 0;
	sv_place(sv, p, s, k);
	return 1;
}

/* Put unplaced p back at start s with the first of its teams that fits
 * there; 1 if placed. */
static int
sv_trade_back(struct sv *sv, int p, int s)
{
	int	 a;

	for (a = -1; a < sv->pb->requests[p].nalts; a++) {
		if (a >= 0 && !sv_alt_ok(sv, p, a))
			continue;
		sv_alt_set(sv, p, a);
		if (sv_trade_place(sv, p, s))
			return 1;
	}
	return 0;
}

/* q at s, its blockers bl[0..nb) taken out and put back (see above); 1 if
 * done, else everything as it was. */
static int
sv_trade_at(struct sv *sv, int q, int s, const int *bl, int nb)
{
	int	 was[SV_TRADE_MAX][3];
	int	 i, j;

	for (i = 0; i < nb; i++) {
		was[i][0] = sv->ps[bl[i]];
		was[i][1] = sv->pr[bl[i]];
		was[i][2] = sv->rq[bl[i]].alt;
		sv_unplace(sv, bl[i]);
	}
	i = 0;
	if (sv_trade_place(sv, q, s)) {
		while (i < nb && sv_trade_back(sv, bl[i], was[i][0]))
			i++;
		if (i == nb)
			return 1;
		sv_unplace(sv, q);
	}
	for (j = 0; j < nb; j++) {
		if (j < i)
			sv_unplace(sv, bl[j]);
		sv_alt_set(sv, bl[j], was[j][2]);
		sv_place(sv, bl[j], was[j][0], was[j][1]);
	}
	return 0;
}

/* Try unplaced q with team a (-1: its own) at each start of its window. */
static int
sv_trade_team(struct sv *sv, int q, int a, double deadline)
{
	int	 bl[SV_TRADE_MAX];
	int	 s, nb;

	sv_alt_set(sv, q, a);
	for (s = sv->rq[q].lo; s <= sv->rq[q].hi; s++) {
		if (((s - sv->rq[q].lo) & 63) == 0 && sg_now_ms() > deadline)
			return 0;
		nb = sv_blockers(sv, q, s, bl);
		if (nb > 0 && sv_trade_at(sv, q, s, bl, nb))
			return 1;
	}
	return 0;
}

/* Place requests left out by trading teams with placed ones, highest
 * priority first, until deadline (sg_now_ms()). Only when some request
 * has alts (without them nothing can be traded), and not in a repair
 * (move_penalty): its requests have sessions, whose write keeps the
 * interpreters free then and picks the others itself (sql/520), so a team
 * traded away from a session left at home would never be written. */
void
sv_trades(struct sv *sv, double deadline)
{
	int	*order;
	int	 q, a, n = 0, any = 0;

	if (sv->pen > 0)
		return;
	for (q = 0; q < sv->nq && !any; q++)
		any = sv->pb->requests[q].nalts > 0;
	if (!any)
		return;
	order = xcalloc((size_t)sv->nq + 1, sizeof *order);
	for (q = 0; q < sv->nq; q++)
		if (sv->ps[q] < 0 && sv->rq[q].reason != SOLVER_INVALID)
			order[n++] = q;
	qsort_r(order, (size_t)n, sizeof *order, sv_alt_cmp, sv);
	for (q = 0; q < n && sg_now_ms() <= deadline; q++) {
		for (a = -1; a < sv->pb->requests[order[q]].nalts; a++)
			if ((a < 0 || sv_alt_ok(sv, order[q], a)) &&
			    sv_trade_team(sv, order[q], a, deadline))
				break;
		if (sv->ps[order[q]] < 0)
			sv_alt_use(sv, order[q], -1);
	}
	free(order);
}
