# ipvlanctl: top-level build, tests and demo.
#
#   make              build libipvlanctl, ipvlanctl and the CNI plugin (and
#                     ipvl.ko when the kernel build dir KDIR exists)
#   make check        install what is missing, build, run the host tests and
#                     the in-VM suite on the newest Debian 6.1 and 6.12 kernels
#                     and on a debug kernel (KASAN, lockdep, kmemleak, fail-nth),
#                     within CHECK_BUDGET (4500 s)
#   make vmtest KERNEL=6.1 TESTS='tests/kernel/test_l2.py -k vepa'
#                     some of the in-VM suite in one VM (6.1, 6.12, debug)
#   make demo         boot the 6.1 VM and run a provisioning scenario
#   make install      install the library, the CLI, man pages, the CNI plugin
#                     in CNIDIR (/usr/lib/cni) (and ipvl.ko)
#   make bench        benchmarks (separate from the tests)

VERSION    := $(shell cat VERSION)
KDIR       ?= /lib/modules/$(shell uname -r)/build
PREFIX     ?= /usr/local
# the CNI plugin goes where runtimes look for plugins (CNI_PATH)
CNIDIR     ?= /usr/lib/cni
DESTDIR    ?=
PYTHON     := /usr/bin/python3
KERNELS    ?= 6.1 6.12
VM         := $(PYTHON) tests/vm/vm.py

export IPVL_CACHE ?= /var/cache/ipvlanctl

# make check also builds the debug kernel (scripts/debug-kernel.sh, cached
# in $(IPVL_CACHE)/debug-kernel) in the background while the host tests and
# the stock kernels' suites run, then runs the suite, the fuzzer, fault
# injection, the stress test and a kmemleak scan on it. DEBUG_KERNEL=0
# skips it. DEBUG_APPEND (its cmdline), DEBUG_TIMEOUT and STOCK_TIMEOUT
# (caps, in seconds, on a VM's share of CHECK_BUDGET), when given, go to
# scripts/check-vm.sh, which holds their defaults.
DEBUG_KERNEL ?= 1
# make check's time budget, from its start: 4500 s (75 minutes; .ci/run's
# job is stopped at 90). scripts/check-vm.sh splits what is left of it
# into the VMs' --timeout values: the stock kernels, one after the other,
# each get what is left divided by the kernels still to run; the debug
# kernel's two halves, beside them, what is left when they start.
CHECK_BUDGET ?= 4500
# The tests marked slow run on one stock kernel each (share); SLOW=all runs
# them on every stock kernel.
SLOW ?= share
CHECK_T0 := $(shell date +%s)

all: userland
	@if [ -d "$(KDIR)" ]; then $(MAKE) kmod; \
	else echo "note: $(KDIR) not found, ipvl.ko not built (make KDIR=...)"; fi

userland:
	$(MAKE) -C libipvlanctl
	$(MAKE) -C ipvlanctl
	$(MAKE) -C cni

kmod:
	$(MAKE) -C kmod KDIR=$(KDIR)

# Regenerate the UAPI header from the spec; check-uapi fails when it is stale.
uapi:
	scripts/gen-uapi.sh genl/ipvl.h

check-uapi:
	scripts/gen-uapi.sh --check

deps:
	scripts/deps.sh

# ipvl.ko for one Debian kernel ABI, built out of the source tree.
.build/%/ipvl.ko: kmod/*.c kmod/*.h kmod/Kbuild genl/ipvl.h
	rm -rf .build/$*/kmod && mkdir -p .build/$*/kmod
	cp kmod/*.c kmod/*.h kmod/Kbuild .build/$*/kmod/
	$(MAKE) -C $$(scripts/kernels.sh headers $*) M=$(CURDIR)/.build/$*/kmod \
		IPVL_GENL=$(CURDIR)/genl W=1 modules
	cp .build/$*/kmod/ipvl.ko $@

# ipvl.ko for the debug kernel (scripts/debug-kernel.sh), whose release ends
# in -ipvl-debug: this rule's shorter stem wins over the one above.
.build/%-ipvl-debug/ipvl.ko: kmod/*.c kmod/*.h kmod/Kbuild genl/ipvl.h
	@kdir=$$(scripts/debug-kernel.sh kdir) && \
	rel=$$(scripts/debug-kernel.sh release) && \
	if [ "$$rel" != "$*-ipvl-debug" ]; then \
		echo "the debug kernel is $$rel, not $*-ipvl-debug" >&2; exit 1; fi
	rm -rf .build/$*-ipvl-debug/kmod && mkdir -p .build/$*-ipvl-debug/kmod
	cp kmod/*.c kmod/*.h kmod/Kbuild .build/$*-ipvl-debug/kmod/
	$(MAKE) -C $$(scripts/debug-kernel.sh kdir) \
		M=$(CURDIR)/.build/$*-ipvl-debug/kmod IPVL_GENL=$(CURDIR)/genl W=1 modules
	cp .build/$*-ipvl-debug/kmod/ipvl.ko $@

# The debug kernel: built once (~17 CPU-minutes), cached by the hash of
# tests/debug-kernel.config and the linux-source-6.1 version.
debug-kernel: deps
	scripts/debug-kernel.sh build

lint: userland
	mandoc -Tlint -W warning man/*.[0-9]
	$(MAKE) -C kmod KDIR=$$(scripts/kernels.sh headers $$(scripts/kernels.sh resolve 6.12)) C=2

check: deps
	@mkdir -p .vm; rm -f .vm/debug-kernel-build.rc .vm/debug-kernel-build.pid; \
	if [ "$(DEBUG_KERNEL)" = 1 ]; then \
		echo "=== building the debug kernel in the background" \
			"(scripts/debug-kernel.sh; log .vm/debug-kernel-build.log)"; \
		( setsid scripts/debug-kernel.sh build \
			>.vm/debug-kernel-build.log 2>&1; \
		  echo $$? >.vm/debug-kernel-build.rc ) </dev/null >/dev/null 2>&1 & \
		echo $$! >.vm/debug-kernel-build.pid; \
	fi
	$(MAKE) userland
	$(MAKE) check-uapi
	mandoc -Tlint -W warning man/*.[0-9]
	$(PYTHON) -m pytest -q tests/host
	@set -e; for k in $(KERNELS); do \
		abi=$$(scripts/kernels.sh resolve $$k); \
		scripts/kernels.sh fetch $$abi >/dev/null; \
		$(MAKE) .build/$$abi/ipvl.ko; \
		scripts/kernels.sh stage $$abi .build/$$abi/ipvl.ko >/dev/null; \
	done
	@DEBUG_KERNEL=$(DEBUG_KERNEL) SLOW=$(SLOW) PYTHON=$(PYTHON) \
		CHECK_BUDGET=$(CHECK_BUDGET) \
		CHECK_DEADLINE=$$(($(CHECK_T0) + $(CHECK_BUDGET))) \
		scripts/check-vm.sh $(KERNELS); rc=$$?; \
	echo "=== make check: $$(($$(date +%s) - $(CHECK_T0))) s"; \
	exit $$rc

# make vmtest KERNEL=6.1 TESTS='tests/kernel/test_l2.py -k vepa': builds,
# stages ipvl.ko and runs pytest with the arguments TESTS (shell words,
# quoting kept) in one VM on KERNEL (6.1, 6.12, a Debian ABI, or debug: the
# debug kernel, built first unless cached), within CHECK_BUDGET; the
# pytest output is also in .vm/pytest-ABI-vmtest.txt. scripts/check-vm.sh
# --one exits with pytest's status (125: the VM failed), make then with 2.
KERNEL ?= 6.1
TESTS ?= tests/kernel
vmtest: export VMTEST_ARGS = $(value TESTS)
vmtest: deps
	$(MAKE) userland
	@PYTHON=$(PYTHON) CHECK_BUDGET=$(CHECK_BUDGET) \
		scripts/check-vm.sh --one '$(KERNEL)' "$$VMTEST_ARGS"; rc=$$?; \
	[ $$rc = 0 ] || echo "=== make vmtest: pytest exited $$rc"; exit $$rc

demo: deps
	$(MAKE) userland
	@abi=$$(scripts/kernels.sh resolve 6.1); \
	scripts/kernels.sh fetch $$abi >/dev/null; \
	$(MAKE) .build/$$abi/ipvl.ko; \
	scripts/kernels.sh stage $$abi .build/$$abi/ipvl.ko >/dev/null; \
	$(VM) --kernel $$abi -- scripts/demo.sh

bench: deps
	$(MAKE) userland
	@abi=$$(scripts/kernels.sh resolve 6.1); \
	scripts/kernels.sh fetch $$abi >/dev/null; \
	$(MAKE) .build/$$abi/ipvl.ko; \
	scripts/kernels.sh stage $$abi .build/$$abi/ipvl.ko >/dev/null; \
	$(VM) --kernel $$abi --smp 1 --qemu-arg "-icount shift=0,sleep=off" -- scripts/bench.sh

install: userland
	$(MAKE) -C libipvlanctl install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)
	$(MAKE) -C ipvlanctl install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)
	$(MAKE) -C ipvlanctl install-extra PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)
	$(MAKE) -C cni install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) CNIDIR=$(CNIDIR)
	install -d $(DESTDIR)$(PREFIX)/share/man/man3 $(DESTDIR)$(PREFIX)/share/man/man7 \
		$(DESTDIR)$(PREFIX)/share/man/man8
	for m in man/*.[0-9]; do \
		s=$${m##*.}; install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man$$s/; done
	@if [ -f kmod/ipvl.ko ] && [ -d "$(KDIR)" ]; then \
		$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod IPVL_GENL=$(CURDIR)/genl \
			INSTALL_MOD_PATH=$(DESTDIR) modules_install && \
		{ [ -n "$(DESTDIR)" ] || depmod -a; }; \
	else echo "note: ipvl.ko not installed (run make KDIR=... first)"; fi

clean:
	$(MAKE) -C libipvlanctl clean
	$(MAKE) -C ipvlanctl clean
	$(MAKE) -C cni clean
	-$(MAKE) -C kmod clean
	rm -rf .build .vm

.PHONY: all userland kmod uapi check-uapi deps lint check vmtest demo bench \
	install clean debug-kernel
