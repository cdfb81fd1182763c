#!/usr/bin/python3
"""48-protocol-order.t — protocol order (issue 17, item 4).

On the Takasaki demo (Japan chairs), through the API, the client, the
exports and the printed programme:

  * seating: GET /sessions/{id}/seating of the first plenary matches the
    convention of docs/API.md exactly, computed here from the session's
    attendees and the delegations' names (and written out literally): the
    chair first; speaking in protocol order; at the table the 2nd on the
    head's right, the 3rd on its left, one seat further each pair, the
    array going from the head along its right and back along its left;
  * seating is 404 for a session the caller may not see (a restricted
    bilateral for the public and another delegation's liaison, a
    conference-only session for the public, unknown ids) and names only
    delegations the caller sees in GET /sessions/{id};
  * the delegation list follows the order computed here from the
    delegations' own fields: explicit precedence first (it wins over the
    chair), then the chair, then hosts, then by name (or code, by rule),
    protocol_rank its place; paging with small limits gives the whole
    list once; a reorder or a delete between pages never repeats an item
    nor fails the cursor;
  * a session's delegations array, delegations.csv, sessions.csv, the
    xlsx sheet and the PDF programme (pdftotext) follow the order;
  * an import sets precedence and role; invalid values (precedence out of
    range or not a number, unknown role, a second chair, an unknown rule
    order or language, a rule on create) are 422 (409 for the chair)
    naming the valid choices, and change nothing;
  * the client: kaigi seating, kaigi delegation edit --precedence/--role.
"""
import csv
import io
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "g7-digital-2023"
C = "/api/v1/conferences/" + SLUG
KAIGI = os.path.abspath(os.environ.get("KAIGI") or os.path.join(TOP, "client", "kaigi"))
ROLE_RANK = {"chair": 0, "host": 1}
TITLE = "Protocol order roundtable"


def all_pages(s, limit, tok=None):
    """Every delegation, paging by limit; None when a page fails."""
    items, cursor = [], None
    for _ in range(200):
        r = s.request("GET", C + "/delegations?limit=%d%s" % (limit, "&cursor=" + cursor if cursor else ""),
                      token=tok)
        if r.status != 200:
            diag("page: %s %s" % (r.status, r.body[:200]))
            return None
        items += r.json["items"]
        cursor = r.json["next"]
        if not cursor:
            return items
    return None


def expected(ds, order="alphabetical"):
    """The protocol order of delegations ds, computed here from their fields."""
    def key(d):
        p = d["precedence"]
        text = d["code"] if order == "code" else d["name"].casefold()
        return (p is None, p or 0, ROLE_RANK.get(d["role"], 2), text, d["code"])
    return [d["code"] for d in sorted(ds, key=key)]


def codes(items):
    return [d["code"] for d in items]


def table_convention(speaking):
    """The seating of docs/API.md, placed seat by seat: (seating, places)."""
    right, left = [], []
    for k, code in enumerate(speaking[1:], 1):
        (right if k % 2 == 1 else left).append((code, (k + 1) // 2))
    seating = speaking[:1] + [c for c, _ in right] + [c for c, _ in reversed(left)]
    places = [{"code": speaking[0], "seat": 1, "side": "head", "distance": 0}] if speaking else []
    for c, dist in right:
        places.append({"code": c, "seat": len(places) + 1, "side": "right", "distance": dist})
    for c, dist in reversed(left):
        places.append({"code": c, "seat": len(places) + 1, "side": "left", "distance": dist})
    return seating, places


def kaigi(s, *args, token=None):
    env = dict(os.environ, KAIGI_CONFIG="/dev/null", TZ="UTC", KAIGI_URL=s.url)
    env.pop("KAIGI_TOKEN", None)
    env.pop("KAIGI_CONFERENCE", None)
    if token:
        env["KAIGI_TOKEN"] = token
    p = subprocess.run([KAIGI] + [str(a) for a in args], capture_output=True, text=True, env=env,
                       timeout=60)
    return p.returncode, p.stdout, p.stderr


def state(s):
    """What an invalid request must not change: the delegations and the conference."""
    return (s.request("GET", C + "/delegations?limit=1000").json["items"],
            s.request("GET", C).json)


def plenary_seating(s, sec):
    """The demo's first plenary: seating against the convention, computed here."""
    r = s.request("GET", C + "/sessions?kind=plenary&limit=1")
    pid = r.json["items"][0]["id"]
    sess = s.request("GET", "/api/v1/sessions/%d" % pid).json
    names = {d["code"]: d for d in s.request("GET", C + "/delegations?limit=1000").json["items"]}
    present = sorted({a["delegation"] for a in sess["attendees"]} | set(sess["delegations"]))
    is_(len(present), 14, "the plenary seats the 14 non-guest delegations")
    chair = [c for c in present if names[c]["role"] == "chair"]
    is_(chair, ["JP"], "Japan chairs in the demo")
    rest = sorted((c for c in present if c != "JP"), key=lambda c: names[c]["name"].casefold())
    speaking = chair + rest
    is_(speaking, ["JP", "CA", "EU", "FR", "DE", "IN", "ID", "ITU", "IT", "OECD", "UA", "GB",
                   "UNESCO", "US"], "the expected speaking order, written out")
    seating, places = table_convention(speaking)
    is_(seating, ["JP", "CA", "FR", "IN", "ITU", "OECD", "GB", "US", "UNESCO", "UA", "IT", "ID",
                  "DE", "EU"], "the expected seating, written out")
    for tok, who in ((None, "public"), (sec, "secretariat")):
        r = s.request("GET", "/api/v1/sessions/%d/seating" % pid, token=tok)
        is_(r.status, 200, "seating of the plenary (%s): 200" % who)
        is_(r.json["speaking"], speaking, "speaking order: chair first, then by name (%s)" % who)
        is_(r.json["seating"], seating, "seating: head, then right/left alternately (%s)" % who)
        is_(r.json["places"], places, "places: seat, side and distance of each (%s)" % who)
    return pid


def seating_visibility(s, sec):
    """404 for what the caller may not see; only delegations it sees appear."""
    bil = s.request("GET", C + "/sessions?kind=bilateral&limit=1000", token=sec).json["items"]
    jp_ca = [b for b in bil if sorted(b["delegations"]) == ["CA", "JP"]]
    ok(jp_ca, "the demo has a restricted JP–CA bilateral")
    sid = jp_ca[0]["id"]
    ca = s.token("liaison", conference=SLUG, delegation="CA")
    fr = s.token("liaison", conference=SLUG, delegation="FR")
    for tok, who, want in ((None, "the public", 404), (fr, "France's liaison", 404),
                           (ca, "Canada's liaison", 200), (sec, "the secretariat", 200)):
        r = s.request("GET", "/api/v1/sessions/%d/seating" % sid, token=tok)
        is_(r.status, want, "restricted bilateral's seating for %s: %d" % (who, want))
        if want == 200:
            is_(r.json["speaking"], ["JP", "CA"], "the chair speaks first in its bilateral (%s)" % who)
        else:
            ok(r.headers.get("Content-Type", "").startswith("application/problem+json")
               and b"CA" not in r.body, "the 404 is a problem document naming no party")
    for path in ("/api/v1/sessions/999999/seating", "/api/v1/sessions/abc/seating",
                 "/api/v1/sessions/0/seating"):
        is_(s.request("GET", path, token=sec).status, 404, "GET %s: 404" % path)
    lunch = [x for x in s.request("GET", C + "/sessions?kind=working_meal", token=sec).json["items"]]
    ok(lunch and lunch[0]["visibility"] == "conference", "the working lunch is conference-only")
    is_(s.request("GET", "/api/v1/sessions/%d/seating" % lunch[0]["id"]).status, 404,
        "a conference-only session's seating: 404 for the public")
    r = s.request("GET", "/api/v1/sessions/%d/seating" % lunch[0]["id"], token=fr)
    got = s.request("GET", "/api/v1/sessions/%d" % lunch[0]["id"], token=fr).json
    seen = {a["delegation"] for a in got["attendees"]} | set(got["delegations"])
    is_(set(r.json["seating"]), seen, "a liaison's seating names exactly the delegations it sees in the session")


def order_rules(s, sec):
    """Explicit precedence wins, then chair, then hosts, then the rule."""
    items = all_pages(s, 1000)
    is_(codes(items), expected(items), "demo list: chair first, then by name")
    is_(codes(items)[0], "JP", "Japan (chair) first")
    is_([d["protocol_rank"] for d in items], list(range(1, len(items) + 1)), "protocol_rank is the place")
    ids = {d["code"]: d["id"] for d in items}
    r = s.request("PATCH", "/api/v1/delegations/%d" % ids["WEF"], {"precedence": 1}, token=sec)
    is_((r.status, r.json.get("precedence"), r.json.get("protocol_rank")), (200, 1, 1),
        "WEF given precedence 1: the answer says rank 1")
    r = s.request("PATCH", "/api/v1/delegations/%d" % ids["US"], {"precedence": 2}, token=sec)
    is_(r.status, 200, "US given precedence 2")
    for c in ("DE", "FR"):
        r = s.request("PATCH", "/api/v1/delegations/%d" % ids[c], {"role": "host"}, token=sec)
        is_((r.status, r.json.get("role")), (200, "host"), "%s made a host" % c)
    items = all_pages(s, 1000)
    is_(codes(items)[:5], ["WEF", "US", "JP", "FR", "DE"],
        "explicit precedence wins, then the chair, then hosts by name")
    is_(codes(items), expected(items), "the whole list as computed here")
    r = s.request("PATCH", C, {"precedence_rule": {"order": "code"}}, token=sec)
    is_((r.status, r.json.get("precedence_rule")), (200, {"order": "code", "lang": "en"}), "rule: by code")
    items = all_pages(s, 1000)
    is_(codes(items), expected(items, "code"), "by code after precedence, chair and hosts")
    r = s.request("PATCH", C, {"precedence_rule": {"order": "alphabetical", "lang": "ja"}}, token=sec)
    is_((r.status, r.json.get("precedence_rule")), (200, {"order": "alphabetical", "lang": "ja"}),
        "rule: alphabetical in Japanese (one of the conference's languages)")
    is_(codes(all_pages(s, 1000)), expected(items), "latin names sort the same under ja")
    r = s.request("PATCH", C, {"precedence_rule": None}, token=sec)
    is_((r.status, r.json.get("precedence_rule")), (200, {"order": "alphabetical", "lang": "en"}),
        "null: the default rule (alphabetical, the first language)")
    return ids


def invalid(s, sec, ids):
    """422 (409 for a second chair) naming the valid choices; nothing changes."""
    before = state(s)
    cases = [
        ("PATCH", "/api/v1/delegations/%d" % ids["CA"], {"precedence": 0}, 422, "precedence", "1 and 9999"),
        ("PATCH", "/api/v1/delegations/%d" % ids["CA"], {"precedence": 10000}, 422, "precedence", "1 and 9999"),
        ("PATCH", "/api/v1/delegations/%d" % ids["CA"], {"precedence": "1"}, 422, "precedence", "integer"),
        ("PATCH", "/api/v1/delegations/%d" % ids["CA"], {"role": "king", "name": "Kanada"}, 422, "role",
         "chair, host"),
        ("PATCH", "/api/v1/delegations/%d" % ids["CA"], {"role": "chair"}, 409, "role", "JP"),
        ("POST", C + "/delegations", {"code": "XX", "name": "X", "kind": "guest", "role": "king"}, 422,
         "role", "chair, host"),
        ("POST", C + "/delegations", {"code": "XX", "name": "X", "kind": "guest", "role": "chair"}, 409,
         "role", "JP"),
        ("PATCH", C, {"precedence_rule": {"order": "size"}}, 422, "precedence_rule.order", "alphabetical, code"),
        ("PATCH", C, {"precedence_rule": {"lang": "fr"}, "title": "Renamed"}, 422, "precedence_rule.lang",
         "en, ja"),
        ("PATCH", C, {"precedence_rule": {"lang": "!!"}}, 422, "precedence_rule.lang", "language tag"),
        ("PATCH", C, {"precedence_rule": {"order": "code", "by": 1}}, 422, "precedence_rule", "order and lang"),
        ("PATCH", C, {"precedence_rule": "alphabetical"}, 422, "precedence_rule", "order, lang"),
    ]
    for method, path, body, status, field, words in cases:
        r = s.request(method, path, body, token=sec)
        errs = (r.json or {}).get("errors") or []
        named = [e for e in errs if e.get("field") == field and words in e.get("message", "")]
        ok(r.status == status and named, "%s %s %s: %d naming %s (%s)" % (method, path, body, status, field,
                                                                           words))
        if not named:
            diag("got %s %s" % (r.status, r.body[:300]))
    admin = s.token("admin")
    r = s.request("POST", "/api/v1/conferences", {
        "slug": "rule-on-create", "title": "T", "timezone": "UTC", "start_date": "2024-01-01",
        "end_date": "2024-01-02", "precedence_rule": {"order": "code"}}, token=admin)
    is_(r.status, 422, "a rule on create: 422 (set by PATCH)")
    is_(state(s), before, "none of them changed a delegation or the conference")


def cursors(s, sec, ids):
    """Small pages give the list once; reorders and deletes between pages hold."""
    full = codes(all_pages(s, 1000))
    for limit in (1, 2, 4, 7):
        is_(codes(all_pages(s, limit)), full, "paged by %d: the same list, each once" % limit)
    r = s.request("GET", C + "/delegations?limit=4")
    seen = codes(r.json["items"])
    mover = full[10]
    r2 = s.request("PATCH", "/api/v1/delegations/%d" % ids[mover], {"precedence": 3}, token=sec)
    is_(r2.status, 200, "%s moved up into the pages already read" % mover)
    rest, cursor = [], r.json["next"]
    while cursor:
        p = s.request("GET", C + "/delegations?limit=4&cursor=" + cursor)
        is_(p.status, 200, "the cursor still works after the reorder")
        if p.status != 200:
            break
        rest += codes(p.json["items"])
        cursor = p.json["next"]
    is_(sorted(seen + rest), sorted(c for c in full if c != mover or mover in seen),
        "after the reorder: every other delegation exactly once, none repeated")
    now = codes(all_pages(s, 1000))
    is_(rest, now[now.index(seen[-1]) + 1:],
        "the pages go on in the new order after the last one read (%s)" % seen[-1])
    r = s.request("POST", C + "/delegations", {"code": "AAL", "name": "Aardvark Land", "kind": "guest"},
                  token=sec)
    is_(r.status, 201, "a delegation to delete between pages")
    full = codes(all_pages(s, 1000))
    k = full.index("AAL")
    r = s.request("GET", C + "/delegations?limit=%d" % (k + 1))
    is_(codes(r.json["items"])[-1], "AAL", "it is the last item of the first page")
    is_(s.request("DELETE", "/api/v1/delegations/%d" % ids.setdefault("AAL", r.json["items"][-1]["id"]),
                  token=sec).status, 204, "deleted")
    p = s.request("GET", C + "/delegations?limit=1000&cursor=" + r.json["next"])
    is_((p.status, codes(p.json["items"])), (200, full[k + 1:]),
        "the next page starts with the one after the deleted item")
    with s.db() as conn, conn.cursor() as cur:
        # A position sealed before 190 was the id of the last item (id order):
        # the page goes on after that delegation's place now.
        cur.execute("SELECT kaigi_delegation_page(%s, 1000, %s)::text", (SLUG, str(ids["CA"])))
        legacy = [d["code"] for d in json.loads(cur.fetchone()[0])["items"]]
    now = codes(all_pages(s, 1000))
    is_(legacy, now[now.index("CA") + 1:], "a pre-190 position (an id) goes on after it in the new order")
    forged = s.request("GET", C + "/delegations?cursor=" + r.json["next"][:-2] + "00")
    is_(forged.status, 400, "a cursor not handed out: 400")


def concurrent(s, sec, ids):
    """Writes in parallel: the order after them is the order of what they stored."""
    import threading
    codes_ = ["CA", "EU", "IN", "ID", "UA", "GB", "ITU", "OECD"]
    out = {}

    def patch(i, c):
        out[c] = s.request("PATCH", "/api/v1/delegations/%d" % ids[c], {"precedence": 100 + (i * 7) % 8},
                           token=sec).status
    threads = [threading.Thread(target=patch, args=(i, c)) for i, c in enumerate(codes_)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    is_(sorted(set(out.values())), [200], "eight parallel precedence changes: all 200")
    items = all_pages(s, 1000)
    is_(codes(items), expected(items), "the order after them is the one their stored values give")
    is_([d["protocol_rank"] for d in items], list(range(1, len(items) + 1)), "ranks 1..n, no gap, no tie")
    for c in codes_:
        s.request("PATCH", "/api/v1/delegations/%d" % ids[c], {"precedence": None}, token=sec)


def session_and_exports(s, sec):
    """A session's delegations, the CSVs, the xlsx and the PDF in protocol order."""
    order = codes(all_pages(s, 1000))
    parties = ["US", "CA", "JP", "DE", "IT"]
    want = [c for c in order if c in parties]
    r = s.request("POST", C + "/sessions", {"kind": "other", "title": TITLE, "visibility": "public",
                                            "start": "2023-04-28T08:00:00+09:00",
                                            "end": "2023-04-28T08:30:00+09:00", "delegations": parties},
                  token=sec)
    is_(r.status, 201, "a session with five parties")
    is_(r.json.get("delegations"), want, "its delegations array in protocol order")
    sid = r.json["id"]
    is_(s.request("GET", "/api/v1/sessions/%d" % sid).json["delegations"], want, "GET /sessions/{id} too")
    listed = [x for x in s.request("GET", C + "/sessions?limit=1000").json["items"] if x["id"] == sid]
    is_(listed[0]["delegations"] if listed else None, want, "and the session list")
    r = s.request("GET", "/api/v1/sessions/%d/seating" % sid)
    is_(r.json["speaking"], ["JP"] + [c for c in want if c != "JP"], "its speaking order: chair, then the order")
    r = s.request("POST", C + "/sessions", {"kind": "press", "title": "Nobody's briefing", "visibility": "public",
                                            "start": "2023-04-28T08:40:00+09:00",
                                            "end": "2023-04-28T08:50:00+09:00"}, token=sec)
    e = s.request("GET", "/api/v1/sessions/%d/seating" % r.json["id"])
    is_((e.status, e.json.get("seating"), e.json.get("speaking"), e.json.get("places")), (200, [], [], []),
        "a session without delegations: empty seating and speaking order")
    rows = list(csv.DictReader(io.StringIO(s.request("GET", C + "/export/delegations.csv", token=sec)
                                           .body.decode(), newline="")))
    is_([x["code"] for x in rows], order, "delegations.csv in protocol order")
    byc = {x["code"]: x for x in rows}
    is_((byc["WEF"]["precedence"], byc["JP"]["role"], byc["CA"]["precedence"], byc["CA"]["role"]),
        ("1", "chair", "", ""), "delegations.csv has precedence and role")
    rows = list(csv.DictReader(io.StringIO(s.request("GET", C + "/export/sessions.csv", token=sec)
                                           .body.decode(), newline="")))
    mine = [x for x in rows if x["title"] == TITLE]
    is_(mine[0]["delegations"] if mine else None, ";".join(want), "sessions.csv: delegations in protocol order")
    import openpyxl
    wb = openpyxl.load_workbook(io.BytesIO(s.request("GET", C + "/export.xlsx", token=sec).body))
    ws = wb["delegations"]
    head = [c.value for c in ws[1]]
    is_([r[head.index("code")] for r in ws.iter_rows(min_row=2, values_only=True)], order,
        "export.xlsx: the delegations sheet in protocol order")
    pdf = s.request("GET", C + "/programme.pdf", token=sec)
    is_(pdf.status, 200, "programme.pdf")
    with tempfile.NamedTemporaryFile(suffix=".pdf", delete=False) as f:
        f.write(pdf.body)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", f.name, "-"], capture_output=True).stdout.decode()
    os.unlink(f.name)
    flat = re.sub(r"\s+", " ", text)
    like(flat, re.escape(TITLE) + r".{0,200}Delegations: " + re.escape(", ".join(want)),
         "the PDF programme lists the parties in protocol order")
    return sid


def imports(s, sec):
    """Import sets precedence and role; a bad one changes nothing."""
    body = "code,name,kind,precedence,role\nKR,Republic of Korea,invited,4,host\n"
    r = s.request("POST", C + "/import?kind=delegations", token=sec, raw=body.encode(),
                  headers={"Content-Type": "text/csv"})
    is_(r.status, 200, "import of a delegation with precedence and role")
    kr = [d for d in all_pages(s, 1000) if d["code"] == "KR"]
    is_((kr[0]["precedence"], kr[0]["role"]) if kr else None, (4, "host"), "stored as given")
    before = state(s)
    for bad, col in (("code,name,kind,role\nKR,Korea,invited,king\n", "role"),
                     ("code,name,kind,precedence\nKR,Korea,invited,0\n", "precedence")):
        r = s.request("POST", C + "/import?kind=delegations", token=sec, raw=bad.encode(),
                      headers={"Content-Type": "text/csv"})
        errs = (r.json or {}).get("errors") or []
        ok(r.status == 422 and any(e.get("column") == col for e in errs),
           "import with a bad %s: 422 naming the column" % col)
        if col == "role":
            ok(any("chair, host" in e.get("message", "") for e in errs), "…and the valid roles")
    is_(state(s), before, "bad imports changed nothing")


def client(s, sec, pid):
    rc, out, err = kaigi(s, "seating", pid)
    is_(rc, 0, "kaigi seating: exit 0")
    seat = s.request("GET", "/api/v1/sessions/%d/seating" % pid).json
    like(out, re.escape("Speaking order: " + ", ".join(seat["speaking"])), "prints the speaking order")
    table = [ln.split() for ln in out.splitlines() if re.match(r"^\d+\s", ln)]
    is_([t[-1] for t in table], seat["seating"], "prints the seats in order")
    rc, out, err = kaigi(s, "seating", "--help")
    ok(rc == 0 and "SESSION_ID" in out, "kaigi seating --help")
    rc, out, err = kaigi(s, "seating", 999999)
    is_(rc, 2, "kaigi seating of an unknown session: exit 2 (404)")
    rc, out, err = kaigi(s, "delegation", "edit", "--help")
    ok(rc == 0 and "--precedence" in out and "--role" in out, "delegation edit --help names the options")
    rc, out, err = kaigi(s, "delegation", "edit", "IT", "--precedence", "5", token=sec)
    is_(rc, 0, "kaigi delegation edit IT --precedence 5")
    it = [d for d in all_pages(s, 1000) if d["code"] == "IT"][0]
    is_(it["precedence"], 5, "stored")
    rc, out, err = kaigi(s, "delegation", "edit", "IT", "--precedence", "", "--role", "host", token=sec)
    it = [d for d in all_pages(s, 1000) if d["code"] == "IT"][0]
    is_((rc, it["precedence"], it["role"]), (0, None, "host"), "--precedence \"\" clears it, --role host")
    rc, out, err = kaigi(s, "delegation", "edit", "IT", "--role", "king", token=sec)
    ok(rc == 2 and "chair, host" in err, "--role king: exit 2 naming the roles")
    rc, out, err = kaigi(s, "delegation", "list", token=sec)
    listed = [ln.split()[1] for ln in out.splitlines()[1:] if ln.strip()]
    is_(listed, codes(all_pages(s, 1000)), "kaigi delegation list in protocol order")


with Server() as s:
    sec = s.token("secretariat", conference=SLUG)
    pid = plenary_seating(s, sec)
    seating_visibility(s, sec)
    ids = order_rules(s, sec)
    r = s.request("GET", "/api/v1/sessions/%d/seating" % pid)
    names = {d["code"]: d for d in all_pages(s, 1000)}
    present = r.json["speaking"]
    is_(present, ["JP"] + [c for c in codes(all_pages(s, 1000)) if c in present and c != "JP"],
        "after the changes: the chair speaks first, the rest in the new order (US, hosts FR and DE next)")
    invalid(s, sec, ids)
    cursors(s, sec, ids)
    concurrent(s, sec, ids)
    session_and_exports(s, sec)
    imports(s, sec)
    client(s, sec, pid)
    is_(s.stop(), 0, "kaigid exits 0")
done_testing()
