#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make cross: build send_udp.ko and receive_udp.ko with the cross compilers
# against Debian's arm64 (6.1, 6.12), armmp (6.1, 32-bit ARMv7) and s390x
# (6.1, big-endian) headers, and kudpctl for arm64, armhf and s390x against
# Debian's libnl and zlib of each. The
# headers and libraries come from scripts/cross-fetch.sh (unpacked into
# build/cross-cache, never installed through apt; fetched once). Each
# module build runs sparse on every file (C=2) and fails on any compiler or
# sparse warning; it prints which files sparse checked.
#
#   scripts/cross.sh                  every target
#   KUDP_CROSS="arm64-6.1" scripts/cross.sh   only those named
#
# The modules land in build/cross/TARGET/, kudpctl in build/cross/ARCH/
# (the ARM guests, tests/arm.sh, take them from there). With arm64-6.1, it
# also checks make install INSTALL_MOD_PATH=build/cross/root-arm64-6.1
# (depmod -b, an AArch64 kudpctl) and that a cross make without NL_SYSROOT
# skips kudpctl with one line.
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
		echo "not ok - cross: kudpctl for $arch: could not fetch libnl and zlib ($debarch)"
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
# make install into a board's root, as the README shows: the modules under
# ROOT/lib/modules/<release>, depmod -b ROOT, kudpctl for the target; and
# without NL_SYSROOT, kudpctl skipped with one line, no binary.
install_check() {
	local t=arm64-6.1 kdir root rel work
	kdir=$(scripts/cross-fetch.sh headers $t 2>/dev/null) || return 1
	rel=$(sed -n 's/^override KERNELRELEASE = //p' "$kdir/.kernelvariables")
	work=build/cross/install
	root=$top/build/cross/root-$t
	rm -rf "$work" "$root"
	mkdir -p "$work"
	cp -r Kbuild Makefile ./*.c ./*.h include tools Documentation "$work"/
	rm -rf "$work/tools/kudpctl" "$work/tools/arm64"
	env -u MAKEFLAGS -u MFLAGS make -C "$work" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- \
		KDIR="$kdir" NL_SYSROOT="$(scripts/cross-fetch.sh sysroot arm64 2>/dev/null)" \
		INSTALL_MOD_PATH="$root" install >"$work/install.log" 2>&1 || { sed 's/^/# /' "$work/install.log"; return 1; }
	grep -qx 'extra/send_udp.ko:' "$root/lib/modules/$rel/modules.dep" &&
		grep -qx 'extra/receive_udp.ko:' "$root/lib/modules/$rel/modules.dep" ||
		{ echo "# no modules.dep naming both modules under $root/lib/modules/$rel"; return 1; }
	[ "$(machine "$root/usr/local/sbin/kudpctl" | sed 's/.*, //')" = AArch64 ] ||
		{ echo "# $root/usr/local/sbin/kudpctl is not an AArch64 binary"; return 1; }
	rm -rf "$work/tools/arm64"
	env -u MAKEFLAGS -u MFLAGS make -s -C "$work" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- \
		tools >"$work/skip.log" 2>&1 || return 1
	grep -q '^kudpctl: not built for arm64: pass NL_SYSROOT' "$work/skip.log" && [ "$(wc -l <"$work/skip.log")" -eq 1 ] &&
		[ ! -e "$work/tools/kudpctl" ] && [ ! -e "$work/tools/arm64/kudpctl" ] ||
		{ sed 's/^/# /' "$work/skip.log"; echo "# kudpctl not skipped as it should be"; return 1; }
	echo "# install: $root/lib/modules/$rel/extra/{send,receive}_udp.ko, modules.dep, usr/local/sbin/kudpctl (AArch64)"
}
case " $targets " in
*" arm64-6.1 "*)
	if install_check; then
		echo "ok - cross: make install INSTALL_MOD_PATH= for arm64 (depmod -b), kudpctl skipped without NL_SYSROOT"
	else
		echo "not ok - cross: make install INSTALL_MOD_PATH= for arm64"
		status=1
	fi
	;;
esac
# The default KDIR: with foreign headers beside the build machine's own
# (newer ones too), make picks its own architecture's newest.
kdir_check() {
	local dir=build/cross/kdir host flavour got
	host=$(dpkg --print-architecture | sed 's/armhf/armmp/')
	rm -rf "$dir"
	mkdir -p "$dir/linux-headers-6.1.0-57-$host" "$dir/linux-headers-6.12.117+deb12-$host"
	for flavour in amd64 arm64 armmp; do
		[ "$flavour" = "$host" ] || mkdir -p "$dir/linux-headers-6.13.1-$flavour"
	done
	# --no-print-directory: under make -C DIR cross, make's "Entering
	# directory" lines would be read as its answer.
	got=$(make -s --no-print-directory -C "$top" --eval 'print-kdir: ; @echo $(KDIR)' \
		KVER=none HEADERS="$top/$dir" print-kdir)
	[ "$got" = "$top/$dir/linux-headers-6.12.117+deb12-$host" ] ||
		{ echo "# default KDIR: $got"; return 1; }
}
if kdir_check; then
	echo "ok - cross: the default KDIR is the newest headers of this machine's architecture ($(dpkg --print-architecture))"
else
	echo "not ok - cross: the default KDIR picked another architecture's headers"
	status=1
fi
echo "# cross: $(($(date +%s) - start)) s"
exit $status
