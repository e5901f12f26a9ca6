#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The kudp test suite. Runs as root inside a QEMU guest started by
# tests/run.sh:
#
#   guest.sh MODDIR OUTDIR SUITE [TEST...]
#
# MODDIR holds send_udp.ko and receive_udp.ko built for the running kernel;
# OUTDIR is writable and shared with the host; SUITE is "demo", or one or
# more of "main", "once" (the main suite's tests that tests/run.sh runs on
# one kernel only), "small" (its tests make the guest look like a machine
# with 512 MiB: small_machine), "big" (a 4 GiB transfer: 10 GiB of memory;
# make check-slow), "contexts" (the tests for the debug kernel), "reliable"
# (mode=reliable over loopback), "stress" (make stress), "fuzz"
# (tests/fuzz.py: make fuzz) and "bench" (tests/bench.py: make bench),
# joined with commas.
# Prints KTAP; writes "PASSED FAILED" to OUTDIR/result. Every test also
# fails if the kernel logged a warning, BUG, oops or atomic-sleep report
# while it ran.
set -u

MOD=$1
OUT=$2
SUITE=$3
shift 3
ONLY="$*"
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

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
	expect "send_udp parameters" "buffer_size data debug gso hold ip last_error mode payload rate state" \
		"$(modinfo -p "$MOD/send_udp.ko" | cut -d: -f1 | sort | xargs)" || ok=1
	expect "receive_udp parameters" "buffer_size data debug drops gro hold mode overflow peer rcvbuf state" \
		"$(modinfo -p "$MOD/receive_udp.ko" | cut -d: -f1 | sort | xargs)" || ok=1
	return $ok
}

t_permissions() {
	load_rx && load_tx || return 1
	expect "receive data mode" "400" "$(stat -c %a $R/data)" || return 1
	expect "send data mode" "600" "$(stat -c %a $S/data)" || return 1
	local mode f n=0 params=($S/* $R/*)
	# Only root writes, and nobody else reads received or sent data (one
	# stat for all: a process per file takes seconds here).
	while read -r mode f; do
		[ $(( 0$mode & 022 )) -eq 0 ] || fail "$f is writable by others" || return 1
		n=$((n + 1))
	done < <(stat -c '%a %n' "${params[@]}")
	expect "parameters checked" "${#params[@]}" "$n" || return 1
	expect "ip written, received data read, as nobody" "EACCES EACCES" \
		"$(setpriv --reuid=65534 --regid=65534 --clear-groups $PY -c '
import errno
out = []
for f, how in (("/sys/module/send_udp/parameters/ip", "w"),
               ("/sys/module/receive_udp/parameters/data", "r")):
    try:
        with open(f, how) as h:
            h.write("1.2.3.4") if how == "w" else h.read()
        out.append("done")
    except OSError as e:
        out.append(errno.errorcode[e.errno])
print(" ".join(out))')"
}

t_roundtrip_sysfs() {
	load_rx && load_tx || return 1
	expect "receiver state before" "empty" "$(cat $R/state)" || return 1
	expect "data before" "" "$(cat $R/data)" || return 1
	local t0=$(date +%s.%N)
	echo hello >$S/data || return 1
	wait_for 30 rx_complete || fail "no completion: state $(cat $R/state)" || return 1
	diag "completed $(since "$t0") s after the write"
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
	# Receiving for 5 s after the datagram: poll, no fixed sleep.
	wait_for 30 grep -qx receiving $R/state ||
		fail "state while receiving: $(cat $R/state)" || return 1
	wait_for 30 rx_complete || return 1
	expect "socat payload" "socat says hi" "$(cat $R/data)"
}

t_sender_to_listener() {
	# 3000 bytes in 1000-byte datagrams to a userspace listener.
	load_tx payload=1000 || return 1
	head -c 3000 /dev/urandom | tr -d '\0' | head -c 2999 >"$TMP/src"
	local n=$(stat -c %s "$TMP/src")
	$UDP listen --bytes "$n" --timeout 20 --out "$TMP/got" --ready "$TMP/ready" >"$TMP/count" &
	local pid=$!
	wait_for 30 test -e "$TMP/ready" || return 1
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
	wait_for 30 grep -q receiving $R/state || return 1
	expect "data while the new one is incomplete" "" "$(cat $R/data)" || return 1
	wait_for 30 rx_complete || return 1
	expect "second message replaces the first" "new" "$(cat $R/data)"
}

t_full_buffer_overflow() {
	load_rx buffer_size=16 || return 1
	# 10 + 10 bytes into 16: the second datagram is cut (4 bytes overflow)
	# and the buffer completes at once, without the 5 s wait (%complete=3).
	# The same burst goes on (datagrams < 5 s apart): 12345 and 678 are
	# overflow, dropped. One process sends them all, so that the gaps stay
	# far below 5 s however slowly a process starts.
	local gap
	gap=$($UDP send --max-gap 0123456789 abcdefghij %complete=3 12345 %sleep=2 678) ||
		fail "no full-buffer completion: $gap" || return 1
	diag "longest gap between two datagrams: $gap s"
	wait_for 30 grep -qx 12 $R/overflow ||
		fail "overflow after the burst: expected 12, saw $(cat $R/overflow)" || return 1
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
	local seq=$($KMSG last)
	echo 10.1.2.3 >$S/ip || return 1
	# Each refused (one process writes them all, one write(2) each), and
	# none changed ip: none could set it back.
	expect "ip=1.2.3 256.1.1.1 abc 1.2.3.4.5 '1.2.3.4 ' '1.2.3.4\n\n' 255.255.255.255 224.0.0.1 0.0.0.0 -1.2.3.4" \
		"EINVAL EINVAL EINVAL EINVAL EINVAL EINVAL EINVAL EINVAL EINVAL EINVAL" \
		"$(write $S/ip 1.2.3 256.1.1.1 abc 1.2.3.4.5 "1.2.3.4 " "1.2.3.4\n\n" 255.255.255.255 224.0.0.1 0.0.0.0 -1.2.3.4)" ||
		return 1
	expect "ip after them" "10.1.2.3" "$(cat $S/ip)" || return 1
	expect "log lines" "10" "$(log_since "$seq" | grep -c 'send_udp: ip: ')" || return 1
	log_since "$seq" | grep -q "ip: 'abc' is not an IPv4 address" || fail "no clear log line" || return 1
	expect "ip without newline" "ok" "$(write $S/ip 127.0.0.1)" || return 1
	expect "ip" "127.0.0.1" "$(cat $S/ip)"
}

t_bad_payload() {
	load_tx || return 1
	local seq=$($KMSG last)
	expect "payload=65508 abc -1 ' '" "EINVAL EINVAL EINVAL EINVAL" "$(write $S/payload 65508 abc -1 " ")" || return 1
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
	wait_for 30 rx_complete || return 1
	expect "only the 4095-byte message was sent" "4095 z" \
		"$(wc -c <$R/data) $(tr -d '\n' <$R/data | tr -s z)"
}

t_data_ebusy() {
	# A second write while a send is in progress is refused, sends nothing.
	# The held loopback keeps the first send going until it is released.
	load_tx payload=1 || return 1
	$UDP listen --bytes 4000 --first 60 --timeout 3 --out "$TMP/got" --ready "$TMP/ready" >"$TMP/count" &
	local pid=$! seq=$($KMSG last)
	wait_for 30 test -e "$TMP/ready" || return 1
	hold_loopback || return 1
	expect "two writes" "ok EBUSY" \
		"$(write $S/data "$(head -c 2000 /dev/zero | tr '\0' a)" second)"
	local rc=$?
	expect "state during the send" "sending" "$(cat $S/state)" || rc=1
	release_loopback
	wait_for 30 tx_idle || fail "the send never ended" || rc=1
	wait $pid	# until 3 s pass without data: a second message would show
	[ $rc -eq 0 ] || return 1
	expect "sends" "1 2000 0" "$(cat $DS/messages) $(cat $DS/last_bytes) $(cat $S/last_error)" || return 1
	# The release dropped what the bucket held; all that came is the first
	# message's: the letter a, 2000 datagrams at most.
	set -- $(cat "$TMP/count")
	diag "the listener got $1 of the 2000 datagrams"
	[ "$1" -gt 0 ] && [ "$1" -le 2000 ] && [ "$1" = "$2" ] ||
		fail "listener: $* (datagrams, bytes)" || return 1
	expect "bytes other than the first message's" "" "$(tr -d a <"$TMP/got")" || return 1
	log_since "$seq" | grep -q 'a message is being written or sent' || fail "no log line for EBUSY"
}

t_send_cpu_intensive() {
	# A send over loopback never sleeps: the other work items of its CPU
	# must not wait for it (WQ_CPU_INTENSIVE; 6.1 would let them). Writing
	# vm/stat_refresh runs a work item on every CPU and waits for them all:
	# it must return while the send goes on.
	load_rx && load_tx buffer_size=256M payload=1472 gso=0 || return 1
	$STREAM send 268435456 >/dev/null || return 1
	local t0=$(date +%s.%N) t state
	echo 1 >/proc/sys/vm/stat_refresh || return 1
	t=$(since "$t0")
	state=$(cat $S/state)
	diag "stat_refresh took $t s during the send; then the send was $state, at $(cat $DS/cur_bytes) of 268435456 bytes"
	expect "send state after stat_refresh" "sending" "$state" ||
		fail "stat_refresh waited for the whole send"
}

t_bad_load_params() {
	local seq=$($KMSG last) p
	for p in buffer_size=0 buffer_size=abc buffer_size=12Q "buffer_size=1M rcvbuf=0"; do
		if insmod "$MOD/receive_udp.ko" $p 2>/dev/null; then
			fail "receive_udp loaded with $p"
			return 1
		fi
	done
	insmod "$MOD/receive_udp.ko" buffer_size=1M rcvbuf=2G 2>/dev/null &&
		fail "loaded with rcvbuf=2G" && return 1
	insmod "$MOD/receive_udp.ko" buffer_size=1M rcvbuf=1073741825 2>/dev/null &&
		fail "loaded with rcvbuf=1G + 1" && return 1
	# The documented limit itself is allowed.
	load_rx rcvbuf=1G || fail "rcvbuf=1G refused" || return 1
	rmmod receive_udp || return 1
	insmod "$MOD/receive_udp.ko" data=x 2>/dev/null && fail "loaded with data=x" && return 1
	insmod "$MOD/send_udp.ko" ip=1.2.3 2>/dev/null && fail "loaded with ip=1.2.3" && return 1
	insmod "$MOD/send_udp.ko" state=idle 2>/dev/null && fail "loaded with state=idle" && return 1
	# A load that fails late leaves nothing behind (insmod's data too).
	insmod "$MOD/send_udp.ko" buffer_size=3 data=hello 2>/dev/null && fail "loaded with data > buffer" && return 1
	insmod "$MOD/send_udp.ko" data=hello buffer_size=0 2>/dev/null && fail "loaded with buffer_size=0" && return 1
	[ -e /dev/send_udp ] || [ -e /sys/class/send_udp ] && fail "a failed load left its device" && return 1
	loaded receive_udp || loaded send_udp && fail "a module stayed loaded" && return 1
	local log=$(log_since "$seq")
	echo "$log" | grep -q "buffer_size: '0' is not a number of bytes above 0" || fail "no log for buffer_size=0" || return 1
	echo "$log" | grep -q "buffer_size: '12Q' is not a number of bytes" || fail "no log for 12Q" || return 1
	echo "$log" | grep -q "rcvbuf=2147483648: at most" || fail "no log for rcvbuf=2G" || return 1
	echo "$log" | grep -q "receive_udp: data is read-only" || fail "no log for data=x" || return 1
	echo "$log" | grep -q "send_udp: state is read-only" || fail "no log for state=idle" || return 1
	echo "$log" | grep -q "data: 5 bytes do not fit in the 3-byte buffer" || fail "no log for data > buffer"
}

t_insmod_data() {
	load_rx || return 1
	load_tx data=from-insmod || return 1
	wait_for 30 rx_complete || return 1
	expect "message sent by init" "from-insmod" "$(cat $R/data)" || return 1
	expect "send data" "from-insmod" "$(cat $S/data)"
}

t_port_unreachable() {
	# Nothing listens on 8808: the send completes, reports it, never loops.
	load_tx || return 1
	local seq=$($KMSG last)
	echo hello >$S/data || return 1
	wait_for 30 tx_idle || fail "send never finished" || return 1
	expect "last_error" "-111" "$(cat $S/last_error)" || return 1
	log_since "$seq" | grep -q 'port unreachable' || fail "no log line" || return 1
	# A longer message stops at the first refusal.
	echo 100 >$S/payload
	seq=$($KMSG last)
	head -c 4000 /dev/zero | tr '\0' q >$S/data || return 1
	wait_for 30 tx_idle || fail "send never finished" || return 1
	expect "last_error" "-111" "$(cat $S/last_error)" || return 1
	log_since "$seq" | grep 'port unreachable' | grep -q 'after [0-9]* of 4000 bytes' ||
		fail "no log line with progress" || return 1
	# And a later send to a listener succeeds.
	load_rx || return 1
	echo again >$S/data || return 1
	wait_for 30 rx_complete || return 1
	expect "data" "again" "$(cat $R/data)" || return 1
	expect "last_error after success" "0" "$(cat $S/last_error)"
}

t_tx_reroute() {
	# Each send connects anew: its source address follows the route. A
	# dummy interface, kudp0 (192.0.2.1/24, no IPv6: nothing of its own
	# leaves it), takes what goes to 192.0.2.9. A send to 127.0.0.1, one
	# to 192.0.2.9, and one more once kudp0 is renumbered 192.0.2.5: each
	# ends with last_error 0, and the last two each leave through kudp0
	# (its tx_packets grows). (Before: the socket kept the source address
	# of its first connect; the send from an address that had gone failed
	# with -EINVAL.) kudp0 goes away in any case.
	local rc
	ip link del kudp0 2>/dev/null
	# numdummies=0: no dummy0 beside it.
	modprobe dummy numdummies=0 && ip link add kudp0 type dummy || return 1
	tx_reroute_sends
	rc=$?
	ip link del kudp0 || fail "kudp0 could not be removed" || rc=1
	return $rc
}

# tx_reroute_sends: t_tx_reroute's sends, kudp0 made.
tx_reroute_sends() {
	local tx=/sys/class/net/kudp0/statistics/tx_packets n a
	if [ -e /proc/sys/net/ipv6/conf/kudp0/disable_ipv6 ]; then
		echo 1 >/proc/sys/net/ipv6/conf/kudp0/disable_ipv6 || return 1
	fi
	ip addr add 192.0.2.1/24 dev kudp0 && ip link set dev kudp0 up || return 1
	load_rx && load_tx || return 1
	echo one >$S/data || return 1
	wait_for 30 tx_idle || fail "the send to 127.0.0.1 never ended: $(cat $S/state)" || return 1
	expect "the send to 127.0.0.1" "0" "$(cat $S/last_error)" || return 1
	echo 192.0.2.9 >$S/ip || return 1
	for a in 192.0.2.1 192.0.2.5; do
		if [ $a = 192.0.2.5 ]; then
			ip addr del 192.0.2.1/24 dev kudp0 && ip addr add 192.0.2.5/24 dev kudp0 || return 1
		fi
		n=$(cat $tx)
		echo two >$S/data || return 1
		wait_for 30 tx_idle || fail "the send from $a never ended: $(cat $S/state)" || return 1
		diag "kudp0 at $a: the send to 192.0.2.9 ended with last_error $(cat $S/last_error); kudp0 sent $(($(cat $tx) - n)) frames"
		expect "the send to 192.0.2.9, kudp0 at $a" "0" "$(cat $S/last_error)" || return 1
		[ "$(cat $tx)" -gt "$n" ] || fail "kudp0 at $a: nothing left through it" || return 1
	done
}

t_debug_output() {
	load_rx debug=1 && load_tx debug=1 || return 1
	local seq=$($KMSG last)
	echo dbg >$S/data || return 1
	wait_for 30 rx_complete || return 1
	local log=$(log_since "$seq") p
	for p in 'send_udp: send_udp_start(len=4)' 'send_udp: kernel_sendmsg(4 bytes at offset 0) = 4' \
		 'receive_udp: skb_recv_udp() = 4 bytes from 127.0.0.1:' 'receive_udp: idle timer armed' \
		 'receive_udp: idle timer expired' 'receive_udp: message 1 completed (5 s idle): 4 bytes in 1 datagrams' \
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
	wait_for 30 tx_idle || return 1
	local n=$(log_since "$seq" | grep -c 'kernel_sendmsg(')
	diag "$n kernel_sendmsg lines for 3000 datagrams"
	[ "$n" -le 100 ] || fail "$n lines: not rate-limited"
}

t_enodev_outside_life() {
	# The parameter files exist while init allocates a large buffer. A
	# process already running (its start takes no time from the window)
	# writes and reads them as soon as they appear.
	pyrun '
import errno, os, time
S = "/sys/module/send_udp/parameters/"
open("'"$TMP"'/ready", "w").close()
while not os.path.exists(S + "data"):
    time.sleep(0.005)
out = []
for name, call in (("write", lambda: os.write(os.open(S + "data", os.O_WRONLY), b"early")),
                   ("read", lambda: open(S + "state").read())):
    try:
        call()
        out.append(name + ":ok")
    except OSError as e:
        out.append(name + ":" + errno.errorcode[e.errno])
print(" ".join(out))' >"$TMP/early" &
	local pid=$!
	wait_for 30 test -e "$TMP/ready" || return 1
	insmod "$MOD/send_udp.ko" buffer_size=1G || return 1
	wait $pid
	expect "write and read during init" "write:ENODEV read:ENODEV" "$(cat "$TMP/early")" || return 1
	expect "state after init" "idle" "$(cat $S/state)" || return 1
	expect "nothing was sent" "" "$(cat $S/data)"
}

t_unload_states() {
	local seq
	diag "unloading receive_udp: state empty"
	load_rx || return 1
	rmmod receive_udp && ! loaded receive_udp || fail "still loaded" || return 1

	diag "unloading receive_udp: receiving, idle timer armed"
	local try when
	for try in 1 2 3; do
		load_rx debug=1 || return 1
		seq=$($KMSG last)
		$UDP send part || return 1
		wait_for 30 grep -q receiving $R/state || return 1
		rmmod receive_udp && ! loaded receive_udp || fail "still loaded" || return 1
		sleep 6		# past the timer's expiry
		# Where the timer's line falls: before the exit began (a slow
		# guest took 5 s to get there from the datagram: try again),
		# in it (before its hrtimer_cancel(): harmless), or after it.
		when=$(log_since "$seq" | awk '/receive_udp_exit\(\)/ { s = 1 } /receive_udp: unloaded/ { u = 1 }
			/idle timer expired/ { print u ? "after" : s ? "during" : "before" }')
		[[ $when != *after* ]] || fail "timer fired after unload" || return 1
		[[ $when == *before* ]] || break
		diag "the idle timer expired before rmmod got to the exit: again"
	done
	[[ $when != *before* ]] || fail "rmmod never began within 5 s of the datagram" || return 1

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
	# The burst fills the 1 MiB buffer at once; the rest is overflow.
	wait_for 30 rx_started || fail "the burst never came" || return 1
	cat $R/state | sed 's/^/# state: /'
	rmmod receive_udp && ! loaded receive_udp || fail "still loaded" || return 1
	wait $pid

	diag "unloading send_udp: idle"
	load_tx || return 1
	cat $S/state | sed 's/^/# state: /'
	rmmod send_udp && ! loaded send_udp || fail "still loaded" || return 1

	diag "unloading send_udp: blocked in a send (slow link, send buffer full)"
	load_rx && load_tx payload=1 gso=0 || return 1
	seq=$($KMSG last)
	hold_loopback || return 1
	head -c 4000 /dev/zero | tr '\0' s >$S/data || return 1
	cat $S/state | sed 's/^/# state: /'
	local t0=$(date +%s.%N) t rc
	rmmod send_udp
	rc=$? t=$(since "$t0")
	release_loopback
	[ $rc -eq 0 ] && ! loaded send_udp || fail "still loaded" || return 1
	diag "rmmod took $t s"
	below "$t" "$(rmmod_limit)" || fail "rmmod waited for the send" || return 1
	log_since "$seq" | grep -E 'send aborted|unloaded' | sed 's/^/# log: /'
	log_since "$seq" | grep -q 'send aborted after [0-9]* of 4000 bytes' || fail "send not aborted" || return 1
	rmmod receive_udp && ! loaded receive_udp
}

t_flood() {
	# Four processes flood 1-byte datagrams (at the lowest priority: what
	# is tested is the receive work, not the scheduler). The drain takes
	# RX_DRAIN_BUDGET datagrams a pass and queues itself again, so that a
	# discard through netlink, and rmmod, each return within 2 s while the
	# flood goes on (rmmod: rmmod_limit, 3 s or 10 on the debug kernel; a
	# drain that never let go would hold it for the flood's 15 s).
	load_rx || return 1
	local i pids="" out t0 t rc limit=$(rmmod_limit)
	for i in 1 2 3 4; do
		nice -n 19 $FLOOD 127.0.0.1 8808 15 >"$TMP/flood$i" &
		pids="$pids $!"
	done
	wait_for 30 grep -qx receiving $R/state || fail "the flood never came" || return 1
	sleep 2
	diag "queued on the socket: $((16#$(awk '$2 ~ /:2268$/ { split($5, q, ":"); print q[2] }' /proc/net/udp))) bytes"
	out=$($GENL status receive_udp --cmd 3 --ack --time)
	diag "discard during the flood: $(echo $out)"
	expect "discard" "error 0" "$(echo "$out" | head -n 1)" || return 1
	below "$(echo "$out" | awk '/^seconds/ { print $2 }')" 2 ||
		fail "the discard took more than 2 s" || return 1
	t0=$(date +%s.%N)
	rmmod receive_udp
	rc=$?
	t=$(since "$t0")
	wait $pids
	diag "rmmod during the flood: $t s; datagrams sent by each process: $(cat "$TMP"/flood* | xargs)"
	[ $rc -eq 0 ] && ! loaded receive_udp || fail "rmmod failed" || return 1
	below "$t" $limit || fail "rmmod took $t s (the limit: $limit s)"
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

t_load_unload() {
	# Alternate load and unload orders; KUDP_LOAD_ROUNDS rounds (make
	# check: 20; make check-slow: 100).
	local i
	for i in $(seq "${KUDP_LOAD_ROUNDS:-20}"); do
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
	small_machine 512 || return 1
	load_rx buffer_size=64M && load_tx buffer_size=64M || return 1
	echo small >$S/data || return 1
	wait_for 30 rx_complete || return 1
	expect "data" "small" "$(cat $R/data)"
}

t_enomem() {
	small_machine 512 || return 1
	local seq=$($KMSG last) m
	for m in receive_udp send_udp; do
		local err
		err=$(insmod "$MOD/$m.ko" 2>&1) && fail "$m loaded a 4 GiB buffer with 512 MiB available" && return 1
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

# ------------------------------------------------------ the device nodes

t_dev_sizes() {
	load_rx buffer_size=4M && load_tx buffer_size=4M || return 1
	local s
	# 0 bytes is one empty datagram, complete after 5 s idle; then 1 byte,
	# one datagram exactly, one byte more, and a size that is no multiple
	# of the datagram size, each into a buffer of its size: complete at
	# its last byte, by the full rule, without the 5 s wait.
	transfer 0 1 || return 1
	for s in "1 1" "65507 1" "65508 2" "1000003 16"; do
		rmmod receive_udp && load_rx buffer_size=${s% *} || return 1
		transfer $s || return 1
		expect "size ${s% *}: reason" "full" "$(cat $DR/reason)" || return 1
	done
	expect "messages sent" "5" "$(cat $DS/messages)"
}

t_dev_cat() {
	# The shell way: cat a binary file in, cat the message out.
	# A buffer of the message's size: complete at once (full).
	load_rx buffer_size=300007 && load_tx || return 1
	head -c 300000 /dev/urandom >"$TMP/in"
	printf '\0\0tail\0' >>"$TMP/in"
	cat "$TMP/in" >/dev/send_udp || return 1
	wait_seq 1 || return 1
	cat /dev/receive_udp >"$TMP/out" || return 1
	cmp "$TMP/in" "$TMP/out" || fail "cat /dev/receive_udp differs from what went in" || return 1
	# pread and lseek from anywhere in the message.
	expect "pread, SEEK_END" "ok 300007" "$(pyrun '
import os
fd = os.open("/dev/receive_udp", os.O_RDONLY)
src = open("'"$TMP"'/in", "rb").read()
ok = os.pread(fd, 1000, 123456) == src[123456:124456] and os.pread(fd, 100, 299990) == src[299990:]
print("ok" if ok else "differs", os.lseek(fd, 0, os.SEEK_END))')"
}

t_dev_full_and_overfill() {
	load_rx buffer_size=1M && load_tx buffer_size=2M || return 1
	# Exactly the receiver's capacity: complete at once, by the full rule.
	transfer 1048576 17 || return 1
	expect "reason" "full" "$(cat $DR/reason)" || return 1
	expect "overflow" "0" "$(cat $DR/overflow_bytes)" || return 1
	sleep 5.5	# end the burst
	# 100 bytes more than fit: counted as overflow.
	local src next=$(( $(cat $DR/seq) + 1 ))
	src=$($STREAM send 1048676) || return 1
	wait_seq $next || return 1
	expect "reason" "full" "$(cat $DR/reason)" || return 1
	expect "bytes kept" "1048576" "$(cat $DR/last_bytes)" || return 1
	expect "overflow" "100" "$(cat $DR/overflow_bytes)" || return 1
	set -- $($STREAM recv)
	expect "read back" "1048576 $(cat $DR/crc32)" "$1 $2"
}

t_dev_efbig() {
	load_rx && load_tx buffer_size=64K || return 1
	expect "writes into a 64 KiB buffer" "65536 65536 EFBIG" "$(pyrun '
import errno, os
fd = os.open("/dev/send_udp", os.O_WRONLY)
out = [str(os.write(fd, b"x" * 100000))]
try:
    os.write(fd, b"y")
except OSError as e:
    out.append(errno.errorcode[e.errno])
print(open("/sys/class/send_udp/send_udp/cur_bytes").read().strip(), " ".join(out))
os.close(fd)')" || return 1
	# A message that did not fit is not sent at all.
	wait_for 30 tx_idle || return 1
	expect "sends, receiver state" "0 empty" "$(cat $DS/seq) $(cat $DR/state)"
}

t_dev_aborted_writers() {
	# Only a whole message is sent. A writer killed by a signal, whose open
	# or write failed, or whose message was discarded meanwhile, sends
	# nothing; the receiver keeps its last message.
	load_rx && load_tx buffer_size=64K || return 1
	echo -n keep >$S/data
	wait_seq 1 || return 1
	local sig seq=$($KMSG last)
	for sig in KILL TERM; do
		pyrun '
import os, signal
fd = os.open("/dev/send_udp", os.O_WRONLY)
os.write(fd, b"partial")
os.kill(os.getpid(), signal.SIG'$sig')'
		wait_for 30 tx_idle || fail "SIG$sig: the sender stayed $(cat $S/state)" || return 1
	done
	# KUDP_IOC_DISCARD is _IO(0xb9, 3), from root on another open file.
	expect "O_DIRECT open, full buffer, writes and close after a discard" \
		"EINVAL EFBIG ECANCELED ECANCELED" "$(pyrun '
import errno, fcntl, os
def call(f):
    try:
        f()
        return "ok"
    except OSError as e:
        return errno.errorcode[e.errno]
out = [call(lambda: os.open("/dev/send_udp", os.O_WRONLY | os.O_DIRECT))]
fd = os.open("/dev/send_udp", os.O_WRONLY)
os.write(fd, b"x" * 65536)
out.append(call(lambda: os.write(fd, b"y")))
os.close(fd)
fd = os.open("/dev/send_udp", os.O_WRONLY)
os.write(fd, b"to be discarded")
fcntl.ioctl(os.open("/dev/send_udp", os.O_RDONLY), 0xb903)
out.append(call(lambda: os.write(fd, b"more")))
out.append(call(lambda: os.close(fd)))
print(" ".join(out))')" || return 1
	wait_for 30 tx_idle || return 1
	expect "sends, receiver" "1 1 complete keep" \
		"$(cat $DS/seq) $(cat $DR/seq) $(cat $DR/state) $(cat $R/data)" || return 1
	log_since "$seq" | grep 'not sent' | sed 's/^/# log: /'
	expect "log lines" "2 1 1" "$(log_since "$seq" | grep -c 'killed by a signal') $(
		log_since "$seq" | grep -c 'a write failed (error -27)') $(
		log_since "$seq" | grep -c 'it was discarded (error -125)')" || return 1
	# kudpctl interrupted while it writes: nothing sent either.
	# (Not a pipeline: wait would wait for the sleep too.)
	$KUDPCTL send - 2>"$TMP/err" < <(head -c 1000 /dev/urandom; sleep 30) &
	local pid=$!
	wait_for 30 grep -qx 1000 $DS/cur_bytes || fail "kudpctl never wrote" || return 1
	kill -INT $pid
	wait $pid && fail "kudpctl send succeeded" && return 1
	grep -q "interrupted; nothing sent" "$TMP/err" || fail "kudpctl said: $(cat "$TMP/err")" || return 1
	wait_for 30 tx_idle || return 1
	expect "sends after kudpctl" "1 keep" "$(cat $DS/seq) $(cat $R/data)"
}

t_dev_one_writer() {
	load_rx && load_tx || return 1
	exec 3>/dev/send_udp
	expect "state with a writer" "filling" "$(cat $DS/state)" || { exec 3>&-; return 1; }
	expect "second open, O_NONBLOCK" "EBUSY" "$(pyrun '
import errno, os
try:
    os.open("/dev/send_udp", os.O_WRONLY | os.O_NONBLOCK)
    print("opened")
except OSError as e:
    print(errno.errorcode[e.errno])')" || { exec 3>&-; return 1; }
	expect "data parameter meanwhile" "EBUSY" "$(write $S/data x)" || { exec 3>&-; return 1; }
	# A blocking open waits until the first message is sent.
	pyrun '
import os, time
fd = os.open("/dev/send_udp", os.O_WRONLY)
os.write(fd, b"second")
print("%.1f" % time.monotonic())
os.close(fd)' >"$TMP/second" 3>&- &
	local pid=$!
	sleep 2
	[ -s "$TMP/second" ] && { exec 3>&-; fail "the second open did not wait"; return 1; }
	# Meanwhile other devices open at once (a waiting open holds no global
	# lock, as misc_open() would), this one too for its ioctls.
	expect "other opens while one waits" "ok" "$(timeout 10 $PY -c '
import os
for dev in ("/dev/send_udp", "/dev/receive_udp", "/dev/cpu_dma_latency", "/dev/loop-control"):
    if dev == "/dev/send_udp" or os.path.exists(dev):
        os.close(os.open(dev, os.O_RDONLY))
print("ok")' 3>&-)" || { exec 3>&-; return 1; }
	echo -n first >&3
	local closed=$(awk '{ print $1 }' /proc/uptime)
	exec 3>&-
	wait $pid || return 1
	diag "second writer got in $(awk -v a="$closed" -v b="$(cat "$TMP/second")" 'BEGIN { printf "%.1f", b - a }') s after the first closed"
	wait_seq 1 || return 1
	expect "one message of both, in order" "firstsecond" "$(cat $R/data)"
}

t_dev_read_blocking() {
	load_rx && load_tx || return 1
	expect "O_NONBLOCK read without a message" "EAGAIN" "$(pyrun '
import errno, os
fd = os.open("/dev/receive_udp", os.O_RDONLY | os.O_NONBLOCK)
try:
    os.read(fd, 10)
except OSError as e:
    print(errno.errorcode[e.errno])')" || return 1
	expect "poll without a message" "[]" "$(pyrun '
import select
f = open("/dev/receive_udp", "rb")
p = select.poll(); p.register(f, select.POLLIN)
print(p.poll(0))')" || return 1
	# A blocked read and a blocked poll are woken by the completion.
	pyrun '
import os, time
fd = os.open("/dev/receive_udp", os.O_RDONLY)
print(os.read(fd, 100).decode(), "%.1f" % time.monotonic())' >"$TMP/read" &
	local rpid=$!
	pyrun '
import select, time
f = open("/dev/receive_udp", "rb")
p = select.poll(); p.register(f, select.POLLIN)
print(p.poll(30000), "%.1f" % time.monotonic())' >"$TMP/poll" &
	local ppid=$!
	sleep 1
	echo -n wake-up >$S/data
	wait $rpid $ppid
	expect "blocked read" "wake-up" "$(cut -d' ' -f1 "$TMP/read")" || return 1
	grep -q '\[(.*, 1)\]' "$TMP/poll" || fail "poll: $(cat "$TMP/poll")" || return 1
	expect "O_NONBLOCK read with a message" "wake-up" "$(pyrun '
import os
fd = os.open("/dev/receive_udp", os.O_RDONLY | os.O_NONBLOCK)
print(os.read(fd, 100).decode())')"
}

t_dev_signals() {
	load_rx && load_tx || return 1
	exec 3>/dev/send_udp
	# A signal interrupts a blocked read and a blocked open.
	expect "signals" "read interrupted open interrupted" "$(pyrun '
import os, signal, time
class Interrupted(Exception):
    pass
def handler(sig, frame):
    raise Interrupted
signal.signal(signal.SIGALRM, handler)
out = []
for what, call in (("read", lambda: os.read(os.open("/dev/receive_udp", os.O_RDONLY), 10)),
                   ("open", lambda: os.open("/dev/send_udp", os.O_WRONLY))):
    signal.alarm(1)
    t0 = time.monotonic()
    try:
        call()
        out.append(what + " returned")
    except Interrupted:
        out.append(what + (" interrupted" if time.monotonic() - t0 < 5 else " slow"))
print(" ".join(out))')"
	local rc=$?
	exec 3>&-
	return $rc
}

t_dev_estale() {
	load_rx && load_tx || return 1
	$UDP send "@4000" --wait-complete 8 >/dev/null || return 1
	expect "reads" "1000 ESTALE new" "$(pyrun '
import errno, os, socket, time
fd = os.open("/dev/receive_udp", os.O_RDONLY)
out = [str(len(os.read(fd, 1000)))]
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"new", ("127.0.0.1", 8808))
while open("/sys/class/receive_udp/receive_udp/state").read().strip() != "receiving":
    time.sleep(0.05)
try:
    os.read(fd, 1000)
    out.append("read")
except OSError as e:
    out.append(errno.errorcode[e.errno])
# A read from offset 0 starts over: it waits for the new message.
os.lseek(fd, 0, os.SEEK_SET)
out.append(os.read(fd, 100000).decode())
print(" ".join(out))')" || return 1
	expect "data" "new" "$(cat $R/data)"
}

t_dev_read_end() {
	load_rx && load_tx || return 1
	expect "read of 0 bytes, no message" "0" "$(pyrun '
import os, signal
signal.alarm(5)
print(len(os.read(os.open("/dev/receive_udp", os.O_RDONLY), 0)))')" || return 1
	echo -n first >$S/data
	wait_seq 1 || return 1
	# A reader that has read its message to the end: poll says there is
	# nothing more, even from offset 0; a new datagram discards the
	# message, and the reader at its end gets EOF (not ESTALE). poll then
	# wakes for the next message, which a read from 0 gets.
	expect "reader at the end" "first [] [] EOF new [] second" "$(pyrun '
import os, select, socket, time
STATE = "/sys/class/receive_udp/receive_udp/state"
fd = os.open("/dev/receive_udp", os.O_RDONLY)
p = select.poll()
p.register(fd, select.POLLIN)
out = [os.read(fd, 100).decode(), str(p.poll(0))]
os.lseek(fd, 0, os.SEEK_SET)
out.append(str(p.poll(0)))
os.lseek(fd, 5, os.SEEK_SET)
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"second", ("127.0.0.1", 8808))
while open(STATE).read().strip() != "receiving":
    time.sleep(0.05)
out.append(os.read(fd, 100).decode() or "EOF")
out.append("new" if p.poll(30000) else "nothing")
os.lseek(fd, 0, os.SEEK_SET)
data = os.read(fd, 100).decode()
out += [str(p.poll(0)), data]
print(" ".join(out))')"
}

t_dev_concurrent_readers() {
	load_rx buffer_size=8M && load_tx buffer_size=8M || return 1
	set -- $($STREAM send 5000000)
	local crc=$2 i pids=""
	for i in 1 2 3 4; do
		$IOCTL read /dev/receive_udp "$TMP/r$i" >"$TMP/seq$i" &
		pids="$pids $!"
	done
	wait $pids || return 1
	for i in 1 2 3 4; do
		expect "reader $i: seq and bytes" "1 5000000" "$(cat "$TMP/seq$i")" || return 1
		cmp "$TMP/r1" "$TMP/r$i" || fail "reader $i read other bytes" || return 1
	done
	expect "CRC-32 of what the readers got" "$crc" \
		"$(pyrun 'import zlib; print("%08x" % zlib.crc32(open("'"$TMP"'/r1", "rb").read()))')"
}

t_dev_stats_agree() {
	# A buffer of the message's size: complete at once (full).
	load_rx buffer_size=300000 && load_tx || return 1
	$STREAM send 300000 >/dev/null || return 1
	wait_seq 1 || return 1
	local d f k v
	local -A io
	for d in $DS $DR; do
		# The ioctl's "field value" lines, read by the shell itself (a
		# process per field would take a second each here).
		io=()
		while read -r k v; do
			io[$k]=$v
		done < <($IOCTL stats /dev/${d##*/})
		expect "$d: size version" "120 2" "${io[size]:-} ${io[version]:-}" || return 1
		for f in $d/*; do
			[ -f "$f" ] && [ -r "$f" ] || continue
			k=${f##*/}
			case $k in dev|uevent) continue ;; esac
			[ -n "${io[$k]:-}" ] || fail "$f: no such ioctl field" || return 1
			case $k in
			state|reason) continue ;;	# numbers in the ioctl, names in sysfs
			esac
			expect "$f = ioctl" "${io[$k]}" "$(<"$f")" || return 1
		done
	done
	# GET_STATS from a program built with an older header (24 bytes) and
	# a newer one (16 bytes more than ours): each gets what both know.
	expect "an older caller" "size 24 version 2 seq 1 untouched 0" \
		"$($IOCTL stats-as /dev/receive_udp 24)" || return 1
	expect "a newer caller" "size 120 version 2 seq 1 untouched 16" \
		"$($IOCTL stats-as /dev/receive_udp 136)" || return 1
	expect "sysfs files of send_udp" "capacity crc32 cur_bytes cur_datagrams errors last_bytes last_datagrams last_error messages rejected seq state" \
		"$(cd $DS && ls | grep -v -e dev -e uevent -e power -e subsystem | xargs)" || return 1
	expect "sysfs files of receive_udp" "capacity crc32 cur_bytes cur_datagrams drops errors last_bytes last_datagrams last_error messages overflow_bytes reason rejected seq state udp_errors" \
		"$(cd $DR && ls | grep -v -e dev -e uevent -e power -e subsystem | xargs)"
}

t_dev_privilege() {
	# A buffer of the message's size: complete at once (full).
	load_rx buffer_size=4 && load_tx || return 1
	echo -n some >$S/data
	wait_seq 1 || return 1
	expect "mode of the nodes" "600 600" "$(stat -c %a /dev/send_udp) $(stat -c %a /dev/receive_udp)" || return 1
	expect "non-root opens" "EACCES EACCES" "$(setpriv --reuid=65534 --regid=65534 --clear-groups $PY -c '
import errno
out = []
for dev, mode in (("/dev/receive_udp", "rb"), ("/dev/send_udp", "wb")):
    try:
        open(dev, mode)
        out.append("opened")
    except OSError as e:
        out.append(errno.errorcode[e.errno])
print(" ".join(out))')" || return 1
	# Opened as root, then capabilities dropped: reset and discard refused.
	local r
	exec 3</dev/receive_udp 4</dev/send_udp
	r=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		sh -c "$IOCTL reset -3; $IOCTL discard -3; $IOCTL reset -4; $IOCTL discard -4; $IOCTL stats -3 >/dev/null && echo stats-ok" 2>&1)
	exec 3<&- 4<&-
	expect "without CAP_NET_ADMIN" "KUDP_IOC_RESET: EPERM KUDP_IOC_DISCARD: EPERM KUDP_IOC_RESET: EPERM KUDP_IOC_DISCARD: EPERM stats-ok" "$(echo $r)" || return 1
	expect "nothing changed" "1 complete some" "$(cat $DR/messages) $(cat $DR/state) $(cat $R/data)" || return 1
	# As root: reset zeroes the counters (not seq), discard empties the buffer.
	$IOCTL reset /dev/receive_udp && $IOCTL discard /dev/receive_udp || return 1
	expect "after reset and discard" "0 1 empty" "$(cat $DR/messages) $(cat $DR/seq) $(cat $DR/state)" || return 1
	expect "data after discard" "" "$(cat $R/data)" || return 1
	$IOCTL reset /dev/send_udp && $IOCTL discard /dev/send_udp || return 1
	expect "send_udp after reset and discard" "0 " "$(cat $DS/messages) $(cat $S/data)"
}

t_dev_rmmod_busy() {
	# A buffer of the message's size: complete at once (full).
	load_rx buffer_size=5 && load_tx || return 1
	local m
	for m in receive_udp send_udp; do
		exec 3</dev/$m
		local err=$(rmmod $m 2>&1)
		loaded $m || { exec 3<&-; fail "$m unloaded with an open file"; return 1; }
		case $err in *"in use"*) ;; *) exec 3<&-; fail "rmmod said: $err"; return 1;; esac
		expect "$m still works" "0" "$(cat /sys/class/$m/$m/errors)" || { exec 3<&-; return 1; }
		exec 3<&-
	done
	echo -n after >$S/data
	wait_seq 1 || return 1
	expect "data" "after" "$(cat $R/data)"
}

t_drops_control() {
	# A tiny receive buffer must drop, and the module's count must match the
	# kernel's own. Two userspace senders, one pinned to each CPU, outrun
	# the drain (it shares a CPU with one of them, and takes a CRC-32 of
	# what it copies). A round that dropped nothing is sent again: at most
	# 5 rounds of 2 x 10 MB.
	load_rx buffer_size=64M rcvbuf=4K || return 1
	local before=$(awk '/^Udp: [0-9]/ { print $4, $6 }' /proc/net/snmp) round
	for round in 1 2 3 4 5; do
		taskset -c 0 $STREAM udp-send 10000000 >/dev/null &
		taskset -c 1 $STREAM udp-send 10000000 >/dev/null || return 1
		wait $! || return 1
		wait_seq $round || return 1
		[ "$(cat $DR/drops)" -gt 0 ] && break
	done
	local after=$(awk '/^Udp: [0-9]/ { print $4, $6 }' /proc/net/snmp)
	local drops=$(cat $DR/drops)
	local sock=$(awk '$2 ~ /:2268$/ { print $NF }' /proc/net/udp)
	set -- $before $after
	diag "round $round: drops $drops, /proc/net/udp $sock, RcvbufErrors +$(($4 - $2)), InErrors +$(($3 - $1)), udp_errors $(cat $DR/udp_errors)"
	[ "$drops" -gt 0 ] || fail "no drops with a tiny receive buffer in 5 rounds" || return 1
	expect "drops = /proc/net/udp" "$sock" "$drops" || return 1
	expect "drops = RcvbufErrors growth" "$(($4 - $2))" "$drops" || return 1
	expect "udp_errors = InErrors growth" "$(($3 - $1))" "$(cat $DR/udp_errors)" || return 1
	expect "the drops parameter" "$drops" "$(cat $R/drops)"
}

t_peer() {
	# Only peer writes into the message; bad values change nothing.
	load_rx || return 1
	local seq=$($KMSG last)
	expect "default" "0.0.0.0/0" "$(cat $R/peer)" || return 1
	expect "bad values" "EINVAL EINVAL EINVAL EINVAL EINVAL" \
		"$(write $R/peer 1.2.3 192.0.2.1/24 10.0.0.0/33 '\n' 127.0.0.1/)" || return 1
	expect "kept" "0.0.0.0/0" "$(cat $R/peer)" || return 1
	expect "log lines" "5" "$(log_since "$seq" | grep -c 'receive_udp: peer: ')" || return 1
	log_since "$seq" | grep -q 'did you mean 192.0.2.0/24' || fail "no hint for host bits" || return 1
	echo 127.0.0.2 >$R/peer || return 1
	expect "one host" "127.0.0.2/32" "$(cat $R/peer)" || return 1
	# A foreign datagram alone: the message stays empty.
	$UDP send --from 127.0.0.1 foreign || return 1
	wait_for 30 grep -qx 1 $DR/rejected || fail "rejected: $(cat $DR/rejected)" || return 1
	expect "state after a foreign datagram" "empty 0" "$(cat $DR/state) $(cat $DR/cur_bytes)" || return 1
	# Peer's message, with a foreign datagram in its middle.
	$UDP send --from 127.0.0.2 mine || return 1
	$UDP send --from 127.0.0.1 --wait-complete 10 bad >/dev/null || return 1
	expect "the message" "mine 2" "$(cat $R/data) $(cat $DR/rejected)" || return 1
	log_since "$seq" | grep -q 'datagram from 127.0.0.1:[0-9]* dropped: not from peer' ||
		fail "no log line for the foreign datagram" || return 1
	# A prefix; a reset zeroes the count.
	echo 127.0.0.0/8 >$R/peer || return 1
	$UDP send --from 127.0.0.1 --wait-complete 10 ours >/dev/null || return 1
	expect "from the prefix" "ours 2" "$(cat $R/data) $(cat $DR/rejected)" || return 1
	$IOCTL reset /dev/receive_udp || return 1
	expect "rejected after a reset" "0" "$(cat $DR/rejected)"
}

t_gso_gro() {
	# payload=1000 over loopback: with gso (the default) one call hands
	# the stack 65 datagrams (Udp OutDatagrams counts calls); receive_udp
	# with gro takes them as one receive (InDatagrams counts receives),
	# without it one by one. Every way, each datagram counts and the
	# bytes are the same.
	local size=$((4 << 20)) dg=$((((4 << 20) + 999) / 1000)) g out in
	load_rx buffer_size=4M && load_tx buffer_size=4M payload=1000 || return 1
	expect "defaults" "1 1" "$(cat $S/gso) $(cat $R/gro)" || return 1
	# Each message fills receive_udp's buffer exactly and completes at
	# once (the full rule); loaded anew for the next, which would
	# otherwise be overflow of the same burst.
	for g in "1 1" "1 0" "0 1"; do
		set -- $g
		[ "$g" = "1 1" ] || { rmmod receive_udp && load_rx buffer_size=4M; } || return 1
		echo $1 >$S/gso && echo $2 >$R/gro || return 1
		out=$(snmp Udp OutDatagrams)
		in=$(snmp Udp InDatagrams)
		transfer $size $dg || return 1
		out=$(($(snmp Udp OutDatagrams) - out))
		in=$(($(snmp Udp InDatagrams) - in))
		diag "gso=$1 gro=$2: $dg datagrams in $out sends and $in receives"
		if [ $1 = 1 ]; then
			expect "sends with gso=1" "$(((dg + 64) / 65))" "$out" || return 1
		else
			expect "sends with gso=0" "$dg" "$out" || return 1
		fi
		if [ $1$2 = 11 ]; then
			[ "$in" -le $((dg / 10)) ] || fail "gro=1: $in receives for $dg datagrams" || return 1
		else
			expect "receives with gso=$1 gro=$2" "$dg" "$in" || return 1
		fi
	done
}

t_bad_switches() {
	# gso, gro and rate: a bad value is refused with EINVAL and a log
	# line, and changes nothing.
	load_rx && load_tx || return 1
	local seq=$($KMSG last) v
	for v in 2 -1 yes 10 "1 " "" ; do
		[ -z "$v" ] && v=" "
		expect "gso=$v gro=$v" "EINVAL EINVAL" "$(write $S/gso "$v") $(write $R/gro "$v")" || return 1
	done
	for v in abc 10X -1 "1M " ""; do
		[ -z "$v" ] && v=" "
		expect "rate=$v" "EINVAL" "$(write $S/rate "$v")" || return 1
	done
	expect "unchanged" "1 1 0" "$(cat $S/gso) $(cat $R/gro) $(cat $S/rate)" || return 1
	expect "log lines" "17" "$(log_since "$seq" | grep -cE '_udp: (gso|gro|rate): ')" || return 1
	log_since "$seq" | grep -q "gro: '2' is not 0 (off) or 1 (on)" || fail "no clear line for gro" || return 1
	log_since "$seq" | grep -q "rate: 'abc' is not a number of bytes (suffixes" || fail "no clear line for rate" || return 1
	expect "good values" "ok ok ok ok" "$(write $S/gso 0) $(write $R/gro '0\n') $(write $S/rate 10M) $(write $S/rate 0)" || return 1
	expect "after good values" "0 0 0" "$(cat $S/gso) $(cat $R/gro) $(cat $S/rate)" || return 1
	echo 1500K >$S/rate && expect "rate with a suffix" "1536000" "$(cat $S/rate)"
}

t_rate() {
	# rate paces a send: 2000000 bytes at 1M (1 MiB/s) leave in 31
	# datagrams, the last one due 1.87 s after the first (unpaced: some
	# 10 ms). The bytes arrive whole.
	local size=2000000 t0 t
	load_rx buffer_size=2M && load_tx buffer_size=2M rate=1M || return 1
	expect "rate" "1048576" "$(cat $S/rate)" || return 1
	t0=$(date +%s.%N)
	transfer $size 31 || return 1
	t=$(since "$t0")
	diag "2000000 bytes at rate=1M: $t s from the write to the receiver's completion (5 s idle included)"
	below 6.8 "$t" || fail "the send took $t s: not paced" || return 1
	# rmmod in the middle of a slow paced send (30 s at 64 KiB/s) returns
	# at once.
	echo 64K >$S/rate || return 1
	head -c 2000000 /dev/zero >/dev/send_udp || return 1
	wait_for 30 grep -qx sending $DS/state || return 1
	rmmod_within send_udp $(rmmod_limit)
}

t_interop_100m() {
	load_rx buffer_size=128M || return 1
	local src got size=104857600
	# A userspace client into /dev/receive_udp.
	# Pinned to one CPU: over loopback, a sender that migrates can have its
	# datagrams delivered out of order.
	src=$(taskset -c 0 $STREAM udp-send $size) || return 1
	wait_seq 1 60 || return 1
	got=$($STREAM recv) || return 1
	diag "udp-send: $src; recv: $got; drops $(cat $DR/drops)"
	expect "userspace -> receive_udp" "$size $(echo $src | cut -d' ' -f2)" "$(echo $got | cut -d' ' -f1-2)" || return 1
	expect "receive_udp crc32" "$(echo $src | cut -d' ' -f2)" "$(cat $DR/crc32)" || return 1
	expect "drops" "0" "$(cat $DR/drops)" || return 1
	rmmod receive_udp
	# /dev/send_udp into a userspace listener.
	load_tx buffer_size=128M || return 1
	$STREAM udp-listen $size --ready "$TMP/ready" >"$TMP/got" &
	local pid=$!
	wait_for 30 test -e "$TMP/ready" || return 1
	src=$($STREAM send $size) || return 1
	wait $pid
	got=$(cat "$TMP/got")
	diag "send: $src; listener: $got (bytes, CRC-32, its drops, datagrams)"
	expect "send_udp -> userspace" "$size $(echo $src | cut -d' ' -f2) 0" "$(echo $got | cut -d' ' -f1-3)" || return 1
	expect "send_udp crc32" "$(echo $src | cut -d' ' -f2)" "$(cat $DS/crc32)"
}

t_big_4g() {
	free -m | sed 's/^/# /'
	# KUDP_BIG_SIZE: a smaller buffer, for the debug kernel (debug-guest.sh).
	local size=${KUDP_BIG_SIZE:-4294967296} src got
	local t0=$(date +%s)
	insmod "$MOD/receive_udp.ko" ${KUDP_BIG_SIZE:+buffer_size=$size} &&
		insmod "$MOD/send_udp.ko" ${KUDP_BIG_SIZE:+buffer_size=$size} || return 1
	diag "both modules loaded with their $size-byte buffers in $(($(date +%s) - t0)) s"
	expect "capacity" "$size $size" "$(cat $DS/capacity) $(cat $DR/capacity)" || return 1
	t0=$(date +%s.%N)
	src=$($STREAM send $size) || return 1
	wait_seq 1 600 || return 1
	local t1=$(date +%s.%N)
	expect "completed by" "full" "$(cat $DR/reason)" || return 1
	got=$($STREAM recv) || return 1
	local secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	diag "$size bytes: written+sent+received in $secs s ($(awk -v s="$secs" -v n="$size" 'BEGIN { printf "%.0f", n / 1048576 / s }') MiB/s end to end), drops $(cat $DR/drops)"
	diag "source: $src (bytes, CRC-32, s to write); read back: $got"
	set -- $src
	local crc=$2
	expect "read back" "$size $crc" "$(echo $got | cut -d' ' -f1-2)" || return 1
	expect "module CRC-32s" "$crc $crc" "$(cat $DS/crc32) $(cat $DR/crc32)" || return 1
	expect "drops" "0" "$(cat $DR/drops)" || return 1
	expect "overflow" "0" "$(cat $DR/overflow_bytes)"
}

# bench JSON SIZE ROUNDS: tests/bench.py, its table as diagnostics, its
# figures in the file JSON.
bench() {
	$PY $HERE/bench.py "$MOD" "$@" >"$TMP/bench" 2>&1
	local rc=$?
	cat "$TMP/bench"
	[ $rc -eq 0 ] || fail "bench.py exited with $rc"
}

t_bench_smoke() {
	# make bench's loopback part with 4 MiB and one round, so that it
	# never rots; no speed is asserted.
	bench "$TMP/bench.json" $((4 << 20)) 1 || return 1
	expect "figures in bench.json" "11" "$(pyrun 'import json; print(len(json.load(open("'"$TMP"'/bench.json"))["results"]))')"
}

t_bench() {
	# make bench: 1 GiB, 3 rounds; the figures in OUTDIR/bench.json.
	bench "$OUT/bench.json" $((1 << 30)) 3
}

t_docs_match() {
	# Every parameter and statistics file is documented, and everything
	# documented exists.
	load_rx && load_tx || return 1
	local m ok=0 doc=$HERE/../Documentation/kudp.rst
	for m in send_udp receive_udp; do
		expect "$m: parameters in sysfs = modinfo -p" \
			"$(modinfo -p "$MOD/$m.ko" | cut -d: -f1 | sort | xargs)" \
			"$(ls /sys/module/$m/parameters | sort | xargs)" || ok=1
		$PY "$HERE/docs_check.py" "$doc" params $m $(ls /sys/module/$m/parameters) |
			sed 's/^/# /'
		[ "${PIPESTATUS[0]}" -eq 0 ] || ok=1
		$PY "$HERE/docs_check.py" "$doc" stats $m \
			$(cd /sys/class/$m/$m && find . -maxdepth 1 -type f -perm -0400 ! -name uevent ! -name dev -printf '%f\n') |
			sed 's/^/# /'
		[ "${PIPESTATUS[0]}" -eq 0 ] || ok=1
	done
	return $ok
}

# ------------------------------------------------ netlink and kudpctl

t_nl_status_ack() {
	# A buffer of the message's size: complete at once (full).
	load_rx buffer_size=300000 && load_tx || return 1
	$STREAM send 300000 >/dev/null || return 1
	wait_seq 1 || return 1
	local m out
	for m in receive_udp send_udp; do
		# Without NLM_F_ACK: the reply alone, nothing after it.
		out=$($GENL status $m) || return 1
		expect "$m: messages without NLM_F_ACK" "reply get_stats" \
			"$(echo "$out" | cut -d' ' -f1,2 | xargs)" || return 1
		nl_matches_sysfs /sys/class/$m/$m "$out" || return 1
		echo "$out" | grep -q ' seq=1 ' || fail "$m: no seq=1 in $out" || return 1
		# With NLM_F_ACK: the reply, then an NLMSG_ERROR with error 0.
		out=$($GENL status $m --ack) || return 1
		expect "$m: messages with NLM_F_ACK" "reply get_stats error 0" \
			"$(echo "$out" | cut -d' ' -f1,2 | xargs)" || return 1
	done
}

t_nl_refused() {
	# A buffer of the message's size: complete at once (full).
	load_rx buffer_size=4 && load_tx || return 1
	echo -n keep >$S/data
	wait_seq 1 || return 1
	local m=receive_udp
	# Any attribute, a header cut short, a command that is no request.
	expect "an attribute (SEQ)" "error -22 kudp requests take no attributes" \
		"$($GENL status $m --attr 4:0100000000000000)" || return 1
	expect "an attribute beyond KUDP_A_MAX" "error -22" \
		"$($GENL status $m --attr 99:00000000 | cut -d' ' -f1,2)" || return 1
	expect "a truncated genl header" "error -22" \
		"$($GENL status $m --short | cut -d' ' -f1,2)" || return 1
	expect "an event as a command" "error -95" "$($GENL status $m --cmd 4)" || return 1
	expect "an unknown command" "error -95" "$($GENL status $m --cmd 200)" || return 1
	# Without CAP_NET_ADMIN: status yes, reset and discard no.
	local nobody="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all"
	expect "unprivileged status" "reply get_stats error 0" \
		"$($nobody $GENL status $m --ack | cut -d' ' -f1,2 | xargs)" || return 1
	for m in receive_udp send_udp; do
		expect "$m: unprivileged reset" "error -1" "$($nobody $GENL status $m --cmd 2)" || return 1
		expect "$m: unprivileged discard" "error -1" "$($nobody $GENL status $m --cmd 3)" || return 1
	done
	expect "nothing changed" "1 1 complete keep" \
		"$(cat $DS/messages) $(cat $DR/messages) $(cat $DR/state) $(cat $R/data)" || return 1
	# As root they work, and acknowledge.
	expect "reset" "error 0" "$($GENL status receive_udp --cmd 2 --ack)" || return 1
	expect "discard" "error 0" "$($GENL status receive_udp --cmd 3 --ack)" || return 1
	expect "after reset and discard" "0 1 empty" \
		"$(cat $DR/messages) $(cat $DR/seq) $(cat $DR/state)" || return 1
	# send_udp refuses a discard while sending, with a message: 200
	# datagrams of 1000 bytes through the held loopback take minutes.
	echo 1000 >$S/payload
	hold_loopback || return 1
	head -c 200000 /dev/urandom >/dev/send_udp || return 1
	expect "discard while sending" "error -16 a send is in progress" \
		"$($GENL status send_udp --cmd 3)"
}

t_crc_private() {
	# The CRC-32 is derived from the message's content: nobody without
	# CAP_NET_ADMIN (root, for files) learns it, through any interface.
	# Sizes and counts stay public.
	# A buffer of the message's size: complete at once (full).
	load_rx buffer_size=4 && load_tx || return 1
	echo -n abcd >$S/data
	wait_seq 1 || return 1
	local nobody="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all"
	local crc=$(cat $DR/crc32)
	expect "files as nobody" "EACCES EACCES 4 4" "$($nobody $PY -c '
import errno
out = []
for f in ("/sys/class/send_udp/send_udp/crc32", "/sys/class/receive_udp/receive_udp/crc32"):
    try:
        out.append(open(f).read().strip())
    except OSError as e:
        out.append(errno.errorcode[e.errno])
for f in ("/sys/class/send_udp/send_udp/last_bytes", "/sys/class/receive_udp/receive_udp/last_bytes"):
    out.append(open(f).read().strip())
print(" ".join(out))')" || return 1
	local m out
	for m in send_udp receive_udp; do
		# --ack: the reply ends with the ACK, not with 2 s of silence.
		out=$($nobody $GENL status $m --ack) || return 1
		echo "$out" | grep -q ' crc32=' && fail "$m: GET_STATS gave nobody the CRC-32" && return 1
		echo "$out" | grep -q ' last_bytes=4 ' || fail "$m: no last_bytes for nobody" || return 1
		$GENL status $m --ack | grep -q " crc32=$(cat /sys/class/$m/$m/crc32) " || fail "$m: no CRC-32 for root" || return 1
		expect "$m: events as nobody" "join EPERM" "$($nobody $GENL listen $m --count 1 --timeout 1)" || return 1
	done
	$nobody $KUDPCTL status receive | grep -q crc32 && fail "kudpctl status showed nobody the CRC-32" && return 1
	# A file opened by root, used without the privilege.
	exec 3</dev/receive_udp
	expect "ioctl without CAP_NET_ADMIN, then as root" "00000000 $crc" \
		"$($nobody $IOCTL stats -3 | awk '$1 == "crc32" { print $2 }') $($IOCTL stats -3 | awk '$1 == "crc32" { print $2 }')"
	local rc=$?
	exec 3<&-
	return $rc
}

t_nl_two_listeners() {
	load_rx && load_tx || return 1
	local i
	for i in 1 2; do
		$GENL listen send_udp receive_udp --count 2 --ready "$TMP/ready$i" >"$TMP/ev$i" 3>&- &
	done
	wait_for 30 test -e "$TMP/ready1" -a -e "$TMP/ready2" || return 1
	echo -n both >$S/data
	wait || true
	wait_seq 1 || return 1
	cat "$TMP/ev1" | sed 's/^/# 1: /'
	cmp "$TMP/ev1" "$TMP/ev2" || fail "the two listeners saw different events" || return 1
	grep -q "^send_udp sent seq=1 bytes=4 datagrams=1 result=0 crc32=$(cat $DS/crc32) duration_ns=" "$TMP/ev1" ||
		fail "no sent event" || return 1
	grep -q "^receive_udp complete seq=1 bytes=4 datagrams=1 reason=1 crc32=$(cat $DR/crc32) " "$TMP/ev1" ||
		fail "no complete event"
}

t_kudpctl_roundtrip() {
	# Each message fills receive_udp's buffer and completes at its last
	# byte (the full rule), without the 5 s wait; the module is loaded
	# anew for the next, which would otherwise be the same burst's
	# overflow.
	local size=3000003
	load_rx buffer_size=$size && load_tx buffer_size=8M || return 1
	head -c 3000000 /dev/urandom >"$TMP/in"
	printf '\0\377\0' >>"$TMP/in"
	local crc
	crc=$(pyrun 'import zlib; print("%08x" % zlib.crc32(open("'"$TMP"'/in", "rb").read()))')
	$KUDPCTL recv -o "$TMP/out" --timeout 120 2>"$TMP/recv.err" 3>&- &
	local pid=$!
	sleep 1
	$KUDPCTL send "$TMP/in" 2>"$TMP/send.err" || { cat "$TMP/send.err"; fail "kudpctl send failed"; return 1; }
	sed 's/^/# /' "$TMP/send.err"
	grep -q "^sent 3000003 bytes, CRC-32 $crc, " "$TMP/send.err" || fail "send's report" || return 1
	wait $pid || { cat "$TMP/recv.err"; fail "kudpctl recv exited with $?"; return 1; }
	sed 's/^/# /' "$TMP/recv.err"
	grep -q "^message 1 (full): received 3000003 bytes, CRC-32 $crc, " "$TMP/recv.err" ||
		fail "recv's report" || return 1
	cmp "$TMP/in" "$TMP/out" || fail "the file received differs" || return 1
	# From standard input, to standard output.
	rmmod receive_udp && load_rx buffer_size=$size || return 1
	$KUDPCTL recv --timeout 120 >"$TMP/out2" 2>/dev/null 3>&- &
	pid=$!
	sleep 1
	$KUDPCTL send - <"$TMP/in" 2>/dev/null || fail "kudpctl send - failed" || return 1
	wait $pid || fail "kudpctl recv to stdout exited with $?" || return 1
	cmp "$TMP/in" "$TMP/out2" || fail "the output received differs" || return 1
	rmmod receive_udp && load_rx buffer_size=$size || return 1
	# On a terminal (script(1) gives it one), both draw a progress bar.
	script -qec "$KUDPCTL recv -o $TMP/out3 --timeout 120" "$TMP/recv.tty" >/dev/null 3>&- &
	pid=$!
	sleep 1
	script -qec "$KUDPCTL send $TMP/in" "$TMP/send.tty" >/dev/null || fail "send on a tty" || return 1
	wait $pid || fail "recv on a tty exited with $?" || return 1
	grep -q 'writing \[##*\] 100%' "$TMP/send.tty" || fail "no progress bar from send" || return 1
	grep -q 'reading \[##*\] 100%' "$TMP/recv.tty" || fail "no progress bar from recv" || return 1
	cmp "$TMP/in" "$TMP/out3" || fail "the file received on a tty differs"
}

t_kudpctl_monitor() {
	load_rx && load_tx || return 1
	$KUDPCTL monitor --json >"$TMP/mon" 2>"$TMP/mon.err" 3>&- &
	local pid=$!
	wait_for 30 grep -q monitoring "$TMP/mon.err" || fail "monitor never started" || return 1
	$KUDPCTL monitor >"$TMP/mon.txt" 2>"$TMP/mon2.err" 3>&- &
	local pid2=$!
	wait_for 30 grep -q monitoring "$TMP/mon2.err" || fail "text monitor never started" || return 1
	echo -n first >$S/data
	wait_seq 1 || return 1
	$IOCTL discard /dev/receive_udp || return 1
	echo -n second >$S/data
	wait_seq 2 || return 1
	echo -n third >$S/data	# replaces message 2
	wait_seq 3 || return 1
	kill -INT $pid $pid2
	wait $pid || fail "monitor --json exited with $?" || return 1
	wait $pid2 || fail "monitor exited with $?" || return 1
	sed 's/^/# /' "$TMP/mon"
	# In order for each module (the two modules' events may interleave).
	local m ev
	for m in send_udp receive_udp; do
		case $m in
		send_udp) ev="sent:1:5:0 sent:2:6:0 sent:3:5:0" ;;
		*) ev="complete:1:5:idle discarded:1:5:request complete:2:6:idle discarded:2:6:replaced complete:3:5:idle" ;;
		esac
		expect "$m events" "$ev" "$(pyrun '
import json
for line in open("'"$TMP"'/mon"):
    e = json.loads(line)
    extra = e.get("result", e.get("reason", e.get("cause")))
    if e["module"] == "'$m'":
        print("%s:%d:%d:%s" % (e["event"], e["seq"], e["bytes"], extra))' | xargs)" || return 1
	done
	expect "crc32 in events" "$(cat $DR/crc32)" \
		"$(pyrun 'import json; print([json.loads(l) for l in open("'"$TMP"'/mon")][-1]["crc32"])')" || return 1
	sed 's/^/# text: /' "$TMP/mon.txt"
	grep -Eq "^receive_udp complete seq=3 bytes=5 datagrams=1 reason=idle crc32=$(cat $DR/crc32) duration=[0-9.]+s$" "$TMP/mon.txt" ||
		fail "text line of the last completion"
}

t_nl_unload_listener() {
	load_rx && load_tx || return 1
	$KUDPCTL monitor >"$TMP/mon" 2>"$TMP/mon.err" 3>&- &
	local pid=$!
	$GENL listen receive_udp --count 1 --timeout 60 --ready "$TMP/raw.ready" >"$TMP/raw" 3>&- &
	local raw=$!
	wait_for 30 grep -q monitoring "$TMP/mon.err" || fail "monitor never started" || return 1
	wait_for 30 test -e "$TMP/raw.ready" || fail "the raw listener never subscribed" || return 1
	# Subscribed listeners do not hold the modules.
	rmmod send_udp && rmmod receive_udp || fail "rmmod with listeners subscribed" || return 1
	wait_for 30 grep -q "receive_udp unloaded" "$TMP/mon" || fail "monitor did not see the unload" || return 1
	load_rx && load_tx || return 1
	wait_for 30 grep -q "send_udp loaded" "$TMP/mon" || fail "monitor did not see the load" || return 1
	echo -n again >$S/data
	wait_seq 1 || return 1
	wait_for 30 grep -q "receive_udp complete seq=1" "$TMP/mon" || fail "no event after reloading" || return 1
	kill -INT $pid
	wait $pid || fail "monitor exited with $?" || return 1
	kill $raw 2>/dev/null
	wait $raw
	sed 's/^/# /' "$TMP/mon"
}

t_kudpctl_errors() {
	local rc
	$KUDPCTL status 2>"$TMP/err"; rc=$?
	expect "status, nothing loaded" "3" "$rc" || return 1
	grep -q "neither send_udp nor receive_udp is loaded" "$TMP/err" || fail "message: $(cat $TMP/err)" || return 1
	$KUDPCTL recv --timeout 1 2>"$TMP/err"; rc=$?
	expect "recv, nothing loaded" "3" "$rc" || return 1
	grep -q "receive_udp is not loaded" "$TMP/err" || fail "message: $(cat $TMP/err)" || return 1
	$KUDPCTL status --bogus 2>/dev/null; rc=$?
	expect "a bad option" "2" "$rc" || return 1
	$KUDPCTL send --help | grep -q "^Usage: kudpctl send" || fail "send --help" || return 1

	load_rx && load_tx || return 1
	$KUDPCTL status receive >/dev/null || fail "status receive" || return 1
	$KUDPCTL status send 2>/dev/null | grep -q '^send_udp$' || fail "status send" || return 1
	expect "status --json" "['receive_udp', 'send_udp'] 1048576 idle" "$($KUDPCTL status --json | pyrun '
import json, sys
s = json.load(sys.stdin)
print(sorted(s), s["receive_udp"]["capacity"], s["send_udp"]["state"])')" || return 1
	$KUDPCTL recv --timeout 2 >/dev/null 2>"$TMP/err"; rc=$?
	expect "recv, no message in 2 s" "5" "$rc" || return 1
	grep -q "no message completed within 2 s" "$TMP/err" || fail "message: $(cat $TMP/err)" || return 1
	head -c 1000 /dev/urandom >"$TMP/in"
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		$KUDPCTL send "$TMP/in" 2>"$TMP/err"; rc=$?
	expect "unprivileged send" "4" "$rc" || return 1
	grep -q "permission denied" "$TMP/err" || fail "message: $(cat $TMP/err)" || return 1
	head -c 1048577 /dev/zero >"$TMP/big"
	$KUDPCTL send "$TMP/big" 2>"$TMP/err"; rc=$?
	expect "a file larger than the buffer" "1" "$rc" || return 1
	grep -q "larger than send_udp.s buffer (1048576 bytes); nothing sent" "$TMP/err" || fail "message: $(cat $TMP/err)" || return 1
	expect "nothing sent" "0 idle" "$(cat $DS/messages) $(cat $DS/state)" || return 1
	# A recv that fails to write removes only a file it made itself: not a
	# device, not a symlink (both wait for the same message).
	ln -s /dev/full "$TMP/link"
	$KUDPCTL recv -o /dev/full --timeout 60 2>"$TMP/err1" 3>&- &
	local pid1=$!
	$KUDPCTL recv -o "$TMP/link" --timeout 60 2>"$TMP/err2" 3>&- &
	local pid2=$!
	sleep 1
	echo -n full >$S/data
	wait $pid1 && fail "recv into /dev/full succeeded" && return 1
	wait $pid2 && fail "recv through a symlink to /dev/full succeeded" && return 1
	sed 's/^/# /' "$TMP/err1"
	[ -c /dev/full ] || fail "kudpctl removed /dev/full" || return 1
	[ -L "$TMP/link" ] || fail "kudpctl removed the symlink" || return 1
	# Without --timeout, recv and send follow the module's removal: they
	# say so and exit 3 (timeout 60: a kudpctl that waits forever fails).
	timeout 60 $KUDPCTL recv -o "$TMP/never" 2>"$TMP/err1" 3>&- &
	pid1=$!
	# 1000-byte datagrams through the held loopback: the send lasts.
	echo 1000 >$S/payload
	hold_loopback || return 1
	head -c 100000 /dev/urandom >"$TMP/in"
	timeout 60 $KUDPCTL send "$TMP/in" 2>"$TMP/err2" 3>&- &
	pid2=$!
	wait_for 30 grep -qx sending $DS/state || fail "the send never started" || return 1
	sleep 1
	rmmod send_udp && rmmod receive_udp || return 1
	wait $pid1; rc=$?
	expect "recv when receive_udp goes" "3" "$rc" || return 1
	grep -q "receive_udp was unloaded" "$TMP/err1" || fail "recv said: $(cat "$TMP/err1")" || return 1
	wait $pid2; rc=$?
	expect "send when send_udp goes" "3" "$rc" || return 1
	grep -q "send_udp was unloaded before the send ended" "$TMP/err2" ||
		fail "send said: $(cat "$TMP/err2")"
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
	wait_for 30 rx_complete
	echo "\$ cat /sys/module/receive_udp/parameters/state"
	cat $R/state
	echo "\$ cat /sys/module/receive_udp/parameters/data"
	local got
	got=$(cat $R/data)
	echo "$got"
	echo "\$ rmmod send_udp receive_udp"
	unload_all
	echo "== kernel log"
	dmesg | grep -E 'send_udp|receive_udp' | tail -n 8
	if [ "$got" = 'hello from the kernel' ] && ! loaded send_udp && ! loaded receive_udp; then
		echo "== round trip OK: the bytes sent came back, both modules unloaded"
		return 0
	fi
	echo "== round trip FAILED"
	return 1
}

# ----------------------------------------------------------------- stress

# make stress: STRESS_ROUNDS (20) rmmods of each module in the middle of a
# 1 GiB transfer, and as many in the middle of a flood of datagrams. Each
# rmmod must return within 2 s (stress_limit); the runner's log scan (and,
# on the debug kernel, kmemleak) sees everything they left. The moments
# are random (bash's RANDOM, from the printed seed).
STRESS_ROUNDS=${KUDP_STRESS_ROUNDS:-20}

# stress_limit SIZE: set limit (the caller's) to the seconds an rmmod in
# the middle of something may take with SIZE-byte buffers: 2 s. Not on the
# debug kernel: there, freeing memory is what takes the time (KASAN
# poisons and quarantines it: 4 s for an idle module's 1 GiB, more with
# the socket's queue of up to 256 MiB), so its figures are printed, with
# an idle unload's for comparison, and only a hang (30 s) fails.
stress_limit() {
	local m
	limit=2
	debug_kernel || return 0
	for m in send_udp receive_udp; do
		insmod "$MOD/$m.ko" buffer_size="$1" || return 1
		rmmod_within $m 60 || return 1
	done
	diag "idle modules with $1 buffers unload in $(awk '{ printf "%s%s %s s", s, $1, $2; s = ", " }' "$TMP/rmmod-times") here"
	rm "$TMP/rmmod-times"
	limit=30
}

# stress_seed: seed RANDOM, from KUDP_SEED if set, and say which.
stress_seed() {
	RANDOM=${KUDP_SEED:-$(date +%N)}
	local seed=$RANDOM
	RANDOM=$seed
	diag "seed $seed (KUDP_SEED=$seed replays the moments)"
}

# stress_pause: sleep between 0.2 and 1.7 s.
stress_pause() { sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 0.2 + r % 150 / 100 }')"; }

# stress_midway FILE: wait until the cur_bytes FILE passes a random point
# between 5 % and 50 % of 1 GiB: in the middle of the transfer, whatever
# its speed (a whole GiB takes 1.5 s on one kernel, 5 s on another).
stress_midway() {
	local mark=$(( (5 + RANDOM % 46) * (1 << 30) / 100 )) i
	for i in $(seq 3000); do
		[ "$(cat "$1")" -ge $mark ] && return 0
		sleep 0.02
	done
	fail "$1 never passed $mark"
}

# send_gib: fill send_udp's buffer with 1 GiB and start the send (close);
# wait until the receiver is receiving it.
send_gib() {
	dd if=/dev/zero of=/dev/send_udp bs=1M count=1024 status=none || return 1
	wait_for 30 rx_started || fail "the receiver never saw the send"
}

# summary WHAT: "N rmmods of MODULE WHAT: at most S s", from rmmod_within's
# record.
summary() {
	awk -v w="$1" '{ n[$1]++; if ($2 > m[$1]) m[$1] = $2 }
		END { for (k in n) printf "# %d rmmods of %s %s: at most %.2f s\n", n[k], k, w, m[k] }' "$TMP/rmmod-times"
}

# gib_unload_midway MODULE: load both modules with 1 GiB buffers, start a
# 1 GiB send, and unload MODULE at a random point of it (stress_midway),
# within limit.
gib_unload_midway() {
	local cur=$DR/cur_bytes busy=receiving
	[ "$1" = send_udp ] && cur=$DS/cur_bytes busy=sending
	load_rx buffer_size=1G && load_tx buffer_size=1G || return 1
	send_gib || return 1
	stress_midway $cur || return 1
	expect "round $i: $1 state" "$busy" "$(cat /sys/module/$1/parameters/state)" || return 1
	rmmod_within $1 "$limit"
}

t_stress_rmmod_transfer() {
	local i limit
	stress_seed
	stress_limit 1G || return 1
	for i in $(seq "$STRESS_ROUNDS"); do
		# send_udp goes in the middle of a send; the receiver is unloaded
		# with its partial message.
		gib_unload_midway send_udp || return 1
		rmmod receive_udp || return 1
		# receive_udp goes in the middle of the next one; the send then
		# ends (ECONNREFUSED) or is still going.
		gib_unload_midway receive_udp || return 1
		rmmod send_udp || return 1
	done
	summary "in the middle of a 1 GiB transfer"
}

t_stress_rmmod_flood() {
	# Four processes flood 1-byte datagrams at the receiver while
	# send_udp sends it a 64 MiB message; both modules go in the middle.
	local i j pids limit
	stress_seed
	stress_limit 64M || return 1
	for i in $(seq "$STRESS_ROUNDS"); do
		load_rx buffer_size=64M && load_tx buffer_size=64M || return 1
		pids=""
		for j in 1 2 3 4; do
			nice -n 19 $FLOOD 127.0.0.1 8808 4 >/dev/null &
			pids="$pids $!"
		done
		wait_for 30 rx_started || fail "the flood never came" || return 1
		dd if=/dev/zero of=/dev/send_udp bs=1M count=64 status=none || return 1
		stress_pause
		rmmod_within send_udp "$limit" || return 1
		rmmod_within receive_udp "$limit" || return 1
		wait $pids
	done
	summary "in the middle of a flood"
}

# ------------------------------------------------------------------- fuzz

# The fuzzer (tests/fuzz.py) for KUDP_FUZZ_SECONDS (120) with the seed
# KUDP_SEED (random, printed); the runner's log scan and, on the debug
# kernel, kmemleak judge what it did to the kernel.
t_fuzz() {
	$PY "$HERE/fuzz.py" "$MOD" "${KUDP_FUZZ_SECONDS:-120}" "${KUDP_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}"
}

# ---------------------------------------------------------- reliable mode

# mode=reliable (Documentation/protocol.rst) over loopback: the modules
# against each other, against tests/reliable.py (the protocol written in
# user space from the document, both ways) and against forged datagrams.

t_rel_roundtrip_sysfs() {
	load_rx mode=reliable && load_tx mode=reliable || return 1
	expect "modes" "reliable reliable" "$(cat $S/mode) $(cat $R/mode)" || return 1
	# One process writes and polls (a fork a poll would be most of what
	# is measured under emulation).
	local t
	t=$(pyrun '
import time
t0 = time.monotonic()
open("/sys/module/send_udp/parameters/data", "w").write("hello\n")
while not open("/sys/module/receive_udp/parameters/state").read().startswith("complete"):
    if time.monotonic() - t0 > 30:
        break
    time.sleep(0.002)
print("%.3f" % (time.monotonic() - t0))')
	rx_complete || fail "no completion: state $(cat $R/state)" || return 1
	diag "completed $t s after the write (raw mode waits 5 s of silence)"
	below "$t" 1 || fail "completion $t s after the write, not within 1 s" || return 1
	expect "state" "complete (whole)" "$(cat $R/state)" || return 1
	expect "reason" "whole" "$(cat $DR/reason)" || return 1
	expect "data" "hello" "$(cat $R/data)" || return 1
	wait_for 30 tx_idle || fail "the send never ended: $(cat $S/state)" || return 1
	expect "send result" "0" "$(cat $S/last_error)" || return 1
	expect "rejected (send_udp, receive_udp)" "0 0" "$(cat $DS/rejected) $(cat $DR/rejected)" || return 1
	# send_udp's mode applies to the next send; receive_udp's is set at
	# load only.
	expect "bad modes" "EINVAL EINVAL" "$(write $S/mode bogus 'raw reliable')" || return 1
	expect "mode after bad values" "reliable" "$(cat $S/mode)" || return 1
	expect "receive_udp's mode file" "444" "$(stat -c %a $R/mode)" || return 1
	rmmod receive_udp || return 1
	insmod "$MOD/receive_udp.ko" mode=bogus 2>/dev/null && fail "receive_udp loaded with mode=bogus" && return 1
	echo raw >$S/mode && load_rx || return 1
	echo -n raw-again >$S/data || return 1
	wait_for 30 rx_complete || return 1
	expect "after mode=raw at run time" "raw raw-again complete (idle)" \
		"$(cat $S/mode) $(cat $R/data) $(cat $R/state)"
}

t_rel_dev_16m() {
	# 16 MiB of random bytes, /dev/send_udp to /dev/receive_udp.
	local size=$((16 << 20)) crc t0
	load_rx mode=reliable buffer_size=16M && load_tx mode=reliable buffer_size=16M || return 1
	head -c $size /dev/urandom >"$TMP/src" || return 1
	crc=$(crc32_of "$TMP/src")
	t0=$(date +%s.%N)
	cat "$TMP/src" >/dev/send_udp || return 1
	wait_seq 1 60 || return 1
	diag "complete $(since "$t0") s after the write began; the receiver took $(cat $DR/last_datagrams) datagrams, its socket dropped $(cat $DR/drops)"
	wait_for 30 tx_idle || fail "the send never ended: $(cat $S/state)" || return 1
	expect "send result" "0" "$(cat $S/last_error)" || return 1
	cmp "$TMP/src" /dev/receive_udp || fail "the bytes read back differ from the source" || return 1
	expect "CRC-32 (send_udp, receive_udp)" "$crc $crc" "$(cat $DS/crc32) $(cat $DR/crc32)" || return 1
	expect "receiver (state, bytes)" "complete (whole) $size" "$(cat $R/state) $(cat $DR/last_bytes)"
}

t_rel_interop_kernel_to_user() {
	# send_udp to reliable.py. The receiver loses 10 % of the DATA that
	# arrive (--lose), so that send_udp must resend what its NACKs name,
	# and first sends a truncated NACK and an ACK of another message id
	# (--noise), which send_udp must drop and count.
	local rc
	load_tx mode=reliable buffer_size=4M || return 1
	head -c 3000000 /dev/urandom >"$TMP/src" || return 1
	$REL receive "$TMP/got" --bind 127.0.0.1 --lose 0.1 --noise --ready "$TMP/ready" >"$TMP/rx.out" 2>&1 &
	local pid=$!
	wait_for 30 test -e "$TMP/ready" || fail "reliable.py never listened" || return 1
	$KUDPCTL send "$TMP/src" 2>"$TMP/send.err"
	rc=$?
	sed 's/^/# kudpctl: /' "$TMP/send.err"
	[ $rc -eq 0 ] || fail "kudpctl send exited with $rc (last_error $(cat $S/last_error))" || return 1
	wait $pid
	rc=$?
	sed 's/^/# reliable.py: /' "$TMP/rx.out"
	[ $rc -eq 0 ] || fail "reliable.py receive exited with $rc" || return 1
	cmp "$TMP/src" "$TMP/got" || fail "reliable.py received other bytes" || return 1
	grep -q '^NACK: ' "$TMP/rx.out" || fail "reliable.py never asked for a resend" || return 1
	expect "send result" "0" "$(cat $S/last_error)" || return 1
	expect "send_udp crc32" "$(crc32_of "$TMP/src")" "$(cat $DS/crc32)" || return 1
	expect "send_udp rejected (the truncated NACK, the other id's ACK)" "2" "$(cat $DS/rejected)"
}

t_rel_interop_user_to_kernel() {
	# reliable.py to receive_udp, in 1440-byte segments (as between two
	# machines). Its first pass leaves out 20 % of the DATA (--drop):
	# receive_udp asks for them in NACKs, several for one CLOSE (MORE).
	# Then 512-byte segments with half left out: more ranges than 16
	# NACKs carry, which takes several rounds.
	local size out n=0
	load_rx mode=reliable buffer_size=8M || return 1
	for size in "3000000 1440 0.2" "8000000 512 0.5"; do
		set -- $size
		n=$((n + 1))
		head -c $1 /dev/urandom >"$TMP/src" || return 1
		out=$($REL send 127.0.0.1 "$TMP/src" --segment $2 --drop $3 2>&1) ||
			fail "reliable.py send: $(echo $out)" || return 1
		diag "$1 bytes, segment $2, first pass less $3: $out"
		wait_seq $n || return 1
		expect "state" "complete (whole)" "$(cat $R/state)" || return 1
		cmp "$TMP/src" /dev/receive_udp || fail "receive_udp has other bytes" || return 1
		expect "receive_udp crc32" "$(crc32_of "$TMP/src")" "$(cat $DR/crc32)" || return 1
		case $2 in
		1440) echo "$out" | grep -Eq ' nacks=([2-9]|[1-9][0-9]+) ' ||
			fail "fewer than 2 NACKs" || return 1 ;;
		512) echo "$out" | grep -Eq ' rounds=([3-9]|[1-9][0-9]+) nacks=(1[7-9]|[2-9][0-9]|[1-9][0-9][0-9]+) ' ||
			fail "not several rounds of more than 16 NACKs" || return 1 ;;
		esac
	done
	expect "messages" "2" "$(cat $DR/messages)"
}

t_rel_mode_mismatch() {
	# A raw sender to a reliable receiver: its datagrams (no header) are
	# rejected, nothing starts.
	load_rx mode=reliable && load_tx || return 1
	local seq=$($KMSG last) t0 t
	echo hello >$S/data || return 1
	wait_for 30 past $DR/rejected 0 || fail "send_udp's raw datagram not rejected" || return 1
	$UDP send plain-udp-client || return 1
	wait_for 30 past $DR/rejected 1 || fail "a raw client's datagram not rejected" || return 1
	expect "rejected" "2" "$(cat $DR/rejected)" || return 1
	expect "receiver (state, seq)" "empty 0" "$(cat $R/state) $(cat $DR/seq)" || return 1
	expect "the raw send's result (it cannot know)" "0" "$(cat $S/last_error)" || return 1
	unload_all || return 1
	# A reliable sender to a raw receiver: its DATA and its CLOSEs are
	# rejected, no answer ever comes; with hold=3 the send fails with
	# -ETIMEDOUT some 3 s after its first CLOSE (not before, not the
	# default hold's 60 s), having sent the CLOSE twice at least; nothing
	# completes.
	load_rx && load_tx mode=reliable hold=3 || return 1
	t0=$(date +%s.%N)
	echo hello >$S/data || return 1
	wait_for 30 tx_idle || fail "the send never ended: $(cat $S/state)" || return 1
	t=$(since "$t0")
	diag "the reliable send to a raw receiver ended after $t s; the receiver rejected $(cat $DR/rejected) datagrams"
	expect "send result" "-110" "$(cat $S/last_error)" || return 1
	below 2.5 "$t" && below "$t" 10 || fail "gave up after $t s, not some 3 s (hold=3)" || return 1
	[ "$(cat $DR/rejected)" -ge 3 ] || fail "rejected: not the DATA and 2 CLOSEs at least" || return 1
	expect "receiver (state, seq)" "empty 0" "$(cat $R/state) $(cat $DR/seq)" || return 1
	log_since "$seq" | grep 'receive_udp' | head -n 5 | sed 's/^/# log: /'
	log_since "$seq" | grep -q 'receive_udp: .*dropped' || fail "no log line for a rejected datagram"
}

t_rel_malformed() {
	# Forged datagrams (reliable.py forge), one at a time, after a complete
	# message whose id and length the forger knows: each one is counted in
	# rejected and changes nothing; only the too-large one is answered
	# (REFUSE EFBIG), and the forged CLOSE gets no ACK (which carries the
	# CRC-32). One forger for all the cases (a Python start is seconds
	# under emulation): after each one it waits for rejected to move and
	# prints it, with the receiver's state and seq.
	local id=0x1234567800000005 cases c prev out want line seq ok=0 i=0
	cases="short truncated magic version type segment offset beyond length badcrc nack ack refuse stale efbig"
	load_rx mode=reliable buffer_size=1M || return 1
	head -c 1000 /dev/urandom >"$TMP/src" || return 1
	$REL send 127.0.0.1 "$TMP/src" --segment 512 --id $id >/dev/null ||
		fail "the first message was not confirmed" || return 1
	wait_seq 1 || return 1
	seq=$($KMSG last)
	prev=$(cat $DR/rejected)
	out=$($REL forge 127.0.0.1 $cases --id $id --buffer 1048576 --wait 0.5 \
		--counter $DR/rejected --show $R/state --show $DR/seq) || return 1
	# Every case, whatever the one before did: the failures all show.
	for c in $cases; do
		i=$((i + 1))
		want="answer none"
		[ $c = efbig ] && want="answer REFUSE EFBIG"
		line=$(echo "$out" | grep "^$c sent ")
		expect "$c: answer; rejected; receiver state; seq" \
			"$want; rejected $((prev + i)); state complete (whole); seq 1" "${line#* bytes }" || ok=1
	done
	cmp "$TMP/src" /dev/receive_udp || fail "the complete message changed" || return 1
	log_since "$seq" | grep 'receive_udp' | head -n 20 | sed 's/^/# log: /'
	log_since "$seq" | grep -q 'receive_udp' || fail "no log line for the forged datagrams" || return 1
	return $ok
}

t_rel_crc_mismatch() {
	local out pid rc
	load_rx mode=reliable || return 1
	monitor "$TMP/mon" || return 1
	head -c 100000 /dev/urandom >"$TMP/src" || return 1
	# reliable.py announces a CRC-32 that is not its bytes': receive_udp
	# refuses (EBADMSG) and discards the message, cause crc.
	out=$($REL send 127.0.0.1 "$TMP/src" --bad-crc) && fail "a wrong CRC-32 was confirmed" && return 1
	echo "$out" | grep -qx "send: EBADMSG" || fail "reliable.py said: $(echo $out)" || return 1
	wait_for 30 has_event "$TMP/mon" receive_udp '^discarded:' || fail "no discarded event" || return 1
	expect "receive_udp's events" "discarded:0:100000:crc" "$(events "$TMP/mon" receive_udp | xargs)" || return 1
	expect "receiver (state, seq)" "empty 0" "$(cat $R/state) $(cat $DR/seq)" || return 1
	rmmod receive_udp || return 1
	# send_udp to a receiver that finds one byte changed (reliable.py
	# --flip: as if a corruption got past the UDP checksum): REFUSE
	# EBADMSG; the send fails with -EBADMSG, and kudpctl send says so.
	load_tx mode=reliable || return 1
	$REL receive "$TMP/got" --bind 127.0.0.1 --flip --ready "$TMP/ready" >"$TMP/rx.out" 2>&1 &
	pid=$!
	wait_for 30 test -e "$TMP/ready" || fail "reliable.py never listened" || return 1
	$KUDPCTL send "$TMP/src" 2>"$TMP/send.err"
	rc=$?
	sed 's/^/# kudpctl: /' "$TMP/send.err"
	[ $rc -ne 0 ] || fail "kudpctl send exited 0" || return 1
	expect "send result" "-74" "$(cat $S/last_error)" || return 1
	wait $pid && fail "reliable.py took the changed bytes" && return 1
	wait_for 30 has_event "$TMP/mon" send_udp '^sent:' || fail "no sent event" || return 1
	expect "send_udp's events" "sent:1:100000:-74" "$(events "$TMP/mon" send_udp | xargs)"
}

t_rel_too_large() {
	# 64 MiB to a 1 MiB receiver: REFUSE EFBIG at its first DATA; the
	# sender, which looks for it every 4 MiB, stops long before the end.
	local size=$((64 << 20)) rc seq
	load_rx mode=reliable buffer_size=1M && load_tx mode=reliable buffer_size=64M || return 1
	head -c $size /dev/zero >"$TMP/big" || return 1
	seq=$($KMSG last)
	$KUDPCTL send "$TMP/big" 2>"$TMP/err"
	rc=$?
	sed 's/^/# kudpctl: /' "$TMP/err"
	[ $rc -ne 0 ] || fail "kudpctl send exited 0" || return 1
	expect "send result" "-27" "$(cat $S/last_error)" || return 1
	diag "refused after $(cat $DS/last_bytes) of $size bytes in $(cat $DS/last_datagrams) datagrams; receive_udp rejected $(cat $DR/rejected)"
	[ "$(cat $DS/last_bytes)" -le $((16 << 20)) ] || fail "more than 16 MiB sent before the refusal took effect" || return 1
	[ "$(cat $DR/rejected)" -gt 0 ] || fail "receive_udp counted none of the refused message's DATA" || return 1
	expect "receiver (state, seq)" "empty 0" "$(cat $R/state) $(cat $DR/seq)" || return 1
	# Each side says it, under its own name.
	log_since "$seq" | grep -E 'refused|do not fit' | sed 's/^/# log: /'
	log_since "$seq" | grep -q '^receive_udp: .*1048576-byte buffer: refused' ||
		fail "no receive_udp line for the refusal" || return 1
	log_since "$seq" | grep -q '^send_udp: .*refused message .* with error 27' ||
		fail "no send_udp line for the refusal"
}

t_rel_incomplete() {
	# A sender that vanishes: half of the DATA, no CLOSE (reliable.py
	# send --vanish). The message is never complete; hold seconds after
	# its last datagram it is discarded, cause incomplete. hold reads 60
	# (the default); 5 written at run time is the hold of the timer the
	# next datagram arms. (pair_rel_outage shows that the default keeps a
	# message through a 20 s outage.)
	local t0 t
	load_rx mode=reliable || return 1
	expect "hold (the default)" "60" "$(cat $R/hold)" || return 1
	echo 5 >$R/hold || return 1
	monitor "$TMP/mon" || return 1
	head -c 100000 /dev/urandom >"$TMP/src" || return 1
	$REL send 127.0.0.1 "$TMP/src" --drop 0.5 --vanish >/dev/null || return 1
	t0=$(date +%s.%N)
	wait_for 30 grep -qx receiving $R/state || fail "state $(cat $R/state)" || return 1
	wait_for 30 has_event "$TMP/mon" receive_udp '^discarded:' || fail "no discarded event: $(cat $R/state)" || return 1
	t=$(since "$t0")
	diag "discarded $t s after the sender vanished"
	below 4.5 "$t" && below "$t" 7 || fail "discarded after $t s, not 5 s (hold=5)" || return 1
	events "$TMP/mon" receive_udp | grep -Eqx 'discarded:0:[0-9]+:incomplete' ||
		fail "events: $(events "$TMP/mon" receive_udp | xargs)" || return 1
	expect "only that event" "1" "$(events "$TMP/mon" receive_udp | wc -l)" || return 1
	expect "receiver (state, seq, data)" "empty 0 " "$(cat $R/state) $(cat $DR/seq) $(cat $R/data)"
}

t_rel_resend_rate() {
	# The resends keep to rate too: send_udp at rate=1M sends 4 MiB to
	# reliable.py, which loses half of the DATA that arrive (--lose 0.5):
	# every round asks again for some 30 scattered segments, one kudp_send
	# call each. From the write to the end of the send, send_udp's
	# datagrams (65507 bytes on loopback) come to no more than 1.2 MiB/s.
	# (Before: each call's schedule started anew, so a round's resends
	# went out at once: some 8 MiB in 4.5 s.)
	local size=$((4 << 20)) pid t0 t dg mibs
	load_tx mode=reliable buffer_size=4M rate=1M || return 1
	$REL receive "$TMP/got" --bind 127.0.0.1 --lose 0.5 --ready "$TMP/ready" >"$TMP/rx.out" 2>&1 &
	pid=$!
	wait_for 30 test -e "$TMP/ready" || fail "reliable.py never listened" || return 1
	head -c $size /dev/urandom >"$TMP/src" || return 1
	t0=$(date +%s.%N)
	cat "$TMP/src" >/dev/send_udp || return 1
	wait_for 120 tx_idle || fail "the send never ended: $(cat $S/state)" || return 1
	t=$(since "$t0")
	wait $pid || fail "reliable.py: $(tail -n 2 "$TMP/rx.out")" || return 1
	expect "send result" "0" "$(cat $S/last_error)" || return 1
	cmp "$TMP/src" "$TMP/got" || fail "reliable.py received other bytes" || return 1
	dg=$(cat $DS/last_datagrams)
	mibs=$(awk -v d=$dg -v t=$t 'BEGIN { printf "%.2f", d * 65507 / t / 1048576 }')
	diag "$dg datagrams for 64 segments in $t s: $mibs MiB/s at rate=1M"
	[ "$dg" -gt 80 ] || fail "too little was sent again to tell" || return 1
	below "$mibs" 1.2 || fail "$mibs MiB/s: the resends were not paced"
}

t_rel_small_payload() {
	# mode=reliable with a fixed payload too small for a DATA datagram
	# (its 32-byte header and the smallest segment, 512 bytes: 544):
	# payload=16. The send is refused at once, last_error -EINVAL, with a
	# send_udp line that names payload; nothing is sent, receive_udp sees
	# nothing. (Before: 16 less the header wrapped around to the largest
	# segment: DATA of 65507 bytes, which IP fragmented.)
	local seq w
	load_rx mode=reliable && load_tx mode=reliable payload=16 || return 1
	seq=$($KMSG last)
	w=$(write $S/data hello)
	wait_for 30 tx_idle || fail "the send never ended: $(cat $S/state)" || return 1
	diag "the write: $w; last_error $(cat $S/last_error); $(cat $DS/last_datagrams) datagrams sent"
	log_since "$seq" | grep '^send_udp: ' | head -n 5 | sed 's/^/# log: /'
	expect "send result" "-22" "$(cat $S/last_error)" || return 1
	expect "datagrams sent" "0" "$(cat $DS/last_datagrams)" || return 1
	log_since "$seq" | grep -q '^send_udp: .*payload' || fail "no send_udp line naming payload" || return 1
	expect "receiver (state, cur_bytes, rejected)" "empty 0 0" \
		"$(cat $R/state) $(cat $DR/cur_bytes) $(cat $DR/rejected)"
}

t_rel_badclose_log() {
	# 2000 CLOSEs, each of a new message id, each with a wrong CRC-32
	# (reliable.py forge badclose), as fast as one process sends them:
	# what receive_udp logs of them is rate-limited, 60 lines at most
	# (printk's 10 per 5 s for each line, and its "callbacks suppressed"),
	# and a real message still goes through after them; the lines are
	# counted once it has (the socket's queue is in order: the CLOSEs
	# were all taken before it). (Before: one line per CLOSE.)
	local seq n next out
	load_rx mode=reliable || return 1
	seq=$($KMSG last)
	out=$($REL forge 127.0.0.1 badclose --repeat 2000) || fail "reliable.py forge: $(echo $out)" || return 1
	diag "reliable.py forge: $out"
	head -c 1000 /dev/urandom >"$TMP/src" || return 1
	next=$(($(cat $DR/seq) + 1))
	out=$($REL send 127.0.0.1 "$TMP/src" 2>&1) || fail "the message after the CLOSEs was not confirmed: $(echo $out)" || return 1
	wait_seq $next || return 1
	cmp "$TMP/src" /dev/receive_udp || fail "receive_udp has other bytes" || return 1
	n=$(log_since "$seq" | grep -c 'receive_udp')
	diag "$n receive_udp lines in the kernel log for 2000 bad CLOSEs; rejected $(cat $DR/rejected)"
	log_since "$seq" | grep 'receive_udp' | head -n 5 | sed 's/^/# log: /'
	[ "$n" -le 60 ] || fail "$n lines: not rate-limited"
}

t_rel_unload() {
	# Unload either module at each moment of a reliable transfer: rmmod
	# returns within rmmod_limit (3 s, 10 on the debug kernel); the other
	# side reports an error or discards. (The runner's scan of the kernel
	# log fails the test on any oops.)
	local size=$((32 << 20)) t0 pid seq limit=$(rmmod_limit)
	load_rx mode=reliable buffer_size=32M && load_tx mode=reliable buffer_size=32M rate=4M || return 1
	monitor "$TMP/mon" || return 1

	diag "receive_udp in the middle of the DATA (paced at 4 MiB/s)"
	head -c $size /dev/zero >/dev/send_udp || return 1
	wait_for 30 past $DR/cur_bytes $((4 << 20)) || fail "the transfer never started" || return 1
	rmmod_within receive_udp $limit || return 1
	wait_for 30 tx_idle || fail "the send did not end: $(cat $S/state)" || return 1
	diag "send_udp: last_error $(cat $S/last_error) after $(cat $DS/last_bytes) bytes"
	[ "$(cat $S/last_error)" -lt 0 ] || fail "the send succeeded" || return 1

	# hold=5: what this receive_udp keeps incomplete (the aborted send's
	# message, then the vanished sender's) is discarded 5 s after.
	diag "send_udp in the middle of the DATA"
	load_rx mode=reliable buffer_size=32M hold=5 || return 1
	head -c $size /dev/zero >/dev/send_udp || return 1
	wait_for 30 past $DR/cur_bytes $((4 << 20)) || fail "the transfer never started" || return 1
	seq=$($KMSG last)
	rmmod_within send_udp $limit || return 1
	# Aborted, not sent to its end (at 4 MiB/s, seconds more).
	log_since "$seq" | grep -q "send aborted after [0-9]* of $size bytes: the module is going away" ||
		fail "the send was not aborted" || return 1
	wait_for 30 has_event "$TMP/mon" receive_udp '^discarded:.*:incomplete$' ||
		fail "receive_udp did not discard the message: $(cat $R/state)" || return 1

	diag "receive_udp with an incomplete message (its sender vanished)"
	head -c 100000 /dev/urandom >"$TMP/src"
	$REL send 127.0.0.1 "$TMP/src" --drop 0.5 --vanish >/dev/null || return 1
	wait_for 30 grep -qx receiving $R/state || fail "state $(cat $R/state)" || return 1
	rmmod_within receive_udp $limit || return 1
	t0=$(date +%s)

	diag "send_udp waiting for an answer to its CLOSE (a raw receiver rejects it all)"
	load_rx && load_tx mode=reliable || return 1
	echo hello >$S/data || return 1
	wait_for 30 past $DR/rejected 1 || fail "the CLOSE never came" || return 1
	expect "send state" "sending" "$(cat $S/state)" || return 1
	rmmod_within send_udp $limit || return 1
	rmmod receive_udp || return 1

	diag "send_udp resending what NACKs ask for (paced at 1 MiB/s; reliable.py loses every DATA)"
	load_tx mode=reliable buffer_size=4M rate=1M || return 1
	$REL receive "$TMP/got" --bind 127.0.0.1 --lose 1 --ready "$TMP/ready" >"$TMP/rx.out" 2>&1 &
	pid=$!
	wait_for 30 test -e "$TMP/ready" || fail "reliable.py never listened" || return 1
	head -c $((4 << 20)) /dev/zero >/dev/send_udp || return 1
	wait_for 30 grep -q '^NACK' "$TMP/rx.out" || fail "no NACK" || return 1
	expect "send state" "sending" "$(cat $S/state)" || return 1
	rmmod_within send_udp $limit || return 1
	kill $pid
	# Past the incomplete message's hold (5 s): its timer must not fire.
	sleep $((t0 + 6 - $(date +%s) > 0 ? t0 + 6 - $(date +%s) : 0))
}

# ------------------------------------------------------------------ runner

MAIN_TESTS="permissions roundtrip_sysfs client_to_receiver sender_to_listener
three_datagrams_timing discard_on_new_data full_buffer_overflow bad_ip bad_payload
data_efbig data_ebusy send_cpu_intensive bad_load_params insmod_data port_unreachable
tx_reroute debug_output enodev_outside_life unload_states flood param_race_rmmod load_unload
dev_sizes dev_cat dev_full_and_overfill dev_efbig dev_aborted_writers dev_one_writer
dev_read_blocking dev_signals
dev_estale dev_read_end dev_concurrent_readers dev_stats_agree dev_privilege dev_rmmod_busy
drops_control peer gso_gro bad_switches rate interop_100m
nl_status_ack nl_refused crc_private nl_two_listeners nl_unload_listener
kudpctl_roundtrip kudpctl_monitor"
# The main suite's tests whose verdict no kernel version changes (the
# modules' metadata, the documents against the files, kudpctl's own
# errors, make bench's plumbing, the log scan): tests/run.sh runs them
# with the main suite of the last kernel only.
ONCE_TESTS="modinfo docs_match kudpctl_errors bench_smoke log_scan_selftest"
SMALL_TESTS="small_memory enomem"
BIG_TESTS="big_4g"
STRESS_TESTS="stress_rmmod_transfer stress_rmmod_flood"
FUZZ_TESTS="fuzz"
BENCH_TESTS="bench"
# mode=reliable over loopback (make check's reliable suite).
RELIABLE_TESTS="rel_roundtrip_sysfs rel_dev_16m rel_interop_kernel_to_user
rel_interop_user_to_kernel rel_mode_mismatch rel_malformed rel_crc_mismatch rel_too_large
rel_incomplete rel_small_payload rel_badclose_log rel_resend_rate rel_unload"
# The tests whose code runs in more than one context (softirq callback,
# hrtimer, work items, parameter callbacks, file operations, netlink) or
# tears down while something runs: what the debug kernel's checkers are
# for. make check runs these on it; make check-debug runs every suite.
# Each context once: the receive path in softirq with the idle timer
# (client_to_receiver), on both CPUs at once (drops_control), through GRO
# (gso_gro), past the peer filter (peer: softirq again, with peer_lock)
# and to the full rule (full_buffer_overflow); a send from a
# parameter write (data_ebusy) and paced by the hrtimer (rate); readers
# woken by the completion (dev_read_blocking, dev_concurrent_readers),
# writers killed mid-write (dev_aborted_writers); events to listeners
# (nl_two_listeners); the reliable mode's control datagrams and its
# parser on forged input (rel_interop_user_to_kernel, rel_malformed);
# teardown in each state, under a flood, against parameter writes, open
# files, a listener and the reliable mode's timers, and before init ends.
CONTEXT_TESTS="client_to_receiver drops_control gso_gro peer full_buffer_overflow data_ebusy rate
dev_read_blocking dev_concurrent_readers dev_aborted_writers nl_two_listeners
rel_interop_user_to_kernel rel_malformed unload_states flood param_race_rmmod dev_rmmod_busy
nl_unload_listener rel_unload enodev_outside_life load_unload"

# suite_tests SUITE[,SUITE...]: the names of the suites' tests, in order.
suite_tests() {
	local suite
	for suite in ${1//,/ }; do
		case $suite in
		main) echo $MAIN_TESTS ;;
		once) echo $ONCE_TESTS ;;
		small) echo $SMALL_TESTS ;;
		big) echo $BIG_TESTS ;;
		stress) echo $STRESS_TESTS ;;
		fuzz) echo $FUZZ_TESTS ;;
		bench) echo $BENCH_TESTS ;;
		reliable) echo $RELIABLE_TESTS ;;
		contexts) echo $CONTEXT_TESTS ;;
		*) echo "unknown suite $suite" >&2; return 2 ;;
		esac
	done
}

# guest.sh - - --list SUITE[,SUITE...]: the names of the suites' tests.
if [ "$SUITE" = --list ]; then
	suite_tests "$1" | xargs
	exit
fi

# guest.sh MODDIR OUTDIR --one TEST: run one test.
if [ "$SUITE" = --one ]; then
	set +e
	"t_$1"
	exit $?
fi

if [ "$SUITE" = demo ]; then
	demo
	exit $?
fi

tests=$(suite_tests "$SUITE" | xargs) || exit 2
if [ -n "$ONLY" ]; then
	sel=""
	for t in $tests; do
		case " $ONLY " in *" $t "*) sel="$sel $t" ;; esac
	done
	tests=$sel
fi

KUDP_TMP=$(mktemp -d)
export KUDP_TMP
TMP=$KUDP_TMP

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
	limit=300
	case $t in
	big_4g | stress_* | bench) limit=1500 ;;
	fuzz) limit=$((${KUDP_FUZZ_SECONDS:-120} + 300)) ;;
	esac
	run_test "$t" "$limit"
	rc=$?
	[ $rc -eq 124 ] && diag "FAIL: no result after $limit s"
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
	# Nothing a test changed outlives it (run_test killed what it started).
	[ -e "$TMP/.loopback-held" ] && release_loopback
	[ -e /sys/class/net/kudp0 ] && ip link del kudp0
	free_memory
	rm -rf "${TMP:?}" && mkdir "$TMP"
done

log_since "$first_seq" >"$OUT/kmsg.log"
echo "$passed $failed" >"$OUT/result"
echo "# $SUITE: $passed passed, $failed failed"
exit 0
