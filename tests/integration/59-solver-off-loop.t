#!/usr/bin/python3
# 59-solver-off-loop.t — the event loop never holds a solver's problem: the
# problem's JSON (megabytes at COP size: 2.2 MB, 60-160 ms of jansson for
# the COP bench's 13,102 requests) is parsed on the solver's thread, and so
# is the plan's JSON made, not on the loop that serves every feed of the
# worker (scheduler_run_text, server/scheduler.c).
#  * 31,500 accepted requests more in the demo conference (a problem of
#    about 4 MB); one worker; a dry-run auto-schedule through the API: 200,
#    every request counted in its stats;
#  * meanwhile another client asks /healthz (no database) again and again
#    on one connection (LoopWatch): the most CPU the worker's loop ran
#    while one answer was awaited (/proc schedstat: its own work, not its
#    wait for a core another test holds) stays under one and a half times
#    what Python's json module, a C parser like jansson, spends parsing
#    that problem once (about 90 ms here). Before, the loop parsed it
#    (about as long as Python does), turned it into structs and freed it in
#    one callback, and built and printed the plan in another: 205-244 ms.
#    Now 24-46 ms, release and ASan builds: what remains is libpq taking
#    the 4 MB off the socket into its result on the loop (the result itself
#    goes to the solver's thread, not a copy: db_keep). A run over the
#    bound is made again, up to three times.
#  * The loop's CPU on the request (its main thread, /proc) is noted.
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "g7-digital-2023"
SCHED = "/api/v1/conferences/%s/schedule" % SLUG
ADMIN = json.dumps({"role": "admin", "token_id": None, "conference_id": None, "delegation_id": None})


def load(s):
    """Accepted requests between every two delegations, 300 times: as many
    requests as a large summit's, most of which cannot all be placed."""
    with s.db().cursor() as cur:
        cur.execute("INSERT INTO bilateral_requests (conference_id, requester_delegation_id,"
                    " counterpart_delegation_id, duration_minutes, status, priority)"
                    " SELECT c.id, a.id, b.id, 30, 'accepted', 1 + g %% 5"
                    " FROM conferences c JOIN delegations a ON a.conference_id = c.id"
                    " JOIN delegations b ON b.conference_id = c.id AND a.id < b.id,"
                    " generate_series(1, 300) g WHERE c.slug = %s", (SLUG,))
        n = cur.rowcount
        cur.execute("ANALYZE bilateral_requests")
    return n


def loop_cpu_ms(pid):
    """CPU (user + system) of the worker's main thread, its event loop."""
    with open("/proc/%d/task/%d/stat" % (pid, pid)) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 / os.sysconf("SC_CLK_TCK")


def python_parse_ms(s):
    """The problem as kaigid reads it, and Python's CPU to parse it once
    (the best of three)."""
    text = one(s, "SELECT kaigi_bilateral_problem_for(kaigi_as(%s::jsonb), %s, NULL)::text",
               ADMIN, SLUG)
    doc, best = json_parse_ms(text)
    return len(text), len(doc["requests"]), best


with Server(args=["--workers", "1"]) as s:
    sec = s.token("secretariat", conference=SLUG)
    added = load(s)
    ok(added >= 30000, "%d accepted requests added" % added)
    size, nreq, py_ms = python_parse_ms(s)
    note("the problem: %d bytes, %d requests; Python parses it in %.0f ms" % (size, nreq, py_ms))
    ok(size > 3000000, "the problem is megabytes (%d bytes)" % size)
    pids = worker_pids(s.proc.pid)
    is_(len(pids), 1, "one worker")
    before = loop_cpu_ms(pids[0])
    r, held, longest, answered, runs = least_stall(s.port, lambda: s.request(
        "POST", SCHED, {"dry_run": True, "time_limit_ms": 3000}, token=sec, timeout=300),
        py_ms * 1.5 / 1000, pid=pids[0])
    spent = loop_cpu_ms(pids[0]) - before
    st = (r.json or {}).get("stats", {}) if r.status == 200 else {}
    ok(r.status == 200 and st.get("requested") == nreq,
       "the dry-run schedule: 200, all %d requests in its stats (%d, %s)" % (
           nreq, r.status, st.get("requested")))
    ok(answered > 100, "/healthz answered %d times meanwhile" % answered)
    ok(held * 1000 < py_ms * 1.5,
       "the loop's longest hold of one /healthz answer: %.1f ms of its CPU (answer %.1f ms;"
       " least of %d runs), less than 1.5 parses by Python (%.0f ms)"
       % (held * 1000, longest * 1000, runs, py_ms * 1.5))
    note("the loop's CPU on the schedule (%d runs): %.0f ms" % (runs, spent))
done_testing()
