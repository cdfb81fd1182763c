/*
 * migrate.c — applies the numbered SQL migrations (sql/NNN_name.sql).
 *
 * Each file not yet listed in schema_migrations runs in its own transaction
 * together with the row that records it, so a failed file leaves nothing
 * behind and the next run tries it again. An advisory lock makes concurrent
 * migrators (several kaigid starting at once) wait for each other. This is
 * the one place where kaigid uses blocking libpq: it runs before serving.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "log.h"
#include "server.h"
#include "util.h"

#define MIGRATE_LOCK_KEY "7251001"

static const char MIGRATE_TABLE_SQL[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())";
static const char MIGRATE_DONE_SQL[] =
    "SELECT 1 FROM schema_migrations WHERE version = $1";
static const char MIGRATE_RECORD_SQL[] =
    "INSERT INTO schema_migrations (version) VALUES ($1)";

/* Run a statement without parameters; -1 and a log line on failure. */
static int
migrate_exec(PGconn *c, const char *sql, const char *what)
{
	PGresult	*res = PQexec(c, sql);
	int		 ok = PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK;

	if (!ok)
		log_error("migrate: %s: %s", what, PQerrorMessage(c));
	PQclear(res);
	return ok ? 0 : -1;
}

/* Run a one-parameter statement; returns rows, or -1 on failure. */
static int
migrate_exec1(PGconn *c, const char *sql, const char *param)
{
	PGresult	*res = PQexecParams(c, sql, 1, NULL, &param, NULL, NULL, 0);
	int		 n = -1;

	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		n = PQntuples(res);
	else if (PQresultStatus(res) == PGRES_COMMAND_OK)
		n = 0;
	else
		log_error("migrate: %s", PQerrorMessage(c));
	PQclear(res);
	return n;
}

/* Read a whole file into a string; NULL if it cannot. */
static char *
migrate_read(const char *path)
{
	FILE	*f = fopen(path, "rb");
	char	*buf;
	long	 len;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = xmalloc((size_t)len + 1);
	if (len < 0 || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		fclose(f);
		return NULL;
	}
	buf[len] = '\0';
	fclose(f);
	return buf;
}

/* Only NNN_name.sql files are migrations. */
static int
migrate_filter(const struct dirent *d)
{
	size_t	n = strlen(d->d_name);

	return n > 8 && d->d_name[0] >= '0' && d->d_name[0] <= '9' &&
	    strcmp(d->d_name + n - 4, ".sql") == 0;
}

/*
 * Migrations in the order of their numbers, then of their names: 1000_x
 * after 999_y (alphasort put it before 100_z).
 */
static int
migrate_order(const struct dirent **a, const struct dirent **b)
{
	unsigned long	na = strtoul((*a)->d_name, NULL, 10);
	unsigned long	nb = strtoul((*b)->d_name, NULL, 10);

	if (na != nb)
		return na < nb ? -1 : 1;
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Apply one file in a transaction with its record. */
static int
migrate_apply(PGconn *c, const char *dir, const char *name)
{
	char	*path = xasprintf("%s/%s", dir, name), *sql;
	int	 rc = -1;

	if ((sql = migrate_read(path)) == NULL) {
		log_error("migrate: cannot read %s", path);
		free(path);
		return -1;
	}
	if (migrate_exec(c, "BEGIN", "begin") == 0 &&
	    migrate_exec(c, sql, name) == 0 &&
	    migrate_exec1(c, MIGRATE_RECORD_SQL, name) == 0 &&
	    migrate_exec(c, "COMMIT", "commit") == 0) {
		log_info("migrate: applied %s", name);
		rc = 0;
	} else
		migrate_exec(c, "ROLLBACK", "rollback");
	free(sql);
	free(path);
	return rc;
}

/* Apply every pending file in number order. */
static int
migrate_all(PGconn *c, const char *dir)
{
	struct dirent	**list;
	int		  n, i, rc = 0, applied = 0, done;

	if ((n = scandir(dir, &list, migrate_filter, migrate_order)) < 0) {
		log_error("migrate: cannot list %s", dir);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (rc == 0) {
			done = migrate_exec1(c, MIGRATE_DONE_SQL, list[i]->d_name);
			if (done < 0)
				rc = -1;
			else if (done == 0) {
				rc = migrate_apply(c, dir, list[i]->d_name);
				applied += rc == 0;
			}
		}
		free(list[i]);
	}
	free(list);
	if (rc == 0)
		log_info("migrate: %d applied, schema up to date", applied);
	return rc;
}

/* Connect, lock, apply pending migrations. */
int
migrate_run(const char *conninfo, const char *sql_dir)
{
	PGconn	*c = PQconnectdb(conninfo);
	int	 rc = -1;

	if (PQstatus(c) != CONNECTION_OK) {
		log_error("migrate: cannot connect: %s", PQerrorMessage(c));
		PQfinish(c);
		return -1;
	}
	if (migrate_exec(c, "SET client_min_messages = warning", "set") == 0 &&
	    migrate_exec(c, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", "lock") == 0 &&
	    migrate_exec(c, MIGRATE_TABLE_SQL, "schema_migrations") == 0)
		rc = migrate_all(c, sql_dir);
	PQfinish(c);
	return rc;
}
