#!/usr/bin/python3
# 73-floods.t — the short form of scripts/load/floods: 100 clients against a
# pool of 2 (held by a lock now and then): 200 or 503 + Retry-After, nothing
# reset or timed out, the process survives; idle clients are dropped at
# timeout=2. (A deadline for slow clients is not enforced by libevent
# 2.1's evhttp: reported, not asserted. max_connections: see 04-core.t.)
# The long form: scripts/load/floods --long.
import os

top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
floods = os.path.join(top, "scripts", "load", "floods")
os.execv(floods, [floods])
