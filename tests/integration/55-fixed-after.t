#!/usr/bin/python3
# 55-fixed-after.t — fixed starts and precedences of bilateral requests
# (issue 20, item 3): "fixed_start" and "after" on create and PATCH, shown
# in the JSON; infeasible ones refused with 409 naming the cause (window,
# day hours, unavailability, a predecessor cancelled or too late, a cycle)
# and nothing written; an "after" naming no request of the conference is
# 422; auto-schedule keeps both, and re-checks them (409) when the data
# changed since; placing one request by hand keeps them too; the client's
# `kaigi bilateral request --fixed-start T --after ID,ID`.
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "fx-2025"
BASE = "/api/v1/conferences/%s/bilaterals" % SLUG
KAIGI = os.path.abspath(os.environ.get("KAIGI") or os.path.join(TOP, "client", "kaigi"))


def one(s, sql, *args):
    with s.db().cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchone()[0]


def setup(s):
    """A two-day conference in Paris (summer, +02:00), one bilateral room,
    four delegations with a head each; AA's head is away 14:00-15:00 on day 1."""
    with s.db().cursor() as cur:
        cur.execute("""DO $$ DECLARE c bigint; v bigint; a bigint; b bigint; d bigint; e bigint;
            p bigint; BEGIN
            INSERT INTO conferences (slug, title, timezone, start_date, end_date)
            VALUES ('fx-2025', 'Fixed', 'Europe/Paris', '2025-06-10', '2025-06-11') RETURNING id INTO c;
            INSERT INTO venues (conference_id, name) VALUES (c, 'Quai') RETURNING id INTO v;
            INSERT INTO rooms (conference_id, venue_id, name, capacity, kind)
            VALUES (c, v, 'Salon', 4, 'bilateral'), (c, v, 'Boudoir', 4, 'bilateral');
            INSERT INTO delegations (conference_id, code, name) VALUES (c, 'AA', 'Aland') RETURNING id INTO a;
            INSERT INTO delegations (conference_id, code, name) VALUES (c, 'BB', 'Borduria') RETURNING id INTO b;
            INSERT INTO delegations (conference_id, code, name) VALUES (c, 'CC', 'Carpania') RETURNING id INTO d;
            INSERT INTO delegations (conference_id, code, name) VALUES (c, 'DD', 'Dorado') RETURNING id INTO e;
            INSERT INTO participants (conference_id, delegation_id, name, role)
            VALUES (c, a, 'Head A', 'head') RETURNING id INTO p;
            INSERT INTO participants (conference_id, delegation_id, name, role)
            VALUES (c, b, 'Head B', 'head'), (c, d, 'Head C', 'head'), (c, e, 'Head D', 'head');
            INSERT INTO unavailability (participant_id, during, reason)
            VALUES (p, tstzrange('2025-06-10 14:00+02', '2025-06-10 15:00+02'), 'dentist');
            END $$""")


def post(s, tok, body):
    return s.request("POST", BASE, body, token=tok)


def conflict(r, cause, name):
    """409 problem+json whose "cause" is this one."""
    j = r.json or {}
    ok(r.status == 409 and j.get("cause") == cause and r.headers.get("Content-Type", "").startswith(
        "application/problem+json"), "%s: 409, cause %s" % (name, cause))
    if r.status != 409 or j.get("cause") != cause:
        diag("got %d: %s" % (r.status, r.text[:500]))


def test_create(s, sec):
    """Create with either, shown in the JSON; infeasible ones refused, nothing written."""
    r = post(s, sec, {"requester": "AA", "counterpart": "BB", "duration_minutes": 30,
                      "fixed_start": "2025-06-10T10:00:00+02:00"})
    is_(r.status, 201, "create with fixed_start: 201")
    a = r.json or {}
    is_((a.get("fixed_start"), a.get("after")), ("2025-06-10T10:00:00+02:00", []),
        "fixed_start shown in the zone, after empty")
    r = post(s, sec, {"requester": "AA", "counterpart": "CC", "duration_minutes": 45, "after": [a.get("id")]})
    is_(r.status, 201, "create with after: 201")
    b = r.json or {}
    is_((b.get("fixed_start"), b.get("after")), (None, [a.get("id")]), "after shown, no fixed start")
    r = s.request("GET", "/api/v1/bilaterals/%s" % b.get("id"), token=sec)
    is_((r.json or {}).get("after"), [a.get("id")], "GET shows after")
    before = one(s, "SELECT count(*) FROM bilateral_requests")
    audit = one(s, "SELECT count(*) FROM audit_log")
    conflict(post(s, sec, {"requester": "AA", "counterpart": "BB", "duration_minutes": 30,
                           "earliest": "2025-06-10T11:00:00+02:00", "latest": "2025-06-10T16:00:00+02:00",
                           "fixed_start": "2025-06-10T10:00:00+02:00"}), "window", "fixed start before the window")
    conflict(post(s, sec, {"requester": "AA", "counterpart": "BB", "duration_minutes": 30,
                           "fixed_start": "2025-06-10T19:45:00+02:00"}), "day_hours", "fixed start past the day's end")
    conflict(post(s, sec, {"requester": "BB", "counterpart": "AA", "duration_minutes": 30,
                           "fixed_start": "2025-06-10T13:45:00+02:00"}), "unavailability",
             "fixed start overlapping the counterpart head's unavailability")
    r = post(s, sec, {"requester": "BB", "counterpart": "DD", "duration_minutes": 30,
                      "fixed_start": "2025-06-11T10:00:00+02:00"})
    late = r.json or {}
    conflict(post(s, sec, {"requester": "CC", "counterpart": "DD", "duration_minutes": 30,
                           "latest": "2025-06-10T18:00:00+02:00", "after": [late.get("id")]}), "precedence",
             "after a request fixed on the next day while this one must end on day 1")
    r = post(s, sec, {"requester": "CC", "counterpart": "BB", "duration_minutes": 30})
    gone = (r.json or {}).get("id")
    s.request("POST", "/api/v1/bilaterals/%s/withdraw" % gone, token=sec)
    conflict(post(s, sec, {"requester": "CC", "counterpart": "DD", "duration_minutes": 30, "after": [gone]}),
             "cancelled", "after a withdrawn request")
    r = post(s, sec, {"requester": "CC", "counterpart": "DD", "duration_minutes": 30, "after": [999999]})
    is_((r.status, [e.get("field") for e in (r.json or {}).get("errors", [])]), (422, ["after"]),
        "after naming no request of the conference: 422 on after")
    r = post(s, sec, {"requester": "CC", "counterpart": "DD", "duration_minutes": 30, "after": ["x"]})
    is_((r.status, [e.get("field") for e in (r.json or {}).get("errors", [])]), (422, ["after"]),
        "after not an array of ids: 422 on after")
    r = post(s, sec, {"requester": "CC", "counterpart": "DD", "duration_minutes": 30, "fixed_start": "10:00"})
    is_((r.status, [e.get("field") for e in (r.json or {}).get("errors", [])]), (422, ["fixed_start"]),
        "fixed_start not a time: 422 on fixed_start")
    is_((one(s, "SELECT count(*) FROM bilateral_requests"), one(s, "SELECT count(*) FROM audit_log")),
        (before + 2, audit + 3), "refusals wrote nothing (only the late request, the withdrawn one and its withdrawal)")
    return a, b, late


def test_unavailable_named(s, sec):
    """The unavailability 409 names the attendee to the secretariat only, not
    to the requester's liaison (it is the counterpart's diary)."""
    body = {"requester": "BB", "counterpart": "AA", "duration_minutes": 30,
            "fixed_start": "2025-06-10T13:45:00+02:00"}
    head_a = one(s, "SELECT id FROM participants WHERE name = 'Head A'")
    j = post(s, sec, body).json or {}
    is_((j.get("cause"), j.get("participant_id")), ("unavailability", head_a),
        "the secretariat's 409 names the unavailable attendee")
    bb = s.token("liaison", conference=SLUG, delegation="BB")
    r = post(s, bb, body)
    j = r.json or {}
    is_((r.status, j.get("cause")), (409, "unavailability"), "the liaison's fixed start: 409 unavailability")
    ok("participant_id" not in j and str(head_a) not in r.text and "Head A" not in r.text,
       "… naming nobody of the counterpart's delegation") or diag(r.text)


def test_patch(s, sec, a, b):
    """PATCH sets and clears them; a cycle is 409."""
    path = "/api/v1/bilaterals/%s" % a["id"]
    conflict(s.request("PATCH", path, {"after": [b["id"]]}, token=sec), "cycle",
             "PATCH a after b, b being after a")
    is_(one(s, "SELECT after_ids FROM bilateral_requests WHERE id = %s", a["id"]), [], "the cycle was not written")
    conflict(s.request("PATCH", path, {"fixed_start": "2025-06-10T14:15:00+02:00"}, token=sec), "unavailability",
             "PATCH a fixed start into the unavailability")
    r = s.request("PATCH", path, {"fixed_start": "2025-06-10T09:30:00+02:00"}, token=sec)
    is_((r.status, (r.json or {}).get("fixed_start")), (200, "2025-06-10T09:30:00+02:00"), "PATCH fixed_start")
    r = s.request("PATCH", path, {"fixed_start": None}, token=sec)
    is_((r.status, (r.json or {}).get("fixed_start")), (200, None), "PATCH fixed_start null frees it")
    r = s.request("PATCH", path, {"fixed_start": "2025-06-10T10:00:00+02:00"}, token=sec)
    is_(r.status, 200, "fixed again at 10:00")


def test_schedule(s, sec, a, b, late):
    """Auto-schedule keeps fixed starts and precedences; re-checks them."""
    for x in (a, b, late):
        s.request("POST", "/api/v1/bilaterals/%s/accept" % x["id"], token=sec)
    # c: fixed, but its head becomes unavailable after it was requested.
    r = post(s, sec, {"requester": "CC", "counterpart": "DD", "duration_minutes": 30,
                      "fixed_start": "2025-06-11T16:00:00+02:00"})
    c = r.json or {}
    s.request("POST", "/api/v1/bilaterals/%s/accept" % c.get("id"), token=sec)
    with s.db().cursor() as cur:
        cur.execute("INSERT INTO unavailability (participant_id, during)"
                    " SELECT id, tstzrange('2025-06-11 15:30+02', '2025-06-11 17:00+02')"
                    " FROM participants WHERE name = 'Head D'")
    sched = "/api/v1/conferences/%s/schedule" % SLUG
    r = s.request("POST", sched, {"time_limit_ms": 1000}, token=sec)
    conflict(r, "unavailability", "auto-schedule with a fixed start now unavailable")
    ok("%s" % c.get("id") in r.text, "the 409 names the request")
    s.request("POST", "/api/v1/bilaterals/%s/withdraw" % c.get("id"), token=sec)
    r = s.request("POST", "/api/v1/bilaterals/%s/schedule" % a["id"],
                  {"start": "2025-06-10T11:00:00+02:00", "room_id": one(s, "SELECT id FROM rooms WHERE name = 'Salon'")},
                  token=sec)
    conflict(r, "fixed_start", "placing a fixed request by hand elsewhere")
    r = s.request("POST", sched, {"time_limit_ms": 1000}, token=sec)
    is_((r.status, len((r.json or {}).get("placed", [])), (r.json or {}).get("unplaced")), (200, 3, []),
        "auto-schedule places all three")
    got = {p["bilateral_id"]: p for p in (r.json or {}).get("placed", [])}
    is_((got.get(a["id"]) or {}).get("start"), "2025-06-10T10:00:00+02:00", "a at its fixed start")
    is_((got.get(late["id"]) or {}).get("start"), "2025-06-11T10:00:00+02:00", "late at its fixed start")
    ok(b["id"] in got and got[b["id"]]["start"] >= got[a["id"]]["end"],
       "b starts after a ends (%s >= %s)" % ((got.get(b["id"]) or {}).get("start"), (got.get(a["id"]) or {}).get("end")))


def test_schedule_after_placed(s, sec, a):
    """A request after one already placed is placed after its session ends."""
    r = post(s, sec, {"requester": "BB", "counterpart": "CC", "duration_minutes": 30, "after": [a["id"]],
                      "latest": "2025-06-10T13:00:00+02:00"})
    is_(r.status, 201, "created after a placed request")
    e = r.json or {}
    s.request("POST", "/api/v1/bilaterals/%s/accept" % e.get("id"), token=sec)
    r = s.request("POST", "/api/v1/conferences/%s/schedule" % SLUG, {"time_limit_ms": 1000}, token=sec)
    got = {p["bilateral_id"]: p for p in (r.json or {}).get("placed", [])}
    ok(r.status == 200 and e.get("id") in got and got[e["id"]]["start"] >= "2025-06-10T10:30:00+02:00",
       "placed after a's session ends (%s)" % (got.get(e.get("id")) or {}).get("start"))


def test_move(s, sec, a, b):
    """Moving a placed request's session by hand keeps its fixed start and precedences."""
    sa = one(s, "SELECT session_id FROM bilateral_requests WHERE id = %s", a["id"])
    sb = one(s, "SELECT session_id FROM bilateral_requests WHERE id = %s", b["id"])
    conflict(s.request("PATCH", "/api/v1/sessions/%d" % sa, {"start": "2025-06-11T17:00:00+02:00",
                                                             "end": "2025-06-11T17:30:00+02:00"}, token=sec),
             "fixed_start", "moving a fixed request's session")
    conflict(s.request("PATCH", "/api/v1/sessions/%d" % sb, {"start": "2025-06-10T09:00:00+02:00",
                                                             "end": "2025-06-10T09:45:00+02:00"}, token=sec),
             "precedence", "moving b's session before a ends")
    r = s.request("PATCH", "/api/v1/sessions/%d" % sb, {"title": "Renamed"}, token=sec)
    is_(r.status, 200, "a change that is no move is not checked")


def test_client(s, sec, a):
    """kaigi bilateral request --fixed-start T --after ID,ID."""
    env = dict(os.environ, KAIGI_CONFIG="/dev/null", TZ="UTC", KAIGI_URL=s.url, KAIGI_TOKEN=sec,
               KAIGI_CONFERENCE=SLUG)
    p = subprocess.run([KAIGI, "bilateral", "request", "--requester", "DD", "--counterpart", "BB",
                        "--duration", "30", "--fixed-start", "2025-06-11T12:00:00+02:00",
                        "--after", "%s,%s" % (a["id"], a["id"]), "--json"],
                       capture_output=True, text=True, env=env, timeout=60)
    try:
        doc = json.loads(p.stdout)
    except ValueError:
        doc = {}
    is_((p.returncode, doc.get("fixed_start"), doc.get("after")), (0, "2025-06-11T12:00:00+02:00", [a["id"]]),
        "client: --fixed-start and --after reach the request")
    if p.returncode != 0:
        diag(p.stderr)
    p = subprocess.run([KAIGI, "bilateral", "request", "--requester", "DD", "--counterpart", "BB",
                        "--duration", "30", "--after", "1,x"],
                       capture_output=True, text=True, env=env, timeout=60)
    ok(p.returncode == 1 and "--after" in p.stderr, "client: --after 1,x is a usage error naming --after")


with Server() as s:
    setup(s)
    sec = s.token("secretariat", conference=SLUG)
    a, b, late = test_create(s, sec)
    test_unavailable_named(s, sec)
    if a and b:
        test_patch(s, sec, a, b)
        test_schedule(s, sec, a, b, late)
        test_schedule_after_placed(s, sec, a)
        test_move(s, sec, a, b)
        test_client(s, sec, a)
done_testing()
