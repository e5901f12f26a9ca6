#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""kudp's reliable mode in user space, written from
Documentation/protocol.rst (not from the modules), so that the tests prove
the document: it sends to receive_udp and receives from send_udp. It
follows the rules of a sender and a receiver on a real LAN (issue 25): a
sender gives up after a hold without progress; a receiver keeps a message
to the source that started it, never answers more bytes than that source
sent it, and keeps an incomplete message for a hold after its last
datagram. "Bytes" on the wire below: a datagram's payload + 28 (its IPv4
and UDP headers).

  reliable.py send ADDR FILE [--port P] [--segment N] [--drop F] [--seed S]
                   [--id ID] [--bad-crc] [--vanish] [--hold S]
      send FILE to ADDR:P (8808), from a socket of its own (each message
      from a new source port); exit 0 once the receiver confirmed it
      (ACK), else print the errno's name and exit 1. Prints "stats
      rounds=R nacks=N batch=B resent=S tries=T sent=N rejected=N" (R:
      CLOSEs sent; B: the most NACKs answering one CLOSE; S: DATA datagrams
      sent again; T: the most CLOSE timeouts in a row). The CLOSE timeout
      doubles from 4 times the round trip (0.2 s at first) to 2 s; the send
      gives up (ETIMEDOUT) once --hold S (60) seconds passed without
      progress (the first answer, or a round whose first NACK says fewer
      segments missing than the previous round's first NACK; counted from
      the first CLOSE), never before a second CLOSE's timeout. A --segment
      outside 512..65475 is refused (EINVAL): nothing is sent.
      --drop F skips a fraction F of the DATA datagrams on the first pass
      (a lossy sender, to exercise NACK); --id sets the message id (the
      instance in its upper 32 bits); --bad-crc announces a CRC-32 that
      does not match the bytes (the receiver must refuse it: EBADMSG);
      --vanish sends the DATA (less --drop) and no CLOSE: a sender that
      vanished.
  reliable.py receive OUT [--port P] [--buffer N] [--bind ADDR]
                      [--linger S] [--hold S] [--flip] [--noise] [--lose F]
                      [--ready FILE]
      receive one message into OUT; print its length and CRC-32, exit 0 once
      it is complete, 1 if it was discarded or refused; either line ends
      with the receiver's counts. After the ACK it answers repeated CLOSEs
      for S (2) seconds of silence (the ACK may be lost). A message belongs
      to its origin, the address and port of the datagram that started it:
      its datagrams from elsewhere are dropped ("foreign"); while it is
      incomplete, a new message id from the origin's address replaces it,
      from another address it is dropped ("busy"; a message too large is
      refused first); an older id of its instance from the origin's
      address, or one not newer than the last complete message's from
      that message's address, is dropped ("stale"). Answers go to the origin
      only, from the address the datagram came to, and only while the
      bytes answered for the message stay within the bytes the origin sent
      for it ("budget": an answer held back, or a NACK batch cut short);
      more than one NACK only when DATA arrived since the last answer. An
      incomplete message is discarded --hold S (60) seconds after its last
      datagram from its origin. --flip changes one byte of the message
      before the CRC-32 check (corruption nobody detected on the way: the
      receiver must REFUSE EBADMSG); --noise sends the sender, before its
      first answer, a truncated NACK and an ACK of another message id (the
      sender must drop and count both); --lose F loses a fraction F of the
      DATA that arrive (1: all, so that no round makes progress). Prints a
      line per CLOSE answered with NACKs ("NACK: ..."; "no NACK: ..." when
      the budget held it back) and one when the hold discards the
      message. --ready: a file created once the socket is bound.
  reliable.py forge ADDR CASE... [--port P] [--id ID] [--buffer N]
                    [--bind ADDR] [--repeat R] [--wait S]
                    [--counter FILE [--show FILE]...]
      send crafted datagrams to ADDR:P, from a socket of its own (with
      the source address --bind ADDR if given), each CASE R (1) times in a
      row. ID is the id of the receiver's current (or last complete)
      message, whose length is 1000 bytes (stale cases use ID - 1, control
      and CRC cases ID itself); N is the receiver's buffer size. Every CASE
      but foreign and badclose is one the receiver must drop and count in
      rejected. Prints one line per CASE: "CASE sent B bytes" (B: UDP
      payload bytes; with R above 1 "CASE sent R datagrams, B bytes") and,
      when --wait S is given, what came back within S seconds of its last
      datagram ("answer REFUSE EFBIG", "answer none"; with R above 1 the
      first answer, then ", A answers, C bytes"). --counter: after the
      CASE's last datagram, wait (up to 10 s) until the number in FILE (the
      receiver's rejected) changes (with R above 1, then until it stays
      the same for 0.5 s), then add "; NAME VALUE" to the line for it and
      for each --show FILE (the receiver's state...), NAME the file's.
      CASEs: short truncated magic version type segment offset beyond
      length efbig badcrc nack ack refuse stale; foreign: a DATA (offset 0,
      segment 512, length min(N, 1 MiB)) of a new id, of a random instance
      drawn once per CASE (the R datagrams are the same): while a message
      from another address is incomplete it is dropped ("busy"), else it
      starts a message; badclose: a CLOSE of a new random id at each
      datagram, length 0, CRC-32 0xdeadbeef where an empty message's is 0
      (REFUSE EBADMSG, unless dropped as busy) (see FORGE).
  reliable.py reflect ADDR --victim V [--vport P] [--port 8808] [--data N]
                      [--closes N] [--segment N] [--wait S]
      the reflection attack, as root: V is an address of this machine.
      From a raw socket, with the source address V:P (40000), to ADDR:port:
      N (200) DATA of a new message id, of (2 N + 10) segments of --segment
      (1440) bytes, at every other segment (a message full of holes), then
      --closes (2000) CLOSEs of it; 20 datagrams, then 1 ms of rest. A
      packet socket counts meanwhile the IPv4 packets from ADDR to V (any
      protocol), until S (3) seconds after the last forged datagram; a UDP
      socket bound to V:P takes the answers (no ICMP goes back). Prints
      "reflect: forged D datagrams, F bytes from V:P; V received A
      datagrams, B bytes from ADDR; ratio R" (bytes: IP total lengths;
      R = B / F) and exits 0; 1 on a setup error.
  reliable.py watch [--timeout S] [--ready FILE]
      on receive_udp's machine: watch the CLOSEs that arrive for port 8808
      (a packet socket, the kernel's arrival time of each) and
      receive_udp's events (tests/genl.py); at its first complete event,
      print "complete seq=N reason=R: D s after the last CLOSE arrived" and
      exit 0 (1 after S seconds, 600 by default, without one).
  reliable.py selftest
      a sender and a receiver of this file over 127.0.0.1, with loss,
      reordering and duplicates, a refusal, a CRC-32 mismatch, a receiver
      that never answers and one that never makes progress (the hold);
      then the receiver's rules: a message's origin, a new id from another
      address, the answers' byte budget, the hold that datagrams from
      elsewhere do not extend, and (as root) reflect. Prints what each case
      measured, then "selftest: ok" or the cases that failed.
"""
import argparse
import collections
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
HOLD = 60.0                               # seconds without progress (sender),
                                          # after the last datagram (receiver)
WIRE = 28                                 # IPv4 and UDP headers: a datagram's
                                          # bytes on the wire are its payload + 28
RTO_FIRST, RTO_MIN, RTO_MAX = 0.2, 0.01, 2.0
CHECK_EVERY = 4 << 20                     # bytes of DATA between looks for a REFUSE
SO_RCVBUFFORCE = 33
IP_PKTINFO = 8
# The receiver's counts of dropped datagrams: what receive_udp counts in
# rejected. ("duplicate" is not one: a DATA resent is no fault.)
REJECTED = ("malformed", "stale", "control", "refused", "foreign", "busy")

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
    """The sender of protocol.rst: SENDING, then CLOSING until an answer,
    or until @hold seconds passed without progress."""

    def __init__(self, addr, port=8808, segment=1440, instance=None, hold=HOLD):
        self.dest = (addr, port)
        self.sock = None
        self.segment = segment
        self.instance = random.getrandbits(32) if instance is None else instance
        self.hold = hold
        self.count = 0
        self.srtt = None
        self.stats = {}

    def _connect(self):
        """A socket of its own for each message, connected to the receiver:
        the source address follows the route, the source port is new (as
        send_udp's disconnect and connect at each send)."""
        if self.sock:
            self.sock.close()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        big_rcvbuf(self.sock, 4 << 20)
        self.sock.connect(self.dest)

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
        st = self.stats = {"rounds": 0, "nacks": 0, "batch": 0, "resent": 0,
                           "tries": 0, "sent": 0, "rejected": 0}
        if not SEGMENT_MIN <= self.segment <= SEGMENT_MAX:
            # No receiver would take it: refused, nothing sent.
            return -errno.EINVAL
        if msg_id is None:
            self.count += 1
            msg_id = self.instance << 32 | self.count
        self._connect()
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
        closes = 0              # CLOSEs sent
        timeouts = 0            # CLOSE timeouts in a row
        answered = False        # any answer of this message yet
        prev_missing = None     # the previous round's first NACK's figure
        batch = 0               # NACKs answering this round's CLOSE

        def new_round():
            nonlocal batch, closes
            st["rounds"] += 1
            closes += 1
            batch = 0
            self.sock.send(close)
            return time.monotonic(), True, 0

        def held(now):
            """Whether to give up: @hold seconds without progress, and
            CLOSE sent twice at least."""
            return closes >= 2 and now - progress >= self.hold

        sent_at, first, budget = new_round()
        progress = sent_at      # the last progress; the first CLOSE until an answer
        while True:
            until = sent_at + rto
            if closes > 2:
                # Past the second CLOSE's timeout, the hold may end a wait.
                until = min(until, progress + self.hold)
            ans = self._answer(msg_id, until - time.monotonic())
            now = time.monotonic()
            if ans is None:
                if held(now):
                    return -errno.ETIMEDOUT
                timeouts += 1
                st["tries"] = max(st["tries"], timeouts)
                rto = min(rto * 2, RTO_MAX)
                sent_at, first, budget = new_round()
                continue
            timeouts = 0
            if not answered:
                answered = True
                progress = now
            kind, body = ans
            if first:
                rtt = now - sent_at
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
                    progress = now
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
                if held(time.monotonic()):
                    return -errno.ETIMEDOUT
                sent_at, first, budget = new_round()

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


class Message:
    """A message at the receiver: RECEIVING until it is whole, then
    COMPLETE (crc set)."""

    def __init__(self, mid, seg, total, origin, local):
        self.id, self.seg, self.total = mid, seg, total
        nseg = (total + seg - 1) // seg
        self.buf = bytearray(total)
        self.have = bytearray(nseg)     # one byte per segment: arrived
        self.missing = nseg
        self.origin = origin            # (address, port) that started it
        self.local = local              # the address its datagrams came to
        self.got = 0                    # bytes from the origin for it
        self.sent = 0                   # bytes answered for it
        self.last = time.monotonic()    # its last datagram from the origin
        self.fresh = False              # DATA stored since the last answer
        self.crc = None                 # once COMPLETE


class Receiver:
    """The receiver of protocol.rst, for one message at a time, with the
    rules of a LAN: a message's origin, the answers' byte budget, the
    hold."""

    def __init__(self, port=8808, buffer=1 << 30, bind="0.0.0.0", flip=False, noise=False,
                 lose=0.0, verbose=False, hold=HOLD):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        big_rcvbuf(self.sock)
        self.sock.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
        self.sock.bind((bind, port))
        self.buffer = buffer
        self.flip = flip
        self.noise = noise
        self.lose = lose
        self.hold = hold
        self.rng = random.Random(2)
        self.verbose = verbose
        self.counts = {"malformed": 0, "stale": 0, "duplicate": 0, "control": 0,
                       "refused": 0, "foreign": 0, "busy": 0, "nacks": 0,
                       "budget": 0, "unsent": 0}
        self.msg = None         # the current Message: RECEIVING or COMPLETE
        self.ref = None         # (id, address) of the last COMPLETE message (stale rule)
        self.refused = collections.deque(maxlen=16)     # ids refused for their size

    def receive(self, linger=0.0):
        """(bytes, crc) of the next complete message, or None once one was
        discarded (@hold seconds without a datagram of it from its origin)
        or refused (CRC-32). With @linger, the ACK is repeated to repeated
        CLOSEs until @linger seconds pass without a datagram."""
        while True:
            timeout = None
            msg = self.msg
            if msg and msg.crc is None:
                timeout = msg.last + self.hold - time.monotonic()
                if timeout <= 0:
                    if self.verbose:
                        print("discarded: incomplete %g s after its origin's last datagram"
                              % self.hold, flush=True)
                    self.msg = None
                    return None
            got = self._recv(timeout)
            if got is None:
                continue
            done = self._datagram(*got)
            if done == "refused":
                return None
            if done:
                break
        while linger > 0:
            got = self._recv(linger)
            if got is None:
                break
            self._datagram(*got)
        return done

    def _recv(self, timeout):
        """(payload, source, the local address it came to) of the next
        datagram within @timeout (None: no limit), or None. The socket
        stays blocking, so that the answers can never block (a socket with a
        timeout waits for room)."""
        r, _, _ = select.select([self.sock], [], [], timeout)
        if not r:
            return None
        try:
            body, anc, _, src = self.sock.recvmsg(65535, socket.CMSG_SPACE(12),
                                                  socket.MSG_DONTWAIT)
        except BlockingIOError:
            return None
        local = None
        for level, kind, data in anc:
            if level == socket.IPPROTO_IP and kind == IP_PKTINFO and len(data) >= 12:
                local = socket.inet_ntoa(data[8:12])    # struct in_pktinfo's ipi_addr
        return body, src, local

    def _send(self, body, dst, local):
        """@body to @dst from @local, never blocking; False if it could not
        go (counted)."""
        if self.noise:
            # What a confused or forging peer could send first.
            self.noise = False
            mid, seg = COMMON.unpack_from(body)[4], COMMON.unpack_from(body)[3]
            self._send(COMMON.pack(MAGIC, VERSION, NACK, seg, mid) + b"\0\1", dst, local)
            self._send(ACK_HDR.pack(MAGIC, VERSION, ACK, seg, mid ^ 1, 0, 0, 0), dst, local)
        anc = []
        if local:
            anc = [(socket.IPPROTO_IP, IP_PKTINFO,
                    struct.pack("I4s4s", 0, socket.inet_aton(local), bytes(4)))]
        try:
            self.sock.sendmsg([body], anc, socket.MSG_DONTWAIT, dst)
            return True
        except OSError:
            self.counts["unsent"] += 1
            return False

    def _room(self, msg):
        """The bytes @msg's budget still allows: what its origin sent for
        it, less what went back."""
        return msg.got - msg.sent

    def _answer(self, msg, kind, tail):
        """An answer of @msg to its origin, if its bytes fit the budget."""
        body = COMMON.pack(MAGIC, VERSION, kind, msg.seg, msg.id) + tail
        if len(body) + WIRE > self._room(msg):
            self.counts["budget"] += 1
            return False
        if self._send(body, msg.origin, msg.local):
            msg.sent += len(body) + WIRE
        return True

    def _nacks(self, msg):
        """Up to NACK_BATCH NACKs: the first missing ranges; one only
        unless DATA arrived since the last answer; as many ranges as the
        budget allows."""
        most = NACK_BATCH if msg.fresh else 1
        msg.fresh = False
        have = msg.have
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
        fixed = WIRE + NACK_HDR.size

        def fit(room):
            return max(0, min(NACK_RANGES, (room - fixed) // RANGE.size))

        k = nacks = 0
        while k < len(ranges):
            n = min(fit(self._room(msg)), len(ranges) - k)
            if n < 1:
                break
            part, k = ranges[k:k + n], k + n
            room_after = self._room(msg) - fixed - n * RANGE.size
            # MORE when another NACK follows: ranges left and room for one.
            flags = NACK_MORE if k < len(ranges) and fit(room_after) else 0
            self._answer(msg, NACK, struct.pack(">HHI", n, flags, msg.missing) + b"".join(part))
            self.counts["nacks"] += 1
            nacks += 1
            if not flags:
                break
        if k < len(ranges):
            # The budget's end: the rest held back.
            self.counts["budget"] += 1
        if self.verbose and nacks:
            print("NACK: %d segments missing, %d ranges in %d NACKs%s"
                  % (msg.missing, k, nacks,
                     "" if k == len(ranges) else ", the budget's end"), flush=True)
        elif self.verbose:
            print("no NACK: the budget's end (%d bytes from the origin, %d answered)"
                  % (msg.got, msg.sent), flush=True)

    def _new(self, mid, seg, total, src, local):
        """The message a datagram of a new id starts, or None: dropped
        (stale, busy) or refused for its size."""
        cur, ref = self.msg, self.ref
        if (ref is not None and src[0] == ref[1] and mid >> 32 == ref[0] >> 32
                and mid & 0xFFFFFFFF <= ref[0] & 0xFFFFFFFF):
            # From the last complete message's host, not newer than it.
            self.counts["stale"] += 1
            return None
        if cur and mid >> 32 == cur.id >> 32 and mid < cur.id and src[0] == cur.origin[0]:
            # An older one of the current message's sender.
            self.counts["stale"] += 1
            return None
        if total > self.buffer or mid in self.refused:
            # REFUSE at the first DATA and at each CLOSE; no state but the
            # id (the message in progress or the complete one stays).
            self.counts["refused"] += 1
            return "refused"
        if cur and cur.crc is None and src[0] != cur.origin[0]:
            # Another host while a message is incomplete: it goes on.
            self.counts["busy"] += 1
            return None
        # A new message: the one in progress (from the same host: its
        # sender started again) or the complete one is discarded.
        self.msg = Message(mid, seg, total, src, local)
        return self.msg

    def _datagram(self, body, src, local=None):
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
        msg = self.msg
        if msg is None or mid != msg.id:
            msg = self._new(mid, seg, total, src, local)
            if msg == "refused":
                if mid not in self.refused or kind == CLOSE:
                    if mid not in self.refused:
                        self.refused.append(mid)
                    self._send(REFUSE_HDR.pack(MAGIC, VERSION, REFUSE, seg, mid, errno.EFBIG),
                               src, local)
                return None
            if msg is None:
                return None
        elif src != msg.origin:
            # Of the current message, from elsewhere: it touches nothing.
            self.counts["foreign"] += 1
            return None
        if seg != msg.seg or total != msg.total:
            self.counts["malformed"] += 1
            return None
        crc = CLOSE_HDR.unpack_from(body)[6] if kind == CLOSE else None
        if msg.crc is not None:
            # COMPLETE: a DATA still in flight at the ACK is a duplicate;
            # its CLOSE (the ACK was lost) is answered with the ACK again,
            # a CLOSE with another CRC-32 never (the ACK would show it).
            if kind == CLOSE and crc != msg.crc:
                self.counts["malformed"] += 1
                return None
            msg.got += len(body) + WIRE
            msg.last = time.monotonic()
            if kind == DATA:
                self.counts["duplicate"] += 1
                return None
            self._answer(msg, ACK, struct.pack(">QII", msg.total, msg.crc, 0))
            return None
        msg.got += len(body) + WIRE
        msg.last = time.monotonic()
        if kind == DATA:
            i = off // seg
            if msg.have[i]:
                self.counts["duplicate"] += 1
                return None
            msg.buf[off:off + seg] = body[DATA_HDR.size:]
            msg.have[i] = 1
            msg.missing -= 1
            msg.fresh = True
            return None
        if msg.missing:
            self._nacks(msg)
            return None
        buf = msg.buf
        if self.flip and total:
            buf[total // 2] ^= 0x55
        if crc32(buf) != crc:
            self._answer(msg, REFUSE, struct.pack(">I", errno.EBADMSG))
            self.msg = None
            return "refused"
        msg.crc = crc
        self._answer(msg, ACK, struct.pack(">QII", total, crc, 0))
        self.ref = (mid, msg.origin[0])
        msg.buf = msg.have = None
        return bytes(buf), crc


# forge: crafted datagrams, each case but foreign and badclose one that a
# receiver must drop and count. Each builder gets the id of the receiver's
# current (or last complete) message, whose length is FORGE_TOTAL, and the
# receiver's buffer size.
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
    # the first DATA of a new message (a random instance) of up to 1 MiB:
    # from another host than an incomplete message's, dropped (busy); else
    # it starts a message
    "foreign": lambda mid, buf: _data(random.getrandbits(32) << 32 | 1,
                                      total=min(buf, 1 << 20)),
    # the CLOSE of a new empty message (a random id), whose CRC-32 is not
    # the empty message's (0): REFUSE EBADMSG, within the budget
    "badclose": lambda mid, buf: CLOSE_HDR.pack(MAGIC, VERSION, CLOSE, FORGE_SEG,
                                                random.getrandbits(64), 0, 0xDEADBEEF, 0),
}
# The cases a receiver drops and counts in rejected (foreign starts a
# message when none is incomplete; badclose is a message, refused).
FORGE_DROPPED = [c for c in FORGE if c not in ("foreign", "badclose")]
# The cases built anew for each datagram (--repeat): a fresh id each time.
FORGE_FRESH = ("badclose",)


def _read(path):
    with open(path) as fp:
        return fp.read().strip()


def _describe(ans):
    """A control datagram's type, and errno for a REFUSE."""
    kind = COMMON.unpack_from(ans)[2] if len(ans) >= COMMON.size else 0
    what = NAMES.get(kind, "type %d" % kind)
    if kind == REFUSE and len(ans) >= REFUSE_HDR.size:
        what += " " + errno.errorcode.get(REFUSE_HDR.unpack_from(ans)[5], "?")
    return what


def forge(addr, cases, port=8808, mid=None, buffer=1 << 20, wait=0.0, counter=None,
          show=(), bind=None, repeat=1):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    big_rcvbuf(sock, 16 << 20)
    if bind:
        sock.bind((bind, 0))
    sock.connect((addr, port))
    mid = random.getrandbits(32) << 32 | 2 if mid is None else mid
    for case in cases:
        before = _read(counter) if counter else None
        body, nbytes, refused = None, 0, False
        for k in range(repeat):
            if body is None or case in FORGE_FRESH:
                body = FORGE[case](mid, buffer)
            try:
                sock.send(body)
            except ConnectionRefusedError:
                # An ICMP port unreachable of an earlier one.
                refused = True
                sock.send(body)
            nbytes += len(body)
            if k % 20 == 19:
                time.sleep(0.001)
        if repeat == 1:
            line = "%s sent %d bytes" % (case, nbytes)
        else:
            line = "%s sent %d datagrams, %d bytes" % (case, repeat, nbytes)
        if wait:
            answers, abytes, first = 0, 0, None
            deadline = time.monotonic() + wait
            try:
                while time.monotonic() < deadline:
                    sock.settimeout(max(deadline - time.monotonic(), 0.001))
                    ans = sock.recv(65535)
                    answers += 1
                    abytes += len(ans)
                    first = first or _describe(ans)
                    if repeat == 1:
                        break
            except socket.timeout:
                pass
            except ConnectionRefusedError:
                refused = True
            if first:
                line += " answer " + first
                if repeat > 1:
                    line += ", %d answers, %d bytes" % (answers, abytes)
            else:
                line += " answer ECONNREFUSED" if refused else " answer none"
        if counter:
            deadline = time.monotonic() + 10
            while _read(counter) == before and time.monotonic() < deadline:
                time.sleep(0.05)
            if repeat > 1:
                # It moved at the first datagram: until it stays.
                last, still = _read(counter), time.monotonic()
                while time.monotonic() < min(deadline, still + 0.5):
                    time.sleep(0.05)
                    now = _read(counter)
                    if now != last:
                        last, still = now, time.monotonic()
        for path in ([counter] if counter else []) + list(show):
            line += "; %s %s" % (os.path.basename(path), _read(path))
        print(line, flush=True)
    return 0


def inet_checksum(data):
    """The Internet checksum (RFC 1071) of @data."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4_udp(src, sport, dst, dport, payload, ident):
    """An IPv4 packet (no options, TTL 64) carrying a UDP datagram, both
    checksums right; @src and @dst 4 bytes each."""
    ulen = 8 + len(payload)
    pseudo = src + dst + struct.pack("!BBH", 0, socket.IPPROTO_UDP, ulen)
    udp = struct.pack("!HHHH", sport, dport, ulen, 0) + payload
    csum = inet_checksum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", csum) + udp[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, ident & 0xFFFF, 0, 64,
                     socket.IPPROTO_UDP, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", inet_checksum(ip)) + ip[12:]
    return ip + udp


def pair_filter(src, dst):
    """A classic BPF program for a packet socket (SOCK_DGRAM, from the IP
    header): IPv4 from @src to @dst (4 bytes each), its first 64 bytes."""
    ins = [
        (0x20, 0, 0, 12),                                   # ld [12]: source
        (0x15, 0, 3, struct.unpack("!I", src)[0]),          # jeq src, else drop
        (0x20, 0, 0, 16),                                   # ld [16]: destination
        (0x15, 0, 1, struct.unpack("!I", dst)[0]),          # jeq dst, else drop
        (0x06, 0, 0, 64),                                   # accept 64 bytes
        (0x06, 0, 0, 0),                                    # drop
    ]
    return b"".join(struct.pack("HBBI", *i) for i in ins), len(ins)


def reflect(addr, victim, vport=40000, port=8808, ndata=200, closes=2000, segment=1440,
            wait=3.0):
    """The reflection attack: datagrams forged from @victim:@vport (an
    address of this machine) to @addr:@port, and what comes back to
    @victim from @addr, in IP bytes. 0, or 1 on a setup error."""
    import ctypes
    SO_ATTACH_FILTER, PACKET_OUTGOING = 26, 4
    try:
        if not SEGMENT_MIN <= segment <= SEGMENT_MAX:
            raise ValueError("segment %d outside %d..%d" % (segment, SEGMENT_MIN, SEGMENT_MAX))
        dst_ip = socket.gethostbyname(addr)
        src_ip = socket.gethostbyname(victim)
        dst, src = socket.inet_aton(dst_ip), socket.inet_aton(src_ip)
        # The answers' sink first: V:P must be free, and no ICMP port
        # unreachable may answer the answers.
        sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        big_rcvbuf(sink)
        sink.bind((src_ip, vport))
        sink.setblocking(False)
        pkt = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800))
        prog, n = pair_filter(dst, src)
        buf = ctypes.create_string_buffer(prog)
        pkt.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER,
                       struct.pack("HxxxxxxQ", n, ctypes.addressof(buf)))
        big_rcvbuf(pkt)
        pkt.setblocking(False)
        raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    except (OSError, ValueError) as e:
        print("reflect: %s" % e, file=sys.stderr)
        return 1
    got = [0, 0]                # packets, IP bytes from ADDR to V
    stop = threading.Event()

    def count():
        while True:
            r, _, _ = select.select([pkt, sink], [], [], 0.05)
            if not r and stop.is_set():
                return
            with contextlib.suppress(BlockingIOError):
                while True:
                    sink.recv(65535)
            with contextlib.suppress(BlockingIOError):
                while True:
                    head, where = pkt.recvfrom(64)
                    if where[2] == PACKET_OUTGOING or len(head) < 20:
                        continue    # on lo, each packet shows going out too
                    if head[0] >> 4 == 4 and head[12:16] == dst and head[16:20] == src:
                        got[0] += 1
                        got[1] += struct.unpack_from("!H", head, 2)[0]

    counter = threading.Thread(target=count, daemon=True)
    counter.start()
    mid = random.getrandbits(32) << 32 | 1
    nseg = 2 * ndata + 10
    total = nseg * segment
    payload = bytes(segment)
    bodies = [DATA_HDR.pack(MAGIC, VERSION, DATA, segment, mid, 2 * i * segment, total)
              + payload for i in range(ndata)]
    close = CLOSE_HDR.pack(MAGIC, VERSION, CLOSE, segment, mid, total, 0, 0)
    ident = random.getrandbits(16)
    forged = [0, 0]
    for k in range(ndata + closes):
        packet = ipv4_udp(src, vport, dst, port, bodies[k] if k < ndata else close, ident + k)
        for attempt in range(100):
            try:
                raw.sendto(packet, (dst_ip, 0))
                break
            except OSError as e:
                if e.errno != errno.ENOBUFS or attempt == 99:
                    print("reflect: forged datagram %d: %s" % (k + 1, e), file=sys.stderr)
                    return 1
                time.sleep(0.01)    # the device's queue is full: a moment
        forged[0] += 1
        forged[1] += len(packet)
        if k % 20 == 19:
            time.sleep(0.001)
    time.sleep(wait)
    stop.set()
    counter.join()
    print("reflect: forged %d datagrams, %d bytes from %s:%d; %s received %d datagrams, "
          "%d bytes from %s; ratio %.3f"
          % (forged[0], forged[1], src_ip, vport, src_ip, got[0], got[1], dst_ip,
             got[1] / forged[1] if forged[1] else 0), flush=True)
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
    (one NACK back), a receiver that never answers and one that never
    makes progress (the hold). Then the receiver's rules: the origin, a
    new id from another host, a stale id, the answers' byte budget, the
    hold, and (as root) reflect."""
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
    took = [0.0]            # the last case's seconds, for its check

    def rejected(r):
        return sum(r.counts[k] for k in REJECTED)

    def until(cond, seconds=2):
        end = time.monotonic() + seconds
        while not cond() and time.monotonic() < end:
            time.sleep(0.01)
        return cond()

    def answered(n):
        """Whether the receiver thread ended its n-th message (it sends
        the answer first: wait for it a little)."""
        return until(lambda: len(got) >= n) and len(got) == n

    def case(name, want, call, check=lambda: True):
        t0 = time.monotonic()
        res = call()
        took[0] = time.monotonic() - t0
        ok = res == want and check()
        out.append("%s: %s %.2f s %s" % (name, res, took[0], tx.stats))
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
    tx.segment = 256
    case("segment 256", -errno.EINVAL, lambda: tx.send(b"x" * 1000),
         lambda: tx.stats["rounds"] == 0 and tx.stats["sent"] == 0)
    # A 1000-byte message in 512-byte segments, then every forged case:
    # each one counted, the message still there, only efbig answered.
    tx.segment = FORGE_SEG
    msg = os.urandom(FORGE_TOTAL)
    case("for forge", 0, lambda: tx.send(msg), lambda: answered(5))
    mid = tx.instance << 32 | tx.count

    def intact():
        return rx.msg is not None and rx.msg.id == mid and rx.msg.crc is not None

    # A DATA of it still in flight at the ACK: a duplicate, not a new message.
    dups = rx.counts["duplicate"]
    tx._data(mid, msg, 1)
    until(lambda: rx.counts["duplicate"] != dups)
    out.append("late DATA: %d duplicate" % (rx.counts["duplicate"] - dups))
    if rx.counts["duplicate"] != dups + 1 or not intact():
        fails.append("late DATA")
    tx.segment = 1440
    before = rejected(rx)
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        forge("127.0.0.1", [c for c in FORGE_DROPPED if c != "efbig"], port, mid, 8 << 20)
        forge("127.0.0.1", ["efbig"], port, mid, 8 << 20, wait=2)
    until(lambda: rejected(rx) - before >= len(FORGE_DROPPED))
    after = rejected(rx)
    out.append("forge: %d of %d counted; %s" % (after - before, len(FORGE_DROPPED),
                                                buf.getvalue().strip().split("\n")[-1]))
    if after - before != len(FORGE_DROPPED) or not intact() \
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
    # A receiver that never answers (a socket nobody reads): CLOSE again
    # at 0.2, 0.6, 1.4 s..., until the hold; never fewer than two CLOSEs,
    # the second one's timeout waited for.
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", port + 7))
    tx = Sender("127.0.0.1", port + 7, hold=0.05)
    case("silent, hold 0.05 s", -errno.ETIMEDOUT, lambda: tx.send(b"x" * 1000),
         lambda: tx.stats["rounds"] == 2 and 0.55 <= took[0] <= 1.0)
    tx = Sender("127.0.0.1", port + 7, hold=1.0)
    case("silent, hold 1 s", -errno.ETIMEDOUT, lambda: tx.send(b"x" * 1000),
         lambda: tx.stats["rounds"] == 3 and tx.stats["tries"] == 2
         and 0.95 <= took[0] <= 1.4)
    # A receiver that loses every DATA: the first NACK is progress, no
    # round after it is; the hold ends the send.
    stuck = Receiver(port=port + 1, bind="127.0.0.1", lose=1.0)
    threading.Thread(target=stuck.receive, daemon=True).start()
    tx = Sender("127.0.0.1", port + 1, hold=2.0)
    case("no progress, hold 2 s", -errno.ETIMEDOUT, lambda: tx.send(data[:20000]),
         lambda: tx.stats["rounds"] > 2 and 2.0 <= took[0] <= 3.0)

    # The receiver's rules, on a receiver of their own.
    rules = Receiver(port=port + 3, buffer=8 << 20, bind="127.0.0.1")

    def serve_rules():
        while True:
            rules.receive()

    threading.Thread(target=serve_rules, daemon=True).start()

    def sock_from(addr, to):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        big_rcvbuf(s, 16 << 20)
        s.bind((addr, 0))
        s.connect(("127.0.0.1", to))
        return s

    def replies(s, quiet_s=0.3):
        """What came back to @s until @quiet_s seconds of silence."""
        back = []
        s.settimeout(quiet_s)
        with contextlib.suppress(socket.timeout, ConnectionRefusedError):
            while True:
                back.append(s.recv(65535))
        return back

    def missing(back):
        """The first answer's missing figure, if it is a NACK."""
        if back and len(back[0]) >= NACK_HDR.size and back[0][5] == NACK:
            return NACK_HDR.unpack_from(back[0])[7]
        return None

    seg, total = SEGMENT_MIN, 10 * SEGMENT_MIN

    def dat(mid, i, tot=total):
        return DATA_HDR.pack(MAGIC, VERSION, DATA, seg, mid, i * seg, tot) \
            + bytes(min(seg, tot - i * seg))

    def clo(mid, tot=total):
        return CLOSE_HDR.pack(MAGIC, VERSION, CLOSE, seg, mid, tot, 0, 0)

    a = sock_from("127.0.0.1", port + 3)
    b = sock_from("127.0.0.1", port + 3)
    c = sock_from("127.0.0.2", port + 3)
    xid = 9 << 32 | 3
    a.send(dat(xid, 0))
    a.send(dat(xid, 2))
    until(lambda: rules.msg is not None and rules.msg.missing == 8)
    # R1: a CLOSE of it from another port of the same host.
    f0 = rules.counts["foreign"]
    b.send(clo(xid))
    nb = len(replies(b))
    foreign = rules.counts["foreign"] - f0
    a.send(clo(xid))
    ma = missing(replies(a))
    out.append("R1 origin: a CLOSE of the message from another port: %d answers, foreign +%d;"
               " from its origin: NACK, %s missing" % (nb, foreign, ma))
    if nb or foreign != 1 or ma != 8:
        fails.append("R1")
    # R2: new ids from another host while it is incomplete.
    b0 = rules.counts["busy"]
    c.send(dat(10 << 32 | 1, 0))
    nc = len(replies(c))
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        forge("127.0.0.1", ["foreign"], port + 3, buffer=8 << 20, bind="127.0.0.2",
              repeat=3, wait=0.3)
    until(lambda: rules.counts["busy"] - b0 >= 4)
    busy = rules.counts["busy"] - b0
    a.send(clo(xid))
    ma = missing(replies(a))
    still = rules.msg is not None and rules.msg.id == xid
    out.append("R2 busy: a DATA of a new id from 127.0.0.2: %d answers; forge foreign x3 from"
               " 127.0.0.2: %s; busy +%d; the message goes on: %s, %s missing"
               % (nc, buf.getvalue().strip(), busy, still, ma))
    if nc or busy != 4 or not still or ma != 8 or "answer none" not in buf.getvalue():
        fails.append("R2")
    # R3 and R2 from the origin's host (another port): an older id of its
    # instance is stale; a newer one replaces the message (its sender
    # started again).
    s0 = rules.counts["stale"]
    b.send(dat(xid - 1, 0))
    until(lambda: rules.counts["stale"] != s0)
    stale = rules.counts["stale"] - s0
    b.send(dat(xid + 1, 0))
    until(lambda: rules.msg is not None and rules.msg.id != xid)
    replaced = rules.msg is not None and rules.msg.id == xid + 1 \
        and rules.msg.origin == b.getsockname()
    out.append("R3 stale: an older id from the origin's host: stale +%d; a newer one replaces"
               " the message, its origin the new port: %s" % (stale, replaced))
    if stale != 1 or not replaced:
        fails.append("R3")
    # R4: the reflection, from one socket: 200 DATA at every other segment
    # (a message of 201 holes), then 1000 CLOSEs. Without the budget, each
    # CLOSE (60 bytes) would bring back a full NACK (1500).
    amp = Receiver(port=port + 4, buffer=8 << 20, bind="127.0.0.1")
    threading.Thread(target=amp.receive, daemon=True).start()
    s = sock_from("127.0.0.1", port + 4)
    s.setblocking(False)
    aid, nd = 11 << 32 | 1, 200
    atotal = (2 * nd + 10) * seg
    fwd, back = [0, 0], [0, 0]

    def drain():
        with contextlib.suppress(BlockingIOError):
            while True:
                r = s.recv(65535)
                back[0] += 1
                back[1] += len(r) + WIRE

    for k in range(nd + 1000):
        body = dat(aid, 2 * k, atotal) if k < nd else clo(aid, atotal)
        s.send(body)
        fwd[0] += 1
        fwd[1] += len(body) + WIRE
        if k % 20 == 19:
            drain()
            time.sleep(0.001)
    s.setblocking(True)
    for r in replies(s, 0.5):
        back[0] += 1
        back[1] += len(r) + WIRE
    out.append("R4 budget: %d datagrams, %d bytes to the receiver; %d answers, %d bytes back"
               " (ratio %.3f); budget's end %d times"
               % (fwd[0], fwd[1], back[0], back[1], back[1] / fwd[1], amp.counts["budget"]))
    if not 0 < back[1] <= fwd[1] or not amp.counts["budget"]:
        fails.append("R4")
    # R6: an incomplete message is discarded its hold after its origin's
    # last datagram, whatever comes from elsewhere meanwhile.
    held = Receiver(port=port + 6, bind="127.0.0.1", hold=1.0)
    ends = []
    threading.Thread(target=lambda: ends.append((held.receive(), time.monotonic())),
                     daemon=True).start()
    o, f = sock_from("127.0.0.1", port + 6), sock_from("127.0.0.1", port + 6)
    hid = 12 << 32 | 1
    o.send(dat(hid, 0, 2 * seg))
    t0 = time.monotonic()
    while not ends and time.monotonic() - t0 < 1.8:
        f.send(clo(hid, 2 * seg))
        time.sleep(0.2)
    until(lambda: ends)
    t = ends[0][1] - t0 if ends else -1
    out.append("R6 hold: hold 1 s, a CLOSE from another port every 0.2 s: discarded %.2f s after"
               " the origin's last datagram (foreign %d)" % (t, held.counts["foreign"]))
    if not ends or ends[0][0] is not None or not 0.9 <= t <= 1.5 or held.counts["foreign"] < 3:
        fails.append("R6")
    # reflect, as root (raw and packet sockets): 127.0.0.2 the victim.
    if os.geteuid() == 0:
        mirror = Receiver(port=port + 8, buffer=8 << 20, bind="127.0.0.1")
        threading.Thread(target=mirror.receive, daemon=True).start()
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        probe.bind(("127.0.0.2", 0))
        vport = probe.getsockname()[1]
        probe.close()
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            rc = reflect("127.0.0.1", "127.0.0.2", vport, port + 8, ndata=50, closes=500,
                         wait=1.0)
        line = buf.getvalue().strip()
        out.append(line or "reflect: exit %d" % rc)
        try:
            fields = line.replace(",", "").split()
            answers_n, ratio = int(fields[fields.index("received") + 1]), float(fields[-1])
        except (ValueError, IndexError):
            answers_n, ratio = 0, 99.0
        if rc or not answers_n or ratio > 1.0:
            fails.append("reflect")
    else:
        out.append("reflect: not run (not root)")
    print("\n".join("# " + line for line in out))
    print("# receiver:", rx.counts)
    print("# rules' receiver:", rules.counts)
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
    s.add_argument("--hold", type=float, default=HOLD)
    r = sub.add_parser("receive")
    r.add_argument("out")
    r.add_argument("--port", type=int, default=8808)
    r.add_argument("--buffer", type=int, default=1 << 30)
    r.add_argument("--bind", default="0.0.0.0")
    r.add_argument("--linger", type=float, default=2.0)
    r.add_argument("--hold", type=float, default=HOLD)
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
    f.add_argument("--bind")
    f.add_argument("--repeat", type=int, default=1)
    f.add_argument("--wait", type=float, default=0.0)
    f.add_argument("--counter")
    f.add_argument("--show", action="append", default=[])
    x = sub.add_parser("reflect")
    x.add_argument("addr")
    x.add_argument("--victim", required=True)
    x.add_argument("--vport", type=int, default=40000)
    x.add_argument("--port", type=int, default=8808)
    x.add_argument("--data", type=int, default=200)
    x.add_argument("--closes", type=int, default=2000)
    x.add_argument("--segment", type=int, default=1440)
    x.add_argument("--wait", type=float, default=3.0)
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
        if a.repeat < 1:
            ap.error("--repeat must be at least 1")
        return forge(a.addr, a.cases, a.port, a.id, a.buffer, a.wait, a.counter, a.show,
                     a.bind, a.repeat)
    if a.cmd == "reflect":
        if a.data < 0 or a.closes < 0:
            ap.error("--data and --closes must not be negative")
        return reflect(a.addr, a.victim, a.vport, a.port, a.data, a.closes, a.segment,
                       a.wait)
    if a.cmd == "send":
        with open(a.file, "rb") as fp:
            data = fp.read()
        tx = Sender(a.addr, a.port, a.segment, hold=a.hold)
        ret = tx.send(data, a.drop, random.Random(a.seed), a.id, a.bad_crc, a.vanish)
        print("stats " + " ".join("%s=%d" % kv for kv in tx.stats.items()))
        if ret:
            print("send: %s" % errno.errorcode.get(-ret, ret))
        return 0 if ret == 0 else 1
    rx = Receiver(a.port, a.buffer, a.bind, a.flip, a.noise, a.lose, verbose=True,
                  hold=a.hold)
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
