# SPDX-License-Identifier: GPL-2.0
#
# What the modules say about themselves, and the runner's own log scan:
# modinfo's fields and parameter descriptions, the documentation against
# the parameter and statistics files, and the scan that fails a test on a
# kernel warning. No kernel version changes their verdict: they are the
# once suite (with kudpctl_errors and bench_smoke).
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
	expect "send_udp parameters" "buffer_size data debug gso hold ip last_error mode payload port rate state" \
		"$(modinfo -p "$MOD/send_udp.ko" | cut -d: -f1 | sort | xargs)" || ok=1
	expect "receive_udp parameters" "buffer_size data debug dev drops gro hold idle mode overflow peer port rcvbuf state" \
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
