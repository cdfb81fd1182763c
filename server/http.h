/*
 * http.h — the request context every handler receives, and the ways to answer.
 *
 * The router (route.c) builds a struct req for each incoming request: path
 * captures, parsed query, the caller's identity, and the JSON body when there
 * is one. A handler answers exactly once with one of the http_reply_*
 * functions, possibly from a database callback much later; the reply frees
 * the struct req. If the client went away meanwhile, the reply is dropped
 * quietly (r->ev is NULL) and the struct is still freed.
 */
#ifndef KAIGI_HTTP_H
#define KAIGI_HTTP_H

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <sys/time.h>

#include "db.h"

enum role {
	ROLE_NONE = 0,		/* anonymous */
	ROLE_LIAISON,		/* one delegation */
	ROLE_SECRETARIAT,	/* one conference */
	ROLE_ADMIN,		/* everything */
};

/* Who is calling, from the API token (role ROLE_NONE without one). */
struct principal {
	enum role	 role;
	long long	 token_id;
	long long	 conference_id;	/* secretariat, liaison */
	long long	 delegation_id;	/* liaison */
};

#define REQ_MAX_PARAMS 4

struct route;
struct req {
	struct evhttp_request	*ev;		/* NULL once the client is gone */
	const struct route	*route;
	int			 method;	/* enum evhttp_cmd_type */
	char			*path;		/* decoded path, no query */
	int			 nparams;
	char			*param_name[REQ_MAX_PARAMS];
	char			*param[REQ_MAX_PARAMS];
	struct evkeyvalq	 query;		/* parsed ?a=b&c=d */
	struct principal	 who;
	json_t			*body;		/* parsed body (POST/PUT/PATCH), else NULL */
	struct timeval		 started;
	void			*state;		/* handler's own, freed by state_free */
	void			(*state_free)(void *);
	/* Streaming answers only (http_stream_*): */
	void			(*on_close)(struct req *, void *);
	void			*on_close_arg;	/* for on_close */
	struct evhttp_request	*stream_ev;	/* kept to end it even when gone */
	struct conn		*conn;		/* its connection's tracker (conn.c) */
	uint64_t		 serial;	/* its number: its db work's owner */
	size_t			 streamed;	/* bytes written, for the log */
};

/* Path capture by name ("id", "slug"), or NULL. */
const char	*req_param(const struct req *, const char *name);
/* Query argument, or NULL. */
const char	*req_query(const struct req *, const char *name);
/* Request header, or NULL. */
const char	*req_header(const struct req *, const char *name);
/* Principal as a JSON actor object for SQL functions: {token_id, role, conference_id, delegation_id}. */
json_t		*req_actor(const struct req *);
/* "admin", "secretariat", "liaison" or "none" */
const char	*role_name(enum role);

/* Add a response header before replying. */
void	http_add_header(struct req *, const char *name, const char *value);

/* Answer with JSON (steals body; NULL means no body, e.g. 204). */
void	http_reply_json(struct req *, int status, json_t *body);
/* Answer with JSON text already serialised (e.g. built by PostgreSQL). */
void	http_reply_json_text(struct req *, int status, const char *text, size_t len);
/* Answer with arbitrary bytes and content type (NULL body for HEAD-style empty). */
void	http_reply_bytes(struct req *, int status, const char *content_type,
	    const void *data, size_t len);
/*
 * Answer with len bytes at data without copying them: they must stay valid
 * until done(data, len, arg) is called (by libevent, once sent or dropped;
 * also at once if the client is already gone). For cached feeds.
 */
void	http_reply_ref(struct req *, int status, const char *content_type,
	    const void *data, size_t len,
	    void (*done)(const void *, size_t, void *), void *arg);
/*
 * One piece of an answer: len bytes at data, by reference as in
 * http_reply_ref, or (file_off >= 0) the same bytes at that offset of the
 * file segment given with them, sent by sendfile.
 */
struct http_piece {
	const char	*data;
	size_t		 len;
	long long	 file_off;
};
struct evbuffer_file_segment;
/*
 * Answer with n pieces in order; done is called once per piece sent by
 * reference, when libevent is done with it. file may be NULL when no
 * piece names it.
 */
void	http_reply_pieces(struct req *, int status, const char *content_type,
	    const struct http_piece *, size_t n, struct evbuffer_file_segment *file,
	    void (*done)(const void *, size_t, void *), void *arg);
/*
 * RFC 9457 problem+json: {"type","title","status","detail"} plus the fields
 * of extra (stolen, may be NULL), e.g. "errors" or "conflicts".
 */
void	http_reply_problem(struct req *, int status, const char *detail, json_t *extra);
/* 503 with Retry-After (retry_after) and detail: busy or stopping, the
 * detail says which. */
void	http_reply_retry(struct req *, const char *detail);
/* 503 with Retry-After: the database is unavailable. */
void	http_reply_unavailable(struct req *);
/* 503 with Retry-After: "the server is busy (why); retry shortly". */
void	http_reply_busy(struct req *, const char *why);
#define HTTP_BUSY_POOL	"too many requests are waiting for the database"
/*
 * Map a failed statement to an answer: SQLSTATE 23P01 -> 409, 23505 -> 409,
 * 23503/23514/22xxx -> 422, P0001 raised with a "kaigi:" prefix -> its own
 * status (see sql/), 40001/40P01/57014 -> 503 busy, 08xxx/57P0x -> 503
 * unavailable, anything else -> 500 (logged). DB_BUSY -> 503 "the server is
 * busy", DB_UNAVAILABLE -> 503 "the database is unavailable".
 */
void	http_reply_db_error(struct req *, enum db_status, const PGresult *);

/*
 * Streaming answers (Server-Sent Events). http_stream_start sends 200 with
 * the content type and no length (chunked for HTTP/1.1) and keeps r alive;
 * http_stream_write sends a piece (-1 once the client is gone);
 * http_stream_end finishes the answer, writes the access log line and frees
 * r, whether or not the client is still there. on_close, if set, is called
 * once when the client goes away first (conn.c: r->ev and r->stream_ev are
 * NULL by then, libevent's request is freed), so on_close may call
 * http_stream_end at once. A stream started for a client that is already
 * gone (r->ev NULL) would never get on_close: check first. A stream has
 * libevent's default connection timeouts (50 s) instead of kaigid's: its
 * owner writes keep-alives more often than that.
 */
void	http_stream_start(struct req *, const char *content_type,
	    void (*on_close)(struct req *, void *), void *arg);
int	http_stream_write(struct req *, const void *data, size_t len);
void	http_stream_end(struct req *);

/* Reason phrase / problem title for a status. */
const char *http_status_title(int status);

/* Server side (main.c): start on a listening socket, apply reloaded settings. */
struct evhttp	*http_start(struct event_base *, evutil_socket_t fd);
void		 http_reconfigure(struct evhttp *);
unsigned long	 http_inflight_count(void);
void		 http_stop_accepting(struct evhttp *);

#endif
