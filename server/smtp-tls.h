/*
 * smtp-tls.h — how change mail protects its SMTP connection (smtp_tls).
 */
#ifndef KAIGI_SMTP_TLS_H
#define KAIGI_SMTP_TLS_H

#define SMTP_TLS_CHOICES	"auto, required, try or off"

int	smtp_tls_valid(const char *mode);
long	smtp_tls_level(const char *mode, const char *url);

#endif
