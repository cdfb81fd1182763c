/*
 * supervise.c — the supervisor: the process kaigid serves as, in every mode.
 *
 * Like nginx's master process it answers no request itself. It binds one
 * listening socket per worker (SO_REUSEPORT: the kernel spreads connections
 * over them), forks the workers (worker.c) and keeps them running. A worker
 * that dies is forked again at once on the same socket, which the
 * supervisor keeps open meanwhile: connections waiting in its queue are
 * served by the successor instead of being reset. A worker that keeps dying
 * right after its start is restarted after a growing pause (logged), so a
 * crash loop does not spin. Workers get SIGTERM when the supervisor dies,
 * however it dies (PR_SET_PDEATHSIG).
 *
 * Signals are blocked and taken with sigtimedwait(), never in a handler, so
 * none is lost between two waits. SIGTERM or SIGINT: close the sockets, pass
 * SIGTERM on, wait for the workers to drain (SIGKILL after
 * WORKER_DRAIN_SECONDS + 5 s), and exit 0 when every worker exited 0 and
 * none died during the run, else 1 (the log says which and how). SIGHUP:
 * re-read the settings (for workers forked later) and pass it on.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netdb.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "server.h"
#include "util.h"

#define RESTART_QUICK_MS	2000	/* dying sooner than this after its start: a crash loop */
#define RESTART_FIRST_PAUSE_MS	500	/* pause before the second quick restart in a row */
#define RESTART_MAX_PAUSE_MS	10000
#define STOP_GRACE_MS		((WORKER_DRAIN_SECONDS + 5) * 1000LL)

struct slot {
	pid_t		 pid;		/* 0 while not running */
	int		 fd;		/* its listening socket, kept across restarts */
	long long	 started_ms;	/* when it was forked */
	long long	 restart_ms;	/* when to fork it again (while pid is 0) */
	int		 quick_deaths;	/* deaths in a row soon after the start */
};

struct supervisor {
	const char	*config_path;
	struct slot	*slots;
	int		 n;
	sigset_t	 signals;	/* taken by sigtimedwait() */
	sigset_t	 mask;		/* the mask before: restored in workers */
	pid_t		 self;
	int		 stopping;
	long long	 stop_deadline_ms;
	int		 status;	/* exit status so far */
};

/* Milliseconds on the monotonic clock. */
static long long
supervise_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Bind a listening TCP socket with SO_REUSEPORT; fatal if we cannot. */
static int
supervise_listen(const char *addr, int port)
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

/* One socket per worker, all on the port of the first (for port = 0 too). */
static void
supervise_bind(struct supervisor *sv)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof ss;
	int			 i, port = cfg->port;

	for (i = 0; i < sv->n; i++) {
		sv->slots[i].fd = supervise_listen(cfg->listen, port);
		if (i == 0 && getsockname(sv->slots[0].fd, (struct sockaddr *)&ss, &len) == 0)
			port = ntohs(ss.ss_family == AF_INET6 ?
			    ((struct sockaddr_in6 *)&ss)->sin6_port :
			    ((struct sockaddr_in *)&ss)->sin_port);
	}
	cfg->port = port;
}

/* In a new worker: die with the supervisor, keep only our socket, serve. */
static void __attribute__((noreturn))
supervise_child(struct supervisor *sv, struct slot *sl)
{
	int	i;

	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0)
		log_warn("PR_SET_PDEATHSIG: %s", strerror(errno));
	if (getppid() != sv->self)
		_exit(0);	/* the supervisor died before we asked */
	for (i = 0; i < sv->n; i++) {
		if (&sv->slots[i] != sl && sv->slots[i].fd >= 0)
			close(sv->slots[i].fd);
	}
	exit(worker_run(sv->config_path, sl->fd, &sv->mask));
}

/* Fork the worker of a slot (or try again in a second if fork fails). */
static void
supervise_fork(struct supervisor *sv, struct slot *sl)
{
	pid_t	pid = fork();

	if (pid < 0) {
		log_error("fork: %s; trying again in 1 s", strerror(errno));
		sl->restart_ms = supervise_now_ms() + 1000;
		return;
	}
	if (pid == 0)
		supervise_child(sv, sl);
	sl->pid = pid;
	sl->started_ms = supervise_now_ms();
}

/* "exited with status N" or "was killed by signal N (Name)". */
static void
supervise_how(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "was killed by signal %d (%s)", WTERMSIG(status),
		    strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
}

/* The pause before restarting a worker that died after lived_ms. */
static long long
supervise_pause_ms(struct slot *sl, long long lived_ms)
{
	int	shift;

	sl->quick_deaths = lived_ms < RESTART_QUICK_MS ? sl->quick_deaths + 1 : 0;
	if (sl->quick_deaths < 2)
		return 0;
	shift = sl->quick_deaths - 2;
	if (shift > 5)
		return RESTART_MAX_PAUSE_MS;
	return RESTART_FIRST_PAUSE_MS << shift < RESTART_MAX_PAUSE_MS ?
	    RESTART_FIRST_PAUSE_MS << shift : RESTART_MAX_PAUSE_MS;
}

/* A worker died while serving: log it and schedule its successor. */
static void
supervise_died(struct supervisor *sv, struct slot *sl, pid_t pid, int status)
{
	long long	now = supervise_now_ms(), lived = now - sl->started_ms;
	long long	pause = supervise_pause_ms(sl, lived);
	char		how[96];

	supervise_how(status, how, sizeof how);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		sv->status = 1;
	sl->restart_ms = now + pause;
	if (pause == 0)
		log_error("worker %d %s after %.1f s; restarting it", (int)pid,
		    how, lived / 1000.0);
	else
		log_error("worker %d %s %.1f s after its start (%d times in a row);"
		    " crash loop: restarting it in %.1f s", (int)pid, how,
		    lived / 1000.0, sl->quick_deaths, pause / 1000.0);
}

/* A worker ended after SIGTERM: anything but exit 0 makes our status 1. */
static void
supervise_ended(struct supervisor *sv, pid_t pid, int status)
{
	char	how[96];

	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return;
	supervise_how(status, how, sizeof how);
	log_error("worker %d %s while stopping", (int)pid, how);
	sv->status = 1;
}

/* Collect every worker that ended. */
static void
supervise_reap(struct supervisor *sv)
{
	pid_t	pid;
	int	i, status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < sv->n; i++) {
			if (sv->slots[i].pid != pid)
				continue;
			sv->slots[i].pid = 0;
			if (sv->stopping)
				supervise_ended(sv, pid, status);
			else
				supervise_died(sv, &sv->slots[i], pid, status);
		}
	}
}

/* Send sig to every running worker; returns how many there are. */
static int
supervise_signal(struct supervisor *sv, int sig)
{
	int	i, running = 0;

	for (i = 0; i < sv->n; i++) {
		if (sv->slots[i].pid > 0) {
			kill(sv->slots[i].pid, sig);
			running++;
		}
	}
	return running;
}

/* SIGTERM/SIGINT: no more connections, no more restarts; workers drain. */
static void
supervise_stop(struct supervisor *sv, int sig)
{
	int	i, running = supervise_signal(sv, SIGTERM);

	if (sv->stopping)
		return;
	sv->stopping = 1;
	sv->stop_deadline_ms = supervise_now_ms() + STOP_GRACE_MS;
	for (i = 0; i < sv->n; i++) {
		close(sv->slots[i].fd);
		sv->slots[i].fd = -1;
	}
	log_info("signal %d: stopping %d worker(s)", sig, running);
}

/* SIGHUP: re-read the settings for workers forked later; pass it on. */
static void
supervise_reload(struct supervisor *sv)
{
	char	*cause = NULL;

	if (sv->config_path != NULL &&
	    worker_reload_settings(sv->config_path, &cause) != 0) {
		log_debug("SIGHUP: %s", cause);		/* each worker says so */
		free(cause);
	}
	supervise_signal(sv, SIGHUP);
}

/* Fork the workers whose time has come; SIGKILL those past the drain. */
static void
supervise_timers(struct supervisor *sv)
{
	long long	now = supervise_now_ms();
	int		i;

	for (i = 0; i < sv->n && !sv->stopping; i++) {
		if (sv->slots[i].pid == 0 && sv->slots[i].restart_ms <= now)
			supervise_fork(sv, &sv->slots[i]);
	}
	if (sv->stopping && now >= sv->stop_deadline_ms) {
		log_error("%d worker(s) still running %lld s after SIGTERM; killing them",
		    supervise_signal(sv, SIGKILL), STOP_GRACE_MS / 1000);
		sv->stop_deadline_ms = now + STOP_GRACE_MS;
	}
}

/* How long to wait for a signal: until the next timer, at most 1 s. */
static struct timespec
supervise_timeout(const struct supervisor *sv)
{
	long long	now = supervise_now_ms(), next = now + 1000;
	struct timespec	ts;
	int		i;

	for (i = 0; i < sv->n && !sv->stopping; i++) {
		if (sv->slots[i].pid == 0 && sv->slots[i].restart_ms < next)
			next = sv->slots[i].restart_ms;
	}
	if (sv->stopping && sv->stop_deadline_ms < next)
		next = sv->stop_deadline_ms;
	if (next < now)
		next = now;
	ts.tv_sec = (next - now) / 1000;
	ts.tv_nsec = (long)((next - now) % 1000) * 1000000;
	return ts;
}

/* Is any worker running? */
static int
supervise_running(const struct supervisor *sv)
{
	int	i;

	for (i = 0; i < sv->n; i++) {
		if (sv->slots[i].pid > 0)
			return 1;
	}
	return 0;
}

/* Take signals until stopped and every worker has ended. */
static void
supervise_loop(struct supervisor *sv)
{
	struct timespec	ts;
	int		sig;

	while (!sv->stopping || supervise_running(sv)) {
		ts = supervise_timeout(sv);
		sig = sigtimedwait(&sv->signals, NULL, &ts);
		if (sig == SIGTERM || sig == SIGINT)
			supervise_stop(sv, sig);
		else if (sig == SIGHUP)
			supervise_reload(sv);
		supervise_reap(sv);
		supervise_timers(sv);
	}
}

/* Serve with cfg->workers workers until SIGTERM or SIGINT; exit status. */
int
supervise(const char *config_path)
{
	struct supervisor	sv;
	int			i;

	memset(&sv, 0, sizeof sv);
	sv.config_path = config_path;
	sv.n = cfg->workers;
	sv.self = getpid();
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sv.signals);
	sigaddset(&sv.signals, SIGTERM);
	sigaddset(&sv.signals, SIGINT);
	sigaddset(&sv.signals, SIGHUP);
	sigaddset(&sv.signals, SIGCHLD);
	sigprocmask(SIG_BLOCK, &sv.signals, &sv.mask);
	sv.slots = xcalloc((size_t)sv.n, sizeof *sv.slots);
	supervise_bind(&sv);
	for (i = 0; i < sv.n; i++)
		supervise_fork(&sv, &sv.slots[i]);
	log_info("serving on %s:%d with %d worker(s)", cfg->listen, cfg->port, sv.n);
	supervise_loop(&sv);
	free(sv.slots);
	log_info("every worker has stopped; exit %d", sv.status);
	return sv.status;
}
