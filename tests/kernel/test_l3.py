"""L3 mode: reachability with real packets, compared with in-tree ipvlan."""
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import (DEBUG_KERNEL, ctl, ctl_json, ping, sh, teardown_topo,
                      topo_ipvl, topo_ipvlan)


def nodes(t):
    """label -> (netns, v4, v6); labels are the same for both drivers."""
    out = {"out": (t.out, "10.0.0.1", "fd00::1")}
    for i, (ns, v4, v6) in enumerate(t.links.values(), 1):
        out[f"c{i}"] = (ns, v4, v6)
    return out


def matrix(t):
    """{(src, dst, family): reached} for every ordered pair of nodes."""
    n = nodes(t)
    jobs = {}
    with ThreadPoolExecutor(max_workers=8) as ex:
        for s, (sns, _, _) in n.items():
            for d, (_, v4, v6) in n.items():
                if s == d:
                    continue
                jobs[(s, d, 4)] = ex.submit(ping, sns, v4)
                jobs[(s, d, 6)] = ex.submit(ping, sns, v6)
    return {k: f.result() for k, f in jobs.items()}


# (the debug kernel runs the bridge case only)
@pytest.mark.parametrize("flag", [
    pytest.param(None, id="bridge"),
    pytest.param("private", id="private", marks=pytest.mark.slow),
    pytest.param("vepa", id="vepa", marks=pytest.mark.slow)])
def test_matrix_matches_ipvlan(netns, flag):
    """Same topology, same boot: ours with bindings vs ipvlan learning."""
    t = topo_ipvl(netns, n=2, flag=flag)
    ours = matrix(t)
    teardown_topo(t, True)

    r = topo_ipvlan(netns, n=2, flag=flag)
    ref = matrix(r)
    teardown_topo(r, False)

    assert ours == ref
    # and the matrix is the one the mode promises
    assert all(ours[("out", c, f)] and ours[(c, "out", f)]
               for c in ("c1", "c2") for f in (4, 6))
    local = all(ours[(a, b, f)] for a, b in (("c1", "c2"), ("c2", "c1"))
                for f in (4, 6))
    if flag is None:
        assert local
    if flag == "private":
        assert not any(ours[(a, b, f)] for a, b in (("c1", "c2"), ("c2", "c1"))
                       for f in (4, 6))


def test_tcp_transfer(netns):
    t = topo_ipvl(netns, n=2)
    (c1, a1, b1), (c2, a2, b2) = list(t.links.values())
    size = "1M" if DEBUG_KERNEL else "4M"     # ~84x the cost per packet
    for dst, src_ns in ((a1, t.out), (b1, t.out), (a1, c2), (b1, c2)):
        sh(f"ip netns exec {c1} iperf3 -s -1 -D -p 5201")
        time.sleep(0.3)
        p = sh(f"ip netns exec {src_ns} iperf3 -c {dst} -n {size} -p 5201 "
               f"--connect-timeout 3000", check=False, timeout=90)
        assert p.returncode == 0, p.stdout + p.stderr
        sh("pkill -x iperf3", check=False)


def test_no_binding_no_delivery(netns):
    """Without bindings nothing flows to or from the links."""
    t = topo_ipvl(netns, n=2, bind=False)
    m = matrix(t)
    assert not any(v for (s, d, f), v in m.items())


def test_learning_is_gone(netns):
    """An address a tenant adds inside its namespace receives nothing."""
    t = topo_ipvl(netns, n=1)
    (ns, v4, v6), = t.links.values()
    name, = t.links
    sh(f"ip -n {ns} addr add 10.1.0.99/32 dev {name}")
    sh(f"ip -n {ns} addr add fd01::99/128 dev {name} nodad")
    assert ping(t.out, v4)
    assert not ping(t.out, "10.1.0.99")
    assert not ping(t.out, "fd01::99")
    # once the host binds it, it works
    ctl("addr", "bind", name, "10.1.0.99", "fd01::99")
    assert ping(t.out, "10.1.0.99")
    assert ping(t.out, "fd01::99")


def test_link_down_gets_nothing(netns):
    t = topo_ipvl(netns, n=1)
    (ns, v4, v6), = t.links.values()
    name, = t.links
    sh(f"ip -n {ns} link set {name} down")
    assert not ping(t.out, v4)
    # binding survives a down link
    addrs = ctl_json("addr", "show", name)["addrs"]
    assert {a["addr"] for a in addrs} == {v4, v6}
    sh(f"ip -n {ns} link set {name} up")
    sh(f"ip -n {ns} route add default dev {name}", check=False)
    assert ping(t.out, v4)


def test_spoofed_source_dropped(netns):
    t = topo_ipvl(netns, n=2)
    (ns1, a1, _), (ns2, a2, _) = list(t.links.values())
    name1 = list(t.links)[0]
    # the tenant adds another link's address and sends from it
    sh(f"ip -n {ns1} addr add 10.1.0.77/32 dev {name1}")
    assert not ping(ns1, "10.0.0.1", src="10.1.0.77")
    sh(f"ip -n {ns1} addr add {a2}/32 dev {name1}")
    assert not ping(ns1, "10.0.0.1", src=a2)
    port = ctl_json("-s", "port", "show", t.master)["ports"][0]
    assert port["stats"]["drop-spoofed"] >= 1
    # with the check off it leaves (as with the in-tree driver)
    ctl("port", "set", t.master, "nospoofcheck")
    sh(f"ip netns exec {t.out} ip route add 10.1.0.77/32 via 10.0.0.2")
    assert not ping(ns1, "10.0.0.1", src="10.1.0.77")  # no binding: no reply
    before = ctl_json("-s", "port", "show", t.master)["ports"][0]["stats"]
    ping(ns1, "10.0.0.1", src="10.1.0.77")
    after = ctl_json("-s", "port", "show", t.master)["ports"][0]["stats"]
    assert after["drop-spoofed"] == before["drop-spoofed"]
    assert after["tx-out"] > before["tx-out"]


def test_host_reaches_links_through_its_own_link(netns):
    """The workaround of ipvl(7): the host talks to its links through a
    link of its own, with a bound address."""
    t = topo_ipvl(netns, n=1, tag="H")
    (ns, v4, v6), = t.links.values()
    assert not ping(None, v4)
    ctl("link", "add", "hostH", "port", t.master)
    netns.host_dev("hostH")
    ctl("addr", "bind", "hostH", "10.1.0.100")
    sh("ip link set hostH up")
    sh("ip addr add 10.1.0.100/32 dev hostH")
    sh(f"ip route add {v4}/32 dev hostH src 10.1.0.100")
    assert ping(None, v4)
