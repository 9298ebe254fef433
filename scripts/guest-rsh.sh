#!/bin/bash
# An rsh/ssh stand-in for Open MPI's rsh launcher between the test guests
# (`./rxe-odp run --nodes N`), on top of rxe-odp-peer: the guests
# have no sshd, only the shared directory rxe-odp-peer uses. Inside the
# guests this is on PATH as rxe-odp-rsh.
#
#   mpirun --mca plm_rsh_agent rxe-odp-rsh --hostfile F ...
#   rxe-odp-rsh [-OPTION...] HOST WORD...
#
# Called as ssh would be: leading options (none are given to an agent
# that is not ssh; ignored), the host, then the remote command as words
# that ssh joins with spaces and hands to the remote user's shell. Open
# MPI's orted command line relies on that shell: it sets PATH and
# LD_LIBRARY_PATH with ';' between commands and quotes the HNP's URI. So
# the words are joined the same way and run by bash -c on node 2.
#
# HOST is a guest that serves rxe-odp-peer: node K for K from 2 to N, by
# its name (nodeK) or its address (the K-th of RXE_ODP_IPS; with two
# guests, RXE_ODP_PEER_IP is node 2's). The command runs in / on node K
# (node 1's working directory may not exist there); its output and exit
# status come back when it ends, as ssh's would. A TERM or INT (mpirun
# giving up on a daemon) stops it on node K as well.
set -u

die() { echo "rxe-odp-rsh: $*" >&2; exit 255; }

# node_of HOST: the number of the guest HOST names, if it serves.
node_of() {
	local k=0 ip n=""
	case $1 in
	node[2-9]) n=${1#node} ;;
	*)
		for ip in ${RXE_ODP_IPS:-}; do
			k=$((k + 1))
			[ "$ip" = "$1" ] && n=$k
		done
		# (without the list: node 2 by RXE_ODP_PEER_IP)
		[ -n "$n" ] || [ -n "${RXE_ODP_IPS:-}" ] || [ "$1" != "${RXE_ODP_PEER_IP:-}" ] || n=2
		;;
	esac
	[ -n "$n" ] && [ "$n" -ge 2 ] && [ "$n" -le "${RXE_ODP_NODES:-2}" ] && echo "$n"
}

while [ $# -gt 0 ] && [[ $1 == -* ]]; do shift; done
[ $# -ge 2 ] || die "usage: rxe-odp-rsh [-OPTION...] HOST COMMAND..."
host=$1
shift
node=$(node_of "$host") ||
	die "no such guest: $host (only node2 to node${RXE_ODP_NODES:-2}, ${RXE_ODP_PEER_IPS:-${RXE_ODP_PEER_IP:-}})"

cd / || die "cannot cd /"
job=$(rxe-odp-peer --node "$node" --bg bash -c "$*") || die "cannot reach node $node"
trap 'rxe-odp-peer --kill "$job"' TERM INT HUP
# (a trapped signal interrupts the wait; then collect what is left)
rxe-odp-peer --wait "$job" &
wpid=$!
until wait "$wpid"; do
	rc=$?
	kill -0 "$wpid" 2>/dev/null || exit "$rc"
done
