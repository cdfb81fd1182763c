#!/usr/bin/python3
# 60-client-watch-static.t — kaigi watch against a local Server-Sent Events
# stream shaped like GET /api/v1/conferences/{slug}/changes: events are
# printed as they arrive (the stream stays open), keep-alive comments are
# ignored, a closed stream is resumed with Last-Event-ID, --count stops
# (while the stream is still open), --json prints one JSON document per
# line, and a bad token exits 2. The server answers only the change
# stream's path (GET /api/v1/conferences/g7/changes, asking for
# text/event-stream): any other request is a 404 and a failure.
import http.server
import json
import os
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("KAIGI_BUILD")
KAIGI = os.path.abspath(os.environ.get("KAIGI") or (os.path.join(ROOT, BUILD, "kaigi") if BUILD
                                     else os.path.join(ROOT, "client", "kaigi")))
S1 = {"id": 12, "title": "Japan–Canada", "start": "2023-04-29T11:40:00+09:00",
      "end": "2023-04-29T12:10:00+09:00", "room": "Bilateral Room A", "status": "confirmed"}
S2 = dict(S1, id=13, title="Japan–Italy", start="2023-04-29T15:20:00+09:00",
          end="2023-04-29T15:50:00+09:00", status="cancelled")
PATH = "/api/v1/conferences/g7/changes"
SEEN = []   # (connection number, Last-Event-ID)
WRONG = []  # requests that were not for the change stream
RELEASE = threading.Event()         # the test lets the open stream end
CLOSED = threading.Event()          # ... and then the second one has ended


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.path != PATH or self.headers.get("Accept") != "text/event-stream":
            WRONG.append((self.command, self.path, self.headers.get("Accept")))
            body = json.dumps({"title": "Not Found", "status": 404}).encode()
            self.send_response(404)
            self.send_header("Content-Type", "application/problem+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if self.headers.get("Authorization") != "Bearer good":
            body = json.dumps({"type": "about:blank", "title": "Unauthorized",
                               "status": 401, "detail": "invalid token"}).encode()
            self.send_response(401)
            self.send_header("Content-Type", "application/problem+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        SEEN.append((len(SEEN) + 1, self.headers.get("Last-Event-ID")))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            if len(SEEN) == 1:
                self.wfile.write(b": keep-alive\n\n")
                self.wfile.write(("id: 1\nevent: updated\ndata: %s\n\n" %
                                  json.dumps({"op": "updated", "session": S1})).encode())
                self.wfile.flush()
                return          # the stream ends: the client must resume
            self.wfile.write(("id: 2\r\nevent: cancelled\r\ndata: %s\r\n\r\n" %
                              json.dumps({"op": "cancelled", "session": S2})).encode())
            self.wfile.flush()
            RELEASE.wait(60)    # stays open: the client stops by --count
            CLOSED.set()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *a):
        pass


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


def kaigi(*args):
    e = dict(os.environ, KAIGI_CONFIG="/dev/null")
    t0 = time.monotonic()
    p = subprocess.run([KAIGI] + list(args), capture_output=True, text=True, env=e, timeout=60)
    return p.returncode, p.stdout, p.stderr, time.monotonic() - t0


def main():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = "http://127.0.0.1:%d" % srv.server_address[1]
    common = ("--url", url, "--conference", "g7")

    rc, out, err, took = kaigi("watch", "--count", "2", "--token", "good", *common)
    open_at_exit = not CLOSED.is_set()
    RELEASE.set()
    lines = out.splitlines()
    ok(rc == 0 and len(lines) == 2, "watch --count 2 prints two changes and exits 0", out + err)
    ok(len(lines) > 0 and "updated" in lines[0] and "session 12 'Japan–Canada'" in lines[0]
       and "11:40–12:10" in lines[0] and "Bilateral Room A" in lines[0],
       "the first change names the session, its time and room", out)
    ok(len(lines) > 1 and "cancelled" in lines[1] and "session 13" in lines[1],
       "the second change (after a reconnect, CRLF lines) is printed", out)
    ok([s[1] for s in SEEN[:2]] == [None, "1"], "resumed with Last-Event-ID: 1", SEEN)
    ok(open_at_exit, "stopped by --count while the stream was still open", took)
    ok(err.count("connected to %s%s" % (url, PATH)) == 2,
       "said 'connected' on stderr for each of the two connections", err)

    del SEEN[:]
    RELEASE.clear()
    rc, out, err, took = kaigi("watch", "--count", "1", "--json", "--token", "good", *common)
    RELEASE.set()
    try:
        doc = json.loads(out.splitlines()[0])
    except (ValueError, IndexError):
        doc = None
    ok(rc == 0 and doc is not None and doc["session"]["id"] == 12,
       "--json prints each event's JSON on a line", out + err)

    rc, out, err, took = kaigi("watch", "--token", "bad", *common)
    ok(rc == 2 and "Unauthorized" in err and "invalid token" in err,
       "a bad token: exit 2 with the problem's title and detail", (rc, err))
    rc, out, err, took = kaigi("watch", "--url", "http://127.0.0.1:1", "--conference", "g7")
    ok(rc == 3 and "Connection refused" in err, "nothing listening: exit 3", (rc, err))
    ok(WRONG == [], "every request asked for %s as text/event-stream" % PATH, WRONG)
    srv.shutdown()
    print("1..%d" % n)
    return 1 if failed else 0


sys.exit(main())
