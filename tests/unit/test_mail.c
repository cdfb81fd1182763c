/*
 * test_mail.c — mail_build() (mail.c): one change mail as bytes. Headers
 * (Message-ID per batch, RFC 2047 Subject, From/To), CRLF line ends, the
 * text and HTML summaries (HTML escaped), a REQUEST part for a move and a
 * CANCEL part for a cancellation with the feed's UID and SEQUENCE, and
 * addresses that could inject a header or an SMTP command refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	    1682900000, ev, 2 };
}

int
main(void)
{
	struct mail_event	 ev[2];
	struct mail_batch	 b;
	char			*msg, *mid, *cause = NULL;

	printf("1..14\n");
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
	return failed != 0;
}
