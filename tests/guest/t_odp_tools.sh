#!/bin/bash
# nodes: 1 2
# Stock tools on ODP memory: ibv_rc_pingpong -o (SEND/RECV on an ODP MR)
# and perftest ib_write_bw, ib_read_bw, ib_send_bw with --odp, on one guest
# and across two. (perftest 4.5 refuses ib_atomic_bw --odp by itself:
# "ODP does not support ATOMICS for now"; odp_core_tests covers atomics.)
. "$(dirname "$0")/lib.sh"

ibv_devinfo -v -d "$DEV" | grep -q ODP_SUPPORT || fail "$DEV reports no ODP"

rc_pingpong 200 -s 4096 -o || fail "ibv_rc_pingpong -o"

for tool in ib_write_bw ib_read_bw ib_send_bw; do
	args=(-d "$DEV" -x "$GIDX" -s 65536 -n 200 "${PERF_OPTS[@]}" --odp)
	out=$(client_server "$tool" "${args[@]}" -- "$tool" "${args[@]}" "$(server_ip)") ||
		{ echo "$out"; fail "$tool --odp"; }
	# bandwidth printed, not checked (see t_perftest.sh); every iteration
	# must have completed
	row=$(awk '/#bytes/ { hdr = 1; next } hdr && NF >= 4 && $1 ~ /^[0-9]+$/ { print $2, $4; exit }' <<<"$out")
	echo "$tool --odp: ${row#* } MB/s"
	[ "${row%% *}" = 200 ] || { echo "$out"; fail "$tool --odp did not report 200 iterations"; }
done
