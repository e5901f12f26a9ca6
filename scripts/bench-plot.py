#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Draw make bench's figures: MB/s against datagram size, for kudp (from
the send's start to the message's completion, CRC-32 included) and iperf3
(received) on loopback, with the in-kernel memcpy and CRC-32 as limits,
one colour per kernel.

  bench-plot.py OUT.svg BENCH.json...

Each BENCH.json is what tests/bench.py wrote in one guest. Needs gnuplot.
"""
import json
import statistics
import subprocess
import sys

KUDP = "to completion MB/s"
SERIES = [
    # (title, {datagram size: result name}, figure, line style)
    ("kudp", {1472: "kudp 1472, gso/gro", 65507: "kudp 65507"}, KUDP, "lp pt 7"),
    ("kudp without gso/gro", {1472: "kudp 1472, no gso/gro", 65507: "kudp 65507"}, KUDP,
     "lp pt 6 dt 2"),
    ("iperf3 received", {1472: "iperf3 -l 1472", 65507: "iperf3 -l 65507"}, "MB/s",
     "lp pt 5 dt 3"),
]
LIMITS = [("in-kernel memcpy", "dt 4"), ("in-kernel CRC-32", "dt 5")]


def median(runs, key="MB/s"):
    return statistics.median(r[key] for r in runs)


def main():
    out, files = sys.argv[1], sys.argv[2:]
    plots, data = [], []
    for i, path in enumerate(files):
        b = json.load(open(path))
        res = b["results"]
        kernel = ".".join(b["kernel"].split(".")[:2])     # 6.1, 6.12
        colour = "lc %d" % (i + 1)
        for title, points, key, style in SERIES:
            block = "".join("%d %.2f\n" % (size, median(res[name], key))
                            for size, name in sorted(points.items()))
            data.append(block + "e\n")
            plots.append("'-' with %s %s title '%s, %s'" % (style, colour, title, kernel))
        for name, style in LIMITS:
            data.append("1000 %.2f\n70000 %.2f\ne\n" % ((median(res[name]),) * 2))
            plots.append("'-' with lines %s %s title '%s, %s'" % (style, colour, name, kernel))
    script = """set terminal svg size 900,600 dynamic font 'sans,11'
set output '%s'
set logscale x
set xrange [1000:70000]
set xtics ('1472' 1472, '8972' 8972, '65507' 65507)
set xlabel 'datagram payload (bytes)'
set ylabel 'MB/s (median of the rounds)'
set yrange [0:*]
set key below maxcols 2
set title 'Over loopback in one guest (software emulation): make bench'
plot %s
%s""" % (out, ", ".join(plots), "".join(data))
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
