/*
 * main.c — kaigid's command line: settings from file, environment and flags,
 * then one of: serve (default), --migrate, --routes, `token create`,
 * `feed-token create`.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "route.h"
#include "server.h"
#include "smtp-tls.h"
#include "util.h"

#define KAIGID_VERSION "0.1.0"

static const char kaigid_usage[] =
"usage: kaigid [options]                 serve HTTP\n"
"       kaigid [options] --migrate       apply the SQL migrations and exit\n"
"       kaigid --routes                  print the route table and exit\n"
"       kaigid [options] token create --role admin|secretariat|liaison\n"
"                         [--conference SLUG] [--delegation CODE] [--label TEXT]\n"
"       kaigid [options] feed-token create --conference SLUG\n"
"                         (--delegation CODE | --participant ID)\n"
"\n"
"options:\n"
"  -c, --config FILE        INI settings file (see config/kaigid.conf)\n"
"  -l, --listen ADDR        address to serve on (default 127.0.0.1)\n"
"  -p, --port N             port (default 8080)\n"
"  -d, --database-url URL   PostgreSQL connection (also DATABASE_URL)\n"
"  -w, --workers N          worker processes sharing the port (SO_REUSEPORT)\n"
"  -L, --log-level LEVEL    debug, info, warn, error\n"
"      --sql-dir DIR        migrations directory (default: sql)\n"
"      --solver-jobs N      solver jobs running at once per worker\n"
"                           (default 0: as many as the cores)\n"
"      --solver-queue N     solver jobs waiting beyond that before 503\n"
"                           (default 32)\n"
"      --set KEY=VALUE      any setting of kaigid.conf\n"
"  -h, --help               this text\n"
"  -V, --version            version\n"
"\n"
"Every setting can also come from KAIGI_<KEY> in the environment\n"
"(KAIGI_PORT, KAIGI_DATABASE_URL...). Flags win over the environment, the\n"
"environment over the file.\n"
"\n"
"change mail (issue 18; --set KEY=VALUE, KAIGI_<KEY> or the file):\n"
"  smtp_url URL             smtp://host:587 or smtps://...; AUTH from\n"
"                           user:password@ in the URL; empty (default):\n"
"                           messages go to the Maildir\n"
"  smtp_tls MODE            auto (default: TLS required when the URL has a\n"
"                           password, else STARTTLS when offered), required,\n"
"                           try (plain text when not offered, AUTH too) or off\n"
"  smtp_ca_file FILE        CA certificates for the SMTP server (PEM)\n"
"  mail_from ADDR           From: and ORGANIZER (default kaigi@localhost)\n"
"  notify_quiet_seconds N   a participant's changes are mailed once quiet\n"
"                           for N seconds (default 300)\n"
"  maildir DIR              Maildir used without smtp_url (default var/mail)\n"
"  mail_senders N           sender threads per worker, each with its own\n"
"                           database and SMTP connection (default 2, 1-16)\n"
"\n"
"more than one machine (issue 21):\n"
"  listen_url URL           the LISTEN connection (default: database_url);\n"
"                           PostgreSQL itself when database_url is PgBouncer\n"
"  replica_url \"URL ...\"    streaming standbys that feeds are read from\n"
"                           (space-separated; default none)\n"
"  replica_wait_ms N        how long a feed read waits for a standby to\n"
"                           replay the latest change before it reads the\n"
"                           primary instead (default 250)\n"
"\n"
"kaigid supervises its workers: one that dies is restarted at once (after a\n"
"growing pause if it keeps dying right after its start), and the workers end\n"
"with the supervisor. SIGTERM or SIGINT drains in-flight requests and exits 0\n"
"(1 if a worker died during the run); SIGHUP re-reads the config file and\n"
"keeps the old settings if it is bad.\n"
"\n"
"A request waits for a database connection in a queue of at most\n"
"db_queue_max (256) per worker; one more gets 503 \"the server is busy\".\n"
"A queued request gets 503 after db_wait_ms (2000) only if no connection\n"
"came free meanwhile (busy) or none is up (the database is unavailable).\n"
"\n"
"Each worker keeps rendered feeds up to feed_cache_mb MiB (256; 0: none),\n"
"dropping the least recently used first; SIGHUP applies a new value. It\n"
"also keeps each session's rendered event, shared by the feeds that show\n"
"it alike, up to feed_fragment_mb MiB (32; 0: none), and each conference's\n"
"programme that all its personal feeds share (none with 0: each personal\n"
"feed is then read and rendered whole).\n";

static const struct option kaigid_options[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "listen", required_argument, NULL, 'l' },
	{ "port", required_argument, NULL, 'p' },
	{ "database-url", required_argument, NULL, 'd' },
	{ "workers", required_argument, NULL, 'w' },
	{ "log-level", required_argument, NULL, 'L' },
	{ "sql-dir", required_argument, NULL, 'S' },
	{ "solver-jobs", required_argument, NULL, 'J' },
	{ "solver-queue", required_argument, NULL, 'Q' },
	{ "set", required_argument, NULL, 's' },
	{ "migrate", no_argument, NULL, 'M' },
	{ "routes", no_argument, NULL, 'R' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

/* Set a key from a flag or die with a usage error. */
static void
kaigid_flag(struct config *c, const char *key, const char *value)
{
	char	*cause = NULL;

	if (config_set_flag(c, key, value, &cause) != 0) {
		fprintf(stderr, "kaigid: %s\n", cause);
		exit(2);
	}
}

/* --set KEY=VALUE */
static void
kaigid_flag_set(struct config *c, const char *kv)
{
	const char	*eq = strchr(kv, '=');
	char		*key;

	if (eq == NULL) {
		fprintf(stderr, "kaigid: --set wants KEY=VALUE\n");
		exit(2);
	}
	key = xstrndup(kv, (size_t)(eq - kv));
	kaigid_flag(c, key, eq + 1);
	free(key);
}

/* Load file (if any) and environment into c, before flags. */
static void
kaigid_load(struct config *c, const char *path)
{
	char	*cause = NULL;

	config_defaults(c);
	if (path != NULL && config_load_file(c, path, &cause) != 0) {
		fprintf(stderr, "kaigid: %s\n", cause);
		exit(2);
	}
	if (config_load_env(c, &cause) != 0) {
		fprintf(stderr, "kaigid: environment: %s\n", cause);
		exit(2);
	}
}

/* Find --config/-c before the full parse (the file comes before flags). */
static const char *
kaigid_config_path(int argc, char **argv)
{
	int	i;

	for (i = 1; i < argc - 1; i++) {
		if (strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0)
			return argv[i + 1];
		if (strcmp(argv[i], "token") == 0 || strcmp(argv[i], "feed-token") == 0)
			break;
	}
	for (i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--config=", 9) == 0)
			return argv[i] + 9;
	}
	return getenv("KAIGI_CONFIG");
}

/* Run a subcommand with the settings in force. */
static int
kaigid_subcommand(int argc, char **argv)
{
	if (strcmp(argv[0], "token") == 0)
		return cli_token_main(argc, argv, cfg->database_url);
	if (strcmp(argv[0], "feed-token") == 0)
		return cli_feed_token_main(argc, argv, cfg->database_url);
	fprintf(stderr, "kaigid: unknown command '%s'\n%s", argv[0], kaigid_usage);
	return 2;
}

int
main(int argc, char **argv)
{
	static struct config	 config;
	const char		*config_path = kaigid_config_path(argc, argv);
	const char		*sql_dir = "sql", *cause;
	int			 ch, migrate = 0;

	kaigid_load(&config, config_path);
	cfg = &config;
	while ((ch = getopt_long(argc, argv, "+c:l:p:d:w:L:hV", kaigid_options,
	    NULL)) != -1) {
		switch (ch) {
		case 'c': break;
		case 'l': kaigid_flag(&config, "listen", optarg); break;
		case 'p': kaigid_flag(&config, "port", optarg); break;
		case 'd': kaigid_flag(&config, "database_url", optarg); break;
		case 'w': kaigid_flag(&config, "workers", optarg); break;
		case 'L': kaigid_flag(&config, "log_level", optarg); break;
		case 'S': sql_dir = optarg; break;
		case 'J': kaigid_flag(&config, "solver_jobs", optarg); break;
		case 'Q': kaigid_flag(&config, "solver_queue", optarg); break;
		case 's': kaigid_flag_set(&config, optarg); break;
		case 'M': migrate = 1; break;
		case 'R': route_print(stdout); return 0;
		case 'h': fputs(kaigid_usage, stdout); return 0;
		case 'V': puts("kaigid " KAIGID_VERSION); return 0;
		default: fputs(kaigid_usage, stderr); return 2;
		}
	}
	if (log_set_level_name(config.log_level) != 0) {
		fprintf(stderr, "kaigid: unknown log level '%s'\n", config.log_level);
		return 2;
	}
	if (!smtp_tls_valid(config.smtp_tls)) {
		fprintf(stderr, "kaigid: smtp_tls must be " SMTP_TLS_CHOICES
		    ", not '%s'\n", config.smtp_tls);
		return 2;
	}
	if (optind < argc)
		return kaigid_subcommand(argc - optind, argv + optind);
	if (migrate) {
		char	buf[512];

		sql_dir = config_data_dir(sql_dir, "sql", buf, sizeof buf);
		return migrate_run(config.database_url, sql_dir) == 0 ? 0 : 1;
	}
	if (util_check_start(&cause) != 0) {
		fprintf(stderr, "kaigid: %s\n", cause);
		return 1;
	}
	return supervise(config_path);
}
