/*
 * worker.c — one serving process: its event loop, pool and signals.
 *
 * A worker is forked by the supervisor (supervise.c) with a listening socket
 * the supervisor bound, and serves on it until told to stop. Each worker has
 * its own loop, pool and caches, sharing nothing but the database.
 *
 * SIGTERM/SIGINT: stop accepting, wait for in-flight requests (at most
 * WORKER_DRAIN_SECONDS), close the pool, exit 0. SIGHUP: re-read the config
 * file; a bad file leaves the old settings in force.
 */
#include <sys/time.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/http.h>

#include "config.h"
#include "db.h"
#include "feed-cache.h"
#include "feed-frag.h"
#include "hooks.h"
#include "http.h"
#include "log.h"
#include "outbox.h"
#include "replica.h"
#include "webhook.h"
#include "server.h"
#include "slowclient.h"
#include "util.h"

struct worker {
	struct event_base	*base;
	struct evhttp		*http;
	const char		*config_path;
	struct event		*sigterm, *sigint, *sighup, *drain_timer;
	struct timeval		 drain_deadline;
	int			 draining;
};

/* event_base_foreach_event() visitor: count the events waiting to write. */
static int
worker_count_writer(const struct event_base *base, const struct event *ev,
    void *arg)
{
	(void)base;
	if ((event_get_events(ev) & EV_WRITE) && event_pending(ev, EV_WRITE, NULL))
		(*(int *)arg)++;
	return 0;
}

/*
 * Is an answer still on its way out? An answer leaves the request count
 * when it is queued on its connection; the bytes go when the socket is
 * writable, a loop turn or more later, and a connection's write event is
 * pending until then. Freeing evhttp before would cut them off.
 */
static int
worker_writes_pending(struct event_base *base)
{
	int	n = 0;

	event_base_foreach_event(base, worker_count_writer, &n);
	return n;
}

/* Drain timer: exit the loop once nothing is in flight or time is up. */
static void
worker_drain_tick(evutil_socket_t fd, short what, void *arg)
{
	struct worker	*w = arg;
	struct timeval	 now;

	(void)fd;
	(void)what;
	gettimeofday(&now, NULL);
	if (timercmp(&now, &w->drain_deadline, >)) {
		log_warn("drain: giving up on %lu request(s), %d answer(s) unsent",
		    http_inflight_count(), worker_writes_pending(w->base));
		event_base_loopbreak(w->base);
	} else if (http_inflight_count() == 0 && worker_writes_pending(w->base) == 0)
		event_base_loopbreak(w->base);
}

/* SIGTERM/SIGINT: stop accepting and drain. */
static void
worker_sigterm(evutil_socket_t sig, short what, void *arg)
{
	struct worker	*w = arg;
	struct timeval	 tick = { 0, 20000 }, grace = { WORKER_DRAIN_SECONDS, 0 }, now;

	(void)what;
	if (w->draining)
		return;
	w->draining = 1;
	log_info("signal %d: draining %lu request(s)", (int)sig,
	    http_inflight_count());
	hooks_draining();
	http_stop_accepting(w->http);
	gettimeofday(&now, NULL);
	timeradd(&now, &grace, &w->drain_deadline);
	w->drain_timer = event_new(w->base, -1, EV_PERSIST, worker_drain_tick, w);
	event_add(w->drain_timer, &tick);
}

/*
 * Re-read the file, then the environment and the flags over it, into cfg
 * (the supervisor does it too, so that a worker it forks later starts with
 * the settings in force). -1 and *cause when the file is bad: cfg unchanged.
 */
int
worker_reload_settings(const char *config_path, char **cause)
{
	char	*env_cause = NULL;

	if (config_load_file(cfg, config_path, cause) != 0)
		return -1;
	if (config_load_env(cfg, &env_cause) != 0) {
		log_error("environment: %s", env_cause);
		free(env_cause);
	}
	config_apply_flags(cfg);
	log_set_level_name(cfg->log_level);
	return 0;
}

/* SIGHUP: re-read the config file; keep the old settings if it is bad. */
static void
worker_sighup(evutil_socket_t sig, short what, void *arg)
{
	struct worker	*w = arg;
	char		*cause = NULL;

	(void)sig;
	(void)what;
	if (w->config_path == NULL) {
		log_info("SIGHUP: no config file to re-read");
		return;
	}
	if (worker_reload_settings(w->config_path, &cause) != 0) {
		log_error("SIGHUP: %s; keeping the old settings", cause);
		free(cause);
		return;
	}
	http_reconfigure(w->http);
	db_set_limits(cfg->db_wait_ms, cfg->db_queue_max);
	replica_set_limits(cfg->db_wait_ms, cfg->db_queue_max);
	feed_cache_set_limit((size_t)cfg->feed_cache_mb * 1024 * 1024);
	feed_frag_set_limit((size_t)cfg->feed_fragment_mb * 1024 * 1024);
	log_info("SIGHUP: settings re-read from %s", w->config_path);
}

/*
 * The event base. With epoll's changelist, libevent folds the interest
 * changes one loop turn makes on a descriptor into one epoll_ctl: evhttp
 * turns reading off and writing on for every answer and back afterwards,
 * which is four system calls per request without it and two with it.
 * kaigid never dup()s a socket it watches, the changelist's one caveat.
 */
static struct event_base *
worker_base_new(void)
{
	struct event_config	*ec;
	struct event_base	*base;

	if ((ec = event_config_new()) == NULL)
		fatal("event_config_new");
	event_config_set_flag(ec, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	if ((base = event_base_new_with_config(ec)) == NULL)
		fatal("event_base_new");
	event_config_free(ec);
	return base;
}

/*
 * Serve on the listening socket fd until SIGTERM or SIGINT has drained the
 * requests in flight; returns the exit status (0). The supervisor forks us
 * with those signals blocked: they are unblocked (mask) only once the loop
 * has its handlers, so that one sent at any time is acted on, never lost.
 */
int
worker_run(const char *config_path, int fd, const sigset_t *mask)
{
	struct worker		w;
	struct db_options	dbo;

	memset(&w, 0, sizeof w);
	w.config_path = config_path;
	w.base = worker_base_new();
	dbo.conninfo = cfg->database_url;
	dbo.pool_size = cfg->pool_size;
	dbo.wait_ms = cfg->db_wait_ms;
	dbo.statement_timeout_ms = cfg->statement_timeout_ms;
	dbo.queue_max = cfg->db_queue_max;
	db_init(w.base, &dbo);
	replica_init(w.base, &dbo, cfg->replica_url, cfg->replica_wait_ms);
	feed_cache_set_limit((size_t)cfg->feed_cache_mb * 1024 * 1024);
	feed_frag_set_limit((size_t)cfg->feed_fragment_mb * 1024 * 1024);
	w.http = http_start(w.base, fd);
	hooks_start(w.base);
	outbox_start();
	webhook_start();
	w.sigterm = evsignal_new(w.base, SIGTERM, worker_sigterm, &w);
	w.sigint = evsignal_new(w.base, SIGINT, worker_sigterm, &w);
	w.sighup = evsignal_new(w.base, SIGHUP, worker_sighup, &w);
	event_add(w.sigterm, NULL);
	event_add(w.sigint, NULL);
	event_add(w.sighup, NULL);
	sigprocmask(SIG_SETMASK, mask, NULL);
	event_base_dispatch(w.base);
	hooks_stop();
	webhook_stop();
	outbox_stop();
	replica_shutdown();
	db_shutdown();	/* answers what still waits on the database, before evhttp goes */
	slowclient_stop();
	evhttp_free(w.http);
	event_free(w.sigterm);
	event_free(w.sigint);
	event_free(w.sighup);
	if (w.drain_timer != NULL)
		event_free(w.drain_timer);
	event_base_free(w.base);
	log_info("stopped");
	return 0;
}

