#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The suite on the debug kernel (scripts/debug-kernel.sh). Run in the guest
# by tests/run.sh when KUDP_DEBUG_KERNEL is set, with guest.sh's arguments:
#
#   debug-guest.sh MODDIR OUTDIR SUITE[,SUITE...] [TEST...]
#
# Around tests/guest.sh (whose log scan fails a test on any KASAN, lockdep,
# UBSAN, debug-objects or atomic-sleep report):
#  - before it, the kernel's jiffies: what leaked before (while booting)
#    is not ours, and the scan at the end leaves it out, by the jiffies
#    at which kmemleak says each object was allocated (one scan less than
#    scanning at the start and clearing: some 20 s);
#  - the big suite with a 256 MiB buffer instead of 4 GiB (KUDP_BIG_SIZE):
#    under KASAN and TCG the 4 GiB test alone would take most of the
#    budget; the checkers see the same code paths at any size, and the
#    4 GiB transfer itself runs on the Debian kernels (make check-slow);
#  - after the main (or contexts) suite, the fault-injection tests
#    (tests/fault.sh, also selected by the test name "fault");
#  - at the end, with the modules unloaded, two kmemleak scans: any
#    suspected leak fails the run ("ok - kmemleak ..."), and is printed.
# The results of these extra tests are added to OUTDIR/result.
set -u

MOD=$1
OUT=$2
SUITE=$3
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
KL=/sys/kernel/debug/kmemleak

# with_fault SUITES: whether the fault-injection tests follow these suites.
with_fault() { [[ ",$1," == *,main,* || ",$1," == *,contexts,* ]]; }

if [ "$SUITE" = --list ]; then
	bash "$HERE/guest.sh" "$@" || exit
	with_fault "$4" && echo fault
	exit 0
fi
shift 3
ONLY="$*"

mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug

# kmemleak_scan FILE: scan twice (an object must be found unreferenced, and
# be at least 5 s old, to be reported) and save the report to FILE.
kmemleak_scan() {
	echo scan >$KL &&
		sleep 6 &&
		echo scan >$KL &&
		cat $KL >"$1"
}

# jiffies_now: the kernel's jiffies (/proc/timer_list has them).
jiffies_now() { awk '/^jiffies:/ { print $2; exit }' /proc/timer_list; }

# since_start FILE: the objects of kmemleak_scan's FILE allocated at or
# after START (jiffies), whole ("  comm "...", pid N, jiffies J").
since_start() {
	awk -v start="$START" '
		/^unreferenced object/ { if (keep) printf "%s", obj; obj = ""; keep = 0 }
		/^  comm / && match($0, /jiffies [0-9]+/) { keep = substr($0, RSTART + 8, RLENGTH - 8) + 0 >= start + 0 }
		{ obj = obj $0 "\n" }
		END { if (keep) printf "%s", obj }' "$1"
}

if [ ! -w $KL ]; then
	diag "no $KL: is this the debug kernel?"
	echo "0 1" >"$OUT/result"
	exit 0
fi
START=$(jiffies_now)
[ -n "$START" ] || { diag "no jiffies in /proc/timer_list"; echo "0 1" >"$OUT/result"; exit 0; }

export KUDP_BIG_SIZE=$((256 << 20))
# One resident Python for guest.sh's tests and fault.sh's.
py_serve "$OUT/pyserve.log"
seq=$($KMSG last)
bash "$HERE/guest.sh" "$MOD" "$OUT" "$SUITE" "$@"
[ "$SUITE" = demo ] && exit 0
read -r passed failed <"$OUT/result" || { passed=0; failed=1; }

if with_fault "$SUITE" && { [ -z "$ONLY" ] || [[ " $ONLY " == *" fault "* ]]; }; then
	bash "$HERE/fault.sh" "$MOD" "$OUT"
	if read -r p f <"$OUT/fault-result"; then
		passed=$((passed + p))
		failed=$((failed + f))
	else
		echo "not ok - fault injection: no result"
		failed=$((failed + 1))
	fi
fi

# The modules are unloaded (guest.sh's runner unloads them after each
# test): whatever they allocated is gone or leaked.
if ! kmemleak_scan "$OUT/kmemleak-all.txt"; then
	# kmemleak disables itself after an internal error (it says why).
	echo "not ok - kmemleak: no scan after the $SUITE suite (disabled?)"
	$KMSG since "$seq" | grep kmemleak | sed 's/^/#   /'
	failed=$((failed + 1))
else
	since_start "$OUT/kmemleak-all.txt" >"$OUT/kmemleak.txt"
	boot=$(($(grep -c '^unreferenced object' "$OUT/kmemleak-all.txt") - $(grep -c '^unreferenced object' "$OUT/kmemleak.txt")))
	diag "kmemleak: $boot suspects allocated before the suite began (at jiffies $START; not ours: kmemleak-all.txt)"
	if n=$(grep -c '^unreferenced object' "$OUT/kmemleak.txt"); [ "$n" -eq 0 ]; then
		echo "ok - kmemleak: no leak after the $SUITE suite"
		passed=$((passed + 1))
	else
		echo "not ok - kmemleak: $n suspected leaks after the $SUITE suite"
		sed 's/^/#   /' "$OUT/kmemleak.txt"
		failed=$((failed + 1))
	fi
fi
$KMSG since "$seq" >"$OUT/kmsg-all.log"
echo "$passed $failed" >"$OUT/result"
echo "# $SUITE on the debug kernel: $passed passed, $failed failed"
exit 0
