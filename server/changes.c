/*
 * changes.c — Server-Sent Events of session changes (stub, being written).
 */
#include "changes.h"

/* Start. */
void
changes_start(struct event_base *base)
{
	(void)base;
}

/* Wake one conference's streams. */
void
changes_wake(long long conference_id)
{
	(void)conference_id;
}

/* Wake all streams. */
void
changes_wake_all(void)
{
}

/* Close all streams. */
void
changes_close_all(void)
{
}

/* Stop. */
void
changes_stop(void)
{
}
