#!/usr/bin/python3
# 18-export.t — GET /api/v1/conferences/{slug}/export/{kind}.csv and
# .../export.xlsx hold what the kind's list route shows the caller:
#   * anonymous: the public set-up, only public sessions, no bilateral
#     request, and 401 for participants and unavailability (the xlsx has
#     no such sheets);
#   * a liaison (Canada): exactly the sessions GET /sessions lists for it
#     (its bilateral with Japan, never another delegation's restricted
#     session), its own participants, its own requests; people it may not
#     list are named, never by their e-mail;
#   * the secretariat's workbook read back with openpyxl: a sheet per kind
#     in set-up order, each with the CSV's header and rows (numbers as
#     numbers, booleans as booleans), the header bold and frozen;
#   * headers (text/csv, attachment) and 404 / 403 cases.
import csv
import io
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "g7-digital-2023"
KINDS = ["venues", "rooms", "travel-times", "delegations", "participants",
         "unavailability", "sessions", "bilaterals"]


def exp(s, tok, kind, slug=SLUG):
    return s.request("GET", "/api/v1/conferences/%s/export/%s.csv" % (slug, kind), token=tok)


def rows(r):
    """The CSV of an answer as a list of dicts."""
    return list(csv.DictReader(io.StringIO(r.body.decode("utf-8"), newline="")))


def listed_titles(s, tok):
    """Session titles GET /sessions lists for tok (every page)."""
    out, cursor = [], ""
    while True:
        j = s.request("GET", "/api/v1/conferences/%s/sessions?limit=5%s" % (SLUG, cursor), token=tok).json
        out += [x["title"] for x in j["items"]]
        if not j.get("next"):
            return sorted(out)
        cursor = "&cursor=" + j["next"]


def workbook(body):
    import openpyxl
    return openpyxl.load_workbook(io.BytesIO(body))


def anonymous(s):
    for k in KINDS:
        r = exp(s, None, k)
        want = 401 if k in ("participants", "unavailability") else 200
        is_(r.status, want, "anonymous %s.csv: %d" % (k, want))
    r = exp(s, None, "sessions")
    got = sorted(x["title"] for x in rows(r))
    is_(got, listed_titles(s, None), "anonymous sessions.csv: exactly the sessions listed to it")
    ok(all(x["visibility"] == "public" for x in rows(r)) and len(got) > 0, "... all public (%d)" % len(got))
    is_(rows(exp(s, None, "bilaterals")), [], "anonymous bilaterals.csv: the header only")
    r = s.request("GET", "/api/v1/conferences/%s/export.xlsx" % SLUG)
    is_(r.status, 200, "anonymous export.xlsx: 200")
    is_(workbook(r.body).sheetnames, ["venues", "rooms", "travel-times", "delegations", "sessions",
                                      "bilaterals"], "... without participants or unavailability sheets")


def liaison(s, db, sec):
    ca = s.token("liaison", conference=SLUG, delegation="CA")
    with db.cursor() as cur:
        cur.execute("SELECT id FROM participants WHERE name = 'Kono Taro'")
        kono = cur.fetchone()[0]
    r = s.request("PATCH", "/api/v1/participants/%d" % kono, {"email": "kono@example.org"}, token=sec)
    is_(r.status, 200, "Minister Kono gets an e-mail address")
    r = exp(s, ca, "sessions")
    got = rows(r)
    is_(sorted(x["title"] for x in got), listed_titles(s, ca),
        "liaison CA: sessions.csv holds exactly what GET /sessions lists for it")
    bil = [x["title"] for x in got if x["kind"] == "bilateral"]
    is_(bil, ["Bilateral meeting: Japan – Canada"], "... one bilateral: its own, none of another delegation")
    ok("kono@example.org" not in r.text and "Kono Taro" in [a for x in got for a in x["attendees"].split(";")],
       "... Minister Kono named by his name, not his e-mail")
    ok("kono@example.org" in exp(s, sec, "sessions").text, "the secretariat's export names him by e-mail")
    is_(sorted({x["delegation"] for x in rows(exp(s, ca, "participants"))}), ["CA"],
        "liaison CA: participants.csv holds its own delegation only")
    is_([(x["requester"], x["counterpart"]) for x in rows(exp(s, ca, "bilaterals"))], [("JP", "CA")],
        "liaison CA: bilaterals.csv holds its own request only")
    r = s.request("GET", "/api/v1/conferences/%s/export.xlsx" % SLUG, token=ca)
    ws = workbook(r.body)["sessions"]
    titles = sorted(ws.cell(row=i, column=3).value for i in range(2, ws.max_row + 1))
    is_(titles, listed_titles(s, ca), "liaison CA: the workbook's sessions sheet holds the same sessions")
    return ca


def secretariat_workbook(s, sec):
    r = s.request("GET", "/api/v1/conferences/%s/export.xlsx" % SLUG, token=sec)
    is_((r.status, r.headers.get("Content-Type")),
        (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), "export.xlsx: 200 and its type")
    like(r.headers.get("Content-Disposition", ""), r'attachment; filename="%s-export.xlsx"' % SLUG,
         "... as an attachment")
    wb = workbook(r.body)
    is_(wb.sheetnames, KINDS + ["registrations"], "a sheet per kind, in set-up order")
    for k in KINDS:
        ws = wb[k]
        lines = list(csv.reader(io.StringIO(exp(s, sec, k).body.decode("utf-8"), newline="")))
        sheet = [["" if c.value is None else str(c.value).lower() if isinstance(c.value, bool)
                  else str(c.value) for c in row] for row in ws.iter_rows()]
        is_(sheet, lines, "sheet %s: the CSV's header and rows, cell by cell" % k)
    is_(type(wb["rooms"]["D2"].value), int, "a capacity is a number")
    is_(type(wb["rooms"]["F2"].value), bool, "usable_for_bilaterals is a boolean")
    ok(wb["sessions"]["A1"].font.b and wb["sessions"].freeze_panes == "A2", "the header is bold and frozen")


def refusals(s, admin, ca):
    r = exp(s, None, "venues")
    is_((r.headers.get("Content-Type"), r.headers.get("Content-Disposition")),
        ("text/csv; charset=utf-8", 'attachment; filename="%s-venues.csv"' % SLUG), "CSV type and file name")
    is_(exp(s, None, "people").status, 404, "an unknown kind: 404")
    is_(exp(s, None, "venues", slug="nope").status, 404, "an unknown conference: 404")
    is_(s.request("GET", "/api/v1/conferences/nope/export.xlsx").status, 404, "... and its workbook: 404")
    r = s.request("POST", "/api/v1/conferences", {"slug": "other", "title": "Other", "timezone": "UTC",
                                                   "start_date": "2024-01-01", "end_date": "2024-01-02"},
                  token=admin)
    is_(r.status, 201, "another conference")
    is_(exp(s, ca, "participants", slug="other").status, 403,
        "a liaison of the demo exporting the other's participants: 403")
    is_(exp(s, ca, "venues", slug="other").status, 200, "... its venues (public): 200")


with Server() as s:
    db = s.db()
    admin = s.token("admin")
    sec = s.token("secretariat", conference=SLUG)
    anonymous(s)
    ca = liaison(s, db, sec)
    secretariat_workbook(s, sec)
    refusals(s, admin, ca)
done_testing()
