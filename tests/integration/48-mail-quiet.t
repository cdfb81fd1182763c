#!/usr/bin/python3
"""48-mail-quiet.t — change mail: a participant is quiet for
notify_quiet_seconds from when its changes became visible, not from when
their long transaction wrote them (sql/210_release_languages.sql).

A move is written in a transaction held open past the quiet time (as a
plenary of 20,000 takes 1–2 s), then committed. kaigi_outbox_close(1),
asked at once, must not close it yet (its rows were just seen); asked
again once a second has passed since, it closes them. Before 210 the
first call closed them at once, so a second change of the same
participant 2 s later, with 3 s of quiet, left in another message
(scripts/bench/mail-load found 2,495 such). The closer's advisory lock is
taken first, so kaigid's own sender cannot make the call skip.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import one  # noqa: E402

QUIET = 1


def close(s):
    """kaigi_outbox_close(QUIET) once the closer's lock is ours: rows batched."""
    conn = s.db()
    conn.autocommit = False
    with conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext('kaigi_outbox_close'))")
        cur.execute("SELECT kaigi_outbox_close(%s)", (QUIET,))
        n = cur.fetchone()[0]
    conn.commit()
    conn.close()
    return n


def main(s):
    sid = one(s, "SELECT id FROM sessions WHERE title = 'Press conference of the chair'")
    with s.db().cursor() as cur:
        cur.execute("""UPDATE participants p SET email = 'quiet' || p.id || '@example.org'
            FROM session_delegations sd WHERE sd.session_id = %s
            AND p.delegation_id = sd.delegation_id""", (sid,))
    long_tx = s.db()
    long_tx.autocommit = False
    with long_tx.cursor() as cur:
        cur.execute("""UPDATE sessions SET starts_at = starts_at + interval '30 minutes',
            ends_at = ends_at + interval '30 minutes' WHERE id = %s""", (sid,))
        cur.execute("SELECT count(*), max(created_at) FROM outbox WHERE session_id = %s", (sid,))
        rows, written = cur.fetchone()
    ok(rows > 0, "the move wrote %d outbox rows in its transaction" % rows)
    ok(wait_until(lambda: one(s, "SELECT clock_timestamp() > %s + interval '1.5 s'", written),
                  PATIENCE), "the transaction stays open past the quiet time")
    long_tx.commit()
    is_(close(s), 0, "just committed: kaigi_outbox_close(1) leaves the rows (not quiet yet)")
    is_(one(s, "SELECT count(*) FROM outbox WHERE session_id = %s AND batch_id IS NULL", sid),
        rows, "... all still pending")
    seen = one(s, "SELECT max(seen_at) FROM outbox WHERE session_id = %s", sid)
    ok(wait_until(lambda: one(s, "SELECT clock_timestamp() > %s + interval '1.1 s'", seen),
                  PATIENCE), "a second passes after they were seen")
    ok(wait_until(lambda: close(s) > 0 or one(s, """SELECT count(*) FROM outbox
        WHERE session_id = %s AND batch_id IS NULL""", sid) == 0, PATIENCE),
       "then they are closed")
    is_(one(s, "SELECT count(*) FROM outbox WHERE session_id = %s AND batch_id IS NULL", sid), 0,
        "no row left pending")


with Server() as s:
    main(s)
done_testing()
