#!/usr/bin/python3
# 17-import-preview.t — POST .../import?kind=K&preview=true: a dry run whose
# answer (200 or 422) also carries the CSV file as read, {"columns", "rows":
# [{"row", "cells"}]}, so the workbench can show it with the bad cells
# marked and send it again once fixed. The table is exactly what libcsv read
# (quoted commas and line breaks inside a cell, semicolons, a BOM); nothing
# is stored; a bad preview value is a 400 naming the choices; a file of
# more than 5,000 rows is checked but not echoed.
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "g7-digital-2023"


def imp(s, tok, kind, data, query="&preview=true"):
    """POST a CSV file to the import route."""
    return s.request("POST", "/api/v1/conferences/%s/import?kind=%s%s" % (SLUG, kind, query),
                     raw=data.encode("utf-8"), token=tok, headers={"Content-Type": "text/csv"})


def count(s, table):
    with s.db().cursor() as cur:
        cur.execute("SELECT count(*) FROM %s" % table)
        return cur.fetchone()[0]


with Server() as s:
    sec = s.token("secretariat", conference=SLUG)
    venues = count(s, "venues")
    good = 'name,address\nAnnexe,"1 Main St, Takasaki"\n"Hall\nB",\n'
    r = imp(s, sec, "venues", good)
    j = r.json or {}
    is_((r.status, j.get("dry_run"), j.get("created")), (200, True, [2, 3]),
        "a good file: 200, a dry run, rows 2 and 3 would be created")
    is_(j.get("table"), {"columns": ["name", "address"],
                         "rows": [{"row": 2, "cells": ["Annexe", "1 Main St, Takasaki"]},
                                  {"row": 3, "cells": ["Hall\nB", None]}]},
        "... and the table as read: a quoted comma and a quoted line break stay in their cells")
    is_(count(s, "venues"), venues, "nothing stored")
    r = imp(s, sec, "venues", good, query="")
    ok(r.status == 200 and "table" not in (r.json or {}) and r.json.get("dry_run") is not True,
       "without preview: no table, and the import is real")
    is_(count(s, "venues"), venues + 2, "(two venues stored)")

    bad = "\ufeffcode;name;kind\nQ1;Quebec;guest\nQ2;;guest\nQ3;Q;nonsense\n"
    r = imp(s, sec, "delegations", bad)
    j = r.json or {}
    is_((r.status, r.headers.get("Content-Type")), (422, "application/problem+json"),
        "bad rows in a preview: 422")
    is_(sorted({e["row"] for e in j.get("errors", [])}), [3, 4], "the errors name rows 3 and 4")
    is_([x["cells"] for x in (j.get("table") or {}).get("rows", [])],
        [["Q1", "Quebec", "guest"], ["Q2", None, "guest"], ["Q3", "Q", "nonsense"]],
        "the table comes with the 422: a BOM and semicolons read as the import reads them")
    is_((j.get("table") or {}).get("columns"), ["code", "name", "kind"], "... its header without the BOM")
    people = "delegation,name,role\nJP,Sato,staff\nXX,Dupont,staff\n"
    r = imp(s, sec, "participants", people)
    j = r.json or {}
    is_((r.status, [(e["row"], e["column"]) for e in j.get("errors", [])]), (422, [(3, "delegation")]),
        "a row only the database finds bad (an unknown delegation): 422 naming it")
    is_([x["cells"] for x in (j.get("table") or {}).get("rows", [])], [["JP", "Sato", "staff"], ["XX", "Dupont", "staff"]],
        "... with the table")
    fixed = "code;name;kind\nQ1;Quebec;guest\nQ2;Queensland;guest\nQ3;Q;member\n"
    r = imp(s, sec, "delegations", fixed)
    is_((r.status, (r.json or {}).get("created")), (200, [2, 3, 4]), "the fixed file previews clean")
    r = imp(s, sec, "delegations", fixed, query="")
    is_((r.status, len((r.json or {}).get("created", []))), (200, 3), "and imports")

    r = imp(s, sec, "venues", good, query="&preview=maybe")
    ok(r.status == 400 and "preview must be true or false" in r.text, "preview=maybe: 400 naming the choices")
    r = imp(s, sec, "venues", good, query="&preview=%00")
    is_((r.status, r.headers.get("Content-Type")), (400, "application/problem+json"), "preview=%00: 400")
    big = "name\n" + "".join("Room %d\n" % i for i in range(5001))
    r = imp(s, sec, "venues", big)
    ok(r.status == 200 and "table" not in r.json and len(r.json["created"]) == 5001,
       "5,001 rows: checked (all would be created) but not echoed")
    is_(count(s, "venues"), venues + 2, "a preview of 5,001 rows stores nothing")
    is_(s.stop(), 0, "kaigid exits 0")
done_testing()
