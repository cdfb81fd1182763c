#!/usr/bin/python3
# 62-client-import.t — kaigi import and kaigi export against a real kaigid
# on the demo database:
#   * kaigi export KIND -o FILE and to a pipe write exactly the server's
#     bytes; export xlsx -o FILE opens with openpyxl; a workbook is refused
#     on a terminal and a CSV is shown there cleaned of control characters;
#   * kaigi import of those files into a new conference: the summary
#     (created, updated, unchanged with row ranges), --dry-run stores
#     nothing, a second import leaves everything unchanged;
#   * a file with three bad rows: exit 2, nothing stored, one
#     "FILE:ROW: COLUMN: message" line per bad cell;
#   * a large file on a terminal draws a progress bar on stderr (a pty),
#     and none when stderr is not a terminal;
#   * the README's walkthrough (sql/demo/evian/*.csv) imports cleanly;
#   * help lists both commands.
import io
import os
import pty
import select
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "g7-digital-2023"
KAIGI = os.path.abspath(os.environ.get("KAIGI") or os.path.join(TOP, "client", "kaigi"))
TMP = os.environ.get("TMPDIR") or "/tmp"
KINDS = ["venues", "rooms", "travel-times", "delegations", "participants",
         "unavailability", "sessions", "bilaterals"]


def env_for(s, token, conference=None):
    env = dict(os.environ, KAIGI_CONFIG="/dev/null", TZ="UTC", KAIGI_URL=s.url, KAIGI_TOKEN=token)
    env.pop("KAIGI_CONFERENCE", None)
    if conference:
        env["KAIGI_CONFERENCE"] = conference
    return env


def kaigi(s, token, *args, conference=None):
    p = subprocess.run([KAIGI] + [str(a) for a in args], capture_output=True, env=env_for(s, token, conference),
                       timeout=120)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def on_pty(s, token, args, conference=None, stdout_tty=False):
    """Run kaigi with stderr (and stdout, if asked) on a pseudo-terminal: (rc, terminal bytes, stdout)."""
    master, slave = pty.openpty()
    p = subprocess.Popen([KAIGI] + list(args), env=env_for(s, token, conference),
                         stdout=slave if stdout_tty else subprocess.PIPE, stderr=slave)
    os.close(slave)
    seen = b""
    while True:
        r, _, _ = select.select([master], [], [], 120)
        if not r:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    out = p.stdout.read() if p.stdout else b""
    p.wait(timeout=120)
    os.close(master)
    return p.returncode, seen, out


def exports(s, sec):
    files = {}
    for k in KINDS:
        path = os.path.join(TMP, "demo-%s.csv" % k)
        rc, out, err = kaigi(s, sec, "export", k, "-o", path)
        want = s.request("GET", "/api/v1/conferences/%s/export/%s.csv" % (SLUG, k), token=sec).body
        with open(path, "rb") as f:
            files[k] = f.read()
        is_((rc, files[k] == want), (0, True), "kaigi export %s -o FILE: exit 0, the server's bytes" % k)
    rc, out, err = kaigi(s, sec, "export", "sessions")
    is_((rc, out == files["sessions"]), (0, True), "kaigi export sessions to a pipe: the same bytes")
    path = os.path.join(TMP, "demo.xlsx")
    rc, out, err = kaigi(s, sec, "export", "xlsx", "--output", path)
    import openpyxl
    is_((rc, openpyxl.load_workbook(path).sheetnames), (0, KINDS + ["registrations"]),
        "kaigi export xlsx --output FILE: a workbook")
    rc, seen, out = on_pty(s, sec, ["export", "xlsx"], stdout_tty=True)
    ok(rc == 1 and b"not for a terminal" in seen and b"PK" not in seen,
       "kaigi export xlsx on a terminal: refused, exit 1")
    rc, out, err = kaigi(s, sec, "export", "people")
    is_(rc, 2, "an unknown kind: exit 2")
    return files


def imports(s, db, admin, files):
    r = s.request("POST", "/api/v1/conferences", {"slug": "copy", "title": "Copy", "timezone": "Asia/Tokyo",
                                                   "start_date": "2023-04-28", "end_date": "2023-04-30",
                                                   "languages": ["en", "ja"]},  # the demo's (ja-en pairs)
                  token=admin)
    is_(r.status, 201, "a new conference")
    sec = s.token("secretariat", conference="copy")
    paths = {k: os.path.join(TMP, "demo-%s.csv" % k) for k in KINDS}
    rc, out, err = kaigi(s, sec, "import", paths["venues"], "--kind", "venues", "--dry-run")
    like(out.decode(), r"2 rows of venues \(dry run: nothing was stored\)\ncreated +2 +\(rows 2-3\)",
         "kaigi import --dry-run: what would be created")
    with db.cursor() as cur:
        cur.execute("SELECT count(*) FROM venues v JOIN conferences c ON c.id = v.conference_id "
                    "WHERE c.slug = 'copy'")
        is_(cur.fetchone()[0], 0, "... nothing stored")
    for k in KINDS:
        rc, out, err = kaigi(s, sec, "import", paths[k], "--kind", k)
        n = len(files[k].split(b"\r\n")) - 2
        like(out.decode(), r"created +%d +\(rows? 2(-%d)?\)\nupdated +0\nunchanged +0" % (n, n + 1),
             "kaigi import %s: exit %d, %d created" % (k, rc, n))
    rc, out, err = kaigi(s, sec, "import", paths["sessions"], "--kind", "sessions")
    like(out.decode(), r"created +0\nupdated +0\nunchanged +18 +\(rows 2-19\)", "a second import: all unchanged")
    rc, out, err = kaigi(s, sec, "import", paths["sessions"], "--kind", "sessions", "--json")
    is_((rc, js(out).get("unchanged")), (0, list(range(2, 20))), "--json prints the answer")
    return sec


def js(out):
    import json
    try:
        return json.loads(out)
    except ValueError:
        return {}


def bad_rows(s, db, sec):
    path = os.path.join(TMP, "people.csv")
    with open(path, "w") as f:
        f.write("ref,delegation,name,role,email\n"
                "N1,JP,New One,member,one@example.org\n"
                "N2,XX,New Two,member,two@example.org\n"
                "N3,FR,New Three,staff,three@example.org\n"
                "N4,DE,New Four,chief,four@example.org\n"
                "N5,IT,New Five,member,five@example.org\n"
                "N6,US,New Six,member,ONE@example.org\n")
    rc, out, err = kaigi(s, sec, "import", path, "--kind", "participants")
    lines = [l for l in err.splitlines() if l.startswith(path)]
    is_(rc, 2, "three bad rows: exit 2")
    is_([l.split(": ")[0] + ": " + l.split(": ")[1] for l in lines],
        ["%s:3: delegation" % path, "%s:5: role" % path, "%s:7: email" % path],
        "... one FILE:ROW: COLUMN: line for each")
    like(err, r"kaigi: 3 row\(s\) have errors; nothing was stored", "... and says nothing was stored")
    with db.cursor() as cur:
        cur.execute("SELECT count(*) FROM participants WHERE ref LIKE 'N_'")
        is_(cur.fetchone()[0], 0, "... nothing stored")
    hostile = os.path.join(TMP, "rooms.csv")
    with open(hostile, "w") as f:
        # C0 controls are refused in any cell; C1 ones (CSI, OSC) and DEL
        # are UTF-8 text that the server's message repeats.
        f.write('venue,name,capacity\n"\u009b2J\u009d0;pwned\u009c\x7fHall",Room,10\n')
    rc, out, err = kaigi(s, sec, "import", hostile, "--kind", "rooms")
    ok(rc == 2 and "pwned" in err and not any(c in err for c in "\u009b\u009d\u009c\x7f\x1b"),
       "a refused cell's text reaches the terminal without its control characters")


def progress(s, sec):
    path = os.path.join(TMP, "many.csv")
    with open(path, "w") as f:
        f.write("ref,delegation,name,title,role,email\n")
        for i in range(4000):
            f.write("M%05d,CA,Member %d,Adviser to the delegation of Canada,member,m%d@example.org\n" % (i, i, i))
    size = os.path.getsize(path)
    ok(size > 256 * 1024, "a file of %d bytes" % size)
    rc, seen, out = on_pty(s, sec, ["import", path, "--kind", "participants", "--dry-run"])
    text = seen.decode("utf-8", "replace")
    ok(rc == 0 and "[#" in text and "%" in text and "the server checks every row" in text,
       "on a terminal: a progress bar while it uploads")
    like(out.decode(), r"4000 rows of participants \(dry run", "... and the summary on stdout")
    rc, out, err = kaigi(s, sec, "import", path, "--kind", "participants", "--dry-run")
    ok(rc == 0 and "[#" not in err, "stderr not a terminal: no bar")


def terminal_csv(s, db, sec):
    with db.cursor() as cur:
        cur.execute("UPDATE venues SET address = 'Takasaki \x1b[2J\x1b]0;x\x07 Gunma' WHERE name = 'G Messe Gunma'")
    rc, seen, out = on_pty(s, sec, ["export", "venues"], conference=SLUG, stdout_tty=True)
    text = seen.decode("utf-8", "replace")
    ok(rc == 0 and "G Messe Gunma" in text and "\x1b[2J" not in text and "\x1b]0" not in text,
       "kaigi export on a terminal shows the CSV cleaned of control characters")


def walkthrough(s, admin):
    """The README's "Set up a meeting from spreadsheets", command by command."""
    rc, out, err = kaigi(s, admin, "conference", "create", "evian-2026", "--title", "Évian Ministerial (example)",
                         "--timezone", "Europe/Paris", "--from", "2026-06-15", "--to", "2026-06-16")
    is_(rc, 0, "README walkthrough: kaigi conference create")
    for k in KINDS + ["registrations"]:
        rc, out, err = kaigi(s, admin, "import", os.path.join(TOP, "sql", "demo", "evian", k + ".csv"),
                             "--kind", k, conference="evian-2026")
        ok(rc == 0 and "updated         0" in out.decode(), "... kaigi import sql/demo/evian/%s.csv: exit 0" % k)
        if rc != 0:
            diag(err)
    rc, out, err = kaigi(s, admin, "export", "registrations", conference="evian-2026")
    regs = [line.split(",")[2:] for line in out.decode().splitlines()[1:]]
    is_((rc, regs), (0, [["confirmed", ""]] * 3 + [["waiting", "1"]]),
        "... kaigi export registrations: the side event's three seats taken, the fourth waiting")
    rc, out, err = kaigi(s, admin, "schedule", "--auto", conference="evian-2026")
    like(out.decode(), r"Placed 1 bilateral", "... kaigi schedule --auto places the accepted request")
    rc, out, err = kaigi(s, admin, "conflicts", conference="evian-2026")
    is_(rc, 0, "... kaigi conflicts: none (exit 0)")


def helps(s, sec):
    rc, out, err = kaigi(s, sec, "help")
    ok(b"import " in out and b"export " in out, "kaigi help lists import and export")
    rc, out, err = kaigi(s, sec, "help", "import")
    like(out.decode(), r"usage: kaigi import FILE --kind KIND \[--dry-run\]", "kaigi help import: its usage")
    rc, out, err = kaigi(s, sec, "import", "/nonexistent.csv", "--kind", "venues")
    is_(rc, 1, "a file that cannot be read: exit 1")
    rc, out, err = kaigi(s, sec, "import", "/dev/null")
    is_(rc, 1, "no --kind: exit 1 (usage)")


with Server() as s:
    db = s.db()
    admin = s.token("admin")
    sec = s.token("secretariat", conference=SLUG)
    files = exports(s, sec)
    copy = imports(s, db, admin, files)
    bad_rows(s, db, copy)
    progress(s, copy)
    terminal_csv(s, db, sec)
    walkthrough(s, admin)
    helps(s, sec)
done_testing()
