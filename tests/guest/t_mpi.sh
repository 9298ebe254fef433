#!/bin/bash
# nodes: 1 2 4
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
# Two guests: one rank a guest, placed as mpi_setup (lib.sh) says.
# Four guests (./rxe-odp test's 4-node stage: a bridge, not the UDP link):
# the same with a rank on each, rank K-1 on node K; ranks 0 and 1 ping-pong,
# all four take part in the allreduce, and every node must fault on the
# ODP runs (ranks 2 and 3 through the allreduce alone).
# MAX is 4 MiB there too, with mpi_setup's limits on UCX's RDMA READs for
# qemu's UDP link (5-12 s at 4 MiB). One round trip a size there (-i 1;
# each rank still sends from and receives into one buffer, which UCX's
# registers once), so that the four runs take ~3-4 minutes.
# The debug kernel (KASAN, lockdep; several times slower) runs the
# reallocating ping-pong alone, -i 1 up to 256 KiB, on ODP only: the run
# with the most faults and invalidations, under the kernel's checks (to
# 1 MiB the test took 161 s on two debug guests, pinned 101 s more).
. "$(dirname "$0")/lib.sh"

prog=$PROGS/mpi_pingpong
[ -x "$prog" ] || fail "mpi_pingpong not built ($PROGS; needs libopenmpi-dev)"
ucx_odp_setup || fail "$(ucx_info -v | head -n1): neither UCX_IB_REG_METHODS nor non-blocking registration on $DEV (ucx_info -c, -d)"
mpi_setup
note "$(mpirun --version 2>&1 | head -n1); UCX's ODP: $UCX_ODP_MODE (${UCX_ODP[*]})"

max=4194304 nodes=$MPI_NODES
runs=("-i 4" "-i 2 -r") regs=(pinned odp)
[ -z "${RXE_ODP_PEER_IP:-}" ] || runs=("-i 1" "-i 1 -r")
case $(uname -r) in
*rxe-odp-debug*) max=262144 runs=("-i 1 -r") regs=(odp) ;;
esac

f0=() f1=()
for reg in "${regs[@]}"; do
	env=()
	[ $reg = odp ] && env=("${UCX_ODP[@]}")
	for args in "${runs[@]}"; do
		node_counters f0 page_faults "$nodes"
		t0=$SECONDS
		# shellcheck disable=SC2086
		out=$(mpirun_ucx ${env[@]+"${env[@]}"} -- "$prog" -m $max $args 2>&1)
		rc=$?
		t=$((SECONDS - t0))
		node_counters f1 page_faults "$nodes"
		echo "$out" | grep -vE '^\[.*\] .*UCX +(DEBUG|INFO)'
		d=()
		for i in "${!f0[@]}"; do d+=($((f1[i] - f0[i]))); done
		echo "# $reg, mpi_pingpong $args: mpirun exit $rc in ${t}s, page faults by node: ${d[*]}"
		[ $rc -eq 0 ] || fail "$reg, $args: mpirun exit $rc"
		for r in "${!MPI_HOSTS[@]}"; do
			grep -qx "rank $r: PASSED" <<<"$out" || fail "$reg, $args: rank $r did not print PASSED"
			grep -qx "rank $r: on ${MPI_HOSTS[r]}" <<<"$out" || fail "$reg, $args: rank $r did not run on ${MPI_HOSTS[r]}"
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
