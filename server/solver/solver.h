/*
 * solver.h — placement of bilateral meetings: a pure C problem in, a plain C
 * answer out. No I/O, no globals: safe to run on a worker thread.
 *
 * Time is integer minutes from an epoch the caller chooses (e.g. midnight of
 * the first conference day in the conference's zone). Starts are placed on a
 * grid of slot_minutes from that epoch (0: solver_cell_minutes(), the
 * greatest common divisor of the problem's times, so nothing is rounded).
 * Busy intervals are rounded outwards to the grid.
 *
 * Hard: no person and no room in two things at once; between two sessions of
 * one person at least max(changeover, travel between their venues) minutes;
 * every meeting inside one day window and inside its request's window; room
 * capacity at least the request's; a request with "after" starts once
 * each of those requests ends (when both are placed; such problems always
 * take the annealing); a person's placed meetings of a day last at most
 * their day_cap of that day, if any (likewise). Objective, in lexicographic order:
 * maximise the sum of priorities placed; minimise breaks (two consecutive
 * meetings of one person on one day that are not back to back); minimise room
 * changes between consecutive meetings of one person; prefer earlier starts.
 *
 * A repair (move_penalty > 0) gives requests their current place
 * (current_start, current_room; -1 for none): each one placed elsewhere
 * costs move_penalty breaks, so with a penalty above any number of breaks
 * the fewest meetings move (after priorities). Such problems start from
 * every request at home and an ejection-chain search of solver-repair.c
 * that deepens the number of moved requests one at a time, then take the
 * annealing. Without a penalty nothing changes.
 *
 * A request may have other sets of people it could meet with instead of
 * its own (alts: another team of interpreters for its language pairs).
 * When the search leaves such a request out, each of its alts is tried in
 * turn after the search, highest priority first, and the request placed
 * with the first that fits around everything placed (solver-alt.c); one
 * still left out may then take the team of placed requests that move, at
 * their own starts, to another of their teams (a trade: nothing placed is
 * lost);
 * solver_slots offers the slots of its people and of every alt.
 *
 * Deterministic for a given input and seed as long as the time limit is not
 * hit: the search is bounded by an iteration budget, the clock only cuts it.
 */
#ifndef KAIGI_SOLVER_H
#define KAIGI_SOLVER_H

#include <stdint.h>

/* Smallest cell solver_cell_minutes() gives, in minutes. */
#define SOLVER_MIN_CELL	5

/* Venue of a busy interval that is not a session (unavailability). */
#define SOLVER_NO_VENUE	-1

/* A half-open interval [start, end) in minutes; venue id or SOLVER_NO_VENUE. */
struct solver_interval {
	int	 start;
	int	 end;
	int	 venue;
};

/*
 * A person (head or deputy of a delegation, or an interpreter) and what
 * they already do. day_cap: NULL, or one entry per day window
 * (problem.days): the minutes of placed meetings the person may have that
 * day (their busy intervals do not count), -1 for no cap that day. Such
 * problems take the annealing (and the repair search), which keep it.
 */
struct solver_person {
	const struct solver_interval	*busy;
	int				 nbusy;
	const int			*day_cap;
};

/* A room usable for bilaterals. */
struct solver_room {
	long long			 id;	/* caller's id, copied through */
	int				 venue;	/* index into the travel matrix */
	int				 capacity;
	const struct solver_interval	*busy;	/* venue field ignored */
	int				 nbusy;
};

/* Another set of people a request may meet with instead of its own. */
struct solver_alt {
	const int	*people;	/* indices into problem.people */
	int		 npeople;
};

/* One meeting to place. */
struct solver_request {
	long long	 id;		/* caller's id, copied through */
	const int	*people;	/* indices into problem.people */
	int		 npeople;
	long long	 parties[2];	/* delegation ids, informational */
	int		 duration;	/* minutes, > 0 */
	int		 earliest;	/* start >= earliest */
	int		 latest;	/* start + duration <= latest */
	int		 priority;	/* 1 (low) .. 5 (high) */
	int		 capacity;	/* seats needed; 0 = npeople */
	int		 fixed_start;	/* -1, or minutes: must start there */
	int		 fixed_room;	/* -1, or room index it must use */
	const int	*after;		/* requests (indices) it must start */
	int		 nafter;	/* after the end of, if both placed */
	int		 current_start;	/* with move_penalty: minutes where it */
	int		 current_room;	/* is now and room index, or -1 */
	const struct solver_alt *alts;	/* other people it may meet with, */
	int		 nalts;		/* tried in order when left out */
};

struct solver_problem {
	int				 slot_minutes;	/* grid; 0 = from the problem */
	const struct solver_interval	*days;		/* allowed day windows */
	int				 ndays;
	const struct solver_person	*people;
	int				 npeople;
	const struct solver_room	*rooms;
	int				 nrooms;
	const struct solver_request	*requests;
	int				 nrequests;
	int				 changeover;	/* minutes between two sessions */
	const int			*travel;	/* nvenues x nvenues, or NULL */
	int				 nvenues;
	int				 move_penalty;	/* 0, or breaks a move costs */
};

struct solver_options {
	int		 time_limit_ms;	/* 0 = 2000 */
	uint64_t	 seed;
	long		 max_iterations;	/* 0 = automatic (scaled to size) */
};

enum solver_reason {
	SOLVER_PLACED = 0,
	SOLVER_NO_COMMON_TIME,	/* attendees never all free in the window */
	SOLVER_NO_ROOM,		/* common time exists, no suitable room then */
	SOLVER_CONFLICT,	/* feasible alone, lost to other requests */
	SOLVER_FIXED_CLASH,	/* fixed start/room cannot be honoured */
	SOLVER_INVALID		/* malformed request */
};

/* Where one request went. */
struct solver_placement {
	int			 start;	/* minutes, or -1 */
	int			 end;	/* start + duration, or -1 */
	int			 room;	/* index into problem.rooms, or -1 */
	enum solver_reason	 reason;
	int			 alt;	/* -1: with its people; else the alt */
};

struct solver_stats {
	int	 requested;
	int	 placed;
	long	 priority_sum;		/* of placed requests */
	long	 priority_total;	/* of all requests */
	int	 breaks;		/* total over all people */
	int	 break_spread;		/* max - min breaks over people in requests */
	int	 room_changes;
	long	 iterations;
	double	 elapsed_ms;
	int	 time_limit_hit;
	int	 grid;			/* the grid search ran (else annealing) */
};

struct solver_answer {
	struct solver_placement	*placements;	/* one per request, same order */
	int			 nplacements;
	struct solver_stats	 stats;
};

/* One candidate for solver_slots(). */
struct solver_slot {
	int	 start;
	int	 end;
	int	 room;		/* index into problem.rooms */
	int	 new_breaks;	/* breaks added for the attendees */
	int	 room_changes;	/* neighbouring sessions in another room/venue */
};

/* Solve; fills answer (free with solver_answer_free). 0, or -1 if invalid. */
int	 solver_solve(const struct solver_problem *,
	     const struct solver_options *, struct solver_answer *);
/* Free what solver_solve allocated in an answer. */
void	 solver_answer_free(struct solver_answer *);
/*
 * Feasible candidates for request index req given the busy intervals and
 * the requests with a fixed start, best first (fewest new breaks, fewest
 * room changes, earliest), one per start (its best room). Returns how many
 * were written to out (at most max), or -1 if the input is invalid.
 */
int	 solver_slots(const struct solver_problem *, int req,
	     struct solver_slot *out, int max);
/* Short English name of a reason code. */
const char	*solver_reason_string(enum solver_reason);
/* Cell size for a problem: the gcd of its times (see solver.c). */
int	 solver_cell_minutes(const struct solver_problem *);

#endif
