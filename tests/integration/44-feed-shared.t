#!/usr/bin/python3
# 44-feed-shared.t — a personal feed assembled from its conference's shared
# part, kept per worker, and its own few sessions (sql/830,
# server/feed-shared.c) is byte for byte the feed read whole, and never
# mixes two states of the conference.
#  * Two kaigid on one database: A with the defaults (feeds in two parts),
#    B with feed_fragment_mb = 0 (every feed read and rendered whole, the
#    reference). A feed token for every delegation and participant of the
#    demo; each feed from A equals B's, and A assembled them from a kept
#    body (kaigi_feed_shared_hits_total). A's ETag (of the parts, not of
#    the bytes: feed-frag.h) is the same when the feed is assembled again,
#    gets 304, and changes from one stage to the next exactly where the
#    bytes do.
#  * The same after each of: a conference session made restricted to one
#    delegation, a remote attendee's link on it (attendance lines of own
#    rows), a restricted one made public, a remote attendee's link on
#    a public session (the shared part's), a session moved and
#    retitled; then in release mode before a release, and after a release
#    and a draft change.
#  * Never two states: with A's body kept, a public session is renamed in
#    the database (feed_cache_mb = 0 keeps no assembled feed; the body is
#    never dropped on a NOTIFY): another token's first feed from A has the
#    new title, and A read the shared part again. Without
#    kaigi_feed_shared_fresh's answer it got the old.
import hashlib
import os
import secrets
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import metric  # noqa: E402

SLUG = "g7-digital-2023"


def sql(s, q, *args):
    with s.conn().cursor() as cur:
        cur.execute(q, args)


def tokens(s):
    """A raw feed token for every delegation and participant: {raw: what}."""
    out = {}
    cid = one(s, "SELECT id FROM conferences WHERE slug = %s", SLUG)
    people = rows(s, "SELECT 'delegation', id FROM delegations WHERE conference_id = %s"
                     " UNION ALL SELECT 'participant', id FROM participants"
                     " WHERE conference_id = %s ORDER BY 1, 2", cid, cid)
    for kind, pid in people:
        raw = secrets.token_urlsafe(32)
        sql(s, "INSERT INTO feed_tokens (conference_id, %s_id, token_hash)"
               " VALUES (%%s, %%s, %%s)" % kind, cid, pid,
            hashlib.sha256(raw.encode()).hexdigest())
        out[raw] = "%s %d" % (kind, pid)
    return out


SEEN = {}   # token: (bytes, ETag) of A's feed at the last stage


def same(a, b, toks, what):
    """Every token's feed from A equals B's; A used kept bodies; A's ETag
    is the same when assembled again, and changed where the bytes did."""
    hits = metric(a, "feed_shared_hits_total")
    bad, again, tracks = [], [], []
    for raw, who in toks.items():
        ra = a.request("GET", "/feeds/%s.ics" % raw)
        rb = b.request("GET", "/feeds/%s.ics" % raw)
        if (ra.status, ra.body) != (rb.status, rb.body) or ra.status != 200:
            bad.append(who)
        tag = ra.headers.get("ETag")
        if a.request("GET", "/feeds/%s.ics" % raw).headers.get("ETag") != tag or \
                a.request("GET", "/feeds/%s.ics" % raw,
                          headers={"If-None-Match": tag}).status != 304:
            again.append(who)
        if raw in SEEN and (SEEN[raw][0] != ra.body) != (SEEN[raw][1] != tag):
            tracks.append(who)
        SEEN[raw] = (ra.body, tag)
    is_(bad, [], "%s: %d personal feeds in two parts equal the whole ones" % (what, len(toks)))
    ok(metric(a, "feed_shared_hits_total") > hits, "%s: ... assembled from a kept body" % what)
    is_(again, [], "%s: ... each with the same ETag when assembled again, and 304 for it" % what)
    is_(tracks, [], "%s: ... whose ETag changed exactly where the bytes did" % what)


def changes(s, sec):
    """Edits that move sessions in and out of the shared part."""
    conf = rows(s, "SELECT s.id FROM sessions s JOIN conferences c ON c.id = s.conference_id"
                   " WHERE c.slug = %s AND s.visibility = 'conference' ORDER BY s.id", SLUG)
    restr = rows(s, "SELECT s.id FROM sessions s JOIN conferences c ON c.id = s.conference_id"
                    " WHERE c.slug = %s AND s.visibility = 'restricted' ORDER BY s.id", SLUG)
    pub = rows(s, "SELECT s.id FROM sessions s JOIN conferences c ON c.id = s.conference_id"
                  " WHERE c.slug = %s AND s.visibility = 'public' ORDER BY s.id", SLUG)
    did = one(s, "SELECT d.id FROM delegations d JOIN conferences c ON c.id = d.conference_id"
                 " WHERE c.slug = %s ORDER BY d.id LIMIT 1", SLUG)
    yield "a conference session made restricted to one delegation", [
        ("UPDATE sessions SET visibility = 'restricted' WHERE id = %s", conf[0][0]),
        ("INSERT INTO session_delegations (session_id, delegation_id) VALUES (%s, %s)"
         " ON CONFLICT DO NOTHING", conf[0][0], did)]
    yield "a remote attendee's link on that restricted meeting (its own rows' lines)", [
        ("INSERT INTO session_attendees (session_id, participant_id, mode, link)"
         " SELECT %s, p.id, 'remote', 'https://meet.example/own' FROM participants p"
         " JOIN conferences c ON c.id = p.conference_id WHERE c.slug = %s"
         " AND NOT EXISTS (SELECT 1 FROM busy b, sessions x WHERE x.id = %s"
         " AND b.participant_id = p.id AND b.during && tstzrange(x.starts_at,"
         " x.ends_at + interval '1 hour'))"
         " ORDER BY p.id DESC LIMIT 1 ON CONFLICT DO NOTHING", conf[0][0], SLUG, conf[0][0])]
    if restr:
        yield "a restricted session made public", [
            ("UPDATE sessions SET visibility = 'public' WHERE id = %s", restr[0][0])]
    yield "a remote attendee with a link to a public session", [
        ("INSERT INTO session_attendees (session_id, participant_id, mode, link)"
         " SELECT %s, p.id, 'remote', 'https://meet.example/x' FROM participants p"
         " JOIN conferences c ON c.id = p.conference_id WHERE c.slug = %s"
         " AND NOT EXISTS (SELECT 1 FROM busy b, sessions x WHERE x.id = %s"
         " AND b.participant_id = p.id AND b.during && tstzrange(x.starts_at,"
         " x.ends_at + interval '1 hour'))"
         " ORDER BY p.id LIMIT 1 ON CONFLICT DO NOTHING", pub[0][0], SLUG, pub[0][0])]
    yield "a public session moved by an hour and retitled", [
        ("UPDATE sessions SET starts_at = starts_at + interval '1 hour',"
         " ends_at = ends_at + interval '1 hour', title = title || ' (moved)'"
         " WHERE id = %s", pub[-1][0])]


def release_mode(s, sec, a, b, toks):
    r = s.request("PATCH", "/api/v1/conferences/%s" % SLUG, {"publish": "release"}, token=sec)
    is_(r.status, 200, "publish: release")
    same(a, b, toks, "release mode before a release")
    r = s.request("POST", "/api/v1/conferences/%s/releases" % SLUG, {"name": "R1"}, token=sec)
    is_(r.status, 201, "release 1")
    sql(s, "UPDATE sessions SET title = 'Draft only' WHERE id = (SELECT s.id FROM sessions s"
           " JOIN conferences c ON c.id = s.conference_id WHERE c.slug = %s"
           " AND s.visibility = 'public' ORDER BY s.id LIMIT 1)", SLUG)
    same(a, b, toks, "release mode after release 1 and a draft change")


def unheard(a, toks):
    """A change made while A keeps a body: a feed never mixes the two."""
    raws = list(toks)
    is_(a.request("GET", "/feeds/%s.ics" % raws[0]).status, 200, "a feed from A keeps a body")
    loads = metric(a, "feed_shared_loads_total")
    sql(a, "UPDATE sessions SET title = 'Renamed meanwhile' WHERE id = (SELECT s.id"
           " FROM sessions s JOIN conferences c ON c.id = s.conference_id WHERE c.slug = %s"
           " AND s.visibility = 'public' ORDER BY s.id DESC LIMIT 1)", SLUG)
    r = a.request("GET", "/feeds/%s.ics" % raws[1])
    ok(r.status == 200 and b"Renamed meanwhile" in r.body.replace(b"\r\n ", b""),
       "another token's first feed from A has the new title (%d)" % r.status)
    ok(metric(a, "feed_shared_loads_total") > loads, "... A read the shared part again")


def within(s):
    """kaigi_snapshot_within: an older snapshot never passes for a newer."""
    c2 = s.db()
    c2.autocommit = False
    cur2 = c2.cursor()
    cur2.execute("SELECT txid_current()")          # X: in progress
    a = one(s, "SELECT pg_current_snapshot()::text")
    c2.commit()                                       # X committed
    sql(s, "SELECT txid_current()")                   # and one more
    b = one(s, "SELECT pg_current_snapshot()::text")
    is_(rows(s, "SELECT kaigi_snapshot_within(%s, %s), kaigi_snapshot_within(%s, %s),"
                " kaigi_snapshot_within(%s, %s)", a, b, b, a, a, a),
        [(True, False, True)], "kaigi_snapshot_within: older in newer, not newer in older (%s, %s)"
        % (a, b))


def main():
    with Server(args=["--set", "feed_cache_mb=0"]) as a:
        with Server(db_url=a.db_url, args=["--set", "feed_fragment_mb=0",
                                           "--set", "feed_cache_mb=0"]) as b:
            sec = a.token("secretariat", conference=SLUG)
            toks = tokens(a)
            same(a, b, toks, "the demo")
            within(a)
            unheard(a, toks)
            for what, stmts in changes(a, sec):
                for st in stmts:
                    sql(a, *st)
                same(a, b, toks, what)
            release_mode(a, sec, a, b, toks)

main()
done_testing()
