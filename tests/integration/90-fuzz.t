#!/usr/bin/python3
# 90-fuzz.t — runs every libFuzzer target briefly (scripts/fuzz 5); a crash,
# a sanitizer report or a build failure fails the test, and so does a target
# of tests/fuzz/ that scripts/fuzz did not run (the decoders, the router, the
# iCalendar writer and the reply path: fuzz_reply). Longer runs:
# scripts/fuzz 600.
import glob, os, re, subprocess, sys

top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
targets = sorted(os.path.basename(f)[5:-2] for f in glob.glob(os.path.join(top, "tests", "fuzz", "fuzz_*.c")))
secs = os.environ.get("KAIGI_FUZZ_SECONDS", "5")
p = subprocess.run([os.path.join(top, "scripts", "fuzz"), secs], cwd=top,
                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
n = 0
failed = False
ran = set()
for line in p.stdout.splitlines():
    m = re.match(r"fuzz_(\w+): (\d+) executions", line)
    if m:
        n += 1
        ran.add(m.group(1))
        # It ran past its seed corpus, i.e. it mutated inputs (a count, not a
        # speed: on a busy machine a target may run only a few hundred in 5 s).
        seeds = len(glob.glob(os.path.join(top, "tests", "fuzz", "corpus", m.group(1), "*")))
        good = int(m.group(2)) > seeds + 50
        print(f"{'ok' if good else 'not ok'} {n} - fuzz_{m.group(1)} ran {m.group(2)} inputs "
              f"(beyond its {seeds} seeds) without a crash")
        failed |= not good
n += 1
missing = [t for t in targets if t not in ran]
print(f"{'not ok' if missing else 'ok'} {n} - every target of tests/fuzz ran ({', '.join(targets)})"
      + (f": not {', '.join(missing)}" if missing else ""))
failed |= bool(missing)
if p.returncode != 0 or len(ran) < 2:
    n += 1
    print(f"not ok {n} - scripts/fuzz exited {p.returncode}")
    for line in p.stdout.splitlines()[-40:]:
        print("# " + line)
    failed = True
print(f"1..{n}")
sys.exit(1 if failed else 0)
