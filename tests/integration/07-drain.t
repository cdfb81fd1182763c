#!/usr/bin/python3
# 07-drain.t — SIGTERM drains the requests in flight (with one worker and
# with two): a write that waits on a row lock another transaction holds is
# in flight when kaigid gets SIGTERM; kaigid stops taking connections (a new
# one is refused) but keeps that request; once the lock is released the
# write commits, its client gets its 200, and kaigid exits 0.
# The answer must be written out, not merely queued, before the worker
# frees its connections: a race that lost it now and then, so each case
# runs ROUNDS times.
import os
import signal
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "g7-digital-2023"
ROUNDS = 4


def refused(port):
    """Is a new connection to port refused?"""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        return False
    except ConnectionRefusedError:
        return True
    except OSError:
        return False


def waiting_on_lock(s, watcher):
    """Is a query of this server's database waiting for a lock?"""
    with watcher.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
                    " AND wait_event_type = 'Lock'", (s.db_name,))
        return cur.fetchone()[0] > 0


def drain(workers, n):
    """A write held by a row lock, SIGTERM, release: answered, exit 0."""
    tag = "workers = %d, round %d" % (workers, n)
    with Server(args=("--workers", str(workers), "--set", "statement_timeout_ms=120000")) as s:
        tok = s.token("secretariat", conference=SLUG)
        r = s.request("GET", "/api/v1/conferences/%s/sessions?limit=1" % SLUG, token=tok)
        sid, version = r.json["items"][0]["id"], r.json["items"][0]["version"]
        holder = s.db()
        holder.autocommit = False
        with holder.cursor() as cur:
            cur.execute("SELECT id FROM sessions WHERE id = %s FOR UPDATE", (sid,))
        answer = []
        writer = threading.Thread(target=lambda: answer.append(s.request(
            "PATCH", "/api/v1/sessions/%d" % sid, {"title": "Drained at SIGTERM"}, token=tok,
            headers={"If-Match": '"%d"' % version}, timeout=120)))
        writer.start()
        watcher = s.db()
        ok(wait_until(lambda: waiting_on_lock(s, watcher), 30),
           "%s: the write is in flight, waiting on the row lock" % tag)
        s.proc.send_signal(signal.SIGTERM)
        ok(wait_until(lambda: "draining 1 request(s)" in open(s.log_path).read(), 30),
           "%s: SIGTERM: the worker drains 1 request" % tag)
        wait_until(lambda: refused(s.port) or not writer.is_alive(), 30)
        ok(refused(s.port) and writer.is_alive(),
           "%s: new connections are refused while the request drains" % tag)
        ok(writer.is_alive() and not answer and s.proc.poll() is None,
           "%s: the request is still waiting, kaigid still running" % tag)
        t = time.monotonic()
        holder.rollback()       # release the lock
        writer.join(60)
        r = answer[0] if answer else None
        is_((r.status, r.json.get("title")) if r is not None else None,
            (200, "Drained at SIGTERM"),
            "%s: released: the write is answered 200 (after %.2f s)" % (tag, time.monotonic() - t))
        try:
            code = s.proc.wait(30)
        except Exception:
            code = None
        is_(code, 0, "%s: kaigid exits 0 once drained" % tag)
        with watcher.cursor() as cur:
            cur.execute("SELECT title, version FROM sessions WHERE id = %s", (sid,))
            is_(cur.fetchone(), ("Drained at SIGTERM", version + 1), "%s: and it is committed" % tag)
        s.stop()


for w in (1, 2):
    for n in range(1, ROUNDS + 1):
        drain(w, n)
done_testing()
