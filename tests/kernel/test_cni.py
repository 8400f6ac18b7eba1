"""The CNI plugin cni/ipvl, run as a runtime runs it (CNI_* variables, the
configuration on stdin, the result or error on stdout), with Debian's
host-local IPAM: the cases of the reference ipvlan plugin's own
ipvlan_test.go, DEL's idempotence, GC, STATUS, every error code, and the
reference plugin /usr/lib/cni/ipvlan side by side with ours."""
import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, Topo, ctl, ctl_json, ipb, load_module, ping, sh

PLUGIN = str(REPO / "cni" / "ipvl")
CNI_DIR = Path("/usr/lib/cni")
REF = str(CNI_DIR / "ipvlan")

pytestmark = pytest.mark.skipif(
    not (CNI_DIR / "host-local").exists() or not Path(PLUGIN).exists(),
    reason="needs containernetworking-plugins and make userland")


class Result:
    def __init__(self, p):
        self.rc = p.returncode
        self.stderr = p.stderr
        self.out = json.loads(p.stdout) if p.stdout.strip() else None

    def __repr__(self):
        return f"rc={self.rc} out={self.out} stderr={self.stderr}"


VALGRIND = ("valgrind", "-q", "--error-exitcode=99", "--leak-check=full",
            "--errors-for-leak-kinds=all")


def cni(command, conf, cid="c1", netns=None, ifname="eth0", plugin=PLUGIN,
        drop=(), path=str(CNI_DIR), wrapper=()):
    """One plugin call. netns: a name in /run/netns or a path."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "CNI_COMMAND": command, "CNI_CONTAINERID": cid,
           "CNI_IFNAME": ifname, "CNI_PATH": path}
    if netns:
        env["CNI_NETNS"] = netns if "/" in netns else f"/run/netns/{netns}"
    for k in drop:
        env.pop(k, None)
    stdin = conf if isinstance(conf, str) else json.dumps(conf)
    p = subprocess.run([*wrapper, plugin], input=stdin, env=env,
                       capture_output=True, text=True, timeout=300)
    return Result(p)


def ok(res):
    assert res.rc == 0, res
    return res.out


def error(res, code):
    assert res.rc != 0, res
    assert res.out and res.out["code"] == code, res
    assert set(res.out) <= {"cniVersion", "code", "msg", "details"}, res
    assert res.out["msg"] and res.out["cniVersion"]
    return res.out["msg"] + ": " + res.out.get("details", "")


class Net:
    """A CNI network on a Topo's master, host-local addresses from the
    master's subnet 10.0.0.0/24 (10.0.0.100-199, gateway the outside host
    10.0.0.1), its state in a directory of the test."""

    def __init__(self, topo, data_dir, plugin=PLUGIN, version="1.0.0",
                 name="ipvlnet", first=100, last=199, **kw):
        self.topo = topo
        self.plugin = plugin
        self.data_dir = str(data_dir)
        self.conf = {
            "cniVersion": version, "name": name,
            "type": "ipvl" if plugin == PLUGIN else "ipvlan",
            "master": topo.master, "mode": "l2",
            "ipam": {"type": "host-local", "dataDir": self.data_dir,
                     "ranges": [[{"subnet": "10.0.0.0/24",
                                  "rangeStart": f"10.0.0.{first}",
                                  "rangeEnd": f"10.0.0.{last}",
                                  "gateway": "10.0.0.1"}]],
                     "routes": [{"dst": "0.0.0.0/0"}]}}
        self.conf.update(kw)
        self.conf = {k: v for k, v in self.conf.items() if v is not None}

    def call(self, command, netns=None, cid="c1", prev=None, conf=None,
             **kw):
        c = dict(conf or self.conf)
        if prev is not None:
            c["prevResult"] = prev
        return cni(command, c, cid=cid, netns=netns, plugin=self.plugin,
                   **kw)

    def allocated(self):
        """The addresses host-local holds for this network."""
        d = Path(self.data_dir) / self.conf["name"]
        if not d.exists():
            return set()
        return {f.name for f in d.iterdir() if f.name[0].isdigit()}


@pytest.fixture
def topo(netns):
    return Topo(netns, "cm0", "c")


@pytest.fixture
def net(topo, tmp_path):
    return Net(topo, tmp_path / "ipam")


def master_mac(dev):
    return json.loads(sh(f"ip -j link show {dev}").stdout)[0]["address"]


def link_in(ns, dev):
    """ip -j of dev in ns, or None when it is not there."""
    p = sh(f"ip -n {ns} -j addr show dev {dev}", check=False)
    return json.loads(p.stdout)[0] if p.returncode == 0 else None


def addrs_in(ns, dev, family="inet"):
    info = link_in(ns, dev)
    return [f"{a['local']}/{a['prefixlen']}" for a in info["addr_info"]
            if a["family"] == family]


def bindings(link=None):
    args = ["addr", "show"] + ([link] if link else [])
    return ctl_json(*args).get("addrs", [])


def our_links():
    return ctl_json("link", "show").get("links", [])


def state(topo, net, *nss):
    """Everything a failed call must leave as it was."""
    return (ctl_json("port", "show"), our_links(), bindings(),
            net.allocated(),
            [sh(f"ip -n {n} -o link show", check=False).stdout for n in nss])


def check_added(net, res, ns, ifname="eth0"):
    """The ADD result and what it made: one interface with the master's
    MAC, exactly the IPAM address configured and bound."""
    assert [i["name"] for i in res["interfaces"]] == [ifname]
    iface = res["interfaces"][0]
    assert iface["sandbox"] == f"/run/netns/{ns}"
    assert iface["mac"] == master_mac(net.topo.master)
    assert len(res["ips"]) == 1
    ip = res["ips"][0]
    assert ip["interface"] == 0
    addr = ip["address"]
    assert addr.startswith("10.0.0.1") and addr.endswith("/24")
    assert link_in(ns, ifname)["address"] == iface["mac"]
    assert addrs_in(ns, ifname) == [addr]
    assert "UP" in link_in(ns, ifname)["flags"]
    [link] = [l for l in our_links() if l["ifname"] == ifname and
              l["port-ifname"] == net.topo.master]
    bound = [b["addr"] for b in bindings() if b["link-id"] == link["id"]]
    assert bound == [addr.split("/")[0]]
    assert net.allocated() == {addr.split("/")[0]}
    return link


# ---- the reference plugin's own cases (ipvlan_test.go) -------------------

def test_link_in_non_default_netns(net, netns):
    """"creates an ipvlan link in a non-default namespace" (l2, mtu)."""
    ns = netns.add("p")
    conf = dict(net.conf, mtu=1400)
    del conf["ipam"]
    res = ok(net.call("ADD", ns, conf=conf))
    assert res["interfaces"][0]["name"] == "eth0"
    assert res["ips"] == []
    info = link_in(ns, "eth0")
    assert info["mtu"] == 1400
    assert sh("ip -o link show eth0", check=False).returncode != 0
    [link] = our_links()
    assert link["owner"] == "cni/ipvlnet/c1/eth0"
    assert link["netnsid"] >= 0
    ok(net.call("DEL", ns, conf=conf))
    assert link_in(ns, "eth0") is None and our_links() == []


@pytest.mark.parametrize("version", ["0.3.0", "0.3.1", "0.4.0", "1.0.0",
                                     "1.1.0"])
def test_add_check_del(topo, tmp_path, netns, version):
    """"configures and deconfigures an ipvlan link with ADD/DEL", with
    CHECK where the version has it, the result in each version's format."""
    net = Net(topo, tmp_path / "ipam", version=version)
    ns = netns.add("p")
    res = ok(net.call("ADD", ns))
    assert res["cniVersion"] == version
    assert ("version" in res["ips"][0]) == (version < "1.0.0")
    assert res["routes"] == [{"dst": "0.0.0.0/0"}]
    check_added(net, res, ns)
    assert "default via 10.0.0.1 dev eth0" in \
        sh(f"ip -n {ns} route show").stdout
    if version >= "0.4.0":
        ok(net.call("CHECK", ns, prev=res))
    ok(net.call("DEL", ns, prev=res))
    assert link_in(ns, "eth0") is None
    assert our_links() == [] and bindings() == []
    assert net.allocated() == set()


def test_chained_prev_result(net, netns):
    """"... with ADD/DEL when chained": no IPAM, master and addresses from
    prevResult."""
    ns = netns.add("p")
    conf = {k: v for k, v in net.conf.items() if k not in ("ipam", "master")}
    prev = {"cniVersion": "1.0.0",
            "interfaces": [{"name": net.topo.master}],
            "ips": [{"address": "10.0.0.120/24", "gateway": "10.0.0.1",
                     "interface": 0}],
            "routes": []}
    res = ok(net.call("ADD", ns, conf=conf, prev=prev))
    assert [i["address"] for i in res["ips"]] == ["10.0.0.120/24"]
    assert addrs_in(ns, "eth0") == ["10.0.0.120/24"]
    assert [b["addr"] for b in bindings()] == ["10.0.0.120"]
    assert our_links()[0]["port-ifname"] == net.topo.master
    conf2 = dict(conf, master=net.topo.master)
    ok(net.call("CHECK", ns, conf=conf2, prev=res))
    ok(net.call("DEL", ns, conf=conf2, prev=res))
    assert link_in(ns, "eth0") is None and bindings() == []


def test_del_never_added(net, netns):
    """"deconfigures an unconfigured ipvlan link with DEL"."""
    ns = netns.add("p")
    ok(net.call("DEL", ns))
    ok(net.call("DEL", ns, cid="never"))
    assert our_links() == []


def test_without_master(net, netns):
    """"... without master config": the default route's interface."""
    ns = netns.add("p")
    conf = {k: v for k, v in net.conf.items() if k != "master"}
    sh(f"ip route add default via 10.0.0.1 dev {net.topo.master}")
    try:
        res = ok(net.call("ADD", ns, conf=conf))
        link = check_added(net, res, ns)
        assert link["port-ifname"] == net.topo.master
        ok(net.call("CHECK", ns, conf=conf, prev=res))
        ok(net.call("DEL", ns, conf=conf, prev=res))
    finally:
        sh("ip route del default", check=False)
    assert our_links() == [] and net.allocated() == set()


# ---- DEL, CHECK, GC, STATUS ---------------------------------------------

@pytest.mark.slow
@pytest.mark.skipif(not Path("/usr/bin/valgrind").exists(),
                    reason="no valgrind")
def test_no_leaks(net, netns):
    """ADD, CHECK, GC, STATUS and DEL under valgrind, and an ADD that
    fails after IPAM (its undo path)."""
    ns = netns.add("p")
    vg = {"wrapper": VALGRIND}
    res = ok(net.call("ADD", ns, **vg))
    ok(net.call("CHECK", ns, prev=res, **vg))
    conf = dict(net.conf, cniVersion="1.1.0")
    ok(net.call("STATUS", conf=conf, **vg))
    ok(net.call("GC", conf=dict(conf, **{"cni.dev/valid-attachments": [
        {"containerID": "c1", "ifname": "eth0"}]}), **vg))
    ok(net.call("DEL", ns, prev=res, **vg))
    bad = json.loads(json.dumps(net.conf))
    bad["ipam"]["ranges"] = [[{"subnet": "10.0.0.0/24",
                               "rangeStart": "10.0.0.2",
                               "rangeEnd": "10.0.0.2"}]]
    r = net.call("ADD", ns, conf=bad, **vg)
    assert r.rc == 1, r
    error(r, 100)
    assert our_links() == [] and net.allocated() == set()


def test_del_twice(net, netns):
    ns = netns.add("p")
    res = ok(net.call("ADD", ns))
    ok(net.call("DEL", ns, prev=res))
    ok(net.call("DEL", ns, prev=res))
    ok(net.call("DEL", ns))
    assert our_links() == [] and net.allocated() == set()


def test_del_after_netns_deleted(net, netns):
    ns = netns.add("p")
    res = ok(net.call("ADD", ns))
    sh(f"ip netns del {ns}")
    ok(net.call("DEL", ns, prev=res))
    ok(net.call("DEL", drop=("CNI_NETNS",)))
    assert our_links() == [] and bindings() == []
    assert net.allocated() == set()


def test_check_finds_differences(net, netns):
    ns = netns.add("p")
    res = ok(net.call("ADD", ns))
    addr = res["ips"][0]["address"].split("/")[0]
    [link] = our_links()
    # an extra binding
    ctl("addr", "bind", link["ifname"], "10.0.0.250")
    assert "10.0.0.250" in error(net.call("CHECK", ns, prev=res), 103)
    ctl("addr", "replace", link["ifname"], addr)
    ok(net.call("CHECK", ns, prev=res))
    # the address removed inside the namespace
    sh(f"ip -n {ns} addr del {res['ips'][0]['address']} dev eth0")
    assert "not configured" in error(net.call("CHECK", ns, prev=res), 103)
    # another container's view
    assert "no ipvl link" in error(net.call("CHECK", ns, cid="other",
                                            prev=res), 103)
    ok(net.call("DEL", ns, prev=res))


def test_gc(topo, tmp_path, netns):
    """GC deletes the links of this network that are not valid
    attachments, and nothing else."""
    net = Net(topo, tmp_path / "ipam", version="1.1.0")
    other = Net(topo, tmp_path / "ipam2", version="1.1.0", name="othernet",
                first=200, last=220)
    pods = {cid: netns.add("p") for cid in ("a", "b", "c")}
    for cid, ns in pods.items():
        ok(net.call("ADD", ns, cid=cid))
    ons = netns.add("p")
    ok(other.call("ADD", ons, cid="a"))
    ctl("link", "add", "manual0", "port", topo.master)
    valid = [{"containerID": "a", "ifname": "eth0"},
             {"containerID": "c", "ifname": "eth1"}]
    ok(net.call("GC", conf=dict(net.conf,
                                **{"cni.dev/valid-attachments": valid})))
    owners = sorted(l.get("owner", "") for l in our_links())
    assert owners == ["", "cni/ipvlnet/a/eth0", "cni/othernet/a/eth0"]
    assert link_in(pods["a"], "eth0") and link_in(ons, "eth0")
    assert link_in(pods["b"], "eth0") is None
    assert link_in(pods["c"], "eth0") is None
    # GC without valid attachments: every link of the network
    ok(net.call("GC"))
    owners = sorted(l.get("owner", "") for l in our_links())
    assert owners == ["", "cni/othernet/a/eth0"]


def test_status(net, netns):
    conf = dict(net.conf, cniVersion="1.1.0")
    assert net.call("STATUS", conf=conf).rc == 0
    error(net.call("STATUS", conf=dict(conf, master="nomaster0")), 50)
    error(net.call("STATUS"), 1)            # 1.0.0 has no STATUS


def test_status_without_module(net):
    assert ctl_json("port", "show").get("ports", []) == []
    # no autoloading of the staged module meanwhile
    helper = Path("/proc/sys/kernel/modprobe")
    saved = helper.read_text().strip()
    helper.write_text("/bin/true\n")
    sh("rmmod ipvl")
    try:
        conf = dict(net.conf, cniVersion="1.1.0")
        assert "not loaded" in error(net.call("STATUS", conf=conf), 50)
        ns = net.topo.netns.add("p")
        assert "not loaded" in error(net.call("ADD", ns), 100)
        ok(net.call("DEL", ns))
        assert net.allocated() == set()
    finally:
        helper.write_text(saved + "\n")
        load_module()


# ---- errors: the spec's JSON, nothing changed ---------------------------

def test_errors_change_nothing(net, netns):
    ns = netns.add("p")
    ctl("port", "add", net.topo.master, "mode", "l3")
    cases = [
        ("bad JSON", 6, dict(conf='{"cniVersion": "1.0.0", "name": ')),
        ("unknown cniVersion", 1,
         dict(conf=dict(net.conf, cniVersion="42.0.0"))),
        ("missing env var", 4, dict(drop=("CNI_CONTAINERID",))),
        ("missing CNI_IFNAME", 4, dict(drop=("CNI_IFNAME",))),
        ("bad mode", 7, dict(conf=dict(net.conf, mode="l7"))),
        ("master missing", 7, dict(conf=dict(net.conf, master="nomaster0"))),
        ("port mode mismatch", 7, {}),
        ("linkInContainer", 2, dict(conf=dict(net.conf,
                                              linkInContainer=True))),
        ("netns missing", 3, dict(netns="/run/netns/nonexistent")),
        ("IPAM plugin missing", 101,
         dict(conf=dict(net.conf, mode="l3",
                        ipam={"type": "nonexistent-ipam"}))),
    ]
    before = state(net.topo, net, ns)
    msgs = {}
    for what, code, kw in cases:
        kw.setdefault("netns", ns)
        conf = kw.pop("conf", None)
        if isinstance(conf, str):
            res = cni("ADD", conf, netns=kw.pop("netns"), **kw)
        else:
            res = net.call("ADD", conf=conf, **kw)
        msgs[what] = error(res, code)
        assert state(net.topo, net, ns) == before, what
    assert "mode l3" in msgs["port mode mismatch"]
    assert "mode l2" in msgs["port mode mismatch"]
    assert "nomaster0" in msgs["master missing"]


def test_failure_undoes_everything(net, netns):
    """A failure after IPAM (the host's own address cannot be bound)
    deletes the link, releases the address and deletes the port it
    created."""
    ns = netns.add("p")
    conf = json.loads(json.dumps(net.conf))
    conf["ipam"]["ranges"] = [[{"subnet": "10.0.0.0/24",
                                "rangeStart": "10.0.0.2",
                                "rangeEnd": "10.0.0.2"}]]
    before = state(net.topo, net, ns)
    msg = error(net.call("ADD", ns, conf=conf), 100)
    assert "bind" in msg
    assert state(net.topo, net, ns) == before
    assert ctl_json("port", "show").get("ports", []) == []


def test_owner_tag(topo):
    ctl("port", "add", topo.master, "mode", "l2")
    ctl("link", "add", "ow0", "port", topo.master, "owner", "me/1")
    [link] = our_links()
    assert link["owner"] == "me/1"
    assert "owner me/1" in ctl("link", "show", "ow0").stdout
    p = ctl("link", "add", "ow0", "port", topo.master, "owner", "you",
            "exist-ok", check=False)
    assert p.returncode != 0 and "another owner" in p.stderr
    ctl("link", "add", "ow0", "port", topo.master, "owner", "me/1",
        "exist-ok")
    p = ctl("link", "add", "ow1", "port", topo.master, "owner", "x" * 128,
            check=False)
    assert p.returncode != 0
    ctl("link", "add", "ow1", "port", topo.master, "owner", "x" * 127)
    assert sorted(l.get("owner") for l in our_links()) == ["me/1", "x" * 127]
    ctl("link", "del", "ow0")
    ctl("link", "del", "ow1")


# ---- side by side with the reference plugin -----------------------------

def udp_received(ns, addr, sender_ns, tries=6):
    """Does a socket bound to addr in ns receive datagrams sent to addr
    from sender_ns?"""
    rx = subprocess.Popen(
        ["ip", "netns", "exec", ns, "/usr/bin/python3", "-c",
         "import socket, sys\n"
         "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
         f"s.bind(('{addr}', 5555)); s.settimeout(8)\n"
         "print('ready', flush=True)\n"
         "try:\n    s.recv(64); print('got')\n"
         "except socket.timeout:\n    print('none')\n"],
        stdout=subprocess.PIPE, text=True)
    assert rx.stdout.readline().strip() == "ready"
    sh(f"ip netns exec {sender_ns} /usr/bin/python3 -c \""
       "import socket, time\n"
       "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
       f"for i in range({tries}):\n"
       f"    s.sendto(b'x', ('{addr}', 5555)); time.sleep(0.3)\n\"",
       check=False)
    out, _ = rx.communicate(timeout=30)
    return out.strip() == "got"


def pods_scenario(netns, tmp_path, plugin, tag):
    """Two pods on one master: they reach each other and the outside;
    then the first adds a free address of the subnet and the host's own
    address itself. Returns what the outside could deliver to them."""
    topo = Topo(netns, f"cm{tag}", tag)
    net = Net(topo, tmp_path / f"ipam{tag}", plugin=plugin)
    pods = [netns.add("p"), netns.add("p")]
    res = [ok(net.call("ADD", ns, cid=f"pod{i}"))
           for i, ns in enumerate(pods)]
    a1, a2 = (r["ips"][0]["address"].split("/")[0] for r in res)
    assert ping(pods[0], a2) and ping(pods[1], a1)
    assert ping(pods[0], "10.0.0.1") and ping(pods[1], "10.0.0.1")
    assert ping(topo.out, a1)
    ipb(["addr add 10.0.0.150/24 dev eth0",
         "addr add 10.0.0.2/32 dev eth0"], ns=pods[0])
    seen = {"own": udp_received(pods[0], a1, topo.out),
            "free": udp_received(pods[0], "10.0.0.150", topo.out),
            "host": udp_received(pods[0], "10.0.0.2", topo.out)}
    for i, ns in enumerate(pods):
        ok(net.call("DEL", ns, cid=f"pod{i}", prev=res[i]))
    assert net.allocated() == set()
    if plugin == PLUGIN:
        ctl("port", "del", topo.master)
    netns.cleanup()
    return seen


@pytest.mark.skipif(not Path(REF).exists(), reason="no reference plugin")
def test_side_by_side_with_reference(netns, tmp_path):
    ref = pods_scenario(netns, tmp_path, REF, "r")
    ours = pods_scenario(netns, tmp_path, PLUGIN, "o")
    assert ref == {"own": True, "free": True, "host": True}, ref
    assert ours == {"own": True, "free": False, "host": False}, ours


# ---- a real runtime: podman with the CNI backend ------------------------

@pytest.fixture
def podman(topo, tmp_path):
    """podman (rootful, storage under tmp_path, a busybox rootfs) with an
    ipvl network on topo's master. libcni keeps its cache in /var/lib/cni,
    read-only in the guest: a tmpfs goes over it for the test."""
    if not Path("/usr/bin/podman").exists() or \
            not Path("/bin/busybox").exists():
        pytest.skip("needs podman and busybox-static")
    if not Path("/var/lib/cni").is_dir():
        pytest.skip("no /var/lib/cni to mount a tmpfs on "
                    "(scripts/deps.sh makes it)")
    rootfs = tmp_path / "rootfs"
    for d in ("bin", "proc", "sys", "dev", "etc", "tmp"):
        (rootfs / d).mkdir(parents=True)
    sh(f"cp /bin/busybox {rootfs}/bin/")
    for a in ("sh", "ping", "ip", "sleep"):
        (rootfs / "bin" / a).symlink_to("busybox")
    bindir, netdir = tmp_path / "bin", tmp_path / "net"
    bindir.mkdir()
    netdir.mkdir()
    (bindir / "ipvl").symlink_to(PLUGIN)
    net = Net(topo, tmp_path / "ipam", name="ipvl")
    (netdir / "ipvl.conflist").write_text(json.dumps({
        "cniVersion": "1.0.0", "name": "ipvl",
        "plugins": [{k: v for k, v in net.conf.items()
                     if k not in ("cniVersion", "name")}]}))
    conf = tmp_path / "containers.conf"
    conf.write_text(f"""[network]
network_backend = "cni"
cni_plugin_dirs = ["{bindir}", "/usr/lib/cni"]
network_config_dir = "{netdir}"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "crun"
""")
    sh("mount -t tmpfs tmpfs /var/lib/cni")
    env = dict(os.environ, CONTAINERS_CONF=str(conf))
    base = ["podman", "--root", str(tmp_path / "storage"), "--runroot",
            f"/run/podman-{topo.tag}", "--storage-driver", "vfs"]

    def run(*args, check=True):
        p = subprocess.run(base + list(args), env=env, capture_output=True,
                           text=True, timeout=180)
        if check:
            assert p.returncode == 0, (args, p.stdout, p.stderr)
        return p

    run.rootfs = str(rootfs)
    yield run
    run("rm", "-f", "-a", "-t", "0", check=False)
    sh("umount /var/lib/cni", check=False)


def test_podman(podman, topo):
    """Two containers on an ipvl network: they reach each other and the
    outside, their bindings count the traffic, podman rm leaves nothing."""
    for c in ("pc1", "pc2"):
        podman("run", "-d", "--name", c, "--network", "ipvl", "--cap-add",
               "NET_RAW", "--rootfs", podman.rootfs, "/bin/sleep", "600")
    links = our_links()
    assert len(links) == 2
    assert all(l["owner"].startswith("cni/ipvl/") for l in links)
    addrs = {b["link-id"]: b["addr"] for b in bindings()}
    assert len(addrs) == 2
    a1 = addrs[links[0]["id"]]
    a2 = addrs[links[1]["id"]]
    cid1 = links[0]["owner"].split("/")[2]
    podman("exec", cid1, "ping", "-c", "1", "-W", "3", "10.0.0.1")
    podman("exec", cid1, "ping", "-c", "1", "-W", "3", a2)
    st = {b["addr"]: b["stats"] for b in
          ctl_json("-s", "addr", "show")["addrs"]}
    assert st[a1]["rx-packets"] >= 2 and st[a1]["tx-packets"] >= 2, st
    assert st[a2]["rx-packets"] >= 1, st
    podman("rm", "-f", "-t", "0", "pc1", "pc2")
    assert our_links() == [] and bindings() == []
