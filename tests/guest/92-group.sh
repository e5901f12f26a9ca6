# SPDX-License-Identifier: GPL-2.0
#
# Multicast in one guest: the group, ttl and receivers parameters, and
# messages to a group over loopback, in both modes. Two receiving
# machines in one group are the two-machine suite's (tests/pair-guest.sh,
# t_group_*).
#
# Sourced by tests/guest.sh, whose header says how the "# suites:" line
# above each test puts it in its suites.

GROUP=239.1.2.3

# group_lo on|off: loopback as the way to the groups (a route for
# 224.0.0.0/4 and the MULTICAST flag, which lo lacks), or as it was. The
# route names its source: lo's 127.0.0.1 is of host scope, which no
# datagram to a group takes (it would go from 0.0.0.0, and mode=reliable's
# answers could not go back).
group_lo() {
	if [ "$1" = on ]; then
		ip link set dev lo multicast on && ip route add 224.0.0.0/4 dev lo src 127.0.0.1
	else
		ip route del 224.0.0.0/4 dev lo 2>/dev/null
		ip link set dev lo multicast off
	fi
}

# on_lo FUNC: FUNC, with loopback as the way to the groups (group_lo),
# which it is not after; FUNC's status.
on_lo() {
	local rc
	group_lo on || return 1
	"$1"
	rc=$?
	group_lo off
	return $rc
}

# suites: main
t_group_params() {
	# A group that is no multicast address, or no address, a group with a
	# key, and one with no route to it are refused at load with a clear
	# errno and log line; group is read-only once loaded. ttl takes 1 to
	# 255 (default 1), receivers 0 to 16 (default 1); a key with a group
	# sends nothing (EOPNOTSUPP), nor does a send to a group with no route
	# to it (ENETUNREACH). Which texts are groups is kudp_parse_group()'s,
	# every case in the unit tier.
	local seq=$($KMSG last) err log
	insmod "$MOD/receive_udp.ko" buffer_size=1M group=192.0.2.1 2>/dev/null &&
		fail "loaded with group=192.0.2.1" && return 1
	insmod "$MOD/receive_udp.ko" buffer_size=1M group=abc 2>/dev/null &&
		fail "loaded with group=abc" && return 1
	insmod "$MOD/receive_udp.ko" buffer_size=1M group=$GROUP mode=reliable key=$KEY1 2>/dev/null &&
		fail "loaded with group and a key" && return 1
	err=$(insmod "$MOD/receive_udp.ko" buffer_size=1M group=$GROUP 2>&1) &&
		fail "loaded with no route to the group" && return 1
	echo "$err" | grep -q "No such device" || fail "no route to the group: not ENODEV: $err" || return 1
	loaded receive_udp && fail "receive_udp stayed loaded" && return 1
	log=$(log_since "$seq")
	echo "$log" | grep -q "receive_udp: group: 192.0.2.1 is not a multicast address" ||
		fail "no log for group=192.0.2.1" || return 1
	echo "$log" | grep -q "receive_udp: group: 'abc' is not an IPv4 address" ||
		fail "no log for group=abc" || return 1
	echo "$log" | grep -q "receive_udp: group: a key authenticates a transfer to one receiver" ||
		fail "no log for group with a key" || return 1
	echo "$log" | grep -q "receive_udp: group: cannot join $GROUP: no route to it" ||
		fail "no log for no route" || return 1
	load_rx || return 1
	expect "group without one" "" "$(<$R/group)" || return 1
	expect "group written once loaded" "EACCES" "$(write $R/group $GROUP)" || return 1
	load_tx mode=reliable key=$KEY1 || return 1
	expect "ttl by default" "1" "$(<$S/ttl)" || return 1
	expect "receivers by default" "1" "$(<$S/receivers)" || return 1
	expect "receivers=17 abc -1" "EINVAL EINVAL EINVAL" "$(write $S/receivers 17 abc -1)" || return 1
	expect "ttl=0 256 abc" "EINVAL EINVAL EINVAL" "$(write $S/ttl 0 256 abc)" || return 1
	expect "ttl=255" "ok" "$(write $S/ttl 255)" || return 1
	expect "ttl" "255" "$(<$S/ttl)" || return 1
	echo $GROUP >$S/ip || return 1
	echo hello >$S/data || return 1
	wait_for 30 tx_idle || fail "the send never ended" || return 1
	expect "a key with a group (last_error)" "-95" "$(<$S/last_error)" || return 1
	expect "datagrams sent" "0" "$(<$DS/last_datagrams)" || return 1
	# mode=raw, with no route to the group (none in this guest).
	echo >$S/key && echo raw >$S/mode && echo hello >$S/data || return 1
	wait_for 30 tx_idle || fail "the send never ended" || return 1
	expect "no route to the group (last_error)" "-101" "$(<$S/last_error)" || return 1
	log=$(log_since "$seq")
	echo "$log" | grep -q "send_udp: cannot connect to group $GROUP:8808: no route to it" ||
		fail "no log for no route to the group" || return 1
	echo "$log" | grep -q "send_udp: ttl: '256' is not a number from 1 to 255" ||
		fail "no log for ttl=256" || return 1
	echo "$log" | grep -q "send_udp: receivers: '17' is not a number from 0 to 16" ||
		fail "no log for receivers=17" || return 1
	echo "$log" | grep -q "send_udp: key: a key authenticates a transfer to one receiver in this version; nothing sent to group $GROUP" ||
		fail "no log for a key with a group"
}

# joined GROUP: whether this machine is a member of GROUP (/proc/net/igmp
# prints it as the u32 the kernel holds: reversed on a little-endian CPU).
joined() {
	local a b c d hex
	IFS=. read -r a b c d <<<"$1"
	hex=$(printf '%02X%02X%02X%02X' $d $c $b $a)
	[ "$(printf '\1\0' | od -An -tx2 | tr -d ' ')" = 0001 ] || hex=$(printf '%02X%02X%02X%02X' $a $b $c $d)
	grep -q "$hex" /proc/net/igmp
}

# Why every: joining a group (IP_ADD_MEMBERSHIP on a kernel socket) and
# sending to one (IP_MULTICAST_TTL, a route to 224.0.0.0/4).
# suites: main every
t_group_loopback() {
	# receive_udp joined to a group, send_udp sending to it, over
	# loopback: the message whole, the membership in /proc/net/igmp while
	# loaded and gone after, and datagrams to this host still taken.
	on_lo group_loopback || return 1
	! joined $GROUP || fail "$GROUP is still joined after unload"
}

group_loopback() {
	local size=$((1 << 20)) seed=$RANDOM
	# idle=1: the full buffer's burst ends 1 s after its last datagram.
	load_rx buffer_size=$size group=$GROUP idle=1 || return 1
	expect "group" "$GROUP" "$(<$R/group)" || return 1
	joined $GROUP || fail "$GROUP is not in /proc/net/igmp" || return 1
	load_tx buffer_size=$size ip=$GROUP || return 1
	pseudo_random $seed $size >/dev/send_udp || return 1
	wait_seq 1 60 || fail "no message from the group" || return 1
	cmp <(pseudo_random $seed $size) /dev/receive_udp || fail "the bytes read back differ" || return 1
	expect "send_udp's result" "0" "$(<$S/last_error)" || return 1
	# The same receiver, a message to this host, once the burst ended.
	sleep 1.5
	echo 127.0.0.1 >$S/ip && pseudo_random $((seed + 1)) $size >/dev/send_udp || return 1
	wait_seq 2 60 || fail "no message to 127.0.0.1" || return 1
	cmp <(pseudo_random $((seed + 1)) $size) /dev/receive_udp || fail "the unicast message differs" || return 1
	rmmod receive_udp
}

# suites: main
t_group_loopback_reliable() {
	# mode=reliable to a group over loopback: receivers=1, the one
	# receiver confirms (last_receivers names it); receivers=2, the one
	# confirms, and the send fails (ETIMEDOUT) once the hold passed
	# without a second, which last_receivers counts as never answered. A
	# key written to a receiver in a group is refused (EINVAL).
	on_lo group_loopback_reliable
}

group_loopback_reliable() {
	local size=$((1 << 20)) seed=$RANDOM t0
	load_rx buffer_size=$size group=$GROUP mode=reliable || return 1
	expect "a key written to a member of a group" "EINVAL" "$(write $R/key $KEY1)" || return 1
	load_tx buffer_size=$size ip=$GROUP mode=reliable hold=2 || return 1
	pseudo_random $seed $size >/dev/send_udp || return 1
	wait_for 60 tx_idle || fail "the send never ended" || return 1
	expect "receivers=1: result" "0" "$(<$S/last_error)" || return 1
	expect "receivers=1: last_receivers" "127.0.0.1 confirmed" "$(<$S/last_receivers)" || return 1
	cmp <(pseudo_random $seed $size) /dev/receive_udp || fail "the bytes read back differ" || return 1
	echo 2 >$S/receivers || return 1
	t0=$(date +%s.%N)
	pseudo_random $((seed + 1)) $size >/dev/send_udp || return 1
	wait_for 60 tx_idle || fail "the send never ended" || return 1
	diag "receivers=2 with one: ended after $(since "$t0") s (hold=2)"
	expect "receivers=2: result" "-110" "$(<$S/last_error)" || return 1
	expect "receivers=2: last_receivers" "127.0.0.1 confirmed
1 never answered" "$(<$S/last_receivers)" || return 1
	cmp <(pseudo_random $((seed + 1)) $size) /dev/receive_udp || fail "the second message differs"
}
