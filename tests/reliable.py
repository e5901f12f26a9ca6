#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""kudp's reliable mode in user space, written from
Documentation/protocol.rst (not from the modules), so that the tests prove
the document: it sends to receive_udp and receives from send_udp.

  reliable.py send ADDR FILE [--port P] [--segment N] [--drop F] [--seed S]
      send FILE to ADDR:P (8808); exit 0 once the receiver confirmed it
      (ACK), else print the errno and exit 1. --drop F skips a fraction F
      of the DATA datagrams on the first pass (a lossy sender, to exercise
      NACK).
  reliable.py receive OUT [--port P] [--buffer N] [--bind ADDR]
      receive one message into OUT; print its length and CRC-32, exit 0 once
      it is complete, 1 if it was discarded.
  reliable.py selftest
      a sender and a receiver of this file over 127.0.0.1, with loss,
      reordering and duplicates.
"""
import argparse
import errno
import os
import random
import socket
import struct
import sys
import threading
import time
import zlib

MAGIC = 0x4B554450
VERSION = 1
DATA, CLOSE, NACK, ACK, REFUSE = 1, 2, 3, 4, 5
COMMON = struct.Struct(">IBBHQ")          # magic, version, type, segment, id
DATA_HDR = struct.Struct(">IBBHQQQ")      # + offset, total length
CLOSE_HDR = struct.Struct(">IBBHQQII")    # + total length, CRC-32, 0
NACK_HDR = struct.Struct(">IBBHQII")      # + ranges, 0
RANGE = struct.Struct(">II")              # first segment, segments
ACK_HDR = CLOSE_HDR
REFUSE_HDR = struct.Struct(">IBBHQI")     # + errno
SEGMENT_MIN, SEGMENT_MAX = 512, 65475
IDLE_S = 5.0
TRIES = 8
RTO_MAX = 2.0


def crc32(data):
    return zlib.crc32(data) & 0xFFFFFFFF


class Sender:
    """The sender of protocol.rst: SENDING, then CLOSING until an answer."""

    def __init__(self, addr, port=8808, segment=1440):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.connect((addr, port))
        self.segment = segment
        self.instance = random.getrandbits(32)
        self.count = 0
        self.srtt = None

    def _data(self, msg_id, data, seg_no):
        off = seg_no * self.segment
        hdr = DATA_HDR.pack(MAGIC, VERSION, DATA, self.segment, msg_id, off, len(data))
        self.sock.send(hdr + data[off:off + self.segment])

    def send(self, data, drop=0.0, rng=random):
        """0 once the receiver confirmed DATA; else a negative errno."""
        self.count += 1
        msg_id = self.instance << 32 | self.count
        nseg = (len(data) + self.segment - 1) // self.segment
        for i in range(nseg):
            if rng.random() >= drop:
                self._data(msg_id, data, i)
        close = CLOSE_HDR.pack(MAGIC, VERSION, CLOSE, self.segment, msg_id, len(data),
                               crc32(data), 0)
        rto = max(4 * self.srtt, 0.01) if self.srtt else 0.2
        tries = 0
        while tries < TRIES:
            sent_at = time.monotonic()
            try:
                self.sock.send(close)
            except ConnectionRefusedError:
                return -errno.ECONNREFUSED
            tries += 1
            ans = self._answer(msg_id, rto)
            if ans is None:
                rto = min(rto * 2, RTO_MAX)
                continue
            rtt = time.monotonic() - sent_at
            self.srtt = rtt if self.srtt is None else 0.875 * self.srtt + 0.125 * rtt
            kind, body = ans
            if kind == ACK:
                _, _, _, _, _, total, crc, _ = ACK_HDR.unpack(body[:ACK_HDR.size])
                return 0 if (total, crc) == (len(data), crc32(data)) else -errno.EBADMSG
            if kind == REFUSE:
                return -REFUSE_HDR.unpack(body[:REFUSE_HDR.size])[5]
            # NACK: resend what it names, then CLOSE again with a fresh count.
            n = NACK_HDR.unpack(body[:NACK_HDR.size])[5]
            for k in range(n):
                first, count = RANGE.unpack_from(body, NACK_HDR.size + k * RANGE.size)
                for i in range(first, min(first + count, nseg)):
                    self._data(msg_id, data, i)
            tries = 0
        return -errno.ETIMEDOUT

    def _answer(self, msg_id, timeout):
        """The next control datagram of @msg_id within @timeout, or None."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                body = self.sock.recv(65535)
            except socket.timeout:
                return None
            except ConnectionRefusedError:
                return (REFUSE, COMMON.pack(MAGIC, VERSION, REFUSE, 0, msg_id)
                        + struct.pack(">I", errno.ECONNREFUSED))
            if len(body) < COMMON.size:
                continue
            magic, ver, kind, _, mid = COMMON.unpack_from(body)
            if magic != MAGIC or ver != VERSION or mid != msg_id:
                continue
            need = {ACK: ACK_HDR.size, NACK: NACK_HDR.size, REFUSE: REFUSE_HDR.size}.get(kind)
            if need and len(body) >= need:
                return kind, body


class Receiver:
    """The receiver of protocol.rst, for one message at a time."""

    def __init__(self, port=8808, buffer=1 << 30, bind="0.0.0.0"):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 << 20)
        self.sock.bind((bind, port))
        self.buffer = buffer
        self.counts = {"malformed": 0, "stale": 0, "duplicate": 0}
        self.cur = None         # (id, segment, total, bytearray, have, missing)
        self.done = {}          # id -> (total, crc): answered again with ACK

    def receive(self):
        """(bytes, crc) of the next complete message, or None once one was
        discarded (5 s without a datagram of it)."""
        while True:
            self.sock.settimeout(IDLE_S if self.cur else None)
            try:
                body, src = self.sock.recvfrom(65535)
            except socket.timeout:
                self.cur = None
                return None
            done = self._datagram(body, src)
            if done:
                return done

    def _control(self, src, kind, mid, seg, tail):
        self.sock.sendto(COMMON.pack(MAGIC, VERSION, kind, seg, mid) + tail, src)

    def _datagram(self, body, src):
        if len(body) < COMMON.size:
            self.counts["malformed"] += 1
            return None
        magic, ver, kind, seg, mid = COMMON.unpack_from(body)
        if magic != MAGIC or ver != VERSION or kind not in (DATA, CLOSE) \
                or not SEGMENT_MIN <= seg <= SEGMENT_MAX:
            self.counts["malformed"] += 1
            return None
        if kind == CLOSE and mid in self.done and len(body) >= CLOSE_HDR.size:
            total, crc = self.done[mid]
            self._control(src, ACK, mid, seg, struct.pack(">QII", total, crc, 0))
            return None
        need = DATA_HDR.size if kind == DATA else CLOSE_HDR.size
        if len(body) < need:
            self.counts["malformed"] += 1
            return None
        total = struct.unpack_from(">Q", body, 24 if kind == DATA else 16)[0]
        if self.cur is None or self.cur[0] != mid:
            if self.cur and mid >> 32 == self.cur[0] >> 32 and mid < self.cur[0]:
                self.counts["stale"] += 1
                return None
            if total > self.buffer:
                self._control(src, REFUSE, mid, seg, struct.pack(">I", errno.EFBIG))
                return None
            nseg = (total + seg - 1) // seg
            self.cur = [mid, seg, total, bytearray(total), bytearray(nseg), nseg]
        cid, cseg, ctotal, buf, have, missing = self.cur
        if seg != cseg or total != ctotal:
            self.counts["malformed"] += 1
            return None
        if kind == DATA:
            off = struct.unpack_from(">Q", body, 16)[0]
            payload = body[DATA_HDR.size:]
            i = off // seg
            if off % seg or off >= total or len(payload) != min(seg, total - off):
                self.counts["malformed"] += 1
                return None
            if have[i]:
                self.counts["duplicate"] += 1
                return None
            buf[off:off + len(payload)] = payload
            have[i] = 1
            self.cur[5] = missing - 1
            return None
        crc = struct.unpack_from(">I", body, 24)[0]
        if missing:
            ranges, i = [], 0
            limit = (1500 - 20 - 8 - NACK_HDR.size) // RANGE.size
            while i < len(have) and len(ranges) < limit:
                if not have[i]:
                    j = i
                    while j < len(have) and not have[j]:
                        j += 1
                    ranges.append(RANGE.pack(i, j - i))
                    i = j
                else:
                    i += 1
            self._control(src, NACK, mid, seg, struct.pack(">II", len(ranges), 0) + b"".join(ranges))
            return None
        if crc32(buf) != crc:
            self._control(src, REFUSE, mid, seg, struct.pack(">I", errno.EBADMSG))
            self.cur = None
            return None
        self._control(src, ACK, mid, seg, struct.pack(">QII", total, crc, 0))
        self.done = {mid: (total, crc)}
        self.cur = None
        return bytes(buf), crc


def selftest():
    """This sender against this receiver over 127.0.0.1: a clean pass, a
    lossy one (NACKs), and a refusal for a message larger than the buffer."""
    port = 18808
    rx = Receiver(port=port, buffer=8 << 20, bind="127.0.0.1")
    got = []
    t = threading.Thread(target=lambda: [got.append(rx.receive()) for _ in range(3)],
                         daemon=True)
    t.start()
    tx = Sender("127.0.0.1", port)
    rng = random.Random(1)
    data = os.urandom(3 << 20)
    res = [tx.send(data), tx.send(data[::-1], drop=0.2, rng=rng),
           tx.send(bytes(9 << 20))]
    ok = (res == [0, 0, -errno.EFBIG] and got[0][0] == data and got[1][0] == data[::-1])
    print("selftest:", "ok" if ok else "FAILED", res, rx.counts)
    return 0 if ok else 1


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
    r = sub.add_parser("receive")
    r.add_argument("out")
    r.add_argument("--port", type=int, default=8808)
    r.add_argument("--buffer", type=int, default=1 << 30)
    r.add_argument("--bind", default="0.0.0.0")
    sub.add_parser("selftest")
    a = ap.parse_args()
    if a.cmd == "selftest":
        return selftest()
    if a.cmd == "send":
        with open(a.file, "rb") as f:
            data = f.read()
        ret = Sender(a.addr, a.port, a.segment).send(data, a.drop, random.Random(a.seed))
        if ret:
            print("send: %s" % errno.errorcode.get(-ret, ret))
        return 0 if ret == 0 else 1
    rx = Receiver(a.port, a.buffer, a.bind)
    got = rx.receive()
    if got is None:
        print("receive: discarded (incomplete after 5 s)", rx.counts)
        return 1
    with open(a.out, "wb") as f:
        f.write(got[0])
    print("received %d bytes, CRC-32 %08x" % (len(got[0]), got[1]), rx.counts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
