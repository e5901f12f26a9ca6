#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Coccinelle checks of every C file of the modules (the top level's *.c),
# in report mode:
#
#  1. every semantic patch of coccinelle/ on our sources: any finding fails;
#  2. every semantic patch of coccinelle/ on its sample,
#     coccinelle/tests/<rule>.c: each line marked BUG there must be
#     reported, and no other line;
#  3. the kernel's own semantic patches of scripts/coccinelle/{free,null,
#     locks,api} on our sources (and headers), with the options the
#     kernel's scripts/coccicheck gives them: any finding fails.
#
# Usage: coccicheck.sh [KERNEL_VERSION]
#
# KERNEL_VERSION (6.1 or 6.12, default 6.12) picks the linux-source tree
# for step 3, extracted by scripts/kernel-src.sh; KSRC=<dir> uses another
# tree instead. JOBS (default 2) is spatch's --jobs. Our sources are copied
# to build/coccicheck/ so that spatch sees nothing else.
#
# Prints the findings, then one summary line; exits 1 if anything failed.
set -euo pipefail

cd "$(dirname "$0")/.."
top=$PWD
kver=${1:-6.12}
jobs=${JOBS:-2}
# The modules' C files: not modpost's *.mod.c of a build in the tree.
sources=()
for f in *.c; do
	[[ $f == *.mod.c ]] || sources+=("$f")
done
kernel_dirs=(free null locks api)

start=$SECONDS
failed=()

die() {
	echo "coccicheck: $*" >&2
	exit 1
}

command -v spatch >/dev/null || die "spatch not found: install coccinelle (scripts/setup.sh)"
spatch_version=$(spatch --version | awk 'NR == 1 { print $3 }')

# The "// Options:" line of a semantic patch, as the kernel's coccicheck
# reads it.
rule_options() {
	sed -n 's|^// Options:||p' "$1" | head -n 1
}

# Our sources alone, in a scratch directory.
work=$top/build/coccicheck
src=$work/src
rm -rf "$work"
mkdir -p "$src"
cp "${sources[@]}" ./*.h "$src/"
cp -r include "$src/"
err=$work/spatch.err

# spatch in report mode; findings (stdout) go to $work/out, with the
# scratch directory's path taken off. Fails if spatch fails.
run_spatch() {
	local status=0

	spatch -D report --no-show-diff --very-quiet "$@" >"$work/out.raw" 2>"$err" || status=$?
	sed "s|$src/||g" "$work/out.raw" >"$work/out"
	if [ $status -ne 0 ]; then
		echo "coccicheck: spatch failed (exit $status): spatch $*" >&2
		cat "$err" >&2
		return 1
	fi
}

# ------------------------------------------------------------------------
# 1 and 2: our rules

rules=(coccinelle/*.cocci)
[ -e "${rules[0]}" ] || die "no semantic patch in coccinelle/"
own_findings=0
samples_ok=0

for rule in "${rules[@]}"; do
	name=$(basename "$rule" .cocci)
	read -r -a opts <<<"$(rule_options "$rule")"

	# 1: silent on our sources (one file at a time, as --dir would).
	for f in "${sources[@]}"; do
		if ! run_spatch --cocci-file "$rule" "${opts[@]}" \
			-I "$src/include" "$src/$f"; then
			failed+=("$name: spatch error")
			continue
		fi
		if [ -s "$work/out" ]; then
			cat "$work/out"
			own_findings=$((own_findings + $(wc -l <"$work/out")))
			failed+=("$name: findings in $f")
		fi
	done

	# 2: catches exactly the BUG lines of its sample.
	sample=coccinelle/tests/$name.c
	if [ ! -f "$sample" ]; then
		echo "coccicheck: $rule has no sample $sample" >&2
		failed+=("$name: no sample")
		continue
	fi
	if ! run_spatch --cocci-file "$rule" "${opts[@]}" -I include "$sample"; then
		failed+=("$name: spatch error on its sample")
		continue
	fi
	want=$(grep -n '/\* BUG \*/' "$sample" | cut -d: -f1 | sort -un | tr '\n' ' ')
	got=$(cut -d: -f2 "$work/out" | sort -un | tr '\n' ' ')
	if [ -z "$got" ]; then
		echo "coccicheck: $rule reports nothing on $sample" >&2
		failed+=("$name: silent on its sample")
	elif [ "$got" != "$want" ]; then
		echo "coccicheck: $rule on $sample: reported lines [${got% }], lines marked BUG [${want% }]:" >&2
		cat "$work/out" >&2
		failed+=("$name: wrong lines on its sample")
	else
		samples_ok=$((samples_ok + 1))
	fi
done

# ------------------------------------------------------------------------
# 3: the kernel's rules

if [ -n "${KSRC:-}" ]; then
	ksrc=$KSRC
else
	ksrc=$(scripts/kernel-src.sh "$kver")
fi
[ -d "$ksrc/scripts/coccinelle" ] || die "$ksrc has no scripts/coccinelle"

case $(uname -m) in
x86_64 | i?86) srcarch=x86 ;;
aarch64) srcarch=arm64 ;;
arm*) srcarch=arm ;;
*) srcarch=$(uname -m) ;;
esac
# What scripts/coccicheck passes (LINUXINCLUDE), plus our include/.
kinc=(-I "$ksrc/arch/$srcarch/include" -I "$ksrc/arch/$srcarch/include/generated"
      -I "$ksrc/include" -I "$ksrc/arch/$srcarch/include/uapi"
      -I "$ksrc/arch/$srcarch/include/generated/uapi" -I "$ksrc/include/uapi"
      -I "$ksrc/include/generated/uapi"
      --include "$ksrc/include/linux/compiler-version.h"
      --include "$ksrc/include/linux/kconfig.h"
      -I "$src/include")
have_ocaml=no
if command -v ocamlopt >/dev/null || command -v ocamlopt.opt >/dev/null; then
	have_ocaml=yes
fi

kernel_rules=0
kernel_findings=0
skipped=()
mapfile -t krules < <(cd "$ksrc/scripts/coccinelle" &&
		      find "${kernel_dirs[@]}" -name '*.cocci' -type f | sort)
for r in "${krules[@]}"; do
	rule=$ksrc/scripts/coccinelle/$r
	req=$(sed -n 's|^// Requires:[[:space:]]*||p' "$rule" | head -n 1)
	if [ -n "$req" ] && ! printf '%s\n%s\n' "$req" "$spatch_version" | sort -CV; then
		skipped+=("$r (needs spatch $req)")
		continue
	fi
	if [ $have_ocaml = no ] && grep -q '^@[^@]*:ocaml' "$rule"; then
		skipped+=("$r (OCaml script: needs ocamlopt)")
		continue
	fi
	read -r -a opts <<<"$(rule_options "$rule")"
	kernel_rules=$((kernel_rules + 1))
	if ! run_spatch --cocci-file "$rule" "${opts[@]}" --dir "$src" "${kinc[@]}" \
		--jobs "$jobs" --chunksize 1; then
		failed+=("kernel $r: spatch error")
		continue
	fi
	if [ -s "$work/out" ]; then
		sed "s|^|[$r] |" "$work/out"
		kernel_findings=$((kernel_findings + $(wc -l <"$work/out")))
		failed+=("kernel $r: findings")
	fi
done
for s in "${skipped[@]}"; do
	echo "coccicheck: skipped $s" >&2
done

# ------------------------------------------------------------------------

summary="${#rules[@]} kudp rules: $own_findings findings, $samples_ok/${#rules[@]} samples caught;"
summary+=" $kernel_rules kernel rules ($(basename "$ksrc"): ${kernel_dirs[*]}): $kernel_findings findings"
[ ${#skipped[@]} -eq 0 ] || summary+=", ${#skipped[@]} skipped"
summary+="; on ${#sources[@]} files (${sources[*]}); $((SECONDS - start)) s"
if [ ${#failed[@]} -ne 0 ]; then
	printf 'coccicheck: failed: %s\n' "${failed[@]}" >&2
	echo "coccicheck: FAILED: $summary"
	exit 1
fi
echo "coccicheck: OK: $summary"
