#!/usr/bin/python3
"""30-feed-calls.t — a feed's query asks per feed what is the same for all
its rows (sql/550_feed_confidential_once.sql, server/feed.c).

Every feed row asked kaigi_feed_confidential whether its session is
confidential (the conference's release mode for the reader, then the
session): 0.14 ms a row, 0.4 s for a COP delegate's 3,000 sessions. Now
the feed reads the conference's confidential ids once. kaigid runs here
with track_functions (PGOPTIONS), and after the public, a personal and a
room feed are rendered, PostgreSQL's function statistics must show the
feed functions called (so the counts are there) and
kaigi_feed_confidential / kaigi_feed_busy not at all. The rows stay as
they were: the demo's confidential meeting is a busy block in another
room's feed and itself in its parties' (22-confidential and
76-access-matrix check the rest). And kaigi_epoch, four times a row, is
inlined (sql/560_epoch_inlined.sql): no call of it is counted.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, events, one, rows  # noqa: E402


def calls(s, name):
    """Calls of function name in this database's statistics (0 if none)."""
    return one(s, "SELECT coalesce(sum(calls), 0) FROM pg_stat_user_functions"
                  " WHERE funcname = %s", name)


def main(s):
    sid, party, v = rows(s, "SELECT s.id, min(sd.delegation_id), s.version FROM sessions s"
                            " JOIN session_delegations sd ON sd.session_id = s.id"
                            " WHERE s.visibility = 'restricted' GROUP BY s.id ORDER BY s.id")[0]
    r = s.request("PATCH", "/api/v1/sessions/%d" % sid, {"visibility": "confidential"},
                  token=s.token("secretariat", conference=SLUG), headers={"If-Match": '"%d"' % v})
    is_(r.status, 200, "a restricted meeting of the demo made confidential")
    other = one(s, "SELECT min(d.id) FROM delegations d JOIN conferences c ON c.id = d.conference_id"
                   " WHERE c.slug = %s AND d.id NOT IN (SELECT delegation_id FROM"
                   " session_delegations WHERE session_id = %s)", SLUG, sid)
    room = one(s, "SELECT room_id FROM sessions WHERE id = %s", sid)
    code = lambda d: one(s, "SELECT code FROM delegations WHERE id = %s", d)  # noqa: E731
    feeds = {
        "public": "/conferences/%s/calendar.ics" % SLUG,
        "party": "/feeds/%s.ics" % s.feed_token(SLUG, delegation=code(party)),
        "other": "/feeds/%s.ics" % s.feed_token(SLUG, delegation=code(other)),
        "room": "/conferences/%s/rooms/%d/calendar.ics" % (SLUG, room),
    }
    got = {k: s.request("GET", p) for k, p in feeds.items()}
    is_({k: r.status for k, r in got.items()}, {k: 200 for k in feeds}, "the four feeds")
    mine = "session-%d@" % sid
    ok(any(u.startswith(mine) for u in events(got["party"].body)),
       "the confidential session is in its party's feed, as itself")
    ok(not any(u.startswith(mine) for u in events(got["other"].body)),
       "another delegation's feed does not have it")
    ok(not any(u.startswith(mine) for u in events(got["public"].body)), "the public feed does not have it")
    room_ev = [e for u, e in events(got["room"].body).items() if u.startswith("busy-")]
    ok(room_ev and all(str(e.get("SUMMARY")) == "Busy" for e in room_ev),
       "the room's feed shows it as busy (%s)" % [str(e.get("SUMMARY")) for e in room_ev][:2])
    # a feed query: the public's, the room's, each token's own rows
    # (kaigi_feed_token_own) and once their conference's shared part
    # (kaigi_feed_shared, which asks kaigi_feed_rows): sql/830
    queries = lambda: calls(s, "kaigi_feed_rows") + calls(s, "kaigi_feed_token_own")  # noqa: E731
    rendered = queries()
    counted, waited = wait_for(lambda: queries() >= 5)
    ok(counted, "the function statistics came (%s feed queries, after %.1f s; %s before)"
       % (queries(), waited, rendered))
    is_([calls(s, "kaigi_feed_confidential"), calls(s, "kaigi_feed_busy")], [0, 0],
        "no feed row asked kaigi_feed_confidential or kaigi_feed_busy")
    # at most once: a query without a session row (a token that adds
    # none of its own) never needs them
    ids = calls(s, "kaigi_feed_confidential_ids")
    ok(3 <= ids <= queries(), "each feed query read the confidential ids at most once"
       " (%s for %s queries)" % (ids, queries()))
    is_(calls(s, "kaigi_epoch"), 0,
        "kaigi_epoch was inlined: no call (four a row before sql/560)")


with Server(env={"PGOPTIONS": "-c track_functions=all"}) as s:
    main(s)
done_testing()
