/*
 * config.h — kaigid settings: defaults, then config file (INI, libinih),
 * then KAIGI_* environment variables, then command-line flags.
 */
#ifndef KAIGI_CONFIG_H
#define KAIGI_CONFIG_H

#include <stddef.h>

struct config {
	char	*listen;		/* address to bind, default 127.0.0.1 */
	int	 port;			/* default 8080 */
	int	 workers;		/* processes sharing the port (SO_REUSEPORT) */
	char	*database_url;		/* libpq conninfo */
	char	*listen_url;		/* LISTEN connection; empty: database_url */
	char	*replica_url;		/* standbys for feed reads, space-separated; empty: none */
	int	 replica_wait_ms;	/* wait for a standby's replay, then the primary */
	int	 pool_size;		/* connections per worker */
	int	 db_wait_ms;		/* queue wait before 503 */
	int	 db_queue_max;		/* requests waiting for the pool, per worker */
	int	 statement_timeout_ms;
	int	 retry_after;		/* seconds, in 503 answers */
	size_t	 max_body;		/* bytes, 413 beyond */
	size_t	 max_import_body;	/* bytes of an import's file, 413 beyond */
	int	 import_timeout_ms;	/* an import's statement timeout, 0 = none */
	size_t	 max_headers;		/* bytes */
	int	 timeout;		/* seconds of client inactivity before drop */
	int	 max_connections;	/* open client connections per worker */
	char	*log_level;
	char	*public_url;		/* base for feed links, e.g. http://127.0.0.1:8080 */
	char	*web_root;		/* static files for the timetable */
	char	*feed_ttl;		/* REFRESH-INTERVAL, default PT15M */
	int	 feed_cache_mb;		/* rendered feeds kept, per worker (MiB) */
	int	 feed_fragment_mb;	/* rendered events kept, per worker (MiB) */
	int	 solver_jobs;		/* solver threads at once; 0 = the cores */
	int	 solver_queue;		/* solver jobs waiting; more get 503 */
	char	*smtp_url;		/* change mail by SMTP (libcurl); empty: Maildir */
	char	*smtp_tls;		/* auto, required, try or off (smtp-tls.c) */
	char	*smtp_ca_file;		/* CA certificates for the SMTP server; empty: the system's */
	char	*mail_from;		/* From: and ORGANIZER of change mail */
	int	 notify_quiet_seconds;	/* a batch closes after this quiet time */
	char	*maildir;		/* change mail without smtp_url */
	int	 mail_senders;		/* mail sender threads per worker */
};

extern struct config *cfg;	/* the settings in force */

/* Fill defaults. */
void	config_defaults(struct config *);
/* Read an INI file over c; -1 and *cause on error (c unchanged on error). */
int	config_load_file(struct config *, const char *path, char **cause);
/* Apply KAIGI_* environment variables (and DATABASE_URL). */
int	config_load_env(struct config *, char **cause);
/* Set one key by its INI name; -1 if unknown or bad value. */
int	config_set(struct config *, const char *key, const char *value, char **cause);
/* The configured data directory if it exists, else KAIGI_DATADIR/sub. */
const char *config_data_dir(const char *configured, const char *sub, char *buf, size_t len);
/* Set a key from a flag, remembered so that reloads re-apply it. */
int	config_set_flag(struct config *, const char *key, const char *value, char **cause);
/* Re-apply remembered flags (after a reload of file and environment). */
void	config_apply_flags(struct config *);
void	config_free(struct config *);

#endif
