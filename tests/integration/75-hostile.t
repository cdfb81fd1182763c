#!/usr/bin/python3
# 75-hostile.t — a battery of bad requests against every route: malformed and
# truncated JSON, wrong types, huge and negative numbers, 10,000-deep nesting,
# invalid UTF-8 and NUL bytes, invalid dates and zones, end before start,
# unknown fields, bodies over the limit, wrong content types, unknown methods,
# SQL fragments and path traversal (tests/hostile/*.txt) in every format-bound
# string field and every path and query parameter.
#
# Long multi-byte text (issue 14: one 422 naming a long key of "é" made
# kaigid exit): for every route that takes a JSON body, an unknown key and a
# string value of every length from 100 to 400 bytes, made of 2-, 3- and
# 4-byte characters (tests/hostile/multibyte.txt), sent as raw UTF-8 and as
# \u escapes; some of the same lengths in path and query parameters.
#
# Each must get its documented 4xx as an RFC 9457 problem document
# (application/problem+json with type, title, status, detail), kaigid must
# stay up (one process served every request: the pids of the access log),
# and the database must be unchanged (pg_dump --data-only before and after;
# sequences excepted: a statement refused by a constraint may have drawn an
# identity value, which is harmless). Every route of the server's table
# (`kaigid --routes`) must have been hit by the battery, and every route that
# takes a JSON body by the body battery. The exceptions evhttp makes itself,
# before kaigid sees a request, are checked separately, each for its exact
# status: header blocks and URLs beyond max_headers and broken request lines
# (400), bodies beyond its hard limit (4 x max_body) and broken chunks (413),
# and methods it does not know or we do not allow (501); it answers those
# with its own short HTML page. Free-text fields holding SQL fragments are
# valid: they are stored verbatim (checked last).
import http.client
import json
import os
import re
import socket
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "g7-digital-2023"
HOSTILE = os.path.join(TOP, "tests", "hostile")
PG_DUMP = "/usr/lib/postgresql/15/bin/pg_dump"
EXPLORE = os.environ.get("KAIGI_HOSTILE_EXPLORE")
# After this many wrong answers the rest is not sent (the test fails): a
# kaigid that crashes on them would otherwise be restarted by its supervisor,
# with a pause once it loops, for every one of tens of thousands of requests.
GIVE_UP = 10 ** 9 if EXPLORE else 20


def lines(name):
    """The non-comment lines of a data file."""
    with open(os.path.join(HOSTILE, name), encoding="utf-8") as f:
        return [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#")]


INJECT = lines("injection.txt")
WIDE = {w: [c for c in lines("multibyte.txt") if len(c.encode()) == w] for w in (2, 3, 4)}
INSTANTS = lines("instants.txt")
ZONES = lines("zones.txt")
HUGE = [2 ** 63, 2 ** 64, -2 ** 63 - 1, 1e308, 10 ** 400]
BAD_INT = [-1, 1.5, "5", True, [], {}] + HUGE
BAD_ID = [0, -1, 1.5, "1", True, [], {}, 2 ** 63, 2 ** 64, 10 ** 40]
BAD_TEXT = [123, True, [], {}, ["x"]]
NEST = 10000
BIG = HUGE + [10 ** 40]     # beyond 64 bits: jansson's parser refuses them (400)
# Members a create must have: null there is as bad as any other wrong value.
REQUIRED = {
    "conference create": ("slug", "title", "timezone", "start_date", "end_date"),
    "venue create": ("name",), "room create": ("venue_id", "name", "capacity"),
    "delegation create": ("code", "name", "kind"),
    "participant create": ("delegation", "name", "role"),
    "unavailability create": ("start", "end"),
    "session create": ("kind", "title", "start", "end"),
    "bilateral create": ("requester", "counterpart", "duration_minutes"),
    "travel put": ("0.from_venue_id", "0.to_venue_id", "0.minutes"),
    "travel patch": ("0.from_venue_id", "0.to_venue_id", "0.minutes"),
    "token create": ("role",),
    "session move": ("start", "end"),
    "webhook create": ("url", "secret"),
    "registration create": ("participant_id",),
}
# Routes where no body means "the defaults" or "nothing to say": a request
# without a body (and for the schedules, {}) is valid there and never sent.
EMPTY_OK = ("bilateral schedule", "conference schedule", "session cancel", "bilateral accept",
            "bilateral decline", "bilateral withdraw", "conference archive", "conference unarchive")


def wide(width, nbytes, k=0):
    """Text of exactly nbytes in UTF-8: 0-3 ASCII bytes, then characters of
    width bytes from tests/hostile/multibyte.txt (starting at the k-th)."""
    chars = WIDE[width]
    pad = nbytes % width
    return "a" * pad + "".join(chars[(k + i) % len(chars)] for i in range(nbytes // width))


def dump(db_url):
    """The data of the test database, sequences left out."""
    p = subprocess.run([PG_DUMP, "--data-only", "--no-owner", "--inserts", db_url],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    if p.returncode != 0:
        bail("pg_dump failed: %s" % p.stderr.decode())
    return [l for l in p.stdout.decode().splitlines()
            if "pg_catalog.setval" not in l and not l.startswith(("--", "\\restrict", "\\unrestrict"))]


class Battery:
    """Sends bad requests and tallies the answers."""

    def __init__(self, s, tokens):
        self.s = s
        self.tokens = tokens
        self.tried = 0
        self.bad = []           # (what, expected, got)
        self.by_route = {}
        self.sent = []          # (battery, method, path without query)
        self.battery = None     # the name of the battery running
        self.keep = False       # one keep-alive connection for many requests
        self.skipped = 0        # not sent: GIVE_UP wrong answers came first
        self.conn = None

    def raw(self, method, path, body=None, ctype="application/json", token="admin",
            headers=None):
        """One request; body is bytes or None. Returns (status, ctype, doc, text).
        With self.keep, requests share one keep-alive connection; one that the
        server closed between two requests is opened again once (a crash still
        shows: the new connection is refused, and the pids of the log differ)."""
        hdrs = {}
        if body is not None and ctype:
            hdrs["Content-Type"] = ctype
        if token:
            hdrs["Authorization"] = "Bearer " + self.tokens[token]
        hdrs.update(headers or {})
        hdrs["Content-Length"] = str(len(body) if body is not None else 0)
        reused = self.keep and self.conn is not None
        try:
            try:
                resp, text = self.exchange(method, path, hdrs, body)
            except (ConnectionError, http.client.RemoteDisconnected):
                if not reused:
                    raise
                self.close()
                resp, text = self.exchange(method, path, hdrs, body)
        except (OSError, http.client.HTTPException) as e:
            self.close()
            return None, "", None, repr(e)
        finally:
            if not self.keep:
                self.close()
        try:
            doc = json.loads(text)
        except ValueError:
            doc = None
        return resp.status, resp.getheader("Content-Type", ""), doc, text[:300]

    def exchange(self, method, path, hdrs, body):
        """Send one request on self.conn (opened if need be); (response, body)."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.s.port, timeout=30)
        self.conn.putrequest(method, path, skip_accept_encoding=True)
        for k, v in hdrs.items():
            self.conn.putheader(k, v)
        self.conn.endheaders(body)
        resp = self.conn.getresponse()
        return resp, resp.read()

    def close(self):
        """Close the connection, if any."""
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def expect(self, route, what, want, method, path, body=None, ascii=True, check=None, **kw):
        """Send one bad request; it must get a problem document with a status in want
        (and, given check, one for which check(doc) is true). A body that is not
        bytes is sent as JSON, with \\u escapes or (ascii=False) raw UTF-8."""
        if len(self.bad) >= GIVE_UP:
            self.skipped += 1       # a broken build: fail now, not after a crash loop
            return
        if not isinstance(body, (bytes, type(None))):
            body = json.dumps(body, ensure_ascii=ascii).encode()
        want = (want,) if isinstance(want, int) else tuple(want)
        st, ct, doc, text = self.raw(method, path, body, **kw)
        self.tried += 1
        self.by_route[route] = self.by_route.get(route, 0) + 1
        self.sent.append((self.battery, method, path.split("?")[0]))
        good = (st in want and ct.startswith("application/problem+json")
                and isinstance(doc, dict) and doc.get("status") == st
                and all(isinstance(doc.get(k), str) for k in ("type", "title", "detail"))
                and (check is None or check(doc)))
        if EXPLORE:
            print("%s %s %s %s -> %s %s" % ("good" if good else "BAD ", route, what, want, st, text[:120]))
        if not good:
            self.bad.append(("%s %s: %s" % (method, path[:80], what), want, st, ct, text[:160]))


def field_values(kind):
    """Invalid values for a field of a kind (see ROUTES)."""
    if kind == "text":
        return BAD_TEXT
    if kind == "req_text":
        return BAD_TEXT + [""]
    if kind == "id":
        return BAD_ID + INJECT[:4]
    if kind == "int":
        return BAD_INT + INJECT[:2]
    if kind == "instant":
        return INSTANTS + INJECT + [20230429, True, []]
    if kind == "date":
        return ["2023-02-29", "2023-13-01", "2023-04-31", "29.04.2023", "2023-4-1", 20230429,
                []] + INJECT
    if kind == "clock":
        return ["25:00", "8", "08:60", "8am", 800] + INJECT[:3]
    if kind == "zone":
        return ZONES + [9, [], ""]
    if kind == "slug":
        return ["", "UPPER", "a" * 64, "-x", "a b", 1] + INJECT
    if kind == "code":
        return ["", "a" * 33, "-JP", "J P", 1] + INJECT
    if kind.startswith("enum"):
        return ["", "nope", "PLENARY", 1, []] + INJECT
    if kind == "ids":
        return ["1", 1, {}, [0], [-1], ["1"], [2 ** 64], [[1]], [1.5]] + INJECT[:2]
    if kind == "codes":
        return ["JP", 1, {}, [1], [[]], ["' OR 1=1"], ["../etc"]]
    if kind == "deleg":
        return [1.5, True, [], {}, "", "ZZ"] + INJECT
    if kind == "bool":
        return [1, "true", [], "yes"]
    if kind == "email":
        return ["no-at-sign", "a@b", "@x.org", "a b@x.org", 1, []]
    if kind == "langs":     # issue 17: the conference's language tags
        return ["en", [], {}, ["EN"], ["en", "en"], [1], [""], ["x" * 40], ["ja_JP"], [None],
                ["' OR 1=1"], ["en"] * 21] + INJECT[:2]
    if kind in ("titles", "descriptions"):     # issue 17: {tag: text}, tags the conference's
        return ["ja", 1, [], {"fr": "x"}, {"ja": 1}, {"ja_JP": "x"}, {"' OR 1=1": "x"},
                {"ja": None}, {"ja": "x" * 20001}] + ([{"ja": ""}] if kind == "titles" else []) + \
            INJECT[:2]
    raise ValueError(kind)


def routes(ids):
    """(name, method, path, valid-looking body, {field: kind}) for every write route.
    The transitions (accept, decline, withdraw, archive, unarchive) take no
    fields: any member is refused, and their valid body {} is never sent."""
    c = "/api/v1/conferences/" + SLUG
    i = ids
    return [
        ("conference create", "POST", "/api/v1/conferences",
         {"slug": "hostile", "title": "T", "timezone": "Asia/Tokyo", "start_date": "2024-01-01",
          "end_date": "2024-01-02"},
         {"slug": "slug", "title": "req_text", "timezone": "zone", "start_date": "date",
          "end_date": "date", "changeover_minutes": "int", "day_start": "clock", "day_end": "clock",
          "languages": "langs"}),
        ("conference patch", "PATCH", c, {"title": "T2"},
         {"title": "req_text", "timezone": "zone", "start_date": "date", "end_date": "date",
          "changeover_minutes": "int", "day_start": "clock", "day_end": "clock",
          "publish": "enum", "languages": "langs"}),
        ("release create", "POST", c + "/releases", {"name": "R"},
         {"name": "text", "comment": "text"}),
        ("venue create", "POST", c + "/venues", {"name": "V"}, {"name": "req_text", "address": "text"}),
        ("room create", "POST", c + "/rooms",
         {"venue_id": i["venue"], "name": "R", "capacity": 10, "kind": "other"},
         {"venue_id": "id", "name": "req_text", "capacity": "int", "kind": "enum",
          "ref": "req_text"}),
        ("delegation create", "POST", c + "/delegations", {"code": "ZZ", "name": "Z", "kind": "guest"},
         {"code": "code", "name": "req_text", "kind": "enum", "ref": "req_text"}),
        ("participant create", "POST", c + "/participants",
         {"delegation": "JP", "name": "N", "role": "member"},
         {"delegation": "deleg", "name": "req_text", "title": "text", "role": "enum",
          "email": "email", "timezone": "zone"}),
        ("participant patch", "PATCH", "/api/v1/participants/%d" % i["participant"], {"name": "N2"},
         {"name": "req_text", "title": "text", "role": "enum", "email": "email", "timezone": "zone"}),
        ("unavailability create", "POST", "/api/v1/participants/%d/unavailability" % i["participant"],
         {"start": "2023-04-29T09:00:00+09:00", "end": "2023-04-29T10:00:00+09:00"},
         {"start": "instant", "end": "instant", "reason": "text"}),
        ("unavailability repair", "POST", "/api/v1/participants/%d/unavailability" % i["participant"],
         {"start": "2023-04-29T09:00:00+09:00", "end": "2023-04-29T10:00:00+09:00", "repair": True,
          "dry_run": True},
         {"start": "instant", "end": "instant", "reason": "text", "repair": "bool", "dry_run": "bool"}),
        ("session create", "POST", c + "/sessions",
         {"kind": "other", "title": "T", "room_id": i["room"], "start": "2023-04-30T07:00:00+09:00",
          "end": "2023-04-30T07:30:00+09:00"},
         {"kind": "enum", "title": "req_text", "room_id": "id", "start": "instant", "end": "instant",
          "status": "enum", "visibility": "enum", "description": "text", "attendees": "ids",
          "delegations": "codes", "titles": "titles", "descriptions": "descriptions"}),
        ("session patch", "PATCH", "/api/v1/sessions/%d" % i["session"], {"title": "T2"},
         {"kind": "enum", "title": "req_text", "room_id": "id", "start": "instant", "end": "instant",
          "status": "enum", "visibility": "enum", "description": "text", "attendees": "ids",
          "delegations": "codes", "titles": "titles", "descriptions": "descriptions"}),
        ("bilateral create", "POST", c + "/bilaterals",
         {"requester": "FR", "counterpart": "DE", "duration_minutes": 30},
         {"requester": "deleg", "counterpart": "deleg", "duration_minutes": "int",
          "earliest": "instant", "latest": "instant", "priority": "int", "level": "enum",
          "topics": "text", "fixed_start": "instant", "after": "ids"}),
        ("bilateral schedule", "POST", "/api/v1/bilaterals/%d/schedule" % i["bilateral"],
         {"start": "2023-04-30T07:00:00+09:00", "room_id": i["room"]},
         {"start": "instant", "room_id": "id"}),
        ("conference schedule", "POST", c + "/schedule", {"dry_run": True, "time_limit_ms": 10},
         {"time_limit_ms": "int"}),
        ("conference schedule", "POST", c + "/schedule", {"time_limit_ms": 10, "dry_run": True},
         {"dry_run": "bool"}),
        ("feed-token create", "POST", c + "/feed-tokens", {"delegation": "JP"},
         {"delegation": "deleg", "participant_id": "id"}),
        ("travel put", "PUT", c + "/travel-times",
         [{"from_venue_id": i["venue"], "to_venue_id": i["venue2"], "minutes": 15}],
         {"0.from_venue_id": "id", "0.to_venue_id": "id", "0.minutes": "int"}),
        # Move (issue 16): its valid body is a dry run.
        ("session move", "POST", "/api/v1/sessions/%d/move" % i["session"],
         {"start": "2023-04-30T07:00:00+09:00", "end": "2023-04-30T07:30:00+09:00", "dry_run": True},
         {"start": "instant", "end": "instant", "room_id": "id", "repair": "bool", "dry_run": "bool"}),
        # Cancel takes only {"replace": bool}; its valid body {} is never sent.
        ("session cancel", "POST", "/api/v1/sessions/%d/cancel" % i["session"], {},
         {"replace": "bool"}),
        # The workbench's QR code of a feed link (issue 16).
        ("qr", "POST", "/api/v1/qr", {"text": "webcal://x"}, {"text": "req_text"}),
        # Webhooks (issue 18 item 4).
        ("webhook create", "POST", c + "/webhooks", {"url": "http://127.0.0.1:9/x", "secret": "s"},
         {"url": "req_text", "secret": "req_text", "events": "codes"}),
        # Side-event registration (issue 17 item 6).
        ("registration create", "POST", "/api/v1/sessions/%d/registrations" % i["session"],
         {"participant_id": i["participant"]}, {"participant_id": "id"}),
    ] + setup_routes(ids) + [(name, "POST", path, {}, {}) for name, path in (
        ("bilateral accept", "/api/v1/bilaterals/%d/accept" % i["bilateral"]),
        ("bilateral decline", "/api/v1/bilaterals/%d/decline" % i["bilateral"]),
        ("bilateral withdraw", "/api/v1/bilaterals/%d/withdraw" % i["bilateral"]),
        ("conference archive", c + "/archive"), ("conference unarchive", c + "/unarchive"))]


def setup_routes(ids):
    """The set-up routes (issue 15): API tokens and the PATCH of venues, rooms,
    travel times, delegations, unavailability and bilateral requests."""
    c = "/api/v1/conferences/" + SLUG
    i = ids
    return [
        ("token create", "POST", c + "/tokens", {"role": "liaison", "delegation": "JP"},
         {"role": "enum", "delegation": "deleg", "label": "text"}),
        ("venue patch", "PATCH", "/api/v1/venues/%d" % i["venue"], {"name": "V2"},
         {"name": "req_text", "address": "text"}),
        ("room patch", "PATCH", "/api/v1/rooms/%d" % i["room"], {"name": "R2"},
         {"venue_id": "id", "name": "req_text", "capacity": "int", "kind": "enum",
          "usable_for_bilaterals": "bool", "ref": "req_text"}),
        ("travel patch", "PATCH", c + "/travel-times",
         [{"from_venue_id": i["venue"], "to_venue_id": i["venue2"], "minutes": 15}],
         {"0.from_venue_id": "id", "0.to_venue_id": "id", "0.minutes": "int"}),
        ("delegation patch", "PATCH", "/api/v1/delegations/%d" % i["delegation"], {"name": "D2"},
         {"code": "code", "name": "req_text", "kind": "enum", "ref": "req_text"}),
        ("unavailability patch", "PATCH", "/api/v1/participants/%d/unavailability/%d" % (
            i["unavail_participant"], i["unavailability"]), {"reason": "R2"},
         {"start": "instant", "end": "instant", "reason": "text"}),
        ("bilateral patch", "PATCH", "/api/v1/bilaterals/%d" % i["bilateral"], {"priority": 3},
         {"duration_minutes": "int", "earliest": "instant", "latest": "instant", "priority": "int",
          "level": "enum", "topics": "text", "ref": "req_text", "fixed_start": "instant",
          "after": "ids"}),
    ]


def mutate(body, field, value):
    """A copy of body with field (or "0.field" in a list body) set to value."""
    b = json.loads(json.dumps(body))
    if "." in field:
        idx, f = field.split(".", 1)
        b[int(idx)][f] = value
    else:
        b[field] = value
    return b


def field_battery(bt, ids):
    """Every field of every write route with each invalid value: 422 (a number
    too big for JSON's 64-bit integers is refused by the parser: 400)."""
    bt.battery = "body"
    for name, method, path, base, fields in routes(ids):
        for field, kind in fields.items():
            values = field_values(kind)
            if field in REQUIRED.get(name, ()):
                values = values + [None]        # null for a required member
            for v in values:
                want = (400, 422) if v in BIG or v in [[x] for x in BIG] else 422
                bt.expect(name, "%s=%r" % (field, v)[:60], want, method, path, mutate(base, field, v))
        bt.expect(name, "unknown field", 422, method, path,
                  mutate(base, "0.bogus" if isinstance(base, list) else "bogus", 1))
        bodies(bt, name, method, path, base)


def bodies(bt, name, method, path, base):
    """Malformed, truncated, nested, non-UTF-8, NUL, wrong type, too large, wrong type of body."""
    good = json.dumps(base).encode()
    for cut in (1, len(good) // 2, len(good) - 1):
        bt.expect(name, "truncated at %d" % cut, 400, method, path, good[:cut])
    for junk in (b"{", b"}", b"nul", b"{'a':1}", b"{\"a\" 1}", b"[1,]", b"{} {}", b"\xef\xbb\xbf{}",
                 b"{\"title\":\"\xff\xfe\"}", b"{\"title\":\"a\x00b\"}", b"{\"title\":\"a\\u0000b\"}",
                 b"\x00", b"{\"a\":1,\"a\":2}", b"{\"title\":\"\xc0\xaf\"}", b"{\"title\":\"\xed\xa0\x80\"}"):
        bt.expect(name, "malformed %r" % junk[:20], 400, method, path, junk)
    bt.expect(name, "deep []", (400, 422), method, path, b"[" * NEST + b"]" * NEST)
    bt.expect(name, "deep {}", (400, 422), method, path,
              b"{\"a\":" * NEST + b"1" + b"}" * NEST)
    for v in ([], {}, "x", 1, None, True):
        if type(v) is type(base) or (name in EMPTY_OK and v in (None, {})):
            continue
        bt.expect(name, "body is %r" % (v,), (400, 422), method, path, v)
    bt.expect(name, "body is JSON null", (400, 422), method, path, b"null")
    bt.expect(name, "text/plain", 415, method, path, good, ctype="text/plain")
    bt.expect(name, "no content type", 415, method, path, good, ctype=None)
    bt.expect(name, "form", 415, method, path, b"a=1", ctype="application/x-www-form-urlencoded")
    big = b"{\"title\":\"" + b"x" * (1024 * 1024) + b"\"}"
    bt.expect(name, "body over max_body", 413, method, path, big)


def wide_value(kind, width, n, k):
    """A string of n bytes that is invalid in a field of kind whatever its
    length: free text ends with a control character."""
    if kind in ("text", "req_text"):
        return wide(width, n - 1, k) + "\x01"
    return wide(width, n, k)


def names_key(key, in_list):
    """A check that a 422 names key whole in its errors, and in its detail as
    "key: message" or, beyond 320 bytes, as a prefix of that cut on a character
    boundary (a character cut in two would come back as U+FFFD) and ended by "…"."""
    field = "[0]." + key if in_list else key

    def check(doc):
        errors = [e for e in doc.get("errors", []) if e.get("field") == field]
        if not errors:
            return False
        full = "%s: %s" % (field, errors[0].get("message"))
        detail = doc.get("detail", "")
        if detail == full:
            return len(full.encode()) <= 320
        cut = len(detail[:-1].encode())
        return detail.endswith("\u2026") and full.startswith(detail[:-1]) and 313 < cut <= 317
    return check


def issue14(bt, ids):
    """Issue 14's own request, {"delegation":"JP", "<150 x a><100 x é>": 1}, to
    the four routes it names: one request made kaigid exit (fatal: json_pack)."""
    key = "a" * 150 + "\u00e9" * 100
    c = "/api/v1/conferences/" + SLUG
    for name, path, base in (
            ("feed-token create", c + "/feed-tokens", {"delegation": "JP"}),
            ("session create", c + "/sessions", {"kind": "other", "title": "T",
                                                 "start": "2023-04-30T07:00:00+09:00",
                                                 "end": "2023-04-30T07:30:00+09:00"}),
            ("bilateral create", c + "/bilaterals", {"requester": "FR", "counterpart": "DE",
                                                     "duration_minutes": 30}),
            ("unavailability create", "/api/v1/participants/%d/unavailability" % ids["participant"],
             {"start": "2023-04-29T09:00:00+09:00", "end": "2023-04-29T10:00:00+09:00"})):
        body = b'{%s, "%s": 1}' % (json.dumps(base, ensure_ascii=False)[1:-1].encode(), key.encode())
        bt.expect(name, "issue 14: a key of 150 x a + 100 x e-acute", 422, "POST", path, body,
                  check=names_key(key, False))


def wide_battery(bt, ids):
    """For every route with a JSON body, every length of 100-400 bytes and every
    width: an unknown key of that length (one error: the 422 names it), and a
    string value of that length in one of the route's fields in turn (each
    invalid there whatever its length). Odd lengths go as \\u escapes, even
    ones as raw UTF-8."""
    bt.battery = "wide"
    bt.keep = True
    issue14(bt, ids)
    for name, method, path, base, fields in routes(ids):
        names = sorted(fields) or ["x"]
        for width in (2, 3, 4):
            for n in range(100, 401):
                text = wide(width, n, n)
                ascii = n % 2 == 1
                key = ("0." if isinstance(base, list) else "") + text
                bt.expect(name, "key of %d bytes of %d-byte characters" % (n, width), 422,
                          method, path, mutate(base, key, 1), ascii=ascii,
                          check=names_key(text, isinstance(base, list)) if fields else None)
                field = names[(n * 3 + width) % len(names)]
                value = wide_value(fields.get(field, "text"), width, n, n)
                bt.expect(name, "%s = %d bytes of %d-byte characters" % (field, n, width), 422,
                          method, path, mutate(base, field, value), ascii=ascii)
    wide_import(bt)
    bt.keep = False
    bt.close()


def wide_import(bt):
    """The import takes its body raw (JSON or CSV, so --routes does not mark it
    json): a column named by text of every length and width, in a JSON array
    and in a CSV header, is a 422, and nothing is imported."""
    path = "/api/v1/conferences/%s/import?kind=venues" % SLUG
    for width in (2, 3, 4):
        for n in range(100, 401):
            text = wide(width, n, n)
            bt.expect("import", "JSON column of %d bytes of %d-byte characters" % (n, width), 422,
                      "POST", path, [{"name": "V%d" % n, text: 1}], ascii=n % 2 == 1)
            bt.expect("import", "CSV column of %d bytes of %d-byte characters" % (n, width), 422,
                      "POST", path, ("name,%s\r\nV%d,1\r\n" % (text, n)).encode(), ctype="text/csv")


def path_battery(bt, ids):
    """SQL fragments, traversal and odd numbers in every path parameter: 404."""
    from urllib.parse import quote
    c = "/api/v1/conferences/"
    templates = [
        ("GET", c + "%s"), ("PATCH", c + "%s"), ("GET", c + "%s/sessions"),
        ("POST", c + "%s/sessions"), ("GET", c + "%s/venues"), ("GET", c + "%s/rooms"),
        ("GET", c + "%s/delegations"), ("GET", c + "%s/participants"), ("GET", c + "%s/audit"),
        ("GET", c + "%s/conflicts"), ("GET", c + "%s/bilaterals"), ("GET", c + "%s/calendar.ics"),
        ("GET", c + "%s/travel-times"),
        ("GET", "/api/v1/sessions/%s"), ("PATCH", "/api/v1/sessions/%s"),
        ("POST", "/api/v1/sessions/%s/cancel"), ("GET", "/api/v1/participants/%s"),
        ("GET", "/api/v1/participants/%s/unavailability"), ("GET", "/api/v1/bilaterals/%s"),
        ("POST", "/api/v1/bilaterals/%s/accept"), ("POST", "/api/v1/bilaterals/%s/decline"),
        ("POST", "/api/v1/bilaterals/%s/withdraw"), ("GET", "/api/v1/bilaterals/%s/slots"),
        ("POST", "/api/v1/bilaterals/%s/schedule"), ("DELETE", "/api/v1/feed-tokens/%s"),
        ("GET", "/feeds/%s.ics"), ("GET", c + SLUG + "/rooms/%s/calendar.ics"),
        ("DELETE", "/api/v1/participants/%d/unavailability/%%s" % ids["participant"]),
        ("GET", c + "%s/changes"), ("GET", "/web/%s"),
        # The set-up routes (issue 15).
        ("GET", c + "%s/tokens"), ("POST", c + "%s/tokens"), ("DELETE", "/api/v1/tokens/%s"),
        ("GET", "/api/v1/venues/%s"), ("PATCH", "/api/v1/venues/%s"), ("DELETE", "/api/v1/venues/%s"),
        ("GET", "/api/v1/rooms/%s"), ("PATCH", "/api/v1/rooms/%s"), ("DELETE", "/api/v1/rooms/%s"),
        ("GET", "/api/v1/delegations/%s"), ("PATCH", "/api/v1/delegations/%s"),
        ("DELETE", "/api/v1/delegations/%s"), ("DELETE", "/api/v1/participants/%s"),
        ("PATCH", "/api/v1/bilaterals/%s"), ("PATCH", c + "%s/travel-times"),
        ("DELETE", c + SLUG + "/travel-times/%s/" + str(ids["venue"])),
        ("DELETE", c + SLUG + "/travel-times/" + str(ids["venue"]) + "/%s"),
        ("PATCH", "/api/v1/participants/%d/unavailability/%%s" % ids["unavail_participant"]),
        ("POST", c + "%s/archive"), ("POST", c + "%s/unarchive"),
        # Spreadsheets (issue 15): an unknown conference or kind is 404.
        ("POST", c + "%s/import?kind=venues"), ("GET", c + "%s/export/venues.csv"),
        ("GET", c + "%s/export.xlsx"), ("GET", c + SLUG + "/export/%s.csv"),
        # The printed programme (issue 16).
        ("GET", c + "%s/programme.pdf"),
        ("POST", "/api/v1/sessions/%s/move"),
        # Schedule releases (issue 18).
        ("POST", c + "%s/releases"), ("GET", c + "%s/releases"),
        ("GET", c + "%s/releases/1/changes"), ("GET", c + SLUG + "/releases/%s/changes"),
        # Webhooks (issue 18 item 4).
        ("POST", c + "%s/webhooks"), ("GET", c + "%s/webhooks"), ("DELETE", "/api/v1/webhooks/%s"),
        ("GET", "/api/v1/webhooks/%s/deliveries"),
        # Protocol order (issue 17 item 4).
        ("GET", "/api/v1/sessions/%s/seating"),
        # Side-event registration (issue 17 item 6).
        ("POST", "/api/v1/sessions/%s/registrations"), ("GET", "/api/v1/sessions/%s/registrations"),
        ("DELETE", "/api/v1/registrations/%s"),
        # The contract's feed paths without /api/v1 (issue 14.11): 404 either way.
        ("GET", "/conferences/%s/calendar.ics"),
        ("GET", "/conferences/" + SLUG + "/rooms/%s/calendar.ics"),
    ]
    bodies_for_path = {
        ("PATCH", c + "%s"): b'{"title":"x"}', ("PATCH", "/api/v1/sessions/%s"): b'{"title":"x"}',
        ("POST", c + "%s/sessions"): json.dumps(
            {"kind": "other", "title": "T", "start": "2023-04-30T07:00:00+09:00",
             "end": "2023-04-30T07:30:00+09:00"}).encode(),
        ("POST", "/api/v1/bilaterals/%s/schedule"): b'{}',
        ("POST", "/api/v1/sessions/%s/move"): json.dumps(
            {"start": "2023-04-30T07:00:00+09:00", "end": "2023-04-30T07:30:00+09:00",
             "repair": True, "dry_run": True}).encode(),
        ("POST", c + "%s/tokens"): b'{"role":"liaison","delegation":"JP"}',
        ("PATCH", "/api/v1/venues/%s"): b'{"name":"x"}', ("PATCH", "/api/v1/rooms/%s"): b'{"name":"x"}',
        ("PATCH", "/api/v1/delegations/%s"): b'{"name":"x"}',
        ("PATCH", "/api/v1/bilaterals/%s"): b'{"priority":3}',
        ("PATCH", c + "%s/travel-times"): json.dumps(
            [{"from_venue_id": ids["venue"], "to_venue_id": ids["venue2"], "minutes": 15}]).encode(),
        ("PATCH", "/api/v1/participants/%d/unavailability/%%s" % ids["unavail_participant"]):
            b'{"reason":"x"}',
        ("POST", c + "%s/import?kind=venues"): b'[{"name":"x"}]',
        ("POST", c + "%s/releases"): b'{}',
        ("POST", c + "%s/webhooks"): b'{"url":"http://127.0.0.1:9/x","secret":"s"}',
        ("POST", "/api/v1/sessions/%s/registrations"): b'{"participant_id":1}',
    }
    bt.battery = "path"
    values = INJECT + ["0", "-1", "99999999999999999999999", "1e3", "0x10", " 1", "1%00",
                       "%00", "%ff%fe", "a" * 300, "%2e%2e", "..", "1.0", "+1"]
    values += [wide(w, n) for w in (2, 3, 4) for n in (255, 320, 321, 400)]
    for method, t in templates:
        for v in values:
            enc = v if v.startswith("%") or v in ("1%00",) else quote(v, safe="")
            body = bodies_for_path.get((method, t))
            bt.expect("path " + t, repr(v)[:40], 404, method, t % enc, body)


def query_battery(bt, ids):
    """Bad ?limit, ?cursor and filters: 400."""
    from urllib.parse import quote
    c = "/api/v1/conferences/" + SLUG
    bt.battery = "query"
    regs = "/api/v1/sessions/%d/registrations" % ids["session"]
    lists = [c + "/sessions", c + "/venues", c + "/rooms", c + "/delegations",
             c + "/participants", c + "/audit", c + "/bilaterals", "/api/v1/conferences",
             c + "/tokens", c + "/releases", regs]
    for q in ("status=nope", "status=", "status=%00", "status=" + quote(INJECT[0])):
        bt.expect("query registrations", q, 400, "GET", regs + "?" + q)
    long = [quote(wide(w, n)) for w in (2, 3, 4) for n in (100, 320, 400)]
    for path in lists:
        for q in ["limit=-1", "limit=0", "limit=1001", "limit=abc", "limit=99999999999999999999999",
                  "limit=1.5", "cursor=abc", "cursor=-5", "cursor=" + quote(INJECT[1]),
                  "limit=%00", "limit=" + quote(INJECT[0])] + ["cursor=" + v for v in long]:
            bt.expect("query " + path, q, 400, "GET", path + "?" + q)
    for q in ["from=" + quote(v) for v in INSTANTS[:8]] + ["to=yesterday", "room_id=abc",
              "room_id=" + quote(INJECT[0]), "kind=nope", "kind=" + quote(INJECT[1]),
              "room_id=-1", "from=" + quote(INJECT[0]), "delegation=%ff%fe", "kind=%ff",
              "kind=%c0%af", "cursor=%ed%a0%80"] + ["kind=" + v for v in long] + \
             ["from=" + v for v in long]:
        bt.expect("query sessions", q, 400, "GET", c + "/sessions?" + q)
    for q in ("status=nope", "status=" + quote(INJECT[0])):
        bt.expect("query bilaterals", q, 400, "GET", c + "/bilaterals?" + q)
    # An import names its kind (the valid ones listed) and says true or false.
    for q in ["kind=nope", "kind=", "kind=%00", "kind=" + quote(INJECT[0]), "kind=venues&dry_run=maybe",
              "kind=venues&dry_run=%00", "kind=venues&preview=maybe", "kind=venues&preview=%00"] + \
            ["kind=" + v for v in long]:
        bt.expect("query import", q, 400, "POST", c + "/import?" + q, b'[{"name":"x"}]')
    for q in ["delegation=JP&participant=1", "lang=%00", "lang=" + quote(INJECT[0]), "lang=fr"]:
        bt.expect("query programme", q, 400, "GET", c + "/programme.pdf?" + q)
    # Every feed: a lang the conference does not list, or no language tag, is 400 (issue 17).
    for path in (c + "/calendar.ics", "/conferences/" + SLUG + "/calendar.ics",
                 c + "/rooms/1/calendar.ics", "/conferences/" + SLUG + "/rooms/1/calendar.ics"):
        for q in ["lang=fr", "lang=", "lang=%00", "lang=%ff", "lang=EN", "lang=ja_JP",
                  "lang=" + quote(INJECT[0]), "lang=" + quote(INJECT[1])] + ["lang=" + v for v in long]:
            bt.expect("query feed " + path, q, 400, "GET", path + "?" + q)
    # A time-zone change names what happens to the sessions: keep_wall_clock or keep_instants only.
    for q in ["shift=nope", "shift=", "shift=%00", "shift=KEEP_INSTANTS", "shift=" + quote(INJECT[0])] + \
            ["shift=" + v for v in long]:
        bt.expect("query conference shift", q, 400, "PATCH", c + "?" + q, b'{"timezone":"Europe/Paris"}')
    for q in ["delegation=JP&participant=1", "delegation=" + "x" * 201]:
        bt.expect("query release changes", q, 400, "GET", c + "/releases/1/changes?" + q)
    bt.expect("query malformed", "%zz", 400, "GET", c + "/sessions?from=%zz")
    # Routes that take no input: a query value that is not UTF-8, or holds NUL, is refused all the same.
    for path in ("/healthz", "/readyz", "/metrics", "/", "/api/v1/me"):
        for q in ("a=%ff", "a=%ff%fe", "a=%c0%af", "a=%ed%a0%80", "a=%f4%90%80%80", "a=%00", "a=1%00"):
            bt.expect("query " + path, q, 400, "GET", path + "?" + q)


def method_battery(bt, ids):
    """Methods a route does not serve: 405 with Allow."""
    bt.battery = "method"
    c = "/api/v1/conferences/" + SLUG
    paths = ["/api/v1/conferences", c, c + "/sessions", "/api/v1/sessions/%d" % ids["session"],
             c + "/venues", c + "/rooms", c + "/travel-times", c + "/delegations",
             c + "/participants", c + "/audit", c + "/conflicts", c + "/bilaterals",
             c + "/calendar.ics", c + "/feed-tokens", "/healthz", "/readyz", "/metrics"]
    for p in paths:
        for m in ("DELETE", "PUT", "OPTIONS"):
            if m == "PUT" and p.endswith("travel-times"):
                continue
            bt.expect("method " + p, m, 405, m, p, b"{}" if m == "PUT" else None)


def auth_battery(bt):
    """Junk Authorization headers: 401."""
    bt.battery = "auth"
    c = "/api/v1/conferences/" + SLUG + "/sessions"
    for h in ("Bearer", "Bearer ", "Basic YWRtaW46YWRtaW4=", "Bearer " + "A" * 129,
              "Bearer ' OR '1'='1", "Bearer ../../etc/passwd", "Bearer " + "a" * 64,
              "Bearer aaaaaaaaaaaaaaaa aaaa", "bearer", "Token abc"):
        bt.expect("auth", h[:30], 401, "GET", c, token=None, headers={"Authorization": h})


def exchange(port, data):
    """Send raw bytes, half-close, read until the server closes; what came back."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as so:
        try:
            so.sendall(data)
            so.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        out = b""
        try:
            while True:
                b = so.recv(65536)
                if not b:
                    break
                out += b
        except OSError:
            pass
        return out


def evhttp_limits(s, bt):
    """What evhttp answers by itself, each with its exact status (a closed
    connection is no answer): oversized headers, URL, body; broken request
    lines and chunks; methods it does not know or we do not allow."""
    post = b"POST /api/v1/conferences HTTP/1.1\r\nHost: x\r\n"
    cases = [
        ("header block > max_headers", 400,
         b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40000 + b"\r\n\r\n"),
        ("URL > max_headers", 400, b"GET /api/v1/sessions/" + b"1" * 40000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"),
        # Refused on its Content-Length alone: no body bytes are sent, so none is left unread.
        ("body > 4 x max_body", 413,
         post + b"Content-Type: application/json\r\nContent-Length: 5000000\r\n\r\n"),
        ("unknown method FOO", 501, b"FOO /healthz HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("TRACE", 501, b"TRACE /healthz HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("CONNECT", 501, b"CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("garbage request line", 400, b"\x00\x01\x02\xff\r\n\r\n"),
        ("HTTP/9.9", 400, b"GET /healthz HTTP/9.9\r\n\r\n"),
        ("negative Content-Length", 400, post + b"Content-Length: -5\r\n\r\n"),
        # libevent 2.1 reports a chunk size that is not hex as a body too large.
        ("chunked junk", 413, post + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n"),
    ]
    for what, want, data in cases:
        out = exchange(s.port, data)
        bt.tried += 1
        m = re.match(rb"HTTP/1\.[01] (\d{3}) ", out)
        is_(int(m.group(1)) if m else "no answer (%d bytes)" % len(out), want,
            "evhttp itself: %s -> %d" % (what, want))
        ok(s.request("GET", "/healthz").status == 200, "kaigid up after: %s" % what)


def route_table(s):
    """The server's route table: (method, pattern, takes a JSON body), in order."""
    rows = []
    for line in s.kaigid("--routes").splitlines():
        method, path, role, body = line.split("\t")
        rows.append((method, path, body == "json"))
    return rows


def pattern_re(path):
    """A route's path as a regex: a {capture} is a non-empty part of one segment."""
    parts = re.split(r"(\{[^}/]+\})", path)
    return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + r"\Z")


def routes_hit(table, sent, batteries):
    """The routes the requests of those batteries reached, by the router's own
    rule: the first route of the table whose method (HEAD as GET) and path match."""
    compiled = [(m, p, pattern_re(p)) for m, p, _ in table]
    hit = set()
    for battery, method, path in sent:
        if battery not in batteries:
            continue
        want = "GET" if method == "HEAD" else method
        for m, p, rx in compiled:
            if m == want and rx.match(path):
                hit.add((m, p))
                break
    return hit


def coverage(s, bt):
    """Every route of the table was hit; every route taking JSON by the body batteries."""
    table = route_table(s)
    ok(len(table) >= 40, "kaigid --routes lists %d routes" % len(table))
    hit = routes_hit(table, bt.sent, ("body", "wide", "path", "query", "auth"))
    missing = ["%s %s" % (m, p) for m, p, _ in table if (m, p) not in hit]
    is_(missing, [], "the battery hits every one of the %d routes of the table" % len(table))
    json_routes = [(m, p) for m, p, j in table if j]
    body_hit = routes_hit(table, bt.sent, ("body",)) & routes_hit(table, bt.sent, ("wide",))
    missing = ["%s %s" % r for r in json_routes if r not in body_hit]
    is_(missing, [], "the body and multi-byte batteries hit every one of the %d routes "
        "that take a JSON body" % len(json_routes))
    return len(table), len(json_routes)


def served_by(log):
    """The pids that wrote access lines to kaigid's log."""
    return set(re.findall(r"\[(\d+)\] info: access ", log))


with Server(args=("--set", "max_body=1048576", "--set", "max_headers=16384")) as s:
    tokens = {"admin": s.token("admin"), "sec": s.token("secretariat", conference=SLUG)}
    with s.db().cursor() as cur:
        def one(sql):
            cur.execute(sql)
            return cur.fetchone()[0]
        ids = {"venue": one("SELECT min(id) FROM venues"), "venue2": one("SELECT max(id) FROM venues"),
               "room": one("SELECT min(id) FROM rooms"),
               "participant": one("SELECT min(id) FROM participants"),
               "session": one("SELECT min(id) FROM sessions"),
               "bilateral": one("SELECT coalesce(min(id), 1) FROM bilateral_requests"),
               "delegation": one("SELECT min(id) FROM delegations"),
               "unavailability": one("SELECT min(id) FROM unavailability"),
               "unavail_participant": one("SELECT participant_id FROM unavailability"
                                          " ORDER BY id LIMIT 1")}
    before = dump(s.db_url)
    bt = Battery(s, tokens)
    field_battery(bt, ids)
    n_wide = bt.tried
    wide_battery(bt, ids)
    n_wide = bt.tried - n_wide
    path_battery(bt, ids)
    query_battery(bt, ids)
    method_battery(bt, ids)
    auth_battery(bt)
    n_api = bt.tried
    ok(n_api >= 200, "%d bad requests tried through the API" % n_api)
    ok(n_wide >= 19 * 2 * 3 * 301, "%d of them with long multi-byte keys and values" % n_wide)
    diag_bad = bt.bad[:15]
    is_(len(bt.bad), 0, "each got its 4xx as application/problem+json with type/title/status/detail")
    is_(bt.skipped, 0, "none was left unsent")
    for b in diag_bad:
        diag("  %s: want %s, got %s %s %r" % b)
    n_routes, n_json = coverage(s, bt)
    evhttp_limits(s, bt)
    ok(s.proc.poll() is None, "kaigid still running after %d bad requests" % bt.tried)
    is_(s.request("GET", "/healthz").status, 200, "and answers /healthz")
    log = open(s.log_path, "rb").read().decode("utf-8", "replace")
    is_(len(served_by(log)), 1, "one kaigid process served them all (no crash, no restart)")
    after = dump(s.db_url)
    changed = sorted(set(before) ^ set(after))
    is_(changed[:10], [], "the database is unchanged (pg_dump --data-only, %d lines)" % len(before))
    note("hostile: %d bad requests (%d with long multi-byte text), %d of %d routes, "
         "%d of %d with a JSON body, 0 crashes" % (bt.tried, n_wide, n_routes, n_routes, n_json, n_json))

    # SQL fragments in free text are just text: stored and given back verbatim.
    tok = tokens["sec"]
    for i, frag in enumerate(INJECT[:6]):
        r = s.request("POST", "/api/v1/conferences/%s/venues" % SLUG,
                      {"name": frag + " #%d" % i, "address": frag}, token=tok)
        is_((r.status, (r.json or {}).get("name")), (201, frag + " #%d" % i),
            "free text %r is stored verbatim" % frag[:30])
    with s.db().cursor() as cur:
        cur.execute("SELECT count(*) FROM sessions")
        ok(cur.fetchone()[0] > 0, "sessions table still there")
    log = open(s.log_path, "rb").read().decode("utf-8", "replace")
    ok("AddressSanitizer" not in log and "runtime error" not in log and "fatal" not in log,
       "kaigid's log has no sanitizer report or fatal error")
    is_(s.stop(), 0, "kaigid exits 0 on SIGTERM")
done_testing()
