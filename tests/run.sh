#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build send_udp.ko and receive_udp.ko for every installed Debian kernel and
# run the test suite (tests/guest.sh) in a QEMU guest of each, under
# virtme-ng with software emulation (TCG: KVM is never assumed to work).
#
#   tests/run.sh             the whole suite on every kernel
#   tests/run.sh --demo      a short, readable round trip on the newest kernel
#   tests/run.sh --build     only the builds: the test tools, reliable.py's
#                            selftest, kudpctl and the modules for each
#                            kernel (KUDP_KERNELS, KUDP_DEBUG_KERNEL)
#   KUDP_BUILT=1 tests/run.sh   the guests only, with what --build made:
#                            make check builds once, then runs several of
#                            these at once (scripts/check.sh)
#   KUDP_KERNELS="6.1.0-56-amd64" tests/run.sh    only the kernels named
#   KUDP_TESTS="roundtrip_sysfs enomem" tests/run.sh   only the tests named
#                            (the t_* functions of tests/guest/*.sh)
#   KUDP_DEBUG_KERNEL=DIR tests/run.sh   the suite on the debug kernel built
#                            by scripts/debug-kernel.sh (DIR is what it
#                            prints), through tests/debug-guest.sh: also
#                            kmemleak and fault injection (make check-debug)
#   KUDP_SUITES=contexts,big  the suites to run (tests/guest.sh): by default
#                            main,once,small,reliable in one boot of the
#                            newest kernel, and the every suite (the tests
#                            that go through what differs between
#                            kernels) in one boot of each older one; and
#                            pair, the two-machine suite
#                            (tests/pair-guest.sh) in two guests
#                            (KUDP_PAIRS); big (the 4 GiB transfer) runs
#                            in make check-slow
#   KUDP_NO_ONCE=1           main without the once suite on the newest
#                            kernel (make quick)
#   KUDP_TAG=NAME            the one-guest runs write build/KVER/out-NAME
#                            and console-NAME.log (default suite): two runs
#                            of one kernel at once (scripts/check.sh) name
#                            theirs apart
#   KUDP_QEMU_OPTS="-cpu max"  more QEMU options for the one-guest runs
#                            (without KVM, QEMU's CPU is qemu64: no
#                            PCLMULQDQ, AVX or SSE4.2)
#   KUDP_TIMES=FILE          append "what seconds" for each guest to FILE
#                            (scripts/check.sh prints them at the end)
#   KUDP_LOAD_ROUNDS=100     rounds of the load_unload test (default 20,
#                            5 in the every suite of the older kernels;
#                            make check: 8, and 2 in its debug pass; make
#                            check-slow: 100)
#   KUDP_FUZZ_SECONDS=1800   how long the fuzz suite runs (default 120)
#   KUDP_FAULT_ROUNDS=1      rounds of the debug kernel's fault_transfer
#                            (default 6; the debug pass of make check: 1)
#   KUDP_FAULT_STRIDE=2      fault_insmod_walk fails every K-th allocation
#                            of init (default 1, every one; the debug pass
#                            of make check: 2, one half at random, which it
#                            prints); KUDP_FAULT_OFFSET=O chooses the half
#   KUDP_SEED=N              the seed of the fuzz and stress suites (default
#                            random; they print it)
#   KUDP_STRESS_ROUNDS=20    rounds of each stress test (default 20)
#   KUDP_RELIABLE_SIZE=N     bytes of each pair_rel_* transfer (default 16
#                            MiB; make check-reliable: 256 MiB)
#   KUDP_PAIR_SIZE=N         bytes of pair_message (default 16 MiB; make
#                            check-slow: 256 MiB)
#   KUDP_PAIRS="TX:RX ..."   the kernels of the two-machine suite's guests,
#                            the sending one's and the receiving one's: by
#                            default one pair, the last kernel sending to
#                            the first (the newest to the oldest: two
#                            boards of different ages); "same": each
#                            kernel to itself (make check-slow,
#                            check-reliable and bench)
#
# Prints KTAP per test and ends with one line "N passed, N failed"; exits
# non-zero if any test failed or a guest did not finish.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
mode=suite
[ "${1:-}" = "--demo" ] && mode=demo
[ "${1:-}" = "--build" ] && mode=build
built_before=${KUDP_BUILT:-}
. tests/vmlock.sh

kernels=${KUDP_KERNELS:-$(ls /boot/vmlinuz-* 2>/dev/null | sed 's|/boot/vmlinuz-||' | sort -V)}
# The debug kernel instead of the Debian ones.
debug=${KUDP_DEBUG_KERNEL:-}
[ -n "$debug" ] && kernels=$(cat "$debug/kernelrelease")
guest=guest.sh
[ -n "$debug" ] && guest=debug-guest.sh
suites=${KUDP_SUITES:-main,small,reliable,pair}
# The two-machine suite boots Debian kernels only.
[ -n "$debug" ] && suites=${KUDP_SUITES:-main,small,big}
# One boot for all the suites: 4 GiB, or 10 GiB for the big suite's 4 GiB
# transfer (two 4 GiB buffers); the small suite's tests hold what they do
# not want (small_machine). The debug kernel's big suite moves 256 MiB:
# 3 GiB.
mem=4G
[[ ",$suites," == *,big,* ]] && mem=10G
[ -n "$debug" ] && mem=3G
# The stress suite's two 1 GiB buffers, with KASAN's shadow.
[ -n "$debug" ] && [[ ",$suites," == *,stress,* ]] && mem=5G
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
	# No module of an earlier build survives a failed one (KUDP_BUILT=1
	# boots whatever .ko files are there).
	rm -f "$dir"/*.ko
	cp -r Kbuild Makefile ./*.c ./*.h include "$dir"/
	# The guest runs a copy of the tests: editing tests/ meanwhile is safe.
	rm -rf "$dir/tests"
	cp -r tests "$dir/tests"
	rm -rf "$dir/Documentation"
	cp -r Documentation "$dir/Documentation"
	cp build/kudp_ioctl build/flood build/kmsg build/py "$dir/tests/" 2>/dev/null
	cp tools/kudpctl "$dir/tests/" 2>/dev/null
	# C=2: sparse checks every file of ours (scripts/sparse-log.sh); not
	# silenced by a "make -s" that called us.
	env -u MAKEFLAGS -u MFLAGS make -j"$(nproc)" -C "$dir" KDIR="$kdir" C=2 modules >"$dir/build.log" 2>&1
	local rc=$? sparse src
	sparse=$(scripts/sparse-log.sh "$dir/build.log")
	src=$?
	if [ $rc -ne 0 ] || [ $src -ne 0 ]; then
		cat "$dir/build.log"
		echo "$sparse"
		return 1
	fi
	# make bench's helper module (bench/kudp_memcpy.c), warning-free.
	rm -rf "$dir/bench"
	cp -r bench "$dir/bench"
	if ! env -u MAKEFLAGS -u MFLAGS make -C "$kdir" M="$top/$dir/bench" modules >"$dir/bench.log" 2>&1 ||
		grep -q "warning:" "$dir/bench.log"; then
		cat "$dir/bench.log"
		return 1
	fi
	echo "# $kver: $sparse"
}

# Boot kernel $1 with $2 of memory and run tests/guest.sh with the rest of
# the arguments; the guest's console goes to build/$1/console-$3.log.
boot() {
	local kver=$1 mem=$2 tag=$3
	shift 3
	local out=build/$kver/out-$tag
	local img=/boot/vmlinuz-$kver append="slub_debug=FZPU kfence.sample_interval=10"
	local limit=2400
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
		limit=3000
	fi
	limit=$((limit + ${KUDP_FUZZ_SECONDS:-120}))
	# One guest at a time on this machine: wait for any other run's guest
	# (and only then empty the output directory it may be writing).
	vm_lock
	rm -rf "$out"
	mkdir -p "$out"
	timeout --foreground $limit vng --run "$img" --disable-kvm \
		--force-9p --cpus 2 --memory "$mem" -v \
		--append "$append" ${KUDP_QEMU_OPTS:+--qemu-opts="$KUDP_QEMU_OPTS"} \
		--rwdir "$top/$out=$top/$out" \
		--exec "env KUDP_LOAD_ROUNDS=${KUDP_LOAD_ROUNDS:-20} KUDP_FUZZ_SECONDS=${KUDP_FUZZ_SECONDS:-120} KUDP_STRESS_ROUNDS=${KUDP_STRESS_ROUNDS:-20} ${KUDP_FAULT_ROUNDS:+KUDP_FAULT_ROUNDS=$KUDP_FAULT_ROUNDS} ${KUDP_FAULT_STRIDE:+KUDP_FAULT_STRIDE=$KUDP_FAULT_STRIDE} ${KUDP_FAULT_OFFSET:+KUDP_FAULT_OFFSET=$KUDP_FAULT_OFFSET} ${KUDP_SEED:+KUDP_SEED=$KUDP_SEED} bash $top/build/$kver/tests/$guest $top/build/$kver $top/$out $*" \
		2>"build/$kver/console-$tag.log" </dev/null 9>&-
	local rc=$?
	vm_unlock
	return $rc
}

# switch_stop: stop boot_pair's vde_switch (its directory in pair_switch:
# not a local, for the EXIT trap), wait for it to end and remove its
# directory.
switch_stop() {
	local pid
	[ -n "${pair_switch:-}" ] || return 0
	pid=$(cat "$pair_switch/pid" 2>/dev/null)
	if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
	fi
	rm -rf "$pair_switch"
	pair_switch=
}

# boot_pair TX RX N [TEST...]: the two-machine suite (tests/pair-guest.sh)
# on a guest of kernel TX that sends and one of RX that receives, one vCPU
# each. N=2: joined by one virtual Ethernet cable, a QEMU socket netdev on
# a free port of 127.0.0.1, where the receiving machine listens and the
# sending one connects; no other network. They share build/pair-TX-RX,
# where the consoles go too (console-{sender,receiver}.log). N=3, the
# group tests: a second receiving machine too, a guest of RX
# (console-receiver2.log; its commands in SHARED/rx2), the three on one
# vde_switch instead of the cable (a switch on a unix socket in a
# directory of /tmp: no IP on the host), stopped and removed at the end,
# however it comes; they share build/group-TX-RX.
boot_pair() {
	local tx=$1 rx=$2 shared=build/pair-$1-$2 port="" rc rxpid rx2pid="" rx_net tx_net
	[ "$3" = 3 ] && shared=build/group-$1-$2
	local nic="-device virtio-net-pci,netdev=h0,mac=52:54:00:00:00:0"
	local common=(--disable-kvm --force-9p --cpus 1 --memory 2G -v
		--append "slub_debug=FZPU" --rwdir "$top/$shared=$top/$shared")
	vm_lock
	rm -rf "$shared"
	mkdir -p "$shared"
	if [ "$3" = 3 ]; then
		# boot_pair runs in pair_stage's pipeline, a subshell: its EXIT
		# trap (a signal too) tells the receiving machines to stop and
		# stops the switch. The switch without the lock's descriptor.
		pair_switch=$(mktemp -d /tmp/kudp-vde.XXXXXX)
		trap 'touch "$shared/done" "$shared/rx2/done" 2>/dev/null; switch_stop' EXIT
		if ! vde_switch -s "$pair_switch/sock" -d -p "$pair_switch/pid" </dev/null 9>&- ||
			[ ! -S "$pair_switch/sock/ctl" ]; then
			echo "not ok - vde_switch did not start (scripts/setup.sh installs vde2)"
			switch_stop
			vm_unlock
			return 1
		fi
		rx_net="-netdev vde,id=h0,sock=$pair_switch/sock"
		tx_net=$rx_net
		mkdir "$shared/rx2"
		timeout 1500 vng --run "/boot/vmlinuz-$rx" "${common[@]}" \
			--qemu-opts="${nic}5 $rx_net" \
			--exec "bash $top/build/$rx/tests/pair-guest.sh receiver2 $top/build/$rx $top/$shared" \
			>"$shared/console-receiver2.log" 2>&1 </dev/null 9>&- &
		rx2pid=$!
	else
		# Under the lock: no other run picks a port meanwhile.
		port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		rx_net="-netdev socket,id=h0,listen=127.0.0.1:$port"
		tx_net="-netdev socket,id=h0,connect=127.0.0.1:$port"
	fi
	shift 3
	timeout 1500 vng --run "/boot/vmlinuz-$rx" "${common[@]}" \
		--qemu-opts="${nic}2 $rx_net" \
		--exec "bash $top/build/$rx/tests/pair-guest.sh receiver $top/build/$rx $top/$shared" \
		>"$shared/console-receiver.log" 2>&1 </dev/null 9>&- &
	rxpid=$!
	# The listening side first: once its QEMU listens (ss, not a connect,
	# which that QEMU would take for the cable's other end). On the
	# switch, any order.
	for _ in $(seq 300); do
		[ -z "$port" ] || [ -n "$(ss -Hltn "sport = :$port")" ] && break
		sleep 0.1
	done
	timeout --foreground 1500 vng --run "/boot/vmlinuz-$tx" "${common[@]}" \
		--qemu-opts="${nic}1 $tx_net" \
		--exec "env ${KUDP_RELIABLE_SIZE:+KUDP_RELIABLE_SIZE=$KUDP_RELIABLE_SIZE} ${KUDP_PAIR_SIZE:+KUDP_PAIR_SIZE=$KUDP_PAIR_SIZE} bash $top/build/$tx/tests/pair-guest.sh sender $top/build/$tx $top/$shared $*" \
		2>"$shared/console-sender.log" </dev/null 9>&-
	rc=$?
	touch "$shared/done"
	[ -z "$rx2pid" ] || touch "$shared/rx2/done"
	wait $rxpid $rx2pid
	switch_stop
	trap - EXIT
	vm_unlock
	return $rc
}

# count RESULT_FILE: add the "PASSED FAILED" a guest wrote to the totals;
# 1 if there is none.
count() {
	local p f
	[ -f "$1" ] || return 1
	read -r p f <"$1"
	passed=$((passed + p))
	failed=$((failed + f))
}

# run_one KVER: the suites of $suites but pair, in one guest of KVER; with
# main, on the last kernel, the once suite; on the others, by default, the
# every suite instead of main, small and reliable (tests/guest.sh says
# why), with 5 rounds of load and unload (what differs between kernels
# there is init's and exit's calls, not what repeating them finds).
run_one() {
	local kver=$1 one all sel t0 rc secs rounds=20 tag=${KUDP_TAG:-suite}
	one=$(echo ",$suites," | sed 's/,pair,/,/; s/^,//; s/,$//')
	[ -n "$one" ] || return 0
	if [ "$kver" = "$(echo $kernels | awk '{ print $NF }')" ]; then
		[[ ",$one," == *,main,* && ",$one," != *,once,* && -z ${KUDP_NO_ONCE:-} ]] &&
			one=${one/main/main,once}
	elif [ -z "${KUDP_SUITES:-}" ] && [ -z "$debug" ]; then
		one=every
		rounds=5
	fi
	if [ -n "${KUDP_TESTS:-}" ]; then
		# A test without its suites tag fails the list (it says which).
		if ! all=$(bash tests/$guest - - --list "$one"); then
			echo "not ok - $kver: tests/$guest - - --list $one failed"
			failed=$((failed + 1))
			return 0
		fi
		sel=$(for t in $all; do
			case " $KUDP_TESTS " in *" $t "*) echo "$t" ;; esac
		done)
		[ -n "$sel" ] || return 0
	fi
	t0=$(date +%s)
	KUDP_LOAD_ROUNDS=${KUDP_LOAD_ROUNDS:-$rounds} boot "$kver" "$mem" "$tag" "$one" ${KUDP_TESTS:-} |
		sed -u "s/^/    /"
	rc=${PIPESTATUS[0]}
	secs=$(($(date +%s) - t0))
	echo "# time: the guest of $kver ($one): $secs s"
	[ -n "${KUDP_TIMES:-}" ] && echo "guest $kver${KUDP_TAG:+ ($one)}|$secs" >>"$KUDP_TIMES"
	count build/$kver/out-$tag/result
	if [ $? -ne 0 ] || [ "$rc" -ne 0 ]; then
		echo "not ok - $kver: guest exited with $rc (console: build/$kver/console-$tag.log)"
		tail -n 30 "build/$kver/console-$tag.log" | sed 's/^/# /'
		[ -f build/$kver/out-$tag/result ] || failed=$((failed + 1))
	fi
}

# pair_stage TX RX N: one boot of the two-machine suite (boot_pair TX RX
# N), with KUDP_TESTS (tests/pair-guest.sh runs those of the boot's kind,
# or all of them): its time, its result counted.
pair_stage() {
	local tx=$1 rx=$2 n=$3 t0 secs shared=build/pair-$1-$2 guests="two guests" consoles=sender,receiver
	if [ "$n" = 3 ]; then
		shared=build/group-$tx-$rx guests="three guests" consoles=sender,receiver,receiver2
		echo "# three machines on one switch: $tx sends, two guests of $rx receive"
	else
		echo "# two machines: $tx sends, $rx receives"
	fi
	t0=$(date +%s)
	boot_pair "$tx" "$rx" "$n" ${KUDP_TESTS:-} | sed -u "s/^/    /"
	secs=$(($(date +%s) - t0))
	echo "# time: the $guests, $tx to $rx: $secs s"
	if [ -n "${KUDP_TIMES:-}" ]; then
		if [ "$n" = 3 ]; then
			echo "group $tx to $rx|$secs" >>"$KUDP_TIMES"
		else
			echo "pair $tx to $rx|$secs" >>"$KUDP_TIMES"
		fi
	fi
	if ! count $shared/result; then
		echo "not ok - $tx to $rx: the $guests gave no result (consoles: $shared/console-{$consoles}.log)"
		tail -n 20 "$shared/console-sender.log" | sed 's/^/# /'
		failed=$((failed + 1))
	fi
}

# run_pair TX RX: the two-machine suite, TX's guest sending to RX's: the
# pair_ and bench_ tests on the cable (two guests), then the group tests
# (PAIR_GROUP_TESTS of tests/pair-guest.sh) in a boot of their own, with a
# second guest of RX receiving, the three on a vde_switch. Not the cable's
# tests on the switch: it loses frames whenever a receiving guest lags,
# where the cable holds them (TCP). vde_switch sends to a port without
# blocking and drops the frame on EAGAIN, once the guest's QEMU has not
# read the few before it (a unix datagram socket's queue: the host's
# net.unix.max_dgram_qlen, 10): 660 of pair_message's 11398 datagrams lost
# on 2026-12-08 (77 another time, each an EAGAIN in strace), and its
# pair_zerocopy, pair_gso_gro, pair_jumbo, pair_rate and pair_peer_flood
# failed with it. (That queue at 1024 did not save an unpaced 16 MiB in
# mode=raw to two guests either: 2.2 MB lost. The group tests pace
# mode=raw, as a LAN of slow boards needs too; mode=reliable repairs.)
# Each boot when KUDP_TESTS, if set, names one of its tests (PAIR_GROUP_TESTS
# or PAIR_GROUP_NAMED): the group tests by name, as the one-guest suites
# have group_ tests too (tests/guest/92-group.sh).
run_pair() {
	local tx=$1 rx=$2 t cable="" group=""
	if [ -z "${KUDP_TESTS:-}" ]; then
		cable=1 group=1
	else
		[[ " $KUDP_TESTS" == *" pair_"* || " $KUDP_TESTS" == *" bench_"* ]] && cable=1
		for t in $(sed -n 's/^PAIR_GROUP_\(TESTS\|NAMED\)="\(.*\)"$/\2/p' tests/pair-guest.sh); do
			[[ " $KUDP_TESTS " == *" $t "* ]] && group=1
		done
	fi
	[ -z "$cable" ] || pair_stage "$tx" "$rx" 2
	[ -z "$group" ] || pair_stage "$tx" "$rx" 3
}

# The test tools and kudpctl: built once, by --build or a whole run.
build_tools() {
	# The test tools in C: the ioctls through the project's UAPI header, a
	# flood of datagrams, the kernel log by sequence number, the resident
	# Python's client.
	mkdir -p build
	for t in kudp_ioctl flood kmsg py; do
		if gcc -O2 -Wall -Wextra -Werror -Iinclude/uapi -o build/$t tests/$t.c; then
			echo "ok - tests/$t.c builds (no warning)"
			passed=$((passed + 1))
		else
			echo "not ok - tests/$t.c builds (no warning)"
			failed=$((failed + 1))
		fi
	done
	# The user-space implementation of the reliable mode against itself (the
	# guests run it against the modules).
	if python3 tests/reliable.py selftest >build/reliable-selftest.log 2>&1; then
		echo "ok - tests/reliable.py selftest"
		passed=$((passed + 1))
	else
		sed 's/^/# /' build/reliable-selftest.log
		echo "not ok - tests/reliable.py selftest"
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
}

echo "KTAP version 1"
[ -n "$built_before" ] || build_tools

built=""
for kver in $kernels; do
	echo "# kernel $kver"
	if [ -n "$built_before" ]; then
		if [ ! -f "build/$kver/send_udp.ko" ] || [ ! -f "build/$kver/receive_udp.ko" ]; then
			echo "not ok - modules for $kver: none in build/$kver (KUDP_BUILT: run tests/run.sh --build first)"
			failed=$((failed + 1))
			continue
		fi
	elif ! build "$kver"; then
		echo "not ok - build for $kver"
		failed=$((failed + 1))
		continue
	else
		echo "ok - build for $kver (no compiler or sparse warning)"
		passed=$((passed + 1))
	fi
	built="$built $kver"
	[ "$mode" = build ] && continue

	if [ "$mode" = demo ]; then
		boot "$kver" 1G demo demo
		exit $?
	fi

	run_one "$kver"
done

# The two-machine suite after the one-guest ones: the static checks that
# make check runs beside the first guest are over before two guests share
# the cores.
if [ "$mode" != build ] && [[ ",$suites," == *,pair,* ]]; then
	pairs=${KUDP_PAIRS:-$(echo $kernels | awk '{ print $NF ":" $1 }')}
	[ "$pairs" = same ] && pairs=$(for k in $kernels; do echo "$k:$k"; done)
	for p in $pairs; do
		tx=${p%%:*} rx=${p#*:}
		if [[ " $built " != *" $tx "* || " $built " != *" $rx "* ]]; then
			echo "not ok - two machines, $tx to $rx: no modules built for both"
			failed=$((failed + 1))
			continue
		fi
		run_pair "$tx" "$rx"
	done
fi

echo "# run time $(($(date +%s) - start)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
