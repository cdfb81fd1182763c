#!/usr/bin/python3
# 50-bilaterals.t — the bilateral workflow: create (defaults, validation),
# read and list (status filter, paging), every transition legal and
# illegal (409), slots (the secretariat's at once, best first with their
# figures; the parties' only once accepted, earliest first without the
# figures; feasible, limit), placing one request (the best slot or a given
# one: a restricted bilateral session of the two delegations and their
# heads that clashes with nothing), level deputy, cancelling its session
# for re-placing (request back to accepted), withdrawing a scheduled one
# (request cancelled, session cancelled); day hours across a DST change.
# (Every transition, cancel without re-placing and the random walk:
# 53-bilateral-states.t.)
import os
import sys
from datetime import datetime

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "g7-digital-2023"
BASE = "/api/v1/conferences/%s/bilaterals" % SLUG


def problem(r, status, name):
    """A problem+json answer with this status."""
    ok(r.status == status and r.headers.get("Content-Type", "").startswith(
        "application/problem+json") and (r.json or {}).get("status") == status,
        "%s: %d problem+json" % (name, status))
    if r.status != status:
        diag("got %d: %s" % (r.status, r.text[:500]))


def fields(r):
    return sorted(e.get("field") for e in (r.json or {}).get("errors", []))


def act(s, tok, bid, action):
    return s.request("POST", "/api/v1/bilaterals/%d/%s" % (bid, action), token=tok)


def create(s, tok, body, name):
    r = s.request("POST", BASE, body, token=tok)
    is_(r.status, 201, name)
    if r.status != 201:
        diag(r.text[:500])
        return {}
    return r.json


def test_validation(s, jp):
    """Every 422 names its field; nothing is stored."""
    before = one(s, "SELECT count(*) FROM bilateral_requests")
    cases = [
        ({"requester": "JP", "counterpart": "JP", "duration_minutes": 30}, ["counterpart"], "same parties"),
        ({"requester": "JP", "counterpart": "CA", "duration_minutes": 4}, ["duration_minutes"], "duration too short"),
        ({"requester": "JP", "counterpart": "CA", "duration_minutes": 481}, ["duration_minutes"], "duration too long"),
        ({"requester": "JP", "counterpart": "CA", "duration_minutes": 60,
          "earliest": "2023-04-29T10:00:00+09:00", "latest": "2023-04-29T10:30:00+09:00"}, ["latest"], "window too small"),
        ({"requester": "JP", "counterpart": "CA", "duration_minutes": 60,
          "earliest": "2023-04-30T19:30:00+09:00"}, ["latest"], "default window too small after earliest"),
        ({"requester": "JP", "counterpart": "XX", "duration_minutes": 30}, ["counterpart"], "unknown delegation"),
        ({"requester": "JP", "counterpart": 999999, "duration_minutes": 30}, ["counterpart"], "unknown delegation id"),
        ({"requester": "JP", "duration_minutes": 30}, ["counterpart"], "counterpart missing"),
        ({"requester": "JP", "counterpart": "CA", "duration_minutes": 30, "priority": 6}, ["priority"], "priority out of range"),
        ({"requester": "JP", "counterpart": "CA", "duration_minutes": 30, "level": "minister"}, ["level"], "bad level"),
        ({"requester": "JP", "counterpart": "CA", "duration_minutes": 30, "colour": "red"}, ["colour"], "unknown field"),
        ({"requester": "JP", "counterpart": "CA", "duration_minutes": 30, "earliest": "tomorrow"}, ["earliest"], "bad time"),
    ]
    for body, want, name in cases:
        r = s.request("POST", BASE, body, token=jp)
        problem(r, 422, name)
        is_(fields(r), want, name + ": names the field")
    r = s.request("POST", BASE, raw=b"[1,2", token=jp, headers={"Content-Type": "application/json"})
    is_(r.status, 400, "malformed JSON: 400")
    is_(one(s, "SELECT count(*) FROM bilateral_requests"), before, "nothing stored by failed creates")


def test_create_and_read(s, jp, sec):
    """Defaults, read by id, list with filter and paging."""
    b = create(s, jp, {"requester": "JP", "counterpart": "CA", "duration_minutes": 30,
                       "topics": "DFFT follow-up"}, "liaison creates a request")
    is_((b.get("status"), b.get("requester"), b.get("counterpart"), b.get("priority"), b.get("level")),
        ("requested", "JP", "CA", 3, "head"), "status requested, defaults priority 3, level head")
    is_((b.get("earliest"), b.get("latest")), ("2023-04-28T08:00:00+09:00", "2023-04-30T20:00:00+09:00"),
        "window defaults to the conference's first and last day hours")
    is_(b.get("session_id"), None, "no session yet")
    ca_id = one(s, "SELECT id FROM delegations WHERE code = 'CA'")
    b2 = create(s, sec, {"requester": "GB", "counterpart": ca_id, "duration_minutes": 45, "priority": 5,
                         "level": "deputy", "earliest": "2023-04-29T08:00:00+09:00"}, "secretariat creates, counterpart by id")
    is_((b2.get("counterpart"), b2.get("priority"), b2.get("earliest")), ("CA", 5, "2023-04-29T08:00:00+09:00"),
        "id resolved to the code; given fields kept")
    r = s.request("GET", "/api/v1/bilaterals/%d" % b["id"], token=jp)
    is_((r.status, r.json and r.json["id"]), (200, b["id"]), "GET by id")
    r = s.request("GET", BASE + "?status=requested", token=sec)
    ids = [x["id"] for x in r.json["items"]]
    ok(b["id"] in ids and b2["id"] in ids and all(x["status"] == "requested" for x in r.json["items"]),
       "status filter: only requested ones, both new ones there")
    r = s.request("GET", BASE + "?status=bogus", token=sec)
    is_(r.status, 400, "unknown status filter: 400")
    r = s.request("GET", BASE + "?limit=4", token=sec)
    page1 = [x["id"] for x in r.json["items"]]
    r2 = s.request("GET", BASE + "?limit=4&cursor=%s" % r.json["next"], token=sec)
    page2 = [x["id"] for x in r2.json["items"]]
    ok(len(page1) == 4 and page2 and not set(page1) & set(page2) and page1 == sorted(page1)
       and max(page1) < min(page2), "paging: ordered, disjoint pages")
    total = one(s, "SELECT count(*) FROM bilateral_requests")
    r = s.request("GET", BASE + "?limit=1000", token=sec)
    is_((len(r.json["items"]), r.json["next"]), (total, None), "secretariat sees all, no next page")
    return b, b2


def test_transitions(s, jp, ca, sec):
    """Each legal transition and the illegal ones (409)."""
    b = create(s, jp, {"requester": "JP", "counterpart": "CA", "duration_minutes": 30}, "request to accept")
    r = act(s, ca, b["id"], "accept")
    is_((r.status, r.json and r.json["status"]), (200, "accepted"), "counterpart accepts: accepted")
    problem(act(s, ca, b["id"], "accept"), 409, "accept an accepted one")
    problem(act(s, ca, b["id"], "decline"), 409, "decline an accepted one")
    r = act(s, jp, b["id"], "withdraw")
    is_((r.status, r.json and r.json["status"]), (200, "withdrawn"), "requester withdraws an accepted one")
    b = create(s, jp, {"requester": "JP", "counterpart": "CA", "duration_minutes": 30}, "request to decline")
    r = act(s, ca, b["id"], "decline")
    is_((r.status, r.json and r.json["status"]), (200, "declined"), "counterpart declines a requested one")
    problem(act(s, ca, b["id"], "accept"), 409, "accept a declined one")
    problem(act(s, jp, b["id"], "withdraw"), 409, "withdraw a declined one")
    problem(act(s, sec, b["id"], "decline"), 409, "decline a declined one")
    b = create(s, jp, {"requester": "JP", "counterpart": "CA", "duration_minutes": 30}, "request to withdraw")
    r = act(s, jp, b["id"], "withdraw")
    is_((r.status, r.json and r.json["status"]), (200, "withdrawn"), "requester withdraws: withdrawn")
    problem(act(s, ca, b["id"], "accept"), 409, "accept a withdrawn one")
    problem(act(s, jp, b["id"], "withdraw"), 409, "withdraw a withdrawn one")
    r = act(s, sec, b["id"], "accept")
    ok(r.status == 409 and r.json.get("status") == 409, "not even the secretariat accepts a withdrawn one")
    r = s.request("POST", "/api/v1/bilaterals/%d/accept" % b["id"], {"x": 1}, token=ca)
    is_(r.status, 422, "transition with a body: 422")
    problem(act(s, sec, 99999999, "accept"), 404, "unknown request")
    n = one(s, "SELECT count(*) FROM audit_log WHERE entity = 'bilateral_request' AND action IN ('accept','decline','withdraw')")
    ok(n >= 4, "transitions are audited (%d rows)" % n)


def check_slot(s, b, slot, name):
    """A slot is inside the day hours and window, in a bilateral room, and clashes with nothing."""
    st, en = datetime.fromisoformat(slot["start"]), datetime.fromisoformat(slot["end"])
    ok((en - st).total_seconds() == b["duration_minutes"] * 60 and st.hour >= 8 and
       (en.hour < 20 or (en.hour == 20 and en.minute == 0)) and st.date() == en.date()
       and st.minute % 5 == 0, name + ": duration, day hours, 5-minute grid")
    n = one(s, "SELECT count(*) FROM kaigi_session_conflicts(1, %s, %s::timestamptz, %s::timestamptz,"
               " kaigi_bilateral_people((SELECT b FROM bilateral_requests b WHERE id = %s)))",
            slot["room_id"], slot["start"], slot["end"], b["id"])
    is_(n, 0, name + ": no clash with room, people, unavailability, changeover, travel")
    kind = one(s, "SELECT kind = 'bilateral' OR usable_for_bilaterals FROM rooms WHERE id = %s", slot["room_id"])
    ok(kind, name + ": a room for bilaterals")


def test_slots(s, jp, ca, sec, b):
    """Slots: the parties' only once accepted (earliest first, no figures); the secretariat's
    always, best first (fewest breaks: next to existing meetings) with the figures; limit."""
    url = "/api/v1/bilaterals/%d/slots" % b["id"]
    for tok, who in ((jp, "requester"), (ca, "counterpart")):
        r = s.request("GET", url + "?limit=5", token=tok)
        problem(r, 409, "%s liaison asks for slots of a request not yet accepted" % who)
        like((r.json or {}).get("detail", ""), "once the counterpart has accepted", "… the 409 says why")
        ok("items" not in (r.json or {}), "… and shows no slot")
    problem(s.request("POST", "/api/v1/bilaterals/%d/schedule" % b["id"], {}, token=sec), 409,
            "a requested (not accepted) request is not scheduled")
    r = s.request("GET", url + "?limit=100", token=sec)
    is_(r.status, 200, "the secretariat gets slots of a request not yet accepted")
    items = r.json["items"] if r.status == 200 else []
    starts = [x["start"] for x in items]
    is_(len(set(starts)), len(starts), "one candidate per start")
    keys = [(x.get("new_breaks"), x.get("room_changes"), x["start"]) for x in items]
    ok(keys == sorted(keys) and len(keys) == 100, "best first: fewest new breaks, room changes, then earliest")
    ok(keys and keys[0][0] < keys[-1][0], "the best ones add fewer breaks than the last")
    for i, slot in enumerate(items[:5]):
        check_slot(s, b, slot, "slot %d" % i)
    is_(s.request("GET", url + "?limit=1000", token=sec).status, 400, "limit above 100: 400")
    act(s, ca, b["id"], "accept")
    r = s.request("GET", url + "?limit=5", token=jp)
    is_(r.status, 200, "accepted: the requester liaison gets slots")
    mine = r.json["items"] if r.status == 200 else []
    is_(len(mine), 5, "limit respected")
    ok(all("new_breaks" not in x and "room_changes" not in x for x in mine),
       "a party sees no figure derived from other people's schedules (new_breaks, room_changes)")
    starts = [datetime.fromisoformat(x["start"]) for x in mine]
    ranked = [datetime.fromisoformat(x["start"]) for x in items]
    ok(starts == sorted(starts) and starts and all(t in starts for t in ranked if t <= starts[-1]),
       "a party's slots are the earliest feasible ones, in time order (not the secretariat's ranking)")
    for i, slot in enumerate(mine):
        check_slot(s, b, slot, "party slot %d" % i)
    r = s.request("GET", url, token=ca)
    is_((r.status, len(r.json["items"]) if r.status == 200 else -1), (200, 10), "counterpart: default limit 10")
    return items


def session_checks(s, sec, sid, b, name):
    r = s.request("GET", "/api/v1/sessions/%d" % sid, token=sec)
    ss = r.json or {}
    # The parties in protocol order (sql/190: the chair, Japan, first).
    order = [d["code"] for d in s.request("GET", "/api/v1/conferences/%s/delegations?limit=1000"
                                          % SLUG).json["items"]]
    is_((ss.get("kind"), ss.get("visibility"), ss.get("status"), ss.get("delegations")),
        ("bilateral", "restricted", "confirmed",
         [c for c in order if c in (b["requester"], b["counterpart"])]),
        name + ": a restricted bilateral of the two delegations")
    heads = one(s, "SELECT array_agg(p.id ORDER BY p.id) FROM participants p JOIN delegations d"
                   " ON d.id = p.delegation_id WHERE d.code IN (%s, %s) AND p.role = 'head'",
                b["requester"], b["counterpart"])
    is_(sorted(a["id"] for a in ss.get("attendees", [])), heads, name + ": the two heads attend")
    like(ss.get("title", ""), " – .* bilateral$", name + ": titled 'A – B bilateral'")
    r = s.request("GET", "/api/v1/conferences/%s/conflicts" % SLUG, token=sec)
    is_(r.json and r.json["items"], [], name + ": GET /conflicts is empty")


def test_schedule(s, jp, ca, sec, b, slots):
    """Place the best slot, re-place after cancel, place a given slot, withdraw."""
    r = s.request("POST", "/api/v1/bilaterals/%d/schedule" % b["id"], {}, token=sec)
    is_(r.status, 201, "schedule {}: 201")
    if r.status != 201:
        diag(r.text[:800])
        return
    sid = r.json["id"]
    is_((r.json["start"], r.json["room_id"]), (slots[0]["start"], slots[0]["room_id"]), "the best slot")
    is_((r.json["bilateral"]["status"], r.json["bilateral"]["session_id"]), ("scheduled", sid),
        "request scheduled, points at its session")
    session_checks(s, sec, sid, b, "best slot")
    problem(s.request("POST", "/api/v1/bilaterals/%d/schedule" % b["id"], {}, token=sec), 409,
            "scheduling a scheduled one")
    problem(act(s, ca, b["id"], "accept"), 409, "accept a scheduled one")
    problem(act(s, ca, b["id"], "decline"), 409, "decline a scheduled one")
    r = s.request("POST", "/api/v1/sessions/%d/cancel" % sid, {"replace": True}, token=sec)
    is_(r.status, 200, "secretariat cancels the session for re-placing")
    r = s.request("GET", "/api/v1/bilaterals/%d" % b["id"], token=jp)
    is_((r.json["status"], r.json["session_id"]), ("accepted", None),
        "cancelling the session for re-placing puts the request back to accepted, without a session")
    slot = slots[2]
    r = s.request("POST", "/api/v1/bilaterals/%d/schedule" % b["id"],
                  {"start": slot["start"], "room_id": slot["room_id"]}, token=sec)
    is_((r.status, r.json and r.json.get("start")), (201, slot["start"]), "schedule at a given slot")
    sid2 = r.json["id"] if r.status == 201 else 0
    session_checks(s, sec, sid2, b, "given slot")
    r = act(s, jp, b["id"], "withdraw")
    is_((r.status, r.json and r.json["status"], r.json and r.json["session_id"]), (200, "cancelled", sid2),
        "withdrawing a scheduled request: cancelled")
    is_(one(s, "SELECT status FROM sessions WHERE id = %s", sid2), "cancelled", "and its session is cancelled")
    problem(s.request("GET", "/api/v1/bilaterals/%d/slots" % b["id"], token=sec), 409, "no slots for a cancelled one")


def test_schedule_errors(s, jp, ca, sec):
    """A given slot that clashes (409 with conflicts) or breaks a rule (422)."""
    b = create(s, jp, {"requester": "JP", "counterpart": "CA", "duration_minutes": 30}, "request for errors")
    act(s, ca, b["id"], "accept")
    url = "/api/v1/bilaterals/%d/schedule" % b["id"]
    room_a = one(s, "SELECT id FROM rooms WHERE name = 'Bilateral Room A'")
    plenary = one(s, "SELECT id FROM rooms WHERE name = 'Plenary Hall'")
    before = one(s, "SELECT count(*) FROM sessions")
    r = s.request("POST", url, {"start": "2023-04-29T10:30:00+09:00", "room_id": room_a}, token=sec)
    problem(r, 409, "during a plenary of both heads")
    ok(any(c.get("resource") == "participant" for c in (r.json or {}).get("conflicts", [])), "409 names the clashes")
    r = s.request("POST", url, {"start": "2023-04-28T15:00:00+09:00", "room_id": room_a}, token=sec)
    ok(any(c.get("resource") == "unavailability" for c in (r.json or {}).get("conflicts", [])),
       "during Minister Kono's unavailability: 409 unavailability")
    r = s.request("POST", url, {"start": "2023-04-29T07:00:00+09:00", "room_id": room_a}, token=sec)
    problem(r, 422, "before the day's hours")
    r = s.request("POST", url, {"start": "2023-04-29T08:00:00+09:00", "room_id": plenary}, token=sec)
    is_((r.status, fields(r)), (422, ["room_id"]), "not a bilateral room: 422 room_id")
    r = s.request("POST", url, {"start": "2023-04-29T08:00:00+09:00"}, token=sec)
    is_((r.status, fields(r)), (422, ["room_id"]), "start without room_id: 422")
    r = s.request("POST", url, {"room_id": "A"}, token=sec)
    is_(r.status, 422, "bad room_id: 422")
    is_(one(s, "SELECT count(*) FROM sessions"), before, "nothing written by failed placements")
    is_(one(s, "SELECT status FROM bilateral_requests WHERE id = %s", b["id"]), "accepted", "still accepted")


def test_deputy(s, sec):
    """level deputy: deputies where they exist (JP, US), heads otherwise."""
    b = create(s, sec, {"requester": "JP", "counterpart": "FR", "duration_minutes": 20, "level": "deputy"},
               "deputy-level request")
    act(s, sec, b["id"], "accept")
    r = s.request("POST", "/api/v1/bilaterals/%d/schedule" % b["id"], {}, token=sec)
    is_(r.status, 201, "deputy-level placed")
    roles = sorted((a["delegation"], a["role"]) for a in (r.json or {}).get("attendees", []))
    is_(roles, [("FR", "head"), ("JP", "deputy")], "JP's deputy, FR's head (no deputy)")


def test_dst(s):
    """Day hours are local: on the day Paris springs forward (31 March 2024) slots run 08:00-20:00 +02:00."""
    with s.db().cursor() as cur:
        cur.execute("""DO $$ DECLARE c bigint; v bigint; a bigint; b bigint; BEGIN
            INSERT INTO conferences (slug, title, timezone, start_date, end_date)
            VALUES ('paris-2024', 'Paris', 'Europe/Paris', '2024-03-30', '2024-04-01') RETURNING id INTO c;
            INSERT INTO venues (conference_id, name) VALUES (c, 'Quai') RETURNING id INTO v;
            INSERT INTO rooms (conference_id, venue_id, name, capacity, kind) VALUES (c, v, 'Salon', 4, 'bilateral');
            INSERT INTO delegations (conference_id, code, name) VALUES (c, 'AA', 'Aland') RETURNING id INTO a;
            INSERT INTO delegations (conference_id, code, name) VALUES (c, 'BB', 'Borduria') RETURNING id INTO b;
            INSERT INTO participants (conference_id, delegation_id, name, role)
            VALUES (c, a, 'Head A', 'head'), (c, b, 'Head B', 'head');
            END $$""")
    sec = s.token("secretariat", conference="paris-2024")
    r = s.request("POST", "/api/v1/conferences/paris-2024/bilaterals",
                  {"requester": "AA", "counterpart": "BB", "duration_minutes": 480,
                   "earliest": "2024-03-31T00:00:00+01:00", "latest": "2024-03-31T23:00:00+02:00"}, token=sec)
    is_(r.status, 201, "DST: request created")
    bid = r.json["id"]
    r = s.request("GET", "/api/v1/bilaterals/%d/slots?limit=100" % bid, token=sec)
    starts = sorted(x["start"] for x in r.json["items"])
    is_((len(starts), starts[0] if starts else None, starts[-1] if starts else None),
        (49, "2024-03-31T08:00:00+02:00", "2024-03-31T12:00:00+02:00"),
        "DST day: 8-hour meetings start 08:00 to 12:00 local (+02:00), 49 on the 5-minute grid")
    r = s.request("GET", "/api/v1/conferences/paris-2024/bilaterals", token=sec)
    is_((r.json["items"][0]["earliest"], r.json["items"][0]["latest"]),
        ("2024-03-31T00:00:00+01:00", "2024-03-31T23:00:00+02:00"), "window shown in the zone's offset of each instant")


with Server() as s:
    sec = s.token("secretariat", conference=SLUG)
    jp = s.token("liaison", conference=SLUG, delegation="JP")
    ca = s.token("liaison", conference=SLUG, delegation="CA")
    test_validation(s, jp)
    b, b2 = test_create_and_read(s, jp, sec)
    test_transitions(s, jp, ca, sec)
    slots = test_slots(s, jp, ca, sec, b)
    if slots:
        test_schedule(s, jp, ca, sec, b, slots)
    test_schedule_errors(s, jp, ca, sec)
    test_deputy(s, sec)
    test_dst(s)
    r = s.request("GET", "/api/v1/conferences/%s/conflicts" % SLUG, token=sec)
    is_(r.json and r.json["items"], [], "at the end: no conflicts")
    is_(one(s, "SELECT count(*) FROM sessions a JOIN sessions b ON a.id < b.id AND a.room_id = b.room_id"
               " AND a.during && b.during WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'"), 0,
        "SQL: no room overlap")
done_testing()
