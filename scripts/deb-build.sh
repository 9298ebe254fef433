#!/usr/bin/env bash
# Build the Debian packages (debian/): rxe-odp-dkms, libodp0, libodp-dev, rxe-odp-examples.
#
#   scripts/deb-build.sh [--out DIR] [--root ROOT] [--no-lintian]
#
# Builds in a copy of the tree under DIR (default build/deb), so the
# checkout stays clean and dpkg-buildpackage's output (which it writes to
# the parent of the source tree) lands in DIR. Runs lintian on the result:
# an error (E:) fails the build. Prints the paths of the .deb files.
# --root: build on another Debian release, in a throwaway copy of ROOT
# (made by scripts/distro-root.sh, which installs the build dependencies
# there): with its compiler, debhelper and libibverbs.
set -euo pipefail
. "$(dirname "$0")/common.sh"

out=$BUILD/deb lintian=yes root=""
while [ $# -gt 0 ]; do
	case $1 in
	--out | --root) [ $# -ge 2 ] || die "deb-build.sh: $1 needs a directory" ;;&
	--out) out=$2; shift 2 ;;
	--root) root=$2; shift 2 ;;
	--no-lintian) lintian=no; shift ;;
	*) die "deb-build.sh: unknown argument '$1'" ;;
	esac
done
out=$(realpath -m "$out")
case $out/ in "$ROOT"/debian/* | "$ROOT"/src/*) die "deb-build.sh: --out must not be inside the source's debian/" ;; esac

version=$(dpkg-parsechangelog -l "$ROOT/debian/changelog" -S Version) ||
	die "cannot read the version from debian/changelog"
src=$out/rxe-odp-$version
rm -rf "$out"
mkdir -p "$src"
# The tree as it is (committed or not), without build products.
tar -C "$ROOT" --exclude=./build --exclude=./.git --exclude='./obj-*' \
	--exclude=./debian/tmp --exclude=./debian/.debhelper --exclude=./.cache \
	-cf - . | tar -C "$src" -xf -

if [ -z "$root" ]; then
	log "building the Debian packages ($version) in $src"
	# (progress: a line every 30 s with the build's last line)
	progress "dpkg-buildpackage" "$out/build.log" \
		sh -c 'cd "$1" && exec dpkg-buildpackage -b -us -uc' sh "$src" ||
		{ tail -40 "$out/build.log" >&2; die "dpkg-buildpackage failed (log: $out/build.log)"; }
else
	[ -e "$root/.complete" ] || die "deb-build.sh: --root: '$root' is not a complete root (scripts/distro-root.sh)"
	log "building the Debian packages ($version) in a throwaway copy of $root"
	# dpkg-buildpackage writes beside the source (/tmp/in): copied out.
	# Its output and the throwaway root's go to build.log (progress).
	# shellcheck disable=SC2016
	progress "dpkg-buildpackage (${root##*/})" "$out/build.log" \
		"$ROOT/scripts/throwaway-root.sh" --base "$root" --in "$src" --out "$out" -- sh -c '
		cd /tmp/in && dpkg-buildpackage -b -us -uc 2>&1
		rc=$?
		cp /tmp/*.deb /tmp/*.changes /tmp/*.buildinfo /tmp/out/ 2>/dev/null
		exit $rc' ||
		{ tail -40 "$out/build.log" >&2; die "dpkg-buildpackage in $root failed (log: $out/build.log)"; }
fi
changes=$out/rxe-odp_${version}_$(dpkg --print-architecture).changes
[ -f "$changes" ] || die "dpkg-buildpackage made no $changes"

if [ $lintian = yes ]; then
	# --fail-on error: warnings are reported, errors fail.
	lintian --fail-on error --tag-display-limit 0 "$changes" >"$out/lintian.log" 2>&1 ||
		{ cat "$out/lintian.log" >&2; die "lintian found errors (log: $out/lintian.log)"; }
	[ -s "$out/lintian.log" ] && sed 's/^/[lintian] /' "$out/lintian.log" >&2
fi
rm -rf "$src"
ls "$out"/*.deb
