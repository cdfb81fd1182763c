/*
 * metrics.c — in-process counters rendered as Prometheus text.
 *
 * Each worker process keeps its own; a scrape sees the worker that answered
 * (label "pid"), which is how multi-process servers usually expose them.
 */
#include <string.h>
#include <unistd.h>

#include "changes.h"
#include "conn.h"
#include "db.h"
#include "feed-cache.h"
#include "feed-frag.h"
#include "feed-shared.h"
#include "feed-memo.h"
#include "http.h"
#include "metrics.h"

#define METRICS_MAX_NAMED 32

static unsigned long	metrics_by_class[6];	/* 1xx..5xx */
static unsigned long long metrics_us_total;
static unsigned long	metrics_requests;

static struct {
	const char	*name;
	unsigned long	 value;
} metrics_named[METRICS_MAX_NAMED];

/* Count one answered request by status class. */
void
metrics_request(int status, long long us)
{
	int	c = status / 100;

	if (c >= 1 && c <= 5)
		metrics_by_class[c]++;
	metrics_requests++;
	if (us > 0)
		metrics_us_total += (unsigned long long)us;
}

/* Increment a named counter; names must be string literals. */
void
metrics_count(const char *name, unsigned long by)
{
	int	i;

	for (i = 0; i < METRICS_MAX_NAMED; i++) {
		if (metrics_named[i].name == NULL)
			metrics_named[i].name = name;
		if (strcmp(metrics_named[i].name, name) == 0) {
			metrics_named[i].value += by;
			return;
		}
	}
}

/* The feed cache of this worker: what it holds, its bound, its evictions. */
static void
metrics_feed_cache(struct evbuffer *b, int pid)
{
	struct feed_cache_stats	fc;

	feed_cache_stats(&fc);
	evbuffer_add_printf(b, "# TYPE kaigi_feed_cache_bytes gauge\n"
	    "kaigi_feed_cache_bytes{pid=\"%d\"} %zu\n"
	    "# TYPE kaigi_feed_cache_held_bytes gauge\n"
	    "kaigi_feed_cache_held_bytes{pid=\"%d\"} %zu\n"
	    "# TYPE kaigi_feed_cache_limit_bytes gauge\n"
	    "kaigi_feed_cache_limit_bytes{pid=\"%d\"} %zu\n"
	    "# TYPE kaigi_feed_cache_entries gauge\n"
	    "kaigi_feed_cache_entries{pid=\"%d\"} %zu\n"
	    "# TYPE kaigi_feed_cache_evictions_total counter\n"
	    "kaigi_feed_cache_evictions_total{pid=\"%d\"} %lu\n",
	    pid, fc.bytes, pid, fc.held, pid, fc.limit, pid, fc.entries, pid,
	    fc.evictions);
}

/* The rendered events kept for the feeds (feed-frag.c). */
static void
metrics_feed_frag(struct evbuffer *b, int pid)
{
	struct feed_frag_stats	st;
	size_t			bodies, bytes;

	feed_frag_stats(&st);
	evbuffer_add_printf(b, "# TYPE kaigi_feed_fragment_bytes gauge\n"
	    "kaigi_feed_fragment_bytes{pid=\"%d\"} %zu\n"
	    "# TYPE kaigi_feed_fragment_entries gauge\n"
	    "kaigi_feed_fragment_entries{pid=\"%d\"} %zu\n"
	    "# TYPE kaigi_feed_fragment_hits_total counter\n"
	    "kaigi_feed_fragment_hits_total{pid=\"%d\"} %lu\n"
	    "# TYPE kaigi_feed_fragment_misses_total counter\n"
	    "kaigi_feed_fragment_misses_total{pid=\"%d\"} %lu\n"
	    "# TYPE kaigi_feed_fragment_evictions_total counter\n"
	    "kaigi_feed_fragment_evictions_total{pid=\"%d\"} %lu\n",
	    pid, st.bytes, pid, st.entries, pid, st.hits, pid, st.misses, pid,
	    st.evictions);
	feed_shared_stats(&bodies, &bytes);
	evbuffer_add_printf(b, "# TYPE kaigi_feed_shared_bodies gauge\n"
	    "kaigi_feed_shared_bodies{pid=\"%d\"} %zu\n"
	    "# TYPE kaigi_feed_shared_bytes gauge\n"
	    "kaigi_feed_shared_bytes{pid=\"%d\"} %zu\n", pid, bodies, pid, bytes);
	evbuffer_add_printf(b, "# TYPE kaigi_feed_memos gauge\n"
	    "kaigi_feed_memos{pid=\"%d\"} %zu\n", pid, feed_memo_count());
}

/* Write every counter. */
void
metrics_render(struct evbuffer *b)
{
	struct db_stats	s;
	int		i, pid = (int)getpid();

	evbuffer_add_printf(b, "# TYPE kaigi_http_requests_total counter\n");
	for (i = 1; i <= 5; i++)
		evbuffer_add_printf(b,
		    "kaigi_http_requests_total{pid=\"%d\",class=\"%dxx\"} %lu\n",
		    pid, i, metrics_by_class[i]);
	evbuffer_add_printf(b, "# TYPE kaigi_http_request_seconds_sum counter\n"
	    "kaigi_http_request_seconds_sum{pid=\"%d\"} %.6f\n", pid,
	    (double)metrics_us_total / 1e6);
	evbuffer_add_printf(b, "kaigi_http_request_seconds_count{pid=\"%d\"} %lu\n",
	    pid, metrics_requests);
	evbuffer_add_printf(b, "# TYPE kaigi_http_connections gauge\n"
	    "kaigi_http_connections{pid=\"%d\"} %d\n", pid, conn_count());
	evbuffer_add_printf(b, "# TYPE kaigi_http_requests_in_flight gauge\n"
	    "kaigi_http_requests_in_flight{pid=\"%d\"} %lu\n"
	    "# TYPE kaigi_change_streams gauge\n"
	    "kaigi_change_streams{pid=\"%d\"} %d\n",
	    pid, http_inflight_count(), pid, changes_stream_count());
	db_get_stats(&s);
	evbuffer_add_printf(b, "# TYPE kaigi_db_connections_up gauge\n"
	    "kaigi_db_connections_up{pid=\"%d\"} %d\n"
	    "kaigi_db_connections_busy{pid=\"%d\"} %d\n"
	    "kaigi_db_connections_down{pid=\"%d\"} %d\n"
	    "kaigi_db_queue_length{pid=\"%d\"} %d\n"
	    "kaigi_db_queries_total{pid=\"%d\"} %lu\n"
	    "kaigi_db_errors_total{pid=\"%d\"} %lu\n"
	    "kaigi_db_unavailable_total{pid=\"%d\"} %lu\n"
	    "kaigi_db_busy_total{pid=\"%d\"} %lu\n"
	    "kaigi_db_abandoned_total{pid=\"%d\"} %lu\n",
	    pid, s.connections_up, pid, s.connections_busy,
	    pid, s.connections_down, pid, s.queue_length,
	    pid, s.queries, pid, s.errors, pid, s.unavailable, pid, s.busy,
	    pid, s.abandoned);
	metrics_feed_cache(b, pid);
	metrics_feed_frag(b, pid);
	for (i = 0; i < METRICS_MAX_NAMED && metrics_named[i].name; i++)
		evbuffer_add_printf(b, "kaigi_%s{pid=\"%d\"} %lu\n",
		    metrics_named[i].name, pid, metrics_named[i].value);
}
