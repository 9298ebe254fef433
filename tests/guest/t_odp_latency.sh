#!/bin/bash
# nodes: 1
# The ODP core's lock-time histograms (module parameter odp_latency,
# kernel/ib_odp_latency.c), which the benchmarks read: off they record
# nothing; on, traffic with pages dropped under it records copies, fault
# installs and invalidations with consistent statistics; bad input is
# refused and changes nothing.
. "$(dirname "$0")/lib.sh"

param=/sys/module/rdma_rxe_odp/parameters/odp_latency
bin=$UBUILD/odp_pingpong
[ -w "$param" ] || fail "no writable $param"
[ -x "$bin" ] || fail "odp_pingpong not built"

# traffic on explicit ODP MRs with MADV_DONTNEED every 20 of 100 iterations
traffic() {
	local args=(-d "$DEV" -g "$GIDX" -n 100 -m 20)
	client_server "$bin" "${args[@]}" -- "$bin" "${args[@]}" "$(server_ip)" >/dev/null ||
		fail "odp_pingpong with pages dropped"
}
# line NAME: "count sum max p50 p90 p99 p999" of one histogram
line() { awk -v k="$1" '$1 == k { $1 = ""; print substr($0, 2) }' "$param"; }

names="inval_wait inval copy_hold install_hold fault_mmap_hold"
echo 1 >"$param" || fail "cannot switch the timing on"
echo 0 >"$param" || fail "cannot switch the timing off"
traffic
for n in $names; do
	set -- $(line "$n")
	[ $# = 7 ] || fail "$n: '$*' is not 7 numbers"
	[ "$1" = 0 ] || fail "$n: $1 samples recorded while off"
done

echo 1 >"$param"
traffic
echo 0 >"$param"
cat "$param"
for n in $names; do
	set -- $(line "$n")
	count=$1 sum=$2 max=$3 p50=$4 p90=$5 p99=$6 p999=$7
	[ "$count" -gt 0 ] || fail "$n: no sample with traffic and invalidations"
	[ "$max" -gt 0 ] || fail "$n: longest is 0 ns"
	[ "$p50" -le "$p90" ] && [ "$p90" -le "$p99" ] && [ "$p99" -le "$p999" ] &&
		[ "$p999" -le "$max" ] || fail "$n: percentiles out of order: $*"
	[ "$sum" -ge "$max" ] || fail "$n: total $sum below longest $max"
	[ $((sum / count)) -le "$max" ] || fail "$n: mean above the longest"
done
# the whole callback contains its wait
[ "$(line inval | cut -d' ' -f3)" -ge "$(line inval_wait | cut -d' ' -f3)" ] ||
	fail "the longest invalidation callback is shorter than its longest wait"
# off keeps what was recorded, for reading
before=$(cat "$param")
traffic
[ "$(cat "$param")" = "$before" ] || fail "the histograms changed while off"

# bad input: refused, nothing changed
if echo maybe >"$param" 2>/dev/null; then fail "'maybe' accepted"; fi
[ "$(cat "$param")" = "$before" ] || fail "a refused write changed the histograms"
# on again resets
echo 1 >"$param"
[ "$(line copy_hold | cut -d' ' -f1)" = 0 ] || fail "switching on did not reset"
echo 0 >"$param"
echo "odp_latency: histograms record when on, only then, and read consistently"
