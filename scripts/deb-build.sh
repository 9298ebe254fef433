#!/usr/bin/env bash
# Build the Debian packages (debian/): rxe-odp-dkms, libodp0, libodp-dev.
#
#   scripts/deb-build.sh [--out DIR] [--no-lintian]
#
# Builds in a copy of the tree under DIR (default build/deb), so the
# checkout stays clean and dpkg-buildpackage's output (which it writes to
# the parent of the source tree) lands in DIR. Runs lintian on the result:
# an error (E:) fails the build. Prints the paths of the .deb files.
set -euo pipefail
. "$(dirname "$0")/common.sh"

out=$BUILD/deb lintian=yes
while [ $# -gt 0 ]; do
	case $1 in
	--out) [ $# -ge 2 ] || die "deb-build.sh: --out needs a directory"; out=$2; shift 2 ;;
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

log "building the Debian packages ($version) in $src"
(cd "$src" && dpkg-buildpackage -b -us -uc) >"$out/build.log" 2>&1 ||
	{ tail -40 "$out/build.log" >&2; die "dpkg-buildpackage failed (log: $out/build.log)"; }
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
