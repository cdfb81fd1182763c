#!/usr/bin/python3
# 55-move-repair.t — POST /sessions/{id}/move with repair, and slots for a
# scheduled bilateral (issue 16, item 3).
#
# A plenary moved onto two of Minister Kono's bilaterals: without repair a
# 409 naming them; a dry run gives the plan and writes nothing; with repair
# both bilaterals are re-placed (one of them may take the plenary's old
# place), nothing is double-booked, no other meeting moves, SEQUENCE rises
# for the three moved sessions and the change stream has them. A clash a
# repair cannot move (a working lunch, an unavailability) and a bumped
# bilateral with no other place are 409s naming them, writing nothing.
# The seed's own case: Kono cannot come on the morning of 30 April
# (parliamentary obligations): adding it is refused while his bilateral
# sits there; slots for that scheduled bilateral offer other places (never
# its own); it is moved there, the unavailability is added, and nothing
# else changed. Plus If-Match, body validation and roles, and the client:
# kaigi session move ID --start T [--repair] [--dry-run] printing the plan.
# Two moves with repair at once that bump the same bilateral: each is
# written whole or not at all, and nothing is double-booked.
import json
import re
import os
import subprocess
import sys
import threading

import psycopg2

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "g7-digital-2023"


def rows(s, sql, *args):
    """All rows, on one connection kept for the test (a connection per
    query ran the cluster out of connections beside other tests)."""
    if getattr(s, "_rows_db", None) is None:
        s._rows_db = s.db()
    with s._rows_db.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


def one(s, sql, *args):
    return rows(s, sql, *args)[0][0]


def places(s):
    """Every session's place: {id: (start, end, room, status, sequence)}."""
    return {r[0]: r[1:] for r in rows(s, "SELECT id, starts_at, ends_at, room_id, status, sequence"
                                         " FROM sessions ORDER BY id")}


def snapshot(s):
    return (places(s), one(s, "SELECT count(*) FROM audit_log"),
            one(s, "SELECT count(*) FROM session_changes"), one(s, "SELECT count(*) FROM busy"),
            rows(s, "SELECT id, status, session_id, version FROM bilateral_requests ORDER BY id"))


def session_id(s, title_like):
    return one(s, "SELECT id FROM sessions WHERE title LIKE %s", title_like)


def bilateral_session(s, code):
    return one(s, "SELECT b.session_id FROM bilateral_requests b JOIN delegations d"
                  " ON d.id = b.counterpart_delegation_id WHERE d.code = %s AND b.status = 'scheduled'", code)


def no_double_booking(s, sec, what):
    r = s.request("GET", "/api/v1/conferences/%s/conflicts" % SLUG, token=sec)
    is_(r.json and r.json["items"], [], "%s: GET /conflicts is empty" % what)
    is_(one(s, "SELECT count(*) FROM sessions a JOIN sessions b ON a.id < b.id AND a.room_id = b.room_id"
               " AND a.during && b.during WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'"), 0,
        "%s: SQL: no room overlap" % what)
    is_(one(s, "SELECT count(*) FROM busy a JOIN busy b ON a.id < b.id AND a.participant_id = b.participant_id"
               " AND a.during && b.during"), 0, "%s: SQL: no person overlap" % what)


PLENARY_TO = {"start": "2023-04-29T17:40:00+09:00", "end": "2023-04-29T19:10:00+09:00"}


def test_plenary(s, sec):
    """The issue's case: a plenary moved onto two bilaterals."""
    pl = session_id(s, "Internet Governance")
    us, eu = bilateral_session(s, "US"), bilateral_session(s, "EU")
    path = "/api/v1/sessions/%d/move" % pl
    before = snapshot(s)
    r = s.request("POST", path, PLENARY_TO, token=sec)
    is_(r.status, 409, "without repair: 409")
    got = sorted({c.get("session_id") for c in (r.json or {}).get("conflicts", [])})
    is_(got, sorted([us, eu]), "the 409 names the two bilaterals it would clash with")
    is_(snapshot(s), before, "without repair: nothing written")
    r = s.request("POST", path, dict(PLENARY_TO, repair=True, dry_run=True), token=sec)
    is_(r.status, 200, "dry run with repair: 200")
    if r.status != 200:
        diag(r.text[:800])
        return
    plan = r.json
    for x in plan["replaced"]:
        note("plan: bilateral %d from %s %s to %s %s" % (x["bilateral_id"], x["from"]["start"], x["from"]["room"],
                                                     x["to"]["start"], x["to"]["room"]))
    is_((plan["dry_run"], plan["unplaced"]), (True, []), "dry run; nothing unplaced")
    is_(sorted(x["session_id"] for x in plan["replaced"]), sorted([us, eu]),
        "the plan re-places exactly the two bumped bilaterals")
    is_((plan["moved"]["id"], plan["moved"]["start"]), (pl, "2023-04-29T17:40:00+09:00"),
        "the plan shows the plenary at its new time")
    ok(all(x["from"] != x["to"] and x["to"]["start"].endswith("+09:00") and x["to"]["room"]
           for x in plan["replaced"]), "each re-placement says from where to where, in Tokyo time, with the room")
    is_(snapshot(s), before, "dry run: nothing written (sessions, audit, changes, busy, requests)")
    r2 = s.request("POST", path, dict(PLENARY_TO, repair=True, dry_run=True), token=sec)
    is_(r2.json and r2.json["replaced"], plan["replaced"], "the same plan again")
    version = s.request("GET", "/api/v1/sessions/%d" % pl, token=sec).json["version"]
    r = s.request("POST", path, dict(PLENARY_TO, repair=True), token=sec,
                  headers={"If-Match": '"%d"' % (version + 7)})
    is_(r.status, 412, "a stale If-Match: 412")
    is_(snapshot(s), before, "412: nothing written")
    changes = one(s, "SELECT count(*) FROM session_changes")
    r = s.request("POST", path, dict(PLENARY_TO, repair=True), token=sec,
                  headers={"If-Match": '"%d"' % version})
    is_(r.status, 200, "with repair: 200")
    if r.status != 200:
        diag(r.text[:800])
        return
    is_(r.json["replaced"], plan["replaced"], "the committed plan is the dry run's")
    is_(r.headers.get("ETag"), '"%d"' % r.json["moved"]["version"], "ETag: the moved session's new version")
    after = places(s)
    moved = sorted(k for k in after if after[k][:3] != before[0][k][:3])
    is_(moved, sorted([pl, us, eu]), "only the plenary and the two bilaterals moved: no other meeting changed")
    ok(all(after[k][4] == before[0][k][4] + 1 for k in moved), "SEQUENCE rose by one for each moved session")
    ok(all(after[k][4] == before[0][k][4] for k in after if k not in moved), "no other SEQUENCE changed")
    for x in r.json["replaced"]:
        is_(one(s, "SELECT kaigi_ts(starts_at, 'Asia/Tokyo') FROM sessions WHERE id = %s", x["session_id"]),
            x["to"]["start"], "bilateral session %d is where the plan put it" % x["session_id"])
    is_(one(s, "SELECT count(*) FROM bilateral_requests WHERE session_id IN (%s, %s) AND status = 'scheduled'",
            us, eu), 2, "both requests are still scheduled on their sessions")
    is_(one(s, "SELECT count(*) FROM session_changes") - changes >= 3, True, "the change stream has the moves")
    is_(one(s, "SELECT count(*) FROM audit_log WHERE entity = 'session' AND action = 'update'"
               " AND entity_id IN (%s, %s, %s)", pl, us, eu), 3, "each move audited")
    no_double_booking(s, sec, "after the repair")


def test_refusals(s, sec):
    """What a repair cannot move, and a bilateral with no other place."""
    ca = bilateral_session(s, "CA")
    lunch = session_id(s, "Working lunch%")
    before = snapshot(s)
    r = s.request("POST", "/api/v1/sessions/%d/move" % ca,
                  {"start": "2023-04-29T12:30:00+09:00", "end": "2023-04-29T13:00:00+09:00",
                   "repair": True}, token=sec)
    is_(r.status, 409, "a bilateral moved onto the working lunch, with repair: 409")
    ok(any(c.get("session_id") == lunch for c in (r.json or {}).get("conflicts", [])),
       "the 409 names the working lunch, which a repair does not move")
    is_(snapshot(s), before, "nothing written")
    # The IT bilateral may only be where it is: a plenary moved onto it
    # cannot re-place it.
    it = bilateral_session(s, "IT")
    rows(s, "UPDATE bilateral_requests SET earliest = x.starts_at, latest = x.ends_at"
            " FROM sessions x WHERE x.id = %s AND bilateral_requests.session_id = x.id RETURNING 1", it)
    bid = one(s, "SELECT id FROM bilateral_requests WHERE session_id = %s", it)
    before = snapshot(s)
    pl = session_id(s, "Secure and Resilient%")
    body = {"start": "2023-04-29T14:00:00+09:00", "end": "2023-04-29T15:30:00+09:00", "repair": True}
    r = s.request("POST", "/api/v1/sessions/%d/move" % pl, body, token=sec)
    is_(r.status, 409, "a bumped bilateral with no other place: 409")
    like(r.json and r.json.get("detail") or "", r"bilateral request %d could not be re-placed" % bid,
         "the 409 names the bilateral that could not be re-placed")
    is_([u["bilateral_id"] for u in (r.json or {}).get("unplaced", [])], [bid], "and lists it as unplaced")
    is_(snapshot(s), before, "nothing written")
    r = s.request("POST", "/api/v1/sessions/%d/move" % pl, dict(body, dry_run=True), token=sec)
    is_((r.status, [u["bilateral_id"] for u in r.json["unplaced"]]), (200, [bid]),
        "its dry run shows the plan with the bilateral unplaced")


def test_kono_morning(s, sec):
    """The seed's case: Kono cannot come on the morning of 30 April."""
    kono = one(s, "SELECT id FROM participants WHERE name = 'Kono Taro'")
    unav = {"start": "2023-04-30T08:00:00+09:00", "end": "2023-04-30T09:35:00+09:00",
            "reason": "Parliamentary obligations"}
    upath = "/api/v1/participants/%d/unavailability" % kono
    r = s.request("POST", upath, unav, token=sec)
    is_(r.status, 409, "adding his unavailability is refused while a bilateral of his sits there")
    bumped = sorted({c["session_id"] for c in (r.json or {}).get("conflicts", []) if c.get("session_id")})
    india = bilateral_session(s, "IN")
    is_(bumped, [india], "the 409 names his bilateral with India (09:00)")
    bid = one(s, "SELECT id FROM bilateral_requests WHERE session_id = %s", india)
    cur = rows(s, "SELECT starts_at, room_id FROM sessions WHERE id = %s", india)[0]
    before = places(s)
    r = s.request("GET", "/api/v1/bilaterals/%d/slots?limit=20" % bid, token=sec)
    is_(r.status, 200, "slots for a scheduled bilateral: 200")
    items = (r.json or {}).get("items", [])
    ok(len(items) > 0, "alternative slots are offered (%d)" % len(items))
    own = one(s, "SELECT kaigi_ts(starts_at, 'Asia/Tokyo') FROM sessions WHERE id = %s", india)
    ok(not any(i["start"] == own and i["room_id"] == cur[1] for i in items), "its own place is not offered")
    free = [i for i in items if not (i["start"] < unav["end"] and i["end"] > unav["start"])]
    ok(len(free) > 0, "some slot lies outside the new unavailability")
    if not free:
        return
    best = free[0]
    r = s.request("POST", "/api/v1/sessions/%d/move" % india,
                  {"start": best["start"], "end": best["end"], "room_id": best["room_id"], "repair": True},
                  token=sec)
    is_((r.status, r.json and r.json["replaced"]), (200, []),
        "moved to its best other slot, bumping nothing")
    r = s.request("POST", upath, unav, token=sec)
    is_(r.status, 201, "now his unavailability is added")
    after = places(s)
    is_(sorted(k for k in after if after[k][:3] != before[k][:3]), [india],
        "the fewest changes: only that bilateral moved")
    no_double_booking(s, sec, "after the morning's re-placement")
    is_(one(s, "SELECT count(*) FROM sessions x JOIN session_busy_people a ON a.session_id = x.id"
               " JOIN unavailability u ON u.participant_id = a.participant_id AND u.during && x.during"
               " WHERE a.participant_id = %s AND x.status <> 'cancelled'", kono), 0,
        "none of his sessions overlaps his unavailability")


def test_slots_access(s, sec, jp, ua):
    """Slots of a scheduled bilateral: its parties too, others 404."""
    bid = one(s, "SELECT b.id FROM bilateral_requests b JOIN delegations d ON d.id = b.counterpart_delegation_id"
                 " WHERE d.code = 'DE' AND b.status = 'scheduled'")
    r = s.request("GET", "/api/v1/bilaterals/%d/slots" % bid, token=jp)
    is_(r.status, 200, "a party's liaison gets slots of its scheduled bilateral")
    ok(r.json and r.json["items"] and "new_breaks" not in r.json["items"][0], "without the secretariat's figures")
    is_(s.request("GET", "/api/v1/bilaterals/%d/slots" % bid, token=ua).status, 404,
        "another delegation's liaison: 404")
    is_(s.request("POST", "/api/v1/bilaterals/%d/schedule" % bid, {}, token=sec).status, 409,
        "schedule {} of a scheduled request: still 409")


def test_stale_plan(s, sec):
    """The write re-checks the plan: a bumped bilateral changed since it was made is a 409."""
    actor = json.dumps({"role": "secretariat", "token_id": None,
                        "conference_id": one(s, "SELECT id FROM conferences WHERE slug = %s", SLUG)})
    pl = session_id(s, "Responsible AI%")
    body = {"start": "2023-04-30T02:20:00Z", "end": "2023-04-30T03:50:00Z"}   # 11:20-12:50 in Tokyo
    problem = json.loads(one(s, "SELECT kaigi_session_move_problem(%s::jsonb, %s, NULL, %s::jsonb)::text",
                             actor, pl, json.dumps(body)))
    bumped = problem["move"]["bumped"]
    ok(len(bumped) >= 1, "the problem names the bilateral(s) the move bumps: %r" % bumped)
    if not bumped:
        return
    r = s.request("POST", "/api/v1/sessions/%d/move" % pl, dict(body, repair=True, dry_run=True), token=sec)
    is_(r.status, 200, "its dry run: 200")
    placed = [{"bilateral_id": x["bilateral_id"], "version": 0, "room_id": x["to"]["room_id"],
               "start": one(s, "SELECT extract(epoch FROM %s::timestamptz)::bigint", x["to"]["start"])}
              for x in r.json["replaced"]] if r.status == 200 else []
    plan = {"placed": placed, "unplaced": [], "stats": {}, "move": problem["move"]}
    sid = bumped[0]["session_id"]
    v = one(s, "SELECT version FROM sessions WHERE id = %s", sid)
    is_(s.request("PATCH", "/api/v1/sessions/%d" % sid, {"title": "Bilateral (renamed meanwhile)"},
                  token=sec, headers={"If-Match": '"%d"' % v}).status, 200, "a bumped bilateral is renamed meanwhile")
    before = snapshot(s)
    try:
        one(s, "SELECT kaigi_session_move(%s::jsonb, %s, NULL, %s::jsonb, %s::jsonb, false)::text",
            actor, pl, json.dumps(body), json.dumps(plan))
        ok(False, "a plan made before the change is refused")
    except psycopg2.Error as e:
        is_(e.pgcode, "KG409", "a plan made before the change: KG409 (kaigid plans again once)")
        like(str(e), "changed while the plan was made", "because a bumped bilateral changed")
    is_(snapshot(s), before, "nothing written")
    r = s.request("POST", "/api/v1/sessions/%d/move" % pl, dict(body, dry_run=True), token=sec)
    is_(r.status, 409, "a dry run without repair onto bilaterals: 409 with the clashes")
    is_(snapshot(s), before, "nothing written")


def test_validation(s, sec, jp):
    pl = session_id(s, "Digital Competition")
    path = "/api/v1/sessions/%d/move" % pl
    before = snapshot(s)
    good = {"start": "2023-04-30T14:20:00+09:00", "end": "2023-04-30T15:50:00+09:00"}
    for body, name in (({}, "empty"), ({"start": good["start"]}, "no end"),
                       (dict(good, repair="yes"), "repair not a boolean"),
                       (dict(good, dry_run=1), "dry_run not a boolean"),
                       (dict(good, colour=1), "unknown field"), ([1], "not an object"),
                       (dict(good, room_id="x"), "room_id not an id"),
                       ({"start": good["end"], "end": good["start"]}, "end before start"),
                       ({"start": "2023-04-30T14:20:00", "end": good["end"]}, "no offset")):
        r = s.request("POST", path, body, token=sec)
        is_(r.status, 422, "move body %s: 422" % name)
    r = s.request("POST", path, dict(good, room_id=999999, repair=True), token=sec)
    is_(r.status, 422, "an unknown room: 422")
    like(r.json and json.dumps(r.json.get("errors")) or "", "room_id", "naming room_id")
    is_(s.request("POST", path, good, token=jp).status, 403, "a liaison: 403")
    is_(s.request("POST", path, good).status, 401, "anonymous: 401")
    is_(s.request("POST", "/api/v1/sessions/999999/move", good, token=sec).status, 404, "unknown session: 404")
    is_(snapshot(s), before, "nothing written by refused moves")
    r = s.request("POST", path, dict(good, repair=False), token=sec)
    is_((r.status, r.json and r.json["replaced"]), (200, []), "a move that clashes with nothing, without repair: 200")


KAIGI = os.path.abspath(os.environ.get("KAIGI") or os.path.join(TOP, "client", "kaigi"))


def kaigi(s, token, *args):
    env = dict(os.environ, KAIGI_CONFIG="/dev/null", TZ="UTC", KAIGI_URL=s.url, KAIGI_TOKEN=token)
    env.pop("KAIGI_CONFERENCE", None)
    p = subprocess.run([KAIGI] + [str(a) for a in args], capture_output=True, text=True, env=env, timeout=60)
    return p.returncode, p.stdout, p.stderr


def test_client(s, sec):
    """kaigi session move --repair [--dry-run]: the Germany bilateral onto the UK's."""
    de, gb = bilateral_session(s, "DE"), bilateral_session(s, "GB")
    gb_bid = one(s, "SELECT id FROM bilateral_requests WHERE session_id = %s", gb)
    before = snapshot(s)
    rc, out, err = kaigi(s, sec, "session", "move", de, "--start", "2023-04-30T13:40")
    is_(rc, 4, "kaigi session move onto another bilateral, without --repair: exit 4 (conflict)")
    rc, out, err = kaigi(s, sec, "session", "move", de, "--start", "2023-04-30T13:40", "--repair", "--dry-run")
    is_(rc, 0, "--repair --dry-run: exit 0")
    like(out, r"Would move session %d .* to \S+ 2023-04-30 13:40" % de, "it prints the move")
    like(out, r"(?m)^%d\s+%d\s+bumped\s+\S+ 2023-04-30 13:40.14:10 Bilateral Room C\s+\S+ \S+ \S+" % (gb_bid, gb),
         "and the bumped UK bilateral, why, from where to where")
    m = re.search(r"--repair --expect (\S+)", out)
    ok(m, "the dry run says how to carry out exactly its plan (--expect PLAN)") or diag(out)
    is_(snapshot(s), before, "the dry run wrote nothing")
    rc, out2, err = kaigi(s, sec, "session", "move", de, "--start", "2023-04-30T13:40", "--repair",
                          "--expect", "0" * 32)
    is_(rc, 4, "--expect another plan: exit 4 (409), nothing moved") or diag(out2 + err)
    is_(snapshot(s), before, "… and nothing written")
    rc, out, err = kaigi(s, sec, "session", "move", de, "--start", "2023-04-30T13:40", "--repair",
                         "--expect", m.group(1) if m else "")
    is_(rc, 0, "--repair --expect the dry run's plan: exit 0") or diag(out + err)
    like(out, r"Moved session %d .*re-placed 1 bilateral" % de, "it prints what it did")
    after = places(s)
    is_(sorted(k for k in after if after[k][:3] != before[0][k][:3]), sorted([de, gb]),
        "the Germany and UK bilaterals moved, nothing else")
    no_double_booking(s, sec, "after the client's repair")


def test_race(s, sec):
    """The plenary onto US and EU, and the Italy bilateral onto EU's place, at once."""
    pl, it = session_id(s, "Internet Governance"), bilateral_session(s, "IT")
    calls = [("/api/v1/sessions/%d/move" % pl, dict(PLENARY_TO, repair=True)),
             ("/api/v1/sessions/%d/move" % it, {"start": "2023-04-29T18:20:00+09:00",
                                                  "end": "2023-04-29T18:50:00+09:00", "repair": True})]
    out = [None, None]
    barrier = threading.Barrier(2)

    def go(i, path, body):
        barrier.wait()
        r = s.request("POST", path, body, token=sec, timeout=60)
        out[i] = (r.status, r.json)
    threads = [threading.Thread(target=go, args=(i, p, b)) for i, (p, b) in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ok(all(o and o[0] in (200, 409) for o in out), "two moves with repair at once: each 200 or 409 (%s)"
       % [o and o[0] for o in out])
    ok(any(o and o[0] == 200 for o in out), "at least one is written")
    # Each written answer holds: its sessions are where it put them, unless
    # the other (written after it) re-placed them from there.
    done = [o[1] for o in out if o and o[0] == 200]
    for i, ans in enumerate(done):
        later = done[1 - i]["replaced"] if len(done) == 2 else []
        for sid, start in [(ans["moved"]["id"], ans["moved"]["start"])] + [
                (x["session_id"], x["to"]["start"]) for x in ans["replaced"]]:
            now = one(s, "SELECT kaigi_ts(starts_at, 'Asia/Tokyo') FROM sessions WHERE id = %s", sid)
            ok(now == start or any(y["session_id"] == sid and y["from"]["start"] == start
                                   and y["to"]["start"] == now for y in later),
               "session %d is where the answers say (%s)" % (sid, now))
    no_double_booking(s, sec, "after the race")


with Server() as s:
    sec = s.token("secretariat", conference=SLUG)
    test_race(s, sec)

with Server() as s:
    sec = s.token("secretariat", conference=SLUG)
    jp = s.token("liaison", conference=SLUG, delegation="JP")
    ua = s.token("liaison", conference=SLUG, delegation="UA")
    test_plenary(s, sec)
    test_kono_morning(s, sec)
    test_slots_access(s, sec, jp, ua)
    test_refusals(s, sec)
    test_validation(s, sec, jp)
    test_stale_plan(s, sec)
    test_client(s, sec)
done_testing()
