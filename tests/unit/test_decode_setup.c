/*
 * test_decode_setup.c — the set-up decoders of server/decode-setup.c:
 * token bodies (roles, delegation only for a liaison), the PATCH bodies of
 * venues, rooms, delegations, unavailability and bilateral requests (only
 * what is given comes out; null clears where the API says so; every bad
 * field named), and "ref" on the create decoders.
 */
#include <stdlib.h>

#include "decode-setup.h"
#include "decode-run.h"
#include "tap.h"

/* decode_token */
static void
test_token(void)
{
	is_str(decode_run(decode_token, "{\"role\":\"liaison\",\"delegation\":\"JP\"}"),
	    "{\"delegation\":\"JP\",\"role\":\"liaison\"}", "liaison token by code");
	is_str(decode_run(decode_token, "{\"role\":\"liaison\",\"delegation\":7,\"label\":\"x\"}"),
	    "{\"delegation\":7,\"label\":\"x\",\"role\":\"liaison\"}", "by id, with a label");
	is_str(decode_run(decode_token, "{\"role\":\"secretariat\"}"),
	    "{\"role\":\"secretariat\"}", "secretariat token");
	is_str(decode_run(decode_token, "{\"role\":\"admin\"}"), "role", "admin: refused");
	is_str(decode_run(decode_token, "{}"), "role", "role required");
	is_str(decode_run(decode_token, "{\"role\":\"liaison\"}"), "delegation",
	    "a liaison token needs a delegation");
	is_str(decode_run(decode_token, "{\"role\":\"secretariat\",\"delegation\":\"JP\"}"),
	    "delegation", "a secretariat token has none");
	is_str(decode_run(decode_token, "{\"role\":\"liaison\",\"delegation\":0}"),
	    "delegation", "delegation 0");
	is_str(decode_run(decode_token, "{\"role\":\"liaison\",\"delegation\":\"J P\"}"),
	    "delegation", "not a code");
	is_str(decode_run(decode_token, "{\"role\":1,\"label\":[],\"x\":1}"),
	    "x,role,label", "every bad field named");
	is_str(decode_run(decode_token, "[]"), "", "not an object");
}

/* decode_venue_patch, decode_room_patch, decode_delegation_patch */
static void
test_patches(void)
{
	is_str(decode_run(decode_venue_patch, "{}"), "{}", "empty venue PATCH");
	is_str(decode_run(decode_venue_patch, "{\"address\":\"\"}"), "{\"address\":\"\"}",
	    "address may be emptied");
	is_str(decode_run(decode_venue_patch, "{\"name\":\"\"}"), "name", "name may not");
	is_str(decode_run(decode_room_patch, "{\"capacity\":9,\"ref\":null}"),
	    "{\"capacity\":9,\"ref\":null}", "room: capacity, ref cleared");
	is_str(decode_run(decode_room_patch,
	    "{\"venue_id\":0,\"capacity\":0,\"kind\":\"x\",\"usable_for_bilaterals\":1,\"ref\":\"\"}"),
	    "venue_id,capacity,kind,usable_for_bilaterals,ref", "room: every bad field");
	is_str(decode_run(decode_delegation_patch, "{\"code\":\"NZL\",\"kind\":\"guest\"}"),
	    "{\"code\":\"NZL\",\"kind\":\"guest\"}", "delegation: code and kind");
	is_str(decode_run(decode_delegation_patch, "{\"code\":\"-x\",\"name\":\"\",\"kind\":\"\"}"),
	    "code,name,kind", "delegation: every bad field");
}

/* decode_unavailability_patch, decode_bilateral_patch */
static void
test_times(void)
{
	is_str(decode_run(decode_unavailability_patch,
	    "{\"end\":\"2023-04-29T10:00:00+09:00\"}"),
	    "{\"end\":\"2023-04-29T01:00:00Z\"}", "unavailability: end alone, as UTC");
	is_str(decode_run(decode_unavailability_patch,
	    "{\"start\":\"2023-04-29T10:00:00+09:00\",\"end\":\"2023-04-29T09:00:00+09:00\"}"),
	    "end", "end before start");
	is_str(decode_run(decode_unavailability_patch, "{\"start\":\"soon\",\"reason\":1}"),
	    "start,reason", "bad start and reason");
	is_str(decode_run(decode_bilateral_patch,
	    "{\"earliest\":null,\"latest\":\"2023-04-30T20:00:00+09:00\",\"priority\":5}"),
	    "{\"earliest\":null,\"latest\":\"2023-04-30T11:00:00Z\",\"priority\":5}",
	    "bilateral: null earliest, latest as UTC");
	is_str(decode_run(decode_bilateral_patch,
	    "{\"earliest\":\"2023-04-30T20:00:00+09:00\",\"latest\":\"2023-04-30T19:00:00+09:00\"}"),
	    "latest", "latest before earliest");
	is_str(decode_run(decode_bilateral_patch,
	    "{\"duration_minutes\":4,\"priority\":6,\"level\":\"x\",\"topics\":1,\"status\":\"x\"}"),
	    "status,duration_minutes,priority,level,topics", "bilateral: every bad field");
}

/* The create decoders with ref. */
static void
test_ref(void)
{
	is_str(decode_run(decode_delegation_with_ref,
	    "{\"code\":\"NZ\",\"name\":\"New Zealand\",\"kind\":\"guest\",\"ref\":\"D-1\"}"),
	    "{\"code\":\"NZ\",\"kind\":\"guest\",\"name\":\"New Zealand\",\"ref\":\"D-1\"}",
	    "delegation with ref");
	is_str(decode_run(decode_delegation_with_ref,
	    "{\"code\":\"NZ\",\"name\":\"New Zealand\",\"kind\":\"guest\",\"ref\":null}"),
	    "{\"code\":\"NZ\",\"kind\":\"guest\",\"name\":\"New Zealand\"}",
	    "null ref on create: none");
	is_str(decode_run(decode_delegation_with_ref, "{\"code\":\"\",\"ref\":\"\"}"),
	    "code,name,kind,ref", "the base's errors and ref's together");
	is_str(decode_run(decode_participant_with_ref,
	    "{\"delegation\":\"JP\",\"name\":\"A\",\"role\":\"staff\",\"ref\":\"P-1\"}"),
	    "{\"delegation\":\"JP\",\"name\":\"A\",\"ref\":\"P-1\",\"role\":\"staff\"}",
	    "participant with ref");
	is_str(decode_run(decode_participant_patch_with_ref, "{\"ref\":null}"),
	    "{\"ref\":null}", "participant PATCH clears ref");
	is_str(decode_run(decode_room_with_ref, "{\"venue_id\":1,\"name\":\"R\",\"capacity\":2,\"ref\":7}"),
	    "ref", "a ref must be text");
	is_str(decode_run(decode_room_with_ref, "3"), "", "not an object");
}

int
main(void)
{
	test_token();
	test_patches();
	test_times();
	test_ref();
	return tap_done();
}
