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
 *
 * A sender writes the same sessions to many people (a plenary moved: the
 * same event for 20,000), so the text is made in pieces (ical.h, "iMIP in
 * pieces") kept in the batch's cache (mail-cache.h, one per claim): each
 * session's summary lines and VEVENT, each calendar head, under a key of
 * everything they are made from; a message adds its headers, its
 * recipient's ATTENDEE line and the closing lines. The bytes are those of
 * rendering each message alone (tests/unit/test_mail.c).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>
#include <openssl/evp.h>

#include "mail-cache.h"
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

/* What happened to a session, in a word or two. */
static const char *
mail_verb(const struct mail_event *e)
{
	const char	*c = e->change != NULL ? e->change : "changed";

	if (strcmp(c, "removed") == 0)
		return "Registration cancelled";
	if (strcmp(c, "uninvited") == 0)
		return "No longer attending";
	if (strcmp(c, "hidden") == 0)
		return "No longer in your programme";
	if (strcmp(c, "invited") == 0 && e->now.status != ICAL_EVENT_CANCELLED)
		return "Invitation";
	if (strcmp(c, "shown") == 0 && e->now.status != ICAL_EVENT_CANCELLED)
		return "Back in your programme";
	if (e->now.status == ICAL_EVENT_CANCELLED)
		return "Cancelled";
	if (strcmp(c, "confirmed") == 0)
		return "Registration confirmed";
	if (e->now.start != e->was_start || e->now.end != e->was_end)
		return "Moved";
	if ((e->was_room == NULL) != (e->now.room == NULL) ||
	    (e->was_room != NULL && strcmp(e->was_room, e->now.room) != 0))
		return "Room changed";
	if (strcmp(e->was_title, e->now.title) != 0)
		return "Retitled";
	return "Changed";
}

/*
 * An invitation to a session that is not cancelled, or one shown again
 * (sql/700): said once, as it is.
 */
static int
mail_is_new(const struct mail_event *e)
{
	return e->change != NULL && (strcmp(e->change, "invited") == 0 ||
	    strcmp(e->change, "shown") == 0) &&
	    e->now.status != ICAL_EVENT_CANCELLED;
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
			if (i == 2 && mail_is_new(e))
				continue;	/* nothing was */
			fputs(i == 0 ? "<b>" : i == 2 ? "<br>was: " :
			    i == 3 ? (mail_is_new(e) ? "<br>when: " :
			    "<br>now: ") : "", f);
			mail_html_text(f, t[i]);
			fputs(i == 0 ? ":</b> " : "", f);
		}
		fputs("</li>\r\n", f);
	} else if (e->now.status == ICAL_EVENT_CANCELLED)
		fprintf(f, "%s: %s\r\n  was: %s\r\n\r\n", t[0], t[1], was);
	else if (mail_is_new(e))
		fprintf(f, "%s: %s\r\n  when: %s\r\n\r\n", t[0], t[1], now);
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

/* The text and HTML parts: each event's lines from its piece. */
static void
mail_texts(FILE *f, const struct mail_batch *b, struct mail_piece **pc)
{
	size_t	i;

	fprintf(f, "--=_kaigi_%lld\r\nContent-Type: text/plain; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n\r\n", b->batch_id);
	fprintf(f, "Schedule changes for %s (times in %s):\r\n\r\n",
	    b->conference, b->zone);
	for (i = 0; i < b->n; i++)
		fputs(pc[i]->text[MAIL_PIECE_TEXT], f);
	fprintf(f, "--=_kaigi_%lld\r\nContent-Type: text/html; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n\r\n<!DOCTYPE html>\r\n"
	    "<html><body>\r\n<p>Schedule changes for ", b->batch_id);
	mail_html_text(f, b->conference);
	fprintf(f, " (times in %s):</p>\r\n<ul>\r\n", b->zone);
	for (i = 0; i < b->n; i++)
		fputs(pc[i]->text[MAIL_PIECE_HTML], f);
	fputs("</ul>\r\n</body></html>\r\n", f);
}

/* Append s to a key: its length and bytes, or ~ for NULL (so no two
 * different inputs give one key). */
static void
mail_key_str(FILE *f, const char *s)
{
	if (s == NULL)
		fputc('~', f);
	else
		fprintf(f, "%zu:%s", strlen(s), s);
}

/* The cache entry of everything e's texts are made from, as b shows it:
 * its summary lines (made here if new); its VEVENT is made on first use. */
static struct mail_piece *
mail_piece_of(const struct mail_batch *b, struct mail_cache *mc,
    const struct mail_event *e)
{
	const struct ical_event	*v = &e->now;
	const char		*s[] = { b->zone, b->host, b->from, v->kind,
	    v->title, v->description, v->room, v->venue, v->title_lang,
	    v->description_lang, v->busy_uid, v->note, v->links, e->was_room,
	    e->was_title, e->change };
	long long		 n[] = { v->id, v->start, v->end, v->status,
	    v->sequence, v->created, v->updated, v->reserved, v->confidential,
	    e->was_start, e->was_end };
	struct mail_piece	*p;
	FILE			*f;
	char			*key;
	size_t			 len, i;
	int			 made;

	if ((f = open_memstream(&key, &len)) == NULL)
		fatal("open_memstream");
	fputc('E', f);
	for (i = 0; i < sizeof s / sizeof s[0]; i++)
		mail_key_str(f, s[i]);
	for (i = 0; i < sizeof n / sizeof n[0]; i++)
		fprintf(f, "%lld;", n[i]);
	fclose(f);
	p = mail_cache_get(mc, key, len, &made);
	free(key);
	for (i = 0; made && i < 2; i++) {
		if ((f = open_memstream(&p->text[i], &len)) == NULL)
			fatal("open_memstream");
		mail_summary(f, e, b->zone, i == MAIL_PIECE_HTML);
		fclose(f);
	}
	return p;
}

/* The calendar's head for b's events from first on (METHOD by cancel),
 * from the cache; NULL with *cause if it cannot be made. */
static const char *
mail_head(const struct mail_batch *b, struct mail_cache *mc, int cancel,
    time_t first, char **cause)
{
	struct ical_cal		 cal = { b->conference, b->zone, b->host, NULL, NULL };
	struct mail_piece	*p;
	FILE			*f;
	char			*key;
	size_t			 len;
	int			 made;

	first = first < 0 ? first : 0;	/* all that ical.c's cut depends on */
	if ((f = open_memstream(&key, &len)) == NULL)
		fatal("open_memstream");
	fputc('H', f);
	mail_key_str(f, b->conference);
	mail_key_str(f, b->zone);
	mail_key_str(f, b->host);
	fprintf(f, "%d;%lld;", cancel, (long long)first);
	fclose(f);
	p = mail_cache_get(mc, key, len, &made);
	free(key);
	if (p->text[0] == NULL &&
	    ical_imip_head(&cal, cancel, first, &p->text[0], cause) != 0)
		return NULL;
	return p->text[0];
}

/* The VEVENT of e (up to its ORGANIZER), from its piece; NULL with *cause
 * if it cannot be made. */
static const char *
mail_vevent(const struct mail_batch *b, struct mail_piece *p,
    const struct ical_event *e, char **cause)
{
	struct ical_cal	cal = { b->conference, b->zone, b->host, NULL, NULL };

	if (p->text[MAIL_PIECE_VEVENT] == NULL && ical_imip_event(&cal, e,
	    b->from, &p->text[MAIL_PIECE_VEVENT], cause) != 0)
		return NULL;
	return p->text[MAIL_PIECE_VEVENT];
}

/* The iMIP part of the events that are (cancel) or are not cancelled:
 * the cached head and VEVENTs, each with the participant's ATTENDEE line
 * (ical.h, "iMIP in pieces"). 0, or -1 with *cause. */
static int
mail_calendar(FILE *f, const struct mail_batch *b, struct mail_cache *mc,
    struct mail_piece **pc, int cancel, const char *attendee, char **cause)
{
	const struct ical_event	**order = xcalloc(b->n, sizeof *order);
	const char		 *head = NULL, *ve = "";
	size_t			  i, k, n = 0;

	for (i = 0; i < b->n; i++)
		if ((b->ev[i].now.status == ICAL_EVENT_CANCELLED) == cancel)
			order[n++] = &b->ev[i].now;
	ical_event_order(order, n);
	if (n > 0 && (head = mail_head(b, mc, cancel, order[0]->start, cause)) != NULL)
		fprintf(f, "--=_kaigi_%lld\r\nContent-Type: text/calendar; "
		    "charset=UTF-8; method=%s\r\nContent-Transfer-Encoding: 8bit"
		    "\r\n\r\n%s", b->batch_id, cancel ? "CANCEL" : "REQUEST", head);
	for (k = 0; head != NULL && ve != NULL && k < n; k++) {
		/* the event's place in b->ev, for its piece */
		i = (size_t)((const struct mail_event *)((const char *)order[k] -
		    offsetof(struct mail_event, now)) - b->ev);
		if ((ve = mail_vevent(b, pc[i], order[k], cause)) != NULL)
			fprintf(f, "%s%sEND:VEVENT\r\n", ve, attendee);
	}
	if (head != NULL && ve != NULL)
		fputs("END:VCALENDAR\r\n", f);
	free(order);
	return n == 0 || (head != NULL && ve != NULL) ? 0 : -1;
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

/* The parts after the headers, from the pieces of b's events in mc. */
static int
mail_body(FILE *f, const struct mail_batch *b, struct mail_cache *mc,
    char **cause)
{
	struct mail_piece	**pc = xcalloc(b->n + 1, sizeof *pc);
	char			 *attendee = ical_imip_attendee(b->to_addr);
	size_t			  i;
	int			  rc;

	for (i = 0; i < b->n; i++)
		pc[i] = mail_piece_of(b, mc, &b->ev[i]);
	mail_texts(f, b, pc);
	rc = mail_calendar(f, b, mc, pc, 0, attendee, cause);
	if (rc == 0)
		rc = mail_calendar(f, b, mc, pc, 1, attendee, cause);
	fprintf(f, "--=_kaigi_%lld--\r\n", b->batch_id);
	free(attendee);
	free(pc);
	return rc;
}

/* The whole message; 0, or -1 with *cause. */
int
mail_build(const struct mail_batch *b, char **out, char **message_id,
    char **cause)
{
	struct mail_cache	*own = NULL;
	FILE			*f;
	size_t			 len;
	int			 rc;

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
	rc = mail_body(f, b, b->cache != NULL ? b->cache :
	    (own = mail_cache_new()), cause);
	fclose(f);
	mail_cache_free(own);
	if (rc != 0) {
		free(*out);
		free(*message_id);
		*out = *message_id = NULL;
	}
	return rc;
}
