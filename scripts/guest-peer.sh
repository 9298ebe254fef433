#!/bin/bash
# Run a command on node 2 of a two-guest run (`./rxe-odp run --nodes 2`).
# Inside the guests this is on PATH as rxe-odp-peer.
#
#   rxe-odp-peer CMD [ARG...]        run CMD on node 2, print its output,
#                                    exit with its status
#   rxe-odp-peer --bg CMD [ARG...]   start CMD on node 2, print a job id
#   rxe-odp-peer --wait ID           wait for a --bg job: output and status
#   rxe-odp-peer --kill ID           stop a --bg job (TERM, KILL 5 s later);
#                                    --wait still collects it
#   rxe-odp-peer --serve             (node 2 itself) serve requests until
#                                    node 1 is done
#
# The two guests share one host directory (9p tag "bus"): a request is a
# small script dropped there; node 2 runs it and writes ID.out and
# ID.status next to it (and ID.pid while it runs; kill-ID asks node 2 to
# stop it). The command runs in node 2's environment
# (RXE_ODP_IP is node 2's address there), in the same working directory.
set -u
BUS=${RXE_ODP_BUS:-/run/rxe-odp/bus}
JOB_ENV=${RXE_ODP_JOB_ENV:-/run/rxe-odp/out/job.env}

die() { echo "rxe-odp-peer: $*" >&2; exit 2; }

# stop_job ID: TERM the job's command and whatever it started (its own
# session), KILL them 5 s later if still there. Returns 1 while the job
# has not started yet (ask again later): no pid yet, or a pid whose
# session setsid has not made yet (taking that for "already gone" once
# left a job running its whole 300 s).
stop_job() {
	local pid
	[ -e "$BUS/$1.status" ] && return 0
	pid=$(cat "$BUS/$1.pid" 2>/dev/null) || return 1
	kill -TERM -- "-$pid" 2>/dev/null || { [ -e "$BUS/$1.status" ]; return; }
	(
		sleep 5
		kill -KILL -- "-$pid" 2>/dev/null
	) &
}

serve() {
	local req id k
	touch "$BUS/node2.ready"
	until [ -e "$BUS/shutdown" ]; do
		for req in "$BUS"/req-*.sh; do
			[ -e "$req" ] || continue
			id=${req##*/req-}
			id=${id%.sh}
			mv "$req" "$BUS/run-$id.sh" || continue
			(
				setsid bash "$BUS/run-$id.sh" </dev/null >"$BUS/$id.out" 2>&1 &
				echo $! >"$BUS/$id.pid"
				wait $!
				echo $? >"$BUS/$id.status.tmp"
				rm -f "$BUS/$id.pid"
				mv "$BUS/$id.status.tmp" "$BUS/$id.status"
			) &
		done
		for k in "$BUS"/kill-*; do
			[ -e "$k" ] || continue
			stop_job "${k##*/kill-}" && rm -f "$k"
		done
		sleep 0.1
	done
	wait
	return 0
}

submit() {
	local id=$$-$RANDOM-$(date +%s%N)
	[ -d "$BUS" ] && [ -e "$BUS/node2.ready" ] || die "no node 2 (use ./rxe-odp run --nodes 2)"
	{
		printf '. %q\n' "$JOB_ENV"
		printf 'cd %q || exit 125\n' "$PWD"
		printf 'exec'
		printf ' %q' "$@"
		printf '\n'
	} >"$BUS/new-$id"
	mv "$BUS/new-$id" "$BUS/req-$id.sh"
	echo "$id"
}

wait_job() {
	local id=$1
	[ -e "$BUS/run-$id.sh" ] || [ -e "$BUS/req-$id.sh" ] || die "no such job: $id"
	until [ -e "$BUS/$id.status" ]; do
		sleep 0.1
	done
	cat "$BUS/$id.out"
	return "$(cat "$BUS/$id.status")"
}

# kill_job ID: ask node 2 to stop a --bg job.
kill_job() {
	[ -e "$BUS/run-$1.sh" ] || [ -e "$BUS/req-$1.sh" ] || die "no such job: $1"
	touch "$BUS/kill-$1"
}

case ${1:-} in
--serve) serve ;;
--kill) [ $# -eq 2 ] || die "--kill needs a job id"; kill_job "$2" ;;
--bg) shift; [ $# -gt 0 ] || die "--bg needs a command"; submit "$@" ;;
--wait) [ $# -eq 2 ] || die "--wait needs a job id"; wait_job "$2" ;;
""|-h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; [ $# -gt 0 ] ;;
*) id=$(submit "$@") || exit 2; wait_job "$id" ;;
esac
