#!/bin/bash
# Benchmarks, run inside the guest by `./rxe-odp bench`. Every figure comes
# from this one boot, pinned and ODP runs alternating, so ratios between
# them mean something even under TCG, where absolute numbers do not.
#
#   bench-guest.sh [--quick] [--reps N] [--sizes "S1 S2..."] [--no-odp-bench]
#                  [--stock-pinned] [--no-mpi] [--no-perftest] [--no-target]
#                  [--ab-module KO --ab-label TEXT]
#   bench-guest.sh --serve-file-target SIZE ARG...   (item 9's target side)
#
# --quick: one repetition of two sizes, odp_bench --quick (a check of the
# whole pipeline, not figures to quote).
# --no-perftest, --no-odp-bench, --no-mpi, --no-target: leave out item 1,
# items 2-7, item 8, item 9 (tests/guest/t_bench_mpi.sh runs item 8
# alone).
# --stock-pinned: also pinned on the kernel's own rdma_rxe, same boot,
# module swapped: what our rxe changes cost a user who never registers ODP
# memory. After the ODP/pinned sweep, every cell pinned on ours (rows
# "pinned2") and on the stock driver (rows "stock"), alternating ABBA
# within the cell, the module swapped between them. (A sweep on one
# driver, then one on the other, measured the machine's load changing in
# between: on 6.12, write 4 KiB, ours 23-29 MB/s before the stock sweep,
# stock 11-13, ours 9-12 after it.)
#
# --ab-module: an A/B of two builds of ours, same boot: KO is a second
# rdma_rxe_odp.ko (`./rxe-odp bench --without PATCH` builds one without a
# patch of the series; TEXT says what it is, in the report). After the
# sweeps above, every cell ODP on ours (rows "odpA") against ODP on KO
# ("odpB"), then pinned likewise ("pinnedA", "pinnedB"), ABBA within the
# cell, the module swapped between the two.
#
# 1. perftest ib_write_bw, ib_read_bw, ib_send_bw and ib_write_lat, pinned
#    against --odp, at each size, N repetitions (ABBA order), raw figures in
#    OUT/bench/perftest.tsv (tool size mode rep value p99).
# 2-7. build/odp_bench (one node only: a loopback QP pair), tables in
#    OUT/bench/*.tsv.
# 8. UCX and Open MPI (issue 13): ucx_perftest (tag_bw, tag_lat,
#    ucp_put_bw, ucp_put_lat) and tests/progs' mpi_pingpong, keeping its
#    buffers and reallocating them for every message (-r), pinned (UCX's
#    registration cache) against UCX's ODP (lib.sh's ucx_odp_setup), and
#    libfabric's fi_pingpong (fi_msg_bw: verbs MSG, fi_rdm_bw:
#    verbs;ofi_rxm) pinned against FI_VERBS_USE_ODP=1 where libfabric-bin
#    is installed, N repetitions, ABBA; raw rows in OUT/bench/mpi.tsv (test
#    size mode rep value faults: MB/s for *_bw, usec for *_lat (one way)
#    and for mpi_pingpong's round trip; faults: every node's page_faults
#    over the run, summed). --no-mpi leaves it out; without UCX or Open
#    MPI it is skipped, saying so.
# 9. The storage target (issue 14, two guests only): examples/
#    odp_file_target serving an 8 MiB file on ext4 (a loop device on node
#    2) to its client on node 1, which RDMA READs every block, then RDMA
#    WRITEs every block; the target zero-copy over ODP (odp), the same
#    mapping registered pinned (pin), or copying every block between the
#    file and a pinned buffer (bounce); N repetitions, the three rotating;
#    raw rows in OUT/bench/target.tsv (op block mode rep MB/s faults: the
#    target device's page_faults over the run, READ and WRITE). Each run
#    is a fresh file system: the ODP MR starts cold, and its faults are in
#    its figures, where the pinned registration's cost is not (it is
#    before the client's clock starts). --no-target leaves it out.
# scripts/bench-report.sh turns OUT/bench into the report.
. "$RXE_ODP_ROOT/tests/guest/lib.sh"
. "$RXE_ODP_ROOT/scripts/guest-traffic.sh"

OUT=${RXE_ODP_OUT:-/run/rxe-odp/out}/bench

# item 9's target side, on node 2: a fresh ext4 with a file of SIZE,
# odp_file_target serving it with ARG...
if [ "${1:-}" = --serve-file-target ]; then
	shift
	size=$1
	shift
	file_target_on ext4_on_loop "$size" : "$@"
	exit
fi
reps=3
sizes="64 512 4096 32768 262144 1048576"
# Across the wire, the link is qemu's UDP socket on the host: under host
# load it drops bursts, and a lost packet costs a 4 s retransmit timeout
# (PERF_OPTS -u 20) whatever the memory, so a 1 MiB message stalls for
# minutes (a full bench under load measured 0.08 MB/s for 256 KiB READs,
# 21 minutes for the two-guest sweep). Two guests stop at 32 KiB.
[ -n "${RXE_ODP_PEER_IP:-}" ] && sizes="64 512 4096 32768"
odp_bench=yes
mpi_bench=yes
perftest=yes
target_bench=yes
sizes_set=no
stock_pinned=no
ab_module="" ab_label=""
quick=()
while [ $# -gt 0 ]; do
	case $1 in
	--reps) reps=$2; shift 2 ;;
	--sizes) sizes=$2 sizes_set=yes; shift 2 ;;
	--no-odp-bench) odp_bench=no; shift ;;
	--stock-pinned) stock_pinned=yes; shift ;;
	--ab-module) ab_module=$2; shift 2 ;;
	--ab-label) ab_label=$2; shift 2 ;;
	--no-mpi) mpi_bench=no; shift ;;
	--no-perftest) perftest=no; shift ;;
	--no-target) target_bench=no; shift ;;
	# after --sizes, --quick keeps those sizes
	--quick) reps=1 quick=(--quick); [ "$sizes_set" = yes ] || sizes="64 65536"; shift ;;
	*) echo "bench-guest.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
done
[ -z "$ab_module" ] || [ -f "$ab_module" ] ||
	{ echo "bench-guest.sh: --ab-module $ab_module: no such file" >&2; exit 2; }
# (it swaps this node's module, not the peer's)
[ -z "$ab_module" ] || [ -z "${RXE_ODP_PEER_IP:-}" ] ||
	{ echo "bench-guest.sh: --ab-module: one guest only" >&2; exit 2; }
[ -n "${RXE_ODP_PEER_IP:-}" ] && odp_bench=no
[ -n "${RXE_ODP_PEER_IP:-}" ] || target_bench=no
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
	[ -z "$ab_module" ] || echo "ab_label ${ab_label:-$ab_module}"
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
# reports every iteration and a finite figure above zero: TCG guests'
# cycle counters sometimes make perftest report 0.00 (or ib_write_lat a
# typical latency of inf) for a complete run; such a run is repeated
# (twice at most) and, failing that, recorded as "-".
perf_run() {
	local tool=$1 size=$2 iters=$3 mode=$4 out try line cols
	local args=(-d "$DEV" -x "$GIDX" -s "$size" -n "$iters" "${PERF_OPTS[@]}")
	[[ $mode == odp* ]] && args+=(--odp)
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
			awk -v n="$iters" '$1 == n && $2 ~ /^[0-9.]+$/ && $2 + 0 > 0 { print $2, (NF > 2 ? $3 : "-") }')
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

tsv=$OUT/perftest.tsv
# driver_for MODE: rxe0 on the driver MODE runs on (stock: the kernel's
# own rdma_rxe; odpB and pinnedB: --ab-module's build of ours; any other
# mode: ours), the module swapped if need be, with tests/guest/lib.sh's
# rxe_down and rxe_up for either build of ours; GIDX is the new rxe0's.
# A failed swap ends the benchmark.
driver=ours
driver_for() {
	local want=ours
	case $1 in
	stock) want=stock ;;
	*B) want=ab ;;
	esac
	[ "$want" = "$driver" ] && return 0
	if [ "$driver" = stock ]; then
		RXE_ODP_MODULE=stock rxe_down
	else
		rxe_down
	fi
	case $want in
	stock)
		insmod "$stock" && rdma link add rxe0 type rxe netdev eth0 &&
			GIDX=$(ipv4_gid_index rxe0 "$RXE_ODP_IP") || fail "rxe0 on the stock rdma_rxe" ;;
	ab) RXE_ODP_MODULE=$ab_module rxe_up ;;
	*) rxe_up ;;
	esac
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

if [ $perftest = yes ]; then
	t0=$(date +%s)
	echo "# tool size mode rep value p99" >"$tsv"
	echo "-- perftest: pinned vs --odp, $reps repetitions each (MB/s; ib_write_lat: usec typical / p99)"
	sweep pinned odp
	echo "-- perftest took $(($(date +%s) - t0)) s"
fi

if [ $stock_pinned = yes ]; then
	t0=$(date +%s)
	stock=$(modinfo -n rdma_rxe 2>/dev/null) && [ -f "$stock" ] ||
		{ echo "no stock rdma_rxe module on $(uname -r): --stock-pinned is not possible"; exit 1; }
	echo "-- pinned: ours (pinned2) against the stock rdma_rxe ($stock), ABBA, module swapped"
	sweep pinned2 stock
	driver_for ours
	echo "-- stock against ours, pinned, took $(($(date +%s) - t0)) s"
fi

if [ -n "$ab_module" ]; then
	t0=$(date +%s)
	echo "-- ours (A) against ${ab_label:-$ab_module} (B), ODP then pinned, ABBA, module swapped"
	sweep odpA odpB
	sweep pinnedA pinnedB
	driver_for ours
	echo "-- A against B took $(($(date +%s) - t0)) s"
fi

# ---- 8. UCX and Open MPI ------------------------------------------------
mpi_tsv=$OUT/mpi.tsv

# all_faults: the page faults of every node's device, summed. Across two
# guests each side of a run faults in its own memory: a PUT's target, a
# ping-pong's second rank, on node 2.
all_faults() {
	local f=() v sum=0
	node_counters f page_faults "${RXE_ODP_NODES:-1}"
	for v in "${f[@]}"; do
		sum=$((sum + v))
	done
	echo "$sum"
}

# figure_row V F0: "V FAULTS" (all_faults since F0) when V is a figure,
# not empty, inf or nan; fails otherwise
figure_row() {
	[[ $1 =~ ^[0-9]+(\.[0-9]+)?$ ]] || return 1
	echo "$1 $(($(all_faults) - $2))"
}

# ucx_run TEST SIZE ITERS MODE: one ucx_perftest pair (pinned, or odp:
# UCX's ODP), printed as "VALUE FAULTS" (bandwidth tests: MB/s overall;
# latency tests: usec, average) or "- -" for a failed run (its output in
# mpi-invalid.log). The thresholds are t_ucx_odp's: tag messages from
# 8 KiB go by rendezvous and PUTs by zero copy, through the user's buffer
# and its MR, not UCX's own pinned bounce buffers.
ucx_run() {
	local test=$1 size=$2 iters=$3 mode=$4 env=("UCX_TLS=rc_verbs,ud_verbs") f0 out v
	[ "$mode" = odp ] && env+=("${UCX_ODP[@]}")
	case $test in
	tag_*) env+=(UCX_RNDV_THRESH=8k) ;;
	*) env+=(UCX_ZCOPY_THRESH=8k) ;;
	esac
	f0=$(all_faults)
	# (a subshell: client_server's fail ends it, not the benchmark)
	if out=$( (ucx_perftest_pair "${env[@]}" -- -t "$test" -s "$size" -n "$iters") 2>&1); then
		# Final: iterations, latency 50%, average, overall (usec), bandwidth
		# average, overall (MB/s), message rate average, overall. The
		# "average"s are over the last reporting second alone (UCX 1.13's
		# libperf.c: moment_average), inf when that report came at the
		# last iteration (a 1 MiB tag_lat of 20 round trips did once);
		# the "overall"s are over the whole run.
		v=$(awk -v bw="$([[ $test == *_bw ]] && echo 1)" '$1 == "Final:" && NF >= 8 {
			print bw ? $7 : $5; exit }' <<<"$out")
		figure_row "$v" "$f0" && return 0
	fi
	{ echo "=== ucx_perftest -t $test -s $size $mode"; echo "$out"; } >>"$OUT/mpi-invalid.log"
	echo "# ucx_perftest -t $test -s $size $mode: failed or no final figures (mpi-invalid.log)" >&2
	echo "- -"
}

# fi_run EP SIZE ITERS MODE: one fabtests fi_pingpong pair over rxe0
# (EP msg: the verbs MSG endpoint; rdm: verbs;ofi_rxm, with t_libfabric's
# FI_UNIVERSE_SIZE=64; odp: FI_VERBS_USE_ODP=1), data checked (-c),
# printed as "MB/S FAULTS" (fi_pingpong's MB/sec, the client's) or "- -"
# for a failed run (its output in mpi-invalid.log)
fi_run() {
	local ep=$1 size=$2 iters=$3 mode=$4 env=(FI_UNIVERSE_SIZE=64) prov=verbs args f0 out v
	[ "$ep" = rdm ] && prov="verbs;ofi_rxm"
	[ "$mode" = odp ] && env+=(FI_VERBS_USE_ODP=1)
	args=(-p "$prov" -e "$ep" -I "$iters" -S "$size" -c)
	f0=$(all_faults)
	if out=$( (client_server env "${env[@]}" fi_pingpong "${args[@]}" -- \
		env "${env[@]}" fi_pingpong "${args[@]}" "$(server_ip)") 2>&1); then
		v=$(fi_figure "$out" "$iters")
		figure_row "$v" "$f0" && return 0
	fi
	{ echo "=== fi_pingpong ${args[*]} $mode"; echo "$out"; } >>"$OUT/mpi-invalid.log"
	echo "# fi_pingpong ${args[*]} $mode: failed or no figure (mpi-invalid.log)" >&2
	echo "- -"
}

# mpi_run REALLOC MODE: one mpi_pingpong (-r if REALLOC is yes) up to
# mpi_max, mpi_iters round trips a size; prints "SIZE USEC FAULTS" for
# each size of mpi_sizes, or nothing for a failed run (its output in
# mpi-invalid.log). Every rank checks every byte and must print PASSED.
mpi_run() {
	local realloc=$1 mode=$2 env=() args=(-i "$mpi_iters" -m "$mpi_max") f0 out r s
	[ "$mode" = odp ] && env=("${UCX_ODP[@]}")
	[ "$realloc" = yes ] && args+=(-r)
	f0=$(all_faults)
	out=$( (mpirun_ucx ${env[@]+"${env[@]}"} -- "$PROGS/mpi_pingpong" "${args[@]}") 2>&1)
	r=$?
	for s in "${!MPI_HOSTS[@]}"; do
		grep -qx "rank $s: PASSED" <<<"$out" || r=1
	done
	if [ $r != 0 ]; then
		{ echo "=== mpi_pingpong ${args[*]} $mode"; echo "$out"; } >>"$OUT/mpi-invalid.log"
		echo "# mpi_pingpong ${args[*]} $mode failed (mpi-invalid.log)" >&2
		return 0
	fi
	r=$(($(all_faults) - f0))
	for s in $mpi_sizes; do
		awk -v s="$s" -v f="$r" '$1 == "pingpong" && $2 == s { print s, $7, f }' <<<"$out"
	done
}

# mpi_sweep: every ucx_perftest test and size, then mpi_pingpong keeping
# and reallocating its buffers, N repetitions, pinned and ODP ABBA
mpi_sweep() {
	local test size iters rep mode order r res realloc
	for test in tag_bw ucp_put_bw tag_lat ucp_put_lat $fi_tests; do
		for size in $ucx_sizes; do
			# (fi_pingpong: a round trip an iteration, as a latency test)
			if [[ $test == *_lat || $test == fi_* ]]; then
				iters=$(lat_iters "$size")
			else
				iters=$(bw_iters "$size")
			fi
			res=""
			for rep in $(seq "$reps"); do
				order="pinned odp"
				((rep % 2 == 0)) && order="odp pinned"
				for mode in $order; do
					case $test in
					fi_msg_bw) r=$(fi_run msg "$size" "$iters" "$mode") ;;
					fi_rdm_bw) r=$(fi_run rdm "$size" "$iters" "$mode") ;;
					*) r=$(ucx_run "$test" "$size" "$iters" "$mode") ;;
					esac
					echo "$test $size $mode $rep $r" >>"$mpi_tsv"
					res="$res $mode=${r%% *}"
				done
			done
			printf '%-12s %8s %s\n' "$test" "$size" "$res"
		done
	done
	for realloc in no yes; do
		test=mpi_pingpong
		[ $realloc = yes ] && test=mpi_pingpong_realloc
		for rep in $(seq "$reps"); do
			order="pinned odp"
			((rep % 2 == 0)) && order="odp pinned"
			for mode in $order; do
				r=$(mpi_run $realloc "$mode")
				[ -n "$r" ] || r=$(for size in $mpi_sizes; do echo "$size - -"; done)
				while read -r size v f; do
					echo "$test $size $mode $rep $v $f" >>"$mpi_tsv"
				done <<<"$r"
				printf '%-20s rep %d %-6s %s\n' "$test" "$rep" "$mode" "$(echo $r)"
			done
		done
	done
}

if [ $mpi_bench = yes ]; then
	t0=$(date +%s)
	if ! command -v ucx_perftest >/dev/null || ! command -v mpirun >/dev/null ||
		[ ! -x "$PROGS/mpi_pingpong" ]; then
		echo "-- UCX and Open MPI: skipped (needs ucx-utils, openmpi-bin and mpi_pingpong built)" |
			tee "$OUT/mpi.txt"
	elif ! ucx_odp_setup; then
		echo "-- UCX and Open MPI: skipped ($(ucx_info -v | head -n1) has no ODP registration on $DEV)" |
			tee "$OUT/mpi.txt"
	else
		mpi_setup
		# Across the wire, qemu's UDP link (see above): ucx_perftest to
		# 32 KiB, mpi_pingpong to 64 KiB (mpi_setup cuts its RDMA READs).
		ucx_sizes="4096 65536 1048576" mpi_max=1048576 mpi_sizes="4096 65536 1048576" mpi_iters=20
		[ -n "${RXE_ODP_PEER_IP:-}" ] &&
			ucx_sizes="4096 32768" mpi_max=65536 mpi_sizes="4096 65536"
		[ ${#quick[@]} = 0 ] || { ucx_sizes=${ucx_sizes##* } mpi_iters=4; }
		echo "ucx UCX $(ucx_info -v | head -n1 | sed 's/^# *//; s/^Version /version /' | cut -c1-60); UCX's ODP: $UCX_ODP_MODE (${UCX_ODP[*]})" >"$OUT/mpi.txt"
		echo "mpi $(mpirun --version 2>&1 | head -n1), ranks on ${MPI_HOSTS[*]}, $mpi_iters round trips a size" >>"$OUT/mpi.txt"
		# libfabric's fi_pingpong (libfabric-bin), where it is installed
		fi_tests="fi_msg_bw fi_rdm_bw"
		if command -v fi_pingpong >/dev/null; then
			echo "fi $(fi_info --version 2>&1 | head -n1 | cut -c1-40); fi_pingpong pinned and FI_VERBS_USE_ODP=1" >>"$OUT/mpi.txt"
		else
			fi_tests=""
			echo "fi fi_pingpong not installed (libfabric-bin): no libfabric rows" >>"$OUT/mpi.txt"
		fi
		echo "# test size mode rep value faults" >"$mpi_tsv"
		echo "-- UCX and Open MPI: pinned (UCX's registration cache) vs UCX's ODP, $reps repetitions each"
		cat "$OUT/mpi.txt"
		mpi_sweep
	fi
	echo "-- UCX and Open MPI took $(($(date +%s) - t0)) s"
fi

# ---- 9. The storage target ------------------------------------------------

# target_run BLOCK MODE: one odp_file_target run (target on node 2, MODE
# odp, pin or bounce), printed as "READ_MBS WRITE_MBS FAULTS", or "- - -"
# for a failed run (its output in target-invalid.log). The client checks
# every byte it reads and the target every byte on disk.
target_run() {
	local block=$1 mode=$2 args=(--fill 0x1111 --check 0x2222) out r w f
	case $mode in
	pin) args+=(--pin) ;;
	bounce) args+=(--bounce -b "$block") ;;
	esac
	if out=$( (client_server bash "$0" --serve-file-target 8M "${args[@]}" -- \
		"$UBUILD/odp_file_target" -d "$DEV" -g "$GIDX" -b "$block" \
		--read 0x1111 --write 0x2222 -c "$(server_ip)") 2>&1) &&
		grep -q '^on disk: all 8388608 bytes of .* hold the pattern of 0x2222' <<<"$out"; then
		r=$(awk '/^client: RDMA READ of / { for (i = 1; i < NF; i++) if ($(i + 1) ~ /^MB\/s/) print $i }' <<<"$out")
		w=$(awk '/^client: RDMA WRITE of / { for (i = 1; i < NF; i++) if ($(i + 1) ~ /^MB\/s/) print $i }' <<<"$out")
		f=$(awk '/^target: this device during the run:/ { for (i = 1; i < NF; i++) if ($i == "page_faults") print $(i + 1) }' <<<"$out")
		if [ -n "$r" ] && [ -n "$w" ] && [ -n "$f" ]; then
			echo "$r $w $f"
			return 0
		fi
	fi
	{ echo "=== odp_file_target -b $block $mode"; echo "$out"; } >>"$OUT/target-invalid.log"
	echo "# odp_file_target -b $block $mode: failed (target-invalid.log)" >&2
	echo "- - -"
}

if [ $target_bench = yes ]; then
	t0=$(date +%s)
	blocks="4096 32768"
	[ ${#quick[@]} = 0 ] || blocks=32768
	echo "# op block mode rep value faults" >"$OUT/target.tsv"
	echo "-- storage target: an 8 MiB ext4 file on node 2, zero-copy ODP vs pinned mapping vs bounce copy, $reps repetitions (MB/s)"
	for block in $blocks; do
		res=""
		for rep in $(seq "$reps"); do
			case $((rep % 3)) in
			1) order="odp pin bounce" ;;
			2) order="pin bounce odp" ;;
			0) order="bounce odp pin" ;;
			esac
			for mode in $order; do
				read -r r w f <<<"$(target_run "$block" "$mode")"
				echo "READ $block $mode $rep $r $f" >>"$OUT/target.tsv"
				echo "WRITE $block $mode $rep $w $f" >>"$OUT/target.tsv"
				res="$res $mode=$r/$w"
			done
		done
		printf '%-12s %8s %s\n' "READ/WRITE" "$block" "$res"
	done
	echo "-- storage target took $(($(date +%s) - t0)) s"
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
