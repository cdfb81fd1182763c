#!/usr/bin/python3
# 52-schedule.t — the auto-scheduler and placing under concurrency:
# a dry run writes nothing and is deterministic; Minister Kono's seven
# bilaterals, cancelled for re-placing, are re-placed automatically (with
# the two open accepted requests) and none overlaps his unavailability, the
# plenaries or anything else; unplaced requests say why; a plan is all or
# nothing (a stale request in it writes nothing); data changed while a plan
# is written: re-planned once, else 409; two clients placing at once cannot
# both succeed; body validation; a long solve runs off the event loop (the
# loop answers while /metrics shows the solver job running).
import os
import re
import sys
import threading

import psycopg2

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "g7-digital-2023"
SCHED = "/api/v1/conferences/%s/schedule" % SLUG
BASE = "/api/v1/conferences/%s/bilaterals" % SLUG


def rows(s, sql, *args):
    with s.db().cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


def one(s, sql, *args):
    return rows(s, sql, *args)[0][0]


def snapshot(s):
    """Everything a plan could write."""
    return (rows(s, "SELECT id, status, session_id, version FROM bilateral_requests ORDER BY id"),
            one(s, "SELECT count(*) FROM sessions"), one(s, "SELECT count(*) FROM audit_log"),
            one(s, "SELECT count(*) FROM session_changes"), one(s, "SELECT count(*) FROM busy"))


def kono_clashes(s):
    """Kono's non-cancelled bilaterals overlapping his unavailability or a plenary (changeover included)."""
    return one(s, """
        WITH k AS (SELECT p.id FROM participants p WHERE p.name = 'Kono Taro'),
        mine AS (SELECT s.* FROM sessions s JOIN session_attendees a ON a.session_id = s.id
                 WHERE a.participant_id = (SELECT id FROM k) AND s.status <> 'cancelled')
        SELECT (SELECT count(*) FROM mine b JOIN unavailability u ON u.participant_id = (SELECT id FROM k)
                AND u.during && b.during WHERE b.kind = 'bilateral')
             + (SELECT count(*) FROM mine b JOIN mine p ON p.kind = 'plenary' AND b.kind = 'bilateral'
                AND kaigi_busy_range(b.conference_id, b.starts_at, b.ends_at)
                    && kaigi_busy_range(p.conference_id, p.starts_at, p.ends_at))
             + (SELECT count(*) FROM mine a JOIN mine b ON a.id < b.id AND a.during && b.during)""")


def test_dry_run(s, sec):
    """Dry run: the plan, nothing written, same plan twice."""
    before = snapshot(s)
    r = s.request("POST", SCHED, {"dry_run": True}, token=sec)
    is_(r.status, 200, "dry run: 200")
    if r.status != 200:
        diag(r.text[:800])
        return
    ids = sorted(p["bilateral_id"] for p in r.json["placed"])
    accepted = [x[0] for x in rows(s, "SELECT id FROM bilateral_requests WHERE status = 'accepted' ORDER BY id")]
    is_(ids, accepted, "the two accepted open requests (FR–DE, GB–ID) are placed")
    is_((r.json["dry_run"], r.json["unplaced"], r.json["stats"]["placed"]), (True, [], 2), "nothing unplaced; stats")
    ok(all(p.get("session_id") is None and p["start"].endswith("+09:00") for p in r.json["placed"]),
       "no sessions in a dry run; times in Tokyo time")
    is_(snapshot(s), before, "dry run: nothing written (requests, sessions, audit, changes, busy)")
    r2 = s.request("POST", SCHED, {"dry_run": True}, token=sec)
    is_(r2.json["placed"], r.json["placed"], "deterministic: the same plan again")


def test_kono(s, sec):
    """The issue's test: cancel Kono's seven bilaterals for re-placing, re-place them all automatically."""
    sessions = [x[0] for x in rows(s, "SELECT b.session_id FROM bilateral_requests b JOIN delegations d"
                                      " ON d.id = b.requester_delegation_id WHERE d.code = 'JP'"
                                      " AND b.status = 'scheduled' ORDER BY b.id")]
    is_(len(sessions), 7, "the demo has Kono's seven scheduled bilaterals")
    codes = [s.request("POST", "/api/v1/sessions/%d/cancel" % sid, {"replace": True}, token=sec).status
             for sid in sessions]
    is_(codes, [200] * 7, "the secretariat cancels their seven sessions for re-placing")
    is_(one(s, "SELECT count(*) FROM bilateral_requests WHERE status = 'accepted' AND session_id IS NULL"), 9,
        "their requests are accepted and unscheduled again (7 + the 2 open ones)")
    r = s.request("POST", SCHED, {}, token=sec)
    is_(r.status, 200, "auto-schedule: 200")
    if r.status != 200:
        diag(r.text[:800])
        return
    is_((len(r.json["placed"]), r.json["unplaced"], r.json["dry_run"]), (9, [], False), "all nine placed")
    sids = [p["session_id"] for p in r.json["placed"]]
    ok(all(sids) and len(set(sids)) == 9, "each with a new session")
    is_(one(s, "SELECT count(*) FROM bilateral_requests b JOIN sessions x ON x.id = b.session_id"
               " WHERE b.status = 'scheduled' AND x.status = 'confirmed' AND x.kind = 'bilateral'"
               " AND x.visibility = 'restricted'"), 9, "nine requests scheduled, each on a restricted bilateral")
    is_(kono_clashes(s), 0, "none overlaps Kono's unavailability, a plenary (with changeover) or another of his sessions")
    r2 = s.request("GET", "/api/v1/conferences/%s/conflicts" % SLUG, token=sec)
    is_(r2.json and r2.json["items"], [], "GET /conflicts: empty")
    is_(one(s, "SELECT count(*) FROM sessions a JOIN sessions b ON a.id < b.id AND a.room_id = b.room_id"
               " AND a.during && b.during WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'"), 0,
        "SQL: no room overlap")
    is_(one(s, "SELECT count(*) FROM busy a JOIN busy b ON a.id < b.id AND a.participant_id = b.participant_id"
               " AND a.during && b.during"), 0, "SQL: no person overlap")
    r3 = s.request("POST", SCHED, {}, token=sec)
    is_((r3.status, r3.json["placed"], r3.json["unplaced"]), (200, [], []), "again: nothing left to place")


def test_unplaced(s, sec, jp, ca):
    """A request that cannot fit says why."""
    r = s.request("POST", BASE, {"requester": "JP", "counterpart": "CA", "duration_minutes": 60,
                                 "earliest": "2023-04-29T10:00:00+09:00",
                                 "latest": "2023-04-29T11:30:00+09:00"}, token=jp)
    bid = r.json["id"]
    s.request("POST", "/api/v1/bilaterals/%d/accept" % bid, token=ca)
    r = s.request("POST", SCHED, {"dry_run": True}, token=sec)
    un = [u for u in r.json["unplaced"] if u["bilateral_id"] == bid]
    is_(un and un[0]["reason"], "no common free time in the window", "unplaced: no common free time")
    r = s.request("POST", "/api/v1/bilaterals/%d/schedule" % bid, {}, token=sec)
    is_(r.status, 409, "schedule {}: 409 when no slot exists")
    s.request("POST", "/api/v1/bilaterals/%d/withdraw" % bid, token=jp)


def test_all_or_nothing(s, sec_actor):
    """A plan with one stale request writes nothing at all."""
    a = rows(s, "INSERT INTO bilateral_requests (conference_id, requester_delegation_id,"
                " counterpart_delegation_id, duration_minutes, status) SELECT 1, x.id, y.id, 30, 'accepted'"
                " FROM delegations x, delegations y WHERE x.code = 'OECD' AND y.code = 'ITU'"
                " RETURNING id, version")[0]
    b = rows(s, "INSERT INTO bilateral_requests (conference_id, requester_delegation_id,"
                " counterpart_delegation_id, duration_minutes, status) SELECT 1, x.id, y.id, 30, 'accepted'"
                " FROM delegations x, delegations y WHERE x.code = 'UNESCO' AND y.code = 'WEF'"
                " RETURNING id, version")[0]
    room = one(s, "SELECT id FROM rooms WHERE name = 'Bilateral Room C'")
    plan = {"placed": [{"bilateral_id": a[0], "version": a[1], "start": 1682640000, "room_id": room},
                       {"bilateral_id": b[0], "version": b[1] + 1, "start": 1682643600, "room_id": room}],
            "unplaced": [], "stats": {}}
    before = snapshot(s)
    try:
        rows(s, "SELECT kaigi_bilateral_plan(%s::jsonb, %s, %s::jsonb, false)", sec_actor, SLUG,
             __import__("json").dumps(plan))
        ok(False, "a plan with a stale request fails")
    except psycopg2.Error as e:
        is_(e.pgcode, "KG409", "a plan with a stale request: KG409 (kaigid re-plans once, then 409)")
        like(str(e), "changed while the plan was made", "because the request changed")
    is_(snapshot(s), before, "never half-written: the valid first placement is not stored either")
    plan["placed"][1]["version"] = b[1]
    rows(s, "SELECT kaigi_bilateral_plan(%s::jsonb, %s, %s::jsonb, false)", sec_actor, SLUG,
         __import__("json").dumps(plan))
    is_(one(s, "SELECT count(*) FROM bilateral_requests WHERE id IN (%s, %s) AND status = 'scheduled'", a[0], b[0]),
        2, "the same plan with current versions: both written")


def race(s, tok, calls):
    """Fire the calls [(path, body)] at once; return the statuses."""
    out = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def go(i, path, body):
        barrier.wait()
        try:
            out[i] = s.request("POST", path, body, token=tok, timeout=60).status
        except Exception as e:  # noqa: BLE001 - reported below
            out[i] = str(e)
    threads = [threading.Thread(target=go, args=(i, p, b)) for i, (p, b) in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(out, key=str)


def new_accepted(s, sec, rq, cp):
    r = s.request("POST", BASE, {"requester": rq, "counterpart": cp, "duration_minutes": 30}, token=sec)
    s.request("POST", "/api/v1/bilaterals/%d/accept" % r.json["id"], token=sec)
    return r.json["id"]


def test_concurrency(s, sec):
    """Two clients placing at once: exactly one succeeds."""
    for i, (rq, cp) in enumerate((("DE", "IT"), ("FR", "US"), ("CA", "EU"))):
        bid = new_accepted(s, sec, rq, cp)
        path = "/api/v1/bilaterals/%d/schedule" % bid
        got = race(s, sec, [(path, {}), (path, {})])
        is_(got, [201, 409], "round %d: the same request, best slot, twice at once: one 201, one 409" % i)
        is_(one(s, "SELECT count(*) FROM sessions x JOIN bilateral_requests b ON b.session_id = x.id"
                   " WHERE b.id = %s AND x.status <> 'cancelled'", bid), 1, "round %d: one session stored" % i)
    for i in range(2):
        a, b = new_accepted(s, sec, "OECD", "UNESCO"), new_accepted(s, sec, "ITU", "WEF")
        got = race(s, sec, [("/api/v1/bilaterals/%d/schedule" % a, {}),
                            ("/api/v1/bilaterals/%d/schedule" % b, {})])
        is_(got, [201, 201], "round %d: two requests, best slot each, at once: both placed"
            " (a best slot taken meanwhile is looked for again)" % i)
    ids = [new_accepted(s, sec, rq, cp) for rq, cp in (("DE", "IN"), ("FR", "ID"), ("IT", "UA"), ("GB", "US"))]
    out = [None, None]
    barrier = threading.Barrier(2)

    def plan(i):
        barrier.wait()
        out[i] = s.request("POST", SCHED, {}, token=sec, timeout=60)
    threads = [threading.Thread(target=plan, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    is_([o.status for o in out], [200, 200], "two auto-schedules at once: both 200")
    placed = [p["bilateral_id"] for o in out for p in (o.json or {}).get("placed", [])]
    is_(sorted(placed), sorted(ids), "together they place each request exactly once")
    room = one(s, "SELECT id FROM rooms WHERE name = 'Bilateral Room B'")
    for i, start in enumerate(("2023-04-28T09:00:00+09:00", "2023-04-28T10:00:00+09:00")):
        a, b = new_accepted(s, sec, "IN", "GB"), new_accepted(s, sec, "ID", "UA")
        body = {"start": start, "room_id": room}
        got = race(s, sec, [("/api/v1/bilaterals/%d/schedule" % a, body),
                            ("/api/v1/bilaterals/%d/schedule" % b, body)])
        is_(got, [201, 409], "round %d: two requests, one room and time, at once: one 201, one 409" % i)
    is_(one(s, "SELECT count(*) FROM sessions a JOIN sessions b ON a.id < b.id AND a.room_id = b.room_id"
               " AND a.during && b.during WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'"), 0,
        "no room overlap stored")


def test_replan(s, sec):
    """Data changing under a plan: kaigid re-plans once from fresh data; if it changes again, 409, nothing written."""
    a, b = new_accepted(s, sec, "OECD", "UNESCO"), new_accepted(s, sec, "ITU", "WEF")
    # As if another secretary edited request b while the plan is written: the
    # first bilateral session inserted bumps b's version, so the plan's check
    # of b fails and everything rolls back (the bump too); the sequence is not
    # transactional, so the second attempt goes through untouched.
    with s.db().cursor() as cur:
        cur.execute("CREATE SEQUENCE test_bump")
        cur.execute("CREATE FUNCTION test_bump() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                    " IF nextval('test_bump') = 1 OR EXISTS (SELECT 1 FROM pg_class WHERE relname = 'test_bump_always') THEN"
                    " UPDATE bilateral_requests SET topics = topics || '.'"
                    " WHERE id = (SELECT max(id) FROM bilateral_requests WHERE status = 'accepted'); END IF;"
                    " RETURN NULL; END $$")
        cur.execute("CREATE TRIGGER test_bump AFTER INSERT ON sessions FOR EACH ROW"
                    " WHEN (NEW.kind = 'bilateral') EXECUTE FUNCTION test_bump()")
    r = s.request("POST", SCHED, {}, token=sec)
    is_((r.status, r.json and r.json.get("replanned")), (200, True), "data changed once: re-planned, 200")
    placed = sorted(p["bilateral_id"] for p in (r.json or {}).get("placed", []))
    ok(a in placed and b in placed, "both requests placed by the second plan")
    is_(one(s, "SELECT count(*) FROM bilateral_requests WHERE id IN (%s, %s) AND status = 'scheduled'", a, b), 2,
        "both stored as scheduled")
    c, d = new_accepted(s, sec, "OECD", "UNESCO"), new_accepted(s, sec, "ITU", "WEF")
    with s.db().cursor() as cur:
        cur.execute("CREATE TABLE test_bump_always ()")
    before = snapshot(s)
    r = s.request("POST", SCHED, {}, token=sec)
    is_(r.status, 409, "data changes on every attempt: 409 after one re-plan")
    is_(snapshot(s), before, "never half-written")
    with s.db().cursor() as cur:
        cur.execute("DROP TRIGGER test_bump ON sessions")
    r = s.request("POST", SCHED, {}, token=sec)
    placed = sorted(p["bilateral_id"] for p in (r.json or {}).get("placed", []))
    ok(r.status == 200 and c in placed and d in placed and r.json["replanned"] is False,
       "once the data holds still: placed without re-planning")


def solver_jobs(s):
    """(started, finished) solver jobs of kaigid, from /metrics (0 before the first)."""
    text = s.request("GET", "/metrics").text
    got = {}
    for name in ("started", "finished"):
        m = re.search(r"^kaigi_solver_jobs_%s_total\{[^}]*\} (\d+)$" % name, text, re.M)
        got[name] = int(m.group(1)) if m else 0
    return got["started"], got["finished"]


def test_off_loop(s, sec):
    """A long solve (317 requests, 3 s limit) runs off the loop: while /metrics shows the
    job running, health checks and reads are answered. No timing window: a solve on the
    loop would keep /metrics itself from answering while the job runs."""
    with s.db().cursor() as cur:
        cur.execute("INSERT INTO bilateral_requests (conference_id, requester_delegation_id,"
                    " counterpart_delegation_id, duration_minutes, status, priority)"
                    " SELECT 1, a.id, b.id, 30 + 15 * (g % 3), 'accepted', 1 + g % 5"
                    " FROM delegations a, delegations b, generate_series(1, 3) g WHERE a.id < b.id")
    before = snapshot(s)
    started0 = solver_jobs(s)[0]
    out = {}

    def solve():
        out["r"] = s.request("POST", SCHED, {"dry_run": True, "time_limit_ms": 3000}, token=sec, timeout=120)
    t = threading.Thread(target=solve)
    t.start()
    seen = wait_until(lambda: solver_jobs(s)[0] > started0 or not t.is_alive(), timeout=60)
    ok(seen and t.is_alive(), "the solver job is seen running (by /metrics) within 60 s")
    rounds = answered = 0
    while t.is_alive():
        a = solver_jobs(s)
        r, r2 = s.request("GET", "/healthz"), s.request("GET", "/api/v1/conferences/%s/sessions?limit=5" % SLUG)
        b = solver_jobs(s)
        if a == b and a[0] > a[1]:      # the same job ran before and after both answers
            rounds += 1
            answered += r.status == 200 and r2.status == 200
    t.join()
    r = out["r"]
    is_(r.status, 200, "long dry run: 200")
    stats = r.json["stats"] if r.status == 200 else {}
    ok(stats.get("time_limit_hit") and stats.get("elapsed_ms", 1e9) < 2 * 3000,
       "the solver stops at its time limit (%.0f ms)" % stats.get("elapsed_ms", -1))
    ok(rounds >= 1, "%d rounds of probes answered while the solver job ran" % rounds)
    is_(answered, rounds, "every probe answered 200")
    is_(snapshot(s), before, "dry run: nothing written")


def test_validation(s, sec):
    before = snapshot(s)
    for body, name in (({"time_limit_ms": 0}, "time_limit_ms 0"), ({"time_limit_ms": 600000}, "time_limit_ms too big"),
                       ({"dry_run": "yes"}, "dry_run not a boolean"), ({"colour": 1}, "unknown field"),
                       ([1], "not an object")):
        is_(s.request("POST", SCHED, body, token=sec).status, 422, "schedule body %s: 422" % name)
    r = s.request("POST", SCHED, {"dry_run": True, "time_limit_ms": 50}, token=sec)
    is_(r.status, 200, "a short time limit is accepted")
    is_(snapshot(s), before, "nothing written by invalid bodies")


with Server() as s:
    sec = s.token("secretariat", conference=SLUG)
    jp = s.token("liaison", conference=SLUG, delegation="JP")
    ca = s.token("liaison", conference=SLUG, delegation="CA")
    sec_actor = '{"role": "secretariat", "conference_id": %d, "token_id": null}' % one(
        s, "SELECT id FROM conferences WHERE slug = %s", SLUG)
    test_dry_run(s, sec)
    test_kono(s, sec)
    test_unplaced(s, sec, jp, ca)
    test_validation(s, sec)
    test_all_or_nothing(s, sec_actor)
    test_concurrency(s, sec)
    test_replan(s, sec)
    test_off_loop(s, sec)
    r = s.request("GET", "/api/v1/conferences/%s/conflicts" % SLUG, token=sec)
    is_(r.json and r.json["items"], [], "at the end: no conflicts")
done_testing()
