#!/usr/bin/python3
"""30-feed-cost.t — reading a feed does not cost participants x sessions
(sql/360_feed_clock_once.sql).

A feed's Last-Modified clock (kaigi_feed_changed: the latest change of the
conference, its sessions, participants, ...) was meant to be read once per
feed, but the plan read it once per session, each time by a scan of the
conference's participants: 65 ms for a public feed of 30 sessions at
20,000 participants. The cost is counted in buffers (EXPLAIN ANALYZE
BUFFERS), not in time: adding 5,000 participants to the demo conference
(in a delegation of their own) must add next to nothing to reading its
public feed and another delegation's.
The clock itself must still be the conference's, the same on every row.
"""
import hashlib
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import one, rows  # noqa: E402

SLUG = "g7-digital-2023"
ADDED = 5000


def buffers(s, sql, *args):
    """Shared buffers (hit and read) that one run of sql touched."""
    plan = one(s, "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, *args)[0]["Plan"]
    return plan["Shared Hit Blocks"] + plan["Shared Read Blocks"]


def costs(s, token_hash):
    public = "SELECT * FROM kaigi_feed_public(%s)"
    token = "SELECT * FROM kaigi_feed_token(%s)"
    for _ in range(6):	# warm: plans (PL/pgSQL's generic ones after 5) and catalogues
        diag("warm %d %d" % (buffers(s, public, SLUG), buffers(s, token, token_hash)))
    return buffers(s, public, SLUG), buffers(s, token, token_hash)


def main(s):
    cid = one(s, "SELECT id FROM conferences WHERE slug = %s", SLUG)
    did = one(s, "SELECT id FROM delegations WHERE conference_id = %s ORDER BY id LIMIT 1", cid)
    token = "cost-test-token"
    with s.db().cursor() as cur:
        cur.execute("""INSERT INTO feed_tokens (conference_id, delegation_id, token_hash)
            VALUES (%s, %s, %s)""", (cid, did, hashlib.sha256(token.encode()).hexdigest()))
    th = hashlib.sha256(token.encode()).hexdigest()
    n = one(s, "SELECT count(*) FROM kaigi_feed_public(%s)", SLUG)
    ok(n >= 10, "the demo's public feed has %d sessions" % n)
    ok(one(s, "SELECT count(*) FROM kaigi_feed_token(%s)", th) >= n,
       "the delegation's feed has at least those")
    before = costs(s, th)
    with s.db().cursor() as cur:
        cur.execute("""INSERT INTO delegations (conference_id, code, name)
            VALUES (%s, 'ZZ', 'Added delegation') RETURNING id""", (cid,))
        zz = cur.fetchone()[0]
        cur.execute("""INSERT INTO participants (conference_id, delegation_id, name)
            SELECT %s, %s, 'Added ' || i FROM generate_series(1, %s) i""", (cid, zz, ADDED))
        cur.execute("ANALYZE participants")
    after = costs(s, th)
    diag("buffers before and after %d participants: public %d -> %d, delegation %d -> %d"
         % (ADDED, before[0], after[0], before[1], after[1]))
    ok(after[0] - before[0] < 50, "the public feed's read grows by %d buffers, not by "
       "participants x sessions" % (after[0] - before[0]))
    ok(after[1] - before[1] < 50, "the delegation feed's read grows by %d buffers"
       % (after[1] - before[1]))

    clocks = rows(s, "SELECT DISTINCT changed FROM kaigi_feed_public(%s)", SLUG)
    is_(len(clocks), 1, "every row of the feed has the same clock")
    is_(clocks[0][0], one(s, "SELECT kaigi_feed_changed(%s)", cid), "the conference's")

with Server() as s:
    main(s)
done_testing()
