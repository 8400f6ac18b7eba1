"""ipvlanctl save, restore and restore ... check against the fake family.

The fake's data set: ports eth0 (l3, bridge) and eth1 (l2, private,
nospoofcheck); link ipvl1 on eth0 in our namespace (mtu 1500) with
10.0.0.5 and fd00::5, link ipvl2 on eth0 in the namespace of netnsid 0
(mtu 1400) with 10.0.0.6. What this host has (an eth0, a named namespace
with netnsid 0) decides two details of the output."""
import os
from pathlib import Path

import pytest

from conftest import VALGRIND, VG


def host_mtu(dev):
    p = Path(f"/sys/class/net/{dev}/mtu")
    return int(p.read_text()) if p.exists() else None


def test_save(fake):
    p = fake("save")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    version = (Path(__file__).parents[2] / "VERSION").read_text().strip()
    mtu = "" if host_mtu("eth0") == 1500 else " mtu 1500"
    assert lines[:6] == [
        f"# ipvlanctl {version} save",
        "port add eth0 mode l3 bridge spoofcheck",
        "port add eth1 mode l2 private nospoofcheck",
        f"link add ipvl1 port eth0{mtu} exist-ok",
        "addr bind ipvl1 10.0.0.5",
        "addr bind ipvl1 fd00::5"]
    if lines[6].startswith("#"):
        # no namespace of this host has the netnsid 0
        assert lines[6:] == ["# link ipvl2: its network namespace "
                             "(netnsid 0) has no name in /run/netns: "
                             "not saved"]
        assert p.stderr == ("ipvlanctl: save: link ipvl2 is in a network "
                            "namespace without a name (netnsid 0): not "
                            "saved\n")
    else:
        assert lines[6].startswith("link add ipvl2 port eth0 netns ")
        assert lines[7:] == ["addr bind ipvl2 10.0.0.6"]
    assert fake.log() == ["port-get dump", "link-get dump", "addr-get dump"]


def test_save_is_a_valid_restore(fake, tmp_path):
    conf = tmp_path / "ipvlanctl.conf"
    conf.write_text(fake("save").stdout)
    fake.clear()
    p = fake("restore", conf)
    assert p.returncode == 0, p.stderr
    log = fake.log()
    assert log[:3] == ["port-new ifname=eth0 mode=1 flags=0 spoof-check=1",
                       "port-new ifname=eth1 mode=0 flags=1 spoof-check=0",
                       "link-new ifname=ipvl1 port-ifname=eth0 " +
                       ("" if host_mtu("eth0") == 1500 else "mtu=1500 ") +
                       "exist-ok"]


def test_restore_idempotent_port_add(fake, tmp_path):
    conf = tmp_path / "c.conf"
    conf.write_text("port add have0 mode l3\n"
                    "port add have1 mode l3 bridge spoofcheck\n"
                    "link add v0 port have0\n")
    p = fake("restore", conf)
    assert p.returncode == 0, p.stderr
    assert fake.log() == ["port-new ifname=have0 mode=1",
                          "port-get ifname=have0",
                          "port-new ifname=have1 mode=1 flags=0 "
                          "spoof-check=1",
                          "port-get ifname=have1",
                          "link-new ifname=v0 port-ifname=have0 exist-ok"]
    # a batch is not a restore: the port exists
    p = fake("-b", conf)
    assert p.returncode == 2
    assert p.stderr == (f"{conf}:1: Error: master has an ipvl port "
                        "already.\n")


def test_restore_port_with_other_settings(fake, tmp_path):
    conf = tmp_path / "c.conf"
    conf.write_text("port add have0 mode l3\nport add have0 mode l3 private\n"
                    "link add v0 port have0\n")
    p = fake("restore", conf)
    assert p.returncode == 2
    assert p.stderr == (f"{conf}:2: Error: port on have0 exists with other "
                        "settings: mode l3 bridge spoofcheck, not mode l3 "
                        "private spoofcheck.\n")
    assert not any(l.startswith("link-new") for l in fake.log())


@pytest.mark.parametrize("line", ["port del eth0", "link del ipvl1",
                                  "addr unbind ipvl1 10.0.0.5", "port show",
                                  "info", "port set eth0 private"])
def test_restore_allows_only_configuration(fake, tmp_path, line):
    conf = tmp_path / "c.conf"
    conf.write_text(f"port add eth0 mode l3\n{line}\n")
    p = fake("restore", conf)
    assert p.returncode == 1
    assert p.stderr == (f"{conf}:2: restore: only port add, link add, addr "
                        "bind and addr replace may be in a configuration\n")
    assert fake.log() == []


def test_restore_stdin(fake):
    p = fake("restore", "-", input="addr replace ipvl1 fd00::9\n")
    assert p.returncode == 0, p.stderr
    assert fake.log() == ["addr-replace link-ifname=ipvl1 "
                          "list={ ipv6=fd00::9 }"]


CHECK = """\
port add eth0 mode l3
port add eth1 mode l2 private nospoofcheck
port add eth1 mode l3
link add ipvl1 port eth0
link add ipvl1 port eth1
link add new1 port eth0 mtu 1400
addr bind ipvl1 10.0.0.5
addr bind ipvl1 10.0.0.6
addr bind new1 10.0.0.50 fd00::50 10.0.0.50
addr bind ipvl1 127.0.0.1
addr replace ipvl1 10.0.0.5 fd00::5 10.0.0.5
addr replace ipvl1 fd00::5
addr bind nosuch9 10.0.0.1
link add zz port nosuch2
addr bind new1 224.0.0.1
addr bind new1 fe80::1
addr replace new1 10.0.0.5 10.0.0.51
"""


def test_restore_check(fake, tmp_path):
    if host_mtu("eth0") is not None and host_mtu("eth0") < 1400:
        pytest.skip("this host's eth0 has a small mtu")
    if Path("/sys/class/net/new1").exists():
        pytest.skip("this host has a device named new1")
    conf = tmp_path / "c.conf"
    conf.write_text(CHECK)
    p = fake("restore", conf, "check")
    assert p.returncode == 2
    # what would change, nothing else
    assert p.stdout.splitlines() == [
        f"{conf}:6: link add new1 port eth0 mtu 1400",
        f"{conf}:9: addr bind new1 10.0.0.50 fd00::50 10.0.0.50",
        f"{conf}:12: addr replace ipvl1 fd00::5",
        # line 12 left ipvl1 without 10.0.0.5: it is free for new1
        f"{conf}:17: addr replace new1 10.0.0.5 10.0.0.51"]
    # what the kernel would refuse
    assert p.stderr.splitlines() == [
        f"{conf}:3: Error: port on eth1 exists with other settings: mode l2 "
        "private nospoofcheck, not mode l3 bridge spoofcheck.",
        f"{conf}:5: Error: a link named ipvl1 exists on port eth0.",
        f"{conf}:8: Error: 10.0.0.6: address is bound to link ipvl2 of this "
        "port.",
        f"{conf}:10: Error: 127.0.0.1: address must be a unicast IPv4 "
        "address.",
        f"{conf}:13: Error: no such link nosuch9.",
        f"{conf}:14: Error: no such device nosuch2.",
        f"{conf}:15: Error: 224.0.0.1: address must be a unicast IPv4 "
        "address.",
        f"{conf}:16: Error: fe80::1: address must be a global or "
        "unique-local IPv6 unicast address."]
    # nothing was changed: only the dumps
    assert fake.log() == ["port-get dump", "link-get dump", "addr-get dump"]


def test_restore_check_in_place(fake, tmp_path):
    conf = tmp_path / "c.conf"
    conf.write_text("port add eth0 mode l3 bridge spoofcheck\n"
                    "addr bind ipvl1 10.0.0.5 fd00::5\n"
                    "addr replace ipvl1 fd00::5 10.0.0.5\n")
    p = fake("restore", conf, "check")
    assert p.returncode == 0, p.stderr
    assert p.stdout == p.stderr == ""


def test_restore_check_usage_error(fake, tmp_path):
    conf = tmp_path / "c.conf"
    conf.write_text("port add eth0 mode l4\n")
    p = fake("restore", conf, "check")
    assert p.returncode == 1
    assert p.stderr.startswith(f'{conf}:1: unknown mode "l4"')
    assert fake.log() == []


@pytest.mark.skipif(not VALGRIND, reason="valgrind missing")
@pytest.mark.parametrize("check", [False, True])
def test_restore_valgrind(fake, tmp_path, check):
    conf = tmp_path / "c.conf"
    conf.write_text(CHECK if check else fake("save").stdout +
                    "port add have0 mode l3 private\n")
    args = ["restore", conf] + (["check"] if check else [])
    p = fake(*args, wrapper=VG)
    assert p.returncode == 2, p.stderr
    assert "==" not in p.stderr, p.stderr
