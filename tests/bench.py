#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""make bench, inside one guest (as root): how fast kudp is over loopback,
next to the limits and to iperf3, in the same boot.

  bench.py MODDIR OUT.json SIZE ROUNDS

MODDIR holds send_udp.ko, receive_udp.ko, bench/kudp_memcpy.ko and tests/.
Each figure is measured ROUNDS times, the kinds interleaved (A B A B: a
slow moment of the machine touches every kind alike); the table gives the
median and the range, and OUT.json every value. A transfer's "MB/s" is
from the kernel's clock: first datagram to last, on each side (netlink
events); "to completion MB/s" from the close() that starts the send to the
poll() on /dev/receive_udp that sees the message complete, CRC-32 included;
"CPU s/GiB" the CPU time of the whole guest (both sides) meanwhile, per GiB.
The end compares kudp's goodput with the bound the limits measured give: a
transfer over loopback copies each byte twice (the sender's buffer into an
skb, the skb into the receiver's buffer) and computes its CRC-32 once, on
as many CPUs as the guest has; no faster than one copy either. It also
prints what a shared key costs (mode=reliable, version 2): the tag's
keyed BLAKE2s per byte next to a copy, at 65507- and 1472-byte datagrams,
and keyed transfers against unkeyed ones.
It fails (exit 1) only if something breaks: a drop, a CRC-32 that differs,
a module that does not load; never on a speed.
"""
import json
import os
import select
import signal
import statistics
import subprocess
import sys
import time
import zlib

MOD, OUT, SIZE, ROUNDS = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
TESTS = MOD + "/tests"
sys.path.insert(0, TESTS)
import stream  # noqa: E402  (the 1 MiB blocks the tests send)

KUDPCTL = TESTS + "/kudpctl"
DS = "/sys/class/send_udp/send_udp"
DR = "/sys/class/receive_udp/receive_udp"
IPERF_SECONDS = 3 if SIZE >= 1 << 28 else 1
MB = 1e6


def sh(cmd):
    subprocess.run(cmd, shell=True, check=True, stdout=subprocess.DEVNULL)


def read(path):
    with open(path) as f:
        return f.read().strip()


def cpu_busy():
    """Seconds all CPUs spent busy (user, system, interrupts) so far."""
    f = read("/proc/stat").splitlines()[0].split()[1:]
    return sum(int(f[i]) for i in (0, 1, 2, 5, 6)) / os.sysconf("SC_CLK_TCK")


# ------------------------------------------------------------- the limits

def memcpy_setup():
    sh("insmod %s/bench/kudp_memcpy.ko size=%d" % (MOD, SIZE))


def in_kernel(what, datagram=65507, shash=None):
    """One in-kernel memcpy() of a SIZE-byte vmalloc buffer ("copy"), one
    crc32_le() of it ("crc"), one kudp_crc32() ("crc_fast": the
    modules' CRC-32 function, crc32_impl's), or the tags of its datagrams
    of @datagram bytes ("tag": kudp_key_sign(), a keyed BLAKE2s each;
    "siphash"; "shash": the crypto API's @shash). 0 MB/s: a hash this
    kernel does not have."""
    with open("/sys/module/kudp_memcpy/parameters/datagram", "w") as f:
        f.write(str(datagram))
    if shash:
        with open("/sys/module/kudp_memcpy/parameters/shash_name", "w") as f:
            f.write(shash)
    try:
        with open("/sys/module/kudp_memcpy/parameters/" + what, "w") as f:
            f.write("1")
    except OSError:
        return {"MB/s": 0.0}        # a hash this kernel does not have
    if what.startswith("crc"):
        if "crc" not in USER:
            USER["crc"] = "%08x" % zlib.crc32(b"\x5a" * SIZE)
        if read("/sys/module/kudp_memcpy/parameters/" + what) != USER["crc"]:
            raise SystemExit("kudp_memcpy: wrong CRC-32")
    return {"MB/s": SIZE / (int(read("/sys/module/kudp_memcpy/parameters/ns")) / 1e9) / MB}


USER = {}


def user_copy():
    """One copy of a SIZE-byte buffer in user space (a memcpy in Python)."""
    if "src" not in USER:
        USER["src"] = bytearray(os.urandom(1 << 20)) * (SIZE >> 20 or 1)
        USER["dst"] = bytearray(len(USER["src"]))
    t0 = time.monotonic()
    USER["dst"][:] = USER["src"]
    return {"MB/s": len(USER["src"]) / (time.monotonic() - t0) / MB}


# ---------------------------------------------------------- userspace peers

def iperf(length):
    """iperf3 -u -b 0 -l LENGTH over loopback: sent and received MB/s, loss."""
    srv = subprocess.Popen(["iperf3", "-s", "-1"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    out = subprocess.run(["iperf3", "-u", "-b", "0", "-l", str(length), "-t",
                          str(IPERF_SECONDS), "-c", "127.0.0.1"],
                         capture_output=True, text=True).stdout
    srv.wait(timeout=30)
    res = {}
    for line in out.splitlines():
        f = line.split()
        if f and f[-1] in ("sender", "receiver"):
            unit = next(i for i, w in enumerate(f) if w.endswith("bits/sec"))
            scale = {"K": 1e-3, "M": 1, "G": 1e3}.get(f[unit][0], 1e-6)
            res[f[-1]] = float(f[unit - 1]) * scale / 8
            if f[-1] == "receiver":
                res["loss %"] = float(f[-2].strip("()%"))
    if len(res) != 3:
        raise SystemExit("iperf3 said:\n" + out)
    return {"MB/s": res["receiver"], "sent MB/s": res["sender"], "loss %": res["loss %"]}


# ---------------------------------------------------------------- kudp

# A shared key, for the keyed kinds (mode=reliable, version 2).
KEY = "5a" * 32


def kudp(payload=0, offload=1, debug=0, mod=MOD, size=SIZE, mode="raw", netem="", key=False):
    """@size bytes from /dev/send_udp to receive_udp over loopback; the
    buffer fills (raw mode), or the message is whole (reliable mode), so
    it completes at its last datagram. @netem: a netem qdisc on lo
    meanwhile ("loss 1%"); @key: both modules with KEY."""
    keyed = " key=" + KEY if key else ""
    sh("insmod %s/receive_udp.ko buffer_size=%d gro=%d debug=%d mode=%s%s"
       % (mod, size, offload, debug, mode, keyed))
    sh("insmod %s/send_udp.ko buffer_size=%d payload=%d gso=%d debug=%d mode=%s%s"
       % (mod, size, payload, offload, debug, mode, keyed))
    if netem:
        sh("tc qdisc add dev lo root netem " + netem)
    mon_path = "/tmp/bench-monitor"
    mon = subprocess.Popen([KUDPCTL, "monitor", "--json"], stdout=open(mon_path, "w"),
                           stderr=open(mon_path + ".err", "w"))
    # Subscribed once it says so (a fixed wait lost the completion event
    # of a short transfer on a slow day).
    deadline = time.monotonic() + 30
    while "monitoring" not in open(mon_path + ".err").read():
        if time.monotonic() > deadline or mon.poll() is not None:
            raise SystemExit("kudpctl monitor never started: "
                             + open(mon_path + ".err").read())
        time.sleep(0.02)
    crc = 0
    fd = os.open("/dev/send_udp", os.O_WRONLY)
    for c in stream.chunks(size):
        crc = zlib.crc32(c, crc)
        off = 0
        while off < len(c):
            off += os.write(fd, c[off:])
    rfd = os.open("/dev/receive_udp", os.O_RDONLY)
    poll = select.poll()
    poll.register(rfd, select.POLLIN)
    cpu0 = cpu_busy()
    t0 = time.monotonic()
    os.close(fd)            # the send starts
    if not poll.poll(600 * 1000):
        raise SystemExit("no completion in 600 s")
    t_complete = time.monotonic() - t0
    os.close(rfd)
    deadline = time.monotonic() + 600
    while read(DS + "/state") != "idle":
        if time.monotonic() > deadline:
            raise SystemExit("the send did not end in 600 s")
        time.sleep(0.02)
    cpu = cpu_busy() - cpu0
    if netem:
        sh("tc qdisc del dev lo root")
    time.sleep(0.3)
    mon.send_signal(signal.SIGINT)     # kudpctl ends cleanly on SIGINT
    mon.wait(timeout=30)
    ev = {}
    for line in open(mon_path):
        e = json.loads(line)
        ev[e["module"]] = e
    res = {
        "sent MB/s": size / (ev["send_udp"]["duration_ns"] / 1e9) / MB,
        "MB/s": size / (ev["receive_udp"]["duration_ns"] / 1e9) / MB,
        "to completion MB/s": size / t_complete / MB,
        "datagrams/s": ev["receive_udp"]["datagrams"] / (ev["receive_udp"]["duration_ns"] / 1e9),
        "CPU s": cpu,
        "CPU s/GiB": cpu / (size / (1 << 30)),
        "drops": int(read(DR + "/drops")),
    }
    # The reliable mode sends again what the socket dropped.
    ok = (ev["receive_udp"]["bytes"] == size and ev["send_udp"]["result"] == 0
          and (res["drops"] == 0 or mode == "reliable")
          and read(DS + "/crc32") == read(DR + "/crc32") == "%08x" % crc)
    sh("rmmod send_udp receive_udp")
    if not ok:
        raise SystemExit("kudp payload=%d offload=%d debug=%d mode=%s: %s %s, drops %d, CRC-32 %s %s %08x"
                         % (payload, offload, debug, mode, ev["receive_udp"], ev["send_udp"],
                            res["drops"], read(DS + "/crc32"), read(DR + "/crc32"), crc))
    return res


# ------------------------------------------------------------- load, memory

def meminfo(field):
    return int(read("/proc/meminfo").split(field + ":")[1].split()[0]) << 10


def load_4g(mod=MOD):
    """insmod receive_udp buffer_size=4G: seconds, and the kernel memory
    it took beyond the buffer: what vmalloc (the buffer, the module), slab,
    per-CPU areas and kernel stacks grew by, less 4 GiB, plus the buffer's
    page tables (8 bytes per 4 KiB page, which no meminfo field counts).
    MemFree would say the same, were other pages not freed meanwhile."""
    fields = ("VmallocUsed", "SUnreclaim", "Percpu", "KernelStack")
    before = [meminfo(f) for f in fields]
    t0 = time.monotonic()
    sh("insmod %s/receive_udp.ko buffer_size=4G" % mod)
    secs = time.monotonic() - t0
    grew = sum(meminfo(f) - b for f, b in zip(fields, before))
    sh("rmmod receive_udp")
    beyond = grew - (4 << 30) + (4 << 30) // 4096 * 8
    return {"s": secs, "beyond the buffer, MiB": beyond / (1 << 20)}


KINDS = [
    ("in-kernel memcpy", lambda: in_kernel("copy")),
    ("in-kernel CRC-32", lambda: in_kernel("crc")),
    ("in-kernel CRC-32, kudp_crc32()", lambda: in_kernel("crc_fast")),
    ("in-kernel tag, 65507", lambda: in_kernel("tag", 65507)),
    ("in-kernel tag, 1472", lambda: in_kernel("tag", 1472)),
    # The other tags the key could have had, at 65507.
    ("in-kernel SipHash, 65507", lambda: in_kernel("siphash")),
    ("in-kernel hmac(sha256), 65507", lambda: in_kernel("shash", shash="hmac(sha256)")),
    ("in-kernel poly1305, 65507", lambda: in_kernel("shash", shash="poly1305")),
    ("user-space copy", user_copy),
    ("iperf3 -l 65507", lambda: iperf(65507)),
    ("kudp 65507", lambda: kudp()),
    ("iperf3 -l 1472", lambda: iperf(1472)),
    ("kudp 1472, gso/gro", lambda: kudp(1472, 1)),
    # A quarter of SIZE: at a tenth of the speed, the whole would take most
    # of make bench's time, and its MB/s do not depend on the size.
    ("kudp 1472, no gso/gro", lambda: kudp(1472, 0, size=SIZE // 4)),
    ("kudp 65507, debug=1", lambda: kudp(debug=1)),
    ("kudp reliable 65507", lambda: kudp(mode="reliable")),
    ("kudp reliable 65507, key", lambda: kudp(mode="reliable", key=True)),
    # A quarter of SIZE, as above.
    ("kudp reliable 1472", lambda: kudp(1472, 1, mode="reliable", size=SIZE // 4)),
    ("kudp reliable 1472, key", lambda: kudp(1472, 1, mode="reliable", size=SIZE // 4, key=True)),
    ("kudp reliable 65507, 1 % loss", lambda: kudp(mode="reliable", netem="loss 1%")),
]


def ratio(a, b, what):
    """Print the ratio of the median goodputs (to completion) of kinds @a and @b."""
    if a in RESULTS and b in RESULTS:
        med = [statistics.median(r["to completion MB/s"] for r in RESULTS[k]) for k in (a, b)]
        print("# %s: %.2f" % (what, med[0] / med[1]))


def bound():
    """kudp's bound over loopback from the limits measured: two copies and
    a CRC-32 (the modules' function) of each byte on the guest's CPUs, and
    no faster than one copy."""
    if not all(k in RESULTS for k in ("in-kernel memcpy", "in-kernel CRC-32, kudp_crc32()",
                                      "kudp 65507")):
        return
    copy, crc, kudp = (statistics.median(r[key] for r in RESULTS[k]) for k, key in (
        ("in-kernel memcpy", "MB/s"), ("in-kernel CRC-32, kudp_crc32()", "MB/s"),
        ("kudp 65507", "to completion MB/s")))
    cpus = os.cpu_count()
    b = min(copy, cpus / (2 / copy + 1 / crc))
    print("# the bound: 2 copies at %.0f MB/s and a CRC-32 at %.0f MB/s (%s) on %d CPUs: %.0f MB/s;"
          " kudp 65507 to completion: %.2f of it" % (copy, crc, CRC_IMPL, cpus, b, kudp / b))


def tag_cost():
    """What the tag costs per byte, next to a copy: a keyed transfer tags
    each byte once and checks it once."""
    kinds = ("in-kernel memcpy", "in-kernel tag, 65507", "in-kernel tag, 1472")
    if not all(k in RESULTS for k in kinds):
        return
    copy, t65507, t1472 = (statistics.median(r["MB/s"] for r in RESULTS[k]) for k in kinds)
    print("# the tag (keyed BLAKE2s, kudp_key_sign()): %.0f MB/s in 65507-byte datagrams,"
          " %.0f MB/s in 1472-byte ones; a copy %.0f MB/s: a tag costs %.1f and %.1f copies"
          % (t65507, t1472, copy, copy / t65507, copy / t1472))
    others = [(k[len("in-kernel "):-len(", 65507")],
               statistics.median(r["MB/s"] for r in RESULTS[k]))
              for k in RESULTS if k.startswith("in-kernel ") and k.endswith(", 65507")
              and "tag" not in k]
    # Each side runs at the unkeyed transfer's speed T and adds one tag
    # per byte at the tag's speed S (both sides busy, on CPUs of their
    # own): keyed, a side does 1 / (1/T + 1/S), T/S less.
    plain = "kudp reliable 65507"
    if plain in RESULTS:
        t = statistics.median(r["sent MB/s"] for r in RESULTS[plain])
        print("# a keyed transfer at 65507, from the tag's speed alone: %.2f of an unkeyed one"
              " (unkeyed %.0f MB/s each side, the tag %.0f MB/s); 0.9 needs a tag of %.0f MB/s"
              % (1 / (1 + t / t65507), t, t65507, 9 * t))
    print("# the other tags, 65507: " + "; ".join(
        "%s %.0f MB/s" % (n, v) if v else "%s: not in this kernel" % n for n, v in others))


RESULTS = {}
CRC_IMPL = "?"


def main():
    # While trying a change: BENCH_KINDS="kudp 65507;in-kernel memcpy"
    # runs only those; BENCH_BASE=DIR adds "kudp 65507, DIR", the modules
    # built in DIR (before the change), interleaved with the others.
    base = os.environ.get("BENCH_BASE")
    if base:
        KINDS.append(("kudp 65507, " + base, lambda: kudp(mod=base)))
    only = os.environ.get("BENCH_KINDS")
    if only:
        KINDS[:] = [k for k in KINDS if k[0] in only.split(";") or base and k[0].endswith(base)]
    memcpy_setup()
    global CRC_IMPL
    CRC_IMPL = read("/sys/module/kudp_memcpy/parameters/crc32_impl")
    results = RESULTS
    results.update({name: [] for name, _ in KINDS})
    for r in range(ROUNDS):
        for name, fn in KINDS:
            results[name].append(fn())
    sh("rmmod kudp_memcpy")
    if SIZE >= 1 << 30:
        results["load with buffer_size=4G"] = [load_4g()]
        if base:
            results["load with buffer_size=4G, " + base] = [load_4g(base)]
    print("# %d bytes, %d rounds (median, and min-max)" % (SIZE, ROUNDS))
    for name, runs in results.items():
        cols = []
        for key in runs[0]:
            vals = [run[key] for run in runs]
            cols.append("%s %.1f (%.1f-%.1f)" % (key, statistics.median(vals), min(vals), max(vals)))
        print("# %-24s %s" % (name + ":", "; ".join(cols)))
    print("# the modules' CRC-32 function here: %s" % CRC_IMPL)
    bound()
    ratio("kudp reliable 65507", "kudp 65507", "reliable / raw, clean loopback (target 0.9)")
    ratio("kudp reliable 65507, 1 % loss", "kudp reliable 65507",
          "reliable, 1 % loss / clean (target 0.8)")
    ratio("kudp reliable 65507, key", "kudp reliable 65507",
          "reliable with a key / without, 65507-byte datagrams (target 0.9)")
    ratio("kudp reliable 1472, key", "kudp reliable 1472",
          "reliable with a key / without, 1472-byte datagrams")
    tag_cost()
    with open(OUT, "w") as f:
        json.dump({"kernel": os.uname().release, "size": SIZE, "rounds": ROUNDS,
                   "results": results}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
