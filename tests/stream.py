#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Binary streams for the kudp tests, generated and checked on the fly (the
guest's /tmp is RAM: no 4 GiB files). Every command prints the CRC-32 that
zlib computes, as 8 hex digits, so that it can be compared with the
modules' crc32 files.

  stream.py send SIZE [DEV]    write SIZE bytes to DEV (/dev/send_udp) and
                               close it; print "BYTES CRC SECONDS"
  stream.py recv [DEV]         read DEV (/dev/receive_udp) to its end;
                               print "BYTES CRC SECONDS"
  stream.py udp-send SIZE [ADDR [PAYLOAD]]
                               send SIZE bytes to ADDR:8808 (127.0.0.1)
                               from a userspace socket, PAYLOAD bytes a
                               datagram (65507); print "BYTES CRC SECONDS"
  stream.py udp-listen SIZE --ready FILE [ADDR]
                               listen on ADDR:8808 (127.0.0.1) until SIZE
                               bytes came or 10 s passed without data (60 s
                               before the first datagram); print
                               "BYTES CRC DROPS DATAGRAMS" (DROPS: the
                               socket's, from /proc/net/udp)
"""
import os
import socket
import sys
import time
import zlib

CHUNK = 1 << 20
PORT = 8808


def chunks(size):
    """SIZE bytes: a random 1 MiB block, each copy stamped with its index."""
    block = bytearray(os.urandom(CHUNK))
    i = 0
    while size > 0:
        block[0:8] = i.to_bytes(8, "little")
        n = min(size, CHUNK)
        yield memoryview(block)[:n]
        size -= n
        i += 1


def send(size, dev="/dev/send_udp"):
    t0 = time.monotonic()
    crc = 0
    fd = os.open(dev, os.O_WRONLY)
    for c in chunks(size):
        crc = zlib.crc32(c, crc)
        off = 0
        while off < len(c):
            off += os.write(fd, c[off:])
    os.close(fd)
    print(size, "%08x" % crc, "%.1f" % (time.monotonic() - t0))


def recv(dev="/dev/receive_udp"):
    t0 = time.monotonic()
    crc = total = 0
    with open(dev, "rb", buffering=0) as f:
        while True:
            c = f.read(CHUNK)
            if not c:
                break
            crc = zlib.crc32(c, crc)
            total += len(c)
    print(total, "%08x" % crc, "%.1f" % (time.monotonic() - t0))


def udp_send(size, addr="127.0.0.1", payload="65507"):
    t0 = time.monotonic()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.connect((addr, PORT))
    step = int(payload)
    crc = 0
    for c in chunks(size):
        crc = zlib.crc32(c, crc)
        for off in range(0, len(c), step):
            sock.send(c[off:off + step])
    print(size, "%08x" % crc, "%.1f" % (time.monotonic() - t0))


def socket_drops(port):
    with open("/proc/net/udp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if int(fields[1].split(":")[1], 16) == port:
                return int(fields[-1])
    return -1


def udp_listen(size, ready, addr="127.0.0.1"):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # SO_RCVBUFFORCE (root) is not capped by net.core.rmem_max.
    sock.setsockopt(socket.SOL_SOCKET, 33, 256 << 20)
    sock.bind((addr, PORT))
    # The sender may take a while to start (a Python process, the debug
    # kernel): wait longer for the first datagram.
    sock.settimeout(60)
    open(ready, "w").close()
    crc = total = datagrams = 0
    buf = bytearray(65536)
    while total < size:
        try:
            n = sock.recv_into(buf)
        except socket.timeout:
            break
        sock.settimeout(10)
        crc = zlib.crc32(memoryview(buf)[:n], crc)
        total += n
        datagrams += 1
    print(total, "%08x" % crc, socket_drops(PORT), datagrams)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "send":
        send(int(args[0]), *args[1:])
    elif cmd == "recv":
        recv(*args)
    elif cmd == "udp-send":
        udp_send(int(args[0]), *args[1:])
    elif cmd == "udp-listen":
        udp_listen(int(args[0]), *args[2:])
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
