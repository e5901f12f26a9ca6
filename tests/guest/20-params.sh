# SPDX-License-Identifier: GPL-2.0
#
# The modules' parameters: values refused at run time (ip, payload, data
# too large or while a send is in progress, gso, gro, rate) and at load
# (a load that fails leaves nothing behind), data given to insmod, and
# what debug=1 logs.
#
# Sourced by tests/guest.sh, whose header says how the "# suites:" line
# above each test puts it in its suites.

# suites: main
t_bad_ip() {
	load_tx || return 1
	local seq=$($KMSG last)
	echo 10.1.2.3 >$S/ip || return 1
	# The plumbing: a value that is no address and one that is no host's
	# or group's are refused (one process writes them all, one write(2)
	# each), and neither changed ip: neither could set it back. Which
	# texts are addresses is kudp_parse_dest()'s, every case in the unit
	# tier (tests/unit/parse.c).
	expect "ip=abc 255.255.255.255 '1.2.3.4\n\n'" "EINVAL EINVAL EINVAL" \
		"$(write $S/ip abc 255.255.255.255 "1.2.3.4\n\n")" || return 1
	expect "ip after them" "10.1.2.3" "$(<$S/ip)" || return 1
	expect "log lines" "3" "$(log_since "$seq" | grep -c 'send_udp: ip: ')" || return 1
	log_since "$seq" | grep -q "ip: 'abc' is not an IPv4 address" || fail "no clear log line" || return 1
	log_since "$seq" | grep -q "ip: 255.255.255.255 is the broadcast" || fail "no log line for 255.255.255.255" || return 1
	expect "ip without newline" "ok" "$(write $S/ip 127.0.0.1)" || return 1
	expect "ip" "127.0.0.1" "$(<$S/ip)"
}

# suites: main
t_bad_payload() {
	load_tx || return 1
	local seq=$($KMSG last)
	expect "payload=65508 abc -1 ' '" "EINVAL EINVAL EINVAL EINVAL" "$(write $S/payload 65508 abc -1 " ")" || return 1
	expect "payload unchanged" "0" "$(<$S/payload)" || return 1
	log_since "$seq" | grep -q "payload: '65508' is not a number from 0" || fail "no log line"
}

# suites: main
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

# Why contexts: a send from a parameter write.
# suites: main contexts
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
	expect "state during the send" "sending" "$(<$S/state)" || rc=1
	release_loopback
	wait_for 30 tx_idle || fail "the send never ended" || rc=1
	wait $pid	# until 3 s pass without data: a second message would show
	[ $rc -eq 0 ] || return 1
	expect "sends" "1 2000 0" "$(<$DS/messages) $(<$DS/last_bytes) $(<$S/last_error)" || return 1
	# The release dropped what the bucket held; all that came is the first
	# message's: the letter a, 2000 datagrams at most.
	set -- $(<"$TMP/count")
	diag "the listener got $1 of the 2000 datagrams"
	[ "$1" -gt 0 ] && [ "$1" -le 2000 ] && [ "$1" = "$2" ] ||
		fail "listener: $* (datagrams, bytes)" || return 1
	expect "bytes other than the first message's" "" "$(tr -d a <"$TMP/got")" || return 1
	log_since "$seq" | grep -q 'a message is being written or sent' || fail "no log line for EBUSY"
}

# suites: main
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

# suites: main
t_insmod_data() {
	load_rx || return 1
	load_tx data=from-insmod || return 1
	wait_for 30 rx_complete || return 1
	expect "message sent by init" "from-insmod" "$(<$R/data)" || return 1
	expect "send data" "from-insmod" "$(<$S/data)"
}

# suites: main
t_debug_output() {
	load_rx debug=1 && load_tx debug=1 || return 1
	local seq=$($KMSG last)
	echo dbg >$S/data || return 1
	wait_for 30 rx_complete || return 1
	local log=$(log_since "$seq") p
	for p in 'send_udp: send_udp_start(len=4)' 'send_udp: sock_sendmsg(4 bytes at offset 0) = 4' \
		 'receive_udp: skb_recv_udp() = 4 bytes from 127.0.0.1:' 'receive_udp: idle timer armed' \
		 'receive_udp: idle timer expired' 'receive_udp: message 1 completed (idle): 4 bytes in 1 datagrams' \
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
	local n=$(log_since "$seq" | grep -c 'sock_sendmsg(')
	diag "$n sock_sendmsg lines for 3000 datagrams"
	[ "$n" -le 100 ] || fail "$n lines: not rate-limited"
}

# suites: main
t_bad_switches() {
	# gso, gro, zerocopy, rate and idle: a bad value is refused with
	# EINVAL and a log line, and changes nothing. One bad value each, the
	# plumbing: which texts are switches, sizes and seconds is
	# kudp_parse.c's, every case in the unit tier (tests/unit/parse.c).
	load_rx && load_tx || return 1
	local seq=$($KMSG last)
	expect "gso=2 gro=2 zerocopy=on rate=abc rate='1M ' idle=0" "EINVAL EINVAL EINVAL EINVAL EINVAL EINVAL" \
		"$(write $S/gso 2) $(write $R/gro 2) $(write $S/zerocopy on) $(write $S/rate abc "1M ") $(write $R/idle 0)" || return 1
	expect "unchanged" "1 1 0 0 1" "$(<$S/gso) $(<$R/gro) $(<$S/zerocopy) $(<$S/rate) $(<$R/idle)" || return 1
	expect "log lines" "6" "$(log_since "$seq" | grep -cE '_udp: (gso|gro|zerocopy|rate|idle): ')" || return 1
	log_since "$seq" | grep -q "idle: '0' is not a number of seconds from 1 to 3600" || fail "no clear line for idle" || return 1
	log_since "$seq" | grep -q "gro: '2' is not 0 (off) or 1 (on)" || fail "no clear line for gro" || return 1
	log_since "$seq" | grep -q "rate: 'abc' is not a number of bytes (suffixes" || fail "no clear line for rate" || return 1
	expect "good values" "ok ok ok ok" "$(write $S/gso 0) $(write $R/gro '0\n') $(write $S/rate 10M) $(write $S/rate 0)" || return 1
	expect "after good values" "0 0 0" "$(<$S/gso) $(<$R/gro) $(<$S/rate)" || return 1
	echo 1500K >$S/rate && expect "rate with a suffix" "1536000" "$(<$S/rate)"
}

# suites: main
t_port() {
	# port=9909 on both sides: the message goes to 9909, and nothing to
	# 8808, where a listener of ours waits (it could not even bind had
	# receive_udp taken 8808). Then send_udp's port at run time: the next
	# send goes to the listener's 8808, not to receive_udp.
	load_rx port=9909 && load_tx port=9909 || return 1
	expect "port parameters" "9909 9909" "$(<$R/port) $(<$S/port)" || return 1
	$UDP listen --port 8808 --bytes 7 --first 60 --timeout 3 --out "$TMP/got" \
		--ready "$TMP/ready" >"$TMP/count" &
	local pid=$!
	wait_for 30 test -e "$TMP/ready" || fail "the listener on 8808 never bound" || return 1
	echo -n to-9909 >$S/data || return 1
	wait_seq 1 || return 1
	expect "message on 9909, send result" "to-9909 0" "$(<$R/data) $(<$S/last_error)" || return 1
	echo 8808 >$S/port || return 1
	echo -n to-8808 >$S/data || return 1
	wait $pid || fail "the listener failed" || return 1
	expect "what came to 8808 (datagrams bytes, payload)" "1 7 to-8808" \
		"$(<"$TMP/count") $(<"$TMP/got")" || return 1
	wait_for 30 tx_idle || return 1
	expect "receive_udp's messages after the send to 8808" "1" "$(<$DR/seq)" || return 1
	# The reliable mode on 9909: the receiver's answers go back to the
	# sender's port, from 9909, which the sender's connected socket takes.
	rmmod receive_udp && load_rx port=9909 mode=reliable || return 1
	echo 9909 >$S/port && echo reliable >$S/mode || return 1
	head -c 3000 /dev/urandom | base64 -w0 | head -c 4000 >"$TMP/msg"
	cat "$TMP/msg" >$S/data || return 1
	wait_seq 1 || return 1
	wait_for 30 tx_idle || return 1
	expect "reliable on 9909: result, reason, CRC-32" "0 whole $(crc32_of "$TMP/msg")" \
		"$(<$S/last_error) $(<$DR/reason) $(<$DR/crc32)"
}

# suites: main
t_bad_port_dev() {
	# A bad port or dev is refused with a clear errno and log line, and
	# changes nothing; dev naming no interface fails the load with ENODEV.
	# Which texts are ports and interface names is kudp_parse.c's, every
	# case in the unit tier (tests/unit/parse.c).
	local seq=$($KMSG last) err
	load_tx || return 1
	expect "send_udp port=0 65536 abc" "EINVAL EINVAL EINVAL" "$(write $S/port 0 65536 abc)" || return 1
	expect "port unchanged" "8808" "$(<$S/port)" || return 1
	insmod "$MOD/receive_udp.ko" buffer_size=1M port=0 2>/dev/null && fail "loaded with port=0" && return 1
	err=$(insmod "$MOD/receive_udp.ko" buffer_size=1M dev=nosuch0 2>&1) && fail "loaded with dev=nosuch0" && return 1
	diag "insmod dev=nosuch0: $err"
	echo "$err" | grep -q "No such device" || fail "insmod dev=nosuch0 did not fail with ENODEV: $err" || return 1
	insmod "$MOD/receive_udp.ko" buffer_size=1M dev=a/b 2>/dev/null && fail "loaded with dev=a/b" && return 1
	loaded receive_udp && fail "receive_udp stayed loaded" && return 1
	local log=$(log_since "$seq")
	echo "$log" | grep -q "send_udp: port: '65536' is not a UDP port (a number from 1 to 65535)" || fail "no log for port=65536" || return 1
	echo "$log" | grep -q "receive_udp: port: '0' is not a UDP port" || fail "no log for port=0" || return 1
	echo "$log" | grep -q "receive_udp: dev: no network interface is named 'nosuch0'" || fail "no log for dev=nosuch0" || return 1
	echo "$log" | grep -q "receive_udp: dev: 'a/b' is not a network interface's name" || fail "no log for dev=a/b" || return 1
	# Load time only: read-only once loaded.
	load_rx || return 1
	expect "writes to receive_udp's port and dev" "EACCES EACCES" "$(write $R/port 9909) $(write $R/dev lo)" || return 1
	expect "receive_udp's port and dev" "8808 " "$(<$R/port) $(<$R/dev)"
}

# Why every: the socket bound to an interface (sock_bindtoindex()).
# suites: main every
t_dev_bind() {
	# A second host in a network namespace, over a veth pair: with dev=kudp0
	# its datagrams are taken and this host's to 127.0.0.1 (on lo) are not;
	# with dev=lo the other way round. A datagram this host sends to an
	# address of its own counts as coming in on the interface that has the
	# address (kudp0's 198.51.100.1 here). What is not taken finds no
	# socket: the stack counts it in NoPorts.
	two_hosts || fail "no veth pair and namespace" || return 1
	load_rx dev=kudp0 || return 1
	expect "dev" "kudp0" "$(<$R/dev)" || return 1
	local noports=$(snmp Udp NoPorts)
	ip netns exec kudp $UDP send --to 198.51.100.1 from-kudp1 || return 1
	wait_seq 1 || return 1
	expect "dev=kudp0: the other host's message" "from-kudp1" "$(<$R/data)" || return 1
	$UDP send --to 127.0.0.1 from-lo || return 1
	wait_for 30 eval '[ "$(snmp Udp NoPorts)" -gt $noports ]'
	expect "dev=kudp0: NoPorts after this host's datagram to 127.0.0.1" "$((noports + 1))" \
		"$(snmp Udp NoPorts)" || return 1
	expect "dev=kudp0: receive_udp after it (seq, state)" "1 complete" "$(<$DR/seq) $(<$DR/state)" || return 1
	$UDP send --to 198.51.100.1 to-kudp0 || return 1
	wait_seq 2 || return 1
	expect "dev=kudp0: this host's message to kudp0's address" "to-kudp0" "$(<$R/data)" || return 1
	rmmod receive_udp && load_rx dev=lo || return 1
	noports=$(snmp Udp NoPorts)
	ip netns exec kudp $UDP send --to 198.51.100.1 from-kudp1 || return 1
	$UDP send --to 198.51.100.1 to-kudp0 || return 1
	wait_for 30 eval '[ "$(snmp Udp NoPorts)" -ge $((noports + 2)) ]'
	expect "dev=lo: NoPorts after the datagrams to kudp0's address" "$((noports + 2))" \
		"$(snmp Udp NoPorts)" || return 1
	expect "dev=lo: receive_udp after them (seq, state)" "0 empty" "$(<$DR/seq) $(<$DR/state)" || return 1
	$UDP send --to 127.0.0.1 from-lo || return 1
	wait_seq 1 || return 1
	expect "dev=lo: this host's message to 127.0.0.1" "from-lo" "$(<$R/data)"
}
