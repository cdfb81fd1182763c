/*
 * decode-setup.h — pure decoders of the set-up bodies of issue 15: API
 * tokens, and the PATCH bodies of venues, rooms, delegations,
 * unavailability and bilateral requests; plus the optional "ref" (the
 * secretariat's own key) on the create bodies of decode-core.h.
 *
 * Same contract as decode-core.h: the parsed body (may be NULL) and an
 * errors array in; a new normalised object out (only the members given,
 * instants as UTC "…Z" text), or NULL with every bad field appended. A
 * PATCH body may be empty ({}): nothing changes. No I/O.
 */
#ifndef KAIGI_DECODE_SETUP_H
#define KAIGI_DECODE_SETUP_H

#include <jansson.h>

/* POST /conferences/{slug}/tokens: {role (secretariat|liaison), delegation?, label?}. */
json_t	*decode_token(const json_t *body, json_t *errors);

json_t	*decode_venue_patch(const json_t *body, json_t *errors);
json_t	*decode_room_patch(const json_t *body, json_t *errors);
json_t	*decode_delegation_patch(const json_t *body, json_t *errors);
/* start, end, reason; end after start when both are given. */
json_t	*decode_unavailability_patch(const json_t *body, json_t *errors);
/* duration_minutes, earliest, latest (null: the conference's default), priority, level, topics, ref. */
json_t	*decode_bilateral_patch(const json_t *body, json_t *errors);

/* The create decoders of decode-core.h, also taking "ref". */
json_t	*decode_room_with_ref(const json_t *body, json_t *errors);
json_t	*decode_delegation_with_ref(const json_t *body, json_t *errors);
json_t	*decode_participant_with_ref(const json_t *body, json_t *errors);
/* PATCH /participants/{id}, also taking "ref". */
json_t	*decode_participant_patch_with_ref(const json_t *body, json_t *errors);

#endif
