#!/usr/bin/python3
"""47-release-summit.t — releases carry the summit data (issue 17 × issue 18;
sql/390_release_summit.sql): interpretation (a session's pairs and its
interpreters) and representation (an attendance's mode, represented_by and
remote link).

On the demo, in live mode, the secretariat adds a restricted Japanese
meeting (Minister Kono represented by the deputy, a member remote with a
link), a public press briefing interpreted ja-en by Interpreter B1 and a
confidential Japan–United Kingdom meeting interpreted ja-en; the demo
already has the chair's seven bilaterals interpreted by the day's team and
Kono represented at the DX Summit. Each view is read in live mode: the
public feed, the feeds of Japan, Canada, France and Interpreter A1, the
room feeds of Bilateral Rooms A and C (anonymous, and France's liaison's)
— every event's SUMMARY, DESCRIPTION and CONFERENCE (python3-icalendar) —
the programme.pdf of an anonymous reader, Japan's and France's liaisons
and Interpreter A1 (pdftotext, the "Printed" line left out), and the page's
data (the session list of an anonymous reader and of Japan's and Canada's
liaisons: attendees with their mode, representative and link,
interpretation, interpreters).

Then the conference publishes by release and release 1 is made: every
view must be exactly what it was in live mode (the represented lines, the
remote link only to who may see the session, the interpretation line and
the interpreter's own sessions). The secretariat then changes the draft
(Kono attends in person, the member's link changes, the briefing gets
Interpreter B2 and a remote attendee with a link, Japan–Canada needs no
interpretation any more): until release 2 every view stays release 1's
(the public feed keeps its ETag), while the secretariat's room feed shows
the draft. After release 2 every view is what live mode shows of the
draft (checked by switching back to live).
"""
import difflib
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, events, flat, fresh, one, pdf_lines  # noqa: E402

API = "/api/v1/conferences/%s" % SLUG
LINK = "https://meet.example.org/jp-remote?pwd=abc123"
LINK2 = "https://meet.example.org/jp-remote-2"
LINK3 = "https://meet.example.org/briefing"
TEAM_A = "Interpreter A1, Japan (illustrative), Interpreter A2, Japan (illustrative)"
LINE_A = "Interpretation: ja↔en (%s)" % TEAM_A
DEPUTY = "Deputy Head, Japan (illustrative)"


def feed_view(body):
    """{uid: (summary, description, conference links)} of a feed."""
    out = {}
    for uid, e in events(body).items():
        conf = e.get("CONFERENCE")
        conf = conf if isinstance(conf, list) else [conf] if conf is not None else []
        out[uid] = (str(e.get("SUMMARY", "")), flat(e.get("DESCRIPTION", "")),
                    sorted(str(c) for c in conf))
    return out


def json_view(s, token):
    """{id: (attendees, interpretation, interpreters)} of the session list."""
    r = s.request("GET", API + "/sessions?limit=1000", token=token)
    if r.status != 200:
        return "status %d" % r.status
    return {i["id"]: (i.get("attendees"), i.get("interpretation"), i.get("interpreters"))
            for i in r.json["items"]}


class Views:
    """Every view this test compares: feeds and programmes, by name."""

    def __init__(self, s, ids):
        self.s = s
        room = "%s/rooms/%%d/calendar.ics" % API
        fr = s.token("liaison", SLUG, "FR")
        jp = s.token("liaison", SLUG, "JP")
        self.feeds = [
            ("public feed", API + "/calendar.ics", None),
            ("Japan's feed", "/feeds/%s.ics" % s.feed_token(SLUG, delegation="JP"), None),
            ("Canada's feed", "/feeds/%s.ics" % s.feed_token(SLUG, delegation="CA"), None),
            ("France's feed", "/feeds/%s.ics" % s.feed_token(SLUG, delegation="FR"), None),
            ("Interpreter A1's feed", "/feeds/%s.ics" % s.feed_token(SLUG, participant=ids["a1"]), None),
            ("room A feed (anonymous)", room % ids["room_a"], None),
            ("room C feed (anonymous)", room % ids["room_c"], None),
            ("room C feed (France's liaison)", room % ids["room_c"], fr)]
        self.lists = [
            ("session list (anonymous)", None),
            ("session list (Japan's liaison)", jp),
            ("session list (Canada's liaison)", s.token("liaison", SLUG, "CA"))]
        self.pdfs = [
            ("programme.pdf (anonymous)", "", None),
            ("Japan's programme.pdf", "?delegation=JP", jp),
            ("France's programme.pdf", "?delegation=FR", fr),
            ("Interpreter A1's programme.pdf", "?participant=%d" % ids["a1"], jp)]

    def read(self):
        got = {}
        for name, path, tok in self.feeds:
            r = fresh(self.s, path, tok)
            got[name] = feed_view(r.body) if r.status == 200 else r.status
        for name, query, tok in self.pdfs:
            got[name] = pdf_lines(self.s, query, tok)
        for name, tok in self.lists:
            got[name] = json_view(self.s, tok)
        return got


def explain(name, got, want):
    """diag what differs between two readings of one view."""
    if isinstance(got, dict) and isinstance(want, dict):
        for uid in sorted(set(got) | set(want)):
            if got.get(uid) != want.get(uid):
                diag("%s %s:\n   got: %r\n  want: %r" % (name, uid, got.get(uid), want.get(uid)))
    elif isinstance(got, list) and isinstance(want, list):
        for line in list(difflib.unified_diff(want, got, "want", "got", lineterm="", n=0))[:24]:
            diag("%s: %s" % (name, line))
    else:
        diag("%s: got %r, want %r" % (name, got, want))


def same(got, want, what):
    for name in want:
        if not ok(got.get(name) == want[name], "%s: %s" % (name, what)):
            explain(name, got.get(name), want[name])


def patch(s, sec, sid, body, what):
    r = s.request("GET", "/api/v1/sessions/%d" % sid, token=sec)
    r = s.request("PATCH", "/api/v1/sessions/%d" % sid, body, token=sec,
                  headers={"If-Match": r.headers.get("ETag")})
    if not is_(r.status, 200, "draft: %s" % what):
        diag(r.text[:400])


def post(s, sec, body, what):
    r = s.request("POST", API + "/sessions", body, token=sec)
    if not is_(r.status, 201, what):
        diag(r.text[:400])
    return (r.json or {}).get("id")


def at(t):
    return "2023-04-28T%s:00+09:00" % t


def person(s, code, role):
    return one(s, "SELECT p.id FROM participants p JOIN delegations d ON d.id = p.delegation_id"
               " WHERE d.code = %s AND p.role = %s ORDER BY p.id LIMIT 1", code, role)


def setup(s, sec, ids):
    """The live sessions with summit data (besides the demo's)."""
    ids["meeting"] = post(s, sec, {
        "kind": "other", "title": "Representation test meeting", "room_id": ids["room_c"],
        "start": at("09:00"), "end": at("10:00"), "visibility": "restricted", "delegations": ["JP"],
        "attendees": [{"participant_id": ids["kono"], "mode": "represented", "represented_by": ids["deputy"]},
                      {"participant_id": ids["member"], "mode": "remote", "link": LINK}, ids["staff"]]},
        "the restricted JP meeting: Kono represented, a member remote")
    ids["briefing"] = post(s, sec, {
        "kind": "press", "title": "Interpreted press briefing", "room_id": ids["hall"],
        "start": at("12:00"), "end": at("12:30"), "visibility": "public",
        "interpretation": ["ja-en"], "interpreters": [ids["b1"]]},
        "a public press briefing, ja-en by Interpreter B1")
    ids["secret"] = post(s, sec, {
        "kind": "bilateral", "title": "Secret talks", "room_id": ids["room_c"],
        "start": at("10:30"), "end": at("11:00"), "visibility": "confidential",
        "attendees": [ids["kono"], person(s, "GB", "head")], "delegations": ["JP", "GB"],
        "interpretation": ["ja-en"]}, "a confidential JP–GB meeting, ja-en")


def draft_changes(s, sec, ids):
    patch(s, sec, ids["meeting"], {"attendees": [
        {"participant_id": ids["kono"], "mode": "in_person"},
        {"participant_id": ids["member"], "mode": "remote", "link": LINK2}, ids["staff"]]},
        "Kono attends in person, the member's link changes")
    patch(s, sec, ids["briefing"], {"interpreters": [ids["b2"]], "attendees": [
        {"participant_id": ids["member"], "mode": "remote", "link": LINK3}]},
        "the briefing: Interpreter B2, a remote attendee")
    patch(s, sec, ids["bil"], {"interpretation": []}, "Japan–Canada needs no interpretation")


def visibility(v):
    """Who sees what, spelled out (the comparisons hold it equal to live)."""
    def text(name):
        return repr(v.get(name))
    for name in ("public feed", "Canada's feed", "France's feed", "room C feed (anonymous)",
                 "room C feed (France's liaison)", "programme.pdf (anonymous)",
                 "France's programme.pdf", "session list (anonymous)",
                 "session list (Canada's liaison)"):
        ok("meet.example.org" not in text(name) and "Representation test" not in text(name)
           and "Secret talks" not in text(name), "%s: no remote link, no restricted meeting" % name)
    for name in ("public feed", "France's feed", "room A feed (anonymous)", "France's programme.pdf"):
        ok("Interpreter A" not in text(name), "%s: no bilateral interpreter named" % name)
    jp = v.get("Japan's feed") or {}
    ok(any(x[0] == "Representation test meeting" and x[2] == [LINK] for x in jp.values()),
       "Japan's feed: CONFERENCE is the link of its meeting")
    ok(any(x[0] == "Bilateral meeting: Japan – Canada" and LINE_A in x[1] for x in jp.values()),
       "Japan's feed: Japan–Canada names its interpreters")
    jl = v.get("session list (Japan's liaison)") or {}
    ok(any(any(x.get("link") == LINK for x in (a or [])) for a, _, _ in jl.values()),
       "Japan's liaison's session list: the member's link")
    a1 = v.get("Interpreter A1's feed") or {}
    is_(sum(1 for x in a1.values() if LINE_A in x[1]), 4,
        "Interpreter A1's feed: the four bilaterals of 29 April with the line")
    pdf = " ".join(v.get("Japan's programme.pdf") or [])
    ok("Kono Taro (head) represented by %s" % DEPUTY in pdf and "(remote)" in pdf and LINE_A in pdf,
       "Japan's programme.pdf: represented by, (remote), the interpretation line")


def main(s):
    sec = s.token("secretariat", conference=SLUG)
    room = "SELECT id FROM rooms WHERE name = %s"
    ids = {"kono": person(s, "JP", "head"), "deputy": person(s, "JP", "deputy"),
           "member": person(s, "JP", "member"), "staff": person(s, "JP", "staff"),
           "room_a": one(s, room, "Bilateral Room A"), "room_c": one(s, room, "Bilateral Room C"),
           "hall": one(s, room, "Plenary Hall"),
           "bil": one(s, "SELECT id FROM sessions WHERE title = 'Bilateral meeting: Japan – Canada'")}
    for k, n in (("a1", "A1"), ("b1", "B1"), ("b2", "B2")):
        ids[k] = one(s, "SELECT id FROM participants WHERE name = %s", "Interpreter %s, Japan (illustrative)" % n)
    setup(s, sec, ids)
    v = Views(s, ids)
    live1 = v.read()
    visibility(live1)
    r = s.request("PATCH", API, {"publish": "release"}, token=sec)
    is_((r.json or {}).get("publish"), "release", "publish release")
    r = s.request("POST", API + "/releases", {"name": "R1"}, token=sec)
    is_((r.status, (r.json or {}).get("n")), (201, 1), "release 1")
    rel1 = v.read()
    same(rel1, live1, "release 1 shows what live mode showed")
    visibility(rel1)
    etag = s.request("GET", API + "/calendar.ics").headers.get("etag")
    draft_changes(s, sec, ids)
    same(v.read(), live1, "a draft change does not show before release 2")
    is_(s.request("GET", API + "/calendar.ics").headers.get("etag"), etag,
        "the public feed (rendered again above) keeps its ETag")
    mine = fresh(s, "%s/rooms/%d/calendar.ics" % (API, ids["room_c"]), sec).text.replace("\r\n ", "")
    ok(LINK2 in mine and LINK not in mine, "the secretariat's room feed shows the draft's link")
    r = s.request("POST", API + "/releases", {"name": "R2"}, token=sec)
    is_((r.status, (r.json or {}).get("n")), (201, 2), "release 2")
    rel2 = v.read()
    ok(rel2 != live1, "release 2 changed the views")
    r = s.request("PATCH", API, {"publish": "live"}, token=sec)
    is_((r.json or {}).get("publish"), "live", "back to publish live")
    same(rel2, v.read(), "release 2 shows what live mode shows of the draft")


with Server() as s:
    main(s)
done_testing()
