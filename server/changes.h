/*
 * changes.h — GET /api/v1/conferences/{slug}/changes: Server-Sent Events of
 * session changes (rows of session_changes), filtered by what the caller may
 * see, with Last-Event-ID resume and a periodic keep-alive comment.
 *
 * hooks.c wakes the streams of a conference when the database announces a
 * change to it, and all of them after a lost LISTEN connection.
 */
#ifndef KAIGI_CHANGES_H
#define KAIGI_CHANGES_H

#include <event2/event.h>

void	changes_start(struct event_base *);
/* Look for new rows in the streams of one conference. */
void	changes_wake(long long conference_id);
/* Look for new rows in every stream. */
void	changes_wake_all(void);
/* End every stream (draining, stopping). */
void	changes_close_all(void);
void	changes_stop(void);
/* Streams open now (/metrics: kaigi_change_streams). */
int	changes_stream_count(void);

#endif
