#!/usr/bin/python3
# 65-client-interpretation.t — the kaigi binary's interpretation options
# (issue 17) against a real kaigid on the demo database:
#   * kaigi room add|edit --booths N (shown; out of 0..50: exit 2 naming
#     booths; not a number: usage error);
#   * kaigi participant add --role interpreter --pairs ja-en,en-fr and
#     participant edit --pairs (a pair in capitals: exit 2 showing the form
#     ja-en; "" clears them);
#   * kaigi session create --interpretation ja-en --interpreter NAME (given,
#     shown as "interpretation: ja-en: NAME"), without --interpreter (one
#     picked); kaigi session edit ID --interpretation / --interpreter /
#     --title (If-Match), a language the conference lacks (exit 2 listing
#     its languages), a room without booths (exit 4 naming the room),
#     nothing to change (usage error);
#   * kaigi bilateral request|edit --interpretation;
#   * help and the man page name the options;
# each with the exit codes of kaigi(1) and --json parsed back.
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from kaigiclient import Kaigi, js  # noqa: E402

SLUG = "g7-digital-2023"
B1 = "Interpreter B1, Japan (illustrative)"


def check_rooms(k):
    rc, out, err = k("room", "add", "--venue", "G Messe Gunma", "--name", "Booth Room",
                     "--capacity", 20, "--booths", 1)
    ok(rc == 0 and "booths:" in out and " 1" in out.split("booths:")[1].split("\n")[0],
       "kaigi room add --booths 1: exit 0, shows booths: 1")
    if rc:
        diag(err)
    rc, out, err = k("room", "add", "--venue", "G Messe Gunma", "--name", "Zero Room",
                     "--capacity", 20, "--json")
    is_((rc, (js(out) or {}).get("booths")), (0, 0), "room add without --booths: 0 booths")
    rc, out, err = k("room", "edit", "Booth Room", "--booths", 2, "--json")
    is_((rc, (js(out) or {}).get("booths")), (0, 2), "kaigi room edit --booths 2: exit 0")
    rc, out, err = k("room", "edit", "Booth Room", "--booths", 99)
    ok(rc == 2 and "booths" in err and "50" in err, "--booths 99: exit 2 naming booths and the limit")
    rc, out, err = k("room", "edit", "Booth Room", "--booths", "two")
    ok(rc == 1 and "--booths" in err and "not a number" in err, "--booths two: usage error")


def check_participants(k):
    rc, out, err = k("participant", "add", "--delegation", "JP", "--name", "Interpreter C1",
                     "--role", "interpreter", "--pairs", "ja-en, en-fr")
    ok(rc == 0 and "language_pairs:" in out and "ja-en, en-fr" in out,
       "kaigi participant add --role interpreter --pairs 'ja-en, en-fr': shown")
    if rc:
        diag(err)
    rc, out, err = k("participant", "edit", "Interpreter C1", "--pairs", "ja-en;en-ja", "--json")
    is_(rc, 2, "--pairs ja-en;en-ja (one pair twice): exit 2")
    like(err, r"listed twice", "... saying a pair is listed twice")
    rc, out, err = k("participant", "edit", "Interpreter C1", "--pairs", "JA-EN")
    ok(rc == 2 and "as ja-en" in err and "JA-EN" in err, "--pairs JA-EN: exit 2 showing the form ja-en")
    rc, out, err = k("participant", "edit", "Interpreter C1", "--pairs", "", "--json")
    is_((rc, (js(out) or {}).get("language_pairs")), (0, []), "--pairs '': the pairs cleared")
    rc, out, err = k("participant", "edit", "Interpreter C1", "--pairs", "ja-en", "--json")
    is_((rc, (js(out) or {}).get("language_pairs")), (0, ["ja-en"]), "--pairs ja-en: set")


def check_sessions(k):
    rc, out, err = k("session", "create", "--kind", "press", "--title", "Interpreted briefing",
                     "--start", "2023-04-28 09:00", "--duration", 30, "--room", "Booth Room",
                     "--interpretation", "ja-en", "--interpreter", B1)
    like(out, r"interpretation: +ja-en: %s\n" % B1.replace("(", r"\(").replace(")", r"\)"),
         "kaigi session create --interpretation ja-en --interpreter NAME: shown, given (not picked)")
    if rc:
        diag(err)
    sid = (out.split("id:")[1].split("\n")[0].strip()) if "id:" in out else "0"
    rc, out, err = k("session", "create", "--kind", "press", "--title", "Picked briefing",
                     "--start", "2023-04-28 10:00", "--duration", 30, "--room", "Booth Room",
                     "--interpretation", "ja-en", "--json")
    j = js(out) or {}
    is_((rc, j.get("interpretation"), [i.get("auto") for i in j.get("interpreters", [])]),
        (0, ["ja-en"], [True]), "session create --interpretation without --interpreter: one picked")
    rc, out, err = k("session", "edit", sid, "--interpreter", "Interpreter C1", "--title", "Briefing",
                     "--json")
    j = js(out) or {}
    is_((rc, j.get("title"), [(i.get("name"), i.get("auto")) for i in j.get("interpreters", [])]),
        (0, "Briefing", [("Interpreter C1", False)]), "kaigi session edit ID --interpreter --title")
    rc, out, err = k("session", "edit", sid, "--interpretation", "ja-de")
    ok(rc == 2 and "en, ja" in err, "--interpretation ja-de: exit 2 listing the conference's languages")
    rc, out, err = k("session", "edit", sid, "--interpretation", "")
    ok(rc == 0 and "interpretation:" not in out, "--interpretation '': none, no line shown")
    rc, out, err = k("session", "create", "--kind", "press", "--title", "No booths",
                     "--start", "2023-04-28 11:00", "--duration", 30, "--room", "Zero Room",
                     "--interpretation", "ja-en")
    ok(rc == 4 and "Zero Room" in err and "booth" in err, "a room without booths: exit 4 naming it")
    rc, out, err = k("session", "edit", sid)
    ok(rc == 1 and "at least one option" in err, "session edit with nothing to change: usage error")
    rc, out, err = k("session", "edit", sid, "--interpreter", "Nobody At All")
    ok(rc != 0 and "Nobody At All" in err, "--interpreter naming nobody: an error naming the word")


def check_bilaterals(k):
    rc, out, err = k("bilateral", "request", "--requester", "IT", "--counterpart", "CA",
                     "--duration", 30, "--interpretation", "ja-en", "--json")
    j = js(out) or {}
    is_((rc, j.get("interpretation")), (0, ["ja-en"]), "kaigi bilateral request --interpretation ja-en")
    rc, out, err = k("bilateral", "edit", j.get("id", 0), "--interpretation", "", "--json")
    is_((rc, (js(out) or {}).get("interpretation")), (0, []), "kaigi bilateral edit --interpretation ''")


def check_help(k):
    for cmd, opt in (("room add", "--booths"), ("room edit", "--booths"),
                     ("participant add", "--pairs"), ("participant edit", "--pairs"),
                     ("session create", "--interpretation"), ("session create", "--interpreter"),
                     ("session edit", "--interpretation"), ("bilateral request", "--interpretation"),
                     ("bilateral edit", "--interpretation")):
        rc, out, err = k("help", *cmd.split())
        ok(rc == 0 and opt in out, "kaigi help %s names %s" % (cmd, opt))
    with open(os.path.join(TOP, "man", "kaigi.1")) as f:
        man = f.read()
    ok(".B session edit" in man, "the man page describes session edit")
    for opt in ("booths", "pairs", "interpretation", "interpreter"):
        ok(("\\-\\-" + opt) in man, "the man page names --%s" % opt)


with Server() as s:
    sec = s.token("secretariat", conference=SLUG)
    k = Kaigi(s, sec)
    check_rooms(k)
    check_participants(k)
    check_sessions(k)
    check_bilaterals(k)
    check_help(k)
done_testing()
