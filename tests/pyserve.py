# SPDX-License-Identifier: GPL-2.0
"""The tests' resident Python: python3 with the helpers' imports done once.

    python3 -S pyserve.py SOCKET

Listens on the unix stream socket SOCKET for the requests of tests/py.c
(its header comment has the protocol) and forks a child for each, which
runs the request's arguments as "python3 -S ARGS" would, in the caller's
working directory, environment, process group, CPUs and nice value, with
the caller's standard input, output and error. Under software emulation a
Python start costs 0.5 to 1.5 s, most of it imports; a request served by
a fork of this process, some 0.1 s.

The answer to each request is the child's pid, then its wait status, which
this process reaps. A request from other namespaces than this process's
is answered with pid 0: the caller runs python3 itself. If the caller goes
away before its child (SIGKILL), the child is killed. Runs until SIGTERM.
"""

import atexit
import os
import select
import signal
import socket
import struct
import sys
import traceback

# What the helpers import (tests/*.py), imported once here.
import argparse  # noqa: F401
import contextlib
import errno  # noqa: F401
import io  # noqa: F401
import json  # noqa: F401
import random  # noqa: F401  (reseeded in each child: os.register_at_fork)
import threading
import time  # noqa: F401
import types
import zlib  # noqa: F401

HERE = os.path.dirname(os.path.abspath(__file__))
# sys.path after this script's directory (sys.path[0]): the standard
# library's (this process runs without PYTHONPATH).
STDLIB = sys.path[1:]
import reliable_proto  # noqa: F401,E402

NAMESPACES = ("net", "mnt", "pid", "user")

# The helpers' code, compiled once: {path: code}.
CODE = {}
for name in ("udp.py", "genl.py", "reliable.py", "stream.py"):
    path = os.path.join(HERE, name)
    with open(path) as f:
        CODE[path] = compile(f.read(), path, "exec")


def recv_exact(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def read_request(conn):
    """The request's fields and its three descriptors."""
    fds = []
    msg, anc, _, _ = conn.recvmsg(4, socket.CMSG_SPACE(3 * 4))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds += list(struct.unpack("%di" % (len(data) // 4), data))
    if len(msg) < 4:
        msg += recv_exact(conn, 4 - len(msg))
    if len(fds) != 3:
        for fd in fds:
            os.close(fd)
        raise EOFError
    fields = recv_exact(conn, struct.unpack("I", msg)[0]).split(b"\0")[:-1]
    return [os.fsdecode(f) for f in fields], fds


def own_namespaces():
    return [str(os.stat("/proc/self/ns/" + ns).st_ino) for ns in NAMESPACES]


def run(argv):
    """Run argv as python3 -S would, in this process; return the exit status."""
    main = types.ModuleType("__main__")
    sys.modules["__main__"] = main
    # sys.path as python3 -S makes it: the script's directory (or "" for
    # -c and -), then PYTHONPATH's, then the standard library's.
    path = [p for p in os.environ.get("PYTHONPATH", "").split(":") if p] + STDLIB
    try:
        if argv[0] == "-c":
            sys.argv = ["-c"] + argv[2:]
            sys.path = [""] + path
            code = compile(argv[1], "<string>", "exec")
        elif argv[0] == "-":
            sys.argv = argv
            sys.path = [""] + path
            code = compile(sys.stdin.read(), "<stdin>", "exec")
        else:
            script = os.path.abspath(argv[0])
            sys.argv = argv
            sys.path = [os.path.dirname(script)] + path
            main.__file__ = argv[0]
            code = CODE.get(script)
            if code is None:
                with open(script) as f:
                    code = compile(f.read(), argv[0], "exec")
        exec(code, main.__dict__)
        return 0
    except SystemExit as e:
        if e.code is None:
            return 0
        if isinstance(e.code, int):
            return e.code & 0xFF
        print(e.code, file=sys.stderr)
        return 1
    except BaseException as e:  # as python3 does: the traceback, status 1
        # (Without this function's frame.)
        traceback.print_exception(type(e), e, e.__traceback__.tb_next)
        return 128 + signal.SIGINT if isinstance(e, KeyboardInterrupt) else 1


def child(caller, fields, fds, inherited):
    """In the forked child: become the caller's process and run; never returns."""
    signal.set_wakeup_fd(-1)
    for sig in (signal.SIGCHLD, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)
    for f in inherited:
        os.close(f if isinstance(f, int) else f.detach())
    pgrp, cwd = int(fields[0]), fields[1 + len(NAMESPACES)]
    rest = fields[2 + len(NAMESPACES):]
    end = rest.index("")
    argv, env = rest[:end], rest[end + 1:]
    try:
        os.setpgid(0, pgrp)
        # Its CPUs (taskset) and nice value too.
        os.sched_setaffinity(0, os.sched_getaffinity(caller))
        os.setpriority(os.PRIO_PROCESS, 0, os.getpriority(os.PRIO_PROCESS, caller))
    except OSError:
        pass  # the caller is gone, or going
    for i, fd in enumerate(fds):
        os.dup2(fd, i)
        os.close(fd)
    sys.stdin = open(0, "r", closefd=False)
    sys.stdout = open(1, "w", closefd=False)
    sys.stderr = open(2, "w", buffering=1, closefd=False, errors="backslashreplace")
    os.environ.clear()
    os.environ.update(e.split("=", 1) for e in env if "=" in e)
    status = 1
    try:
        try:
            os.chdir(cwd)
        except OSError as e:
            print("py: %s" % e, file=sys.stderr)
            raise
        status = run(argv)
        # What python3's own exit does: wait for the threads, then the
        # atexit functions, then flush.
        threading._shutdown()
        atexit._run_exitfuncs()
        for f in (sys.stdout, sys.stderr):
            try:
                f.flush()
            except BrokenPipeError:
                status = status or 120
    finally:
        os._exit(status)


def serve(path):
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    ours = own_namespaces()
    children = {}  # pid: the connection of its caller
    killed = set()  # the pids whose caller went away first
    while True:
        watched = [c for p, c in children.items() if p not in killed]
        ready, _, _ = select.select([listener, wake_r] + watched, [], [])
        for conn in ready:
            if conn is wake_r:
                os.read(wake_r, 512)
            elif conn is listener:
                new, _ = listener.accept()
                try:
                    fields, fds = read_request(new)
                except (EOFError, OSError):
                    new.close()
                    continue
                if fields[1:1 + len(NAMESPACES)] != ours:
                    with contextlib.suppress(OSError):
                        new.sendall(struct.pack("i", 0))
                    new.close()
                    for fd in fds:
                        os.close(fd)
                    continue
                pid = os.fork()
                if pid == 0:
                    caller = struct.unpack("3i", new.getsockopt(
                        socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))[0]
                    child(caller, fields, fds, [listener, new, wake_r, wake_w] + list(children.values()))
                for fd in fds:
                    os.close(fd)
                children[pid] = new
                try:
                    new.sendall(struct.pack("i", pid))
                except OSError:  # the caller is gone already
                    killed.add(pid)
                    os.kill(pid, signal.SIGKILL)
            else:
                # A caller gone before its child: the child goes too.
                pid = next(p for p, c in children.items() if c is conn)
                killed.add(pid)
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            killed.discard(pid)
            conn = children.pop(pid, None)
            if conn:
                try:
                    conn.sendall(struct.pack("i", status))
                except OSError:
                    pass
                conn.close()


if __name__ == "__main__":
    serve(sys.argv[1])
