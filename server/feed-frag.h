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
 * of it sees (feed-shared.h). Counted: the feeds that point into it keep
 * it after it has been replaced.
 */
struct feed_body_event {
	long long	 id;
	time_t		 start;
	size_t		 off, len;		/* its VEVENT in text */
};
struct evbuffer_file_segment;

struct feed_body {
	char			*text;
	size_t			 len, n;
	struct feed_body_event	*ev;
	time_t			 last_modified;	/* max(updated), 0 if none */
	unsigned char		 digest[32];	/* SHA-256 of text */
	long long		 changed;	/* the caller's: its clock */
	int			 refs;
	struct evbuffer_file_segment *file;	/* feed-file.h, or NULL */
	int			 file_failed;
};

/*
 * A feed assembled by reference: its head, own events and end, back to
 * back in own, and between them runs of a body's text, in the order of
 * part (each from own or from body->text, at off).
 */
struct feed_part {
	int		 shared;		/* from body->text, else own */
	size_t		 off, len;
};
struct feed_parts {
	char			*own;
	size_t			 ownlen;
	struct feed_part	*part;
	size_t			 n;
	struct feed_body	*body;		/* a reference */
	size_t			 len;		/* the feed's bytes */
	char			 etag[ICAL_ETAG_LEN];
	time_t			 last_modified;
};

/*
 * Render ev (any order; only cal's host and zone are read) into a body
 * with one reference, or NULL with *cause.
 */
struct feed_body *feed_frag_body(const struct ical_cal *cal,
	    const struct ical_event *ev, size_t n, char **cause);
void	feed_body_ref(struct feed_body *);
void	feed_body_release(struct feed_body *);
/*
 * The feed of the events of shared and ev together, as feed_frag_render
 * would write it (the same bytes and last_modified), by reference to
 * shared. Its ETag is the SHA-256 of the own bytes and, for each run of
 * shared, the body's digest and the run's place: the same bytes so
 * assembled always have the same ETag, and other bytes another one,
 * without hashing the shared text again. 0, or -1 with *cause.
 */
int	feed_frag_render_with(const struct ical_cal *cal,
	    struct feed_body *shared, const struct ical_event *ev,
	    size_t n, struct feed_parts *out, char **cause);
/* The bytes of part i of p. */
const char *feed_part_bytes(const struct feed_parts *p, size_t i);
void	feed_parts_free(struct feed_parts *);
/* Bound the pieces kept, in bytes (0: none); a smaller bound evicts. */
void	feed_frag_set_limit(size_t bytes);
void	feed_frag_stats(struct feed_frag_stats *);
/* Drop every piece (worker exit). */
void	feed_frag_clear(void);

#endif
