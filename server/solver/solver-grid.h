/*
 * solver-grid.h — internal to the solver: a fast break-minimising search
 * for the special case where rooms are interchangeable and there is no
 * changeover or travel (e.g. the B2B benchmark). Meetings are then just
 * start cells; a person's breaks are the runs of their occupied cells on a
 * day minus one, and rooms are a count per cell. A person's other sessions
 * (plenaries) are fixed one-cell meetings of that person alone that take
 * no room (noroom): busy cells that count in breaks like meetings.
 * A person's cells are a row of bits, as many 64-bit words as the grid
 * needs (no limit on the cells of a day).
 */
#ifndef KAIGI_SOLVER_GRID_H
#define KAIGI_SOLVER_GRID_H

#include <stdint.h>

/* One meeting as the grid search sees it. */
struct sg_req {
	const int	*people;
	int		 npeople;
	const int	*starts;	/* allowed start cells, ascending */
	int		 nstarts;
	int		 d;		/* duration in cells */
	int		 movable;	/* placed and not fixed */
	int		 noroom;	/* fixed busy cell of a person: no room */
};

/* Bit rows of H cells: cell c is bit c % 64 of word c / 64. */
#define SG_WORDS(H)	(((H) + 63) / 64)
#define SG_BIT(row, c)	((int)(((row)[(c) >> 6] >> ((c) & 63)) & 1))
#define SG_SET(row, c)	((row)[(c) >> 6] |= 1ULL << ((c) & 63))
#define SG_CLR(row, c)	((row)[(c) >> 6] &= ~(1ULL << ((c) & 63)))
#define SG_FLIP(row, c)	((row)[(c) >> 6] ^= 1ULL << ((c) & 63))

/* The days of a grid as runs of cells, from pb->dayof. */
struct sg_days {
	int	 n;		/* days (one past the largest index) */
	int	 W;		/* words of a row: SG_WORDS(H) */
	int	*lo, *hi;	/* day d: cells [lo[d], hi[d]) */
};

struct sg_problem {
	int			 nq, np, H;
	int			 nrooms;	/* meetings allowed per cell */
	const int		*dayof;		/* per cell, -1 outside days */
	const struct sg_req	*rq;
	int			*slot;		/* in: starts (-1 unplaced); out: best */
	uint64_t		 seed;
	long			 iters;		/* budget of moves */
	double			 deadline;	/* ms, CLOCK_MONOTONIC */
	long			 done;		/* out: moves made */
	int			 hit;		/* out: the clock cut the run */
	int			 satfrom;	/* first SAT try (0; tests) */
};

#define SG_MAXK		24	/* largest matrix of sg_hungarian */

/* splitmix64: advance *state and return the next number (deterministic). */
uint64_t sg_rng_next(uint64_t *state);
/* Milliseconds on CLOCK_MONOTONIC (the clock of every deadline). */
double	 sg_now_ms(void);
/* Min-cost perfect assignment of an n x n matrix (Hungarian): row -> col. */
void	 sg_hungarian(const long *, int n, int *col);
/* Is s in the ascending list starts[0..n)? */
int	 sg_has_start(const int *starts, int n, int s);
/* The days of pb (free with sg_days_free). */
void	 sg_days_init(const struct sg_problem *, struct sg_days *);
void	 sg_days_free(struct sg_days *);
/* Breaks (runs of busy cells - 1) of a row on day d; idle cells between
 * the first and last busy cell in *idle. */
int	 sg_day_breaks(const struct sg_days *, const uint64_t *row, int d,
	    int *idle);
/* Person -> placed meetings index: p's are pq[pqo[p + 1] .. pqo[p + 2]). */
void	 sg_person_index(const struct sg_problem *, int **pqo, int **pq);
/* Search; slot ends as the best clash-free state found. Returns its breaks. */
long	 sg_solve(struct sg_problem *);
/* Two searches of different seeds on two threads; the better kept. */
long	 sg_solve_pair(struct sg_problem *);

/* solver-tabu.c: can the tabu search take this problem? */
int	 st_applies(const struct sg_problem *);
/* Weighted-penalty tabu search; same contract as sg_solve (which it
 * falls back to when it does not apply). */
long	 st_solve(struct sg_problem *);

/* solver-sat.c: a short tabu search, then SAT (CaDiCaL) for fewer breaks
 * until pb->deadline; same contract as sg_solve. */
long	 ss_solve(struct sg_problem *);
/* SAT alone: the first placement found asking for 0, 1, ... breaks below
 * best (those of pb->slot, clash-free on entry) within pb->deadline
 * replaces pb->slot. Returns the breaks of pb->slot. */
long	 ss_improve(struct sg_problem *, long best);

#endif
