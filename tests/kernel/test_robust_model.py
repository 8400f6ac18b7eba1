"""Model-based test (hypothesis stateful): random sequences of port
add/del/set, link add/del, address bind/unbind/replace, master deletes,
netns moves and netns deletes, each predicted by a Python model (result and
errno included), with the kernel's dumps compared to the model after every
step.

IPVL_MODEL_EXAMPLES / IPVL_MODEL_STEPS scale it (defaults 20 x 25, fewer on
the debug kernel); the run is derandomized (same sequence every time) unless
IPVL_MODEL_RANDOM=1.
"""
import errno
import os
import time

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.stateful import (RuleBasedStateMachine, initialize,  # noqa
                                 invariant, rule, run_state_machine_as_test)

from conftest import DEBUG_KERNEL, sh  # noqa: E402
import ipvlnl as nl  # noqa: E402

C = nl.C
MASTERS = ["hm0", "hm1"]
NETNS = ["hn0", "hn1"]
NSID = {None: None, "hn0": 100, "hn1": 101}
LINKS = ["hl0", "hl1", "hl2"]
GOOD = ["10.66.0.1", "10.66.0.2", "10.66.0.3", "fd66::1", "fd66::2"]
HOST = "10.66.9.1"                 # on lo: the host's
INVALID = ["224.0.0.9", "fe80::9", "127.0.0.5"]
ADDRS = GOOD + [HOST] + INVALID
MTU = 1500                         # dummy masters

ns_st = st.sampled_from([None] + NETNS)
OUTCOMES = {}          # "rule errno" -> count, for the report


class Model(RuleBasedStateMachine):
    """masters: names; ports {master: [mode, flags, spoof]}; netns: names;
    links {id: {"name", "master", "ns", "addrs": set()}}."""

    def __init__(self):
        super().__init__()
        self.g = nl.Genl(timeout=120)
        self.g.resolve()
        self.masters = set()
        self.ports = {}
        self.netns = set()
        self.links = {}
        self.steps = 0

    # ---- helpers ---------------------------------------------------------

    def req(self, cmd, payload):
        """errno of the request (0 on success) and its reply messages."""
        try:
            return 0, self.g.request(C[cmd], payload, op=cmd)
        except nl.NlError as e:
            return e.errno, []

    def expect(self, what, got, want):
        key = "%s %s" % (what.split()[0] + ("-" + what.split()[1]
                                            if what.split()[0] in ("port",
                                                                   "link")
                                            else ""),
                         nl.errname(want) if want else "OK")
        OUTCOMES[key] = OUTCOMES.get(key, 0) + 1
        assert got == want, "%s: kernel says %s, model expects %s" % (
            what, nl.errname(got) if got else "OK",
            nl.errname(want) if want else "OK")

    def resolve(self, ref):
        """A link reference as the kernel resolves it: (id, errno)."""
        kind, v = ref
        if kind == "id":
            return (v, 0) if v in self.links else (None, errno.ENODEV)
        hits = [i for i, l in self.links.items() if l["name"] == v]
        if len(hits) > 1:
            return None, errno.EINVAL
        if not hits:
            return None, errno.ENODEV
        return hits[0], 0

    def ref_attrs(self, ref, a_id, a_name):
        kind, v = ref
        if kind == "id":
            return nl.nla_u32(C[a_id], v)
        return nl.nla_str(C[a_name], v)

    def names_in(self, ns):
        """Device names of a namespace, as the model knows them."""
        names = {l["name"] for l in self.links.values() if l["ns"] == ns}
        if ns is None:
            names |= self.masters | {"lo"}
        else:
            names.add("lo")
        return names

    def drop_port(self, m):
        self.ports.pop(m, None)
        for i in [i for i, l in self.links.items() if l["master"] == m]:
            del self.links[i]

    def holder(self, master, a):
        for i, l in self.links.items():
            if l["master"] == master and a in l["addrs"]:
                return i
        return None

    def addr_check(self, a):
        if a in INVALID:
            return errno.EINVAL
        if a == HOST:
            return errno.EADDRNOTAVAIL
        return 0

    # ---- setup -----------------------------------------------------------

    @initialize()
    def setup(self):
        sh(f"ip addr add {HOST}/32 dev lo", check=False)
        for m in MASTERS:
            self._master_add(m)
        for ns in NETNS:
            self._netns_add(ns)
        # every sequence starts from a port with two links (one of them in
        # a namespace) and a binding, through the rules themselves, so
        # that short sequences change real objects too
        self.port_add(MASTERS[0], 1, 0, None)
        self.link_add(LINKS[0], MASTERS[0], None, None, False)
        self.link_add(LINKS[1], MASTERS[0], NETNS[0], None, False)
        lid = min(self.links)
        got, _ = self.req("IPVL_CMD_ADDR_NEW", nl.nla_u32(
            C["IPVL_A_ADDR_LINK_ID"], lid) + nl.addr_attrs(GOOD[0]))
        self.expect("bind %d %s" % (lid, GOOD[0]), got, 0)
        self.links[lid]["addrs"].add(GOOD[0])

    def _master_add(self, m):
        sh(f"ip link add {m} type dummy && ip link set {m} up")
        self.masters.add(m)

    def _netns_add(self, ns):
        sh(f"ip netns add {ns} && ip -n {ns} link set lo up")
        # the id of a namespace deleted just before is released by a
        # workqueue: retry until it is free
        for _ in range(200):
            if sh(f"ip netns set {ns} {NSID[ns]}", check=False).returncode \
                    == 0:
                break
            time.sleep(0.05)
        else:
            raise AssertionError(f"cannot set the nsid of {ns}")
        self.netns.add(ns)

    def teardown(self):
        for m in MASTERS:
            sh(f"ip link del {m}", check=False)
        for ns in NETNS:
            sh(f"ip netns del {ns}", check=False)
        sh(f"ip addr del {HOST}/32 dev lo", check=False)
        self.g.close()

    # ---- rules -------------------------------------------------------------

    @rule(m=st.sampled_from(MASTERS))
    def master_add(self, m):
        if m in self.masters:
            return
        self._master_add(m)

    @rule(m=st.sampled_from(MASTERS))
    def master_del(self, m):
        if m not in self.masters:
            return
        sh(f"ip link del {m}")
        self.masters.discard(m)
        self.drop_port(m)

    @rule(ns=st.sampled_from(NETNS))
    def netns_add(self, ns):
        if ns not in self.netns:
            self._netns_add(ns)

    @rule(ns=st.sampled_from(NETNS))
    def netns_del(self, ns):
        if ns not in self.netns:
            return
        sh(f"ip netns del {ns}")
        self.netns.discard(ns)
        for i in [i for i, l in self.links.items() if l["ns"] == ns]:
            del self.links[i]
        # the namespace goes away in a workqueue: wait for its links
        want = set(self.links)
        for _ in range(200):
            if {l["id"] for l in nl.dump_links(self.g)} == want:
                break
            time.sleep(0.05)

    @rule(m=st.sampled_from(MASTERS), mode=st.integers(0, 2),
          flags=st.sampled_from([0, 1, 2, 3]), spoof=st.sampled_from([None, 0, 1]))
    def port_add(self, m, mode, flags, spoof):
        p = nl.nla_str(C["IPVL_A_PORT_IFNAME"], m) + \
            nl.nla_u32(C["IPVL_A_PORT_MODE"], mode) + \
            nl.nla_u32(C["IPVL_A_PORT_FLAGS"], flags)
        if spoof is not None:
            p += nl.nla_u8(C["IPVL_A_PORT_SPOOF_CHECK"], spoof)
        got, _ = self.req("IPVL_CMD_PORT_NEW", p)
        if flags == 3:
            want = errno.EINVAL
        elif m not in self.masters:
            want = errno.ENODEV
        elif m in self.ports:
            want = errno.EEXIST
        else:
            want = 0
            self.ports[m] = [mode, flags, 1 if spoof is None else spoof]
        self.expect("port add %s" % m, got, want)

    @rule(m=st.sampled_from(MASTERS), force=st.booleans())
    def port_del(self, m, force):
        p = nl.nla_str(C["IPVL_A_PORT_IFNAME"], m)
        if force:
            p += nl.nla(C["IPVL_A_PORT_FORCE"], b"")
        got, _ = self.req("IPVL_CMD_PORT_DEL", p)
        nlinks = sum(1 for l in self.links.values() if l["master"] == m)
        if m not in self.masters:
            want = errno.ENODEV
        elif m not in self.ports:
            want = errno.ENOENT
        elif nlinks and not force:
            want = errno.EBUSY
        else:
            want = 0
            self.drop_port(m)
        self.expect("port del %s" % m, got, want)

    @rule(m=st.sampled_from(MASTERS), mode=st.sampled_from([None, 0, 1, 2]),
          flags=st.sampled_from([None, 0, 1, 2, 3]),
          spoof=st.sampled_from([None, 0, 1]))
    def port_set(self, m, mode, flags, spoof):
        p = nl.nla_str(C["IPVL_A_PORT_IFNAME"], m)
        if mode is not None:
            p += nl.nla_u32(C["IPVL_A_PORT_MODE"], mode)
        if flags is not None:
            p += nl.nla_u32(C["IPVL_A_PORT_FLAGS"], flags)
        if spoof is not None:
            p += nl.nla_u8(C["IPVL_A_PORT_SPOOF_CHECK"], spoof)
        got, _ = self.req("IPVL_CMD_PORT_SET", p)
        if flags == 3:
            want = errno.EINVAL
        elif m not in self.masters:
            want = errno.ENODEV
        elif m not in self.ports:
            want = errno.ENOENT
        else:
            want = 0
            for i, v in enumerate((mode, flags, spoof)):
                if v is not None:
                    self.ports[m][i] = v
        self.expect("port set %s" % m, got, want)

    @rule(name=st.sampled_from(LINKS), m=st.sampled_from(MASTERS), ns=ns_st,
          mtu=st.sampled_from([None, None, 1280, 9000]),
          exist_ok=st.booleans())
    def link_add(self, name, m, ns, mtu, exist_ok):
        p = nl.nla_str(C["IPVL_A_LINK_IFNAME"], name) + \
            nl.nla_str(C["IPVL_A_LINK_PORT_IFNAME"], m)
        fd = None
        if ns is not None:
            if ns not in self.netns:
                return
            fd = os.open("/run/netns/" + ns, os.O_RDONLY)
            p += nl.nla_u32(C["IPVL_A_LINK_NETNS_FD"], fd)
        if mtu:
            p += nl.nla_u32(C["IPVL_A_LINK_MTU"], mtu)
        if exist_ok:
            p += nl.nla(C["IPVL_A_LINK_EXIST_OK"], b"")
        try:
            got, msgs = self.req("IPVL_CMD_LINK_NEW", p)
        finally:
            if fd is not None:
                os.close(fd)
        same = [i for i, l in self.links.items()
                if l["name"] == name and l["ns"] == ns]
        if m not in self.masters:
            want = errno.ENODEV
        elif m not in self.ports:
            want = errno.ENOENT
        elif mtu and mtu > MTU:
            want = errno.EINVAL
        elif name in self.names_in(ns):
            ok = exist_ok and same and \
                self.links[same[0]]["master"] == m and \
                (not mtu or self.links[same[0]]["mtu"] == mtu)
            want = 0 if ok else errno.EEXIST
        else:
            want = 0
        self.expect("link add %s port %s ns %s" % (name, m, ns), got, want)
        if got == 0 and not same:
            lk = nl.parse_link(msgs[0])
            self.links[lk["id"]] = {"name": name, "master": m, "ns": ns,
                                    "mtu": mtu or MTU, "addrs": set()}

    def link_ref(self, data):
        if self.links and data.draw(st.booleans()):
            return ("id", data.draw(st.sampled_from(sorted(self.links) +
                                                    [999999])))
        return ("name", data.draw(st.sampled_from(LINKS)))

    @rule(data=st.data())
    def link_del(self, data):
        ref = self.link_ref(data)
        got, _ = self.req("IPVL_CMD_LINK_DEL", self.ref_attrs(
            ref, "IPVL_A_LINK_ID", "IPVL_A_LINK_IFNAME"))
        lid, want = self.resolve(ref)
        if not want:
            del self.links[lid]
        self.expect("link del %s" % (ref,), got, want)

    @rule(data=st.data(), a=st.sampled_from(ADDRS))
    def addr_bind(self, data, a):
        ref = self.link_ref(data)
        got, _ = self.req("IPVL_CMD_ADDR_NEW", self.ref_attrs(
            ref, "IPVL_A_ADDR_LINK_ID", "IPVL_A_ADDR_LINK_IFNAME") +
            nl.addr_attrs(a))
        lid, want = self.resolve(ref)
        if not want:
            h = self.holder(self.links[lid]["master"], a)
            if h is not None and h != lid:
                want = errno.EADDRINUSE
            elif h is None:
                want = self.addr_check(a)
                if not want:
                    self.links[lid]["addrs"].add(a)
        self.expect("bind %s %s" % (ref, a), got, want)

    @rule(data=st.data(), a=st.sampled_from(ADDRS))
    def addr_unbind(self, data, a):
        ref = self.link_ref(data)
        got, _ = self.req("IPVL_CMD_ADDR_DEL", self.ref_attrs(
            ref, "IPVL_A_ADDR_LINK_ID", "IPVL_A_ADDR_LINK_IFNAME") +
            nl.addr_attrs(a))
        lid, want = self.resolve(ref)
        if not want:
            if a in self.links[lid]["addrs"]:
                self.links[lid]["addrs"].discard(a)
            else:
                want = errno.ENOENT
        self.expect("unbind %s %s" % (ref, a), got, want)

    @rule(data=st.data(),
          addrs=st.lists(st.sampled_from(ADDRS), max_size=4))
    def addr_replace(self, data, addrs):
        ref = self.link_ref(data)
        p = self.ref_attrs(ref, "IPVL_A_ADDR_LINK_ID",
                           "IPVL_A_ADDR_LINK_IFNAME")
        for a in addrs:
            p += nl.nla_nest(C["IPVL_A_ADDR_LIST"], nl.addr_attrs(a))
        got, _ = self.req("IPVL_CMD_ADDR_REPLACE", p)
        lid, want = self.resolve(ref)
        if not want:
            master = self.links[lid]["master"]
            for a in addrs:
                h = self.holder(master, a)
                if h is not None and h != lid:
                    want = errno.EADDRINUSE
                    break
                if h is None:
                    want = self.addr_check(a)
                    if want:
                        break
            if not want:
                self.links[lid]["addrs"] = set(addrs)
        self.expect("replace %s %s" % (ref, addrs), got, want)

    @rule(data=st.data(), dst=ns_st)
    def link_move(self, data, dst):
        if not self.links:
            return
        lid = data.draw(st.sampled_from(sorted(self.links)))
        lk = self.links[lid]
        if dst is not None and dst not in self.netns:
            return
        src = lk["ns"]
        pre = f"ip -n {src} " if src else "ip "
        target = dst if dst else "1"   # pid 1 lives in the host namespace
        p = sh(f"{pre}link set {lk['name']} netns {target}", check=False)
        ok = dst == src or lk["name"] not in self.names_in(dst)
        assert (p.returncode == 0) == ok, (
            "move %s from %s to %s: ip says %d (%s), model expects %s" % (
                lk["name"], src, dst, p.returncode, p.stderr.strip(), ok))
        if ok:
            lk["ns"] = dst

    # ---- the invariant -------------------------------------------------------

    @invariant()
    def kernel_matches_model(self):
        self.steps += 1
        ports = {p["ifname"]: p for p in nl.dump_ports(self.g)}
        links = {l["id"]: l for l in nl.dump_links(self.g)}
        addrs = {(a["addr"], a["port"]): a["link_id"]
                 for a in nl.dump_addrs(self.g)}
        want_ports = {}
        for m, (mode, flags, spoof) in self.ports.items():
            ls = [l for l in self.links.values() if l["master"] == m]
            want_ports[m] = (mode, flags, spoof, len(ls),
                             sum(len(l["addrs"]) for l in ls))
        got_ports = {m: (p["mode"], p["flags"], p["spoof"], p["links"],
                         p["bindings"]) for m, p in ports.items()}
        assert got_ports == want_ports
        want_links = {i: (l["name"], l["master"], NSID[l["ns"]], l["mtu"],
                          len(l["addrs"])) for i, l in self.links.items()}
        got_links = {i: (l["ifname"], l["port"], l["netnsid"], l["mtu"],
                         l["bindings"]) for i, l in links.items()}
        assert got_links == want_links
        want_addrs = {(a, l["master"]): i for i, l in self.links.items()
                      for a in l["addrs"]}
        assert addrs == want_addrs


def test_model(ipvl, report):
    default = (3, 25) if DEBUG_KERNEL else (8, 30)
    examples = int(os.environ.get("IPVL_MODEL_EXAMPLES", default[0]))
    steps = int(os.environ.get("IPVL_MODEL_STEPS", default[1]))
    if examples <= 0:
        pytest.skip("IPVL_MODEL_EXAMPLES=0")
    random_run = os.environ.get("IPVL_MODEL_RANDOM") == "1"
    s = settings(max_examples=examples, stateful_step_count=steps,
                 deadline=None, database=None, derandomize=not random_run,
                 suppress_health_check=list(HealthCheck), print_blob=True)
    t0 = time.monotonic()
    counter = {"steps": 0}

    class Counted(Model):
        def teardown(self):
            counter["steps"] += self.steps
            super().teardown()

    run_state_machine_as_test(Counted, settings=s)
    report("model: %d examples x up to %d steps (%d steps checked), %s, "
           "%.0f s" % (examples, steps, counter["steps"],
                       "random" if random_run else "derandomized",
                       time.monotonic() - t0))
    report("model outcomes: " + ", ".join(
        "%s %d" % kv for kv in sorted(OUTCOMES.items())))
