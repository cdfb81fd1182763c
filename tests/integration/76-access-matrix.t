#!/usr/bin/python3
# 76-access-matrix.t — who may do what, table-driven: every route x {no token,
# malformed token, revoked token, liaison of an unrelated delegation (UA),
# liaison of the party (CA), secretariat of another conference, secretariat,
# admin} -> the expected status. The resource of each cell is made fresh for
# it (a write that succeeds must not change what the next cell sees).
#
# Then: the demo's Japan–Canada bilateral (restricted) appears in no list,
# feed (public, room, delegation, participant), slot list or error message
# of a caller who may not see it; and tokens: at least 128 bits, stored only
# as 64-hex SHA-256, never in the database or kaigid's log in the clear, feed
# tokens revoked with immediate effect in every worker (--workers 2). Every
# route of `kaigid --routes` must have its row; exports and the printed
# programme are searched for the restricted bilateral too. A confidential
# CA–JP bilateral is checked the same way, and is only a busy block (no
# title, codes or id) in its room's feed.
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from kaigitest import _Headers as Headers  # noqa: E402

SLUG = "g7-digital-2023"
C = "/api/v1/conferences/" + SLUG
ROLES = ("none", "malformed", "revoked", "liaison_other", "liaison_party", "sec_other", "sec", "admin")
EXPLORE = os.environ.get("KAIGI_MATRIX_EXPLORE")
PG_DUMP = "/usr/lib/postgresql/15/bin/pg_dump"
WEB_FILE = sorted(f for f in os.listdir(os.path.join(TOP, "server", "web"))
                  if os.path.isfile(os.path.join(TOP, "server", "web", f)))[0]


def sql(s, q, *args):
    """One row of a query (autocommit)."""
    with s.db().cursor() as cur:
        cur.execute(q, args)
        try:
            return cur.fetchone()
        except Exception:
            return None


class Ctx:
    """Tokens, ids, and fixture makers."""

    def __init__(self, s):
        self.s = s
        self.tok = {
            "none": None,
            "malformed": "not a token!",
            "revoked": s.token("secretariat", conference=SLUG),
            "liaison_other": s.token("liaison", conference=SLUG, delegation="UA"),
            "liaison_party": s.token("liaison", conference=SLUG, delegation="CA"),
            "sec": s.token("secretariat", conference=SLUG),
            "admin": s.token("admin"),
        }
        r = s.request("POST", "/api/v1/conferences", {
            "slug": "other-conf", "title": "Other", "timezone": "Europe/Paris",
            "start_date": "2023-05-01", "end_date": "2023-05-02"}, token=self.tok["admin"])
        assert r.status == 201, r
        self.tok["sec_other"] = s.token("secretariat", conference="other-conf")
        import hashlib
        with s.db().cursor() as cur:
            cur.execute("UPDATE api_tokens SET revoked_at = now() WHERE token_hash = %s",
                        (hashlib.sha256(self.tok["revoked"].encode()).hexdigest(),))
        self.session = sql(s, "SELECT s.id FROM sessions s WHERE s.title LIKE %s",
                           "Bilateral meeting: Japan – Canada")[0]
        self.title = "Bilateral meeting: Japan – Canada"
        self.bilateral = sql(s, "SELECT id FROM bilateral_requests WHERE session_id = %s",
                             self.session)[0]
        self.ca_head = sql(s, "SELECT p.id FROM participants p JOIN delegations d ON"
                              " d.id = p.delegation_id WHERE d.code = 'CA' AND p.role = 'head'")[0]
        self.jp_deputy = sql(s, "SELECT p.id FROM participants p JOIN delegations d ON"
                                " d.id = p.delegation_id WHERE d.code = 'JP' AND p.role = 'deputy'")[0]
        self.room = sql(s, "SELECT id FROM rooms WHERE name = 'Bilateral Room A'")[0]
        self.venue = sql(s, "SELECT min(id) FROM venues")[0]
        self.n = 0
        self.k = 0
        self.hit = set()

    def admin(self, method, path, body=None):
        """A request as admin that must succeed; its JSON."""
        r = self.s.request(method, path, body, token=self.tok["admin"])
        if r.status >= 300:
            raise RuntimeError("fixture %s %s: %r" % (method, path, r))
        return r.json

    def slot(self):
        """A fresh 10 minutes between 00:00 and 08:00 of 28-30 April (no demo
        session starts before 08:00): 144 of them, none used twice."""
        self.n += 1
        self.k += 1
        if self.k >= 144:
            raise RuntimeError("the matrix needs more than 144 fresh slots: widen slot()")
        m = 10 * (self.k % 48)
        day = 28 + self.k // 48
        return ("2023-04-%02dT%02d:%02d:00+09:00" % (day, m // 60, m % 60),
                "2023-04-%02dT%02d:%02d:00+09:00" % (day, (m + 10) // 60, (m + 10) % 60))

    def restricted_session(self):
        """A new restricted session with Canada as a party."""
        st, en = self.slot()
        return self.admin("POST", C + "/sessions", {
            "kind": "bilateral", "title": "Matrix JP-CA %d" % self.n, "start": st, "end": en,
            "visibility": "restricted", "delegations": ["JP", "CA"]})["id"]

    def new_bilateral(self, requester="JP", counterpart="CA", accept=False):
        """A new bilateral request."""
        b = self.admin("POST", C + "/bilaterals", {"requester": requester,
                                                   "counterpart": counterpart,
                                                   "duration_minutes": 30})
        if accept:
            self.admin("POST", "/api/v1/bilaterals/%d/accept" % b["id"], {})
        return b["id"]

    def unavailability(self):
        """A new unavailability block of Canada's head."""
        st, en = self.slot()
        return self.admin("POST", "/api/v1/participants/%d/unavailability" % self.ca_head,
                          {"start": st, "end": en, "reason": "matrix"})["id"]

    def feed_token(self):
        """A new feed token of Canada."""
        return self.admin("POST", C + "/feed-tokens", {"delegation": "CA"})

    def venue_new(self):
        """A new venue nothing refers to."""
        self.n += 1
        return self.admin("POST", C + "/venues", {"name": "Matrix venue %d" % self.n})["id"]

    def room_new(self):
        """A new room nothing refers to."""
        self.n += 1
        return self.admin("POST", C + "/rooms", {"venue_id": self.venue, "name": "Matrix room %d" % self.n,
                                                 "capacity": 4})["id"]

    def delegation_new(self):
        """A new delegation nothing refers to."""
        self.n += 1
        return self.admin("POST", C + "/delegations", {"code": "Z%d" % self.n, "name": "Matrix %d" % self.n,
                                                       "kind": "guest"})["id"]

    def participant_new(self):
        """A new participant of Canada nothing refers to."""
        self.n += 1
        return self.admin("POST", C + "/participants", {"delegation": "CA", "name": "Matrix P %d" % self.n,
                                                        "role": "staff"})["id"]

    def travel_new(self):
        """A travel time between two new venues: its DELETE path."""
        a, b = self.venue_new(), self.venue_new()
        self.admin("PATCH", C + "/travel-times", [{"from_venue_id": a, "to_venue_id": b, "minutes": 7}])
        return "%s/travel-times/%d/%d" % (C, a, b)

    def api_token_new(self):
        """A new liaison API token of Canada: its id."""
        return self.admin("POST", C + "/tokens", {"role": "liaison", "delegation": "CA"})["id"]

    def webhook_new(self):
        """A new webhook of the conference: its id."""
        return self.admin("POST", C + "/webhooks", {"url": "http://127.0.0.1:9/m", "secret": "m"})["id"]

    def side_event(self, visibility="public"):
        """A new side event with seats (Canada a party when restricted);
        no room and no attendees, so it needs no fresh slot."""
        self.n += 1
        return self.admin("POST", C + "/sessions", {
            "kind": "side_event", "title": "Matrix side event %d" % self.n, "capacity": 50,
            "start": "2023-04-28T21:00:00+09:00", "end": "2023-04-28T22:00:00+09:00",
            "visibility": visibility, "delegations": ["CA"]})["id"]

    def registration_new(self, sid=None):
        """A new registration of a new Canadian participant: its id."""
        sid = sid or self.side_event("restricted")
        return self.admin("POST", "/api/v1/sessions/%d/registrations" % sid,
                          {"participant_id": self.participant_new()})["id"]

    def registration_session(self):
        """A restricted side event holding one Canadian registration."""
        sid = self.side_event("restricted")
        self.registration_new(sid)
        return sid

    def archived(self, yes):
        """The conference archived (or not) before a cell."""
        self.admin("POST", C + ("/archive" if yes else "/unarchive"), {})


# Expected statuses: a dict role -> status; "pub" = public read (200 for any
# caller whose token is absent or valid), "*" fills the rest.
def exp(**kw):
    """Expected status per role: defaults 401 for bad tokens."""
    e = {"malformed": 401, "revoked": 401}
    star = kw.pop("star", None)
    for r in ROLES:
        if r in kw:
            e[r] = kw[r]
        elif r not in e:
            e[r] = star
    return e


PUB = exp(star=200)
SEC_ONLY = exp(none=401, liaison_other=403, liaison_party=403, sec_other=403, sec=200, admin=200)


def cells(x):
    """(name, maker(role) -> (method, path, body), expected) for every route."""
    def st_en():
        return x.slot()

    def new_session(role):
        st, en = x.slot()
        return ("POST", C + "/sessions", {"kind": "other", "title": "m %s" % role,
                                          "start": st, "end": en})
    return [
        ("GET /healthz", lambda r: ("GET", "/healthz", None), PUB),
        ("GET /readyz", lambda r: ("GET", "/readyz", None), PUB),
        ("GET /metrics", lambda r: ("GET", "/metrics", None), PUB),
        ("POST /conferences", lambda r: ("POST", "/api/v1/conferences", {
            "slug": "m-%s" % r.replace("_", "-"), "title": "M", "timezone": "Asia/Tokyo",
            "start_date": "2024-01-01", "end_date": "2024-01-02"}),
         exp(none=401, liaison_other=403, liaison_party=403, sec_other=403, sec=403, admin=201)),
        ("GET /conferences", lambda r: ("GET", "/api/v1/conferences", None), PUB),
        ("GET /conferences/{slug}", lambda r: ("GET", C, None), PUB),
        ("PATCH /conferences/{slug}", lambda r: ("PATCH", C, {"title": "G7 (%s)" % r}), SEC_ONLY),
        ("POST venues", lambda r: ("POST", C + "/venues", {"name": "V %s" % r}),
         exp(none=401, liaison_other=403, liaison_party=403, sec_other=403, sec=201, admin=201)),
        ("GET venues", lambda r: ("GET", C + "/venues", None), PUB),
        ("POST rooms", lambda r: ("POST", C + "/rooms", {"venue_id": x.venue, "name": "R %s" % r,
                                                         "capacity": 5}),
         exp(none=401, liaison_other=403, liaison_party=403, sec_other=403, sec=201, admin=201)),
        ("GET rooms", lambda r: ("GET", C + "/rooms", None), PUB),
        ("PUT travel-times", lambda r: ("PUT", C + "/travel-times", []), SEC_ONLY),
        ("GET travel-times", lambda r: ("GET", C + "/travel-times", None), PUB),
        ("POST delegations", lambda r: ("POST", C + "/delegations", {
            "code": "M%d" % ROLES.index(r), "name": "M", "kind": "guest"}),
         exp(none=401, liaison_other=403, liaison_party=403, sec_other=403, sec=201, admin=201)),
        ("GET delegations", lambda r: ("GET", C + "/delegations", None), PUB),
        ("POST participants", lambda r: ("POST", C + "/participants", {
            "delegation": "CA", "name": "P %s" % r, "role": "staff"}),
         exp(none=401, liaison_other=403, liaison_party=403, sec_other=403, sec=201, admin=201)),
        ("GET participants", lambda r: ("GET", C + "/participants", None),
         exp(none=401, liaison_other=200, liaison_party=200, sec_other=403, sec=200, admin=200)),
        ("GET /participants/{id}", lambda r: ("GET", "/api/v1/participants/%d" % x.ca_head, None),
         exp(none=401, liaison_other=404, liaison_party=200, sec_other=404, sec=200, admin=200)),
        ("PATCH /participants/{id}", lambda r: ("PATCH", "/api/v1/participants/%d" % x.ca_head,
                                                {"title": "T %s" % r}),
         exp(none=401, liaison_other=404, liaison_party=200, sec_other=404, sec=200, admin=200)),
        ("POST unavailability", lambda r: ("POST", "/api/v1/participants/%d/unavailability" % x.ca_head,
                                           dict(zip(("start", "end"), st_en()))),
         exp(none=401, liaison_other=404, liaison_party=201, sec_other=404, sec=201, admin=201)),
        ("GET unavailability", lambda r: ("GET", "/api/v1/participants/%d/unavailability" % x.ca_head, None),
         exp(none=401, liaison_other=404, liaison_party=200, sec_other=404, sec=200, admin=200)),
        ("DELETE unavailability", lambda r: ("DELETE", "/api/v1/participants/%d/unavailability/%d"
                                             % (x.ca_head, x.unavailability()), None),
         exp(none=401, liaison_other=404, liaison_party=204, sec_other=404, sec=204, admin=204)),
        ("POST sessions", new_session,
         exp(none=401, liaison_other=403, liaison_party=403, sec_other=403, sec=201, admin=201)),
        ("GET sessions", lambda r: ("GET", C + "/sessions", None), PUB),
        ("GET /sessions/{id} restricted", lambda r: ("GET", "/api/v1/sessions/%d" % x.session, None),
         exp(none=404, liaison_other=404, liaison_party=200, sec_other=404, sec=200, admin=200)),
        ("PATCH /sessions/{id} restricted", lambda r: ("PATCH", "/api/v1/sessions/%d" % x.restricted_session(),
                                                       {"title": "moved %s" % r}),
         exp(none=401, liaison_other=403, liaison_party=403, sec_other=404, sec=200, admin=200)),
        ("POST /sessions/{id}/cancel", lambda r: ("POST", "/api/v1/sessions/%d/cancel" % x.restricted_session(), None),
         exp(none=401, liaison_other=403, liaison_party=403, sec_other=404, sec=200, admin=200)),
        ("POST /sessions/{id}/move restricted", lambda r: ("POST", "/api/v1/sessions/%d/move"
                                                           % x.restricted_session(), dict(zip(
            ("start", "end"), st_en()), repair=True, dry_run=True)),
         exp(none=401, liaison_other=403, liaison_party=403, sec_other=404, sec=200, admin=200)),
        ("GET conflicts", lambda r: ("GET", C + "/conflicts", None), SEC_ONLY),
        ("GET audit", lambda r: ("GET", C + "/audit", None), SEC_ONLY),
        ("POST bilaterals", lambda r: ("POST", C + "/bilaterals", {
            "requester": "CA", "counterpart": "FR", "duration_minutes": 30}),
         exp(none=401, liaison_other=403, liaison_party=201, sec_other=(403, 404), sec=201, admin=201)),
        ("GET bilaterals", lambda r: ("GET", C + "/bilaterals", None),
         # another conference's secretariat: 200 with an empty list (leaks() checks it is empty)
         exp(none=401, liaison_other=200, liaison_party=200, sec_other=200, sec=200, admin=200)),
        ("GET /bilaterals/{id}", lambda r: ("GET", "/api/v1/bilaterals/%d" % x.bilateral, None),
         exp(none=401, liaison_other=404, liaison_party=200, sec_other=404, sec=200, admin=200)),
        ("POST accept", lambda r: ("POST", "/api/v1/bilaterals/%d/accept" % x.new_bilateral(), None),
         exp(none=401, liaison_other=404, liaison_party=200, sec_other=404, sec=200, admin=200)),
        ("POST decline", lambda r: ("POST", "/api/v1/bilaterals/%d/decline" % x.new_bilateral(), None),
         exp(none=401, liaison_other=404, liaison_party=200, sec_other=404, sec=200, admin=200)),
        ("POST withdraw", lambda r: ("POST", "/api/v1/bilaterals/%d/withdraw" % x.new_bilateral("CA", "JP"), None),
         exp(none=401, liaison_other=404, liaison_party=200, sec_other=404, sec=200, admin=200)),
        ("GET slots", lambda r: ("GET", "/api/v1/bilaterals/%d/slots?limit=3" % x.new_bilateral(accept=True), None),
         exp(none=401, liaison_other=404, liaison_party=200, sec_other=404, sec=200, admin=200)),
        ("POST /bilaterals/{id}/schedule", lambda r: ("POST", "/api/v1/bilaterals/%d/schedule"
                                                      % x.new_bilateral(accept=True), {}),
         exp(none=401, liaison_other=403, liaison_party=403, sec_other=404, sec=201, admin=201)),
        ("POST /conferences/{slug}/schedule", lambda r: ("POST", C + "/schedule", {"dry_run": True}),
         SEC_ONLY),
        ("POST feed-tokens", lambda r: ("POST", C + "/feed-tokens", {"delegation": "CA"}),
         exp(none=401, liaison_other=403, liaison_party=201, sec_other=403, sec=201, admin=201)),
        ("DELETE /feed-tokens/{id}", lambda r: ("DELETE", "/api/v1/feed-tokens/%d" % x.feed_token()["id"], None),
         exp(none=401, liaison_other=404, liaison_party=204, sec_other=404, sec=204, admin=204)),
        ("GET calendar.ics", lambda r: ("GET", C + "/calendar.ics", None), PUB),
        ("GET room calendar.ics", lambda r: ("GET", C + "/rooms/%d/calendar.ics" % x.room, None), PUB),
        ("GET /feeds/{token}.ics", lambda r: ("GET", "/feeds/%s.ics" % x.feed_token()["token"], None), PUB),
        ("GET changes (SSE)", lambda r: ("SSE", C + "/changes", None), PUB),
        ("GET /conferences/{slug}/calendar.ics", lambda r: ("GET", "/conferences/%s/calendar.ics" % SLUG, None),
         PUB),
        ("GET /conferences/{slug}/rooms/{id}/calendar.ics",
         lambda r: ("GET", "/conferences/%s/rooms/%d/calendar.ics" % (SLUG, x.room), None), PUB),
        ("GET / (web)", lambda r: ("GET", "/", None), PUB),
        ("GET /web/{file}", lambda r: ("GET", "/web/" + WEB_FILE, None), PUB),
    ] + setup_cells(x)


SEC_WRITE = exp(none=401, liaison_other=403, liaison_party=403, sec_other=(403, 404), sec=200, admin=200)
SEC_DELETE = exp(none=401, liaison_other=403, liaison_party=403, sec_other=(403, 404), sec=204, admin=204)


def setup_cells(x):
    """The set-up routes: /me, tokens, edit and delete of every resource,
    archive, import, export, the printed programme."""
    csv = "name,address\nMatrix import venue,1 Main St\n"

    def release_mode():
        sql(x.s, "UPDATE conferences SET publish = 'release' WHERE slug = %s", SLUG)
    return [
        ("GET /me", lambda r: ("GET", "/api/v1/me", None),
         exp(none=401, liaison_other=200, liaison_party=200, sec_other=200, sec=200, admin=200)),
        ("POST tokens", lambda r: ("POST", C + "/tokens", {"role": "liaison", "delegation": "CA"}),
         exp(none=401, liaison_other=403, liaison_party=403, sec_other=403, sec=201, admin=201)),
        ("GET tokens", lambda r: ("GET", C + "/tokens", None), SEC_ONLY),
        ("DELETE /tokens/{id}", lambda r: ("DELETE", "/api/v1/tokens/%d" % x.api_token_new(), None), SEC_DELETE),
        ("GET /venues/{id}", lambda r: ("GET", "/api/v1/venues/%d" % x.venue, None), PUB),
        ("PATCH /venues/{id}", lambda r: ("PATCH", "/api/v1/venues/%d" % x.venue_new(), {"address": r}), SEC_WRITE),
        ("DELETE /venues/{id}", lambda r: ("DELETE", "/api/v1/venues/%d" % x.venue_new(), None), SEC_DELETE),
        ("GET /rooms/{id}", lambda r: ("GET", "/api/v1/rooms/%d" % x.room, None), PUB),
        ("PATCH /rooms/{id}", lambda r: ("PATCH", "/api/v1/rooms/%d" % x.room_new(), {"capacity": 9}), SEC_WRITE),
        ("DELETE /rooms/{id}", lambda r: ("DELETE", "/api/v1/rooms/%d" % x.room_new(), None), SEC_DELETE),
        ("PATCH travel-times", lambda r: ("PATCH", C + "/travel-times", [
            {"from_venue_id": x.venue_new(), "to_venue_id": x.venue, "minutes": 5}]), SEC_WRITE),
        ("DELETE travel-times/{from}/{to}", lambda r: ("DELETE", x.travel_new(), None), SEC_DELETE),
        ("GET /delegations/{id}", lambda r: ("GET", "/api/v1/delegations/%d" % x.delegation_new(), None), PUB),
        ("PATCH /delegations/{id}", lambda r: ("PATCH", "/api/v1/delegations/%d" % x.delegation_new(),
                                               {"name": "M %s" % r}), SEC_WRITE),
        ("DELETE /delegations/{id}", lambda r: ("DELETE", "/api/v1/delegations/%d" % x.delegation_new(), None),
         SEC_DELETE),
        ("DELETE /participants/{id}", lambda r: ("DELETE", "/api/v1/participants/%d" % x.participant_new(), None),
         exp(none=401, liaison_other=404, liaison_party=204, sec_other=404, sec=204, admin=204)),
        ("PATCH unavailability", lambda r: ("PATCH", "/api/v1/participants/%d/unavailability/%d"
                                            % (x.ca_head, x.unavailability()), {"reason": "m %s" % r}),
         exp(none=401, liaison_other=404, liaison_party=200, sec_other=404, sec=200, admin=200)),
        ("PATCH /bilaterals/{id}", lambda r: ("PATCH", "/api/v1/bilaterals/%d" % x.new_bilateral(),
                                              {"priority": 2}),
         exp(none=401, liaison_other=(403, 404), liaison_party=403, sec_other=404, sec=200, admin=200)),
        ("POST archive", lambda r: (x.archived(False), ("POST", C + "/archive", {}))[1], SEC_WRITE),
        ("POST unarchive", lambda r: (x.archived(True), ("POST", C + "/unarchive", {}))[1], SEC_WRITE),
        ("POST import (dry run)", lambda r: ("POST", C + "/import?kind=venues&dry_run=true", None,
                                             csv.encode(), "text/csv"), SEC_WRITE),
        ("GET export/{kind}.csv", lambda r: ("GET", C + "/export/sessions.csv", None), PUB),
        ("GET export.xlsx", lambda r: ("GET", C + "/export.xlsx", None), PUB),
        ("GET programme.pdf", lambda r: ("GET", C + "/programme.pdf", None), PUB),
        ("POST /qr", lambda r: ("POST", "/api/v1/qr", {"text": "webcal://%s" % r}),
         exp(none=401, star=200)),
        # Webhooks (issue 18 item 4): the secretariat's; another conference's never sees them.
        ("POST webhooks", lambda r: ("POST", C + "/webhooks", {"url": "http://127.0.0.1:9/%s" % r,
                                                               "secret": "m"}),
         exp(none=401, liaison_other=403, liaison_party=403, sec_other=403, sec=201, admin=201)),
        ("GET webhooks", lambda r: ("GET", C + "/webhooks", None), SEC_ONLY),
        ("DELETE /webhooks/{id}", lambda r: ("DELETE", "/api/v1/webhooks/%d" % x.webhook_new(), None),
         exp(none=401, liaison_other=403, liaison_party=403, sec_other=404, sec=204, admin=204)),
        ("GET /webhooks/{id}/deliveries", lambda r: ("GET", "/api/v1/webhooks/%d/deliveries" % x.webhook_new(),
                                                     None),
         exp(none=401, liaison_other=403, liaison_party=403, sec_other=404, sec=200, admin=200)),
        # Protocol order (issue 17 item 4): a restricted session's seating only for who sees it.
        ("GET /sessions/{id}/seating restricted", lambda r: ("GET", "/api/v1/sessions/%d/seating" % x.session,
                                                             None),
         exp(none=404, liaison_other=404, liaison_party=200, sec_other=404, sec=200, admin=200)),
        # Side-event registration (issue 17 item 6): the secretariat's and the
        # registrant's liaison's; another delegation's liaison registers only its
        # own people (422) and sees nothing of a restricted event (404).
        ("POST /sessions/{id}/registrations", lambda r: ("POST", "/api/v1/sessions/%d/registrations"
                                                         % x.side_event(), {"participant_id": x.participant_new()}),
         exp(none=401, liaison_other=422, liaison_party=201, sec_other=403, sec=201, admin=201)),
        ("GET /sessions/{id}/registrations", lambda r: ("GET", "/api/v1/sessions/%d/registrations"
                                                        % x.registration_session(), None),
         exp(none=401, liaison_other=404, liaison_party=200, sec_other=404, sec=200, admin=200)),
        ("DELETE /registrations/{id}", lambda r: ("DELETE", "/api/v1/registrations/%d" % x.registration_new(), None),
         exp(none=401, liaison_other=404, liaison_party=204, sec_other=404, sec=204, admin=204)),
        # Schedule releases (issue 18) last: they put the conference in release mode.
        ("POST releases", lambda r: release_mode() or ("POST", C + "/releases", {"name": "m %s" % r}),
         exp(none=401, liaison_other=403, liaison_party=403, sec_other=403, sec=201, admin=201)),
        ("GET releases", lambda r: ("GET", C + "/releases", None), PUB),
        ("GET release changes", lambda r: ("GET", C + "/releases/1/changes?delegation=CA", None),
         exp(none=404, liaison_other=404, liaison_party=200, sec_other=404, sec=200, admin=200)),
    ]


def route_re(pattern):
    """A route pattern of `kaigid --routes` as a regular expression."""
    return re.compile("^" + re.sub(r"\\\{[a-z]+\\\}", "[^/?]+", re.escape(pattern)) + "(\\?.*)?$")


def uncovered(s, hit):
    """The routes of kaigid's table that no cell requested."""
    out = s.kaigid("--routes")
    routes = [line.split("\t")[:2] for line in out.splitlines() if "\t" in line]
    return ["%s %s" % (m, p) for m, p in routes
            if not any(hm == m and route_re(p).match(hp) for hm, hp in hit)]


def matrix(s, x):
    """Run every cell; report mismatches."""
    bad = []
    n = 0
    for name, make, want in cells(x):
        for role in ROLES:
            method, path, body, *raw = make(role)
            tok = x.tok[role]
            x.hit.add(("GET" if method == "SSE" else method, path))
            if method == "SSE":
                r = Response(0, "", [], b"", 0)
                head = sse(s, path, tok, lambda text: "\r\n\r\n" in text)
                m = re.match(r"HTTP/1.1 (\d+)", head)
                r.status = int(m.group(1)) if m else None
                ctype = re.search(r"(?im)^Content-Type: *([^\r\n]*)", head)
                r.headers = Headers([("Content-Type", ctype.group(1))] if ctype else [])
                r.body = head.encode()[:200]
            elif raw:
                r = s.request(method, path, token=tok, raw=raw[0], headers={"Content-Type": raw[1]})
            else:
                r = s.request(method, path, body, token=tok)
            n += 1
            got = r.status
            if EXPLORE:
                print("%-34s %-14s want %s got %s %s" % (name, role, want[role], got, r.body[:100]))
            w = want[role] if isinstance(want[role], tuple) else (want[role],)
            if got not in w:
                bad.append((name, role, want[role], got, r.body[:120]))
            elif got >= 400 and not r.headers.get("Content-Type", "").startswith("application/problem+json"):
                bad.append((name, role, "problem+json", r.headers.get("Content-Type"), r.body[:80]))
    return n, bad


def all_pages(s, path, tok):
    """Every item of a paged list."""
    items, cursor = [], None
    for _ in range(100):
        r = s.request("GET", path + ("&" if "?" in path else "?") + "limit=1000"
                      + ("&cursor=" + cursor if cursor else ""), token=tok)
        if r.status != 200:
            return None
        items += r.json["items"]
        cursor = r.json.get("next")
        if not cursor:
            return items
    return items


def rows(s, q, *args):
    """All rows of a query."""
    with s.db().cursor() as cur:
        cur.execute(q, args)
        return cur.fetchall()


def sse(s, path, tok, until):
    """What a Server-Sent Events stream sends (headers too) up to the point
    where until(text so far) holds, or the stream ends, or PATIENCE runs out."""
    import socket
    so = socket.create_connection(("127.0.0.1", s.port), timeout=PATIENCE)
    req = "GET %s HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n" % path
    if tok:
        req += "Authorization: Bearer %s\r\n" % tok
    so.sendall((req + "\r\n").encode())
    out = b""
    end = time.monotonic() + PATIENCE
    try:
        while time.monotonic() < end and not until(out.decode("utf-8", "replace")):
            so.settimeout(max(0.01, end - time.monotonic()))
            b = so.recv(65536)
            if not b:
                break
            out += b
    except OSError:
        pass
    so.close()
    return out.decode("utf-8", "replace")


def leaks(s, x):
    """The restricted JP–CA bilateral is nowhere for those who may not see it."""
    sid, title = x.session, x.title
    topics = "generative AI and its ethical use"
    ua_feed = x.admin("POST", C + "/feed-tokens", {"delegation": "UA"})["token"]
    deputy_feed = x.admin("POST", C + "/feed-tokens", {"participant_id": x.jp_deputy})["token"]
    ca_feed = x.admin("POST", C + "/feed-tokens", {"delegation": "CA"})["token"]
    for role in ("none", "liaison_other", "sec_other"):
        items = all_pages(s, C + "/sessions", x.tok[role]) or []
        ok(items and sid not in [i["id"] for i in items], "%s: not in the session list" % role)
        for q in ("?delegation=CA", "?delegation=JP", "?room_id=%d" % x.room, "?kind=bilateral"):
            items = all_pages(s, C + "/sessions" + q, x.tok[role]) or []
            ok(sid not in [i["id"] for i in items], "%s: not in the list filtered by %s" % (role, q))
        r = s.request("GET", "/api/v1/sessions/%d" % sid, token=x.tok[role])
        ok(r.status == 404 and title not in r.text and topics not in r.text,
           "%s: 404 by id, naming nothing" % role)
    sec_list = all_pages(s, C + "/bilaterals", x.tok["sec"]) or []
    ok(x.bilateral in [b["id"] for b in sec_list],
       "the secretariat's bilateral list holds the request (%d requests)" % len(sec_list))
    for q in ("", "?status=requested", "?status=accepted", "?status=scheduled"):
        items = all_pages(s, C + "/bilaterals" + q, x.tok["sec_other"])
        is_(items, [], "sec_other: 200 and an empty bilateral list%s" % (" (%s)" % q if q else ""))
    for role in ("liaison_other",):
        r = s.request("GET", C + "/bilaterals", token=x.tok[role])
        ok(r.status == 200 and x.bilateral not in [b["id"] for b in r.json["items"]],
           "%s: its bilateral request is not in the list" % role)
        r = s.request("GET", "/api/v1/bilaterals/%d" % x.bilateral, token=x.tok[role])
        ok(r.status == 404 and topics not in r.text, "%s: its request is 404, naming nothing" % role)
    r = s.request("GET", C + "/calendar.ics")
    ok(r.status == 200 and title not in r.text and "session-%d@" % sid not in r.text,
       "not in the public feed")
    r = s.request("GET", C + "/rooms/%d/calendar.ics" % x.room)
    ev = [e for e in r.text.split("BEGIN:VEVENT")[1:] if "session-%d@" % sid in e]
    ok(r.status == 200 and len(ev) == 1 and "SUMMARY:Reserved" in ev[0] and title not in r.text
       and "Canada" not in ev[0] and "DFFT" not in ev[0],
       "the room feed shows it only as Reserved")
    for what, tok in (("Ukraine's delegation feed", ua_feed), ("Japan's deputy's participant feed", deputy_feed)):
        r = s.request("GET", "/feeds/%s.ics" % tok)
        ok(r.status == 200 and title not in r.text and "session-%d@" % sid not in r.text,
           "not in %s" % what)
    r = s.request("GET", "/feeds/%s.ics" % ca_feed)
    ok(r.status == 200 and "session-%d@" % sid in r.text, "but in Canada's feed (the test can see it)")
    # A UA–JP request's slots avoid the bilateral's time without naming it.
    b = x.admin("POST", C + "/bilaterals", {"requester": "UA", "counterpart": "JP",
                                            "duration_minutes": 30})["id"]
    x.admin("POST", "/api/v1/bilaterals/%d/accept" % b, {})
    r = s.request("GET", "/api/v1/bilaterals/%d/slots?limit=50" % b, token=x.tok["liaison_other"])
    ok(r.status == 200 and title not in r.text and topics not in r.text and "Canada" not in r.text,
       "Ukraine's slot list names nothing of it")
    r = s.request("GET", C + "/audit", token=x.tok["liaison_other"])
    is_(r.status, 403, "the audit view is the secretariat's only")
    printed(s, x, title, topics)
    matrix_ids = [i for (i,) in rows(s, "SELECT id FROM sessions WHERE title LIKE 'Matrix JP-CA%%'"
                                        " OR title LIKE 'moved %%'")]
    secret = [sid] + matrix_ids
    # A public change after every restricted one: each replay is read up to it.
    pub = sql(s, "SELECT min(id) FROM sessions WHERE visibility = 'public'")[0]
    x.admin("PATCH", "/api/v1/sessions/%d" % pub, {"title": "Matrix marker"})
    mark = sql(s, "SELECT max(id) FROM session_changes")[0]
    for role in ("none", "liaison_other", "sec_other", "liaison_party"):
        text = sse(s, C + "/changes?last_event_id=0", x.tok[role],
                   lambda t: re.search(r"(?m)^id: %d$" % mark, t))
        ok(re.search(r"(?m)^id: %d$" % mark, text),
           "%s: the change stream replays up to the public marker" % role)
        seen = [i for i in secret if re.search(r'"session_id": ?%d\b' % i, text)]
        if role == "liaison_party":
            ok(sid in seen and len(seen) == len(secret),
               "the change stream replays the restricted sessions to Canada's liaison (%d of %d)"
               % (len(seen), len(secret)))
        else:
            ok(text.startswith("HTTP/1.1 200") and not seen and title not in text and "Matrix JP-CA" not in text,
               "%s: the change stream (replayed from 0) shows none of the %d restricted sessions"
               % (role, len(secret)))


def confidential_leaks(s, x):
    """A confidential CA–JP bilateral: its parties and the secretariat see it
    whole; for anyone else it is nowhere but as a title-less busy block in
    its room's feed (no title, topics, codes or session id)."""
    topics = "Matrix confidential topics (must not leak)"
    b = x.admin("POST", C + "/bilaterals", {"requester": "CA", "counterpart": "JP",
                                            "duration_minutes": 30, "topics": topics,
                                            "confidential": True})
    ok(b["confidential"] is True, "confidential: a confidential CA–JP request")
    x.admin("POST", "/api/v1/bilaterals/%d/accept" % b["id"], {})
    ses = x.admin("POST", "/api/v1/bilaterals/%d/schedule" % b["id"], {})
    sid, title, room = ses["id"], ses["title"], ses["room_id"]
    is_(ses["visibility"], "confidential", "confidential: placed as a confidential session")
    local = re.sub(r"[-:]", "", ses["start"][:19])
    words = (title, topics, "Canada", "Japan")
    ua_feed = x.admin("POST", C + "/feed-tokens", {"delegation": "UA"})["token"]
    deputy_feed = x.admin("POST", C + "/feed-tokens", {"participant_id": x.jp_deputy})["token"]
    ca_feed = x.admin("POST", C + "/feed-tokens", {"delegation": "CA"})["token"]
    for role in ("none", "liaison_other", "sec_other"):
        for q in ("", "?delegation=CA", "?delegation=JP", "?room_id=%d" % room, "?kind=bilateral"):
            items = all_pages(s, C + "/sessions" + q, x.tok[role])
            ok(items is not None and sid not in [i["id"] for i in items]
               and title not in str(items), "confidential, %s: not in the list%s" % (role, q))
        r = s.request("GET", "/api/v1/sessions/%d" % sid, token=x.tok[role])
        ok(r.status == 404 and not any(w in r.text for w in words),
           "confidential, %s: 404 by id, naming nothing" % role)
        r = s.request("GET", "/api/v1/bilaterals/%d" % b["id"], token=x.tok[role])
        ok(r.status in (401, 404) and topics not in r.text,
           "confidential, %s: its request is not there (%d)" % (role, r.status))
        r = s.request("GET", C + "/rooms/%d/calendar.ics" % room, token=x.tok[role])
        evs = [e for e in r.text.replace("\r\n ", "").split("BEGIN:VEVENT")[1:]
               if "DTSTART;TZID=Asia/Tokyo:" + local in e]
        busy = [e for e in evs if "SUMMARY:Busy" in e]
        ok(r.status == 200 and len(busy) == 1 and "CLASS:CONFIDENTIAL" in busy[0]
           and "session-%d@" % sid not in r.text and not any(w in r.text for w in words[:2])
           and not re.search(r"\b(CA|JP|Canada|Japan)\b", busy[0]),
           "confidential, %s: the room feed shows a busy block only (no title, codes, id)" % role)
        for path in [C + "/export/%s.csv" % k for k in ("sessions", "bilaterals")] + \
                [C + "/export.xlsx", C + "/programme.pdf"]:
            text = export_text(s, path, x.tok[role])
            ok(text is not None and title not in text and topics not in text,
               "confidential, %s: %s holds nothing of it" % (role, path.rsplit("/", 1)[1]))
    r = s.request("GET", C + "/calendar.ics")
    ok(r.status == 200 and "session-%d@" % sid not in r.text and title not in r.text
       and "SUMMARY:Busy" not in r.text, "confidential: not in the public feed, not even busy")
    for what, tok in (("Ukraine's delegation feed", ua_feed),
                      ("Japan's deputy's participant feed", deputy_feed)):
        r = s.request("GET", "/feeds/%s.ics" % tok)
        ok(r.status == 200 and title not in r.text and "session-%d@" % sid not in r.text
           and "SUMMARY:Busy" not in r.text, "confidential: not in %s" % what)
    r = s.request("GET", "/api/v1/bilaterals/%d/slots?limit=50" % x.new_bilateral("UA", "JP", True),
                  token=x.tok["liaison_other"])
    ok(r.status == 200 and not any(w in r.text for w in words[:2]),
       "confidential: Ukraine's slot list names nothing of it")
    # Its parties and the secretariat see it whole.
    r = s.request("GET", "/feeds/%s.ics" % ca_feed)
    ok("session-%d@" % sid in r.text and title in r.text, "confidential: in Canada's feed, whole")
    for role in ("liaison_party", "sec"):
        r = s.request("GET", "/api/v1/sessions/%d" % sid, token=x.tok[role])
        ok(r.status == 200 and r.json["title"] == title, "confidential: %s reads it" % role)
        text = export_text(s, C + "/export/bilaterals.csv", x.tok[role])
        ok(text and topics in text, "confidential: %s finds it in bilaterals.csv" % role)
    r = s.request("GET", C + "/audit?limit=1000", token=x.tok["sec"])
    ok(r.status == 200 and title in r.text and topics in r.text,
       "confidential: the audit log keeps it whole (the secretariat's)")
    # The change stream, replayed from the start, up to a public marker.
    pub = sql(s, "SELECT min(id) FROM sessions WHERE visibility = 'public'")[0]
    x.admin("PATCH", "/api/v1/sessions/%d" % pub, {"title": "Matrix marker 2"})
    mark = sql(s, "SELECT max(id) FROM session_changes")[0]
    for role in ("none", "liaison_other", "sec_other", "liaison_party"):
        text = sse(s, C + "/changes?last_event_id=0", x.tok[role],
                   lambda t: re.search(r"(?m)^id: %d$" % mark, t))
        seen = re.search(r'"session_id": ?%d\b' % sid, text) is not None
        ok(re.search(r"(?m)^id: %d$" % mark, text) and
           (seen and title in text if role == "liaison_party" else
            not seen and title not in text and topics not in text),
           "confidential, %s: the change stream %s" % (
               role, "replays it" if role == "liaison_party" else "shows nothing of it"))


def export_text(s, path, tok):
    """An export or programme as text: CSV as is, the .xlsx's sheets and
    shared strings unzipped, the PDF through pdftotext."""
    import io
    import subprocess
    import zipfile
    r = s.request("GET", path, token=tok)
    if r.status != 200:
        return None
    if path.endswith(".xlsx"):
        z = zipfile.ZipFile(io.BytesIO(r.body))
        return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
    if path.endswith(".pdf"):
        return subprocess.run(["pdftotext", "-", "-"], input=r.body, stdout=subprocess.PIPE,
                              check=True).stdout.decode("utf-8", "replace")
    return r.text


def printed(s, x, title, topics):
    """Exports and the printed programme hold the restricted bilateral only
    for those who may see it."""
    paths = [C + "/export/%s.csv" % k for k in ("sessions", "bilaterals")] + \
        [C + "/export.xlsx", C + "/programme.pdf"]
    short = title.split(":")[0]
    for path in paths:
        for role in ("none", "liaison_other", "sec_other"):
            text = export_text(s, path, x.tok[role])
            ok(text is not None and len(text) > 50 and title not in text and topics not in text,
               "%s: %s holds nothing of it" % (role, path.rsplit("/", 1)[1]))
        text = export_text(s, path, x.tok["liaison_party"])
        if "bilaterals" in path:
            ok(text and topics in text, "but Canada's liaison finds it in %s" % path.rsplit("/", 1)[1])
        else:
            ok(text and (title in text or short in text and "Canada" in text),
               "but Canada's liaison finds it in %s" % path.rsplit("/", 1)[1])


def tokens(s, x):
    """Token strength, storage and logging."""
    raw = [t for k, t in x.tok.items() if t and k != "malformed"]
    feeds = [x.feed_token()["token"] for _ in range(3)]
    more = [s.token("admin") for _ in range(20)]
    ok(all(re.fullmatch(r"[A-Za-z0-9_-]{22,}", t) for t in raw + feeds + more),
       "every token is base64url of at least 128 bits (>= 22 characters)")
    is_(len(set(raw + feeds + more)), len(raw + feeds + more), "all distinct")
    with s.db().cursor() as cur:
        cur.execute("SELECT token_hash FROM api_tokens UNION ALL SELECT token_hash FROM feed_tokens")
        hashes = [r[0] for r in cur.fetchall()]
    ok(hashes and all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes),
       "api_tokens and feed_tokens hold only 64-hex hashes (%d)" % len(hashes))
    import hashlib
    ok(all(hashlib.sha256(t.encode()).hexdigest() in hashes for t in raw + feeds + more),
       "each is the SHA-256 of its token")
    import subprocess
    dump = subprocess.run([PG_DUMP, "--data-only", s.db_url], stdout=subprocess.PIPE).stdout.decode()
    is_([t[:6] for t in raw + feeds + more if t in dump], [], "no raw token anywhere in the database")
    echoed = []
    for tok in (x.tok["revoked"], "A" * 40, x.tok["sec"] + "x"):
        r = s.request("GET", C + "/sessions", token=tok)
        if tok in r.text or tok in str(r.headers.items()):
            echoed.append(tok[:6])
    r = s.request("GET", "/feeds/%s.ics" % ("B" * 43))
    if "B" * 43 in r.text:
        echoed.append("feed")
    is_(echoed, [], "a refused token is not echoed in the answer")
    log = open(s.log_path, encoding="utf-8", errors="replace").read()
    ok(len(log) > 1000, "kaigid's log has content (%d bytes)" % len(log))
    is_([t[:6] for t in raw + feeds + more if t in log], [], "no raw token in kaigid's log")


def revoke_workers():
    """Feed tokens revoked with immediate effect in every worker process."""
    with Server(args=("--workers", "2")) as s:
        admin = s.token("admin")
        r = s.request("POST", C + "/feed-tokens", {"delegation": "CA"}, token=admin)
        is_(r.status, 201, "--workers 2: feed token issued")
        tok, fid = r.json["token"], r.json["id"]
        fetch = lambda: s.request("GET", "/feeds/%s.ics" % tok).status  # noqa: E731
        got, pids = collect_workers(s, fetch, "/feeds/…")
        ok(set(got) == {200} and len(pids) == 2,
           "fetches until both workers answered (caches warm): %d, all 200, %d workers"
           % (len(got), len(pids)))
        r = s.request("DELETE", "/api/v1/feed-tokens/%d" % fid, token=admin)
        is_(r.status, 204, "revoked")
        got, pids = collect_workers(s, fetch, "/feeds/…")
        ok(set(got) == {404} and len(pids) == 2 and
           {c for v in pids.values() for c in v} == {404},
           "the very next fetches, until both workers answered: all 404 (%d, %d workers)"
           % (len(got), len(pids)))
        is_(s.stop(), 0, "kaigid (2 workers) exits 0")


with Server() as s:
    x = Ctx(s)
    n, bad = matrix(s, x)
    note("%d fresh slots used" % x.k)
    ok(n >= 8 * 81, "%d cells (%d routes x %d callers)" % (n, n // len(ROLES), len(ROLES)))
    is_(bad[:12], [], "every cell has its expected status (problem+json for errors)")
    is_(uncovered(s, x.hit), [], "every route in kaigid's table has its row in the matrix")
    sql(s, "UPDATE conferences SET publish = 'live' WHERE slug = %s", SLUG)  # after the release cells
    leaks(s, x)
    confidential_leaks(s, x)
    tokens(s, x)
    is_(s.stop(), 0, "kaigid exits 0")
revoke_workers()
done_testing()
