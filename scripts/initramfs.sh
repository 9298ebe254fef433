#!/usr/bin/env bash
# Build the test guest's initramfs: busybox-static, our /init, and the
# modules the guest needs before it can reach the host's filesystem
# (virtio PCI and net, 9p, overlayfs), taken from the kernel's own
# /lib/modules with their dependencies.
#
#   scripts/initramfs.sh [--modroot DIR] KVER|--builtin OUT.cpio.gz
#
# --builtin: a kernel with those drivers built in (the debug kernel).
# --modroot: the modules are under DIR/lib/modules/KVER (a kernel unpacked
#            by scripts/kernel-debs.sh, indexed by depmod -b DIR) instead
#            of the host's /lib/modules. Compressed modules (.ko.xz,
#            .ko.zst, .ko.gz) are stored uncompressed, for busybox insmod.
set -euo pipefail
. "$(dirname "$0")/common.sh"

modroot=""
if [ "${1:-}" = --modroot ]; then
	[ $# -ge 2 ] && [ -d "$2" ] || die "initramfs.sh: --modroot needs a directory"
	modroot=$(realpath "$2")
	shift 2
fi
[ $# -eq 2 ] || die "usage: initramfs.sh [--modroot DIR] KVER|--builtin OUT.cpio.gz"
kver=$1 out=$2
BOOT_MODULES="virtio_pci virtio_net 9pnet_virtio 9p overlay"
modprobe_args=(-S "$kver")
[ -z "$modroot" ] || modprobe_args+=(-d "$modroot")

[ -x /bin/busybox ] || die "busybox missing (apt-get install busybox-static)"

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir"/{bin,dev,proc,sys,run,modules}
cp /bin/busybox "$dir/bin/busybox"
cp "$ROOT/scripts/guest-init" "$dir/init"
chmod 755 "$dir/init"

# add_module PATH: copy a module in, uncompressed, and list it.
add_module() {
	local path=$1 name
	name=$(basename "$path")
	case $name in
	*.ko.xz) name=${name%.xz}; xz -dc "$path" >"$dir/modules/$name" ;;
	*.ko.zst) name=${name%.zst}; zstd -qdc "$path" >"$dir/modules/$name" ;;
	*.ko.gz) name=${name%.gz}; gzip -dc "$path" >"$dir/modules/$name" ;;
	*) cp "$path" "$dir/modules/" ;;
	esac || die "cannot copy $path"
	echo "$name" >>"$dir/modules.list"
}

if [ "$kver" != --builtin ]; then
	for m in $BOOT_MODULES; do
		modprobe "${modprobe_args[@]}" --show-depends "$m" ||
			die "module $m not found for kernel $kver${modroot:+ under $modroot}"
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' |
		while read -r path; do
			add_module "$path"
		done
fi

(cd "$dir" && find . | cpio -o -H newc --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
