#!/bin/bash
# nodes: 1 2
# debug: no
# kernel: 6.1
# libfabric (Debian's libfabric1 and libfabric-bin: fabtests' fi_pingpong)
# over rxe0, pinned and with FI_VERBS_USE_ODP=1 (libfabric's verbs
# provider registers its buffers with IBV_ACCESS_ON_DEMAND when the device
# reports ODP for RC): the verbs MSG endpoint, and the RDM endpoint of
# verbs;ofi_rxm (what MPI and DAOS use over verbs), each both messaging and
# tagged. Every run checks its data (-c), both sides must exit 0 and
# print the size's line, the ODP runs must fault pages in on every node and
# the pinned ones must not.
#
# ofi_rxm sizes its completion queue for FI_UNIVERSE_SIZE peers (1024 by
# default): 128 receives and 128 sends for each, 262,144 entries, above
# rxe's max_cqe (32,767, as the stock rdma_rxe reports it; mlx5's is in the
# millions), and libfabric 1.17 asks for it anyway: ibv_create_cq fails
# with EINVAL and so does fi_enable ("unable to open MSG CQ"). So the RDM
# runs set FI_UNIVERSE_SIZE=64 (16,384 entries), as the README says.
# On 6.1 only (suite.sh; ~2 minutes a kernel): 6.12's ODP under a library
# is t_ucx_odp's and t_mpi's to check, the same verbs the same way.
. "$(dirname "$0")/lib.sh"

command -v fi_pingpong >/dev/null || fail "fi_pingpong not installed (libfabric-bin)"
nodes=1
[ -z "${RXE_ODP_PEER_IP:-}" ] || nodes=2
size=65536 iters=20

# pingpong NAME ENV... -- ARG...: fi_pingpong server and client with the
# environment ENV and the options ARG; checks as above
pingpong() {
	local name=$1 env=() args out f0 f1 i d=()
	shift
	while [ "$1" != -- ]; do env+=("$1"); shift; done
	shift
	args=(-I "$iters" -S "$size" -c "$@")
	node_counters f0 page_faults $nodes
	out=$(client_server env "${env[@]}" fi_pingpong "${args[@]}" -- \
		env "${env[@]}" fi_pingpong "${args[@]}" "$(server_ip)" 2>&1)
	local rc=$?
	node_counters f1 page_faults $nodes
	for i in "${!f0[@]}"; do d+=($((f1[i] - f0[i]))); done
	echo "$out" | sed 's/^/  /'
	note "$name (${env[*]} fi_pingpong ${args[*]}): exit $rc, page faults by node: ${d[*]}"
	[ $rc = 0 ] || fail "$name: fi_pingpong failed"
	# the client's line and the server's: "64k  20  =20  2.5m ..."
	[ "$(grep -cE "^ *$((size / 1024))k +$iters +=$iters " <<<"$out")" = 2 ] ||
		fail "$name: both sides must report $iters iterations of $size bytes"
	for i in "${!d[@]}"; do
		case $name in
		*odp*) [ "${d[i]}" -gt 0 ] || fail "$name: no page fault on node $((i + 1))" ;;
		*) [ "${d[i]}" = 0 ] || fail "$name: ${d[i]} page faults on node $((i + 1)) on a pinned run" ;;
		esac
	done
}

note "$(fi_info --version 2>&1 | tr '\n' ' ')"
odp=(FI_VERBS_USE_ODP=1)
rdm=(FI_UNIVERSE_SIZE=64)
pingpong "msg pinned" -- -p verbs -e msg
pingpong "msg odp" "${odp[@]}" -- -p verbs -e msg
pingpong "rdm pinned" "${rdm[@]}" -- -p "verbs;ofi_rxm" -e rdm
pingpong "rdm odp" "${rdm[@]}" "${odp[@]}" -- -p "verbs;ofi_rxm" -e rdm
pingpong "rdm tagged odp" "${rdm[@]}" "${odp[@]}" -- -p "verbs;ofi_rxm" -e rdm -m tagged
echo "PASS"
