# SPDX-License-Identifier: GPL-2.0
#
# mode=reliable with a shared key (Documentation/protocol.rst, version 2):
# keyed transfers between the modules, the key's parameter, what does not
# authenticate (no key, another key, a replay) and what it changes:
# nothing.
#
# Sourced by tests/guest.sh, whose header says how the "# suites:" line
# above each test puts it in its suites.

KEY1=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
KEY2=f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f

# key_send FILE [SECONDS]: FILE through /dev/send_udp; wait for the send to
# end (SECONDS, 30) and print its result (last_error).
key_send() {
	cat "$1" >/dev/send_udp || return 1
	wait_for "${2:-30}" tx_idle || fail "the send never ended: $(<$S/state)" || return 1
	cat $S/last_error
}

# Why every: the tags, the kernel's BLAKE2s over an skb (skb_seq_read()).
# Why contexts: the key's parameter callback hands it to the receiving work.
# suites: reliable every contexts
t_key_roundtrip() {
	local seq
	seq=$($KMSG last)
	load_rx mode=reliable key=$KEY1 debug=1 && load_tx mode=reliable debug=1 || return 1
	expect "key files' modes" "200 200" "$(stat -c %a $S/key) $(stat -c %a $R/key)" || return 1
	expect "key written" "ok" "$(write $S/key "$KEY1\n")" || return 1
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
