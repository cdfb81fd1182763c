/*
 * hooks.c — starts and stops each worker's background services in one
 * place, so worker.c does not need to know them.
 *
 * The change listener: LISTEN kaigi_changes on a dedicated connection
 * (notify.c). Every notification names a conference; its cached feeds are
 * revalidated before they are served again (feed_cache_changed: one that
 * already shows the change stays) and its change streams (changes.c) look
 * for new rows. After a
 * lost and re-opened LISTEN connection, notifications may have been missed:
 * every cached feed is dropped and every stream looks again.
 *
 * The scheduler: the worker thread that runs the bilateral solver off the
 * loop (scheduler.c). The offload queue: the threads that lay out printed
 * programmes off the loop (offload.c).
 */
#include <stdlib.h>

#include "changes.h"
#include "config.h"
#include "feed-cache.h"
#include "feed-frag.h"
#include "feed-shared.h"
#include "hooks.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "offload.h"
#include "scheduler.h"
#include "util.h"

#define HOOKS_CHANNEL "kaigi_changes"

/* A conference changed: distrust its feeds, wake its streams. */
static void
hooks_on_notify(const char *channel, const char *payload, void *arg)
{
	long long	conference_id;

	(void)channel;
	(void)arg;
	if (parse_id(payload, &conference_id) != 0) {
		log_warn("notify: payload is not a conference id; dropping all feeds");
		feed_cache_clear();
		changes_wake_all();
		return;
	}
	feed_cache_changed(conference_id);
	metrics_count("feed_cache_invalidations_total", 1);
	changes_wake(conference_id);
}

/* LISTEN is back after a loss: anything may have changed. */
static void
hooks_on_reconnect(void *arg)
{
	(void)arg;
	log_info("notify: listening again; dropping all cached feeds");
	feed_cache_clear();
	changes_wake_all();
}

/* Start the services of a worker. */
void
hooks_start(struct event_base *base)
{
	scheduler_init(base);
	offload_init(base);
	changes_start(base);
	notify_start(base, *cfg->listen_url != '\0' ? cfg->listen_url :
	    cfg->database_url, HOOKS_CHANNEL, hooks_on_notify,
	    hooks_on_reconnect, NULL);
}

/* The worker is draining: end long-lived streams so the drain can finish. */
void
hooks_draining(void)
{
	changes_close_all();
}

/* Stop the services (before the pool closes). */
void
hooks_stop(void)
{
	scheduler_shutdown();
	offload_shutdown();
	notify_stop();
	changes_close_all();
	changes_stop();
	feed_cache_clear();
	feed_frag_clear();
	feed_shared_clear();
}
