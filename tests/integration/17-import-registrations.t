#!/usr/bin/python3
"""17-import-registrations.t — side-event registration without JSON (issue
17, item 6, through issue 15's import and export;
sql/510_registration_sheets.sql).

  * sessions.csv carries a session's seats (capacity): imported, exported;
  * registrations.csv {session, participant, status, position}: rows
    registered in the file's order, the seats to the first, the others
    waiting in order; the export reads back; importing it again changes
    nothing, and into a copy of the conference gives the same export;
  * a seat freed by a larger capacity in sessions.csv promotes the first
    waiting registration;
  * bad rows are a 422 naming the row and the column, and a file with one
    bad row stores nothing: a session nobody has as ref or title, a title
    two sessions share, a person nobody is, the same registration twice, a
    session that takes no registrations (the API's 409), someone who
    attends the session; a dry run stores nothing;
  * the export is the secretariat's (every registration) and a liaison's
    (its delegation's); without a token it is refused (401).
"""
import csv
import io
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "reg-sheets"

SETUP = [
    ("venues", "name\nHall\n"),
    ("rooms", "venue,name,capacity,kind\nHall,Forum,50,side_event\nHall,Salon,20,other\n"),
    ("delegations", "code,name,kind\nJP,Japan,member\nFR,France,member\nUK,United Kingdom,member\n"),
    ("participants", "delegation,name,role,email\nJP,Aiko Sato,head,aiko@jp.example\n"
                     "JP,Ken Ito,deputy,ken@jp.example\nFR,Claire Roux,head,claire@fr.example\n"
                     "UK,Tom Hale,head,tom@uk.example\n"),
    ("sessions", "ref,kind,title,room,start,end,capacity,attendees\n"
                 "dx,side_event,DX Summit,Forum,2026-04-29 17:00,2026-04-29 18:00,2,Tom Hale\n"
                 "ai,side_event,AI Night,Forum,2026-04-30 17:00,2026-04-30 18:00,,\n"
                 ",side_event,Reception,Salon,2026-04-29 19:00,2026-04-29 20:00,,\n"
                 ",side_event,Reception,Salon,2026-04-30 19:00,2026-04-30 20:00,,\n"
                 ",plenary,Opening,Forum,2026-04-29 09:00,2026-04-29 10:00,,\n"),
]
REGS = ("session,participant\ndx,Aiko Sato\nDX SUMMIT,claire@fr.example\ndx,Ken Ito\n"
        "AI Night,Aiko Sato\n")


def imp(s, tok, kind, data, slug=SLUG, dry=False):
    return s.request("POST", "/api/v1/conferences/%s/import?kind=%s%s" % (
        slug, kind, "&dry_run=true" if dry else ""), raw=data.encode(), token=tok,
        headers={"Content-Type": "text/csv"})


def exp(s, tok, kind, slug=SLUG):
    return s.request("GET", "/api/v1/conferences/%s/export/%s.csv" % (slug, kind), token=tok)


def regs(s, slug=SLUG):
    """(session title, participant, status) in registration order."""
    with s.db().cursor() as cur:
        cur.execute("""SELECT s.title, p.name, g.status FROM registrations g
            JOIN sessions s ON s.id = g.session_id JOIN participants p ON p.id = g.participant_id
            JOIN conferences c ON c.id = g.conference_id WHERE c.slug = %s ORDER BY g.id""", (slug,))
        return cur.fetchall()


def conference(s, admin, slug):
    r = s.request("POST", "/api/v1/conferences", {
        "slug": slug, "title": "Registrations in sheets", "timezone": "Asia/Tokyo",
        "start_date": "2026-04-29", "end_date": "2026-04-30"}, token=admin)
    is_(r.status, 201, "conference " + slug)
    return s.token("secretariat", conference=slug)


def setup(s, sec, slug=SLUG):
    for kind, data in SETUP:
        r = imp(s, sec, kind, data, slug)
        if not is_(r.status, 200, "import %s into %s" % (kind, slug)):
            diag(r.text[:600])


def registered(s, sec):
    r = imp(s, sec, "registrations", REGS)
    if not is_((r.status, (r.json or {}).get("created")), (200, [2, 3, 4, 5]),
                "registrations.csv: every row created"):
        diag(r.text[:800])
    is_(regs(s), [("DX Summit", "Aiko Sato", "confirmed"), ("DX Summit", "Claire Roux", "confirmed"),
                  ("DX Summit", "Ken Ito", "waiting"), ("AI Night", "Aiko Sato", "confirmed")],
        "the two seats of the DX Summit to the first two rows, the third waits")
    f = exp(s, sec, "sessions").body.decode()
    rd = {x["title"]: x for x in csv.DictReader(io.StringIO(f))}
    is_((rd.get("DX Summit", {}).get("capacity"), rd.get("AI Night", {}).get("capacity")), ("2", ""),
        "sessions.csv: the capacity column")
    r = exp(s, sec, "registrations")
    is_(r.body.decode().split("\r\n")[:5],
        ["session,participant,status,position", "dx,aiko@jp.example,confirmed,",
         "dx,claire@fr.example,confirmed,", "dx,ken@jp.example,waiting,1",
         "ai,aiko@jp.example,confirmed,"], "registrations.csv: by session, in order, "
        "the waiting one with its position")
    r2 = imp(s, sec, "registrations", r.body.decode())
    is_((r2.status, (r2.json or {}).get("unchanged")), (200, [2, 3, 4, 5]),
        "the export imported again: every row unchanged")
    return r.body.decode()


def refused(s, sec, data, want, what, slug=SLUG):
    before = regs(s, slug)
    r = imp(s, sec, "registrations", data, slug)
    e = (r.json or {}).get("errors", [])
    if not is_((r.status, [(x.get("row"), x.get("column")) for x in e]), (422, want), what):
        diag(r.text[:800])
    is_(regs(s, slug), before, "... nothing of the file stored")
    return [x.get("message", "") for x in e]


def bad_rows(s, sec):
    m = refused(s, sec, "session,participant\nAI Night,Claire Roux\nNo Such Event,Ken Ito\n",
                [(3, "session")], "a session nobody has as ref or title: row 3")
    like(m[0] if m else "", r"no session has this ref or title", "... saying so")
    m = refused(s, sec, "session,participant\nReception,Claire Roux\n", [(2, "session")],
                "a title two sessions share: row 2")
    like(m[0] if m else "", r"2 sessions are titled Reception; give the ref", "... asking for the ref")
    refused(s, sec, "session,participant\nAI Night,Nobody Known\n", [(2, "participant")],
            "a person nobody is: row 2")
    m = refused(s, sec, "session,participant\nAI Night,Claire Roux\nai night,claire roux\n",
                [(3, "participant")], "the same registration twice: row 3")
    like(m[0] if m else "", r"the same registration as row 2", "... naming row 2")
    m = refused(s, sec, "session,participant\nAI Night,Claire Roux\nai,claire@fr.example\n",
                [(3, "participant")], "the same registration named otherwise: row 3")
    like(m[0] if m else "", r"the same registration as an earlier row", "... saying so")
    m = refused(s, sec, "session,participant\nAI Night,Ken Ito\nOpening,Ken Ito\n", [(3, None)],
                "a plenary takes no registrations: row 3")
    like(m[0] if m else "", r"takes no registrations", "... the API's reason")
    m = refused(s, sec, "session,participant\ndx,Tom Hale\n", [(2, None)],
                "someone who attends the session: row 2")
    like(m[0] if m else "", r"attends this session already", "... the API's reason")
    refused(s, sec, "session,participant,status\nAI Night,Ken Ito,maybe\n", [(2, "status")],
            "a status that is neither confirmed nor waiting: row 2")
    before = regs(s)
    r = imp(s, sec, "registrations", "session,participant\nAI Night,Ken Ito\n", dry=True)
    is_((r.status, (r.json or {}).get("created")), (200, [2]), "a dry run says it would create row 2")
    is_(regs(s), before, "... and stores nothing")


def promoted(s, sec):
    f = exp(s, sec, "sessions").body.decode()
    rd = list(csv.DictReader(io.StringIO(f)))
    for x in rd:
        if x["title"] == "DX Summit":
            x["capacity"] = "3"
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(rd[0].keys()), lineterminator="\n")
    w.writeheader()
    w.writerows(rd)
    r = imp(s, sec, "sessions", out.getvalue())
    is_((r.status, len((r.json or {}).get("updated") or [])), (200, 1),
        "sessions.csv with the DX Summit at 3 seats: one row updated")
    is_([x for x in regs(s) if x[1] == "Ken Ito"], [("DX Summit", "Ken Ito", "confirmed")],
        "... and Ken Ito, who waited, has the new seat")


def who_exports(s, sec):
    jp = s.token("liaison", conference=SLUG, delegation="JP")
    r = exp(s, jp, "registrations")
    body = r.body.decode().split("\r\n")
    is_((r.status, sorted(x.split(",")[1] for x in body[1:] if x)),
        (200, ["aiko@jp.example", "aiko@jp.example", "ken@jp.example"]),
        "the JP liaison exports its delegation's registrations only")
    r = exp(s, None, "registrations")
    is_(r.status, 401, "without a token: 401")
    like(r.text, r"registrations are exported with a token", "... saying who may")


def copy(s, admin, files):
    sec = conference(s, admin, "reg-copy")
    setup(s, sec, "reg-copy")
    r = imp(s, sec, "registrations", files, "reg-copy")
    is_((r.status, (r.json or {}).get("created")), (200, [2, 3, 4, 5]),
        "the export into a copy: every row created")
    is_(exp(s, sec, "registrations", "reg-copy").body.decode(), files,
        "... whose export is the same")


def main():
    with Server(demo=False) as s:
        admin = s.token("admin")
        sec = conference(s, admin, SLUG)
        setup(s, sec)
        files = registered(s, sec)
        bad_rows(s, sec)
        copy(s, admin, files)
        promoted(s, sec)
        who_exports(s, sec)
    done_testing()


main()
