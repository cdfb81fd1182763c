/*
 * solver-cells.c — the solver's large per-cell tables (each room's and
 * person's owner or count per grid cell), kept for the next solve of the
 * process instead of given back to the system.
 *
 * At conference size a table runs to megabytes (300 rooms over 12 days in
 * 5-minute cells: 4 MiB), and a fresh one costs a page fault when first
 * written, per 4 KiB page or, with transparent huge pages, per 2 MiB; on a
 * virtual machine each fault traps to the hypervisor. On the planted COP
 * (scripts/bench/solver --via-api -n 20000 -R 300 -D 12) the rooms' table
 * of a request's slots was 40 % of kaigid's CPU for the request, its
 * memset faulting every page again: the allocator had returned the pages
 * between two requests, each on a thread of its own. A table put back here
 * is handed to the next solve that needs one as large, so its pages stay
 * mapped; only its contents are set again.
 *
 * This is the solver's one shared state: a few tables behind a mutex, at
 * most SOLVER_CELLS_KEEP_BYTES in all (the rest freed as before). Tables
 * under 2 MiB are plain allocations, neither aligned nor kept.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "solver-cells.h"
#include "../util.h"

#define CELLS_HUGE	((size_t)2 << 20)	/* a transparent huge page */
#define CELLS_SLOTS	16			/* tables kept or lent, tracked */

struct cells_entry {
	void	*p;
	size_t	 cap;		/* bytes allocated (a multiple of CELLS_HUGE) */
	int	 lent;		/* in a solve now (1) or kept (0) */
};

static pthread_mutex_t		 cells_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cells_entry	 cells[CELLS_SLOTS];
static struct solver_cells_stats cells_stats;

/* Bytes of the tables kept now (not lent). Called with the lock held. */
static size_t
cells_kept(void)
{
	size_t	 n = 0;
	int	 i;

	for (i = 0; i < CELLS_SLOTS; i++)
		if (cells[i].p != NULL && !cells[i].lent)
			n += cells[i].cap;
	return n;
}

/* The smallest kept table of at least bytes, lent out; -1 if none. */
static int
cells_take(size_t bytes)
{
	int	 i, best = -1;

	for (i = 0; i < CELLS_SLOTS; i++) {
		if (cells[i].p == NULL || cells[i].lent || cells[i].cap < bytes)
			continue;
		if (best < 0 || cells[i].cap < cells[best].cap)
			best = i;
	}
	if (best >= 0) {
		cells[best].lent = 1;
		cells_stats.reused++;
	}
	return best;
}

/* Track a new table as lent (untracked if every slot is in use). */
static void
cells_track(void *p, size_t cap)
{
	int	 i;

	cells_stats.allocated++;
	for (i = 0; i < CELLS_SLOTS; i++)
		if (cells[i].p == NULL) {
			cells[i].p = p;
			cells[i].cap = cap;
			cells[i].lent = 1;
			return;
		}
}

/* A new table of cap bytes, aligned and marked for huge pages. */
static void *
cells_alloc(size_t cap)
{
	void	*p;

	if (posix_memalign(&p, CELLS_HUGE, cap) != 0)
		return xmalloc(cap);
	(void)madvise(p, cap, MADV_HUGEPAGE);
	return p;
}

void *
solver_cells_get(size_t bytes, int fill)
{
	void	*p;
	size_t	 cap;
	int	 i;

	if (bytes < CELLS_HUGE) {
		p = xmalloc(bytes > 0 ? bytes : 1);
		memset(p, fill, bytes);
		return p;
	}
	cap = (bytes + CELLS_HUGE - 1) / CELLS_HUGE * CELLS_HUGE;
	pthread_mutex_lock(&cells_lock);
	i = cells_take(bytes);
	p = i >= 0 ? cells[i].p : NULL;
	pthread_mutex_unlock(&cells_lock);
	if (p == NULL) {
		p = cells_alloc(cap);
		pthread_mutex_lock(&cells_lock);
		cells_track(p, cap);
		pthread_mutex_unlock(&cells_lock);
	}
	memset(p, fill, bytes);
	return p;
}

/* Make room for cap more kept bytes by freeing smaller kept tables;
 * whether it fits. Called with the lock held. */
static int
cells_room(size_t cap)
{
	int	 i, small;

	while (cells_kept() + cap > SOLVER_CELLS_KEEP_BYTES) {
		small = -1;
		for (i = 0; i < CELLS_SLOTS; i++)
			if (cells[i].p != NULL && !cells[i].lent &&
			    cells[i].cap < cap &&
			    (small < 0 || cells[i].cap < cells[small].cap))
				small = i;
		if (small < 0)
			return 0;
		free(cells[small].p);
		cells[small].p = NULL;
		cells_stats.freed++;
	}
	return 1;
}

void
solver_cells_put(void *p)
{
	int	 i;

	if (p == NULL)
		return;
	pthread_mutex_lock(&cells_lock);
	for (i = 0; i < CELLS_SLOTS; i++)
		if (cells[i].p == p && cells[i].lent)
			break;
	if (i < CELLS_SLOTS && cells[i].cap <= SOLVER_CELLS_KEEP_BYTES &&
	    cells_room(cells[i].cap)) {
		cells[i].lent = 0;
		pthread_mutex_unlock(&cells_lock);
		return;
	}
	if (i < CELLS_SLOTS) {
		cells[i].p = NULL;
		cells_stats.freed++;
	}
	pthread_mutex_unlock(&cells_lock);
	free(p);
}

void
solver_cells_stats(struct solver_cells_stats *out)
{
	pthread_mutex_lock(&cells_lock);
	*out = cells_stats;
	out->kept_bytes = cells_kept();
	pthread_mutex_unlock(&cells_lock);
}
