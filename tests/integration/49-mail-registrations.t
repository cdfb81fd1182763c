#!/usr/bin/python3
# 49-mail-registrations.t — change mail reaches side-event registrants
# (issue 17 item 6 × issue 18; sql/420_outbox_registrations.sql), through
# the API, against a real SMTP server (Debian's aiosmtpd, in this process):
#
#  - a restricted side event with one seat: A confirmed, B waiting; a
#    public one with A2 confirmed. A's confirmation leaves a 'confirmed'
#    outbox row (a REQUEST in A's next batch);
#  - the restricted event moved, the public one retitled (PATCH): one
#    outbox row each for the confirmed registrants (A, A2), none for the
#    waiting B (they may not see the restricted one), exactly the rows of
#    "attendees, party members and confirmed registrants who may see it";
#    a public session's retitle asks kaigi_session_visible 0 times;
#  - A's registration cancelled (DELETE): A's view loses the event
#    ('removed': a METHOD:CANCEL of what A last saw), B is promoted
#    ('confirmed': a METHOD:REQUEST with B's feed's UID and SEQUENCE);
#    A2's cancelled on the public one: nothing (A2's feed still shows it);
#  - delivered: B's message is a REQUEST with the feed's UID and SEQUENCE
#    ("Registration confirmed"); A's last calendar part for the event is a
#    CANCEL; a retitle after A's removal reaches B and never A;
#  - release mode: a draft move reaches the registrant with the next
#    release (a release batch counts registrants), a cancelled seat at
#    once (not held for a release).
import os
import sys

from aiosmtpd.controller import Controller

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, events, one, rows  # noqa: E402
from maillib import Sink, of  # noqa: E402

C = "/api/v1/conferences/" + SLUG
CONCERNED = """SELECT p.id FROM participants p JOIN sessions s ON s.id = %(sid)s
    WHERE p.conference_id = s.conference_id AND p.email IS NOT NULL AND p.notify
    AND (p.id IN (SELECT participant_id FROM session_attendees WHERE session_id = s.id)
      OR p.delegation_id IN (SELECT delegation_id FROM session_delegations WHERE session_id = s.id)
      OR p.id IN (SELECT participant_id FROM registrations WHERE session_id = s.id
                  AND status = 'confirmed'))
    AND kaigi_session_visible(s.id, jsonb_build_object('role', 'feed',
        'conference_id', s.conference_id, 'participant_id', p.id))"""


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

    def person(self, code):
        self.n += 1
        p = self.call("POST", C + "/participants", {"delegation": code, "name": "Mail reg %d" % self.n,
                                                    "role": "staff", "email": "reg%d@example.org" % self.n},
                      want=201)
        return p["id"], "reg%d@example.org" % self.n

    def register(self, sid, pid):
        return self.call("POST", "/api/v1/sessions/%d/registrations" % sid, {"participant_id": pid}, want=201)


def visible_calls(s, sid):
    """Retitle sid in one transaction, rolled back (the trigger's
    mechanism, as 48-outbox-set.t): the kaigi_session_visible calls it took."""
    conn = s.db()
    conn.autocommit = False
    with conn.cursor() as cur:
        cur.execute("SET LOCAL track_functions = 'all'")
        cur.execute("UPDATE sessions SET title = title || ' (again)' WHERE id = %s", (sid,))
        cur.execute("""SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions
            WHERE funcname = 'kaigi_session_visible'""")
        calls = cur.fetchone()[0]
    conn.rollback()
    conn.close()
    return calls


def live(s, t, sink):
    res = t.call("POST", C + "/sessions", {"kind": "side_event", "title": "Invitation-only DX breakfast",
                                           "start": "2023-04-28T08:00:00+09:00",
                                           "end": "2023-04-28T09:00:00+09:00", "visibility": "restricted",
                                           "delegations": ["JP"], "capacity": 1}, want=201)["id"]
    pub = t.call("POST", C + "/sessions", {"kind": "side_event", "title": "Open DX talk", "capacity": 5,
                                           "start": "2023-04-28T20:00:00+09:00",
                                           "end": "2023-04-28T21:00:00+09:00"}, want=201)["id"]
    (a, a_addr), (b, b_addr), (a2, a2_addr) = t.person("FR"), t.person("FR"), t.person("DE")
    uid = "session-%d@kaigi" % res
    k = last_id(s)
    ga = t.register(res, a)
    gb = t.register(res, b)
    ga2 = t.register(pub, a2)
    is_((ga["status"], gb["status"], ga2["status"]), ("confirmed", "waiting", "confirmed"),
        "A confirmed, B waiting (one seat); A2 confirmed on the public event")
    is_(outbox(s, res, k), [(a, "confirmed")], "A's confirmation: a 'confirmed' row for A only")

    k = last_id(s)
    t.call("PATCH", "/api/v1/sessions/%d" % res, {"start": "2023-04-28T08:15:00+09:00",
                                                  "end": "2023-04-28T09:15:00+09:00"})
    got = outbox(s, res, k)
    ok((a, "changed") in got, "the restricted side event moved: its confirmed registrant A gets an outbox row")
    ok(all(p != b for p, _ in got), "the waiting B (who may not see it) gets none")
    is_(sorted(p for p, _ in got), sorted(r[0] for r in rows(s, CONCERNED, {"sid": res})),
        "exactly the attendees, party members and confirmed registrants who may see it")
    k = last_id(s)
    t.call("PATCH", "/api/v1/sessions/%d" % pub, {"title": "Open DX talk (new title)"})
    got = outbox(s, pub, k)
    ok((a2, "changed") in got, "the public side event retitled: its confirmed registrant A2 gets an outbox row")
    is_(sorted(p for p, _ in got), sorted(r[0] for r in rows(s, CONCERNED, {"sid": pub})),
        "exactly those concerned who may see it")
    is_(visible_calls(s, pub), 0, "a public session's rows ask kaigi_session_visible 0 times")

    k = last_id(s)
    r = s.request("DELETE", "/api/v1/registrations/%d" % ga["id"], token=t.sec)
    is_(r.status, 204, "A's registration cancelled")
    is_(outbox(s, res, k), sorted([(a, "removed"), (b, "confirmed")]),
        "A's view loses the event ('removed'), B is promoted ('confirmed')")
    k = last_id(s)
    r = s.request("DELETE", "/api/v1/registrations/%d" % ga2["id"], token=t.sec)
    is_((r.status, outbox(s, pub, k)), (204, []), "A2's seat on the public event cancelled: no row (still seen)")

    tok = s.feed_token(SLUG, participant=b)
    fe = wait_for(lambda: events(s.request("GET", "/feeds/%s.ics" % tok).body).get(uid))[0]
    ok(fe is not None, "B's feed has the event after the promotion")
    req, took = wait_for(lambda: [x for x in of(sink.to(b_addr), uid) if x[0] == "REQUEST"])
    ok(req, "B's promotion is mailed (%.1f s)" % took)
    if req and fe is not None:
        ev = req[-1][1]
        is_((str(ev["UID"]), int(ev["SEQUENCE"])), (uid, int(fe["SEQUENCE"])),
            "a METHOD:REQUEST with the feed's UID and SEQUENCE (%s)" % fe["SEQUENCE"])
        is_(ev["DTSTART"].dt, fe["DTSTART"].dt, "and the feed's DTSTART")
        like(str(ev["ATTENDEE"]), r"^mailto:" + b_addr.replace(".", r"\."), "ATTENDEE: B")
        ok(any("Registration confirmed: Invitation-only DX breakfast" in
               (p.get_content() if p.get_content_type() == "text/plain" else "")
               for m in sink.to(b_addr) for p in m.walk()), "the text says Registration confirmed")
    can, took = wait_for(lambda: (lambda x: x if x and x[-1][0] == "CANCEL" else None)(of(sink.to(a_addr), uid)))
    ok(can, "A's last message about the event is a METHOD:CANCEL (%.1f s)" % took)
    if can:
        ev = can[-1][1]
        is_((str(ev["STATUS"]), str(ev["SUMMARY"])), ("CANCELLED", "Invitation-only DX breakfast"),
            "STATUS:CANCELLED, the title A saw")

    n_a = len(sink.to(a_addr))
    t.call("PATCH", "/api/v1/sessions/%d" % res, {"title": "Renamed breakfast (secret)"})
    got, took = wait_for(lambda: any("Renamed breakfast" in str(ev["SUMMARY"]) for _, ev in of(sink.to(b_addr), uid)))
    ok(got, "a retitle after A's removal reaches B (%.1f s)" % took)
    is_(len(sink.to(a_addr)), n_a, "and nothing more reaches A")
    ok(not any("Renamed breakfast" in m.as_string() for m in sink.to(a_addr)), "A never sees the new title")
    return res, b, b_addr, gb


def release_mode(s, t, sink, res, b, b_addr, gb):
    uid = "session-%d@kaigi" % res
    t.call("PATCH", C, {"publish": "release"})
    t.call("POST", C + "/releases", {"name": "r1"}, want=201)
    n0 = len(of(sink.to(b_addr), uid))
    k = last_id(s)
    t.call("PATCH", "/api/v1/sessions/%d" % res, {"start": "2023-04-28T10:00:00+09:00",
                                                  "end": "2023-04-28T11:00:00+09:00"})
    ok((b, "changed") in outbox(s, res, k), "release mode: a draft move writes the registrant's row")
    t.call("POST", C + "/releases", {"name": "r2"}, want=201)
    ok(one(s, "SELECT count(*) FROM outbox WHERE id > %s AND participant_id = %s AND batch_id IS NOT NULL",
           k, b) >= 1, "the release's batches count the registrant")
    got, took = wait_for(lambda: [ev for _, ev in of(sink.to(b_addr), uid)[n0:] if ev["DTSTART"].dt.hour == 10])
    ok(got, "release mode: B gets the released move (%.1f s)" % took)
    k = last_id(s)
    r = s.request("DELETE", "/api/v1/registrations/%d" % gb["id"], token=t.sec)
    is_((r.status, outbox(s, res, k)), (204, [(b, "removed")]), "release mode: B's seat cancelled: 'removed'")
    got, took = wait_for(lambda: (lambda x: x and x[-1][0] == "CANCEL")(of(sink.to(b_addr), uid)))
    ok(got, "and its CANCEL goes out without a release (%.1f s)" % took)


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
            res, b, b_addr, gb = live(s, t, sink)
            release_mode(s, t, sink, res, b, b_addr, gb)
    finally:
        ctl.stop()


main()
done_testing()
