# SPDX-License-Identifier: GPL-2.0
#
# make              build send_udp.ko and receive_udp.ko against KDIR, and
#                   tools/kudpctl
# make KDIR=...     build against another kernel's build tree
# make C=1          also run sparse on our files (C=2: on all of them)
# make install      modules_install into /lib/modules/$(KVER), then depmod
# make check        static checks and DKMS beside the test suite in a QEMU
#                   guest of every installed Debian kernel (tests/run.sh),
#                   then the debug pass if the debug kernel is already
#                   built; prints the time of each section
#                   (scripts/check.sh)
# make check-debug  build the debug kernel if missing (KASAN, lockdep,
#                   kmemleak, UBSAN, fault injection: scripts/debug-kernel.sh)
#                   and run every suite, the fault injection and 2 minutes
#                   of the fuzzer on it
# make fuzz         the fuzzer (tests/fuzz.py) on the debug kernel for
#                   FUZZ_TIME seconds (1800); SEED=N replays a run's seed
# make stress       20 rmmods of each module in the middle of a 1 GiB
#                   transfer, and 20 in a flood: on every Debian kernel,
#                   then on the debug kernel (built if missing)
# make bench        figures, on every Debian kernel: in one guest, 1 GiB over
#                   loopback at 65507 and 1472 bytes a datagram, gso/gro on
#                   and off, debug=1, next to an in-kernel memcpy, a user
#                   copy and iperf3 (tests/bench.py; drawn into
#                   Documentation/bench.svg); in two guests joined by one
#                   virtual Ethernet cable, 256 MiB with gso/gro on and off,
#                   iperf3 between them, and how close rate keeps to what
#                   it is asked
# make check-slow   the long forms of tests that make check runs short: 100
#                   rounds of load and unload on every Debian kernel
# make static       sparse, checkpatch, kernel-doc, coccinelle, cppcheck and
#                   gcc -fanalyzer; each fails on any finding
# make demo         show a round trip in a guest
# make setup        install what the build and the tests need (root)

KVER ?= $(shell uname -r)
# The running kernel's build tree if there is one, else the newest
# installed Debian headers.
KDIR ?= $(firstword $(wildcard /lib/modules/$(KVER)/build) \
	$(shell ls -d /usr/src/linux-headers-*-amd64 /usr/src/linux-headers-*-arm64 \
		/usr/src/linux-headers-*-armmp 2>/dev/null | sort -V | tail -n 1))

SOURCES := kudp_core.c kudp_core.h kudp_netlink.c send_udp.c receive_udp.c \
	include/uapi/kudp.h
TOOLS := tests/kudp_ioctl.c tests/flood.c tests/kmsg.c tools/kudpctl.c

# kudpctl: user space, built against the project's UAPI header and libnl.
LIBNL_CFLAGS = $(shell pkg-config --cflags libnl-genl-3.0)
LIBNL_LIBS = $(shell pkg-config --libs libnl-genl-3.0)
# -Wno-unused-parameter: libnl callbacks have a fixed signature.
# _FILE_OFFSET_BITS=64: files over 2 GiB on 32-bit user space too.
TOOL_CFLAGS := -O2 -g -Wall -Wextra -Wno-unused-parameter -Werror -D_FILE_OFFSET_BITS=64 \
	-Iinclude/uapi

all: modules tools

tools: tools/kudpctl

tools/kudpctl: tools/kudpctl.c include/uapi/kudp.h
	@pkg-config --exists libnl-genl-3.0 || { echo "kudpctl needs libnl-genl-3-dev: run make setup" >&2; exit 1; }
	$(CC) $(TOOL_CFLAGS) $(LIBNL_CFLAGS) -o $@ $< $(LIBNL_LIBS)

modules:
	@test -n "$(KDIR)" || { echo "No kernel build tree found: install linux-headers or pass KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

install: modules tools
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install
	depmod -a $(KVER)
	install -D -m 0755 tools/kudpctl $(DESTDIR)/usr/local/sbin/kudpctl
	install -D -m 0644 Documentation/kudpctl.1 $(DESTDIR)/usr/local/share/man/man1/kudpctl.1

clean:
	@test -z "$(KDIR)" || $(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf build tools/kudpctl

setup:
	scripts/setup.sh

# --- static checks ----------------------------------------------------------

# sparse on every file of ours, against each installed Debian kernel. The
# inner make runs without the outer one's flags: "make -s" would silence
# the CHECK lines that scripts/sparse-log.sh counts.
sparse:
	@set -e; for kdir in /usr/src/linux-headers-*-amd64; do \
		out=build/sparse/$$(basename $$kdir); rm -rf $$out; mkdir -p $$out; \
		cp -r Kbuild Makefile *.c *.h include $$out/; \
		env -u MAKEFLAGS -u MFLAGS $(MAKE) -C $$out KDIR=$$kdir C=2 modules >$$out/log 2>&1 || \
			{ cat $$out/log; exit 1; }; \
		res=$$(scripts/sparse-log.sh $$out/log) || { echo "$$res"; exit 1; }; \
		echo "sparse, against $$kdir: $$res"; \
	done

# MACRO_ARG_REUSE: KUDP_STAT_ATTR() pastes its name argument into tokens
# (a field and an attribute name); it is never an expression.
checkpatch:
	@ksrc=$$(scripts/kernel-src.sh 6.12) && \
	$$ksrc/scripts/checkpatch.pl --strict --no-tree --quiet --show-types \
		--ignore MACRO_ARG_REUSE -f $(SOURCES) $(TOOLS) && echo "checkpatch: clean"

kernel-doc:
	@scripts/kernel-doc-check.py $$(scripts/kernel-src.sh 6.12) $(SOURCES) && \
		echo "kernel-doc: clean, and every core function has Context: and Return:"

coccicheck:
	scripts/coccicheck.sh

cppcheck:
	@cppcheck --quiet --error-exitcode=1 --enable=warning,style,performance,portability \
		--inline-suppr -Iinclude/uapi $(LIBNL_CFLAGS) $(TOOLS) && echo "cppcheck: clean"
	@mkdir -p build/analyzer && for t in $(TOOLS); do \
		gcc -fanalyzer $(TOOL_CFLAGS) $(LIBNL_CFLAGS) -o build/analyzer/$$(basename $$t .c) \
			$$t $(LIBNL_LIBS) || exit 1; \
	done && echo "gcc -fanalyzer: clean"

static: sparse checkpatch kernel-doc coccicheck cppcheck

dkms-check:
	scripts/dkms-check.sh

# --- tests ------------------------------------------------------------------

check:
	scripts/check.sh

check-slow:
	scripts/setup.sh
	KUDP_SUITES=main KUDP_TESTS=load_unload KUDP_LOAD_ROUNDS=100 tests/run.sh

check-debug:
	scripts/setup.sh
	@dir=$$(scripts/debug-kernel.sh) && KUDP_DEBUG_KERNEL=$$dir \
		KUDP_SUITES=main,small,big,fuzz KUDP_FUZZ_SECONDS=120 tests/run.sh

FUZZ_TIME ?= 1800
fuzz:
	scripts/setup.sh
	@dir=$$(scripts/debug-kernel.sh) && KUDP_DEBUG_KERNEL=$$dir KUDP_SUITES=fuzz \
		KUDP_FUZZ_SECONDS=$(FUZZ_TIME) $(if $(SEED),KUDP_SEED=$(SEED)) tests/run.sh

stress:
	scripts/setup.sh
	KUDP_SUITES=stress $(if $(SEED),KUDP_SEED=$(SEED)) tests/run.sh
	@dir=$$(scripts/debug-kernel.sh) && KUDP_DEBUG_KERNEL=$$dir KUDP_SUITES=stress \
		$(if $(SEED),KUDP_SEED=$(SEED)) tests/run.sh

bench:
	scripts/setup.sh
	KUDP_SUITES=bench,pair KUDP_TESTS="bench bench_link" tests/run.sh
	scripts/bench-plot.py Documentation/bench.svg \
		$(foreach k,$(notdir $(wildcard /boot/vmlinuz-*)),build/$(k:vmlinuz-%=%)/out-suite/bench.json)

demo:
	scripts/setup.sh
	tests/run.sh --demo

.PHONY: all modules tools install clean setup sparse checkpatch kernel-doc coccicheck \
	cppcheck static dkms-check check check-slow check-debug fuzz stress bench demo
