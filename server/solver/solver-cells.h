/*
 * solver-cells.h — the solver's large per-cell tables, kept between solves
 * (solver-cells.c).
 */
#ifndef KAIGI_SOLVER_CELLS_H
#define KAIGI_SOLVER_CELLS_H

#include <stddef.h>

/* At most this many bytes of tables are kept while no solve uses them. */
#define SOLVER_CELLS_KEEP_BYTES	((size_t)24 << 20)

struct solver_cells_stats {
	unsigned long	 allocated;	/* tables of 2 MiB or more made */
	unsigned long	 reused;	/* tables handed out again */
	unsigned long	 freed;		/* tables given back to the system */
	size_t		 kept_bytes;	/* kept now */
};

/* A table of bytes, every byte set to fill; never NULL. */
void	*solver_cells_get(size_t bytes, int fill);
/* Give a table of solver_cells_get back (NULL: nothing). */
void	 solver_cells_put(void *p);
/* The counts so far, for tests. */
void	 solver_cells_stats(struct solver_cells_stats *out);

#endif
