/*
 * outbox.c — the change-mail sender: mail_senders threads per worker
 * process (default 2), each with its own blocking libpq connection and
 * libcurl handle, so the event loop never waits on them and they never
 * touch libevent, the pool or a request.
 *
 * Every second (or at once after a busy round) a sender:
 *   1. closes batches: kaigi_outbox_close(notify_quiet_seconds) gathers
 *      each participant's changes that have been quiet long enough (one
 *      sender at a time: an advisory lock, the others skip);
 *   2. sends due batches by the claim (sql/270_outbox_claims.sql): in one
 *      transaction, kaigi_outbox_claim takes up to OUTBOX_CLAIM of them
 *      (FOR UPDATE SKIP LOCKED, so senders share the work and never send
 *      the same batch at the same time) and kaigi_outbox_mail_events reads
 *      their sessions as each participant's feed shows them, all in one
 *      query (sql/300_outbox_events_set.sql, with what happened to each,
 *      a registration confirmed or cancelled too: sql/420); the messages (mail.c, which
 *      renders a session's summary and VEVENT once per claim and reuses
 *      them for everyone who sees it alike: mail-cache.h) are delivered
 *      one after the other over the sender's SMTP
 *      connection; then kaigi_outbox_done marks in one statement the ones
 *      the server took with its 250 (curl_easy_perform's CURLE_OK, or the
 *      Maildir rename) as sent and the others as failed: retried after 1,
 *      2, 4... s (at most an hour), while the rest of the claim is marked.
 *      A server that does not answer at all ends the claim there (the rest
 *      stay due). Five statements per claim, not per message.
 * A crash (or a lost database connection) between a 250 and the COMMIT
 * sends again, same Message-ID: every batch of the claim delivered by then
 * goes out once more (at least once).
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
#include "smtp-tls.h"
#include "util.h"

#define OUTBOX_POLL_MS		1000
#define OUTBOX_MAX_BACKOFF	3600	/* seconds */
#define OUTBOX_SMTP_TIMEOUT	60	/* seconds per delivery */
#define OUTBOX_CLAIM		32	/* batches per claim (one transaction) */
#define OUTBOX_MAX_SENDERS	16	/* mail_senders' ceiling */

/* The sender's settings, copied at start. */
static struct {
	char		*smtp_url, *from, *maildir, *host, *ca_file;
	long		 tls;		/* CURLOPT_USE_SSL (smtp-tls.c) */
	int		 quiet, nsenders;
} ob;

/* The senders (mail_senders of them; set up by outbox_start). */
static struct sender ob_senders[OUTBOX_MAX_SENDERS];

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

/* A sender thread's libcurl handle, kept from one message to the next:
 * curl_easy_reset clears its options but keeps its live connection, so
 * consecutive messages go over one SMTP connection (MAIL FROM, RCPT, DATA
 * again) instead of a TCP connection, greeting, EHLO and QUIT each. A
 * connection the server has closed meanwhile is noticed by libcurl, which
 * connects again. One per thread; the thread frees it as it ends
 * (outbox_thread_done). */
static __thread CURL *ob_curl;

/* Deliver by SMTP; 0 after the server's 250, else -1 with *err when the
 * server refused (a 4xx/5xx reply), -2 when it did not answer at all
 * (connection refused or lost, timeout). */
static int
outbox_smtp(const char *to, const char *msg, char **err)
{
	CURL			*c;
	struct curl_slist	*rcpt = NULL;
	struct outbox_upload	 u = { msg, strlen(msg) };
	char			*from = xasprintf("<%s>", ob.from);
	char			*rto = xasprintf("<%s>", to);
	CURLcode		 rc;
	long			 code = 0;

	if (ob_curl == NULL && (ob_curl = curl_easy_init()) == NULL)
		fatal("curl_easy_init");
	c = ob_curl;
	curl_easy_reset(c);
	rcpt = curl_slist_append(rcpt, rto);
	curl_easy_setopt(c, CURLOPT_URL, ob.smtp_url);
	curl_easy_setopt(c, CURLOPT_USE_SSL, ob.tls);
	if (*ob.ca_file != '\0')
		curl_easy_setopt(c, CURLOPT_CAINFO, ob.ca_file);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, outbox_read);
	curl_easy_setopt(c, CURLOPT_READDATA, &u);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)OUTBOX_SMTP_TIMEOUT);
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		*err = code >= 400 ? xasprintf("smtp: %s (%ld)",
		    curl_easy_strerror(rc), code) :
		    xasprintf("smtp: %s", curl_easy_strerror(rc));
	}
	curl_slist_free_all(rcpt);
	free(from);
	free(rto);
	return rc == CURLE_OK ? 0 : code >= 400 ? -1 : -2;
}

/* mkdir path and the directories above it that are missing (mkdir -p),
 * the last with mode; 0 or -1. The default maildir, var/mail, is relative
 * to the working directory, which need not hold var/ yet. */
static int
outbox_mkdirs(const char *path, mode_t mode)
{
	char	*p, *s;
	int	 rc = 0;

	if (*path == '\0')
		return -1;
	p = xstrdup(path);
	for (s = p + 1; rc == 0 && (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	if (rc == 0 && mkdir(p, mode) != 0 && errno != EEXIST)
		rc = -1;
	free(p);
	return rc;
}

/* mkdir dir (and what is missing above it) and its tmp/, new/, cur/;
 * 0 or -1. */
static int
outbox_maildir_make(void)
{
	static const char	*sub[] = { "/tmp", "/new", "/cur" };
	char			*p;
	size_t			 i;
	int			 rc = outbox_mkdirs(ob.maildir, 0700);

	for (i = 0; i < 3 && rc == 0; i++) {
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

/* Rows first..first+n-1 of kaigi_outbox_mail_events (each led by its batch
 * id) as mail events (caller frees). */
static struct mail_event *
outbox_events(const PGresult *r, int first, int n)
{
	struct mail_event	*ev = xcalloc((size_t)n + 1, sizeof *ev);
	struct ical_event	*e;
	int			 i, k;

	for (k = 0; k < n; k++) {
		i = first + k;
		e = &ev[k].now;
		e->id = atoll(PQgetvalue(r, i, 1));
		e->kind = outbox_col(r, i, 2);
		e->title = PQgetvalue(r, i, 3);
		e->description = outbox_col(r, i, 4);
		e->room = outbox_col(r, i, 5);
		e->venue = outbox_col(r, i, 6);
		e->start = atoll(PQgetvalue(r, i, 7));
		e->end = atoll(PQgetvalue(r, i, 8));
		e->status = outbox_status(PQgetvalue(r, i, 9));
		e->sequence = atoi(PQgetvalue(r, i, 10));
		e->created = atoll(PQgetvalue(r, i, 11));
		e->updated = atoll(PQgetvalue(r, i, 12));
		ev[k].was_start = atoll(PQgetvalue(r, i, 13));
		ev[k].was_end = atoll(PQgetvalue(r, i, 14));
		ev[k].was_room = outbox_col(r, i, 15);
		ev[k].was_title = PQgetvalue(r, i, 16);
		ev[k].change = outbox_col(r, i, 17);
	}
	return ev;
}

/* A claim: the batches one transaction holds (kaigi_outbox_claim), their
 * events (kaigi_outbox_mail_events, in the same order), and what became of
 * each: sent (with its Message-ID) or failed (with the error). Ids are
 * borrowed from batches; message ids and errors are the claim's. */
struct outbox_claim {
	PGresult	*batches, *events;
	int		 next_event;	/* first events row not yet delivered */
	struct mail_cache *cache;	/* text rendered for the claim's messages */
	char		*sent[OUTBOX_CLAIM], *mids[OUTBOX_CLAIM];
	char		*failed[OUTBOX_CLAIM], *errors[OUTBOX_CLAIM];
	size_t		 nsent, nfailed;
};

/* Build and deliver batch row i of the claim (its events: the rows from
 * next_event on that carry its id). 0 once delivered (an empty batch, its
 * sessions gone from the participant's feed, counts as delivered), -1 if
 * refused or not built, -2 if the server did not answer; *err on failure. */
static int
outbox_deliver(struct outbox_claim *cl, int i, char **mid, char **err)
{
	const PGresult		*r = cl->batches;
	const char		*id = PQgetvalue(r, i, 0);
	struct mail_event	*ev;
	struct mail_batch	 b;
	char			*msg = NULL;
	int			 first = cl->next_event, n = 0, rc = -1;

	while (first + n < PQntuples(cl->events) &&
	    strcmp(PQgetvalue(cl->events, first + n, 0), id) == 0)
		n++;
	cl->next_event = first + n;
	ev = outbox_events(cl->events, first, n);
	memset(&b, 0, sizeof b);
	b.batch_id = atoll(id);
	b.from = ob.from;
	b.to_name = PQgetvalue(r, i, 2);
	b.to_addr = PQgetvalue(r, i, 3);
	b.conference = PQgetvalue(r, i, 5);
	b.zone = PQgetvalue(r, i, 6);
	b.host = ob.host;
	b.date = time(NULL);
	b.ev = ev;
	b.n = (size_t)n;
	b.cache = cl->cache;
	if (b.n == 0)
		rc = 0;
	else if (mail_build(&b, &msg, mid, err) == 0)
		rc = *ob.smtp_url != '\0' ? outbox_smtp(b.to_addr, msg, err) :
		    outbox_maildir(b.batch_id, msg, err);
	free(msg);
	free(ev);
	return rc;
}

/* Deliver the claim's batches one after the other on the sender's SMTP
 * connection, noting each as sent or failed. Stops early when the server
 * did not answer (the rest stay due, for the next claim) or when the
 * sender is asked to stop. */
static void
outbox_deliver_all(struct outbox_claim *cl)
{
	const char	*id;
	char		*mid, *err;
	int		 i, rc = 0;

	for (i = 0; i < PQntuples(cl->batches) && rc != -2 &&
	    !sender_stopping(sender_self()); i++) {
		id = PQgetvalue(cl->batches, i, 0);
		mid = err = NULL;
		if ((rc = outbox_deliver(cl, i, &mid, &err)) == 0) {
			cl->sent[cl->nsent] = (char *)id;
			cl->mids[cl->nsent++] = mid != NULL ? mid : xstrdup("");
			log_info("mail: batch %s delivered (%s) as %s", id,
			    *ob.smtp_url != '\0' ? "SMTP" : "Maildir",
			    cl->mids[cl->nsent - 1]);
			continue;
		}
		if (err == NULL)
			err = xstrdup("not delivered");
		log_warn("mail: batch %s: %s (attempt %d)", id, err,
		    atoi(PQgetvalue(cl->batches, i, 1)) + 1);
		cl->failed[cl->nfailed] = (char *)id;
		cl->errors[cl->nfailed++] = err;
		free(mid);
	}
}

/* A PostgreSQL array literal of v[0..n-1]: {"a","b"}, every element
 * quoted, with " and \ escaped (so any text is one element). */
static char *
outbox_array(char *const *v, size_t n)
{
	FILE		*f;
	char		*out;
	const char	*p;
	size_t		 len, i;

	if ((f = open_memstream(&out, &len)) == NULL)
		fatal("open_memstream");
	fputc('{', f);
	for (i = 0; i < n; i++) {
		fputs(i > 0 ? ",\"" : "\"", f);
		for (p = v[i]; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				fputc('\\', f);
			fputc(*p, f);
		}
		fputc('"', f);
	}
	fputc('}', f);
	fclose(f);
	return out;
}

/* Mark the claim's batches in one statement: sent, or failed (retried
 * after 1, 2, 4... s, at most OUTBOX_MAX_BACKOFF); 0 or -1. */
static int
outbox_mark(PGconn *c, const struct outbox_claim *cl)
{
	char		*a[4], backoff[16];
	const char	*p[5];
	int		 rc, i;

	a[0] = outbox_array(cl->sent, cl->nsent);
	a[1] = outbox_array(cl->mids, cl->nsent);
	a[2] = outbox_array(cl->failed, cl->nfailed);
	a[3] = outbox_array(cl->errors, cl->nfailed);
	snprintf(backoff, sizeof backoff, "%d", OUTBOX_MAX_BACKOFF);
	for (i = 0; i < 4; i++)
		p[i] = a[i];
	p[4] = backoff;
	rc = sender_run(sender_self(), c,
	    "SELECT kaigi_outbox_done($1, $2, $3, $4, $5)", 5, p);
	for (i = 0; i < 4; i++)
		free(a[i]);
	return rc;
}

static void
outbox_claim_free(struct outbox_claim *cl)
{
	size_t	i;

	for (i = 0; i < cl->nsent; i++)
		free(cl->mids[i]);
	for (i = 0; i < cl->nfailed; i++)
		free(cl->errors[i]);
	PQclear(cl->batches);
	PQclear(cl->events);
	mail_cache_free(cl->cache);
}

/* The claim's batch ids as an array literal. */
static char *
outbox_claim_ids(const PGresult *r)
{
	char	*v[OUTBOX_CLAIM];
	int	 i;

	for (i = 0; i < PQntuples(r) && i < OUTBOX_CLAIM; i++)
		v[i] = PQgetvalue(r, i, 0);
	return outbox_array(v, (size_t)i);
}

/* One claim, in one transaction: take up to OUTBOX_CLAIM due batches,
 * read their events, deliver them, mark them, commit. 1 if there were
 * batches, 0 if none were due, -1 on a database error (the transaction is
 * lost with the connection's reset: its batches stay unsent, to be sent
 * again with the same Message-IDs). */
static int
outbox_send_claim(PGconn *c)
{
	struct sender		*s = sender_self();
	struct outbox_claim	 cl;
	char			 limit[16], *ids;
	const char		*p = limit;
	int			 rc = -1;

	memset(&cl, 0, sizeof cl);
	snprintf(limit, sizeof limit, "%d", OUTBOX_CLAIM);
	if (sender_run(s, c, "BEGIN", 0, NULL) != 0 ||
	    (cl.batches = sender_exec(s, c,
	    "SELECT * FROM kaigi_outbox_claim($1)", 1, &p)) == NULL)
		return -1;
	if (PQntuples(cl.batches) == 0) {
		PQclear(cl.batches);
		return sender_run(s, c, "COMMIT", 0, NULL) == 0 ? 0 : -1;
	}
	p = ids = outbox_claim_ids(cl.batches);
	cl.events = sender_exec(s, c, "SELECT * FROM kaigi_outbox_mail_events($1)",
	    1, &p);
	free(ids);
	if (cl.events != NULL) {
		cl.cache = mail_cache_new();
		outbox_deliver_all(&cl);
		if ((rc = outbox_mark(c, &cl)) == 0)
			rc = sender_run(s, c, "COMMIT", 0, NULL);
	}
	outbox_claim_free(&cl);
	return rc == 0 ? 1 : -1;
}

/* One round: close quiet batches, send what is due; -1 on a db error. */
static int
outbox_round(PGconn *c)
{
	struct sender	*s = sender_self();
	char		 quiet[16];
	const char	*p = quiet;
	int		 rc;

	snprintf(quiet, sizeof quiet, "%d", ob.quiet);
	if (sender_run(s, c, "SELECT kaigi_outbox_close($1)", 1, &p) != 0)
		return -1;
	while ((rc = outbox_send_claim(c)) == 1 && !sender_stopping(s))
		;
	return rc < 0 ? -1 : 0;
}

/* The end of a sender thread: its libcurl handle (and connection). */
static void
outbox_thread_done(void)
{
	if (ob_curl != NULL)
		curl_easy_cleanup(ob_curl);
	ob_curl = NULL;
}

/* Start mail_senders sender threads with a copy of the settings. */
void
outbox_start(void)
{
	struct sender	*s;
	int		 i;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		fatal("curl_global_init");
	/* libical fills its table of built-in zones on first use, unlocked:
	 * do it here, on the loop thread, before the sender can race it. */
	(void)ical_zone_valid("Etc/UTC");
	ob.smtp_url = xstrdup(cfg->smtp_url != NULL ? cfg->smtp_url : "");
	ob.tls = smtp_tls_level(cfg->smtp_tls, ob.smtp_url);
	ob.ca_file = xstrdup(cfg->smtp_ca_file != NULL ? cfg->smtp_ca_file : "");
	ob.from = xstrdup(cfg->mail_from);
	ob.maildir = xstrdup(cfg->maildir);
	ob.host = outbox_host();
	ob.quiet = cfg->notify_quiet_seconds;
	ob.nsenders = cfg->mail_senders < 1 ? 1 :
	    cfg->mail_senders > OUTBOX_MAX_SENDERS ? OUTBOX_MAX_SENDERS :
	    cfg->mail_senders;
	for (i = 0; i < ob.nsenders; i++) {
		s = &ob_senders[i];
		memset(s, 0, sizeof *s);
		s->name = "mail";
		s->poll_ms = OUTBOX_POLL_MS;
		s->round = outbox_round;
		s->done = outbox_thread_done;
		pthread_mutex_init(&s->mu, NULL);
		pthread_cond_init(&s->cv, NULL);
		sender_start(s);
	}
}

/* Stop the senders (all asked at once) and wait for them. */
void
outbox_stop(void)
{
	int	i;

	for (i = 0; i < ob.nsenders; i++)
		sender_ask_stop(&ob_senders[i]);
	for (i = 0; i < ob.nsenders; i++) {
		sender_stop(&ob_senders[i]);
		pthread_mutex_destroy(&ob_senders[i].mu);
		pthread_cond_destroy(&ob_senders[i].cv);
	}
	ob.nsenders = 0;
	free(ob.smtp_url);
	free(ob.ca_file);
	free(ob.from);
	free(ob.maildir);
	free(ob.host);
	ob.smtp_url = ob.from = ob.maildir = ob.host = NULL;
	curl_global_cleanup();
}
