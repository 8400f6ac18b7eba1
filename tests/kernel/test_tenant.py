"""The real threat: a tenant that owns its network namespace through its
own user namespace has CAP_NET_ADMIN there, and must still be refused."""
import subprocess
import time

import pytest

from conftest import CLI, ctl, ctl_json, ping, sh, topo_ipvl


@pytest.fixture
def tenant(netns):
    t = topo_ipvl(netns, n=1, tag="t")
    p = subprocess.Popen(["unshare", "--user", "--map-root-user", "--net",
                          "sleep", "600"])
    time.sleep(0.5)
    ctl("link", "add", "tl0", "port", t.master)
    ctl("addr", "bind", "tl0", "10.1.0.50")
    sh(f"ip link set tl0 netns {p.pid}")
    yield t, p.pid
    p.kill()
    p.wait()


def in_tenant(pid, cmd):
    return sh(f"nsenter -t {pid} -U -n {cmd}",
              check=False)


def test_tenant_is_root_in_its_netns(tenant):
    t, pid = tenant
    p = in_tenant(pid, "ip link set tl0 up")
    assert p.returncode == 0, p.stderr
    p = in_tenant(pid, "ip addr add 10.1.0.50/32 dev tl0")
    assert p.returncode == 0, p.stderr


@pytest.mark.parametrize("args", [
    "addr bind tl0 10.0.0.2",
    "addr bind tl0 10.1.0.51",
    "addr unbind tl0 10.1.0.50",
    "link del tl0",
])
def test_tenant_refused(tenant, args):
    t, pid = tenant
    before = (ctl_json("link", "show"), ctl_json("addr", "show"))
    p = in_tenant(pid, f"{CLI} {args}")
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert "Error: CAP_NET_ADMIN over the master's network namespace" \
        in p.stderr, p.stderr
    assert (ctl_json("link", "show"), ctl_json("addr", "show")) == before


def test_tenant_cannot_see_port(tenant):
    t, pid = tenant
    p = in_tenant(pid, f"{CLI} port del {t.master} force")
    assert p.returncode == 2
    assert ctl_json("port", "show")["ports"][0]["ifname"] == t.master


def test_tenant_cannot_hijack_host_ip(tenant):
    """In-tree ipvlan steers the host's traffic to such a tenant."""
    t, pid = tenant
    assert in_tenant(pid, "ip link set tl0 up").returncode == 0
    assert in_tenant(pid, "ip addr add 10.0.0.2/32 dev tl0").returncode == 0
    rx0 = ctl_json("-s", "link", "show", "tl0")["links"][0]["stats"]
    assert ping(t.out, "10.0.0.2", count=3)
    rx1 = ctl_json("-s", "link", "show", "tl0")["links"][0]["stats"]
    assert rx1["rx-packets"] == rx0["rx-packets"]
