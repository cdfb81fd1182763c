#!/usr/bin/python3
# 35-feed-claims.t — two promises of the feeds and the change stream that no
# other test checked:
#  * the change stream honours `conference` visibility: the demo's working
#    lunch (visibility `conference`) changes, and neither an anonymous stream
#    nor the secretariat of another conference ever sees it, while a liaison
#    of the conference does. "Never" is read up to a positive marker: a
#    public change made after the lunch's.
#  * ETag and DTSTAMP are the same from every worker (--workers 2) and after
#    a restart: each worker renders the feed itself, at least a second after
#    the other (DTSTAMP has one-second resolution), and the bytes, the ETag
#    and Last-Modified are identical; the ETag of one worker gives a 304 from
#    the other, and from the restarted kaigid.
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, one, Stream, ids  # noqa: E402

LUNCH = "Working lunch of heads of delegation"


def other_conference(s):
    """A second conference and its secretariat's token."""
    admin = s.token("admin")
    r = s.request("POST", "/api/v1/conferences", {
        "slug": "other-2023", "title": "Other", "timezone": "Europe/Paris",
        "start_date": "2023-05-01", "end_date": "2023-05-02"}, token=admin)
    is_(r.status, 201, "another conference is created")
    return s.token("secretariat", conference="other-2023")


def retitle(s, sec, sid, title):
    """Retitle a session through the API; the session_changes ids it made."""
    last = one(s, "SELECT max(id) FROM session_changes")
    r = s.request("PATCH", "/api/v1/sessions/%d" % sid, {"title": title}, token=sec)
    is_(r.status, 200, "%s: PATCH /sessions/{id} 200" % title)
    with s.db().cursor() as cur:
        cur.execute("SELECT id FROM session_changes WHERE id > %s ORDER BY id", (last,))
        return [row[0] for row in cur.fetchall()]


def session_ids(events):
    """The session ids named by a list of events."""
    return sorted({e["data"].get("session_id") for e in events})


def conference_visibility(s):
    lunch = one(s, "SELECT id FROM sessions WHERE title = %s", LUNCH)
    is_(one(s, "SELECT visibility FROM sessions WHERE id = %s", lunch), "conference",
        "the demo's working lunch has visibility `conference`")
    pub = one(s, "SELECT min(id) FROM sessions WHERE visibility = 'public'")
    sec = s.token("secretariat", conference=SLUG)
    it = s.token("liaison", conference=SLUG, delegation="IT")
    sec_other = other_conference(s)
    streams = {"anonymous": Stream(s), "another conference's secretariat": Stream(s, sec_other),
               "Italy's liaison": Stream(s, it)}
    for name, st in streams.items():
        is_(st.status, 200, "%s: the change stream answers 200" % name)
    lunch_ids = retitle(s, sec, lunch, "Working lunch (moved to the garden)")
    mark = retitle(s, sec, pub, "Public marker")
    ok(lunch_ids and mark and max(lunch_ids) < min(mark), "the lunch changed, then the marker")
    if not (lunch_ids and mark):
        return
    for name in ("anonymous", "another conference's secretariat"):
        got = streams[name].until(mark[-1])
        is_(ids(got), mark, "%s, up to the marker: only the marker, never the lunch" % name)
    got = streams["Italy's liaison"].until(mark[-1])
    is_(ids(got), lunch_ids + mark, "Italy's liaison (a token of the conference) sees the lunch change")
    ok(got and got[0]["data"].get("session", {}).get("title") == "Working lunch (moved to the garden)",
       "... with the lunch's new title")
    for st in streams.values():
        st.close()
    # Replayed from the start: the same rule for every stored change.
    for name, tok in (("anonymous", None), ("another conference's secretariat", sec_other)):
        st = Stream(s, tok, last_id=0)
        got = st.until(mark[-1])
        ok(got and int(got[-1]["id"]) == mark[-1] and lunch not in session_ids(got),
           "%s, replayed from 0 up to the marker: %d events, none of the lunch" % (name, len(got)))
        st.close()
    st = Stream(s, it, last_id=0)
    ok(lunch in session_ids(st.until(mark[-1])), "Italy's liaison, replayed from 0: the lunch is there")
    st.close()


def feeds(s):
    """The feeds checked: (access-log path, request path, headers)."""
    tok = s.feed_token(SLUG, delegation="IT")
    room = one(s, "SELECT room_id FROM sessions WHERE title = 'Bilateral meeting: Japan – Canada'")
    public = "/api/v1/conferences/%s/calendar.ics" % SLUG
    rooms = "/api/v1/conferences/%s/rooms/%d/calendar.ics" % (SLUG, room)
    return [("public feed", public, public), ("room feed", rooms, rooms),
            ("Italy's feed", "/feeds/…", "/feeds/%s.ics" % tok)]


def dtstamps(body):
    """The DTSTAMP lines of a feed."""
    return re.findall(rb"(?m)^DTSTAMP:[^\r\n]*", body)


def after_a_second(t):
    """Wait (on the clock, bounded) until a whole second has passed since t."""
    ok(wait_until(lambda: time.time() >= t + 1.0, PATIENCE), "the clock is a second past the last render")


def same_everywhere(s, name, logged, path, first, ref):
    """Fetch until both workers answered: 200, the bytes, ETag and
    Last-Modified of ref (the first answer, of this kaigid or of the one
    before the restart), the same DTSTAMPs; then 304 from both workers for
    ref's ETag and for its Last-Modified."""
    answers, pids = collect_workers(s, lambda: s.request("GET", path), logged)
    answers.insert(0, first)
    is_(len(pids), 2, "%s: both workers answered (%d requests)" % (name, len(answers)))
    same = [a for a in answers if a.status == 200 and a.body == ref.body and
            a.headers.get("ETag") == ref.headers.get("ETag") and
            a.headers.get("Last-Modified") == ref.headers.get("Last-Modified")]
    is_(len(same), len(answers), "%s: the same bytes, ETag and Last-Modified from every worker%s"
        % (name, " and after the restart" if ref is not first else ""))
    stamps = {tuple(dtstamps(a.body)) for a in answers + [ref]}
    ok(len(stamps) == 1 and len(dtstamps(ref.body)) > 0, "%s: the same DTSTAMPs everywhere (%d events)"
       % (name, len(dtstamps(ref.body))))
    for hdr in ("If-None-Match", "If-Modified-Since"):
        want = ref.headers.get("ETag" if hdr == "If-None-Match" else "Last-Modified")
        got, pids = collect_workers(s, lambda: s.request("GET", path, headers={hdr: want}).status, logged)
        ok(set(got) == {304} and len(pids) == 2,
           "%s: %s from %s answers 304 from both workers (%d requests: %s)"
           % (name, hdr, "the first kaigid" if ref is not first else "one worker", len(got),
              sorted(set(got))))


def every_worker(s, checked, refs=None):
    """Each feed rendered once, then (a second later) by the other worker too."""
    firsts = {}
    for name, logged, path in checked:
        firsts[name] = s.request("GET", path)
        is_(firsts[name].status, 200, "%s: 200" % name)
    after_a_second(time.time())
    for name, logged, path in checked:
        same_everywhere(s, name, logged, path, firsts[name], (refs or firsts)[name])
    return firsts


def workers_and_restart():
    with Server(args=["--workers", "2"]) as s:
        checked = feeds(s)
        refs = every_worker(s, checked)
        is_(s.stop(drop=False), 0, "kaigid (2 workers) stops, exit 0")
        after_a_second(time.time())
        s.start()       # the same database; fails the test if kaigid does not come up
        every_worker(s, checked, refs)
        is_(s.stop(), 0, "kaigid exits 0")


with Server() as s:
    conference_visibility(s)
    is_(s.stop(), 0, "kaigid exits 0")
workers_and_restart()
done_testing()
