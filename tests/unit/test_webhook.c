/*
 * test_webhook.c — the webhook signature (server/webhook.c): the RFC 4231
 * HMAC-SHA256 test vectors, as "sha256=<lowercase hex>", over the bytes
 * given (length, not NUL).
 */
#include <string.h>

#include "tap.h"
#include "webhook.h"

int
main(void)
{
	char		 sig[72];
	const char	*body = "what do ya want for nothing?";

	webhook_signature("Jefe", body, strlen(body), sig);
	is_str(sig, "sha256=5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843", "RFC 4231 test case 2");
	webhook_signature("Jefe", "what do ya want for nothing?!", strlen(body),
	    sig);
	is_str(sig, "sha256=5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843", "only len bytes are signed");
	webhook_signature("key", "", 0, sig);
	is_str(sig, "sha256=5d5d139563c95b5967b9bd9a8c9b233a"
	    "9dedb45072794cd232dc1b74832607d0", "an empty body");
	return tap_done();
}
