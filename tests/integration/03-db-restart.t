#!/usr/bin/python3
# 03-db-restart.t — PostgreSQL goes away under a running kaigid: requests get
# 503 with Retry-After in bounded time, /healthz stays up, nothing crashes,
# and once PostgreSQL is back the same kaigid process serves again within 5 s.
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
        return s.request("GET", path, timeout=10).status
    except OSError:
        return None
try:
    ok(wait_until(lambda: status("/readyz") == 200, 10), "ready with the database up")

    is_(pgctl("stop").returncode, 0, "PostgreSQL stopped under kaigid")
    t0 = time.monotonic()
    r = s.request("GET", "/readyz")
    took = time.monotonic() - t0
    is_(r.status, 503, "/readyz: 503 while the database is down")
    is_(r.headers.get("Retry-After"), "3", "503 carries Retry-After")
    like(r.headers.get("Content-Type", ""), r"^application/problem\+json", "503 is problem+json")
    ok(took < 3.0, "answered in %.2f s, not hung" % took)
    r = s.request("GET", "/api/v1/conferences", token=None)
    ok(r.status in (503, 404), "an API read gets 503 (or 404 before that route exists): %d" % r.status)
    is_(s.request("GET", "/healthz").status, 200, "/healthz still 200")
    ok(proc.poll() is None, "kaigid still running")

    is_(pgctl("start").returncode, 0, "PostgreSQL started again")
    t0 = time.monotonic()
    back = wait_until(lambda: status("/readyz") == 200, 5.0)
    ok(back, "the same kaigid serves again after %.2f s (limit 5 s)" % (time.monotonic() - t0))
    ok(proc.poll() is None, "same process throughout (pid %d)" % proc.pid)
    proc.terminate()
    is_(proc.wait(10), 0, "kaigid exits 0 on SIGTERM")
finally:
    if proc.poll() is None:
        proc.kill()
    pgctl("destroy")
    log.close()
done_testing()
