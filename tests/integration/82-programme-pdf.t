#!/usr/bin/python3
"""82-programme-pdf.t — GET /api/v1/conferences/{slug}/programme.pdf.

kaigid lays the printed programme out with Cairo and Pango; this test reads
what it printed back with poppler's pdftotext and renders pages with
pdftoppm, on the demo conference plus sessions made for the test through
the API: a restricted CA–DE meeting with a distinctive title, a session
titled in Japanese, a conference-only briefing and a cancelled excursion.

For every reader (anonymous, the JP liaison, the secretariat for all, for
CA and for one participant) the PDF holds exactly the sessions that reader
may see, cancelled ones left out: the expected set comes from the API's
session list with the same visibility (or the matching token feed), never
from this test's own idea of visibility. Each session is checked under its
day and with its start and end in the requested zone (America/Los_Angeles,
16 hours from Tokyo, so many sessions move to the previous day and one ends
"(+1)" the next); the restricted CA–DE meeting is absent from what JP and
the public get; the front page names the delegation (or participant) and
the zone; the Japanese title comes out of pdftotext intact; the pages
render (pdftoppm) to PNGs that are not blank (decoded here; the PNGs are
kept in $KAIGI_TEST_TMPDIR/programme-shots-<pid>). Errors: 404 for an
unknown or unseen delegation or participant, 422 naming IANA for an
unknown zone, 400 for both parameters or a bad lang, 404 for an unknown
conference. And the access matrix: no token, a malformed or revoked one,
another delegation's liaison, the party's liaison, another conference's
secretariat, the secretariat and an admin, each asking for the programme,
CA's pack and a CA participant's pack.
"""
import datetime
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "g7-digital-2023"
BASE = "/api/v1/conferences/%s/programme.pdf" % SLUG
SECRET = "Secret CA–DE consultation on quantum keys"
JAPANESE = "日本代表団歓迎レセプション"
BRIEFING = "Heads of delegation security briefing"
CANCELLED = "Cancelled excursion to Mount Haruna"
LA = "America/Los_Angeles"
DAY_RE = re.compile(r"(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
                    r"\d{1,2}(January|February|March|April|May|June|July|August|"
                    r"September|October|November|December)\d{4}")
TIME_RE = re.compile(r"(\d\d:\d\d)–(\d\d:\d\d(?:\(\+\d+\))?)")


def tool(*args):
    """Run a poppler tool; its stdout (bytes), or None when it failed."""
    p = subprocess.run(list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    if p.returncode != 0:
        diag("%s: %s" % (args[0], p.stderr.decode("utf-8", "replace")[-500:]))
        return None
    return p.stdout


def pdf_text(pdf, first=None, last=None):
    """pdftotext of a PDF (bytes), as str; page range optional."""
    with tempfile.NamedTemporaryFile(suffix=".pdf", delete=False) as f:
        f.write(pdf)
    args = ["pdftotext", "-enc", "UTF-8"]
    if first:
        args += ["-f", str(first), "-l", str(last or first)]
    out = tool(*(args + [f.name, "-"]))
    os.unlink(f.name)
    return out.decode("utf-8") if out is not None else ""


def squash(text):
    """Text without any white space (lines wrap anywhere in a PDF)."""
    return re.sub(r"\s+", "", text)


def get_pdf(s, query="", token=None, name=""):
    """GET the programme; the Response, after checking it is a PDF."""
    r = s.request("GET", BASE + query, token=token)
    if not is_(r.status, 200, "%s: 200" % name):
        diag(r.text[:500])
        return None
    ok(r.headers.get("Content-Type", "").startswith("application/pdf")
       and r.body.startswith(b"%PDF-") and b"%%EOF" in r.body[-64:],
       "%s: application/pdf, a whole PDF (%d bytes)" % (name, len(r.body)))
    return r


def sessions_as(s, token):
    """The sessions a token sees through the session list, not cancelled."""
    r = s.request("GET", "/api/v1/conferences/%s/sessions?limit=1000" % SLUG, token=token)
    return [x for x in r.json["items"] if x["status"] != "cancelled"]


def feed_ids(s, feed_token):
    """Session ids of a token feed, not cancelled."""
    r = s.request("GET", "/feeds/%s.ics" % feed_token)
    ids = set()
    for ev in r.text.replace("\r\n ", "").split("BEGIN:VEVENT")[1:]:
        m = re.search(r"UID:session-(\d+)@", ev)
        if m and "STATUS:CANCELLED" not in ev:
            ids.add(int(m.group(1)))
    return ids


def local(rfc3339, zone):
    """An instant of the API in zone."""
    return datetime.datetime.fromisoformat(rfc3339).astimezone(ZoneInfo(zone))


def expected_place(sess, zone):
    """(day label, time range) as the programme prints them, squashed."""
    a, b = local(sess["start"], zone), local(sess["end"], zone)
    day = "%s%d%s%d" % (a.strftime("%A"), a.day, a.strftime("%B"), a.year)
    end = b.strftime("%H:%M")
    if b.date() > a.date():
        end += "(+%d)" % (b.date() - a.date()).days
    return day, "%s–%s" % (a.strftime("%H:%M"), end)


def printed_place(text, title):
    """Every (day, time) printed before an occurrence of title (squashed text)."""
    places, t, at = [], squash(title), 0
    while (i := text.find(t, at)) >= 0:
        days = [m.group(0) for m in DAY_RE.finditer(text[:i])]
        times = TIME_RE.findall(text[:i])
        places.append((days[-1] if days else None,
                       "%s–%s" % times[-1] if times else None))
        at = i + 1
    return places


def check_contents(name, pdf, expected, everything, zone):
    """Exactly the expected sessions, each under its day with its times."""
    text = squash(pdf_text(pdf))
    bad = []
    for sess in expected:
        want = expected_place(sess, zone)
        got = printed_place(text, sess["title"])
        if want not in got:
            bad.append("%s: want %r, printed %r" % (sess["title"], want, got))
    ok(not bad, "%s: all %d sessions it may see, each on its day with its time in %s"
       % (name, len(expected), zone)) or diag("\n".join(bad[:10]))
    titles = [squash(x["title"]) for x in expected]
    extra = [x["title"] for x in everything if squash(x["title"]) not in titles
             and not any(squash(x["title"]) in t for t in titles)
             and squash(x["title"]) in text]
    is_(extra, [], "%s: no session it may not see (nor a cancelled one)" % name)
    return text


def png_dark_share(path):
    """Share of dark pixels of an 8-bit grey or RGB PNG (decoded here)."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, w, h, bpp = 8, b"", 0, 0, 1
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (0, 2), (depth, ctype)
            bpp = 1 if ctype == 0 else 3
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, stride, prev, dark = zlib.decompress(idat), w * bpp, bytearray(w * bpp), 0
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        dark += sum(1 for x in range(0, stride, bpp) if line[x] < 128)
        prev = line
    return dark / float(w * h)


def check_render(name, pdf, shots):
    """Pages 1 and 2 rendered by pdftoppm to PNGs that are not blank."""
    src = os.path.join(shots, name + ".pdf")
    with open(src, "wb") as f:
        f.write(pdf)
    out = tool("pdftoppm", "-png", "-gray", "-r", "40", "-f", "1", "-l", "2", src,
               os.path.join(shots, name))
    pngs = sorted(p for p in os.listdir(shots) if p.startswith(name + "-") and p.endswith(".png"))
    if not ok(out is not None and len(pngs) == 2, "%s: pdftoppm renders pages 1 and 2" % name):
        return
    for p in pngs:
        share = png_dark_share(os.path.join(shots, p))
        ok(0.003 < share < 0.5, "%s: %s is not blank (%.1f%% dark pixels)" % (name, p, share * 100))


def make_sessions(s, sec):
    """The test's own sessions, through the API."""
    rooms = {r["name"]: r["id"] for r in s.request(
        "GET", "/api/v1/conferences/%s/rooms" % SLUG).json["items"]}
    made = {}
    for title, room, start, end, extra in (
            (SECRET, "Bilateral Room C", "2023-04-29T09:00:00+09:00", "2023-04-29T09:30:00+09:00",
             {"kind": "bilateral", "visibility": "restricted", "delegations": ["CA", "DE"]}),
            (JAPANESE, "Banquet Room", "2023-04-29T19:00:00+09:00", "2023-04-29T20:00:00+09:00",
             {"kind": "other", "visibility": "public"}),
            (BRIEFING, "Press Centre", "2023-04-30T08:00:00+09:00", "2023-04-30T08:30:00+09:00",
             {"kind": "other", "visibility": "conference"}),
            (CANCELLED, "Main Hall", "2023-04-30T17:00:00+09:00", "2023-04-30T18:00:00+09:00",
             {"kind": "side_event", "visibility": "public"})):
        body = dict(extra, title=title, room_id=rooms[room], start=start, end=end)
        r = s.request("POST", "/api/v1/conferences/%s/sessions" % SLUG, body, token=sec)
        is_(r.status, 201, "created '%s'" % title) or diag(r.text)
        made[title] = r.json["id"] if r.json else None
    r = s.request("POST", "/api/v1/sessions/%s/cancel" % made[CANCELLED], {}, token=sec)
    is_(r.status, 200, "cancelled '%s'" % CANCELLED)
    return made


def check_errors(s, sec, jp, people):
    """The problems."""
    for query, token, status, what in (
            ("?tz=Mars/Olympus_Mons", sec, 422, "an unknown zone"),
            ("?tz=", None, 422, "an empty zone"),
            ("?delegation=ZZ", sec, 404, "an unknown delegation"),
            ("?delegation=CA", jp, 404, "another delegation, for a liaison"),
            ("?delegation=JP", None, 404, "a delegation's pack, anonymously"),
            ("?participant=%d" % people["Francis Bilodeau"], jp, 404,
             "another delegation's participant, for a liaison"),
            ("?participant=999999", sec, 404, "an unknown participant"),
            ("?participant=abc", sec, 404, "a participant that is no id"),
            ("?participant=%d" % people["Kono Taro"], None, 404, "a participant's pack, anonymously"),
            ("?delegation=JP&participant=1", sec, 400, "both delegation and participant"),
            ("?lang=../etc", None, 400, "a lang that is no language tag")):
        r = s.request("GET", BASE + query, token=token)
        is_(r.status, status, "%s: %d" % (what, status))
        like(r.headers.get("Content-Type", ""), r"^application/problem\+json",
             "... as problem+json")
    r = s.request("GET", BASE + "?tz=Mars/Olympus_Mons")
    like(r.json.get("detail", "") if r.json else "", r"IANA", "the 422 says the zone must be an IANA name")
    ok(r.json and any(e.get("field") == "tz" for e in r.json.get("errors", [])), "... and names the field tz")
    is_(s.request("GET", "/api/v1/conferences/nope/programme.pdf").status, 404, "an unknown conference: 404")
    is_(s.request("GET", BASE + "?lang=ja").status, 200, "lang=ja is accepted")
    r = s.request("HEAD", BASE)
    is_((r.status, r.body), (200, b""), "HEAD: 200 without a body")
    is_(s.request("POST", BASE, {}).status, 405, "POST: 405")


def check_public(s, everything, shots):
    """Anonymous: the public programme."""
    r = get_pdf(s, token=None, name="anonymous")
    if not r:
        return
    like(r.headers.get("Content-Disposition", ""), r'filename="%s-programme\.pdf"' % SLUG,
         "Content-Disposition names the file")
    text = check_contents("anonymous", r.body, sessions_as(s, None), everything, "Asia/Tokyo")
    ok(squash(SECRET) not in text and squash(BRIEFING) not in text,
       "anonymous: neither the restricted meeting nor the conference-only briefing")
    front = pdf_text(r.body, 1)
    like(front, r"Public programme", "anonymous: the front page says it is the public programme")
    like(front, r"Asia/Tokyo \(UTC\+09:00\)", "... in the conference's zone by default")
    ok("Attending" not in pdf_text(r.body), "anonymous: no attendee lists")
    check_render("anonymous", r.body, shots)


def check_jp(s, jp, everything, shots):
    """The JP liaison's welcome pack in Los Angeles time."""
    r = get_pdf(s, "?tz=" + LA, token=jp, name="JP liaison")
    if not r:
        return
    seen = sessions_as(s, jp)
    is_(sorted(x["id"] for x in seen), sorted(feed_ids(s, s.feed_token(SLUG, delegation="JP"))),
        "(the session list and JP's delegation feed agree on what JP sees)")
    text = check_contents("JP liaison", r.body, seen, everything, LA)
    ok(squash(SECRET) not in text, "JP: the restricted CA–DE meeting is absent")
    ok(squash(BRIEFING) in text, "JP: the conference-only briefing is there")
    ok(any(expected_place(x, LA)[1].endswith("(+1)") for x in seen),
       "JP: (a session ends on the next day in %s and is printed '(+1)')" % LA)
    raw = pdf_text(r.body)
    ok(JAPANESE in raw, "JP: the Japanese title comes out of pdftotext intact")
    like(raw, r"Attending \(JP\): Kono Taro \(head\)", "JP: the attendees of JP are listed")
    ok("Francis Bilodeau" not in raw, "JP: no attendee of another delegation")
    front = pdf_text(r.body, 1)
    like(front, r"Welcome pack", "JP: the front page is a welcome pack")
    like(front, r"Japan \(JP\)", "JP: the front page names the delegation")
    like(front, r"All times are in America/Los_Angeles \(UTC-07:00\)", "JP: ... and the time zone")
    check_render("jp-liaison", r.body, shots)
    r2 = get_pdf(s, "?delegation=JP&tz=" + LA, token=jp, name="JP liaison naming itself")
    if r2:
        is_(squash(pdf_text(r2.body, 2, 99)), squash(pdf_text(r.body, 2, 99)),
            "?delegation= of its own delegation: the same pack")


def check_secretariat(s, sec, ca, everything, people, shots):
    """The secretariat: everything, CA's pack, a participant's pack."""
    r = get_pdf(s, token=sec, name="secretariat")
    if r:
        text = check_contents("secretariat", r.body, everything, everything, "Asia/Tokyo")
        ok(squash(SECRET) in text and squash(JAPANESE) in text, "secretariat: every session, the secret one too")
        like(pdf_text(r.body, 1), r"Full programme", "secretariat: the front page says full programme")
    r = get_pdf(s, "?delegation=CA", token=sec, name="secretariat for CA")
    if r:
        text = check_contents("CA pack", r.body, sessions_as(s, ca), everything, "Asia/Tokyo")
        ok(squash(SECRET) in text, "CA pack: the CA–DE meeting is there")
        like(pdf_text(r.body, 1), r"Canada \(CA\)", "CA pack: the front page names Canada")
        check_render("ca-pack", r.body, shots)
    kono = people["Kono Taro"]
    r = get_pdf(s, "?participant=%d" % kono, token=sec, name="secretariat for Kono Taro")
    if r:
        ids = feed_ids(s, s.feed_token(SLUG, participant=kono))
        mine = [x for x in everything if x["id"] in ids]
        text = check_contents("Kono's pack", r.body, mine, everything, "Asia/Tokyo")
        ok(squash("Bilateral meeting: Japan – Canada") in text and squash(SECRET) not in text,
           "Kono's pack: his bilateral, not the CA–DE meeting")
        like(pdf_text(r.body, 1), r"Kono Taro, Japan \(JP\)", "Kono's pack: the front page names him")
        # Fonts are subset: a bold K beside kanji once pulled all of Noto
        # CJK's subroutines in (0.85 MB).
        ok(len(r.body) < 300000, "Kono's pack stays small (%d bytes)" % len(r.body))


def revoked_token(s, admin):
    """A secretariat token issued and revoked through the API."""
    r = s.request("POST", "/api/v1/conferences/%s/tokens" % SLUG, {"role": "secretariat"}, token=admin)
    is_(r.status, 201, "(a secretariat token issued)") or diag(r.text)
    is_(s.request("DELETE", "/api/v1/tokens/%s" % r.json["id"], token=admin).status, 204,
        "(... and revoked)")
    return r.json["token"]


def check_matrix(s, sec, ca, people):
    """Who gets which programme: every caller x the three kinds of request."""
    admin = s.token("admin")
    r = s.request("POST", "/api/v1/conferences", {
        "slug": "other-meeting", "title": "Other", "timezone": "UTC",
        "start_date": "2024-01-01", "end_date": "2024-01-02"}, token=admin)
    is_(r.status, 201, "(another conference, for its secretariat)")
    callers = {"none": None, "malformed": "not a token!", "revoked": revoked_token(s, admin),
               "UA liaison": s.token("liaison", conference=SLUG, delegation="UA"),
               "CA liaison": ca, "other secretariat": s.token("secretariat", conference="other-meeting"),
               "secretariat": sec, "admin": admin}
    want = {"": dict(none=200, malformed=401, revoked=401, **{
                "UA liaison": 200, "CA liaison": 200, "other secretariat": 200,
                "secretariat": 200, "admin": 200}),
            "?delegation=CA": dict(none=404, malformed=401, revoked=401, **{
                "UA liaison": 404, "CA liaison": 200, "other secretariat": 404,
                "secretariat": 200, "admin": 200}),
            "?participant=%d" % people["Francis Bilodeau"]: dict(none=404, malformed=401, revoked=401, **{
                "UA liaison": 404, "CA liaison": 200, "other secretariat": 404,
                "secretariat": 200, "admin": 200})}
    got = {q: {who: s.request("GET", BASE + q, token=t).status for who, t in callers.items()}
           for q in want}
    is_(got, want, "the access matrix: %d callers x %d requests" % (len(callers), len(want)))
    r = s.request("GET", BASE, token=callers["other secretariat"])
    like(pdf_text(r.body, 1) if r.status == 200 else "", r"Public programme",
         "another conference's secretariat gets this one's public programme")
    r = s.request("GET", BASE, token=callers["UA liaison"])
    text = squash(pdf_text(r.body)) if r.status == 200 else ""
    ok(squash("Ukraine (UA)") in text and squash("Bilateral meeting: Japan – Canada") not in text,
       "the UA liaison: Ukraine's pack, without the Japan–Canada bilateral")
    r = s.request("GET", BASE, token=admin)
    like(pdf_text(r.body, 1) if r.status == 200 else "", r"Full programme", "an admin: the full programme")


with Server() as s:
    if not ok(shutil.which("pdftotext") and shutil.which("pdftoppm"), "poppler-utils is installed"):
        diag("scripts/deps installs poppler-utils")
    else:
        sec = s.token("secretariat", conference=SLUG)
        jp = s.token("liaison", conference=SLUG, delegation="JP")
        ca = s.token("liaison", conference=SLUG, delegation="CA")
        people = {p["name"]: p["id"] for p in s.request(
            "GET", "/api/v1/conferences/%s/participants?limit=1000" % SLUG, token=sec).json["items"]}
        make_sessions(s, sec)
        everything = sessions_as(s, sec)
        shots = os.path.join(os.environ.get("KAIGI_TEST_TMPDIR") or tempfile.mkdtemp(),
                             "programme-shots-%d" % os.getpid())
        os.makedirs(shots, exist_ok=True)
        note("PDFs and PNGs: %s" % shots)
        check_public(s, everything, shots)
        check_jp(s, jp, everything, shots)
        check_secretariat(s, sec, ca, everything, people, shots)
        check_errors(s, sec, jp, people)
        check_matrix(s, sec, ca, people)
    is_(s.stop(), 0, "kaigid exits 0 on SIGTERM")
done_testing()
