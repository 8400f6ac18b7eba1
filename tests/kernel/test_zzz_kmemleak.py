"""Runs after everything else on the debug kernel: a kmemleak scan must find
no unreferenced object involving ipvl, and none at all when the boot left
none (tests/run-debug-in-vm.sh records and clears what the boot leaves)."""
import os
import re
import time
from pathlib import Path

import pytest

from conftest import DEBUG_KERNEL, KMEMLEAK, REPO

# on the debug kernel, a missing kmemleak fails the session (conftest.py)
pytestmark = pytest.mark.skipif(not DEBUG_KERNEL,
                                reason="no kmemleak (not the debug kernel)")


def scan():
    """The unreferenced objects after two scans, as text blocks."""
    # kmemleak ignores objects younger than 5 s, and needs two scans to
    # report one (the first only colours it)
    time.sleep(6)
    KMEMLEAK.write_text("scan")
    KMEMLEAK.write_text("scan")
    text = KMEMLEAK.read_text()
    return [b for b in re.split(r"(?m)^(?=unreferenced object)", text)
            if b.startswith("unreferenced object")]


def test_kmemleak_clean(report):
    t0 = time.monotonic()
    leaks = scan()
    ours = [b for b in leaks if "[ipvl]" in b or " ipvl_" in b]
    boot = int(os.environ.get("IPVL_KMEMLEAK_BOOT", "0"))
    out = REPO / ".vm" / ("kmemleak-%s.txt" % os.uname().release)
    out.write_text("".join(leaks))
    report("kmemleak: %d unreferenced objects at the end of the session, "
           "%d involving ipvl (%d after boot, cleared); scan %.0f s%s" % (
               len(leaks), len(ours), boot, time.monotonic() - t0,
               "; see .vm/%s" % out.name if leaks else ""))
    assert not ours, "leaks involving ipvl:\n" + "".join(ours)[:8000]
    if boot == 0:
        assert not leaks, "leaks (the boot left none):\n" + \
            "".join(leaks)[:8000]
