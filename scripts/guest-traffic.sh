# shellcheck shell=bash
# Traffic measurements shared by the demo and the benchmarks (sourced in
# the guest after tests/guest/lib.sh).

# perf_bw TOOL SIZE ITERS [EXTRA...]: average MB/s of a perftest
# bandwidth tool between the server side and here.
perf_bw() {
	local tool=$1 size=$2 iters=$3 out
	shift 3
	local args=(-d "$DEV" -x "$GIDX" -s "$size" -n "$iters" "${PERF_OPTS[@]}" "$@")
	out=$(client_server "$tool" "${args[@]}" -- "$tool" "${args[@]}" "$(server_ip)") ||
		{ echo "$out" >&2; return 1; }
	perf_row "$out" 4
}

# pingpong_usec SIZE ITERS [EXTRA...]: usec per iteration of
# ibv_rc_pingpong.
pingpong_usec() {
	local size=$1 iters=$2 out
	shift 2
	local args=(-d "$DEV" -g "$GIDX" -s "$size" -n "$iters" "$@")
	out=$(client_server ibv_rc_pingpong "${args[@]}" -- ibv_rc_pingpong "${args[@]}" "$(server_ip)") ||
		{ echo "$out" >&2; return 1; }
	awk '/iters in/ { print $(NF - 1); exit }' <<<"$out"
}

# memcg_enter: move this (sub)shell into a cgroup v2 of its own with the
# memory controller on (lib.sh's memcg_try), so that odp_bench can read
# what the kernel charged for its MRs in memory.stat. Returns 1 (and
# changes nothing more) when cgroup v2 or its memory controller is not
# available.
memcg_enter() {
	local cg=/sys/fs/cgroup
	memcg_try >/dev/null || return 1
	mkdir -p $cg/rxe-odp-bench && echo "$BASHPID" >$cg/rxe-odp-bench/cgroup.procs
}

# fi_figure OUTPUT ITERS: the MB/sec of fabtests' fi_pingpong OUTPUT when
# all ITERS messages were acknowledged, else nothing. Its rows are "bytes
# #sent #ack total time MB/sec usec/xfer Mxfers/sec", the counts as
# fabtests' cnt_str() writes them (1000 and up in whole k, m, b: 1500 is
# "1k"), #ack starting with "=" when every message was acknowledged.
fi_figure() {
	local n=$2 c
	if ((n >= 1000000000)); then
		c=$((n / 1000000000))b
	elif ((n >= 1000000)); then
		c=$((n / 1000000))m
	elif ((n >= 1000)); then
		c=$((n / 1000))k
	else
		c=$n
	fi
	awk -v n="=$c" '$3 == n && NF >= 8 { print $6; exit }' <<<"$1"
}
