#!/usr/bin/python3
# 91-backup-restore.t — scripts/pg backup and scripts/pg restore --to TIME
# on a cluster of the test's own (issue 21, item 6).
#
# A cluster made without WAL archiving (as an older scripts/pg made them)
# refuses a backup, and gets archiving at its next start. Then: a backup;
# changes through the API (a bilateral moved, a public session renamed);
# the feeds served then are kept and TIME is noted; more changes (moved
# again, cancelled, a feed token issued). restore --to TIME refuses
# clearly, changing nothing, without --to, for a time it cannot read, one
# in the future, one before the backup (and, before any backup, for want of
# one). Done for real, it keeps the old cluster aside and brings back the
# state at TIME: a new kaigid serves the feeds byte for byte as they were
# served at TIME (same ETag, same Last-Modified: DTSTAMP and the clock are
# data, not the wall clock), the later token is unknown again, the cluster
# takes writes, and archiving goes on on the new timeline.
import difflib
import glob
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, one  # noqa: E402

import psycopg2  # noqa: E402

PUBLIC = "/conferences/%s/calendar.ics" % SLUG
BILATERAL = "Bilateral meeting: Japan – Canada"


def run_pg(pg, *args):
    """scripts/pg on the test's cluster (archiving asked for): (rc, stdout, stderr)."""
    env = dict(os.environ, KAIGI_PG_DIR=pg.pg_dir, KAIGI_PG_PORT=str(pg.port),
               KAIGI_PG_FAST="1", KAIGI_PG_ARCHIVE=os.environ["KAIGI_PG_ARCHIVE"])
    for k in ("KAIGI_DATABASE_URL", "DATABASE_URL"):
        env.pop(k, None)
    p = subprocess.run([os.path.join(TOP, "scripts", "pg")] + list(args), env=env,
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=300, text=True)
    return p.returncode, p.stdout, p.stderr


def query(pg, sql):
    """One value from the cluster's database kaigi (a connection of its own)."""
    conn = psycopg2.connect(pg.url("kaigi"))
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchone()[0]
    finally:
        conn.close()


def db_time(pg):
    """The database's clock now, as ISO 8601 UTC with microseconds."""
    return query(pg, "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC',"
                     " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")


def feeds(s, paths):
    """{path: (status, body, ETag, Last-Modified)} of each feed."""
    out = {}
    for p in paths:
        r = s.request("GET", p)
        out[p] = (r.status, r.body, r.headers.get("ETag"), r.headers.get("Last-Modified"))
    return out


def show_difference(want, got):
    """Diagnostics: how a feed after the restore differs from the one at TIME."""
    diag("at TIME:  status %s, ETag %s, Last-Modified %s" % (want[0], want[2], want[3]))
    diag("restored: status %s, ETag %s, Last-Modified %s" % (got[0], got[2], got[3]))
    lines = difflib.unified_diff(want[1].decode("utf-8", "replace").splitlines(),
                                 got[1].decode("utf-8", "replace").splitlines(), lineterm="", n=1)
    diag("\n".join(list(lines)[:40]))


def patch(s, sid, body, tok, what):
    r = s.request("PATCH", "/api/v1/sessions/%d" % sid, body, token=tok)
    if not is_(r.status, 200, what):
        diag(r.text)


def refusals(pg, before_backup, backups):
    """restore --to refuses clearly and changes nothing."""
    cases = [((), "--to TIME is required", "without --to"),
             (("--to", "the day before yesterday's lunch"), "cannot read the time", "unreadable TIME"),
             (("--to", "2999-01-01T00:00:00Z"), "is in the future", "a TIME in the future"),
             (("--to", before_backup), "before the earliest backup", "a TIME before the backup")]
    for args, msg, what in cases:
        rc, _, err = run_pg(pg, "restore", *args)
        ok(rc != 0 and msg in err, "restore refuses %s: exit %d, says '%s'" % (what, rc, msg))
        if msg not in err:
            diag(err)
    like(run_pg(pg, "restore", "--to", before_backup)[2], r"/pg-backups/\d{8}T\d{6}Z",
         "... and names the backup")
    ok(pg.running() and not glob.glob(pg.pg_dir + "-before-restore-*")
       and sorted(os.listdir(pg.pg_dir + "-backups")) == backups,
       "after the refusals the cluster runs, nothing moved aside, backups as they were")
    rc, out, _ = run_pg(pg, "restore", "--help")
    ok(rc == 0 and "usage: scripts/pg restore --to TIME" in out, "restore --help")


def archiving_on_next_start(pg):
    """A cluster made without archiving refuses a backup; its next start turns it on."""
    url = pg.create("kaigi", demo=True)
    is_(query(pg, "SHOW archive_mode"), "off", "a cluster as an older scripts/pg made it: no archiving")
    rc, _, err = run_pg(pg, "backup")
    if not ok(rc != 0 and "WAL archiving is off" in err, "backup refuses without archiving, says why"):
        diag(err)
    rc, _, err = run_pg(pg, "restore", "--to", "1 minute ago")
    if not ok(rc != 0 and "no backup in" in err, "restore refuses without a backup, says so"):
        diag(err)
    os.environ["KAIGI_PG_ARCHIVE"] = "1"
    pg.stop()
    pg.start()
    is_(query(pg, "SHOW archive_mode"), "on", "archiving is on after its next start")
    return url


def backup(pg):
    """scripts/pg backup: the path printed, complete, its WAL archived."""
    rc, out, err = run_pg(pg, "backup")
    path = out.strip()
    ok(rc == 0 and os.path.isfile(os.path.join(path, "PG_VERSION"))
       and os.path.isfile(path + ".done"), "scripts/pg backup writes a backup (%s)" % path)
    if rc != 0:
        diag(err)
    query(pg, "SELECT pg_switch_wal()")
    arch = pg.pg_dir + "-archive"
    ok(wait_until(lambda: glob.glob(os.path.join(arch, "*", "0000000100000000000000*")), PATIENCE),
       "WAL segments reach the archive")
    return path


def main():
    os.environ["KAIGI_PG_ARCHIVE"] = "0"     # Cluster() starts it so: no archiving yet
    with Cluster() as pg:
        url = archiving_on_next_start(pg)
        # No feed cache before the restore: each fetch renders what the
        # database holds right then (no wait for an invalidation to land).
        with Server(db_url=url, args=("--set", "feed_cache_mb=0")) as s:
            sec = s.token("secretariat", conference=SLUG)
            jp = s.feed_token(SLUG, delegation="JP")
            sid = one(s, "SELECT id FROM sessions WHERE title = %s", BILATERAL)
            pub = one(s, "SELECT id FROM sessions WHERE title = 'Internet Governance'")
            room = one(s, "SELECT room_id FROM sessions WHERE id = %s", sid)
            paths = [PUBLIC, "/feeds/%s.ics" % jp, "/conferences/%s/rooms/%d/calendar.ics" % (SLUG, room)]
            f0 = feeds(s, paths)
            ok(all(f[0] == 200 for f in f0.values()), "the three feeds answer 200")
            before_backup = db_time(pg)
            path = backup(pg)
            start = s.request("GET", "/api/v1/sessions/%d" % sid, token=sec).json
            day = start["start"][:11]
            patch(s, sid, {"start": day + "19:15:00+09:00", "end": day + "19:45:00+09:00"}, sec,
                  "after the backup: the bilateral moved to 19:15")
            patch(s, pub, {"title": "Internet Governance and Data Flows"}, sec,
                  "a public session renamed")
            f1 = feeds(s, paths)
            ok(all(f1[p][0] == 200 and f1[p][2] != f0[p][2] for p in paths), "the three feeds show it")
            when = db_time(pg)
            note("TIME = %s" % when)
            patch(s, sid, {"start": day + "20:30:00+09:00", "end": day + "21:00:00+09:00"}, sec,
                  "after TIME: the bilateral moved again")
            c = s.request("POST", "/api/v1/sessions/%d/cancel" % pub, token=sec)
            is_(c.status, 200, "after TIME: the public session cancelled")
            late = s.feed_token(SLUG, delegation="IT")
            is_(s.request("GET", "/feeds/%s.ics" % late).status, 200, "after TIME: a new feed token works")
            f2 = feeds(s, paths)
            ok(all(f2[p][0] == 200 and f2[p][2] != f1[p][2] for p in paths),
               "the three feeds show the later changes")
            is_(s.stop(), 0, "kaigid stops before the restore")
        refusals(pg, before_backup, sorted(os.listdir(pg.pg_dir + "-backups")))
        rc, _, err = run_pg(pg, "restore", "--to", when)
        is_(rc, 0, "scripts/pg restore --to TIME succeeds")
        aside = glob.glob(pg.pg_dir + "-before-restore-*")
        ok(len(aside) == 1 and os.path.isfile(os.path.join(aside[0], "PG_VERSION"))
           and aside[0] in err, "the old cluster is kept aside, and restore says where")
        if rc != 0 or not aside:
            diag(err)
        ok(pg.running() and query(pg, "SELECT NOT pg_is_in_recovery()"),
           "the restored cluster runs, out of recovery")
        with Server(db_url=url) as s:
            f3 = feeds(s, paths)
            for p, what in zip(paths, ("public", "delegation", "room")):
                if not ok(f3[p] == f1[p],
                          "%s feed after the restore: the bytes, ETag and Last-Modified served at TIME" % what):
                    show_difference(f1[p], f3[p])
                ok(f3[p][1] != f2[p][1], "%s feed: not the later one" % what)
            is_(s.request("GET", "/feeds/%s.ics" % late).status, 404,
                "the feed token issued after TIME is unknown again")
            patch(s, sid, {"start": day + "20:30:00+09:00", "end": day + "21:00:00+09:00"}, sec,
                  "the restored cluster takes writes (the token from before TIME works)")
            is_(s.stop(), 0, "kaigid exits 0")
        query(pg, "SELECT pg_switch_wal()")
        ok(wait_until(lambda: glob.glob(pg.pg_dir + "-archive/*/00000002.history"), PATIENCE),
           "archiving goes on, on the new timeline")
        ok(not os.path.exists(path + ".abandoned") and os.path.exists(path + ".done"),
           "the backup before TIME stays usable")


main()
done_testing()
