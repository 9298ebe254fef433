#!/bin/bash
# nodes: 1 2
# perftest ib_write_bw, ib_read_bw and ib_send_bw over rxe0 with pinned
# memory: both sides must succeed and report every iteration done. The
# bandwidth is printed, not checked: perftest times with the cycle counter,
# which TCG guests (two of them on two cores, the debug kernel) do not keep
# steady, and it sometimes reports 0.00 for a complete run. Speed is for
# ./rxe-odp bench.
. "$(dirname "$0")/lib.sh"

# row_of OUTPUT COLUMN: a column of perftest's result row (2: iterations,
# 4: average bandwidth).
row_of() {
	awk -v c="$2" '/#bytes/ { hdr = 1; next } hdr && NF >= 4 && $1 ~ /^[0-9]+$/ { print $c; exit }' <<<"$1"
}

for tool in ib_write_bw ib_read_bw ib_send_bw; do
	args=(-d "$DEV" -x "$GIDX" -s 65536 -n 200 "${PERF_OPTS[@]}")
	out=$(client_server "$tool" "${args[@]}" -- "$tool" "${args[@]}" "$(server_ip)") ||
		{ echo "$out"; fail "$tool"; }
	echo "$tool: $(row_of "$out" 4) MB/s"
	[ "$(row_of "$out" 2)" = 200 ] || { echo "$out"; fail "$tool did not report 200 iterations"; }
done
