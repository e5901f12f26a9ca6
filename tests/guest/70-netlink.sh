# SPDX-License-Identifier: GPL-2.0
#
# The generic netlink family of each module (tests/genl.py): status
# replies against sysfs, requests refused, the CRC-32 kept from the
# unprivileged, events to two listeners, and listeners across an unload.
#
# Sourced by tests/guest.sh, whose header says how the "# suites:" line
# above each test puts it in its suites.

# Why every: generic netlink registration and requests.
# suites: main every
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

# suites: main
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
		"$(<$DS/messages) $(<$DR/messages) $(<$DR/state) $(<$R/data)" || return 1
	# As root they work, and acknowledge.
	expect "reset" "error 0" "$($GENL status receive_udp --cmd 2 --ack)" || return 1
	expect "discard" "error 0" "$($GENL status receive_udp --cmd 3 --ack)" || return 1
	expect "after reset and discard" "0 1 empty" \
		"$(<$DR/messages) $(<$DR/seq) $(<$DR/state)" || return 1
	# send_udp refuses a discard while sending, with a message: 200
	# datagrams of 1000 bytes through the held loopback take minutes.
	echo 1000 >$S/payload
	hold_loopback || return 1
	head -c 200000 /dev/urandom >/dev/send_udp || return 1
	expect "discard while sending" "error -16 a send is in progress" \
		"$($GENL status send_udp --cmd 3)"
}

# suites: main
t_crc_private() {
	# The CRC-32 is derived from the message's content: nobody without
	# CAP_NET_ADMIN (root, for files) learns it, through any interface.
	# Sizes and counts stay public.
	# A buffer of the message's size: complete at once (full).
	load_rx buffer_size=4 && load_tx || return 1
	echo -n abcd >$S/data
	wait_seq 1 || return 1
	local nobody="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all"
	local crc=$(<$DR/crc32)
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
		$GENL status $m --ack | grep -q " crc32=$(</sys/class/$m/$m/crc32) " || fail "$m: no CRC-32 for root" || return 1
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

# Why contexts: events to listeners.
# suites: main contexts
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
	grep -q "^send_udp sent seq=1 bytes=4 datagrams=1 result=0 crc32=$(<$DS/crc32) duration_ns=" "$TMP/ev1" ||
		fail "no sent event" || return 1
	grep -q "^receive_udp complete seq=1 bytes=4 datagrams=1 reason=1 crc32=$(<$DR/crc32) " "$TMP/ev1" ||
		fail "no complete event"
}

# Why contexts: teardown with a listener subscribed.
# suites: main contexts
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
