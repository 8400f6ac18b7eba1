"""make install-extra (the configuration example, the systemd unit, the bash
completion), and the example programs of libipvlanctl(3), built with
pkg-config against an installed library and run on the fake family."""
import re
import shutil
import subprocess

import pytest

from conftest import FAKE, LIBDIR, REPO, _env


def make(*args):
    p = subprocess.run(["make", "-s", *args], capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    return p


@pytest.fixture(scope="module")
def dest(tmp_path_factory):
    root = tmp_path_factory.mktemp("root")
    for d in ("libipvlanctl", "ipvlanctl"):
        make("-C", str(REPO / d), "install", f"DESTDIR={root}",
             "PREFIX=/usr")
    make("-C", str(REPO / "ipvlanctl"), "install-extra", f"DESTDIR={root}",
         "PREFIX=/usr")
    yield root
    # the build tree's .pc goes back to the default prefix
    make("-C", str(LIBDIR))


def test_files(dest):
    conf = dest / "etc/ipvlanctl/ipvlanctl.conf"
    assert conf.read_text() == (REPO / "contrib/ipvlanctl.conf").read_text()
    comp = dest / "usr/share/bash-completion/completions/ipvlanctl"
    assert comp.read_text() == \
        (REPO / "contrib/ipvlanctl.bash-completion").read_text()
    assert subprocess.run(["bash", "-n", str(comp)]).returncode == 0
    assert (dest / "usr/share/man/man5/ipvlanctl.conf.5").exists()
    assert (dest / "usr/sbin/ipvlanctl").exists()


def test_unit(dest):
    unit = (dest / "usr/lib/systemd/system/ipvlanctl-restore.service"
            ).read_text()
    keys = {}
    for line in unit.splitlines():
        if "=" in line and not line.startswith("#"):
            k, v = line.split("=", 1)
            keys.setdefault(k, []).append(v)
    assert keys["Type"] == ["oneshot"]
    assert keys["Before"] == ["network-pre.target shutdown.target"]
    assert keys["Wants"] == ["network-pre.target"]
    assert keys["ExecStartPre"] == ["/sbin/modprobe ipvl"]
    assert keys["ExecStart"] == [
        "/usr/sbin/ipvlanctl restore /etc/ipvlanctl/ipvlanctl.conf"]
    assert keys["ConditionPathExists"] == ["/etc/ipvlanctl/ipvlanctl.conf"]
    assert keys["WantedBy"] == ["multi-user.target"]
    assert "@SBINDIR@" not in unit


def test_unit_verifies(dest):
    if not shutil.which("systemd-analyze"):
        pytest.skip("no systemd-analyze")
    unit = dest / "usr/lib/systemd/system/ipvlanctl-restore.service"
    p = subprocess.run(["systemd-analyze", "verify", f"--root={dest}",
                        str(unit)], capture_output=True, text=True)
    if "Unknown option" in p.stderr or "--root" in p.stderr:
        pytest.skip("systemd-analyze verify without --root")
    # what this root lacks (modprobe, the man pages) is not ours to judge
    bad = [l for l in p.stderr.splitlines()
           if "ipvlanctl-restore.service" in l and "not found" not in l and
           "/sbin/modprobe is not executable" not in l and
           "Command 'man " not in l]
    assert not bad, p.stderr


def test_conf_never_overwritten(dest):
    conf = dest / "etc/ipvlanctl/ipvlanctl.conf"
    conf.write_text("port add eth0 mode l3\n")
    p = make("-C", str(REPO / "ipvlanctl"), "install-extra",
             f"DESTDIR={dest}", "PREFIX=/usr")
    assert "left as it is" in p.stdout
    assert conf.read_text() == "port add eth0 mode l3\n"


def test_example_conf_restores_to_nothing(fake):
    p = fake("restore", REPO / "contrib/ipvlanctl.conf")
    assert p.returncode == 0, p.stderr
    assert fake.log() == []


def examples():
    page = (REPO / "man/libipvlanctl.3").read_text()
    blocks = re.findall(r"^\.Bd -literal -offset indent\n(.*?)^\.Ed$", page,
                        re.S | re.M)
    progs = [b.replace("\\e", "\\") for b in blocks if "int main(void)" in b]
    assert len(progs) == 3
    return progs


@pytest.mark.parametrize("index,code,out", [
    (0, 0, "eth0: mode l3\neth1: mode l2\n"),
    (1, 0, "1000 bound, 0 failed\n"),
    (2, 1, "link-new ipvl2 id 2\naddr-new 10.0.0.6 link ipvl2\n"
           "link-change ipvl1 id 1\naddr-del 10.0.0.6 link ipvl2\n"
           "link-del ipvl2 id 2\n"),
])
def test_man_page_examples(dest, tmp_path, index, code, out):
    """Built with cc $(pkg-config --cflags --libs libipvlanctl)."""
    src = tmp_path / "example.c"
    src.write_text(examples()[index])
    env = _env({"PKG_CONFIG_PATH": f"{dest}/usr/lib/pkgconfig",
                "PKG_CONFIG_SYSROOT_DIR": str(dest)})
    flags = subprocess.run(["pkg-config", "--cflags", "--libs",
                            "libipvlanctl"], capture_output=True, text=True,
                           env=env, check=True).stdout.split()
    exe = tmp_path / "example"
    p = subprocess.run(["cc", "-std=gnu11", "-Wall", "-Wextra", "-Werror",
                        str(src), *flags, "-o", str(exe)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    p = subprocess.run([str(exe)], capture_output=True, text=True,
                       timeout=60,
                       env=_env({"LD_LIBRARY_PATH": f"{dest}/usr/lib"},
                                fake=True))
    assert p.returncode == code, p.stderr
    assert p.stdout == out
    if index == 2:
        # the fake has no more events: a blocking read fails there
        assert p.stderr == "ipvl: Resource temporarily unavailable\n"
