#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Load a module with each allocation of its init failing in turn.

  failnth.py [--stride K:O] BAD NOISE MODULE.ko [PARAM=VALUE...]

For N = 1, 2, ... (with --stride K:O, only the N with N % K == O, up to
the first N past the last allocation: a K-th of them): write N to
/proc/thread-self/fail-nth, load the module with finit_module(2) from
this same thread, read fail-nth back (0: the Nth
allocation came and failed), and unload the module if it loaded. With the
stack-trace filter of failslab and fail_page_alloc aimed at the modules'
text (tests/fault.sh sets require-start/require-end), only allocations made
from the modules' code count: N walks the allocations of init one by one,
and ends when init makes fewer than N.

Each failed load must return an errno, log a line of the module's own
("MODULE: ...") and leave the module unloaded; the kernel log must have no
line matching the regular expression BAD, except lines matching NOISE. Prints "# " lines for every
problem and a summary; exits 1 if there was a problem.
"""
import collections
import ctypes
import errno
import os
import re
import sys
import time

SYS_FINIT_MODULE = 313  # x86_64
SYS_DELETE_MODULE = 176
MAX_N = 1000

libc = ctypes.CDLL(None, use_errno=True)


class Kmsg:
    """The kernel log from now on, record by record."""

    def __init__(self):
        self.fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK)
        os.lseek(self.fd, 0, os.SEEK_END)

    def new(self):
        out = []
        while True:
            try:
                rec = os.read(self.fd, 16384)
            except BlockingIOError:
                return out
            except OSError as e:
                if e.errno == errno.EPIPE:
                    continue
                raise
            msg = rec.decode(errors="replace").partition(";")[2]
            out.append(msg.split("\n", 1)[0])


def loaded(name):
    with open("/proc/modules") as f:
        return any(line.split(" ", 1)[0] == name for line in f)


def load(path, params, nth):
    """Load with the nth allocation failing: (errno or 0, injected)."""
    ctl = "/proc/thread-self/fail-nth"
    fd = os.open(path, os.O_RDONLY)
    try:
        with open(ctl, "w") as f:
            f.write(str(nth))
        ret = libc.syscall(SYS_FINIT_MODULE, fd, params.encode(), 0)
        err = ctypes.get_errno() if ret else 0
        with open(ctl) as f:
            left = int(f.read())
        if left:
            with open(ctl, "w") as f:
                f.write("0")
    finally:
        os.close(fd)
    return err, not left


def unload(name):
    """Unload; a file open for a moment (tests/fault.sh keeps opening the
    devices) makes it EWOULDBLOCK: try again, for up to 10 s."""
    for _ in range(1000):
        if not libc.syscall(SYS_DELETE_MODULE, name.encode(), os.O_NONBLOCK):
            return 0
        err = ctypes.get_errno()
        if err != errno.EWOULDBLOCK:
            return err
        time.sleep(0.01)
    return err


def where(path, params, name, n, kmsg):
    """The stack of the nth allocation: load again with the fault
    attributes' verbose at 2 (a stack dump), unload, restore."""
    attrs = ["/sys/kernel/debug/failslab/verbose",
             "/sys/kernel/debug/fail_page_alloc/verbose"]
    for a in attrs:
        with open(a, "w") as f:
            f.write("2")
    try:
        err, _ = load(path, params, n)
        if not err:
            unload(name)
    finally:
        for a in attrs:
            with open(a, "w") as f:
                f.write("1")
    frames = [m.strip() for m in kmsg.new() if "+0x" in m]
    # From the allocator's caller on: skip the fault-injection frames.
    skip = ("dump_stack", "should_fail", "fail_dump", "should_failslab",
            "should_fail_alloc_page", "kmem_cache_alloc", "__kmalloc",
            "kmalloc", "slab_pre_alloc_hook", "prepare_alloc_pages",
            "__alloc_pages", "alloc_pages")
    frames = [f for f in frames if not f.startswith("?") and not f.startswith(skip)]
    # Up to the first frame in the module.
    for i, f in enumerate(frames):
        if f.endswith(f"[{name}]"):
            return frames[:i + 1]
    return frames[:10]


def main():
    args = sys.argv[1:]
    stride, offset = 1, 0
    if args[0] == "--stride":
        stride, offset = (int(x) for x in args[1].split(":"))
        args = args[2:]
    bad, noise = re.compile(args[0]), re.compile(args[1])
    path, params = args[2], " ".join(args[3:])
    name = os.path.basename(path)[:-3]
    kmsg = Kmsg()
    problems = 0
    errs = collections.Counter()
    sites = 0

    def problem(n, what, log):
        nonlocal problems
        problems += 1
        print(f"# FAIL: {name} {params}: allocation {n} failing: {what}")
        for line in log[-12:]:
            print(f"#   log: {line}")

    walked = 0
    for n in range(1, MAX_N + 1):
        if n % stride != offset % stride:
            continue
        walked += 1
        err, injected = load(path, params, n)
        if not err:
            if not loaded(name):
                problem(n, "load returned 0 but the module is not loaded", [])
            uerr = unload(name)
            if uerr:
                problem(n, f"unload failed: {errno.errorcode.get(uerr, uerr)}", [])
        log = kmsg.new()
        if err:
            errs[errno.errorcode.get(err, str(err))] += 1
            if loaded(name):
                problem(n, "the load failed but the module is loaded", log)
                unload(name)
            if not injected:
                problem(n, f"load failed ({errno.errorcode.get(err, err)}) with no failure injected", log)
            own = [m for m in log if m.startswith(name + ": ")]
            if not own:
                problem(n, f"load failed with {errno.errorcode.get(err, err)} and {name} logged nothing", log)
                print("#   at: " + " < ".join(where(path, params, name, n, kmsg)))
        else:
            errs["ok"] += 1
        hits = [m for m in log if bad.search(m) and not noise.search(m)]
        if hits:
            problem(n, "the kernel log has:", hits)
        if not injected:
            break
        sites = n
    else:
        problem(MAX_N, f"still allocating after {MAX_N} allocations", [])
    if stride == 1:
        count, which = f"{sites}", "each"
    else:
        count = f"{sites} to {sites + stride - 1}"
        which = f"{walked - 1} of them (those = {offset % stride} mod {stride})"
    print(f"# {name} {params}: {count} allocations in init, {which} failed in turn;"
          f" loads: {dict(errs)}")
    if sites == 0:
        problem(0, "no allocation of init was seen: is the filter right?", [])
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
