#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The kudp fuzzer: random sequences over every interface of send_udp and
receive_udp, from several processes at once, then a check that what the
modules say still agrees with itself and with the docs.

  fuzz.py MODDIR SECONDS SEED [--key-file FILE]

Runs as root in a guest (tests/guest.sh, test "fuzz"; make fuzz). Workers,
each a process with its own random sequence derived from SEED:

  params    writes of random bytes and lengths, and of values near the
            valid ones, to every parameter of both modules; reads of
            parameters and statistics files
  devices   (two) open both devices with random flags; write, read, lseek,
            pread, poll and ioctl (known and random commands, random
            sizes and arguments) on the open files; close
  netlink   requests to both families with random commands, flags,
            headers and attributes (well-formed and not); joins the events
            group and reads what comes
  udp       bursts of datagrams of random sizes from several sockets to
            127.0.0.1:8808; and well-formed reliable-mode DATA and CLOSE
            (tests/reliable.py's layouts) from sockets bound to 127.0.0.2
            to 127.0.0.9: ids of a small set (and their instances' next
            and previous counts) or random, random offsets, lengths and
            CRC-32s, now and then a whole small message with its CRC-32
  modules   insmod (finit_module) with random parameters, and rmmod, at
            random moments

With --key-file FILE (tests/reliable.py's key files: 64 hex digits, mode
600), version 2 too (Documentation/protocol.rst, "Authenticated
transfers"): the modules worker loads the modules with key= (most loads
with mode=reliable, a few others; mostly the key, else another, or a value
that is none), the params worker writes key now and then; the udp worker
sends HELLOs (nonce zero, rightly tagged) and keeps the challenges that
its CHALLENGEs bring, and its reliable-mode datagrams go out in version 2,
rightly tagged (the nonce a challenge it was given, or a random or zero
one: a guess), or with a wrong tag (a bit flipped, another key, a tag cut
short or in the wrong place), or in version 1, or in version 2 untagged,
or in version 1 tagged; plus CHALLENGEs, control types and HELLOs of its
own (malformed now and then); a whole small message after its HELLO and
CHALLENGE, mostly tagged with that challenge (the keyed bursts and
messages capped in bytes: KEYED_BURST, KEYED_MESSAGE; the tags' SipHash
is pure Python). The checks after the fuzz then also carry a message
between a fresh pair loaded with mode=reliable and the key. Without the
option, the sequences are those of before.

Every few seconds the main process kills a random worker with SIGKILL (a
writer dies in the middle of a message, a reader in a blocking read) and
starts it again with the next sequence. Every blocking call is bounded by
an alarm (the signal interrupts it). Addresses are only 127.0.0.0/8 and
TEST-NET-1 (192.0.2.0/24): nothing leaves the guest.

After SECONDS the workers stop, and the checks run: a worker that does not
exit (stuck in the kernel) fails the run with its kernel stack; then, with
nothing running and nothing open, both modules must settle (send_udp never
stays "filling" with no writer; receive_udp's drain works through what
its socket holds, and it never stays "receiving" past its 5 s idle rule,
in mode=reliable its hold if 30 s or less, after that), sysfs, netlink
and the ioctl must report the same statistics, a complete message must
read back with the length and CRC-32 the statistics give, both modules
must unload, and a fresh pair must carry a message. Prints what each worker did and "fuzz: ok", or what failed
("FAIL: ..."), and exits 1 on a failure. The same SEED gives the same
sequences (the interleaving of the processes still varies).
"""
import argparse
import collections
import ctypes
import errno
import fcntl
import os
import random
import select
import signal
import socket
import struct
import sys
import time
import traceback
import zlib

import genl
import reliable as rel

MODULES = ("send_udp", "receive_udp")
PORT = 8808
# The orders of enum kudp_state and enum kudp_reason (include/uapi/kudp.h).
STATES = ["idle", "filling", "sending", "empty", "receiving", "complete"]
REASONS = ["none", "idle", "full", "whole"]
STATS = struct.Struct("<IIIIQQQQQQQQQQiIQQQQ")
STATS_FIELDS = ("size version state reason seq cur_bytes cur_datagrams "
                "last_bytes last_datagrams messages overflow_bytes drops "
                "udp_errors errors last_error crc32 capacity rejected "
                "zerocopy_calls zerocopy_copied").split()
IOC_MAGIC = 0xB9
# Generic ioctls the VFS serves itself for any file: some of them act on
# the file system (FIFREEZE freezes it), so no random command may use
# these types ('X', 'f', 'T', 0x94, 0x15).
VFS_IOC_TYPES = {ord("X"), ord("f"), ord("T"), 0x94, 0x15}
# x86-64 system call numbers, for the calls Python has no function for.
SYS_IOCTL = 16
SYS_DELETE_MODULE = 176
SYS_FINIT_MODULE = 313
# Addresses kept inside the guest, and strings that are not addresses.
IPS = ["127.0.0.1", "127.0.0.2", "127.1.2.3", "192.0.2.1", "192.0.2.2",
       "192.0.2.200", "0.0.0.0", "127.0.0.1\n", " 127.0.0.1", "127.0.0.256",
       "127.0.0", "127.0.0.1.5", "::1", "localhost", "", "\n", "1" * 300]
# Values for receive_udp's peer (it only filters: any address will do).
PEERS = ["127.0.0.1", "127.0.0.0/8", "0.0.0.0/0", "192.0.2.0/24", "10.0.0.1/32",
         "127.0.0.1/24", "1.2.3.4/33", "1.2.3.4/", "/8", "127.0.0.1/8\n"]
SIZES = ["4K", "64K", "1M", "16M", "4096", "65536", "1048576", "0", "1",
         "-1", "4097", "1G1", "8G", "100G", "18446744073709551616", "0x10000",
         "1K\n", "K", "4294967296", "9999999999999999999999"]
# Values for hold and idle (seconds, 1..3600 valid): the bounds, and near
# them.
SECONDS = ["1", "60", "3600", "60\n", "0", "3601", "-1", "", "60s", " 60", "0x3c",
           "1.5", "4294967297", "18446744073709551616", "9999999999999999999999"]

# With a key, the bytes a burst of reliable-mode datagrams carries (the
# burst ends once they are reached; its first datagram always goes, one
# of the largest segment, 65475 bytes, too), and a whole message's length
# (at most this, or its segment and a byte: two segments still): each
# tag's SipHash is pure Python (reliable_proto's siphash24(), about 6 MB/s
# on a PC, far less in a guest without KVM), and bursts of up to 100
# datagrams of up to 64 KiB, or messages of 8 segments of 64 KiB, would
# keep the udp worker computing tags rather than sending. Counted: "rel
# keyed burst cut", "rel keyed message cut". Without a key, no cap (the
# sequences of before).
KEYED_BURST = 32 << 10
KEYED_MESSAGE = 64 << 10


def ioc(d, t, nr, size):
    return (d << 30) | (size << 16) | (t << 8) | nr


KNOWN_IOCTLS = [ioc(3, IOC_MAGIC, 1, STATS.size), ioc(0, IOC_MAGIC, 2, 0),
                ioc(0, IOC_MAGIC, 3, 0), ioc(2, IOC_MAGIC, 4, 8)]


class Alarm(Exception):
    pass


def on_alarm(signum, frame):
    raise Alarm()


class Worker:
    """One process's random sequence; counts what its calls returned."""

    def __init__(self, kind, seed, moddir, deadline, tmp, key=None):
        self.kind = kind
        self.tmp = tmp
        self.key = key          # version 2's key (--key-file), or None
        self.challenges = collections.deque(maxlen=8)   # udp: challenges received (version 2)
        self.rnd = random.Random("%s-%s" % (seed, kind))
        self.moddir = moddir
        self.deadline = deadline
        self.counts = {}
        self.files = []         # devices: the open files
        self.nl = None          # netlink: the socket, and the families
        self.families = {}      # found on it: name -> (id, groups)
        self.socks = []         # udp: the sending sockets
        self.hosts = []         # and those bound to 127.0.0.2-9
        self.ids = []           # the reliable-mode ids it reuses
        self.libc = None        # for the system calls Python lacks

    def count(self, what):
        self.counts[what] = self.counts.get(what, 0) + 1

    def call(self, name, fn, *args):
        """fn(*args) within an alarm of up to 2 s; count its outcome."""
        signal.setitimer(signal.ITIMER_REAL, self.rnd.choice((0.3, 1, 2)))
        try:
            ret = fn(*args)
            self.count(name + " ok")
            return ret
        except Alarm:
            self.count(name + " interrupted")
        except OSError as e:
            self.count("%s %s" % (name, errno.errorcode.get(e.errno, e.errno)))
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        return None

    def value(self):
        """Bytes to write to a parameter: near-valid, or random."""
        r = self.rnd
        pick = r.randrange(6)
        if pick == 0:
            return r.choice(IPS).encode()
        if pick == 1:
            return r.choice(SIZES).encode()
        if pick == 2:
            return str(r.choice((0, 1, 2, -1, 1472, 8972, 65507, 65508, 1 << 31,
                                 1 << 32, r.randrange(1 << 64)))).encode()
        if pick == 3:
            return b"hello\n"
        if pick == 4:
            return r.randbytes(r.choice((0, 1, 7, 4095, 4096, 4097, 5000)))
        return bytes(r.choice(b"0123456789.kKmMgG \n-x")
                     for _ in range(r.randrange(12)))

    def key_value(self):
        """A value for the key parameter (version 2): mostly the key;
        else another key, or one that is none."""
        r = self.rnd
        pick = r.random()
        if pick < 0.7:
            return self.key.hex()
        if pick < 0.8:
            return r.randbytes(rel.KEY_SIZE).hex()
        return r.choice(("", "0", self.key.hex()[:-1], self.key.hex() + "0",
                         self.key.hex().upper(), self.key.hex() + "\n", "zz" * rel.KEY_SIZE,
                         " " + self.key.hex(), "x" * 200))

    def seconds(self):
        """A value for hold or idle: valid (1..3600), or near it."""
        r = self.rnd
        if r.random() < 0.5:
            return str(r.randint(1, 3600))
        return r.choice(SECONDS)

    def run(self):
        step = getattr(self, "step_" + self.kind)
        saved = 0
        while time.monotonic() < self.deadline:
            try:
                step()
            except Alarm:
                # It fired just after a call returned.
                self.count("late alarm")
            if time.monotonic() > saved + 2:
                self.save()
                saved = time.monotonic()

    def save(self):
        """Write the counts to TMP/PID (at least every 2 s: the process
        may be killed at any moment)."""
        path = "%s/%d" % (self.tmp, os.getpid())
        with open(path + ".new", "w") as f:
            for k, v in sorted(self.counts.items()):
                print("%s\t%s\t%d" % (self.kind, k, v), file=f)
        os.rename(path + ".new", path)

    # ------------------------------------------------------------ params

    def step_params(self):
        r = self.rnd
        mod = r.choice(MODULES)
        d = "/sys/module/%s/parameters" % mod
        name = r.choice(("data", "ip", "payload", "debug", "state",
                         "last_error", "buffer_size", "rcvbuf", "drops",
                         "overflow", "peer", "gso", "gro", "zerocopy", "rate",
                         "hold", "idle", "port", "dev", "crc32_impl", "bogus"))
        if self.key and r.random() < 0.1:
            name = "key"
        path = "%s/%s" % (d, name)
        if r.random() < 0.3:
            self.call("param read", self.read_file, path)
            return
        if name == "ip":
            # Only the curated addresses: nothing may leave the guest.
            val = r.choice(IPS).encode()
        elif name == "peer" and r.random() < 0.5:
            val = r.choice(PEERS).encode()
        elif name == "rate" and r.random() < 0.8:
            # Mostly unlimited or fast: a send paced at a few bytes per
            # second would keep the other workers waiting all the run.
            val = r.choice((b"0", b"0", b"100M", b"1M", b"64K"))
        elif name in ("hold", "idle") and r.random() < 0.8:
            val = self.seconds().encode()
        elif name == "key":
            val = self.key_value().encode()
        else:
            val = self.value()
        self.call("param write", self.write_file, path, val)
        if r.random() < 0.2:
            stats = "/sys/class/%s/%s" % (mod, mod)
            for f in self.call("stats list", os.listdir, stats) or []:
                self.call("stats read", self.read_file, "%s/%s" % (stats, f))

    @staticmethod
    def read_file(path):
        fd = os.open(path, os.O_RDONLY)
        try:
            return os.read(fd, 8192)
        finally:
            os.close(fd)

    @staticmethod
    def write_file(path, val):
        fd = os.open(path, os.O_WRONLY)
        try:
            os.write(fd, val)
        finally:
            os.close(fd)

    # ----------------------------------------------------------- devices

    def step_devices(self):
        r = self.rnd
        if self.files and r.random() < 0.05:
            # Close everything and pause: an open file holds its module,
            # and rmmod needs moments when no file is open.
            for fd in self.files:
                self.call("close", os.close, fd)
            self.files = []
            time.sleep(r.uniform(0, 1))
            return
        if not self.files or (len(self.files) < 3 and r.random() < 0.2):
            dev = "/dev/" + r.choice(MODULES)
            flags = r.choice((os.O_RDONLY, os.O_WRONLY, os.O_RDWR))
            if r.random() < 0.5:
                flags |= os.O_NONBLOCK
            if r.random() < 0.05:
                flags |= r.choice((os.O_DIRECT, os.O_APPEND, os.O_TRUNC,
                                   os.O_SYNC))
            fd = self.call("open", os.open, dev, flags)
            if fd is not None:
                self.files.append(fd)
            return
        fd = r.choice(self.files)
        op = r.randrange(9)
        if op == 0:
            self.files.remove(fd)
            self.call("close", os.close, fd)
        elif op <= 2:
            n = r.choice((0, 1, 1000, 65507, 65508, 200000, 1 << 20))
            self.call("write", os.write, fd, r.randbytes(n))
        elif op == 3:
            self.call("read", os.read, fd,
                      r.choice((0, 1, 4096, 1 << 20, 3 << 20)))
        elif op == 4:
            self.call("lseek", os.lseek, fd,
                      r.choice((0, 1, -1, 4096, 1 << 40, -(1 << 62),
                                r.randrange(1 << 63))),
                      r.choice((0, 1, 2, 3, 4, 7)))
        elif op == 5:
            self.call("pread", os.pread, fd, r.choice((0, 10, 70000)),
                      r.choice((0, 5, 1 << 30, (1 << 63) - 1)))
        elif op == 6:
            p = select.poll()
            p.register(fd, select.POLLIN | select.POLLOUT | select.POLLPRI)
            self.call("poll", p.poll, r.choice((0, 10, 200)))
        else:
            self.ioctl(fd)

    def ioctl(self, fd):
        r = self.rnd
        if r.random() < 0.6:
            cmd = r.choice(KNOWN_IOCTLS)
            if r.random() < 0.3:
                # GET_STATS with another size in the command number.
                cmd = ioc(r.randrange(4), IOC_MAGIC, 1, r.randrange(1 << 14))
        else:
            t = r.choice((IOC_MAGIC, r.randrange(256)))
            if t in VFS_IOC_TYPES:
                t = IOC_MAGIC
            cmd = ioc(r.randrange(4), t, r.randrange(256), r.randrange(1 << 14))
        if r.random() < 0.8:
            buf = bytearray(r.randbytes(4096))
            # The size field of struct kudp_stats: any value.
            struct.pack_into("<I", buf, 0, r.choice(
                (0, 1, 8, STATS.size - 8, STATS.size, STATS.size + 8, 4096,
                 r.randrange(1 << 32))))
            self.call("ioctl", fcntl.ioctl, fd, cmd, buf, True)
        else:
            # A pointer the kernel may not follow (fcntl.ioctl() takes an
            # int, not any address).
            self.call("ioctl", self.syscall, SYS_IOCTL, fd, ctypes.c_ulong(cmd),
                      ctypes.c_ulong(r.choice((0, 1, (1 << 47) - 8,
                                               0xffff888000000000, (1 << 64) - 1))))

    def syscall(self, nr, *args):
        """System call nr, through libc; raises OSError as os.* do."""
        if self.libc is None:
            self.libc = ctypes.CDLL(None, use_errno=True)
        if self.libc.syscall(nr, *args) == -1:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err))

    # ----------------------------------------------------------- netlink

    def step_netlink(self):
        r = self.rnd
        if self.nl is None or r.random() < 0.01:
            if self.nl:
                self.nl.sock.close()
            self.nl = genl.Genl()
            self.families = {}
        mod = r.choice(MODULES)
        if mod not in self.families or r.random() < 0.05:
            # On a socket of its own: this one may hold replies and
            # events.
            lookup = genl.Genl()
            try:
                self.families[mod] = lookup.family(mod)
                self.count("family ok")
            except SystemExit:
                self.families.pop(mod, None)
                self.count("family absent")
                return
            finally:
                lookup.sock.close()
        fid, groups = self.families[mod]
        if r.random() < 0.05 and "events" in groups:
            self.call("join", self.nl.sock.setsockopt, genl.SOL_NETLINK,
                      genl.NETLINK_ADD_MEMBERSHIP, groups["events"])
        cmd = r.choice((0, 1, 1, 1, 2, 3, 4, 5, 6, 7, r.randrange(256)))
        flags = r.choice((genl.NLM_F_REQUEST, genl.NLM_F_REQUEST | genl.NLM_F_ACK,
                          genl.NLM_F_REQUEST | 0x300, r.randrange(1 << 16)))
        attrs = b""
        for _ in range(r.choice((0, 0, 1, 3))):
            attrs += genl.attr(r.randrange(32), r.randbytes(r.randrange(24)))
        genlhdr = struct.pack("BBH", cmd, r.choice((0, 1, 1, 255)), 0)
        body = genlhdr[:r.choice((0, 2, 4, 4, 4))] + attrs
        msg = struct.pack("IHHII", 16 + len(body), fid, flags, 1, 0) + body
        if r.random() < 0.1:
            # A length that lies, or a truncated message.
            lie = r.choice((0, 8, 15, len(msg) + 4, 0xffffffff))
            msg = struct.pack("I", lie) + msg[4:]
            msg = msg[:r.randrange(len(msg) + 1)]
        self.call("nl send", self.nl.sock.send, msg)
        self.nl.sock.settimeout(0.1)
        for _ in range(8):
            try:
                self.nl.sock.recv(65536)
                self.count("nl recv ok")
            except socket.timeout:
                break
            except OSError as e:
                self.count("nl recv %s" % errno.errorcode.get(e.errno))
                break

    # --------------------------------------------------------------- udp

    def step_udp(self):
        r = self.rnd
        if not self.socks:
            for _ in range(4):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.setblocking(False)
                self.socks.append(s)
            for i in range(2, 10):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.setblocking(False)
                # (Unbound, from 127.0.0.1, should lo refuse the address.)
                self.call("rel bind", s.bind, ("127.0.0.%d" % i, 0))
                self.hosts.append(s)
            self.ids = [r.getrandbits(64) for _ in range(4)]
        if r.random() < 0.5:
            self.reliable()
            return
        s = r.choice(self.socks)
        size = r.choice((0, 1, 16, 1472, 8972, 65507, r.randrange(65508)))
        dst = (r.choice(("127.0.0.1", "127.0.0.1", "127.0.0.2")), PORT)
        for _ in range(r.choice((1, 10, 100, 400))):
            self.call("udp send", s.sendto, r.randbytes(size), dst)
        if r.random() < 0.1:
            time.sleep(r.choice((0.1, 1)))

    def reliable(self):
        """Well-formed reliable-mode datagrams from one of the hosts
        127.0.0.2-9 (each socket a port of its own): a burst of DATA and
        CLOSE of one id, or a whole small message and its CLOSE. With a
        key, version 2 too (keyed())."""
        r = self.rnd
        s = r.choice(self.hosts)
        dst = ("127.0.0.1", PORT)
        if r.random() < 0.7:
            # A reused id, or the next or previous message of its instance.
            mid = (r.choice(self.ids) + r.choice((0, 0, 0, 1, 2, -1))) % (1 << 64)
        else:
            mid = r.getrandbits(64)
        seg = r.choice((rel.SEGMENT_MIN, rel.SEGMENT_MIN, 1024, 1440, 8192,
                        rel.SEGMENT_MAX))
        if self.key:
            if r.random() < 0.3:
                self.hello(s, mid, seg, r.choice((0, seg, 1 << 20)), dst,
                           r.choice((0, 0.01, 0.05)))
            if r.random() < 0.1:
                self.stray(s, mid, seg, dst)
        if r.random() < 0.1:
            # A whole message, its DATA in any order, then its CLOSE with
            # the right CRC-32 (once in a while a wrong one). With a key,
            # after its HELLO, mostly tagged with the challenge that came.
            size = r.choice((0, 1, seg, 3 * seg + 5, 8 * seg))
            if self.key and size > max(KEYED_MESSAGE, seg + 1):
                size = max(KEYED_MESSAGE, seg + 1)
                self.count("rel keyed message cut")
            data = r.randbytes(size)
            nonce = None
            if self.key:
                nonce = self.hello(s, mid, seg, len(data), dst, 0.2)
            order = list(range((len(data) + seg - 1) // seg))
            r.shuffle(order)
            for i in order:
                self.rel_send(s, rel.DATA_HDR.pack(rel.MAGIC, rel.VERSION, rel.DATA, seg, mid,
                                                   i * seg, len(data))
                              + data[i * seg:(i + 1) * seg], dst, nonce)
            crc = zlib.crc32(data) ^ (1 if r.random() < 0.1 else 0)
            self.rel_send(s, rel.CLOSE_HDR.pack(rel.MAGIC, rel.VERSION, rel.CLOSE, seg, mid,
                                                len(data), crc, 0), dst, nonce)
            return
        total = r.choice((0, 1, seg - 1, seg, seg + 1, 3 * seg, 64 << 10, 1 << 20,
                          (1 << 20) + 1, 16 << 20, r.randrange(1, 4 << 20)))
        spent = 0
        for _ in range(r.choice((1, 4, 20, 100))):
            if self.key and spent >= KEYED_BURST:
                self.count("rel keyed burst cut")
                break
            # Now and then another length than the message's.
            tot = total if r.random() < 0.95 else r.randrange(1, 4 << 20)
            if tot and r.random() < 0.8:
                off = r.randrange((tot + seg - 1) // seg) * seg
                body = rel.DATA_HDR.pack(rel.MAGIC, rel.VERSION, rel.DATA, seg, mid, off,
                                         tot) + r.randbytes(min(seg, tot - off))
            else:
                body = rel.CLOSE_HDR.pack(rel.MAGIC, rel.VERSION, rel.CLOSE, seg, mid, tot,
                                          r.choice((0, r.getrandbits(32))), 0)
            spent += len(body)
            self.rel_send(s, body, dst)
        if r.random() < 0.1:
            time.sleep(r.choice((0.1, 1)))

    def rel_send(self, s, body, dst, nonce=None):
        """@body (version 1) from @s to @dst; with a key, as keyed() makes
        it: rightly tagged with @nonce, if given, 9 times in 10."""
        if self.key:
            right = nonce is not None and self.rnd.random() < 0.9
            body = self.keyed(body, nonce, right)
        self.call("rel send", s.sendto, body, dst)

    def nonce(self):
        """A nonce for a datagram but HELLO and CHALLENGE: a challenge a
        CHALLENGE brought (the offered one, or a message's), or a guess:
        random, or zero."""
        r = self.rnd
        pick = r.random()
        if self.challenges and pick < 0.7:
            return r.choice(self.challenges)
        if pick < 0.85:
            return r.randbytes(rel.NONCE_SIZE)
        return rel.NONCE_ZERO

    def keyed(self, body, nonce=None, right=False):
        """@body (the layout of version 1, its version byte 1) as it goes
        with a key: in version 2 and rightly tagged (always if @right)
        with @nonce or nonce() (zero for HELLO and CHALLENGE); or with a
        wrong tag; or in version 1; or in version 2 without a tag; or in
        version 1 with a tag."""
        r = self.rnd
        if len(body) < rel.COMMON.size:
            return body
        kind = body[5]
        hdr = rel.HEADERS.get(kind, rel.DATA_HDR.size)
        v2 = body[:4] + bytes([rel.VERSION2]) + body[5:]
        if kind in (rel.HELLO, rel.CHALLENGE):
            nonce = rel.NONCE_ZERO
        elif nonce is None:
            nonce = self.nonce()
        pick = 0.0 if right else r.random()
        if pick < 0.6:
            self.count("rel v2 tagged")
            return rel.seal(self.key, nonce, v2, hdr)
        if pick < 0.75:
            self.count("rel v2 wrong tag")
            how = r.randrange(4)
            if how == 0:
                # A bit of the tag flipped.
                bit = r.randrange(rel.TAG * 8)
                out = bytearray(rel.seal(self.key, nonce, v2, hdr))
                out[hdr + bit // 8] ^= 1 << bit % 8
                return bytes(out)
            if how == 1:
                # Another key.
                return rel.seal(r.randbytes(rel.KEY_SIZE), nonce, v2, hdr)
            if how == 2:
                # The tag cut short.
                out = rel.seal(self.key, nonce, v2, hdr)
                cut = r.randint(1, rel.TAG)
                return out[:hdr + rel.TAG - cut] + out[hdr + rel.TAG:]
            # The tag in the wrong place.
            at = min(max(hdr + r.choice((-8, -4, 8, 16)), 0), len(v2))
            return rel.seal(self.key, nonce, v2, at)
        if pick < 0.85:
            self.count("rel v1")
            return body
        if pick < 0.92:
            self.count("rel v2 untagged")
            return v2
        self.count("rel v1 tagged")
        return rel.seal(self.key, nonce, body, hdr)

    def hello(self, s, mid, seg, total, dst, wait):
        """Version 2: a HELLO of @mid (nonce zero, rightly tagged) from @s,
        then what comes back to @s within @wait seconds (challenges kept).
        The last challenge that came, or None."""
        body = rel.seal(self.key, rel.NONCE_ZERO,
                        rel.HELLO_HDR.pack(rel.MAGIC, rel.VERSION2, rel.HELLO, seg, mid, total, 0))
        self.call("rel hello", s.sendto, body, dst)
        return self.call("rel answers", self.answers, s, wait)

    def answers(self, s, wait):
        """What came back to @s (non-blocking) within @wait seconds: the
        challenges of the CHALLENGEs that verify kept; the last one, or
        None."""
        last = None
        end = time.monotonic() + wait
        while True:
            ready, _, _ = select.select([s], [], [], max(end - time.monotonic(), 0))
            if not ready:
                return last
            try:
                ans = s.recv(65535)
            except BlockingIOError:
                return last
            except OSError as e:
                self.count("rel recv %s" % errno.errorcode.get(e.errno, e.errno))
                continue
            plain = rel.unseal(self.key, rel.NONCE_ZERO, ans)
            if plain and len(plain) >= rel.CHALLENGE_HDR.size and plain[5] == rel.CHALLENGE \
                    and plain[4] == rel.VERSION2:
                last = rel.CHALLENGE_HDR.unpack_from(plain)[5]
                self.challenges.append(last)
                self.count("rel challenge")
            else:
                self.count("rel answer")

    def stray(self, s, mid, seg, dst):
        """Version 2 datagrams of the types a receiver answers or drops:
        HELLOs with a nonce not zero, cut short, of odd segments, their
        zero bytes not zero; CHALLENGEs and control types to the receiver."""
        r = self.rnd
        pick = r.randrange(6)
        hello = rel.HELLO_HDR.pack(rel.MAGIC, rel.VERSION2, rel.HELLO, seg, mid,
                                   r.choice((0, seg, 1 << 20)), 0)
        if pick == 0:
            body = rel.seal(self.key, r.randbytes(rel.NONCE_SIZE), hello)
        elif pick == 1:
            body = rel.seal(self.key, rel.NONCE_ZERO, hello)[:r.randrange(48)]
        elif pick == 2:
            body = rel.seal(self.key, rel.NONCE_ZERO,
                            rel.CHALLENGE_HDR.pack(rel.MAGIC, rel.VERSION2, rel.CHALLENGE, seg,
                                                   mid, r.randbytes(rel.CHALLENGE_SIZE)))
        elif pick == 3:
            body = rel.seal(self.key, self.nonce(),
                            rel.NACK_HDR.pack(rel.MAGIC, rel.VERSION2, rel.NACK, seg, mid, 1, 0, 1)
                            + rel.RANGE.pack(0, 1))
        elif pick == 4:
            body = rel.seal(self.key, self.nonce(),
                            rel.ACK_HDR.pack(rel.MAGIC, rel.VERSION2, rel.ACK, seg, mid,
                                             r.randrange(1 << 20), r.getrandbits(32), 0))
        else:
            body = rel.seal(self.key, rel.NONCE_ZERO,
                            rel.HELLO_HDR.pack(rel.MAGIC, rel.VERSION2, rel.HELLO,
                                               r.choice((0, 511, 65476, 65535)), mid,
                                               r.getrandbits(64), r.getrandbits(64)))
        self.count("rel stray %s" % rel.NAMES[body[5]] if len(body) > 5 else "rel stray short")
        self.call("rel send", s.sendto, body, dst)

    # ----------------------------------------------------------- modules

    def step_modules(self):
        r = self.rnd
        mod = r.choice(MODULES)
        if r.random() < 0.3:
            self.call("rmmod", self.syscall, SYS_DELETE_MODULE, mod.encode(),
                      os.O_NONBLOCK)
        else:
            params = []
            for _ in range(r.randrange(4)):
                name = r.choice(("buffer_size", "buffer_size", "rcvbuf", "ip",
                                 "payload", "data", "debug", "gso", "gro",
                                 "zerocopy", "hold", "idle", "port", "dev", "mode", "mode",
                                 "crc32_impl", "bogus"))
                val = r.choice(SIZES) if name in ("buffer_size", "rcvbuf") \
                    else r.choice(IPS) if name == "ip" \
                    else self.seconds().strip() if name in ("hold", "idle") \
                    else r.choice(("reliable", "reliable", "raw", "bogus")) if name == "mode" \
                    else r.choice(("auto", "lib", "crypto", "bogus", "x" * 200)) if name == "crc32_impl" \
                    else r.choice(("hello", "0", "1", "y", "1472", "65508", ""))
                if name == "buffer_size" and r.random() < 0.7:
                    val = r.choice(("4K", "64K", "1M", "8M"))
                if name == "ip" and (" " in val or "\n" in val or not val):
                    val = "127.0.0.1"
                params.append("%s=%s" % (name, val))
            if not any(p.startswith("buffer_size=") for p in params):
                # The default buffer is 4 GiB: more than the guest has.
                params.append("buffer_size=" + r.choice(("64K", "1M")))
            if self.key and r.random() < (0.9 if "mode=reliable" in params else 0.1):
                # Version 2: the key, mostly the right one (no spaces: a
                # parameter line), mostly with mode=reliable (a raw module
                # refuses one: EINVAL).
                val = self.key_value().strip()
                params.append("key=" + (val if val and " " not in val else self.key.hex()))
            fd = os.open("%s/%s.ko" % (self.moddir, mod), os.O_RDONLY)
            self.call("insmod", self.syscall, SYS_FINIT_MODULE, fd,
                      " ".join(params).encode(), 0)
            os.close(fd)
        time.sleep(r.choice((0, 0.1, 0.5, 2)))


# ---------------------------------------------------------------- checks

def read_sysfs(mod):
    d = "/sys/class/%s/%s" % (mod, mod)
    out = {}
    for f in os.listdir(d):
        if f in ("dev", "uevent", "power", "subsystem"):
            continue
        v = open("%s/%s" % (d, f)).read().strip()
        if f == "state":
            v = STATES.index(v)
        elif f == "reason":
            v = REASONS.index(v)
        elif f == "crc32":
            v = int(v, 16)
        else:
            v = int(v)
        out[f] = v
    return out


def read_netlink(mod):
    nl = genl.Genl()
    fid, _ = nl.family(mod)
    nl.send(fid, 1, 0)
    for mtype, _, body in nl.messages(5):
        if mtype == fid:
            out = {}
            for t, raw in genl.attrs(body[4:]):
                name = genl.ATTRS.get(t)
                out[name] = genl.value(name, raw)
                if name == "crc32":
                    out[name] = int(out[name], 16)
            return out
    return None


def read_ioctl(mod):
    buf = bytearray(STATS.size)
    struct.pack_into("<I", buf, 0, STATS.size)
    fd = os.open("/dev/" + mod, os.O_RDONLY)
    try:
        fcntl.ioctl(fd, KNOWN_IOCTLS[0], buf, True)
    finally:
        os.close(fd)
    return dict(zip(STATS_FIELDS, STATS.unpack(buf)))


def loaded(mod):
    return os.path.exists("/sys/module/%s/initstate" % mod)


def wait(cond, seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.2)
    return cond()


def udp_queue():
    """The bytes queued on the UDP socket bound to PORT (/proc/net/udp's
    rx_queue), 0 if there is none."""
    with open("/proc/net/udp") as f:
        next(f)
        for line in f:
            fields = line.split()
            if int(fields[1].split(":")[1], 16) == PORT:
                return int(fields[4].split(":")[1], 16)
    return 0


def drained(seconds):
    """Wait until receive_udp's socket queue is empty, for at most SECONDS,
    failing sooner if the queue has not shrunk in 5 s. A send at
    payload=1 leaves up to rcvbuf's worth of 1-byte datagrams (hundreds of
    thousands) that a slow guest's drain takes minutes to work through.
    Return "empty", "stalled" or "draining"."""
    end = time.monotonic() + seconds
    low, since = udp_queue(), time.monotonic()
    while low:
        time.sleep(0.5)
        now, q = time.monotonic(), udp_queue()
        if q < low:
            low, since = q, now
        if not q:
            break
        if now - since > 5:
            return "stalled"
        if now > end:
            return "draining"
    return "empty"


def param(mod, name):
    return open("/sys/module/%s/parameters/%s" % (mod, name)).read().strip()


def state(mod):
    """The state's name, without the reason ("complete (idle)")."""
    return open("/sys/module/%s/parameters/state" % mod).read().split()[0]


def check(moddir, fails, key=None):
    def fail(msg):
        print("# FAIL: " + msg, flush=True)
        fails.append(msg)

    if loaded("send_udp"):
        # A sender whose writers are all dead is never "filling".
        if not wait(lambda: state("send_udp") != "filling", 5):
            fail("send_udp stays filling with no writer")
        # A send at payload=1 through a 16 MiB buffer takes long: after
        # 30 s, rmmod ends it (itself a check: rmmod in the middle).
        if not wait(lambda: state("send_udp") == "idle", 30):
            print("# send_udp still sending after 30 s: rmmod", flush=True)
            os.system("rmmod send_udp")
    if loaded("receive_udp"):
        # Nothing sends any more: once the drain has taken what the socket
        # holds (progress, or a failure; after 60 s, rmmod ends it: itself
        # a check), after idle seconds of silence a message completes.
        how = drained(60)
        if how == "stalled":
            fail("receive_udp's drain stalled: %d bytes queued" % udp_queue())
        elif how == "draining":
            print("# receive_udp still draining %d queued bytes after 60 s: rmmod"
                  % udp_queue(), flush=True)
            os.system("rmmod receive_udp")
        if loaded("receive_udp"):
            # A raw message completes idle seconds after its last
            # datagram; mode=reliable keeps an incomplete one hold seconds
            # (the fuzzer may have set an hour: then "receiving" is right).
            idle = int(param("receive_udp", "idle"))
            if param("receive_udp", "mode") == "reliable":
                idle = int(param("receive_udp", "hold"))
            time.sleep(1)
            if idle <= 30 and not wait(lambda: state("receive_udp") != "receiving", idle + 2):
                fail("receive_udp still receiving %d s after the last datagram" % (idle + 3))
    for mod in MODULES:
        if not loaded(mod):
            continue
        sysfs = read_sysfs(mod)
        nl = read_netlink(mod)
        io = read_ioctl(mod)
        print("# %s after the fuzz: %s" % (mod, " ".join(
            "%s=%s" % kv for kv in sorted(sysfs.items()))), flush=True)
        if sysfs != nl:
            fail("%s: sysfs %s, netlink %s" % (mod, sysfs, nl))
        diff = {k: (v, io.get(k)) for k, v in sysfs.items() if io.get(k) != v}
        if diff:
            fail("%s: sysfs and ioctl differ (sysfs, ioctl): %s" % (mod, diff))
        if mod == "receive_udp" and sysfs["state"] == STATES.index("complete"):
            data = open("/dev/receive_udp", "rb").read()
            got = (len(data), zlib.crc32(data))
            want = (sysfs["last_bytes"], sysfs["crc32"])
            if got != want:
                fail("the complete message reads back as %s, statistics say %s"
                     % (got, want))
    for mod in MODULES:
        if loaded(mod) and os.system("rmmod " + mod) != 0:
            fail("rmmod %s after the fuzz" % mod)
    # A fresh pair carries a message.
    rc = os.system("insmod %s/receive_udp.ko buffer_size=64K && "
                   "insmod %s/send_udp.ko buffer_size=64K" % (moddir, moddir))
    if rc:
        fail("insmod after the fuzz")
        return
    open("/sys/module/send_udp/parameters/data", "w").write("after the fuzz")
    if not wait(lambda: state("receive_udp") == "complete", 30):
        fail("no message after the fuzz: %s" % state("receive_udp"))
    elif open("/sys/module/receive_udp/parameters/data").read() != "after the fuzz":
        fail("the message after the fuzz came back wrong")
    os.system("rmmod send_udp; rmmod receive_udp")
    if key is None:
        return
    # With a key: a fresh pair in version 2 carries a message too.
    args = "buffer_size=64K mode=reliable key=%s" % key.hex()
    rc = os.system("insmod %s/receive_udp.ko %s && insmod %s/send_udp.ko %s"
                   % (moddir, args, moddir, args))
    if rc:
        fail("insmod with the key after the fuzz")
        os.system("rmmod send_udp 2>/dev/null; rmmod receive_udp 2>/dev/null")
        return
    open("/sys/module/send_udp/parameters/data", "w").write("after the fuzz, keyed")
    if not wait(lambda: state("receive_udp") == "complete", 30):
        fail("no keyed message after the fuzz: %s" % state("receive_udp"))
    elif open("/sys/module/receive_udp/parameters/data").read() != "after the fuzz, keyed":
        fail("the keyed message after the fuzz came back wrong")
    os.system("rmmod send_udp; rmmod receive_udp")


# ---------------------------------------------------------------- runner

KINDS = ("params", "devices", "devices", "netlink", "udp", "modules")


def start(kind, seed, moddir, deadline, tmp, key=None):
    pid = os.fork()
    if pid:
        return pid
    signal.signal(signal.SIGALRM, on_alarm)
    # genl.py prints what it finds; the run's output is the summary.
    sys.stdout = open(os.devnull, "w")
    w = Worker(kind, seed, moddir, deadline, tmp, key)
    try:
        w.run()
    except Exception:
        traceback.print_exc()
        w.count("fuzzer error")
    finally:
        w.save()
        os._exit(0)


def main():
    ap = argparse.ArgumentParser(usage="fuzz.py MODDIR SECONDS SEED [--key-file FILE]")
    ap.add_argument("moddir")
    ap.add_argument("seconds", type=float)
    ap.add_argument("seed")
    ap.add_argument("--key-file", help="version 2 too, with the key in FILE "
                    "(64 hex digits, mode 600)")
    a = ap.parse_args()
    moddir, seconds, seed = a.moddir, a.seconds, a.seed
    key = None
    if a.key_file:
        try:
            key = rel.read_key_file(a.key_file)
        except rel.KeyFileError as e:
            print("fuzz.py: %s" % e, file=sys.stderr)
            sys.exit(2)
    tmp = os.environ.get("KUDP_TMP", "/tmp")
    print("# fuzz: seed %s, %d workers, %d s (make fuzz SEED=%s replays the "
          "sequences)%s" % (seed, len(KINDS), seconds, seed,
                            "; version 2 too, with a key" if key else ""), flush=True)
    rnd = random.Random(seed)
    deadline = time.monotonic() + seconds
    workers = {}
    gen = 0
    for i, kind in enumerate(KINDS):
        workers[start(kind, "%s-%d-%d" % (seed, i, gen), moddir, deadline,
                      tmp, key)] = (i, kind)
    killed = 0
    while time.monotonic() < deadline:
        time.sleep(rnd.uniform(1, 6))
        if time.monotonic() >= deadline:
            break
        pid = rnd.choice(sorted(workers))
        i, kind = workers.pop(pid)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        killed += 1
        gen += 1
        workers[start(kind, "%s-%d-%d" % (seed, i, gen), moddir, deadline,
                      tmp, key)] = (i, kind)
    fails = []
    # Every worker ends by itself within its last alarm.
    end = time.monotonic() + 20
    while workers and time.monotonic() < end:
        pid, _ = os.waitpid(-1, os.WNOHANG)
        if pid:
            workers.pop(pid, None)
        else:
            time.sleep(0.2)
    for pid, (i, kind) in workers.items():
        stack = open("/proc/%d/stack" % pid).read()
        print("# FAIL: worker %s (pid %d) stuck:\n%s" % (kind, pid, stack))
        fails.append("stuck " + kind)
        # Not waited for: it may never come back.
        os.kill(pid, signal.SIGKILL)
    totals = {}
    for name in os.listdir(tmp):
        if name.isdigit():
            for line in open("%s/%s" % (tmp, name)):
                kind, what, n = line.rstrip("\n").split("\t")
                totals[(kind, what)] = totals.get((kind, what), 0) + int(n)
    for kind in sorted(set(KINDS)):
        calls = sorted((w, n) for (k, w), n in totals.items() if k == kind)
        print("# %s: %d calls: %s" % (kind, sum(n for _, n in calls),
                                      ", ".join("%s %d" % c for c in calls)))
    print("# %d workers killed with SIGKILL on the way" % killed)
    for (kind, what), n in totals.items():
        if what == "fuzzer error":
            print("# FAIL: the %s worker failed (its traceback is above)" % kind)
            fails.append("fuzzer error")
    check(moddir, fails, key)
    print("fuzz: " + ("ok" if not fails else "%d failures" % len(fails)))
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
