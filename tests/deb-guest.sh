#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# In a guest (tests/deb.sh): install kudp-dkms and kudpctl from DEBDIR,
# load the modules DKMS built, run the sysfs round trip and kudpctl status,
# unload, purge both packages, and check that nothing is left behind. The
# guest's writes go to overlays: the host never sees them. Prints KTAP and
# writes "PASSED FAILED" to OUT/result.
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
snapshot() {
	find /usr/src /var/lib/dkms /usr/lib/modules/"$kver" /usr/bin /usr/share/man/man1 \
		/usr/share/doc /etc 2>/dev/null |
		grep -vxE '/etc/ld\.so\.cache|/var/lib/dkms/mok\.(key|pub)' | sort
}

echo "KTAP version 1"
diag "kernel $kver"
snapshot >/tmp/before
dmesg -c >/dev/null

t0=$(date +%s)
dpkg -i "$debdir"/kudp-dkms_"$ver"_all.deb "$debdir"/kudpctl_"$ver"_*.deb >/tmp/install.log 2>&1
rc=$?
sed 's/^/# dpkg: /' /tmp/install.log | grep -Ei 'error|warning|installing|building|depmod|done' | head -20
[ $rc -eq 0 ] && dkms status -m kudp | grep -q "kudp/$ver, $kver, .*: installed"
rc=$?
dkms status -m kudp | sed 's/^/# dkms status: /'
result $rc "dpkg -i kudp-dkms kudpctl: DKMS built and installed the modules for $kver ($(($(date +%s) - t0)) s)"

rc=0
modinfo -n send_udp | grep -q "/updates/dkms/send_udp.ko" || { fail "modinfo: $(modinfo -n send_udp 2>&1)"; rc=1; }
modprobe receive_udp buffer_size=1M && modprobe send_udp buffer_size=1M || { fail "modprobe"; rc=1; }
if [ $rc -eq 0 ]; then
	echo hello >$S/data
	for i in $(seq 150); do
		grep -q '^complete' $R/state && break
		sleep 0.1
	done
	[ "$(cat $R/data)" = hello ] || { fail "receive_udp data: '$(cat $R/data)', state $(cat $R/state)"; rc=1; }
fi
result $rc "modprobe of the DKMS-built modules, sysfs round trip"

rc=0
st=$(kudpctl status --json) || { fail "kudpctl status: $st"; rc=1; }
echo "$st" | grep -q '"last_bytes": *6' || { fail "kudpctl status --json: $st"; rc=1; }
man -w kudpctl >/dev/null 2>&1 || [ -f /usr/share/man/man1/kudpctl.1.gz ] || { fail "no manual page"; rc=1; }
result $rc "kudpctl status --json from the package ($(command -v kudpctl)), man page installed"

rc=0
rmmod send_udp && rmmod receive_udp || { fail "rmmod"; rc=1; }
dpkg --purge kudpctl kudp-dkms >/tmp/purge.log 2>&1 || { cat /tmp/purge.log | sed 's/^/# /'; rc=1; }
snapshot >/tmp/after
if ! diff /tmp/before /tmp/after >/tmp/diff; then
	sed 's/^/# left behind or removed: /' /tmp/diff
	fail "the file system differs after the purge"
	rc=1
fi
dpkg -l | grep -E '^.i +(kudp|kudpctl) ' && { fail "still installed"; rc=1; }
modinfo send_udp >/dev/null 2>&1 && { fail "modinfo still finds send_udp"; rc=1; }
grep -q kudp "/usr/lib/modules/$kver/modules.dep" && { fail "modules.dep still names them"; rc=1; }
result $rc "dpkg --purge: nothing left (/usr/src, /var/lib/dkms, /lib/modules/$kver, /usr/bin, man, doc, /etc)"

bad=$(dmesg | grep -E "$BAD")
[ -z "$bad" ] || echo "$bad" | sed 's/^/# kernel log: /'
result "$([ -z "$bad" ] && echo 0 || echo 1)" "kernel log: no warning, BUG or oops"

echo "$passed $failed" >"$out/result"
echo "deb-guest: $passed passed, $failed failed"
