# SPDX-License-Identifier: GPL-2.0
#
# The device nodes, /dev/send_udp and /dev/receive_udp: sizes at the
# edges of a datagram and of the buffer, binary data, a buffer filled and
# overfilled, writers that fail or are killed, one writer at a time,
# blocking reads and poll, signals, reads across a new message, readers at
# once, the statistics ioctl against sysfs, privileges, and rmmod with a
# node open.
#
# Sourced by tests/guest.sh, whose header says how the "# suites:" line
# above each test puts it in its suites.

# suites: main
t_dev_sizes() {
	load_rx buffer_size=4M && load_tx buffer_size=4M || return 1
	local s
	# 0 bytes is one empty datagram, complete after the idle time; then
	# 1 byte, one datagram exactly, one byte more, and a size that is no
	# multiple of the datagram size, each into a buffer of its size:
	# complete at its last byte, by the full rule, without the idle wait.
	transfer 0 1 || return 1
	for s in "1 1" "65507 1" "65508 2" "1000003 16"; do
		rmmod receive_udp && load_rx buffer_size=${s% *} || return 1
		transfer $s || return 1
		expect "size ${s% *}: reason" "full" "$(<$DR/reason)" || return 1
	done
	expect "messages sent" "5" "$(<$DS/messages)"
}

# Why every: the device class (kudp_class_create()).
# suites: main every
t_dev_cat() {
	# The shell way: cat a binary file in, cat the message out.
	# A buffer of the message's size: complete at once (full).
	load_rx buffer_size=300007 && load_tx || return 1
	head -c 300000 /dev/urandom >"$TMP/in"
	printf '\0\0tail\0' >>"$TMP/in"
	cat "$TMP/in" >/dev/send_udp || return 1
	wait_seq 1 || return 1
	cat /dev/receive_udp >"$TMP/out" || return 1
	cmp "$TMP/in" "$TMP/out" || fail "cat /dev/receive_udp differs from what went in" || return 1
	# pread and lseek from anywhere in the message.
	expect "pread, SEEK_END" "ok 300007" "$(pyrun '
import os
fd = os.open("/dev/receive_udp", os.O_RDONLY)
src = open("'"$TMP"'/in", "rb").read()
ok = os.pread(fd, 1000, 123456) == src[123456:124456] and os.pread(fd, 100, 299990) == src[299990:]
print("ok" if ok else "differs", os.lseek(fd, 0, os.SEEK_END))')"
}

# suites: main
t_dev_full_and_overfill() {
	load_rx buffer_size=1M && load_tx buffer_size=2M || return 1
	# Exactly the receiver's capacity: complete at once, by the full rule.
	transfer 1048576 17 || return 1
	expect "reason" "full" "$(<$DR/reason)" || return 1
	expect "overflow" "0" "$(<$DR/overflow_bytes)" || return 1
	sleep 1.5	# end the burst (idle=1)
	# 100 bytes more than fit: counted as overflow.
	local src next=$(( $(<$DR/seq) + 1 ))
	src=$($STREAM send 1048676) || return 1
	wait_seq $next || return 1
	expect "reason" "full" "$(<$DR/reason)" || return 1
	expect "bytes kept" "1048576" "$(<$DR/last_bytes)" || return 1
	expect "overflow" "100" "$(<$DR/overflow_bytes)" || return 1
	set -- $($STREAM recv)
	expect "read back" "1048576 $(<$DR/crc32)" "$1 $2"
}

# suites: main
t_dev_efbig() {
	load_rx && load_tx buffer_size=64K || return 1
	expect "writes into a 64 KiB buffer" "65536 65536 EFBIG" "$(pyrun '
import errno, os
fd = os.open("/dev/send_udp", os.O_WRONLY)
out = [str(os.write(fd, b"x" * 100000))]
try:
    os.write(fd, b"y")
except OSError as e:
    out.append(errno.errorcode[e.errno])
print(open("/sys/class/send_udp/send_udp/cur_bytes").read().strip(), " ".join(out))
os.close(fd)')" || return 1
	# A message that did not fit is not sent at all.
	wait_for 30 tx_idle || return 1
	expect "sends, receiver state" "0 empty" "$(<$DS/seq) $(<$DR/state)"
}

# Why contexts: writers killed mid-write.
# suites: main contexts
t_dev_aborted_writers() {
	# Only a whole message is sent. A writer killed by a signal, whose open
	# or write failed, or whose message was discarded meanwhile, sends
	# nothing; the receiver keeps its last message.
	load_rx && load_tx buffer_size=64K || return 1
	echo -n keep >$S/data
	wait_seq 1 || return 1
	local sig seq=$($KMSG last)
	for sig in KILL TERM; do
		pyrun '
import os, signal
fd = os.open("/dev/send_udp", os.O_WRONLY)
os.write(fd, b"partial")
os.kill(os.getpid(), signal.SIG'$sig')'
		wait_for 30 tx_idle || fail "SIG$sig: the sender stayed $(<$S/state)" || return 1
	done
	# KUDP_IOC_DISCARD is _IO(0xb9, 3), from root on another open file.
	expect "O_DIRECT open, full buffer, writes and close after a discard" \
		"EINVAL EFBIG ECANCELED ECANCELED" "$(pyrun '
import errno, fcntl, os
def call(f):
    try:
        f()
        return "ok"
    except OSError as e:
        return errno.errorcode[e.errno]
out = [call(lambda: os.open("/dev/send_udp", os.O_WRONLY | os.O_DIRECT))]
fd = os.open("/dev/send_udp", os.O_WRONLY)
os.write(fd, b"x" * 65536)
out.append(call(lambda: os.write(fd, b"y")))
os.close(fd)
fd = os.open("/dev/send_udp", os.O_WRONLY)
os.write(fd, b"to be discarded")
fcntl.ioctl(os.open("/dev/send_udp", os.O_RDONLY), 0xb903)
out.append(call(lambda: os.write(fd, b"more")))
out.append(call(lambda: os.close(fd)))
print(" ".join(out))')" || return 1
	wait_for 30 tx_idle || return 1
	expect "sends, receiver" "1 1 complete keep" \
		"$(<$DS/seq) $(<$DR/seq) $(<$DR/state) $(<$R/data)" || return 1
	log_since "$seq" | grep 'not sent' | sed 's/^/# log: /'
	expect "log lines" "2 1 1" "$(log_since "$seq" | grep -c 'killed by a signal') $(
		log_since "$seq" | grep -c 'a write failed (error -27)') $(
		log_since "$seq" | grep -c 'it was discarded (error -125)')" || return 1
	# kudpctl interrupted while it writes: nothing sent either.
	# (Not a pipeline: wait would wait for the sleep too.)
	$KUDPCTL send - 2>"$TMP/err" < <(head -c 1000 /dev/urandom; sleep 30) &
	local pid=$!
	wait_for 30 grep -qx 1000 $DS/cur_bytes || fail "kudpctl never wrote" || return 1
	kill -INT $pid
	wait $pid && fail "kudpctl send succeeded" && return 1
	grep -q "interrupted; nothing sent" "$TMP/err" || fail "kudpctl said: $(<"$TMP/err")" || return 1
	wait_for 30 tx_idle || return 1
	expect "sends after kudpctl" "1 keep" "$(<$DS/seq) $(<$R/data)"
}

# suites: main
t_dev_one_writer() {
	load_rx && load_tx || return 1
	exec 3>/dev/send_udp
	expect "state with a writer" "filling" "$(<$DS/state)" || { exec 3>&-; return 1; }
	expect "second open, O_NONBLOCK" "EBUSY" "$(pyrun '
import errno, os
try:
    os.open("/dev/send_udp", os.O_WRONLY | os.O_NONBLOCK)
    print("opened")
except OSError as e:
    print(errno.errorcode[e.errno])')" || { exec 3>&-; return 1; }
	expect "data parameter meanwhile" "EBUSY" "$(write $S/data x)" || { exec 3>&-; return 1; }
	# A blocking open waits until the first message is sent.
	pyrun '
import os, time
fd = os.open("/dev/send_udp", os.O_WRONLY)
os.write(fd, b"second")
print("%.1f" % time.monotonic())
os.close(fd)' >"$TMP/second" 3>&- &
	local pid=$!
	sleep 2
	[ -s "$TMP/second" ] && { exec 3>&-; fail "the second open did not wait"; return 1; }
	# Meanwhile other devices open at once (a waiting open holds no global
	# lock, as misc_open() would), this one too for its ioctls.
	expect "other opens while one waits" "ok" "$(timeout 10 $PY -c '
import os
for dev in ("/dev/send_udp", "/dev/receive_udp", "/dev/cpu_dma_latency", "/dev/loop-control"):
    if dev == "/dev/send_udp" or os.path.exists(dev):
        os.close(os.open(dev, os.O_RDONLY))
print("ok")' 3>&-)" || { exec 3>&-; return 1; }
	echo -n first >&3
	local closed=$(awk '{ print $1 }' /proc/uptime)
	exec 3>&-
	wait $pid || return 1
	diag "second writer got in $(awk -v a="$closed" -v b="$(<"$TMP/second")" 'BEGIN { printf "%.1f", b - a }') s after the first closed"
	wait_seq 1 || return 1
	expect "one message of both, in order" "firstsecond" "$(<$R/data)"
}

# Why contexts: readers woken by the completion.
# Why every: readers woken by the completion.
# suites: main contexts every
t_dev_read_blocking() {
	load_rx && load_tx || return 1
	expect "O_NONBLOCK read without a message" "EAGAIN" "$(pyrun '
import errno, os
fd = os.open("/dev/receive_udp", os.O_RDONLY | os.O_NONBLOCK)
try:
    os.read(fd, 10)
except OSError as e:
    print(errno.errorcode[e.errno])')" || return 1
	expect "poll without a message" "[]" "$(pyrun '
import select
f = open("/dev/receive_udp", "rb")
p = select.poll(); p.register(f, select.POLLIN)
print(p.poll(0))')" || return 1
	# A blocked read and a blocked poll are woken by the completion.
	pyrun '
import os, time
fd = os.open("/dev/receive_udp", os.O_RDONLY)
print(os.read(fd, 100).decode(), "%.1f" % time.monotonic())' >"$TMP/read" &
	local rpid=$!
	pyrun '
import select, time
f = open("/dev/receive_udp", "rb")
p = select.poll(); p.register(f, select.POLLIN)
print(p.poll(30000), "%.1f" % time.monotonic())' >"$TMP/poll" &
	local ppid=$!
	sleep 1
	echo -n wake-up >$S/data
	wait $rpid $ppid
	expect "blocked read" "wake-up" "$(cut -d' ' -f1 "$TMP/read")" || return 1
	grep -q '\[(.*, 1)\]' "$TMP/poll" || fail "poll: $(<"$TMP/poll")" || return 1
	expect "O_NONBLOCK read with a message" "wake-up" "$(pyrun '
import os
fd = os.open("/dev/receive_udp", os.O_RDONLY | os.O_NONBLOCK)
print(os.read(fd, 100).decode())')"
}

# suites: main
t_dev_signals() {
	load_rx && load_tx || return 1
	exec 3>/dev/send_udp
	# A signal interrupts a blocked read and a blocked open.
	expect "signals" "read interrupted open interrupted" "$(pyrun '
import os, signal, time
class Interrupted(Exception):
    pass
def handler(sig, frame):
    raise Interrupted
signal.signal(signal.SIGALRM, handler)
out = []
for what, call in (("read", lambda: os.read(os.open("/dev/receive_udp", os.O_RDONLY), 10)),
                   ("open", lambda: os.open("/dev/send_udp", os.O_WRONLY))):
    signal.alarm(1)
    t0 = time.monotonic()
    try:
        call()
        out.append(what + " returned")
    except Interrupted:
        out.append(what + (" interrupted" if time.monotonic() - t0 < 5 else " slow"))
print(" ".join(out))')"
	local rc=$?
	exec 3>&-
	return $rc
}

# suites: main
t_dev_estale() {
	load_rx && load_tx || return 1
	$UDP send "@4000" --wait-complete 8 >/dev/null || return 1
	expect "reads" "1000 ESTALE new" "$(pyrun '
import errno, os, socket, time
fd = os.open("/dev/receive_udp", os.O_RDONLY)
out = [str(len(os.read(fd, 1000)))]
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"new", ("127.0.0.1", 8808))
while open("/sys/class/receive_udp/receive_udp/state").read().strip() != "receiving":
    time.sleep(0.05)
try:
    os.read(fd, 1000)
    out.append("read")
except OSError as e:
    out.append(errno.errorcode[e.errno])
# A read from offset 0 starts over: it waits for the new message.
os.lseek(fd, 0, os.SEEK_SET)
out.append(os.read(fd, 100000).decode())
print(" ".join(out))')" || return 1
	expect "data" "new" "$(<$R/data)"
}

# suites: main
t_dev_read_end() {
	load_rx && load_tx || return 1
	expect "read of 0 bytes, no message" "0" "$(pyrun '
import os, signal
signal.alarm(5)
print(len(os.read(os.open("/dev/receive_udp", os.O_RDONLY), 0)))')" || return 1
	echo -n first >$S/data
	wait_seq 1 || return 1
	# A reader that has read its message to the end: poll says there is
	# nothing more, even from offset 0; a new datagram discards the
	# message, and the reader at its end gets EOF (not ESTALE). poll then
	# wakes for the next message, which a read from 0 gets.
	expect "reader at the end" "first [] [] EOF new [] second" "$(pyrun '
import os, select, socket, time
STATE = "/sys/class/receive_udp/receive_udp/state"
fd = os.open("/dev/receive_udp", os.O_RDONLY)
p = select.poll()
p.register(fd, select.POLLIN)
out = [os.read(fd, 100).decode(), str(p.poll(0))]
os.lseek(fd, 0, os.SEEK_SET)
out.append(str(p.poll(0)))
os.lseek(fd, 5, os.SEEK_SET)
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"second", ("127.0.0.1", 8808))
while open(STATE).read().strip() != "receiving":
    time.sleep(0.05)
out.append(os.read(fd, 100).decode() or "EOF")
out.append("new" if p.poll(30000) else "nothing")
os.lseek(fd, 0, os.SEEK_SET)
data = os.read(fd, 100).decode()
out += [str(p.poll(0)), data]
print(" ".join(out))')"
}

# suites: main
t_dev_concurrent_readers() {
	load_rx buffer_size=8M && load_tx buffer_size=8M || return 1
	set -- $($STREAM send 5000000)
	local crc=$2 i pids=""
	for i in 1 2 3 4; do
		$IOCTL read /dev/receive_udp "$TMP/r$i" >"$TMP/seq$i" &
		pids="$pids $!"
	done
	wait $pids || return 1
	for i in 1 2 3 4; do
		expect "reader $i: seq and bytes" "1 5000000" "$(<"$TMP/seq$i")" || return 1
		cmp "$TMP/r1" "$TMP/r$i" || fail "reader $i read other bytes" || return 1
	done
	expect "CRC-32 of what the readers got" "$crc" \
		"$(pyrun 'import zlib; print("%08x" % zlib.crc32(open("'"$TMP"'/r1", "rb").read()))')"
}

# suites: main
t_dev_send_override() {
	# KUDP_IOC_SEND_OVERRIDE (what kudpctl send's options use), from a
	# writer of our own: EBADF on a file that is not the writer's; EINVAL,
	# changing nothing, for an unknown flag, pad not 0, port 0, an address
	# ip refuses, an unknown mode; the last good call counts, for its
	# message alone. Flags: 1 address, 2 port, 4 rate, 8 mode.
	load_rx && load_tx || return 1
	local a got=""
	expect "a read-only file" "KUDP_IOC_SEND_OVERRIDE: EBADF" \
		"$($IOCTL override /dev/send_udp 2 127.0.0.1 9909 0 0 0 2>&1)" || return 1
	exec 5>/dev/send_udp || return 1
	for a in "16 127.0.0.1 8808 0 0 0" "2 127.0.0.1 8808 0 0 1" "2 127.0.0.1 0 0 0 0" \
		 "1 255.255.255.255 8808 0 0 0" "1 0.0.0.0 8808 0 0 0" "8 127.0.0.1 8808 0 2 0"; do
		got="$got $($IOCTL override -5 $a 2>&1 | sed 's/.*: //')"
	done
	expect "bad values" "EINVAL EINVAL EINVAL EINVAL EINVAL EINVAL" "$(echo $got)" || return 1
	# Port 9909 (nothing there), then the address alone: the second call
	# replaces the first, and the port is the parameter's again.
	$IOCTL override -5 2 127.0.0.1 9909 0 0 0 && $IOCTL override -5 1 127.0.0.1 0 0 0 0 || return 1
	printf first >&5 && exec 5>&- || return 1
	wait_seq 1 || return 1
	expect "first message (received, send result)" "first 0" "$(<$R/data) $(<$S/last_error)" || return 1
	# This message to 9909: refused there (-111 ECONNREFUSED).
	exec 5>/dev/send_udp || return 1
	$IOCTL override -5 2 127.0.0.1 9909 0 0 0 || return 1
	printf second >&5 && exec 5>&- || return 1
	wait_for 30 tx_idle || return 1
	expect "second message, to 9909 (send result, port)" "-111 8808" "$(<$S/last_error) $(<$S/port)" || return 1
	# The next message has no override: 8808, the parameter's.
	echo -n third >$S/data || return 1
	wait_seq 2 || return 1
	expect "third message" "third 0" "$(<$R/data) $(<$S/last_error)"
}

# suites: main
t_dev_stats_agree() {
	# A buffer of the message's size: complete at once (full).
	load_rx buffer_size=300000 && load_tx || return 1
	$STREAM send 300000 >/dev/null || return 1
	wait_seq 1 || return 1
	local d f k v
	local -A io
	for d in $DS $DR; do
		# The ioctl's "field value" lines, read by the shell itself (a
		# process per field would take a second each here).
		io=()
		while read -r k v; do
			io[$k]=$v
		done < <($IOCTL stats /dev/${d##*/})
		expect "$d: size version" "136 3" "${io[size]:-} ${io[version]:-}" || return 1
		for f in $d/*; do
			[ -f "$f" ] && [ -r "$f" ] || continue
			k=${f##*/}
			case $k in dev|uevent) continue ;; esac
			[ -n "${io[$k]:-}" ] || fail "$f: no such ioctl field" || return 1
			case $k in
			state|reason) continue ;;	# numbers in the ioctl, names in sysfs
			esac
			expect "$f = ioctl" "${io[$k]}" "$(<"$f")" || return 1
		done
	done
	# GET_STATS from a program built with an older header (24 bytes) and
	# a newer one (16 bytes more than ours): each gets what both know.
	expect "an older caller" "size 24 version 3 seq 1 untouched 0" \
		"$($IOCTL stats-as /dev/receive_udp 24)" || return 1
	expect "a newer caller" "size 136 version 3 seq 1 untouched 16" \
		"$($IOCTL stats-as /dev/receive_udp 152)" || return 1
	expect "sysfs files of send_udp" "capacity crc32 cur_bytes cur_datagrams errors last_bytes last_datagrams last_error messages rejected seq state zerocopy_calls zerocopy_copied" \
		"$(cd $DS && ls | grep -v -e dev -e uevent -e power -e subsystem | xargs)" || return 1
	expect "sysfs files of receive_udp" "capacity crc32 cur_bytes cur_datagrams drops errors last_bytes last_datagrams last_error messages overflow_bytes reason rejected seq state udp_errors" \
		"$(cd $DR && ls | grep -v -e dev -e uevent -e power -e subsystem | xargs)"
}

# suites: main
t_dev_privilege() {
	# A buffer of the message's size: complete at once (full).
	load_rx buffer_size=4 && load_tx || return 1
	echo -n some >$S/data
	wait_seq 1 || return 1
	expect "mode of the nodes" "600 600" "$(stat -c %a /dev/send_udp) $(stat -c %a /dev/receive_udp)" || return 1
	expect "non-root opens" "EACCES EACCES" "$(setpriv --reuid=65534 --regid=65534 --clear-groups $PY -c '
import errno
out = []
for dev, mode in (("/dev/receive_udp", "rb"), ("/dev/send_udp", "wb")):
    try:
        open(dev, mode)
        out.append("opened")
    except OSError as e:
        out.append(errno.errorcode[e.errno])
print(" ".join(out))')" || return 1
	# Opened as root, then capabilities dropped: reset and discard refused.
	local r
	exec 3</dev/receive_udp 4</dev/send_udp
	r=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		sh -c "$IOCTL reset -3; $IOCTL discard -3; $IOCTL reset -4; $IOCTL discard -4; $IOCTL stats -3 >/dev/null && echo stats-ok" 2>&1)
	exec 3<&- 4<&-
	expect "without CAP_NET_ADMIN" "KUDP_IOC_RESET: EPERM KUDP_IOC_DISCARD: EPERM KUDP_IOC_RESET: EPERM KUDP_IOC_DISCARD: EPERM stats-ok" "$(echo $r)" || return 1
	expect "nothing changed" "1 complete some" "$(<$DR/messages) $(<$DR/state) $(<$R/data)" || return 1
	# As root: reset zeroes the counters (not seq), discard empties the buffer.
	$IOCTL reset /dev/receive_udp && $IOCTL discard /dev/receive_udp || return 1
	expect "after reset and discard" "0 1 empty" "$(<$DR/messages) $(<$DR/seq) $(<$DR/state)" || return 1
	expect "data after discard" "" "$(<$R/data)" || return 1
	$IOCTL reset /dev/send_udp && $IOCTL discard /dev/send_udp || return 1
	expect "send_udp after reset and discard" "0 " "$(<$DS/messages) $(<$S/data)"
}

# Why contexts: teardown against open files.
# suites: main contexts
t_dev_rmmod_busy() {
	# A buffer of the message's size: complete at once (full).
	load_rx buffer_size=5 && load_tx || return 1
	local m
	for m in receive_udp send_udp; do
		exec 3</dev/$m
		local err=$(rmmod $m 2>&1)
		loaded $m || { exec 3<&-; fail "$m unloaded with an open file"; return 1; }
		case $err in *"in use"*) ;; *) exec 3<&-; fail "rmmod said: $err"; return 1;; esac
		expect "$m still works" "0" "$(</sys/class/$m/$m/errors)" || { exec 3<&-; return 1; }
		exec 3<&-
	done
	echo -n after >$S/data
	wait_seq 1 || return 1
	expect "data" "after" "$(<$R/data)"
}
