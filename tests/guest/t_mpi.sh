#!/bin/bash
# nodes: 1 2 4
# debug: no
# Open MPI over UCX over rxe0 (pml ucx on rc_verbs with UD for its
# connection setup), two ranks launched by mpirun: tests/progs'
# mpi_pingpong (ping-pong 8 B to MAX, every byte checked, and an
# allreduce, each sum checked), keeping its buffers and reallocating them
# for every message (-r), with UCX's pinned registration cache and with
# UCX_IB_REG_METHODS=odp (one implicit ODP MR, nothing pinned). Every rank
# must print PASSED from the node it was meant to run on, and mpirun must
# exit 0 (it does not when a rank dies, even after its last message); the
# ODP runs must fault pages in and the pinned ones must not (the device's
# page_faults counter, on every node that has a rank).
#
# One guest: mpirun -np 2 there, MAX 4 MiB.
# Two guests: one rank a guest. mpirun on node 1 starts node 2's orted
# through Open MPI's rsh launcher with rxe-odp-rsh as its agent
# (scripts/guest-rsh.sh: ssh's calling convention over rxe-odp-peer), a
# hostfile of both addresses (slots=1 each) and Open MPI's own TCP
# (daemons, mpirun's I/O forwarding) on the guests' subnet; the ranks'
# data goes over rxe0 (UCX_* reach node 2's rank through -x).
# Four guests (./rxe-odp test's 4-node stage: a bridge, not the UDP link):
# the same with a rank on each, rank K-1 on node K; ranks 0 and 1 ping-pong,
# all four take part in the allreduce, and every node must fault on the
# ODP runs (ranks 2 and 3 through the allreduce alone).
# MAX is 4 MiB there too, with UCX's RDMA READs (rendezvous GET) cut to
# 64 KiB and one outstanding at a time (link_env): qemu's UDP link between
# the guests loses bursts of more than ~128 KiB (the receiving guest does
# not drain it in time under TCG), and each loss costs RC a 1 s
# retransmission timeout. With UCX's defaults, pinned and ODP alike:
# 0.1 s a round trip at 128 KiB, 2.5-3.5 s at 256 KiB, 48 s at 4 MiB (212 s
# for one pinned mpi_pingpong -i 2): the link, not ODP. With link_env,
# 5-12 s at 4 MiB. One round trip a size there (-i 1; each rank still
# sends from and receives into one buffer, which UCX's registration cache
# registers once), so that the four runs take ~3-4 minutes.
. "$(dirname "$0")/lib.sh"

prog=$PROGS/mpi_pingpong
[ -x "$prog" ] || fail "mpi_pingpong not built ($PROGS; needs libopenmpi-dev)"
command -v mpirun >/dev/null || fail "mpirun not installed (openmpi-bin)"
ucx_odp_setup || fail "$(ucx_info -v | head -n1): neither UCX_IB_REG_METHODS nor non-blocking registration on $DEV (ucx_info -c, -d)"
note "$(mpirun --version 2>&1 | head -n1); UCX's ODP: $UCX_ODP_MODE (${UCX_ODP[*]})"

max=4194304 nodes=1
hosts=(node1 node1) link_env=() launch=(-np 2 --oversubscribe)
runs=("-i 4" "-i 2 -r")
if [ -n "${RXE_ODP_PEER_IP:-}" ]; then
	command -v rxe-odp-rsh >/dev/null || fail "rxe-odp-rsh not installed in the guest"
	nodes=${RXE_ODP_NODES:-2} hosts=(node1)
	for k in $(seq 2 "$nodes"); do
		peer_gidx=$(rxe-odp-peer --node "$k" printenv RXE_ODP_GID_INDEX) || fail "cannot reach node $k"
		# (UCX_IB_GID_INDEX is node 1's, exported to every rank)
		[ "$peer_gidx" = "$GIDX" ] ||
			fail "node $k's IPv4 GID index is $peer_gidx, node 1's $GIDX: one UCX_IB_GID_INDEX cannot serve all"
		hosts+=("node$k")
	done
	hostfile=$(mktemp)
	trap 'rm -f "$hostfile"' EXIT
	# shellcheck disable=SC2086 # every node's address, node 1's first
	printf '%s slots=1\n' ${RXE_ODP_IPS:-$RXE_ODP_IP $RXE_ODP_PEER_IP} >"$hostfile"
	[ "$(wc -l <"$hostfile")" = "$nodes" ] || fail "not $nodes addresses in RXE_ODP_IPS: ${RXE_ODP_IPS:-}"
	link_env=(UCX_RC_VERBS_MAX_GET_ZCOPY=64k UCX_RC_VERBS_MAX_RD_ATOMIC=1)
	runs=("-i 1" "-i 1 -r")
	launch=(-np "$nodes" --hostfile "$hostfile" --mca plm_rsh_agent rxe-odp-rsh
		--mca oob_tcp_if_include "${RXE_ODP_IP%.*}.0/24")
fi

# mpi ENV... -- ARGS...: mpirun with UCX on rxe0 only
mpi() {
	local x=() e
	for e in "${UCX_ENV[@]}" UCX_TLS=rc_verbs,ud_verbs,self ${link_env[@]+"${link_env[@]}"}; do
		x+=(-x "$e")
	done
	while [ "$1" != -- ]; do x+=(-x "$1"); shift; done
	shift
	timeout 600 mpirun --allow-run-as-root "${launch[@]}" \
		--mca pml ucx --mca btl self --mca osc ^ucx --mca mpi_yield_when_idle 1 \
		"${x[@]}" "$prog" "$@"
}

# faults: the page_faults counter of every node, one a line
faults() {
	local k
	dev_counter page_faults
	for k in $(seq 2 "$nodes"); do
		rxe-odp-peer --node "$k" cat "/sys/class/infiniband/$RXE_ODP_PEER_DEV/ports/1/hw_counters/page_faults" ||
			fail "cannot read node $k's page_faults"
	done
}

for reg in pinned odp; do
	env=()
	[ $reg = odp ] && env=("${UCX_ODP[@]}")
	for args in "${runs[@]}"; do
		mapfile -t f0 < <(faults)
		t0=$SECONDS
		# shellcheck disable=SC2086
		out=$(mpi ${env[@]+"${env[@]}"} -- -m $max $args 2>&1)
		rc=$?
		t=$((SECONDS - t0))
		mapfile -t f1 < <(faults)
		echo "$out" | grep -vE '^\[.*\] .*UCX +(DEBUG|INFO)'
		d=()
		for i in "${!f0[@]}"; do d+=($((f1[i] - f0[i]))); done
		echo "# $reg, mpi_pingpong $args: mpirun exit $rc in ${t}s, page faults by node: ${d[*]}"
		[ ${#d[@]} -eq $nodes ] || fail "$reg, $args: page_faults not read on every node"
		[ $rc -eq 0 ] || fail "$reg, $args: mpirun exit $rc"
		for r in "${!hosts[@]}"; do
			grep -qx "rank $r: PASSED" <<<"$out" || fail "$reg, $args: rank $r did not print PASSED"
			grep -qx "rank $r: on ${hosts[r]}" <<<"$out" || fail "$reg, $args: rank $r did not run on ${hosts[r]}"
		done
		grep -q "^pingpong $(printf '%8d' $max) bytes" <<<"$out" ||
			fail "$reg, $args: the $max-byte ping-pong did not run"
		for i in "${!d[@]}"; do
			if [ $reg = odp ]; then
				[ "${d[i]}" -gt 0 ] || fail "$reg, $args: no page fault on node $((i + 1)) on an ODP run"
			else
				[ "${d[i]}" -eq 0 ] || fail "$reg, $args: page faults on node $((i + 1)) on a pinned run"
			fi
		done
	done
done
