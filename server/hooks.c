/*
 * hooks.c — starts and stops each worker's background services in one
 * place, so worker.c does not need to know them.
 */
#include "hooks.h"
#include "scheduler.h"

/* Start the services of a worker. */
void
hooks_start(struct event_base *base)
{
	scheduler_init(base);
}

/* The worker is draining: end long-lived streams so the drain can finish. */
void
hooks_draining(void)
{
}

/* Stop the services (before the pool closes). */
void
hooks_stop(void)
{
	scheduler_shutdown();
}
