#!/usr/bin/python3
# 02-loop.t — the event loop never waits on the database: while requests sit
# behind a transaction holding an ACCESS EXCLUSIVE lock on api_tokens (seen
# waiting in pg_locks), /healthz and /metrics keep answering, and the waiting
# requests finish correctly once the lock is released.
#
# No timing is assumed: the lock is held until every /healthz has answered,
# so a loop that waited on the database would never answer one (each has a
# generous bound); the answer times are only reported.
import os, re, sys, threading, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

WAITING = 4

# No statement timeout: the look-ups wait as long as the test holds the lock.
with Server(args=("--set", "statement_timeout_ms=0")) as s:
    tok = s.token("secretariat", conference="g7-digital-2023")
    blocker = s.db()
    blocker.autocommit = False
    cur = blocker.cursor()
    cur.execute("LOCK TABLE api_tokens IN ACCESS EXCLUSIVE MODE")

    results = []
    def authed():
        r = s.request("GET", "/readyz", token=tok, timeout=PATIENCE * 3)
        results.append(r)
    waiting = [threading.Thread(target=authed) for _ in range(WAITING)]
    for t in waiting:
        t.start()
    pids = wait_lock_waiters(s, WAITING, table="api_tokens")
    ok(pids is not None, "%d token look-ups are seen waiting for the lock on api_tokens (pg_locks)"
       % WAITING)
    is_(len(results), 0, "the authenticated requests are unanswered while they wait")

    times, statuses = [], []
    for _ in range(21):
        t0 = time.monotonic()
        try:
            statuses.append(s.request("GET", "/healthz", timeout=PATIENCE).status)
        except OSError as e:
            statuses.append(repr(e))
            break
        times.append(time.monotonic() - t0)
    is_(statuses, [200] * 21, "21 /healthz answered 200 while the database is locked")
    m = s.request("GET", "/metrics", timeout=PATIENCE)
    busy = re.search(r'^kaigi_db_connections_busy\{pid="\d+"\} (\d+)$', m.text, re.M)
    ok(m.status == 200 and busy and int(busy.group(1)) >= WAITING,
       "/metrics answers too: %s database connections busy" % (busy.group(1) if busy else "no"))
    still = lock_waiters(s, table="api_tokens")
    ok(len(still) >= WAITING and len(results) == 0,
       "... and all that time the look-ups were still waiting (%d in pg_locks)" % len(still))
    if times:
        times.sort()
        note("/healthz while the database is locked: median %.1f ms, slowest %.1f ms"
             % (times[len(times) // 2] * 1000, times[-1] * 1000))

    blocker.rollback()
    blocker.close()
    for t in waiting:
        t.join(PATIENCE * 3)
    is_(len(results), WAITING, "every waiting request finished after the lock went")
    ok(all(r.status == 200 for r in results), "and each got 200 with its valid token")
    is_(s.stop(), 0, "kaigid exits 0 on SIGTERM")
done_testing()
