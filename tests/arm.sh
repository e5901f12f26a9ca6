#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The suite on ARM guests: Debian's arm64 kernels (6.1, 6.12) and its
# 32-bit armmp kernel (6.1), and on a big-endian one, s390x (6.1, under
# qemu-system-s390x), each booted from the archive's linux-image
# package (unpacked by scripts/cross-fetch.sh, never installed) under
# qemu-system-aarch64 / qemu-system-arm -M virt, software emulation, with a
# minimal initramfs: Debian's busybox-static of the guest's architecture,
# the cross-built modules and kudpctl (make cross; glibc's loader and libc
# from the cross compiler's), and tests/arm-guest.sh with the helpers it
# shares with the x86 suites, tests/common.sh. No network but the
# guest's loopback.
#
#   tests/arm.sh                      every ARM guest
#   KUDP_ARM="armmp-6.1" tests/arm.sh    only those named; a second armmp
#                    guest, armmp-6.1:vmalloc=512M, boots with that on the
#                    kernel command line and loads a 300 MiB buffer
#   KUDP_ARM_TESTS="binary_16m" tests/arm.sh   only those tests
#
# The initramfs of every guest is made first, one after the other (the
# fetches and cross-builds share caches); then the guests boot two at a
# time, holding the lock of tests/vmlock.sh for both: these guests run a
# shell and little else, mostly on one vCPU, and their waits (the 5 s
# completion) overlap. Prints the guests' KTAP lines, in the order of the
# targets, and ends with "N passed, N failed"; the console of each is
# build/arm/TARGET/console.log. Any warning, BUG or oops on a console
# fails the run.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
. tests/vmlock.sh
# TARGET[:EXTRA]: EXTRA is added to the kernel's command line.
targets=${KUDP_ARM:-arm64-6.1 arm64-6.12 armmp-6.1 armmp-6.1:vmalloc=512M s390x-6.1}
BAD='BUG:|WARNING:|Oops|general protection|sleeping function called from invalid context|scheduling while atomic|INFO: task .* blocked|Call Trace|Kernel panic|Unable to handle|Internal error'
passed=0
failed=0
start=$(date +%s)

# setup TARGET: set the variables that describe TARGET's guest (t, extra,
# arch, triplet, debarch, qemu, machine, cpu, console, out); fails on an
# unknown target.
setup() {
	t=${1%%:*} extra= console=ttyAMA0
	[ "$t" = "$1" ] || extra=${1#*:}
	case $t in
	arm64-*)
		arch=arm64 triplet=aarch64-linux-gnu debarch=arm64
		qemu=qemu-system-aarch64 machine=virt cpu=cortex-a57
		;;
	armmp*)
		arch=arm triplet=arm-linux-gnueabihf debarch=armhf
		# highmem=off: no device above 4 GiB for a kernel without LPAE.
		qemu=qemu-system-arm machine=virt,highmem=off cpu=cortex-a15
		;;
	s390x-*)
		# Big-endian: the UAPI and the wire must not depend on byte
		# order. The console is the SCLP one (-serial).
		arch=s390 triplet=s390x-linux-gnu debarch=s390x
		qemu=qemu-system-s390x machine=s390-ccw-virtio cpu=max console=ttysclp0
		;;
	*)
		return 1
		;;
	esac
	out=build/arm/$t${extra:+-$extra}
}

# prepare TARGET: build the initramfs of TARGET's guest (and its modules,
# if they are older than the sources) and write the guest's command line
# to $out/qemu.cmd. Prints a "not ok" line and fails if it cannot.
prepare() {
	local t extra arch triplet debarch qemu cpu machine console out img kimg root lib bb interp
	setup "$1" || { echo "not ok - arm: unknown guest $1"; return 1; }
	rm -rf "$out"
	mkdir -p "$out"
	if [ ! -f "build/cross/$t/send_udp.ko" ] || [ ! -f "build/cross/$arch/kudpctl" ] ||
	   [ -n "$(find ./*.c ./*.h include tools/kudpctl.c -newer "build/cross/$t/send_udp.ko")" ]; then
		KUDP_CROSS=$t scripts/cross.sh >"$out/cross.log" 2>&1 ||
			{ sed 's/^/# /' "$out/cross.log"; echo "not ok - arm: $t: cross-build"; return 1; }
	fi
	img=$(scripts/cross-fetch.sh image "$t") && bb=$(scripts/cross-fetch.sh busybox "$debarch") ||
		{ echo "not ok - arm: $t: could not fetch the kernel image or busybox"; return 1; }
	kimg=$(ls "$img"/boot/vmlinuz-*)
	# The initramfs: busybox, glibc for kudpctl, the modules, the suite
	# and its helpers.
	root=$out/root
	lib=/usr/$triplet/lib
	mkdir -p "$root"/{bin,dev,proc,sys,tmp,kudp,lib/$triplet}
	cp "$bb" "$root/bin/busybox"
	# The program interpreter kudpctl names (/lib/ld-linux-aarch64.so.1,
	# /lib/ld64.so.1 on s390x).
	interp=$(readelf -l "build/cross/$arch/kudpctl" | sed -n 's/.*interpreter: \(.*\)]$/\1/p')
	cp -L "$lib/$(basename "$interp")" "$root$interp"
	cp -L "$lib/libc.so.6" "$lib/libm.so.6" "$root/lib/$triplet/"
	cp "build/cross/$t/send_udp.ko" "build/cross/$t/receive_udp.ko" "build/cross/$arch/kudpctl" \
		"$root/kudp/"
	cp tests/arm-guest.sh tests/common.sh "$root/"
	mknod "$root/dev/console" c 5 1
	cat >"$root/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
ip link set lo up
# Warnings and worse on the console; the suite reads the rest with dmesg.
echo 4 >/proc/sys/kernel/printk
KUDP_ARM_TESTS="${KUDP_ARM_TESTS:-}" sh /arm-guest.sh
echo "arm-guest: done"
poweroff -f
EOF
	chmod +x "$root/init"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out/initrd.gz"
	echo "# $t: $(basename "$kimg") ($(basename "$img" | cut -d_ -f2)), $qemu -M $machine -cpu $cpu, 1 GiB${extra:+, $extra}" \
		>"$out/report"
	printf '%q ' timeout 900 "$qemu" -M "$machine" -cpu "$cpu" -smp 2 -m 1024 \
		-kernel "$kimg" -initrd "$out/initrd.gz" \
		-append "console=$console panic=-1 slub_debug=FZPU $extra" \
		-display none -monitor none -serial "file:$out/console.log" \
		-nic none -no-reboot >"$out/qemu.cmd"
}

# boot TARGET: boot the guest prepare made; append its KTAP lines and
# verdicts to $out/report and "PASSED FAILED" to $out/counts.
boot() {
	local t extra arch triplet debarch qemu cpu machine console out rc t0 p f res
	setup "$1"
	t0=$(date +%s)
	eval "$(<"$out/qemu.cmd")" </dev/null >"$out/qemu.log" 2>&1 9>&-
	rc=$?
	exec >>"$out/report"
	tr -d '\r' <"$out/console.log" | grep -E '^(ok |not ok |# |arm-guest:)' | sed 's/^/    /'
	echo "# time: the $t guest: $(($(date +%s) - t0)) s"
	res=$(tr -d '\r' <"$out/console.log" | sed -n 's/^arm-guest: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p')
	if [ -z "$res" ] || [ $rc -ne 0 ]; then
		echo "not ok - arm: $t: the guest gave no result (qemu exit $rc; console: $out/console.log)"
		tail -n 30 "$out/console.log" | sed 's/^/# /'
		sed 's/^/# qemu: /' "$out/qemu.log"
		echo "0 1" >"$out/counts"
		return
	fi
	read -r p f <<<"$res"
	if grep -E "$BAD" "$out/console.log" | grep -v '^# '; then
		echo "not ok - arm: $t: the kernel reported the lines above on the console"
		f=$((f + 1))
	fi
	echo "$p $f" >"$out/counts"
}

echo "KTAP version 1"
ready=""
for t in $targets; do
	if prepare "$t"; then
		ready="$ready $t"
	else
		failed=$((failed + 1))
	fi
done
vm_lock
running=0
for t in $ready; do
	if [ $running -eq 2 ]; then
		wait -n
		running=$((running - 1))
	fi
	boot "$t" &
	running=$((running + 1))
done
wait
vm_unlock
for t in $ready; do
	setup "$t"
	cat "$out/report"
	read -r p f <"$out/counts" || { p=0; f=1; }
	passed=$((passed + p))
	failed=$((failed + f))
done
echo "# arm: $(($(date +%s) - start)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
