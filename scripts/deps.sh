#!/bin/bash
# Installs the Debian packages the build and the tests need, only those that
# are missing. This is the one list: add packages here.
set -euo pipefail

PACKAGES=(
	# tests/vm/vm.py: the QEMU guest and its initramfs
	qemu-system-x86
	busybox-static
	cpio
	kmod
	xz-utils
	zstd # unpacks the 6.12 vmlinux for the fast (PVH) boot
	# used inside the guest (its root is the host's /)
	iproute2
	iputils-ping
	iperf3
	nftables
	iptables # tests/kernel/test_attack.py: an xt match in the L3S hooks
	ethtool # test_attack.py: the links' features
	python3-pytest
	python3-pyroute2
	procps
	util-linux
	conntrack
	# building: the library, the CLI, the module (headers come per kernel,
	# from scripts/kernels.sh fetch)
	gcc
	make
	libc6-dev
	libmnl-dev
	pkg-config
	libjansson-dev # the CNI plugin (cni/) reads and writes JSON with it
	# tests/kernel/test_cni.py: the reference plugins (ipvlan, host-local)
	# and a real runtime, podman with the CNI backend
	containernetworking-plugins
	podman
	crun
	conmon
	# the UAPI header is generated with the kernel's ynl-gen-c.py, which
	# validates the spec against its schema; ynl's cli.py is a test client
	linux-source-6.12
	python3-yaml
	python3-jsonschema
	# checks: man pages, leaks
	mandoc
	valgrind
	sparse # make lint (C=2)
	bash-completion
	# the robustness tier: the debug kernel (scripts/debug-kernel.sh) is
	# built from Debian's 6.1 source; the model-based test uses hypothesis
	linux-source-6.1
	flex
	bison
	bc
	libelf-dev
	python3-hypothesis
)

# libcni caches results in /var/lib/cni, read-only in the VM guest:
# test_cni.py mounts a tmpfs there, which needs the directory on the host.
[ -d /var/lib/cni ] || { [ "$(id -u)" -eq 0 ] && mkdir -p /var/lib/cni; } || true

missing=()
for p in "${PACKAGES[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
apt_install() {
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		-o DPkg::Lock::Timeout=600 --no-install-recommends "${missing[@]}" \
		>/dev/null
}
echo "deps.sh: installing ${missing[*]}" >&2
if ! apt_install; then
	echo "deps.sh: apt-get update" >&2
	$SUDO apt-get update -qq -o DPkg::Lock::Timeout=600
	apt_install
fi
