"""The in-VM suite's detectors, on the host: tests/kernel/splat.py (kernel
reports, taint bits) and tests/kernel/skips.py (the skip budget)."""
import subprocess
import sys
from pathlib import Path

import pytest

KDIR = Path(__file__).resolve().parents[1] / "kernel"
sys.path.insert(0, str(KDIR))
import splat  # noqa: E402
import skips  # noqa: E402

# One line of each report class, as the kernel prints it (6.1, 6.12).
REPORTS = [
    "WARNING: CPU: 1 PID: 312 at net/core/dev.c:10360 unregister_netdevice_many+0x6e/0x7e0",
    "BUG: kernel NULL pointer dereference, address: 0000000000000008",
    "BUG: KASAN: slab-use-after-free in ipvl_rcv+0x1c/0x2a0 [ipvl]",
    "BUG: sleeping function called from invalid context at mm/slab.h:742",
    "watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [ip:123]",
    "kernel BUG at net/core/skbuff.c:119!",
    "invalid opcode: 0000 [#1] PREEMPT SMP NOPTI",
    "Oops: general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#1]",
    "general protection fault, probably for non-canonical address 0x6b6b6b6b6b6b6b6b: 0000 [#1] SMP",
    "Kernel panic - not syncing: Fatal exception in interrupt",
    "UBSAN: array-index-out-of-bounds in kmod/addr.c:120:5",
    "WARNING: possible circular locking dependency detected",
    "WARNING: possible recursive locking detected",
    "WARNING: inconsistent lock state",
    "WARNING: suspicious RCU usage",
    "refcount_t: underflow; use-after-free.",
    "list_del corruption, ffff888005a3c8e8->next is LIST_POISON1 (dead000000000100)",
    "BUG kmalloc-64 (Tainted: G    B   O E     ): Poison overwritten",
    "rcu: INFO: rcu_preempt self-detected stall on CPU",
    "rcu: INFO: rcu_sched self-detected stall on CPU",
    "rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:",
    "rcu: INFO: rcu_preempt detected expedited stalls on CPUs/tasks: { 1-... } 21002 jiffies s: 373 root: 0x2/.",
    "rcu: rcu_preempt kthread timer wakeup didn't happen for 2501 jiffies! g9641 f0x0 RCU_GP_WAIT_FQS(5) ->state=0x402",
    "rcu: rcu_preempt kthread starved for 10008 jiffies! g5893 f0x0 RCU_GP_WAIT_FQS(5) ->state=0x0 ->cpu=1",
    "INFO: task kworker/u4:1:23 blocked for more than 122 seconds.",
    "NMI watchdog: Watchdog detected hard LOCKUP on cpu 1",
    "unregister_netdevice: waiting for iv0x1 to become free. Usage count = 2",
    "kmemleak: 3 new suspected memory leaks (see /sys/kernel/debug/kmemleak)",
    "kmemleak: Cannot allocate a kmemleak_object structure",
    "INFO: lockdep is turned off.",
]

# Harmless lines that must not count.
QUIET = [
    "RCU lockdep checking is enabled.",
    "kmemleak: Kernel memory leak detector initialized (mem pool available: 15861)",
    "kmemleak: Automatic memory scanning thread started",
    "ipvl: loading out-of-tree module taints kernel.",
    "ipvl: module verification failed: signature and/or required key missing - tainting kernel",
    "INFO: NMI handler (perf_event_nmi_handler) took too long to run: 1.234 msecs",
    " lockdep_rtnl_is_held+0x10/0x20",
    "FAULT_INJECTION: forcing a failure.",
    "IPv6: ADDRCONF(NETDEV_CHANGE): o0: link becomes ready",
]


@pytest.mark.parametrize("line", REPORTS)
def test_report_found(line):
    assert splat.find(["[   12.345678] " + line])


@pytest.mark.parametrize("line", QUIET)
def test_harmless_line_not_found(line):
    assert not splat.find(["[   12.345678] " + line])


def test_taint():
    oe = 4096 | 8192
    assert splat.bad_taint(0, oe) == 0
    assert splat.bad_taint(0, oe | 512) == 512
    assert splat.bad_taint(512, 512 | 128) == 128       # only new bits
    assert splat.taint_letters(oe | 512 | 128) == "D W O E"
    assert splat.taint_letters(1 << 25) == "bit 25"


def test_cli(tmp_path):
    log = tmp_path / "dmesg.txt"
    log.write_text("\n".join(QUIET) + "\n")
    cmd = [sys.executable, str(KDIR / "splat.py"), str(log)]
    assert subprocess.run(cmd, capture_output=True).returncode == 0
    log.write_text("\n".join(QUIET + REPORTS[:1]) + "\n")
    p = subprocess.run(cmd, capture_output=True, text=True)
    assert p.returncode == 1 and p.stdout == REPORTS[0] + "\n"


def test_skip_budget(tmp_path):
    budget = skips.rules()
    slow = "slow: IPVL_SLOW=1/2, another kernel runs it"
    faults = "tests/kernel/test_robust_faults.py::test_fail_nth"
    assert skips.allowed("6.12.117+deb12-amd64", "tests/kernel/test_l3.py::t",
                         slow, budget)
    assert not skips.allowed("6.1-ipvl-debug", "tests/kernel/test_l3.py::t",
                             slow, budget)
    assert skips.allowed("6.1.0-57-amd64", faults,
                         "no fail-nth/failslab (not the debug kernel)", budget)
    assert not skips.allowed("6.1.158-ipvl-debug", faults,
                             "no fail-nth/failslab (not the debug kernel)",
                             budget)
    assert not skips.allowed("6.1.0-57-amd64", "tests/kernel/test_00_family.py"
                             "::test_info_ynl_agrees", "ynl not found", budget)
    rec = tmp_path / "skips.txt"
    rec.write_text(f"tests/kernel/test_l3.py::t\t{slow}\n")
    cmd = [sys.executable, str(KDIR / "skips.py")]
    assert subprocess.run(cmd + ["6.1.0-57-amd64", str(rec)],
                          capture_output=True).returncode == 0
    p = subprocess.run(cmd + ["6.1.158-ipvl-debug", str(rec),
                              str(tmp_path / "missing")],
                       capture_output=True, text=True)
    assert p.returncode == 1
    assert "not allowed: tests/kernel/test_l3.py::t" in p.stdout
    assert "no " + str(tmp_path / "missing") in p.stdout
