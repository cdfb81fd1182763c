/*
 * kaigi.h — declarations shared by the modules of the kaigi client.
 *
 * The client is one process doing one thing per invocation: parse the
 * command line (args.c), find the command in the table (cmd.c), load the
 * configuration (config.c) and run the command's exec function, which
 * talks to kaigid over HTTP (http.c, api.c) or reads an iCalendar feed
 * (feed.c) and prints tables (table.c) in some time zone (timefmt.c).
 */
#ifndef KAIGI_CLIENT_H
#define KAIGI_CLIENT_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>
#include <libical/ical.h>

#define KAIGI_VERSION	"0.1.0"

/* Exit codes, documented in kaigi --help and kaigi(1). */
#define EXIT_OK		0	/* success */
#define EXIT_USAGE	1	/* bad command line, configuration or local file */
#define EXIT_CLIENT	2	/* the server answered 4xx (other than 409) */
#define EXIT_SERVER	3	/* 5xx, network, TLS, timeout or bad response */
#define EXIT_CONFLICT	4	/* the server answered 409 Conflict */

/* io.c: a whole buffer to a file descriptor. */
int	 write_all(int, const char *, size_t);

/* xmalloc.c: allocation that never returns NULL. */
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	 warnx_kaigi(const char *, ...) __attribute__((format(printf, 1, 2)));

/* args.c: long-option command lines. */
struct args;
struct args	*args_parse(int, char **, const char *const *, const char *const *,
		    char **);
void		 args_free(struct args *);
int		 args_has(struct args *, const char *);
const char	*args_get(struct args *, const char *);
size_t		 args_count(struct args *, const char *);
const char	*args_value(struct args *, const char *, size_t);
int		 args_npos(struct args *);
const char	*args_pos(struct args *, int);
int		 args_int(struct args *, const char *, long, long, long, long *,
		    char **);

/* The options every command accepts, in args_parse form. */
extern const char *const global_valued[];
extern const char *const global_flags[];

/* config.c: where to talk to and as whom. */
struct client {
	char		*url;		/* base URL of kaigid, no trailing slash */
	char		*token;		/* API bearer token or NULL */
	char		*conference;	/* conference slug or NULL (resolved lazily) */
	int		 json;		/* print the API's JSON */
	int		 timeout;	/* seconds */
	int		 insecure_webcal;	/* webcal:// means http:// */
	int		 quiet;		/* api_call prints no errors */
	int		 status;	/* HTTP status of the last answer */
	json_t		*conference_obj;	/* cached GET /conferences/{slug} */
	json_t		*rooms_obj;	/* cached GET .../rooms */
};
int	 config_load(struct client *, struct args *, char **);
void	 config_free(struct client *);

/* cmd.c: the command table. */
struct cmd_entry {
	const char		*name;		/* "sessions", "session show" */
	const char		*usage;		/* arguments after the name */
	const char		*summary;	/* one line for kaigi --help */
	const char *const	*valued;	/* options taking a value */
	const char *const	*flags;		/* options without a value */
	int			 min_args;	/* positional arguments */
	int			 max_args;
	int			 offline;	/* needs no server URL */
	int			 (*exec)(struct client *, struct args *);
};
extern const struct cmd_entry *const cmd_table[];
const struct cmd_entry	*cmd_find(int, char **, int *);
void			 cmd_print_usage(const struct cmd_entry *, FILE *);
int			 cmd_usage_error(const struct cmd_entry *, const char *);
void			 cmd_print_help(FILE *);
int			 cmd_help_command(FILE *, const char *, const char *);

/* http.c: a blocking HTTP/1.1 client on a private libevent loop. */
struct http_response {
	int	 status;		/* 0 if no response arrived */
	char	*body;			/* NUL-terminated */
	size_t	 len;
	char	*content_type;
	char	*etag;
	char	*last_modified;
	char	*location;
	char	*error;			/* why no response arrived */
};
struct http_header {
	const char	*name;
	const char	*value;
};
typedef int (*http_chunk_cb)(const char *, size_t, void *);
struct http_body {
	const char	*data;
	size_t		 len;
	void		(*progress)(size_t sent, size_t total, void *);	/* or NULL */
	void		*arg;
};
char	*http_normalize_url(const char *, int, char **);
int	 http_request(const char *, const char *, const struct http_header *,
	    const char *, int, struct http_response *);
int	 http_stream(const char *, const struct http_header *, int,
	    http_chunk_cb, void *, struct http_response *);
int	 http_upload(const char *, const char *, const struct http_header *,
	    const struct http_body *, int, struct http_response *);
void	 http_response_free(struct http_response *);

/* api.c: JSON requests to kaigid and their errors. */
int	 api_call(struct client *, const char *, const char *, json_t *,
	    json_t **);
int	 api_call_if_match(struct client *, const char *, const char *,
	    json_t *, const char *, json_t **);
int	 api_get(struct client *, const char *, json_t **);
int	 api_get_all(struct client *, const char *, json_t **);
int	 api_conference_path(struct client *, const char *, char **);
int	 api_conference_all(struct client *, const char *, json_t **);
int	 api_parse_id(const char *, long long *);
int	 api_delete_id(struct client *, struct args *, const char *,
	    const char *, const char *);
char	*api_escape(const char *);
int	 api_conference(struct client *, const char **);
int	 api_conference_zone(struct client *, icaltimezone **);
int	 api_problem(struct client *, struct http_response *);
int	 api_status_exit(int);
void	 api_print_json(json_t *);
int	 api_resolve_room(struct client *, const char *, long long *);
char	*api_room_name(struct client *, long long);
json_t	*api_items(json_t *);
const char *api_str(json_t *, const char *);
long long api_int(json_t *, const char *);

/* timefmt.c: time zones and instants. */
#define TIME_EXACT	0	/* a wall-clock time the zone shows once */
#define TIME_REPEATED	1	/* ... twice (clocks went back) */
#define TIME_SKIPPED	2	/* ... never (clocks went forward) */
icaltimezone	*time_zone(const char *);
const char	*time_local_zone_name(void);
const char	*time_zone_name(icaltimezone *);
int		 time_parse_rfc3339(const char *, time_t *);
int		 time_parse_input(const char *, icaltimezone *, time_t *);
int		 time_parse_date(const char *, int *, int *, int *);
time_t		 time_day_start(int, int, int, icaltimezone *);
time_t		 time_from_local(struct icaltimetype, icaltimezone *, int *);
char		*time_rfc3339(time_t, icaltimezone *);
struct icaltimetype time_in_zone(time_t, icaltimezone *);
char		*time_hm(time_t, icaltimezone *);
char		*time_day(time_t, icaltimezone *);
char		*time_day_long(time_t, icaltimezone *);
char		*time_range(time_t, time_t, icaltimezone *);
char		*time_hm_of_rfc3339(const char *);
char		*time_day_of_rfc3339(const char *);

/* text.c: printing text from elsewhere without its control characters. */
char	*text_clean(const char *);
void	 out_line(FILE *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 out_blank(FILE *);
void	 out_status(FILE *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 out_status_end(FILE *);
void	 text_print_json(FILE *, json_t *, size_t);

/* table.c: aligned text tables. */
struct table;
struct table	*table_new(int, ...);
void		 table_add(struct table *, ...);
void		 table_add_heading(struct table *, const char *);
void		 table_print(struct table *, FILE *);
void		 table_free(struct table *);
size_t		 utf8_width(const char *);

/* feed.c: an iCalendar feed parsed with libical. */
struct feed_event {
	char			*uid;
	char			*summary;
	char			*location;
	char			*status;	/* CONFIRMED, TENTATIVE, CANCELLED */
	char			*categories;
	int			 sequence;
	int			 no_time;	/* no DTSTART: not on the agenda */
	int			 all_day;	/* DTSTART is a DATE */
	int			 floating;	/* a time without a known zone */
	time_t			 start;
	time_t			 end;
	icalcomponent		*comp;		/* the VEVENT, owned by the feed */
};
struct feed {
	icalcomponent		*cal;
	struct feed_event	*events;
	size_t			 n;
};
int	 feed_parse(const char *, struct feed *, char **);
void	 feed_free(struct feed *);
void	 feed_localize(struct feed *, icaltimezone *, const char *);
char	*feed_event_calendar(struct feed *, struct feed_event *);
int	 feed_fetch(struct client *, const char *, const char *,
	    struct http_response *);
int	 feed_is_url(const char *);
char	*feed_lang_url(const char *, const char *);

/* Command table entries, one file per family. */
extern const struct cmd_entry cmd_conferences_entry;
extern const struct cmd_entry cmd_sessions_entry;
extern const struct cmd_entry cmd_session_show_entry;
extern const struct cmd_entry cmd_session_create_entry;
extern const struct cmd_entry cmd_session_move_entry;
extern const struct cmd_entry cmd_session_cancel_entry;
extern const struct cmd_entry cmd_session_attend_entry;
extern const struct cmd_entry cmd_bilateral_request_entry;
extern const struct cmd_entry cmd_bilateral_list_entry;
extern const struct cmd_entry cmd_bilateral_accept_entry;
extern const struct cmd_entry cmd_bilateral_decline_entry;
extern const struct cmd_entry cmd_bilateral_withdraw_entry;
extern const struct cmd_entry cmd_bilateral_slots_entry;
extern const struct cmd_entry cmd_bilateral_schedule_entry;
extern const struct cmd_entry cmd_schedule_entry;
extern const struct cmd_entry cmd_conflicts_entry;
extern const struct cmd_entry cmd_feed_token_create_entry;
extern const struct cmd_entry cmd_feed_token_revoke_entry;
extern const struct cmd_entry cmd_webhook_add_entry;
extern const struct cmd_entry cmd_webhook_list_entry;
extern const struct cmd_entry cmd_webhook_rm_entry;
extern const struct cmd_entry cmd_webhook_deliveries_entry;
/* Side-event registration (issue 17 item 6). */
extern const struct cmd_entry cmd_registration_add_entry;
extern const struct cmd_entry cmd_registration_list_entry;
extern const struct cmd_entry cmd_registration_rm_entry;
extern const struct cmd_entry cmd_agenda_entry;
extern const struct cmd_entry cmd_sync_entry;
extern const struct cmd_entry cmd_watch_entry;
extern const struct cmd_entry cmd_help_entry;
/* Set-up (issue 15). */
extern const struct cmd_entry cmd_whoami_entry;
extern const struct cmd_entry cmd_token_create_entry;
extern const struct cmd_entry cmd_token_list_entry;
extern const struct cmd_entry cmd_token_revoke_entry;
extern const struct cmd_entry cmd_venue_add_entry;
extern const struct cmd_entry cmd_venue_edit_entry;
extern const struct cmd_entry cmd_venue_rm_entry;
extern const struct cmd_entry cmd_venue_list_entry;
extern const struct cmd_entry cmd_room_add_entry;
extern const struct cmd_entry cmd_room_edit_entry;
extern const struct cmd_entry cmd_room_rm_entry;
extern const struct cmd_entry cmd_room_list_entry;
extern const struct cmd_entry cmd_delegation_add_entry;
extern const struct cmd_entry cmd_delegation_edit_entry;
extern const struct cmd_entry cmd_delegation_rm_entry;
extern const struct cmd_entry cmd_delegation_list_entry;
extern const struct cmd_entry cmd_participant_add_entry;
extern const struct cmd_entry cmd_participant_edit_entry;
extern const struct cmd_entry cmd_participant_rm_entry;
extern const struct cmd_entry cmd_participant_list_entry;
extern const struct cmd_entry cmd_conference_archive_entry;
extern const struct cmd_entry cmd_conference_unarchive_entry;
extern const struct cmd_entry cmd_conference_create_entry;
extern const struct cmd_entry cmd_conference_edit_entry;
extern const struct cmd_entry cmd_travel_set_entry;
extern const struct cmd_entry cmd_travel_list_entry;
extern const struct cmd_entry cmd_unavailable_add_entry;
extern const struct cmd_entry cmd_unavailable_rm_entry;
extern const struct cmd_entry cmd_unavailable_list_entry;
extern const struct cmd_entry cmd_bilateral_edit_entry;
/* cmd-bilateral.c: a request as a one-row table (or JSON, or a session). */
void	 bilateral_output(struct client *, json_t *);
/* Spreadsheets in and out (issue 15). */
extern const struct cmd_entry cmd_import_entry;
extern const struct cmd_entry cmd_export_entry;
/* The printed programme (issue 16). */
extern const struct cmd_entry cmd_programme_entry;
extern const struct cmd_entry cmd_release_create_entry;
extern const struct cmd_entry cmd_release_list_entry;
extern const struct cmd_entry cmd_release_changes_entry;
extern const struct cmd_entry cmd_mail_entry;
/* Protocol order (issue 17 item 4). */
extern const struct cmd_entry cmd_seating_entry;

/* setup.c: add|edit|rm|list of the rows a secretariat sets up. */
enum setup_type {
	SETUP_TEXT,		/* a string */
	SETUP_CLEARABLE,	/* a string; "" sends null (clears it) */
	SETUP_INT,
	SETUP_INT_CLEARABLE,	/* a whole number; "" sends null (clears it) */
	SETUP_BOOL,		/* yes or no */
	SETUP_VENUE,		/* a venue by id or name, sent as its id */
	SETUP_PAIRS,		/* language pairs "ja-en,en-fr", sent as a list */
};
struct setup_field {
	const char	*option;	/* --option */
	const char	*field;		/* JSON member (or query name of a filter) */
	enum setup_type	 type;
	int		 required;	/* by add */
};
struct setup_column {
	const char	*heading;	/* NULL ends the list (at most 5) */
	const char	*field;
};
struct setup_kind {
	const char			*name;		/* "venue" */
	const char			*list_suffix;	/* "/venues" (conference's) */
	const char			*item_prefix;	/* "/api/v1/venues/" */
	const char *const		*keys;		/* fields naming a row */
	const struct setup_field	*fields;	/* add and edit options */
	const struct setup_field	*filter;	/* list option, or NULL */
	const struct setup_column	*columns;	/* the first one names it */
	const struct setup_column	*details;	/* shown for one row only */
};
extern const struct setup_kind setup_venue_kind;
extern const struct setup_kind setup_participant_kind;
int	 setup_find(struct client *, const struct setup_kind *, const char *,
	    json_t **);
int	 setup_add(struct client *, struct args *, const struct setup_kind *);
int	 setup_edit(struct client *, struct args *, const struct setup_kind *);
int	 setup_rm(struct client *, struct args *, const struct setup_kind *);
int	 setup_list(struct client *, struct args *, const struct setup_kind *);

/* Session output helpers shared by session and bilateral commands. */
void	 session_print_table(struct client *, json_t *);
void	 session_print_one(struct client *, json_t *);
int	 session_attendance_options(struct client *, struct args *, json_t *);
/* cmd-session-attend.c: the participant id of a word (id, e-mail, name). */
int	 attend_person(struct client *, const char *, long long *);
extern const struct cmd_entry cmd_session_edit_entry;

/* interp.c: interpretation (issue 17). */
json_t	*interp_pairs_json(const char *);
int	 interp_options(struct client *, struct args *, json_t *);
char	*interp_session_text(json_t *);
char	*interp_pairs_text(json_t *, const char *);

#endif
