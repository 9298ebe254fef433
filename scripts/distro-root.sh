#!/usr/bin/env bash
# Make a Debian root filesystem of another release for the test guest
# (./rxe-odp test --distro trixie): debootstrap from Debian's archive into a
# directory under the cache, with the release's rdma-core userspace, the
# tools the guest's stage 2 and the selected tests use, and what building
# our userspace needs. Nothing is installed on the host and its apt
# configuration is not touched: debootstrap and the chroot's own apt-get
# fetch everything into DIR.
#
#   scripts/distro-root.sh SUITE DIR      e.g. trixie ~/.cache/rxe-odp/root-trixie-<hash>
#
# DIR is made once: the root is built in DIR.tmp-<pid> and renamed to DIR
# only when complete (DIR/.complete written last), so an interrupted build
# is never reused; leftovers of one are removed. A DIR that exists is
# left as it is. Callers name DIR after a hash of this script (whose
# package lists decide the root's content): see distro_root_dir in
# ./rxe-odp.
#
# Then build our userspace inside it: scripts/distro-build.sh.
set -euo pipefail
. "$(dirname "$0")/common.sh"

[ $# = 2 ] || die "usage: distro-root.sh SUITE DIR"
suite=$1 dir=$(realpath -m "$2")
MIRROR=${RXE_ODP_DEBIAN_MIRROR:-http://deb.debian.org/debian}

# What the guest runs: rdma-core's userspace and tools (pyverbs and its
# tests, perftest, rdmacm-utils), iproute2 (ip, rdma), kmod (insmod,
# modprobe), systemd-sysv (reboot -f at the end of stage 2), procps,
# hostname, gzip (the pyverbs test unpacks rdma-core's tests).
PKGS_RUN="rdma-core ibverbs-providers ibverbs-utils rdmacm-utils python3-pyverbs perftest
	iproute2 kmod systemd-sysv procps hostname gzip util-linux fuse3"
# What building our userspace (CMakeLists.txt without the module) needs.
PKGS_BUILD="gcc libc6-dev make cmake pkg-config libibverbs-dev librdmacm-dev libcmocka-dev
	libfuse3-dev groff-base"
# Debian 13's own kernel (the newest of trixie and trixie-security, as a
# Debian 13 machine has it), its headers and Soft-RoCE sources, DKMS, and
# what building our Debian packages needs: the package test
# (scripts/deb-test.sh --root) builds, installs and boots them in a
# throwaway copy of this root. UCX and Open MPI, for the MPI tests on
# Debian 13's userspace. Unstable's kernel is 7.x: no series of ours.
case $suite in
trixie)
	PKGS_SUITE="linux-image-amd64 linux-headers-amd64 linux-source-6.12 dkms patch xz-utils
		build-essential debhelper dh-dkms dpkg-dev ucx-utils libucx0 openmpi-bin libopenmpi-dev"
	SECURITY="deb ${RXE_ODP_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security} trixie-security main" ;;
*) PKGS_SUITE="" SECURITY="" ;;
esac

[ "$(id -u)" = 0 ] || die "distro-root.sh: debootstrap needs root"
command -v debootstrap >/dev/null || die "debootstrap missing (apt-get install debootstrap)"
if [ -e "$dir/.complete" ]; then
	log "$suite root already in $dir"
	exit 0
fi
[ ! -e "$dir" ] || die "$dir exists but is not a complete root: remove it"

# Leftovers of interrupted builds of this root (their process is gone).
for old in "$dir".tmp-*; do
	[ -e "$old" ] || continue
	pid=${old##*.tmp-}
	kill -0 "$pid" 2>/dev/null && die "another build of $dir is running (pid $pid)"
	log "removing an interrupted build: $old"
	umount_under "$old" 2>/dev/null || true
	rm -rf --one-file-system "$old"
done

tmp=$dir.tmp-$$
mkdir -p "$tmp"
# shellcheck disable=SC2064
trap "umount_under '$tmp' 2>/dev/null; rm -rf --one-file-system '$tmp'" EXIT

t0=$SECONDS
log "debootstrap $suite into $tmp (from $MIRROR)"
progress "debootstrap" "$tmp.log" debootstrap --variant=minbase \
	--keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
	"$suite" "$tmp" "$MIRROR" ||
	{ tail -30 "$tmp.log" >&2; mv "$tmp.log" "$dir.failed.log"; die "debootstrap $suite failed (log: $dir.failed.log)"; }
rm -f "$tmp.log"

# The rest with the root's own apt-get (debootstrap's --include does not
# resolve dependencies as apt does). No daemon may start in the chroot.
# Valid-Until is not checked: the archive may be a frozen mirror (this
# machine's deb.debian.org serves unstable's Release of weeks ago, which
# says it expired after a week); the signatures still are.
if [ -n "$SECURITY" ]; then
	mkdir -p "$tmp/etc/apt/sources.list.d"
	echo "$SECURITY" >"$tmp/etc/apt/sources.list.d/$suite-security.list"
fi
printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
chmod 755 "$tmp/usr/sbin/policy-rc.d"
mount -t proc proc "$tmp/proc"
# shellcheck disable=SC2086
progress "apt-get install ($suite)" "$tmp/var/log/rxe-odp-install.log" \
	chroot "$tmp" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 \
	sh -c 'apt-get -o Acquire::Check-Valid-Until=false update -q && apt-get install -y -q --no-install-recommends "$@"' - \
	$PKGS_RUN $PKGS_BUILD $PKGS_SUITE ||
	{ tail -30 "$tmp/var/log/rxe-odp-install.log" >&2; die "apt-get install in the $suite root failed"; }
umount "$tmp/proc"
chroot "$tmp" apt-get clean
rm -f "$tmp/usr/sbin/policy-rc.d"
chroot "$tmp" dpkg-query -W -f='${Package} ${Version}\n' >"$tmp/.packages"

echo "$suite $(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$tmp/.complete"
trap - EXIT
mv "$tmp" "$dir"
log "$suite root in $dir ($((SECONDS - t0)) s; rdma-core $(awk '$1 == "rdma-core" { print $2 }' "$dir/.packages"))"
