#!/usr/bin/python3
"""43-languages.t — languages (issue 17, item 1).

A conference lists its `languages` (the first the default, ["en"] unless
given); sessions carry `titles`/`descriptions` per language. Checked here:
the conference's languages on create, PATCH and GET, malformed ones 422
naming `languages`; a session's titles in a language the conference does
not list are 422 naming the valid ones (nothing written); every feed
(public, room, delegation and participant tokens, short paths) with
?lang=ja, parsed with python3-icalendar: SUMMARY and DESCRIPTION carry
LANGUAGE=ja where the session has Japanese text, and the default language
(LANGUAGE=en) where it falls back, per item; without ?lang the bytes are
those of before (no LANGUAGE); the ETag differs per language and 304 works
per language; an unknown or malformed lang is 400 naming the conference's
languages; the programme PDF with lang=ja holds the Japanese titles
(pdftotext); `kaigi agenda`/`sync --lang ja` fetch the ja feed; the page
(Chromium, tests/web/languages.js) offers en and ja and shows the Japanese
titles once ja is chosen.
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, events, one  # noqa: E402

API = "/api/v1/conferences/%s" % SLUG
JA_DFFT = "越境データ流通と信頼性のある自由なデータ流通（DFFT）の促進"
EN_DFFT = "Facilitation of Cross-Border Data Flows and Data Free Flow with Trust"
EN_DIGITAL = "Digital Competition"


def by_summary(body):
    """{summary text: VEVENT} of a feed."""
    return {str(e["SUMMARY"]): e for e in events(body).values()}


def lang_of(e, prop):
    """The LANGUAGE parameter of a property of a VEVENT (None if absent)."""
    p = e.get(prop)
    return None if p is None else p.params.get("LANGUAGE")


def conference_languages(s, adm, sec):
    r = s.request("GET", API)
    is_(r.json and r.json.get("languages"), ["en", "ja"], "the demo lists en and ja")
    body = {"slug": "lang-test", "title": "Lang test", "timezone": "Europe/Paris",
            "start_date": "2031-05-01", "end_date": "2031-05-02"}
    r = s.request("POST", "/api/v1/conferences", body, token=adm)
    ok(r.status == 201 and r.json.get("languages") == ["en"],
       "a new conference without languages: [\"en\"]")
    for bad, what in ((["EN"], "upper case"), (["en", "en"], "twice"), ([], "empty"),
                      ("en", "not an array"), (["x"], "one letter"), (["ja_JP"], "underscore"),
                      (["en", 5], "a number")):
        r = s.request("PATCH", "/api/v1/conferences/lang-test", {"languages": bad}, token=adm)
        ok(r.status == 422 and "languages" in r.text and
           r.headers.get("Content-Type") == "application/problem+json",
           "languages %s: 422 naming languages" % what)
    r = s.request("PATCH", "/api/v1/conferences/lang-test", {"languages": ["fr", "en-GB"]},
                  token=adm)
    ok(r.status == 200 and r.json.get("languages") == ["fr", "en-GB"], "PATCH languages")
    body["slug"] = "lang-test-2"
    body["languages"] = ["de", "fr"]
    r = s.request("POST", "/api/v1/conferences", body, token=adm)
    ok(r.status == 201 and r.json.get("languages") == ["de", "fr"], "created with languages")


def session_titles(s, sec):
    sid = one(s, "SELECT id FROM sessions WHERE title = %s", EN_DIGITAL)
    r = s.request("GET", "/api/v1/sessions/%d" % sid, token=sec)
    ver = r.headers.get("ETag")
    before = one(s, "SELECT version FROM sessions WHERE id = %s", sid)
    r = s.request("PATCH", "/api/v1/sessions/%d" % sid, {"titles": {"fr": "Concurrence"}},
                  token=sec, headers={"If-Match": ver})
    ok(r.status == 422 and "en, ja" in r.text and "titles" in r.text,
       "titles in fr (not listed): 422 naming titles and en, ja")
    is_(one(s, "SELECT version FROM sessions WHERE id = %s", sid), before, "nothing written")
    r = s.request("PATCH", "/api/v1/sessions/%d" % sid, {"titles": {"ja": 5}},
                  token=sec, headers={"If-Match": ver})
    ok(r.status == 422 and "titles" in r.text, "a title that is no text: 422")
    r = s.request("PATCH", "/api/v1/sessions/%d" % sid,
                  {"titles": {"ja": "デジタル競争"}, "descriptions": {"ja": "議題6。"}},
                  token=sec, headers={"If-Match": ver})
    ok(r.status == 200 and r.json.get("titles") == {"ja": "デジタル競争"} and
       r.json.get("title") == EN_DIGITAL, "PATCH titles: ja stored, title unchanged")
    r = s.request("GET", "/api/v1/sessions/%d" % sid, token=sec)
    is_(r.json and r.json.get("descriptions"), {"ja": "議題6。"}, "GET shows descriptions")
    room = one(s, "SELECT room_id FROM sessions WHERE id = %s", sid)
    new = {"kind": "other", "title": "Lang probe", "room_id": room,
           "start": "2023-04-28T18:00:00+09:00", "end": "2023-04-28T18:30:00+09:00",
           "titles": {"ko": "x"}}
    r = s.request("POST", API + "/sessions", new, token=sec)
    ok(r.status == 422 and "en, ja" in r.text, "create with titles in ko: 422 naming en, ja")
    is_(one(s, "SELECT count(*) FROM sessions WHERE title = 'Lang probe'"), 0, "none created")
    new["titles"] = {"ja": "言語テスト"}
    r = s.request("POST", API + "/sessions", new, token=sec)
    ok(r.status == 201 and r.json.get("titles") == {"ja": "言語テスト"}, "create with titles")
    r = s.request("PATCH", API, {"languages": ["en"]}, token=sec)
    ok(r.status == 422 and "ja" in r.text and "languages" in r.text,
       "dropping ja while sessions use it: 422 naming languages")
    return sid


def feed_checks(s, what, path, token=None):
    plain = s.request("GET", path, token=token)
    ja = s.request("GET", path + "?lang=ja", token=token)
    en = s.request("GET", path + "?lang=en", token=token)
    ok(plain.status == 200 and ja.status == 200 and en.status == 200, "%s: 200 each" % what)
    ok(b"LANGUAGE=" not in plain.body, "%s: without lang, no LANGUAGE parameter" % what)
    ev = by_summary(ja.body)
    e = ev.get(JA_DFFT)
    ok(e is not None and lang_of(e, "SUMMARY") == "ja", "%s: SUMMARY;LANGUAGE=ja" % what)
    ok(e is not None and lang_of(e, "DESCRIPTION") == "ja" and
       str(e["DESCRIPTION"]).startswith("議題1"), "%s: DESCRIPTION;LANGUAGE=ja" % what)
    ok(EN_DFFT not in ev, "%s: the English title is not in the ja feed" % what)
    f = ev.get("Internet Governance")
    ok(f is None and "インターネット・ガバナンス" in ev, "%s: another titled item in ja" % what)
    f = ev.get("Emerging and Disruptive Technologies in Innovating Society and Economy")
    ok(f is not None and lang_of(f, "SUMMARY") == "en" and lang_of(f, "DESCRIPTION") == "en",
       "%s: an item without Japanese falls back to en, LANGUAGE=en" % what)
    g = ev.get(JA_DFFT)
    ok(g is not None and "SUMMARY;LANGUAGE=ja:" in ja.text, "%s: the line as written" % what)
    evn = by_summary(en.body)
    ok(JA_DFFT not in evn and EN_DFFT in evn and lang_of(evn[EN_DFFT], "SUMMARY") == "en",
       "%s: lang=en is English, LANGUAGE=en" % what)
    tags = {plain.headers.get("ETag"), ja.headers.get("ETag"), en.headers.get("ETag")}
    is_(len(tags), 3, "%s: three languages, three ETags" % what)
    for lang, r in (("ja", ja), ("en", en)):
        c = s.request("GET", path + "?lang=" + lang, token=token,
                      headers={"If-None-Match": r.headers["ETag"]})
        is_(c.status, 304, "%s: 304 for lang=%s with its ETag" % (what, lang))
    c = s.request("GET", path + "?lang=ja", token=token,
                  headers={"If-None-Match": en.headers["ETag"]})
    ok(c.status == 200 and c.body == ja.body, "%s: the en ETag is no 304 for ja" % what)
    c = s.request("GET", path, token=token, headers={"If-None-Match": ja.headers["ETag"]})
    ok(c.status == 200 and c.body == plain.body, "%s: the ja ETag is no 304 without lang" % what)
    for bad in ("fr", "EN", "ja_JP", "", "x" * 300, "ja%0d%0aX:1"):
        r = s.request("GET", path + "?lang=" + bad, token=token)
        ok(r.status == 400 and "en, ja" in r.text and
           r.headers.get("Content-Type") == "application/problem+json",
           "%s: lang=%.12s: 400 naming en, ja" % (what, bad))


def three_parsers(s):
    """The ja public feed through python3-icalendar, ical.js and vdirsyncer
    (tests/ical): each reads LANGUAGE=ja on the Japanese items and en on the
    others."""
    import glob
    import json
    import tempfile
    drivers = os.path.join(TOP, "tests", "ical")
    url = s.url + API + "/calendar.ics?lang=ja"
    got = {}
    for name, argv in (("python3-icalendar", ["/usr/bin/python3", drivers + "/parse_python.py"]),
                       ("ical.js", ["node", drivers + "/parse_icaljs.js"])):
        p = subprocess.run(argv + [url, "--languages"], capture_output=True, text=True,
                           timeout=120)
        try:
            got[name] = json.loads(p.stdout) if p.returncode == 0 else None
        except ValueError:
            got[name] = None
        evs = {e["summary"]: e for e in got[name] or []}
        ja, en = evs.get(JA_DFFT, {}), evs.get(
            "Emerging and Disruptive Technologies in Innovating Society and Economy", {})
        ok(ja.get("summary_language") == "ja" and ja.get("description_language") == "ja" and
           en.get("summary_language") == "en" and en.get("description_language") == "en",
           "%s: LANGUAGE=ja on a Japanese item, en on a fallback" % name)
        if got[name] is None:
            diag(p.stderr[-1000:])
    ok(got["python3-icalendar"] is not None and got["python3-icalendar"] == got["ical.js"],
       "python3-icalendar and ical.js agree on the ja feed, LANGUAGE included")
    vdir = os.path.join(tempfile.mkdtemp(prefix="kaigi-lang-vdir-"), "cal")
    p = subprocess.run(["env", "VDIR_DIR=" + vdir, drivers + "/check_vdirsyncer.sh", url],
                       capture_output=True, text=True, timeout=120)
    langs = {}
    for path in glob.glob(os.path.join(vdir, "*.ics")):
        with open(path, "rb") as f:
            for e in events(f.read()).values():
                langs[str(e["SUMMARY"])] = lang_of(e, "SUMMARY")
    ok(p.returncode == 0 and langs.get(JA_DFFT) == "ja" and
       langs.get("インターネット・ガバナンス") == "ja" and
       langs.get("Emerging and Disruptive Technologies in Innovating Society and Economy") == "en",
       "vdirsyncer syncs the ja feed; its items keep SUMMARY;LANGUAGE=ja")
    if p.returncode != 0:
        diag(p.stderr[-1000:])


def feeds(s, sec):
    three_parsers(s)
    feed_checks(s, "public", API + "/calendar.ics")
    feed_checks(s, "public, short path", "/conferences/%s/calendar.ics" % SLUG)
    room = one(s, "SELECT room_id FROM sessions WHERE title = %s", EN_DFFT)
    feed_checks(s, "room", API + "/rooms/%d/calendar.ics" % room)
    feed_checks(s, "room, secretariat", "/conferences/%s/rooms/%d/calendar.ics" % (SLUG, room),
                token=sec)
    feed_checks(s, "delegation token", "/feeds/%s.ics" % s.feed_token(SLUG, delegation="JP"))
    pid = one(s, "SELECT a.participant_id FROM session_attendees a JOIN sessions x"
              " ON x.id = a.session_id WHERE x.title = %s LIMIT 1", EN_DFFT)
    feed_checks(s, "participant token", "/feeds/%s.ics" % s.feed_token(SLUG, participant=pid))
    r = s.request("GET", "/conferences/nope/calendar.ics?lang=ja")
    is_(r.status, 404, "unknown conference with lang: 404")
    hidden_and_fresh(s, sec)


def hidden_and_fresh(s, sec):
    """A restricted session's Japanese title stays out of the anonymous room
    feed (Reserved, no LANGUAGE); a new Japanese title reaches a cached ja
    feed at once, with a new ETag."""
    bil = one(s, "SELECT id FROM sessions WHERE title = 'Bilateral meeting: Japan – Canada'")
    room = one(s, "SELECT room_id FROM sessions WHERE id = %s", bil)
    r = s.request("GET", "/api/v1/sessions/%d" % bil, token=sec)
    r = s.request("PATCH", "/api/v1/sessions/%d" % bil, {"titles": {"ja": "日加秘密会談"}},
                  token=sec, headers={"If-Match": r.headers.get("ETag")})
    is_(r.status, 200, "the bilateral gets a Japanese title")
    path = "/conferences/%s/rooms/%d/calendar.ics?lang=ja" % (SLUG, room)
    anon = s.request("GET", path)
    mine = s.request("GET", path, token=sec)
    ok(anon.status == 200 and "日加秘密会談" not in anon.text and "SUMMARY:Reserved" in anon.text,
       "anonymous room feed in ja: the bilateral only as Reserved, without LANGUAGE")
    ok("日加秘密会談" in mine.text, "the secretariat's room feed in ja: its Japanese title")
    feed = API + "/calendar.ics?lang=ja"
    before = s.request("GET", feed)
    sid = one(s, "SELECT id FROM sessions WHERE title = 'Press conference of the chair'")
    r = s.request("GET", "/api/v1/sessions/%d" % sid, token=sec)
    r = s.request("PATCH", "/api/v1/sessions/%d" % sid, {"titles": {"ja": "議長記者会見"}},
                  token=sec, headers={"If-Match": r.headers.get("ETag")})
    after, _ = wait_for(lambda: (lambda x: x if "議長記者会見" in x.text else None)(
        s.request("GET", feed)))
    ok(after is not None and after.headers.get("ETag") != before.headers.get("ETag"),
       "a new Japanese title reaches the cached ja feed, with a new ETag")
    c = s.request("GET", feed, headers={"If-None-Match": before.headers.get("ETag")})
    is_(c.status, 200, "the old ja ETag is no longer a 304")


def pdf_fonts(body):
    """{font name without its subset prefix: embedded?} of a PDF (pdffonts)."""
    import tempfile
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(body)
        f.flush()
        out = subprocess.run(["pdffonts", f.name], stdout=subprocess.PIPE,
                             timeout=60).stdout.decode("utf-8", "replace")
    fonts = {}
    for line in out.splitlines()[2:]:
        m = re.match(r"(?:[A-Z]{6}\+)?(\S+)\s+(.*?)\s+(\S+)\s+(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+$",
                     line)
        if m:
            fonts[m.group(1)] = m.group(4) == "yes"
    return fonts


def pdf(s):
    r = s.request("GET", "/api/v1/conferences/%s/programme.pdf?lang=ja" % SLUG)
    is_(r.status, 200, "programme.pdf?lang=ja: 200")
    p = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=r.body,
                       stdout=subprocess.PIPE, timeout=120)
    text = p.stdout.decode("utf-8", "replace").replace("\n", "")
    ok(JA_DFFT.replace("（", "").replace("）", "")[:8] in text and
       "インターネット・ガバナンス" in text, "the PDF in ja holds the Japanese titles")
    ok("Emerging and Disruptive" in text.replace("  ", " "), "the PDF falls back to en per item")
    plain = s.request("GET", "/api/v1/conferences/%s/programme.pdf" % SLUG)
    ja, en = pdf_fonts(r.body), pdf_fonts(plain.body)
    extra = {n for n in ja if n not in en}
    ok(extra and all(ja.values()),
       "the ja PDF embeds a font the English one has no need of (the Japanese glyphs): %s"
       % sorted(extra))
    r = s.request("GET", "/api/v1/conferences/%s/programme.pdf?lang=fr" % SLUG)
    ok(r.status == 400 and "en, ja" in r.text, "programme.pdf?lang=fr: 400 naming en, ja")
    r = s.request("GET", "/api/v1/conferences/%s/programme.pdf?lang=ja_JP" % SLUG)
    ok(r.status == 400 and "en, ja" in r.text, "programme.pdf?lang=ja_JP (malformed): 400 naming en, ja")


def client(s):
    """kaigi agenda and sync with --lang: the feed in that language."""
    import tempfile
    kaigi = os.path.abspath(os.environ.get("KAIGI") or os.path.join(TOP, "client", "kaigi"))
    env = dict(os.environ, KAIGI_CONFIG="/dev/null", TZ="Asia/Tokyo")
    env.pop("KAIGI_URL", None)
    env.pop("KAIGI_TOKEN", None)
    url = "http://127.0.0.1:%d/conferences/%s/calendar.ics" % (s.port, SLUG)

    def run(*args):
        p = subprocess.run([kaigi] + list(args), capture_output=True, text=True, env=env,
                           timeout=60)
        return p.returncode, p.stdout, p.stderr
    rc, out, err = run("agenda", "--feed", url, "--lang", "ja")
    ok(rc == 0 and JA_DFFT in out and "Emerging and Disruptive" in out and EN_DFFT not in out,
       "kaigi agenda --lang ja: Japanese titles, English where none")
    rc, out, err = run("agenda", "--feed", url)
    ok(rc == 0 and EN_DFFT in out and JA_DFFT not in out, "kaigi agenda without --lang: English")
    rc, out, err = run("agenda", "--feed", url, "--lang", "fr")
    ok(rc != 0 and "en, ja" in err, "kaigi agenda --lang fr: fails naming en, ja")
    rc, out, err = run("agenda", "--feed", "/dev/null", "--lang", "ja")
    ok(rc != 0 and "--lang" in err, "kaigi agenda --lang with a file: usage error")
    d = tempfile.mkdtemp(prefix="kaigi-lang-")
    rc, out, err = run("sync", "--feed", url, "--dir", d, "--lang", "ja")
    text = "".join(open(os.path.join(d, f), encoding="utf-8").read()
                   for f in os.listdir(d) if f.endswith(".ics"))
    ok(rc == 0 and "LANGUAGE=ja" in text and "インターネット・ガバナンス" in text,
       "kaigi sync --lang ja: the vdir holds the Japanese titles")
    pdfout = os.path.join(d, "programme.pdf")
    env["KAIGI_URL"] = s.url
    rc, out, err = run("programme", "--conference", SLUG, "--lang", "ja", "-o", pdfout)
    p = subprocess.run(["pdftotext", "-enc", "UTF-8", pdfout, "-"], capture_output=True,
                       timeout=60) if rc == 0 else None
    ok(p is not None and "インターネット・ガバナンス" in p.stdout.decode("utf-8", "replace"),
       "kaigi programme --lang ja: the PDF holds the Japanese titles")
    rc, out, err = run("programme", "--conference", SLUG, "--lang", "fr", "-o", pdfout)
    ok(rc != 0 and "en, ja" in err, "kaigi programme --lang fr: fails naming en, ja")


def page(s):
    """The page's language picker in Chromium (tests/web/languages.js)."""
    import json
    env = dict(os.environ, KAIGI_WEB_URL=s.url,
               KAIGI_WEB_CHROMIUM=os.environ.get("KAIGI_WEB_CHROMIUM", "/usr/bin/chromium"))
    p = subprocess.run(["node", os.path.join(TOP, "tests", "web", "languages.js")], env=env,
                       cwd=TOP, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=240)
    try:
        rep = json.loads(p.stdout.decode("utf-8").strip().splitlines()[-1])
    except (ValueError, IndexError):
        diag(p.stderr.decode("utf-8", "replace")[-2000:])
        rep = {"steps": {}}

    def value(name):
        st = rep["steps"].get(name)
        ok(st is not None and st["ok"], "browser: %s" % name)
        if st is not None and not st["ok"]:
            diag(st["error"])
        return (st or {}).get("value") or {}
    a, b, c = value("load"), value("ja"), value("en again")
    ok(a.get("picker") and a.get("options") == ["en", "ja"], "page: a picker with en and ja")
    ok(any("Internet Governance" in t for t in a.get("texts", [])) and
       not any("インターネット" in t for t in a.get("texts", [])), "page: English by default")
    ok(any("インターネット・ガバナンス" in t for t in b.get("texts", [])) and
       not any("Internet Governance" in t for t in b.get("texts", [])),
       "page: ja shows the Japanese titles")
    ok(any("Working lunch" in t for t in b.get("texts", [])) or
       any("Bilateral" in t or "–" in t for t in b.get("texts", [])),
       "page: sessions without Japanese keep their English text")
    ok(str(b.get("subscribe", "")).endswith("calendar.ics?lang=ja") and
       str(c.get("subscribe", "")).endswith("calendar.ics"), "page: Subscribe carries ?lang=ja")
    ok(not rep.get("pageErrors"), "page: no page errors")


def main():
    with Server() as s:
        adm = s.token("admin")
        sec = s.token("secretariat", conference=SLUG)
        conference_languages(s, adm, sec)
        session_titles(s, sec)
        feeds(s, sec)
        pdf(s)
        client(s)
        page(s)
        is_(s.stop(), 0, "kaigid exits 0")


main()
done_testing()
