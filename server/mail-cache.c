/*
 * mail-cache.c — the change mails' cache of rendered text (mail-cache.h):
 * a hash table of chained entries keyed by bytes (FNV-1a), grown as it
 * fills. It lives for one claim of a sender thread, so it holds at most a
 * claim's sessions and calendars and is never shared between threads.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mail-cache.h"
#include "util.h"

struct mail_entry {
	struct mail_entry	*next;
	uint64_t		 hash;
	char			*key;
	size_t			 len;
	struct mail_piece	 piece;
};

struct mail_cache {
	struct mail_entry	**slot;
	size_t			  nslot, n;
};

struct mail_cache *
mail_cache_new(void)
{
	struct mail_cache	*mc = xcalloc(1, sizeof *mc);

	mc->nslot = 64;
	mc->slot = xcalloc(mc->nslot, sizeof *mc->slot);
	return mc;
}

void
mail_cache_free(struct mail_cache *mc)
{
	struct mail_entry	*e, *next;
	size_t			 i, k;

	if (mc == NULL)
		return;
	for (i = 0; i < mc->nslot; i++)
		for (e = mc->slot[i]; e != NULL; e = next) {
			next = e->next;
			for (k = 0; k < MAIL_CACHE_TEXTS; k++)
				free(e->piece.text[k]);
			free(e->key);
			free(e);
		}
	free(mc->slot);
	free(mc);
}

/* Twice the slots, every entry moved to its new one. */
static void
mail_cache_grow(struct mail_cache *mc)
{
	struct mail_entry	**slot, *e, *next;
	size_t			  nslot = mc->nslot * 2, i;

	slot = xcalloc(nslot, sizeof *slot);
	for (i = 0; i < mc->nslot; i++)
		for (e = mc->slot[i]; e != NULL; e = next) {
			next = e->next;
			e->next = slot[e->hash % nslot];
			slot[e->hash % nslot] = e;
		}
	free(mc->slot);
	mc->slot = slot;
	mc->nslot = nslot;
}

struct mail_piece *
mail_cache_get(struct mail_cache *mc, const char *key, size_t len, int *made)
{
	uint64_t		 h = fnv1a(key, len);
	struct mail_entry	*e;

	*made = 0;
	for (e = mc->slot[h % mc->nslot]; e != NULL; e = e->next)
		if (e->hash == h && e->len == len && memcmp(e->key, key, len) == 0)
			return &e->piece;
	if (mc->n >= mc->nslot)
		mail_cache_grow(mc);
	e = xcalloc(1, sizeof *e);
	e->hash = h;
	e->key = xmalloc(len + 1);
	memcpy(e->key, key, len);
	e->key[len] = '\0';
	e->len = len;
	e->next = mc->slot[h % mc->nslot];
	mc->slot[h % mc->nslot] = e;
	mc->n++;
	*made = 1;
	return &e->piece;
}
