# SPDX-License-Identifier: GPL-2.0
#
# receive_udp under load and behind its filter: drops counted as the
# kernel counts them, the peer filter, and GRO against send_udp's GSO.
#
# Sourced by tests/guest.sh, whose header says how the "# suites:" line
# above each test puts it in its suites.

# Why contexts: the receive path on both CPUs at once.
# Why every: sk_drops, both CPUs.
# suites: main contexts every
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
		[ "$(<$DR/drops)" -gt 0 ] && break
	done
	local after=$(awk '/^Udp: [0-9]/ { print $4, $6 }' /proc/net/snmp)
	local drops=$(<$DR/drops)
	local sock=$(awk '$2 ~ /:2268$/ { print $NF }' /proc/net/udp)
	set -- $before $after
	diag "round $round: drops $drops, /proc/net/udp $sock, RcvbufErrors +$(($4 - $2)), InErrors +$(($3 - $1)), udp_errors $(<$DR/udp_errors)"
	[ "$drops" -gt 0 ] || fail "no drops with a tiny receive buffer in 5 rounds" || return 1
	expect "drops = /proc/net/udp" "$sock" "$drops" || return 1
	expect "drops = RcvbufErrors growth" "$(($4 - $2))" "$drops" || return 1
	expect "udp_errors = InErrors growth" "$(($3 - $1))" "$(<$DR/udp_errors)" || return 1
	expect "the drops parameter" "$drops" "$(<$R/drops)"
}

# Why contexts: the receive path past the peer filter (softirq
# again, with peer_lock).
# Why every: UDP's encapsulation hook.
# suites: main contexts every
t_peer() {
	# Only peer writes into the message; bad values change nothing.
	load_rx || return 1
	local seq=$($KMSG last) out
	expect "default" "0.0.0.0/0" "$(<$R/peer)" || return 1
	# Two bad values, the plumbing of both errors: which texts are
	# prefixes is kudp_parse_prefix()'s, every case in the unit tier.
	expect "bad values" "EINVAL EINVAL" "$(write $R/peer 1.2.3 192.0.2.1/24)" || return 1
	expect "kept" "0.0.0.0/0" "$(<$R/peer)" || return 1
	expect "log lines" "2" "$(log_since "$seq" | grep -c 'receive_udp: peer: ')" || return 1
	log_since "$seq" | grep -q 'did you mean 192.0.2.0/24' || fail "no hint for host bits" || return 1
	echo 127.0.0.2 >$R/peer || return 1
	expect "one host" "127.0.0.2/32" "$(<$R/peer)" || return 1
	# A foreign datagram alone: the message stays empty.
	$UDP send --from 127.0.0.1 foreign || return 1
	wait_for 30 grep -qx 1 $DR/rejected || fail "rejected: $(<$DR/rejected)" || return 1
	expect "state after a foreign datagram" "empty 0" "$(<$DR/state) $(<$DR/cur_bytes)" || return 1
	# Peer's message, with a foreign datagram in its middle (one process:
	# no process start between them, longer than idle=1 under emulation).
	out=$($UDP send --from 127.0.0.2 mine- %from=127.0.0.1 bad %from=127.0.0.2 end \
		--wait-complete 10) || fail "peer's message: $out" || return 1
	expect "the message" "mine-end 2" "$(<$R/data) $(<$DR/rejected)" || return 1
	log_since "$seq" | grep -q 'datagram from 127.0.0.1:[0-9]* dropped: not from peer' ||
		fail "no log line for the foreign datagram" || return 1
	# A prefix; a reset zeroes the count.
	echo 127.0.0.0/8 >$R/peer || return 1
	$UDP send --from 127.0.0.1 --wait-complete 10 ours >/dev/null || return 1
	expect "from the prefix" "ours 2" "$(<$R/data) $(<$DR/rejected)" || return 1
	$IOCTL reset /dev/receive_udp || return 1
	expect "rejected after a reset" "0" "$(<$DR/rejected)"
}

# Why contexts: the receive path through GRO.
# Why every: UDP GSO and GRO, the stack's own code.
# suites: main contexts every
t_gso_gro() {
	# payload=1000 over loopback: with gso (the default) one call hands
	# the stack 65 datagrams (Udp OutDatagrams counts calls); receive_udp
	# with gro takes them as one receive (InDatagrams counts receives),
	# without it one by one. Every way, each datagram counts and the
	# bytes are the same.
	local size=$((4 << 20)) dg=$((((4 << 20) + 999) / 1000)) g out in
	load_rx buffer_size=4M && load_tx buffer_size=4M payload=1000 || return 1
	expect "defaults" "1 1" "$(<$S/gso) $(<$R/gro)" || return 1
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
