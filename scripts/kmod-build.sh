#!/usr/bin/env bash
# Build rdma_rxe_odp.ko: Debian's Soft-RoCE driver from linux-source-6.1
# (or linux-source-6.12), our patch series on top, linked with the ODP
# core in kernel/.
#
#   scripts/kmod-build.sh [--kdir DIR [--source TARBALL] | --kver KVER]
#                         [--check] [--out DIR] [--without PATCH]...
#
# --kdir   kernel build tree (default: the Debian headers of the guest kernel)
# --source the linux-source tarball to take rxe from, with --kdir (default:
#          /usr/src/linux-source-SERIES.tar.xz); its top directory must be
#          its name without .tar.xz, as Debian's is
# --kver   build for kernel release KVER: its headers' tree, after checking
#          that linux-source-SERIES and linux-headers-KVER are one Debian
#          upload (DKMS runs it so, from the rxe-odp-dkms source tree)
# --check  only run that version check (DKMS's PRE_BUILD, whose output the
#          user sees, unlike the build's)
# --out    build directory (default: build/kmod-<guest kernel release>;
#          required with --kdir and --kver)
# --without leave PATCH out of the series: its file name, or its number
#          (0016). For an A/B of one patch (`./rxe-odp bench --without`),
#          not for users: every later patch must still apply, or the
#          build fails saying which did not
# SERIES is the target kernel's major.minor, which also picks the patches:
# 6.1 kernel/patches, 6.12 kernel/patches-6.12.
# Prints the path of the module on success.
set -euo pipefail
. "$(dirname "$0")/common.sh"

RXE_PATH=drivers/infiniband/sw/rxe
kdir="" kver="" out="" source="" check_only=no without=()
while [ $# -gt 0 ]; do
	case $1 in
	--kdir | --kver | --out | --source | --without) [ $# -ge 2 ] && [ -n "$2" ] || die "kmod-build.sh: $1 needs a value" ;;&
	--kdir) kdir=$2; shift 2 ;;
	--kver) kver=$2; shift 2 ;;
	--source) source=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--check) check_only=yes; shift ;;
	--without) without+=("$2"); shift 2 ;;
	*) die "kmod-build.sh: unknown argument '$1'" ;;
	esac
done
[ -z "$kdir" ] || [ -z "$kver" ] || die "kmod-build.sh: --kdir and --kver exclude each other"
[ -z "$source" ] || [ -n "$kdir" ] || die "kmod-build.sh: --source needs --kdir"

# select_series KVER: the kernel series' patches and default source tarball.
select_series() {
	SERIES=$(kernel_series "$1")
	PATCHES=$(kernel_patches "$SERIES")
	[ -n "$PATCHES" ] || die "no patch series for kernel $1 (Linux ${SERIES:-unknown}): rdma_rxe_odp is built for 6.1 and 6.12"
	SRCPKG=linux-source-$SERIES
	TARBALL=/usr/src/$SRCPKG.tar.xz
}

if [ -n "$kver" ]; then
	select_series "$kver"
	check_source_headers "$kver" "$SRCPKG"
	kdir=/lib/modules/$kver/build
	[ $check_only = no ] || exit 0
elif [ -z "$kdir" ]; then
	kver=$(guest_kver)
	select_series "$kver"
	check_kernel_versions "$kver" "$SRCPKG"
	kdir=/lib/modules/$kver/build
	[ -d "$kdir" ] || die "no kernel build tree at $kdir (apt-get install linux-headers-$kver)"
	[ $check_only = no ] || exit 0
	out=${out:-$BUILD/kmod-$kver}
fi
[ $check_only = no ] || die "kmod-build.sh: --check needs --kver (or neither --kdir nor --kver)"
[ -n "$out" ] || die "kmod-build.sh: --kdir and --kver need --out"
out=$(realpath -m "$out")
[ -f "$kdir/Makefile" ] || die "$kdir is not a kernel build tree"
if [ -z "$kver" ]; then
	# --kdir: the tree's own release says which series it is
	kver=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$kdir/include/generated/utsrelease.h" 2>/dev/null || true)
	[ -n "$kver" ] || die "$kdir has no include/generated/utsrelease.h: not a prepared kernel build tree"
	select_series "$kver"
fi
if [ -n "$source" ]; then
	TARBALL=$(realpath -m "$source")
	SRCPKG=$(basename "$TARBALL" .tar.xz)
fi
[ -f "$TARBALL" ] || die "$TARBALL missing (apt-get install $SRCPKG)"
# Headers that ship vmlinux (Debian's 6.12) make BTF for modules: pahole.
if [ -f "$kdir/vmlinux" ] && grep -q '^CONFIG_DEBUG_INFO_BTF_MODULES=y' "$kdir/.config" 2>/dev/null &&
	! command -v pahole >/dev/null; then
	die "building for $kver needs pahole (apt-get install dwarves)"
fi

# Inputs that decide the patched rxe tree; when they are unchanged the tree
# (and so make's timestamps) is kept and rebuilding is incremental.
tree_stamp() {
	{
		stat -c '%s %Y' "$TARBALL"
		series_patches
		(cd "$PATCHES" && cat $(series_patches))
	} | sha256sum | cut -d' ' -f1
}

# names_patch P W: --without W names patch file P (its file name, or
# the number it starts with)
names_patch() { [ "$1" = "$2" ] || [[ $1 == "$2"-* ]]; }

# series_patches: the series' patches in order, less those --without names
series_patches() {
	local p w keep
	for p in $(grep -v '^#' "$PATCHES/series"); do
		keep=yes
		for w in ${without[@]+"${without[@]}"}; do
			names_patch "$p" "$w" && keep=no
		done
		[ $keep = no ] || echo "$p"
	done
}

# check_without: every --without names a patch of the series
check_without() {
	local w p found
	for w in ${without[@]+"${without[@]}"}; do
		found=no
		for p in $(grep -v '^#' "$PATCHES/series"); do
			names_patch "$p" "$w" && found=yes
		done
		[ $found = yes ] || die "--without $w: no such patch in ${PATCHES#"$ROOT"/}/series"
	done
}

# Every patch must stay inside the rxe directory: anything else would be a
# change to the running kernel, which an out-of-tree module cannot make.
check_patch_paths() {
	local p=$1 bad
	bad=$(grep -E '^\+\+\+ ' "$p" | grep -v "^+++ b/$RXE_PATH/" || true)
	[ -z "$bad" ] || die "$(basename "$p") touches files outside $RXE_PATH: $bad"
}

prepare_rxe_tree() {
	local stamp=$1 src=$out/rxe top p version
	if [ -n "$source" ]; then
		version=$TARBALL
	else
		version=$(dpkg-query -W -f='${Version}' "$SRCPKG" 2>/dev/null || echo unknown)
	fi
	rm -rf "$src" "$out/extract"
	mkdir -p "$out/extract"
	log "extracting $RXE_PATH from $SRCPKG $version"
	top=$SRCPKG
	tar xf "$TARBALL" -C "$out/extract" "$top/$RXE_PATH" ||
		die "cannot extract $top/$RXE_PATH from $TARBALL"
	mv "$out/extract/$top/$RXE_PATH" "$src"
	rm -rf "$out/extract"
	for p in $(series_patches); do
		check_patch_paths "$PATCHES/$p"
		patch -s -p5 -d "$src" --batch --forward <"$PATCHES/$p" >"$out/patch.log" 2>&1 ||
			die "patch $p no longer applies to $SRCPKG $version (the Soft-RoCE sources changed in this Debian release).
  Refresh ${PATCHES#"$ROOT"/}/$p against this release; patch said:
$(sed 's/^/    /' "$out/patch.log")"
		log "applied $p"
	done
	sed -n '/^rdma_rxe-y/,/^[[:space:]]*$/p' "$src/Makefile" >"$src/objs.mk"
	grep -q 'rxe.o' "$src/objs.mk" || die "cannot read the object list (rdma_rxe-y) from $RXE_PATH/Makefile"
	echo "$stamp" >"$out/tree.stamp"
}

# Copy FILE into DIR only when its content differs, so make sees no change
# for files that did not change.
sync_file() {
	cmp -s "$1" "$2/$(basename "$1")" 2>/dev/null || cp "$1" "$2/"
}

check_without
mkdir -p "$out"
stamp=$(tree_stamp)
[ "$(cat "$out/tree.stamp" 2>/dev/null)" = "$stamp" ] || prepare_rxe_tree "$stamp"
for f in "$ROOT"/kernel/Kbuild "$ROOT"/kernel/*.[ch]; do
	[ -e "$f" ] && sync_file "$f" "$out"
done

log "building rdma_rxe_odp.ko against $kdir"
make -s -C "$kdir" M="$out" -j"$(nproc)" modules >"$out/build.log" 2>&1 ||
	{ cat "$out/build.log" >&2; die "module build failed (log: $out/build.log)"; }
grep -E 'warning:' "$out/build.log" >&2 || true
echo "$out/rdma_rxe_odp.ko"
