#!/usr/bin/env bash
# Build our userspace (the CMake project without the kernel module:
# libodp, the preload, examples, test programs) inside a root made by
# scripts/distro-root.sh, so that the binaries link against that
# release's libibverbs and librdmacm. The guest booted on that root
# (scripts/guest.sh --root) runs them from OUT (--userbuild).
#
#   scripts/distro-build.sh ROOTDIR OUT [KMOD_OUT]
#
# KMOD_OUT: also rdma_rxe_odp.ko, built there by scripts/kmod-build.sh
# --kver for the root's own kernel (the one its linux-image-amd64 points
# at) against its headers and its linux-source, as DKMS would on that
# release.
#
# Runs in a private mount namespace, chrooted into an overlay of ROOTDIR
# whose upper layer is a tmpfs: the cached root stays as debootstrap made
# it. The repository and OUT are bound at their own paths, so CMake's
# absolute paths are the same in the chroot, on the host and in the guest.
# OUT is configured afresh when it was made in another root.
set -euo pipefail
. "$(dirname "$0")/common.sh"

[ $# = 2 ] || [ $# = 3 ] || die "usage: distro-build.sh ROOTDIR OUT [KMOD_OUT]"
rootdir=$(realpath "$1") out=$(realpath -m "$2") kout="" kver=""
if [ $# = 3 ]; then
	kout=$(realpath -m "$3")
	kver=$(guest_kver "$rootdir")
	mkdir -p "$kout"
fi
[ -e "$rootdir/.complete" ] || die "$rootdir is not a complete root (scripts/distro-root.sh)"
[ "$(id -u)" = 0 ] || die "distro-build.sh: chroot needs root"

# A build tree configured in another root would mix two releases' paths
# and libraries: start again.
if [ "$(cat "$out/.root" 2>/dev/null)" != "$rootdir" ]; then
	rm -rf "$out"
fi
mkdir -p "$out"
echo "$rootdir" >"$out/.root"

# The part that runs in the new mount namespace (its mounts vanish with
# it): overlay root, binds, chroot, cmake.
inner='
set -eu
rootdir=$1 out=$2 repo=$3 top=$4 kout=$5 kver=$6
mount -t tmpfs tmpfs "$top"
mkdir -p "$top/upper" "$top/work" "$top/root"
mount -t overlay overlay -o "lowerdir=$rootdir,upperdir=$top/upper,workdir=$top/work" "$top/root"
for p in "$repo" "$out" ${kout:+"$kout"}; do
	mkdir -p "$top/root$p"
	mount --bind "$p" "$top/root$p"
done
mount -t proc proc "$top/root/proc"
exec chroot "$top/root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
	sh -c '"'"'
	set -e
	[ -f "$2/CMakeCache.txt" ] ||
		cmake -S "$1" -B "$2" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRXE_ODP_KMOD=OFF
	cmake --build "$2" -j"$(nproc)"
	[ -z "$3" ] || "$1/scripts/kmod-build.sh" --kver "$4" --out "$3"
	'"'"' - "$repo" "$out" "$kout" "$kver"
'
top=$(mktemp -d /tmp/rxe-odp-distro.XXXXXX)
trap 'rmdir "$top" 2>/dev/null || true' EXIT
log "building our userspace in $(basename "$rootdir") into $out${kout:+, and rdma_rxe_odp.ko for $kver into $kout}"
unshare -m --propagation private bash -c "$inner" - "$rootdir" "$out" "$ROOT" "$top" "$kout" "$kver" \
	>"$out/build.log" 2>&1 ||
	{ tail -40 "$out/build.log" >&2; die "userspace build in $rootdir failed (log: $out/build.log)"; }
