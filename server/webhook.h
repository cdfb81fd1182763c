/*
 * webhook.h — the webhook sender (issue 18 item 4): a thread per worker that
 * POSTs each pending delivery of sql/160_webhooks.sql with libcurl, signed
 * with HMAC-SHA256 under the hook's secret. Never touches the event loop.
 */
#ifndef KAIGI_WEBHOOK_H
#define KAIGI_WEBHOOK_H

#include <stddef.h>

/* Start the sender (its own thread and database connection). Call on the
 * loop thread. */
void	webhook_start(void);
/* Stop it and wait for it (a POST in progress is bounded by its timeout;
 * an unmarked delivery is sent again later). */
void	webhook_stop(void);

/* "sha256=<hex HMAC-SHA256 of body under secret>" into out. Pure. */
void	webhook_signature(const char *secret, const char *body, size_t len,
	    char out[72]);

#endif
