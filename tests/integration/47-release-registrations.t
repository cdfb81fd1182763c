#!/usr/bin/python3
"""47-release-registrations.t — side-event registrations in release mode
(issue 17 item 6 × issue 18; sql/180_registrations.sql,
sql/410_release_registrations.sql).

A confirmed registration lets the registrant's participant feed and the
registrant's delegation (its feed, its liaison's session list and
programme) see a restricted side event (180's clause of
kaigi_session_visible). On the demo, in live mode, the secretariat adds a
restricted side event for Germany ("Robotics breakfast", 1 seat) and
registers a Japanese staff member (Alpha: confirmed) and a French one
(Beta: waiting, position 1); Gamma, another Japanese, is registered for
nothing. Every view is read: the feeds of Alpha, Beta, Gamma, Japan,
France and Canada and the public feed (python3-icalendar: SUMMARY, times,
LOCATION, STATUS, SEQUENCE, DESCRIPTION), the programme.pdf of Alpha,
Beta, Japan, France and an anonymous reader (pdftotext), the session list
of Japan's, France's and Canada's liaisons and an anonymous reader, and
GET /sessions/{id} of the event by the three liaisons.

Then the conference publishes by release and release 1 is made: every view
must be what live mode showed. (Before 410 the release's rule,
kaigi_release_visible, had no registration clause: Alpha's feed and
programme, Japan's feed, programme and session list lost the event.)
kaigi_release_visible must also equal kaigi_session_visible for every actor
(none, admin, secretariats, every delegation's liaison and feed, every
participant's feed) and every session of the release, as long as the
draft's parties and attendees are the release's: nobody gains or loses
anything else.

The decision (410's header): a registration is the person's own fact, not
schedule content, so in release mode it acts at once, as in live mode; only
the session's details are the last release's, and a session the last
release does not hold shows to nobody. The secretariat changes the draft
(the event retitled "Robotics brunch" and moved an hour later; a new
restricted "Drone demonstration" with Gamma confirmed) and then Japan's
liaison cancels Alpha's registration, which promotes Beta: at once, with
no new release, Beta's feed, programme and France's views have the event
as release 1 shows it (title, time, SEQUENCE of release 1, not the
draft's), Beta's feed has a new ETag (If-None-Match with the old one is a
200), Alpha's and Japan's views lose it, Gamma's feed has no drone
demonstration (not in release 1), and the rule still equals live mode's
for every actor. Release 2 then shows the draft: every view equals live
mode's (checked by switching back to live).
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, events, flat, fresh, one, pdf_lines, rows  # noqa: E402

API = "/api/v1/conferences/%s" % SLUG
EVENT = "Robotics breakfast"
DRAFT = "Robotics brunch"
DRONES = "Drone demonstration"


def feed_view(body):
    """{uid: (summary, start, end, location, status, sequence, description)}."""
    out = {}
    for uid, e in events(body).items():
        out[uid] = (str(e.get("SUMMARY", "")), e["DTSTART"].dt.isoformat(), e["DTEND"].dt.isoformat(),
                    str(e.get("LOCATION", "")), str(e.get("STATUS", "")), int(e.get("SEQUENCE", 0)),
                    flat(e.get("DESCRIPTION", "")))
    return out


def list_view(s, token):
    """{id: (title, start, end, room, status)} of the session list."""
    r = s.request("GET", API + "/sessions?limit=1000", token=token)
    if r.status != 200:
        return "status %d" % r.status
    return {i["id"]: (i["title"], i["start"], i["end"], i.get("room"), i["status"])
            for i in r.json["items"]}


def get_view(s, sid, token):
    r = s.request("GET", "/api/v1/sessions/%d" % sid, token=token)
    return (r.status, r.json.get("title"), r.json.get("start")) if r.status == 200 else r.status


class Views:
    """Every view this test compares, by name."""

    def __init__(self, s, ids):
        self.s, self.ids = s, ids
        tok = {c: s.token("liaison", SLUG, c) for c in ("JP", "FR", "CA")}
        self.tok = tok
        feed = "/feeds/%s.ics"
        self.feeds = [
            ("Alpha's feed", feed % s.feed_token(SLUG, participant=ids["alpha"])),
            ("Beta's feed", feed % s.feed_token(SLUG, participant=ids["beta"])),
            ("Gamma's feed", feed % s.feed_token(SLUG, participant=ids["gamma"])),
            ("Japan's feed", feed % s.feed_token(SLUG, delegation="JP")),
            ("France's feed", feed % s.feed_token(SLUG, delegation="FR")),
            ("Canada's feed", feed % s.feed_token(SLUG, delegation="CA")),
            ("public feed", API + "/calendar.ics")]
        self.pdfs = [
            ("Alpha's programme.pdf", "?participant=%d" % ids["alpha"], tok["JP"]),
            ("Beta's programme.pdf", "?participant=%d" % ids["beta"], tok["FR"]),
            ("Japan's programme.pdf", "", tok["JP"]),
            ("France's programme.pdf", "", tok["FR"]),
            ("programme.pdf (anonymous)", "", None)]
        self.lists = [("session list (%s's liaison)" % c, tok[c]) for c in ("JP", "FR", "CA")]
        self.lists.append(("session list (anonymous)", None))

    def path(self, name):
        return dict(self.feeds)[name]

    def read(self):
        got = {}
        for name, path in self.feeds:
            r = fresh(self.s, path)
            got[name] = feed_view(r.body) if r.status == 200 else r.status
        for name, query, tok in self.pdfs:
            got[name] = pdf_lines(self.s, query, tok)
        for name, tok in self.lists:
            got[name] = list_view(self.s, tok)
        for c in ("JP", "FR", "CA"):
            got["GET /sessions/{id} (%s's liaison)" % c] = get_view(self.s, self.ids["event"], self.tok[c])
        return got


def explain(name, got, want):
    """diag what differs between two readings of one view."""
    if isinstance(got, dict) and isinstance(want, dict):
        for k in sorted(set(got) | set(want), key=str):
            if got.get(k) != want.get(k):
                diag("%s %s:\n   got: %r\n  want: %r" % (name, k, got.get(k), want.get(k)))
    elif isinstance(got, list) and isinstance(want, list):
        import difflib
        for line in list(difflib.unified_diff(want, got, "want", "got", lineterm="", n=0))[:24]:
            diag("%s: %s" % (name, line))
    else:
        diag("%s: got %r, want %r" % (name, got, want))


def same(got, want, what):
    for name in want:
        if not ok(got.get(name) == want[name], "%s: %s" % (name, what)):
            explain(name, got.get(name), want[name])


def has(view, title):
    """Does a view show a session of that title?"""
    if isinstance(view, dict):
        return any(title == (v[0] if isinstance(v, tuple) else None) for v in view.values())
    if isinstance(view, tuple):
        return view[1] == title
    if isinstance(view, list):
        return title in " ".join(view)
    return False


def who_sees(v, title, see, what):
    """Exactly the views in see show a session of that title."""
    got = sorted(name for name in v if has(v[name], title))
    is_(got, sorted(see), "%s: %r is shown exactly to %s" % (what, title, ", ".join(sorted(see))))


def actors(s, cid):
    """Every kind of reader (as 22-visible-set.t)."""
    out = [{"role": "none"}, {"role": "admin"},
           {"role": "secretariat", "conference_id": cid},
           {"role": "secretariat", "conference_id": cid + 1000}]
    for (d,) in rows(s, "SELECT id FROM delegations WHERE conference_id = %s ORDER BY id", cid):
        out.append({"role": "liaison", "conference_id": cid, "delegation_id": d})
        out.append({"role": "feed", "conference_id": cid, "delegation_id": d})
    for (p,) in rows(s, "SELECT id FROM participants WHERE conference_id = %s ORDER BY id", cid):
        out.append({"role": "feed", "conference_id": cid, "participant_id": p, "delegation_id": None})
    return out


def rule_equal(s, cid, what):
    """The release's rule equals live mode's for every actor and every
    session of the last release (whose parties and attendees are the
    draft's: only registrations, which are live, may differ)."""
    every = actors(s, cid)
    differ = rows(s, """SELECT rs.session_id, rs.title, a.actor::text,
            kaigi_release_visible(rs, a.actor), kaigi_session_visible(rs.session_id, a.actor)
        FROM release_sessions rs, jsonb_array_elements(%s::jsonb) a (actor)
        WHERE rs.release_id = (kaigi_release_last(%s)).id
          AND kaigi_release_visible(rs, a.actor) IS DISTINCT FROM
              kaigi_session_visible(rs.session_id, a.actor)
        ORDER BY 1, 3""", json.dumps(every), cid)
    n = one(s, "SELECT count(*) FROM release_sessions WHERE release_id = (kaigi_release_last(%s)).id", cid)
    if not ok(differ == [], "%s: kaigi_release_visible = kaigi_session_visible for %d actors x %d sessions"
              % (what, len(every), n)):
        for d in differ[:8]:
            diag("  session %s %r, actor %s: release %s, live %s" % d)
        diag("  (%d pairs differ)" % len(differ))


def post(s, sec, body, what):
    r = s.request("POST", API + "/sessions", body, token=sec)
    if not is_(r.status, 201, what):
        diag(r.text[:400])
    return (r.json or {}).get("id")


def register(s, token, sid, pid, want, what):
    r = s.request("POST", "/api/v1/sessions/%d/registrations" % sid, {"participant_id": pid}, token=token)
    is_((r.status, (r.json or {}).get("status")), (201, want), what)
    return (r.json or {}).get("id")


def person(s, sec, code, name):
    r = s.request("POST", API + "/participants", {"delegation": code, "name": name, "role": "staff"},
                  token=sec)
    is_(r.status, 201, "participant %s (%s)" % (name, code))
    return (r.json or {}).get("id")


def at(t):
    return "2023-04-29T%s:00+09:00" % t


def live_visibility(v):
    """Who sees the event while Alpha is confirmed and Beta waits."""
    who_sees(v, EVENT, ["Alpha's feed", "Japan's feed", "Alpha's programme.pdf", "Japan's programme.pdf",
                        "session list (JP's liaison)", "GET /sessions/{id} (JP's liaison)"],
             "Alpha confirmed, Beta waiting")


def setup(s, sec, ids):
    hall = one(s, "SELECT id FROM rooms WHERE name = 'Main Hall'")
    ids["event"] = post(s, sec, {
        "kind": "side_event", "title": EVENT, "room_id": hall, "start": at("08:00"), "end": at("09:00"),
        "visibility": "restricted", "delegations": ["DE"], "capacity": 1,
        "description": "Hosted by Germany."}, "a restricted side event for Germany, 1 seat")
    ids["alpha"] = person(s, sec, "JP", "Reg Alpha")
    ids["beta"] = person(s, sec, "FR", "Reg Beta")
    ids["gamma"] = person(s, sec, "JP", "Reg Gamma")
    ids["reg_alpha"] = register(s, sec, ids["event"], ids["alpha"], "confirmed", "Alpha: confirmed")
    register(s, sec, ids["event"], ids["beta"], "waiting", "Beta: waiting")
    ids["hall"] = hall


def draft_changes(s, sec, ids):
    """Retitle and move the event; a new restricted event, Gamma confirmed."""
    r = s.request("GET", "/api/v1/sessions/%d" % ids["event"], token=sec)
    r = s.request("PATCH", "/api/v1/sessions/%d" % ids["event"],
                  {"title": DRAFT, "start": at("09:00"), "end": at("10:00")}, token=sec,
                  headers={"If-Match": r.headers.get("ETag")})
    is_(r.status, 200, "draft: the event retitled %r and moved an hour later" % DRAFT)
    ids["drones"] = post(s, sec, {
        "kind": "side_event", "title": DRONES, "room_id": ids["hall"], "start": at("10:30"),
        "end": at("11:30"), "visibility": "restricted", "delegations": ["DE"], "capacity": 5},
        "draft: a new restricted side event")
    register(s, sec, ids["drones"], ids["gamma"], "confirmed", "Gamma: confirmed for the drones")


def promotion(s, v, ids, rel1):
    """Alpha's registration cancelled in release mode: Beta promoted, at once."""
    beta = v.path("Beta's feed")
    etag = s.request("GET", beta).headers.get("ETag")
    r = s.request("DELETE", "/api/v1/registrations/%d" % ids["reg_alpha"], token=v.tok["JP"])
    is_(r.status, 204, "Japan's liaison cancels Alpha's registration (release mode)")
    st = rows(s, "SELECT participant_id, status FROM registrations WHERE session_id = %s", ids["event"])
    is_(st, [(ids["beta"], "confirmed")], "Beta is promoted")
    got = v.read()
    who_sees(got, EVENT, ["Beta's feed", "France's feed", "Beta's programme.pdf", "France's programme.pdf",
                          "session list (FR's liaison)", "GET /sessions/{id} (FR's liaison)"],
             "after the promotion, before release 2")
    for name in got:
        ok(not has(got[name], DRAFT) and not has(got[name], DRONES),
           "%s: nothing of the draft (no %r, no %r)" % (name, DRAFT, DRONES))
    uid = "session-%d@" % ids["event"]
    was = [e for k, e in rel1["Alpha's feed"].items() if k.startswith(uid)]
    now = [e for k, e in got["Beta's feed"].items() if k.startswith(uid)]
    ok(len(now) == 1 and now == was and now[0][:3] == (EVENT, at("08:00"), at("09:00")),
       "Beta's feed: the event as release 1 showed it to Alpha (title, time, SEQUENCE), not the draft")
    if now != was:
        diag("   got: %r\n  want: %r" % (now, was))
    is_(got["GET /sessions/{id} (FR's liaison)"], (200, EVENT, at("08:00")),
        "GET /sessions/{id}: release 1's title and time for France's liaison")
    r = s.request("GET", beta, headers={"If-None-Match": etag})
    ok(r.status == 200 and r.headers.get("ETag") != etag, "Beta's feed: a new ETag, no 304 for the old one")
    r2 = s.request("GET", beta, headers={"If-None-Match": r.headers.get("ETag")})
    is_(r2.status, 304, "and 304 for the new one")
    for name in ("Canada's feed", "public feed", "Gamma's feed", "programme.pdf (anonymous)",
                 "session list (CA's liaison)", "session list (anonymous)"):
        same({name: got[name]}, {name: rel1[name]}, "unchanged by the promotion")
    return got


def main(s):
    sec = s.token("secretariat", conference=SLUG)
    cid = one(s, "SELECT id FROM conferences WHERE slug = %s", SLUG)
    ids = {}
    setup(s, sec, ids)
    v = Views(s, ids)
    live1 = v.read()
    live_visibility(live1)
    r = s.request("PATCH", API, {"publish": "release"}, token=sec)
    is_((r.json or {}).get("publish"), "release", "publish release")
    r = s.request("POST", API + "/releases", {"name": "R1"}, token=sec)
    is_((r.status, (r.json or {}).get("n")), (201, 1), "release 1")
    rel1 = v.read()
    same(rel1, live1, "release 1 shows what live mode showed")
    live_visibility(rel1)
    rule_equal(s, cid, "release 1")
    draft_changes(s, sec, ids)
    promotion(s, v, ids, rel1)
    rule_equal(s, cid, "release 1 after the promotion")
    r = s.request("POST", API + "/releases", {"name": "R2"}, token=sec)
    is_((r.status, (r.json or {}).get("n")), (201, 2), "release 2")
    rel2 = v.read()
    who_sees(rel2, DRONES, ["Gamma's feed", "Japan's feed", "Japan's programme.pdf",
                            "session list (JP's liaison)"], "release 2")
    rule_equal(s, cid, "release 2")
    r = s.request("PATCH", API, {"publish": "live"}, token=sec)
    is_((r.json or {}).get("publish"), "live", "back to publish live")
    same(rel2, v.read(), "release 2 shows what live mode shows of the draft")


with Server() as s:
    main(s)
done_testing()
