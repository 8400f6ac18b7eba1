"""Fault injection (debug kernel): every mutating command is sent with
fail-nth = 1, 2, ... (the N-th slab allocation of the sending thread fails,
counted from the sendmsg) until a run completes without a fault. Each run
must answer with a clean error or success; after an error the kernel's
ports, links, bindings and the netdevs of every namespace involved are
exactly as before; after a success exactly as after a run without faults.
When the fault hits the ack itself (the socket then reports ENOBUFS), the
state is one of the two. Afterwards kmemleak finds nothing involving ipvl.
"""
import errno
import os
import re
import socket
import time

import pytest

from conftest import DEBUG_KERNEL, FAILNTH, FAILSLAB, KMEMLEAK, sh
import ipvlnl as nl

C = nl.C
LIMIT = 3000            # injection points per command before we give up

# on the debug kernel, missing files fail the session (conftest.py)
pytestmark = pytest.mark.skipif(
    not DEBUG_KERNEL, reason="no fail-nth/failslab (not the debug kernel)")

M0, M1 = "fim0", "fim1"          # masters (dummy)
NS1, NS2 = "fin1", "fin2"
L1, L2, L3 = "fil1", "fil2", "fil3"
A1, A1b, A2 = "10.55.0.1", "fd55::1", "10.55.0.2"


def port(name, mode=None, flags=None, spoof=None, force=False):
    p = nl.nla_str(C["IPVL_A_PORT_IFNAME"], name)
    if mode is not None:
        p += nl.nla_u32(C["IPVL_A_PORT_MODE"], mode)
    if flags is not None:
        p += nl.nla_u32(C["IPVL_A_PORT_FLAGS"], flags)
    if spoof is not None:
        p += nl.nla_u8(C["IPVL_A_PORT_SPOOF_CHECK"], spoof)
    if force:
        p += nl.nla(C["IPVL_A_PORT_FORCE"], b"")
    return p


def link(name, master=None, fd=None, mtu=None):
    p = nl.nla_str(C["IPVL_A_LINK_IFNAME"], name)
    if master:
        p += nl.nla_str(C["IPVL_A_LINK_PORT_IFNAME"], master)
    if fd is not None:
        p += nl.nla_u32(C["IPVL_A_LINK_NETNS_FD"], fd)
    if mtu:
        p += nl.nla_u32(C["IPVL_A_LINK_MTU"], mtu)
    return p


def addr(lname, a):
    return nl.nla_str(C["IPVL_A_ADDR_LINK_IFNAME"], lname) + nl.addr_attrs(a)


def replace(lname, addrs):
    return nl.nla_str(C["IPVL_A_ADDR_LINK_IFNAME"], lname) + b"".join(
        nl.nla_nest(C["IPVL_A_ADDR_LIST"], nl.addr_attrs(a)) for a in addrs)


class World:
    """Two dummy masters, two namespaces, a port with two links."""

    def __init__(self):
        self.g = nl.Genl(timeout=120)
        self.g.resolve()
        for ns in (NS1, NS2):
            sh(f"ip netns del {ns}", check=False)
            sh(f"ip netns add {ns}")
        for m in (M0, M1):
            sh(f"ip link del {m}", check=False)
            sh(f"ip link add {m} type dummy")
            sh(f"ip link set {m} up")
        self.fds = {ns: os.open("/run/netns/" + ns, os.O_RDONLY)
                    for ns in (NS1, NS2)}
        self.rt = {None: None}
        for ns in (NS1, NS2):
            self.rt[ns] = nl.socket_in_netns(ns)
        self.build()

    def req(self, cmd, payload):
        return self.g.request(C[cmd], payload, op=cmd)

    def build(self):
        """The base state: port on M0 (l3), L1 in NS1 with A1 and A1b,
        L2 here with A2; M1 without a port."""
        self.req("IPVL_CMD_PORT_NEW", port(M0, 1))
        self.req("IPVL_CMD_LINK_NEW", link(L1, M0, self.fds[NS1]))
        self.req("IPVL_CMD_LINK_NEW", link(L2, M0))
        self.req("IPVL_CMD_ADDR_NEW", addr(L1, A1))
        self.req("IPVL_CMD_ADDR_NEW", addr(L1, A1b))
        self.req("IPVL_CMD_ADDR_NEW", addr(L2, A2))

    def state(self, ids=True):
        s = nl.snapshot(self.g, ids=ids)
        s["netdevs"] = tuple(frozenset(nl.netdev_names(self.rt[ns]))
                             for ns in (None, NS1, NS2))
        return s

    def close(self):
        for m in (M0, M1):
            sh(f"ip link del {m}", check=False)
        for s in self.rt.values():
            if s:
                s.close()
        for fd in self.fds.values():
            os.close(fd)
        for ns in (NS1, NS2):
            sh(f"ip netns del {ns}", check=False)
        self.g.close()


def norm(s):
    """A state without link ids (undoing a link-del makes a new id)."""
    out = dict(s)
    out["links"] = frozenset((0,) + l[1:] for l in s["links"])
    out["addrs"] = frozenset((a[0], 0) + a[2:] for a in s["addrs"])
    return out


class Injector:
    """Sends one request with fail-nth armed in this very thread."""

    def __init__(self, g):
        self.g = g
        self.fd = os.open(str(FAILNTH), os.O_RDWR)

    def close(self):
        os.close(self.fd)

    def run(self, n, cmd, payload):
        """(outcome, fired): outcome is "ok", an errno, or "lost" (the
        answer could not be allocated: ENOBUFS on the socket)."""
        g = self.g
        seq = g.next_seq()
        msg = nl.Genl.build(g.family_id, C[cmd], payload,
                            nl.NLM_F_REQUEST | nl.NLM_F_ACK, seq)
        arm = b"%d" % n
        send = g.s.send
        fd = self.fd
        # nothing but these two system calls between arming and sending
        os.write(fd, arm)
        try:
            send(msg)
            sent = None
        except OSError as e:
            sent = e.errno
        left = int(os.pread(fd, 32, 0).strip() or b"0")
        os.write(fd, b"0")
        fired = left == 0
        if sent is not None:
            return sent, fired
        try:
            _, end = g.collect(seq)
        except OSError as e:
            if e.errno != errno.ENOBUFS:
                raise
            return "lost", fired
        return (end.error() or "ok"), fired


COMMANDS = [
    # name, request, undo (after a success), precondition
    ("port-new", "IPVL_CMD_PORT_NEW", lambda w: port(M1, 2, 1, 0),
     lambda w: w.req("IPVL_CMD_PORT_DEL", port(M1))),
    ("port-set", "IPVL_CMD_PORT_SET", lambda w: port(M0, 0, 2, 0),
     lambda w: w.req("IPVL_CMD_PORT_SET", port(M0, 1, 0, 1))),
    ("port-del-force", "IPVL_CMD_PORT_DEL", lambda w: port(M0, force=True),
     lambda w: w.build()),
    ("link-new", "IPVL_CMD_LINK_NEW",
     lambda w: link(L3, M0, w.fds[NS2], 1400),
     lambda w: w.req("IPVL_CMD_LINK_DEL", link(L3))),
    ("link-del", "IPVL_CMD_LINK_DEL", lambda w: link(L1),
     lambda w: (w.req("IPVL_CMD_LINK_NEW", link(L1, M0, w.fds[NS1])),
                w.req("IPVL_CMD_ADDR_NEW", addr(L1, A1)),
                w.req("IPVL_CMD_ADDR_NEW", addr(L1, A1b)))),
    ("addr-new", "IPVL_CMD_ADDR_NEW", lambda w: addr(L2, "fd55::7"),
     lambda w: w.req("IPVL_CMD_ADDR_DEL", addr(L2, "fd55::7"))),
    ("addr-del", "IPVL_CMD_ADDR_DEL", lambda w: addr(L1, A1),
     lambda w: w.req("IPVL_CMD_ADDR_NEW", addr(L1, A1))),
    ("addr-replace", "IPVL_CMD_ADDR_REPLACE",
     lambda w: replace(L1, [A1, "10.55.0.9", "fd55::9"]),
     lambda w: w.req("IPVL_CMD_ADDR_REPLACE", replace(L1, [A1, A1b]))),
]


def kmemleak_ipvl():
    """Unreferenced objects involving ipvl, after two scans."""
    time.sleep(6)
    KMEMLEAK.write_text("scan")
    KMEMLEAK.write_text("scan")
    blocks = re.split(r"(?m)^(?=unreferenced object)", KMEMLEAK.read_text())
    return [b for b in blocks if b.startswith("unreferenced") and
            ("[ipvl]" in b or " ipvl_" in b)]


@pytest.fixture
def world(ipvl):
    (FAILSLAB / "ignore-gfp-wait").write_text("N")
    (FAILSLAB / "verbose").write_text("0")
    w = World()
    yield w
    w.close()


def test_fail_nth_sweep(world, report):
    w = world
    inj = Injector(w.g)
    totals = {}
    outcomes = {}
    problems = []
    t0 = time.monotonic()
    try:
        for name, cmd, request, undo in COMMANDS:
            base = w.state()
            w.req(cmd, request(w))                      # no fault
            success = norm(w.state())
            assert success != norm(base), f"{name} changed nothing"
            undo(w)
            assert norm(w.state()) == norm(base), f"{name}: undo failed"
            points = 0
            for n in range(1, LIMIT + 1):
                pre = w.state()
                out, fired = inj.run(n, cmd, request(w))
                post = w.state()
                key = out if isinstance(out, str) else nl.errname(out)
                outcomes.setdefault(name, {}).setdefault(key, 0)
                outcomes[name][key] += 1
                if out == "ok":
                    if norm(post) != success:
                        problems.append(f"{name} fail-nth {n}: acked, but "
                                        f"the state is not the success state"
                                        f": {diff(success, norm(post))}")
                elif out == "lost":
                    if post != pre and norm(post) != success:
                        problems.append(f"{name} fail-nth {n}: answer lost"
                                        f", state neither before nor after"
                                        f": {diff(norm(pre), norm(post))}")
                elif post != pre:
                    problems.append(f"{name} fail-nth {n}: "
                                    f"{nl.errname(out)}, but the state "
                                    f"changed: {diff(pre, post)}")
                if norm(post) != norm(pre):
                    undo(w)
                    if norm(w.state()) != norm(pre):
                        problems.append(f"{name} fail-nth {n}: cannot "
                                        "restore the state")
                        break
                if not fired:
                    if out != "ok":
                        problems.append(f"{name}: failed without a fault "
                                        f"({out})")
                    break
                points += 1
            else:
                problems.append(f"{name}: still faulting after {LIMIT}")
            totals[name] = points
            if len(problems) > 20:
                break
    finally:
        inj.close()
    n_points = sum(totals.values())
    report("fail-nth: %d commands x %d injection points in total (%s); "
           "%.0f s" % (len(totals), n_points, ", ".join(
               "%s %d" % kv for kv in totals.items()), time.monotonic() - t0))
    report("fail-nth outcomes: " + "; ".join(
        "%s: %s" % (n, ", ".join("%s %d" % kv for kv in sorted(o.items())))
        for n, o in outcomes.items()))
    assert not problems, "\n".join(problems)
    if KMEMLEAK.exists():
        leaks = kmemleak_ipvl()
        assert not leaks, "leaks after fault injection:\n" + \
            "".join(leaks)[:8000]


def diff(a, b):
    out = []
    for k in a:
        if a[k] != b[k]:
            if isinstance(a[k], frozenset):
                out.append(f"{k}: -{sorted(a[k] - b[k])} +{sorted(b[k] - a[k])}")
            else:
                out.append(f"{k}: {a[k]} -> {b[k]}")
    return "; ".join(out)
