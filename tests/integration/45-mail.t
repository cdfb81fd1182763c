#!/usr/bin/python3
# 45-mail.t — change mail (issue 18) against a real SMTP server (Debian's
# aiosmtpd, in this process) and, without smtp_url, into a Maildir. Every
# message is parsed with Python's `email` and `icalendar`.
#
#  - a burst of edits (the press conference moved three times, the
#    Japan–Canada bilateral moved once) gives ONE message per affected
#    participant (the JP delegation for the press conference, the two heads
#    for the bilateral; Japan's head gets both in one message), none for
#    anyone else: not the Canadian delegation's other members (the bilateral
#    is restricted: attendees only), not WEF;
#  - the move is an iMIP METHOD:REQUEST whose UID and SEQUENCE are the
#    public feed's; a cancellation (through the API) is METHOD:CANCEL with
#    the feed's SEQUENCE and STATUS:CANCELLED;
#  - a 451 from the server is retried: the message arrives after it, and the
#    batch records two attempts;
#  - a participant who opted out (participants.notify) gets nothing;
#  - the worker killed after the server has a message but before its 250:
#    after the restart the batch is sent again with the same Message-ID
#    (at least once: one duplicate, nothing lost);
#  - AUTH: with user:password@ in smtp_url, kaigid authenticates to a
#    server that requires it;
#  - with no smtp_url the message is a file in the Maildir's new/.
#
# kaigid runs two workers, each with its sender: they share the outbox
# (SKIP LOCKED), and every count above shows no batch is sent twice.
#
# Nothing is timed: "none for the unaffected" is checked once messages of a
# later change (the marker) have arrived, and batches go out in order.
# The REQUEST and CANCEL parts are also read with ical.js
# (tests/ical/parse_imip_icaljs.js).
import email
import email.policy
import email.utils
import glob
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import warnings

import icalendar
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, one, rows, events  # noqa: E402

warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
warnings.filterwarnings("ignore", message="Session.login_data is deprecated")
logging.getLogger("mail.log").setLevel(logging.ERROR)	# aiosmtpd's notes on plain-text AUTH
DRIVERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ical")


class Sink:
    """aiosmtpd handler: keeps each accepted message; answers 451 to the
    next `fail` DATA commands."""

    def __init__(self):
        self.messages = []
        self.fail = 0
        self.refused = 0
        self.kill_pid = None

    async def handle_DATA(self, server, session, envelope):
        if self.fail > 0:
            self.fail -= 1
            self.refused += 1
            return "451 4.3.0 try again later"
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        if self.kill_pid:	# the sender (whichever worker it is) dies before our 250
            for pid in self.kill_pid:
                os.kill(pid, signal.SIGKILL)
            self.kill_pid = None
        return "250 OK"


def to_addr(m):
    return email.utils.parseaddr(str(m["To"]))[1]


def cal_parts(m):
    """{method: icalendar.Calendar} of the message's text/calendar parts."""
    out = {}
    for part in m.walk():
        if part.get_content_type() == "text/calendar":
            cal = icalendar.Calendar.from_ical(part.get_content())
            is_(part.get_param("method"), str(cal["METHOD"]),
                "the part's method= is the calendar's METHOD (%s)" % cal["METHOD"])
            out[str(cal["METHOD"])] = cal
    return out


def icaljs(m, method):
    """The message's `method` part read by ical.js (its JSON, or None)."""
    for part in m.walk():
        if part.get_content_type() == "text/calendar" and part.get_param("method") == method:
            with tempfile.NamedTemporaryFile("wb", suffix=".ics", delete=False) as f:
                f.write(part.get_payload(decode=True))
            p = subprocess.run(["node", DRIVERS + "/parse_imip_icaljs.js", f.name],
                               capture_output=True, text=True)
            os.unlink(f.name)
            if p.returncode != 0:
                diag(p.stderr)
                return None
            return json.loads(p.stdout)
    return None


def check_icaljs(m, method, sid, seq):
    """ical.js reads the part as Python's icalendar does."""
    j = icaljs(m, method)
    ok(j is not None and j["method"] == method, "ical.js accepts the %s part" % method)
    ev = [e for e in (j or {}).get("events", []) if e["uid"] == "session-%d@kaigi" % sid]
    ok(len(ev) == 1 and ev[0]["sequence"] == seq and ev[0]["attendee"] == "mailto:" + to_addr(m),
       "ical.js: the UID, SEQUENCE %d and ATTENDEE" % seq)
    return ev[0] if ev else None


def texts(m):
    return {p.get_content_type(): p.get_content() for p in m.walk()
            if p.get_content_type() in ("text/plain", "text/html")}


def move(s, sid, start, end):
    with s.db().cursor() as cur:
        cur.execute("UPDATE sessions SET starts_at = %s, ends_at = %s WHERE id = %s", (start, end, sid))


def emails(s, where, *args):
    return {r[0] for r in rows(s, "SELECT p.email FROM participants p JOIN delegations d"
                                  " ON d.id = p.delegation_id WHERE " + where, *args)}


def feed_event(s, sid):
    r = s.request("GET", "/api/v1/conferences/%s/calendar.ics" % SLUG)
    return events(r.body).get("session-%d@kaigi" % sid)


def burst(s, sink, press, bil):
    move(s, press, "2023-04-30 17:00+09", "2023-04-30 17:40+09")
    move(s, press, "2023-04-30 17:10+09", "2023-04-30 17:50+09")
    move(s, press, "2023-04-30 18:30+09", "2023-04-30 19:10+09")
    move(s, bil, "2023-04-29 19:15+09", "2023-04-29 19:45+09")
    jp = emails(s, "d.code = 'JP'")
    heads = emails(s, "d.code IN ('JP', 'CA') AND p.role = 'head'")
    want = jp | heads
    got, took = wait_for(lambda: len(sink.messages) >= len(want))
    ok(got, "burst: %d messages arrived (%.1f s)" % (len(sink.messages), took))
    by = {}
    for m in sink.messages:
        by.setdefault(to_addr(m), []).append(m)
    is_(sorted(by), sorted(want), "one message each for the JP delegation and the two heads")
    ok(all(len(v) == 1 for v in by.values()), "never two messages for one participant's burst")
    return by, want


def check_request(s, m, press):
    cals = cal_parts(m)
    ok("REQUEST" in cals and "CANCEL" not in cals, "a move is METHOD:REQUEST only")
    ev = {str(e["UID"]): e for e in cals["REQUEST"].walk("VEVENT")}
    uid = "session-%d@kaigi" % press
    ok(uid in ev, "the press conference's event has the feed's UID")
    fe = feed_event(s, press)
    is_(int(ev[uid]["SEQUENCE"]), int(fe["SEQUENCE"]), "SEQUENCE is the feed's (%s)" % fe["SEQUENCE"])
    is_(ev[uid]["DTSTART"].dt, fe["DTSTART"].dt, "DTSTART is the last move's (the feed's)")
    je = check_icaljs(m, "REQUEST", press, int(fe["SEQUENCE"]))
    is_(je and je["start_utc"], "2023-04-30T09:30:00Z", "ical.js: the new start, through the VTIMEZONE")
    like(str(ev[uid]["ATTENDEE"]), r"^mailto:" + to_addr(m).replace(".", r"\."), "ATTENDEE: the participant")
    like(str(ev[uid]["ORGANIZER"]), r"^mailto:secretariat@kaigi\.test$", "ORGANIZER: mail_from")
    t = texts(m)
    like(t.get("text/plain", ""), r"Moved: Press conference of the chair\r?\n  was: Sun 2023-04-30 16:00–16:40, ",
         "text: what moved, from when (before the burst)")
    like(t.get("text/plain", ""), r"now: Sun 2023-04-30 18:30–19:10, ", "text: to when (after the burst)")
    like(t.get("text/html", ""), r"<b>Moved:</b> Press conference of the chair", "HTML alternative")
    like(str(m["Message-ID"]), r"^<kaigi-batch-\d+@kaigi>$", "Message-ID per batch")
    like(str(m["Subject"]), r": Moved: Bilateral meeting: Japan – Canada \(and 1 more\)$",
         "Subject: the first session, and how many more")


def check_restricted(s, by, bil):
    attendees = {r[0] for r in rows(s, "SELECT p.email FROM session_attendees a JOIN participants p"
                                       " ON p.id = a.participant_id WHERE a.session_id = %s", bil)}
    is_(len(attendees), 2, "the bilateral has two attendees")
    for addr in attendees:
        ok(any("session-%d@kaigi" % bil in str(cal_parts(m).get("REQUEST", "")) for m in by.get(addr, [])),
           "%s: the bilateral's REQUEST" % addr)


def check_cancel(s, sink, sec, plen):
    before = len(sink.messages)
    r = s.request("POST", "/api/v1/sessions/%d/cancel" % plen, token=sec)
    is_(r.status, 200, "the plenary cancelled through the API")
    heads = emails(s, "p.role = 'head' AND d.kind <> 'guest' AND d.conference_id ="
                      " (SELECT id FROM conferences WHERE slug = %s)", SLUG)
    got, took = wait_for(lambda: len(sink.messages) >= before + len(heads))
    ok(got, "cancel: %d messages (%.1f s)" % (len(sink.messages) - before, took))
    new = sink.messages[before:]
    is_(sorted(to_addr(m) for m in new), sorted(heads), "one per head of delegation (not the guest)")
    cals = cal_parts(new[0])
    ok("CANCEL" in cals and "REQUEST" not in cals, "a cancellation is METHOD:CANCEL")
    ev = list(cals["CANCEL"].walk("VEVENT"))[0]
    fe = feed_event(s, plen)
    is_(str(ev["UID"]), "session-%d@kaigi" % plen, "CANCEL: the feed's UID")
    is_(int(ev["SEQUENCE"]), int(fe["SEQUENCE"]), "CANCEL: the feed's SEQUENCE (%s)" % fe["SEQUENCE"])
    is_(str(ev["STATUS"]), "CANCELLED", "STATUS:CANCELLED")
    je = check_icaljs(new[0], "CANCEL", plen, int(fe["SEQUENCE"]))
    is_(je and je["status"], "CANCELLED", "ical.js: STATUS:CANCELLED")
    return new


def check_nobody_else(s, sink, bil):
    """After the marker (the cancel): no second message of the burst, none
    to WEF, the Canadian non-heads or anyone but the bilateral's attendees
    with its UID or title."""
    wef = emails(s, "d.code = 'WEF'")
    ca_others = emails(s, "d.code = 'CA' AND p.role <> 'head'")
    ok(len(ca_others) > 0, "Canada has members besides its head")
    got = [to_addr(m) for m in sink.messages]
    ok(not (set(got) & wef), "WEF (unaffected) got nothing")
    ok(not (set(got) & ca_others), "Canada's other members got nothing (restricted: attendees only)")
    attendees = {r[0] for r in rows(s, "SELECT p.email FROM session_attendees a JOIN participants p"
                                       " ON p.id = a.participant_id WHERE a.session_id = %s", bil)}
    leaks = [to_addr(m) for m in sink.messages if to_addr(m) not in attendees and
             ("session-%d@" % bil in m.as_string() or "Japan – Canada" in m.as_string())]
    is_(leaks, [], "the bilateral is never mailed to non-attendees")


def check_retry(s, sink):
    """A public side event of WEF's retitled while the server answers 451
    once; one of its people opted out."""
    side = one(s, "SELECT s.id FROM sessions s JOIN session_delegations sd ON sd.session_id = s.id"
                  " JOIN delegations d ON d.id = sd.delegation_id WHERE d.code = 'WEF' ORDER BY"
                  " (SELECT count(*) FROM session_attendees a WHERE a.session_id = s.id) DESC, s.id LIMIT 1")
    people = {r[0]: r[1] for r in rows(
        s, "SELECT p.id, p.email FROM participants p WHERE p.id IN (SELECT participant_id FROM"
           " session_attendees WHERE session_id = %s) OR p.delegation_id IN (SELECT delegation_id"
           " FROM session_delegations WHERE session_id = %s)", side, side)}
    ok(len(people) >= 2, "the side event concerns %d people" % len(people))
    optout = min(people)
    with s.db().cursor() as cur:
        cur.execute("UPDATE participants SET notify = false WHERE id = %s", (optout,))
    want = set(people.values()) - {people[optout]}
    before = len(sink.messages)
    sink.fail = 1
    with s.db().cursor() as cur:
        cur.execute("UPDATE sessions SET title = title || ' (moved)' WHERE id = %s", (side,))
    got, took = wait_for(lambda: len(sink.messages) >= before + len(want))
    ok(got, "after a 451: every message arrived (%.1f s)" % took)
    is_(sink.refused, 1, "the server refused one DATA with 451")
    new = sorted(to_addr(m) for m in sink.messages[before:])
    is_(new, sorted(want), "one message each, none for the one who opted out")
    ok(any(str(texts(m).get("text/plain", "")).startswith("Schedule changes") and "Retitled:" in
           texts(m).get("text/plain", "") for m in sink.messages[before:]), "a retitle says Retitled")
    # The sink has the message before the sender marks its batch sent (after the 250).
    wait_for(lambda: one(s, "SELECT count(*) FROM outbox_batches WHERE sent_at IS NULL") == 0)
    is_(one(s, "SELECT max(attempts) FROM outbox_batches WHERE sent_at IS NOT NULL"), 2,
        "the refused batch was sent at its second attempt")
    is_(one(s, "SELECT count(*) FROM outbox_batches WHERE sent_at IS NULL"), 0, "nothing left unsent")


def check_crash(s, sink):
    """The worker is killed (SIGKILL) once the SMTP server holds a message
    but before its 250: the supervisor restarts it and the batch goes out
    again with the same Message-ID; nothing is lost."""
    bil = one(s, "SELECT id FROM sessions WHERE title = 'Bilateral meeting: Japan – Italy'")
    want = {r[0] for r in rows(s, "SELECT p.email FROM session_busy_people a JOIN participants p"
                                  " ON p.id = a.participant_id WHERE a.session_id = %s", bil)}
    is_(len(want), 4, "the Japan–Italy bilateral has two attendees and two interpreters")
    with s.db().cursor() as cur:	# the opt-out of check_retry ends
        cur.execute("UPDATE participants SET notify = true")
    workers = worker_pids(s.proc.pid)
    is_(len(workers), 2, "two workers")
    sink.kill_pid = workers
    before = len(sink.messages)
    move(s, bil, "2023-04-29 20:15+09", "2023-04-29 20:45+09")
    got, took = wait_for(lambda: len(sink.messages) >= before + len(want) + 1 and one(
        s, "SELECT count(*) FROM outbox_batches WHERE sent_at IS NULL") == 0)
    ok(got, "after the kill: %d messages, every batch marked sent (%.1f s)" % (len(sink.messages) - before, took))
    new = sink.messages[before:]
    ok(not set(worker_pids(s.proc.pid)) & set(workers), "the workers were restarted")
    is_(sorted(set(to_addr(m) for m in new)), sorted(want), "both attendees got the change")
    mids = [str(m["Message-ID"]) for m in new]
    dup = [x for x in set(mids) if mids.count(x) > 1]
    is_(len(set(mids)), len(want), "one Message-ID per attendee's batch")
    ok(len(dup) >= 1 and all(mids.count(x) == 2 for x in dup),
       "the message in flight at the kill was sent again, once, with the same Message-ID: %s" % dup)


def smtp_run():
    sink = Sink()
    port = free_port()
    ctl = Controller(sink, hostname="127.0.0.1", port=port)
    ctl.start()
    env = {"KAIGI_SMTP_URL": "smtp://127.0.0.1:%d" % port, "KAIGI_MAIL_FROM": "secretariat@kaigi.test",
           "KAIGI_NOTIFY_QUIET_SECONDS": "1"}
    try:
        with Server(env=env, args=["--workers", "2"]) as s:
            with s.db().cursor() as cur:
                cur.execute("UPDATE participants SET email = 'p' || id || '@example.org'")
            press = one(s, "SELECT id FROM sessions WHERE title = 'Press conference of the chair'")
            bil = one(s, "SELECT id FROM sessions WHERE title = 'Bilateral meeting: Japan – Canada'")
            plen = one(s, "SELECT id FROM sessions WHERE title = 'Internet Governance'")
            sec = s.token("secretariat", conference=SLUG)
            by, want = burst(s, sink, press, bil)
            jp_head = one(s, "SELECT p.email FROM participants p JOIN delegations d ON d.id = p.delegation_id"
                             " WHERE d.code = 'JP' AND p.role = 'head'")
            if jp_head in by:
                check_request(s, by[jp_head][0], press)
                ok(len(list(cal_parts(by[jp_head][0])["REQUEST"].walk("VEVENT"))) == 2,
                   "Japan's head: both sessions in one message")
            other = sorted(emails(s, "d.code = 'JP' AND p.role <> 'head'"))[0]
            like(str(by.get(other, [{"Subject": ""}])[0]["Subject"]), r"^G7 .*: Moved: Press conference of the chair$",
                 "Subject of a JP member's message: the conference, what, which session")
            check_restricted(s, by, bil)
            check_cancel(s, sink, sec, plen)
            check_nobody_else(s, sink, bil)
            check_retry(s, sink)
            check_crash(s, sink)
    finally:
        ctl.stop()


def auth_run():
    """smtp_url with user:password@: libcurl authenticates (AUTH) to a
    server that requires it (plain text here, smtp_tls=try; over STARTTLS
    with a certificate: 45-mail-tls.t)."""
    sink, logins = Sink(), []

    def authenticator(server, session, envelope, mechanism, data):
        logins.append((mechanism, data.login, data.password))
        return AuthResult(success=(data.login, data.password) == (b"kaigi", b"s3cret"))
    port = free_port()
    ctl = Controller(sink, hostname="127.0.0.1", port=port, auth_required=True,
                     auth_require_tls=False, authenticator=authenticator)
    ctl.start()
    env = {"KAIGI_SMTP_URL": "smtp://kaigi:s3cret@127.0.0.1:%d" % port, "KAIGI_NOTIFY_QUIET_SECONDS": "1",
           "KAIGI_SMTP_TLS": "try"}	# plain-text AUTH, chosen by name (45-mail-tls.t: the default refuses it)
    try:
        with Server(env=env) as s:
            with s.db().cursor() as cur:
                cur.execute("UPDATE participants SET email = 'p' || id || '@example.org'")
            press = one(s, "SELECT id FROM sessions WHERE title = 'Press conference of the chair'")
            move(s, press, "2023-04-30 18:30+09", "2023-04-30 19:10+09")
            n = len(emails(s, "d.code = 'JP'"))
            got, took = wait_for(lambda: len(sink.messages) >= n)
            ok(got, "AUTH: %d messages delivered (%.1f s)" % (len(sink.messages), took))
            ok(logins and all(x[1:] == (b"kaigi", b"s3cret") for x in logins),
               "kaigid authenticated with the URL's user and password (%s)" % (logins[0][0] if logins else None))
    finally:
        ctl.stop()


def maildir_run():
    # Below a directory that does not exist yet, as the default var/mail
    # is below a working directory that may hold no var/.
    d = os.path.join(tempfile.mkdtemp(prefix="kaigi-maildir-"), "var", "mail")
    with Server(env={"KAIGI_MAILDIR": d, "KAIGI_NOTIFY_QUIET_SECONDS": "1"}) as s:
        with s.db().cursor() as cur:
            cur.execute("UPDATE participants SET email = 'p' || id || '@example.org'")
        press = one(s, "SELECT id FROM sessions WHERE title = 'Press conference of the chair'")
        move(s, press, "2023-04-30 18:30+09", "2023-04-30 19:10+09")
        n = len(emails(s, "d.code = 'JP'"))
        got, took = wait_for(lambda: len(glob.glob(os.path.join(d, "new", "*"))) >= n)
        ok(got, "no smtp_url: %d files in the Maildir's new/ (%.1f s)" % (n, took))
        is_(glob.glob(os.path.join(d, "tmp", "*")), [], "nothing left in tmp/")
        files = sorted(glob.glob(os.path.join(d, "new", "*")))
        if files:
            with open(files[0], "rb") as f:
                m = email.message_from_bytes(f.read(), policy=email.policy.default)
            ok("REQUEST" in cal_parts(m), "a Maildir message holds the iMIP REQUEST")
            like(str(m["From"]), r"^kaigi@localhost$", "mail_from's default")


smtp_run()
auth_run()
maildir_run()
done_testing()
