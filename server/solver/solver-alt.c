/*
 * solver-alt.c — the other sets of people a request may meet with
 * (solver_request.alts: other teams of interpreters for its language
 * pairs). The searches place each request with its own people; after them,
 * sv_alts tries every request left out with each of its alts in turn,
 * highest priority first, and places it with the first that fits around
 * everything placed. The solver's answer says which alt each took.
 */
#include <stdlib.h>

#include "../util.h"
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
	const struct solver_request	*src = &sv->pb->requests[q];
	struct sv_req			*r = &sv->rq[q];

	r->own.people = a < 0 ? src->people : src->alts[a].people;
	r->own.npeople = a < 0 ? src->npeople : src->alts[a].npeople;
	r->alt = a;
	sv_req_starts(sv, q);
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
