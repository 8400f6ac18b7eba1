"""L3S: like L3, with netfilter in the master's namespace."""
import pytest

from conftest import ctl, ctl_json, ping, sh, topo_ipvl, topo_ipvlan
from conftest import teardown_topo
from test_l3 import matrix

FLAGS = [None, "private", "vepa"]


@pytest.mark.slow
@pytest.mark.parametrize("flag", FLAGS, ids=["bridge", "private", "vepa"])
def test_l3s_matrix_matches_ipvlan(netns, flag):
    t = topo_ipvl(netns, n=2, mode="l3s", flag=flag)
    ours = matrix(t)
    teardown_topo(t, True)
    r = topo_ipvlan(netns, n=2, mode="l3s", flag=flag)
    ref = matrix(r)
    teardown_topo(r, False)
    assert ours == ref
    assert ours[("out", "c1", 4)] and ours[("c1", "out", 6)]


@pytest.fixture
def nft():
    yield
    sh("nft delete table inet ipvltest", check=False)


def test_l3s_nftables_and_conntrack(netns, nft):
    t = topo_ipvl(netns, n=2, mode="l3s", tag="S")
    (c1, a1, b1), (c2, a2, b2) = t.links.values()
    assert ping(t.out, a2)
    sh("nft add table inet ipvltest")
    sh("nft 'add chain inet ipvltest input { type filter hook input priority 0; }'")
    # a ct expression makes the namespace track connections
    sh("nft add rule inet ipvltest input ct state new counter")
    sh(f"nft add rule inet ipvltest input ip daddr {a2} counter drop")
    assert ping(t.out, a1)
    assert not ping(t.out, a2)
    assert "ip daddr %s counter packets 1" % a2 in \
        sh("nft list table inet ipvltest").stdout
    flows = sh("conntrack -L -p icmp", check=False)
    assert a1 in flows.stdout + flows.stderr
    # the same rule does nothing in plain l3 mode
    ctl("port", "set", t.master, "mode", "l3")
    assert ping(t.out, a2)
    ctl("port", "set", t.master, "mode", "l3s")
    assert not ping(t.out, a2)


def test_mode_change_live(netns):
    t = topo_ipvl(netns, n=1, tag="C")
    (ns, a1, b1), = t.links.values()
    name, = t.links
    for mode in ("l3s", "l3", "l2", "l3"):
        ctl("port", "set", t.master, "mode", mode)
        port = ctl_json("port", "show", t.master)["ports"][0]
        assert port["mode"] == mode
        noarp = "NOARP" in sh(f"ip -n {ns} link show {name}").stdout
        assert noarp == (mode != "l2")
    assert ping(t.out, a1)
