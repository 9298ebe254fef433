#!/bin/bash
# Second stage of the test guest, run by /init inside the overlay root (the
# host's filesystem, read-only below, writable tmpfs above).
#
# Reads the job from /run/rxe-odp/out/job.env (written by scripts/guest.sh),
# brings up the network and rxe0 on our module, then either runs the job's
# command (node 1) or serves commands sent from the others (nodes 2 to N,
# see scripts/guest-peer.sh). The command's output goes to the second serial
# port, which the host prints; the kernel log stays on the first.
# Ends with the exit status in out/status, the kernel log in out/dmesg.txt
# and the guest powered off.
set -u
OUT=/run/rxe-odp/out
BUS=/run/rxe-odp/bus
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# shellcheck source=/dev/null
. "$OUT/job.env"
# shellcheck source=rxe-gid.sh
. "$RXE_ODP_ROOT/scripts/rxe-gid.sh"

say() { echo "rxe-odp-guest: $*" >/dev/ttyS1; echo "rxe-odp-guest: $*" >/dev/console; }

finish() {
	echo "$1" >"$OUT/status"
	dmesg >"$OUT/dmesg.txt" 2>&1
	sync
	reboot -f
}

# /tmp stays the overlay's (writable, in RAM): a tmpfs over it would hide
# the host's /tmp, where the repository itself may be (a CI checkout).
setup_fs() {
	mkdir -p /dev/shm /dev/pts
	mount -t tmpfs -o mode=1777 tmpfs /dev/shm
	mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
	# devtmpfs lacks the links udev would make.
	ln -sfn /proc/self/fd /dev/fd
	ln -sf /proc/self/fd/0 /dev/stdin
	ln -sf /proc/self/fd/1 /dev/stdout
	ln -sf /proc/self/fd/2 /dev/stderr
	stty -F /dev/ttyS1 raw -echo 2>/dev/null
}

# /etc/hosts: this node, then the others (nodeK is the K-th of RXE_ODP_IPS)
setup_names() {
	local name=node$RXE_ODP_NODE k=0 ip
	hostname "$name"
	echo "$name" >/etc/hostname
	{
		echo "127.0.0.1 localhost"
		echo "$RXE_ODP_IP $name"
		for ip in ${RXE_ODP_IPS:-}; do
			k=$((k + 1))
			[ "$k" = "$RXE_ODP_NODE" ] || echo "$ip node$k"
		done
	} >/etc/hosts
	ln -sf "$RXE_ODP_ROOT/scripts/guest-peer.sh" /usr/local/bin/rxe-odp-peer
	ln -sf "$RXE_ODP_ROOT/scripts/guest-rsh.sh" /usr/local/bin/rxe-odp-rsh
}

# The stock rdma_rxe must never load beside rdma_rxe_odp: both claim the
# "rxe" link type. Keep modprobe (and rdma link's module autoload) away
# from it; tests that need it insmod it by path.
block_stock_rxe() {
	mkdir -p /etc/modprobe.d
	printf 'blacklist rdma_rxe\ninstall rdma_rxe /bin/false\n' >/etc/modprobe.d/rxe-odp.conf
}

# A guest kernel that is not installed on the host (guest.sh --modroot)
# has its modules in a directory of the host: make them the guest's
# /lib/modules/<kver>, in the overlay, for modprobe and the tests.
setup_modules() {
	local kver
	[ -n "${RXE_ODP_MODROOT:-}" ] || return 0
	kver=$(uname -r)
	[ -d "$RXE_ODP_MODROOT/lib/modules/$kver" ] ||
		{ say "no modules for $kver under $RXE_ODP_MODROOT"; return 1; }
	mkdir -p /lib/modules
	rm -rf "/lib/modules/$kver"
	ln -s "$RXE_ODP_MODROOT/lib/modules/$kver" "/lib/modules/$kver"
}

# rdma_rxe_odp's dependencies, and the rdma_cm stack that librdmacm users
# (rping, perftest -R, libfabric, UCX) need. On the debug kernel these are
# built in, so a failing modprobe is not an error by itself.
load_rdma_stack() {
	local m
	for m in ib_core ib_uverbs udp_tunnel ip6_udp_tunnel crc32_generic rdma_cm rdma_ucm ib_umad; do
		modprobe -q "$m" 2>/dev/null || true
	done
	[ -z "$RXE_ODP_MODULE" ] && return 0
	if [ "$RXE_ODP_MODULE" = stock ]; then
		modprobe rdma_rxe || { say "modprobe rdma_rxe (the kernel's own) failed"; return 1; }
		return 0
	fi
	insmod "$RXE_ODP_MODULE" || { say "insmod $RXE_ODP_MODULE failed"; return 1; }
}

setup_net() {
	ip link set lo up
	ip link set eth0 up || { say "no eth0"; return 1; }
	ip addr add "$RXE_ODP_IP/24" dev eth0
	[ -z "$RXE_ODP_MODULE" ] && return 0
	rdma link add rxe0 type rxe netdev eth0 || { say "rdma link add failed"; return 1; }
	wait_ipv4_gid
}

# Export the GID index of rxe0's IPv4 address (RoCEv2, IPv4-mapped): tools
# default to index 0, the IPv6 link-local one.
wait_ipv4_gid() {
	local i
	i=$(ipv4_gid_index rxe0 "$RXE_ODP_IP") || { say "rxe0 has no GID for $RXE_ODP_IP"; return 1; }
	echo "export RXE_ODP_GID_INDEX=$i" >>"$OUT/job.env"
	export RXE_ODP_GID_INDEX=$i
}

# wait_node K: wait for node K to serve (120 s, longer the more guests
# share the host's CPUs).
wait_node() {
	local i
	for i in $(seq $((300 * RXE_ODP_NODES))); do
		[ -e "$BUS/node$1.ready" ] && return 0
		[ -e "$BUS/node$1.failed" ] && break
		# (its QEMU has ended: guest.sh's watch_nodes)
		[ -e "$BUS/node$1.gone" ] && break
		sleep 0.2
	done
	[ -e "$BUS/node$1.ready" ] && return 0
	say "node $1 did not come up"
	return 1
}

run_node1() {
	local rc k
	for k in $(seq 2 "$RXE_ODP_NODES"); do
		wait_node "$k" || { touch "$BUS/shutdown"; return 125; }
	done
	cd "$RXE_ODP_CWD" 2>/dev/null || cd /
	# (from here on, the run is a result: guest.sh boots again after a
	# QEMU abort only while this is missing)
	touch "$OUT/ran"
	"${RXE_ODP_CMD[@]}" </dev/null >/dev/ttyS1 2>&1
	rc=$?
	[ "$RXE_ODP_NODES" -ge 2 ] && touch "$BUS/shutdown"
	return $rc
}

main() {
	setup_fs
	setup_names
	# (guest.sh --module stock: the kernel's own rdma_rxe is rxe0's driver)
	[ "$RXE_ODP_MODULE" = stock ] || block_stock_rxe
	if ! setup_modules || ! load_rdma_stack || ! setup_net; then
		[ "$RXE_ODP_NODE" != 1 ] && touch "$BUS/node$RXE_ODP_NODE.failed"
		[ "$RXE_ODP_NODE" = 1 ] && touch "$BUS/shutdown" 2>/dev/null
		finish 125
	fi
	if [ "$RXE_ODP_NODE" != 1 ]; then
		"$RXE_ODP_ROOT/scripts/guest-peer.sh" --serve
		finish $?
	fi
	run_node1
	finish $?
}

main
