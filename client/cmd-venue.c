/*
 * cmd-venue.c — kaigi venue add|edit|rm|list: the venues of the conference (a room needs one).
 * The work is setup.c's; this file says what a venue is to the client:
 * its paths, its options and its columns. A venue is named by its
 * id or name; rm is refused (409, listing them) while
 * rooms or travel times refer to it.
 */
#include <stddef.h>

#include "kaigi.h"

static const char *const venue_keys[] = {
	"name", NULL
};

static const struct setup_field venue_fields[] = {
	{ "name", "name", SETUP_TEXT, 1 },
	{ "address", "address", SETUP_TEXT, 0 },
	{ NULL, NULL, SETUP_TEXT, 0 }
};

static const struct setup_column venue_columns[] = {
	{ "NAME", "name" },
	{ "ADDRESS", "address" },
	{ NULL, NULL }
};

const struct setup_kind setup_venue_kind = {
	.name = "venue",
	.list_suffix = "/venues",
	.item_prefix = "/api/v1/venues/",
	.keys = venue_keys,
	.fields = venue_fields,
	.filter = NULL,
	.columns = venue_columns,
};

static const char *const venue_add_valued[] = {
	"name", "address", NULL
};

static const char *const venue_edit_valued[] = {
	"name", "address", NULL
};

/* kaigi venue add */
static int
cmd_venue_add_run(struct client *c, struct args *a)
{
	return setup_add(c, a, &setup_venue_kind);
}

/* kaigi venue edit VENUE */
static int
cmd_venue_edit_run(struct client *c, struct args *a)
{
	return setup_edit(c, a, &setup_venue_kind);
}

/* kaigi venue rm VENUE */
static int
cmd_venue_rm_run(struct client *c, struct args *a)
{
	return setup_rm(c, a, &setup_venue_kind);
}

/* kaigi venue list */
static int
cmd_venue_list_run(struct client *c, struct args *a)
{
	return setup_list(c, a, &setup_venue_kind);
}

const struct cmd_entry cmd_venue_add_entry = {
	.name = "venue add",
	.usage = "--name NAME [--address TEXT]",
	.summary = "add a venue",
	.valued = venue_add_valued,
	.max_args = 0,
	.exec = cmd_venue_add_run,
};

const struct cmd_entry cmd_venue_edit_entry = {
	.name = "venue edit",
	.usage = "VENUE [--name NAME] [--address TEXT]",
	.summary = "change a venue (id or name)",
	.valued = venue_edit_valued,
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_venue_edit_run,
};

const struct cmd_entry cmd_venue_rm_entry = {
	.name = "venue rm",
	.usage = "VENUE",
	.summary = "remove a venue nothing refers to",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_venue_rm_run,
};

const struct cmd_entry cmd_venue_list_entry = {
	.name = "venue list",
	.usage = "",
	.summary = "list the venues",
	.max_args = 0,
	.exec = cmd_venue_list_run,
};
