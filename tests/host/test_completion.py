"""The bash completion (contrib/ipvlanctl.bash-completion), run by bash
with COMP_WORDS and COMP_CWORD as readline would set them; link names come
from ipvlanctl -j link show on the fake family."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import CLI, REPO, _env

COMPLETION = REPO / "contrib" / "ipvlanctl.bash-completion"

pytestmark = pytest.mark.skipif(not shutil.which("bash"), reason="no bash")


def complete(*words, fake=True):
    """The words offered for the last of words (the one being typed)."""
    script = ('source "$1"; shift; COMP_WORDS=("$@"); '
              'COMP_CWORD=$(($# - 1)); _ipvlanctl; '
              'printf "%s\\n" "${COMPREPLY[@]}"')
    env = _env({}, fake=fake)
    env["PATH"] = f"{CLI.parent}:{env.get('PATH', '/usr/bin:/bin')}"
    p = subprocess.run(["bash", "-c", script, "bash", str(COMPLETION),
                        *words], capture_output=True, text=True, env=env,
                       timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stderr == ""
    return [w for w in p.stdout.split("\n") if w]


def test_registered():
    p = subprocess.run(["bash", "-c", f'source "{COMPLETION}"; complete -p '
                        "ipvlanctl"], capture_output=True, text=True)
    assert p.stdout.strip() == "complete -F _ipvlanctl ipvlanctl"


def test_objects():
    assert complete("ipvlanctl", "") == ["info", "port", "link", "addr",
                                         "stats", "monitor", "save",
                                         "restore", "help"]
    assert complete("ipvlanctl", "li") == ["link"]
    assert complete("ipvlanctl", "-j", "-p", "s") == ["stats", "save"]


def test_options():
    opts = complete("ipvlanctl", "-")
    for o in ("-j", "-json", "-p", "-s", "-n", "-netns", "-b", "-batch",
              "-force", "-V", "-h"):
        assert o in opts
    assert complete("ipvlanctl", "-fo") == ["-force"]


@pytest.mark.parametrize("obj,verbs", [
    ("port", ["add", "set", "del", "show", "help"]),
    ("link", ["add", "del", "show", "help"]),
    ("addr", ["bind", "unbind", "replace", "show", "help"]),
    ("monitor", ["port", "link", "addr", "help"]),
    ("stats", ["show", "help"]),
])
def test_verbs(obj, verbs):
    assert complete("ipvlanctl", obj, "") == verbs


def test_link_names_from_the_kernel():
    assert complete("ipvlanctl", "addr", "bind", "") == ["ipvl1", "ipvl2"]
    assert complete("ipvlanctl", "-j", "addr", "unbind", "ipvl") == \
        ["ipvl1", "ipvl2"]
    assert complete("ipvlanctl", "link", "del", "") == ["ipvl1", "ipvl2",
                                                        "id"]
    assert complete("ipvlanctl", "stats", "show", "link", "ipvl2") == \
        ["ipvl2"]
    # no address is guessed
    assert complete("ipvlanctl", "addr", "bind", "ipvl1", "") == []


def test_link_names_without_the_family():
    assert complete("ipvlanctl", "addr", "bind", "", fake=False) in \
        ([], ["ipvl1", "ipvl2"])


def test_devices_from_sysfs():
    devs = sorted(os.listdir("/sys/class/net"))
    assert sorted(complete("ipvlanctl", "port", "add", "")) == devs
    assert "lo" in complete("ipvlanctl", "link", "add", "v0", "port", "l")
    assert complete("ipvlanctl", "link", "show", "port", "lo") == ["lo"]


def test_keywords():
    assert complete("ipvlanctl", "port", "add", "lo", "") == [
        "mode", "bridge", "private", "vepa", "spoofcheck", "nospoofcheck"]
    assert complete("ipvlanctl", "port", "add", "lo", "mode", "") == \
        ["l2", "l3", "l3s"]
    assert complete("ipvlanctl", "port", "add", "lo", "nos") == \
        ["nospoofcheck"]
    assert complete("ipvlanctl", "port", "del", "lo", "") == ["force"]
    assert complete("ipvlanctl", "link", "add", "v0", "") == [
        "port", "netns", "mtu", "owner", "exist-ok"]
    assert complete("ipvlanctl", "link", "add", "v0", "mtu", "") == []
    assert complete("ipvlanctl", "stats", "show", "") == ["link", "port",
                                                          "addr"]


def test_files_and_namespaces(tmp_path):
    conf = tmp_path / "ipvl.conf"
    conf.write_text("")
    assert complete("ipvlanctl", "restore", str(tmp_path / "ipv")) == \
        [str(conf)]
    assert complete("ipvlanctl", "restore", str(conf), "") == ["check"]
    assert complete("ipvlanctl", "-b", str(tmp_path / "i")) == [str(conf)]
    names = sorted(os.listdir("/run/netns")) if \
        os.path.isdir("/run/netns") else []
    assert sorted(complete("ipvlanctl", "-n", "")) == names
    assert sorted(complete("ipvlanctl", "link", "add", "v0", "netns",
                           "")) == names
