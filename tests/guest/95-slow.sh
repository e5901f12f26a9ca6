# SPDX-License-Identifier: GPL-2.0
#
# The suites that need a machine of another shape or a budget of their
# own: small (a guest that looks like a machine with 512 MiB: make
# check), big (a 4 GiB transfer in a 10 GiB guest: make check-slow),
# stress (make stress), fuzz (make fuzz) and bench (make bench), with
# bench's smoke test (the once suite).
#
# Sourced by tests/guest.sh, whose header says how the "# suites:" line
# above each test puts it in its suites.

# suites: small
t_small_memory() {
	small_machine 512 || return 1
	load_rx buffer_size=64M && load_tx buffer_size=64M || return 1
	echo small >$S/data || return 1
	wait_for 30 rx_complete || return 1
	expect "data" "small" "$(<$R/data)"
}

# suites: small
t_enomem() {
	small_machine 512 || return 1
	local seq=$($KMSG last) m
	for m in receive_udp send_udp; do
		local err
		err=$(insmod "$MOD/$m.ko" 2>&1) && fail "$m loaded a 4 GiB buffer with 512 MiB available" && return 1
		diag "insmod $m: $err"
		case $err in *"Cannot allocate memory"*) ;; *) fail "not ENOMEM"; return 1;; esac
	done
	local log=$(log_since "$seq")
	echo "$log" | sed 's/^/# log: /'
	expect "log lines naming buffer_size" "2" "$(echo "$log" | grep -c 'buffer_size=4294967296: only')" || return 1
	echo "$log" | grep -qE 'Call Trace|warn_alloc|invoked oom-killer|Out of memory' &&
		fail "stack dump or OOM killer" && return 1
	# The default is 4 GiB.
	return 0
}

# suites: big
t_big_4g() {
	free -m | sed 's/^/# /'
	# KUDP_BIG_SIZE: a smaller buffer, for the debug kernel (debug-guest.sh).
	local size=${KUDP_BIG_SIZE:-4294967296} src got
	local t0=$(date +%s)
	insmod "$MOD/receive_udp.ko" ${KUDP_BIG_SIZE:+buffer_size=$size} &&
		insmod "$MOD/send_udp.ko" ${KUDP_BIG_SIZE:+buffer_size=$size} || return 1
	diag "both modules loaded with their $size-byte buffers in $(($(date +%s) - t0)) s"
	expect "capacity" "$size $size" "$(<$DS/capacity) $(<$DR/capacity)" || return 1
	t0=$(date +%s.%N)
	src=$($STREAM send $size) || return 1
	wait_seq 1 600 || return 1
	local t1=$(date +%s.%N)
	expect "completed by" "full" "$(<$DR/reason)" || return 1
	got=$($STREAM recv) || return 1
	local secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	diag "$size bytes: written+sent+received in $secs s ($(awk -v s="$secs" -v n="$size" 'BEGIN { printf "%.0f", n / 1048576 / s }') MiB/s end to end), drops $(<$DR/drops)"
	diag "source: $src (bytes, CRC-32, s to write); read back: $got"
	set -- $src
	local crc=$2
	expect "read back" "$size $crc" "$(echo $got | cut -d' ' -f1-2)" || return 1
	expect "module CRC-32s" "$crc $crc" "$(<$DS/crc32) $(<$DR/crc32)" || return 1
	expect "drops" "0" "$(<$DR/drops)" || return 1
	expect "overflow" "0" "$(<$DR/overflow_bytes)"
}

# make stress: STRESS_ROUNDS (20) rmmods of each module in the middle of a
# 1 GiB transfer, and as many in the middle of a flood of datagrams. Each
# rmmod must return within 2 s (stress_limit); the runner's log scan (and,
# on the debug kernel, kmemleak) sees everything they left. The moments
# are random (bash's RANDOM, from the printed seed).
STRESS_ROUNDS=${KUDP_STRESS_ROUNDS:-20}

# stress_limit SIZE: set limit (the caller's) to the seconds an rmmod in
# the middle of something may take with SIZE-byte buffers: 2 s. Not on the
# debug kernel: there, freeing memory is what takes the time (KASAN
# poisons and quarantines it: 4 s for an idle module's 1 GiB, more with
# the socket's queue of up to 256 MiB), so its figures are printed, with
# an idle unload's for comparison, and only a hang (30 s) fails.
stress_limit() {
	local m
	limit=2
	debug_kernel || return 0
	for m in send_udp receive_udp; do
		insmod "$MOD/$m.ko" buffer_size="$1" || return 1
		rmmod_within $m 60 || return 1
	done
	diag "idle modules with $1 buffers unload in $(awk '{ printf "%s%s %s s", s, $1, $2; s = ", " }' "$TMP/rmmod-times") here"
	rm "$TMP/rmmod-times"
	limit=30
}

# stress_seed: seed RANDOM, from KUDP_SEED if set, and say which.
stress_seed() {
	RANDOM=${KUDP_SEED:-$(date +%N)}
	local seed=$RANDOM
	RANDOM=$seed
	diag "seed $seed (KUDP_SEED=$seed replays the moments)"
}

# stress_pause: sleep between 0.2 and 1.7 s.
stress_pause() { sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 0.2 + r % 150 / 100 }')"; }

# stress_midway FILE: wait until the cur_bytes FILE passes a random point
# between 5 % and 50 % of 1 GiB: in the middle of the transfer, whatever
# its speed (a whole GiB takes 1.5 s on one kernel, 5 s on another).
stress_midway() {
	local mark=$(( (5 + RANDOM % 46) * (1 << 30) / 100 )) i
	for i in $(seq 3000); do
		[ "$(<"$1")" -ge $mark ] && return 0
		sleep 0.02
	done
	fail "$1 never passed $mark"
}

# send_gib: fill send_udp's buffer with 1 GiB and start the send (close);
# wait until the receiver is receiving it.
send_gib() {
	dd if=/dev/zero of=/dev/send_udp bs=1M count=1024 status=none || return 1
	wait_for 30 rx_started || fail "the receiver never saw the send"
}

# summary WHAT: "N rmmods of MODULE WHAT: at most S s", from rmmod_within's
# record.
summary() {
	awk -v w="$1" '{ n[$1]++; if ($2 > m[$1]) m[$1] = $2 }
		END { for (k in n) printf "# %d rmmods of %s %s: at most %.2f s\n", n[k], k, w, m[k] }' "$TMP/rmmod-times"
}

# gib_unload_midway MODULE: load both modules with 1 GiB buffers, start a
# 1 GiB send, and unload MODULE at a random point of it (stress_midway),
# within limit.
gib_unload_midway() {
	local cur=$DR/cur_bytes busy=receiving
	[ "$1" = send_udp ] && cur=$DS/cur_bytes busy=sending
	load_rx buffer_size=1G && load_tx buffer_size=1G || return 1
	send_gib || return 1
	stress_midway $cur || return 1
	expect "round $i: $1 state" "$busy" "$(</sys/module/$1/parameters/state)" || return 1
	rmmod_within $1 "$limit"
}

# suites: stress
t_stress_rmmod_transfer() {
	local i limit
	stress_seed
	stress_limit 1G || return 1
	for i in $(seq "$STRESS_ROUNDS"); do
		# send_udp goes in the middle of a send; the receiver is unloaded
		# with its partial message.
		gib_unload_midway send_udp || return 1
		rmmod receive_udp || return 1
		# receive_udp goes in the middle of the next one; the send then
		# ends (ECONNREFUSED) or is still going.
		gib_unload_midway receive_udp || return 1
		rmmod send_udp || return 1
	done
	summary "in the middle of a 1 GiB transfer"
}

# suites: stress
t_stress_rmmod_flood() {
	# Four processes flood 1-byte datagrams at the receiver while
	# send_udp sends it a 64 MiB message; both modules go in the middle.
	local i j pids limit
	stress_seed
	stress_limit 64M || return 1
	for i in $(seq "$STRESS_ROUNDS"); do
		load_rx buffer_size=64M && load_tx buffer_size=64M || return 1
		pids=""
		for j in 1 2 3 4; do
			nice -n 19 $FLOOD 127.0.0.1 8808 4 >/dev/null &
			pids="$pids $!"
		done
		wait_for 30 rx_started || fail "the flood never came" || return 1
		dd if=/dev/zero of=/dev/send_udp bs=1M count=64 status=none || return 1
		stress_pause
		rmmod_within send_udp "$limit" || return 1
		rmmod_within receive_udp "$limit" || return 1
		wait $pids
	done
	summary "in the middle of a flood"
}

# The fuzzer (tests/fuzz.py) for KUDP_FUZZ_SECONDS (120) with the seed
# KUDP_SEED (random, printed), with a key (keyed and unkeyed datagrams,
# both modes); the runner's log scan and, on the debug kernel, kmemleak
# judge what it did to the kernel.
# suites: fuzz
t_fuzz() {
	key_file key || return 1
	$PY "$HERE/fuzz.py" "$MOD" "${KUDP_FUZZ_SECONDS:-120}" \
		"${KUDP_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}" --key-file "$TMP/key"
}

# bench JSON SIZE ROUNDS: tests/bench.py, its table as diagnostics, its
# figures in the file JSON.
bench() {
	$PY $HERE/bench.py "$MOD" "$@" >"$TMP/bench" 2>&1
	local rc=$?
	cat "$TMP/bench"
	[ $rc -eq 0 ] || fail "bench.py exited with $rc"
}

# Why once: make bench's plumbing.
# suites: once
t_bench_smoke() {
	# make bench's loopback part with 4 MiB and one round, so that it
	# never rots; no speed is asserted. Every measure once: each in-kernel
	# limit, the user-space copy, iperf3, and the kudp transfers that load
	# the modules differently (raw; reliable with a key; reliable under
	# netem): the other kudp kinds are the same call with other sizes.
	local kinds="in-kernel memcpy;in-kernel CRC-32;in-kernel CRC-32, kudp_crc32()"
	kinds+=";in-kernel tag, 65507;in-kernel tag, 1472;in-kernel SipHash, 65507"
	kinds+=";in-kernel hmac(sha256), 65507;in-kernel poly1305, 65507;user-space copy"
	kinds+=";iperf3 -l 65507;kudp 65507;kudp reliable 65507, key;kudp reliable 65507, 1 % loss"
	BENCH_KINDS=$kinds bench "$TMP/bench.json" $((4 << 20)) 1 || return 1
	expect "figures in bench.json" "13" "$(pyrun 'import json; print(len(json.load(open("'"$TMP"'/bench.json"))["results"]))')"
}

# suites: bench
t_bench() {
	# make bench: 1 GiB, 3 rounds; the figures in OUTDIR/bench.json.
	bench "$OUT/bench.json" $((1 << 30)) 3
}
