# maillib.py — the mail tests' SMTP sink and readers: a real SMTP server
# (Debian's aiosmtpd, in the test's process) that keeps every message, and
# the calendar parts of what it got, parsed with email and icalendar.

import email
import email.policy
import threading

import icalendar
from aiosmtpd.controller import Controller


class Sink:
    """aiosmtpd handler: keeps (recipients, message)."""

    def __init__(self):
        self.mu = threading.Lock()
        self.got = []

    async def handle_DATA(self, server, session, envelope):
        m = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.mu:
            self.got.append((",".join(envelope.rcpt_tos), m))
        return "250 OK"

    def to(self, addr):
        """The messages sent to addr, in order."""
        with self.mu:
            return [m for r, m in self.got if r == addr]


def smtp_server(sink, port):
    """A started aiosmtpd Controller on 127.0.0.1:port; stop() it."""
    ctl = Controller(sink, hostname="127.0.0.1", port=port)
    ctl.start()
    return ctl


def parts(m):
    """[(METHOD, VEVENT)] of m's calendar parts."""
    out = []
    for part in m.walk():
        if part.get_content_type() == "text/calendar":
            cal = icalendar.Calendar.from_ical(part.get_content())
            out += [(str(cal["METHOD"]), ev) for ev in cal.walk("VEVENT")]
    return out


def of(msgs, uid):
    """[(METHOD, VEVENT)] of the event uid in msgs, in order."""
    return [(meth, ev) for m in msgs for meth, ev in parts(m) if str(ev["UID"]) == uid]


def last(msgs, uid):
    """The METHOD and VEVENT of the last part about uid, or (None, None)."""
    got = of(msgs, uid)
    return got[-1] if got else (None, None)


def text_of(msgs):
    """The text/plain parts of msgs, joined."""
    return "\n".join(p.get_content() for m in msgs for p in m.walk()
                     if p.get_content_type() == "text/plain")
