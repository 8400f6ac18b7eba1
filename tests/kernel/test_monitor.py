"""ipvlanctl monitor against the module's notifications: the exact event
sequence of a scripted provisioning, the same seen by a pyroute2
GenericNetlinkSocket subscribed to the group, filters, link changes, and
a clean exit on SIGTERM."""
import json
import select
import signal
import subprocess
import time

import pytest

from conftest import CLI, ctl, sh

NTF = {13: "port-new", 14: "port-change", 15: "port-del", 16: "link-new",
       17: "link-change", 18: "link-del", 19: "addr-new", 20: "addr-del"}


class Monitor:
    """ipvlanctl [-j] monitor ..., its output in a file. Subscribed for
    sure once the events of a sentinel (a port with a link and a binding,
    added and deleted) have been seen."""

    def __init__(self, tmp_path, netns, *args, json_=True, tag="s"):
        self.out = tmp_path / f"monitor-{tag}.out"
        self.err = tmp_path / f"monitor-{tag}.err"
        self.json = json_
        self.sentinel = netns.host_dev(f"snt{tag}")
        sh(f"ip link add {self.sentinel} type dummy")
        argv = [CLI] + (["-j"] if json_ else []) + ["monitor", *args]
        with open(self.out, "w") as o, open(self.err, "w") as e:
            self.proc = subprocess.Popen(argv, stdout=o, stderr=e)

    def lines(self):
        return self.out.read_text().splitlines()

    def sync(self, timeout=30):
        """Make and delete the sentinel until the last of its events that
        the monitor prints (a deletion) is seen; return the number of lines
        up to there."""
        end = time.time() + timeout
        link = "sl" + self.sentinel[3:]
        while time.time() < end:
            ctl("port", "add", self.sentinel, "mode", "l3")
            ctl("link", "add", link, "port", self.sentinel)
            ctl("addr", "bind", link, "10.255.255.254")
            ctl("port", "del", self.sentinel, "force")
            for _ in range(20):
                lines = self.lines()
                for i in range(len(lines) - 1, -1, -1):
                    if self.sentinel in lines[i] and "-del" in lines[i]:
                        return i + 1
                time.sleep(0.05)
        raise AssertionError("the monitor never saw the sentinel")

    def between(self, start, end):
        """The lines from start to end that are not about a sentinel (of
        any monitor: all their masters are named snt*)."""
        return [l for l in self.lines()[start:end] if "snt" not in l]

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        rc = self.proc.wait(timeout=30)
        assert rc == 0, self.err.read_text()
        assert self.err.read_text() == ""
        return self.lines()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def monitors(tmp_path, netns):
    made = []

    def start(*args, **kw):
        m = Monitor(tmp_path, netns, *args, tag=str(len(made)), **kw)
        made.append(m)
        return m

    yield start
    for m in made:
        m.kill()


def pyroute2_socket():
    from pyroute2.netlink import genlmsg
    from pyroute2.netlink.generic import GenericNetlinkSocket

    class ntf(genlmsg):
        nla_map = tuple((f"A{i}", "hex") for i in range(16))

    s = GenericNetlinkSocket()
    s.bind("ipvl", ntf)
    s.add_membership("monitor")
    return s


def pyroute2_drain(s, quiet=1.0):
    """The notifications received until quiet seconds pass without one."""
    cmds = []
    while select.select([s.fileno()], [], [], quiet)[0]:
        for msg in s.get():
            cmd = msg.get("cmd")
            if cmd in NTF:
                cmds.append(NTF[cmd])
    return cmds


def test_scripted_sequence(netns, monitors):
    """port add, link add, bind, unbind, master delete: the exact events,
    the same as a pyroute2 socket subscribed to the group sees."""
    master = netns.host_dev("mon0")
    ns = netns.add("mon")
    sh(f"ip link add {master} type dummy")
    sh(f"ip link set {master} up")
    mon = monitors()
    start = mon.sync()
    s = pyroute2_socket()
    try:
        ctl("port", "add", master, "mode", "l3", "private")
        ctl("link", "add", "mv1", "port", master, "netns", ns)
        ctl("addr", "bind", "mv1", "10.77.0.1", "fd77::1")
        ctl("addr", "unbind", "mv1", "10.77.0.1")
        sh(f"ip link del {master}")
        got = pyroute2_drain(s)
    finally:
        s.close()
    end = mon.sync()
    events = [json.loads(l) for l in mon.between(start, end)]
    mon.stop()

    want = [("port-new", "port", master), ("link-new", "link", "mv1"),
            ("addr-new", "addr", "10.77.0.1"), ("addr-new", "addr", "fd77::1"),
            ("addr-del", "addr", "10.77.0.1"), ("addr-del", "addr", "fd77::1"),
            ("link-del", "link", "mv1"), ("port-del", "port", master)]
    assert [e["event"] for e in events] == [w[0] for w in want], events
    for e, (name, obj, key) in zip(events, want):
        assert set(e) == {"event", obj}
        o = e[obj]
        assert (o["addr"] if obj == "addr" else o["ifname"]) == key
    port_new, link_new = events[0]["port"], events[1]["link"]
    assert port_new["flags"] == ["private"] and port_new["link-count"] == 0
    assert link_new["port-ifname"] == master and "netnsid" in link_new
    assert events[2]["addr"]["link-ifname"] == "mv1"
    # what goes with a deleted object is reported as it was
    assert events[6]["link"]["binding-count"] == 0
    assert events[7]["port"]["link-count"] == 0

    # the same kinds, in the same order, straight from the group
    assert got == [w[0] for w in want]


def test_text_and_filter(netns, monitors):
    master = netns.host_dev("mon1")
    sh(f"ip link add {master} type dummy")
    text = monitors(json_=False)
    addrs = monitors("addr")
    t0, a0 = text.sync(), addrs.sync()
    ctl("port", "add", master, "mode", "l3")
    ctl("link", "add", "mt1", "port", master)
    ctl("addr", "bind", "mt1", "10.78.0.1")
    ctl("port", "del", master, "force")
    t1, a1 = text.sync(), addrs.sync()
    tl = text.between(t0, t1)
    al = addrs.between(a0, a1)
    text.stop(signal.SIGINT)
    addrs.stop()
    assert [l.split()[0] for l in tl] == [
        "[port-new]", "[link-new]", "[addr-new]", "[addr-del]", "[link-del]",
        "[port-del]"]
    assert tl[0] == f"[port-new] {master}: mode l3 bridge spoofcheck " \
        "links 0 bindings 0"
    assert tl[2] == f"[addr-new] 10.78.0.1 link mt1 port {master}"
    assert [json.loads(l)["event"] for l in al] == ["addr-new", "addr-del"]


def test_link_change(netns, monitors):
    master = netns.host_dev("mon2")
    ns1, ns2 = netns.add("mc"), netns.add("mc")
    sh(f"ip link add {master} type dummy")
    ctl("port", "add", master, "mode", "l3")
    ctl("link", "add", "mc1", "port", master, "netns", ns1)
    mon = monitors("link")
    start = mon.sync()
    sh(f"ip -n {ns1} link set mc1 netns {ns2}")
    sh(f"ip -n {ns2} link set mc1 name mc2")
    ctl("link", "del", "mc2")
    end = mon.sync()
    events = [json.loads(l) for l in mon.between(start, end)]
    mon.stop()
    assert [(e["event"], e["link"]["ifname"]) for e in events] == [
        ("link-change", "mc1"), ("link-change", "mc2"), ("link-del", "mc2")]
