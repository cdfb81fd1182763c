/*
 * feed-shared.c — the shared part of each conference's personal feeds,
 * kept per worker (feed-shared.h).
 *
 * A handful of slots, one per conference, each with its body, the
 * snapshot it was read under and when it was last used. A new body for a
 * conference replaces its slot; a new conference takes an empty slot or
 * the least recently used one. Reads in flight are a short list too, each
 * with the feeds that wait for it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "feed-shared.h"
#include "util.h"

struct shared_slot {
	long long		 cid;		/* 0: empty */
	char			*snapshot;
	struct feed_body	*body;
	unsigned long		 used;
};

struct shared_waiter {
	feed_shared_wake_fn	*wake;
	void			*arg;
};

struct shared_flight {
	long long		 cid;		/* 0: none */
	struct shared_waiter	*w;
	size_t			 n, cap;
};

static struct shared_slot	 slots[FEED_SHARED_MAX];
static struct shared_flight	 flights[FEED_SHARED_MAX];
static unsigned long		 clock_now;

/* The read of cid in flight, or NULL. */
static struct shared_flight *
shared_flight(long long cid)
{
	size_t	i;

	for (i = 0; i < FEED_SHARED_MAX; i++)
		if (flights[i].cid == cid && cid != 0)
			return &flights[i];
	return NULL;
}

int
feed_shared_loading(long long cid)
{
	return shared_flight(cid) != NULL;
}

/*
 * Mark cid's read in flight (when every mark is taken, its feeds simply
 * do not wait for it).
 */
void
feed_shared_load_start(long long cid)
{
	size_t	i;

	for (i = 0; i < FEED_SHARED_MAX && shared_flight(cid) == NULL; i++)
		if (flights[i].cid == 0)
			flights[i].cid = cid;
}

void
feed_shared_wait(long long cid, feed_shared_wake_fn *wake, void *arg)
{
	struct shared_flight	*f = shared_flight(cid);

	if (f == NULL) {
		wake(arg);
		return;
	}
	if (f->n == f->cap) {
		f->cap = f->cap * 2 + 16;
		f->w = xrealloc(f->w, f->cap * sizeof *f->w);
	}
	f->w[f->n].wake = wake;
	f->w[f->n++].arg = arg;
}

void
feed_shared_landed(long long cid)
{
	struct shared_flight	 f, *p = shared_flight(cid);
	size_t			 i;

	if (p == NULL)
		return;
	f = *p;			/* a woken feed may start the next read */
	memset(p, 0, sizeof *p);
	for (i = 0; i < f.n; i++)
		f.w[i].wake(f.w[i].arg);
	free(f.w);
}

/* Empty a slot. */
static void
shared_empty(struct shared_slot *s)
{
	free(s->snapshot);
	feed_body_release(s->body);
	memset(s, 0, sizeof *s);
}

/* The slot of cid, or NULL. */
static struct shared_slot *
shared_find(long long cid)
{
	size_t	i;

	for (i = 0; i < FEED_SHARED_MAX; i++)
		if (slots[i].cid == cid && cid != 0)
			return &slots[i];
	return NULL;
}

struct feed_body *
feed_shared_get(long long cid, const char *snapshot)
{
	struct shared_slot	*s = shared_find(cid);

	if (s == NULL || snapshot == NULL || strcmp(s->snapshot, snapshot) != 0)
		return NULL;
	s->used = ++clock_now;
	return s->body;
}

void
feed_shared_put(long long cid, const char *snapshot, struct feed_body *body)
{
	struct shared_slot	*s = shared_find(cid);
	size_t			 i;

	for (i = 0; s == NULL && i < FEED_SHARED_MAX; i++)
		if (slots[i].cid == 0)
			s = &slots[i];
	for (i = 0; s == NULL && i < FEED_SHARED_MAX; i++)
		if (i == 0 || slots[i].used < s->used)
			s = &slots[i];
	if (s == NULL)
		s = &slots[0];
	shared_empty(s);
	s->cid = cid;
	s->snapshot = xstrdup(snapshot);
	s->body = body;
	s->used = ++clock_now;
}

char *
feed_shared_snapshots(void)
{
	json_t	*o = json_object();
	char	 key[24], *out;
	size_t	 i;

	for (i = 0; i < FEED_SHARED_MAX; i++) {
		if (slots[i].cid == 0)
			continue;
		snprintf(key, sizeof key, "%lld", slots[i].cid);
		json_object_set_new(o, key, json_string(slots[i].snapshot));
	}
	out = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return out != NULL ? out : xstrdup("{}");
}

char *
feed_shared_snapshot_in(const char *snapshots, long long cid)
{
	json_t		*o = json_loads(snapshots, 0, NULL);
	const char	*v;
	char		 key[24], *out = NULL;

	snprintf(key, sizeof key, "%lld", cid);
	if ((v = json_string_value(json_object_get(o, key))) != NULL)
		out = xstrdup(v);
	json_decref(o);
	return out;
}

void
feed_shared_stats(size_t *bodies, size_t *bytes)
{
	size_t	i;

	*bodies = *bytes = 0;
	for (i = 0; i < FEED_SHARED_MAX; i++)
		if (slots[i].cid != 0) {
			(*bodies)++;
			*bytes += slots[i].body->len +
			    slots[i].body->n * sizeof *slots[i].body->ev;
		}
}

void
feed_shared_clear(void)
{
	size_t	i;

	for (i = 0; i < FEED_SHARED_MAX; i++) {
		shared_empty(&slots[i]);
		free(flights[i].w);
		memset(&flights[i], 0, sizeof flights[i]);
	}
}
