#!/usr/bin/python3
# 73-floods.t — the short form of scripts/load/floods: 100 clients against a
# pool of 2 (held by a lock until 503s have come, at least twice): 200 or 503
# + Retry-After, the 503s after db_wait_ms, nothing reset or timed out, the
# processes survive; idle clients are dropped at timeout=2, and so is a
# client trickling its request one byte a second, each measured from its
# connect: never before the timeout, at most the 1 s sweep + 2 s after.
# (max_connections: see 04-core.t.)
# The long form: scripts/load/floods --long.
import os

top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
floods = os.path.join(top, "scripts", "load", "floods")
os.execv(floods, [floods])
