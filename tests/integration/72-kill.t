#!/usr/bin/python3
# 72-kill.t — the short storm with kaigid SIGKILLed mid-run and started again
# on the same port (scripts/load/storm --fault kill): every acknowledged
# write is committed, no refused one is, no overlap stored.
# The long form: scripts/load/kill --long.
import os
import sys

top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
storm = os.path.join(top, "scripts", "load", "storm")
os.execv(storm, [storm, "--duration", "10", "--fault", "kill"])
