/*
 * api-health.c — liveness, readiness and metrics.
 *
 * /healthz answers while the process lives, without touching the database;
 * /readyz answers 200 only when a query gets through the pool in time. Its
 * body says whether the change listener is in force ("listen": "ok" or
 * "down"): while it is down the instance serves everything, only uncached.
 */
#include <event2/buffer.h>

#include "http.h"
#include "metrics.h"
#include "notify.h"
#include "replica.h"
#include "route.h"
#include "util.h"

static void health_live(struct req *);
static void health_ready(struct req *);
static void health_metrics(struct req *);

const struct route route_healthz = {
	.method = EVHTTP_REQ_GET, .path = "/healthz", .handle = health_live,
};
const struct route route_readyz = {
	.method = EVHTTP_REQ_GET, .path = "/readyz", .handle = health_ready,
};
const struct route route_metrics = {
	.method = EVHTTP_REQ_GET, .path = "/metrics", .handle = health_metrics,
};

/* GET /healthz */
static void
health_live(struct req *r)
{
	http_reply_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

/* SELECT 1 came back (or not). */
static void
health_ready_done(enum db_status st, PGresult *res, void *arg)
{
	struct req	*r = arg;
	int		 replicas, up;
	json_t		*o;

	(void)res;
	if (st == DB_BUSY) {
		http_reply_busy(r, HTTP_BUSY_POOL);
		return;
	}
	if (st != DB_OK) {
		http_reply_unavailable(r);
		return;
	}
	o = json_pack("{s:s, s:s, s:s}", "status", "ok", "database", "ok",
	    "listen", notify_ready() ? "ok" : "down");
	replica_stats(&replicas, &up);
	if (replicas > 0)	/* a standby down only sends feeds to the primary */
		json_object_set_new(o, "replicas", json_pack("{s:i, s:i}",
		    "configured", replicas, "up", up));
	http_reply_json(r, 200, o);
}

/* GET /readyz */
static void
health_ready(struct req *r)
{
	db_query("SELECT 1", 0, NULL, health_ready_done, r);
}

/* GET /metrics */
static void
health_metrics(struct req *r)
{
	struct evbuffer	*b = evbuffer_new();

	if (b == NULL)
		fatal("evbuffer_new");
	metrics_render(b);
	http_reply_bytes(r, 200, "text/plain; version=0.0.4",
	    evbuffer_pullup(b, -1), evbuffer_get_length(b));
	evbuffer_free(b);
}
