/*
 * decode-attendance.h — pure decoding of a session body's "attendees":
 * participant ids, or attendance objects (mode, representative, link).
 * No I/O: unit-tested (tests/unit/test_decode_attendance.c) and fuzzed.
 */
#ifndef KAIGI_DECODE_ATTENDANCE_H
#define KAIGI_DECODE_ATTENDANCE_H

#include <jansson.h>

#define ATTENDANCE_MAX		1000
#define ATTENDANCE_LINK_MAX	2000

/*
 * Decode body's "attendees": an array whose items are positive ids or
 * objects {participant_id (or id), mode (in_person, remote, represented;
 * in_person by default), represented_by (an id: with represented, and
 * only then), link (an https URL; only with remote)}. Sets out's
 * "attendees" to the ids and, when any object was given, "attendance" to
 * [{participant_id, mode, represented_by, link}] for those (nulls where
 * none); null or absent as session_decode did. Returns -1 after appending
 * field errors, else 0.
 */
int	attendance_decode(const json_t *body, json_t *out, json_t *errors);

/* 1 if s is an https URL kaigi stores as a link: "https://host...", no
 * space or control character, at most ATTENDANCE_LINK_MAX bytes. */
int	attendance_link_ok(const char *s);

#endif
