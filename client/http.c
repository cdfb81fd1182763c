/*
 * http.c — a blocking HTTP/1.1 client built on libevent's evhttp.
 *
 * A command makes one request at a time, so each request gets its own
 * event_base, a connection made with evhttp_connection_base_bufferevent_new
 * over a plain or an OpenSSL bufferevent, and runs the loop until the
 * response (or an error) arrives. https verifies the server's certificate
 * against the system store (SSL_CERT_FILE / SSL_CERT_DIR are honoured, as
 * OpenSSL does) and checks the host name.
 *
 * webcal:// is how calendar links are published; it is the same resource
 * over https, so webcal:// maps to https:// (webcals:// too), except for
 * loopback hosts (localhost, 127.0.0.0/8, [::1]), or when the user passes
 * --insecure-webcal-http, where it maps to http://.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "kaigi.h"

/* Largest body we accept (a large conference's feed is a few MB). */
#define HTTP_MAX_BODY	(64 * 1024 * 1024)

/* One request in flight. */
struct http_call {
	struct event_base		*base;
	struct evhttp_connection	*conn;
	struct bufferevent		*bev;
	SSL_CTX				*ssl_ctx;
	SSL				*ssl;
	const char			*url;
	const char			*host;
	int				 port;
	int				 timeout;
	struct http_response		*resp;
	struct evbuffer			*body;
	http_chunk_cb			 chunk_cb;
	void				*chunk_arg;
	int				 stopped;	/* chunk_cb asked to stop */
	const struct http_body		*upload;	/* the request's body, or NULL */
	size_t				 sent;		/* bytes written so far */
	int				 error_kind;	/* evhttp_request_error + 1 */
	unsigned long			 ssl_error;
};

/*
 * Is host (as a URL gives it) "localhost" or a loopback address? Addresses
 * are parsed, not matched by prefix: 127.0.0.0/8, ::1 and ::ffff:127.x are
 * loopback, a name such as 127.evil.example is not.
 */
static int
http_is_loopback(const char *host)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;
	char		 buf[INET6_ADDRSTRLEN + 1];
	size_t		 len = strlen(host);

	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (len > 2 && host[0] == '[' && host[len - 1] == ']' &&
	    len - 2 < sizeof buf) {
		memcpy(buf, host + 1, len - 2);
		buf[len - 2] = '\0';
		host = buf;
	}
	if (inet_pton(AF_INET6, host, &a6) != 1)
		return 0;
	return IN6_IS_ADDR_LOOPBACK(&a6) ||
	    (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
}

/* Map webcal:// and check the scheme; new URL or NULL with *cause. */
char *
http_normalize_url(const char *url, int insecure_webcal, char **cause)
{
	struct evhttp_uri	*u;
	const char		*scheme, *host;
	char			*out;

	u = evhttp_uri_parse_with_flags(url, 0);
	if (u == NULL || (scheme = evhttp_uri_get_scheme(u)) == NULL ||
	    (host = evhttp_uri_get_host(u)) == NULL || *host == '\0') {
		*cause = xasprintf("%s: not a URL (expected http://, "
		    "https:// or webcal://)", url);
		if (u != NULL)
			evhttp_uri_free(u);
		return NULL;
	}
	if (strcasecmp(scheme, "webcal") == 0 ||
	    strcasecmp(scheme, "webcals") == 0) {
		if (strcasecmp(scheme, "webcal") == 0 &&
		    (insecure_webcal || http_is_loopback(host)))
			evhttp_uri_set_scheme(u, "http");
		else
			evhttp_uri_set_scheme(u, "https");
	} else if (strcasecmp(scheme, "http") != 0 &&
	    strcasecmp(scheme, "https") != 0) {
		*cause = xasprintf("%s: unsupported scheme '%s'", url, scheme);
		evhttp_uri_free(u);
		return NULL;
	}
	out = xmalloc(strlen(url) + 16);
	if (evhttp_uri_join(u, out, strlen(url) + 16) == NULL) {
		*cause = xasprintf("%s: cannot rebuild URL", url);
		free(out);
		out = NULL;
	}
	evhttp_uri_free(u);
	return out;
}

/* Copy a response header into *slot if present. */
static void
http_keep_header(struct evhttp_request *req, const char *name, char **slot)
{
	const char	*v;

	v = evhttp_find_header(evhttp_request_get_input_headers(req), name);
	if (v != NULL)
		*slot = xstrdup(v);
}

/* evhttp error callback: remember why the request failed. */
static void
http_error_cb(enum evhttp_request_error err, void *arg)
{
	struct http_call	*call = arg;

	call->error_kind = (int)err + 1;
	if (call->bev != NULL && call->ssl != NULL)
		call->ssl_error = bufferevent_get_openssl_error(call->bev);
}

/* Chunk callback: hand body bytes of a 2xx stream to the caller. */
static void
http_chunk_cb_wrap(struct evhttp_request *req, void *arg)
{
	struct http_call	*call = arg;
	struct evbuffer		*in = evhttp_request_get_input_buffer(req);
	size_t			 len = evbuffer_get_length(in);
	int			 status = evhttp_request_get_response_code(req);
	char			*data;

	call->resp->status = status;
	if (status < 200 || status > 299 || call->stopped) {
		evbuffer_remove_buffer(in, call->body, len);
		return;
	}
	data = xmalloc(len + 1);
	evbuffer_remove(in, data, len);
	data[len] = '\0';
	if (call->chunk_cb(data, len, call->chunk_arg) != 0) {
		call->stopped = 1;
		event_base_loopbreak(call->base);
	}
	free(data);
}

/* Header callback of a stream: a 2xx tells the caller with a NULL chunk. */
static int
http_header_cb(struct evhttp_request *req, void *arg)
{
	struct http_call	*call = arg;
	int			 status = evhttp_request_get_response_code(req);

	if (status >= 200 && status <= 299 &&
	    call->chunk_cb(NULL, 0, call->chunk_arg) != 0) {
		call->stopped = 1;
		event_base_loopbreak(call->base);
	}
	return 0;
}

/* Done callback: keep status, headers and body, then stop the loop. */
static void
http_done_cb(struct evhttp_request *req, void *arg)
{
	struct http_call	*call = arg;
	struct http_response	*r = call->resp;

	event_base_loopexit(call->base, NULL);
	if (req == NULL || evhttp_request_get_response_code(req) == 0) {
		if (call->ssl != NULL && call->ssl_error == 0)
			call->ssl_error = bufferevent_get_openssl_error(call->bev);
		return;
	}
	r->status = evhttp_request_get_response_code(req);
	http_keep_header(req, "Content-Type", &r->content_type);
	http_keep_header(req, "ETag", &r->etag);
	http_keep_header(req, "Last-Modified", &r->last_modified);
	http_keep_header(req, "Location", &r->location);
	evbuffer_add_buffer(call->body, evhttp_request_get_input_buffer(req));
}

/*
 * Why a connection could not be made: evhttp reports only "EOF", so try
 * a plain blocking connect to learn the system's reason (refused,
 * unreachable, unknown host). NULL if it connects after all.
 */
static char *
http_probe(struct http_call *call)
{
	struct evutil_addrinfo	 hints, *ai = NULL;
	char			 port[16];
	evutil_socket_t		 fd;
	int			 rc, err = 0;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof port, "%d", call->port);
	if ((rc = evutil_getaddrinfo(call->host, port, &hints, &ai)) != 0)
		return xasprintf("cannot resolve host '%s': %s", call->host,
		    evutil_gai_strerror(rc));
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) != 0)
		err = errno;
	if (fd >= 0)
		close(fd);
	evutil_freeaddrinfo(ai);
	if (err == 0)
		return NULL;
	return xasprintf("cannot connect: %s", strerror(err));
}

/* Describe a failed request in words naming the URL. */
static char *
http_describe_error(struct http_call *call)
{
	char	 buf[256], *why, *msg;
	int	 kind = call->error_kind - 1;

	if (call->ssl_error != 0) {
		ERR_error_string_n(call->ssl_error, buf, sizeof buf);
		if (call->ssl != NULL &&
		    SSL_get_verify_result(call->ssl) != X509_V_OK)
			return xasprintf("%s: TLS certificate verification "
			    "failed: %s", call->url, X509_verify_cert_error_string(
			    SSL_get_verify_result(call->ssl)));
		return xasprintf("%s: TLS error: %s", call->url, buf);
	}
	if (call->error_kind != 0 && kind == EVREQ_HTTP_TIMEOUT)
		return xasprintf("%s: timed out after %d seconds", call->url,
		    call->timeout);
	if (call->error_kind != 0 && kind == EVREQ_HTTP_DATA_TOO_LONG)
		return xasprintf("%s: response too large", call->url);
	if (call->error_kind != 0 && kind == EVREQ_HTTP_INVALID_HEADER)
		return xasprintf("%s: malformed HTTP response", call->url);
	if ((why = http_probe(call)) != NULL) {
		msg = xasprintf("%s: %s", call->url, why);
		free(why);
		return msg;
	}
	return xasprintf("%s: connection closed without a response",
	    call->url);
}

/* Set up TLS for host on call; -1 with resp->error on failure. */
static int
http_setup_tls(struct http_call *call, const char *host)
{
	X509_VERIFY_PARAM	*param;

	call->ssl_ctx = SSL_CTX_new(TLS_client_method());
	if (call->ssl_ctx == NULL)
		return -1;
	SSL_CTX_set_default_verify_paths(call->ssl_ctx);
	SSL_CTX_set_verify(call->ssl_ctx, SSL_VERIFY_PEER, NULL);
	call->ssl = SSL_new(call->ssl_ctx);
	if (call->ssl == NULL)
		return -1;
	param = SSL_get0_param(call->ssl);
	if (X509_VERIFY_PARAM_set1_ip_asc(param, host) != 1) {
		SSL_set_tlsext_host_name(call->ssl, host);
		SSL_set1_host(call->ssl, host);
	}
	call->bev = bufferevent_openssl_socket_new(call->base, -1, call->ssl,
	    BUFFEREVENT_SSL_CONNECTING,
	    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (call->bev == NULL)
		return -1;
	bufferevent_openssl_set_allow_dirty_shutdown(call->bev, 1);
	return 0;
}

/* Connect to the URL's host; returns the request path or NULL. */
static char *
http_connect(struct http_call *call, struct evhttp_uri *u, char **hostport)
{
	const char	*scheme = evhttp_uri_get_scheme(u);
	const char	*host = evhttp_uri_get_host(u);
	const char	*path = evhttp_uri_get_path(u);
	const char	*query = evhttp_uri_get_query(u);
	int		 tls = strcasecmp(scheme, "https") == 0;
	int		 port = evhttp_uri_get_port(u);

	if (port == -1)
		port = tls ? 443 : 80;
	call->host = host;
	call->port = port;
	if (tls) {
		if (http_setup_tls(call, host) != 0)
			return NULL;
	} else
		call->bev = bufferevent_socket_new(call->base, -1,
		    BEV_OPT_CLOSE_ON_FREE);
	if (call->bev == NULL)
		return NULL;
	call->conn = evhttp_connection_base_bufferevent_new(call->base, NULL,
	    call->bev, host, (ev_uint16_t)port);
	if (call->conn == NULL)
		return NULL;
	evhttp_connection_set_timeout(call->conn, call->timeout);
	evhttp_connection_set_max_body_size(call->conn, HTTP_MAX_BODY);
	if (evhttp_uri_get_port(u) == -1)
		*hostport = xstrdup(host);
	else
		*hostport = xasprintf(strchr(host, ':') ? "[%s]:%d" : "%s:%d",
		    host, port);
	return xasprintf("%s%s%s", path && *path ? path : "/",
	    query ? "?" : "", query ? query : "");
}

/* Map a method name to evhttp's enum. */
static enum evhttp_cmd_type
http_method(const char *method)
{
	if (strcmp(method, "POST") == 0)
		return EVHTTP_REQ_POST;
	if (strcmp(method, "PUT") == 0)
		return EVHTTP_REQ_PUT;
	if (strcmp(method, "PATCH") == 0)
		return EVHTTP_REQ_PATCH;
	if (strcmp(method, "DELETE") == 0)
		return EVHTTP_REQ_DELETE;
	return EVHTTP_REQ_GET;
}

/* Output callback of an upload: tell the caller how much is sent. */
static void
http_sent_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct http_call	*call = arg;

	(void)buf;
	if (info->n_deleted == 0)
		return;
	call->sent += info->n_deleted;
	call->upload->progress(call->sent < call->upload->len ? call->sent :
	    call->upload->len, call->upload->len, call->upload->arg);
}

/* Build the request: headers and body. */
static struct evhttp_request *
http_build(struct http_call *call, const char *hostport,
    const struct http_header *hdrs, const struct http_body *body)
{
	struct evhttp_request	*req;
	struct evkeyvalq	*out;
	char			 len[32];

	req = evhttp_request_new(http_done_cb, call);
	evhttp_request_set_error_cb(req, http_error_cb);
	if (call->chunk_cb != NULL) {
		evhttp_request_set_header_cb(req, http_header_cb);
		evhttp_request_set_chunked_cb(req, http_chunk_cb_wrap);
	}
	out = evhttp_request_get_output_headers(req);
	evhttp_add_header(out, "Host", hostport);
	evhttp_add_header(out, "User-Agent", "kaigi/" KAIGI_VERSION);
	evhttp_add_header(out, "Connection", "close");
	for (; hdrs != NULL && hdrs->name != NULL; hdrs++) {
		if (hdrs->value != NULL)
			evhttp_add_header(out, hdrs->name, hdrs->value);
	}
	if (body != NULL) {
		/* evhttp adds Content-Length only for POST and PUT. */
		snprintf(len, sizeof len, "%zu", body->len);
		evhttp_add_header(out, "Content-Length", len);
		evbuffer_add(evhttp_request_get_output_buffer(req), body->data,
		    body->len);
		if (body->progress != NULL)
			evbuffer_add_cb(bufferevent_get_output(call->bev),
			    http_sent_cb, call);
		if (evhttp_find_header(out, "Content-Type") == NULL)
			evhttp_add_header(out, "Content-Type",
			    "application/json; charset=utf-8");
	}
	return req;
}

/* Free the connection, TLS context and loop of a call. */
static void
http_call_free(struct http_call *call)
{
	if (call->conn != NULL)
		evhttp_connection_free(call->conn);	/* frees bev and SSL */
	else if (call->bev != NULL)
		bufferevent_free(call->bev);
	else if (call->ssl != NULL)
		SSL_free(call->ssl);
	if (call->ssl_ctx != NULL)
		SSL_CTX_free(call->ssl_ctx);
	evbuffer_free(call->body);
	event_base_free(call->base);
}

/* Copy the collected body into the response as a C string. */
static void
http_take_body(struct http_call *call, struct http_response *r)
{
	r->len = evbuffer_get_length(call->body);
	r->body = xmalloc(r->len + 1);
	evbuffer_remove(call->body, r->body, r->len);
	r->body[r->len] = '\0';
}

/* Run one request; 0 when a response arrived, -1 with r->error if not. */
static int
http_run(const char *method, const char *url, const struct http_header *hdrs,
    const struct http_body *body, int timeout, http_chunk_cb cb, void *arg,
    struct http_response *r)
{
	struct http_call	 call;
	struct evhttp_uri	*u;
	struct evhttp_request	*req;
	char			*path = NULL, *hostport = NULL;

	memset(r, 0, sizeof *r);
	memset(&call, 0, sizeof call);
	call.url = url;
	call.timeout = timeout;
	call.resp = r;
	call.chunk_cb = cb;
	call.chunk_arg = arg;
	call.upload = body;
	u = evhttp_uri_parse_with_flags(url, 0);
	if (u == NULL || evhttp_uri_get_scheme(u) == NULL ||
	    evhttp_uri_get_host(u) == NULL) {
		r->error = xasprintf("%s: not a URL", url);
		if (u != NULL)
			evhttp_uri_free(u);
		return -1;
	}
	call.base = event_base_new();
	call.body = evbuffer_new();
	if ((path = http_connect(&call, u, &hostport)) == NULL) {
		r->error = xasprintf("%s: cannot set up the connection", url);
	} else {
		req = http_build(&call, hostport, hdrs, body);
		if (evhttp_make_request(call.conn, req, http_method(method),
		    path) != 0)
			r->error = xasprintf("%s: cannot send request", url);
		else
			event_base_dispatch(call.base);
		if (r->error == NULL && r->status == 0 && !call.stopped)
			r->error = http_describe_error(&call);
	}
	http_take_body(&call, r);
	http_call_free(&call);
	evhttp_uri_free(u);
	free(path);
	free(hostport);
	return r->error != NULL ? -1 : 0;
}

/* Make one request and wait for the whole response. */
int
http_request(const char *method, const char *url,
    const struct http_header *hdrs, const char *body, int timeout,
    struct http_response *r)
{
	struct http_body	b = { body, body != NULL ? strlen(body) : 0,
				    NULL, NULL };

	return http_run(method, url, hdrs, body != NULL ? &b : NULL, timeout,
	    NULL, NULL, r);
}

/* Make one request with a body of len bytes (progress, if set, is told). */
int
http_upload(const char *method, const char *url,
    const struct http_header *hdrs, const struct http_body *body, int timeout,
    struct http_response *r)
{
	return http_run(method, url, hdrs, body, timeout, NULL, NULL, r);
}

/*
 * GET a stream: a 2xx body is handed to cb as it arrives (cb returns
 * non-zero to stop), after one call with NULL data when the 2xx headers
 * arrive; any other status is collected into r->body.
 */
int
http_stream(const char *url, const struct http_header *hdrs, int timeout,
    http_chunk_cb cb, void *arg, struct http_response *r)
{
	return http_run("GET", url, hdrs, NULL, timeout, cb, arg, r);
}

/* Free what a response holds. */
void
http_response_free(struct http_response *r)
{
	free(r->body);
	free(r->content_type);
	free(r->etag);
	free(r->last_modified);
	free(r->location);
	free(r->error);
	memset(r, 0, sizeof *r);
}
