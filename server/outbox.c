/*
 * outbox.c — the change-mail sender: one thread per worker process, with
 * its own blocking libpq connection and libcurl, so the event loop never
 * waits on it and it never touches libevent, the pool or a request.
 *
 * Every second (or at once after a busy round) it:
 *   1. closes batches: kaigi_outbox_close(notify_quiet_seconds) gathers
 *      each participant's changes that have been quiet long enough (one
 *      worker at a time: an advisory lock, the others skip);
 *   2. sends due batches one by one, each in a transaction that holds the
 *      batch's row (kaigi_outbox_next: FOR UPDATE SKIP LOCKED, so workers
 *      share the work and never send the same batch at the same time):
 *      the sessions as the participant's feed shows them, the message
 *      (mail.c), delivery, then kaigi_outbox_sent only after the server's
 *      250 (curl_easy_perform's CURLE_OK) or the Maildir rename, else
 *      kaigi_outbox_failed: retried after 1, 2, 4... s (at most an hour).
 * A crash between the 250 and the COMMIT sends again, same Message-ID.
 *
 * Without smtp_url, messages go to the Maildir `maildir`: written to tmp/,
 * fsync'd, renamed into new/ under a name fixed per batch (a re-send
 * replaces the file rather than adding one).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/http.h>
#include <libpq-fe.h>

#include "config.h"
#include "ical.h"
#include "log.h"
#include "mail.h"
#include "outbox.h"
#include "sender.h"
#include "util.h"

#define OUTBOX_POLL_MS		1000
#define OUTBOX_MAX_BACKOFF	3600	/* seconds */
#define OUTBOX_SMTP_TIMEOUT	60	/* seconds per delivery */

/* The sender's settings, copied at start. */
static struct {
	char		*smtp_url, *from, *maildir, *host;
	int		 quiet;
} ob;

static int outbox_round(PGconn *);

static struct sender ob_sender = SENDER_INIT("mail", OUTBOX_POLL_MS, outbox_round);

/* Host of public_url (as the feeds' UIDs), else "kaigi". */
static char *
outbox_host(void)
{
	struct evhttp_uri	*u;
	const char		*h;
	char			*out = NULL;

	if (cfg->public_url != NULL && *cfg->public_url != '\0' &&
	    (u = evhttp_uri_parse(cfg->public_url)) != NULL) {
		if ((h = evhttp_uri_get_host(u)) != NULL && *h != '\0')
			out = xstrdup(h);
		evhttp_uri_free(u);
	}
	return out != NULL ? out : xstrdup("kaigi");
}

/* libcurl's upload source: the message. */
struct outbox_upload {
	const char	*data;
	size_t		 left;
};

static size_t
outbox_read(char *buf, size_t size, size_t nitems, void *arg)
{
	struct outbox_upload	*u = arg;
	size_t			 n = size * nitems < u->left ? size * nitems : u->left;

	memcpy(buf, u->data, n);
	u->data += n;
	u->left -= n;
	return n;
}

/* The sender thread's libcurl handle, kept from one message to the next:
 * curl_easy_reset clears its options but keeps its live connection, so
 * consecutive messages go over one SMTP connection (MAIL FROM, RCPT, DATA
 * again) instead of a TCP connection, greeting, EHLO and QUIT each. A
 * connection the server has closed meanwhile is noticed by libcurl, which
 * connects again. Only the sender thread uses it; outbox_stop frees it. */
static CURL *ob_curl;

/* Deliver by SMTP; 0 after the server's 250, else -1 with *err. */
static int
outbox_smtp(const char *to, const char *msg, char **err)
{
	CURL			*c;
	struct curl_slist	*rcpt = NULL;
	struct outbox_upload	 u = { msg, strlen(msg) };
	char			*from = xasprintf("<%s>", ob.from);
	char			*rto = xasprintf("<%s>", to);
	CURLcode		 rc;

	if (ob_curl == NULL && (ob_curl = curl_easy_init()) == NULL)
		fatal("curl_easy_init");
	c = ob_curl;
	curl_easy_reset(c);
	rcpt = curl_slist_append(rcpt, rto);
	curl_easy_setopt(c, CURLOPT_URL, ob.smtp_url);
	curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, outbox_read);
	curl_easy_setopt(c, CURLOPT_READDATA, &u);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)OUTBOX_SMTP_TIMEOUT);
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK)
		*err = xasprintf("smtp: %s", curl_easy_strerror(rc));
	curl_slist_free_all(rcpt);
	free(from);
	free(rto);
	return rc == CURLE_OK ? 0 : -1;
}

/* mkdir dir and its tmp/, new/, cur/; 0 or -1. */
static int
outbox_maildir_make(void)
{
	static const char	*sub[] = { "", "/tmp", "/new", "/cur" };
	char			*p;
	size_t			 i;
	int			 rc = 0;

	for (i = 0; i < 4 && rc == 0; i++) {
		p = xasprintf("%s%s", ob.maildir, sub[i]);
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			rc = -1;
		free(p);
	}
	return rc;
}

/* Write msg to tmp/, fsync, rename into new/; 0 or -1 with *err. */
static int
outbox_maildir(long long batch_id, const char *msg, char **err)
{
	char	*tmp, *dst;
	int	 fd = -1, rc = -1;
	size_t	 len = strlen(msg);

	tmp = xasprintf("%s/tmp/kaigi-batch-%lld.%ld", ob.maildir, batch_id,
	    (long)getpid());
	dst = xasprintf("%s/new/kaigi-batch-%lld", ob.maildir, batch_id);
	if (outbox_maildir_make() == 0 &&
	    (fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) >= 0 &&
	    write(fd, msg, len) == (ssize_t)len && fsync(fd) == 0 &&
	    close(fd) == 0) {
		fd = -1;
		rc = rename(tmp, dst);
	}
	if (rc != 0) {
		*err = xasprintf("maildir %s: %s", ob.maildir, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
	}
	free(tmp);
	free(dst);
	return rc;
}

/* A text column, or NULL when it is SQL NULL. */
static const char *
outbox_col(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

/* Status column to ical's. */
static enum ical_status
outbox_status(const char *s)
{
	if (strcmp(s, "cancelled") == 0)
		return ICAL_EVENT_CANCELLED;
	return strcmp(s, "tentative") == 0 ? ICAL_EVENT_TENTATIVE :
	    ICAL_EVENT_CONFIRMED;
}

/* The rows of kaigi_outbox_events as mail events (caller frees). */
static struct mail_event *
outbox_events(const PGresult *r)
{
	struct mail_event	*ev = xcalloc((size_t)PQntuples(r) + 1, sizeof *ev);
	struct ical_event	*e;
	int			 i;

	for (i = 0; i < PQntuples(r); i++) {
		e = &ev[i].now;
		e->id = atoll(PQgetvalue(r, i, 0));
		e->kind = outbox_col(r, i, 1);
		e->title = PQgetvalue(r, i, 2);
		e->description = outbox_col(r, i, 3);
		e->room = outbox_col(r, i, 4);
		e->venue = outbox_col(r, i, 5);
		e->start = atoll(PQgetvalue(r, i, 6));
		e->end = atoll(PQgetvalue(r, i, 7));
		e->status = outbox_status(PQgetvalue(r, i, 8));
		e->sequence = atoi(PQgetvalue(r, i, 9));
		e->created = atoll(PQgetvalue(r, i, 10));
		e->updated = atoll(PQgetvalue(r, i, 11));
		ev[i].was_start = atoll(PQgetvalue(r, i, 12));
		ev[i].was_end = atoll(PQgetvalue(r, i, 13));
		ev[i].was_room = outbox_col(r, i, 14);
		ev[i].was_title = PQgetvalue(r, i, 15);
	}
	return ev;
}

/* Build and deliver batch row 0 of next; 0 or -1 with *err. An empty
 * batch (its sessions gone from the participant's feed) counts as sent. */
static int
outbox_deliver(PGconn *c, const PGresult *next, char **mid, char **err)
{
	const char		*id = PQgetvalue(next, 0, 0);
	PGresult		*r;
	struct mail_event	*ev;
	struct mail_batch	 b;
	char			*msg = NULL;
	int			 rc = -1;

	r = sender_exec(&ob_sender, c, "SELECT * FROM kaigi_outbox_events($1)", 1, &id);
	if (r == NULL) {
		*err = xstrdup("cannot read the batch");
		return -1;
	}
	ev = outbox_events(r);
	memset(&b, 0, sizeof b);
	b.batch_id = atoll(id);
	b.from = ob.from;
	b.to_name = PQgetvalue(next, 0, 2);
	b.to_addr = PQgetvalue(next, 0, 3);
	b.conference = PQgetvalue(next, 0, 5);
	b.zone = PQgetvalue(next, 0, 6);
	b.host = ob.host;
	b.date = time(NULL);
	b.ev = ev;
	b.n = (size_t)PQntuples(r);
	if (b.n == 0)
		rc = 0;
	else if (mail_build(&b, &msg, mid, err) == 0)
		rc = *ob.smtp_url != '\0' ? outbox_smtp(b.to_addr, msg, err) :
		    outbox_maildir(b.batch_id, msg, err);
	free(msg);
	free(ev);
	PQclear(r);
	return rc;
}

/* Send the next due batch; 1 if there was one, 0 if none, -1 on a
 * database error. */
static int
outbox_send_one(PGconn *c)
{
	PGresult	*next;
	const char	*p[3];
	char		*mid = NULL, *err = NULL, backoff[16];
	int		 rc;

	if (sender_run(&ob_sender, c, "BEGIN", 0, NULL) != 0)
		return -1;
	if ((next = sender_exec(&ob_sender, c, "SELECT * FROM kaigi_outbox_next()", 0,
	    NULL)) == NULL || PQntuples(next) == 0) {
		PQclear(next);
		return sender_run(&ob_sender, c, "COMMIT", 0, NULL) == 0 && next != NULL ? 0 : -1;
	}
	p[0] = PQgetvalue(next, 0, 0);
	if (outbox_deliver(c, next, &mid, &err) == 0) {
		p[1] = mid != NULL ? mid : "";
		rc = sender_run(&ob_sender, c, "SELECT kaigi_outbox_sent($1, $2)", 2, p);
		log_info("mail: batch %s delivered (%s) as %s", p[0],
		    *ob.smtp_url != '\0' ? "SMTP" : "Maildir", p[1]);
	} else {
		snprintf(backoff, sizeof backoff, "%d", OUTBOX_MAX_BACKOFF);
		p[1] = err;
		p[2] = backoff;
		rc = sender_run(&ob_sender, c, "SELECT kaigi_outbox_failed($1, $2, $3)", 3, p);
		log_warn("mail: batch %s: %s (attempt %d)", p[0], err,
		    atoi(PQgetvalue(next, 0, 1)) + 1);
	}
	PQclear(next);
	free(mid);
	free(err);
	if (rc == 0)
		rc = sender_run(&ob_sender, c, "COMMIT", 0, NULL);
	return rc == 0 ? 1 : -1;
}

/* One round: close quiet batches, send what is due; -1 on a db error. */
static int
outbox_round(PGconn *c)
{
	char		 quiet[16];
	const char	*p = quiet;
	int		 rc;

	snprintf(quiet, sizeof quiet, "%d", ob.quiet);
	if (sender_run(&ob_sender, c, "SELECT kaigi_outbox_close($1)", 1, &p) != 0)
		return -1;
	while ((rc = outbox_send_one(c)) == 1 && !sender_stopping(&ob_sender))
		;
	return rc < 0 ? -1 : 0;
}

/* Start the sender thread with a copy of the settings. */
void
outbox_start(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		fatal("curl_global_init");
	/* libical fills its table of built-in zones on first use, unlocked:
	 * do it here, on the loop thread, before the sender can race it. */
	(void)ical_zone_valid("Etc/UTC");
	ob.smtp_url = xstrdup(cfg->smtp_url != NULL ? cfg->smtp_url : "");
	ob.from = xstrdup(cfg->mail_from);
	ob.maildir = xstrdup(cfg->maildir);
	ob.host = outbox_host();
	ob.quiet = cfg->notify_quiet_seconds;
	sender_start(&ob_sender);
}

/* Stop the sender and wait for it. */
void
outbox_stop(void)
{
	sender_stop(&ob_sender);
	if (ob_curl != NULL)
		curl_easy_cleanup(ob_curl);
	ob_curl = NULL;
	free(ob.smtp_url);
	free(ob.from);
	free(ob.maildir);
	free(ob.host);
	ob.smtp_url = ob.from = ob.maildir = ob.host = NULL;
	curl_global_cleanup();
}
