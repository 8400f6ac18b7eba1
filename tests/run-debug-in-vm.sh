#!/bin/bash
# Runs inside the QEMU guest on the debug kernel (scripts/debug-kernel.sh):
# checks the boot log, records what kmemleak finds right after boot and
# marks it as known, prepares fault injection, clears the kernel log (the
# debug options log harmless boot lines the suite's splat check would
# match: "RCU lockdep checking is enabled", "kmemleak: ... initialized"),
# then runs the in-VM suite with tests/run-in-vm.sh.
set -u
abi=${1:?usage: run-debug-in-vm.sh ABI}
tag=$abi${IPVL_PART:+-$IPVL_PART}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
mkdir -p .vm

dmesg >".vm/dmesg-boot-$tag.txt"
splat='WARNING:|BUG:|Oops|KASAN:|UBSAN|possible recursive locking|refcount_t|RCU stall|self-detected|suspicious RCU usage|general protection fault|Kernel panic|circular locking|inconsistent lock state'
if grep -E "$splat" ".vm/dmesg-boot-$tag.txt"; then
	echo "debug kernel: splat during boot (.vm/dmesg-boot-$tag.txt)"
	exit 1
fi

kml=/sys/kernel/debug/kmemleak
leaks=0
if [ -w "$kml" ]; then
	t0=$(date +%s)
	echo scan >"$kml"
	echo scan >"$kml"
	cat "$kml" >".vm/kmemleak-boot-$tag.txt"
	leaks=$(grep -c '^unreferenced object' ".vm/kmemleak-boot-$tag.txt")
	echo clear >"$kml"
	echo "debug kernel: kmemleak: $leaks unreferenced objects after boot" \
		"(scans took $(($(date +%s) - t0)) s; .vm/kmemleak-boot-$tag.txt)"
fi
export IPVL_KMEMLEAK_BOOT=$leaks

# fail-nth counts every kmalloc, also the sleeping ones; no stack dumps
fs=/sys/kernel/debug/failslab
if [ -d "$fs" ]; then
	echo N >"$fs/ignore-gfp-wait"
	echo 0 >"$fs/verbose"
fi

dmesg -C
exec "$top/tests/run-in-vm.sh" "$abi"
