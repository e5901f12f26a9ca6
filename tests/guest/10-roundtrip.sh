# SPDX-License-Identifier: GPL-2.0
#
# The round trip, where the main suite starts: who may use the parameter
# files, one message through them from send_udp to receive_udp, each
# module against a userspace peer (a client into receive_udp, send_udp
# into a listener), and the rules that end a message (5 s without data, a
# new message after that, a full buffer).
#
# Sourced by tests/guest.sh, whose header says how the "# suites:" line
# above each test puts it in its suites.

# Why every: sysfs: the parameter files and their modes.
# suites: main every
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

# Why every: the raw path end to end: socket, drain, idle hrtimer.
# suites: main every
t_roundtrip_sysfs() {
	load_rx && load_tx || return 1
	expect "receiver state before" "empty" "$(<$R/state)" || return 1
	expect "data before" "" "$(<$R/data)" || return 1
	local t0=$(date +%s.%N)
	echo hello >$S/data || return 1
	wait_for 30 rx_complete || fail "no completion: state $(<$R/state)" || return 1
	diag "completed $(since "$t0") s after the write"
	expect "cat receive_udp data" "hello" "$(<$R/data)" || return 1
	# Byte for byte, newline included.
	expect "bytes" "68656c6c6f0a" "$(od -An -tx1 $R/data | tr -d ' \n')" || return 1
	expect "send state" "idle" "$(<$S/state)" || return 1
	expect "last_error" "0" "$(<$S/last_error)" || return 1
	expect "send data reads back" "hello" "$(<$S/data)"
}

# Why every: the crypto API's crc32 is each kernel's own module
# (crc32-pclmul on x86), loaded on demand by the first module that asks.
# suites: main every
t_crc32_impl() {
	# Each module names its CRC-32 function at load, with its speed, and
	# crc32_impl reads it back; crc32_impl=lib and =crypto choose. Each
	# way, both sides give zlib's CRC-32 of 3 MiB and 12345 bytes (three
	# whole 1 MiB chunks of the receiver's and a short one, on its
	# workers and in its completion). (auto, the default, is what every
	# other test loads; its fallback is below.)
	local impl m name seq size=$(((3 << 20) + 12345)) want
	head -c $size /dev/urandom >"$TMP/in"
	want=$(crc32_of "$TMP/in")
	for impl in lib crypto; do
		seq=$($KMSG last)
		load_rx buffer_size=4M crc32_impl=$impl && load_tx buffer_size=4M crc32_impl=$impl ||
			fail "crc32_impl=$impl refused" || return 1
		for m in send_udp receive_udp; do
			name=$(</sys/module/$m/parameters/crc32_impl)
			log_since "$seq" | grep -E "$m: CRC-32: " | sed 's/^/# log: /'
			log_since "$seq" | grep -Eq "$m: CRC-32: $name, [0-9]+ MB/s \\(" ||
				fail "$m: no load line naming $name and its speed" || return 1
			case $impl in
			lib) expect "$m: crc32_impl=lib reads back" crc32_le "$name" || return 1 ;;
			crypto) [ "$name" != crc32_le ] || fail "$m: crc32_impl=crypto reads back $name" || return 1 ;;
			esac
		done
		cat "$TMP/in" >/dev/send_udp || return 1
		wait_seq 1 || return 1
		expect "$impl: CRC-32 (sender's, receiver's)" "$want $want" "$(<$DS/crc32) $(<$DR/crc32)" || return 1
		cmp -s "$TMP/in" /dev/receive_udp || fail "$impl: the bytes read back differ" || return 1
		unload_all || return 1
	done

	# An unknown name; then the crypto API without crc32 (its modules
	# kept from loading): crypto fails with EOPNOTSUPP, auto takes
	# crc32_le().
	seq=$($KMSG last)
	insmod "$MOD/send_udp.ko" buffer_size=1M crc32_impl=fast 2>"$TMP/err" &&
		fail "loaded with crc32_impl=fast" && return 1
	# (kmod says "Invalid parameters" for EINVAL.)
	grep -q "Invalid parameters" "$TMP/err" || fail "crc32_impl=fast: $(<"$TMP/err")" || return 1
	log_since "$seq" | grep -q "send_udp: crc32_impl: auto, lib or crypto" ||
		fail "no log line for crc32_impl=fast" || return 1
	modprobe -rq crc32_pclmul crc32_generic
	! grep -Eq '^name +: crc32$' /proc/crypto || fail "the crypto API's crc32 stays loaded" || return 1
	printf 'install %s /bin/false\n' crc32_pclmul crc32_generic >/etc/modprobe.d/kudp-test.conf
	insmod "$MOD/receive_udp.ko" buffer_size=1M crc32_impl=crypto 2>"$TMP/err"
	local rc=$?
	load_rx
	local auto=$?
	rm -f /etc/modprobe.d/kudp-test.conf
	[ $rc -ne 0 ] || fail "loaded crc32_impl=crypto without a crc32 in the crypto API" || return 1
	grep -q "Operation not supported" "$TMP/err" || fail "crc32_impl=crypto: $(<"$TMP/err")" || return 1
	log_since "$seq" | grep -q "receive_udp: crc32_impl=crypto: the crypto API has no crc32: error -2" ||
		fail "no log line for crc32_impl=crypto without crc32" || return 1
	[ $auto -eq 0 ] || fail "auto refused without crc32 in the crypto API" || return 1
	expect "auto without crc32 in the crypto API" crc32_le "$(<$R/crc32_impl)" || return 1
	log_since "$seq" | grep -q "receive_udp: CRC-32: crc32_le, [0-9]* MB/s (the crypto API has no crc32: error -2)" ||
		fail "no load line saying why crc32_le()"
}

# Why contexts: the receive path in softirq, with the idle timer.
# Why every: sk_data_ready in softirq, from a user-space client.
# suites: main contexts every
t_client_to_receiver() {
	load_rx || return 1
	# A binary payload (with NUL bytes) from a real userspace client.
	$UDP send "@4000:$TMP/payload" --wait-complete 8 >/dev/null || return 1
	cmp "$TMP/payload" $R/data || fail "received bytes differ" || return 1
	echo -n "socat says hi" | socat -u - UDP4-SENDTO:127.0.0.1:8808 || return 1
	# Receiving for 5 s after the datagram: poll, no fixed sleep.
	wait_for 30 rx_receiving ||
		fail "state while receiving: $(<$R/state)" || return 1
	wait_for 30 rx_complete || return 1
	expect "socat payload" "socat says hi" "$(<$R/data)"
}

# suites: main
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
	expect "datagrams and bytes" "$(( (n + 999) / 1000 )) $n" "$(<"$TMP/count")" || return 1
	cmp "$TMP/src" "$TMP/got" || fail "listener got other bytes"
}

# suites: main
t_three_datagrams_timing() {
	# The specification's rule, with the defaults: 4 s gaps keep one
	# message, 5 s of silence complete it.
	insmod "$MOD/receive_udp.ko" buffer_size=1M || return 1
	local dt
	dt=$($UDP send --gap 4 one- two- three --wait-complete 10) || fail "$dt" || return 1
	diag "completed $dt s after the last datagram"
	expect "message" "one-two-three" "$(<$R/data)" || return 1
	awk -v t="$dt" 'BEGIN { exit !(t >= 5.0 && t <= 6.0) }' ||
		fail "completion $dt s after the last datagram, not 5.0-6.0" || return 1
	# idle=2, set at run time, counts from the next datagram on.
	echo 2 >$R/idle || return 1
	dt=$($UDP send --gap 1 a- b --wait-complete 10) || fail "$dt" || return 1
	diag "with idle=2: completed $dt s after the last datagram"
	expect "message with idle=2" "a-b" "$(<$R/data)" || return 1
	awk -v t="$dt" 'BEGIN { exit !(t >= 2.0 && t <= 3.0) }' ||
		fail "with idle=2: completion $dt s after the last datagram, not 2.0-3.0"
}

# suites: main
t_discard_on_new_data() {
	# idle=3: time to see the new message incomplete.
	load_rx idle=3 || return 1
	$UDP send old-message --wait-complete 8 >/dev/null || return 1
	expect "first message" "old-message" "$(<$R/data)" || return 1
	$UDP send new || return 1
	wait_for 30 rx_receiving || return 1
	expect "data while the new one is incomplete" "" "$(<$R/data)" || return 1
	wait_for 30 rx_complete || return 1
	expect "second message replaces the first" "new" "$(<$R/data)"
}

# Why contexts: the receive path to the full rule.
# suites: main contexts
t_full_buffer_overflow() {
	load_rx buffer_size=16 idle=2 || return 1
	# 10 + 10 bytes into 16: the second datagram is cut (4 bytes overflow)
	# and the buffer completes at once, without the idle wait
	# (%complete=3). The same burst goes on (datagrams less than idle=2 s
	# apart): 12345 and 678 are overflow, dropped. One process sends them
	# all, so that the gaps stay far below 2 s however slowly a process
	# starts.
	local gap
	gap=$($UDP send --max-gap 0123456789 abcdefghij %complete=3 12345 %sleep=0.5 678) ||
		fail "no full-buffer completion: $gap" || return 1
	diag "longest gap between two datagrams: $gap s"
	wait_for 30 grep -qx 12 $R/overflow ||
		fail "overflow after the burst: expected 12, saw $(<$R/overflow)" || return 1
	expect "data unchanged" "0123456789abcdef" "$(<$R/data)" || return 1
	expect "state unchanged" "complete (full)" "$(<$R/state)" || return 1
	# After a pause of the idle time, a datagram starts a new message.
	sleep 2.5
	$UDP send fresh --wait-complete 8 >/dev/null || return 1
	expect "new message after the pause" "fresh" "$(<$R/data)" || return 1
	expect "state" "complete (idle)" "$(<$R/state)" || return 1
	expect "overflow unchanged" "12" "$(<$R/overflow)"
}
