#!/usr/bin/env bash
# Unpack a Debian kernel into a directory, without installing it
# (installed headers would make DKMS build for a kernel this machine does
# not run): linux-image-KVER (image and modules, for a test guest),
# linux-source-SERIES, linux-headers-KVER, its -common headers and its
# linux-kbuild, all of one Debian upload.
#
#   scripts/kernel-debs.sh KVER DIR      e.g. 6.12.117+deb12-amd64 /work/k612
#
# Then: scripts/kmod-build.sh --kdir DIR/kdir \
#         --source DIR/root/usr/src/linux-source-SERIES.tar.xz --out OUT
# and for a guest: scripts/initramfs.sh --modroot DIR/root KVER INITRD,
#   scripts/guest.sh --kernel DIR/root/boot/vmlinuz-KVER --modroot DIR/root
#
# The packages are unpacked with dpkg -x under DIR/root, and depmod -b
# indexes the modules there (modprobe -d DIR/root). Their symlinks
# are relative, except the one line of the KVER headers' Makefile that
# includes the -common headers' Makefile by its installed path: it is
# pointed into DIR/root. DIR/kdir links to the KVER headers' tree.
# Kbuild of these headers makes BTF for modules, which needs pahole
# (apt-get install dwarves). A DIR that already holds KVER's upload is
# left as it is.
set -euo pipefail
. "$(dirname "$0")/common.sh"

[ $# = 2 ] || die "usage: kernel-debs.sh KVER DIR"
kver=$1 dir=$(realpath -m "$2")
abi=${kver%-*}
series=$(kernel_series "$kver")
[ -n "$series" ] && [ "$abi" != "$kver" ] || die "kernel-debs.sh: '$kver' is not a Debian kernel release (like 6.12.117+deb12-amd64)"
version=$(apt-cache policy "linux-headers-$kver" | sed -n 's/^ *Candidate: //p')
[ -n "$version" ] && [ "$version" != "(none)" ] ||
	die "no linux-headers-$kver in the apt sources (apt-get update; apt-cache search linux-headers-$series)"

stamp="$kver $version"
if [ "$(cat "$dir/unpacked" 2>/dev/null)" = "$stamp" ]; then
	log "$kver ($version) already in $dir"
	exit 0
fi
rm -f "$dir/unpacked"
pkgs=("linux-image-$kver=$version" "linux-source-$series=$version" "linux-headers-$kver=$version"
	"linux-headers-$abi-common=$version" "linux-kbuild-$abi=$version")
debs_unpack "$dir" "${pkgs[@]}"
hdr=$dir/root/usr/src/linux-headers-$kver
sed -i "s|^include /usr/src/|include $dir/root/usr/src/|" "$hdr/Makefile"
ln -sfn "$hdr" "$dir/kdir"
depmod -b "$dir/root" "$kver" || die "depmod -b $dir/root $kver failed"
echo "$stamp" >"$dir/unpacked"
log "$kver ($version) in $dir: --kdir $dir/kdir --source $dir/root/usr/src/linux-source-$series.tar.xz"
