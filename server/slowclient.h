/*
 * slowclient.h — dropping clients whose first request trickles in too
 * slowly (see slowclient.c).
 */
#ifndef KAIGI_SLOWCLIENT_H
#define KAIGI_SLOWCLIENT_H

#include <event2/event.h>

/* Sweep once a second for the clients of listening socket fd. */
void	slowclient_start(struct event_base *, int listen_fd, int timeout);
/* A request was dispatched on client socket fd. */
void	slowclient_served(int fd);
/* One sweep at monotonic instant now (seconds); the timer's, and tests'. */
void	slowclient_sweep(double now);
/* Follow a changed `timeout` setting. */
void	slowclient_set_timeout(int timeout);
void	slowclient_stop(void);

#endif
