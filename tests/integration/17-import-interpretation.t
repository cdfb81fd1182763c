#!/usr/bin/python3
"""17-import-interpretation.t — interpretation in the spreadsheets (issue 17's
gaps, through issue 15's import and export; sql/310_interpretation_sheets.sql).

  * the demo's rooms, participants, sessions and bilaterals export with the
    columns booths, language_pairs, interpretation and interpreters (the
    given ones), carrying the demo's booths, its four ja-en interpreters,
    its seven interpreted bilaterals and their teams;
  * every kind imported into a fresh conference: every row created, the
    same booths, pairs, session pairs, given interpreters and request pairs
    stored, and the copy exports byte-identical files; importing them again
    changes nothing;
  * bad values are a 422 naming the row, the column and the valid choices,
    and a file with one bad row stores nothing: booths out of 0..50, a pair
    not written as ja-en, a language the conference lacks, an interpreter
    nobody is, a room with too few booths (the API's 409 rule);
  * changes through the import: a room's booths, an interpreter's pairs
    alone, a session's pairs and given interpreters, a requested bilateral's
    pairs are "updated" and audited; a scheduled request's pairs are a row
    error saying to change its session.
"""
import csv
import io
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "g7-digital-2023"
KINDS = ["venues", "rooms", "travel-times", "delegations", "participants",
         "unavailability", "sessions", "bilaterals"]


def imp(s, tok, slug, kind, data):
    return s.request("POST", "/api/v1/conferences/%s/import?kind=%s" % (slug, kind),
                     raw=data.encode() if isinstance(data, str) else data, token=tok,
                     headers={"Content-Type": "text/csv"})


def exp(s, tok, slug, kind):
    return s.request("GET", "/api/v1/conferences/%s/export/%s.csv" % (slug, kind), token=tok)


def rows(db, q, *args):
    with db.cursor() as cur:
        cur.execute(q, args)
        return cur.fetchall()


# What the new columns carry, by natural key, in one conference.
DATA = {
    "booths": "SELECT v.name, r.name, r.booths FROM rooms r JOIN venues v ON v.id = r.venue_id "
              "JOIN conferences c ON c.id = r.conference_id WHERE c.slug = %s ORDER BY 1, 2",
    "pairs": "SELECT p.name, p.role, p.language_pairs FROM participants p JOIN conferences c "
             "ON c.id = p.conference_id WHERE c.slug = %s AND p.language_pairs <> '{}' ORDER BY 1",
    "sessions": "SELECT s.title, s.starts_at, s.interpretation, (SELECT array_agg(p.name || "
                "CASE WHEN i.auto THEN ' (auto)' ELSE '' END ORDER BY p.name) FROM session_interpreters i "
                "JOIN participants p ON p.id = i.participant_id WHERE i.session_id = s.id) "
                "FROM sessions s JOIN conferences c ON c.id = s.conference_id WHERE c.slug = %s "
                "AND s.interpretation <> '{}' ORDER BY 2, 1",
    "requests": "SELECT rq.code, cp.code, b.status, b.interpretation FROM bilateral_requests b "
                "JOIN delegations rq ON rq.id = b.requester_delegation_id JOIN delegations cp "
                "ON cp.id = b.counterpart_delegation_id JOIN conferences c ON c.id = b.conference_id "
                "WHERE c.slug = %s ORDER BY 1, 2",
}


def data(db, slug):
    return {k: rows(db, q, slug) for k, q in DATA.items()}


def header(body):
    return body.decode().split("\r\n")[0].split(",")


def demo_export(s, db, sec):
    files = {k: exp(s, sec, SLUG, k).body for k in KINDS}
    for kind, col in (("rooms", "booths"), ("participants", "language_pairs"),
                      ("sessions", "interpretation"), ("sessions", "interpreters"),
                      ("bilaterals", "interpretation")):
        ok(col in header(files[kind]), "%s.csv has the column %s" % (kind, col))
    d = data(db, SLUG)
    ok(d["booths"] and all(b == 2 for _, _, b in d["booths"]), "the demo's rooms have two booths each")
    is_([(n[:13], p) for n, _, p in d["pairs"]], [("Interpreter A", ["ja-en"])] * 2 +
        [("Interpreter B", ["ja-en"])] * 2, "the demo has four ja-en interpreters")
    is_(len(d["sessions"]), 7, "the demo has seven interpreted sessions (the chair's bilaterals)")
    ok(all(len(x[3] or []) == 2 and not any("(auto)" in n for n in x[3]) for x in d["sessions"]),
       "... each with its day's team of two, given")
    like(files["sessions"].decode(), r"ja-en,Interpreter A1, Japan \(illustrative\);Interpreter A2"
         r"|ja-en,\"Interpreter A1, Japan \(illustrative\);Interpreter A2",
         "sessions.csv names the given team")
    return files, d


def copy_conference(s, admin):
    g = s.request("GET", "/api/v1/conferences/" + SLUG).json
    body = {k: g[k] for k in ("title", "timezone", "start_date", "end_date", "changeover_minutes",
                              "day_start", "day_end", "languages")}
    body["slug"] = "copy"
    r = s.request("POST", "/api/v1/conferences", body, token=admin)
    is_(r.status, 201, "a fresh conference (the demo's languages)")
    return s.token("secretariat", conference="copy")


def round_trip(s, db, admin, files, d):
    copy = copy_conference(s, admin)
    for k in KINDS:
        r = imp(s, copy, "copy", k, files[k])
        n = len(files[k].decode().split("\r\n")) - 2
        if not is_((r.status, (r.json or {}).get("created")), (200, list(range(2, n + 2))),
                    "import %s into the copy: every row created" % k):
            diag(r.text[:800])
    is_(data(db, "copy"), d, "the copy has the same booths, pairs, session pairs, given teams "
        "and request pairs")
    for k in KINDS:
        r = exp(s, copy, "copy", k)
        ok(r.status == 200 and r.body == files[k], "export %s.csv of the copy is byte-identical" % k)
    for k in KINDS:
        r = imp(s, copy, "copy", k, files[k])
        n = len(files[k].decode().split("\r\n")) - 2
        is_((r.status, (r.json or {}).get("unchanged")), (200, list(range(2, n + 2))),
            "re-import %s: every row unchanged" % k)
    return copy


def refused(s, db, tok, kind, f, want, what):
    """A file with bad rows: 422 naming (row, column) as want, nothing stored."""
    before = data(db, "copy")
    r = imp(s, tok, "copy", kind, f)
    e = (r.json or {}).get("errors", [])
    if not is_((r.status, [(x.get("row"), x.get("column")) for x in e]), (422, want), what):
        diag(r.text[:800])
    is_(data(db, "copy"), before, "... nothing of the file stored")
    return [x.get("message", "") for x in e]


def edited(body, match, **cells):
    """The header and the one row of an exported CSV for which match(row) holds,
    with cells changed."""
    rd = list(csv.DictReader(io.StringIO(body.decode())))
    row = [x for x in rd if match(x)]
    is_(len(row), 1, "the row to change is in the export")
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(rd[0].keys()), lineterminator="\n")
    w.writeheader()
    w.writerow(dict(row[0], **cells))
    return out.getvalue()


def bad_values(s, db, copy):
    m = refused(s, db, copy, "rooms", "venue,name,capacity,booths\n"
                "G Messe Gunma,Extra Room,10,2\nG Messe Gunma,Room X,10,lots\n"
                "G Messe Gunma,Room Y,10,60\n", [(3, "booths"), (4, "booths")],
                "rooms: booths 'lots' and 60: 422 on rows 3 and 4 (row 2 is good)")
    like(m[-1] if m else "", r"between 0 and 50", "... saying the valid range")
    m = refused(s, db, copy, "participants", "delegation,name,role,language_pairs\n"
                "JP,New Interpreter,interpreter,ja-en\nJP,Bad Pairs,interpreter,JA-EN;ja\n",
                [(3, "language_pairs")], "participants: a pair in capitals: 422 on row 3")
    like(m[0] if m else "", r"JA-EN.*as ja-en", "... showing the value and the form")
    m = refused(s, db, copy, "sessions", "kind,title,room,start,end,interpretation,interpreters\n"
                "press,Good,Press Centre,2023-04-28T09:00,2023-04-28T09:30,,\n"
                "press,German,Press Centre,2023-04-28T09:40,2023-04-28T10:10,ja-de,\n"
                "press,Nobody,Press Centre,2023-04-28T10:20,2023-04-28T10:50,ja-en,Mr Nobody\n",
                [(3, "interpretation"), (4, "interpreters")],
                "sessions: a language the conference lacks, an interpreter nobody is: rows 3, 4")
    like(m[0] if m else "", r"ja-de.*en, ja", "... the pair's languages must be the conference's: en, ja")
    like(m[1] if len(m) > 1 else "", r"Mr Nobody", "... naming who is nobody")
    r = imp(s, copy, "copy", "rooms", "venue,name,capacity,booths\nG Messe Gunma,Room Zero,10,0\n")
    is_((r.status, (r.json or {}).get("created")), (200, [2]), "a room without booths imported")
    m = refused(s, db, copy, "sessions", "kind,title,room,start,end,interpretation\n"
                "press,Interpreted,Room Zero,2023-04-28T12:00,2023-04-28T12:30,ja-en\n",
                [(2, None)], "sessions: ja-en in a room without booths: 422 on row 2 (the API's 409)")
    like(m[0] if m else "", r"Room Zero\) has 0 interpretation booth", "... naming the room and its booths")
    bil = exp(s, copy, "copy", "bilaterals").body
    refused(s, db, copy, "bilaterals", edited(bil, lambda x: (x["requester"], x["counterpart"]) == ("FR", "DE"),
                                               interpretation="ja-de"),
            [(2, "interpretation")], "bilaterals: a language the conference lacks: 422 on row 2")


def changes(s, db, copy):
    audit = rows(db, "SELECT max(id) FROM audit_log")[0][0]
    r = imp(s, copy, "copy", "rooms", "venue,name,capacity,booths\n"
            "G Messe Gunma,Bilateral Room C,12,4\n")
    is_((r.status, (r.json or {}).get("updated")), (200, [2]), "rooms: booths 2 → 4 alone: updated")
    r = imp(s, copy, "copy", "participants", "delegation,name,role,language_pairs\n"
            "JP,\"Interpreter B2, Japan (illustrative)\",interpreter,ja-en;en-fr\n")
    is_((r.status, (r.json or {}).get("updated")), (200, [2]),
        "participants: an interpreter's pairs alone: updated")
    is_(rows(db, "SELECT before->'language_pairs', after->'language_pairs' FROM audit_log "
             "WHERE id > %s AND entity = 'participant' AND action = 'update'", audit),
        [(["ja-en"], ["ja-en", "en-fr"])], "... audited with the pairs before and after")
    is_(rows(db, "SELECT count(*) FROM audit_log WHERE id > %s AND entity = 'room' "
             "AND after->>'booths' = '4'", audit)[0][0], 1, "the room's change is audited")


def scheduled(s, db, copy):
    bil = exp(s, copy, "copy", "bilaterals").body
    r = imp(s, copy, "copy", "bilaterals", edited(
        bil, lambda x: (x["requester"], x["counterpart"]) == ("JP", "CA"), interpretation=""))
    e = (r.json or {}).get("errors", [{}])
    is_((r.status, e[0].get("row"), e[0].get("column")), (422, 2, "interpretation"),
        "a scheduled request's pairs removed: 422 on its interpretation")
    like(e[0].get("message", ""), r"scheduled: change the interpretation of its session",
         "... saying to change its session")
    fr_de = lambda x: (x["requester"], x["counterpart"]) == ("FR", "DE")  # noqa: E731
    r = imp(s, copy, "copy", "bilaterals", edited(bil, fr_de, interpretation="ja-en"))
    is_((r.status, (r.json or {}).get("updated")), (200, [2]), "an open request given ja-en: updated")
    is_(rows(db, "SELECT b.interpretation FROM bilateral_requests b JOIN delegations d "
             "ON d.id = b.requester_delegation_id JOIN conferences c ON c.id = b.conference_id "
             "WHERE c.slug = 'copy' AND d.code = 'FR'"), [(["ja-en"],)], "... stored")
    r = imp(s, copy, "copy", "bilaterals", edited(bil, fr_de, interpretation="ja-en"))
    is_((r.status, (r.json or {}).get("unchanged")), (200, [2]), "the same row again: unchanged")
    r = imp(s, copy, "copy", "bilaterals", edited(bil, fr_de, interpretation=""))
    is_((r.status, (r.json or {}).get("updated")), (200, [2]), "its pairs removed: updated")


def session_changes(s, db, copy):
    f = ("ref,kind,title,room,start,end,interpretation,interpreters\n"
         "T1,press,Interpreted,Press Centre,2023-04-28T11:00,2023-04-28T11:30,ja-en,\n")
    r = imp(s, copy, "copy", "sessions", f)
    is_((r.status, (r.json or {}).get("created")), (200, [2]), "a session needing ja-en: created")
    picked = rows(db, "SELECT p.name, i.auto FROM session_interpreters i JOIN participants p "
                  "ON p.id = i.participant_id JOIN sessions s ON s.id = i.session_id "
                  "WHERE s.ref = 'T1'")
    is_((len(picked), picked[0][1] if picked else None), (1, True), "... one interpreter picked (30 min)")
    g = f.replace("ja-en,\n", "ja-en,\"Interpreter B1, Japan (illustrative)\"\n")
    r = imp(s, copy, "copy", "sessions", g)
    is_((r.status, (r.json or {}).get("updated")), (200, [2]), "its interpreter given: updated")
    is_(rows(db, "SELECT p.name, i.auto FROM session_interpreters i JOIN participants p "
             "ON p.id = i.participant_id JOIN sessions s ON s.id = i.session_id WHERE s.ref = 'T1'"),
        [("Interpreter B1, Japan (illustrative)", False)], "... stored as given")
    r = imp(s, copy, "copy", "sessions", g)
    is_((r.status, (r.json or {}).get("unchanged")), (200, [2]), "the same file again: unchanged")
    r = imp(s, copy, "copy", "sessions", f.replace(",ja-en,", ",,"))
    is_((r.status, (r.json or {}).get("updated")), (200, [2]), "its pairs removed: updated")
    is_(rows(db, "SELECT count(*) FROM session_interpreters i JOIN sessions s ON s.id = i.session_id "
             "WHERE s.ref = 'T1'")[0][0], 0, "... and its interpreters gone")


with Server() as s:
    db = s.db()
    db.autocommit = True
    admin = s.token("admin")
    sec = s.token("secretariat", conference=SLUG)
    files, d = demo_export(s, db, sec)
    copy = round_trip(s, db, admin, files, d)
    bad_values(s, db, copy)
    changes(s, db, copy)
    scheduled(s, db, copy)
    session_changes(s, db, copy)
done_testing()
