#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: every check of the project, each section timed.
# make quick (check.sh --quick): the edit-test loop: setup, the unit tier,
# the static checks and the main suite on the newest kernel only.
#
#   1. setup     scripts/setup.sh (installs what is missing)
#   1b. unit     make unit: the modules' pure code in user space (tests/unit),
#                in seconds; first, so that a broken parser fails before
#                any guest boots
#   2. static    make lint: checkpatch, kernel-doc, coccinelle, cppcheck,
#                gcc -fanalyzer (make static is these and sparse, which
#                the builds of 4 run)
#   3. dkms      scripts/dkms-check.sh
#   3b. cross    make cross (scripts/cross.sh): the modules for Debian's
#                arm64, armmp and s390x kernels, kudpctl for each
#   3c. deb      make deb (scripts/deb.sh): the Debian packages, lintian.
#                (make deb-check installs them in a guest: some 27 minutes
#                under TCG, most of it DKMS compiling; not run here.)
#   3d. arm      tests/arm.sh, after cross: Debian's arm64 (6.1, 6.12),
#                armmp (6.1) and s390x (6.1) kernels under
#                qemu-system-aarch64/-arm/-s390x, the cross-built modules
#                and kudpctl in a busybox initramfs (80 s alone)
#   4. build     tests/run.sh --build: the test tools, reliable.py's
#                selftest, kudpctl, and the modules for every Debian
#                kernel, warning-free and sparse-clean
#   5. guests    two lanes of guests (tests/run.sh KUDP_BUILT=1): the
#                newest kernel's main suite; beside it the older kernels'
#                every suite ("every"), then the debug kernel's pass
#                ("debug", if that kernel is already built:
#                scripts/debug-kernel.sh --cached; then lane one also runs
#                the once, small and reliable suites), or else the newest
#                kernel's once, small and reliable suites ("small")
#   6. pair      the two-machine suite, 6.12 sending to 6.1, alone
#
# Sections 2 and 3 run in one chain in the background (SCHED_IDLE) while
# the x86 guests boot and test, and their output is printed once they
# end. The ARM guests take no lock of tests/vmlock.sh there
# (KUDP_VM_BESIDE).
# Every section runs even if an earlier one failed; the end shows the time
# of each (and of each guest) and the total, and the exit status is
# non-zero if any failed.
#
# Only one make check at a time on a machine: two would share its cores
# (and wait for each other's guests). A second one refuses to start.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

lock=/tmp/kudp-check.lock
exec 8>>"$lock"
if ! flock -n 8; then
	echo "check: another make check is running on this machine ($(cat "$lock")); not starting a second one" >&2
	exit 1
fi
: >"$lock"
echo "pid $$, started $(date '+%F %T')" >>"$lock"

start=$(date +%s)
mkdir -p build
times=build/check-times
: >"$times"
failed=""

# section NAME CMD...: run CMD, record its time and whether it failed.
section() {
	local name=$1 t0=$(date +%s) rc
	shift
	echo "== $name"
	"$@"
	rc=$?
	echo "$name|$(($(date +%s) - t0))|$rc" >>"$times"
	[ $rc -eq 0 ] || failed="$failed $name"
	return $rc
}

quick=false
[ "${1:-}" = --quick ] && quick=true

section setup scripts/setup.sh || exit 1
section unit make -s unit

# background NAME CMD...: CMD with its output in build/NAME.log and its
# time and status in build/NAME.time, for report (below), once it ended.
# (The status is taken before any other expansion: $? after a command
# substitution is that substitution's.)
background() {
	local name=$1 t0=$(date +%s) rc
	shift
	"$@" >build/$name.log 2>&1
	rc=$?
	echo "$name|$(($(date +%s) - t0))|$rc" >build/$name.time
}

# report NAME...: the output, time and status of what background ran.
report() {
	local s
	for s in "$@"; do
		echo "== $s (ran beside the guests)"
		cat build/$s.log
		cat build/$s.time >>"$times"
		[ "$(cut -d'|' -f3 build/$s.time)" = 0 ] || failed="$failed $s"
	done
}

# The static checks, builds and packages, and the ARM guests, in one chain
# beside the x86 guests, under SCHED_IDLE: they take the cores when a
# guest waits (a timer, an idle completion), and the guests' time is what
# the run waits for. Not nice 19: a guest's vCPU that wakes then waits for
# the rest of the niced task's slice (the scheduler's EEVDF), thousands of
# times a second under TCG; a SCHED_IDLE task is preempted at once.
# (Measured on 2026-12-07, the ARM guests beside the 6.12 guest at nice
# 19: its tests took 457 s instead of 384.) Sparse is not among the static
# checks here: the build section runs it on every file, against each
# kernel (tests/run.sh --build names the files).
if $quick; then
	bg_sections="static"
else
	bg_sections="static cross arm dkms deb"
fi
(
	idle="chrt --idle 0"
	if $quick; then
		background static $idle make -s static
		exit
	fi
	background static $idle make -s lint
	background cross $idle scripts/cross.sh
	# What make cross built, on its guests. Under SCHED_IDLE too: at the
	# guests' own priority they took their share from the debug pass (881
	# s, not 811) and, without it, from the two-machine suite. Their tests
	# leave room for an emulated CPU held off the cores for seconds
	# (tests/arm-guest.sh).
	background arm $idle env KUDP_VM_BESIDE=1 tests/arm.sh
	background dkms $idle scripts/dkms-check.sh
	background deb $idle scripts/deb.sh
) 8>&- &
bg=$!

kernels=$(ls /boot/vmlinuz-* 2>/dev/null | sed 's|/boot/vmlinuz-||' | sort -V)
newest=$(echo "$kernels" | tail -n 1)
if $quick; then
	KUDP_TIMES=$top/$times KUDP_KERNELS=$newest KUDP_SUITES=main KUDP_NO_ONCE=1 \
		KUDP_LOAD_ROUNDS=8 section guests tests/run.sh
	wait $bg
else
	# The guests in two lanes, then the two-machine suite alone. Two
	# guests at once each take 1.8 times as long, but each also waits
	# (timers, the idle rule), so the lanes end sooner than the guests one
	# after the other (measured on 2026-12-07: 1071 s against 1227 with
	# the debug pass; the 6.1 and 6.12 guests alone, 602 against 664).
	# Lane one: the newest kernel's main suite (8 rounds of load and
	# unload). Lane two, beside it: the older kernels' every suite, then
	# either the debug kernel's pass, if that kernel is built
	# (scripts/debug-kernel.sh --cached), or else the newest kernel's once,
	# small and reliable suites, in a guest of their own (measured on
	# 2026-12-07: lane one 585 s, lane two 458 s with once in lane one).
	# The debug pass: the tests that run in several contexts or tear down
	# under load (each context once), 2 rounds of load and unload, fault
	# injection (one half of init's allocations, at random, and 1 round
	# of fault_transfer), 20 s of the fuzzer and kmemleak; make
	# check-debug runs every suite there, and every allocation. With it,
	# lane one also runs the once, small and reliable suites, at nice 3:
	# lane two has more to do, and so the two end together (measured on
	# 2026-12-07: 965 and 981 s from the start, against 851 and 1059 at
	# the same priority). The guests' timing checks leave room for a guest
	# twice as slow (the debug kernel's own pace). The two-machine suite
	# waits for both lanes: its paced transfers count on a receiving guest
	# that is never held off its core for 300 ms (t_pair_rate).
	section build tests/run.sh --build
	older=$(echo "$kernels" | head -n -1)
	debug_dir=$(scripts/debug-kernel.sh --cached) || debug_dir=""
	if [ -n "$debug_dir" ]; then
		lane_one="main,small,reliable" lane_one_env="" lane_one_nice="nice -n 3"
		lane_sections="${older:+every }debug"
	else
		lane_one="main" lane_one_env="KUDP_NO_ONCE=1" lane_one_nice=""
		lane_sections="${older:+every }small"
	fi
	(
		[ -z "$older" ] ||
			background every env KUDP_BUILT=1 KUDP_VM_BESIDE=1 KUDP_TIMES=$top/$times.every \
				KUDP_KERNELS="$older" KUDP_SUITES=every KUDP_LOAD_ROUNDS=5 tests/run.sh
		if [ -n "$debug_dir" ]; then
			background debug env KUDP_VM_BESIDE=1 KUDP_TIMES=$top/$times.debug \
				KUDP_DEBUG_KERNEL=$debug_dir KUDP_SUITES=contexts,fuzz KUDP_LOAD_ROUNDS=2 \
				KUDP_FUZZ_SECONDS=20 KUDP_FAULT_ROUNDS=1 KUDP_FAULT_STRIDE=2 tests/run.sh
		else
			background small env KUDP_BUILT=1 KUDP_VM_BESIDE=1 KUDP_TIMES=$top/$times.small \
				KUDP_KERNELS=$newest KUDP_SUITES=once,small,reliable KUDP_TAG=small tests/run.sh
		fi
	) 8>&- &
	lane=$!
	KUDP_BUILT=1 KUDP_TIMES=$top/$times KUDP_KERNELS=$newest KUDP_SUITES=$lane_one \
		KUDP_LOAD_ROUNDS=8 section guests $lane_one_nice env $lane_one_env tests/run.sh
	wait $lane
	[ -n "$debug_dir" ] ||
		echo "== debug: skipped (no debug kernel built: make check-debug builds it, about 9 min, and runs every suite on it)"
	for s in $lane_sections; do
		cat $times.$s >>"$times" 2>/dev/null
		rm -f $times.$s
	done
	report $lane_sections
	KUDP_BUILT=1 KUDP_TIMES=$top/$times KUDP_SUITES=pair section pair tests/run.sh
	wait $bg
fi

report $bg_sections

echo "== time"
while IFS='|' read -r name secs rc; do
	printf '%-44s %5d s  %s\n' "$name" "$secs" "$([ "${rc:-0}" = 0 ] && echo ok || echo FAILED)"
done <"$times"
printf '%-44s %5d s\n' total "$(($(date +%s) - start))"
if [ -n "$failed" ]; then
	echo "check: FAILED:$failed"
	exit 1
fi
echo "check: all passed"
