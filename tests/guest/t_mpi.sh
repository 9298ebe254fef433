#!/bin/bash
# nodes: 1
# debug: no
# Open MPI over UCX over rxe0, two ranks in this guest (mpirun -np 2,
# pml ucx on rc_verbs with UD for its connection setup): tests/progs'
# mpi_pingpong (ping-pong 8 B to 4 MiB, every byte checked, and an
# allreduce, each sum checked), keeping its buffers and reallocating them
# for every message (-r), with UCX's pinned registration cache and with
# UCX_IB_REG_METHODS=odp (one implicit ODP MR, nothing pinned). Every rank
# must print PASSED and mpirun must exit 0 (it does not when a rank dies,
# even after its last message); the ODP runs must fault pages in and the
# pinned ones must not (the device's page_faults counter).
. "$(dirname "$0")/lib.sh"

prog=$PROGS/mpi_pingpong
[ -x "$prog" ] || fail "mpi_pingpong not built ($PROGS; needs libopenmpi-dev)"
command -v mpirun >/dev/null || fail "mpirun not installed (openmpi-bin)"

# mpi RANKS ENV... -- ARGS...: mpirun with UCX on rxe0 only
mpi() {
	local np=$1 x=() e
	shift
	for e in "${UCX_ENV[@]}" UCX_TLS=rc_verbs,ud_verbs,self; do x+=(-x "$e"); done
	while [ "$1" != -- ]; do x+=(-x "$1"); shift; done
	shift
	timeout 600 mpirun --allow-run-as-root --oversubscribe -np "$np" \
		--mca pml ucx --mca btl self --mca osc ^ucx --mca mpi_yield_when_idle 1 \
		"${x[@]}" "$prog" "$@"
}

for reg in pinned odp; do
	env=()
	[ $reg = odp ] && env=(UCX_IB_REG_METHODS=odp)
	for args in "-i 4" "-i 2 -r"; do
		f0=$(dev_counter page_faults)
		# shellcheck disable=SC2086
		out=$(mpi 2 ${env[@]+"${env[@]}"} -- $args 2>&1)
		rc=$?
		f1=$(dev_counter page_faults)
		echo "$out" | grep -vE '^\[.*\] .*UCX +(DEBUG|INFO)'
		echo "# $reg, mpi_pingpong $args: mpirun exit $rc, page faults $((f1 - f0))"
		[ $rc -eq 0 ] || fail "$reg, $args: mpirun exit $rc"
		[ "$(grep -c '^rank [01]: PASSED$' <<<"$out")" -eq 2 ] ||
			fail "$reg, $args: not every rank printed PASSED"
		grep -q 'pingpong  4194304 bytes' <<<"$out" || fail "$reg, $args: the 4 MiB ping-pong did not run"
		if [ $reg = odp ]; then
			[ $((f1 - f0)) -gt 0 ] || fail "$reg, $args: no page fault on an ODP run"
		else
			[ $((f1 - f0)) -eq 0 ] || fail "$reg, $args: page faults on a pinned run"
		fi
	done
done
