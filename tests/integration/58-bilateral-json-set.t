#!/usr/bin/python3
# 58-bilateral-json-set.t — kaigi_bilateral_json_of (sql/750), the one
# definition of the API's bilateral request object, for a set of requests
# in one query: on the demo (scheduled, requested and confidential
# requests, some needing interpretation, a fixed start and an order after
# another set here) one object per request and none for an unknown id;
# each object's fields agree with the tables (read here by their own
# queries), and GET /bilaterals/{id} answers the same object. The plan's
# audit rows use it; 58-plan-write.t holds them equal to the per-row path's.

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import one, rows  # noqa: E402


def main(s):
    ids = [r[0] for r in rows(s, "SELECT id FROM bilateral_requests ORDER BY id")]
    ok(len(ids) >= 5, "the demo has %d bilateral requests" % len(ids))
    with s.db().cursor() as cur:
        cur.execute("""UPDATE bilateral_requests SET after_ids = ARRAY[%s]::bigint[],
            fixed_start = (SELECT w.earliest FROM bilateral_requests b, kaigi_bilateral_window(b) w
                WHERE b.id = %s) WHERE id = %s""", (ids[0], ids[-1], ids[-1]))
    ok(one(s, "SELECT count(*) FROM bilateral_requests WHERE fixed_start IS NOT NULL"
              " AND cardinality(after_ids) > 0") == 1, "one with a fixed start and an order after another")
    ok(one(s, "SELECT count(*) FROM bilateral_requests WHERE session_id IS NOT NULL") > 0
       and one(s, "SELECT count(*) FROM bilateral_requests WHERE cardinality(interpretation) > 0") > 0,
       "some are scheduled, some need interpretation")
    got = dict(rows(s, "SELECT bilateral_id, j FROM kaigi_bilateral_json_of(%s)", ids + [10 ** 9]))
    is_(sorted(got), ids, "one object per request, none for an unknown id")
    want = {r[0]: list(r[1:]) for r in rows(s, """SELECT b.id, b.id, rq.code, cp.code, b.status, b.session_id,
            b.duration_minutes, b.confidential, b.after_ids, b.interpretation, b.version, b.fixed_start IS NOT NULL,
            s.room_id
        FROM bilateral_requests b JOIN delegations rq ON rq.id = b.requester_delegation_id
        JOIN delegations cp ON cp.id = b.counterpart_delegation_id LEFT JOIN sessions s ON s.id = b.session_id""")}
    keys = ("id", "requester", "counterpart", "status", "session_id", "duration_minutes", "confidential",
            "after", "interpretation", "version", "fixed_start", "room_id")
    bad = [i for i in ids if [got[i].get(k) if k != "fixed_start" else got[i].get(k) is not None
                              for k in keys] != [x if x is not None or k in ("session_id", "room_id") else []
                                                 for k, x in zip(keys, want[i])]]
    is_(bad, [], "each object's fields agree with the tables")
    if bad:
        diag("%r\n%r" % (got[bad[0]], want[bad[0]]))
    sec = s.token("secretariat", conference=one(s, "SELECT slug FROM conferences ORDER BY id LIMIT 1"))
    api = {i: s.request("GET", "/api/v1/bilaterals/%d" % i, token=sec).json for i in ids}
    is_([i for i in ids if {k: v for k, v in api[i].items() if k in got[i]} != got[i]], [],
        "GET /bilaterals/{id} answers the same object")


with Server() as s:
    main(s)
done_testing()
