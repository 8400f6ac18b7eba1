#!/usr/bin/python3
"""What counts as a kernel report (a "splat") and a bad taint, in one place.

Used by tests/kernel/conftest.py (after every test and at the end of the
session) and, as a command, by tests/run-debug-in-vm.sh on the boot log:

    tests/kernel/splat.py [FILE...]     print the report lines of the kernel
                                        logs (stdin without FILE); exit 1
                                        when there is one, 0 when not
    tests/kernel/splat.py --taint       print the taint flags; exit 1 when
                                        a bit other than O and E is set

Standard library only (the guest starts it without pytest).
"""
import re
import sys
from pathlib import Path

# One entry per report class the kernel prints, with the text that starts
# it. The bare word "lockdep" is not matched: the stacks the kernel dumps
# for expected failures under fault injection have frames like
# lockdep_rtnl_is_held. Nor is a bare "kmemleak": the debug kernel logs
# "kmemleak: Kernel memory leak detector initialized" at boot.
PATTERNS = [
    # WARN(), WARN_ON(); lockdep's reports (circular and recursive locking,
    # inconsistent lock state, suspicious RCU usage, bad unlock balance)
    # start with "WARNING:" too
    ("warning", r"WARNING:"),
    # BUG: NULL pointer dereference, unable to handle page fault, sleeping
    # function called from invalid context, scheduling while atomic, soft
    # lockup, workqueue lockup, KASAN, KFENCE, spinlock bad magic, ...
    ("bug", r"BUG:"),
    ("bug_on", r"kernel BUG at"),
    # SLUB's object debugging: "BUG kmalloc-64 (Tainted: G O): Poison ..."
    ("slub", r"BUG [\w.:-]+ \((Not tainted|Tainted: [^)]*)\): "),
    ("oops", r"Oops"),
    ("invalid_opcode", r"invalid opcode"),
    ("gpf", r"general protection fault"),
    ("panic", r"Kernel panic"),
    ("kasan", r"KASAN"),
    ("ubsan", r"UBSAN"),
    ("lockdep_recursive", r"possible recursive locking"),
    ("lockdep_circular", r"circular locking"),
    ("lockdep_state", r"inconsistent lock state"),
    ("lockdep_irq", r"possible irq lock inversion"),
    ("lockdep_rcu", r"suspicious RCU usage"),
    ("lockdep_header", r"locking correctness validator"),
    ("lockdep_off", r"lockdep is turned off"),
    ("refcount", r"refcount_t"),
    ("list_debug", r"list_(add|del) corruption"),
    # RCU CPU stall warnings: "rcu: INFO: rcu_preempt self-detected stall
    # on CPU", "rcu: INFO: rcu_sched detected stalls on CPUs/tasks:",
    # "... detected expedited stalls ...", "rcu_preempt kthread starved",
    # "rcu_preempt kthread timer wakeup didn't happen"
    ("rcu_stall", r"RCU stall|self-detected stall|"
                  r"detected (expedited )?stalls|rcu\w* kthread \w*starved|"
                  r"kthread timer wakeup didn't happen"),
    # hung tasks: "INFO: task ip:123 blocked for more than 120 seconds."
    ("hung_task", r"INFO: task .* blocked for more than"),
    ("hard_lockup", r"hard LOCKUP"),
    ("netdev_leak", r"unregister_netdevice: waiting"),
    # "kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/...)";
    # "kmemleak: Cannot allocate a kmemleak_object structure" and the like
    # turn it off ("Kernel memory leak detector disabled")
    ("kmemleak", r"kmemleak: (.*suspected memory leak|Cannot |"
                 r"Memory pool empty|.*disabled)"),
]

SPLAT = re.compile("|".join("(?:%s)" % p for _, p in PATTERNS))

# /proc/sys/kernel/tainted: bit i is TAINT_FLAGS[i]
# (Documentation/admin-guide/tainted-kernels.rst; N is 6.0's test taint)
TAINT_FLAGS = "PFSRMBUDAWCIOELKXTN"
# What loading ipvl.ko does: O (4096, an out-of-tree module) and E (8192,
# an unsigned module on a kernel that checks signatures).
TAINT_ALLOWED = (1 << 12) | (1 << 13)
TAINTED = Path("/proc/sys/kernel/tainted")


def find(lines):
    """The lines that are (the first lines of) kernel reports."""
    return [line for line in lines if SPLAT.search(line)]


def taint():
    """The kernel's taint bits now."""
    return int(TAINTED.read_text())


def taint_letters(bits):
    """E.g. "W D" for 640; bits past the known ones as "bit N"."""
    out = []
    for i in range(bits.bit_length()):
        if bits >> i & 1:
            out.append(TAINT_FLAGS[i] if i < len(TAINT_FLAGS) else "bit %d" % i)
    return " ".join(out)


def bad_taint(before, after):
    """The taint bits set since before, other than the allowed ones."""
    return after & ~before & ~TAINT_ALLOWED


def main(argv):
    if argv[:1] == ["--taint"]:
        t = taint()
        bad = t & ~TAINT_ALLOWED
        print("tainted: %d (%s)%s" % (t, taint_letters(t) or "none",
                                      "; not allowed: " + taint_letters(bad)
                                      if bad else ""))
        return 1 if bad else 0
    found = []
    for name in argv or ["-"]:
        text = sys.stdin.read() if name == "-" else \
            Path(name).read_text(errors="replace")
        found += find(text.splitlines())
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
