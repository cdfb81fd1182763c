"""feedlib - helpers shared by the feed tests (tests/integration/3x-*.t).

events(body)        VEVENTs of a feed as dicts {UID: {prop: value}} (python3-icalendar)
uid_id(uid)         session id of "session-<id>@host"
expected_ids(s, scope) the session ids a scope may see, computed here in SQL
                    written independently of sql/030 (the visibility rule as
                    API.md states it), so the feed is checked against the contract
one(s, sql, *args)  first column of the first row
"""
import re

import icalendar

SLUG = "g7-digital-2023"


def one(s, sql, *args):
    """First column of the first row of a query on the server's database."""
    with s.db().cursor() as cur:
        cur.execute(sql, args)
        row = cur.fetchone()
        return row[0] if row else None


def rows(s, sql, *args):
    """All rows of a query (args: values, or one dict of named values)."""
    with s.db().cursor() as cur:
        cur.execute(sql, args[0] if len(args) == 1 and isinstance(args[0], dict) else args)
        return cur.fetchall()


def events(body):
    """{uid: component} of a feed's VEVENTs (raises on a parse error)."""
    cal = icalendar.Calendar.from_ical(body)
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def uid_id(uid):
    """Session id from a UID."""
    m = re.match(r"session-(\d+)@", uid)
    return int(m.group(1)) if m else None


def feed_ids(body):
    """Sorted session ids in a feed."""
    return sorted(uid_id(u) for u in events(body))


# The visibility rule of API.md, written out here on its own.
_PARTY = """(EXISTS (SELECT 1 FROM session_delegations sd WHERE sd.session_id = s.id
                 AND sd.delegation_id = %(d)s)
             OR EXISTS (SELECT 1 FROM session_attendees a JOIN participants p
                 ON p.id = a.participant_id WHERE a.session_id = s.id
                 AND p.delegation_id = %(d)s))"""


def expected_ids(s, scope, slug=SLUG):
    """Ids the scope may see: ("public",), ("delegation", code),
    ("participant", id), ("room", room_id) -> (ids, reserved ids)."""
    conf = one(s, "SELECT id FROM conferences WHERE slug = %s", slug)
    base = "SELECT s.id FROM sessions s WHERE s.conference_id = %(c)s AND "
    args = {"c": conf}
    if scope[0] == "public":
        sql = base + "s.visibility = 'public'"
    elif scope[0] == "delegation":
        args["d"] = one(s, "SELECT id FROM delegations WHERE conference_id = %s"
                        " AND code = %s", conf, scope[1])
        sql = base + ("(s.visibility IN ('public', 'conference') OR "
                      "(s.visibility = 'restricted' AND " + _PARTY + "))")
    elif scope[0] == "participant":
        args["p"] = scope[1]
        sql = base + ("(s.visibility IN ('public', 'conference') OR EXISTS ("
                      "SELECT 1 FROM session_attendees a WHERE a.session_id = s.id"
                      " AND a.participant_id = %(p)s))")
    elif scope[0] == "room":
        args["r"] = scope[1]
        sql = base + "s.room_id = %(r)s"
        reserved = [r[0] for r in rows(s, base + "s.room_id = %(r)s AND "
                                       "s.visibility <> 'public' ORDER BY 1", args)]
        return sorted(r[0] for r in rows(s, sql, args)), reserved
    else:
        raise ValueError(scope)
    return sorted(r[0] for r in rows(s, sql + " ORDER BY 1", args)), []
