"""Lifecycle: masters, namespaces and links going away; scale."""
import json
import struct
import socket
import subprocess
import sys
import time

import pytest

from conftest import (SPEC, YNL_DIR, ctl, ctl_json, ping, sh, topo_ipvl)
import rawgenl as rg


def test_delete_master_with_links_up(netns):
    t = topo_ipvl(netns, n=3, tag="L")
    assert ping(t.out, "10.1.0.11")
    sh(f"ip link del {t.master}")
    assert ctl_json("port", "show").get("ports", []) == []
    assert ctl_json("link", "show").get("links", []) == []
    assert ctl_json("addr", "show").get("addrs", []) == []
    for ns, _, _ in t.links.values():
        assert "iv" not in sh(f"ip -n {ns} -o link show").stdout


def test_move_link_keeps_bindings(netns):
    t = topo_ipvl(netns, n=1, tag="M")
    name, = t.links
    ns, v4, v6 = t.links[name]
    other = netns.add("mv")
    before = ctl_json("addr", "show", name)["addrs"]
    sh(f"ip -n {ns} link set {name} netns {other}")
    after = ctl_json("addr", "show", name)["addrs"]
    assert [a["addr"] for a in after] == [a["addr"] for a in before]
    link = ctl_json("link", "show", name)["links"][0]
    assert "netnsid" in link
    t.config_inside(other, name, v4, v6)
    assert ping(t.out, v4)
    assert ping(t.out, v6)


def test_delete_netns_holding_link(netns):
    t = topo_ipvl(netns, n=2, tag="N")
    n1, n2 = list(t.links)
    ns1 = t.links[n1][0]
    sh(f"ip netns del {ns1}")
    for _ in range(50):
        links = [l["ifname"] for l in ctl_json("link", "show").get("links", [])]
        if n1 not in links:
            break
        time.sleep(0.1)
    assert links == [n2]
    addrs = {a["addr"] for a in ctl_json("addr", "show").get("addrs", [])}
    assert addrs == {t.links[n2][1], t.links[n2][2]}
    port = ctl_json("port", "show")["ports"][0]
    assert port["link-count"] == 1 and port["binding-count"] == 2
    assert ping(t.out, t.links[n2][1])


def test_ip_link_add_type_ipvl(netns):
    t = topo_ipvl(netns, n=0, tag="R")
    sh(f"ip link add link {t.master} name rt0 type ipvl")
    netns.host_dev("rt0")
    link = ctl_json("link", "show", "rt0")["links"][0]
    assert link["port-ifname"] == t.master
    out = sh("ip -d link show rt0").stdout
    assert "ipvl" in out and f"rt0@{t.master}" in out
    # no port on the master: a clear error
    m = netns.host_dev("nr0")
    sh(f"ip link add {m} type dummy")
    p = sh(f"ip link add link {m} name rt1 type ipvl", check=False)
    assert p.returncode != 0 and "no ipvl port" in p.stderr


IPVL_CMD_ADDR_NEW = 10
IPVL_A_ADDR_LINK_IFNAME, IPVL_A_ADDR_IPV4 = 2, 5


@pytest.mark.slow
def test_10k_bindings(netns):
    t = topo_ipvl(netns, n=2, tag="K")
    n1, n2 = list(t.links)
    g = rg.Genl()
    fam = g.family("ipvl")
    want = set()
    seqs = []
    t0 = time.time()
    for i in range(10000):
        a = f"10.20.{i // 256}.{i % 256}"
        want.add(a)
        link = n1 if i % 2 else n2
        payload = rg.attr(IPVL_A_ADDR_LINK_IFNAME, link) + \
            rg.attr(IPVL_A_ADDR_IPV4, socket.inet_aton(a))
        seqs.append(g.send(fam, IPVL_CMD_ADDR_NEW, payload))
        if len(seqs) == 64:
            for s in seqs:
                g.recv_all(s)
            seqs = []
    for s in seqs:
        g.recv_all(s)
    g.close()
    print(f"bound {len(want)} addresses in {time.time() - t0:.1f}s")

    got = {a["addr"] for a in ctl_json("addr", "show", "port", t.master)["addrs"]}
    assert want <= got
    assert len(got) == len(want) + 4
    port = ctl_json("port", "show", t.master)["ports"][0]
    assert port["binding-count"] == len(want) + 4

    if (YNL_DIR / "cli.py").exists():
        p = subprocess.run([sys.executable, str(YNL_DIR / "cli.py"),
                            "--spec", str(SPEC), "--no-schema",
                            "--dump", "addr-get", "--output-json"],
                           capture_output=True, text=True, timeout=600)
        assert p.returncode == 0, p.stderr
        ynl = {a["ipv4"] for a in json.loads(p.stdout) if "ipv4" in a}
        assert want <= ynl and len(ynl) == len(want) + 2
    # a binding deep in the table still steers packets
    assert ping(t.out, "10.1.0.11")
