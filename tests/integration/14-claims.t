#!/usr/bin/python3
# 14-claims.t — two promises of the API that no other test checked:
#  * cancel with a stale If-Match is 412 (API.md: 412 If-Match version
#    mismatch; README: "PATCH and cancel with If-Match are safe to retry (a
#    repeat gets 412)"), and nothing is written; with the current version it
#    cancels.
#  * the default list limit is 100 (API.md: "?limit= (default 100, max
#    1000)"): a list of more than 100 rows answers exactly 100 items and a
#    `next` cursor, and following it gives the rest, each row once.
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "g7-digital-2023"
ROWS = 130      # more than the default page, less than the maximum limit


def writes(s, sid):
    """What a write of session sid leaves behind."""
    return (one(s, "SELECT version FROM sessions WHERE id = %s", sid),
            one(s, "SELECT status FROM sessions WHERE id = %s", sid),
            one(s, "SELECT count(*) FROM audit_log WHERE entity = 'session' AND entity_id = %s", sid),
            one(s, "SELECT count(*) FROM session_changes WHERE session_id = %s", sid))


def stale_cancel(s):
    sec = s.token("secretariat", conference=SLUG)
    sid = one(s, "SELECT id FROM sessions WHERE title = 'Press conference of the chair'")
    path = "/api/v1/sessions/%d" % sid
    r = s.request("GET", path, token=sec)
    is_(r.status, 200, "the session is read")
    old = r.headers.get("ETag")
    like(old or "", r'^"\d+"$', "with an ETag naming its version (%s)" % old)
    r = s.request("PATCH", path, {"title": "Press conference of the chair (room change)"},
                  token=sec, headers={"If-Match": old})
    is_(r.status, 200, "PATCH with the current If-Match: 200")
    cur = r.headers.get("ETag")
    ok(cur and cur != old, "a new version (%s -> %s)" % (old, cur))
    before = writes(s, sid)
    r = s.request("POST", path + "/cancel", token=sec, headers={"If-Match": old})
    is_(r.status, 412, "cancel with the stale If-Match %s: 412" % old)
    like(r.headers.get("Content-Type", ""), r"^application/problem\+json", "... as problem+json")
    is_(writes(s, sid), before, "... and nothing written (version, status, audit, change log)")
    is_(before[1], "confirmed", "the session is still confirmed")
    r = s.request("POST", path + "/cancel", token=sec, headers={"If-Match": cur})
    is_(r.status, 200, "cancel with the current If-Match %s: 200" % cur)
    is_((r.json or {}).get("status"), "cancelled", "... and it is cancelled")
    r = s.request("POST", path + "/cancel", token=sec, headers={"If-Match": cur})
    is_(r.status, 412, "the same cancel repeated (its If-Match now stale): 412")


def pages(s, path, token):
    """Follow `next` from the default first page: ([page sizes], ids, last status)."""
    sizes, ids, cursor = [], [], None
    for _ in range(10):
        r = s.request("GET", path + ("?cursor=%s" % cursor if cursor else ""), token=token)
        if r.status != 200 or not isinstance(r.json, dict):
            return sizes, ids, r.status
        sizes.append(len(r.json.get("items", [])))
        ids += [i["id"] for i in r.json.get("items", [])]
        cursor = r.json.get("next")
        if not cursor:
            break
    return sizes, ids, 200


def check_list(s, what, path, want, token):
    """The default page of a list of len(want) (> 100) rows."""
    r = s.request("GET", path, token=token)
    items = (r.json or {}).get("items") if isinstance(r.json, dict) else None
    is_(r.status, 200, "%s: 200" % what)
    is_(len(items or []), 100, "%s: %d rows, the default page holds exactly 100" % (what, len(want)))
    ok(isinstance(r.json, dict) and r.json.get("next"), "%s: ... and a `next` cursor" % what)
    sizes, ids, status = pages(s, path, token)
    ok(status == 200 and sizes[0] == 100 and sum(sizes[1:]) == len(want) - 100,
       "%s: following `next`: pages of %s" % (what, sizes))
    ok(sorted(ids) == sorted(want) and len(set(ids)) == len(ids),
       "%s: every row once over the pages" % what)
    r = s.request("GET", path + "?limit=1000", token=token)
    ok(r.status == 200 and len(r.json["items"]) == len(want) and r.json.get("next") is None,
       "%s: ?limit=1000 gives all %d and no `next`" % (what, len(want)))


def default_limit(s):
    admin = s.token("admin")
    r = s.request("POST", "/api/v1/conferences", {
        "slug": "big-2024", "title": "Big", "timezone": "Europe/Berlin",
        "start_date": "2024-03-01", "end_date": "2024-03-05"}, token=admin)
    is_(r.status, 201, "a conference for the big lists")
    conf = r.json["id"]
    with s.db().cursor() as cur:
        cur.execute("INSERT INTO venues (conference_id, name) SELECT %s, 'Venue ' || g"
                    " FROM generate_series(1, %s) g", (conf, ROWS))
        cur.execute("INSERT INTO rooms (conference_id, venue_id, name, capacity)"
                    " SELECT %s, min(v.id), 'Room ' || g, 10 FROM venues v,"
                    " generate_series(1, %s) g WHERE v.conference_id = %s GROUP BY g",
                    (conf, ROWS, conf))
        cur.execute("INSERT INTO delegations (conference_id, code, name, kind)"
                    " SELECT %s, 'D' || g, 'Delegation ' || g, 'guest' FROM generate_series(1, %s) g",
                    (conf, ROWS))
        cur.execute("INSERT INTO sessions (conference_id, kind, title, starts_at, ends_at, visibility)"
                    " SELECT %s, 'other', 'Session ' || g,"
                    " timestamptz '2024-03-01 08:00 Europe/Berlin' + g * interval '1 minute',"
                    " timestamptz '2024-03-01 08:30 Europe/Berlin' + g * interval '1 minute', 'public'"
                    " FROM generate_series(1, %s) g", (conf, ROWS))
        cur.execute("INSERT INTO conferences (slug, title, timezone, start_date, end_date)"
                    " SELECT 'c' || g, 'C' || g, 'UTC', '2025-01-01', '2025-01-02'"
                    " FROM generate_series(1, %s) g", (ROWS,))
    base = "/api/v1/conferences/big-2024"
    for what, path, table in (("sessions", base + "/sessions", "sessions"),
                              ("venues", base + "/venues", "venues"),
                              ("rooms", base + "/rooms", "rooms"),
                              ("delegations", base + "/delegations", "delegations")):
        want = [row for (row,) in rows(s, "SELECT id FROM %s WHERE conference_id = %%s" % table, conf)]
        check_list(s, what, path, want, admin)
    want = [row for (row,) in rows(s, "SELECT id FROM conferences")]
    check_list(s, "conferences", "/api/v1/conferences", want, None)


with Server() as s:
    stale_cancel(s)
    default_limit(s)
    is_(s.stop(), 0, "kaigid exits 0")
done_testing()
