/*
 * outbox.h — the change-mail sender (issue 18): a thread per worker that
 * closes quiet batches of the outbox (sql/100_outbox.sql), builds each
 * participant's message (mail.c) and delivers it by SMTP (libcurl) or,
 * without smtp_url, into a Maildir. Never touches the event loop.
 */
#ifndef KAIGI_OUTBOX_H
#define KAIGI_OUTBOX_H

/* Start the sender with the settings in force (copied: SIGHUP does not
 * change a running sender). Call on the loop thread. */
void	outbox_start(void);
/* Stop it and wait for it (a delivery in progress is bounded by libcurl's
 * timeout; an unmarked batch is sent again later). */
void	outbox_stop(void);

#endif
