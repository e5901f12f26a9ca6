#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch what cross-building and the ARM guests need from Debian's archive,
# without installing anything through apt: a private apt state (package
# lists for amd64, arm64 and armhf) under build/cross-cache/apt, and each
# package unpacked with dpkg -x into its own directory. Installing foreign
# headers through multiarch would make apt remove gcc, binutils, dkms and
# the host's headers; this touches nothing outside build/cross-cache.
#
#   scripts/cross-fetch.sh headers TARGET   print the KDIR for TARGET
#   scripts/cross-fetch.sh image TARGET     print the directory holding
#                                           TARGET's vmlinuz and modules
#   scripts/cross-fetch.sh sysroot DEBARCH  print a sysroot with DEBARCH's
#                                           libnl and zlib (static
#                                           libraries, for kudpctl)
#   scripts/cross-fetch.sh busybox DEBARCH  print the path of DEBARCH's
#                                           busybox (static)
#
# TARGET is one of
#   arm64-6.1    Debian's linux-headers-arm64 (bookworm's 6.1)
#   arm64-6.12   linux-headers-6.12-arm64
#   armmp-6.1    linux-headers-armmp (32-bit ARMv7)
#   armmp-lpae-6.1   linux-headers-armmp-lpae (ARMv7 with LPAE; fetched
#                on request, not built by make cross)
#   s390x-6.1    linux-headers-s390x (big-endian)
#
# A headers tree is linux-headers-VER-FLAVOUR with the -common tree and the
# host's linux-kbuild of the same version beside it (the headers' scripts
# symlink points at it; the Makefile's include is redirected into the
# cache). Package lists are refreshed when older than a day; what was
# unpacked once is reused (nothing is downloaded again). An index that does
# not download (a mirror in sync) is reported and the others are used: the
# version taken is then the newest the lists that came have.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${KUDP_CROSS_CACHE:-$top/build/cross-cache}
apt=$cache/apt
mkdir -p "$apt/archives/partial" "$apt/etc/parts" "$apt/debs"

cat >"$apt/etc/sources.list" <<'SRC'
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-updates main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security bookworm-security main
SRC

# One apt state per target architecture, each with amd64 beside it (the
# host's kbuild): an index that fails to download (a mirror in sync) then
# costs that architecture only the suite it is in, and the versions apt
# picks stay consistent within the state.
aptopts_for() {
	mkdir -p "$apt/lists-$1/partial"
	aptopts=(-o "Dir::State::Lists=$apt/lists-$1" -o "Dir::Cache=$apt"
		-o "Dir::Cache::archives=$apt/archives" -o "Dir::Cache::pkgcache="
		-o "Dir::Cache::srcpkgcache=" -o "Dir::Etc::SourceList=$apt/etc/sources.list"
		-o "Dir::Etc::SourceParts=$apt/etc/parts" -o "APT::Architecture=amd64"
		-o "APT::Architectures=amd64,$1" -o "Debug::NoLocking=1"
		-o "Acquire::Languages=none" -o "APT::Sandbox::User=root")
}

# refresh ARCH: the private package lists of ARCH, once a day.
refresh() {
	local stamp=$apt/updated-$1
	aptopts_for "$1"
	if [ -f "$stamp" ] && [ -n "$(find "$stamp" -mmin -1440)" ]; then
		return 0
	fi
	echo "cross-fetch: updating the package lists of $1 (build/cross-cache/apt)" >&2
	apt-get "${aptopts[@]}" update -qq >"$apt/update-$1.log" 2>&1 || true
	if ! ls "$apt/lists-$1/"*"_binary-$1_Packages"* >/dev/null 2>&1; then
		cat "$apt/update-$1.log" >&2
		return 1
	fi
	if grep -q '^E:' "$apt/update-$1.log"; then
		echo "cross-fetch: some $1 package lists did not download (build/cross-cache/apt/update-$1.log):" \
			"using the others" >&2
	fi
	touch "$stamp"
}

# candidate PKG:ARCH: the version apt would take.
candidate() {
	apt-cache "${aptopts[@]}" policy "$1" | sed -n 's/^  Candidate: //p' | grep -v '(none)'
}

# depends_on PKG:ARCH PATTERN: the first dependency of PKG matching PATTERN.
depends_on() {
	apt-cache "${aptopts[@]}" depends "$1" | sed -n 's/^  Depends: <\{0,1\}\([^:> ]*\).*/\1/p' |
		grep -E "$2" | head -n 1
}

# unpack PKG:ARCH [VERSION]: dpkg -x PKG (VERSION, or the candidate) into
# $apt/x/PKG_VER_ARCH; print that directory. A directory that exists is
# reused.
unpack() {
	local pkg=${1%%:*} arch=${1##*:} ver=${2:-} dir deb
	[ -n "$ver" ] || ver=$(candidate "$1") ||
		{ echo "cross-fetch: no package $1 in Debian's archive" >&2; return 1; }
	dir=$apt/x/${pkg}_${ver//:/%}_$arch
	if [ ! -f "$dir/.unpacked" ]; then
		rm -rf "$dir"
		mkdir -p "$dir"
		(cd "$apt/debs" && apt-get "${aptopts[@]}" download -qq "$pkg:$arch=$ver" >/dev/null) || return 1
		deb=$(ls "$apt/debs/${pkg}_${ver//:/%3a}_$arch.deb")
		dpkg -x "$deb" "$dir"
		# The unpacked tree is what is kept.
		rm -f "$deb"
		touch "$dir/.unpacked"
		echo "cross-fetch: unpacked $pkg $ver ($arch)" >&2
	fi
	echo "$dir"
}

# headers META ARCH: the KDIR of the headers META:ARCH depends on.
headers() {
	local meta=$1 arch=$2 pkg abi ver kv common kbuild hdir out
	pkg=$(depends_on "$meta:$arch" '^linux-headers-[0-9]')
	[ -n "$pkg" ] || { echo "cross-fetch: $meta:$arch names no headers package" >&2; return 1; }
	abi=${pkg#linux-headers-}
	ver=$(candidate "$pkg:$arch")
	hdir=$(unpack "$pkg:$arch" "$ver")
	# The -common tree and the host's kbuild of the same version (one
	# source package): linux-kbuild-6.1's name has no ABI number, and the
	# amd64 lists may be newer than the target's.
	common=$(depends_on "$pkg:$arch" '^linux-headers-.*-common')
	kbuild=$(depends_on "$pkg:$arch" '^linux-kbuild-')
	common=$(unpack "$common:all" "$ver")
	kbuild=$(unpack "$kbuild:amd64" "$ver")
	# One tree, laid out as /usr would be: the headers' relative symlinks
	# (scripts -> ../../lib/linux-kbuild-*/scripts) then resolve inside it.
	out=$cache/trees/$abi
	if [ ! -f "$out/.ready" ]; then
		rm -rf "$out"
		mkdir -p "$out/usr/src" "$out/usr/lib"
		cp -a "$hdir/usr/src/"* "$common/usr/src/"* "$out/usr/src/"
		cp -a "$kbuild/usr/lib/"* "$out/usr/lib/"
		kv=$out/usr/src/linux-headers-$abi
		sed -i "s|^include /usr/src/|include $out/usr/src/|" "$kv/Makefile"
		touch "$out/.ready"
	fi
	echo "$out/usr/src/linux-headers-$abi" >"$out/.kdir"
	echo "$ver" >"$out/.version"
	echo "$out/usr/src/linux-headers-$abi"
}

# image META ARCH: the unpacked linux-image package META:ARCH depends on.
image() {
	local pkg
	pkg=$(depends_on "$1:$2" '^linux-image-[0-9]')
	[ -n "$pkg" ] || { echo "cross-fetch: $1:$2 names no image package" >&2; return 1; }
	unpack "$pkg:$2"
}

case "${2:-}" in
arm64* | arm64) refresh arm64 ;;
armmp* | armhf) refresh armhf ;;
s390x*) refresh s390x ;;
*) ;;
esac
case "${1:-} ${2:-}" in
"headers arm64-6.1") headers linux-headers-arm64 arm64 ;;
"headers arm64-6.12") headers linux-headers-6.12-arm64 arm64 ;;
"headers armmp-6.1") headers linux-headers-armmp armhf ;;
"headers armmp-lpae-6.1") headers linux-headers-armmp-lpae armhf ;;
"headers s390x-6.1") headers linux-headers-s390x s390x ;;
"image s390x-6.1") image linux-image-s390x s390x ;;
"image arm64-6.1") image linux-image-arm64 arm64 ;;
"image arm64-6.12") image linux-image-6.12-arm64 arm64 ;;
"image armmp-6.1") image linux-image-armmp armhf ;;
"image armmp-lpae-6.1") image linux-image-armmp-lpae armhf ;;
"sysroot arm64" | "sysroot armhf" | "sysroot s390x")
	# .ready names the packages the sysroot holds: a sysroot made from
	# another list (before zlib1g-dev joined it) is made again.
	out=$cache/sysroot-$2
	pkgs="libnl-3-dev libnl-genl-3-dev libnl-3-200 libnl-genl-3-200 zlib1g-dev"
	if [ "$(cat "$out/.ready" 2>/dev/null)" != "$pkgs" ]; then
		rm -rf "$out"
		mkdir -p "$out"
		for p in $pkgs; do
			d=$(unpack "$p:$2")
			cp -a "$d/." "$out/"
		done
		echo "$pkgs" >"$out/.ready"
	fi
	echo "$out"
	;;
"busybox arm64" | "busybox armhf" | "busybox s390x")
	d=$(unpack "busybox-static:$2")
	echo "$d/bin/busybox"
	;;
*)
	sed -n '3,33s/^# \{0,1\}//p' "$0" >&2
	exit 2
	;;
esac
