/*
 * cursor.h — list cursors: opaque, authenticated positions.
 *
 * A list page's "next" is a cursor this server sealed: the position of the
 * last item the caller saw (as the list's SQL spells it: "<id>", or
 * "<start µs>:<id>" for sessions) with an HMAC-SHA256 over it and over the
 * list it belongs to (route, path captures, filters, the caller's scope).
 * Only a cursor that opens under the same list and caller gives a position
 * back; anything else (forged, edited, cut, another list's, another
 * caller's) is refused, so a position never comes from a caller's guess and
 * a list never reads where it was not.
 *
 * The key is shared by every worker and every restart: a random secret
 * made by sql/060_cursors.sql at migrate time and read once per process
 * (cursor_key_ready).
 */
#ifndef KAIGI_CURSOR_H
#define KAIGI_CURSOR_H

#include <stddef.h>

#define CURSOR_POSITION_MAX	64	/* bytes of a position */
#define CURSOR_MAC_LEN		16	/* bytes of HMAC-SHA256 kept */
/* Hex of version byte, MAC and position, plus NUL. */
#define CURSOR_TEXT_MAX		(2 * (1 + CURSOR_MAC_LEN + CURSOR_POSITION_MAX) + 1)
#define CURSOR_KEY_MAX		64

struct req;

/*
 * Pure part (unit tested): seal position for the list described by context
 * (any bytes) under key, into out (lowercase hex). -1 if the position is
 * empty, too long, or has a byte outside [0-9:-].
 */
int	cursor_seal(const unsigned char *key, size_t keylen, const char *context,
	    size_t contextlen, const char *position, char out[CURSOR_TEXT_MAX]);
/* Open text sealed for context under key: 0 and the position, or -1. */
int	cursor_open(const unsigned char *key, size_t keylen, const char *context,
	    size_t contextlen, const char *text,
	    char position[CURSOR_POSITION_MAX + 1]);

/*
 * 1 when the key is loaded. Otherwise 0: r waits for the key (loaded with
 * one query) and its route's handler runs again once it is there, or r is
 * answered 503 if the database cannot give it.
 */
int	cursor_key_ready(struct req *);
/*
 * ?cursor= of r opened for r's list and caller: 1 and the position, 0 when
 * absent (position "0"), -1 when present and not a cursor sealed here for
 * this list and caller. The key must be ready.
 */
int	cursor_from_req(struct req *, char position[CURSOR_POSITION_MAX + 1]);
/* The cursor of position for r's list and caller; -1 if it cannot be sealed. */
int	cursor_for_req(struct req *, const char *position, char out[CURSOR_TEXT_MAX]);

#endif
