#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The kudp test suite. Runs as root inside a QEMU guest started by
# tests/run.sh:
#
#   guest.sh MODDIR OUTDIR SUITE [TEST...]
#
# MODDIR holds send_udp.ko and receive_udp.ko built for the running kernel;
# OUTDIR is writable and shared with the host; SUITE is "main" (a guest
# with 3 GiB), "small" (512 MiB) or "demo". Prints KTAP; writes
# "PASSED FAILED" to OUTDIR/result. Every test also fails if the kernel
# logged a warning, BUG, oops or atomic-sleep report while it ran.
set -u

MOD=$1
OUT=$2
SUITE=$3
shift 3
ONLY="$*"
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
UDP="$PY $HERE/udp.py"
KMSG="$PY $HERE/kmsg.py"
S=/sys/module/send_udp/parameters
R=/sys/module/receive_udp/parameters
TMP=$(mktemp -d)
BAD='BUG:|WARNING:|Oops|general protection|sleeping function called from invalid context|scheduling while atomic|INFO: task .* blocked|Call Trace|KFENCE|UBSAN|KASAN|kmemleak|circular locking'
# The log scan's self-test writes this tag: the scan of every other test
# ignores its lines.
SELFTEST_TAG='kudp-scan-selftest'

# ---------------------------------------------------------------- helpers

diag() { echo "# $*"; }

# fail MESSAGE: explain a failure (the test function then returns 1).
fail() { diag "FAIL: $*"; return 1; }

# expect WHAT EXPECTED ACTUAL
expect() {
	[ "$2" = "$3" ] && return 0
	diag "FAIL: $1: expected '$2', saw '$3'"
	return 1
}

loaded() { grep -q "^$1 " /proc/modules; }

load_rx() { insmod "$MOD/receive_udp.ko" buffer_size=1M "$@"; }
load_tx() { insmod "$MOD/send_udp.ko" buffer_size=1M "$@"; }

unload_all() {
	local m
	for m in send_udp receive_udp; do
		loaded $m && rmmod $m
	done
	! loaded send_udp && ! loaded receive_udp
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

# wait_for CMD... : retry CMD for up to 30 s.
wait_for() {
	local i
	for i in $(seq 300); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

rx_complete() { grep -q '^complete' $R/state; }
tx_idle() { [ "$(cat $S/state)" = idle ]; }

# Lines the kernel logged since sequence number $1.
log_since() { $KMSG since "$1"; }

# scan_log SEQ: print the bad lines logged since SEQ.
scan_log() { log_since "$1" | grep -E "$BAD" | grep -v "$SELFTEST_TAG"; }

# ------------------------------------------------------------------ tests

t_modinfo() {
	local m p ok=0
	for m in send_udp receive_udp; do
		for p in description license author version; do
			[ -n "$(modinfo -F $p "$MOD/$m.ko")" ] || { fail "$m: no $p"; ok=1; }
		done
		# Every parameter has a description.
		if modinfo -p "$MOD/$m.ko" | grep -v ':.\{10,\}' | grep -q .; then
			fail "$m: a parameter without a description: $(modinfo -p "$MOD/$m.ko")"
			ok=1
		fi
	done
	expect "send_udp parameters" "buffer_size data debug ip last_error payload state" \
		"$(modinfo -p "$MOD/send_udp.ko" | cut -d: -f1 | sort | xargs)" || ok=1
	expect "receive_udp parameters" "buffer_size data debug drops overflow rcvbuf state" \
		"$(modinfo -p "$MOD/receive_udp.ko" | cut -d: -f1 | sort | xargs)" || ok=1
	return $ok
}

t_permissions() {
	load_rx && load_tx || return 1
	expect "receive data mode" "400" "$(stat -c %a $R/data)" || return 1
	expect "send data mode" "600" "$(stat -c %a $S/data)" || return 1
	local f
	for f in $S/* $R/*; do
		# Only root writes, and nobody else reads received or sent data.
		[ $(( 0$(stat -c %a "$f") & 022 )) -eq 0 ] || fail "$f is writable by others" || return 1
	done
	expect "ip as nobody" "EACCES" \
		"$(setpriv --reuid=65534 --regid=65534 --clear-groups $PY -c '
import errno
try:
    open("/sys/module/send_udp/parameters/ip", "w").write("1.2.3.4")
except OSError as e:
    print(errno.errorcode[e.errno])')" || return 1
	expect "received data as nobody" "EACCES" \
		"$(setpriv --reuid=65534 --regid=65534 --clear-groups $PY -c '
import errno
try:
    open("/sys/module/receive_udp/parameters/data").read()
except OSError as e:
    print(errno.errorcode[e.errno])')"
}

t_roundtrip_sysfs() {
	load_rx && load_tx || return 1
	expect "receiver state before" "empty" "$(cat $R/state)" || return 1
	expect "data before" "" "$(cat $R/data)" || return 1
	local t0=$(date +%s.%N)
	echo hello >$S/data || return 1
	wait_for rx_complete || fail "no completion: state $(cat $R/state)" || return 1
	diag "completed $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s after the write"
	expect "cat receive_udp data" "hello" "$(cat $R/data)" || return 1
	# Byte for byte, newline included.
	expect "bytes" "68656c6c6f0a" "$(od -An -tx1 $R/data | tr -d ' \n')" || return 1
	expect "send state" "idle" "$(cat $S/state)" || return 1
	expect "last_error" "0" "$(cat $S/last_error)" || return 1
	expect "send data reads back" "hello" "$(cat $S/data)"
}

t_client_to_receiver() {
	load_rx || return 1
	# A binary payload (with NUL bytes) from a real userspace client.
	$UDP send "@4000:$TMP/payload" --wait-complete 8 >/dev/null || return 1
	cmp "$TMP/payload" $R/data || fail "received bytes differ" || return 1
	echo -n "socat says hi" | socat -u - UDP4-SENDTO:127.0.0.1:8808 || return 1
	sleep 1
	expect "state while receiving" "receiving" "$(cat $R/state)" || return 1
	wait_for rx_complete || return 1
	expect "socat payload" "socat says hi" "$(cat $R/data)"
}

t_sender_to_listener() {
	# 3000 bytes in 1000-byte datagrams to a userspace listener.
	load_tx payload=1000 || return 1
	head -c 3000 /dev/urandom | tr -d '\0' | head -c 2999 >"$TMP/src"
	local n=$(stat -c %s "$TMP/src")
	$UDP listen --bytes "$n" --timeout 20 --out "$TMP/got" --ready "$TMP/ready" >"$TMP/count" &
	local pid=$!
	wait_for test -e "$TMP/ready" || return 1
	cat "$TMP/src" >$S/data || return 1
	wait $pid
	expect "datagrams and bytes" "$(( (n + 999) / 1000 )) $n" "$(cat "$TMP/count")" || return 1
	cmp "$TMP/src" "$TMP/got" || fail "listener got other bytes"
}

t_three_datagrams_timing() {
	load_rx || return 1
	local dt
	dt=$($UDP send --gap 4 one- two- three --wait-complete 10) || fail "$dt" || return 1
	diag "completed $dt s after the last datagram"
	expect "message" "one-two-three" "$(cat $R/data)" || return 1
	awk -v t="$dt" 'BEGIN { exit !(t >= 5.0 && t <= 6.0) }' ||
		fail "completion $dt s after the last datagram, not 5.0-6.0"
}

t_discard_on_new_data() {
	load_rx || return 1
	$UDP send old-message --wait-complete 8 >/dev/null || return 1
	expect "first message" "old-message" "$(cat $R/data)" || return 1
	$UDP send new || return 1
	wait_for grep -q receiving $R/state || return 1
	expect "data while the new one is incomplete" "" "$(cat $R/data)" || return 1
	wait_for rx_complete || return 1
	expect "second message replaces the first" "new" "$(cat $R/data)"
}

t_full_buffer_overflow() {
	load_rx buffer_size=16 || return 1
	# 10 + 10 bytes into 16: the second datagram is cut (4 bytes overflow)
	# and the buffer completes at once, without the 5 s wait.
	$UDP send 0123456789 abcdefghij --wait-complete 3 >"$TMP/dt" ||
		fail "no full-buffer completion: $(cat "$TMP/dt")" || return 1
	expect "state" "complete (full)" "$(cat $R/state)" || return 1
	expect "data" "0123456789abcdef" "$(cat $R/data)" || return 1
	expect "overflow" "4" "$(cat $R/overflow)" || return 1
	# The same burst goes on (datagrams < 5 s apart): overflow, dropped.
	$UDP send --gap 2 12345 678 || return 1
	expect "overflow after the burst" "12" "$(cat $R/overflow)" || return 1
	expect "data unchanged" "0123456789abcdef" "$(cat $R/data)" || return 1
	expect "state unchanged" "complete (full)" "$(cat $R/state)" || return 1
	# After a 5 s pause, a datagram starts a new message.
	sleep 5.5
	$UDP send fresh --wait-complete 8 >/dev/null || return 1
	expect "new message after the pause" "fresh" "$(cat $R/data)" || return 1
	expect "state" "complete (idle)" "$(cat $R/state)" || return 1
	expect "overflow unchanged" "12" "$(cat $R/overflow)"
}

t_bad_ip() {
	load_tx || return 1
	local seq=$($KMSG last) v
	echo 10.1.2.3 >$S/ip || return 1
	for v in 1.2.3 256.1.1.1 abc 1.2.3.4.5 "1.2.3.4 " "1.2.3.4\n\n" 255.255.255.255 224.0.0.1 0.0.0.0 -1.2.3.4; do
		expect "ip=$v" "EINVAL" "$(write $S/ip "$v")" || return 1
		expect "ip after $v" "10.1.2.3" "$(cat $S/ip)" || return 1
	done
	expect "log lines" "10" "$(log_since "$seq" | grep -c 'send_udp: ip: ')" || return 1
	log_since "$seq" | grep -q "ip: 'abc' is not an IPv4 address" || fail "no clear log line" || return 1
	expect "ip without newline" "ok" "$(write $S/ip 127.0.0.1)" || return 1
	expect "ip" "127.0.0.1" "$(cat $S/ip)"
}

t_bad_payload() {
	load_tx || return 1
	local seq=$($KMSG last) v
	for v in 65508 abc -1 ""; do
		[ -z "$v" ] && v=" "
		expect "payload=$v" "EINVAL" "$(write $S/payload "$v")" || return 1
	done
	expect "payload unchanged" "0" "$(cat $S/payload)" || return 1
	log_since "$seq" | grep -q "payload: '65508' is not a number from 0" || fail "no log line"
}

t_data_efbig() {
	load_rx && load_tx || return 1
	local seq=$($KMSG last)
	expect "4096-byte write" "EFBIG" "$(write $S/data "$(head -c 4096 /dev/zero | tr '\0' x)")" || return 1
	expect "5000-byte write" "EFBIG" "$(write $S/data "$(head -c 5000 /dev/zero | tr '\0' y)")" || return 1
	log_since "$seq" | grep -q 'send larger or binary data through /dev/send_udp' ||
		fail "no log line saying how to send larger data" || return 1
	expect "4095-byte write" "ok" "$(write $S/data "$(head -c 4095 /dev/zero | tr '\0' z)")" || return 1
	wait_for rx_complete || return 1
	expect "only the 4095-byte message was sent" "4095 z" \
		"$(wc -c <$R/data) $(tr -d '\n' <$R/data | tr -s z)"
}

# slow_loopback: limit loopback to 200 kbit/s with a token bucket, so that a
# send of a few thousand one-byte datagrams fills the socket's send buffer
# and blocks for seconds (netem would not do: it orphans the packets it
# holds, which frees the sender's buffer space). Datagrams above 4 KiB are
# dropped meanwhile. fast_loopback undoes it, dropping what is queued.
slow_loopback() {
	modprobe sch_tbf && tc qdisc add dev lo root tbf rate 200kbit burst 4kb limit 10mb
}
fast_loopback() { tc qdisc del dev lo root 2>/dev/null; true; }

t_data_ebusy() {
	# A second write while a send is in progress is refused, sends nothing.
	load_tx payload=1 || return 1
	$UDP listen --bytes 4000 --timeout 20 --out "$TMP/got" --ready "$TMP/ready" >"$TMP/count" &
	local pid=$! seq=$($KMSG last)
	wait_for test -e "$TMP/ready" || return 1
	slow_loopback || return 1
	expect "two writes" "ok EBUSY" \
		"$(write $S/data "$(head -c 2000 /dev/zero | tr '\0' a)" second)"
	local rc=$?
	expect "state during the send" "sending" "$(cat $S/state)" || rc=1
	wait $pid	# until the listener has it all (or 20 s without data)
	fast_loopback
	tx_idle || rc=1
	[ $rc -eq 0 ] || return 1
	expect "listener got only the first message" "2000 2000" "$(cat "$TMP/count")" || return 1
	log_since "$seq" | grep -q 'a send is in progress' || fail "no log line for EBUSY"
}

t_bad_load_params() {
	local seq=$($KMSG last) p
	for p in buffer_size=0 buffer_size=abc buffer_size=12Q rcvbuf=0; do
		if insmod "$MOD/receive_udp.ko" "$p" 2>/dev/null; then
			fail "receive_udp loaded with $p"
			return 1
		fi
	done
	insmod "$MOD/receive_udp.ko" buffer_size=1M rcvbuf=2G 2>/dev/null &&
		fail "loaded with rcvbuf=2G" && return 1
	insmod "$MOD/receive_udp.ko" data=x 2>/dev/null && fail "loaded with data=x" && return 1
	insmod "$MOD/send_udp.ko" ip=1.2.3 2>/dev/null && fail "loaded with ip=1.2.3" && return 1
	insmod "$MOD/send_udp.ko" state=idle 2>/dev/null && fail "loaded with state=idle" && return 1
	loaded receive_udp || loaded send_udp && fail "a module stayed loaded" && return 1
	local log=$(log_since "$seq")
	echo "$log" | grep -q "buffer_size: '0' is not a size in bytes above 0" || fail "no log for buffer_size=0" || return 1
	echo "$log" | grep -q "buffer_size: '12Q' is not a size" || fail "no log for 12Q" || return 1
	echo "$log" | grep -q "rcvbuf=2147483648: at most" || fail "no log for rcvbuf=2G" || return 1
	echo "$log" | grep -q "receive_udp: data is read-only" || fail "no log for data=x" || return 1
	echo "$log" | grep -q "send_udp: state is read-only" || fail "no log for state=idle"
}

t_insmod_data() {
	load_rx || return 1
	load_tx data=from-insmod || return 1
	wait_for rx_complete || return 1
	expect "message sent by init" "from-insmod" "$(cat $R/data)" || return 1
	expect "send data" "from-insmod" "$(cat $S/data)"
}

t_port_unreachable() {
	# Nothing listens on 8808: the send completes, reports it, never loops.
	load_tx || return 1
	local seq=$($KMSG last)
	echo hello >$S/data || return 1
	wait_for tx_idle || fail "send never finished" || return 1
	expect "last_error" "-111" "$(cat $S/last_error)" || return 1
	log_since "$seq" | grep -q 'port unreachable' || fail "no log line" || return 1
	# A longer message stops at the first refusal.
	echo 100 >$S/payload
	seq=$($KMSG last)
	head -c 4000 /dev/zero | tr '\0' q >$S/data || return 1
	wait_for tx_idle || fail "send never finished" || return 1
	expect "last_error" "-111" "$(cat $S/last_error)" || return 1
	log_since "$seq" | grep 'port unreachable' | grep -q 'after [0-9]* of 4000 bytes' ||
		fail "no log line with progress" || return 1
	# And a later send to a listener succeeds.
	load_rx || return 1
	echo again >$S/data || return 1
	wait_for rx_complete || return 1
	expect "data" "again" "$(cat $R/data)" || return 1
	expect "last_error after success" "0" "$(cat $S/last_error)"
}

t_debug_output() {
	load_rx debug=1 && load_tx debug=1 || return 1
	local seq=$($KMSG last)
	echo dbg >$S/data || return 1
	wait_for rx_complete || return 1
	local log=$(log_since "$seq") p
	for p in 'send_udp: send_udp_start(len=4)' 'send_udp: kernel_sendmsg(4 bytes at offset 0) = 4' \
		 'receive_udp: kernel_recvmsg(room 65507) = 4' 'receive_udp: idle timer armed' \
		 'receive_udp: idle timer expired' 'receive_udp: message completed (5 s idle): 4 bytes' \
		 'send_udp: kudp_sock_connect(sock='; do
		echo "$log" | grep -qF "$p" || fail "no '$p' in the log" || return 1
	done
	# Error returns are logged with their value.
	write $S/ip bad >/dev/null
	log_since "$seq" | grep -q 'ip_set: returns -22' || fail "no error return line" || return 1
	# Per-datagram lines are rate-limited: 3000 datagrams, few lines.
	echo 1 >$S/payload
	seq=$($KMSG last)
	head -c 3000 /dev/zero | tr '\0' d >$S/data || return 1
	wait_for tx_idle || return 1
	local n=$(log_since "$seq" | grep -c 'kernel_sendmsg(')
	diag "$n kernel_sendmsg lines for 3000 datagrams"
	[ "$n" -le 100 ] || fail "$n lines: not rate-limited"
}

t_enodev_outside_life() {
	# The parameter files exist while init allocates a large buffer.
	insmod "$MOD/send_udp.ko" buffer_size=1G &
	local pid=$!
	wait_for test -e $S/data || return 1
	local r=$(write $S/data early) s
	s=$(cat $S/state 2>&1)
	wait $pid || return 1
	expect "write during init" "ENODEV" "$r" || return 1
	case $s in *"No such device"*) ;; *) fail "read during init: $s"; return 1;; esac
	expect "state after init" "idle" "$(cat $S/state)" || return 1
	expect "nothing was sent" "" "$(cat $S/data)"
}

t_unload_states() {
	local seq
	diag "unloading receive_udp: state empty"
	load_rx || return 1
	rmmod receive_udp && ! loaded receive_udp || fail "still loaded" || return 1

	diag "unloading receive_udp: receiving, idle timer armed"
	load_rx debug=1 || return 1
	$UDP send part || return 1
	wait_for grep -q receiving $R/state || return 1
	seq=$($KMSG last)
	cat $R/state | sed 's/^/# state: /'
	rmmod receive_udp && ! loaded receive_udp || fail "still loaded" || return 1
	sleep 6		# past the timer's expiry
	log_since "$seq" | grep -q 'idle timer expired' && fail "timer fired after unload" && return 1

	diag "unloading receive_udp: complete"
	load_rx || return 1
	$UDP send whole --wait-complete 8 >/dev/null || return 1
	cat $R/state | sed 's/^/# state: /'
	rmmod receive_udp && ! loaded receive_udp || fail "still loaded" || return 1

	diag "unloading receive_udp: during a burst of datagrams"
	load_rx || return 1
	$PY -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end = time.monotonic() + 3
while time.monotonic() < end:
    s.sendto(b"x" * 1000, ("127.0.0.1", 8808))
' &
	local pid=$!
	sleep 1
	cat $R/state | sed 's/^/# state: /'
	rmmod receive_udp && ! loaded receive_udp || fail "still loaded" || return 1
	wait $pid

	diag "unloading send_udp: idle"
	load_tx || return 1
	cat $S/state | sed 's/^/# state: /'
	rmmod send_udp && ! loaded send_udp || fail "still loaded" || return 1

	diag "unloading send_udp: blocked in a send (slow link, send buffer full)"
	load_rx && load_tx payload=1 || return 1
	seq=$($KMSG last)
	slow_loopback || return 1
	head -c 4000 /dev/zero | tr '\0' s >$S/data || { fast_loopback; return 1; }
	sleep 1
	cat $S/state | sed 's/^/# state: /'
	local t0=$(date +%s)
	rmmod send_udp
	local rc=$?
	fast_loopback
	[ $rc -eq 0 ] && ! loaded send_udp || fail "still loaded" || return 1
	diag "rmmod took $(($(date +%s) - t0)) s"
	[ $(($(date +%s) - t0)) -le 3 ] || fail "rmmod waited for the send" || return 1
	log_since "$seq" | grep -E 'send aborted|unloaded' | sed 's/^/# log: /'
	log_since "$seq" | grep -q 'send aborted after [0-9]* of 4000 bytes' || fail "send not aborted" || return 1
	rmmod receive_udp && ! loaded receive_udp
}

t_param_race_rmmod() {
	local i pids=""
	for i in 1 2 3 4 5; do
		load_rx && load_tx || return 1
		(while :; do cat $R/data $R/state $R/drops $S/data $S/state; done) >/dev/null 2>&1 &
		pids="$pids $!"
		(while :; do echo race >$S/data; echo 127.0.0.1 >$S/ip; done) >/dev/null 2>&1 &
		pids="$pids $!"
		sleep 0.5
		rmmod send_udp || { kill $pids; return 1; }
		rmmod receive_udp || { kill $pids; return 1; }
		kill $pids
		wait $pids 2>/dev/null
		pids=""
		! loaded send_udp && ! loaded receive_udp || return 1
	done
}

t_load_unload_100() {
	local i
	for i in $(seq 100); do
		if [ $((i % 2)) -eq 0 ]; then
			load_rx buffer_size=64K && load_tx buffer_size=64K || return 1
			rmmod receive_udp && rmmod send_udp || return 1
		else
			load_tx buffer_size=64K && load_rx buffer_size=64K || return 1
			rmmod send_udp && rmmod receive_udp || return 1
		fi
	done
	! loaded send_udp && ! loaded receive_udp
}

t_log_scan_selftest() {
	local seq=$($KMSG last)
	echo "WARNING: $SELFTEST_TAG: a fake warning" >/dev/kmsg
	log_since "$seq" | grep -E "$BAD" | grep -q "$SELFTEST_TAG" ||
		fail "the scan missed a WARNING: line"
}

t_small_memory() {
	free -m | sed 's/^/# /'
	load_rx buffer_size=64M && load_tx buffer_size=64M || return 1
	echo small >$S/data || return 1
	wait_for rx_complete || return 1
	expect "data" "small" "$(cat $R/data)"
}

t_enomem() {
	local seq=$($KMSG last) m
	for m in receive_udp send_udp; do
		local err
		err=$(insmod "$MOD/$m.ko" 2>&1) && fail "$m loaded a 4 GiB buffer in 512 MiB" && return 1
		diag "insmod $m: $err"
		case $err in *"Cannot allocate memory"*) ;; *) fail "not ENOMEM"; return 1;; esac
	done
	local log=$(log_since "$seq")
	echo "$log" | sed 's/^/# log: /'
	expect "log lines naming buffer_size" "2" "$(echo "$log" | grep -c 'buffer_size=4294967296: only')" || return 1
	echo "$log" | grep -qE 'Call Trace|warn_alloc|invoked oom-killer|Out of memory' &&
		fail "stack dump or OOM killer" && return 1
	# The default is 4 GiB.
	return 0
}

demo() {
	echo "== loading receive_udp and send_udp (1 MiB buffers)"
	echo "\$ insmod receive_udp.ko buffer_size=1M; insmod send_udp.ko buffer_size=1M"
	load_rx && load_tx || return 1
	echo "\$ echo 'hello from the kernel' > /sys/module/send_udp/parameters/data"
	echo 'hello from the kernel' >$S/data
	echo "\$ cat /sys/module/receive_udp/parameters/state"
	cat $R/state
	echo "(waiting for 5 s without data...)"
	wait_for rx_complete
	echo "\$ cat /sys/module/receive_udp/parameters/state"
	cat $R/state
	echo "\$ cat /sys/module/receive_udp/parameters/data"
	cat $R/data
	echo "\$ rmmod send_udp receive_udp"
	unload_all
	echo "== kernel log"
	dmesg | grep -E 'send_udp|receive_udp' | tail -n 8
	echo "== round trip $([ "$(cat /proc/modules | grep -c _udp)" = 0 ] && echo OK)"
}

# ------------------------------------------------------------------ runner

MAIN_TESTS="modinfo permissions roundtrip_sysfs client_to_receiver sender_to_listener
three_datagrams_timing discard_on_new_data full_buffer_overflow bad_ip bad_payload
data_efbig data_ebusy bad_load_params insmod_data port_unreachable debug_output
enodev_outside_life unload_states param_race_rmmod load_unload_100 log_scan_selftest"
SMALL_TESTS="small_memory enomem"

if [ "$SUITE" = demo ]; then
	demo
	exit $?
fi

case $SUITE in
main) tests=$MAIN_TESTS ;;
small) tests=$SMALL_TESTS ;;
*) echo "unknown suite $SUITE" >&2; exit 2 ;;
esac
if [ -n "$ONLY" ]; then
	sel=""
	for t in $tests; do
		case " $ONLY " in *" $t "*) sel="$sel $t" ;; esac
	done
	tests=$sel
fi

echo "KTAP version 1"
echo "# $(uname -r), $(nproc) CPUs, $(free -m | awk '/Mem:/ { print $2 }') MiB"
echo "1..$(echo $tests | wc -w)"
n=0
passed=0
failed=0
first_seq=$($KMSG last)
for t in $tests; do
	n=$((n + 1))
	seq=$($KMSG last)
	t0=$(date +%s)
	( set +e; "t_$t" )
	rc=$?
	unload_all || { diag "FAIL: modules left loaded"; rc=1; }
	bad=$(scan_log "$seq")
	if [ -n "$bad" ]; then
		diag "FAIL: the kernel log has:"
		echo "$bad" | head -n 40 | sed 's/^/#   /'
		rc=1
	fi
	if [ $rc -eq 0 ]; then
		echo "ok $n $t # $(($(date +%s) - t0)) s"
		passed=$((passed + 1))
	else
		echo "not ok $n $t"
		log_since "$seq" | grep -E 'send_udp|receive_udp' | tail -n 15 | sed 's/^/#   log: /'
		failed=$((failed + 1))
	fi
	# Nothing a test started outlives it.
	pkill -f "$HERE/udp.py"
	fast_loopback
	rm -rf "${TMP:?}"/*
done

log_since "$first_seq" >"$OUT/kmsg.log"
echo "$passed $failed" >"$OUT/result"
echo "# $SUITE: $passed passed, $failed failed"
exit 0
