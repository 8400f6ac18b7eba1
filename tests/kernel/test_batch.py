"""ipvlanctl -b on the module: a 10k-line batch of binds (timed), a failure
that leaves exactly "the lines before it applied" (the requests pipelined
after it are undone), -force, and usage errors that apply nothing."""
import time

import pytest

from conftest import CLI, ctl, ctl_json, sh
import subprocess


def run_batch(path, *opts):
    return subprocess.run([CLI, *opts, "-b", str(path)], capture_output=True,
                          text=True, timeout=1200)


def bound(link):
    return {a["addr"] for a in ctl_json("addr", "show", link)["addrs"]}


def addr(i, base=20):
    return f"10.{base}.{i // 256}.{i % 256}"


@pytest.fixture
def master(netns):
    m = netns.host_dev("bm0")
    sh(f"ip link add {m} type dummy")
    sh(f"ip link set {m} up")
    # the host's own address, which no link may be given
    sh(f"ip addr add 10.99.0.1/24 dev {m}")
    ctl("port", "add", m, "mode", "l3")
    return m


@pytest.mark.slow
def test_10k_binds(master, tmp_path):
    ctl("link", "add", "bk1", "port", master)
    path = tmp_path / "binds"
    path.write_text("".join(f"addr bind bk1 {addr(i)}\n"
                            for i in range(1, 10001)))
    t0 = time.monotonic()
    p = run_batch(path)
    elapsed = time.monotonic() - t0
    assert p.returncode == 0, p.stderr
    assert p.stdout == p.stderr == ""
    print(f"\nbatch of 10000 addr bind lines: {elapsed:.2f} s")
    link = ctl_json("link", "show", "bk1")["links"][0]
    assert link["binding-count"] == 10000
    got = bound("bk1")
    assert len(got) == 10000 and addr(1) in got and addr(10000) in got

    # again: every bind finds its address, nothing changes
    t0 = time.monotonic()
    p = run_batch(path)
    print(f"the same batch again (all bound): {time.monotonic() - t0:.2f} s")
    assert p.returncode == 0, p.stderr
    assert ctl_json("link", "show", "bk1")["links"][0]["id"] == link["id"]
    assert len(bound("bk1")) == 10000


def test_failure_leaves_the_lines_before_it(master, tmp_path):
    """Line 4 fails (the address is another link's): lines 1-3 stay
    applied, line 4's first address and lines 5-6, which were sent in the
    same window and applied by the kernel, are undone. Line 3 and 6 bind
    addresses the link holds: those binds changed nothing and are not
    undone."""
    for l in ("bf1", "bf2"):
        ctl("link", "add", l, "port", master)
    ctl("addr", "bind", "bf1", "10.30.0.1", "10.30.0.2", "fd30::1")
    ctl("addr", "bind", "bf2", "10.30.9.9")
    before = {"bf1": bound("bf1"), "bf2": bound("bf2")}
    path = tmp_path / "cmds"
    path.write_text("addr bind bf1 10.30.0.3\n"
                    "addr unbind bf1 10.30.0.2\n"
                    "addr bind bf1 10.30.0.1\n"
                    "addr bind bf1 fd30::4 10.30.9.9\n"
                    "addr unbind bf1 10.30.0.3\n"
                    "addr bind bf1 fd30::1 10.30.0.5 fd30::5\n")
    p = run_batch(path)
    assert p.returncode == 2
    assert p.stderr == (f"{path}:4: Error: address is bound to link bf2 "
                        f"(id {ctl_json('link', 'show', 'bf2')['links'][0]['id']})"
                        " of this port.\n")
    assert bound("bf1") == {"10.30.0.1", "fd30::1", "10.30.0.3"}
    assert bound("bf2") == before["bf2"]


def test_failure_on_a_tracked_link(master, tmp_path):
    """The same on a link that had no binding: its binds are not probed,
    the batch tracks what it bound."""
    ctl("link", "add", "bt1", "port", master)
    ctl("link", "add", "bt2", "port", master)
    ctl("addr", "bind", "bt2", "10.31.9.9")
    path = tmp_path / "cmds"
    path.write_text("addr bind bt1 10.31.0.1 10.31.0.2\n"
                    "addr unbind bt1 10.31.0.1\n"
                    "addr bind bt1 10.31.0.2\n"
                    "addr bind bt1 10.31.0.3 10.31.9.9\n"
                    "addr bind bt1 10.31.0.2 10.31.0.4\n"
                    "addr bind bt1 10.31.0.1\n")
    p = run_batch(path)
    assert p.returncode == 2
    assert p.stderr.startswith(f"{path}:4: Error: address is bound to "
                               "link bt2")
    assert bound("bt1") == {"10.31.0.2"}


def test_failure_in_a_later_window(master, tmp_path):
    """3000 lines, line 2500 refused (the host's address): 2499 bound,
    nothing after; the windows before it stay applied."""
    ctl("link", "add", "bw1", "port", master)
    lines = [f"addr bind bw1 {addr(i, 32)}\n" for i in range(1, 3001)]
    lines[2499] = "addr bind bw1 10.99.0.1\n"
    path = tmp_path / "cmds"
    path.write_text("".join(lines))
    p = run_batch(path)
    assert p.returncode == 2
    assert p.stderr == (f"{path}:2500: Error: address is configured in the "
                        "master's namespace: it belongs to the host.\n")
    got = bound("bw1")
    assert got == {addr(i, 32) for i in range(1, 2500)}


def test_force(master, tmp_path):
    ctl("link", "add", "bo1", "port", master)
    path = tmp_path / "cmds"
    path.write_text("addr bind bo1 10.33.0.1 10.99.0.1 10.33.0.2\n"
                    "link add bo1 port " + master + "\n"
                    "addr bind bo1 10.33.0.3\n"
                    "addr bind nosuchlink 10.33.0.4\n")
    p = run_batch(path, "-force")
    assert p.returncode == 2
    err = p.stderr.splitlines()
    assert len(err) == 3
    assert err[0].startswith(f"{path}:1: Error: address is configured")
    assert err[1].startswith(f"{path}:2: Error: ")
    assert err[2] == f"{path}:4: Error: no such link."
    assert bound("bo1") == {"10.33.0.1", "10.33.0.2", "10.33.0.3"}


def test_usage_error_applies_nothing(master, tmp_path):
    ctl("link", "add", "bu1", "port", master)
    path = tmp_path / "cmds"
    path.write_text("addr bind bu1 10.34.0.1\nlink add bu2 port " + master +
                    "\naddr bind bu1 10.34.0.300\n")
    p = run_batch(path)
    assert p.returncode == 1
    assert p.stderr == f'{path}:3: invalid address "10.34.0.300" ' \
        "(expected an IPv4 or IPv6 address)\n"
    assert bound("bu1") == set()
    assert [l["ifname"] for l in ctl_json("link", "show", "port",
                                          master)["links"]] == ["bu1"]
