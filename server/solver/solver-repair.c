/*
 * solver-repair.c — the start of a repair (a problem with move_penalty):
 * every request that has a current place is put back there, then the
 * requests without a place (those a move bumped) are placed by an
 * ejection-chain search that moves the fewest requests from home.
 *
 * The search deepens a budget of moved requests 0, 1, 2, ...: at each
 * step it takes the first unplaced request and places it at its best
 * free start, or else at a start and room whose blockers (the placed
 * requests in its room, in its people's way, or whose precedence it would
 * break) it ejects; ejected requests are placed in turn. A branch dies
 * once more requests are away from home than the budget allows, so the
 * first plan found moves the fewest (within the search's bounds: one
 * start per set of blockers, SR_MAXBLK blockers, a node count and a
 * clock). The annealing of solver.c then polishes it with the penalty in
 * its objective, so it never moves more.
 * Pure computation, like solver.c.
 */
#include <stdlib.h>
#include <string.h>

#include "solver-grid.h"
#include "solver-sv.h"
#include "../util.h"

#define SR_MAXBLK	4	/* blockers ejected for one placement */
#define SR_MAXSEEN	64	/* distinct blocker sets tried per step */
#define SR_MAXBUDGET	8	/* moved requests tried at most */
#define SR_MAXNODES	20000L	/* steps of one search, all budgets */

/* One search. */
struct sr {
	struct sv	*sv;
	double		 deadline;
	long		 nodes;
	int		 budget;
	int		 depth, maxdepth;
	int		 aborted;
};

/* Can q sit at cell s in room k (its own home) given what is placed? */
static int
sr_fits(struct sv *sv, int q, int s, int k)
{
	const struct sv_req	*r = &sv->rq[q];
	int			 i, j, venue = sv->pb->rooms[k].venue;

	if (!sv_has_start(r, s) || !sv_room_free(sv, k, s, s + r->d))
		return 0;
	for (j = 0; j < r->nrooms && r->rooms[j] != k; j++)
		;
	if (j == r->nrooms)
		return 0;
	for (i = 0; i < r->src->npeople; i++)
		if (!sv_person_precise(sv, r->src->people[i], s, s + r->d, venue))
			return 0;
	return (sv->nprec == 0 || sv_prec_ok(sv, q, s)) && sv_cap_ok(sv, q, s);
}

/* Put each request with a current place there, where it still fits. */
void
sv_place_homes(struct sv *sv)
{
	int	 q;

	for (q = 0; q < sv->nq; q++)
		if (sv->rq[q].home_s >= 0 && sv->rq[q].nstarts > 0 &&
		    sv->ps[q] < 0 && sr_fits(sv, q, sv->rq[q].home_s,
		    sv->rq[q].home_k))
			sv_place(sv, q, sv->rq[q].home_s, sv->rq[q].home_k);
}

/* Requests with a current place that are not there (placed or not). */
static int
sr_away(const struct sv *sv)
{
	int	 q, n = 0;

	for (q = 0; q < sv->nq; q++)
		if (sv->rq[q].home_s >= 0 && (sv->ps[q] != sv->rq[q].home_s ||
		    sv->pr[q] != sv->rq[q].home_k))
			n++;
	return n;
}

/* The first placeable request that is not placed, or -1. */
static int
sr_next(const struct sv *sv)
{
	int	 q;

	for (q = 0; q < sv->nq; q++)
		if (sv->rq[q].nstarts > 0 && sv->ps[q] < 0)
			return q;
	return -1;
}

/* Add b to set (n entries, sorted); 0 if the set is full. */
static int
sr_add(int *set, int *n, int b)
{
	int	 i, j;

	for (i = 0; i < *n && set[i] < b; i++)
		;
	if (i < *n && set[i] == b)
		return 1;
	if (*n == SR_MAXBLK)
		return 0;
	for (j = *n; j > i; j--)
		set[j] = set[j - 1];
	set[i] = b;
	(*n)++;
	return 1;
}

/* Placed requests whose precedence with q at s would break; -1 if full. */
static int
sr_prec_blockers(const struct sv *sv, int q, int s, int *set, int *n)
{
	const struct sv_req	*r = &sv->rq[q];
	int			 i, o;

	for (i = 0; i < r->npre; i++)
		if ((o = r->pre[i]) != q && sv->ps[o] >= 0 &&
		    sv->ps[o] + sv->rq[o].d > s && !sr_add(set, n, o))
			return -1;
	for (i = 0; i < r->nsuc; i++)
		if ((o = r->suc[i]) != q && sv->ps[o] >= 0 &&
		    s + r->d > sv->ps[o] && !sr_add(set, n, o))
			return -1;
	return 0;
}

/* Placed requests in the way of q at s in room k (sorted); their number,
 * or -1 if something that cannot move is in the way. */
static int
sr_blockers(const struct sv *sv, int q, int s, int k, int *set)
{
	const struct sv_req	*r = &sv->rq[q];
	const int		*o = sv->rown + (size_t)k * sv->H;
	const struct sv_list	*l;
	const struct sv_item	*it;
	int			 i, j, c, n = 0, e = s + r->d;
	int			 v = sv->pb->rooms[k].venue;

	for (c = s; c < e; c++)
		if (o[c] == SV_BUSY || (o[c] >= 0 && !sr_add(set, &n, o[c])))
			return -1;
	for (i = 0; i < r->src->npeople; i++) {
		l = &sv->all[r->src->people[i]];
		for (j = 0; j < l->n; j++) {
			it = &l->v[j];
			if (it->e + sv_gap(sv, it->venue, v) <= s ||
			    e + sv_gap(sv, v, it->venue) <= it->s)
				continue;
			if (it->req < 0 || !sr_add(set, &n, it->req))
				return -1;
		}
	}
	if (sv->nprec > 0 && sr_prec_blockers(sv, q, s, set, &n) != 0)
		return -1;
	for (i = 0; i < n; i++)
		if (sv->rq[set[i]].fixed_s >= 0)
			return -1;
	return n;
}

/* Has this set of blockers been tried at this step? If not, note it. */
static int
sr_seen(int (*seen)[SR_MAXBLK + 1], int *nseen, const int *set, int n)
{
	int	 i;

	for (i = 0; i < *nseen; i++)
		if (seen[i][0] == n && memcmp(&seen[i][1], set,
		    (size_t)n * sizeof *set) == 0)
			return 1;
	if (*nseen == SR_MAXSEEN)
		return 1;
	seen[*nseen][0] = n;
	memcpy(&seen[*nseen][1], set, (size_t)n * sizeof *set);
	(*nseen)++;
	return 0;
}

static int	 sr_step(struct sr *);

/* Place q at s ejecting set (n), then go on; 1 if everything got placed,
 * else everything as it was. */
static int
sr_eject(struct sr *x, int q, int s, const int *set, int n)
{
	struct sv	*sv = x->sv;
	int		 os[SR_MAXBLK], ok[SR_MAXBLK], i, k, db = 0, drc = 0;

	for (i = 0; i < n; i++) {
		os[i] = sv->ps[set[i]];
		ok[i] = sv->pr[set[i]];
		sv_unplace(sv, set[i]);
	}
	if ((k = sv_best_at(sv, q, s, &db, &drc)) >= 0) {
		sv_place(sv, q, s, k);
		if (sr_step(x))
			return 1;
		sv_unplace(sv, q);
	}
	for (i = 0; i < n; i++)
		sv_place(sv, set[i], os[i], ok[i]);
	return 0;
}

/* Blockers of q at home, within the budget: how many would leave home. */
static int
sr_homes(const struct sv *sv, const int *set, int n)
{
	int	 i, h = 0;

	for (i = 0; i < n; i++)
		h += sv->rq[set[i]].home_s >= 0 &&
		    sv->ps[set[i]] == sv->rq[set[i]].home_s &&
		    sv->pr[set[i]] == sv->rq[set[i]].home_k;
	return h;
}

/* Try q at every start and room, ejecting what is in the way. */
static int
sr_try_ejections(struct sr *x, int q, int away)
{
	struct sv	*sv = x->sv;
	const struct sv_req *r = &sv->rq[q];
	int		 seen[SR_MAXSEEN][SR_MAXBLK + 1], nseen = 0;
	int		 set[SR_MAXBLK], i, j, n;

	for (i = 0; i < r->nstarts; i++) {
		for (j = 0; j < r->nrooms; j++) {
			n = sr_blockers(sv, q, r->starts[i], r->rooms[j], set);
			if (n <= 0 || away + sr_homes(sv, set, n) > x->budget ||
			    sr_seen(seen, &nseen, set, n))
				continue;
			if (sr_eject(x, q, r->starts[i], set, n))
				return 1;
			if (x->aborted)
				return 0;
		}
	}
	return 0;
}

/* One step: place the next unplaced request; 1 once all are placed. */
static int
sr_step(struct sr *x)
{
	struct sv	*sv = x->sv;
	int		 q, s, k = -1, away;

	if ((q = sr_next(sv)) < 0)
		return 1;
	if (++x->nodes > SR_MAXNODES ||
	    ((x->nodes & 15) == 0 && sg_now_ms() > x->deadline)) {
		x->aborted = 1;
		return 0;
	}
	if (x->depth >= x->maxdepth || (away = sr_away(sv)) > x->budget)
		return 0;
	x->depth++;
	if ((s = sv_best_start(sv, q, &k)) >= 0) {
		sv_place(sv, q, s, k);
		if (sr_step(x)) {
			x->depth--;
			return 1;
		}
		sv_unplace(sv, q);
	}
	if (!x->aborted && sr_try_ejections(x, q, away)) {
		x->depth--;
		return 1;
	}
	x->depth--;
	return 0;
}

/* Place every placeable request, moving as few from home as it can find. */
int
sv_repair(struct sv *sv, double deadline)
{
	struct sr	 x;
	int		 q, open = 0;

	memset(&x, 0, sizeof x);
	x.sv = sv;
	x.deadline = deadline;
	for (q = 0; q < sv->nq; q++)
		open += sv->rq[q].nstarts > 0 && sv->ps[q] < 0;
	if (open == 0)
		return 0;
	for (x.budget = 0; x.budget <= SR_MAXBUDGET && !x.aborted; x.budget++) {
		x.maxdepth = open + 2 * x.budget + 1;
		if (sr_step(&x))
			return 0;
	}
	return -1;
}
