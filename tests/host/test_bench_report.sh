#!/bin/bash
# scripts/bench-report.sh: medians, ratios and the verdicts against the
# targets come out of the raw figures as they should (made-up figures).
. "$(dirname "$0")/lib.sh"
rep=$ROOT/scripts/bench-report.sh
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT

mkdir -p "$d/1node" "$d/2node"
for n in 1 2; do
	printf 'kernel 6.1.0-test\ndate 2026-01-01T00:00:00Z\nnodes %s\nwhere node%s\nreps 3\ncpus 2\nmem_mib 2000\n' \
		$n $n >"$d/${n}node/info.txt"
done
cat >"$d/1node/perftest.tsv" <<'T'
# tool size mode rep value p99
ib_write_bw 4096 pinned 1 10 -
ib_write_bw 4096 odp 1 9 -
ib_write_bw 4096 odp 2 - -
ib_write_bw 4096 pinned 2 12 -
ib_write_bw 4096 pinned 3 11 -
ib_write_bw 4096 odp 3 11 -
ib_send_bw 512 pinned 1 10 -
ib_send_bw 512 odp 1 5 -
ib_send_bw 512 odp 2 5 -
ib_send_bw 512 pinned 2 10 -
ib_write_lat 64 pinned 1 30 50
ib_write_lat 64 odp 1 20 40
ib_write_lat 64 odp 2 25 60
ib_write_lat 64 pinned 2 10 70
ib_write_lat 64 pinned 3 20 60
ib_write_lat 64 odp 3 30 80
ib_write_bw 4096 stock 1 10 -
ib_write_bw 4096 stock 2 14 -
ib_write_bw 4096 stock 3 13 -
ib_write_bw 4096 pinned2 1 13 -
ib_write_bw 4096 pinned2 2 - -
ib_write_bw 4096 pinned2 3 10 -
ib_write_lat 64 stock 1 40 90
ib_write_lat 64 pinned2 1 20 60
ib_read_bw 4096 odpA 1 8 -
ib_read_bw 4096 odpB 1 10 -
ib_read_bw 4096 odpB 2 11 -
ib_read_bw 4096 odpA 2 9 -
ib_read_bw 4096 odpA 3 - -
ib_write_lat 64 pinnedA 1 30 40
ib_write_lat 64 pinnedB 1 24 40
T
echo "ab_label without 0016" >>"$d/1node/info.txt"
cat >"$d/2node/perftest.tsv" <<'T'
# tool size mode rep value p99
ib_read_bw 64 pinned 1 2 -
ib_read_bw 64 odp 1 2 -
T
printf 'ib_write_lat 64 odp\n' >"$d/1node/perftest-hangs.txt"
printf 'cold/warm_min\t0.400\t>=0.5\ninval_p99_wait/packet_time\t0.500\t<=1\n' >"$d/1node/ratios.tsv"
printf '# op msg pinned\nwrite 4096 12.5\n' >"$d/1node/cold.tsv"
printf '== cold: title ==\n# op msg pinned\n# a note\nwrite 4096 12.5\n' >"$d/1node/odp_bench.txt"

cat >"$d/2node/mpi.tsv" <<'T'
# test size mode rep value faults
tag_bw 32768 pinned 1 20 0
tag_bw 32768 odp 1 15 40
tag_bw 32768 odp 2 17 42
tag_bw 32768 pinned 2 22 0
tag_lat 4096 pinned 1 100 0
tag_lat 4096 odp 1 - -
mpi_pingpong_realloc 65536 pinned 1 900 0
mpi_pingpong_realloc 65536 odp 1 1200 700
T
cat >"$d/2node/target.tsv" <<'T'
# op block mode rep value faults
READ 4096 odp 1 10 160
WRITE 4096 odp 1 8 160
READ 4096 pin 1 12 0
WRITE 4096 pin 1 9 0
READ 4096 bounce 1 5 0
WRITE 4096 bounce 1 - 0
READ 4096 odp 2 12 192
READ 4096 pin 2 11 0
T
printf 'ucx UCX 1.13\nmpi mpirun 4.1.4, ranks on node1 node2, 20 round trips a size\n' >"$d/2node/mpi.txt"
printf -- '-- UCX and Open MPI: skipped (no UCX)\n' >"$d/1node/mpi.txt"

check_status "no such directory" 2 "no directory" "$rep" "$d/none"
check "report made" bash -c "\"\$1\" \"\$2\" >/dev/null" - "$rep" "$d"
md=$d/report.md
has() { grep -qF -- "$1" "$md" || { echo "# missing: $1"; return 1; }; }
check "bandwidth: medians of the valid runs, ODP/pinned, verdict, valid count, noise" \
	has "| ib_write_bw | 4096 | 11 | 10 | 0.909 | within noise | - | - | 5/6 | 1.20 |"
check "a shortfall beyond the noise is not met" has "| ib_send_bw | 512 | 10 | 5 | 0.500 | **not met** | - | - | 4/4 | 1.00 |"
check "latency: pinned/ODP, p99 medians" has "| ib_write_lat | 64 | 20 | 25 | 0.800 | within noise | 60 | 60 | 6/6 | 3.00 |"
check "two-node table" has "| ib_read_bw | 64 | 2 | 2 | 1.000 | met |"
check "worst steady-state ratio in the targets table" \
	has "| 1 steady state | worst ODP/pinned (ib_send_bw, 512 B, 1node; noise 1.00) | 0.500 | >= 0.95 | **not met** |"
check "cells short beyond their noise, listed" \
	has "| 1 steady state | cells below 0.95 beyond their noise (1node: ib_send_bw 512 B 0.500) | 1 of 3 | 0 | **not met** |"
check "cold target missed" has "| 2 cold first touch | worst cold/warm bandwidth | 0.400 | >= 0.5 | **not met** |"
check "invalidation wait target met" has "| 0.500 | <= 1 | met |"
check "odp_bench table as Markdown, with its notes" has "| write | 4096 | 12.5 |"
check "odp_bench notes" has "a note"
check "ours against stock: ours' runs beside the stock ones (not the ODP sweep's)" \
	has "| ib_write_bw | 4096 | 11.5 | 13 | 0.885 | within noise | 1.30 |"
check "ours against stock, latency" has "| ib_write_lat | 64 | 20 | 40 | 2.000 | met | - |"
check "ours against stock, worst in the targets table" \
	has "| 1 pinned, ours vs stock rdma_rxe | worst ours/stock (ib_write_bw, 4096 B, 1node; noise 1.30) | 0.885 | >= 0.95 | within noise |"
check "no ours-against-stock table without stock runs" \
	bash -c '[ "$(grep -c "ours against the kernel" "$1")" = 1 ]' - "$md"
check "A/B: the two builds named" has "#### A/B: ours (A) against ours without 0016 (B) (1node)"
check "A/B: ODP, A's speed relative to B's, A's noise" has "| odp | ib_read_bw | 4096 | 8.5 | 10.5 | 0.810 | 1.12 |"
check "A/B: pinned latency as B/A" has "| pinned | ib_write_lat | 64 | 30 | 24 | 0.800 | - |"
check "A/B rows stay out of the ODP/pinned table" \
	bash -c '! grep -q "^| ib_read_bw | 4096 |" "$1"' - "$md"
check "no A/B table without A/B runs" \
	bash -c '[ "$(grep -c "^#### A/B" "$1")" = 1 ]' - "$md"
check "runs that hung, listed" has "ib_write_lat 64 B odp."
check "UCX: bandwidth ODP/pinned, ODP's faults, valid runs, noise" \
	has "| tag_bw | 32768 | 21 | 16 | 0.762 | **not met** | 41 | 4/4 | 1.10 |"
check "UCX: a latency with no valid ODP run has no ratio" has "| tag_lat | 4096 | 100 | - | - | - | - | 1/2 | - |"
check "MPI reallocating: times as pinned/ODP, target above 1" \
	has "| mpi_pingpong_realloc | 65536 | 900 | 1200 | 0.750 | **not met** | 700 | 2/2 | - |"
check "UCX/MPI cells short beyond their noise, in the targets table" \
	has "| 8 UCX, MPI | cells below 0.95 beyond their noise, buffers kept (2node: tag_bw 32768 B 0.762) | 1 of 1 | 0 | **not met** |"
check "MPI reallocating, in the targets table" \
	has "| 8 MPI, buffers reallocated | worst ODP/pinned (65536 B, 2node) | 0.750 | > 1 | **not met** |"
check "UCX/MPI skipped on a node: says why" has "UCX and Open MPI: skipped (no UCX)"
check "storage target: medians, ODP against pinned and bounce, faults per MiB moved" \
	has "| READ | 4096 | 11 | 11.5 | 5 | 0.957 | 2.200 | 11 | 5/5 |"
check "storage target: a mode without a valid run has no ratio" \
	has "| WRITE | 4096 | 8 | 9 | - | 0.889 | - | 10 | 2/3 |"
check "plots (gnuplot)" test -s "$d/perftest-bw-1node.png"
done_testing
