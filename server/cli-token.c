/*
 * cli-token.c — `kaigid token create` and `kaigid feed-token create`: make a
 * token, store only its SHA-256 hash, print the token once on stdout.
 *
 * These run from the command line before or beside the server, so they use
 * blocking libpq; they never run on the event loop.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "auth.h"
#include "server.h"
#include "util.h"

static const char TOKEN_INSERT_SQL[] =
    "INSERT INTO api_tokens (role, conference_id, delegation_id, token_hash, label)"
    " SELECT $1, c.id, d.id, $4, $5"
    "   FROM (SELECT 1) one"
    "   LEFT JOIN conferences c ON c.slug = $2"
    "   LEFT JOIN delegations d ON d.conference_id = c.id AND d.code = $3"
    "  WHERE ($2::text IS NULL OR c.id IS NOT NULL)"
    "    AND ($3::text IS NULL OR d.id IS NOT NULL)"
    " RETURNING id";
static const char FEED_TOKEN_INSERT_SQL[] =
    "INSERT INTO feed_tokens (conference_id, delegation_id, participant_id, token_hash)"
    " SELECT c.id, d.id, p.id, $4"
    "   FROM conferences c"
    "   LEFT JOIN delegations d ON d.conference_id = c.id AND d.code = $2"
    "   LEFT JOIN participants p ON p.conference_id = c.id AND p.id = $3::bigint"
    "  WHERE c.slug = $1"
    "    AND ($2::text IS NULL OR d.id IS NOT NULL)"
    "    AND ($3::text IS NULL OR p.id IS NOT NULL)"
    " RETURNING id";

/* Connect or explain why not. */
static PGconn *
cli_connect(const char *conninfo)
{
	PGconn	*c = PQconnectdb(conninfo);

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "kaigid: cannot connect to the database: %s",
		    PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	return c;
}

/* Insert a token row; print the raw token on success. Exit status. */
static int
cli_insert(const char *conninfo, const char *sql, int nparams,
    const char *params[5], const char *token, const char *what)
{
	PGconn		*c = cli_connect(conninfo);
	PGresult	*res;
	int		 rc = 1;

	if (c == NULL)
		return 1;
	res = PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		fprintf(stderr, "kaigid: %s", PQerrorMessage(c));
	else if (PQntuples(res) != 1)
		fprintf(stderr, "kaigid: no such %s\n", what);
	else {
		printf("%s\n", token);
		fprintf(stderr, "kaigid: token %s created; it is shown only once\n",
		    PQgetvalue(res, 0, 0));
		rc = 0;
	}
	PQclear(res);
	PQfinish(c);
	return rc;
}

static const struct option cli_options[] = {
	{ "role", required_argument, NULL, 'r' },
	{ "conference", required_argument, NULL, 'C' },
	{ "delegation", required_argument, NULL, 'D' },
	{ "participant", required_argument, NULL, 'P' },
	{ "label", required_argument, NULL, 'l' },
	{ "database-url", required_argument, NULL, 'd' },
	{ NULL, 0, NULL, 0 }
};

/*
 * Parse create's options into role, conference, delegation, participant,
 * label; --database-url here overrides the one given before the command.
 */
static int
cli_parse(int argc, char **argv, const char *v[5], const char **conninfo)
{
	int	ch;

	if (argc < 2 || strcmp(argv[1], "create") != 0) {
		fprintf(stderr, "kaigid: usage: kaigid %s create ...\n", argv[0]);
		return -1;
	}
	optind = 2;
	while ((ch = getopt_long(argc, argv, "", cli_options, NULL)) != -1) {
		switch (ch) {
		case 'r': v[0] = optarg; break;
		case 'C': v[1] = optarg; break;
		case 'D': v[2] = optarg; break;
		case 'P': v[3] = optarg; break;
		case 'l': v[4] = optarg; break;
		case 'd': *conninfo = optarg; break;
		default: return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

/* kaigid token create --role R [--conference SLUG] [--delegation CODE] */
int
cli_token_main(int argc, char **argv, const char *conninfo)
{
	const char	*v[5] = { NULL, NULL, NULL, NULL, NULL }, *p[5];
	char		*token, hash[65];
	int		 rc;

	if (cli_parse(argc, argv, v, &conninfo) != 0 || v[0] == NULL || v[3] != NULL) {
		fprintf(stderr, "kaigid: usage: kaigid token create --role "
		    "admin|secretariat|liaison [--conference SLUG] [--delegation CODE]\n");
		return 2;
	}
	token = auth_token_new(hash);
	p[0] = v[0]; p[1] = v[1]; p[2] = v[2]; p[3] = hash;
	p[4] = v[4] != NULL ? v[4] : "created by kaigid token create";
	rc = cli_insert(conninfo, TOKEN_INSERT_SQL, 5, p, token, "conference or delegation");
	free(token);
	return rc;
}

/* kaigid feed-token create --conference SLUG (--delegation CODE | --participant ID) */
int
cli_feed_token_main(int argc, char **argv, const char *conninfo)
{
	const char	*v[5] = { NULL, NULL, NULL, NULL, NULL }, *p[5];
	char		*token, hash[65];
	int		 rc;

	if (cli_parse(argc, argv, v, &conninfo) != 0 || v[1] == NULL || v[0] != NULL ||
	    (v[2] == NULL) == (v[3] == NULL)) {
		fprintf(stderr, "kaigid: usage: kaigid feed-token create --conference "
		    "SLUG (--delegation CODE | --participant ID)\n");
		return 2;
	}
	token = auth_token_new(hash);
	p[0] = v[1]; p[1] = v[2]; p[2] = v[3]; p[3] = hash; p[4] = NULL;
	rc = cli_insert(conninfo, FEED_TOKEN_INSERT_SQL, 4, p, token,
	    "conference, delegation or participant");
	free(token);
	return rc;
}

