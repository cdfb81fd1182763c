/*
 * webhook.c — the webhook sender: one thread per worker process, with its
 * own blocking libpq connection and libcurl, so the event loop never waits
 * on it (a sender, sender.c, as the mail's in outbox.c).
 *
 * Every second (or at once after a busy round) it sends due deliveries one
 * by one, each in a transaction that holds the delivery's row
 * (kaigi_webhook_next: FOR UPDATE SKIP LOCKED, and only a hook's oldest
 * pending delivery, so workers share the work and a hook hears of its
 * conference's changes in order). The POST carries the stored body,
 * Content-Type: application/json, Kaigi-Event, Kaigi-Event-Id (the
 * delivery's id, the same on every retry) and Kaigi-Signature:
 * sha256=<hex HMAC-SHA256 of the exact body under the hook's secret>.
 * A 2xx answer marks it delivered (kaigi_webhook_sent); anything else, or
 * no answer, kaigi_webhook_failed: again after 1, 2, 4... s (at most an
 * hour), failed for good after WEBHOOK_MAX_ATTEMPTS. A crash between the
 * answer and the COMMIT sends it again (at least once; same event id).
 *
 * The secret is never logged; only the delivery id and status are.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <libpq-fe.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "config.h"
#include "log.h"
#include "sender.h"
#include "util.h"
#include "webhook.h"

#define WEBHOOK_POLL_MS		1000
#define WEBHOOK_MAX_BACKOFF	"3600"	/* seconds */
#define WEBHOOK_MAX_ATTEMPTS	"12"
#define WEBHOOK_TIMEOUT		10	/* seconds per POST */

static int webhook_round(PGconn *);

static struct sender wh = SENDER_INIT("webhook", WEBHOOK_POLL_MS, webhook_round);

void
webhook_signature(const char *secret, const char *body, size_t len,
    char out[72])
{
	unsigned char	mac[EVP_MAX_MD_SIZE];
	unsigned int	n = 0, i;

	HMAC(EVP_sha256(), secret, (int)strlen(secret),
	    (const unsigned char *)body, len, mac, &n);
	memcpy(out, "sha256=", 7);
	for (i = 0; i < n && i < 32; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", mac[i]);
	out[7 + 2 * i] = '\0';
}

/* The answer's body is not wanted. */
static size_t
webhook_discard(char *buf, size_t size, size_t n, void *arg)
{
	(void)buf;
	(void)arg;
	return size * n;
}

/* The headers of one POST (caller frees with curl_slist_free_all). */
static struct curl_slist *
webhook_headers(const char *id, const char *event, const char *secret,
    const char *body)
{
	struct curl_slist	*h = NULL;
	char			 sig[72], *line;

	webhook_signature(secret, body, strlen(body), sig);
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Expect:");
	line = xasprintf("Kaigi-Signature: %s", sig);
	h = curl_slist_append(h, line);
	free(line);
	line = xasprintf("Kaigi-Event-Id: %s", id);
	h = curl_slist_append(h, line);
	free(line);
	line = xasprintf("Kaigi-Event: %s", event);
	h = curl_slist_append(h, line);
	free(line);
	return h;
}

/* POST row 0 of next; 0 on a 2xx, else -1 with *err. *code: the answer's
 * status, 0 when none came. */
static int
webhook_post(const PGresult *next, long *code, char **err)
{
	CURL			*c = curl_easy_init();
	struct curl_slist	*h;
	const char		*body = PQgetvalue(next, 0, 3);
	CURLcode		 rc;

	if (c == NULL)
		fatal("curl_easy_init");
	h = webhook_headers(PQgetvalue(next, 0, 0), PQgetvalue(next, 0, 5),
	    PQgetvalue(next, 0, 2), body);
	curl_easy_setopt(c, CURLOPT_URL, PQgetvalue(next, 0, 1));
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, webhook_discard);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "kaigi-webhook");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)WEBHOOK_TIMEOUT);
	*code = 0;
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, code);
	if (rc != CURLE_OK)
		*err = xasprintf("%s", curl_easy_strerror(rc));
	else if (*code < 200 || *code > 299)
		*err = xasprintf("HTTP %ld", *code);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return *err == NULL ? 0 : -1;
}

/* Mark row 0 of next as sent or failed; 0 or -1. */
static int
webhook_mark(PGconn *c, const PGresult *next, long code, const char *err)
{
	const char	*p[5];
	char		 cs[24];

	snprintf(cs, sizeof cs, "%ld", code);
	p[0] = PQgetvalue(next, 0, 0);
	p[1] = code > 0 ? cs : NULL;
	if (err == NULL) {
		log_info("webhook: delivery %s delivered (%ld)", p[0], code);
		return sender_run(&wh, c, "SELECT kaigi_webhook_sent($1, $2)", 2, p);
	}
	log_warn("webhook: delivery %s: %s (attempt %d)", p[0], err,
	    atoi(PQgetvalue(next, 0, 4)) + 1);
	p[2] = err;
	p[3] = WEBHOOK_MAX_BACKOFF;
	p[4] = WEBHOOK_MAX_ATTEMPTS;
	return sender_run(&wh, c, "SELECT kaigi_webhook_failed($1, $2, $3, $4, $5)",
	    5, p);
}

/* Send the next due delivery; 1 if there was one, 0 if none, -1 on a
 * database error. */
static int
webhook_send_one(PGconn *c)
{
	PGresult	*next;
	char		*err = NULL;
	long		 code;
	int		 rc;

	if (sender_run(&wh, c, "BEGIN", 0, NULL) != 0)
		return -1;
	if ((next = sender_exec(&wh, c, "SELECT * FROM kaigi_webhook_next()", 0,
	    NULL)) == NULL || PQntuples(next) == 0) {
		PQclear(next);
		return sender_run(&wh, c, "COMMIT", 0, NULL) == 0 && next != NULL ?
		    0 : -1;
	}
	webhook_post(next, &code, &err);
	rc = webhook_mark(c, next, code, err);
	PQclear(next);
	free(err);
	if (rc == 0)
		rc = sender_run(&wh, c, "COMMIT", 0, NULL);
	return rc == 0 ? 1 : -1;
}

/* One round: send what is due, one by one; -1 on a database error. */
static int
webhook_round(PGconn *c)
{
	int	rc;

	while ((rc = webhook_send_one(c)) == 1 && !sender_stopping(&wh))
		;
	return rc < 0 ? -1 : 0;
}

void
webhook_start(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		fatal("curl_global_init");
	sender_start(&wh);
}

void
webhook_stop(void)
{
	sender_stop(&wh);
	curl_global_cleanup();
}
