/*
 * smtp-tls.c — how change mail protects its SMTP connection: the smtp_tls
 * setting's modes, as libcurl's CURLOPT_USE_SSL levels.
 *
 *	auto		TLS required (STARTTLS on smtp://) when smtp_url
 *			carries a password, so AUTH never goes in the clear;
 *			otherwise STARTTLS when the server offers it. The
 *			default.
 *	required	TLS always: a server without STARTTLS gets nothing.
 *	try		STARTTLS when offered, else plain text, AUTH included
 *			(a relay on a trusted network; chosen by name only).
 *	off		never TLS on smtp:// (smtps:// is TLS by its scheme).
 *
 * With "try" libcurl carries on in plain text when a server (or anyone in
 * the path) does not offer STARTTLS, and sends AUTH's password with it:
 * that was the only mode before this setting.
 */
#include <string.h>

#include <curl/curl.h>

#include "smtp-tls.h"

static const struct {
	const char	*name;
	long		 level;		/* -1: auto */
} smtp_tls_modes[] = {
	{ "auto", -1 },
	{ "required", CURLUSESSL_ALL },
	{ "try", CURLUSESSL_TRY },
	{ "off", CURLUSESSL_NONE },
};
#define SMTP_TLS_NMODES	(sizeof smtp_tls_modes / sizeof smtp_tls_modes[0])

/* The mode's entry, or -1 for a name not among SMTP_TLS_CHOICES. */
static int
smtp_tls_find(const char *mode)
{
	size_t	i;

	for (i = 0; i < SMTP_TLS_NMODES; i++) {
		if (mode != NULL && strcmp(smtp_tls_modes[i].name, mode) == 0)
			return (int)i;
	}
	return -1;
}

/* Is mode one of SMTP_TLS_CHOICES? */
int
smtp_tls_valid(const char *mode)
{
	return smtp_tls_find(mode) >= 0;
}

/* Does url carry a password (smtp://user:password@host)? */
static int
smtp_tls_has_password(const char *url)
{
	CURLU	*u = curl_url();
	char	*pw = NULL;
	int	 has;

	if (u == NULL)
		return 1;	/* cannot tell: as if it did */
	has = curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    (curl_url_get(u, CURLUPART_PASSWORD, &pw, 0) == CURLUE_OK &&
	    pw != NULL && *pw != '\0');
	curl_free(pw);
	curl_url_cleanup(u);
	return has;
}

/* CURLOPT_USE_SSL for mode (valid) and the SMTP server's url. */
long
smtp_tls_level(const char *mode, const char *url)
{
	int	i = smtp_tls_find(mode);

	if (i < 0)
		return CURLUSESSL_ALL;
	if (smtp_tls_modes[i].level >= 0)
		return smtp_tls_modes[i].level;
	return smtp_tls_has_password(url) ? CURLUSESSL_ALL : CURLUSESSL_TRY;
}
