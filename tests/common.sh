# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash disable=SC2034
#
# The helpers every guest suite shares, in POSIX sh (local aside, which
# bash, dash and busybox ash all have): sourced by tests/lib.sh (bash: the
# x86 suites, tests/guest.sh with tests/guest/*.sh, and
# tests/pair-guest.sh) and by tests/arm-guest.sh (busybox sh in the ARM
# and s390x initramfs, packed next to it by tests/arm.sh). The sourcing
# script sets MOD (the directory of send_udp.ko and receive_udp.ko) first.
# The paths and BAD are for the suites (hence SC2034 off: shellcheck sees
# them unused here).

S=/sys/module/send_udp/parameters
R=/sys/module/receive_udp/parameters
DS=/sys/class/send_udp/send_udp
DR=/sys/class/receive_udp/receive_udp
# What fails a test when the kernel logs it ("Unable to handle" and
# "Internal error" begin an oops on ARM).
BAD='BUG:|WARNING:|Oops|general protection|sleeping function called from invalid context|scheduling while atomic|INFO: task .* blocked|Call Trace|KFENCE|UBSAN|KASAN|kmemleak|circular locking|inconsistent lock state|possible recursive locking|suspicious RCU usage|lockdep|DEBUG_LOCKS_WARN_ON|unreferenced object|ODEBUG|Unable to handle|Internal error'

diag() { echo "# $*"; }

# fail MESSAGE: explain a failure (the test function then returns 1).
fail() { diag "FAIL: $*"; return 1; }

# expect WHAT EXPECTED ACTUAL
expect() {
	[ "$2" = "$3" ] && return 0
	diag "FAIL: $1: expected '$2', saw '$3'"
	return 1
}

# loaded MODULE: whether MODULE is loaded (its /sys/module directory lives
# from the load to the unload; a test, not a grep of /proc/modules: a
# process costs 50 to 150 ms under emulation, and the runner asks after
# every test).
loaded() { [ -d "/sys/module/$1" ]; }

# The tests' receiver completes a message 1 s after its last datagram
# (idle=1), not the specification's 5 s: a test that times the 5 s rule
# loads it with insmod, or passes idle=5 (the last value given counts).
load_rx() { insmod "$MOD/receive_udp.ko" buffer_size=1M idle=1 "$@"; }
load_tx() { insmod "$MOD/send_udp.ko" buffer_size=1M "$@"; }

# unload_all: unload whichever of the two is loaded (one rmmod for both:
# the runner calls this after every test).
unload_all() {
	local m mods=
	for m in send_udp receive_udp; do
		loaded $m && mods="$mods $m"
	done
	[ -z "$mods" ] || rmmod $mods
	! loaded send_udp && ! loaded receive_udp
}

# wait_for SECONDS CMD...: retry CMD every 0.1 s, for up to SECONDS.
wait_for() {
	local n=$(($1 * 10))
	shift
	while [ $n -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}
