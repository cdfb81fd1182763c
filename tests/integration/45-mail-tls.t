#!/usr/bin/python3
# 45-mail-tls.t — change mail never sends an SMTP password in the clear
# (smtp_tls, server/smtp-tls.c), against real SMTP servers (Debian's
# aiosmtpd, in this process) and a certificate made here with openssl.
#
#  - smtp_url with user:password@ and the default smtp_tls (auto): the
#    server offers STARTTLS with a certificate of our own CA
#    (smtp_ca_file); kaigid upgrades, authenticates and delivers;
#  - the same URL to a server that does not offer STARTTLS (as a relay
#    misconfigured, or someone in the path stripping it, would): kaigid
#    sends nothing, the server never sees a login, and the batch records
#    why (before smtp_tls, libcurl went on in plain text, AUTH included);
#  - the same with smtp_tls=try, chosen by name: plain text, AUTH included
#    (a relay on a trusted network), delivered;
#  - a certificate the CA file does not vouch for: nothing sent;
#  - smtp_tls=bogus: kaigid refuses to start and names the choices.
import email
import email.policy
import logging
import os
import ssl
import subprocess
import sys
import tempfile
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import one, rows  # noqa: E402

warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
warnings.filterwarnings("ignore", message="Session.login_data is deprecated")
logging.getLogger("mail.log").setLevel(logging.CRITICAL)	# the refused handshakes


class Sink:
    """aiosmtpd handler and authenticator: the messages and the logins."""

    def __init__(self):
        self.messages, self.logins = [], []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def auth(self, server, session, envelope, mechanism, data):
        self.logins.append((mechanism, data.login, data.password))
        return AuthResult(success=(data.login, data.password) == (b"kaigi", b"s3cret"))


def certificate(d, name):
    """A self-signed certificate for 127.0.0.1 in d: (cert, key) paths."""
    cert, key = os.path.join(d, name + ".pem"), os.path.join(d, name + ".key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-keyout", key, "-out", cert, "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


def sink_server(cert=None):
    """A started aiosmtpd requiring AUTH; with cert, offering STARTTLS."""
    sink = Sink()
    kw = {"auth_required": True, "authenticator": sink.auth}
    if cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(*cert)
        kw.update(tls_context=ctx, auth_require_tls=True)
    else:
        kw.update(auth_require_tls=False)
    ctl = Controller(sink, hostname="127.0.0.1", port=free_port(), **kw)
    ctl.start()
    return sink, ctl


def mail_once(env, sink):
    """Start kaigid with env, change the press conference (mail for Japan's
    delegation): (messages delivered, the batches' last errors)."""
    env = dict(env, KAIGI_NOTIFY_QUIET_SECONDS="1")
    with Server(env=env) as s:
        with s.db().cursor() as cur:
            cur.execute("UPDATE participants SET email = 'p' || id || '@example.org'")
            cur.execute("UPDATE sessions SET starts_at = '2023-04-30 18:30+09', ends_at = '2023-04-30 19:10+09'"
                        " WHERE title = 'Press conference of the chair'")
        n = one(s, "SELECT count(*) FROM participants p JOIN delegations d ON d.id = p.delegation_id"
                   " WHERE d.code = 'JP'")
        wait_for(lambda: len(sink.messages) >= n or
                 one(s, "SELECT count(*) FROM outbox_batches WHERE attempts > 0 AND sent_at IS NULL") >= n)
        errors = [r[0] for r in rows(s, "SELECT DISTINCT last_error FROM outbox_batches"
                                        " WHERE last_error IS NOT NULL")]
        return len(sink.messages), n, errors


def main():
    d = tempfile.mkdtemp(prefix="kaigi-tls-")
    ours, other = certificate(d, "ours"), certificate(d, "other")
    url = "smtp://kaigi:s3cret@127.0.0.1:%d"

    sink, ctl = sink_server(ours)
    try:
        got, n, errors = mail_once({"KAIGI_SMTP_URL": url % ctl.port, "KAIGI_SMTP_CA_FILE": ours[0]}, sink)
        is_(got, n, "STARTTLS offered, our CA: all %d messages delivered" % n)
        ok(sink.logins and all(x[1:] == (b"kaigi", b"s3cret") for x in sink.logins),
           "… after AUTH, over TLS (the server requires TLS for AUTH)")
    finally:
        ctl.stop()

    sink, ctl = sink_server(None)
    try:
        got, n, errors = mail_once({"KAIGI_SMTP_URL": url % ctl.port}, sink)
        is_((got, sink.logins), (0, []), "no STARTTLS, a password in smtp_url: nothing sent, no login seen")
        ok(errors and all("SSL" in e or "TLS" in e for e in errors),
           "… and the batches say why: %r" % errors[:1])
        got, n, errors = mail_once({"KAIGI_SMTP_URL": url % ctl.port, "KAIGI_SMTP_TLS": "try"}, sink)
        is_(got, n, "smtp_tls=try, chosen by name: plain text, all %d delivered" % n)
        ok(sink.logins, "… with AUTH in plain text")
    finally:
        ctl.stop()

    sink, ctl = sink_server(other)
    try:
        got, n, errors = mail_once({"KAIGI_SMTP_URL": url % ctl.port, "KAIGI_SMTP_CA_FILE": ours[0]}, sink)
        is_((got, sink.logins), (0, []), "a certificate our CA file does not vouch for: nothing sent, no login")
    finally:
        ctl.stop()

    p = subprocess.run([os.environ.get("KAIGID") or os.path.join(TOP, "build/release/kaigid"),
                        "--set", "smtp_tls=bogus"], capture_output=True, text=True)
    is_(p.returncode, 2, "smtp_tls=bogus: kaigid refuses to start")
    like(p.stderr, r"smtp_tls must be auto, required, try or off, not 'bogus'", "… naming the choices")


main()
done_testing()
