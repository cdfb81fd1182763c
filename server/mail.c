/*
 * mail.c — one change mail per participant and batch (issue 18):
 *
 *	multipart/alternative
 *	    text/plain		what changed, from when to when, where
 *	    text/html		the same as a list
 *	    text/calendar; method=REQUEST	the changed sessions (if any)
 *	    text/calendar; method=CANCEL	the cancelled ones (if any)
 *
 * The calendar parts are ical.c's rendering of the sessions as the
 * participant's feed shows them (same UID, SEQUENCE, DTSTAMP), with METHOD,
 * ORGANIZER (mail_from) and ATTENDEE (the participant) added. Parts are
 * UTF-8 with 8bit transfer encoding (every line well under 998 octets);
 * the Subject is an RFC 2047 encoded word. Times are written in the
 * conference's zone by libical, never through TZ.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>
#include <openssl/evp.h>

#include "mail.h"
#include "util.h"

/* Message-ID of a batch. */
char *
mail_message_id(long long batch_id, const char *host)
{
	return xasprintf("<kaigi-batch-%lld@%s>", batch_id, host);
}

/* Wall-clock "Tue 2026-06-02 09:00" of t in zone. */
static void
mail_when(char *buf, size_t len, time_t t, const char *zone)
{
	static const char	*days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	icaltimezone		*z = icaltimezone_get_builtin_timezone(zone);
	struct icaltimetype	 tt;

	if (z == NULL)
		z = icaltimezone_get_utc_timezone();
	tt = icaltime_from_timet_with_zone(t, 0, z);
	snprintf(buf, len, "%s %04d-%02d-%02d %02d:%02d",
	    days[icaltime_day_of_week(tt) - 1], tt.year, tt.month, tt.day,
	    tt.hour, tt.minute);
}

/* "Tue 2026-06-02 09:00–10:00, Room" (the end's date when it differs). */
static char *
mail_slot(time_t start, time_t end, const char *room, const char *zone)
{
	char	a[40], b[40];
	size_t	same = 15;	/* "Tue 2026-06-02 " */

	mail_when(a, sizeof a, start, zone);
	mail_when(b, sizeof b, end, zone);
	return xasprintf("%s–%s%s%s", a, strncmp(a, b, same) == 0 ? b + same : b,
	    room != NULL ? ", " : "", room != NULL ? room : "");
}

/* What happened to a session, in one word. */
static const char *
mail_verb(const struct mail_event *e)
{
	if (e->now.status == ICAL_EVENT_CANCELLED)
		return "Cancelled";
	if (e->now.start != e->was_start || e->now.end != e->was_end)
		return "Moved";
	if ((e->was_room == NULL) != (e->now.room == NULL) ||
	    (e->was_room != NULL && strcmp(e->was_room, e->now.room) != 0))
		return "Room changed";
	if (strcmp(e->was_title, e->now.title) != 0)
		return "Retitled";
	return "Changed";
}

/* Text with &, <, > and " escaped for HTML. */
static void
mail_html_text(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\r': break;
		default: fputc(*s, f);
		}
	}
}

/* One line pair of the summary for e, into f (html: escaped, as <li>). */
static void
mail_summary(FILE *f, const struct mail_event *e, const char *zone, int html)
{
	char	*was = mail_slot(e->was_start, e->was_end, e->was_room, zone);
	char	*now = mail_slot(e->now.start, e->now.end, e->now.room, zone);
	char	*t[4];
	int	 i;

	t[0] = (char *)mail_verb(e);
	t[1] = (char *)e->now.title;
	t[2] = was;
	t[3] = now;
	if (html) {
		fputs("<li>", f);
		for (i = 0; i < 4; i++) {
			fputs(i == 0 ? "<b>" : i == 2 ? "<br>was: " :
			    i == 3 ? "<br>now: " : "", f);
			mail_html_text(f, t[i]);
			fputs(i == 0 ? ":</b> " : "", f);
		}
		fputs("</li>\r\n", f);
	} else if (e->now.status == ICAL_EVENT_CANCELLED)
		fprintf(f, "%s: %s\r\n  was: %s\r\n\r\n", t[0], t[1], was);
	else
		fprintf(f, "%s: %s\r\n  was: %s\r\n  now: %s\r\n\r\n", t[0], t[1],
		    was, now);
	free(was);
	free(now);
}

/* RFC 2047 encoded word (UTF-8, base64) of s. */
static char *
mail_encoded_word(const char *s)
{
	size_t		 len = strlen(s);
	unsigned char	*b64 = xmalloc(4 * ((len + 2) / 3) + 1);
	char		*out;

	EVP_EncodeBlock(b64, (const unsigned char *)s, (int)len);
	out = xasprintf("=?UTF-8?B?%s?=", b64);
	free(b64);
	return out;
}

/* A display name as a quoted string (quotes, backslashes, CR/LF dropped). */
static char *
mail_quoted(const char *s)
{
	char	*out = xmalloc(strlen(s) + 1), *o = out;

	for (; *s != '\0'; s++)
		if (*s != '"' && *s != '\\' && *s != '\r' && *s != '\n')
			*o++ = *s;
	*o = '\0';
	return out;
}

/* The headers, up to and including the blank line. */
static void
mail_headers(FILE *f, const struct mail_batch *b, const char *message_id)
{
	char		 date[64], *subject, *name, *text;
	struct tm	 tm;

	gmtime_r(&b->date, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	text = b->n == 1 ? xasprintf("%s: %s: %s", b->conference,
	    mail_verb(&b->ev[0]), b->ev[0].now.title) :
	    xasprintf("%s: %s: %s (and %zu more)", b->conference,
	    mail_verb(&b->ev[0]), b->ev[0].now.title, b->n - 1);
	subject = mail_encoded_word(text);
	name = mail_quoted(b->to_name);
	fprintf(f, "From: %s\r\nTo: \"%s\" <%s>\r\nSubject: %s\r\n"
	    "Date: %s\r\nMessage-ID: %s\r\nMIME-Version: 1.0\r\n"
	    "Auto-Submitted: auto-generated\r\n"
	    "Content-Type: multipart/alternative; boundary=\"=_kaigi_%lld\"\r\n"
	    "\r\n", b->from, name, b->to_addr, subject, date, message_id,
	    b->batch_id);
	free(text);
	free(subject);
	free(name);
}

/* The text and HTML parts. */
static void
mail_texts(FILE *f, const struct mail_batch *b)
{
	size_t	i;

	fprintf(f, "--=_kaigi_%lld\r\nContent-Type: text/plain; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n\r\n", b->batch_id);
	fprintf(f, "Schedule changes for %s (times in %s):\r\n\r\n",
	    b->conference, b->zone);
	for (i = 0; i < b->n; i++)
		mail_summary(f, &b->ev[i], b->zone, 0);
	fprintf(f, "--=_kaigi_%lld\r\nContent-Type: text/html; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n\r\n<!DOCTYPE html>\r\n"
	    "<html><body>\r\n<p>Schedule changes for ", b->batch_id);
	mail_html_text(f, b->conference);
	fprintf(f, " (times in %s):</p>\r\n<ul>\r\n", b->zone);
	for (i = 0; i < b->n; i++)
		mail_summary(f, &b->ev[i], b->zone, 1);
	fputs("</ul>\r\n</body></html>\r\n", f);
}

/* The iMIP part of the events that are (cancel) or are not cancelled. */
static int
mail_calendar(FILE *f, const struct mail_batch *b, int cancel, char **cause)
{
	struct ical_event	*ev = xcalloc(b->n, sizeof *ev);
	struct ical_cal		 cal;
	struct ical_imip	 im = { cancel, b->from, b->to_addr };
	struct ical_feed	 out;
	size_t			 i, n = 0;
	int			 rc = 0;

	for (i = 0; i < b->n; i++)
		if ((b->ev[i].now.status == ICAL_EVENT_CANCELLED) == cancel)
			ev[n++] = b->ev[i].now;
	memset(&cal, 0, sizeof cal);
	cal.name = b->conference;
	cal.zone = b->zone;
	cal.host = b->host;
	if (n > 0 && (rc = ical_render_imip(&cal, ev, n, &im, &out, cause)) == 0) {
		fprintf(f, "--=_kaigi_%lld\r\nContent-Type: text/calendar; "
		    "charset=UTF-8; method=%s\r\nContent-Transfer-Encoding: 8bit"
		    "\r\n\r\n%s", b->batch_id, cancel ? "CANCEL" : "REQUEST",
		    out.data);
		ical_feed_free(&out);
	}
	free(ev);
	return rc;
}

/* 1 if s may stand in a header and an SMTP command as <s>: one @ neither
 * first nor last, no space, control character or <>"(),;:\ (so never a
 * header or command injection, whatever the database holds). */
int
mail_address_ok(const char *s)
{
	const char	*at = strchr(s, '@'), *p;

	if (at == NULL || at == s || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL || strlen(s) > 254)
		return 0;
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f ||
		    strchr("<>\"(),;:\\", *p) != NULL)
			return 0;
	return 1;
}

/* The whole message; 0, or -1 with *cause. */
int
mail_build(const struct mail_batch *b, char **out, char **message_id,
    char **cause)
{
	FILE	*f;
	size_t	 len;
	int	 rc;

	*out = *message_id = NULL;
	if (!mail_address_ok(b->from) || !mail_address_ok(b->to_addr)) {
		*cause = xasprintf("not an e-mail address: %s",
		    mail_address_ok(b->from) ? "the participant's" : "mail_from");
		return -1;
	}
	*message_id = mail_message_id(b->batch_id, b->host);
	if ((f = open_memstream(out, &len)) == NULL)
		fatal("open_memstream");
	mail_headers(f, b, *message_id);
	mail_texts(f, b);
	rc = mail_calendar(f, b, 0, cause);
	if (rc == 0)
		rc = mail_calendar(f, b, 1, cause);
	fprintf(f, "--=_kaigi_%lld--\r\n", b->batch_id);
	fclose(f);
	if (rc != 0) {
		free(*out);
		free(*message_id);
		*out = *message_id = NULL;
	}
	return rc;
}
