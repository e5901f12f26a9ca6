#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything kudp needs on Debian 12 (bookworm): kernel headers and
# images for the Debian 6.1 and 6.12 kernels, QEMU, virtme-ng (from trixie,
# pinned so that nothing else is upgraded), sparse, the kernel sources for
# checkpatch/coccinelle, the userspace test clients, and for the boards:
# the arm64, armhf and s390x cross compilers, qemu-system-arm (which has
# qemu-system-aarch64 too), qemu-system-misc (qemu-system-s390x: a
# big-endian guest) and the Debian packaging tools (make deb; bash-completion
# has dh_bash-completion); vde2 (a virtual Ethernet switch for three guests
# or more) and udpcast (the user-space multicast peer).
# Foreign-architecture headers, kernels and libraries are never installed
# through apt: scripts/cross-fetch.sh unpacks them into build/cross-cache.
#
# Idempotent: a second run installs nothing and takes a second or two.
set -euo pipefail

want=(
	build-essential bc bison flex libelf-dev libssl-dev kmod cpio
	linux-headers-amd64 linux-image-amd64
	linux-headers-6.12-amd64 linux-image-6.12-amd64
	qemu-system-x86 qemu-utils busybox-static
	sparse coccinelle ocaml-nox cppcheck dkms
	socat python3 iproute2 util-linux iputils-ping iperf3 openssl gnuplot-nox
	vde2 udpcast
	linux-source-6.1 linux-source-6.12
	libnl-genl-3-dev zlib1g-dev pkg-config
	virtme-ng
	gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf libc6-dev-arm64-cross libc6-dev-armhf-cross
	gcc-s390x-linux-gnu libc6-dev-s390x-cross
	qemu-system-arm qemu-system-misc
	debhelper dh-dkms lintian bash-completion
)

missing=()
for p in "${want[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "setup: all dependencies present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "setup: missing packages: ${missing[*]}; run as root (or with sudo)" >&2
	exit 1
fi

# virtme-ng is not in bookworm; trixie has it (architecture all). A low pin
# keeps every other package on bookworm.
if ! apt-cache policy virtme-ng 2>/dev/null | grep -q trixie; then
	if [ -f /etc/apt/sources.list.d/debian.sources ] &&
	   ! grep -q trixie /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null; then
		cat >/etc/apt/sources.list.d/kudp-trixie.sources <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	fi
	cat >/etc/apt/preferences.d/kudp-trixie <<'PIN'
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
echo "setup: installing ${missing[*]}"
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
