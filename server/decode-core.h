/*
 * decode-core.h — pure decoders of the request bodies of the core resources
 * (conferences, venues, rooms, travel times, delegations, participants,
 * unavailability).
 *
 * Each takes the parsed body (may be NULL) and an errors array. On success
 * it returns a new normalised JSON value (only known members, defaults
 * filled in where the API defines them, instants as UTC "…Z" text) for the
 * SQL function; on failure it returns NULL with every bad field appended to
 * errors. No I/O (valid_timezone reads zoneinfo).
 */
#ifndef KAIGI_DECODE_CORE_H
#define KAIGI_DECODE_CORE_H

#include <jansson.h>

#define DECODE_CREATE	1
#define DECODE_PATCH	0

/* Is s a conference slug ([a-z0-9][a-z0-9-]{0,62})? */
int	decode_slug_ok(const char *s);
/* Is s a delegation code ([A-Za-z0-9][A-Za-z0-9_.-]{0,31})? */
int	decode_code_ok(const char *s);
/* Is s a plausible e-mail address (one @, no spaces, a dot in the domain)? */
int	decode_email_ok(const char *s);

json_t	*decode_conference(const json_t *body, int create, json_t *errors);
json_t	*decode_venue(const json_t *body, json_t *errors);
json_t	*decode_room(const json_t *body, json_t *errors);
/* Array (or {"items": array}) → array with the missing reverse pairs added. */
json_t	*decode_travel_times(const json_t *body, json_t *errors);
json_t	*decode_delegation(const json_t *body, json_t *errors);
json_t	*decode_participant(const json_t *body, json_t *errors);
/* PATCH of a participant; email and timezone may be null (cleared). */
json_t	*decode_participant_patch(const json_t *body, json_t *errors);
json_t	*decode_unavailability(const json_t *body, json_t *errors);

#endif
