#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Read the kernel log by sequence number, so that no line is missed or seen
twice however much the log grows.

  kmsg.py last         print the sequence number of the newest record
  kmsg.py since SEQ    print the messages of the records after SEQ
"""
import errno
import os
import sys


def records():
    fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK)
    try:
        while True:
            try:
                rec = os.read(fd, 16384)
            except BlockingIOError:
                return
            except OSError as e:
                if e.errno == errno.EPIPE:  # overwritten while we read: go on
                    continue
                raise
            head, _, msg = rec.decode(errors="replace").partition(";")
            seq = int(head.split(",")[1])
            # Continuation lines (" KEY=value") carry device info: skip.
            yield seq, msg.split("\n", 1)[0]
    finally:
        os.close(fd)


def main():
    if sys.argv[1] == "last":
        seq = -1
        for seq, _ in records():
            pass
        print(seq)
    else:
        after = int(sys.argv[2])
        for seq, msg in records():
            if seq > after:
                print(msg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
