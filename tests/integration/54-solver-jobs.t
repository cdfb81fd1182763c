#!/usr/bin/python3
# 54-solver-jobs.t — solver jobs per process are capped (issue 14, item 8):
# with solver_jobs = 1 and solver_queue = 1 (from the environment), one
# long auto-schedule runs, a slots request waits for it, and two more are
# refused at once with 503, Retry-After and "the solver is busy"; the waiting
# one is answered after. With solver_jobs = 2 (from an INI file) and
# --solver-queue 0 (a flag), two run and a third is refused; a burst of six
# is answered 200 or 503, nothing else. Throughout, kaigid's thread count in
# /proc/<pid>/status never exceeds its baseline plus solver_jobs, and no more
# than solver_jobs threads named kaigi-solver exist. Every wait is on a
# condition read from /metrics, each with a generous bound.
import os
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "g7-digital-2023"
SCHED = "/api/v1/conferences/%s/schedule" % SLUG
BOUND = 60      # seconds: generous bounds for conditions on a busy machine


def metrics(s):
    """The solver counters of the worker that answered, and its pid."""
    text = s.request("GET", "/metrics").text
    out = {"pid": int(re.search(r'pid="(\d+)"', text).group(1))}
    for name in ("accepted", "started", "finished", "refused"):
        m = re.search(r"^kaigi_solver_jobs_%s_total\{[^}]*\} (\d+)$" % name, text, re.M)
        out[name] = int(m.group(1)) if m else 0
    out["running"] = out["started"] - out["finished"]
    out["waiting"] = out["accepted"] - out["started"]
    return out


def threads(pid):
    """(all threads, threads named kaigi-solver) of process pid."""
    with open("/proc/%d/status" % pid) as f:
        total = int(re.search(r"^Threads:\s+(\d+)", f.read(), re.M).group(1))
    solver = 0
    for task in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/comm" % (pid, task)) as f:
                solver += f.read().strip() == "kaigi-solver"
        except OSError:
            pass        # the thread ended meanwhile
    return total, solver


class Sampler(threading.Thread):
    """Reads kaigid's thread counts every few milliseconds until stopped."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.stop, self.max_total, self.max_solver, self.samples = pid, False, 0, 0, 0

    def run(self):
        while not self.stop:
            total, solver = threads(self.pid)
            self.max_total, self.max_solver = max(self.max_total, total), max(self.max_solver, solver)
            self.samples += 1
            time.sleep(0.005)


def load(s):
    """317 accepted requests (a solve that uses its whole time limit); the id of an open one."""
    with s.db().cursor() as cur:
        cur.execute("INSERT INTO bilateral_requests (conference_id, requester_delegation_id,"
                    " counterpart_delegation_id, duration_minutes, status, priority)"
                    " SELECT 1, a.id, b.id, 30 + 15 * (g % 3), 'accepted', 1 + g % 5"
                    " FROM delegations a, delegations b, generate_series(1, 3) g WHERE a.id < b.id")
        cur.execute("SELECT min(id) FROM bilateral_requests WHERE status = 'accepted'")
        return cur.fetchone()[0]


def background(fn):
    """Run fn() on a thread; .out holds its answer."""
    box = {}
    t = threading.Thread(target=lambda: box.setdefault("r", fn()))
    t.box = box
    t.start()
    return t


def busy(r, name):
    """A 503 that says the solver is busy, with Retry-After."""
    ok(r.status == 503 and r.headers.get("Retry-After") == "2" and
       r.headers.get("Content-Type", "").startswith("application/problem+json") and
       "solver is busy" in (r.json or {}).get("detail", ""), "%s: 503, Retry-After 2, 'the solver is busy'" % name)
    if r.status != 503:
        diag("got %d: %s" % (r.status, r.text[:300]))


def test_one_job(s, sec, bid):
    """solver_jobs 1, solver_queue 1: A runs, B waits, C and D are refused; A and B answered."""
    slots = "/api/v1/bilaterals/%d/slots?limit=3" % bid
    is_(s.request("GET", slots, token=sec).status, 200, "warm-up: slots 200")
    pid = metrics(s)["pid"]
    base = threads(pid)[0]
    note("kaigid worker %d: %d threads at rest" % (pid, base))
    sampler = Sampler(pid)
    sampler.start()
    for attempt in (1, 2, 3):
        m0 = metrics(s)
        a = background(lambda: s.request("POST", SCHED, {"dry_run": True, "time_limit_ms": 8000 * attempt},
                                          token=sec, timeout=300))
        # Running: by /metrics, or (a server without the cap) by its threads.
        wait_until(lambda: metrics(s)["started"] > m0["started"] or threads(pid)[0] > base
                   or not a.is_alive(), BOUND)
        b = background(lambda: s.request("GET", slots, token=sec, timeout=300))
        wait_until(lambda: metrics(s)["waiting"] >= 1 or threads(pid)[0] > base + 1 or not a.is_alive(), BOUND)
        mc = metrics(s)
        c = s.request("POST", SCHED, {"dry_run": True, "time_limit_ms": 100}, token=sec)
        d = s.request("GET", slots, token=sec)
        md = metrics(s)
        held = (mc["running"], mc["waiting"]) == (1, 1) and all(
            mc[k] == md[k] for k in ("started", "finished", "accepted"))
        a.join()
        b.join()
        if held or attempt == 3:
            break
        note("the long job ended before C and D were answered; again with a longer time limit")
    sampler.stop = True
    sampler.join()
    ok(held, "C and D were answered while one job ran and one waited (by /metrics)")
    busy(c, "C (auto-schedule) beyond the queue")
    busy(d, "D (slots) beyond the queue")
    is_(md["refused"] - mc["refused"], 2, "/metrics counts both refusals")
    ra, rb = a.box.get("r"), b.box.get("r")
    is_(ra and ra.status, 200, "A, the long auto-schedule: 200")
    ok(rb is not None and rb.status == 200 and len(rb.json["items"]) == 3, "B, the slots that waited: 200")
    is_(metrics(s)["running"] + metrics(s)["waiting"], 0, "afterwards nothing runs or waits")
    ok(sampler.samples > 10 and sampler.max_solver == 1,
       "a kaigi-solver thread was seen, never two (%d samples)" % sampler.samples)
    ok(sampler.max_total <= base + 1, "threads never above the baseline + 1 (max %d, baseline %d)" % (
        sampler.max_total, base))


def test_two_jobs(s, sec):
    """solver_jobs 2 (INI), --solver-queue 0: two run, a third is refused; a burst of six."""
    pid = metrics(s)["pid"]
    base = threads(pid)[0]
    sampler = Sampler(pid)
    sampler.start()
    m0 = metrics(s)
    for attempt in (1, 2, 3):
        long_ = [background(lambda: s.request("POST", SCHED, {"dry_run": True, "time_limit_ms": 8000 * attempt},
                                              token=sec, timeout=300)) for _ in range(2)]
        wait_until(lambda: metrics(s)["running"] == 2 or not all(t.is_alive() for t in long_), BOUND)
        mc = metrics(s)
        c = s.request("POST", SCHED, {"dry_run": True, "time_limit_ms": 100}, token=sec)
        md = metrics(s)
        held = (mc["running"], md["running"], md["waiting"]) == (2, 2, 0) and md["started"] == mc["started"]
        for t in long_:
            t.join()
        if held or attempt == 3:
            break
        note("a long job ended before the third was answered; again with a longer time limit")
    ok(held, "two jobs ran at once, and still did when the third was answered")
    busy(c, "the third, with no queue")
    is_([t.box["r"].status for t in long_], [200, 200], "the two long ones: 200")
    barrier = threading.Barrier(6)

    def one():
        barrier.wait()
        return s.request("POST", SCHED, {"dry_run": True, "time_limit_ms": 1500}, token=sec, timeout=300)
    burst = [background(one) for _ in range(6)]
    for t in burst:
        t.join()
    got = [t.box["r"] for t in burst]
    ok(all(r.status == 200 or (r.status == 503 and r.headers.get("Retry-After") == "2") for r in got),
       "a burst of six: each 200 or 503 with Retry-After (%s)" % sorted(r.status for r in got))
    m1 = metrics(s)
    is_((m1["started"] - m0["started"]) + (m1["refused"] - m0["refused"]), 3 * attempt + 6,
        "every job started or refused")
    sampler.stop = True
    sampler.join()
    ok(sampler.max_solver <= 2 and sampler.max_total <= base + 2,
       "threads never above the baseline + 2 (max %d, baseline %d; solver threads %d)" % (
           sampler.max_total, base, sampler.max_solver))


def test_documented():
    """--help and config/kaigid.conf name both settings."""
    out = subprocess.run([os.environ["KAIGID"], "--help"], stdout=subprocess.PIPE, timeout=30).stdout.decode()
    ok("--solver-jobs" in out and "--solver-queue" in out, "kaigid --help: --solver-jobs, --solver-queue")
    with open(os.path.join(TOP, "config", "kaigid.conf")) as f:
        conf = f.read()
    ok(re.search(r"^solver_jobs = 0$", conf, re.M) and re.search(r"^solver_queue = 32$", conf, re.M),
       "config/kaigid.conf: solver_jobs = 0 (the cores), solver_queue = 32")


test_documented()
with Server(env={"KAIGI_SOLVER_JOBS": "1", "KAIGI_SOLVER_QUEUE": "1"}) as s:
    sec = s.token("secretariat", conference=SLUG)
    test_one_job(s, sec, load(s))
ini = os.path.join(os.environ.get("KAIGI_TEST_TMPDIR", "/tmp"), "solver-jobs-%d.conf" % os.getpid())
with open(ini, "w") as f:
    f.write("[kaigid]\nsolver_jobs = 2\n")
with Server(args=["--config", ini, "--solver-queue", "0"]) as s:
    sec = s.token("secretariat", conference=SLUG)
    load(s)
    test_two_jobs(s, sec)
os.unlink(ini)
done_testing()
