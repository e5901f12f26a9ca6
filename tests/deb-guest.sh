#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# In a guest (tests/deb.sh): install kudp-dkms and kudpctl from DEBDIR,
# check what they install besides the modules (modprobe.d, udev rule and
# group, unit, completion, manual), load the modules DKMS built with
# kudp.conf's options, check the devices' group and mode, run the sysfs
# round trip and kudpctl status, have systemd start kudp-recv.service and
# the service save a message into /var/lib/kudp (and restart after an
# rmmod of receive_udp), unload, purge both packages, and check that
# nothing is left behind. The guest's writes go to overlays: the host
# never sees them. Prints KTAP and writes "PASSED FAILED" to OUT/result.
set -u
debdir=$1
out=$2
ver=$3
kver=$(uname -r)
passed=0
failed=0
n=0
S=/sys/module/send_udp/parameters
R=/sys/module/receive_udp/parameters
BAD='BUG:|WARNING:|Oops|general protection|sleeping function called from invalid context|scheduling while atomic|INFO: task .* blocked|Call Trace'

diag() { echo "# $*"; }
fail() { diag "FAIL: $*"; return 1; }
result() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
		passed=$((passed + 1))
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}
# What the packages may touch, listed before and after. Not ours: the
# linker's cache, and DKMS's module-signing key and certificate, which dkms
# creates on the first build of any module on a machine that has none
# (sign_file in /usr/sbin/dkms) and keeps for every module after it.
# Contents are not compared: the group kudp that postinst adds to
# /etc/group stays after the purge (checked below).
snapshot() {
	find /usr/src /var/lib/dkms /usr/lib/modules/"$kver" /usr/bin /usr/share/man/man1 \
		/usr/share/doc /etc /usr/lib/udev/rules.d /usr/lib/systemd/system \
		/usr/share/bash-completion /var/lib/kudp /var/lib/systemd 2>/dev/null |
		grep -vxE '/etc/ld\.so\.cache|/var/lib/dkms/mok\.(key|pub)' | sort
}

# The test's own files: not in /tmp, which systemd's start empties
# (systemd-tmpfiles, below).
W=$(mktemp -d /var/tmp/kudp-deb.XXXXXX)

echo "KTAP version 1"
diag "kernel $kver"
snapshot >$W/before
dmesg -c >/dev/null
# virtme-ng's init starts systemd-udevd with --resolve-names=never, and
# udevd then ignores GROUP= (only numbers). A Debian system runs it with
# the default (names resolved when the rules are read): restart it so,
# before the install, so that what gives the devices their group is the
# package as on a board (its postinst has udevd read the rules again once
# the group exists).
udevd=$(command -v /usr/lib/systemd/systemd-udevd /lib/systemd/systemd-udevd udevd | head -n 1)
if udevadm control --exit && $udevd --daemon; then
	diag "udevd restarted with name resolution ($udevd)"
else
	diag "could not restart udevd ($udevd)"
fi

t0=$(date +%s)
dpkg -i "$debdir"/kudp-dkms_"$ver"_all.deb "$debdir"/kudpctl_"$ver"_*.deb >$W/install.log 2>&1
rc=$?
sed 's/^/# dpkg: /' $W/install.log | grep -Ei 'error|warning|installing|building|depmod|done' | head -20
[ $rc -eq 0 ] && dkms status -m kudp | grep -q "kudp/$ver, $kver, .*: installed"
rc=$?
dkms status -m kudp | sed 's/^/# dkms status: /'
result $rc "dpkg -i kudp-dkms kudpctl: DKMS built and installed the modules for $kver ($(($(date +%s) - t0)) s)"

rc=0
unit=/lib/systemd/system/kudp-recv.service
[ -f /etc/modprobe.d/kudp.conf ] || { fail "no /etc/modprobe.d/kudp.conf"; rc=1; }
dpkg-query -W -f='${Conffiles}\n' kudp-dkms | grep -q '^ /etc/modprobe.d/kudp.conf ' ||
	{ fail "kudp.conf is not a conffile: $(dpkg-query -W -f='${Conffiles}' kudp-dkms)"; rc=1; }
grep -q 'GROUP="kudp", MODE="0660"' /usr/lib/udev/rules.d/60-kudp.rules || { fail "no udev rule"; rc=1; }
getent group kudp >/dev/null || { fail "no group kudp"; rc=1; }
[ -f /usr/share/doc/kudp-dkms/kudp.rst.gz ] || { fail "no manual in /usr/share/doc/kudp-dkms"; rc=1; }
[ -f "$unit" ] || { fail "no $unit"; rc=1; }
# The unit as systemd reads it (its commands exist, its man page too);
# systemd runs it further down.
verify=$(systemd-analyze verify "$unit" 2>&1) || { fail "systemd-analyze verify: $verify"; rc=1; }
# Installed disabled: nothing listens until the administrator says so.
[ ! -e /etc/systemd/system/multi-user.target.wants/kudp-recv.service ] || { fail "kudp-recv is enabled"; rc=1; }
# The completion, as bash-completion loads it (the host's bash-completion).
comp=$(bash -c 'source /usr/share/bash-completion/bash_completion
	source /usr/share/bash-completion/completions/kudpctl
	c() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		COMPREPLY=(); _kudpctl kudpctl "${@: -1}" "${@: -2:1}"; echo "${COMPREPLY[*]}"; }
	c kudpctl ""; c kudpctl send --; c kudpctl recv --loop --' 2>&1)
diag "completion: $(echo "$comp" | paste -sd '|')"
[ "$comp" = "status monitor send recv reset discard --help --version
--to --port --rate --mode --key-file --json --help
--loop --dir --key-file --json --help" ] || { fail "bash completion: $comp"; rc=1; }
result $rc "installed: /etc/modprobe.d/kudp.conf (conffile), 60-kudp.rules and group kudp, manual, kudp-recv.service (verified, disabled), bash completion"

rc=0
modinfo -n send_udp | grep -q "/updates/dkms/send_udp.ko" || { fail "modinfo: $(modinfo -n send_udp 2>&1)"; rc=1; }
# No options here: kudp.conf's buffer_size=64M each.
modprobe receive_udp && modprobe send_udp || { fail "modprobe"; rc=1; }
[ "$(cat $R/buffer_size $S/buffer_size 2>&1 | paste -sd ' ')" = "67108864 67108864" ] ||
	{ fail "buffer_size: $(cat $R/buffer_size $S/buffer_size 2>&1 | paste -sd ' ') (kudp.conf: 64M)"; rc=1; }
udevadm settle
for d in /dev/send_udp /dev/receive_udp; do
	perm=$(stat -c '%G %a' $d 2>&1)
	diag "$d: $perm"
	[ "$perm" = "kudp 660" ] || { fail "$d: $perm, not kudp 660"; rc=1; }
done
# access(2) as nobody: with the group kudp, read and write; without, not.
gid=$(getent group kudp | cut -d: -f3)
setpriv --reuid=65534 --regid=65534 --groups="$gid" test -r /dev/receive_udp -a -w /dev/send_udp ||
	{ fail "nobody in the group kudp cannot use the devices"; rc=1; }
setpriv --reuid=65534 --regid=65534 --clear-groups test -r /dev/receive_udp -o -w /dev/send_udp &&
	{ fail "nobody outside the group kudp can use the devices"; rc=1; }
if [ $rc -eq 0 ]; then
	echo hello >$S/data
	for i in $(seq 150); do
		grep -q '^complete' $R/state && break
		sleep 0.1
	done
	[ "$(cat $R/data)" = hello ] || { fail "receive_udp data: '$(cat $R/data)', state $(cat $R/state)"; rc=1; }
fi
result $rc "modprobe of the DKMS-built modules with kudp.conf's 64M buffers; devices group kudp, mode 0660; sysfs round trip"

rc=0
st=$(kudpctl status --json) || { fail "kudpctl status: $st"; rc=1; }
echo "$st" | grep -q '"last_bytes": *6' || { fail "kudpctl status --json: $st"; rc=1; }
man -w kudpctl >/dev/null 2>&1 || [ -f /usr/share/man/man1/kudpctl.1.gz ] || { fail "no manual page"; rc=1; }
result $rc "kudpctl status --json from the package ($(command -v kudpctl)), man page installed"

# kudp-recv.service, started and stopped by systemd. virtme-ng's init is
# the guest's PID 1, so systemd runs as PID 1 of a PID namespace of its
# own, in container mode, on the guest's file systems (in a mount
# namespace of its own too, as unshare --mount-proc makes it), booted to a
# target that starts nothing but the journal. systemctl and journalctl
# run in those namespaces (sd): systemd refuses a client whose PID it
# cannot see. The unit is the installed one, unchanged: its ExecStartPre
# must load receive_udp (unloaded first), its sandbox (ProtectSystem=strict
# ...) applies, and StateDirectory= makes /var/lib/kudp. (Never on the
# host: its systemd-tmpfiles and udev would act on the host's files.)
rc=0
rmmod receive_udp || { fail "rmmod receive_udp"; rc=1; }
# One CPU while systemd runs. It turns static keys on as it starts (memory
# cgroups, cgroup BPF), and under TCG the other vCPU can then run a stale
# translation of the code being patched: seen on 6.12, "Oops: int3" in
# kmem_cache_free and a panic. The CPU comes back once systemd is gone.
cpu1=/sys/devices/system/cpu/cpu1/online
[ -e $cpu1 ] && echo 0 >$cpu1
snapshot >$W/pre-systemd
mkdir -p /run/systemd/system
printf '%s\n' '[Unit]' 'Description=kudp deb-check: the journal and nothing else' \
	'Wants=systemd-journald.socket systemd-journald.service' >/run/systemd/system/kudp-test.target
unshare --pid --fork --mount-proc env container=kudp-test /lib/systemd/systemd --system --unit=kudp-test.target --show-status=no >$W/systemd.log 2>&1 &
ns=$!
pid1=""
sd() { nsenter --target "$pid1" --pid --mount "$@"; }
t0=$SECONDS
for i in $(seq 600); do
	[ -n "$pid1" ] || pid1=$(pgrep -P $ns)
	[ -n "$pid1" ] && [ -S /run/systemd/private ] && break
	sleep 0.1
done
state=$(sd systemctl is-system-running --wait 2>&1)
diag "systemd $(sd systemctl --version | head -n 1 | cut -d' ' -f2) as PID 1 of its namespace: $state after $((SECONDS - t0)) s"
[ "$state" = running ] || { fail "systemd: $state; $(tail -n 5 $W/systemd.log)"; rc=1; }
sd systemctl start kudp-recv.service || { fail "systemctl start kudp-recv.service"; rc=1; }
[ -d /sys/module/receive_udp ] || { fail "ExecStartPre did not load receive_udp"; rc=1; }
journal() { sd journalctl -u kudp-recv.service --no-pager -q -o cat; }
for i in $(seq 300); do
	journal | grep -q "saving each message in" && break
	sleep 0.1
done
diag "systemctl is-active kudp-recv: $(sd systemctl is-active kudp-recv.service)"
head -c 3000003 /dev/urandom >$W/msg.bin
kudpctl send --to 127.0.0.1 $W/msg.bin 2>$W/send.err || { fail "kudpctl send: $(cat $W/send.err)"; rc=1; }
sed 's/^/# kudpctl send: /' $W/send.err
# A raw message completes 5 s (idle) after its last datagram.
for i in $(seq 300); do
	journal | grep -q "bytes=3000003 " && break
	sleep 0.1
done
saved=$(ls /var/lib/kudp)
diag "/var/lib/kudp: $saved"
case $saved in
kudp-*-seq*.bin) cmp $W/msg.bin "/var/lib/kudp/$saved" || { fail "the file saved differs"; rc=1; } ;;
*) fail "not one kudp-*.bin in /var/lib/kudp: '$saved'"; rc=1 ;;
esac
# Restart=on-failure: receive_udp unloaded under the service (kudpctl
# exits 3, a failure); RestartSec (5 s) later systemd starts it again, and
# its ExecStartPre loads the module again.
rmmod receive_udp || { fail "rmmod receive_udp under the service"; rc=1; }
for i in $(seq 300); do
	[ "$(sd systemctl show -P NRestarts kudp-recv.service)" -ge 1 ] && [ -d /sys/module/receive_udp ] &&
		[ "$(sd systemctl is-active kudp-recv.service)" = active ] && break
	sleep 0.1
done
restarts=$(sd systemctl show -P NRestarts kudp-recv.service)
diag "after rmmod receive_udp: $restarts restart(s), $(sd systemctl is-active kudp-recv.service), receive_udp $([ -d /sys/module/receive_udp ] && echo loaded again || echo not loaded)"
[ "$restarts" -ge 1 ] && [ -d /sys/module/receive_udp ] ||
	{ fail "systemd did not restart kudp-recv.service with receive_udp loaded"; rc=1; }
sd systemctl stop kudp-recv.service || { fail "systemctl stop kudp-recv.service"; rc=1; }
journal | sed 's/^/# journal: /'
journal | grep -q "bytes=3000003 .*file=/var/lib/kudp/$saved\$" ||
	{ fail "the journal has no line for the message saved"; rc=1; }
res=$(sd systemctl show -P Result kudp-recv.service)
[ "$res" = success ] || { fail "the service's result after systemctl stop: $res"; rc=1; }
kill -KILL "$pid1"
wait $ns
rm -f /run/systemd/system/kudp-test.target
[ -e $cpu1 ] && echo 1 >$cpu1
# What systemd's start itself made (the unit's default dependencies
# start sysinit.target: systemd-tmpfiles, the random seed ...), left out
# of the comparison after the purge. Not /var/lib/kudp: the unit's.
snapshot | comm -13 $W/pre-systemd - | grep -v '^/var/lib/kudp' >$W/systemd-made
[ -s $W/systemd-made ] && diag "made by systemd's start, not by the packages: $(xargs <$W/systemd-made)"
# Collected, as its user would: the purge then removes the empty directory.
[ -n "$saved" ] && rm -f "/var/lib/kudp/$saved"
result $rc "kudp-recv.service under systemd: ExecStartPre loaded receive_udp, a message saved into /var/lib/kudp, bytes match, logged to the journal, restarted after rmmod receive_udp ($restarts), stopped with result $res"

rc=0
rmmod send_udp && rmmod receive_udp || { fail "rmmod"; rc=1; }
dpkg --purge kudpctl kudp-dkms >$W/purge.log 2>&1 || { cat $W/purge.log | sed 's/^/# /'; rc=1; }
snapshot | comm -23 - $W/systemd-made >$W/after
if ! diff $W/before $W/after >$W/diff; then
	sed 's/^/# left behind or removed: /' $W/diff
	fail "the file system differs after the purge"
	rc=1
fi
dpkg -l | grep -E '^.i +(kudp|kudpctl) ' && { fail "still installed"; rc=1; }
modinfo send_udp >/dev/null 2>&1 && { fail "modinfo still finds send_udp"; rc=1; }
grep -q kudp "/usr/lib/modules/$kver/modules.dep" && { fail "modules.dep still names them"; rc=1; }
# Left on purge by choice, as Debian leaves system groups.
getent group kudp >/dev/null && diag "the group kudp stays after the purge (Debian practice)"
result $rc "dpkg --purge: nothing left (/usr/src, /var/lib/dkms, /lib/modules/$kver, /usr/bin, man, doc, /etc, udev rules, units, completion, /var/lib/kudp, /var/lib/systemd)"

bad=$(dmesg | grep -E "$BAD")
[ -z "$bad" ] || echo "$bad" | sed 's/^/# kernel log: /'
result "$([ -z "$bad" ] && echo 0 || echo 1)" "kernel log: no warning, BUG or oops"

echo "$passed $failed" >"$out/result"
echo "deb-guest: $passed passed, $failed failed"
