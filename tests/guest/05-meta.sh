# SPDX-License-Identifier: GPL-2.0
#
# What the modules say about themselves, and the runner's own log scan:
# modinfo's fields and parameter descriptions, the documentation against
# the parameter and statistics files, and the scan that fails a test on a
# kernel warning. No kernel version changes their verdict: they are the
# once suite (with kudpctl_errors and bench_smoke), as is the test of the
# resident Python that runs the tests' helpers (tests/pyserve.py).
#
# Sourced by tests/guest.sh, whose header says how the "# suites:" line
# above each test puts it in its suites.

# Why once: the modules' metadata.
# suites: once
t_modinfo() {
	local m p ok=0
	for m in send_udp receive_udp; do
		for p in description license author version; do
			[ -n "$(modinfo -F $p "$MOD/$m.ko")" ] || { fail "$m: no $p"; ok=1; }
		done
		# Every parameter has a description.
		if modinfo -p "$MOD/$m.ko" | grep -v ':.\{10,\}' | grep -q .; then
			fail "$m: a parameter without a description: $(modinfo -p "$MOD/$m.ko")"
			ok=1
		fi
	done
	expect "send_udp parameters" "buffer_size crc32_impl data debug gso hold ip key last_error last_receivers mode payload port rate receivers state ttl zerocopy" \
		"$(modinfo -p "$MOD/send_udp.ko" | cut -d: -f1 | sort | xargs)" || ok=1
	expect "receive_udp parameters" "buffer_size crc32_impl data debug dev drops gro group hold idle key mode overflow peer port rcvbuf state" \
		"$(modinfo -p "$MOD/receive_udp.ko" | cut -d: -f1 | sort | xargs)" || ok=1
	return $ok
}

# Why once: the documents against the files.
# suites: once
t_docs_match() {
	# Every parameter and statistics file is documented, and everything
	# documented exists.
	load_rx && load_tx || return 1
	local m ok=0 doc=$HERE/../Documentation/kudp.rst
	for m in send_udp receive_udp; do
		expect "$m: parameters in sysfs = modinfo -p" \
			"$(modinfo -p "$MOD/$m.ko" | cut -d: -f1 | sort | xargs)" \
			"$(ls /sys/module/$m/parameters | sort | xargs)" || ok=1
		$PY "$HERE/docs_check.py" "$doc" params $m $(ls /sys/module/$m/parameters) |
			sed 's/^/# /'
		[ "${PIPESTATUS[0]}" -eq 0 ] || ok=1
		$PY "$HERE/docs_check.py" "$doc" stats $m \
			$(cd /sys/class/$m/$m && find . -maxdepth 1 -type f -perm -0400 ! -name uevent ! -name dev -printf '%f\n') |
			sed 's/^/# /'
		[ "${PIPESTATUS[0]}" -eq 0 ] || ok=1
	done
	return $ok
}

# Why once: the runner's log scan, not the modules.
# suites: once
t_log_scan_selftest() {
	local seq=$($KMSG last)
	echo "WARNING: $SELFTEST_TAG: a fake warning" >/dev/kmsg
	log_since "$seq" | grep -E "$BAD" | grep -q "$SELFTEST_TAG" ||
		fail "the scan missed a WARNING: line"
}

# Why once: the tests' own tool (tests/py.c, tests/pyserve.py), not the
# modules.
# suites: once
t_py_resident() {
	# $PY runs Python in the resident one as python3 -S would: the
	# caller's arguments, working directory, environment, standard
	# streams, process group and CPUs; its exit status or signal; a signal
	# to the caller reaches it, and it ends with a caller killed by
	# SIGKILL. A caller that is not root with every capability runs
	# python3 itself.
	[ -S "${KUDP_PYSOCK:-}" ] || fail "no resident Python" || return 1
	# (The parent of a child of the resident Python is Python.)
	local resident='import os; print(open("/proc/%d/comm" % os.getppid()).read().strip() == "python3")'
	local sleeper='import os, time; open(os.environ["P"], "w").write(str(os.getpid())); time.sleep(60)'
	local rc pid child
	expect "a child of the resident Python" "True" "$($PY -c "$resident")" || return 1
	expect "arguments, directory, environment" "$TMP bar ['a', 'b']" \
		"$(cd "$TMP" && FOO=bar $PY -c 'import os, sys; print(os.getcwd(), os.environ["FOO"], sys.argv[1:])' a b)" || return 1
	expect "a script on standard input" "['-', 'x']" "$(echo 'import sys; print(sys.argv)' | $PY - x)" || return 1
	head -c 100000 /dev/urandom >"$TMP/in"
	$PY -c 'import sys; sys.stdout.buffer.write(sys.stdin.buffer.read())' <"$TMP/in" | cmp -s - "$TMP/in" ||
		fail "binary standard input to output" || return 1
	expect "the process group" "$(awk '{ print $5 }' /proc/self/stat)" "$($PY -c 'import os; print(os.getpgrp())')" || return 1
	expect "the CPUs" "[1]" "$(taskset -c 1 $PY -c 'import os; print(sorted(os.sched_getaffinity(0)))')" || return 1
	$PY -c 'import sys; sys.exit(7)'; rc=$?
	expect "an exit status" "7" "$rc" || return 1
	$PY -c 'raise ValueError("boom")' 2>"$TMP/err"; rc=$?
	expect "an exception" "1 ValueError: boom" "$rc $(tail -n 1 "$TMP/err")" || return 1
	$PY -c 'import os, signal; os.kill(os.getpid(), signal.SIGUSR1)'; rc=$?
	expect "ended by a signal" "$((128 + 10))" "$rc" || return 1
	# A signal to the caller reaches the child.
	P=$TMP/pid $PY -c "$sleeper" &
	pid=$!
	wait_for 30 [ -s "$TMP/pid" ] || fail "no child" || return 1
	child=$(<"$TMP/pid")
	kill $pid
	wait $pid; rc=$?
	expect "SIGTERM to the caller" "143" "$rc" || return 1
	wait_for 10 [ ! -d /proc/$child ] || fail "the child outlived SIGTERM" || return 1
	# A caller killed by SIGKILL: the resident one kills its child.
	rm -f "$TMP/pid"
	P=$TMP/pid $PY -c "$sleeper" &
	pid=$!
	wait_for 30 [ -s "$TMP/pid" ] || fail "no child" || return 1
	child=$(<"$TMP/pid")
	kill -KILL $pid
	wait $pid 2>/dev/null
	wait_for 10 [ ! -d /proc/$child ] || fail "the child outlived its caller" || return 1
	# Not root with every capability: python3 itself.
	expect "an unprivileged caller" "65534 False" "$(setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all $PY -c "import os; print(os.getuid(), end=' '); $resident")"
}
