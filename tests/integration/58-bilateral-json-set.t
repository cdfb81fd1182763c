#!/usr/bin/python3
# 58-bilateral-json-set.t — kaigi_bilateral_json_of (sql/750) gives, for a
# set of requests in one query, the objects kaigi_bilateral_json gives one
# by one: on the demo (scheduled, requested and confidential requests,
# some needing interpretation, a fixed start and an order after others set
# here), every request's object is equal, and an unknown id gives no row.
# The plan's audit rows use it; 58-plan-write.t holds them equal to the
# per-row path's.

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
    kinds = rows(s, "SELECT DISTINCT status FROM bilateral_requests ORDER BY 1")
    diag("statuses: %s" % [k[0] for k in kinds])
    ok(one(s, "SELECT count(*) FROM bilateral_requests WHERE session_id IS NOT NULL") > 0
       and one(s, "SELECT count(*) FROM bilateral_requests WHERE cardinality(interpretation) > 0") > 0,
       "some are scheduled, some need interpretation")
    got = dict(rows(s, "SELECT bilateral_id, j FROM kaigi_bilateral_json_of(%s)", ids + [10 ** 9]))
    want = dict(rows(s, "SELECT id, kaigi_bilateral_json(id) FROM unnest(%s::bigint[]) id", ids))
    is_(sorted(got), ids, "one object per request, none for an unknown id")
    bad = [i for i in ids if got.get(i) != want[i]]
    is_(bad, [], "each equal to kaigi_bilateral_json's")
    if bad:
        diag("%r\n%r" % (got.get(bad[0]), want[bad[0]]))


with Server() as s:
    main(s)
done_testing()
