/*
 * log.h — levelled logging to stderr and the access log.
 */
#ifndef KAIGI_LOG_H
#define KAIGI_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Set the threshold from a name ("debug", "info", "warn", "error"); -1 if unknown. */
int	log_set_level_name(const char *);
void	log_set_level(enum log_level);
int	log_wants(enum log_level);	/* 1 if that level is written */
void	log_msg(enum log_level, const char *, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...)	log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...)	log_msg(LOG_ERROR, __VA_ARGS__)

#endif
