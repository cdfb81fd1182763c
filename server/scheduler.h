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
};

struct scheduler_job;
typedef void scheduler_cb(struct scheduler_job *, void *arg);

struct scheduler_job {
	enum scheduler_kind		 kind;
	struct scheduler_problem	 problem;
	struct solver_options		 options;
	int				 slot_max;	/* SLOTS: at most this many */
	int				 chronological;	/* SLOTS: earliest first, not best */
	/* SOLVE with a deadline: when the thread starts, the solver's limit
	 * becomes what remains until deadline_ms (scheduler_now_ms()), at
	 * least floor_ms; 0 keeps options.time_limit_ms. */
	double				 deadline_ms;
	int				 floor_ms;
	double				 started_ms;	/* when the thread started */
	/* Results, valid in the callback. */
	enum scheduler_failure		 failed;
	int				 rc;		/* solver's return */
	struct solver_answer		 answer;	/* SOLVE */
	struct solver_slot		*slots;		/* SLOTS */
	int				 nslots;
	/* Internal. */
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
