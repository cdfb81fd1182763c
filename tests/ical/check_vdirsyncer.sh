#!/bin/sh
# check_vdirsyncer.sh — subscribe vdirsyncer (Debian) to feed URLs over HTTP
# and sync each into a local folder, as a calendar client would.
#
#   tests/ical/check_vdirsyncer.sh URL...
#
# Writes a throwaway config (a pair a URL: http storage -> filesystem
# storage, fileext .ics), runs `vdirsyncer discover` and `vdirsyncer sync`
# once for all of them, without a terminal, and fails (exit 1, vdirsyncer's
# output on stderr) if either exits non-zero or logs an error or a warning;
# a second sync must find nothing to do. On success prints one number a
# URL, a line each, in order: how many .ics items were stored for it (one
# per VEVENT). One run for many feeds saves vdirsyncer's start-up (about a
# second of CPU a feed, three runs each). Note: vdirsyncer 0.19's http
# storage always replaces each UID by a hash of the item (not
# configurable), so what it stores cannot show UID stability; the other
# drivers check UIDs. VDIR_DIR=path stores the items of a single URL there
# (kept, must be empty or absent); KEEP_VDIR=1 keeps the whole temporary
# directory.
set -eu

if [ $# -lt 1 ]; then
	echo "usage: $0 URL..." >&2
	exit 2
fi
for url; do
	case "$url" in
	http://*|https://*) ;;
	*) echo "check_vdirsyncer: not an http(s) URL: $url" >&2; exit 2 ;;
	esac
done
if [ -n "${VDIR_DIR:-}" ] && [ $# -ne 1 ]; then
	echo "check_vdirsyncer: VDIR_DIR takes a single URL" >&2
	exit 2
fi
command -v vdirsyncer >/dev/null 2>&1 || {
	echo "check_vdirsyncer: vdirsyncer not installed (apt-get install vdirsyncer)" >&2
	exit 1
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kaigi-vdir.XXXXXX")
if [ "${KEEP_VDIR:-0}" = 1 ]; then
	echo "check_vdirsyncer: keeping $tmp" >&2
else
	trap 'rm -rf "$tmp"' EXIT
fi
mkdir -p "$tmp/status"

# The folder of the n-th URL's items.
folder() {
	echo "${VDIR_DIR:-$tmp/cal/$1}"
}

# TOML-ish INI that vdirsyncer reads; values are JSON strings.
printf '[general]\nstatus_path = "%s/status/"\n' "$tmp" >"$tmp/config"
n=0
for url; do
	n=$((n + 1))
	mkdir -p "$(folder $n)"
	esc=$(printf '%s' "$url" | sed 's/\\/\\\\/g; s/"/\\"/g')
	cat >>"$tmp/config" <<EOF

[pair feed$n]
a = "feed${n}_remote"
b = "feed${n}_local"
collections = null
conflict_resolution = "a wins"

[storage feed${n}_remote]
type = "http"
url = "$esc"

[storage feed${n}_local]
type = "filesystem"
path = "$(folder $n)/"
fileext = ".ics"
EOF
done

# Run one vdirsyncer command; fail on a non-zero exit or a logged problem.
run() {
	if ! vdirsyncer -c "$tmp/config" "$@" </dev/null >"$tmp/out" 2>&1; then
		echo "check_vdirsyncer: vdirsyncer $* failed:" >&2
		cat "$tmp/out" >&2
		exit 1
	fi
	if grep -qiE '^(error|warning|critical)|traceback' "$tmp/out"; then
		echo "check_vdirsyncer: vdirsyncer $* reported problems:" >&2
		cat "$tmp/out" >&2
		exit 1
	fi
}

run discover
run sync
# A second sync must find nothing to do and no conflict.
run sync
n=0
for url; do
	n=$((n + 1))
	find "$(folder $n)" -type f -name '*.ics' | wc -l | tr -d ' '
done
