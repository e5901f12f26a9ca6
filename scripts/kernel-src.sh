#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Usage: kernel-src.sh VERSION
#
# Print the path of an extracted Debian linux-source tree of VERSION (6.1
# or 6.12), for the kernel's own checking scripts (scripts/coccinelle,
# checkpatch). The first call extracts /usr/src/linux-source-VERSION.tar.xz
# (package linux-source-VERSION, installed by scripts/setup.sh) into
# ~/.cache/kudp/ ($XDG_CACHE_HOME/kudp if set), about 1.7 GB and 20 s;
# later calls only print the path.
#
# Safe if interrupted and if run twice at once: the tree is extracted into
# a temporary directory beside it, under a lock, and renamed into place only
# when complete. A tarball that changed since (a new package version) is
# extracted again.
set -euo pipefail

usage() {
	echo "usage: $0 VERSION   (6.1 or 6.12)" >&2
	exit 2
}

[ $# -eq 1 ] || usage
ver=$1
case $ver in
6.1 | 6.12) ;;
*) usage ;;
esac

tarball=/usr/src/linux-source-$ver.tar.xz
if [ ! -f "$tarball" ]; then
	echo "kernel-src: $tarball is missing: install linux-source-$ver (scripts/setup.sh)" >&2
	exit 1
fi

cache=${XDG_CACHE_HOME:-$HOME/.cache}/kudp
tree=$cache/linux-source-$ver
stampfile=.kudp-tarball
# Which tarball the tree came from: a new package version has a new one.
stamp="$(stat -L -c '%s %Y' "$tarball") $tarball"

is_current() {
	[ -f "$tree/$stampfile" ] && [ -f "$tree/Makefile" ] &&
		[ "$(cat "$tree/$stampfile")" = "$stamp" ]
}

if is_current; then
	echo "$tree"
	exit 0
fi

mkdir -p "$cache"
exec 9>"$cache/.lock-$ver"
flock 9
# Someone else may have extracted it while we waited.
if is_current; then
	echo "$tree"
	exit 0
fi

# Leftovers of an interrupted run (we hold the lock: nobody uses them).
rm -rf "$cache/.extract-$ver".*

tmp=$(mktemp -d "$cache/.extract-$ver.XXXXXX")
tarpid=
cleanup() {
	if [ -n "$tarpid" ]; then
		kill "$tarpid" 2>/dev/null || true
		wait "$tarpid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
echo "kernel-src: extracting $tarball into $cache (once)..." >&2
# In the background, so that a signal stops it before the cleanup.
tar -xJf "$tarball" -C "$tmp" &
tarpid=$!
wait "$tarpid"
tarpid=
if [ ! -f "$tmp/linux-source-$ver/Makefile" ]; then
	echo "kernel-src: $tarball does not hold linux-source-$ver/" >&2
	exit 1
fi
echo "$stamp" >"$tmp/linux-source-$ver/$stampfile"

if [ -e "$tree" ]; then
	# Stale or incomplete: move it out of the way before the rename.
	mv "$tree" "$tmp/old"
fi
mv "$tmp/linux-source-$ver" "$tree"
rm -rf "$tmp"
trap - EXIT
echo "$tree"
