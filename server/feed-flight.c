/*
 * feed-flight.c — the registry of feed loads in flight in this worker and
 * the requests waiting for each (see feed-flight.h).
 */
#include <stdlib.h>
#include <string.h>

#include "feed-flight.h"
#include "util.h"

struct feed_waiter {
	void			*arg;
	struct feed_waiter	*next;
};

struct feed_flight {
	char			*key;
	unsigned long		 generation;
	struct feed_waiter	*head, **tail;
	struct feed_flight	*prev, *next;
};

static struct feed_flight	*flights;
static unsigned long		 nflights;

struct feed_flight *
feed_flight_find(const char *key, unsigned long generation)
{
	struct feed_flight	*f;

	for (f = flights; f != NULL; f = f->next)
		if (f->generation == generation && strcmp(f->key, key) == 0)
			return f;
	return NULL;
}

struct feed_flight *
feed_flight_start(const char *key, unsigned long generation)
{
	struct feed_flight	*f = xcalloc(1, sizeof *f);

	f->key = xstrdup(key);
	f->generation = generation;
	f->tail = &f->head;
	f->next = flights;
	if (flights != NULL)
		flights->prev = f;
	flights = f;
	nflights++;
	return f;
}

void
feed_flight_wait(struct feed_flight *f, void *waiter)
{
	struct feed_waiter	*w = xcalloc(1, sizeof *w);

	w->arg = waiter;
	*f->tail = w;
	f->tail = &w->next;
}

void *
feed_flight_take(struct feed_flight *f)
{
	struct feed_waiter	*w = f->head;
	void			*arg;

	if (w == NULL)
		return NULL;
	f->head = w->next;
	if (f->head == NULL)
		f->tail = &f->head;
	arg = w->arg;
	free(w);
	return arg;
}

void
feed_flight_end(struct feed_flight *f)
{
	if (f == NULL)
		return;
	while (feed_flight_take(f) != NULL)
		;	/* the caller has answered them; nothing is left normally */
	if (f->prev != NULL)
		f->prev->next = f->next;
	else
		flights = f->next;
	if (f->next != NULL)
		f->next->prev = f->prev;
	nflights--;
	free(f->key);
	free(f);
}

unsigned long
feed_flight_count(void)
{
	return nflights;
}
