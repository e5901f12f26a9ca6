#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# sparse-log.sh LOG: check the log of a module build with C=2 (not -s):
# sparse checked every C file of the modules (a " CHECK " line names each)
# and found nothing (no "warning:" or "error:" line but Kbuild's note that
# kudp_core.o is linked into two modules). Prints the files checked, or
# what is wrong; exits non-zero then.
set -u
log=$1
top=$(cd "$(dirname "$0")/.." && pwd)
status=0
checked=""
# Every C file at the top is one of the modules' (Kbuild links them), but
# modpost's *.mod.c, left there by a build in the tree.
for f in "$top"/*.c; do
	f=$(basename "$f")
	[[ $f == *.mod.c ]] && continue
	if grep -Eq " CHECK .*/$f\$" "$log"; then
		checked="$checked $f"
	else
		echo "sparse-log: sparse never checked $f (no CHECK line in $log)"
		status=1
	fi
done
if grep -E 'warning:|error:' "$log" | grep -v 'is added to multiple modules'; then
	status=1
fi
[ $status -eq 0 ] && echo "sparse checked$checked: no finding"
exit $status
