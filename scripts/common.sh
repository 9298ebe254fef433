# shellcheck shell=bash
# Shared helpers for ./rxe-odp and the scripts under scripts/.
# Sourced, never run. Callers set -euo pipefail themselves.

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
BUILD=${RXE_ODP_BUILD:-$ROOT/build}
# Things worth keeping across `rm -rf build` (the debug kernel: minutes).
CACHE=${RXE_ODP_CACHE:-${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/rxe-odp}

log() { printf '[rxe-odp] %s\n' "$*" >&2; }
die() { printf '[rxe-odp] error: %s\n' "$*" >&2; exit 1; }

# Seconds since the epoch, with fractions, for stage timings.
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# progress LABEL LOG CMD...: run CMD with its output in LOG, and say every
# 30 s how long it has run and LOG's last line, so that a long step (an
# install, a download, a build) is not minutes of silence. CMD's status.
progress() {
	local label=$1 logf=$2 pid t0=$SECONDS next=30 rc=0 last
	shift 2
	"$@" >"$logf" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		if [ $((SECONDS - t0)) -ge $next ]; then
			last=$(tail -n 1 "$logf" 2>/dev/null | cut -c1-100)
			log "$label: $((SECONDS - t0)) s${last:+, at: $last}"
			next=$((next + 30))
		fi
	done
	wait "$pid" || rc=$?
	return $rc
}

# Debian packages the project needs on the host, by purpose.
# (the kernel image, headers and source themselves: need_kernel_pkgs)
PKGS_KERNEL="build-essential bc flex bison libelf-dev libssl-dev kmod xz-utils patch"
PKGS_GUEST="qemu-system-x86 busybox-static cpio iproute2 rdma-core ibverbs-utils ibverbs-providers perftest rdmacm-utils python3-pyverbs"
PKGS_USER="cmake gcc libibverbs-dev librdmacm-dev pkg-config libcmocka-dev groff-base libfuse3-dev fuse3"
PKGS_DEB="dpkg-dev debhelper dh-dkms dkms fakeroot lintian"
PKGS_BENCH="gnuplot-nox"	# also for the host test of the report
# UCX, Open MPI and libfabric over rxe (t_ucx_*, t_mpi, t_libfabric; `run` has
# them so that a guest can run them by hand too).
PKGS_MPI="ucx-utils libucx0 openmpi-bin libopenmpi-dev libfabric-bin"
# A kernel other than the host's (./rxe-odp --kernel 6.12): its headers
# make BTF for modules.
PKGS_OTHER_KERNEL="dwarves"
# Another Debian release's userspace for the guest (./rxe-odp test
# --distro trixie): debootstrap makes its root (scripts/distro-root.sh).
PKGS_DISTRO="debootstrap"

# private_apt DIR SOURCE...: an apt configuration of our own in DIR (its
# lists, cache and an empty package status; the host's stays as it is)
# whose sources.list holds the SOURCE lines. Use it as
# APT_CONFIG=DIR/apt.conf; a caller's own options go after, appended to
# DIR/apt.conf.
private_apt() {
	local dir=$1
	shift
	mkdir -p "$dir"/{lists/partial,cache/archives/partial,etc/sources.list.d,etc/preferences.d,etc/apt.conf.d}
	: >"$dir/status"
	printf '%s\n' "$@" >"$dir/etc/sources.list"
	cat >"$dir/apt.conf" <<-EOF
		Dir::Etc::sourcelist "$dir/etc/sources.list";
		Dir::Etc::sourceparts "$dir/etc/sources.list.d";
		Dir::Etc::preferencesparts "$dir/etc/preferences.d";
		Dir::Etc::parts "$dir/etc/apt.conf.d";
		Dir::State::lists "$dir/lists";
		Dir::State::status "$dir/status";
		Dir::Cache "$dir/cache";
		APT::Architecture "amd64";
		APT::Architectures { "amd64"; };
		Acquire::Languages "none";
	EOF
}

# apt_install WHY PKG...: apt-get install PKG... as root (apt-get update
# first, once per process), saying WHY it does.
apt_install() {
	local why=$1
	shift
	[ "$(id -u)" -eq 0 ] || die "$why: $* (run as root, or install them)"
	log "$why: $*"
	if [ -z "${_RXE_ODP_APT_UPDATED:-}" ]; then
		apt-get update -qq || die "apt-get update failed"
		_RXE_ODP_APT_UPDATED=1
	fi
	progress "apt-get install" "$BUILD/apt.log" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends "$@" ||
		{ tail -20 "$BUILD/apt.log" >&2; die "apt-get install failed (log: $BUILD/apt.log)"; }
}

# need_pkgs PKG...: install whichever of PKG are missing. Everything the
# project uses goes through here, so a fresh machine needs nothing
# installed by hand.
need_pkgs() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] || apt_install "missing packages" "${missing[@]}"
}

# need_kernel_pkgs: the guest's kernel image, its headers and
# linux-source-6.1 installed from one Debian upload. need_pkgs installs
# only what is missing, so a machine whose linux-image-amd64 is older than
# the archive would get a newer upload's headers and source, and the
# version check would stop the build: when any of the three is missing or
# they differ, install (or upgrade) the three together to the archive's
# newest upload.
need_kernel_pkgs() {
	local kver
	if kver=$(guest_kver 2>/dev/null) && [ -n "$kver" ] &&
		(check_kernel_versions "$kver") >/dev/null 2>&1; then
		return 0
	fi
	apt_install "the guest kernel, its headers and source, of one upload" \
		linux-image-amd64 linux-headers-amd64 linux-source-6.1
	check_kernel_versions "$(guest_kver)"
}

# guest_kver [ROOT]: the kernel release the guest boots: the one
# linux-image-amd64 points at (of this machine, or of the root filesystem
# ROOT that scripts/distro-root.sh made).
guest_kver() {
	local dep
	dep=$(dpkg-query --admindir="${1:-}/var/lib/dpkg" -W -f='${Depends}' linux-image-amd64 2>/dev/null) ||
		die "linux-image-amd64 is not installed${1:+ in $1}"
	dep=${dep%% *}
	echo "${dep#linux-image-}"
}

# series_kver SERIES: the newest Debian kernel release of that series in
# the apt sources (6.12 -> 6.12.117+deb12-amd64), which the series'
# metapackage linux-image-SERIES-amd64 points at.
series_kver() {
	local series=$1 cand dep
	cand=$(apt-cache policy "linux-image-$series-amd64" 2>/dev/null | sed -n 's/^ *Candidate: //p')
	[ -n "$cand" ] && [ "$cand" != "(none)" ] ||
		die "no linux-image-$series-amd64 in the apt sources (apt-get update; Debian 12 has 6.12 in bookworm-security)"
	dep=$(apt-cache show "linux-image-$series-amd64=$cand" | sed -n 's/^Depends: //p' | head -n 1)
	dep=${dep%% *}
	dep=${dep%,}
	[[ $dep == linux-image-$series.* ]] || die "linux-image-$series-amd64 $cand depends on '$dep', not on a $series kernel"
	echo "${dep#linux-image-}"
}

# kernel_series KVER: the kernel's major.minor (6.1.0-57-amd64 -> 6.1,
# 6.12.117+deb12-amd64 -> 6.12), which picks the Soft-RoCE sources
# (linux-source-SERIES) and the patch series (kernel_patches).
kernel_series() {
	local v=$1
	[[ $v =~ ^([0-9]+\.[0-9]+) ]] && echo "${BASH_REMATCH[1]}"
}

# debs_unpack DIR PKG=VERSION...: the packages, each of the version
# named, downloaded with apt-get download into DIR/debs and unpacked with
# dpkg -x under DIR/root (not installed). apt-get reads APT_CONFIG from the
# environment, for an apt configuration of the caller's own.
debs_unpack() {
	local dir=$1 p name version deb
	shift
	mkdir -p "$dir/debs" "$dir/root"
	log "downloading $*"
	(cd "$dir/debs" && progress "apt-get download" "$dir/debs/download.log" apt-get download "$@") ||
		{ cat "$dir/debs/download.log" >&2; die "apt-get download failed"; }
	for p in "$@"; do
		name=${p%%=*} version=${p#*=}
		deb=$(ls "$dir/debs/${name}_${version/*:/}_"*.deb)
		dpkg -x "$deb" "$dir/root"
	done
}

# kernel_patches SERIES: the patch directory for that kernel series, or
# nothing when there is none.
kernel_patches() {
	case $1 in
	6.1) echo "$ROOT/kernel/patches" ;;
	6.12) echo "$ROOT/kernel/patches-6.12" ;;
	esac
}

# check_kernel_versions KVER [SRCPKG]: the Soft-RoCE sources come from
# SRCPKG (linux-source-6.1) and the module is built against
# linux-headers-KVER for the kernel linux-image-KVER. All three must be
# the same Debian upload, or the module would be built from one kernel's
# rxe for another kernel.
check_kernel_versions() {
	local kver=$1 pkg=${2:-linux-source-6.1} src hdr img
	src=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || true)
	hdr=$(dpkg-query -W -f='${Version}' "linux-headers-$kver" 2>/dev/null || true)
	img=$(dpkg-query -W -f='${Version}' "linux-image-$kver" 2>/dev/null || true)
	[ -n "$img" ] || die "linux-image-$kver is not installed (apt-get install linux-image-amd64)"
	[ -n "$hdr" ] || die "linux-headers-$kver is not installed (apt-get install linux-headers-amd64)"
	[ -n "$src" ] || die "$pkg is not installed (apt-get install $pkg)"
	if [ "$src" != "$hdr" ] || [ "$src" != "$img" ]; then
		die "kernel package versions differ: $pkg $src, linux-headers-$kver $hdr, linux-image-$kver $img.
  The Soft-RoCE driver is taken from $pkg and must match the kernel it is built for.
  Bring them to one version: apt-get update && apt-get install linux-image-amd64 linux-headers-amd64 $pkg
  (and boot, or test with, the kernel that installs)."
	fi
}

# check_source_headers KVER [SRCPKG]: the check above for a module built
# for kernel KVER by DKMS, where only the headers matter (the image may be
# another package's business, or not configured yet): SRCPKG
# (linux-source-6.1) and linux-headers-KVER must be one Debian upload.
check_source_headers() {
	local kver=$1 pkg=${2:-linux-source-6.1} src hdr
	src=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || true)
	hdr=$(dpkg-query -W -f='${Version}' "linux-headers-$kver" 2>/dev/null || true)
	[ -n "$hdr" ] || die "linux-headers-$kver is not installed: rdma_rxe_odp is built only for Debian's own kernels (apt-get install linux-headers-$kver)"
	[ -n "$src" ] || die "$pkg is not installed (apt-get install $pkg)"
	if [ "$src" != "$hdr" ]; then
		die "kernel package versions differ: $pkg $src, linux-headers-$kver $hdr.
  rdma_rxe_odp is built from the Soft-RoCE sources in $pkg, which must be
  the same Debian upload as the kernel it is built for; nothing was built or installed for $kver.
  Bring them to one version (apt-get update && apt-get install $pkg linux-headers-$kver,
  or $pkg=$hdr), then rebuild: dkms autoinstall -k $kver"
	fi
}

# umount_under DIR: unmount every mount at or below DIR, deepest first (a
# chroot's /proc, bind mounts of the repository), so that removing DIR
# never reaches through a mount into the host's files.
umount_under() {
	local d=$1 m
	d=$(realpath -m "$d")
	awk -v d="$d" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/self/mounts |
		sort -r | while read -r m; do
		umount "$m" || umount -l "$m"
	done
}
