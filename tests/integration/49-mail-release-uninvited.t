#!/usr/bin/python3
# 49-mail-release-uninvited.t — in release mode, a person taken out of a
# session in the draft hears of it with the release that drops them (issue
# 18: "for every participant with an e-mail whose view changed, one message
# per batch ... in release mode, a batch per release";
# sql/610_release_uninvited.sql), through the API, against a real SMTP
# server (Debian's aiosmtpd, in this process). Before 610 the release that
# dropped them mailed nothing, for attendees and interpreters alike.
#
#  - a restricted meeting of three JP attendees, released and mailed;
#  - in the draft one attendee is taken out while the meeting is retitled,
#    and another is taken out and put back: an 'uninvited' row for the
#    first only, and no mail before the release;
#  - the release: the first gets a METHOD:CANCEL with the title and time
#    the last release showed them ("No longer attending"), never the
#    draft's new title; the one put back gets nothing; the one kept gets
#    the retitle as a REQUEST;
#  - an interpreter given to a released session and then taken off it in
#    the draft: a CANCEL with the release;
#  - a session that was never released: its attendee taken out hears
#    nothing, before or after the next release.

import os
import sys

from aiosmtpd.controller import Controller

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, one, rows  # noqa: E402
from maillib import Sink, last, of, text_of  # noqa: E402

C = "/api/v1/conferences/" + SLUG


def outbox(s, sid, since):
    return sorted((r[0], r[1]) for r in rows(s, "SELECT participant_id, change FROM outbox"
                                             " WHERE session_id = %s AND id > %s", sid, since))


def last_id(s):
    return one(s, "SELECT coalesce(max(id), 0) FROM outbox")


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

    def person(self, code, role="staff"):
        self.n += 1
        addr = "inv%d@example.org" % self.n
        p = self.call("POST", C + "/participants", {"delegation": code, "name": "Invitee %d" % self.n,
                                                    "role": role, "email": addr}, want=201)
        return p["id"], addr


def patch(t, sid, body):
    return t.call("PATCH", "/api/v1/sessions/%d" % sid, body)


def attendees(s, t, sink):
    """Taken out in the draft: a CANCEL with the release, built from it."""
    (a, a_addr), (b, b_addr), (c, c_addr) = t.person("JP"), t.person("JP"), t.person("JP")
    t.call("PATCH", C, {"publish": "release"})
    t.call("POST", C + "/releases", {"name": "before"}, want=201)   # the first release mails nothing
    sid = t.call("POST", C + "/sessions", {"kind": "other", "title": "Host briefing",
                                           "start": "2023-04-30T08:00:00+09:00",
                                           "end": "2023-04-30T08:30:00+09:00", "visibility": "restricted",
                                           "delegations": ["JP"], "attendees": [a, b, c]}, want=201)["id"]
    uid = "session-%d@kaigi" % sid
    t.call("POST", C + "/releases", {"name": "with the briefing"}, want=201)
    for addr in (a_addr, b_addr, c_addr):
        got, took = wait_for(lambda: last(sink.to(addr), uid)[0] == "REQUEST")
        ok(got, "released: %s is invited (%.1f s)" % (addr, took))
    seen = {addr: len(sink.to(addr)) for addr in (a_addr, b_addr, c_addr)}

    k = last_id(s)
    patch(t, sid, {"attendees": [a, c], "title": "Host briefing (moved)",
                   "start": "2023-04-30T08:30:00+09:00", "end": "2023-04-30T09:00:00+09:00"})
    patch(t, sid, {"attendees": [a]})
    patch(t, sid, {"attendees": [a, c]})
    is_([r for r in outbox(s, sid, k) if r[1] == "uninvited"], [(b, "uninvited"), (c, "uninvited")],
        "taken out in the draft: an 'uninvited' row each (none before 610)")
    wait_for(lambda: False, timeout=2.5)   # longer than the quiet time
    is_({addr: len(sink.to(addr)) for addr in seen}, seen, "no mail before the release")

    t.call("POST", C + "/releases", {"name": "briefing moved"}, want=201)
    got, took = wait_for(lambda: last(sink.to(b_addr), uid)[0] == "CANCEL")
    ok(got, "the release that drops them sends a METHOD:CANCEL (%.1f s)" % took)
    meth, ev = last(sink.to(b_addr), uid)
    if ev is not None:
        is_((str(ev["STATUS"]), str(ev["SUMMARY"]), ev["DTSTART"].dt.hour, ev["DTSTART"].dt.minute),
            ("CANCELLED", "Host briefing", 8, 0), "STATUS:CANCELLED, the title and time the last release showed")
        like(text_of(sink.to(b_addr)[seen[b_addr]:]), r"No longer attending: Host briefing", "the text says so")
    ok(not any("(moved)" in m.as_string() for m in sink.to(b_addr)), "the draft's new title never reaches them")
    got, took = wait_for(lambda: any(str(e["SUMMARY"]) == "Host briefing (moved)"
                                     for _, e in of(sink.to(a_addr), uid)))
    ok(got, "the one kept gets the retitle (%.1f s)" % took)
    got, took = wait_for(lambda: any(str(e["SUMMARY"]) == "Host briefing (moved)"
                                     for _, e in of(sink.to(c_addr), uid)))
    ok(got, "the one taken out and put back gets the change, as the release shows it (%.1f s)" % took)
    is_([m for m, _ in of(sink.to(c_addr)[seen[c_addr]:], uid)], ["REQUEST"], "and no CANCEL")


def interpreter(s, t, sink):
    """An interpreter taken off a released session in the draft."""
    row = rows(s, "SELECT i.session_id, i.participant_id FROM session_interpreters i"
                  " JOIN sessions x ON x.id = i.session_id JOIN conferences c ON c.id = x.conference_id"
                  " WHERE c.slug = %s AND x.status <> 'cancelled' ORDER BY x.starts_at, i.participant_id"
                  " LIMIT 1", SLUG)
    ok(row, "the demo has an interpreted session")
    if not row:
        return
    sid, terp = row[0]
    addr = "terp-uninvited@example.org"
    t.call("PATCH", "/api/v1/participants/%d" % terp, {"email": addr})
    uid = "session-%d@kaigi" % sid
    t.call("POST", C + "/releases", {"name": "before the change"}, want=201)
    wait_for(lambda: False, timeout=2.5)
    n = len(sink.to(addr))
    k = last_id(s)
    patch(t, sid, {"interpretation": []})
    is_(outbox(s, sid, k), [(terp, "uninvited")], "the interpreter taken off: an 'uninvited' row")
    t.call("POST", C + "/releases", {"name": "no interpretation"}, want=201)
    got, took = wait_for(lambda: last(sink.to(addr)[n:], uid)[0] == "CANCEL")
    ok(got, "and a METHOD:CANCEL with the release (%.1f s)" % took)


def never_released(s, t, sink):
    """A session no release showed: its attendee taken out hears nothing."""
    a, a_addr = t.person("JP")
    sid = t.call("POST", C + "/sessions", {"kind": "other", "title": "Draft only",
                                           "start": "2023-04-30T07:00:00+09:00",
                                           "end": "2023-04-30T07:30:00+09:00", "visibility": "restricted",
                                           "delegations": ["JP"], "attendees": [a]}, want=201)["id"]
    k = last_id(s)
    patch(t, sid, {"attendees": []})
    is_([r for r in outbox(s, sid, k) if r[1] == "uninvited"], [], "never released: no 'uninvited' row")
    t.call("POST", C + "/releases", {"name": "after the draft"}, want=201)
    wait_for(lambda: False, timeout=2.5)
    is_(of(sink.to(a_addr), "session-%d@kaigi" % sid), [], "and no mail")


def main():
    sink = Sink()
    port = free_port()
    ctl = Controller(sink, hostname="127.0.0.1", port=port)
    ctl.start()
    env = {"KAIGI_SMTP_URL": "smtp://127.0.0.1:%d" % port, "KAIGI_MAIL_FROM": "secretariat@kaigi.test",
           "KAIGI_NOTIFY_QUIET_SECONDS": "1"}
    try:
        with Server(env=env) as s:
            with s.db().cursor() as cur:	# no one else has mail: set-up, not the door under test
                cur.execute("UPDATE participants SET email = NULL")
            t = T(s)
            attendees(s, t, sink)
            interpreter(s, t, sink)
            never_released(s, t, sink)
    finally:
        ctl.stop()


main()
done_testing()
