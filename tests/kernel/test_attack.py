"""What a tenant must never achieve, tried as the tenant would: from its own
user and network namespace (unshare), with raw frames (AF_PACKET), tc, ip
and ipvlanctl. Each test names the finding of the hardening issue it
provokes; each failed on the module before that fix. Nothing may leave,
nothing may be poisoned, nothing may crash (the splat check runs after
every test).
"""
import json
import os
import shlex
import subprocess
import sys
import time

import pytest

from conftest import CLI, REPO, Topo, ctl, ctl_json, ping, sh, topo_ipvl

sys.path.insert(0, os.path.dirname(__file__))
import frames as fr  # noqa: E402
import ipvlnl  # noqa: E402

FRAMES = str(REPO / "tests" / "kernel" / "frames.py")
PY = "/usr/bin/python3"
ATK4, ATK6 = "10.1.0.11", "fd01::11"
VIC4, VIC6 = "10.1.0.12", "fd01::12"


def mac_of(ifname, ns_cmd=""):
    p = sh(f"{ns_cmd} cat /sys/class/net/{ifname}/address")
    return p.stdout.strip()


class Tenant:
    """A tenant's own user and network namespace (unshare -Urn), as a
    container runtime makes one, holding the ipvl link atk."""

    def __init__(self):
        self.proc = subprocess.Popen(["unshare", "--user", "--map-root-user",
                                      "--net", "sleep", "600"])
        for _ in range(100):
            if os.readlink(f"/proc/{self.proc.pid}/ns/user") != \
                    os.readlink("/proc/self/ns/user"):
                break
            time.sleep(0.05)
        self.pid = self.proc.pid
        self.ns = f"nsenter -t {self.pid} -U -n"

    def run(self, cmd, check=True):
        return sh(f"{self.ns} {cmd}", check=check)

    def close(self):
        self.proc.kill()
        self.proc.wait()


class Sniffer:
    """frames.py sniff in a namespace (prefix: nsenter/ip netns exec),
    from its start until frames() is called."""

    def __init__(self, prefix, ifname, seconds=60):
        self.p = subprocess.Popen(
            f"{prefix} {PY} {FRAMES} sniff {ifname} {seconds}", shell=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.p.stdout.readline().strip() == "ready"

    def frames(self):
        out, _ = self.p.communicate(timeout=90)
        return [(bytes.fromhex(f["hex"]), f["pkttype"])
                for f in json.loads(out)]


def send(prefix, ifname, frame, count=1):
    sh(f"{prefix} {PY} {FRAMES} send {ifname} {frame.hex()} {count}")


def link_stats(name):
    return ctl_json("-s", "link", "show", name)["links"][0]["stats"]


def port_stats(master):
    return ctl_json("-s", "port", "show", master)["ports"][0]["stats"]


@pytest.fixture
def world(netns):
    """An outside host, a master, a port (l2 unless the test's param says
    otherwise), the tenant's link atk in the tenant's own namespaces and a
    victim link vic in a namespace of the host's."""
    t = Topo(netns, "mstA", "A", nlinks=1)
    ten = Tenant()
    vic_ns = t.add_ns()
    ctl("port", "add", t.master, "mode", "l2")
    ctl("link", "add", "atk", "port", t.master)
    ctl("addr", "bind", "atk", ATK4, ATK6)
    sh(f"ip link set atk netns {ten.pid}")
    ctl("link", "add", "vic", "port", t.master, "netns", vic_ns)
    ctl("addr", "bind", "vic", VIC4, VIC6)
    t.config_inside(vic_ns, "vic", VIC4, VIC6)
    ten.run("ip link set lo up")
    ten.run("ip link set atk up")
    ten.run(f"ip addr add {ATK4}/32 dev atk")
    ten.run(f"ip addr add {ATK6}/128 dev atk nodad")
    ten.run("ip route add default dev atk")
    t.tenant, t.vic_ns = ten, vic_ns
    t.out_if = f"o{t.tag}"
    t.out_mac = mac_of(t.out_if, f"ip netns exec {t.out}")
    t.mac = mac_of(t.master)
    yield t
    ten.close()


# ---- 1. master and link unregistered in one batch -------------------------

def test_group_delete_of_master_and_link_unprivileged(ipvl):
    """An unprivileged user deletes a master and its link in one batch:
    the link was queued twice (kernel BUG, RTNL held for ever)."""
    script = (f"ip link add d0 type dummy && ip link set d0 up && "
              f"{CLI} port add d0 mode l3 && {CLI} link add v1 port d0 && "
              f"ip link set d0 group 7 && ip link set v1 group 7 && "
              f"ip link del group 7 && {CLI} -j port show")
    p = sh(f"unshare -Urn sh -c {shlex.quote(script)}", check=False,
           timeout=60)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == {"ports": []}
    ctl("port", "show")     # RTNL is free


def test_master_moved_into_the_link_netns_then_netns_deleted(netns):
    """The link lives in netns T, its master moves there, T is deleted:
    both are unregistered in the namespace's one batch."""
    m = netns.host_dev("dmv0")
    nst = netns.add("t")
    sh(f"ip link add {m} type dummy && ip link set {m} up")
    ctl("port", "add", m, "mode", "l3")
    ctl("link", "add", "lmv0", "port", m, "netns", nst)
    ctl("addr", "bind", "lmv0", "10.9.0.1")
    sh(f"ip link set {m} netns {nst} && ip netns del {nst}")
    netns.names.remove(nst)
    netns.host_devs.remove(m)
    # the namespace is dismantled by a work item: wait until the link is
    # gone from the kernel's view (a BUG there leaves RTNL held)
    for _ in range(100):
        if not ctl_json("addr", "show").get("addrs"):
            break
        time.sleep(0.1)
    assert ctl_json("link", "show") == {"links": []}


# ---- 2. L3S: the input route, and NFQUEUE across rmmod ---------------------

def test_l3s_route_match_in_input(netns):
    """A rule that reads the input route (xt_realm) in the master's INPUT:
    the L3S hooks ran without a route, a NULL dereference in softirq."""
    t = topo_ipvl(netns, n=1, mode="l3s", tag="R")
    (name, (ns, v4, v6)), = t.links.items()
    rule = "INPUT -m realm --realm 1"
    sh(f"iptables -I {rule}")
    try:
        assert ping(t.out, v4, count=2)
    finally:
        sh(f"iptables -D {rule}")


def test_l3s_martian_source_dropped(netns):
    """L3S routes the packet as in-tree L3S does: a loopback source from
    the wire is a martian, dropped, not delivered."""
    t = topo_ipvl(netns, n=1, mode="l3s", tag="S")
    (name, (ns, v4, v6)), = t.links.items()
    out_if = f"o{t.tag}"
    out_mac = mac_of(out_if, f"ip netns exec {t.out}")
    prefix = f"ip netns exec {t.out}"
    good = fr.eth(mac_of(t.master), out_mac, fr.ETH_P_IP,
                  fr.udp4("10.0.0.1", v4, 4000, 9, b"x" * 18))
    martian = fr.eth(mac_of(t.master), out_mac, fr.ETH_P_IP,
                     fr.udp4("127.0.0.1", v4, 4000, 9, b"x" * 18))
    rx0 = link_stats(name)["rx-packets"]
    send(prefix, out_if, good, 3)
    time.sleep(0.3)
    assert link_stats(name)["rx-packets"] == rx0 + 3
    pol0 = port_stats(t.master)["drop-policy"]
    send(prefix, out_if, martian, 3)
    time.sleep(0.3)
    assert link_stats(name)["rx-packets"] == rx0 + 3
    assert port_stats(t.master)["drop-policy"] == pol0 + 3


NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET, NFQNL_MSG_VERDICT, NFQNL_MSG_CONFIG = 0, 1, 2
NETLINK_NETFILTER = 12


def nfq_msg(mtype, queue, attrs, seq):
    body = struct_pack("!BBH", 0, 0, queue) + attrs
    return struct_pack("=IHHII", 16 + len(body),
                       (NFNL_SUBSYS_QUEUE << 8) | mtype, 1 | 4, seq, 0) + body


def struct_pack(fmt, *a):
    import struct
    return struct.pack(fmt, *a)


def nfq_bind(sock, queue):
    cmd = ipvlnl.nla(1, struct_pack("!BBH", 1, 0, 0))     # CFG_CMD BIND
    sock.send(nfq_msg(NFQNL_MSG_CONFIG, queue, cmd, 1))
    params = ipvlnl.nla(2, struct_pack("!IB", 0xffff, 2))  # COPY_PACKET
    sock.send(nfq_msg(NFQNL_MSG_CONFIG, queue, params, 2))


def nfq_wait_packet(sock):
    """The id of the first packet the queue hands us."""
    import struct
    while True:
        data = sock.recv(1 << 16)
        for m in ipvlnl.parse_msgs(data):
            if m.type == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
                for t, v in ipvlnl.rg.parse_attrs(m.payload[4:]):
                    if t == 1:      # NFQA_PACKET_HDR
                        return struct.unpack("!I", v[:4])[0]


def test_l3s_packet_queued_across_rmmod(netns):
    """A packet NFQUEUE holds in the master's INPUT when the module goes:
    its okfn was in the module's text, run after rmmod."""
    import socket
    sh("modprobe nfnetlink_queue")
    t = topo_ipvl(netns, n=1, mode="l3s", tag="Q")
    (name, (ns, v4, v6)), = t.links.items()
    sh("nft add table inet ipvlq && nft add chain inet ipvlq in "
       "'{ type filter hook input priority 0; }' && "
       f"nft add rule inet ipvlq in ip daddr {v4} queue num 7")
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                         NETLINK_NETFILTER)
    sock.settimeout(30)
    try:
        nfq_bind(sock, 7)
        pinger = subprocess.Popen(
            f"ip netns exec {t.out} ping -c 1 -W 3 {v4}", shell=True,
            stdout=subprocess.DEVNULL)
        pid = nfq_wait_packet(sock)
        ctl("port", "del", t.master, "force")
        sh("rmmod ipvl")
        verdict = ipvlnl.nla(2, struct_pack("!II", 1, pid))  # NF_ACCEPT
        sock.send(nfq_msg(NFQNL_MSG_VERDICT, 7, verdict, 3))
        time.sleep(0.5)
        pinger.wait(timeout=30)
    finally:
        sock.close()
        sh("nft delete table inet ipvlq", check=False)


# ---- 3. L2 confinement on transmit -----------------------------------------

@pytest.mark.parametrize("spoof", ["spoofcheck", "nospoofcheck"])
def test_tx_vlan_tag_pushed_by_tc_dropped(world, spoof):
    """tc pushes a VLAN tag on the tenant's egress (the core writes it into
    the frame): without the spoof check the tagged frames left onto the
    master's segment (VLAN hopping); with it they were counted as
    malformed."""
    t, ten = world, world.tenant
    ctl("port", "set", t.master, spoof)
    sh(f"ip -n {t.out} link add link {t.out_if} name {t.out_if}.100 "
       f"type vlan id 100 && ip -n {t.out} link set {t.out_if}.100 up")
    ten.run("tc qdisc add dev atk clsact")
    ten.run("tc filter add dev atk egress protocol ip matchall "
            "action vlan push id 100")
    frame = fr.eth(t.out_mac, t.mac, fr.ETH_P_IP,
                   fr.udp4(ATK4, "10.0.0.1", 4000, 9, b"x" * 18))

    def tagged_rx():
        st = json.loads(sh(f"ip -n {t.out} -j -s link show "
                           f"{t.out_if}.100").stdout)
        return st[0]["stats64"]["rx"]["packets"]
    rx0, pol0 = tagged_rx(), port_stats(t.master)["drop-policy"]
    send(ten.ns, "atk", frame, 5)
    time.sleep(0.3)
    assert tagged_rx() == rx0
    # every frame sent was counted; the tenant's own IPv4 (an IGMP report)
    # may be tagged and counted too
    assert port_stats(t.master)["drop-policy"] >= pol0 + 5


def test_no_vlan_devices_on_a_link(world):
    """Links are VLAN-challenged: no VLAN device on top of one."""
    p = world.tenant.run("ip link add link atk name atk.5 type vlan id 5",
                         check=False)
    assert p.returncode != 0
    assert "atk.5" not in world.tenant.run("ip -o link show").stdout


def test_tx_forged_source_mac_dropped(world):
    """AF_PACKET frames with another source MAC left through the master."""
    t, ten = world, world.tenant
    forged = "02:00:5e:00:53:99"
    data = fr.udp4(ATK4, "10.0.0.1", 4000, 9, b"x" * 18)
    sn = Sniffer(f"ip netns exec {t.out}", t.out_if)
    spoof0 = port_stats(t.master)["drop-spoofed"]
    send(ten.ns, "atk", fr.eth(t.out_mac, forged, fr.ETH_P_IP, data), 4)
    send(ten.ns, "atk", fr.eth(t.out_mac, t.mac, fr.ETH_P_IP, data), 2)
    seen = sn.frames()
    srcs = [f[6:12] for f, _ in seen if f[12:14] == b"\x08\x00"]
    assert srcs.count(fr.mac(forged)) == 0
    assert srcs.count(fr.mac(t.mac)) == 2
    assert port_stats(t.master)["drop-spoofed"] == spoof0 + 4


def test_tx_arp_with_forged_sender_mac_dropped(world):
    """An ARP reply for the tenant's own address pointing elsewhere."""
    t, ten = world, world.tenant
    forged = "02:00:5e:00:53:98"
    sn = Sniffer(f"ip netns exec {t.out}", t.out_if)
    bad = fr.eth(t.out_mac, t.mac, fr.ETH_P_ARP,
                 fr.arp(2, forged, ATK4, t.out_mac, "10.0.0.1"))
    good = fr.eth(t.out_mac, t.mac, fr.ETH_P_ARP,
                  fr.arp(2, t.mac, ATK4, t.out_mac, "10.0.0.1"))
    send(ten.ns, "atk", bad, 3)
    send(ten.ns, "atk", good, 1)
    arps = [f for f, _ in sn.frames() if f[12:14] == b"\x08\x06"]
    shas = [f[22:28] for f in arps]
    assert fr.mac(forged) not in shas
    assert shas.count(fr.mac(t.mac)) == 1


# ---- 4. the IPv6 spoof check -----------------------------------------------

def ll_of(ten):
    """The link-local address the kernel gave atk (ip -j lists addresses
    that a filter left out as empty objects)."""
    out = json.loads(ten.run("ip -j -6 addr show dev atk scope link").stdout)
    return [a["local"] for a in out[0]["addr_info"] if "local" in a][0]


def test_na_for_a_neighbours_address_behind_dstopts_dropped(world):
    """An NA claiming the victim's address, ICMPv6 behind a Destination
    Options header, passed the check and poisoned neighbour caches."""
    t, ten = world, world.tenant
    src = ll_of(ten)
    sn = Sniffer(f"ip netns exec {t.out}", t.out_if)
    spoof0 = port_stats(t.master)["drop-spoofed"]
    for ext in (b"", fr.dstopts(58)):
        send(ten.ns, "atk", fr.eth("33:33:00:00:00:01", t.mac, fr.ETH_P_IPV6,
                                   fr.na(src, "ff02::1", VIC6, t.mac,
                                         ext=ext)))
    send(ten.ns, "atk", fr.eth("33:33:00:00:00:01", t.mac, fr.ETH_P_IPV6,
                               fr.na(src, "ff02::1", ATK6, t.mac,
                                     ext=fr.dstopts(58))))
    nas = [f for f, _ in sn.frames() if f[12:14] == b"\x86\xdd"]
    targets = [f[-24:-8] for f in nas]
    import socket
    assert socket.inet_pton(socket.AF_INET6, VIC6) not in targets
    assert targets.count(socket.inet_pton(socket.AF_INET6, ATK6)) == 1
    assert port_stats(t.master)["drop-spoofed"] == spoof0 + 2


def test_rogue_router_messages_dropped(world):
    """The tenant configures the router's fe80::1 and advertises itself as
    router: a configured link-local source was trusted."""
    t, ten = world, world.tenant
    own = ll_of(ten)
    ten.run("ip addr add fe80::1/64 dev atk nodad")
    sn = Sniffer(f"ip netns exec {t.out}", t.out_if)
    dst = "33:33:00:00:00:01"
    send(ten.ns, "atk", fr.eth(dst, t.mac, fr.ETH_P_IPV6, fr.ra("fe80::1",
                                                               t.mac)))
    send(ten.ns, "atk", fr.eth(dst, t.mac, fr.ETH_P_IPV6, fr.ra(own, t.mac)))
    send(ten.ns, "atk", fr.eth(dst, t.mac, fr.ETH_P_IPV6,
                               fr.echo6("fe80::1", "ff02::1")))
    send(ten.ns, "atk", fr.eth(dst, t.mac, fr.ETH_P_IPV6,
                               fr.echo6(own, "ff02::1")))
    icmp = [f[54] for f, _ in sn.frames()
            if f[12:14] == b"\x86\xdd" and f[20] == 58]
    assert 134 not in icmp
    assert icmp.count(128) == 1


# ---- 5. what an unprivileged caller may read -------------------------------

TENANT_GET = """
import sys, json
sys.path.insert(0, {kdir!r})
import ipvlnl as nl
g = nl.Genl()
g.resolve()
try:
    m = g.request(nl.C["IPVL_CMD_ADDR_GET"],
                  nl.nla_u32(nl.C["IPVL_A_ADDR_LINK_ID"], {lid}) +
                  nl.addr_attrs({addr!r}))
    print(json.dumps({{"msgs": [nl.parse_addr(x) for x in m]}}))
except nl.NlError as e:
    print(json.dumps({{"errno": e.errno}}))
"""


def test_tenant_reads_only_its_own_bindings(world):
    """addr-get with the tenant's own link id and a neighbour's address
    searched the whole port."""
    t, ten = world, world.tenant
    lid = ctl_json("link", "show", "atk")["links"][0]["id"]
    code = TENANT_GET.format(kdir=str(REPO / "tests" / "kernel"), lid=lid,
                             addr=VIC4)
    p = ten.run(f"{PY} -c {shlex.quote(code)}")
    assert json.loads(p.stdout) == {"errno": 2}, p.stdout
    code = TENANT_GET.format(kdir=str(REPO / "tests" / "kernel"), lid=lid,
                             addr=ATK4)
    got = json.loads(ten.run(f"{PY} -c {shlex.quote(code)}").stdout)
    assert [a["addr"] for a in got["msgs"]] == [ATK4]
    seen = json.loads(ten.run(f"{CLI} -j addr show").stdout)
    assert sorted(a["addr"] for a in seen["addrs"]) == sorted([ATK4, ATK6])


def test_unprivileged_host_user_sees_no_tenant_links(world):
    """uid 65534 in the master's namespace listed every tenant's link and
    binding; it sees the port, and links of its own namespace only."""
    t = world
    nobody = "setpriv --reuid 65534 --regid 65534 --clear-groups"
    links = json.loads(sh(f"{nobody} {CLI} -j link show").stdout)
    assert links.get("links", []) == []
    addrs = json.loads(sh(f"{nobody} {CLI} -j addr show").stdout)
    assert addrs.get("addrs", []) == []
    ports = json.loads(sh(f"{nobody} {CLI} -j port show").stdout)
    assert [p["ifname"] for p in ports["ports"]] == [t.master]
    assert len(ctl_json("link", "show")["links"]) == 2


# ---- 6. LLTX on 6.1 ----------------------------------------------------------

def kernel_at_least(major, minor):
    rel = os.uname().release.split(".")
    return (int(rel[0]), int(rel[1])) >= (major, minor)


@pytest.mark.skipif(kernel_at_least(6, 11),
                    reason="LLTX is a private flag from 6.11: ethtool "
                    "cannot show it")
def test_links_transmit_lockless(world):
    p = world.tenant.run("ethtool -k atk")
    assert "tx-lockless: on" in p.stdout, p.stdout


# ---- 7. multicast lists synced to the master --------------------------------

def test_multicast_list_and_allmulti_reach_the_master(world):
    """The victim's bound IPv6 address has a solicited-node group: the
    master must listen to it, or NICs that filter drop the NS."""
    t = world
    group = "33:33:ff:00:00:12"
    assert group in sh(f"ip maddr show dev {t.master}").stdout
    # ip(8) shows the ALLMULTI the user set; sysfs the device's own flags
    def allmulti():
        flags = sh(f"cat /sys/class/net/{t.master}/flags").stdout
        return bool(int(flags, 16) & 0x200)
    assert not allmulti()
    sh(f"ip -n {t.vic_ns} link set vic allmulticast on")
    assert allmulti()
    sh(f"ip -n {t.vic_ns} link set vic allmulticast off")
    assert not allmulti()
    sh(f"ip -n {t.vic_ns} link set vic down")
    assert group not in sh(f"ip maddr show dev {t.master}").stdout


# ---- 8. lower ones -----------------------------------------------------------

def test_broadcast_arp_keeps_its_packet_type(world):
    """A broadcast ARP request for a bound address reached its link as
    PACKET_HOST."""
    t = world
    sn = Sniffer(f"ip netns exec {t.vic_ns}", "vic")
    send(f"ip netns exec {t.out}", t.out_if,
         fr.eth(fr.BROADCAST, t.out_mac, fr.ETH_P_ARP,
                fr.arp(1, t.out_mac, "10.0.0.1", "00:00:00:00:00:00",
                       VIC4)))
    arps = [pt for f, pt in sn.frames() if f[12:14] == b"\x08\x06"]
    assert arps == [fr.PACKET_BROADCAST]


def test_gratuitous_arp_reaches_every_link(world):
    """An outside host announcing its address (gratuitous ARP) reached no
    link, whose neighbour caches then keep a stale MAC."""
    t, ten = world, world.tenant
    s_vic = Sniffer(f"ip netns exec {t.vic_ns}", "vic")
    s_atk = Sniffer(ten.ns, "atk")
    send(f"ip netns exec {t.out}", t.out_if,
         fr.eth(fr.BROADCAST, t.out_mac, fr.ETH_P_ARP,
                fr.arp(1, t.out_mac, "10.0.0.1", "00:00:00:00:00:00",
                       "10.0.0.1")))
    for sn in (s_vic, s_atk):
        arps = [f for f, _ in sn.frames() if f[12:14] == b"\x08\x06"]
        assert len(arps) == 1


def test_binding_tx_not_counted_when_dropped(netns):
    """A private port drops link-to-link traffic: the source binding's tx
    counter moved all the same."""
    t = topo_ipvl(netns, n=2, mode="l3", flag="private", tag="P")
    (n1, (ns1, a1, _)), (n2, (ns2, a2, _)) = t.links.items()

    def tx():
        return {a["addr"]: a["stats"]["tx-packets"]
                for a in ctl_json("-s", "addr", "show")["addrs"]}[a1]
    before = tx()
    assert not ping(ns1, a2, count=2, wait=1)
    assert tx() == before


def test_mtu_change_is_notified(netns):
    t = topo_ipvl(netns, n=1, tag="U")
    (name, (ns, v4, v6)), = t.links.items()
    with ipvlnl.Genl(timeout=10) as g:
        g.subscribe()
        sh(f"ip -n {ns} link set {name} mtu 1400")
        while True:
            m = g.recv_msgs()[0]
            if m.cmd == ipvlnl.C["IPVL_CMD_LINK_CHANGE_NTF"]:
                assert ipvlnl.parse_link(m)["mtu"] == 1400
                break


def test_addr_replace_error_names_the_entry(netns):
    t = topo_ipvl(netns, n=2, tag="E")
    (n1, (ns1, a1, _)), (n2, (ns2, a2, _)) = t.links.items()
    before = ctl_json("addr", "show")
    p = ctl("addr", "replace", n1, a1, a2, "10.1.0.99", check=False)
    assert p.returncode == 2
    assert a2 in p.stderr, p.stderr
    assert ctl_json("addr", "show") == before


def test_tenant_rename_cannot_capture_host_names(world):
    """The tenant renames its link to a name the host is about to use:
    'addr bind NAME' bound the address to the tenant."""
    t, ten = world, world.tenant
    ten.run("sh -c 'ip link set atk down && ip link set atk name web1 && "
            "ip link set web1 up'")
    p = ctl("addr", "bind", "web1", "10.1.0.60", check=False)
    assert p.returncode == 2, p.stdout
    assert "10.1.0.60" not in json.dumps(ctl_json("addr", "show"))
    ctl("addr", "bind", "atk", "10.1.0.61")
    link = ctl_json("link", "show", "atk")["links"][0]
    assert link["ifname"] == "web1"


def physical_nic():
    """The guest's virtio NIC (tests/vm/vm.py), a device with a bus device
    and no rtnl_link_ops, as a real host's NIC; None without its driver."""
    sh("modprobe virtio_net", check=False)
    for _ in range(50):
        for dev in sorted(os.listdir("/sys/class/net")):
            if os.path.exists(f"/sys/class/net/{dev}/device"):
                # not "eth0": tests of the CNI plugin expect no such name
                # in the host's namespace
                if dev != "pnic0":
                    sh(f"ip link set {dev} name pnic0")
                return "pnic0"
        time.sleep(0.1)
    return None


def test_tenant_port_on_a_physical_nic_dies_with_its_netns(ipvl):
    """A tenant given a physical NIC makes a port on it: when its namespace
    goes, the NIC returns to the initial namespace, without the port."""
    nic = physical_nic()
    assert nic, "no physical NIC in the guest (tests/vm/vm.py adds one)"
    ten = Tenant()
    try:
        sh(f"ip link set {nic} netns {ten.pid}")
        ten.run(f"ip link set {nic} up")
        ten.run(f"{CLI} port add {nic} mode l3")
        ten.run(f"{CLI} link add tv0 port {nic}")
        ten.run(f"{CLI} addr bind tv0 10.9.9.9")
    finally:
        ten.close()
    for _ in range(100):
        if os.path.exists(f"/sys/class/net/{nic}"):
            break
        time.sleep(0.1)
    assert os.path.exists(f"/sys/class/net/{nic}"), "the NIC did not return"
    assert nic not in [p["ifname"]
                       for p in ctl_json("port", "show").get("ports", [])]
    ctl("port", "add", nic, "mode", "l3")   # its rx_handler is free
    ctl("port", "del", nic)


def test_tenant_rtnetlink_surface(world):
    """What ipvl(7) lets a tenant do to its own link through rtnetlink, and
    what it refuses: its MAC is the master's, its MTU at most the master's;
    it may delete the link, and the bindings go with it."""
    t, ten = world, world.tenant
    assert ten.run("ip link set atk address 02:00:5e:00:53:01",
                   check=False).returncode != 0
    # (sysfs under nsenter is the host's: ask rtnetlink in the namespace)
    link = json.loads(ten.run("ip -j link show atk").stdout)[0]
    assert link["address"] == t.mac
    assert ten.run("ip link set atk mtu 9000", check=False).returncode != 0
    ten.run("ip link set atk mtu 1400")
    assert ctl_json("link", "show", "atk")["links"][0]["mtu"] == 1400
    ten.run("ip link del atk")
    assert [lk["ifname"] for lk in ctl_json("link", "show")["links"]] == \
        ["vic"]
    assert sorted(a["addr"] for a in ctl_json("addr", "show")["addrs"]) == \
        sorted([VIC4, VIC6])
    assert port_stats(t.master) is not None
