#!/bin/bash
# Replay an installed rxe-odp (the state tests/deb/install.sh left in a
# throwaway root, saved by scripts/throwaway-root.sh --keep TAR), then
# purge it and check that nothing is left behind.
#
#   tests/deb/replay.sh [--guest] TAR
#
# --guest  in a test guest booted without our module: before purging,
#          "rdma link add rxe0 type rxe netdev eth0" must load the
#          DKMS-built rdma_rxe_odp by itself and ODP traffic must run on
#          it; after purging, the same command must load the stock rdma_rxe.
. "$(dirname "$0")/lib.sh"
# shellcheck source=../../scripts/rxe-gid.sh
. "$ROOT/scripts/rxe-gid.sh"
guest=no
[ "${1:-}" = --guest ] && { guest=yes; shift; }
tar=${1:?usage: replay.sh [--guest] TAR}

# loaded none|rdma_rxe|rdma_rxe_odp: exactly that rxe driver is loaded.
loaded() {
	local m want=$1
	for m in rdma_rxe rdma_rxe_odp; do
		if [ "$m" = "$want" ]; then
			[ -d /sys/module/$m ] || return 1
		else
			[ ! -d /sys/module/$m ] || return 1
		fi
	done
}

# with_guest_lib CMD...: CMD with the guest tests' helpers
# (tests/guest/lib.sh: rc_pingpong, client_server, field) on rxe0.
with_guest_lib() (
	export RXE_ODP_GID_INDEX=${GIDX:-1} RXE_ODP_ROOT=${RXE_ODP_ROOT:-/}
	# shellcheck source=../guest/lib.sh
	. "$(dirname "$0")/../guest/lib.sh"
	"$@"
)

# packaged_pingpong: the packaged odp_pingpong, client and server on
# rxe0 (under with_guest_lib)
packaged_pingpong() {
	local args=(-d rxe0 -g "${GIDX:-1}" -n 100 -m 20 -b 64)
	client_server /usr/bin/odp_pingpong "${args[@]}" -- /usr/bin/odp_pingpong "${args[@]}" "$(server_ip)"
}

link_up() {
	rdma link add rxe0 type rxe netdev eth0 || return 1
	GIDX=$(ipv4_gid_index rxe0 "$RXE_ODP_IP")
}

if [ $guest = yes ]; then
	# The harness keeps the stock driver away in its guests; the package
	# must do that by itself.
	rm -f /etc/modprobe.d/rxe-odp.conf
	# Debian's man-db rebuilds its whole index when any package with
	# man pages goes: in this guest (the host's root over 9p, TCG) that
	# took 5 of the purge's 6 minutes, and none of it is ours. The guest
	# (a throwaway overlay) skips it as man-db/auto-update=false does; the
	# purge in the throwaway root still runs it.
	rm -f /var/lib/man-db/auto-update
	check "guest starts with no rxe driver loaded" loaded none
fi

# What the files the installed state touches hold now (this machine's own).
before=$(mktemp)
while read -r p; do
	p=${p#./}
	[ -n "$p" ] || continue
	if [ -f "/$p" ] && [ ! -L "/$p" ]; then
		echo "f $(sha256sum <"/$p" | cut -d' ' -f1) $p"
	elif [ -e "/$p" ] || [ -L "/$p" ]; then
		echo "e - $p"
	else
		echo "n - $p"
	fi
done < <(tar -tf "$tar") >"$before"
check "the installed state applies" apply_state "$tar"
check "dpkg lists the packages as installed" all_installed

if [ $guest = yes ]; then
	ko=$(ls /lib/modules/"$(uname -r)"/updates/dkms/rdma_rxe_odp.ko* 2>/dev/null | head -n 1)
	check "rdma link add rxe0 type rxe netdev eth0 (no insmod, no rmmod)" link_up
	check "it loaded rdma_rxe_odp and not the stock rdma_rxe" loaded rdma_rxe_odp
	check "the loaded module is the one DKMS built ($ko)" \
		[ "$(cat /sys/module/rdma_rxe_odp/srcversion 2>/dev/null)" = "$(modinfo -F srcversion "$ko" 2>/dev/null)" ]
	caps=$(ibv_devinfo -v -d rxe0 2>&1)
	echo "$caps" | grep -iA8 'odp' | sed 's/^/# /'
	check "ibv_devinfo -v shows ODP on rxe0" grep -q ODP_SUPPORT <<<"$caps"
	out=$(with_guest_lib rc_pingpong 100 -s 4096 -o 2>&1 && echo "rc_pingpong: ok")
	echo "$out" | sed 's/^/# /'
	check "ibv_rc_pingpong -c -o (ODP memory, buffers checked) runs on it, both sides 100 iterations" \
		grep -qx 'rc_pingpong: ok' <<<"$out"
	# the packaged example: every byte checked, pages dropped every 20
	# iterations, so the device must fault them back in
	out=$(with_guest_lib packaged_pingpong 2>&1)
	echo "$out" | sed 's/^/# /'
	# (the client's line: it comes before the server's)
	faults=$(with_guest_lib field page_faults "$(grep -m1 '^this device during the run:' <<<"$out")")
	check "the packaged odp_pingpong runs on it: 100 iterations checked, the device faulted pages in (${faults:-no} page_faults)" \
		bash -c '[ "$(grep -c "^100 iters of 4096 bytes" <<<"$1")" = 2 ] && [ "${2:-0}" -gt 0 ]' _ "$out" "$faults"
	check "rdma link delete rxe0" rdma link delete rxe0
	check "modprobe -r rdma_rxe unloads rdma_rxe_odp" bash -c 'modprobe -r rdma_rxe && [ ! -d /sys/module/rdma_rxe_odp ]'
fi

# shellcheck disable=SC2086
purge_clean $PKGS
check "modinfo no longer finds rdma_rxe_odp" bash -c "! modinfo -k $KVER rdma_rxe_odp >/dev/null 2>&1"
# Every path the installed state touched is as it was: files made are
# gone, files changed (depmod's indexes, ld.so.cache) have their content back.
bad=$(while read -r kind sum p; do
	bookkeeping "$p" && continue
	case $kind in
	f) [ -f "/$p" ] && [ "$(sha256sum <"/$p" | cut -d' ' -f1)" = "$sum" ] || echo "changed: /$p" ;;
	e) [ -e "/$p" ] || [ -L "/$p" ] || echo "removed: /$p" ;;
	n) [ -e "/$p" ] || [ -L "/$p" ] && echo "left: /$p" ;;
	esac
done <"$before")
[ -z "$bad" ] || echo "$bad" | sed 's/^/# /'
check "every file the install made or changed is back as it was ($(wc -l <"$before") paths)" [ -z "$bad" ]
rm -f "$before"

if [ $guest = yes ]; then
	check "after the purge, rdma link add rxe0 loads the stock rdma_rxe" \
		bash -c 'rdma link add rxe0 type rxe netdev eth0 && [ -d /sys/module/rdma_rxe ] && [ ! -d /sys/module/rdma_rxe_odp ]'
	rdma link delete rxe0 2>/dev/null
	rmmod rdma_rxe 2>/dev/null
fi
done_testing
