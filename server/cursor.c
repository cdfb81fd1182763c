/*
 * cursor.c — list cursors: opaque, authenticated positions (see cursor.h).
 *
 * A cursor is the lowercase hex of
 *
 *	version (1 byte, 1) | MAC (16 bytes) | position (1..64 bytes)
 *
 * where MAC is HMAC-SHA256(key, "kaigi-cursor-1" | version | context |
 * position) cut to 128 bits, and the context names the list: the route's
 * path pattern, its captures (slug, id), every query argument but cursor
 * and limit (sorted, so their order does not matter; limit may change
 * between pages), and the caller's scope (role, conference, delegation).
 * Each part goes in as "<length>:<bytes>", so no two contexts run together.
 *
 * The key (sql/060_cursors.sql, table kaigi_secrets) is the same for every
 * worker and restart, so a cursor stays good across them. A process reads
 * it on first need with one query; requests that arrive meanwhile wait in
 * a small queue and run their handler again when it is there.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "cursor.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "route.h"
#include "util.h"

#define CURSOR_VERSION	1
#define CURSOR_KEY_SQL \
    "SELECT encode(secret, 'hex') FROM kaigi_secrets WHERE name = 'cursor'"

static unsigned char	 cursor_key[CURSOR_KEY_MAX];
static size_t		 cursor_keylen;
static struct req	**cursor_waiting;	/* for the key */
static size_t		 cursor_nwaiting;

/* Value of one hex digit, or -1. Only lowercase: that is what we write. */
static int
cursor_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decode exactly len bytes of lowercase hex from s; -1 on a bad digit. */
static int
cursor_unhex(const char *s, unsigned char *out, size_t len)
{
	size_t	i;
	int	hi, lo;

	for (i = 0; i < len; i++) {
		if ((hi = cursor_hexval(s[2 * i])) < 0 ||
		    (lo = cursor_hexval(s[2 * i + 1])) < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* A position is 1..64 bytes of [0-9:-]. */
static int
cursor_position_ok(const char *p, size_t len)
{
	return len > 0 && len <= CURSOR_POSITION_MAX &&
	    strspn(p, "0123456789:-") >= len;
}

/* The truncated MAC of (version, context, position). */
static void
cursor_mac(const unsigned char *key, size_t keylen, const char *context,
    size_t contextlen, const char *position, size_t poslen,
    unsigned char mac[CURSOR_MAC_LEN])
{
	static const char	 tag[] = "kaigi-cursor-1";
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0;
	struct evbuffer		*b = evbuffer_new();

	if (b == NULL)
		fatal("evbuffer_new");
	evbuffer_add_printf(b, "%zu:%s%zu:%d%zu:", sizeof tag - 1, tag,
	    (size_t)1, CURSOR_VERSION, contextlen);
	evbuffer_add(b, context, contextlen);
	evbuffer_add_printf(b, "%zu:", poslen);
	evbuffer_add(b, position, poslen);
	if (HMAC(EVP_sha256(), key, (int)keylen, evbuffer_pullup(b, -1),
	    evbuffer_get_length(b), md, &mdlen) == NULL || mdlen < CURSOR_MAC_LEN)
		fatal("HMAC-SHA256 failed");
	memcpy(mac, md, CURSOR_MAC_LEN);
	evbuffer_free(b);
}

/* Seal a position for a context. */
int
cursor_seal(const unsigned char *key, size_t keylen, const char *context,
    size_t contextlen, const char *position, char out[CURSOR_TEXT_MAX])
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 raw[1 + CURSOR_MAC_LEN + CURSOR_POSITION_MAX];
	size_t			 poslen = strlen(position), n, i;

	if (!cursor_position_ok(position, poslen))
		return -1;
	raw[0] = CURSOR_VERSION;
	cursor_mac(key, keylen, context, contextlen, position, poslen, raw + 1);
	memcpy(raw + 1 + CURSOR_MAC_LEN, position, poslen);
	n = 1 + CURSOR_MAC_LEN + poslen;
	for (i = 0; i < n; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 0xf];
	}
	out[2 * n] = '\0';
	return 0;
}

/* Open a cursor sealed for a context: the position, or -1. */
int
cursor_open(const unsigned char *key, size_t keylen, const char *context,
    size_t contextlen, const char *text, char position[CURSOR_POSITION_MAX + 1])
{
	unsigned char	 raw[1 + CURSOR_MAC_LEN + CURSOR_POSITION_MAX];
	unsigned char	 mac[CURSOR_MAC_LEN];
	size_t		 len = strlen(text), n, poslen;

	if (len % 2 != 0 || len < 2 * (1 + CURSOR_MAC_LEN + 1) ||
	    len > CURSOR_TEXT_MAX - 1)
		return -1;
	n = len / 2;
	if (cursor_unhex(text, raw, n) != 0 || raw[0] != CURSOR_VERSION)
		return -1;
	poslen = n - 1 - CURSOR_MAC_LEN;
	memcpy(position, raw + 1 + CURSOR_MAC_LEN, poslen);
	position[poslen] = '\0';
	if (!cursor_position_ok(position, poslen))
		return -1;
	cursor_mac(key, keylen, context, contextlen, position, poslen, mac);
	if (CRYPTO_memcmp(mac, raw + 1, CURSOR_MAC_LEN) != 0)
		return -1;
	return 0;
}

/* Add one "<length>:<bytes>" part to the context. */
static void
cursor_part(struct evbuffer *b, const char *s)
{
	evbuffer_add_printf(b, "%zu:%s", strlen(s), s);
}

/* qsort: "key=value" strings. */
static int
cursor_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The query arguments but cursor and limit, sorted, as parts. */
static void
cursor_filters(struct evbuffer *b, const struct req *r)
{
	const struct evkeyval	*kv;
	char			**args = NULL;
	size_t			 n = 0, i;

	TAILQ_FOREACH(kv, &r->query, next) {
		if (strcmp(kv->key, "cursor") == 0 || strcmp(kv->key, "limit") == 0)
			continue;
		args = xrealloc(args, (n + 1) * sizeof *args);
		args[n++] = xasprintf("%s=%s", kv->key, kv->value);
	}
	if (n > 1)
		qsort(args, n, sizeof *args, cursor_strcmp);
	evbuffer_add_printf(b, "%zu:", n);
	for (i = 0; i < n; i++) {
		cursor_part(b, args[i]);
		free(args[i]);
	}
	free(args);
}

/* The context of r's list: route, captures, filters, the caller's scope. */
static struct evbuffer *
cursor_context(const struct req *r)
{
	struct evbuffer	*b = evbuffer_new();
	int		 i;

	if (b == NULL)
		fatal("evbuffer_new");
	cursor_part(b, r->route != NULL ? r->route->path : "");
	evbuffer_add_printf(b, "%d:", r->nparams);
	for (i = 0; i < r->nparams; i++)
		cursor_part(b, r->param[i]);
	cursor_filters(b, r);
	evbuffer_add_printf(b, "scope:%s:%lld:%lld", role_name(r->who.role),
	    r->who.conference_id, r->who.delegation_id);
	return b;
}

/* ?cursor= opened for r's list: 1 and the position, 0 if absent, -1 if bad. */
int
cursor_from_req(struct req *r, char position[CURSOR_POSITION_MAX + 1])
{
	const char	*c = req_query(r, "cursor");
	struct evbuffer	*ctx;
	int		 rc;

	snprintf(position, CURSOR_POSITION_MAX + 1, "0");
	if (c == NULL)
		return 0;
	ctx = cursor_context(r);
	rc = cursor_open(cursor_key, cursor_keylen,
	    (const char *)evbuffer_pullup(ctx, -1), evbuffer_get_length(ctx), c,
	    position);
	evbuffer_free(ctx);
	if (rc != 0) {
		snprintf(position, CURSOR_POSITION_MAX + 1, "0");
		return -1;
	}
	return 1;
}

/* The cursor of a position for r's list. */
int
cursor_for_req(struct req *r, const char *position, char out[CURSOR_TEXT_MAX])
{
	struct evbuffer	*ctx = cursor_context(r);
	int		 rc;

	rc = cursor_seal(cursor_key, cursor_keylen,
	    (const char *)evbuffer_pullup(ctx, -1), evbuffer_get_length(ctx),
	    position, out);
	evbuffer_free(ctx);
	return rc;
}

/* Take the key from the query's hex text; -1 if it is no key. */
static int
cursor_key_set(const char *hex)
{
	size_t	len = strlen(hex);

	if (len % 2 != 0 || len < 64 || len / 2 > CURSOR_KEY_MAX ||
	    cursor_unhex(hex, cursor_key, len / 2) != 0)
		return -1;
	cursor_keylen = len / 2;
	return 0;
}

/* The key query answered: run the waiting requests again, or answer them. */
static void
cursor_key_loaded(enum db_status st, PGresult *res, void *arg)
{
	struct req	**w = cursor_waiting;
	size_t		  n = cursor_nwaiting, i;
	uint64_t	  was;

	(void)arg;
	cursor_waiting = NULL;
	cursor_nwaiting = 0;
	if (st == DB_OK && PQntuples(res) == 1 &&
	    cursor_key_set(PQgetvalue(res, 0, 0)) != 0)
		log_error("cursor: the key in kaigi_secrets is malformed");
	else if (st == DB_OK && PQntuples(res) != 1)
		log_error("cursor: no key in kaigi_secrets (run kaigid --migrate)");
	for (i = 0; i < n; i++) {
		if (cursor_keylen > 0) {
			was = db_own(w[i]->serial);	/* its work, not the load's */
			w[i]->route->handle(w[i]);
			db_own(was);
		} else if (st != DB_OK)
			http_reply_db_error(w[i], st, res);
		else
			http_reply_problem(w[i], 500, "internal error", NULL);
	}
	free(w);
}

/* Is the key there? If not, r waits for it (see cursor.h). */
int
cursor_key_ready(struct req *r)
{
	uint64_t	was;

	if (cursor_keylen > 0)
		return 1;
	cursor_waiting = xrealloc(cursor_waiting,
	    (cursor_nwaiting + 1) * sizeof *cursor_waiting);
	cursor_waiting[cursor_nwaiting++] = r;
	if (cursor_nwaiting == 1) {
		was = db_own(0);	/* every waiting request's */
		db_query(CURSOR_KEY_SQL, 0, NULL, cursor_key_loaded, NULL);
		db_own(was);
	}
	return 0;
}
