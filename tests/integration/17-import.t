#!/usr/bin/python3
# 17-import.t — POST /api/v1/conferences/{slug}/import?kind=K[&dry_run=]:
#   * the demo exported kind by kind, imported into a fresh conference in
#     set-up order, exported again: byte-identical files, every row created;
#   * importing the same files again changes nothing (every row unchanged,
#     the tables as they were, only the "import" audit rows added);
#   * a file with three bad rows (one refused by the cell checks, two by
#     the data) is 422 naming exactly those rows and columns, and nothing of
#     it is stored, the good rows neither;
#   * semicolons, a byte order mark and CRLF are read like commas;
#   * a wall time the clocks skip (or show twice) on a DST change is a row
#     error, never a guess; with an offset the same time is fine;
#   * dry_run answers like the import and stores nothing; a changed row is
#     "updated" through the API's PATCH rules (a moved session's sequence
#     goes up, audit before/after);
#   * 400 / 401 / 403 / 404 / 413 / 415 / 422 cases, a JSON array body, and
#     max_import_body: a file over max_body is taken, over the import's
#     own limit it is 413;
#   * an import runs under import_timeout_ms: held up by a lock past
#     statement_timeout_ms it still succeeds, past import_timeout_ms it is
#     503.
import json
import os
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "g7-digital-2023"
KINDS = ["venues", "rooms", "travel-times", "delegations", "participants",
         "unavailability", "sessions", "bilaterals"]


def okd(cond, name, detail):
    """ok(), with detail shown when it fails."""
    ok(cond, name)
    if not cond:
        diag(detail)


def imp(s, tok, slug, kind, data, ctype="text/csv", dry=None, query=None):
    """POST a file to the import route."""
    q = query if query is not None else "kind=" + kind + ("&dry_run=" + dry if dry else "")
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return s.request("POST", "/api/v1/conferences/%s/import?%s" % (slug, q), raw=raw,
                     token=tok, headers={"Content-Type": ctype} if ctype else None)


def exp(s, tok, slug, kind):
    return s.request("GET", "/api/v1/conferences/%s/export/%s.csv" % (slug, kind), token=tok)


def one(db, q, *args):
    with db.cursor() as cur:
        cur.execute(q, args)
        row = cur.fetchone()
        return row[0] if row else None


SNAPSHOT = """
SELECT json_build_array(
  (SELECT json_agg(v ORDER BY v.id) FROM venues v WHERE conference_id = c.id),
  (SELECT json_agg(r ORDER BY r.id) FROM rooms r WHERE conference_id = c.id),
  (SELECT json_agg(t ORDER BY t.from_venue_id, t.to_venue_id) FROM travel_times t WHERE conference_id = c.id),
  (SELECT json_agg(d ORDER BY d.id) FROM delegations d WHERE conference_id = c.id),
  (SELECT json_agg(p ORDER BY p.id) FROM participants p WHERE conference_id = c.id),
  (SELECT json_agg(u ORDER BY u.id) FROM unavailability u JOIN participants p
      ON p.id = u.participant_id WHERE p.conference_id = c.id),
  (SELECT json_agg(s ORDER BY s.id) FROM sessions s WHERE conference_id = c.id),
  (SELECT json_agg(a ORDER BY a.session_id, a.participant_id) FROM session_attendees a
      JOIN sessions s ON s.id = a.session_id WHERE s.conference_id = c.id),
  (SELECT json_agg(b ORDER BY b.id) FROM bilateral_requests b WHERE conference_id = c.id))::text
FROM conferences c WHERE c.slug = %s
"""


def snapshot(db, slug):
    """Every row of a conference (versions, sequences and times included)."""
    return one(db, SNAPSHOT, slug)


def new_conference(s, admin, slug, tz, start, end, like_slug=None):
    body = {"slug": slug, "title": slug, "timezone": tz, "start_date": start, "end_date": end}
    if like_slug:
        g = s.request("GET", "/api/v1/conferences/" + like_slug).json
        for k in ("title", "timezone", "start_date", "end_date", "changeover_minutes",
                  "day_start", "day_end", "languages"):  # languages: the sessions' pairs (310)
            body[k] = g[k]
    r = s.request("POST", "/api/v1/conferences", body, token=admin)
    is_(r.status, 201, "conference %s created" % slug)
    return s.token("secretariat", conference=slug)


def round_trip(s, db, admin, sec):
    counts = {"venues": "venues", "rooms": "rooms", "travel-times": "travel_times",
              "delegations": "delegations", "participants": "participants",
              "sessions": "sessions", "bilaterals": "bilateral_requests"}
    first = {}
    for k in KINDS:
        r = exp(s, sec, SLUG, k)
        is_((r.status, r.headers.get("Content-Type")), (200, "text/csv; charset=utf-8"),
            "export %s.csv: 200 text/csv" % k)
        first[k] = r.body
        n = one(db, "SELECT count(*) FROM %s x JOIN conferences c ON c.id = x.conference_id "
                "WHERE c.slug = %%s" % counts[k], SLUG) if k in counts else one(
            db, "SELECT count(*) FROM unavailability u JOIN participants p ON p.id = "
            "u.participant_id JOIN conferences c ON c.id = p.conference_id WHERE c.slug = %s", SLUG)
        is_(len(r.body.decode().split("\r\n")) - 2, n, "... one line per stored row (%d)" % n)
    copy = new_conference(s, admin, "copy", None, None, None, like_slug=SLUG)
    for k in KINDS:
        r = imp(s, copy, "copy", k, first[k])
        n = len(first[k].decode().split("\r\n")) - 2
        j = r.json or {}
        is_((r.status, j.get("created"), j.get("updated"), j.get("unchanged")),
            (200, list(range(2, n + 2)), [], []), "import %s into a fresh conference: every row created" % k)
    for k in KINDS:
        r = exp(s, copy, "copy", k)
        okd(r.status == 200 and r.body == first[k], "export %s.csv of the copy is byte-identical" % k,
           "%r\n%r" % (first[k][:300], r.body[:300]))
    is_(one(db, "SELECT count(*) FROM kaigi_conference_conflicts_of((SELECT id FROM conferences "
            "WHERE slug = 'copy'))"), 0, "the copy breaks no rule (GET /conflicts would be empty)")
    return copy, first


def reimport(s, db, copy, files):
    before = snapshot(db, "copy")
    audit = one(db, "SELECT max(id) FROM audit_log")
    for k in KINDS:
        r = imp(s, copy, "copy", k, files[k])
        j = r.json or {}
        n = len(files[k].decode().split("\r\n")) - 2
        is_((r.status, j.get("created"), j.get("updated"), j.get("unchanged")),
            (200, [], [], list(range(2, n + 2))), "re-import %s: every row unchanged" % k)
    is_(snapshot(db, "copy"), before, "... and the tables are exactly as they were")
    with db.cursor() as cur:
        cur.execute("SELECT action, entity FROM audit_log WHERE id > %s ORDER BY id", (audit,))
        is_(cur.fetchall(), [("import", k) for k in KINDS],
            "... the only audit rows are the eight imports' own")


def three_bad_rows(s, db, copy):
    before = snapshot(db, "copy")
    f = ("ref,delegation,name,role,email\r\n"
         "N1,JP,New One,member,one@example.org\r\n"
         "N2,XX,New Two,member,two@example.org\r\n"          # row 3: no such delegation
         "N3,FR,New Three,staff,three@example.org\r\n"
         "N4,DE,New Four,chief,four@example.org\r\n"          # row 5: no such role
         "N5,IT,New Five,member,five@example.org\r\n"
         "N6,US,New Six,member,ONE@example.org\r\n")          # row 7: e-mail of row 2
    r = imp(s, copy, "copy", "participants", f)
    j = r.json or {}
    is_((r.status, r.headers.get("Content-Type")), (422, "application/problem+json"),
        "three bad rows: 422 problem+json")
    is_([(e.get("row"), e.get("column")) for e in j.get("errors", [])],
        [(3, "delegation"), (5, "role"), (7, "email")], "... naming rows 3, 5 and 7 and their columns")
    like(j.get("detail", ""), r"^3 row\(s\) have errors; nothing was stored", "... and saying nothing was stored")
    like(j["errors"][0]["message"], r"codes are CA, DE, EU", "... an unknown code lists the codes")
    is_(snapshot(db, "copy"), before, "... nothing stored, not even the three good rows")


def semicolons(s, db, admin):
    tok = new_conference(s, admin, "semi", "Europe/Paris", "2024-06-03", "2024-06-05")
    f = ("\ufeffname;address\r\n"
         "Palais des Congrès;\"2 place; Porte Maillot\"\r\n"
         "Maison de la Chimie;28 rue Saint-Dominique\r\n")
    r = imp(s, tok, "semi", "venues", f)
    is_((r.status, (r.json or {}).get("created")), (200, [2, 3]), "semicolons and a BOM: 200, two venues")
    v = s.request("GET", "/api/v1/conferences/semi/venues").json["items"]
    is_([(x["name"], x["address"]) for x in v],
        [("Palais des Congrès", "2 place; Porte Maillot"), ("Maison de la Chimie", "28 rue Saint-Dominique")],
        "... read exactly (no BOM in the first name, the quoted ';' kept)")
    comma = 'name,address\n"Palais des Congrès","2 place; Porte Maillot"\nMaison de la Chimie,28 rue Saint-Dominique\n'
    r = imp(s, tok, "semi", "venues", comma)
    is_((r.json or {}).get("unchanged"), [2, 3], "the same rows with commas and LF: unchanged")
    r = imp(s, tok, "semi", "rooms", "venue;name;capacity;kind\r\npalais des CONGRès;Salle Bleue;40;bilateral\r\n")
    is_((r.status, one(db, "SELECT usable_for_bilaterals FROM rooms WHERE name = 'Salle Bleue'")),
        (200, True), "a venue named in another case; a bilateral room is usable for bilaterals")
    return tok


def dst(s, db, admin):
    tok = new_conference(s, admin, "spring", "Europe/Paris", "2024-03-30", "2024-03-31")
    imp(s, tok, "spring", "venues", "name\nPalais\n")
    imp(s, tok, "spring", "rooms", "venue,name,capacity\nPalais,Salle 1,20\n")
    before = snapshot(db, "spring")
    r = imp(s, tok, "spring", "sessions", "kind,title,room,start,end\n"
            "plenary,Opening,Salle 1,2024-03-30T10:00,2024-03-30T11:00\n"
            "plenary,Night owls,Salle 1,2024-03-31T02:30,2024-03-31T03:30\n")
    e = (r.json or {}).get("errors", [{}])
    is_((r.status, [(x.get("row"), x.get("column")) for x in e]), (422, [(3, "start")]),
        "a start the clocks skip (02:30 on 31 March in Paris): 422 on row 3, start")
    like(e[0].get("message", ""), r"does not exist in Europe/Paris", "... saying it does not exist")
    is_(snapshot(db, "spring"), before, "... and the good row is not stored either")
    tok2 = new_conference(s, admin, "autumn", "Europe/Paris", "2024-10-26", "2024-10-27")
    imp(s, tok2, "autumn", "venues", "name\nPalais\n")
    r = imp(s, tok2, "autumn", "sessions", "kind,title,start,end\nplenary,Twice,2024-10-27T02:30,2024-10-27T04:00\n")
    e = (r.json or {}).get("errors", [{}])
    is_((r.status, e[0].get("column")), (422, "start"), "a start shown twice (02:30 on 27 October): 422")
    like(e[0].get("message", ""), r"happens twice.*\+02:00 for the first or \+01:00", "... naming both offsets")
    r = imp(s, tok2, "autumn", "sessions", "kind,title,start,end\nplenary,Twice,2024-10-27T02:30+01:00,2024-10-27T04:00\n")
    is_(r.status, 200, "the same time with its offset: 200")
    is_(one(db, "SELECT starts_at = '2024-10-27 01:30Z' FROM sessions WHERE title = 'Twice'"), True,
        "... the second 02:30 (01:30 UTC) stored")
    r = imp(s, tok2, "autumn", "unavailability", "participant,start,end\nnobody,2024-10-27T02:15,2024-10-27T05:00\n")
    is_(r.status, 422, "unavailability in the repeated hour: 422 too")


def dry_run_and_updates(s, db, copy):
    f = "ref,kind,title,room,start,end,attendees\nS1,press,Doorstep,Press Centre,2023-04-28T09:00,2023-04-28T09:30,Kono Taro\n"
    before = snapshot(db, "copy")
    r = imp(s, copy, "copy", "sessions", f, dry="true")
    is_((r.status, (r.json or {}).get("dry_run"), (r.json or {}).get("created")), (200, True, [2]),
        "dry_run=true: 200, says row 2 would be created")
    is_(snapshot(db, "copy"), before, "... and stores nothing")
    r = imp(s, copy, "copy", "sessions", f)
    is_((r.status, (r.json or {}).get("created")), (200, [2]), "the real import creates it")
    sid = one(db, "SELECT id FROM sessions WHERE ref = 'S1'")
    seq = s.request("GET", "/api/v1/sessions/%d" % sid, token=copy).json["sequence"]
    moved = f.replace("T09:00,2023-04-28T09:30", "T09:10,2023-04-28T09:40")
    r = imp(s, copy, "copy", "sessions", moved)
    is_((r.status, (r.json or {}).get("updated")), (200, [2]), "the same ref at another time: updated")
    g = s.request("GET", "/api/v1/sessions/%d" % sid, token=copy).json
    is_((g["start"], g["sequence"]), ("2023-04-28T09:10:00+09:00", seq + 1),
        "... moved through the session rules: the sequence went up by one")
    r = imp(s, copy, "copy", "sessions", "ref,kind,title,room,start,end\n"
            "S2,press,Clash,Press Centre,2023-04-28T09:20,2023-04-28T09:50\n")
    e = (r.json or {}).get("errors", [{}])
    is_((r.status, e[0].get("row"), e[0].get("column")), (422, 2, "start"),
        "a session in a room already taken then: 422 on its row (the API's 409 rules)")
    like(e[0].get("message", ""), r"double-book.*room Doorstep \(2023-04-28T09:10", "... naming the clash")
    p = "ref,delegation,name,title,role\nK1,JP,Kono Taro,Minister for Digital Transformation (new title),head\n"
    r = imp(s, copy, "copy", "participants", p)
    is_((r.status, (r.json or {}).get("updated")), (200, [2]),
        "a participant named by name gets a ref and a new title: updated")
    with db.cursor() as cur:
        cur.execute("SELECT before->>'title', after->>'title', after->>'ref' FROM audit_log "
                    "WHERE entity = 'participant' AND action = 'update' ORDER BY id DESC LIMIT 1")
        is_(cur.fetchone(), ("Minister for Digital Transformation",
                             "Minister for Digital Transformation (new title)", "K1"),
            "... audited with before and after")
    twins = "delegation,name,role\nJP,Twin,member\nJP,Twin,staff\n"
    r = imp(s, copy, "copy", "participants", twins)
    e = (r.json or {}).get("errors", [{}])
    is_((r.status, [(x.get("row"), x.get("column")) for x in e]), (422, [(3, "name")]),
        "two people of one delegation with one name and no ref or e-mail: 422 on the second")
    like(e[0].get("message", ""), r"give people who share a name a ref or an e-mail", "... saying what to do")
    for role in ("member", "staff"):
        s.request("POST", "/api/v1/conferences/copy/participants",
                  {"delegation": "JP", "name": "Twin", "role": role}, token=copy)
    r = imp(s, copy, "copy", "participants", "delegation,name,role\nJP,Twin,member\n")
    like((r.json or {}).get("errors", [{}])[0].get("message", ""), r"^2 participants of JP are called Twin",
         "a row naming one of two stored namesakes: 422, not a third Twin")
    r = imp(s, copy, "copy", "participants", json.dumps([{"ref": "K1", "delegation": "JP",
            "name": "Kono Taro", "role": "head"}]), ctype="application/json")
    is_((r.status, (r.json or {}).get("unchanged")), (200, [1]),
        "a JSON array body: row 1 is its first object, unchanged")


def refusals(s, db, sec, copy):
    jp = s.token("liaison", conference=SLUG, delegation="JP")
    f = "name\nX\n"
    cases = [
        (imp(s, copy, "nope", "venues", f), 404, "an unknown conference"),
        (imp(s, None, "copy", "venues", f), 401, "no token"),
        (imp(s, jp, SLUG, "venues", f), 403, "a liaison"),
        (imp(s, sec, "copy", "venues", f), 403, "the secretariat of another conference"),
        (imp(s, copy, "copy", "venues", f, ctype="text/plain"), 415, "text/plain"),
        (imp(s, copy, "copy", "venues", f, ctype="text/csv; charset=iso-8859-1"), 415, "a charset other than UTF-8"),
        (imp(s, copy, "copy", "venues", f, query=""), 400, "no kind"),
        (imp(s, copy, "copy", "venues", f, query="kind=people"), 400, "an unknown kind"),
        (imp(s, copy, "copy", "venues", f, dry="maybe"), 400, "dry_run=maybe"),
        (imp(s, copy, "copy", "venues", "[{", ctype="application/json"), 400, "malformed JSON"),
        (imp(s, copy, "copy", "venues", ""), 422, "an empty body"),
        (imp(s, copy, "copy", "venues", b"name\n\xff\xfe\n"), 422, "bytes that are not UTF-8"),
        (imp(s, copy, "copy", "venues", 'name\n"unclosed\n'), 422, "a quote out of place"),
    ]
    for r, want, what in cases:
        okd(r.status == want and r.headers.get("Content-Type") == "application/problem+json",
            "%s: %d problem+json" % (what, want), repr(r))
    r = imp(s, copy, "copy", "venues", "name,colour\nX,blue\n")
    e = (r.json or {}).get("errors", [{}])[0]
    is_((r.status, e.get("row"), e.get("column")), (422, 1, "colour"), "an unknown column: 422 on row 1")
    like(e.get("message", ""), r"columns of venues are: name, address", "... listing the columns")
    r = imp(s, copy, "copy", "rooms", "venue,name\nG Messe Gunma,X\n")
    is_((r.status, (r.json or {}).get("errors", [{}])[0].get("column")), (422, "capacity"),
        "a required column missing: 422 naming it")
    r = s.request("GET", "/api/v1/conferences/copy/import?kind=venues", token=copy)
    is_(r.status, 405, "GET on the import route: 405")


def limits():
    big = "ref,delegation,name,role,email\n" + "".join(
        "L%05d,JP,Person %d,member,person%d@example.org\n" % (i, i, i) for i in range(1200))
    with Server(args=("--set", "max_body=4096", "--set", "max_import_body=65536")) as s:
        sec = s.token("secretariat", conference=SLUG)
        ok(4096 < len(big) < 65536, "a file of %d bytes: over max_body, under max_import_body" % len(big))
        r = imp(s, sec, SLUG, "participants", big)
        is_((r.status, len((r.json or {}).get("created", []))), (200, 1200), "... imported: 1200 rows")
        r = s.request("POST", "/api/v1/conferences/%s/venues" % SLUG, raw=('{"name": "%s"}' % ("x" * 5000)).encode(),
                      token=sec, headers={"Content-Type": "application/json"})
        is_(r.status, 413, "while an ordinary body of that size is 413 (max_body)")
        r = imp(s, sec, SLUG, "participants", big * 2)
        okd(r.status == 413 and "max_import_body" in (r.json or {}).get("detail", ""),
            "a file over max_import_body: 413 naming the setting", repr(r))


LOCK = "SELECT pg_advisory_lock(hashtextextended('kaigi_import ' || id, 0)) FROM conferences WHERE slug = %s"
WAITED = ("SELECT count(*) FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid "
          "WHERE a.datname = current_database() AND NOT l.granted AND l.locktype = 'advisory' "
          "AND now() - a.query_start > interval '700 milliseconds'")


def held_import(s, holder, tok, f):
    """POST f while holder's session holds the conference's import lock; the
    lock is let go once the import has waited longer than statement_timeout_ms."""
    out = {}
    t = threading.Thread(target=lambda: out.update(r=imp(s, tok, SLUG, "venues", f)))
    with holder.cursor() as cur:
        cur.execute(LOCK, (SLUG,))
    t.start()
    waited, _ = wait_for(lambda: one(holder, WAITED) > 0 or "r" in out)
    still_waiting = bool(waited) and "r" not in out
    with holder.cursor() as cur:
        cur.execute("SELECT pg_advisory_unlock_all()")
    t.join(PATIENCE)
    return still_waiting, out.get("r")


def import_timeout():
    """An import runs under import_timeout_ms, not statement_timeout_ms."""
    for import_ms, want, what in ((60000, 200, "import_timeout_ms 60000: 200"),
                                  (300, 503, "import_timeout_ms 300: 503 (the same wait)")):
        with Server(args=("--set", "statement_timeout_ms=500", "--set",
                          "import_timeout_ms=%d" % import_ms)) as s:
            holder = s.db()
            tok = s.token("secretariat", conference=SLUG)
            waited, r = held_import(s, holder, tok, "name\nNew Hall %d\n" % import_ms)
            if import_ms == 60000:
                ok(waited, "an import waited longer than statement_timeout_ms (500 ms) for a lock")
            is_(r.status if r else None, want, what)


with Server() as s:
    db = s.db()
    admin = s.token("admin")
    sec = s.token("secretariat", conference=SLUG)
    copy, files = round_trip(s, db, admin, sec)
    reimport(s, db, copy, files)
    three_bad_rows(s, db, copy)
    semicolons(s, db, admin)
    dst(s, db, admin)
    dry_run_and_updates(s, db, copy)
    refusals(s, db, sec, copy)
limits()
import_timeout()
done_testing()
