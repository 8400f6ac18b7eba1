"""save, delete everything, restore: the same ports, links and bindings;
restoring twice changes nothing (no event, same ids); restore ... check
says what would change."""
import json
import signal
import subprocess
import time

import pytest

from conftest import CLI, ctl, ctl_json, sh

PORTS = [("sr0", "bridge", "spoofcheck", 1500),
         ("sr1", "private", "nospoofcheck", 9000),
         ("sr2", "vepa", "spoofcheck", 1500)]
MODES = ["l2", "l3", "l3s"]


def snapshot():
    """port, link and addr show, without what a restore may change: ids,
    ifindexes and counters."""
    ports = ctl_json("-s", "port", "show")["ports"]
    links = ctl_json("-s", "link", "show")["links"]
    addrs = ctl_json("-s", "addr", "show")["addrs"]
    for p in ports:
        del p["ifindex"], p["stats"]
    for l in links:
        del l["id"], l["ifindex"], l["port-ifindex"], l["stats"]
    for a in addrs:
        del a["link-id"], a["port-ifindex"], a["stats"]
    return {"ports": ports, "links": links, "addrs": addrs}


def ids():
    return [(l["ifname"], l["id"]) for l in
            ctl_json("link", "show")["links"]]


@pytest.fixture
def topology(netns, tmp_path):
    """3 ports (modes l2, l3, l3s; bridge, private, vepa; one without the source
    check; one master with a larger MTU), 20 links in 10 namespaces, each
    with IPv4 and IPv6 bindings, one link with a smaller MTU."""
    nss = [netns.add("sv") for _ in range(10)]
    lines = []
    for (dev, flag, spoof, mtu), mode in zip(PORTS, MODES):
        netns.host_dev(dev)
        sh(f"ip link add {dev} type dummy")
        sh(f"ip link set {dev} mtu {mtu} up")
        lines.append(f"port add {dev} mode {mode} {flag} {spoof}")
    for i in range(20):
        dev = PORTS[i % 3][0]
        ns = nss[i // 2]
        mtu = " mtu 1400" if i == 4 else ""
        lines.append(f"link add sl{i} port {dev} netns {ns}{mtu}")
        addrs = [f"10.40.{i}.1", f"fd40::{i:x}:1"]
        if i % 4 == 0:
            addrs += [f"10.40.{i}.2", f"fd40::{i:x}:2"]
        lines.append(f"addr bind sl{i} " + " ".join(addrs))
    path = tmp_path / "build"
    path.write_text("\n".join(lines) + "\n")
    p = subprocess.run([CLI, "-b", str(path)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return nss


@pytest.mark.slow
def test_save_delete_restore(topology, tmp_path):
    before = snapshot()
    assert len(before["ports"]) == 3 and len(before["links"]) == 20
    assert len(before["addrs"]) == 20 * 2 + 5 * 2
    conf = tmp_path / "ipvlanctl.conf"
    p = ctl("save")
    assert p.stderr == ""
    conf.write_text(p.stdout)
    saved = p.stdout.splitlines()
    assert saved[1:4] == ["port add sr0 mode l2 bridge spoofcheck",
                          "port add sr1 mode l3 private nospoofcheck",
                          "port add sr2 mode l3s vepa spoofcheck"]
    assert saved[4] == f"link add sl0 port sr0 netns {topology[0]} exist-ok"
    # the MTU of sr1's master (9000) is the default of its links
    assert f"link add sl1 port sr1 netns {topology[0]} exist-ok" in saved
    assert f"link add sl4 port sr1 netns {topology[2]} mtu 1400 exist-ok" \
        in saved
    assert "addr bind sl0 fd40::0:2" not in saved and \
        "addr bind sl0 fd40::2" in saved
    assert len([l for l in saved if l.startswith("addr bind")]) == 50

    for dev, *_ in PORTS:
        ctl("port", "del", dev, "force")
    assert ctl_json("port", "show") == {"ports": []}
    assert ctl_json("link", "show") == {"links": []}

    p = ctl("restore", conf)
    assert p.stdout == p.stderr == ""
    assert snapshot() == before
    # a second save is the first
    assert ctl("save").stdout == conf.read_text()


@pytest.mark.slow
def test_restore_twice_is_a_no_op(topology, tmp_path, netns):
    conf = tmp_path / "ipvlanctl.conf"
    conf.write_text(ctl("save").stdout)
    before, before_ids = snapshot(), ids()

    # no event at all between two sentinels
    out = tmp_path / "monitor.out"
    sentinel = netns.host_dev("sntr")
    sh(f"ip link add {sentinel} type dummy")
    with open(out, "w") as o:
        mon = subprocess.Popen([CLI, "-j", "monitor"], stdout=o)
    try:
        def sync():
            for _ in range(100):
                ctl("port", "add", sentinel, "mode", "l3")
                ctl("port", "del", sentinel)
                time.sleep(0.1)
                lines = out.read_text().splitlines()
                if lines and sentinel in lines[-1] and "port-del" in lines[-1]:
                    return len(lines)
            raise AssertionError("no sentinel")

        start = sync()
        for _ in range(2):
            p = ctl("restore", conf)
            assert p.stdout == p.stderr == ""
        end = sync()
        events = [json.loads(l) for l in
                  out.read_text().splitlines()[start:end]]
    finally:
        mon.send_signal(signal.SIGTERM)
        assert mon.wait(timeout=30) == 0
    assert [e["event"] for e in events] == ["port-new", "port-del"]
    assert snapshot() == before and ids() == before_ids

    # and check agrees: nothing to do
    p = ctl("restore", conf, "check")
    assert p.stdout == p.stderr == ""


@pytest.mark.slow
def test_restore_check(topology, tmp_path):
    conf = tmp_path / "c.conf"
    text = ctl("save").stdout
    ctl("link", "del", "sl3")
    ctl("addr", "unbind", "sl5", "10.40.5.1")
    ctl("addr", "bind", "sl6", "10.40.50.1")
    conf.write_text(text + "addr bind sl9 10.40.50.1\n"
                    "port add sr0 mode l3 private\n")
    before = snapshot()
    p = ctl("restore", conf, "check", check=False)
    assert p.returncode == 2
    lines = text.splitlines()
    n3 = lines.index(next(l for l in lines if l.startswith("link add sl3 ")))
    n5 = lines.index("addr bind sl5 10.40.5.1")
    # 1-based line numbers, as printed
    assert p.stdout.splitlines() == [
        f"{conf}:{n3 + 1}: {lines[n3]}",
        f"{conf}:{n3 + 2}: {lines[n3 + 1]}",
        f"{conf}:{n3 + 3}: {lines[n3 + 2]}",
        f"{conf}:{n5 + 1}: {lines[n5]}"]
    assert p.stderr.splitlines() == [
        f"{conf}:{len(lines) + 1}: Error: 10.40.50.1: address is bound to "
        "link sl6 of this port.",
        f"{conf}:{len(lines) + 2}: Error: port on sr0 exists with other "
        "settings: mode l2 bridge spoofcheck, not mode l3 private "
        "spoofcheck."]
    assert snapshot() == before

    # restore applies what check printed, and stops at the conflict
    p = ctl("restore", conf, check=False)
    assert p.returncode == 2
    assert p.stderr.startswith(f"{conf}:{len(lines) + 1}: Error: address "
                               "is bound to link sl6")
    after = snapshot()
    assert len(after["links"]) == 20
    assert {"10.40.5.1", "10.40.3.1"} <= {a["addr"] for a in after["addrs"]}
