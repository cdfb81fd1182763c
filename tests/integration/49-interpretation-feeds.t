#!/usr/bin/python3
"""49-interpretation-feeds.t — feeds and the printed programme name the
interpreters of a session (issue 17; sql/310_interpretation_sheets.sql), to
those who may see the session and to no one else.

On the demo: the chair's seven bilaterals are restricted and interpreted ja-en
by the day's team. Parsed with python3-icalendar, the DESCRIPTION of each in
Japan's feed ends with "Interpretation: ja↔en (Interpreter A1, …, Interpreter
A2, …)"; Canada's feed has the line on its own bilateral with Japan only; an
interpreter's own feed has it on the sessions they interpret; France's feed,
the public feed and the anonymous room feed (busy blocks) name no
interpreter. A public session needing ja-en shows its interpreter in the
public feed. A confidential interpreted meeting leaves the room feed of a
non-party "busy" with no name. Japan's programme.pdf (pdftotext) prints the
line; France's does not.
"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, events, one  # noqa: E402

TEAM_A = "Interpreter A1, Japan (illustrative), Interpreter A2, Japan (illustrative)"
LINE_A = "Interpretation: ja↔en (%s)" % TEAM_A


def flat(text):
    return " ".join(text.split())


def descriptions(body):
    """{summary: flattened DESCRIPTION} of a feed's events."""
    return {str(e.get("SUMMARY", "")): flat(str(e.get("DESCRIPTION", "")))
            for e in events(body).values()}


def feed(s, path, token=None):
    r = s.request("GET", path, token=token)
    is_(r.status, 200, "GET %s: 200" % path.split("?")[0][:60])
    return r


def pdf_text(pdf):
    with tempfile.NamedTemporaryFile(suffix=".pdf", delete=False) as f:
        f.write(pdf)
    p = subprocess.run(["pdftotext", "-enc", "UTF-8", f.name, "-"], capture_output=True)
    os.unlink(f.name)
    return flat(p.stdout.decode("utf-8", "replace"))


def party_feeds(s):
    jp = descriptions(feed(s, "/feeds/%s.ics" % s.feed_token(SLUG, delegation="JP")).body)
    bil = {k: v for k, v in jp.items() if k.startswith("Bilateral meeting: Japan")}
    is_(len(bil), 7, "Japan's feed has the chair's seven bilaterals")
    ok(all("Interpretation: ja↔en (Interpreter " in v for v in bil.values()),
       "... each DESCRIPTION names its interpreters")
    ok(LINE_A in bil.get("Bilateral meeting: Japan – Canada", ""),
       "... Japan–Canada: '%s'" % LINE_A)
    ca = descriptions(feed(s, "/feeds/%s.ics" % s.feed_token(SLUG, delegation="CA")).body)
    named = sorted(k for k, v in ca.items() if "Interpreter" in v)
    is_(named, ["Bilateral meeting: Japan – Canada"],
        "Canada's feed names interpreters on its own bilateral only")
    fr = feed(s, "/feeds/%s.ics" % s.feed_token(SLUG, delegation="FR"))
    ok("Interpreter" not in fr.text and "Interpretation" not in fr.text,
       "France's feed (party to none of them) names no interpreter")
    a1 = one(s, "SELECT id FROM participants WHERE name = 'Interpreter A1, Japan (illustrative)'")
    own = descriptions(feed(s, "/feeds/%s.ics" % s.feed_token(SLUG, participant=a1)).body)
    is_(sorted(k for k, v in own.items() if LINE_A in v),
        sorted(k for k in bil if k.split("– ")[1] in ("Canada", "Italy", "United States",
                                                      "European Union")),
        "Interpreter A1's own feed: the line on the four bilaterals of 29 April")


def outsiders(s):
    pub = feed(s, "/api/v1/conferences/%s/calendar.ics" % SLUG)
    ok("Interpreter" not in pub.text and "Interpretation" not in pub.text,
       "the public feed (the bilaterals are restricted) names no interpreter")
    room_a = one(s, "SELECT id FROM rooms WHERE name = 'Bilateral Room A'")
    r = feed(s, "/api/v1/conferences/%s/rooms/%d/calendar.ics" % (SLUG, room_a))
    ok(len(events(r.body)) > 0 and "Interpreter" not in r.text and "Interpretation" not in r.text,
       "the anonymous room feed of Bilateral Room A: busy blocks, no interpreter")


def public_session(s, sec):
    hall = one(s, "SELECT id FROM rooms WHERE name = 'Plenary Hall'")
    b1 = one(s, "SELECT id FROM participants WHERE name = 'Interpreter B1, Japan (illustrative)'")
    r = s.request("POST", "/api/v1/conferences/%s/sessions" % SLUG, {
        "kind": "press", "title": "Interpreted press briefing", "room_id": hall,
        "start": "2023-04-28T09:00:00+09:00", "end": "2023-04-28T09:30:00+09:00",
        "visibility": "public", "interpretation": ["ja-en"], "interpreters": [b1]}, token=sec)
    is_(r.status, 201, "a public press briefing needing ja-en, Interpreter B1 given")
    pub = descriptions(feed(s, "/api/v1/conferences/%s/calendar.ics" % SLUG).body)
    like(pub.get("Interpreted press briefing", ""),
         r"Interpretation: ja↔en \(Interpreter B1, Japan \(illustrative\)\)$",
         "the public feed names its interpreter")


def confidential(s, sec):
    room_c = one(s, "SELECT id FROM rooms WHERE name = 'Bilateral Room C'")
    heads = {c: one(s, "SELECT p.id FROM participants p JOIN delegations d ON d.id = p.delegation_id "
                       "WHERE d.code = %s AND p.role = 'head' ORDER BY p.id LIMIT 1", c) for c in ("JP", "GB")}
    r = s.request("POST", "/api/v1/conferences/%s/sessions" % SLUG, {
        "kind": "bilateral", "title": "Secret talks", "room_id": room_c,
        "start": "2023-04-28T10:00:00+09:00", "end": "2023-04-28T10:30:00+09:00",
        "visibility": "confidential", "attendees": [heads["JP"], heads["GB"]],
        "delegations": ["JP", "GB"], "interpretation": ["ja-en"]}, token=sec)
    is_(r.status, 201, "a confidential bilateral needing ja-en (one interpreter picked)")
    picked = [i["name"] for i in (r.json or {}).get("interpreters", [])]
    is_(len(picked), 1, "... one interpreter picked")
    jp = descriptions(feed(s, "/feeds/%s.ics" % s.feed_token(SLUG, delegation="JP")).body)
    ok(("Interpretation: ja↔en (%s)" % (picked[0] if picked else "?")) in jp.get("Secret talks", ""),
       "a party (Japan) sees the interpreter's name")
    for name, path, tok in (
            ("the anonymous room feed", "/api/v1/conferences/%s/rooms/%d/calendar.ics" % (SLUG, room_c), None),
            ("the FR liaison's room feed", "/api/v1/conferences/%s/rooms/%d/calendar.ics" % (SLUG, room_c),
             s.token("liaison", SLUG, "FR")),
            ("France's feed", "/feeds/%s.ics" % s.feed_token(SLUG, delegation="FR"), None)):
        r = feed(s, path, tok)
        ok("Secret talks" not in r.text and (not picked or picked[0].split(",")[0] not in r.text.replace("\r\n ", "")),
           "%s: no title, no interpreter" % name)


def programme(s, sec):
    r = s.request("GET", "/api/v1/conferences/%s/programme.pdf?delegation=JP" % SLUG, token=sec)
    is_(r.status, 200, "Japan's programme.pdf: 200")
    text = pdf_text(r.body)
    ok(LINE_A in text, "the PDF prints '%s'" % LINE_A)
    r = s.request("GET", "/api/v1/conferences/%s/programme.pdf?delegation=FR" % SLUG,
                  token=s.token("liaison", SLUG, "FR"))
    is_(r.status, 200, "France's programme.pdf (its liaison): 200")
    text = pdf_text(r.body)
    ok("Interpreter A" not in text and "ja↔en" in text,
       "... no bilateral interpreter named (the public briefing's line only)")


with Server() as s:
    sec = s.token("secretariat", conference=SLUG)
    party_feeds(s)
    outsiders(s)
    public_session(s, sec)
    confidential(s, sec)
    programme(s, sec)
done_testing()
