#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Userspace UDP peer for the kudp tests: a real client and a real listener.

  udp.py send [--gap S] [--wait-complete T] [--from ADDR] [--to ADDR]
              [--port P] PAYLOAD...
      Send each PAYLOAD (text; "@N" means N random bytes, "@N:FILE" also
      saves them to FILE) as one datagram to ADDR:P (127.0.0.1:8808), from
      the --from address (any), S seconds apart. Three PAYLOAD words are
      steps instead: "%complete[=T]" waits (at most T seconds, 30 by
      default) for a completion, "%sleep=S" sleeps S seconds, "%from=ADDR"
      sends the datagrams after it from ADDR; one process sends them all,
      so that no process start falls between two datagrams. With --wait-complete, then wait
      for a completion (at most T seconds) and print the seconds from the
      last datagram to it; with --max-gap, print the longest time between
      two datagrams. A completion is a new message: receive_udp's seq
      grows past what it was at the start (or at the last "%complete"); a
      state that reads "complete" may be the previous message's.
  udp.py listen --bytes N --timeout S [--first T] --out FILE [--ready FILE]
                [--port P]
      Bind 127.0.0.1:P (8808), collect datagrams until N payload bytes arrived
      or S seconds passed without one (T seconds for the first one: S by
      default); save the concatenated payloads to FILE and print
      "DATAGRAMS BYTES". Creates --ready once bound.
"""
import argparse
import os
import socket
import sys
import time

PORT = 8808
STATE = "/sys/module/receive_udp/parameters/state"
SEQ = "/sys/class/receive_udp/receive_udp/seq"


def payload(spec):
    if spec.startswith("@"):
        size, _, path = spec[1:].partition(":")
        data = os.urandom(int(size))
        if path:
            with open(path, "wb") as f:
                f.write(data)
        return data
    return spec.encode()


def read_state():
    with open(STATE) as f:
        return f.read().strip()


def read_seq():
    with open(SEQ) as f:
        return int(f.read())


def wait_complete(after, deadline):
    """Wait until a message after number AFTER has completed: a state that
    already reads "complete" may be the previous message's."""
    while time.monotonic() < deadline:
        if read_seq() > after:
            return True
        time.sleep(0.02)
    return False


def bound(source):
    """A UDP socket, bound to the address SOURCE if there is one."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if source:
        sock.bind((source, 0))
    return sock


def cmd_send(args):
    sock = bound(args.source)
    last = None
    max_gap = 0.0
    # Only a completion to wait for needs the receiver on this machine.
    waits = args.wait_complete is not None or any(
        p.startswith("%complete") for p in args.payload)
    seq = read_seq() if waits else 0
    for i, spec in enumerate(args.payload):
        if spec.split("=")[0] == "%complete":
            limit = float(spec.partition("=")[2] or 30)
            if not wait_complete(seq, time.monotonic() + limit):
                print("timeout: state is still %r after %.1f s" % (read_state(), limit))
                return 1
            seq = read_seq()
            continue
        if spec.startswith("%sleep="):
            time.sleep(float(spec[len("%sleep="):]))
            continue
        if spec.startswith("%from="):
            sock = bound(spec[len("%from="):])
            continue
        if i:
            time.sleep(args.gap)
        data = payload(spec)
        sock.sendto(data, (args.to, args.port))
        now = time.monotonic()
        if last is not None:
            max_gap = max(max_gap, now - last)
        last = now
    if args.max_gap:
        print("%.3f" % max_gap)
    if args.wait_complete is None:
        return 0
    if wait_complete(seq, last + args.wait_complete):
        print("%.3f" % (time.monotonic() - last))
        return 0
    print("timeout: state is still %r after %.1f s" %
          (read_state(), args.wait_complete))
    return 1


def cmd_listen(args):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)  # SO_RCVBUFFORCE
    sock.bind(("127.0.0.1", args.port))
    sock.settimeout(args.first or args.timeout)
    if args.ready:
        open(args.ready, "w").close()
    got = bytearray()
    count = 0
    while len(got) < args.bytes:
        try:
            data = sock.recv(65536)
        except socket.timeout:
            break
        sock.settimeout(args.timeout)
        got += data
        count += 1
    with open(args.out, "wb") as f:
        f.write(got)
    print(count, len(got))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("send")
    s.add_argument("--gap", type=float, default=0.0)
    s.add_argument("--wait-complete", type=float)
    s.add_argument("--max-gap", action="store_true")
    s.add_argument("--from", dest="source")
    s.add_argument("--to", default="127.0.0.1")
    s.add_argument("--port", type=int, default=PORT)
    s.add_argument("payload", nargs="+")
    s.set_defaults(fn=cmd_send)
    l = sub.add_parser("listen")
    l.add_argument("--bytes", type=int, required=True)
    l.add_argument("--timeout", type=float, default=10.0)
    l.add_argument("--first", type=float)
    l.add_argument("--out", required=True)
    l.add_argument("--ready")
    l.add_argument("--port", type=int, default=PORT)
    l.set_defaults(fn=cmd_listen)
    args = p.parse_args()
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
