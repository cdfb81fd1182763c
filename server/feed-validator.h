/*
 * feed-validator.h — what lets kaigid answer a feed's conditional GET
 * without rendering it: the HTTP conditions, and the mark of the renderer.
 *
 * Each rendering of a feed is reported to the database with its strong
 * ETag, the conference, the snapshot it read and the renderer's mark
 * (sql/340_feed_validator.sql). A conditional GET for a feed this worker
 * has not cached asks for that validator: it is given only while no change
 * of the conference has committed since that snapshot, and only for the
 * same mark. So a 304 needs one indexed lookup, in any worker and after a
 * restart, and never confirms bytes that would now render differently:
 * other data (a change in the conference), other code or settings (the
 * mark).
 */
#ifndef KAIGI_FEED_VALIDATOR_H
#define KAIGI_FEED_VALIDATOR_H

#include <time.h>

#include "ical.h"

struct req;

/* Does the request ask for a conditional answer (If-None-Match/-Modified-Since)? */
int	feed_conditional(struct req *r);
/* 1 if the client holds these bytes (304): If-None-Match wins over IMS. */
int	feed_validators_match(struct req *r, const char *etag,
	    time_t last_modified);
/*
 * The mark of the renderer as configured now (host, refresh): the ETag of
 * a fixed sample calendar that uses every property the feeds write; NULL
 * (logged) if it cannot be rendered, and then no validator is kept or given.
 */
const char *feed_render_mark(const char *host, const char *refresh);

#endif
