#!/usr/bin/python3
"""ADD and DEL latency of the CNI plugin cni/ipvl against the reference
/usr/lib/cni/ipvlan, in one boot (run in the VM by scripts/bench.sh, or
alone: tests/vm/vm.py --kernel 6.1 -- scripts/bench-cni.py).

Each plugin gets a fresh veth master and N pods (namespaces made
beforehand, not timed), host-local IPAM with its state in /tmp; the pods
are added one after the other, the two plugins taking turns, then deleted
in the same order. Printed: the median and mean of each, and ours /
reference.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TOP = Path(__file__).resolve().parents[1]
OURS = str(TOP / "cni" / "ipvl")
REF = "/usr/lib/cni/ipvlan"
N = int(os.environ.get("IPVL_BENCH_PODS", "100"))


def sh(cmd):
    subprocess.run(cmd, shell=True, check=True)


def batch(lines):
    subprocess.run(["ip", "-batch", "-"], input="\n".join(lines) + "\n",
                   text=True, check=True)


def call(plugin, command, conf, cid, ns):
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "CNI_COMMAND": command,
           "CNI_CONTAINERID": cid, "CNI_NETNS": f"/run/netns/{ns}",
           "CNI_IFNAME": "eth0", "CNI_PATH": "/usr/lib/cni"}
    t = time.monotonic()
    p = subprocess.run([plugin], input=conf, env=env, capture_output=True,
                       text=True)
    dt = time.monotonic() - t
    if p.returncode:
        sys.exit(f"{plugin} {command} {cid}: {p.stdout}{p.stderr}")
    return dt


def setup(plugin, tag):
    """A master, N pods' namespaces and the configuration of one plugin."""
    master = f"bm{tag}"
    pods = [f"b{tag}{i}" for i in range(N)]
    batch([f"link add {master} type veth peer name bp{tag}",
           f"link set {master} up"] + [f"netns add {p}" for p in pods])
    data = tempfile.mkdtemp(prefix="bench-cni-")
    conf = json.dumps({
        "cniVersion": "1.0.0", "name": "bench",
        "type": "ipvl" if plugin == OURS else "ipvlan",
        "master": master, "mode": "l2",
        "ipam": {"type": "host-local", "dataDir": data,
                 "ranges": [[{"subnet": "10.20.0.0/16",
                              "gateway": "10.20.0.1"}]],
                 "routes": [{"dst": "0.0.0.0/0"}]}})
    return master, pods, conf


def main():
    sh("modprobe veth; modprobe ipvlan; modprobe ipvl")
    plugins = {"reference ipvlan": (REF, setup(REF, "r")),
               "ipvl (ours)": (OURS, setup(OURS, "o"))}
    times = {name: ([], []) for name in plugins}
    # the plugins take turns, pod by pod: a loaded host slows both alike
    for which, command in ((0, "ADD"), (1, "DEL")):
        for i in range(N):
            for name, (plugin, (master, pods, conf)) in plugins.items():
                times[name][which].append(
                    call(plugin, command, conf, f"pod{i}", pods[i]))
    for plugin, (master, pods, conf) in plugins.values():
        batch([f"link del {master}"] + [f"netns del {p}" for p in pods])
    ref, ours = times["reference ipvlan"], times["ipvl (ours)"]
    print(f"CNI ADD/DEL latency, {N} pods each, sequential, same boot, "
          "the plugins taking turns (host-local IPAM, l2, cniVersion 1.0.0)")
    print("%-24s %10s %10s %10s %10s" % ("", "ADD median", "ADD mean",
                                         "DEL median", "DEL mean"))
    for name, (a, d) in times.items():
        print("%-24s %9.1fms %9.1fms %9.1fms %9.1fms" % (
            name, 1e3 * statistics.median(a), 1e3 * statistics.mean(a),
            1e3 * statistics.median(d), 1e3 * statistics.mean(d)))
    print("ours / reference: ADD %.2f, DEL %.2f (median)" % (
        statistics.median(ours[0]) / statistics.median(ref[0]),
        statistics.median(ours[1]) / statistics.median(ref[1])))


if __name__ == "__main__":
    main()
