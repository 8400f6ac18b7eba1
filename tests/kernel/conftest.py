"""Fixtures for the in-VM suite: the module, namespaces, topologies.

Runs as root inside the QEMU guest (tests/run-in-vm.sh). Every test is
followed by a check of the kernel log and the taint flags: any kernel
report (tests/kernel/splat.py) or new taint fails the test, and so do
kernel log records lost before they were read. The session ends with the
module unloaded and the same check over the whole kernel log.
"""
import json
import os
import random
import re
import shlex
import socket
import subprocess
import itertools
import time
from pathlib import Path

import pytest

import splat
from splat import SPLAT  # noqa: F401 (the one definition, in splat.py)

REPO = Path(__file__).resolve().parents[2]
CLI = str(REPO / "ipvlanctl" / "ipvlanctl")
YNL_DIR = Path(os.environ.get("IPVL_CACHE", "/var/cache/ipvlanctl")) / \
    "src/linux-source-6.12/tools/net/ynl"
SPEC = REPO / "genl" / "ipvl.yaml"

# ---- robustness tier (additions; no effect on the tests above) ----------

# The debug kernel (scripts/debug-kernel.sh), told by its release, has
# kmemleak and fail-nth; a missing file (debugfs not mounted, a config
# option lost) fails the session there instead of skipping what needs it.
KMEMLEAK = Path("/sys/kernel/debug/kmemleak")
FAILSLAB = Path("/sys/kernel/debug/failslab")
FAILNTH = Path("/proc/thread-self/fail-nth")
DEBUG_KERNEL = os.uname().release.endswith("-ipvl-debug")

# Lines for the "robustness" section of pytest's terminal summary (fuzzer
# seed and message count, fault injection totals, ...), also written to
# .vm/robust-ABI.txt by tests/run-in-vm.sh's caller.
ROBUST_REPORT = []


SO_TIMESTAMP = 29      # asm-generic/socket.h; Python does not name it


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: the big matrices and scale tests; IPVL_SLOW says "
        "where they run")


# Skipped with IPVL_SLOW=none too: modules that mostly test the CLI's and
# the library's logic (batch windows, idempotence, save/restore, the
# monitor's output) through kernel paths that the fuzzer and the fail-nth
# sweep already drive on the debug kernel.
SLOW_MODULES = {"test_batch.py", "test_cni.py", "test_idempotent.py",
                "test_monitor.py",
                "test_save_restore.py"}


def slow_share():
    """IPVL_SLOW: "all" (the default) runs the slow tests; "none" (the
    debug kernel) skips them and SLOW_MODULES; "K/N" runs every N-th slow
    test starting with the K-th (0-based), so that make check's N stock
    kernels share them out and each runs on one kernel."""
    v = os.environ.get("IPVL_SLOW") or "all"
    if v in ("all", "none"):
        return v
    m = re.fullmatch(r"(\d+)/(\d+)", v)
    if not m or not int(m[1]) < int(m[2]):
        raise pytest.UsageError(f"IPVL_SLOW={v}: all, none or K/N (K < N)")
    return int(m[1]), int(m[2])


# IPVL_PART splits a kernel's suite in two for two VMs side by side (the
# debug kernel's): "robust" is the robustness tier (test_robust_*) with
# the lifecycle, tenant and counter tests, so that both halves take about
# as long on the debug kernel; "functional" is the rest. Both end with the
# unload and kmemleak checks. Unset: the whole suite.
PART_ALWAYS = {"test_zz_unload.py", "test_zzz_kmemleak.py"}
PART_ROBUST = {"test_lifecycle.py", "test_stats.py", "test_tenant.py"}


def in_part(item, part):
    name = item.path.name
    if part is None or name in PART_ALWAYS:
        return True
    robust = name.startswith("test_robust_") or name in PART_ROBUST
    return robust == (part == "robust")


def pytest_collection_modifyitems(config, items):
    part = os.environ.get("IPVL_PART") or None
    if part not in (None, "robust", "functional"):
        raise pytest.UsageError(f"IPVL_PART={part}: robust or functional")
    if part:
        out = [item for item in items if not in_part(item, part)]
        items[:] = [item for item in items if in_part(item, part)]
        config.hook.pytest_deselected(items=out)
    share = slow_share()
    if share == "all":
        return
    if share == "none":
        skip = pytest.mark.skip(reason="slow: IPVL_SLOW=none")
        for item in items:
            if "slow" in item.keywords or item.path.name in SLOW_MODULES:
                item.add_marker(skip)
        return
    k, n = share
    skip = pytest.mark.skip(
        reason=f"slow: IPVL_SLOW={k}/{n}, another kernel runs it")
    slow = [item for item in items if "slow" in item.keywords]
    for i, item in enumerate(slow):
        if i % n != k:
            item.add_marker(skip)


# Every skip with its reason, written to $IPVL_SKIPS_OUT (tests/run-in-vm.sh
# sets it) at the end, one "NODEID<TAB>REASON" line each, for the skip
# budget (tests/kernel/skips.txt, checked by scripts/check-vm.sh).
SKIPS = []


def pytest_runtest_logreport(report):
    if not report.skipped or hasattr(report, "wasxfail"):
        return
    r = report.longrepr
    reason = r[2] if isinstance(r, tuple) else str(r)
    if reason.startswith("Skipped: "):
        reason = reason[len("Skipped: "):]
    SKIPS.append((report.nodeid, " ".join(reason.split())))


def pytest_sessionfinish(session):
    out = os.environ.get("IPVL_SKIPS_OUT")
    if out:
        Path(out).write_text("".join(f"{n}\t{r}\n" for n, r in SKIPS))


def pytest_terminal_summary(terminalreporter):
    if ROBUST_REPORT:
        terminalreporter.section("robustness")
        for line in ROBUST_REPORT:
            terminalreporter.write_line("robust: " + line)


def run_seed(var, default):
    """The seed of a randomized test: $var, else default (fixed, so that
    make check is reproducible); $var=random draws a new one (printed by
    the test for a rerun)."""
    v = os.environ.get(var) or str(default)
    if v == "random":
        return random.SystemRandom().randrange(1 << 31)
    return int(v)


@pytest.fixture
def report():
    """report(line): a line for the robustness summary."""
    return ROBUST_REPORT.append


def sh(cmd, check=True, timeout=120):
    """Run a shell command; return CompletedProcess (text)."""
    p = subprocess.run(cmd, shell=True, capture_output=True, text=True,
                       timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError(f"command failed ({p.returncode}): {cmd}\n"
                             f"stdout: {p.stdout}\nstderr: {p.stderr}")
    return p


def ctl(*args, ns=None, check=True):
    """Run ipvlanctl; args are words. ns runs it inside that netns."""
    argv = [CLI] + [str(a) for a in args]
    if ns:
        argv = ["ip", "netns", "exec", ns] + argv
    p = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if check and p.returncode != 0:
        raise AssertionError(f"ipvlanctl {' '.join(map(str, args))} -> "
                             f"{p.returncode}\n{p.stdout}{p.stderr}")
    return p


def ctl_json(*args, ns=None):
    p = ctl("-j", *args, ns=ns)
    return json.loads(p.stdout) if p.stdout.strip() else {}


# Under TCG, starting a process costs 0.1-0.4 s (more on the debug
# kernel): the helpers below give a topology's many ip(8) and ipvlanctl
# commands to one process each ("-batch -"), and the splat check reads
# /dev/kmsg itself instead of running dmesg(1) twice per test.

def run_lines(argv, lines, check=True):
    """Run argv with lines on its standard input."""
    p = subprocess.run(argv, input="\n".join(lines) + "\n",
                       capture_output=True, text=True, timeout=120)
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} -> {p.returncode}\n"
                             + "\n".join(lines) + f"\n{p.stdout}{p.stderr}")
    return p


def ipb(lines, ns=None, force=False, check=True):
    """ip [-n ns] [-force] -batch -: one ip(8) for many commands (lines
    without the leading "ip"; "-6" is not allowed, ::/0 is)."""
    argv = ["ip"] + (["-n", ns] if ns else []) + \
        (["-force"] if force else []) + ["-batch", "-"]
    return run_lines(argv, lines, check)


def ctl_batch(lines, check=True):
    """ipvlanctl -b -: many commands, one process."""
    return run_lines([CLI, "-b", "-"], lines, check)


def dmesg():
    """The whole kernel log; a failing dmesg(1) fails the caller instead of
    passing for an empty log."""
    p = sh("dmesg", check=False)
    if p.returncode != 0:
        raise AssertionError(f"dmesg failed ({p.returncode}): {p.stderr}")
    return p.stdout


class Kmsg:
    """The kernel log records written since this was created."""

    def __init__(self):
        self.fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK)
        os.lseek(self.fd, 0, os.SEEK_END)
        self.lost = 0   # times records were overwritten before being read

    def lines(self):
        """"[seconds] message" for every new record."""
        out = []
        while True:
            try:
                rec = os.read(self.fd, 16384)
            except BlockingIOError:
                break
            except BrokenPipeError:     # overwritten before it was read
                self.lost += 1
                out.append("[kmsg] (records lost)")
                continue
            if not rec:
                break
            head, _, text = rec.decode(errors="replace").partition(";")
            fields = head.split(",")
            usec = int(fields[2]) if len(fields) > 2 else 0
            # continuation lines (" KEY=value") follow the message
            out.append("[%12.6f] %s" % (usec / 1e6, text.split("\n")[0]))
        return out

    def close(self):
        os.close(self.fd)


def module_loaded(name="ipvl"):
    return Path(f"/sys/module/{name}").exists()


def load_module():
    if module_loaded():
        return
    ko = os.environ.get("IPVL_KO")
    if ko and Path(ko).exists():
        sh(f"insmod {shlex.quote(ko)}")
    else:
        sh("modprobe ipvl")


def unload_module(wait=60):
    """rmmod ipvl, once its reference count is 0 (namespaces that are
    still being dismantled may hold it for a moment); returns what went
    wrong, or None."""
    if not module_loaded():
        return None
    refcnt = Path("/sys/module/ipvl/refcnt")
    deadline = time.monotonic() + wait
    while int(refcnt.read_text()) != 0:
        if time.monotonic() > deadline:
            return (f"ipvl still has {refcnt.read_text().strip()} references "
                    f"after {wait} s:\n" + sh("lsmod", check=False).stdout)
        time.sleep(0.5)
    p = sh("rmmod ipvl", check=False)
    if p.returncode != 0 or module_loaded():
        return f"rmmod ipvl failed ({p.returncode}): {p.stderr.strip()}"
    return None


SESSION_MARK = "ipvl-tests: session start"


def taint_problem(before, what):
    """What is wrong with the taint bits set since before, or None."""
    after = splat.taint()
    bad = splat.bad_taint(before, after)
    if not bad:
        return None
    return (f"kernel tainted {what}: {splat.taint_letters(bad)} "
            f"({bad}; now {after}: {splat.taint_letters(after)})")


def check_taint(before, what):
    problem = taint_problem(before, what)
    assert not problem, problem


@pytest.fixture(scope="session", autouse=True)
def kernel_session():
    if DEBUG_KERNEL:
        missing = [str(p) for p in (KMEMLEAK, FAILSLAB, FAILNTH)
                   if not p.exists()]
        if missing:
            pytest.fail(f"the debug kernel {os.uname().release} has no "
                        f"{', '.join(missing)} (debugfs not mounted?)",
                        pytrace=False)
    taint0 = splat.taint()
    # dmesg must show this at the end: proof that it reads the log
    Path("/dev/kmsg").write_text(f"<6>{SESSION_MARK}\n")
    sh("modprobe veth; modprobe dummy; modprobe ipvlan; modprobe 8021q",
       check=False)
    sh("sysctl -qw net.ipv6.conf.all.accept_dad=0 "
       "net.ipv6.conf.default.accept_dad=0", check=False)
    # Keep the receive-timestamp static key (netstamp_needed_key) on for the
    # whole session. Every ping turns it on and off (SO_TIMESTAMP), which
    # live-patches the branch in netif_rx_internal; under TCG another vCPU
    # once ran into the patch's int3 ("Oops: int3", 6.12, in a veth
    # transmit from addrconf's DAD work) and the guest panicked.
    stamp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    stamp.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMP, 1)
    load_module()
    yield
    stamp.close()
    # the session ends as it began: no namespace of ours, ipvl unloaded
    if sh("ip netns list", check=False).stdout.strip():
        sh("ip -all netns delete", check=False)
    problems = [unload_module()]
    # the last word on splats and taint for the whole session
    try:
        log = dmesg().splitlines()
    except AssertionError as e:
        problems.append(str(e))
    else:
        if not any(SESSION_MARK in line for line in log):
            problems.append("dmesg does not show the session's start "
                            f"({SESSION_MARK!r}): records lost? Its end:\n"
                            + "\n".join(log[-20:]))
        found = splat.find(log)
        if found:
            problems.append("kernel splat during the session:\n"
                            + "\n".join(found))
    problems.append(taint_problem(taint0, "during the session"))
    problems = [p for p in problems if p]
    assert not problems, "\n\n".join(problems)


@pytest.fixture(autouse=True)
def no_splat(request):
    """Fail the test that caused a kernel splat, a new taint or lost
    kernel log records, with the log shown."""
    log = Kmsg()
    taint0 = splat.taint()
    yield
    lines = log.lines()
    log.close()
    shown = "\n".join(lines[-80:])
    assert not splat.find(lines), "kernel splat:\n" + shown
    assert not log.lost, ("kernel log records were lost before they were "
                          f"read ({log.lost} times): a report may be among "
                          "them\n" + shown)
    check_taint(taint0, "by the test")


@pytest.fixture
def ipvl():
    """The module is loaded (again, if a test removed it)."""
    load_module()
    yield


_ns_counter = itertools.count(1)


class Netns:
    """Network namespaces created by one test, deleted after it."""

    def __init__(self):
        self.names = []
        self.host_devs = []

    def add(self, prefix="n"):
        name = self.reserve(prefix)
        sh(f"ip netns add {name} && ip -n {name} link set lo up")
        return name

    def reserve(self, prefix="n"):
        """A name for a namespace the caller creates (and cleanup deletes)."""
        name = f"{prefix}{next(_ns_counter)}"
        self.names.append(name)
        return name

    def host_dev(self, name):
        self.host_devs.append(name)
        return name

    def cleanup(self):
        if self.host_devs or self.names:
            ipb([f"link del {d}" for d in self.host_devs] +
                [f"netns del {n}" for n in self.names],
                force=True, check=False)
        self.host_devs.clear()
        self.names.clear()


@pytest.fixture
def netns(ipvl):
    n = Netns()
    yield n
    n.cleanup()
    # ports left behind by a failed test must not leak into the next one
    for port in ctl_json("port", "show").get("ports", []):
        ctl("port", "del", port["ifname"], "force", check=False)


def ping(ns, addr, count=1, wait=2, src=None):
    """True when ns reaches addr (ns None: the host namespace)."""
    six = ":" in addr
    cmd = f"ping {'-6 ' if six else ''}-c {count} -W {wait} -q "
    if src:
        cmd += f"-I {src} "
    cmd += addr
    if ns:
        cmd = f"ip netns exec {ns} {cmd}"
    return sh(cmd, check=False).returncode == 0


class Topo:
    """An outside host and a master, joined by a veth pair.

    outside (netns)  o0: 10.0.0.1/24 fd00::1/64, routes to the link
                         subnets via the host
    host (this ns)   master: 10.0.0.2/24 fd00::2/64
    links            bound in 10.1.0.0/24 and fd01::/64, one netns each

    The namespaces of the first nlinks links are created with the rest, in
    the same ip -batch; add_ns() hands them out.
    """

    def __init__(self, netns, master, tag, nlinks=0):
        self.netns = netns
        self.tag = tag
        self.master = netns.host_dev(master)
        self.out = netns.reserve("out")
        self.spare = [netns.reserve("c") for _ in range(nlinks)]
        peer = f"o{tag}"
        m = self.master
        ipb([f"netns add {n}" for n in [self.out] + self.spare] + [
            f"link add name {m} type veth peer name {peer}",
            f"link set {peer} netns {self.out}",
            f"addr add 10.0.0.2/24 dev {m}",
            f"addr add fd00::2/64 dev {m} nodad",
            f"link set {m} up"])
        ipb(["link set lo up",
             f"addr add 10.0.0.1/24 dev {peer}",
             f"addr add fd00::1/64 dev {peer} nodad",
             f"link set {peer} up",
             "route add 10.1.0.0/24 via 10.0.0.2",
             "route add fd01::/64 via fd00::2"], ns=self.out)
        self.links = {}     # name -> (netns, v4, v6)

    def addrs(self, i):
        """The addresses of link i (1, 2, ...)."""
        return f"10.1.0.{10 + i}", f"fd01::{10 + i:x}"

    def add_ns(self):
        """A namespace for a link; its lo is set up by config_inside()."""
        if self.spare:
            return self.spare.pop(0)
        return self.netns.add("c")

    def inside(self, dev, v4, v6):
        """ip -batch lines of what a tenant does inside its namespace."""
        cmds = ["link set lo up", f"link set {dev} up"]
        if v4:
            cmds += [f"addr add {v4}/32 dev {dev}",
                     f"route add default dev {dev}"]
        if v6:
            cmds += [f"addr add {v6}/128 dev {dev} nodad",
                     f"route add ::/0 dev {dev}"]
        return cmds

    def config_inside(self, ns, dev, v4, v6):
        """What a tenant does inside its namespace."""
        ipb(self.inside(dev, v4, v6), ns=ns)


def topo_ipvl(netns, n=2, mode="l3", flag=None, tag="0", bind=True,
              topo=None, prefix="iv", master=None):
    """Our port on a fresh master with n links in n namespaces (the
    port, links and bindings made by one ipvlanctl -b)."""
    t = (topo or Topo)(netns, master or f"mst{tag}", tag, nlinks=n)
    cmds = [" ".join(["port add", t.master, "mode", mode] +
                     ([flag] if flag else []))]
    plan = []
    for i in range(1, n + 1):
        ns = t.add_ns()
        name = f"{prefix}{tag}x{i}"
        v4, v6 = t.addrs(i)
        cmds.append(f"link add {name} port {t.master} netns {ns}")
        if bind:
            cmds.append(f"addr bind {name} {v4} {v6}")
        plan.append((ns, name, v4, v6))
    ctl_batch(cmds)
    for ns, name, v4, v6 in plan:
        t.config_inside(ns, name, v4, v6)
        t.links[name] = (ns, v4, v6)
    return t


def topo_ipvlan(netns, n=2, mode="l3", flag=None, tag="1", topo=None):
    """The same topology with the in-tree ipvlan driver (addresses learned)."""
    t = (topo or Topo)(netns, f"r{tag}", tag, nlinks=n)
    cmds, plan = [], []
    for i in range(1, n + 1):
        ns = t.add_ns()
        name = f"rv{tag}x{i}"
        v4, v6 = t.addrs(i)
        cmds += [f"link add link {t.master} name {name} type ipvlan "
                 f"mode {mode}" + (f" {flag}" if flag else ""),
                 f"link set dev {name} netns {ns}"]
        plan.append((ns, name, v4, v6))
    ipb(cmds)
    for ns, name, v4, v6 in plan:
        t.config_inside(ns, name, v4, v6)
        t.links[name] = (ns, v4, v6)
    return t


def teardown_topo(t, ours):
    """Delete a topology now (not at the end of the test): everything of
    the test's Netns, which holds only this topology."""
    if ours:
        ctl("port", "del", t.master, "force")
    t.netns.cleanup()
