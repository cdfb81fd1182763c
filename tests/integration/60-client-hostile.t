#!/usr/bin/python3
# 60-client-hostile.t — kaigi against a server and a feed that misbehave.
# A local HTTP server answers kaigid's routes the way a compromised or
# buggy server could:
#
# - text full of control characters (ESC sequences that retitle the
#   terminal, clear it or write the clipboard, C1 CSI, DEL, BEL, line
#   breaks) and bytes that are not UTF-8, in every field kaigi prints: the
#   human output of every command must hold none of them (the text around
#   them stays), and --json must escape them while keeping the data;
# - list answers whose "next" cursor repeats, or never ends: kaigi must stop
#   with a clear error (exit 3) instead of asking forever.
#
# And a check on the sources: every print of the client goes through the
# printers of client/text.c (out_line, table_print, warnx_kaigi), so a new
# printf of server text cannot slip by.
import http.server
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("KAIGI_BUILD")
KAIGI = os.path.abspath(os.environ.get("KAIGI") or (os.path.join(ROOT, BUILD, "kaigi") if BUILD
                                     else os.path.join(ROOT, "client", "kaigi")))

ESC = "\x1b"
# Each hostile string carries a visible word that must survive the cleaning.
T = {
    "title": ESC + "]0;pwned" + "\x07" + "Opening" + ESC + "[2J",
    "room": ESC + "[31mHall" + ESC + "[0m" + "\x7f",
    "desc": "line1\nline2" + ESC + "]52;c;ZXZpbA==" + "\x07" + "Clip",
    "c1": "\u009b31mCsi" + "\u0085Next",
    "slug": "evil",
    "kind": "plen" + ESC + "Mary",
    "status": "confirmed" + "\r" + "Fake",
}
SESSION = {"id": 1, "title": T["title"], "kind": T["kind"], "status": T["status"],
           "visibility": "public", "start": "2023-04-29T10:00:00+09:00",
           "end": "2023-04-29T11:00:00+09:00", "room": T["room"], "room_id": 7,
           "venue": T["c1"], "description": T["desc"], "sequence": 0, "version": 3,
           "delegations": [{"code": ESC + "[1mJP"}], "attendees": [{"name": T["c1"], "delegation": "JP"}]}
ODD = dict(SESSION, id=2, start=ESC + "[2J2023-04-29", end="\u009b" + "X")
CONFLICT = {"type": "about:blank", "title": ESC + "[5mConflict", "status": 409,
            "detail": "clash" + ESC + "]0;x" + "\x07",
            "errors": [{"field": ESC + "start", "message": "bad" + "\u009b" + "2J"}],
            "conflicts": [{"resource": "room", "room": T["room"], "session_id": 5,
                           "title": T["c1"], "start": "2023-04-29T10:00:00+09:00",
                           "end": "2023-04-29T10:30:00+09:00"}]}
FEED = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
        "BEGIN:VEVENT\r\nUID:e1@t\r\nDTSTAMP:20230401T000000Z\r\n"
        "DTSTART:20230429T010000Z\r\nDTEND:20230429T020000Z\r\n"
        "SUMMARY:" + ESC + "]0;pwned" + "\x07" + "Feedtitle" + ESC + "[2J\r\n"
        "LOCATION:Salon" + ESC + "[31m\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n").encode() .replace(b"Salon", b"Sal\x9bon")
COUNT = {"loop": 0, "endless": 0}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, status, doc, ctype="application/json"):
        body = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query)
        p = u.path
        if p == "/api/v1/conferences":
            return self.answer(200, {"items": [{"slug": "evil", "title": T["title"],
                                                "timezone": "Asia/Tokyo", "start_date": T["c1"],
                                                "end_date": "2023-04-30"}], "next": None})
        if p.startswith("/api/v1/conferences/") and p.count("/") == 4:
            return self.answer(200, {"slug": p.split("/")[4], "title": "x", "timezone": "Asia/Tokyo"})
        if p == "/api/v1/conferences/evil/sessions":
            return self.answer(200, {"items": [SESSION, ODD], "next": None})
        if p == "/api/v1/conferences/evil/rooms":
            return self.answer(200, {"items": [{"id": 7, "name": T["room"]},
                                               {"id": 8, "name": T["c1"]}], "next": None})
        if p == "/api/v1/conferences/evil/bilaterals":
            return self.answer(200, {"items": [{"id": 1, "requester": {"code": T["kind"]},
                                                "counterpart": "CA", "status": T["status"],
                                                "start": T["title"]}], "next": None})
        if p == "/api/v1/conferences/evil/conflicts":
            return self.answer(200, {"items": [{"rule": T["kind"], "session_id": 1,
                                                "detail": T["desc"]}]})
        if p == "/api/v1/sessions/1":
            return self.answer(200, SESSION)
        if p == "/api/v1/conferences/loop/sessions":
            COUNT["loop"] += 1
            return self.answer(200, {"items": [SESSION], "next": "same-cursor"})
        if p == "/api/v1/conferences/endless/sessions":
            COUNT["endless"] += 1
            return self.answer(200, {"items": [], "next": "c%d" % COUNT["endless"]})
        if p == "/api/v1/conferences/evil/changes":
            return self.stream()
        if p == "/feeds/evil.ics":
            return self.answer(200, FEED, "text/calendar")
        self.answer(404, {"title": "Not Found", "status": 404})

    def stream(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        ev = {"op": "updated" + ESC + "[2J", "session": SESSION}
        self.wfile.write(("retry: 2000\n\nid: 1\ndata: %s\n\n" % json.dumps(ev)).encode())
        self.wfile.write(b"id: 2\nevent: x\x1b[2J\ndata: not json \x1b]0;t\x07 here\n\n")
        self.wfile.flush()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.answer(409, CONFLICT, "application/problem+json")

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
    sys.stdout.flush()
    return cond


def kaigi(*args, timeout=60):
    e = dict(os.environ, KAIGI_CONFIG="/dev/null", TZ="UTC", KAIGI_TOKEN="t")
    try:
        p = subprocess.run([KAIGI] + list(args), capture_output=True, env=e, timeout=timeout)
    except subprocess.TimeoutExpired as x:
        return None, x.stdout or b"", x.stderr or b""
    return p.returncode, p.stdout, p.stderr


CONTROL = re.compile(rb"[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]")


def terminal_safe(data):
    """None when data holds no control character and is UTF-8; else why not."""
    m = CONTROL.search(data)
    if m:
        return "control byte %r at %d: %r" % (m.group(0), m.start(), data[max(0, m.start() - 30):m.start() + 30])
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as x:
        return "not UTF-8: %s" % x
    return None


def check_human(name, args, visible, rc_want=0):
    rc, out, err = kaigi(*args)
    why = terminal_safe(out) or terminal_safe(err)
    ok(rc == rc_want and why is None, "%s: no control character reaches the terminal" % name,
       (rc, why, out[-600:], err[-600:]))
    text = (out + err).decode("utf-8", "replace")
    missing = [v for v in visible if v not in text]
    ok(not missing, "%s: the visible text is still there" % name, (missing, text[-800:]))


def check_json(name, args, path, want):
    rc, out, err = kaigi(*(list(args) + ["--json"]))
    why = terminal_safe(out) or terminal_safe(err)
    try:
        doc = json.loads(out.decode("utf-8"))
        for k in path:
            doc = doc[k]
    except (ValueError, KeyError, IndexError, TypeError) as x:
        doc = "unreadable: %s" % x
    ok(why is None and doc == want, "%s --json: escaped on the terminal, the data intact" % name,
       (rc, why, doc, out[-400:]))


def check_pages(url):
    rc, out, err = kaigi("--url", url, "--conference", "loop", "sessions")
    ok(rc == 3 and b"same-cursor" in err and b"twice" in err,
       "a cursor sent twice: exit 3, the cursor named (not an endless loop)",
       (rc, err[-300:], COUNT["loop"]))
    ok(COUNT["loop"] == 2, "... after asking twice (%d requests)" % COUNT["loop"])
    rc, out, err = kaigi("--url", url, "--conference", "endless", "sessions")
    ok(rc == 3 and b"1000 pages" in err, "a list that never ends: exit 3 after 1000 pages",
       (rc, err[-300:], COUNT["endless"]))
    ok(COUNT["endless"] == 1000, "... having asked for exactly 1000 pages (%d)" % COUNT["endless"])


def check_sources():
    """Only client/text.c, table.c and xmalloc.c write to a stream (cmd.c
    and main.c print the command table's own help and the version)."""
    allowed = {"text.c", "table.c", "xmalloc.c", "cmd.c", "main.c"}
    call = re.compile(r"\b(printf|fprintf|vprintf|vfprintf|puts|fputs|fputc|putc|putchar|fwrite|"
                      r"json_dumpf|json_dump_file)\s*\(")
    bad = []
    for name in sorted(os.listdir(os.path.join(ROOT, "client"))):
        if not name.endswith(".c") or name in allowed:
            continue
        with open(os.path.join(ROOT, "client", name)) as f:
            for i, line in enumerate(f, 1):
                if call.search(line) and "fputs(text, f)" not in line:
                    bad.append("%s:%d: %s" % (name, i, line.strip()))
    ok(not bad, "client sources print only through text.c's printers", "\n".join(bad))


def main():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = "http://127.0.0.1:%d" % srv.server_address[1]
    g = ("--url", url, "--conference", "evil")
    check_human("conferences", ("--url", url, "conferences"), ["]0;pwnedOpening", "Csi"])
    check_human("sessions", g + ("sessions",), ["Opening", "Hall", "plenMary",
                                                "confirmed Fake", "[2J2023-04-29"])
    check_human("session show", g + ("session", "show", "1"),
                ["Opening", "line1 line2]52;c;ZXZpbA==Clip", "CsiNext", "[1mJP"])
    check_human("session create (409)", g + ("session", "create", "--kind", "other", "--title", "t",
                                             "--start", "2023-04-29T10:00", "--duration", "30"),
                ["[5mConflict (HTTP 409): clash]0;x", "start: bad2J",
                 "room '[31mHall[0m' with session 5 '31mCsiNext'"], rc_want=4)
    check_human("unknown room", g + ("sessions", "--room", "Nowhere" + ESC + "[2J"),
                ["no room named 'Nowhere[2J'", "Hall", "CsiNext"], rc_want=1)
    check_human("bilateral list", g + ("bilateral", "list"), ["plenMary", "confirmed Fake"])
    check_human("conflicts", g + ("conflicts",), ["plenMary: session 1: line1 line2"], rc_want=4)
    check_human("watch", g + ("watch", "--count", "2"), ["updated[2J", "Opening", "not json ]0;t here"])
    check_human("agenda", ("agenda", "--feed", url + "/feeds/evil.ics", "--tz", "Asia/Tokyo"),
                ["]0;pwnedFeedtitle[2J", "Sal\ufffdon[31m"])
    d = tempfile.mkdtemp(prefix="kaigi-hostile-")
    check_human("sync", ("sync", "--feed", url + "/feeds/evil.ics", "--dir", d, "--tz", "Asia/Tokyo"),
                ["added", "]0;pwnedFeedtitle[2J"])
    check_json("session show", g + ("session", "show", "1"), ["title"], T["title"])
    check_json("sessions", g + ("sessions",), ["items", 0, "venue"], T["c1"])
    check_json("session create (409)", g + ("session", "create", "--kind", "other", "--title", "t",
                                            "--start", "2023-04-29T10:00", "--duration", "30"),
               ["conflicts", 0, "room"], T["room"])
    rc, out, err = kaigi(*(g + ("watch", "--count", "1", "--json")))
    lines = out.splitlines()
    try:
        ev = json.loads(lines[0].decode("utf-8"))
    except (ValueError, IndexError):
        ev = None
    ok(rc == 0 and terminal_safe(out) is None and ev is not None and ev["session"]["title"] == T["title"],
       "watch --json: each event escaped on one line, the data intact", (rc, out[-300:], err[-300:]))
    check_pages(url)
    check_sources()
    srv.shutdown()
    print("1..%d" % n)
    return 1 if failed else 0


sys.exit(main())
