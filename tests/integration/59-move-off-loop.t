#!/usr/bin/python3
# 59-move-off-loop.t — a move with repair never holds the event loop on its
# problem. Every other scheduled bilateral of the conference may move in a
# repair (sql/170_repair_cascade.sql), so the problem, and its "move" that
# the plan carries back to the write, grow with the conference: 1.7 MB
# here for 4,950 scheduled bilaterals, megabytes at COP size. The loop
# parsed that problem, turned it into structs, and in another callback
# built and printed the plan with the "move" in it. Now the solver's
# thread does all of it (scheduler_run_text with plan_from "move",
# server/api-session-move.c), as for the auto-scheduler
# (59-solver-off-loop.t).
#  * a conference of its own: 100 delegations, 50 bilateral rooms, every
#    pair of heads met once (a round robin over five days, no changeover,
#    written as the
#    auto-scheduler writes a plan);
#  * a plenary of the first head, moved with repair (a dry run) onto the
#    slot of one of her meetings: 200, that meeting re-placed, and the
#    answer's plan_id the one a commit of the same move expects;
#  * meanwhile another client asks /healthz (no database) again and again
#    on one connection (LoopWatch): the most CPU the worker's loop ran
#    while one answer was awaited stays under one and a half times what
#    Python's json module spends parsing that problem once. A run over it
#    is made again, up to three times.
#  * a move that bumps nothing (nothing to solve) is answered with an
#    empty plan as before.
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from planlib import conference, heads, q  # noqa: E402

SLUG = "move-off-loop"
N = 100			# delegations: N (N-1) / 2 meetings
ROOMS = N // 2
SLOTS = 24		# half hours a day, 08:00-20:00


def slot_start(k):
    """Unix seconds of half-hour slot k (24 a day from 2026-06-01 08:00 +09)."""
    return 1780268400 + (k // SLOTS) * 86400 + (k % SLOTS) * 1800


def round_robin(n):
    """Rounds of the circle method: n/2 pairs (indices) each, every pair once."""
    idx = list(range(n))
    for _ in range(n - 1):
        yield [(idx[i], idx[n - 1 - i]) for i in range(n // 2)]
        idx = [idx[0], idx[-1]] + idx[1:-1]


def setup(s):
    """The conference, its heads' meetings written as a plan; (cid, head
    ids, {delegation: its head})."""
    cur = s.db().cursor()
    cid = conference(cur, SLUG, 5)
    q(cur, "UPDATE conferences SET changeover_minutes = 0 WHERE id = %s", cid)
    venue = q(cur, "INSERT INTO venues (conference_id, name) VALUES (%s, 'Hall') RETURNING id", cid)[0][0]
    rooms = [r[0] for r in q(cur, """INSERT INTO rooms (conference_id, venue_id, name, capacity, kind)
        SELECT %s, %s, 'Table ' || i, 4, 'bilateral' FROM generate_series(1, %s) i RETURNING id""",
                                cid, venue, ROOMS)]
    dels, hs = heads(cur, cid, N)
    req = {}
    for a in range(N):
        for b in range(a + 1, N):
            req[(a, b)] = q(cur, "INSERT INTO bilateral_requests (conference_id, requester_delegation_id,"
                                 " counterpart_delegation_id, duration_minutes, status)"
                                 " VALUES (%s, %s, %s, 30, 'accepted') RETURNING id", cid, dels[a], dels[b])[0][0]
    placed = [{"bilateral_id": req[tuple(sorted(p))], "version": 1, "start": slot_start(k),
               "room_id": rooms[i]}
              for k, pairs in enumerate(round_robin(N)) for i, p in enumerate(pairs)]
    version = dict(q(cur, "SELECT id, version FROM bilateral_requests WHERE conference_id = %s", cid))
    for p in placed:
        p["version"] = version[p["bilateral_id"]]
    actor = json.dumps({"role": "secretariat", "conference_id": cid, "token_id": None})
    t = time.time()
    q(cur, "SELECT kaigi_bilateral_plan(%s::jsonb, %s, %s::jsonb, false)", actor, SLUG,
      json.dumps({"placed": placed, "unplaced": [], "stats": {}}))
    note("%d meetings written in %.1f s" % (len(placed), time.time() - t))
    for table in ("sessions", "session_attendees", "bilateral_requests", "rooms"):
        q(cur, "ANALYZE " + table)
    return cid, hs, dict(zip(dels, hs))


def plenary(s, cid, head):
    """A plenary of head (and nobody else) at 07:00 on the first day,
    before the day's hours."""
    with s.db().cursor() as cur:
        sid = q(cur, """INSERT INTO sessions (conference_id, kind, title, starts_at, ends_at, visibility)
            VALUES (%s, 'plenary', 'Plenary', '2026-06-01T07:00:00+09:00', '2026-06-01T07:30:00+09:00',
            'conference') RETURNING id""", cid)[0][0]
        q(cur, "INSERT INTO session_attendees (session_id, participant_id) VALUES (%s, %s)", sid, head)
    return sid


def read_problem(s, sid, body):
    """The problem as kaigid reads it, in a transaction that counts the
    calls of the helpers that were per request and per person: (text,
    {function: calls})."""
    actor = json.dumps({"role": "admin", "token_id": None, "conference_id": None, "delegation_id": None})
    conn = s.db()
    conn.autocommit = False
    with conn.cursor() as cur:
        cur.execute("SET LOCAL track_functions = 'all'")
        t = time.time()
        cur.execute("SELECT kaigi_session_move_problem(%s::jsonb, %s, NULL, %s::jsonb)::text",
                    (actor, sid, json.dumps({"start": body["start"], "end": body["end"]})))
        text = cur.fetchone()[0]
        note("the problem read in %.2f s" % (time.time() - t))
        cur.execute("SELECT funcname, calls FROM pg_stat_xact_user_functions"
                    " WHERE funcname IN ('kaigi_bilateral_people', 'kaigi_repair_request')")
        calls = dict(cur.fetchall())
    conn.rollback()
    conn.close()
    return text, calls


def rows_as_before(s, doc):
    """kaigi_repair_request_rows (860) against 170's kaigi_repair_request
    element by element, on the first 300 requests of the problem with
    precedences among them and with requests outside (in a transaction
    rolled back): (equal, how many compared, with "after")."""
    reqs = doc["requests"][:300]
    ids = [q["id"] for q in reqs]
    outside = [q["id"] for q in doc["requests"][300:]]
    conn = s.db()
    conn.autocommit = False
    with conn.cursor() as cur:
        for a, b in ((ids[10], ids[20]), (ids[30], outside[0]), (outside[1], ids[40]), (ids[50], ids[60])):
            cur.execute("UPDATE bilateral_requests SET after_ids = after_ids || %s::bigint WHERE id = %s",
                        (b, a))
        cur.execute("""SELECT new = old, jsonb_array_length(new),
                (SELECT count(*) FROM jsonb_array_elements(new) e WHERE e->'after' <> '[]')
            FROM (SELECT kaigi_repair_request_rows(%(r)s::jsonb, %(o)s, %(ids)s, %(oth)s) AS new,
                (SELECT jsonb_agg(kaigi_repair_request(e, %(o)s, %(ids)s, %(oth)s) ORDER BY n)
                 FROM jsonb_array_elements(%(r)s::jsonb) WITH ORDINALITY x (e, n)) AS old) t""",
                    {"r": json.dumps(reqs), "o": doc["origin"], "ids": ids, "oth": ids[::2] + outside})
        got = cur.fetchone()
    conn.rollback()
    conn.close()
    return got


def people_right(s, doc, head_of):
    """Requests of the problem whose people are not the heads of their two
    delegations (ids, through the problem's "people")."""
    parties = {r[0]: (r[1], r[2]) for r in rows(
        s, "SELECT id, requester_delegation_id, counterpart_delegation_id FROM bilateral_requests")}
    who = [p["id"] for p in doc["people"]]
    return [q["id"] for q in doc["requests"]
            if sorted(who[i] for i in q["people"]) != sorted(head_of[d] for d in parties[q["id"]])]


def moved(r):
    return "%d %s" % (r.status, json.dumps(r.json)[:300])


with Server(args=["--workers", "1"]) as s:
    cid, hs, head_of = setup(s)
    sec = s.token("secretariat", conference=SLUG)
    sid = plenary(s, cid, hs[0])
    at = "2026-06-02T10:00:00+09:00"	# slot 28: the first head meets someone then
    body = {"start": at, "end": "2026-06-02T10:30:00+09:00", "repair": True, "dry_run": True}
    text, calls = read_problem(s, sid, body)
    doc, py_ms = json_parse_ms(text)
    size, nothers = len(text), len(doc["move"]["others"])
    note("the problem: %d bytes, %d requests (%d others); Python parses it in %.1f ms"
         % (size, len(doc["requests"]), nothers, py_ms))
    ok(size > 1000000 and nothers == N * (N - 1) // 2 - 1,
       "the problem is megabytes, every other meeting in it (%d bytes, %d)" % (size, nothers))
    is_(people_right(s, doc, head_of), [], "each request's people are the heads of its two delegations")
    is_(sum(1 for q in doc["requests"] if "current" in q), nothers, "each other meeting has its current place")
    same, n, after = rows_as_before(s, doc)
    ok(same and n == 300 and after == 2, "the requests' rows as 170 made them, one by one (%s; %d rows,"
       " %d with predecessors inside)" % (same, n, after))
    is_(calls, {}, "the problem is read as a set: no call per request of kaigi_bilateral_people"
        " or kaigi_repair_request")
    pids = worker_pids(s.proc.pid)
    is_(len(pids), 1, "one worker")
    path = "/api/v1/sessions/%d/move" % sid
    r, held, longest, answered, runs = least_stall(
        s.port, lambda: s.request("POST", path, body, token=sec, timeout=120), py_ms * 1.5 / 1000, pid=pids[0])
    j = r.json or {}
    ok(r.status == 200 and j.get("repair") is True and len(j.get("replaced", [])) >= 1
       and not j.get("unplaced"), "the dry run: 200, the bumped meeting re-placed (%s)" % moved(r))
    ok(answered > 20, "/healthz answered %d times meanwhile" % answered)
    ok(held * 1000 < py_ms * 1.5,
       "the loop's longest hold of one /healthz answer: %.1f ms of its CPU (answer %.1f ms;"
       " least of %d runs), less than 1.5 parses by Python (%.1f ms)"
       % (held * 1000, longest * 1000, runs, py_ms * 1.5))

    # the plan's "move" came back whole: the commit expecting it is that plan
    commit = dict(body, dry_run=False, expect=j.get("plan_id"))
    r2 = s.request("POST", path, commit, token=sec, timeout=120)
    ok(r2.status == 200 and r2.json.get("plan_id") == j.get("plan_id"),
       "the commit expecting the dry run's plan_id: 200, the same plan (%s)" % moved(r2))
    is_(one(s, "SELECT starts_at = %s::timestamptz FROM sessions WHERE id = %s", at, sid), True,
        "the plenary is at its new place")

    # nothing in the way: nothing to solve, an empty plan
    free = {"start": "2026-06-05T19:00:00+09:00", "end": "2026-06-05T19:30:00+09:00", "repair": True,
            "dry_run": True}
    r3 = s.request("POST", path, free, token=sec)
    j3 = r3.json or {}
    ok(r3.status == 200 and j3.get("replaced") == [] and j3.get("stats") == {} and j3.get("plan_id"),
       "a move that bumps nothing: 200, nothing re-placed, no solver stats (%s)" % moved(r3))
done_testing()
