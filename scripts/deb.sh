#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb: the Debian packages kudp-dkms (architecture all: the module
# sources, which DKMS builds for each installed kernel) and kudpctl (the
# tool and its manual page), built with dpkg-buildpackage from debian/, in
# a copy of the tree under build/deb (dpkg-buildpackage writes into the
# parent directory), then checked with lintian: any error or warning fails;
# info and pedantic tags are printed. The packages land in build/deb/.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
deb=$(dpkg-parsechangelog -l debian/changelog -S Version)
[ "$deb" = "$ver" ] || { echo "deb: debian/changelog says $deb, dkms.conf $ver" >&2; exit 1; }
grep -q "usr/src/kudp-$ver/" debian/kudp-dkms.install ||
	{ echo "deb: debian/kudp-dkms.install does not install into usr/src/kudp-$ver" >&2; exit 1; }

out=build/deb
rm -rf "$out"
src=$out/kudp-$ver
mkdir -p "$src"
cp -r Kbuild Makefile dkms.conf ./*.c ./*.h include tools debian Documentation README.md TESTING.md "$src"/
rm -f "$src/tools/kudpctl"
rm -rf "$src/tools/arm64" "$src/tools/arm" "$src/tools/s390"
(cd "$src" && dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1 ||
	{ tail -n 30 "$out/build.log"; echo "deb: dpkg-buildpackage failed (build/deb/build.log)" >&2; exit 1; }
changes=$(ls "$out"/kudp_"$ver"_*.changes)
# --fail-on warning: any warning (or error) fails; info tags are printed.
if lintian --fail-on error,warning --info --display-info --pedantic "$changes" 2>&1 |
	grep -v 'running with root privileges' >"$out/lintian.log"; [ "${PIPESTATUS[0]}" -eq 0 ]; then
	sed 's/^/# lintian: /' "$out/lintian.log"
	echo "deb: $(cd "$out" && ls ./*.deb | xargs -n1 basename | xargs);" \
		"lintian (pedantic, info): $(grep -c . "$out/lintian.log") tags"
else
	cat "$out/lintian.log"
	echo "deb: lintian found problems" >&2
	exit 1
fi
