#!/usr/bin/python3
# 49-mail-claims.t — the mail sender takes batches by the claim
# (sql/270_outbox_claims.sql, server/outbox.c), against a real SMTP server
# (Debian's aiosmtpd, in this process):
#
#  - mail_senders=2 gives one worker two sender threads, each with its own
#    database connection (application_name kaigid-mail);
#  - a change that concerns every head of delegation leaves one batch each;
#    the server answers 451 to the second message of them: every other
#    batch of the claim is marked sent by ONE statement (kaigi_outbox_done:
#    all share its sent_at, after the 250s), the refused one is retried
#    after its backoff and then sent (two attempts), nobody gets two
#    messages and nothing is lost;
#  - the worker killed while the server holds the third message of a claim,
#    before its 250: the claim's transaction dies with it, so after the
#    restart every batch is sent (nothing lost), each message at most twice
#    and a repeat always with the same Message-ID (at least once);
#  - under ASan, no report in kaigid's log once it stopped (the senders'
#    threads free their libcurl handles as they end).
#
# Nothing is timed beyond PATIENCE.
import email
import email.policy
import email.utils
import os
import signal
import sys
import threading

from aiosmtpd.controller import Controller

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403


class DB:
    """One connection for every query of the test (feedlib's one() opens
    a connection per call: too many for a polling loop)."""

    def __init__(self, s):
        self.conn = s.db()

    def rows(self, sql, *args):
        with self.conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall() if cur.description else []

    def one(self, sql, *args):
        r = self.rows(sql, *args)
        return r[0][0] if r else None


class Sink:
    """aiosmtpd handler: keeps (recipient, Message-ID) of each accepted
    message; answers 451 to the `refuse_nth`-th DATA of a round, and kills
    `kill_pids` at its `kill_nth`-th DATA (before answering)."""

    def __init__(self):
        self.mu = threading.Lock()
        self.got = []
        self.round(0, 0)

    def round(self, refuse_nth, kill_nth, kill_pids=()):
        with self.mu:
            self.seen, self.refuse_nth, self.kill_nth, self.kill_pids = 0, refuse_nth, kill_nth, kill_pids
            self.refused = []

    async def handle_DATA(self, server, session, envelope):
        m = email.message_from_bytes(envelope.content, policy=email.policy.default)
        rcpt = email.utils.parseaddr(str(m["To"]))[1]
        with self.mu:
            self.seen += 1
            if self.seen == self.refuse_nth:
                self.refused.append(rcpt)
                return "451 4.3.0 try again later"
            self.got.append((rcpt, str(m["Message-ID"])))
            if self.seen == self.kill_nth:
                for pid in self.kill_pids:
                    os.kill(pid, signal.SIGKILL)
        return "250 OK"

    def count(self):
        with self.mu:
            return len(self.got)


def retitle(db, sid, suffix):
    db.rows("UPDATE sessions SET title = title || %s WHERE id = %s", suffix, sid)


def last_row(db):
    return db.one("SELECT coalesce(max(id), 0) FROM outbox")


def concerned(db, sid, mark):
    """The e-mails a change of the session was queued for (outbox rows
    after mark), one each."""
    return sorted(r[0] for r in db.rows("SELECT p.email FROM outbox o JOIN participants p ON"
                                        " p.id = o.participant_id WHERE o.session_id = %s AND"
                                        " o.id > %s", sid, mark))


def unsent(db):
    return db.one("SELECT (SELECT count(*) FROM outbox_batches WHERE sent_at IS NULL) +"
                  " (SELECT count(*) FROM outbox WHERE batch_id IS NULL)")


def refused_middle(db, sink, sid):
    before = sink.count()
    sink.round(refuse_nth=2, kill_nth=0)
    mark = last_row(db)
    retitle(db, sid, ' (amended)')
    want = concerned(db, sid, mark)
    ok(3 <= len(want) <= 32, "the change concerns %d heads (one claim holds them all)" % len(want))
    got, took = wait_for(lambda: sink.count() >= before + len(want) and unsent(db) == 0, interval=0.2)
    ok(got, "every message arrived and every batch is marked (%.1f s)" % took)
    new = sink.got[before:]
    is_(sorted(r for r, _ in new), want, "one message each, none twice, none lost")
    is_(len(sink.refused), 1, "the server refused one message (the claim's second)")
    refused = sink.refused[0] if sink.refused else None
    b = {r[0]: r[1:] for r in db.rows(
        "SELECT p.email, b.attempts, b.sent_at, b.last_error FROM outbox_batches b JOIN"
           " participants p ON p.id = b.participant_id JOIN outbox o ON o.batch_id = b.id"
           " WHERE o.session_id = %s AND o.id > %s", sid, mark)}
    is_(sorted(b), want, "a batch per head")
    others = [v for k, v in b.items() if k != refused]
    is_(b.get(refused, [None])[0], 2, "the refused batch was sent at its second attempt")
    is_(sorted({v[0] for v in others}), [1], "the others at their first")
    is_(len({v[1] for v in others}), 1,
        "the others (before and after the refused one) were marked by one statement: one sent_at")
    ok(refused in b and others and b[refused][1] > others[0][1],
       "the refused one was marked later, after its backoff")
    ok(all(v[2] is None for v in b.values()), "no error left on a sent batch")


def crash_mid_claim(s, db, sink, sid):
    """SIGKILL while the server holds the claim's third message."""
    workers = worker_pids(s.proc.pid)
    is_(len(workers), 1, "one worker")
    before = sink.count()
    sink.round(refuse_nth=0, kill_nth=3, kill_pids=workers)
    mark = last_row(db)
    retitle(db, sid, ' (final)')
    want = concerned(db, sid, mark)
    ok(len(want) >= 3, "the change concerns %d heads" % len(want))
    got, took = wait_for(lambda: unsent(db) == 0 and not set(worker_pids(s.proc.pid)) & set(workers)
                         and sink.count() >= before + len(want) + 1, interval=0.2)
    ok(got, "after the kill every batch is marked sent (%.1f s)" % took)
    new = sink.got[before:]
    by = {}
    for rcpt, mid in new:
        by.setdefault(rcpt, []).append(mid)
    is_(sorted(by), want, "nothing lost: every head got the change")
    ok(all(len(v) <= 2 for v in by.values()), "no message more than twice")
    ok(all(len(set(v)) == 1 for v in by.values()), "a message sent again has the same Message-ID")
    again = sorted(k for k, v in by.items() if len(v) == 2)
    ok(len(again) >= 1, "the message in flight at the kill was sent again")
    note("sent again after the kill (delivered in the dead claim): %d of %d" % (len(again), len(want)))
    is_(len({mid for v in by.values() for mid in v}), len(want), "one Message-ID per head's batch")


def main():
    sink = Sink()
    port = free_port()
    ctl = Controller(sink, hostname="127.0.0.1", port=port)
    ctl.start()
    env = {"KAIGI_SMTP_URL": "smtp://127.0.0.1:%d" % port, "KAIGI_MAIL_FROM": "secretariat@kaigi.test",
           "KAIGI_NOTIFY_QUIET_SECONDS": "1", "KAIGI_MAIL_SENDERS": "2"}
    try:
        with Server(env=env) as s:
            db = DB(s)
            got, _ = wait_for(lambda: db.one("SELECT count(*) FROM pg_stat_activity WHERE"
                                             " application_name = 'kaigid-mail' AND"
                                             " datname = current_database()") == 2,
                              timeout=10, interval=0.2)
            ok(got, "mail_senders=2: two sender connections in the worker")
            db.rows("UPDATE participants SET email = 'p' || id || '@example.org'")
            sid = db.one("SELECT id FROM sessions WHERE title = 'Internet Governance'")
            refused_middle(db, sink, sid)
            crash_mid_claim(s, db, sink, sid)
            db.conn.close()
            s.stop()	# not 0: a worker was killed; the senders stop, their handles freed
            log = open(s.log_path, "rb").read().decode("utf-8", "replace")
            ok("Sanitizer" not in log and "runtime error" not in log and "fatal" not in log,
               "kaigid's log has no sanitizer report (leaks at the workers' exit) or fatal error")
    finally:
        ctl.stop()


main()
done_testing()
