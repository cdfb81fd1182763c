/*
 * cmd-delegation.c — kaigi delegation add|edit|rm|list: the delegations, named by code.
 * The work is setup.c's; this file says what a delegation is to the client:
 * its paths, its options and its columns. A delegation is named by its
 * id, code or ref; rm is refused (409, listing them) while
 * participants, bilateral requests, sessions or live tokens refer to it.
 * Its protocol order: --precedence N (1 first; "" clears it) and --role
 * chair|host ("" clears it); list shows them in that order.
 */
#include <stddef.h>

#include "kaigi.h"

static const char *const delegation_keys[] = {
	"code", "ref", NULL
};

static const struct setup_field delegation_fields[] = {
	{ "code", "code", SETUP_TEXT, 1 },
	{ "name", "name", SETUP_TEXT, 1 },
	{ "kind", "kind", SETUP_TEXT, 1 },
	{ "ref", "ref", SETUP_CLEARABLE, 0 },
	{ "precedence", "precedence", SETUP_INT_CLEARABLE, 0 },
	{ "role", "role", SETUP_CLEARABLE, 0 },
	{ NULL, NULL, SETUP_TEXT, 0 }
};

static const struct setup_column delegation_columns[] = {
	{ "CODE", "code" },
	{ "NAME", "name" },
	{ "KIND", "kind" },
	{ "REF", "ref" },
	{ "PRECEDENCE", "precedence" },
	{ NULL, NULL }
};

static const struct setup_kind setup_delegation_kind = {
	.name = "delegation",
	.list_suffix = "/delegations",
	.item_prefix = "/api/v1/delegations/",
	.keys = delegation_keys,
	.fields = delegation_fields,
	.filter = NULL,
	.columns = delegation_columns,
};

static const char *const delegation_add_valued[] = {
	"code", "name", "kind", "ref", "precedence", "role", NULL
};

static const char *const delegation_edit_valued[] = {
	"code", "name", "kind", "ref", "precedence", "role", NULL
};

/* kaigi delegation add */
static int
cmd_delegation_add_run(struct client *c, struct args *a)
{
	return setup_add(c, a, &setup_delegation_kind);
}

/* kaigi delegation edit DELEGATION */
static int
cmd_delegation_edit_run(struct client *c, struct args *a)
{
	return setup_edit(c, a, &setup_delegation_kind);
}

/* kaigi delegation rm DELEGATION */
static int
cmd_delegation_rm_run(struct client *c, struct args *a)
{
	return setup_rm(c, a, &setup_delegation_kind);
}

/* kaigi delegation list */
static int
cmd_delegation_list_run(struct client *c, struct args *a)
{
	return setup_list(c, a, &setup_delegation_kind);
}

const struct cmd_entry cmd_delegation_add_entry = {
	.name = "delegation add",
	.usage = "--code CODE --name NAME --kind member|invited|organization|guest [--ref REF]"
	    " [--precedence N] [--role chair|host]",
	.summary = "add a delegation",
	.valued = delegation_add_valued,
	.max_args = 0,
	.exec = cmd_delegation_add_run,
};

const struct cmd_entry cmd_delegation_edit_entry = {
	.name = "delegation edit",
	.usage = "DELEGATION [--code CODE] [--name NAME] [--kind KIND] [--ref REF]"
	    " [--precedence N] [--role chair|host]",
	.summary = "change a delegation (id, code or ref; \"\" clears ref, "
	    "precedence or role; precedence 1-9999 places it in the protocol order)",
	.valued = delegation_edit_valued,
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_delegation_edit_run,
};

const struct cmd_entry cmd_delegation_rm_entry = {
	.name = "delegation rm",
	.usage = "DELEGATION",
	.summary = "remove a delegation nothing refers to",
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_delegation_rm_run,
};

const struct cmd_entry cmd_delegation_list_entry = {
	.name = "delegation list",
	.usage = "",
	.summary = "list the delegations in protocol order",
	.max_args = 0,
	.exec = cmd_delegation_list_run,
};
