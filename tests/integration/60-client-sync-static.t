#!/usr/bin/python3
# 60-client-sync-static.t — kaigi sync against a local feed server that
# serves a strong ETag and answers If-None-Match with 304, as kaigid does.
# Checks the vdir (one .ics per UID, each a VCALENDAR with the VTIMEZONE and
# the VEVENT, read back by python-icalendar and by vdirsyncer's own
# filesystem storage), the change report (added, moved, cancelled,
# re-roomed, removed), "not modified" on 304, and the error paths.
import asyncio
import hashlib
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading

import icalendar

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("KAIGI_BUILD")
KAIGI = os.path.abspath(os.environ.get("KAIGI") or (os.path.join(ROOT, BUILD, "kaigi") if BUILD
                                     else os.path.join(ROOT, "client", "kaigi")))

VTZ = ("BEGIN:VTIMEZONE\r\nTZID:Asia/Tokyo\r\nBEGIN:STANDARD\r\n"
       "DTSTART:19700101T000000\r\nTZOFFSETFROM:+0900\r\nTZOFFSETTO:+0900\r\n"
       "TZNAME:JST\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n")

# uid -> [start, end, summary, location, status, sequence]
EVENTS = {
    "s1@t": ["20230429T090000", "20230429T103000", "Session 1: DFFT", "Plenary Hall", "CONFIRMED", 0],
    "s2@t": ["20230429T110000", "20230429T113000", "Japan–Canada", "Bilateral Room 1", "CONFIRMED", 0],
    "s3@t": ["20230429T120000", "20230429T130000", "Working lunch", "Salon", "CONFIRMED", 0],
    "s4@t": ["20230430T140000", "20230430T150000", "Press conference", "Press Room", "CONFIRMED", 0],
}
LOCK = threading.Lock()
LOG = []   # (If-None-Match sent, status answered)


def render():
    out = ["BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//kaigi//test//EN\r\n"
           "CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n", VTZ]
    for uid in sorted(EVENTS):
        s, e, summ, loc, st, seq = EVENTS[uid]
        out.append("BEGIN:VEVENT\r\nUID:%s\r\nDTSTAMP:20230401T000000Z\r\n"
                   "DTSTART;TZID=Asia/Tokyo:%s\r\nDTEND;TZID=Asia/Tokyo:%s\r\n"
                   "SUMMARY:%s\r\nLOCATION:%s\r\nSTATUS:%s\r\nSEQUENCE:%d\r\n"
                   "END:VEVENT\r\n" % (uid, s, e, summ, loc, st, seq))
    out.append("END:VCALENDAR\r\n")
    return "".join(out).encode()


class FeedHandler(http.server.BaseHTTPRequestHandler):
    # Each answer is logged before it is sent: the client may exit (and the
    # test read LOG) as soon as the last byte arrives.
    def do_GET(self):
        if self.path != "/feeds/tok.ics":
            LOG.append((None, 404))
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        with LOCK:
            body = render()
        etag = '"%s"' % hashlib.sha256(body).hexdigest()[:16]
        inm = self.headers.get("If-None-Match")
        if inm == etag:
            LOG.append((inm, 304))
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        LOG.append((inm, 200))
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar; charset=utf-8")
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

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
    e = dict(os.environ, KAIGI_CONFIG="/dev/null", TZ="Asia/Tokyo")
    p = subprocess.run([KAIGI] + list(args), capture_output=True, text=True,
                       env=e, timeout=60)
    return p.returncode, p.stdout, p.stderr


def ics_files(d):
    return sorted(f for f in os.listdir(d) if f.endswith(".ics"))


def vdirsyncer_items(d):
    from vdirsyncer.storage.filesystem import FilesystemStorage

    async def go():
        st = FilesystemStorage(d, ".ics")
        items = []
        async for href, etag in st.list():
            item, _ = await st.get(href)
            items.append(item.uid)
        return sorted(items)
    return asyncio.run(go())


def check_first(d, url):
    rc, out, err = kaigi("sync", "--feed", url, "--dir", d)
    lines = out.splitlines()
    ok(rc == 0, "first sync exits 0", err)
    ok(len(lines) == 4 and all(l.startswith("added") for l in lines),
       "first sync reports four added", out)
    ok(ics_files(d) == ["s1@t.ics", "s2@t.ics", "s3@t.ics", "s4@t.ics"],
       "one .ics per UID, named for the UID", ics_files(d))
    with open(os.path.join(d, "s2@t.ics"), "rb") as f:
        cal = icalendar.Calendar.from_ical(f.read())
    tzs = [c for c in cal.walk("VTIMEZONE")]
    evs = [c for c in cal.walk("VEVENT")]
    ok(len(tzs) == 1 and str(tzs[0]["TZID"]) == "Asia/Tokyo" and len(evs) == 1,
       "each file is a VCALENDAR with its VTIMEZONE and one VEVENT")
    ok(str(evs[0]["SUMMARY"]) == "Japan–Canada" and
       evs[0].decoded("DTSTART").isoformat() == "2023-04-29T11:00:00+09:00",
       "the stored event keeps summary and zoned start", evs[0])
    ok(vdirsyncer_items(d) == ["s1@t", "s2@t", "s3@t", "s4@t"],
       "vdirsyncer's filesystem storage reads the vdir")
    ok(LOG[-1] == (None, 200), "first request is unconditional", LOG)


def check_second(d, url):
    with LOCK:
        EVENTS["s1@t"][0:2] = ["20230429T093000", "20230429T110000"]
        EVENTS["s1@t"][5] = 1
        EVENTS["s3@t"][4] = "CANCELLED"
        EVENTS["s3@t"][5] = 1
    mtime = os.stat(os.path.join(d, "s2@t.ics")).st_mtime_ns
    rc, out, err = kaigi("sync", "--feed", url, "--dir", d)
    lines = out.splitlines()
    ok(rc == 0 and len(lines) == 2, "second sync reports exactly two changes", out + err)
    ok(any(l.startswith("moved") and "Session 1: DFFT" in l and
           "09:00–10:30 → Sat 2023-04-29 09:30–11:00" in l for l in lines),
       "the move is reported with old → new time", out)
    ok(any(l.startswith("cancelled") and "Working lunch" in l for l in lines),
       "the cancellation is reported", out)
    ok(LOG[-1][1] == 200 and LOG[-1][0] is not None and LOG[-1][0].startswith('"'),
       "second request sent If-None-Match and got 200", LOG)
    ok(os.stat(os.path.join(d, "s2@t.ics")).st_mtime_ns == mtime,
       "an unchanged event's file is not rewritten")
    with open(os.path.join(d, "s3@t.ics"), "rb") as f:
        ev = icalendar.Calendar.from_ical(f.read()).walk("VEVENT")[0]
    ok(str(ev["STATUS"]) == "CANCELLED", "the cancelled event's file says CANCELLED")


def check_third(d, url):
    before = {f: os.stat(os.path.join(d, f)).st_mtime_ns for f in ics_files(d)}
    rc, out, err = kaigi("sync", "--feed", url, "--dir", d)
    ok(rc == 0 and out.strip() == "not modified", "third sync says only 'not modified'", out + err)
    ok(LOG[-1][1] == 304, "third request was answered 304", LOG)
    after = {f: os.stat(os.path.join(d, f)).st_mtime_ns for f in ics_files(d)}
    ok(before == after, "a 304 touches no file")
    rc, out, err = kaigi("sync", "--feed", url, "--dir", d, "--json")
    doc = json.loads(out) if rc == 0 else {}
    ok(doc.get("status") == 304 and doc.get("changes") == [], "--json on 304", out + err)


def check_fourth(d, url):
    with LOCK:
        del EVENTS["s4@t"]
        EVENTS["s2@t"][3] = "Bilateral Room 2"
        EVENTS["odd/uid with space"] = ["20230430T090000", "20230430T093000",
                                        "Odd one", "Room X", "TENTATIVE", 0]
    rc, out, err = kaigi("sync", "--feed", url, "--dir", d, "--json")
    doc = json.loads(out) if rc == 0 else {"changes": []}
    kinds = sorted((c["change"], c["uid"]) for c in doc["changes"])
    ok(kinds == [("added", "odd/uid with space"), ("re-roomed", "s2@t"),
                 ("removed", "s4@t")], "added, re-roomed and removed reported", kinds)
    hashed = hashlib.sha256(b"odd/uid with space").hexdigest() + ".ics"
    ok(hashed in ics_files(d) and "s4@t.ics" not in ics_files(d),
       "unsafe UID stored under its SHA-256; removed event's file deleted", ics_files(d))
    ok(vdirsyncer_items(d) == sorted(["odd/uid with space", "s1@t", "s2@t", "s3@t"]),
       "vdirsyncer still reads the vdir")


def check_errors(d, port, tmp):
    rc, out, err = kaigi("sync", "--feed", "http://127.0.0.1:%d/feeds/revoked.ics" % port,
                         "--dir", os.path.join(tmp, "other"))
    ok(rc == 2 and "404" in err, "a revoked feed (404) exits 2", (rc, err))
    rc, out, err = kaigi("sync", "--dir", d)
    ok(rc == 1 and "usage: kaigi sync" in err, "missing --feed is a usage error", (rc, err))
    afile = os.path.join(tmp, "afile")
    open(afile, "w").close()
    rc, out, err = kaigi("sync", "--feed", "http://127.0.0.1:%d/feeds/tok.ics" % port,
                         "--dir", afile)
    ok(rc == 1 and "not a directory" in err, "--dir that is a file exits 1", (rc, err))


def main():
    tmp = tempfile.mkdtemp(prefix="kaigi-sync-")
    d = os.path.join(tmp, "vdir")
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FeedHandler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    port = srv.server_address[1]
    url = "http://127.0.0.1:%d/feeds/tok.ics" % port
    check_first(d, url)
    check_second(d, url)
    check_third(d, url)
    check_fourth(d, url)
    check_errors(d, port, tmp)
    srv.shutdown()
    print("1..%d" % n)
    return 1 if failed else 0


sys.exit(main())
