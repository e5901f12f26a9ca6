# SPDX-License-Identifier: GPL-2.0
#
# mode=reliable with a shared key (Documentation/protocol.rst, version 2):
# keyed transfers between the modules, the key's parameter, what does not
# authenticate (no key, another key, a replay) and what it changes:
# nothing.
#
# Sourced by tests/guest.sh, whose header says how the "# suites:" line
# above each test puts it in its suites.

KEY2=f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f

# key_send FILE [SECONDS]: FILE through /dev/send_udp; wait for the send to
# end (SECONDS, 30) and print its result (last_error).
key_send() {
	cat "$1" >/dev/send_udp || return 1
	wait_for "${2:-30}" tx_idle || fail "the send never ended: $(<$S/state)" || return 1
	cat $S/last_error
}

# Why every: the tags, the kernel's BLAKE2s and SipHash over an skb
# (skb_seq_read()). (Not contexts: the key's way to the receiving work,
# kernel_param_lock -> rx->control_lock -> rx->wq, is the discard's; the
# debug pass's fuzzer loads keyed modules and sends them keyed datagrams.)
# suites: reliable every
t_key_roundtrip() {
	local seq
	seq=$($KMSG last)
	# The sender's key given at load, the receiver's written at run time.
	load_rx mode=reliable debug=1 && load_tx mode=reliable key=$KEY1 debug=1 || return 1
	expect "key files' modes" "200 200" "$(stat -c %a $S/key) $(stat -c %a $R/key)" || return 1
	expect "receive_udp's key written" "ok" "$(write $R/key "$KEY1\n")" || return 1
	expect "keys read back (root too)" "EACCES EACCES" \
		"$(pyrun 'import errno, sys
def r(p):
    try:
        return "read " + open(p).read()
    except OSError as e:
        return errno.errorcode[e.errno]
print(r(sys.argv[1]), r(sys.argv[2]))' $S/key $R/key)" || return 1
	expect "bad keys (send_udp)" "EINVAL EINVAL EINVAL" \
		"$(write $S/key "${KEY1:1}" "${KEY1}0" "x${KEY1:1}")" || return 1
	expect "bad keys (receive_udp)" "EINVAL EINVAL" "$(write $R/key "${KEY1:2}" "$KEY1 ")" || return 1
	# 1 MiB in 64 KiB datagrams (GSO, GRO), then in 1472-byte ones.
	head -c 1000000 /dev/urandom >"$TMP/src" || return 1
	expect "keyed send" "0" "$(key_send "$TMP/src")" || return 1
	wait_seq 1 || return 1
	cmp "$TMP/src" /dev/receive_udp || fail "the bytes read back differ" || return 1
	echo 1472 >$S/payload && echo 0 >$S/gso || return 1
	head -c 200000 /dev/urandom >"$TMP/src" || return 1
	expect "keyed send, 1472-byte datagrams" "0" "$(key_send "$TMP/src")" || return 1
	wait_seq 2 || return 1
	cmp "$TMP/src" /dev/receive_udp || fail "the bytes read back differ" || return 1
	expect "rejected (send_udp, receive_udp)" "0 0" "$(<$DS/rejected) $(<$DR/rejected)" || return 1
	log_since "$seq" | grep -q 'receive_udp: HELLO of message' ||
		fail "no HELLO in the debug log: not version 2?" || return 1
	log_since "$seq" | grep -qi -e "${KEY1:0:16}" -e "${KEY1:48}" && fail "the key is in the log" && return 1
	# A key needs mode=reliable: refused at load and at run time by a raw
	# receiver; a raw send with a key sends nothing.
	unload_all
	load_rx key=$KEY1 2>/dev/null && fail "receive_udp loaded in mode=raw with a key" && return 1
	load_rx && load_tx key=$KEY1 || return 1
	expect "a key for a raw receiver; none" "EINVAL ok" "$(write $R/key "$KEY1" "\n")" || return 1
	echo hello >"$TMP/src" || return 1
	expect "raw send with a key" "-22" "$(key_send "$TMP/src")" || return 1
	expect "a key cleared" "ok" "$(write $S/key "\n")" || return 1
	expect "raw send without" "0" "$(key_send "$TMP/src")" || return 1
	wait_for 30 rx_complete || return 1
	expect "raw message" "hello" "$(<$R/data)"
}

# key_replay CAPTURE FILE SEQ: replay.py sends CAPTURE (a message's
# datagrams) again to receive_udp: every DATA and CLOSE is rejected
# (counted, not answered: only the HELLOs get a CHALLENGE), and the
# receiver still holds message SEQ, FILE's bytes (SEQ 0: none).
key_replay() {
	local prev out sent hellos
	prev=$(<$DR/rejected)
	out=$($PY "$HERE/replay.py" send "$1") || return 1
	diag "replay.py: $out"
	set -- "$@" $out
	sent=${5%,} hellos=${7%,}
	expect "answers to the replay" "$(printf '7 %.0s' $(seq $hellos) | xargs)" "${out#*answers }" || return 1
	wait_for 10 past $DR/rejected $((prev + sent - hellos - 1))
	expect "rejected" "$((prev + sent - hellos))" "$(<$DR/rejected)" || return 1
	expect "receiver (seq)" "$3" "$(<$DR/seq)" || return 1
	[ "$3" = 0 ] || cmp "$2" /dev/receive_udp || fail "the message changed" || return 1
}

# suites: reliable
t_key_replay() {
	# A keyed message captured on the way (replay.py capture: a packet
	# socket on loopback; gso=0, so that each datagram shows whole) and
	# sent again later: after the receiver completed a newer message, and
	# after both modules were reloaded with the same key. Nothing of it
	# verifies: the receiver's challenge changed each time
	# (Documentation/protocol.rst, "No replay").
	local pid
	load_rx mode=reliable key=$KEY1 && load_tx mode=reliable key=$KEY1 gso=0 payload=1472 || return 1
	$PY "$HERE/replay.py" capture "$TMP/cap" --ready "$TMP/ready" --stop "$TMP/stop" >"$TMP/cap.out" &
	pid=$!
	wait_for 30 test -e "$TMP/ready" || fail "replay.py never listened" || return 1
	head -c 100000 /dev/urandom >"$TMP/m1" || return 1
	expect "message 1 sent" "0" "$(key_send "$TMP/m1")" || return 1
	touch "$TMP/stop"
	wait $pid || fail "replay.py capture failed" || return 1
	diag "captured (datagrams, bytes): $(<"$TMP/cap.out")"
	head -c 50000 /dev/urandom >"$TMP/m2" || return 1
	expect "message 2 sent" "0" "$(key_send "$TMP/m2")" || return 1
	wait_seq 2 || return 1
	key_replay "$TMP/cap" "$TMP/m2" 2 || return 1
	unload_all && load_rx mode=reliable key=$KEY1 && load_tx mode=reliable key=$KEY1 || return 1
	key_replay "$TMP/cap" - 0 || return 1
	expect "state after the replay" "empty" "$(<$R/state)"
}

# suites: reliable
t_key_forged() {
	# What does not authenticate changes nothing and gets no answer: after
	# a keyed message from reliable.py (which computes the tags from the
	# document: two implementations agree), forged datagrams
	# (reliable.py forge) without a key (version 1: among them a CLOSE of
	# an empty message, which completes without a key) and with another
	# key (each case after a HELLO, which gets no CHALLENGE either), and
	# send_udp with another key (its HELLOs unanswered: -110 ETIMEDOUT
	# after its hold). The message still reads back identical.
	local cases="badclose foreign hello badtag" prev out n seq
	seq=$($KMSG last)
	key_file k1 $KEY1 && key_file k2 $KEY2 || return 1
	load_rx mode=reliable key=$KEY1 && load_tx mode=reliable key=$KEY2 hold=1 || return 1
	head -c 100000 /dev/urandom >"$TMP/m1" || return 1
	out=$($REL send 127.0.0.1 "$TMP/m1" --key-file "$TMP/k1" --id 0x1234567800000005) ||
		fail "reliable.py's keyed message was not confirmed: $out" || return 1
	wait_seq 1 || return 1
	prev=$(<$DR/rejected)
	out=$($REL forge 127.0.0.1 ${cases% hello badtag} --id 0x1234567800000005 --wait 0.3) || return 1
	echo "$out" | sed 's/^/# no key: /'
	n=$(echo "$out" | grep -c 'answer none$')
	expect "unanswered, without a key" "2" "$n" || return 1
	wait_for 10 past $DR/rejected $((prev + 1))
	expect "rejected, without a key" "$((prev + 2))" "$(<$DR/rejected)" || return 1
	prev=$(<$DR/rejected)
	out=$($REL forge 127.0.0.1 $cases --id 0x1234567800000005 --wait 0.3 --key-file "$TMP/k2") || return 1
	echo "$out" | sed 's/^/# another key: /'
	n=$(echo "$out" | grep -c 'answer none$')
	expect "unanswered, with another key" "4" "$n" || return 1
	# Each case, and the HELLOs (unanswered, so sent again) before it.
	wait_for 10 past $DR/rejected $((prev + 7)) ||
		fail "rejected, with another key: $(<$DR/rejected), not $prev + 8 at least" || return 1
	prev=$(<$DR/rejected)
	expect "send_udp with another key" "-110" "$(key_send "$TMP/m1")" || return 1
	past $DR/rejected $((prev + 1)) || fail "fewer than two HELLOs rejected: $(<$DR/rejected)" || return 1
	expect "receiver (state, seq)" "complete (whole) 1" "$(<$R/state) $(<$DR/seq)" || return 1
	cmp "$TMP/m1" /dev/receive_udp || fail "the message changed" || return 1
	log_since "$seq" | grep -q 'receive_udp: .*does not authenticate' ||
		fail "no log line for what did not authenticate"
}

# suites: reliable
t_key_interop() {
	# Keyed, both ways between the modules and reliable.py, with loss:
	# send_udp to reliable.py, which loses 10 % of the DATA (the NACKs and
	# the resends tagged), and reliable.py to receive_udp, leaving out
	# 20 % of the DATA on its first pass.
	local rc pid out
	key_file k1 $KEY1 || return 1
	load_tx mode=reliable key=$KEY1 buffer_size=4M || return 1
	# 500 kB: reliable.py's SipHash is Python's (some 0.5 MB/s here).
	head -c 500000 /dev/urandom >"$TMP/src" || return 1
	$REL receive "$TMP/got" --bind 127.0.0.1 --lose 0.1 --key-file "$TMP/k1" \
		--ready "$TMP/ready" >"$TMP/rx.out" 2>&1 &
	pid=$!
	wait_for 30 test -e "$TMP/ready" || fail "reliable.py never listened" || return 1
	expect "send_udp to reliable.py" "0" "$(key_send "$TMP/src" 60)" || return 1
	wait $pid
	rc=$?
	sed 's/^/# reliable.py: /' "$TMP/rx.out" | tail -n 5
	[ $rc -eq 0 ] || fail "reliable.py receive exited with $rc" || return 1
	cmp "$TMP/src" "$TMP/got" || fail "reliable.py received other bytes" || return 1
	grep -q '^NACK: ' "$TMP/rx.out" || fail "reliable.py never asked for a resend" || return 1
	expect "send_udp rejected" "0" "$(<$DS/rejected)" || return 1
	load_rx mode=reliable key=$KEY1 buffer_size=4M || return 1
	out=$($REL send 127.0.0.1 "$TMP/src" --key-file "$TMP/k1" --drop 0.2) ||
		fail "reliable.py send: $(echo $out)" || return 1
	diag "reliable.py: $(echo $out)"
	wait_seq 1 || return 1
	cmp "$TMP/src" /dev/receive_udp || fail "receive_udp received other bytes" || return 1
	expect "receive_udp rejected" "0" "$(<$DR/rejected)"
}
