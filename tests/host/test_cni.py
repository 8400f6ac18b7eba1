"""The CNI plugin's parsing and errors, before it touches any kernel
object: VERSION, the environment, the configuration (tests/kernel/
test_cni.py runs it for real in the VM)."""
import json
import subprocess

import pytest

from conftest import REPO, VALGRIND, VG, _make

PLUGIN = REPO / "cni" / "ipvl"
VERSIONS = ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"]


@pytest.fixture(scope="module", autouse=True)
def build_plugin():
    _make("-C", "cni")


def cni(command, conf, wrapper=(), **env):
    """Run the plugin as a runtime does: CNI_* variables, the
    configuration on stdin. Returns (exit status, stdout as JSON or None,
    stderr)."""
    e = {"PATH": "/usr/bin:/bin", "CNI_PATH": "/nonexistent"}
    if command is not None:
        e["CNI_COMMAND"] = command
    e.update({k: v for k, v in env.items() if v is not None})
    stdin = conf if isinstance(conf, str) else json.dumps(conf)
    p = subprocess.run([*wrapper, str(PLUGIN)], input=stdin, env=e,
                       capture_output=True, text=True, timeout=120)
    out = json.loads(p.stdout) if p.stdout.strip() else None
    return p.returncode, out, p.stderr


def conf(**kw):
    c = {"cniVersion": "1.0.0", "name": "net1", "type": "ipvl",
         "master": "lo"}
    c.update(kw)
    return {k: v for k, v in c.items() if v is not None}


ATTACH = {"CNI_CONTAINERID": "c1", "CNI_NETNS": "/nonexistent/netns",
          "CNI_IFNAME": "eth0"}


def assert_error(res, code, version="1.0.0", words=()):
    rc, out, err = res
    assert rc != 0, res
    assert out is not None, res
    assert set(out) <= {"cniVersion", "code", "msg", "details"}, out
    assert out["cniVersion"] == version
    assert out["code"] == code, out
    assert isinstance(out["msg"], str) and out["msg"]
    text = out["msg"] + " " + out.get("details", "")
    for w in words:
        assert w in text, out


@pytest.mark.parametrize("version", VERSIONS)
def test_version(version):
    rc, out, _ = cni("VERSION", {"cniVersion": version})
    assert rc == 0
    assert out == {"cniVersion": version, "supportedVersions": VERSIONS}


def test_version_without_input():
    rc, out, _ = cni("VERSION", "")
    assert rc == 0 and out["cniVersion"] == "1.1.0"


def test_bad_json():
    assert_error(cni("ADD", '{"cniVersion": "1.0.0", ', **ATTACH), 6,
                 version="1.1.0")


@pytest.mark.parametrize("version", ["0.2.0", "9.9.9", None])
def test_unknown_version(version):
    assert_error(cni("ADD", conf(cniVersion=version), **ATTACH), 1,
                 version="1.1.0", words=["incompatible"])


@pytest.mark.parametrize("missing", ["CNI_CONTAINERID", "CNI_NETNS",
                                     "CNI_IFNAME"])
def test_missing_env(missing):
    env = dict(ATTACH)
    env[missing] = None
    assert_error(cni("ADD", conf(), **env), 4, words=[missing])


def test_missing_command():
    assert_error(cni(None, conf(), **ATTACH), 4, words=["CNI_COMMAND"])


def test_unknown_command():
    assert_error(cni("FROB", conf(), **ATTACH), 4, words=["FROB"])


@pytest.mark.parametrize("env", [{"CNI_CONTAINERID": "-bad"},
                                 {"CNI_IFNAME": "a/b"},
                                 {"CNI_IFNAME": "sixteen-chars-xx"}])
def test_invalid_env(env):
    e = dict(ATTACH)
    e.update(env)
    assert_error(cni("ADD", conf(), **e), 4)


@pytest.mark.parametrize("kw,words", [
    ({"mode": "l4"}, ["l4"]),
    ({"mode": 2}, ["mode"]),
    ({"flags": "loud"}, ["loud"]),
    ({"mtu": 20}, ["mtu"]),
    ({"spoofCheck": "yes"}, ["spoofCheck"]),
    ({"master": "nonexistent0"}, ["nonexistent0"]),
    ({"name": None}, ["name"]),
    ({"ipam": {"type": "../x"}}, ["ipam"]),
])
def test_invalid_config(kw, words):
    assert_error(cni("ADD", conf(**kw), **ATTACH), 7, words=words)


def test_link_in_container_unsupported():
    assert_error(cni("ADD", conf(linkInContainer=True), **ATTACH), 2,
                 words=["linkInContainer"])


def test_netns_missing():
    assert_error(cni("ADD", conf(), **ATTACH), 3, words=["/nonexistent"])


def test_check_needs_040():
    c = conf(cniVersion="0.3.1", prevResult={"ips": []})
    assert_error(cni("CHECK", c, **ATTACH), 1, version="0.3.1",
                 words=["CHECK"])


@pytest.mark.parametrize("command", ["STATUS", "GC"])
def test_status_gc_need_110(command):
    assert_error(cni(command, conf()), 1, words=[command])


def test_check_needs_prev_result():
    assert_error(cni("CHECK", conf(), **ATTACH), 7, words=["prevResult"])


def test_bad_prev_result():
    c = conf(prevResult={"ips": [{"address": "10.0.0.1"}]})
    assert_error(cni("ADD", c, **ATTACH), 6, words=["address"])


@pytest.mark.skipif(not VALGRIND, reason="valgrind not installed")
@pytest.mark.parametrize("command,c", [
    ("VERSION", {"cniVersion": "1.1.0"}),
    ("ADD", '{"x": '),
    ("ADD", conf(mode="l9")),
    ("ADD", conf()),
    ("CHECK", conf(prevResult={"ips": [{"address": "10.0.0.1/24",
                                        "interface": 0}],
                               "interfaces": [{"name": "eth0"}]})),
])
def test_no_leaks(command, c):
    rc, out, err = cni(command, c, wrapper=VG, **ATTACH)
    assert rc != 99, err
    assert out is not None


def example_confs():
    """The plugin configurations of cni/examples, as a runtime hands them
    over (the list's name and cniVersion injected)."""
    import yaml
    d = REPO / "cni" / "examples"
    out = []
    for f in sorted(d.glob("*.conflist")):
        lst = json.loads(f.read_text())
        for p in lst["plugins"]:
            out.append((f.name, dict(p, name=lst["name"],
                                     cniVersion=lst["cniVersion"])))
    for f in sorted(d.glob("*.yaml")):
        out.append((f.name, json.loads(yaml.safe_load(f.read_text())
                                       ["spec"]["config"])))
    return out


@pytest.mark.parametrize("name,c", example_confs())
def test_examples_parse(name, c):
    """Every example is a valid configuration: the plugin gets as far as
    the namespace (code 3) once the master exists."""
    assert c["type"] == "ipvl"
    assert_error(cni("ADD", dict(c, master="lo"), **ATTACH), 3,
                 version=c["cniVersion"])
