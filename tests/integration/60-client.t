#!/usr/bin/python3
# 60-client.t — the real kaigi binary against a real kaigid on the demo
# database: every secretariat command's happy path and error paths (bad
# token, 404, 409 with its conflicts shown, 422, usage), --json parsed back;
# and, on the delegation feed, the sync scenario (a session moved and
# another cancelled between two syncs → exactly those two changes; a third
# sync gets 304 and reports nothing) and the agenda in Berlin time.
# Every part runs: a route or command of the contract that fails (a 404
# included) is a failure, never a skip. session move is also run through a
# recording proxy, to see the If-Match it sends and what happens when the
# session changes between kaigi's read and its write.
import http.client
import http.server
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import kaigitest  # noqa: E402
from kaigitest import *  # noqa: E402,F403

SLUG = "g7-digital-2023"
KAIGI = os.path.abspath(os.environ.get("KAIGI") or os.path.join(TOP, "client", "kaigi"))


def ok(cond, name="", detail=None):
    """kaigitest's ok, with a diagnostic shown on failure."""
    if kaigitest.ok(cond, name):
        return True
    if detail is not None:
        diag(detail)
    return False


class Proxy:
    """A pass-through HTTP proxy in front of kaigid: records every exchange
    (method, path, request headers, status, answer body) in .log, and calls
    hook(method, path) before it forwards a request."""

    def __init__(self, server, hook=None):
        self.log = []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def forward(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if hook:
                    hook(self.command, self.path)
                hdrs = {k: v for k, v in self.headers.items()
                        if k.lower() not in ("host", "connection")}
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
                conn.request(self.command, self.path, body=body or None, headers=hdrs)
                r = conn.getresponse()
                data = r.read()
                conn.close()
                proxy.log.append((self.command, self.path, dict(self.headers.items()),
                                  r.status, data))
                self.send_response(r.status)
                for k, v in r.getheaders():
                    if k.lower() not in ("connection", "transfer-encoding", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_DELETE = forward

            def log_message(self, *a):
                pass

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.srv.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.srv.server_address[1]

    def __enter__(self):
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.srv.shutdown()
        self.srv.server_close()


class Kaigi:
    """Runs the kaigi binary with a URL and a token in its environment."""

    def __init__(self, server, token):
        self.s = server
        self.token = token

    def __call__(self, *args, token=None, tz="UTC", url=None, env=None):
        e = dict(os.environ, KAIGI_CONFIG="/dev/null", TZ=tz,
                 KAIGI_URL=url or self.s.url, KAIGI_TOKEN=token or self.token)
        e.pop("KAIGI_CONFERENCE", None)
        for key, value in (env or {}).items():
            if value is None:
                e.pop(key, None)
            else:
                e[key] = value
        env = e
        p = subprocess.run([KAIGI] + [str(a) for a in args], capture_output=True,
                           text=True, env=env, timeout=60)
        return p.returncode, p.stdout, p.stderr

    def json(self, *args, **kw):
        rc, out, err = self(*(args + ("--json",)), **kw)
        try:
            return rc, json.loads(out), err
        except ValueError:
            return rc, None, err + out


def find(items, **kw):
    for it in items:
        if all(it.get(k) == v for k, v in kw.items()):
            return it
    return None


def test_basics(k):
    rc, out, err = k("conferences")
    ok(rc == 0 and SLUG in out and "Asia/Tokyo" in out, "conferences: table with slug and zone")
    rc, doc, err = k.json("conferences")
    ok(rc == 0 and any(c["slug"] == SLUG for c in doc["items"]), "conferences --json parses")
    rc, out, err = k("--version")
    ok(rc == 0 and out.startswith("kaigi "), "--version")
    rc, out, err = k("--help")
    ok(rc == 0 and "Exit status" in out and "session move" in out, "--help lists commands and exit codes")
    rc, out, err = k("session", "show", "abc")
    is_(rc, 1, "a non-numeric id is a usage error (exit 1)")
    rc, out, err = k("sessions", "--bogus")
    ok(rc == 1 and "usage: kaigi sessions" in err, "an unknown option shows the usage")
    rc, out, err = k("conferences", url="http://127.0.0.1:1")
    ok(rc == 3 and "http://127.0.0.1:1" in err and "refused" in err,
       "connection refused: exit 3, message names the URL")


def test_config(k, s):
    d = tempfile.mkdtemp(prefix="kaigi-60-config-")
    good = os.path.join(d, "good")
    with open(good, "w") as f:
        f.write("; kaigi client\n[kaigi]\nurl = %s\ntoken = %s\nconference = %s\n"
                % (s.url, k.token, SLUG))
    rc, out, err = k("conflicts", env={"KAIGI_CONFIG": good, "KAIGI_URL": None,
                                       "KAIGI_TOKEN": None})
    ok(rc == 0, "url, token and conference from the configuration file", err)
    rc, out, err = k("conflicts", env={"KAIGI_CONFIG": good, "KAIGI_URL": None,
                                       "KAIGI_TOKEN": "wrong"})
    ok(rc == 2 and "401" in err, "the environment wins over the file", (rc, err))
    rc, out, err = k("conflicts", "--token", k.token, env={"KAIGI_TOKEN": "wrong"})
    ok(rc == 0, "--token wins over the environment", err)
    bad = os.path.join(d, "bad")
    with open(bad, "w") as f:
        f.write("this is not ini\n")
    rc, out, err = k("conferences", env={"KAIGI_CONFIG": bad})
    ok(rc == 1 and "syntax error" in err, "a broken configuration file: exit 1", (rc, err))
    rc, out, err = k("sessions", env={"KAIGI_URL": None})
    ok(rc == 1 and "no server URL" in err, "no URL anywhere: exit 1 with a hint", (rc, err))
    rc, out, err = k("sessions", "--conference", "no-such-conference")
    ok(rc == 2 and "404" in err, "an unknown --conference: exit 2 (404)", (rc, err))


def test_sessions(k, s):
    rc, doc, err = k.json("sessions")
    ok(rc == 0 and len(doc["items"]) >= 11, "sessions --json (the only conference by default)")
    rc, doc, err = k.json("sessions", "--day", "2023-04-29")
    days = {i["start"][:10] for i in doc["items"]} if doc else set()
    ok(rc == 0 and days == {"2023-04-29"}, "sessions --day keeps one day (conference zone)", )
    rc, doc, err = k.json("sessions", "--kind", "bilateral")
    ok(rc == 0 and doc["items"] and all(i["kind"] == "bilateral" for i in doc["items"]),
       "sessions --kind bilateral")
    rc, doc, err = k.json("sessions", "--room", "bilateral room a")
    ok(rc == 0 and doc["items"] and all(i["room"] == "Bilateral Room A" for i in doc["items"]),
       "sessions --room by name (any case)")
    rc, out, err = k("sessions", "--day", "2023-04-29")
    ok(rc == 0 and "10:00–11:30" in out and "Sat 2023-04-29" in out and "ID" in out.split("\n")[0],
       "sessions table: times in the conference's zone")
    rc, doc, err = k.json("sessions", "--from", "2023-04-30T12:00", "--to", "2023-04-30T15:00")
    starts = sorted(i["start"] for i in doc["items"]) if doc else []
    ok(rc == 0 and starts and starts[0] >= "2023-04-30T11" and starts[-1] < "2023-04-30T15:00",
       "sessions --from/--to (conference time)", starts)
    rc, out, err = k("sessions", "--room", "Nowhere")
    ok(rc == 1 and "no room named 'Nowhere'" in err, "unknown room: exit 1, rooms listed")
    rc, out, err = k("sessions", "--day", "29/04/2023")
    is_(rc, 1, "malformed --day: exit 1")


def test_session_show(k):
    rc, doc, err = k.json("sessions", "--kind", "plenary")
    first = doc["items"][0]
    rc, out, err = k("session", "show", first["id"])
    ok(rc == 0 and first["title"] in out and "Plenary Hall" in out, "session show: fields")
    rc, one, err = k.json("session", "show", first["id"])
    ok(rc == 0 and one["id"] == first["id"] and one["start"] == first["start"],
       "session show --json is the API's session")
    rc, out, err = k("session", "show", 999999)
    ok(rc == 2 and "404" in err, "session show of an unknown id: exit 2, 404 shown")
    return first


def test_create(k):
    rc, out, err = k("session", "create", "--kind", "plenary", "--title", "x",
                     "--start", "2023-04-29T20:00", "--duration", "30", token="not-a-token")
    ok(rc == 2 and "401" in err, "bad token: exit 2 and the 401 is shown")
    rc, doc, err = k.json("session", "create", "--kind", "other", "--title", "Client test meeting",
                          "--room", "Press Centre", "--start", "2023-04-29T19:00",
                          "--duration", "45", "--visibility", "public")
    ok(rc == 0 and doc and doc["start"] == "2023-04-29T19:00:00+09:00"
       and doc["end"] == "2023-04-29T19:45:00+09:00" and doc["room"] == "Press Centre",
       "session create: local time read in the conference zone", err)
    created = doc
    rc, out, err = k("session", "create", "--kind", "bilateral", "--title", "Clash",
                     "--room", "Bilateral Room A", "--start", "2023-04-29T11:50",
                     "--duration", "30")
    like(err, r"conflict: room 'Bilateral Room A' with session \d+ 'Bilateral meeting: "
         r"Japan – Canada' 11:40–12:10", "409: the conflict is named with room, session and time")
    is_(rc, 4, "409 exits 4")
    rc, doc, err = k.json("session", "create", "--kind", "bilateral", "--title", "Clash",
                          "--room", "Bilateral Room A", "--start", "2023-04-29T11:50",
                          "--duration", "30")
    ok(rc == 4 and doc and doc.get("status") == 409 and doc.get("conflicts"),
       "409 with --json: the problem document on stdout")
    rc, out, err = k("session", "create", "--kind", "other", "--title", "Backwards",
                     "--start", "2023-04-29T19:00", "--end", "2023-04-29T18:00")
    ok(rc == 2 and "422" in err, "end before start: exit 2, 422 shown", err)
    rc, out, err = k("session", "create", "--title", "no kind")
    ok(rc == 1 and "usage: kaigi session create" in err, "missing options: usage, exit 1")
    return created


def test_move_if_match(k, s, sid):
    """Without --if-match, session move sends the version it read: alone it
    moves the session; when someone else changes the session between kaigi's
    GET and its PATCH, the PATCH gets 412 and nothing is overwritten."""
    path = "/api/v1/sessions/%d" % sid
    with Proxy(s) as px:
        rc, doc, err = k.json("session", "move", sid, "--start", "2023-04-29T19:25", url=px.url)
    read = [json.loads(b) for m, p, h, st, b in px.log if m == "GET" and p == path and st == 200]
    sent = [h.get("If-Match") for m, p, h, st, b in px.log if m == "PATCH" and p == path]
    ok(rc == 0 and doc and doc["start"] == "2023-04-29T19:25:00+09:00",
       "session move through a proxy: moved", err)
    ok(len(read) == 1 and sent == ['"%s"' % read[0]["version"]],
       "... with If-Match: the version of the session as kaigi read it", (read, sent))

    def meanwhile(method, p):
        if method == "PATCH" and p == path:
            cur = s.request("GET", path, token=k.token).json
            r = s.request("PATCH", path, {"title": "Changed meanwhile"}, token=k.token,
                          headers={"If-Match": '"%s"' % cur["version"]})
            meanwhile.status = r.status
    meanwhile.status = None
    with Proxy(s, meanwhile) as px:
        rc, out, err = k("session", "move", sid, "--start", "2023-04-29T19:40", url=px.url)
    is_(meanwhile.status, 200, "someone else changes the session between kaigi's read and write")
    ok(rc == 2 and "412" in err and "changed since kaigi read it" in err,
       "session move then fails: exit 2, 412, said in words", (rc, err))
    now = s.request("GET", path, token=k.token).json
    ok(now["start"] == "2023-04-29T19:25:00+09:00" and now["title"] == "Changed meanwhile",
       "... and the other change stands, the move was not applied", now)


def test_move_cancel(k, s, created):
    sid = created["id"]
    rc, doc, err = k.json("session", "move", sid, "--start", "2023-04-29T19:10")
    ok(rc == 0 and doc["start"] == "2023-04-29T19:10:00+09:00"
       and doc["end"] == "2023-04-29T19:55:00+09:00", "session move keeps the duration", err)
    ok(rc == 0 and doc["sequence"] > created["sequence"], "moving raises the sequence")
    rc, out, err = k("session", "move", sid, "--start", "2023-04-29T11:45",
                     "--room", "Bilateral Room A")
    ok(rc == 4 and "conflict: room 'Bilateral Room A'" in err, "move into a clash: exit 4, conflict shown")
    rc, out, err = k("session", "move", sid, "--start", "2023-04-29T19:20",
                     "--if-match", created["version"])
    ok(rc == 2 and "412" in err, "move with a stale --if-match: exit 2 (412)", (rc, err))
    rc, doc2, err = k.json("session", "move", sid, "--start", "2023-04-29T19:20",
                           "--if-match", doc["version"])
    ok(rc == 0 and doc2["start"] == "2023-04-29T19:20:00+09:00", "move with the current version", err)
    rc, out, err = k("session", "move", 999999, "--start", "2023-04-29T19:00")
    is_(rc, 2, "move of an unknown session: exit 2")
    test_move_if_match(k, s, sid)
    rc, out, err = k("session", "cancel", sid)
    ok(rc == 0 and "cancelled session %d" % sid in out, "session cancel")
    rc, doc, err = k.json("session", "show", sid)
    ok(rc == 0 and doc["status"] == "cancelled", "the session is cancelled")


def test_conflicts(k, s):
    rc, out, err = k("conflicts")
    ok(rc == 0 and out.strip() == "no conflicts", "conflicts: none in the demo", out + err)
    rc, doc, err = k.json("conflicts")
    ok(rc == 0 and doc["items"] == [], "conflicts --json")
    liaison = s.token("liaison", conference=SLUG, delegation="CA")
    rc, out, err = k("conflicts", token=liaison)
    ok(rc == 2 and "403" in err, "conflicts as a liaison: exit 2, 403")



def feed_url(k):
    """A JP delegation feed URL from kaigi feed-token create (which must work:
    no fallback to kaigid's own command line)."""
    rc, doc, err = k.json("feed-token", "create", "--delegation", "JP")
    if ok(rc == 0 and doc and doc.get("url"), "feed-token create --delegation JP gives a feed URL",
          (rc, doc, err)):
        return doc["url"], doc
    return None, None


def sync(k, url, d, *more):
    return k("sync", "--feed", url, "--dir", d, "--tz", "Asia/Tokyo", *more)


def wait_feed_changed(s, url, d):
    """Wait (up to 5 s) until the feed's ETag differs from the one kaigi
    stored: feed caches are dropped on NOTIFY, just after the commit."""
    with open(os.path.join(d, ".kaigi-sync.json")) as f:
        etag = json.load(f).get("etag")
    path = urllib.parse.urlsplit(url).path
    wait_until(lambda: s.request("GET", path).headers.get("ETag") != etag, timeout=5)


def test_sync(k, s, url):
    d = tempfile.mkdtemp(prefix="kaigi-60-sync-")
    rc, out, err = sync(k, url, d)
    added = out.splitlines()
    nfiles = len([f for f in os.listdir(d) if f.endswith(".ics")])
    ok(rc == 0 and added and all(l.startswith("added") for l in added)
       and nfiles == len(added), "first sync: every event added, one file each", out + err)
    import icalendar
    bad = []
    for name in os.listdir(d):
        if name.endswith(".ics"):
            with open(os.path.join(d, name), "rb") as f:
                c = icalendar.Calendar.from_ical(f.read())
            if len(c.walk("VEVENT")) != 1 or not c.walk("VTIMEZONE"):
                bad.append(name)
    ok(not bad, "each stored file holds one VEVENT and its VTIMEZONE", bad)
    rc, doc, err = k.json("sessions")
    plenary = find(doc["items"], title="Facilitation of Cross-Border Data Flows and Data Free Flow with Trust")
    italy = find(doc["items"], title="Bilateral meeting: Japan – Italy")
    rc1, out1, err1 = k("session", "move", plenary["id"], "--start", "2023-04-29T09:30")
    rc2, out2, err2 = k("session", "cancel", italy["id"])
    ok(rc1 == 0 and rc2 == 0, "a session moved and another cancelled", err1 + err2)
    wait_feed_changed(s, url, d)
    rc, out, err = sync(k, url, d)
    lines = out.splitlines()
    is_(len(lines), 2, "second sync reports exactly two changes")
    ok(any(l.startswith("moved") and plenary["title"] in l and
           "Sat 2023-04-29 10:00–11:30 → Sat 2023-04-29 09:30–11:00" in l for l in lines),
       "the move, old → new time", out + err)
    ok(any(l.startswith("cancelled") and italy["title"] in l for l in lines),
       "the cancellation", out)
    rc, out, err = sync(k, url, d)
    ok(rc == 0 and out.strip() == "not modified", "third sync reports nothing: not modified", out + err)
    rc, doc, err = k.json("sync", "--feed", url, "--dir", d)
    ok(rc == 0 and doc["status"] == 304 and doc["changes"] == [], "and it was answered 304", doc)


def test_agenda_berlin(k, url):
    rc, doc, err = k.json("session", "create", "--kind", "working_meal", "--title",
                          "Working breakfast", "--room", "Banquet Room", "--start",
                          "2023-04-29T06:30", "--duration", "60", "--visibility", "public")
    ok(rc == 0, "an early-morning (06:30 Tokyo) public session is created", err)
    # The feed cache is dropped on NOTIFY, within milliseconds of the commit.
    rc, out, err = wait_until(lambda: (lambda r: r if "Working breakfast" in r[1] else None)(
        k("agenda", "--feed", url, "--tz", "Europe/Berlin")), timeout=5) or \
        k("agenda", "--feed", url, "--tz", "Europe/Berlin")
    lines = out.splitlines()

    def block(heading):
        if heading not in lines:
            return []
        i = lines.index(heading) + 1
        j = i
        while j < len(lines) and lines[j].strip():
            j += 1
        return lines[i:j]
    fri, sat = block("Friday 28 April 2023"), block("Saturday 29 April 2023")
    ok(rc == 0 and any("23:30–00:30" in l and "Working breakfast" in l for l in fri),
       "agenda --tz Europe/Berlin: 06:30 in Tokyo is 23:30 the previous day", out + err)
    ok(any("02:30–04:00" in l and "Facilitation" in l for l in sat),
       "the first plenary (moved to 09:30 Tokyo) is 02:30 Saturday in Berlin", out)
    ok(not any("Working breakfast" in l for l in sat), "the breakfast is not on Saturday in Berlin")
    rc, out, err = k("agenda", "--feed", url, "--tz", "Asia/Tokyo")
    ok(rc == 0 and "06:30–07:30  Working breakfast" in out, "in Tokyo it is Saturday 06:30", out)
    # Every event against an independent conversion (python-icalendar + zoneinfo).
    import icalendar
    from zoneinfo import ZoneInfo
    r = urllib.request.urlopen(url, timeout=30)
    cal = icalendar.Calendar.from_ical(r.read())
    want = {str(e["UID"]): e.decoded("DTSTART").astimezone(ZoneInfo("Europe/Berlin")).isoformat()
            for e in cal.walk("VEVENT")}
    rc, doc, err = k.json("agenda", "--feed", url, "--tz", "Europe/Berlin")
    got = {e["uid"]: e["start"] for e in doc["events"]} if doc else {}
    ok(rc == 0 and got == want and len(got) > 10,
       "agenda --json agrees with python-icalendar + zoneinfo on every event", (got, want))


def test_feed_tokens(k, s, url, created):
    ok(created.get("token") and created["url"].endswith(".ics")
       and created.get("webcal_url", "").startswith("webcal"), "feed-token create --json")
    rc, out, err = k("feed-token", "revoke", created["id"])
    ok(rc == 0 and "revoked" in out, "feed-token revoke", err)
    d = tempfile.mkdtemp(prefix="kaigi-60-revoked-")
    rc, out, err = sync(k, url, d)
    ok(rc == 2 and "404" in err, "the revoked feed: sync exits 2 with 404", (rc, err))
    rc, doc, err = k.json("sessions", "--kind", "plenary")
    head = doc["items"][0]["attendees"][0]["id"]
    rc, p, err = k.json("feed-token", "create", "--participant", head)
    ok(rc == 0 and p and p["url"].endswith(".ics"), "feed-token create --participant", err)
    if p:
        rc, out, err = k("agenda", "--feed", p["url"], "--tz", "Asia/Tokyo")
        ok(rc == 0 and "Facilitation of Cross-Border" in out,
           "the participant's feed reads as an agenda", err)
    rc, out, err = k("feed-token", "revoke", 999999)
    is_(rc, 2, "revoking an unknown token: exit 2")
    rc, out, err = k("feed-token", "create")
    is_(rc, 1, "feed-token create without a holder: usage error")


def test_bilaterals(k, s):
    it = s.token("liaison", conference=SLUG, delegation="IT")
    ca = s.token("liaison", conference=SLUG, delegation="CA")
    rc, doc, err = k.json("bilateral", "list")
    ok(rc == 0 and len(doc["items"]) >= 10, "bilateral list --json", err)
    rc, doc, err = k.json("bilateral", "list", "--status", "scheduled")
    ok(rc == 0 and doc["items"] and all(b["status"] == "scheduled" for b in doc["items"]),
       "bilateral list --status scheduled", err)
    rc, out, err = k("bilateral", "list")
    ok(rc == 0 and "REQUESTER" in out and "scheduled" in out, "bilateral list table")
    rc, req, err = k.json("bilateral", "request", "--requester", "CA", "--counterpart", "IT",
                          "--duration", "30", "--priority", "4", "--topics", "AI")
    ok(rc == 0 and req and req["status"] == "requested", "bilateral request", err)
    if not req:
        return
    rc, doc, err = k.json("bilateral", "accept", req["id"], token=it)
    ok(rc == 0 and doc and doc["status"] == "accepted", "the counterpart's liaison accepts", err)
    rc, out, err = k("bilateral", "accept", req["id"], token=it)
    ok(rc == 4 and "409" in err, "accepting it again (illegal transition): exit 4 (409)",
       (rc, err))
    rc, out, err = k("bilateral", "accept", req["id"], token=ca)
    ok(rc == 2, "the requester cannot accept: exit 2", (rc, err))
    rc, doc, err = k.json("bilateral", "slots", req["id"], "--limit", "3")
    items = (doc or {}).get("items", doc if isinstance(doc, list) else [])
    ok(rc == 0 and 0 < len(items) <= 3 and items[0].get("start"), "bilateral slots --json", err)
    rc, out, err = k("bilateral", "slots", req["id"])
    ok(rc == 0 and "DAY" in out and "ROOM" in out, "bilateral slots table", err)
    rc, doc, err = k.json("schedule", "--auto", "--dry-run")
    ok(rc == 0 and "placed" in doc and "unplaced" in doc, "schedule --auto --dry-run --json", err)
    rc, out, err = k("schedule", "--auto", "--dry-run")
    ok(rc == 0 and out.startswith("Would place"), "schedule --auto --dry-run table", out + err)
    rc, out, err = k("schedule")
    is_(rc, 1, "schedule without --auto: usage error")
    rc, doc, err = k.json("bilateral", "schedule", req["id"])
    ok(rc == 0 and doc and doc.get("start"), "bilateral schedule (best slot) gives the session", err)
    rc, doc, err = k.json("bilateral", "list", "--status", "scheduled")
    ok(rc == 0 and find(doc["items"], id=req["id"]) is not None, "the request is now scheduled")
    rc, w, err = k.json("bilateral", "request", "--requester", "CA", "--counterpart", "DE",
                        "--duration", "30", "--earliest", "2023-04-30T09:00",
                        "--latest", "2023-04-30 12:00", "--level", "deputy", token=ca)
    ok(rc == 0 and w and w["status"] == "requested", "a liaison requests for its delegation", err)
    ok(w and w["earliest"] == "2023-04-30T09:00:00+09:00" and w["latest"] ==
       "2023-04-30T12:00:00+09:00" and w["level"] == "deputy",
       "--earliest/--latest read in the conference's zone", w)
    if w:
        rc, doc, err = k.json("bilateral", "withdraw", w["id"], token=ca)
        ok(rc == 0 and doc and doc["status"] == "withdrawn", "and withdraws it", err)
    rc, out, err = k("bilateral", "accept", 999999)
    ok(rc == 2 and "404" in err, "accepting an unknown request: exit 2 (404)", (rc, err))
    rc, out, err = k("bilateral", "request", "--requester", "CA")
    is_(rc, 1, "bilateral request without its options: usage error")


def stderr_lines(p):
    """A queue receiving p's stderr lines (then None at its end)."""
    q = queue.Queue()

    def pump():
        for line in p.stderr:
            q.put(line)
        q.put(None)
    threading.Thread(target=pump, daemon=True).start()
    return q


def wait_connected(p, lines, timeout=30):
    """Wait until kaigi watch says it is connected (the stream is open: every
    change from now on is sent); the stderr lines read meanwhile, and
    whether it said so."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            break
        if line is None:
            break
        seen.append(line)
        if "connected to" in line:
            return seen, True
    return seen, False


def test_watch(k, s):
    env = dict(os.environ, KAIGI_CONFIG="/dev/null", KAIGI_URL=s.url, KAIGI_TOKEN=k.token)
    p = subprocess.Popen([KAIGI, "watch", "--count", "1", "--json"], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = stderr_lines(p)
    seen, connected = wait_connected(p, lines)
    if not ok(connected and "/api/v1/conferences/%s/changes" % SLUG in seen[-1],
              "kaigi watch connects to the change stream and says so", "".join(seen)):
        p.kill()
        p.wait()
        return
    rc, target, err = k.json("session", "create", "--kind", "other", "--title", "Watched",
                             "--room", "Press Centre", "--start", "2023-04-29T20:30",
                             "--duration", "15", "--visibility", "public")
    ok(rc == 0, "a session is created while kaigi watch listens", err)
    target = target or {"id": -1}
    try:
        p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    out = p.stdout.read()
    err = "".join(seen) + "".join(iter(lambda: lines.get(timeout=5), None))
    try:
        ev = json.loads(out.splitlines()[0])
    except (ValueError, IndexError):
        ev = None
    ok(p.returncode == 0 and ev is not None and str(target["id"]) in json.dumps(ev),
       "kaigi watch prints the change of the moved session", out + err)


with Server() as s:
    sec = s.token("secretariat", conference=SLUG)
    k = Kaigi(s, sec)
    test_basics(k)
    test_config(k, s)
    test_sessions(k, s)
    test_session_show(k)
    test_move_cancel(k, s, test_create(k))
    test_conflicts(k, s)
    test_bilaterals(k, s)
    test_watch(k, s)
    url, created = feed_url(k)
    if url:         # else feed_url has already failed
        test_sync(k, s, url)
        test_agenda_berlin(k, url)
        test_feed_tokens(k, s, url, created)
done_testing()
