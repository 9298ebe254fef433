#!/bin/bash
# Run a command on node 2 (or another node) of a run of several guests
# (`./rxe-odp run --nodes N`). Inside the guests this is on PATH as
# rxe-odp-peer.
#
#   rxe-odp-peer [--node K] CMD [ARG...]
#                                    run CMD on node K (default 2), print
#                                    its output, exit with its status
#   rxe-odp-peer [--node K] --bg CMD [ARG...]
#                                    start CMD on node K, print a job id
#   rxe-odp-peer --wait ID           wait for a --bg job: output and status
#   rxe-odp-peer --kill ID           stop a --bg job (TERM, KILL 5 s later);
#                                    --wait still collects it
#   rxe-odp-peer [--node K] --stop-all
#                                    stop every job node K still runs
#                                    (as --kill; after a test that timed
#                                    out), wait until they are gone (30 s
#                                    at most), name them
#   rxe-odp-peer --serve             (nodes 2 to N themselves) serve
#                                    requests until node 1 is done; jobs
#                                    still running then are stopped
#
# The guests share one host directory (9p tag "bus"). Node 2's queue is
# the directory itself, node K's (K > 2) its subdirectory nodeK; each
# node says it serves with nodeK.ready in the directory. A request is a
# small script dropped in the queue; the node runs it and writes ID.out
# and ID.status next to it (and ID.pid while it runs; kill-ID asks the
# node to stop it). A job id of node K > 2 starts with "K.". The command
# runs in node K's environment (RXE_ODP_IP is node K's address there), in
# the same working directory. When node K's guest has ended (a panic),
# the host says so on the bus (nodeK.gone) and every request to node K,
# and every wait for one of its jobs, fails at once.
set -u
BUS=${RXE_ODP_BUS:-/run/rxe-odp/bus}
JOB_ENV=${RXE_ODP_JOB_ENV:-/run/rxe-odp/out/job.env}

die() { echo "rxe-odp-peer: $*" >&2; exit 2; }

# not_gone K: fail when the host said node K's guest has ended
# (scripts/guest.sh: nodeK.gone on the bus), e.g. its kernel panicked.
not_gone() {
	[ ! -e "$BUS/node$1.gone" ] ||
		die "node $1's guest has ended (a panic? its console.log says); nothing runs there"
}

# queue K: node K's queue directory.
queue() {
	if [ "$1" = 2 ]; then echo "$BUS"; else echo "$BUS/node$1"; fi
}

# job_queue ID: set Q (the queue), J (the id in it) and N (the node) of
# job ID.
job_queue() {
	case $1 in
	[0-9]*.*) N=${1%%.*} Q=$(queue "${1%%.*}") J=${1#*.} ;;
	*) N=2 Q=$BUS J=$1 ;;
	esac
}

# stop_job ID: TERM the job's command and whatever it started (its own
# session), KILL them 5 s later if still there. Returns 1 while the job
# has not started yet (ask again later): no pid yet, or a pid whose
# session setsid has not made yet (taking that for "already gone" once
# left a job running its whole 300 s).
stop_job() {
	local pid
	[ -e "$Q/$1.status" ] && return 0
	pid=$(cat "$Q/$1.pid" 2>/dev/null) || return 1
	kill -TERM -- "-$pid" 2>/dev/null || { [ -e "$Q/$1.status" ]; return; }
	(
		sleep 5
		kill -KILL -- "-$pid" 2>/dev/null
	) &
}

# running: the ids of queue Q's jobs that have not ended.
running() {
	local r id
	for r in "$Q"/run-*.sh; do
		[ -e "$r" ] || continue
		id=${r##*/run-}
		id=${id%.sh}
		[ -e "$Q/$id.status" ] || echo "$id"
	done
}

# stop_all: stop every job of queue Q that has not ended (as --kill).
stop_all() {
	local id
	for id in $(running); do
		touch "$Q/kill-$id"
	done
}

# serve: node RXE_ODP_NODE (default 2) serves its queue.
serve() {
	local req id k node=${RXE_ODP_NODE:-2}
	Q=$(queue "$node")
	mkdir -p "$Q"
	touch "$BUS/node$node.ready"
	until [ -e "$BUS/shutdown" ]; do
		for req in "$Q"/req-*.sh; do
			[ -e "$req" ] || continue
			id=${req##*/req-}
			id=${id%.sh}
			mv "$req" "$Q/run-$id.sh" || continue
			(
				setsid bash "$Q/run-$id.sh" </dev/null >"$Q/$id.out" 2>&1 &
				echo $! >"$Q/$id.pid"
				wait $!
				echo $? >"$Q/$id.status.tmp"
				rm -f "$Q/$id.pid"
				mv "$Q/$id.status.tmp" "$Q/$id.status"
			) &
		done
		if [ -e "$Q/stop-all" ]; then
			rm -f "$Q/stop-all"
			stop_all
		fi
		for k in "$Q"/kill-*; do
			[ -e "$k" ] || continue
			stop_job "${k##*/kill-}" && rm -f "$k"
		done
		sleep 0.1
	done
	# Node 1 is done: nobody waits for a job any more, and a job left
	# running (a test's, after its timeout) would keep this node from
	# finishing. Stop them, and say so.
	k=$(running | paste -sd' ')
	if [ -n "$k" ]; then
		echo "rxe-odp-peer: node $node: jobs still running at the end, stopped: $k" >&2
		for id in $k; do
			until stop_job "$id"; do sleep 0.1; done
		done
	fi
	wait
	return 0
}

# submit K CMD...: queue CMD for node K, print the job's id.
submit() {
	local node=$1 id q
	shift
	id=$$-$RANDOM-$(date +%s%N)
	[ -d "$BUS" ] && [ -e "$BUS/node$node.ready" ] ||
		die "no node $node (use ./rxe-odp run --nodes $((node > 2 ? node : 2)))"
	not_gone "$node"
	q=$(queue "$node")
	{
		printf '. %q\n' "$JOB_ENV"
		printf 'cd %q || exit 125\n' "$PWD"
		printf 'exec'
		printf ' %q' "$@"
		printf '\n'
	} >"$q/new-$id"
	mv "$q/new-$id" "$q/req-$id.sh"
	if [ "$node" = 2 ]; then echo "$id"; else echo "$node.$id"; fi
}

# known_job: does job J exist in queue Q? A job goes from req-J.sh to
# run-J.sh (the node's mv) and never back: look for req- first. The other
# order ("run-", then "req-") missed a job renamed between the two looks:
# "no such job" for a job just started (t_mpi's daemon, once).
known_job() {
	[ -e "$Q/req-$J.sh" ] || [ -e "$Q/run-$J.sh" ]
}

wait_job() {
	job_queue "$1"
	known_job || die "no such job: $1"
	until [ -e "$Q/$J.status" ]; do
		not_gone "$N"
		sleep 0.1
	done
	cat "$Q/$J.out"
	return "$(cat "$Q/$J.status")"
}

# stop_all_jobs K: ask node K to stop every job it runs; wait until
# they have ended (30 s at most); print their ids.
stop_all_jobs() {
	local ids
	Q=$(queue "$1")
	[ -e "$BUS/node$1.ready" ] || die "no node $1"
	ids=$(running | paste -sd' ')
	[ -n "$ids" ] || return 0
	not_gone "$1"
	touch "$Q/stop-all"
	for _ in $(seq 300); do
		[ -z "$(running)" ] && break
		not_gone "$1"
		sleep 0.1
	done
	echo "$ids"
	[ -z "$(running)" ] || die "node $1: jobs still running 30 s after --stop-all: $(running | paste -sd' ')"
}

# kill_job ID: ask the job's node to stop a --bg job.
kill_job() {
	job_queue "$1"
	known_job || die "no such job: $1"
	touch "$Q/kill-$J"
}

node=2
if [ "${1:-}" = --node ]; then
	[[ ${2:-} =~ ^[2-9]$ ]] || die "--node takes a node number from 2 on, not '${2:-}'"
	node=$2
	shift 2
fi
case ${1:-} in
--serve) serve ;;
--kill) [ $# -eq 2 ] || die "--kill needs a job id"; kill_job "$2" ;;
--stop-all) [ $# -eq 1 ] || die "--stop-all takes no argument"; stop_all_jobs "$node" ;;
--bg) shift; [ $# -gt 0 ] || die "--bg needs a command"; submit "$node" "$@" ;;
--wait) [ $# -eq 2 ] || die "--wait needs a job id"; wait_job "$2" ;;
""|-h|--help) sed -n '2,32p' "$0" | sed 's/^# \{0,1\}//'; [ $# -gt 0 ] ;;
*) id=$(submit "$node" "$@") || exit 2; wait_job "$id" ;;
esac
