/*
 * decode-interp.h — interpretation (issue 17, item 2): language pairs
 * ("ja-en"), rooms' booths, interpreters' language_pairs, sessions' and
 * bilateral requests' interpretation, sessions' given interpreters and the
 * conference's interpretation_rules. Pure decoders; the rules themselves
 * live in sql/260_interpretation.sql.
 */
#ifndef KAIGI_DECODE_INTERP_H
#define KAIGI_DECODE_INTERP_H

#include <jansson.h>

#define INTERP_PAIRS_MAX	20
#define INTERP_BOOTHS_MAX	50
#define INTERP_GIVEN_MAX	100

/* Is s a pair of two different languages, each 2-3 lowercase letters? */
int	interp_pair_ok(const char *s);
/* Optional `field`: at most 20 distinct pairs; null clears it when
 * clearable (as []). Copied into out when valid. */
void	decode_interp_pairs(const json_t *body, const char *field,
	    int clearable, json_t *out, json_t *errors);
/* A session body's interpretation and interpreters (participant ids; null
 * in a PATCH: none given). */
void	decode_interp_session(const json_t *body, int patch, json_t *out,
	    json_t *errors);

/* The set-up decoders with the new fields. */
json_t	*decode_room_interp(const json_t *b, json_t *errors);
json_t	*decode_room_patch_interp(const json_t *b, json_t *errors);
json_t	*decode_participant_interp(const json_t *b, json_t *errors);
json_t	*decode_participant_patch_interp(const json_t *b, json_t *errors);
json_t	*decode_bilateral_patch_interp(const json_t *b, json_t *errors);
json_t	*decode_conference_interp(const json_t *b, int create, json_t *errors);
/* An import row's interpretation (sessions, bilaterals: the other members
 * are the import's own, sql/310), as {interpretation}; NULL when bad. */
json_t	*decode_interp_row(const json_t *b, json_t *errors);

#endif
