#!/bin/bash
# rxe-odp-rsh (scripts/guest-rsh.sh), the ssh stand-in Open MPI's rsh
# launcher uses between the two guests (t_mpi), over rxe-odp-peer on a
# made-up bus directory: the command words reach node 2's shell as ssh
# would give them (joined, ';' and quotes for the shell), their status
# comes back, any host but node 2 is refused, and a TERM to the agent
# (mpirun giving up on a daemon) stops the command on node 2.
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
rsh=$ROOT/scripts/guest-rsh.sh
export RXE_ODP_JOB_ENV=$tmp/job.env RXE_ODP_PEER_IP=192.0.2.2
mkdir -p "$tmp/bin"
ln -s "$ROOT/scripts/guest-peer.sh" "$tmp/bin/rxe-odp-peer"
export PATH=$tmp/bin:$PATH
: >"$RXE_ODP_JOB_ENV"
serve_bus "$tmp/bus"
server=$SERVE_PID
trap 'touch "$RXE_ODP_BUS/shutdown"; wait $server; rm -rf "$tmp"' EXIT

# words as Open MPI's orted command line has them
# shellcheck disable=SC2016
check_status "the words run in one shell, quotes and ';' its own, status back" 7 \
	'^x tcp://192.0.2.1:1;2 /$' \
	"$rsh" node2 'V=x' ';' export V ';' echo '$V' '"tcp://192.0.2.1:1;2"' \
	'$(pwd)' ';' exit 7
check_status "from / on node 2, whatever node 1's directory" 0 '^/$' \
	bash -c "cd '$tmp' && '$rsh' node2 pwd"
check_status "leading options are ignored, the address is node 2 too" 0 '^hello$' \
	"$rsh" -x "$RXE_ODP_PEER_IP" echo hello
check_status "another host is refused (ssh's 255)" 255 'no such guest: node3' \
	"$rsh" node3 echo hello
check_status "no command is a usage error" 255 'usage' "$rsh" node2

# a sleep of a length of its own (see test_peer.sh)
nap=300.$$
"$rsh" node2 sleep "$nap" >/dev/null 2>&1 &
agent=$!
# "^sleep": the command itself, not the agent, whose arguments name it too
for _ in $(seq 100); do pgrep -f "^sleep $nap" >/dev/null && break; sleep 0.1; done
running() { pgrep -f "^sleep $nap" >/dev/null; }
check "the command is running on node 2" running
t0=$(date +%s)
kill -TERM "$agent"
rc=0
wait "$agent" || rc=$?
check "a TERM to the agent ends it with the command's SIGTERM status" [ "$rc" = 143 ]
check "within seconds, not the command's 300" [ $(($(date +%s) - t0)) -lt 30 ]
gone() {
	for _ in $(seq 20); do running || return 0; sleep 0.1; done
	return 1
}
check "and the command on node 2 is gone" gone
done_testing
