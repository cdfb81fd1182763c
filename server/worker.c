/*
 * worker.c — the serving processes: listening socket, event loop, signals.
 *
 * With workers = 1 kaigid serves in-process. With workers = N the parent
 * forks N children; each binds its own socket on the same port with
 * SO_REUSEPORT (the kernel spreads connections) and runs its own loop, pool
 * and caches, sharing nothing but the database. The parent forwards SIGTERM
 * and SIGHUP, restarts a child that dies abnormally, and exits when all
 * children have exited.
 *
 * SIGTERM/SIGINT: stop accepting, wait for in-flight requests (at most
 * DRAIN_SECONDS), close the pool, exit 0. SIGHUP: re-read the config file;
 * a bad file leaves the old settings in force.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <netdb.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>

#include "config.h"
#include "db.h"
#include "hooks.h"
#include "http.h"
#include "log.h"
#include "server.h"
#include "slowclient.h"
#include "util.h"

#define DRAIN_SECONDS 10

struct worker {
	struct event_base	*base;
	struct evhttp		*http;
	const char		*config_path;
	struct event		*sigterm, *sigint, *sighup, *drain_timer;
	struct timeval		 drain_deadline;
	int			 draining;
};

/* Bind a listening TCP socket with SO_REUSEPORT. */
static evutil_socket_t
worker_listen(const char *addr, int port)
{
	struct addrinfo	 hints, *ai;
	char		 portstr[16];
	int		 fd, one = 1, rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(portstr, sizeof portstr, "%d", port);
	if ((rc = getaddrinfo(addr, portstr, &hints, &ai)) != 0)
		fatal("listen address %s: %s", addr, gai_strerror(rc));
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fatal("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
		fatal("SO_REUSEPORT: %s", strerror(errno));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0)
		fatal("cannot listen on %s:%d: %s", addr, port, strerror(errno));
	freeaddrinfo(ai);
	if (listen(fd, 1024) != 0)
		fatal("listen: %s", strerror(errno));
	return fd;
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
	if (http_inflight_count() == 0 || timercmp(&now, &w->drain_deadline, >)) {
		if (http_inflight_count() > 0)
			log_warn("drain: giving up on %lu request(s)",
			    http_inflight_count());
		event_base_loopbreak(w->base);
	}
}

/* SIGTERM/SIGINT: stop accepting and drain. */
static void
worker_sigterm(evutil_socket_t sig, short what, void *arg)
{
	struct worker	*w = arg;
	struct timeval	 tick = { 0, 20000 }, grace = { DRAIN_SECONDS, 0 }, now;

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
	if (config_load_file(cfg, w->config_path, &cause) != 0) {
		log_error("SIGHUP: %s; keeping the old settings", cause);
		free(cause);
		return;
	}
	if (config_load_env(cfg, &cause) != 0) {
		log_error("SIGHUP: environment: %s", cause);
		free(cause);
	}
	config_apply_flags(cfg);
	log_set_level_name(cfg->log_level);
	http_reconfigure(w->http);
	db_set_limits(cfg->db_wait_ms, cfg->db_queue_max);
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

/* Serve on one process until told to stop. */
static int
worker_run(const char *config_path, evutil_socket_t fd)
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
	w.http = http_start(w.base, fd);
	hooks_start(w.base);
	w.sigterm = evsignal_new(w.base, SIGTERM, worker_sigterm, &w);
	w.sigint = evsignal_new(w.base, SIGINT, worker_sigterm, &w);
	w.sighup = evsignal_new(w.base, SIGHUP, worker_sighup, &w);
	event_add(w.sigterm, NULL);
	event_add(w.sigint, NULL);
	event_add(w.sighup, NULL);
	event_base_dispatch(w.base);
	hooks_stop();
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

static volatile sig_atomic_t	worker_parent_signal;

/* Parent's signal handler: remember, act in the wait loop. */
static void
worker_parent_onsignal(int sig)
{
	worker_parent_signal = sig;
}

/*
 * Catch SIGTERM, SIGINT and SIGHUP without SA_RESTART, so that waitpid()
 * returns EINTR and the parent can forward them to the workers.
 */
static void
worker_parent_signals(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = worker_parent_onsignal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* Fork one child worker; returns its pid. */
static pid_t
worker_fork(const char *config_path)
{
	pid_t	pid = fork();

	if (pid < 0)
		fatal("fork: %s", strerror(errno));
	if (pid == 0) {
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		exit(worker_run(config_path, worker_listen(cfg->listen, cfg->port)));
	}
	return pid;
}

/* Parent of N workers: forward signals, restart crashed children. */
static int
worker_parent(const char *config_path, int n)
{
	pid_t	*pids = xcalloc((size_t)n, sizeof *pids);
	int	 i, alive = n, status, stopping = 0;
	pid_t	 pid;

	worker_parent_signals();
	for (i = 0; i < n; i++)
		pids[i] = worker_fork(config_path);
	log_info("serving on %s:%d with %d workers", cfg->listen, cfg->port, n);
	while (alive > 0) {
		pid = waitpid(-1, &status, 0);
		if (pid < 0 && errno == EINTR) {
			int sig = worker_parent_signal;
			worker_parent_signal = 0;
			stopping |= sig == SIGTERM || sig == SIGINT;
			for (i = 0; i < n; i++)
				if (pids[i] > 0)
					kill(pids[i], sig == SIGINT ? SIGTERM : sig);
			continue;
		}
		for (i = 0; i < n && pid > 0; i++) {
			if (pids[i] != pid)
				continue;
			pids[i] = 0;
			if (!stopping && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
				log_error("worker %d died; restarting", (int)pid);
				pids[i] = worker_fork(config_path);
			} else
				alive--;
		}
	}
	free(pids);
	return 0;
}

/* Serve: in-process for one worker, forked children for more. */
int
worker_serve(const char *config_path)
{
	signal(SIGPIPE, SIG_IGN);
	if (cfg->workers > 1)
		return worker_parent(config_path, cfg->workers);
	log_info("serving on %s:%d", cfg->listen, cfg->port);
	return worker_run(config_path, worker_listen(cfg->listen, cfg->port));
}
