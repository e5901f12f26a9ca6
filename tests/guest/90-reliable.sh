# SPDX-License-Identifier: GPL-2.0
#
# mode=reliable (Documentation/protocol.rst) over loopback: the modules
# against each other, against tests/reliable.py (the protocol written in
# user space from the document, both ways) and against forged datagrams.
#
# Sourced by tests/guest.sh, whose header says how the "# suites:" line
# above each test puts it in its suites.

# Why every: the reliable path: IP_PKTINFO answers, the unaligned header.
# suites: reliable every
t_rel_roundtrip_sysfs() {
	load_rx mode=reliable && load_tx mode=reliable || return 1
	expect "modes" "reliable reliable" "$(<$S/mode) $(<$R/mode)" || return 1
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
	rx_complete || fail "no completion: state $(<$R/state)" || return 1
	diag "completed $t s after the write (raw mode waits 5 s of silence)"
	below "$t" 1 || fail "completion $t s after the write, not within 1 s" || return 1
	expect "state" "complete (whole)" "$(<$R/state)" || return 1
	expect "reason" "whole" "$(<$DR/reason)" || return 1
	expect "data" "hello" "$(<$R/data)" || return 1
	wait_for 30 tx_idle || fail "the send never ended: $(<$S/state)" || return 1
	expect "send result" "0" "$(<$S/last_error)" || return 1
	expect "rejected (send_udp, receive_udp)" "0 0" "$(<$DS/rejected) $(<$DR/rejected)" || return 1
	# send_udp's mode applies to the next send; receive_udp's is set at
	# load only.
	expect "bad modes" "EINVAL EINVAL" "$(write $S/mode bogus 'raw reliable')" || return 1
	expect "mode after bad values" "reliable" "$(<$S/mode)" || return 1
	expect "receive_udp's mode file" "444" "$(stat -c %a $R/mode)" || return 1
	rmmod receive_udp || return 1
	insmod "$MOD/receive_udp.ko" mode=bogus 2>/dev/null && fail "receive_udp loaded with mode=bogus" && return 1
	echo raw >$S/mode && load_rx || return 1
	echo -n raw-again >$S/data || return 1
	wait_for 30 rx_complete || return 1
	expect "after mode=raw at run time" "raw raw-again complete (idle)" \
		"$(<$S/mode) $(<$R/data) $(<$R/state)"
}

# suites: reliable
t_rel_dev_16m() {
	# 16 MiB of random bytes, /dev/send_udp to /dev/receive_udp.
	local size=$((16 << 20)) crc t0
	load_rx mode=reliable buffer_size=16M && load_tx mode=reliable buffer_size=16M || return 1
	head -c $size /dev/urandom >"$TMP/src" || return 1
	crc=$(crc32_of "$TMP/src")
	t0=$(date +%s.%N)
	cat "$TMP/src" >/dev/send_udp || return 1
	wait_seq 1 60 || return 1
	diag "complete $(since "$t0") s after the write began; the receiver took $(<$DR/last_datagrams) datagrams, its socket dropped $(<$DR/drops)"
	wait_for 30 tx_idle || fail "the send never ended: $(<$S/state)" || return 1
	expect "send result" "0" "$(<$S/last_error)" || return 1
	cmp "$TMP/src" /dev/receive_udp || fail "the bytes read back differ from the source" || return 1
	expect "CRC-32 (send_udp, receive_udp)" "$crc $crc" "$(<$DS/crc32) $(<$DR/crc32)" || return 1
	expect "receiver (state, bytes)" "complete (whole) $size" "$(<$R/state) $(<$DR/last_bytes)"
}

# suites: reliable
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
	[ $rc -eq 0 ] || fail "kudpctl send exited with $rc (last_error $(<$S/last_error))" || return 1
	wait $pid
	rc=$?
	sed 's/^/# reliable.py: /' "$TMP/rx.out"
	[ $rc -eq 0 ] || fail "reliable.py receive exited with $rc" || return 1
	cmp "$TMP/src" "$TMP/got" || fail "reliable.py received other bytes" || return 1
	grep -q '^NACK: ' "$TMP/rx.out" || fail "reliable.py never asked for a resend" || return 1
	expect "send result" "0" "$(<$S/last_error)" || return 1
	expect "send_udp crc32" "$(crc32_of "$TMP/src")" "$(<$DS/crc32)" || return 1
	expect "send_udp rejected (the truncated NACK, the other id's ACK)" "2" "$(<$DS/rejected)"
}

# Why contexts: the reliable mode's control datagrams.
# Why every: the reliable receiver against a user-space sender.
# suites: reliable contexts every
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
		expect "state" "complete (whole)" "$(<$R/state)" || return 1
		cmp "$TMP/src" /dev/receive_udp || fail "receive_udp has other bytes" || return 1
		expect "receive_udp crc32" "$(crc32_of "$TMP/src")" "$(<$DR/crc32)" || return 1
		case $2 in
		1440) echo "$out" | grep -Eq ' nacks=([2-9]|[1-9][0-9]+) ' ||
			fail "fewer than 2 NACKs" || return 1 ;;
		512) echo "$out" | grep -Eq ' rounds=([3-9]|[1-9][0-9]+) nacks=(1[7-9]|[2-9][0-9]|[1-9][0-9][0-9]+) ' ||
			fail "not several rounds of more than 16 NACKs" || return 1 ;;
		esac
	done
	expect "messages" "2" "$(<$DR/messages)"
}

# suites: reliable
t_rel_mode_mismatch() {
	# A raw sender to a reliable receiver: its datagrams (no header) are
	# rejected, nothing starts.
	load_rx mode=reliable && load_tx || return 1
	local seq=$($KMSG last) t0 t
	echo hello >$S/data || return 1
	wait_for 30 past $DR/rejected 0 || fail "send_udp's raw datagram not rejected" || return 1
	$UDP send plain-udp-client || return 1
	wait_for 30 past $DR/rejected 1 || fail "a raw client's datagram not rejected" || return 1
	expect "rejected" "2" "$(<$DR/rejected)" || return 1
	expect "receiver (state, seq)" "empty 0" "$(<$R/state) $(<$DR/seq)" || return 1
	expect "the raw send's result (it cannot know)" "0" "$(<$S/last_error)" || return 1
	unload_all || return 1
	# A reliable sender to a raw receiver: its DATA and its CLOSEs are
	# rejected, no answer ever comes; with hold=3 the send fails with
	# -ETIMEDOUT some 3 s after its first CLOSE (not before, not the
	# default hold's 60 s), having sent the CLOSE twice at least; nothing
	# completes.
	load_rx && load_tx mode=reliable hold=3 || return 1
	t0=$(date +%s.%N)
	echo hello >$S/data || return 1
	wait_for 30 tx_idle || fail "the send never ended: $(<$S/state)" || return 1
	t=$(since "$t0")
	diag "the reliable send to a raw receiver ended after $t s; the receiver rejected $(<$DR/rejected) datagrams"
	expect "send result" "-110" "$(<$S/last_error)" || return 1
	below 2.5 "$t" && below "$t" 10 || fail "gave up after $t s, not some 3 s (hold=3)" || return 1
	[ "$(<$DR/rejected)" -ge 3 ] || fail "rejected: not the DATA and 2 CLOSEs at least" || return 1
	expect "receiver (state, seq)" "empty 0" "$(<$R/state) $(<$DR/seq)" || return 1
	log_since "$seq" | grep 'receive_udp' | head -n 5 | sed 's/^/# log: /'
	log_since "$seq" | grep -q 'receive_udp: .*dropped' || fail "no log line for a rejected datagram"
}

# Why contexts: the reliable mode's parser on forged input.
# suites: reliable contexts
t_rel_malformed() {
	# Forged datagrams (reliable.py forge), one at a time, after a complete
	# message whose id and length the forger knows: each one is counted in
	# rejected and changes nothing; only the too-large one is answered
	# (REFUSE EFBIG), and the forged CLOSE gets no ACK (which carries the
	# CRC-32). One forger for all the cases (a Python start is seconds
	# under emulation): after each one it waits for rejected to move and
	# prints it, with the receiver's state and seq. One case per way in
	# the kernel: kudp_wire_parse() refusing (short, offset: every other
	# header it refuses is in the unit tier, tests/unit/wire.c), a
	# control datagram that is not the receiver's (nack), and
	# kudp_rel_rx_classify()'s verdicts (length, stale, efbig) and the
	# CLOSE's CRC-32 (badcrc).
	local id=0x1234567800000005 cases c prev out want line seq ok=0 i=0
	cases="short offset length badcrc nack stale efbig"
	load_rx mode=reliable buffer_size=1M || return 1
	head -c 1000 /dev/urandom >"$TMP/src" || return 1
	$REL send 127.0.0.1 "$TMP/src" --segment 512 --id $id >/dev/null ||
		fail "the first message was not confirmed" || return 1
	wait_seq 1 || return 1
	seq=$($KMSG last)
	prev=$(<$DR/rejected)
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

# suites: reliable
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
	expect "receiver (state, seq)" "empty 0" "$(<$R/state) $(<$DR/seq)" || return 1
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
	expect "send result" "-74" "$(<$S/last_error)" || return 1
	grep -q "the CRC-32 did not match: 127.0.0.1 refused the message of 100000 bytes" "$TMP/send.err" ||
		fail "kudpctl did not say the CRC-32 did not match" || return 1
	wait $pid && fail "reliable.py took the changed bytes" && return 1
	wait_for 30 has_event "$TMP/mon" send_udp '^sent:' || fail "no sent event" || return 1
	expect "send_udp's events" "sent:1:100000:-74" "$(events "$TMP/mon" send_udp | xargs)"
}

# suites: reliable
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
	expect "send result" "-27" "$(<$S/last_error)" || return 1
	grep -q "the receiver.s buffer is too small: 127.0.0.1 refused the message of $size bytes (its receive_udp has a 1048576-byte buffer" "$TMP/err" ||
		fail "kudpctl did not say the receiver's buffer is too small" || return 1
	diag "refused after $(<$DS/last_bytes) of $size bytes in $(<$DS/last_datagrams) datagrams; receive_udp rejected $(<$DR/rejected)"
	[ "$(<$DS/last_bytes)" -le $((16 << 20)) ] || fail "more than 16 MiB sent before the refusal took effect" || return 1
	[ "$(<$DR/rejected)" -gt 0 ] || fail "receive_udp counted none of the refused message's DATA" || return 1
	expect "receiver (state, seq)" "empty 0" "$(<$R/state) $(<$DR/seq)" || return 1
	# Each side says it, under its own name.
	log_since "$seq" | grep -E 'refused|do not fit' | sed 's/^/# log: /'
	log_since "$seq" | grep -q '^receive_udp: .*1048576-byte buffer: refused' ||
		fail "no receive_udp line for the refusal" || return 1
	log_since "$seq" | grep -q '^send_udp: .*refused message .* with error 27' ||
		fail "no send_udp line for the refusal"
}

# suites: reliable
t_rel_incomplete() {
	# A sender that vanishes: half of the DATA, no CLOSE (reliable.py
	# send --vanish). The message is never complete; hold seconds after
	# its last datagram it is discarded, cause incomplete. hold reads 60
	# (the default); 5 written at run time is the hold of the timer the
	# next datagram arms. (pair_rel_outage shows that the default keeps a
	# message through a 20 s outage.)
	local t0 t
	load_rx mode=reliable || return 1
	expect "hold (the default)" "60" "$(<$R/hold)" || return 1
	echo 5 >$R/hold || return 1
	monitor "$TMP/mon" || return 1
	head -c 100000 /dev/urandom >"$TMP/src" || return 1
	$REL send 127.0.0.1 "$TMP/src" --drop 0.5 --vanish >/dev/null || return 1
	t0=$(date +%s.%N)
	wait_for 30 rx_receiving || fail "state $(<$R/state)" || return 1
	wait_for 30 has_event "$TMP/mon" receive_udp '^discarded:' || fail "no discarded event: $(<$R/state)" || return 1
	t=$(since "$t0")
	diag "discarded $t s after the sender vanished"
	below 4.5 "$t" && below "$t" 7 || fail "discarded after $t s, not 5 s (hold=5)" || return 1
	events "$TMP/mon" receive_udp | grep -Eqx 'discarded:0:[0-9]+:incomplete' ||
		fail "events: $(events "$TMP/mon" receive_udp | xargs)" || return 1
	expect "only that event" "1" "$(events "$TMP/mon" receive_udp | wc -l)" || return 1
	expect "receiver (state, seq, data)" "empty 0 " "$(<$R/state) $(<$DR/seq) $(<$R/data)"
}

# suites: reliable
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
	wait_for 30 tx_idle || fail "the send never ended: $(<$S/state)" || return 1
	diag "the write: $w; last_error $(<$S/last_error); $(<$DS/last_datagrams) datagrams sent"
	log_since "$seq" | grep '^send_udp: ' | head -n 5 | sed 's/^/# log: /'
	expect "send result" "-22" "$(<$S/last_error)" || return 1
	expect "datagrams sent" "0" "$(<$DS/last_datagrams)" || return 1
	log_since "$seq" | grep -q '^send_udp: .*payload' || fail "no send_udp line naming payload" || return 1
	expect "receiver (state, cur_bytes, rejected)" "empty 0 0" \
		"$(<$R/state) $(<$DR/cur_bytes) $(<$DR/rejected)"
}

# suites: reliable
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
	next=$(($(<$DR/seq) + 1))
	out=$($REL send 127.0.0.1 "$TMP/src" 2>&1) || fail "the message after the CLOSEs was not confirmed: $(echo $out)" || return 1
	wait_seq $next || return 1
	cmp "$TMP/src" /dev/receive_udp || fail "receive_udp has other bytes" || return 1
	n=$(log_since "$seq" | grep -c 'receive_udp')
	diag "$n receive_udp lines in the kernel log for 2000 bad CLOSEs; rejected $(<$DR/rejected)"
	log_since "$seq" | grep 'receive_udp' | head -n 5 | sed 's/^/# log: /'
	[ "$n" -le 60 ] || fail "$n lines: not rate-limited"
}

# suites: reliable
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
	wait_for 120 tx_idle || fail "the send never ended: $(<$S/state)" || return 1
	t=$(since "$t0")
	wait $pid || fail "reliable.py: $(tail -n 2 "$TMP/rx.out")" || return 1
	expect "send result" "0" "$(<$S/last_error)" || return 1
	cmp "$TMP/src" "$TMP/got" || fail "reliable.py received other bytes" || return 1
	dg=$(<$DS/last_datagrams)
	mibs=$(awk -v d=$dg -v t=$t 'BEGIN { printf "%.2f", d * 65507 / t / 1048576 }')
	diag "$dg datagrams for 64 segments in $t s: $mibs MiB/s at rate=1M"
	[ "$dg" -gt 80 ] || fail "too little was sent again to tell" || return 1
	below "$mibs" 1.2 || fail "$mibs MiB/s: the resends were not paced"
}

# Why contexts: teardown against the reliable mode's timers.
# Why every: teardown with the reliable mode's timers.
# suites: reliable contexts every
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
	wait_for 30 tx_idle || fail "the send did not end: $(<$S/state)" || return 1
	diag "send_udp: last_error $(<$S/last_error) after $(<$DS/last_bytes) bytes"
	[ "$(<$S/last_error)" -lt 0 ] || fail "the send succeeded" || return 1

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
		fail "receive_udp did not discard the message: $(<$R/state)" || return 1

	diag "receive_udp with an incomplete message (its sender vanished)"
	head -c 100000 /dev/urandom >"$TMP/src"
	$REL send 127.0.0.1 "$TMP/src" --drop 0.5 --vanish >/dev/null || return 1
	wait_for 30 rx_receiving || fail "state $(<$R/state)" || return 1
	rmmod_within receive_udp $limit || return 1
	t0=$(date +%s)

	diag "send_udp waiting for an answer to its CLOSE (a raw receiver rejects it all)"
	load_rx && load_tx mode=reliable || return 1
	echo hello >$S/data || return 1
	wait_for 30 past $DR/rejected 1 || fail "the CLOSE never came" || return 1
	expect "send state" "sending" "$(<$S/state)" || return 1
	rmmod_within send_udp $limit || return 1
	rmmod receive_udp || return 1

	diag "send_udp resending what NACKs ask for (paced at 1 MiB/s; reliable.py loses every DATA)"
	load_tx mode=reliable buffer_size=4M rate=1M || return 1
	$REL receive "$TMP/got" --bind 127.0.0.1 --lose 1 --ready "$TMP/ready" >"$TMP/rx.out" 2>&1 &
	pid=$!
	wait_for 30 test -e "$TMP/ready" || fail "reliable.py never listened" || return 1
	head -c $((4 << 20)) /dev/zero >/dev/send_udp || return 1
	wait_for 30 grep -q '^NACK' "$TMP/rx.out" || fail "no NACK" || return 1
	expect "send state" "sending" "$(<$S/state)" || return 1
	rmmod_within send_udp $limit || return 1
	kill $pid
	# Past the incomplete message's hold (5 s): its timer must not fire.
	sleep $((t0 + 6 - $(date +%s) > 0 ? t0 + 6 - $(date +%s) : 0))
}
