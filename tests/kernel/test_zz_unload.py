"""Runs last: rmmod with ports present cleans up; the family autoloads."""
from conftest import ctl, ctl_json, module_loaded, sh, topo_ipvl


def test_rmmod_with_ports_present(netns):
    t = topo_ipvl(netns, n=2, tag="Z")
    sh("ip link add link %s name zz0 type ipvl" % t.master)
    sh("rmmod ipvl")
    assert not module_loaded()
    assert "Name: ipvl\n" not in sh("genl ctrl list").stdout
    assert "ipvl" not in sh("ip -o link show type ipvl", check=False).stdout
    for ns, _, _ in t.links.values():
        assert sh(f"ip -n {ns} -o link show").stdout.count("\n") == 1  # lo
    # the master is free again: the in-tree driver can take it
    sh(f"ip link add link {t.master} name zzr type ipvlan mode l3")
    sh("ip link del zzr")


def test_family_autoloads():
    if module_loaded():
        sh("rmmod ipvl")
    p = ctl("info")
    assert module_loaded()
