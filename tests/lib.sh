# SPDX-License-Identifier: GPL-2.0
#
# The helpers of the kudp tests, sourced by tests/guest.sh (for the tests
# of tests/guest/*.sh, which it sources after this), tests/pair-guest.sh,
# tests/fault.sh and tests/debug-guest.sh (in the guest, as root). The
# sourcing script sets MOD (the directory of send_udp.ko and
# receive_udp.ko) and HERE (the tests' directory) first; TMP is the
# scratch directory of the running test (guest.sh's runner makes one per
# test). What the ARM guests' suite shares with these (diag, fail, expect,
# the module loaders, wait_for, the sysfs paths, BAD) is in
# tests/common.sh.

. "$HERE/common.sh"

# sleep SECONDS: the shell's own, without a process: a read that times out
# on a pipe that nobody writes to. The tests poll every 0.1 s (wait_for),
# and a process start costs 35 to 150 ms under emulation.
exec {NAP_FD}<> <(:)
sleep() { read -rt "$1" -u "$NAP_FD" _; return 0; }

# PY ARGS: python3 -S ARGS (-S: no site module; the helpers use the
# standard library alone), through the resident Python once py_serve has
# started it: a Python start is 0.5 to 1.5 s under software emulation, a
# request to the resident one some 0.1 s (tests/py.c, tests/pyserve.py).
PY=$HERE/py
[ -x "$PY" ] || PY="/usr/bin/python3 -S"
UDP="$PY $HERE/udp.py"
STREAM="$PY $HERE/stream.py"
GENL="$PY $HERE/genl.py"
# kudp's reliable mode in user space (Documentation/protocol.rst).
REL="$PY $HERE/reliable.py"
KMSG=$HERE/kmsg
IOCTL=$HERE/kudp_ioctl
FLOOD=$HERE/flood
KUDPCTL=$HERE/kudpctl
TMP=${KUDP_TMP:-}
# The log scan's self-test writes this tag: the scan of every other test
# ignores its lines.
SELFTEST_TAG='kudp-scan-selftest'

# py_serve LOG: start the resident Python that $PY asks, unless one runs
# already (a runner that calls another: debug-guest.sh, guest.sh); its
# complaints go to LOG. It lives as long as the guest, in the caller's
# process group (run_test kills a test's group, not it).
py_serve() {
	[ -n "${KUDP_PYSOCK:-}" ] && [ -S "$KUDP_PYSOCK" ] && return 0
	export KUDP_PYSOCK=/run/kudp-py.sock
	rm -f "$KUDP_PYSOCK"
	/usr/bin/python3 -S "$HERE/pyserve.py" "$KUDP_PYSOCK" </dev/null >>"$1" 2>&1 &
	wait_for 60 [ -S "$KUDP_PYSOCK" ] || { diag "the resident Python did not start: $(<"$1")"; unset KUDP_PYSOCK; }
}

# write FILE VALUE...: write each VALUE in one write(2) of its own, in quick
# succession, from one process; backslash escapes (\n) are decoded. Prints
# "ok" or the errno name for each, space-separated.
write() {
	$PY - "$@" <<'EOF'
import errno, os, sys
res = []
for val in sys.argv[2:]:
    try:
        fd = os.open(sys.argv[1], os.O_WRONLY)
        try:
            os.write(fd, val.encode().decode("unicode_escape").encode("latin-1"))
            res.append("ok")
        finally:
            os.close(fd)
    except OSError as e:
        res.append(errno.errorcode[e.errno])
print(" ".join(res))
EOF
}

# A shared key (mode=reliable, version 2), 64 hex digits.
KEY1=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f

# key_file NAME [HEX]: a key file $TMP/NAME of mode 0600 (reliable.py's and
# kudpctl's --key-file refuse another) holding HEX (KEY1).
key_file() { (umask 077 && echo "${2:-$KEY1}" >"$TMP/$1"); }

# since T0: the seconds since T0 (date +%s.%N), to a hundredth.
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'; }

# below A B: whether A < B (decimal numbers).
below() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

# debug_kernel: whether this guest runs scripts/debug-kernel.sh's kernel.
debug_kernel() { [[ $(uname -r) == *-kudp-debug ]]; }

# rmmod_limit: the seconds an rmmod under load may take, the rmmod
# process's start included: 3, or 10 on the debug kernel, where KASAN,
# lockdep and kmemleak slow every step of the unload. Seen on 2026-12-04,
# a day this host ran at half its speed (the debug kernel's boot scans
# for leaks took 52 s, not 25): 1.61 s, and 5.40 s on the debug kernel.
# An rmmod that waits for a transfer or a flood takes longer still
# (rel_unload also checks the kernel log for the send's abort).
rmmod_limit() { if debug_kernel; then echo 10; else echo 3; fi; }

# The modules' states, for wait_for (reads, not greps: no process).
rx_complete() { [[ $(<$R/state) == complete* ]]; }
rx_started() { [ "$(<$R/state)" != empty ]; }
rx_receiving() { [ "$(<$R/state)" = receiving ]; }
tx_idle() { [ "$(<$S/state)" = idle ]; }

# small_machine MIB: make the guest look like a machine with MIB MiB of
# available memory, by holding the rest in the huge page pool (what the
# modules check, si_mem_available(), no longer counts it). The runner
# gives it back after each test (free_memory).
small_machine() {
	local avail page
	avail=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
	page=$(awk '/^Hugepagesize:/ { print int($2 / 1024) }' /proc/meminfo)
	[ "$avail" -gt "$1" ] || return 0
	echo $(((avail - $1) / page)) >/proc/sys/vm/nr_hugepages || return 1
	avail=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
	diag "a small machine: $avail MiB available, $(($(</proc/sys/vm/nr_hugepages) * page)) MiB held in huge pages"
	[ "$avail" -le $(($1 * 3 / 2)) ] || fail "could not hold the memory beyond $1 MiB"
}
free_memory() { echo 0 >/proc/sys/vm/nr_hugepages; }

# Lines the kernel logged since sequence number $1.
log_since() { $KMSG since "$1"; }

# scan_log SEQ: print the bad lines logged since SEQ (the second grep only
# when the first found any: the runner scans after every test).
scan_log() {
	local bad
	bad=$(log_since "$1" | grep -E "$BAD") || return 0
	echo "$bad" | grep -v "$SELFTEST_TAG"
}

# hold_loopback: after a 4 KiB burst, let 1 kbit/s through loopback (a
# token bucket), so that a send of a few hundred datagrams fills the
# socket's send buffer and stays blocked for minutes: a test can look at a
# send in progress however slow the machine is (netem would not do: it
# orphans the packets it holds, which frees the sender's buffer space).
# Datagrams above 4 KiB are dropped meanwhile. release_loopback undoes it,
# dropping what the bucket holds; the runner calls it after every test.
hold_loopback() {
	touch "$TMP/.loopback-held"
	modprobe sch_tbf && tc qdisc add dev lo root tbf rate 1kbit burst 4kb limit 10mb
}
release_loopback() { tc qdisc del dev lo root 2>/dev/null; true; }

# two_hosts: a second host beside this one, the network namespace "kudp",
# joined to it by a veth pair: kudp0 here (198.51.100.1/24), kudp1 there
# (198.51.100.2/24); run a command there with "ip netns exec kudp". A
# datagram sent from there comes in on kudp0. The runner removes both
# after each test.
two_hosts() {
	modprobe veth || return 1
	ip netns add kudp && ip link add kudp0 type veth peer name kudp1 netns kudp &&
		ip addr add 198.51.100.1/24 dev kudp0 && ip link set kudp0 up &&
		ip -n kudp addr add 198.51.100.2/24 dev kudp1 && ip -n kudp link set kudp1 up
}

# cpu_busy: the clock ticks (USER_HZ) this machine's CPUs have spent busy
# so far: user, nice, system, interrupts and softirqs (/proc/stat's first
# line; read by the shell itself, no process started).
cpu_busy() {
	local cpu user nice system idle iowait irq softirq rest
	read -r cpu user nice system idle iowait irq softirq rest </proc/stat
	echo $((user + nice + system + irq + softirq))
}

# wait_seq N [SECONDS]: until receive_udp has completed message N.
wait_seq() {
	local i
	for ((i = 0; i < ${2:-30} * 10; i++)); do
		[ "$(<$DR/seq)" -ge "$1" ] && return 0
		sleep 0.1
	done
	fail "message $1 never completed (seq $(<$DR/seq), state $(<$DR/state))"
}

# snmp PROTO FIELD: the counter FIELD of the PROTO line of /proc/net/snmp
# (snmp Ip FragCreates, snmp Udp OutDatagrams).
snmp() {
	awk -v p="$1:" -v f="$2" '$1 == p { if (!n) { for (i = 2; i <= NF; i++) c[$i] = i; n = 1 } else print $c[f] }' /proc/net/snmp
}

# pseudo_random SEED SIZE: SIZE random-looking bytes, the same for the same
# SEED on every machine (AES-CTR's keystream): two guests can each make
# the same source and compare, without moving it between them.
pseudo_random() {
	openssl enc -aes-128-ctr -nosalt -pbkdf2 -pass "pass:$1" </dev/zero 2>/dev/null |
		head -c "$2"
}

# pyrun CODE [ARG...]: run Python with the helpers' directory importable
# (sys.argv[1:] are the ARGs).
pyrun() { PYTHONPATH=$HERE $PY -c "$@"; }

# crc32_of FILE: zlib's CRC-32 of FILE, as the modules' crc32 files show it.
crc32_of() { pyrun 'import sys, zlib; print("%08x" % zlib.crc32(open(sys.argv[1], "rb").read()))' "$1"; }

# past FILE N: the number in FILE is above N.
past() { [ "$(<"$1")" -gt "$2" ]; }

# monitor FILE: kudpctl monitor --json in the background, its events into
# FILE; returns once it listens ($! is its pid; the runner kills it).
monitor() {
	$KUDPCTL monitor --json >"$1" 2>"$1.err" 3>&- &
	wait_for 30 grep -q monitoring "$1.err" || fail "kudpctl monitor never started: $(<"$1.err")"
}

# events FILE MODULE: MODULE's events about messages in the monitor's
# FILE (not its loads and unloads), one a line:
# "EVENT:SEQ:BYTES:RESULT|REASON|CAUSE".
events() {
	pyrun '
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("module") == sys.argv[2] and "seq" in e:
        print("%s:%d:%d:%s" % (e["event"], e["seq"], e["bytes"],
                               e.get("result", e.get("reason", e.get("cause")))))' "$1" "$2"
}

# has_event FILE MODULE REGEX: one of MODULE's events in the monitor's
# FILE (as events prints them) matches REGEX.
has_event() { events "$1" "$2" | grep -Eq "$3"; }

# transfer SIZE: send SIZE bytes through /dev/send_udp, wait for the
# completion, read /dev/receive_udp back; compare the CRC-32s of the source,
# the read-back bytes and both modules' statistics.
transfer() {
	local size=$1 want_dg=$2 next=$(( $(<$DR/seq) + 1 ))
	local src got
	src=$($STREAM send "$size") || return 1
	wait_seq $next 60 || return 1
	got=$($STREAM recv) || return 1
	set -- $src
	local crc=$2
	set -- $got
	expect "size $size: bytes read back" "$size" "$1" || return 1
	expect "size $size: CRC-32 read back" "$crc" "$2" || return 1
	expect "size $size: send_udp crc32" "$crc" "$(<$DS/crc32)" || return 1
	expect "size $size: receive_udp crc32" "$crc" "$(<$DR/crc32)" || return 1
	expect "size $size: bytes sent" "$size" "$(<$DS/last_bytes)" || return 1
	expect "size $size: bytes received" "$size" "$(<$DR/last_bytes)" || return 1
	expect "size $size: datagrams" "$want_dg $want_dg" \
		"$(<$DS/last_datagrams) $(<$DR/last_datagrams)" || return 1
	expect "size $size: drops" "0" "$(<$DR/drops)" || return 1
	expect "size $size: send result" "0" "$(<$DS/last_error)"
}

# index_of WORD LIST...: the place of WORD in the LIST (from 0), or
# nothing.
index_of() {
	local w=$1 i=0 x
	shift
	for x; do
		[ "$x" = "$w" ] && echo $i && return 0
		i=$((i + 1))
	done
	return 1
}

# nl_matches_sysfs DIR REPLY: every attribute of a status reply ("reply
# get_stats k=v ...") equals the statistics file of the same name.
nl_matches_sysfs() {
	local kv k v want
	for kv in $2; do
		case $kv in *=*) ;; *) continue ;; esac
		k=${kv%%=*} v=${kv#*=}
		want=$(<"$1/$k") || return 1
		case $k in
		state) want=$(index_of "$want" idle filling sending empty receiving complete) ;;
		reason) want=$(index_of "$want" none idle full whole) ;;
		esac
		expect "netlink $k = $1/$k" "$want" "$v" || return 1
	done
	# One attribute per file, no more, no fewer.
	expect "$1: attributes" "$(cd $1 && ls | grep -v -e dev -e uevent -e power -e subsystem | sort | xargs)" \
		"$(for kv in $2; do case $kv in *=*) echo ${kv%%=*} ;; esac; done | sort | xargs)"
}

# run_test TEST LIMIT: run t_TEST in a subshell that is a process group of
# its own (no new bash to parse this file: a second under emulation), and
# kill that group, with whatever the test started, when it returns or
# after LIMIT seconds. Returns the test's status, 124 after the limit. What
# the test wrote to stderr (a traceback, a command's complaint) is shown
# when it fails.
run_test() {
	local pid dog rc
	set -m
	( set +m; "t_$1" ) </dev/null 2>"$TMP.stderr" &
	pid=$!
	( sleep "$2"; touch "$TMP.timeout"; kill -TERM -- -"$pid"
	  sleep 10; kill -KILL -- -"$pid" ) >/dev/null 2>&1 &
	dog=$!
	set +m
	wait "$pid"
	rc=$?
	kill -- -"$dog" 2>/dev/null
	wait "$dog" 2>/dev/null
	kill -KILL -- -"$pid" 2>/dev/null
	if [ -e "$TMP.timeout" ]; then
		rm -f "$TMP.timeout"
		rc=124
	fi
	[ $rc -ne 0 ] && tail -n 20 "$TMP.stderr" | sed 's/^/#   stderr: /'
	rm -f "$TMP.stderr"
	return $rc
}

# rmmod_within MODULE SECONDS: unload MODULE; fail unless it is gone within
# SECONDS. Appends "MODULE S" (the seconds it took) to $TMP/rmmod-times.
rmmod_within() {
	local t0=$(date +%s.%N) t
	rmmod "$1" && ! loaded "$1" || fail "rmmod $1 failed" || return 1
	t=$(since "$t0")
	echo "$1 $t" >>"$TMP/rmmod-times"
	below "$t" "$2" || fail "rmmod $1 took $t s"
}
