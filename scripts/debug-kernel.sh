#!/bin/bash
# The debug kernel of the robustness tier: Debian's linux-source-6.1 built
# with `make ARCH=x86_64 allnoconfig` plus tests/debug-kernel.config (KASAN,
# lockdep, kmemleak, failslab, refcount trackers; everything the suite needs
# built in), bootable with tests/vm/vm.py --kernel-dir.
#
#   scripts/debug-kernel.sh build       build it unless cached; prints the
#                                       tree (boot/, lib/modules/RELEASE/)
#   scripts/debug-kernel.sh dir         prints the tree (no build)
#   scripts/debug-kernel.sh release     prints the kernel release (built tree)
#   scripts/debug-kernel.sh kdir        prints the kernel build dir, for
#                                       make -C KDIR M=... modules
#   scripts/debug-kernel.sh stage FILE.ko...
#                                       copy modules into
#                                       lib/modules/RELEASE/updates + depmod
#   scripts/debug-kernel.sh check-config CONFIG
#                                       is every line of the fragment in
#                                       CONFIG? (non-zero exit when not)
#
# Cache: ${IPVL_CACHE:-/var/cache/ipvlanctl}/debug-kernel/KEY/, where KEY
# hashes the fragment, the linux-source-6.1 package version and the build
# recipe below. Inside: src/ (the build tree), boot/vmlinuz-RELEASE,
# lib/modules/RELEASE/ (modules_install + depmod; build -> src), build.log,
# and the stamp .complete. An interrupted build resumes where it stopped.
# Only results go to stdout; progress goes to stderr.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
FRAGMENT=$TOP/tests/debug-kernel.config
SRC_PKG=linux-source-6.1
TARBALL=/usr/src/linux-source-6.1.tar.xz
CACHE_ROOT=${IPVL_CACHE:-/var/cache/ipvlanctl}
DCACHE=$CACHE_ROOT/debug-kernel
# Bump when the build steps below change in a way that changes the result.
RECIPE=1
MAKE_ARGS=(ARCH=x86_64)

log() { printf 'debug-kernel.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
	sed -n '2,26s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

src_version() {
	dpkg-query -W -f='${Version}' "$SRC_PKG" 2>/dev/null ||
		die "$SRC_PKG is not installed (run scripts/deps.sh)"
}

key() {
	{
		printf 'recipe %s\nsource %s %s\n' "$RECIPE" "$SRC_PKG" "$(src_version)"
		cat "$FRAGMENT"
	} | sha256sum | cut -c1-16
}

tree() { printf '%s/%s\n' "$DCACHE" "$(key)"; }

# Each CONFIG_X=V and "# CONFIG_X is not set" line of the fragment must be
# in the .config as written (a missing "=n" option counts as not set).
check_config() {
	local config=$1
	awk '
		FNR == NR {
			if (match($0, /^CONFIG_[A-Za-z0-9_]+=/)) {
				k = substr($0, 1, RLENGTH - 1); have[k] = substr($0, RLENGTH + 1)
			} else if ($0 ~ /^# CONFIG_[A-Za-z0-9_]+ is not set$/) {
				have[$2] = "n"
			}
			next
		}
		/^CONFIG_[A-Za-z0-9_]+=/ {
			i = index($0, "="); k = substr($0, 1, i - 1); want = substr($0, i + 1)
		}
		/^# CONFIG_[A-Za-z0-9_]+ is not set$/ { k = $2; want = "n" }
		/^CONFIG_|^# CONFIG_.* is not set$/ {
			got = (k in have) ? have[k] : "n"
			if (got != want) {
				printf "debug-kernel.sh: %s: wanted %s, .config has %s\n", k, want, got > "/dev/stderr"
				bad++
			}
			n++
		}
		END {
			if (bad) {
				printf "debug-kernel.sh: %d of %d options of the fragment did not make it into .config (missing dependencies?)\n", bad, n > "/dev/stderr"
				exit 1
			}
			printf "debug-kernel.sh: all %d options of the fragment are in .config\n", n > "/dev/stderr"
		}
	' "$config" "$FRAGMENT"
}

lock() {
	mkdir -p "$DCACHE"
	exec 9>"$DCACHE/.lock-$(key)"
	if ! flock -n 9; then
		log "waiting for another build of $(key)"
		flock 9
	fi
}

release_of() {
	cat "$1/src/include/config/kernel.release" 2>/dev/null ||
		die "no built debug kernel in $1 (run scripts/debug-kernel.sh build)"
}

build() {
	local dir rel t0 jobs
	dir=$(tree)
	lock
	if [ -e "$dir/.complete" ]; then
		printf '%s\n' "$dir"
		return 0
	fi
	[ -f "$TARBALL" ] || die "$TARBALL missing (run scripts/deps.sh)"
	t0=$(date +%s)
	jobs=$(nproc)
	mkdir -p "$dir"
	if [ ! -e "$dir/src/.unpacked" ]; then
		log "unpacking $TARBALL into $dir/src"
		rm -rf "$dir/src"
		mkdir -p "$dir/src"
		tar -xJf "$TARBALL" -C "$dir/src" --strip-components=1
		touch "$dir/src/.unpacked"
	else
		log "resuming the build in $dir/src"
	fi
	log "configuring: allnoconfig + $(basename "$FRAGMENT")"
	make -C "$dir/src" -s "${MAKE_ARGS[@]}" KCONFIG_ALLCONFIG="$FRAGMENT" \
		allnoconfig >&2
	make -C "$dir/src" -s "${MAKE_ARGS[@]}" olddefconfig >&2
	check_config "$dir/src/.config" || die "the debug kernel config is incomplete"
	log "building with -j$jobs (log: $dir/build.log); this takes ~10 min on 2 idle cores"
	if ! make -C "$dir/src" "${MAKE_ARGS[@]}" -j"$jobs" bzImage modules \
		>"$dir/build.log" 2>&1; then
		tail -n 40 "$dir/build.log" >&2
		die "kernel build failed (full log: $dir/build.log)"
	fi
	rel=$(release_of "$dir")
	rm -rf "$dir/boot" "$dir/lib"
	mkdir -p "$dir/boot"
	install -m 644 "$dir/src/arch/x86/boot/bzImage" "$dir/boot/vmlinuz-$rel"
	install -m 644 "$dir/src/.config" "$dir/boot/config-$rel"
	install -m 644 "$dir/src/System.map" "$dir/boot/System.map-$rel"
	make -C "$dir/src" -s "${MAKE_ARGS[@]}" INSTALL_MOD_PATH="$dir" \
		DEPMOD=/bin/true modules_install >>"$dir/build.log" 2>&1 ||
		die "modules_install failed (log: $dir/build.log)"
	ln -sfn ../../../src "$dir/lib/modules/$rel/build"
	depmod -b "$dir" "$rel"
	touch "$dir/.complete"
	log "built $rel in $(($(date +%s) - t0)) s: $dir"
	printf '%s\n' "$dir"
}

complete_tree() {
	local dir
	dir=$(tree)
	[ -e "$dir/.complete" ] || die "the debug kernel is not built (scripts/debug-kernel.sh build)"
	printf '%s\n' "$dir"
}

stage() {
	local dir rel ko
	for ko in "$@"; do
		[ -f "$ko" ] || die "stage: no such file: $ko"
	done
	dir=$(complete_tree)
	rel=$(release_of "$dir")
	lock
	mkdir -p "$dir/lib/modules/$rel/updates"
	install -m 644 "$@" "$dir/lib/modules/$rel/updates/"
	depmod -b "$dir" "$rel"
	log "staged $* into $dir/lib/modules/$rel/updates"
}

[ $# -ge 1 ] || usage
cmd=$1
shift
case $cmd in
build) build ;;
dir) tree ;;
key) key ;;
release) release_of "$(complete_tree)" ;;
kdir) printf '%s/src\n' "$(complete_tree)" ;;
stage)
	[ $# -ge 1 ] || usage
	stage "$@"
	;;
check-config)
	[ $# -eq 1 ] || usage
	check_config "$1"
	;;
-h | --help | help) usage ;;
*) usage ;;
esac
