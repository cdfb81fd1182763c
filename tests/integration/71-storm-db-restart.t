#!/usr/bin/python3
# 71-storm-db-restart.t — the short storm with PostgreSQL stopped for 3 s and
# started again mid-run (scripts/load/storm --fault db-restart): 503 with
# Retry-After meanwhile (and only then: a 503 to a request sent after the
# first write acknowledged again fails), every request answered within 5 s,
# the same kaigid acknowledges writes again within 5 s of PostgreSQL being
# back (the clients write on past the 10 s until then, so the figure is
# recovery, not what was left of the storm), and the storm's checks hold.
# The long form: scripts/load/storm-db-restart --long.
import os
import sys

top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
storm = os.path.join(top, "scripts", "load", "storm")
os.execv(storm, [storm, "--duration", "10", "--fault", "db-restart"])
