#!/usr/bin/python3
# 60-client-https.t — kaigi over https: a local TLS server with a test CA.
# The certificate is verified (unknown CA → exit 3 naming the failure), the
# host name is checked (a certificate for another name fails), the CA is
# trusted through SSL_CERT_FILE as OpenSSL's default paths allow, and
# webcals:// means https://. Needs no kaigid.
import http.server
import os
import ssl
import subprocess
import sys
import tempfile
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("KAIGI_BUILD")
KAIGI = os.path.abspath(os.environ.get("KAIGI") or (os.path.join(ROOT, BUILD, "kaigi") if BUILD
                                     else os.path.join(ROOT, "client", "kaigi")))
FEED = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//kaigi//test//EN\r\n"
        "BEGIN:VEVENT\r\nUID:tls-1@t\r\nDTSTAMP:20230401T000000Z\r\n"
        "DTSTART:20230429T010000Z\r\nDTEND:20230429T020000Z\r\n"
        "SUMMARY:Opening over TLS\r\nSTATUS:CONFIRMED\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n").encode()
n = 0
failed = 0


def ok(cond, name, diag=None):
    global n, failed
    n += 1
    print(("ok %d - %s" if cond else "not ok %d - %s") % (n, name))
    if not cond:
        failed += 1
        for line in str(diag).splitlines():
            print("# " + line)


def openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_certs(d):
    """A CA, a certificate for localhost/127.0.0.1 and one for another name."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
            "-out", "ca.pem", "-days", "2", "-subj", "/CN=kaigi test CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign", cwd=d)
    for name, san in (("good", "DNS:localhost,IP:127.0.0.1"), ("other", "DNS:other.example")):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key",
                "-out", name + ".csr", "-subj", "/CN=" + name, cwd=d)
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write("subjectAltName=%s\n" % san)
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", name + ".pem", "-days", "2",
                "-extfile", name + ".ext", cwd=d)


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar")
        self.send_header("Content-Length", str(len(FEED)))
        self.end_headers()
        self.wfile.write(FEED)

    def log_message(self, *a):
        pass


def serve(d, name):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(d, name + ".pem"), os.path.join(d, name + ".key"))
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def kaigi(args, ca=None):
    e = dict(os.environ, KAIGI_CONFIG="/dev/null", TZ="UTC")
    e.pop("SSL_CERT_FILE", None)
    if ca:
        e["SSL_CERT_FILE"] = ca
    p = subprocess.run([KAIGI] + args, capture_output=True, text=True, env=e, timeout=60)
    return p.returncode, p.stdout, p.stderr


def main():
    d = tempfile.mkdtemp(prefix="kaigi-tls-")
    make_certs(d)
    ca = os.path.join(d, "ca.pem")
    good = serve(d, "good")
    other = serve(d, "other")
    gp, op = good.server_address[1], other.server_address[1]

    rc, out, err = kaigi(["agenda", "--feed", "https://127.0.0.1:%d/f.ics" % gp], ca=ca)
    ok(rc == 0 and "Opening over TLS" in out, "https with the CA trusted (IP address)", err)
    rc, out, err = kaigi(["agenda", "--feed", "https://localhost:%d/f.ics" % gp], ca=ca)
    ok(rc == 0 and "Opening over TLS" in out, "https with the CA trusted (host name)", err)
    rc, out, err = kaigi(["agenda", "--feed", "webcals://localhost:%d/f.ics" % gp], ca=ca)
    ok(rc == 0 and "Opening over TLS" in out, "webcals:// is https://", err)
    rc, out, err = kaigi(["agenda", "--feed", "https://127.0.0.1:%d/f.ics" % gp])
    ok(rc == 3 and "certificate verification failed" in err and str(gp) in err,
       "unknown CA: exit 3, says why, names the URL", (rc, err))
    rc, out, err = kaigi(["agenda", "--feed", "https://localhost:%d/f.ics" % op], ca=ca)
    ok(rc == 3 and "certificate verification failed" in err,
       "certificate for another host name is refused", (rc, err))
    rc, out, err = kaigi(["agenda", "--feed", "webcal://localhost:%d/f.ics" % gp], ca=ca)
    ok(rc == 3, "webcal:// on loopback is plain http (a TLS server does not answer it)",
       (rc, err))
    good.shutdown()
    other.shutdown()
    print("1..%d" % n)
    return 1 if failed else 0


sys.exit(main())
