/*
 * ical.h — render an iCalendar feed (RFC 5545 + RFC 7986) from plain structs.
 *
 * Pure rendering: no I/O, no database, no clock. Every property, all text
 * escaping and all line folding are done by libical; the output is CRLF,
 * folded at 75 octets, and depends only on the input (same input, same
 * bytes), so an unchanged feed is byte-identical and keeps its ETag.
 *
 * Calendar: PRODID, VERSION:2.0, CALSCALE:GREGORIAN, METHOD:PUBLISH, NAME,
 * X-WR-CALNAME, X-WR-TIMEZONE, REFRESH-INTERVAL;VALUE=DURATION,
 * X-PUBLISHED-TTL and one VTIMEZONE whose TZID is the plain IANA name (never
 * libical's "/freeassociation.sourceforge.net/" one, never an abbreviation),
 * holding the zone's observances from 1970 on. X-WR-CALNAME is written as
 * libical writes X- properties: newlines escaped, commas and semicolons not.
 *
 * Event: UID session-<id>@<host>, DTSTART/DTEND;TZID=<zone> (wall-clock time
 * in the conference zone), SUMMARY, LOCATION ("room, venue"), DESCRIPTION,
 * CATEGORIES (the kind exactly as the API spells it, e.g. "bilateral"),
 * STATUS, SEQUENCE, CREATED, LAST-MODIFIED, DTSTAMP (= updated, never "now"),
 * TRANSP:OPAQUE. Events are written sorted by (start, id) whatever the input
 * order. A reserved event is busy time only: SUMMARY:Reserved, and no
 * DESCRIPTION, LOCATION or CATEGORIES. A confidential event has
 * CLASS:CONFIDENTIAL; reserved as well, it is a busy block that names no
 * session: SUMMARY:Busy and the UID busy_uid@<host> (not session-<id>).
 *
 * Text: CRLF and CR become newlines (escaped \n by libical); other control
 * characters but TAB are dropped. Input must be UTF-8 (PostgreSQL's is).
 *
 * Threads: libical's built-in time zone cache is global and not protected
 * here; render only on the event loop thread (one per worker process). The
 * first use of a zone reads it from /usr/share/zoneinfo (Debian's libical
 * uses the system tz database) and caches it for the life of the process;
 * call ical_zone_valid() at start-up or validation time to warm it.
 * Output does not depend on TZ, the locale or the clock.
 */
#ifndef KAIGI_ICAL_H
#define KAIGI_ICAL_H

#include <stddef.h>
#include <time.h>

#define ICAL_DEFAULT_REFRESH	"PT15M"
#define ICAL_DEFAULT_PRODID	"-//kaigi//kaigid 1.0//EN"
/* Strong ETag: '"' + 32 hex digits (128 bits of SHA-256) + '"' + NUL. */
#define ICAL_ETAG_LEN		35

enum ical_status {
	ICAL_EVENT_TENTATIVE = 0,
	ICAL_EVENT_CONFIRMED,
	ICAL_EVENT_CANCELLED,
};

/* The calendar as a whole. Strings are borrowed for the call only. */
struct ical_cal {
	const char	*name;		/* NAME and X-WR-CALNAME */
	const char	*zone;		/* IANA zone id, e.g. "Asia/Tokyo" */
	const char	*host;		/* right-hand side of UIDs */
	const char	*refresh;	/* ISO 8601 duration; NULL: PT15M */
	const char	*prodid;	/* NULL: ICAL_DEFAULT_PRODID */
};

/*
 * One session. Strings are cleaned first (see Text above); NULL, or empty
 * once cleaned, means absent.
 */
struct ical_event {
	long long	 id;
	const char	*kind;		/* CATEGORIES; omitted if absent */
	const char	*title;		/* SUMMARY; if empty, the kind or "Session" */
	const char	*description;	/* DESCRIPTION; omitted if absent */
	const char	*room;		/* LOCATION "room, venue", or either */
	const char	*venue;		/*   alone; omitted if both absent */
	time_t		 start;		/* UTC epoch seconds */
	time_t		 end;
	enum ical_status status;
	int		 sequence;
	time_t		 created;	/* CREATED */
	time_t		 updated;	/* LAST-MODIFIED and DTSTAMP */
	int		 reserved;	/* busy only: SUMMARY:Reserved, no detail */
	const char	*title_lang;	/* LANGUAGE= of SUMMARY, if not NULL */
	const char	*description_lang; /* LANGUAGE= of DESCRIPTION, if not NULL */
	int		 confidential;	/* CLASS:CONFIDENTIAL */
	const char	*busy_uid;	/* reserved and confidential: its UID's left */
	const char	*note;		/* lines after DESCRIPTION's ("X represented by Y") */
	const char	*links;		/* CONFERENCE;VALUE=URI:, one URL a line */
};

/* A rendered feed; free with ical_feed_free. */
struct ical_feed {
	char		*data;		/* NUL-terminated iCalendar text */
	size_t		 len;		/* bytes in data, without the NUL */
	char		 etag[ICAL_ETAG_LEN];	/* strong ETag, quotes included */
	time_t		 last_modified;	/* max(updated) of the events, 0 if none */
};
/*
 * last_modified only sees the events rendered: a session that left the feed
 * (deleted, made restricted) does not raise it. The feed handler should send
 * Last-Modified as the later of this and the time the cached copy was
 * rendered, and let If-None-Match (the ETag) win over If-Modified-Since.
 */

/* 1 if libical knows the IANA zone (built-in/system tz data), else 0. */
int	ical_zone_valid(const char *zone);
/*
 * Render cal and its n events into out. Returns 0, or -1 with *cause set
 * (caller frees) if the zone is unknown or an argument is missing.
 */
int	ical_render(const struct ical_cal *cal, const struct ical_event *ev,
	    size_t n, struct ical_feed *out, char **cause);
/* iMIP (RFC 6047, e-mail): the method and the people of every event. */
struct ical_imip {
	int		 cancel;	/* METHOD:CANCEL, else METHOD:REQUEST */
	const char	*organizer;	/* e-mail address, without mailto: */
	const char	*attendee;	/* e-mail address, without mailto: */
};
/*
 * As ical_render, but METHOD:REQUEST/CANCEL and ORGANIZER/ATTENDEE on every
 * event; UID, SEQUENCE and the rest exactly as in the feeds. libical 3
 * guards its zone cache with its own mutexes, so the mail sender's thread
 * may call this (and ical_render) once the zone was warmed on the loop.
 */
int	ical_render_imip(const struct ical_cal *cal, const struct ical_event *ev,
	    size_t n, const struct ical_imip *im, struct ical_feed *out, char **cause);
/*
 * iMIP in pieces, for a sender that writes the same sessions to many
 * people (mail.c renders each once per claim and reuses the text):
 *
 *   head                      ical_imip_head: BEGIN:VCALENDAR, its
 *                             properties (METHOD:REQUEST or CANCEL) and the
 *                             VTIMEZONE, cut as for events from `first` on
 *   for each event, in ical_event_order:
 *     event                   ical_imip_event: BEGIN:VEVENT ... ORGANIZER
 *     attendee                ical_imip_attendee: the ATTENDEE line
 *     "END:VEVENT\r\n"
 *   "END:VCALENDAR\r\n"
 *
 * is ical_render_imip's text byte for byte (tests/unit/test_mail.c). The
 * event's text depends only on cal's host and zone, the event and the
 * organizer; only the ATTENDEE line names the participant. Pieces are the
 * caller's to free; the functions return 0, or -1 with *cause.
 */
int	ical_imip_head(const struct ical_cal *cal, int cancel, time_t first,
	    char **out, char **cause);
int	ical_imip_event(const struct ical_cal *cal, const struct ical_event *e,
	    const char *organizer, char **out, char **cause);
char	*ical_imip_attendee(const char *attendee);
/*
 * A feed in pieces (feed-frag.c keeps them, for the feeds that share
 * sessions):
 *
 *   ical_feed_head            BEGIN:VCALENDAR, its properties
 *                             (METHOD:PUBLISH) and the VTIMEZONE
 *   ical_feed_event           each event, in ical_event_order, BEGIN:VEVENT
 *                             to END:VEVENT
 *   "END:VCALENDAR\r\n"
 *
 * is ical_render's text byte for byte (tests/unit/test_feed_frag.c). An
 * event's text depends only on cal's host and zone and on the event; the
 * head only on cal and first. 0, or -1 with *cause; the caller frees.
 */
int	ical_feed_head(const struct ical_cal *cal, time_t first, char **out,
	    char **cause);
int	ical_feed_event(const struct ical_cal *cal, const struct ical_event *e,
	    char **out, char **cause);
/* Sort pointers to events as the feeds write them: by start, then id. */
void	ical_event_order(const struct ical_event **order, size_t n);
/* Free what ical_render put in f (f itself is the caller's). */
void	ical_feed_free(struct ical_feed *f);
/* Strong ETag of len bytes: quoted first 32 hex of SHA-256 (OpenSSL EVP). */
void	ical_etag(const char *data, size_t len, char out[ICAL_ETAG_LEN]);
/* Drop libical's global time zone cache (at exit, so ASan sees no leak). */
void	ical_shutdown(void);

#endif
