#!/bin/bash
# nodes: 1
# debug: no
# kernel: 6.1
# The UCX, Open MPI and libfabric item of ./rxe-odp bench (bench-guest.sh,
# item 8) in its quick mode, alone: every ucx_perftest test, both
# mpi_pingpong programs and fi_pingpong (MSG, RDM) must give a figure
# pinned and on ODP, the ODP runs must fault pages in and the pinned ones
# must not (so the figures compare what they say they compare), and
# bench-report.sh must make its table from them. No timing is checked:
# speed is for ./rxe-odp bench.
. "$(dirname "$0")/lib.sh"

command -v ucx_perftest >/dev/null || fail "ucx_perftest not installed (ucx-utils)"
command -v fi_pingpong >/dev/null || fail "fi_pingpong not installed (libfabric-bin)"
[ -x "$PROGS/mpi_pingpong" ] || fail "mpi_pingpong not built ($PROGS; needs libopenmpi-dev)"
ucx_odp_setup || fail "$(ucx_info -v | head -n1): no ODP registration on $DEV"
[ "$UCX_ODP_MODE" != implicit ] || ibv_devinfo -v -d "$DEV" | grep -q ODP_SUPPORT_IMPLICIT ||
	skip "$DEV reports no implicit ODP"
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT

RXE_ODP_OUT=$d "$RXE_ODP_ROOT/scripts/bench-guest.sh" --quick --no-perftest --no-odp-bench
rc=$?
[ $rc = 0 ] || fail "bench-guest.sh --quick --no-perftest --no-odp-bench exited $rc"
tsv=$d/bench/mpi.tsv
[ -s "$tsv" ] || fail "no mpi.tsv"
cat "$tsv"

# rows TEST MODE: that test's rows of that mode
rows() { awk -v t="$1" -v m="$2" '$1 == t && $3 == m' "$tsv"; }
for t in tag_bw ucp_put_bw tag_lat ucp_put_lat fi_msg_bw fi_rdm_bw mpi_pingpong mpi_pingpong_realloc; do
	for m in pinned odp; do
		r=$(rows $t $m)
		[ -n "$r" ] || fail "$t: no $m row"
		# every row a figure above zero and a fault count
		awk '!($5 ~ /^[0-9.]+$/ && $5 + 0 > 0 && $6 ~ /^[0-9]+$/) { print "bad row: " $0; bad = 1 }
			END { exit bad }' <<<"$r" || fail "$t, $m: a run without a figure (mpi-invalid.log:
$(cat "$d/bench/mpi-invalid.log" 2>/dev/null)"
		if [ $m = odp ]; then
			awk '$6 == 0 { bad = 1 } END { exit bad }' <<<"$r" || fail "$t: an ODP run faulted nothing"
		else
			awk '$6 != 0 { bad = 1 } END { exit bad }' <<<"$r" || fail "$t: a pinned run faulted pages"
		fi
	done
done
# mpi_pingpong's sizes: those of the report (4 KiB, 64 KiB, 1 MiB here)
[ "$(rows mpi_pingpong odp | wc -l)" = 3 ] || fail "mpi_pingpong: not 3 sizes"

mkdir "$d/report"
mv "$d/bench" "$d/report/1node"
"$RXE_ODP_ROOT/scripts/bench-report.sh" "$d/report" >/dev/null || fail "bench-report.sh failed"
grep -q '^## 8. UCX, Open MPI and libfabric' "$d/report/report.md" || fail "no UCX, Open MPI and libfabric section in the report"
for t in tag_bw ucp_put_lat fi_rdm_bw mpi_pingpong_realloc; do
	grep -Eq "^\| $t \| [0-9]+ \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \|" "$d/report/report.md" ||
		fail "report: no $t row with figures and a ratio"
done
sed -n '/^## 8\./,$p' "$d/report/report.md"
echo "PASS"
