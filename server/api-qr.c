/*
 * api-qr.c — POST /api/v1/qr {"text"}: the text as a QR code, an SVG image.
 *
 * The workbench shows a token's feed link once, as text and as a QR code a
 * delegate scans with a phone (issue 16). The link holds a secret, so it
 * travels in a POST body, never in a URL that access logs keep, and the
 * answer is "Cache-Control: no-store". libqrencode (libqrencode-dev) does
 * the encoding, error correction level M; this file only draws its modules
 * as one SVG path with the standard four-module quiet zone. No database.
 */
#include <event2/buffer.h>
#include <event2/http.h>
#include <qrencode.h>
#include <string.h>

#include "api.h"
#include "http.h"
#include "route.h"
#include "valid.h"

#define QR_TEXT_MAX	1024	/* bytes (level M holds 2,331); a feed link is about 80 */
#define QR_QUIET	4	/* modules of white around the code */

static void qr_post(struct req *);

const struct route route_qr = {
	.method = EVHTTP_REQ_POST, .path = "/api/v1/qr",
	.role = ROLE_LIAISON, .handle = qr_post,
};

/* The dark modules of a code as one SVG path ("M x yh1v1h-1z" each). */
static void
qr_path(struct evbuffer *out, const QRcode *qr)
{
	int	x, y;

	for (y = 0; y < qr->width; y++)
		for (x = 0; x < qr->width; x++)
			if (qr->data[y * qr->width + x] & 1)
				evbuffer_add_printf(out, "M%d %dh1v1h-1z",
				    x + QR_QUIET, y + QR_QUIET);
}

/* The whole SVG document of a code. */
static struct evbuffer *
qr_svg(const QRcode *qr)
{
	struct evbuffer	*out = evbuffer_new();
	int		 side = qr->width + 2 * QR_QUIET;

	if (out == NULL)
		return NULL;
	evbuffer_add_printf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
	    "shape-rendering=\"crispEdges\" role=\"img\">"
	    "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
	    "<path fill=\"#000\" d=\"", side, side, side * 8, side * 8,
	    side, side);
	qr_path(out, qr);
	evbuffer_add_printf(out, "\"/></svg>\n");
	return out;
}

/* The body's text, or NULL after a 422 naming what is wrong. */
static const char *
qr_text(struct req *r)
{
	static const char *const known[] = { "text", NULL };
	json_t		*errors = json_array();
	const char	*text = NULL;

	if (valid_object(r->body, errors) == 0) {
		valid_known(r->body, known, errors);
		valid_string(r->body, "text", VALID_REQUIRED, QR_TEXT_MAX,
		    &text, errors);
	}
	if (json_array_size(errors) > 0 || text == NULL || text[0] == '\0') {
		if (json_array_size(errors) == 0)
			valid_error(errors, "text", "must not be empty");
		api_reply_invalid(r, errors);
		return NULL;
	}
	json_decref(errors);
	return text;
}

/* POST /api/v1/qr */
static void
qr_post(struct req *r)
{
	const char	*text = qr_text(r);
	QRcode		*qr;
	struct evbuffer	*svg;

	if (text == NULL)
		return;
	qr = QRcode_encodeData((int)strlen(text), (const unsigned char *)text,
	    0, QR_ECLEVEL_M);
	svg = qr == NULL ? NULL : qr_svg(qr);
	if (qr != NULL)
		QRcode_free(qr);
	if (svg == NULL) {	/* 1,024 bytes always fit: only ENOMEM is left */
		http_reply_problem(r, 500, "out of memory drawing the QR code",
		    NULL);
		return;
	}
	http_add_header(r, "Cache-Control", "no-store");
	http_reply_bytes(r, 200, "image/svg+xml",
	    (const char *)evbuffer_pullup(svg, -1), evbuffer_get_length(svg));
	evbuffer_free(svg);
}
