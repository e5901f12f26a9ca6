#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Fault injection on the debug kernel (scripts/debug-kernel.sh): failslab
# and fail_page_alloc aimed at the modules' code only. Run as root in the
# guest by tests/debug-guest.sh, after the main suite:
#
#   fault.sh MODDIR OUTDIR
#
# Both fault attributes get a stack-trace filter (require-start/end) on the
# module area: an allocation fails only if a function of send_udp or
# receive_udp is on its stack (they are the only modules the guest ever
# loads; everything else is built in). Then:
#
#   fault_insmod_walk   each allocation of each module's init fails in turn
#                       (fail-nth, tests/failnth.py; with
#                       KUDP_FAULT_STRIDE=K, a K-th of them: those of
#                       one remainder mod K, chosen at random and printed,
#                       KUDP_FAULT_OFFSET=O to choose): every failed load
#                       returns an errno, logs a line of the module's own
#                       and leaves nothing loaded (4 KiB buffers here:
#                       fail-nth also walks the vmalloc's page allocations),
#                       the two modules' walks at once, while another
#                       process keeps opening both devices
#   fault_transfer      6 times (KUDP_FAULT_ROUNDS): load, then
#                       transfer (sysfs and the devices) and unload
#                       with 20 % of the modules'
#                       allocations failing (at load, nearly every init
#                       would fail: the walk covers those): failures are
#                       errnos, the modules always unload, and once
#                       injection stops a transfer works again
#
# Any BUG, WARNING, KASAN, lockdep, UBSAN, debug-objects report fails the
# test (the scan of tests/lib.sh, minus "Call Trace": an injected page
# allocation failure makes warn_alloc() print a stack dump, which is the
# allocator's normal report, not a bug; every real report has a title line
# that still matches). Leaks: debug-guest.sh scans kmemleak after this.
# Prints "ok - ..." / "not ok - ..." and writes "PASSED FAILED" to
# OUTDIR/fault-result.
set -u

MOD=$1
OUT=$2
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
DBG=/sys/kernel/debug
# The suite's log scan, minus "Call Trace" (see above).
BAD=${BAD//|Call Trace/}
# Reports caused by the injection itself, not by the modules: kmemleak's own
# metadata allocation for a scan area failed (it then scans the whole
# object; its object allocations fall back to a reserved pool).
NOISE='kmemleak: Cannot allocate a scan area'
# The x86_64 module area (MODULES_VADDR..MODULES_END) of a kernel without
# KASLR, as the debug kernel is built: __START_KERNEL_map + 512 MiB up to
# 0xffffffffff000000. Checked below against where the modules really land.
MOD_START=0xffffffffa0000000
MOD_END=0xffffffffff000000
# Rounds of fault_transfer (KUDP_FAULT_ROUNDS: make check's debug pass
# runs 1): 12 to 35 s each on the debug kernel under TCG.
ROUNDS=${KUDP_FAULT_ROUNDS:-6}
# The walk's stride (make check's debug pass: 2, each run one half of the
# allocations, at random; make check-debug: 1, all of them).
STRIDE=${KUDP_FAULT_STRIDE:-1}
OFFSET=${KUDP_FAULT_OFFSET:-$((RANDOM % STRIDE))}

# scan SEQ: the bad lines the kernel logged since SEQ.
scan() { $KMSG since "$1" | grep -E "$BAD" | grep -vE "$NOISE"; }

# fi_set ATTR PROBABILITY: aim failslab or fail_page_alloc at the modules,
# failing PROBABILITY % of their allocations (0: only fail-nth).
fi_set() {
	local d=$DBG/$1
	echo 0 >"$d/probability"
	echo 1 >"$d/interval"
	echo -1 >"$d/times"
	echo 0 >"$d/space"
	echo 1 >"$d/verbose"
	echo 1000 >"$d/verbose_ratelimit_burst"
	echo N >"$d/task-filter"
	echo 32 >"$d/stacktrace-depth"
	echo "$MOD_START" >"$d/require-start"
	echo "$MOD_END" >"$d/require-end"
	echo 0 >"$d/reject-start"
	echo 0 >"$d/reject-end"
	echo N >"$d/ignore-gfp-wait"
	case $1 in
	failslab) echo N >"$d/cache-filter" ;;
	fail_page_alloc)
		echo N >"$d/ignore-gfp-highmem"
		echo 0 >"$d/min-order"
		;;
	esac
	echo "$2" >"$d/probability"
}

fi_off() {
	echo 0 >$DBG/failslab/probability
	echo 0 >$DBG/fail_page_alloc/probability
}

# ------------------------------------------------------------------ tests

t_fault_setup() {
	[ -d $DBG/failslab ] && [ -d $DBG/fail_page_alloc ] ||
		fail "no $DBG/failslab or fail_page_alloc: not the debug kernel?" || return 1
	# The module area is where the modules land.
	insmod "$MOD/receive_udp.ko" buffer_size=64K || return 1
	local text=$(</sys/module/receive_udp/sections/.text)
	rmmod receive_udp || return 1
	$PY -c "import sys; sys.exit(not ($MOD_START <= $text < $MOD_END))" ||
		fail "receive_udp's .text at $text is outside $MOD_START-$MOD_END" || return 1
	fi_set failslab 0 && fi_set fail_page_alloc 0
}

# walk MODULE PARAMS...: fail the 1st, 2nd, ... allocation of MODULE's init
# until it makes no more (tests/failnth.py checks each load).
walk() {
	local m=$1
	shift
	$PY "$HERE/failnth.py" --stride "$STRIDE:$OFFSET" "$BAD" "$NOISE" "$MOD/$m.ko" "$@"
}

# keep_opening: open and close both devices, as fast as a shell can, until
# killed. A device that goes live before init can still fail would let a
# file stay open on a module that the failed init frees.
keep_opening() {
	local d
	for (( ; ; )); do
		for d in /dev/receive_udp /dev/send_udp; do
			{ exec 3<"$d"; } 2>/dev/null && exec 3<&-
		done
	done
}

t_fault_insmod_walk() {
	local ok=0 opener rx
	[ "$STRIDE" -eq 1 ] || diag "the allocations N with N mod $STRIDE = $OFFSET (KUDP_FAULT_STRIDE=$STRIDE KUDP_FAULT_OFFSET=$OFFSET)"
	keep_opening &
	opener=$!
	# Both walks at once, on the guest's two CPUs: fail-nth counts the
	# allocations of its own thread only, and failnth.py takes only its
	# module's lines for its own.
	walk receive_udp buffer_size=4K >"$TMP/walk-rx" &
	rx=$!
	# data=: init also sends, through the path of a data write.
	walk send_udp buffer_size=4K data=hello || ok=1
	wait $rx || ok=1
	cat "$TMP/walk-rx"
	kill $opener
	wait $opener 2>/dev/null
	unload_all || ok=1
	return $ok
}

# One round: load (no injection: fault_insmod_walk covers every allocation
# of init), then transfer and unload while 20 % of the modules' allocations
# fail. Every step may fail; none may crash, hang, warn or leak.
round() {
	insmod "$MOD/receive_udp.ko" buffer_size=256K && insmod "$MOD/send_udp.ko" buffer_size=256K ||
		fail "insmod without injection" || return 1
	fi_set failslab 20 && fi_set fail_page_alloc 20
	echo hello >$S/data 2>/dev/null || diag "write data: failed"
	sleep 0.5
	timeout 60 $STREAM send 200000 >/dev/null 2>&1 || diag "write /dev/send_udp: failed"
	sleep 1
	cat $R/state $R/drops $S/last_error >/dev/null 2>&1
	# A message completes 5 s (idle) after its last datagram; where both
	# sends failed whole, there is none to wait 60 s for.
	timeout 15 $STREAM recv >/dev/null 2>&1
	rmmod send_udp || fail "rmmod send_udp while allocations fail" || return 1
	rmmod receive_udp || fail "rmmod receive_udp while allocations fail" || return 1
	fi_off
}

t_fault_transfer() {
	local i ok=0 seq=$($KMSG last)
	for i in $(seq $ROUNDS); do
		round || { fail "round $i"; ok=1; fi_off; unload_all; break; }
	done
	fi_off
	local injected=$($KMSG since "$seq" | grep -c 'FAULT_INJECTION: forcing a failure')
	diag "$ROUNDS rounds, $injected allocations failed"
	$KMSG since "$seq" | grep -E '^(send|receive)_udp: ' | grep -v 'ready:\|unloaded' |
		sed 's/[0-9]\+/N/g' | sort | uniq -c | sed 's/^/# logged: /'
	[ "$injected" -gt 0 ] || fail "no allocation failed" || ok=1
	local bad=$(scan "$seq")
	if [ -n "$bad" ]; then
		fail "the kernel log has:"
		echo "$bad" | head -n 60 | sed 's/^/#   /'
		ok=1
	fi
	# Without injection, a transfer works again.
	insmod "$MOD/receive_udp.ko" buffer_size=256K && insmod "$MOD/send_udp.ko" buffer_size=256K || return 1
	local src got
	src=$($STREAM send 200000) || return 1
	wait_seq 1 || return 1
	got=$($STREAM recv) || return 1
	[ "$(echo $src | cut -d' ' -f1-2)" = "$(echo $got | cut -d' ' -f1-2)" ] ||
		fail "after injection: sent $src, read back $got" || ok=1
	unload_all || ok=1
	return $ok
}

# A netlink event whose allocation fails is lost with a log line; the send
# itself goes on, and the next event is delivered. failslab is aimed at
# kudp_genl_notify() alone (require-start/end on its code), with a listener
# subscribed (no listener: nothing is allocated).
t_fault_event_alloc() {
	insmod "$MOD/receive_udp.ko" buffer_size=64K && insmod "$MOD/send_udp.ko" buffer_size=64K ||
		return 1
	local range seq i ev=/tmp/kudp-events
	range=$($PY -c '
syms = [l.split() for l in open("/proc/kallsyms") if l.rstrip().endswith("[send_udp]")]
fn = [int(a, 16) for a, _, name, _ in syms if name == "kudp_genl_notify"][0]
print(hex(fn), hex(min(int(a, 16) for a, *_ in syms if int(a, 16) > fn)))') ||
		fail "kudp_genl_notify not in /proc/kallsyms" || return 1
	fi_set failslab 0
	set -- $range
	echo "$1" >$DBG/failslab/require-start
	echo "$2" >$DBG/failslab/require-end
	echo 100 >$DBG/failslab/probability
	seq=$($KMSG last)
	rm -f $ev.ready
	$PY "$HERE/genl.py" listen send_udp --count 1 --timeout 10 --ready $ev.ready >$ev &
	local pid=$!
	for i in $(seq 100); do [ -e $ev.ready ] && break; sleep 0.1; done
	echo -n lost >$S/data || return 1
	if wait $pid; then
		fail "the listener got the event: $(<$ev)"
		return 1
	fi
	fi_off
	[ "$(<$S/last_error) $(</sys/class/send_udp/send_udp/messages)" = "0 1" ] ||
		fail "the send did not finish well" || return 1
	$KMSG since "$seq" | grep -q 'send_udp: event 6 of message 1 lost: error -12' ||
		fail "no log line for the lost event" || return 1
	rm -f $ev.ready
	$PY "$HERE/genl.py" listen send_udp --count 1 --timeout 30 --ready $ev.ready >$ev &
	pid=$!
	for i in $(seq 100); do [ -e $ev.ready ] && break; sleep 0.1; done
	echo -n found >$S/data || return 1
	wait $pid || fail "no event once allocations work" || return 1
	grep -q '^send_udp sent seq=2 bytes=5 ' $ev || fail "event: $(<$ev)" || return 1
	unload_all
}

# ------------------------------------------------------------------ runner

passed=0
failed=0
first=$($KMSG last)
TMP=$(mktemp -d)
for t in fault_setup fault_insmod_walk fault_transfer fault_event_alloc; do
	t0=$(date +%s)
	run_test "$t" 900
	rc=$?
	fi_off
	unload_all || { diag "FAIL: modules left loaded"; rc=1; }
	if [ $rc -eq 0 ]; then
		echo "ok - $t # $(($(date +%s) - t0)) s"
		passed=$((passed + 1))
	else
		echo "not ok - $t"
		failed=$((failed + 1))
		[ $t = fault_setup ] && break
	fi
done
$KMSG since "$first" >"$OUT/kmsg-fault.log"
echo "$passed $failed" >"$OUT/fault-result"
