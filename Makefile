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
# make quick        the edit-test loop, some 9.5 minutes: setup, the unit
#                   tier, the static checks and the main suite on the newest
#                   Debian kernel (scripts/check.sh --quick)
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
# make check-group  the three-guest tests all (tests/pair-guest.sh's
#                   group_*: make check runs the reliable ones), the newest
#                   kernel sending to two guests of the oldest on a switch
# make check-slow   the long forms of tests that make check runs short, on
#                   every Debian kernel: 100 rounds of load and unload,
#                   4 GiB through the devices (the big suite) and 256 MiB
#                   between two guests
# make cross        build the modules for Debian's arm64 (6.1, 6.12), armmp
#                   (6.1) and s390x (6.1) kernels and kudpctl for each,
#                   with the cross compilers, warning-free and sparse-clean
#                   (headers and libnl fetched into build/cross-cache)
# make deb          the Debian packages kudp-dkms and kudpctl (debian/),
#                   lintian-clean, into build/deb
# make deb-check    make deb, then install both in a guest, load the
#                   DKMS-built modules, round trip, kudp-recv.service
#                   under systemd, purge, nothing left
# make check-arm    the ARM guests alone (tests/arm.sh): the sysfs round
#                   trip, 16 MiB through the devices, the buffer limits,
#                   unload in each state, on arm64 6.1/6.12, armmp 6.1
#                   and big-endian s390x 6.1
# make install INSTALL_MOD_PATH=ROOT   into a board's root file system
#                   (depmod -b ROOT); with KDIR, ARCH and CROSS_COMPILE
# make static       sparse, checkpatch, kernel-doc, coccinelle, cppcheck and
#                   gcc -fanalyzer; each fails on any finding (make lint:
#                   all but sparse, without a module build)
# make unit         the unit tier, in seconds and without a guest:
#                   kudp_wire.c and kudp_parse.c compiled in user space
#                   against a shim of the kernel headers, and their tests
#                   run plain and under ASan and UBSan (tests/unit)
# make demo         show a round trip in a guest
# make setup        install what the build and the tests need (root)

comma := ,
KVER ?= $(shell uname -r)
# The build tree of KVER if there is one (the running kernel's, or Debian's
# linux-headers-KVER), else the newest installed Debian headers of the
# build machine's own architecture: foreign headers under /usr/src are
# used only when named (KDIR=..., or make cross).
# HEADERS: where Debian puts them (scripts/cross.sh tests the choice on a
# directory of its own).
HEADERS ?= /usr/src
HOST_FLAVOUR := $(patsubst armhf,armmp*,$(shell dpkg --print-architecture 2>/dev/null || echo amd64))
KDIR ?= $(firstword $(wildcard /lib/modules/$(KVER)/build $(HEADERS)/linux-headers-$(KVER)) \
	$(shell ls -d $(HEADERS)/linux-headers-*-$(HOST_FLAVOUR) 2>/dev/null | sort -V | tail -n 1))
# The release the modules are built for, as KDIR says: where modules_install
# puts them, and what depmod indexes. Debian's headers set it in
# .kernelvariables (their kernel.release holds the upstream version).
KRELEASE = $(or $(shell sed -n 's/^override KERNELRELEASE = //p' $(KDIR)/.kernelvariables 2>/dev/null),\
	$(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null),$(KVER))

SOURCES := kudp_core.c kudp_core.h kudp_param.c kudp_parse.c kudp_parse.h kudp_dev.c kudp_netlink.c \
	kudp_send.c kudp_recv.c kudp_wire.c kudp_wire.h kudp_rel.h kudp_rel_tx.c kudp_rel_rx.c kudp_crc.c kudp_crc.h \
	kudp_crc32.c kudp_crc32.h kudp_key.c kudp_key.h kudp_sip.c kudp_sip.h \
	send_udp.c receive_udp.c receive_udp.h receive_udp_dev.c receive_udp_raw.c receive_udp_rel.c include/uapi/kudp.h
TOOLS := tests/kudp_ioctl.c tests/flood.c tests/kmsg.c tests/py.c tools/kudpctl.c

# The project's version, one place: kudp_core.h's KUDP_VERSION (the
# modules' MODULE_VERSION; scripts/dkms-check.sh holds dkms.conf to it).
# kudpctl --version prints it: every build of kudpctl (this Makefile's,
# debian/rules', scripts/cross.sh's) goes through TOOL_CFLAGS.
KUDP_VERSION := $(shell sed -n 's/^.define KUDP_VERSION[[:space:]]*"\(.*\)"$$/\1/p' kudp_core.h)

# kudpctl: user space, built against the project's UAPI header, libnl and
# zlib (its CRC-32). CPPFLAGS, CFLAGS and LDFLAGS are added after these
# (debian/rules passes Debian's hardening flags). -Wno-unused-parameter:
# libnl callbacks have a fixed signature.
# _FILE_OFFSET_BITS=64: files over 2 GiB on 32-bit user space too.
TOOL_CFLAGS := -O2 -g -Wall -Wextra -Wno-unused-parameter -Werror -D_FILE_OFFSET_BITS=64 \
	-Iinclude/uapi -DKUDP_VERSION='"$(KUDP_VERSION)"'
ifeq ($(CROSS_COMPILE),)
TOOL_LIB_CFLAGS = $(shell pkg-config --cflags libnl-genl-3.0 zlib)
TOOL_LIBS = $(shell pkg-config --libs libnl-genl-3.0 zlib)
KUDPCTL := tools/kudpctl
TOOL_CC := $(CC)
else
# Cross-building: the target's compiler, and the target's libnl and zlib
# from NL_SYSROOT (Debian's libnl-3-dev, libnl-genl-3-dev and zlib1g-dev
# of the target architecture, unpacked: scripts/cross-fetch.sh sysroot
# arm64|armhf|s390x prints one). libnl and zlib are linked statically (the
# board needs neither), glibc dynamically (Debian 12's, 2.36, or newer on
# the board).
# KUDPCTL_STATIC=1 links glibc statically too, for a board without it: the
# linker then warns that libnl refers to getaddrinfo and getprotobyname
# (which kudpctl never calls). The binary goes to tools/ARCH/, never under
# the host tool's name.
TRIPLET := $(patsubst %-,%,$(CROSS_COMPILE))
TOOL_ARCH := $(or $(ARCH),$(if $(filter aarch64%,$(TRIPLET)),arm64,$(if $(filter arm%,$(TRIPLET)),arm,$(TRIPLET))))
TOOL_LIB_CFLAGS = -I$(NL_SYSROOT)/usr/include/libnl3 -I$(NL_SYSROOT)/usr/include
TOOL_LIBS = -L$(NL_SYSROOT)/usr/lib/$(TRIPLET) -L$(NL_SYSROOT)/lib/$(TRIPLET) \
	$(if $(KUDPCTL_STATIC),-static,-Wl$(comma)-Bstatic) -lnl-genl-3 -lnl-3 -lz \
	$(if $(KUDPCTL_STATIC),,-Wl$(comma)-Bdynamic) -lpthread -lm
KUDPCTL := tools/$(TOOL_ARCH)/kudpctl
TOOL_CC := $(CROSS_COMPILE)gcc
endif

all: modules tools

tools: $(KUDPCTL)

tools/kudpctl: tools/kudpctl.c include/uapi/kudp.h kudp_core.h
	@pkg-config --exists libnl-genl-3.0 || { echo "kudpctl needs libnl-genl-3-dev: run make setup" >&2; exit 1; }
	@pkg-config --exists zlib || { echo "kudpctl needs zlib1g-dev: run make setup" >&2; exit 1; }
	$(TOOL_CC) $(TOOL_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(TOOL_LIB_CFLAGS) $(LDFLAGS) -o $@ $< $(TOOL_LIBS)

tools/$(TOOL_ARCH)/kudpctl: tools/kudpctl.c include/uapi/kudp.h kudp_core.h
ifeq ($(NL_SYSROOT),)
	@echo "kudpctl: not built for $(TOOL_ARCH): pass NL_SYSROOT=<the target's libnl sysroot> (scripts/cross-fetch.sh sysroot arm64 or armhf makes one)"
else
	@test -f $(NL_SYSROOT)/usr/include/libnl3/netlink/genl/genl.h || \
		{ echo "kudpctl: no libnl-genl-3 headers under NL_SYSROOT=$(NL_SYSROOT)" >&2; exit 1; }
	@test -f $(NL_SYSROOT)/usr/include/zlib.h || \
		{ echo "kudpctl: no zlib headers under NL_SYSROOT=$(NL_SYSROOT) (scripts/cross-fetch.sh sysroot adds zlib1g-dev)" >&2; exit 1; }
	@mkdir -p $(dir $@)
	$(TOOL_CC) $(TOOL_CFLAGS) $(TOOL_LIB_CFLAGS) -o $@ $< $(TOOL_LIBS)
endif

modules:
	@test -n "$(KDIR)" || { echo "No kernel build tree found: install linux-headers or pass KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# INSTALL_MOD_PATH=ROOT installs into ROOT/lib/modules/<release> (a board's
# root file system) and runs depmod there; kudpctl and its manual go under
# DESTDIR, which defaults to the same root.
DESTDIR ?= $(INSTALL_MOD_PATH)
install: modules tools
	@echo "installing send_udp.ko and receive_udp.ko for kernel $(KRELEASE) (KDIR=$(KDIR))"
	@[ -n "$(INSTALL_MOD_PATH)" ] || [ "$(KRELEASE)" = "$$(uname -r)" ] || \
		echo "warning: this machine runs $$(uname -r), not $(KRELEASE): the modules load once $(KRELEASE) runs (KVER=$$(uname -r) needs linux-headers-$$(uname -r))" >&2
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install
	depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) -a $(KRELEASE)
	@if [ -f $(KUDPCTL) ]; then \
		install -D -m 0755 $(KUDPCTL) $(DESTDIR)/usr/local/sbin/kudpctl && \
		install -D -m 0644 Documentation/kudpctl.1 $(DESTDIR)/usr/local/share/man/man1/kudpctl.1 && \
		echo "installed $(DESTDIR)/usr/local/sbin/kudpctl"; \
	else \
		echo "kudpctl: not installed (not built)"; \
	fi

clean:
	@# What Kbuild leaves in this directory (its own "clean" would also
	@# delete the *.a libraries of the cross sysroots under build/), and
	@# everything under build/ but the downloads of make cross.
	rm -f *.o *.ko *.mod *.mod.c .*.cmd Module.symvers modules.order .module-common.o
	find build -mindepth 1 -maxdepth 1 ! -name cross-cache -exec rm -rf {} + 2>/dev/null || true
	rm -rf tools/kudpctl tools/arm64 tools/arm tools/s390

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
	@scripts/kernel-doc-check.py $$(scripts/kernel-src.sh 6.12) $(SOURCES)

coccicheck:
	scripts/coccicheck.sh

cppcheck:
	@cppcheck --quiet --error-exitcode=1 --enable=warning,style,performance,portability \
		--inline-suppr -Iinclude/uapi -DKUDP_VERSION='"$(KUDP_VERSION)"' $(TOOL_LIB_CFLAGS) $(TOOLS) && echo "cppcheck: clean"
	@mkdir -p build/analyzer && for t in $(TOOLS); do \
		gcc -fanalyzer $(TOOL_CFLAGS) $(TOOL_LIB_CFLAGS) -o build/analyzer/$$(basename $$t .c) \
			$$t $(TOOL_LIBS) || exit 1; \
	done && echo "gcc -fanalyzer: clean"

# The static checks that need no module build; make check runs these, as
# its own builds run sparse (tests/run.sh --build).
lint: checkpatch kernel-doc coccicheck cppcheck

static: sparse lint

dkms-check:
	scripts/dkms-check.sh

# Cross-builds for the boards: Debian's arm64 (6.1, 6.12), armmp (6.1) and
# s390x (6.1) headers, fetched once into build/cross-cache
# (scripts/cross-fetch.sh); warning-free and sparse-clean, and kudpctl for
# arm64, armhf and s390x.
cross:
	@scripts/setup.sh >/dev/null
	scripts/cross.sh

# Debian packages kudp-dkms and kudpctl (debian/), lintian-clean, into
# build/deb; deb-check also installs them in a guest and purges them.
deb:
	@scripts/setup.sh >/dev/null
	scripts/deb.sh

deb-check:
	@scripts/setup.sh >/dev/null
	tests/deb.sh

# The suite on Debian's arm64 (6.1, 6.12), armmp (6.1) and s390x (6.1)
# kernels under QEMU (tests/arm.sh); make check runs it too.
check-arm:
	@scripts/setup.sh >/dev/null
	tests/arm.sh

# --- tests ------------------------------------------------------------------

# The unit tier (tests/unit/README): builds into build/unit and runs.
unit:
	$(MAKE) -C tests/unit

check:
	scripts/check.sh

quick:
	scripts/check.sh --quick

check-group:
	scripts/setup.sh
	KUDP_SUITES=pair KUDP_TESTS="group_link group_raw group_rel group_rel_missing" tests/run.sh

check-slow:
	scripts/setup.sh
	KUDP_SUITES=main,big,pair KUDP_TESTS="load_unload big_4g pair_message" \
		KUDP_LOAD_ROUNDS=100 KUDP_PAIR_SIZE=268435456 KUDP_PAIRS=same tests/run.sh

# The reliable mode's tests at the size the issue asks (256 MiB under each
# netem setting alone and all at once, two guests per kernel); make check
# moves 32 MiB, with the settings all at once only.
REL_TESTS = rel_roundtrip_sysfs rel_dev_16m rel_interop_kernel_to_user \
	rel_interop_user_to_kernel rel_mode_mismatch rel_malformed rel_crc_mismatch \
	rel_too_large rel_incomplete rel_small_payload rel_badclose_log rel_resend_rate \
	rel_unload pair_rel_clean pair_rel_loss1 \
	pair_rel_loss10 pair_rel_reorder pair_rel_duplicate pair_rel_corrupt \
	pair_rel_all pair_rel_interop pair_rel_reflect pair_rel_foreign pair_rel_outage
check-reliable:
	scripts/setup.sh
	KUDP_SUITES=reliable,pair KUDP_TESTS="$(REL_TESTS)" KUDP_RELIABLE_SIZE=268435456 \
		KUDP_PAIRS=same tests/run.sh

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
	KUDP_SUITES=bench,pair KUDP_TESTS="bench bench_link" KUDP_PAIRS=same tests/run.sh
	scripts/bench-plot.py Documentation/bench.svg \
		$(foreach k,$(notdir $(wildcard /boot/vmlinuz-*)),build/$(k:vmlinuz-%=%)/out-suite/bench.json)

demo:
	scripts/setup.sh
	tests/run.sh --demo

.PHONY: all modules tools install clean setup sparse checkpatch kernel-doc coccicheck \
	cppcheck lint static dkms-check cross check-arm deb deb-check check check-slow check-group check-reliable check-debug fuzz stress bench demo \
	unit quick
