/*
 * feed-validator.c — a feed's conditional GET: does the client hold the
 * bytes (If-None-Match, weakly compared, or else If-Modified-Since), and
 * the renderer's mark that a stored validator must carry to be believed
 * (feed-validator.h says why).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "feed-validator.h"
#include "http.h"
#include "log.h"
#include "util.h"

/* Parse an HTTP date; -1 if it is not one. */
static time_t
feed_parse_date(const char *s)
{
	struct tm	 tm;
	const char	*end;

	memset(&tm, 0, sizeof tm);
	end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (end == NULL || *end != '\0')
		return -1;
	return timegm(&tm);
}

/*
 * Does an If-None-Match value match etag? "*" or a comma-separated list of
 * entity tags, weak comparison (W/"x" matches "x").
 */
static int
feed_etag_matches(const char *inm, const char *etag)
{
	size_t		 elen = strlen(etag), n;
	const char	*p = inm;

	while (*p != '\0') {
		p += strspn(p, " \t,");
		if (*p == '*')
			return 1;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		n = strcspn(p, ",");
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == elen && strncmp(p, etag, n) == 0)
			return 1;
		p += strcspn(p, ",");
	}
	return 0;
}

int
feed_conditional(struct req *r)
{
	return req_header(r, "If-None-Match") != NULL ||
	    req_header(r, "If-Modified-Since") != NULL;
}

int
feed_validators_match(struct req *r, const char *etag, time_t last_modified)
{
	const char	*inm = req_header(r, "If-None-Match");
	const char	*ims;
	time_t		 t;

	if (inm != NULL)
		return feed_etag_matches(inm, etag);
	if ((ims = req_header(r, "If-Modified-Since")) == NULL)
		return 0;
	if ((t = feed_parse_date(ims)) < 0)
		return 0;
	return last_modified <= t;
}

/* The sample: a session with every field, and a confidential busy block. */
static void
feed_sample(struct ical_event ev[2])
{
	memset(ev, 0, 2 * sizeof *ev);
	ev[0].id = 1;
	ev[0].kind = "plenary";
	ev[0].title = "Sample, session; \"one\"";
	ev[0].description = "Text\nover two lines";
	ev[0].room = "Room";
	ev[0].venue = "Venue";
	ev[0].start = 1682757000;		/* 2023-04-29 08:30 UTC */
	ev[0].end = 1682760600;
	ev[0].status = ICAL_EVENT_CONFIRMED;
	ev[0].sequence = 2;
	ev[0].created = 1682000000;
	ev[0].updated = 1682100000;
	ev[0].title_lang = "ja";
	ev[0].description_lang = "ja";
	ev[0].note = "A represented by B";
	ev[0].links = "https://example.org/meet";
	ev[1] = ev[0];
	ev[1].id = 2;
	ev[1].status = ICAL_EVENT_CANCELLED;
	ev[1].reserved = 1;
	ev[1].confidential = 1;
	ev[1].busy_uid = "busy-0";
}

const char *
feed_render_mark(const char *host, const char *refresh)
{
	static char		 mark[ICAL_ETAG_LEN], *for_host, *for_refresh;
	struct ical_cal		 cal;
	struct ical_event	 ev[2];
	struct ical_feed	 f;
	char			*cause = NULL;

	if (for_host != NULL && strcmp(for_host, host) == 0 &&
	    strcmp(for_refresh, refresh != NULL ? refresh : "") == 0)
		return mark;
	memset(&cal, 0, sizeof cal);
	cal.name = "kaigi";
	cal.zone = "Europe/Berlin";
	cal.host = host;
	cal.refresh = refresh;
	feed_sample(ev);
	if (ical_render(&cal, ev, 2, &f, &cause) != 0) {
		log_error("feed: the sample calendar cannot be rendered: %s", cause);
		free(cause);
		return NULL;

	}
	ical_etag(f.data, f.len, mark);
	ical_feed_free(&f);
	free(for_host);
	free(for_refresh);
	for_host = xstrdup(host);
	for_refresh = xstrdup(refresh != NULL ? refresh : "");
	return mark;
}
