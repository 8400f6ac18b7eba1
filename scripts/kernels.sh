#!/bin/bash
# Debian kernels for the QEMU test harness (tests/vm/vm.py).
#
#   scripts/kernels.sh resolve SERIES       newest ABI of a series (6.1, 6.12)
#                                           whose linux-image AND linux-headers
#                                           packages both exist in apt
#   scripts/kernels.sh fetch ABI|SERIES     unpack linux-image-ABI into the
#                                           cache, install linux-headers-ABI on
#                                           the host; prints the cache dir
#   scripts/kernels.sh stage ABI FILE.ko... copy modules into the cached tree
#                                           (lib/modules/ABI/updates) + depmod
#   scripts/kernels.sh headers ABI|SERIES   prints the KDIR to build against
#   scripts/kernels.sh dir ABI|SERIES       prints the cache dir (no fetch)
#
# Cache: ${IPVL_CACHE:-/var/cache/ipvlanctl}/kernels/ABI/{boot,lib/modules}.
# Only results go to stdout; progress goes to stderr.
set -euo pipefail

CACHE_ROOT=${IPVL_CACHE:-/var/cache/ipvlanctl}
KCACHE=$CACHE_ROOT/kernels
ARCH=amd64

log() { printf 'kernels.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
	sed -n '2,15s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

# Newest ABI of SERIES (e.g. 6.1 -> 6.1.0-56-amd64, 6.12 -> 6.12.117+deb12-amd64)
# for which apt has both linux-image-ABI and linux-headers-ABI. Only the plain
# flavour: -rt, -cloud, -dbg and -unsigned names do not match the pattern.
# One apt-cache call (each costs ~0.7 s): "search --names-only" lists only
# real packages, not the virtual names "pkgnames" would also give.
resolve() {
	local series=$1 s abi
	[[ $series =~ ^[0-9]+\.[0-9]+$ ]] || die "bad series '$series' (want e.g. 6.1)"
	s=${series//./\\.}
	abi=$(apt-cache search --names-only \
		"^linux-(image|headers)-(${s}\\.0-[0-9]+|${s}\\.[0-9]+\\+deb[0-9]+)-${ARCH}\$" |
		awk '{ n = $1; sub(/^linux-(image|headers)-/, "", n); seen[n]++ }
		     END { for (n in seen) if (seen[n] == 2) print n }' |
		sort -V | tail -n1)
	[ -n "$abi" ] ||
		die "no linux-image/linux-headers pair for series $series in apt (run apt-get update?)"
	printf '%s\n' "$abi"
}

# A full ABI stays as it is; a series (6.1) is resolved.
to_abi() {
	if [[ $1 =~ ^[0-9]+\.[0-9]+$ ]]; then
		resolve "$1"
	elif [[ $1 =~ ^[0-9]+\.[0-9]+[.0-9]*[-+][A-Za-z0-9.+_-]+$ ]]; then
		printf '%s\n' "$1"
	else
		die "bad kernel '$1' (want a series like 6.1 or an ABI like 6.1.0-56-amd64)"
	fi
}

kdir_of() { printf '%s\n' "/usr/src/linux-headers-$1"; }

ensure_headers() {
	local abi=$1
	if [ -e "/lib/modules/$abi/build" ] && [ -d "$(kdir_of "$abi")" ]; then
		return 0
	fi
	log "installing linux-headers-$abi"
	# The 6.12 headers depend on their linux-image package. The guest boots
	# the copy in the cache, so the host needs no initramfs for it: INITRD=No
	# skips the image's initramfs hook, and without an initrd the
	# initramfs-tools trigger has nothing to update. Each would otherwise
	# run mkinitramfs for minutes while the debug kernel builds.
	INITRD=No DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		-o DPkg::Lock::Timeout=600 --no-install-recommends \
		"linux-headers-$abi" >&2 ||
		die "apt-get install linux-headers-$abi failed"
}

# Take an exclusive lock on this ABI's cache entry (fd 9) for the rest of
# the script, so that parallel fetch/stage runs do not trip over each other.
lock_abi() {
	mkdir -p "$KCACHE"
	exec 9>"$KCACHE/.lock-$1"
	flock 9
}

fetch() {
	local abi=$1 dir=$KCACHE/$1 tmp deb
	lock_abi "$abi"
	if [ ! -e "$dir/.complete" ]; then
		log "fetching linux-image-$abi into $dir"
		tmp=$(mktemp -d "$KCACHE/.fetch-XXXXXX")
		# shellcheck disable=SC2064
		trap "rm -rf '$tmp'" EXIT
		chmod 755 "$tmp" # apt's _apt sandbox user must be able to write
		deb=$(find /var/cache/apt/archives -maxdepth 1 \
			-name "linux-image-${abi}_*_${ARCH}.deb" 2>/dev/null | sort -V | tail -n1)
		if [ -z "$deb" ]; then
			if ! (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "linux-image-$abi" >&2); then
				log "apt-get download failed; running apt-get update and retrying"
				apt-get update -q >&2
				(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "linux-image-$abi" >&2) ||
					die "cannot download linux-image-$abi"
			fi
			deb=$(find "$tmp" -maxdepth 1 -name '*.deb' | head -n1)
			# where apt looks first: installing the headers, which may
			# depend on this image, then does not download it again
			[ -z "$deb" ] || cp "$deb" /var/cache/apt/archives/ || true
		fi
		[ -n "$deb" ] || die "no .deb for linux-image-$abi"
		mkdir "$tmp/root"
		dpkg-deb -x "$deb" "$tmp/root"
		[ -f "$tmp/root/boot/vmlinuz-$abi" ] || die "$deb has no boot/vmlinuz-$abi"
		[ -d "$tmp/root/lib/modules/$abi" ] || die "$deb has no lib/modules/$abi"
		depmod -b "$tmp/root" "$abi"
		rm -rf "$dir"
		mv "$tmp/root" "$dir"
		touch "$dir/.complete"
		rm -rf "$tmp"
		trap - EXIT
	fi
	ensure_headers "$abi"
	printf '%s\n' "$dir"
}

stage() {
	local abi=$1 dir=$KCACHE/$1 ko
	shift
	[ $# -gt 0 ] || die "stage: no .ko files given"
	for ko in "$@"; do
		[ -f "$ko" ] || die "stage: no such file: $ko"
	done
	[ -e "$dir/.complete" ] || fetch "$abi" >/dev/null
	lock_abi "$abi"
	mkdir -p "$dir/lib/modules/$abi/updates"
	install -m 644 "$@" "$dir/lib/modules/$abi/updates/"
	depmod -b "$dir" "$abi"
	log "staged $* into $dir/lib/modules/$abi/updates"
}

[ $# -ge 1 ] || usage
cmd=$1
shift
case $cmd in
resolve)
	[ $# -eq 1 ] || usage
	resolve "$1"
	;;
fetch)
	[ $# -eq 1 ] || usage
	abi=$(to_abi "$1")
	fetch "$abi"
	;;
stage)
	[ $# -ge 2 ] || usage
	abi=$(to_abi "$1")
	shift
	stage "$abi" "$@"
	;;
headers)
	[ $# -eq 1 ] || usage
	abi=$(to_abi "$1")
	ensure_headers "$abi"
	kdir_of "$abi"
	;;
dir)
	[ $# -eq 1 ] || usage
	abi=$(to_abi "$1")
	printf '%s\n' "$KCACHE/$abi"
	;;
-h | --help | help) usage ;;
*) usage ;;
esac
