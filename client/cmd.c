/*
 * cmd.c — the command table, and help built from it.
 *
 * As in tmux, each command is a table entry (name, usage, summary, options,
 * exec function) defined in the file of its family (cmd-session.c,
 * cmd-bilateral.c, ...); this array is the one place that lists them.
 * Adding a command is adding an entry there and one line here.
 */
#include <stdlib.h>
#include <string.h>

#include "kaigi.h"

const struct cmd_entry *const cmd_table[] = {
	&cmd_conferences_entry,
	&cmd_sessions_entry,
	&cmd_session_show_entry,
	&cmd_session_create_entry,
	&cmd_session_move_entry,
	&cmd_session_cancel_entry,
	&cmd_session_attend_entry,
	&cmd_session_edit_entry,
	&cmd_bilateral_request_entry,
	&cmd_bilateral_list_entry,
	&cmd_bilateral_accept_entry,
	&cmd_bilateral_decline_entry,
	&cmd_bilateral_withdraw_entry,
	&cmd_bilateral_slots_entry,
	&cmd_bilateral_schedule_entry,
	&cmd_schedule_entry,
	&cmd_conflicts_entry,
	&cmd_feed_token_create_entry,
	&cmd_feed_token_revoke_entry,
	&cmd_agenda_entry,
	&cmd_sync_entry,
	&cmd_watch_entry,
	/* Set-up (issue 15). */
	&cmd_whoami_entry,
	&cmd_token_create_entry,
	&cmd_token_list_entry,
	&cmd_token_revoke_entry,
	&cmd_venue_add_entry,
	&cmd_venue_edit_entry,
	&cmd_venue_rm_entry,
	&cmd_venue_list_entry,
	&cmd_room_add_entry,
	&cmd_room_edit_entry,
	&cmd_room_rm_entry,
	&cmd_room_list_entry,
	&cmd_delegation_add_entry,
	&cmd_delegation_edit_entry,
	&cmd_delegation_rm_entry,
	&cmd_delegation_list_entry,
	&cmd_participant_add_entry,
	&cmd_participant_edit_entry,
	&cmd_participant_rm_entry,
	&cmd_participant_list_entry,
	&cmd_conference_archive_entry,
	&cmd_conference_unarchive_entry,
	&cmd_conference_create_entry,
	&cmd_conference_edit_entry,
	&cmd_travel_set_entry,
	&cmd_travel_list_entry,
	&cmd_unavailable_add_entry,
	&cmd_unavailable_rm_entry,
	&cmd_unavailable_list_entry,
	&cmd_bilateral_edit_entry,
	/* Spreadsheets in and out (issue 15). */
	&cmd_import_entry,
	&cmd_export_entry,
	/* The printed programme (issue 16). */
	&cmd_programme_entry,
	&cmd_seating_entry,
	/* Schedule releases and change mail (issue 18). */
	&cmd_release_create_entry,
	&cmd_release_list_entry,
	&cmd_release_changes_entry,
	&cmd_mail_entry,
	/* Webhooks (issue 18 item 4). */
	&cmd_webhook_add_entry,
	&cmd_webhook_list_entry,
	&cmd_webhook_rm_entry,
	&cmd_webhook_deliveries_entry,
	/* Side-event registration (issue 17 item 6). */
	&cmd_registration_add_entry,
	&cmd_registration_list_entry,
	&cmd_registration_rm_entry,
	&cmd_help_entry,
	NULL
};

/* Find the command named by argv[0] (and argv[1] for two-word names). */
const struct cmd_entry *
cmd_find(int argc, char **argv, int *words)
{
	const struct cmd_entry *const	*e;
	char				*two = NULL;

	if (argc >= 2)
		two = xasprintf("%s %s", argv[0], argv[1]);
	for (e = cmd_table; two != NULL && *e != NULL; e++) {
		if (strcmp((*e)->name, two) == 0) {
			free(two);
			*words = 2;
			return *e;
		}
	}
	free(two);
	for (e = cmd_table; argc >= 1 && *e != NULL; e++) {
		if (strcmp((*e)->name, argv[0]) == 0) {
			*words = 1;
			return *e;
		}
	}
	return NULL;
}

/* Print "usage: kaigi NAME USAGE". */
void
cmd_print_usage(const struct cmd_entry *e, FILE *f)
{
	fprintf(f, "usage: kaigi %s%s%s\n", e->name, *e->usage ? " " : "",
	    e->usage);
}

/* Report a usage error for a command; returns EXIT_USAGE. */
int
cmd_usage_error(const struct cmd_entry *e, const char *cause)
{
	if (cause != NULL)
		warnx_kaigi("%s: %s", e->name, cause);
	cmd_print_usage(e, stderr);
	return EXIT_USAGE;
}

/* Print the full help: commands, global options, environment, exit codes. */
void
cmd_print_help(FILE *f)
{
	const struct cmd_entry *const	*e;

	fprintf(f, "usage: kaigi [global options] COMMAND [arguments]\n\n"
	    "Commands:\n");
	for (e = cmd_table; *e != NULL; e++)
		fprintf(f, "  %-18s %s\n", (*e)->name, (*e)->summary);
	fprintf(f, "\nkaigi help COMMAND shows a command's arguments.\n\n"
	    "Global options (before or after the command):\n"
	    "  --url URL            kaigid base URL (KAIGI_URL, url=)\n"
	    "  --token TOKEN        API token (KAIGI_TOKEN, token=)\n"
	    "  --conference SLUG    conference (KAIGI_CONFERENCE, conference=;"
	    " default: the\n"
	    "                       token's (GET /me), else the only one)\n"
	    "  --json               print the API's JSON instead of a table\n"
	    "  --timeout SECONDS    network timeout (KAIGI_TIMEOUT; default 30)"
	    "\n"
	    "  --insecure-webcal-http  read webcal:// as http:// (default: "
	    "https://,\n"
	    "                       except for localhost, 127.0.0.0/8 and "
	    "[::1])\n"
	    "  --help, --version\n\n"
	    "Configuration file: $KAIGI_CONFIG, else ~/.config/kaigi/config "
	    "(INI: url=, token=,\nconference=, timeout=).\n\n"
	    "Exit status:\n"
	    "  0  success\n"
	    "  1  usage error, bad configuration or local file error\n"
	    "  2  the server refused the request (HTTP 4xx: bad token, not "
	    "found, invalid)\n"
	    "  3  server error (HTTP 5xx), network, TLS or timeout\n"
	    "  4  conflict (HTTP 409: double booking or illegal state "
	    "change)\n");
}

/* Help for one command (or a family such as "session") on f; exit code. */
int
cmd_help_command(FILE *f, const char *word1, const char *word2)
{
	const struct cmd_entry *const	*e;
	size_t				 len = strlen(word1);
	char				*name;
	int				 found = 0;

	name = word2 ? xasprintf("%s %s", word1, word2) : xstrdup(word1);
	for (e = cmd_table; *e != NULL; e++) {
		if (strcmp((*e)->name, name) == 0 || (word2 == NULL &&
		    strncmp((*e)->name, word1, len) == 0 &&
		    (*e)->name[len] == ' ')) {
			cmd_print_usage(*e, f);
			fprintf(f, "  %s\n", (*e)->summary);
			found = 1;
		}
	}
	free(name);
	if (!found) {
		warnx_kaigi("no such command: %s%s%s (see kaigi --help)",
		    word1, word2 ? " " : "", word2 ? word2 : "");
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* kaigi help [COMMAND]. */
static int
cmd_help_run(struct client *c, struct args *a)
{
	(void)c;
	if (args_npos(a) == 0) {
		cmd_print_help(stdout);
		return EXIT_OK;
	}
	return cmd_help_command(stdout, args_pos(a, 0), args_pos(a, 1));
}

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.usage = "[COMMAND]",
	.summary = "show the commands, or one command's arguments",
	.min_args = 0,
	.max_args = 2,
	.offline = 1,
	.exec = cmd_help_run,
};
