#!/usr/bin/python3
# 44-feed-sendfile.t — a personal feed whose conference's shared part is
# large is sent with that part's long runs from a memory file, by sendfile
# (server/feed-file.c), and is byte for byte the feed read whole.
#  * A conference of 320 public and conference sessions (a shared part of
#    about 200 KB) and four participants: one attends a restricted session
#    in the middle of the programme (its feed is a run of the shared part,
#    its own event, and the rest), one a restricted session first, one
#    nothing, one two restricted sessions.
#  * Two kaigid on one database: A with the defaults, B with
#    feed_fragment_mb = 0 (every feed read and rendered whole: the
#    reference). Each participant's feed from A, cold and then from A's
#    cache, equals B's; A sent at least the shared part's bytes of every
#    answer by sendfile (kaigi_feed_sendfile_bytes_total).
#  * HEAD from A: 200, no body, the headers' Content-Length as B's.
#  * Clients that close after reading part of such a feed leave A serving
#    (and, under ASan, without a leak or a use after free).
import os
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import metric, programme  # noqa: E402

SLUG = "sendfile"
SESSIONS = 320


def setup(s):
    """The conference, its sessions and four participants with tokens."""
    with s.db().cursor() as cur:
        programme(cur, SLUG, "Sendfile", 4, SESSIONS,
                  " " + " ".join(["Background paper and speakers to follow."] * 6) + " ")
        cur.execute("SELECT p.id FROM participants p JOIN conferences c ON c.id = p.conference_id"
                    " WHERE c.slug = %s ORDER BY p.id", (SLUG,))
        people = [r[0] for r in cur.fetchall()]
        # restricted sessions: the middle of the programme, the first hour, and both
        for who, hour in ((people[0], 16), (people[1], 0), (people[3], 5), (people[3], 30)):
            cur.execute("""
                WITH s AS (INSERT INTO sessions (conference_id, kind, title, room_id,
                        starts_at, ends_at, visibility)
                    SELECT c.id, 'bilateral', 'Restricted at hour ' || %s, r.id,
                        timestamptz '2025-03-03 07:55 Europe/Berlin' + %s * interval '1 hour',
                        timestamptz '2025-03-03 07:58 Europe/Berlin' + %s * interval '1 hour',
                        'restricted'
                    FROM conferences c JOIN rooms r ON r.conference_id = c.id
                        AND r.name = 'Room 1' WHERE c.slug = %s RETURNING id)
                INSERT INTO session_attendees (session_id, participant_id)
                SELECT id, %s FROM s""", (hour, hour, hour, SLUG, who))
    return [(p, "/feeds/%s.ics" % s.feed_token(SLUG, participant=p)) for p in people]


def half_read(s, path):
    """GET path and close after reading part of the answer."""
    with socket.create_connection(("127.0.0.1", s.port), timeout=10) as c:
        c.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path).encode())
        c.recv(65536)


def main():
    with Server() as a, Server(db_url=a.db_url, args=["--set", "feed_fragment_mb=0"]) as b:
        feeds = setup(a)
        sent, total = metric(a, "feed_sendfile_bytes_total"), 0
        for n, (pid, path) in enumerate(feeds):
            want = b.request("GET", path)
            if not is_(want.status, 200, "participant %d: B's feed (read whole)" % n):
                continue
            for how in ("cold", "cached"):
                got = a.request("GET", path)
                ok(got.status == 200 and got.body == want.body,
                   "participant %d: A's feed (%s, %d bytes) is B's, byte for byte" % (
                       n, how, len(got.body)))
                total += len(got.body)
        moved = metric(a, "feed_sendfile_bytes_total") - sent
        ok(total * 0.9 < moved <= total, "A sent %d of the %d bytes by sendfile" % (moved, total))
        pid, path = feeds[0]
        r, ref = a.request("HEAD", path), b.request("HEAD", path)
        full = a.request("GET", path)
        ok(r.status == 200 and r.body == b"" and
           r.headers.get("Content-Length") == ref.headers.get("Content-Length"),
           "HEAD: 200, no body, Content-Length as B's (%s)" % r.headers.get("Content-Length"))
        for _ in range(20):
            half_read(a, path)
        again = a.request("GET", path)
        ok(again.status == 200 and again.body == full.body,
           "after 20 clients closed halfway through, A still serves the feed")
        is_(a.stop(), 0, "A exits 0")


main()
done_testing()
