# SPDX-License-Identifier: GPL-2.0
#
# send_udp's sends: beside the other work of its CPU, to a port where
# nothing listens, along a route that changes, paced by rate, and 100 MiB
# each way between a module and a userspace peer.
#
# Sourced by tests/guest.sh, whose header says how the "# suites:" line
# above each test puts it in its suites.

# suites: main
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
	state=$(<$S/state)
	diag "stat_refresh took $t s during the send; then the send was $state, at $(<$DS/cur_bytes) of 268435456 bytes"
	expect "send state after stat_refresh" "sending" "$state" ||
		fail "stat_refresh waited for the whole send"
}

# Why every: ICMP errors on the socket.
# suites: main every
t_port_unreachable() {
	# Nothing listens on 8808: the send completes, reports it, never loops.
	load_tx || return 1
	local seq=$($KMSG last)
	echo hello >$S/data || return 1
	wait_for 30 tx_idle || fail "send never finished" || return 1
	expect "last_error" "-111" "$(<$S/last_error)" || return 1
	log_since "$seq" | grep -q 'port unreachable' || fail "no log line" || return 1
	# A longer message stops at the first refusal.
	echo 100 >$S/payload
	seq=$($KMSG last)
	head -c 4000 /dev/zero | tr '\0' q >$S/data || return 1
	wait_for 30 tx_idle || fail "send never finished" || return 1
	expect "last_error" "-111" "$(<$S/last_error)" || return 1
	log_since "$seq" | grep 'port unreachable' | grep -q 'after [0-9]* of 4000 bytes' ||
		fail "no log line with progress" || return 1
	# And a later send to a listener succeeds.
	load_rx || return 1
	echo again >$S/data || return 1
	wait_for 30 rx_complete || return 1
	expect "data" "again" "$(<$R/data)" || return 1
	expect "last_error after success" "0" "$(<$S/last_error)"
}

# Why every: routes and neighbours: connect and disconnect per message.
# suites: main every
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
	wait_for 30 tx_idle || fail "the send to 127.0.0.1 never ended: $(<$S/state)" || return 1
	expect "the send to 127.0.0.1" "0" "$(<$S/last_error)" || return 1
	echo 192.0.2.9 >$S/ip || return 1
	for a in 192.0.2.1 192.0.2.5; do
		if [ $a = 192.0.2.5 ]; then
			ip addr del 192.0.2.1/24 dev kudp0 && ip addr add 192.0.2.5/24 dev kudp0 || return 1
		fi
		n=$(<$tx)
		echo two >$S/data || return 1
		wait_for 30 tx_idle || fail "the send from $a never ended: $(<$S/state)" || return 1
		diag "kudp0 at $a: the send to 192.0.2.9 ended with last_error $(<$S/last_error); kudp0 sent $(($(<$tx) - n)) frames"
		expect "the send to 192.0.2.9, kudp0 at $a" "0" "$(<$S/last_error)" || return 1
		[ "$(<$tx)" -gt "$n" ] || fail "kudp0 at $a: nothing left through it" || return 1
	done
}

# suites: main
t_gso_refused() {
	# A payload above the route's MTU (2000 bytes over a loopback of MTU
	# 1500): UDP GSO refuses the first call of a message (EMSGSIZE), and
	# the rest goes one datagram per call, in IP fragments. The reliable
	# mode's sender makes a call per 4 MiB step and per NACK range: the
	# refusal is tried once per message, not at each call. loopback's MTU
	# is 65536 again in any case.
	local rc
	ip link set lo mtu 1500 || return 1
	gso_refused_sends
	rc=$?
	ip link set lo mtu 65536 || fail "lo's MTU could not be set back" || rc=1
	return $rc
}

# gso_refused_sends: t_gso_refused's sends, loopback's MTU 1500.
gso_refused_sends() {
	local size=$((10 << 20)) seq n
	head -c $size /dev/urandom >"$TMP/in"
	load_rx mode=reliable buffer_size=16M && load_tx mode=reliable buffer_size=16M payload=2000 debug=1 ||
		return 1
	seq=$($KMSG last)
	cat "$TMP/in" >/dev/send_udp || return 1
	wait_for 60 tx_idle || fail "the send never ended: $(<$S/state)" || return 1
	expect "last_error" "0" "$(<$S/last_error)" || return 1
	expect "CRC-32 (sent, received)" "$(crc32_of "$TMP/in") $(crc32_of "$TMP/in")" \
		"$(<$DS/crc32) $(<$DR/crc32)" || return 1
	n=$(log_since "$seq" | grep -c 'UDP GSO refused')
	diag "$size bytes in $(<$DS/last_datagrams) datagrams; $n refusals of UDP GSO logged"
	expect "refusals of UDP GSO in one message of three calls or more" "1" "$n"
}

# Why contexts: a send paced by the hrtimer.
# Why every: pacing on an hrtimer sleep (wait_event_interruptible_hrtimeout).
# suites: main contexts every
t_rate() {
	# rate paces a send: 2000000 bytes at 1M (1 MiB/s) leave in 31
	# datagrams, the last one due 1.87 s after the first (unpaced: some
	# 10 ms). The bytes arrive whole.
	local size=2000000 t0 t
	load_rx buffer_size=2M && load_tx buffer_size=2M rate=1M || return 1
	expect "rate" "1048576" "$(<$S/rate)" || return 1
	t0=$(date +%s.%N)
	transfer $size 31 || return 1
	t=$(since "$t0")
	# Paced, the completion comes 1.87 s + idle=1 s after the write at
	# the earliest.
	diag "2000000 bytes at rate=1M: $t s from the write to the receiver's completion (1 s idle included)"
	below 2.8 "$t" || fail "the send took $t s: not paced" || return 1
	# rmmod in the middle of a slow paced send (30 s at 64 KiB/s) returns
	# at once.
	echo 64K >$S/rate || return 1
	head -c 2000000 /dev/zero >/dev/send_udp || return 1
	wait_for 30 grep -qx sending $DS/state || return 1
	rmmod_within send_udp $(rmmod_limit)
}

# suites: main
t_interop_100m() {
	load_rx buffer_size=128M || return 1
	local src got size=104857600
	# A userspace client into /dev/receive_udp.
	# Pinned to one CPU: over loopback, a sender that migrates can have its
	# datagrams delivered out of order.
	src=$(taskset -c 0 $STREAM udp-send $size) || return 1
	wait_seq 1 60 || return 1
	got=$($STREAM recv) || return 1
	diag "udp-send: $src; recv: $got; drops $(<$DR/drops)"
	expect "userspace -> receive_udp" "$size $(echo $src | cut -d' ' -f2)" "$(echo $got | cut -d' ' -f1-2)" || return 1
	expect "receive_udp crc32" "$(echo $src | cut -d' ' -f2)" "$(<$DR/crc32)" || return 1
	expect "drops" "0" "$(<$DR/drops)" || return 1
	rmmod receive_udp
	# /dev/send_udp into a userspace listener.
	load_tx buffer_size=128M || return 1
	$STREAM udp-listen $size --ready "$TMP/ready" >"$TMP/got" &
	local pid=$!
	wait_for 30 test -e "$TMP/ready" || return 1
	src=$($STREAM send $size) || return 1
	wait $pid
	got=$(<"$TMP/got")
	diag "send: $src; listener: $got (bytes, CRC-32, its drops, datagrams)"
	expect "send_udp -> userspace" "$size $(echo $src | cut -d' ' -f2) 0" "$(echo $got | cut -d' ' -f1-3)" || return 1
	expect "send_udp crc32" "$(echo $src | cut -d' ' -f2)" "$(<$DS/crc32)"
}

# Why every: MSG_ZEROCOPY's path through UDP, GSO and loopback's delivery,
# and its notifications on the error queue.
# suites: main every
t_zerocopy() {
	# zerocopy=1 over loopback: 16 MiB whole, one zero-copy call per
	# 65507-byte datagram, then 4 MiB of 1472-byte datagrams, 44 a call
	# (UDP GSO); the send ends once every call is notified. Loopback's
	# delivery copies what it takes to a socket: every call copied. Then
	# little option memory for the notifications, and a send that fails.
	local size=$((16 << 20)) calls seq
	head -c $size /dev/urandom >"$TMP/in"
	# A buffer larger than either message: each completes by the idle
	# rule (a full one would count the next burst as overflow).
	load_rx buffer_size=32M && load_tx buffer_size=16M zerocopy=1 || return 1
	cat "$TMP/in" >/dev/send_udp || return 1
	wait_for 60 tx_idle || fail "the send never ended: $(<$S/state)" || return 1
	wait_seq 1 || return 1
	expect "last_error" "0" "$(<$S/last_error)" || return 1
	cmp -s "$TMP/in" /dev/receive_udp || fail "what came out of /dev/receive_udp differs" || return 1
	calls=$(<$DS/zerocopy_calls)
	diag "$size bytes in $(<$DS/last_datagrams) datagrams: $calls zero-copy calls, $(<$DS/zerocopy_copied) copied by the stack"
	expect "zero-copy calls, one per datagram" "$(<$DS/last_datagrams)" "$calls" || return 1
	expect "copied by loopback's delivery" "$calls" "$(<$DS/zerocopy_copied)" || return 1
	head -c $((4 << 20)) "$TMP/in" >"$TMP/in4"
	echo 1472 >$S/payload || return 1
	cat "$TMP/in4" >/dev/send_udp || return 1
	wait_for 60 tx_idle || fail "the send never ended: $(<$S/state)" || return 1
	wait_seq 2 || return 1
	cmp -s "$TMP/in4" /dev/receive_udp || fail "the 1472-byte datagrams' message differs" || return 1
	expect "zero-copy calls of 44 datagrams" "$((calls + ($(<$DS/last_datagrams) + 43) / 44))" \
		"$(<$DS/zerocopy_calls)" || return 1
	# Room for one or two notifications in the socket's option memory
	# (net.core.optmem_max; each call in flight holds one): the calls
	# refused for it (-ENOBUFS) wait for one to come back and go again,
	# the message whole. 1 MiB in 713 calls, no GSO.
	local optmem=$(</proc/sys/net/core/optmem_max) refused=$(snmp Udp SndbufErrors)
	echo 1000 >/proc/sys/net/core/optmem_max || return 1
	echo 0 >$S/gso || return 1
	head -c $((1 << 20)) "$TMP/in" >"$TMP/in1"
	cat "$TMP/in1" >/dev/send_udp
	wait_for 60 tx_idle
	echo "$optmem" >/proc/sys/net/core/optmem_max
	wait_seq 3 || return 1
	expect "last_error, optmem_max=1000" "0" "$(<$S/last_error)" || return 1
	refused=$(($(snmp Udp SndbufErrors) - refused))
	diag "optmem_max=1000: $refused calls refused (-ENOBUFS) and sent again"
	[ "$refused" -gt 0 ] || fail "no call was refused: the wait for room went untried" || return 1
	cmp -s "$TMP/in1" /dev/receive_udp || fail "the message sent with little option memory differs" || return 1
	# A send that fails (nothing listens on port 9): the calls it made
	# are notified all the same, and the buffer stays.
	seq=$($KMSG last)
	echo 9 >$S/port || return 1
	cat "$TMP/in4" >/dev/send_udp || return 1
	wait_for 60 tx_idle || fail "the send never ended: $(<$S/state)" || return 1
	expect "nothing listens" "-111" "$(<$S/last_error)" || return 1
	! log_since "$seq" | grep -q 'a new buffer takes' || fail "the buffer was replaced after ECONNREFUSED"
}

# Why contexts: the buffer's pages outliving its vfree() in the datagrams
# the stack still holds.
# suites: main contexts
t_zerocopy_lent() {
	# The link held (hold_loopback: 1 kbit/s after a 4 KiB burst) with a
	# zero-copy send's datagrams queued, holding the buffer's pages: the
	# send gives up after 10 s (-110), the datagrams keep those pages and
	# a new buffer takes the old one's place. The next message goes into
	# the new one; once the link is free, the held datagrams still carry
	# the first message's bytes. The receiver's buffer is the two
	# messages' size: it completes full at their last byte. Then an
	# unload with datagrams held.
	local seq
	load_rx buffer_size=40000 idle=60 && load_tx payload=1000 zerocopy=1 || return 1
	head -c 20000 /dev/zero | tr '\0' A >"$TMP/a"
	head -c 20000 /dev/zero | tr '\0' B >"$TMP/b"
	hold_loopback || return 1
	seq=$($KMSG last)
	cat "$TMP/a" >/dev/send_udp || return 1
	wait_for 30 tx_idle || fail "the first send never ended: $(<$S/state)" || return 1
	expect "the first send's end" "-110" "$(<$S/last_error)" || return 1
	log_since "$seq" | grep -q 'a new buffer takes the old one.s place' ||
		fail "no log line of the buffer's replacement" || return 1
	# The data parameter shows the message's first 4095 bytes.
	expect "the first message, read back" "$(head -c 4095 "$TMP/a")" "$(<$S/data)" || return 1
	cat "$TMP/b" >/dev/send_udp || return 1
	wait_for 10 past $DS/cur_datagrams 19 || fail "the second send is not under way" || return 1
	# Free the link without dropping what it holds (release_loopback
	# would); a datagram to the discard port dequeues what waits now, not
	# when the old rate's timer fires.
	tc qdisc change dev lo root tbf rate 1gbit burst 64kb limit 10mb || return 1
	echo >/dev/udp/127.0.0.1/9
	wait_for 60 rx_complete || fail "no completion: $(<$R/cur_bytes) bytes" || return 1
	wait_for 30 tx_idle || fail "the second send never ended: $(<$S/state)" || return 1
	expect "the second send's end" "0" "$(<$S/last_error)" || return 1
	cat "$TMP/a" "$TMP/b" >"$TMP/ab"
	cmp -s "$TMP/ab" /dev/receive_udp || fail "the held datagrams did not keep the first message's bytes: $(tr -s AB <$R/data)" || return 1
	# Unloaded with a zero-copy send's datagrams held: they keep their
	# pages past the buffer's vfree(), until the link's queue drops them.
	release_loopback
	hold_loopback || return 1
	cat "$TMP/a" >/dev/send_udp || return 1
	wait_for 10 past $DS/cur_datagrams 19 || fail "the third send is not under way" || return 1
	rmmod_within send_udp "$(rmmod_limit)" || return 1
	release_loopback
}
