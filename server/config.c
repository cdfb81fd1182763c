/*
 * config.c — kaigid settings as a declarative table of keys (as PgBouncer
 * does): name, type, where it lives, default. The same table serves the
 * INI file (parsed by libinih), KAIGI_* environment variables and flags, so
 * a setting has one name everywhere: `pool_size` in the file,
 * KAIGI_POOL_SIZE in the environment, --pool-size on the command line.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "config.h"
#include "util.h"

struct config	*cfg;

enum config_type { CT_STRING, CT_INT, CT_SIZE };

struct config_key {
	const char		*name;
	enum config_type	 type;
	size_t			 offset;
	const char		*value;	/* default */
	long long		 min, max;
};

#define KEY_S(n, d) { #n, CT_STRING, offsetof(struct config, n), d, 0, 0 }
#define KEY_I(n, d, lo, hi) { #n, CT_INT, offsetof(struct config, n), d, lo, hi }
#define KEY_Z(n, d, lo, hi) { #n, CT_SIZE, offsetof(struct config, n), d, lo, hi }

static const struct config_key config_keys[] = {
	KEY_S(listen, "127.0.0.1"),
	KEY_I(port, "8080", 0, 65535),
	KEY_I(workers, "1", 1, 64),
	KEY_S(database_url, "postgresql:///kaigi"),
	KEY_S(listen_url, ""),
	KEY_S(replica_url, ""),
	KEY_I(replica_wait_ms, "250", 0, 60000),
	KEY_I(pool_size, "8", 1, 256),
	KEY_I(db_wait_ms, "2000", 10, 600000),
	KEY_I(db_queue_max, "256", 1, 1000000),
	KEY_I(statement_timeout_ms, "10000", 0, 3600000),
	KEY_I(retry_after, "2", 1, 3600),
	KEY_Z(max_body, "1048576", 1024, 1073741824),
	KEY_Z(max_import_body, "4194304", 1024, 1073741824),
	KEY_I(import_timeout_ms, "120000", 0, 3600000),
	KEY_Z(max_headers, "16384", 1024, 1048576),
	KEY_I(timeout, "30", 1, 3600),
	KEY_I(max_connections, "1024", 1, 1000000),
	KEY_S(log_level, "info"),
	KEY_S(public_url, ""),
	KEY_S(web_root, "server/web"),
	KEY_S(feed_ttl, "PT15M"),
	KEY_I(feed_cache_mb, "256", 0, 1048576),
	KEY_I(feed_fragment_mb, "32", 0, 1048576),
	KEY_I(solver_jobs, "0", 0, 1024),
	KEY_I(solver_queue, "32", 0, 100000),
	KEY_S(smtp_url, ""),
	KEY_S(smtp_tls, "auto"),
	KEY_S(smtp_ca_file, ""),
	KEY_S(mail_from, "kaigi@localhost"),
	KEY_I(notify_quiet_seconds, "300", 0, 86400),
	KEY_S(maildir, "var/mail"),
	KEY_I(mail_senders, "2", 1, 16),
};
#define NKEYS (sizeof config_keys / sizeof config_keys[0])

/* Find a key by name, accepting '-' for '_'. */
static const struct config_key *
config_find(const char *name)
{
	char	buf[64];
	size_t	i;

	for (i = 0; name[i] != '\0' && i < sizeof buf - 1; i++)
		buf[i] = name[i] == '-' ? '_' : (char)tolower((unsigned char)name[i]);
	buf[i] = '\0';
	for (i = 0; i < NKEYS; i++) {
		if (strcmp(config_keys[i].name, buf) == 0)
			return &config_keys[i];
	}
	return NULL;
}

/* Store one typed value; -1 with *cause when the value is out of range. */
static int
config_store(struct config *c, const struct config_key *k, const char *value,
    char **cause)
{
	char		*end, **sp;
	long long	 v;

	if (k->type == CT_STRING) {
		sp = (char **)((char *)c + k->offset);
		free(*sp);
		*sp = xstrdup(value);
		return 0;
	}
	errno = 0;
	v = strtoll(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' || v < k->min || v > k->max) {
		*cause = xasprintf("%s: '%s' is not a number in %lld..%lld",
		    k->name, value, k->min, k->max);
		return -1;
	}
	if (k->type == CT_INT)
		*(int *)((char *)c + k->offset) = (int)v;
	else
		*(size_t *)((char *)c + k->offset) = (size_t)v;
	return 0;
}

/* Set one key by name. */
int
config_set(struct config *c, const char *key, const char *value, char **cause)
{
	const struct config_key	*k = config_find(key);

	if (k == NULL) {
		*cause = xasprintf("unknown setting '%s'", key);
		return -1;
	}
	return config_store(c, k, value, cause);
}

/* Fill every key with its default. */
void
config_defaults(struct config *c)
{
	char	*cause = NULL;
	size_t	 i;

	memset(c, 0, sizeof *c);
	for (i = 0; i < NKEYS; i++) {
		if (config_store(c, &config_keys[i], config_keys[i].value, &cause) != 0)
			fatal("bad default: %s", cause);
	}
}

/* Copy every string so that two configs never share memory. */
static void
config_copy(struct config *dst, const struct config *src)
{
	size_t	i;

	*dst = *src;
	for (i = 0; i < NKEYS; i++) {
		if (config_keys[i].type == CT_STRING) {
			char **sp = (char **)((char *)dst + config_keys[i].offset);
			if (*sp != NULL)
				*sp = xstrdup(*sp);
		}
	}
}

struct config_parse {
	struct config	*c;
	char		*cause;
};

/* libinih handler: keys may sit in [kaigid] or at the top. */
static int
config_ini_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct config_parse	*p = user;

	if (*section != '\0' && strcmp(section, "kaigid") != 0) {
		p->cause = xasprintf("unknown section [%s]", section);
		return 0;
	}
	if (config_set(p->c, name, value, &p->cause) != 0)
		return 0;
	return 1;
}

/* Read an INI file; on any error c stays as it was. */
int
config_load_file(struct config *c, const char *path, char **cause)
{
	struct config		tmp;
	struct config_parse	p = { &tmp, NULL };
	int			rc;

	config_copy(&tmp, c);
	rc = ini_parse(path, config_ini_handler, &p);
	if (rc != 0) {
		if (p.cause != NULL)
			*cause = xasprintf("%s:%d: %s", path, rc, p.cause);
		else if (rc < 0)
			*cause = xasprintf("%s: cannot read file", path);
		else
			*cause = xasprintf("%s:%d: syntax error", path, rc);
		free(p.cause);
		config_free(&tmp);
		return -1;
	}
	config_free(c);
	*c = tmp;
	return 0;
}

/* KAIGI_<KEY> for every key; DATABASE_URL too (KAIGI_DATABASE_URL wins). */
int
config_load_env(struct config *c, char **cause)
{
	char	 name[80], *v;
	size_t	 i, j;

	if ((v = getenv("DATABASE_URL")) != NULL && *v != '\0')
		config_set(c, "database_url", v, cause);
	for (i = 0; i < NKEYS; i++) {
		snprintf(name, sizeof name, "KAIGI_%s", config_keys[i].name);
		for (j = 6; name[j] != '\0'; j++)
			name[j] = (char)toupper((unsigned char)name[j]);
		if ((v = getenv(name)) == NULL || *v == '\0')
			continue;
		if (config_store(c, &config_keys[i], v, cause) != 0)
			return -1;
	}
	return 0;
}

#ifndef KAIGI_DATADIR
#define KAIGI_DATADIR "/usr/local/share/kaigi"
#endif

/*
 * A data directory: the configured one when it exists (a checkout: "sql",
 * "server/web"), else the installed copy under KAIGI_DATADIR/sub, so an
 * installed kaigid finds its migrations and web files from anywhere.
 */
const char *
config_data_dir(const char *configured, const char *sub, char *buf, size_t len)
{
	if (access(configured, R_OK | X_OK) == 0)
		return configured;
	snprintf(buf, len, "%s/%s", KAIGI_DATADIR, sub);
	return access(buf, R_OK | X_OK) == 0 ? buf : configured;
}

#define CONFIG_MAX_FLAGS 64
static char	*config_flags[CONFIG_MAX_FLAGS][2];
static int	 config_nflags;

/* Set a key from a command-line flag and remember it for reloads. */
int
config_set_flag(struct config *c, const char *key, const char *value,
    char **cause)
{
	if (config_set(c, key, value, cause) != 0)
		return -1;
	if (config_nflags < CONFIG_MAX_FLAGS) {
		config_flags[config_nflags][0] = xstrdup(key);
		config_flags[config_nflags][1] = xstrdup(value);
		config_nflags++;
	}
	return 0;
}

/* Re-apply the remembered flags, so they keep winning after a reload. */
void
config_apply_flags(struct config *c)
{
	char	*cause = NULL;
	int	 i;

	for (i = 0; i < config_nflags; i++) {
		if (config_set(c, config_flags[i][0], config_flags[i][1], &cause) != 0)
			free(cause);
	}
}

/* Free the strings of a config (not the struct). */
void
config_free(struct config *c)
{
	size_t	i;

	for (i = 0; i < NKEYS; i++) {
		if (config_keys[i].type == CT_STRING) {
			char **sp = (char **)((char *)c + config_keys[i].offset);
			free(*sp);
			*sp = NULL;
		}
	}
}
