#!/usr/bin/python3
# 36-cursors.t — list cursors are opaque and authenticated (server/cursor.c).
#  * Every list route pages with limit=1 or 2 to exactly the items of one big
#    page, in order, and its cursors work with another limit.
#  * A cursor this server did not issue is a 400 problem+json on every list:
#    ?cursor=%00…, a %00 after a good cursor, an empty one, a bare id (the
#    old format), random hex, a good cursor with one digit changed, cut
#    short or in upper case.
#  * A cursor is bound to its list and caller: another list's, the same
#    list's under other filters, another caller's (Japan's cursor used by
#    Italy's liaison or anonymously) are 400.
#  * A cursor tells nothing about sessions the caller may not see: the id of
#    the Japan–Canada bilateral as Italy's cursor is a 400 (it shifted
#    Italy's page before), and a page after a session that then moves and
#    becomes restricted starts where the caller left, not at its new time.
#  * Cursors outlive a restart of kaigid (the key is in the database) and
#    are good on every worker.
import datetime
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, one  # noqa: E402

C = "/api/v1/conferences/%s" % SLUG
SESSIONS = C + "/sessions"


def sep(path):
    return "&" if "?" in path else "?"


def page(s, path, token, limit, cursor=None):
    """One page: (status, ids, next)."""
    q = path + sep(path) + "limit=%d" % limit + ("&cursor=" + cursor if cursor else "")
    r = s.request("GET", q, token=token)
    if r.status != 200:
        return r.status, None, None
    return 200, [i["id"] for i in r.json["items"]], r.json["next"]


def walk(s, path, token, limit):
    """Every id through the cursors (None if a page fails), and the pages."""
    ids, cursor, pages = [], None, 0
    for _ in range(200):
        st, got, cursor = page(s, path, token, limit, cursor)
        if st != 200:
            return None, pages
        ids += got
        pages += 1
        if cursor is None:
            return ids, pages
    return None, pages


def check_walk(s, what, path, token, limit=2):
    """Paging gives exactly the one-page list; returns the first page's cursor."""
    st, whole, nxt = page(s, path, token, 1000)
    is_((st, nxt), (200, None), "%s: one page of 1000 has no next" % what)
    ids, pages = walk(s, path, token, limit)
    ok(ids == whole and pages >= 2 and len(set(ids)) == len(ids),
       "%s: %d pages of %d give the same %d items in order" % (what, pages, limit, len(whole or [])))
    st, first, cursor = page(s, path, token, limit)
    if cursor is None:
        return None
    st, rest, _ = page(s, path, token, 1000, cursor)
    is_((st, first + (rest or [])), (200, whole), "%s: a cursor works with another limit" % what)
    return cursor


def bad(s, path, token, cursor, what):
    """The cursor is refused with 400 problem+json."""
    r = s.request("GET", path + sep(path) + "limit=2&cursor=" + cursor, token=token)
    ok(r.status == 400 and r.headers.get("Content-Type") == "application/problem+json",
       "%s: 400 problem+json (got %d)" % (what, r.status))


def setup(s, sec, admin):
    r = s.request("POST", "/api/v1/conferences", {
        "slug": "rome-2026", "title": "Rome", "timezone": "Europe/Rome",
        "start_date": "2026-05-01", "end_date": "2026-05-02"}, token=admin)
    is_(r.status, 201, "a second conference")
    head = one(s, "SELECT p.id FROM participants p JOIN delegations d ON d.id = p.delegation_id"
               " WHERE d.code = 'CA' AND p.role = 'head'")
    path = "/api/v1/participants/%d/unavailability" % head
    for start, end in (("2023-04-28T00:00:00Z", "2023-04-28T01:00:00Z"),
                       ("2023-04-28T02:00:00Z", "2023-04-28T03:00:00Z"),
                       ("2023-04-28T04:00:00Z", "2023-04-28T05:00:00Z")):
        is_(s.request("POST", path, {"start": start, "end": end}, token=sec).status, 201,
            "unavailability %s" % start)
    return path


def lists(s, sec, admin, jp, it, unav):
    """Every list route, as a caller that sees more than one page."""
    return [
        ("conferences", "/api/v1/conferences", None, 1),
        ("venues", C + "/venues", None, 1),
        ("rooms", C + "/rooms", None, 2),
        ("delegations", C + "/delegations", None, 2),
        ("participants (secretariat)", C + "/participants", sec, 2),
        ("participants (Japan's liaison)", C + "/participants", jp, 1),
        ("unavailability", unav, sec, 2),
        ("sessions (anonymous)", SESSIONS, None, 2),
        ("sessions (Italy's liaison)", SESSIONS, it, 3),
        ("sessions (secretariat, kind=bilateral)", SESSIONS + "?kind=bilateral", sec, 1),
        ("bilaterals (secretariat)", C + "/bilaterals", sec, 1),
        ("audit (secretariat)", C + "/audit", sec, 2),
    ]


def flip(cur):
    """cur with its middle digit changed."""
    i = len(cur) // 2
    return cur[:i] + ("1" if cur[i] == "0" else "0") + cur[i + 1:]


def forged(s, cursors):
    """Cursors this server did not issue, on every list."""
    for what, path, tok, cur in cursors:
        for c, how in (("%00", "%00"), ("%00" + cur, "%00 then a good cursor"),
                       (cur + "%00", "a good cursor then %00"), ("", "empty"),
                       ("5", "a bare id"), ("0", "zero"), ("ab" * 40, "random hex"),
                       (cur[:-2], "cut short"), (cur.upper(), "upper case"),
                       (flip(cur), "one digit changed"),
                       (cur + "00", "one byte more"), ("x" * 500, "500 bytes")):
            bad(s, path, tok, c, "%s, cursor %s" % (what, how))


def bound(s, cur, sec, jp, it):
    """A cursor is good for its list and caller only."""
    venues, rooms, sess_jp, sess_kind = cur
    bad(s, C + "/rooms", None, venues, "the venues' cursor on rooms")
    bad(s, "/api/v1/conferences/rome-2026/venues", None, venues, "another conference's venues")
    bad(s, SESSIONS, sec, sess_kind, "kind=bilateral's cursor without the filter")
    bad(s, SESSIONS + "?kind=plenary", sec, sess_kind, "kind=bilateral's cursor with kind=plenary")
    bad(s, SESSIONS, it, sess_jp, "Japan's cursor used by Italy's liaison")
    bad(s, SESSIONS, None, sess_jp, "Japan's cursor used anonymously")
    st, _, _ = page(s, SESSIONS, jp, 2, sess_jp)
    is_(st, 200, "and good for Japan's liaison")
    st, _, _ = page(s, SESSIONS + "?kind=bilateral", sec, 2, sess_kind)
    is_(st, 200, "the filtered cursor with its filter: 200")


def hidden(s, sec, it):
    """Nothing about a session Italy may not see comes through a cursor."""
    bil = one(s, "SELECT id FROM sessions WHERE title = 'Bilateral meeting: Japan – Canada'")
    bad(s, SESSIONS, it, str(bil), "the Japan–Canada bilateral's id as Italy's cursor")
    st, first, cursor = page(s, SESSIONS, it, 3)
    st, before, _ = page(s, SESSIONS, it, 1000, cursor)
    last = first[-1]
    r = s.request("GET", "/api/v1/sessions/%d" % last, token=sec)
    is_(r.status, 200, "the last session of Italy's first page")
    start = datetime.datetime.fromisoformat(r.json["start"])
    end = datetime.datetime.fromisoformat(r.json["end"])
    late = start.replace(year=2023, month=4, day=30, hour=21, minute=0)
    r = s.request("PATCH", "/api/v1/sessions/%d" % last, {
        "start": late.isoformat(), "end": (late + (end - start)).isoformat(),
        "visibility": "restricted", "delegations": ["JP"]}, token=sec,
        headers={"If-Match": '"%d"' % r.json["version"]})
    is_(r.status, 200, "the secretariat moves it and makes it restricted to Japan")
    st, after, _ = page(s, SESSIONS, it, 1000, cursor)
    is_((st, after), (200, [i for i in before if i != last]),
        "Italy's next page starts where Italy left, not at the hidden session's new time")


def restart(s, jp, saved):
    """The key is in the database: cursors outlive a restart."""
    st, want, _ = page(s, SESSIONS, jp, 1000, saved)
    is_(s.stop_process(), 0, "kaigid stops")
    s.start()
    st, got, _ = page(s, SESSIONS, jp, 1000, saved)
    is_((st, got), (200, want), "after a restart the same cursor gives the same page")


def workers(s, jp, saved):
    is_(s.stop_process(), 0, "kaigid stops")
    s.args = ["--workers", "2"]
    s.start()
    codes = {page(s, SESSIONS, jp, 2, saved)[0] for _ in range(20)}
    is_(codes, {200}, "--workers 2: the cursor is good on every worker (20 requests)")


with Server() as s:
    sec = s.token("secretariat", conference=SLUG)
    admin = s.token("admin")
    jp = s.token("liaison", conference=SLUG, delegation="JP")
    it = s.token("liaison", conference=SLUG, delegation="IT")
    unav = setup(s, sec, admin)
    cursors = []
    for what, path, tok, limit in lists(s, sec, admin, jp, it, unav):
        c = check_walk(s, what, path, tok, limit)
        if c is not None:
            cursors.append((what, path, tok, c))
    by = {w: c for w, _, _, c in cursors}
    st, _, sess_jp = page(s, SESSIONS, jp, 2)
    forged(s, cursors)
    bound(s, (by["venues"], by["rooms"], sess_jp, by["sessions (secretariat, kind=bilateral)"]),
          sec, jp, it)
    hidden(s, sec, it)
    restart(s, jp, sess_jp)
    workers(s, jp, sess_jp)
    is_(s.stop(drop=False), 0, "kaigid exits 0")
done_testing()
