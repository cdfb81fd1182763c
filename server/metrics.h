/*
 * metrics.h — counters for GET /metrics (Prometheus text format).
 */
#ifndef KAIGI_METRICS_H
#define KAIGI_METRICS_H

#include <event2/buffer.h>

/* Count one answered request. */
void	metrics_request(int status, long long microseconds);
/* Add a named counter increment (e.g. "feed_cache_hits_total"). */
void	metrics_count(const char *name, unsigned long by);
/* Write everything in the exposition format. */
void	metrics_render(struct evbuffer *);

#endif
