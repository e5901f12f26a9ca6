# SPDX-License-Identifier: GPL-2.0
#
# make              build send_udp.ko and receive_udp.ko against KDIR
# make KDIR=...     build against another kernel's build tree
# make C=1          also run sparse on our files
# make check        build for every installed Debian kernel and run the
#                   test suite in a QEMU guest of each (tests/run.sh)
# make demo         show a round trip in a guest
# make setup        install what the build and the tests need (root)

KVER ?= $(shell uname -r)
# The running kernel's build tree if there is one, else the newest
# installed Debian headers.
KDIR ?= $(firstword $(wildcard /lib/modules/$(KVER)/build) \
	$(shell ls -d /usr/src/linux-headers-*-amd64 /usr/src/linux-headers-*-arm64 \
		/usr/src/linux-headers-*-armmp 2>/dev/null | sort -V | tail -n 1))

all: modules

modules:
	@test -n "$(KDIR)" || { echo "No kernel build tree found: install linux-headers or pass KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	@test -z "$(KDIR)" || $(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf build

setup:
	scripts/setup.sh

check:
	scripts/setup.sh
	tests/run.sh

demo:
	scripts/setup.sh
	tests/run.sh --demo

.PHONY: all modules clean setup check demo
