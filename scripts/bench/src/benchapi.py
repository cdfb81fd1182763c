"""benchapi.py — what the benchmarks played through kaigid's HTTP API
(b2b-api.py, plant-api.py) share: one keep-alive connection that speaks
JSON and pages lists, the schedule call timed from request to answer, and
the line that says where its time went (kaigid's own stats).
"""
import http.client
import json
import sys
import time


class Api:
    """One keep-alive connection to kaigid, reopened if it drops; name
    prefixes the message of a call that fails."""

    def __init__(self, port, token, name):
        self.port, self.token, self.name, self.conn = port, token, name, None

    def call(self, method, path, body=None, want=(200, 201)):
        """JSON in and out; exits on a status not in want."""
        status, doc = self.send(method, path, body)
        if status not in want:
            sys.exit("%s: %s %s: %d %s" % (self.name, method, path, status, json.dumps(doc)[:400]))
        return doc

    def send(self, method, path, body=None):
        """(status, JSON answer or None)."""
        data = None if body is None else json.dumps(body)
        headers = {"Authorization": "Bearer " + self.token}
        if data is not None:
            headers["Content-Type"] = "application/json"
        for attempt in range(3):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
                self.conn.request(method, "/api/v1" + path, data, headers)
                r = self.conn.getresponse()
                text = r.read()
                break
            except (OSError, http.client.HTTPException):
                self.conn = None
                if attempt == 2:
                    raise
        return r.status, (json.loads(text) if text else None)

    def items(self, path):
        """Every item of a list, page by page."""
        out, cursor = [], None
        while True:
            sep = "&" if "?" in path else "?"
            doc = self.call("GET", path + sep + "limit=1000" + ("&cursor=" + cursor if cursor else ""))
            out += doc["items"]
            cursor = doc.get("next")
            if not cursor:
                return out

    def schedule(self, slug, limit_ms):
        """POST /conferences/{slug}/schedule {time_limit_ms}: (plan, wall seconds)."""
        t0 = time.monotonic()
        plan = self.call("POST", "/conferences/%s/schedule" % slug, {"time_limit_ms": int(limit_ms)})
        return plan, time.monotonic() - t0


def hhmm(minutes):
    return "%02d:%02d" % (minutes // 60, minutes % 60)


def budget(st, wall):
    """Where a schedule's time went, from its stats: the read, the wait for
    a solver thread, the solver's limit and run, the rest (the write and
    the answer) against the margin kept for it."""
    rest = wall * 1000 - st.get("read_ms", 0) - st.get("queued_ms", 0) - st.get("elapsed_ms", 0)
    return ("solver %.0f ms (%s, limit %s ms), read %s ms, queued %s ms, write+answer %.0f ms"
            " (margin %s ms)" % (st.get("elapsed_ms", -1), st.get("search", "?"),
                                 st.get("solver_limit_ms", "?"), st.get("read_ms", "?"),
                                 st.get("queued_ms", "?"), rest, st.get("write_margin_ms", "?")))
