/*
 * hooks.h — the background services of one worker process, started after
 * the HTTP server and stopped before the pool closes: the change listener
 * (LISTEN/NOTIFY) that drops cached feeds, the change streams, the solver.
 */
#ifndef KAIGI_HOOKS_H
#define KAIGI_HOOKS_H

#include <event2/event.h>

void	hooks_start(struct event_base *);
void	hooks_draining(void);	/* SIGTERM: close long-lived streams */
void	hooks_stop(void);

#endif
