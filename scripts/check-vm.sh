#!/bin/bash
# The in-VM half of make check: the suite on each stock Debian kernel and,
# with DEBUG_KERNEL=1, on the debug kernel that make check started to build
# in the background (scripts/debug-kernel.sh, its exit status written to
# .vm/debug-kernel-build.rc by the builder whose pid is in
# .vm/debug-kernel-build.pid; without that pid file it is built here).
#
#   scripts/check-vm.sh SERIES...       e.g. scripts/check-vm.sh 6.1 6.12
#
# The debug kernel's suite runs in the background as soon as its kernel is
# built, beside the stock kernels' suites, in two VMs (IPVL_PART=functional
# and robust, each about half of it): a guest is mostly single-threaded,
# and the debug kernel's suite is the longest, so it takes a core of its
# own for each half while the stock kernels run one after the other. The
# stock kernels' console streams here; the debug kernel's goes to
# .vm/console-RELEASE*.log.
# Prints one pytest summary line per kernel (per part for the debug
# kernel), the skip budget's verdict and the robustness lines; exits
# non-zero when any kernel failed, or skipped a test for a reason that
# tests/kernel/skips.txt does not allow there (tests/kernel/skips.py).
#
# The tests marked slow (the big matrices and scale tests) are shared out
# among the stock kernels (IPVL_SLOW=K/N: each runs on one of them) unless
# SLOW=all; the debug kernel skips them (IPVL_SLOW=none).
#
# Environment: DEBUG_KERNEL (1), DEBUG_APPEND (the debug kernel's extra
# cmdline), DEBUG_TIMEOUT and STOCK_TIMEOUT (seconds for a VM), SLOW
# (share, or all), PYTHON.
set -u
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-/usr/bin/python3}
DEBUG_KERNEL=${DEBUG_KERNEL:-1}
# panic_on_warn: any report fails the run; reboot=t: the debug kernel has
# no ACPI to power off with; la57=off: KASAN with 5-level paging under
# -cpu max reports a wild access at boot
DEBUG_APPEND=${DEBUG_APPEND:-reboot=t panic_on_warn=1 la57=off}
DEBUG_TIMEOUT=${DEBUG_TIMEOUT:-3600}
# a stock kernel's suite takes 10 to 25 minutes, depending on what runs
# beside it (the debug kernel's build or suite)
STOCK_TIMEOUT=${STOCK_TIMEOUT:-3600}
SLOW=${SLOW:-share}
DEBUG_PARTS="functional robust"
VM=("$PYTHON" tests/vm/vm.py)

fail=0
abis=()
debug_pid=

# Wait for the background build, then run the debug kernel's suite.
debug_job() {
	local t pid rc dk rel msg
	t=$(date +%s)
	if [ -f .vm/debug-kernel-build.pid ]; then
		pid=$(cat .vm/debug-kernel-build.pid)
		while [ ! -s .vm/debug-kernel-build.rc ] &&
			kill -0 "$pid" 2>/dev/null; do
			sleep 2
		done
		rc=$(cat .vm/debug-kernel-build.rc 2>/dev/null || echo "no status")
	else
		# not started by make check: build it here (or find it cached)
		scripts/debug-kernel.sh build >.vm/debug-kernel-build.log 2>&1
		rc=$?
	fi
	msg=$(grep -h 'built\|error' .vm/debug-kernel-build.log | tail -n 1)
	echo "=== debug kernel: ${msg:-cached in $(scripts/debug-kernel.sh dir)}" \
		"(waited $(($(date +%s) - t)) s)"
	if [ "$rc" != 0 ]; then
		tail -n 30 .vm/debug-kernel-build.log
		echo "=== the debug kernel did not build (exit status $rc)"
		return 1
	fi
	rel=$(scripts/debug-kernel.sh release)
	dk=$(scripts/debug-kernel.sh dir)
	make -s ".build/$rel/ipvl.ko" &&
		scripts/debug-kernel.sh stage ".build/$rel/ipvl.ko" >/dev/null ||
		return 1
	# two VMs side by side, each with half of the suite (IPVL_PART)
	local part pids=() status=0
	for part in $DEBUG_PARTS; do
		rm -f ".vm/pytest-$rel-$part.txt" ".vm/skips-$rel-$part.txt"
		echo "=== in-VM tests on $rel, $part part (debug kernel;" \
			"console .vm/console-$rel*.log)"
		debug_part "$rel" "$dk" "$part" &
		pids+=($!)
	done
	for pid in "${pids[@]}"; do
		wait "$pid" || status=1
	done
	return $status
}

debug_part() {
	local rel=$1 dk=$2 part=$3 t rc
	t=$(date +%s)
	IPVL_PART=$part IPVL_SLOW=none "${VM[@]}" --quiet --kernel "$rel" \
		--kernel-dir "$dk" --no-pvh --timeout "$DEBUG_TIMEOUT" \
		--append "$DEBUG_APPEND" -- tests/run-debug-in-vm.sh "$rel"
	rc=$?
	echo "=== $rel $part summary:" \
		"$(tail -n 1 ".vm/pytest-$rel-$part.txt" 2>/dev/null)" \
		"($(($(date +%s) - t)) s)"
	skip_budget "$rel" "$rel-$part" || rc=1
	return $rc
}

# The skips of a VM's suite (.vm/skips-TAG.txt) against the budget.
skip_budget() {
	"$PYTHON" tests/kernel/skips.py "$1" ".vm/skips-$2.txt" |
		tee ".vm/skip-budget-$2.txt"
	return "${PIPESTATUS[0]}"
}

# The debug kernel's build and suite go on in the background, beside the
# stock kernels' suites; its output is shown when they are done.
if [ "$DEBUG_KERNEL" = 1 ]; then
	debug_job >.vm/debug-job.log 2>&1 &
	debug_pid=$!
fi

i=0
for k in "$@"; do
	abi=$(scripts/kernels.sh resolve "$k")
	abis+=("$abi")
	slow=all
	[ "$SLOW" = all ] || slow="$i/$#"
	i=$((i + 1))
	echo "=== in-VM tests on $abi (slow tests: $slow)"
	rm -f ".vm/pytest-$abi.txt" ".vm/skips-$abi.txt"
	IPVL_SLOW=$slow "${VM[@]}" --kernel "$abi" --timeout "$STOCK_TIMEOUT" \
		-- tests/run-in-vm.sh "$abi" || fail=1
	echo "=== $abi summary: $(tail -n 1 ".vm/pytest-$abi.txt" 2>/dev/null)"
	skip_budget "$abi" "$abi" || fail=1
done
if [ -n "$debug_pid" ]; then
	t=$(date +%s)
	wait "$debug_pid" || fail=1
	cat .vm/debug-job.log
	echo "=== (the debug kernel ended $(($(date +%s) - t)) s after the stock kernels)"
	debug_rel=$(scripts/debug-kernel.sh release 2>/dev/null) &&
		for part in $DEBUG_PARTS; do abis+=("$debug_rel-$part"); done
fi

echo "=== summary"
for abi in "${abis[@]}"; do
	echo "$abi: $(tail -n 1 ".vm/pytest-$abi.txt" 2>/dev/null)"
	sed 's/^/    /' ".vm/skip-budget-$abi.txt" 2>/dev/null
	grep -h '^robust: ' ".vm/pytest-$abi.txt" 2>/dev/null | sed 's/^/    /'
done
exit $fail
