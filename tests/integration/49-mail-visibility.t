#!/usr/bin/python3
# 49-mail-visibility.t — a session taken away from people by a change of
# its visibility sends them a METHOD:CANCEL of what they had been sent
# (issue 18: "for every participant with an e-mail whose view changed, one
# message per batch"; sql/640_outbox_visibility.sql), through the API,
# against a real SMTP server (Debian's aiosmtpd, in this process), each
# message parsed with email and icalendar. Before 640 they got nothing and
# kept the meeting in their calendars.
#
#  - live mode: a public meeting of the JP delegation, one JP attendee; a
#    JP member who attends nothing gets its move (100's rule). Made
#    restricted and retitled at once: the member gets a CANCEL with the
#    title and time they had, never the new title ("No longer in your
#    programme"); the attendee gets the retitle; made public again: a
#    REQUEST back for the member (700); made public and restricted again
#    within the quiet time after a CANCEL: nothing for the member (770);
#  - release mode: the same in the draft, no mail before the release, the
#    CANCEL with the release, built from the last release's row; a session
#    made restricted and public again before the release mails nothing;
#    made public again after the CANCEL, the next release sends it back.

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, events, one, rows  # noqa: E402
from maillib import Sink, last, of, smtp_server, text_of  # noqa: E402

C = "/api/v1/conferences/" + SLUG


class T:
    def __init__(self, s):
        self.s = s
        self.sec = s.token("secretariat", conference=SLUG)
        self.n = 0

    def call(self, method, path, body=None, want=200):
        r = self.s.request(method, path, body, token=self.sec)
        if r.status != want:
            raise RuntimeError("%s %s: %r" % (method, path, r))
        return r.json

    def person(self, code):
        self.n += 1
        addr = "vis%d@example.org" % self.n
        p = self.call("POST", C + "/participants", {"delegation": code, "name": "Member %d" % self.n,
                                                    "role": "staff", "email": addr}, want=201)
        return p["id"], addr

    def session(self, title, hour, attendee):
        return self.call("POST", C + "/sessions", {
            "kind": "side_event", "title": title, "visibility": "public",
            "start": "2023-04-30T%02d:00:00+09:00" % hour, "end": "2023-04-30T%02d:30:00+09:00" % hour,
            "delegations": ["JP"], "attendees": [attendee]}, want=201)["id"]

    def patch(self, sid, body):
        return self.call("PATCH", "/api/v1/sessions/%d" % sid, body)


def outbox(s, sid, since):
    return sorted(rows(s, "SELECT participant_id, change FROM outbox WHERE session_id = %s AND id > %s"
                          " ORDER BY participant_id, id", sid, since))


def last_id(s):
    return one(s, "SELECT coalesce(max(id), 0) FROM outbox")


def summaries(msgs, uid):
    return [str(ev["SUMMARY"]) for _, ev in of(msgs, uid)]


def live(s, t, sink):
    (a, a_addr), (m, m_addr) = t.person("JP"), t.person("JP")
    sid = t.session("Digital trade round table", 16, a)
    uid = "session-%d@kaigi" % sid
    t.patch(sid, {"start": "2023-04-30T17:00:00+09:00", "end": "2023-04-30T17:30:00+09:00"})
    got, took = wait_for(lambda: last(sink.to(m_addr), uid)[0] == "REQUEST")
    ok(got, "live: the party member who attends nothing gets the move (%.1f s)" % took)
    wait_for(lambda: last(sink.to(a_addr), uid)[0] == "REQUEST")
    seen = {a_addr: len(sink.to(a_addr)), m_addr: len(sink.to(m_addr))}

    k = last_id(s)
    t.patch(sid, {"visibility": "restricted", "title": "Closed-door trade talk"})
    is_(outbox(s, sid, k), [(a, "changed"), (m, "hidden")],
        "made restricted: a 'hidden' row for the member who no longer sees it (none before 640)")
    got, took = wait_for(lambda: last(sink.to(m_addr), uid)[0] == "CANCEL")
    ok(got, "live: the member gets a METHOD:CANCEL (%.1f s)" % took)
    meth, ev = last(sink.to(m_addr), uid)
    if ev is not None:
        is_((str(ev["STATUS"]), str(ev["SUMMARY"]), ev["DTSTART"].dt.hour, int(ev["SEQUENCE"])),
            ("CANCELLED", "Digital trade round table", 17, 1),
            "STATUS:CANCELLED with the title and time they had, SEQUENCE of the move")
        like(text_of(sink.to(m_addr)[seen[m_addr]:]), r"No longer in your programme: Digital trade round table",
             "the text says so")
    ok(not any("Closed-door" in x.as_string() for x in sink.to(m_addr)),
       "the title they may no longer see never reaches them")
    got, took = wait_for(lambda: "Closed-door trade talk" in summaries(sink.to(a_addr), uid))
    ok(got, "live: the attendee still sees it and gets the retitle (%.1f s)" % took)
    is_([x for x, _ in of(sink.to(a_addr)[seen[a_addr]:], uid)], ["REQUEST"], "and no CANCEL")

    k = last_id(s)
    n = len(sink.to(m_addr))
    t.patch(sid, {"visibility": "public"})
    is_(outbox(s, sid, k), [(m, "shown")],
        "made public again: a 'shown' row for the member whose calendar lost it, none for the attendee"
        " (none before 700)")
    got, took = wait_for(lambda: last(sink.to(m_addr), uid)[0] == "REQUEST")
    ok(got, "live: the member gets a METHOD:REQUEST back (%.1f s)" % took)
    meth, ev = last(sink.to(m_addr), uid)
    feed = events(s.request("GET", "/feeds/%s.ics" % s.feed_token(SLUG, participant=m)).body).get(uid)
    ok(feed is not None, "the member's feed shows the session again")
    if ev is not None and feed is not None:
        is_((str(ev["SUMMARY"]), int(ev["SEQUENCE"]), ev["DTSTART"].dt),
            (str(feed["SUMMARY"]), int(feed["SEQUENCE"]), feed["DTSTART"].dt),
            "the session as their feed shows it now: title, SEQUENCE, start")
    like(text_of(sink.to(m_addr)[n:]), r"Back in your programme: Closed-door trade talk", "the text says so")
    is_([x for x, _ in of(sink.to(a_addr)[seen[a_addr] + 1:], uid)], [], "the attendee, who never lost it: nothing")
    k = last_id(s)
    t.patch(sid, {"visibility": "conference"})
    is_(outbox(s, sid, k), [], "public -> conference: no row (the same people see it)")
    t.patch(sid, {"visibility": "confidential"})
    is_(outbox(s, sid, k), [(m, "hidden")], "-> confidential: their feed showed it again, so again a row, the member's only")
    t.patch(sid, {"visibility": "public"})
    is_(outbox(s, sid, k), [], "public again within the quiet time: the unsent 'hidden' row is gone and no"
        " 'shown' row is added (their calendar never lost it)")
    unshown(s, t, sink, sid, (a, a_addr), (m, m_addr))


def unshown(s, t, sink, sid, attendee, member):
    """Live mode: their calendar lost the session (CANCEL sent), it is made
    public (a 'shown' row waits) and restricted again within the quiet
    time: nothing for them (a second CANCEL before 770)."""
    (a, a_addr), (m, m_addr) = attendee, member
    uid = "session-%d@kaigi" % sid
    n = len(sink.to(m_addr))
    t.patch(sid, {"visibility": "restricted"})
    got, took = wait_for(lambda: len(sink.to(m_addr)) > n and last(sink.to(m_addr), uid)[0] == "CANCEL")
    ok(got, "live: restricted again, the member gets the CANCEL (%.1f s)" % took)
    k, n, na = last_id(s), len(sink.to(m_addr)), len(sink.to(a_addr))
    t.patch(sid, {"visibility": "public"})
    t.patch(sid, {"visibility": "restricted"})
    is_(outbox(s, sid, k), [], "public and restricted again within the quiet time: the unsent 'shown' row"
        " is gone and no 'hidden' row is added (their calendar lost it already)")
    t.patch(sid, {"title": "Closed-door trade talk, part 2"})
    got, took = wait_for(lambda: "Closed-door trade talk, part 2" in summaries(sink.to(a_addr)[na:], uid))
    ok(got, "the attendee gets the retitle that followed (%.1f s): the sender has run" % took)
    is_([x for x, _ in of(sink.to(m_addr)[n:], uid)], [], "the member: no second CANCEL, nothing")


def release(s, t, sink):
    (a, a_addr), (m, m_addr) = t.person("JP"), t.person("JP")
    t.call("PATCH", C, {"publish": "release"})
    sid = t.session("Data free flow briefing", 8, a)
    back = t.session("Semiconductor supply chains", 12, a)
    uid = "session-%d@kaigi" % sid
    t.call("POST", C + "/releases", {"name": "with the briefings"}, want=201)
    for x, h in ((sid, 8), (back, 12)):
        t.patch(x, {"start": "2023-04-30T%02d:30:00+09:00" % h, "end": "2023-04-30T%02d:00:00+09:00" % (h + 1)})
    t.call("POST", C + "/releases", {"name": "briefings moved"}, want=201)
    got, took = wait_for(lambda: last(sink.to(m_addr), uid)[0] == "REQUEST"
                         and last(sink.to(m_addr), "session-%d@kaigi" % back)[0] == "REQUEST")
    ok(got, "release: the party member gets both moves with the release (%.1f s)" % took)
    n = len(sink.to(m_addr))

    k = last_id(s)
    t.patch(sid, {"visibility": "confidential", "title": "Restricted data talk"})
    t.patch(back, {"visibility": "restricted"})
    hidden = [r[0] for r in outbox(s, sid, k) if r[1] == "hidden"]
    ok(m in hidden and a not in hidden, "made confidential in the draft: a 'hidden' row for the member, none"
       " for the attendee (%r)" % hidden)
    t.patch(back, {"visibility": "public"})
    wait_for(lambda: False, timeout=2.5)   # longer than the quiet time
    is_(len(sink.to(m_addr)), n, "no mail before the release")

    t.call("POST", C + "/releases", {"name": "briefing closed"}, want=201)
    got, took = wait_for(lambda: last(sink.to(m_addr), uid)[0] == "CANCEL")
    ok(got, "release: the member gets a METHOD:CANCEL with the release (%.1f s)" % took)
    meth, ev = last(sink.to(m_addr), uid)
    if ev is not None:
        is_((str(ev["SUMMARY"]), ev["DTSTART"].dt.hour, ev["DTSTART"].dt.minute),
            ("Data free flow briefing", 8, 30), "with the title and time the last release showed")
    ok(not any("Restricted data talk" in x.as_string() for x in sink.to(m_addr)),
       "the draft's new title never reaches them")
    wait_for(lambda: False, timeout=1.5)
    is_(of(sink.to(m_addr)[n:], "session-%d@kaigi" % back), [],
        "made restricted and public again before the release: nothing")
    got, took = wait_for(lambda: "Restricted data talk" in summaries(sink.to(a_addr), uid))
    ok(got, "the attendee gets the retitle with the release (%.1f s)" % took)

    n = len(sink.to(m_addr))
    k = last_id(s)
    t.patch(sid, {"visibility": "public"})
    is_(outbox(s, sid, k), [(x, "shown") for x in sorted(hidden)],
        "made public again in the draft: a 'shown' row for each one it was hidden from, the member among them")
    wait_for(lambda: False, timeout=2.5)
    is_(len(sink.to(m_addr)), n, "no mail before the release")
    t.call("POST", C + "/releases", {"name": "briefing open again"}, want=201)
    got, took = wait_for(lambda: last(sink.to(m_addr), uid)[0] == "REQUEST")
    ok(got, "release: the member gets a METHOD:REQUEST back with the release (%.1f s)" % took)
    meth, ev = last(sink.to(m_addr), uid)
    if ev is not None:
        is_(str(ev["SUMMARY"]), "Restricted data talk", "as the new release shows it")
        like(text_of(sink.to(m_addr)[n:]), r"Back in your programme: Restricted data talk", "the text says so")


def main():
    sink = Sink()
    port = free_port()
    ctl = smtp_server(sink, port)
    env = {"KAIGI_SMTP_URL": "smtp://127.0.0.1:%d" % port, "KAIGI_MAIL_FROM": "secretariat@kaigi.test",
           "KAIGI_NOTIFY_QUIET_SECONDS": "1"}
    try:
        with Server(env=env) as s:
            with s.db().cursor() as cur:	# no one else has mail: set-up, not the door under test
                cur.execute("UPDATE participants SET email = NULL")
            t = T(s)
            live(s, t, sink)
            release(s, t, sink)
    finally:
        ctl.stop()


main()
done_testing()
