/*
 * solver-sv.h — the annealing solver's state (solver.c), shared with the
 * repair search of solver-repair.c. Internal to the solver: nothing
 * outside server/solver/ includes it.
 */
#ifndef KAIGI_SOLVER_SV_H
#define KAIGI_SOLVER_SV_H

#include <stdint.h>

#include "solver.h"

#define SV_BUSY		-2	/* room cell owner: busy interval */
#define SV_FREE		-1	/* room cell owner: nobody */

/* Something a person does, in cells. */
struct sv_item {
	int	 s, e;
	int	 venue;
	int	 room;		/* room index or -1 */
	int	 req;		/* request index or -1 (busy interval) */
	int	 day;		/* day window index or -1 */
};

struct sv_list {
	struct sv_item	*v;
	int		 n, cap;
};

/* A request, in cells. */
struct sv_req {
	const struct solver_request	*src;	/* &own */
	int		 d;		/* duration in cells */
	int		 lo;		/* earliest start cell */
	int		 hi;		/* last start cell (< lo: none) */
	int		 fixed_s;	/* cell or -1 */
	int		*rooms;		/* rooms with enough capacity */
	int		 nrooms;
	int		*starts;	/* start cells feasible on busy alone */
	int		 nstarts;
	int		*pre, npre;	/* requests it starts after */
	int		*suc, nsuc;	/* requests that start after it */
	enum solver_reason reason;	/* static reason if nstarts == 0 */
	enum solver_reason why;		/* if left out: from the problem alone */
	int		 home_s, home_k;	/* current place (cell, room), or -1 */
	struct solver_request own;	/* the caller's request, with the */
	int		 alt;		/* people of alt (-1: its own) */
};

struct sv {
	const struct solver_problem *pb;
	int		 slot, origin, H;
	int		 G, chg;	/* widest gap, changeover: cells */
	int		*trav;		/* nv x nv in cells */
	int		 nv;
	int		*dayof;		/* per cell */
	int		 np, nr, nq;
	unsigned short	*pocc;		/* np x H */
	int		*pown;		/* np x H: request starting there, or -1 */
	int		*rown;		/* nr x H */
	struct sv_list	*all;		/* per person */
	struct sv_list	*mtg;		/* per person, sorted by start */
	struct sv_req	*rq;
	int		*ps, *pr;	/* placement: start cell, room */
	long		 P, B, RC, E;	/* priorities, breaks, room changes, earliness */
	int		 nplaced, nplaceable;
	double		 wr, we;	/* weights of RC and E (breaks = 1) */
	uint64_t	 rng;
	int		 maxnp;
	const struct sv_item **nbp, **nbn;	/* scratch: neighbours */
	int		*near;		/* scratch */
	int		*vid, *vfit, *vother;	/* scratch: sv_best_at's venues */
	int		 nvs;
	int		*openbit;	/* Fenwick tree: placeable, not placed */
	char		*openmark;
	int		 nopen, openlog;
	int		*tmp;		/* scratch, nq */
	int		*pbrk;		/* breaks per person */
	int		 nbrk;		/* people with breaks > 0 */
	int		 nprec;		/* precedences ("after") in all */
	long		 M;		/* requests placed away from home */
	long		 pen;		/* move_penalty: breaks one move costs */
	int		 nd;		/* day windows */
	int		 ncap;		/* people with a day_cap */
	int		*pload;		/* np x nd: minutes of placed meetings */
};

/* Required gap in cells from something at venue a to something at venue b. */
int	 sv_gap(const struct sv *, int a, int b);
/* Exact check of [s,e) at venue against everything person p does. */
int	 sv_person_precise(const struct sv *, int p, int s, int e, int venue);
/* Is room k free over [s,e)? */
int	 sv_room_free(const struct sv *, int k, int s, int e);
/* Would q at start s keep its precedences with the placed requests? */
int	 sv_prec_ok(const struct sv *, int q, int s);
/* Would q at start s keep its people within their day caps? */
int	 sv_cap_ok(const struct sv *, int q, int s);
/* Is s one of q's static starts? */
int	 sv_has_start(const struct sv_req *, int s);
/* Place request q at start cell s in room k (must be feasible). */
void	 sv_place(struct sv *, int q, int s, int k);
/* Remove placed request q. */
void	 sv_unplace(struct sv *, int q);
/* Best room for unplaced q at s, or -1; adds breaks and room changes. */
int	 sv_best_at(struct sv *, int q, int s, int *db, int *drc);
/* Best start and room for unplaced q over all its starts; -1 if none. */
int	 sv_best_start(struct sv *, int q, int *room);

/* Could q start at s, in its window (at its fixed start, if any), given
 * the busy intervals and what is placed now? */
int	 sv_start_ok(struct sv *, int q, int s);
/* Fill the static start list, rooms and reason of request q. */
void	 sv_req_starts(struct sv *, int q);

/* solver-alt.c: place requests left out with one of their alts. */
void	 sv_alts(struct sv *);
/* solver-alt.c: place requests left out by moving placed ones to another
 * of their teams at the same start, until deadline (sg_now_ms()). */
void	 sv_trades(struct sv *, double deadline);
/* solver-alt.c: request q meets with alt a (-1: its own people); its
 * static starts follow. */
void	 sv_alt_use(struct sv *, int q, int a);
/* solver-alt.c: request q meets with alt a (-1: its own people); its
 * static starts are left as they were. */
void	 sv_alt_set(struct sv *, int q, int a);
/* solver-alt.c: can alt a of request q be used (people valid)? */
int	 sv_alt_ok(const struct sv *, int q, int a);

/* solver-repair.c: each request at home where it fits (move_penalty). */
void	 sv_place_homes(struct sv *);
/* solver-repair.c: place every placeable request moving the fewest
 * requests from home; 0 done, -1 not found by the deadline. */
int	 sv_repair(struct sv *, double deadline);

#endif
