#!/usr/bin/python3
# 01-server.t — kaigid starts on a fresh database and answers the basics:
# /healthz, /readyz, 404 as problem+json, and exits 0 on SIGTERM.
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

with Server() as s:
    r = s.request("GET", "/healthz")
    is_(r.status, 200, "/healthz 200")
    is_(r.json, {"status": "ok"}, '/healthz says {"status":"ok"}')
    like(r.headers.get("Content-Type", ""), r"^application/json", "/healthz is JSON")

    r = s.request("GET", "/readyz")
    is_(r.status, 200, "/readyz 200 (database reachable)")

    r = s.request("GET", "/no/such/path")
    is_(r.status, 404, "unknown path: 404")
    like(r.headers.get("Content-Type", ""), r"^application/problem\+json",
         "404 is application/problem+json")
    ok(isinstance(r.json, dict) and r.json.get("status") == 404,
       "problem document carries status 404")
    ok(isinstance(r.json, dict) and bool(r.json.get("title")),
       "problem document has a title")

    pid = s.proc.pid
    is_(s.stop(drop=False), 0, "SIGTERM: kaigid exits 0 within 10 s")
    ok(not os.path.exists("/proc/%d" % pid) or
       open("/proc/%d/stat" % pid).read().split()[2] == "Z", "process is gone")
    s.drop_db()
done_testing()
