#!/usr/bin/python3
# 10-conferences.t - POST/GET/PATCH /api/v1/conferences: happy paths, every
# validation error, every role, If-Match, paging, and that failed requests
# write nothing (rows and audit log counted before and after).
import os, sys, threading
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *

G7 = "/api/v1/conferences/g7-digital-2023"
NEW = {"slug": "osaka-2025", "title": "Osaka Ministerial", "timezone": "Asia/Tokyo",
       "start_date": "2025-05-10", "end_date": "2025-05-12"}


def count(conn, sql):
    """One number from the database."""
    with conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchone()[0]


def state(conn):
    """What a failed request must not change."""
    return (count(conn, "SELECT count(*) FROM conferences"),
            count(conn, "SELECT count(*) FROM audit_log"),
            count(conn, "SELECT sum(version) FROM conferences"))


def field_errors(r):
    """The set of field names a 422 names."""
    return sorted(e["field"] for e in (r.json or {}).get("errors", []))


with Server() as s:
    db = s.db()
    admin = s.token("admin")
    sec = s.token("secretariat", conference="g7-digital-2023")
    jp = s.token("liaison", conference="g7-digital-2023", delegation="JP")
    bad = "A" * 43

    # ---- create
    before = state(db)
    r = s.request("POST", "/api/v1/conferences", NEW)
    is_(r.status, 401, "POST /conferences without a token: 401")
    r = s.request("POST", "/api/v1/conferences", NEW, token=bad)
    is_(r.status, 401, "POST /conferences with an unknown token: 401")
    r = s.request("POST", "/api/v1/conferences", NEW, token=jp)
    is_(r.status, 403, "liaison may not create a conference: 403")
    r = s.request("POST", "/api/v1/conferences", NEW, token=sec)
    is_(r.status, 403, "secretariat may not create a conference: 403")
    is_(r.headers.get("Content-Type"), "application/problem+json", "problem+json")
    r = s.request("POST", "/api/v1/conferences", raw=b'{"slug": ', token=admin,
                  headers={"Content-Type": "application/json"})
    is_(r.status, 400, "malformed JSON: 400")
    r = s.request("POST", "/api/v1/conferences", raw=b'slug=x', token=admin,
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    is_(r.status, 415, "form body: 415")
    r = s.request("POST", "/api/v1/conferences", [], token=admin)
    is_(r.status, 422, "array body: 422")
    r = s.request("POST", "/api/v1/conferences", {}, token=admin)
    is_(r.status, 422, "empty object: 422")
    is_(field_errors(r), ["end_date", "slug", "start_date", "timezone", "title"],
        "every missing field is named")
    bads = [
        ({"slug": "Bad Slug"}, "slug"),
        ({"slug": "-x"}, "slug"),
        ({"slug": 7}, "slug"),
        ({"title": ""}, "title"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": "JST"}, "timezone"),
        ({"timezone": "../etc/passwd"}, "timezone"),
        ({"timezone": "Asia"}, "timezone"),
        ({"start_date": "2025-02-30"}, "start_date"),
        ({"end_date": "2025-05-09"}, "end_date"),
        ({"changeover_minutes": -1}, "changeover_minutes"),
        ({"changeover_minutes": "10"}, "changeover_minutes"),
        ({"day_start": "8am"}, "day_start"),
        ({"day_start": "21:00"}, "day_end"),
        ({"day_end": "07:00"}, "day_end"),
        ({"colour": "red"}, "colour"),
    ]
    for change, field in bads:
        body = dict(NEW)
        body.update(change)
        r = s.request("POST", "/api/v1/conferences", body, token=admin)
        ok(r.status == 422 and field in field_errors(r),
           "422 naming %s for %r" % (field, change))
    body = dict(NEW, slug="Nope", timezone="Nowhere/City", end_date="2025-01-01")
    r = s.request("POST", "/api/v1/conferences", body, token=admin)
    is_(field_errors(r), ["end_date", "slug", "timezone"], "all bad fields named at once")
    body = dict(NEW, slug="g7-digital-2023")
    r = s.request("POST", "/api/v1/conferences", body, token=admin)
    is_(r.status, 409, "existing slug: 409")
    is_(field_errors(r), ["slug"], "409 names the slug")
    is_(state(db), before, "failed creates wrote nothing")

    r = s.request("POST", "/api/v1/conferences", NEW, token=admin)
    is_(r.status, 201, "admin creates a conference: 201")
    c = r.json or {}
    is_((c.get("slug"), c.get("timezone"), c.get("start_date"), c.get("end_date")),
        ("osaka-2025", "Asia/Tokyo", "2025-05-10", "2025-05-12"), "fields echoed")
    is_((c.get("changeover_minutes"), c.get("day_start"), c.get("day_end")),
        (10, "08:00", "20:00"), "defaults applied")
    is_(c.get("version"), 1, "version 1")
    is_(r.headers.get("ETag"), '"1"', 'ETag "1"')
    like(c.get("created_at", ""), r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00$",
         "created_at in the conference's zone")
    is_(count(db, "SELECT count(*) FROM audit_log WHERE entity = 'conference' "
              "AND action = 'create' AND entity_id = %d AND role = 'admin' "
              "AND token_id IS NOT NULL AND after->>'slug' = 'osaka-2025'" % c["id"]),
        1, "audited with actor and after")
    body = dict(NEW, slug="rome-2026", timezone="Europe/Rome", changeover_minutes=0,
                day_start="09:30", day_end="18:00", location="Rome")
    r = s.request("POST", "/api/v1/conferences", body, token=admin)
    is_((r.status, (r.json or {}).get("changeover_minutes"), (r.json or {}).get("day_start")),
        (201, 0, "09:30"), "optional fields stored")

    # ---- read
    r = s.request("GET", "/api/v1/conferences")
    is_(r.status, 200, "anyone lists conferences")
    is_([x["slug"] for x in r.json["items"]],
        ["g7-digital-2023", "osaka-2025", "rome-2026"], "all three, in id order")
    is_(r.json["next"], None, "no next page")
    r = s.request("GET", "/api/v1/conferences?limit=2")
    is_(len(r.json["items"]), 2, "limit=2 gives two")
    cur = r.json["next"]
    ok(cur is not None, "and a cursor")
    r = s.request("GET", "/api/v1/conferences?limit=2&cursor=%s" % cur)
    is_(([x["slug"] for x in r.json["items"]], r.json["next"]), (["rome-2026"], None),
        "the cursor gives the rest")
    for q in ("limit=0", "limit=1001", "limit=x", "cursor=abc"):
        r = s.request("GET", "/api/v1/conferences?" + q)
        is_(r.status, 400, "bad paging %s: 400" % q)
    r = s.request("GET", G7)
    is_((r.status, r.json["timezone"], r.json["title"]),
        (200, "Asia/Tokyo", "G7 Digital and Tech Ministers' Meeting"), "GET one, anonymous")
    is_(r.headers.get("ETag"), '"%d"' % r.json["version"], "ETag is the version")
    r = s.request("GET", G7, token=jp)
    is_(r.status, 200, "GET one as a liaison")
    r = s.request("GET", G7, token=bad)
    is_(r.status, 401, "GET one with a bad token: 401")
    r = s.request("GET", "/api/v1/conferences/nope")
    is_(r.status, 404, "unknown slug: 404")

    # ---- patch
    sec_osaka = s.token("secretariat", conference="osaka-2025")
    before = state(db)
    r = s.request("PATCH", G7, {"title": "X"})
    is_(r.status, 401, "PATCH without a token: 401")
    r = s.request("PATCH", G7, {"title": "X"}, token=bad)
    is_(r.status, 401, "PATCH with a bad token: 401")
    r = s.request("PATCH", G7, {"title": "X"}, token=jp)
    is_(r.status, 403, "PATCH by a liaison: 403")
    r = s.request("PATCH", G7, {"title": "X"}, token=sec_osaka)
    is_(r.status, 403, "PATCH by another conference's secretariat: 403")
    r = s.request("PATCH", "/api/v1/conferences/nope", {"title": "X"}, token=admin)
    is_(r.status, 404, "PATCH of an unknown conference: 404")
    for change, field in [({"slug": "other"}, "slug"), ({"timezone": "Asia/Nowhere"}, "timezone"),
                          ({"timezone": "Europe"}, "timezone"),
                          ({"end_date": "2023-04-27"}, "end_date"),
                          ({"start_date": "2023-05-01"}, "start_date"),
                          ({"day_end": "07:00"}, "day_end"), ({"title": ""}, "title"),
                          ({"start_date": "2023-04-29", "end_date": "2023-04-28"}, "end_date"),
                          ({"version": 3}, "version")]:
        r = s.request("PATCH", G7, change, token=sec)
        ok(r.status == 422 and field in field_errors(r), "PATCH 422 naming %s for %r" % (field, change))
    r = s.request("PATCH", G7, {"title": "X"}, token=sec, headers={"If-Match": '"99"'})
    is_(r.status, 412, "stale If-Match: 412")
    r = s.request("PATCH", G7, {"title": "X"}, token=sec, headers={"If-Match": 'garbage'})
    is_(r.status, 412, "malformed If-Match: 412")
    is_(state(db), before, "failed PATCHes wrote nothing")

    r = s.request("PATCH", G7, {"title": "G7 Digital (renamed)", "day_end": "21:00"},
                  token=sec, headers={"If-Match": '"1"'})
    is_(r.status, 200, "secretariat PATCHes with the right If-Match")
    is_((r.json["title"], r.json["day_end"], r.json["version"]),
        ("G7 Digital (renamed)", "21:00", 2), "changed, version 2")
    is_(r.headers.get("ETag"), '"2"', 'ETag "2"')
    r = s.request("PATCH", G7, {"location": "Takasaki"}, token=admin)
    is_((r.status, r.json["version"]), (200, 3), "admin PATCHes without If-Match")
    r = s.request("GET", G7)
    is_((r.json["title"], r.json["location"]), ("G7 Digital (renamed)", "Takasaki"), "stored")
    is_(count(db, "SELECT count(*) FROM audit_log WHERE entity = 'conference' AND action = 'update' "
              "AND before->>'title' = 'G7 Digital and Tech Ministers'' Meeting' "
              "AND after->>'title' = 'G7 Digital (renamed)' AND role = 'secretariat'"),
        1, "the PATCH is audited with before and after")
    r = s.request("PATCH", G7, {"changeover_minutes": 200}, token=sec)
    is_(r.status, 409, "a changeover that would double-book a participant: 409")
    is_(count(db, "SELECT changeover_minutes FROM conferences WHERE slug = 'g7-digital-2023'"),
        10, "changeover unchanged")
    before = state(db)
    r = s.request("PATCH", G7, {"end_date": "2023-04-29"}, token=sec)
    is_(r.status, 409, "new dates leaving sessions outside: 409")
    ok(len((r.json or {}).get("sessions", [])) > 0 and
       all(x["start"].startswith("2023-04-30") for x in r.json["sessions"]),
       "names the sessions of the 30th")
    r = s.request("PATCH", G7, {"timezone": "America/Los_Angeles"}, token=sec)
    is_(r.status, 409, "a zone that moves sessions off the days: 409")
    is_(state(db), before, "refused date changes wrote nothing")
    r = s.request("PATCH", G7, {"end_date": "2023-05-02"}, token=sec)
    is_((r.status, r.json.get("end_date")), (200, "2023-05-02"), "longer dates are fine")
    r = s.request("PATCH", G7, {"changeover_minutes": 5}, token=sec)
    is_((r.status, r.json.get("changeover_minutes")), (200, 5), "a smaller changeover is fine")
    statuses = []
    body = dict(NEW, slug="race")
    threads = [threading.Thread(target=lambda: statuses.append(
        s.request("POST", "/api/v1/conferences", body, token=admin).status)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    is_(sorted(statuses), [201] + [409] * 11, "12 concurrent creates of one slug: one 201, eleven 409")
    is_(count(db, "SELECT count(*) FROM conferences WHERE slug = 'race'"), 1, "one stored")
    is_(count(db, "SELECT count(*) FROM audit_log WHERE after->>'slug' = 'race'"), 1, "one audited")
    r = s.request("HEAD", G7)
    is_((r.status, r.body), (200, b""), "HEAD /conferences/{slug}: 200, no body")
    is_(r.headers.get("Content-Length"), str(len(s.request("GET", G7).body)),
        "HEAD /conferences/{slug}: the Content-Length of the GET")
    r = s.request("DELETE", G7, token=admin)
    is_(r.status, 405, "DELETE /conferences/{slug}: 405")
    is_(s.stop(), 0, "kaigid exits 0 on SIGTERM")
done_testing()
