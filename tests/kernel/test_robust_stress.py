"""Lifecycle stress with traffic flowing: for IPVL_STRESS_SECONDS (30),
while pings and iperf3 run through the port and AF_PACKET senders with
PACKET_QDISC_BYPASS inject frames (good, spoofed, truncated, ARP, ND,
multicast, junk) on the links, concurrently: bind and unbind the same
addresses on two links, set links up and down, add and delete links, move
links between namespaces, delete namespaces holding links, change the
port's mode and flags, delete the master and build everything again.

Afterwards: no splat (conftest), no ipvl object or netdev left, the module
refcount is back to zero, rmmod succeeds, and on the debug kernel kmemleak
finds nothing involving ipvl.
"""
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import DEBUG_KERNEL, load_module, module_loaded, run_seed, sh
import ipvlnl as nl

C = nl.C
SECONDS = float(os.environ.get("IPVL_STRESS_SECONDS", "30"))

M, PEER = "sm0", "so0"            # master (veth), its peer outside
M2 = "sm1"                        # a second master (dummy)
OUT, C1, C2 = "sout", "sc1", "sc2"
SPARE = ["sd1", "sd2"]            # namespaces that get deleted
L1, L2 = "sl1", "sl2"             # the links with traffic
A1, A2 = "10.7.0.11", "10.7.0.12"
B1, B2 = "fd07::11", "fd07::12"
SHARED = ["10.7.0.50", "10.7.0.51", "fd07::50", "fd07::51"]
EXTRA = ["sx%d" % i for i in range(4)]

SENDER = r'''
import random, socket, struct, sys, time
ifname, src, peer, dur = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
SOL_PACKET, PACKET_QDISC_BYPASS = 263, 20

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff

def ip4(s, d, payload, proto=17):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64,
                    proto, 0, socket.inet_aton(s), socket.inet_aton(d))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload

def udp(payload=b"x" * 32):
    return struct.pack("!HHHH", 40000, 9, 8 + len(payload), 0) + payload

def frames(mac):
    bc = b"\xff" * 6
    e4 = mac + mac + b"\x08\x00"
    yield e4 + ip4(src, "10.0.0.1", udp())             # out
    yield e4 + ip4(src, peer, udp())                    # to the other link
    yield e4 + ip4("10.7.0.99", "10.0.0.1", udp())     # spoofed
    yield e4 + b"\x45\x00\x00"                          # truncated IPv4
    yield e4[:10]                                       # runt
    yield mac + mac + b"\x86\xdd" + b"\x60" + b"\0" * 20  # truncated IPv6
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, mac,
                      socket.inet_aton(src), b"\0" * 6, socket.inet_aton(peer))
    yield bc + mac + b"\x08\x06" + arp                   # ARP request
    mc = b"\x01\x00\x5e\x00\x00\xfb"
    yield mc + mac + b"\x08\x00" + ip4(src, "224.0.0.251", udp())
    yield bc + mac + b"\x88\xb5" + bytes(random.getrandbits(8) for _ in range(46))
    na = struct.pack("!BBHI16s", 136, 0, 0, 0x20000000,
                     socket.inet_pton(socket.AF_INET6, "fd07::11"))
    v6 = struct.pack("!IHBB16s16s", 0x60000000, len(na), 58, 255,
                     socket.inet_pton(socket.AF_INET6, "fd07::99"),
                     socket.inet_pton(socket.AF_INET6, "ff02::1"))
    yield b"\x33\x33\x00\x00\x00\x01" + mac + b"\x86\xdd" + v6 + na
    # the same NA behind a destination options header
    v6x = v6[:4] + struct.pack("!HBB", 8 + len(na), 60, 255) + v6[8:]
    yield (b"\x33\x33\x00\x00\x00\x01" + mac + b"\x86\xdd" + v6x +
           struct.pack("!BBBB4x", 58, 0, 1, 4) + na)
    # 802.1Q-tagged, and from a forged source MAC
    yield bc + mac + b"\x81\x00\x00\x64\x08\x00" + ip4(src, "10.0.0.1", udp())
    yield e4[:6] + b"\x02\x00\x5e\x00\x53\x01" + b"\x08\x00" + \
        ip4(src, "10.0.0.1", udp())

import errno
n = errs = 0
s = None
end = time.time() + dur
while time.time() < end:
    try:
        if s is None:
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
            s.setsockopt(SOL_PACKET, PACKET_QDISC_BYPASS, 1)
            s.bind((ifname, 0))
            mac = s.getsockname()[4]
            fs = list(frames(mac))
        for f in fs:
            try:
                s.send(f)
                n += 1
            except OSError as e:
                errs += 1
                if e.errno in (errno.ENXIO, errno.ENODEV, errno.ENETDOWN):
                    raise
        time.sleep(0.002)
    except OSError:
        # the link is down, gone or elsewhere: find it again
        if s is not None:
            s.close()
        s = None
        time.sleep(0.05)
print(n, errs)
'''


class Stress:
    def __init__(self, seconds, seed):
        self.seconds = seconds
        self.rnd = random.Random(seed)
        self.seed = seed
        self.stop = threading.Event()
        self.lock = threading.Lock()      # the rebuild excludes the others
        self.clock = threading.Lock()
        self.counts = {}
        self.errors = []
        self.procs = []

    # -- plumbing ----------------------------------------------------------

    def count(self, what):
        with self.clock:
            self.counts[what] = self.counts.get(what, 0) + 1

    def genl(self, g, cmd, payload):
        try:
            g.request(C[cmd], payload)
            return True
        except nl.NlError:
            return False

    def quiet(self, cmd):
        return subprocess.run(cmd, shell=True, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL,
                              timeout=120).returncode == 0

    def ns_fd(self, ns):
        try:
            return os.open("/run/netns/" + ns, os.O_RDONLY)
        except OSError:
            return None

    # -- the topology --------------------------------------------------------

    def build(self, g):
        """veth master M (peer in OUT), port l3, L1 in C1 and L2 in C2 with
        their addresses bound and configured inside; M2 with a port."""
        q = self.quiet
        q(f"ip link add {M} type veth peer name {PEER} netns {OUT}")
        q(f"ip addr add 10.0.0.2/24 dev {M}")
        q(f"ip addr add fd00:7::2/64 dev {M} nodad")
        q(f"ip link set {M} up")
        o = f"ip -n {OUT}"
        q(f"{o} addr add 10.0.0.1/24 dev {PEER}")
        q(f"{o} addr add fd00:7::1/64 dev {PEER} nodad")
        q(f"{o} link set {PEER} up")
        q(f"{o} route add 10.7.0.0/24 via 10.0.0.2")
        q(f"{o} -6 route add fd07::/64 via fd00:7::2")
        self.genl(g, "IPVL_CMD_PORT_NEW",
                  nl.nla_str(C["IPVL_A_PORT_IFNAME"], M) +
                  nl.nla_u32(C["IPVL_A_PORT_MODE"], 1))
        for name, ns, v4, v6 in ((L1, C1, A1, B1), (L2, C2, A2, B2)):
            fd = self.ns_fd(ns)
            self.genl(g, "IPVL_CMD_LINK_NEW",
                      nl.nla_str(C["IPVL_A_LINK_IFNAME"], name) +
                      nl.nla_str(C["IPVL_A_LINK_PORT_IFNAME"], M) +
                      nl.nla_u32(C["IPVL_A_LINK_NETNS_FD"], fd))
            os.close(fd)
            for a in (v4, v6):
                self.genl(g, "IPVL_CMD_ADDR_NEW",
                          nl.nla_str(C["IPVL_A_ADDR_LINK_IFNAME"], name) +
                          nl.addr_attrs(a))
            i = f"ip -n {ns}"
            q(f"{i} link set {name} up")
            q(f"{i} addr add {v4}/32 dev {name}")
            q(f"{i} addr add {v6}/128 dev {name} nodad")
            q(f"{i} route add default dev {name}")
            q(f"{i} -6 route add default dev {name}")
        q(f"ip link add {M2} type dummy")
        q(f"ip link set {M2} up")
        self.genl(g, "IPVL_CMD_PORT_NEW",
                  nl.nla_str(C["IPVL_A_PORT_IFNAME"], M2) +
                  nl.nla_u32(C["IPVL_A_PORT_MODE"], 0))

    def setup(self):
        for ns in [OUT, C1, C2] + SPARE:
            sh(f"ip netns del {ns}", check=False)
            sh(f"ip netns add {ns}")
            sh(f"ip -n {ns} link set lo up")
        with nl.Genl(timeout=120) as g:
            self.build(g)

    # -- traffic ---------------------------------------------------------------

    def start_traffic(self):
        d = int(self.seconds) + 5
        cmds = [
            f"ip netns exec {OUT} ping -q -i 0.01 -w {d} {A1}",
            f"ip netns exec {OUT} ping -q -i 0.01 -w {d} {A2}",
            f"ip netns exec {OUT} ping -6 -q -i 0.01 -w {d} {B1}",
            f"ip netns exec {C1} ping -q -i 0.01 -w {d} {A2}",
            f"ip netns exec {C2} ping -q -i 0.02 -s 1400 -w {d} 10.0.0.1",
        ]
        for c in cmds:
            self.procs.append(subprocess.Popen(
                c, shell=True, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL))
        for name, ns, src, peer in ((L1, C1, A1, A2), (L2, C2, A2, A1)):
            self.procs.append(subprocess.Popen(
                ["ip", "netns", "exec", ns, sys.executable, "-c", SENDER,
                 name, src, peer, str(self.seconds)],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                text=True))

    def iperf(self):
        while not self.stop.is_set():
            srv = subprocess.Popen(
                ["ip", "netns", "exec", C2, "iperf3", "-s", "-1", "-p",
                 "5301"], stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL)
            time.sleep(0.5)
            ok = self.quiet(f"ip netns exec {OUT} iperf3 -c {A2} -p 5301 "
                            "-t 3 --connect-timeout 2000")
            self.count("iperf-ok" if ok else "iperf-failed")
            srv.kill()
            srv.wait()

    # -- the actors ------------------------------------------------------------

    def actor(self, name, fn, pause):
        rnd = random.Random("%s/%s" % (self.seed, name))
        g = nl.Genl(timeout=120)
        try:
            while not self.stop.is_set():
                with self.lock:
                    pass                 # wait while a rebuild runs
                fn(g, rnd)
                self.count(name)
                time.sleep(pause * rnd.random())
        except Exception as e:                          # noqa: BLE001
            self.errors.append("%s: %r" % (name, e))
        finally:
            g.close()

    def binder(self, link):
        def fn(g, rnd):
            a = rnd.choice(SHARED)
            cmd = rnd.choice(["IPVL_CMD_ADDR_NEW", "IPVL_CMD_ADDR_NEW",
                              "IPVL_CMD_ADDR_DEL"])
            if rnd.random() < 0.15:
                p = nl.nla_str(C["IPVL_A_ADDR_LINK_IFNAME"], link)
                for x in [A1 if link == L1 else A2,
                          B1 if link == L1 else B2] + rnd.sample(SHARED, 2):
                    p += nl.nla_nest(C["IPVL_A_ADDR_LIST"], nl.addr_attrs(x))
                self.genl(g, "IPVL_CMD_ADDR_REPLACE", p)
                return
            self.genl(g, cmd, nl.nla_str(C["IPVL_A_ADDR_LINK_IFNAME"], link)
                      + nl.addr_attrs(a))
        return fn

    def updown(self, g, rnd):
        link, ns = rnd.choice([(L1, C1), (L2, C2)])
        self.quiet(f"ip -n {ns} link set {link} down")
        time.sleep(0.1 * rnd.random())
        self.quiet(f"ip -n {ns} link set {link} up")
        self.quiet(f"ip -n {ns} route replace default dev {link}")

    def links(self, g, rnd):
        name = rnd.choice(EXTRA)
        if rnd.random() < 0.5:
            p = nl.nla_str(C["IPVL_A_LINK_IFNAME"], name) + \
                nl.nla_str(C["IPVL_A_LINK_PORT_IFNAME"], rnd.choice([M, M2]))
            ns = rnd.choice([None] + SPARE + [C1])
            fd = self.ns_fd(ns) if ns else None
            if fd is not None:
                p += nl.nla_u32(C["IPVL_A_LINK_NETNS_FD"], fd)
            self.genl(g, "IPVL_CMD_LINK_NEW", p)
            if fd is not None:
                os.close(fd)
            self.genl(g, "IPVL_CMD_ADDR_NEW",
                      nl.nla_str(C["IPVL_A_ADDR_LINK_IFNAME"], name) +
                      nl.addr_attrs("10.7.1.%d" % rnd.randint(1, 20)))
        else:
            self.genl(g, "IPVL_CMD_LINK_DEL",
                      nl.nla_str(C["IPVL_A_LINK_IFNAME"], name))

    def mover(self, g, rnd):
        name = rnd.choice(EXTRA + [L1, L2])
        dst = rnd.choice([C1, C2] + SPARE + ["1"])
        src = self.where(name)
        if src != "missing":
            pre = f"ip -n {src} " if src else "ip "
            if self.quiet(f"{pre}link set {name} netns {dst}"):
                self.count("moved")
        if name in (L1, L2):
            # bring the traffic link home again
            home = C1 if name == L1 else C2
            d = "" if dst == "1" else f"-n {dst} "
            self.quiet(f"ip {d}link set {name} netns {home}")
            v4, v6 = (A1, B1) if name == L1 else (A2, B2)
            i = f"ip -n {home}"
            self.quiet(f"{i} link set {name} up && {i} addr add {v4}/32 dev "
                       f"{name} && {i} addr add {v6}/128 dev {name} nodad && "
                       f"{i} route replace default dev {name}")

    @staticmethod
    def where(name):
        """The namespace a netdev is in (None: here), or "missing"."""
        if name in nl.netdev_names():
            return None
        for ns in [C1, C2] + SPARE:
            try:
                with nl.socket_in_netns(ns) as sock:
                    if name in nl.netdev_names(sock):
                        return ns
            except OSError:
                pass
        return "missing"

    def netns_killer(self, g, rnd):
        ns = rnd.choice(SPARE)
        if self.quiet(f"ip netns del {ns}"):
            self.count("netns-deleted")
        self.quiet(f"ip netns add {ns}")

    def porter(self, g, rnd):
        p = nl.nla_str(C["IPVL_A_PORT_IFNAME"], rnd.choice([M, M, M2]))
        p += nl.nla_u32(C["IPVL_A_PORT_MODE"], rnd.choice([0, 1, 1, 2]))
        p += nl.nla_u32(C["IPVL_A_PORT_FLAGS"], rnd.choice([0, 0, 1, 2]))
        p += nl.nla_u8(C["IPVL_A_PORT_SPOOF_CHECK"], rnd.randint(0, 1))
        self.genl(g, "IPVL_CMD_PORT_SET", p)

    def master_killer(self, g, rnd):
        time.sleep(self.seconds / 4 * (0.5 + rnd.random()))
        if self.stop.is_set():
            return
        with self.lock:
            victim = rnd.choice([M, M2])
            self.quiet(f"ip link del {victim}")
            self.count("master-deleted")
            time.sleep(0.5)
            if victim == M:
                self.quiet(f"ip link del {M2}")
            self.build(g)

    # -- run ---------------------------------------------------------------------

    def run(self):
        self.start_traffic()
        actors = [("bind-" + L1, self.binder(L1), 0.05),
                  ("bind-" + L2, self.binder(L2), 0.05),
                  ("updown", self.updown, 0.5),
                  ("links", self.links, 0.2),
                  ("mover", self.mover, 0.3),
                  ("netns-killer", self.netns_killer, 2.0),
                  ("port-set", self.porter, 1.0),
                  ("master-killer", self.master_killer, 0)]
        threads = [threading.Thread(target=self.actor, args=a, daemon=True)
                   for a in actors]
        threads.append(threading.Thread(target=self.iperf, daemon=True))
        for t in threads:
            t.start()
        time.sleep(self.seconds)
        self.stop.set()
        for t in threads:
            t.join(180)
            if t.is_alive():
                nl.blocked_tasks()
                self.errors.append("an actor is still blocked 180 s after "
                                   "the end (sysrq-w on the console)")
        sent = []
        for p in self.procs:
            try:
                out, _ = p.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
                out, _ = p.communicate()
            if out:
                sent.append(out.strip())
        return sent

    def teardown(self):
        for m in (M, M2):
            sh(f"ip link del {m}", check=False)
        for ns in [OUT, C1, C2] + SPARE:
            sh(f"ip netns del {ns}", check=False)
        for name in EXTRA + [L1, L2]:
            sh(f"ip link del {name}", check=False)


def ipvl_netdevs():
    """ipvl netdevs in this namespace and every named one."""
    out = sh("ip -o link show type ipvl", check=False).stdout
    out += sh("ip -all netns exec ip -o link show type ipvl",
              check=False).stdout
    return [l for l in out.splitlines() if ": " in l]


def test_lifecycle_stress(ipvl, report):
    if SECONDS <= 0:
        pytest.skip("IPVL_STRESS_SECONDS=0")
    seed = run_seed("IPVL_STRESS_SEED", 1)
    s = Stress(SECONDS, seed)
    t0 = time.monotonic()
    try:
        s.setup()
        sent = s.run()
    finally:
        s.teardown()
    # namespaces go away in a workqueue: wait for their links
    with nl.Genl(timeout=120) as g:
        for _ in range(600):
            left = nl.snapshot(g)
            if not any(left.values()):
                break
            time.sleep(0.1)
    devs = ipvl_netdevs()
    refcnt = nl.module_refcnt()
    report("stress: %.0f s, seed %d (IPVL_STRESS_SEED to rerun): %s; "
           "AF_PACKET frames sent/errors %s" % (
               time.monotonic() - t0, seed, ", ".join(
                   "%s %d" % kv for kv in sorted(s.counts.items())),
               " ".join(x.replace(" ", "/") for x in sent)))
    assert not s.errors, "\n".join(s.errors)
    assert not any(left.values()), "objects left: %s" % left
    assert not devs, "ipvl netdevs left: %s" % devs
    assert refcnt == 0, "module refcount %s" % refcnt
    if DEBUG_KERNEL:
        leaks = [b for b in nl.kmemleak_scan() if nl.involves_ipvl(b)]
        assert not leaks, "leaks:\n" + "".join(leaks)[:8000]
    try:
        p = subprocess.run(["rmmod", "ipvl"], capture_output=True,
                           text=True, timeout=180)
    except subprocess.TimeoutExpired:
        nl.blocked_tasks()
        raise AssertionError("rmmod ipvl hangs (sysrq-w on the console)")
    assert p.returncode == 0, p.stderr
    assert not module_loaded()
    load_module()
