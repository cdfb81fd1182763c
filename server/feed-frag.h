/*
 * feed-frag.h — feeds assembled from rendered pieces kept per worker: each
 * session's VEVENT is rendered once for everyone who sees it the same way,
 * and each calendar head once, instead of once per feed.
 *
 * feed_frag_render gives exactly ical_render's bytes, ETag and
 * last_modified for the same input (tests/unit/test_feed_frag.c). A piece
 * is kept under every input of its text, so a changed session or another
 * view of it is another piece: nothing here is ever invalidated, and least
 * recently used pieces go when the bound (`feed_fragment_mb`) is reached.
 * Event loop thread only.
 */
#ifndef KAIGI_FEED_FRAG_H
#define KAIGI_FEED_FRAG_H

#include <stddef.h>

#include "ical.h"

struct feed_frag_stats {
	size_t		entries, bytes, limit;
	unsigned long	hits, misses, evictions;
};

/* As ical_render (ical.h); with the bound 0 it is ical_render. */
int	feed_frag_render(const struct ical_cal *cal,
	    const struct ical_event *ev, size_t n, struct ical_feed *out,
	    char **cause);
/*
 * A run of events rendered once, in feed order (start, then id), that many
 * feeds share: the part of a conference's personal feeds that every token
 * of it sees (feed-shared.h). The text is the body's own copy.
 */
struct feed_body_event {
	long long	 id;
	time_t		 start;
	size_t		 off, len;		/* its VEVENT in text */
};
struct feed_body {
	char			*text;
	size_t			 len, n;
	struct feed_body_event	*ev;
	time_t			 last_modified;	/* max(updated), 0 if none */
};

/* Render ev (any order; only cal's host and zone are read) into a body. */
int	feed_frag_body(const struct ical_cal *cal,
	    const struct ical_event *ev, size_t n, struct feed_body *out,
	    char **cause);
/*
 * As feed_frag_render of the events of shared and ev together: the same
 * bytes, ETag and last_modified, with shared's events copied as rendered.
 */
int	feed_frag_render_with(const struct ical_cal *cal,
	    const struct feed_body *shared, const struct ical_event *ev,
	    size_t n, struct ical_feed *out, char **cause);
void	feed_body_free(struct feed_body *);
/* Bound the pieces kept, in bytes (0: none); a smaller bound evicts. */
void	feed_frag_set_limit(size_t bytes);
void	feed_frag_stats(struct feed_frag_stats *);
/* Drop every piece (worker exit). */
void	feed_frag_clear(void);

#endif
