/*
 * decode-session.h — pure decoding of session request bodies and list
 * filters into the normalised JSON the SQL functions of sql/020_sessions.sql
 * take. No I/O: unit-tested directly (tests/unit/test_decode_session.c).
 */
#ifndef KAIGI_DECODE_SESSION_H
#define KAIGI_DECODE_SESSION_H

#include <jansson.h>

#define SESSION_DECODE_CREATE	0
#define SESSION_DECODE_PATCH	1

/*
 * Decode a POST (all of kind, title, start, end required) or PATCH (only
 * what changes; "room_id": null removes the room) body. Returns a new
 * object {kind, title, description, room_id, start, end, status,
 * visibility, attendees, delegations} with instants as UTC RFC 3339 text,
 * or NULL after appending {"field","message"} entries to errors.
 */
json_t	*session_decode(const json_t *body, int mode, json_t *errors);

/*
 * Decode the list filters from their query values (each may be NULL):
 * from, to (RFC 3339), kind, room_id (id), delegation (code). Returns a new
 * object, or NULL with a message in why (for a 400).
 */
json_t	*session_decode_filter(const char *from, const char *to,
	    const char *kind, const char *room_id, const char *delegation,
	    const char **why);

/*
 * An If-Match header value ("3", "\"3\"", "W/\"3\"", "*"): *version gets the
 * version or 0 for "*" / absent. -1 when it names no version (never matches).
 */
int	session_if_match(const char *header, long long *version);

#endif
