#!/usr/bin/python3
# 72-kill.t — the short form of scripts/load/kill: the booking storm with
# kaigid's one worker (the default configuration) SIGKILLed mid-run. The
# supervisor starts a successor within 1 s (measured), the storm goes on
# until the successor has acknowledged a write, every acknowledged write is
# committed, no refused one is, no overlap is stored, and no more requests
# go unanswered than the killed worker had connections.
# The long form: scripts/load/kill --long (--workers N for more workers).
import os

top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
kill = os.path.join(top, "scripts", "load", "kill")
os.execv(kill, [kill, "--duration", "10"])
