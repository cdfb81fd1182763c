/*
 * cmd-room.c — kaigi room add|edit|rm|list: the rooms, each in a venue.
 * The work is setup.c's; this file says what a room is to the client:
 * its paths, its options and its columns. A room is named by its
 * id, name or ref; rm is refused (409, listing them) while
 * sessions refer to it.
 */
#include <stddef.h>

#include "kaigi.h"

static const char *const room_keys[] = {
	"name", "ref", NULL
};

static const struct setup_field room_fields[] = {
	{ "venue", "venue_id", SETUP_VENUE, 1 },
	{ "name", "name", SETUP_TEXT, 1 },
	{ "capacity", "capacity", SETUP_INT, 1 },
	{ "kind", "kind", SETUP_TEXT, 0 },
	{ "bilaterals", "usable_for_bilaterals", SETUP_BOOL, 0 },
	{ "ref", "ref", SETUP_CLEARABLE, 0 },
	{ "booths", "booths", SETUP_INT, 0 },
	{ NULL, NULL, SETUP_TEXT, 0 }
};
static const struct setup_field room_filter = {
	"venue", "venue_id", SETUP_VENUE, 0
};

static const struct setup_column room_columns[] = {
	{ "NAME", "name" },
	{ "VENUE", "venue" },
	{ "CAPACITY", "capacity" },
	{ "KIND", "kind" },
	{ "REF", "ref" },
	{ NULL, NULL }
};
static const struct setup_column room_details[] = {
	{ "BOOTHS", "booths" },
	{ NULL, NULL }
};

static const struct setup_kind setup_room_kind = {
	.name = "room",
	.list_suffix = "/rooms",
	.item_prefix = "/api/v1/rooms/",
	.keys = room_keys,
	.fields = room_fields,
	.filter = &room_filter,
	.columns = room_columns,
	.details = room_details,
};

static const char *const room_add_valued[] = {
	"venue", "name", "capacity", "kind", "bilaterals", "ref", "booths", NULL
};

static const char *const room_edit_valued[] = {
	"venue", "name", "capacity", "kind", "bilaterals", "ref", "booths", NULL
};

static const char *const room_list_valued[] = {
	"venue", NULL
};

/* kaigi room add */
static int
cmd_room_add_run(struct client *c, struct args *a)
{
	return setup_add(c, a, &setup_room_kind);
}

/* kaigi room edit ROOM */
static int
cmd_room_edit_run(struct client *c, struct args *a)
{
	return setup_edit(c, a, &setup_room_kind);
}

/* kaigi room rm ROOM */
static int
cmd_room_rm_run(struct client *c, struct args *a)
{
	return setup_rm(c, a, &setup_room_kind);
}

/* kaigi room list */
static int
cmd_room_list_run(struct client *c, struct args *a)
{
	return setup_list(c, a, &setup_room_kind);
}

const struct cmd_entry cmd_room_add_entry = {
	.name = "room add",
	.usage = "--venue VENUE --name NAME --capacity N [--kind plenary|bilateral|side_event|other] [--bilaterals yes|no] [--ref REF] [--booths N]",
	.summary = "add a room (--booths: interpretation booths, 0-50)",
	.valued = room_add_valued,
	.max_args = 0,
	.exec = cmd_room_add_run,
};

const struct cmd_entry cmd_room_edit_entry = {
	.name = "room edit",
	.usage = "ROOM [--venue VENUE] [--name NAME] [--capacity N] [--kind KIND] [--bilaterals yes|no] [--ref REF] [--booths N]",
	.summary = "change a room (id, name or ref; \"\" clears an optional text)",
	.valued = room_edit_valued,
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_room_edit_run,
};

const struct cmd_entry cmd_room_rm_entry = {
	.name = "room rm",
	.usage = "ROOM",
	.summary = "remove a room nothing refers to",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_room_rm_run,
};

const struct cmd_entry cmd_room_list_entry = {
	.name = "room list",
	.usage = "[--venue VENUE]",
	.summary = "list the rooms",
	.valued = room_list_valued,
	.max_args = 0,
	.exec = cmd_room_list_run,
};
