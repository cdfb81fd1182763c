/*
 * sender.c — a worker's background sender (sender.h): the thread, its stop
 * flag and timed wait, its blocking database connection (given up after
 * 5 s, so a stop is never held up long by a database that does not
 * answer), the statements its rounds run on it, and which sender the
 * calling thread is (sender_self, for a kind that runs several).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "log.h"
#include "sender.h"
#include "util.h"

/* The sender of the calling thread (set as its thread starts). */
static __thread struct sender *sender_current;

struct sender *
sender_self(void)
{
	return sender_current;
}

int
sender_stopping(struct sender *s)
{
	int	stop;

	pthread_mutex_lock(&s->mu);
	stop = s->stop;
	pthread_mutex_unlock(&s->mu);
	return stop;
}

/* Wait ms or until stopped. */
static void
sender_sleep(struct sender *s, int ms)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&s->mu);
	if (!s->stop)
		pthread_cond_timedwait(&s->cv, &s->mu, &ts);
	pthread_mutex_unlock(&s->mu);
}

PGresult *
sender_exec(const struct sender *s, PGconn *c, const char *sql, int n,
    const char *const *params)
{
	PGresult	*r = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);

	if (PQresultStatus(r) == PGRES_TUPLES_OK ||
	    PQresultStatus(r) == PGRES_COMMAND_OK)
		return r;
	log_warn("%s: %s", s->name, PQerrorMessage(c));
	PQclear(r);
	return NULL;
}

int
sender_run(const struct sender *s, PGconn *c, const char *sql, int n,
    const char *const *params)
{
	PGresult	*r = sender_exec(s, c, sql, n, params);

	PQclear(r);
	return r != NULL ? 0 : -1;
}

/* A blocking connection, given up after 5 s. */
static PGconn *
sender_connect(const struct sender *s)
{
	static const char	*keys[] = { "dbname", "connect_timeout",
	    "application_name", NULL };
	char			 app[64];
	const char		*values[] = { s->conninfo, "5", app, NULL };

	snprintf(app, sizeof app, "kaigid-%s", s->name);
	return PQconnectdbParams(keys, values, 1);
}

/* The thread: connect (again after a loss), a round, sleep. */
static void *
sender_thread(void *arg)
{
	struct sender	*s = arg;
	PGconn		*c = NULL;

	sender_current = s;
	while (!sender_stopping(s)) {
		if (c == NULL || PQstatus(c) != CONNECTION_OK) {
			PQfinish(c);
			c = sender_connect(s);
		}
		if (PQstatus(c) == CONNECTION_OK && s->round(c) < 0)
			PQreset(c);	/* also ends a failed transaction */
		sender_sleep(s, s->poll_ms);
	}
	PQfinish(c);
	if (s->done != NULL)
		s->done();
	return NULL;
}

void
sender_start(struct sender *s)
{
	int	rc;

	s->conninfo = xstrdup(cfg->database_url);
	s->stop = 0;
	if ((rc = pthread_create(&s->thread, NULL, sender_thread, s)) != 0) {
		log_error("%s: cannot start the sender: %s", s->name, strerror(rc));
		return;
	}
	s->running = 1;
}

void
sender_ask_stop(struct sender *s)
{
	if (s->running) {
		pthread_mutex_lock(&s->mu);
		s->stop = 1;
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
	}
}

void
sender_stop(struct sender *s)
{
	if (s->running) {
		sender_ask_stop(s);
		pthread_join(s->thread, NULL);
		s->running = 0;
	}
	free(s->conninfo);
	s->conninfo = NULL;
}
