"""Fixtures for the in-VM suite: the module, namespaces, topologies.

Runs as root inside the QEMU guest (tests/run-in-vm.sh). Every test is
followed by a dmesg check: any kernel splat fails the run.
"""
import json
import os
import random
import re
import shlex
import subprocess
import itertools
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CLI = str(REPO / "ipvlanctl" / "ipvlanctl")
YNL_DIR = Path(os.environ.get("IPVL_CACHE", "/var/cache/ipvlanctl")) / \
    "src/linux-source-6.12/tools/net/ynl"
SPEC = REPO / "genl" / "ipvl.yaml"

# Lockdep's reports start with "WARNING:" (circular or recursive locking,
# inconsistent lock state, suspicious RCU usage) or "BUG:"; the bare word
# "lockdep" is not matched, since the stacks the kernel dumps for expected
# failures under fault injection have frames like lockdep_rtnl_is_held.
SPLAT = re.compile(r"WARNING:|BUG:|Oops|KASAN|UBSAN|possible recursive locking|"
                   r"circular locking|inconsistent lock state|"
                   r"locking correctness validator|"
                   r"refcount_t|RCU stall|rcu_sched self-detected|"
                   r"suspicious RCU usage|unregister_netdevice: waiting|"
                   r"general protection fault|Kernel panic|kmemleak")


# ---- robustness tier (additions; no effect on the tests above) ----------

# The debug kernel (scripts/debug-kernel.sh) has kmemleak and fail-nth.
KMEMLEAK = Path("/sys/kernel/debug/kmemleak")
DEBUG_KERNEL = KMEMLEAK.exists()

# Lines for the "robustness" section of pytest's terminal summary (fuzzer
# seed and message count, fault injection totals, ...), also written to
# .vm/robust-ABI.txt by tests/run-in-vm.sh's caller.
ROBUST_REPORT = []


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: skipped when IPVL_SKIP_SLOW=1 (the debug kernel)")


# Also skipped with IPVL_SKIP_SLOW=1: modules that mostly test the CLI's
# and the library's logic (batch windows, idempotence, save/restore, the
# monitor's output) through kernel paths that the fuzzer and the fail-nth
# sweep already drive on the debug kernel.
SLOW_MODULES = {"test_batch.py", "test_idempotent.py", "test_monitor.py",
                "test_save_restore.py"}


def pytest_collection_modifyitems(config, items):
    if os.environ.get("IPVL_SKIP_SLOW") != "1":
        return
    skip = pytest.mark.skip(reason="slow: IPVL_SKIP_SLOW=1")
    for item in items:
        if "slow" in item.keywords or item.path.name in SLOW_MODULES:
            item.add_marker(skip)


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


def dmesg():
    return sh("dmesg", check=False).stdout


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


@pytest.fixture(scope="session", autouse=True)
def kernel_session():
    sh("modprobe veth; modprobe dummy; modprobe ipvlan; modprobe 8021q",
       check=False)
    sh("sysctl -qw net.ipv6.conf.all.accept_dad=0 "
       "net.ipv6.conf.default.accept_dad=0", check=False)
    load_module()
    yield
    # the last word on splats for the whole session
    found = [l for l in dmesg().splitlines() if SPLAT.search(l)]
    assert not found, "kernel splat during the session:\n" + "\n".join(found)


@pytest.fixture(autouse=True)
def no_splat(request):
    """Fail the test that caused a kernel splat, with the splat shown."""
    before = len(dmesg().splitlines())
    yield
    lines = dmesg().splitlines()[before:]
    found = [l for l in lines if SPLAT.search(l)]
    assert not found, "kernel splat:\n" + "\n".join(lines[-80:])


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
        name = f"{prefix}{next(_ns_counter)}"
        sh(f"ip netns add {name}")
        sh(f"ip -n {name} link set lo up")
        self.names.append(name)
        return name

    def host_dev(self, name):
        self.host_devs.append(name)
        return name

    def cleanup(self):
        for d in self.host_devs:
            sh(f"ip link del {d}", check=False)
        for n in self.names:
            sh(f"ip netns del {n}", check=False)


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
    """

    def __init__(self, netns, master, tag):
        self.netns = netns
        self.tag = tag
        self.master = netns.host_dev(master)
        self.out = netns.add("out")
        peer = f"o{tag}"
        sh(f"ip link add name {self.master} type veth peer name {peer}")
        sh(f"ip link set {peer} netns {self.out}")
        sh(f"ip addr add 10.0.0.2/24 dev {self.master}")
        sh(f"ip addr add fd00::2/64 dev {self.master} nodad")
        sh(f"ip link set {self.master} up")
        o = f"ip -n {self.out}"
        sh(f"{o} addr add 10.0.0.1/24 dev {peer}")
        sh(f"{o} addr add fd00::1/64 dev {peer} nodad")
        sh(f"{o} link set {peer} up")
        sh(f"{o} route add 10.1.0.0/24 via 10.0.0.2")
        sh(f"{o} -6 route add fd01::/64 via fd00::2")
        self.links = {}     # name -> (netns, v4, v6)

    def add_ns(self):
        return self.netns.add("c")

    def config_inside(self, ns, dev, v4, v6):
        """What a tenant does inside its namespace."""
        sh(f"ip -n {ns} link set {dev} up")
        if v4:
            sh(f"ip -n {ns} addr add {v4}/32 dev {dev}")
            sh(f"ip -n {ns} route add default dev {dev}")
        if v6:
            sh(f"ip -n {ns} addr add {v6}/128 dev {dev} nodad")
            sh(f"ip -n {ns} -6 route add default dev {dev}")


def topo_ipvl(netns, n=2, mode="l3", flag=None, tag="0", bind=True):
    """Our port on a fresh master with n links in n namespaces."""
    t = Topo(netns, f"mst{tag}", tag)
    args = ["port", "add", t.master, "mode", mode]
    if flag:
        args.append(flag)
    ctl(*args)
    for i in range(1, n + 1):
        ns = t.add_ns()
        name = f"iv{tag}x{i}"
        v4, v6 = f"10.1.0.{10 + i}", f"fd01::{10 + i:x}"
        ctl("link", "add", name, "port", t.master, "netns", ns)
        if bind:
            ctl("addr", "bind", name, v4, v6)
        t.config_inside(ns, name, v4, v6)
        t.links[name] = (ns, v4, v6)
    return t


def topo_ipvlan(netns, n=2, mode="l3", flag=None, tag="1"):
    """The same topology with the in-tree ipvlan driver (addresses learned)."""
    t = Topo(netns, f"r{tag}", tag)
    for i in range(1, n + 1):
        ns = t.add_ns()
        name = f"rv{tag}x{i}"
        v4, v6 = f"10.1.0.{10 + i}", f"fd01::{10 + i:x}"
        sh(f"ip link add link {t.master} name {name} type ipvlan mode {mode}"
           + (f" {flag}" if flag else ""))
        sh(f"ip link set {name} netns {ns}")
        t.config_inside(ns, name, v4, v6)
        t.links[name] = (ns, v4, v6)
    return t
