#!/bin/bash
# Runs inside the QEMU guest (see tests/vm/vm.py): the in-VM pytest suite,
# with its output kept in .vm/pytest-ABI.txt for the summary line
# (.vm/pytest-ABI-PART.txt for IPVL_PART=PART, half of the suite) and its
# skips, one "NODEID<TAB>REASON" line each, in .vm/skips-ABI[-PART].txt for
# the skip budget (tests/kernel/skips.txt).
#
# IPVL_TESTS, when set, replaces tests/kernel: pytest's arguments as shell
# words (make vmtest TESTS='tests/kernel/test_l2.py -k vepa'); the output
# then goes to .vm/pytest-ABI-vmtest.txt.
set -u
abi=${1:?usage: run-in-vm.sh ABI}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
mkdir -p .vm
export IPVL_KO=$top/.build/$abi/ipvl.ko
export PYTHONDONTWRITEBYTECODE=1
dmesg -n 5
tag=$abi${IPVL_PART:+-$IPVL_PART}
if [ -n "${IPVL_TESTS:-}" ]; then
	eval "set -- $IPVL_TESTS"
	tag=$tag-vmtest
else
	set -- tests/kernel
fi
export IPVL_SKIPS_OUT=$top/.vm/skips-$tag.txt
rm -f "$IPVL_SKIPS_OUT"
extra=${IPVL_PYTEST_ARGS:-}
# -rfEs: failures, errors and every skip with its reason in the summary
# shellcheck disable=SC2086 # IPVL_PYTEST_ARGS: words
/usr/bin/python3 -m pytest -p no:cacheprovider -q -rfEs --durations=20 \
	"$@" $extra 2>&1 | tee ".vm/pytest-$tag.txt"
exit "${PIPESTATUS[0]}"
