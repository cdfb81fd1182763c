#!/usr/bin/python3
"""47-release-registration-draft.t — in release mode a liaison sees the
last release, also through the registration calls
(sql/590_registration_release_view.sql).

On the demo, published by release (release 1 made with a side event of
seats in it): the secretariat adds another public side event with seats to
the draft only, and retitles the released one in the draft. For Japan's
liaison:
- the draft-only event: GET /sessions/{id} is 404, and so are POST and
  GET /sessions/{id}/registrations (they answered 201 and 200 before 590:
  the draft's rule); nothing is stored;
- the secretariat registers a Japanese participant for it (it sees the
  draft): 201; the liaison's registrations export has no row of it (before
  590: a row under its draft title);
- the released event, retitled in the draft: the liaison registers for it
  (201) and the export names it by the title of the release, not the
  draft's;
- after release 2 the draft-only event is the liaison's like any other:
  201, and the export has its row.
"""
import csv
import io
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "g7-digital-2023"
C = "/api/v1/conferences/" + SLUG


def call(s, tok, method, path, body=None, want=200):
    r = s.request(method, path, body, token=tok)
    if r.status != want:
        raise RuntimeError("%s %s: %r" % (method, path, r))
    return r.json


def export(s, tok):
    """{session: [participant, ...]} of the registrations export."""
    r = s.request("GET", "%s/export/registrations.csv" % C, token=tok)
    is_(r.status, 200, "the registrations export answers")
    out = {}
    for row in csv.DictReader(io.StringIO(r.text)):
        out.setdefault(row["session"], []).append(row["participant"])
    return out


def person(s, sec, name):
    return call(s, sec, "POST", C + "/participants", {"delegation": "JP", "name": name,
                                                       "role": "staff"}, want=201)["id"]


def event(s, sec, title, hour):
    return call(s, sec, "POST", C + "/sessions", {
        "kind": "side_event", "title": title, "capacity": 10,
        "start": "2023-04-29T%02d:00:00+09:00" % hour,
        "end": "2023-04-29T%02d:00:00+09:00" % (hour + 1)}, want=201)["id"]


def main(s):
    sec = s.token("secretariat", conference=SLUG)
    jp = s.token("liaison", conference=SLUG, delegation="JP")
    a, b, c, d = (person(s, sec, "Draft tester %s" % x) for x in "ABCD")
    released = event(s, sec, "Released breakfast", 8)
    call(s, sec, "PATCH", C, {"publish": "release"})
    call(s, sec, "POST", C + "/releases", {"name": "r1"}, want=201)
    draft = event(s, sec, "Draft-only dinner", 19)
    call(s, sec, "PATCH", "/api/v1/sessions/%d" % released, {"title": "Draft title of the breakfast"})

    is_(s.request("GET", "/api/v1/sessions/%d" % draft, token=jp).status, 404,
        "the liaison's GET of the draft-only event: 404")
    r = s.request("POST", "/api/v1/sessions/%d/registrations" % draft, {"participant_id": a}, token=jp)
    is_(r.status, 404, "the liaison's registration for it: 404 as well (was 201)")
    is_(s.request("GET", "/api/v1/sessions/%d/registrations" % draft, token=jp).status, 404,
        "and its registrations list: 404 (was 200)")
    is_(one(s, "SELECT count(*) FROM registrations WHERE session_id = %s", draft), 0, "nothing stored")

    call(s, sec, "POST", "/api/v1/sessions/%d/registrations" % draft, {"participant_id": b}, want=201)
    call(s, jp, "POST", "/api/v1/sessions/%d/registrations" % released, {"participant_id": c}, want=201)
    mine = export(s, jp)
    ok("Draft-only dinner" not in mine, "the liaison's export has no row of the draft-only event: %s" % sorted(mine))
    ok("Released breakfast" in mine and "Draft title of the breakfast" not in mine,
       "and names the released event by the release's title")
    ok("Draft-only dinner" in export(s, sec), "the secretariat's export has it (the draft)")

    call(s, sec, "POST", C + "/releases", {"name": "r2"}, want=201)
    call(s, jp, "POST", "/api/v1/sessions/%d/registrations" % draft, {"participant_id": d}, want=201)
    mine = export(s, jp)
    is_(sorted(mine.get("Draft-only dinner", [])), sorted(["Draft tester B", "Draft tester D"]),
        "after release 2 the event is the liaison's like any other")


with Server() as s:
    main(s)
done_testing()
