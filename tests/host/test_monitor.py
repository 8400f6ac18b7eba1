"""ipvlanctl monitor against the fake family: the fake queues a fixed
sequence of notifications when the monitor joins the group (see
libipvlanctl/tests/fakegenl.h) and, with FAKEGENL_EVENTS_TERM, raises
SIGTERM once they are read."""
import json
import signal
import subprocess
import time

import pytest

from conftest import CLI, _env

END = {"FAKEGENL_EVENTS_TERM": "1"}

TEXT = [
    "[port-new] eth1: mode l2 private nospoofcheck links 0 bindings 0",
    "[link-new] ipvl2: id 2 port eth0 netnsid 0 mtu 1400 bindings 1",
    "[addr-new] 10.0.0.6 link ipvl2 port eth0",
    "[port-change] eth0: mode l3 bridge spoofcheck links 2 bindings 3",
    "[link-change] ipvl1: id 1 port eth0 mtu 1500 bindings 2",
    "[addr-del] 10.0.0.6 link ipvl2 port eth0",
    "[link-del] ipvl2: id 2 port eth0 netnsid 0 mtu 1400 bindings 1",
    "[port-del] eth1: mode l2 private nospoofcheck links 0 bindings 0",
]

ETH1 = {"ifindex": 3, "ifname": "eth1", "mode": "l2", "flags": ["private"],
        "spoof-check": False, "link-count": 0, "binding-count": 0}
ETH0 = {"ifindex": 2, "ifname": "eth0", "mode": "l3", "flags": [],
        "spoof-check": True, "link-count": 2, "binding-count": 3}
IPVL1 = {"id": 1, "ifindex": 5, "ifname": "ipvl1", "port-ifindex": 2,
         "port-ifname": "eth0", "mtu": 1500, "binding-count": 2}
IPVL2 = {"id": 2, "ifindex": 2, "ifname": "ipvl2", "port-ifindex": 2,
         "port-ifname": "eth0", "netnsid": 0, "mtu": 1400,
         "binding-count": 1}
ADDR6 = {"family": "inet", "addr": "10.0.0.6", "link-id": 2,
         "link-ifname": "ipvl2", "port-ifindex": 2, "port-ifname": "eth0"}

JSON = [
    {"event": "port-new", "port": ETH1},
    {"event": "link-new", "link": IPVL2},
    {"event": "addr-new", "addr": ADDR6},
    {"event": "port-change", "port": ETH0},
    {"event": "link-change", "link": IPVL1},
    {"event": "addr-del", "addr": ADDR6},
    {"event": "link-del", "link": IPVL2},
    {"event": "port-del", "port": ETH1},
]


def test_text(fake):
    p = fake("monitor", env=END)
    assert p.returncode == 0, p.stderr
    assert p.stderr == ""
    assert p.stdout.splitlines() == TEXT


def test_json_one_object_per_line(fake):
    p = fake("-j", "monitor", env=END)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert [json.loads(l) for l in lines] == JSON
    # compact, one line each
    assert lines[0] == ('{"event":"port-new","port":{"ifindex":3,"ifname":'
                        '"eth1","mode":"l2","flags":["private"],'
                        '"spoof-check":false,"link-count":0,'
                        '"binding-count":0}}')


def test_json_pretty(fake):
    p = fake("-j", "-p", "monitor", "addr", env=END)
    assert p.returncode == 0
    assert p.stdout.startswith('{\n  "event": "addr-new",\n  "addr": {\n')
    docs, buf = [], ""
    for line in p.stdout.splitlines(keepends=True):
        buf += line
        if line == "}\n":
            docs.append(json.loads(buf))
            buf = ""
    assert docs == [JSON[2], JSON[5]]


@pytest.mark.parametrize("obj,events", [
    ("port", ["port-new", "port-change", "port-del"]),
    ("link", ["link-new", "link-change", "link-del"]),
    ("addr", ["addr-new", "addr-del"]),
])
def test_filter(fake, obj, events):
    p = fake("-j", "monitor", obj, env=END)
    assert p.returncode == 0
    got = [json.loads(l) for l in p.stdout.splitlines()]
    assert [e["event"] for e in got] == events
    assert all(set(e) == {"event", obj} for e in got)


def test_stats(fake):
    p = fake("-j", "-s", "monitor", "link", env=END)
    got = [json.loads(l) for l in p.stdout.splitlines()]
    assert got[0]["link"]["stats"]["tx-dropped"] == 207
    p = fake("-s", "monitor", "addr", env=END)
    assert p.stdout.splitlines()[1].split() == ["RX:", "packets", "bytes"]


def test_lost_events(fake):
    env = dict(END, FAKEGENL_OVERRUN="1")
    p = fake("monitor", env=env)
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines() == TEXT[:5] + [
        "[lost] events were lost: the receive buffer overflowed", TEXT[7]]
    p = fake("-j", "monitor", "port", env=env)
    assert [json.loads(l)["event"] for l in p.stdout.splitlines()] == \
        ["port-new", "port-change", "lost", "port-del"]


def test_family_missing(fake):
    p = fake("monitor", env={"FAKEGENL_NOFAMILY": "1"})
    assert p.returncode == 2
    assert p.stderr == ('Error: the generic netlink family "ipvl" does not '
                        'exist (is the ipvl module available?).\n')


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_ends_it_cleanly(sig):
    """A signal from outside, while it waits: status 0, lines whole."""
    env = _env({}, fake=True)
    proc = subprocess.Popen([str(CLI), "-j", "monitor"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        # each event is flushed as it is printed, before any signal
        lines = [proc.stdout.readline() for _ in JSON]
        time.sleep(0.2)
        proc.send_signal(sig)
        proc.wait(timeout=20)
        rest, err = proc.stdout.read(), proc.stderr.read()
    finally:
        proc.kill()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == 0, err
    assert err == "" and rest == ""
    assert [json.loads(l) for l in lines] == JSON
