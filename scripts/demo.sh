#!/bin/bash
# The demo scenario, run inside the VM by `make demo`: a host with one NIC
# (eth0, a veth whose peer is an outside router), two containers, a tenant
# that tries to take the host's address.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export PATH=$top/ipvlanctl:$PATH

run() {
	printf '\n\033[1;34m# %s\033[0m\n' "$*"
	"$@"
}
note() { printf '\n\033[1;32m== %s\033[0m\n' "$*"; }

dmesg -n 1
modprobe veth
modprobe ipvl

note "the network: eth0 (host, 10.0.0.2) <-> router (10.0.0.1), containers c1, c2"
ip link add eth0 type veth peer name wan0
ip netns add router
ip link set wan0 netns router
ip addr add 10.0.0.2/24 dev eth0
ip link set eth0 up
ip -n router addr add 10.0.0.1/24 dev wan0
ip -n router link set wan0 up
ip -n router link set lo up
ip -n router route add 10.1.0.0/24 via 10.0.0.2
ip netns add c1
ip netns add c2

run ipvlanctl info
run ipvlanctl port add eth0 mode l3
run ipvlanctl link add ipvl1 port eth0 netns c1
run ipvlanctl link add ipvl2 port eth0 netns c2
run ipvlanctl addr bind ipvl1 10.1.0.5
run ipvlanctl addr bind ipvl2 10.1.0.6

note "inside the containers (what a container runtime does)"
for c in 1 2; do
	ip -n c$c link set lo up
	ip -n c$c link set ipvl$c up
	ip -n c$c addr add 10.1.0.$((c + 4))/32 dev ipvl$c
	ip -n c$c route add default dev ipvl$c
done

run ip netns exec router ping -c 2 -W 2 10.1.0.5
run ip netns exec c1 ping -c 2 -W 2 10.1.0.6
run ip netns exec c2 ping -c 2 -W 2 10.0.0.1

note "a tenant configures an address it was not given: it receives nothing"
run ip -n c1 addr add 10.1.0.99/32 dev ipvl1
run ip netns exec router ping -c 1 -W 1 10.1.0.99 || true

note "the host's own address cannot be bound"
run ipvlanctl addr bind ipvl1 10.0.0.2 || true

note "the state, as text and as JSON"
run ipvlanctl port show
run ipvlanctl link show
run ipvlanctl addr show
run ipvlanctl -j -p -s link show ipvl1
run ipvlanctl -s port show eth0

note "deleting the master takes the port, links and bindings with it"
run ip link del eth0
run ipvlanctl link show
echo
echo "demo: done"
