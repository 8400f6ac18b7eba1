#!/bin/bash
# Benchmarks, run inside the VM by `make bench` (one vCPU, deterministic
# -icount, so packets per second compare between drivers in one boot):
#  1. RX dispatch: pktgen injects UDP packets into the master's receive
#     path (xmit_mode netif_receive, burst 1) for an address bound to a link;
#     in-tree ipvlan (l3) against ipvl (l3), same topology, same boot.
#  2. 10k and 100k address binds through ipvlanctl (one process, one
#     request per address) and the time to dump them.
#  3. CNI ADD and DEL latency, cni/ipvl against /usr/lib/cni/ipvlan, 100
#     pods each (scripts/bench-cni.py).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export PATH=$top/ipvlanctl:$PATH
COUNT=${IPVL_BENCH_PACKETS:-300000}

dmesg -n 1
modprobe veth
modprobe pktgen
modprobe ipvlan
modprobe ipvl

pg() { echo "$2" > "/proc/net/pktgen/$1"; }

# topology: master m0 (veth), a link in netns c1 holding 10.1.0.11 whose
# stack drops everything in prerouting (we measure the dispatch, not UDP)
setup() {
	ip link add name m0 type veth peer name p0
	ip link set m0 up
	ip link set p0 up
	ip netns add c1
	ip -n c1 link set lo up
}

link_side() {
	ip -n c1 link set "$1" up
	ip -n c1 addr add 10.1.0.11/32 dev "$1"
	ip netns exec c1 nft -f - <<-NFT
		table ip sink {
			chain pre { type filter hook prerouting priority -300; policy drop; }
		}
	NFT
}

teardown() {
	ip link del m0 2>/dev/null || true
	ip netns del c1 2>/dev/null || true
}

run_pktgen() {
	local mac
	mac=$(cat /sys/class/net/m0/address)
	pg kpktgend_0 "rem_device_all"
	pg kpktgend_0 "add_device m0"
	pg m0 "count $COUNT"
	pg m0 "pkt_size 64"
	pg m0 "burst 1"
	pg m0 "xmit_mode netif_receive"
	pg m0 "dst 10.1.0.11"
	pg m0 "dst_mac $mac"
	pg pgctrl start
	grep -o '[0-9]*pps' /proc/net/pktgen/m0 | head -n1
}

echo "== RX dispatch, $COUNT packets of 64 bytes, one vCPU"
setup
ip link add link m0 name rv1 type ipvlan mode l3
ip link set rv1 netns c1
link_side rv1
ref=$(run_pktgen)
echo "in-tree ipvlan l3: $ref"
teardown

setup
ipvlanctl port add m0 mode l3
ipvlanctl link add iv1 port m0 netns c1
ipvlanctl addr bind iv1 10.1.0.11
link_side iv1
ours=$(run_pktgen)
echo "ipvl l3:           $ours"
ipvlanctl -s addr show iv1
teardown
r=${ref%pps}; o=${ours%pps}
echo "ratio ipvl/ipvlan: $(awk -v o="$o" -v r="$r" 'BEGIN { printf "%.3f", o / r }')"

echo
echo "== binding scale"
ip link add name m0 type dummy
ip link set m0 up
ipvlanctl port add m0 mode l3
ipvlanctl link add iv1 port m0
for n in 10000 100000; do
	seq 0 $((n - 1)) | awk '{ printf "addr bind iv1 10.%d.%d.%d\n", 64 + int($1 / 65536), int($1 / 256) % 256, $1 % 256 }' > /tmp/binds
	start=$(date +%s.%N)
	if ipvlanctl -b /tmp/binds 2>/dev/null; then how="batch"; else
		how="ipvlanctl addr bind, 1000 addresses per process"
		awk '{ print $4 }' /tmp/binds | xargs -n 1000 ipvlanctl addr bind iv1
	fi
	end=$(date +%s.%N)
	got=$(ipvlanctl -j addr show iv1 | grep -o '"addr"' | wc -l)
	dump_end=$(date +%s.%N)
	awk -v s="$start" -v e="$end" -v d="$dump_end" -v n="$n" -v g="$got" -v h="$how" \
		'BEGIN { printf "%d binds (%s): %.2f s (%.0f/s); dump of %d: %.2f s\n", n, h, e - s, n / (e - s), g, d - e }'
	ipvlanctl addr replace iv1
done
ip link del m0

echo "== CNI plugin latency"
if [ -x /usr/lib/cni/ipvlan ] && [ -x "$top/cni/ipvl" ]; then
	/usr/bin/python3 "$top/scripts/bench-cni.py"
else
	echo "skipped: needs containernetworking-plugins and make userland"
fi
