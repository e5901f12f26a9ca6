# SPDX-License-Identifier: GPL-2.0
#
# kudpctl (tools/kudpctl.c): send and recv (files, pipes, a terminal's
# progress bars), monitor, reset and discard, --version, and its errors
# and exit statuses.
#
# Sourced by tests/guest.sh, whose header says how the "# suites:" line
# above each test puts it in its suites.

# Why every: kudpctl over netlink and the devices.
# suites: main every
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

# suites: main
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
	expect "crc32 in events" "$(<$DR/crc32)" \
		"$(pyrun 'import json; print([json.loads(l) for l in open("'"$TMP"'/mon")][-1]["crc32"])')" || return 1
	sed 's/^/# text: /' "$TMP/mon.txt"
	grep -Eq "^receive_udp complete seq=3 bytes=5 datagrams=1 reason=idle crc32=$(<$DR/crc32) duration=[0-9.]+s$" "$TMP/mon.txt" ||
		fail "text line of the last completion"
}

# Why once: kudpctl's own errors.
# suites: once
t_kudpctl_errors() {
	local rc
	$KUDPCTL status 2>"$TMP/err"; rc=$?
	expect "status, nothing loaded" "3" "$rc" || return 1
	grep -q "neither send_udp nor receive_udp is loaded" "$TMP/err" || fail "message: $(<$TMP/err)" || return 1
	$KUDPCTL recv --timeout 1 2>"$TMP/err"; rc=$?
	expect "recv, nothing loaded" "3" "$rc" || return 1
	grep -q "receive_udp is not loaded" "$TMP/err" || fail "message: $(<$TMP/err)" || return 1
	$KUDPCTL reset 2>"$TMP/err"; rc=$?
	expect "reset, nothing loaded" "3" "$rc" || return 1
	grep -q "neither send_udp nor receive_udp is loaded" "$TMP/err" || fail "message: $(<$TMP/err)" || return 1
	# A bad argument is named, then the command's usage follows.
	$KUDPCTL status --bogus 2>"$TMP/err"; rc=$?
	expect "a bad option" "2" "$rc" || return 1
	expect "the bad option named" "kudpctl: status: unknown option '--bogus'" "$(head -n 1 "$TMP/err")" || return 1
	grep -q "^Usage: kudpctl status" "$TMP/err" || fail "no usage after the error: $(<$TMP/err)" || return 1
	$KUDPCTL send --help | grep -q "^Usage: kudpctl send" || fail "send --help" || return 1
	# The version is the modules' (kudp_core.h's KUDP_VERSION).
	expect "--version" "kudpctl $(modinfo -F version "$MOD/send_udp.ko")" "$($KUDPCTL --version)" || return 1

	load_rx && load_tx || return 1
	$KUDPCTL status receive >/dev/null || fail "status receive" || return 1
	$KUDPCTL status send 2>/dev/null | grep -q '^send_udp$' || fail "status send" || return 1
	expect "status --json" "['receive_udp', 'send_udp'] 1048576 idle" "$($KUDPCTL status --json | pyrun '
import json, sys
s = json.load(sys.stdin)
print(sorted(s), s["receive_udp"]["capacity"], s["send_udp"]["state"])')" || return 1
	$KUDPCTL recv --timeout 2 >/dev/null 2>"$TMP/err"; rc=$?
	expect "recv, no message in 2 s" "5" "$rc" || return 1
	grep -q "no message completed within 2 s" "$TMP/err" || fail "message: $(<$TMP/err)" || return 1
	head -c 1000 /dev/urandom >"$TMP/in"
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		$KUDPCTL send "$TMP/in" 2>"$TMP/err"; rc=$?
	expect "unprivileged send" "4" "$rc" || return 1
	grep -q "permission denied" "$TMP/err" || fail "message: $(<$TMP/err)" || return 1
	head -c 1048577 /dev/zero >"$TMP/big"
	$KUDPCTL send "$TMP/big" 2>"$TMP/err"; rc=$?
	expect "a file larger than the buffer" "1" "$rc" || return 1
	grep -q "larger than send_udp.s buffer (1048576 bytes); nothing sent" "$TMP/err" || fail "message: $(<$TMP/err)" || return 1
	expect "nothing sent" "0 idle" "$(<$DS/messages) $(<$DS/state)" || return 1
	# From a pipe, the write past the buffer fails: nothing is sent either.
	head -c 1048577 /dev/zero | $KUDPCTL send - 2>"$TMP/err"; rc=$?
	expect "a pipe larger than the buffer" "1" "$rc" || return 1
	grep -q "standard input is larger than send_udp.s buffer (1048576 bytes); nothing sent" "$TMP/err" || fail "message: $(<$TMP/err)" || return 1
	expect "nothing sent from the pipe" "0 idle" "$(<$DS/messages) $(<$DS/state)" || return 1
	# reset and discard need CAP_NET_ADMIN; reset zeroes the counters (not
	# seq), discard empties both buffers.
	echo -n hello >$S/data || return 1
	wait_seq 1 || return 1
	wait_for 30 tx_idle || fail "the send never finished" || return 1
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		$KUDPCTL reset 2>"$TMP/err"; rc=$?
	expect "unprivileged reset" "4" "$rc" || return 1
	grep -q "send_udp: reset: permission denied" "$TMP/err" || fail "message: $(<$TMP/err)" || return 1
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		$KUDPCTL discard receive 2>/dev/null; rc=$?
	expect "unprivileged discard" "4" "$rc" || return 1
	local figures='
import json, sys
s = json.load(sys.stdin)
print(" ".join("%s:%s:%s:%s" % (m, s[m]["messages"], s[m]["seq"], s[m]["state"]) for m in sorted(s)))'
	expect "status before reset" "receive_udp:1:1:complete send_udp:1:1:idle" "$($KUDPCTL status --json | pyrun "$figures")" || return 1
	$KUDPCTL reset >"$TMP/out" || fail "kudpctl reset exited with $?" || return 1
	expect "reset's report" "send_udp: counters zeroed receive_udp: counters zeroed" "$(echo $(<"$TMP/out"))" || return 1
	expect "status after reset" "receive_udp:0:1:complete send_udp:0:1:idle" "$($KUDPCTL status --json | pyrun "$figures")" || return 1
	expect "the messages after reset" "hello hello" "$(<$S/data) $(<$R/data)" || return 1
	$KUDPCTL discard >"$TMP/out" || fail "kudpctl discard exited with $?" || return 1
	expect "discard's report" "send_udp: buffer emptied receive_udp: buffer emptied" "$(echo $(<"$TMP/out"))" || return 1
	expect "status after discard" "receive_udp:0:1:empty send_udp:0:1:idle" "$($KUDPCTL status --json | pyrun "$figures")" || return 1
	expect "the messages after discard" "" "$(<$S/data)$(<$R/data)" || return 1
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
	# 1000-byte datagrams through the held loopback: the send lasts. They
	# come seconds apart: idle=60 keeps the message receiving (the tests'
	# idle=1 would complete it, and recv would save it and exit 0).
	echo 1000 >$S/payload
	echo 60 >$R/idle || return 1
	hold_loopback || return 1
	head -c 100000 /dev/urandom >"$TMP/in"
	timeout 60 $KUDPCTL send "$TMP/in" 2>"$TMP/err2" 3>&- &
	pid2=$!
	wait_for 30 grep -qx sending $DS/state || fail "the send never started" || return 1
	sleep 1
	rmmod send_udp && rmmod receive_udp || return 1
	wait $pid1; rc=$?
	expect "recv when receive_udp goes" "3" "$rc" || fail "recv said: $(<"$TMP/err1")" || return 1
	grep -q "receive_udp was unloaded" "$TMP/err1" || fail "recv said: $(<"$TMP/err1")" || return 1
	wait $pid2; rc=$?
	expect "send when send_udp goes" "3" "$rc" || return 1
	grep -q "send_udp was unloaded before the send ended" "$TMP/err2" ||
		fail "send said: $(<"$TMP/err2")" || return 1
	# Nothing listens on 127.0.0.1:8808 (no receive_udp): the send fails
	# with -111 ECONNREFUSED, and kudpctl says so, naming the destination.
	release_loopback
	load_tx || return 1
	head -c 1000 /dev/urandom >"$TMP/in"
	$KUDPCTL send "$TMP/in" 2>"$TMP/err"; rc=$?
	expect "send with nothing listening (exit code, last_error)" "1 -111" "$rc $(<$S/last_error)" || return 1
	grep -q "no receiver at 127.0.0.1:8808 (connection refused): nothing listens there (send_udp.s ip and port); the send stopped after [0-9]* of 1000 bytes" "$TMP/err" ||
		fail "send said: $(<"$TMP/err")"
}

# suites: main
t_kudpctl_recv_timeouts() {
	# A bad argument is named (before anything is loaded).
	local rc t0 t
	$KUDPCTL recv --idle-timeout soon 2>"$TMP/err"; rc=$?
	expect "a bad --idle-timeout" "2 kudpctl: recv: --idle-timeout takes seconds, not 'soon'" \
		"$rc $(head -n 1 "$TMP/err")" || return 1
	$KUDPCTL recv --loop --dir "$TMP" --start-timeout 1 2>"$TMP/err"; rc=$?
	expect "--loop with a timeout" "2 kudpctl: recv: --loop does not take '--start-timeout'" \
		"$rc $(head -n 1 "$TMP/err")" || return 1
	# In reliable mode a message whose sender vanished stays incomplete
	# for hold (60) seconds: --idle-timeout says it stalled long before.
	load_rx mode=reliable || return 1
	# No sender: --start-timeout expires (exit 5) and no file is made.
	t0=$(date +%s.%N)
	$KUDPCTL recv -o "$TMP/none" --start-timeout 2 2>"$TMP/err" 3>&-; rc=$?
	t=$(since "$t0")
	expect "recv, nothing sent" "5" "$rc" || return 1
	grep -q "^kudpctl: no message started within 2 s" "$TMP/err" || fail "message: $(<"$TMP/err")" || return 1
	below 2 "$t" && below "$t" 10 || fail "--start-timeout 2 took $t s" || return 1
	[ ! -e "$TMP/none" ] || fail "recv made $TMP/none" || return 1
	# Half the data, no CLOSE: receive_udp stays 'receiving', the bytes
	# stop, and --idle-timeout 2 fires about 2 s after the last of them;
	# receive_udp discards the message 4 s after them (hold=4), which a
	# recv --loop says (it never completed: nothing to save, nothing lost).
	echo 4 >$R/hold || return 1
	$KUDPCTL recv --loop --dir "$TMP" 2>"$TMP/loop.err" 3>&- &
	local loop=$!
	$KUDPCTL recv -o "$TMP/stalled" --start-timeout 60 --idle-timeout 2 2>"$TMP/err" 3>&- &
	local pid=$! bytes
	wait_for 30 grep -q "saving each message in" "$TMP/loop.err" || fail "the loop never started" || return 1
	sleep 1
	head -c 100000 /dev/urandom >"$TMP/src"
	$REL send 127.0.0.1 "$TMP/src" --drop 0.5 --vanish >/dev/null || return 1
	t0=$(date +%s.%N)
	wait $pid; rc=$?
	t=$(since "$t0")
	bytes=$(<$DR/cur_bytes)
	diag "--idle-timeout 2 fired $t s after the sender vanished, at $bytes bytes"
	expect "recv of a stalled message" "5 receiving" "$rc $(<$R/state)" || return 1
	grep -Eq "^kudpctl: the message stalled: no new bytes for 2 s, $bytes bytes in [0-9]+ datagrams so far" "$TMP/err" ||
		fail "message: $(<"$TMP/err")" || return 1
	below "$t" 4 || fail "--idle-timeout 2 fired $t s after the sender vanished" || return 1
	[ ! -e "$TMP/stalled" ] || fail "recv made $TMP/stalled" || return 1
	wait_for 30 grep -q "^kudpctl: receive_udp discarded a message (incomplete) after $bytes bytes: nothing saved$" "$TMP/loop.err" ||
		fail "the loop said: $(<"$TMP/loop.err")" || return 1
	kill -TERM $loop
	wait $loop; rc=$?
	expect "the loop's exit code (nothing lost)" "0" "$rc" || return 1
	grep -q "^kudpctl: 0 message(s) saved in $TMP, 0 not saved$" "$TMP/loop.err" || fail "the loop said: $(<"$TMP/loop.err")"
}

# suites: main
t_kudpctl_recv_paced() {
	# A send paced to about 5 s (160 KiB/s) outlasts --start-timeout 4 and
	# --idle-timeout 2, and keeps progressing: recv must not give up.
	# Reliable mode: a raw message would complete at its first pause
	# anyway, a reliable one waits (hold) for its missing bytes.
	load_rx mode=reliable && load_tx mode=reliable rate=160K || return 1
	head -c 800000 /dev/urandom >"$TMP/src"
	local crc t0 t rc
	crc=$(crc32_of "$TMP/src")
	$KUDPCTL recv -o "$TMP/out" --start-timeout 4 --idle-timeout 2 --json >"$TMP/json" 2>"$TMP/err" 3>&- &
	local pid=$!
	sleep 1
	t0=$(date +%s.%N)
	$KUDPCTL send "$TMP/src" 2>"$TMP/send.err" || fail "kudpctl send: $(<"$TMP/send.err")" || return 1
	t=$(since "$t0")
	wait $pid; rc=$?
	diag "the send took $t s"
	sed 's/^/# /' "$TMP/err" "$TMP/json"
	expect "recv's exit code" "0" "$rc" || return 1
	# A send shorter than the timeouts would prove nothing.
	below 4 "$t" || fail "the send was not paced: $t s" || return 1
	cmp "$TMP/src" "$TMP/out" || fail "the file received differs" || return 1
	expect "recv --json" "$(<$DR/seq) 800000 $crc whole $TMP/out" "$(pyrun '
import json, sys
j = json.load(open(sys.argv[1]))
print(j["seq"], j["bytes"], j["crc32"], j["reason"], j["file"])' "$TMP/json")"
}

# suites: main
t_kudpctl_recv_loop() {
	# recv --loop --dir saves each message as a new file. The directory is
	# a 1 MiB tmpfs: the second message (1000000 bytes) does not fit, is
	# said and counted, and the loop goes on with the third and fourth.
	load_rx && load_tx || return 1
	mkdir "$TMP/d" && mount -t tmpfs -o size=1M kudp-test "$TMP/d" || return 1
	$KUDPCTL recv --loop --dir "$TMP/d" --json >"$TMP/loop" 2>"$TMP/loop.err" 3>&- &
	local pid=$! i rc n=0
	wait_for 30 grep -q "saving each message in" "$TMP/loop.err" || fail "the loop never started: $(<"$TMP/loop.err")" || return 1
	for i in 100000 1000000 200000 300000; do
		n=$((n + 1))
		head -c $i /dev/urandom >"$TMP/src$n"
		$KUDPCTL send "$TMP/src$n" 2>/dev/null || fail "send of message $n" || return 1
		# One message at a time: the next one's first datagram would
		# discard this one (receive_udp holds one).
		wait_for 30 grep -Eq "\"seq\": $n,|message $n .* not saved" "$TMP/loop" "$TMP/loop.err" ||
			fail "message $n: $(<"$TMP/loop.err")" || return 1
	done
	kill -TERM $pid
	wait $pid; rc=$?
	sed 's/^/# /' "$TMP/loop" "$TMP/loop.err"
	expect "the loop's exit code (one message not saved)" "1" "$rc" || return 1
	grep -q "^kudpctl: message 2 (1000000 bytes, CRC-32 $(crc32_of "$TMP/src2")) not saved in $TMP/d: No space left on device$" "$TMP/loop.err" ||
		fail "no word of message 2" || return 1
	grep -q "^kudpctl: 3 message(s) saved in $TMP/d, 1 not saved$" "$TMP/loop.err" || fail "no summary" || return 1
	# Three files, named for their time, seq and CRC-32; no temporary left.
	expect "the files" "3" "$(ls -A "$TMP/d" | grep -Ec '^kudp-[0-9]{8}T[0-9]{6}Z-seq[0-9]+-[0-9a-f]{8}\.bin$')" || return 1
	expect "nothing else" "3" "$(ls -A "$TMP/d" | wc -l)" || return 1
	local j=0 line file
	for n in 1 3 4; do
		j=$((j + 1))
		line=$(sed -n ${j}p "$TMP/loop")
		file=$(pyrun 'import json, sys; j = json.loads(sys.argv[1]); print(j["file"])' "$line")
		expect "message $n's line" "$n $(stat -c %s "$TMP/src$n") $(crc32_of "$TMP/src$n") $TMP/d" \
			"$(pyrun 'import json, sys; j = json.loads(sys.argv[1]); print(j["seq"], j["bytes"], j["crc32"], j["file"].rsplit("/", 1)[0])' "$line")" || return 1
		cmp "$TMP/src$n" "$file" || fail "message $n saved in $file differs" || return 1
		case $file in *"-seq$n-$(crc32_of "$TMP/src$n").bin") ;; *) fail "message $n's name: $file"; return 1 ;; esac
	done
	umount "$TMP/d"
}

# suites: main
t_kudpctl_send_to() {
	# send_udp loaded for another address and port: --to and --port send
	# this message where they say; ip and port stay as they were, and the
	# next send follows them again. A refused send names its destination.
	local rc
	load_rx && load_tx ip=10.1.2.3 port=9909 || return 1
	head -c 5000 /dev/urandom >"$TMP/in"
	local crc=$(crc32_of "$TMP/in")
	$KUDPCTL send --to 127.0.0.1 --port 8808 "$TMP/in" 2>"$TMP/err" ||
		fail "kudpctl send --to failed: $(<"$TMP/err")" || return 1
	sed 's/^/# /' "$TMP/err"
	grep -q "^sent 5000 bytes, CRC-32 $crc, 1 datagrams to 127.0.0.1:8808 (raw), " "$TMP/err" ||
		fail "send's report" || return 1
	wait_seq 1 || return 1
	expect "received (bytes, CRC-32)" "5000 $crc" "$(<$DR/last_bytes) $(<$DR/crc32)" || return 1
	expect "send_udp's ip and port after it" "10.1.2.3 9909" "$(<$S/ip) $(<$S/port)" || return 1
	# Without options the parameters apply: 127.0.0.1:9909, nothing there.
	echo 127.0.0.1 >$S/ip || return 1
	$KUDPCTL send "$TMP/in" 2>"$TMP/err"; rc=$?
	expect "send to the parameters' 127.0.0.1:9909 (exit code, last_error)" "1 -111" \
		"$rc $(<$S/last_error)" || return 1
	grep -q "^kudpctl: no receiver at 127.0.0.1:9909 (connection refused): nothing listens there (send_udp.s ip and port)" "$TMP/err" ||
		fail "send said: $(<"$TMP/err")" || return 1
	# The same, named by the options.
	$KUDPCTL send --to 127.0.0.1 --port 9910 "$TMP/in" 2>"$TMP/err"; rc=$?
	expect "send to --port 9910 (exit code)" "1" "$rc" || return 1
	grep -q "^kudpctl: no receiver at 127.0.0.1:9910 (connection refused): nothing listens there (kudpctl send.s --to and --port)" "$TMP/err" ||
		fail "send said: $(<"$TMP/err")" || return 1
	# An address that ip refuses, send_udp refuses for --to (EINVAL), and
	# nothing is sent.
	$KUDPCTL send --to 255.255.255.255 "$TMP/in" 2>"$TMP/err"; rc=$?
	expect "--to 255.255.255.255 (exit code)" "2" "$rc" || return 1
	grep -q "send_udp refused --to '255.255.255.255': not one host's address" "$TMP/err" ||
		fail "send said: $(<"$TMP/err")" || return 1
	expect "sends (messages, state)" "3 idle" "$(<$DS/messages) $(<$DS/state)"
}

# suites: main
t_kudpctl_send_rate() {
	# --rate paces this send alone (send_udp's rate stays 0): five
	# datagrams of at most 65507 bytes at 100K (102400 bytes/s) go 0.64 s
	# apart, 2.56 s from the first to the last. On a terminal, the
	# progress line shows the bytes, the rate and the time left.
	load_rx && load_tx || return 1
	head -c 300000 /dev/urandom >"$TMP/in"
	local t0=$(date +%s.%N) t
	script -qec "$KUDPCTL send --rate 100K $TMP/in" "$TMP/tty" >/dev/null ||
		fail "send --rate failed: $(<"$TMP/tty")" || return 1
	t=$(since "$t0")
	diag "300000 bytes at --rate 100K: $t s"
	below "$t" 2.4 && fail "the send took $t s: not paced to 100K" && return 1
	tr '\r' '\n' <"$TMP/tty" | grep -E 'sending|^sent' | tail -n 3 | sed 's/^/# /'
	tr '\r' '\n' <"$TMP/tty" | grep -Eq '^sending \[#*\.+\] +[0-9]+%  [0-9.]+ of 0\.3 MiB  [0-9.]+ MiB/s  ETA 0:0[0-9]' ||
		fail "no progress line with ETA while sending" || return 1
	grep -q "sent 300000 bytes, CRC-32 $(crc32_of "$TMP/in"), 5 datagrams to 127.0.0.1:8808 (raw)" "$TMP/tty" ||
		fail "no report" || return 1
	wait_seq 1 || return 1
	expect "received (bytes, CRC-32), send_udp's rate after" "300000 $(crc32_of "$TMP/in") 0" \
		"$(<$DR/last_bytes) $(<$DR/crc32) $(<$S/rate)"
}

# suites: main
t_kudpctl_send_json() {
	# --json: one JSON object on standard output, nothing on standard
	# error; with --mode reliable over a send_udp in raw mode, the receiver
	# confirms the message (and send_udp's mode stays raw).
	load_rx && load_tx || return 1
	head -c 200000 /dev/urandom >"$TMP/in"
	local crc=$(crc32_of "$TMP/in") fields='
import json, sys
j = json.load(open(sys.argv[1]))
print(j["result"], j["bytes"], j["crc32"], j["to"], j["port"], j["mode"], j["confirmed"])'
	$KUDPCTL send --json "$TMP/in" >"$TMP/json" 2>"$TMP/err" || fail "send --json: $(<"$TMP/err")" || return 1
	sed 's/^/# /' "$TMP/json"
	expect "standard error" "" "$(<"$TMP/err")" || return 1
	expect "raw: result bytes crc32 to port mode confirmed" "0 200000 $crc 127.0.0.1 8808 raw False" \
		"$(pyrun "$fields" "$TMP/json")" || return 1
	expect "raw: datagrams" "4" "$(pyrun 'import json, sys; print(json.load(open(sys.argv[1]))["datagrams"])' "$TMP/json")" || return 1
	wait_seq 1 || return 1
	rmmod receive_udp && load_rx mode=reliable || return 1
	$KUDPCTL send --mode reliable --json - <"$TMP/in" >"$TMP/json" 2>"$TMP/err" ||
		fail "send --mode reliable --json: $(<"$TMP/err")" || return 1
	sed 's/^/# /' "$TMP/json"
	expect "reliable: result bytes crc32 to port mode confirmed" "0 200000 $crc 127.0.0.1 8808 reliable True" \
		"$(pyrun "$fields" "$TMP/json")" || return 1
	wait_seq 1 || return 1
	expect "receive_udp (reason, CRC-32), send_udp's mode after" "whole $crc raw" \
		"$(<$DR/reason) $(<$DR/crc32) $(<$S/mode)"
}

# (reliable, not main: a reliable-mode test, which also runs beside the
# main suite when make check has no debug kernel.)
# suites: reliable
t_kudpctl_key_file() {
	# --key-file sets each module's key (mode=reliable's authentication,
	# Documentation/protocol.rst) from a root-only file of 64 hex digits
	# before the transfer. A key file that group or others may read (exit
	# 4) or that is no key (exit 2), and a key for a raw send (exit 2),
	# are refused before the module is asked: the keys stay as they were
	# (a send without --key-file is still confirmed), and with send_udp's
	# cleared the receiver confirms nothing (the keys were in force). No
	# key is ever read back or shown.
	local rc pid key f
	load_rx mode=reliable && load_tx mode=reliable hold=1 || return 1
	expect "the key files' modes" "200 200" "$(stat -c %a $S/key $R/key | xargs)" || return 1
	key=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
	(umask 077
	 echo "$key" >"$TMP/key"
	 od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$TMP/other"
	 echo "${key:1}" >"$TMP/short")
	chmod 644 "$TMP/other"
	head -c 100000 /dev/urandom >"$TMP/in"
	$KUDPCTL recv -o "$TMP/out" --key-file "$TMP/key" --timeout 60 2>"$TMP/recv.err" 3>&- &
	pid=$!
	sleep 1
	$KUDPCTL send --key-file "$TMP/key" "$TMP/in" 2>"$TMP/send.err" ||
		fail "kudpctl send --key-file: $(<"$TMP/send.err")" || return 1
	wait $pid || fail "kudpctl recv --key-file exited with $?: $(<"$TMP/recv.err")" || return 1
	sed 's/^/# /' "$TMP/send.err" "$TMP/recv.err"
	cmp "$TMP/in" "$TMP/out" || fail "the file received differs" || return 1
	$KUDPCTL send --key-file "$TMP/other" "$TMP/in" 2>"$TMP/err1"; rc=$?
	expect "send, a key file of mode 0644" "4" "$rc" || return 1
	grep -q "^kudpctl: --key-file $TMP/other: refused: group or others may use it (mode 0644)" "$TMP/err1" ||
		fail "message: $(<"$TMP/err1")" || return 1
	$KUDPCTL recv --key-file "$TMP/other" --timeout 1 2>"$TMP/err2"; rc=$?
	expect "recv, a key file of mode 0644" "4" "$rc" || return 1
	$KUDPCTL recv --key-file "$TMP/short" --timeout 1 2>"$TMP/err3"; rc=$?
	expect "recv, a key file of 63 digits" "2 kudpctl: --key-file $TMP/short: not a key: 63 hex digits, not 64 (32 bytes)" \
		"$rc $(<"$TMP/err3")" || return 1
	$KUDPCTL send --mode raw --key-file "$TMP/key" "$TMP/in" 2>"$TMP/err4"; rc=$?
	expect "send --mode raw --key-file" "2" "$rc" || return 1
	grep -q "a key authenticates mode=reliable only, and this send is raw (--mode raw)" "$TMP/err4" ||
		fail "message: $(<"$TMP/err4")" || return 1
	$KUDPCTL send "$TMP/in" 2>"$TMP/err5" || fail "send with the keys kept: $(<"$TMP/err5")" || return 1
	expect "messages received (seq, CRC-32)" "2 $(crc32_of "$TMP/in")" "$(<$DR/seq) $(<$DR/crc32)" || return 1
	# Nobody reads a key back, root included.
	for f in $S/key $R/key; do
		cat "$f" >"$TMP/read" 2>"$TMP/err6" && fail "cat $f succeeded" && return 1
		expect "cat $f: bytes read, error" "0 cat: $f: Permission denied" \
			"$(stat -c %s "$TMP/read") $(<"$TMP/err6")" || return 1
	done
	# Neither the key nor short's part of it in any message.
	! grep -qF "${key:1:62}" "$TMP"/*.err "$TMP"/err* || fail "a message shows the key" || return 1
	echo >$S/key || return 1
	$KUDPCTL send "$TMP/in" 2>"$TMP/err7"; rc=$?
	expect "a send without a key to a receiver with one (exit code, last_error)" "1 -110" \
		"$rc $(<$S/last_error)"
}
