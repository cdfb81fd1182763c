/*
 * offload.c — a small queue of tasks run on threads off the event loop.
 *
 * The loop must never block, but laying out a printed programme of a few
 * hundred sessions takes milliseconds to tens of milliseconds of CPU (fonts,
 * shaping, compression). Such a task is queued here; at most
 * OFFLOAD_THREADS run at once, each on a thread of its own, and the rest
 * wait in a FIFO that only the loop touches (so it needs no lock).
 *
 * The hand-back is the scheduler's (scheduler.c): a finished thread writes
 * its task's pointer into a pipe whose read end the loop watches (a write
 * of one pointer is atomic); the loop joins the thread, calls the task's
 * done function and starts the next waiting task. A thread touches only its
 * task's argument, never libevent, the pool or a request. At shutdown the
 * running tasks are joined (each is short) and the waiting ones are failed.
 */
#include <sys/queue.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "offload.h"
#include "util.h"

/* One task. */
struct offload_task {
	offload_work			*work;
	offload_done			*done;
	void				*arg;
	pthread_t			 thread;
	TAILQ_ENTRY(offload_task)	 entry;
};
TAILQ_HEAD(offload_tasks, offload_task);

/* The hand-back channel and the queues of this process's loop. */
static struct {
	struct event		*ev;
	int			 fd[2];
	struct offload_tasks	 running;
	struct offload_tasks	 waiting;
	int			 nrunning;
	int			 nwaiting;
} off = { NULL, { -1, -1 }, TAILQ_HEAD_INITIALIZER(off.running),
	TAILQ_HEAD_INITIALIZER(off.waiting), 0, 0 };

/* Worker thread: do the work, then tell the loop. */
static void *
offload_thread(void *arg)
{
	struct offload_task	*t = arg;
	ssize_t			 n;

	t->work(t->arg);
	do
		n = write(off.fd[1], &t, sizeof t);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof t)
		log_error("offload: cannot hand a task back: %s", strerror(errno));
	return NULL;
}

/* Call a task's done function and free it. */
static void
offload_finish(struct offload_task *t, int failed)
{
	t->done(failed, t->arg);
	free(t);
}

/* Start waiting tasks while fewer than OFFLOAD_THREADS run. */
static void
offload_start_waiting(void)
{
	struct offload_task	*t;
	int			 rc;

	while (off.nrunning < OFFLOAD_THREADS &&
	    (t = TAILQ_FIRST(&off.waiting)) != NULL) {
		TAILQ_REMOVE(&off.waiting, t, entry);
		off.nwaiting--;
		if ((rc = pthread_create(&t->thread, NULL, offload_thread, t)) != 0) {
			log_error("offload: pthread_create: %s", strerror(rc));
			offload_finish(t, 1);
			continue;
		}
		TAILQ_INSERT_TAIL(&off.running, t, entry);
		off.nrunning++;
	}
}

/* Loop: tasks are done; join their threads, call back, start more. */
static void
offload_ready(evutil_socket_t fd, short what, void *arg)
{
	struct offload_task	*done[64];
	ssize_t			 n;
	size_t			 i;

	(void)what;
	(void)arg;
	while ((n = read(fd, done, sizeof done)) > 0) {
		for (i = 0; i < (size_t)n / sizeof done[0]; i++) {
			pthread_join(done[i]->thread, NULL);
			TAILQ_REMOVE(&off.running, done[i], entry);
			off.nrunning--;
			offload_finish(done[i], 0);
		}
	}
	offload_start_waiting();
}

/* Queue a task; -1 when the queue is full. */
int
offload_run(offload_work *work, offload_done *done, void *arg)
{
	struct offload_task	*t;

	if (off.ev == NULL) {		/* no loop (tools, tests): inline */
		work(arg);
		done(0, arg);
		return 0;
	}
	if (off.nwaiting >= OFFLOAD_QUEUE_MAX)
		return -1;
	t = xcalloc(1, sizeof *t);
	t->work = work;
	t->done = done;
	t->arg = arg;
	TAILQ_INSERT_TAIL(&off.waiting, t, entry);
	off.nwaiting++;
	offload_start_waiting();
	return 0;
}

/* Start the hand-back pipe on the loop. */
void
offload_init(struct event_base *base)
{
	if (pipe2(off.fd, O_CLOEXEC) != 0)
		fatal("offload: pipe: %s", strerror(errno));
	if (fcntl(off.fd[0], F_SETFL, O_NONBLOCK) != 0)
		fatal("offload: fcntl: %s", strerror(errno));
	off.ev = event_new(base, off.fd[0], EV_READ | EV_PERSIST,
	    offload_ready, NULL);
	if (off.ev == NULL || event_add(off.ev, NULL) != 0)
		fatal("offload: cannot watch the hand-back pipe");
}

/* Let running tasks finish, fail the waiting ones, close the channel. */
void
offload_shutdown(void)
{
	struct offload_task	*t;

	if (off.ev == NULL)
		return;
	while ((t = TAILQ_FIRST(&off.running)) != NULL) {
		pthread_join(t->thread, NULL);
		TAILQ_REMOVE(&off.running, t, entry);
		off.nrunning--;
		offload_finish(t, 0);
	}
	while ((t = TAILQ_FIRST(&off.waiting)) != NULL) {
		TAILQ_REMOVE(&off.waiting, t, entry);
		off.nwaiting--;
		offload_finish(t, 1);
	}
	event_free(off.ev);
	off.ev = NULL;
	close(off.fd[0]);
	close(off.fd[1]);
	off.fd[0] = off.fd[1] = -1;
}
