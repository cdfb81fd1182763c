/*
 * cmd-participant.c — kaigi participant add|edit|rm|list: the participants of the delegations.
 * The work is setup.c's; this file says what a participant is to the client:
 * its paths, its options and its columns. A participant is named by its
 * id, e-mail, ref or name; rm is refused (409, listing them) while
 * sessions attended or live feed tokens refer to it.
 */
#include <stddef.h>

#include "kaigi.h"

static const char *const participant_keys[] = {
	"email", "ref", "name", NULL
};

static const struct setup_field participant_fields[] = {
	{ "delegation", "delegation", SETUP_TEXT, 1 },
	{ "name", "name", SETUP_TEXT, 1 },
	{ "role", "role", SETUP_TEXT, 1 },
	{ "title", "title", SETUP_TEXT, 0 },
	{ "email", "email", SETUP_CLEARABLE, 0 },
	{ "timezone", "timezone", SETUP_CLEARABLE, 0 },
	{ "ref", "ref", SETUP_CLEARABLE, 0 },
	{ "pairs", "language_pairs", SETUP_PAIRS, 0 },
	{ NULL, NULL, SETUP_TEXT, 0 }
};
static const struct setup_field participant_edit_fields[] = {
	{ "name", "name", SETUP_TEXT, 1 },
	{ "role", "role", SETUP_TEXT, 1 },
	{ "title", "title", SETUP_TEXT, 0 },
	{ "email", "email", SETUP_CLEARABLE, 0 },
	{ "timezone", "timezone", SETUP_CLEARABLE, 0 },
	{ "ref", "ref", SETUP_CLEARABLE, 0 },
	{ "pairs", "language_pairs", SETUP_PAIRS, 0 },
	{ NULL, NULL, SETUP_TEXT, 0 }
};
static const struct setup_field participant_filter = {
	"delegation", "delegation", SETUP_TEXT, 0
};

static const struct setup_column participant_columns[] = {
	{ "NAME", "name" },
	{ "DELEGATION", "delegation" },
	{ "ROLE", "role" },
	{ "EMAIL", "email" },
	{ "REF", "ref" },
	{ NULL, NULL }
};
static const struct setup_column participant_details[] = {
	{ "PAIRS", "language_pairs" },
	{ NULL, NULL }
};

const struct setup_kind setup_participant_kind = {
	.name = "participant",
	.list_suffix = "/participants",
	.item_prefix = "/api/v1/participants/",
	.keys = participant_keys,
	.fields = participant_fields,
	.filter = &participant_filter,
	.columns = participant_columns,
	.details = participant_details,
};

/* A participant's delegation is fixed once added: edit takes the rest. */
static const struct setup_kind participant_edit_kind = {
	.name = "participant",
	.list_suffix = "/participants",
	.item_prefix = "/api/v1/participants/",
	.keys = participant_keys,
	.fields = participant_edit_fields,
	.filter = &participant_filter,
	.columns = participant_columns,
	.details = participant_details,
};

static const char *const participant_add_valued[] = {
	"delegation", "name", "role", "title", "email", "timezone", "ref",
	"pairs", NULL
};

static const char *const participant_edit_valued[] = {
	"name", "role", "title", "email", "timezone", "ref", "pairs", NULL
};

static const char *const participant_list_valued[] = {
	"delegation", NULL
};

/* kaigi participant add */
static int
cmd_participant_add_run(struct client *c, struct args *a)
{
	return setup_add(c, a, &setup_participant_kind);
}

/* kaigi participant edit PARTICIPANT */
static int
cmd_participant_edit_run(struct client *c, struct args *a)
{
	return setup_edit(c, a, &participant_edit_kind);
}

/* kaigi participant rm PARTICIPANT */
static int
cmd_participant_rm_run(struct client *c, struct args *a)
{
	return setup_rm(c, a, &setup_participant_kind);
}

/* kaigi participant list */
static int
cmd_participant_list_run(struct client *c, struct args *a)
{
	return setup_list(c, a, &setup_participant_kind);
}

const struct cmd_entry cmd_participant_add_entry = {
	.name = "participant add",
	.usage = "--delegation CODE --name NAME --role head|deputy|member|staff|interpreter [--title TEXT] [--email ADDRESS] [--timezone ZONE] [--ref REF] [--pairs ja-en,en-fr]",
	.summary = "add a participant (--pairs: an interpreter's language pairs)",
	.valued = participant_add_valued,
	.max_args = 0,
	.exec = cmd_participant_add_run,
};

const struct cmd_entry cmd_participant_edit_entry = {
	.name = "participant edit",
	.usage = "PARTICIPANT [--name NAME] [--role ROLE] [--title TEXT] [--email ADDRESS] [--timezone ZONE] [--ref REF] [--pairs PAIRS]",
	.summary = "change a participant (id, e-mail, ref or name; \"\" clears an optional text or the pairs)",
	.valued = participant_edit_valued,
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_participant_edit_run,
};

const struct cmd_entry cmd_participant_rm_entry = {
	.name = "participant rm",
	.usage = "PARTICIPANT",
	.summary = "remove a participant nothing refers to",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_participant_rm_run,
};

const struct cmd_entry cmd_participant_list_entry = {
	.name = "participant list",
	.usage = "[--delegation CODE]",
	.summary = "list the participants",
	.valued = participant_list_valued,
	.max_args = 0,
	.exec = cmd_participant_list_run,
};
