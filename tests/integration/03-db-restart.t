#!/usr/bin/python3
# 03-db-restart.t — PostgreSQL goes away under a running kaigid: requests get
# 503 with Retry-After saying the database is unavailable, in bounded time
# (db_wait_ms, not hung), /healthz stays up, nothing crashes, and once
# PostgreSQL is back the same kaigid process serves again with its whole pool.
# Every wait is for a condition with a generous bound; how fast recovery is
# under load is the storm's figure (71-storm-db-restart.t, bound 5 s).
# It runs its own cluster, since stopping the shared one would hurt the
# tests running beside it.
import os, subprocess, sys, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

tmp = os.environ["KAIGI_TEST_TMPDIR"]
env = dict(os.environ, KAIGI_PG_DIR=os.path.join(tmp, "pg-restart-%d" % os.getpid()),
           KAIGI_PG_PORT=str(free_port()), KAIGI_PG_FAST="1")
pg = os.path.join(TOP, "scripts", "pg")

def pgctl(cmd):
    return subprocess.run([pg, cmd], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)

r = pgctl("start")
if r.returncode != 0:
    bail("own cluster did not start: " + r.stdout)
url = subprocess.run([pg, "url"], env=env, stdout=subprocess.PIPE, text=True).stdout.strip()
m = subprocess.run([os.environ["KAIGID"], "--migrate", "--database-url", url],
                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
is_(m.returncode, 0, "migrations apply to the fresh cluster")

port = free_port()
log = open(os.path.join(tmp, "kaigid-restart-%d.log" % os.getpid()), "w")
proc = subprocess.Popen([os.environ["KAIGID"], "--database-url", url, "--port", str(port),
                         "--set", "db_wait_ms=1000", "--set", "retry_after=3"],
                        stdout=log, stderr=log)
s = Server.__new__(Server)   # only for request(): talk to our own kaigid
s.port = port

def status(path):
    try:
        return s.request("GET", path, timeout=30).status
    except OSError:
        return None

def metric(name):
    """A gauge of /metrics (None if unreadable)."""
    try:
        text = s.request("GET", "/metrics", timeout=30).text
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(name + "{"):
            return int(line.rsplit(" ", 1)[1])
    return None

def unavailable(r, what):
    """503, Retry-After, problem+json, and a detail saying the database is down."""
    is_(r.status, 503, "%s: 503 while the database is down" % what)
    is_(r.headers.get("Retry-After"), "3", "%s: 503 carries Retry-After" % what)
    like(r.headers.get("Content-Type", ""), r"^application/problem\+json", "%s: problem+json" % what)
    like((r.json or {}).get("detail", ""), r"database is unavailable",
         "%s: the detail says the database is unavailable" % what)
try:
    ok(wait_until(lambda: status("/readyz") == 200, 30), "ready with the database up")
    ok(wait_until(lambda: metric("kaigi_db_connections_up") == 8, 30), "the whole pool (8) is up")

    is_(pgctl("stop").returncode, 0, "PostgreSQL stopped under kaigid")
    r = s.request("GET", "/readyz", timeout=60)
    unavailable(r, "/readyz")
    # db_wait_ms is 1 s: an answer, not a hang (the bound only catches a hang).
    ok(r.elapsed < 30, "/readyz answered in %.2f s (db_wait_ms 1 s), not hung" % r.elapsed)
    r = s.request("GET", "/api/v1/conferences", token=None, timeout=60)
    unavailable(r, "an API read")
    is_(s.request("GET", "/healthz").status, 200, "/healthz still 200")
    ok(proc.poll() is None, "kaigid still running")

    is_(pgctl("start").returncode, 0, "PostgreSQL started again")
    t0 = time.monotonic()
    back = wait_until(lambda: status("/readyz") == 200, 60)
    ok(back, "the same kaigid serves again (after %.2f s)" % (time.monotonic() - t0))
    ok(wait_until(lambda: metric("kaigi_db_connections_up") == 8, 60),
       "with its whole pool (8 up after %.2f s)" % (time.monotonic() - t0))
    ok(proc.poll() is None, "same process throughout (pid %d)" % proc.pid)
    proc.terminate()
    is_(proc.wait(10), 0, "kaigid exits 0 on SIGTERM")
finally:
    if proc.poll() is None:
        proc.kill()
    pgctl("destroy")
    log.close()
done_testing()
