#!/usr/bin/env bash
# Build the test guest's initramfs: busybox-static, our /init, and the
# modules the guest needs before it can reach the host's filesystem
# (virtio PCI and net, 9p, overlayfs), taken from the kernel's own
# /lib/modules with their dependencies.
#
#   scripts/initramfs.sh KVER|--builtin OUT.cpio.gz
#
# --builtin: a kernel with those drivers built in (the debug kernel).
set -euo pipefail
. "$(dirname "$0")/common.sh"

[ $# -eq 2 ] || die "usage: initramfs.sh KVER|--builtin OUT.cpio.gz"
kver=$1 out=$2
BOOT_MODULES="virtio_pci virtio_net 9pnet_virtio 9p overlay"

[ -x /bin/busybox ] || die "busybox missing (apt-get install busybox-static)"

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir"/{bin,dev,proc,sys,run,modules}
cp /bin/busybox "$dir/bin/busybox"
cp "$ROOT/scripts/guest-init" "$dir/init"
chmod 755 "$dir/init"

if [ "$kver" != --builtin ]; then
	for m in $BOOT_MODULES; do
		modprobe -S "$kver" --show-depends "$m" ||
			die "module $m not found for kernel $kver"
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' |
		while read -r path; do
			cp "$path" "$dir/modules/"
			basename "$path" >>"$dir/modules.list"
		done
fi

(cd "$dir" && find . | cpio -o -H newc --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
