/*
 * io.c — writing a whole buffer to a file descriptor, for the commands
 * that save what the server sent (kaigi export, kaigi programme).
 */
#include <errno.h>
#include <unistd.h>

#include "kaigi.h"

/* Write len bytes of data to fd, across short writes and EINTR; -1 on error. */
int
write_all(int fd, const char *data, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, data, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}
