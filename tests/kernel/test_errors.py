"""Every rejection reaches the CLI as exit 2 with the kernel's extack text,
and changes nothing."""
import errno
import json

import pytest

from conftest import ctl, ctl_json, sh, topo_ipvl


def state():
    return (ctl_json("port", "show"), ctl_json("link", "show"),
            ctl_json("addr", "show"))


def rejected(args, text, code=2):
    before = state()
    p = ctl(*args, check=False)
    assert p.returncode == code, (args, p.returncode, p.stdout, p.stderr)
    assert p.stderr.startswith("Error: "), p.stderr
    assert text in p.stderr, p.stderr
    assert state() == before
    return p


def test_master_busy_with_ipvlan(netns):
    m = netns.host_dev("eb0")
    sh(f"ip link add {m} type dummy")
    sh(f"ip link add link {m} name eb0v type ipvlan mode l3")
    rejected(["port", "add", m, "mode", "l3"], "in use by another driver")


def test_master_busy_with_bridge(netns):
    m = netns.host_dev("eb1")
    br = netns.host_dev("ebr1")
    sh(f"ip link add {m} type dummy")
    sh(f"ip link add {br} type bridge")
    sh(f"ip link set {m} master {br}")
    rejected(["port", "add", m, "mode", "l3"], "in use by another driver")


def test_master_loopback():
    rejected(["port", "add", "lo", "mode", "l3"], "loopback")


def test_master_is_our_link(netns):
    t = topo_ipvl(netns, n=1, tag="7")
    name, = t.links
    # the link lives in another netns: create one here on the same port
    ctl("link", "add", "here7", "port", t.master)
    rejected(["port", "add", "here7", "mode", "l3"], "ipvl link")


def test_port_exists(netns):
    t = topo_ipvl(netns, n=0, tag="8")
    rejected(["port", "add", t.master, "mode", "l3"], "has an ipvl port")


def test_no_such_device():
    rejected(["port", "add", "nosuchdev", "mode", "l3"], "no such device")


def test_port_del_with_links_needs_force(netns):
    t = topo_ipvl(netns, n=2, tag="9")
    rejected(["port", "del", t.master], "2 link(s)")
    ctl("port", "del", t.master, "force")
    assert ctl_json("port", "show").get("ports", []) == []
    assert ctl_json("link", "show").get("links", []) == []
    assert ctl_json("addr", "show").get("addrs", []) == []


def test_addr_in_use_names_holder(netns):
    t = topo_ipvl(netns, n=2, tag="a")
    n1, n2 = list(t.links)
    v4 = t.links[n1][1]
    p = rejected(["addr", "bind", n2, v4], f"bound to link {n1}")
    assert "id " in p.stderr


def test_bind_same_link_again_is_ok(netns):
    t = topo_ipvl(netns, n=1, tag="b")
    n1, = t.links
    before = ctl_json("addr", "show")
    ctl("addr", "bind", n1, t.links[n1][1])
    assert ctl_json("addr", "show") == before


def test_master_ip_refused(netns):
    t = topo_ipvl(netns, n=1, tag="c")
    n1, = t.links
    rejected(["addr", "bind", n1, "10.0.0.2"], "belongs to the host")
    rejected(["addr", "bind", n1, "fd00::2"], "belongs to the host")
    # any address of the master's namespace, not just the master's
    sh("ip addr add 192.0.2.200/32 dev lo")
    try:
        rejected(["addr", "bind", n1, "192.0.2.200"], "belongs to the host")
    finally:
        sh("ip addr del 192.0.2.200/32 dev lo")


def host_locals():
    return {a["local"] for dev in json.loads(sh("ip -j addr show").stdout)
            for a in dev.get("addr_info", [])}


def test_bound_address_refused_to_the_host(netns):
    """The other direction of test_master_ip_refused: once bound, an
    address cannot be configured in the master's namespace, on the master,
    lo or another link of the port, by ip or by pyroute2. The link that
    owns it may carry it (test_host_reaches_links_through_its_own_link);
    unbound, the host may take it."""
    from pyroute2 import IPRoute
    from pyroute2.netlink.exceptions import NetlinkError

    t = topo_ipvl(netns, n=1, tag="i")
    (n1, (ns, v4, v6)), = t.links.items()
    ctl("link", "add", "otheri", "port", t.master)
    netns.host_dev("otheri")
    before = state(), host_locals()
    for dev in (t.master, "lo", "otheri"):
        for a in (f"{v4}/32", f"{v6}/128 nodad"):
            p = sh(f"ip addr add {a} dev {dev}", check=False)
            assert p.returncode == 2, (dev, a, p.stderr)
            assert p.stderr.startswith(
                f"Error: address is bound to ipvl link {n1} (id "), p.stderr
            assert f"of port {t.master}: unbind it first" in p.stderr
    with IPRoute() as ipr:
        idx = ipr.link_lookup(ifname=t.master)[0]
        for a, plen in ((v4, 32), (v6, 128)):
            with pytest.raises(NetlinkError) as e:
                ipr.addr("add", index=idx, address=a, prefixlen=plen)
            assert e.value.code == errno.EADDRINUSE
    assert (state(), host_locals()) == before
    ctl("addr", "unbind", n1, v4)
    sh(f"ip addr add {v4}/32 dev lo")
    sh(f"ip addr del {v4}/32 dev lo")


def test_bad_addresses_refused(netns):
    t = topo_ipvl(netns, n=1, tag="d")
    n1, = t.links
    for a in ("224.0.0.5", "127.0.0.9", "255.255.255.255", "0.0.0.0",
              "ff02::1", "fe80::1", "::1"):
        rejected(["addr", "bind", n1, a], "address must be")


def test_unknown_link():
    rejected(["addr", "bind", "nosuchlink", "10.9.9.9"], "no such link")
    rejected(["link", "del", "nosuchlink"], "no such link")


def test_unbind_not_bound(netns):
    t = topo_ipvl(netns, n=2, tag="e")
    n1, n2 = list(t.links)
    rejected(["addr", "unbind", n2, t.links[n1][1]], "not bound to this link")


def test_link_mtu_above_master(netns):
    t = topo_ipvl(netns, n=0, tag="f")
    rejected(["link", "add", "mtuf", "port", t.master, "mtu", "9000"],
             "larger than the master")


def test_link_name_taken(netns):
    t = topo_ipvl(netns, n=0, tag="g")
    rejected(["link", "add", t.master, "port", t.master], "exists")


def test_link_exist_ok(netns):
    t = topo_ipvl(netns, n=0, tag="h")
    a = ctl_json("link", "add", "exh", "port", t.master)
    b = ctl_json("link", "add", "exh", "port", t.master, "exist-ok")
    assert len(ctl_json("link", "show").get("links", [])) == 1
    rejected(["link", "add", "exh", "port", t.master], "exists")
