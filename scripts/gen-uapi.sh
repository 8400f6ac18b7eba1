#!/bin/bash
# Generate the UAPI header from genl/ipvl.yaml with the kernel's own
# ynl-gen-c.py (from Debian's linux-source-6.12), validating the spec
# against the genetlink-legacy schema on the way.
#
#   scripts/gen-uapi.sh OUT.h     write the header to OUT.h
#   scripts/gen-uapi.sh --check   fail if genl/ipvl.h differs from a fresh run
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${IPVL_CACHE:-/var/cache/ipvlanctl}
src=$cache/src/linux-source-6.12
tarball=$(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -n1 || true)

if [ ! -f "$src/tools/net/ynl/ynl-gen-c.py" ]; then
	if [ -z "$tarball" ]; then
		echo "gen-uapi: linux-source-6.12 is not installed (run scripts/deps.sh)" >&2
		exit 1
	fi
	mkdir -p "$cache/src"
	tar -C "$cache/src" -xf "$tarball" \
		linux-source-6.12/tools/net/ynl \
		linux-source-6.12/Documentation/netlink
fi

# ynl-gen-c.py looks for the schema next to the spec's parent directory and
# for a MAINTAINERS file up the tree (it loops forever without one).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/genl"
touch "$work/MAINTAINERS"
cp "$src/Documentation/netlink/genetlink-legacy.yaml" "$work/"
cp "$top/genl/ipvl.yaml" "$work/genl/ipvl.yaml"
timeout 120 /usr/bin/python3 "$src/tools/net/ynl/ynl-gen-c.py" \
	--mode uapi --header --spec "$work/genl/ipvl.yaml" -o "$work/ipvl.h"

case "${1:-}" in
--check)
	if ! diff -u "$top/genl/ipvl.h" "$work/ipvl.h"; then
		echo "gen-uapi: genl/ipvl.h is stale: run 'make uapi' and commit it" >&2
		exit 1
	fi
	echo "gen-uapi: genl/ipvl.h matches genl/ipvl.yaml"
	;;
"")
	echo "usage: $0 OUT.h | --check" >&2
	exit 1
	;;
*)
	cp "$work/ipvl.h" "$1"
	;;
esac
