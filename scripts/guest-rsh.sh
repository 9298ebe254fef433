#!/bin/bash
# An rsh/ssh stand-in for Open MPI's rsh launcher between the two test
# guests (`./rxe-odp run --nodes 2`), on top of rxe-odp-peer: the guests
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
# HOST must be node 2 (its name or RXE_ODP_PEER_IP): there is no other
# guest to reach. The command runs in / on node 2 (node 1's working
# directory may not exist there); its output and exit status come back
# when it ends, as ssh's would. A TERM or INT (mpirun giving up on a
# daemon) stops it on node 2 as well.
set -u

die() { echo "rxe-odp-rsh: $*" >&2; exit 255; }

while [ $# -gt 0 ] && [[ $1 == -* ]]; do shift; done
[ $# -ge 2 ] || die "usage: rxe-odp-rsh [-OPTION...] HOST COMMAND..."
host=$1
shift
case $host in
node2 | "${RXE_ODP_PEER_IP:-node2}") ;;
*) die "no such guest: $host (only node2, ${RXE_ODP_PEER_IP:-})" ;;
esac

cd / || die "cannot cd /"
job=$(rxe-odp-peer --bg bash -c "$*") || die "cannot reach node 2"
trap 'rxe-odp-peer --kill "$job"' TERM INT HUP
# (a trapped signal interrupts the wait; then collect what is left)
rxe-odp-peer --wait "$job" &
wpid=$!
until wait "$wpid"; do
	rc=$?
	kill -0 "$wpid" 2>/dev/null || exit "$rc"
done
