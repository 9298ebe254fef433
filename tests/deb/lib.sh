# shellcheck shell=bash
# Helpers for the Debian package tests (tests/deb/*.sh). They run as root
# of a throwaway root (scripts/throwaway-root.sh) or of a test guest, never
# on the machine itself, and print TAP lines ("ok - ", "not ok - ").
set -u
# shellcheck source=../../scripts/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/common.sh"
# The kernel the package must build for: the one linux-image-amd64 points
# at, as for the guests (Debian point releases move it).
KVER=${KVER:-$(guest_kver)}
PKGS="rxe-odp-dkms libodp0 libodp-dev rxe-odp-examples"
_failed=0
export DEBIAN_FRONTEND=noninteractive

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; _failed=1; }
# check NAME CMD...: CMD must succeed.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}
done_testing() { exit $_failed; }

# apply_state TAR: make this root what the throwaway root was when
# scripts/throwaway-root.sh --keep TAR saved it (files and directories it
# made or changed, then the files it removed, listed in TAR.deleted).
apply_state() {
	local p
	tar -C / -xpf "$1" || return 1
	while read -r p; do rm -rf "/${p:?}"; done <"$1.deleted"
}

# The paths where an installed rxe-odp lives; none may be left after purge.
ours() {
	ls -d /usr/src/rxe-odp-* /var/lib/dkms/rxe-odp /lib/modprobe.d/rxe-odp-dkms.conf \
		/etc/modprobe.d/rxe-odp-dkms.conf /lib/modules/*/updates/dkms/rdma_rxe_odp.ko* \
		/usr/lib/*/libodp.so* /usr/lib/*/libodp-advise.so /usr/include/rxe-odp /usr/share/doc/rxe-odp-dkms \
		/usr/share/doc/libodp0 /usr/share/doc/libodp-dev /usr/share/doc/rxe-odp-examples \
		/usr/bin/odp_pingpong /usr/bin/odp_file_target /usr/share/man/man1/odp_pingpong.1* \
		/usr/share/man/man1/odp_file_target.1* 2>/dev/null
	dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' $PKGS 2>/dev/null | grep -v '^un' || true
}

# all_installed: dpkg lists every package of PKGS as installed.
all_installed() {
	# shellcheck disable=SC2086
	[ "$(dpkg-query -W -f='${db:Status-Abbrev}\n' $PKGS 2>/dev/null | grep -c '^ii')" = "$(wc -w <<<"$PKGS")" ]
}

# purge_clean PKG...: dpkg --purge PKG...; it must succeed and leave
# nothing of rxe-odp behind (see ours).
purge_clean() {
	local out rc left t0=$SECONDS
	out=$(dpkg --purge "$@" 2>&1)
	rc=$?
	echo "$out" | sed 's/^/# /'
	check "dpkg --purge $* (exit $rc, $((SECONDS - t0)) s)" [ $rc = 0 ]
	left=$(ours)
	[ -z "$left" ] || echo "$left" | sed 's/^/# left: /'
	check "nothing of rxe-odp is left (sources, DKMS tree, module, modprobe configuration, library, dpkg)" [ -z "$left" ]
}

# Bookkeeping that installing and purging packages changes by design:
# dpkg's and apt's state and logs, caches, and the module signing key that
# dkms makes on its first build and keeps for every DKMS module (it is
# dkms's, enrolled or not by the admin; no package of ours may remove it).
bookkeeping() {
	case $1 in
	var/lib/dpkg | var/lib/dpkg/* | var/log | var/log/* | var/cache | var/cache/* | \
		var/lib/dkms | var/lib/dkms/mok.key | var/lib/dkms/mok.pub | tmp | tmp/* | root | root/.*) return 0 ;;
	esac
	return 1
}
