#!/bin/bash
# The in-VM half of make check: the suite on each stock Debian kernel and,
# with DEBUG_KERNEL=1, on the debug kernel that make check started to build
# in the background (scripts/debug-kernel.sh, its exit status written to
# .vm/debug-kernel-build.rc by the builder whose pid is in
# .vm/debug-kernel-build.pid; without that pid file it is built here).
#
#   scripts/check-vm.sh SERIES...       e.g. scripts/check-vm.sh 6.1 6.12
#   scripts/check-vm.sh --one KERNEL 'PYTEST ARGS'
#                                       make vmtest: builds and stages ipvl.ko,
#                                       runs pytest with these arguments (shell
#                                       words) in one VM on KERNEL (6.1, 6.12,
#                                       an ABI, or debug), exits with its status
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
# One time budget bounds it all: CHECK_DEADLINE (seconds since the epoch;
# make check passes its start plus CHECK_BUDGET), else now plus
# CHECK_BUDGET (4500 s). The stock kernels run one after the other, each
# with --timeout its share of what is left (what is left, less MARGIN,
# divided by the kernels still to run: a kernel that ends early leaves its
# time to the next), so that their timeouts add up to the budget; the
# debug kernel's two halves run beside them, each with --timeout what is
# left of the budget when they start, and the wait for its build ends
# when less than DEBUG_MIN would be left. A VM that hits its --timeout is
# killed, fails and prints its last console lines (tests/vm/vm.py, exit
# 125); one that does not boot within --boot-timeout (150 s) is booted
# again once, inside the same --timeout.
#
# Environment: DEBUG_KERNEL (1), DEBUG_APPEND (the debug kernel's extra
# cmdline), CHECK_BUDGET, CHECK_DEADLINE, DEBUG_TIMEOUT and STOCK_TIMEOUT
# (caps, in seconds, on a VM's share of the budget), SLOW (share, or all),
# PYTHON.
set -u
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-/usr/bin/python3}
DEBUG_KERNEL=${DEBUG_KERNEL:-1}
# panic_on_warn: any report fails the run; reboot=t: the debug kernel has
# no ACPI to power off with; la57=off: KASAN with 5-level paging under
# -cpu max reports a wild access at boot
DEBUG_APPEND=${DEBUG_APPEND:-reboot=t panic_on_warn=1 la57=off}
# .ci/run's job is stopped after 90 minutes: 75 for make check, the rest
# for the VM killed last and the summary
CHECK_BUDGET=${CHECK_BUDGET:-4500}
DEADLINE=${CHECK_DEADLINE:-$(($(date +%s) + CHECK_BUDGET))}
# kept back from each share for what follows a VM (summary, skip budget)
MARGIN=60
# a stock kernel's suite takes 10 to 25 minutes, depending on what runs
# beside it (the debug kernel's build or suite); no VM starts with less
# than VM_MIN of the budget, nor the debug kernel's suite with less than
# DEBUG_MIN (its robust half takes 14 minutes)
VM_MIN=120
DEBUG_MIN=900
DEBUG_TIMEOUT=${DEBUG_TIMEOUT:-}
STOCK_TIMEOUT=${STOCK_TIMEOUT:-}
BOOT_RETRIES=1
SLOW=${SLOW:-share}
DEBUG_PARTS="functional robust"
VM=("$PYTHON" tests/vm/vm.py)

fail=0
abis=()
debug_pid=

# Seconds of the budget left for a VM starting now.
left() { echo $((DEADLINE - $(date +%s) - MARGIN)); }
# share SECONDS CAP: SECONDS, or CAP when that is set and smaller
share() {
	if [ -n "$2" ] && [ "$2" -lt "$1" ]; then echo "$2"; else echo "$1"; fi
}

# Wait for the background build, then run the debug kernel's suite.
debug_job() {
	local t pid rc dk rel msg
	t=$(date +%s)
	if [ -f .vm/debug-kernel-build.pid ]; then
		pid=$(cat .vm/debug-kernel-build.pid)
		while [ ! -s .vm/debug-kernel-build.rc ] &&
			kill -0 "$pid" 2>/dev/null; do
			if [ "$(left)" -lt "$DEBUG_MIN" ]; then
				echo "=== the debug kernel is still building after" \
					"$(($(date +%s) - t)) s: no time left in the budget" \
					"for its suite (make check CHECK_BUDGET=...)"
				return 1
			fi
			sleep 2
		done
		rc=$(cat .vm/debug-kernel-build.rc 2>/dev/null || echo "no status")
	else
		# not started by make check: build it here (or find it cached)
		local tb=$(($(left) - DEBUG_MIN))
		if [ "$tb" -le 0 ]; then
			echo "=== no time left in the budget for the debug kernel"
			return 1
		fi
		timeout "$tb" scripts/debug-kernel.sh build \
			>.vm/debug-kernel-build.log 2>&1
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
	if [ "$(left)" -lt "$DEBUG_MIN" ]; then
		echo "=== no time left in the budget for the debug kernel's suite" \
			"($(left) s)"
		return 1
	fi
	# two VMs side by side, each with half of the suite (IPVL_PART)
	local part pids=() status=0
	for part in $DEBUG_PARTS; do
		rm -f ".vm/pytest-$rel-$part.txt" ".vm/skips-$rel-$part.txt" \
			".vm/skip-budget-$rel-$part.txt"
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
	local rel=$1 dk=$2 part=$3 t rc to
	t=$(date +%s)
	to=$(share "$(left)" "$DEBUG_TIMEOUT")
	echo "=== $rel $part: --timeout $to s"
	IPVL_PART=$part IPVL_SLOW=none "${VM[@]}" --quiet --kernel "$rel" \
		--kernel-dir "$dk" --no-pvh --timeout "$to" \
		--boot-retries "$BOOT_RETRIES" \
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

# --one KERNEL ARGS: one VM, the module built and staged first.
one() {
	local k=$1 tests=$2 abi dir rel to
	[ -n "$tests" ] || { echo "check-vm.sh: --one: no pytest arguments" >&2; return 2; }
	to=$(share "$(left)" "$STOCK_TIMEOUT")
	export IPVL_TESTS=$tests
	if [ "$k" = debug ]; then
		to=$(share "$(left)" "$DEBUG_TIMEOUT")
		scripts/debug-kernel.sh build >/dev/null || return 1
		rel=$(scripts/debug-kernel.sh release) &&
			dir=$(scripts/debug-kernel.sh dir) &&
			make -s ".build/$rel/ipvl.ko" &&
			scripts/debug-kernel.sh stage ".build/$rel/ipvl.ko" >/dev/null ||
			return 1
		echo "=== $rel: $tests (--timeout $to s)"
		"${VM[@]}" --kernel "$rel" --kernel-dir "$dir" --no-pvh \
			--timeout "$to" --boot-retries "$BOOT_RETRIES" \
			--append "$DEBUG_APPEND" -- tests/run-debug-in-vm.sh "$rel"
		return
	fi
	dir=$(scripts/kernels.sh fetch "$k") || return 1
	abi=$(basename "$dir")
	make -s ".build/$abi/ipvl.ko" &&
		scripts/kernels.sh stage "$abi" ".build/$abi/ipvl.ko" >/dev/null ||
		return 1
	echo "=== $abi: $tests (--timeout $to s)"
	"${VM[@]}" --kernel "$abi" --timeout "$to" --boot-retries "$BOOT_RETRIES" \
		-- tests/run-in-vm.sh "$abi"
}
if [ "${1:-}" = --one ]; then
	[ $# = 3 ] || { echo "usage: check-vm.sh --one KERNEL 'PYTEST ARGS'" >&2; exit 2; }
	one "$2" "$3"
	exit
fi
# make check runs the whole suite, whatever the environment says
unset IPVL_TESTS

# The debug kernel's build and suite go on in the background, beside the
# stock kernels' suites; its output is shown when they are done.
if [ "$DEBUG_KERNEL" = 1 ]; then
	debug_job >.vm/debug-job.log 2>&1 &
	debug_pid=$!
fi

echo "=== time budget: $(left) s left for the VMs" \
	"(until $(date -d "@$DEADLINE" +%T))"
i=0
for k in "$@"; do
	abi=$(scripts/kernels.sh resolve "$k")
	abis+=("$abi")
	slow=all
	[ "$SLOW" = all ] || slow="$i/$#"
	to=$(share $(($(left) / ($# - i))) "$STOCK_TIMEOUT")
	i=$((i + 1))
	rm -f ".vm/pytest-$abi.txt" ".vm/skips-$abi.txt" \
		".vm/skip-budget-$abi.txt"
	if [ "$to" -lt "$VM_MIN" ]; then
		echo "=== $abi: not run, $to s left of the budget"
		fail=1
		continue
	fi
	echo "=== in-VM tests on $abi (slow tests: $slow; --timeout $to s)"
	IPVL_SLOW=$slow "${VM[@]}" --kernel "$abi" --timeout "$to" \
		--boot-retries "$BOOT_RETRIES" \
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
