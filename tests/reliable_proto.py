# SPDX-License-Identifier: GPL-2.0
"""kudp's reliable mode (Documentation/protocol.rst) in user space: its
wire format, a sender and a receiver, written from the document (not from
the modules), so that the tests prove the document. They follow the rules
of a sender and a receiver on a real LAN (issue 25): a sender gives up
after a hold without progress; a receiver keeps a message to the source
that started it, never answers more bytes than that source sent it, and
keeps an incomplete message for a hold after its last datagram. "Bytes"
on the wire: a datagram's payload + 28 (its IPv4 and UDP headers: WIRE).

tests/reliable.py is their command line, with the tools built on them
(forge, reflect, watch, selftest); it offers these names too (tests/fuzz.py
builds its datagrams of the reliable mode from them).
"""
import collections
import errno
import random
import select
import socket
import struct
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
