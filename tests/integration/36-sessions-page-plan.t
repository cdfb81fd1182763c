#!/usr/bin/python3
"""36-sessions-page-plan.t — the session list reads each session its caller
sees by key, in live and in release mode (sql/996_sessions_pages_by_key.sql).

Both pages kept the sessions in the caller's seen set, a materialised CTE.
With the page's filters (each an OR over the filter document) the planner
counted about one session, and joined the set to the sessions (or the
release's rows) as a nested loop: the whole set scanned once per session.
At COP size (5,000 sessions) a page of 10 took 0.45 s for the secretariat
and 0.78 s for a liaison in release mode, growing with the square of the
programme.

Here, a conference of its own with 1,500 sessions (half public, half
restricted to one of 20 delegations, which a liaison sees): a page of 10,
by the secretariat and by a liaison, live and then from a release, run
under auto_explain with the tables analysed. Each page's plans must handle
fewer than 20 rows per session (the old plans: about 1.1 million for the
secretariat's page, 750 per session); and the pages are right: the first
page's ten ids are the first ten sessions the caller sees, in start order,
and the cursor leads on to the eleventh.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from planlib import conference, explained, plan_rows, q  # noqa: E402

SLUG = "pages"
N = 1500
BOUND = 20 * N


def setup(cur):
    cid = conference(cur, SLUG, days=10)
    dels = [q(cur, "INSERT INTO delegations (conference_id, code, name) VALUES (%s, %s, %s) RETURNING id",
              cid, "D%02d" % i, "Delegation %02d" % i)[0][0] for i in range(20)]
    q(cur, """INSERT INTO sessions (conference_id, kind, title, starts_at, ends_at, visibility)
        SELECT %s, 'other', 'Session ' || i,
            '2026-06-01 08:00+09'::timestamptz + make_interval(mins => 5 * i),
            '2026-06-01 08:30+09'::timestamptz + make_interval(mins => 5 * i),
            CASE WHEN i %% 10 = 0 THEN 'restricted' ELSE 'public' END
        FROM generate_series(1, %s) i""", cid, N)
    q(cur, """INSERT INTO session_delegations (session_id, delegation_id)
        SELECT s.id, (%s::bigint[])[1 + s.id %% 20] FROM sessions s
        WHERE s.conference_id = %s AND s.visibility = 'restricted'""", dels, cid)
    q(cur, "ANALYZE")
    return cid, dels[0]


def page(s, cid, actor, after, mode):
    conn = s.db()
    conn.autocommit = False
    rows, notices = explained(conn, "SELECT kaigi_sessions_page(%s::jsonb, %s, '{}'::jsonb, 10, %s)",
                              json.dumps(actor), SLUG, after)
    conn.rollback()
    n = plan_rows(notices)
    ok(n < BOUND, "%s, %s: a page of 10 handles %d plan rows (bound %d)" % (mode, actor["role"], n, BOUND))
    return rows[0][0]


def expected(cur, cid, did):
    """The ids a liaison of did sees, in start order (public, and theirs)."""
    return [r[0] for r in q(cur, """SELECT s.id FROM sessions s WHERE s.conference_id = %s
        AND (s.visibility = 'public' OR EXISTS (SELECT 1 FROM session_delegations sd
            WHERE sd.session_id = s.id AND sd.delegation_id = %s))
        ORDER BY s.starts_at, s.id LIMIT 11""", cid, did)]


def pages(s, cid, did, mode):
    cur = s.db().cursor()
    sec = {"role": "secretariat", "conference_id": cid}
    liaison = {"role": "liaison", "conference_id": cid, "delegation_id": did}
    first = [r[0] for r in q(cur, "SELECT id FROM sessions WHERE conference_id = %s"
                                  " ORDER BY starts_at, id LIMIT 11", cid)]
    got = page(s, cid, sec, "0", mode)
    is_([i["id"] for i in got["items"]], first[:10], "%s: the secretariat's first page" % mode)
    nxt = page(s, cid, sec, got["next"], mode)
    is_(nxt["items"][0]["id"], first[10], "%s: its cursor leads to the eleventh session" % mode)
    mine = expected(cur, cid, did)
    got = page(s, cid, liaison, "0", mode)
    is_([i["id"] for i in got["items"]], mine[:10], "%s: the liaison's first page, what they see" % mode)
    nxt = page(s, cid, liaison, got["next"], mode)
    is_(nxt["items"][0]["id"], mine[10], "%s: and its cursor" % mode)


def main(s):
    cur = s.db().cursor()
    cid, did = setup(cur)
    pages(s, cid, did, "live")
    q(cur, "UPDATE conferences SET publish = 'release' WHERE id = %s", cid)
    q(cur, "SELECT kaigi_release_create(%s::jsonb, '{\"name\": \"r1\"}'::jsonb, %s)",
      json.dumps({"role": "secretariat", "conference_id": cid, "token_id": None}), SLUG)
    pages(s, cid, did, "release")


with Server(demo=False) as s:
    main(s)
done_testing()
