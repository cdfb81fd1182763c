#!/usr/bin/python3
# 70-storm.t — the short booking storm (scripts/load/storm, 10 s, 64 clients):
# no overlap stored, every acknowledged write committed, every refused one
# absent, RSS flat, and with no fault injected every write answered 2xx, 409
# or 412: a 503 or a request without an answer fails it (unknown 0).
# The long form: scripts/load/storm --long.
import os
import sys

top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
storm = os.path.join(top, "scripts", "load", "storm")
os.execv(storm, [storm, "--duration", "10"])
