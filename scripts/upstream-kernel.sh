#!/usr/bin/env bash
# Debian's newest 7.x kernel, for the upstream reference run
# (./rxe-odp test --upstream): its own rdma_rxe, upstream's explicit ODP.
# Fetched with apt-get download through an apt configuration of its own
# under the cache (Debian unstable and trixie-backports), unpacked there,
# never installed; the host's apt configuration is not touched.
#
#   scripts/upstream-kernel.sh kver            the newest 7.x release
#                                              (7.3.4+deb13-amd64)
#   scripts/upstream-kernel.sh fetch DIR       fetch and unpack it into DIR
#                                              (prints its release)
#   scripts/upstream-kernel.sh module DIR OUT [PATCH...]
#                                              build its rdma_rxe.ko from
#                                              its linux-source, PATCHes
#                                              applied, into OUT
#
# DIR gets what scripts/kernel-debs.sh makes for 6.12: DIR/root with the
# packages unpacked (7.x: linux-image is a metapackage of linux-binary,
# linux-modules and linux-base, all under /usr/lib/modules/KVER; DIR/root/lib
# and DIR/root/boot/vmlinuz-KVER link there, so that guest.sh --modroot,
# initramfs.sh --modroot and depmod -b find them), DIR/kdir the headers.
#
# The module: the headers ask for gcc-14 and their kbuild tools (modpost,
# objtool) for glibc 2.38; Debian 12 has gcc-12, glibc 2.36 and pahole
# 1.24. So the module is built by the host's gcc against the headers
# (with -falign-functions, which gcc-12 knows, where gcc-14 takes
# -fmin-function-alignment: the same 16-byte alignment), with modpost and
# objtool built from the same upload's linux-source, and without BTF
# (pahole 1.24 lacks the --btf_features the headers ask for; BTF only
# serves BPF tracing of the module). Its vermagic is the kernel's (no
# MODVERSIONS in Debian's 7.x config): the guest loads it as it loads the
# stock one (unsigned: it taints the kernel, which enforces no signatures).
set -euo pipefail
. "$(dirname "$0")/common.sh"

APT_DIR=$CACHE/apt-upstream
SERIES_RE='^7\.'

# upstream_apt CMD ARG...: apt-get/apt-cache through our own configuration
# (Debian unstable and trixie-backports; the host's stays as it is).
upstream_apt() {
	if [ ! -f "$APT_DIR/apt.conf" ]; then
		private_apt "$APT_DIR" \
			"deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian unstable main" \
			"deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie-backports main"
		# (the archive's mirror here serves a Release of unstable past its
		# Valid-Until: what is fetched is pinned by version and checked by
		# its signature all the same)
		echo 'Acquire::Check-Valid-Until "false";' >>"$APT_DIR/apt.conf"
	fi
	APT_CONFIG=$APT_DIR/apt.conf "$@"
}

update_lists() {
	local stamp=$APT_DIR/updated
	# once a day is enough for a reference run
	if [ -z "$(find "$stamp" -mmin -1440 2>/dev/null)" ]; then
		upstream_apt apt-get update -qq 2>&1 | grep -v 'unsandboxed' >&2 || true
		# (grep without -q reads to the end: under pipefail a grep that
		# quit at its match would fail the pipeline with apt's SIGPIPE)
		upstream_apt apt-cache policy linux-image-amd64 | grep 'Candidate: 7' >/dev/null ||
			die "no 7.x linux-image-amd64 in unstable or trixie-backports (apt lists under $APT_DIR)"
		touch "$stamp"
	fi
}

# newest_kver: the release of the newest 7.x linux-image-amd64 in either
# suite (the highest version, whatever apt's pin priorities prefer).
newest_kver() {
	local best="" v dep
	update_lists
	while read -r v; do
		[[ $v =~ $SERIES_RE ]] || continue
		if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$best"; then best=$v; fi
	done < <(upstream_apt apt-cache madison linux-image-amd64 | awk -F'|' '{ gsub(/ /, "", $2); print $2 }')
	[ -n "$best" ] || die "no 7.x linux-image-amd64 found"
	# (7.x's metapackage depends on linux-base-amd64 first, then on the
	# image of the release)
	dep=$(upstream_apt apt-cache show "linux-image-amd64=$best" | sed -n 's/^Depends: //p' | head -n 1 |
		tr ',' '\n' | awk '$1 ~ /^linux-image-7\./ { print $1; exit }')
	[ -n "$dep" ] || die "linux-image-amd64 $best depends on no linux-image-7.*"
	echo "${dep#linux-image-}"
}

fetch() {
	local dir kver abi series version stamp pkgs hdr
	dir=$(realpath -m "$1")
	kver=$(newest_kver)
	abi=${kver%-amd64}
	series=$(kernel_series "$kver")
	version=$(upstream_apt apt-cache madison "linux-headers-$kver" | awk -F'|' 'NR == 1 { gsub(/ /, "", $2); print $2 }')
	[ -n "$version" ] || die "no linux-headers-$kver"
	stamp="$kver $version"
	if [ "$(cat "$dir/unpacked" 2>/dev/null)" = "$stamp" ]; then
		log "$kver ($version) already in $dir"
		echo "$kver"
		return 0
	fi
	rm -f "$dir/unpacked"
	pkgs=("linux-image-$kver=$version" "linux-binary-$kver=$version" "linux-modules-$kver=$version"
		"linux-base-$kver=$version" "linux-headers-$kver=$version" "linux-headers-$abi-common=$version"
		"linux-kbuild-$abi=$version" "linux-source-$series=$version")
	APT_CONFIG=$APT_DIR/apt.conf debs_unpack "$dir" "${pkgs[@]}"
	[ -f "$dir/root/usr/lib/modules/$kver/vmlinuz" ] || die "no vmlinuz in linux-binary-$kver"
	[ -e "$dir/root/lib" ] || ln -s usr/lib "$dir/root/lib"
	mkdir -p "$dir/root/boot"
	ln -sfn "../usr/lib/modules/$kver/vmlinuz" "$dir/root/boot/vmlinuz-$kver"
	hdr=$dir/root/usr/src/linux-headers-$kver
	# the headers' Makefile names the -common tree and itself by their
	# installed paths
	sed -i -e "s|^include /usr/src/|include $dir/root/usr/src/|" \
		-e "s|^KBUILD_OUTPUT=/usr/src/|KBUILD_OUTPUT=$dir/root/usr/src/|" "$hdr/Makefile"
	ln -sfn "$hdr" "$dir/kdir"
	depmod -b "$dir/root" "$kver" || die "depmod -b $dir/root $kver failed"
	echo "$stamp" >"$dir/unpacked"
	log "$kver ($version) in $dir"
	echo "$kver"
}

# tools DIR: the upload's linux-source unpacked once under DIR/src, with
# modpost and objtool built there by the host's compiler.
tools() {
	local dir=$1 src tarball series log=$1/tools.log
	tarball=$(ls "$dir"/root/usr/src/linux-source-*.tar.xz)
	series=$(basename "$tarball" .tar.xz)
	src=$dir/src/$series
	if [ ! -x "$src/scripts/mod/modpost" ] || [ ! -x "$src/tools/objtool/objtool" ]; then
		log "building modpost and objtool from $series (host compiler; a few minutes)"
		rm -rf "$dir/src"
		mkdir -p "$dir/src"
		tar -xJf "$tarball" -C "$dir/src" || die "cannot unpack $tarball"
		cp "$dir/kdir/.config" "$src/.config"
		progress "modules_prepare" "$log" make -C "$src" CC=gcc olddefconfig modules_prepare -j"$(nproc)" ||
			{ tail -20 "$log" >&2; die "modules_prepare of $series failed (log: $log)"; }
	fi
	echo "$src"
}

module() {
	local dir out src kver p
	dir=$(realpath "$1") out=$(realpath -m "$2")
	shift 2
	kver=$(cat "$dir/unpacked") kver=${kver%% *}
	src=$(tools "$dir")
	rm -rf "$out"
	mkdir -p "$out"
	cp -r "$src/drivers/infiniband/sw/rxe/." "$out/"
	for p in "$@"; do
		patch -d "$out" -p5 --no-backup-if-mismatch <"$p" >"$out/patch.log" 2>&1 ||
			{ cat "$out/patch.log" >&2; die "$(basename "$p") does not apply to $kver's rxe"; }
		log "applied $(basename "$p")"
	done
	make -C "$dir/kdir" M="$out" CC=gcc CONFIG_RDMA_RXE=m CONFIG_CC_HAS_MIN_FUNCTION_ALIGNMENT= \
		CONFIG_DEBUG_INFO_BTF_MODULES= \
		objtool="$src/tools/objtool/objtool" MODPOST="$src/scripts/mod/modpost" \
		-j"$(nproc)" modules >"$out/build.log" 2>&1 ||
		{ tail -20 "$out/build.log" >&2; die "rdma_rxe build for $kver failed (log: $out/build.log)"; }
	[ "$(modinfo -F vermagic "$out/rdma_rxe.ko" | awk '{ print $1 }')" = "$kver" ] ||
		die "rdma_rxe.ko's vermagic is not $kver's"
	echo "$out/rdma_rxe.ko"
}

case ${1:-} in
kver) newest_kver ;;
fetch) [ $# = 2 ] || die "usage: upstream-kernel.sh fetch DIR"; fetch "$2" ;;
module) [ $# -ge 3 ] || die "usage: upstream-kernel.sh module DIR OUT [PATCH...]"; shift; module "$@" ;;
*) die "usage: upstream-kernel.sh kver | fetch DIR | module DIR OUT [PATCH...]" ;;
esac
