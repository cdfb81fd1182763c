/*
 * log.c — one line per event on stderr: time, pid, level, message.
 *
 * The access log (see http.c) goes through here at level info. Callers are
 * responsible for never passing secrets; paths are scrubbed before logging.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static enum log_level	log_threshold = LOG_INFO;
static const char	*log_names[] = { "debug", "info", "warn", "error" };

/* Set the minimum level that is written. */
void
log_set_level(enum log_level level)
{
	log_threshold = level;
}

/* Set the minimum level by name; returns -1 for an unknown name. */
int
log_set_level_name(const char *name)
{
	int	i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(name, log_names[i]) == 0) {
			log_threshold = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

/* Whether a message of this level would be written. */
int
log_wants(enum log_level level)
{
	return level >= log_threshold;
}

/* Write one line to stderr if level passes the threshold. */
void
log_msg(enum log_level level, const char *fmt, ...)
{
	struct timeval	tv;
	struct tm	tm;
	char		stamp[32], line[2048];
	va_list		ap;
	int		n;

	if (level < log_threshold)
		return;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line, sizeof line, "%s.%03dZ [%d] %s: ", stamp,
	    (int)(tv.tv_usec / 1000), (int)getpid(), log_names[level]);
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof line)
		vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s\n", line);
}
