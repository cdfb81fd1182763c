/*
 * feed-memo.c — feeds' validators kept past their bytes (feed-memo.h): a
 * set-associative table, allocated at the first memo.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feed-cache.h"
#include "feed-memo.h"
#include "util.h"

static struct feed_memo	*memo;
static size_t		 memo_count;
static unsigned long	 memo_stamp;

/* The first slot of a key's set: its hash, folded. */
static struct feed_memo *
feed_memo_set(const char *key)
{
	uint64_t	h = fnv1a(key, strlen(key));

	return &memo[((h ^ (h >> 32)) & (FEED_MEMO_SLOTS / FEED_MEMO_WAYS - 1)) *
	    FEED_MEMO_WAYS];
}

/* key's slot in its set, or NULL. */
static struct feed_memo *
feed_memo_find(const char *key)
{
	struct feed_memo	*set = feed_memo_set(key);
	int			 i;

	for (i = 0; i < FEED_MEMO_WAYS; i++)
		if (set[i].key != NULL && strcmp(set[i].key, key) == 0)
			return &set[i];
	return NULL;
}

/* The slot for key: its own, else an empty one, else the oldest put. */
static struct feed_memo *
feed_memo_slot(const char *key)
{
	struct feed_memo	*set = feed_memo_set(key), *empty = NULL;
	struct feed_memo	*old = &set[0];
	int			 i;

	for (i = 0; i < FEED_MEMO_WAYS; i++) {
		if (set[i].key == NULL) {
			if (empty == NULL)
				empty = &set[i];
		} else if (strcmp(set[i].key, key) == 0)
			return &set[i];
		else if (set[i].stamp < old->stamp)
			old = &set[i];
	}
	return empty != NULL ? empty : old;
}

/* Empty a slot. */
static void
feed_memo_empty(struct feed_memo *m)
{
	if (m->key == NULL)
		return;
	free(m->key);
	m->key = NULL;
	memo_count--;
}

/* Keep key's validators unless an invalidation came after the read. */
void
feed_memo_put(const char *key, long long conference_id, const char *etag,
    time_t last_modified, unsigned long listen_epoch, unsigned long writes,
    unsigned long generation)
{
	struct feed_memo	*m;

	if (generation != feed_cache_generation() || listen_epoch == 0)
		return;
	if (memo == NULL)
		memo = xcalloc(FEED_MEMO_SLOTS, sizeof *memo);
	m = feed_memo_slot(key);
	feed_memo_empty(m);
	m->key = xstrdup(key);
	memo_count++;
	m->conference_id = conference_id;
	snprintf(m->etag, sizeof m->etag, "%s", etag);
	m->last_modified = last_modified;
	m->listen_epoch = listen_epoch;
	m->writes = writes;
	m->stamp = ++memo_stamp;
}

/* key's memo, or NULL. */
const struct feed_memo *
feed_memo_get(const char *key)
{
	return memo != NULL ? feed_memo_find(key) : NULL;
}

/* Drop the memos of one conference. */
void
feed_memo_invalidate(long long conference_id)
{
	size_t	i;

	for (i = 0; memo != NULL && memo_count > 0 && i < FEED_MEMO_SLOTS; i++)
		if (memo[i].key != NULL && memo[i].conference_id == conference_id)
			feed_memo_empty(&memo[i]);
}

/* Drop every memo and the table. */
void
feed_memo_clear(void)
{
	size_t	i;

	for (i = 0; memo != NULL && i < FEED_MEMO_SLOTS; i++)
		feed_memo_empty(&memo[i]);
	free(memo);
	memo = NULL;
}

/* Memos held now. */
size_t
feed_memo_count(void)
{
	return memo_count;
}
