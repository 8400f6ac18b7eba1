"""L2 and L3S modes, flags, multicast, spoof check, VLAN masters."""
import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import (ctl, ctl_batch, ctl_json, ipb, ping, sh, teardown_topo,
                      topo_ipvl, topo_ipvlan, Topo)

FLAGS = [None, "private", "vepa"]
IDS = ["bridge", "private", "vepa"]


class L2Topo(Topo):
    """Links in the master's subnet: 10.0.0.1x/24, fd00::1x/64."""

    def addrs(self, i):
        return f"10.0.0.{10 + i}", f"fd00::{10 + i:x}"

    def inside(self, dev, v4, v6):
        return ["link set lo up", f"link set {dev} up",
                f"addr add {v4}/24 dev {dev}",
                f"addr add {v6}/64 dev {dev} nodad"]


def l2_ours(netns, n=2, flag=None, tag="0", mode="l2", master=None):
    return topo_ipvl(netns, n=n, mode=mode, flag=flag, tag=tag,
                     topo=L2Topo, prefix="lv", master=master)


def l2_ref(netns, n=2, flag=None, tag="1", mode="l2"):
    return topo_ipvlan(netns, n=n, mode=mode, flag=flag, tag=tag,
                       topo=L2Topo)


def nodes(t):
    out = {"out": (t.out, "10.0.0.1", "fd00::1")}
    for i, v in enumerate(t.links.values(), 1):
        out[f"c{i}"] = v
    return out


def matrix(t, fams=(4, 6)):
    n = nodes(t)
    jobs = {}
    with ThreadPoolExecutor(max_workers=8) as ex:
        for s, (sns, _, _) in n.items():
            for d, (_, v4, v6) in n.items():
                if s != d:
                    for f in fams:
                        jobs[(s, d, f)] = ex.submit(
                            ping, sns, v4 if f == 4 else v6, 1, 3)
    return {k: f.result() for k, f in jobs.items()}


# One process for a whole burst: it opens a receiving socket in every
# node's namespace and the sending one in the source's (setns(2) through
# ctypes), sends, waits for the replication work item, then counts until
# no datagram has come for half a second. Prints {node: datagrams}.
MCAST = r'''
import ctypes, json, os, select, socket, struct, sys, time
libc = ctypes.CDLL(None, use_errno=True)
home = os.open("/proc/self/ns/net", os.O_RDONLY)


def enter(fd):
    if libc.setns(fd, 0x40000000) != 0:        # CLONE_NEWNET
        raise OSError(ctypes.get_errno(), "setns")


def netns(name):
    fd = os.open("/run/netns/" + name, os.O_RDONLY)
    enter(fd)
    os.close(fd)


grp, fam, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
src_ns, src_if = sys.argv[4].split(":")
recv = {}
for arg in sys.argv[5:]:
    node, ns, ifname = arg.split(":")
    netns(ns)
    idx = socket.if_nametoindex(ifname)
    if fam == "4":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("", 5353))
        if grp != "255.255.255.255":
            mreq = struct.pack("4s4si", socket.inet_aton(grp), b"\0" * 4, idx)
            s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    else:
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.bind(("", 5353))
        mreq = socket.inet_pton(socket.AF_INET6, grp) + struct.pack("@I", idx)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
    recv[s] = node
netns(src_ns)
if fam == "4":
    out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    out.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    out.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, src_if.encode())
    dst = (grp, 5353)
else:
    out = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    idx = socket.if_nametoindex(src_if)
    out.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
    dst = (grp, 5353, 0, idx)
enter(home)
for i in range(count):
    out.sendto(b"x" * 64, dst)
    time.sleep(0.01)
time.sleep(0.5)     # replication runs in a work item
got = dict.fromkeys(recv.values(), 0)
while True:
    ready = select.select(list(recv), [], [], 0.5)[0]
    if not ready:
        break
    for s in ready:
        s.recv(2048)
        got[recv[s]] += 1
print(json.dumps(got), flush=True)
'''

def mcast_send(ns, ifname, grp, fam, count):
    """A burst from ifname in ns, no receivers (MCAST with none)."""
    sh(f"/usr/bin/python3 -c '{MCAST}' {grp} {fam} {count} {ns}:{ifname}",
       timeout=120)


def mcast_reach(t, src, grp, fam, count=5):
    """{node: datagrams received} for a burst from node src."""
    n = nodes(t)
    devs = {"out": f"o{t.tag}"}
    for i, name in enumerate(t.links, 1):
        devs[f"c{i}"] = name
    args = [f"{node}:{ns}:{devs[node]}" for node, (ns, _, _) in n.items()
            if node != src]
    p = sh(f"/usr/bin/python3 -c '{MCAST}' {grp} {fam} {count} "
           f"{n[src][0]}:{devs[src]} " + " ".join(args), timeout=120)
    return json.loads(p.stdout)


@pytest.mark.slow
@pytest.mark.parametrize("flag", FLAGS, ids=IDS)
def test_l2_matrix_matches_ipvlan(netns, flag):
    t = l2_ours(netns, flag=flag)
    ours = matrix(t)
    teardown_topo(t, True)
    r = l2_ref(netns, flag=flag)
    ref = matrix(r)
    teardown_topo(r, False)
    assert ours == ref
    assert all(ours[("out", c, f)] and ours[(c, "out", f)]
               for c in ("c1", "c2") for f in (4, 6))
    if flag is None:
        assert ours[("c1", "c2", 4)] and ours[("c2", "c1", 6)]


def test_l2_arp_and_nd_resolution(netns):
    t = l2_ours(netns, n=1, tag="A")
    name, = t.links
    ns, v4, v6 = t.links[name]
    assert ping(t.out, v4)
    assert ping(t.out, v6)
    neigh = sh(f"ip -n {t.out} neigh show").stdout
    mac = sh(f"cat /sys/class/net/{t.master}/address").stdout.strip()
    assert f"{v4} dev oA lladdr {mac}" in neigh
    assert f"{v6} dev oA lladdr {mac}" in neigh


def test_l2_dad_probe_reaches_owner(netns):
    """An outside host probing a bound address gets it defended."""
    t = l2_ours(netns, n=1, tag="D")
    name, = t.links
    ns, v4, v6 = t.links[name]
    sh(f"sysctl -qw net.ipv6.conf.oD.accept_dad=1 net.ipv6.conf.oD.dad_transmits=1",
       check=False)
    sh(f"ip netns exec {t.out} sysctl -qw net.ipv6.conf.oD.accept_dad=1")
    sh(f"ip -n {t.out} addr add {v6}/64 dev oD")
    time.sleep(3)
    flags = sh(f"ip -n {t.out} -6 addr show dev oD").stdout
    assert "dadfailed" in flags, flags


@pytest.mark.parametrize("flag", FLAGS, ids=IDS)
@pytest.mark.parametrize("fam,grp", [("4", "224.0.0.251"), ("6", "ff02::fb"),
                                     ("4", "255.255.255.255")],
                         ids=["mc4", "mc6", "bcast"])
@pytest.mark.slow
def test_l2_multicast(netns, flag, fam, grp):
    t = l2_ours(netns, n=3, flag=flag, tag="B")
    from_out = mcast_reach(t, "out", grp, fam)
    from_c1 = mcast_reach(t, "c1", grp, fam)
    # from outside: every link, whatever the flag
    assert from_out["c1"] == from_out["c2"] == from_out["c3"] == 5
    # from a link: the wire always, other links only in bridge mode
    assert from_c1["out"] == 5
    local = 5 if flag is None else 0
    assert from_c1["c2"] == from_c1["c3"] == local
    stats = ctl_json("-s", "link", "show", list(t.links)[1])["links"][0]
    assert stats["stats"]["rx-multicast"] >= 5


def test_l2_private_isolates_broadcast_unlike_ipvlan(netns):
    """The documented difference: in-tree private lets broadcast through."""
    r = l2_ref(netns, n=3, flag="private", tag="P")
    got = mcast_reach(r, "c1", "255.255.255.255", "4")
    assert got["c2"] == 5       # the in-tree driver leaks it
    teardown_topo(r, False)


def test_l2_multicast_filter(netns):
    """A link that did not join the group does not get its frames."""
    t = l2_ours(netns, n=2, tag="F")
    got = mcast_reach(t, "out", "224.0.0.252", "4")
    assert got["c1"] == 5
    # c2's receiver joined too; a link without a receiver sees nothing of
    # a burst of 10 (but the IGMP reports of the sockets mcast_reach just
    # closed are repeated for a second, and the hash filter may let a
    # report group through: at most 2 frames of that)
    name2 = list(t.links)[1]
    before = ctl_json("-s", "link", "show", name2)["links"][0]["stats"]
    mcast_send(t.out, "oF", "224.0.0.253", "4", 10)
    time.sleep(1)
    after = ctl_json("-s", "link", "show", name2)["links"][0]["stats"]
    assert after["rx-multicast"] - before["rx-multicast"] <= 2


def test_l2_spoofing(netns):
    t = l2_ours(netns, n=2, tag="S")
    (n1, (ns1, a1, b1)), (n2, (ns2, a2, b2)) = t.links.items()
    port0 = ctl_json("-s", "port", "show", t.master)["ports"][0]["stats"]
    # ping -I with an unbound source
    sh(f"ip -n {ns1} addr add 10.0.0.77/24 dev {n1}")
    assert not ping(ns1, "10.0.0.1", src="10.0.0.77")
    # a raw IP packet with a forged source (CAP_NET_RAW in the tenant ns)
    raw = ("import socket,struct;"
           "s=socket.socket(socket.AF_INET,socket.SOCK_RAW,socket.IPPROTO_RAW);"
           "h=struct.pack('!BBHHHBBH4s4s',0x45,0,28,1,0,64,17,0,"
           "socket.inet_aton('10.0.0.12'),socket.inet_aton('10.0.0.1'));"
           "s.sendto(h+b'\\0'*8,('10.0.0.1',0))")
    sh(f"ip netns exec {ns1} /usr/bin/python3 -c \"{raw}\"")
    # a forged ARP sender (AF_PACKET)
    arp = ("import socket;"
           "s=socket.socket(socket.AF_PACKET,socket.SOCK_RAW);"
           f"s.bind(('{n1}',0));"
           f"mac=open('/sys/class/net/{n1}/address').read().strip();"
           "m=bytes.fromhex(mac.replace(':',''));"
           "p=b'\\xff'*6+m+b'\\x08\\x06'+bytes.fromhex('0001080006040001')"
           "+m+socket.inet_aton('10.0.0.12')+b'\\0'*6+socket.inet_aton('10.0.0.1');"
           "s.send(p)")
    sh(f"ip netns exec {ns1} /usr/bin/python3 -c \"{arp}\"")
    port1 = ctl_json("-s", "port", "show", t.master)["ports"][0]["stats"]
    assert port1["drop-spoofed"] >= port0["drop-spoofed"] + 3
    # allowed again with the check off
    ctl("port", "set", t.master, "nospoofcheck")
    tx0 = ctl_json("-s", "port", "show", t.master)["ports"][0]["stats"]
    sh(f"ip netns exec {ns1} /usr/bin/python3 -c \"{arp}\"")
    tx1 = ctl_json("-s", "port", "show", t.master)["ports"][0]["stats"]
    assert tx1["drop-spoofed"] == tx0["drop-spoofed"]
    assert tx1["tx-out"] > tx0["tx-out"]
    assert "spoofcheck" not in ctl("port", "show", t.master).stdout.replace(
        "nospoofcheck", "")


@pytest.mark.parametrize("mode", ["l2", "l3", "l3s"])
def test_vlan_master(netns, mode):
    """A port on an 802.1Q sub-interface; traffic leaves tagged."""
    out = netns.add("vo")
    m = netns.host_dev("mv0")
    sh(f"ip link add name {m} type veth peer name ov0")
    sh(f"ip link set dev ov0 netns {out}")
    sh(f"ip link set {m} up")
    sh(f"ip link add link {m} name {m}.10 type vlan id 10")
    sh(f"ip addr add 10.0.0.2/24 dev {m}.10")
    sh(f"ip link set {m}.10 up")
    o = f"ip -n {out}"
    sh(f"{o} link set ov0 up")
    sh(f"{o} link add link ov0 name ov0.10 type vlan id 10")
    sh(f"{o} addr add 10.0.0.1/24 dev ov0.10")
    sh(f"{o} link set ov0.10 up")
    sh(f"{o} route add 10.1.0.0/24 via 10.0.0.2")
    ctl("port", "add", f"{m}.10", "mode", mode)
    c = netns.add("vc")
    addr = "10.0.0.11" if mode == "l2" else "10.1.0.11"
    ctl("link", "add", "vl0", "port", f"{m}.10", "netns", c)
    ctl("addr", "bind", "vl0", addr)
    sh(f"ip -n {c} link set vl0 up")
    if mode == "l2":
        sh(f"ip -n {c} addr add {addr}/24 dev vl0")
    else:
        sh(f"ip -n {c} addr add {addr}/32 dev vl0")
        sh(f"ip -n {c} route add default dev vl0")
    # ov0 itself has no address: only tagged frames can be answered
    assert ping(out, addr)
    assert ping(c, "10.0.0.1")


@pytest.mark.slow
def test_backlog_flood_64_links(netns):
    """A broadcast flood with 64 links: no stall, no splat, and every frame
    is either delivered to a link or counted as a backlog drop."""
    t = l2_ours(netns, n=0, tag="G")
    ctl_batch([f"link add fl{i} port {t.master}" for i in range(64)])
    # no IPv6 chatter (MLD, RS) between the links: exact counts below
    sh("sysctl -qw " + " ".join(f"net.ipv6.conf.fl{i}.disable_ipv6=1"
                                for i in range(64)))
    ipb([f"link set fl{i} up" for i in range(64)])
    flood = ("import socket,time;"
             "s=socket.socket(socket.AF_PACKET,socket.SOCK_RAW);"
             "s.bind(('oG',0));"
             "f=b'\\xff'*6+b'\\x02\\0\\0\\0\\0\\1'+b'\\x88\\xb5'+b'\\0'*50;"
             "t=time.time();n=0\n"
             "while time.time()-t<5: s.send(f); n+=1\n"
             "print(n)")
    watch = [f"fl{i}" for i in range(0, 64, 21)]

    def counts():
        st = ctl_json("-s", "port", "show", t.master)["ports"][0]["stats"]
        links = {l["ifname"]: l["stats"] for l in
                 ctl_json("-s", "link", "show", "port", t.master)["links"]}
        return st["drop-backlog"], {n: links[n]["rx-multicast"] +
                                    links[n]["rx-dropped"] for n in watch}

    d0, l0 = counts()
    sent = int(sh(f"ip netns exec {t.out} /usr/bin/python3 -c \"{flood}\"",
                  timeout=60).stdout)
    # the machine still answers promptly
    assert ping(t.out, "10.0.0.2")
    for _ in range(60):         # let the worker drain the backlog
        time.sleep(1)
        d1, l1 = counts()
        if all(l1[n] - l0[n] + d1 - d0 >= sent for n in watch):
            break
    for n in watch:
        got = l1[n] - l0[n] + d1 - d0
        assert sent <= got <= sent + 10, (n, sent, got, d1 - d0)
    print("flood", sent, "frames, backlog drops", d1 - d0)
    ctl_batch([f"link del fl{i}" for i in range(64)])
