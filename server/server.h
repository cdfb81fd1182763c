/*
 * server.h — entry points of kaigid's start-up modules (main.c, migrate.c,
 * cli-token.c, worker.c).
 */
#ifndef KAIGI_SERVER_H
#define KAIGI_SERVER_H

/* Apply sql/NNN_*.sql not yet recorded; blocking, before serving. 0 or -1. */
int	migrate_run(const char *conninfo, const char *sql_dir);

/* `kaigid token create ...` and `kaigid feed-token create ...`; exit status. */
int	cli_token_main(int argc, char **argv, const char *conninfo);
int	cli_feed_token_main(int argc, char **argv, const char *conninfo);

/* Run the serving processes (1 in-process, or N forked workers); exit status. */
int	worker_serve(const char *config_path);

#endif
