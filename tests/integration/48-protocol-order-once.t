#!/usr/bin/python3
# 48-protocol-order-once.t — the protocol order is rewritten once per
# conference at COMMIT, not once per delegation changed
# (sql/720_precedence_refresh_once.sql).
#
# In one transaction, as kaigid runs an import: 40 delegations imported
# into a new conference, then the deferred triggers fired (SET
# CONSTRAINTS ALL IMMEDIATE). The ranks are rewritten once (190's
# kaigi_precedence_refresh, kaigi_precedence_rewrite since 720; once per
# delegation before 720, each rewriting every rank), and the ranks are the
# order computed here (alphabetical by name). Then, in the same
# transaction, one delegation is given precedence 1 and the triggers fire
# again: the ranks are rewritten (a second call), and it is first. A
# change that comes after a rewrite is never skipped.

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "order-once"
NAMES = ["Party %s" % w for w in ("Kilo", "Alpha", "Echo", "Zulu", "Mike", "Bravo", "Oscar", "Delta",
                                  "Tango", "Golf", "Lima", "Hotel", "Yankee", "India", "Papa", "Juliet",
                                  "Quebec", "Romeo", "Sierra", "Uniform", "Victor", "Whiskey", "X-ray",
                                  "Charlie", "Foxtrot", "November")]


def refreshes(cur):
    cur.execute("SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions"
                " WHERE funcname = 'kaigi_precedence_rewrite'")
    return cur.fetchone()[0]


def ranks(cur, cid):
    cur.execute("""SELECT d.name FROM delegation_ranks r JOIN delegations d ON d.id = r.delegation_id
        WHERE r.conference_id = %s ORDER BY r.rank""", (cid,))
    return [r[0] for r in cur.fetchall()]


def main(s):
    conn = s.db()
    conn.autocommit = False
    with conn.cursor() as cur:
        cur.execute("SET LOCAL track_functions = 'all'")
        cur.execute("""INSERT INTO conferences (slug, title, timezone, start_date, end_date)
            VALUES (%s, 'Order', 'Asia/Tokyo', '2026-04-28', '2026-04-30') RETURNING id""", (SLUG,))
        cid = cur.fetchone()[0]
        rows = [{"row": i + 2, "ref": "O-%02d" % i, "code": "C%02d" % i, "name": n, "kind": "member"}
                for i, n in enumerate(NAMES)]
        cur.execute("SELECT kaigi_import(%s::jsonb, %s, 'delegations', %s::jsonb, false)::text",
                    (json.dumps({"role": "secretariat", "conference_id": cid}), SLUG, json.dumps(rows)))
        is_(len(json.loads(cur.fetchone()[0])["created"]), len(NAMES), "%d delegations imported" % len(NAMES))
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        is_(refreshes(cur), 1, "the ranks were rewritten once for %d delegations (one per row before 720)"
            % len(NAMES))
        is_(ranks(cur, cid), sorted(NAMES), "in alphabetical order")

        cur.execute("SET CONSTRAINTS ALL DEFERRED")
        cur.execute("UPDATE delegations SET precedence = 1 WHERE conference_id = %s AND name = 'Party Zulu'",
                    (cid,))
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        is_(refreshes(cur), 2, "a change after the rewrite rewrites them again")
        is_(ranks(cur, cid), ["Party Zulu"] + sorted(n for n in NAMES if n != "Party Zulu"),
            "and the delegation given precedence 1 is first")
    conn.commit()
    conn.autocommit = True
    with conn.cursor() as cur:
        is_(ranks(cur, cid)[:2], ["Party Zulu", "Party Alpha"], "as committed")


with Server(demo=False) as s:
    main(s)
done_testing()
