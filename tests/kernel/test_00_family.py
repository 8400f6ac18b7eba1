"""The family exists, answers get-info, and rejects malformed requests."""
import json
import struct
import subprocess
import sys

import pytest

from conftest import CLI, SPEC, YNL_DIR, ctl, ctl_json, sh
import rawgenl as rg

IPVL_CMD_GET_INFO, IPVL_CMD_PORT_GET, IPVL_CMD_PORT_NEW = 1, 2, 3
IPVL_A_INFO_MODULE_VERSION, IPVL_A_INFO_FAMILY_VERSION = 1, 2
IPVL_A_PORT_IFINDEX, IPVL_A_PORT_IFNAME, IPVL_A_PORT_MODE = 1, 2, 3
IPVL_A_PORT_FLAGS = 4

VERSION = (SPEC.parent.parent / "VERSION").read_text().strip()


def test_genl_ctrl_lists_family(ipvl):
    out = sh("genl ctrl get name ipvl").stdout
    assert "Name: ipvl" in out
    assert "Version: 0x1" in out
    assert "monitor" in out
    # every command of the spec is registered (ids 1..12)
    for cmd in range(1, 13):
        assert f"ID-0x{cmd:x} " in out, out


def test_info_cli(ipvl):
    p = ctl("info")
    assert VERSION in p.stdout
    info = ctl_json("info")["info"]
    assert info["module-version"] == VERSION
    assert info["family-version"] == 1
    assert "mode-l3" in info["features"]


def test_info_pyroute2_agrees(ipvl):
    from pyroute2.netlink import genlmsg, NLM_F_REQUEST
    from pyroute2.netlink.generic import GenericNetlinkSocket

    class info_msg(genlmsg):
        nla_map = (("IPVL_A_INFO_UNSPEC", "none"),
                   ("IPVL_A_INFO_MODULE_VERSION", "asciiz"),
                   ("IPVL_A_INFO_FAMILY_VERSION", "uint32"),
                   ("IPVL_A_INFO_FEATURES", "uint32"))

    s = GenericNetlinkSocket()
    try:
        s.bind("ipvl", info_msg)
        assert "monitor" in s.mcast_groups
        m = info_msg()
        m["cmd"] = IPVL_CMD_GET_INFO
        m["version"] = 1
        r = s.nlm_request(m, msg_type=s.prid, msg_flags=NLM_F_REQUEST)[0]
        assert r.get_attr("IPVL_A_INFO_MODULE_VERSION") == VERSION
        assert r.get_attr("IPVL_A_INFO_FAMILY_VERSION") == 1
        cli = ctl_json("info")["info"]
        feats = r.get_attr("IPVL_A_INFO_FEATURES")
        assert bin(feats).count("1") == len(cli["features"])
    finally:
        s.close()


def ynl(*args):
    cmd = [sys.executable, str(YNL_DIR / "cli.py"), "--spec", str(SPEC),
           "--no-schema", *args]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    return p


def test_info_ynl_agrees(ipvl):
    if not (YNL_DIR / "cli.py").exists():
        # make check extracts it (scripts/gen-uapi.sh); the guest hides an
        # IPVL_CACHE under /tmp, /var/tmp, /run or /root behind its tmpfs
        pytest.skip(f"ynl not found in {YNL_DIR} (make check-uapi extracts "
                    "it; a cache under /tmp, /var/tmp, /run or /root is "
                    "hidden in the guest)")
    p = ynl("--do", "get-info", "--output-json")
    assert p.returncode == 0, p.stderr
    got = json.loads(p.stdout)
    assert got["module-version"] == VERSION
    assert got["family-version"] == 1


@pytest.fixture
def genl(ipvl):
    g = rg.Genl()
    fam = g.family("ipvl")
    yield g, fam
    g.close()


def test_unknown_attribute_rejected(genl):
    g, fam = genl
    with pytest.raises(rg.NlError) as e:
        g.request(fam, IPVL_CMD_PORT_GET, rg.u32(60, 1))
    assert e.value.errno == 22
    assert e.value.msg, "no extack message"


def test_wrong_type_rejected(genl):
    g, fam = genl
    # ifindex must be a u32: give it two bytes
    with pytest.raises(rg.NlError) as e:
        g.request(fam, IPVL_CMD_PORT_GET,
                  rg.attr(IPVL_A_PORT_IFINDEX, b"\x01\x00"))
    assert e.value.errno == 22
    assert e.value.msg


def test_out_of_range_mode_rejected(genl):
    g, fam = genl
    with pytest.raises(rg.NlError) as e:
        g.request(fam, IPVL_CMD_PORT_NEW,
                  rg.attr(IPVL_A_PORT_IFNAME, "lo") +
                  rg.u32(IPVL_A_PORT_MODE, 7))
    assert e.value.errno == 34      # ERANGE
    assert "out of range" in e.value.msg


def test_private_and_vepa_rejected(genl, netns):
    g, fam = genl
    dev = netns.host_dev("pv0")
    sh(f"ip link add {dev} type dummy")
    with pytest.raises(rg.NlError) as e:
        g.request(fam, IPVL_CMD_PORT_NEW,
                  rg.attr(IPVL_A_PORT_IFNAME, dev) +
                  rg.u32(IPVL_A_PORT_MODE, 1) + rg.u32(IPVL_A_PORT_FLAGS, 3))
    assert e.value.errno == 22
    assert "mutually exclusive" in e.value.msg
    assert ctl_json("port", "show").get("ports", []) == []


def test_missing_required_attribute(genl, netns):
    g, fam = genl
    dev = netns.host_dev("pv1")
    sh(f"ip link add {dev} type dummy")
    with pytest.raises(rg.NlError) as e:
        g.request(fam, IPVL_CMD_PORT_NEW, rg.attr(IPVL_A_PORT_IFNAME, dev))
    assert e.value.errno == 22
    assert ctl_json("port", "show").get("ports", []) == []


def test_create_flag_refused(genl):
    g, fam = genl
    with pytest.raises(rg.NlError) as e:
        g.request(fam, IPVL_CMD_GET_INFO, b"",
                  rg.NLM_F_REQUEST | rg.NLM_F_ACK | rg.NLM_F_CREATE)
    assert e.value.errno == 22


def test_dump_of_nothing_is_empty(genl):
    g, fam = genl
    assert g.request(fam, IPVL_CMD_PORT_GET, b"",
                     rg.NLM_F_REQUEST | rg.NLM_F_ACK | rg.NLM_F_DUMP) == []
