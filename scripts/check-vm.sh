#!/bin/bash
# The in-VM half of make check: the suite on each stock Debian kernel and,
# with DEBUG_KERNEL=1, on the debug kernel that make check started to build
# in the background (scripts/debug-kernel.sh, its exit status written to
# .vm/debug-kernel-build.rc by the builder whose pid is in
# .vm/debug-kernel-build.pid).
#
#   scripts/check-vm.sh SERIES...       e.g. scripts/check-vm.sh 6.1 6.12
#
# The debug kernel's suite runs in the background as soon as its kernel is
# built and the first stock kernel is done, next to the remaining stock
# kernels: the guests are mostly single-threaded, so two of them share the
# two cores better than one after the other. The stock kernels' console
# streams here; the debug kernel's goes to .vm/console-RELEASE.log.
# Prints one pytest summary line per kernel and the robustness lines;
# exits non-zero when any kernel failed.
#
# Environment: DEBUG_KERNEL (1), DEBUG_APPEND (the debug kernel's extra
# cmdline), DEBUG_TIMEOUT (seconds for its VM), PYTHON.
set -u
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-/usr/bin/python3}
DEBUG_KERNEL=${DEBUG_KERNEL:-1}
DEBUG_APPEND=${DEBUG_APPEND:-reboot=t panic_on_warn=1 la57=off}
DEBUG_TIMEOUT=${DEBUG_TIMEOUT:-2700}
VM=("$PYTHON" tests/vm/vm.py)

fail=0
abis=()
debug_pid=
debug_rel=

# Wait for the background build; start the debug kernel's suite.
start_debug() {
	local t pid rc dk
	t=$(date +%s)
	pid=$(cat .vm/debug-kernel-build.pid 2>/dev/null || echo 0)
	while [ ! -s .vm/debug-kernel-build.rc ] && kill -0 "$pid" 2>/dev/null; do
		sleep 2
	done
	rc=$(cat .vm/debug-kernel-build.rc 2>/dev/null || echo "no status")
	echo "=== debug kernel: $(grep -h 'built\|error' .vm/debug-kernel-build.log |
		tail -n 1) (waited $(($(date +%s) - t)) s)"
	if [ "$rc" != 0 ]; then
		tail -n 30 .vm/debug-kernel-build.log
		echo "=== the debug kernel did not build (exit status $rc)"
		fail=1
		return
	fi
	debug_rel=$(scripts/debug-kernel.sh release)
	dk=$(scripts/debug-kernel.sh dir)
	if ! make -s ".build/$debug_rel/ipvl.ko" ||
		! scripts/debug-kernel.sh stage ".build/$debug_rel/ipvl.ko" >/dev/null; then
		fail=1
		return
	fi
	rm -f ".vm/pytest-$debug_rel.txt"
	echo "=== in-VM tests on $debug_rel (debug kernel, in the background;" \
		"console .vm/console-$debug_rel.log)"
	IPVL_SKIP_SLOW=1 "${VM[@]}" --quiet --kernel "$debug_rel" --kernel-dir "$dk" \
		--no-pvh --timeout "$DEBUG_TIMEOUT" --append "$DEBUG_APPEND" \
		-- tests/run-debug-in-vm.sh "$debug_rel" \
		>".vm/vm-$debug_rel.log" 2>&1 &
	debug_pid=$!
}

n=0
for k in "$@"; do
	abi=$(scripts/kernels.sh resolve "$k")
	abis+=("$abi")
	echo "=== in-VM tests on $abi"
	rm -f ".vm/pytest-$abi.txt"
	"${VM[@]}" --kernel "$abi" -- tests/run-in-vm.sh "$abi" || fail=1
	echo "=== $abi summary: $(tail -n 1 ".vm/pytest-$abi.txt" 2>/dev/null)"
	n=$((n + 1))
	if [ "$DEBUG_KERNEL" = 1 ] && [ $n -eq 1 ]; then
		start_debug
	fi
done
if [ "$DEBUG_KERNEL" = 1 ] && [ $n -eq 0 ]; then
	start_debug
fi
if [ -n "$debug_pid" ]; then
	abis+=("$debug_rel")
	t=$(date +%s)
	wait "$debug_pid" || fail=1
	cat ".vm/vm-$debug_rel.log"
	echo "=== $debug_rel summary: $(tail -n 1 ".vm/pytest-$debug_rel.txt" 2>/dev/null)" \
		"(waited $(($(date +%s) - t)) s after the stock kernels)"
fi

echo "=== summary"
for abi in "${abis[@]}"; do
	echo "$abi: $(tail -n 1 ".vm/pytest-$abi.txt" 2>/dev/null)"
	grep -h '^robust: ' ".vm/pytest-$abi.txt" 2>/dev/null | sed 's/^/    /'
done
exit $fail
