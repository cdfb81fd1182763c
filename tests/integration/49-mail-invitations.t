#!/usr/bin/python3
# 49-mail-invitations.t — the people put into a session, or taken out of
# it, are mailed (issue 18: "for every participant with an e-mail whose view
# changed ... METHOD:REQUEST for new and changed events";
# sql/580_outbox_attendees.sql), through the API, against a real SMTP
# server (Debian's aiosmtpd, in this process). Before 580 a session created
# with its attendees, or a bilateral the scheduler placed, mailed nobody.
#
#  - a restricted meeting created with two attendees (FR, DE) and both
#    delegations as parties: an 'invited' outbox row for each attendee,
#    none for a member of a party delegation who does not attend; each
#    attendee gets a METHOD:REQUEST with their feed's UID, SEQUENCE and
#    DTSTART, the text "Invitation: <title>" with "when:", not "was:";
#  - one attendee taken out (PATCH attendees): an 'uninvited' row, and a
#    METHOD:CANCEL with the title they saw ("No longer attending"); a later
#    retitle reaches the one left and never the one taken out;
#  - an attendee added to a public session: an invitation too;
#  - a bilateral placed by POST /bilaterals/{id}/schedule: both heads are
#    invited, in one message each;
#  - release mode: a draft session's attendee hears nothing until the
#    release that shows it, then gets the invitation.
import os
import sys

from aiosmtpd.controller import Controller

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, events, one, rows  # noqa: E402
from maillib import Sink, of, text_of  # noqa: E402

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


def invited(s, t, sink):
    """A restricted meeting created with its attendees."""
    (a, a_addr), (b, b_addr), (x, x_addr) = t.person("FR"), t.person("DE"), t.person("FR")
    k = last_id(s)
    sid = t.call("POST", C + "/sessions", {"kind": "other", "title": "Data flows working lunch",
                                           "start": "2023-04-29T12:00:00+09:00",
                                           "end": "2023-04-29T13:00:00+09:00", "visibility": "restricted",
                                           "delegations": ["FR", "DE"], "attendees": [a, b]}, want=201)["id"]
    uid = "session-%d@kaigi" % sid
    is_(outbox(s, sid, k), sorted([(a, "invited"), (b, "invited")]),
        "created with two attendees: an 'invited' row for each, none for the party member who does not attend")
    tok = s.feed_token(SLUG, participant=a)
    fe = events(s.request("GET", "/feeds/%s.ics" % tok).body).get(uid)
    ok(fe is not None, "the attendee's feed shows the meeting")
    req, took = wait_for(lambda: [e for m, e in of(sink.to(a_addr), uid) if m == "REQUEST"])
    ok(req, "the attendee is mailed a METHOD:REQUEST (%.1f s)" % took)
    if req and fe is not None:
        ev = req[-1]
        is_((str(ev["UID"]), int(ev["SEQUENCE"]), ev["DTSTART"].dt),
            (uid, int(fe["SEQUENCE"]), fe["DTSTART"].dt), "with the feed's UID, SEQUENCE and DTSTART")
        text = text_of(sink.to(a_addr))
        like(text, r"Invitation: Data flows working lunch\r?\n  when: Sat 2023-04-29 12:00", "the text: Invitation, when")
        ok("was:" not in text, "and no 'was:' for a new meeting")
        like(str(sink.to(a_addr)[-1]["Subject"]), r"Invitation: Data flows working lunch", "the subject says so")
    got, took = wait_for(lambda: of(sink.to(b_addr), uid))
    ok(got, "the other attendee too (%.1f s)" % took)
    is_(sink.to(x_addr), [], "the party member who does not attend gets nothing")

    k = last_id(s)
    t.call("PATCH", "/api/v1/sessions/%d" % sid, {"attendees": [a]})
    is_(outbox(s, sid, k), [(b, "uninvited")], "one attendee taken out: an 'uninvited' row for them")
    can, took = wait_for(lambda: (lambda x: x if x and x[-1][0] == "CANCEL" else None)(of(sink.to(b_addr), uid)))
    ok(can, "and a METHOD:CANCEL (%.1f s)" % took)
    if can:
        ev = can[-1][1]
        is_((str(ev["STATUS"]), str(ev["SUMMARY"])), ("CANCELLED", "Data flows working lunch"),
            "STATUS:CANCELLED, the title they saw")
        like(text_of(sink.to(b_addr)), r"No longer attending: Data flows working lunch", "the text says so")
    n_b = len(sink.to(b_addr))
    t.call("PATCH", "/api/v1/sessions/%d" % sid, {"title": "Secret lunch"})
    got, took = wait_for(lambda: any(str(e["SUMMARY"]) == "Secret lunch" for _, e in of(sink.to(a_addr), uid)))
    ok(got, "a retitle reaches the one left (%.1f s)" % took)
    is_(len(sink.to(b_addr)), n_b, "and nothing reaches the one taken out")
    ok(not any("Secret lunch" in m.as_string() for m in sink.to(b_addr)), "who never sees the new title")

    pub = one(s, "SELECT id FROM sessions WHERE conference_id = (SELECT id FROM conferences WHERE slug = %s)"
                 " AND visibility = 'public' AND status <> 'cancelled' ORDER BY id LIMIT 1", SLUG)
    att = [r[0] for r in rows(s, "SELECT participant_id FROM session_attendees WHERE session_id = %s", pub)]
    k = last_id(s)
    t.call("PATCH", "/api/v1/sessions/%d" % pub, {"attendees": att + [x]})
    is_(outbox(s, pub, k), [(x, "invited")], "an attendee added to a public session: invited (only them)")
    got, took = wait_for(lambda: [e for m, e in of(sink.to(x_addr), "session-%d@kaigi" % pub) if m == "REQUEST"])
    ok(got, "and mailed a REQUEST (%.1f s)" % took)


def bilateral(s, t, sink):
    """A bilateral placed by the scheduler: both heads invited."""
    heads = {}
    for code in ("IT", "CA"):
        pid = one(s, "SELECT p.id FROM participants p JOIN delegations d ON d.id = p.delegation_id"
                     " WHERE d.code = %s AND p.role = 'head' AND d.conference_id ="
                     " (SELECT id FROM conferences WHERE slug = %s) ORDER BY p.id LIMIT 1", code, SLUG)
        addr = "head-%s@example.org" % code.lower()
        t.call("PATCH", "/api/v1/participants/%d" % pid, {"email": addr})
        heads[pid] = addr
    bid = t.call("POST", C + "/bilaterals", {"requester": "IT", "counterpart": "CA", "duration_minutes": 30},
                 want=201)["id"]
    t.call("POST", "/api/v1/bilaterals/%d/accept" % bid)
    k = last_id(s)
    sid = t.call("POST", "/api/v1/bilaterals/%d/schedule" % bid, {}, want=201)["id"]
    is_(outbox(s, sid, k), sorted((p, "invited") for p in heads), "the bilateral placed: both heads invited")
    uid = "session-%d@kaigi" % sid
    for pid, addr in heads.items():
        got, took = wait_for(lambda: [e for m, e in of(sink.to(addr), uid) if m == "REQUEST"])
        ok(got, "%s gets the bilateral's REQUEST (%.1f s)" % (addr, took))


def release_mode(s, t, sink):
    """A draft session's attendee hears of it with the release that shows it."""
    a, a_addr = t.person("JP")
    t.call("PATCH", C, {"publish": "release"})
    t.call("POST", C + "/releases", {"name": "before"}, want=201)
    k = last_id(s)
    sid = t.call("POST", C + "/sessions", {"kind": "other", "title": "Draft briefing",
                                           "start": "2023-04-30T09:00:00+09:00",
                                           "end": "2023-04-30T09:30:00+09:00", "visibility": "restricted",
                                           "delegations": ["JP"], "attendees": [a]}, want=201)["id"]
    uid = "session-%d@kaigi" % sid
    is_(outbox(s, sid, k), [(a, "invited")], "release mode: the draft's attendee has an 'invited' row")
    wait_for(lambda: False, timeout=2.5)   # longer than the quiet time
    is_(of(sink.to(a_addr), uid), [], "and no mail before the release")
    t.call("POST", C + "/releases", {"name": "with the briefing"}, want=201)
    got, took = wait_for(lambda: [e for m, e in of(sink.to(a_addr), uid) if m == "REQUEST"])
    ok(got, "the release that shows it sends the invitation (%.1f s)" % took)


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
            invited(s, t, sink)
            bilateral(s, t, sink)
            release_mode(s, t, sink)
    finally:
        ctl.stop()


main()
done_testing()
