# SPDX-License-Identifier: GPL-2.0
#
# The demo (tests/run.sh --demo, make demo): a short, readable round trip
# with the commands a user would type, not a test.
#
# Sourced by tests/guest.sh, whose header says how the "# suites:" line
# above each test puts it in its suites.

demo() {
	echo "== loading receive_udp and send_udp (1 MiB buffers)"
	echo "\$ insmod receive_udp.ko buffer_size=1M; insmod send_udp.ko buffer_size=1M"
	load_rx && load_tx || return 1
	echo "\$ echo 'hello from the kernel' > /sys/module/send_udp/parameters/data"
	echo 'hello from the kernel' >$S/data
	echo "\$ cat /sys/module/receive_udp/parameters/state"
	cat $R/state
	echo "(waiting for 5 s without data...)"
	wait_for 30 rx_complete
	echo "\$ cat /sys/module/receive_udp/parameters/state"
	cat $R/state
	echo "\$ cat /sys/module/receive_udp/parameters/data"
	local got
	got=$(<$R/data)
	echo "$got"
	echo "\$ rmmod send_udp receive_udp"
	unload_all
	echo "== kernel log"
	dmesg | grep -E 'send_udp|receive_udp' | tail -n 8
	if [ "$got" = 'hello from the kernel' ] && ! loaded send_udp && ! loaded receive_udp; then
		echo "== round trip OK: the bytes sent came back, both modules unloaded"
		return 0
	fi
	echo "== round trip FAILED"
	return 1
}
