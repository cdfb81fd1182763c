/*
 * test_mail.c — mail_build() (mail.c): one change mail as bytes. Headers
 * (Message-ID per batch, RFC 2047 Subject, From/To), CRLF line ends, the
 * text and HTML summaries (HTML escaped), a REQUEST part for a move and a
 * CANCEL part for a cancellation with the feed's UID and SEQUENCE, and
 * addresses that could inject a header or an SMTP command refused.
 * Rendering in pieces (ical.h, "iMIP in pieces"; mail-cache.h): the iMIP
 * parts are ical_render_imip's text byte for byte (folded ATTENDEE and
 * SUMMARY lines, UTF-8, both methods), and messages built with one shared
 * cache are the bytes of messages built alone: a confidential session one
 * participant sees never reaches another who does not, whatever was
 * rendered before, and each message names its own ATTENDEE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ical.h"
#include "mail-cache.h"
#include "mail.h"

static int	n, failed;

/* One TAP line. */
static void
check(int cond, const char *what)
{
	n++;
	if (!cond)
		failed++;
	printf("%sok %d - %s\n", cond ? "" : "not ", n, what);
}

/* 1 if every LF of s follows a CR. */
static int
crlf_only(const char *s)
{
	const char	*p;

	for (p = strchr(s, '\n'); p != NULL; p = strchr(p + 1, '\n'))
		if (p == s || p[-1] != '\r')
			return 0;
	return 1;
}

/* Two sessions of Tokyo: one moved (and retitled with markup), one cancelled. */
static void
sample(struct mail_event ev[2], struct mail_batch *b)
{
	memset(ev, 0, 2 * sizeof ev[0]);
	ev[0].now = (struct ical_event){ 7, "press", "Press <b>& Q</b>", NULL,
	    "Press Room", "Venue", 1682845200, 1682847600,
	    ICAL_EVENT_CONFIRMED, 3, 1682000000, 1682800000, 0, NULL, NULL, 0, NULL, NULL, NULL };
	ev[0].was_start = 1682838000;	/* 2023-04-30 16:00 +09 */
	ev[0].was_end = 1682840400;
	ev[0].was_room = "Press Room";
	ev[0].was_title = "Press <b>& Q</b>";
	ev[1].now = (struct ical_event){ 9, "plenary", "Internet Governance",
	    NULL, "Hall", NULL, 1682751600, 1682757000, ICAL_EVENT_CANCELLED,
	    1, 1682000000, 1682800000, 0, NULL, NULL, 0, NULL, NULL, NULL };
	ev[1].was_start = ev[1].now.start;
	ev[1].was_end = ev[1].now.end;
	ev[1].was_room = "Hall";
	ev[1].was_title = "Internet Governance";
	memset(b, 0, sizeof *b);
	*b = (struct mail_batch){ 42, "secretariat@kaigi.example", "Kono \"Taro\"",
	    "kono@example.org", "G7 Digital 2023", "Asia/Tokyo", "kaigi.example",
	    1682900000, ev, 2, NULL };
}


/* The iMIP part of msg with the method (its text up to the next boundary;
 * caller frees), or NULL. */
static char *
part_of(const char *msg, const char *method)
{
	char		 head[128];
	const char	*p, *end;

	snprintf(head, sizeof head, "method=%s\r\nContent-Transfer-Encoding: 8bit"
	    "\r\n\r\n", method);
	if ((p = strstr(msg, head)) == NULL)
		return NULL;
	p += strlen(head);
	if ((end = strstr(p, "--=_kaigi_")) == NULL)
		return NULL;
	return strndup(p, (size_t)(end - p));
}

/* 1 if the iMIP part of b's message with the method is what ical.c renders
 * for b's events of it as a whole (none: neither has one). */
static int
same_as_whole(const struct mail_batch *b, const char *msg, int cancel)
{
	struct ical_event	 ev[8];
	struct ical_cal		 cal = { b->conference, b->zone, b->host, NULL, NULL };
	struct ical_imip	 im = { cancel, b->from, b->to_addr };
	struct ical_feed	 out;
	char			*part = part_of(msg, cancel ? "CANCEL" : "REQUEST"), *cause;
	size_t			 i, k = 0;
	int			 same;

	for (i = 0; i < b->n && k < 8; i++)
		if ((b->ev[i].now.status == ICAL_EVENT_CANCELLED) == cancel)
			ev[k++] = b->ev[i].now;
	if (k == 0) {
		free(part);
		return part == NULL;
	}
	if (ical_render_imip(&cal, ev, k, &im, &out, &cause) != 0)
		return 0;
	same = part != NULL && strcmp(part, out.data) == 0;
	if (!same)
		printf("# pieces:\n%s\n# whole:\n%s\n", part ? part : "(none)", out.data);
	ical_feed_free(&out);
	free(part);
	return same;
}

/* The message of b built alone (a cache for it only); caller frees. */
static char *
alone(const struct mail_batch *b)
{
	struct mail_batch	 c = *b;
	char			*msg = NULL, *mid = NULL, *cause = NULL;

	c.cache = NULL;
	mail_build(&c, &msg, &mid, &cause);
	free(mid);
	free(cause);
	return msg;
}

/* A participant's batch with a long address and a long UTF-8 title (both
 * folded), then two with one cache: a party, who sees the confidential
 * session and the plenary, and a non-party, who sees the plenary only. */
static void
pieces(void)
{
	struct mail_event	 ev[3], pv[2];
	struct mail_batch	 b, party, other;
	struct mail_cache	*mc = mail_cache_new();
	char			*msg, *mid, *cause = NULL, *a, *c;

	sample(ev, &b);
	ev[0].now.title = "\xe6\x83\x85\xe5\xa0\xb1\xe9\x80\x9a\xe4\xbf\xa1 "
	    "ministers' press conference on the digital economy and trust";
	b.to_addr = "kono.taro.with-a-very-long-local-part+g7-digital-2023@"
	    "digital.example.go.jp";
	mail_build(&b, &msg, &mid, &cause);
	check(msg != NULL && same_as_whole(&b, msg, 0) && same_as_whole(&b, msg, 1),
	    "pieces: the REQUEST and CANCEL parts are ical_render_imip's bytes "
	    "(folded ATTENDEE and SUMMARY)");
	free(msg);
	free(mid);
	sample(pv, &b);
	ev[0] = pv[0];
	ev[1] = pv[0];
	ev[1].now.id = 11;
	ev[1].now.title = "Operation Quiet Harbour";
	ev[1].was_title = "Operation Quiet Harbour";
	ev[1].now.confidential = 1;
	party = b;
	party.ev = ev;
	party.n = 2;
	party.cache = mc;
	other = party;
	other.to_addr = "other@example.org";
	other.ev = &ev[0];
	other.n = 1;
	mail_build(&party, &msg, &mid, &cause);
	free(mid);
	mail_build(&other, &c, &mid, &cause);
	free(mid);
	a = alone(&party);
	check(msg != NULL && a != NULL && strstr(msg, "Operation Quiet Harbour") != NULL &&
	    strcmp(msg, a) == 0 && same_as_whole(&party, msg, 0),
	    "a shared cache: the party's message is its message built alone");
	free(a);
	a = alone(&other);
	check(c != NULL && a != NULL && strstr(c, "Quiet Harbour") == NULL &&
	    strstr(c, "session-11@") == NULL && strcmp(c, a) == 0 &&
	    same_as_whole(&other, c, 0),
	    "a shared cache: the non-party's has no trace of the confidential session");
	free(a);
	check(strstr(c, "mailto:other@example.org") != NULL &&
	    strstr(c, "mailto:kono@") == NULL,
	    "a shared cache: each message names its own ATTENDEE");
	free(msg);
	free(c);
	mail_cache_free(mc);
}

int
main(void)
{
	struct mail_event	 ev[2];
	struct mail_batch	 b;
	char			*msg, *mid, *cause = NULL;

	printf("1..18\n");
	sample(ev, &b);
	check(mail_build(&b, &msg, &mid, &cause) == 0, "a batch of two is built");
	check(strcmp(mid, "<kaigi-batch-42@kaigi.example>") == 0,
	    "Message-ID from the batch id and the host");
	check(strstr(msg, "\r\nMessage-ID: <kaigi-batch-42@kaigi.example>\r\n") != NULL,
	    "the Message-ID header");
	check(strstr(msg, "\r\nSubject: =?UTF-8?B?") != NULL, "Subject is an RFC 2047 word");
	check(strstr(msg, "To: \"Kono Taro\" <kono@example.org>\r\n") != NULL,
	    "To: quotes dropped from the display name");
	check(crlf_only(msg), "every line ends in CRLF");
	check(strstr(msg, "Moved: Press <b>& Q</b>\r\n  was: Sun 2023-04-30 16:00–16:40, Press Room\r\n"
	    "  now: Sun 2023-04-30 18:00–18:40, Press Room") != NULL,
	    "text: what moved, from when to when, where (in the conference's zone)");
	check(strstr(msg, "Press &lt;b&gt;&amp; Q&lt;/b&gt;") != NULL && strstr(msg, "<li><b>Cancelled:</b>") != NULL,
	    "HTML: titles escaped");
	check(strstr(msg, "method=REQUEST\r\n") != NULL && strstr(msg, "METHOD:REQUEST\r\n") != NULL,
	    "a REQUEST part");
	check(strstr(msg, "method=CANCEL\r\n") != NULL && strstr(msg, "METHOD:CANCEL\r\n") != NULL &&
	    strstr(strstr(msg, "METHOD:CANCEL"), "UID:session-9@kaigi.example") != NULL &&
	    strstr(strstr(msg, "METHOD:CANCEL"), "SEQUENCE:1\r\n") != NULL,
	    "the CANCEL part: the cancelled session's UID and SEQUENCE");
	check(strstr(msg, "ATTENDEE;ROLE=REQ-PARTICIPANT;RSVP=FALSE:mailto:kono@example.org") != NULL,
	    "ATTENDEE: the participant");
	free(msg);
	free(mid);
	b.to_addr = "x@example.org>\r\nBcc: all@example.org";
	check(mail_build(&b, &msg, &mid, &cause) == -1 && msg == NULL && cause != NULL,
	    "an address with CRLF is refused (no header injection)");
	free(cause);
	check(!mail_address_ok("a b@example.org") && !mail_address_ok("<a@b.c>") &&
	    !mail_address_ok("@b.c") && !mail_address_ok("a@") && !mail_address_ok("a@b@c"),
	    "space, brackets, a lone or second @ refused");
	check(mail_address_ok("kono.taro+g7@digital.go.jp"), "a plain address passes");
	pieces();
	return failed != 0;
}
