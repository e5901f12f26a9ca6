#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build send_udp.ko and receive_udp.ko for every installed Debian kernel and
# run the test suite (tests/guest.sh) in a QEMU guest of each, under
# virtme-ng with software emulation (TCG: KVM is never assumed to work).
#
#   tests/run.sh             the whole suite on every kernel
#   tests/run.sh --demo      a short, readable round trip on the newest kernel
#   KUDP_KERNELS="6.1.0-56-amd64" tests/run.sh    only the kernels named
#   KUDP_TESTS="roundtrip_sysfs enomem" tests/run.sh   only the tests named
#                            (the t_* functions of tests/guest.sh)
#   KUDP_DEBUG_KERNEL=DIR tests/run.sh   the suite on the debug kernel built
#                            by scripts/debug-kernel.sh (DIR is what it
#                            prints), through tests/debug-guest.sh: also
#                            kmemleak and fault injection (make check-debug)
#
# Prints KTAP per test and ends with one line "N passed, N failed"; exits
# non-zero if any test failed or a guest did not finish.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
mode=suite
[ "${1:-}" = "--demo" ] && mode=demo

kernels=${KUDP_KERNELS:-$(ls /boot/vmlinuz-* 2>/dev/null | sed 's|/boot/vmlinuz-||' | sort -V)}
# The debug kernel instead of the Debian ones.
debug=${KUDP_DEBUG_KERNEL:-}
[ -n "$debug" ] && kernels=$(cat "$debug/kernelrelease")
guest=guest.sh
[ -n "$debug" ] && guest=debug-guest.sh
if [ -z "$kernels" ]; then
	echo "No kernel in /boot: run scripts/setup.sh" >&2
	exit 1
fi
[ "$mode" = demo ] && kernels=$(echo "$kernels" | tail -n 1)

passed=0
failed=0
start=$(date +%s)

# Build the modules for kernel $1 in build/$1 (a copy of the sources: Kbuild
# writes its objects beside them).
build() {
	local kver=$1 dir=build/$1
	local kdir=/usr/src/linux-headers-$kver

	[ -d "$kdir" ] || kdir=/lib/modules/$kver/build
	[ -n "$debug" ] && kdir=$debug/build
	mkdir -p "$dir"
	cp -r Kbuild Makefile ./*.c ./*.h include "$dir"/
	# The guest runs a copy of the tests: editing tests/ meanwhile is safe.
	rm -rf "$dir/tests"
	cp -r tests "$dir/tests"
	rm -rf "$dir/Documentation"
	cp -r Documentation "$dir/Documentation"
	cp build/kudp_ioctl "$dir/tests/" 2>/dev/null
	cp tools/kudpctl "$dir/tests/" 2>/dev/null
	# C=2: sparse checks every file of ours.
	make -C "$dir" KDIR="$kdir" C=2 modules >"$dir/build.log" 2>&1
	local rc=$?
	if [ $rc -ne 0 ] || ! grep -q ' CHECK ' "$dir/build.log" ||
	   grep -E 'warning:|error:' "$dir/build.log" |
	   grep -v 'is added to multiple modules' | grep -q .; then
		cat "$dir/build.log"
		return 1
	fi
}

# Boot kernel $1 with $2 of memory and run tests/guest.sh with the rest of
# the arguments; the guest's console goes to build/$1/console-$3.log.
boot() {
	local kver=$1 mem=$2 tag=$3
	shift 3
	local out=build/$kver/out-$tag
	local img=/boot/vmlinuz-$kver append="slub_debug=FZPU kfence.sample_interval=10"
	local limit=1500
	if [ -n "$debug" ]; then
		# The debug kernel's image inside its build tree: vng then
		# installs the tree's modules.builtin in the guest, so that
		# modprobe of a built-in (sch_tbf) works. Every KASAN report,
		# not only the first. Pages zeroed at allocation, as Debian
		# does (init_on_alloc: the time a large vmalloc takes, which
		# enodev_outside_life counts on). debug-guest.sh wraps guest.sh
		# with the kmemleak scan and the fault-injection tests. Slower:
		# more time.
		img=$debug/build/arch/x86/boot/bzImage
		append="kasan_multi_shot init_on_alloc=1"
		limit=2400
	fi
	# One guest at a time on this machine: wait for any other run's guest
	# (and only then empty the output directory it may be writing).
	exec 9>/tmp/kudp-vm.lock
	flock 9
	rm -rf "$out"
	mkdir -p "$out"
	timeout --foreground $limit vng --run "$img" --disable-kvm \
		--force-9p --cpus 2 --memory "$mem" -v \
		--append "$append" \
		--rwdir "$top/$out=$top/$out" \
		--exec "bash $top/build/$kver/tests/$guest $top/build/$kver $top/$out $*" \
		2>"build/$kver/console-$tag.log" </dev/null 9>&-
	local rc=$?
	exec 9>&-
	return $rc
}

echo "KTAP version 1"
# The ioctl tool, built against the project's UAPI header.
mkdir -p build
if gcc -Wall -Wextra -Werror -Iinclude/uapi -o build/kudp_ioctl tests/kudp_ioctl.c; then
	echo "ok - tests/kudp_ioctl.c builds against include/uapi/kudp.h"
	passed=$((passed + 1))
else
	echo "not ok - tests/kudp_ioctl.c builds against include/uapi/kudp.h"
	failed=$((failed + 1))
fi
# kudpctl, as the top-level make builds it.
if make -s tools >build/tools.log 2>&1; then
	echo "ok - tools/kudpctl builds (no warning)"
	passed=$((passed + 1))
else
	cat build/tools.log
	echo "not ok - tools/kudpctl builds (no warning)"
	failed=$((failed + 1))
fi
for kver in $kernels; do
	echo "# kernel $kver"
	if ! build "$kver"; then
		echo "not ok - build for $kver"
		failed=$((failed + 1))
		continue
	fi
	echo "ok - build for $kver (no compiler or sparse warning)"
	passed=$((passed + 1))

	if [ "$mode" = demo ]; then
		boot "$kver" 1G demo demo
		exit $?
	fi

	for run in "3G main" "512M small" "10G big"; do
		set -- $run
		if [ -n "${KUDP_TESTS:-}" ]; then
			sel=$(for t in $(bash tests/$guest - - --list "$2"); do
				case " $KUDP_TESTS " in *" $t "*) echo "$t" ;; esac
			done)
			[ -n "$sel" ] || continue
		fi
		boot "$kver" "$1" "$2" "$2" ${KUDP_TESTS:-} | sed 's/^/    /'
		rc=${PIPESTATUS[0]}
		res=build/$kver/out-$2/result
		if [ -f "$res" ]; then
			read -r p f <"$res"
			passed=$((passed + p))
			failed=$((failed + f))
		fi
		if [ ! -f "$res" ] || [ "$rc" -ne 0 ]; then
			echo "not ok - $kver $2: guest exited with $rc (console: build/$kver/console-$2.log)"
			tail -n 30 "build/$kver/console-$2.log" | sed 's/^/# /'
			[ -f "$res" ] || failed=$((failed + 1))
		fi
	done
done

echo "# run time $(($(date +%s) - start)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
