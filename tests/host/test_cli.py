"""ipvlanctl on the host: grammar, usage errors (exit 1), kernel errors
(exit 2), output formats against a fake family, leaks, the build."""
import json
import re
import shutil
import subprocess

import pytest

from conftest import (CLI, FAKE, LIBDIR, REPO, VALGRIND, VG, run)

VERSION_FILE = REPO / "VERSION"

GRAMMAR = """\
ipvlanctl info
ipvlanctl port add DEV mode { l2 | l3 | l3s } [ bridge | private | vepa ] [ spoofcheck | nospoofcheck ]
ipvlanctl port set DEV [ mode MODE ] [ bridge | private | vepa ] [ spoofcheck | nospoofcheck ]
ipvlanctl port del DEV [ force ]
ipvlanctl port show [ DEV ]
ipvlanctl link add NAME port DEV [ netns NETNS ] [ mtu MTU ] [ owner OWNER ] [ exist-ok ]
ipvlanctl link del { NAME | id ID }
ipvlanctl link show [ NAME | id ID | port DEV ]
ipvlanctl addr bind LINK ADDR...
ipvlanctl addr unbind LINK ADDR...
ipvlanctl addr replace LINK [ ADDR... ]
ipvlanctl addr show [ LINK | port DEV ]
ipvlanctl stats show [ link LINK | port DEV | addr ADDR ]
ipvlanctl monitor [ port | link | addr ]
ipvlanctl save
ipvlanctl restore FILE [ check ]
""".splitlines()

OBJECTS = ["info", "port", "link", "addr", "stats", "monitor", "save",
           "restore"]


# ---- version and help ------------------------------------------------------

@pytest.mark.parametrize("opt", ["-V", "-Version", "--Version", "-Ver"])
def test_version(cli, opt):
    p = cli(opt)
    assert p.returncode == 0, p.stderr
    want = VERSION_FILE.read_text().strip() if VERSION_FILE.exists() \
        else "unknown"
    assert p.stdout == f"ipvlanctl {want}\n"


@pytest.mark.parametrize("args", [["help"], ["-h"], ["-help"]])
def test_help_prints_full_grammar(cli, args):
    p = cli(*args)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("Usage: ipvlanctl [ OPTIONS ] OBJECT")
    lines = [l.strip() for l in p.stdout.splitlines()]
    for g in GRAMMAR:
        assert g in lines, g
    assert "OBJECT := { info | port | link | addr | stats | monitor | save " \
        "| restore | help }" in p.stdout
    for opt in ("-V[ersion]", "-j[son]", "-p[retty]", "-s[tatistics]",
                "-n[etns] NETNS", "-b[atch] FILE", "-force", "-h[elp]"):
        assert opt in p.stdout


@pytest.mark.parametrize("obj", OBJECTS)
def test_object_help(cli, obj):
    p = cli(obj, "help")
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("Usage: ipvlanctl " + obj)
    mine = [g for g in GRAMMAR if g.split()[1] == obj]
    lines = [l.replace("Usage: ", "").strip() for l in p.stdout.splitlines()]
    assert lines == mine


def test_no_arguments_is_usage_error(cli):
    p = cli()
    assert p.returncode == 1
    assert p.stdout == ""
    assert p.stderr.startswith("Usage: ")


# ---- usage errors: exit 1, a message naming the problem ---------------------

USAGE_ERRORS = [
    (["frobnicate"], 'unknown object "frobnicate"'),
    (["port", "frob"], 'port: unknown command "frob"'),
    (["link", "create", "v0"], 'link: unknown command "create"'),
    (["addr", "add", "v0"], 'addr: unknown command "add"'),
    (["port", "add"], "port add: missing DEV"),
    (["port", "add", "eth0"], 'port add: missing "mode'),
    (["port", "add", "eth0", "mode"], 'missing argument after "mode"'),
    (["port", "set", "eth0"], "port set: missing what to change"),
    (["port", "del"], "port del: missing DEV"),
    (["link", "add"], "link add: missing NAME"),
    (["link", "add", "v0"], 'link add: missing "port DEV"'),
    (["link", "add", "v0", "port"], 'missing argument after "port"'),
    (["link", "del"], "link del: missing NAME"),
    (["link", "del", "id"], 'missing argument after "id"'),
    (["addr", "bind"], "addr bind: missing LINK"),
    (["addr", "bind", "v0"], "addr bind: missing ADDR"),
    (["addr", "unbind", "v0"], "addr unbind: missing ADDR"),
    (["addr", "replace"], "addr replace: missing LINK"),
    (["stats", "show", "link"], 'missing argument after "link"'),
    (["restore"], "restore: missing FILE"),
    (["addr", "bind", "v0", "10.0.0.300"], 'invalid address "10.0.0.300"'),
    (["addr", "bind", "v0", "10.0.0.1", "10.0.0.300"],
     'invalid address "10.0.0.300"'),
    (["addr", "unbind", "v0", "fd00::x"], 'invalid address "fd00::x"'),
    (["addr", "replace", "v0", "10.0.0.0/24"], 'invalid address "10.0.0.0/24"'),
    (["stats", "show", "addr", "10.0.0.300"], 'invalid address "10.0.0.300"'),
    (["port", "add", "eth0", "mode", "l4"],
     'unknown mode "l4" (expected l2, l3 or l3s)'),
    (["port", "set", "eth0", "mode", "L3"], 'unknown mode "L3"'),
    (["port", "add", "eth0", "mode", "l3", "mode", "l2"], 'duplicate "mode"'),
    (["port", "add", "eth0", "mode", "l3", "private", "vepa"],
     "only one of bridge, private or vepa"),
    (["port", "set", "eth0", "spoofcheck", "nospoofcheck"],
     "only one of spoofcheck or nospoofcheck"),
    (["port", "add", "a" * 16, "mode", "l3"], "is too long"),
    (["port", "show", "b" * 20], "is too long"),
    (["link", "add", "c" * 16, "port", "eth0"], "is too long"),
    (["link", "add", "v0", "port", "d" * 16], "is too long"),
    (["addr", "bind", "e" * 16, "10.0.0.1"], "is too long"),
    (["link", "add", "a/b", "port", "eth0"], 'invalid interface name "a/b"'),
    (["link", "add", "v0", "port", "eth0", "mtu", "abc"], 'invalid mtu "abc"'),
    (["link", "add", "v0", "port", "eth0", "mtu", "0"], 'invalid mtu "0"'),
    (["link", "add", "v0", "port", "eth0", "mtu", "99999999999"],
     'invalid mtu "99999999999"'),
    (["link", "del", "id", "one"], 'invalid link id "one"'),
    (["link", "add", "v0", "port", "eth0", "port", "eth1"], 'duplicate "port"'),
    (["info", "junk"], 'info: unexpected argument "junk"'),
    (["port", "show", "eth0", "junk"], 'port show: unexpected argument "junk"'),
    (["port", "del", "eth0", "force", "now"], 'unexpected argument "now"'),
    (["port", "add", "eth0", "mode", "l3", "fast"], 'unexpected argument "fast"'),
    (["link", "del", "v0", "v1"], 'link del: unexpected argument "v1"'),
    (["link", "show", "port", "eth0", "x"], 'unexpected argument "x"'),
    (["link", "add", "v0", "port", "eth0", "exist-ok", "x"],
     'unexpected argument "x"'),
    (["addr", "show", "v0", "x"], 'addr show: unexpected argument "x"'),
    (["stats", "show", "frob"], 'stats show: unexpected argument "frob"'),
    (["stats", "show", "port", "eth0", "x"], 'unexpected argument "x"'),
    (["help", "me"], 'help: unexpected argument "me"'),
    (["port", "help", "me"], 'port: unexpected argument "me"'),
    (["monitor", "route"], 'monitor: unexpected argument "route"'),
    (["save", "x"], 'save: unexpected argument "x"'),
    (["-x", "info"], 'unknown option "-x"'),
    (["-jsonx", "info"], 'unknown option "-jsonx"'),
    (["-f", "info"], 'unknown option "-f"'),
    (["-n"], 'option "-n" needs an argument'),
    (["-b"], 'option "-b" needs an argument'),
    (["-n", "ipvl-no-such-ns", "info"],
     'cannot open network namespace "ipvl-no-such-ns"'),
    (["-netns", "../etc", "info"], 'invalid network namespace name "../etc"'),
    (["link", "add", "v0", "port", "eth0", "netns", "ipvl-no-such-ns"],
     'cannot open network namespace "ipvl-no-such-ns"'),
    (["monitor", "port", "x"], 'monitor: unexpected argument "x"'),
    (["monitor", "links"], 'monitor: unexpected argument "links"'),
    (["monitor", "help", "x"], 'monitor: unexpected argument "help"'),
    (["restore", "conf.txt", "chk"], 'restore: unexpected argument "chk"'),
    (["restore", "conf.txt", "check", "x"], 'unexpected argument "x"'),
    (["restore", "/nonexistent/conf"],
     'cannot open "/nonexistent/conf": No such file or directory'),
    (["restore", "/nonexistent/conf", "check"], 'cannot open "/nonexistent'),
    (["-j", "save"], "save: the configuration is a batch, not JSON"),
    (["-j", "restore", "conf.txt"], "restore: prints no JSON"),
    (["-b", "/nonexistent/cmds"], 'cannot open "/nonexistent/cmds"'),
    (["-b", "cmds.txt", "info"], '-batch: unexpected argument "info"'),
    (["-force", "-b", "/nonexistent/cmds"], 'cannot open "/nonexistent'),
    (["-b", "/"], 'cannot read "/": Is a directory'),
    (["restore", "/", "check"], 'cannot read "/": Is a directory'),
]


@pytest.mark.parametrize("args,text", USAGE_ERRORS,
                         ids=[" ".join(a) for a, _ in USAGE_ERRORS])
def test_usage_error(cli, args, text):
    p = cli(*args)
    assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
    assert p.stdout == ""
    assert p.stderr.startswith("ipvlanctl: "), p.stderr
    assert text in p.stderr, p.stderr
    assert len(p.stderr.splitlines()) == 1, p.stderr


@pytest.mark.parametrize("args,text", USAGE_ERRORS[:25],
                         ids=[" ".join(a) for a, _ in USAGE_ERRORS[:25]])
def test_usage_error_sends_nothing(fake, args, text):
    """Usage errors are found before any request reaches the kernel."""
    p = fake(*args)
    assert p.returncode == 1
    assert fake.log() == []


def test_aliases(fake):
    for words in (["port"], ["port", "show"], ["port", "list"],
                  ["port", "lst"]):
        p = fake(*words)
        assert p.returncode == 0, p.stderr
        assert p.stdout.startswith("eth0: ")
    for verb in ("del", "delete"):
        assert fake("link", verb, "ipvl1").returncode == 0
        assert fake("port", verb, "eth0").returncode == 0
    assert fake.log()[-4:] == ["link-del ifname=ipvl1", "port-del ifname=eth0",
                               "link-del ifname=ipvl1", "port-del ifname=eth0"]


# ---- kernel errors: exit 2, "Error: " ----------------------------------------

@pytest.mark.parametrize("args", [["info"], ["port", "show"],
                                  ["-j", "link", "show"],
                                  ["addr", "bind", "ipvl1", "10.0.0.5"],
                                  ["port", "add", "lo", "mode", "l3"],
                                  ["stats", "show"]])
def test_kernel_command_on_host_without_family(cli, args):
    p = cli(*args)
    if p.returncode == 0:
        pytest.skip("this host has the ipvl family")
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert p.stderr.startswith("Error: "), p.stderr
    assert p.stderr.rstrip().endswith(".")
    assert p.stdout == ""


def test_family_missing_message(fake):
    p = fake("port", "show", env={"FAKEGENL_NOFAMILY": "1"})
    assert p.returncode == 2
    assert p.stderr == ('Error: the generic netlink family "ipvl" does not '
                        'exist (is the ipvl module available?).\n')


@pytest.mark.parametrize("args,err", [
    (["port", "add", "busy0", "mode", "l2"], "Error: device is busy.\n"),
    (["port", "add", "eperm0", "mode", "l2"],
     "Error: Operation not permitted.\n"),
    (["port", "add", "miss0", "mode", "l2"],
     'Error: missing attribute "mode".\n'),
    (["port", "show", "nosuch0"], "Error: no such device.\n"),
    (["link", "show", "id", "9"], "Error: no such link.\n"),
    (["link", "show", "port", "nosuch1"],
     "Error: no ipvl port on that device.\n"),
    (["addr", "show", "nolink0"], "Error: no such link.\n"),
    (["stats", "show", "addr", "192.0.2.1"],
     "Error: address 192.0.2.1 is not bound to any link.\n"),
])
def test_kernel_errors(fake, args, err):
    p = fake(*args)
    assert p.returncode == 2
    assert p.stderr == err
    assert p.stdout == ""
    p = fake("-j", *args)
    assert p.returncode == 2 and p.stdout == ""


def test_uncapped_error_ack(fake):
    p = fake("port", "add", "busy0", "mode", "l2",
             env={"FAKEGENL_NOCAP": "1"})
    assert p.returncode == 2 and p.stderr == "Error: device is busy.\n"


def test_warning_on_success(fake):
    p = fake("port", "add", "warn0", "mode", "l3")
    assert p.returncode == 0
    assert p.stderr == "Warning: fake warning.\n"


# ---- requests as the kernel sees them -----------------------------------------

@pytest.mark.parametrize("args,logged", [
    (["port", "add", "eth0", "mode", "l3"], "port-new ifname=eth0 mode=1"),
    (["port", "add", "eth0", "mode", "l2", "private", "nospoofcheck"],
     "port-new ifname=eth0 mode=0 flags=1 spoof-check=0"),
    (["port", "add", "eth0", "vepa", "spoofcheck", "mode", "l3s"],
     "port-new ifname=eth0 mode=2 flags=2 spoof-check=1"),
    (["port", "set", "eth0", "bridge"], "port-set ifname=eth0 flags=0"),
    (["port", "set", "eth0", "mode", "l3"], "port-set ifname=eth0 mode=1"),
    (["port", "del", "eth0"], "port-del ifname=eth0"),
    (["port", "del", "eth0", "force"], "port-del ifname=eth0 force"),
    (["port", "show", "eth1"], "port-get ifname=eth1"),
    (["port", "show"], "port-get dump"),
    (["link", "add", "v0", "port", "eth0"],
     "link-new ifname=v0 port-ifname=eth0"),
    (["link", "add", "v0", "port", "eth0", "mtu", "1400", "exist-ok"],
     "link-new ifname=v0 port-ifname=eth0 mtu=1400 exist-ok"),
    (["link", "add", "v0", "port", "eth0", "owner", "cni:c1/eth0"],
     "link-new ifname=v0 port-ifname=eth0 owner=cni:c1/eth0"),
    (["link", "del", "v0"], "link-del ifname=v0"),
    (["link", "del", "id", "7"], "link-del id=7"),
    (["link", "show", "id", "2"], "link-get id=2"),
    (["link", "show", "ipvl1"], "link-get ifname=ipvl1"),
    (["link", "show", "port", "eth0"], "link-get dump port-ifname=eth0"),
    (["addr", "unbind", "ipvl1", "fd00::7"],
     "addr-del link-ifname=ipvl1 ipv6=fd00::7"),
    (["addr", "replace", "ipvl1", "10.0.0.1", "fd00::1"],
     "addr-replace link-ifname=ipvl1 list={ ipv4=10.0.0.1 } "
     "list={ ipv6=fd00::1 }"),
    (["addr", "replace", "ipvl1"], "addr-replace link-ifname=ipvl1"),
    (["addr", "show", "ipvl2"], "addr-get dump link-ifname=ipvl2"),
    (["addr", "show", "port", "eth0"], "addr-get dump port-ifname=eth0"),
    (["stats", "show", "link", "ipvl1"], "link-get ifname=ipvl1"),
    (["stats", "show", "port", "eth0"], "port-get ifname=eth0"),
    (["info"], "get-info"),
])
def test_request_encoding(fake, args, logged):
    p = fake(*args)
    assert p.returncode == 0, p.stderr
    assert fake.log() == [logged]


def test_bind_many_stops_at_first_failure(fake):
    p = fake("addr", "bind", "ipvl1", "10.0.0.7", "fd00::7", "10.9.9.9",
             "10.0.0.8")
    assert p.returncode == 2
    assert p.stderr == ("Error: address is bound to link ipvl2 (id 2) of this "
                        "port.\n")
    assert fake.log() == ["addr-new link-ifname=ipvl1 ipv4=10.0.0.7",
                          "addr-new link-ifname=ipvl1 ipv6=fd00::7",
                          "addr-new link-ifname=ipvl1 ipv4=10.9.9.9"]


def test_link_add_in_netns(fake, netns_name):
    p = fake("link", "add", "v0", "port", "eth0", "netns", netns_name)
    assert p.returncode == 0, p.stderr
    assert fake.log() == ["link-new ifname=v0 port-ifname=eth0 netns-fd=open"]


def test_global_netns_option(fake, netns_name):
    p = fake("-n", netns_name, "port", "show")
    assert p.returncode == 0, p.stderr
    assert fake.log() == ["port-get dump"]


def test_interrupted_dump_is_retried(fake):
    p = fake("port", "show", env={"FAKEGENL_INTR": "2"})
    assert p.returncode == 0, p.stderr
    assert p.stdout.count("eth0:") == 1 and p.stdout.count("eth1:") == 1
    assert fake.log() == ["port-get dump"] * 3
    fake.clear()
    p = fake("port", "show", env={"FAKEGENL_INTR": "100"})
    assert p.returncode == 2
    assert "interrupted" in p.stderr and p.stderr.startswith("Error: ")
    assert p.stdout == ""
    assert len(fake.log()) == 4


# ---- output -------------------------------------------------------------------

def test_port_text(fake):
    p = fake("port", "show")
    assert p.stdout == (
        "eth0: mode l3 bridge spoofcheck links 2 bindings 3\n"
        "eth1: mode l2 private nospoofcheck links 0 bindings 0\n")


def test_port_text_stats(fake):
    p = fake("-s", "port", "show", "eth0")
    lines = p.stdout.splitlines()
    assert lines[0] == "eth0: mode l3 bridge spoofcheck links 2 bindings 3"
    assert lines[1].split() == ["RX:", "dispatched", "passed"]
    assert lines[2].split() == ["1000001", "1000002"]
    assert lines[3].split() == ["TX:", "local", "out"]
    assert lines[5].split() == ["drop:", "no-binding", "spoofed", "backlog",
                                "link-down", "policy", "malformed"]
    assert lines[6].split() == [str(1000005 + i) for i in range(6)]
    # columns: every value ends where its header ends
    for head, vals in ((lines[1], lines[2]), (lines[5], lines[6])):
        ends_h = [m.end() for m in re.finditer(r"\S+", head)][1:]
        ends_v = [m.end() for m in re.finditer(r"\S+", vals)]
        assert ends_h == ends_v


def test_link_text(fake):
    p = fake("link", "show")
    assert p.stdout == ("ipvl1: id 1 port eth0 mtu 1500 bindings 2\n"
                        "ipvl2: id 2 port eth0 netnsid 0 mtu 1400 bindings 1\n")
    p = fake("-s", "link", "show", "ipvl2")
    lines = p.stdout.splitlines()
    assert lines[1].split() == ["RX:", "packets", "bytes", "multicast",
                                "dropped"]
    assert lines[2].split() == ["201", "202", "203", "204"]
    assert lines[3].split() == ["TX:", "packets", "bytes", "dropped"]


def test_addr_text(fake):
    p = fake("addr", "show")
    assert p.stdout == ("10.0.0.5 link ipvl1 port eth0\n"
                        "fd00::5 link ipvl1 port eth0\n"
                        "10.0.0.6 link ipvl2 port eth0\n")


def test_info_text(fake):
    p = fake("info")
    assert p.returncode == 0
    first, second = p.stdout.splitlines()
    assert first.startswith("module 0.1.0-fake")
    assert first.endswith("family-version 1")
    assert second.split() == ["features", "ports", "links", "bindings",
                              "ipv6", "mode-l3", "mode-l2", "mode-l3s",
                              "spoof-check", "stats", "monitor",
                              "addr-replace", "0x8000"]


def jrun(fake, *args):
    p = fake("-j", *args)
    assert p.returncode == 0, p.stderr
    assert p.stdout.endswith("}\n") and p.stdout.count("\n") == 1
    return json.loads(p.stdout)


def test_port_json(fake):
    doc = jrun(fake, "port", "show")
    assert list(doc) == ["ports"]
    eth0, eth1 = doc["ports"]
    assert eth0 == {"ifindex": 2, "ifname": "eth0", "mode": "l3",
                    "flags": [], "spoof-check": True, "link-count": 2,
                    "binding-count": 3}
    assert eth1["flags"] == ["private"] and eth1["spoof-check"] is False
    assert eth1["mode"] == "l2"


def test_port_json_stats(fake):
    port = jrun(fake, "-s", "port", "show", "eth0")["ports"][0]
    assert port["stats"] == {
        "rx-dispatched": 1000001, "rx-passed": 1000002, "tx-local": 1000003,
        "tx-out": 1000004, "drop-no-binding": 1000005,
        "drop-spoofed": 1000006, "drop-backlog": 1000007,
        "drop-link-down": 1000008, "drop-policy": 1000009,
        "drop-malformed": 1000010}


def test_link_json(fake):
    l1, l2 = jrun(fake, "link", "show")["links"]
    assert l1 == {"id": 1, "ifindex": 5, "ifname": "ipvl1",
                  "port-ifindex": 2, "port-ifname": "eth0", "mtu": 1500,
                  "binding-count": 2}
    assert "netnsid" not in l1 and l2["netnsid"] == 0
    l2 = jrun(fake, "-s", "link", "show", "id", "2")["links"][0]
    assert l2["stats"] == {"rx-packets": 201, "rx-bytes": 202,
                           "rx-multicast": 203, "rx-dropped": 204,
                           "tx-packets": 205, "tx-bytes": 206,
                           "tx-dropped": 207}
    assert jrun(fake, "link", "show", "port", "eth1") == {"links": []}


def test_addr_json(fake):
    addrs = jrun(fake, "addr", "show")["addrs"]
    assert addrs[0] == {"family": "inet", "addr": "10.0.0.5", "link-id": 1,
                        "link-ifname": "ipvl1", "port-ifindex": 2,
                        "port-ifname": "eth0"}
    assert addrs[1]["family"] == "inet6" and addrs[1]["addr"] == "fd00::5"
    assert jrun(fake, "addr", "show", "port", "eth1") == {"addrs": []}


def test_info_json_escaping(fake):
    info = jrun(fake, "info")["info"]
    assert info["module-version"] == '0.1.0-fake "q"\t\\'
    assert info["family-version"] == 1
    assert info["features"][:3] == ["ports", "links", "bindings"]
    assert info["features"][-1] == "0x8000" and len(info["features"]) == 12


def test_stats_show_json(fake):
    doc = jrun(fake, "stats", "show")
    assert list(doc) == ["ports", "links", "addrs"]
    for key in doc:
        assert all("stats" in o for o in doc[key])
    doc = jrun(fake, "stats", "show", "addr", "fd00::5")
    assert [a["addr"] for a in doc["addrs"]] == ["fd00::5"]
    assert doc["addrs"][0]["stats"] == {"rx-packets": 11, "rx-bytes": 1100,
                                        "tx-packets": 22, "tx-bytes": 2200}
    # -s adds the counters, plain show has none
    assert "stats" not in jrun(fake, "addr", "show")["addrs"][0]


def test_pretty_json(fake):
    p = fake("-j", "-p", "port", "show", "eth1")
    assert p.returncode == 0
    assert p.stdout.startswith('{\n  "ports": [\n    {\n      "ifindex": 3,')
    assert '"flags": [\n        "private"\n      ],' in p.stdout
    assert json.loads(p.stdout)["ports"][0]["ifname"] == "eth1"
    p = fake("-j", "-p", "link", "show", "port", "eth1")
    assert p.stdout == '{\n  "links": []\n}\n'


def test_mutations_print_nothing(fake):
    for args in (["port", "add", "eth0", "mode", "l3"],
                 ["-j", "link", "add", "v0", "port", "eth0"],
                 ["addr", "bind", "ipvl1", "10.0.0.9"]):
        p = fake(*args)
        assert p.returncode == 0 and p.stdout == "" and p.stderr == ""


# ---- the library ------------------------------------------------------------

@pytest.mark.parametrize("runner", ["", "valgrind"])
def test_library_unit_tests(runner):
    """libipvlanctl/tests/unit.c, linked with the fake family."""
    args = ["make", "-s", "-C", str(LIBDIR), "check"]
    if runner:
        if not VALGRIND:
            pytest.skip("valgrind missing")
        args.append("UNIT_RUNNER=" + " ".join(VG))
    p = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    assert re.search(r"^unit: [1-9]\d* passed, 0 failed$", p.stdout, re.M)
    assert not (LIBDIR / "tests" / "unit.run").exists()


def test_library_exports_only_the_api():
    so = LIBDIR / "libipvlanctl.so.1.0.0"
    out = subprocess.run(["readelf", "-d", "-W", str(so)], capture_output=True,
                         text=True).stdout
    assert "Library soname: [libipvlanctl.so.1]" in out
    assert "libmnl" in out and "libnl" not in out
    syms = subprocess.run(["nm", "-D", "--defined-only", str(so)],
                          capture_output=True, text=True).stdout.split("\n")
    names = [l.split()[-1] for l in syms if l.strip()]
    api = [n for n in names if n != "IPVLANCTL_1"]
    assert api and all(re.fullmatch(r"ipvl_\w+@@IPVLANCTL_1", n) for n in api)
    for internal in ("ipvl_req_run", "ipvl_put_u32", "ipvl_parse_msg"):
        assert not any(n.startswith(internal + "@") for n in names)
    assert (LIBDIR / "libipvlanctl.so").resolve() == so.resolve()
    assert (LIBDIR / "libipvlanctl.so.1").resolve() == so.resolve()


def test_cli_runs_from_checkout():
    out = subprocess.run(["readelf", "-d", str(CLI)], capture_output=True,
                         text=True).stdout
    assert "$ORIGIN/../libipvlanctl" in out
    assert "libipvlanctl.so.1" in out


def test_install(tmp_path):
    dest = tmp_path / "root"
    for d in ("libipvlanctl", "ipvlanctl"):
        p = subprocess.run(["make", "-s", "-C", str(REPO / d), "install",
                            f"DESTDIR={dest}", "PREFIX=/usr"],
                           capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, p.stdout + p.stderr
    usr = dest / "usr"
    pc = (usr / "lib/pkgconfig/libipvlanctl.pc").read_text()
    assert "prefix=/usr\n" in pc and "includedir=/usr/include" in pc
    assert (usr / "lib/libipvlanctl.so").resolve().name == \
        "libipvlanctl.so.1.0.0"
    assert (usr / "include/ipvlanctl.h").exists()
    assert (usr / "include/ipvl.h").exists()
    assert (usr / "share/man/man8/ipvlanctl.8").exists()
    assert (usr / "share/man/man5/ipvlanctl.conf.5").exists()
    assert (usr / "share/man/man3/libipvlanctl.3").exists()
    out = subprocess.run(["readelf", "-d", str(usr / "sbin/ipvlanctl")],
                         capture_output=True, text=True).stdout
    assert "RUNPATH" not in out and "RPATH" not in out

    # a program built against what was installed
    src = tmp_path / "user.c"
    src.write_text('#include <ipvlanctl.h>\n#include <stdio.h>\n'
                   'int main(void) { uint32_t m; '
                   'if (ipvl_mode_parse("l3s", &m)) return 1; '
                   'printf("%s\\n", ipvl_mode_name(m)); return 0; }\n')
    exe = tmp_path / "user"
    p = subprocess.run(["cc", "-std=gnu11", "-Wall", "-Werror",
                        f"-I{usr}/include", str(src), f"-L{usr}/lib",
                        "-lipvlanctl", "-o", str(exe)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    p = subprocess.run([str(exe)], capture_output=True, text=True,
                       env={"LD_LIBRARY_PATH": f"{usr}/lib"})
    assert p.stdout == "l3s\n"
    # the build tree's .pc goes back to the default prefix on the next make
    subprocess.run(["make", "-s", "-C", str(LIBDIR)], check=True)


def test_man_pages_lint():
    if not shutil.which("mandoc"):
        pytest.skip("mandoc not installed")
    pages = sorted(str(p) for p in (REPO / "man").glob("*.[0-9]"))
    assert len(pages) >= 4
    p = subprocess.run(["mandoc", "-Tlint", "-W", "warning", *pages],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr


# ---- valgrind -----------------------------------------------------------------

needs_valgrind = pytest.mark.skipif(not VALGRIND, reason="valgrind missing")


@needs_valgrind
@pytest.mark.parametrize("args,code", [
    (["help"], 0),
    (["port", "help"], 0),
    (["port", "add", "eth0", "mode", "l4"], 1),
    (["addr", "bind", "v0", "10.0.0.1", "10.0.0.300"], 1),
    (["link", "add", "v0", "port", "eth0", "netns", "ipvl-no-such-ns"], 1),
    (["port", "show"], 2),
])
def test_valgrind_host(args, code):
    p = run(*args, wrapper=VG)
    assert p.returncode == code, p.stderr


@needs_valgrind
@pytest.mark.parametrize("args,code", [
    (["-j", "-p", "-s", "stats", "show"], 0),
    (["save"], 0),
    (["-s", "-j", "monitor"], 0),
    (["monitor", "addr"], 0),
    (["-s", "port", "show"], 0),
    (["-j", "info"], 0),
    (["addr", "bind", "ipvl1", "10.0.0.7", "10.9.9.9"], 2),
    (["addr", "replace", "ipvl1", "10.0.0.1", "fd00::1"], 0),
    (["link", "show", "port", "nosuch1"], 2),
])
def test_valgrind_fake(fake, args, code):
    p = fake(*args, env={"FAKEGENL_INTR": "1", "FAKEGENL_EVENTS_TERM": "1"},
             wrapper=VG)
    assert p.returncode == code, p.stderr
    assert "==" not in p.stderr, p.stderr
