#!/bin/sh
# check_vdirsyncer.sh — subscribe vdirsyncer (Debian) to a feed URL over HTTP
# and sync it into a local folder, as a calendar client would.
#
#   tests/ical/check_vdirsyncer.sh URL
#
# Writes a throwaway config (http storage -> filesystem storage, fileext
# .ics), runs `vdirsyncer discover` and `vdirsyncer sync` without a terminal,
# and fails (exit 1, vdirsyncer's output on stderr) if either exits non-zero
# or logs an error or a warning. On success prints one number: how many .ics
# items were stored (one per VEVENT). Note: vdirsyncer 0.19's http storage
# always replaces each UID by a hash of the item (not configurable), so
# what it stores cannot show UID stability; the other drivers check UIDs.
# VDIR_DIR=path stores the items there (kept, must be empty or absent);
# KEEP_VDIR=1 keeps the whole temporary directory.
set -eu

if [ $# -ne 1 ]; then
	echo "usage: $0 URL" >&2
	exit 2
fi
url=$1
case "$url" in
http://*|https://*) ;;
*) echo "check_vdirsyncer: not an http(s) URL: $url" >&2; exit 2 ;;
esac
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
cal=${VDIR_DIR:-$tmp/cal}
mkdir -p "$tmp/status" "$cal"

# TOML-ish INI that vdirsyncer reads; values are JSON strings.
esc=$(printf '%s' "$url" | sed 's/\\/\\\\/g; s/"/\\"/g')
cat >"$tmp/config" <<EOF
[general]
status_path = "$tmp/status/"

[pair feed]
a = "feed_remote"
b = "feed_local"
collections = null
conflict_resolution = "a wins"

[storage feed_remote]
type = "http"
url = "$esc"

[storage feed_local]
type = "filesystem"
path = "$cal/"
fileext = ".ics"
EOF

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
find "$cal" -type f -name '*.ics' | wc -l | tr -d ' '
