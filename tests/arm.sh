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
# One guest at a time (tests/vmlock.sh), like tests/run.sh. Prints
# the guests' KTAP lines and ends with "N passed, N failed"; the console of
# each is build/arm/TARGET/console.log. Any warning, BUG or oops on a
# console fails the run.
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

# guest TARGET: build the initramfs, boot, count the results.
guest() {
	local t=${1%%:*} extra= arch triplet debarch qemu cpu machine img kimg out root lib bb rc t0 interp console=ttyAMA0
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
		echo "not ok - arm: unknown guest $t"
		failed=$((failed + 1))
		return
		;;
	esac
	out=build/arm/$t${extra:+-$extra}
	rm -rf "$out"
	mkdir -p "$out"
	if [ ! -f "build/cross/$t/send_udp.ko" ] || [ ! -f "build/cross/$arch/kudpctl" ] ||
	   [ -n "$(find ./*.c ./*.h include tools/kudpctl.c -newer "build/cross/$t/send_udp.ko")" ]; then
		KUDP_CROSS=$t scripts/cross.sh >"$out/cross.log" 2>&1 ||
			{ sed 's/^/# /' "$out/cross.log"; echo "not ok - arm: $t: cross-build"; failed=$((failed + 1)); return; }
	fi
	img=$(scripts/cross-fetch.sh image "$t") && bb=$(scripts/cross-fetch.sh busybox "$debarch") ||
		{ echo "not ok - arm: $t: could not fetch the kernel image or busybox"; failed=$((failed + 1)); return; }
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

	echo "# $t: $(basename "$kimg") ($(basename "$img" | cut -d_ -f2)), $qemu -M $machine -cpu $cpu, 1 GiB${extra:+, $extra}"
	vm_lock
	t0=$(date +%s)
	timeout 900 "$qemu" -M "$machine" -cpu "$cpu" -smp 2 -m 1024 \
		-kernel "$kimg" -initrd "$out/initrd.gz" \
		-append "console=$console panic=-1 slub_debug=FZPU $extra" \
		-display none -monitor none -serial "file:$out/console.log" \
		-nic none -no-reboot </dev/null >"$out/qemu.log" 2>&1 9>&-
	rc=$?
	vm_unlock
	tr -d '\r' <"$out/console.log" | grep -E '^(ok |not ok |# |arm-guest:)' | sed -u 's/^/    /'
	echo "# time: the $t guest: $(($(date +%s) - t0)) s"
	local p f res
	res=$(tr -d '\r' <"$out/console.log" | sed -n 's/^arm-guest: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p')
	if [ -z "$res" ] || [ $rc -ne 0 ]; then
		echo "not ok - arm: $t: the guest gave no result (qemu exit $rc; console: $out/console.log)"
		tail -n 30 "$out/console.log" | sed 's/^/# /'
		cat "$out/qemu.log" | sed 's/^/# qemu: /'
		failed=$((failed + 1))
		return
	fi
	read -r p f <<<"$res"
	passed=$((passed + p))
	failed=$((failed + f))
	if grep -E "$BAD" "$out/console.log" | grep -v '^# '; then
		echo "not ok - arm: $t: the kernel reported the lines above on the console"
		failed=$((failed + 1))
	fi
}

echo "KTAP version 1"
for t in $targets; do
	guest "$t"
done
echo "# arm: $(($(date +%s) - start)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
