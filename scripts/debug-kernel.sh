#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the kudp debug kernel: KASAN (with vmalloc), lockdep, atomic-sleep
# checks, kmemleak, debug objects, UBSAN, failslab and fail_page_alloc,
# on a lean config for virtme-ng guests.
#
#   scripts/debug-kernel.sh [6.12|6.1]          build it if missing, print its directory
#   scripts/debug-kernel.sh --cached [6.12|6.1] print its directory if built, else fail
#
# The config is `make allnoconfig` + scripts/debug-kernel.config, merged with
# the kernel's merge_config.sh, then `make olddefconfig`; every option of the
# fragment is checked to have ended up as written. The source is Debian's
# linux-source-VERSION (extracted by scripts/kernel-src.sh); the build goes
# to a separate output directory (O=) under
#
#   ~/.cache/kudp/debug-<kernelversion>-<hash>/   ($XDG_CACHE_HOME/kudp)
#
# keyed by the source tarball, this script and the fragment. That directory
# holds bzImage and build/, a kernel build tree: use it as KDIR for the
# modules (make KDIR=.../build), and boot build/arch/x86/boot/bzImage with
# vng (tests/run.sh does both when KUDP_DEBUG_KERNEL is set). The build runs
# niced, with 2 jobs (KUDP_JOBS=...): 8 minutes on a 2-core machine.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
fragment=$here/debug-kernel.config

cached_only=0
if [ "${1:-}" = --cached ]; then
	cached_only=1
	shift
fi
ver=${1:-6.12}
case $ver in
6.1 | 6.12) ;;
*)
	echo "usage: $0 [--cached] [6.12|6.1]" >&2
	exit 2
	;;
esac

cache=${XDG_CACHE_HOME:-$HOME/.cache}/kudp
tarball=/usr/src/linux-source-$ver.tar.xz
if [ ! -f "$tarball" ]; then
	[ $cached_only = 1 ] && exit 1
	echo "debug-kernel: $tarball is missing: run scripts/setup.sh" >&2
	exit 1
fi
# The key: the source package (size, date), this script and the fragment.
key=$( (stat -L -c '%s %Y' "$tarball"; cat "$0" "$fragment") | sha256sum | cut -c1-12)
dir=$cache/debug-$ver-$key
out=$dir/build

if [ -f "$dir/complete" ]; then
	echo "$dir"
	exit 0
fi
[ $cached_only = 1 ] && exit 1

src=$("$here/kernel-src.sh" "$ver")
mkdir -p "$cache"
exec 9>"$cache/.lock-debug-$ver"
flock 9
if [ -f "$dir/complete" ]; then
	echo "$dir"
	exit 0
fi

start=$(date +%s)
rm -rf "$dir"
mkdir -p "$out"
log=$dir/build.log
trap 'echo "debug-kernel: failed (log: $log)" >&2' ERR
echo "debug-kernel: building linux-source-$ver into $dir (log: $log)" >&2

# The same jobs count and niceness for every make below: another
# engineer's work on this machine must not starve.
kmake() { nice -n 10 make -s -C "$src" O="$out" "$@"; }

kmake allnoconfig >>"$log" 2>&1
# merge_config.sh -m: merge only; olddefconfig below resolves the rest.
(cd "$out" && "$src/scripts/kconfig/merge_config.sh" -m -O "$out" \
	"$out/.config" "$fragment") >>"$log" 2>&1
kmake olddefconfig >>"$log" 2>&1

# Every option of the fragment as written, or fail loudly.
bad=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*)
		grep -qxF "$line" "$out/.config" || {
			echo "debug-kernel: $line did not stick: .config has: $(grep -E "^(# )?${line%%=*}[= ]" "$out/.config" || echo nothing)" >&2
			bad=1
		}
		;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }
		opt=${opt%% *}
		if grep -q "^$opt=" "$out/.config"; then
			echo "debug-kernel: $opt should be off: .config has $(grep "^$opt=" "$out/.config")" >&2
			bad=1
		fi
		;;
	esac
done <"$fragment"
if [ $bad -ne 0 ]; then
	echo "debug-kernel: the config lacks options of $fragment (see above)" >&2
	exit 1
fi

if ! kmake -j"${KUDP_JOBS:-2}" >>"$log" 2>&1; then
	tail -n 40 "$log" >&2
	echo "debug-kernel: the build failed (log: $log)" >&2
	exit 1
fi
cp "$out/arch/x86/boot/bzImage" "$dir/bzImage"
kmake -s kernelrelease >"$dir/kernelrelease"
secs=$(($(date +%s) - start))
echo "$secs" >"$dir/build-seconds"
touch "$dir/complete"
# Older builds of the same version are stale: remove them.
for old in "$cache"/debug-"$ver"-*; do
	[ "$old" = "$dir" ] || rm -rf "$old"
done
echo "debug-kernel: $(cat "$dir/kernelrelease") built in $((secs / 60)) min $((secs % 60)) s" >&2
echo "$dir"
