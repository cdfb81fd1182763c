#!/usr/bin/python3
# 19-warnings-tz.t — the rest of issue 15's server side:
# - a session's expected_attendance above its room's capacity is stored, the
#   create/PATCH answer carries "warnings" and GET /conflicts lists it under
#   "warnings" (its "items" untouched); import reads the column, export
#   writes it;
# - changing a conference's timezone while it has sessions is 409 naming
#   ?shift=keep_wall_clock|keep_instants; keep_wall_clock keeps sessions',
#   bilateral windows' and unavailability's local times (SEQUENCE raised for
#   the sessions that moved), a wall time the new zone skips is 409 naming
#   the session with nothing changed; keep_instants keeps the instants; an
#   unknown shift is 400 naming both;
# - ref on session create/PATCH and bilateral create: 409 with existing_id;
# - If-Match on the travel-time matrix (PATCH, DELETE): 412 when stale;
# - an unknown delegation code in a session, bilateral, feed-token or
#   participant body lists the conference's codes (20 at most, then "…").
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "g7-digital-2023"
C = "/api/v1/conferences/" + SLUG


def one(db, q, *args):
    """The first row."""
    with db.cursor() as cur:
        cur.execute(q, args)
        return cur.fetchone()


def count(db, table):
    """Rows of a table (a refused request must not change it)."""
    return one(db, "SELECT count(*) FROM " + table)[0]


def req(s, method, path, body=None, token=None, version=None):
    """A request, with If-Match when version is given."""
    h = {"If-Match": '"%s"' % version} if version is not None else None
    return s.request(method, path, body, token=token, headers=h)


def session(start, end, **more):
    """A session body in the demo conference."""
    b = {"kind": "side_event", "title": "Reception " + start, "start": start, "end": end}
    b.update(more)
    return b


def attendance(s, db, sec):
    rid, rname, cap = one(db, "SELECT r.id, r.name, r.capacity FROM rooms r JOIN conferences c"
                              " ON c.id = r.conference_id WHERE c.slug = %s ORDER BY r.capacity, r.id"
                              " LIMIT 1", SLUG)
    over = cap + 288
    r = s.request("POST", C + "/sessions", session("2023-04-30T21:00:00+09:00", "2023-04-30T21:30:00+09:00",
                                                   room_id=rid, expected_attendance=over), token=sec)
    is_(r.status, 201, "a session expecting more people than its room seats is stored: 201")
    j = r.json or {}
    sid = j.get("id")
    is_(j.get("expected_attendance"), over, "... with expected_attendance")
    w = j.get("warnings") or []
    is_([x.get("type") for x in w], ["over_capacity"], "... and one over_capacity warning")
    is_((w or [{}])[0].get("detail"), "%d expected, room '%s' seats %d" % (over, rname, cap),
        "... whose detail names the numbers and the room")
    is_((s.request("GET", "/api/v1/sessions/%s" % sid, token=sec).json or {}).get("expected_attendance"), over,
        "GET shows expected_attendance")
    r = s.request("POST", C + "/sessions", session("2023-04-30T22:00:00+09:00", "2023-04-30T22:30:00+09:00",
                                                   room_id=rid, expected_attendance=cap), token=sec)
    is_((r.status, (r.json or {}).get("warnings")), (201, []), "as many as the seats: no warning")
    fits = (r.json or {}).get("id")
    for bad in (-1, "300", 1.5, True):
        before = count(db, "sessions")
        r = s.request("POST", C + "/sessions", session("2023-04-30T23:00:00+09:00", "2023-04-30T23:30:00+09:00",
                                                       expected_attendance=bad), token=sec)
        ok(r.status == 422 and "expected_attendance" in [e.get("field") for e in (r.json or {}).get("errors", [])]
           and count(db, "sessions") == before, "expected_attendance %r: 422 naming it, nothing stored" % (bad,))
    v = one(db, "SELECT version FROM sessions WHERE id = %s", fits)[0]
    r = req(s, "PATCH", "/api/v1/sessions/%s" % fits, {"expected_attendance": cap + 1}, sec, v)
    is_((r.status, [x.get("type") for x in (r.json or {}).get("warnings", [])]), (200, ["over_capacity"]),
        "PATCH expected_attendance above the seats: 200 with the warning")
    is_(req(s, "PATCH", "/api/v1/sessions/%s" % fits, {"expected_attendance": 1}, sec, v).status, 412,
        "PATCH with a stale If-Match: 412")
    r = s.request("PATCH", "/api/v1/sessions/%s" % fits, {"expected_attendance": None}, token=sec)
    is_((r.status, (r.json or {}).get("expected_attendance"), (r.json or {}).get("warnings")), (200, None, []),
        "PATCH expected_attendance null clears it and the warning")
    is_(s.request("PATCH", "/api/v1/sessions/99999999", {"expected_attendance": 1}, token=sec).status, 404,
        "PATCH an unknown session: 404")
    r = s.request("GET", C + "/conflicts", token=sec)
    j = r.json or {}
    ws = [x for x in j.get("warnings", []) if x.get("session_id") == sid]
    ok(r.status == 200 and len(ws) == 1 and ws[0].get("type") == "over_capacity"
       and ws[0].get("severity") == "warning" and "seats %d" % cap in ws[0].get("detail", ""),
       "GET /conflicts lists the over-capacity session under warnings")
    ok(not [x for x in j.get("items", []) if x.get("session_id") == sid],
       "... and not among the rules broken (items)")
    ok(not [x for x in j.get("warnings", []) if x.get("session_id") == fits], "... nor the one that fits")


def import_export(s, db, sec, rname, venue):
    csv = ("kind,title,venue,room,start,end,expected_attendance\n"
           "side_event,Imported reception,%s,%s,2023-04-30T23:00:00,2023-04-30T23:30:00,500\n"
           % (venue, rname)).encode()
    r = s.request("POST", C + "/import?kind=sessions", raw=csv, token=sec,
                  headers={"Content-Type": "text/csv"})
    is_(r.status, 200, "import kind=sessions with an expected_attendance column: 200")
    row = one(db, "SELECT expected_attendance FROM sessions WHERE title = 'Imported reception'")
    is_(row and row[0], 500, "... stores it")
    r = s.request("POST", C + "/import?kind=sessions", raw=csv, token=sec, headers={"Content-Type": "text/csv"})
    ok(r.status == 200 and not (r.json or {}).get("updated") and not (r.json or {}).get("created"),
       "a re-import changes nothing")
    bad = csv.replace(b",500\n", b",many\n")
    r = s.request("POST", C + "/import?kind=sessions", raw=bad, token=sec, headers={"Content-Type": "text/csv"})
    ok(r.status == 422 and [e for e in (r.json or {}).get("errors", []) if e.get("column") == "expected_attendance"],
       "a non-number in the column: 422 naming it")
    r = s.request("GET", C + "/export/sessions.csv", token=sec)
    lines = r.text.splitlines()
    ok(r.status == 200 and "expected_attendance" in lines[0].split(","), "export sessions.csv has the column")
    col = lines[0].split(",").index("expected_attendance") if lines else 0
    ok([ln for ln in lines if "Imported reception" in ln and ln.split(",")[col:col + 1] == ["500"]],
       "... with the value")


def refs(s, db, sec):
    r = s.request("POST", C + "/sessions", session("2023-04-29T21:00:00+09:00", "2023-04-29T21:30:00+09:00",
                                                   ref="S-1"), token=sec)
    is_((r.status, (r.json or {}).get("ref")), (201, "S-1"), "session create with ref: 201, ref shown")
    first = (r.json or {}).get("id")
    before = count(db, "sessions")
    r = s.request("POST", C + "/sessions", session("2023-04-29T22:00:00+09:00", "2023-04-29T22:30:00+09:00",
                                                   ref="S-1"), token=sec)
    is_((r.status, (r.json or {}).get("existing_id"), count(db, "sessions")), (409, first, before),
        "a second session with that ref: 409 with existing_id, nothing stored")
    r = s.request("POST", C + "/sessions", session("2023-04-29T22:00:00+09:00", "2023-04-29T22:30:00+09:00",
                                                   ref="S-2"), token=sec)
    second = (r.json or {}).get("id")
    r = s.request("PATCH", "/api/v1/sessions/%s" % second, {"ref": "S-1"}, token=sec)
    is_((r.status, (r.json or {}).get("existing_id")), (409, first), "PATCH to a taken ref: 409 with existing_id")
    is_(one(db, "SELECT ref FROM sessions WHERE id = %s", second)[0], "S-2", "... unchanged")
    is_(s.request("PATCH", "/api/v1/sessions/%s" % second, {"ref": ""}, token=sec).status, 422,
        "PATCH ref empty: 422")
    r = s.request("PATCH", "/api/v1/sessions/%s" % second, {"ref": None}, token=sec)
    is_((r.status, (r.json or {}).get("ref")), (200, None), "PATCH ref null clears it")
    r = s.request("PATCH", "/api/v1/sessions/%s" % second, {"ref": "S-2"}, token=sec)
    is_((r.status, (r.json or {}).get("ref")), (200, "S-2"), "PATCH ref: 200")
    b = {"requester": "JP", "counterpart": "CA", "duration_minutes": 30, "ref": "B-77"}
    r = s.request("POST", C + "/bilaterals", b, token=sec)
    is_((r.status, (r.json or {}).get("ref")), (201, "B-77"), "bilateral create with ref: 201, ref shown")
    bid = (r.json or {}).get("id")
    before = count(db, "bilateral_requests")
    r = s.request("POST", C + "/bilaterals", dict(b, counterpart="FR"), token=sec)
    is_((r.status, (r.json or {}).get("existing_id"), count(db, "bilateral_requests")), (409, bid, before),
        "a second request with that ref: 409 with existing_id, nothing stored")
    is_(s.request("POST", C + "/bilaterals", dict(b, ref=""), token=sec).status, 422, "bilateral ref empty: 422")


def travel(s, db, sec):
    tt = C + "/travel-times"
    r = s.request("GET", tt)
    etag = r.headers.get("ETag")
    ok(r.status == 200 and etag == '"%s"' % (r.json or {}).get("version"), "GET travel-times: ETag is its version")
    v = (r.json or {})["version"]
    a, b = one(db, "SELECT array_agg(v.id ORDER BY v.id) FROM venues v JOIN conferences c"
                   " ON c.id = v.conference_id WHERE c.slug = %s", SLUG)[0][:2]
    r = req(s, "PATCH", tt, [{"from_venue_id": a, "to_venue_id": b, "minutes": 17}], sec, v)
    ok(r.status == 200 and r.headers.get("ETag") == '"%s"' % (r.json or {}).get("version")
       and (r.json or {}).get("version", v) > v, "PATCH with the current If-Match: 200, a new version")
    before = one(db, "SELECT array_agg(minutes ORDER BY from_venue_id, to_venue_id) FROM travel_times")
    is_(req(s, "PATCH", tt, [{"from_venue_id": a, "to_venue_id": b, "minutes": 99}], sec, v).status, 412,
        "PATCH with a stale If-Match: 412")
    is_(req(s, "DELETE", "%s/%d/%d" % (tt, a, b), None, sec, v).status, 412, "DELETE with a stale If-Match: 412")
    is_(one(db, "SELECT array_agg(minutes ORDER BY from_venue_id, to_venue_id) FROM travel_times"), before,
        "... nothing changed")
    v = (s.request("GET", tt).json or {})["version"]
    is_(req(s, "DELETE", "%s/%d/%d" % (tt, a, b), None, sec, v).status, 204, "DELETE with the current If-Match: 204")
    is_(req(s, "DELETE", "%s/%d/%d" % (tt, a, b), None, sec, v).status, 404, "DELETE it again: 404")
    is_(req(s, "PATCH", "/api/v1/conferences/nope/travel-times", [], sec, 1).status, 404,
        "PATCH an unknown conference's: 404")


def tz_setup(s, admin, slug, tz, days=("2025-03-28", "2025-03-31")):
    """A conference with a venue, a room, a delegation, one participant; its secretariat token."""
    r = s.request("POST", "/api/v1/conferences", {"slug": slug, "title": slug, "timezone": tz,
                                                  "start_date": days[0], "end_date": days[1]}, token=admin)
    assert r.status == 201, r
    sec = s.token("secretariat", conference=slug)
    p = "/api/v1/conferences/" + slug
    vid = s.request("POST", p + "/venues", {"name": "Hall"}, token=sec).json["id"]
    rid = s.request("POST", p + "/rooms", {"venue_id": vid, "name": "Salon B", "capacity": 12}, token=sec).json["id"]
    assert s.request("POST", p + "/delegations", {"code": "FR", "name": "France", "kind": "member"},
                     token=sec).status == 201
    pid = s.request("POST", p + "/participants", {"delegation": "FR", "name": "Anne", "role": "head"},
                    token=sec).json["id"]
    return sec, p, rid, pid


def snapshot(db, slug):
    """Everything a refused time-zone change must leave as it was."""
    return one(db, "SELECT c.timezone, c.version, (SELECT array_agg((s.starts_at, s.ends_at, s.sequence)::text"
                   " ORDER BY s.id) FROM sessions s WHERE s.conference_id = c.id),"
                   " (SELECT array_agg(u.during::text ORDER BY u.id) FROM unavailability u),"
                   " (SELECT count(*) FROM audit_log) FROM conferences c WHERE c.slug = %s", slug)


def timezone(s, db, admin):
    sec, p, rid, pid = tz_setup(s, admin, "tz-a", "Europe/Paris")
    r = s.request("POST", p + "/sessions", {"kind": "plenary", "title": "Opening", "room_id": rid,
                                            "start": "2025-03-29T10:00:00+01:00", "end": "2025-03-29T11:00:00+01:00"},
                  token=sec)
    sid, seq = r.json["id"], r.json["sequence"]
    r = s.request("POST", "/api/v1/participants/%d/unavailability" % pid,
                  {"start": "2025-03-29T12:00:00+01:00", "end": "2025-03-29T13:00:00+01:00"}, token=sec)
    is_(r.status, 201, "an unavailability")
    assert s.request("POST", p + "/delegations", {"code": "DE", "name": "Germany", "kind": "member"},
                     token=sec).status == 201
    r = s.request("POST", p + "/bilaterals", {"requester": "FR", "counterpart": "DE", "duration_minutes": 30,
                                              "earliest": "2025-03-29T09:00:00+01:00",
                                              "latest": "2025-03-29T18:00:00+01:00"}, token=sec)
    is_(r.status, 201, "a bilateral request with a window")
    bid = (r.json or {}).get("id")
    before = snapshot(db, "tz-a")
    r = s.request("PATCH", p, {"timezone": "Europe/London"}, token=sec)
    ok(r.status == 409 and "keep_wall_clock" in (r.json or {}).get("detail", "")
       and "keep_instants" in (r.json or {}).get("detail", "")
       and (r.json or {}).get("choices") == ["keep_wall_clock", "keep_instants"],
       "a new timezone while sessions exist: 409 naming keep_wall_clock and keep_instants")
    is_(snapshot(db, "tz-a"), before, "... nothing changed")
    r = s.request("PATCH", p + "?shift=later", {"timezone": "Europe/London"}, token=sec)
    ok(r.status == 400 and "keep_wall_clock" in (r.json or {}).get("detail", "")
       and "keep_instants" in (r.json or {}).get("detail", ""), "an unknown shift: 400 naming the two values")
    is_(snapshot(db, "tz-a"), before, "... nothing changed")
    v = s.request("GET", p).json["version"]
    is_(req(s, "PATCH", p + "?shift=keep_wall_clock", {"timezone": "Europe/London"}, sec, v - 1).status, 412,
        "keep_wall_clock with a stale If-Match: 412")
    is_(snapshot(db, "tz-a"), before, "... nothing changed")
    is_(req(s, "PATCH", "/api/v1/conferences/nope?shift=keep_wall_clock", {"timezone": "Europe/London"},
            sec).status, 404, "an unknown conference: 404")
    r = s.request("PATCH", p + "?shift=keep_wall_clock", {"timezone": "Mars/Olympus"}, token=sec)
    is_(r.status, 422, "keep_wall_clock to an unknown zone: 422")
    r = req(s, "PATCH", p + "?shift=keep_wall_clock", {"timezone": "Europe/London"}, sec, v)
    is_((r.status, (r.json or {}).get("timezone")), (200, "Europe/London"), "keep_wall_clock: 200, new zone")
    j = s.request("GET", "/api/v1/sessions/%d" % sid, token=sec).json
    is_((j["start"], j["end"]), ("2025-03-29T10:00:00+00:00", "2025-03-29T11:00:00+00:00"),
        "... the session keeps its wall-clock time")
    is_(j["sequence"], seq + 1, "... and its SEQUENCE goes up")
    u = s.request("GET", "/api/v1/participants/%d/unavailability" % pid, token=sec).json
    items = u.get("items", u) if isinstance(u, dict) else u
    is_(items[0]["start"], "2025-03-29T12:00:00+00:00", "... and so does the unavailability")
    j = s.request("GET", "/api/v1/bilaterals/%s" % bid, token=sec).json or {}
    is_((j.get("earliest"), j.get("latest")), ("2025-03-29T09:00:00+00:00", "2025-03-29T18:00:00+00:00"),
        "... and so does the bilateral window")
    ok(one(db, "SELECT count(*) FROM audit_log WHERE entity = 'session' AND entity_id = %s"
               " AND after->>'shift' = 'keep_wall_clock'", sid)[0] == 1, "... audited")
    r = s.request("PATCH", p + "?shift=keep_instants", {"timezone": "Europe/Paris"}, token=sec)
    is_(r.status, 200, "keep_instants: 200")
    j = s.request("GET", "/api/v1/sessions/%d" % sid, token=sec).json
    is_((j["start"], j["sequence"]), ("2025-03-29T11:00:00+01:00", seq + 1),
        "... the session keeps its instant, shown in the new zone, same SEQUENCE")
    r = s.request("PATCH", p, {"title": "renamed"}, token=sec)
    is_(r.status, 200, "other changes need no shift")
    # A wall time that the new zone skips: 02:30 on 2025-03-30 in Paris.
    sec2, p2, rid2, _ = tz_setup(s, admin, "tz-b", "Asia/Tokyo")
    r = s.request("POST", p2 + "/sessions", {"kind": "plenary", "title": "Night owls", "room_id": rid2,
                                             "start": "2025-03-30T02:30:00+09:00",
                                             "end": "2025-03-30T03:30:00+09:00"}, token=sec2)
    gap = r.json["id"]
    before = snapshot(db, "tz-b")
    r = s.request("PATCH", p2 + "?shift=keep_wall_clock", {"timezone": "Europe/Paris"}, token=sec2)
    ok(r.status == 409 and gap in (r.json or {}).get("sessions", []) and "Night owls" in (r.json or {}).get("detail", ""),
       "keep_wall_clock onto a DST gap: 409 naming the session")
    is_(snapshot(db, "tz-b"), before, "... nothing changed")
    # A wall time that the new zone repeats: 02:30 on 2025-10-26 in Paris.
    sec4, p4, rid4, _ = tz_setup(s, admin, "tz-d", "Asia/Tokyo", ("2025-10-25", "2025-10-27"))
    r = s.request("POST", p4 + "/sessions", {"kind": "plenary", "title": "Twice", "room_id": rid4,
                                             "start": "2025-10-26T02:30:00+09:00",
                                             "end": "2025-10-26T04:30:00+09:00"}, token=sec4)
    twice = r.json["id"]
    before = snapshot(db, "tz-d")
    r = s.request("PATCH", p4 + "?shift=keep_wall_clock", {"timezone": "Europe/Paris"}, token=sec4)
    ok(r.status == 409 and twice in (r.json or {}).get("sessions", []) and "twice" in (r.json or {}).get("detail", ""),
       "keep_wall_clock onto a DST overlap: 409 naming the session and saying the time happens twice")
    is_(snapshot(db, "tz-d"), before, "... nothing changed")
    # No sessions: the zone changes without a shift.
    sec3, p3, _, _ = tz_setup(s, admin, "tz-c", "Europe/Paris")
    is_(s.request("PATCH", p3, {"timezone": "Asia/Tokyo"}, token=sec3).status, 200,
        "a conference without sessions changes zone without a shift")


def demo_shift(s, db, sec):
    before = one(db, "SELECT array_agg(to_char(s.starts_at AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM-DD HH24:MI')"
                     " ORDER BY s.id) FROM sessions s JOIN conferences c ON c.id = s.conference_id"
                     " WHERE c.slug = %s", SLUG)[0]
    items = (s.request("GET", C + "/conflicts", token=sec).json or {}).get("items")
    r = s.request("PATCH", C + "?shift=keep_wall_clock", {"timezone": "Europe/Berlin"}, token=sec)
    is_(r.status, 200, "the demo (sessions, scheduled bilaterals, unavailability) moves to Europe/Berlin keeping"
                       " wall clocks: 200")
    after = one(db, "SELECT array_agg(to_char(s.starts_at AT TIME ZONE 'Europe/Berlin', 'YYYY-MM-DD HH24:MI')"
                    " ORDER BY s.id) FROM sessions s JOIN conferences c ON c.id = s.conference_id"
                    " WHERE c.slug = %s", SLUG)[0]
    is_(after, before, "... every session at the same local time")
    is_((s.request("GET", C + "/conflicts", token=sec).json or {}).get("items"), items,
        "... and the conflict report as before")


def messages(r):
    """The messages of a 422's errors, joined."""
    return " | ".join(e.get("message", "") for e in (r.json or {}).get("errors", []))


def choices(s, db, admin, sec):
    r = s.request("POST", C + "/sessions", session("2023-04-29T23:00:00+09:00", "2023-04-29T23:30:00+09:00",
                                                   delegations=["ZZ"]), token=sec)
    ok(r.status == 422 and "ZZ" in messages(r) and "the codes are" in messages(r) and "JP" in messages(r),
       "a session naming an unknown delegation: 422 listing the codes")
    r = s.request("POST", C + "/bilaterals", {"requester": "ZZ", "counterpart": "JP", "duration_minutes": 30},
                  token=sec)
    ok(r.status == 422 and "the codes are" in messages(r) and "CA" in messages(r),
       "a bilateral with an unknown requester: 422 listing the codes")
    r = s.request("POST", C + "/feed-tokens", {"delegation": "ZZ"}, token=sec)
    ok(r.status == 422 and "the codes are" in messages(r), "a feed token for an unknown delegation: 422 listing the codes")
    r = s.request("POST", C + "/participants", {"delegation": "ZZ", "name": "X", "role": "staff"}, token=sec)
    ok(r.status == 422 and "the codes are" in messages(r), "a participant of an unknown delegation: 422 listing the codes")
    r = s.request("POST", C + "/sessions", session("2023-04-29T23:00:00+09:00", "2023-04-29T23:30:00+09:00",
                                                   kind="gala"), token=sec)
    ok(r.status == 422 and "plenary" in messages(r) and "working_meal" in messages(r),
       "an unknown session kind: 422 listing the kinds")
    r = s.request("POST", "/api/v1/conferences", {"slug": "many", "title": "Many", "timezone": "UTC",
                                                  "start_date": "2025-01-01", "end_date": "2025-01-02"}, token=admin)
    for i in range(25):
        s.request("POST", "/api/v1/conferences/many/delegations", {"code": "D%02d" % i, "name": "D%02d" % i,
                                                                   "kind": "member"}, token=admin)
    r = s.request("POST", "/api/v1/conferences/many/participants", {"delegation": "ZZ", "name": "X", "role": "staff"},
                  token=admin)
    m = messages(r)
    ok(r.status == 422 and "D19" in m and "D20" not in m and "…" in m and "25 in all" in m,
       "25 codes: the first 20 listed, then … and the count")


def part(fn, *args):
    """One part; an exception fails it and lets the others run."""
    try:
        return fn(*args)
    except Exception as e:  # noqa: BLE001
        ok(False, "%s ran through (%s: %s)" % (fn.__name__, type(e).__name__, e))
        return None


with Server() as s:
    db = s.db()
    admin = s.token("admin")
    sec = s.token("secretariat", conference=SLUG)
    part(attendance, s, db, sec)
    rid, rname, venue = one(db, "SELECT r.id, r.name, v.name FROM rooms r JOIN venues v ON v.id = r.venue_id"
                                " JOIN conferences c ON c.id = r.conference_id WHERE c.slug = %s"
                                " ORDER BY r.capacity, r.id LIMIT 1", SLUG)
    part(import_export, s, db, sec, rname, venue)
    part(refs, s, db, sec)
    part(travel, s, db, sec)
    part(timezone, s, db, admin)
    part(choices, s, db, admin, sec)
    part(demo_shift, s, db, sec)
done_testing()
