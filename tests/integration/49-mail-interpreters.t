#!/usr/bin/python3
"""49-mail-interpreters.t — change mail reaches interpreters (issue 18 ×
issue 17; sql/600_outbox_interpreters.sql), through the API, against a
real SMTP server (Debian's aiosmtpd, in this process).

A conference with two ja-en interpreters, Terp1 and Terp2 (one a pair for
any meeting), and an INT delegation that is no party to anything:
- a restricted ja-en meeting of D01 and D02 at 09:00: the picked
  interpreter gets an 'invited' row and a METHOD:REQUEST with their feed's
  UID and SEQUENCE;
- the meeting retitled: a 'changed' row for the interpreter (none before
  600) and a REQUEST with the new title;
- a briefing given to that interpreter at 11:00, then the meeting moved to
  11:00: the interpreter is dropped (busy) and the other one picked; the
  dropped one gets a METHOD:CANCEL of the meeting as they saw it (09:00,
  not 11:00), the picked one an invitation at 11:00;
- the meeting cancelled: a METHOD:CANCEL for its interpreter.
"""
import email
import email.policy
import os
import sys
import threading

import icalendar
from aiosmtpd.controller import Controller

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import events, one, rows  # noqa: E402

SLUG = "interp-mail"
C = "/api/v1/conferences/" + SLUG
DAY = "2026-08-03"


class Sink:
    """aiosmtpd handler: keeps (recipient, message)."""

    def __init__(self):
        self.mu = threading.Lock()
        self.got = []

    async def handle_DATA(self, server, session, envelope):
        m = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.mu:
            self.got.append((",".join(envelope.rcpt_tos), m))
        return "250 OK"

    def to(self, addr):
        with self.mu:
            return [m for r, m in self.got if r == addr]


def of(msgs, uid):
    """[(METHOD, VEVENT)] of the event uid in msgs, in order."""
    out = []
    for m in msgs:
        for part in m.walk():
            if part.get_content_type() == "text/calendar":
                cal = icalendar.Calendar.from_ical(part.get_content())
                out += [(str(cal["METHOD"]), ev) for ev in cal.walk("VEVENT")
                        if str(ev["UID"]) == uid]
    return out


def outbox(s, sid, since):
    return sorted((r[0], r[1]) for r in rows(s, "SELECT participant_id, change FROM outbox"
                                             " WHERE session_id = %s AND id > %s", sid, since))


def last_id(s):
    return one(s, "SELECT coalesce(max(id), 0) FROM outbox")


def must(s, method, path, body, tok, want):
    r = s.request(method, path, body, token=tok)
    if r.status != want:
        raise RuntimeError("%s %s: %r" % (method, path, r))
    return r.json


def setup(s):
    admin = s.token("admin")
    must(s, "POST", "/api/v1/conferences", {
        "slug": SLUG, "title": "Interpreters' mail", "timezone": "Asia/Tokyo",
        "start_date": DAY, "end_date": DAY, "languages": ["en", "ja"],
        "day_start": "09:00", "day_end": "18:00"}, admin, 201)
    sec = s.token("secretariat", SLUG)
    must(s, "PATCH", C, {"interpretation_rules": {"per_pair_long": 1, "per_pair": 1}}, sec, 200)
    v = must(s, "POST", C + "/venues", {"name": "Hall"}, sec, 201)
    room = must(s, "POST", C + "/rooms", {"venue_id": v["id"], "name": "A", "capacity": 10,
                                          "kind": "bilateral", "booths": 1}, sec, 201)["id"]
    heads = []
    for code in ("D01", "D02", "INT"):
        must(s, "POST", C + "/delegations", {"code": code, "name": code, "kind": "member"}, sec, 201)
    for code in ("D01", "D02"):
        heads.append(must(s, "POST", C + "/participants", {"delegation": code, "name": "Head " + code,
                                                           "role": "head"}, sec, 201)["id"])
    terps = {}
    for n in (1, 2):
        addr = "terp%d@example.org" % n
        pid = must(s, "POST", C + "/participants", {
            "delegation": "INT", "name": "Terp%d" % n, "role": "interpreter", "email": addr,
            "language_pairs": ["ja-en"]}, sec, 201)["id"]
        terps[pid] = addr
    return sec, room, heads, terps


def at(hhmm):
    return "%sT%s:00+09:00" % (DAY, hhmm)


def main(s, sink):
    sec, room, heads, terps = setup(s)
    k = last_id(s)
    js = must(s, "POST", C + "/sessions", {
        "kind": "bilateral", "title": "Data flows", "start": at("09:00"), "end": at("09:30"),
        "room_id": room, "visibility": "restricted", "delegations": ["D01", "D02"],
        "attendees": heads, "interpretation": ["ja-en"]}, sec, 201)
    sid, uid = js["id"], "session-%d@kaigi" % js["id"]
    picked = [i["id"] for i in js.get("interpreters", [])]
    is_(len(picked), 1, "one interpreter picked")
    t1 = picked[0] if picked else None
    t2 = [p for p in terps if p != t1][0]
    is_(outbox(s, sid, k), [(t1, "invited")], "the picked interpreter: an 'invited' row")
    tok = s.feed_token(SLUG, participant=t1)
    fe = events(s.request("GET", "/feeds/%s.ics" % tok).body).get(uid)
    ok(fe is not None, "the interpreter's feed shows the meeting")
    req, took = wait_for(lambda: [e for m, e in of(sink.to(terps[t1]), uid) if m == "REQUEST"])
    ok(req, "and they are mailed a REQUEST (%.1f s)" % took)
    if req and fe is not None:
        is_((int(req[-1]["SEQUENCE"]), req[-1]["DTSTART"].dt), (int(fe["SEQUENCE"]), fe["DTSTART"].dt),
            "with the feed's SEQUENCE and DTSTART")

    k = last_id(s)
    must(s, "PATCH", "/api/v1/sessions/%d" % sid, {"title": "Data flows (amended)"}, sec, 200)
    is_(outbox(s, sid, k), [(t1, "changed")], "retitled: a 'changed' row for the interpreter (none before 600)")
    got, took = wait_for(lambda: [e for m, e in of(sink.to(terps[t1]), uid)
                                  if str(e["SUMMARY"]) == "Data flows (amended)"])
    ok(got, "and the new title reaches them (%.1f s)" % took)

    must(s, "POST", C + "/sessions", {
        "kind": "other", "title": "Briefing", "start": at("11:00"), "end": at("12:00"),
        "visibility": "restricted", "delegations": ["INT"], "attendees": [t1]}, sec, 201)
    k = last_id(s)
    js = must(s, "PATCH", "/api/v1/sessions/%d" % sid, {"start": at("11:00"), "end": at("11:30")}, sec, 200)
    is_([i["id"] for i in js.get("interpreters", [])], [t2], "moved into Terp1's briefing: Terp2 interprets it")
    got = outbox(s, sid, k)
    ok((t1, "uninvited") in got and (t2, "invited") in got,
       "the dropped one 'uninvited', the picked one 'invited': %s" % got)
    can, took = wait_for(lambda: (lambda x: x if x and x[-1][0] == "CANCEL" else None)(of(sink.to(terps[t1]), uid)))
    ok(can, "the dropped interpreter gets a CANCEL (%.1f s)" % took)
    if can:
        ev = can[-1][1]
        is_((str(ev["STATUS"]), ev["DTSTART"].dt.hour), ("CANCELLED", 9),
            "of the meeting as they saw it: 09:00, not the new 11:00")
    inv, took = wait_for(lambda: [e for m, e in of(sink.to(terps[t2]), uid) if m == "REQUEST"])
    ok(inv and inv[-1]["DTSTART"].dt.hour == 11, "the picked one an invitation at 11:00 (%.1f s)" % took)

    k = last_id(s)
    must(s, "POST", "/api/v1/sessions/%d/cancel" % sid, {}, sec, 200)
    is_(outbox(s, sid, k), [(t2, "cancelled")], "cancelled: a 'cancelled' row for its interpreter")
    can, took = wait_for(lambda: (lambda x: x if x and x[-1][0] == "CANCEL" else None)(of(sink.to(terps[t2]), uid)))
    ok(can, "and a CANCEL (%.1f s)" % took)


def run():
    sink = Sink()
    port = free_port()
    ctl = Controller(sink, hostname="127.0.0.1", port=port)
    ctl.start()
    env = {"KAIGI_SMTP_URL": "smtp://127.0.0.1:%d" % port, "KAIGI_MAIL_FROM": "secretariat@kaigi.test",
           "KAIGI_NOTIFY_QUIET_SECONDS": "1"}
    try:
        with Server(env=env, demo=False) as s:
            main(s, sink)
    finally:
        ctl.stop()


run()
done_testing()
