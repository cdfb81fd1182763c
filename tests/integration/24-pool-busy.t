#!/usr/bin/python3
# 24-pool-busy.t — waiting for a pool connection is not an outage.
#
# 1. A burst larger than the pool, each write slow (a trigger sleeps 0.2 s
#    per audit row), on a pool of 2 with db_wait_ms=1000: the last writers
#    wait well over db_wait_ms in all, but connections keep coming free, so
#    every one is answered 201 (before: 503 "the database is unavailable"
#    while PostgreSQL was up — issue 19's 23-concurrency failure).
# 2. Both connections stuck behind a lock (nothing comes free): requests
#    queued behind them get 503 after db_wait_ms, with Retry-After, saying
#    the server is busy, not that the database is down; /readyz too. Once
#    the lock goes, the stuck requests are answered 200.
# 3. The queue bound (db_queue_max=2, db_wait_ms=60000): with the one
#    connection stuck and two requests queued, more requests get 503 busy at
#    once (they cannot be the wait: it is 60 s); the queued ones are served
#    when the lock goes. The bound comes from the config file, changed from
#    5 to 2 under the running kaigid by SIGHUP (db_queue_max and db_wait_ms
#    are not restart settings).
import os
import signal
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "g7-digital-2023"
WRITERS = 16
SLOW_TRIGGER = """
CREATE FUNCTION test_slow_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_sleep(0.2); RETURN NEW; END $$;
CREATE TRIGGER test_slow_audit BEFORE INSERT ON audit_log
FOR EACH ROW EXECUTE FUNCTION test_slow_audit();
"""


def rows(conn, sql, *args):
    with conn.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


def in_thread(fn, *args):
    """Run fn(*args) in a thread; returns (thread, box) where box[0] is the result."""
    box = [None]

    def run():
        try:
            box[0] = fn(*args)
        except Exception as e:      # reported by the checks below
            box[0] = e
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, box


def lock_waiters(watch):
    """kaigid's backends waiting for a lock in this database."""
    return rows(watch, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                       " AND application_name = 'kaigid' AND wait_event_type = 'Lock'")[0][0]


def queue_length(s):
    """kaigi_db_queue_length from /metrics (None if unreadable)."""
    r = s.request("GET", "/metrics", timeout=30)
    for line in r.text.splitlines():
        if line.startswith("kaigi_db_queue_length"):
            return int(line.rsplit(" ", 1)[1])
    return None


def is_busy(r, name):
    """A 503 that says busy (not down), with Retry-After, as problem+json."""
    ok(isinstance(r, Response) and r.status == 503, "%s: 503 (%s)" % (
        name, getattr(r, "status", r)))
    if not isinstance(r, Response):
        return
    ok(r.headers.get("Retry-After") == "3", "%s: with Retry-After" % name)
    like(r.headers.get("Content-Type", ""), r"^application/problem\+json", "%s: problem+json" % name)
    detail = (r.json or {}).get("detail", "")
    ok("busy" in detail and "unavailable" not in detail,
       "%s: the detail says busy, not down: %r" % (name, detail))


def hold_tokens(s):
    """A transaction holding api_tokens locked: every token lookup waits."""
    holder = s.db()
    holder.autocommit = False
    with holder.cursor() as cur:
        cur.execute("LOCK TABLE api_tokens IN ACCESS EXCLUSIVE MODE")
    return holder


def burst(s, tok, room_ids):
    """Part 1: WRITERS slow writes at once on a pool of 2."""
    with s.db().cursor() as cur:
        cur.execute(SLOW_TRIGGER)
    out = [None] * WRITERS
    barrier = threading.Barrier(WRITERS)

    def one(i):
        body = {"kind": "other", "title": "burst #%d" % i, "room_id": room_ids[i % len(room_ids)],
                "start": "2023-04-28T%02d:00:00+09:00" % (8 + i // len(room_ids)),
                "end": "2023-04-28T%02d:45:00+09:00" % (8 + i // len(room_ids))}
        barrier.wait()
        try:
            out[i] = s.request("POST", "/api/v1/conferences/%s/sessions" % SLUG, body,
                               token=tok, timeout=120)
        except OSError as e:
            out[i] = e
    threads = [threading.Thread(target=one, args=(i,)) for i in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    got = [getattr(o, "status", repr(o)) for o in out]
    is_([g for g in got if g != 201], [], "burst: all %d writers answered 201 (%s)"
        % (WRITERS, ", ".join("%.2f" % o.elapsed for o in out if hasattr(o, "elapsed"))))
    slowest = max((o.elapsed for o in out if hasattr(o, "elapsed")), default=0)
    ok(slowest > 1.0, "burst: the slowest waited %.2f s, longer than db_wait_ms 1 s" % slowest)
    stored = rows(s.db(), "SELECT count(*) FROM sessions WHERE title LIKE 'burst #%%'")[0][0]
    is_(stored, WRITERS, "burst: every 201 is a stored session")
    with s.db().cursor() as cur:
        cur.execute("DROP TRIGGER test_slow_audit ON audit_log")


def stuck(s, tok):
    """Part 2: both connections behind a lock; what queues behind them is busy."""
    watch = s.db()
    holder = hold_tokens(s)
    first = [in_thread(s.request, "GET", "/api/v1/conferences", None, tok, None, None, 120)
             for _ in range(2)]
    ok(wait_until(lambda: lock_waiters(watch) == 2, 30), "stuck: both connections wait for the lock")
    later = [in_thread(s.request, "GET", "/api/v1/conferences", None, tok, None, None, 120)
             for _ in range(2)]
    ready = in_thread(s.request, "GET", "/readyz", None, None, None, None, 120)
    for i, (t, box) in enumerate(later):
        t.join(60)
        is_busy(box[0], "stuck: request %d queued behind them" % (i + 1))
    ready[0].join(60)
    is_busy(ready[1][0], "stuck: /readyz")
    ok(all(t.is_alive() for t, _ in first), "stuck: the two on the lock are still waiting")
    holder.rollback()
    for t, box in first:
        t.join(60)
    is_([getattr(b[0], "status", repr(b[0])) for _, b in first], [200, 200],
        "stuck: they are answered 200 once the lock goes")
    is_(s.request("GET", "/readyz").status, 200, "stuck: /readyz 200 again")


def bound(s, tok):
    """Part 3: one stuck connection, two queued, the rest refused at once."""
    watch = s.db()
    holder = hold_tokens(s)
    first = in_thread(s.request, "GET", "/api/v1/conferences", None, tok, None, None, 120)
    ok(wait_until(lambda: lock_waiters(watch) == 1, 30), "bound: the connection waits for the lock")
    queued = [in_thread(s.request, "GET", "/api/v1/conferences", None, tok, None, None, 120)
              for _ in range(2)]
    ok(wait_until(lambda: queue_length(s) == 2, 30), "bound: two requests queued (db_queue_max 2)")
    more = [in_thread(s.request, "GET", "/api/v1/conferences", None, tok, None, None, 120)
            for _ in range(3)]
    for i, (t, box) in enumerate(more):
        t.join(30)
        is_busy(box[0], "bound: request %d beyond the bound" % (i + 1))
    ok(first[0].is_alive() and all(t.is_alive() for t, _ in queued),
       "bound: meanwhile the stuck and the queued ones still wait (db_wait_ms 60 s)")
    holder.rollback()
    for t, box in [first] + queued:
        t.join(60)
    is_([getattr(b[0], "status", repr(b[0])) for _, b in [first] + queued], [200, 200, 200],
        "bound: the stuck and the queued are answered 200 once the lock goes")


# No statement_timeout: a request stuck on the lock must wait for the lock,
# however slow the machine, not be cancelled (that would be a 503 as well).
with Server(args=("--set", "pool_size=2", "--set", "db_wait_ms=1000",
                  "--set", "retry_after=3", "--set", "statement_timeout_ms=0")) as s:
    tok = s.token("secretariat", conference=SLUG)
    room = dict(rows(s.db(), "SELECT name, id FROM rooms"))
    rooms = [room[n] for n in ("Bilateral Room A", "Bilateral Room B", "Press Centre", "Banquet Room")]
    burst(s, tok, rooms)
    stuck(s, tok)
    is_(s.stop(), 0, "kaigid exits 0 on SIGTERM")

conf = os.path.join(os.environ.get("KAIGI_TEST_TMPDIR", "/tmp"), "pool-busy-%d.conf" % os.getpid())
with open(conf, "w") as f:
    f.write("[kaigid]\ndb_queue_max = 5\n")
with Server(args=("--config", conf, "--set", "pool_size=1", "--set", "db_wait_ms=60000",
                  "--set", "retry_after=3", "--set", "statement_timeout_ms=0")) as s:
    tok = s.token("secretariat", conference=SLUG)
    with open(conf, "w") as f:
        f.write("[kaigid]\ndb_queue_max = 2\n")
    s.proc.send_signal(signal.SIGHUP)
    ok(wait_until(lambda: "settings re-read" in s.log_tail(5), 30),
       "SIGHUP: db_queue_max 5 -> 2 re-read from the config file")
    bound(s, tok)
    is_(s.stop(), 0, "kaigid exits 0 on SIGTERM")
done_testing()
