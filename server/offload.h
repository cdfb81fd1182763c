/*
 * offload.h — run a short CPU-bound task (laying out a PDF, reading an
 * import's file) on a worker thread, off the event loop, and get its
 * answer back on the loop.
 */
#ifndef KAIGI_OFFLOAD_H
#define KAIGI_OFFLOAD_H

#include <event2/event.h>

/* At most this many tasks run at once per process; more wait in a queue. */
#define OFFLOAD_THREADS		2
/* At most this many wait; offload_run refuses more (the caller answers 503). */
#define OFFLOAD_QUEUE_MAX	64

/* The work, on a worker thread: it may touch only what arg owns. */
typedef void offload_work(void *arg);
/* Back on the loop: failed is 1 when the work did not run (shutdown, no thread). */
typedef void offload_done(int failed, void *arg);

/*
 * Queue work(arg), then done(failed, arg) on the loop. 0, or -1 when the
 * queue is full (neither function is called then). Without a loop
 * (offload_init not called: tools, unit tests) both run at once, inline.
 */
int	offload_run(offload_work *, offload_done *, void *arg);

/* Start (on the worker's loop) and stop the hand-back channel. */
void	offload_init(struct event_base *);
void	offload_shutdown(void);

#endif
