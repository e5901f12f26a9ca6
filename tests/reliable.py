#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""kudp's reliable mode in user space, written from
Documentation/protocol.rst (not from the modules), so that the tests prove
the document: it sends to receive_udp and receives from send_udp. The
protocol itself (the wire format, the sender, the receiver) is
tests/reliable_proto.py, whose names this module offers too; here are its
command line and the tools built on it: forge, reflect, watch, selftest.
It follows the rules of a sender and a receiver on a real LAN (issue 25):
a sender gives up after a hold without progress; a receiver keeps a
message to the source that started it, never answers more bytes than that
source sent it, and keeps an incomplete message for a hold after its last
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

# The protocol; its names are this module's too, for the modules that import
# reliable (tests/fuzz.py).
from reliable_proto import (  # noqa: F401
    ACK, ACK_HDR, CHECK_EVERY, CLOSE, CLOSE_HDR, COMMON, DATA, DATA_HDR, HOLD, IP_PKTINFO,
    MAGIC, Message, NACK, NACK_BATCH, NACK_HDR, NACK_MORE, NACK_RANGES, NAMES, RANGE, REFUSE,
    REFUSE_HDR, REJECTED, RTO_FIRST, RTO_MAX, RTO_MIN, Receiver, SEGMENT_MAX, SEGMENT_MIN,
    SO_RCVBUFFORCE, Sender, VERSION, WIRE, big_rcvbuf, crc32
)


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
