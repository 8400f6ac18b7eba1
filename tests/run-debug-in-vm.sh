#!/bin/bash
# Runs inside the QEMU guest on the debug kernel (scripts/debug-kernel.sh):
# checks the boot log for kernel reports (tests/kernel/splat.py), fails
# when kmemleak or failslab is missing (debugfs), records what kmemleak
# finds right after boot and marks it as known, prepares fault injection,
# clears the kernel log (checked already), then runs the in-VM suite with
# tests/run-in-vm.sh.
set -u
abi=${1:?usage: run-debug-in-vm.sh ABI}
tag=$abi${IPVL_PART:+-$IPVL_PART}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
mkdir -p .vm

if ! dmesg >".vm/dmesg-boot-$tag.txt"; then
	echo "debug kernel: dmesg failed"
	exit 1
fi
# the suite's definition of a kernel report (tests/kernel/splat.py)
if ! /usr/bin/python3 tests/kernel/splat.py ".vm/dmesg-boot-$tag.txt"; then
	echo "debug kernel: splat during boot (.vm/dmesg-boot-$tag.txt)"
	exit 1
fi

# without them the suite's debug-only checks cannot run: a failure, not a skip
kml=/sys/kernel/debug/kmemleak
fs=/sys/kernel/debug/failslab
for f in "$kml" "$fs"; do
	if [ ! -e "$f" ]; then
		echo "debug kernel: no $f (debugfs: $(grep -c debugfs /proc/mounts) mounts)"
		exit 1
	fi
done
t0=$(date +%s)
echo scan >"$kml"
echo scan >"$kml"
cat "$kml" >".vm/kmemleak-boot-$tag.txt"
leaks=$(grep -c '^unreferenced object' ".vm/kmemleak-boot-$tag.txt")
echo clear >"$kml"
echo "debug kernel: kmemleak: $leaks unreferenced objects after boot" \
	"(scans took $(($(date +%s) - t0)) s; .vm/kmemleak-boot-$tag.txt)"
export IPVL_KMEMLEAK_BOOT=$leaks

# fail-nth counts every kmalloc, also the sleeping ones; no stack dumps
echo N >"$fs/ignore-gfp-wait"
echo 0 >"$fs/verbose"

dmesg -C
exec "$top/tests/run-in-vm.sh" "$abi"
