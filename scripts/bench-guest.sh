#!/bin/bash
# Benchmarks, run inside the guest by `./rxe-odp bench`. Every figure comes
# from this one boot, pinned and ODP runs alternating, so ratios between
# them mean something even under TCG, where absolute numbers do not.
#
#   bench-guest.sh [--quick] [--reps N] [--sizes "S1 S2..."] [--no-odp-bench]
#                  [--stock-pinned]
#
# --quick: one repetition of two sizes, odp_bench --quick (a check of the
# whole pipeline, not figures to quote).
# --stock-pinned: also pinned on the kernel's own rdma_rxe, same boot,
# module swapped: what our rxe changes cost a user who never registers ODP
# memory. After the ODP/pinned sweep, every cell pinned on ours (rows
# "pinned2") and on the stock driver (rows "stock"), alternating ABBA
# within the cell, the module swapped between them. (A sweep on one
# driver, then one on the other, measured the machine's load changing in
# between: on 6.12, write 4 KiB, ours 23-29 MB/s before the stock sweep,
# stock 11-13, ours 9-12 after it.)
#
# 1. perftest ib_write_bw, ib_read_bw, ib_send_bw and ib_write_lat, pinned
#    against --odp, at each size, N repetitions (ABBA order), raw figures in
#    OUT/bench/perftest.tsv (tool size mode rep value p99).
# 2-7. build/odp_bench (one node only: a loopback QP pair), tables in
#    OUT/bench/*.tsv. scripts/bench-report.sh turns OUT/bench into the report.
. "$RXE_ODP_ROOT/tests/guest/lib.sh"
. "$RXE_ODP_ROOT/scripts/guest-traffic.sh"

OUT=${RXE_ODP_OUT:-/run/rxe-odp/out}/bench
reps=3
sizes="64 512 4096 32768 262144 1048576"
# Across the wire, the link is qemu's UDP socket on the host: under host
# load it drops bursts, and a lost packet costs a 4 s retransmit timeout
# (PERF_OPTS -u 20) whatever the memory, so a 1 MiB message stalls for
# minutes (a full bench under load measured 0.08 MB/s for 256 KiB READs,
# 21 minutes for the two-guest sweep). Two guests stop at 32 KiB.
[ -n "${RXE_ODP_PEER_IP:-}" ] && sizes="64 512 4096 32768"
odp_bench=yes
sizes_set=no
stock_pinned=no
quick=()
while [ $# -gt 0 ]; do
	case $1 in
	--reps) reps=$2; shift 2 ;;
	--sizes) sizes=$2 sizes_set=yes; shift 2 ;;
	--no-odp-bench) odp_bench=no; shift ;;
	--stock-pinned) stock_pinned=yes; shift ;;
	# after --sizes, --quick keeps those sizes
	--quick) reps=1 quick=(--quick); [ "$sizes_set" = yes ] || sizes="64 65536"; shift ;;
	*) echo "bench-guest.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
done
[ -n "${RXE_ODP_PEER_IP:-}" ] && odp_bench=no
mkdir -p "$OUT"

ibv_devinfo -v -d "$DEV" | grep -q 'ODP_SUPPORT' ||
	{ echo "$DEV reports no ODP: nothing to compare"; exit 1; }
where="one guest (rxe loopback)"
[ -n "${RXE_ODP_PEER_IP:-}" ] && where="two guests over a virtual Ethernet link"
{
	echo "kernel $(uname -r)"
	echo "date $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "nodes ${RXE_ODP_NODES:-1}"
	echo "where $where"
	echo "reps $reps"
	echo "cpus $(nproc)"
	echo "mem_mib $(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo)"
} >"$OUT/info.txt"
echo "== rxe-odp bench on $(uname -r), $DEV, $where =="

# A run longer than this is cut short: across the wire a lost burst costs
# seconds (see above), so it is tried again; in one guest (loopback, no
# loss; the longest valid run takes seconds) it is a hang, recorded in
# perftest-hangs.txt ("tool size mode") and neither tried again nor run
# in the cell's other repetitions (upstream 7.3.4's ib_write_lat --odp
# hung in every one).
if [ -n "${RXE_ODP_PEER_IP:-}" ]; then run_limit=180; else run_limit=60; fi

# perf_run TOOL SIZE ITERS MODE: one perftest run (--odp for MODE odp),
# printed as "VALUE P99" (bandwidth tools: average MB/s and "-";
# ib_write_lat: typical and 99th percentile usec). A run is valid when it
# reports every iteration and a figure above zero: TCG guests' cycle
# counters sometimes make perftest report 0.00 for a complete run; such a
# run is repeated (twice at most) and, failing that, recorded as "-".
perf_run() {
	local tool=$1 size=$2 iters=$3 mode=$4 out try line cols
	local args=(-d "$DEV" -x "$GIDX" -s "$size" -n "$iters" "${PERF_OPTS[@]}")
	[ "$mode" = odp ] && args+=(--odp)
	# a cell that hung once hangs again: its other repetitions are not run
	grep -qsx "$tool $size $mode" "$OUT/perftest-hangs.txt" && { echo "- -"; return 0; }
	for try in 1 2 3; do
		out=$(client_server timeout $((run_limit + 20)) "$tool" "${args[@]}" -- \
			timeout $run_limit "$tool" "${args[@]}" "$(server_ip)" 2>&1) ||
			{ echo "# $tool -s $size $mode failed (try $try)" >&2
			  { echo "=== $tool -s $size $mode try $try: failed"; echo "$out"; } >>"$OUT/perftest-invalid.log"
			  if [ -z "${RXE_ODP_PEER_IP:-}" ] && grep -q 'exit 124' <<<"$out"; then
				echo "# $tool -s $size $mode: no answer in $run_limit s, a hang: not tried again" >&2
				echo "$tool $size $mode" >>"$OUT/perftest-hangs.txt"
				break
			  fi
			  continue; }
		# the result row's iterations and figure: bandwidth tools, BW
		# average; ib_write_lat, t_typical and the 99% percentile
		if [ "$tool" = ib_write_lat ]; then cols=(2 5 8); else cols=(2 4); fi
		line=$(perf_row "$out" "${cols[@]}" |
			awk -v n="$iters" '$1 == n && $2 + 0 > 0 { print $2, (NF > 2 ? $3 : "-") }')
		[ -n "$line" ] && { echo "$line"; return 0; }
		echo "# $tool -s $size $mode: no valid figure (try $try; output in perftest-invalid.log)" >&2
		{ echo "=== $tool -s $size $mode try $try"; echo "$out"; } >>"$OUT/perftest-invalid.log"
	done
	echo "- -"
}

# iterations: about 32 MiB (bandwidth) or 4 MiB (latency) a run, within
# bounds. A run's setup (connection, buffers) takes about 2 s under TCG;
# at 8 MiB a bandwidth run lasted 0.2 s, and one pinned figure spread
# 1.4x against the next in the same boot.
bw_iters() { local n=$((32 * 1048576 / $1)); ((n > 20000)) && n=20000; ((n < 20)) && n=20; echo $n; }
lat_iters() { local n=$((4 * 1048576 / $1)); ((n > 1000)) && n=1000; ((n < 20)) && n=20; echo $n; }

t0=$(date +%s)
tsv=$OUT/perftest.tsv
echo "# tool size mode rep value p99" >"$tsv"
# driver_for MODE: rxe0 on the driver MODE runs on (stock: the kernel's
# own rdma_rxe; any other mode: ours), the module swapped if need be, with
# tests/guest/lib.sh's rxe_down and rxe_up for ours; GIDX is the new
# rxe0's. A failed swap ends the benchmark.
driver=ours
driver_for() {
	local want=ours
	[ "$1" = stock ] && want=stock
	[ "$want" = "$driver" ] && return 0
	if [ "$want" = stock ]; then
		rxe_down
		insmod "$stock" && rdma link add rxe0 type rxe netdev eth0 &&
			GIDX=$(ipv4_gid_index rxe0 "$RXE_ODP_IP") || fail "rxe0 on the stock rdma_rxe"
	else
		rdma link delete rxe0 && rmmod rdma_rxe || fail "removing the stock rdma_rxe"
		rxe_up
	fi
	driver=$want
}

# sweep MODE...: every tool and size, N repetitions of each MODE (pinned
# or odp on the loaded driver; stock and pinned2 are pinned runs too, on
# the stock driver and on ours again). Two modes alternate ABBA: the first
# first on odd repetitions, the second first on even ones.
sweep() {
	local tool size iters rep mode order r res
	for tool in ib_write_bw ib_read_bw ib_send_bw ib_write_lat; do
		for size in $sizes; do
			if [ "$tool" = ib_write_lat ]; then iters=$(lat_iters "$size"); else iters=$(bw_iters "$size"); fi
			res=""
			for rep in $(seq "$reps"); do
				order="$*"
				((rep % 2 == 0)) && [ $# = 2 ] && order="$2 $1"
				for mode in $order; do
					driver_for "$mode"
					r=$(perf_run "$tool" "$size" "$iters" "$mode")
					echo "$tool $size $mode $rep $r" >>"$tsv"
					res="$res $mode=${r%% *}"
				done
			done
			printf '%-12s %8s %s\n' "$tool" "$size" "$res"
		done
	done
}

echo "-- perftest: pinned vs --odp, $reps repetitions each (MB/s; ib_write_lat: usec typical / p99)"
sweep pinned odp
echo "-- perftest took $(($(date +%s) - t0)) s"

if [ $stock_pinned = yes ]; then
	t0=$(date +%s)
	stock=$(modinfo -n rdma_rxe 2>/dev/null) && [ -f "$stock" ] ||
		{ echo "no stock rdma_rxe module on $(uname -r): --stock-pinned is not possible"; exit 1; }
	echo "-- pinned: ours (pinned2) against the stock rdma_rxe ($stock), ABBA, module swapped"
	sweep pinned2 stock
	driver_for ours
	echo "-- stock against ours, pinned, took $(($(date +%s) - t0)) s"
fi

if [ $odp_bench = yes ]; then
	t0=$(date +%s)
	echo "-- odp_bench (items 2-7)"
	# its own memory cgroup, for the mirror's memory accounting (item 5)
	(
		memcg_enter || echo "# no cgroup v2 memory controller: odp_bench skips item 5"
		exec "$PROGS/../odp_bench" ${quick[@]+"${quick[@]}"} --out "$OUT"
	) >"$OUT/odp_bench.txt" 2>&1
	rc=$?
	cat "$OUT/odp_bench.txt"
	echo "-- odp_bench took $(($(date +%s) - t0)) s (exit $rc)"
	[ $rc = 0 ] || exit 1
fi
exit 0
