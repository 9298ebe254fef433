#!/bin/bash
# scripts/bench-compare.sh: the kernels' ratios side by side, each of ours
# judged against the reference with its noise (made-up figures).
. "$(dirname "$0")/lib.sh"
cmp=$ROOT/scripts/bench-compare.sh
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT

# kernel NAME: a boot's figures as bench-report.sh leaves them
kernel() {
	mkdir -p "$d/$1/1node"
	printf 'kernel %s-test\ndate 2026-01-01T00:00:00Z\nnodes 1\nwhere one guest\nreps 3\ncpus 2\nmem_mib 2000\n' \
		"$1" >"$d/$1/1node/info.txt"
	cat >"$d/$1/1node/perftest-summary.txt"
}
# tool size pinned odp ratio pinned_p99 odp_p99 valid spread
kernel 6.1 <<'T'
ib_write_bw 4096 10 10 1.000 - - 6/6 1.10
ib_read_bw 4096 10 8 0.800 - - 6/6 1.30
ib_send_bw 4096 10 7 0.700 - - 6/6 1.05
T
kernel 6.12 <<'T'
ib_write_bw 4096 10 9 0.900 - - 6/6 1.10
ib_read_bw 4096 10 - - - - 3/6 1.00
ib_send_bw 4096 10 9 0.900 - - 6/6 1.00
T
kernel upstream <<'T'
ib_write_bw 4096 10 9.5 0.950 - - 6/6 1.01
ib_read_bw 4096 10 9 0.900 - - 6/6 1.05
ib_send_bw 4096 10 8 0.800 - - 6/6 1.02
T
printf 'ib_write_bw 4096 11 10 1.100 1.10\n' >"$d/6.1/1node/stock-summary.txt"
printf 'ib_write_lat 4096 odp\nib_write_lat 65536 odp\n' >"$d/upstream/1node/perftest-hangs.txt"
printf 'cold/warm_min\t0.700\t>=0.5\n' >"$d/6.1/1node/ratios.tsv"
printf 'cold/warm_min\t0.600\t>=0.5\nmirror_bytes_per_page\t16.0\t<=16 (6.1: 16)\n' >"$d/upstream/1node/ratios.tsv"

check_status "too few arguments" 2 usage "$cmp" "$d" 6.1
check_status "a kernel without figures" 1 "no figures" "$cmp" "$d" 6.1 none
check "comparison made" bash -c "\"\$1\" \"\$2\" 6.1 6.12 upstream >/dev/null" - "$cmp" "$d"
md=$d/compare.md
has() { grep -qF -- "$1" "$md" || { echo "# missing: $1"; return 1; }; }
check "kernels named" has "| upstream | upstream-test | the kernel's own rdma_rxe (upstream ODP) |"
check "at least as good" has "| ib_write_bw | 4096 | 1.000 (1.10) | 0.900 (1.10) | 0.950 (1.01) | yes | within noise |"
check "below, beyond the noise; a missing cell is '-'" \
	has "| ib_read_bw | 4096 | 0.800 (1.30) | - (1.00) | 0.900 (1.05) | within noise | - |"
check "below beyond the noise" has "| ib_send_bw | 4096 | 0.700 (1.05) | 0.900 (1.00) | 0.800 (1.02) | **no** | yes |"
check "tally, 6.1" has "| 6.1 against upstream, ODP/pinned per cell | 1 at least as good, 1 within noise, 1 below |"
check "tally, 6.12" has "| 6.12 against upstream, ODP/pinned per cell | 1 at least as good, 1 within noise, 0 below |"
check "cells at the 0.95 target" has "| upstream: ODP/pinned >= 0.95 | 1 of 3 cells |"
check "ours against stock, only where measured" has "| 6.1: ours pinned / stock pinned >= 0.95 | 1 of 1 cells |"
check "no stock row for a kernel without stock runs" bash -c '! grep -q "6.12: ours pinned" "$1"' - "$md"
check "runs that hung, listed" has "| upstream: runs that hung | **2**: ib_write_lat 4096 B odp, ib_write_lat 65536 B odp |"
check "odp_bench ratios side by side with their target" has "| cold/warm_min | 0.700 | - | 0.600 | >=0.5 |"
check "a target with spaces" has "| mirror_bytes_per_page | - | - | 16.0 | <=16 (6.1: 16) |"
done_testing
