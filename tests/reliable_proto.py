# SPDX-License-Identifier: GPL-2.0
"""kudp's reliable mode (Documentation/protocol.rst) in user space: its
wire format, a sender and a receiver, written from the document (not from
the modules), so that the tests prove the document. They follow the rules
of a sender and a receiver on a real LAN (issue 25): a sender gives up
after a hold without progress; a receiver keeps a message to the source
that started it, never answers more bytes than that source sent it, and
keeps an incomplete message for a hold after its last datagram. "Bytes"
on the wire: a datagram's payload + 28 (its IPv4 and UDP headers: WIRE).

With a key (32 bytes: Sender's and Receiver's @key), they speak version 2
only (protocol.rst, "Authenticated transfers"): every datagram carries a
16-byte tag right after its type's header, the hybrid of protocol.rst,
"The tag": keyed BLAKE2s with a 16-byte digest over a nonce, the header
and the SipHash-2-4 of the rest of the datagram, keyed with a 16-byte key
derived from the key (tag(), seal(), unseal(): the one place that
computes and checks tags; siphash24(): SipHash in pure Python, about 6
MB/s on a PC, so that the tests keep keyed payloads small where they
can). The sender starts each message with HELLO and tags its DATA and
CLOSEs with the receiver's CHALLENGE. Without one, version 1, as before.

tests/reliable.py is their command line, with the tools built on them
(forge, reflect, watch, selftest); it offers these names too (tests/fuzz.py
builds its datagrams of the reliable mode from them).
"""
import collections
import errno
import hashlib
import hmac
import os
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
# "unauthentic" (a tag that does not verify) only with a key.
REJECTED = ("malformed", "stale", "control", "refused", "foreign", "busy", "unauthentic")

assert NACK_HDR.size == 24 and NACK_HDR.size + NACK_RANGES * RANGE.size == 1472

# Version 2 (a shared key): the tag after each type's header, two more types.
VERSION2 = 2
HELLO, CHALLENGE = 6, 7
NAMES.update({HELLO: "HELLO", CHALLENGE: "CHALLENGE"})
HELLO_HDR = struct.Struct(">IBBHQQQ")     # + total length, 8 zero bytes
CHALLENGE_HDR = struct.Struct(">IBBHQ16s")  # + the challenge
KEY_SIZE = 32
TAG = 16                                  # keyed BLAKE2s, a 16-byte digest (tag())
NONCE_SIZE = 16
NONCE_ZERO = bytes(NONCE_SIZE)            # HELLO's and CHALLENGE's nonce
CHALLENGE_SIZE = 16
NACK_RANGES_V2 = 179                      # 24 + 16 + 179 * 8 = 1472 bytes
# Each type's header: the bytes before the tag.
HEADERS = {DATA: DATA_HDR.size, CLOSE: CLOSE_HDR.size, NACK: NACK_HDR.size,
           ACK: ACK_HDR.size, REFUSE: REFUSE_HDR.size, HELLO: HELLO_HDR.size,
           CHALLENGE: CHALLENGE_HDR.size}

assert HELLO_HDR.size + TAG == 48 and CHALLENGE_HDR.size + TAG == 48
assert NACK_HDR.size + TAG + NACK_RANGES_V2 * RANGE.size == 1472


SIP_KEY_LABEL = b"kudp siphash key"       # what derives the SipHash key
SIP_KEY_SIZE = 16


def sip_key(key):
    """The 16-byte SipHash key derived from the 32-byte @key: keyed
    BLAKE2s (digest size 16) of the 16 ASCII bytes "kudp siphash key"."""
    return hashlib.blake2s(SIP_KEY_LABEL, key=key, digest_size=SIP_KEY_SIZE).digest()


_sip_words = {}     # key bytes -> its sip_key()'s two words (k0, k1)


def sip_words(key):
    """The two little-endian 64-bit words of sip_key(@key), derived once
    per key (a small cache: emptied once it holds 64 keys, as a fuzzer's
    random keys would fill it)."""
    key = bytes(key)
    words = _sip_words.get(key)
    if words is None:
        if len(_sip_words) >= 64:
            _sip_words.clear()
        words = _sip_words[key] = struct.unpack("<QQ", sip_key(key))
    return words


def siphash24(k0, k1, data):
    """SipHash-2-4 (Aumasson and Bernstein, 2012) of the bytes @data, keyed
    with the two 64-bit words @k0 and @k1 (a 16-byte key's, little-endian):
    a u64. Pure Python, written for speed: the whole words unpacked at
    once, the state in locals, the rounds inlined. The state words are
    left with bits above 63 (an addition's carry, a rotation's spill): the
    low 64 bits of a sum or an XOR depend only on the low 64 bits of its
    operands, so only a rotation's input is cut to 64 bits, and the
    rotation is one multiplication: (x * (2^64 + 1)) >> (64 - b) holds
    x rotated left by b in its low 64 bits. 5.4 to 5.9 MB/s with Python
    3.11 on a PC (the rounds inlined with a mask after each addition and
    shifts for the rotations: 4.7 to 5.3; with a rotl() function: 3.6): a
    1424-byte segment's tag takes 0.25 ms, a 65475-byte one's 11 ms."""
    M = 0xFFFFFFFFFFFFFFFF
    D = 0x10000000000000001
    n = len(data)
    nw = n >> 3
    v0 = k0 ^ 0x736f6d6570736575
    v1 = k1 ^ 0x646f72616e646f6d
    v2 = k0 ^ 0x6c7967656e657261
    v3 = k1 ^ 0x7465646279746573
    words = struct.unpack_from("<%dQ" % nw, data)
    # The last word: the 0 to 7 bytes left, the length's low byte on top.
    last = (n & 0xFF) << 56 | int.from_bytes(data[nw * 8:], "little")
    for m in words + (last,):
        v3 ^= m
        # SipRound, twice.
        v0 += v1
        v1 = ((v1 & M) * D >> 51) ^ v0
        v0 = (v0 & M) * D >> 32
        v2 += v3
        v3 = ((v3 & M) * D >> 48) ^ v2
        v0 += v3
        v3 = ((v3 & M) * D >> 43) ^ v0
        v2 += v1
        v1 = ((v1 & M) * D >> 47) ^ v2
        v2 = (v2 & M) * D >> 32
        v0 += v1
        v1 = ((v1 & M) * D >> 51) ^ v0
        v0 = (v0 & M) * D >> 32
        v2 += v3
        v3 = ((v3 & M) * D >> 48) ^ v2
        v0 += v3
        v3 = ((v3 & M) * D >> 43) ^ v0
        v2 += v1
        v1 = ((v1 & M) * D >> 47) ^ v2
        v2 = (v2 & M) * D >> 32
        v0 ^= m
    v2 ^= 0xFF
    for _ in range(4):
        v0 += v1
        v1 = ((v1 & M) * D >> 51) ^ v0
        v0 = (v0 & M) * D >> 32
        v2 += v3
        v3 = ((v3 & M) * D >> 48) ^ v2
        v0 += v3
        v3 = ((v3 & M) * D >> 43) ^ v0
        v2 += v1
        v1 = ((v1 & M) * D >> 47) ^ v2
        v2 = (v2 & M) * D >> 32
    return (v0 ^ v1 ^ v2 ^ v3) & M


def siphash(sip, data):
    """SipHash-2-4 of @data with the 16-byte key @sip: a u64."""
    return siphash24(*struct.unpack("<QQ", sip), data)


def tag(key, nonce, header, rest=b""):
    """The tag of a datagram whose type's header is @header (its version
    byte 2) and whose bytes after the tag are @rest (protocol.rst, "The
    tag"): keyed BLAKE2s with @key (digest size 16, BLAKE2s' own outlen,
    not a cut 32-byte digest) over @nonce, @header and the SipHash-2-4 of
    @rest (8 bytes, little-endian), keyed with sip_key(@key)."""
    s = siphash24(*sip_words(key), rest)
    return hashlib.blake2s(bytes(nonce) + bytes(header) + struct.pack("<Q", s), key=key,
                           digest_size=TAG).digest()


def seal(key, nonce, datagram, hdr_len=None):
    """@datagram (the layout of version 1: its type's header, then the rest;
    the version byte is what the caller wrote, 2 for a real one) with its
    tag inserted after the first @hdr_len bytes (its type's header by
    default): the datagram of version 2. The tag is tag()'s: BLAKE2s over
    @nonce, those bytes and the SipHash of the bytes after them (the cost
    is SipHash's, in pure Python: about 6 MB/s)."""
    datagram = bytes(datagram)
    if hdr_len is None:
        hdr_len = HEADERS[datagram[5]]
    head, rest = datagram[:hdr_len], datagram[hdr_len:]
    return head + tag(key, nonce, head, rest) + rest


def unseal(key, nonce, datagram, hdr_len=None):
    """The bytes of @datagram without its tag (the layout of version 1), if
    the tag after its first @hdr_len bytes (its type's header by default)
    verifies with @key and @nonce (tag() of the bytes before it and of
    those after it); else None (too short, an unknown type when @hdr_len
    is not given, a wrong tag)."""
    datagram = bytes(datagram)
    if hdr_len is None:
        if len(datagram) < COMMON.size or datagram[5] not in HEADERS:
            return None
        hdr_len = HEADERS[datagram[5]]
    if len(datagram) < hdr_len + TAG:
        return None
    head, got, rest = datagram[:hdr_len], datagram[hdr_len:hdr_len + TAG], datagram[hdr_len + TAG:]
    if not hmac.compare_digest(got, tag(key, nonce, head, rest)):
        return None
    return head + rest


class KeyFileError(ValueError):
    pass


def read_key_file(path):
    """The 32-byte key in the file @path: 64 hex digits, an optional
    newline after them. KeyFileError if the file is readable or writable
    by its group or others (mode & 0o077), cannot be read, or holds
    anything else."""
    try:
        with open(path, "rb") as fp:
            mode = os.fstat(fp.fileno()).st_mode
            text = fp.read(4096)
    except OSError as e:
        raise KeyFileError("%s: %s" % (path, e.strerror or e)) from None
    if mode & 0o077:
        raise KeyFileError("%s: mode %04o: a key file must not be readable or writable by"
                           " group or others (chmod 600)" % (path, mode & 0o7777))
    if text.endswith(b"\n"):
        text = text[:-1]
    if len(text) != 2 * KEY_SIZE or any(c not in b"0123456789abcdefABCDEF" for c in text):
        raise KeyFileError("%s: not a key: 64 hex digits (32 bytes) and an optional newline"
                           % path)
    return bytes.fromhex(text.decode())


def check_key(key):
    """@key, None or 32 bytes; else ValueError."""
    if key is not None and (not isinstance(key, (bytes, bytearray)) or len(key) != KEY_SIZE):
        raise ValueError("a key is 32 bytes")
    return bytes(key) if key is not None else None


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
    or until @hold seconds passed without progress. With @key (32 bytes),
    version 2: HELLO first, until the receiver's CHALLENGE, every datagram
    tagged. @record, a list: every datagram sent is appended to it (as it
    went on the wire)."""

    def __init__(self, addr, port=8808, segment=None, instance=None, hold=HOLD, key=None,
                 record=None):
        self.dest = (addr, port)
        self.sock = None
        self.key = check_key(key)
        self.version = VERSION2 if self.key else VERSION
        self.nack_ranges = NACK_RANGES_V2 if self.key else NACK_RANGES
        if segment is None:
            # 1500 less the IPv4 and UDP headers and the DATA header (and tag).
            segment = 1440 - (TAG if self.key else 0)
        self.segment = segment
        self.instance = random.getrandbits(32) if instance is None else instance
        self.hold = hold
        self.count = 0
        self.srtt = None
        self.stats = {}
        self.record = record
        self.challenge = None   # the message's challenge (version 2)

    def _connect(self):
        """A socket of its own for each message, connected to the receiver:
        the source address follows the route, the source port is new (as
        send_udp's disconnect and connect at each send)."""
        if self.sock:
            self.sock.close()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        big_rcvbuf(self.sock, 4 << 20)
        self.sock.connect(self.dest)

    def _put(self, body):
        if self.record is not None:
            self.record.append(body)
        self.sock.send(body)

    def _seal(self, body, nonce=None):
        """@body as it goes: with a key, tagged (the message's challenge as
        the nonce unless @nonce)."""
        if not self.key:
            return body
        return seal(self.key, self.challenge if nonce is None else nonce, body)

    def _data(self, msg_id, data, seg_no):
        off = seg_no * self.segment
        hdr = DATA_HDR.pack(MAGIC, self.version, DATA, self.segment, msg_id, off, len(data))
        self._put(self._seal(hdr + data[off:off + self.segment]))

    def send(self, data, drop=0.0, rng=random, msg_id=None, bad_crc=False, vanish=False):
        """0 once the receiver confirmed DATA; else a negative errno. With
        @vanish, only the first pass of DATA (0)."""
        try:
            return self._send(data, drop, rng, msg_id, bad_crc, vanish)
        except ConnectionRefusedError:
            return -errno.ECONNREFUSED

    def _adopt(self, body):
        """A CHALLENGE of the message (checked): whether its challenge is
        another than the sender's, now taken."""
        challenge = CHALLENGE_HDR.unpack_from(body)[5]
        if challenge == self.challenge:
            return False
        self.challenge = challenge
        self.stats["challenges"] += 1
        return True

    def _hello_datagram(self, msg_id, total):
        """The HELLO of @msg_id, of @total bytes: its nonce zero."""
        return seal(self.key, NONCE_ZERO,
                    HELLO_HDR.pack(MAGIC, VERSION2, HELLO, self.segment, msg_id, total, 0))

    def _hello(self, msg_id, total):
        """Version 2: HELLO until the CHALLENGE of @msg_id, on the CLOSE's
        timer (4 round trips, 0.2 s at first, doubling to 2 s); 0 once it
        came (the message's challenge taken), -ETIMEDOUT once @hold seconds
        passed since the first HELLO and two HELLOs at least were sent."""
        hello = self._hello_datagram(msg_id, total)
        rto = max(4 * self.srtt, RTO_MIN) if self.srtt else RTO_FIRST
        start = time.monotonic()
        hellos = 0
        while True:
            self._put(hello)
            hellos += 1
            self.stats["hellos"] += 1
            until = time.monotonic() + rto
            if hellos > 2:
                until = min(until, start + self.hold)
            # Without a challenge, only a CHALLENGE can verify.
            ans = self._answer(msg_id, until - time.monotonic())
            if ans is not None:
                self._adopt(ans[1])
                return 0
            if hellos >= 2 and time.monotonic() - start >= self.hold:
                return -errno.ETIMEDOUT
            rto = min(rto * 2, RTO_MAX)

    def _send(self, data, drop, rng, msg_id, bad_crc, vanish):
        st = self.stats = {"rounds": 0, "nacks": 0, "batch": 0, "resent": 0,
                           "tries": 0, "sent": 0, "rejected": 0}
        if self.key:
            st.update({"hellos": 0, "challenges": 0, "unauthentic": 0})
        if not SEGMENT_MIN <= self.segment <= SEGMENT_MAX:
            # No receiver would take it: refused, nothing sent.
            return -errno.EINVAL
        if msg_id is None:
            self.count += 1
            msg_id = self.instance << 32 | self.count
        self._connect()
        self.challenge = None
        if self.key:
            ret = self._hello(msg_id, len(data))
            if ret:
                return ret
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
                while ans and ans[0] == CHALLENGE:
                    # A late answer to a HELLO sent again: another
                    # challenge is taken (the CLOSE will bring the rest).
                    self._adopt(ans[1])
                    ans = self._answer(msg_id, 0)
                if ans and ans[0] == REFUSE:
                    return -REFUSE_HDR.unpack_from(ans[1])[5]
        if vanish:
            return 0
        crc = crc32(data) ^ (1 if bad_crc else 0)
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
            # (Tagged with the challenge it has now: it may change.)
            self._put(self._seal(CLOSE_HDR.pack(MAGIC, self.version, CLOSE, seg, msg_id,
                                                len(data), crc, 0)))
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
                if self.key:
                    # HELLO before the CLOSE: has the receiver still the
                    # message (the same challenge back)?
                    self._put(self._hello_datagram(msg_id, len(data)))
                    st["hellos"] += 1
                sent_at, first, budget = new_round()
                continue
            kind, body = ans
            if kind == CHALLENGE:
                if not self._adopt(body):
                    continue    # the receiver has the message
                # Another challenge: the receiver does not have the message
                # (discarded, or never started). A CLOSE with it starts it,
                # every segment missing; progress counts from here.
                timeouts = 0
                answered = True
                progress = now
                prev_missing = None
                sent_at, first, budget = new_round()
                continue
            timeouts = 0
            if not answered:
                answered = True
                progress = now
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
        past (0 or less: only what is queued). With a key, the bytes are
        the datagram without its tag, which verified (a CHALLENGE with the
        zero nonce, the others with the message's challenge)."""
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
            if self.key:
                # The tag first: nothing else it says counts before it.
                if magic != MAGIC or ver != VERSION2 or kind not in (ACK, NACK, REFUSE,
                                                                     CHALLENGE):
                    self.stats["rejected"] += 1
                    continue
                nonce = NONCE_ZERO if kind == CHALLENGE else self.challenge
                plain = unseal(self.key, nonce, body) if nonce is not None else None
                if plain is None:
                    self.stats["rejected"] += 1
                    self.stats["unauthentic"] += 1
                    continue
                body = plain
            need = {ACK: ACK_HDR.size, NACK: NACK_HDR.size, REFUSE: REFUSE_HDR.size}.get(kind)
            if self.key and kind == CHALLENGE:
                need = CHALLENGE_HDR.size
            if magic != MAGIC or ver != self.version or mid != msg_id or not need \
                    or len(body) < need:
                self.stats["rejected"] += 1
                continue
            if kind == NACK:
                n = NACK_HDR.unpack_from(body)[5]
                if not 1 <= n <= self.nack_ranges or len(body) < NACK_HDR.size + n * RANGE.size:
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
        self.local = local              # the address its datagrams came to (None: a group)
        self.got = 0                    # bytes from the origin for it
        self.sent = 0                   # bytes answered for it
        self.last = time.monotonic()    # its last datagram from the origin
        self.fresh = False              # DATA stored since the last answer
        self.crc = None                 # once COMPLETE
        self.challenge = None           # version 2: its challenge (its tags' nonce)


class Receiver:
    """The receiver of protocol.rst, for one message at a time, with the
    rules of a LAN: a message's origin, the answers' byte budget, the
    hold. With @key (32 bytes), version 2: every datagram's tag checked
    first (one that does not verify: dropped, counted "unauthentic",
    nothing else), HELLOs answered with a CHALLENGE, answers tagged. With
    @group (an IPv4 multicast address), a receiver of that group
    (protocol.rst, "One sender, many receivers: a group"): the socket
    joins it, on the interface whose address is @group_if or the route
    to the group's, and takes its datagrams to @port beside those sent to
    this host (with @bind 0.0.0.0); nothing else changes. Not with a key
    (ValueError), as the modules refuse the pair."""

    def __init__(self, port=8808, buffer=1 << 30, bind="0.0.0.0", flip=False, noise=False,
                 lose=0.0, verbose=False, hold=HOLD, key=None, group=None, group_if=None):
        self.key = check_key(key)
        if self.key and group:
            raise ValueError("a key with a group: not in this version")
        self.version = VERSION2 if self.key else VERSION
        self.nack_ranges = NACK_RANGES_V2 if self.key else NACK_RANGES
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        big_rcvbuf(self.sock)
        self.sock.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
        self.sock.bind((bind, port))
        if group:
            # IP_ADD_MEMBERSHIP (struct ip_mreq): the interface reports the
            # membership (IGMP), so that a switch that snoops it forwards
            # the group's datagrams here.
            mreq = socket.inet_aton(group) + socket.inet_aton(group_if or "0.0.0.0")
            try:
                self.sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
            except OSError as e:
                self.sock.close()
                why = e.strerror
                if e.errno == errno.ENODEV and not group_if:
                    why += " (no route to it chooses an interface: name one, --group-if)"
                raise OSError(e.errno, "cannot join %s%s: %s"
                              % (group, " on " + group_if if group_if else "", why)) from None
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
        if self.key:
            self.counts.update({"unauthentic": 0, "hellos": 0})
        # Version 2: the offered challenge, drawn at load and whenever a
        # message starts, completes or is discarded.
        self.offered = os.urandom(CHALLENGE_SIZE) if self.key else None
        self.unauth_log = 0.0   # the last "unauthentic" line (verbose: one a second)
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
                    self._offer()
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
        """(payload, source, the local address it came to: None if to a
        group) of the next datagram within @timeout (None: no limit), or
        None. The socket stays blocking, so that the answers can never
        block (a socket with a timeout waits for room)."""
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
            # struct in_pktinfo's ipi_addr; but a datagram to a group names
            # no address of this host's, and a multicast source is no
            # source (EINVAL): None, the route to the sender picks it.
            if level == socket.IPPROTO_IP and kind == IP_PKTINFO and len(data) >= 12 \
                    and data[8] >> 4 != 14:
                local = socket.inet_ntoa(data[8:12])
        return body, src, local

    def _send(self, body, dst, local):
        """@body to @dst from @local, never blocking; False if it could not
        go (counted)."""
        if self.noise:
            # What a confused or forging peer could send first.
            self.noise = False
            mid, seg = COMMON.unpack_from(body)[4], COMMON.unpack_from(body)[3]
            self._send(COMMON.pack(MAGIC, self.version, NACK, seg, mid) + b"\0\1", dst, local)
            self._send(self._seal(ACK_HDR.pack(MAGIC, self.version, ACK, seg, mid ^ 1, 0, 0, 0),
                                  os.urandom(NONCE_SIZE)), dst, local)
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

    def _offer(self):
        """Version 2: a new offered challenge (the one before dies)."""
        if self.key:
            self.offered = os.urandom(CHALLENGE_SIZE)

    def _seal(self, body, nonce):
        """@body as it goes: with a key, tagged with @nonce."""
        return seal(self.key, nonce, body) if self.key else body

    def _room(self, msg):
        """The bytes @msg's budget still allows: what its origin sent for
        it, less what went back."""
        return msg.got - msg.sent

    def _answer(self, msg, kind, tail):
        """An answer of @msg to its origin, if its bytes fit the budget."""
        body = self._seal(COMMON.pack(MAGIC, self.version, kind, msg.seg, msg.id) + tail,
                          msg.challenge)
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
        per = self.nack_ranges
        ranges, i = [], 0
        while i < len(have) and len(ranges) < per * most:
            if have[i]:
                i += 1
                continue
            j = i
            while j < len(have) and not have[j]:
                j += 1
            ranges.append(RANGE.pack(i, j - i))
            i = j
        fixed = WIRE + NACK_HDR.size + (TAG if self.key else 0)

        def fit(room):
            return max(0, min(per, (room - fixed) // RANGE.size))

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
        # sender started again) or the complete one is discarded. It takes
        # the offered challenge as its own, and another is offered.
        self.msg = Message(mid, seg, total, src, local)
        self.msg.challenge = self.offered
        self._offer()
        return self.msg

    def _verify(self, body, src):
        """Version 2: (@body without its tag, the nonce it verified with),
        or None: dropped and counted, malformed (not of version 2, an
        unknown type, shorter than its type's header and the tag) or
        unauthentic (the tag does not verify: nothing else it says is
        looked at). The nonce: zero for HELLO and CHALLENGE; for the
        current message's id its challenge, for any other the offered
        one."""
        magic, ver, kind, _, mid = COMMON.unpack_from(body)
        if magic != MAGIC or ver != VERSION2 or kind not in HEADERS \
                or len(body) < HEADERS[kind] + TAG:
            self.counts["malformed"] += 1
            return None
        if kind in (HELLO, CHALLENGE):
            nonce = NONCE_ZERO
        elif self.msg is not None and mid == self.msg.id:
            nonce = self.msg.challenge
        else:
            nonce = self.offered
        plain = unseal(self.key, nonce, body, HEADERS[kind])
        if plain is None:
            self.counts["unauthentic"] += 1
            now = time.monotonic()
            if self.verbose and now - self.unauth_log >= 1:
                self.unauth_log = now
                print("unauthentic: a %s from %s:%d whose tag does not verify (%d so far)"
                      % (NAMES.get(kind), src[0], src[1], self.counts["unauthentic"]),
                      flush=True)
            return None
        return plain, nonce

    def _challenge(self, mid, seg, src, local):
        """Version 2: the answer to a HELLO (checked): the current
        message's challenge if it is of the current message from its
        origin, else the offered one; no state kept."""
        msg = self.msg
        if msg is not None and mid == msg.id and src == msg.origin:
            challenge = msg.challenge
        else:
            challenge = self.offered
        self.counts["hellos"] += 1
        self._send(seal(self.key, NONCE_ZERO, CHALLENGE_HDR.pack(MAGIC, VERSION2, CHALLENGE,
                                                                seg, mid, challenge)),
                   src, local)

    def _datagram(self, body, src, local=None):
        if self.lose and len(body) > CLOSE_HDR.size + (TAG if self.key else 0) \
                and self.rng.random() < self.lose:
            return None
        if len(body) < COMMON.size:
            self.counts["malformed"] += 1
            return None
        wire = len(body) + WIRE         # its bytes on the wire, the tag's included
        nonce = None
        if self.key:
            got = self._verify(body, src)
            if got is None:
                return None
            body, nonce = got
        magic, ver, kind, seg, mid = COMMON.unpack_from(body)
        if magic != MAGIC or ver != self.version or not SEGMENT_MIN <= seg <= SEGMENT_MAX:
            self.counts["malformed"] += 1
            return None
        if kind in (NACK, ACK, REFUSE) or (self.key and kind == CHALLENGE):
            self.counts["control"] += 1
            return None
        if self.key and kind == HELLO:
            self._challenge(mid, seg, src, local)
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
                    # (Tagged with what the datagram verified with.)
                    self._send(self._seal(REFUSE_HDR.pack(MAGIC, self.version, REFUSE, seg, mid,
                                                          errno.EFBIG), nonce), src, local)
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
            msg.got += wire
            msg.last = time.monotonic()
            if kind == DATA:
                self.counts["duplicate"] += 1
                return None
            self._answer(msg, ACK, struct.pack(">QII", msg.total, msg.crc, 0))
            return None
        msg.got += wire
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
            self._offer()
            return "refused"
        msg.crc = crc
        self._answer(msg, ACK, struct.pack(">QII", total, crc, 0))
        self._offer()
        self.ref = (mid, msg.origin[0])
        msg.buf = msg.have = None
        return bytes(buf), crc
