#!/bin/bash
# nodes: 1 2
# perftest ib_write_bw, ib_read_bw and ib_send_bw over rxe0 with pinned
# memory: each must finish and report a non-zero bandwidth.
. "$(dirname "$0")/lib.sh"

# bw_of OUTPUT: the average bandwidth column of perftest's result row.
bw_of() {
	awk '/#bytes/ { hdr = 1; next } hdr && NF >= 4 && $1 ~ /^[0-9]+$/ { print $4; exit }' <<<"$1"
}

for tool in ib_write_bw ib_read_bw ib_send_bw; do
	args=(-d "$DEV" -x "$GIDX" -s 65536 -n 200 "${PERF_OPTS[@]}")
	out=$(client_server "$tool" "${args[@]}" -- "$tool" "${args[@]}" "$(server_ip)") ||
		{ echo "$out"; fail "$tool"; }
	bw=$(bw_of "$out")
	echo "$tool: ${bw:-?} MB/s"
	awk -v b="${bw:-0}" 'BEGIN { exit !(b > 0) }' || { echo "$out"; fail "$tool reported no bandwidth"; }
done
