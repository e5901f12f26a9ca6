#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The kudp test suite's runner. Runs as root inside a QEMU guest started by
# tests/run.sh:
#
#   guest.sh MODDIR OUTDIR SUITE[,SUITE...] [TEST...]   the suites' tests
#                                  (only the TESTs named, if any)
#   guest.sh MODDIR OUTDIR demo    a short, readable round trip
#   guest.sh MODDIR OUTDIR --one TEST   one test, without the runner's
#                                  log scan and cleanup
#   guest.sh - - --list SUITE[,SUITE...]   the names of the suites' tests
#
# MODDIR holds send_udp.ko and receive_udp.ko built for the running kernel;
# OUTDIR is writable and shared with the host. Prints KTAP; writes "PASSED
# FAILED" to OUTDIR/result. Every test also fails if the kernel logged a
# warning, BUG, oops or atomic-sleep report while it ran.
#
# The tests are the t_* functions of tests/guest/*.sh, a file per topic,
# sourced after tests/lib.sh (the helpers) in the order of their names.
# Each test names its suites on the line right above it:
#
#   # suites: main contexts
#   t_client_to_receiver() {
#
# A suite runs its tests in that order: file by file (the number that
# starts a file's name places it), then line by line. A t_* function
# without that line, or a suite named there that is not one of these
# below, makes --list and every run of a suite fail (exit status 2, with
# a message saying where); --one and demo run regardless.
#
# The suites:
#   main      the modules' behaviour: tests/run.sh runs it (and small,
#             reliable) on the newest kernel.
#   every     the tests that also run on every older kernel (make check
#             runs this suite there, not main, small and reliable): those
#             that go through what differs between kernels, the kernel's
#             own code that the modules call and the compat code Kbuild
#             picks (kudp_hrtimer_setup(), kudp_class_create(), the
#             unaligned header): the socket, its callbacks and GRO/GSO,
#             the idle and pacing hrtimers, the encapsulation hook of
#             peer, the device class, generic netlink, the reliable
#             mode's IP_PKTINFO answers, and teardown in each state. The
#             module logic above those calls is the same code on every
#             kernel, and the unit tier tests its pure part. A "Why
#             every:" line above each says what it stands for.
#   once      the main suite's tests whose verdict no kernel version
#             changes (the modules' metadata, the documents against the
#             files, kudpctl's own errors, make bench's plumbing, the log
#             scan): tests/run.sh runs them with the main suite of the last
#             kernel only. A "Why once:" line above each says which.
#   small     its tests make the guest look like a machine with 512 MiB
#             (small_machine).
#   big       a 4 GiB transfer: 10 GiB of memory (make check-slow).
#   contexts  the tests whose code runs in more than one context (softirq
#             callback, hrtimer, work items, parameter callbacks, file
#             operations, netlink) or tears down while something runs:
#             what the debug kernel's checkers are for. make check runs
#             these on it; make check-debug runs every suite. Each context
#             once: the receive path in softirq with the idle timer, on
#             both CPUs at once, through GRO, past the peer filter and to
#             the full rule; a send from a parameter write and one paced
#             by the hrtimer; a zero-copy send's pages outliving the
#             buffer in datagrams the stack holds; readers woken by the completion, writers
#             killed mid-write; events to listeners; the reliable mode's
#             control datagrams and its parser on forged input; teardown
#             in each state, under a flood, against parameter writes, open
#             files, a listener and the reliable mode's timers, and before
#             init ends. A "Why contexts:" line above each test says which
#             it stands for.
#   reliable  mode=reliable over loopback (make check's reliable suite).
#   stress    make stress.
#   fuzz      tests/fuzz.py: make fuzz.
#   bench     tests/bench.py: make bench.
set -u

MOD=$1
OUT=$2
SUITE=$3
shift 3
ONLY="$*"
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
for topic in "$HERE"/guest/*.sh; do
	. "$topic"
done
unset topic

# The suites a test may name.
SUITES="main every once small big stress fuzz bench reliable contexts"

# discover: a line "TEST SUITE..." for each test of tests/guest/*.sh, in
# the order of the files, then of their lines, with the suites its
# "# suites:" line names. Fails (2), saying where, on a test without that
# line, a suite that is not one of SUITES, a "# suites:" line that is not
# right above a test, a test defined twice, or a t_* function defined in
# some other form than "t_NAME() {" (which the tags could not see).
discover() {
	local tags defined
	tags=$(awk -v suites="$SUITES" '
		function bad(where, msg) { print "tests/guest: " where ": " msg >"/dev/stderr"; err = 1 }
		BEGIN { known = " " suites " " }
		FNR == 1 && tagat != "" { bad(tagat, "a \"# suites:\" line above no test"); tagat = "" }
		/^# suites:/ {
			if (tagat != "")
				bad(tagat, "a \"# suites:\" line above no test")
			tag = $0
			sub(/^# suites:/, "", tag)
			tagat = FILENAME ":" FNR
			next
		}
		/^t_[A-Za-z0-9_]+\(\)/ {
			name = $0
			sub(/\(\).*/, "", name)
			sub(/^t_/, "", name)
			where = FILENAME ":" FNR
			line = name
			if (tagat == "")
				bad(where, "t_" name " has no \"# suites: SUITE...\" line right above it")
			else if (split(tag, s, " ") == 0)
				bad(tagat, "t_" name ": a \"# suites:\" line naming no suite")
			for (i = 1; tagat != "" && i in s; i++) {
				if (index(known, " " s[i] " ") == 0)
					bad(tagat, "t_" name ": no suite \"" s[i] "\" (the suites: " suites ")")
				line = line " " s[i]
			}
			if (name in seen)
				bad(where, "t_" name " is defined twice (also at " seen[name] ")")
			seen[name] = where
			print line
			tagat = ""
			next
		}
		tagat != "" { bad(tagat, "a \"# suites:\" line not right above a t_* function"); tagat = "" }
		END {
			if (tagat != "")
				bad(tagat, "a \"# suites:\" line above no test")
			exit err ? 2 : 0
		}' "$HERE"/guest/*.sh) || return 2
	# The shell's t_* functions are the ones the tags were read for.
	defined=$(declare -F | awk '$3 ~ /^t_/ { print substr($3, 3) }' | sort)
	if [ "$defined" != "$(echo "$tags" | awk '{ print $1 }' | sort)" ]; then
		echo "tests/guest: t_* functions not written \"t_NAME() {\" at the start of a line: $(comm -23 <(echo "$defined") <(echo "$tags" | awk '{ print $1 }' | sort) | xargs)" >&2
		return 2
	fi
	echo "$tags"
}

# suite_tests SUITE[,SUITE...]: the names of the suites' tests, in order
# (TAGS: discover's lines).
suite_tests() {
	local suite name tags
	for suite in ${1//,/ }; do
		case " $SUITES " in
		*" $suite "*) ;;
		*) echo "unknown suite $suite (the suites: $SUITES)" >&2; return 2 ;;
		esac
		while read -r name tags; do
			case " $tags " in *" $suite "*) echo "$name" ;; esac
		done <<<"$TAGS"
	done
}

# guest.sh MODDIR OUTDIR --one TEST: run one test.
if [ "$SUITE" = --one ]; then
	set +e
	"t_$1"
	exit $?
fi

if [ "$SUITE" = demo ]; then
	demo
	exit $?
fi

TAGS=$(discover) || exit 2

# guest.sh - - --list SUITE[,SUITE...]: the names of the suites' tests.
if [ "$SUITE" = --list ]; then
	tests=$(suite_tests "${1:-}") || exit 2
	echo $tests
	exit
fi

tests=$(suite_tests "$SUITE") || exit 2
if [ -n "$ONLY" ]; then
	sel=""
	for t in $tests; do
		case " $ONLY " in *" $t "*) sel="$sel $t" ;; esac
	done
	tests=$sel
fi

KUDP_TMP=$(mktemp -d)
export KUDP_TMP
TMP=$KUDP_TMP
py_serve "$OUT/pyserve.log"

echo "KTAP version 1"
echo "# $(uname -r), $(nproc) CPUs, $(free -m | awk '/Mem:/ { print $2 }') MiB"
echo "1..$(echo $tests | wc -w)"
n=0
passed=0
failed=0
first_seq=$($KMSG last)
for t in $tests; do
	n=$((n + 1))
	seq=$($KMSG last)
	t0=$SECONDS
	limit=300
	case $t in
	big_4g | stress_* | bench) limit=1500 ;;
	fuzz) limit=$((${KUDP_FUZZ_SECONDS:-120} + 300)) ;;
	esac
	run_test "$t" "$limit"
	rc=$?
	[ $rc -eq 124 ] && diag "FAIL: no result after $limit s"
	unload_all || { diag "FAIL: modules left loaded"; rc=1; }
	bad=$(scan_log "$seq")
	if [ -n "$bad" ]; then
		diag "FAIL: the kernel log has:"
		echo "$bad" | head -n 40 | sed 's/^/#   /'
		rc=1
	fi
	if [ $rc -eq 0 ]; then
		echo "ok $n $t # $((SECONDS - t0)) s"
		passed=$((passed + 1))
	else
		echo "not ok $n $t"
		log_since "$seq" | grep -E 'send_udp|receive_udp' | tail -n 15 | sed 's/^/#   log: /'
		failed=$((failed + 1))
	fi
	# Nothing a test changed outlives it (run_test killed what it started).
	[ -e "$TMP/.loopback-held" ] && release_loopback
	[ -e /sys/class/net/kudp0 ] && ip link del kudp0
	[ -e /run/netns/kudp ] && ip netns del kudp
	# A file system a test mounted in its TMP (a small tmpfs). (The
	# runner's steps after each test are shell builtins where they can be:
	# a process costs 50 to 150 ms under emulation.)
	mapfile -t mounts </proc/mounts
	for m in "${mounts[@]}"; do
		m=${m#* }
		m=${m%% *}
		[[ $m != "$TMP/"* ]] || umount "$m"
	done
	free_memory
	rm -rf "${TMP:?}" && mkdir "$TMP"
done

log_since "$first_seq" >"$OUT/kmsg.log"
echo "$passed $failed" >"$OUT/result"
echo "# $SUITE: $passed passed, $failed failed"
exit 0
