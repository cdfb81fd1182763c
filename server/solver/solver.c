/*
 * solver.c — bilateral placement: greedy construction (most constrained and
 * highest priority first) followed by simulated annealing over relocations,
 * swaps, Kempe chains, gap closing, Hungarian re-seating of a person and
 * insertions with ejection, bounded by iterations and a clock.
 *
 * Where rooms are interchangeable and there is no changeover or travel (the
 * B2B benchmark), meetings are just start cells: once every request that
 * can be placed is (annealing first if the greedy left some out, so that
 * priorities stay first), the breaks are minimised by the much faster
 * grid search of solver-grid.c (two seeds on two threads), and a short
 * annealing then settles rooms.
 *
 * Internally time is in grid cells of slot_minutes from an origin just
 * before the first day window. Each person has a per-cell occupancy count
 * (fast clash test) and two item lists: everything they do (exact gap
 * checks with changeover and travel) and their meetings sorted by start
 * (breaks and room changes). Each room has a per-cell owner.
 * Pure computation: no I/O, reentrant; no globals but the large cell
 * tables kept between solves (solver-cells.c).
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "solver.h"
#include "solver-cells.h"
#include "solver-grid.h"
#include "solver-sv.h"
#include "../util.h"

/* Next random number of this solve (splitmix64, shared with the grid search). */
static uint64_t
sv_rand(struct sv *sv)
{
	return sg_rng_next(&sv->rng);
}

/* Uniform integer in [0, n). */
static int
sv_randn(struct sv *sv, int n)
{
	return (int)(sv_rand(sv) % (uint64_t)n);
}

/* Uniform double in [0, 1). */
static double
sv_rand01(struct sv *sv)
{
	return (double)(sv_rand(sv) >> 11) * (1.0 / 9007199254740992.0);
}

/* Floor division for possibly negative numerators. */
static int
sv_floordiv(int a, int b)
{
	return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* Minute to cell, rounding down. */
static int
sv_cell_floor(const struct sv *sv, int minute)
{
	return sv_floordiv(minute - sv->origin, sv->slot);
}

/* Minute to cell, rounding up. */
static int
sv_cell_ceil(const struct sv *sv, int minute)
{
	return -sv_floordiv(sv->origin - minute, sv->slot);
}

/* Required gap in cells from something at venue a to something at venue b. */
int
sv_gap(const struct sv *sv, int a, int b)
{
	int	 t;

	if (a < 0 || b < 0 || a >= sv->nv || b >= sv->nv || sv->trav == NULL)
		return sv->chg;
	t = sv->trav[a * sv->nv + b];
	return t > sv->chg ? t : sv->chg;
}

/* Append an item to a list. */
static void
sv_list_add(struct sv_list *l, const struct sv_item *it)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xrealloc(l->v, (size_t)l->cap * sizeof *l->v);
	}
	l->v[l->n++] = *it;
}

/* Insert an item into a list kept sorted by start. */
static void
sv_list_insert_sorted(struct sv_list *l, const struct sv_item *it)
{
	int	 i;

	sv_list_add(l, it);
	for (i = l->n - 1; i > 0 && l->v[i - 1].s > it->s; i--)
		l->v[i] = l->v[i - 1];
	l->v[i] = *it;
}

/* Remove the item of request q from a list, keeping order. */
static void
sv_list_remove(struct sv_list *l, int q)
{
	int	 i;

	for (i = 0; i < l->n; i++) {
		if (l->v[i].req == q) {
			memmove(&l->v[i], &l->v[i + 1],
			    (size_t)(l->n - i - 1) * sizeof *l->v);
			l->n--;
			return;
		}
	}
}

/* Day of an interval: that of its first cell inside a window, else -1. */
static int
sv_day_of(const struct sv *sv, int s, int e)
{
	if (s >= 0 && s < sv->H && sv->dayof[s] >= 0)
		return sv->dayof[s];
	if (e - 1 >= 0 && e - 1 < sv->H)
		return sv->dayof[e - 1];
	return -1;
}

/* Is b (after a, same day) a break, i.e. not back to back? */
static int
sv_is_break(const struct sv *sv, const struct sv_item *a,
    const struct sv_item *b)
{
	if (a == NULL || b == NULL)
		return 0;
	return b->s - a->e > sv_gap(sv, a->venue, b->venue);
}

/* Do a and b (consecutive) sit in different rooms (or venues)? */
static int
sv_is_change(const struct sv_item *a, const struct sv_item *b)
{
	if (a == NULL || b == NULL)
		return 0;
	if (a->room >= 0 && b->room >= 0)
		return a->room != b->room;
	return a->venue != b->venue;
}

/* Previous and next meeting of person p on the day of a meeting at s. */
static void
sv_neighbours(const struct sv *sv, int p, int s, const struct sv_item **prev,
    const struct sv_item **next)
{
	const struct sv_list	*l = &sv->mtg[p];
	int			 i, day = sv->dayof[s];

	int			 lo = 0, hi = l->n, mid;

	while (lo < hi) {	/* first item starting at or after s */
		mid = (lo + hi) / 2;
		if (l->v[mid].s < s)
			lo = mid + 1;
		else
			hi = mid;
	}
	i = lo;
	*prev = (i > 0 && l->v[i - 1].day == day) ? &l->v[i - 1] : NULL;
	*next = (i < l->n && l->v[i].day == day) ? &l->v[i] : NULL;
}

/* Change in breaks and room changes when m goes between prev and next. */
static void
sv_delta(const struct sv *sv, const struct sv_item *prev,
    const struct sv_item *next, const struct sv_item *m, int *db, int *drc)
{
	*db += sv_is_break(sv, prev, m) + sv_is_break(sv, m, next) -
	    sv_is_break(sv, prev, next);
	*drc += sv_is_change(prev, m) + sv_is_change(m, next) -
	    sv_is_change(prev, next);
}

/* Exact check of [s,e) at venue against everything person p does. */
int
sv_person_precise(const struct sv *sv, int p, int s, int e, int venue)
{
	const struct sv_list	*l = &sv->all[p];
	const struct sv_item	*it;
	int			 i;

	for (i = 0; i < l->n; i++) {
		it = &l->v[i];
		if (it->e + sv_gap(sv, it->venue, venue) <= s)
			continue;
		if (e + sv_gap(sv, venue, it->venue) <= it->s)
			continue;
		return 0;
	}
	return 1;
}

/* Cell scan for person p: 0 clash, 1 clear, 2 something within the gap. */
static int
sv_person_scan(const struct sv *sv, int p, int s, int e)
{
	const unsigned short	*o = sv->pocc + (size_t)p * sv->H;
	int			 c, a = s - sv->G, b = e + sv->G;

	for (c = s; c < e; c++)
		if (o[c])
			return 0;
	if (a < 0)
		a = 0;
	if (b > sv->H)
		b = sv->H;
	for (c = a; c < s; c++)
		if (o[c])
			return 2;
	for (c = e; c < b; c++)
		if (o[c])
			return 2;
	return 1;
}

/* Is room k free over [s,e)? */
int
sv_room_free(const struct sv *sv, int k, int s, int e)
{
	const int	*o = sv->rown + (size_t)k * sv->H;
	int		 c;

	for (c = s; c < e; c++)
		if (o[c] != SV_FREE)
			return 0;
	return 1;
}

/* Add or remove occupancy of person p over [s,e). */
static void
sv_pocc_add(struct sv *sv, int p, int s, int e, int delta)
{
	unsigned short	*o = sv->pocc + (size_t)p * sv->H;
	int		 c;

	if (s < 0)
		s = 0;
	if (e > sv->H)
		e = sv->H;
	for (c = s; c < e; c++)
		o[c] = (unsigned short)(o[c] + delta);
}

/* Set the owner of room k over [s,e). */
static void
sv_room_set(struct sv *sv, int k, int s, int e, int owner)
{
	int	*o = sv->rown + (size_t)k * sv->H;
	int	 c;

	if (s < 0)
		s = 0;
	if (e > sv->H)
		e = sv->H;
	for (c = s; c < e; c++)
		o[c] = owner;
}

/* Change person p's break count by d. */
static void
sv_person_brk(struct sv *sv, int p, int d)
{
	if (d == 0)
		return;
	if (sv->pbrk[p] == 0)
		sv->nbrk++;
	sv->pbrk[p] += d;
	if (sv->pbrk[p] == 0)
		sv->nbrk--;
}

/* Person p's day cap on day d in minutes, or -1 for none. */
static int
sv_cap(const struct sv *sv, int p, int d)
{
	const int	*c = sv->pb->people[p].day_cap;

	return c != NULL && d >= 0 && d < sv->nd ? c[d] : -1;
}

/* Add minutes to person p's placed meetings of day d. */
static void
sv_load_add(struct sv *sv, int p, int d, int minutes)
{
	if (d >= 0 && d < sv->nd)
		sv->pload[(size_t)p * sv->nd + d] += minutes;
}

/* Would q at start s keep its people within their day caps? */
int
sv_cap_ok(const struct sv *sv, int q, int s)
{
	const struct solver_request	*src = sv->rq[q].src;
	int				 i, p, cap, d = sv->dayof[s];

	for (i = 0; i < src->npeople && sv->ncap > 0; i++) {
		p = src->people[i];
		cap = sv_cap(sv, p, d);
		if (cap >= 0 && sv->pload[(size_t)p * sv->nd + d] +
		    src->duration > cap)
			return 0;
	}
	return 1;
}

/* 1 if a request with a current place (move_penalty) sits elsewhere at
 * cell s in room k: one meeting moved. */
static int
sv_away(const struct sv_req *r, int s, int k)
{
	return r->home_s >= 0 && (s != r->home_s || k != r->home_k);
}

/*
 * The placeable requests that are not placed, as a Fenwick tree over the
 * request indices (1 where rq[q].nstarts > 0 and ps[q] < 0), so that the
 * annealing picks the k-th of them in O(log nq): the same one as listing
 * them in index order and taking the k-th, which it did by scanning every
 * request at each pick (60 % of its time at 20,000 requests, perf).
 */
static void
sv_open_sync(struct sv *sv, int q)
{
	int	 want, d, i;

	if (sv->openbit == NULL)
		return;
	want = sv->rq[q].nstarts > 0 && sv->ps[q] < 0;
	if (want == sv->openmark[q])
		return;
	sv->openmark[q] = (char)want;
	d = want ? 1 : -1;
	sv->nopen += d;
	for (i = q + 1; i <= sv->nq; i += i & -i)
		sv->openbit[i] += d;
}

/* Build the tree once every request has its starts. */
static void
sv_open_init(struct sv *sv)
{
	int	 q;

	sv->openbit = xcalloc((size_t)sv->nq + 1, sizeof *sv->openbit);
	sv->openmark = xcalloc((size_t)sv->nq + 1, 1);
	for (sv->openlog = 1; sv->openlog * 2 <= sv->nq; sv->openlog *= 2)
		;
	for (q = 0; q < sv->nq; q++)
		sv_open_sync(sv, q);
}

/* The k-th (from 0) open request in index order; 0 <= k < nopen. */
static int
sv_open_kth(const struct sv *sv, int k)
{
	int	 pos = 0, step;

	for (step = sv->openlog; step > 0; step >>= 1)
		if (pos + step <= sv->nq && sv->openbit[pos + step] <= k) {
			pos += step;
			k -= sv->openbit[pos];
		}
	return pos;
}

/* Place request q at start cell s in room k (must be feasible). */
void
sv_place(struct sv *sv, int q, int s, int k)
{
	const struct sv_req	*r = &sv->rq[q];
	const struct sv_item	*prev, *next;
	struct sv_item		 m;
	int			 i, p, pdb, db = 0, drc = 0;

	m.s = s;
	m.e = s + r->d;
	m.venue = sv->pb->rooms[k].venue;
	m.room = k;
	m.req = q;
	m.day = sv->dayof[s];
	for (i = 0; i < r->src->npeople; i++) {
		p = r->src->people[i];
		sv_neighbours(sv, p, s, &prev, &next);
		pdb = 0;
		sv_delta(sv, prev, next, &m, &pdb, &drc);
		sv_person_brk(sv, p, pdb);
		db += pdb;
		sv_list_insert_sorted(&sv->mtg[p], &m);
		sv_list_add(&sv->all[p], &m);
		sv_pocc_add(sv, p, m.s, m.e, 1);
		sv->pown[(size_t)p * sv->H + s] = q;
		sv_load_add(sv, p, m.day, r->src->duration);
	}
	sv_room_set(sv, k, m.s, m.e, q);
	sv->ps[q] = s;
	sv->pr[q] = k;
	sv->P += r->src->priority;
	sv->nplaced++;
	sv->M += sv_away(r, s, k);
	sv->B += db;
	sv->RC += drc;
	sv->E += s - r->lo;
	sv_open_sync(sv, q);
}

/* Remove placed request q. */
void
sv_unplace(struct sv *sv, int q)
{
	const struct sv_req	*r = &sv->rq[q];
	const struct sv_item	*prev, *next;
	struct sv_list		*l;
	struct sv_item		 m;
	int			 i, j, p, pdb, db = 0, drc = 0;

	m.s = sv->ps[q];
	m.e = m.s + r->d;
	m.room = sv->pr[q];
	m.venue = sv->pb->rooms[m.room].venue;
	m.req = q;
	m.day = sv->dayof[m.s];
	for (i = 0; i < r->src->npeople; i++) {
		p = r->src->people[i];
		sv_list_remove(&sv->mtg[p], q);
		l = &sv->all[p];
		for (j = 0; j < l->n; j++) {
			if (l->v[j].req == q) {
				l->v[j] = l->v[--l->n];
				break;
			}
		}
		sv_neighbours(sv, p, m.s, &prev, &next);
		pdb = 0;
		sv_delta(sv, prev, next, &m, &pdb, &drc);
		sv_person_brk(sv, p, -pdb);
		db += pdb;
		sv_pocc_add(sv, p, m.s, m.e, -1);
		sv->pown[(size_t)p * sv->H + m.s] = -1;
		sv_load_add(sv, p, m.day, -r->src->duration);
	}
	sv_room_set(sv, m.room, m.s, m.e, SV_FREE);
	sv->ps[q] = -1;
	sv->pr[q] = -1;
	sv->P -= r->src->priority;
	sv->nplaced--;
	sv->M -= sv_away(r, m.s, m.room);
	sv->B -= db;
	sv->RC -= drc;
	sv->E -= m.s - r->lo;
	sv_open_sync(sv, q);
}

/*
 * What one sv_best_at call knows of a venue: whether its people fit there
 * (the exact check depends on the venue, not the room: 1 yes, -1 no, 0 not
 * asked yet) and whether a room of it other than the neighbours' was
 * priced (all such rooms cost the same: only the first free one is).
 */
static int
sv_venue_slot(struct sv *sv, int venue)
{
	int	 i;

	for (i = 0; i < sv->nvs; i++)
		if (sv->vid[i] == venue)
			return i;
	sv->vid[i] = venue;
	sv->vfit[i] = sv->vother[i] = 0;
	return sv->nvs++;
}

/* Do q's people near m fit at m's venue (asked once per venue and call)? */
static int
sv_venue_fits(struct sv *sv, int q, const struct sv_item *m, int v)
{
	const struct solver_request *src = sv->rq[q].src;
	int	 i;

	if (sv->vfit[v] == 0) {
		sv->vfit[v] = 1;
		for (i = 0; i < src->npeople; i++)
			if (sv->near[i] && !sv_person_precise(sv,
			    src->people[i], m->s, m->e, m->venue)) {
				sv->vfit[v] = -1;
				break;
			}
	}
	return sv->vfit[v] > 0;
}

/* Breaks and room changes if q sits at s in room k; 0 if k is unusable. */
static int
sv_try_room(struct sv *sv, int q, struct sv_item *m, int k, int *xdb,
    int *xdrc)
{
	const struct solver_request *src = sv->rq[q].src;
	int	 i, v = sv_venue_slot(sv, sv->pb->rooms[k].venue);

	if (sv->vfit[v] < 0 || !sv_room_free(sv, k, m->s, m->e))
		return 0;
	m->venue = sv->pb->rooms[k].venue;
	m->room = k;
	if (!sv_venue_fits(sv, q, m, v))
		return 0;
	*xdb = *xdrc = 0;
	for (i = 0; i < src->npeople; i++)
		sv_delta(sv, sv->nbp[i], sv->nbn[i], m, xdb, xdrc);
	return 1;
}

/* Is room k one of the neighbours' rooms? */
static int
sv_is_nb_room(const struct sv *sv, int np, int k)
{
	int	 i;

	for (i = 0; i < np; i++)
		if ((sv->nbp[i] != NULL && sv->nbp[i]->room == k) ||
		    (sv->nbn[i] != NULL && sv->nbn[i]->room == k))
			return 1;
	return 0;
}

/* Would q at start s keep its precedences with the placed requests? */
int
sv_prec_ok(const struct sv *sv, int q, int s)
{
	const struct sv_req	*r = &sv->rq[q];
	int			 i, o;

	for (i = 0; i < r->npre; i++)
		if ((o = r->pre[i]) != q && sv->ps[o] >= 0 &&
		    sv->ps[o] + sv->rq[o].d > s)
			return 0;
	for (i = 0; i < r->nsuc; i++)
		if ((o = r->suc[i]) != q && sv->ps[o] >= 0 &&
		    s + r->d > sv->ps[o])
			return 0;
	return 1;
}

/*
 * Best room for unplaced request q at start s given everything placed:
 * the room with the fewest added breaks, then room changes, then lowest
 * index. Returns the room or -1; adds the deltas to *db and *drc. Within
 * a venue, rooms other than the neighbours' all cost the same, so only
 * those and the first other free room of each venue are tried (rooms
 * ascend, so it is the lowest index of its cost, as trying all would
 * give); the people's exact check is made once per venue.
 */
int
sv_best_at(struct sv *sv, int q, int s, int *db, int *drc)
{
	const struct sv_req	*r = &sv->rq[q];
	const struct solver_request *src = r->src;
	struct sv_item		 m;
	int			 i, j, k, v, st, best = -1, bdb = 0, bdrc = 0;
	int			 xdb, xdrc;

	m.s = s;
	m.e = s + r->d;
	m.req = q;
	m.day = sv->dayof[s];
	if ((sv->nprec > 0 && !sv_prec_ok(sv, q, s)) || !sv_cap_ok(sv, q, s))
		return -1;
	for (i = 0; i < src->npeople; i++) {
		st = sv_person_scan(sv, src->people[i], m.s, m.e);
		if (st == 0)
			return -1;
		sv->near[i] = (st == 2);
		sv_neighbours(sv, src->people[i], s, &sv->nbp[i], &sv->nbn[i]);
	}
	sv->nvs = 0;
	for (j = 0; j < r->nrooms; j++) {
		k = r->rooms[j];
		if (!sv_is_nb_room(sv, src->npeople, k)) {
			v = sv_venue_slot(sv, sv->pb->rooms[k].venue);
			if (sv->vother[v])
				continue;
			if (!sv_try_room(sv, q, &m, k, &xdb, &xdrc))
				continue;
			sv->vother[v] = 1;
		} else if (!sv_try_room(sv, q, &m, k, &xdb, &xdrc))
			continue;
		if (best < 0 || xdb < bdb || (xdb == bdb && xdrc < bdrc) ||
		    (xdb == bdb && xdrc == bdrc && k < best)) {
			best = k;
			bdb = xdb;
			bdrc = xdrc;
		}
	}
	if (best >= 0) {
		*db += bdb;
		*drc += bdrc;
	}
	return best;
}

/* Best start and room for unplaced q over all its starts; -1 if none. */
int
sv_best_start(struct sv *sv, int q, int *room)
{
	const struct sv_req	*r = &sv->rq[q];
	int			 i, s, k, db, drc, best = -1, bdb = 0, bdrc = 0;

	for (i = 0; i < r->nstarts; i++) {
		s = r->starts[i];
		db = drc = 0;
		k = sv_best_at(sv, q, s, &db, &drc);
		if (k < 0)
			continue;
		if (best < 0 || db < bdb || (db == bdb && drc < bdrc)) {
			best = s;
			*room = k;
			bdb = db;
			bdrc = drc;
		}
	}
	return best;
}

/* Is s one of q's static starts? */
int
sv_has_start(const struct sv_req *r, int s)
{
	return sg_has_start(r->starts, r->nstarts, s);
}

/* Check a request's fields; 0 if usable. */
static int
sv_req_valid(const struct sv *sv, const struct solver_request *src)
{
	int	 i, j;

	if (src->npeople < 1 || src->people == NULL || src->duration <= 0)
		return -1;
	if (src->fixed_room >= sv->nr || src->nafter < 0 ||
	    (src->nafter > 0 && src->after == NULL))
		return -1;
	for (i = 0; i < src->nafter; i++)
		if (src->after[i] < 0 || src->after[i] >= sv->nq ||
		    &sv->pb->requests[src->after[i]] == src)
			return -1;
	for (i = 0; i < src->npeople; i++) {
		if (src->people[i] < 0 || src->people[i] >= sv->np)
			return -1;
		for (j = 0; j < i; j++)
			if (src->people[j] == src->people[i])
				return -1;
	}
	return 0;
}

/* Rooms request q may use. */
static void
sv_req_rooms(struct sv *sv, struct sv_req *r)
{
	const struct solver_request *src = r->src;
	int	 k, need = src->capacity > 0 ? src->capacity : src->npeople;

	r->rooms = xcalloc((size_t)sv->nr, sizeof *r->rooms);
	if (src->fixed_room >= 0) {
		r->rooms[r->nrooms++] = src->fixed_room;
		return;
	}
	for (k = 0; k < sv->nr; k++)
		if (sv->pb->rooms[k].capacity >= need)
			r->rooms[r->nrooms++] = k;
}

/* Can q start at s given busy intervals only? 0 no time, 1 no room, 2 ok. */
static int
sv_static_ok(struct sv *sv, const struct sv_req *r, int s)
{
	const struct solver_request *src = r->src;
	int	 i, j, k, st, cap, e = s + r->d;

	if (s < 0 || e > sv->H || sv->dayof[s] < 0 ||
	    sv->dayof[e - 1] != sv->dayof[s])
		return 0;
	for (i = 0; i < src->npeople; i++) {
		st = sv_person_scan(sv, src->people[i], s, e);
		cap = sv_cap(sv, src->people[i], sv->dayof[s]);
		if (cap >= 0 && cap < src->duration)
			return 0;	/* the day cap alone leaves no time */
		if (st == 0 || (st == 2 && !sv_person_precise(sv,
		    src->people[i], s, e, SOLVER_NO_VENUE)))
			return 0;
		sv->near[i] = (st == 2);
	}
	for (j = 0; j < r->nrooms; j++) {
		k = r->rooms[j];
		if (!sv_room_free(sv, k, s, e))
			continue;
		for (i = 0; i < src->npeople; i++)
			if (sv->near[i] && !sv_person_precise(sv,
			    src->people[i], s, e, sv->pb->rooms[k].venue))
				break;
		if (i == src->npeople)
			return 2;
	}
	return 1;
}

/* Fill the static start list, rooms and reason of request q. */
void
sv_req_starts(struct sv *sv, int q)
{
	struct sv_req	*r = &sv->rq[q];
	const struct solver_request *src = r->src;
	int		 s, hi, st, best = 0;

	free(r->rooms);
	free(r->starts);
	r->rooms = r->starts = NULL;
	r->nrooms = r->nstarts = 0;
	r->d = (src->duration + sv->slot - 1) / sv->slot;
	r->lo = sv_cell_ceil(sv, src->earliest);
	if (r->lo < 0)
		r->lo = 0;
	hi = sv_cell_floor(sv, src->latest) - r->d;
	if (hi > sv->H - r->d)
		hi = sv->H - r->d;
	sv_req_rooms(sv, r);
	if (src->fixed_start >= 0) {
		r->fixed_s = sv_cell_floor(sv, src->fixed_start);
		if (r->fixed_s < r->lo || r->fixed_s > hi)
			hi = r->fixed_s - 1;	/* outside its window */
		r->lo = r->fixed_s;
		if (hi > r->fixed_s)
			hi = r->fixed_s;
	}
	r->hi = hi;
	r->starts = xcalloc((size_t)(hi >= r->lo ? hi - r->lo + 1 : 1),
	    sizeof *r->starts);
	for (s = r->lo; s <= hi; s++) {
		st = sv_static_ok(sv, r, s);
		if (st == 2)
			r->starts[r->nstarts++] = s;
		if (st > best)
			best = st;
	}
	if (r->nstarts > 0)
		r->reason = SOLVER_PLACED;
	else if (src->fixed_start >= 0)
		r->reason = SOLVER_FIXED_CLASH;
	else
		r->reason = best == 0 ? SOLVER_NO_COMMON_TIME : SOLVER_NO_ROOM;
	sv_open_sync(sv, q);
}

/* Could q start at s, in its window, given the busy intervals and what
 * is placed now? (Its static starts were computed once; this asks anew.) */
int
sv_start_ok(struct sv *sv, int q, int s)
{
	const struct sv_req	*r = &sv->rq[q];

	return s >= r->lo && s <= r->hi && sv_static_ok(sv, r, s) == 2;
}

/*
 * Why request q, left out, was left out, from the problem alone (nothing
 * placed yet): lost to other requests when it has a start with its own
 * people or with one of its alts, else the reason its own people give.
 * Asked by solver_solve once, before anything is placed (not by the
 * slots, which give no reasons): the alts' tries after the search
 * recompute the starts around what is placed, which would call a lost
 * request short of common time.
 */
static enum solver_reason
sv_req_why(struct sv *sv, int q)
{
	const struct sv_req	*r = &sv->rq[q];
	int			 a, s, found = 0;

	if (r->reason == SOLVER_INVALID)
		return SOLVER_INVALID;
	if (r->nstarts > 0)
		return SOLVER_CONFLICT;
	for (a = 0; a < sv->pb->requests[q].nalts && !found; a++) {
		if (!sv_alt_ok(sv, q, a))
			continue;
		sv_alt_set(sv, q, a);
		for (s = r->lo; s <= r->hi && !found; s++)
			found = sv_static_ok(sv, r, s) == 2;
	}
	sv_alt_set(sv, q, -1);
	return found ? SOLVER_CONFLICT : r->reason;
}

/* Request q's current place in cells (home_s, home_k), when the problem
 * has a move penalty and the place is on the grid; else -1. */
static void
sv_req_home(struct sv *sv, int q)
{
	const struct solver_request	*src = sv->rq[q].src;
	struct sv_req			*r = &sv->rq[q];

	r->home_s = r->home_k = -1;
	if (sv->pb->move_penalty <= 0 || src->current_start < 0 ||
	    src->current_room < 0 || src->current_room >= sv->nr ||
	    (src->current_start - sv->origin) % sv->slot != 0)
		return;
	r->home_s = sv_cell_floor(sv, src->current_start);
	r->home_k = src->current_room;
	if (r->home_s < 0 || r->home_s >= sv->H)
		r->home_s = r->home_k = -1;
}

/* Greatest common divisor of |a| and |b| (gcd(0, b) = |b|). */
static int
sv_gcd(int a, int b)
{
	int	 t;

	a = abs(a);
	b = abs(b);
	while (b != 0) {
		t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/* g folded with minute m if m lies strictly inside a day (an edge there
 * matters; outside the days, rounding outwards changes nothing). */
static int
sv_gcd_inside(const struct solver_problem *pb, int g, int m)
{
	int	 i;

	for (i = 0; i < pb->ndays; i++)
		if (pb->days[i].start < m && m < pb->days[i].end)
			return sv_gcd(g, m);
	return g;
}

/* g folded with the edges of n busy intervals. */
static int
sv_gcd_busy(const struct solver_problem *pb, int g,
    const struct solver_interval *b, int n)
{
	int	 j;

	for (j = 0; j < n; j++)
		g = sv_gcd_inside(pb, sv_gcd_inside(pb, g, b[j].start),
		    b[j].end);
	return g;
}

/*
 * Cell size for a problem: the greatest common divisor of the day hours,
 * durations, changeover and travel times, and of the window, fixed-start
 * and busy edges that fall inside a day; so every start that matters is
 * on the grid and nothing is rounded. Below SOLVER_MIN_CELL (an edge at
 * 09:07), SOLVER_MIN_CELL, with busy time rounded outwards as before.
 */
int
solver_cell_minutes(const struct solver_problem *pb)
{
	const struct solver_request	*r;
	int				 g = 0, i;

	for (i = 0; i < pb->ndays && pb->days != NULL; i++)
		g = sv_gcd(sv_gcd(g, pb->days[i].start), pb->days[i].end);
	g = sv_gcd(g, pb->changeover > 0 ? pb->changeover : 0);
	for (i = 0; pb->travel != NULL && i < pb->nvenues * pb->nvenues; i++)
		g = sv_gcd(g, pb->travel[i] > 0 ? pb->travel[i] : 0);
	for (i = 0; i < pb->nrequests; i++) {
		r = &pb->requests[i];
		g = sv_gcd(g, r->duration > 0 ? r->duration : 0);
		g = sv_gcd_inside(pb, sv_gcd_inside(pb, g, r->earliest),
		    r->latest);
		if (r->fixed_start >= 0)
			g = sv_gcd(g, r->fixed_start);
		if (pb->move_penalty > 0 && r->current_start >= 0)
			g = sv_gcd(g, r->current_start);
	}
	for (i = 0; i < pb->npeople; i++)
		g = sv_gcd_busy(pb, g, pb->people[i].busy, pb->people[i].nbusy);
	for (i = 0; i < pb->nrooms; i++)
		g = sv_gcd_busy(pb, g, pb->rooms[i].busy, pb->rooms[i].nbusy);
	return g >= SOLVER_MIN_CELL ? g : SOLVER_MIN_CELL;
}

/* Grid, horizon, day map and travel in cells. */
static int
sv_init_time(struct sv *sv)
{
	const struct solver_problem *pb = sv->pb;
	int	 i, c, lo, hi, t;

	sv->slot = pb->slot_minutes > 0 ? pb->slot_minutes :
	    solver_cell_minutes(pb);
	sv->chg = (pb->changeover > 0 ? pb->changeover : 0);
	sv->chg = (sv->chg + sv->slot - 1) / sv->slot;
	sv->nv = pb->travel != NULL ? pb->nvenues : 0;
	sv->G = sv->chg;
	sv->trav = xcalloc((size_t)(sv->nv * sv->nv + 1), sizeof *sv->trav);
	for (i = 0; i < sv->nv * sv->nv; i++) {
		t = pb->travel[i] > 0 ? pb->travel[i] : 0;
		sv->trav[i] = (t + sv->slot - 1) / sv->slot;
		if (sv->trav[i] > sv->G)
			sv->G = sv->trav[i];
	}
	lo = pb->days[0].start;
	hi = pb->days[0].end;
	for (i = 1; i < pb->ndays; i++) {
		if (pb->days[i].start < lo)
			lo = pb->days[i].start;
		if (pb->days[i].end > hi)
			hi = pb->days[i].end;
	}
	sv->origin = (sv_floordiv(lo, sv->slot) - sv->G - 1) * sv->slot;
	sv->H = sv_cell_ceil(sv, hi) + sv->G + 1;
	if (sv->H <= 0 || sv->H > 10 * 1000 * 1000)
		return -1;
	sv->dayof = xcalloc((size_t)sv->H, sizeof *sv->dayof);
	for (c = 0; c < sv->H; c++)
		sv->dayof[c] = -1;
	for (i = 0; i < pb->ndays; i++) {
		for (c = sv_cell_ceil(sv, pb->days[i].start);
		    c < sv_cell_floor(sv, pb->days[i].end); c++)
			sv->dayof[c] = i;
	}
	return 0;
}

/* A per-cell table of n entries, every byte set to fill (0xff: each entry
 * -1, SV_FREE); large ones are kept between solves (solver-cells.c). */
static void *
sv_cells(size_t n, size_t size, int fill)
{
	return solver_cells_get(n * size, fill);
}

/* Load people's and rooms' busy intervals. */
static void
sv_init_busy(struct sv *sv)
{
	const struct solver_problem *pb = sv->pb;
	const struct solver_interval *b;
	struct sv_item	 it;
	int		 p, k, j;

	for (p = 0; p < sv->np; p++) {
		for (j = 0; j < pb->people[p].nbusy; j++) {
			b = &pb->people[p].busy[j];
			it.s = sv_cell_floor(sv, b->start);
			it.e = sv_cell_ceil(sv, b->end);
			if (it.e <= it.s || it.e <= 0 || it.s >= sv->H)
				continue;
			it.venue = b->venue;
			it.room = -1;
			it.req = -1;
			it.day = sv_day_of(sv, it.s, it.e);
			sv_list_add(&sv->all[p], &it);
			if (it.venue >= 0)
				sv_list_insert_sorted(&sv->mtg[p], &it);
			sv_pocc_add(sv, p, it.s, it.e, 1);
		}
	}
	for (k = 0; k < sv->nr; k++) {
		for (j = 0; j < pb->rooms[k].nbusy; j++) {
			b = &pb->rooms[k].busy[j];
			sv_room_set(sv, k, sv_cell_floor(sv, b->start),
			    sv_cell_ceil(sv, b->end), SV_BUSY);
		}
	}
}

/* Breaks and room changes of person p from scratch. */
static void
sv_person_cost(const struct sv *sv, int p, int *b, int *rc)
{
	const struct sv_list	*l = &sv->mtg[p];
	int			 i;

	*b = *rc = 0;
	for (i = 1; i < l->n; i++) {
		if (l->v[i].day < 0 || l->v[i].day != l->v[i - 1].day)
			continue;
		*b += sv_is_break(sv, &l->v[i - 1], &l->v[i]);
		*rc += sv_is_change(&l->v[i - 1], &l->v[i]);
	}
}

/* Free a solver state. */
static void
sv_free(struct sv *sv)
{
	int	 i;

	for (i = 0; i < sv->np; i++) {
		free(sv->all[i].v);
		free(sv->mtg[i].v);
	}
	for (i = 0; i < sv->nq; i++) {
		free(sv->rq[i].rooms);
		free(sv->rq[i].starts);
		free(sv->rq[i].pre);
		free(sv->rq[i].suc);
	}
	free(sv->all);
	free(sv->mtg);
	free(sv->rq);
	free(sv->trav);
	free(sv->dayof);
	solver_cells_put(sv->pocc);
	solver_cells_put(sv->pown);
	solver_cells_put(sv->rown);
	free(sv->ps);
	free(sv->pr);
	free(sv->nbp);
	free(sv->nbn);
	free(sv->near);
	free(sv->vid);
	free(sv->vfit);
	free(sv->vother);
	free(sv->openbit);
	free(sv->openmark);
	free(sv->tmp);
	free(sv->pbrk);
	free(sv->pload);
}

/* Both directions of the valid requests' precedences ("after"). */
static void
sv_init_prec(struct sv *sv)
{
	const struct solver_request	*src;
	struct sv_req			*r;
	int				 q, i, a;

	for (q = 0; q < sv->nq; q++) {
		src = sv->rq[q].src;
		if (sv->rq[q].reason == SOLVER_INVALID || src->nafter <= 0)
			continue;
		for (i = 0; i < src->nafter; i++)
			sv->rq[src->after[i]].nsuc++;
		sv->rq[q].pre = xcalloc((size_t)src->nafter, sizeof(int));
		sv->nprec += src->nafter;
	}
	for (q = 0; q < sv->nq; q++) {
		r = &sv->rq[q];
		r->suc = xcalloc((size_t)r->nsuc + 1, sizeof *r->suc);
		r->nsuc = 0;
	}
	for (q = 0; q < sv->nq; q++) {
		src = sv->rq[q].src;
		for (i = 0; sv->rq[q].pre != NULL && i < src->nafter; i++) {
			a = src->after[i];
			sv->rq[q].pre[sv->rq[q].npre++] = a;
			sv->rq[a].suc[sv->rq[a].nsuc++] = q;
		}
	}
}

/* Day loads, and how many people have a day cap. */
static void
sv_init_caps(struct sv *sv)
{
	int	 p, d;

	sv->nd = sv->pb->ndays;
	sv->pload = xcalloc((size_t)sv->np * sv->nd + 1, sizeof *sv->pload);
	for (p = 0; p < sv->np; p++)
		for (d = 0; d < sv->nd; d++)
			if (sv_cap(sv, p, d) >= 0) {
				sv->ncap++;
				break;
			}
}

/* Make room in the scratch arrays for the people of request q and of
 * its alts. */
static void
sv_most_people(struct sv *sv, const struct solver_request *q)
{
	int	 a;

	if (q->npeople > sv->maxnp)
		sv->maxnp = q->npeople;
	for (a = 0; q->alts != NULL && a < q->nalts; a++)
		if (q->alts[a].npeople > sv->maxnp)
			sv->maxnp = q->alts[a].npeople;
}

/*
 * Build the state for a problem; -1 if the problem is malformed. With
 * only >= 0, candidate starts are computed for that request and the fixed
 * ones alone (what solver_slots needs).
 */
static int
sv_new(struct sv *sv, const struct solver_problem *pb, int only)
{
	int	 q, p, b, rc;

	memset(sv, 0, sizeof *sv);
	if (pb->ndays < 1 || pb->days == NULL || pb->npeople < 0 ||
	    pb->nrooms < 0 || pb->nrequests < 0 || pb->slot_minutes < 0)
		return -1;
	sv->pb = pb;
	sv->np = pb->npeople;
	sv->nr = pb->nrooms;
	sv->nq = pb->nrequests;
	if (sv_init_time(sv) != 0) {
		sv_free(sv);
		return -1;
	}
	sv->pocc = sv_cells((size_t)sv->np * sv->H + 1, sizeof *sv->pocc, 0);
	sv->pown = sv_cells((size_t)sv->np * sv->H + 1, sizeof *sv->pown, 0xff);
	sv->rown = sv_cells((size_t)sv->nr * sv->H + 1, sizeof *sv->rown, 0xff);
	sv->all = xcalloc((size_t)sv->np + 1, sizeof *sv->all);
	sv->mtg = xcalloc((size_t)sv->np + 1, sizeof *sv->mtg);
	sv->rq = xcalloc((size_t)sv->nq + 1, sizeof *sv->rq);
	sv->pen = pb->move_penalty > 0 ? pb->move_penalty : 0;
	sv->ps = xcalloc((size_t)sv->nq + 1, sizeof *sv->ps);
	sv->pr = xcalloc((size_t)sv->nq + 1, sizeof *sv->pr);
	sv->tmp = xcalloc((size_t)sv->nq + sv->np + 1, sizeof *sv->tmp);
	sv->pbrk = xcalloc((size_t)sv->np + 1, sizeof *sv->pbrk);
	sv->maxnp = 1;
	for (q = 0; q < sv->nq; q++)
		sv_most_people(sv, &pb->requests[q]);
	sv_init_caps(sv);
	sv->nbp = xcalloc((size_t)sv->maxnp, sizeof *sv->nbp);
	sv->nbn = xcalloc((size_t)sv->maxnp, sizeof *sv->nbn);
	sv->near = xcalloc((size_t)sv->maxnp, sizeof *sv->near);
	sv->vid = xcalloc((size_t)sv->nr + 1, sizeof *sv->vid);
	sv->vfit = xcalloc((size_t)sv->nr + 1, sizeof *sv->vfit);
	sv->vother = xcalloc((size_t)sv->nr + 1, sizeof *sv->vother);
	sv_init_busy(sv);
	for (q = 0; q < sv->nq; q++) {
		sv->ps[q] = sv->pr[q] = -1;
		sv->rq[q].own = pb->requests[q];
		sv->rq[q].src = &sv->rq[q].own;
		sv->rq[q].alt = -1;
		sv->rq[q].fixed_s = -1;
		sv->rq[q].home_s = sv->rq[q].home_k = -1;
		if (sv_req_valid(sv, &pb->requests[q]) != 0) {
			sv->rq[q].reason = SOLVER_INVALID;
			continue;
		}
		if (only >= 0 && q != only && pb->requests[q].fixed_start < 0)
			continue;
		sv_req_starts(sv, q);
		sv_req_home(sv, q);
		if (sv->rq[q].nstarts > 0)
			sv->nplaceable++;
	}
	sv_open_init(sv);
	for (p = 0; p < sv->np; p++) {
		sv_person_cost(sv, p, &b, &rc);
		sv->B += b;
		sv->RC += rc;
		sv_person_brk(sv, p, b);
	}
	sv_init_prec(sv);
	return 0;
}

/* Sort key of the greedy order. */
struct sv_key {
	int	 fixed, depth, prio, nstarts, d, q;
};

/* Order for the greedy: fixed, fewest predecessors in a chain, priority,
 * fewest starts, longest, index. */
static int
sv_greedy_cmp(const void *a, const void *b)
{
	const struct sv_key	*x = a, *y = b;

	if (x->fixed != y->fixed)
		return y->fixed - x->fixed;
	if (x->depth != y->depth)
		return x->depth - y->depth;
	if (x->prio != y->prio)
		return y->prio - x->prio;
	if (x->nstarts != y->nstarts)
		return x->nstarts - y->nstarts;
	if (x->d != y->d)
		return y->d - x->d;
	return x->q - y->q;
}

/* First feasible start and room for unplaced q, or -1 (the hurried way). */
static int
sv_first_start(struct sv *sv, int q, int *room)
{
	const struct sv_req	*r = &sv->rq[q];
	int			 i, db, drc;

	for (i = 0; i < r->nstarts; i++) {
		db = drc = 0;
		if ((*room = sv_best_at(sv, q, r->starts[i], &db, &drc)) >= 0)
			return r->starts[i];
	}
	return -1;
}

/* Longest chain of predecessors of each request (bounded on a cycle). */
static int *
sv_depths(const struct sv *sv)
{
	int	*depth = xcalloc((size_t)sv->nq + 1, sizeof *depth);
	int	 q, i, round, changed = 1;

	for (round = 0; changed && round < sv->nq && sv->nprec > 0; round++) {
		changed = 0;
		for (q = 0; q < sv->nq; q++)
			for (i = 0; i < sv->rq[q].npre; i++)
				if (depth[sv->rq[q].pre[i]] + 1 > depth[q]) {
					depth[q] = depth[sv->rq[q].pre[i]] + 1;
					changed = 1;
				}
	}
	return depth;
}

/*
 * Greedy construction: each request in order at its best start, or at its
 * first feasible one once the deadline has passed.
 */
static void
sv_greedy(struct sv *sv, double deadline)
{
	struct sv_key	*keys = xcalloc((size_t)sv->nq + 1, sizeof *keys);
	int		*depth = sv_depths(sv);
	int		 i, q, s, k, n = 0, late = 0;

	for (q = 0; q < sv->nq; q++) {
		if (sv->rq[q].nstarts == 0 || sv->ps[q] >= 0)
			continue;
		keys[n].fixed = sv->rq[q].fixed_s >= 0;
		keys[n].depth = depth[q];
		keys[n].prio = sv->rq[q].src->priority;
		keys[n].nstarts = sv->rq[q].nstarts;
		keys[n].d = sv->rq[q].d;
		keys[n++].q = q;
	}
	qsort(keys, (size_t)n, sizeof *keys, sv_greedy_cmp);
	for (i = 0; i < n; i++) {
		q = keys[i].q;
		k = -1;
		if ((i & 15) == 0 && !late && sg_now_ms() > deadline)
			late = 1;
		s = late ? sv_first_start(sv, q, &k) : sv_best_start(sv, q, &k);
		if (s >= 0)
			sv_place(sv, q, s, k);
	}
	free(keys);
	free(depth);
}

/* Scalar cost below priorities: breaks, then room changes, then lateness. */
static double
sv_cost(const struct sv *sv)
{
	return (double)(sv->B + sv->pen * sv->M) + sv->wr * (double)sv->RC +
	    sv->we * (double)sv->E;
}

/* Metropolis acceptance of a cost change at temperature T. */
static int
sv_accept(struct sv *sv, double delta, double T)
{
	if (delta <= 1e-12)
		return 1;
	if (T <= 0)
		return 0;
	return sv_rand01(sv) < exp(-delta / T);
}

/* A start for placed q: random, or next to a meeting of an attendee. */
static int
sv_pick_start(struct sv *sv, int q)
{
	const struct sv_req	*r = &sv->rq[q];
	const struct sv_list	*l;
	const struct sv_item	*it;
	int			 s;

	if (sv_randn(sv, 2) == 0)
		return r->starts[sv_randn(sv, r->nstarts)];
	l = &sv->mtg[r->src->people[sv_randn(sv, r->src->npeople)]];
	if (l->n < 2)
		return -1;
	it = &l->v[sv_randn(sv, l->n)];
	if (it->req == q)
		return -1;
	if (sv_randn(sv, 2) == 0)
		s = it->e + sv->chg;
	else
		s = it->s - r->d - sv->chg;
	return sv_has_start(r, s) ? s : -1;
}

/* Move placed q to another start if annealing accepts it. */
static void
sv_move_relocate(struct sv *sv, int q, double T)
{
	const struct sv_req	*r = &sv->rq[q];
	int			 s, k, os, ok, db = 0, drc = 0;
	double			 before, after;

	if (r->fixed_s >= 0 || r->nstarts < 2)
		return;
	s = sv_pick_start(sv, q);
	if (s < 0 || s == sv->ps[q])
		return;
	os = sv->ps[q];
	ok = sv->pr[q];
	before = sv_cost(sv);
	sv_unplace(sv, q);
	k = sv_best_at(sv, q, s, &db, &drc);
	if (k >= 0) {
		after = (double)(sv->B + db + sv->pen * (sv->M +
		    sv_away(r, s, k))) + sv->wr * (double)(sv->RC + drc) +
		    sv->we * (double)(sv->E + s - r->lo);
		if (sv_accept(sv, after - before, T)) {
			sv_place(sv, q, s, k);
			return;
		}
	}
	sv_place(sv, q, os, ok);
}

/* A placed, movable request sharing an attendee with a (or -1). */
static int
sv_pick_partner(struct sv *sv, int a)
{
	const struct sv_req	*r = &sv->rq[a];
	const struct sv_list	*l;
	int			 b;

	l = &sv->mtg[r->src->people[sv_randn(sv, r->src->npeople)]];
	if (l->n < 2)
		return -1;
	b = l->v[sv_randn(sv, l->n)].req;
	if (b < 0 || b == a || sv->rq[b].fixed_s >= 0)
		return -1;
	return b;
}

/* Swap the starts of a and b if both fit and annealing accepts. */
static void
sv_move_swap(struct sv *sv, int a, double T)
{
	int	 b, sa, sb, ka, kb, na, nb, db = 0, drc = 0;
	double	 before;

	if (sv->rq[a].fixed_s >= 0 || (b = sv_pick_partner(sv, a)) < 0)
		return;
	sa = sv->ps[a];
	sb = sv->ps[b];
	if (sa == sb || !sv_has_start(&sv->rq[a], sb) ||
	    !sv_has_start(&sv->rq[b], sa))
		return;
	ka = sv->pr[a];
	kb = sv->pr[b];
	before = sv_cost(sv);
	sv_unplace(sv, a);
	sv_unplace(sv, b);
	if ((na = sv_best_at(sv, a, sb, &db, &drc)) >= 0) {
		sv_place(sv, a, sb, na);
		if ((nb = sv_best_at(sv, b, sa, &db, &drc)) >= 0) {
			sv_place(sv, b, sa, nb);
			if (sv_accept(sv, sv_cost(sv) - before, T))
				return;
			sv_unplace(sv, b);
		}
		sv_unplace(sv, a);
	}
	sv_place(sv, a, sa, ka);
	sv_place(sv, b, sb, kb);
}

#define SV_MAXCHAIN	64

/* A Kempe chain: requests exchanging between two starts. */
struct sv_chain {
	int	 n;
	int	 q[SV_MAXCHAIN], from[SV_MAXCHAIN], to[SV_MAXCHAIN];
	int	 room[SV_MAXCHAIN];
};

/* Is request y in the chain? */
static int
sv_chain_has(const struct sv_chain *ch, int y)
{
	int	 i;

	for (i = 0; i < ch->n; i++)
		if (ch->q[i] == y)
			return 1;
	return 0;
}

/* Grow the chain from its first member; 0 if it cannot be moved. */
static int
sv_chain_grow(struct sv *sv, struct sv_chain *ch)
{
	const struct sv_req	*r;
	int			 i, j, y, x;

	for (i = 0; i < ch->n; i++) {
		x = ch->q[i];
		r = &sv->rq[x];
		if (!sv_has_start(r, ch->to[i]))
			return 0;
		for (j = 0; j < r->src->npeople; j++) {
			y = sv->pown[(size_t)r->src->people[j] * sv->H +
			    ch->to[i]];
			if (y < 0 || y == x)
				continue;
			if (sv->rq[y].fixed_s >= 0 || sv->rq[y].d != r->d)
				return 0;
			if (sv_chain_has(ch, y))
				continue;
			if (ch->n == SV_MAXCHAIN)
				return 0;
			ch->q[ch->n] = y;
			ch->from[ch->n] = ch->to[i];
			ch->to[ch->n++] = ch->from[i];
		}
	}
	return 1;
}

/* Rooms of request q free over [s, s + d). */
static int
sv_free_rooms(const struct sv *sv, int q, int s)
{
	const struct sv_req	*r = &sv->rq[q];
	int			 j, n = 0;

	for (j = 0; j < r->nrooms; j++)
		n += sv_room_free(sv, r->rooms[j], s, s + r->d);
	return n;
}

/*
 * When more of the chain moves to the first member's target than leaves
 * it and the rooms there are too few, bring other requests from the target
 * back (with their own chains) so that rooms balance. 0 if impossible.
 */
static int
sv_chain_balance(struct sv *sv, struct sv_chain *ch)
{
	const struct sv_req	*r = &sv->rq[ch->q[0]];
	const int		*o;
	int			 i, tries, net, z, t = ch->to[0], f = ch->from[0];

	for (tries = 0; tries < 4; tries++) {
		for (net = 0, i = 0; i < ch->n; i++)
			net += (ch->to[i] == t) - (ch->from[i] == t);
		if (net <= sv_free_rooms(sv, ch->q[0], t))
			return 1;
		if (r->nrooms == 0 || ch->n == SV_MAXCHAIN)
			return 0;
		o = sv->rown + (size_t)r->rooms[sv_randn(sv, r->nrooms)] * sv->H;
		z = o[t];
		if (z < 0 || sv->ps[z] != t || sv->rq[z].fixed_s >= 0 ||
		    sv->rq[z].d != r->d || sv_chain_has(ch, z))
			continue;
		ch->q[ch->n] = z;
		ch->from[ch->n] = t;
		ch->to[ch->n++] = f;
		if (!sv_chain_grow(sv, ch))
			return 0;
	}
	return 0;
}

#define SV_MAXJ	256

/* Where requests were before a compound move, to undo it. */
struct sv_journal {
	int	 n;
	int	 q[SV_MAXJ], s[SV_MAXJ], k[SV_MAXJ];
};

/* Note q's position unless already noted; 0 if the journal is full. */
static int
sv_journal_note(struct sv *sv, struct sv_journal *j, int q)
{
	int	 i;

	for (i = 0; i < j->n; i++)
		if (j->q[i] == q)
			return 1;
	if (j->n == SV_MAXJ)
		return 0;
	j->q[j->n] = q;
	j->s[j->n] = sv->ps[q];
	j->k[j->n++] = sv->pr[q];
	return 1;
}

/* Put every journaled request back where it was. */
static void
sv_journal_undo(struct sv *sv, struct sv_journal *j)
{
	int	 i;

	for (i = 0; i < j->n; i++)
		if (sv->ps[j->q[i]] >= 0)
			sv_unplace(sv, j->q[i]);
	for (i = 0; i < j->n; i++)
		if (j->s[i] >= 0)
			sv_place(sv, j->q[i], j->s[i], j->k[i]);
	j->n = 0;
}

/* Apply the chain moving a to `to`; 1 if done, 0 if nothing changed. */
static int
sv_kempe_apply(struct sv *sv, int a, int to, struct sv_journal *j)
{
	struct sv_chain	 ch;
	int		 i, k, n, db = 0, drc = 0;

	ch.n = 1;
	ch.q[0] = a;
	ch.from[0] = sv->ps[a];
	ch.to[0] = to;
	if (to == ch.from[0] || !sv_chain_grow(sv, &ch) ||
	    !sv_chain_balance(sv, &ch))
		return 0;
	for (i = 0; i < ch.n; i++)
		if (!sv_journal_note(sv, j, ch.q[i]))
			return 0;
	for (i = 0; i < ch.n; i++) {
		ch.room[i] = sv->pr[ch.q[i]];
		sv_unplace(sv, ch.q[i]);
	}
	for (n = 0; n < ch.n; n++) {
		if ((k = sv_best_at(sv, ch.q[n], ch.to[n], &db, &drc)) < 0)
			break;
		sv_place(sv, ch.q[n], ch.to[n], k);
	}
	if (n == ch.n)
		return 1;
	for (i = 0; i < n; i++)
		sv_unplace(sv, ch.q[i]);
	for (i = 0; i < ch.n; i++)
		sv_place(sv, ch.q[i], ch.from[i], ch.room[i]);
	return 0;
}

/* Move a to start `to`, exchanging the chain it drags, if annealing accepts. */
static void
sv_kempe_to(struct sv *sv, int a, int to, double T)
{
	struct sv_journal	 j;
	double			 before = sv_cost(sv);

	j.n = 0;
	if (sv_kempe_apply(sv, a, to, &j) &&
	    !sv_accept(sv, sv_cost(sv) - before, T))
		sv_journal_undo(sv, &j);
}

/* Is there a break between items i - 1 and i of list l (one day)? */
static int
sv_break_before(struct sv *sv, const struct sv_list *l, int i)
{
	return l->v[i].day >= 0 && l->v[i].day == l->v[i - 1].day &&
	    sv_is_break(sv, &l->v[i - 1], &l->v[i]);
}

/*
 * A random person with breaks and one of their breaks (index), or -1. The
 * breaks are counted, then the k-th is found again: a person may have far
 * more meetings than sv->tmp (requests + people) has room for.
 */
static int
sv_pick_break(struct sv *sv, int *gap)
{
	const struct sv_list	*l;
	int			 p, i, k, n = 0;

	for (p = 0; p < sv->np; p++)
		if (sv->pbrk[p] > 0)
			sv->tmp[n++] = p;
	if (n == 0)
		return -1;
	p = sv->tmp[sv_randn(sv, n)];
	l = &sv->mtg[p];
	for (n = 0, i = 1; i < l->n; i++)
		n += sv_break_before(sv, l, i);
	if (n == 0)
		return -1;
	k = sv_randn(sv, n);
	for (i = 1; !sv_break_before(sv, l, i) || k-- > 0; i++)
		/* nothing */;
	*gap = i;
	return p;
}

/* Kempe move of a to a partner's start or a random start. */
static void
sv_move_kempe(struct sv *sv, int a, double T)
{
	int	 b;

	if (sv->rq[a].fixed_s >= 0)
		return;
	if ((b = sv_pick_partner(sv, a)) >= 0 && sv_randn(sv, 2) == 0)
		sv_kempe_to(sv, a, sv->ps[b], T);
	else
		sv_kempe_to(sv, a, sv->rq[a].starts[sv_randn(sv,
		    sv->rq[a].nstarts)], T);
}

/* Try to close a break: move a meeting of its person into the hole. */
static void
sv_move_gap(struct sv *sv, double T)
{
	const struct sv_list	*l;
	const struct sv_item	*a, *b;
	int			 p, i, n, x, t;

	if ((p = sv_pick_break(sv, &i)) < 0)
		return;
	l = &sv->mtg[p];
	a = &l->v[i - 1];
	b = &l->v[i];
	switch (sv_randn(sv, 4)) {
	case 0:		/* first meeting of that day */
		for (n = i - 1; n > 0 && l->v[n - 1].day == a->day; n--)
			/* nothing */;
		break;
	case 1:		/* last meeting of that day */
		for (n = i; n + 1 < l->n && l->v[n + 1].day == a->day; n++)
			/* nothing */;
		break;
	default:
		n = sv_randn(sv, l->n);
		break;
	}
	x = l->v[n].req;
	if (x < 0 || sv->rq[x].fixed_s >= 0)
		return;
	if (sv_randn(sv, 2) == 0)
		t = a->e + sv->chg;
	else
		t = b->s - sv->rq[x].d - sv->chg;
	sv_kempe_to(sv, x, t, T);
}

#define SV_MAXK		SG_MAXK
#define SV_INF		1000000000000L

/* The movable meetings of person p on a day, all of one duration; count. */
static int
sv_day_meetings(struct sv *sv, int p, int day, int *m)
{
	const struct sv_list	*l = &sv->mtg[p];
	int			 i, k = 0, q;

	for (i = 0; i < l->n; i++) {
		if (l->v[i].day != day || (q = l->v[i].req) < 0)
			continue;
		if (sv->rq[q].fixed_s >= 0 || k == SV_MAXK ||
		    (k > 0 && sv->rq[q].d != sv->rq[m[0]].d))
			return 0;
		m[k++] = q;
	}
	return k;
}

/* Costs of the (unplaced) meetings m at positions b, b + d, ... */
static void
sv_block_costs(struct sv *sv, const int *m, int k, int npos, int b, long *a)
{
	int	 i, t, s, db, drc, d = sv->rq[m[0]].d;

	for (i = 0; i < npos; i++)
		for (t = 0; t < npos; t++) {
			s = b + t * d;
			a[i * npos + t] = 0;
			if (i >= k)
				continue;	/* a hole */
			db = drc = 0;
			if (!sv_has_start(&sv->rq[m[i]], s) ||
			    sv_best_at(sv, m[i], s, &db, &drc) < 0)
				a[i * npos + t] = SV_INF;
			else
				a[i * npos + t] = (long)db * 4096 + drc;
		}
}

/*
 * Re-seat all meetings of a person with a break on that day as one block
 * (possibly with one hole) at a random offset near where they are, the
 * meetings matched to positions by least cost for their partners.
 */
static void
sv_move_person(struct sv *sv, double T)
{
	const struct sv_list	*l;
	struct sv_journal	 j;
	long			 a[SV_MAXK * SV_MAXK];
	int			 m[SV_MAXK], col[SV_MAXK], p, g, k, i, d, b, npos, kk;
	int			 db = 0, drc = 0;
	double			 before = sv_cost(sv);

	if ((p = sv_pick_break(sv, &g)) < 0)
		return;
	l = &sv->mtg[p];
	k = sv_day_meetings(sv, p, l->v[g].day, m);
	npos = k + sv_randn(sv, 2);
	if (k < 2 || npos > SV_MAXK)
		return;
	d = sv->rq[m[0]].d;
	b = sv->ps[m[0]] - (npos - 1) * d + sv_randn(sv,
	    sv->ps[m[k - 1]] - sv->ps[m[0]] + (npos - 1) * d + 1);
	j.n = 0;
	for (i = 0; i < k; i++) {
		sv_journal_note(sv, &j, m[i]);
		sv_unplace(sv, m[i]);
	}
	sv_block_costs(sv, m, k, npos, b, a);
	sg_hungarian(a, npos, col);
	for (i = 0; i < k; i++) {
		if (a[i * npos + col[i]] >= SV_INF ||
		    (kk = sv_best_at(sv, m[i], b + col[i] * d, &db, &drc)) < 0)
			break;
		sv_place(sv, m[i], b + col[i] * d, kk);
	}
	if (i < k || !sv_accept(sv, sv_cost(sv) - before, T))
		sv_journal_undo(sv, &j);
}

/* Add request b to a small blocker set; 0 if the set is full. */
static int
sv_blocker_add(int *set, int *n, int max, int b)
{
	int	 i;

	for (i = 0; i < *n; i++)
		if (set[i] == b)
			return 1;
	if (*n == max)
		return 0;
	set[(*n)++] = b;
	return 1;
}

/* Room for q at s with fewest placed requests in the way, or -1. */
static int
sv_eject_room(struct sv *sv, int q, int s)
{
	const struct sv_req	*r = &sv->rq[q];
	const int		*o;
	int			 j, k, c, n, best = -1, bn = 0;

	for (j = 0; j < r->nrooms; j++) {
		k = r->rooms[j];
		o = sv->rown + (size_t)k * sv->H;
		for (n = 0, c = s; c < s + r->d; c++) {
			if (o[c] == SV_BUSY)
				break;
			if (o[c] >= 0 && (c == s || o[c] != o[c - 1]))
				n++;
		}
		if (c < s + r->d)
			continue;
		if (best < 0 || n < bn) {
			best = k;
			bn = n;
			if (bn == 0)
				break;	/* none does better */
		}
	}
	return best;
}

#define SV_MAXBLK	3

/* Add the placed requests whose precedence q at s would break; -1 if full. */
static int
sv_prec_blockers(const struct sv *sv, int q, int s, int *set, int *n)
{
	const struct sv_req	*r = &sv->rq[q];
	int			 i, o;

	for (i = 0; i < r->npre; i++)
		if ((o = r->pre[i]) != q && sv->ps[o] >= 0 &&
		    sv->ps[o] + sv->rq[o].d > s &&
		    !sv_blocker_add(set, n, SV_MAXBLK, o))
			return -1;
	for (i = 0; i < r->nsuc; i++)
		if ((o = r->suc[i]) != q && sv->ps[o] >= 0 &&
		    s + r->d > sv->ps[o] &&
		    !sv_blocker_add(set, n, SV_MAXBLK, o))
			return -1;
	return 0;
}

/*
 * Add meetings of q's people on the day of s, from a random one on, until
 * each person's day cap leaves room for q; -1 if the set is full or not
 * enough can go.
 */
static int
sv_cap_blockers(struct sv *sv, int q, int s, int *set, int *n)
{
	const struct solver_request	*src = sv->rq[q].src;
	const struct sv_list		*l;
	const struct sv_item		*it;
	int				 i, j, o, p, cap, over, d = sv->dayof[s];

	for (i = 0; i < src->npeople; i++) {
		p = src->people[i];
		if ((cap = sv_cap(sv, p, d)) < 0)
			continue;
		over = sv->pload[(size_t)p * sv->nd + d] + src->duration - cap;
		l = &sv->mtg[p];
		for (j = 0, o = l->n > 0 ? sv_randn(sv, l->n) : 0;
		    over > 0 && j < l->n; j++) {
			it = &l->v[(o + j) % l->n];
			if (it->day != d || it->req < 0)
				continue;
			if (!sv_blocker_add(set, n, SV_MAXBLK, it->req))
				return -1;
			over -= sv->rq[it->req].src->duration;
		}
		if (over > 0)
			return -1;
	}
	return 0;
}

/* Placed requests in the way of q at s in room k; -1 if not removable. */
static int
sv_blockers(struct sv *sv, int q, int s, int k, int *set)
{
	const struct sv_req	*r = &sv->rq[q];
	const struct sv_list	*l;
	const struct sv_item	*it;
	const int		*o = sv->rown + (size_t)k * sv->H;
	int			 i, j, c, n = 0, e = s + r->d, prio = 0;
	int			 v = sv->pb->rooms[k].venue;

	for (c = s; c < e; c++)
		if (o[c] >= 0 && !sv_blocker_add(set, &n, SV_MAXBLK, o[c]))
			return -1;
	for (i = 0; i < r->src->npeople; i++) {
		l = &sv->all[r->src->people[i]];
		for (j = 0; j < l->n; j++) {
			it = &l->v[j];
			if (it->e + sv_gap(sv, it->venue, v) <= s ||
			    e + sv_gap(sv, v, it->venue) <= it->s)
				continue;
			if (it->req < 0 ||
			    !sv_blocker_add(set, &n, SV_MAXBLK, it->req))
				return -1;
		}
	}
	if (sv->nprec > 0 && sv_prec_blockers(sv, q, s, set, &n) != 0)
		return -1;
	if (sv->ncap > 0 && sv_cap_blockers(sv, q, s, set, &n) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (sv->rq[set[i]].fixed_s >= 0)
			return -1;
		prio += sv->rq[set[i]].src->priority;
	}
	return prio > SV_MAXBLK * r->src->priority ? -1 : n;
}

/* Try to place unplaced q, ejecting up to SV_MAXBLK others and re-placing them. */
static void
sv_move_insert(struct sv *sv, int q, double T)
{
	const struct sv_req	*r = &sv->rq[q];
	int			 set[SV_MAXBLK], os[SV_MAXBLK], ok[SV_MAXBLK];
	int			 i, n, s, k, s2, k2, db = 0, drc = 0;
	long			 P0 = sv->P;
	double			 before = sv_cost(sv);

	s = r->starts[sv_randn(sv, r->nstarts)];
	if ((k = sv_best_at(sv, q, s, &db, &drc)) >= 0) {
		sv_place(sv, q, s, k);
		return;
	}
	if ((k = sv_eject_room(sv, q, s)) < 0 ||
	    (n = sv_blockers(sv, q, s, k, set)) <= 0)
		return;
	for (i = 0; i < n; i++) {
		os[i] = sv->ps[set[i]];
		ok[i] = sv->pr[set[i]];
		sv_unplace(sv, set[i]);
	}
	if ((k = sv_best_at(sv, q, s, &db, &drc)) >= 0) {
		sv_place(sv, q, s, k);
		for (i = 0; i < n; i++) {
			k2 = -1;
			if ((s2 = sv_best_start(sv, set[i], &k2)) >= 0)
				sv_place(sv, set[i], s2, k2);
		}
		if (sv->P > P0 || (sv->P == P0 &&
		    sv_accept(sv, sv_cost(sv) - before, T > 1 ? T : 1)))
			return;
		for (i = 0; i < n; i++)
			if (sv->ps[set[i]] >= 0)
				sv_unplace(sv, set[i]);
		sv_unplace(sv, q);
	}
	for (i = 0; i < n; i++)
		sv_place(sv, set[i], os[i], ok[i]);
}

/* Is the current state better than the saved best (lexicographic)? */
static int
sv_better(const struct sv *sv, const long best[4])
{
	if (sv->P != best[0])
		return sv->P > best[0];
	if (sv->B + sv->pen * sv->M != best[1])
		return sv->B + sv->pen * sv->M < best[1];
	if (sv->RC != best[2])
		return sv->RC < best[2];
	return sv->E < best[3];
}

/* Remember the current state as the best. */
static void
sv_save(const struct sv *sv, long best[4], int *bs, int *bk)
{
	best[0] = sv->P;
	best[1] = sv->B + sv->pen * sv->M;
	best[2] = sv->RC;
	best[3] = sv->E;
	memcpy(bs, sv->ps, (size_t)sv->nq * sizeof *bs);
	memcpy(bk, sv->pr, (size_t)sv->nq * sizeof *bk);
}

/* Replace the current placement by a saved one. */
static void
sv_restore(struct sv *sv, const int *bs, const int *bk)
{
	int	 q;

	for (q = 0; q < sv->nq; q++)
		if (sv->ps[q] >= 0)
			sv_unplace(sv, q);
	for (q = 0; q < sv->nq; q++)
		if (bs[q] >= 0)
			sv_place(sv, q, bs[q], bk[q]);
}

/* A random placed request (a few tries), or -1. */
static int
sv_pick_placed(struct sv *sv)
{
	int	 i, q;

	for (i = 0; i < 8; i++) {
		q = sv_randn(sv, sv->nq);
		if (sv->ps[q] >= 0)
			return q;
	}
	return -1;
}

/* A random placeable request that is not placed, or -1. */
static int
sv_pick_unplaced(struct sv *sv)
{
	return sv->nopen > 0 ? sv_open_kth(sv, sv_randn(sv, sv->nopen)) : -1;
}

/* Annealing parameters and bookkeeping of one run. */
struct sv_run {
	long		 iters;
	long		 asked;		/* iterations asked for */
	double		 deadline;	/* ms on the monotonic clock */
	long		 done;
	int		 hit;
	int		 shrunk;	/* budget cut to fit the clock */
	int		 placing;	/* stop once all placeable are placed */
	int		 grid;		/* the grid search ran */
	long		 best[4];
	int		*bs, *bk;
};

/*
 * If the budget of iterations would overrun the clock at the speed seen so
 * far, shrink it so that cooling still completes; if the machine got faster
 * again, let it grow back towards the budget asked for. With time to spare
 * throughout, the budget is never touched and the run is deterministic.
 */
static void
sv_rebudget(struct sv_run *run, long it, double start, double now)
{
	double	 rate = (now - start) / (double)it;	/* ms per iteration */
	double	 left = run->deadline - now;
	long	 fit;

	if (rate <= 0)
		return;
	if (!run->shrunk && (double)(run->iters - it) * rate <= left * 0.95)
		return;
	fit = it + (long)(left * 0.9 / rate);
	if (fit > run->asked)
		fit = run->asked;
	if (fit != run->iters) {
		run->iters = fit;
		run->shrunk = 1;
	}
}

#ifndef SV_T_PLACING
#define SV_T_PLACING	10.0	/* the annealing's starting temperature, in
				   breaks, while placeable requests are left
				   out; it ends at a tenth of it */
#endif

/* The annealing's temperature at fraction frac of its budget. */
static double
sv_temperature(const struct sv *sv, double frac)
{
	const double	 cool = 0.85;
	double		 T0 = 0.3, T1 = 0.1;

	/*
	 * Placing comes before breaks: while requests are left out, moves
	 * that cost breaks but make room are taken far more often (on the
	 * planted COP, 96.7 % placed in 30 s at 0.3 -> 98.5 % at 10).
	 */
	if (sv->nplaced < sv->nplaceable) {
		T0 = SV_T_PLACING;
		T1 = SV_T_PLACING / 10;
	}
	return frac < cool ? T0 * pow(T1 / T0, frac / cool) : 0;
}

/* Simulated annealing from the current state; keeps the best in run. */
static void
sv_anneal(struct sv *sv, struct sv_run *run)
{
	double		 T = sv_temperature(sv, 0), frac, now, start = sg_now_ms();
	long		 it;
	int		 q;

	for (it = 0; it < run->iters; it++) {
		if (run->placing && sv->nplaced == sv->nplaceable)
			break;
		if ((it & 63) == 0) {
			now = sg_now_ms();
			if (now > run->deadline) {
				run->hit = 1;
				break;
			}
			if ((it & 2047) == 0 && it > 0)
				sv_rebudget(run, it, start, now);
			frac = (double)it / (double)run->iters;
			T = sv_temperature(sv, frac);
		}
		if (sv->nplaced < sv->nplaceable && sv_randn(sv, 8) == 0) {
			if ((q = sv_pick_unplaced(sv)) >= 0)
				sv_move_insert(sv, q, T);
		} else if (sv->nbrk > 0 && sv_randn(sv, 4) == 0) {
			if (sv_randn(sv, 8) == 0)
				sv_move_person(sv, T);
			else
				sv_move_gap(sv, T);
		}
		else if ((q = sv_pick_placed(sv)) >= 0) {
			switch (sv_randn(sv, 3)) {
			case 0:
				sv_move_relocate(sv, q, T);
				break;
			case 1:
				sv_move_swap(sv, q, T);
				break;
			default:
				sv_move_kempe(sv, q, T);
				break;
			}
		}
		if (sv_better(sv, run->best))
			sv_save(sv, run->best, run->bs, run->bk);
	}
	run->done += it;
}

#ifndef SV_GRID_MAXCELLS
#define SV_GRID_MAXCELLS	4000000L	/* (meetings + busy cells + people)
						   x cells, for memory */
#endif

struct sv_gridpb;
static int	 sv_grid_cells(const struct sv *, int, unsigned char *,
		    struct sv_gridpb *);

/* Meetings and busy cells of the grid search, times the cells, fit? */
static int
sv_grid_small(const struct sv *sv)
{
	unsigned char	*mark = xcalloc((size_t)sv->H + 1, 1);
	long		 n = sv->nq + sv->np;
	int		 p;

	for (p = 0; p < sv->np && n * sv->H <= SV_GRID_MAXCELLS; p++)
		n += sv_grid_cells(sv, p, mark, NULL);
	free(mark);
	return n * sv->H <= SV_GRID_MAXCELLS;
}

/*
 * Does the grid search of solver-grid.c apply? Rooms interchangeable and
 * never busy, no changeover or travel, no fixed rooms, no precedences,
 * no move penalty, no day caps
 * (the annealing keeps those): then meetings are
 * start cells (people's own sessions become fixed busy cells there, see
 * sv_grid_busy). Any number of cells a day; not beyond SV_GRID_MAXCELLS.
 */
static int
sv_grid_ok(const struct sv *sv)
{
	int	 k, q;

	if (sv->G != 0 || sv->nr == 0 || sv->nprec > 0 || sv->pen > 0 ||
	    sv->ncap > 0)
		return 0;
	for (k = 0; k < sv->nr; k++)
		if (sv->pb->rooms[k].nbusy > 0)
			return 0;
	for (q = 0; q < sv->nq; q++)
		if (sv->rq[q].nstarts > 0 && (sv->rq[q].nrooms != sv->nr ||
		    sv->rq[q].src->fixed_room >= 0))
			return 0;
	return sv_grid_small(sv);
}

/* The grid search's problem: requests, then people's busy cells. */
struct sv_gridpb {
	struct sg_req	*rq;
	int		*slot;
	int		*who;	/* person of each busy cell */
	int		 n;	/* requests and busy cells */
};

/* Cells of person p's sessions inside days, each once (mark: H bytes). */
static int
sv_grid_cells(const struct sv *sv, int p, unsigned char *mark,
    struct sv_gridpb *x)
{
	const struct sv_list	*l = &sv->mtg[p];
	int			 i, c, n = 0;

	memset(mark, 0, (size_t)sv->H);
	for (i = 0; i < l->n; i++) {
		if (l->v[i].req >= 0)
			continue;
		for (c = l->v[i].s < 0 ? 0 : l->v[i].s; c < l->v[i].e &&
		    c < sv->H; c++) {
			if (sv->dayof[c] < 0 || mark[c]++)
				continue;
			n++;
			if (x == NULL)
				continue;
			x->who[x->n - sv->nq] = p;
			x->rq[x->n].people = &x->who[x->n - sv->nq];
			x->rq[x->n].npeople = 1;
			x->rq[x->n].d = 1;
			x->rq[x->n].noroom = 1;
			x->slot[x->n++] = c;
		}
	}
	return n;
}

/*
 * People's own sessions (plenaries) as fixed one-cell meetings of that
 * person alone that take no room: busy cells that count in breaks the
 * way the annealing counts them (unavailability does not count).
 */
static void
sv_grid_busy(const struct sv *sv, struct sv_gridpb *x)
{
	unsigned char	*mark = xcalloc((size_t)sv->H + 1, 1);
	int		 p, n = 0;

	for (p = 0; p < sv->np; p++)
		n += sv_grid_cells(sv, p, mark, NULL);
	x->rq = xcalloc((size_t)(sv->nq + n) + 1, sizeof *x->rq);
	x->slot = xcalloc((size_t)(sv->nq + n) + 1, sizeof *x->slot);
	x->who = xcalloc((size_t)n + 1, sizeof *x->who);
	x->n = sv->nq;
	for (p = 0; p < sv->np; p++)
		sv_grid_cells(sv, p, mark, x);
	free(mark);
}

/* Order of placement when importing: by start cell. */
static int
sv_grid_cmp(const void *a, const void *b)
{
	const int	*x = a, *y = b;

	if (x[0] != y[0])
		return x[0] - y[0];
	return x[1] - y[1];
}

/* Re-place the movable meetings at the starts in slot; 0 if all fit. */
static int
sv_grid_import(struct sv *sv, const int *slot)
{
	int	*pairs = xcalloc((size_t)sv->nq * 2 + 2, sizeof *pairs);
	int	 q, i, n = 0, k, db = 0, drc = 0, rc = 0;

	for (q = 0; q < sv->nq; q++) {
		if (sv->ps[q] < 0 || sv->rq[q].fixed_s >= 0)
			continue;
		pairs[2 * n] = slot[q];
		pairs[2 * n++ + 1] = q;
		sv_unplace(sv, q);
	}
	qsort(pairs, (size_t)n, 2 * sizeof *pairs, sv_grid_cmp);
	for (i = 0; i < n; i++) {
		q = pairs[2 * i + 1];
		if ((k = sv_best_at(sv, q, pairs[2 * i], &db, &drc)) < 0) {
			rc = -1;
			continue;
		}
		sv_place(sv, q, pairs[2 * i], k);
	}
	free(pairs);
	return rc;
}

#ifndef SV_GRID_SHARE
#define SV_GRID_SHARE	0.95	/* of the time left, for the grid search */
#endif

/* Run the grid search from the current state and adopt what it finds. */
static void
sv_grid(struct sv *sv, struct sv_run *run, uint64_t seed, long iters)
{
	struct sg_problem	 g;
	struct sv_gridpb	 x;
	struct sg_req		*rq;
	int			*slot;
	int			 q;

	memset(&g, 0, sizeof g);
	sv_grid_busy(sv, &x);
	rq = x.rq;
	slot = x.slot;
	for (q = 0; q < sv->nq; q++) {
		rq[q].people = sv->rq[q].src->people;
		rq[q].npeople = sv->rq[q].src->npeople;
		rq[q].starts = sv->rq[q].starts;
		rq[q].nstarts = sv->rq[q].nstarts;
		rq[q].d = sv->rq[q].d;
		rq[q].movable = sv->ps[q] >= 0 && sv->rq[q].fixed_s < 0;
		slot[q] = sv->ps[q];
	}
	g.nq = x.n;
	g.np = sv->np;
	g.H = sv->H;
	g.nrooms = sv->nr;
	g.dayof = sv->dayof;
	g.rq = rq;
	g.slot = slot;
	g.seed = seed;
	g.iters = iters;
	g.deadline = sg_now_ms();
	g.deadline += (run->deadline - g.deadline) * SV_GRID_SHARE;
	if (sg_solve_pair(&g) < sv->B && sv_grid_import(sv, slot) != 0)
		sv_restore(sv, run->bs, run->bk);
	if (sv_better(sv, run->best))
		sv_save(sv, run->best, run->bs, run->bk);
	run->done += g.done;
	run->hit |= g.hit;
	run->grid = 1;
	free(rq);
	free(slot);
	free(x.who);
}

/* Go back to the best state seen, if not there. */
static void
sv_to_best(struct sv *sv, struct sv_run *run)
{
	if (memcmp(run->bs, sv->ps, (size_t)sv->nq * sizeof *sv->ps) != 0 ||
	    memcmp(run->bk, sv->pr, (size_t)sv->nq * sizeof *sv->pr) != 0)
		sv_restore(sv, run->bs, run->bk);
}

#ifndef SV_PLACE_ROUNDS
#define SV_PLACE_ROUNDS	8	/* annealings from the greedy's state,
				   reheated, while placeable requests are
				   left out */
#endif

/*
 * Annealing alone; or, where the grid search applies: annealing with its
 * insertions first (at most half the time, in up to SV_PLACE_ROUNDS rounds
 * of half the budget each, each from the greedy's state and reheated; the
 * best state over all rounds is kept) if
 * the greedy left requests out, so that priorities stay first (the grid
 * search only moves placed meetings), then the grid search from the best
 * state, then a short annealing that also settles rooms.
 */
static void
sv_search(struct sv *sv, struct sv_run *run, uint64_t seed)
{
	double	 deadline = run->deadline, now;
	long	 asked = run->asked;
	int	 round, *g0;

	if (!sv_grid_ok(sv)) {
		sv_anneal(sv, run);
		return;
	}
	if (sv->nplaced < sv->nplaceable) {
		now = sg_now_ms();
		run->deadline = now + (deadline - now) / 2;
		run->placing = 1;
		g0 = xcalloc((size_t)sv->nq + 1, 2 * sizeof *g0);
		memcpy(g0, sv->ps, (size_t)sv->nq * sizeof *g0);
		memcpy(g0 + sv->nq, sv->pr, (size_t)sv->nq * sizeof *g0);
		for (round = 0; round < SV_PLACE_ROUNDS && !run->hit &&
		    sv->nplaced < sv->nplaceable; round++) {
			if (round > 0)
				sv_restore(sv, g0, g0 + sv->nq);
			run->iters = run->asked = asked / 2;
			sv_anneal(sv, run);
		}
		free(g0);
		sv_to_best(sv, run);
		run->placing = 0;
		run->deadline = deadline;
	}
	sv_grid(sv, run, seed, asked * 4);
	run->iters = run->asked = asked / 10;
	sv_anneal(sv, run);
}

/* Fill the answer from the state. */
static void
sv_answer(struct sv *sv, struct solver_answer *ans)
{
	const struct solver_problem *pb = sv->pb;
	struct solver_placement	*pl;
	int			*inreq = xcalloc((size_t)sv->np + 1, sizeof *inreq);
	int			 q, p, i, b, rc, mn = -1, mx = -1;

	ans->placements = xcalloc((size_t)sv->nq + 1, sizeof *ans->placements);
	ans->nplacements = sv->nq;
	ans->stats.requested = sv->nq;
	for (q = 0; q < sv->nq; q++) {
		pl = &ans->placements[q];
		ans->stats.priority_total += pb->requests[q].priority;
		if (sv->rq[q].reason != SOLVER_INVALID)
			for (i = 0; i < sv->rq[q].src->npeople; i++)
				inreq[sv->rq[q].src->people[i]] = 1;
		pl->alt = sv->rq[q].alt;
		if (sv->ps[q] < 0) {
			pl->start = pl->end = pl->room = -1;
			pl->reason = sv->rq[q].why;
			continue;
		}
		pl->start = sv->origin + sv->ps[q] * sv->slot;
		if (pb->requests[q].fixed_start >= 0)
			pl->start = pb->requests[q].fixed_start;
		pl->end = pl->start + pb->requests[q].duration;
		pl->room = sv->pr[q];
		pl->reason = SOLVER_PLACED;
		ans->stats.placed++;
		ans->stats.priority_sum += pb->requests[q].priority;
	}
	for (p = 0; p < sv->np; p++) {
		sv_person_cost(sv, p, &b, &rc);
		ans->stats.breaks += b;
		ans->stats.room_changes += rc;
		if (!inreq[p])
			continue;
		if (mn < 0 || b < mn)
			mn = b;
		if (b > mx)
			mx = b;
	}
	ans->stats.break_spread = mx >= 0 ? mx - mn : 0;
	free(inreq);
}

/* Requests the annealing works on: all of them; with a move penalty only
 * those without a current place or away from it (the others stay). */
static int
sv_movers(const struct sv *sv)
{
	int	 q, n = 0;

	if (sv->pen <= 0)
		return sv->nq;
	for (q = 0; q < sv->nq; q++)
		n += sv->rq[q].home_s < 0 || sv->ps[q] != sv->rq[q].home_s ||
		    sv->pr[q] != sv->rq[q].home_k;
	return n;
}

/* Solve a problem: greedy, then annealing within the budget. */
int
solver_solve(const struct solver_problem *pb, const struct solver_options *opt,
    struct solver_answer *ans)
{
	struct sv	 sv;
	struct sv_run	 run;
	double		 t0 = sg_now_ms();
	long		 nitems = 1;
	int		 q, limit;

	memset(ans, 0, sizeof *ans);
	if (sv_new(&sv, pb, -1) != 0)
		return -1;
	for (q = 0; q < sv.nq; q++)
		sv.rq[q].why = sv_req_why(&sv, q);
	sv.rng = (opt != NULL ? opt->seed : 0) ^ 0x6b616967692d7376ULL;
	for (q = 0; q < sv.nq; q++)
		nitems += 2 * pb->requests[q].npeople;
	sv.wr = 1.0 / (double)(nitems + sv.B + sv.RC + 1);
	sv.we = sv.wr / ((double)sv.nq * sv.H + 1.0);
	memset(&run, 0, sizeof run);
	limit = opt != NULL && opt->time_limit_ms > 0 ? opt->time_limit_ms : 2000;
	run.deadline = t0 + limit - (limit * 0.03 < 20 ? limit * 0.03 : 20);
	run.bs = xcalloc((size_t)sv.nq + 1, sizeof *run.bs);
	run.bk = xcalloc((size_t)sv.nq + 1, sizeof *run.bk);
	if (sv.pen > 0) {
		sv_place_homes(&sv);
		sv_repair(&sv, t0 + (run.deadline - t0) / 2);
	}
	sv_greedy(&sv, run.deadline);
	run.iters = opt != NULL ? opt->max_iterations : 0;
	if (run.iters <= 0)
		run.iters = 5000L * (sv_movers(&sv) + 20);
	run.asked = run.iters;
	sv_save(&sv, run.best, run.bs, run.bk);
	sv_search(&sv, &run, opt != NULL ? opt->seed : 0);
	sv_to_best(&sv, &run);
	sv_alts(&sv);
	sv_trades(&sv, t0 + limit - 5);
	sv_answer(&sv, ans);
	ans->stats.iterations = run.done;
	ans->stats.time_limit_hit = run.hit || run.shrunk;
	ans->stats.grid = run.grid;
	ans->stats.elapsed_ms = sg_now_ms() - t0;
	free(run.bs);
	free(run.bk);
	sv_free(&sv);
	return 0;
}

/* Free an answer's placements. */
void
solver_answer_free(struct solver_answer *ans)
{
	free(ans->placements);
	ans->placements = NULL;
	ans->nplacements = 0;
}

/* Order of candidates: fewest new breaks, room changes, earliest. */
static int
sv_slot_cmp(const void *a, const void *b)
{
	const struct solver_slot *x = a, *y = b;

	if (x->new_breaks != y->new_breaks)
		return x->new_breaks - y->new_breaks;
	if (x->room_changes != y->room_changes)
		return x->room_changes - y->room_changes;
	return (x->start > y->start) - (x->start < y->start);
}

/* Order by start and room, then as sv_slot_cmp: the same place once. */
static int
sv_slot_place_cmp(const void *a, const void *b)
{
	const struct solver_slot *x = a, *y = b;

	if (x->start != y->start)
		return (x->start > y->start) - (x->start < y->start);
	if (x->room != y->room)
		return x->room - y->room;
	return sv_slot_cmp(a, b);
}

/* Add the candidates of request req with its current people to all[n..]
 * (grown as needed); the new count. */
static int
sv_slots_add(struct sv *sv, int req, struct solver_slot **all, int n)
{
	const struct sv_req	*r = &sv->rq[req];
	int			 i, k, db, drc;

	*all = xrealloc(*all, ((size_t)n + r->nstarts + 1) * sizeof **all);
	for (i = 0; i < r->nstarts; i++) {
		db = drc = 0;
		k = sv_best_at(sv, req, r->starts[i], &db, &drc);
		if (k < 0)
			continue;
		(*all)[n].start = sv->origin + r->starts[i] * sv->slot;
		(*all)[n].end = (*all)[n].start + r->src->duration;
		(*all)[n].room = k;
		(*all)[n].new_breaks = db;
		(*all)[n++].room_changes = drc;
	}
	return n;
}

/* Sort candidates best first, each start and room once (its best). */
static int
sv_slots_sort(struct solver_slot *all, int n)
{
	int	 i, m = 0;

	qsort(all, (size_t)n, sizeof *all, sv_slot_place_cmp);
	for (i = 0; i < n; i++)
		if (m == 0 || all[i].start != all[m - 1].start ||
		    all[i].room != all[m - 1].room)
			all[m++] = all[i];
	qsort(all, (size_t)m, sizeof *all, sv_slot_cmp);
	return m;
}

/* Candidates for one request around the fixed schedule, best first: with
 * its people, and with each of its alts. */
int
solver_slots(const struct solver_problem *pb, int req, struct solver_slot *out,
    int max)
{
	struct sv		 sv;
	struct solver_slot	*all = NULL;
	int			 q, a, k, s, n = 0;

	if (req < 0 || req >= pb->nrequests || sv_new(&sv, pb, req) != 0)
		return -1;
	for (q = 0; q < sv.nq; q++) {
		if (q == req || sv.rq[q].fixed_s < 0 || sv.rq[q].nstarts == 0)
			continue;
		k = -1;
		if ((s = sv_best_start(&sv, q, &k)) >= 0)
			sv_place(&sv, q, s, k);
	}
	if (sv.rq[req].reason != SOLVER_INVALID) {
		n = sv_slots_add(&sv, req, &all, 0);
		for (a = 0; a < pb->requests[req].nalts; a++)
			if (sv_alt_ok(&sv, req, a)) {
				sv_alt_use(&sv, req, a);
				n = sv_slots_add(&sv, req, &all, n);
			}
		n = sv_slots_sort(all, n);
	}
	if (n > max)
		n = max;
	if (n > 0)
		memcpy(out, all, (size_t)n * sizeof *out);
	free(all);
	sv_free(&sv);
	return n;
}

/* Short English name of a reason code. */
const char *
solver_reason_string(enum solver_reason r)
{
	switch (r) {
	case SOLVER_PLACED:
		return "placed";
	case SOLVER_NO_COMMON_TIME:
		return "no common free time in the window";
	case SOLVER_NO_ROOM:
		return "no suitable room free";
	case SOLVER_CONFLICT:
		return "lost to other requests";
	case SOLVER_FIXED_CLASH:
		return "fixed time or room not available";
	case SOLVER_INVALID:
		return "invalid request";
	}
	return "unknown";
}
