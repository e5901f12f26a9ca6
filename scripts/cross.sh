#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make cross: build send_udp.ko and receive_udp.ko with the cross compilers
# against Debian's arm64 (6.1, 6.12), armmp (6.1, 32-bit ARMv7) and s390x
# (6.1, big-endian) headers, and kudpctl for arm64, armhf and s390x against
# Debian's libnl of each. The
# headers and libraries come from scripts/cross-fetch.sh (unpacked into
# build/cross-cache, never installed through apt; fetched once). Each
# module build runs sparse on every file (C=2) and fails on any compiler or
# sparse warning; it prints which files sparse checked.
#
#   scripts/cross.sh                  every target
#   KUDP_CROSS="arm64-6.1" scripts/cross.sh   only those named
#
# The modules land in build/cross/TARGET/, kudpctl in build/cross/ARCH/
# (the ARM guests, tests/arm.sh, take them from there).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
targets=${KUDP_CROSS:-arm64-6.1 arm64-6.12 armmp-6.1 s390x-6.1}
status=0
start=$(date +%s)

# arch_of TARGET: "ARCH CROSS_COMPILE DEBARCH"
arch_of() {
	case $1 in
	arm64-*) echo "arm64 aarch64-linux-gnu- arm64" ;;
	armmp*) echo "arm arm-linux-gnueabihf- armhf" ;;
	s390x-*) echo "s390 s390x-linux-gnu- s390x" ;;
	*) return 1 ;;
	esac
}

# machine FILE: what readelf says FILE is for ("AArch64, ELF64, little endian")
machine() {
	readelf -h "$1" | sed -n 's/^ *Machine: *//p; s/^ *Class: *//p; s/^ *Data: *2.s complement, //p' |
		paste -sd, | sed 's/,/, /g'
}

mkdir -p build/cross
done_tools=""
for t in $targets; do
	t0=$(date +%s)
	read -r arch cross debarch <<<"$(arch_of "$t")" || {
		echo "not ok - cross: unknown target $t"
		status=1
		continue
	}
	if ! kdir=$(scripts/cross-fetch.sh headers "$t"); then
		echo "not ok - cross: $t: could not fetch the headers"
		status=1
		continue
	fi
	out=build/cross/$t
	rm -rf "$out"
	mkdir -p "$out"
	cp -r Kbuild Makefile ./*.c ./*.h include "$out"/
	env -u MAKEFLAGS -u MFLAGS make -C "$out" ARCH="$arch" CROSS_COMPILE="$cross" \
		KDIR="$kdir" C=2 modules >"$out/build.log" 2>&1
	rc=$?
	sparse=$(scripts/sparse-log.sh "$out/build.log")
	src=$?
	if [ $rc -ne 0 ] || [ $src -ne 0 ]; then
		sed 's/^/# /' "$out/build.log"
		echo "# $sparse"
		echo "not ok - cross: modules for $t ($(basename "$kdir"))"
		status=1
		continue
	fi
	echo "ok - cross: modules for $t ($(basename "$kdir"), $(cat "$kdir/../../../.version" 2>/dev/null)," \
		"$(machine "$out/send_udp.ko")): $sparse ($(($(date +%s) - t0)) s)"

	# kudpctl once per architecture, against that architecture's libnl.
	case " $done_tools " in *" $arch "*) continue ;; esac
	done_tools="$done_tools $arch"
	if ! sysroot=$(scripts/cross-fetch.sh sysroot "$debarch"); then
		echo "not ok - cross: kudpctl for $arch: could not fetch libnl ($debarch)"
		status=1
		continue
	fi
	rm -rf "build/cross/$arch"
	mkdir -p "build/cross/$arch"
	if env -u MAKEFLAGS -u MFLAGS make -s -B ARCH="$arch" CROSS_COMPILE="$cross" \
		NL_SYSROOT="$sysroot" "tools/$arch/kudpctl" >"build/cross/$arch/build.log" 2>&1 &&
	   [ ! -s "build/cross/$arch/build.log" ] && mv "tools/$arch/kudpctl" "build/cross/$arch/kudpctl"; then
		echo "ok - cross: kudpctl for $arch, no warning ($(machine "build/cross/$arch/kudpctl"))"
	else
		sed 's/^/# /' "build/cross/$arch/build.log"
		echo "not ok - cross: kudpctl for $arch"
		status=1
	fi
	rmdir "tools/$arch" 2>/dev/null
done
echo "# cross: $(($(date +%s) - start)) s"
exit $status
