#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A raw generic netlink client for the kudp tests.

It builds and parses netlink messages by hand, so that the tests can see
every message the kernel sends back (kudpctl uses libnl, which hides them).

  genl.py status MODULE [--ack] [--cmd N] [--attr TYPE:HEX] [--short]
                 [--time]
      Send one request (default KUDP_CMD_GET_STATS) to MODULE's family,
      then print every message that comes back, one line each, until an
      NLMSG_ERROR (always the last) or 2 s without a message (30 s with
      --time, which then prints "seconds S", from the request to the last
      message):
        reply KEY=VALUE ...     a kudp message and its attributes
        error ERRNO [MESSAGE]   an NLMSG_ERROR (ERRNO 0 is an ACK), with the
                                extended-ACK message if there is one
      --attr adds a raw attribute; --short sends a truncated genl header.
  genl.py listen MODULE... --count N [--timeout S] [--ready FILE]
      Join the "events" group of each MODULE, print the first N events as
      "MODULE EVENT KEY=VALUE ...", then exit (1 on timeout). If joining
      is refused, print "join ERRNO-NAME" and exit 4.
"""
import argparse
import errno
import socket
import struct
import sys
import time

NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_ADD_MEMBERSHIP = 1
NETLINK_EXT_ACK = 11
NLMSG_ERROR = 2
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLM_F_ACK_TLVS = 0x200
NLMSGERR_ATTR_MSG = 1
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_ATTR_MCAST_GROUPS = 1, 2, 7
CTRL_ATTR_MCAST_GRP_NAME, CTRL_ATTR_MCAST_GRP_ID = 1, 2

# include/uapi/kudp.h
CMDS = {1: "get_stats", 2: "reset", 3: "discard", 4: "complete",
        5: "discarded", 6: "sent"}
ATTRS = {2: "state", 3: "reason", 4: "seq", 5: "cur_bytes",
         6: "cur_datagrams", 7: "last_bytes", 8: "last_datagrams",
         9: "messages", 10: "overflow_bytes", 11: "drops", 12: "udp_errors",
         13: "errors", 14: "last_error", 15: "crc32", 16: "capacity",
         17: "bytes", 18: "datagrams", 19: "duration_ns", 20: "result",
         21: "cause", 22: "rejected", 23: "zerocopy_calls",
         24: "zerocopy_copied"}
SIGNED = {"last_error", "result"}


def attrs(data):
    out = []
    while len(data) >= 4:
        alen, atype = struct.unpack_from("HH", data)
        if alen < 4:
            break
        out.append((atype & 0x3fff, data[4:alen]))
        data = data[(alen + 3) & ~3:]
    return out


def attr(atype, value):
    return struct.pack("HH", 4 + len(value), atype) + value + \
        b"\0" * (-len(value) % 4)


def value(name, raw):
    if name == "crc32":
        return "%08x" % struct.unpack("I", raw)[0]
    if len(raw) == 8:
        return struct.unpack("q" if name in SIGNED else "Q", raw)[0]
    if len(raw) == 4:
        return struct.unpack("i" if name in SIGNED else "I", raw)[0]
    return raw.hex()


class Genl:
    def __init__(self):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                  NETLINK_GENERIC)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.sock.bind((0, 0))
        self.seq = int(time.time())

    def send(self, family, cmd, flags, payload=b"", short=False):
        self.seq += 1
        genl = struct.pack("BBH", cmd, 1, 0)[:2 if short else 4]
        body = genl + payload
        self.sock.send(struct.pack("IHHII", 16 + len(body), family,
                                   NLM_F_REQUEST | flags, self.seq, 0) + body)

    def messages(self, timeout):
        """Yield (type, flags, payload) until nothing comes for timeout s."""
        self.sock.settimeout(timeout)
        while True:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                return
            while len(data) >= 16:
                mlen, mtype, mflags, _, _ = struct.unpack_from("IHHII", data)
                yield mtype, mflags, data[16:mlen]
                data = data[(mlen + 3) & ~3:]

    def family(self, name):
        """Return (id, {group name: id}) or exit 3 if it is not there."""
        self.send(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0,
                  attr(CTRL_ATTR_FAMILY_NAME, name.encode() + b"\0"))
        for mtype, _, payload in self.messages(2):
            if mtype == NLMSG_ERROR:
                print("# family %s: error %d" %
                      (name, struct.unpack_from("i", payload)[0]))
                sys.exit(3)
            fid, groups = None, {}
            for atype, raw in attrs(payload[4:]):
                if atype == CTRL_ATTR_FAMILY_ID:
                    fid = struct.unpack("H", raw[:2])[0]
                elif atype == CTRL_ATTR_MCAST_GROUPS:
                    for _, grp in attrs(raw):
                        g = dict(attrs(grp))
                        groups[g[CTRL_ATTR_MCAST_GRP_NAME].rstrip(b"\0")
                               .decode()] = struct.unpack(
                                   "I", g[CTRL_ATTR_MCAST_GRP_ID])[0]
            return fid, groups
        sys.exit(3)


def describe(payload):
    cmd = CMDS.get(payload[0], str(payload[0]))
    fields = ["%s=%s" % (ATTRS.get(t, t), value(ATTRS.get(t, ""), raw))
              for t, raw in attrs(payload[4:])]
    return cmd, " ".join(fields)


def error(mflags, payload):
    err = struct.unpack_from("i", payload)[0]
    msg = ""
    if mflags & NLM_F_ACK_TLVS:
        # The request's header follows the error (its payload too, unless
        # capped), then the TLVs.
        olen = struct.unpack_from("I", payload, 4)[0]
        skip = 4 + (16 if mflags & 0x100 else olen)
        for atype, raw in attrs(payload[(skip + 3) & ~3:]):
            if atype == NLMSGERR_ATTR_MSG:
                msg = raw.rstrip(b"\0").decode()
    return ("error %d %s" % (err, msg)).rstrip()


def status(args):
    nl = Genl()
    fid, _ = nl.family(args.module)
    payload = b"".join(attr(int(t), bytes.fromhex(h)) for t, h in
                       (a.split(":") for a in args.attr))
    t0 = time.monotonic()
    nl.send(fid, args.cmd, NLM_F_ACK if args.ack else 0, payload, args.short)
    for mtype, mflags, body in nl.messages(30 if args.time else 2):
        if mtype == NLMSG_ERROR:
            # An error or ACK is the last message of a request.
            print(error(mflags, body))
            break
        if mtype == fid:
            print("reply %s %s" % describe(body))
        else:
            print("other type=%d" % mtype)
    if args.time:
        print("seconds %.2f" % (time.monotonic() - t0))
    sys.stdout.flush()


def listen(args):
    nl = Genl()
    names = {}
    for module in args.module:
        fid, groups = nl.family(module)
        try:
            nl.sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
                               groups["events"])
        except OSError as e:
            print("join", errno.errorcode[e.errno])
            sys.exit(4)
        names[fid] = module
    if args.ready:
        open(args.ready, "w").close()
    seen = 0
    deadline = time.time() + args.timeout
    while seen < args.count and time.time() < deadline:
        for mtype, _, body in nl.messages(deadline - time.time()):
            if mtype in names:
                print("%s %s %s" % ((names[mtype],) + describe(body)),
                      flush=True)
                seen += 1
                if seen == args.count:
                    break
    sys.exit(0 if seen == args.count else 1)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="op", required=True)
    st = sub.add_parser("status")
    st.add_argument("module")
    st.add_argument("--ack", action="store_true")
    st.add_argument("--cmd", type=int, default=1)
    st.add_argument("--attr", action="append", default=[])
    st.add_argument("--short", action="store_true")
    st.add_argument("--time", action="store_true")
    ls = sub.add_parser("listen")
    ls.add_argument("module", nargs="+")
    ls.add_argument("--count", type=int, required=True)
    ls.add_argument("--timeout", type=float, default=30)
    ls.add_argument("--ready")
    args = ap.parse_args()
    status(args) if args.op == "status" else listen(args)


if __name__ == "__main__":
    main()
