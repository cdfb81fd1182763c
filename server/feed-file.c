/*
 * feed-file.c — a shared part's text in a memory file, sent by sendfile
 * (feed-file.h).
 *
 * memfd_create gives a file in memory; the body's text is written to it
 * once and handed to libevent as a file segment. A reply adds runs of the
 * segment (evbuffer_add_file_segment) to a buffer marked as drained to a
 * socket (http_reply_pieces), which libevent sends with sendfile; each
 * reply holds a reference to the segment, so a body freed meanwhile
 * leaves its file open until the last reply is sent.
 */
#include <sys/mman.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "feed-file.h"
#include "feed-frag.h"
#include "log.h"

/* A memory file holding len bytes of text, or -1. */
static int
feed_file_write(const char *text, size_t len)
{
	int	fd = memfd_create("kaigi-feed-body", MFD_CLOEXEC);
	size_t	done = 0;
	ssize_t	n;

	if (fd < 0)
		return -1;
	while (done < len) {
		if ((n = write(fd, text + done, len - done)) < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		done += (size_t)n;
	}
	return fd;
}

struct evbuffer_file_segment *
feed_body_file(struct feed_body *b)
{
	static int	said;
	int		fd;

	if (b->file != NULL || b->file_failed || b->len < FEED_FILE_MIN_BODY)
		return b->file;
	if ((fd = feed_file_write(b->text, b->len)) >= 0 &&
	    (b->file = evbuffer_file_segment_new(fd, 0, (ev_off_t)b->len,
	    EVBUF_FS_CLOSE_ON_FREE)) == NULL)
		close(fd);
	if (b->file == NULL) {
		b->file_failed = 1;
		if (!said++)
			log_warn("feed: no memory file for a shared part (%s);"
			    " its runs are sent from memory", strerror(errno));
	}
	return b->file;
}

void
feed_body_file_free(struct feed_body *b)
{
	if (b->file != NULL)
		evbuffer_file_segment_free(b->file);
	b->file = NULL;
}
