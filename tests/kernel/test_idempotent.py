"""Commands for automation that is run again: addr bind of a bound
address, link add ... exist-ok, addr replace (atomic: one bad address and
nothing changes)."""
import pytest

from conftest import ctl, ctl_json, ping, sh, topo_ipvl


def bound(link):
    return [a["addr"] for a in ctl_json("addr", "show", link)["addrs"]]


def test_bind_twice(netns):
    t = topo_ipvl(netns, n=1, tag="I", bind=False)
    name, = t.links
    ctl("addr", "bind", name, "10.1.0.11", "fd01::b")
    p = ctl("addr", "bind", name, "10.1.0.11", "fd01::b")
    assert p.stdout == p.stderr == ""
    assert bound(name) == ["10.1.0.11", "fd01::b"]
    assert ctl_json("port", "show", t.master)["ports"][0][
        "binding-count"] == 2


def test_link_add_exist_ok(netns):
    t = topo_ipvl(netns, n=0, tag="E")
    ns = netns.add("ex")
    first = ctl_json("link", "add", "ex1", "port", t.master, "netns", ns)
    link = ctl_json("link", "show", "ex1")["links"][0]
    # identical: refused without exist-ok, a no-op with it
    p = ctl("link", "add", "ex1", "port", t.master, "netns", ns, check=False)
    assert p.returncode == 2
    assert p.stderr == ("Error: a device of that name exists in the target "
                        "namespace.\n")
    for extra in ([], ["mtu", str(link["mtu"])]):
        p = ctl("link", "add", "ex1", "port", t.master, "netns", ns,
                *extra, "exist-ok")
        assert p.returncode == 0 and p.stderr == ""
    assert ctl_json("link", "show")["links"] == [link]
    assert first == {}      # link add prints nothing, even with -j
    # not identical: refused even with exist-ok
    other = netns.host_dev("exo0")
    sh(f"ip link add {other} type dummy")
    ctl("port", "add", other, "mode", "l3")
    for args in (["port", other, "netns", ns],
                 ["port", t.master, "netns", ns, "mtu", "1280"]):
        p = ctl("link", "add", "ex1", *args, "exist-ok", check=False)
        assert p.returncode == 2, args
        assert "exists" in p.stderr
    # the same name in another namespace is another link
    ns2 = netns.add("ex")
    ctl("link", "add", "ex1", "port", t.master, "netns", ns2, "exist-ok")
    assert len(ctl_json("link", "show", "port", t.master)["links"]) == 2


def test_addr_replace(netns):
    t = topo_ipvl(netns, n=1, tag="P", bind=False)
    name, = t.links
    ctl("addr", "replace", name, "10.1.0.11", "fd01::b", "10.1.0.12")
    assert sorted(bound(name)) == ["10.1.0.11", "10.1.0.12", "fd01::b"]
    ctl("addr", "replace", name, "10.1.0.12", "10.1.0.13")
    assert sorted(bound(name)) == ["10.1.0.12", "10.1.0.13"]
    # again: nothing changes
    ctl("addr", "replace", name, "10.1.0.12", "10.1.0.13")
    assert sorted(bound(name)) == ["10.1.0.12", "10.1.0.13"]
    # an empty list clears the set
    ctl("addr", "replace", name)
    assert bound(name) == []
    assert ctl_json("port", "show", t.master)["ports"][0][
        "binding-count"] == 0


@pytest.mark.parametrize("bad,msg", [
    ("10.1.0.21", "address is bound to link iv"),          # another link's
    ("10.0.0.2", "address is configured in the master's namespace"),  # host
    ("224.0.0.5", "address must be a unicast IPv4 address"),
])
def test_addr_replace_with_a_bad_address_changes_nothing(netns, bad, msg):
    t = topo_ipvl(netns, n=2, tag="Q", bind=False)
    l1, l2 = t.links
    ctl("addr", "bind", l1, "10.1.0.11", "fd01::b")
    ctl("addr", "bind", l2, "10.1.0.21")
    before = ctl_json("addr", "show", "port", t.master)["addrs"]
    p = ctl("addr", "replace", l1, "10.1.0.14", bad, "fd01::e", check=False)
    assert p.returncode == 2
    # the message names the entry that was refused
    assert p.stderr.startswith(f"Error: {bad}: {msg}"), p.stderr
    assert ctl_json("addr", "show", "port", t.master)["addrs"] == before
    port = ctl_json("port", "show", t.master)["ports"][0]
    assert port["binding-count"] == 3
    # and the datapath still uses the old set
    assert ping(t.out, "10.1.0.11")
