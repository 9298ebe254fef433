#!/bin/bash
# Run a command on node 2 of a two-guest run (`./rxe-odp run --nodes 2`).
# Inside the guests this is on PATH as rxe-odp-peer.
#
#   rxe-odp-peer CMD [ARG...]        run CMD on node 2, print its output,
#                                    exit with its status
#   rxe-odp-peer --bg CMD [ARG...]   start CMD on node 2, print a job id
#   rxe-odp-peer --wait ID           wait for a --bg job: output and status
#   rxe-odp-peer --serve             (node 2 itself) serve requests until
#                                    node 1 is done
#
# The two guests share one host directory (9p tag "bus"): a request is a
# small script dropped there; node 2 runs it and writes ID.out and
# ID.status next to it. The command runs in node 2's environment
# (RXE_ODP_IP is node 2's address there), in the same working directory.
set -u
BUS=/run/rxe-odp/bus

die() { echo "rxe-odp-peer: $*" >&2; exit 2; }

serve() {
	local req id
	touch "$BUS/node2.ready"
	until [ -e "$BUS/shutdown" ]; do
		for req in "$BUS"/req-*.sh; do
			[ -e "$req" ] || continue
			id=${req##*/req-}
			id=${id%.sh}
			mv "$req" "$BUS/run-$id.sh" || continue
			(
				bash "$BUS/run-$id.sh" </dev/null >"$BUS/$id.out" 2>&1
				echo $? >"$BUS/$id.status.tmp"
				mv "$BUS/$id.status.tmp" "$BUS/$id.status"
			) &
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
		echo ". /run/rxe-odp/out/job.env"
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

case ${1:-} in
--serve) serve ;;
--bg) shift; [ $# -gt 0 ] || die "--bg needs a command"; submit "$@" ;;
--wait) [ $# -eq 2 ] || die "--wait needs a job id"; wait_job "$2" ;;
""|-h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; [ $# -gt 0 ] ;;
*) id=$(submit "$@") || exit 2; wait_job "$id" ;;
esac
