#!/usr/bin/python3
# 71-storm-db-restart.t — the short storm with PostgreSQL stopped for 3 s and
# started again mid-run (scripts/load/storm --fault db-restart): 503 with
# Retry-After meanwhile, every request answered within 5 s, the same kaigid
# acknowledges writes again within 5 s, and the storm's checks hold after.
# The long form: scripts/load/storm-db-restart --long.
import os
import sys

top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
storm = os.path.join(top, "scripts", "load", "storm")
os.execv(storm, [storm, "--duration", "10", "--fault", "db-restart"])
