/*
 * auth.h — who is calling: the API token behind "Authorization: Bearer".
 */
#ifndef KAIGI_AUTH_H
#define KAIGI_AUTH_H

#include "http.h"

/*
 * Resolve r's token (if any) into r->who, enforce the route's minimum role
 * (401 without a valid token, 403 below the role), then call the handler.
 */
void	auth_then_handle(struct req *);

/* Does a string look like one of our tokens (charset and length)? */
int	auth_token_wellformed(const char *);

/*
 * A new API token: 256 random bits as URL-safe text (returned; the caller
 * wipes and frees it) and its SHA-256 in hash, the only form stored. Used
 * by `kaigid token create` (cli-token.c) and POST .../tokens (api-token.c).
 */
char	*auth_token_new(char hash[65]);

/* Is the caller secretariat of conference_id (or admin)? */
int	auth_is_secretariat(const struct principal *, long long conference_id);

#endif
