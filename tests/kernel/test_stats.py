"""Counters are exact at link, port and binding level, and agree with
the netdev statistics; each drop reason is counted once per drop."""
import json
import os
import subprocess
import threading
import time

import pytest

from conftest import ctl, ctl_json, ping, sh, topo_ipvl

PAYLOAD = 100
FRAME = 14 + 20 + 8 + PAYLOAD      # Ethernet + IPv4 + UDP + payload

RECV = r'''
import os, socket, sys, select
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("", 9999))
print("ready", flush=True)
n = 0
# until the test says the sender is done, then until the queue is empty
while not os.path.exists(sys.argv[1]) or select.select([s], [], [], 0.5)[0]:
    if select.select([s], [], [], 0.2)[0]:
        s.recv(4096)
        n += 1
print(n, flush=True)
'''

SEND = r'''
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[2])):
    s.sendto(b"x" * int(sys.argv[3]), (sys.argv[1], 9999))
'''


def send_udp(src_ns, dst_ns, dst, count):
    stop = f"/tmp/ipvl-stop-{os.getpid()}-{time.monotonic_ns()}"
    r = subprocess.Popen(["ip", "netns", "exec", dst_ns, "/usr/bin/python3",
                          "-c", RECV, stop], stdout=subprocess.PIPE, text=True)
    assert r.stdout.readline().strip() == "ready"
    sh(f"ip netns exec {src_ns} /usr/bin/python3 -c '{SEND}' {dst} {count} "
       f"{PAYLOAD}")
    open(stop, "w").close()
    got = int(r.communicate(timeout=60)[0].strip())
    os.unlink(stop)
    assert got == count


def snap(t):
    links = {l["ifname"]: l["stats"]
             for l in ctl_json("-s", "link", "show")["links"]}
    port = ctl_json("-s", "port", "show", t.master)["ports"][0]["stats"]
    addrs = {a["addr"]: a["stats"]
             for a in ctl_json("-s", "addr", "show")["addrs"]}
    return links, port, addrs


def delta(a, b):
    return {k: b[k] - a[k] for k in a}


def test_counters_exact(netns):
    t = topo_ipvl(netns, n=2, tag="X")
    (n1, (c1, a1, _)), (n2, (c2, a2, _)) = t.links.items()
    l0, p0, b0 = snap(t)
    send_udp(t.out, c1, a1, 100)          # outside -> link 1
    send_udp(c1, t.out, "10.0.0.1", 50)   # link 1 -> outside
    send_udp(c1, c2, a2, 20)              # link 1 -> link 2
    l1, p1, b1 = snap(t)

    d1, d2 = delta(l0[n1], l1[n1]), delta(l0[n2], l1[n2])
    assert (d1["rx-packets"], d1["rx-bytes"]) == (100, 100 * FRAME)
    assert (d1["tx-packets"], d1["tx-bytes"]) == (70, 70 * FRAME)
    assert (d2["rx-packets"], d2["rx-bytes"]) == (20, 20 * FRAME)
    assert d2["tx-packets"] == 0
    dp = delta(p0, p1)
    assert dp["rx-dispatched"] == 100
    assert dp["tx-out"] == 50
    assert dp["tx-local"] == 20
    da1, da2 = delta(b0[a1], b1[a1]), delta(b0[a2], b1[a2])
    assert (da1["rx-packets"], da1["rx-bytes"]) == (100, 100 * FRAME)
    assert (da1["tx-packets"], da1["tx-bytes"]) == (70, 70 * FRAME)
    assert (da2["rx-packets"], da2["tx-packets"]) == (20, 0)

    # ip -s link (the netdev's own view) agrees with ipvlanctl
    for name, ns in ((n1, c1), (n2, c2)):
        ip = json.loads(sh(f"ip -n {ns} -s -j link show {name}").stdout)[0]
        st = ctl_json("-s", "link", "show", name)["links"][0]["stats"]
        assert ip["stats64"]["rx"]["packets"] == st["rx-packets"]
        assert ip["stats64"]["rx"]["bytes"] == st["rx-bytes"]
        assert ip["stats64"]["tx"]["packets"] == st["tx-packets"]
        assert ip["stats64"]["tx"]["bytes"] == st["tx-bytes"]


def reason(t, name):
    return ctl_json("-s", "port", "show", t.master)["ports"][0]["stats"][name]


def test_drop_reasons_counted_once(netns):
    t = topo_ipvl(netns, n=2, tag="Y")
    (n1, (c1, a1, _)), (n2, (c2, a2, _)) = t.links.items()

    before = reason(t, "drop-spoofed")
    sh(f"ip -n {c1} addr add 10.1.0.88/32 dev {n1}")
    ping(c1, "10.0.0.1", count=1, wait=1, src="10.1.0.88")
    assert reason(t, "drop-spoofed") == before + 1

    before = reason(t, "drop-link-down")
    sh(f"ip -n {c2} link set {n2} down")
    ping(t.out, a2, count=1, wait=1)
    assert reason(t, "drop-link-down") == before + 1
    sh(f"ip -n {c2} link set {n2} up")
    sh(f"ip -n {c2} route add default dev {n2}", check=False)

    ctl("port", "set", t.master, "private")
    before = reason(t, "drop-policy")
    ping(c1, a2, count=1, wait=1)
    assert reason(t, "drop-policy") == before + 1
    ctl("port", "set", t.master, "bridge")

    before = reason(t, "drop-malformed")
    bad = ("import socket;s=socket.socket(socket.AF_PACKET,socket.SOCK_RAW);"
           f"s.bind(('{n1}',0));s.send(b'\\x02'*12+b'\\x08\\x00'+b'\\x45')")
    sh(f"ip netns exec {c1} /usr/bin/python3 -c \"{bad}\"")
    assert reason(t, "drop-malformed") == before + 1


@pytest.mark.slow
def test_counters_monotonic_under_load(netns):
    t = topo_ipvl(netns, n=1, tag="W")
    (n1, (c1, a1, _)), = t.links.items()
    sh(f"ip netns exec {c1} iperf3 -s -1 -D -p 5202")
    time.sleep(0.3)
    client = subprocess.Popen(["ip", "netns", "exec", t.out, "iperf3", "-c",
                               a1, "-t", "4", "-P", "2", "-p", "5202"],
                              stdout=subprocess.DEVNULL)
    seen = []
    for _ in range(15):
        seen.append(ctl_json("-s", "link", "show", n1)["links"][0]["stats"])
        time.sleep(0.2)
    client.wait(timeout=60)
    for k in ("rx-packets", "rx-bytes", "tx-packets", "tx-bytes"):
        vals = [s[k] for s in seen]
        assert vals == sorted(vals), k
    assert seen[-1]["rx-packets"] > seen[0]["rx-packets"]
