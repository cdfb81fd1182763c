/*
 * scheduler.h — between the bilateral handlers and the solver: turns the
 * problem read from the database (the JSON of kaigi_bilateral_problem() in
 * sql/040_bilaterals.sql) into solver structs, runs the solver on a worker
 * thread off the event loop (at most solver_jobs at once, solver_queue
 * more waiting, the rest refused), and hands the job back to the loop.
 */
#ifndef KAIGI_SCHEDULER_H
#define KAIGI_SCHEDULER_H

#include <sys/queue.h>

#include <pthread.h>

#include <event2/event.h>
#include <jansson.h>

#include "solver/solver.h"

#define SCHEDULER_SEED		20230429ULL	/* fixed: same data, same plan */
#define SCHEDULER_TIME_LIMIT_MS	2000
#define SCHEDULER_QUEUE_DEFAULT	32	/* waiting jobs without a config */

/* A problem and the storage behind the solver's pointers. */
struct scheduler_problem {
	struct solver_problem	 pb;
	long long		 conference_id;
	long long		 origin;	/* unix seconds of minute 0 */
	int			*versions;	/* per request */
	struct solver_interval	*days;
	struct solver_person	*people;
	struct solver_room	*rooms;
	struct solver_request	*requests;
	int			*travel;
	struct solver_interval	*busy;		/* all busy intervals */
	int			*who;		/* all requests' people */
	int			*afters;	/* all requests' "after" indices */
	int			*caps;		/* people x days: day caps */
	struct solver_alt	*alts;		/* all requests' alts */
	int			*alt_who;	/* all alts' people */
	json_t			*reqs;		/* the JSON's requests: each */
						/* team's "interpreters" */
};

enum scheduler_kind {
	SCHEDULER_SOLVE,	/* solver_solve over every request */
	SCHEDULER_SLOTS,	/* solver_slots for request 0 */
};

/* Why a job did not run (job->failed). */
enum scheduler_failure {
	SCHEDULER_RAN = 0,
	SCHEDULER_NOT_RUN,	/* no thread could be started, or shutting down */
	SCHEDULER_BUSY,		/* solver_jobs running and solver_queue waiting */
	SCHEDULER_BAD_PROBLEM,	/* its text is not a problem (job->why) */
};

/*
 * A SOLVE's budget (arrived_ms 0: none; options.time_limit_ms holds). The
 * answer is due limit_ms after arrived_ms (scheduler_now_ms()). Once the
 * thread has the problem, it keeps margin_ms = base_ms + per_request_ms
 * times the requests for what follows the solver (the write; at most half
 * of limit_ms), and the solver gets what remains then, at least a tenth
 * of limit_ms (a job may have waited in the queue meanwhile).
 */
struct scheduler_budget {
	double		 arrived_ms;
	int		 limit_ms;
	int		 base_ms;
	double		 per_request_ms;
};

struct scheduler_job;
typedef void scheduler_cb(struct scheduler_job *, void *arg);
/* What holds a job's text, and how to let it go (on any thread). */
typedef void scheduler_release_fn(void *owner);

struct scheduler_job {
	enum scheduler_kind		 kind;
	struct scheduler_problem	 problem;
	struct solver_options		 options;
	int				 slot_max;	/* SLOTS: at most this many */
	int				 chronological;	/* SLOTS: earliest first, not best */
	struct scheduler_budget		 budget;	/* SOLVE */
	json_t				*plan_fields;	/* SOLVE from text: into the plan */
	const char			*plan_from;	/* SOLVE from text: a key of the */
							/*   problem put in the plan as is */
	/* Results, valid in the callback. */
	double				 loaded_ms;	/* the text handed over */
	double				 started_ms;	/* when the thread started */
	double				 parsed_ms;	/* the problem in hand */
	int				 margin_ms;	/* kept by the budget */
	long long			 cur_start;	/* SLOTS from text: the */
	long long			 cur_room;	/*   problem's "current" (0: none) */
	char				*plan_text;	/* SOLVE from text: the plan */
	const char			*why;		/* SCHEDULER_BAD_PROBLEM */
	enum scheduler_failure		 failed;
	int				 rc;		/* solver's return */
	struct solver_answer		 answer;	/* SOLVE */
	struct solver_slot		*slots;		/* SLOTS */
	int				 nslots;
	/* Internal. */
	const char			*text;		/* to parse on the thread, */
	void				*text_owner;	/*   held by this */
	scheduler_release_fn		*text_release;
	int				 from_text;
	json_t				*plan_from_value; /* the problem's plan_from */
	scheduler_cb			*cb;
	void				*arg;
	pthread_t			 thread;
	TAILQ_ENTRY(scheduler_job)	 entry;
};

/* Milliseconds on the monotonic clock (the solver's clock). */
double	scheduler_now_ms(void);
/* Parse the problem JSON; 0, or -1 with *why set. Pure. */
int	scheduler_problem_parse(const json_t *, struct scheduler_problem *,
	    const char **why);
/* Free what scheduler_problem_parse allocated. */
void	scheduler_problem_free(struct scheduler_problem *);

/* A new job (options: fixed seed, default time limit). */
struct scheduler_job *scheduler_job_new(enum scheduler_kind);
/* Free a job and its results. */
void	scheduler_job_free(struct scheduler_job *);
/*
 * Run the job on a worker thread; cb is called on the loop once it is done,
 * or with job->failed set when it could not run (at once when the solver is
 * busy: scheduler_jobs_limit() running and scheduler_queue_limit() waiting).
 * A job beyond the running limit waits for a free one, first come first
 * served. The caller keeps the job and frees it after (or in) the callback.
 */
void	scheduler_run(struct scheduler_job *, scheduler_cb *, void *arg);
/*
 * The same for a problem still in its JSON text, held by owner (the job
 * takes owner and releases it once parsed, or when freed): the thread
 * parses it, so that a COP-sized problem (megabytes) never holds
 * up the event loop, and so does a SOLVE's plan (job->plan_text: the
 * plan's JSON with plan_fields, the problem's plan_from (a repair's
 * "move": megabytes when every other bilateral may move) and, with a
 * budget, read_ms, queued_ms, solver_limit_ms and write_margin_ms in its
 * stats). The problem's
 * "secretariat" (false: chronological) and "current" ({start, room_id}:
 * one slot more, as that one is left out) are read too.
 */
void	scheduler_run_text(struct scheduler_job *, const char *text,
	    void *owner, scheduler_release_fn *, scheduler_cb *, void *arg);

/* Jobs that may run at once: solver_jobs, or the usable cores when 0. */
int	scheduler_jobs_limit(void);
/* Jobs that may wait for a free one: solver_queue. */
int	scheduler_queue_limit(void);
/* Jobs running and waiting right now. */
void	scheduler_counts(int *running, int *waiting);

/* The plan of a solved job: {placed:[{bilateral_id, version, start (unix
 * seconds), room_id}], unplaced:[{bilateral_id, reason}], stats}. */
json_t	*scheduler_plan_json(const struct scheduler_job *);
/* The slots of a SLOTS job: [{start (unix seconds), room_id, new_breaks,
 * room_changes}], best first. */
json_t	*scheduler_slots_json(const struct scheduler_job *);

/* Start (on the worker's loop) and stop the hand-back channel. */
void	scheduler_init(struct event_base *);
void	scheduler_shutdown(void);

#endif
