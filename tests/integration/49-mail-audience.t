#!/usr/bin/python3
# 49-mail-audience.t — messages built together still differ by audience
# (issue 18's load work: sql/300_outbox_events_set.sql reads a whole
# claim's events in one query; mail.c renders a session's summary and
# VEVENT once per claim and reuses them, mail-cache.h), against a real SMTP
# server (Debian's aiosmtpd, in this process):
#
#  - one worker, one sender: a change of the public "Internet Governance"
#    (every head of delegation) and, in the same transaction, of a
#    confidential meeting attended by two of those heads, P and N, after
#    which N is taken off it (still in that transaction): the outbox holds
#    a row of the confidential meeting for N, whose feed no longer shows it;
#  - every message leaves in one claim (one sent_at), so the messages of P,
#    N and the others are built with one cache, from one events query;
#  - P's message has the confidential meeting (title in text and HTML, its
#    UID in the REQUEST part); N's has the public session and the
#    meeting's METHOD:CANCEL with the title N saw, never the new one
#    (sql/580); nobody else's has any trace of the meeting;
#  - in every message, each event's ATTENDEE is the message's own
#    recipient, and the public session's VEVENT is the same in all but it.
#
# Nothing is timed beyond PATIENCE.
import email
import email.policy
import email.utils
import os
import sys
import threading

import icalendar
from aiosmtpd.controller import Controller

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SECRET = "Operation Quiet Harbour (mail test)"


class Sink:
    """aiosmtpd handler: keeps (recipient, raw bytes, message)."""

    def __init__(self):
        self.mu = threading.Lock()
        self.got = []

    async def handle_DATA(self, server, session, envelope):
        m = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.mu:
            self.got.append((",".join(envelope.rcpt_tos), envelope.content, m))
        return "250 OK"

    def count(self):
        with self.mu:
            return len(self.got)


def rows(conn, sql, *args):
    with conn.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall() if cur.description else []


def one(conn, sql, *args):
    r = rows(conn, sql, *args)
    return r[0][0] if r else None


def setup(conn):
    """The confidential meeting, attended by two heads P and N of the public
    session's audience; then e-mails for everyone (none before: no mail
    for the set-up). Returns (public id, meeting id, P, N)."""
    pub = one(conn, "SELECT id FROM sessions WHERE title = 'Internet Governance'")
    heads = [r[0] for r in rows(conn, "SELECT p.id FROM participants p JOIN sessions s ON"
                                " s.id = %s AND s.conference_id = p.conference_id WHERE p.notify AND"
                                " (EXISTS (SELECT 1 FROM session_delegations sd WHERE"
                                " sd.session_id = s.id AND sd.delegation_id = p.delegation_id)"
                                " OR EXISTS (SELECT 1 FROM session_attendees a WHERE"
                                " a.session_id = s.id AND a.participant_id = p.id))"
                                " ORDER BY p.id", pub)]
    ok(len(heads) >= 3, "the public session concerns %d participants" % len(heads))
    p, n = heads[0], heads[-1]
    rows(conn, "UPDATE participants SET email = NULL")
    sid = one(conn, "INSERT INTO sessions (conference_id, kind, title, starts_at, ends_at,"
              " visibility) SELECT c.id, 'bilateral', %s, (c.start_date - 1 + time '03:00')"
              " AT TIME ZONE c.timezone, (c.start_date - 1 + time '04:00') AT TIME ZONE"
              " c.timezone, 'confidential' FROM sessions s JOIN conferences c ON"
              " c.id = s.conference_id WHERE s.id = %s RETURNING id", SECRET, pub)
    rows(conn, "INSERT INTO session_attendees (session_id, participant_id) VALUES (%s, %s), (%s, %s)",
         sid, p, sid, n)
    rows(conn, "UPDATE participants SET email = 'p' || id || '@example.org'")
    return pub, sid, p, n


def change(conn, pub, sid, n):
    """Both sessions retitled and N taken off the meeting, in one transaction."""
    conn.autocommit = False
    with conn.cursor() as cur:
        cur.execute("UPDATE sessions SET title = title || ' (amended)' WHERE id IN (%s, %s)",
                    (pub, sid))
        cur.execute("DELETE FROM session_attendees WHERE session_id = %s AND participant_id = %s",
                    (sid, n))
    conn.commit()
    conn.autocommit = True


def ical_events(m):
    """[(method, uid, attendee, VEVENT text without ATTENDEE)] of m."""
    out = []
    for part in m.walk():
        if part.get_content_type() != "text/calendar":
            continue
        cal = icalendar.Calendar.from_ical(part.get_content())
        for ev in cal.walk("VEVENT"):
            att = ev.get("ATTENDEE")
            rest = [line for line in ev.to_ical().decode().replace("\r\n ", "").split("\r\n")
                    if not line.startswith("ATTENDEE")]
            out.append((str(cal["METHOD"]), str(ev["UID"]), str(att), "\n".join(rest)))
    return out


def check_messages(sink, want, pub, sid, p, n):
    by = {}
    for rcpt, raw, m in sink.got:
        by.setdefault(rcpt, []).append((raw, m))
    is_(sorted(by), sorted(want), "one message for each participant concerned, no other")
    ok(all(len(v) == 1 for v in by.values()), "nobody got two")
    pa, na = "p%d@example.org" % p, "p%d@example.org" % n
    praw, pm = by.get(pa, [(b"", None)])[0]
    nraw, nm = by.get(na, [(b"", None)])[0]
    uid = "session-%d@" % sid
    ptext = {q.get_content_type(): q.get_content() for q in pm.walk()
             if q.get_content_type() in ("text/plain", "text/html")} if pm else {}
    ok(SECRET in ptext.get("text/plain", "") and SECRET in ptext.get("text/html", ""),
       "the party's text and HTML summaries name the confidential meeting")
    ok(pm is not None and any(u.startswith(uid) and meth == "REQUEST"
                              for meth, u, _, _ in ical_events(pm)),
       "the party's REQUEST part has the meeting's UID")
    ok(nm is not None and any(u.startswith("session-%d@" % pub) for _, u, _, _ in ical_events(nm)),
       "the non-party (taken off the meeting) has the public session")
    ok(nraw and b"(amended)" not in nraw.replace(b"Internet Governance (amended)", b""),
       "the attendee taken off has no trace of the meeting's change (its new title)")
    nev = [(meth, ev) for meth, u, _, ev in ical_events(nm) if u.startswith(uid)] if nm else []
    is_([meth for meth, _ in nev], ["CANCEL"],
        "and one event of the meeting: a METHOD:CANCEL (sql/580: no longer attending)")
    ok(nev and ("SUMMARY:" + SECRET) in nev[0][1].split("\n"),
       "with the title they saw, from before the change in the same transaction")
    leaks = [r for r, v in by.items() if r not in (pa, na) and
             any(b"Quiet Harbour" in raw for raw, _ in v)]
    is_(leaks, [], "nobody but its attendees got the meeting's title")
    bad = [r for r, v in by.items() for raw, m in v
           if email.utils.parseaddr(str(m["To"]))[1] != r or
           any(att != "mailto:" + r for _, _, att, _ in ical_events(m))]
    is_(bad, [], "each message's To and every ATTENDEE are its own recipient")
    pubs = {rest for v in by.values() for _, m in v
            for _, u, _, rest in ical_events(m) if u.startswith("session-%d@" % pub)}
    is_(len(pubs), 1, "the public session's VEVENT is the same in every message but its ATTENDEE")


def main():
    sink = Sink()
    port = free_port()
    ctl = Controller(sink, hostname="127.0.0.1", port=port)
    ctl.start()
    env = {"KAIGI_SMTP_URL": "smtp://127.0.0.1:%d" % port, "KAIGI_MAIL_FROM": "secretariat@kaigi.test",
           "KAIGI_NOTIFY_QUIET_SECONDS": "1", "KAIGI_MAIL_SENDERS": "1"}
    try:
        with Server(env=env) as s:
            conn = s.db()
            pub, sid, p, n = setup(conn)
            change(conn, pub, sid, n)
            want = sorted({r[0] for r in rows(conn, "SELECT p.email FROM outbox o JOIN participants p"
                                                    " ON p.id = o.participant_id")})
            is_(sorted(tuple(r) for r in rows(conn, "SELECT participant_id, change FROM outbox"
                                                    " WHERE session_id = %s", sid)),
                sorted([(p, "changed"), (n, "changed"), (n, "uninvited")]),
                "the outbox has the meeting's change for both attendees, and N's removal (N's feed"
                " no longer shows it)")
            ok(3 <= len(want) <= 32, "%d participants concerned (one claim holds them all)" % len(want))
            got, took = wait_for(lambda: sink.count() >= len(want) and
                                 one(conn, "SELECT count(*) FROM outbox_batches WHERE sent_at IS NULL")
                                 == 0 and one(conn, "SELECT count(*) FROM outbox WHERE"
                                              " batch_id IS NULL") == 0, interval=0.2)
            ok(got, "every message arrived and every batch is marked (%.1f s)" % took)
            is_(one(conn, "SELECT count(DISTINCT sent_at) FROM outbox_batches"), 1,
                "all were sent in one claim (one sent_at): built with one cache")
            check_messages(sink, want, pub, sid, p, n)
            conn.close()
            s.stop()
            log = open(s.log_path, "rb").read().decode("utf-8", "replace")
            ok("Sanitizer" not in log and "runtime error" not in log,
               "kaigid's log has no sanitizer report")
    finally:
        ctl.stop()


main()
done_testing()
