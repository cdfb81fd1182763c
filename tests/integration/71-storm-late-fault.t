#!/usr/bin/python3
# 71-storm-late-fault.t — the fault of a storm happens even when its thread
# runs late. The db-restart storm's fault thread used to wait 30 % of the
# storm from its own start and then restart PostgreSQL only if 6 s were
# left; on a busy machine (load 16) it started late after the 64 clients,
# found too little time left and restarted nothing, so 71 failed with
# "PostgreSQL was restarted 0 time(s)". A 5 s storm leaves too little time
# by construction: it failed that way on every run before the pacing moved
# to the storm's clock (Storm.sleep_until) with the first fault always
# injected (the clients write on while a fault's window is open).
import os
import sys

top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
storm = os.path.join(top, "scripts", "load", "storm")
os.execv(storm, [storm, "--duration", "5", "--fault", "db-restart"])
