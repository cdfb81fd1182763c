/*
 * sender.h — a worker's background sender: a thread of its own with a
 * blocking libpq connection that wakes every poll_ms (or at once when
 * stopped) and runs one round. The change mail (outbox.c) and the webhooks
 * (webhook.c) are two; the event loop never waits on either. A process may
 * run several senders of one kind (mail_senders), each its own thread and
 * connection.
 */
#ifndef KAIGI_SENDER_H
#define KAIGI_SENDER_H

#include <pthread.h>

#include <libpq-fe.h>

struct sender {
	const char	*name;		/* log prefix; application_name kaigid-<name> */
	int		 poll_ms;
	int		(*round)(PGconn *);	/* 0, or -1: reset the connection */
	void		(*done)(void);	/* NULL, or run on the thread as it ends */
	/* The sender's own: */
	char		*conninfo;
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	int		 stop;
	int		 running;
};

#define SENDER_INIT(n, ms, fn)	{ .name = (n), .poll_ms = (ms), .round = (fn), \
	.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER }

/* Start the thread on cfg->database_url (a failure is logged). */
void	 sender_start(struct sender *);
/* Ask it to stop, wake it and wait for it. */
void	 sender_stop(struct sender *);
/* Ask it to stop and wake it, without waiting (then sender_stop). */
void	 sender_ask_stop(struct sender *);
/* 1 once it was asked to stop (a round checks between deliveries). */
int	 sender_stopping(struct sender *);
/* The sender whose thread this is (NULL on any other thread). */
struct sender *sender_self(void);
/* Run a statement: the result if it returned tuples or OK, else NULL (logged). */
PGresult *sender_exec(const struct sender *, PGconn *, const char *sql, int n,
	    const char *const *params);
/* Run a statement whose result is not needed: 0 or -1 (logged). */
int	 sender_run(const struct sender *, PGconn *, const char *sql, int n,
	    const char *const *params);

#endif
