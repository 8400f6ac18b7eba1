# ipvlanctl: top-level build, tests and demo.
#
#   make              build libipvlanctl and ipvlanctl (and ipvl.ko when the
#                     kernel build dir KDIR exists)
#   make check        install what is missing, build, run the host tests and
#                     the in-VM suite on the newest Debian 6.1 and 6.12 kernels
#   make demo         boot the 6.1 VM and run a provisioning scenario
#   make install      install the library, the CLI, man pages (and ipvl.ko)
#   make bench        benchmarks (separate from the tests)

VERSION    := $(shell cat VERSION)
KDIR       ?= /lib/modules/$(shell uname -r)/build
PREFIX     ?= /usr/local
DESTDIR    ?=
PYTHON     := /usr/bin/python3
KERNELS    ?= 6.1 6.12
VM         := $(PYTHON) tests/vm/vm.py

export IPVL_CACHE ?= /var/cache/ipvlanctl

all: userland
	@if [ -d "$(KDIR)" ]; then $(MAKE) kmod; \
	else echo "note: $(KDIR) not found, ipvl.ko not built (make KDIR=...)"; fi

userland:
	$(MAKE) -C libipvlanctl
	$(MAKE) -C ipvlanctl

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

lint: userland
	mandoc -Tlint -W warning man/*.[0-9]
	$(MAKE) -C kmod KDIR=$$(scripts/kernels.sh headers $$(scripts/kernels.sh resolve 6.12)) C=2

check: deps
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
	@fail=0; for k in $(KERNELS); do \
		abi=$$(scripts/kernels.sh resolve $$k); \
		echo "=== in-VM tests on $$abi"; \
		$(VM) --kernel $$abi -- tests/run-in-vm.sh $$abi || fail=1; \
		echo "=== $$abi summary: $$(tail -n 1 .vm/pytest-$$abi.txt 2>/dev/null)"; \
	done; exit $$fail

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
	-$(MAKE) -C kmod clean
	rm -rf .build .vm

.PHONY: all userland kmod uapi check-uapi deps lint check demo bench install clean
