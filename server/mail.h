/*
 * mail.h — build one change mail (issue 18): a participant's batch of
 * session changes as an RFC 5322 message with a text summary, an HTML
 * alternative and iMIP parts (RFC 6047) rendered by ical.c, so UID and
 * SEQUENCE are the feeds'.
 *
 * Pure: no I/O, no database, no clock (the Date is an input). Callable on
 * the mail sender's thread (see ical.h on libical and threads).
 */
#ifndef KAIGI_MAIL_H
#define KAIGI_MAIL_H

#include <stddef.h>
#include <time.h>

#include "ical.h"
#include "mail-cache.h"

/* One session of a batch: as the feed shows it now, and as it was. */
struct mail_event {
	struct ical_event	 now;
	time_t			 was_start;
	time_t			 was_end;
	const char		*was_room;	/* NULL: no room */
	const char		*was_title;
	/* NULL or "changed": the session changed; "confirmed": the
	 * participant's registration became confirmed; "removed": it was
	 * cancelled and the session left their view (sql/420) */
	const char		*change;
};

/* A participant's batch. Strings are borrowed for the call only. */
struct mail_batch {
	long long		 batch_id;	/* Message-ID and boundary */
	const char		*from;		/* mail_from */
	const char		*to_name;
	const char		*to_addr;
	const char		*conference;	/* title */
	const char		*zone;		/* IANA zone of the conference */
	const char		*host;		/* UIDs' and Message-ID's host */
	time_t			 date;		/* Date: */
	const struct mail_event	*ev;
	size_t			 n;
	/* Text already rendered for other messages (a sender's claim), to
	 * reuse and add to; NULL: a cache for this message only. Any cache
	 * gives the same bytes (entries are keyed by all they are made of). */
	struct mail_cache	*cache;
};

/*
 * The whole message (CRLF lines) into *out and its Message-ID (with the
 * angle brackets) into *message_id, both for the caller to free; 0, or -1
 * with *cause (caller frees), e.g. when from or to_addr fails
 * mail_address_ok.
 */
int	mail_build(const struct mail_batch *b, char **out, char **message_id,
	    char **cause);
/* 1 if s is an address fit for a header and an SMTP command. */
int	mail_address_ok(const char *s);
/* The Message-ID of a batch: stable per (participant, batch). */
char	*mail_message_id(long long batch_id, const char *host);

#endif
