/*
 * feed-file.h — a shared part's text (feed-shared.h) kept as well in a
 * memory file, so that the kernel sends its runs to clients by sendfile
 * without kaigid copying them.
 *
 * At COP size every personal feed carries 2.3 MB of its conference's
 * shared part. Written from kaigid's memory, each answer cost the worker
 * a copy of those bytes into the socket; on two cores that also ran the
 * clients, the workers then waited for CPU and the tail of the answers
 * grew. The file is made once per body, on first use, and freed with it.
 * Event loop thread only.
 */
#ifndef KAIGI_FEED_FILE_H
#define KAIGI_FEED_FILE_H

#include <stddef.h>

#define FEED_FILE_MIN_BODY	(64 * 1024)	/* smaller bodies: no file */
#define FEED_FILE_MIN_RUN	(16 * 1024)	/* shorter runs: by reference */

struct feed_body;
struct evbuffer_file_segment;

/*
 * b's text as a file segment (the body keeps it), or NULL: the body is
 * smaller than FEED_FILE_MIN_BODY, or the file could not be made (logged
 * once; its runs then go by reference, as before).
 */
struct evbuffer_file_segment *feed_body_file(struct feed_body *b);
/* Free b's file segment, if any (feed_body_release). */
void	feed_body_file_free(struct feed_body *b);

#endif
