/*
 * test_offload.c — unit tests of server/offload.c: without a loop a task
 * runs inline; on a loop its work runs on another thread while the loop
 * goes on (the work waits for a timer of the loop to fire, which could not
 * happen if the work blocked the loop), its done function comes back on
 * the loop thread; at most OFFLOAD_THREADS run at once, a full queue is
 * refused, and shutdown fails the tasks still waiting.
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <time.h>

#include <event2/event.h>

#include "offload.h"
#include "tap.h"

/* What a task saw. */
struct task {
	pthread_t	 worker;	/* thread its work ran on */
	pthread_t	 doner;		/* thread its done ran on */
	int		 ran;
	int		 done;
	int		 failed;
	int		 gate_opened;	/* the loop's timer was seen */
	sem_t		*gate;		/* NULL: do not wait */
	struct event_base *base;	/* break this loop when done */
};

static int		running_now, running_max;
static pthread_mutex_t	count_lock = PTHREAD_MUTEX_INITIALIZER;

/* Wait for a semaphore for at most 10 s; 1 if it was posted. */
static int
wait_gate(sem_t *gate)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 10;
	while (sem_timedwait(gate, &ts) != 0)
		if (errno != EINTR)
			return 0;
	return 1;
}

/* Wait (at most 10 s) until n works run at once; 1 if they do. */
static int
wait_running(int n)
{
	struct timespec	pause = { 0, 10 * 1000 * 1000 };
	int		i, now = 0;

	for (i = 0; i < 1000 && now != n; i++) {
		pthread_mutex_lock(&count_lock);
		now = running_now;
		pthread_mutex_unlock(&count_lock);
		if (now != n)
			nanosleep(&pause, NULL);
	}
	return now == n;
}

/* The work: note the thread; wait for the gate when there is one. */
static void
work(void *arg)
{
	struct task	*t = arg;

	pthread_mutex_lock(&count_lock);
	if (++running_now > running_max)
		running_max = running_now;
	pthread_mutex_unlock(&count_lock);
	t->worker = pthread_self();
	t->ran = 1;
	if (t->gate != NULL)
		t->gate_opened = wait_gate(t->gate);
	pthread_mutex_lock(&count_lock);
	running_now--;
	pthread_mutex_unlock(&count_lock);
}

/* Back on the loop. */
static void
done(int failed, void *arg)
{
	struct task	*t = arg;

	t->doner = pthread_self();
	t->done++;
	t->failed = failed;
	if (t->base != NULL)
		event_base_loopbreak(t->base);
}

/* A loop timer: open the gate. */
static void
open_gate(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sem_post(arg);
}

/* No loop: work and done run at once, on this thread. */
static void
test_inline(void)
{
	struct task	t = { 0 };

	ok(offload_run(work, done, &t) == 0 && t.ran && t.done == 1 &&
	    !t.failed && pthread_equal(t.worker, pthread_self()),
	    "without a loop a task runs inline and is done once");
}

/* On a loop: the work waits for the loop's own timer, so it is off the loop. */
static void
test_off_loop(void)
{
	struct event_base	*base = event_base_new();
	struct timeval		 soon = { 0, 20000 }, bound = { 15, 0 };
	struct task		 t = { 0 };
	sem_t			 gate;

	sem_init(&gate, 0, 0);
	offload_init(base);
	t.gate = &gate;
	t.base = base;
	ok(offload_run(work, done, &t) == 0 && t.done == 0,
	    "on a loop offload_run returns before the task is done");
	event_base_once(base, -1, EV_TIMEOUT, open_gate, &gate, &soon);
	event_base_loopexit(base, &bound);	/* a broken offload never says done */
	event_base_dispatch(base);
	ok(t.gate_opened, "the loop ran its timer while the work waited for it");
	ok(t.done == 1 && !t.failed && !pthread_equal(t.worker, pthread_self()),
	    "the work ran on another thread and came back done");
	ok(pthread_equal(t.doner, pthread_self()), "done ran on the loop's thread");
	offload_shutdown();
	event_base_free(base);
	sem_destroy(&gate);
}

/* The queue: at most OFFLOAD_THREADS at once, full is refused, shutdown fails the rest. */
static void
test_queue(void)
{
	enum { N = OFFLOAD_THREADS + OFFLOAD_QUEUE_MAX };
	struct event_base	*base = event_base_new();
	static struct task	 t[N + 1];
	sem_t			 gate;
	int			 i, accepted = 0, done_ok = 0, failed = 0;

	sem_init(&gate, 0, 0);
	offload_init(base);
	running_max = 0;
	for (i = 0; i < N; i++) {
		t[i].gate = &gate;
		accepted += offload_run(work, done, &t[i]) == 0;
		if (t[i].done != 0)
			break;	/* it ran inline: no queue to test */
	}
	ok(accepted == N, "%d tasks accepted (%d running, %d waiting)", accepted,
	    OFFLOAD_THREADS, OFFLOAD_QUEUE_MAX);
	ok(offload_run(work, done, &t[N]) == -1 && !t[N].ran,
	    "one more is refused while the queue is full");
	ok(wait_running(OFFLOAD_THREADS), "%d tasks run at once", OFFLOAD_THREADS);
	for (i = 0; i < OFFLOAD_THREADS; i++)
		sem_post(&gate);
	offload_shutdown();
	for (i = 0; i < N; i++) {
		done_ok += t[i].done == 1 && !t[i].failed && t[i].ran;
		failed += t[i].done == 1 && t[i].failed && !t[i].ran;
	}
	ok(done_ok == OFFLOAD_THREADS && failed == OFFLOAD_QUEUE_MAX,
	    "shutdown finishes the running tasks (%d) and fails the waiting ones (%d)",
	    done_ok, failed);
	ok(running_max == OFFLOAD_THREADS, "never more than %d at once (saw %d)",
	    OFFLOAD_THREADS, running_max);
	event_base_free(base);
	sem_destroy(&gate);
}

/* Run the tests. */
int
main(void)
{
	test_inline();
	test_off_loop();
	test_queue();
	return tap_done();
}
