#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Capture the datagrams that go to a UDP port over loopback, and send
them again later: a replay attack on the reliable mode's version 2
(Documentation/protocol.rst, "No replay").

  replay.py capture FILE [--port P] [--ready FILE] [--stop FILE]
      Record the payload of every IPv4 UDP datagram to port P (8808) that
      loopback delivers, until the --stop file exists (checked every 0.1
      s) or 600 s passed; write them to FILE (a 4-byte length before
      each) and print "DATAGRAMS BYTES". Creates --ready once listening.
      A packet socket sees a datagram whole only if the sender did not
      cut it with UDP GSO (send_udp gso=0).
  replay.py send FILE [--to ADDR] [--port P] [--gap S]
      Send the recorded datagrams again to ADDR:P (127.0.0.1:8808), in
      order, S seconds apart (0.001), from one socket; then collect what
      comes back to it for a second. Print "sent N, HELLO H, answers T..."
      (H: the reliable mode's HELLOs among them; T: the reliable mode's
      type of each answer, in order, or "none").
"""
import argparse
import os
import socket
import struct
import sys
import time

ETH_P_IP = 0x0800
PACKET_HOST = 0             # loopback shows each packet twice: this is its delivery
HELLO = 6                   # the reliable mode's type byte (the 6th) of a HELLO


def capture(path, port, ready, stop):
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IP))
    sock.bind(("lo", ETH_P_IP))
    sock.settimeout(0.1)
    if ready:
        open(ready, "w").close()
    got = []
    end = time.monotonic() + 600
    while time.monotonic() < end and not (stop and os.path.exists(stop)):
        try:
            pkt, addr = sock.recvfrom(1 << 17)
        except socket.timeout:
            continue
        if addr[2] != PACKET_HOST or len(pkt) < 28 or pkt[9] != socket.IPPROTO_UDP:
            continue
        ihl = (pkt[0] & 0x0F) * 4
        dport, ulen = struct.unpack("!2xHH", pkt[ihl:ihl + 6])
        if dport == port:
            got.append(pkt[ihl + 8:ihl + ulen])
    with open(path, "wb") as f:
        for d in got:
            f.write(struct.pack("!I", len(d)) + d)
    print(len(got), sum(len(d) for d in got))
    return 0


def send(path, to, port, gap):
    data = open(path, "rb").read()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    off = n = hellos = 0
    while off < len(data):
        (size,) = struct.unpack("!I", data[off:off + 4])
        dgram = data[off + 4:off + 4 + size]
        sock.sendto(dgram, (to, port))
        hellos += len(dgram) > 5 and dgram[5] == HELLO
        off += 4 + size
        n += 1
        time.sleep(gap)
    answers = []
    sock.settimeout(1.0)
    try:
        while True:
            answers.append(str(sock.recv(1 << 16)[5]))
    except (socket.timeout, IndexError):
        pass
    print("sent %d, HELLO %d, answers %s" % (n, hellos, " ".join(answers) or "none"))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("capture")
    c.add_argument("file")
    c.add_argument("--port", type=int, default=8808)
    c.add_argument("--ready")
    c.add_argument("--stop")
    s = sub.add_parser("send")
    s.add_argument("file")
    s.add_argument("--to", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8808)
    s.add_argument("--gap", type=float, default=0.001)
    a = ap.parse_args()
    if a.cmd == "capture":
        return capture(a.file, a.port, a.ready, a.stop)
    return send(a.file, a.to, a.port, a.gap)


if __name__ == "__main__":
    sys.exit(main())
