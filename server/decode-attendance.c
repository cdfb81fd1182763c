/*
 * decode-attendance.c — pure decoder of a session body's "attendees" (see
 * decode-attendance.h): plain participant ids as before, or attendance
 * objects that say how each attends (in person, remotely with a link, or
 * represented by someone of the same delegation, which the database
 * checks: sql/240_representation.sql).
 */
#include <string.h>

#include "decode-attendance.h"
#include "valid.h"

static const char *const attendance_modes[] = {
	"in_person", "remote", "represented", NULL
};
static const char *const attendance_fields[] = {
	"participant_id", "id", "mode", "represented_by", "link", NULL
};

/* 1 if s is an https URL without spaces or control characters. */
int
attendance_link_ok(const char *s)
{
	size_t	n = strlen(s), i;

	if (n > ATTENDANCE_LINK_MAX || strncmp(s, "https://", 8) != 0 ||
	    n == 8 || s[8] == '/')
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] == 0x7f)
			return 0;
	return 1;
}

/* The participant of an attendance object: participant_id or id. */
static long long
attendance_id(const json_t *o, json_t *errors)
{
	long long	a = 0, b = 0;
	int		ra, rb;

	ra = valid_int(o, "participant_id", VALID_OPTIONAL, 1, 1LL << 53, &a, errors);
	rb = valid_int(o, "id", VALID_OPTIONAL, 1, 1LL << 53, &b, errors);
	if (ra < 0 || rb < 0)
		return -1;
	if (ra == 0 && rb == 0) {
		valid_error(errors, "attendees",
		    "an attendee object needs participant_id (or id)");
		return -1;
	}
	if (ra == 1 && rb == 1 && a != b) {
		valid_error(errors, "attendees", "participant_id and id differ");
		return -1;
	}
	return ra == 1 ? a : b;
}

/* represented_by and link, as the mode allows them; -1 on an error. */
static int
attendance_extra(const json_t *o, const char *mode, json_t *item,
    json_t *errors)
{
	long long	 rep = 0;
	const char	*link = NULL;
	int		 rr, rl, bad = 0;

	rr = valid_int(o, "represented_by", VALID_OPTIONAL, 1, 1LL << 53, &rep,
	    errors);
	rl = valid_string(o, "link", VALID_OPTIONAL, ATTENDANCE_LINK_MAX + 1,
	    &link, errors);
	if (rr < 0 || rl < 0)
		return -1;
	if (strcmp(mode, "represented") == 0 && rr == 0)
		bad = (valid_error(errors, "represented_by",
		    "a represented attendee needs represented_by"), 1);
	if (strcmp(mode, "represented") != 0 && rr == 1)
		bad = (valid_error(errors, "represented_by",
		    "only a represented attendee has represented_by"), 1);
	if (rl == 1 && strcmp(mode, "remote") != 0)
		bad = (valid_error(errors, "link",
		    "only a remote attendee has a link"), 1);
	else if (rl == 1 && !attendance_link_ok(link))
		bad = (valid_error(errors, "link", "must be an https URL "
		    "(https://host/..., no spaces, at most %d bytes)",
		    ATTENDANCE_LINK_MAX), 1);
	if (bad)
		return -1;
	json_object_set_new(item, "represented_by",
	    rr == 1 ? json_integer(rep) : json_null());
	json_object_set_new(item, "link", rl == 1 ? json_string(link) : json_null());
	return 0;
}

/* One attendance object into {participant_id, mode, represented_by, link}. */
static json_t *
attendance_object(const json_t *o, json_t *errors)
{
	const char	*mode = "in_person";
	long long	 id;
	json_t		*item;
	size_t		 before = json_array_size(errors);

	valid_known(o, attendance_fields, errors);
	id = attendance_id(o, errors);
	valid_enum(o, "mode", VALID_OPTIONAL, attendance_modes, &mode, errors);
	if (json_array_size(errors) != before)
		return NULL;
	item = json_pack("{s:I, s:s}", "participant_id", (json_int_t)id,
	    "mode", mode);
	if (attendance_extra(o, mode, item, errors) != 0) {
		json_decref(item);
		return NULL;
	}
	return item;
}

/* Decode the items of a present "attendees" array into ids and objects. */
static int
attendance_items(const json_t *list, json_t *ids, json_t *objects,
    json_t *errors)
{
	const json_t	*v;
	json_t		*item;
	size_t		 i;
	int		 rc = 0;

	json_array_foreach(list, i, v) {
		if (json_is_integer(v) && json_integer_value(v) > 0) {
			json_array_append(ids, (json_t *)v);
		} else if (json_is_object(v) &&
		    (item = attendance_object(v, errors)) != NULL) {
			json_array_append(ids, json_object_get(item, "participant_id"));
			json_array_append_new(objects, item);
		} else {
			if (!json_is_object(v))
				valid_error(errors, "attendees", "item %zu is not a "
				    "positive id or an attendee object", i);
			rc = -1;
		}
	}
	return rc;
}

/* Decode body's attendees into out (see decode-attendance.h). */
int
attendance_decode(const json_t *body, json_t *out, json_t *errors)
{
	const json_t	*list = json_object_get(body, "attendees");
	json_t		*ids, *objects;

	if (list == NULL)
		return 0;
	if (json_is_null(list)) {
		json_object_set_new(out, "attendees", json_array());
		return 0;
	}
	if (!json_is_array(list) || json_array_size(list) > ATTENDANCE_MAX) {
		valid_error(errors, "attendees", "must be an array of at most %d "
		    "ids or attendee objects", ATTENDANCE_MAX);
		return -1;
	}
	ids = json_array();
	objects = json_array();
	if (attendance_items(list, ids, objects, errors) != 0) {
		json_decref(ids);
		json_decref(objects);
		return -1;
	}
	json_object_set_new(out, "attendees", ids);
	if (json_array_size(objects) > 0)
		json_object_set_new(out, "attendance", objects);
	else
		json_decref(objects);
	return 0;
}
