#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build and install kudp with DKMS for every installed kernel, into a
# scratch tree under build/dkms (nothing on the system changes), and check
# that both modules land where DKMS puts them.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
grep -q "KUDP_VERSION.*\"$ver\"" kudp_core.h || {
	echo "dkms.conf says version $ver; kudp_core.h says otherwise" >&2
	exit 1
}
scratch=$top/build/dkms
rm -rf "$scratch"
mkdir -p "$scratch/source/kudp-$ver" "$scratch/tree" "$scratch/install"
cp -r Kbuild Makefile dkms.conf ./*.c ./*.h include "$scratch/source/kudp-$ver/"
trees=(--sourcetree "$scratch/source" --dkmstree "$scratch/tree" --installtree "$scratch/install")

dkms add -m kudp -v "$ver" "${trees[@]}" >"$scratch/log" 2>&1
status=0
for kdir in /usr/src/linux-headers-*-amd64; do
	kver=${kdir#/usr/src/linux-headers-}
	mkdir -p "$scratch/install/$kver"
	if dkms build -m kudp -v "$ver" -k "$kver" --kernelsourcedir "$kdir" "${trees[@]}" >>"$scratch/log" 2>&1 &&
	   dkms install -m kudp -v "$ver" -k "$kver" --kernelsourcedir "$kdir" --no-depmod \
		"${trees[@]}" >>"$scratch/log" 2>&1 &&
	   ls "$scratch/install/$kver/updates/dkms/send_udp.ko"* >/dev/null 2>&1 &&
	   ls "$scratch/install/$kver/updates/dkms/receive_udp.ko"* >/dev/null 2>&1; then
		echo "ok - dkms build and install for $kver"
	else
		echo "not ok - dkms build and install for $kver (log: build/dkms/log)"
		tail -n 20 "$scratch/log" | sed 's/^/# /'
		status=1
	fi
done
exit $status
