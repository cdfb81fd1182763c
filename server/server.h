/*
 * server.h — entry points of kaigid's start-up modules (main.c, migrate.c,
 * cli-token.c, supervise.c, worker.c).
 */
#ifndef KAIGI_SERVER_H
#define KAIGI_SERVER_H

#include <signal.h>

/* Longest a worker waits for its requests in flight after SIGTERM. */
#define WORKER_DRAIN_SECONDS 10

/* Apply sql/NNN_*.sql not yet recorded; blocking, before serving. 0 or -1. */
int	migrate_run(const char *conninfo, const char *sql_dir);

/* `kaigid token create ...` and `kaigid feed-token create ...`; exit status. */
int	cli_token_main(int argc, char **argv, const char *conninfo);
int	cli_feed_token_main(int argc, char **argv, const char *conninfo);

/*
 * Serve: bind the port, fork cfg->workers workers and keep them running
 * (restarting one that dies) until SIGTERM or SIGINT; exit status.
 */
int	supervise(const char *config_path);

/* One worker: serve on listening socket fd until drained (mask: unblock). */
int	worker_run(const char *config_path, int fd, const sigset_t *mask);
/* Re-read file, environment and flags into cfg; -1 with *cause if bad. */
int	worker_reload_settings(const char *config_path, char **cause);

#endif
