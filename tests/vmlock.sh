# SPDX-License-Identifier: GPL-2.0
#
# One kudp guest (or pair of guests) at a time on this machine: the lock
# /tmp/kudp-vm.lock, sourced by tests/run.sh, tests/arm.sh and tests/deb.sh.
# A guest under TCG keeps both cores busy: two at once each take about
# twice as long (measured on 2026-12-07: 1.8 to 2.2 times, test by test),
# and their timing checks would see it.
#
# A run started by a holder of the lock ("flock /tmp/kudp-vm.lock CMD")
# goes ahead at once: it holds that holder's lock, which flock(2) grants
# to every descriptor of the same open file. A run with KUDP_VM_BESIDE set
# takes no lock: make check starts the ARM guests so, under SCHED_IDLE, beside
# its x86 guests (scripts/check.sh), where they use the cores only while
# those wait.

VM_LOCK=/tmp/kudp-vm.lock

# vm_lock: hold the lock, waiting for any other run's guest. With a
# descriptor of it inherited, nothing to wait for and nothing to let go
# (vm_inherited).
vm_lock() {
	local fd
	if [ -n "${KUDP_VM_BESIDE:-}" ]; then
		vm_inherited=1
		return 0
	fi
	for fd in /proc/$BASHPID/fd/*; do
		[ "$(readlink "$fd")" = $VM_LOCK ] && flock -n "${fd##*/}" || continue
		vm_inherited=1
		return 0
	done
	exec 9>$VM_LOCK
	if ! flock -n 9; then
		echo "# waiting for $VM_LOCK: another kudp guest runs on this machine"
		flock 9
	fi
}

# vm_unlock: let go of what vm_lock took (descriptor 9; the guests are
# started with 9>&-, so that none of them outlives the run holding it).
vm_unlock() { [ -n "${vm_inherited:-}" ] || exec 9>&-; }
