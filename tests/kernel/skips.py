#!/usr/bin/python3
"""The skip budget (tests/kernel/skips.txt): which skips make check allows.

    tests/kernel/skips.py KERNEL FILE...

KERNEL is the kernel the skip records (FILE: "NODEID<TAB>REASON" lines,
written by conftest.py to $IPVL_SKIPS_OUT) come from: an ABI
(6.1.0-57-amd64), a series (6.12) or a release ending in -ipvl-debug.
Prints every skip not in the budget and exits 1 when there is one, or
when a FILE is missing (the suite did not get as far as writing it).
Standard library only.
"""
import fnmatch
import re
import sys
from pathlib import Path

BUDGET = Path(__file__).with_name("skips.txt")


def kinds(kernel):
    """The KERNELS words that name this kernel."""
    if kernel.endswith("-ipvl-debug") or kernel == "debug":
        return {"all", "debug"}
    m = re.match(r"(\d+\.\d+)", kernel)
    return {"all", "stock"} | ({m[1]} if m else set())


def rules(path=BUDGET):
    out = []
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split(None, 2)
        if len(parts) != 3:
            raise SystemExit(f"{path}:{n}: want KERNELS NODEID-GLOB REASON")
        out.append((set(parts[0].split(",")), parts[1],
                    re.compile(parts[2].strip())))
    return out


def allowed(kernel, nodeid, reason, budget):
    mine = kinds(kernel)
    return any(ks & mine and fnmatch.fnmatchcase(nodeid, glob)
               and rx.fullmatch(reason) for ks, glob, rx in budget)


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    kernel, files = argv[0], argv[1:]
    budget = rules()
    bad = 0
    total = 0
    for f in files:
        p = Path(f)
        if not p.exists():
            print(f"skip budget: no {f}: the suite did not record its skips")
            bad += 1
            continue
        for line in p.read_text().splitlines():
            nodeid, _, reason = line.partition("\t")
            total += 1
            if not allowed(kernel, nodeid, reason, budget):
                print(f"skip budget: {kernel}: not allowed: {nodeid}: {reason}")
                bad += 1
    if not bad:
        print(f"skip budget: {kernel}: {total} skips, all allowed "
              f"({BUDGET.name})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
