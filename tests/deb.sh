#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb-check: build the Debian packages (scripts/deb.sh, lintian
# included), then install them in a guest of the newest installed Debian
# kernel (virtme-ng, TCG, holding /tmp/kudp-vm.lock), check what they
# install (modprobe.d, udev rule and group, unit, completion, manual), load
# the modules DKMS built, run the sysfs round trip and kudpctl, run
# kudp-recv.service's command until it has saved a message into
# /var/lib/kudp, purge, and check that nothing is left behind
# (tests/deb-guest.sh). Ends with "N passed, N failed".
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
. tests/vmlock.sh
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
kver=${KUDP_DEB_KERNEL:-$(ls /boot/vmlinuz-* | sed 's|/boot/vmlinuz-||' | sort -V | tail -n 1)}
out=build/deb-guest
echo "KTAP version 1"
if scripts/deb.sh; then
	echo "ok 1 - make deb: packages built, lintian clean"
else
	echo "not ok 1 - make deb"
	echo "0 passed, 1 failed"
	exit 1
fi
rm -rf "$out"
mkdir -p "$out"
vm_lock
t0=$(date +%s)
timeout --foreground 900 vng --run "/boot/vmlinuz-$kver" --disable-kvm --force-9p --cpus 2 \
	--memory 2G -v --rwdir "$top/$out=$top/$out" \
	--exec "bash $top/tests/deb-guest.sh $top/build/deb $top/$out $ver" \
	2>"$out/console.log" </dev/null 9>&- | sed -u 's/^/    /'
vm_unlock
echo "# time: the guest of $kver: $(($(date +%s) - t0)) s"
if ! read -r p f <"$out/result"; then
	echo "not ok 2 - the guest gave no result (console: $out/console.log)"
	tail -n 20 "$out/console.log" | sed 's/^/# /'
	echo "1 passed, 1 failed"
	exit 1
fi
echo "$((p + 1)) passed, $f failed"
[ "$f" -eq 0 ]
