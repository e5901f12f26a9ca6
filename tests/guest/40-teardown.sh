# SPDX-License-Identifier: GPL-2.0
#
# Loading and unloading: the parameter files before init ends, rmmod of
# either module in each of its states (in a send, a burst, a flood),
# rmmod against parameter reads and writes, and loads and unloads in
# turn.
#
# Sourced by tests/guest.sh, whose header says how the "# suites:" line
# above each test puts it in its suites.

# Why contexts: teardown before init ends.
# suites: main contexts
t_enodev_outside_life() {
	# The parameter files exist while init allocates a large buffer. A
	# process already running (its start takes no time from the window)
	# writes and reads them as soon as they appear.
	pyrun '
import errno, os, time
S = "/sys/module/send_udp/parameters/"
open("'"$TMP"'/ready", "w").close()
while not os.path.exists(S + "data"):
    time.sleep(0.005)
out = []
for name, call in (("write", lambda: os.write(os.open(S + "data", os.O_WRONLY), b"early")),
                   ("read", lambda: open(S + "state").read())):
    try:
        call()
        out.append(name + ":ok")
    except OSError as e:
        out.append(name + ":" + errno.errorcode[e.errno])
print(" ".join(out))' >"$TMP/early" &
	local pid=$!
	wait_for 30 test -e "$TMP/ready" || return 1
	insmod "$MOD/send_udp.ko" buffer_size=1G || return 1
	wait $pid
	expect "write and read during init" "write:ENODEV read:ENODEV" "$(<"$TMP/early")" || return 1
	expect "state after init" "idle" "$(<$S/state)" || return 1
	expect "nothing was sent" "" "$(<$S/data)"
}

# Why contexts: teardown in each state.
# Why every: teardown in each state.
# suites: main contexts every
t_unload_states() {
	local seq
	diag "unloading receive_udp: state empty"
	load_rx || return 1
	rmmod receive_udp && ! loaded receive_udp || fail "still loaded" || return 1

	diag "unloading receive_udp: receiving, idle timer armed"
	local try when
	for try in 1 2 3; do
		load_rx debug=1 idle=3 || return 1
		seq=$($KMSG last)
		$UDP send part || return 1
		wait_for 30 rx_receiving || return 1
		rmmod receive_udp && ! loaded receive_udp || fail "still loaded" || return 1
		sleep 4		# past the timer's expiry
		# Where the timer's line falls: before the exit began (a slow
		# guest took 3 s to get there from the datagram: try again),
		# in it (before its hrtimer_cancel(): harmless), or after it.
		when=$(log_since "$seq" | awk '/receive_udp_exit\(\)/ { s = 1 } /receive_udp: unloaded/ { u = 1 }
			/idle timer expired/ { print u ? "after" : s ? "during" : "before" }')
		[[ $when != *after* ]] || fail "timer fired after unload" || return 1
		[[ $when == *before* ]] || break
		diag "the idle timer expired before rmmod got to the exit: again"
	done
	[[ $when != *before* ]] || fail "rmmod never began within 3 s of the datagram" || return 1

	diag "unloading receive_udp: complete"
	load_rx || return 1
	$UDP send whole --wait-complete 8 >/dev/null || return 1
	cat $R/state | sed 's/^/# state: /'
	rmmod receive_udp && ! loaded receive_udp || fail "still loaded" || return 1

	diag "unloading receive_udp: during a burst of datagrams"
	load_rx || return 1
	$PY -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end = time.monotonic() + 3
while time.monotonic() < end:
    s.sendto(b"x" * 1000, ("127.0.0.1", 8808))
' &
	local pid=$!
	# The burst fills the 1 MiB buffer at once; the rest is overflow.
	wait_for 30 rx_started || fail "the burst never came" || return 1
	cat $R/state | sed 's/^/# state: /'
	rmmod receive_udp && ! loaded receive_udp || fail "still loaded" || return 1
	wait $pid

	diag "unloading send_udp: idle"
	load_tx || return 1
	cat $S/state | sed 's/^/# state: /'
	rmmod send_udp && ! loaded send_udp || fail "still loaded" || return 1

	diag "unloading send_udp: blocked in a send (slow link, send buffer full)"
	load_rx && load_tx payload=1 gso=0 || return 1
	seq=$($KMSG last)
	hold_loopback || return 1
	head -c 4000 /dev/zero | tr '\0' s >$S/data || return 1
	cat $S/state | sed 's/^/# state: /'
	local t0=$(date +%s.%N) t rc
	rmmod send_udp
	rc=$? t=$(since "$t0")
	release_loopback
	[ $rc -eq 0 ] && ! loaded send_udp || fail "still loaded" || return 1
	diag "rmmod took $t s"
	below "$t" "$(rmmod_limit)" || fail "rmmod waited for the send" || return 1
	log_since "$seq" | grep -E 'send aborted|unloaded' | sed 's/^/# log: /'
	log_since "$seq" | grep -q 'send aborted after [0-9]* of 4000 bytes' || fail "send not aborted" || return 1
	rmmod receive_udp && ! loaded receive_udp
}

# Why contexts: teardown under a flood.
# Why every: teardown under a flood.
# suites: main contexts every
t_flood() {
	# Four processes flood 1-byte datagrams (at the lowest priority: what
	# is tested is the receive work, not the scheduler). The drain takes
	# RX_DRAIN_BUDGET datagrams a pass and queues itself again, so that a
	# discard through netlink, and rmmod, each return within 2 s while the
	# flood goes on (rmmod: rmmod_limit, 3 s or 10 on the debug kernel; a
	# drain that never let go would hold it for the flood's 15 s). Then
	# the floods stop (SIGTERM), and say what they sent.
	load_rx || return 1
	local i pids="" out t0 t rc limit=$(rmmod_limit)
	for i in 1 2 3 4; do
		nice -n 19 $FLOOD 127.0.0.1 8808 15 >"$TMP/flood$i" &
		pids="$pids $!"
	done
	wait_for 30 rx_receiving || fail "the flood never came" || return 1
	sleep 2
	diag "queued on the socket: $((16#$(awk '$2 ~ /:2268$/ { split($5, q, ":"); print q[2] }' /proc/net/udp))) bytes"
	out=$($GENL status receive_udp --cmd 3 --ack --time)
	diag "discard during the flood: $(echo $out)"
	expect "discard" "error 0" "$(echo "$out" | head -n 1)" || return 1
	below "$(echo "$out" | awk '/^seconds/ { print $2 }')" 2 ||
		fail "the discard took more than 2 s" || return 1
	t0=$(date +%s.%N)
	rmmod receive_udp
	rc=$?
	t=$(since "$t0")
	kill $pids
	wait $pids
	diag "rmmod during the flood: $t s; datagrams sent by each process: $(cat "$TMP"/flood* | xargs)"
	[ $rc -eq 0 ] && ! loaded receive_udp || fail "rmmod failed" || return 1
	below "$t" $limit || fail "rmmod took $t s (the limit: $limit s)"
}

# Why contexts: teardown against parameter writes.
# suites: main contexts
t_param_race_rmmod() {
	local i pids=""
	for i in 1 2 3 4 5; do
		load_rx && load_tx || return 1
		(while :; do cat $R/data $R/state $R/drops $S/data $S/state; done) >/dev/null 2>&1 &
		pids="$pids $!"
		(while :; do echo race >$S/data; echo 127.0.0.1 >$S/ip; done) >/dev/null 2>&1 &
		pids="$pids $!"
		sleep 0.5
		rmmod send_udp || { kill $pids; return 1; }
		rmmod receive_udp || { kill $pids; return 1; }
		kill $pids
		wait $pids 2>/dev/null
		pids=""
		! loaded send_udp && ! loaded receive_udp || return 1
	done
}

# Why contexts: teardown right after load, in either order.
# Why every: init and exit, again and again.
# suites: main contexts every
t_load_unload() {
	# Alternate load and unload orders; KUDP_LOAD_ROUNDS rounds (make
	# check: 8, 5 on the older kernels, 4 on the debug kernel; make
	# check-slow: 100; tests/run.sh alone: 20).
	local i
	for i in $(seq "${KUDP_LOAD_ROUNDS:-20}"); do
		if [ $((i % 2)) -eq 0 ]; then
			load_rx buffer_size=64K && load_tx buffer_size=64K || return 1
			rmmod receive_udp && rmmod send_udp || return 1
		else
			load_tx buffer_size=64K && load_rx buffer_size=64K || return 1
			rmmod send_udp && rmmod receive_udp || return 1
		fi
	done
	! loaded send_udp && ! loaded receive_udp
}
