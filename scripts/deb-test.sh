#!/usr/bin/env bash
# The Debian package test: build the packages, install them in a throwaway
# root of this machine (DKMS builds rdma_rxe_odp natively there against
# the installed headers), boot a guest without our module on that installed
# state, where "rdma link add ... type rxe" must load the DKMS-built module
# and ODP traffic must run, purge in the guest and in a throwaway root and
# check that nothing is left; and a DKMS build refused by the version
# check. This machine is left exactly as it was. TAP output.
#
#   scripts/deb-test.sh [--out DIR] [--root ROOT] -- GUEST_ARGS...
#
# --root: all of it on another Debian release instead of this machine:
# the packages built, installed, purged in throwaway copies of ROOT (made
# by scripts/distro-root.sh with its kernel, headers, linux-source and
# DKMS), for ROOT's kernel.
# GUEST_ARGS: scripts/guest.sh's --kernel/--initrd (as ./rxe-odp builds
# them; with --root, ROOT's kernel and --root ROOT); the guest boots with
# --module none. Without GUEST_ARGS the guest part is skipped.
set -euo pipefail
. "$(dirname "$0")/common.sh"

out=$BUILD/deb root=""
while [ $# -gt 0 ]; do
	case $1 in
	--out | --root) [ $# -ge 2 ] || die "deb-test.sh: $1 needs a directory" ;;&
	--out) out=$(realpath -m "$2"); shift 2 ;;
	--root) root=$(realpath "$2"); shift 2 ;;
	--) shift; break ;;
	*) die "deb-test.sh: unknown argument '$1'" ;;
	esac
done
guest_args=("$@")
failed=0
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failed=1; }
skip() { echo "ok - $* # SKIP $SKIP_WHY"; }

# tap_of STATUS NAME: a TAP line for a step that printed its own lines.
tap_of() { if [ "$1" = 0 ]; then ok "$2"; else not_ok "$2 (exit $1)"; fi; }

step() { log "package test: $*"; }

where="this machine"
[ -z "$root" ] || where="$(cut -d' ' -f1 "$root/.complete") ($root)"
rc=0
step "building the packages on $where (dpkg-buildpackage, lintian)"
"$ROOT/scripts/deb-build.sh" --out "$out" ${root:+--root "$root"} >"$out.build.out" || rc=$?
tap_of $rc "packages build on $where (dpkg-buildpackage -b), lintian reports no error"
[ $rc = 0 ] || exit 1
sed 's/^/# /' "$out.build.out"

# The packages say what they need.
deps=$(dpkg-deb -f "$out"/rxe-odp-dkms_*.deb Depends)
echo "# rxe-odp-dkms Depends: $deps"
miss=""
for d in dkms "linux-source-6.1 | linux-source-6.12" linux-headers- rdma-core; do grep -qF "$d" <<<"$deps" || miss+=" $d"; done
if [ -z "$miss" ]; then ok "rxe-odp-dkms depends on dkms, linux-source-6.1 or -6.12, linux-headers, rdma-core"; else not_ok "rxe-odp-dkms lacks dependencies:$miss"; fi

# What the throwaway roots get in /tmp/in: the packages, and the tests
# with the scripts they source (ROOT has no copy of this repository).
in=$out/in
rm -rf "$in"
mkdir -p "$in/t/tests" "$in/t/scripts"
cp "$out"/*.deb "$in/"
cp -r "$ROOT/tests/deb" "$in/t/tests/"
cp "$ROOT/scripts/common.sh" "$ROOT/scripts/rxe-gid.sh" "$in/t/scripts/"
T=/tmp/in/t/tests/deb

trr() { "$ROOT/scripts/throwaway-root.sh" ${root:+--base "$root"} "$@"; }
rc=0
trr --report "$out/probe.report" -- true || rc=$?
if [ $rc = 77 ]; then
	SKIP_WHY="this machine cannot make a private mount namespace with an overlay root"
	skip "install, guest, purge and version check in a throwaway root"
	exit $failed
fi

state=$out/installed.tar
rc=0
step "installing in a throwaway copy of $where (DKMS builds the module there: minutes)"
# (progress: a line every 30 s with the install's last line, DKMS's build
# among it; install.sh's own lines follow when it ends)
progress "install (DKMS)" "$out/install.log" trr --in "$in" --keep "$state" -- "$T/install.sh" || rc=$?
cat "$out/install.log"
tap_of $rc "install in a throwaway copy of $where (tests/deb/install.sh)"
[ $rc = 0 ] || exit 1
cp "$state" "$state.deleted" "$in/"

rc=0
step "purging in a throwaway copy of $where"
trr --in "$in" --report "$out/purge.report" -- "$T/replay.sh" /tmp/in/installed.tar || rc=$?
tap_of $rc "purge in a throwaway copy of $where (tests/deb/replay.sh)"
# Whatever install and purge changed of the machine, seen from the
# overlay: only package bookkeeping (dpkg's database and log, caches,
# dkms's signing key) may differ.
bad=$(grep -v '^. same ' "$out/purge.report" | while read -r type what path; do
	# shellcheck source=/dev/null
	(. "$ROOT/tests/deb/lib.sh"; bookkeeping "$path") || echo "$what $path"
done)
[ -z "$bad" ] || echo "$bad" | sed 's/^/# /'
grep -v '^. same ' "$out/purge.report" | sed 's/^/# after purge: /'
[ -z "$bad" ] && ok "after install and purge the root differs from $where only in package bookkeeping" ||
	not_ok "install and purge left changes behind"

rc=0
step "a DKMS build with mismatched versions (throwaway copy of $where)"
trr --in "$in" -- "$T/guard.sh" || rc=$?
tap_of $rc "a DKMS build with a mismatched linux-source stops with the version check (tests/deb/guard.sh)"

if [ ${#guest_args[@]} -eq 0 ]; then
	SKIP_WHY="no guest arguments"
	skip "guest on the installed package"
else
	rc=0
	step "booting a guest on the installed package"
	# (this guest took 14 minutes on this 2-core machine while other
	# guests ran, and 900 s ran out during its purge)
	nice -n 10 "$ROOT/scripts/guest.sh" "${guest_args[@]}" --module none --timeout 1800 \
		--rundir "$BUILD/runs/test-$(basename "$out")" -- "$ROOT/tests/deb/replay.sh" --guest "$state" || rc=$?
	tap_of $rc "guest booted without our module, on the installed package: rdma link add, ODP traffic, purge (tests/deb/replay.sh --guest)"
fi
exit $failed
