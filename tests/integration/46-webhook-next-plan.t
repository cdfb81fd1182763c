#!/usr/bin/python3
"""46-webhook-next-plan.t — the webhook sender's pick of the next delivery
reads a few rows per hook, not every pending delivery
(sql/950_webhook_next_oldest.sql).

kaigi_webhook_next (one call per delivery) keeps each hook's deliveries in
order: only a hook's oldest pending delivery may go. 160's version read
every pending delivery and probed each for an older one of its hook; an
auto-schedule leaves a delivery per placement per hook, so at 20,000
pending a call took 75 ms and the backlog drained in quadratic time.

Here, counted rather than timed, in one transaction of the test's own (so
kaigid's sender never sees the rows): two hooks of a conference of its own,
N pending deliveries for the first and three for the second, the second's
oldest due before the first's. Under auto_explain the rows every plan node
handled (rows x loops) are added up: the old plan handled more than 2 x N;
the bound is 100. The pick must be what the rule says: the second hook's
oldest (the earliest due of the hooks' oldest); once that one is no longer
due (a retry set later), the first hook's oldest; with the first hook's
oldest not due, never its second. SHOW_PLANS=1 prints the plans.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from planlib import conference, explained, plan_rows, q  # noqa: E402

SLUG = "webhook-next"
N = 5000


def hook(cur, cid, n, due):
    """A hook with n pending deliveries due at `due` and after; their ids."""
    h = q(cur, "INSERT INTO webhooks (conference_id, url, secret)"
               " VALUES (%s, 'http://127.0.0.1:9/hook', 's') RETURNING id", cid)[0][0]
    ids = [r[0] for r in q(cur, """INSERT INTO webhook_deliveries
        (webhook_id, event, body, next_attempt_at)
        SELECT %s, 'session.changed', '{}', %s::timestamptz + i * interval '1 ms'
        FROM generate_series(1, %s) i RETURNING id""", h, due, n)]
    return h, sorted(ids)


def main(s):
    conn = s.db()
    conn.autocommit = False
    cur = conn.cursor()
    cid = conference(cur, SLUG)
    _, first = hook(cur, cid, N, "2020-01-02 00:00+00")
    _, second = hook(cur, cid, 3, "2020-01-01 00:00+00")
    out, notices = explained(conn, "SELECT delivery_id FROM kaigi_webhook_next()")
    is_(out, [(second[0],)], "the earliest due of the hooks' oldest deliveries: the second hook's")
    work = plan_rows(notices)
    ok(0 < work <= 100, "the pick's plan handled %d rows for %d pending (bound 100)" % (work, N + 3))
    q(cur, "UPDATE webhook_deliveries SET next_attempt_at = now() + interval '1 hour'"
           " WHERE id = %s", second[0])
    is_(q(cur, "SELECT delivery_id FROM kaigi_webhook_next()"), [(first[0],)],
        "the second hook's oldest not due: the first hook's oldest (never the second's next)")
    q(cur, "UPDATE webhook_deliveries SET next_attempt_at = now() + interval '1 hour'"
           " WHERE id = %s", first[0])
    is_(q(cur, "SELECT delivery_id FROM kaigi_webhook_next()"), [],
        "neither hook's oldest due: nothing, though later deliveries of both are due")
    conn.rollback()


with Server(demo=False) as s:
    main(s)
done_testing()
