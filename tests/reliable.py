#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""kudp's reliable mode in user space, written from
Documentation/protocol.rst (not from the modules), so that the tests prove
the document: it sends to receive_udp and receives from send_udp.

  reliable.py send ADDR FILE [--port P] [--segment N] [--drop F] [--seed S]
                   [--id ID] [--bad-crc] [--vanish]
      send FILE to ADDR:P (8808); exit 0 once the receiver confirmed it
      (ACK), else print the errno's name and exit 1. Prints "stats
      rounds=R nacks=N batch=B resent=S tries=T sent=N rejected=N" (B: the
      most NACKs answering one CLOSE; S: DATA datagrams sent again).
      --drop F skips a fraction F of the DATA datagrams on the first pass
      (a lossy sender, to exercise NACK); --id sets the message id (the
      instance in its upper 32 bits); --bad-crc announces a CRC-32 that
      does not match the bytes (the receiver must refuse it: EBADMSG);
      --vanish sends the DATA (less --drop) and no CLOSE: a sender that
      vanished.
  reliable.py receive OUT [--port P] [--buffer N] [--bind ADDR]
                      [--linger S] [--flip] [--noise] [--lose F]
                      [--ready FILE]
      receive one message into OUT; print its length and CRC-32, exit 0 once
      it is complete, 1 if it was discarded or refused. After the ACK it
      answers repeated CLOSEs for S (2) seconds of silence (the ACK may be
      lost). --flip changes one byte of the message before the CRC-32
      check (corruption nobody detected on the way: the receiver must
      REFUSE EBADMSG); --noise sends the sender, before its first answer,
      a truncated NACK and an ACK of another message id (the sender must
      drop and count both); --lose F loses a fraction F of the DATA that
      arrive (1: all, so that no round makes progress). Prints a line per
      CLOSE answered with NACKs. --ready: a file created once the socket
      is bound.
  reliable.py forge ADDR CASE... [--port P] [--id ID] [--buffer N]
                    [--wait S] [--counter FILE [--show FILE]...]
      send one crafted datagram per CASE to ADDR:P, each one that the
      receiver must drop and count in rejected; ID is the id of the
      receiver's current (or last complete) message, whose length is 1000
      bytes (stale cases use ID - 1, control and CRC cases ID itself).
      Prints one line per CASE: "CASE sent N bytes" and, when --wait S is
      given, what came back within S seconds ("answer REFUSE EFBIG",
      "answer none"). --counter: after each CASE, wait (up to 10 s) until
      the number in FILE (the receiver's rejected) changes, then add
      "; NAME VALUE" to the line for it and for each --show FILE (the
      receiver's state...), NAME the file's. CASEs: short truncated magic
      version type segment offset beyond length efbig badcrc nack ack
      refuse stale (see FORGE).
  reliable.py watch [--timeout S] [--ready FILE]
      on receive_udp's machine: watch the CLOSEs that arrive for port 8808
      (a packet socket, the kernel's arrival time of each) and
      receive_udp's events (tests/genl.py); at its first complete event,
      print "complete seq=N reason=R: D s after the last CLOSE arrived" and
      exit 0 (1 after S seconds, 600 by default, without one).
  reliable.py selftest
      a sender and a receiver of this file over 127.0.0.1, with loss,
      reordering and duplicates, a refusal, a CRC-32 mismatch and a
      receiver that never makes progress.
"""
import argparse
import contextlib
import errno
import io
import os
import random
import select
import socket
import struct
import sys
import threading
import time
import zlib

MAGIC = 0x4B554450
VERSION = 1
DATA, CLOSE, NACK, ACK, REFUSE = 1, 2, 3, 4, 5
NAMES = {DATA: "DATA", CLOSE: "CLOSE", NACK: "NACK", ACK: "ACK", REFUSE: "REFUSE"}
COMMON = struct.Struct(">IBBHQ")          # magic, version, type, segment, id
DATA_HDR = struct.Struct(">IBBHQQQ")      # + offset, total length
CLOSE_HDR = struct.Struct(">IBBHQQII")    # + total length, CRC-32, 0
NACK_HDR = struct.Struct(">IBBHQHHI")     # + ranges, flags, missing
RANGE = struct.Struct(">II")              # first segment, segments
ACK_HDR = CLOSE_HDR
REFUSE_HDR = struct.Struct(">IBBHQI")     # + errno
NACK_MORE = 0x0001
NACK_RANGES = 181                         # 24 + 181 * 8 = 1472 bytes
NACK_BATCH = 16                           # NACKs answering one CLOSE
SEGMENT_MIN, SEGMENT_MAX = 512, 65475
IDLE_S = 5.0
TRIES = 8
RTO_FIRST, RTO_MIN, RTO_MAX = 0.2, 0.01, 2.0
CHECK_EVERY = 4 << 20                     # bytes of DATA between looks for a REFUSE
SO_RCVBUFFORCE = 33

assert NACK_HDR.size == 24 and NACK_HDR.size + NACK_RANGES * RANGE.size == 1472


def crc32(data):
    return zlib.crc32(data) & 0xFFFFFFFF


def big_rcvbuf(sock, size=64 << 20):
    """A receive buffer of SIZE bytes, beyond rmem_max if root."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, size)
    except OSError:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)


class Sender:
    """The sender of protocol.rst: SENDING, then CLOSING until an answer."""

    def __init__(self, addr, port=8808, segment=1440, instance=None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        big_rcvbuf(self.sock, 4 << 20)
        self.sock.connect((addr, port))
        self.segment = segment
        self.instance = random.getrandbits(32) if instance is None else instance
        self.count = 0
        self.srtt = None
        self.stats = {}

    def _data(self, msg_id, data, seg_no):
        off = seg_no * self.segment
        hdr = DATA_HDR.pack(MAGIC, VERSION, DATA, self.segment, msg_id, off, len(data))
        self.sock.send(hdr + data[off:off + self.segment])

    def send(self, data, drop=0.0, rng=random, msg_id=None, bad_crc=False, vanish=False):
        """0 once the receiver confirmed DATA; else a negative errno. With
        @vanish, only the first pass of DATA (0)."""
        try:
            return self._send(data, drop, rng, msg_id, bad_crc, vanish)
        except ConnectionRefusedError:
            return -errno.ECONNREFUSED

    def _send(self, data, drop, rng, msg_id, bad_crc, vanish):
        if msg_id is None:
            self.count += 1
            msg_id = self.instance << 32 | self.count
        st = self.stats = {"rounds": 0, "nacks": 0, "batch": 0, "resent": 0,
                           "tries": 0, "sent": 0, "rejected": 0}
        seg = self.segment
        nseg = (len(data) + seg - 1) // seg
        # SENDING, with a look for a REFUSE every CHECK_EVERY bytes.
        since_check = 0
        for i in range(nseg):
            if rng.random() >= drop:
                self._data(msg_id, data, i)
            st["sent"] = min(len(data), (i + 1) * seg)
            since_check += seg
            if since_check >= CHECK_EVERY:
                since_check = 0
                ans = self._answer(msg_id, 0)
                if ans and ans[0] == REFUSE:
                    return -REFUSE_HDR.unpack_from(ans[1])[5]
        if vanish:
            return 0
        crc = crc32(data) ^ (1 if bad_crc else 0)
        close = CLOSE_HDR.pack(MAGIC, VERSION, CLOSE, seg, msg_id, len(data), crc, 0)
        rto = max(4 * self.srtt, RTO_MIN) if self.srtt else RTO_FIRST
        tries = 0
        prev_missing = None     # the previous round's first NACK's figure

        def new_round():
            nonlocal batch
            st["rounds"] += 1
            batch = 0
            self.sock.send(close)
            return time.monotonic(), True, 0

        batch = 0               # NACKs answering this round's CLOSE

        sent_at, first, budget = new_round()
        deadline = sent_at + rto
        while True:
            ans = self._answer(msg_id, deadline - time.monotonic())
            if ans is None:
                tries += 1
                st["tries"] = max(st["tries"], tries)
                if tries >= TRIES:
                    return -errno.ETIMEDOUT
                rto = min(rto * 2, RTO_MAX)
                sent_at, first, budget = new_round()
                deadline = sent_at + rto
                continue
            kind, body = ans
            if first:
                rtt = time.monotonic() - sent_at
                self.srtt = rtt if self.srtt is None else 0.875 * self.srtt + 0.125 * rtt
            if kind == ACK:
                _, _, _, _, _, total, acrc, _ = ACK_HDR.unpack_from(body)
                return 0 if (total, acrc) == (len(data), crc) else -errno.EBADMSG
            if kind == REFUSE:
                return -REFUSE_HDR.unpack_from(body)[5]
            # NACK: the first of a round measures the progress.
            _, _, _, _, _, n, flags, missing = NACK_HDR.unpack_from(body)
            st["nacks"] += 1
            batch += 1
            st["batch"] = max(st["batch"], batch)
            if first:
                first = False
                if prev_missing is None or missing < prev_missing:
                    tries = 0
                else:
                    tries += 1
                    st["tries"] = max(st["tries"], tries)
                    if tries >= TRIES:
                        return -errno.ETIMEDOUT
                prev_missing = missing
            for k in range(n):
                lo, cnt = RANGE.unpack_from(body, NACK_HDR.size + k * RANGE.size)
                for i in range(lo, min(lo + cnt, nseg)):
                    size = min(seg, len(data) - i * seg)
                    if budget + size > len(data):
                        break
                    budget += size
                    self._data(msg_id, data, i)
                    st["resent"] += 1
            if not flags & NACK_MORE:
                sent_at, first, budget = new_round()
                deadline = sent_at + rto

    def _answer(self, msg_id, timeout):
        """The next control datagram of @msg_id within @timeout, as (type,
        bytes), or None. What is queued is taken even once @timeout is
        past (0 or less: only what is queued)."""
        deadline = time.monotonic() + timeout
        while True:
            # The socket stays blocking, for the sends: the wait is
            # select's, the receive never blocks (a send on a socket left
            # with a timeout of 0 fails with EAGAIN once its buffer fills).
            select.select([self.sock], [], [], max(deadline - time.monotonic(), 0))
            try:
                body = self.sock.recv(65535, socket.MSG_DONTWAIT)
            except BlockingIOError:
                return None
            if len(body) < COMMON.size:
                self.stats["rejected"] += 1
                continue
            magic, ver, kind, _, mid = COMMON.unpack_from(body)
            need = {ACK: ACK_HDR.size, NACK: NACK_HDR.size, REFUSE: REFUSE_HDR.size}.get(kind)
            if magic != MAGIC or ver != VERSION or mid != msg_id or not need or len(body) < need:
                self.stats["rejected"] += 1
                continue
            if kind == NACK:
                n = NACK_HDR.unpack_from(body)[5]
                if not 1 <= n <= NACK_RANGES or len(body) < NACK_HDR.size + n * RANGE.size:
                    self.stats["rejected"] += 1
                    continue
            return kind, body


class Receiver:
    """The receiver of protocol.rst, for one message at a time."""

    def __init__(self, port=8808, buffer=1 << 30, bind="0.0.0.0", flip=False, noise=False,
                 lose=0.0, verbose=False):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        big_rcvbuf(self.sock)
        self.sock.bind((bind, port))
        self.buffer = buffer
        self.flip = flip
        self.noise = noise
        self.lose = lose
        self.rng = random.Random(2)
        self.verbose = verbose
        self.counts = {"malformed": 0, "stale": 0, "duplicate": 0, "control": 0,
                       "refused": 0, "nacks": 0}
        self.cur = None         # [id, segment, total, bytearray, have, missing]
        self.done = {}          # id -> (total, crc): answered again with ACK
        self.refused = set()    # ids refused for their size
        self.fresh = False      # DATA stored since the last answer

    def receive(self, linger=0.0):
        """(bytes, crc) of the next complete message, or None once one was
        discarded (5 s without a datagram of it) or refused (CRC-32). With
        @linger, the ACK is repeated to repeated CLOSEs until @linger
        seconds pass without a datagram."""
        while True:
            self.sock.settimeout(IDLE_S if self.cur else None)
            try:
                body, src = self.sock.recvfrom(65535)
            except socket.timeout:
                self.cur = None
                return None
            done = self._datagram(body, src)
            if done == "refused":
                return None
            if done:
                break
        self.sock.settimeout(linger)
        while linger > 0:
            try:
                body, src = self.sock.recvfrom(65535)
            except socket.timeout:
                break
            self._datagram(body, src)
        return done

    def _control(self, src, kind, mid, seg, tail):
        if self.noise:
            # What a confused or forging peer could send first.
            self.noise = False
            self.sock.sendto(COMMON.pack(MAGIC, VERSION, NACK, seg, mid) + b"\0\1", src)
            self.sock.sendto(ACK_HDR.pack(MAGIC, VERSION, ACK, seg, mid ^ 1, 0, 0, 0), src)
        self.sock.sendto(COMMON.pack(MAGIC, VERSION, kind, seg, mid) + tail, src)

    def _nacks(self, src, mid, seg, have, missing):
        """Up to NACK_BATCH NACKs: the first missing ranges; one only
        unless DATA arrived since the last answer."""
        most = NACK_BATCH if self.fresh else 1
        self.fresh = False
        ranges, i = [], 0
        while i < len(have) and len(ranges) < NACK_RANGES * most:
            if have[i]:
                i += 1
                continue
            j = i
            while j < len(have) and not have[j]:
                j += 1
            ranges.append(RANGE.pack(i, j - i))
            i = j
        batch = [ranges[k:k + NACK_RANGES] for k in range(0, len(ranges), NACK_RANGES)]
        for k, part in enumerate(batch):
            flags = NACK_MORE if k < len(batch) - 1 else 0
            self._control(src, NACK, mid, seg,
                          struct.pack(">HHI", len(part), flags, missing) + b"".join(part))
            self.counts["nacks"] += 1
        if self.verbose:
            print("NACK: %d segments missing, %d ranges in %d NACKs"
                  % (missing, len(ranges), len(batch)), flush=True)

    def _datagram(self, body, src):
        if self.lose and len(body) > CLOSE_HDR.size and self.rng.random() < self.lose:
            return None
        if len(body) < COMMON.size:
            self.counts["malformed"] += 1
            return None
        magic, ver, kind, seg, mid = COMMON.unpack_from(body)
        if magic != MAGIC or ver != VERSION or not SEGMENT_MIN <= seg <= SEGMENT_MAX:
            self.counts["malformed"] += 1
            return None
        if kind in (NACK, ACK, REFUSE):
            self.counts["control"] += 1
            return None
        if kind not in (DATA, CLOSE):
            self.counts["malformed"] += 1
            return None
        need = DATA_HDR.size if kind == DATA else CLOSE_HDR.size
        if len(body) < need:
            self.counts["malformed"] += 1
            return None
        total = struct.unpack_from(">Q", body, 24 if kind == DATA else 16)[0]
        if kind == DATA:
            off = struct.unpack_from(">Q", body, 16)[0]
            if off % seg or off >= total or len(body) - need != min(seg, total - off):
                self.counts["malformed"] += 1
                return None
        if kind == DATA and mid in self.done:
            # Still in flight when the message completed.
            self.counts["duplicate"] += 1
            return None
        if kind == CLOSE and mid in self.done:
            if CLOSE_HDR.unpack_from(body)[5:7] != self.done[mid]:
                self.counts["malformed"] += 1
                return None
            total, crc = self.done[mid]
            self._control(src, ACK, mid, seg, struct.pack(">QII", total, crc, 0))
            return None
        cur = self.cur[0] if self.cur else (next(iter(self.done)) if self.done else None)
        if cur is not None and mid != cur and mid >> 32 == cur >> 32 and mid < cur:
            self.counts["stale"] += 1
            return None
        if total > self.buffer or mid in self.refused:
            self.counts["refused"] += 1
            if mid not in self.refused or kind == CLOSE:
                self.refused.add(mid)
                self._control(src, REFUSE, mid, seg, struct.pack(">I", errno.EFBIG))
            return None
        if self.cur is None or self.cur[0] != mid:
            nseg = (total + seg - 1) // seg
            self.done = {}
            self.cur = [mid, seg, total, bytearray(total), bytearray(nseg), nseg]
        cid, cseg, ctotal, buf, have, missing = self.cur
        if seg != cseg or total != ctotal:
            self.counts["malformed"] += 1
            return None
        if kind == DATA:
            i = off // seg
            if have[i]:
                self.counts["duplicate"] += 1
                return None
            buf[off:off + seg] = body[DATA_HDR.size:]
            have[i] = 1
            self.cur[5] = missing - 1
            self.fresh = True
            return None
        crc = CLOSE_HDR.unpack_from(body)[6]
        if missing:
            self._nacks(src, mid, seg, have, missing)
            return None
        if self.flip and total:
            buf[total // 2] ^= 0x55
        if crc32(buf) != crc:
            self._control(src, REFUSE, mid, seg, struct.pack(">I", errno.EBADMSG))
            self.cur = None
            return "refused"
        self._control(src, ACK, mid, seg, struct.pack(">QII", total, crc, 0))
        self.done = {mid: (total, crc)}
        self.cur = None
        return bytes(buf), crc


# forge: one datagram per case, each one a receiver must drop and count.
# Each builder gets the id of the receiver's current (or last complete)
# message, whose length is FORGE_TOTAL, and the receiver's buffer size.
FORGE_TOTAL = 1000
FORGE_SEG = 512


def _data(mid, off=0, total=FORGE_TOTAL, seg=FORGE_SEG, payload=None, magic=MAGIC,
          version=VERSION, kind=DATA):
    if payload is None:
        payload = b"f" * max(0, min(seg, total - off))
    return DATA_HDR.pack(magic, version, kind, seg, mid, off, total) + payload


FORGE = {
    # shorter than the common header
    "short": lambda mid, buf: b"KUDP\1\1\2",
    # a DATA header cut short (24 of its 32 bytes)
    "truncated": lambda mid, buf: _data(mid)[:24],
    "magic": lambda mid, buf: _data(mid, magic=0x4B554451),
    "version": lambda mid, buf: _data(mid, version=2),
    "type": lambda mid, buf: _data(mid, kind=9),
    # segment below 512 (the payload its length)
    "segment": lambda mid, buf: _data(mid, seg=256),
    # an offset that is no multiple of the segment
    "offset": lambda mid, buf: _data(mid, off=100, payload=b"f" * 512),
    # an offset at the total length, with a payload
    "beyond": lambda mid, buf: _data(mid, off=1024, payload=b"f" * 512),
    # a payload longer than the last segment's
    "length": lambda mid, buf: _data(mid, off=512, payload=b"f" * 512),
    # a new message larger than the buffer (REFUSE EFBIG comes back)
    "efbig": lambda mid, buf: _data((mid ^ 0xFFFFFFFF00000000) | 1, total=buf + 1,
                                    payload=b"f" * FORGE_SEG),
    # the message's CLOSE with a CRC-32 that is not its own
    "badcrc": lambda mid, buf: CLOSE_HDR.pack(MAGIC, VERSION, CLOSE, FORGE_SEG, mid,
                                              FORGE_TOTAL, 0x12345678, 0),
    # control types, which only a sender takes
    "nack": lambda mid, buf: NACK_HDR.pack(MAGIC, VERSION, NACK, FORGE_SEG, mid, 1, 0, 1)
    + RANGE.pack(0, 1),
    "ack": lambda mid, buf: ACK_HDR.pack(MAGIC, VERSION, ACK, FORGE_SEG, mid,
                                         FORGE_TOTAL, 0, 0),
    "refuse": lambda mid, buf: REFUSE_HDR.pack(MAGIC, VERSION, REFUSE, FORGE_SEG, mid,
                                               errno.EFBIG),
    # a well-formed DATA of the previous message of the same instance
    "stale": lambda mid, buf: _data(mid - 1),
}


def _read(path):
    with open(path) as fp:
        return fp.read().strip()


def forge(addr, cases, port=8808, mid=None, buffer=1 << 20, wait=0.0, counter=None,
          show=()):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.connect((addr, port))
    mid = random.getrandbits(32) << 32 | 2 if mid is None else mid
    for case in cases:
        before = _read(counter) if counter else None
        body = FORGE[case](mid, buffer)
        sock.send(body)
        line = "%s sent %d bytes" % (case, len(body))
        if wait:
            sock.settimeout(wait)
            try:
                ans = sock.recv(65535)
                kind = COMMON.unpack_from(ans)[2] if len(ans) >= COMMON.size else 0
                line += " answer " + NAMES.get(kind, "type %d" % kind)
                if kind == REFUSE and len(ans) >= REFUSE_HDR.size:
                    line += " " + errno.errorcode.get(REFUSE_HDR.unpack_from(ans)[5], "?")
            except socket.timeout:
                line += " answer none"
            except ConnectionRefusedError:
                line += " answer ECONNREFUSED"
        if counter:
            deadline = time.monotonic() + 10
            while _read(counter) == before and time.monotonic() < deadline:
                time.sleep(0.05)
        for path in ([counter] if counter else []) + list(show):
            line += "; %s %s" % (os.path.basename(path), _read(path))
        print(line, flush=True)
    return 0


def close_filter():
    """A classic BPF program for a packet socket (SOCK_DGRAM, from the IP
    header): IPv4 UDP to port 8808, not a fragment, whose payload's type
    byte is CLOSE."""
    ins = [
        (0x30, 0, 0, 9),            # ldb [9]: protocol
        (0x15, 0, 7, 17),           # jeq UDP, else drop
        (0x28, 0, 0, 6),            # ldh [6]: flags, fragment offset
        (0x45, 5, 0, 0x1fff),       # jset fragment offset: drop
        (0xb1, 0, 0, 0),            # ldx 4 * ([0] & 0xf): IP header length
        (0x48, 0, 0, 2),            # ldh [x + 2]: destination port
        (0x15, 0, 2, 8808),         # jeq 8808, else drop
        (0x50, 0, 0, 8 + 5),        # ldb [x + 13]: the datagram's type
        (0x15, 1, 0, CLOSE),        # jeq CLOSE: accept
        (0x06, 0, 0, 0),            # drop
        (0x06, 0, 0, 0xFFFF),       # accept
    ]
    return b"".join(struct.pack("HBBI", *i) for i in ins), len(ins)


def watch(timeout, ready):
    import ctypes
    import select
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import genl
    SO_ATTACH_FILTER, SO_TIMESTAMPNS, PACKET_OUTGOING = 26, 35, 4
    pkt = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800))
    prog, n = close_filter()
    buf = ctypes.create_string_buffer(prog)
    pkt.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER,
                   struct.pack("HxxxxxxQ", n, ctypes.addressof(buf)))
    pkt.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    nl = genl.Genl()
    fid, groups = nl.family("receive_udp")
    nl.sock.setsockopt(genl.SOL_NETLINK, genl.NETLINK_ADD_MEMBERSHIP, groups["events"])
    if ready:
        open(ready, "w").close()
    last = None
    deadline = time.time() + timeout
    while time.time() < deadline:
        r, _, _ = select.select([pkt, nl.sock], [], [], deadline - time.time())
        if pkt in r:
            _, anc, _, addr = pkt.recvmsg(64, socket.CMSG_SPACE(16))
            if addr[2] == PACKET_OUTGOING:
                continue
            for level, kind, data in anc:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                    sec, nsec = struct.unpack("qq", data[:16])
                    last = sec + nsec / 1e9
        if nl.sock in r:
            now = time.time()
            for mtype, _, body in nl.messages(0.001):
                if mtype != fid:
                    continue
                cmd, fields = genl.describe(body)
                if cmd != "complete":
                    continue
                f = dict(kv.split("=") for kv in fields.split())
                f["reason"] = {"1": "idle", "2": "full", "3": "whole"}.get(f["reason"], f["reason"])
                if last is None:
                    print("complete seq=%s reason=%s: no CLOSE seen" % (f["seq"], f["reason"]))
                    return 1
                print("complete seq=%s reason=%s: %.3f s after the last CLOSE arrived"
                      % (f["seq"], f["reason"], now - last), flush=True)
                return 0
    print("no complete event within %d s" % timeout)
    return 1


def selftest():
    """This sender against this receiver over 127.0.0.1: a clean pass, a
    lossy one (NACKs, several a round), a refusal for a message larger than
    the buffer (early), a CRC-32 mismatch, a late DATA of a complete
    message, forged datagrams, a CLOSE sent again with no DATA between
    (one NACK back), and a receiver that never makes progress
    (the bound on rounds)."""
    port = 18808
    rx = Receiver(port=port, buffer=8 << 20, bind="127.0.0.1")
    got = []

    def serve():
        while True:
            got.append(rx.receive())

    threading.Thread(target=serve, daemon=True).start()
    tx = Sender("127.0.0.1", port)
    rng = random.Random(1)
    data = os.urandom(3 << 20)
    out = []
    fails = []

    def answered(n):
        """Whether the receiver thread ended its n-th message (it sends
        the answer first: wait for it a little)."""
        end = time.monotonic() + 2
        while len(got) < n and time.monotonic() < end:
            time.sleep(0.01)
        return len(got) == n

    def case(name, want, call, check=lambda: True):
        t0 = time.monotonic()
        res = call()
        ok = res == want and check()
        out.append("%s: %s %.2f s %s" % (name, res, time.monotonic() - t0, tx.stats))
        if not ok:
            fails.append(name)

    case("clean", 0, lambda: tx.send(data), lambda: answered(1) and got[-1][0] == data)
    case("lossy", 0, lambda: tx.send(data[::-1], drop=0.2, rng=rng),
         lambda: answered(2) and got[-1][0] == data[::-1]
         and tx.stats["batch"] > 1)
    case("efbig", -errno.EFBIG, lambda: tx.send(bytes(32 << 20)),
         lambda: tx.stats["sent"] < (32 << 20))
    case("bad crc", -errno.EBADMSG, lambda: tx.send(data[:100000], bad_crc=True),
         lambda: answered(3) and got[-1] is None)
    case("empty", 0, lambda: tx.send(b""), lambda: answered(4) and got[-1] == (b"", 0))
    # A 1000-byte message in 512-byte segments, then every forged case:
    # each one counted, the message still there, only efbig answered.
    tx.segment = FORGE_SEG
    msg = os.urandom(FORGE_TOTAL)
    case("for forge", 0, lambda: tx.send(msg), lambda: answered(5))
    mid = tx.instance << 32 | tx.count
    # A DATA of it still in flight at the ACK: a duplicate, not a new message.
    dups = rx.counts["duplicate"]
    tx._data(mid, msg, 1)
    end = time.monotonic() + 2
    while rx.counts["duplicate"] == dups and time.monotonic() < end:
        time.sleep(0.01)
    out.append("late DATA: %d duplicate" % (rx.counts["duplicate"] - dups))
    if rx.counts["duplicate"] != dups + 1 or rx.cur is not None or mid not in rx.done:
        fails.append("late DATA")
    tx.segment = 1440
    before = sum(rx.counts.values()) - rx.counts["duplicate"] - rx.counts["nacks"]
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        forge("127.0.0.1", [c for c in FORGE if c != "efbig"], port, mid, 8 << 20)
        forge("127.0.0.1", ["efbig"], port, mid, 8 << 20, wait=2)
    end = time.monotonic() + 2
    while time.monotonic() < end:
        after = sum(rx.counts.values()) - rx.counts["duplicate"] - rx.counts["nacks"]
        if after - before >= len(FORGE):
            break
        time.sleep(0.01)
    out.append("forge: %d of %d counted; %s" % (after - before, len(FORGE),
                                                buf.getvalue().strip().split("\n")[-1]))
    if after - before != len(FORGE) or rx.cur is not None or mid not in rx.done \
            or "answer REFUSE EFBIG" not in buf.getvalue():
        fails.append("forge")
    # A CLOSE sent again with no DATA since: one NACK back, not a batch.
    quiet = Receiver(port=port + 2, bind="127.0.0.1")
    threading.Thread(target=quiet.receive, daemon=True).start()
    peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    peer.connect(("127.0.0.1", port + 2))
    qid, qseg, qtotal = 7 << 32 | 1, SEGMENT_MIN, 1000 * SEGMENT_MIN
    for i in range(0, 1000, 2):     # every other segment: 500 ranges
        peer.send(DATA_HDR.pack(MAGIC, VERSION, DATA, qseg, qid, i * qseg, qtotal)
                  + bytes(qseg))
    close = CLOSE_HDR.pack(MAGIC, VERSION, CLOSE, qseg, qid, qtotal, 0, 0)
    answers = []
    for _ in range(2):
        peer.send(close)
        n = 0
        peer.settimeout(2)
        with contextlib.suppress(socket.timeout):
            while True:
                body = peer.recv(65535)
                n += 1
                if not NACK_HDR.unpack_from(body)[6] & NACK_MORE:
                    break
        answers.append(n)
    out.append("CLOSE twice, no DATA between: %s NACKs" % answers)
    if answers != [3, 1]:
        fails.append("one NACK")
    stuck = Receiver(port=port + 1, bind="127.0.0.1", lose=1.0)
    threading.Thread(target=stuck.receive, daemon=True).start()
    tx2 = Sender("127.0.0.1", port + 1)
    tx = tx2
    case("no progress", -errno.ETIMEDOUT, lambda: tx2.send(data[:200000]),
         lambda: tx2.stats["rounds"] == TRIES + 1)
    print("\n".join("# " + line for line in out))
    print("# receiver:", rx.counts)
    print("selftest:", "ok" if not fails else "FAILED " + ", ".join(fails))
    return 0 if not fails else 1


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("send")
    s.add_argument("addr")
    s.add_argument("file")
    s.add_argument("--port", type=int, default=8808)
    s.add_argument("--segment", type=int, default=1440)
    s.add_argument("--drop", type=float, default=0.0)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--id", type=lambda v: int(v, 0))
    s.add_argument("--bad-crc", action="store_true")
    s.add_argument("--vanish", action="store_true")
    r = sub.add_parser("receive")
    r.add_argument("out")
    r.add_argument("--port", type=int, default=8808)
    r.add_argument("--buffer", type=int, default=1 << 30)
    r.add_argument("--bind", default="0.0.0.0")
    r.add_argument("--linger", type=float, default=2.0)
    r.add_argument("--flip", action="store_true")
    r.add_argument("--noise", action="store_true")
    r.add_argument("--lose", type=float, default=0.0)
    r.add_argument("--ready")
    f = sub.add_parser("forge")
    f.add_argument("addr")
    f.add_argument("cases", nargs="+", choices=sorted(FORGE))
    f.add_argument("--port", type=int, default=8808)
    f.add_argument("--id", type=lambda v: int(v, 0))
    f.add_argument("--buffer", type=int, default=1 << 20)
    f.add_argument("--wait", type=float, default=0.0)
    f.add_argument("--counter")
    f.add_argument("--show", action="append", default=[])
    w = sub.add_parser("watch")
    w.add_argument("--timeout", type=float, default=600)
    w.add_argument("--ready")
    sub.add_parser("selftest")
    a = ap.parse_args()
    if a.cmd == "watch":
        return watch(a.timeout, a.ready)
    if a.cmd == "selftest":
        return selftest()
    if a.cmd == "forge":
        return forge(a.addr, a.cases, a.port, a.id, a.buffer, a.wait, a.counter, a.show)
    if a.cmd == "send":
        with open(a.file, "rb") as fp:
            data = fp.read()
        tx = Sender(a.addr, a.port, a.segment)
        ret = tx.send(data, a.drop, random.Random(a.seed), a.id, a.bad_crc, a.vanish)
        print("stats " + " ".join("%s=%d" % kv for kv in tx.stats.items()))
        if ret:
            print("send: %s" % errno.errorcode.get(-ret, ret))
        return 0 if ret == 0 else 1
    rx = Receiver(a.port, a.buffer, a.bind, a.flip, a.noise, a.lose, verbose=True)
    if a.ready:
        open(a.ready, "w").close()
    got = rx.receive(a.linger)
    if got is None:
        print("receive: discarded or refused", rx.counts)
        return 1
    with open(a.out, "wb") as fp:
        fp.write(got[0])
    print("received %d bytes, CRC-32 %08x" % (len(got[0]), got[1]), rx.counts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
