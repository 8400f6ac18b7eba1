#!/bin/bash
# Runs inside the QEMU guest (see tests/vm/vm.py): the in-VM pytest suite,
# with its output kept in .vm/pytest-ABI.txt for the summary line
# (.vm/pytest-ABI-PART.txt for IPVL_PART=PART, half of the suite).
set -u
abi=${1:?usage: run-in-vm.sh ABI}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
mkdir -p .vm
export IPVL_KO=$top/.build/$abi/ipvl.ko
export PYTHONDONTWRITEBYTECODE=1
dmesg -n 5
extra=${IPVL_PYTEST_ARGS:-}
/usr/bin/python3 -m pytest -p no:cacheprovider -q -rfE --durations=20 tests/kernel $extra 2>&1 |
	tee ".vm/pytest-$abi${IPVL_PART:+-$IPVL_PART}.txt"
exit "${PIPESTATUS[0]}"
